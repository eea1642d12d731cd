//! A policy: inputs, parameters, checks, derived values, deprivation
//! indicators, programs, cap, reasons, tracks and priority, loaded from TOML
//! and checked once.
//!
//! [`Policy::load`] parses the TOML (`raw`), then `check` resolves every
//! name to a slot, type-checks and compiles every expression, sorts derived
//! values by dependency and reports every problem it finds with file, line
//! and column. A `Policy` that exists is valid: evaluating it cannot fail on
//! types or names.

mod check;
pub mod lang;
pub mod persons;
pub mod ranking;
pub(crate) mod raw;
pub mod reform;
pub mod stacking;
pub mod template;

use crate::error::Diagnostic;
use crate::expr::{self, EnumId, Type};

/// Re-exported: the policy hash is FNV-1a 64 ([`crate::hash`]).
pub use crate::hash::fnv1a64;
pub use lang::{Lang, LangChoice, Words, locale_language};
pub use stacking::{Provider, ProviderCap};
pub use template::{Segment, Template};

/// The embedded default policy (`data/policies/default.toml`).
pub const DEFAULT_POLICY_TOML: &str = include_str!("../../data/policies/default.toml");
/// The name under which the embedded policy appears in messages.
pub const DEFAULT_POLICY_NAME: &str = "<default policy>";

/// Every problem found while loading a policy (never empty).
#[derive(Debug, Clone, thiserror::Error)]
#[error("{}", .diagnostics.first().map(|d| d.to_string()).unwrap_or_default())]
pub struct PolicyError {
    pub diagnostics: Vec<Diagnostic>,
}

impl PolicyError {
    /// Every diagnostic rendered with its source snippet, one after the other.
    pub fn render(&self) -> String {
        let mut out = String::new();
        for d in &self.diagnostics {
            out.push_str(&d.render());
        }
        out
    }
}

/// How a run selects dated parameter values.
#[derive(Debug, Clone, Default)]
pub struct LoadOptions {
    /// `YYYY-MM-DD`: each dated parameter takes the newest value whose `from` is not after it.
    /// `None` means today.
    pub as_of: Option<String>,
}

/// Descriptive fields of a policy.
#[derive(Debug, Clone)]
pub struct Meta {
    pub id: String,
    pub name: String,
    pub version: String,
    pub currency: String,
    pub effective: String,
    pub description: String,
    pub reference: String,
}

/// The type of an input column.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InputType {
    /// Free text that identifies the household; exactly one input has it.
    Id,
    /// Free text (not usable in expressions).
    Text,
    Integer,
    Number,
    Money,
    Bool,
    Enum(EnumId),
    /// A calendar date: in expressions, a whole number of days since
    /// 1970-01-01 (see `expr::dates`).
    Date,
}

impl InputType {
    /// The type word used in policy files.
    pub fn keyword(self) -> &'static str {
        match self {
            InputType::Id => "id",
            InputType::Text => "text",
            InputType::Integer => "integer",
            InputType::Number => "number",
            InputType::Money => "money",
            InputType::Date => "date",
            InputType::Bool => "bool",
            InputType::Enum(_) => "enum",
        }
    }

    /// True for inputs kept as text rather than as a number in a slot.
    pub fn is_text(self) -> bool {
        matches!(self, InputType::Id | InputType::Text)
    }
}

/// One test of a `text` input's cell that an expression uses
/// (`region == '5201'`, `starts_with(region, '52')`). The row parser sets bit
/// `bit` of the input's slot when it holds; expressions test the bits.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TextTest {
    /// The input (and its slot).
    pub input: usize,
    pub bit: u8,
    /// A prefix test (`starts_with`), else the whole cell.
    pub prefix: bool,
    /// The text compared with the trimmed cell, ASCII case ignored.
    pub text: Box<[u8]>,
}

impl TextTest {
    /// Whether the test holds for the trimmed cell `cell`.
    #[inline]
    pub fn holds(&self, cell: &[u8]) -> bool {
        if self.prefix {
            cell.get(..self.text.len())
                .is_some_and(|head| head.eq_ignore_ascii_case(&self.text))
        } else {
            cell.eq_ignore_ascii_case(&self.text)
        }
    }
}

