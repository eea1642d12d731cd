//! The form of an expression that rows run: a tree of nodes in one array.
//!
//! Each node holds the function that evaluates it, chosen at build time for
//! its operator and operand shapes (`name op constant`, `name op name`,
//! `name in [constants]` … are one node each), and returns its value in a
//! register: no dispatch loop, no evaluation stack in memory. It calls the
//! scalar operators of `ops.rs` in the order the language defines, and the
//! tests and the fuzz target check that it computes the same bits as the plain
//! reference interpreter (`reference.rs`) on random programs.
//!
//! Why one array, not a tree of boxed closures: a household's decision runs
//! some fifty expressions, and with a heap object (and a vtable) per node
//! their nodes were scattered over hundreds of cache lines, more than a
//! core's first-level data cache holds alongside the row being read and
//! written. Here a node is 32 bytes, an expression's nodes are contiguous,
//! and operands are found by their distance back from the node that uses
//! them, so the nodes of every expression of a policy can be copied into one
//! [`Arena`](super::Arena) without change and evaluated there (see the engine).

use std::fmt;
use std::sync::Arc;

use super::EPSILON;
use super::exact::{NEAR, mark_close, near_rounding, near_whole};
use super::ops::{
    BinaryOp, UnaryOp, any_bit, bool_value, div_value, eq_tol, eq_tol_value, eq_value, exp_value,
    ge_value, gt_value, le_value, ln_value, lt_value, max_nan, min_nan, mod_value, ne_tol_value,
    ne_value, not_value, pow_value, round_scaled, sqrt_value,
};
use super::typed::{TypedExpr, TypedKind};

/// Evaluates a node; the slice holds the nodes before it, its operands among them.
type NodeFn = fn(&Node, &[Node], &[f64]) -> f64;

/// One node. What `a`, `b`, `x` and `y` mean depends on `f`: a slot index,
/// a distance back to an operand node, a count of list items, a constant.
#[derive(Clone, Copy)]
pub(crate) struct Node {
    f: NodeFn,
    a: u32,
    b: u32,
    x: f64,
    y: f64,
}

impl fmt::Debug for Node {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Node")
            .field("a", &self.a)
            .field("b", &self.b)
            .field("x", &self.x)
            .field("y", &self.y)
            .finish()
    }
}

/// The tree form of one program: its nodes, the root last (shared by clones
/// of the program).
#[derive(Clone, Debug)]
pub(crate) struct Tree(Arc<[Node]>);

impl Tree {
    #[inline]
    pub(crate) fn eval(&self, slots: &[f64]) -> f64 {
        eval_node(&self.0, self.0.len().wrapping_sub(1), slots)
    }

    /// Its nodes, the root last.
    pub(crate) fn nodes(&self) -> &[Node] {
        &self.0
    }
}

/// The value of node `i` of `nodes`.
#[inline(always)]
pub(crate) fn eval_node(nodes: &[Node], i: usize, s: &[f64]) -> f64 {
    match nodes.get(i) {
        Some(n) => (n.f)(n, &nodes[..i], s),
        None => f64::NAN,
    }
}

/// The value of the operand `back` places before the node whose preceding
/// nodes are `before`.
#[inline(always)]
fn operand(before: &[Node], back: u32, s: &[f64]) -> f64 {
    eval_node(before, before.len().wrapping_sub(back as usize), s)
}

#[inline(always)]
fn slot(s: &[f64], i: u32) -> f64 {
    s.get(i as usize).copied().unwrap_or(f64::NAN)
}

// Operator codes for the functions generic over their operator.
const ADD: u8 = 0;
const SUB: u8 = 1;
const MUL: u8 = 2;
const DIV: u8 = 3;
const LT: u8 = 4;
const LE: u8 = 5;
const GT: u8 = 6;
const GE: u8 = 7;
const EQ_TOL: u8 = 8;
const NE_TOL: u8 = 9;
const EQ: u8 = 10;
const NE: u8 = 11;
const POW: u8 = 12;
const MOD: u8 = 13;
const MONTHS: u8 = 14;
const YEARS: u8 = 15;

