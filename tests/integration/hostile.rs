//! The adversarial corpus in `tests/data/hostile/`: each file ends as a
//! specific reject, a clear fatal error or a clean decision, never a panic,
//! and rows read = decided + rejected.
// See: issue 6.

use crate::util::{Dir, Output, repo};

/// Run `assess` on a hostile file; returns the output, the decisions CSV and
/// the rejects as (line, code) pairs.
fn assess(dir: &Dir, file: &str) -> (Output, Vec<csv::StringRecord>, Vec<(u64, String)>) {
    let out = dir.run(&["assess", file, "-o", "out.csv", "--rejects", "rej.csv"]);
    out.no_panic();
    if out.code == 1 {
        assert!(!dir.exists("out.csv"), "a fatal error left an output file");
        return (out, Vec::new(), Vec::new());
    }
    let decisions: Vec<csv::StringRecord> = csv::Reader::from_path(dir.join("out.csv"))
        .unwrap()
        .records()
        .map(Result::unwrap)
        .collect();
    let rejects: Vec<(u64, String)> = csv::Reader::from_path(dir.join("rej.csv"))
        .unwrap()
        .records()
        .map(|r| {
            let r = r.unwrap();
            (r[0].parse().unwrap(), r[4].to_string())
        })
        .collect();
    let counts = out.counts();
    assert_eq!(counts.decided, decisions.len() as u64, "{out}");
    assert_eq!(counts.rejected, rejects.len() as u64, "{out}");
    assert_eq!(counts.read, counts.decided + counts.rejected, "{out}");
    (out, decisions, rejects)
}

fn hostile(name: &str) -> String {
    repo(&format!("tests/data/hostile/{name}"))
}

#[track_caller]
fn expect(name: &str, code: i32, decided: usize, rejects: &[(u64, &str)]) -> Output {
    let dir = Dir::new();
    let (out, d, r) = assess(&dir, &hostile(name));
    out.assert_code(code);
    assert_eq!(d.len(), decided, "{name}: decided\n{out}");
    let want: Vec<(u64, String)> = rejects.iter().map(|(l, c)| (*l, c.to_string())).collect();
    assert_eq!(r, want, "{name}: rejects\n{out}");
    out
}

#[test]
fn invalid_utf8_in_a_text_cell_is_rejected() {
    expect("invalid-utf8-cell.csv", 3, 1, &[(2, "invalid_value")]).stderr_lacks("panicked");
}

#[test]
fn invalid_utf8_in_the_header_names_no_input() {
    expect("invalid-utf8-header.csv", 0, 1, &[]).stderr_has("no column `region`");
}

#[test]
fn a_nul_byte_in_an_id_is_rejected() {
    expect("nul-byte.csv", 3, 1, &[(2, "invalid_value")]);
}

#[test]
fn ragged_rows_are_field_count_rejects() {
    expect(
        "ragged.csv",
        3,
        2,
        &[(3, "field_count"), (4, "field_count")],
    );
}

#[test]
fn an_unclosed_quote_at_the_end_is_one_short_row() {
    expect("unclosed-quote-at-eof.csv", 3, 1, &[(3, "field_count")]);
}

#[test]
fn line_endings_crlf_cr_and_mixed_count_lines_alike() {
    expect("crlf.csv", 3, 1, &[(3, "invalid_value")]);
    expect("cr-only.csv", 3, 1, &[(3, "invalid_value")]);
    expect(
        "mixed-line-endings.csv",
        3,
        1,
        &[(3, "invalid_value"), (4, "out_of_range")],
    );
}

// See: fuzz/regressions/csv_file-crlf-header-line-off-by-one.csv (found by the
// csv_file fuzz target): a header ending in CRLF followed by LF-only rows put
// every reject one line too low.
#[test]
fn a_crlf_header_with_lf_rows_counts_lines_right() {
    expect(
        "crlf-header-lf-rows.csv",
        3,
        0,
        &[(2, "invalid_value"), (3, "invalid_value")],
    );
}

#[test]
fn a_byte_order_mark_inside_the_data_is_data() {
    // In an id it is kept (an odd but valid text); in a number it is invalid.
    expect("bom-not-first-line.csv", 3, 1, &[(3, "invalid_value")]);
}

#[test]
fn numbers_outside_the_grammar_are_rejected() {
    let out = expect(
        "numbers.csv",
        3,
        3,
        &[
            (2, "invalid_value"),  // 1e400
            (3, "invalid_value"),  // NaN
            (4, "invalid_value"),  // inf
            (6, "invalid_value"),  // 1.000.000
            (7, "invalid_value"),  // 1,5
            (9, "invalid_value"),  // 0x10
            (10, "invalid_value"), // Arabic-Indic digit
            (11, "out_of_range"),  // 99999999999999999999 members
        ],
    );
    out.stderr_lacks("panicked");
}

