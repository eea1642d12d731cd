//! Policy test cases: a TOML file of named households with the decision each
//! should get, run through the real input stage, engine and JSON writer.
//!
//! ```toml
//! policy = "default.toml"     # optional, relative to this file
//! as_of = "2025-06-01"        # optional: which dated parameter values apply
//!
//! [[case]]
//! name = "A poor family of four gets food assistance"
//! input = { household_id = "T1", members = 4, monthly_income = 1000000 }
//! parameters = { household_monthly_cap = 500000 }   # optional override
//! tolerance = 0.05                                   # optional (default 1e-6)
//! [case.expect]
//! track = "capacity_building"
//! programs = ["food_assistance", "capacity_building"]
//! "amount.food_assistance" = 200000
//! ```
//!
//! Each case becomes a one-row CSV file (a header of the inputs it gives, and
//! one row of their values written as a survey would hold them), which is
//! read by [`crate::input`] exactly as `layak assess` reads a file: so a case
//! exercises the production path, rejects included. A decided row is written
//! by the JSON [`DecisionWriter`] and its fields are compared with the
//! expectations. The format is documented in `data/policies/README.md`.
//!
//! [`Suite::load`] parses a file and checks it against its policy (every
//! input name, parameter and expectation key, with "did you mean" hints),
//! reporting every problem at once; [`Suite::run`] then decides every case.

use std::collections::{BTreeMap, HashMap};
use std::fmt::Write as _;
use std::io::Cursor;
use std::ops::Range;
use std::path::Path;

use serde::Deserialize;
use serde_json::Value as Json;
use toml::Spanned;

use super::{DEPRIVATION_STATUSES, InputType, LoadOptions, Period, Policy, is_valid_date};
use crate::engine::{Engine, Scratch, Status};
use crate::error::Diagnostic;
use crate::expr::{self, Binding, EnumId, Type};
use crate::input::{self, Layout, ReadOptions, RejectCode, RowParser};
use crate::report::{Decision, DecisionWriter, Format};

/// Numeric tolerance of a case that sets none: `|found - expected| <= 1e-6`.
pub const DEFAULT_TOLERANCE: f64 = 1e-6;

/// The policy and date of a test file that names neither.
#[derive(Debug, Clone, Default)]
pub struct SuiteOptions {
    /// `--policy FILE` (relative to the working directory): used by a test
    /// file without `policy = …`. `None`: the embedded default policy.
    pub policy: Option<String>,
    /// `--as-of DATE`: used by a file and cases without `as_of`. `None`: today.
    pub as_of: Option<String>,
}

/// Why a test file could not be run.
#[derive(Debug, thiserror::Error)]
pub enum CaseError {
    #[error("cannot read the test file {file}: {source}")]
    Read {
        file: String,
        #[source]
        source: std::io::Error,
    },
    /// Every problem found in the file (and in its policy, if that does not load).
    #[error("{file}: {} {}", diagnostics.len(), super::noun(diagnostics.len() as u128, "error", "errors"))]
    Invalid {
        file: String,
        diagnostics: Vec<Diagnostic>,
    },
}

impl CaseError {
    /// The error as a person reads it, with source snippets, ending with a count line.
    pub fn render(&self) -> String {
        match self {
            CaseError::Read { .. } => format!("error: {self}\n"),
            CaseError::Invalid { file, diagnostics } => {
                let mut out = String::new();
                for d in diagnostics {
                    out.push_str(&d.render());
                }
                let n = diagnostics.len();
                let errors = if n == 1 { "error" } else { "errors" };
                let _ = writeln!(out, "layak: {file} has {n} {errors}");
                out
            }
        }
    }
}

// ---------------------------------------------------------------- raw file

type Key = Spanned<String>;
type Entries = BTreeMap<Key, Spanned<toml::Value>>;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFile {
    policy: Option<Spanned<String>>,
    as_of: Option<Spanned<toml::Value>>,
    tolerance: Option<Spanned<toml::Value>>,
    #[serde(default)]
    case: Vec<RawCase>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawCase {
    name: Spanned<String>,
    as_of: Option<Spanned<toml::Value>>,
    #[serde(default)]
    input: Entries,
    #[serde(default)]
    parameters: Entries,
    tolerance: Option<Spanned<toml::Value>>,
    expect: Option<Spanned<Entries>>,
}

// ---------------------------------------------------------------- checked suite

/// A test file checked against its policy, ready to run.
#[derive(Debug)]
pub struct Suite {
    /// The test file, as named on the command line.
    pub file: String,
    /// The policy's file (or the embedded default's name), for the report.
    pub policy_file: String,
    /// The date that picks dated parameter values (cases may set their own).
    pub as_of: String,
    /// `policies[0]` is the policy as written; the others carry a case's
    /// `as_of` or parameter overrides.
    policies: Vec<Policy>,
    cases: Vec<Case>,
}

#[derive(Debug)]
struct Case {
    name: String,
    policy: usize,
    /// The one-row CSV file of the case.
    csv: Vec<u8>,
    tolerance: f64,
    expect: Vec<Expect>,
}

/// One expected field.
#[derive(Debug)]
struct Expect {
    key: String,
    what: Field,
    value: Expected,
}

/// Where the found value comes from.
#[derive(Debug, Clone)]
enum Field {
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
    fn is_reject(&self) -> bool {
        matches!(
            self,
            Field::Reject | Field::RejectColumn | Field::RejectReason
        )
    }
}

/// A value as expected or found.
#[derive(Debug, Clone, PartialEq)]
enum Expected {
    Text(String),
    /// The number, and how the file wrote it.
    Number(f64, String),
    Bool(bool),
    List(Vec<String>),
}

/// The kind of value a field holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Text,
    Number,
    Bool,
    List,
}

