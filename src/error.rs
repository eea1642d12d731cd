//! Source locations and diagnostics shared by every stage.
//!
//! A [`Diagnostic`] is a value: a message, where it happened and what would
//! be accepted. Rendering it with the offending source line and a caret
//! underline is a separate job ([`Diagnostic::render`]), so library code never
//! prints.

use std::fmt;
use std::ops::Range;

/// A place in a file: 1-based line and column (columns count characters).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Location {
    pub file: String,
    pub line: usize,
    pub column: usize,
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}:{}", self.file, self.line, self.column)
    }
}

/// How bad a [`Diagnostic`] is: an error stops the load; a warning is shown
/// and the work goes on.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Severity {
    #[default]
    Error,
    Warning,
}

impl Severity {
    /// The word a rendered diagnostic starts with.
    pub fn label(self) -> &'static str {
        match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
        }
    }
}

/// One problem found in a policy file, with enough context to show it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Diagnostic {
    pub severity: Severity,
    pub location: Location,
    /// Width of the underline, in characters (at least 1).
    pub width: usize,
    /// The full text of the offending line, for the snippet.
    pub source_line: String,
    pub message: String,
    pub help: Option<String>,
}

impl Diagnostic {
    /// Build a diagnostic for the byte range `span` of `source` (the text of `file`).
    pub fn at(
        file: &str,
        source: &str,
        span: Range<usize>,
        message: impl Into<String>,
        help: Option<String>,
    ) -> Diagnostic {
        let start = clamp_to_char_boundary(source, span.start);
        let end = clamp_to_char_boundary(source, span.end.max(start));
        let line_start = source[..start].rfind('\n').map_or(0, |i| i + 1);
        let line_end = source[start..]
            .find('\n')
            .map_or(source.len(), |i| start + i);
        let line_no = source[..start].matches('\n').count() + 1;
        let column = source[line_start..start].chars().count() + 1;
        // Underline at most to the end of the first line of the span.
        let visible_end = end.min(line_end).max(start);
        let width = source[start..visible_end].chars().count().max(1);
        Diagnostic {
            severity: Severity::Error,
            location: Location {
                file: file.to_string(),
                line: line_no,
                column,
            },
            width,
            source_line: source[line_start..line_end]
                .trim_end_matches('\r')
                .to_string(),
            message: message.into(),
            help,
        }
    }

    /// A diagnostic without a useful position (e.g. a missing section).
    pub fn whole_file(file: &str, message: impl Into<String>, help: Option<String>) -> Diagnostic {
        Diagnostic {
            severity: Severity::Error,
            location: Location {
                file: file.to_string(),
                line: 1,
                column: 1,
            },
            width: 0,
            source_line: String::new(),
            message: message.into(),
            help,
        }
    }

    /// The same diagnostic as a warning.
    pub fn warning(self) -> Diagnostic {
        Diagnostic {
            severity: Severity::Warning,
            ..self
        }
    }

    /// Render as a person reads it: severity and message, location, the source line with a caret underline, help.
    ///
    /// ```
    /// let d = layak::error::Diagnostic::at("p.toml", "a = 'membres + 1'\n", 5..12,
    ///     "unknown name `membres`", Some("did you mean `members`?".into()));
    /// assert_eq!(d.render(), "error: unknown name `membres`\n --> p.toml:1:6\n  |\n1 | a = 'membres + 1'\n  |      ^^^^^^^\n  = help: did you mean `members`?\n");
    /// ```
    pub fn render(&self) -> String {
        let mut out = format!("{}: {}\n", self.severity.label(), self.message);
        let gutter = self.location.line.to_string().len();
        let pad = " ".repeat(gutter);
        out.push_str(&format!("{pad}--> {}\n", self.location));
        if self.width > 0 {
            out.push_str(&format!("{pad} |\n"));
            out.push_str(&format!(
                "{} | {}\n",
                self.location.line,
                self.source_line.replace('\t', " ")
            ));
            out.push_str(&format!(
                "{pad} | {}{}\n",
                " ".repeat(self.location.column - 1),
                "^".repeat(self.width)
            ));
        }
        if let Some(help) = &self.help {
            out.push_str(&format!("{pad} = help: {help}\n"));
        }
        out
    }
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.location, self.message)?;
        if let Some(help) = &self.help {
            write!(f, " ({help})")?;
        }
        Ok(())
    }
}

fn clamp_to_char_boundary(s: &str, mut i: usize) -> usize {
    i = i.min(s.len());
    while !s.is_char_boundary(i) {
        i -= 1;
    }
    i
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn location_counts_lines_and_characters() {
        let src = "a = 1\nbé = 'x + y'\n";
        let start = src.find('x').unwrap();
        let d = Diagnostic::at("f.toml", src, start..start + 1, "bad", None);
        assert_eq!(d.location.line, 2);
        assert_eq!(d.location.column, 7);
        assert_eq!(d.source_line, "bé = 'x + y'");
        assert_eq!(d.width, 1);
    }

    #[test]
    fn span_past_the_end_is_clamped() {
        let d = Diagnostic::at("f", "abc", 10..20, "m", None);
        assert_eq!(d.location.column, 4);
        assert_eq!(d.width, 1);
    }
}
