//! Exact arithmetic for the rare rows where `f64` cannot be trusted to give
//! the documented answer: a comparison that lands on (or within rounding
//! error of) its threshold, or a printed rounding that lands on a tie such as
//! 1,033,790.405.
//!
//! Values are rationals `n / d` of two `i128`s, kept in lowest terms, so
//! every `+ - * /`, comparison and rounding is exact. The documented rules
//! are applied as written, on exact values: `a < b` is `a < b - 10^-9`, and
//! a rounding to `k` decimals is `floor(|x| × 10^k + 1/2 + 10^-9) / 10^k`.
//! An operation whose result does not fit in `i128` is an [`Overflow`]; the
//! engine then keeps the `f64` answer (see `data/policies/README.md`).
//!
//! Where the values come from: a number cell is parsed to the `f64` nearest
//! its decimal, and a decimal of at most 15 significant digits is the
//! shortest decimal that reads back as that `f64` (15 digits always survive
//! the round trip), so [`from_cell`] recovers it exactly. Constants
//! (parameters, literals, folded parts) may be fractions such as `1/3` or
//! `1/24`: [`from_constant`] takes the decimal when it is short and otherwise
//! the simplest fraction that reads back as the same `f64`.

use std::cmp::Ordering;
use std::sync::Arc;

use super::ops::{BinaryOp, UnaryOp};
use super::typed::{TypedExpr, TypedKind};

/// An intermediate value did not fit in `i128`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Overflow;

type Res<T> = Result<T, Overflow>;

/// An exact rational `n / d`, `d > 0`, in lowest terms.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Rational {
    n: i128,
    d: i128,
}

/// A value of the exact evaluator: `None` is undefined (the `f64` path's NaN).
pub type Val = Option<Rational>;

fn gcd(a: u128, b: u128) -> u128 {
    if a == 0 {
        return b;
    }
    if b == 0 {
        return a;
    }
    if a == 1 || b == 1 {
        return 1;
    }
    let shift = (a | b).trailing_zeros();
    let mut a = a >> a.trailing_zeros();
    let mut b = b;
    loop {
        b >>= b.trailing_zeros();
        if a > b {
            std::mem::swap(&mut a, &mut b);
        }
        b -= a;
        if b == 0 {
            return a << shift;
        }
    }
}

fn or_overflow<T>(v: Option<T>) -> Res<T> {
    v.ok_or(Overflow)
}

/// `10^-9`, the tolerance of numeric comparisons and the rounding nudge.
pub const EPS: Rational = Rational {
    n: 1,
    d: 1_000_000_000,
};

/// `1/2`.
const HALF: Rational = Rational { n: 1, d: 2 };

impl Rational {
    pub const ZERO: Rational = Rational { n: 0, d: 1 };
    pub const ONE: Rational = Rational { n: 1, d: 1 };

    /// `n / d` in lowest terms; `d` must not be zero.
    pub fn new(n: i128, d: i128) -> Res<Rational> {
        if d == 0 {
            return Err(Overflow);
        }
        let (n, d) = if d < 0 {
            (or_overflow(n.checked_neg())?, or_overflow(d.checked_neg())?)
        } else {
            (n, d)
        };
        let g = gcd(n.unsigned_abs(), d.unsigned_abs());
        // g divides d > 0, so it is at most d and fits in i128.
        let g = g as i128;
        Ok(Rational { n: n / g, d: d / g })
    }

    pub fn int(n: i128) -> Rational {
        Rational { n, d: 1 }
    }

    pub fn numer(self) -> i128 {
        self.n
    }

    pub fn denom(self) -> i128 {
        self.d
    }

    pub fn is_zero(self) -> bool {
        self.n == 0
    }

    pub fn is_negative(self) -> bool {
        self.n < 0
    }

    pub fn is_integer(self) -> bool {
        self.d == 1
    }

    pub fn checked_neg(self) -> Res<Rational> {
        Ok(Rational {
            n: or_overflow(self.n.checked_neg())?,
            d: self.d,
        })
    }