/// The decision fields a case can expect, with their kind.
const DECISION_FIELDS: [(&str, Kind); 19] = [
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

/// The result of one case.
#[derive(Debug, Clone)]
pub struct Outcome {
    pub name: String,
    /// One line per expected field that did not match: `key: expected X, found Y`.
    pub mismatches: Vec<String>,
    /// What the policy did with the case, for a person (filled for failures).
    pub trace: Vec<String>,
}

impl Outcome {
    pub fn passed(&self) -> bool {
        self.mismatches.is_empty()
    }
}

impl Suite {
    /// Read the test file at `path` and check it against its policy.
    pub fn read(path: &str, options: &SuiteOptions) -> Result<Suite, CaseError> {
        let source = std::fs::read_to_string(path).map_err(|source| CaseError::Read {
            file: path.to_string(),
            source,
        })?;
        Suite::load(path, &source, options)
    }

    /// Check the test file `source` (named `file` in messages) against its policy.
    pub fn load(file: &str, source: &str, options: &SuiteOptions) -> Result<Suite, CaseError> {
        let mut b = Builder {
            file,
            source,
            diags: Vec::new(),
        };
        let suite = b.suite(options);
        match suite {
            Some(s) if b.diags.is_empty() => Ok(s),
            _ => {
                if b.diags.is_empty() {
                    b.diags.push(Diagnostic::whole_file(
                        file,
                        "the test file is incomplete",
                        None,
                    ));
                }
                Err(CaseError::Invalid {
                    file: file.to_string(),
                    diagnostics: b.diags,
                })
            }
        }
    }

    /// Number of cases.
    pub fn len(&self) -> usize {
        self.cases.len()
    }

    pub fn is_empty(&self) -> bool {
        self.cases.is_empty()
    }

    /// The policy as written (before any case's override).
    pub fn policy(&self) -> &Policy {
        &self.policies[0]
    }

    /// Decide every case, in file order.
    pub fn run(&self) -> Vec<Outcome> {
        self.cases.iter().map(|c| self.run_case(c)).collect()
    }

    fn run_case(&self, case: &Case) -> Outcome {
        let p = &self.policies[case.policy];
        let mut outcome = Outcome {
            name: case.name.clone(),
            mismatches: Vec::new(),
            trace: Vec::new(),
        };
        let result = match decide_csv(p, &self.file, &case.csv) {
            Ok(r) => r,
            Err(message) => {
                outcome
                    .mismatches
                    .push(format!("the case could not be read: {message}"));
                return outcome;
            }
        };
        let expects_reject = case.expect.iter().any(|e| e.what.is_reject());
        match &result {
            Row::Rejected(r) => {
                if !expects_reject {
                    outcome.mismatches.push(format!(
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
                                    outcome.mismatches.push(format!(
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
                        outcome.mismatches.push(mismatch(e, &found, case.tolerance));
                    }
                }
                outcome.trace.push(format!(
                    "rejected: code {}, column `{}`, value {:?}: {}",
                    r.code, r.column, r.value, r.message
                ));
            }
            Row::Decided(scratch, json) => {
                if expects_reject {
                    let want = case
                        .expect
                        .iter()
                        .find(|e| matches!(e.what, Field::Reject))
                        .map_or_else(
                            || "a reject".to_string(),
                            |e| format!("reject {}", show(&e.value)),
                        );
                    outcome.mismatches.push(format!(
                        "expected {want}, but the row was decided (track {})",
                        json["track"].as_str().unwrap_or("?")
                    ));
                }
                for e in &case.expect {
                    let Some(found) = found_value(p, &e.what, scratch, json) else {
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
                            outcome.mismatches.push(format!(
                                "{}: no reason contains {}",
                                e.key,
                                missing.join(", ")
                            ));
                        }
                    } else if !same(&e.value, &found, case.tolerance) {
                        outcome.mismatches.push(mismatch(e, &found, case.tolerance));
                    }
                }
                outcome.trace = trace(p, scratch, json);
            }
        }
        outcome
    }
}

// ---------------------------------------------------------------- running one case

enum Row {
    Rejected(Box<input::Reject>),
    Decided(Box<Scratch>, Json),
}

/// Read `csv` (a header and one row) with the production input stage, decide
/// it, and write it with the JSON writer.
fn decide_csv(p: &Policy, file: &str, csv: &[u8]) -> Result<Row, String> {
    let options = ReadOptions {
        delimiter: Some(b','),
        ..ReadOptions::default()
    };
    let mut source = input::from_reader(
        file.to_string(),
        Box::new(Cursor::new(csv.to_vec())),
        &options,
    )
    .map_err(|e| e.to_string())?;
    let layout = Layout::new(p, &source, &options).map_err(|e| e.to_string())?;
    let mut data = Vec::new();
    let start = source
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
    if let Err(r) = parser.parse(&record, start.line, &mut s.slots) {
        return Ok(Row::Rejected(r));
    }
    if let Err(e) = engine.decide(&mut s) {
        // As the pipeline reports it.
        return Ok(Row::Rejected(Box::new(input::Reject {
            line: start.line,
            household_id: String::from_utf8_lossy(parser.id_cell(&record).unwrap_or_default())
                .into_owned(),
            column: String::new(),
            value: e.value.to_string(),
            code: RejectCode::Evaluation,
            message: format!("the policy cannot decide this row: {e}"),
        })));
    }
    let mut out = Vec::new();
    let mut writer = DecisionWriter::new(p, Format::Ndjson);
    let mut d = Decision {
        household_id: parser.text(&record, p.fields.id_input),
        region: p
            .fields
            .region_input
            .map_or(&b""[..], |r| parser.text(&record, r)),
        scratch: &mut s,
    };
    writer.decision(&mut d, &mut out);
    let json: Json = serde_json::from_slice(&out)
        .map_err(|e| format!("the decision is not valid JSON ({e})"))?;
    Ok(Row::Decided(Box::new(s), json))
}

/// The found value of `what`, in the form of the expectation.
fn found_value(p: &Policy, what: &Field, s: &Scratch, json: &Json) -> Option<Expected> {
    let text_list = |v: &Json| -> Vec<String> {
        v.as_array()
            .map(|a| {
                a.iter()
                    .map(|x| x.as_str().unwrap_or_default().to_string())
                    .collect()
            })
            .unwrap_or_default()
    };
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
        Field::Json(key) => {
            let v = &json[*key];
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
        Field::ReasonsContain => Expected::List(text_list(&json["reasons"])),
        Field::Status(i) => Expected::Text(s.programs[*i].status.as_str().to_string()),
        Field::ProgramNumber(i, what) => {
            let o = &s.programs[*i];
            let id = &p.programs[*i].id;
            let v = match *what {
                "amount" if o.status != Status::Denied => Some(o.amount),
                "amount" => None,
                "capped_from" => o.capped_from,
                "duration_months" => o.duration_months,
                _ => o.starts_after_months,
            };
            match v {
                Some(x) => Expected::Number(x, show_number(x)),
                None if o.status == Status::Denied => {
                    Expected::Text(format!("none ({id} was denied)"))
                }
                None => Expected::Text("none".into()),
            }
        }
        Field::Slot(slot, ty) => typed_value(p, *ty, s.slots[*slot]),
        Field::Reject | Field::RejectColumn | Field::RejectReason => return None,
    })
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
fn show_number(x: f64) -> String {
    if x.is_finite() && x.fract() == 0.0 && x.abs() < 1e15 {
        format!("{}", x as i64)
    } else {
        format!("{x}")
    }
}

/// A number in a trace: at most 4 decimals, trailing zeros dropped.
fn short_number(x: f64) -> String {
    if !x.is_finite() {
        return x.to_string();
    }
    let r = crate::numfmt::round_half_up(x, 4);
    let s = format!("{r:.4}");
    let s = s.trim_end_matches('0').trim_end_matches('.');
    if s == "-0" { "0".into() } else { s.into() }
}

/// What the policy did with a decided case: inputs, computed values, programs, reasons.
fn trace(p: &Policy, s: &Scratch, json: &Json) -> Vec<String> {
    let mut lines = Vec::new();
    let inputs: Vec<String> = p
        .inputs
        .iter()
        .enumerate()
        .filter(|(_, i)| !i.ty.is_text())
        .map(|(slot, i)| format!("{} = {}", i.name, slot_text(p, slot, s.slots[slot])))
        .collect();
    wrap("inputs:", &inputs, &mut lines);
    let derived: Vec<String> = p
        .derived
        .iter()
        .map(|d| {
            let v = match typed_value(p, d.ty, s.slots[d.slot]) {
                Expected::Number(x, _) => short_number(x),
                other => show(&other),
            };
            format!("{} = {v}", d.name)
        })
        .collect();
    if !derived.is_empty() {
        wrap("derived:", &derived, &mut lines);
    }
    if let Some(dep) = &p.deprivation {
        let deprived: Vec<&str> = dep
            .indicators
            .iter()
            .filter(|i| s.slots[i.slot] != 0.0)
            .map(|i| i.id.as_str())
            .collect();
        lines.push(format!(
            "deprivation: score {} ({}), deprived in: {}",
            short_number(s.slots[dep.score_slot]),
            DEPRIVATION_STATUSES
                .get(s.slots[dep.status_slot] as usize)
                .copied()
                .unwrap_or("?"),
            if deprived.is_empty() {
                "nothing".to_string()
            } else {
                deprived.join(", ")
            }
        ));
    }
    let programs: Vec<String> = p
        .programs
        .iter()
        .zip(&s.programs)
        .map(|(prog, o)| {
            let mut t = format!("{} {}", prog.id, o.status.as_str());
            if o.status != Status::Denied {
                let period = match prog.period {
                    Period::Month => "a month",
                    Period::OneOff => "one-off",
                };
                let _ = write!(t, " {} {period}", show_number(o.amount));
                if let Some(from) = o.capped_from {
                    let _ = write!(t, " (capped from {})", show_number(from));
                }
                if let Some(m) = o.starts_after_months {
                    let unit = if m == 1.0 { "month" } else { "months" };
                    let _ = write!(t, " (starts after {} {unit})", short_number(m));
                }
            }
            t
        })
        .collect();
    if !programs.is_empty() {
        lines.push("programs:".into());
        for t in programs {
            lines.push(format!("  {t}"));
        }
    }
    let num = |k: &str| json[k].as_f64().map_or_else(|| "?".into(), show_number);
    lines.push(format!(
        "track {}, monthly total {}, one-off total {}, capped {}, review after {} {}, priority {}",
        json["track"].as_str().unwrap_or("?"),
        num("monthly_total"),
        num("one_off_total"),
        json["capped"].as_bool().unwrap_or(false),
        num("review_after_months"),
        if json["review_after_months"].as_f64() == Some(1.0) {
            "month"
        } else {
            "months"
        },
        num("priority"),
    ));
    lines.push("reasons:".into());
    if let Some(reasons) = json["reasons"].as_array() {
        for r in reasons {
            lines.push(format!("  {}", r.as_str().unwrap_or_default()));
        }
    }
    lines
}

/// `label` and `items` joined by `, `, broken into lines of about 100 characters.
fn wrap(label: &str, items: &[String], lines: &mut Vec<String>) {
    let mut line = label.to_string();
    for (i, item) in items.iter().enumerate() {
        let sep = if i + 1 < items.len() { "," } else { "" };
        if line.len() + 1 + item.len() + sep.len() > 100 && line.len() > label.len() {
            lines.push(std::mem::replace(&mut line, " ".repeat(label.len())));
        }
        line.push(' ');
        line.push_str(item);
        line.push_str(sep);
    }
    lines.push(line);
}

fn slot_text(p: &Policy, slot: usize, v: f64) -> String {
    match p.inputs.get(slot).map(|i| i.ty) {
        Some(InputType::Bool | InputType::Enum(_)) => p.format_input_value(slot, v),
        _ => short_number(v),
    }
}

// ---------------------------------------------------------------- checking the file

struct Builder<'a> {
    file: &'a str,
    source: &'a str,
    diags: Vec<Diagnostic>,
}

/// The expressions a numeric expectation may use: literals and the policy's parameters.
struct ParameterScope<'p>(&'p Policy);

impl expr::Scope for ParameterScope<'_> {
    fn resolve(&self, name: &str) -> Option<(Binding, Type)> {
        self.0
            .parameters
            .iter()
            .find(|p| p.name == name)
            .map(|p| (Binding::Const(p.value), Type::Number))
    }
    fn enum_values(&self, _id: EnumId) -> &[String] {
        &[]
    }
    fn enum_label(&self, _id: EnumId) -> &str {
        ""
    }
    fn names(&self) -> Vec<String> {
        self.0.parameters.iter().map(|p| p.name.clone()).collect()
    }
}

