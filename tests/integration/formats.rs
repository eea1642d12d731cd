//! Every input format layak reads gives the same decisions, rejects and
//! summary as the CSV it was made from (issue 14, "Done means"): from
//! `data/sample-households.csv`, its `.csv.gz`, `.csv.zst`, UTF-16 LE and BE
//! text with a byte-order mark, tab-separated (Excel's "Unicode text"), and
//! Parquet with string columns and with typed columns. Only the input's name
//! and size in the summary may differ.
//!
//! A Parquet table is rectangular and numbers its rows, not lines: its rows
//! are the sample's records that have the header's number of fields and no
//! line break in a cell, compared with exactly those records as CSV (one
//! line each, so that line N is row N - 1 in both).
// See: issue 14 (input formats, "Done means").

use std::io::Write;
use std::sync::Arc;

use arrow_array::{ArrayRef, BooleanArray, Int64Array, StringArray};

use crate::parquet_input::parquet;
use crate::util::{Dir, repo};

const AS_OF: &str = "2026-06-01";

/// What a run wrote, the input's name and size masked.
#[derive(Debug, PartialEq)]
struct Written {
    code: i32,
    decisions: String,
    rejects: String,
    summary: serde_json::Value,
    closing: String,
}

fn assess(dir: &Dir, input: &str) -> Written {
    for f in ["out.csv", "rej.csv", "sum.json"] {
        let _ = std::fs::remove_file(dir.join(f));
    }
    let out = dir.run(&[
        "assess",
        input,
        "-o",
        "out.csv",
        "--rejects",
        "rej.csv",
        "--summary",
        "sum.json",
        "--by",
        "area",
        "--as-of",
        AS_OF,
    ]);
    out.no_panic();
    let mut summary: serde_json::Value =
        serde_json::from_str(&dir.read("sum.json")).expect("a JSON summary");
    summary["input"] = serde_json::Value::Null;
    Written {
        code: out.code,
        decisions: dir.read("out.csv"),
        rejects: dir.read("rej.csv"),
        summary,
        closing: out.stderr.replace(input, "INPUT"),
    }
}

fn gzip(data: &[u8]) -> Vec<u8> {
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    e.write_all(data).expect("compressed");
    e.finish().expect("compressed")
}

/// UTF-16 with a byte-order mark.
fn utf16(text: &str, big_endian: bool) -> Vec<u8> {
    std::iter::once(0xFEFF)
        .chain(text.encode_utf16())
        .flat_map(|u| {
            if big_endian {
                u.to_be_bytes()
            } else {
                u.to_le_bytes()
            }
        })
        .collect()
}

/// The CSV text with its delimiters (commas outside quotes) made tabs, every
/// line and quote kept, and a cell holding a tab quoted: Excel's "Unicode
/// text" layout.
fn tab_separated(text: &str) -> String {
    let mut out = String::new();
    let mut field = String::new();
    let mut quoted = false;
    let flush = |field: &mut String, out: &mut String| {
        if field.contains('\t') && !field.starts_with('"') {
            out.push('"');
            out.push_str(field);
            out.push('"');
        } else {
            out.push_str(field);
        }
        field.clear();
    };
    for c in text.chars() {
        match c {
            '"' => {
                quoted = !quoted;
                field.push(c);
            }
            ',' if !quoted => {
                flush(&mut field, &mut out);
                out.push('\t');
            }
            '\n' if !quoted => {
                flush(&mut field, &mut out);
                out.push('\n');
            }
            c => field.push(c),
        }
    }
    flush(&mut field, &mut out);
    out
}

#[test]
fn compressed_and_utf16_copies_of_the_sample_decide_byte_for_byte_alike() {
    let dir = Dir::new();
    let text = std::fs::read_to_string(repo("data/sample-households.csv")).expect("the sample");
    dir.write("h.csv", &text);
    let want = assess(&dir, "h.csv");
    assert_eq!(want.code, 3);
    assert_eq!(want.decisions.lines().count(), 42, "{}", want.decisions);
    assert!(want.rejects.lines().count() > 28, "{}", want.rejects);
    let tsv = tab_separated(&text);
    assert_eq!(
        tsv.lines().next().map(|h| h.matches('\t').count()),
        Some(23)
    );
    let cases: Vec<(&str, Vec<u8>)> = vec![
        ("h.csv.gz", gzip(text.as_bytes())),
        (
            "h.csv.zst",
            zstd::encode_all(text.as_bytes(), 3).expect("zstd"),
        ),
        ("h-utf16le.txt", utf16(&tsv, false)),
        ("h-utf16be.txt", utf16(&tsv, true)),
    ];
    for (name, bytes) in cases {
        dir.write(name, bytes);
        assert_eq!(assess(&dir, name), want, "{name}");
    }
}

