//! Household files with problems: fatal ones (exit 1, nothing decided) and
//! per-row rejects (exit 3, every row accounted for, with its line number).

use crate::util::{Dir, MIN_HEADER, Output, Table, lines};

/// Run `assess in.csv --rejects rej.csv` on `input`; return the run, the
/// decisions (stdout) and the rejects file.
fn assess_with_rejects(input: &str) -> (Output, Table, Table) {
    let dir = Dir::new();
    dir.write("in.csv", input);
    let out = dir.run(&["assess", "in.csv", "--rejects", "rej.csv"]);
    out.no_panic();
    let decisions = out.csv();
    let rejects = Table::read(&dir.join("rej.csv"));
    // Nothing lost: the count line agrees with the files.
    let c = out.counts();
    assert_eq!(
        c.decided,
        decisions.rows.len() as u64,
        "decided vs stdout rows\n{out}"
    );
    assert_eq!(
        c.rejected,
        rejects.rows.len() as u64,
        "rejected vs rej.csv rows\n{out}"
    );
    (out, decisions, rejects)
}

/// The rejects as `(line, household_id, column, code)`.
fn summary(rejects: &Table) -> Vec<(String, String, String, String)> {
    rejects
        .rows
        .iter()
        .map(|r| {
            (
                r["line"].clone(),
                r["household_id"].clone(),
                r["column"].clone(),
                r["code"].clone(),
            )
        })
        .collect()
}

fn rej(line: u32, id: &str, column: &str, code: &str) -> (String, String, String, String) {
    (line.to_string(), id.into(), column.into(), code.into())
}

#[test]
fn missing_required_column_is_fatal_and_lists_the_header() {
    let dir = Dir::new();
    dir.write("in.csv", "household_id,area,monthly_income\nA,rural,100\n");
    let out = dir.run(&["assess", "in.csv", "-o", "out.csv"]);
    out.assert_code(1)
        .stderr_has("in.csv")
        .stderr_has("`members`")
        .stderr_has("household_id, area, monthly_income")
        .no_panic();
    assert_eq!(out.stdout, "");
    assert!(!dir.exists("out.csv"));
}

#[test]
fn unknown_enum_value_names_the_allowed_values() {
    let (out, decisions, rejects) =
        assess_with_rejects(&lines(&[MIN_HEADER, "A,urbn,2,100", "B,Urban,2,100"]));
    out.assert_code(3);
    assert_eq!(decisions.column("household_id"), ["B"]);
    assert_eq!(summary(&rejects), [rej(2, "A", "area", "invalid_value")]);
    let reason = &rejects.rows[0]["reason"];
    assert!(reason.contains("urban, rural"), "reason {reason:?}");
    assert!(reason.contains("urbn"), "reason {reason:?}");
    assert_eq!(rejects.rows[0]["value"], "urbn");
}

#[test]
fn ragged_rows_are_field_count_rejects_on_their_lines() {
    let (out, decisions, rejects) = assess_with_rejects(&lines(&[
        MIN_HEADER,
        "A,rural,2,100",
        "B,rural,2",
        "C,rural,2,100",
        "D,rural,2,100,extra",
        "E,rural,2,100",
    ]));
    out.assert_code(3).assert_counts(5, 3, 2);
    assert_eq!(decisions.column("household_id"), ["A", "C", "E"]);
    assert_eq!(
        summary(&rejects),
        [
            rej(3, "B", "", "field_count"),
            rej(5, "D", "", "field_count")
        ]
    );
    assert!(rejects.rows[0]["reason"].contains("3 fields but the header has 4"));
    assert!(rejects.rows[1]["reason"].contains("5 fields but the header has 4"));
}

#[test]
fn duplicate_id_names_the_line_that_claimed_it() {
    let (out, decisions, rejects) = assess_with_rejects(&lines(&[
        MIN_HEADER,
        "A,rural,2,100",
        "B,rural,0,100",
        "A,rural,3,100",
        "B,rural,2,100",
        "C,rural,2",
        "C,rural,2,100",
    ]));
    out.assert_code(3).assert_counts(6, 2, 4);
    // A rejected row still claims its id (B); a ragged row claims nothing (C).
    assert_eq!(decisions.column("household_id"), ["A", "C"]);
    assert_eq!(
        summary(&rejects),
        [
            rej(3, "B", "members", "out_of_range"),
            rej(4, "A", "household_id", "duplicate_id"),
            rej(5, "B", "household_id", "duplicate_id"),
            rej(6, "C", "", "field_count"),
        ]
    );
    assert!(rejects.rows[1]["reason"].contains("already appeared on line 2"));
    assert!(rejects.rows[2]["reason"].contains("already appeared on line 3"));
}

