//! Mapping profiles: how a survey's file maps onto a policy, written once in
//! a TOML file instead of flags on every command (issue 14).
//!
//! A profile holds, for the file as a whole: the delimiter, the household
//! id's columns, whether every input's column is required, group prefixes to
//! strip from column names (`hh/size` → `size`), column renames, missing-value
//! codes and a number format; and per input: value maps (`Perkotaan =
//! "urban"`), missing-value codes and a number format (`Rp 1.500.000,50`).
//!
//! [`Profile::load`] checks the file on its own (TOML, keys, formats), with
//! `file:line:column` diagnostics like the policy's; [`Profile::check`] checks
//! it against a policy (every input it names exists, every value-map target
//! is one of the input's labels, each setting fits the input's type).
//! [`Profile::renames_for`] turns the column settings into renames for one
//! header, and [`Profile::cell_rules`] the per-input settings into
//! [`CellRules`] that the row parser compiles once: nothing of a profile is
//! looked up by name while rows are read.

use std::collections::BTreeMap;
use std::ops::Range;

use serde::Deserialize;
use toml::Spanned;

use crate::error::Diagnostic;
use crate::policy::{InputType, Policy};

/// A profile that does not load or does not fit the policy: every problem,
/// each with its place in the profile.
#[derive(Debug, Clone, thiserror::Error)]
#[error("{}", render(diagnostics))]
pub struct ProfileError {
    pub diagnostics: Vec<Diagnostic>,
}

impl ProfileError {
    /// Every diagnostic rendered with its source snippet.
    pub fn render(&self) -> String {
        render(&self.diagnostics)
    }
}

fn render(diagnostics: &[Diagnostic]) -> String {
    diagnostics.iter().map(Diagnostic::render).collect()
}

/// How numbers are written in a column: `Rp 1.500.000,50` is
/// `decimal = ","`, `thousands = "."`, `currency = "Rp"`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NumberFormat {
    /// The decimal separator: `.` or `,`.
    pub decimal: u8,
    /// The thousands separator, if the file groups digits.
    pub thousands: Option<u8>,
    /// Currency signs that may start a cell (compared ignoring ASCII case),
    /// longest first.
    pub currency: Vec<String>,
}

/// Longest number (in canonical bytes: sign, digits, point) a number format
/// reads; a longer cell does not fit the format.
pub const CANONICAL_BYTES: usize = 64;

