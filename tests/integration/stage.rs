//! Stage mode (`assess --stage`, issue 16) and the output schema
//! (`schema --output`): one record per input record, decided as `assess`
//! decides the same rows; every output validates against the schema.

use std::collections::HashMap;
use std::io::Cursor;
use std::sync::Arc;

use arrow_array::cast::AsArray;
use arrow_array::{Array, ArrayRef, RecordBatch, StringArray};
use arrow_schema::{DataType, Field, Schema};
use serde_json::{Value, json};

use crate::util::*;

/// The sample's rows that a JSON object can carry (not a field-count
/// reject, no blank line), each id once: (header, rows).
fn sample_rows() -> (Vec<String>, Vec<Vec<String>>) {
    let text = many_households(2) + &repo_text("data/sample-households.csv");
    let mut reader = csv::ReaderBuilder::new()
        .flexible(true)
        .from_reader(text.as_bytes());
    let header: Vec<String> = reader
        .headers()
        .unwrap()
        .iter()
        .map(str::to_string)
        .collect();
    let mut seen = std::collections::HashSet::new();
    let mut rows = Vec::new();
    for r in reader.records() {
        let r = r.unwrap();
        let id = r.get(0).unwrap_or_default().trim().to_string();
        let multiline = r.iter().any(|c| c.contains(['\n', '\r']));
        if r.len() != header.len() || r.iter().all(|c| c.trim().is_empty()) || multiline {
            continue;
        }
        if !id.is_empty() && !seen.insert(id) {
            continue;
        }
        rows.push(r.iter().map(str::to_string).collect());
    }
    (header, rows)
}

fn to_csv(header: &[String], rows: &[Vec<String>]) -> Vec<u8> {
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record(header).unwrap();
    for r in rows {
        w.write_record(r).unwrap();
    }
    w.into_inner().unwrap()
}

/// Each row as a JSON object; whole numbers as JSON numbers, empty cells as
/// null (or left out, every third row), the rest as strings.
fn to_ndjson(header: &[String], rows: &[Vec<String>]) -> Vec<u8> {
    let mut out = Vec::new();
    for (n, r) in rows.iter().enumerate() {
        let mut obj = serde_json::Map::new();
        for (k, v) in header.iter().zip(r) {
            let value = if v.is_empty() {
                if n % 3 == 0 {
                    continue;
                }
                Value::Null
            } else if !v.starts_with('0') && v.parse::<u32>().is_ok() {
                json!(v.parse::<u32>().unwrap())
            } else {
                Value::String(v.clone())
            };
            obj.insert(k.clone(), value);
        }
        out.extend_from_slice(serde_json::to_string(&obj).unwrap().as_bytes());
        out.push(b'\n');
    }
    out
}

fn to_arrow(header: &[String], rows: &[Vec<String>]) -> Vec<u8> {
    to_arrow_batches(header, rows, 7)
}

/// The rows as an Arrow IPC stream of string columns (an empty cell a
/// null), in record batches of `size` rows.
fn to_arrow_batches(header: &[String], rows: &[Vec<String>], size: usize) -> Vec<u8> {
    let schema = Arc::new(Schema::new(
        header
            .iter()
            .map(|h| Field::new(h, DataType::Utf8, true))
            .collect::<Vec<_>>(),
    ));
    let mut w = arrow_ipc::writer::StreamWriter::try_new(Vec::new(), &schema).unwrap();
    for chunk in rows.chunks(size) {
        let cols: Vec<ArrayRef> = (0..header.len())
            .map(|c| {
                Arc::new(StringArray::from(
                    chunk
                        .iter()
                        .map(|r| (!r[c].is_empty()).then(|| r[c].as_str()))
                        .collect::<Vec<_>>(),
                )) as ArrayRef
            })
            .collect();
        w.write(&RecordBatch::try_new(Arc::clone(&schema), cols).unwrap())
            .unwrap();
    }
    w.finish().unwrap();
    w.into_inner().unwrap()
}

