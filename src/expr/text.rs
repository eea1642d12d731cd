//! Text tests: a `text` input compared with constant strings
//! (`region == '5201'`, `region in ['a', 'b']`, `starts_with(region, '52')`),
//! and `starts_with` on an enum value.
//!
//! Nothing about text is done per row by the expression: each distinct test
//! of a text input is registered with the scope at load and gets a bit of the
//! input's slot, which the row parser sets by comparing the cell's bytes with
//! the test's (no allocation, no lookup). The expression only tests bits
//! ([`UnaryOp::AnyBit`]): `region in ['a', 'b']` is one node.

use super::ast::{Expr, ExprKind};
use super::ops::{BinaryOp, UnaryOp};
use super::typeck::Checker;
use super::typed::{TypedExpr, TypedKind};
use super::{ExprError, Span, Type};

impl Checker<'_> {
    /// The name of the text input `e` is, if it is one.
    pub(super) fn text_name<'e>(&self, e: &'e Expr) -> Option<&'e str> {
        match e.kind() {
            ExprKind::Name(n) if self.scope.resolve(n).is_none() && self.scope.is_text(n) => {
                Some(n)
            }
            _ => None,
        }
    }

    /// `text == 'x'` or `'x' != text`, when one side is a text input.
    pub(super) fn text_equality(
        &self,
        eq: bool,
        a: &Expr,
        b: &Expr,
        span: Span,
    ) -> Option<Result<TypedExpr, ExprError>> {
        let (name, name_span, other) = match (self.text_name(a), self.text_name(b)) {
            (Some(n), _) => (n, a.span(), b),
            (None, Some(n)) => (n, b.span(), a),
            (None, None) => return None,
        };
        Some(
            self.text_mask(name, std::slice::from_ref(other), false)
                .map(|(slot, mask)| test_node(slot, mask, !eq, name_span, span)),
        )
    }

    /// `text in ['a', 'b']` / `text not in [..]`.
    pub(super) fn text_membership(
        &self,
        name: &str,
        name_span: Span,
        items: &[Expr],
        negated: bool,
        span: Span,
    ) -> Result<TypedExpr, ExprError> {
        let (slot, mask) = self.text_mask(name, items, false)?;
        Ok(test_node(slot, mask, negated, name_span, span))
    }

    /// `starts_with(text, 'prefix')`, or `starts_with(enum, 'prefix')`: the
    /// enum's values that start with the prefix, found at load.
    pub(super) fn starts_with(&self, args: &[Expr], span: Span) -> Result<TypedExpr, ExprError> {
        let [value, prefix] = args else {
            return Err(ExprError::new(span, "`starts_with` takes 2 arguments"));
        };
        if let Some(name) = self.text_name(value) {
            let (slot, mask) = self.text_mask(name, std::slice::from_ref(prefix), true)?;
            return Ok(test_node(slot, mask, false, value.span(), span));
        }
        let t = self.infer_any(value)?;
        let Type::Enum(id) = t.ty else {
            return Err(ExprError::new(
                value.span(),
                "`starts_with` tests a text input or an enum value",
            )
            .with_help("e.g. `starts_with(region, '52')`"));
        };
        let text = string_literal(prefix)?.to_ascii_lowercase();
        let items: Vec<TypedExpr> = self
            .scope
            .enum_values(id)
            .iter()
            .enumerate()
            .filter(|(_, v)| v.to_ascii_lowercase().starts_with(&text))
            .map(|(i, _)| TypedExpr::new(TypedKind::Const(i as f64), t.ty, prefix.span()))
            .collect();
        if items.is_empty() {
            // No value starts so: always false (an enum value is never undefined).
            return Ok(TypedExpr::new(TypedKind::Const(0.0), Type::Bool, span));
        }
        let kind = TypedKind::In {
            value: Box::new(t),
            items,
            tolerant: false,
        };
        Ok(TypedExpr::new(kind, Type::Bool, span))
    }

    /// `table[key]` / `table[key1][key2]`: each key a value of the enum the
    /// table is keyed by; the flat index is computed from the keys' value
    /// indices, and the lookup is one load per row.
    pub(super) fn lookup(
        &self,
        name: &str,
        name_span: Span,
        keys: &[Expr],
        span: Span,
    ) -> Result<TypedExpr, ExprError> {
        let Some(table) = self.scope.table(name) else {
            let message = match self.scope.resolve(name) {
                Some(_) => format!("`{name}` is not a table: only a table is followed by `[...]`"),
                None => format!("unknown table `{name}`"),
            };
            return Err(ExprError::new(name_span, message)
                .with_help("declare it in `[[tables]]`, keyed by one or two enum inputs"));
        };
        if keys.len() != table.keys.len() {
            return Err(ExprError::new(
                span,
                format!(
                    "table `{name}` takes {} key{}, found {}",
                    table.keys.len(),
                    if table.keys.len() == 1 { "" } else { "s" },
                    keys.len()
                ),
            ));
        }
        let mut index: Option<TypedExpr> = None;
        for (key, &id) in keys.iter().zip(&table.keys) {
            let k = self.infer_hinted(key, Type::Enum(id))?;
            if k.ty != Type::Enum(id) {
                return Err(self.mismatch(Type::Enum(id), k.ty, key.span()));
            }
            let size = self.scope.enum_values(id).len() as f64;
            index = Some(match index {
                None => k,
                Some(prev) => {
                    let scaled = TypedExpr::new(
                        TypedKind::Binary(
                            BinaryOp::Mul,
                            Box::new(prev),
                            Box::new(TypedExpr::new(TypedKind::Const(size), Type::Number, span)),
                        ),
                        Type::Number,
                        span,
                    );
                    TypedExpr::new(
                        TypedKind::Binary(BinaryOp::Add, Box::new(scaled), Box::new(k)),
                        Type::Number,
                        span,
                    )
                }
            });
        }
        let Some(index) = index else {
            return Err(ExprError::new(span, format!("table `{name}` needs a key")));
        };
        Ok(TypedExpr::new(
            TypedKind::Lookup(table.values, Box::new(index)),
            Type::Number,
            span,
        ))
    }

    /// Type `e` with no expectation.
    fn infer_any(&self, e: &Expr) -> Result<TypedExpr, ExprError> {
        self.infer_public(e)
    }

    /// The slot of text input `name` and the mask of the tests that `items`
    /// (each a quoted string) make of it.
    fn text_mask(
        &self,
        name: &str,
        items: &[Expr],
        prefix: bool,
    ) -> Result<(usize, u64), ExprError> {
        let mut slot = 0;
        let mut mask = 0u64;
        for item in items {
            let text = string_literal(item)?;
            let (s, bit) = self
                .scope
                .text_test(name, text, prefix)
                .map_err(|m| ExprError::new(item.span(), m))?;
            slot = s;
            mask |= 1u64 << bit;
        }
        Ok((slot, mask))
    }
}

/// The text of a quoted string, or the error for anything else.
fn string_literal(e: &Expr) -> Result<&str, ExprError> {
    match e.kind() {
        ExprKind::Str(s) => Ok(s),
        _ => Err(ExprError::new(
            e.span(),
            "a text input is compared with quoted strings only",
        )
        .with_help("quote the text, e.g. `region == '5201'` or `starts_with(region, '52')`")),
    }
}

/// The test "any bit of `mask` is set in `slot`", negated when `negate`.
fn test_node(slot: usize, mask: u64, negate: bool, name_span: Span, span: Span) -> TypedExpr {
    let bits = TypedExpr::new(TypedKind::Slot(slot), Type::Number, name_span);
    let test = TypedExpr::new(
        TypedKind::Unary(UnaryOp::AnyBit(mask), Box::new(bits)),
        Type::Bool,
        span,
    );
    if negate {
        TypedExpr::new(
            TypedKind::Unary(UnaryOp::Not, Box::new(test)),
            Type::Bool,
            span,
        )
    } else {
        test
    }
}