    pub fn abs(self) -> Res<Rational> {
        if self.n < 0 {
            self.checked_neg()
        } else {
            Ok(self)
        }
    }

    pub fn checked_add(self, o: Rational) -> Res<Rational> {
        if self.d == o.d {
            return Rational::new(or_overflow(self.n.checked_add(o.n))?, self.d);
        }
        let g = gcd(self.d.unsigned_abs(), o.d.unsigned_abs()) as i128;
        let (da, db) = (self.d / g, o.d / g);
        let n = or_overflow(
            or_overflow(self.n.checked_mul(db))?.checked_add(or_overflow(o.n.checked_mul(da))?),
        )?;
        let d = or_overflow(da.checked_mul(o.d))?;
        Rational::new(n, d)
    }

    pub fn checked_sub(self, o: Rational) -> Res<Rational> {
        self.checked_add(o.checked_neg()?)
    }

    pub fn checked_mul(self, o: Rational) -> Res<Rational> {
        let g1 = gcd(self.n.unsigned_abs(), o.d.unsigned_abs()).max(1) as i128;
        let g2 = gcd(o.n.unsigned_abs(), self.d.unsigned_abs()).max(1) as i128;
        let n = or_overflow((self.n / g1).checked_mul(o.n / g2))?;
        let d = or_overflow((self.d / g2).checked_mul(o.d / g1))?;
        Ok(Rational { n, d })
    }

    /// `self / o`; `None` when `o` is zero (undefined, as in the language).
    pub fn checked_div(self, o: Rational) -> Res<Option<Rational>> {
        if o.n == 0 {
            return Ok(None);
        }
        let recip = Rational::new(o.d, o.n)?;
        self.checked_mul(recip).map(Some)
    }

    pub fn checked_cmp(self, o: Rational) -> Res<Ordering> {
        if self.d == o.d {
            return Ok(self.n.cmp(&o.n));
        }
        let a = or_overflow(self.n.checked_mul(o.d))?;
        let b = or_overflow(o.n.checked_mul(self.d))?;
        Ok(a.cmp(&b))
    }

    /// The largest integer not above `self`.
    pub fn floor(self) -> Rational {
        Rational::int(self.n.div_euclid(self.d))
    }

    /// The smallest integer not below `self`.
    pub fn ceil(self) -> Res<Rational> {
        self.checked_neg()?.floor().checked_neg()
    }

    /// Round half away from zero at `scale` (a power of ten), by the
    /// documented rule `sign(x) × floor(|x| × scale + 1/2 + 10^-9) / scale`.
    pub fn round_scaled(self, scale: Rational) -> Res<Rational> {
        let r = self.scaled_units(scale)?;
        let r = Rational::int(r).checked_mul(Rational::new(scale.d, scale.n)?)?;
        if self.n < 0 { r.checked_neg() } else { Ok(r) }
    }

    /// `floor(|x| × scale + 1/2 + 10^-9)`: the whole units of the rounding
    /// to `scale`, as printed (without the sign).
    pub fn scaled_units(self, scale: Rational) -> Res<i128> {
        // floor((|n| s + d/2 + d/10^9) / d) in integers, without the
        // reductions: (2·10^9·|n|·s + (10^9 + 2)·d) / (2·10^9·d).
        const G: i128 = 1_000_000_000;
        let direct = || -> Option<i128> {
            let num = self.n.checked_abs()?.checked_mul(scale.n)?;
            let num = num.checked_mul(2 * G)?;
            let num = num.checked_add(self.d.checked_mul(G + 2)?)?;
            let den = self.d.checked_mul(2 * G)?;
            num.checked_div(den)
        };
        if scale.d == 1
            && let Some(units) = direct()
        {
            return Ok(units);
        }
        let y = self
            .abs()?
            .checked_mul(scale)?
            .checked_add(HALF)?
            .checked_add(EPS)?;
        Ok(y.floor().n)
    }

    /// The nearest `f64` (within an ulp or two: both parts are converted,
    /// then divided).
    pub fn to_f64(self) -> f64 {
        self.n as f64 / self.d as f64
    }
}

fn pow10(k: u32) -> Option<i128> {
    10i128.checked_pow(k)
}

