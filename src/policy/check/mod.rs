//! From raw TOML to a checked [`Policy`]: names to slots, types, dependency
//! order, and every problem reported with its place in the file.
//!
//! The checker keeps going after an error where it can, so `layak policy
//! check` shows every problem at once rather than one per run.
//!
//! This file is the driver ([`load`], the [`Checker`] state, the policy's
//! sections in evaluation order); each section has its own file: `names`
//! (the name table, enums, suggestions), `exprs` (expressions, constants,
//! templates), `inputs`, `params` (dated values, unit and reference),
//! `derived` (derived values and indicators), `order` (their dependency
//! sort), `programs` (programs, reasons, tracks, standard fields) and
//! `diagnostics` (spans to file:line:column, bounded messages).

use std::collections::HashMap;
use std::ops::Range;

use super::raw::{self, RawPolicy, RawScalar, SpannedStr};
use super::template::{self, Segment, Template};
use super::*;
use crate::error::Diagnostic;
use crate::expr::{self, Binding, EnumId, Scope, Span, Type};
use toml::Spanned;

mod derived;
mod diagnostics;
mod exprs;
mod inputs;
mod lang;
mod names;
mod order;
mod overrides;
mod params;
mod persons;
mod programs;
mod ranking;
mod stacking;
mod tables;
#[cfg(test)]
mod tests;

use diagnostics::{LineIndex, bounded, toml_message};
use names::is_identifier;

/// Everything known while one policy is checked: the names declared so far,
/// the enums, and the problems found.
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
    /// Provenance (`unit`, `reference`) is required: missing is an error, not a warning.
    strict: bool,
    /// Problems that do not stop the load, handed to the caller with the policy.
    warnings: Vec<Diagnostic>,
    /// Checking an expression inside a `from_persons` reducer (person scope).
    in_persons: bool,
    /// This load's language, the declared ones, and the words of this load's language.
    lang: Lang,
    languages: Vec<Lang>,
    words: Words,
    /// Per enum, per declared language with `labels`, the words of its values.
    enum_words: Vec<Vec<(Lang, Box<[String]>)>>,
    /// The slots of `date` inputs (a template hole naming one prints a date).
    date_slots: Vec<usize>,
    /// Lookup tables by name, built at load (`[[tables]]`).
    tables: HashMap<String, crate::expr::Table>,
    /// The dated version of the table being checked that is in force.
    chosen_version: Option<usize>,
    /// Text inputs by name (their slot), usable in text tests only.
    text_inputs: HashMap<String, usize>,
    /// The text tests expressions have made so far (see `Names::text_test`).
    text_tests: std::cell::RefCell<Vec<crate::policy::TextTest>>,
    /// Parameter overrides (`reform`): their text, shown as its own file in
    /// diagnostics; a span at or past `Extra::base` lies in it.
    extra: Option<Extra>,
}

/// The text of parameter overrides, one per line, with the name it goes by
/// in diagnostics. Spans into it are offset by `base` (past the policy's end).
pub(super) struct Extra {
    pub(super) label: String,
    pub(super) text: String,
    pub(super) base: usize,
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
    pub(crate) fn count(steps: u64) {
        STEPS.with(|c| c.set(c.get() + steps));
    }

    #[cfg(not(test))]
    #[inline(always)]
    pub(crate) fn count(_steps: u64) {}

    /// Steps counted on this thread since the last call (tests only).
    #[cfg(test)]
    pub(crate) fn take() -> u64 {
        STEPS.with(|c| c.replace(0))
    }
}

/// Load and check `source`; `strict` makes missing provenance an error.
pub(super) fn load(
    file: &str,
    source: &str,
    options: &LoadOptions,
    strict: bool,
    choice: LangChoice,
) -> Result<Policy, PolicyError> {
    load_with(file, source, options, strict, choice, None)
}

