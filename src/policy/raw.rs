//! Serde structures that mirror the policy TOML one to one.
//!
//! Nothing here is checked beyond TOML syntax and field names
//! (`deny_unknown_fields`, so a misspelt key is an error with its position).
//! Names and expressions keep their byte spans for diagnostics.

use std::collections::BTreeMap;

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
    /// `[[tables]]`: lookup tables keyed by enum inputs.
    #[serde(default)]
    pub tables: Vec<RawTable>,
    #[serde(default)]
    pub checks: Vec<RawCheck>,
    #[serde(default)]
    pub derived: Vec<RawDerived>,
    pub deprivation: Option<RawDeprivation>,
    #[serde(default)]
    pub programs: Vec<RawProgram>,
    pub cap: Option<RawCap>,
    /// `[caps]`: monthly caps per provider and in total (issue 20).
    pub caps: Option<RawCaps>,
    #[serde(default)]
    pub reasons: Vec<RawReason>,
    #[serde(default)]
    pub tracks: Vec<RawTrack>,
    pub priority: Option<RawPriority>,
    pub review: Option<RawReview>,
    /// `[ranking]`: rank the households by welfare into groups (issue 17).
    pub ranking: Option<RawRanking>,
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
    /// The languages every text for people is written in (`["en", "id"]`);
    /// omitted: one language, English.
    #[serde(default)]
    pub languages: Vec<SpannedStr>,
    /// The language used when `--lang` does not choose one.
    pub language: Option<SpannedStr>,
    /// `[policy.words.LANG]`: the fixed words the tool puts around the
    /// templates, overriding the built-in ones of that language.
    #[serde(default)]
    pub words: BTreeMap<String, Spanned<BTreeMap<String, Spanned<String>>>>,
}

/// A text for people: one string (a one-language policy) or one string per
/// declared language (`{ en = "...", id = "..." }`).
#[derive(Debug, Clone)]
pub(crate) enum RawText {
    One(String),
    PerLanguage(BTreeMap<String, SpannedStr>),
}

impl Default for RawText {
    fn default() -> Self {
        RawText::One(String::new())
    }
}

impl<'de> Deserialize<'de> for RawText {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> serde::de::Visitor<'de> for V {
            type Value = RawText;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a string, or a table of one string per language such as { en = \"...\", id = \"...\" }")
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<RawText, E> {
                Ok(RawText::One(v.to_string()))
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                mut m: A,
            ) -> Result<RawText, A::Error> {
                let mut out = BTreeMap::new();
                while let Some(k) = m.next_key::<String>()? {
                    let v = m.next_value::<SpannedStr>()?;
                    out.insert(k, v);
                }
                Ok(RawText::PerLanguage(out))
            }
        }
        d.deserialize_any(V)
    }
}

/// A text for people with its span.
pub(crate) type SpannedText = Spanned<RawText>;

/// Per language, the words shown for an enum's values (`{ id = { urban = "perkotaan" } }`).
pub(crate) type RawLabels = BTreeMap<String, Spanned<BTreeMap<String, String>>>;

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
    /// The input's words for people (`explain`'s family view).
    pub label: Option<SpannedText>,
    /// Per language, the words for the enum's values in reasons.
    #[serde(default)]
    pub labels: RawLabels,
    /// A household input only: the reducer that computes it from the
    /// household's persons (`count(age <= 6)`).
    pub from_persons: Option<SpannedStr>,
    /// `false`: a file without this column is normal (what a household
    /// already receives is often not collected), so no warning is printed
    /// and `--require-columns` does not ask for it. Default `true`.
    pub warn_if_missing: Option<Spanned<bool>>,
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