/// `a op b`, with the operator fixed at compile time, both operands computed
/// per row: the closeness band of a comparison is relative to both.
#[inline(always)]
fn bin<const OP: u8, const MARK: bool>(a: f64, b: f64) -> f64 {
    let band = match OP {
        LT | LE | GT | GE | EQ_TOL | NE_TOL if MARK => NEAR * (a.abs() + b.abs()),
        _ => 0.0,
    };
    bin_band::<OP, MARK>(a, b, band)
}

/// `a op b`. When `MARK`, a tolerant comparison whose operands land within
/// `band` of its threshold (`a - b` within `band` of `∓1e-9`, or of `±1e-9`
/// for `==`) marks the row for exact evaluation ([`mark_close`]). Without
/// `MARK` (both operands whole numbers, see [`Builder::whole`]) the `f64`
/// comparison is exact.
#[inline(always)]
fn bin_band<const OP: u8, const MARK: bool>(a: f64, b: f64, band: f64) -> f64 {
    if MARK {
        match OP {
            LT | GE => mark_close((a - b + EPSILON).abs() <= band),
            LE | GT => mark_close((a - b - EPSILON).abs() <= band),
            EQ_TOL | NE_TOL => mark_close(((a - b).abs() - EPSILON).abs() <= band),
            _ => {}
        }
    }
    match OP {
        ADD => a + b,
        SUB => a - b,
        MUL => a * b,
        DIV => div_value(a, b),
        LT => lt_value(a, b),
        LE => le_value(a, b),
        GT => gt_value(a, b),
        GE => ge_value(a, b),
        EQ_TOL => eq_tol_value(a, b),
        NE_TOL => ne_tol_value(a, b),
        EQ => eq_value(a, b),
        POW => pow_value(a, b),
        MOD => mod_value(a, b),
        MONTHS => super::dates::months_between(a, b),
        YEARS => super::dates::years_between(a, b),
        _ => ne_value(a, b),
    }
}

/// The closeness band of a comparison with the constant `k`, kept in the
/// node's spare `y`: the other operand is close only when it is near `k`,
/// so the band relative to both is about twice that relative to `k`.
fn band_of(k: f64) -> f64 {
    2.0 * NEAR * k.abs()
}

/// The instance of `$f` for operator `$op`.
macro_rules! by_op {
    ($op:expr, $f:ident, $mark:expr) => {
        if $mark {
            by_op!(@ $op, $f, true)
        } else {
            by_op!(@ $op, $f, false)
        }
    };
    (@ $op:expr, $f:ident, $m:literal) => {
        match $op {
            BinaryOp::Add => $f::<ADD, $m> as NodeFn,
            BinaryOp::Sub => $f::<SUB, $m>,
            BinaryOp::Mul => $f::<MUL, $m>,
            BinaryOp::Div => $f::<DIV, $m>,
            BinaryOp::Pow => $f::<POW, $m>,
            BinaryOp::Mod => $f::<MOD, $m>,
            BinaryOp::MonthsBetween => $f::<MONTHS, $m>,
            BinaryOp::YearsBetween => $f::<YEARS, $m>,
            BinaryOp::Lt => $f::<LT, $m>,
            BinaryOp::Le => $f::<LE, $m>,
            BinaryOp::Gt => $f::<GT, $m>,
            BinaryOp::Ge => $f::<GE, $m>,
            BinaryOp::EqTol => $f::<EQ_TOL, $m>,
            BinaryOp::NeTol => $f::<NE_TOL, $m>,
            BinaryOp::Eq => $f::<EQ, $m>,
            BinaryOp::Ne => $f::<NE, $m>,
        }
    };
}

/// Whether `|a - b| <= 1e-9` (tolerant equality) is within rounding error of
/// flipping.
#[inline(always)]
fn near_tolerance(a: f64, b: f64) -> bool {
    ((a - b).abs() - EPSILON).abs() <= NEAR * (a.abs() + b.abs())
}

// The node functions. Operand shapes in their names: a slot `a` (or `b` on
// the right), a constant `x`, or a node `a` (or `b` on the right) places back.

