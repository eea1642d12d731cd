//! Number formatting for output, written straight into byte buffers
//! (no allocation, no `format!` on the per-row path).
//!
//! Every rounding here is the policy's `round1` rule generalised: half away
//! from zero with a 1e-9 nudge, so that binary floating point cannot turn an
//! exact decimal tie (28.75 computed as 28.749999999999996) into a round-down.

/// Round half away from zero at `decimals` places, with a 1e-9 nudge.
///
/// ```
/// assert_eq!(layak::numfmt::round_half_up(28.749999999999996, 1), 28.8);
/// assert_eq!(layak::numfmt::round_half_up(-2.5, 0), -3.0);
/// ```
pub fn round_half_up(x: f64, decimals: u32) -> f64 {
    let scale = 10f64.powi(decimals as i32);
    let r = ((x.abs() * scale) + 0.5 + 1e-9).floor() / scale;
    if x < 0.0 { -r } else { r }
}

/// Pairs of decimal digits "00".."99", so that one division yields two digits.
const DIGIT_PAIRS: &[u8; 200] = b"\
0001020304050607080910111213141516171819\
2021222324252627282930313233343536373839\
4041424344454647484950515253545556575859\
6061626364656667686970717273747576777879\
8081828384858687888990919293949596979899";

/// The eight decimal digits of `n < 10^8` (leading zeros included), one per
/// byte, most significant in the lowest byte: the bytes of `to_le_bytes` in
/// reading order. Values 0..=9, not yet ASCII.
///
/// All eight are computed at once: two 4-digit halves in 32-bit lanes, split
/// into 2-digit quarters in 16-bit lanes, then into digits, dividing by 100
/// and 10 with multiply-and-shift that is exact in these ranges.
#[inline(always)]
fn digits8(n: u64) -> u64 {
    debug_assert!(n < 100_000_000);
    let v = (n / 10_000) | ((n % 10_000) << 32);
    // x / 100 == (x * 5243) >> 19 for x < 43_699.
    let hundreds = ((v * 5243) >> 19) & 0x0000_007f_0000_007f;
    let v = hundreds | ((v - hundreds * 100) << 16);
    // x / 10 == (x * 103) >> 10 for x < 179.
    let tens = ((v * 103) >> 10) & 0x000f_000f_000f_000f;
    tens | ((v - tens * 10) << 8)
}

const ASCII_ZEROS: u64 = 0x3030_3030_3030_3030;

/// Write `n < 10^8` without leading zeros at `buf[pos..]` and return the end.
/// Eight bytes are written: `buf` needs room for them, and the bytes after
/// the end are scratch.
#[inline(always)]
fn put_short(n: u64, buf: &mut [u8], pos: usize) -> usize {
    let d = digits8(n);
    // Leading zero digits are the low zero bytes; `0` keeps one digit.
    let zeros = (d.trailing_zeros() / 8).min(7) as usize;
    let ascii = (d + ASCII_ZEROS) >> (8 * zeros);
    buf[pos..pos + 8].copy_from_slice(&ascii.to_le_bytes());
    pos + 8 - zeros
}

/// Write `n < 10^8` as exactly eight digits at `buf[pos..]` and return the end.
#[inline(always)]
fn put_eight(n: u64, buf: &mut [u8], pos: usize) -> usize {
    buf[pos..pos + 8].copy_from_slice(&(digits8(n) + ASCII_ZEROS).to_le_bytes());
    pos + 8
}

/// Write any `n` at `buf[pos..]` and return the end (at most 20 digits; eight
/// bytes of room are needed after the last digit's group start).
#[inline(always)]
fn put_u64(n: u64, buf: &mut [u8], pos: usize) -> usize {
    const E8: u64 = 100_000_000;
    if n < E8 {
        put_short(n, buf, pos)
    } else if n < E8 * E8 {
        let pos = put_short(n / E8, buf, pos);
        put_eight(n % E8, buf, pos)
    } else {
        let pos = put_short(n / (E8 * E8), buf, pos);
        let pos = put_eight(n / E8 % E8, buf, pos);
        put_eight(n % E8, buf, pos)
    }
}

/// `,000` to `,999`: a thousands group with its separator, one 4-byte copy.
const COMMA_GROUPS: [[u8; 4]; 1000] = {
    let mut t = [[0u8; 4]; 1000];
    let mut i = 0;
    while i < 1000 {
        t[i] = [
            b',',
            b'0' + (i / 100) as u8,
            b'0' + (i / 10 % 10) as u8,
            b'0' + (i % 10) as u8,
        ];
        i += 1;
    }
    t
};

