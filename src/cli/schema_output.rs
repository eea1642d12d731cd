//! `layak schema --output`: the output contract as data (issue 16) — a JSON
//! Schema (draft 2020-12) of a decision (the JSON/NDJSON object, and the
//! CSV row with each column's type), of a reject, and of stage mode's
//! records, for the loaded policy.
//!
//! Derived, not copied: the CSV columns and their types come from the
//! writers' own column list ([`table::column_types`], which Parquet and
//! stage mode's Arrow output use too), the enumerations from the policy
//! (income statuses, indicators, tracks, programs), the reject codes from
//! [`RejectCode::possible`] and the rejects file's columns from
//! [`REJECT_COLUMNS`]. The JSON object is closed (`additionalProperties:
//! false`), so a field the writer adds without adding it here fails the
//! tests that validate real output against this schema.

use serde_json::{Map, Value, json};

use crate::input::RejectCode;
use crate::policy::{DEPRIVATION_STATUSES, Policy};
use crate::report::columns::{OutputShape, ReasonsMode};
use crate::report::stage::REJECT_FIELDS;
use crate::report::table::{self, Cell};
use crate::report::{CSV_COLUMNS, REJECT_COLUMNS};

const DRAFT: &str = "https://json-schema.org/draft/2020-12/schema";

fn nullable(mut schema: Value) -> Value {
    match schema.get_mut("type") {
        Some(Value::String(t)) => {
            let t = t.clone();
            schema["type"] = json!([t, "null"]);
            schema
        }
        _ => json!({ "anyOf": [schema, { "type": "null" }] }),
    }
}

fn strings(values: impl IntoIterator<Item = impl Into<String>>) -> Value {
    Value::Array(
        values
            .into_iter()
            .map(|v| Value::String(v.into()))
            .collect(),
    )
}

/// The JSON/NDJSON decision object's fields, in the order written.
fn decision_fields(p: &Policy) -> Vec<(&'static str, Value, bool)> {
    let income = match p.fields.income_status {
        Some((_, e)) => {
            let values = p.enums.get(usize::from(e)).map_or(&[][..], |e| &e.values);
            json!({ "enum": strings(values.iter().cloned()) })
        }
        None => json!({ "type": "null" }),
    };
    let indicators = p.deprivation.as_ref().map_or(Vec::new(), |d| {
        d.indicators.iter().map(|i| i.id.clone()).collect()
    });
    let deprivation_status = if p.deprivation.is_some() {
        json!({ "enum": strings(DEPRIVATION_STATUSES) })
    } else {
        json!({ "type": "null" })
    };
    let tracks: Vec<String> = p.tracks.iter().map(|t| t.id.clone()).collect();
    let program_ids: Vec<String> = p.programs.iter().map(|b| b.id.clone()).collect();
    let number = json!({ "type": "number" });
    let opt_number = nullable(number.clone());
    let opt_bool = json!({ "type": ["boolean", "null"] });
    let id_list = |ids: &[String]| json!({ "type": "array", "items": { "enum": strings(ids.iter().cloned()) } });
    // (name, schema, required)
    let mut fields = vec![
        ("household_id", json!({ "type": "string" }), true),
        ("region", json!({ "type": "string" }), true),
        ("income_status", income, true),
        ("per_capita_income", opt_number.clone(), true),
        ("poverty_line", opt_number.clone(), true),
        (
            "deprivation_score",
            if p.deprivation.is_some() {
                json!({ "type": "number", "minimum": 0, "maximum": 1 })
            } else {
                json!({ "type": "null" })
            },
            true,
        ),
        ("deprivation_status", deprivation_status, true),
        ("deprived", id_list(&indicators), true),
        ("emergency", opt_bool.clone(), true),
        ("labour_capacity", opt_bool, true),
        ("track", json!({ "enum": strings(tracks) }), true),
        (
            "programs",
            json!({ "type": "array", "items": { "$ref": "#/$defs/program" } }),
            true,
        ),
        ("deferred", id_list(&program_ids), true),
        (
            "monthly_total",
            json!({ "type": "integer", "minimum": 0 }),
            true,
        ),
        (
            "one_off_total",
            json!({ "type": "integer", "minimum": 0 }),
            true,
        ),
        ("capped", json!({ "type": "boolean" }), true),
        ("review_after_months", json!({ "type": "integer" }), true),
        ("priority", number, true),
        (
            "reasons",
            json!({ "type": "array", "items": { "type": "string" } }),
            true,
        ),
        ("policy_id", json!({ "const": p.meta.id }), true),
        ("policy_version", json!({ "const": p.meta.version }), true),
        ("policy_hash", json!({ "const": p.hash }), true),
    ];
    // Fields the pipeline appends: community overrides (`--overrides`),
    // the survey weight (`--weight`), the budget's (`--budget`), and the
    // decile of a policy that ranks households (`[ranking]`).
    fields.push(("overridden", json!({ "type": "boolean" }), false));
    fields.push((
        "overrides",
        json!({
            "type": "array",
            "items": {
                "type": "object",
                "properties": {
                    "program": { "type": "string" },
                    "action": { "enum": ["grant", "deny", "set_track", "set_amount"] },
                    "value": { "type": "string" },
                    "original": { "type": "string" },
                    "reason": { "type": "string" },
                    "decided_by": { "type": "string" },
                    "date": { "type": "string" }
                },
                "required": ["program", "action", "value", "original", "reason", "decided_by", "date"],
                "additionalProperties": false
            }
        }),
        false,
    ));
    fields.push((
        "weight",
        json!({ "type": "number", "exclusiveMinimum": 0 }),
        false,
    ));
    fields.push(("funded", json!({ "type": "boolean" }), false));
    fields.push((
        "rank",
        json!({ "type": ["integer", "null"], "minimum": 1 }),
        false,
    ));
    if let Some(r) = &p.ranking {
        fields.push((
            "decile",
            json!({ "type": "integer", "minimum": 1, "maximum": r.groups }),
            true,
        ));
    }
    fields
}

