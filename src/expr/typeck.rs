//! Type checking: gives every node a [`Type`], resolves names through the
//! [`Scope`] (and bare words / strings to enum values where an enum is expected),
//! and lowers the syntax tree to the typed tree (`typed.rs`).

use super::ast::{BinOp, Builtin, Expr, ExprKind, UnOp};
use super::ops::{BinaryOp, UnaryOp};
use super::typed::{TypedExpr, TypedKind, fold};
use super::{Binding, EnumId, ExprError, Scope, Span, Type, describe_type, suggest};

/// Type-check `expr`; when `expected` is given the result must have that type.
pub(crate) fn check(
    expr: &Expr,
    scope: &dyn Scope,
    expected: Option<Type>,
) -> Result<TypedExpr, ExprError> {
    let checker = Checker { scope };
    let typed = checker.infer(expr, expected)?;
    match expected {
        Some(want) if want != typed.ty => Err(checker.mismatch(want, typed.ty, expr.span())),
        _ => Ok(typed),
    }
}

pub(super) struct Checker<'a> {
    pub(super) scope: &'a dyn Scope,
}

// As in the parser, the recursive methods are split small and errors are built
// in cold functions, so that `MAX_DEPTH` levels fit a 2 MiB stack even unoptimised.
impl Checker<'_> {
    /// Type `e`. `hint` is the type the context wants; it only matters for
    /// resolving bare words and strings to enum values, the caller checks the result.
    fn infer(&self, e: &Expr, hint: Option<Type>) -> Result<TypedExpr, ExprError> {
        let span = e.span();
        match e.kind() {
            ExprKind::Number(_) | ExprKind::Bool(_) | ExprKind::Str(_) | ExprKind::Name(_) => {
                self.leaf(e, hint)
            }
            ExprKind::Unary(UnOp::Neg, x) => self.unary(UnaryOp::Neg, x, Type::Number, span),
            ExprKind::Unary(UnOp::Not, x) => self.unary(UnaryOp::Not, x, Type::Bool, span),
            ExprKind::Binary(op, a, b) => match op {
                BinOp::Add => self.arith(BinaryOp::Add, a, b, span),
                BinOp::Sub => self.arith(BinaryOp::Sub, a, b, span),
                BinOp::Mul => self.arith(BinaryOp::Mul, a, b, span),
                BinOp::Div => self.arith(BinaryOp::Div, a, b, span),
                BinOp::Pow => self.arith(BinaryOp::Pow, a, b, span),
                BinOp::Mod => self.arith(BinaryOp::Mod, a, b, span),
                BinOp::Lt => self.order(BinaryOp::Lt, a, b, span),
                BinOp::Le => self.order(BinaryOp::Le, a, b, span),
                BinOp::Gt => self.order(BinaryOp::Gt, a, b, span),
                BinOp::Ge => self.order(BinaryOp::Ge, a, b, span),
                BinOp::Eq | BinOp::Ne => self.equality(*op == BinOp::Eq, a, b, span),
                BinOp::And | BinOp::Or => self.logic(*op == BinOp::And, a, b, span),
            },
            ExprKind::In {
                value,
                items,
                negated,
            } => self.membership(value, items, *negated, span),
            ExprKind::If {
                cond,
                then_branch,
                else_branch,
            } => self.if_else(cond, then_branch, else_branch, hint, span),
            ExprKind::Call { func, args, .. } => self.call(*func, args, span),
            ExprKind::Index {
                table,
                table_span,
                keys,
            } => self.lookup(table, *table_span, keys, span),
        }
    }

    /// Type `e` where `hint` is wanted (for the sibling `text` pass).
    pub(super) fn infer_hinted(&self, e: &Expr, hint: Type) -> Result<TypedExpr, ExprError> {
        self.infer(e, Some(hint))
    }

    /// Type `e` with no expectation (for the sibling `text` pass).
    pub(super) fn infer_public(&self, e: &Expr) -> Result<TypedExpr, ExprError> {
        self.infer(e, None)
    }

    /// Literals and names (no recursion).
    fn leaf(&self, e: &Expr, hint: Option<Type>) -> Result<TypedExpr, ExprError> {
        let span = e.span();
        let (kind, ty) = match e.kind() {
            ExprKind::Number(v) => match hint {
                Some(Type::Enum(id)) if self.is_enum_value_number(*v, id) => {
                    return Err(number_as_enum_value(*v, span));
                }
                _ => (TypedKind::Const(*v), Type::Number),
            },
            ExprKind::Bool(b) => (TypedKind::Const(f64::from(u8::from(*b))), Type::Bool),
            ExprKind::Str(text) => match hint {
                Some(Type::Enum(id)) => return self.enum_value(text, id, span, false),
                _ => return Err(string_not_allowed(span)),
            },
            ExprKind::Name(name) => match self.scope.resolve(name) {
                Some((Binding::Slot(i), ty)) => (TypedKind::Slot(i), ty),
                Some((Binding::Const(v), ty)) => (TypedKind::Const(v), ty),
                None => match hint {
                    Some(Type::Enum(id)) => return self.enum_value(name, id, span, true),
                    _ if self.scope.is_text(name) => {
                        return Err(text_only(name, span));
                    }
                    _ => return Err(self.unknown_name(name, span)),
                },
            },
            _ => return Err(ExprError::new(span, "internal error: not a leaf")),
        };
        Ok(TypedExpr::new(kind, ty, span))
    }

    /// Whether the whole number `v` is spelt like a value of enum `id`
    /// (a region code `5201` written unquoted).
    fn is_enum_value_number(&self, v: f64, id: EnumId) -> bool {
        v >= 0.0
            && v == v.trunc()
            && v < 1e15
            && self.scope.enum_value_index(id, &format!("{v}")).is_some()
    }

    /// Type `e` and require it to be `want`, blaming `e` otherwise.
    fn expect(&self, e: &Expr, want: Type) -> Result<TypedExpr, ExprError> {
        let t = self.infer(e, Some(want))?;
        if t.ty == want {
            Ok(t)
        } else {
            Err(self.mismatch(want, t.ty, e.span()))
        }
    }

    /// `-x` (Number → Number) or `not x` (Bool → Bool).
    fn unary(&self, op: UnaryOp, x: &Expr, ty: Type, span: Span) -> Result<TypedExpr, ExprError> {
        let x = self.expect(x, ty)?;
        Ok(TypedExpr::new(TypedKind::Unary(op, Box::new(x)), ty, span))
    }

    /// `+ - * /`: numbers to a number.
    fn arith(&self, bin: BinaryOp, a: &Expr, b: &Expr, span: Span) -> Result<TypedExpr, ExprError> {
        let x = self.expect(a, Type::Number)?;
        let y = self.expect(b, Type::Number)?;
        let kind = TypedKind::Binary(bin, Box::new(x), Box::new(y));
        Ok(TypedExpr::new(kind, Type::Number, span))
    }

    /// `< <= > >=`: numbers to a boolean.
    fn order(&self, bin: BinaryOp, a: &Expr, b: &Expr, span: Span) -> Result<TypedExpr, ExprError> {
        let x = self.ordered_operand(a)?;
        let y = self.ordered_operand(b)?;
        let kind = TypedKind::Binary(bin, Box::new(x), Box::new(y));
        Ok(TypedExpr::new(kind, Type::Bool, span))
    }

    fn ordered_operand(&self, e: &Expr) -> Result<TypedExpr, ExprError> {
        let t = self.infer(e, Some(Type::Number))?;
        match t.ty {
            Type::Number => Ok(t),
            Type::Enum(id) => Err(self
                .mismatch(Type::Number, t.ty, e.span())
                .with_help(format!(
                    "values of `{}` can only be compared with `==`, `!=` or `in`",
                    self.scope.enum_label(id)
                ))),
            Type::Bool => Err(self.mismatch(Type::Number, t.ty, e.span())),
        }
    }

    /// `and` / `or`: booleans to a boolean, short-circuiting.
    fn logic(&self, and: bool, a: &Expr, b: &Expr, span: Span) -> Result<TypedExpr, ExprError> {
        let x = Box::new(self.expect(a, Type::Bool)?);
        let y = Box::new(self.expect(b, Type::Bool)?);
        let kind = if and {
            TypedKind::And(x, y)
        } else {
            TypedKind::Or(x, y)
        };
        Ok(TypedExpr::new(kind, Type::Bool, span))
    }

    /// `==` / `!=`: two values of one type; tolerant for numbers, exact otherwise.
    fn equality(&self, eq: bool, a: &Expr, b: &Expr, span: Span) -> Result<TypedExpr, ExprError> {
        if let Some(t) = self.text_equality(eq, a, b, span) {
            return t;
        }
        let (x, y) = self.same_type(a, b, None, if eq { "==" } else { "!=" })?;
        let bin = match (eq, x.ty == Type::Number) {
            (true, true) => BinaryOp::EqTol,
            (true, false) => BinaryOp::Eq,
            (false, true) => BinaryOp::NeTol,
            (false, false) => BinaryOp::Ne,
        };
        let kind = TypedKind::Binary(bin, Box::new(x), Box::new(y));
        Ok(TypedExpr::new(kind, Type::Bool, span))
    }

    /// `value in [items]`: a number or enum value against items of its type.
    fn membership(
        &self,
        value: &Expr,
        items: &[Expr],
        negated: bool,
        span: Span,
    ) -> Result<TypedExpr, ExprError> {
        if let Some(name) = self.text_name(value) {
            return self.text_membership(name, value.span(), items, negated, span);
        }
        let value_t = self.infer(value, None)?;
        let ty = value_t.ty;
        if ty == Type::Bool {
            return Err(bool_in_list(value.span()));
        }
        let mut typed_items = Vec::with_capacity(items.len());
        for item in items {
            let t = self.infer(item, Some(ty))?;
            if t.ty != ty {
                return Err(self.mismatch(ty, t.ty, item.span()).with_help(
                    "the values in the list must have the type of the left side of `in`",
                ));
            }
            typed_items.push(t);
        }
        let kind = TypedKind::In {
            value: Box::new(value_t),
            items: typed_items,
            tolerant: ty == Type::Number,
        };
        let membership = TypedExpr::new(kind, Type::Bool, span);
        if negated {
            let kind = TypedKind::Unary(UnaryOp::Not, Box::new(membership));
            Ok(TypedExpr::new(kind, Type::Bool, span))
        } else {
            Ok(membership)
        }
    }

    /// `if c then a else b`: a boolean condition and two branches of one type.
    fn if_else(
        &self,
        cond: &Expr,
        then_branch: &Expr,
        else_branch: &Expr,
        hint: Option<Type>,
        span: Span,
    ) -> Result<TypedExpr, ExprError> {
        let cond = self.expect(cond, Type::Bool)?;
        let (a, b) = self.same_type(then_branch, else_branch, hint, "if")?;
        let ty = a.ty;
        let kind = TypedKind::If(Box::new(cond), Box::new(a), Box::new(b));
        Ok(TypedExpr::new(kind, ty, span))
    }

    /// Type two expressions that must share a type (`==` operands, `if` branches;
    /// `what` names the construct in the help). When only one of them needs
    /// context to be typed (a bare enum value or a string), the other is typed
    /// first and lends it its type.
    fn same_type(
        &self,
        a: &Expr,
        b: &Expr,
        hint: Option<Type>,
        what: &str,
    ) -> Result<(TypedExpr, TypedExpr), ExprError> {
        let swap = self.needs_hint(a) && !self.needs_hint(b);
        let (first, second) = if swap { (b, a) } else { (a, b) };
        let t1 = self.infer(first, hint)?;
        let t2 = self.infer(second, Some(t1.ty))?;
        if t2.ty != t1.ty {
            return Err(self.different_types(t1.ty, t2.ty, second.span(), what));
        }
        Ok(if swap { (t2, t1) } else { (t1, t2) })
    }

    /// Whether `e` can only be typed from context: a string, an unknown bare
    /// word, or an `if` whose branches are both such.
    fn needs_hint(&self, e: &Expr) -> bool {
        match e.kind() {
            ExprKind::Str(_) => true,
            ExprKind::Name(name) => self.scope.resolve(name).is_none(),
            ExprKind::If {
                then_branch,
                else_branch,
                ..
            } => self.needs_hint(then_branch) && self.needs_hint(else_branch),
            _ => false,
        }
    }

    /// Built-in calls: numbers to a number. `clamp` becomes `min(max(x, lo), hi)`.
    fn call(&self, func: Builtin, args: &[Expr], span: Span) -> Result<TypedExpr, ExprError> {
        if func == Builtin::StartsWith {
            return self.starts_with(args, span);
        }
        let mut typed_args = Vec::with_capacity(args.len());
        for arg in args {
            typed_args.push(self.expect(arg, Type::Number)?);
        }
        let kind = match (func, typed_args.len()) {
            (Builtin::Min | Builtin::Max, 2..) => {
                TypedKind::Extreme(func == Builtin::Max, typed_args)
            }
            (Builtin::Clamp, 3) => {
                let mut it = typed_args.into_iter();
                let (Some(x), Some(lo), Some(hi)) = (it.next(), it.next(), it.next()) else {
                    return Err(arity(func, args.len(), span));
                };
                let inner =
                    TypedExpr::new(TypedKind::Extreme(true, vec![x, lo]), Type::Number, span);
                TypedKind::Extreme(false, vec![inner, hi])
            }
            (Builtin::Pow | Builtin::MonthsBetween | Builtin::YearsBetween, 2) => {
                let mut it = typed_args.into_iter();
                let (Some(x), Some(y)) = (it.next(), it.next()) else {
                    return Err(arity(func, args.len(), span));
                };
                let op = match func {
                    Builtin::MonthsBetween => BinaryOp::MonthsBetween,
                    Builtin::YearsBetween => BinaryOp::YearsBetween,
                    _ => BinaryOp::Pow,
                };
                TypedKind::Binary(op, Box::new(x), Box::new(y))
            }
            (
                Builtin::Floor
                | Builtin::Ceil
                | Builtin::Abs
                | Builtin::Round
                | Builtin::Ln
                | Builtin::Exp
                | Builtin::Sqrt,
                1..=2,
            ) => {
                let mut it = typed_args.into_iter();
                let (Some(x), digits, None) = (it.next(), it.next(), it.next()) else {
                    return Err(arity(func, args.len(), span));
                };
                let op = match (func, digits) {
                    (Builtin::Round, None) => UnaryOp::Round(1.0),
                    (Builtin::Round, Some(d)) => UnaryOp::Round(round_scale(d)?),
                    (Builtin::Floor, None) => UnaryOp::Floor,
                    (Builtin::Ceil, None) => UnaryOp::Ceil,
                    (Builtin::Abs, None) => UnaryOp::Abs,
                    (Builtin::Ln, None) => UnaryOp::Ln,
                    (Builtin::Exp, None) => UnaryOp::Exp,
                    (Builtin::Sqrt, None) => UnaryOp::Sqrt,
                    _ => return Err(arity(func, args.len(), span)),
                };
                TypedKind::Unary(op, Box::new(x))
            }
            _ => return Err(arity(func, args.len(), span)),
        };
        Ok(TypedExpr::new(kind, Type::Number, span))
    }

    /// Resolve `text` as a value of enum `id`; `bare` when it was written as a
    /// bare word (which might instead be a misspelt name).
    pub(super) fn enum_value(
        &self,
        text: &str,
        id: EnumId,
        span: Span,
        bare: bool,
    ) -> Result<TypedExpr, ExprError> {
        match self.scope.enum_value_index(id, text) {
            Some(i) => Ok(TypedExpr::new(
                TypedKind::Const(i as f64),
                Type::Enum(id),
                span,
            )),
            None => Err(self.bad_enum_value(text, id, span, bare)),
        }
    }

    #[cold]
    #[inline(never)]
    fn bad_enum_value(&self, text: &str, id: EnumId, span: Span, bare: bool) -> ExprError {
        let values = self.scope.enum_values(id);
        let searching = self.scope.may_suggest();
        let near_value = if searching {
            suggest(text, values.iter().map(String::as_str))
        } else {
            None
        };
        if searching && bare && near_value.is_none() {
            let names = self.scope.names();
            if let Some(name) = suggest(text, names.iter().map(String::as_str)) {
                return ExprError::new(span, format!("unknown name `{text}`"))
                    .with_help(format!("did you mean `{name}`?"));
            }
        }
        // A policy's enum may hold 100,000 values: name the first few only.
        let mut help = format!("allowed values: {}", crate::text::quote_list(values));
        if let Some(v) = near_value {
            help.push_str(&format!("; did you mean `{v}`?"));
        }
        ExprError::new(
            span,
            format!(
                "`{text}` is not an allowed value of `{}`",
                self.scope.enum_label(id)
            ),
        )
        .with_help(help)
    }

    #[cold]
    #[inline(never)]
    fn unknown_name(&self, name: &str, span: Span) -> ExprError {
        let err = ExprError::new(span, format!("unknown name `{name}`"));
        let names = if self.scope.may_suggest() {
            self.scope.names()
        } else {
            Vec::new()
        };
        if let Some(near) = suggest(name, names.iter().map(String::as_str)) {
            err.with_help(format!("did you mean `{near}`?"))
        } else if Builtin::from_name(name).is_some() {
            err.with_help(format!(
                "`{name}` is a function; call it like `{name}(...)`"
            ))
        } else {
            err
        }
    }

    #[cold]
    #[inline(never)]
    pub(super) fn mismatch(&self, want: Type, found: Type, span: Span) -> ExprError {
        ExprError::new(
            span,
            format!(
                "expected {}, found {}",
                describe_type(want, self.scope),
                describe_type(found, self.scope)
            ),
        )
    }

    #[cold]
    #[inline(never)]
    fn different_types(&self, want: Type, found: Type, span: Span, what: &str) -> ExprError {
        let help = match what {
            "if" => "both branches of `if` must have the same type".to_string(),
            op => format!("both sides of `{op}` must have the same type"),
        };
        self.mismatch(want, found, span).with_help(help)
    }
}