/// The exact value of a finite `f64`'s shortest round-trip decimal (the
/// digits `Display` prints), or `None` when it does not fit.
fn shortest_decimal(x: f64) -> Option<(Rational, usize)> {
    let mut buf = ryu::Buffer::new();
    let s = buf.format_finite(x);
    let (mantissa, exp) = match s.split_once('e') {
        Some((m, e)) => (m, e.parse::<i32>().ok()?),
        None => (s, 0),
    };
    let (neg, mantissa) = match mantissa.strip_prefix('-') {
        Some(m) => (true, m),
        None => (false, mantissa),
    };
    let (whole, frac) = mantissa.split_once('.').unwrap_or((mantissa, ""));
    let mut n: i128 = 0;
    let mut significant = 0usize;
    for b in whole.bytes().chain(frac.bytes()) {
        let d = i128::from(b.wrapping_sub(b'0'));
        if !(0..=9).contains(&d) {
            return None;
        }
        n = n.checked_mul(10)?.checked_add(d)?;
        if n != 0 {
            significant += 1;
        }
    }
    // Trailing zeros ("1500000.0") are not significant.
    let trailing = mantissa
        .bytes()
        .rev()
        .take_while(|&b| b == b'0' || b == b'.');
    let trailing = trailing.filter(|&b| b == b'0').count();
    let significant = significant.saturating_sub(trailing);
    let exp = exp - i32::try_from(frac.len()).ok()?;
    let q = if exp >= 0 {
        Rational::int(n.checked_mul(pow10(exp.unsigned_abs())?)?)
    } else {
        Rational::new(n, pow10(exp.unsigned_abs())?).ok()?
    };
    let q = if neg { q.checked_neg().ok()? } else { q };
    Some((q, significant))
}

/// The exact value of a number cell parsed to `x`: the shortest decimal
/// that reads back as `x`. It is the cell's own decimal when the cell has at
/// most 15 significant digits; beyond, it is the decimal of the `f64` the
/// cell was rounded to. `Err` for values beyond `i128` (and infinities).
pub fn from_cell(x: f64) -> Res<Rational> {
    if !x.is_finite() {
        return Err(Overflow);
    }
    // Whole numbers (counts, enum indexes, flags) directly.
    if x.abs() < 9.0e15 && x == x.trunc() {
        return Ok(Rational::int(x as i128));
    }
    shortest_decimal(x).map(|(q, _)| q).ok_or(Overflow)
}

/// The exact value of a constant that was computed as `x`: its decimal when
/// that has at most 15 significant digits (`0.2`, `1.2`, `629561`), else the
/// simplest fraction with a denominator up to 10^12 that reads back as `x`
/// (`1/3`, `5/24`), else the shortest decimal.
pub fn from_constant(x: f64) -> Res<Val> {
    if x.is_nan() {
        return Ok(None);
    }
    if !x.is_finite() {
        return Err(Overflow);
    }
    if x.abs() < 9.0e15 && x == x.trunc() {
        return Ok(Some(Rational::int(x as i128)));
    }
    let decimal = shortest_decimal(x);
    if let Some((q, significant)) = decimal
        && significant <= 15
    {
        return Ok(Some(q));
    }
    if let Some(q) = simplest_fraction(x) {
        return Ok(Some(q));
    }
    decimal.map(|(q, _)| Some(q)).ok_or(Overflow)
}

