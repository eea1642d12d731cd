//! Where a problem is: byte spans to file, line and column (with a line
//! index, so thousands of errors cost no rescans), positions inside
//! expression strings, and diagnostics bounded to a few hundred bytes.

use super::*;

/// The longest source line a diagnostic quotes in full, in bytes.
const SNIPPET_BYTES: usize = 240;

/// Line starts of a source text, built on the first error.
#[derive(Default)]
pub(super) struct LineIndex {
    /// Byte offset of each line's start, and whether the line is ASCII (its
    /// columns are then byte offsets).
    starts: Vec<(usize, bool)>,
}

impl LineIndex {
    /// A diagnostic for `span` of `source` (what [`Diagnostic::at`] builds),
    /// found in O(log lines) and quoting at most [`SNIPPET_BYTES`] of its line.
    pub(super) fn diagnostic(
        &mut self,
        file: &str,
        source: &str,
        span: Range<usize>,
        message: impl Into<String>,
        help: Option<String>,
    ) -> Diagnostic {
        if self.starts.is_empty() {
            self.build(source);
        }
        let boundary = |mut i: usize| {
            i = i.min(source.len());
            while !source.is_char_boundary(i) {
                i -= 1;
            }
            i
        };
        let start = boundary(span.start);
        let end = boundary(span.end.max(start));
        let line = self
            .starts
            .partition_point(|&(s, _)| s <= start)
            .saturating_sub(1);
        let (line_start, ascii) = self.starts[line];
        let line_end = self
            .starts
            .get(line + 1)
            .map_or(source.len(), |&(next, _)| next - 1);
        let line_end = line_end.max(line_start).max(start);
        let column = if ascii {
            start - line_start
        } else {
            source[line_start..start].chars().count()
        } + 1;
        let visible_end = end.min(line_end).max(start);
        let width = if ascii {
            visible_end - start
        } else {
            source[start..visible_end].chars().count()
        }
        .max(1);
        let text = &source[line_start..line_end];
        let text = text.strip_suffix('\r').unwrap_or(text);
        let source_line = snippet(text);
        let d = Diagnostic {
            severity: crate::error::Severity::Error,
            location: crate::error::Location {
                file: file.to_string(),
                line: line + 1,
                column,
            },
            width,
            source_line,
            message: message.into(),
            help,
        };
        bounded(d)
    }

    /// Record where each line of `source` starts.
    fn build(&mut self, source: &str) {
        let mut start = 0;
        for line in source.split_inclusive('\n') {
            self.starts.push((start, line.is_ascii()));
            start += line.len();
        }
        // The empty line after a final newline (an error at the end of the file).
        if source.is_empty() || source.ends_with('\n') {
            self.starts.push((source.len(), true));
        }
    }
}

/// Only what the snippet can show of a line: a one-line list of megabytes
/// would otherwise be copied into every error about it.
fn snippet(text: &str) -> String {
    if text.len() <= SNIPPET_BYTES {
        return text.to_string();
    }
    let mut cut = (SNIPPET_BYTES + 1).min(text.len());
    while !text.is_char_boundary(cut) {
        cut -= 1;
    }
    text[..cut].to_string()
}

/// A diagnostic that quotes at most a few hundred bytes of the policy: a
/// 100,000-value enum sits on one line of megabytes, and names and values are
/// quoted in messages. The location still says where the problem is.
pub(super) fn bounded(mut d: Diagnostic) -> Diagnostic {
    // Backstops: lists and quoted names are already cut where they are made.
    d.message = shorten(&d.message, MESSAGE_QUOTE_BYTES * 2);
    d.help = d.help.map(|h| shorten(&h, MESSAGE_QUOTE_BYTES * 2));
    if d.source_line.len() > SNIPPET_BYTES {
        // Keep the start of the line when the caret starts inside it (an
        // underline is cut at the end of what is shown); the column is the
        // location's, so the line cannot be shifted.
        let before = d.location.column.saturating_sub(1);
        let caret_start: usize = d.source_line.chars().take(before).map(char::len_utf8).sum();
        if caret_start < SNIPPET_BYTES {
            d.source_line = shorten(&d.source_line, SNIPPET_BYTES);
            let shown = d.source_line.chars().count();
            d.width = d.width.min(shown.saturating_sub(before)).max(1);
        } else {
            d.source_line.clear();
            d.width = 0;
        }
    }
    d
}

pub(super) fn toml_message(e: &toml::de::Error) -> String {
    let m = e.message().trim();
    format!("invalid policy file: {m}")
}

impl Checker<'_> {
    pub(super) fn error(
        &mut self,
        span: Range<usize>,
        message: impl Into<String>,
        help: Option<String>,
    ) {
        let d = self.diagnostic(span, message, help);
        self.diags.push(d);
    }

    /// A diagnostic for `span` of the policy file, or of the overrides'
    /// text when it lies there.
    pub(super) fn diagnostic(
        &mut self,
        span: Range<usize>,
        message: impl Into<String>,
        help: Option<String>,
    ) -> Diagnostic {
        match &self.extra {
            Some(extra) if span.start >= extra.base => {
                let span = span.start - extra.base..span.end.saturating_sub(extra.base);
                bounded(Diagnostic::at(
                    &extra.label,
                    &extra.text,
                    span,
                    message,
                    help,
                ))
            }
            _ => self
                .lines
                .diagnostic(self.file, self.source, span, message, help),
        }
    }

    /// Byte offset in the file where the text of string `s` starts, when the
    /// TOML source holds it verbatim (no escapes), so expression errors can
    /// point at the exact character.
    pub(super) fn string_base(&self, s: &SpannedStr) -> Option<usize> {
        let span = s.span();
        let raw = match &self.extra {
            Some(extra) if span.start >= extra.base => extra
                .text
                .get(span.start - extra.base..span.end - extra.base)?,
            _ => self.source.get(span.clone())?,
        };
        let value = s.get_ref();
        for quote in ["'''", "\"\"\""] {
            if let Some(inner) = raw.strip_prefix(quote) {
                let mut skip = quote.len();
                let inner = if let Some(rest) = inner.strip_prefix("\r\n") {
                    skip += 2;
                    rest
                } else if let Some(rest) = inner.strip_prefix('\n') {
                    skip += 1;
                    rest
                } else {
                    inner
                };
                return inner
                    .strip_suffix(quote)
                    .filter(|body| *body == value)
                    .map(|_| span.start + skip);
            }
        }
        for quote in ['\'', '"'] {
            if let Some(inner) = raw.strip_prefix(quote) {
                return inner
                    .strip_suffix(quote)
                    .filter(|body| *body == value)
                    .map(|_| span.start + 1);
            }
        }
        None
    }

    /// File byte range of `span` inside string `s` (the whole string when it is not verbatim).
    pub(super) fn inner_span(&self, s: &SpannedStr, offset: usize, span: Span) -> Range<usize> {
        match self.string_base(s) {
            Some(base) => base + offset + span.start..base + offset + span.end.max(span.start + 1),
            None => s.span(),
        }
    }

    pub(super) fn expr_error(&mut self, s: &SpannedStr, offset: usize, e: expr::ExprError) {
        let span = self.inner_span(s, offset, e.span);
        let d = self.diagnostic(span, e.message, e.help);
        self.diags.push(d);
    }
}
