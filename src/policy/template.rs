//! Reason templates: text with `{expression}` holes, compiled at load and
//! rendered per row straight into an output buffer.

use super::EnumDef;
use crate::expr::{self, Span, Type};
use crate::numfmt;
use crate::numfmt::locale::Lang;

/// A piece of a template.
#[derive(Debug, Clone)]
pub enum Segment {
    Text(String),
    /// A hole that reads one slot (the common case), without running a program.
    Slot {
        slot: usize,
        ty: Type,
    },
    Value {
        program: expr::Program,
        ty: Type,
    },
    /// A hole shown in the words or number style of a language chosen at
    /// load (`629.561`, `ya`, `perkotaan`), or a plural word
    /// (`{n|member|members}`). English holes without words of their own stay
    /// [`Segment::Slot`] and [`Segment::Value`].
    Shown {
        source: Source,
        show: Show,
    },
}

/// Where the value of a [`Segment::Shown`] hole comes from.
#[derive(Debug, Clone)]
pub enum Source {
    Slot(usize),
    Program(expr::Program),
}

/// How a [`Segment::Shown`] hole writes its value.
#[derive(Debug, Clone)]
pub enum Show {
    /// A number with the language's separators (at most two decimals).
    Number(Lang),
    /// A boolean (`[no, yes]`) or an enum value by its index.
    Words(Box<[String]>),
    /// `one` when the value is exactly 1, else `other`.
    Plural { one: String, other: String },
    /// A date input's value (days since 1970-01-01) as `YYYY-MM-DD`.
    Date,
}

impl Show {
    /// The words this hole may write (none for a number).
    pub fn texts(&self) -> impl Iterator<Item = &str> {
        let (words, plural): (&[String], Option<[&str; 2]>) = match self {
            Show::Number(_) | Show::Date => (&[], None),
            Show::Words(w) => (w, None),
            Show::Plural { one, other } => (&[], Some([one, other])),
        };
        words
            .iter()
            .map(String::as_str)
            .chain(plural.into_iter().flatten())
    }

    #[inline]
    pub fn write(&self, v: f64, out: &mut Vec<u8>) {
        match self {
            Show::Number(lang) => lang.write_number(v, out),
            Show::Words(words) => {
                let word = if v >= 0.0 {
                    words.get(v as usize).map_or("?", String::as_str)
                } else {
                    "?"
                };
                out.extend_from_slice(word.as_bytes());
            }
            Show::Plural { one, other } => {
                out.extend_from_slice(if v == 1.0 { one } else { other }.as_bytes())
            }
            Show::Date => crate::expr::dates::write_iso(v, out),
        }
    }
}

/// A compiled reason template.
#[derive(Debug, Clone, Default)]
pub struct Template {
    pub segments: Vec<Segment>,
}

/// A template hole before compilation: its expression source and byte range in the template.
pub(crate) struct Hole<'a> {
    pub source: &'a str,
    pub start: usize,
}

impl<'a> Hole<'a> {
    /// A plural hole `{expr|one|other}`: the expression and the two words
    /// (`|` is not an operator of the expression language).
    pub(crate) fn plural(&self) -> Option<(&'a str, &'a str, &'a str)> {
        let mut parts = self.source.splitn(3, '|');
        let expr = parts.next()?;
        let one = parts.next()?;
        let other = parts.next()?;
        Some((expr, one.trim(), other.trim()))
    }

    /// The expression with its white space removed: what two languages'
    /// texts must show alike.
    pub(crate) fn key(&self) -> String {
        self.source.split_whitespace().collect()
    }
}

/// Split a template into literal text and holes. `{{` and `}}` are literal braces.
/// Errors carry the byte span inside the template.
pub(crate) fn split(text: &str) -> Result<Vec<Result<String, Hole<'_>>>, (Span, String)> {
    let mut parts = Vec::new();
    let mut literal = String::new();
    let bytes = text.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'{' if bytes.get(i + 1) == Some(&b'{') => {
                literal.push('{');
                i += 2;
            }
            b'}' if bytes.get(i + 1) == Some(&b'}') => {
                literal.push('}');
                i += 2;
            }
            b'{' => {
                let Some(close) = text[i + 1..].find('}') else {
                    return Err((
                        Span {
                            start: i,
                            end: text.len(),
                        },
                        "unclosed `{` in template (write `{{` for a literal brace)".into(),
                    ));
                };
                if !literal.is_empty() {
                    parts.push(Ok(std::mem::take(&mut literal)));
                }
                parts.push(Err(Hole {
                    source: &text[i + 1..i + 1 + close],
                    start: i + 1,
                }));
                i += close + 2;
            }
            b'}' => {
                return Err((
                    Span {
                        start: i,
                        end: i + 1,
                    },
                    "unmatched `}` in template (write `}}` for a literal brace)".into(),
                ));
            }
            _ => {
                // Copy one whole UTF-8 character.
                let ch_len = text[i..].chars().next().map_or(1, char::len_utf8);
                literal.push_str(&text[i..i + ch_len]);
                i += ch_len;
            }
        }
    }
    if !literal.is_empty() {
        parts.push(Ok(literal));
    }
    Ok(parts)
}