impl NumberFormat {
    /// The cell `cell` (trimmed) rewritten as plain digits with an optional
    /// `-` and `.` fraction, as [`super::cell::parse_number`] reads them;
    /// `None` when it does not fit the format. With `thousands = "."` and
    /// `decimal = ","`, `1.500.000,50` is `1500000.50`, `1500000,50` too, and
    /// `1.50` fits nothing (a group after a separator has three digits).
    ///
    /// ```
    /// use layak::input::profile::NumberFormat;
    /// let f = NumberFormat { decimal: b',', thousands: Some(b'.'), currency: vec!["Rp".into()] };
    /// let mut buf = [0u8; 64];
    /// assert_eq!(f.canonical(b"Rp 1.500.000,50", &mut buf), Some(&b"1500000.50"[..]));
    /// assert_eq!(f.canonical(b"1500000,50", &mut buf), Some(&b"1500000.50"[..]));
    /// assert_eq!(f.canonical(b"1.50", &mut buf), None);
    /// ```
    #[inline]
    pub fn canonical<'b>(
        &self,
        cell: &[u8],
        buf: &'b mut [u8; CANONICAL_BYTES],
    ) -> Option<&'b [u8]> {
        let mut s = cell;
        let mut neg = false;
        if let Some(rest) = s.strip_prefix(b"-") {
            neg = true;
            s = rest;
        }
        for c in &self.currency {
            let c = c.as_bytes();
            if s.len() >= c.len() && s[..c.len()].eq_ignore_ascii_case(c) {
                s = trim_start(&s[c.len()..]);
                break;
            }
        }
        if !neg {
            if let Some(rest) = s.strip_prefix(b"-") {
                neg = true;
                s = rest;
            }
        }
        let (int, frac) = match s.iter().position(|&b| b == self.decimal) {
            Some(p) => (&s[..p], Some(&s[p + 1..])),
            None => (s, None),
        };
        let mut out = 0usize;
        let mut push = |b: u8, buf: &mut [u8; CANONICAL_BYTES]| -> Option<()> {
            *buf.get_mut(out)? = b;
            out += 1;
            Some(())
        };
        if neg {
            push(b'-', buf)?;
        }
        if int.is_empty() {
            return None;
        }
        match self.thousands {
            Some(t) if int.contains(&t) => {
                for (k, group) in int.split(|&b| b == t).enumerate() {
                    let fits = if k == 0 {
                        (1..=3).contains(&group.len())
                    } else {
                        group.len() == 3
                    };
                    if !fits {
                        return None;
                    }
                    for &b in group {
                        if !b.is_ascii_digit() {
                            return None;
                        }
                        push(b, buf)?;
                    }
                }
            }
            _ => {
                for &b in int {
                    if !b.is_ascii_digit() {
                        return None;
                    }
                    push(b, buf)?;
                }
            }
        }
        if let Some(frac) = frac {
            if frac.is_empty() {
                return None;
            }
            push(b'.', buf)?;
            for &b in frac {
                if !b.is_ascii_digit() {
                    return None;
                }
                push(b, buf)?;
            }
        }
        Some(&buf[..out])
    }

    /// The format in words: "thousands `.`, decimal `,`, currency `Rp`".
    pub fn describe(&self) -> String {
        let mut parts = Vec::new();
        if let Some(t) = self.thousands {
            parts.push(format!("thousands `{}`", show_separator(t)));
        }
        parts.push(format!("decimal `{}`", char::from(self.decimal)));
        if !self.currency.is_empty() {
            let signs: Vec<String> = self.currency.iter().map(|c| format!("`{c}`")).collect();
            parts.push(format!("currency {}", signs.join(" or ")));
        }
        parts.join(", ")
    }

    /// 1500000.50 written in this format: `Rp 1.500.000,50`.
    pub fn example(&self) -> String {
        let mut out = String::new();
        if let Some(c) = self.currency.last() {
            out.push_str(c);
            out.push(' ');
        }
        match self.thousands {
            Some(t) => {
                let t = char::from(t);
                out.push_str(&format!("1{t}500{t}000"));
            }
            None => out.push_str("1500000"),
        }
        out.push(char::from(self.decimal));
        out.push_str("50");
        out
    }
}

fn show_separator(b: u8) -> String {
    match b {
        b' ' => "space".to_string(),
        b => char::from(b).to_string(),
    }
}

fn trim_start(s: &[u8]) -> &[u8] {
    let n = s.iter().take_while(|&&b| b == b' ').count();
    &s[n..]
}

/// What a value map's label reads as.
#[derive(Debug, Clone, PartialEq)]
pub enum Target {
    /// A label of the input's enum, or `true`/`false` (any case) for a yes/no input.
    Label(String),
    /// `true` or `false` written as a TOML boolean, for a yes/no input.
    Bool(bool),
}

/// One input's settings in a profile.
#[derive(Debug, Clone, Default)]
pub struct InputSettings {
    pub name: String,
    name_span: Range<usize>,
    /// (the file's label, what it reads as), in file order.
    pub values: Vec<(String, Target)>,
    value_spans: Vec<(Range<usize>, Range<usize>)>,
    pub missing: Vec<String>,
    missing_span: Option<Range<usize>>,
    pub number: Option<NumberFormat>,
    number_span: Option<Range<usize>>,
    /// `date = "DD/MM/YYYY"`: a date input's cells are day/month/year.
    pub date_dmy: bool,
    date_span: Option<Range<usize>>,
}

