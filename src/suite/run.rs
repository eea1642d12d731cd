//! Running a case: its one-row CSV file is read by the production input
//! stage, decided by the engine and written by the JSON writer; then each
//! expectation is compared with what was found.

use std::fmt::Write as _;
use std::io::Cursor;

use serde_json::Value as Json;

use super::format::{Expect, Expected, Field};
use super::{Case, Outcome, Suite};
use crate::engine::trace::{self, Trace};
use crate::engine::{Engine, Scratch, Status};
use crate::expr::{EnumId, Type};
use crate::input::{self, Layout, ReadOptions, RowParser};
use crate::policy::Policy;
use crate::report::explain_text::{render_rejected_text, render_text};
use crate::report::{Decision, DecisionWriter, Format};

enum Row {
    Rejected(Box<input::Reject>),
    Decided(Box<Decided>),
}

/// A decided case: the engine's memory, the JSON decision, and the trace.
struct Decided {
    scratch: Scratch,
    json: Json,
    trace: Trace,
}

impl Suite {
    pub(super) fn run_case(&self, case: &Case) -> Outcome {
        let p = &self.policies[case.policy];
        let mut mismatches = Vec::new();
        let row = decide_csv(p, &self.file, case);
        match &row {
            Err(message) => mismatches.push(format!("the case could not be read: {message}")),
            Ok(Row::Rejected(r)) => compare_reject(case, r, &mut mismatches),
            Ok(Row::Decided(d)) => compare_decision(p, case, d, &mut mismatches),
        }
        // A failing case shows what `layak explain` shows for its household.
        let (id, file, line) = (&case.household_id, &self.file, case.line);
        let trace = match &row {
            _ if mismatches.is_empty() => String::new(),
            Err(_) => String::new(),
            Ok(Row::Rejected(r)) => render_rejected_text(r, id, file, line),
            Ok(Row::Decided(d)) => render_text(p, &d.trace, id, file, line),
        };
        Outcome {
            name: case.name.clone(),
            mismatches,
            trace,
        }
    }
}

fn compare_reject(case: &Case, r: &input::Reject, mismatches: &mut Vec<String>) {
    if !case.expect.iter().any(|e| e.what.is_reject()) {
        mismatches.push(format!(
            "expected a decision, but the row was rejected: {} at `{}`: {}",
            r.code, r.column, r.message
        ));
    }
    for e in &case.expect {
        let found = match e.what {
            Field::Reject => r.code.as_str().to_string(),
            Field::RejectColumn => r.column.clone(),
            Field::RejectReason => {
                if let Expected::Text(t) = &e.value {
                    if !r.message.contains(t.as_str()) {
                        mismatches.push(format!(
                            "{}: expected a reason containing {t:?}, found {:?}",
                            e.key, r.message
                        ));
                    }
                }
                continue;
            }
            _ => continue,
        };
        let found = Expected::Text(found);
        if !same(&e.value, &found, case.tolerance) {
            mismatches.push(mismatch(e, &found, case.tolerance));
        }
    }
}

fn compare_decision(p: &Policy, case: &Case, d: &Decided, mismatches: &mut Vec<String>) {
    if case.expect.iter().any(|e| e.what.is_reject()) {
        let want = case
            .expect
            .iter()
            .find(|e| matches!(e.what, Field::Reject))
            .map_or_else(
                || "a reject".to_string(),
                |e| format!("reject {}", show(&e.value)),
            );
        mismatches.push(format!(
            "expected {want}, but the row was decided (track {})",
            d.json["track"].as_str().unwrap_or("?")
        ));
    }
    for e in &case.expect {
        let Some(found) = found_value(p, &e.what, &d.scratch, &d.json) else {
            continue;
        };
        if let (Field::ReasonsContain, Expected::List(want), Expected::List(have)) =
            (&e.what, &e.value, &found)
        {
            let missing: Vec<String> = want
                .iter()
                .filter(|w| !have.iter().any(|h| h.contains(w.as_str())))
                .map(|m| format!("{m:?}"))
                .collect();
            if !missing.is_empty() {
                // The trace has no list of reasons: name them here.
                mismatches.push(format!(
                    "{}: no reason contains {}, found {}",
                    e.key,
                    missing.join(", "),
                    show(&found)
                ));
            }
        } else if !same(&e.value, &found, case.tolerance) {
            mismatches.push(mismatch(e, &found, case.tolerance));
        }
    }
}

/// Read the case's CSV file (a header and one row) with the production
/// input stage, decide it, write it with the JSON writer and trace it.
/// Rejects are reported at the case's line in the test file.
fn decide_csv(p: &Policy, file: &str, case: &Case) -> Result<Row, String> {
    let options = ReadOptions {
        delimiter: Some(b','),
        ..ReadOptions::default()
    };
    let mut source = input::from_reader(
        file.to_string(),
        Box::new(Cursor::new(case.csv.clone())),
        &options,
    )
    .map_err(|e| e.to_string())?;
    let layout = Layout::new(p, &source, &options).map_err(|e| e.to_string())?;
    let mut data = Vec::new();
    source
        .chunker
        .next_chunk(usize::MAX, &mut data)
        .map_err(|e| e.to_string())?
        .ok_or("the case has no data row")?;
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(source.delimiter)
        .has_headers(false)
        .flexible(true)
        .from_reader(&data[..]);
    let mut record = csv::ByteRecord::new();
    if !reader
        .read_byte_record(&mut record)
        .map_err(|e| e.to_string())?
    {
        return Err("the case has no data row".into());
    }
    let parser = RowParser::new(p, &layout);
    let engine = Engine::new(p);
    let mut s = engine.scratch();
    s.decile = case.decile;
    if let Err(r) = parser.parse(&record, case.line, &mut s.slots) {
        return Ok(Row::Rejected(r));
    }
    if let Err(e) = engine.decide(&mut s) {
        // As the pipeline reports it.
        return Ok(Row::Rejected(Box::new(input::evaluation_reject(
            &parser, &record, case.line, e.value, &e,
        ))));
    }
    let json = decision_json(p, &parser, &record, &mut s)?;
    let trace = trace_of(p, &parser, &record, &mut s);
    Ok(Row::Decided(Box::new(Decided {
        scratch: s,
        json,
        trace,
    })))
}

