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
    let by_code = doc["rejects_by_code"].as_object().unwrap();
    let sum: u64 = by_code.values().map(|v| v["count"].as_u64().unwrap()).sum();
    assert_eq!(sum, 28);
    assert_eq!(
        by_code["duplicate_id"]["first_lines"],
        serde_json::json!([58, 60])
    );
    let by_column = doc["rejects_by_column"].as_object().unwrap();
    let sum: u64 = by_column
        .values()
        .map(|v| v["count"].as_u64().unwrap())
        .sum();
    assert_eq!(sum, 28);
}

#[test]
fn agrees_with_assess_on_the_rejects() {
    let dir = Dir::new();
    let sample = repo("data/sample-households.csv");
    dir.run(&["validate", &sample, "--rejects", "v.csv"])
        .assert_code(3);
    dir.run(&["assess", &sample, "-q", "-o", "d.csv", "--rejects", "a.csv"])
        .assert_code(3);
    assert_eq!(dir.read("v.csv"), dir.read("a.csv"));
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