/// The first continued-fraction convergent `p/q` of `x` (`q <= 10^12`) whose
/// correctly rounded quotient is `x` itself.
fn simplest_fraction(x: f64) -> Option<Rational> {
    const MAX_DEN: i128 = 1_000_000_000_000;
    let neg = x < 0.0;
    let target = x.abs();
    // Convergents h/k from the expansion of the f64 (its exact binary value
    // is approximated in f64 here; each candidate is checked exactly below).
    let (mut h0, mut h1) = (0i128, 1i128);
    let (mut k0, mut k1) = (1i128, 0i128);
    let mut r = target;
    for _ in 0..64 {
        let a = r.floor();
        if !(0.0..1e18).contains(&a) {
            return None;
        }
        let a = a as i128;
        let h2 = a.checked_mul(h1)?.checked_add(h0)?;
        let k2 = a.checked_mul(k1)?.checked_add(k0)?;
        if k2 > MAX_DEN {
            return None;
        }
        // Both below 2^53, so each converts exactly and the division rounds once.
        if h2 < (1 << 53) && k2 < (1 << 53) && (h2 as f64 / k2 as f64) == target {
            let q = Rational::new(h2, k2).ok()?;
            return if neg { q.checked_neg().ok() } else { Some(q) };
        }
        let frac = r - r.floor();
        if frac == 0.0 {
            return None;
        }
        r = 1.0 / frac;
        (h0, h1) = (h1, h2);
        (k0, k1) = (k1, k2);
    }
    None
}

/// Whether `writer_units(y, scale)` (what the writers print for `y` at
/// `scale` = 10^k) could differ from the exact rounding of the value `y`
/// approximates: `|y| × scale + 0.5 + 1e-9` is within a relative
/// [`NEAR`] of a whole number.
#[inline(always)]
pub fn near_rounding(y: f64, scale: f64) -> bool {
    near_whole(y.abs() * scale + 0.5 + 1e-9)
}

/// Whether `u` is within a relative [`NEAR`] of a whole number. The nearest
/// whole number is `(|u| + 2^52) - 2^52` (two additions; `f64::round` is a
/// library call on x86-64); from 2^52 up every float is whole, and so near.
/// False for NaN and infinities.
#[inline(always)]
pub fn near_whole(u: f64) -> bool {
    const TWO_52: f64 = 4_503_599_627_370_496.0;
    let a = u.abs();
    let whole = (a + TWO_52) - TWO_52;
    (a - whole).abs() <= NEAR * a
}

