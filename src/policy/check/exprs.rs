//! Expressions, constants and reason templates compiled against the names
//! visible at their point of the policy.

use super::*;

impl Checker<'_> {
    /// Parse, type-check and compile the expression in `s` against the names visible now.
    pub(super) fn compile(
        &mut self,
        s: &SpannedStr,
        expected: Option<Type>,
    ) -> Option<(expr::Program, Type)> {
        self.compile_at(s, s.get_ref(), 0, expected)
    }

    pub(super) fn compile_at(
        &mut self,
        s: &SpannedStr,
        text: &str,
        offset: usize,
        expected: Option<Type>,
    ) -> Option<(expr::Program, Type)> {
        let parsed = match expr::parse(text) {
            Ok(e) => e,
            Err(e) => {
                self.expr_error(s, offset, e);
                return None;
            }
        };
        work::count(1);
        match expr::compile(&parsed, &self.scope(), expected) {
            Ok((mut p, t)) => {
                p.set_source(text);
                Some((p, t))
            }
            Err(e) => {
                let unknown = e
                    .message
                    .strip_prefix("unknown name `")
                    .and_then(|r| r.strip_suffix('`'));
                if unknown.is_some_and(|n| self.failed.contains(n)) {
                    return None;
                }
                // A name that exists but is not visible here gets a clearer message.
                if let Some(what) = self.stage_hint(&e.message) {
                    let mut e = e;
                    e.help = match (self.in_persons, e.help.take()) {
                        (true, Some(near)) => Some(format!("{near} {what}")),
                        _ => Some(what),
                    };
                    self.expr_error(s, offset, e);
                } else {
                    self.expr_error(s, offset, e);
                }
                None
            }
        }
    }

    pub(super) fn compile_bool(&mut self, s: &SpannedStr) -> Option<expr::Program> {
        self.compile(s, Some(Type::Bool)).map(|(p, _)| p)
    }

    pub(super) fn compile_number(&mut self, s: &SpannedStr) -> Option<expr::Program> {
        self.compile(s, Some(Type::Number)).map(|(p, _)| p)
    }

    /// A constant number: a TOML number, or a string holding a constant expression (`"1/3"`).
    pub(super) fn constant(&mut self, v: &Spanned<RawScalar>, what: &str) -> Option<f64> {
        match v.get_ref() {
            RawScalar::Integer(i) => Some(*i as f64),
            RawScalar::Float(f) if f.is_finite() => Some(*f),
            RawScalar::Text(t) => {
                let s = Spanned::new(v.span(), t.clone());
                let (p, _) = self.compile(&s, Some(Type::Number))?;
                match p.as_const() {
                    Some(c) if c.is_finite() => Some(c),
                    Some(_) => {
                        self.error(v.span(), format!("{what} is not a finite number"), None);
                        None
                    }
                    None => {
                        self.error(
                            v.span(),
                            format!("{what} must be a constant"),
                            Some("use numbers and parameters only, e.g. \"1/3\"".into()),
                        );
                        None
                    }
                }
            }
            _ => {
                self.error(
                    v.span(),
                    format!("{what} must be a number"),
                    Some("write a number such as 0.5, or a constant expression in quotes such as \"1/3\"".into()),
                );
                None
            }
        }
    }
}
