//! Exact decimals for the sums, minimums, maximums and copies of plain
//! person inputs ([`super::Persons::add`]).

use std::cmp::Ordering;

/// An exact decimal: `mantissa × 10^-scale`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Dec {
    mantissa: i128,
    scale: u32,
}

/// 10^k for k ≤ 38 (the largest power of ten in an `i128`).
fn pow10(k: u32) -> Option<i128> {
    10i128.checked_pow(k)
}

impl Dec {
    pub(crate) const ZERO: Dec = Dec {
        mantissa: 0,
        scale: 0,
    };

    /// The mantissa and scale: the value is `mantissa × 10^-scale`.
    pub(crate) fn parts(self) -> (i128, u32) {
        (self.mantissa, self.scale)
    }

    /// The decimal whose [`Dec::parts`] are `(mantissa, scale)`.
    pub(crate) fn from_parts(mantissa: i128, scale: u32) -> Dec {
        Dec { mantissa, scale }
    }

    /// Read `-?digits(.digits)?` (the cell grammar of integer, number and
    /// money inputs); `None` for anything else or beyond 38 digits.
    pub(crate) fn parse(text: &[u8]) -> Option<Dec> {
        let (neg, digits) = match text.split_first() {
            Some((b'-', rest)) => (true, rest),
            _ => (false, text),
        };
        // Up to 18 digits fit a u64 without a check per digit (the usual
        // cell); longer ones go through checked i128 arithmetic.
        let (mantissa, scale) = if digits.len() <= 18 {
            let (m, scale) = Dec::digits(digits, 0u64, |m, d| Some(m * 10 + u64::from(d)))?;
            (i128::from(m), scale)
        } else {
            Dec::digits(digits, 0i128, |m, d| {
                m.checked_mul(10)?.checked_add(i128::from(d))
            })?
        };
        Some(Dec {
            mantissa: if neg { -mantissa } else { mantissa },
            scale,
        })
    }

    /// The mantissa and scale of `digits(.digits)?`, accumulated by `push`.
    #[inline(always)]
    fn digits<T: Copy>(
        digits: &[u8],
        zero: T,
        push: impl Fn(T, u8) -> Option<T>,
    ) -> Option<(T, u32)> {
        let mut mantissa = zero;
        let mut scale = 0u32;
        let mut point = false;
        let mut any = false;
        for &b in digits {
            match b {
                b'0'..=b'9' => {
                    mantissa = push(mantissa, b - b'0')?;
                    any = true;
                    if point {
                        scale += 1;
                    }
                }
                b'.' if !point && any => point = true,
                _ => return None,
            }
        }
        if !any || (point && scale == 0) {
            return None;
        }
        Some((mantissa, scale))
    }

    /// The value of a cell whose text is `len` bytes long and which the
    /// plain cell grammar (`cell::parse_integer`, `cell::parse_number`)
    /// read as `v`, when that text can only be `v`'s digits: a whole `v`
    /// below 10^15 (read exactly) written in as many bytes as it has
    /// digits. A `-`, a point, a fraction or a leading zero would take
    /// more bytes. `None`: read the text with [`Dec::parse`].
    #[inline]
    pub(crate) fn whole_as_read(v: f64, len: usize) -> Option<Dec> {
        // 10^k for k ≤ 15: `len` digits make a number in [10^(len-1), 10^len).
        const POW10: [i64; 16] = {
            let mut p = [1i64; 16];
            let mut k = 1;
            while k < 16 {
                p[k] = p[k - 1] * 10;
                k += 1;
            }
            p
        };
        // Saturating: NaN gives 0 and fails the comparison below.
        let n = v as i64;
        let (Some(&hi), Some(&lo)) = (POW10.get(len), POW10.get(len.wrapping_sub(1))) else {
            return None;
        };
        let least = if len == 1 { 0 } else { lo };
        (n as f64 == v && n >= least && n < hi).then_some(Dec {
            mantissa: i128::from(n),
            scale: 0,
        })
    }

    /// The exact value of a finite `f64` as it prints (`Display`: shortest
    /// round-trip digits, no exponent), for defaults written in the policy.
    pub(crate) fn from_f64(x: f64) -> Option<Dec> {
        if !x.is_finite() {
            return None;
        }
        Dec::parse(format!("{x}").as_bytes())
    }

    /// `self` at a larger `scale`.
    fn rescaled(self, scale: u32) -> Option<Dec> {
        let factor = pow10(scale.checked_sub(self.scale)?)?;
        Some(Dec {
            mantissa: self.mantissa.checked_mul(factor)?,
            scale,
        })
    }

    /// Both at the larger of their scales (inlined: a sum of whole
    /// numbers, the usual fold, needs no rescaling).
    #[inline(always)]
    fn aligned(self, other: Dec) -> Option<(i128, i128, u32)> {
        if self.scale == other.scale {
            return Some((self.mantissa, other.mantissa, self.scale));
        }
        let scale = self.scale.max(other.scale);
        Some((
            self.rescaled(scale)?.mantissa,
            other.rescaled(scale)?.mantissa,
            scale,
        ))
    }

    #[inline]
    pub(crate) fn checked_add(self, other: Dec) -> Option<Dec> {
        let (a, b, scale) = self.aligned(other)?;
        Some(Dec {
            mantissa: a.checked_add(b)?,
            scale,
        })
    }