/// The sample's records that a table can hold: the header's number of
/// fields, no line break in a cell.
fn rectangular_sample() -> (Vec<String>, Vec<Vec<String>>) {
    let mut reader = csv::ReaderBuilder::new()
        .flexible(true)
        .from_path(repo("data/sample-households.csv"))
        .expect("the sample");
    let header: Vec<String> = reader
        .headers()
        .expect("a header")
        .iter()
        .map(str::to_string)
        .collect();
    let rows = reader
        .records()
        .map(|r| r.expect("a record"))
        .filter(|r| r.len() == header.len() && !r.iter().any(|c| c.contains(['\n', '\r'])))
        .map(|r| r.iter().map(str::to_string).collect())
        .collect();
    (header, rows)
}

/// A column of integers when every cell is one written as Int64 writes it
/// (so its text comes back the same), booleans when every cell is a valid
/// boolean; otherwise strings. Empty cells are nulls.
fn typed_column(cells: &[&str]) -> ArrayRef {
    let filled = || cells.iter().filter(|c| !c.is_empty());
    let canonical_int = |c: &&&str| c.parse::<i64>().is_ok_and(|v| v.to_string() == ***c);
    if filled().count() > 0 && filled().all(|c| canonical_int(&c)) {
        return Arc::new(
            cells
                .iter()
                .map(|c| c.parse::<i64>().ok())
                .collect::<Int64Array>(),
        );
    }
    // Booleans in any of the spellings CSV cells take: a valid boolean cell
    // is never quoted in a reject, so only its value matters.
    let boolean = |c: &str| match c.trim().to_ascii_lowercase().as_str() {
        "true" | "yes" | "y" | "1" | "ya" => Some(true),
        "false" | "no" | "n" | "0" | "tidak" => Some(false),
        _ => None,
    };
    if filled().count() > 0 && filled().all(|c| boolean(c).is_some()) {
        return Arc::new(cells.iter().map(|c| boolean(c)).collect::<BooleanArray>());
    }
    strings_column(cells)
}

fn strings_column(cells: &[&str]) -> ArrayRef {
    Arc::new(
        cells
            .iter()
            .map(|c| (!c.is_empty()).then_some(*c))
            .collect::<StringArray>(),
    )
}

#[test]
fn parquet_copies_of_the_sample_decide_as_its_csv() {
    let dir = Dir::new();
    let (header, rows) = rectangular_sample();
    assert_eq!(
        rows.len(),
        66,
        "the sample less 2 short or long rows and 1 with a line break"
    );
    let mut csv_out = csv::Writer::from_writer(Vec::new());
    csv_out.write_record(&header).expect("a header");
    for r in &rows {
        csv_out.write_record(r).expect("a row");
    }
    dir.write("h.csv", csv_out.into_inner().expect("CSV text"));
    let want = assess(&dir, "h.csv");
    assert_eq!(want.code, 3);
    // The rejects name lines, and a duplicate names the line that came first.
    assert!(
        want.rejects.contains("already appeared on line"),
        "{}",
        want.rejects
    );

    let column = |c: usize| -> Vec<&str> { rows.iter().map(|r| r[c].as_str()).collect() };
    let mut typed_kinds = Vec::new();
    for typed in [false, true] {
        let columns: Vec<(&str, ArrayRef)> = header
            .iter()
            .enumerate()
            .map(|(c, name)| {
                let cells = column(c);
                let array = if typed {
                    typed_column(&cells)
                } else {
                    strings_column(&cells)
                };
                if typed {
                    typed_kinds.push(format!("{name}: {}", array.data_type()));
                }
                (name.as_str(), array)
            })
            .collect();
        // Row groups of 16 rows: the rows cross them.
        let name = if typed {
            "typed.parquet"
        } else {
            "strings.parquet"
        };
        dir.write(name, parquet(columns, 16));
        assert_eq!(assess(&dir, name), want, "{name}");
    }
    // The typed copy has typed columns (the sample's broken cells keep a few
    // columns strings).
    let kinds = typed_kinds.join(", ");
    for expected in [
        "region: Int64",
        "children_not_in_school: Int64",
        "electricity: Boolean",
    ] {
        assert!(kinds.contains(expected), "{kinds}");
    }
}
