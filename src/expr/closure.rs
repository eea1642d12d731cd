//! A second compiled form of an expression: a tree of closures.
//!
//! The stack program ([`super::eval`]) is the reference; this form computes
//! the same values (it calls the same scalar functions in the same order) but
//! with no dispatch loop and no evaluation stack in memory: each node is a
//! direct call that returns its value in a register. The common shapes
//! (`name op constant`, `name op name`, `name in [constants]`) become one
//! closure each. Tests check that both forms agree on random programs.

use std::fmt;
use std::sync::Arc;

use super::EPSILON;
use super::eval::{
    Bin, Un, b2f, div_f, eq_f, eq_tol, eq_tol_f, ge_f, gt_f, le_f, lt_f, max_nan, member, member_f,
    min_nan, ne_f, ne_tol_f, not_f, round_scaled,
};
use super::typeck::{TKind, Typed};

/// One node. A `Box`, not an `Arc`: calling through an `Arc<dyn Fn>` first
/// computes where the closure sits from its alignment, on every call.
type F = Box<dyn Fn(&[f64]) -> f64 + Send + Sync>;

/// The closure form of a program (shared by clones of the program).
#[derive(Clone)]
pub(crate) struct Fast(Arc<F>);

impl fmt::Debug for Fast {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Fast(..)")
    }
}

impl Fast {
    #[inline]
    pub(crate) fn eval(&self, slots: &[f64]) -> f64 {
        (*self.0)(slots)
    }
}

#[inline(always)]
fn slot(s: &[f64], i: usize) -> f64 {
    s.get(i).copied().unwrap_or(f64::NAN)
}

/// A boolean test of one slot evaluated in place, with no call:
/// `(lo <= x <= hi) != negate`, and NaN when `x` is NaN. It stands for
/// `name op constant` comparisons, `not name`, and a boolean name itself
/// (whose value is 0, 1 or NaN) as an operand of `and`, `or` and `if`.
#[derive(Debug, Clone, Copy)]
struct Test {
    slot: usize,
    lo: f64,
    hi: f64,
    negate: bool,
}

impl Test {
    #[inline(always)]
    fn eval(&self, s: &[f64]) -> f64 {
        let x = slot(s, self.slot);
        if x.is_nan() {
            x
        } else {
            b2f((x >= self.lo && x <= self.hi) != self.negate)
        }
    }
}

/// The [`Test`] an expression is, if it is one. Each range is exactly the
/// comparison it replaces: `x < k` is `x < k - ε`, i.e. not `x >= k - ε`, with
/// `k - ε` computed as the comparison computes it.
fn test(t: &Typed) -> Option<Test> {
    let (slot, lo, hi, negate) = match &t.kind {
        TKind::Slot(i) if t.ty == super::Type::Bool => (*i, 0.0, 0.0, true),
        TKind::Unary(Un::Not, x) => match x.kind {
            TKind::Slot(i) => (i, 0.0, 0.0, false),
            _ => return None,
        },
        TKind::Bin(op, a, b) => match (&a.kind, &b.kind) {
            (TKind::Slot(i), TKind::Const(k)) if k.is_finite() => {
                let (i, k) = (*i, *k);
                let inf = f64::INFINITY;
                match op {
                    Bin::Lt => (i, k - EPSILON, inf, true),
                    Bin::Le => (i, -inf, k + EPSILON, false),
                    Bin::Gt => (i, -inf, k + EPSILON, true),
                    Bin::Ge => (i, k - EPSILON, inf, false),
                    Bin::Eq => (i, k, k, false),
                    Bin::Ne => (i, k, k, true),
                    _ => return None,
                }
            }
            _ => return None,
        },
        _ => return None,
    };
    Some(Test {
        slot,
        lo,
        hi,
        negate,
    })
}

/// An operand of `and`, `or` or `if`: a test in place, or a call.
enum Operand {
    Test(Test),
    Node(F),
}

impl Operand {
    #[inline(always)]
    fn eval(&self, s: &[f64]) -> f64 {
        match self {
            Operand::Test(t) => t.eval(s),
            Operand::Node(f) => f(s),
        }
    }
}

fn operand(t: &Typed) -> Operand {
    match test(t) {
        Some(test) => Operand::Test(test),
        None => Operand::Node(node(t)),
    }
}

/// Build the closure tree of a folded, type-checked expression.
pub(crate) fn build(t: &Typed) -> Fast {
    Fast(Arc::new(node(t)))
}