/// One program of a decision's `programs`.
fn program(p: &Policy) -> Value {
    let ids: Vec<String> = p.programs.iter().map(|b| b.id.clone()).collect();
    let periods: Vec<&str> = {
        let mut v: Vec<&str> = p.programs.iter().map(|b| b.period.keyword()).collect();
        v.sort_unstable();
        v.dedup();
        v
    };
    let opt_number = json!({ "type": ["number", "null"] });
    json!({
        "type": "object",
        "description": "A program granted or deferred (denied programs are not listed).",
        "properties": {
            "id": { "enum": strings(ids) },
            "kind": { "type": "string" },
            "provider": { "type": "string" },
            "status": { "enum": ["granted", "deferred"] },
            "amount": { "type": "number" },
            "period": { "enum": strings(periods) },
            "duration_months": opt_number,
            "starts_after_months": opt_number,
            "review_months": { "type": "integer" },
            "capped_from": opt_number,
            "reason": { "type": "string" }
        },
        "required": ["id", "kind", "provider", "status", "amount", "period",
            "duration_months", "starts_after_months", "review_months", "capped_from", "reason"],
        "additionalProperties": false
    })
}

fn object(fields: &[(&str, Value, bool)], description: &str) -> Value {
    let mut props = Map::new();
    let mut required = Vec::new();
    for (name, schema, req) in fields {
        props.insert((*name).to_string(), schema.clone());
        if *req {
            required.push(Value::String((*name).to_string()));
        }
    }
    json!({
        "type": "object",
        "description": description,
        "properties": props,
        "required": required,
        "additionalProperties": false
    })
}

/// A CSV cell's text for a column type.
fn csv_cell(cell: Cell) -> Value {
    let (ty, pattern) = match cell {
        Cell::Id => ("id", "^.+$"),
        Cell::Text => ("text", ""),
        Cell::Money => ("money", "^(-?[0-9]+(\\.[0-9]{1,2})?)?$"),
        Cell::Float => ("number", "^(-?[0-9]+(\\.[0-9]+)?([eE][-+]?[0-9]+)?)?$"),
        Cell::Int => ("integer", "^(-?[0-9]+)?$"),
        Cell::Bool => ("boolean", "^(true|false)?$"),
        Cell::List => ("list", ""),
    };
    let mut v = json!({ "type": "string", "x-layak-type": ty });
    if !pattern.is_empty() {
        v["pattern"] = json!(pattern);
    }
    if cell == Cell::List {
        v["description"] = json!("ids joined by `;` (empty: none)");
    }
    v
}

