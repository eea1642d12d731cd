//! The compiled form of an expression and its evaluator: a flat list of stack
//! operations run in a loop, with no allocation and no name lookups per row.
//!
//! The scalar semantics (tolerant comparisons, rounding, NaN-propagating
//! min/max) live here once and are shared with constant folding, so a folded
//! constant is always exactly what evaluation would have produced.

use super::EPSILON;

/// Binary operators of the typed tree, already specialised by operand type.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) enum Bin {
    Add,
    Sub,
    Mul,
    Div,
    Lt,
    Le,
    Gt,
    Ge,
    /// Numeric `==`, within [`EPSILON`].
    EqTol,
    /// Numeric `!=`, the negation of [`Bin::EqTol`].
    NeTol,
    /// Exact `==` of booleans or enum values.
    Eq,
    /// Exact `!=` of booleans or enum values.
    Ne,
}

/// Unary operators of the typed tree (including one-argument built-ins).
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) enum Un {
    Neg,
    Not,
    Floor,
    Ceil,
    Abs,
    /// `round(x, d)` with the scale `10^d` precomputed.
    Round(f64),
}

impl Bin {
    pub(crate) fn apply(self, a: f64, b: f64) -> f64 {
        match self {
            Bin::Add => a + b,
            Bin::Sub => a - b,
            Bin::Mul => a * b,
            Bin::Div => a / b,
            Bin::Lt => b2f(lt(a, b)),
            Bin::Le => b2f(le(a, b)),
            Bin::Gt => b2f(gt(a, b)),
            Bin::Ge => b2f(ge(a, b)),
            Bin::EqTol => b2f(eq_tol(a, b)),
            Bin::NeTol => b2f(!eq_tol(a, b)),
            Bin::Eq => b2f(a == b),
            Bin::Ne => b2f(a != b),
        }
    }
}

impl Un {
    pub(crate) fn apply(self, x: f64) -> f64 {
        match self {
            Un::Neg => -x,
            Un::Not => b2f(x == 0.0),
            Un::Floor => x.floor(),
            Un::Ceil => x.ceil(),
            Un::Abs => x.abs(),
            Un::Round(scale) => round_scaled(x, scale),
        }
    }
}

#[inline]
pub(crate) fn b2f(b: bool) -> f64 {
    if b { 1.0 } else { 0.0 }
}

#[inline]
fn lt(a: f64, b: f64) -> bool {
    a < b - EPSILON
}

#[inline]
fn le(a: f64, b: f64) -> bool {
    a <= b + EPSILON
}

#[inline]
fn gt(a: f64, b: f64) -> bool {
    a > b + EPSILON
}

#[inline]
fn ge(a: f64, b: f64) -> bool {
    a >= b - EPSILON
}

#[inline]
pub(crate) fn eq_tol(a: f64, b: f64) -> bool {
    (a - b).abs() <= EPSILON
}

/// Round half away from zero at `scale = 10^digits`, nudged by 1e-9 so that
/// values like 28.749999999999996 (really 28.75) round up.
#[inline]
fn round_scaled(x: f64, scale: f64) -> f64 {
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

/// One stack operation. Jump targets are indices into the op list.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) enum Op {
    Const(f64),
    Load(usize),
    Neg,
    Not,
    Floor,
    Ceil,
    Abs,
    Round(f64),
    Add,
    Sub,
    Mul,
    Div,
    Lt,
    Le,
    Gt,
    Ge,
    EqTol,
    NeTol,
    Eq,
    Ne,
    /// `and`: if the top is false jump (keeping it), else pop it and go on.
    AndJump(usize),
    /// `or`: if the top is true jump (keeping it), else pop it and go on.
    OrJump(usize),
    /// Pop; jump if it was false (`if` condition).
    JumpIfFalse(usize),
    Jump(usize),
    /// Pop `dynamic` items and the value below them; push whether the value is
    /// among those items or `consts[start..start + len]`.
    In {
        dynamic: u32,
        start: u32,
        len: u32,
        tolerant: bool,
    },
    /// Pop `n` values, push the smallest.
    Min(u32),
    /// Pop `n` values, push the largest.
    Max(u32),
}

impl Op {
    /// Change in stack height when the op falls through to the next one.
    pub(crate) fn stack_effect(self) -> isize {
        match self {
            Op::Const(_) | Op::Load(_) => 1,
            Op::Neg | Op::Not | Op::Floor | Op::Ceil | Op::Abs | Op::Round(_) | Op::Jump(_) => 0,
            Op::Add
            | Op::Sub
            | Op::Mul
            | Op::Div
            | Op::Lt
            | Op::Le
            | Op::Gt
            | Op::Ge
            | Op::EqTol
            | Op::NeTol
            | Op::Eq
            | Op::Ne
            | Op::AndJump(_)
            | Op::OrJump(_)
            | Op::JumpIfFalse(_) => -1,
            Op::In { dynamic, .. } => -(dynamic as isize),
            Op::Min(n) | Op::Max(n) => 1 - n as isize,
        }
    }
}

/// A compiled expression, ready to be evaluated on many rows.
///
/// Built by [`super::compile`]; values are `f64` (booleans 0/1, enum values
/// their index), slots are read from the row passed to [`Program::eval`].
#[derive(Debug, Clone)]
pub struct Program {
    pub(crate) ops: Vec<Op>,
    /// Constant items of `in` lists, referenced by [`Op::In`].
    pub(crate) consts: Vec<f64>,
    pub(crate) max_stack: usize,
    /// Slots read, sorted and deduplicated.
    pub(crate) slots: Vec<usize>,
}

/// Scratch space for [`Program::eval`]; reuse one per thread so that evaluation
/// never allocates.
#[derive(Debug, Clone, Default)]
pub struct Stack {
    values: Vec<f64>,
}

