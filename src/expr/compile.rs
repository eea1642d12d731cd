//! Lowers the typed tree to a flat [`Program`]: constant subtrees (literals,
//! parameters, enum values) are folded first, then the rest is emitted as stack
//! ops, with jumps for the short-circuit forms `and`, `or` and `if`.

use super::eval::{Bin, Op, Program, Un, b2f, max_nan, member_f, min_nan};
use super::typeck::{TKind, Typed};
use super::{ExprError, Span, Type};

/// Compile a type-checked tree into a program.
pub(crate) fn program(typed: Typed) -> Result<Program, ExprError> {
    let folded = fold(typed);
    let fast = super::tree::build(&folded);
    let exact = super::exact::build(&folded);
    let mut emitter = Emitter::default();
    emitter.emit(&folded)?;
    let Emitter {
        ops,
        consts,
        max_depth,
        mut slots,
        ..
    } = emitter;
    slots.sort_unstable();
    slots.dedup();
    Ok(Program {
        ops,
        consts,
        max_stack: max_depth,
        slots,
        source: String::new(),
        fast,
        exact,
        typed: std::sync::Arc::new(folded),
    })
}

fn constant(t: &Typed) -> Option<f64> {
    match t.kind {
        TKind::Const(v) => Some(v),
        _ => None,
    }
}

/// Replace every subtree that does not depend on a slot by its value, using
/// the same scalar functions as the evaluator. All operators are pure, so a
/// side of `and`/`or` that cannot change the result is simply dropped.
///
/// Like the other recursive passes, this dispatches to small functions so that
/// `MAX_DEPTH` levels fit a 2 MiB stack even unoptimised.
pub(crate) fn fold(t: Typed) -> Typed {
    let Typed { kind, ty, span } = t;
    let kind = match kind {
        TKind::Const(_) | TKind::Slot(_) => kind,
        TKind::Unary(op, x) => fold_unary(op, *x),
        TKind::Bin(op, a, b) => fold_bin(op, *a, *b),
        TKind::And(a, b) => return fold_logic(true, *a, *b, ty, span),
        TKind::Or(a, b) => return fold_logic(false, *a, *b, ty, span),
        TKind::If(c, a, b) => return fold_if(*c, *a, *b, ty, span),
        TKind::In {
            value,
            items,
            tolerant,
        } => fold_in(*value, items, tolerant),
        TKind::Extreme(is_max, args) => fold_extreme(is_max, args),
    };
    Typed::new(kind, ty, span)
}

fn fold_unary(op: Un, x: Typed) -> TKind {
    let x = fold(x);
    match constant(&x) {
        Some(v) => TKind::Const(op.apply(v)),
        None => TKind::Unary(op, Box::new(x)),
    }
}

fn fold_bin(op: Bin, a: Typed, b: Typed) -> TKind {
    let a = fold(a);
    let b = fold(b);
    match (constant(&a), constant(&b)) {
        (Some(x), Some(y)) => TKind::Const(op.apply(x, y)),
        _ => TKind::Bin(op, Box::new(a), Box::new(b)),
    }
}

/// `and` (when `and`) or `or`: a constant side either decides the result or
/// can be dropped.
fn fold_logic(and: bool, a: Typed, b: Typed, ty: Type, span: Span) -> Typed {
    let a = fold(a);
    let b = fold(b);
    // The value that decides the result on its own: false for `and`, true for `or`.
    let decides = |v: f64| (v != 0.0) != and;
    let decided = Typed::new(TKind::Const(b2f(!and)), ty, span);
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
                TKind::And(Box::new(a), Box::new(b))
            } else {
                TKind::Or(Box::new(a), Box::new(b))
            };
            Typed::new(kind, ty, span)
        }
    }
}

fn fold_if(c: Typed, a: Typed, b: Typed, ty: Type, span: Span) -> Typed {
    let c = fold(c);
    match constant(&c) {
        Some(v) if v.is_nan() => c,
        Some(v) if v != 0.0 => fold(a),
        Some(_) => fold(b),
        None => {
            let a = fold(a);
            let b = fold(b);
            Typed::new(TKind::If(Box::new(c), Box::new(a), Box::new(b)), ty, span)
        }
    }
}

