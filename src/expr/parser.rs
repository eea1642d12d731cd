//! A Pratt parser (in the style of matklad's "minipratt"): one loop driven by
//! binding-power tables, with spans on every node and errors instead of panics.
//!
//! Precedence, loosest first: `if/then/else`, `or`, `and`, prefix `not`,
//! comparisons and `in` (non-associative), `+ -`, `* / %`, prefix `-`, `^`
//! (right-associative, so `-2^2` is `-(2^2)` and `2^3^2` is `2^(3^2)`), calls and atoms.

use super::ast::{BinOp, Builtin, Expr, ExprKind, UnOp};
use super::lexer::{Token, TokenKind, tokenize};
use super::{ExprError, MAX_DEPTH, Span, suggest};

/// Right binding power of prefix `not`: it takes a whole comparison, so
/// `not a == b` is `not (a == b)`, but stops before `and`/`or`.
const NOT_BP: u8 = 5;
/// Right binding power of prefix `-`: tighter than any infix operator.
const NEG_BP: u8 = 13;

/// An infix operator as seen by the Pratt loop.
#[derive(Clone, Copy)]
enum Infix {
    Bin(BinOp),
    /// `in`, or `not in` when true.
    In(bool),
}

impl Infix {
    /// (left, right) binding power; left < right makes the operator left-associative.
    fn binding_power(self) -> (u8, u8) {
        match self {
            Infix::Bin(BinOp::Or) => (1, 2),
            Infix::Bin(BinOp::And) => (3, 4),
            Infix::Bin(BinOp::Lt | BinOp::Le | BinOp::Gt | BinOp::Ge | BinOp::Eq | BinOp::Ne)
            | Infix::In(_) => (7, 8),
            Infix::Bin(BinOp::Add | BinOp::Sub) => (9, 10),
            Infix::Bin(BinOp::Mul | BinOp::Div | BinOp::Mod) => (11, 12),
            // Right-associative (left > right) and above prefix `-` (NEG_BP).
            Infix::Bin(BinOp::Pow) => (16, 15),
        }
    }

    /// Comparisons do not chain: `a < b < c` is an error.
    fn is_comparison(self) -> bool {
        self.binding_power().0 == 7
    }
}

/// Parse a whole expression; everything in `src` must be consumed.
pub(crate) fn parse(src: &str) -> Result<Expr, ExprError> {
    let tokens = tokenize(src)?;
    if tokens.len() <= 1 {
        return Err(ExprError::new(Span::new(0, src.len()), "empty expression")
            .with_help("write an expression, e.g. `income / members < 1000`"));
    }
    let mut parser = Parser {
        src,
        tokens,
        pos: 0,
        nesting: 0,
    };
    let (expr, _) = parser.expr_bp(0)?;
    let tok = parser.peek();
    match tok.kind {
        TokenKind::Eof => Ok(expr),
        TokenKind::RParen => Err(ExprError::new(tok.span, "unmatched `)`")
            .with_help("remove it, or add the `(` it closes")),
        _ => Err(ExprError::new(
            tok.span,
            format!(
                "expected an operator or the end of the expression, found {}",
                parser.describe(tok)
            ),
        )),
    }
}

struct Parser<'s> {
    src: &'s str,
    tokens: Vec<Token>,
    pos: usize,
    /// Current recursion depth of `expr_bp`, bounded by `MAX_DEPTH`.
    nesting: usize,
}

/// A parsed node and the depth of its tree (a leaf has depth 1).
type Parsed = (Expr, usize);

