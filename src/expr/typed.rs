//! The typed tree: what type checking produces from the syntax tree, with
//! every name resolved and every operator specialised to its operand types,
//! and its constant folding. Every evaluator (the node tree, the exact
//! rationals, the reference interpreter) is built from the folded form.

use super::ops::{BinaryOp, UnaryOp, bool_value, max_nan, member_value, min_nan};
use super::{Span, Type};

/// A type-checked node: every name resolved, every operator specialised to its
/// operand types (e.g. tolerant numeric `==` versus exact enum `==`).
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct TypedExpr {
    pub(crate) kind: TypedKind,
    pub(crate) ty: Type,
    pub(crate) span: Span,
}

/// The shape of one typed node.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum TypedKind {
    /// A known value: a literal, a parameter, an enum value or a folded subtree.
    Const(f64),
    /// A per-row value read from `slots[i]`.
    Slot(usize),
    Unary(UnaryOp, Box<TypedExpr>),
    Binary(BinaryOp, Box<TypedExpr>, Box<TypedExpr>),
    /// Short-circuit `and`.
    And(Box<TypedExpr>, Box<TypedExpr>),
    /// Short-circuit `or`.
    Or(Box<TypedExpr>, Box<TypedExpr>),
    /// List membership; `tolerant` selects numeric (EPSILON) equality.
    In {
        value: Box<TypedExpr>,
        items: Vec<TypedExpr>,
        tolerant: bool,
    },
    If(Box<TypedExpr>, Box<TypedExpr>, Box<TypedExpr>),
    /// `min(...)` (false) or `max(...)` (true) of two or more numbers.
    Extreme(bool, Vec<TypedExpr>),
    /// A table lookup: `values[index]`, NaN when the index is NaN or out
    /// of range (the index is computed from enum values, so it is whole).
    Lookup(std::sync::Arc<[f64]>, Box<TypedExpr>),
}

impl TypedExpr {
    pub(crate) fn new(kind: TypedKind, ty: Type, span: Span) -> TypedExpr {
        TypedExpr { kind, ty, span }
    }
}

/// `values[k]`: NaN when `k` is NaN or out of range.
#[inline]
pub(crate) fn lookup(values: &[f64], k: f64) -> f64 {
    if k >= 0.0 && k < values.len() as f64 {
        values[k as usize]
    } else {
        f64::NAN
    }
}

/// The value of a constant node.
pub(crate) fn constant(t: &TypedExpr) -> Option<f64> {
    match t.kind {
        TypedKind::Const(v) => Some(v),
        _ => None,
    }
}

/// Replace every subtree that does not depend on a slot by its value, using
/// the same scalar functions as the evaluator. All operators are pure, so a
/// side of `and`/`or` that cannot change the result is simply dropped.
///
/// Like the other recursive passes, this dispatches to small functions so that
/// `MAX_DEPTH` levels fit a 2 MiB stack even unoptimised.
pub(crate) fn fold(t: TypedExpr) -> TypedExpr {
    let TypedExpr { kind, ty, span } = t;
    let kind = match kind {
        TypedKind::Const(_) | TypedKind::Slot(_) => kind,
        TypedKind::Unary(op, x) => fold_unary(op, *x),
        TypedKind::Binary(op, a, b) => fold_bin(op, *a, *b),
        TypedKind::And(a, b) => return fold_logic(true, *a, *b, ty, span),
        TypedKind::Or(a, b) => return fold_logic(false, *a, *b, ty, span),
        TypedKind::If(c, a, b) => return fold_if(*c, *a, *b, ty, span),
        TypedKind::In {
            value,
            items,
            tolerant,
        } => fold_in(*value, items, tolerant),
        TypedKind::Extreme(is_max, args) => fold_extreme(is_max, args),
        TypedKind::Lookup(values, index) => {
            let index = fold(*index);
            match constant(&index) {
                Some(k) => TypedKind::Const(lookup(&values, k)),
                None => TypedKind::Lookup(values, Box::new(index)),
            }
        }
    };
    TypedExpr::new(kind, ty, span)
}

fn fold_unary(op: UnaryOp, x: TypedExpr) -> TypedKind {
    let x = fold(x);
    match constant(&x) {
        Some(v) => TypedKind::Const(op.apply(v)),
        None => TypedKind::Unary(op, Box::new(x)),
    }
}

fn fold_bin(op: BinaryOp, a: TypedExpr, b: TypedExpr) -> TypedKind {
    let a = fold(a);
    let b = fold(b);
    match (constant(&a), constant(&b)) {
        (Some(x), Some(y)) => TypedKind::Const(op.apply(x, y)),
        _ => TypedKind::Binary(op, Box::new(a), Box::new(b)),
    }
}

/// `and` (when `and`) or `or`: a constant side either decides the result or
/// can be dropped.
fn fold_logic(and: bool, a: TypedExpr, b: TypedExpr, ty: Type, span: Span) -> TypedExpr {
    let a = fold(a);
    let b = fold(b);
    // The value that decides the result on its own: false for `and`, true for `or`.
    let decides = |v: f64| (v != 0.0) != and;
    let decided = TypedExpr::new(TypedKind::Const(bool_value(!and)), ty, span);
    match (constant(&a), constant(&b)) {
        // Undefined stays undefined, as at run time.
        (Some(x), _) if x.is_nan() => a,
        (_, Some(y)) if y.is_nan() => b,
        (Some(x), _) if decides(x) => decided,
        (Some(_), _) => b,
        (_, Some(y)) if decides(y) => decided,
        (_, Some(_)) => a,
        _ => {
            let kind = if and {
                TypedKind::And(Box::new(a), Box::new(b))
            } else {
                TypedKind::Or(Box::new(a), Box::new(b))
            };
            TypedExpr::new(kind, ty, span)
        }
    }
}

fn fold_if(c: TypedExpr, a: TypedExpr, b: TypedExpr, ty: Type, span: Span) -> TypedExpr {
    let c = fold(c);
    match constant(&c) {
        Some(v) if v.is_nan() => c,
        Some(v) if v != 0.0 => fold(a),
        Some(_) => fold(b),
        None => {
            let a = fold(a);
            let b = fold(b);
            TypedExpr::new(
                TypedKind::If(Box::new(c), Box::new(a), Box::new(b)),
                ty,
                span,
            )
        }
    }
}

fn fold_in(value: TypedExpr, items: Vec<TypedExpr>, tolerant: bool) -> TypedKind {
    let value = fold(value);
    let items: Vec<TypedExpr> = items.into_iter().map(fold).collect();
    let values: Option<Vec<f64>> = items.iter().map(constant).collect();
    match (constant(&value), values) {
        (Some(x), Some(values)) => TypedKind::Const(member_value(x, &values, tolerant)),
        _ => TypedKind::In {
            value: Box::new(value),
            items,
            tolerant,
        },
    }
}

fn fold_extreme(is_max: bool, args: Vec<TypedExpr>) -> TypedKind {
    let args: Vec<TypedExpr> = args.into_iter().map(fold).collect();
    let values: Option<Vec<f64>> = args.iter().map(constant).collect();
    let pick = if is_max { max_nan } else { min_nan };
    match values.and_then(|v| v.into_iter().reduce(pick)) {
        Some(v) => TypedKind::Const(v),
        None => TypedKind::Extreme(is_max, args),
    }
}
