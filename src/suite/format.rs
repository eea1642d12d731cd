//! The test file's TOML shape, and the keys a case can expect: what each key
//! names in a decision and the kind of value it holds.

use std::collections::BTreeMap;

use serde::Deserialize;
use toml::Spanned;

use crate::expr::{EnumId, Type};
use crate::input::RejectCode;
use crate::policy::{DEPRIVATION_STATUSES, InputType, Policy};

pub(super) type Entries = BTreeMap<Spanned<String>, Spanned<toml::Value>>;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawFile {
    pub policy: Option<Spanned<String>>,
    pub as_of: Option<Spanned<toml::Value>>,
    pub tolerance: Option<Spanned<toml::Value>>,
    #[serde(default)]
    pub case: Vec<RawCase>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawCase {
    pub name: Spanned<String>,
    pub as_of: Option<Spanned<toml::Value>>,
    #[serde(default)]
    pub input: Entries,
    #[serde(default)]
    pub parameters: Entries,
    pub tolerance: Option<Spanned<toml::Value>>,
    pub expect: Option<Spanned<Entries>>,
}

/// One expected field.
#[derive(Debug)]
pub(super) struct Expect {
    pub key: String,
    pub what: Field,
    pub value: Expected,
}

/// Where the found value comes from.
#[derive(Debug, Clone)]
pub(super) enum Field {
    /// A field of the JSON decision.
    Json(&'static str),
    /// Text found in some reason.
    ReasonsContain,
    Reject,
    RejectColumn,
    RejectReason,
    /// A program's status.
    Status(usize),
    /// A program's number: `amount`, `capped_from`, `duration_months`, `starts_after_months`.
    ProgramNumber(usize, &'static str),
    /// An input or derived value held in a slot, with its type.
    Slot(usize, Type),
}

impl Field {
    /// True for the expectations about a rejected row.
    pub(super) fn is_reject(&self) -> bool {
        matches!(
            self,
            Field::Reject | Field::RejectColumn | Field::RejectReason
        )
    }
}

/// A value as expected or found.
#[derive(Debug, Clone, PartialEq)]
pub(super) enum Expected {
    Text(String),
    /// The number, and how the file wrote it.
    Number(f64, String),
    Bool(bool),
    List(Vec<String>),
}

/// The kind of value a field holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Kind {
    Text,
    Number,
    Bool,
    List,
}

/// The decision fields a case can expect, with their kind.
pub(super) const DECISION_FIELDS: [(&str, Kind); 19] = [
    ("household_id", Kind::Text),
    ("region", Kind::Text),
    ("income_status", Kind::Text),
    ("per_capita_income", Kind::Number),
    ("poverty_line", Kind::Number),
    ("deprivation_score", Kind::Number),
    ("deprivation_status", Kind::Text),
    ("deprived", Kind::List),
    ("emergency", Kind::Bool),
    ("labour_capacity", Kind::Bool),
    ("track", Kind::Text),
    ("programs", Kind::List),
    ("deferred", Kind::List),
    ("monthly_total", Kind::Number),
    ("one_off_total", Kind::Number),
    ("capped", Kind::Bool),
    ("review_after_months", Kind::Number),
    ("priority", Kind::Number),
    ("reasons", Kind::List),
];

/// Per-program expectation keys: `amount.ID`, ….
const PROGRAM_FIELDS: [&str; 5] = [
    "amount",
    "status",
    "capped_from",
    "duration_months",
    "starts_after_months",
];

/// Expectation keys about a rejected row.
const REJECT_FIELDS: [&str; 3] = ["reject", "reject_column", "reject_reason"];

/// Every key a case may expect with this policy, for suggestions.
pub(super) fn valid_keys(p: &Policy) -> Vec<String> {
    let mut keys: Vec<String> = DECISION_FIELDS.iter().map(|f| f.0.to_string()).collect();
    keys.push("reasons_contain".into());
    keys.extend(REJECT_FIELDS.iter().map(|s| s.to_string()));
    for what in PROGRAM_FIELDS {
        for g in &p.programs {
            keys.push(format!("{what}.{}", g.id));
        }
    }
    for i in p.inputs.iter().filter(|i| !i.ty.is_text()) {
        keys.push(format!("value.{}", i.name));
    }
    for d in &p.derived {
        keys.push(format!("value.{}", d.name));
    }
    keys
}

/// What an expectation key names, and the kind of value it holds.
pub(super) fn resolve_key(p: &Policy, key: &str) -> Option<(Field, Kind)> {
    if let Some(&(name, kind)) = DECISION_FIELDS.iter().find(|f| f.0 == key) {
        return Some((Field::Json(name), kind));
    }
    match key {
        "reasons_contain" => return Some((Field::ReasonsContain, Kind::List)),
        "reject" => return Some((Field::Reject, Kind::Text)),
        "reject_column" => return Some((Field::RejectColumn, Kind::Text)),
        "reject_reason" => return Some((Field::RejectReason, Kind::Text)),
        _ => {}
    }
    let (prefix, name) = key.split_once('.')?;
    if prefix == "value" {
        if let Some(slot) = p.inputs.iter().position(|i| i.name == name) {
            let ty = match p.inputs[slot].ty {
                InputType::Bool => Type::Bool,
                InputType::Enum(e) => Type::Enum(e),
                InputType::Id | InputType::Text => return None,
                _ => Type::Number,
            };
            return Some((Field::Slot(slot, ty), kind_of(ty)));
        }
        let d = p.derived.iter().find(|d| d.name == name)?;
        return Some((Field::Slot(d.slot, d.ty), kind_of(d.ty)));
    }
    let what = PROGRAM_FIELDS.into_iter().find(|f| *f == prefix)?;
    let i = p.programs.iter().position(|g| g.id == name)?;
    Some(if what == "status" {
        (Field::Status(i), Kind::Text)
    } else {
        (Field::ProgramNumber(i, what), Kind::Number)
    })
}

fn kind_of(ty: Type) -> Kind {
    match ty {
        Type::Number => Kind::Number,
        Type::Bool => Kind::Bool,
        Type::Enum(_) => Kind::Text,
    }
}

/// Why the policy cannot provide `key`, if it cannot.
pub(super) fn unavailable(p: &Policy, key: &str) -> Option<String> {
    let f = &p.fields;
    let missing = |what: &str| {
        Some(format!(
            "the policy has no {what}, so the field is always empty"
        ))
    };
    match key {
        "income_status" if f.income_status.is_none() => missing("enum named `income_status`"),
        "per_capita_income" if f.per_capita_income.is_none() => {
            missing("number named `per_capita_income`")
        }
        "poverty_line" if f.poverty_line.is_none() => missing("number named `poverty_line`"),
        "emergency" if f.emergency.is_none() => missing("bool named `emergency`"),
        "labour_capacity" if f.labour_capacity.is_none() => missing("bool named `labour_capacity`"),
        "deprivation_score" | "deprivation_status" | "deprived" if p.deprivation.is_none() => {
            missing("[deprivation] section")
        }
        _ => None,
    }
}

/// The values a text field can take, when they are known from the policy.
pub(super) fn allowed_texts(p: &Policy, what: &Field) -> Option<(Vec<String>, &'static str)> {
    let enum_values = |e: EnumId| {
        p.enums
            .get(usize::from(e))
            .map_or_else(Vec::new, |d| d.values.clone())
    };
    match what {
        Field::Json("track") => Some((
            p.tracks.iter().map(|t| t.id.clone()).collect(),
            "the policy's tracks",
        )),
        Field::Json("income_status") => p
            .fields
            .income_status
            .map(|(_, e)| (enum_values(e), "the values of income_status")),
        Field::Json("deprivation_status") => Some((
            DEPRIVATION_STATUSES.iter().map(|s| s.to_string()).collect(),
            "deprivation statuses",
        )),
        Field::Status(_) => Some((
            ["granted", "deferred", "denied"]
                .iter()
                .map(|s| s.to_string())
                .collect(),
            "program statuses",
        )),
        Field::Reject => Some((
            RejectCode::ALL
                .iter()
                .filter(|c| !matches!(c, RejectCode::FieldCount | RejectCode::DuplicateId))
                .map(|c| c.as_str().to_string())
                .collect(),
            "reject codes possible in a one-row case",
        )),
        Field::RejectColumn => Some((
            p.inputs
                .iter()
                .map(|i| i.name.clone())
                .chain(p.checks.iter().map(|c| c.id.clone()))
                .collect(),
            "the policy's inputs and check ids",
        )),
        Field::Slot(_, Type::Enum(e)) => Some((enum_values(*e), "its values")),
        _ => None,
    }
}

/// Lists the other keys after an unknown one with no close match.
pub(super) fn all_keys_help() -> String {
    format!(
        "a case can expect: {}, amount.PROGRAM, status.PROGRAM, capped_from.PROGRAM, duration_months.PROGRAM, starts_after_months.PROGRAM, value.NAME, reasons_contain, reject, reject_column, reject_reason",
        DECISION_FIELDS.map(|f| f.0).join(", ")
    )
}