#[test]
fn bad_boolean_is_rejected_and_synonyms_are_accepted() {
    let header = format!("{MIN_HEADER},health_insurance");
    let mut rows = vec![header.as_str()];
    let good = [
        "A,rural,2,100,ya",
        "B,rural,2,100,Tidak",
        "C,rural,2,100, Y ",
        "D,rural,2,100,n",
        "E,rural,2,100,1",
        "F,rural,2,100,0",
        "G,rural,2,100,TRUE",
        "H,rural,2,100,no",
    ];
    rows.extend(good);
    rows.push("X,rural,2,100,maybe");
    let (out, decisions, rejects) = assess_with_rejects(&lines(&rows));
    out.assert_code(3).assert_counts(9, 8, 1);
    assert_eq!(decisions.rows.len(), good.len());
    assert_eq!(
        summary(&rejects),
        [rej(10, "X", "health_insurance", "invalid_value")]
    );
    assert!(
        rejects.rows[0]["reason"].contains("yes/no"),
        "{:?}",
        rejects.rows[0]
    );
    // The uninsured households (Tidak, n, 0, no) are deprived in health cover.
    let uninsured: Vec<&str> = decisions
        .rows
        .iter()
        .filter(|r| r["deprived"].split(';').any(|d| d == "health_cover"))
        .map(|r| r["household_id"].as_str())
        .collect();
    assert_eq!(uninsured, ["B", "D", "F", "H"]);
}

#[test]
fn negative_money_must_be_at_least_zero() {
    let (out, _, rejects) = assess_with_rejects(&lines(&[MIN_HEADER, "A,rural,2,-5"]));
    out.assert_code(3).assert_counts(1, 0, 1);
    assert_eq!(
        summary(&rejects),
        [rej(2, "A", "monthly_income", "out_of_range")]
    );
    let reason = &rejects.rows[0]["reason"];
    assert!(reason.contains("must be ≥ 0"), "reason {reason:?}");
}

#[test]
fn empty_file_is_fatal_with_a_clear_message() {
    let dir = Dir::new();
    for (name, text) in [("empty.csv", ""), ("blank.csv", "\n\n  \n")] {
        dir.write(name, text);
        let out = dir.run(&["assess", name, "-o", "out.csv"]);
        out.assert_code(1)
            .stderr_has(name)
            .stderr_has("empty")
            .no_panic();
        assert_eq!(out.stdout, "");
        assert!(!dir.exists("out.csv"));
    }
}

#[test]
fn header_only_file_decides_nothing() {
    let dir = Dir::new();
    dir.write("in.csv", lines(&[MIN_HEADER]));
    let csv = dir.run(&["assess", "in.csv"]);
    csv.assert_code(0).assert_counts(0, 0, 0);
    assert_eq!(
        csv.stdout.lines().count(),
        1,
        "CSV should be the header alone"
    );
    assert!(csv.stdout.starts_with("household_id,region,"));
    let json = dir.run(&["assess", "in.csv", "--format", "json"]);
    json.assert_code(0);
    assert!(json.json_array().is_empty());
    assert_eq!(json.stdout.trim(), "[]");
    let ndjson = dir.run(&["assess", "in.csv", "--format", "ndjson"]);
    ndjson.assert_code(0);
    assert_eq!(ndjson.stdout, "");
}

#[test]
fn blank_lines_are_skipped_but_counted_in_line_numbers() {
    let (out, decisions, rejects) = assess_with_rejects(&lines(&[
        MIN_HEADER,
        "A,rural,2,100",
        "",
        "B,rural,2,100",
        "C,rural,0,100",
        "",
        "",
        "D,rural,2,100",
        "E,rural,2,100",
        "F,rural,51,100",
    ]));
    out.assert_code(3).assert_counts(6, 4, 2);
    assert_eq!(decisions.column("household_id"), ["A", "B", "D", "E"]);
    assert_eq!(
        summary(&rejects),
        [
            rej(5, "C", "members", "out_of_range"),
            rej(10, "F", "members", "out_of_range")
        ]
    );
}

