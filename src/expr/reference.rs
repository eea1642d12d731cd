//! The reference interpreter: the folded typed tree evaluated as it reads,
//! one recursive call per node, with no tuning.
//!
//! Rows are evaluated by the node tree (`tree.rs`), which specialises nodes
//! by operand shape and marks results close to a threshold; this interpreter
//! is the plain statement of what it must compute, and the unit tests, the
//! property tests and the `expr` fuzz target check that both give the same
//! bits. It shares only the scalar operators (`ops.rs`) with the tree.

use super::ops::{max_nan, member_value, min_nan};
use super::typed::{TypedExpr, TypedKind, lookup};

/// The value of `t` for the row in `slots`; a slot beyond `slots` reads NaN.
/// (It allocates for `in` lists: it is not for rows.)
///
/// An undefined value (NaN) propagates as in the language: through
/// arithmetic, comparisons, `not` and `in`; an `and`/`or` whose left side
/// is NaN gives NaN, and so does an `if` whose condition is.
pub(crate) fn eval(t: &TypedExpr, slots: &[f64]) -> f64 {
    match &t.kind {
        TypedKind::Const(v) => *v,
        TypedKind::Slot(i) => slots.get(*i).copied().unwrap_or(f64::NAN),
        TypedKind::Unary(op, x) => op.apply(eval(x, slots)),
        TypedKind::Binary(op, a, b) => op.apply(eval(a, slots), eval(b, slots)),
        TypedKind::And(a, b) => {
            let left = eval(a, slots);
            if left == 0.0 || left.is_nan() {
                left
            } else {
                eval(b, slots)
            }
        }
        TypedKind::Or(a, b) => {
            let left = eval(a, slots);
            if left != 0.0 { left } else { eval(b, slots) }
        }
        TypedKind::If(c, a, b) => {
            let cond = eval(c, slots);
            if cond.is_nan() {
                cond
            } else if cond != 0.0 {
                eval(a, slots)
            } else {
                eval(b, slots)
            }
        }
        TypedKind::In {
            value,
            items,
            tolerant,
        } => {
            let values: Vec<f64> = items.iter().map(|item| eval(item, slots)).collect();
            member_value(eval(value, slots), &values, *tolerant)
        }
        TypedKind::Lookup(values, index) => lookup(values, eval(index, slots)),
        TypedKind::Extreme(is_max, args) => {
            let pick = if *is_max { max_nan } else { min_nan };
            args.iter()
                .map(|arg| eval(arg, slots))
                .reduce(pick)
                .unwrap_or(f64::NAN)
        }
    }
}