fn constant(t: &Node, _: &[Node], _: &[f64]) -> f64 {
    t.x
}
fn load(t: &Node, _: &[Node], s: &[f64]) -> f64 {
    slot(s, t.a)
}
/// A test of one slot: `(x <= value <= y) != negate`, NaN when the value
/// is NaN. It stands for `name op constant` comparisons that are exact in
/// `f64` (booleans, enum values, whole numbers) and `not name`; an operand
/// of `and`, `or` and `if` that is one is evaluated in place ([`cond`]).
fn test(t: &Node, _: &[Node], s: &[f64]) -> f64 {
    test_value(t, s)
}
#[inline(always)]
fn test_value(t: &Node, s: &[f64]) -> f64 {
    let v = slot(s, t.a);
    if v.is_nan() {
        v
    } else {
        bool_value((v >= t.x && v <= t.y) != (t.b & NEGATE_TEST != 0))
    }
}

/// A tolerant numeric comparison of one slot with a constant:
/// `(value >= x) != negate`, or `value <= x` with `UPPER_TEST`, `x` being
/// the threshold `k ∓ 1e-9` and `y` the closeness band; NaN when the value
/// is NaN. Kept out of [`cond`] so that the mark's code stays out of the
/// `and`/`or`/`if` nodes.
fn tol_test(t: &Node, _: &[Node], s: &[f64]) -> f64 {
    let v = slot(s, t.a);
    if v.is_nan() {
        return v;
    }
    mark_close((v - t.x).abs() <= t.y);
    let holds = if t.b & UPPER_TEST != 0 {
        v <= t.x
    } else {
        v >= t.x
    };
    bool_value(holds != (t.b & NEGATE_TEST != 0))
}

/// Bits of a test node's `b`: the result is negated; the test is a
/// tolerant comparison `value >= x` (or, with `UPPER_TEST`, `value <= x`)
/// whose `y` is the closeness band, not a range `x <= value <= y`.
const NEGATE_TEST: u32 = 1;
const TOLERANT_TEST: u32 = 2;
const UPPER_TEST: u32 = 4;

/// An operand of `and`, `or` or `if`; when `TEST`, it is a test node,
/// evaluated here in place instead of through a call.
#[inline(always)]
fn cond<const TEST: bool>(before: &[Node], back: u32, s: &[f64]) -> f64 {
    if TEST {
        match before.get(before.len().wrapping_sub(back as usize)) {
            Some(t) => test_value(t, s),
            None => f64::NAN,
        }
    } else {
        operand(before, back, s)
    }
}
fn slot_const<const OP: u8, const M: bool>(t: &Node, _: &[Node], s: &[f64]) -> f64 {
    bin_band::<OP, M>(slot(s, t.a), t.x, t.y)
}
fn slot_slot<const OP: u8, const M: bool>(t: &Node, _: &[Node], s: &[f64]) -> f64 {
    bin::<OP, M>(slot(s, t.a), slot(s, t.b))
}
fn const_slot<const OP: u8, const M: bool>(t: &Node, _: &[Node], s: &[f64]) -> f64 {
    bin_band::<OP, M>(t.x, slot(s, t.b), t.y)
}
fn node_const<const OP: u8, const M: bool>(t: &Node, n: &[Node], s: &[f64]) -> f64 {
    bin_band::<OP, M>(operand(n, t.a, s), t.x, t.y)
}
fn const_node<const OP: u8, const M: bool>(t: &Node, n: &[Node], s: &[f64]) -> f64 {
    bin_band::<OP, M>(t.x, operand(n, t.b, s), t.y)
}
fn slot_node<const OP: u8, const M: bool>(t: &Node, n: &[Node], s: &[f64]) -> f64 {
    bin::<OP, M>(slot(s, t.a), operand(n, t.b, s))
}
fn node_slot<const OP: u8, const M: bool>(t: &Node, n: &[Node], s: &[f64]) -> f64 {
    bin::<OP, M>(operand(n, t.a, s), slot(s, t.b))
}
fn node_node<const OP: u8, const M: bool>(t: &Node, n: &[Node], s: &[f64]) -> f64 {
    let a = operand(n, t.a, s);
    bin::<OP, M>(a, operand(n, t.b, s))
}

