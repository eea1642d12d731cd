//! Helpers shared by the fuzz targets (not a target itself).
#![allow(dead_code)]

use std::io::{self, Cursor};
use std::sync::OnceLock;

use layak::input::{self, Layout, ReadOptions, Reject};
use layak::pipeline::{self, Options, RejectSink, Totals};
use layak::policy::Policy;
use layak::report::Format;

/// The 24 columns of the default policy, in its declared order.
pub const DEFAULT_HEADER: &str = "household_id,region,area,members,monthly_income,young_children,school_age_children,children_not_in_school,elderly,disabled,working_age_able,head_female,head_education,meals_per_day,floor_area_m2,floor_material,water_source,sanitation,electricity,cooking_fuel,health_insurance,shock,shock_months_ago,home_damaged\n";

/// The built-in default policy, loaded once per process.
pub fn default_policy() -> &'static Policy {
    static POLICY: OnceLock<Policy> = OnceLock::new();
    POLICY
        .get_or_init(|| Policy::default_policy(&Default::default()).expect("default policy loads"))
}

/// Collects rejects in the order the pipeline reports them.
#[derive(Default)]
pub struct Rejects(pub Vec<Reject>);

impl RejectSink for Rejects {
    fn reject(&mut self, reject: &Reject) -> io::Result<()> {
        self.0.push(reject.clone());
        Ok(())
    }
}

/// What one pipeline run produced.
#[derive(Debug, PartialEq)]
pub struct Run {
    pub out: Vec<u8>,
    pub rejects: Vec<Reject>,
    pub totals: Totals,
}

/// Open `bytes` as a whole household file (header included), map it to the
/// policy and decide every row. Errors are rendered to text so that runs can
/// be compared.
pub fn run(
    policy: &Policy,
    bytes: &[u8],
    format: Format,
    threads: usize,
    chunk_bytes: usize,
) -> Result<Run, String> {
    let read = ReadOptions::default();
    let source = input::from_reader(
        "fuzz.csv".to_string(),
        Box::new(Cursor::new(bytes.to_vec())),
        &read,
    )
    .map_err(|e| format!("open: {e}"))?;
    let layout = Layout::new(policy, &source, &read).map_err(|e| format!("layout: {e}"))?;
    let mut out = Vec::new();
    let mut rejects = Rejects::default();
    let options = Options {
        threads,
        chunk_bytes,
        strict: false,
        all_errors: false,
        progress: None,
        deciles: None,
        overrides: None,
    };
    let totals = pipeline::assess(
        policy,
        &layout,
        source,
        format,
        &mut out,
        &mut rejects,
        &options,
    )
    .map_err(|e| format!("assess: {e}"))?;
    Ok(Run {
        out,
        rejects: rejects.0,
        totals,
    })
}

/// Invariants of one finished run.
pub fn check_totals(r: &Run) {
    let t = &r.totals;
    assert_eq!(
        t.read,
        t.decided + t.rejected,
        "read != decided + rejected: {t:?}"
    );
    assert_eq!(
        t.rejected,
        r.rejects.len() as u64,
        "rejected != rejects reported"
    );
    assert_eq!(
        t.rejects_by_code.iter().sum::<u64>(),
        t.rejected,
        "rejects_by_code does not sum to rejected"
    );
    // Rejects come in input order.
    for w in r.rejects.windows(2) {
        assert!(w[0].line <= w[1].line, "rejects out of order: {w:?}");
    }
}

/// The CSV decisions parse back as CSV: a header, then one record per decided
/// row, every record as wide as the header.
pub fn check_csv_output(r: &Run) {
    if r.out.is_empty() {
        return;
    }
    let mut rd = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(&r.out[..]);
    let mut rec = csv::ByteRecord::new();
    let mut rows = 0u64;
    let mut width = None;
    while rd
        .read_byte_record(&mut rec)
        .expect("decisions CSV is readable")
    {
        let w = *width.get_or_insert(rec.len());
        assert_eq!(rec.len(), w, "decision record {rows} has a different width");
        rows += 1;
    }
    assert_eq!(
        rows,
        r.totals.decided + 1,
        "one CSV record per decided row (plus header)"
    );
}