/// `assess`'s decisions (NDJSON) and rejects of the same rows, by record index.
fn assess_reference(
    dir: &Dir,
    csv: &[u8],
) -> (HashMap<u64, Value>, HashMap<u64, (String, String)>) {
    let file = dir.write("h.csv", csv);
    let out = dir.run(&["assess", file, "-f", "ndjson", "--rejects", "r.csv", "-q"]);
    assert!(out.code == 0 || out.code == 3, "{out}");
    let rejects = Table::read(&dir.join("r.csv"));
    let mut rejected = HashMap::new();
    for (line, (code, column)) in rejects
        .column("line")
        .iter()
        .zip(rejects.column("code").iter().zip(rejects.column("column")))
    {
        let index = line.parse::<u64>().unwrap() - 2;
        rejected.insert(index, (code.to_string(), column.to_string()));
    }
    let decisions = out.ndjson();
    let mut decided = HashMap::new();
    let mut next = 0;
    for d in decisions {
        while rejected.contains_key(&next) {
            next += 1;
        }
        decided.insert(next, d);
        next += 1;
    }
    (decided, rejected)
}

fn check_stage(
    records: &[Value],
    decided: &HashMap<u64, Value>,
    rejected: &HashMap<u64, (String, String)>,
) {
    assert_eq!(records.len(), decided.len() + rejected.len());
    for (i, rec) in records.iter().enumerate() {
        let i = i as u64;
        assert_eq!(rec["index"], json!(i), "{rec}");
        let mut rec = rec.clone();
        let kind = rec.as_object_mut().unwrap().remove("kind").unwrap();
        rec.as_object_mut().unwrap().remove("index");
        if let Some(d) = decided.get(&i) {
            assert_eq!(kind, "decision", "record {i}: {rec}");
            assert_eq!(&rec, d, "record {i}");
        } else {
            let (code, column) = &rejected[&i];
            assert_eq!(kind, "reject", "record {i}: {rec}");
            assert_eq!(
                (&rec["code"], &rec["column"]),
                (&json!(code), &json!(column)),
                "record {i}"
            );
        }
    }
}

#[test]
fn stage_ndjson_decides_every_record_as_assess_does_in_order() {
    let dir = Dir::new();
    let (header, rows) = sample_rows();
    let (decided, rejected) = assess_reference(&dir, &to_csv(&header, &rows));
    assert!(
        decided.len() > 40 && rejected.len() > 10,
        "{} decided, {} rejected",
        decided.len(),
        rejected.len()
    );
    let input = to_ndjson(&header, &rows);
    for threads in ["1", "3"] {
        let out = dir.run_stdin(
            &[
                "assess",
                "-",
                "--stage",
                "-j",
                threads,
                "--chunk-bytes",
                "2000",
            ],
            &input,
        );
        // Rejects are data: exit 0.
        out.assert_code(0);
        check_stage(&out.ndjson(), &decided, &rejected);
    }
}

#[test]
fn stage_arrow_decides_as_assess_and_as_ndjson() {
    let dir = Dir::new();
    let (header, rows) = sample_rows();
    let (decided, rejected) = assess_reference(&dir, &to_csv(&header, &rows));
    let input = to_arrow(&header, &rows);
    // NDJSON out of Arrow in.
    let out = dir.run_stdin(&arrow_stage("2"), &input);
    out.assert_code(0);
    check_stage(&out.ndjson(), &decided, &rejected);
    // Arrow out: the same kinds, ids, totals and codes.
    let file = dir.write("in.arrow", &input);
    let out = dir.run(&[
        "assess",
        file,
        "--stage",
        "--input-format",
        "arrow",
        "--format",
        "arrow",
        "-o",
        "out.arrow",
    ]);
    out.assert_code(0);
    let bytes = dir.read_bytes("out.arrow");
    let reader = arrow_ipc::reader::StreamReader::try_new(Cursor::new(bytes), None).unwrap();
    let mut n = 0u64;
    for batch in reader {
        let b = batch.unwrap();
        let kind = b.column_by_name("kind").unwrap().as_string::<i32>().clone();
        let index = b
            .column_by_name("index")
            .unwrap()
            .as_primitive::<arrow_array::types::Int64Type>()
            .clone();
        let total = b
            .column_by_name("monthly_total")
            .unwrap()
            .as_primitive::<arrow_array::types::Int64Type>()
            .clone();
        let code = b.column_by_name("code").unwrap().as_string::<i32>().clone();
        for r in 0..b.num_rows() {
            assert_eq!(index.value(r), n as i64);
            match decided.get(&n) {
                Some(d) => {
                    assert_eq!(kind.value(r), "decision");
                    assert_eq!(json!(total.value(r)), d["monthly_total"]);
                    assert!(code.is_null(r));
                }
                None => {
                    assert_eq!(kind.value(r), "reject");
                    assert_eq!(code.value(r), rejected[&n].0);
                    assert!(total.is_null(r));
                }
            }
            n += 1;
        }
    }
    assert_eq!(n as usize, rows.len());
}