// The recursive methods below are kept small, with errors built in separate
// cold functions: unoptimised builds give every temporary its own stack slot,
// and the recursion must fit `MAX_DEPTH` levels in a 2 MiB thread stack.
impl Parser<'_> {
    fn peek_at(&self, ahead: usize) -> Token {
        let end = Token {
            kind: TokenKind::Eof,
            span: Span::new(self.src.len(), self.src.len()),
        };
        self.tokens.get(self.pos + ahead).copied().unwrap_or(end)
    }

    fn peek(&self) -> Token {
        self.peek_at(0)
    }

    fn bump(&mut self) -> Token {
        let tok = self.peek();
        if tok.kind != TokenKind::Eof {
            self.pos += 1;
        }
        tok
    }

    fn text(&self, span: Span) -> &str {
        self.src.get(span.start..span.end).unwrap_or("")
    }

    /// How a token is named in messages: "`x`" or "end of expression".
    fn describe(&self, tok: Token) -> String {
        match tok.kind {
            TokenKind::Eof => "end of expression".to_string(),
            _ => format!("`{}`", self.text(tok.span)),
        }
    }

    /// An error "expected {what}, found {tok}" at `tok`.
    #[cold]
    #[inline(never)]
    fn expected(&self, what: &str, tok: Token) -> ExprError {
        ExprError::new(
            tok.span,
            format!("expected {what}, found {}", self.describe(tok)),
        )
    }

    fn expect(&mut self, kind: TokenKind, what: &str) -> Result<Token, ExprError> {
        let tok = self.peek();
        if tok.kind == kind {
            self.bump();
            Ok(tok)
        } else {
            Err(self.expected(what, tok))
        }
    }

    /// Parse an expression whose infix operators all bind at least `min_bp`.
    fn expr_bp(&mut self, min_bp: u8) -> Result<Parsed, ExprError> {
        if self.nesting >= MAX_DEPTH {
            return Err(too_deep(self.peek().span));
        }
        self.nesting += 1;
        let result = self.expr_bp_inner(min_bp);
        self.nesting -= 1;
        result
    }

    fn expr_bp_inner(&mut self, min_bp: u8) -> Result<Parsed, ExprError> {
        let mut lhs = self.prefix()?;
        let mut lhs_is_comparison = false;
        while let Some(op) = self.infix() {
            let (l_bp, r_bp) = op.binding_power();
            if l_bp < min_bp {
                break;
            }
            let mut op_span = self.bump().span;
            if let Infix::In(true) = op {
                op_span = op_span.to(self.bump().span);
            }
            if op.is_comparison() && lhs_is_comparison {
                return Err(chained(op_span));
            }
            lhs = match op {
                Infix::Bin(bin) => self.binary(bin, lhs, r_bp)?,
                Infix::In(negated) => self.in_list(lhs, negated)?,
            };
            lhs_is_comparison = op.is_comparison();
        }
        Ok(lhs)
    }

    /// The infix operator at the current token, if it is one.
    fn infix(&self) -> Option<Infix> {
        Some(match self.peek().kind {
            TokenKind::Or => Infix::Bin(BinOp::Or),
            TokenKind::And => Infix::Bin(BinOp::And),
            TokenKind::Lt => Infix::Bin(BinOp::Lt),
            TokenKind::Le => Infix::Bin(BinOp::Le),
            TokenKind::Gt => Infix::Bin(BinOp::Gt),
            TokenKind::Ge => Infix::Bin(BinOp::Ge),
            TokenKind::EqEq => Infix::Bin(BinOp::Eq),
            TokenKind::Ne => Infix::Bin(BinOp::Ne),
            TokenKind::Plus => Infix::Bin(BinOp::Add),
            TokenKind::Minus => Infix::Bin(BinOp::Sub),
            TokenKind::Star => Infix::Bin(BinOp::Mul),
            TokenKind::Slash => Infix::Bin(BinOp::Div),
            TokenKind::Percent => Infix::Bin(BinOp::Mod),
            TokenKind::Caret => Infix::Bin(BinOp::Pow),
            TokenKind::In => Infix::In(false),
            TokenKind::Not if self.peek_at(1).kind == TokenKind::In => Infix::In(true),
            _ => return None,
        })
    }

    /// The right operand of `bin` (already consumed) and the node joining them.
    fn binary(&mut self, bin: BinOp, lhs: Parsed, r_bp: u8) -> Result<Parsed, ExprError> {
        let rhs = self.expr_bp(r_bp)?;
        let span = lhs.0.span().to(rhs.0.span());
        let kind = ExprKind::Binary(bin, Box::new(lhs.0), Box::new(rhs.0));
        node(kind, span, lhs.1.max(rhs.1))
    }

    /// The `[items]` after `in` / `not in` (already consumed).
    fn in_list(&mut self, lhs: Parsed, negated: bool) -> Result<Parsed, ExprError> {
        let open = self.peek();
        if open.kind != TokenKind::LBracket {
            return Err(self
                .expected("`[` after `in`", open)
                .with_help("write the values as a list, e.g. `area in [urban, rural]`"));
        }
        self.bump();
        let (items, items_depth, close) =
            self.list(open, TokenKind::RBracket, "]", "unclosed bracket")?;
        if items.is_empty() {
            return Err(empty_list(open.span.to(close)));
        }
        let span = lhs.0.span().to(close);
        let kind = ExprKind::In {
            value: Box::new(lhs.0),
            items,
            negated,
        };
        node(kind, span, lhs.1.max(items_depth))
    }

    /// Atoms and prefix forms: literals, names, calls, `( )`, `-`, `not`, `if`.
    fn prefix(&mut self) -> Result<Parsed, ExprError> {
        let tok = self.bump();
        match tok.kind {
            TokenKind::LParen => self.paren(tok),
            TokenKind::Minus => self.unary(tok, UnOp::Neg, NEG_BP),
            TokenKind::Not => self.unary(tok, UnOp::Not, NOT_BP),
            TokenKind::If => self.if_else(tok),
            TokenKind::Ident if self.peek().kind == TokenKind::LParen => self.call(tok),
            TokenKind::Ident if self.peek().kind == TokenKind::LBracket => self.index(tok),
            _ => self.atom(tok),
        }
    }

    /// A token that is an expression on its own, or the error for one that is not.
    fn atom(&self, tok: Token) -> Result<Parsed, ExprError> {
        let kind = match tok.kind {
            TokenKind::Number(v) => ExprKind::Number(v),
            TokenKind::True => ExprKind::Bool(true),
            TokenKind::False => ExprKind::Bool(false),
            TokenKind::Str => {
                let text = self.text(tok.span);
                let inner = text.get(1..text.len().saturating_sub(1)).unwrap_or("");
                ExprKind::Str(inner.to_string())
            }
            TokenKind::Ident => ExprKind::Name(self.text(tok.span).to_string()),
            TokenKind::LBracket => {
                return Err(ExprError::new(
                    tok.span,
                    "a list `[...]` is only allowed after `in`",
                ));
            }
            TokenKind::Eof => {
                return Err(ExprError::new(tok.span, "unexpected end of expression"));
            }
            _ => return Err(self.expected("an expression", tok)),
        };
        Ok((Expr::new(kind, tok.span), 1))
    }

    /// `( expr )`, with `(` consumed; the span grows to include the parentheses.
    fn paren(&mut self, open: Token) -> Result<Parsed, ExprError> {
        let (mut inner, depth) = self.expr_bp(0)?;
        let close = self.peek();
        match close.kind {
            TokenKind::RParen => {
                self.bump();
                inner.set_span(open.span.to(close.span));
                Ok((inner, depth))
            }
            TokenKind::Eof => Err(unclosed(open.span, "unclosed parenthesis", ")")),
            _ => Err(self.expected("an operator or `)`", close)),
        }
    }

    /// A prefix operator (consumed as `tok`) and its operand.
    fn unary(&mut self, tok: Token, op: UnOp, bp: u8) -> Result<Parsed, ExprError> {
        let (operand, depth) = self.expr_bp(bp)?;
        let span = tok.span.to(operand.span());
        node(ExprKind::Unary(op, Box::new(operand)), span, depth)
    }

    /// `if c then a else b`, with `if` consumed as `tok`.
    fn if_else(&mut self, tok: Token) -> Result<Parsed, ExprError> {
        let cond = self.expr_bp(0)?;
        self.expect(TokenKind::Then, "`then`")?;
        let then_branch = self.expr_bp(0)?;
        if let Err(e) = self.expect(TokenKind::Else, "`else`") {
            return Err(e.with_help("every `if` needs an `else`: `if c then a else b`"));
        }
        let else_branch = self.expr_bp(0)?;
        let span = tok.span.to(else_branch.0.span());
        let depth = cond.1.max(then_branch.1).max(else_branch.1);
        let kind = ExprKind::If {
            cond: Box::new(cond.0),
            then_branch: Box::new(then_branch.0),
            else_branch: Box::new(else_branch.0),
        };
        node(kind, span, depth)
    }

    /// A table lookup `name[key]` or `name[key1][key2]`; `name` has been
    /// consumed and `[` is next.
    fn index(&mut self, name: Token) -> Result<Parsed, ExprError> {
        let mut keys = Vec::new();
        let mut depth = 1;
        let mut end = name.span;
        while self.peek().kind == TokenKind::LBracket {
            let open = self.bump();
            let (key, key_depth) = self.expr_bp(0)?;
            let close = self.peek();
            if close.kind != TokenKind::RBracket {
                return Err(match close.kind {
                    TokenKind::Eof => unclosed(open.span, "unclosed bracket", "]"),
                    _ => self.expected("`]`", close),
                });
            }
            self.bump();
            end = close.span;
            depth = depth.max(key_depth);
            keys.push(key);
        }
        let kind = ExprKind::Index {
            table: self.text(name.span).to_string(),
            table_span: name.span,
            keys,
        };
        node(kind, name.span.to(end), depth)
    }

    /// A call `name(args)`; `name` has been consumed and `(` is next.
    fn call(&mut self, name: Token) -> Result<Parsed, ExprError> {
        let Some(func) = Builtin::from_name(self.text(name.span)) else {
            return Err(unknown_function(self.text(name.span), name.span));
        };
        let open = self.bump();
        let (args, depth, close) =
            self.list(open, TokenKind::RParen, ")", "unclosed parenthesis")?;
        let span = name.span.to(close);
        if let Err(message) = func.check_arity(args.len()) {
            return Err(ExprError::new(span, message));
        }
        let kind = ExprKind::Call {
            func,
            func_span: name.span,
            args,
        };
        node(kind, span, depth)
    }

    /// Comma-separated expressions up to `close` (a trailing comma is allowed);
    /// the opening token has been consumed. Returns the items, their greatest
    /// depth and the span of the closing token.
    fn list(
        &mut self,
        open: Token,
        close: TokenKind,
        close_text: &str,
        unclosed_message: &str,
    ) -> Result<(Vec<Expr>, usize, Span), ExprError> {
        let mut items = Vec::new();
        let mut depth = 0;
        loop {
            let tok = self.peek();
            if tok.kind == close {
                self.bump();
                return Ok((items, depth, tok.span));
            }
            if tok.kind == TokenKind::Eof {
                return Err(unclosed(open.span, unclosed_message, close_text));
            }
            let (item, item_depth) = self.expr_bp(0)?;
            items.push(item);
            depth = depth.max(item_depth);
            let tok = self.peek();
            if tok.kind == TokenKind::Comma {
                self.bump();
            } else if tok.kind == TokenKind::Eof {
                return Err(unclosed(open.span, unclosed_message, close_text));
            } else if tok.kind != close {
                return Err(self.expected(&format!("`,` or `{close_text}`"), tok));
            }
        }
    }
}