/// Reserve `N` bytes at the end of `out`, let `write` fill them, and keep
/// the first `len` it returns. Digits are stored straight into the output:
/// building them in a stack buffer and copying that would load, sixteen
/// bytes at a time, bytes stored a few at a time just before, which the
/// processor cannot forward from its store buffer (a stall of a dozen or so
/// cycles on every number, found with `perf annotate`).
#[inline(always)]
fn in_place<const N: usize>(out: &mut Vec<u8>, write: impl FnOnce(&mut [u8; N]) -> usize) {
    let start = out.len();
    out.extend_from_slice(&[0u8; N]);
    let len = match out
        .get_mut(start..)
        .and_then(|tail| tail.first_chunk_mut::<N>())
    {
        Some(buf) => write(buf),
        None => 0,
    };
    out.truncate(start + len.min(N));
}

/// Write an unsigned integer.
#[inline]
pub fn write_u64(n: u64, out: &mut Vec<u8>) {
    // Counts, months and flags are mostly one digit.
    if n < 10 {
        out.push(b'0' + n as u8);
        return;
    }
    in_place::<24>(out, |buf| put_u64(n, buf, 0));
}

/// Write an integer.
#[inline]
pub fn write_int(v: i64, out: &mut Vec<u8>) {
    if (0..10).contains(&v) {
        out.push(b'0' + v as u8);
        return;
    }
    in_place::<32>(out, |buf| {
        buf[0] = b'-';
        put_u64(v.unsigned_abs(), buf, usize::from(v < 0))
    });
}

/// Largest magnitude written through the fixed-point path (beyond it f64 has no fraction digits).
const FIXED_LIMIT: f64 = 9.0e15;

/// Write `x` with exactly `decimals` fraction digits (half-up rounding).
/// Non-finite values are written as `NaN`, `inf` or `-inf`.
///
/// ```
/// let mut out = Vec::new();
/// layak::numfmt::write_fixed(193449.666666, 2, &mut out);
/// assert_eq!(out, b"193449.67");
/// ```
#[inline]
pub fn write_fixed(x: f64, decimals: u32, out: &mut Vec<u8>) {
    match decimals {
        0 => fixed::<0>(x, out),
        1 => fixed::<1>(x, out),
        2 => fixed::<2>(x, out),
        3 => fixed::<3>(x, out),
        4 => fixed::<4>(x, out),
        5 => fixed::<5>(x, out),
        6 => fixed::<6>(x, out),
        _ => fixed_slow(x, decimals, out),
    }
}

/// `write_fixed` for `D` decimals (at most 6), with a constant scale.
fn fixed<const D: u32>(x: f64, out: &mut Vec<u8>) {
    if !x.is_finite() {
        write_non_finite(x, out);
        return;
    }
    let scale = 10u64.pow(D);
    // Half up with the 1e-9 nudge, as in `round_half_up`; truncation of a
    // non-negative value is its floor.
    let scaled = x.abs() * scale as f64 + 0.5 + 1e-9;
    if scaled >= FIXED_LIMIT {
        fixed_slow(x, D, out);
        return;
    }
    // In range for i64, whose conversion is cheaper than that of u64.
    let n = scaled as i64 as u64;
    // Sign, whole digits (at most 16), point and at most 6 fraction digits,
    // and room for the last eight-byte store.
    let neg = usize::from(x < 0.0 && n > 0);
    in_place::<32>(out, |buf| {
        buf[0] = b'-';
        let whole_end = put_u64(n / scale, buf, neg);
        if D == 0 {
            return whole_end;
        }
        buf[whole_end] = b'.';
        // The fraction is the last D of eight zero-padded digits.
        let frac = (digits8(n % scale) + ASCII_ZEROS) >> (8 * (8 - D));
        buf[whole_end + 1..whole_end + 9].copy_from_slice(&frac.to_le_bytes());
        whole_end + 1 + D as usize
    });
}

/// `write_fixed` beyond the fast path: many decimals or huge magnitudes.
#[cold]
fn fixed_slow(x: f64, decimals: u32, out: &mut Vec<u8>) {
    use std::io::Write;
    if !x.is_finite() {
        write_non_finite(x, out);
        return;
    }
    let _ = write!(out, "{:.*}", decimals as usize, x);
}

/// Write `x` rounded to a whole number.
pub fn write_whole(x: f64, out: &mut Vec<u8>) {
    fixed::<0>(x, out);
}