/// One declared input column. Input `i` lives in slot `i`.
#[derive(Debug, Clone)]
pub struct Input {
    pub name: String,
    pub ty: InputType,
    pub min: Option<f64>,
    pub max: Option<f64>,
    pub required: bool,
    /// Default for numeric, bool and enum inputs (enum: the value's index).
    pub default: f64,
    /// Default for text inputs.
    pub default_text: String,
    pub meaning: String,
    /// The input's words for people in the load's language (`label`), or
    /// empty: the name is shown.
    pub label: String,
    /// A missing column is warned about (`warn_if_missing`, default true).
    pub warn_if_missing: bool,
}

/// A parameter resolved for this run.
#[derive(Debug, Clone)]
pub struct Parameter {
    pub name: String,
    pub value: f64,
    pub unit: String,
    pub reference: String,
    pub description: String,
    /// The `from` date of the dated value in force, if the parameter is dated.
    pub from: Option<String>,
}

/// A named list of allowed values.
#[derive(Debug, Clone)]
pub struct EnumDef {
    pub label: String,
    pub values: Vec<String>,
    /// The values' words in the load's language (`labels`), or empty: the
    /// values are shown by name.
    pub words: Vec<String>,
}

impl EnumDef {
    /// Value `i` as a person reads it in the load's language.
    pub fn shown(&self, i: usize) -> &str {
        self.words
            .get(i)
            .or_else(|| self.values.get(i))
            .map_or("?", String::as_str)
    }
}

/// A row check: the row is rejected when `rule` is false.
#[derive(Debug, Clone)]
pub struct Check {
    pub id: String,
    pub message: String,
    pub rule: expr::Program,
}

/// A derived value, computed from inputs, parameters and other derived values.
#[derive(Debug, Clone)]
pub struct Derived {
    pub name: String,
    pub label: String,
    pub ty: Type,
    pub slot: usize,
    pub program: expr::Program,
}

/// A deprivation indicator.
#[derive(Debug, Clone)]
pub struct Indicator {
    pub id: String,
    pub dimension: String,
    pub weight: f64,
    pub label: String,
    pub slot: usize,
    pub when: expr::Program,
}

/// Alkire–Foster counting: indicators, weights and the three cutoffs.
#[derive(Debug, Clone)]
pub struct Deprivation {
    pub indicators: Vec<Indicator>,
    pub vulnerable_cutoff: f64,
    pub poor_cutoff: f64,
    pub severe_cutoff: f64,
    /// Slot of `deprivation_score` (a number in [0, 1]).
    pub score_slot: usize,
    /// Slot of `deprivation_status` (enum none / vulnerable / poor / severe).
    pub status_slot: usize,
    pub status_enum: EnumId,
}

/// The values of `deprivation_status`, in order of severity.
pub const DEPRIVATION_STATUSES: [&str; 4] = ["none", "vulnerable", "poor", "severe"];

/// Whether a program pays every month or once.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Period {
    Month,
    OneOff,
}

impl Period {
    pub fn keyword(self) -> &'static str {
        match self {
            Period::Month => "month",
            Period::OneOff => "one-off",
        }
    }
}

/// A benefit program (`[[programs]]`), decided in declared order. Not to be
/// confused with [`expr::Program`], the compiled code of one expression.
#[derive(Debug, Clone)]
pub struct Benefit {
    pub id: String,
    pub name: String,
    pub kind: String,
    /// The providers as written in outputs (`state`, `state and community`).
    pub provider: String,
    /// The lead provider: the program's cost and caps count under it.
    pub lead: Provider,
    /// Indices of the programs declared before it that exclude it: it is
    /// denied when one of them is granted.
    pub excluded_by: Vec<usize>,
    /// What the household already receives for it from elsewhere, taken
    /// off its amount (never below zero).
    pub reduced_by: Option<expr::Program>,
    pub eligible: expr::Program,
    pub amount: expr::Program,
    pub period: Period,
    pub duration_months: Option<expr::Program>,
    pub review_months: u32,
    pub deferred_when: Option<expr::Program>,
    pub starts_after_months: Option<expr::Program>,
    pub reason: Option<Template>,
    pub denied_reason: Option<Template>,
    /// Slot holding 1.0 when the program is granted (not deferred), else 0.0.
    pub granted_slot: usize,
}