/// A loaded profile, checked on its own (not yet against a policy).
#[derive(Debug, Clone, Default)]
pub struct Profile {
    /// The profile's path, for messages.
    pub file: String,
    source: String,
    pub description: String,
    pub delimiter: Option<u8>,
    pub id_columns: Vec<String>,
    pub require_columns: bool,
    /// Drop every column name's part up to its last `/` (`hh/member/age` → `age`).
    pub strip_groups: bool,
    /// Prefixes to drop from column names (the first that matches, ignoring ASCII case).
    pub strip_prefixes: Vec<String>,
    /// (FROM, TO): the file's column FROM (as the file names it, or after
    /// the prefixes are stripped) is input TO.
    pub columns: Vec<(String, String)>,
    column_spans: Vec<Range<usize>>,
    /// Missing-value codes of every input but the household id.
    pub missing: Vec<String>,
    /// The number format of every number and money input without its own.
    pub number: Option<NumberFormat>,
    pub inputs: Vec<InputSettings>,
}

/// One input's settings resolved against a policy, for the row parser.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct CellRules {
    /// Cells (trimmed, ignoring ASCII case) that read as an empty cell.
    pub missing: Vec<String>,
    /// Labels (ignoring ASCII case) and the slot value each reads as (an
    /// enum value's index, or 1/0).
    pub values: Vec<(String, f64)>,
    pub number: Option<NumberFormat>,
    /// Date cells are `DD/MM/YYYY` (else `YYYY-MM-DD`).
    pub date_dmy: bool,
}

impl CellRules {
    fn is_empty(&self) -> bool {
        self.missing.is_empty() && self.values.is_empty() && self.number.is_none() && !self.date_dmy
    }
}

