//! `layak explain`: one household's trace, for a person and as JSON.

use crate::snapshot::assert_snapshot;
use crate::util::{Dir, repo, run_at};
use std::path::Path;

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

#[test]
fn explains_a_capped_long_term_household_step_by_step() {
    let out = run_at(
        root(),
        &[
            "explain",
            "--detail",
            "data/sample-households.csv",
            "--id",
            "H022",
            "--as-of",
            "2025-06-01",
        ],
        None,
    );
    out.assert_code(0);
    assert_snapshot("explain-H022.txt", &out.stdout);
}

#[test]
fn json_trace_carries_the_same_decision() {
    let out = run_at(
        root(),
        &[
            "explain",
            "--detail",
            "data/sample-households.csv",
            "--id",
            "H022",
            "--format",
            "json",
        ],
        None,
    );
    out.assert_code(0);
    let doc: serde_json::Value = serde_json::from_str(&out.stdout).unwrap_or_else(|e| out.fail(e));
    let trace = &doc["trace"];
    assert_eq!(doc["line"], 24);
    assert_eq!(trace["track"]["id"], "long_term_support");
    let programs = trace["programs"].as_array().unwrap();
    assert_eq!(programs.len(), 6);
    let pension = programs
        .iter()
        .find(|p| p["id"] == "social_pension")
        .unwrap();
    assert_eq!(pension["status"], "granted");
    assert_eq!(pension["amount"], 0.0);
    assert_eq!(pension["capped_from"], 200000.0);
    assert_eq!(
        trace["deprivation"]["indicators"].as_array().unwrap().len(),
        10
    );
    assert_eq!(trace["inputs"].as_array().unwrap().len(), 27);
    assert_eq!(trace["monthly_total"], 1200000.0);
}

#[test]
fn agrees_with_assess_for_every_sample_household() {
    // The trace is read from the same evaluation as `assess`: track and totals match.
    let assess = run_at(
        root(),
        &["assess", "data/sample-households.csv", "-q", "-f", "ndjson"],
        None,
    );
    for line in assess.stdout.lines() {
        let d: serde_json::Value = serde_json::from_str(line).unwrap();
        let id = d["household_id"].as_str().unwrap();
        let out = run_at(
            root(),
            &[
                "explain",
                "--detail",
                "data/sample-households.csv",
                "--id",
                id,
                "-f",
                "json",
            ],
            None,
        );
        out.assert_code(0);
        let t: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
        assert_eq!(t["trace"]["track"]["id"], d["track"], "{id}");
        let num = |v: &serde_json::Value| v.as_f64().unwrap();
        assert_eq!(
            num(&t["trace"]["monthly_total"]),
            num(&d["monthly_total"]),
            "{id}"
        );
        assert_eq!(
            num(&t["trace"]["one_off_total"]),
            num(&d["one_off_total"]),
            "{id}"
        );
        assert_eq!(num(&t["trace"]["priority"][0]), num(&d["priority"]), "{id}");
    }
}

#[test]
fn an_unknown_id_lists_close_ids() {
    let out = run_at(
        root(),
        &[
            "explain",
            "--detail",
            "data/sample-households.csv",
            "--id",
            "H0022",
        ],
        None,
    );
    out.assert_code(1)
        .stderr_has("household `H0022` is not in the file")
        .stderr_has("close ids: ")
        .stderr_has("H022");
}

#[test]
fn a_rejected_row_is_explained_as_a_reject() {
    let out = run_at(
        root(),
        &[
            "explain",
            "--detail",
            "data/sample-households.csv",
            "--line",
            "46",
        ],
        None,
    );
    out.assert_code(3)
        .stdout_has("is not decided: the row is rejected")
        .stdout_has("must be ≥ 1");
}

#[test]
fn needs_an_id_or_a_line() {
    let dir = Dir::new();
    let out = dir.run(&["explain", "--detail", &repo("data/sample-households.csv")]);
    out.assert_code(2).stderr_has("--id ID or --line N");
}

#[test]
fn marks_defaulted_inputs() {
    let dir = Dir::new();
    dir.write(
        "h.csv",
        "household_id,members,monthly_income\nA1,2,100000\n",
    );
    let out = dir.run(&["explain", "--detail", "h.csv", "--id", "A1"]);
    out.assert_code(0);
    let line = out
        .stdout
        .lines()
        .find(|l| l.contains("working_age_able"))
        .unwrap_or_else(|| out.fail("no working_age_able line"));
    assert!(line.trim_start().starts_with('*'), "{line}");
    let members = out
        .stdout
        .lines()
        .find(|l| l.contains(" members "))
        .unwrap();
    assert!(!members.trim_start().starts_with('*'), "{members}");
}