/// One closure per operator, with the operands computed by `$a` and `$b`
/// (expressions of `s`), so that the operator is chosen once, at build time.
macro_rules! bin_closure {
    ($op:expr, |$s:ident| $a:expr, $b:expr) => {
        match $op {
            Bin::Add => Box::new(move |$s: &[f64]| $a + $b) as F,
            Bin::Sub => Box::new(move |$s: &[f64]| $a - $b),
            Bin::Mul => Box::new(move |$s: &[f64]| $a * $b),
            Bin::Div => Box::new(move |$s: &[f64]| div_f($a, $b)),
            Bin::Lt => Box::new(move |$s: &[f64]| lt_f($a, $b)),
            Bin::Le => Box::new(move |$s: &[f64]| le_f($a, $b)),
            Bin::Gt => Box::new(move |$s: &[f64]| gt_f($a, $b)),
            Bin::Ge => Box::new(move |$s: &[f64]| ge_f($a, $b)),
            Bin::EqTol => Box::new(move |$s: &[f64]| eq_tol_f($a, $b)),
            Bin::NeTol => Box::new(move |$s: &[f64]| ne_tol_f($a, $b)),
            Bin::Eq => Box::new(move |$s: &[f64]| eq_f($a, $b)),
            Bin::Ne => Box::new(move |$s: &[f64]| ne_f($a, $b)),
        }
    };
}

fn node(t: &Typed) -> F {
    // `not name`: one test instead of two calls.
    if let (TKind::Unary(Un::Not, _), Some(test)) = (&t.kind, test(t)) {
        return Box::new(move |s: &[f64]| test.eval(s));
    }
    match &t.kind {
        TKind::Const(v) => {
            let v = *v;
            Box::new(move |_: &[f64]| v)
        }
        TKind::Slot(i) => {
            let i = *i;
            Box::new(move |s: &[f64]| slot(s, i))
        }
        TKind::Unary(op, x) => {
            let x = node(x);
            match *op {
                Un::Neg => Box::new(move |s: &[f64]| -x(s)),
                Un::Not => Box::new(move |s: &[f64]| not_f(x(s))),
                Un::Floor => Box::new(move |s: &[f64]| x(s).floor()),
                Un::Ceil => Box::new(move |s: &[f64]| x(s).ceil()),
                Un::Abs => Box::new(move |s: &[f64]| x(s).abs()),
                Un::Round(scale) => Box::new(move |s: &[f64]| round_scaled(x(s), scale)),
            }
        }
        // Children are built here, then the operator's closure in a separate
        // small function: `node` recurses once per level of nesting, and its
        // frame must stay small for deep expressions (unoptimised builds
        // reserve stack for every arm's closures).
        TKind::Bin(op, a, b) => {
            let op = *op;
            match (&a.kind, &b.kind) {
                (TKind::Slot(i), TKind::Const(k)) => bin_sk(op, *i, *k),
                (TKind::Slot(i), TKind::Slot(j)) => bin_ss(op, *i, *j),
                (TKind::Const(k), TKind::Slot(j)) => bin_ks(op, *k, *j),
                (_, TKind::Const(k)) => bin_nk(op, node(a), *k),
                (TKind::Const(k), _) => bin_kn(op, *k, node(b)),
                (TKind::Slot(i), _) => bin_sn(op, *i, node(b)),
                (_, TKind::Slot(j)) => bin_ns(op, node(a), *j),
                _ => bin_nn(op, node(a), node(b)),
            }
        }
        TKind::And(a, b) => {
            let (a, b) = (operand(a), operand(b));
            Box::new(move |s: &[f64]| {
                let v = a.eval(s);
                if v == 0.0 || v.is_nan() { v } else { b.eval(s) }
            })
        }
        TKind::Or(a, b) => {
            let (a, b) = (operand(a), operand(b));
            Box::new(move |s: &[f64]| {
                let v = a.eval(s);
                if v != 0.0 { v } else { b.eval(s) }
            })
        }
        TKind::If(c, a, b) => {
            let c = operand(c);
            if let (TKind::Const(x), TKind::Const(y)) = (&a.kind, &b.kind) {
                let (x, y) = (*x, *y);
                return Box::new(move |s: &[f64]| {
                    let c = c.eval(s);
                    if c.is_nan() {
                        c
                    } else if c != 0.0 {
                        x
                    } else {
                        y
                    }
                });
            }
            let (fa, fb) = (node(a), node(b));
            Box::new(move |s: &[f64]| {
                let c = c.eval(s);
                if c.is_nan() {
                    c
                } else if c != 0.0 {
                    fa(s)
                } else {
                    fb(s)
                }
            })
        }
        TKind::In {
            value,
            items,
            tolerant,
        } => {
            let tolerant = *tolerant;
            let consts: Vec<f64> = items
                .iter()
                .filter_map(|i| match i.kind {
                    TKind::Const(v) => Some(v),
                    _ => None,
                })
                .collect();
            let dynamic: Vec<F> = items
                .iter()
                .filter(|i| !matches!(i.kind, TKind::Const(_)))
                .map(node)
                .collect();
            if let (TKind::Slot(i), true) = (&value.kind, dynamic.is_empty()) {
                let i = *i;
                return Box::new(move |s: &[f64]| member_f(slot(s, i), &consts, tolerant));
            }
            let fv = node(value);
            Box::new(move |s: &[f64]| {
                let x = fv(s);
                if x.is_nan() {
                    return x;
                }
                let found = dynamic.iter().any(|f| {
                    let v = f(s);
                    if tolerant { eq_tol(x, v) } else { x == v }
                }) || member(x, &consts, tolerant);
                b2f(found)
            })
        }
        TKind::Extreme(is_max, args) if args.len() == 2 => {
            // `min(x, k)`, `max(x, y)` and `clamp` (two nested pairs) in one call each.
            let (a, b) = (&args[0], &args[1]);
            match (&a.kind, &b.kind) {
                (_, TKind::Const(k)) => pair_nk(*is_max, node(a), *k),
                (TKind::Const(k), _) => pair_kn(*is_max, *k, node(b)),
                _ => pair_nn(*is_max, node(a), node(b)),
            }
        }
        TKind::Extreme(is_max, args) => {
            let fs: Vec<F> = args.iter().map(node).collect();
            let pick = if *is_max { max_nan } else { min_nan };
            Box::new(move |s: &[f64]| fs.iter().map(|f| f(s)).reduce(pick).unwrap_or(f64::NAN))
        }
    }
}