// ------------------------------------------------------------- raw TOML

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawProfile {
    description: Option<String>,
    delimiter: Option<Spanned<String>>,
    id_columns: Option<Vec<Spanned<String>>>,
    require_columns: Option<bool>,
    strip_groups: Option<bool>,
    strip_prefixes: Option<Vec<Spanned<String>>>,
    missing: Option<Spanned<Vec<Spanned<String>>>>,
    number: Option<Spanned<RawNumber>>,
    #[serde(default)]
    columns: BTreeMap<Spanned<String>, Spanned<String>>,
    #[serde(default)]
    inputs: BTreeMap<Spanned<String>, RawInput>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawNumber {
    decimal: Option<Spanned<String>>,
    thousands: Option<Spanned<String>>,
    currency: Option<Spanned<RawCurrency>>,
}

#[derive(Debug, Deserialize)]
#[serde(untagged)]
enum RawCurrency {
    One(String),
    Many(Vec<String>),
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawInput {
    #[serde(default)]
    values: BTreeMap<Spanned<String>, Spanned<RawTarget>>,
    missing: Option<Spanned<Vec<Spanned<String>>>>,
    number: Option<Spanned<RawNumber>>,
    /// A date input's cell format: `"DD/MM/YYYY"` or `"YYYY-MM-DD"`.
    date: Option<Spanned<String>>,
}

#[derive(Debug, Deserialize)]
#[serde(untagged)]
enum RawTarget {
    Bool(bool),
    Text(String),
}

/// Keys a profile may have, for "did you mean".
const TOP_KEYS: [&str; 10] = [
    "description",
    "delimiter",
    "id_columns",
    "require_columns",
    "strip_groups",
    "strip_prefixes",
    "missing",
    "number",
    "columns",
    "inputs",
];

struct Loader<'s> {
    file: &'s str,
    source: &'s str,
    diags: Vec<Diagnostic>,
}

impl Loader<'_> {
    fn error(&mut self, span: Range<usize>, message: impl Into<String>, help: Option<String>) {
        self.diags
            .push(Diagnostic::at(self.file, self.source, span, message, help));
    }

    fn number(&mut self, raw: &Spanned<RawNumber>) -> Option<NumberFormat> {
        let n = raw.get_ref();
        let mut ok = true;
        let mut separator = |s: &Option<Spanned<String>>, what: &str, allowed: &[u8]| match s {
            None => None,
            Some(s) => {
                let v = s.get_ref();
                let b = match v.as_str() {
                    "space" | " " => Some(b' '),
                    _ if v.len() == 1 && allowed.contains(&v.as_bytes()[0]) => {
                        Some(v.as_bytes()[0])
                    }
                    _ => None,
                };
                if b.is_none() || !allowed.contains(&b.unwrap_or(0)) {
                    ok = false;
                    let list: Vec<String> = allowed
                        .iter()
                        .map(|&a| format!("\"{}\"", show_separator(a)))
                        .collect();
                    self.error(
                        s.span(),
                        format!("`{v}` cannot be the {what} separator"),
                        Some(format!("write one of {}", list.join(", "))),
                    );
                }
                b
            }
        };
        let decimal = separator(&n.decimal, "decimal", b".,").unwrap_or(b'.');
        let thousands = separator(&n.thousands, "thousands", b".,' _");
        if ok && thousands == Some(decimal) {
            let span = n.thousands.as_ref().map_or(raw.span(), Spanned::span);
            self.error(
                span,
                format!(
                    "the thousands separator is also the decimal separator (`{}`)",
                    char::from(decimal)
                ),
                Some(if decimal == b'.' {
                    "for `1.500.000,50` write decimal = \",\" and thousands = \".\"".into()
                } else {
                    "for `1,500,000.50` write decimal = \".\" and thousands = \",\"".into()
                }),
            );
            ok = false;
        }
        let mut currency = match n.currency.as_ref().map(Spanned::get_ref) {
            None => Vec::new(),
            Some(RawCurrency::One(c)) => vec![c.trim().to_string()],
            Some(RawCurrency::Many(cs)) => cs.iter().map(|c| c.trim().to_string()).collect(),
        };
        if let Some(c) = &n.currency {
            if currency
                .iter()
                .any(|s| s.is_empty() || s.bytes().any(|b| b.is_ascii_digit() || b == b'-'))
            {
                self.error(
                    c.span(),
                    "a currency sign must be text without digits or `-`",
                    Some("e.g. currency = \"Rp\" or currency = [\"Rp\", \"IDR\"]".into()),
                );
                ok = false;
            }
        }
        currency.sort_by_key(|c| std::cmp::Reverse(c.len()));
        ok.then_some(NumberFormat {
            decimal,
            thousands,
            currency,
        })
    }

    fn codes(&mut self, raw: &Spanned<Vec<Spanned<String>>>) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        for code in raw.get_ref() {
            let c = code.get_ref().trim().to_string();
            if c.len() > 100 {
                self.error(
                    code.span(),
                    "a missing-value code is at most 100 bytes",
                    None,
                );
            } else if out.iter().any(|o| o.eq_ignore_ascii_case(&c)) {
                self.error(code.span(), format!("`{c}` is listed twice"), None);
            } else {
                out.push(c);
            }
        }
        out
    }
}