/// Build a node whose deepest child has depth `child_depth`, refusing trees
/// deeper than `MAX_DEPTH` (long operator chains are deep without recursion here).
fn node(kind: ExprKind, span: Span, child_depth: usize) -> Result<Parsed, ExprError> {
    let depth = child_depth + 1;
    if depth > MAX_DEPTH {
        return Err(too_deep(span));
    }
    Ok((Expr::new(kind, span), depth))
}

#[cold]
#[inline(never)]
fn too_deep(span: Span) -> ExprError {
    ExprError::new(span, "expression nested too deeply").with_help(format!(
        "split it into smaller named parts (at most {MAX_DEPTH} levels)"
    ))
}

#[cold]
#[inline(never)]
fn unclosed(open: Span, message: &str, close_text: &str) -> ExprError {
    ExprError::new(open, message).with_help(format!("add the missing `{close_text}`"))
}

#[cold]
#[inline(never)]
fn chained(op_span: Span) -> ExprError {
    ExprError::new(op_span, "comparison operators cannot be chained")
        .with_help("combine two comparisons with `and`, e.g. `a < b and b < c`")
}

#[cold]
#[inline(never)]
fn empty_list(span: Span) -> ExprError {
    ExprError::new(span, "empty list after `in`").with_help("list at least one value")
}