fn fold_in(value: Typed, items: Vec<Typed>, tolerant: bool) -> TKind {
    let value = fold(value);
    let items: Vec<Typed> = items.into_iter().map(fold).collect();
    let values: Option<Vec<f64>> = items.iter().map(constant).collect();
    match (constant(&value), values) {
        (Some(x), Some(values)) => TKind::Const(member_f(x, &values, tolerant)),
        _ => TKind::In {
            value: Box::new(value),
            items,
            tolerant,
        },
    }
}

fn fold_extreme(is_max: bool, args: Vec<Typed>) -> TKind {
    let args: Vec<Typed> = args.into_iter().map(fold).collect();
    let values: Option<Vec<f64>> = args.iter().map(constant).collect();
    let pick = if is_max { max_nan } else { min_nan };
    match values.and_then(|v| v.into_iter().reduce(pick)) {
        Some(v) => TKind::Const(v),
        None => TKind::Extreme(is_max, args),
    }
}

#[derive(Default)]
struct Emitter {
    ops: Vec<Op>,
    consts: Vec<f64>,
    slots: Vec<usize>,
    /// Stack height after the ops emitted so far (on the fall-through path).
    depth: usize,
    max_depth: usize,
}

impl Emitter {
    /// Append `op`, tracking the stack height; returns its index (for patching jumps).
    fn push(&mut self, op: Op) -> usize {
        self.depth = self.depth.saturating_add_signed(op.stack_effect());
        self.max_depth = self.max_depth.max(self.depth);
        self.ops.push(op);
        self.ops.len() - 1
    }

    /// Point the jump at `at` to the next op to be emitted.
    fn patch(&mut self, at: usize) {
        let here = self.ops.len();
        if let Some(Op::AndJump(t) | Op::OrJump(t) | Op::JumpIfFalse(t, _) | Op::Jump(t)) =
            self.ops.get_mut(at)
        {
            *t = here;
        }
    }

    fn emit(&mut self, t: &Typed) -> Result<(), ExprError> {
        match &t.kind {
            TKind::Const(v) => {
                self.push(Op::Const(*v));
            }
            TKind::Slot(i) => {
                self.slots.push(*i);
                self.push(Op::Load(*i));
            }
            TKind::Unary(op, x) => {
                self.emit(x)?;
                self.push(unary_op(*op));
            }
            TKind::Bin(op, a, b) => {
                // Fused forms for the common `name op constant` / `name op name`
                // shapes: one dispatch instead of three.
                match (&a.kind, &b.kind) {
                    (TKind::Slot(i), TKind::Const(k)) if *i <= u32::MAX as usize => {
                        self.slots.push(*i);
                        self.push(Op::BinSK(*op, *i as u32, *k));
                    }
                    (TKind::Slot(i), TKind::Slot(j))
                        if *i <= u32::MAX as usize && *j <= u32::MAX as usize =>
                    {
                        self.slots.push(*i);
                        self.slots.push(*j);
                        self.push(Op::BinSS(*op, *i as u32, *j as u32));
                    }
                    (_, TKind::Const(k)) => {
                        self.emit(a)?;
                        self.push(Op::BinK(*op, *k));
                    }
                    _ => {
                        self.emit(a)?;
                        self.emit(b)?;
                        self.push(binary_op(*op));
                    }
                }
            }
            TKind::And(a, b) => self.emit_logic(Op::AndJump(0), a, b)?,
            TKind::Or(a, b) => self.emit_logic(Op::OrJump(0), a, b)?,
            TKind::If(c, a, b) => self.emit_if(c, a, b)?,
            TKind::In {
                value,
                items,
                tolerant,
            } => self.emit_in(value, items, *tolerant, t.span)?,
            TKind::Extreme(is_max, args) => self.emit_extreme(*is_max, args, t.span)?,
        }
        Ok(())
    }

    /// `a and b` / `a or b`: `a`, a jump that keeps a deciding `a`, then `b`.
    fn emit_logic(&mut self, jump: Op, a: &Typed, b: &Typed) -> Result<(), ExprError> {
        self.emit(a)?;
        let at = self.push(jump);
        self.emit(b)?;
        self.patch(at);
        Ok(())
    }

