//! The JSON documents of `explain --format json` and `validate --format json`.
//!
//! Fields are declared in alphabetical order, and maps are `BTreeMap`s: these
//! documents were first built as `serde_json::Value`s, whose objects sort
//! their keys, and scripts and tests rely on that order.

use std::collections::BTreeMap;

use serde::Serialize;

/// The policy a document was made with.
#[derive(Serialize)]
pub(super) struct PolicyRef<'a> {
    pub hash: &'a str,
    pub id: &'a str,
    pub version: &'a str,
}

impl<'a> PolicyRef<'a> {
    pub(super) fn of(policy: &'a crate::policy::Policy) -> PolicyRef<'a> {
        PolicyRef {
            hash: &policy.hash,
            id: &policy.meta.id,
            version: &policy.meta.version,
        }
    }
}

/// `explain` of a household that was decided.
#[derive(Serialize)]
pub(super) struct Explained<'a> {
    pub file: &'a str,
    pub household_id: &'a str,
    pub line: u64,
    pub policy: PolicyRef<'a>,
    /// The trace as a `Value`, so that its keys are sorted at every level,
    /// as they have always been (the trace's own structs list them in
    /// reading order, for other uses).
    pub trace: serde_json::Value,
    /// With `--weight`: the household's survey weight.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub weight: Option<WeightWire<'a>>,
}

/// The survey weight column (`--weight`) and, in `explain`, one household's weight.
#[derive(Serialize)]
pub(super) struct WeightWire<'a> {
    pub column: &'a str,
    /// The factor every weight is multiplied by (`--weight-scale`).
    pub scale: serde_json::Number,
    /// The weight as used: the cell times the scale.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub value: Option<serde_json::Number>,
}

impl<'a> WeightWire<'a> {
    /// The column's description; `units`: a household's weight, in
    /// billionths.
    pub(super) fn of(w: &'a crate::input::WeightColumn, units: Option<u64>) -> WeightWire<'a> {
        let number = |text: String| match text.parse::<u64>() {
            Ok(n) => serde_json::Number::from(n),
            Err(_) => text
                .parse::<f64>()
                .ok()
                .and_then(serde_json::Number::from_f64)
                .unwrap_or_else(|| serde_json::Number::from(0)),
        };
        WeightWire {
            column: &w.name,
            scale: number(w.scale.to_string()),
            value: units.map(|u| {
                let mut text = Vec::new();
                crate::input::write_weight(u, &mut text);
                number(String::from_utf8_lossy(&text).into_owned())
            }),
        }
    }
}

/// `explain` of a household whose row was rejected.
#[derive(Serialize)]
pub(super) struct ExplainedReject<'a> {
    pub file: &'a str,
    pub household_id: &'a str,
    pub line: u64,
    pub rejected: RejectWire<'a>,
}

/// Why a row was rejected.
#[derive(Serialize)]
pub(super) struct RejectWire<'a> {
    pub code: &'a str,
    pub column: &'a str,
    pub reason: &'a str,
    pub value: &'a str,
}

/// The `validate` report.
#[derive(Serialize)]
pub(super) struct Validation<'a> {
    pub blank_rows_skipped: u64,
    pub defaulted_columns: Vec<Defaulted<'a>>,
    pub file: &'a str,
    pub policy: PolicyRef<'a>,
    pub problems: u64,
    pub rejected: u64,
    pub rejects_by_code: BTreeMap<&'a str, TallyWire<'a>>,
    pub rejects_by_column: BTreeMap<&'a str, TallyWire<'a>>,
    pub rows_read: u64,
    pub unused_columns: &'a [String],
    pub valid: u64,
    /// With `--weight`: the survey weight column, checked on every row.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub weight: Option<WeightWire<'a>>,
}

/// A policy input missing from the file, and the default every row takes.
#[derive(Serialize)]
pub(super) struct Defaulted<'a> {
    pub default: &'a str,
    pub input: &'a str,
}

/// How many problems of one kind, the first lines with one, and an example.
#[derive(Serialize)]
pub(super) struct TallyWire<'a> {
    pub count: u64,
    pub example: &'a str,
    pub first_lines: &'a [u64],
}
