//! Survey weights in the summary (`--weight`): exact weighted sums and the
//! numbers of the JSON document.
//!
//! With weights, each household adds `w_i × q` to a counter where it would
//! add `q` (1 for a count, its persons, an amount, an income gap): every
//! figure becomes a population estimate. `w_i` is an integer number of
//! billionths (`input::WEIGHT_UNIT`), so the products are integers and the
//! sums are kept exactly in [`Wide`] (256-bit, wrapping like the sample
//! counters: a row taken out again leaves no trace, and the order of adds
//! does not matter). The result is the same for any thread count.
//!
//! A [`Num`] is one figure of the document: a sample count, written as
//! before, or a weighted sum, written as a whole number when it is one and
//! otherwise as the nearest `f64` to its exact decimal value.

use serde::{Serialize, Serializer};

/// Weighted sums are in billionths.
const UNIT: u64 = 1_000_000_000;

/// An unsigned 256-bit integer with wrapping arithmetic.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct Wide {
    hi: u128,
    lo: u128,
}

impl Wide {
    pub(crate) const ZERO: Wide = Wide { hi: 0, lo: 0 };

    /// `a × b`, exactly.
    #[inline]
    pub(crate) fn mul(a: u128, b: u64) -> Wide {
        let b = u128::from(b);
        let low = (a & u128::from(u64::MAX)) * b;
        let high = (a >> 64) * b;
        let (lo, carry) = low.overflowing_add(high << 64);
        Wide {
            hi: (high >> 64) + u128::from(carry),
            lo,
        }
    }

    #[inline]
    pub(crate) fn wrapping_add(self, o: Wide) -> Wide {
        let (lo, carry) = self.lo.overflowing_add(o.lo);
        Wide {
            hi: self.hi.wrapping_add(o.hi).wrapping_add(u128::from(carry)),
            lo,
        }
    }

    #[inline]
    pub(crate) fn wrapping_sub(self, o: Wide) -> Wide {
        let (lo, borrow) = self.lo.overflowing_sub(o.lo);
        Wide {
            hi: self.hi.wrapping_sub(o.hi).wrapping_sub(u128::from(borrow)),
            lo,
        }
    }

    /// The value as an `f64` (rounded twice at most: for ratios, where the
    /// units cancel).
    pub(crate) fn to_f64(self) -> f64 {
        self.hi as f64 * 2f64.powi(128) + self.lo as f64
    }

    /// `(self / d, self % d)`.
    fn div_rem(self, d: u64) -> (Wide, u64) {
        let d128 = u128::from(d);
        let mut rem: u128 = 0;
        let mut limbs = [
            (self.hi >> 64) as u64,
            self.hi as u64,
            (self.lo >> 64) as u64,
            self.lo as u64,
        ];
        for limb in &mut limbs {
            let cur = (rem << 64) | u128::from(*limb);
            *limb = (cur / d128) as u64;
            rem = cur % d128;
        }
        let q = Wide {
            hi: (u128::from(limbs[0]) << 64) | u128::from(limbs[1]),
            lo: (u128::from(limbs[2]) << 64) | u128::from(limbs[3]),
        };
        (q, rem as u64)
    }

    fn is_zero(self) -> bool {
        self == Wide::ZERO
    }

    /// The decimal digits of the value.
    fn digits(self) -> String {
        if self.hi == 0 {
            return self.lo.to_string();
        }
        let mut parts = Vec::new();
        let mut v = self;
        while !v.is_zero() {
            let (q, r) = v.div_rem(10_000_000_000_000_000_000);
            parts.push(r);
            v = q;
        }
        let mut s = String::new();
        for (i, p) in parts.iter().rev().enumerate() {
            if i == 0 {
                s.push_str(&p.to_string());
            } else {
                s.push_str(&format!("{p:019}"));
            }
        }
        s
    }
}

/// One figure of the summary: a count of the sample, or a weighted sum (in
/// billionths).
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Num {
    Count(u128),
    Weighted(Wide),
}

impl Num {
    /// The figure in its own units, for a ratio of two figures of one kind.
    #[inline]
    pub(crate) fn ratio_part(self) -> f64 {
        match self {
            Num::Count(n) => n as f64,
            Num::Weighted(w) => w.to_f64(),
        }
    }

    pub(crate) fn is_zero(self) -> bool {
        match self {
            Num::Count(n) => n == 0,
            Num::Weighted(w) => w.is_zero(),
        }
    }

    /// `self − o`, or 0 below 0.
    pub(crate) fn saturating_sub(self, o: Num) -> Num {
        match (self, o) {
            (Num::Count(a), Num::Count(b)) => Num::Count(a.saturating_sub(b)),
            (Num::Weighted(a), Num::Weighted(b)) if a >= b => Num::Weighted(a.wrapping_sub(b)),
            (Num::Weighted(_), _) => Num::Weighted(Wide::ZERO),
            (Num::Count(_), _) => Num::Count(0),
        }
    }