#[cold]
#[inline(never)]
fn unknown_function(name: &str, span: Span) -> ExprError {
    // The logarithm's other spellings: the language has the natural one only.
    let alias = match name {
        "log" | "log_e" | "loge" => Some("ln"),
        "power" => Some("pow"),
        _ => None,
    };
    let message = match alias.or_else(|| suggest(name, Builtin::ALL.map(Builtin::name))) {
        Some(s) => format!("unknown function `{name}`; did you mean `{s}`?"),
        None => format!("unknown function `{name}`"),
    };
    let all = Builtin::ALL.map(Builtin::name).join(", ");
    ExprError::new(span, message).with_help(format!("available functions: {all}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sexp(src: &str) -> String {
        match parse(src) {
            Ok(e) => e.to_string(),
            Err(e) => panic!("{src:?}: {e:?}"),
        }
    }

    /// (start, end, message) of the error for `src`.
    fn err(src: &str) -> (usize, usize, String) {
        let e = parse(src).unwrap_err();
        (e.span.start, e.span.end, e.message)
    }

    #[test]
    fn precedence_and_associativity() {
        assert_eq!(sexp("1 + 2 * 3"), "(+ 1 (* 2 3))");
        assert_eq!(sexp("(1 + 2) * 3"), "(* (+ 1 2) 3)");
        assert_eq!(sexp("a - b - c"), "(- (- a b) c)");
        assert_eq!(sexp("a / b / c"), "(/ (/ a b) c)");
        assert_eq!(sexp("a / b * c"), "(* (/ a b) c)");
        assert_eq!(sexp("a or b or c"), "(or (or a b) c)");
        assert_eq!(sexp("a or b and c"), "(or a (and b c))");
        assert_eq!(sexp("a and b or c and d"), "(or (and a b) (and c d))");
        assert_eq!(sexp("not a and b"), "(and (not a) b)");
        assert_eq!(sexp("not a == b"), "(not (== a b))");
        assert_eq!(sexp("not not a"), "(not (not a))");
        assert_eq!(sexp("a + b < c * d"), "(< (+ a b) (* c d))");
        assert_eq!(sexp("a < b and b <= c"), "(and (< a b) (<= b c))");
        assert_eq!(
            sexp("a >= 1 or a > 2 or a != 3"),
            "(or (or (>= a 1) (> a 2)) (!= a 3))"
        );
    }

    #[test]
    fn unary_minus() {
        assert_eq!(sexp("-x"), "(- x)");
        assert_eq!(sexp("-x * y"), "(* (- x) y)");
        assert_eq!(sexp("a - -b"), "(- a (- b))");
        assert_eq!(sexp("--2"), "(- (- 2))");
        assert_eq!(sexp("-min(a, b)"), "(- (call min a b))");
    }

    #[test]
    fn power_and_remainder() {
        // `^` binds tighter than prefix `-` (as in maths) and to the right.
        assert_eq!(sexp("-2^2"), "(- (^ 2 2))");
        assert_eq!(sexp("2^3^2"), "(^ 2 (^ 3 2))");
        assert_eq!(sexp("2^-x"), "(^ 2 (- x))");
        assert_eq!(sexp("a * b ^ c"), "(* a (^ b c))");
        assert_eq!(sexp("(a * b) ^ c"), "(^ (* a b) c)");
        // `%` is a multiplicative operator, left-associative.
        assert_eq!(sexp("a % b * c"), "(* (% a b) c)");
        assert_eq!(sexp("a + b % c"), "(+ a (% b c))");
        assert_eq!(sexp("a % b % c"), "(% (% a b) c)");
        assert_eq!(sexp("ln(x) + exp(y)"), "(+ (call ln x) (call exp y))");
        assert_eq!(sexp("sqrt(pow(a, 2))"), "(call sqrt (call pow a 2))");
        assert_eq!(sexp("t[a][b + 1] * 2"), "(* (index t a (+ b 1)) 2)");
        assert_eq!(sexp("-t[a]"), "(- (index t a))");
        assert_eq!(sexp("x in [t[a], 2]"), "(in x [(index t a) 2])");
    }

    #[test]
    fn if_then_else() {
        assert_eq!(sexp("if c then a else b"), "(if c a b)");
        assert_eq!(
            sexp("if a then b else if c then d else e"),
            "(if a b (if c d e))"
        );
        assert_eq!(
            sexp("if a then if b then 1 else 2 else 3"),
            "(if a (if b 1 2) 3)"
        );
        assert_eq!(sexp("if c then 1 else 2 + 3"), "(if c 1 (+ 2 3))");
        assert_eq!(sexp("(if c then 1 else 2) + 3"), "(+ (if c 1 2) 3)");
        assert_eq!(sexp("1 + if c then 1 else 2"), "(+ 1 (if c 1 2))");
        assert_eq!(
            sexp("if x > 1 and y then a * 2 else b or c"),
            "(if (and (> x 1) y) (* a 2) (or b c))"
        );
    }

    #[test]
    fn in_lists() {
        assert_eq!(sexp("x in [a, b]"), "(in x [a b])");
        assert_eq!(sexp("x in ['a', \"b\",]"), "(in x ['a' 'b'])");
        assert_eq!(sexp("x not in [1]"), "(not-in x [1])");
        assert_eq!(sexp("x + 1 in [2, 3] and y"), "(and (in (+ x 1) [2 3]) y)");
        assert_eq!(sexp("not x in [a]"), "(not (in x [a]))");
        assert_eq!(sexp("x in [a + 1, -b]"), "(in x [(+ a 1) (- b)])");
    }

    #[test]
    fn calls() {
        assert_eq!(sexp("min(a, b, c)"), "(call min a b c)");
        assert_eq!(sexp("max(1, 2,)"), "(call max 1 2)");
        assert_eq!(sexp("clamp(x, 0, 1)"), "(call clamp x 0 1)");
        assert_eq!(sexp("round(x / 3, 2)"), "(call round (/ x 3) 2)");
        assert_eq!(
            sexp("floor(x) + ceil(y) * abs(z)"),
            "(+ (call floor x) (* (call ceil y) (call abs z)))"
        );
        assert_eq!(sexp("min"), "min");
    }

    #[test]
    fn spans() {
        let e = parse("  a + (b * c) ").unwrap();
        assert_eq!(e.span(), Span::new(2, 13));
        let ExprKind::Binary(_, _, rhs) = e.kind() else {
            panic!("not binary")
        };
        assert_eq!(rhs.span(), Span::new(6, 13));
        assert_eq!(parse("x not in [1, 2]").unwrap().span(), Span::new(0, 15));
        assert_eq!(
            parse("if a then b else c").unwrap().span(),
            Span::new(0, 18)
        );
        assert_eq!(parse("-min(a, b)").unwrap().span(), Span::new(0, 10));
    }

    #[test]
    fn errors_for_empty_and_unfinished_expressions() {
        assert_eq!(err(""), (0, 0, "empty expression".into()));
        assert_eq!(err("   "), (0, 3, "empty expression".into()));
        assert_eq!(err("1 +"), (3, 3, "unexpected end of expression".into()));
        assert_eq!(err("(1 + 2"), (0, 1, "unclosed parenthesis".into()));
        assert_eq!(err("min(a, b"), (3, 4, "unclosed parenthesis".into()));
        assert_eq!(err("x in [a, b"), (5, 6, "unclosed bracket".into()));
        assert_eq!(err("(1 + 2))"), (7, 8, "unmatched `)`".into()));
    }

    #[test]
    fn errors_for_a_token_out_of_place() {
        assert_eq!(
            err("1 + )"),
            (4, 5, "expected an expression, found `)`".into())
        );
        assert_eq!(
            err("a b"),
            (
                2,
                3,
                "expected an operator or the end of the expression, found `b`".into()
            )
        );
        assert_eq!(
            err("(a b)"),
            (3, 4, "expected an operator or `)`, found `b`".into())
        );
        assert_eq!(
            err("min(a,, b)"),
            (6, 7, "expected an expression, found `,`".into())
        );
        assert_eq!(
            err("[a]"),
            (0, 1, "a list `[...]` is only allowed after `in`".into())
        );
        assert_eq!(
            err("a not b"),
            (
                2,
                5,
                "expected an operator or the end of the expression, found `not`".into()
            )
        );
        assert_eq!(err("1 + 2x"), (4, 6, "invalid number literal `2x`".into()));
    }

    #[test]
    fn errors_for_chained_comparisons() {
        assert_eq!(
            err("a < b < c"),
            (6, 7, "comparison operators cannot be chained".into())
        );
        assert_eq!(
            err("a == b in [c]"),
            (7, 9, "comparison operators cannot be chained".into())
        );
        assert_eq!(
            err("a < b not in [c]"),
            (6, 12, "comparison operators cannot be chained".into())
        );
    }

    #[test]
    fn errors_for_function_calls() {
        assert_eq!(
            err("clamp(x, 1)"),
            (0, 11, "`clamp` takes 3 arguments, found 2".into())
        );
        assert_eq!(
            err("min(x)"),
            (0, 6, "`min` takes at least 2 arguments, found 1".into())
        );
        assert_eq!(
            err("round(1, 2, 3)"),
            (0, 14, "`round` takes 1 or 2 arguments, found 3".into())
        );
        assert_eq!(
            err("abs()"),
            (0, 5, "`abs` takes 1 argument, found 0".into())
        );
        assert_eq!(
            err("mn(a, b)"),
            (0, 2, "unknown function `mn`; did you mean `min`?".into())
        );
        assert_eq!(
            err("log(a)"),
            (0, 3, "unknown function `log`; did you mean `ln`?".into())
        );
    }

    #[test]
    fn errors_for_if_and_in() {
        assert_eq!(
            err("if a then b"),
            (11, 11, "expected `else`, found end of expression".into())
        );
        assert_eq!(
            err("if a b else c"),
            (5, 6, "expected `then`, found `b`".into())
        );
        assert_eq!(
            err("x in a"),
            (5, 6, "expected `[` after `in`, found `a`".into())
        );
        assert_eq!(err("x in []"), (5, 7, "empty list after `in`".into()));
        assert_eq!(
            err("x in [a b]"),
            (8, 9, "expected `,` or `]`, found `b`".into())
        );
    }

    #[test]
    fn error_help() {
        let e = parse("mn(a, b)").unwrap_err();
        assert_eq!(
            e.help.as_deref(),
            Some(
                "available functions: min, max, clamp, round, floor, ceil, abs, ln, exp, sqrt, pow, starts_with, months_between, years_between"
            )
        );
        let e = parse("(1 + 2").unwrap_err();
        assert_eq!(e.help.as_deref(), Some("add the missing `)`"));
    }

    #[test]
    fn deep_nesting_is_an_error_not_a_crash() {
        let deep = |prefix: &str, atom: &str, suffix: &str, n: usize| {
            format!("{}{atom}{}", prefix.repeat(n), suffix.repeat(n))
        };
        for src in [
            deep("(", "1", ")", 100_000),
            deep("-", "1", "", 100_000),
            deep("not ", "a", "", 100_000),
            deep("if a then 1 else ", "1", "", 100_000),
            deep("min(1, ", "1", ")", 100_000),
            deep("x in [", "1", "]", 100_000),
            deep("1 + ", "1", "", 100_000),
            deep("a or ", "b", "", 100_000),
            deep("", "1", " * 2", 100_000),
        ] {
            let e = parse(&src).unwrap_err();
            assert_eq!(e.message, "expression nested too deeply", "{}", &src[..20]);
        }
        // Moderate nesting is fine.
        assert!(parse(&deep("(", "1", ")", 150)).is_ok());
        assert!(parse(&deep("1 + ", "1", "", 150)).is_ok());
    }

    #[test]
    fn garbage_never_panics() {
        let pieces = [
            "(", ")", "[", "]", ",", "a", "1", "-", "not", "in", "if", "then", "else", "==", "<",
            "'x'", "min", "+", "and", "'", "1.", "é", "_",
        ];
        // Every string of up to 4 pieces: parse must return, never panic.
        let n = pieces.len();
        for len in 1..=4u32 {
            for mut code in 0..n.pow(len) {
                let mut src = String::new();
                for _ in 0..len {
                    src.push_str(pieces[code % n]);
                    src.push(' ');
                    code /= n;
                }
                let _ = parse(&src);
            }
        }
    }
}