#[cold]
#[inline(never)]
fn string_not_allowed(span: Span) -> ExprError {
    ExprError::new(
        span,
        "a string is only allowed where an enum value is expected",
    )
    .with_help("compare it with an enum, e.g. `area == 'urban'`")
}

#[cold]
#[inline(never)]
fn number_as_enum_value(v: f64, span: Span) -> ExprError {
    ExprError::new(span, format!("`{v}` is a number here, not an enum value"))
        .with_help(format!("quote a value that starts with a digit: `'{v}'`"))
}

#[cold]
#[inline(never)]
fn bool_in_list(span: Span) -> ExprError {
    ExprError::new(span, "expected a number or an enum value, found a boolean")
        .with_help("`in` checks a number or an enum value against a list")
}

#[cold]
#[inline(never)]
fn arity(func: Builtin, found: usize, span: Span) -> ExprError {
    let message = func
        .check_arity(found)
        .err()
        .unwrap_or_else(|| format!("wrong arguments to `{}`", func.name()));
    ExprError::new(span, message)
}

/// The scale `10^digits` of `round(x, digits)`; `digits` must fold to a
/// whole constant from 0 to 15.
fn round_scale(digits: TypedExpr) -> Result<f64, ExprError> {
    let span = digits.span;
    match fold(digits).kind {
        TypedKind::Const(d) if d.fract() == 0.0 && (0.0..=15.0).contains(&d) => {
            Ok((0..d as u32).fold(1.0, |scale, _| scale * 10.0))
        }
        TypedKind::Const(_) => Err(ExprError::new(
            span,
            "the number of digits in `round` must be a whole number from 0 to 15",
        )),
        _ => Err(
            ExprError::new(span, "the number of digits in `round` must be a constant")
                .with_help("use a number such as `round(x, 2)`"),
        ),
    }
}