/// Write `x` for a person: thousands separated by `,`, at most two decimals
/// with trailing zeros dropped (`412,500`, `193,449.67`, `0.5`).
///
/// ```
/// let mut out = Vec::new();
/// layak::numfmt::write_grouped(1234567.5, &mut out);
/// assert_eq!(out, b"1,234,567.5");
/// ```
pub fn write_grouped(x: f64, out: &mut Vec<u8>) {
    if !x.is_finite() {
        write_non_finite(x, out);
        return;
    }
    // Cents, rounded half up with the 1e-9 nudge (truncation is the floor here).
    let scaled = x.abs() * 100.0 + 0.5 + 1e-9;
    if scaled >= FIXED_LIMIT {
        fixed_slow(x, 2, out);
        return;
    }
    let cents = scaled as i64 as u64;
    let mut whole = cents / 100;
    let frac = cents % 100;
    // Thousands groups, least significant first (whole < 9e13: at most 4 below the top one).
    let mut groups = [0u16; 5];
    let mut count = 0;
    while whole >= 1000 {
        groups[count] = (whole % 1000) as u16;
        whole /= 1000;
        count += 1;
    }
    // Sign, at most 14 whole digits with 4 separators, point and two digits,
    // and room for an eight-byte store.
    let neg = usize::from(x < 0.0 && cents > 0);
    in_place::<32>(out, |buf| {
        buf[0] = b'-';
        let mut pos = put_short(whole, buf, neg);
        for &g in groups[..count].iter().rev() {
            buf[pos..pos + 4].copy_from_slice(&COMMA_GROUPS[usize::from(g)]);
            pos += 4;
        }
        if frac != 0 {
            let i = frac as usize * 2;
            let (a, b) = (DIGIT_PAIRS[i], DIGIT_PAIRS[i + 1]);
            buf[pos] = b'.';
            buf[pos + 1] = a;
            buf[pos + 2] = b;
            pos += 2 + usize::from(b != b'0');
        }
        pos
    });
}

/// Write a float in the shortest form that reads back to the same value (JSON numbers).
///
/// The text is that of `format!("{x}")` (shortest round-trip digits, never an
/// exponent: `1e16` is `10000000000000000`, `1.5e-7` is `0.00000015`), except
/// that `-0.0` is written `0`; non-finite values are written `null`.
///
/// ```
/// let mut out = Vec::new();
/// layak::numfmt::write_shortest(0.041666666666666664, &mut out);
/// assert_eq!(out, b"0.041666666666666664");
/// ```
#[inline]
pub fn write_shortest(x: f64, out: &mut Vec<u8>) {
    if !x.is_finite() {
        out.extend_from_slice(b"null");
        return;
    }
    let ax = x.abs();
    // Whole numbers (`-0.0` is written `0`); `as` truncates, cheaper than `trunc`.
    if ax < FIXED_LIMIT && ax as i64 as f64 == ax {
        write_int(x as i64, out);
        return;
    }
    if ax < FEW_DECIMALS_LIMIT && few_decimals(x, ax, out) {
        return;
    }
    if may_tie(x) {
        use std::io::Write;
        let _ = write!(out, "{x}");
        return;
    }
    // Ryu finds the same digits as `Display` (shortest, then closest), much
    // faster. Between 1e-5 and 1e16 it lays them out as `Display` does, but
    // for a `.0` after a whole number; elsewhere it uses an exponent.
    let mut buf = ryu::Buffer::new();
    let s = buf.format_finite(x).as_bytes();
    match s.iter().rposition(|&b| b == b'e') {
        None => out.extend_from_slice(s.strip_suffix(b".0").unwrap_or(s)),
        Some(e) => plain_from_exponent(&s[..e], &s[e + 1..], out),
    }
}

/// Below this, `x * 10^k` for the `k` that `few_decimals` tries stays under
/// 2^48, where the scaled value is so close to a whole number when one of
/// `k` decimals reads back as `x` that rounding it finds that number.
const FEW_DECIMALS_LIMIT: f64 = (1u64 << 48) as f64 / 1e6;

/// Write `x` (`ax` its magnitude, below [`FEW_DECIMALS_LIMIT`], not whole)
/// if one to six decimals read back as `x`, as `write_shortest` would:
/// amounts rounded to cents and scores to one decimal are written here.
///
/// For `k` from 1, `n = round(ax * 10^k)` is the closest decimal with `k`
/// places; it reads back as `x` when `n / 10^k` (exactly rounded division of
/// two exact values) is `ax`. The first such `k` gives the fewest digits,
/// and the only candidate with them: the ulp of `x` is below `10^-k` here,
/// so no other `k`-place decimal is as close.
#[inline]
fn few_decimals(x: f64, ax: f64, out: &mut Vec<u8>) -> bool {
    const POW10: [f64; 7] = [1.0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6];
    let mut k = 1;
    let n = loop {
        let scale = POW10[k];
        let n = (ax * scale + 0.5) as u64;
        if n as f64 / scale == ax {
            break n;
        }
        if k == 6 {
            return false;
        }
        k += 1;
    };
    let scale = 10u64.pow(k as u32);
    // Sign, whole digits (at most 9), point, fraction, and room for the last
    // eight-byte store. The fraction has no trailing zero (else fewer places
    // would have done).
    in_place::<32>(out, |buf| {
        buf[0] = b'-';
        let whole_end = put_u64(n / scale, buf, usize::from(x < 0.0));
        buf[whole_end] = b'.';
        let frac = (digits8(n % scale) + ASCII_ZEROS) >> (8 * (8 - k));
        buf[whole_end + 1..whole_end + 9].copy_from_slice(&frac.to_le_bytes());
        whole_end + 1 + k
    });
    true
}