// One closure per operator and operand shape; see `node` for why these are
// separate functions.
#[inline(never)]
fn bin_sk(op: Bin, i: usize, k: f64) -> F {
    bin_closure!(op, |s| slot(s, i), k)
}
#[inline(never)]
fn bin_ss(op: Bin, i: usize, j: usize) -> F {
    bin_closure!(op, |s| slot(s, i), slot(s, j))
}
#[inline(never)]
fn bin_ks(op: Bin, k: f64, j: usize) -> F {
    bin_closure!(op, |s| k, slot(s, j))
}
#[inline(never)]
fn bin_nk(op: Bin, fa: F, k: f64) -> F {
    bin_closure!(op, |s| fa(s), k)
}
#[inline(never)]
fn bin_kn(op: Bin, k: f64, fb: F) -> F {
    bin_closure!(op, |s| k, fb(s))
}
#[inline(never)]
fn bin_sn(op: Bin, i: usize, fb: F) -> F {
    bin_closure!(op, |s| slot(s, i), fb(s))
}
#[inline(never)]
fn bin_ns(op: Bin, fa: F, j: usize) -> F {
    bin_closure!(op, |s| fa(s), slot(s, j))
}
#[inline(never)]
fn bin_nn(op: Bin, fa: F, fb: F) -> F {
    bin_closure!(op, |s| fa(s), fb(s))
}
#[inline(never)]
fn pair_nk(is_max: bool, fa: F, k: f64) -> F {
    if is_max {
        Box::new(move |s: &[f64]| max_nan(fa(s), k))
    } else {
        Box::new(move |s: &[f64]| min_nan(fa(s), k))
    }
}
#[inline(never)]
fn pair_kn(is_max: bool, k: f64, fb: F) -> F {
    if is_max {
        Box::new(move |s: &[f64]| max_nan(k, fb(s)))
    } else {
        Box::new(move |s: &[f64]| min_nan(k, fb(s)))
    }
}
#[inline(never)]
fn pair_nn(is_max: bool, fa: F, fb: F) -> F {
    if is_max {
        Box::new(move |s: &[f64]| max_nan(fa(s), fb(s)))
    } else {
        Box::new(move |s: &[f64]| min_nan(fa(s), fb(s)))
    }
}