/// A conditional sentence added to a decision's reasons.
#[derive(Debug, Clone)]
pub struct Reason {
    pub id: String,
    pub when: expr::Program,
    pub text: Template,
}

/// A track rule; the first that holds names the household's track.
#[derive(Debug, Clone)]
pub struct Track {
    pub id: String,
    /// `None`: always holds (the last rule).
    pub when: Option<expr::Program>,
    pub reason: Option<Template>,
}

/// Where the decision's standard fields come from in this policy.
///
/// The decision contract (`income_status`, `per_capita_income`, …) names
/// values; a policy provides them by declaring an input or derived value of
/// that name and type. A policy without one (an income-only means test has no
/// deprivation) leaves the field empty.
#[derive(Debug, Clone, Default)]
pub struct StandardFields {
    pub id_input: usize,
    pub region_input: Option<usize>,
    pub income_status: Option<(usize, EnumId)>,
    pub per_capita_income: Option<usize>,
    pub poverty_line: Option<usize>,
    pub emergency: Option<usize>,
    pub labour_capacity: Option<usize>,
}

/// A loaded, checked policy.
#[derive(Debug, Clone)]
pub struct Policy {
    pub meta: Meta,
    /// The file it was read from (or [`DEFAULT_POLICY_NAME`]).
    pub file: String,
    /// The TOML text as read.
    pub source: String,
    /// The date used to pick dated parameter values.
    pub as_of: String,
    /// FNV-1a 64 of the source text and the `as_of` date, as 16 hex digits.
    pub hash: String,
    pub inputs: Vec<Input>,
    pub parameters: Vec<Parameter>,
    pub enums: Vec<EnumDef>,
    pub checks: Vec<Check>,
    /// Derived values in declared order.
    pub derived: Vec<Derived>,
    pub deprivation: Option<Deprivation>,
    /// Evaluation order of derived values and indicators (dependencies first).
    pub order: Vec<Node>,
    pub programs: Vec<Benefit>,
    /// The household monthly cap: `[cap] monthly` or `[caps] total`.
    pub cap: Option<expr::Program>,
    /// `[caps]` per provider, applied before the total cap.
    pub provider_caps: Vec<ProviderCap>,
    pub reasons: Vec<Reason>,
    pub tracks: Vec<Track>,
    pub priority: Option<expr::Program>,
    pub default_review_months: u32,
    pub fields: StandardFields,
    /// Number of value slots a row needs.
    pub slot_count: usize,
    /// The text tests of `text` inputs that expressions use, sorted by
    /// input then bit (see [`TextTest`]).
    pub text_tests: Vec<TextTest>,
    /// Problems that did not stop the load (a parameter without `unit` or
    /// `reference`), for the caller to show.
    pub warnings: Vec<Diagnostic>,
    /// Person inputs and reducers, when the policy declares person inputs.
    pub persons: Option<persons::Persons>,
    /// The language of this load's texts for people (templates, labels,
    /// names, [`Policy::words`]), chosen by [`LangChoice`].
    pub lang: Lang,
    /// The languages the policy is written in (`[policy] languages`; English alone when omitted).
    pub languages: Vec<Lang>,
    /// The fixed words around the templates, in [`Policy::lang`].
    pub words: Words,
    /// `[ranking]`: welfare groups (`decile`), when the policy ranks.
    pub ranking: Option<ranking::Ranking>,
}

/// One step of the computed-values phase, in dependency order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Node {
    Derived(usize),
    Indicator(usize),
    Score,
    Status,
}

impl Policy {
    /// The embedded default policy.
    ///
    /// ```
    /// let p = layak::policy::Policy::default_policy(&Default::default()).unwrap();
    /// assert_eq!(p.meta.id, "layak-default");
    /// assert_eq!(p.programs.len(), 6);
    /// ```
    pub fn default_policy(options: &LoadOptions) -> Result<Policy, PolicyError> {
        Policy::load(DEFAULT_POLICY_NAME, DEFAULT_POLICY_TOML, options)
    }