    pub(crate) fn checked_cmp(self, other: Dec) -> Option<Ordering> {
        let (a, b, _) = self.aligned(other)?;
        Some(a.cmp(&b))
    }

    /// Write as a household cell: `-`, digits, and `.` with `scale` digits
    /// when `scale > 0` (`1500000.75`, `0.05`, `-3`). Always succeeds.
    pub(crate) fn write(self, out: &mut Vec<u8>) -> bool {
        if self.mantissa < 0 {
            out.push(b'-');
        }
        // The digits, on the stack: a u128 has at most 39.
        let mut buf = [0u8; 40];
        let mut at = buf.len();
        let n = self.mantissa.unsigned_abs();
        match u64::try_from(n) {
            // The usual case, without 128-bit divisions.
            Ok(mut n) => loop {
                at -= 1;
                buf[at] = b'0' + (n % 10) as u8;
                n /= 10;
                if n == 0 {
                    break;
                }
            },
            Err(_) => {
                let mut n = n;
                loop {
                    at -= 1;
                    buf[at] = b'0' + (n % 10) as u8;
                    n /= 10;
                    if n == 0 {
                        break;
                    }
                }
            }
        }
        let digits = &buf[at..];
        let scale = self.scale as usize;
        if scale == 0 {
            out.extend_from_slice(digits);
            return true;
        }
        if digits.len() <= scale {
            out.extend_from_slice(b"0.");
            out.extend(std::iter::repeat_n(b'0', scale - digits.len()));
            out.extend_from_slice(digits);
        } else {
            let (int, frac) = digits.split_at(digits.len() - scale);
            out.extend_from_slice(int);
            out.push(b'.');
            out.extend_from_slice(frac);
        }
        true
    }
}

#[cfg(test)]
mod tests {
    use super::Dec;
    use crate::input::cell::{parse_integer, parse_number};

    fn round_trip(text: &str) -> Option<String> {
        let mut out = Vec::new();
        Dec::parse(text.as_bytes())?.write(&mut out);
        Some(String::from_utf8(out).expect("UTF-8"))
    }

    /// Up to 18 characters take the u64 path, longer ones the i128 one:
    /// both read the same grammar to the same value.
    #[test]
    fn decimals_read_the_same_on_both_sides_of_18_characters() {
        for text in [
            "0",
            "-3",
            "0.05",
            "1500000.75",
            "999999999999999999",
            "-999999999999999999",
            "9999999999999999999",
            "12345678901234567.8",
            "123456789012345678.9",
            "0.00000000000000001",
            "0.000000000000000001",
            "99999999999999999999999999999999999999",
        ] {
            assert_eq!(round_trip(text).as_deref(), Some(text), "{text}");
        }
        for text in [
            "",
            "-",
            ".5",
            "1.",
            "1.2.3",
            "1e5",
            "+1",
            "12345678901234567.",
            "1234567890123456789.",
            "12a",
            "123456789012345678a",
            // Beyond 38 digits.
            "999999999999999999999999999999999999999",
        ] {
            assert_eq!(round_trip(text), None, "{text}");
        }
    }

    /// A value taken from the slot is the value of its text, exactly, or
    /// `None` (the text is read again): for every text the plain grammar
    /// accepts, whole or not, with leading zeros, a sign, a point, around
    /// 10^15 and where a fraction rounds up to a whole number.
    #[test]
    fn a_whole_value_read_plainly_is_its_text() {
        let mut texts: Vec<String> = [
            "0",
            "00",
            "-0",
            "-5",
            "5",
            "05",
            "5.0",
            "1.0",
            "10",
            "9",
            "99",
            "100",
            "0.5",
            "12.50",
            "999999999999999",
            "1000000000000000",
            "9999999999999999",
            "100000000000000.0",
            "999999999999999.9",
            "9.9999999999999999",
            "99.99999999999999999",
            "2905660",
            "0000000000000000000002905660",
        ]
        .iter()
        .map(|t| t.to_string())
        .collect();
        for k in 0..16 {
            let p = 10u64.pow(k);
            for n in [p.saturating_sub(1), p, p + 1, p * 3 + 7] {
                texts.push(n.to_string());
                texts.push(format!("{n}.0"));
                texts.push(format!("0{n}"));
                texts.push(format!("-{n}"));
            }
        }
        let mut taken = 0;
        for text in &texts {
            let exact = Dec::parse(text.as_bytes());
            for parsed in [
                parse_number(text.as_bytes()),
                parse_integer(text.as_bytes()),
            ] {
                let Ok(v) = parsed else { continue };
                if let Some(d) = Dec::whole_as_read(v, text.len()) {
                    assert_eq!(Some(d), exact, "{text}");
                    taken += 1;
                }
            }
        }
        // Whole texts without a sign or a leading zero are taken.
        assert!(taken >= 2 * 50, "{taken}");
        assert_eq!(Dec::whole_as_read(f64::NAN, 1), None);
        assert_eq!(Dec::whole_as_read(f64::INFINITY, 3), None);
        assert_eq!(Dec::whole_as_read(5.0, 0), None);
        assert_eq!(Dec::whole_as_read(1e15, 16), None);
    }
}
