//! The choice of decision columns (`--columns`) and of how reasons are
//! written (`--reasons`), resolved against the policy once, before any row.
//!
//! A column is one of the documented decision columns ([`super::CSV_COLUMNS`])
//! or a value of the policy by name: a derived value or a (non-text) input,
//! read from the row's slot. `core` names the 15 core columns. Names are
//! matched exactly (they are the policy's names); an unknown one is an error
//! with the closest name and the list of choices.

use crate::expr::{EnumId, Type};
use crate::policy::{InputType, Policy};

/// A documented decision column, in [`super::CSV_COLUMNS`] order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Std {
    HouseholdId,
    Region,
    IncomeStatus,
    PerCapitaIncome,
    PovertyLine,
    DeprivationScore,
    DeprivationStatus,
    Deprived,
    Emergency,
    LabourCapacity,
    Track,
    Programs,
    Deferred,
    MonthlyTotal,
    OneOffTotal,
    Capped,
    ReviewAfterMonths,
    Priority,
    Reasons,
    PolicyId,
    PolicyVersion,
    PolicyHash,
}

/// Every documented column, in the order of [`super::CSV_COLUMNS`].
pub const ALL: [Std; 22] = [
    Std::HouseholdId,
    Std::Region,
    Std::IncomeStatus,
    Std::PerCapitaIncome,
    Std::PovertyLine,
    Std::DeprivationScore,
    Std::DeprivationStatus,
    Std::Deprived,
    Std::Emergency,
    Std::LabourCapacity,
    Std::Track,
    Std::Programs,
    Std::Deferred,
    Std::MonthlyTotal,
    Std::OneOffTotal,
    Std::Capped,
    Std::ReviewAfterMonths,
    Std::Priority,
    Std::Reasons,
    Std::PolicyId,
    Std::PolicyVersion,
    Std::PolicyHash,
];

/// `--columns core`: the 15 columns a caseworker or an analyst reads (the
/// flags `emergency`, `labour_capacity`, `capped`, the review interval and the
/// policy's identity left out).
pub const CORE: [Std; 15] = [
    Std::HouseholdId,
    Std::Region,
    Std::IncomeStatus,
    Std::PerCapitaIncome,
    Std::PovertyLine,
    Std::DeprivationScore,
    Std::DeprivationStatus,
    Std::Deprived,
    Std::Track,
    Std::Programs,
    Std::Deferred,
    Std::MonthlyTotal,
    Std::OneOffTotal,
    Std::Priority,
    Std::Reasons,
];

impl Std {
    pub fn name(self) -> &'static str {
        super::CSV_COLUMNS[self as usize]
    }
}

/// What a policy value column holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ValueKind {
    Number,
    /// A whole number (an integer input).
    Integer,
    /// A date input: its days since 1970-01-01, written `YYYY-MM-DD`.
    Date,
    Bool,
    Enum(EnumId),
}

/// One output column.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Column {
    Std(Std),
    /// A derived value or an input of the policy, by name.
    Value {
        name: String,
        slot: usize,
        kind: ValueKind,
    },
}

impl Column {
    pub fn name(&self) -> &str {
        match self {
            Column::Std(s) => s.name(),
            Column::Value { name, .. } => name,
        }
    }
}

/// How the `reasons` column is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ReasonsMode {
    /// Sentences for a person (the default; today's bytes).
    #[default]
    Text,
    /// Stable short ids, e.g. `income.near_poor;program.food_assistance`.
    Codes,
    /// No `reasons` column at all.
    None,
}

/// The shape of the decisions beyond the format: which columns, how reasons
/// are written, and the spreadsheet-locale CSV of `--excel`.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct OutputShape {
    /// `None`: every documented column, in order.
    pub columns: Option<Vec<Column>>,
    pub reasons: ReasonsMode,
    /// CSV for a spreadsheet in an Indonesian locale: a UTF-8 byte-order
    /// mark, `;` between fields and a decimal comma in numbers.
    pub excel: bool,
    /// Text as read, never prefixed against formulas (for Parquet and xlsx,
    /// which read the CSV layout back as typed cells).
    pub raw_text: bool,
}

impl OutputShape {
    /// Whether the decisions are written exactly as without any option.
    pub fn is_default(&self) -> bool {
        *self == OutputShape::default()
    }

    /// The columns written, in order (without `reasons` under `--reasons none`).
    pub fn column_list(&self) -> Vec<Column> {
        let all: Vec<Column> = match &self.columns {
            Some(c) => c.clone(),
            None => ALL.iter().map(|&s| Column::Std(s)).collect(),
        };
        all.into_iter()
            .filter(|c| !(self.reasons == ReasonsMode::None && *c == Column::Std(Std::Reasons)))
            .collect()
    }
}

