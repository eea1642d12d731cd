//! Blank rows (spaces only, or every cell empty) are skipped everywhere, and
//! the counts people read have their thousands grouped.
// See: issue 12 ("Whitespace-only lines after the header are `field_count`
// rejects") and issue 21 (Excel's trailing `;;;;;;` rows; grouped counts).

use crate::summary::generated;
use crate::util::{Dir, repo_text};

fn sample_with_blank_rows(delimiter: char) -> String {
    let sample = repo_text("data/sample-households.csv");
    let mut lines = sample.lines();
    let header = lines.next().unwrap();
    let fields = header.matches(',').count() + 1;
    let good: Vec<&str> = lines
        .filter(|l| l.starts_with("H001,") || l.starts_with("H004,"))
        .collect();
    let empty_cells = delimiter.to_string().repeat(fields - 1);
    let sep = |l: &str| l.replace(',', &delimiter.to_string());
    format!(
        "{}\n{}\n   \n\t \n{}\n{}\n{empty_cells}\n{empty_cells}\n\"\"{empty_cells}\n",
        sep(header),
        sep(good[0]),
        sep(good[1]),
        " ".repeat(3)
    )
}

#[test]
fn blank_rows_are_skipped_not_rejected() {
    let dir = Dir::new();
    for delimiter in [',', ';'] {
        dir.write("in.csv", sample_with_blank_rows(delimiter));
        let out = dir.run(&["assess", "in.csv"]);
        out.assert_code(0).no_panic();
        out.assert_counts(2, 2, 0);
        out.stderr_has("; 6 blank rows skipped");
        let v = dir.run(&["validate", "in.csv"]);
        v.assert_code(0);
        v.stdout_has("2 rows read = 2 valid + 0 rejected; 6 blank rows skipped");
        let v = dir.run(&["validate", "in.csv", "--format", "json"]);
        v.stdout_has("\"blank_rows_skipped\": 6");
    }
}

#[test]
fn a_blank_row_keeps_the_line_numbers_of_the_rows_after_it() {
    let dir = Dir::new();
    let sample = repo_text("data/sample-households.csv");
    let header = sample.lines().next().unwrap();
    let row = sample.lines().find(|l| l.starts_with("H001,")).unwrap();
    let commas = ",".repeat(header.matches(',').count());
    dir.write("in.csv", format!("{header}\n{row}\n{commas}\n{row}\n"));
    let out = dir.run(&["assess", "in.csv"]);
    out.assert_code(3);
    out.assert_counts(2, 1, 1);
    out.stderr_has("line 4").stderr_has("line 2");
    out.stderr_has("1 blank row skipped")
        .stderr_lacks("blank rows skipped");
}

#[test]
fn counts_in_the_closing_and_budget_lines_group_their_thousands() {
    let dir = Dir::new();
    dir.write("big.csv", generated(40));
    let out = dir.run(&[
        "assess",
        "big.csv",
        "-o",
        "out.csv",
        "--budget",
        "50_000_000",
    ]);
    out.assert_code(3);
    let counts = out.counts();
    assert!(counts.read > 2_000);
    out.stderr_has(&format!(
        "layak: {} rows read = ",
        layak::text::grouped(counts.read)
    ));
    let budget = out
        .stderr
        .lines()
        .find(|l| l.contains("budget 50,000,000"))
        .unwrap_or_else(|| out.fail("no budget line"));
    assert!(
        budget.contains(" of 1,") || budget.contains(" of 2,"),
        "eligible households grouped: {budget}"
    );
}
