//! The syntax tree produced by the parser. Every node carries its source span so
//! that later passes (type checking, compilation) can point at the exact operand.

use std::fmt;

use super::Span;

/// A parsed expression: a node and the source range it covers.
///
/// Only [`super::parse`] builds these, which guarantees the tree is at most
/// `MAX_DEPTH` deep, so the recursive passes over it cannot overflow the stack.
#[derive(Clone, Debug, PartialEq)]
pub struct Expr {
    kind: ExprKind,
    span: Span,
}

/// The shape of one syntax-tree node.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum ExprKind {
    /// A number literal.
    Number(f64),
    /// `true` or `false`.
    Bool(bool),
    /// A quoted string (without its quotes); only meaningful as an enum value.
    Str(String),
    /// An identifier in value position: an input, a parameter, a derived value,
    /// or a bare enum value.
    Name(String),
    /// A prefix operator.
    Unary(UnOp, Box<Expr>),
    /// An infix operator.
    Binary(BinOp, Box<Expr>, Box<Expr>),
    /// `value in [items]`, or `value not in [items]` when `negated`.
    In {
        value: Box<Expr>,
        items: Vec<Expr>,
        negated: bool,
    },
    /// `if cond then then_branch else else_branch`.
    If {
        cond: Box<Expr>,
        then_branch: Box<Expr>,
        else_branch: Box<Expr>,
    },
    /// A table lookup `table[key]` or `table[key1][key2]`.
    Index {
        table: String,
        table_span: Span,
        keys: Vec<Expr>,
    },
    /// A call of a built-in function; `func_span` is the span of its name.
    Call {
        func: Builtin,
        func_span: Span,
        args: Vec<Expr>,
    },
}

/// Prefix operators.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum UnOp {
    /// Arithmetic negation `-x`.
    Neg,
    /// Logical negation `not x`.
    Not,
}

/// Infix operators (except `in`, which has its own node).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum BinOp {
    Add,
    Sub,
    Mul,
    Div,
    /// `a ^ b` (also `pow(a, b)`).
    Pow,
    /// `a % b`, the remainder with the sign of `b`.
    Mod,
    Lt,
    Le,
    Gt,
    Ge,
    Eq,
    Ne,
    And,
    Or,
}

/// The built-in functions.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Builtin {
    Min,
    Max,
    Clamp,
    Round,
    Floor,
    Ceil,
    Abs,
    Ln,
    Exp,
    Sqrt,
    Pow,
    StartsWith,
    MonthsBetween,
    YearsBetween,
}

impl Expr {
    pub(crate) fn new(kind: ExprKind, span: Span) -> Expr {
        Expr { kind, span }
    }

    /// The node's shape.
    pub(crate) fn kind(&self) -> &ExprKind {
        &self.kind
    }

    /// The source range this expression covers (parentheses around it included).
    pub fn span(&self) -> Span {
        self.span
    }

    pub(crate) fn set_span(&mut self, span: Span) {
        self.span = span;
    }

    /// Every identifier in value position (not function names), in source order,
    /// duplicates included. Used to find dependencies between definitions before
    /// compiling; it may include bare enum values, which callers can ignore.
    pub fn names(&self) -> Vec<(&str, Span)> {
        let mut out = Vec::new();
        self.collect_names(&mut out);
        out
    }

    fn collect_names<'a>(&'a self, out: &mut Vec<(&'a str, Span)>) {
        match &self.kind {
            ExprKind::Number(_) | ExprKind::Bool(_) | ExprKind::Str(_) => {}
            ExprKind::Name(name) => out.push((name, self.span)),
            ExprKind::Unary(_, e) => e.collect_names(out),
            ExprKind::Binary(_, a, b) => {
                a.collect_names(out);
                b.collect_names(out);
            }
            ExprKind::In { value, items, .. } => {
                value.collect_names(out);
                items.iter().for_each(|e| e.collect_names(out));
            }
            ExprKind::If {
                cond,
                then_branch,
                else_branch,
            } => {
                cond.collect_names(out);
                then_branch.collect_names(out);
                else_branch.collect_names(out);
            }
            ExprKind::Call { args, .. } => args.iter().for_each(|e| e.collect_names(out)),
            ExprKind::Index {
                table,
                table_span,
                keys,
            } => {
                out.push((table, *table_span));
                keys.iter().for_each(|e| e.collect_names(out));
            }
        }
    }
}

impl UnOp {
    /// The operator as written in source.
    pub(crate) fn symbol(self) -> &'static str {
        match self {
            UnOp::Neg => "-",
            UnOp::Not => "not",
        }
    }
}

impl BinOp {
    /// The operator as written in source.
    pub(crate) fn symbol(self) -> &'static str {
        match self {
            BinOp::Add => "+",
            BinOp::Sub => "-",
            BinOp::Mul => "*",
            BinOp::Div => "/",
            BinOp::Pow => "^",
            BinOp::Mod => "%",
            BinOp::Lt => "<",
            BinOp::Le => "<=",
            BinOp::Gt => ">",
            BinOp::Ge => ">=",
            BinOp::Eq => "==",
            BinOp::Ne => "!=",
            BinOp::And => "and",
            BinOp::Or => "or",
        }
    }
}