/// An unknown or repeated name in `--columns`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ColumnError {
    #[error("--columns: unknown column `{name}`{}; the choices are: core (the 15 core columns), {}", did_you_mean(.suggestion), .choices.join(", "))]
    Unknown {
        name: String,
        suggestion: Option<String>,
        choices: Vec<String>,
    },
    #[error("--columns: `{0}` is named twice")]
    Twice(String),
    #[error("--columns: `{0}` is not chosen here: it is added last by {1}")]
    Appended(String, &'static str),
    #[error(
        "--columns: no column named (expected names separated by commas, e.g. --columns core or --columns household_id,track,programs)"
    )]
    Empty,
}

fn did_you_mean(s: &Option<String>) -> String {
    s.as_ref()
        .map(|s| format!(" (did you mean `{s}`?)"))
        .unwrap_or_default()
}

/// Resolve `--columns LIST` against the policy: names separated by commas,
/// `core` for the 15 core columns.
///
/// ```
/// use layak::report::columns::{resolve, Column, Std};
/// let p = layak::policy::Policy::default_policy(&Default::default()).unwrap();
/// let cols = resolve(&p, "household_id,track,vulnerable_members").unwrap();
/// assert_eq!(cols[1], Column::Std(Std::Track));
/// assert_eq!(cols[2].name(), "vulnerable_members");
/// let err = resolve(&p, "household_id,trak").unwrap_err().to_string();
/// assert!(err.contains("did you mean `track`?"), "{err}");
/// ```
pub fn resolve(policy: &Policy, spec: &str) -> Result<Vec<Column>, ColumnError> {
    let mut columns: Vec<Column> = Vec::new();
    for name in spec.split(',').map(str::trim).filter(|n| !n.is_empty()) {
        let found: Vec<Column> = if name == "core" {
            CORE.iter().map(|&s| Column::Std(s)).collect()
        } else if let Some(&s) = ALL.iter().find(|s| s.name() == name) {
            vec![Column::Std(s)]
        } else if let Some(col) = value_column(policy, name) {
            vec![col]
        } else {
            return Err(match name {
                "weight" => ColumnError::Appended(name.into(), "--weight"),
                "funded" | "rank" => ColumnError::Appended(name.into(), "--budget"),
                "decile" if policy.ranking.is_some() => {
                    ColumnError::Appended(name.into(), "the policy's [ranking]")
                }
                _ => unknown(policy, name),
            });
        };
        for col in found {
            if columns.contains(&col) {
                return Err(ColumnError::Twice(col.name().to_string()));
            }
            columns.push(col);
        }
    }
    if columns.is_empty() {
        return Err(ColumnError::Empty);
    }
    Ok(columns)
}

/// A derived value or a non-text input named `name` (or, when the policy
/// ranks households, `welfare`: the measure it ranks them by).
fn value_column(policy: &Policy, name: &str) -> Option<Column> {
    if let (Some(r), "welfare") = (&policy.ranking, name) {
        if !policy.derived.iter().any(|d| d.name == name) && policy.input(name).is_none() {
            return Some(Column::Value {
                name: name.to_string(),
                slot: r.welfare_slot,
                kind: ValueKind::Number,
            });
        }
    }
    if let Some(d) = policy.derived.iter().find(|d| d.name == name) {
        let kind = match d.ty {
            Type::Number => ValueKind::Number,
            Type::Bool => ValueKind::Bool,
            Type::Enum(e) => ValueKind::Enum(e),
        };
        return Some(Column::Value {
            name: name.to_string(),
            slot: d.slot,
            kind,
        });
    }
    let (slot, input) = policy
        .inputs
        .iter()
        .enumerate()
        .find(|(_, i)| i.name == name && !i.ty.is_text())?;
    let kind = match input.ty {
        // A date as its whole number of days (printing it as a date is not done yet).
        InputType::Integer => ValueKind::Integer,
        InputType::Date => ValueKind::Date,
        InputType::Bool => ValueKind::Bool,
        InputType::Enum(e) => ValueKind::Enum(e),
        _ => ValueKind::Number,
    };
    Some(Column::Value {
        name: name.to_string(),
        slot,
        kind,
    })
}

/// Every name `--columns` takes with this policy.
fn choices(policy: &Policy) -> Vec<String> {
    let mut names: Vec<String> = ALL.iter().map(|s| s.name().to_string()).collect();
    for d in &policy.derived {
        if !names.contains(&d.name) {
            names.push(d.name.clone());
        }
    }
    for i in policy.inputs.iter().filter(|i| !i.ty.is_text()) {
        if !names.contains(&i.name) {
            names.push(i.name.clone());
        }
    }
    if policy.ranking.is_some() && !names.iter().any(|n| n == "welfare") {
        names.push("welfare".into());
    }
    names
}