thread_local! {
    /// Set when a floating-point evaluation on this thread landed within
    /// rounding error of a threshold or tie since it was last taken.
    static CLOSE: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// Record that a result was close to a threshold. The branch is almost
/// never taken (and so predicted); the store is one instruction (no call,
/// which would make the evaluator's node functions save registers).
#[inline(always)]
pub fn mark_close(close: bool) {
    if close {
        CLOSE.with(|c| c.set(true));
    }
}

/// Whether anything was marked close since the last call; clears the mark.
#[inline]
pub fn take_close() -> bool {
    CLOSE.with(|c| c.replace(false))
}

/// How close (relative to the magnitude) a floating-point result must come
/// to a threshold or a rounding tie before the row is decided again exactly:
/// 2^-40, about 9e-13, some 8,000 times the rounding error of one operation.
pub const NEAR: f64 = 1.0 / (1u64 << 40) as f64;

/// Whether a tolerant comparison `a op b` (threshold `b ± 1e-9`) landed so
/// close to its threshold that rounding error could have decided it.
#[inline(always)]
pub fn near_threshold(a: f64, threshold: f64) -> bool {
    (a - threshold).abs() <= NEAR * (a.abs() + threshold.abs())
}

/// What the writers print at `scale` = 10^k: the whole units of
/// `|y| × scale + 0.5 + 1e-9`, truncated (`numfmt::write_fixed`,
/// `write_grouped`, `round_half_up`).
fn writer_units(y: f64, scale: f64) -> f64 {
    (y.abs() * scale + 0.5 + 1e-9).floor()
}

/// An `f64` within a few ulps of `x` that every writer prints, at each of
/// `decimals`, as the exact value `x` rounds by the documented rule, e.g.
/// `1033790.405` as `1033790.41` (its nearest `f64` is 1033790.40499999...).
/// Falls back to the nearest `f64` when no such value is close.
pub fn faithful_f64(x: Rational, decimals: &[u32]) -> f64 {
    let nearest = x.to_f64();
    let mut y = nearest;
    for _round in 0..4 {
        let mut changed = false;
        for &k in decimals {
            let Some(p) = pow10(k) else { continue };
            let Ok(target) = x.scaled_units(Rational::int(p)) else {
                continue;
            };
            let scale = p as f64;
            // Step away from zero while the writer prints too few units,
            // toward zero while too many.
            for _ in 0..64 {
                let got = writer_units(y, scale);
                let want = target as f64;
                if got == want {
                    break;
                }
                let bits = y.abs().to_bits();
                let stepped = if got < want {
                    bits + 1
                } else {
                    bits.saturating_sub(1)
                };
                let magnitude = f64::from_bits(stepped);
                y = if x.is_negative() {
                    -magnitude
                } else {
                    magnitude
                };
                changed = true;
            }
        }
        if !changed {
            return y;
        }
    }
    // The decimals asked for cannot all be met this close: keep the nearest.
    nearest
}

/// The exact form of an expression: the folded typed tree with every
/// constant made exact.
#[derive(Clone, Debug)]
pub(crate) struct ExactTree(Arc<ExactNode>);

#[derive(Clone, Debug)]
enum ExactNode {
    Const(Res<Val>),
    Slot(usize),
    Unary(ExactUnary, Box<ExactNode>),
    Binary(BinaryOp, Box<ExactNode>, Box<ExactNode>),
    And(Box<ExactNode>, Box<ExactNode>),
    Or(Box<ExactNode>, Box<ExactNode>),
    In {
        value: Box<ExactNode>,
        items: Vec<ExactNode>,
        tolerant: bool,
    },
    If(Box<ExactNode>, Box<ExactNode>, Box<ExactNode>),
    Extreme(bool, Vec<ExactNode>),
    /// A table's values, exactly, and the index.
    Lookup(Arc<[Res<Val>]>, Box<ExactNode>),
}

#[derive(Clone, Copy, Debug)]
enum ExactUnary {
    Neg,
    Not,
    Floor,
    Ceil,
    Abs,
    Round(Res<Rational>),
    /// `ln`: undefined at 0 or below, not rational above (`Err`: the `f64`
    /// result stands).
    Ln,
    /// `sqrt`: undefined below 0, not computed exactly at or above.
    Sqrt,
    /// `exp`: never computed exactly.
    Exp,
    /// A text test on a bit set.
    AnyBit(u64),
}

/// Where the exact evaluator reads a row's values.
pub trait ExactSlots {
    /// The exact value of slot `i` for the current row.
    fn slot(&mut self, i: usize) -> Res<Val>;
}

/// Exact values straight from `f64` slots read as cells ([`from_cell`]):
/// right for row checks, which see inputs only.
pub struct CellSlots<'a>(pub &'a [f64]);

impl ExactSlots for CellSlots<'_> {
    fn slot(&mut self, i: usize) -> Res<Val> {
        match self.0.get(i) {
            Some(v) if v.is_nan() => Ok(None),
            Some(&v) => from_cell(v).map(Some),
            None => Ok(None),
        }
    }
}

pub(crate) fn build(t: &TypedExpr) -> ExactTree {
    ExactTree(Arc::new(node(t)))
}

fn node(t: &TypedExpr) -> ExactNode {
    let b = |t: &TypedExpr| Box::new(node(t));
    match &t.kind {
        TypedKind::Const(v) => ExactNode::Const(from_constant(*v)),
        TypedKind::Slot(i) => ExactNode::Slot(*i),
        TypedKind::Unary(op, x) => {
            let op = match *op {
                UnaryOp::Neg => ExactUnary::Neg,
                UnaryOp::Not => ExactUnary::Not,
                UnaryOp::Floor => ExactUnary::Floor,
                UnaryOp::Ceil => ExactUnary::Ceil,
                UnaryOp::Abs => ExactUnary::Abs,
                UnaryOp::Ln => ExactUnary::Ln,
                UnaryOp::Sqrt => ExactUnary::Sqrt,
                UnaryOp::Exp => ExactUnary::Exp,
                UnaryOp::AnyBit(mask) => ExactUnary::AnyBit(mask),
                UnaryOp::Round(scale) => {
                    ExactUnary::Round(from_constant(scale).and_then(|v| v.ok_or(Overflow)))
                }
            };
            ExactNode::Unary(op, b(x))
        }
        TypedKind::Binary(op, l, r) => ExactNode::Binary(*op, b(l), b(r)),
        TypedKind::And(l, r) => ExactNode::And(b(l), b(r)),
        TypedKind::Or(l, r) => ExactNode::Or(b(l), b(r)),
        TypedKind::In {
            value,
            items,
            tolerant,
        } => ExactNode::In {
            value: b(value),
            items: items.iter().map(node).collect(),
            tolerant: *tolerant,
        },
        TypedKind::If(c, x, y) => ExactNode::If(b(c), b(x), b(y)),
        TypedKind::Extreme(is_max, args) => {
            ExactNode::Extreme(*is_max, args.iter().map(node).collect())
        }
        TypedKind::Lookup(values, index) => {
            ExactNode::Lookup(values.iter().map(|&v| from_constant(v)).collect(), b(index))
        }
    }
}