/// The error for a text input used other than in a text test.
#[cold]
#[inline(never)]
pub(super) fn text_only(name: &str, span: Span) -> ExprError {
    ExprError::new(
        span,
        format!("`{name}` is a text input: it can only be compared with quoted strings"),
    )
    .with_help(format!(
        "write `{name} == '…'`, `{name} in ['…', '…']` or `starts_with({name}, '…')`"
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::expr::parse;
    use crate::expr::test_scope::TestScope;

    fn check_src(src: &str, expected: Option<Type>) -> Result<TypedExpr, ExprError> {
        check(&parse(src).unwrap(), &TestScope::new(), expected)
    }

    fn ty(src: &str) -> Type {
        match check_src(src, None) {
            Ok(t) => t.ty,
            Err(e) => panic!("{src:?}: {e:?}"),
        }
    }

    /// (start, end, message, help) of the type error for `src`.
    fn err_with(src: &str, expected: Option<Type>) -> (usize, usize, String, Option<String>) {
        let e = check_src(src, expected).unwrap_err();
        (e.span.start, e.span.end, e.message, e.help)
    }

    fn err(src: &str) -> (usize, usize, String) {
        let (s, e, m, _) = err_with(src, None);
        (s, e, m)
    }

    #[test]
    fn types_of_expressions() {
        assert_eq!(ty("income / members"), Type::Number);
        assert_eq!(ty("income < 1000 and not employed"), Type::Bool);
        assert_eq!(ty("area"), Type::Enum(0));
        assert_eq!(ty("if employed then area else rural"), Type::Enum(0));
        assert_eq!(ty("if employed then 'rural' else area"), Type::Enum(0));
        assert_eq!(ty("area == urban"), Type::Bool);
        assert_eq!(ty("urban == area"), Type::Bool);
        assert_eq!(ty("'Urban' != area"), Type::Bool);
        assert_eq!(
            ty("area == (if employed then urban else 'rural')"),
            Type::Bool
        );
        assert_eq!(
            ty("(if employed then urban else 'rural') == area"),
            Type::Bool
        );
        assert_eq!(ty("tenure in [owner, 'renter']"), Type::Bool);
        assert_eq!(ty("members not in [1, 2, half * 2]"), Type::Bool);
        assert_eq!(ty("employed == true"), Type::Bool);
        assert_eq!(ty("round(income, 2) + clamp(1, 2, 3)"), Type::Number);
        assert_eq!(ty("round(income, 1 + 1)"), Type::Number);
    }

    #[test]
    fn expected_type_resolves_enum_values() {
        let t = check_src("if employed then urban else 'rural'", Some(Type::Enum(0))).unwrap();
        assert_eq!(t.ty, Type::Enum(0));
        let t = check_src("'rural'", Some(Type::Enum(0))).unwrap();
        assert_eq!(t.kind, TypedKind::Const(1.0));
        let t = check_src("OTHER", Some(Type::Enum(1))).unwrap();
        assert_eq!(t.kind, TypedKind::Const(2.0));
    }

    #[test]
    fn unknown_name_with_suggestion() {
        assert_eq!(
            err_with("income / membres", None),
            (
                9,
                16,
                "unknown name `membres`".into(),
                Some("did you mean `members`?".into())
            )
        );
        assert_eq!(
            err_with("zzz + 1", None),
            (0, 3, "unknown name `zzz`".into(), None)
        );
        assert_eq!(
            err_with("min + 1", None).3.as_deref(),
            Some("`min` is a function; call it like `min(...)`")
        );
        // In enum context, a word far from every value but near a name is a misspelt name.
        assert_eq!(
            err_with("area == tenur", None),
            (
                8,
                13,
                "unknown name `tenur`".into(),
                Some("did you mean `tenure`?".into())
            )
        );
    }

    #[test]
    fn bad_enum_value_with_suggestion() {
        assert_eq!(
            err_with("area == urbn", None),
            (
                8,
                12,
                "`urbn` is not an allowed value of `area`".into(),
                Some("allowed values: urban, rural; did you mean `urban`?".into())
            )
        );
        assert_eq!(
            err_with("area in [urban, 'rurl']", None),
            (
                16,
                22,
                "`rurl` is not an allowed value of `area`".into(),
                Some("allowed values: urban, rural; did you mean `rural`?".into())
            )
        );
        assert_eq!(
            err_with("'xyzzy' == area", None),
            (
                0,
                7,
                "`xyzzy` is not an allowed value of `area`".into(),
                Some("allowed values: urban, rural".into())
            )
        );
        assert_eq!(
            err("if employed then tenure else urban"),
            (29, 34, "`urban` is not an allowed value of `tenure`".into())
        );
    }

    #[test]
    fn type_mismatches() {
        assert_eq!(
            err("income + employed"),
            (9, 17, "expected a number, found a boolean".into())
        );
        assert_eq!(
            err("employed and income"),
            (13, 19, "expected a boolean, found a number".into())
        );
        assert_eq!(
            err("not (income + 1)"),
            (4, 16, "expected a boolean, found a number".into())
        );
        assert_eq!(
            err("-employed"),
            (1, 9, "expected a number, found a boolean".into())
        );
        assert_eq!(
            err_with("area < 1", None),
            (
                0,
                4,
                "expected a number, found a value of `area`".into(),
                Some("values of `area` can only be compared with `==`, `!=` or `in`".into())
            )
        );
        assert_eq!(
            err("income == employed"),
            (10, 18, "expected a number, found a boolean".into())
        );
        assert_eq!(
            err("area == tenure"),
            (
                8,
                14,
                "expected a value of `area`, found a value of `tenure`".into()
            )
        );
        assert_eq!(
            err("if income then 1 else 2"),
            (3, 9, "expected a boolean, found a number".into())
        );
        assert_eq!(
            err("if employed then 1 else false"),
            (24, 29, "expected a number, found a boolean".into())
        );
        assert_eq!(
            err("members in [1, employed]"),
            (15, 23, "expected a number, found a boolean".into())
        );
        assert_eq!(
            err("employed in [true]"),
            (
                0,
                8,
                "expected a number or an enum value, found a boolean".into()
            )
        );
        assert_eq!(
            err("min(1, employed)"),
            (7, 15, "expected a number, found a boolean".into())
        );
        assert_eq!(
            err("income == 'urban'"),
            (
                10,
                17,
                "a string is only allowed where an enum value is expected".into()
            )
        );
        assert_eq!(err("urban == rural"), (0, 5, "unknown name `urban`".into()));
    }

    #[test]
    fn expected_type_mismatch_spans_whole_expression() {
        assert_eq!(
            err_with("income + 1", Some(Type::Bool)),
            (0, 10, "expected a boolean, found a number".into(), None)
        );
        assert_eq!(
            err_with(" area ", Some(Type::Number)).2,
            "expected a number, found a value of `area`"
        );
    }

    #[test]
    fn round_digits_must_be_constant() {
        assert_eq!(
            err("round(income, members)"),
            (
                14,
                21,
                "the number of digits in `round` must be a constant".into()
            )
        );
        assert_eq!(
            err("round(income, 1.5)"),
            (
                14,
                17,
                "the number of digits in `round` must be a whole number from 0 to 15".into()
            )
        );
        assert_eq!(
            err("round(income, 16)").2,
            "the number of digits in `round` must be a whole number from 0 to 15"
        );
        assert_eq!(
            err("round(income, -1)").2,
            "the number of digits in `round` must be a whole number from 0 to 15"
        );
        assert!(check_src("round(income, 15)", None).is_ok());
    }
}
