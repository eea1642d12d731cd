//! Serde structures that mirror the policy TOML one to one.
//!
//! Nothing here is checked beyond TOML syntax and field names
//! (`deny_unknown_fields`, so a misspelt key is an error with its position).
//! Names and expressions keep their byte spans for diagnostics.

use serde::Deserialize;
use toml::Spanned;

pub type S = Spanned<String>;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawPolicy {
    pub policy: RawMeta,
    #[serde(default)]
    pub inputs: Vec<RawInput>,
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
pub struct RawMeta {
    pub id: S,
    pub name: String,
    pub version: String,
    #[serde(default)]
    pub currency: String,
    #[serde(default)]
    pub effective: Option<S>,
    #[serde(default)]
    pub description: String,
    #[serde(default)]
    pub reference: String,
}

/// A scalar as written in TOML: default values and parameter values.
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub enum RawScalar {
    Bool(bool),
    Integer(i64),
    Float(f64),
    Text(String),
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawInput {
    pub name: S,
    #[serde(rename = "type")]
    pub ty: S,
    #[serde(default)]
    pub values: Vec<S>,
    pub min: Option<Spanned<RawScalar>>,
    pub max: Option<Spanned<RawScalar>>,
    pub default: Option<Spanned<RawScalar>>,
    #[serde(default)]
    pub required: bool,
    #[serde(default)]
    pub meaning: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawParameter {
    pub name: S,
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
pub struct RawDatedValue {
    pub from: S,
    pub value: Spanned<RawScalar>,
    #[serde(default)]
    pub reference: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawCheck {
    pub id: S,
    /// Must hold for the row to be accepted.
    pub rule: S,
    pub message: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawDerived {
    pub name: S,
    #[serde(rename = "type")]
    pub ty: Option<S>,
    #[serde(default)]
    pub values: Vec<S>,
    pub expr: S,
    #[serde(default)]
    pub label: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawDeprivation {
    pub vulnerable_cutoff: Spanned<RawScalar>,
    pub poor_cutoff: Spanned<RawScalar>,
    pub severe_cutoff: Spanned<RawScalar>,
    pub indicators: Vec<RawIndicator>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawIndicator {
    pub id: S,
    pub dimension: String,
    pub weight: Spanned<RawScalar>,
    pub when: S,
    #[serde(default)]
    pub label: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawProgram {
    pub id: S,
    #[serde(default)]
    pub name: String,
    pub kind: S,
    pub provider: String,
    pub eligible: S,
    pub amount: S,
    pub period: S,
    pub duration_months: Option<S>,
    pub review_months: Option<Spanned<i64>>,
    pub deferred_when: Option<S>,
    pub starts_after_months: Option<S>,
    #[serde(default)]
    pub reason: Option<S>,
    #[serde(default)]
    pub denied_reason: Option<S>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawCap {
    pub monthly: S,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawReason {
    pub id: S,
    pub when: S,
    pub text: S,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawTrack {
    pub id: S,
    /// Omitted means "always": the catch-all last rule.
    pub when: Option<S>,
    #[serde(default)]
    pub reason: Option<S>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawPriority {
    pub formula: S,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawReview {
    pub default_months: Spanned<i64>,
}