/// [`load`], with parameter overrides applied to the parsed file before it
/// is checked (see `policy::reform`).
pub(super) fn load_with(
    file: &str,
    source: &str,
    options: &LoadOptions,
    strict: bool,
    choice: LangChoice,
    overrides: Option<(&str, &[super::reform::Override])>,
) -> Result<Policy, PolicyError> {
    let mut raw: RawPolicy = match toml::from_str(source) {
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
        strict,
        warnings: Vec::new(),
        in_persons: false,
        lang: Lang::En,
        languages: vec![Lang::En],
        words: Words::builtin(Lang::En),
        enum_words: Vec::new(),
        extra: None,
        text_inputs: HashMap::new(),
        text_tests: Default::default(),
        tables: HashMap::new(),
        chosen_version: None,
        date_slots: Vec::new(),
    };
    let policy = match overrides {
        None => c.policy(raw, &as_of, choice),
        Some((label, items)) => {
            let applied = c.apply_overrides(&mut raw, label, items);
            let policy = c.policy(raw, &as_of, choice);
            policy.filter(|p| c.overrides_in_force(p, &applied))
        }
    };
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

impl Checker<'_> {
    pub(super) fn policy(
        &mut self,
        raw: RawPolicy,
        as_of: &str,
        choice: LangChoice,
    ) -> Option<Policy> {
        if !is_valid_date(as_of) {
            self.diags.push(Diagnostic::whole_file(
                self.file,
                format!("`{as_of}` is not a valid date"),
                Some("write dates as YYYY-MM-DD".into()),
            ));
            return None;
        }
        self.collect_names(&raw);
        // `as_of`, the run's date, as a date (days since 1970-01-01), unless
        // the policy declares the name itself.
        if let (false, Some(days)) = (
            self.all_names.contains_key("as_of"),
            crate::expr::dates::parse_iso(as_of.as_bytes()),
        ) {
            self.map
                .insert("as_of".into(), (Binding::Const(days as f64), Type::Number));
        }
        self.languages(&raw.policy, choice);
        if let Some(r) = &raw.review {
            self.default_review = self.months(&r.default_months)?;
        }
        let meta = self.meta(&raw.policy);
        let inputs = self.inputs(&raw.inputs);
        let parameters = self.parameters(&raw.parameters, as_of);
        self.tables(&raw.tables, &inputs, as_of);
        let person_parts = self.persons(&raw, &inputs);
        let checks = self.checks(&raw.checks);
        let n_inputs = inputs.len();
        let (derived, deprivation, order, next_slot) =
            self.computed(&raw.derived, raw.deprivation.as_ref(), n_inputs);
        if self.cycle {
            // Everything after depends on the derived values: fix the cycle first.
            return None;
        }
        let (ranking, next_slot) = match &raw.ranking {
            Some(r) => (self.ranking(r, next_slot), next_slot + 2),
            None => (None, next_slot),
        };
        let mut programs = self.programs(&raw.programs, next_slot);
        self.exclusions(&raw.programs, &mut programs);
        let slot_count = next_slot + programs.len();
        let (cap, provider_caps) =
            self.caps(raw.caps.as_ref(), raw.cap.as_ref().map(|c| &c.monthly));
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
        let hash = self.hash(&parameters);
        if !self.diags.is_empty() {
            return None;
        }
        for (i, words) in self.enum_words.iter().enumerate() {
            let lang = self.lang;
            if let (Some(e), Some((_, w))) = (
                self.enums.get_mut(i),
                words.iter().find(|(l, _)| *l == lang),
            ) {
                e.words = w.to_vec();
            }
        }
        let mut policy = Policy {
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
            provider_caps,
            reasons,
            tracks,
            priority,
            default_review_months,
            fields: fields?,
            slot_count,
            text_tests: self.take_text_tests(),
            warnings: std::mem::take(&mut self.warnings)
                .into_iter()
                .map(bounded)
                .collect(),
            persons: None,
            lang: self.lang,
            languages: self.languages.clone(),
            words: self.words.clone(),
            ranking,
        };
        policy.persons = person_parts.map(|parts| self.finish_persons(parts, &policy));
        Some(policy)
    }

    /// The rules and the parameter values in force: the hash changes when a
    /// dated value takes over, not merely because the date moved on.
    fn hash(&self, parameters: &[Parameter]) -> String {
        let mut values = String::new();
        for p in parameters {
            values.push_str(&format!("{}={:?};", p.name, p.value));
        }
        // The tables' values in force, in name order.
        let mut tables: Vec<_> = self.tables.iter().collect();
        tables.sort_by(|a, b| a.0.cmp(b.0));
        for (name, t) in tables {
            values.push_str(&format!("{name}={:?};", t.values));
        }
        let hash = match &self.extra {
            None => fnv1a64(&[self.source.as_bytes(), values.as_bytes()]),
            Some(extra) => fnv1a64(&[
                self.source.as_bytes(),
                values.as_bytes(),
                extra.text.as_bytes(),
            ]),
        };
        format!("{hash:016x}")
    }

    pub(super) fn collect_names(&mut self, raw: &RawPolicy) {
        let mut add = |name: &SpannedStr, what: &'static str| {
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
        self.collect_person_names(raw);
        if raw.ranking.is_some() {
            self.all_names
                .insert("decile".into(), "the ranking's group (`[ranking]`)");
        }
        if raw.deprivation.is_some() {
            self.all_names
                .insert("deprivation_score".into(), "the deprivation score");
            self.all_names
                .insert("deprivation_status".into(), "the deprivation status");
        }
    }

    pub(super) fn months(&mut self, v: &Spanned<i64>) -> Option<u32> {
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

    pub(super) fn meta(&mut self, m: &raw::RawMeta) -> Option<Meta> {
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

    pub(super) fn checks(&mut self, raws: &[raw::RawCheck]) -> Vec<Check> {
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
}