/// The CSV decision row: each column's text, typed (`x-layak-type`, the
/// type a typed table — Parquet, Arrow — gives it), in column order.
fn csv_row(shape: &OutputShape) -> Value {
    let types = table::column_types(shape);
    let mut props = Map::new();
    let mut order = Vec::new();
    for (name, cell) in &types {
        props.insert(name.clone(), csv_cell(*cell));
        order.push(Value::String(name.clone()));
    }
    let required: Vec<Value> = types
        .iter()
        .filter(|(n, _)| !table::is_appended(n))
        .map(|(n, _)| Value::String(n.clone()))
        .collect();
    json!({
        "type": "object",
        "description": "A decision as a CSV row (also the columns of a Parquet or xlsx output, and of stage mode's Arrow records), read as text by column name. x-layak-type is the column's type in a typed table: money is DECIMAL(18,2), number DOUBLE, integer INT64, list a list of strings; an empty cell is null. the override columns are written with --overrides, weight with --weight, funded and rank with --budget, decile by a policy with [ranking].",
        "x-columns": order,
        "properties": props,
        "required": required,
        "additionalProperties": false
    })
}

fn reject(persons: bool) -> Value {
    let codes: Vec<&str> = RejectCode::possible(persons)
        .iter()
        .map(|c| c.as_str())
        .collect();
    let mut props = Map::new();
    for name in REJECT_COLUMNS {
        let schema = match name {
            "line" => json!({ "type": "integer", "minimum": 1 }),
            "code" => json!({ "enum": strings(codes.clone()) }),
            _ => json!({ "type": "string" }),
        };
        props.insert(name.to_string(), schema);
    }
    json!({
        "type": "object",
        "description": "A rejected row, as a row of the --rejects file (CSV columns in this order).",
        "x-columns": strings(REJECT_COLUMNS),
        "properties": props,
        "required": strings(REJECT_COLUMNS),
        "additionalProperties": false
    })
}

/// The whole schema for `policy`.
pub(super) fn output_schema(policy: &Policy) -> Value {
    let shape = OutputShape {
        columns: None,
        reasons: ReasonsMode::Text,
        excel: false,
        raw_text: true,
    };
    debug_assert_eq!(shape.column_list().len(), CSV_COLUMNS.len());
    let fields = decision_fields(policy);
    let mut stage_decision = vec![
        ("kind", json!({ "const": "decision" }), true),
        ("index", json!({ "type": "integer", "minimum": 0 }), true),
    ];
    stage_decision.extend(fields.iter().cloned());
    let mut stage_reject = vec![
        ("kind", json!({ "const": "reject" }), true),
        ("index", json!({ "type": "integer", "minimum": 0 }), true),
        ("household_id", json!({ "type": "string" }), true),
    ];
    let codes: Vec<&str> = RejectCode::possible(false)
        .iter()
        .map(|c| c.as_str())
        .collect();
    for name in REJECT_FIELDS {
        let schema = match name {
            "code" => json!({ "enum": strings(codes.clone()) }),
            _ => json!({ "type": "string" }),
        };
        stage_reject.push((name, schema, true));
    }
    json!({
        "$schema": DRAFT,
        "$id": format!("urn:layak:output:{}:{}", policy.meta.id, policy.meta.version),
        "title": format!("layak output for policy {} {}", policy.meta.id, policy.meta.version),
        "description": "One record of layak's output: a decision as a JSON or NDJSON object ($defs/decision), a decision as a CSV row ($defs/csv_decision), a reject ($defs/reject), or a record of stage mode (assess --stage: $defs/stage_decision, $defs/stage_reject). The decision's fields are those of the default columns; --columns and --reasons change them.",
        "anyOf": [
            { "$ref": "#/$defs/decision" },
            { "$ref": "#/$defs/stage_decision" },
            { "$ref": "#/$defs/stage_reject" }
        ],
        "$defs": {
            "decision": object(&fields, "A decision as a JSON or NDJSON object (--format json: an array of them)."),
            "program": program(policy),
            "csv_decision": csv_row(&shape),
            "reject": reject(false),
            "stage_decision": object(&stage_decision, "Stage mode: a decided record, with its index among the records read (from 0)."),
            "stage_reject": object(&stage_reject, "Stage mode: a rejected record, with its index among the records read (from 0).")
        }
    })
}