/// Stage mode on an Arrow stream on standard input, at `threads` threads.
fn arrow_stage(threads: &str) -> [&str; 7] {
    [
        "assess",
        "-",
        "--stage",
        "--input-format",
        "arrow",
        "-j",
        threads,
    ]
}

/// `n` copies of `sample`, one after the other, each id prefixed with its
/// copy's number (an empty id stays empty).
fn copies(sample: &[Vec<String>], n: usize) -> Vec<Vec<String>> {
    (0..n)
        .flat_map(|copy| {
            sample.iter().map(move |r| {
                let mut r = r.clone();
                if !r[0].trim().is_empty() {
                    r[0] = format!("C{copy}-{}", r[0]);
                }
                r
            })
        })
        .collect()
}

/// Rows are read a block of 64 at a time: record batches of a row, and of
/// one row less, as many and one more than a block, decide every record
/// as `assess` does (rejects inside a block and at its edges with their
/// record index, code and column).
#[test]
fn stage_arrow_batches_of_any_size_decide_as_assess() {
    let dir = Dir::new();
    let (header, sample) = sample_rows();
    // The sample twice, its ids made distinct.
    let rows = copies(&sample, 2);
    assert!(rows.len() > 2 * 65, "{} rows", rows.len());
    let (decided, rejected) = assess_reference(&dir, &to_csv(&header, &rows));
    for size in [1, 63, 64, 65, 129, rows.len()] {
        let input = to_arrow_batches(&header, &rows, size);
        for threads in ["1", "2"] {
            let out = dir.run_stdin(&arrow_stage(threads), &input);
            out.assert_code(0);
            check_stage(&out.ndjson(), &decided, &rejected);
        }
    }
}

/// A record batch longer than a worker takes at once (2,048 rows) is
/// handed out in slices: every record still decides as `assess` does, at
/// one thread and two, and the Arrow output's messages are cut where they
/// were without slices (2,048 rows from a batch's start).
#[test]
fn a_long_arrow_batch_decides_as_assess_in_slices() {
    let dir = Dir::new();
    let (header, sample) = sample_rows();
    // Copies of the sample, its ids made distinct, past two slices.
    let rows = copies(&sample, 4_500 / sample.len() + 1);
    assert!(rows.len() > 2 * 2_048, "{} rows", rows.len());
    let (decided, rejected) = assess_reference(&dir, &to_csv(&header, &rows));
    let input = to_arrow_batches(&header, &rows, rows.len());
    let rest = rows.len() - 2 * 2_048;
    for threads in ["1", "2"] {
        let stage = arrow_stage(threads);
        let out = dir.run_stdin(&stage, &input);
        out.assert_code(0);
        check_stage(&out.ndjson(), &decided, &rejected);
        let arrow_out = ["--format", "arrow", "-o", "out.arrow"];
        dir.run_stdin(&[&stage[..], &arrow_out].concat(), &input)
            .assert_code(0);
        let lengths: Vec<usize> = read_arrow(dir.read_bytes("out.arrow"))
            .iter()
            .map(RecordBatch::num_rows)
            .collect();
        assert_eq!(lengths, [2_048, 2_048, rest], "{threads} threads");
    }
}

/// Every record batch of an Arrow IPC stream.
fn read_arrow(bytes: Vec<u8>) -> Vec<RecordBatch> {
    arrow_ipc::reader::StreamReader::try_new(Cursor::new(bytes), None)
        .unwrap()
        .map(Result::unwrap)
        .collect()
}

#[test]
fn stage_arrow_output_holds_the_values_of_a_parquet_output_and_the_rejects() {
    arrow_output_is_parquets(&[]);
}