/// Whether the two closest shortest decimals of `x` may be equally close.
/// Ryu then takes the one with an even last digit, `Display` the larger
/// magnitude (`1500000000000000.25` is `...0.2` for ryu, `...0.3` for
/// `Display`), so such values are left to `Display`.
///
/// With `|x| = m * 2^e`, `m` odd, a tie between `D * 10^(e+1)` and
/// `(D + 1) * 10^(e+1)` means `|x| = (10 D + 5) * 10^e`, so `m * 5^-e` is
/// `10 D + 5`, below 10^18 (`D` has at most 17 digits); and both candidates
/// are within half an ulp of `x`, so the ulp is at least `10^(e+1)`. Those
/// two conditions are checked (the second with a margin), which almost no
/// value meets (`1234.75` meets the first only).
#[inline]
fn may_tie(x: f64) -> bool {
    let bits = x.to_bits();
    let biased = ((bits >> 52) & 0x7ff) as i32;
    let fraction = bits & ((1 << 52) - 1);
    // The significand and the exponent of its last bit (the ulp).
    let (sig, ulp_exp) = if biased == 0 {
        (fraction, -1074)
    } else {
        (fraction | (1 << 52), biased - 1075)
    };
    if sig == 0 {
        return false;
    }
    let zeros = sig.trailing_zeros();
    let e = ulp_exp + zeros as i32;
    if !(-25..=-2).contains(&e) {
        return false;
    }
    let m = sig >> zeros;
    let below_1e18 = 5u64
        .checked_pow(e.unsigned_abs())
        .and_then(|p| m.checked_mul(p))
        .is_some_and(|n| n < 1_000_000_000_000_000_000);
    // ulp >= 10^(e+1), that is ulp_exp >= (e+1) * log2(10), loosened by one.
    below_1e18 && i64::from(e + 1) * 3_321_928 <= i64::from(ulp_exp + 1) * 1_000_000
}

/// Write ryu's `[-]d[.ddd]e[-]n` without the exponent, as `Display` does.
#[cold]
fn plain_from_exponent(mantissa: &[u8], exp: &[u8], out: &mut Vec<u8>) {
    let (neg, mantissa) = match mantissa.split_first() {
        Some((b'-', rest)) => (true, rest),
        _ => (false, mantissa),
    };
    let (exp_neg, exp) = match exp.split_first() {
        Some((b'-', rest)) => (true, rest),
        _ => (false, exp),
    };
    let exp = exp.iter().fold(0i32, |n, &b| n * 10 + i32::from(b - b'0'));
    // The value is 0.DIGITS times 10^point.
    let point = if exp_neg { -exp } else { exp } + 1;
    let mut digits = [0u8; 17];
    let mut len = 0;
    for &b in mantissa {
        if b != b'.' {
            digits[len] = b;
            len += 1;
        }
    }
    let digits = &digits[..len];
    if neg {
        out.push(b'-');
    }
    if point <= 0 {
        out.extend_from_slice(b"0.");
        out.resize(out.len() + point.unsigned_abs() as usize, b'0');
        out.extend_from_slice(digits);
    } else if (point as usize) < digits.len() {
        let (whole, frac) = digits.split_at(point as usize);
        out.extend_from_slice(whole);
        out.push(b'.');
        out.extend_from_slice(frac);
    } else {
        out.extend_from_slice(digits);
        out.resize(out.len() + (point as usize - digits.len()), b'0');
    }
}