/// `[[tables]]`: a number per key (or pair of keys), from rows written in
/// the policy or a CSV file beside it, optionally dated.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawTable {
    pub name: SpannedStr,
    /// The enum inputs whose values key the table (one or two).
    pub keys: Vec<SpannedStr>,
    /// The value of a key missing from the table; without it a missing key
    /// makes the lookup undefined (the row is rejected).
    pub default: Option<Spanned<f64>>,
    /// A CSV file, relative to the policy file's folder.
    pub file: Option<SpannedStr>,
    /// The CSV column holding the values (default `value`), so that one
    /// file can hold several tables (a model's coefficients per district).
    pub column: Option<SpannedStr>,
    /// Rows written in the policy: the keys, then the value.
    pub rows: Option<Spanned<Vec<Vec<RawTableCell>>>>,
    /// Dated versions: the newest `from` not after `--as-of` applies.
    #[serde(default)]
    pub versions: Vec<RawTableVersion>,
    /// What the numbers measure and where they come from: documentation for
    /// readers of the policy file.
    #[allow(dead_code)]
    pub unit: Option<String>,
    #[allow(dead_code)]
    pub reference: Option<String>,
    #[serde(default)]
    #[allow(dead_code)]
    pub description: String,
}

/// One dated version of a table: a file or rows.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawTableVersion {
    pub from: SpannedStr,
    pub file: Option<SpannedStr>,
    pub rows: Option<Spanned<Vec<Vec<RawTableCell>>>>,
    /// Documentation for readers of the policy file.
    #[serde(default)]
    #[allow(dead_code)]
    pub reference: String,
}

/// A cell of an inline table row: a key (text) or the value (a number).
#[derive(Debug, Deserialize, Clone)]
#[serde(untagged)]
pub(crate) enum RawTableCell {
    Number(f64),
    Text(String),
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
    pub label: Option<SpannedText>,
    /// Per language, the words for the enum's values in reasons.
    #[serde(default)]
    pub labels: RawLabels,
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
    pub label: Option<SpannedText>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawProgram {
    pub id: SpannedStr,
    pub name: Option<SpannedText>,
    pub kind: SpannedStr,
    /// Who pays: one provider, or several for a joint program (the first
    /// is the lead, under which its cost is counted). Default `state`.
    pub provider: Option<Spanned<RawProviders>>,
    /// Programs this one takes precedence over: not granted when this one is.
    #[serde(default)]
    pub excludes: Vec<SpannedStr>,
    /// What the household already receives from elsewhere, taken off the amount.
    pub reduced_by: Option<SpannedStr>,
    pub eligible: SpannedStr,
    pub amount: SpannedStr,
    pub period: SpannedStr,
    pub duration_months: Option<SpannedStr>,
    pub review_months: Option<Spanned<i64>>,
    pub deferred_when: Option<SpannedStr>,
    pub starts_after_months: Option<SpannedStr>,
    #[serde(default)]
    pub reason: Option<SpannedText>,
    #[serde(default)]
    pub denied_reason: Option<SpannedText>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawCap {
    pub monthly: SpannedStr,
}

/// `provider = "state"` or `provider = ["state", "community"]`.
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub(crate) enum RawProviders {
    One(String),
    Many(Vec<String>),
}

/// `[caps]`: a monthly cap per provider, and `total` (the household cap).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawCaps {
    pub state: Option<SpannedStr>,
    pub local_government: Option<SpannedStr>,
    pub community: Option<SpannedStr>,
    pub private: Option<SpannedStr>,
    pub total: Option<SpannedStr>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawReason {
    pub id: SpannedStr,
    pub when: SpannedStr,
    pub text: SpannedText,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawTrack {
    pub id: SpannedStr,
    /// Omitted means "always": the catch-all last rule.
    pub when: Option<SpannedStr>,
    #[serde(default)]
    pub reason: Option<SpannedText>,
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

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawRanking {
    /// The welfare measure: a number expression, ascending = poorer first.
    pub welfare: SpannedStr,
    /// Its words for people (`explain`).
    pub label: Option<SpannedText>,
    /// How many groups (10 by default).
    pub groups: Option<Spanned<i64>>,
    /// `persons` (the default) or `households`.
    pub population: Option<SpannedStr>,
    /// A household's persons, with `population = "persons"` (default `members`).
    pub persons: Option<SpannedStr>,
    /// Only `ascending` (poorer first).
    pub order: Option<SpannedStr>,
}
