//! The operators of the typed tree and their scalar semantics on `f64`
//! (tolerant comparisons, rounding, NaN-propagating `min`/`max`).
//!
//! They live here once, below every pass that needs them: constant folding,
//! the node tree that evaluates rows and the reference interpreter all call
//! these functions, so a folded constant is exactly what evaluation would have
//! produced and the two evaluators agree bit for bit.

use super::EPSILON;

/// Binary operators of the typed tree, already specialised by operand type.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) enum BinaryOp {
    Add,
    Sub,
    Mul,
    Div,
    /// `a ^ b`: undefined (NaN) unless the result is a finite number.
    Pow,
    /// `a % b`, floored: the remainder has the sign of `b`; NaN when `b` is 0.
    Mod,
    /// `months_between(a, b)`: whole months from date `a` to date `b`.
    MonthsBetween,
    /// `years_between(a, b)`: whole years from date `a` to date `b`.
    YearsBetween,
    Lt,
    Le,
    Gt,
    Ge,
    /// Numeric `==`, within [`EPSILON`].
    EqTol,
    /// Numeric `!=`, the negation of [`BinaryOp::EqTol`].
    NeTol,
    /// Exact `==` of booleans or enum values.
    Eq,
    /// Exact `!=` of booleans or enum values.
    Ne,
}

/// Unary operators of the typed tree (including one-argument built-ins).
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) enum UnaryOp {
    Neg,
    Not,
    Floor,
    Ceil,
    Abs,
    /// Natural logarithm; NaN for a value of 0 or less.
    Ln,
    /// `e^x`; NaN when the result overflows.
    Exp,
    /// Square root; NaN for a negative value.
    Sqrt,
    /// `round(x, d)` with the scale `10^d` precomputed.
    Round(f64),
    /// Whether the whole number `x` (a text input's slot: one bit per text
    /// test, see `Scope::text_test`) has any bit of the mask set: 1 or 0.
    AnyBit(u64),
}

impl BinaryOp {
    pub(crate) fn apply(self, a: f64, b: f64) -> f64 {
        match self {
            BinaryOp::Add => a + b,
            BinaryOp::Sub => a - b,
            BinaryOp::Mul => a * b,
            BinaryOp::Div => div_value(a, b),
            BinaryOp::Pow => pow_value(a, b),
            BinaryOp::Mod => mod_value(a, b),
            BinaryOp::MonthsBetween => super::dates::months_between(a, b),
            BinaryOp::YearsBetween => super::dates::years_between(a, b),
            BinaryOp::Lt => lt_value(a, b),
            BinaryOp::Le => le_value(a, b),
            BinaryOp::Gt => gt_value(a, b),
            BinaryOp::Ge => ge_value(a, b),
            BinaryOp::EqTol => eq_tol_value(a, b),
            BinaryOp::NeTol => ne_tol_value(a, b),
            BinaryOp::Eq => eq_value(a, b),
            BinaryOp::Ne => ne_value(a, b),
        }
    }
}

impl UnaryOp {
    pub(crate) fn apply(self, x: f64) -> f64 {
        match self {
            UnaryOp::Neg => -x,
            UnaryOp::Not => not_value(x),
            UnaryOp::Floor => x.floor(),
            UnaryOp::Ceil => x.ceil(),
            UnaryOp::Abs => x.abs(),
            UnaryOp::Ln => ln_value(x),
            UnaryOp::Exp => exp_value(x),
            UnaryOp::Sqrt => sqrt_value(x),
            UnaryOp::Round(scale) => round_scaled(x, scale),
            UnaryOp::AnyBit(mask) => any_bit(x, mask),
        }
    }
}

/// A boolean as the language's value: 1 or 0.
#[inline]
pub(crate) fn bool_value(b: bool) -> f64 {
    if b { 1.0 } else { 0.0 }
}

// Undefined values propagate instead of turning into a silent `false`:
// a comparison, `not` or membership test on NaN gives NaN, and so does a
// division by zero. The engine rejects a row whose decision meets a NaN.
// The `*_value` functions are the operators as values (1, 0 or NaN); the
// `bool` ones below them are the tolerant comparisons themselves.

/// A comparison's result: NaN when an operand is NaN.
#[inline]
fn checked(r: bool, a: f64, b: f64) -> f64 {
    if r {
        1.0
    } else if a.is_nan() || b.is_nan() {
        f64::NAN
    } else {
        0.0
    }
}