impl ExactTree {
    /// The exact value for the row that `slots` reads.
    pub(crate) fn eval(&self, slots: &mut dyn ExactSlots) -> Res<Val> {
        eval(&self.0, slots)
    }
}

fn truth(b: bool) -> Val {
    Some(if b { Rational::ONE } else { Rational::ZERO })
}

/// `a >= b`, tolerant as the language's `>=`: `a >= b - 10^-9`.
pub fn at_least(a: Rational, b: Rational) -> Res<bool> {
    compare(BinaryOp::Ge, a, b)
}

/// A tolerant comparison, exactly: `a op b` with the documented 10^-9.
pub(crate) fn compare(op: BinaryOp, a: Rational, b: Rational) -> Res<bool> {
    let diff = a.checked_sub(b)?;
    Ok(match op {
        BinaryOp::Lt => diff.checked_cmp(EPS.checked_neg()?)? == Ordering::Less,
        BinaryOp::Le => diff.checked_cmp(EPS)? != Ordering::Greater,
        BinaryOp::Gt => diff.checked_cmp(EPS)? == Ordering::Greater,
        BinaryOp::Ge => diff.checked_cmp(EPS.checked_neg()?)? != Ordering::Less,
        BinaryOp::EqTol => diff.abs()?.checked_cmp(EPS)? != Ordering::Greater,
        BinaryOp::NeTol => diff.abs()?.checked_cmp(EPS)? == Ordering::Greater,
        BinaryOp::Eq => a == b,
        BinaryOp::Ne => a != b,
        BinaryOp::Add
        | BinaryOp::Sub
        | BinaryOp::Mul
        | BinaryOp::Div
        | BinaryOp::Pow
        | BinaryOp::Mod
        | BinaryOp::MonthsBetween
        | BinaryOp::YearsBetween => false,
    })
}

fn bin(op: BinaryOp, a: Val, b: Val) -> Res<Val> {
    let (Some(a), Some(b)) = (a, b) else {
        return Ok(None);
    };
    match op {
        BinaryOp::Add => a.checked_add(b).map(Some),
        BinaryOp::Sub => a.checked_sub(b).map(Some),
        BinaryOp::Mul => a.checked_mul(b).map(Some),
        BinaryOp::Div => a.checked_div(b),
        BinaryOp::Pow => pow(a, b),
        // Dates are whole days: the f64 rule is exact on them.
        BinaryOp::MonthsBetween | BinaryOp::YearsBetween => {
            if !a.is_integer() || !b.is_integer() {
                return Ok(None);
            }
            let v = op.apply(a.numer() as f64, b.numer() as f64);
            if v.is_nan() {
                Ok(None)
            } else {
                Ok(Some(Rational::int(v as i128)))
            }
        }
        BinaryOp::Mod => match a.checked_div(b)? {
            // a - b * floor(a / b): the remainder has the sign of `b`.
            Some(q) => a.checked_sub(b.checked_mul(q.floor())?).map(Some),
            None => Ok(None),
        },
        _ => compare(op, a, b).map(truth),
    }
}