// See: issue 2 (a bug found while writing its tests, now fixed). The csv reader gives the
// position where it started reading, before it skipped the blank lines, so a
// record right after blank lines is reported on the first blank line.
#[test]
fn reject_right_after_a_blank_line_has_its_own_line_number() {
    let (_, _, rejects) = assess_with_rejects(&lines(&[
        MIN_HEADER,
        "A,rural,2,100",
        "",
        "B,rural,0,100",
        "",
        "",
        "A,rural,2,100",
    ]));
    assert_eq!(
        summary(&rejects),
        [
            rej(4, "B", "members", "out_of_range"),
            rej(7, "A", "household_id", "duplicate_id")
        ]
    );
}

#[test]
fn crlf_line_endings_work() {
    let rows = [
        MIN_HEADER,
        "A,rural,2,100",
        "B,urban,4,3000000",
        "C,rural,3,900000",
    ];
    let dir = Dir::new();
    dir.write("lf.csv", lines(&rows));
    dir.write("crlf.csv", format!("{}\r\n", rows.join("\r\n")));
    let lf = dir.run(&["assess", "lf.csv"]);
    let crlf = dir.run(&["assess", "crlf.csv"]);
    crlf.assert_code(0).assert_counts(3, 3, 0);
    // The last column (monthly_income) must not keep a `\r`.
    assert_eq!(crlf.stdout, lf.stdout);
}

// See: issue 2 (a bug found while writing its tests, now fixed). With `\r\n` line endings
// every reject after the header is reported one line too early.
#[test]
fn crlf_reject_line_numbers_are_right() {
    let rows = [
        MIN_HEADER,
        "A,rural,2,100",
        "B,rural,2,100",
        "C,rural,0,100",
    ];
    let (_, _, rejects) = assess_with_rejects(&format!("{}\r\n", rows.join("\r\n")));
    assert_eq!(summary(&rejects), [rej(4, "C", "members", "out_of_range")]);
}

#[test]
fn last_row_without_trailing_newline_is_read() {
    let dir = Dir::new();
    dir.write(
        "in.csv",
        format!("{MIN_HEADER}\nA,rural,2,100\nB,rural,4,2000000"),
    );
    let out = dir.run(&["assess", "in.csv"]);
    out.assert_code(0).assert_counts(2, 2, 0);
    let csv = out.csv();
    assert_eq!(csv.column("household_id"), ["A", "B"]);
    assert_eq!(csv.row("B")["per_capita_income"], "500000.00");
    // A rejected last row keeps its line number too.
    let (out, _, rejects) =
        assess_with_rejects(&format!("{MIN_HEADER}\nA,rural,2,100\nB,rural,0,1"));
    out.assert_code(3);
    assert_eq!(summary(&rejects), [rej(3, "B", "members", "out_of_range")]);
}

#[test]
fn every_row_ends_as_one_decision_or_one_reject() {
    let header =
        format!("{MIN_HEADER},school_age_children,children_not_in_school,shock_months_ago");
    let (out, decisions, rejects) = assess_with_rejects(&lines(&[
        &header,
        "A,rural,2,100,0,0,0",
        ",rural,2,100,0,0,0",
        "B,rural,,100,0,0,0",
        "C,rural,2,1.500.000,0,0,0",
        "D,rural,2,100,1,2,0",
        "E,rural,2,100,0,0,601",
        "F,rural,2,100,0,0",
        "A,rural,2,100,0,0,0",
        "G,\"ru",
        "ral\",2,100,0,0,0",
        "",
        "H,urban,3,\"1500000\",1,0,6",
    ]));
    out.assert_code(3).assert_counts(10, 2, 8);
    assert_eq!(decisions.column("household_id"), ["A", "H"]);
    // A quoted cell spanning two lines: the reject is on the line it starts.
    assert_eq!(
        summary(&rejects),
        [
            rej(3, "", "household_id", "missing_required"),
            rej(4, "B", "members", "missing_required"),
            rej(5, "C", "monthly_income", "invalid_value"),
            rej(6, "D", "school_attendance", "check_failed"),
            rej(7, "E", "shock_months_ago", "out_of_range"),
            rej(8, "F", "", "field_count"),
            rej(9, "A", "household_id", "duplicate_id"),
            rej(10, "G", "area", "invalid_value"),
        ]
    );
}