    /// The sum of two figures of one kind.
    pub(crate) fn plus(self, o: Num) -> Num {
        match (self, o) {
            (Num::Count(a), Num::Count(b)) => Num::Count(a.wrapping_add(b)),
            (Num::Weighted(a), Num::Weighted(b)) => Num::Weighted(a.wrapping_add(b)),
            (Num::Weighted(a), Num::Count(_)) | (Num::Count(_), Num::Weighted(a)) => {
                Num::Weighted(a)
            }
        }
    }

    /// The figure rounded half up to a whole number (for people).
    pub(crate) fn whole(self) -> u128 {
        match self {
            Num::Count(n) => n,
            Num::Weighted(w) => {
                let (q, r) = w.div_rem(UNIT);
                let q = if q.hi == 0 { q.lo } else { u128::MAX };
                q.saturating_add(u128::from(2 * r >= UNIT))
            }
        }
    }

    /// A weighted figure's exact decimal text (`123.45`).
    fn decimal(w: Wide) -> String {
        let (q, r) = w.div_rem(UNIT);
        let mut s = q.digits();
        if r > 0 {
            let frac = format!("{r:09}");
            s.push('.');
            s.push_str(frac.trim_end_matches('0'));
        }
        s
    }
}

/// A figure as people read it: rounded to a whole number.
impl From<Num> for u128 {
    fn from(n: Num) -> u128 {
        n.whole()
    }
}

impl Serialize for Num {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match *self {
            Num::Count(n) => s.serialize_u128(n),
            Num::Weighted(w) => {
                let (q, r) = w.div_rem(UNIT);
                if r == 0 && q.hi == 0 {
                    s.serialize_u128(q.lo)
                } else {
                    // The nearest f64 to the exact decimal (a correctly
                    // rounded parse), so that `123.45` is written `123.45`.
                    s.serialize_f64(Num::decimal(w).parse().unwrap_or(f64::NAN))
                }
            }
        }
    }
}

/// One group's counters as the figures read them: the sample's counts, or
/// (with survey weights) the weighted sums in the same layout.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Counters<'a> {
    Sample(&'a [u128]),
    Weighted(&'a [Wide]),
}

impl Counters<'_> {
    /// Counter `i`.
    #[inline]
    pub(crate) fn at(&self, i: usize) -> Num {
        match self {
            Counters::Sample(c) => Num::Count(c[i]),
            Counters::Weighted(c) => Num::Weighted(c[i]),
        }
    }
}

/// The `weight` object of the summary: which column weighted the figures.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct WeightInfo {
    pub(crate) column: String,
    pub(crate) scale: ScaleNumber,
}

/// A scale as a JSON number: whole when it is (`1`, not `1.0`).
#[derive(Debug, Clone, Copy)]
pub(crate) enum ScaleNumber {
    Whole(u64),
    Fraction(f64),
}

impl Serialize for ScaleNumber {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match *self {
            ScaleNumber::Whole(n) => s.serialize_u64(n),
            ScaleNumber::Fraction(x) => s.serialize_f64(x),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn json(n: Num) -> String {
        serde_json::to_string(&n).unwrap()
    }

    #[test]
    fn wide_arithmetic_is_exact_and_wraps_back() {
        let a = Wide::mul(u128::MAX, u64::MAX);
        // (2^128 − 1)(2^64 − 1) = 2^192 − 2^128 − 2^64 + 1
        assert_eq!(a.hi, (1u128 << 64) - 2);
        assert_eq!(a.lo, u128::MAX - (1u128 << 64) + 2);
        let b = Wide::mul(12345, 678);
        let sum = a.wrapping_add(b).wrapping_add(a);
        assert_eq!(sum.wrapping_sub(a).wrapping_sub(a), b);
        assert_eq!(b.lo, 12345 * 678);
        let (q, r) = Wide::mul(10u128.pow(30), 1000)
            .wrapping_add(Wide::mul(7, 1))
            .div_rem(UNIT);
        assert_eq!(
            (q.digits(), r),
            ("1000000000000000000000000".to_string(), 7)
        );
        assert_eq!(
            Wide::mul(u128::MAX, 2).digits(),
            "680564733841876926926749214863536422910"
        );
    }

    #[test]
    fn weighted_figures_are_written_exactly() {
        assert_eq!(json(Num::Count(42)), "42");
        assert_eq!(json(Num::Weighted(Wide::mul(600_750_000_000, 1))), "600.75");
        assert_eq!(json(Num::Weighted(Wide::mul(2573, UNIT))), "2573");
        assert_eq!(json(Num::Weighted(Wide::mul(1, 1))), "1e-9");
        assert_eq!(json(Num::Weighted(Wide::ZERO)), "0");
        assert_eq!(Num::Weighted(Wide::mul(2_500_000_000, 1)).whole(), 3);
        assert_eq!(Num::Weighted(Wide::mul(2_499_999_999, 1)).whole(), 2);
        let a = Num::Weighted(Wide::mul(5, UNIT));
        let b = Num::Weighted(Wide::mul(7, UNIT));
        assert_eq!(a.saturating_sub(b), Num::Weighted(Wide::ZERO));
        assert_eq!(b.saturating_sub(a).whole(), 2);
        assert_eq!(a.plus(b).whole(), 12);
    }
}
