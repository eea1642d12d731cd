//! Turns source text into tokens, each with the byte span it came from.

use super::{ExprError, Span};

/// What kind of token; identifiers and strings keep their text in the source
/// (see [`Token::span`]) so that tokens stay `Copy`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) enum TokenKind {
    Number(f64),
    Ident,
    /// A quoted string; its span includes the quotes.
    Str,
    True,
    False,
    And,
    Or,
    Not,
    In,
    If,
    Then,
    Else,
    Plus,
    Minus,
    Star,
    Slash,
    /// `^`, power.
    Caret,
    /// `%`, remainder.
    Percent,
    Lt,
    Le,
    Gt,
    Ge,
    EqEq,
    Ne,
    LParen,
    RParen,
    LBracket,
    RBracket,
    Comma,
    /// End of input; its span is empty and sits at the end of the source.
    Eof,
}

/// One token and where it is in the source.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) struct Token {
    pub(crate) kind: TokenKind,
    pub(crate) span: Span,
}

/// Split `src` into tokens, ending with a single [`TokenKind::Eof`].
pub(crate) fn tokenize(src: &str) -> Result<Vec<Token>, ExprError> {
    let bytes = src.as_bytes();
    let mut tokens = Vec::new();
    let mut i = 0;
    while let Some(&b) = bytes.get(i) {
        let start = i;
        let single = |kind| (kind, 1);
        let (kind, len) = match b {
            b' ' | b'\t' | b'\n' | b'\r' => {
                i += 1;
                continue;
            }
            b'0'..=b'9' => {
                let len = bytes[i..]
                    .iter()
                    .take_while(|c| c.is_ascii_alphanumeric() || **c == b'_' || **c == b'.')
                    .count();
                let text = &src[i..i + len];
                (TokenKind::Number(number(text, Span::new(i, i + len))?), len)
            }
            b'a'..=b'z' | b'A'..=b'Z' | b'_' => {
                let len = bytes[i..]
                    .iter()
                    .take_while(|c| c.is_ascii_alphanumeric() || **c == b'_')
                    .count();
                (keyword(&src[i..i + len]), len)
            }
            b'\'' | b'"' => match bytes[i + 1..].iter().position(|&c| c == b) {
                Some(p) => (TokenKind::Str, p + 2),
                None => {
                    let quote = char::from(b);
                    return Err(
                        ExprError::new(Span::new(i, src.len()), "unterminated string")
                            .with_help(format!("close it with {quote}")),
                    );
                }
            },
            b'+' => single(TokenKind::Plus),
            b'-' => single(TokenKind::Minus),
            b'*' => single(TokenKind::Star),
            b'/' => single(TokenKind::Slash),
            b'^' => single(TokenKind::Caret),
            b'%' => single(TokenKind::Percent),
            b'(' => single(TokenKind::LParen),
            b')' => single(TokenKind::RParen),
            b'[' => single(TokenKind::LBracket),
            b']' => single(TokenKind::RBracket),
            b',' => single(TokenKind::Comma),
            b'<' | b'>' | b'=' | b'!' => {
                let eq = bytes.get(i + 1) == Some(&b'=');
                match (b, eq) {
                    (b'<', false) => (TokenKind::Lt, 1),
                    (b'<', true) => (TokenKind::Le, 2),
                    (b'>', false) => (TokenKind::Gt, 1),
                    (b'>', true) => (TokenKind::Ge, 2),
                    (b'=', true) => (TokenKind::EqEq, 2),
                    (b'!', true) => (TokenKind::Ne, 2),
                    _ => return Err(unexpected_char(src, i)),
                }
            }
            _ => return Err(unexpected_char(src, i)),
        };
        i += len;
        tokens.push(Token {
            kind,
            span: Span::new(start, i),
        });
    }
    tokens.push(Token {
        kind: TokenKind::Eof,
        span: Span::new(src.len(), src.len()),
    });
    Ok(tokens)
}

fn keyword(word: &str) -> TokenKind {
    match word {
        "true" => TokenKind::True,
        "false" => TokenKind::False,
        "and" => TokenKind::And,
        "or" => TokenKind::Or,
        "not" => TokenKind::Not,
        "in" => TokenKind::In,
        "if" => TokenKind::If,
        "then" => TokenKind::Then,
        "else" => TokenKind::Else,
        _ => TokenKind::Ident,
    }
}