fn write_non_finite(x: f64, out: &mut Vec<u8>) {
    out.extend_from_slice(if x.is_nan() {
        b"NaN"
    } else if x > 0.0 {
        b"inf"
    } else {
        b"-inf"
    });
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    fn s(f: impl Fn(&mut Vec<u8>)) -> String {
        let mut out = Vec::new();
        f(&mut out);
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn fixed() {
        assert_eq!(s(|o| write_fixed(412500.0, 2, o)), "412500.00");
        assert_eq!(s(|o| write_fixed(0.0, 4, o)), "0.0000");
        assert_eq!(s(|o| write_fixed(1.0 / 3.0, 4, o)), "0.3333");
        assert_eq!(s(|o| write_fixed(0.5, 4, o)), "0.5000");
        assert_eq!(s(|o| write_fixed(28.749999999999996, 1, o)), "28.8");
        assert_eq!(s(|o| write_fixed(-1.25, 1, o)), "-1.3");
        assert_eq!(s(|o| write_fixed(0.05, 1, o)), "0.1");
        assert_eq!(s(|o| write_fixed(f64::NAN, 1, o)), "NaN");
        assert_eq!(s(|o| write_whole(2_000_000.0, o)), "2000000");
    }

    #[test]
    fn grouped() {
        assert_eq!(s(|o| write_grouped(412500.0, o)), "412,500");
        assert_eq!(s(|o| write_grouped(580349.0, o)), "580,349");
        assert_eq!(s(|o| write_grouped(999.0, o)), "999");
        assert_eq!(s(|o| write_grouped(1000.0, o)), "1,000");
        assert_eq!(s(|o| write_grouped(193449.666, o)), "193,449.67");
        assert_eq!(s(|o| write_grouped(-1234.5, o)), "-1,234.5");
        assert_eq!(s(|o| write_grouped(0.0, o)), "0");
    }

    #[test]
    fn ints_and_shortest() {
        assert_eq!(s(|o| write_int(i64::MIN, o)), "-9223372036854775808");
        assert_eq!(s(|o| write_int(0, o)), "0");
        assert_eq!(s(|o| write_shortest(0.25, o)), "0.25");
        assert_eq!(s(|o| write_shortest(3.0, o)), "3");
        assert_eq!(s(|o| write_shortest(f64::INFINITY, o)), "null");
    }

    /// A small deterministic generator (xorshift64*), so the comparisons need
    /// no dependency; the report tests use it too.
    pub(crate) struct Rng(pub(crate) u64);

    impl Rng {
        pub(crate) fn next(&mut self) -> u64 {
            self.0 ^= self.0 >> 12;
            self.0 ^= self.0 << 25;
            self.0 ^= self.0 >> 27;
            self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
        }

        /// Uniform in [0, 1).
        pub(crate) fn unit(&mut self) -> f64 {
            (self.next() >> 11) as f64 / (1u64 << 53) as f64
        }

        pub(crate) fn below(&mut self, n: u64) -> u64 {
            self.next() % n.max(1)
        }
    }

    /// Values that stress rounding and the limits of the fast paths.
    fn edge_values() -> Vec<f64> {
        let mut v = vec![
            0.0,
            -0.0,
            f64::NAN,
            f64::INFINITY,
            f64::NEG_INFINITY,
            f64::MIN_POSITIVE,
            -f64::MIN_POSITIVE,
            f64::MAX,
            f64::MIN,
            f64::EPSILON,
            1e-9,
            -1e-9,
            4e-10,
            -4e-10,
            0.5,
            -0.5,
            0.05,
            0.005,
            0.0005,
            0.00005,
            0.000005,
            0.0000005,
            1.005,
            2.675,
            1.115,
            28.749999999999996,
            -28.749999999999996,
            99.995,
            999.995,
            999_999.995,
            -999_999.995,
            9.995,
            0.995,
            0.9995,
            0.99995,
            1e15,
            8.999_999_999_999e15,
            9e15,
            -9e15,
            9.000_000_000_000_002e15,
            9e13,
            8.999_999_999_999_99e13,
            9e14,
            9e12,
            9e11,
            9e10,
            9e9,
            1e16,
            1e20,
            -1e20,
            1e300,
            u64::MAX as f64,
            i64::MAX as f64,
            i64::MIN as f64,
        ];
        for e in -8..=17 {
            let p = 10f64.powi(e);
            for m in [
                1.0, 0.5, 0.25, 0.125, 5.0, 9.0, 9.5, 9.99, 9.995, 9.9995, 1.5, 2.5, 12.345,
            ] {
                v.push(m * p);
                v.push(-m * p);
                v.push(m * p - p * 1e-12);
                v.push(m * p + p * 1e-12);
            }
        }
        // Exact ties at every precision: k + d/10^n + 5/10^(n+1).
        for n in 0..=6 {
            let step = 10f64.powi(-(n + 1));
            for k in [0.0, 1.0, 7.0, 123.0, 1_000.0, 65_432.0, 1_234_567.0] {
                for d in 0..20 {
                    let x = k + d as f64 * step * 10.0 + 5.0 * step;
                    v.extend([x, -x, x - 1e-10, x + 1e-10]);
                }
            }
        }
        v
    }

    /// Edge values, then random values of every magnitude and random money-like values.
    fn test_values() -> Vec<f64> {
        let mut v = edge_values();
        let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
        for _ in 0..50_000 {
            let e = (rng.next() % 40) as i32 - 12;
            let x = rng.unit() * 10f64.powi(e);
            v.push(if rng.next() % 4 == 0 { -x } else { x });
            // Money and scores: few decimals, often ties.
            let cents = (rng.next() % 10_000_000_000) as f64;
            v.push(cents / 100.0);
            v.push(cents / 1000.0);
            v.push(-(cents / 10_000.0));
            // Arbitrary bit patterns (NaNs, subnormals, huge values).
            v.push(f64::from_bits(rng.next()));
        }
        v
    }

    #[test]
    fn fixed_matches_reference() {
        let mut new = Vec::new();
        let mut old = Vec::new();
        for x in test_values() {
            for d in 0..=8 {
                new.clear();
                old.clear();
                write_fixed(x, d, &mut new);
                old::write_fixed(x, d, &mut old);
                assert_eq!(
                    String::from_utf8_lossy(&new),
                    String::from_utf8_lossy(&old),
                    "write_fixed({x:?}, {d})"
                );
            }
            new.clear();
            old.clear();
            write_whole(x, &mut new);
            old::write_whole(x, &mut old);
            assert_eq!(new, old, "write_whole({x:?})");
        }
    }

    #[test]
    fn fixed_matches_format() {
        // Within the fast path, the result is `format!` of the half-up rounded value.
        let mut out = Vec::new();
        for x in test_values() {
            for d in 0..=6u32 {
                let scale = 10u64.pow(d) as f64;
                if !x.is_finite() || x.abs() * scale + 0.5 + 1e-9 >= FIXED_LIMIT {
                    continue;
                }
                let n = (x.abs() * scale + 0.5 + 1e-9).floor() as u64;
                let sign = if x < 0.0 && n > 0 { "-" } else { "" };
                let scale = 10u64.pow(d);
                let expected = if d == 0 {
                    format!("{sign}{n}")
                } else {
                    format!("{sign}{}.{:0w$}", n / scale, n % scale, w = d as usize)
                };
                out.clear();
                write_fixed(x, d, &mut out);
                assert_eq!(
                    String::from_utf8_lossy(&out),
                    expected,
                    "write_fixed({x:?}, {d})"
                );
            }
        }
    }

    #[test]
    fn grouped_matches_reference() {
        let mut new = Vec::new();
        let mut old = Vec::new();
        for x in test_values() {
            new.clear();
            old.clear();
            write_grouped(x, &mut new);
            old::write_grouped(x, &mut old);
            assert_eq!(
                String::from_utf8_lossy(&new),
                String::from_utf8_lossy(&old),
                "write_grouped({x:?})"
            );
        }
    }

    #[test]
    fn grouped_matches_format() {
        let mut out = Vec::new();
        for x in test_values() {
            if !x.is_finite() || x.abs() * 100.0 + 0.5 + 1e-9 >= FIXED_LIMIT {
                continue;
            }
            let cents = (x.abs() * 100.0 + 0.5 + 1e-9).floor() as u64;
            let digits = (cents / 100).to_string();
            let mut expected = String::new();
            if x < 0.0 && cents > 0 {
                expected.push('-');
            }
            for (i, c) in digits.chars().enumerate() {
                if i > 0 && (digits.len() - i) % 3 == 0 {
                    expected.push(',');
                }
                expected.push(c);
            }
            match cents % 100 {
                0 => {}
                f if f % 10 == 0 => expected.push_str(&format!(".{}", f / 10)),
                f => expected.push_str(&format!(".{f:02}")),
            }
            out.clear();
            write_grouped(x, &mut out);
            assert_eq!(
                String::from_utf8_lossy(&out),
                expected,
                "write_grouped({x:?})"
            );
        }
    }

    #[test]
    fn integers_match_reference() {
        let mut rng = Rng(12345);
        let mut values: Vec<u64> = vec![0, 1, 9, 10, 99, 100, 999, 1000, u64::MAX, u64::MAX - 1];
        for p in 0..20 {
            let t = 10u64.pow(p);
            values.extend([t - 1, t, t + 1]);
        }
        for _ in 0..100_000 {
            let bits = rng.next() % 65;
            values.push(rng.next().checked_shr(bits as u32).unwrap_or(0));
        }
        let mut new = Vec::new();
        for n in values {
            new.clear();
            write_u64(n, &mut new);
            assert_eq!(new, n.to_string().as_bytes());
            for v in [n as i64, (n as i64).wrapping_neg()] {
                new.clear();
                write_int(v, &mut new);
                assert_eq!(new, v.to_string().as_bytes());
                let mut old = Vec::new();
                old::write_int(v, &mut old);
                assert_eq!(new, old);
            }
        }
        new.clear();
        write_int(i64::MIN, &mut new);
        assert_eq!(new, i64::MIN.to_string().as_bytes());
    }

    #[test]
    fn eight_digits_at_once() {
        let mut rng = Rng(7);
        let dense = (0..200_000u64).chain((0..100_000_000).step_by(997));
        let random = (0..200_000).map(|_| rng.next() % 100_000_000);
        for n in dense
            .chain(random)
            .chain([99_999_999, 10_000_000, 9_999_999])
        {
            let mut buf = [0u8; 16];
            let end = put_eight(n, &mut buf, 0);
            assert_eq!(buf[..end], *format!("{n:08}").as_bytes());
            let end = put_short(n, &mut buf, 1);
            assert_eq!(buf[1..end], *n.to_string().as_bytes());
        }
    }

    /// The float after `x` in bit order: the next one away from zero for a
    /// finite `x` (`f64::next_up` is newer than the crate's MSRV).
    fn next_up(x: f64) -> f64 {
        f64::from_bits(x.to_bits().wrapping_add(1))
    }

    /// The float before `x` in bit order: the next one toward zero for a
    /// finite non-zero `x`.
    fn next_down(x: f64) -> f64 {
        f64::from_bits(x.to_bits().wrapping_sub(1))
    }

    /// What `write_shortest` must write: `Display`, but `0` for `-0.0`.
    fn shortest_reference(x: f64) -> String {
        if !x.is_finite() {
            "null".to_owned()
        } else if x == 0.0 {
            "0".to_owned()
        } else {
            format!("{x}")
        }
    }

    fn check_shortest(x: f64, out: &mut Vec<u8>) {
        out.clear();
        out.extend_from_slice(b"prefix");
        write_shortest(x, out);
        assert_eq!(
            String::from_utf8_lossy(&out[6..]),
            shortest_reference(x),
            "write_shortest({x:?}) bits {:#018x}",
            x.to_bits()
        );
    }

    #[test]
    fn shortest_edges() {
        assert_eq!(
            s(|o| write_shortest(0.041666666666666664, o)),
            "0.041666666666666664"
        );
        assert_eq!(s(|o| write_shortest(3456333.33, o)), "3456333.33");
        assert_eq!(s(|o| write_shortest(2.1, o)), "2.1");
        assert_eq!(s(|o| write_shortest(-0.0, o)), "0");
        assert_eq!(s(|o| write_shortest(1e16, o)), "10000000000000000");
        assert_eq!(s(|o| write_shortest(1.2345e-7, o)), "0.00000012345");
        assert_eq!(s(|o| write_shortest(-1.5e20, o)), "-150000000000000000000");
        assert_eq!(s(|o| write_shortest(f64::NAN, o)), "null");
        assert_eq!(s(|o| write_shortest(f64::NEG_INFINITY, o)), "null");
        let mut v = edge_values();
        v.extend([
            0.1 + 0.2,
            -(0.1 + 0.2),
            1.0 / 3.0,
            2.0 / 3.0,
            5e-324,
            -5e-324,
            f64::from_bits(0x000f_ffff_ffff_ffff),
            f64::from_bits(1) * 3.0,
            f64::MIN_POSITIVE,
            f64::MAX,
            f64::MIN,
            f64::MAX / 3.0,
            9007199254740993.0,
            9007199254740992.0,
            18014398509481984.0,
            123456789012345680.0,
            1.7976931348623157e308,
            2.2250738585072014e-308,
            next_down(1e16),
            9.999999999999998e15,
            9.999999999999999e-5,
            1.0000000000000002,
            0.30000000000000004,
            123.456e-300,
        ]);
        for e in -330..=310 {
            let p = 10f64.powi(e);
            for m in [
                1.0,
                1.5,
                2.5,
                9.999999999999999,
                1.2345678901234567,
                0.1 + 0.2,
            ] {
                v.extend([m * p, -m * p, next_up(m * p), next_down(m * p)]);
            }
        }
        for i in 0..=1100 {
            let p = 2f64.powi(i - 1075);
            v.extend([p, next_up(p), next_down(p), -p]);
        }
        let mut out = Vec::new();
        for x in v {
            check_shortest(x, &mut out);
        }
    }

    #[test]
    fn shortest_matches_display() {
        // Every bit pattern is as likely (all exponents, subnormals, NaNs),
        // then money-like values and scores with many digits.
        let n = if cfg!(debug_assertions) {
            100_000
        } else {
            3_000_000
        };
        let mut rng = Rng(0x0123_4567_89ab_cdef);
        let mut out = Vec::new();
        for _ in 0..n {
            check_shortest(f64::from_bits(rng.next()), &mut out);
            let cents = (rng.next() % 100_000_000_000) as f64;
            check_shortest(cents / 100.0, &mut out);
            let e = (rng.next() % 48) as i32 - 24;
            check_shortest(rng.unit() * 10f64.powi(e), &mut out);
            // Few fraction bits at large magnitudes: exact ties between two
            // shortest candidates are common there.
            let bits = (rng.next() % 8) as i32 + 1;
            let x = (rng.next() >> (11 + rng.next() % 8)) as f64 / 2f64.powi(bits);
            check_shortest(x, &mut out);
            // A few decimals, the fast path's values, near its limits too.
            let places = (rng.next() % 8) as i32;
            let digits =
                rng.next() % [10, 1_000, 1_000_000, 1 << 48, 1 << 53][rng.next() as usize % 5];
            let x = digits as f64 / 10f64.powi(places);
            check_shortest(x, &mut out);
            check_shortest(-x, &mut out);
            check_shortest(next_up(x), &mut out);
        }
    }

    #[test]
    fn appends_after_existing_bytes() {
        let mut out = b"x=".to_vec();
        write_fixed(-0.125, 2, &mut out);
        write_grouped(1234.5, &mut out);
        write_int(-7, &mut out);
        assert_eq!(out, b"x=-0.131,234.5-7");
    }

    /// The implementations before the fixed-size-buffer rewrite, kept as the reference.
    mod old {
        use super::super::{DIGIT_PAIRS, write_non_finite};

        /// Write an unsigned integer.
        pub(super) fn write_u64(mut n: u64, out: &mut Vec<u8>) {
            let mut buf = [0u8; 20];
            let mut i = buf.len();
            while n >= 100 {
                let pair = (n % 100) as usize * 2;
                n /= 100;
                i -= 2;
                buf[i..i + 2].copy_from_slice(&DIGIT_PAIRS[pair..pair + 2]);
            }
            if n >= 10 {
                let pair = n as usize * 2;
                i -= 2;
                buf[i..i + 2].copy_from_slice(&DIGIT_PAIRS[pair..pair + 2]);
            } else {
                i -= 1;
                buf[i] = b'0' + n as u8;
            }
            out.extend_from_slice(&buf[i..]);
        }

        /// Write an integer.
        pub(super) fn write_int(v: i64, out: &mut Vec<u8>) {
            if v < 0 {
                out.push(b'-');
            }
            write_u64(v.unsigned_abs(), out);
        }

        /// Largest magnitude written through the fixed-point path (beyond it f64 has no fraction digits).
        const FIXED_LIMIT: f64 = 9.0e15;

        /// Write `x` with exactly `decimals` fraction digits (half-up rounding).
        /// Non-finite values are written as `NaN`, `inf` or `-inf`.
        ///
        /// ```
        /// let mut out = Vec::new();
        /// layak::numfmt::write_fixed(193449.666666, 2, &mut out);
        /// assert_eq!(out, b"193449.67");
        /// ```
        pub(super) fn write_fixed(x: f64, decimals: u32, out: &mut Vec<u8>) {
            if !x.is_finite() {
                write_non_finite(x, out);
                return;
            }
            const POW10: [u64; 7] = [1, 10, 100, 1_000, 10_000, 100_000, 1_000_000];
            let Some(&scale) = POW10.get(decimals as usize) else {
                use std::io::Write;
                let _ = write!(out, "{:.*}", decimals as usize, x);
                return;
            };
            // Half up with the 1e-9 nudge, as in `round_half_up`; truncation of a
            // non-negative value is its floor.
            let scaled = x.abs() * scale as f64 + 0.5 + 1e-9;
            if scaled >= FIXED_LIMIT {
                use std::io::Write;
                let _ = write!(out, "{:.*}", decimals as usize, x);
                return;
            }
            let n = scaled as u64;
            if x < 0.0 && n > 0 {
                out.push(b'-');
            }
            write_u64(n / scale, out);
            if decimals > 0 {
                out.push(b'.');
                let frac = n % scale;
                let mut div = scale / 10;
                while div > 0 {
                    out.push(b'0' + ((frac / div) % 10) as u8);
                    div /= 10;
                }
            }
        }

        /// Write `x` rounded to a whole number.
        pub(super) fn write_whole(x: f64, out: &mut Vec<u8>) {
            write_fixed(x, 0, out);
        }

        /// Write `x` for a person: thousands separated by `,`, at most two decimals
        /// with trailing zeros dropped (`412,500`, `193,449.67`, `0.5`).
        ///
        /// ```
        /// let mut out = Vec::new();
        /// layak::numfmt::write_grouped(1234567.5, &mut out);
        /// assert_eq!(out, b"1,234,567.5");
        /// ```
        pub(super) fn write_grouped(x: f64, out: &mut Vec<u8>) {
            if !x.is_finite() {
                write_non_finite(x, out);
                return;
            }
            // Cents, rounded half up with the 1e-9 nudge (truncation is the floor here).
            let scaled = x.abs() * 100.0 + 0.5 + 1e-9;
            if scaled >= FIXED_LIMIT {
                write_fixed(x, 2, out);
                return;
            }
            let cents = scaled as u64;
            if x < 0.0 && cents > 0 {
                out.push(b'-');
            }
            let whole = cents / 100;
            if whole < 1000 {
                write_u64(whole, out);
            } else {
                let mut tmp = [0u8; 20];
                let mut len = 0;
                let mut n = whole;
                while n > 0 {
                    tmp[len] = b'0' + (n % 10) as u8;
                    len += 1;
                    n /= 10;
                }
                for i in (0..len).rev() {
                    out.push(tmp[i]);
                    if i > 0 && i % 3 == 0 {
                        out.push(b',');
                    }
                }
            }
            let frac = cents % 100;
            if frac != 0 {
                out.push(b'.');
                out.push(b'0' + (frac / 10) as u8);
                if frac % 10 != 0 {
                    out.push(b'0' + (frac % 10) as u8);
                }
            }
        }
    }
}