#[test]
fn an_empty_file_is_a_clear_fatal_error() {
    let dir = Dir::new();
    let (out, _, _) = assess(&dir, &hostile("empty.csv"));
    out.assert_code(1).stderr_has("is empty");
}

#[test]
fn a_header_only_file_decides_nothing() {
    let dir = Dir::new();
    let (out, d, r) = assess(&dir, &hostile("header-only.csv"));
    out.assert_code(0);
    assert!(d.is_empty() && r.is_empty());
    assert_eq!(
        dir.read("out.csv").lines().count(),
        1,
        "the CSV header only"
    );
}

#[test]
fn a_duplicate_header_column_is_fatal() {
    let dir = Dir::new();
    let (out, _, _) = assess(&dir, &hostile("duplicate-column.csv"));
    out.assert_code(1).stderr_has("appears twice in the header");
}

#[test]
fn no_trailing_newline_is_fine() {
    expect("no-trailing-newline.csv", 0, 1, &[]);
}

#[test]
fn duplicate_ids_far_apart_are_caught() {
    let dir = Dir::new();
    let (out, d, _) = assess(&dir, &hostile("duplicate-ids-far-apart.csv"));
    out.assert_code(3);
    assert_eq!(d.len(), 3000);
    assert!(
        dir.read("rej.csv")
            .contains("`D000007` already appeared on line 9")
    );
}

#[test]
fn formulas_are_neutralised_in_csv_and_intact_in_json() {
    let dir = Dir::new();
    let (out, d, _) = assess(&dir, &hostile("formula-injection.csv"));
    out.assert_code(0);
    assert_eq!(&d[0][0], "'=HYPERLINK(\"http://x\")");
    assert_eq!(&d[0][1], "'@SUM(A1)");
    assert_eq!(&d[1][0], "'@A2");
    assert_eq!(&d[1][1], "'+62");
    let json = dir.run(&[
        "assess",
        &hostile("formula-injection.csv"),
        "-q",
        "-f",
        "ndjson",
    ]);
    let first: serde_json::Value =
        serde_json::from_str(json.stdout.lines().next().unwrap()).unwrap();
    assert_eq!(first["household_id"], "=HYPERLINK(\"http://x\")");
    assert_eq!(first["region"], "@SUM(A1)");
}

#[test]
fn a_ten_megabyte_field_is_rejected_not_kept() {
    let dir = Dir::new();
    let big = format!(
        "household_id,region,members,monthly_income\nA1,{},2,100\nA2,r,2,100\n",
        "x".repeat(10 << 20)
    );
    dir.write("big.csv", big);
    let (out, d, r) = assess(&dir, "big.csv");
    out.assert_code(3).stderr_lacks("panicked");
    assert_eq!(d.len(), 1);
    assert_eq!(r, vec![(2, "field_too_long".to_string())]);
}

#[test]
fn max_field_bytes_sets_the_limit() {
    let dir = Dir::new();
    let out = dir.run(&[
        "assess",
        &hostile("numbers.csv"),
        "--max-field-bytes",
        "4",
        "-q",
        "-o",
        "out.csv",
        "--rejects",
        "rej.csv",
    ]);
    out.assert_code(3);
    let rejects = dir.read("rej.csv");
    assert!(rejects.contains("2,A1,monthly_income,1e400,field_too_long,a cell of 5 bytes is longer than the limit of 4 bytes"), "{rejects}");
    dir.run(&["assess", &hostile("numbers.csv"), "--max-field-bytes", "0"])
        .assert_code(2);
}

#[test]
fn a_hundred_thousand_columns_are_read() {
    let dir = Dir::new();
    let mut header = String::from("household_id,members,monthly_income");
    let mut row = String::from("A1,2,100");
    for i in 0..100_000 {
        header.push_str(&format!(",c{i}"));
        row.push_str(",0");
    }
    dir.write("wide.csv", format!("{header}\n{row}\n"));
    let (out, d, _) = assess(&dir, "wide.csv");
    out.assert_code(0);
    assert_eq!(d.len(), 1);
}

#[test]
fn a_quote_that_never_closes_is_a_bounded_fatal_error() {
    let dir = Dir::new();
    let text = format!(
        "household_id,region,members,monthly_income\nA1,\"{},2,100\nA2,r,2,100\n",
        "x".repeat(17 << 20)
    );
    dir.write("runaway.csv", text);
    let (out, _, _) = assess(&dir, "runaway.csv");
    out.assert_code(1)
        .stderr_has("the record starting on line 2 is longer than")
        .stderr_has("unclosed quote");
}