fn neg(t: &Node, n: &[Node], s: &[f64]) -> f64 {
    -operand(n, t.a, s)
}
fn not(t: &Node, n: &[Node], s: &[f64]) -> f64 {
    not_value(operand(n, t.a, s))
}
/// `floor` and `ceil` of a value within rounding error of a whole number
/// (a whole number included) mark the row for exact evaluation.
fn floor(t: &Node, n: &[Node], s: &[f64]) -> f64 {
    let x = operand(n, t.a, s);
    mark_close(near_whole(x));
    x.floor()
}
fn ceil(t: &Node, n: &[Node], s: &[f64]) -> f64 {
    let x = operand(n, t.a, s);
    mark_close(near_whole(x));
    x.ceil()
}
fn abs(t: &Node, n: &[Node], s: &[f64]) -> f64 {
    operand(n, t.a, s).abs()
}
fn ln(t: &Node, n: &[Node], s: &[f64]) -> f64 {
    ln_value(operand(n, t.a, s))
}
fn exp(t: &Node, n: &[Node], s: &[f64]) -> f64 {
    exp_value(operand(n, t.a, s))
}
fn sqrt(t: &Node, n: &[Node], s: &[f64]) -> f64 {
    sqrt_value(operand(n, t.a, s))
}
/// A text test: whether the bit set `a` back has any bit of the mask `x`.
fn any_bits(t: &Node, n: &[Node], s: &[f64]) -> f64 {
    any_bit(operand(n, t.a, s), t.x as u64)
}
fn round(t: &Node, n: &[Node], s: &[f64]) -> f64 {
    let x = operand(n, t.a, s);
    mark_close(near_rounding(x, t.x));
    round_scaled(x, t.x)
}

fn and<const TA: bool, const TB: bool>(t: &Node, n: &[Node], s: &[f64]) -> f64 {
    let v = cond::<TA>(n, t.a, s);
    if v == 0.0 || v.is_nan() {
        v
    } else {
        cond::<TB>(n, t.b, s)
    }
}
fn or<const TA: bool, const TB: bool>(t: &Node, n: &[Node], s: &[f64]) -> f64 {
    let v = cond::<TA>(n, t.a, s);
    if v != 0.0 { v } else { cond::<TB>(n, t.b, s) }
}
/// `if`: condition `a` back, the then-branch `b` back, the else-branch right
/// before this node.
fn if_nodes<const TC: bool>(t: &Node, n: &[Node], s: &[f64]) -> f64 {
    let c = cond::<TC>(n, t.a, s);
    if c.is_nan() {
        c
    } else if c != 0.0 {
        operand(n, t.b, s)
    } else {
        operand(n, 1, s)
    }
}
/// `if` with constant branches `x` and `y`.
fn if_consts<const TC: bool>(t: &Node, n: &[Node], s: &[f64]) -> f64 {
    let c = cond::<TC>(n, t.a, s);
    if c.is_nan() {
        c
    } else if c != 0.0 {
        t.x
    } else {
        t.y
    }
}

fn pick<const MAX: bool>(a: f64, b: f64) -> f64 {
    if MAX { max_nan(a, b) } else { min_nan(a, b) }
}
fn pair_node_const<const MAX: bool>(t: &Node, n: &[Node], s: &[f64]) -> f64 {
    pick::<MAX>(operand(n, t.a, s), t.x)
}
fn pair_const_node<const MAX: bool>(t: &Node, n: &[Node], s: &[f64]) -> f64 {
    pick::<MAX>(t.x, operand(n, t.b, s))
}
fn pair_node_node<const MAX: bool>(t: &Node, n: &[Node], s: &[f64]) -> f64 {
    let a = operand(n, t.a, s);
    pick::<MAX>(a, operand(n, t.b, s))
}

// Lists (`in` items, arguments of `min`/`max` with three or more): the `b`
// nodes right before the node that uses them are its items, in order. An
// item node is either a constant `x` (`b` = 1) or points `a` back (from the
// item node) to the item's own node (`b` = 0). Item nodes are never called.

/// The list of a node whose preceding nodes are `n`, and where it starts.
#[inline(always)]
fn items(n: &[Node], count: u32) -> (usize, &[Node]) {
    let start = n.len().saturating_sub(count as usize);
    (start, &n[start..])
}