impl Builtin {
    /// All built-ins, for lookups and "did you mean" suggestions.
    pub(crate) const ALL: [Builtin; 14] = [
        Builtin::Min,
        Builtin::Max,
        Builtin::Clamp,
        Builtin::Round,
        Builtin::Floor,
        Builtin::Ceil,
        Builtin::Abs,
        Builtin::Ln,
        Builtin::Exp,
        Builtin::Sqrt,
        Builtin::Pow,
        Builtin::StartsWith,
        Builtin::MonthsBetween,
        Builtin::YearsBetween,
    ];

    /// The function's name as written in source.
    pub(crate) fn name(self) -> &'static str {
        match self {
            Builtin::Min => "min",
            Builtin::Max => "max",
            Builtin::Clamp => "clamp",
            Builtin::Round => "round",
            Builtin::Floor => "floor",
            Builtin::Ceil => "ceil",
            Builtin::Abs => "abs",
            Builtin::Ln => "ln",
            Builtin::Exp => "exp",
            Builtin::Sqrt => "sqrt",
            Builtin::Pow => "pow",
            Builtin::StartsWith => "starts_with",
            Builtin::MonthsBetween => "months_between",
            Builtin::YearsBetween => "years_between",
        }
    }

    /// The built-in called `name`, if any.
    pub(crate) fn from_name(name: &str) -> Option<Builtin> {
        Builtin::ALL.into_iter().find(|b| b.name() == name)
    }

    /// Check the argument count, returning the error message when it is wrong.
    pub(crate) fn check_arity(self, found: usize) -> Result<(), String> {
        let (ok, wanted) = match self {
            Builtin::Min | Builtin::Max => (found >= 2, "at least 2 arguments"),
            Builtin::Clamp => (found == 3, "3 arguments"),
            Builtin::Pow | Builtin::StartsWith | Builtin::MonthsBetween | Builtin::YearsBetween => {
                (found == 2, "2 arguments")
            }
            Builtin::Round => (found == 1 || found == 2, "1 or 2 arguments"),
            Builtin::Floor
            | Builtin::Ceil
            | Builtin::Abs
            | Builtin::Ln
            | Builtin::Exp
            | Builtin::Sqrt => (found == 1, "1 argument"),
        };
        if ok {
            Ok(())
        } else {
            Err(format!("`{}` takes {wanted}, found {found}", self.name()))
        }
    }
}

/// Prints the tree as an S-expression, e.g. `(+ 1 (* 2 x))`, `(if c a b)`,
/// `(in x [a b])`, `(call min a b)`; used to test precedence.
impl fmt::Display for Expr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.kind {
            ExprKind::Number(v) => write!(f, "{v}"),
            ExprKind::Bool(b) => write!(f, "{b}"),
            ExprKind::Str(s) => write!(f, "'{s}'"),
            ExprKind::Name(n) => write!(f, "{n}"),
            ExprKind::Unary(op, e) => write!(f, "({} {e})", op.symbol()),
            ExprKind::Binary(op, a, b) => write!(f, "({} {a} {b})", op.symbol()),
            ExprKind::In {
                value,
                items,
                negated,
            } => {
                let op = if *negated { "not-in" } else { "in" };
                write!(f, "({op} {value} [")?;
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        f.write_str(" ")?;
                    }
                    write!(f, "{item}")?;
                }
                f.write_str("])")
            }
            ExprKind::If {
                cond,
                then_branch,
                else_branch,
            } => write!(f, "(if {cond} {then_branch} {else_branch})"),
            ExprKind::Index { table, keys, .. } => {
                write!(f, "(index {table}")?;
                for key in keys {
                    write!(f, " {key}")?;
                }
                f.write_str(")")
            }
            ExprKind::Call { func, args, .. } => {
                write!(f, "(call {}", func.name())?;
                for arg in args {
                    write!(f, " {arg}")?;
                }
                f.write_str(")")
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::expr::parse;

    #[test]
    fn names_in_source_order() {
        let e = parse("min(a, b) + (if c then a else 'x') + area in [urban, d]").unwrap();
        let names: Vec<_> = e.names().into_iter().map(|(n, _)| n).collect();
        assert_eq!(names, ["a", "b", "c", "a", "area", "urban", "d"]);
        let e = parse("income / membres").unwrap();
        assert_eq!(
            e.names(),
            vec![("income", Span::new(0, 6)), ("membres", Span::new(9, 16))]
        );
    }

    #[test]
    fn display_literals() {
        assert_eq!(parse("2_000_000").unwrap().to_string(), "2000000");
        assert_eq!(parse("1.5").unwrap().to_string(), "1.5");
        assert_eq!(parse("\"urban\"").unwrap().to_string(), "'urban'");
        assert_eq!(parse("true").unwrap().to_string(), "true");
    }

    #[test]
    fn arity_messages() {
        assert_eq!(
            Builtin::Clamp.check_arity(2),
            Err("`clamp` takes 3 arguments, found 2".to_string())
        );
        assert!(Builtin::Round.check_arity(2).is_ok());
        assert_eq!(Builtin::from_name("ceil"), Some(Builtin::Ceil));
        assert_eq!(Builtin::from_name("sqrt"), Some(Builtin::Sqrt));
        assert_eq!(Builtin::from_name("log"), None);
    }
}