impl Stack {
    /// A stack that can run any program with `max_stack() <= n` without allocating.
    pub fn with_capacity(n: usize) -> Stack {
        Stack {
            values: Vec::with_capacity(n),
        }
    }

    /// How many values the stack holds without reallocating.
    pub fn capacity(&self) -> usize {
        self.values.capacity()
    }
}

#[inline(always)]
fn pop(s: &mut Vec<f64>) -> f64 {
    s.pop().unwrap_or(f64::NAN)
}

#[inline(always)]
fn unary(s: &mut [f64], f: impl Fn(f64) -> f64) {
    if let Some(x) = s.last_mut() {
        *x = f(*x);
    }
}

#[inline(always)]
fn binary(s: &mut Vec<f64>, f: impl Fn(f64, f64) -> f64) {
    let b = pop(s);
    if let Some(a) = s.last_mut() {
        *a = f(*a, b);
    }
}

impl Program {
    /// Evaluate on one row. Does not allocate when `stack` came from
    /// [`Program::new_stack`] or has capacity of at least [`Program::max_stack`]
    /// (a smaller stack is grown once). A slot index beyond `slots` reads NaN.
    pub fn eval(&self, slots: &[f64], stack: &mut Stack) -> f64 {
        let s = &mut stack.values;
        s.clear();
        if s.capacity() < self.max_stack {
            s.reserve(self.max_stack);
        }
        let ops = self.ops.as_slice();
        let mut pc = 0;
        while let Some(&op) = ops.get(pc) {
            pc += 1;
            match op {
                Op::Const(v) => s.push(v),
                Op::Load(i) => {
                    debug_assert!(i < slots.len(), "slot {i} out of range");
                    s.push(slots.get(i).copied().unwrap_or(f64::NAN));
                }
                Op::Neg => unary(s, |x| -x),
                Op::Not => unary(s, |x| b2f(x == 0.0)),
                Op::Floor => unary(s, f64::floor),
                Op::Ceil => unary(s, f64::ceil),
                Op::Abs => unary(s, f64::abs),
                Op::Round(scale) => unary(s, |x| round_scaled(x, scale)),
                Op::Add => binary(s, |a, b| a + b),
                Op::Sub => binary(s, |a, b| a - b),
                Op::Mul => binary(s, |a, b| a * b),
                Op::Div => binary(s, |a, b| a / b),
                Op::Lt => binary(s, |a, b| b2f(lt(a, b))),
                Op::Le => binary(s, |a, b| b2f(le(a, b))),
                Op::Gt => binary(s, |a, b| b2f(gt(a, b))),
                Op::Ge => binary(s, |a, b| b2f(ge(a, b))),
                Op::EqTol => binary(s, |a, b| b2f(eq_tol(a, b))),
                Op::NeTol => binary(s, |a, b| b2f(!eq_tol(a, b))),
                Op::Eq => binary(s, |a, b| b2f(a == b)),
                Op::Ne => binary(s, |a, b| b2f(a != b)),
                Op::AndJump(target) => {
                    if s.last().is_none_or(|&v| v == 0.0) {
                        pc = target;
                    } else {
                        s.pop();
                    }
                }
                Op::OrJump(target) => {
                    if s.last().is_some_and(|&v| v != 0.0) {
                        pc = target;
                    } else {
                        s.pop();
                    }
                }
                Op::JumpIfFalse(target) => {
                    if pop(s) == 0.0 {
                        pc = target;
                    }
                }
                Op::Jump(target) => pc = target,
                Op::In {
                    dynamic,
                    start,
                    len,
                    tolerant,
                } => {
                    let base = s.len().saturating_sub(dynamic as usize + 1);
                    let x = s.get(base).copied().unwrap_or(f64::NAN);
                    let start = start as usize;
                    let consts = self
                        .consts
                        .get(start..start + len as usize)
                        .unwrap_or(&[]);
                    let dynamic_items = s.get(base + 1..).unwrap_or(&[]);
                    let found =
                        member(x, dynamic_items, tolerant) || member(x, consts, tolerant);
                    s.truncate(base);
                    s.push(b2f(found));
                }
                Op::Min(n) => {
                    let base = s.len().saturating_sub(n as usize);
                    let v = s[base..].iter().copied().reduce(min_nan).unwrap_or(f64::NAN);
                    s.truncate(base);
                    s.push(v);
                }
                Op::Max(n) => {
                    let base = s.len().saturating_sub(n as usize);
                    let v = s[base..].iter().copied().reduce(max_nan).unwrap_or(f64::NAN);
                    s.truncate(base);
                    s.push(v);
                }
            }
        }
        pop(s)
    }

    /// Evaluate a boolean program on one row (see [`Program::eval`]).
    pub fn eval_bool(&self, slots: &[f64], stack: &mut Stack) -> bool {
        self.eval(slots, stack) != 0.0
    }

    /// The most values the program ever has on its stack.
    pub fn max_stack(&self) -> usize {
        self.max_stack
    }

    /// A stack big enough for this program, so that [`Program::eval`] never allocates.
    pub fn new_stack(&self) -> Stack {
        Stack::with_capacity(self.max_stack)
    }

    /// Slots read by this program, sorted and deduplicated (used for explanations/traces).
    /// Slots only read by branches that constant folding removed are not listed.
    pub fn slots_used(&self) -> &[usize] {
        &self.slots
    }

    /// Some(v) when the whole program folded to the constant v.
    pub fn as_const(&self) -> Option<f64> {
        match self.ops.as_slice() {
            [Op::Const(v)] => Some(*v),
            _ => None,
        }
    }
}