/// JSON / NDJSON decisions are valid JSON with one object per decided row.
pub fn check_json_output(r: &Run, format: Format) {
    match format {
        Format::Json => {
            let v: serde_json::Value =
                serde_json::from_slice(&r.out).expect("JSON output is valid JSON");
            let n = v.as_array().expect("JSON output is an array").len() as u64;
            assert_eq!(n, r.totals.decided, "one JSON object per decided row");
        }
        Format::Ndjson => {
            let mut n = 0u64;
            for line in r.out.split(|&b| b == b'\n').filter(|l| !l.is_empty()) {
                let v: serde_json::Value =
                    serde_json::from_slice(line).expect("NDJSON line is valid JSON");
                assert!(v.is_object(), "NDJSON line is an object");
                n += 1;
            }
            assert_eq!(n, r.totals.decided, "one NDJSON line per decided row");
        }
        Format::Csv => check_csv_output(r),
    }
}

/// Run the file through the pipeline several ways and require identical results:
/// one thread with the default chunk size, two threads with 7-byte chunks (so
/// nearly every record straddles a chunk boundary), and a JSON/NDJSON run.
pub fn check_pipeline(policy: &Policy, bytes: &[u8]) {
    let a = run(
        policy,
        bytes,
        Format::Csv,
        1,
        Options::default().chunk_bytes,
    );
    let b = run(policy, bytes, Format::Csv, 2, 7);
    match (&a, &b) {
        (Ok(a), Ok(b)) => {
            check_totals(a);
            check_csv_output(a);
            assert_eq!(
                a.totals, b.totals,
                "totals differ: threads 1 vs threads 2, chunk 7"
            );
            assert_eq!(
                a.rejects, b.rejects,
                "rejects differ: threads 1 vs threads 2, chunk 7"
            );
            assert!(
                a.out == b.out,
                "output differs: threads 1 vs threads 2, chunk 7\n--- a\n{}\n--- b\n{}",
                String::from_utf8_lossy(&a.out),
                String::from_utf8_lossy(&b.out)
            );
        }
        (Err(ea), Err(eb)) => assert_eq!(ea, eb, "errors differ between runs"),
        _ => panic!("one run failed and the other did not:\n a: {a:?}\n b: {b:?}"),
    }
    // A third run in JSON or NDJSON (chosen by the input's length), one thread, tiny chunks.
    let format = if bytes.len() % 2 == 0 {
        Format::Json
    } else {
        Format::Ndjson
    };
    let c = run(policy, bytes, format, 1, 13);
    match (&a, &c) {
        (Ok(a), Ok(c)) => {
            check_totals(c);
            assert_eq!(a.totals, c.totals, "totals differ: CSV vs {format:?}");
            assert_eq!(a.rejects, c.rejects, "rejects differ: CSV vs {format:?}");
            check_json_output(c, format);
        }
        (Err(ea), Err(ec)) => assert_eq!(ea, ec, "errors differ between runs"),
        _ => panic!("CSV and {format:?} runs disagree on failing:\n a: {a:?}\n c: {c:?}"),
    }
}

