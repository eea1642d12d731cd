//! `layak validate`: counts, rejects by reason and by column, missing and unused columns.

use crate::snapshot::assert_snapshot;
use crate::util::{Dir, repo, run_at};
use std::path::Path;

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

#[test]
fn summarises_the_sample() {
    let out = run_at(root(), &["validate", "data/sample-households.csv"], None);
    out.assert_code(3);
    assert_snapshot("validate-sample.txt", &out.stdout);
}

#[test]
fn json_counts_reconcile() {
    let out = run_at(
        root(),
        &["validate", "data/sample-households.csv", "-f", "json"],
        None,
    );
    out.assert_code(3);
    let doc: serde_json::Value = serde_json::from_str(&out.stdout).unwrap_or_else(|e| out.fail(e));
    assert_eq!(doc["rows_read"], 69);
    assert_eq!(doc["valid"], 41);
    assert_eq!(doc["rejected"], 28);
    // Every bad cell is counted: the sample's H057 has two (area and members).
    assert_eq!(doc["problems"], 29);
    let by_code = doc["rejects_by_code"].as_object().unwrap();
    let sum: u64 = by_code.values().map(|v| v["count"].as_u64().unwrap()).sum();
    assert_eq!(sum, 29);
    assert_eq!(
        by_code["duplicate_id"]["first_lines"],
        serde_json::json!([58, 60])
    );
    let by_column = doc["rejects_by_column"].as_object().unwrap();
    let sum: u64 = by_column
        .values()
        .map(|v| v["count"].as_u64().unwrap())
        .sum();
    assert_eq!(sum, 29);
}

#[test]
fn agrees_with_assess_on_the_rejects() {
    let dir = Dir::new();
    let sample = repo("data/sample-households.csv");
    dir.run(&["validate", &sample, "--first-error", "--rejects", "v.csv"])
        .assert_code(3);
    dir.run(&["assess", &sample, "-q", "-o", "d.csv", "--rejects", "a.csv"])
        .assert_code(3);
    assert_eq!(dir.read("v.csv"), dir.read("a.csv"));
    // Every bad cell: the same rows, and one more line for H057's second bad cell.
    dir.run(&["validate", &sample, "--rejects", "all.csv"])
        .assert_code(3);
    let first = dir.read("a.csv");
    let all = dir.read("all.csv");
    let extra: Vec<&str> = all
        .lines()
        .filter(|l| !first.lines().any(|f| f == *l))
        .collect();
    assert_eq!(extra.len(), 1, "{all}");
    assert!(extra[0].starts_with("63,H057,members,0,out_of_range"));
}

#[test]
fn reports_missing_and_unused_columns() {
    let dir = Dir::new();
    dir.write(
        "s.csv",
        "household_id,members,monthly_income,_uuid,start\nA,2,100\nB,3,200\n",
    );
    let out = dir.run(&["validate", "s.csv"]);
    out.assert_code(3); // rows have 3 fields, the header 5
    let dir2 = Dir::new();
    dir2.write(
        "s.csv",
        "household_id,members,monthly_income,_uuid,start\nA,2,100,u1,t\nB,3,200,u2,t\n",
    );
    let out = dir2.run(&["validate", "s.csv"]);
    out.assert_code(0)
        .stdout_has("2 rows read = 2 valid + 0 rejected")
        .stdout_has("columns the policy does not use:")
        .stdout_has("_uuid, start")
        .stdout_has("missing columns (every row takes the default):")
        .stdout_has("working_age_able");
}

// See: issue 21 ("`validate` reports only the first bad cell of each row").
#[test]
fn validate_reports_every_bad_cell_of_a_row() {
    let dir = Dir::new();
    dir.write(
        "in.csv",
        "household_id,area,members,monthly_income,meals_per_day\n\
         A1,urban,x,-5,2\n\
         A2,town,3,100,2\n\
         A3,urban,3,100,2\n\
         A3,rural,y,100,2\n",
    );
    let out = dir.run(&["validate", "in.csv", "--rejects", "rej.csv"]);
    out.assert_code(3);
    out.stdout_has("4 rows read = 1 valid + 3 rejected");
    out.stdout_has("every bad cell of a row: 5 problems in 3 rows");
    out.stdout_has("members                             2  lines 2, 5");
    out.stdout_has("monthly_income                      1  lines 2");
    let rejects = dir.read("rej.csv");
    let lines: Vec<&str> = rejects.lines().skip(1).collect();
    assert_eq!(lines.len(), 5, "{rejects}");
    // In input order; a row's problems in declared order, its first one first.
    let starts: Vec<&str> = lines.iter().map(|l| &l[..l.find(',').unwrap()]).collect();
    assert_eq!(starts, ["2", "2", "3", "5", "5"], "{rejects}");
    assert!(lines[0].contains("members") && lines[1].contains("monthly_income"));
    assert!(lines[3].contains("duplicate_id") && lines[4].contains("members"));
    let json = dir.run(&["validate", "in.csv", "--format", "json"]);
    json.stdout_has("\"problems\": 5")
        .stdout_has("\"rejected\": 3");
    // --first-error: one problem a row, as assess reports them.
    let first = dir.run(&[
        "validate",
        "in.csv",
        "--first-error",
        "--rejects",
        "rej1.csv",
    ]);
    first.assert_code(3);
    first.stdout_has("4 rows read = 1 valid + 3 rejected");
    assert!(!first.stdout.contains("every bad cell"));
    assert_eq!(dir.read("rej1.csv").lines().count(), 1 + 3);
}