/// `help` listing `candidates`, with the closest one first when there is one.
fn help_with(name: &str, what: &str, candidates: &[String]) -> String {
    let list = candidates.join(", ");
    match expr::suggest(name, candidates.iter().map(String::as_str)) {
        Some(s) => format!("did you mean `{s}`? {what}: {list}"),
        None => format!("{what}: {list}"),
    }
}

impl Builder<'_> {
    fn error(&mut self, span: Range<usize>, message: impl Into<String>, help: Option<String>) {
        self.diags
            .push(Diagnostic::at(self.file, self.source, span, message, help));
    }

    fn date(&mut self, v: &Spanned<toml::Value>) -> Option<String> {
        let text = match v.get_ref() {
            toml::Value::String(s) => s.clone(),
            toml::Value::Datetime(d) => d.to_string(),
            _ => String::new(),
        };
        if is_valid_date(&text) {
            Some(text)
        } else {
            self.error(
                v.span(),
                "`as_of` must be a date",
                Some("write it as \"YYYY-MM-DD\", e.g. as_of = \"2025-06-01\"".into()),
            );
            None
        }
    }

    fn tolerance(&mut self, v: &Spanned<toml::Value>) -> Option<f64> {
        let t = match v.get_ref() {
            toml::Value::Integer(i) => *i as f64,
            toml::Value::Float(f) => *f,
            _ => f64::NAN,
        };
        if t.is_finite() && t >= 0.0 {
            Some(t)
        } else {
            self.error(
                v.span(),
                "`tolerance` must be a number ≥ 0",
                Some("e.g. tolerance = 0.05 (the default is 0.000001)".into()),
            );
            None
        }
    }

    fn suite(&mut self, options: &SuiteOptions) -> Option<Suite> {
        let raw: RawFile = match toml::from_str(self.source) {
            Ok(r) => r,
            Err(e) => {
                let message = format!("invalid test file: {}", e.message().trim());
                match e.span() {
                    Some(span) => self.error(span, message, None),
                    None => self
                        .diags
                        .push(Diagnostic::whole_file(self.file, message, None)),
                }
                return None;
            }
        };
        if raw.case.is_empty() {
            self.diags.push(Diagnostic::whole_file(
                self.file,
                "the test file has no cases",
                Some("add a case: [[case]] with `name`, `input` and [case.expect]".into()),
            ));
            return None;
        }
        let as_of = match &raw.as_of {
            Some(v) => self.date(v)?,
            None => options.as_of.clone().unwrap_or_else(super::today),
        };
        let file_tolerance = match &raw.tolerance {
            Some(v) => self.tolerance(v)?,
            None => DEFAULT_TOLERANCE,
        };

        // The policy: named by the file (relative to it), else --policy, else the default.
        let (policy_file, policy_source) = match (&raw.policy, &options.policy) {
            (Some(name), _) => {
                let base = Path::new(self.file).parent().unwrap_or(Path::new(""));
                let path = base.join(name.get_ref()).to_string_lossy().into_owned();
                match std::fs::read_to_string(&path) {
                    Ok(text) => (path, text),
                    Err(e) => {
                        self.error(
                            name.span(),
                            format!("cannot read the policy file {path}: {e}"),
                            Some("`policy` is a path relative to the test file's folder".into()),
                        );
                        return None;
                    }
                }
            }
            (None, Some(path)) => match std::fs::read_to_string(path) {
                Ok(text) => (path.clone(), text),
                Err(e) => {
                    self.diags.push(Diagnostic::whole_file(
                        self.file,
                        format!("cannot read the policy file {path} (from --policy): {e}"),
                        None,
                    ));
                    return None;
                }
            },
            (None, None) => (
                super::DEFAULT_POLICY_NAME.to_string(),
                super::DEFAULT_POLICY_TOML.to_string(),
            ),
        };
        let policy_span = raw.policy.as_ref().map(Spanned::span);
        let mut loader = Loader {
            policy_file: &policy_file,
            policy_source: &policy_source,
            cache: HashMap::new(),
            policies: Vec::new(),
        };
        let base = match loader.get(&as_of, &[]) {
            Ok(i) => i,
            Err(diags) => {
                let message = format!("the policy {policy_file} does not load (its errors follow)");
                match policy_span {
                    Some(span) => self.error(span, message, None),
                    None => self
                        .diags
                        .push(Diagnostic::whole_file(self.file, message, None)),
                }
                self.diags.extend(diags);
                return None;
            }
        };

        let mut cases = Vec::new();
        let mut names: HashMap<String, Range<usize>> = HashMap::new();
        for (index, rc) in raw.case.iter().enumerate() {
            let name = rc.name.get_ref().trim().to_string();
            if name.is_empty() {
                self.error(
                    rc.name.span(),
                    "a case's name must not be empty",
                    Some("describe the household and what it should get, in a sentence".into()),
                );
            } else if let Some(first) = names.get(&name) {
                let line = self.source[..first.start].matches('\n').count() + 1;
                self.error(
                    rc.name.span(),
                    format!("two cases are named {name:?}"),
                    Some(format!(
                        "the first is on line {line}; give each case its own name"
                    )),
                );
            } else {
                names.insert(name.clone(), rc.name.span());
            }
            if let Some(case) =
                self.case(index, rc, &name, &as_of, file_tolerance, &mut loader, base)
            {
                cases.push(case);
            }
        }
        if !self.diags.is_empty() {
            return None;
        }
        let policies = loader.policies;
        Some(Suite {
            file: self.file.to_string(),
            policy_file,
            as_of,
            policies,
            cases,
        })
    }

    #[allow(clippy::too_many_arguments)]
    fn case(
        &mut self,
        index: usize,
        rc: &RawCase,
        name: &str,
        file_as_of: &str,
        file_tolerance: f64,
        loader: &mut Loader<'_>,
        base: usize,
    ) -> Option<Case> {
        let errors_before = self.diags.len();
        let in_case = format!("in case {name:?}");
        let as_of = match &rc.as_of {
            Some(v) => self.date(v).unwrap_or_else(|| file_as_of.to_string()),
            None => file_as_of.to_string(),
        };
        let tolerance = match &rc.tolerance {
            Some(v) => self.tolerance(v).unwrap_or(DEFAULT_TOLERANCE),
            None => file_tolerance,
        };

        // Parameter overrides, checked against the policy as written.
        let mut overrides: Vec<(String, toml::Value)> = Vec::new();
        {
            let p = &loader.policies[base];
            let params: Vec<String> = p.parameters.iter().map(|x| x.name.clone()).collect();
            for (key, value) in &rc.parameters {
                let pname = key.get_ref();
                if !params.iter().any(|x| x == pname) {
                    let help = help_with(pname, "the policy's parameters", &params);
                    self.error(
                        key.span(),
                        format!("unknown parameter `{pname}` {in_case}"),
                        Some(help),
                    );
                    continue;
                }
                match value.get_ref() {
                    toml::Value::Integer(_) | toml::Value::Float(_) | toml::Value::String(_) => {
                        overrides.push((pname.clone(), value.get_ref().clone()));
                    }
                    other => self.error(
                        value.span(),
                        format!(
                            "the value of parameter `{pname}` must be a number or a constant expression, not {}",
                            a(other)
                        ),
                        Some(format!("e.g. {pname} = 500000 or {pname} = \"1/3\"")),
                    ),
                }
            }
        }
        let policy = if as_of == file_as_of && overrides.is_empty() {
            base
        } else {
            match loader.get(&as_of, &overrides) {
                Ok(i) => i,
                Err(diags) => {
                    let what = if overrides.is_empty() {
                        format!("on {as_of}")
                    } else {
                        let list: Vec<String> = overrides
                            .iter()
                            .map(|(k, v)| format!("{k} = {v}"))
                            .collect();
                        format!("on {as_of} with {}", list.join(", "))
                    };
                    let span = rc
                        .parameters
                        .keys()
                        .next()
                        .map(Spanned::span)
                        .or_else(|| rc.as_of.as_ref().map(Spanned::span))
                        .unwrap_or(rc.name.span());
                    self.error(
                        span,
                        format!("the policy does not load {what} {in_case} (its errors follow)"),
                        None,
                    );
                    self.diags.extend(diags);
                    return None;
                }
            }
        };
        let p = &loader.policies[policy];

        // Inputs, as the cells of a one-row CSV file.
        let input_names: Vec<String> = p.inputs.iter().map(|i| i.name.clone()).collect();
        let mut cells: Vec<Option<String>> = vec![None; p.inputs.len()];
        // Inputs suggested for a misspelt name: not reported again as missing.
        let mut suggested: Vec<&str> = Vec::new();
        for (key, value) in &rc.input {
            let iname = key.get_ref();
            let Some(slot) = p.inputs.iter().position(|i| &i.name == iname) else {
                suggested.extend(expr::suggest(iname, input_names.iter().map(String::as_str)));
                let help = help_with(iname, "the policy's inputs", &input_names);
                self.error(
                    key.span(),
                    format!("unknown input `{iname}` {in_case}"),
                    Some(help),
                );
                continue;
            };
            let text = match value.get_ref() {
                toml::Value::String(s) => s.clone(),
                toml::Value::Integer(i) => i.to_string(),
                toml::Value::Float(f) => f.to_string(),
                toml::Value::Boolean(b) => b.to_string(),
                toml::Value::Datetime(d) => d.to_string(),
                other => {
                    self.error(
                        value.span(),
                        format!(
                            "the value of input `{iname}` must be a string, number or boolean, not {}",
                            a(other)
                        ),
                        Some("write the cell as a survey would hold it, e.g. 3, \"urban\" or true".into()),
                    );
                    continue;
                }
            };
            cells[slot] = Some(text);
        }
        let id = p.fields.id_input;
        if cells[id].is_none() {
            cells[id] = Some(format!("case-{}", index + 1));
        }
        for (slot, inp) in p.inputs.iter().enumerate() {
            if inp.required && cells[slot].is_none() && !suggested.contains(&inp.name.as_str()) {
                self.error(
                    rc.name.span(),
                    format!("case {name:?} gives no `{}`, a required input", inp.name),
                    Some(format!(
                        "add `{0} = …` to its input (or `{0} = \"\"` to test the missing_required reject)",
                        inp.name
                    )),
                );
            }
        }
        let mut writer = csv::WriterBuilder::new().from_writer(Vec::new());
        let header: Vec<&str> = p
            .inputs
            .iter()
            .zip(&cells)
            .filter(|(_, c)| c.is_some())
            .map(|(i, _)| i.name.as_str())
            .collect();
        let row: Vec<&str> = cells.iter().flatten().map(String::as_str).collect();
        let csv = writer
            .write_record(&header)
            .and_then(|()| writer.write_record(&row))
            .ok()
            .and_then(|()| writer.into_inner().ok())
            .unwrap_or_default();

        // Expectations.
        let expect = match &rc.expect {
            Some(e) => self.expectations(p, e, name),
            None => {
                self.error(
                    rc.name.span(),
                    format!("case {name:?} expects nothing"),
                    Some("add a table [case.expect] after it, e.g. track = \"basic_needs\"".into()),
                );
                Vec::new()
            }
        };
        if self.diags.len() > errors_before {
            return None;
        }
        Some(Case {
            name: name.to_string(),
            policy,
            csv,
            tolerance,
            expect,
        })
    }

    fn expectations(&mut self, p: &Policy, table: &Spanned<Entries>, name: &str) -> Vec<Expect> {
        let in_case = format!("in case {name:?}");
        // Flatten dotted keys (`amount.x = 1` without quotes is a nested table).
        let mut entries: Vec<(String, Range<usize>, Range<usize>, toml::Value)> = Vec::new();
        for (key, value) in table.get_ref() {
            match value.get_ref() {
                toml::Value::Table(_) => {
                    flatten(key.get_ref(), key.span(), value.get_ref(), &mut entries)
                }
                v => entries.push((key.get_ref().clone(), key.span(), value.span(), v.clone())),
            }
        }
        entries.sort_by_key(|(_, span, _, _)| span.start);
        if entries.is_empty() {
            self.error(
                table.span(),
                format!("case {name:?} expects nothing"),
                Some("add a field such as track = \"basic_needs\"".into()),
            );
        }
        let valid = valid_keys(p);
        let mut out = Vec::new();
        let mut reject_keys = Vec::new();
        let mut decision_keys = Vec::new();
        for (key, span, value_span, value) in entries {
            let Some((what, kind)) = resolve_key(p, &key) else {
                let help = match expr::suggest(&key, valid.iter().map(String::as_str)) {
                    Some(s) => format!(
                        "did you mean `{s}`? (the fields a case can expect are listed under \"Test cases\" in data/policies/README.md)"
                    ),
                    None => format!(
                        "a case can expect: {}, amount.PROGRAM, status.PROGRAM, capped_from.PROGRAM, duration_months.PROGRAM, starts_after_months.PROGRAM, value.NAME, reasons_contain, reject, reject_column, reject_reason",
                        DECISION_FIELDS.map(|f| f.0).join(", ")
                    ),
                };
                self.error(
                    span,
                    format!("unknown expectation `{key}` {in_case}"),
                    Some(help),
                );
                continue;
            };
            if let Some(why) = unavailable(p, &key) {
                self.error(
                    span,
                    format!("`{key}` cannot be expected {in_case}: {why}"),
                    None,
                );
                continue;
            }
            if what.is_reject() {
                reject_keys.push(key.clone());
            } else {
                decision_keys.push((key.clone(), span.clone()));
            }
            let Some(expected) =
                self.expected_value(p, &key, &what, kind, &value, value_span, &in_case)
            else {
                continue;
            };
            out.push(Expect {
                key,
                what,
                value: expected,
            });
        }
        if !reject_keys.is_empty() {
            if let Some((key, span)) = decision_keys.first() {
                self.error(
                    span.clone(),
                    format!(
                        "case {name:?} expects a reject and the decision field `{key}`"
                    ),
                    Some("a rejected row has no decision: keep only reject, reject_column and reject_reason".into()),
                );
            }
        }
        out
    }

    #[allow(clippy::too_many_arguments)]
    fn expected_value(
        &mut self,
        p: &Policy,
        key: &str,
        what: &Field,
        kind: Kind,
        value: &toml::Value,
        span: Range<usize>,
        in_case: &str,
    ) -> Option<Expected> {
        let wrong = |this: &mut Self, want: &str, example: &str| {
            this.error(
                span.clone(),
                format!("`{key}` {in_case} must be {want}, not {}", a(value)),
                Some(format!("e.g. {key} = {example}")),
            );
        };
        match kind {
            Kind::Bool => match value {
                toml::Value::Boolean(b) => Some(Expected::Bool(*b)),
                _ => {
                    wrong(self, "true or false", "true");
                    None
                }
            },
            Kind::Number => match value {
                toml::Value::Integer(i) => Some(Expected::Number(*i as f64, i.to_string())),
                toml::Value::Float(f) => Some(Expected::Number(*f, f.to_string())),
                toml::Value::String(s) => {
                    let scope = ParameterScope(p);
                    let result = expr::parse(s)
                        .and_then(|e| expr::compile(&e, &scope, Some(Type::Number)))
                        .map_err(|e| (e.message, e.help));
                    let constant = match &result {
                        Ok((program, _)) => program.as_const().filter(|x| x.is_finite()),
                        Err(_) => None,
                    };
                    match (constant, result) {
                        (Some(x), _) => {
                            Some(Expected::Number(x, format!("{s} ({})", show_number(x))))
                        }
                        (None, Err((message, help))) => {
                            self.error(
                                span.clone(),
                                format!("`{key}` {in_case}: {message} in {s:?}"),
                                help.or_else(|| Some("a number, or a constant expression of numbers and parameters such as \"1/3\"".into())),
                            );
                            None
                        }
                        (None, Ok(_)) => {
                            self.error(
                                span.clone(),
                                format!("`{key}` {in_case}: {s:?} is not a finite constant"),
                                Some("a number, or a constant expression of numbers and parameters such as \"1/3\"".into()),
                            );
                            None
                        }
                    }
                }
                _ => {
                    wrong(self, "a number", "350000, or \"1/3\"");
                    None
                }
            },
            Kind::Text => {
                let toml::Value::String(s) = value else {
                    wrong(self, "a string", "\"…\"");
                    return None;
                };
                if let Some((allowed, what_list)) = allowed_texts(p, what) {
                    if !allowed.iter().any(|a| a == s) {
                        let help = help_with(s, what_list, &allowed);
                        self.error(
                            span.clone(),
                            format!("`{s}` is not a possible value of `{key}` {in_case}"),
                            Some(help),
                        );
                        return None;
                    }
                }
                Some(Expected::Text(s.clone()))
            }
            Kind::List => {
                let items: Option<Vec<String>> = match value {
                    toml::Value::Array(a) => {
                        a.iter().map(|v| v.as_str().map(str::to_string)).collect()
                    }
                    _ => None,
                };
                let Some(items) = items else {
                    wrong(self, "a list of strings", "[\"a\", \"b\"]");
                    return None;
                };
                let allowed: Option<(Vec<String>, &str)> = match key {
                    "programs" | "deferred" => Some((
                        p.programs.iter().map(|g| g.id.clone()).collect(),
                        "the policy's programs",
                    )),
                    "deprived" => p.deprivation.as_ref().map(|d| {
                        (
                            d.indicators.iter().map(|i| i.id.clone()).collect(),
                            "the policy's indicators",
                        )
                    }),
                    _ => None,
                };
                if let Some((allowed, what_list)) = allowed {
                    for item in &items {
                        if !allowed.contains(item) {
                            let help = help_with(item, what_list, &allowed);
                            self.error(
                                span.clone(),
                                format!("`{item}` in `{key}` {in_case} is not one of {what_list}"),
                                Some(help),
                            );
                            return None;
                        }
                    }
                }
                Some(Expected::List(items))
            }
        }
    }
}

