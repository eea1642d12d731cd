//! From raw TOML to a checked [`Policy`]: names to slots, types, dependency
//! order, and every problem reported with its place in the file.
//!
//! The checker keeps going after an error where it can, so `layak policy
//! check` shows every problem at once rather than one per run.

use std::collections::HashMap;
use std::ops::Range;

use super::raw::{self, RawPolicy, RawScalar, S};
use super::template::{self, Segment, Template};
use super::*;
use crate::error::Diagnostic;
use crate::expr::{self, Binding, EnumId, Scope, Span, Type};
use toml::Spanned;

/// Names visible to expressions at one stage of the policy. It borrows the
/// checker's table rather than copying it: a copy per expression made loading
/// quadratic in the number of names (20,000 derived values took 17 s).
struct Names<'a> {
    map: &'a HashMap<String, (Binding, Type)>,
    enums: &'a [EnumDef],
    enum_index: &'a [HashMap<String, usize>],
    /// "Did you mean" searches left for this load.
    suggestions: &'a std::cell::Cell<usize>,
}

impl Scope for Names<'_> {
    fn resolve(&self, name: &str) -> Option<(Binding, Type)> {
        self.map.get(name).copied()
    }
    fn enum_values(&self, id: EnumId) -> &[String] {
        self.enums
            .get(usize::from(id))
            .map_or(&[], |e| e.values.as_slice())
    }
    fn enum_value_index(&self, id: EnumId, text: &str) -> Option<usize> {
        let index = self.enum_index.get(usize::from(id))?;
        // Values are stored lowercased; a literal matches in any case.
        index
            .get(text)
            .or_else(|| index.get(text.to_lowercase().as_str()))
            .copied()
    }
    fn enum_label(&self, id: EnumId) -> &str {
        self.enums.get(usize::from(id)).map_or("?", |e| &e.label)
    }
    fn may_suggest(&self) -> bool {
        let left = self.suggestions.get();
        self.suggestions.set(left.saturating_sub(1));
        left > 0
    }
    fn names(&self) -> Vec<String> {
        let mut v: Vec<String> = self.map.keys().cloned().collect();
        v.sort();
        v
    }
}

struct Checker<'s> {
    file: &'s str,
    source: &'s str,
    diags: Vec<Diagnostic>,
    enums: Vec<EnumDef>,
    /// For each enum in `enums`, value → index, so that a literal is found in
    /// constant time however long the list.
    enum_index: Vec<HashMap<String, usize>>,
    map: HashMap<String, (Binding, Type)>,
    /// Every declared name and what it is, for duplicate and "wrong stage" messages.
    declared: HashMap<String, &'static str>,
    /// Names whose own definition failed: later "unknown name" errors about
    /// them would only repeat the first error, so they are not reported.
    failed: std::collections::HashSet<String>,
    /// Set when derived values form a cycle: nothing after them can be checked.
    cycle: bool,
    /// Every name the file declares anywhere, for "not available here" hints.
    all_names: HashMap<String, &'static str>,
    /// `[review] default_months`, the review interval of a program without its own.
    default_review: u32,
    /// "Did you mean" searches left: each reads every visible name (or an
    /// enum's values), so only the first [`SUGGESTION_SEARCHES`] errors get one.
    suggestions: std::cell::Cell<usize>,
    /// Where each line of the file starts, so that an error's line is found
    /// without rescanning the file (a policy with thousands of errors).
    lines: LineIndex,
}

/// Line starts of a source text, built on the first error.
#[derive(Default)]
struct LineIndex {
    /// Byte offset of each line's start, and whether the line is ASCII (its
    /// columns are then byte offsets).
    starts: Vec<(usize, bool)>,
}