impl Profile {
    /// Load and check `source`, the text of the profile `file`.
    pub fn load(file: &str, source: &str) -> Result<Profile, ProfileError> {
        let raw: RawProfile = match toml::from_str(source) {
            Ok(r) => r,
            Err(e) => {
                let mut message = e.message().trim().to_string();
                if let Some(key) = message
                    .strip_prefix("unknown field `")
                    .and_then(|m| m.split('`').next())
                {
                    if let Some(s) = crate::expr::suggest(key, TOP_KEYS) {
                        message = format!("{message}; did you mean `{s}`?");
                    }
                }
                let diag = match e.span() {
                    Some(span) => Diagnostic::at(file, source, span, message, None),
                    None => Diagnostic::whole_file(file, message, None),
                };
                return Err(ProfileError {
                    diagnostics: vec![diag],
                });
            }
        };
        let mut l = Loader {
            file,
            source,
            diags: Vec::new(),
        };
        let mut p = Profile {
            file: file.to_string(),
            source: source.to_string(),
            description: raw.description.unwrap_or_default(),
            require_columns: raw.require_columns.unwrap_or(false),
            strip_groups: raw.strip_groups.unwrap_or(false),
            ..Profile::default()
        };
        if let Some(d) = &raw.delimiter {
            p.delimiter = match d.get_ref().as_str() {
                "tab" | "\\t" | "\t" => Some(b'\t'),
                s if s.len() == 1 && s.is_ascii() && !matches!(s, "\"" | "\n" | "\r") => {
                    Some(s.as_bytes()[0])
                }
                s => {
                    l.error(
                        d.span(),
                        format!("`{s}` cannot be the delimiter"),
                        Some(
                            "write one ASCII character such as \",\" \";\" \"|\", or \"tab\""
                                .into(),
                        ),
                    );
                    None
                }
            };
        }
        for name in raw.id_columns.iter().flatten() {
            let n = name.get_ref().trim();
            if n.is_empty() {
                l.error(name.span(), "an id column needs a name", None);
            } else if p.id_columns.iter().any(|c| c.eq_ignore_ascii_case(n)) {
                l.error(name.span(), format!("column `{n}` is named twice"), None);
            } else {
                p.id_columns.push(n.to_string());
            }
        }
        for prefix in raw.strip_prefixes.iter().flatten() {
            if prefix.get_ref().is_empty() {
                l.error(prefix.span(), "an empty prefix strips nothing", None);
            } else {
                p.strip_prefixes.push(prefix.get_ref().clone());
            }
        }
        if let Some(m) = &raw.missing {
            p.missing = l.codes(m);
        }
        if let Some(n) = &raw.number {
            p.number = l.number(n);
        }
        let mut columns: Vec<(&Spanned<String>, &Spanned<String>)> = raw.columns.iter().collect();
        columns.sort_by_key(|(from, _)| from.span().start);
        for (from, to) in columns {
            let f = from.get_ref().trim();
            if f.is_empty() || to.get_ref().trim().is_empty() {
                l.error(
                    from.span().start..to.span().end,
                    "a column rename needs both names",
                    Some("e.g. \"hh/size\" = \"members\"".into()),
                );
                continue;
            }
            if let Some((prev, _)) = p.columns.iter().find(|(c, _)| c.eq_ignore_ascii_case(f)) {
                l.error(
                    from.span(),
                    format!("column `{f}` is renamed twice (also as `{prev}`)"),
                    None,
                );
                continue;
            }
            p.columns
                .push((f.to_string(), to.get_ref().trim().to_string()));
            p.column_spans.push(to.span());
        }
        let mut inputs: Vec<(&Spanned<String>, &RawInput)> = raw.inputs.iter().collect();
        inputs.sort_by_key(|(name, _)| name.span().start);
        for (name, raw_input) in inputs {
            let mut settings = InputSettings {
                name: name.get_ref().clone(),
                name_span: name.span(),
                ..InputSettings::default()
            };
            let mut values: Vec<(&Spanned<String>, &Spanned<RawTarget>)> =
                raw_input.values.iter().collect();
            values.sort_by_key(|(label, _)| label.span().start);
            for (label, target) in values {
                let key = label.get_ref().trim();
                if key.is_empty() {
                    l.error(
                        label.span(),
                        "an empty label is an empty cell: list it under `missing` instead",
                        None,
                    );
                    continue;
                }
                if settings
                    .values
                    .iter()
                    .any(|(k, _)| k.eq_ignore_ascii_case(key))
                {
                    l.error(
                        label.span(),
                        format!("label `{key}` is mapped twice (labels ignore case)"),
                        None,
                    );
                    continue;
                }
                let t = match target.get_ref() {
                    RawTarget::Bool(b) => Target::Bool(*b),
                    RawTarget::Text(s) => Target::Label(s.trim().to_string()),
                };
                settings.values.push((key.to_string(), t));
                settings.value_spans.push((label.span(), target.span()));
            }
            if let Some(m) = &raw_input.missing {
                settings.missing = l.codes(m);
                settings.missing_span = Some(m.span());
            }
            if let Some(n) = &raw_input.number {
                settings.number = l.number(n);
                settings.number_span = Some(n.span());
            }
            if let Some(d) = &raw_input.date {
                match d.get_ref().as_str() {
                    "DD/MM/YYYY" => settings.date_dmy = true,
                    "YYYY-MM-DD" => {}
                    other => l.error(
                        d.span(),
                        format!("unknown date format `{other}`"),
                        Some("write date = \"DD/MM/YYYY\" (or the default \"YYYY-MM-DD\")".into()),
                    ),
                }
                settings.date_span = Some(d.span());
            }
            p.inputs.push(settings);
        }
        if l.diags.is_empty() {
            Ok(p)
        } else {
            Err(ProfileError {
                diagnostics: l.diags,
            })
        }
    }