    /// Load and check a policy from its TOML text; `file` is used in messages.
    ///
    /// A parameter without `unit` or `reference` is a warning, kept in
    /// [`Policy::warnings`].
    pub fn load(file: &str, source: &str, options: &LoadOptions) -> Result<Policy, PolicyError> {
        check::load(file, source, options, false, LangChoice::default())
    }

    /// Load and check a policy with its texts in the language `lang`
    /// chooses (see [`LangChoice`]); `strict` as [`Policy::load_strict`].
    ///
    /// ```
    /// use layak::policy::{Lang, LangChoice, Policy, DEFAULT_POLICY_NAME, DEFAULT_POLICY_TOML};
    /// let choice = LangChoice { requested: Some(Lang::Id), environment: None };
    /// let p = Policy::load_in(DEFAULT_POLICY_NAME, DEFAULT_POLICY_TOML, &Default::default(), false, choice).unwrap();
    /// assert_eq!(p.lang, Lang::Id);
    /// assert_eq!(p.words.granted, "DIBERIKAN");
    /// ```
    pub fn load_in(
        file: &str,
        source: &str,
        options: &LoadOptions,
        strict: bool,
        lang: LangChoice,
    ) -> Result<Policy, PolicyError> {
        check::load(file, source, options, strict, lang)
    }

    /// Load and check a policy as [`Policy::load`] does, but with every
    /// parameter's `unit` and `reference` required (errors, not warnings):
    /// the bar for a policy that is shipped or published.
    ///
    /// ```
    /// use layak::policy::{Policy, DEFAULT_POLICY_NAME, DEFAULT_POLICY_TOML};
    /// let p = Policy::load_strict(DEFAULT_POLICY_NAME, DEFAULT_POLICY_TOML, &Default::default());
    /// assert!(p.is_ok_and(|p| p.warnings.is_empty()));
    /// ```
    pub fn load_strict(
        file: &str,
        source: &str,
        options: &LoadOptions,
    ) -> Result<Policy, PolicyError> {
        check::load(file, source, options, true, LangChoice::default())
    }

    /// The inputs whose missing column is warned about: all but those
    /// declared `warn_if_missing = false` (counted in "N of M inputs").
    pub fn watched_inputs(&self) -> usize {
        self.inputs.iter().filter(|i| i.warn_if_missing).count()
    }

    /// Input by name.
    pub fn input(&self, name: &str) -> Option<&Input> {
        self.inputs.iter().find(|i| i.name == name)
    }

    /// The value of an input slot as a person reads it: enum values by name,
    /// booleans as true/false, numbers plainly.
    pub fn format_input_value(&self, slot: usize, v: f64) -> String {
        match self.inputs.get(slot).map(|i| i.ty) {
            Some(InputType::Bool) => (if v != 0.0 { "true" } else { "false" }).to_string(),
            Some(InputType::Date) if v.is_finite() => crate::expr::dates::format_iso(v as i64),
            Some(InputType::Enum(e)) => self
                .enums
                .get(usize::from(e))
                .and_then(|d| d.values.get(v as usize))
                .cloned()
                .unwrap_or_default(),
            // A text input's slot holds which of its text tests hold.
            Some(InputType::Text) => {
                let bits = if v.is_finite() && v >= 0.0 {
                    v as u64
                } else {
                    0
                };
                let held: Vec<String> = self
                    .text_tests
                    .iter()
                    .filter(|t| t.input == slot && bits & (1u64 << t.bit) != 0)
                    .map(|t| {
                        let text = String::from_utf8_lossy(&t.text);
                        if t.prefix {
                            format!("starts with '{text}'")
                        } else {
                            format!("'{text}'")
                        }
                    })
                    .collect();
                if held.is_empty() {
                    "none of the tested texts".to_string()
                } else {
                    held.join(", ")
                }
            }
            _ => v.to_string(),
        }
    }