/// Parse a number literal: digit groups joined by single underscores, with an
/// optional fractional part (`12`, `1.5`, `2_000_000`).
fn number(text: &str, span: Span) -> Result<f64, ExprError> {
    let bad = || {
        ExprError::new(span, format!("invalid number literal `{text}`"))
            .with_help("write numbers like `12`, `1.5` or `2_000_000`")
    };
    let (int, frac) = match text.split_once('.') {
        Some((int, frac)) => (int, Some(frac)),
        None => (text, None),
    };
    let digits_ok = |part: &str| {
        !part.is_empty()
            && part
                .split('_')
                .all(|g| !g.is_empty() && g.bytes().all(|c| c.is_ascii_digit()))
    };
    if !digits_ok(int) || frac.is_some_and(|f| !digits_ok(f)) {
        return Err(bad());
    }
    let clean: String = text.chars().filter(|&c| c != '_').collect();
    match clean.parse::<f64>() {
        Ok(v) if v.is_finite() => Ok(v),
        _ => Err(ExprError::new(
            span,
            format!("number literal `{text}` is too large"),
        )),
    }
}

fn unexpected_char(src: &str, i: usize) -> ExprError {
    let c = src[i..].chars().next().unwrap_or('?');
    let err = ExprError::new(
        Span::new(i, i + c.len_utf8()),
        format!("unexpected character `{c}`"),
    );
    match c {
        '=' => err.with_help("use `==` to compare"),
        '!' => err.with_help("use `not` to negate, or `!=` to compare"),
        '&' => err.with_help("use `and`"),
        '|' => err.with_help("use `or`"),
        '.' => err.with_help("names cannot contain `.`; numbers need a digit before the `.`"),
        _ => err,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds(src: &str) -> Vec<TokenKind> {
        tokenize(src).unwrap().into_iter().map(|t| t.kind).collect()
    }

    fn err(src: &str) -> (usize, usize, String) {
        let e = tokenize(src).unwrap_err();
        (e.span.start, e.span.end, e.message)
    }

    #[test]
    fn tokens_and_spans() {
        use TokenKind::*;
        assert_eq!(
            kinds("a <= 2_000 and not b != 'x' (1.5)"),
            vec![
                Ident,
                Le,
                Number(2000.0),
                And,
                Not,
                Ident,
                Ne,
                Str,
                LParen,
                Number(1.5),
                RParen,
                Eof
            ]
        );
        let toks = tokenize(" ab  \"x y\"").unwrap();
        assert_eq!(toks[0].span, Span::new(1, 3));
        assert_eq!(toks[1].span, Span::new(5, 10));
        assert_eq!(toks[2].span, Span::new(10, 10));
        assert_eq!(kinds(""), vec![Eof]);
        assert_eq!(
            kinds("if then else true false in or x_1 _y"),
            vec![If, Then, Else, True, False, In, Or, Ident, Ident, Eof]
        );
        assert_eq!(
            kinds("< > ==*/-+[],>="),
            vec![
                Lt, Gt, EqEq, Star, Slash, Minus, Plus, LBracket, RBracket, Comma, Ge, Eof,
            ]
        );
    }

    #[test]
    fn lexer_errors() {
        assert_eq!(err("a = 1"), (2, 3, "unexpected character `=`".into()));
        assert_eq!(err("a é"), (2, 4, "unexpected character `é`".into()));
        assert_eq!(err("x == 'urban"), (5, 11, "unterminated string".into()));
        assert_eq!(err("1__0"), (0, 4, "invalid number literal `1__0`".into()));
        assert_eq!(err("1_"), (0, 2, "invalid number literal `1_`".into()));
        assert_eq!(
            err("2 + 1.5.2"),
            (4, 9, "invalid number literal `1.5.2`".into())
        );
        assert_eq!(
            err("12abc"),
            (0, 5, "invalid number literal `12abc`".into())
        );
        assert_eq!(err("1."), (0, 2, "invalid number literal `1.`".into()));
        assert_eq!(err("a && b").2, "unexpected character `&`");
        let huge = "9".repeat(400);
        assert!(err(&huge).2.ends_with("is too large"));
    }
}