/// The value of item `k` of `n` (an item node).
#[inline(always)]
fn item(n: &[Node], k: usize, s: &[f64]) -> f64 {
    match n.get(k) {
        Some(it) if it.b == 1 => it.x,
        Some(it) => operand(&n[..k], it.a, s),
        None => f64::NAN,
    }
}

#[inline(always)]
fn same<const TOLERANT: bool>(x: f64, v: f64) -> bool {
    if TOLERANT {
        mark_close(near_tolerance(x, v));
        eq_tol(x, v)
    } else {
        x == v
    }
}

/// `name in [constants]`: slot `a`.
fn in_slot_consts<const TOLERANT: bool>(t: &Node, n: &[Node], s: &[f64]) -> f64 {
    let x = slot(s, t.a);
    if x.is_nan() {
        return x;
    }
    let (_, list) = items(n, t.b);
    bool_value(list.iter().any(|it| same::<TOLERANT>(x, it.x)))
}
/// `value in [items]`: the value `a` back.
fn in_value_items<const TOLERANT: bool>(t: &Node, n: &[Node], s: &[f64]) -> f64 {
    let x = operand(n, t.a, s);
    if x.is_nan() {
        return x;
    }
    let (start, list) = items(n, t.b);
    let found = list
        .iter()
        .enumerate()
        .any(|(k, it)| it.b == 0 && same::<TOLERANT>(x, item(n, start + k, s)))
        || list.iter().any(|it| it.b == 1 && same::<TOLERANT>(x, it.x));
    bool_value(found)
}
/// `min`/`max` of the items, first to last.
fn extreme<const MAX: bool>(t: &Node, n: &[Node], s: &[f64]) -> f64 {
    let (start, list) = items(n, t.b);
    list.iter()
        .enumerate()
        .map(|(k, _)| item(n, start + k, s))
        .reduce(pick::<MAX>)
        .unwrap_or(f64::NAN)
}
/// A table lookup: the index `a` back, the table's values the `b` item
/// nodes right before this node (constants in their `x`): one load.
fn lookup(t: &Node, n: &[Node], s: &[f64]) -> f64 {
    let k = operand(n, t.a, s);
    let (_, list) = items(n, t.b);
    if k >= 0.0 && k < list.len() as f64 {
        list[k as usize].x
    } else {
        f64::NAN
    }
}
fn never(_: &Node, _: &[Node], _: &[f64]) -> f64 {
    f64::NAN
}

/// The `(slot, x, y, flags)` test an expression is, if it is one (see
/// [`test`] and the `*_TEST` flags). Each is exactly the comparison it
/// replaces: `v < k` is `v < k - ε`, i.e. not `v >= k - ε`, with `k - ε`
/// computed as the comparison computes it; `v == k` (booleans, enum
/// values) is the range `k <= v <= k`.
fn as_test(t: &TypedExpr, whole: impl Fn(&TypedExpr) -> bool) -> Option<(usize, f64, f64, u32)> {
    const N: u32 = NEGATE_TEST;
    const T: u32 = TOLERANT_TEST;
    match &t.kind {
        TypedKind::Unary(UnaryOp::Not, x) => match x.kind {
            TypedKind::Slot(i) => Some((i, 0.0, 0.0, 0)),
            _ => None,
        },
        TypedKind::Binary(op, a, b) => match (&a.kind, &b.kind) {
            (TypedKind::Slot(i), TypedKind::Const(k)) if k.is_finite() => {
                let (i, k) = (*i, *k);
                let (lower, upper) = (k - EPSILON, k + EPSILON);
                const U: u32 = UPPER_TEST;
                if whole(a) && whole(b) {
                    // Exact in f64: a range test, with nothing to check.
                    let inf = f64::INFINITY;
                    return match op {
                        BinaryOp::Lt => Some((i, lower, inf, N)),
                        BinaryOp::Le => Some((i, -inf, upper, 0)),
                        BinaryOp::Gt => Some((i, -inf, upper, N)),
                        BinaryOp::Ge => Some((i, lower, inf, 0)),
                        BinaryOp::Eq => Some((i, k, k, 0)),
                        BinaryOp::Ne => Some((i, k, k, N)),
                        _ => None,
                    };
                }
                match op {
                    BinaryOp::Lt => Some((i, lower, band_of(lower), N | T)),
                    BinaryOp::Le => Some((i, upper, band_of(upper), T | U)),
                    BinaryOp::Gt => Some((i, upper, band_of(upper), N | T | U)),
                    BinaryOp::Ge => Some((i, lower, band_of(lower), T)),
                    BinaryOp::Eq => Some((i, k, k, 0)),
                    BinaryOp::Ne => Some((i, k, k, N)),
                    _ => None,
                }
            }
            _ => None,
        },
        _ => None,
    }
}