    /// A human name for the value held in `slot` (input, derived value, indicator, …).
    pub fn slot_name(&self, slot: usize) -> String {
        if let Some(i) = self.inputs.get(slot) {
            return i.name.clone();
        }
        if let Some(d) = self.derived_in(slot) {
            return d.name.clone();
        }
        if let Some(dep) = &self.deprivation {
            if dep.score_slot == slot {
                return "deprivation_score".into();
            }
            if dep.status_slot == slot {
                return "deprivation_status".into();
            }
            if let Some(ind) = by_slot(&dep.indicators, slot, |i| i.slot) {
                return format!("indicator {}", ind.id);
            }
        }
        if let Some(r) = &self.ranking {
            if slot == r.welfare_slot {
                return "welfare".into();
            }
            if slot == r.decile_slot {
                return "decile".into();
            }
        }
        if let Some(p) = by_slot(&self.programs, slot, |p| p.granted_slot) {
            return p.id.clone();
        }
        format!("slot {slot}")
    }

    /// The derived value held in `slot`, if any, in constant time.
    pub fn derived_in(&self, slot: usize) -> Option<&Derived> {
        by_slot(&self.derived, slot, |d| d.slot)
    }
}

/// The item of `items` held in `slot`. The checker gives consecutive slots
/// in declared order, so the item is found by subtraction (a search per
/// lookup made `explain` quadratic in the number of derived values); a search
/// remains for a table that is not laid out so.
pub(crate) fn by_slot<T>(items: &[T], slot: usize, slot_of: impl Fn(&T) -> usize) -> Option<&T> {
    let first = slot_of(items.first()?);
    let last = slot_of(items.last()?);
    if slot < first || slot > last {
        return None;
    }
    match items.get(slot - first) {
        Some(item) if slot_of(item) == slot => Some(item),
        _ => items.iter().find(|item| slot_of(item) == slot),
    }
}

/// Today's date as `YYYY-MM-DD` (UTC), from the system clock.
pub fn today() -> String {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    let (y, m, d) = crate::expr::dates::civil_from_days((secs / 86_400) as i64);
    format!("{y:04}-{m:02}-{d:02}")
}

/// True when `s` is a valid `YYYY-MM-DD` calendar date.
pub fn is_valid_date(s: &str) -> bool {
    let b = s.as_bytes();
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return false;
    }
    let digits = |r: std::ops::Range<usize>| -> Option<u32> {
        let mut v = 0u32;
        for &c in &b[r] {
            if !c.is_ascii_digit() {
                return None;
            }
            v = v * 10 + u32::from(c - b'0');
        }
        Some(v)
    };
    let (Some(y), Some(m), Some(d)) = (digits(0..4), digits(5..7), digits(8..10)) else {
        return false;
    };
    let leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    let days = match m {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if leap => 29,
        2 => 28,
        _ => return false,
    };
    (1..=days).contains(&d)
}

pub use crate::text::{MESSAGE_LIST_ITEMS, MESSAGE_QUOTE_BYTES, noun, quote_list, shorten};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn civil_dates() {
        use crate::expr::dates::civil_from_days;
        assert_eq!(civil_from_days(0), (1970, 1, 1));
        assert_eq!(civil_from_days(20_513), (2026, 3, 1));
        assert_eq!(civil_from_days(11_016), (2000, 2, 29));
    }

    #[test]
    fn date_validation() {
        assert!(is_valid_date("2024-02-29"));
        assert!(!is_valid_date("2023-02-29"));
        assert!(!is_valid_date("2024-13-01"));
        assert!(!is_valid_date("2024-1-01"));
        assert!(is_valid_date(&today()));
    }

    #[test]
    fn quoted_lists_are_bounded() {
        let few = ["urban", "rural"];
        assert_eq!(quote_list(&few), "urban, rural");
        let many: Vec<String> = (0..100_000).map(|i| format!("v{i}")).collect();
        let text = quote_list(&many);
        assert!(text.starts_with("v0, v1, v2, "), "{text}");
        assert!(text.ends_with(", … and 99,980 more"), "{text}");
        assert!(text.len() < 400, "{} bytes", text.len());
        // Long items are cut too, and the byte budget ends the list early.
        let long: Vec<String> = (0..50)
            .map(|i| format!("{i}{}", "x".repeat(5000)))
            .collect();
        let text = quote_list(&long);
        assert!(text.len() < 500, "{} bytes", text.len());
        assert!(text.contains("… and "), "{text}");
        assert_eq!(shorten("héllo", 2), "h…");
        assert_eq!(shorten("abc", 3), "abc");
    }
}
