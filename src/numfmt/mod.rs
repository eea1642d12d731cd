//! Number formatting for output, written straight into byte buffers
//! (no allocation, no `format!` on the per-row path).
//!
//! Every rounding here is the policy's `round1` rule generalised: half away
//! from zero with a 1e-9 nudge, so that binary floating point cannot turn an
//! exact decimal tie (28.75 computed as 28.749999999999996) into a round-down.

pub mod locale;

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

/// Write an unsigned integer (`itoa`: as fast as a hand-rolled writer here,
/// see `benches/README.md`, "Fast paths earn their place").
#[inline]
pub fn write_u64(n: u64, out: &mut Vec<u8>) {
    out.extend_from_slice(itoa::Buffer::new().format(n).as_bytes());
}

/// Write an integer (`itoa`, as [`write_u64`]).
///
/// ```
/// let mut out = Vec::new();
/// layak::numfmt::write_int(-1203, &mut out);
/// assert_eq!(out, b"-1203");
/// ```
#[inline]
pub fn write_int(v: i64, out: &mut Vec<u8>) {
    out.extend_from_slice(itoa::Buffer::new().format(v).as_bytes());
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

/// `|x|` in units of `10^-D`, rounded as `write_fixed` rounds it: `None`
/// beyond its fast path (not finite, or too large).
#[inline(always)]
fn fixed_magnitude<const D: u32>(x: f64) -> Option<u64> {
    // Half up with the 1e-9 nudge, as in `round_half_up`; truncation of a
    // non-negative value is its floor.
    let scaled = x.abs() * 10u64.pow(D) as f64 + 0.5 + 1e-9;
    if scaled >= FIXED_LIMIT {
        return None;
    }
    // In range for i64, whose conversion is cheaper than that of u64.
    Some(scaled as i64 as u64)
}

/// The number [`write_fixed`] writes for `x` with `decimals` (at most 6)
/// fraction digits, in units of `10^-decimals` (`193449.666666` with 2:
/// 19344967): what its text reads back as, without the text. `None` when
/// it writes something else than plain digits (`x` not finite, or too
/// large for its fast path) or `decimals` is over 6.
#[inline]
pub fn fixed_units(x: f64, decimals: u32) -> Option<i64> {
    if !x.is_finite() {
        return None;
    }
    let n = match decimals {
        0 => fixed_magnitude::<0>(x),
        1 => fixed_magnitude::<1>(x),
        2 => fixed_magnitude::<2>(x),
        3 => fixed_magnitude::<3>(x),
        4 => fixed_magnitude::<4>(x),
        5 => fixed_magnitude::<5>(x),
        6 => fixed_magnitude::<6>(x),
        _ => None,
    }? as i64;
    // `write_fixed` writes a minus sign only before a nonzero magnitude.
    Some(if x < 0.0 { -n } else { n })
}

/// `write_fixed` for `D` decimals (at most 6), with a constant scale.
fn fixed<const D: u32>(x: f64, out: &mut Vec<u8>) {
    if !x.is_finite() {
        write_non_finite(x, out);
        return;
    }
    let scale = 10u64.pow(D);
    let Some(n) = fixed_magnitude::<D>(x) else {
        fixed_slow(x, D, out);
        return;
    };
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
pub(crate) mod tests;