/// Build the tree form of a folded, type-checked expression.
pub(crate) fn build(t: &TypedExpr) -> Tree {
    Tree(build_nodes(t, &[]).into())
}

/// The nodes of `t`, knowing which slots hold whole numbers of moderate
/// size (`whole_slots[i]`), whose comparisons need no closeness check.
pub(crate) fn build_nodes(t: &TypedExpr, whole_slots: &[bool]) -> Vec<Node> {
    let mut b = Builder {
        whole_slots,
        ..Builder::default()
    };
    b.node(t);
    b.nodes
}

#[derive(Default)]
struct Builder<'w> {
    nodes: Vec<Node>,
    /// Which nodes are tests (see [`cond`]).
    tests: Vec<bool>,
    /// Slots that hold whole numbers below 2^31 in magnitude (integer
    /// inputs with such bounds).
    whole_slots: &'w [bool],
}

/// An index as stored in a node (expressions are far smaller than 2³²).
fn small(i: usize) -> u32 {
    u32::try_from(i).unwrap_or(u32::MAX)
}

/// Whole numbers from here on may be beyond the exact integers of `f64`
/// once added up: constants above it are not treated as whole.
const WHOLE_LIMIT: f64 = 2_147_483_648.0;

impl Builder<'_> {
    /// Whether `t` is a whole number small enough that `f64` computes it,
    /// and compares it with another such, exactly: a whole slot, a whole
    /// constant, or sums, differences, negations, `abs`, `min`, `max` and
    /// `if` branches of such. (Such a value is at most 2^31 times the number
    /// of terms, far below 2^53.)
    fn whole(&self, t: &TypedExpr) -> bool {
        match &t.kind {
            TypedKind::Slot(i) => self.whole_slots.get(*i).copied().unwrap_or(false),
            TypedKind::Const(k) => k.abs() < WHOLE_LIMIT && *k == k.trunc(),
            TypedKind::Binary(BinaryOp::Add | BinaryOp::Sub, a, b) => {
                self.whole(a) && self.whole(b)
            }
            TypedKind::Unary(UnaryOp::Neg | UnaryOp::Abs, x) => self.whole(x),
            TypedKind::If(_, a, b) => self.whole(a) && self.whole(b),
            TypedKind::Extreme(_, args) => args.iter().all(|a| self.whole(a)),
            _ => false,
        }
    }

    /// Append a node; returns its index.
    fn push(&mut self, f: NodeFn, a: u32, b: u32, x: f64, y: f64) -> usize {
        self.nodes.push(Node { f, a, b, x, y });
        self.tests.push(false);
        self.nodes.len() - 1
    }

    fn is_test(&self, i: usize) -> bool {
        self.tests.get(i).copied().unwrap_or(false)
    }

    /// The distance back from the next node to node `i`.
    fn back(&self, i: usize) -> u32 {
        small(self.nodes.len() - i)
    }

    /// Append the nodes of `t`, its root last; returns the root's index.
    fn node(&mut self, t: &TypedExpr) -> usize {
        if let Some((slot, lo, hi, flags)) = as_test(t, |t| self.whole(t)) {
            if flags & TOLERANT_TEST != 0 {
                return self.push(tol_test, small(slot), flags, lo, hi);
            }
            let i = self.push(test, small(slot), flags, lo, hi);
            self.tests[i] = true;
            return i;
        }
        match &t.kind {
            TypedKind::Const(v) => self.push(constant, 0, 0, *v, 0.0),
            TypedKind::Slot(i) => self.push(load, small(*i), 0, 0.0, 0.0),
            TypedKind::Unary(op, x) => self.unary(*op, x),
            TypedKind::Binary(op, l, r) => self.bin(*op, l, r),
            TypedKind::And(l, r) => self.logic(true, l, r),
            TypedKind::Or(l, r) => self.logic(false, l, r),
            TypedKind::If(c, x, y) => self.if_else(c, x, y),
            TypedKind::In {
                value,
                items,
                tolerant,
            } => self.membership(value, items, *tolerant),
            TypedKind::Lookup(values, index) => {
                let index = self.node(index);
                for &v in values.iter() {
                    self.push(never, 0, 1, v, 0.0);
                }
                let a = self.back(index);
                self.push(lookup, a, small(values.len()), 0.0, 0.0)
            }
            TypedKind::Extreme(is_max, args) => match &args[..] {
                [l, r] => self.pair(*is_max, l, r),
                _ => {
                    let count = self.list(args);
                    let f: NodeFn = if *is_max {
                        extreme::<true>
                    } else {
                        extreme::<false>
                    };
                    self.push(f, 0, count, 0.0, 0.0)
                }
            },
        }
    }

    fn unary(&mut self, op: UnaryOp, x: &TypedExpr) -> usize {
        let x = self.node(x);
        let a = self.back(x);
        let (f, k): (NodeFn, f64) = match op {
            UnaryOp::Neg => (neg, 0.0),
            UnaryOp::Not => (not, 0.0),
            UnaryOp::Floor => (floor, 0.0),
            UnaryOp::Ceil => (ceil, 0.0),
            UnaryOp::Abs => (abs, 0.0),
            UnaryOp::Ln => (ln, 0.0),
            UnaryOp::Exp => (exp, 0.0),
            UnaryOp::Sqrt => (sqrt, 0.0),
            UnaryOp::Round(scale) => (round, scale),
            // The mask is below 2^53: exact as an f64.
            UnaryOp::AnyBit(mask) => (any_bits, mask as f64),
        };
        self.push(f, a, 0, k, 0.0)
    }

    /// `l and r` (when `and`) or `l or r`; a side that is a test node is
    /// evaluated in place.
    fn logic(&mut self, and_: bool, l: &TypedExpr, r: &TypedExpr) -> usize {
        let l = self.node(l);
        let r = self.node(r);
        let f: NodeFn = match (and_, self.is_test(l), self.is_test(r)) {
            (true, false, false) => and::<false, false>,
            (true, false, true) => and::<false, true>,
            (true, true, false) => and::<true, false>,
            (true, true, true) => and::<true, true>,
            (false, false, false) => or::<false, false>,
            (false, false, true) => or::<false, true>,
            (false, true, false) => or::<true, false>,
            (false, true, true) => or::<true, true>,
        };
        let (a, b) = (self.back(l), self.back(r));
        self.push(f, a, b, 0.0, 0.0)
    }

    fn if_else(&mut self, c: &TypedExpr, x: &TypedExpr, y: &TypedExpr) -> usize {
        let c = self.node(c);
        let test = self.is_test(c);
        if let (TypedKind::Const(x), TypedKind::Const(y)) = (&x.kind, &y.kind) {
            let a = self.back(c);
            let f: NodeFn = if test {
                if_consts::<true>
            } else {
                if_consts::<false>
            };
            return self.push(f, a, 0, *x, *y);
        }
        let x = self.node(x);
        self.node(y); // right before the `if` node
        let (a, b) = (self.back(c), self.back(x));
        let f: NodeFn = if test {
            if_nodes::<true>
        } else {
            if_nodes::<false>
        };
        self.push(f, a, b, 0.0, 0.0)
    }

    fn membership(&mut self, value: &TypedExpr, items: &[TypedExpr], tolerant: bool) -> usize {
        let all_const = items.iter().all(|i| matches!(i.kind, TypedKind::Const(_)));
        if let (TypedKind::Slot(i), true) = (&value.kind, all_const) {
            let count = self.list(items);
            let f: NodeFn = if tolerant {
                in_slot_consts::<true>
            } else {
                in_slot_consts::<false>
            };
            return self.push(f, small(*i), count, 0.0, 0.0);
        }
        let v = self.node(value);
        let count = self.list(items);
        let a = self.back(v);
        let f: NodeFn = if tolerant {
            in_value_items::<true>
        } else {
            in_value_items::<false>
        };
        self.push(f, a, count, 0.0, 0.0)
    }

    /// `min(x, k)`, `max(x, y)` and `clamp` (two nested pairs): one node each.
    fn pair(&mut self, is_max: bool, l: &TypedExpr, r: &TypedExpr) -> usize {
        let (node_k, k_node, nodes): (NodeFn, NodeFn, NodeFn) = if is_max {
            (
                pair_node_const::<true>,
                pair_const_node::<true>,
                pair_node_node::<true>,
            )
        } else {
            (
                pair_node_const::<false>,
                pair_const_node::<false>,
                pair_node_node::<false>,
            )
        };
        match (&l.kind, &r.kind) {
            (_, TypedKind::Const(k)) => {
                let l = self.node(l);
                let a = self.back(l);
                self.push(node_k, a, 0, *k, 0.0)
            }
            (TypedKind::Const(k), _) => {
                let r = self.node(r);
                let b = self.back(r);
                self.push(k_node, 0, b, *k, 0.0)
            }
            _ => {
                let l = self.node(l);
                let r = self.node(r);
                let (a, b) = (self.back(l), self.back(r));
                self.push(nodes, a, b, 0.0, 0.0)
            }
        }
    }

    /// Append the nodes of the computed items, then one item node per item,
    /// in order; returns how many items.
    fn list(&mut self, items: &[TypedExpr]) -> u32 {
        // A computed item's root, or a constant item's value.
        let roots: Vec<Result<usize, f64>> = items
            .iter()
            .map(|i| match i.kind {
                TypedKind::Const(v) => Err(v),
                _ => Ok(self.node(i)),
            })
            .collect();
        for root in roots {
            match root {
                Ok(r) => {
                    let a = self.back(r);
                    self.push(never, a, 0, 0.0, 0.0);
                }
                Err(v) => {
                    self.push(never, 0, 1, v, 0.0);
                }
            }
        }
        small(items.len())
    }

    /// A binary operator, one node for each operand shape.
    fn bin(&mut self, op: BinaryOp, l: &TypedExpr, r: &TypedExpr) -> usize {
        // A comparison of two whole numbers is exact in f64: nothing to mark.
        let mark = !(self.whole(l) && self.whole(r));
        match (&l.kind, &r.kind) {
            (TypedKind::Slot(i), TypedKind::Const(k)) => {
                self.push(by_op!(op, slot_const, mark), small(*i), 0, *k, band_of(*k))
            }
            (TypedKind::Slot(i), TypedKind::Slot(j)) => {
                self.push(by_op!(op, slot_slot, mark), small(*i), small(*j), 0.0, 0.0)
            }
            (TypedKind::Const(k), TypedKind::Slot(j)) => {
                self.push(by_op!(op, const_slot, mark), 0, small(*j), *k, band_of(*k))
            }
            (_, TypedKind::Const(k)) => {
                let l = self.node(l);
                let a = self.back(l);
                self.push(by_op!(op, node_const, mark), a, 0, *k, band_of(*k))
            }
            (TypedKind::Const(k), _) => {
                let r = self.node(r);
                let b = self.back(r);
                self.push(by_op!(op, const_node, mark), 0, b, *k, band_of(*k))
            }
            (TypedKind::Slot(i), _) => {
                let r = self.node(r);
                let b = self.back(r);
                self.push(by_op!(op, slot_node, mark), small(*i), b, 0.0, 0.0)
            }
            (_, TypedKind::Slot(j)) => {
                let l = self.node(l);
                let a = self.back(l);
                self.push(by_op!(op, node_slot, mark), a, small(*j), 0.0, 0.0)
            }
            _ => {
                let l = self.node(l);
                let r = self.node(r);
                let (a, b) = (self.back(l), self.back(r));
                self.push(by_op!(op, node_node, mark), a, b, 0.0, 0.0)
            }
        }
    }
}
