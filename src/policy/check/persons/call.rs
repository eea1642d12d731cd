//! Splitting a `from_persons` expression, `NAME(ARG [where COND])`, into its
//! reducer, argument and condition, with spans for errors.

use super::*;

/// The text with runs of white space collapsed to one space, trimmed.
pub(super) fn collapse(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

pub(super) type CallError = (Span, String, Option<String>);

/// Split `NAME(ARG [where COND])`, the only shape of a `from_persons`
/// expression; quotes and nested parentheses are skipped over.
pub(super) fn split_call(text: &str) -> Result<Call, CallError> {
    let (kind, name_span, open) = reducer_name(text)?;
    let name = &text[name_span.start..name_span.end];
    let arg_start = open + 1;
    let (close, wheres) = scan_argument(text, name, arg_start)?;
    let Some(close) = close else {
        return Err((
            Span::new(open, open + 1),
            "this `(` is never closed".into(),
            call_shape_help(),
        ));
    };
    let rest = &text[close + 1..];
    if !rest.trim().is_empty() {
        let start = close + 1 + (rest.len() - rest.trim_start().len());
        return Err((
            Span::new(start, text.trim_end().len()),
            "`from_persons` is exactly one reducer call, with nothing after it".into(),
            Some("compute with the reduced value in a derived value instead".into()),
        ));
    }
    if let Some(&second) = wheres.get(1) {
        return Err((
            Span::new(second, second + 5),
            "only one `where` is allowed".into(),
            Some("join the conditions with `and`".into()),
        ));
    }
    let (arg, cond) = match wheres.first() {
        Some(&w) => (arg_start..w, Some((w + 5..close, Span::new(w, w + 5)))),
        None => (arg_start..close, None),
    };
    if let Some((range, where_span)) = &cond {
        if text[range.clone()].trim().is_empty() {
            return Err((
                *where_span,
                "`where` needs a condition".into(),
                Some(format!("e.g. `{name}(income where age >= 18)`")),
            ));
        }
    }
    Ok(Call {
        kind,
        name_span,
        arg,
        cond,
    })
}

/// The help for a `from_persons` that is no reducer call.
pub(super) fn call_shape_help() -> Option<String> {
    Some(format!(
        "`from_persons` is one reducer call: {REDUCER_LIST}"
    ))
}

/// The reducer a call names, the span of its name and where its `(` is.
pub(super) fn reducer_name(text: &str) -> Result<(ReducerKind, Span, usize), CallError> {
    let b = text.as_bytes();
    let mut i = 0;
    while b.get(i).is_some_and(u8::is_ascii_whitespace) {
        i += 1;
    }
    let name_start = i;
    while b
        .get(i)
        .is_some_and(|c| c.is_ascii_alphanumeric() || *c == b'_')
    {
        i += 1;
    }
    let name = &text[name_start..i];
    let name_span = Span::new(name_start, i.max(name_start + 1));
    while b.get(i).is_some_and(u8::is_ascii_whitespace) {
        i += 1;
    }
    if name.is_empty() || b.get(i) != Some(&b'(') {
        return Err((
            Span::new(0, text.len()),
            "`from_persons` must be a reducer call such as `count(age <= 6)`".into(),
            call_shape_help(),
        ));
    }
    let Some(kind) = ReducerKind::from_keyword(name) else {
        let names = ReducerKind::ALL.map(ReducerKind::keyword);
        let help = match expr::suggest(name, names) {
            Some(s) => format!("did you mean `{s}`? reducers: {REDUCER_LIST}"),
            None => format!("reducers: {REDUCER_LIST}"),
        };
        return Err((name_span, format!("unknown reducer `{name}`"), Some(help)));
    };
    Ok((kind, name_span, i))
}

/// Scan the argument of reducer `name` from `arg_start` to its closing `)`
/// (none when it is never closed), noting where each `where` is; a comma at
/// the top level is an error.
pub(super) fn scan_argument(
    text: &str,
    name: &str,
    arg_start: usize,
) -> Result<(Option<usize>, Vec<usize>), CallError> {
    let b = text.as_bytes();
    let mut depth = 0usize;
    let mut quote: Option<u8> = None;
    let mut close = None;
    let mut wheres: Vec<usize> = Vec::new();
    let mut j = arg_start;
    while j < b.len() {
        let c = b[j];
        if let Some(q) = quote {
            if c == q {
                quote = None;
            }
            j += 1;
            continue;
        }
        match c {
            b'\'' | b'"' => quote = Some(c),
            b'(' | b'[' => depth += 1,
            b')' | b']' if depth > 0 => depth -= 1,
            b')' => {
                close = Some(j);
                break;
            }
            b',' if depth == 0 => {
                return Err((
                    Span::new(j, j + 1),
                    format!("`{name}` takes one expression, not a list"),
                    Some(format!(
                        "write `{name}(EXPR where COND)`; to combine values, compute them in a derived value"
                    )),
                ));
            }
            _ if c.is_ascii_alphabetic() || c == b'_' => {
                let start = j;
                while b
                    .get(j)
                    .is_some_and(|c| c.is_ascii_alphanumeric() || *c == b'_')
                {
                    j += 1;
                }
                if &text[start..j] == "where" {
                    wheres.push(start);
                }
                continue;
            }
            _ => {}
        }
        j += 1;
    }
    Ok((close, wheres))
}