    /// Check the profile against `policy` (and the person inputs it
    /// declares): every input named exists, value maps map onto the input's
    /// labels, each setting fits the input's type. Every problem at once.
    pub fn check(&self, policy: &Policy) -> Result<(), ProfileError> {
        let mut l = Loader {
            file: &self.file,
            source: &self.source,
            diags: Vec::new(),
        };
        let schema = policy.persons.as_ref().map(|p| &*p.schema);
        let find = |name: &str| {
            find_input(policy, name)
                .map(|i| (policy, i))
                .or_else(|| schema.and_then(|s| find_input(s, name).map(|i| (s, i))))
        };
        let all_names: Vec<&str> = policy
            .inputs
            .iter()
            .chain(schema.iter().flat_map(|s| s.inputs.iter()))
            .map(|i| i.name.as_str())
            .collect();
        let no_input = |l: &mut Loader<'_>, name: &str, span: Range<usize>| {
            l.error(
                span,
                format!("the policy has no input `{name}`"),
                crate::expr::suggest(name, all_names.iter().copied())
                    .map(|s| format!("did you mean `{s}`?")),
            );
        };
        for ((_, to), span) in self.columns.iter().zip(&self.column_spans) {
            if find(to).is_none() {
                no_input(&mut l, to, span.clone());
            }
        }
        for s in &self.inputs {
            let Some((p, i)) = find(&s.name) else {
                no_input(&mut l, &s.name, s.name_span.clone());
                continue;
            };
            let input = &p.inputs[i];
            let is_id = i == p.fields.id_input;
            if is_id && !s.missing.is_empty() {
                l.error(
                    s.missing_span.clone().unwrap_or(s.name_span.clone()),
                    format!(
                        "`{}` is the household id: it has no missing-value codes",
                        input.name
                    ),
                    Some("a row without an id is rejected".into()),
                );
            }
            if s.number_span.is_some()
                && !matches!(
                    input.ty,
                    InputType::Integer | InputType::Number | InputType::Money
                )
            {
                l.error(
                    s.number_span.clone().unwrap_or(s.name_span.clone()),
                    format!(
                        "`{}` is {}: a number format applies to number, money and integer inputs",
                        input.name,
                        type_words(input.ty)
                    ),
                    None,
                );
            }
            if s.date_span.is_some() && input.ty != InputType::Date {
                l.error(
                    s.date_span.clone().unwrap_or(s.name_span.clone()),
                    format!(
                        "`{}` is {}: a date format applies to date inputs",
                        input.name,
                        type_words(input.ty)
                    ),
                    None,
                );
            }
            if s.values.is_empty() {
                continue;
            }
            match input.ty {
                InputType::Enum(e) => {
                    let labels = &p.enums[usize::from(e)].values;
                    for ((label, target), (_, tspan)) in s.values.iter().zip(&s.value_spans) {
                        let t = match target {
                            Target::Label(t) => t.as_str(),
                            Target::Bool(b) => {
                                l.error(
                                    tspan.clone(),
                                    format!("`{}` takes one of its labels, not `{b}`", input.name),
                                    Some(format!("the labels are {}", super::list_names(labels))),
                                );
                                continue;
                            }
                        };
                        if !labels.iter().any(|v| v.eq_ignore_ascii_case(t)) {
                            let hint = crate::expr::suggest(t, labels.iter().map(String::as_str))
                                .map_or_else(
                                    || format!("the labels are {}", super::list_names(labels)),
                                    |s| {
                                        format!(
                                            "did you mean `{s}`? (the labels are {})",
                                            super::list_names(labels)
                                        )
                                    },
                                );
                            l.error(
                                tspan.clone(),
                                format!(
                                    "`{}` has no label `{t}` (for the file's `{label}`)",
                                    input.name
                                ),
                                Some(hint),
                            );
                        }
                    }
                }
                InputType::Bool => {
                    for ((label, target), (_, tspan)) in s.values.iter().zip(&s.value_spans) {
                        if let Target::Label(t) = target {
                            if bool_label(t).is_none() {
                                l.error(
                                    tspan.clone(),
                                    format!("`{}` is yes/no: `{label}` must read as true or false, not `{t}`", input.name),
                                    Some(format!("write \"{label}\" = true or \"{label}\" = false")),
                                );
                            }
                        }
                    }
                }
                ty => {
                    let span = s.value_spans[0].0.clone();
                    l.error(
                        span,
                        format!(
                            "`{}` is {}: value maps apply to enum (label) and yes/no inputs",
                            input.name,
                            type_words(ty)
                        ),
                        None,
                    );
                }
            }
        }
        if l.diags.is_empty() {
            Ok(())
        } else {
            Err(ProfileError {
                diagnostics: l.diags,
            })
        }
    }

    /// The name a column of the file is matched by once the profile's
    /// prefixes are stripped (`hh/size` → `size` with `strip_groups`).
    pub fn stripped<'h>(&self, name: &'h str) -> &'h str {
        let mut s = name;
        for prefix in &self.strip_prefixes {
            if s.len() >= prefix.len()
                && s.is_char_boundary(prefix.len())
                && s[..prefix.len()].eq_ignore_ascii_case(prefix)
            {
                s = &s[prefix.len()..];
                break;
            }
        }
        if self.strip_groups {
            if let Some(i) = s.rfind('/') {
                s = &s[i + 1..];
            }
        }
        if s.trim().is_empty() { name } else { s }
    }

    /// The renames `(FROM as in the header, TO)` this profile makes of
    /// `header` for `policy`: its `[columns]` (FROM as the file names the
    /// column or as stripped), and each column whose stripped name is an
    /// input. `taken(FROM, TO)`: the command line renames this column or onto
    /// this input (the command line wins). A stripped name never takes an
    /// input that another column of the file already has by name or by a
    /// rename (that column wins); a `[columns]` rename that would is kept,
    /// and reported as a clash, as a `--rename` would be. Renames onto inputs
    /// `policy` lacks are left out (see [`Profile::check`]).
    pub fn renames_for(
        &self,
        policy: &Policy,
        header: &[String],
        taken: &dyn Fn(&str, &str) -> bool,
    ) -> Vec<(String, String)> {
        let mut out: Vec<(String, String)> = Vec::new();
        let mut implicit: Vec<(String, String)> = Vec::new();
        for h in header {
            let stripped = self.stripped(h);
            let explicit = self
                .columns
                .iter()
                .find(|(from, _)| from.eq_ignore_ascii_case(h))
                .or_else(|| {
                    self.columns
                        .iter()
                        .find(|(from, _)| from.eq_ignore_ascii_case(stripped))
                });
            match explicit {
                Some((_, to)) => {
                    if let Some(i) = find_input(policy, to) {
                        let to = &policy.inputs[i].name;
                        if !taken(h, to) {
                            out.push((h.clone(), to.clone()));
                        }
                    }
                }
                None if stripped != h => {
                    if let Some(i) = find_input(policy, stripped) {
                        let to = &policy.inputs[i].name;
                        if !taken(h, to) {
                            implicit.push((h.clone(), to.clone()));
                        }
                    }
                }
                None => {}
            }
        }
        for (from, to) in implicit {
            let own = header.iter().any(|h| h.eq_ignore_ascii_case(&to));
            let renamed = out.iter().any(|(_, t)| t == &to) || taken("", &to);
            let twice = header
                .iter()
                .filter(|h| {
                    self.stripped(h).eq_ignore_ascii_case(&to)
                        && !self.columns.iter().any(|(f, _)| f.eq_ignore_ascii_case(h))
                })
                .count()
                > 1;
            if !own && !renamed && !twice {
                out.push((from, to));
            }
        }
        out
    }

    /// Each input's settings resolved against `policy` (empty when the
    /// profile sets nothing for any input), in the policy's input order.
    /// Settings of inputs `policy` lacks (a person input, for the household
    /// policy) are left out; [`Profile::check`] reports names no policy has.
    pub fn cell_rules(&self, policy: &Policy) -> Vec<Option<CellRules>> {
        let mut rules: Vec<Option<CellRules>> = policy
            .inputs
            .iter()
            .enumerate()
            .map(|(i, input)| {
                let mut r = CellRules::default();
                if i != policy.fields.id_input {
                    r.missing = self
                        .missing
                        .iter()
                        .filter(|m| !m.is_empty())
                        .cloned()
                        .collect();
                }
                if matches!(input.ty, InputType::Number | InputType::Money) {
                    r.number = self.number.clone();
                }
                Some(r)
            })
            .collect();
        for s in &self.inputs {
            let Some(i) = find_input(policy, &s.name) else {
                continue;
            };
            let Some(Some(r)) = rules.get_mut(i) else {
                continue;
            };
            for m in &s.missing {
                if !m.is_empty() && !r.missing.iter().any(|x| x.eq_ignore_ascii_case(m)) {
                    r.missing.push(m.clone());
                }
            }
            if s.number.is_some() {
                r.number = s.number.clone();
            }
            r.date_dmy |= s.date_dmy;
            let input = &policy.inputs[i];
            for (label, target) in &s.values {
                let value = match (input.ty, target) {
                    (InputType::Enum(e), Target::Label(t)) => policy.enums[usize::from(e)]
                        .values
                        .iter()
                        .position(|v| v.eq_ignore_ascii_case(t))
                        .map(|k| k as f64),
                    (InputType::Bool, Target::Bool(b)) => Some(f64::from(u8::from(*b))),
                    (InputType::Bool, Target::Label(t)) => bool_label(t),
                    _ => None,
                };
                if let Some(v) = value {
                    r.values.push((label.clone(), v));
                }
            }
        }
        if rules.iter().flatten().all(CellRules::is_empty) {
            return Vec::new();
        }
        rules
            .into_iter()
            .map(|r| r.filter(|r| !r.is_empty()))
            .collect()
    }
}

/// The index of `policy`'s input named `name` (ignoring case, as columns are matched).
fn find_input(policy: &Policy, name: &str) -> Option<usize> {
    policy
        .inputs
        .iter()
        .position(|i| i.name == name)
        .or_else(|| {
            policy
                .inputs
                .iter()
                .position(|i| i.name.eq_ignore_ascii_case(name))
        })
}

/// `true`/`false` (and the yes/no spellings a cell may have) as 1/0.
fn bool_label(t: &str) -> Option<f64> {
    super::cell::parse_bool(t.trim().as_bytes()).ok()
}

fn type_words(ty: InputType) -> &'static str {
    match ty {
        InputType::Id => "the household id",
        InputType::Text => "text",
        InputType::Integer => "an integer",
        InputType::Number => "a number",
        InputType::Money => "money",
        InputType::Bool => "yes/no",
        InputType::Date => "a date",
        InputType::Enum(_) => "an enum (labels)",
    }
}

mod matching;
pub use matching::{Match, match_columns, normalise, synonym_column};

#[cfg(test)]
mod tests;