/// A household file for `policy`: a header naming every input, then a few
/// fixed rows — ordinary values, all cells empty but the id (defaults apply),
/// and extreme values — written with proper CSV quoting.
pub fn rows_for(policy: &Policy) -> Vec<u8> {
    use layak::policy::InputType;
    let mut w = csv::WriterBuilder::new().from_writer(Vec::new());
    w.write_record(policy.inputs.iter().map(|i| i.name.as_str()))
        .unwrap();
    let number = |i: &layak::policy::Input, want: f64| {
        let mut v = want;
        if let Some(min) = i.min {
            v = v.max(min);
        }
        if let Some(max) = i.max {
            v = v.min(max);
        }
        if i.ty == InputType::Integer {
            v = v.ceil();
        }
        if v.is_finite() {
            format!("{v}")
        } else {
            "1".to_string()
        }
    };
    let cell = |i: &layak::policy::Input, row: usize| -> String {
        match i.ty {
            InputType::Id => format!("H{row}"),
            InputType::Text if row == 1 => String::new(),
            InputType::Text => "x".into(),
            _ if row == 1 => String::new(),
            InputType::Integer | InputType::Number | InputType::Money => {
                number(i, if row == 0 { 1.0 } else { 1e15 })
            }
            InputType::Bool => (if row == 0 { "true" } else { "no" }).into(),
            InputType::Date => (if row == 0 { "2024-02-29" } else { "1970-01-01" }).into(),
            InputType::Enum(e) => {
                let values = policy
                    .enums
                    .get(usize::from(e))
                    .map(|d| &d.values[..])
                    .unwrap_or(&[]);
                let v = if row == 0 {
                    values.first()
                } else {
                    values.last()
                };
                v.cloned().unwrap_or_default()
            }
        }
    };
    for row in 0..3 {
        w.write_record(policy.inputs.iter().map(|i| cell(i, row)))
            .unwrap();
    }
    w.into_inner().unwrap()
}

/// Decide `rows_for(policy)` through the pipeline (checked as in
/// [`check_pipeline`]) and explain the first row (trace, rendered as text and JSON).
pub fn decide_fixed_rows(policy: &Policy) {
    let file = rows_for(policy);
    check_pipeline(policy, &file);
    explain_first(policy, &file);
}

/// What `layak explain` does for the first data row.
pub fn explain_first(policy: &Policy, file: &[u8]) {
    use layak::engine::{Engine, trace};
    use layak::input::{RowParser, cell};
    let read = ReadOptions::default();
    let Ok(source) = input::from_reader(
        "fuzz.csv".to_string(),
        Box::new(Cursor::new(file.to_vec())),
        &read,
    ) else {
        return;
    };
    let Ok(layout) = Layout::new(policy, &source, &read) else {
        return;
    };
    let mut chunker = source.chunker;
    let mut chunk = Vec::new();
    let Ok(Some(_)) = chunker.next_chunk(1 << 18, &mut chunk) else {
        return;
    };
    let mut rd = layak::input::record::chunk_reader(&chunk, source.delimiter);
    let mut record = csv::ByteRecord::new();
    if !matches!(rd.read_byte_record(&mut record), Ok(true)) {
        return;
    }
    let parser = RowParser::new(policy, &layout);
    let engine = Engine::new(policy);
    let mut s = engine.scratch();
    if parser.parse(&record, 2, &mut s.slots).is_err() {
        return;
    }
    if engine.decide(&mut s).is_err() {
        return;
    }
    let defaulted: Vec<bool> = (0..policy.inputs.len())
        .map(|i| {
            layout.columns[i]
                .and_then(|c| record.get(c))
                .is_none_or(|c| cell::trim(c).is_empty())
        })
        .collect();
    let texts: Vec<String> = (0..policy.inputs.len())
        .map(|i| String::from_utf8_lossy(parser.text(&record, i)).into_owned())
        .collect();
    let t = trace::trace(policy, &mut s, &defaulted, &texts);
    serde_json::to_string(&t).expect("trace serializes");
}

/// Load `text` as a policy: it must return Ok or Err, never panic. Errors are
/// rendered (snippets with carets); a loaded policy decides a few fixed rows.
pub fn load_and_decide(text: &str) {
    match Policy::load("fuzz.toml", text, &Default::default()) {
        Ok(policy) => decide_fixed_rows(&policy),
        Err(e) => {
            let _ = e.to_string();
            let _ = e.render();
        }
    }
}
