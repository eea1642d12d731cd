//! Tests of number formatting against references (Rust's `format!` and the
//! previous implementations).

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
fn fixed_units_are_the_number_write_fixed_writes() {
    let mut values = vec![
        0.0,
        -0.0,
        -0.001,
        0.005,
        -0.005,
        28.749999999999996,
        193449.666666,
        -1.25,
        1e15,
        9.5e15,
        -3e20,
        f64::NAN,
        f64::INFINITY,
        f64::NEG_INFINITY,
        f64::MAX,
        f64::MIN_POSITIVE,
    ];
    let mut x = 0.123_456_789_f64;
    for _ in 0..2000 {
        x = (x * 7919.37 + 0.618).rem_euclid(2e7) - 1e7;
        values.push(x);
        values.push(x / 1e5);
    }
    for d in 0..=7 {
        for &v in &values {
            let text = s(|o| write_fixed(v, d, o));
            let plain = text
                .bytes()
                .all(|b| b.is_ascii_digit() || b == b'.' || b == b'-');
            match fixed_units(v, d) {
                Some(n) => assert_eq!(text.replace('.', "").parse::<i64>().unwrap(), n, "{v} {d}"),
                None => assert!(
                    !plain || d > 6 || v.abs() >= 9e15 / 10f64.powi(d as i32),
                    "{v} {d}"
                ),
            }
        }
    }
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

/// `write_int` and `write_u64` are `itoa` now: the bytes the hand-rolled
/// writer wrote, at the edges too (negatives, the extremes, powers of ten).
#[test]
fn integers_at_the_edges() {
    let cases: [(i64, &str); 10] = [
        (0, "0"),
        (7, "7"),
        (-7, "-7"),
        (10, "10"),
        (-10, "-10"),
        (99_999_999, "99999999"),
        (-100_000_000, "-100000000"),
        (i64::MAX, "9223372036854775807"),
        (i64::MIN + 1, "-9223372036854775807"),
        (i64::MIN, "-9223372036854775808"),
    ];
    for (v, want) in cases {
        let mut out = b"x".to_vec();
        write_int(v, &mut out);
        assert_eq!(out, [b"x", want.as_bytes()].concat(), "{v}");
        let mut old = b"x".to_vec();
        old::write_int(v, &mut old);
        assert_eq!(out, old, "{v}");
    }
    for (n, want) in [
        (0u64, "0"),
        (9, "9"),
        (10_000_000_000_000_000_000, "10000000000000000000"),
        (u64::MAX, "18446744073709551615"),
    ] {
        let mut out = b"x".to_vec();
        write_u64(n, &mut out);
        assert_eq!(out, [b"x", want.as_bytes()].concat(), "{n}");
        let mut old = b"x".to_vec();
        old::write_u64(n, &mut old);
        assert_eq!(out, old, "{n}");
    }
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
        let digits = rng.next() % [10, 1_000, 1_000_000, 1 << 48, 1 << 53][rng.next() as usize % 5];
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
