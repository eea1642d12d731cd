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

/// Write an unsigned integer.
#[inline]
pub fn write_u64(mut n: u64, out: &mut Vec<u8>) {
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
#[inline]
pub fn write_int(v: i64, out: &mut Vec<u8>) {
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
pub fn write_fixed(x: f64, decimals: u32, out: &mut Vec<u8>) {
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
pub fn write_whole(x: f64, out: &mut Vec<u8>) {
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
pub fn write_grouped(x: f64, out: &mut Vec<u8>) {
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

/// Write a float in the shortest form that reads back to the same value (JSON numbers).
pub fn write_shortest(x: f64, out: &mut Vec<u8>) {
    if !x.is_finite() {
        out.extend_from_slice(b"null");
        return;
    }
    if x == x.trunc() && x.abs() < FIXED_LIMIT {
        write_int(x as i64, out);
        return;
    }
    use std::io::Write;
    let _ = write!(out, "{x}");
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
mod tests {
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
}