fn unknown(policy: &Policy, name: &str) -> ColumnError {
    let choices = choices(policy);
    let suggestion = crate::expr::suggest(
        name,
        std::iter::once("core").chain(choices.iter().map(String::as_str)),
    )
    .map(str::to_string);
    ColumnError::Unknown {
        name: name.to_string(),
        suggestion,
        choices,
    }
}

/// The stable reason code of each `[[reasons]]` entry of the policy.
///
/// An entry whose id no other entry shares is coded by its id (`labour`).
/// Entries sharing an id are told apart by a suffix: the value its `when`
/// compares with, when the condition has the form `name == value`
/// (`income.near_poor`), else its place among the entries with that id,
/// from 1 (`income.2`).
///
/// ```
/// let p = layak::policy::Policy::default_policy(&Default::default()).unwrap();
/// let codes = layak::report::columns::reason_codes(&p);
/// assert_eq!(&codes[..4], ["income.poor", "income.near_poor", "income.not_poor", "emergency"]);
/// ```
pub fn reason_codes(policy: &Policy) -> Vec<String> {
    let reasons = &policy.reasons;
    reasons
        .iter()
        .enumerate()
        .map(|(i, r)| {
            let sharing = reasons.iter().filter(|o| o.id == r.id).count();
            if sharing == 1 {
                return r.id.clone();
            }
            let suffix = compared_value(r.when.source()).map_or_else(
                || {
                    let place = reasons[..i].iter().filter(|o| o.id == r.id).count() + 1;
                    place.to_string()
                },
                str::to_string,
            );
            format!("{}.{suffix}", r.id)
        })
        .collect()
}

/// `value` from a condition `name == value` (names only).
fn compared_value(source: &str) -> Option<&str> {
    let (left, right) = source.split_once("==")?;
    let is_name = |s: &str| {
        !s.is_empty()
            && s.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
            && !s.as_bytes()[0].is_ascii_digit()
    };
    let (left, right) = (left.trim(), right.trim());
    (is_name(left) && is_name(right)).then_some(right)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn policy() -> Policy {
        Policy::default_policy(&Default::default()).unwrap()
    }

    #[test]
    fn core_is_fifteen_documented_columns_in_order() {
        let cols = resolve(&policy(), "core").unwrap();
        assert_eq!(cols.len(), 15);
        let names: Vec<&str> = cols.iter().map(Column::name).collect();
        assert_eq!(names[0], "household_id");
        assert_eq!(names[14], "reasons");
    }

    #[test]
    fn unknown_names_suggest_and_list() {
        let err = resolve(&policy(), "income_per_capita").unwrap_err();
        let text = err.to_string();
        assert!(
            text.contains("unknown column `income_per_capita`"),
            "{text}"
        );
        assert!(text.contains("vulnerable_members"), "{text}");
        let err = resolve(&policy(), "prority").unwrap_err().to_string();
        assert!(err.contains("did you mean `priority`?"), "{err}");
        assert_eq!(
            resolve(&policy(), "track,track").unwrap_err(),
            ColumnError::Twice("track".into())
        );
        assert!(matches!(
            resolve(&policy(), "rank"),
            Err(ColumnError::Appended(..))
        ));
        assert_eq!(resolve(&policy(), " , ").unwrap_err(), ColumnError::Empty);
    }

    #[test]
    fn values_are_derived_values_and_inputs() {
        let p = policy();
        let cols = resolve(&p, "members,recent_shock,income_status").unwrap();
        assert!(matches!(
            cols[0],
            Column::Value {
                kind: ValueKind::Integer,
                ..
            }
        ));
        assert!(matches!(
            cols[1],
            Column::Value {
                kind: ValueKind::Bool,
                ..
            }
        ));
        // A documented column wins over the derived value of the same name.
        assert_eq!(cols[2], Column::Std(Std::IncomeStatus));
    }

    #[test]
    fn reason_codes_are_unique_for_the_default_policy() {
        let codes = reason_codes(&policy());
        let mut sorted = codes.clone();
        sorted.sort();
        sorted.dedup();
        assert_eq!(sorted.len(), codes.len(), "{codes:?}");
        assert_eq!(compared_value("a == b"), Some("b"));
        assert_eq!(compared_value("a == 2"), None);
        assert_eq!(compared_value("a >= b"), None);
    }
}