#[test]
fn chosen_columns_in_stage_arrow_output_are_a_parquet_outputs() {
    // Inputs of every kind (whole, number, flag, enum), each standard
    // column's way to a typed value, reason codes as a list.
    let columns = "household_id,members,monthly_income,head_female,area,per_capita_income,\
                   poverty_line,deprivation_score,programs,deferred,deprived,emergency,\
                   labour_capacity,track,priority,review_after_months,capped,reasons,\
                   income_status,deprivation_status,policy_id,policy_version,policy_hash";
    arrow_output_is_parquets(&["--columns", columns]);
    arrow_output_is_parquets(&["--columns", columns, "--reasons", "codes"]);
}

/// The workers build the typed columns from their decisions; a Parquet
/// output reads the CSV text back. Row for row, they hold the same data.
fn arrow_output_is_parquets(extra: &[&str]) {
    let dir = Dir::new();
    let (header, rows) = sample_rows();
    let (decided, rejected) = assess_reference(&dir, &to_csv(&header, &rows));
    let csv = dir.write("h.csv", to_csv(&header, &rows));
    dir.run(&[&["assess", csv, "-o", "d.parquet", "-q"][..], extra].concat());
    let (_, parquet_batches) = crate::output_formats::read_parquet(&dir.join("d.parquet"));
    // (batch, row) of each decision.
    let parquet: Vec<(usize, usize)> = parquet_batches
        .iter()
        .enumerate()
        .flat_map(|(b, batch)| (0..batch.num_rows()).map(move |r| (b, r)))
        .collect();
    assert_eq!(parquet.len(), decided.len());
    // A blank record and a malformed one, in the middle of a batch.
    let ndjson = to_ndjson(&header, &rows);
    let mut lines: Vec<&[u8]> = ndjson
        .split(|&b| b == b'\n')
        .filter(|l| !l.is_empty())
        .collect();
    lines.insert(5, b"{}");
    lines.insert(9, b"{\"household_id\": \"X\", \"members\": {}}");
    let ndjson = lines.join(&b'\n');
    let arrow_in = dir.write("in.arrow", to_arrow(&header, &rows));
    let ndjson_in = dir.write("in.ndjson", &ndjson);
    let runs: [&[&str]; 4] = [
        &[ndjson_in, "-j", "1", "--chunk-bytes", "1500"],
        &[ndjson_in, "-j", "3", "--chunk-bytes", "2500"],
        &[ndjson_in, "-j", "2"],
        &[arrow_in, "--input-format", "arrow", "-j", "2"],
    ];
    for run in runs {
        let mut args = vec!["assess", "--stage", "--format", "arrow", "-o", "out.arrow"];
        args.extend_from_slice(run);
        args.extend_from_slice(extra);
        dir.run(&args).assert_code(0);
        let batches = read_arrow(dir.read_bytes("out.arrow"));
        let from_ndjson = run[0] == ndjson_in;
        let (mut record, mut decision) = (0u64, 0usize);
        for b in &batches {
            let kind = b.column_by_name("kind").unwrap().as_string::<i32>();
            let code = b.column_by_name("code").unwrap().as_string::<i32>();
            let column = b.column_by_name("column").unwrap().as_string::<i32>();
            let id = b.column_by_name("household_id").unwrap().as_string::<i32>();
            for r in 0..b.num_rows() {
                // The input's record, skipping the two added lines.
                let input = match (from_ndjson, record) {
                    (true, 5) | (true, 9) => None,
                    (true, n) if n > 9 => Some(n - 2),
                    (true, n) if n > 5 => Some(n - 1),
                    (_, n) => Some(n),
                };
                record += 1;
                let Some(input) = input else {
                    assert_eq!(kind.value(r), "reject", "{run:?}");
                    assert!(id.is_null(r) || id.value(r) == "X");
                    continue;
                };
                if let Some((want_code, want_column)) = rejected.get(&input) {
                    assert_eq!(kind.value(r), "reject", "{run:?} record {input}");
                    assert_eq!(
                        (code.value(r), column.value(r)),
                        (want_code.as_str(), want_column.as_str())
                    );
                    let want_id = rows[input as usize][0].trim();
                    if want_id.is_empty() {
                        assert!(id.is_null(r));
                    } else {
                        assert_eq!(id.value(r), want_id, "{run:?} record {input}");
                    }
                    continue;
                }
                assert_eq!(kind.value(r), "decision", "{run:?} record {input}");
                let (pb, pr) = parquet[decision];
                let p = &parquet_batches[pb];
                for (c, field) in p.schema().fields().iter().enumerate() {
                    let want = p.column(c).slice(pr, 1);
                    let got = b.column_by_name(field.name()).unwrap().slice(r, 1);
                    assert!(
                        got.to_data() == want.to_data(),
                        "{run:?} record {input}, {}: {got:?} is not {want:?}",
                        field.name()
                    );
                }
                for name in ["column", "value", "code", "reason"] {
                    assert!(b.column_by_name(name).unwrap().is_null(r));
                }
                decision += 1;
            }
        }
        assert_eq!(decision, decided.len(), "{run:?}");
        assert_eq!(
            record as usize,
            rows.len() + if from_ndjson { 2 } else { 0 }
        );
    }
}