/// `a ^ b` exactly when `b` is a whole number of at most 64 in magnitude;
/// otherwise the value is not rational in general: `Err`, so the `f64`
/// result stands. `0 ^ b` for a negative `b` is undefined.
fn pow(a: Rational, b: Rational) -> Res<Val> {
    if !b.is_integer() || b.numer().unsigned_abs() > 64 {
        return Err(Overflow);
    }
    let mut acc = Rational::ONE;
    for _ in 0..b.numer().unsigned_abs() {
        acc = acc.checked_mul(a)?;
    }
    if b.is_negative() {
        return Rational::ONE.checked_div(acc);
    }
    Ok(Some(acc))
}

fn same(tolerant: bool, x: Rational, item: Val) -> Res<bool> {
    match item {
        None => Ok(false),
        Some(v) if tolerant => compare(BinaryOp::EqTol, x, v),
        Some(v) => Ok(x == v),
    }
}

fn eval(n: &ExactNode, s: &mut dyn ExactSlots) -> Res<Val> {
    match n {
        ExactNode::Const(v) => *v,
        ExactNode::Slot(i) => s.slot(*i),
        ExactNode::Unary(op, x) => {
            let Some(x) = eval(x, s)? else {
                return Ok(None);
            };
            match op {
                ExactUnary::Neg => x.checked_neg().map(Some),
                ExactUnary::Not => Ok(truth(x.is_zero())),
                ExactUnary::Floor => Ok(Some(x.floor())),
                ExactUnary::Ceil => x.ceil().map(Some),
                ExactUnary::Abs => x.abs().map(Some),
                ExactUnary::Round(scale) => x.round_scaled((*scale)?).map(Some),
                ExactUnary::Ln if !x.is_negative() && !x.is_zero() => Err(Overflow),
                ExactUnary::Ln => Ok(None),
                ExactUnary::Sqrt if x.is_negative() => Ok(None),
                ExactUnary::Sqrt if x.is_zero() || x == Rational::ONE => Ok(Some(x)),
                ExactUnary::Sqrt | ExactUnary::Exp => Err(Overflow),
                ExactUnary::AnyBit(mask) => Ok(truth(
                    u64::try_from(x.numer()).unwrap_or(0) & mask != 0 && x.is_integer(),
                )),
            }
        }
        ExactNode::Binary(op, l, r) => {
            let l = eval(l, s)?;
            let r = eval(r, s)?;
            bin(*op, l, r)
        }
        ExactNode::And(l, r) => match eval(l, s)? {
            Some(v) if !v.is_zero() => eval(r, s),
            v => Ok(v),
        },
        ExactNode::Or(l, r) => match eval(l, s)? {
            Some(v) if v.is_zero() => eval(r, s),
            v => Ok(v),
        },
        ExactNode::If(c, x, y) => match eval(c, s)? {
            None => Ok(None),
            Some(c) if !c.is_zero() => eval(x, s),
            Some(_) => eval(y, s),
        },
        ExactNode::In {
            value,
            items,
            tolerant,
        } => {
            let Some(x) = eval(value, s)? else {
                return Ok(None);
            };
            // Every item is evaluated, as in the f64 forms.
            let mut found = false;
            for item in items {
                let v = eval(item, s)?;
                found |= same(*tolerant, x, v)?;
            }
            Ok(truth(found))
        }
        ExactNode::Lookup(values, index) => match eval(index, s)? {
            Some(k) if k.is_integer() && !k.is_negative() => {
                match usize::try_from(k.numer()).ok().and_then(|i| values.get(i)) {
                    Some(v) => *v,
                    None => Ok(None),
                }
            }
            _ => Ok(None),
        },
        ExactNode::Extreme(is_max, args) => {
            let mut best: Option<Val> = None;
            for a in args {
                let v = eval(a, s)?;
                best = Some(match (best, v) {
                    (None, v) => v,
                    (Some(None), _) | (_, None) => None,
                    (Some(Some(b)), Some(v)) => {
                        let pick_v = match v.checked_cmp(b)? {
                            Ordering::Less => !*is_max,
                            Ordering::Greater => *is_max,
                            Ordering::Equal => false,
                        };
                        Some(if pick_v { v } else { b })
                    }
                });
            }
            Ok(best.flatten())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn q(n: i128, d: i128) -> Rational {
        Rational::new(n, d).unwrap()
    }

    #[test]
    fn arithmetic_is_exact() {
        let third = q(1, 3);
        assert_eq!(
            third
                .checked_add(third)
                .unwrap()
                .checked_add(third)
                .unwrap(),
            Rational::ONE
        );
        assert_eq!(q(1, 24).checked_mul(Rational::int(8)).unwrap(), third);
        assert_eq!(q(-7, 2).floor(), Rational::int(-4));
        assert_eq!(q(-7, 2).ceil().unwrap(), Rational::int(-3));
        assert_eq!(Rational::ONE.checked_div(Rational::ZERO).unwrap(), None);
        assert_eq!(
            q(620274243, 100).checked_div(Rational::int(6)).unwrap(),
            Some(q(620274243, 600))
        );
        assert!(Rational::int(i128::MAX).checked_add(Rational::ONE).is_err());
    }

    #[test]
    fn constants_and_cells_come_back_exact() {
        assert_eq!(from_constant(1.0 / 3.0).unwrap(), Some(q(1, 3)));
        assert_eq!(from_constant(5.0 / 24.0).unwrap(), Some(q(5, 24)));
        assert_eq!(from_constant(1.2).unwrap(), Some(q(6, 5)));
        assert_eq!(from_constant(0.2).unwrap(), Some(q(1, 5)));
        assert_eq!(
            from_constant(629561.0).unwrap(),
            Some(Rational::int(629561))
        );
        assert_eq!(from_constant(f64::NAN).unwrap(), None);
        assert_eq!(from_cell(6202742.43).unwrap(), q(620274243, 100));
        assert_eq!(
            from_cell(9999999999999.99).unwrap(),
            q(999999999999999, 100)
        );
        assert_eq!(from_cell(0.005).unwrap(), q(1, 200));
        assert_eq!(from_cell(-2.5).unwrap(), q(-5, 2));
        assert_eq!(
            from_cell(1e20).unwrap(),
            Rational::int(100_000_000_000_000_000_000)
        );
        assert!(from_cell(f64::INFINITY).is_err());
    }

    #[test]
    fn the_documented_rounding_exactly() {
        let hundred = Rational::int(100);
        // 1,033,790.405 is a tie: half up gives .41.
        let x = q(620274243, 600);
        assert_eq!(x.scaled_units(hundred).unwrap(), 103379041);
        assert_eq!(x.round_scaled(hundred).unwrap(), q(103379041, 100));
        assert_eq!(
            q(-5, 2).round_scaled(Rational::ONE).unwrap(),
            Rational::int(-3)
        );
        // Just below a tie, by more than the nudge, rounds down.
        assert_eq!(
            q(2_499_999_998, 1_000_000_000)
                .scaled_units(Rational::ONE)
                .unwrap(),
            2
        );
    }

    #[test]
    fn faithful_values_print_the_exact_rounding() {
        let mut out = Vec::new();
        // Ties x.xx5 from 0.005 to ~10^13, positive and negative (and a
        // few values that are not ties).
        let mut thousandths = vec![5i128, 15, 995, 9_999_999_999_999_995];
        for exp in 0..=12u32 {
            for lead in [1i128, 3, 7, 9] {
                for odd in [5i128, 15, 995, 12345] {
                    thousandths.push(lead * 10i128.pow(exp + 3) + odd);
                }
            }
        }
        {
            {
                for cents_x10 in thousandths.iter().copied() {
                    for sign in [1, -1] {
                        let x = q(sign * cents_x10, 1000);
                        let y = faithful_f64(x, &[2]);
                        out.clear();
                        crate::numfmt::write_fixed(y, 2, &mut out);
                        let units = x.scaled_units(Rational::int(100)).unwrap();
                        let s = if sign < 0 { "-" } else { "" };
                        let want = format!("{s}{}.{:02}", units / 100, units % 100);
                        assert_eq!(String::from_utf8_lossy(&out), want, "{x:?}");
                    }
                }
            }
        }
    }
}