/// The decision as the JSON writer writes it, parsed back.
fn decision_json(
    p: &Policy,
    parser: &RowParser<'_>,
    record: &csv::ByteRecord,
    s: &mut Scratch,
) -> Result<Json, String> {
    let mut out = Vec::new();
    let mut writer = DecisionWriter::new(p, Format::Ndjson);
    let mut d = Decision {
        household_id: parser.text(record, p.fields.id_input),
        region: p
            .fields
            .region_input
            .map_or(&b""[..], |r| parser.text(record, r)),
        scratch: s,
    };
    writer.decision(&mut d, &mut out);
    serde_json::from_slice(&out).map_err(|e| format!("the decision is not valid JSON ({e})"))
}

/// The trace of the decision in `s`, as `layak explain` builds it.
fn trace_of(
    p: &Policy,
    parser: &RowParser<'_>,
    record: &csv::ByteRecord,
    s: &mut Scratch,
) -> Trace {
    let (defaulted, texts) = parser.inputs_as_read(record);
    trace::trace(p, s, &defaulted, &texts)
}

/// The found value of `what`, in the form of the expectation.
fn found_value(p: &Policy, what: &Field, s: &Scratch, json: &Json) -> Option<Expected> {
    Some(match what {
        Field::Json("programs") => Expected::List(
            json["programs"]
                .as_array()
                .map(|a| {
                    a.iter()
                        .filter(|o| o["status"] == "granted")
                        .map(|o| o["id"].as_str().unwrap_or_default().to_string())
                        .collect()
                })
                .unwrap_or_default(),
        ),
        Field::Json(key) => json_value(&json[*key]),
        Field::ReasonsContain => Expected::List(text_list(&json["reasons"])),
        Field::Status(i) => Expected::Text(s.programs[*i].status.as_str().to_string()),
        Field::ProgramNumber(i, what) => program_number(p, s, *i, what),
        Field::Slot(slot, ty) => typed_value(p, *ty, s.slots[*slot]),
        Field::Reject | Field::RejectColumn | Field::RejectReason => return None,
    })
}

fn json_value(v: &Json) -> Expected {
    match v {
        Json::String(t) => Expected::Text(t.clone()),
        Json::Number(n) => {
            let x = n.as_f64().unwrap_or(f64::NAN);
            Expected::Number(x, show_number(x))
        }
        Json::Bool(b) => Expected::Bool(*b),
        Json::Array(_) => Expected::List(text_list(v)),
        _ => Expected::Text("null".into()),
    }
}

fn text_list(v: &Json) -> Vec<String> {
    v.as_array()
        .map(|a| {
            a.iter()
                .map(|x| x.as_str().unwrap_or_default().to_string())
                .collect()
        })
        .unwrap_or_default()
}

/// Program `i`'s `amount`, `capped_from`, `duration_months` or `starts_after_months`.
fn program_number(p: &Policy, s: &Scratch, i: usize, what: &str) -> Expected {
    let o = &s.programs[i];
    let v = match what {
        "amount" if o.status != Status::Denied => Some(o.amount),
        "amount" => None,
        "capped_from" => o.capped_from,
        "duration_months" => o.duration_months,
        _ => o.starts_after_months,
    };
    match v {
        Some(x) => Expected::Number(x, show_number(x)),
        None if o.status == Status::Denied => {
            Expected::Text(format!("none ({} was denied)", p.programs[i].id))
        }
        None => Expected::Text("none".into()),
    }
}

fn typed_value(p: &Policy, ty: Type, v: f64) -> Expected {
    match ty {
        Type::Number => Expected::Number(v, show_number(v)),
        Type::Bool => Expected::Bool(v != 0.0),
        Type::Enum(e) => Expected::Text(enum_name(p, e, v)),
    }
}

fn enum_name(p: &Policy, e: EnumId, v: f64) -> String {
    p.enums
        .get(usize::from(e))
        .and_then(|d| d.values.get(v as usize))
        .cloned()
        .unwrap_or_else(|| "?".into())
}

fn same(expected: &Expected, found: &Expected, tolerance: f64) -> bool {
    match (expected, found) {
        (Expected::Number(e, _), Expected::Number(f, _)) => (e - f).abs() <= tolerance,
        _ => expected == found,
    }
}

fn mismatch(e: &Expect, found: &Expected, tolerance: f64) -> String {
    let mut line = format!(
        "{}: expected {}, found {}",
        e.key,
        show(&e.value),
        show(found)
    );
    if let (Expected::Number(..), Expected::Number(..)) = (&e.value, found) {
        let _ = write!(line, " (tolerance {})", show_number(tolerance));
    }
    line
}

fn show(v: &Expected) -> String {
    match v {
        Expected::Text(t) => t.clone(),
        Expected::Number(_, written) => written.clone(),
        Expected::Bool(b) => b.to_string(),
        Expected::List(items) => format!("[{}]", items.join(", ")),
    }
}

/// A number as a person reads it: whole numbers without a fraction, others in full.
pub(super) fn show_number(x: f64) -> String {
    if x.is_finite() && x.fract() == 0.0 && x.abs() < 1e15 {
        format!("{}", x as i64)
    } else {
        format!("{x}")
    }
}