#[test]
fn a_malformed_or_blank_record_is_a_reject_of_its_own_and_not_fatal() {
    let dir = Dir::new();
    let (header, rows) = sample_rows();
    let good = to_ndjson(&header, &rows[..3]);
    let mut lines: Vec<&[u8]> = good
        .split(|&b| b == b'\n')
        .filter(|l| !l.is_empty())
        .collect();
    lines.insert(1, b"{\"household_id\": \"X1\", \"members\": [4]}");
    lines.insert(2, b"{}");
    lines.insert(3, b"not json at all");
    let input = lines.join(&b'\n');
    let out = dir.run_stdin(&["assess", "--stage"], &input);
    out.assert_code(0);
    let recs = out.ndjson();
    assert_eq!(recs.len(), 6);
    let kinds: Vec<&str> = recs.iter().map(|r| r["kind"].as_str().unwrap()).collect();
    assert_eq!(
        kinds,
        [
            "decision", "reject", "reject", "reject", "decision", "decision"
        ]
    );
    assert_eq!(recs[1]["code"], "invalid_value");
    assert_eq!(recs[1]["column"], "members");
    assert_eq!(recs[2]["code"], "missing_required");
    assert_eq!(recs[3]["code"], "invalid_value");
    assert_eq!(recs[3]["index"], 3);
    // A first line that is not an object is a reject too.
    let out = dir.run_stdin(&["assess", "--stage"], &[&b"[1]\n"[..], &good].concat());
    out.assert_code(0);
    let recs = out.ndjson();
    assert_eq!(recs.len(), 4);
    assert_eq!(
        (recs[0]["kind"].as_str(), recs[1]["kind"].as_str()),
        (Some("reject"), Some("decision"))
    );
    // Not an Arrow stream: fatal, exit 1.
    dir.run_stdin(&["assess", "--stage", "--input-format", "arrow"], b"{}\n")
        .assert_code(1)
        .stderr_has("Arrow IPC");
    // Flags that do not go with one record out per record in.
    dir.run_stdin(&["assess", "--stage", "--rejects", "r.csv"], b"")
        .assert_code(2);
    dir.run_stdin(&["assess", "--format", "arrow"], b"")
        .assert_code(2);
}

/// The schema with `def` as its root.
fn validator(schema: &Value, def: &str) -> jsonschema::Validator {
    let mut s = schema.clone();
    let obj = s.as_object_mut().unwrap();
    obj.remove("anyOf");
    obj.insert("$ref".into(), json!(format!("#/$defs/{def}")));
    jsonschema::validator_for(&s).unwrap()
}

fn assert_valid(v: &jsonschema::Validator, what: &str, instance: &Value) {
    if let Err(e) = v.validate(instance) {
        panic!("{what} does not fit the schema: {e}\n{instance}");
    }
}