impl Template {
    /// Build a template, folding constant holes into text and single-name holes into slot reads.
    pub(crate) fn from_parts(parts: Vec<Segment>, enums: &[EnumDef]) -> Template {
        let mut segments: Vec<Segment> = Vec::new();
        for part in parts {
            let part = match part {
                Segment::Value { program, ty } => {
                    if let Some(v) = program.as_const() {
                        let mut text = Vec::new();
                        write_value(v, ty, enums, &mut text);
                        Segment::Text(String::from_utf8_lossy(&text).into_owned())
                    } else if let Some(slot) = program.as_slot() {
                        Segment::Slot { slot, ty }
                    } else {
                        Segment::Value { program, ty }
                    }
                }
                Segment::Shown {
                    source: Source::Program(program),
                    show,
                } => {
                    if let Some(v) = program.as_const() {
                        let mut text = Vec::new();
                        show.write(v, &mut text);
                        Segment::Text(String::from_utf8_lossy(&text).into_owned())
                    } else if let Some(slot) = program.as_slot() {
                        Segment::Shown {
                            source: Source::Slot(slot),
                            show,
                        }
                    } else {
                        Segment::Shown {
                            source: Source::Program(program),
                            show,
                        }
                    }
                }
                other => other,
            };
            // Merge neighbouring text.
            if let (Segment::Text(t), Some(Segment::Text(prev))) = (&part, segments.last_mut()) {
                prev.push_str(t);
                continue;
            }
            segments.push(part);
        }
        Template { segments }
    }

    /// Render into `out`: numbers with thousands separators, enum values by name, booleans as yes/no.
    pub fn render(&self, slots: &[f64], enums: &[EnumDef], out: &mut Vec<u8>) {
        render_segments(&self.segments, slots, enums, out);
    }

    /// The literal text the template starts with (empty if it starts with a
    /// hole) and the segments after it. Writers copy the text once together
    /// with what precedes it, then render the rest with [`render_segments`].
    pub fn split_lead(&self) -> (&str, &[Segment]) {
        match self.segments.split_first() {
            Some((Segment::Text(t), rest)) => (t, rest),
            _ => ("", &self.segments),
        }
    }
}

/// Render a run of template segments into `out` (see [`Template::render`]).
#[inline]
pub fn render_segments(segments: &[Segment], slots: &[f64], enums: &[EnumDef], out: &mut Vec<u8>) {
    for seg in segments {
        match seg {
            Segment::Text(t) => out.extend_from_slice(t.as_bytes()),
            Segment::Slot { slot, ty } => {
                let v = slots.get(*slot).copied().unwrap_or(f64::NAN);
                write_value(v, *ty, enums, out);
            }
            Segment::Value { program, ty } => {
                let v = program.eval(slots);
                write_value(v, *ty, enums, out);
            }
            Segment::Shown { source, show } => {
                let v = match source {
                    Source::Slot(slot) => slots.get(*slot).copied().unwrap_or(f64::NAN),
                    Source::Program(program) => program.eval(slots),
                };
                show.write(v, out);
            }
        }
    }
}

impl Template {
    /// Render to a new string (for traces and tests; not on the hot path).
    pub fn render_string(&self, slots: &[f64], enums: &[EnumDef]) -> String {
        let mut out = Vec::new();
        self.render(slots, enums, &mut out);
        String::from_utf8_lossy(&out).into_owned()
    }
}

/// Write one value for a person: the way reasons show numbers, enums and booleans.
// Inlined into `render_segments` (a call per value otherwise, whichever way
// the compiler's units fall).
#[inline]
pub fn write_value(v: f64, ty: Type, enums: &[EnumDef], out: &mut Vec<u8>) {
    match ty {
        Type::Number => numfmt::write_grouped(v, out),
        Type::Bool => out.extend_from_slice(if v != 0.0 { b"yes" } else { b"no" }),
        Type::Enum(id) => {
            let name = enums
                .get(usize::from(id))
                .and_then(|e| e.values.get(v as usize))
                .map_or("?", String::as_str);
            out.extend_from_slice(name.as_bytes());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_text_and_holes() {
        let parts = split("a {x + 1} b {{c}}").unwrap();
        assert_eq!(parts.len(), 3);
        assert!(matches!(&parts[0], Ok(t) if t == "a "));
        assert!(matches!(&parts[1], Err(h) if h.source == "x + 1" && h.start == 3));
        assert!(matches!(&parts[2], Ok(t) if t == " b {c}"));
    }

    #[test]
    fn unclosed_brace_is_an_error() {
        let err = split("income {x").err().unwrap();
        assert_eq!(err.0.start, 7);
        assert!(split("a } b").is_err());
    }
}
