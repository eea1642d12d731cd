//! The compiled form of an expression and its evaluator: a flat list of stack
//! operations run in a loop, with no allocation and no name lookups per row.
//!
//! The scalar semantics (tolerant comparisons, rounding, NaN-propagating
//! min/max) live here once and are shared with constant folding, so a folded
//! constant is always exactly what evaluation would have produced.
//!
//! Rows are evaluated by the tree form (`tree.rs`), built from the same
//! folded tree; this stack machine ([`Program::eval_ops`]) is the reference
//! it is tested and fuzzed against.

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
            Bin::Div => div_f(a, b),
            Bin::Lt => lt_f(a, b),
            Bin::Le => le_f(a, b),
            Bin::Gt => gt_f(a, b),
            Bin::Ge => ge_f(a, b),
            Bin::EqTol => eq_tol_f(a, b),
            Bin::NeTol => ne_tol_f(a, b),
            Bin::Eq => eq_f(a, b),
            Bin::Ne => ne_f(a, b),
        }
    }
}

impl Un {
    pub(crate) fn apply(self, x: f64) -> f64 {
        match self {
            Un::Neg => -x,
            Un::Not => not_f(x),
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

// Undefined values propagate instead of turning into a silent `false`:
// a comparison, `not` or membership test on NaN gives NaN, and so does a
// division by zero. The engine rejects a row whose decision meets a NaN.

/// A comparison's result: NaN when an operand is NaN.
#[inline(always)]
fn checked(r: bool, a: f64, b: f64) -> f64 {
    if r {
        1.0
    } else if a.is_nan() || b.is_nan() {
        f64::NAN
    } else {
        0.0
    }
}

#[inline(always)]
pub(crate) fn lt_f(a: f64, b: f64) -> f64 {
    checked(lt(a, b), a, b)
}
#[inline(always)]
pub(crate) fn le_f(a: f64, b: f64) -> f64 {
    checked(le(a, b), a, b)
}
#[inline(always)]
pub(crate) fn gt_f(a: f64, b: f64) -> f64 {
    checked(gt(a, b), a, b)
}
#[inline(always)]
pub(crate) fn ge_f(a: f64, b: f64) -> f64 {
    checked(ge(a, b), a, b)
}
#[inline(always)]
pub(crate) fn eq_tol_f(a: f64, b: f64) -> f64 {
    checked(eq_tol(a, b), a, b)
}
#[inline(always)]
pub(crate) fn ne_tol_f(a: f64, b: f64) -> f64 {
    checked(!eq_tol(a, b), a, b)
}
#[inline(always)]
pub(crate) fn eq_f(a: f64, b: f64) -> f64 {
    checked(a == b, a, b)
}
#[inline(always)]
pub(crate) fn ne_f(a: f64, b: f64) -> f64 {
    checked(a != b && !a.is_nan() && !b.is_nan(), a, b)
}
/// `not x`: NaN stays NaN.
#[inline(always)]
pub(crate) fn not_f(x: f64) -> f64 {
    if x.is_nan() { x } else { b2f(x == 0.0) }
}
/// `a / b`: NaN when `b` is zero (a division by zero is undefined, not infinite).
#[inline(always)]
pub(crate) fn div_f(a: f64, b: f64) -> f64 {
    if b == 0.0 { f64::NAN } else { a / b }
}
/// Membership as a value: NaN when `x` is NaN.
#[inline(always)]
pub(crate) fn member_f(x: f64, items: &[f64], tolerant: bool) -> f64 {
    if x.is_nan() {
        x
    } else {
        b2f(member(x, items, tolerant))
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
    /// Pop the `if` condition; jump to the first target if it was false, or
    /// push NaN and jump to the second (the end) if it was NaN.
    JumpIfFalse(usize, usize),
    Jump(usize),
    /// Pop `dynamic` items and the value below them; push whether the value is
    /// among those items or `consts[start..start + len]`.
    In {
        dynamic: u32,
        start: u32,
        len: u32,
        tolerant: bool,
    },
    /// Fused `x op constant`: replace the top with `op(top, k)`.
    BinK(Bin, f64),
    /// Fused `slot op constant`: push `op(slots[i], k)`.
    BinSK(Bin, u32, f64),
    /// Fused `slot op slot`: push `op(slots[i], slots[j])`.
    BinSS(Bin, u32, u32),
    /// Fused `slot in [constants]`: push whether `slots[i]` is among `consts[start..start + len]`.
    InS {
        slot: u32,
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
            Op::Const(_) | Op::Load(_) | Op::BinSK(..) | Op::BinSS(..) | Op::InS { .. } => 1,
            Op::BinK(..) => 0,
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
            | Op::JumpIfFalse(..) => -1,
            Op::In { dynamic, .. } => -(dynamic as isize),
            Op::Min(n) | Op::Max(n) => 1 - n as isize,
        }
    }
}

/// A compiled expression, ready to be evaluated on many rows.
///
/// Built by [`compile`](super::compile()); values are `f64` (booleans 0/1, enum values
/// their index), slots are read from the row passed to [`Program::eval`].
#[derive(Debug, Clone)]
pub struct Program {
    pub(crate) ops: Vec<Op>,
    /// Constant items of `in` lists, referenced by [`Op::In`].
    pub(crate) consts: Vec<f64>,
    pub(crate) max_stack: usize,
    /// Slots read, sorted and deduplicated.
    pub(crate) slots: Vec<usize>,
    /// The expression as written, for explanations (set by the policy loader).
    pub(crate) source: String,
    /// The same program as a tree of nodes: what [`Program::eval`] runs.
    pub(crate) fast: super::tree::Tree,
    /// The same program on exact rationals, for rows where `f64` lands
    /// within rounding error of a threshold or a printed tie.
    pub(crate) exact: super::exact::ExactTree,
    /// The folded, typed tree both forms were built from (the engine builds
    /// its own tree form from it, knowing which slots hold whole numbers).
    pub(crate) typed: std::sync::Arc<super::typeck::Typed>,
}

/// Scratch space for [`Program::eval`]; reuse one per thread so that evaluation
/// never allocates.
#[derive(Debug, Clone, Default)]
pub struct Stack {
    /// For programs deeper than [`FIXED_DEPTH`].
    values: Vec<f64>,
    /// For the usual shallow programs: no capacity checks, no initialisation per run.
    fixed: Fixed,
}

impl Stack {
    /// A stack that can run any program with `max_stack() <= n` without allocating.
    pub fn with_capacity(n: usize) -> Stack {
        Stack {
            values: Vec::with_capacity(if n > FIXED_DEPTH { n } else { 0 }),
            fixed: Fixed::default(),
        }
    }

    /// How many values the stack holds without reallocating.
    #[cfg(test)]
    pub(crate) fn capacity(&self) -> usize {
        self.values.capacity().max(FIXED_DEPTH)
    }
}

/// The evaluation stack: a fixed array for the usual shallow programs, a
/// vector for deep ones (both kept in the caller's [`Stack`]). Both never panic:
/// an impossible pop reads NaN.
trait EvalStack {
    fn push(&mut self, v: f64);
    fn pop(&mut self) -> f64;
    fn top(&mut self) -> Option<&mut f64>;
    fn len(&self) -> usize;
    fn truncate(&mut self, n: usize);
    fn from(&self, base: usize) -> &[f64];
}

/// Programs at most this deep run on a fixed array.
const FIXED_DEPTH: usize = 32;

#[derive(Debug, Clone)]
struct Fixed {
    values: [f64; FIXED_DEPTH],
    len: usize,
}

impl Default for Fixed {
    fn default() -> Self {
        Fixed {
            values: [0.0; FIXED_DEPTH],
            len: 0,
        }
    }
}

impl EvalStack for Fixed {
    #[inline(always)]
    fn push(&mut self, v: f64) {
        if let Some(slot) = self.values.get_mut(self.len) {
            *slot = v;
            self.len += 1;
        }
    }
    #[inline(always)]
    fn pop(&mut self) -> f64 {
        if self.len == 0 {
            return f64::NAN;
        }
        self.len -= 1;
        self.values.get(self.len).copied().unwrap_or(f64::NAN)
    }
    #[inline(always)]
    fn top(&mut self) -> Option<&mut f64> {
        self.len.checked_sub(1).and_then(|i| self.values.get_mut(i))
    }
    #[inline(always)]
    fn len(&self) -> usize {
        self.len
    }
    #[inline(always)]
    fn truncate(&mut self, n: usize) {
        self.len = self.len.min(n);
    }
    #[inline(always)]
    fn from(&self, base: usize) -> &[f64] {
        self.values.get(base..self.len).unwrap_or(&[])
    }
}

impl EvalStack for Vec<f64> {
    #[inline(always)]
    fn push(&mut self, v: f64) {
        Vec::push(self, v);
    }
    #[inline(always)]
    fn pop(&mut self) -> f64 {
        Vec::pop(self).unwrap_or(f64::NAN)
    }
    #[inline(always)]
    fn top(&mut self) -> Option<&mut f64> {
        self.last_mut()
    }
    #[inline(always)]
    fn len(&self) -> usize {
        Vec::len(self)
    }
    #[inline(always)]
    fn truncate(&mut self, n: usize) {
        Vec::truncate(self, n);
    }
    #[inline(always)]
    fn from(&self, base: usize) -> &[f64] {
        self.get(base..).unwrap_or(&[])
    }
}

#[inline(always)]
fn unary(s: &mut impl EvalStack, f: impl Fn(f64) -> f64) {
    if let Some(x) = s.top() {
        *x = f(*x);
    }
}

#[inline(always)]
fn binary(s: &mut impl EvalStack, f: impl Fn(f64, f64) -> f64) {
    let b = s.pop();
    if let Some(a) = s.top() {
        *a = f(*a, b);
    }
}

impl Program {
    /// Evaluate on one row (with the tree form, see [`Arena`](super::Arena));
    /// never allocates. A slot index beyond `slots` reads NaN.
    #[inline(always)]
    ///
    /// When the `f64` evaluation lands within rounding error of a
    /// comparison's threshold or a rounding tie, the program is evaluated
    /// again exactly, reading each slot as the decimal it was parsed from
    /// ([`super::exact::from_cell`]): exact for row checks, which read
    /// inputs only. A number comes back as an `f64` that prints with two
    /// decimals (as template holes do) as the exact value rounds.
    pub fn eval(&self, slots: &[f64]) -> f64 {
        let v = self.fast.eval(slots);
        if super::exact::take_close() {
            return self.eval_exact_cells(slots).unwrap_or(v);
        }
        v
    }

    /// [`Program::eval`] again, exactly, on slots read as cells.
    #[cold]
    #[inline(never)]
    fn eval_exact_cells(&self, slots: &[f64]) -> Option<f64> {
        let mut cells = super::exact::CellSlots(slots);
        let exact = self.exact.eval(&mut cells).ok()?;
        Some(exact.map_or(f64::NAN, |q| super::exact::faithful_f64(q, &[2])))
    }

    /// The exact value of the program for the row whose exact values
    /// `slots` gives; `Err` when an intermediate value overflows `i128`.
    pub fn eval_exact(
        &self,
        slots: &mut dyn super::exact::ExactSlots,
    ) -> Result<super::exact::Val, super::exact::Overflow> {
        self.exact.eval(slots)
    }

    /// Evaluate with the stack machine: the reference that the tree form
    /// [`Program::eval`] runs is tested (and fuzzed) against. Does not
    /// allocate when `stack` came from [`Program::new_stack`] (a smaller
    /// stack is grown once).
    #[inline(never)]
    pub fn eval_ops(&self, slots: &[f64], stack: &mut Stack) -> f64 {
        // Many programs are a single name or constant (template holes, amounts):
        // skip the stack machine for them.
        let slot = |i: u32| slots.get(i as usize).copied().unwrap_or(f64::NAN);
        match *self.ops.as_slice() {
            [Op::Load(i)] => return slots.get(i).copied().unwrap_or(f64::NAN),
            [Op::Const(v)] => return v,
            // Most conditions are one comparison or one membership test.
            [Op::BinSK(op, i, k)] => return op.apply(slot(i), k),
            [Op::BinSS(op, i, j)] => return op.apply(slot(i), slot(j)),
            [
                Op::InS {
                    slot: i,
                    start,
                    len,
                    tolerant,
                },
            ] => {
                let start = start as usize;
                let consts = self.consts.get(start..start + len as usize).unwrap_or(&[]);
                return member_f(slot(i), consts, tolerant);
            }
            [Op::Load(i), Op::Not] => {
                return not_f(slots.get(i).copied().unwrap_or(f64::NAN));
            }
            _ => {}
        }
        if self.max_stack <= FIXED_DEPTH {
            let fixed = &mut stack.fixed;
            fixed.len = 0;
            return self.run(slots, fixed);
        }
        let s = &mut stack.values;
        s.clear();
        if s.capacity() < self.max_stack {
            s.reserve(self.max_stack);
        }
        self.run(slots, s)
    }

    /// The stack machine proper.
    #[inline(always)]
    fn run(&self, slots: &[f64], s: &mut impl EvalStack) -> f64 {
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
                Op::Not => unary(s, not_f),
                Op::Floor => unary(s, f64::floor),
                Op::Ceil => unary(s, f64::ceil),
                Op::Abs => unary(s, f64::abs),
                Op::Round(scale) => unary(s, |x| round_scaled(x, scale)),
                Op::Add => binary(s, |a, b| a + b),
                Op::Sub => binary(s, |a, b| a - b),
                Op::Mul => binary(s, |a, b| a * b),
                Op::Div => binary(s, div_f),
                Op::Lt => binary(s, lt_f),
                Op::Le => binary(s, le_f),
                Op::Gt => binary(s, gt_f),
                Op::Ge => binary(s, ge_f),
                Op::EqTol => binary(s, eq_tol_f),
                Op::NeTol => binary(s, ne_tol_f),
                Op::Eq => binary(s, eq_f),
                Op::Ne => binary(s, ne_f),
                Op::AndJump(target) => {
                    if s.top().is_none_or(|v| *v == 0.0 || v.is_nan()) {
                        pc = target;
                    } else {
                        s.pop();
                    }
                }
                Op::OrJump(target) => {
                    if s.top().is_some_and(|v| *v != 0.0) {
                        pc = target;
                    } else {
                        s.pop();
                    }
                }
                Op::JumpIfFalse(target, nan) => {
                    let c = s.pop();
                    if c == 0.0 {
                        pc = target;
                    } else if c.is_nan() {
                        s.push(c);
                        pc = nan;
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
                    let x = s.from(base).first().copied().unwrap_or(f64::NAN);
                    let start = start as usize;
                    let consts = self.consts.get(start..start + len as usize).unwrap_or(&[]);
                    let dynamic_items = s.from(base + 1);
                    let found = if x.is_nan() {
                        x
                    } else {
                        b2f(member(x, dynamic_items, tolerant) || member(x, consts, tolerant))
                    };
                    s.truncate(base);
                    s.push(found);
                }
                Op::BinK(op, k) => unary(s, |x| op.apply(x, k)),
                Op::BinSK(op, i, k) => {
                    let x = slots.get(i as usize).copied().unwrap_or(f64::NAN);
                    s.push(op.apply(x, k));
                }
                Op::BinSS(op, i, j) => {
                    let x = slots.get(i as usize).copied().unwrap_or(f64::NAN);
                    let y = slots.get(j as usize).copied().unwrap_or(f64::NAN);
                    s.push(op.apply(x, y));
                }
                Op::InS {
                    slot,
                    start,
                    len,
                    tolerant,
                } => {
                    let x = slots.get(slot as usize).copied().unwrap_or(f64::NAN);
                    let start = start as usize;
                    let consts = self.consts.get(start..start + len as usize).unwrap_or(&[]);
                    s.push(member_f(x, consts, tolerant));
                }
                Op::Min(n) => {
                    let base = s.len().saturating_sub(n as usize);
                    let v = s
                        .from(base)
                        .iter()
                        .copied()
                        .reduce(min_nan)
                        .unwrap_or(f64::NAN);
                    s.truncate(base);
                    s.push(v);
                }
                Op::Max(n) => {
                    let base = s.len().saturating_sub(n as usize);
                    let v = s
                        .from(base)
                        .iter()
                        .copied()
                        .reduce(max_nan)
                        .unwrap_or(f64::NAN);
                    s.truncate(base);
                    s.push(v);
                }
            }
        }
        s.pop()
    }

    /// Evaluate a boolean program on one row (see [`Program::eval`]).
    pub fn eval_bool(&self, slots: &[f64]) -> bool {
        self.eval(slots) != 0.0
    }

    /// The most values the program ever has on its stack.
    pub fn max_stack(&self) -> usize {
        self.max_stack
    }

    /// A stack big enough for this program, so that the stack machine never allocates.
    pub fn new_stack(&self) -> Stack {
        Stack::with_capacity(self.max_stack)
    }

    /// Slots read by this program, sorted and deduplicated (used for explanations/traces).
    /// Slots only read by branches that constant folding removed are not listed.
    pub fn slots_used(&self) -> &[usize] {
        &self.slots
    }

    /// The expression as written in the policy (empty if not recorded).
    pub fn source(&self) -> &str {
        &self.source
    }

    /// Record the expression's text, shown by explanations.
    pub fn set_source(&mut self, source: &str) {
        self.source = source.split_whitespace().collect::<Vec<_>>().join(" ");
    }

    /// Some(slot) when the program only reads that slot.
    pub fn as_slot(&self) -> Option<usize> {
        match self.ops.as_slice() {
            [Op::Load(i)] => Some(*i),
            _ => None,
        }
    }

    /// Some(v) when the whole program folded to the constant v.
    pub fn as_const(&self) -> Option<f64> {
        match self.ops.as_slice() {
            [Op::Const(v)] => Some(*v),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::expr::test_scope::TestScope;
    use crate::expr::{Type, compile, parse};

    /// income, members, area (rural), employed (false), children, tenure (renter)
    const ROW: [f64; 6] = [1200.0, 4.0, 1.0, 0.0, 2.0, 1.0];

    fn prog(src: &str) -> Program {
        match compile(&parse(src).unwrap(), &TestScope::new(), None) {
            Ok((p, _)) => p,
            Err(e) => panic!("{src:?}: {e:?}"),
        }
    }

    fn run_on(src: &str, row: &[f64]) -> f64 {
        let p = prog(src);
        p.eval(row)
    }

    fn run(src: &str) -> f64 {
        run_on(src, &ROW)
    }

    /// Row with `income` and `members` replaced.
    fn row2(income: f64, members: f64) -> [f64; 6] {
        let mut row = ROW;
        row[0] = income;
        row[1] = members;
        row
    }

    #[test]
    fn arithmetic() {
        assert_eq!(run("income / members"), 300.0);
        assert_eq!(run("income - members * children"), 1192.0);
        assert_eq!(run("(income + 1) * 2"), 2402.0);
        assert_eq!(run("-income + 1"), -1199.0);
        assert_eq!(run("- -members"), 4.0);
        assert_eq!(run("income - members - children"), 1194.0);
        assert_eq!(run("income / members / children"), 150.0);
        assert_eq!(run("income * half + poverty_line_urban"), 1600.0);
        assert!(
            run("income / (members - 4)").is_nan(),
            "a division by zero is undefined"
        );
        assert!(run("(members - 4) / (members - 4)").is_nan());
    }

    #[test]
    fn comparisons_and_logic() {
        assert_eq!(run("income > 1000"), 1.0);
        assert_eq!(run("income >= 1200"), 1.0);
        assert_eq!(run("income < 1200"), 0.0);
        assert_eq!(run("income <= 1199"), 0.0);
        assert_eq!(run("members == 4"), 1.0);
        assert_eq!(run("members != 4"), 0.0);
        assert_eq!(run("employed == false"), 1.0);
        assert_eq!(run("employed != true"), 1.0);
        for (employed, expected) in [(0.0, [0.0, 1.0, 1.0]), (1.0, [1.0, 1.0, 0.0])] {
            let mut row = ROW;
            row[3] = employed;
            assert_eq!(run_on("employed and members > 1", &row), expected[0]);
            assert_eq!(run_on("employed or members > 1", &row), expected[1]);
            assert_eq!(run_on("not employed", &row), expected[2]);
        }
        assert_eq!(run("employed or members > 5"), 0.0);
        assert_eq!(run("not employed and not members == 3"), 1.0);
        let p = prog("income < 1000 or children >= 2");
        assert!(p.eval_bool(&ROW));
    }

    #[test]
    fn enums_and_membership() {
        assert_eq!(run("area == rural"), 1.0);
        assert_eq!(run("area == 'urban'"), 0.0);
        assert_eq!(run("'rural' == area"), 1.0);
        assert_eq!(run("area != urban"), 1.0);
        assert_eq!(run("tenure in [owner, 'renter']"), 1.0);
        assert_eq!(run("tenure in [owner, other]"), 0.0);
        assert_eq!(run("tenure not in [owner, other]"), 1.0);
        assert_eq!(run("members in [1, 2, 3]"), 0.0);
        assert_eq!(run("members in [1, children * 2]"), 1.0);
        assert_eq!(run("members not in [children, 4]"), 0.0);
        assert_eq!(run("members / 3 * 3 in [4]"), 1.0);
        let (p, ty) = compile(
            &parse("if employed then urban else area").unwrap(),
            &TestScope::new(),
            Some(Type::Enum(0)),
        )
        .unwrap();
        assert_eq!(ty, Type::Enum(0));
        assert_eq!(p.eval(&ROW), 1.0);
    }

    #[test]
    fn if_then_else() {
        let src = "if income < 500 then 1 else if income < 1000 then 2 else 3";
        assert_eq!(run_on(src, &row2(100.0, 1.0)), 1.0);
        assert_eq!(run_on(src, &row2(700.0, 1.0)), 2.0);
        assert_eq!(run_on(src, &row2(5000.0, 1.0)), 3.0);
        assert_eq!(run("(if employed then 10 else 20) + 1"), 21.0);
        assert_eq!(run("if members > 0 then income / members else 0"), 300.0);
        assert_eq!(
            run_on(
                "if members > 0 then income / members else 0",
                &row2(1.0, 0.0)
            ),
            0.0
        );
    }

    #[test]
    fn builtins() {
        assert_eq!(run("min(income, members, children)"), 2.0);
        assert_eq!(run("max(income, members, children)"), 1200.0);
        assert_eq!(run("min(members, 3)"), 3.0);
        assert_eq!(run("clamp(income, 0, 1000)"), 1000.0);
        assert_eq!(run("clamp(members, 5, 10)"), 5.0);
        assert_eq!(run("clamp(members, 0, 10)"), 4.0);
        assert_eq!(run("floor(income / 7)"), 171.0);
        assert_eq!(run("ceil(income / 7)"), 172.0);
        assert_eq!(run("abs(members - income)"), 1196.0);
        assert_eq!(run("round(income / 7)"), 171.0);
        assert_eq!(run("round(income / 7, 2)"), 171.43);
        assert!(run("min(income / 0 * 0, 5)").is_nan(), "min propagates NaN");
        assert!(
            run("max(5, (members - 4) / 0)").is_nan(),
            "max propagates NaN"
        );
    }

    #[test]
    fn rounding_is_half_away_from_zero_with_nudge() {
        let r = |x: f64, digits: &str| {
            let p = prog(&format!("round(income{digits})"));
            p.eval(&row2(x, 1.0))
        };
        assert_eq!(r(2.5, ""), 3.0);
        assert_eq!(r(-2.5, ""), -3.0);
        assert_eq!(r(2.4999, ""), 2.0);
        assert_eq!(r(0.0, ""), 0.0);
        assert_eq!(r(28.749999999999996, ", 1"), 28.8);
        assert_eq!(r(1.005, ", 2"), 1.01);
        assert_eq!(r(-1.005, ", 2"), -1.01);
        assert_eq!(r(1234.5678, ", 0"), 1235.0);
        assert!(r(f64::NAN, "").is_nan());
        assert_eq!(prog("round(28.749999999999996, 1)").as_const(), Some(28.8));
    }

    #[test]
    fn tolerant_comparisons() {
        // 8 × 1/24 + 1/8 accumulated in floating point is not exactly 11/24.
        let mut sum = 0.0;
        for _ in 0..8 {
            sum += 1.0 / 24.0;
        }
        sum += 1.0 / 8.0;
        let exact = 11.0 / 24.0;
        let cmp = |op: &str, x: f64, rhs: &str| {
            let p = prog(&format!("income {op} {rhs}"));
            p.eval_bool(&row2(x, 1.0))
        };
        assert!(cmp(">=", sum, "11 / 24"));
        assert!(cmp("<=", sum, "11 / 24"));
        assert!(cmp("==", sum, "11 / 24"));
        assert!(!cmp("!=", sum, "11 / 24"));
        assert!(!cmp("<", sum, "11 / 24"));
        assert!(!cmp(">", sum, "11 / 24"));
        let third = 0.33333333333333326;
        assert!(third < 1.0 / 3.0);
        assert!(cmp(">=", third, "1 / 3"));
        assert!(!cmp("<", third, "1 / 3"));
        assert!(cmp("==", third, "1/3"));
        let p = prog("members in [1 / 3]");
        assert!(p.eval_bool(&row2(0.0, third)));
        // Differences well above EPSILON still count.
        assert!(cmp("<", exact - 1e-6, "11 / 24"));
        assert!(cmp(">", exact + 1e-6, "11 / 24"));
        assert!(!cmp("==", exact + 1e-6, "11 / 24"));
        assert!(!cmp(">=", exact - 1e-6, "11 / 24"));
        // Infinities compare equal to themselves.
        assert!(cmp("==", f64::INFINITY, "1 / 0"));
    }

    #[test]
    fn short_circuit_skips_the_other_side() {
        // Only four slots: reading `children` (slot 4) would trip the
        // out-of-range debug assertion, so it must not be evaluated.
        let short = [1200.0, 0.0, 0.0, 0.0];
        assert_eq!(run_on("employed and children > 0", &short), 0.0);
        assert_eq!(run_on("not employed or children > 0", &short), 1.0);
        assert_eq!(
            run_on("if employed then children else income", &short),
            1200.0
        );
        assert_eq!(
            run_on("members > 0 and income / members < 3", &short),
            0.0,
            "no division by zero"
        );
        assert_eq!(run_on("members == 0 or income / members < 3", &short), 1.0);
    }

    #[test]
    fn eval_does_not_allocate() {
        let sources = [
            "min(income, members, children) + (if employed then 1 else max(1, 2, income))",
            "income > 0 and (members in [1, 2, children] or tenure not in [owner])",
            "clamp(round(income / members, 2), children, income * (1 + members))",
            "if employed then (if members > 1 then 1 else 2) else (if area == urban then 3 else 4)",
            "7",
        ];
        let rows = [ROW, row2(0.0, 0.0), [1.0, 1.0, 0.0, 1.0, 1.0, 0.0]];
        for src in sources {
            let p = prog(src);
            let mut stack = p.new_stack();
            let capacity = stack.capacity();
            assert!(capacity >= p.max_stack());
            let first = p.eval_ops(&ROW, &mut stack);
            for row in &rows {
                p.eval_ops(row, &mut stack);
                assert_eq!(stack.capacity(), capacity, "{src}: the stack grew");
            }
            // A default (empty) stack is grown once, then reused.
            let mut fresh = Stack::default();
            assert_eq!(p.eval_ops(&ROW, &mut fresh), first);
            let grown = fresh.capacity();
            p.eval_ops(&ROW, &mut fresh);
            assert_eq!(fresh.capacity(), grown);
        }
    }

    #[test]
    fn constant_program() {
        let p = prog("poverty_line_urban * 1.2");
        assert_eq!(p.as_const(), Some(1200.0));
        assert_eq!(p.eval(&[]), 1200.0);
        assert_eq!(p.slots_used(), &[] as &[usize]);
        let p = prog("income * 2 + members");
        assert_eq!(p.as_const(), None);
        assert_eq!(p.slots_used(), &[0, 1]);
    }

    #[test]
    fn folding_agrees_with_evaluation() {
        // The same expression, once over constants (folded) and once over slots.
        let cases = [
            ("A / B - round(A * 3.7, 1)", 7.25, 2.0),
            (
                "clamp(A, B, 10) * floor(B / 3) + ceil(A) - abs(-B)",
                7.25,
                2.0,
            ),
            (
                "if A >= B then min(A, B) else max(A, B, 3)",
                1.0 / 3.0,
                0.33333333333333326,
            ),
            ("A == B or A < B and not A > B", 0.1 + 0.2, 0.3),
            ("A in [1, B, 3] and A not in [4]", 2.0, 2.0 + 1e-12),
        ];
        for (src, a, b) in cases {
            let folded = prog(
                &src.replace('A', &format!("{a:?}"))
                    .replace('B', &format!("{b:?}")),
            );
            let dynamic = prog(&src.replace('A', "income").replace('B', "members"));
            let value = folded.as_const().unwrap();
            assert_eq!(value, run_on_prog(&dynamic, &row2(a, b)), "{src}");
        }
    }

    fn run_on_prog(p: &Program, row: &[f64]) -> f64 {
        p.eval(row)
    }

    #[test]
    fn deep_but_allowed_expressions_work() {
        // Near the nesting limit every pass (parse, check, fold, emit, eval,
        // display, drop) must stay within a 2 MiB thread stack, even unoptimised.
        let n = crate::expr::MAX_DEPTH - 2;
        let sources = [
            format!("{}income{}", "min(1, ".repeat(n), ")".repeat(n)),
            format!("{}income", "if employed then 1 else ".repeat(n)),
            format!("{}employed", "not ".repeat(n)),
            format!("{}income{}", "(".repeat(n), ")".repeat(n)),
            format!("income{}", " + 1".repeat(n)),
        ];
        let handle = std::thread::Builder::new()
            .stack_size(2 << 20)
            .spawn(move || {
                for src in sources {
                    let e = parse(&src).unwrap();
                    assert!(!e.to_string().is_empty());
                    assert!(!e.names().is_empty());
                    let (p, _) = compile(&e, &TestScope::new(), None).unwrap();
                    p.eval(&ROW);
                    p.eval_ops(&ROW, &mut p.new_stack());
                }
            })
            .unwrap();
        assert!(handle.join().is_ok());
    }
}