    fn emit_if(&mut self, c: &Typed, a: &Typed, b: &Typed) -> Result<(), ExprError> {
        self.emit(c)?;
        let to_else = self.push(Op::JumpIfFalse(0, 0));
        let height = self.depth;
        self.emit(a)?;
        let to_end = self.push(Op::Jump(0));
        self.patch(to_else);
        self.depth = height;
        self.emit(b)?;
        self.patch(to_end);
        // An undefined condition skips both branches and leaves NaN.
        let end = self.ops.len();
        if let Some(Op::JumpIfFalse(_, nan)) = self.ops.get_mut(to_else) {
            *nan = end;
        }
        Ok(())
    }

    /// Constant items go to the program's constant table, the rest on the stack.
    fn emit_in(
        &mut self,
        value: &Typed,
        items: &[Typed],
        tolerant: bool,
        span: Span,
    ) -> Result<(), ExprError> {
        if let TKind::Slot(slot) = value.kind {
            if items.iter().all(|i| constant(i).is_some()) && slot <= u32::MAX as usize {
                let start = self.consts.len();
                self.consts.extend(items.iter().filter_map(constant));
                self.slots.push(slot);
                self.push(Op::InS {
                    slot: slot as u32,
                    start: small(start, span)?,
                    len: small(items.len(), span)?,
                    tolerant,
                });
                return Ok(());
            }
        }
        self.emit(value)?;
        let start = self.consts.len();
        let mut dynamic = 0usize;
        for item in items {
            match constant(item) {
                Some(v) => self.consts.push(v),
                None => {
                    self.emit(item)?;
                    dynamic += 1;
                }
            }
        }
        let len = self.consts.len() - start;
        self.push(Op::In {
            dynamic: small(dynamic, span)?,
            start: small(start, span)?,
            len: small(len, span)?,
            tolerant,
        });
        Ok(())
    }

    fn emit_extreme(&mut self, is_max: bool, args: &[Typed], span: Span) -> Result<(), ExprError> {
        for arg in args {
            self.emit(arg)?;
        }
        let n = small(args.len(), span)?;
        self.push(if is_max { Op::Max(n) } else { Op::Min(n) });
        Ok(())
    }
}

fn unary_op(op: Un) -> Op {
    match op {
        Un::Neg => Op::Neg,
        Un::Not => Op::Not,
        Un::Floor => Op::Floor,
        Un::Ceil => Op::Ceil,
        Un::Abs => Op::Abs,
        Un::Round(scale) => Op::Round(scale),
    }
}

fn binary_op(op: Bin) -> Op {
    match op {
        Bin::Add => Op::Add,
        Bin::Sub => Op::Sub,
        Bin::Mul => Op::Mul,
        Bin::Div => Op::Div,
        Bin::Lt => Op::Lt,
        Bin::Le => Op::Le,
        Bin::Gt => Op::Gt,
        Bin::Ge => Op::Ge,
        Bin::EqTol => Op::EqTol,
        Bin::NeTol => Op::NeTol,
        Bin::Eq => Op::Eq,
        Bin::Ne => Op::Ne,
    }
}