#[test]
fn real_output_validates_against_schema_output() {
    let dir = Dir::new();
    let out = dir.run(&["schema", "--output"]);
    out.assert_code(0);
    let schema: Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(
        schema["$schema"],
        "https://json-schema.org/draft/2020-12/schema"
    );
    let whole = jsonschema::validator_for(&schema).unwrap();
    let decision = validator(&schema, "decision");
    let csv_row = validator(&schema, "csv_decision");
    let reject = validator(&schema, "reject");
    let file = dir.write("h.csv", repo_text("data/sample-households.csv"));
    // NDJSON and JSON decisions, with and without the budget's fields.
    for extra in [&[][..], &["--budget", "5_000_000"][..]] {
        let mut args = vec!["assess", file, "-f", "ndjson", "--rejects", "r.csv", "-q"];
        args.extend(extra);
        let out = dir.run(&args);
        out.assert_code(3);
        let rows = out.ndjson();
        assert!(rows.len() > 30);
        for d in &rows {
            assert_valid(&decision, "an NDJSON decision", d);
            assert!(whole.is_valid(d));
        }
        let mut args = vec!["assess", file, "-f", "json", "-q"];
        args.extend(extra);
        for d in dir.run(&args).json_array() {
            assert_valid(&decision, "a JSON decision", &d);
        }
        // CSV rows, read as text by column name.
        let mut args = vec!["assess", file, "-f", "csv", "-q"];
        args.extend(extra);
        let table = dir.run(&args).csv();
        for r in &table.rows {
            let obj: serde_json::Map<String, Value> = r
                .iter()
                .map(|(k, v)| (k.clone(), Value::String(v.clone())))
                .collect();
            assert_valid(&csv_row, "a CSV decision", &Value::Object(obj));
        }
        // The columns written are the schema's, in its order.
        let listed: Vec<&str> = schema["$defs"]["csv_decision"]["x-columns"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_str().unwrap())
            .filter(|c| table.header.iter().any(|h| h == c))
            .collect();
        assert_eq!(listed, table.header);
    }
    // Rejects, as the rejects file's rows.
    let rejects = Table::read(&dir.join("r.csv"));
    for r in &rejects.rows {
        let obj: serde_json::Map<String, Value> = r
            .iter()
            .map(|(k, v)| {
                let v = match k.as_str() {
                    "line" => json!(v.parse::<u64>().unwrap()),
                    _ => json!(v),
                };
                (k.clone(), v)
            })
            .collect();
        assert_valid(&reject, "a reject", &Value::Object(obj));
    }
    // Stage records.
    let (header, rows) = sample_rows();
    let out = dir.run_stdin(&["assess", "--stage"], &to_ndjson(&header, &rows));
    for r in out.ndjson() {
        assert_valid(&whole, "a stage record", &r);
    }
    // A field the writer adds but the schema lacks would fail.
    let mut d = dir.run(&["assess", file, "-f", "ndjson", "-q"]).ndjson()[0].clone();
    d["new_field"] = json!(1);
    assert!(!decision.is_valid(&d));
}

/// A ranking policy's `decile` and the community overrides' fields are in
/// the schema: real output with both validates, and the decile is required.
#[test]
fn ranking_and_overrides_output_validates_against_schema_output() {
    let dir = Dir::new();
    let policy = repo("examples/policies/desil-income.toml");
    let sample = repo("examples/policies/desil-income-sample.csv");
    let out = dir.run(&["schema", "--output", "--policy", &policy]);
    out.assert_code(0);
    let schema: Value = serde_json::from_str(&out.stdout).unwrap();
    let decision = validator(&schema, "decision");
    let rows = dir
        .run(&["assess", &sample, "--policy", &policy, "-f", "ndjson", "-q"])
        .ndjson();
    assert!(!rows.is_empty());
    for d in &rows {
        assert!(d["decile"].as_u64().is_some_and(|k| (1..=10).contains(&k)));
        assert_valid(&decision, "a ranked decision", d);
    }
    let mut d = rows[0].clone();
    d.as_object_mut().unwrap().remove("decile");
    assert!(
        !decision.is_valid(&d),
        "decile is required of a ranking policy"
    );

    // The default policy with community overrides.
    let out = dir.run(&["schema", "--output"]);
    let schema: Value = serde_json::from_str(&out.stdout).unwrap();
    let decision = validator(&schema, "decision");
    let overrides = repo("examples/musyawarah-overrides.csv");
    let households = repo("data/sample-households.csv");
    let out = dir.run(&[
        "assess",
        &households,
        "--overrides",
        &overrides,
        "--as-of",
        "2025-06-01",
        "-f",
        "ndjson",
        "-q",
    ]);
    let rows = out.ndjson();
    assert!(rows.iter().any(|d| d["overridden"] == json!(true)));
    for d in &rows {
        assert_valid(&decision, "an overridden decision", d);
    }
}