/// The TOML type of `v` with its article: "a string", "an integer".
fn a(v: &toml::Value) -> String {
    let t = v.type_str();
    let article = if t.starts_with(['a', 'e', 'i', 'o', 'u']) {
        "an"
    } else {
        "a"
    };
    format!("{article} {t}")
}

/// Flatten `key = value` into dotted keys when `value` is a table (the
/// nested values have no span of their own: errors point at the key).
fn flatten(
    key: &str,
    span: Range<usize>,
    value: &toml::Value,
    out: &mut Vec<(String, Range<usize>, Range<usize>, toml::Value)>,
) {
    match value {
        toml::Value::Table(t) => {
            for (k, v) in t {
                flatten(&format!("{key}.{k}"), span.clone(), v, out);
            }
        }
        _ => out.push((key.to_string(), span.clone(), span, value.clone())),
    }
}

/// Every key a case may expect with this policy, for suggestions.
fn valid_keys(p: &Policy) -> Vec<String> {
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
fn resolve_key(p: &Policy, key: &str) -> Option<(Field, Kind)> {
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
fn unavailable(p: &Policy, key: &str) -> Option<String> {
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
fn allowed_texts(p: &Policy, what: &Field) -> Option<(Vec<String>, &'static str)> {
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

// ---------------------------------------------------------------- policies with overrides

/// Loads the policy once per distinct (date, overrides).
struct Loader<'a> {
    policy_file: &'a str,
    policy_source: &'a str,
    cache: HashMap<String, usize>,
    policies: Vec<Policy>,
}

impl Loader<'_> {
    fn get(
        &mut self,
        as_of: &str,
        overrides: &[(String, toml::Value)],
    ) -> Result<usize, Vec<Diagnostic>> {
        let mut key = as_of.to_string();
        for (k, v) in overrides {
            let _ = write!(key, "\n{k}={v}");
        }
        if let Some(&i) = self.cache.get(&key) {
            return Ok(i);
        }
        let options = LoadOptions {
            as_of: Some(as_of.to_string()),
        };
        let policy = if overrides.is_empty() {
            Policy::load(self.policy_file, self.policy_source, &options)
                .map_err(|e| e.diagnostics)?
        } else {
            let text = with_parameters(self.policy_source, overrides)
                .map_err(|m| vec![Diagnostic::whole_file(self.policy_file, m, None)])?;
            let list: Vec<String> = overrides
                .iter()
                .map(|(k, v)| format!("{k} = {v}"))
                .collect();
            let name = format!("{} (with {})", self.policy_file, list.join(", "));
            Policy::load(&name, &text, &options).map_err(|e| e.diagnostics)?
        };
        self.policies.push(policy);
        let i = self.policies.len() - 1;
        self.cache.insert(key, i);
        Ok(i)
    }
}

/// The policy text with each named parameter's value replaced (its dated values dropped).
///
/// ```
/// let text = "[[parameters]]\nname = \"cap\"\nvalue = 5\nunit = \"u\"\nreference = \"r\"\n";
/// let out = layak::policy::cases::with_parameters(text, &[("cap".into(), toml::Value::Integer(7))]).unwrap();
/// assert!(out.contains("value = 7"));
/// ```
pub fn with_parameters(
    source: &str,
    overrides: &[(String, toml::Value)],
) -> Result<String, String> {
    let mut table: toml::Table = source
        .parse()
        .map_err(|e: toml::de::Error| format!("invalid policy file: {}", e.message().trim()))?;
    let params = table
        .get_mut("parameters")
        .and_then(toml::Value::as_array_mut)
        .ok_or("the policy has no [[parameters]]")?;
    for (name, value) in overrides {
        let entry = params
            .iter_mut()
            .filter_map(toml::Value::as_table_mut)
            .find(|t| t.get("name").and_then(toml::Value::as_str) == Some(name.as_str()))
            .ok_or_else(|| format!("the policy has no parameter `{name}`"))?;
        entry.insert("value".into(), value.clone());
        entry.remove("values");
    }
    toml::to_string(&table).map_err(|e| format!("cannot rewrite the policy: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    const CASES: &str = r#"
as_of = "2025-06-01"

[[case]]
name = "poor"
input = { members = 4, monthly_income = 1000000 }
[case.expect]
income_status = "poor"
programs = ["food_assistance", "capacity_building"]
"amount.food_assistance" = 200000
status.capacity_building = "granted"
per_capita_income = "1000000 / 4"
"#;

    #[test]
    fn a_case_passes_and_dotted_keys_are_flattened() {
        let suite = Suite::load("t.toml", CASES, &SuiteOptions::default()).unwrap();
        let out = suite.run();
        assert_eq!(out.len(), 1);
        assert!(out[0].passed(), "{:?}", out[0]);
    }

    #[test]
    fn a_wrong_expectation_fails_with_expected_and_found() {
        let text = CASES.replace("200000", "210000");
        let suite = Suite::load("t.toml", &text, &SuiteOptions::default()).unwrap();
        let out = suite.run();
        assert_eq!(
            out[0].mismatches,
            ["amount.food_assistance: expected 210000, found 200000 (tolerance 0.000001)"]
        );
        assert!(out[0].trace.iter().any(|l| l.starts_with("reasons:")));
    }

    #[test]
    fn unknown_names_are_errors_with_suggestions() {
        let text = CASES
            .replace("members = 4", "membrs = 4")
            .replace("income_status =", "income_stauts =");
        let err = Suite::load("t.toml", &text, &SuiteOptions::default()).unwrap_err();
        let rendered = err.render();
        assert!(
            rendered.contains("unknown input `membrs` in case \"poor\""),
            "{rendered}"
        );
        assert!(rendered.contains("did you mean `members`?"), "{rendered}");
        assert!(
            rendered.contains("unknown expectation `income_stauts`"),
            "{rendered}"
        );
        assert!(
            rendered.contains("did you mean `income_status`?"),
            "{rendered}"
        );
    }

    #[test]
    fn a_reject_reason_alone_expects_a_reject() {
        let text = r#"
[[case]]
name = "too many disabled"
input = { members = 1, disabled = 2, monthly_income = 5 }
[case.expect]
reject_reason = "disabled is more than members"
"#;
        let suite = Suite::load("t.toml", text, &SuiteOptions::default()).unwrap();
        let out = suite.run();
        assert!(out[0].passed(), "{:?}", out[0]);
    }

    #[test]
    fn parameter_overrides_reload_the_policy() {
        let text = CASES.replace(
            "[case.expect]",
            "parameters = { food_assistance_monthly = 250000 }\n[case.expect]",
        );
        let suite = Suite::load("t.toml", &text, &SuiteOptions::default()).unwrap();
        let out = suite.run();
        assert_eq!(
            out[0].mismatches,
            ["amount.food_assistance: expected 200000, found 250000 (tolerance 0.000001)"]
        );
    }
}