/// Counts stored in ops are `u32` to keep ops small; no real expression comes close.
fn small(n: usize, span: Span) -> Result<u32, ExprError> {
    u32::try_from(n).map_err(|_| ExprError::new(span, "expression too large"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::expr::test_scope::TestScope;
    use crate::expr::{Type, compile, parse};

    fn prog(src: &str) -> Program {
        match compile(&parse(src).unwrap(), &TestScope::new(), None) {
            Ok((p, _)) => p,
            Err(e) => panic!("{src:?}: {e:?}"),
        }
    }

    #[test]
    fn constant_folding() {
        assert_eq!(prog("1 + 2 * 3").as_const(), Some(7.0));
        assert_eq!(prog("poverty_line_urban * 1.2").as_const(), Some(1200.0));
        assert_eq!(prog("1 / 3").as_const(), Some(1.0 / 3.0));
        assert_eq!(prog("-half").as_const(), Some(-0.5));
        assert_eq!(
            prog("round(2.5) + floor(1.7) + ceil(1.2) + abs(-3)").as_const(),
            Some(9.0)
        );
        assert_eq!(prog("min(3, half, 2)").as_const(), Some(0.5));
        assert_eq!(prog("clamp(5, 0, 1)").as_const(), Some(1.0));
        assert_eq!(prog("half in [1, 0.5]").as_const(), Some(1.0));
        assert_eq!(prog("'rural' == area and false").as_const(), Some(0.0));
        assert_eq!(prog("income > 0 or true").as_const(), Some(1.0));
        assert_eq!(prog("if half > 1 then income else 7").as_const(), Some(7.0));
        // A division by zero is undefined (NaN), and so is everything it decides.
        assert!(prog("1 / 0").as_const().is_some_and(f64::is_nan));
        assert!(prog("income > 1 / 0").ops.len() == 1);
        assert!(
            prog("(1 / 0 > 1) and employed")
                .as_const()
                .is_some_and(f64::is_nan)
        );
        assert!(
            prog("if 1 / 0 > 1 then income else 7")
                .as_const()
                .is_some_and(f64::is_nan)
        );
        // Not constant: reads a slot.
        assert_eq!(prog("income * 1").as_const(), None);
        assert_eq!(
            prog("income * (2 + 3)").ops,
            vec![Op::BinSK(Bin::Mul, 0, 5.0)]
        );
        assert_eq!(
            prog("(income + members) * 2").ops,
            vec![Op::BinSS(Bin::Add, 0, 1), Op::BinK(Bin::Mul, 2.0)]
        );
        // A constant side of `and` that cannot decide the result disappears.
        assert_eq!(prog("true and employed").ops, vec![Op::Load(3)]);
        assert_eq!(prog("employed or false").ops, vec![Op::Load(3)]);
    }

    #[test]
    fn slots_used_sorted_and_deduplicated() {
        assert_eq!(
            prog("children + income * members / income").slots_used(),
            &[0, 1, 4]
        );
        assert_eq!(prog("1 + half").slots_used(), &[] as &[usize]);
        // A folded-away branch reads nothing.
        assert_eq!(
            prog("if half < 1 then income else members").slots_used(),
            &[0]
        );
    }

    #[test]
    fn in_list_splits_constant_and_dynamic_items() {
        let p = prog("members in [1, children, 2 + 1]");
        assert_eq!(p.consts, vec![1.0, 3.0]);
        assert_eq!(
            p.ops,
            vec![
                Op::Load(1),
                Op::Load(4),
                Op::In {
                    dynamic: 1,
                    start: 0,
                    len: 2,
                    tolerant: true
                }
            ]
        );
        assert_eq!(p.max_stack(), 2);
    }

    #[test]
    fn max_stack_is_exact() {
        assert_eq!(prog("7").max_stack(), 1);
        // Fused `name op name` needs one place, not two.
        assert_eq!(prog("income + members").max_stack(), 1);
        assert_eq!(prog("income + 1 + members").max_stack(), 2);
        assert_eq!(
            prog("income + (members + (children * income))").max_stack(),
            3
        );
        assert_eq!(
            prog("((income + members) + children) + income").max_stack(),
            2
        );
        assert_eq!(prog("min(income, members, children)").max_stack(), 3);
        assert_eq!(
            prog("if employed then income + members else children").max_stack(),
            1
        );
        assert_eq!(prog("income > 1 and members > 2").max_stack(), 1);
        assert_eq!(prog("(income > 1) == (members > 2)").max_stack(), 2);
        let (_, ty) = compile(&parse("area").unwrap(), &TestScope::new(), None).unwrap();
        assert_eq!(ty, Type::Enum(0));
    }

    #[test]
    fn short_circuit_layout() {
        let p = prog("employed and income > 0");
        assert_eq!(
            p.ops,
            vec![Op::Load(3), Op::AndJump(3), Op::BinSK(Bin::Gt, 0, 0.0)]
        );
        let p = prog("if employed then income else members");
        assert_eq!(
            p.ops,
            vec![
                Op::Load(3),
                Op::JumpIfFalse(4, 5),
                Op::Load(0),
                Op::Jump(5),
                Op::Load(1)
            ]
        );
    }
}
