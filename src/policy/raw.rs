//! Serde structures that mirror the policy TOML one to one.
//!
//! Nothing here is checked beyond TOML syntax and field names
//! (`deny_unknown_fields`, so a misspelt key is an error with its position).
//! Names and expressions keep their byte spans for diagnostics.

use serde::Deserialize;
use toml::Spanned;

/// A string from the file with its byte span, for diagnostics.
pub(crate) type SpannedStr = Spanned<String>;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawPolicy {
    pub policy: RawMeta,
    #[serde(default)]
    pub inputs: Vec<RawInput>,
    /// `[persons]`: how person rows are numbered (issue 18).
    pub persons: Option<RawPersons>,
    /// `[[person_inputs]]`: the columns of a person file (issue 18).
    #[serde(default)]
    pub person_inputs: Vec<RawInput>,
    #[serde(default)]
    pub parameters: Vec<RawParameter>,
    #[serde(default)]
    pub checks: Vec<RawCheck>,
    #[serde(default)]
    pub derived: Vec<RawDerived>,
    pub deprivation: Option<RawDeprivation>,
    #[serde(default)]
    pub programs: Vec<RawProgram>,
    pub cap: Option<RawCap>,
    #[serde(default)]
    pub reasons: Vec<RawReason>,
    #[serde(default)]
    pub tracks: Vec<RawTrack>,
    pub priority: Option<RawPriority>,
    pub review: Option<RawReview>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawMeta {
    pub id: SpannedStr,
    pub name: String,
    pub version: String,
    #[serde(default)]
    pub currency: String,
    #[serde(default)]
    pub effective: Option<SpannedStr>,
    #[serde(default)]
    pub description: String,
    #[serde(default)]
    pub reference: String,
}

/// A scalar as written in TOML: default values and parameter values.
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub(crate) enum RawScalar {
    Bool(bool),
    Integer(i64),
    Float(f64),
    Text(String),
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawInput {
    pub name: SpannedStr,
    #[serde(rename = "type")]
    pub ty: SpannedStr,
    #[serde(default)]
    pub values: Vec<SpannedStr>,
    pub min: Option<Spanned<RawScalar>>,
    pub max: Option<Spanned<RawScalar>>,
    pub default: Option<Spanned<RawScalar>>,
    #[serde(default)]
    pub required: bool,
    #[serde(default)]
    pub meaning: String,
    /// A household input only: the reducer that computes it from the
    /// household's persons (`count(age <= 6)`).
    pub from_persons: Option<SpannedStr>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawPersons {
    /// The person input numbering persons within their household.
    pub number: Option<SpannedStr>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawParameter {
    pub name: SpannedStr,
    /// A number, or a string holding a constant expression such as `"1/3"`.
    pub value: Option<Spanned<RawScalar>>,
    /// Dated values: the newest `from` not after the run's `--as-of` date applies.
    #[serde(default)]
    pub values: Vec<RawDatedValue>,
    /// What the number measures. Optional in a quick policy (a warning),
    /// required when the policy is checked strictly.
    pub unit: Option<String>,
    /// Where the number comes from; optional like `unit`.
    pub reference: Option<String>,
    #[serde(default)]
    pub description: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawDatedValue {
    pub from: SpannedStr,
    pub value: Spanned<RawScalar>,
    /// Where the value comes from: documentation for readers of the policy
    /// file (`policy show` prints the file as written); the checker needs none.
    #[serde(default)]
    #[allow(dead_code)]
    pub reference: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawCheck {
    pub id: SpannedStr,
    /// Must hold for the row to be accepted.
    pub rule: SpannedStr,
    pub message: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawDerived {
    pub name: SpannedStr,
    #[serde(rename = "type")]
    pub ty: Option<SpannedStr>,
    #[serde(default)]
    pub values: Vec<SpannedStr>,
    pub expr: SpannedStr,
    #[serde(default)]
    pub label: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawDeprivation {
    pub vulnerable_cutoff: Spanned<RawScalar>,
    pub poor_cutoff: Spanned<RawScalar>,
    pub severe_cutoff: Spanned<RawScalar>,
    pub indicators: Vec<RawIndicator>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawIndicator {
    pub id: SpannedStr,
    pub dimension: String,
    pub weight: Spanned<RawScalar>,
    pub when: SpannedStr,
    #[serde(default)]
    pub label: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawProgram {
    pub id: SpannedStr,
    #[serde(default)]
    pub name: String,
    pub kind: SpannedStr,
    pub provider: String,
    pub eligible: SpannedStr,
    pub amount: SpannedStr,
    pub period: SpannedStr,
    pub duration_months: Option<SpannedStr>,
    pub review_months: Option<Spanned<i64>>,
    pub deferred_when: Option<SpannedStr>,
    pub starts_after_months: Option<SpannedStr>,
    #[serde(default)]
    pub reason: Option<SpannedStr>,
    #[serde(default)]
    pub denied_reason: Option<SpannedStr>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawCap {
    pub monthly: SpannedStr,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawReason {
    pub id: SpannedStr,
    pub when: SpannedStr,
    pub text: SpannedStr,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawTrack {
    pub id: SpannedStr,
    /// Omitted means "always": the catch-all last rule.
    pub when: Option<SpannedStr>,
    #[serde(default)]
    pub reason: Option<SpannedStr>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawPriority {
    pub formula: SpannedStr,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawReview {
    pub default_months: Spanned<i64>,
}