#[inline]
pub(crate) fn lt_value(a: f64, b: f64) -> f64 {
    checked(lt(a, b), a, b)
}
#[inline]
pub(crate) fn le_value(a: f64, b: f64) -> f64 {
    checked(le(a, b), a, b)
}
#[inline]
pub(crate) fn gt_value(a: f64, b: f64) -> f64 {
    checked(gt(a, b), a, b)
}
#[inline]
pub(crate) fn ge_value(a: f64, b: f64) -> f64 {
    checked(ge(a, b), a, b)
}
#[inline]
pub(crate) fn eq_tol_value(a: f64, b: f64) -> f64 {
    checked(eq_tol(a, b), a, b)
}
#[inline]
pub(crate) fn ne_tol_value(a: f64, b: f64) -> f64 {
    checked(!eq_tol(a, b), a, b)
}
#[inline]
pub(crate) fn eq_value(a: f64, b: f64) -> f64 {
    checked(a == b, a, b)
}
#[inline]
pub(crate) fn ne_value(a: f64, b: f64) -> f64 {
    checked(a != b && !a.is_nan() && !b.is_nan(), a, b)
}
/// `not x`: NaN stays NaN.
#[inline]
pub(crate) fn not_value(x: f64) -> f64 {
    if x.is_nan() { x } else { bool_value(x == 0.0) }
}
/// `a / b`: NaN when `b` is zero (a division by zero is undefined, not infinite).
#[inline]
pub(crate) fn div_value(a: f64, b: f64) -> f64 {
    if b == 0.0 { f64::NAN } else { a / b }
}
/// Whether the bit set `x` (a whole number below 2^53) meets `mask`: 1 or
/// 0, NaN when `x` is NaN.
#[inline]
pub(crate) fn any_bit(x: f64, mask: u64) -> f64 {
    if x.is_nan() {
        x
    } else {
        bool_value((x as u64) & mask != 0)
    }
}
/// A result that is not a finite number (an overflow to infinity, a
/// pole such as `0 ^ -1`) is undefined: NaN.
#[inline]
fn finite_or_nan(x: f64) -> f64 {
    if x.is_finite() { x } else { f64::NAN }
}
/// `ln x`: NaN for `x <= 0` (where the logarithm is undefined or infinite).
#[inline]
pub(crate) fn ln_value(x: f64) -> f64 {
    if x > 0.0 {
        finite_or_nan(x.ln())
    } else {
        f64::NAN
    }
}
/// `e^x`: NaN when it overflows (`x` above about 709.78).
#[inline]
pub(crate) fn exp_value(x: f64) -> f64 {
    finite_or_nan(x.exp())
}
/// `sqrt x`: NaN for a negative `x`.
#[inline]
pub(crate) fn sqrt_value(x: f64) -> f64 {
    if x >= 0.0 { x.sqrt() } else { f64::NAN }
}
/// `a ^ b`: NaN unless the result is a finite number (a negative base with a
/// fractional exponent, `0 ^ -1`, an overflow); `0 ^ 0` is 1.
#[inline]
pub(crate) fn pow_value(a: f64, b: f64) -> f64 {
    finite_or_nan(a.powf(b))
}
/// `a % b`, floored (the remainder has the sign of the divisor, as in Excel's
/// `MOD` and Python's `%`): `-7 % 3` is 2, `7 % -3` is -2; NaN when `b` is 0.
#[inline]
pub(crate) fn mod_value(a: f64, b: f64) -> f64 {
    if b == 0.0 {
        return f64::NAN;
    }
    let r = a % b;
    if r != 0.0 && (r < 0.0) != (b < 0.0) {
        finite_or_nan(r + b)
    } else {
        finite_or_nan(r)
    }
}
/// Membership as a value: NaN when `x` is NaN.
#[inline]
pub(crate) fn member_value(x: f64, items: &[f64], tolerant: bool) -> f64 {
    if x.is_nan() {
        x
    } else {
        bool_value(member(x, items, tolerant))
    }
}

#[inline]
pub(crate) fn lt(a: f64, b: f64) -> bool {
    a < b - EPSILON
}

#[inline]
pub(crate) fn le(a: f64, b: f64) -> bool {
    a <= b + EPSILON
}

#[inline]
pub(crate) fn gt(a: f64, b: f64) -> bool {
    a > b + EPSILON
}

#[inline]
pub(crate) fn ge(a: f64, b: f64) -> bool {
    a >= b - EPSILON
}

#[inline]
pub(crate) fn eq_tol(a: f64, b: f64) -> bool {
    // `a == b` first so that equal infinities are equal (their difference is NaN).
    a == b || (a - b).abs() <= EPSILON
}

/// Round half away from zero at `scale = 10^digits`, nudged by 1e-9 so that
/// values like 28.749999999999996 (really 28.75) round up.
#[inline]
pub(crate) fn round_scaled(x: f64, scale: f64) -> f64 {
    x.signum() * (x.abs() * scale + 0.5 + 1e-9).floor() / scale
}

/// `min` that propagates NaN (unlike `f64::min`), so a bad input is not hidden.
#[inline]
pub(crate) fn min_nan(a: f64, b: f64) -> f64 {
    if a.is_nan() || b.is_nan() {
        f64::NAN
    } else if b < a {
        b
    } else {
        a
    }
}

/// `max` that propagates NaN (unlike `f64::max`), so a bad input is not hidden.
#[inline]
pub(crate) fn max_nan(a: f64, b: f64) -> f64 {
    if a.is_nan() || b.is_nan() {
        f64::NAN
    } else if b > a {
        b
    } else {
        a
    }
}

/// Whether `x` is among `items` (tolerantly for numbers, exactly for enums).
#[inline]
pub(crate) fn member(x: f64, items: &[f64], tolerant: bool) -> bool {
    if tolerant {
        items.iter().any(|&v| eq_tol(x, v))
    } else {
        items.contains(&x)
    }
}