impl LineIndex {
    /// A diagnostic for `span` of `source` (what [`Diagnostic::at`] builds),
    /// found in O(log lines) and quoting at most [`SNIPPET_BYTES`] of its line.
    fn diagnostic(
        &mut self,
        file: &str,
        source: &str,
        span: Range<usize>,
        message: impl Into<String>,
        help: Option<String>,
    ) -> Diagnostic {
        if self.starts.is_empty() {
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
        let source_line = if text.len() > SNIPPET_BYTES {
            // Only what the snippet can show: a one-line list of megabytes
            // would otherwise be copied into every error about it.
            let mut cut = (SNIPPET_BYTES + 1).min(text.len());
            while !text.is_char_boundary(cut) {
                cut -= 1;
            }
            text[..cut].to_string()
        } else {
            text.to_string()
        };
        let d = Diagnostic {
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
}

/// A count of the elementary steps of a load (a scope handed to an
/// expression, an enum value checked, a dependency edge followed), so that a
/// test can check that loading grows linearly with the policy without timing
/// anything. Counting is compiled only into tests.
pub(super) mod work {
    #[cfg(test)]
    thread_local! {
        static STEPS: std::cell::Cell<u64> = const { std::cell::Cell::new(0) };
    }

    #[cfg(test)]
    pub fn count(steps: u64) {
        STEPS.with(|c| c.set(c.get() + steps));
    }

    #[cfg(not(test))]
    #[inline(always)]
    pub fn count(_steps: u64) {}

    /// Steps counted on this thread since the last call (tests only).
    #[cfg(test)]
    pub fn take() -> u64 {
        STEPS.with(|c| c.replace(0))
    }
}

pub(super) fn load(file: &str, source: &str, options: &LoadOptions) -> Result<Policy, PolicyError> {
    let raw: RawPolicy = match toml::from_str(source) {
        Ok(r) => r,
        Err(e) => {
            let diag = match e.span() {
                Some(span) => Diagnostic::at(file, source, span, toml_message(&e), None),
                None => Diagnostic::whole_file(file, toml_message(&e), None),
            };
            return Err(PolicyError {
                diagnostics: vec![bounded(diag)],
            });
        }
    };
    let as_of = options.as_of.clone().unwrap_or_else(today);
    let mut c = Checker {
        file,
        source,
        diags: Vec::new(),
        enums: Vec::new(),
        enum_index: Vec::new(),
        map: HashMap::new(),
        declared: HashMap::new(),
        failed: Default::default(),
        cycle: false,
        all_names: HashMap::new(),
        default_review: 12,
        suggestions: std::cell::Cell::new(SUGGESTION_SEARCHES),
        lines: LineIndex::default(),
    };
    let policy = c.policy(raw, &as_of);
    if c.diags.is_empty() {
        if let Some(p) = policy {
            return Ok(p);
        }
    }
    if c.diags.is_empty() {
        c.diags.push(Diagnostic::whole_file(
            file,
            "the policy is incomplete",
            None,
        ));
    }
    Err(PolicyError {
        diagnostics: c.diags.into_iter().map(bounded).collect(),
    })
}

/// How many errors of one load get a "did you mean" suggestion. Each search
/// reads every name in scope: 5,000 misspelt names among 20,000 took 110 s.
const SUGGESTION_SEARCHES: usize = 50;

/// The longest source line a diagnostic quotes in full, in bytes.
const SNIPPET_BYTES: usize = 240;

/// A diagnostic that quotes at most a few hundred bytes of the policy: a
/// 100,000-value enum sits on one line of megabytes, and names and values are
/// quoted in messages. The location still says where the problem is.
fn bounded(mut d: Diagnostic) -> Diagnostic {
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

fn toml_message(e: &toml::de::Error) -> String {
    let m = e.message().trim();
    format!("invalid policy file: {m}")
}

fn is_identifier(s: &str) -> bool {
    let mut chars = s.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
        && !matches!(
            s,
            "and" | "or" | "not" | "in" | "if" | "then" | "else" | "true" | "false"
        )
}

impl<'s> Checker<'s> {
    fn error(&mut self, span: Range<usize>, message: impl Into<String>, help: Option<String>) {
        self.diags.push(
            self.lines
                .diagnostic(self.file, self.source, span, message, help),
        );
    }

    /// Declare a name, reporting a clash with an earlier declaration.
    fn declare(&mut self, name: &S, what: &'static str) -> bool {
        if !is_identifier(name.get_ref()) {
            self.error(
                name.span(),
                format!("`{}` is not a valid name", name.get_ref()),
                Some(
                    "names start with a letter or `_` and contain only ASCII letters, digits and `_` (and are not keywords)"
                        .into(),
                ),
            );
            return false;
        }
        if let Some(prev) = self.declared.get(name.get_ref()) {
            let msg = format!("`{}` is already declared as {prev}", name.get_ref());
            self.error(name.span(), msg, Some("every name must be unique".into()));
            return false;
        }
        self.declared.insert(name.get_ref().clone(), what);
        true
    }

    /// Byte offset in the file where the text of string `s` starts, when the
    /// TOML source holds it verbatim (no escapes), so expression errors can
    /// point at the exact character.
    fn string_base(&self, s: &S) -> Option<usize> {
        let span = s.span();
        let raw = self.source.get(span.clone())?;
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
    fn inner_span(&self, s: &S, offset: usize, span: Span) -> Range<usize> {
        match self.string_base(s) {
            Some(base) => base + offset + span.start..base + offset + span.end.max(span.start + 1),
            None => s.span(),
        }
    }

    fn expr_error(&mut self, s: &S, offset: usize, e: expr::ExprError) {
        let span = self.inner_span(s, offset, e.span);
        let d = self
            .lines
            .diagnostic(self.file, self.source, span, e.message, e.help);
        self.diags.push(d);
    }

    /// Parse, type-check and compile the expression in `s` against the names visible now.
    fn compile(&mut self, s: &S, expected: Option<Type>) -> Option<(expr::Program, Type)> {
        self.compile_at(s, s.get_ref(), 0, expected)
    }

    fn compile_at(
        &mut self,
        s: &S,
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
        let names = Names {
            map: &self.map,
            enums: &self.enums,
            enum_index: &self.enum_index,
            suggestions: &self.suggestions,
        };
        match expr::compile(&parsed, &names, expected) {
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
                    e.help = Some(what);
                    self.expr_error(s, offset, e);
                } else {
                    self.expr_error(s, offset, e);
                }
                None
            }
        }
    }

    fn stage_hint(&self, message: &str) -> Option<String> {
        let name = message.strip_prefix("unknown name `")?.strip_suffix('`')?;
        let what = self.all_names.get(name)?;
        Some(format!(
            "`{name}` is {what}, which is not available at this point of the policy (order: inputs and parameters, checks, derived values and indicators, programs in declared order, then cap, reasons, tracks and priority; text inputs cannot be used in expressions)"
        ))
    }

    fn compile_bool(&mut self, s: &S) -> Option<expr::Program> {
        self.compile(s, Some(Type::Bool)).map(|(p, _)| p)
    }

    fn compile_number(&mut self, s: &S) -> Option<expr::Program> {
        self.compile(s, Some(Type::Number)).map(|(p, _)| p)
    }

    /// A constant number: a TOML number, or a string holding a constant expression (`"1/3"`).
    fn constant(&mut self, v: &Spanned<RawScalar>, what: &str) -> Option<f64> {
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

    fn template(&mut self, s: &S) -> Option<Template> {
        let parts = match template::split(s.get_ref()) {
            Ok(p) => p,
            Err((span, msg)) => {
                let span = self.inner_span(s, 0, span);
                self.error(span, msg, None);
                return None;
            }
        };
        let mut segments = Vec::new();
        let mut ok = true;
        for part in parts {
            match part {
                Ok(text) => segments.push(Segment::Text(text)),
                Err(hole) => match self.compile_at(s, hole.source, hole.start, None) {
                    Some((program, ty)) => segments.push(Segment::Value { program, ty }),
                    None => ok = false,
                },
            }
        }
        ok.then(|| Template::from_parts(segments, &self.enums))
    }

    fn new_enum(&mut self, label: &str, values: Vec<String>) -> EnumId {
        let index = values
            .iter()
            .enumerate()
            .map(|(i, v)| (v.clone(), i))
            .collect();
        self.enum_index.push(index);
        self.enums.push(EnumDef {
            label: label.to_string(),
            values,
        });
        (self.enums.len() - 1) as EnumId
    }

    /// Allowed values of an enum declaration: non-empty, unique, valid names; lowercased.
    fn enum_values(&mut self, owner: &S, values: &[S]) -> Option<Vec<String>> {
        if values.is_empty() {
            self.error(
                owner.span(),
                format!("enum `{}` has no `values`", owner.get_ref()),
                Some("list the allowed values, e.g. values = [\"urban\", \"rural\"]".into()),
            );
            return None;
        }
        let mut out: Vec<String> = Vec::new();
        // Hashed: a search of `out` per value made a 100,000-value list quadratic.
        let mut seen: std::collections::HashSet<String> = Default::default();
        let mut ok = true;
        for v in values {
            work::count(1);
            let lower = v.get_ref().trim().to_ascii_lowercase();
            if !is_identifier(&lower) {
                self.error(
                    v.span(),
                    format!("`{}` is not a valid enum value", v.get_ref()),
                    Some("enum values are names: ASCII letters, digits and `_`".into()),
                );
                ok = false;
            } else if !seen.insert(lower.clone()) {
                self.error(v.span(), format!("`{}` is listed twice", v.get_ref()), None);
                ok = false;
            } else {
                out.push(lower);
            }
        }
        // Keep the good values so that later messages can still list them.
        (ok || !out.is_empty()).then_some(out)
    }

    fn policy(&mut self, raw: RawPolicy, as_of: &str) -> Option<Policy> {
        if !is_valid_date(as_of) {
            self.diags.push(Diagnostic::whole_file(
                self.file,
                format!("`{as_of}` is not a valid date"),
                Some("write dates as YYYY-MM-DD".into()),
            ));
            return None;
        }
        self.collect_names(&raw);
        if let Some(r) = &raw.review {
            self.default_review = self.months(&r.default_months)?;
        }
        let meta = self.meta(&raw.policy);
        let inputs = self.inputs(&raw.inputs);
        let parameters = self.parameters(&raw.parameters, as_of);
        let checks = self.checks(&raw.checks);
        let n_inputs = inputs.len();
        let (derived, deprivation, order, next_slot) =
            self.computed(&raw.derived, raw.deprivation.as_ref(), n_inputs);
        if self.cycle {
            // Everything after depends on the derived values: fix the cycle first.
            return None;
        }
        let programs = self.programs(&raw.programs, next_slot);
        let slot_count = next_slot + programs.len();
        let cap = raw
            .cap
            .as_ref()
            .and_then(|c| self.compile_number(&c.monthly));
        let reasons = self.reasons(&raw.reasons);
        let tracks = self.tracks(&raw.tracks);
        let priority = raw
            .priority
            .as_ref()
            .and_then(|p| self.compile_number(&p.formula));
        let default_review_months = match &raw.review {
            Some(r) => self.months(&r.default_months)?,
            None => 12,
        };
        let fields = self.fields(&inputs, &derived);
        // The rules and the parameter values in force: the hash changes when a
        // dated value takes over, not merely because the date moved on.
        let mut values = String::new();
        for p in &parameters {
            values.push_str(&format!("{}={:?};", p.name, p.value));
        }
        let hash = format!(
            "{:016x}",
            fnv1a64(&[self.source.as_bytes(), values.as_bytes()])
        );
        if !self.diags.is_empty() {
            return None;
        }
        Some(Policy {
            meta: meta?,
            file: self.file.to_string(),
            source: self.source.to_string(),
            as_of: as_of.to_string(),
            hash,
            inputs,
            parameters,
            enums: std::mem::take(&mut self.enums),
            checks,
            derived,
            deprivation,
            order,
            programs,
            cap,
            reasons,
            tracks,
            priority,
            default_review_months,
            fields: fields?,
            slot_count,
        })
    }

    fn collect_names(&mut self, raw: &RawPolicy) {
        let mut add = |name: &S, what: &'static str| {
            self.all_names.entry(name.get_ref().clone()).or_insert(what);
        };
        for i in &raw.inputs {
            let what = match i.ty.get_ref().as_str() {
                "text" | "id" => "a text input",
                _ => "an input",
            };
            add(&i.name, what);
        }
        for p in &raw.parameters {
            add(&p.name, "a parameter");
        }
        for d in &raw.derived {
            add(&d.name, "a derived value");
        }
        for p in &raw.programs {
            add(&p.id, "a program");
        }
        if raw.deprivation.is_some() {
            self.all_names
                .insert("deprivation_score".into(), "the deprivation score");
            self.all_names
                .insert("deprivation_status".into(), "the deprivation status");
        }
    }

    fn months(&mut self, v: &Spanned<i64>) -> Option<u32> {
        match u32::try_from(*v.get_ref()) {
            Ok(m) if m <= 1200 => Some(m),
            _ => {
                self.error(
                    v.span(),
                    "a number of months must be between 0 and 1200",
                    None,
                );
                None
            }
        }
    }

    fn meta(&mut self, m: &raw::RawMeta) -> Option<Meta> {
        if m.id.get_ref().trim().is_empty() {
            self.error(m.id.span(), "the policy id is empty", None);
        }
        if let Some(eff) = &m.effective {
            if !is_valid_date(eff.get_ref()) {
                self.error(
                    eff.span(),
                    format!("`{}` is not a valid date", eff.get_ref()),
                    Some("write dates as YYYY-MM-DD".into()),
                );
            }
        }
        Some(Meta {
            id: m.id.get_ref().clone(),
            name: m.name.clone(),
            version: m.version.clone(),
            currency: m.currency.clone(),
            effective: m
                .effective
                .as_ref()
                .map(|e| e.get_ref().clone())
                .unwrap_or_default(),
            description: m.description.clone(),
            reference: m.reference.clone(),
        })
    }

    fn inputs(&mut self, raws: &[raw::RawInput]) -> Vec<Input> {
        let mut inputs = Vec::new();
        for r in raws {
            self.declare(&r.name, "an input");
            let ty = match r.ty.get_ref().as_str() {
                "id" => InputType::Id,
                "text" => InputType::Text,
                "integer" => InputType::Integer,
                "number" => InputType::Number,
                "money" => InputType::Money,
                "bool" => InputType::Bool,
                "enum" => {
                    let values = self.enum_values(&r.name, &r.values).unwrap_or_default();
                    InputType::Enum(self.new_enum(r.name.get_ref(), values))
                }
                other => {
                    const TYPES: [&str; 7] =
                        ["id", "text", "integer", "number", "money", "bool", "enum"];
                    let help = match expr::suggest(other, TYPES) {
                        Some(s) => format!("did you mean `{s}`? types: {}", TYPES.join(", ")),
                        None => format!("types: {}", TYPES.join(", ")),
                    };
                    self.error(
                        r.ty.span(),
                        format!("unknown input type `{other}`"),
                        Some(help),
                    );
                    self.failed.insert(r.name.get_ref().clone());
                    InputType::Number
                }
            };
            if !matches!(ty, InputType::Enum(_)) && !r.values.is_empty() {
                self.error(r.values[0].span(), "`values` is only for enum inputs", None);
            }
            let numeric = matches!(
                ty,
                InputType::Integer | InputType::Number | InputType::Money
            );
            let bound = |this: &mut Self, v: &Option<Spanned<RawScalar>>, what: &str| {
                let v = v.as_ref()?;
                if !numeric {
                    this.error(
                        v.span(),
                        format!("`{what}` is only for integer, number and money inputs"),
                        None,
                    );
                    return None;
                }
                this.constant(v, what)
            };
            let min = bound(self, &r.min, "min");
            let max = bound(self, &r.max, "max");
            if let (Some(lo), Some(hi)) = (min, max) {
                if lo > hi {
                    if let Some(m) = &r.max {
                        self.error(m.span(), format!("max {hi} is below min {lo}"), None);
                    }
                }
            }
            let (default, default_text) = self.input_default(r, ty, min, max);
            if ty == InputType::Id && r.default.is_some() {
                if let Some(d) = &r.default {
                    self.error(
                        d.span(),
                        "the id input cannot have a default",
                        Some("every household needs its own id: use `required = true`".into()),
                    );
                }
            }
            if r.required && r.default.is_some() {
                if let Some(d) = &r.default {
                    self.error(
                        d.span(),
                        format!("input `{}` is required and has a default", r.name.get_ref()),
                        Some("keep one: `required = true` or `default = …`".into()),
                    );
                }
            }
            if !r.required && r.default.is_none() && ty != InputType::Text {
                self.error(
                    r.name.span(),
                    format!("input `{}` has no default and is not required", r.name.get_ref()),
                    Some("add `default = …` (used for empty cells and a missing column) or `required = true`".into()),
                );
            }
            let slot = inputs.len();
            if !ty.is_text() {
                let t = match ty {
                    InputType::Bool => Type::Bool,
                    InputType::Enum(id) => Type::Enum(id),
                    _ => Type::Number,
                };
                self.map
                    .insert(r.name.get_ref().clone(), (Binding::Slot(slot), t));
            }
            inputs.push(Input {
                name: r.name.get_ref().clone(),
                ty,
                min,
                max,
                required: r.required,
                default,
                default_text,
                meaning: r.meaning.clone(),
            });
        }
        let ids: Vec<usize> = (0..inputs.len())
            .filter(|&i| inputs[i].ty == InputType::Id)
            .collect();
        if ids.len() != 1 {
            let msg = if ids.is_empty() {
                "no input has `type = \"id\"`"
            } else {
                "more than one input has `type = \"id\"`"
            };
            let span = ids.get(1).map_or(0..0, |&i| raws[i].ty.span());
            self.error(
                span,
                msg,
                Some("exactly one input identifies the household, e.g. name = \"household_id\", type = \"id\", required = true".into()),
            );
        }
        inputs
    }

    fn input_default(
        &mut self,
        r: &raw::RawInput,
        ty: InputType,
        min: Option<f64>,
        max: Option<f64>,
    ) -> (f64, String) {
        let Some(d) = &r.default else {
            return (0.0, String::new());
        };
        let name = r.name.get_ref();
        let bad = |this: &mut Self, expected: &str| {
            this.error(
                d.span(),
                format!("the default of `{name}` must be {expected}"),
                None,
            );
            (0.0, String::new())
        };
        match (ty, d.get_ref()) {
            (InputType::Text | InputType::Id, RawScalar::Text(t)) => (0.0, t.clone()),
            (InputType::Text | InputType::Id, _) => bad(self, "a string"),
            (InputType::Bool, RawScalar::Bool(b)) => (f64::from(u8::from(*b)), String::new()),
            (InputType::Bool, _) => bad(self, "true or false"),
            (InputType::Enum(id), RawScalar::Text(t)) => {
                let lower = t.trim().to_ascii_lowercase();
                let found = self
                    .enum_index
                    .get(usize::from(id))
                    .and_then(|index| index.get(&lower).copied());
                match found {
                    Some(i) => (i as f64, String::new()),
                    None => {
                        let values = self
                            .enums
                            .get(usize::from(id))
                            .map_or(&[][..], |e| e.values.as_slice());
                        let help = format!("allowed values: {}", crate::policy::quote_list(values));
                        self.error(
                            d.span(),
                            format!("the default `{t}` is not an allowed value of `{name}`"),
                            Some(help),
                        );
                        (0.0, String::new())
                    }
                }
            }
            (InputType::Enum(_), _) => bad(self, "one of its values, as a string"),
            (_, RawScalar::Integer(_) | RawScalar::Float(_)) => {
                let v = match d.get_ref() {
                    RawScalar::Integer(i) => *i as f64,
                    RawScalar::Float(f) => *f,
                    _ => 0.0,
                };
                if ty == InputType::Integer && v.fract() != 0.0 {
                    return bad(self, "a whole number");
                }
                if min.is_some_and(|m| v < m) || max.is_some_and(|m| v > m) {
                    self.error(
                        d.span(),
                        format!("the default of `{name}` is out of its range"),
                        None,
                    );
                }
                (v, String::new())
            }
            _ => bad(self, "a number"),
        }
    }

    fn parameters(&mut self, raws: &[raw::RawParameter], as_of: &str) -> Vec<Parameter> {
        let mut out = Vec::new();
        for r in raws {
            if !self.declare(&r.name, "a parameter") {
                continue;
            }
            let mut from = None;
            let mut chosen: Option<&Spanned<RawScalar>> = None;
            let mut ok = true;
            let mut last_from: Option<&str> = None;
            for dv in &r.values {
                let f = dv.from.get_ref().as_str();
                if !is_valid_date(f) {
                    self.error(
                        dv.from.span(),
                        format!("`{f}` is not a valid date"),
                        Some("write dates as YYYY-MM-DD".into()),
                    );
                    ok = false;
                    continue;
                }
                if last_from.is_some_and(|l| l >= f) {
                    self.error(
                        dv.from.span(),
                        "dated values must be in increasing date order",
                        None,
                    );
                    ok = false;
                }
                last_from = Some(f);
                if f <= as_of {
                    chosen = Some(&dv.value);
                    from = Some(f.to_string());
                }
            }
            if !ok {
                continue;
            }
            let chosen = match (chosen, &r.value) {
                (Some(c), _) => c,
                (None, Some(v)) => v,
                (None, None) => {
                    let help = match r.values.first() {
                        Some(first) => format!(
                            "its earliest value starts on {}; choose a later --as-of date or add `value = …`",
                            first.from.get_ref()
                        ),
                        None => "add `value = …`".into(),
                    };
                    self.error(
                        r.name.span(),
                        format!(
                            "parameter `{}` has no value in force on {as_of}",
                            r.name.get_ref()
                        ),
                        Some(help),
                    );
                    continue;
                }
            };
            let what = format!("parameter `{}`", r.name.get_ref());
            let Some(value) = self.constant(chosen, &what) else {
                self.failed.insert(r.name.get_ref().clone());
                continue;
            };
            // Visible to later parameters and to every expression.
            self.map.insert(
                r.name.get_ref().clone(),
                (Binding::Const(value), Type::Number),
            );
            out.push(Parameter {
                name: r.name.get_ref().clone(),
                value,
                unit: r.unit.clone(),
                reference: r.reference.clone(),
                description: r.description.clone(),
                from,
            });
        }
        for r in raws {
            if !self.map.contains_key(r.name.get_ref()) {
                self.failed.insert(r.name.get_ref().clone());
            }
        }
        out
    }

    fn checks(&mut self, raws: &[raw::RawCheck]) -> Vec<Check> {
        let mut out = Vec::new();
        for r in raws {
            if let Some(rule) = self.compile_bool(&r.rule) {
                out.push(Check {
                    id: r.id.get_ref().clone(),
                    message: r.message.clone(),
                    rule,
                });
            }
        }
        out
    }

    /// Derived values and deprivation: slots, dependency order, compilation.
    fn computed(
        &mut self,
        raws: &[raw::RawDerived],
        dep: Option<&raw::RawDeprivation>,
        first_slot: usize,
    ) -> (Vec<Derived>, Option<Deprivation>, Vec<Node>, usize) {
        let mut slot = first_slot;
        // Slots and names first, so that dependencies can be found by name.
        let mut names: HashMap<String, Node> = HashMap::new();
        let mut derived_slots = Vec::new();
        for (i, r) in raws.iter().enumerate() {
            if self.declare(&r.name, "a derived value") {
                names.insert(r.name.get_ref().clone(), Node::Derived(i));
            }
            derived_slots.push(slot);
            slot += 1;
        }
        let indicator_first = slot;
        let (score_slot, status_slot) = if let Some(d) = dep {
            slot += d.indicators.len();
            let score = Spanned::new(0..0, "deprivation_score".to_string());
            let status = Spanned::new(0..0, "deprivation_status".to_string());
            if self.declare(&score, "the deprivation score") {
                names.insert("deprivation_score".into(), Node::Score);
            }
            if self.declare(&status, "the deprivation status") {
                names.insert("deprivation_status".into(), Node::Status);
            }
            slot += 2;
            (slot - 2, slot - 1)
        } else {
            (0, 0)
        };

        // Parse every expression once for its dependencies.
        let mut nodes: Vec<(Node, Vec<Node>)> = Vec::new();
        for (i, r) in raws.iter().enumerate() {
            let deps = self.deps(&r.expr, &names);
            nodes.push((Node::Derived(i), deps));
        }
        if let Some(d) = dep {
            for (j, ind) in d.indicators.iter().enumerate() {
                let deps = self.deps(&ind.when, &names);
                nodes.push((Node::Indicator(j), deps));
            }
            nodes.push((
                Node::Score,
                (0..d.indicators.len()).map(Node::Indicator).collect(),
            ));
            nodes.push((Node::Status, vec![Node::Score]));
        }
        let order = match self.topo_sort(&nodes, raws, dep) {
            Some(o) => o,
            None => {
                self.cycle = true;
                return (Vec::new(), None, Vec::new(), slot);
            }
        };

        // Compile in dependency order, making each name visible once it is typed.
        let mut derived: Vec<Option<Derived>> = (0..raws.len()).map(|_| None).collect();
        let mut indicators: Vec<Option<Indicator>> = dep
            .map(|d| (0..d.indicators.len()).map(|_| None).collect())
            .unwrap_or_default();
        let mut deprivation = None;
        let status_enum = if dep.is_some() {
            self.new_enum(
                "deprivation_status",
                DEPRIVATION_STATUSES.iter().map(|s| s.to_string()).collect(),
            )
        } else {
            0
        };
        for node in &order {
            match *node {
                Node::Derived(i) => {
                    let r = &raws[i];
                    let declared = self.derived_type(r);
                    let Some(declared) = declared else {
                        self.failed.insert(r.name.get_ref().clone());
                        continue;
                    };
                    let compiled = self.compile(&r.expr, declared);
                    if compiled.is_none() {
                        match declared {
                            // Later expressions can still be checked against the declared type.
                            Some(ty) => {
                                self.map.insert(
                                    r.name.get_ref().clone(),
                                    (Binding::Slot(derived_slots[i]), ty),
                                );
                            }
                            None => {
                                self.failed.insert(r.name.get_ref().clone());
                            }
                        }
                    }
                    if let Some((program, ty)) = compiled {
                        self.map.insert(
                            r.name.get_ref().clone(),
                            (Binding::Slot(derived_slots[i]), ty),
                        );
                        derived[i] = Some(Derived {
                            name: r.name.get_ref().clone(),
                            label: r.label.clone(),
                            ty,
                            slot: derived_slots[i],
                            program,
                        });
                    }
                }
                Node::Indicator(j) => {
                    let Some(d) = dep else { continue };
                    let r = &d.indicators[j];
                    let weight =
                        self.constant(&r.weight, &format!("the weight of `{}`", r.id.get_ref()));
                    if let (Some(when), Some(weight)) = (self.compile_bool(&r.when), weight) {
                        if !(weight > 0.0 && weight <= 1.0) {
                            self.error(r.weight.span(), "a weight must be in (0, 1]", None);
                        }
                        indicators[j] = Some(Indicator {
                            id: r.id.get_ref().clone(),
                            dimension: r.dimension.clone(),
                            weight,
                            label: r.label.clone(),
                            slot: indicator_first + j,
                            when,
                        });
                    }
                }
                Node::Score => {
                    self.map.insert(
                        "deprivation_score".into(),
                        (Binding::Slot(score_slot), Type::Number),
                    );
                }
                Node::Status => {
                    self.map.insert(
                        "deprivation_status".into(),
                        (Binding::Slot(status_slot), Type::Enum(status_enum)),
                    );
                }
            }
        }
        if let Some(d) = dep {
            deprivation = self.deprivation(d, indicators, score_slot, status_slot, status_enum);
        }
        let derived = derived.into_iter().flatten().collect();
        (derived, deprivation, order, slot)
    }

    fn derived_type(&mut self, r: &raw::RawDerived) -> Option<Option<Type>> {
        let Some(ty) = &r.ty else {
            return Some(None);
        };
        match ty.get_ref().as_str() {
            "number" => Some(Some(Type::Number)),
            "bool" => Some(Some(Type::Bool)),
            "enum" => {
                let values = self.enum_values(&r.name, &r.values)?;
                Some(Some(Type::Enum(self.new_enum(r.name.get_ref(), values))))
            }
            other => {
                self.error(
                    ty.span(),
                    format!("unknown derived type `{other}`"),
                    Some("types: number, bool, enum".into()),
                );
                None
            }
        }
    }

    fn deprivation(
        &mut self,
        d: &raw::RawDeprivation,
        indicators: Vec<Option<Indicator>>,
        score_slot: usize,
        status_slot: usize,
        status_enum: EnumId,
    ) -> Option<Deprivation> {
        let mut ids: std::collections::HashSet<&str> = Default::default();
        for r in &d.indicators {
            work::count(1);
            // Ids are written unquoted into lists (`food;water`): names only.
            if !is_identifier(r.id.get_ref()) {
                self.error(
                    r.id.span(),
                    format!("`{}` is not a valid indicator id", r.id.get_ref()),
                    Some(
                        "ids are names: ASCII letters, digits and `_`, starting with a letter"
                            .into(),
                    ),
                );
            }
            if !ids.insert(r.id.get_ref()) {
                self.error(
                    r.id.span(),
                    format!("indicator `{}` is declared twice", r.id.get_ref()),
                    None,
                );
            }
        }
        let v = self.constant(&d.vulnerable_cutoff, "the vulnerable cutoff");
        let p = self.constant(&d.poor_cutoff, "the poor cutoff");
        let s = self.constant(&d.severe_cutoff, "the severe cutoff");
        let (v, p, s) = (v?, p?, s?);
        if !((0.0..=1.0).contains(&v) && v <= p && p <= s && s <= 1.0) {
            self.error(
                d.vulnerable_cutoff.span(),
                format!("cutoffs must satisfy 0 <= vulnerable <= poor <= severe <= 1 (found {v}, {p}, {s})"),
                None,
            );
        }
        let indicators: Vec<Indicator> = indicators.into_iter().collect::<Option<_>>()?;
        let total: f64 = indicators.iter().map(|i| i.weight).sum();
        if (total - 1.0).abs() > 1e-9 {
            let span = d.indicators.first().map_or(0..0, |i| i.weight.span());
            self.error(
                span,
                format!("the indicator weights add up to {total}, not 1"),
                Some("a deprivation score must lie in [0, 1]: adjust the weights".into()),
            );
        }
        Some(Deprivation {
            indicators,
            vulnerable_cutoff: v,
            poor_cutoff: p,
            severe_cutoff: s,
            score_slot,
            status_slot,
            status_enum,
        })
    }

    fn deps(&mut self, s: &S, names: &HashMap<String, Node>) -> Vec<Node> {
        match expr::parse(s.get_ref()) {
            Ok(e) => e
                .names()
                .into_iter()
                .filter_map(|(n, _)| names.get(n).copied())
                .collect(),
            // The parse error is reported when the expression is compiled.
            Err(_) => Vec::new(),
        }
    }

    fn node_name(
        node: Node,
        raws: &[raw::RawDerived],
        dep: Option<&raw::RawDeprivation>,
    ) -> String {
        match node {
            Node::Derived(i) => raws[i].name.get_ref().clone(),
            Node::Indicator(j) => dep.map_or_else(String::new, |d| {
                format!("indicator {}", d.indicators[j].id.get_ref())
            }),
            Node::Score => "deprivation_score".into(),
            Node::Status => "deprivation_status".into(),
        }
    }

    fn node_span(
        node: Node,
        raws: &[raw::RawDerived],
        dep: Option<&raw::RawDeprivation>,
    ) -> Range<usize> {
        match node {
            Node::Derived(i) => raws[i].name.span(),
            Node::Indicator(j) => dep.map_or(0..0, |d| d.indicators[j].when.span()),
            Node::Score | Node::Status => 0..0,
        }
    }

    /// Depth-first topological sort; a cycle is reported as the whole circle.
    fn topo_sort(
        &mut self,
        nodes: &[(Node, Vec<Node>)],
        raws: &[raw::RawDerived],
        dep: Option<&raw::RawDeprivation>,
    ) -> Option<Vec<Node>> {
        let index: HashMap<Node, usize> = nodes.iter().enumerate().map(|(i, n)| (n.0, i)).collect();
        let mut state = vec![0u8; nodes.len()]; // 0 new, 1 on the path, 2 done
        let mut order = Vec::new();
        let mut path: Vec<usize> = Vec::new();
        for start in 0..nodes.len() {
            if state[start] != 0 {
                continue;
            }
            // Iterative DFS: (node, next dependency to visit).
            let mut stack = vec![(start, 0usize)];
            state[start] = 1;
            path.push(start);
            while let Some(&mut (n, ref mut next)) = stack.last_mut() {
                work::count(1);
                if let Some(&d) = nodes[n].1.get(*next) {
                    *next += 1;
                    let Some(&di) = index.get(&d) else { continue };
                    match state[di] {
                        0 => {
                            state[di] = 1;
                            path.push(di);
                            stack.push((di, 0));
                        }
                        1 => {
                            let from = path.iter().position(|&p| p == di).unwrap_or(0);
                            let mut circle: Vec<String> = path[from..]
                                .iter()
                                .map(|&p| Self::node_name(nodes[p].0, raws, dep))
                                .collect();
                            circle.push(Self::node_name(nodes[di].0, raws, dep));
                            let span = Self::node_span(nodes[di].0, raws, dep);
                            self.error(
                                span,
                                format!(
                                    "derived values depend on each other in a cycle: {}",
                                    circle.join(" -> ")
                                ),
                                Some(
                                    "a value cannot depend, directly or through others, on itself"
                                        .into(),
                                ),
                            );
                            return None;
                        }
                        _ => {}
                    }
                } else {
                    state[n] = 2;
                    order.push(nodes[n].0);
                    stack.pop();
                    path.pop();
                }
            }
        }
        Some(order)
    }

    fn programs(&mut self, raws: &[raw::RawProgram], first_slot: usize) -> Vec<Program> {
        let mut out = Vec::new();
        for (i, r) in raws.iter().enumerate() {
            let declared = self.declare(&r.id, "a program");
            let period = match r.period.get_ref().as_str() {
                "month" => Some(Period::Month),
                "one-off" => Some(Period::OneOff),
                other => {
                    let help = match expr::suggest(other, ["month", "one-off"]) {
                        Some(s) => format!("did you mean `{s}`? periods: month, one-off"),
                        None => "periods: month, one-off".into(),
                    };
                    self.error(
                        r.period.span(),
                        format!("unknown period `{other}`"),
                        Some(help),
                    );
                    None
                }
            };
            if !is_identifier(r.kind.get_ref()) {
                self.error(
                    r.kind.span(),
                    format!("`{}` is not a valid program kind", r.kind.get_ref()),
                    Some(
                        "kinds are names such as emergency, basic_needs, long_term, capacity"
                            .into(),
                    ),
                );
            }
            let eligible = self.compile_bool(&r.eligible);
            let amount = self.compile_number(&r.amount);
            let duration = r.duration_months.as_ref().map(|d| self.compile_number(d));
            let deferred = r.deferred_when.as_ref().map(|d| self.compile_bool(d));
            let starts = r
                .starts_after_months
                .as_ref()
                .map(|d| self.compile_number(d));
            if r.starts_after_months.is_some() && r.deferred_when.is_none() {
                if let Some(s) = &r.starts_after_months {
                    self.error(
                        s.span(),
                        "`starts_after_months` needs `deferred_when`",
                        None,
                    );
                }
            }
            let reason = r.reason.as_ref().map(|t| self.template(t));
            let denied = r.denied_reason.as_ref().map(|t| self.template(t));
            let review = match &r.review_months {
                Some(m) => self.months(m),
                None => Some(self.default_review),
            };
            let granted_slot = first_slot + i;
            if declared {
                self.map.insert(
                    r.id.get_ref().clone(),
                    (Binding::Slot(granted_slot), Type::Bool),
                );
            }
            let (Some(period), Some(eligible), Some(amount), Some(review_months)) =
                (period, eligible, amount, review)
            else {
                continue;
            };
            let flat = |o: Option<Option<expr::Program>>| o.flatten();
            out.push(Program {
                id: r.id.get_ref().clone(),
                name: r.name.clone(),
                kind: r.kind.get_ref().clone(),
                provider: r.provider.clone(),
                eligible,
                amount,
                period,
                duration_months: flat(duration),
                review_months,
                deferred_when: flat(deferred),
                starts_after_months: flat(starts),
                reason: reason.flatten(),
                denied_reason: denied.flatten(),
                granted_slot,
            });
        }
        out
    }

    fn reasons(&mut self, raws: &[raw::RawReason]) -> Vec<Reason> {
        let mut out = Vec::new();
        for r in raws {
            let when = self.compile_bool(&r.when);
            let text = self.template(&r.text);
            if let (Some(when), Some(text)) = (when, text) {
                out.push(Reason {
                    id: r.id.get_ref().clone(),
                    when,
                    text,
                });
            }
        }
        out
    }

    fn tracks(&mut self, raws: &[raw::RawTrack]) -> Vec<Track> {
        let mut out = Vec::new();
        let mut always: Option<String> = None;
        let mut seen: std::collections::HashSet<&str> = Default::default();
        for r in raws {
            work::count(1);
            if let Some(prev) = &always {
                self.error(
                    r.id.span(),
                    format!("track rule `{}` can never be chosen", r.id.get_ref()),
                    Some(format!(
                        "the rule `{prev}` before it always holds; move it to the end"
                    )),
                );
            }
            if !seen.insert(r.id.get_ref()) {
                self.error(
                    r.id.span(),
                    format!("track `{}` is declared twice", r.id.get_ref()),
                    None,
                );
            }
            if !is_identifier(r.id.get_ref()) {
                self.error(
                    r.id.span(),
                    format!("`{}` is not a valid track id", r.id.get_ref()),
                    None,
                );
            }
            let when = match &r.when {
                Some(w) => match self.compile_bool(w) {
                    Some(p) => Some(p),
                    None => continue,
                },
                None => None,
            };
            let is_always = when.as_ref().is_none_or(|p| p.as_const() == Some(1.0));
            if is_always && always.is_none() {
                always = Some(r.id.get_ref().clone());
            }
            let reason = r.reason.as_ref().and_then(|t| self.template(t));
            out.push(Track {
                id: r.id.get_ref().clone(),
                when,
                reason,
            });
        }
        if always.is_none() {
            let span = raws.last().map_or(0..0, |r| r.id.span());
            self.error(
                span,
                "the last track rule must always hold",
                Some("end the [[tracks]] list with a rule without `when`, e.g. id = \"not_eligible\"".into()),
            );
        }
        out
    }

    fn fields(&mut self, inputs: &[Input], derived: &[Derived]) -> Option<StandardFields> {
        let find = |name: &str| -> Option<(usize, Type)> {
            if let Some((i, inp)) = inputs.iter().enumerate().find(|(_, i)| i.name == name) {
                let ty = match inp.ty {
                    InputType::Bool => Type::Bool,
                    InputType::Enum(e) => Type::Enum(e),
                    InputType::Id | InputType::Text => return None,
                    _ => Type::Number,
                };
                return Some((i, ty));
            }
            derived
                .iter()
                .find(|d| d.name == name)
                .map(|d| (d.slot, d.ty))
        };
        let mut fields = StandardFields {
            id_input: inputs.iter().position(|i| i.ty == InputType::Id)?,
            region_input: inputs
                .iter()
                .position(|i| i.name == "region" && i.ty == InputType::Text),
            ..Default::default()
        };
        let want = |this: &mut Self, name: &str, ty: &str| -> Option<(usize, Type)> {
            let (slot, t) = find(name)?;
            let ok = match ty {
                "number" => t == Type::Number,
                "bool" => t == Type::Bool,
                _ => matches!(t, Type::Enum(_)),
            };
            if !ok {
                this.diags.push(Diagnostic::whole_file(
                    this.file,
                    format!("`{name}` must be a {ty}: it is a standard decision field"),
                    Some(
                        "rename the value, or give it the type the decision contract expects"
                            .into(),
                    ),
                ));
                return None;
            }
            Some((slot, t))
        };
        fields.income_status = want(self, "income_status", "enum").and_then(|(s, t)| match t {
            Type::Enum(e) => Some((s, e)),
            _ => None,
        });
        fields.per_capita_income = want(self, "per_capita_income", "number").map(|x| x.0);
        fields.poverty_line = want(self, "poverty_line", "number").map(|x| x.0);
        fields.emergency = want(self, "emergency", "bool").map(|x| x.0);
        fields.labour_capacity = want(self, "labour_capacity", "bool").map(|x| x.0);
        Some(fields)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const HEAD: &str = r#"[policy]
id = "big"
name = "big"
version = "1"

[[inputs]]
name = "household_id"
type = "id"
required = true

[[inputs]]
name = "x"
type = "number"
default = 0
"#;
    const TAIL: &str = "\n[[tracks]]\nid = \"all\"\n";

    /// `n` independent derived values `d0 = x + 0`, `d1 = x + 1`, ….
    pub(crate) fn many_derived(n: usize) -> String {
        let mut out = String::from(HEAD);
        for i in 0..n {
            out.push_str(&format!("[[derived]]\nname = \"d{i}\"\nexpr = 'x + {i}'\n"));
        }
        out + TAIL
    }

    /// A chain `c0 = x + 1`, `c1 = c0 + 1`, …, declared last first so that
    /// the dependency sort has all the work to do.
    pub(crate) fn chain(n: usize) -> String {
        let mut out = String::from(HEAD);
        for i in (0..n).rev() {
            let prev = if i == 0 {
                "x".to_string()
            } else {
                format!("c{}", i - 1)
            };
            out.push_str(&format!(
                "[[derived]]\nname = \"c{i}\"\nexpr = '{prev} + 1'\n"
            ));
        }
        out + TAIL
    }

    /// An enum input of `n` values on one line, its default the last value,
    /// and a derived value comparing it with the last value.
    pub(crate) fn big_enum(n: usize) -> String {
        let values: Vec<String> = (0..n).map(|i| format!("\"v{i}\"")).collect();
        let last = n - 1;
        format!(
            "{HEAD}[[inputs]]\nname = \"kind\"\ntype = \"enum\"\nvalues = [{}]\ndefault = \"V{last}\"\n\n[[derived]]\nname = \"is_last\"\nexpr = 'kind == v{last} or kind == V{last}'\n{TAIL}",
            values.join(", ")
        )
    }

    fn load_ok(source: &str) -> Policy {
        let options = LoadOptions {
            as_of: Some("2025-06-30".into()),
        };
        match load("big.toml", source, &options) {
            Ok(p) => p,
            Err(e) => panic!("{}", e.render()),
        }
    }

    /// Steps of loading `make(n)`.
    fn steps(make: fn(usize) -> String, n: usize) -> u64 {
        let source = make(n);
        work::take();
        load_ok(&source);
        work::take()
    }

    #[test]
    fn loading_work_grows_linearly() {
        // Four times the policy, about four times the work (a quadratic load
        // would do sixteen times).
        for (what, make) in [
            ("derived values", many_derived as fn(usize) -> String),
            ("a dependency chain", chain),
            ("an enum", big_enum),
        ] {
            let small = steps(make, 500);
            let large = steps(make, 2000);
            assert!(
                large <= small * 5,
                "{what}: {small} steps for 500, {large} for 2000"
            );
        }
    }

    #[test]
    fn large_policies_load_correctly() {
        let p = load_ok(&chain(40_000));
        assert_eq!(p.derived.len(), 40_000);
        // Dependency order: c(i-1) is computed before c(i).
        let position: HashMap<&str, usize> =
            p.derived.iter().map(|d| d.name.as_str()).zip(0..).collect();
        let order: Vec<usize> = p
            .order
            .iter()
            .filter_map(|n| match n {
                Node::Derived(i) => Some(*i),
                _ => None,
            })
            .collect();
        assert_eq!(order.len(), 40_000);
        // raws are declared c39999 … c0: raw index 39999 is c0.
        assert_eq!(order.first(), Some(&39_999));
        assert_eq!(order.last(), Some(&0));
        assert!(position.contains_key("c39999"));

        let p = load_ok(&many_derived(20_000));
        assert_eq!(p.derived.len(), 20_000);
        assert_eq!(p.derived[19_999].name, "d19999");

        let p = load_ok(&big_enum(100_000));
        let kind = p.input("kind").map(|i| (i.ty, i.default));
        let Some((InputType::Enum(id), default)) = kind else {
            panic!("kind is not an enum: {kind:?}");
        };
        assert_eq!(p.enums[usize::from(id)].values.len(), 100_000);
        assert_eq!(default, 99_999.0);
    }

    #[test]
    fn every_slot_has_its_name() {
        let p = load_ok(&chain(500));
        for d in &p.derived {
            assert_eq!(p.slot_name(d.slot), d.name);
            assert!(p.derived_in(d.slot).is_some_and(|x| x.name == d.name));
        }
        assert!(p.derived_in(1).is_none());
        assert!(p.derived_in(p.slot_count).is_none());
        let p = Policy::default_policy(&LoadOptions::default()).unwrap();
        let dep = p.deprivation.as_ref().unwrap();
        for i in &dep.indicators {
            assert_eq!(p.slot_name(i.slot), format!("indicator {}", i.id));
        }
        for prog in &p.programs {
            assert_eq!(p.slot_name(prog.granted_slot), prog.id);
        }
        assert_eq!(p.slot_name(dep.score_slot), "deprivation_score");
    }

    #[test]
    fn duplicate_enum_values_are_found_by_hash() {
        let source = big_enum(3).replace("\"v2\"]", "\"v2\", \"V1\"]");
        let Err(e) = load("d.toml", &source, &LoadOptions::default()) else {
            panic!("a value listed twice was accepted");
        };
        assert!(
            e.render().contains("`V1` is listed twice"),
            "{}",
            e.render()
        );
    }

    #[test]
    fn errors_about_a_huge_line_quote_a_few_hundred_bytes() {
        // An unknown default of a 100,000-value enum: the list, the line and
        // the message are each cut.
        let source = big_enum(100_000).replace("default = \"V99999\"", "default = \"w1\"");
        let Err(e) = load("e.toml", &source, &LoadOptions::default()) else {
            panic!("an unknown default was accepted");
        };
        let text = e.render();
        assert!(
            text.len() < 1200,
            "{} bytes:\n{}",
            text.len(),
            &text[..2000.min(text.len())]
        );
        assert!(text.contains("allowed values: v0, v1, v2"), "{text}");
        assert!(text.contains("… and 99980 more"), "{text}");

        // A misspelt literal in an expression of the same policy.
        let source = big_enum(5_000).replace("kind == v4999 or", "kind == w5 or");
        let Err(e) = load("e.toml", &source, &LoadOptions::default()) else {
            panic!("an unknown enum value was accepted");
        };
        let text = e.render();
        assert!(
            text.len() < 1200,
            "{} bytes:\n{}",
            text.len(),
            &text[..2000.min(text.len())]
        );
        assert!(text.contains("… and 4980 more"), "{text}");

        // An error inside the long line, far to the right: location only.
        let source = big_enum(5_000).replace("\"v4998\"", "\"v 4998\"");
        let Err(e) = load("e.toml", &source, &LoadOptions::default()) else {
            panic!("an invalid enum value was accepted");
        };
        let text = e.render();
        assert!(
            text.len() < 1200,
            "{} bytes:\n{}",
            text.len(),
            &text[..2000.min(text.len())]
        );
        assert!(text.contains("e.toml:18:"), "{text}");
    }

    #[test]
    fn only_the_first_errors_search_for_a_suggestion() {
        // 300 names, and 100 misspellings of them: each search reads all 300.
        let mut source = many_derived(300).replace(TAIL, "");
        for i in 0..100 {
            source.push_str(&format!(
                "[[derived]]\nname = \"e{i}\"\nexpr = 'd{i}x + 1'\n"
            ));
        }
        source.push_str(TAIL);
        let Err(e) = load("s.toml", &source, &LoadOptions::default()) else {
            panic!("unknown names were accepted");
        };
        assert_eq!(e.diagnostics.len(), 100);
        let suggested = e
            .diagnostics
            .iter()
            .filter(|d| {
                d.help
                    .as_deref()
                    .is_some_and(|h| h.starts_with("did you mean"))
            })
            .count();
        assert_eq!(suggested, SUGGESTION_SEARCHES);
        assert_eq!(e.diagnostics[0].help.as_deref(), Some("did you mean `d0`?"));
    }

    #[test]
    fn line_index_agrees_with_diagnostic_at() {
        let source = "a = 1\r\nbé = 'x + y'\n\n\tc = \"ü\"\nlast";
        let mut lines = LineIndex::default();
        for start in 0..=source.len() + 2 {
            for len in [0, 1, 3, 40] {
                let span = start..start + len;
                let ours = lines.diagnostic("f", source, span.clone(), "m", None);
                let theirs = Diagnostic::at("f", source, span.clone(), "m", None);
                assert_eq!(ours, theirs, "span {span:?}");
            }
        }
        let source = "x\n";
        let mut lines = LineIndex::default();
        assert_eq!(
            lines.diagnostic("f", source, 2..2, "m", None),
            Diagnostic::at("f", source, 2..2, "m", None)
        );
    }
}
