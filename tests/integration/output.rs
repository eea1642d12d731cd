//! What the decisions and rejects look like: formula-injection safety,
//! the rejects file, rejects on stderr, capped and deferred programs, reasons.

use std::path::Path;

use serde_json::Value;

use crate::util::{Dir, Table, repo};

/// Text cells a spreadsheet would run as formulas, in the id and region columns.
const INJECTION: &str = r#"household_id,region,area,members,monthly_income
"=HYPERLINK(""http://x"")",@SUM(A1),rural,2,100
P1,+62,rural,2,100
M1,-1,rural,2,100
@bad,5201,rural,0,100
T1,3201,=1+1,2,100
"#;

#[test]
fn formula_cells_are_neutralised_in_csv_decisions() {
    let dir = Dir::new();
    dir.write("in.csv", INJECTION);
    let out = dir.run(&["assess", "in.csv", "--rejects", "rej.csv"]);
    out.assert_code(3).assert_counts(5, 3, 2);
    let csv = out.csv();
    assert_eq!(
        csv.column("household_id"),
        ["'=HYPERLINK(\"http://x\")", "P1", "M1"]
    );
    assert_eq!(csv.column("region"), ["'@SUM(A1)", "'+62", "'-1"]);
    // Only text copied from the input is touched.
    assert!(csv.column("income_status").iter().all(|s| *s == "poor"));
}

#[test]
fn formula_cells_are_neutralised_in_the_rejects_file() {
    let dir = Dir::new();
    dir.write("in.csv", INJECTION);
    dir.run(&["assess", "in.csv", "--rejects", "rej.csv"])
        .assert_code(3);
    let rejects = Table::read(&dir.join("rej.csv"));
    assert_eq!(rejects.column("household_id"), ["'@bad", "T1"]);
    assert_eq!(rejects.column("value"), ["0", "'=1+1"]);
    assert_eq!(rejects.column("line"), ["5", "6"]);
    for reason in rejects.column("reason") {
        assert!(
            !reason.starts_with(['=', '+', '-', '@']),
            "reason {reason:?} starts like a formula"
        );
    }
}

#[test]
fn formula_text_is_intact_in_json() {
    let dir = Dir::new();
    dir.write("in.csv", INJECTION);
    for format in ["json", "ndjson"] {
        let out = dir.run(&["assess", "in.csv", "--format", format]);
        out.assert_code(3);
        let decisions = if format == "json" {
            out.json_array()
        } else {
            out.ndjson()
        };
        let ids: Vec<&Value> = decisions.iter().map(|d| &d["household_id"]).collect();
        assert_eq!(ids, ["=HYPERLINK(\"http://x\")", "P1", "M1"], "{format}");
        let regions: Vec<&Value> = decisions.iter().map(|d| &d["region"]).collect();
        assert_eq!(regions, ["@SUM(A1)", "+62", "-1"], "{format}");
    }
}

#[test]
fn rejects_file_has_the_documented_header() {
    let dir = Dir::new();
    dir.write("in.csv", INJECTION);
    dir.run(&["assess", "in.csv", "--rejects", "rej.csv"])
        .assert_code(3);
    let text = dir.read("rej.csv");
    assert_eq!(
        text.lines().next(),
        Some("line,household_id,column,value,code,reason")
    );
    // Even without rejects the file exists, with its header.
    dir.write("ok.csv", "household_id,members,monthly_income\nA,2,100\n");
    dir.run(&["assess", "ok.csv", "--rejects", "none.csv"])
        .assert_code(0);
    assert_eq!(
        dir.read("none.csv"),
        "line,household_id,column,value,code,reason\n"
    );
}

#[test]
fn without_rejects_file_rejects_are_listed_on_stderr() {
    let dir = Dir::new();
    dir.write("in.csv", INJECTION);
    let out = dir.run(&["assess", "in.csv"]);
    out.assert_code(3);
    let rejects = out.reject_lines();
    assert_eq!(rejects.len(), 2, "{out}");
    assert!(
        rejects[0].starts_with("reject: in.csv: line 5 "),
        "{}",
        rejects[0]
    );
    assert!(rejects[0].contains("members") && rejects[0].contains("out_of_range"));
    assert!(
        rejects[1].starts_with("reject: in.csv: line 6 "),
        "{}",
        rejects[1]
    );
    assert!(rejects[1].contains("urban, rural"), "{}", rejects[1]);
    // Rejects are never mixed into the decisions.
    assert_eq!(out.csv().rows.len(), 3);
}

/// The sample's decisions as JSON, by household id.
fn sample_json(dir: &Dir) -> Vec<Value> {
    let out = dir.run(&[
        "assess",
        &repo("data/sample-households.csv"),
        "--format",
        "json",
    ]);
    out.assert_code(3);
    out.json_array()
}

fn expected_sample() -> Table {
    Table::read(Path::new(&repo("data/sample-households.expected.csv")))
}

fn by_id<'a>(decisions: &'a [Value], id: &str) -> &'a Value {
    decisions
        .iter()
        .find(|d| d["household_id"] == id)
        .unwrap_or_else(|| panic!("no decision for {id}"))
}

#[test]
fn capped_programs_carry_their_original_amount() {
    let expected = expected_sample();
    let capped: Vec<&str> = expected
        .rows
        .iter()
        .filter(|r| r["capped"] == "true")
        .map(|r| r["household_id"].as_str())
        .collect();
    assert!(!capped.is_empty(), "the sample has no capped household");
    let dir = Dir::new();
    let decisions = sample_json(&dir);
    for id in capped {
        let d = by_id(&decisions, id);
        assert_eq!(d["capped"], true, "{id}");
        let reduced: Vec<&Value> = d["programs"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|p| !p["capped_from"].is_null())
            .collect();
        assert!(
            !reduced.is_empty(),
            "{id} is capped but no program has capped_from: {d}"
        );
        for p in reduced {
            let from = p["capped_from"].as_f64().expect("capped_from is a number");
            let amount = p["amount"].as_f64().expect("amount is a number");
            assert!(
                from > amount,
                "{id}: capped_from {from} <= amount {amount} in {p}"
            );
        }
        // After the cap, the monthly granted amounts add up to the monthly total.
        let monthly: f64 = d["programs"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|p| p["status"] == "granted" && p["period"] == "month")
            .map(|p| p["amount"].as_f64().unwrap())
            .sum();
        assert_eq!(monthly, d["monthly_total"].as_f64().unwrap(), "{id}");
        assert_eq!(d["monthly_total"], 1_200_000, "{id}");
    }
}

#[test]
fn deferred_programs_are_marked_in_json_and_listed_apart_in_csv() {
    let expected = expected_sample();
    let with_deferred: Vec<_> = expected
        .rows
        .iter()
        .filter(|r| !r["deferred"].is_empty())
        .collect();
    assert!(
        !with_deferred.is_empty(),
        "the sample has no deferred program"
    );
    let dir = Dir::new();
    dir.run(&[
        "assess",
        &repo("data/sample-households.csv"),
        "-o",
        "out.csv",
    ])
    .assert_code(3);
    let csv = Table::read(&dir.join("out.csv"));
    let decisions = sample_json(&dir);
    for row in with_deferred {
        let id = row["household_id"].as_str();
        let out = csv.row(id);
        assert_eq!(out["deferred"], row["deferred"], "{id}");
        for deferred in row["deferred"].split(';') {
            assert!(
                !out["programs"].split(';').any(|p| p == deferred),
                "{id}: deferred {deferred} is also in programs {:?}",
                out["programs"]
            );
            let d = by_id(&decisions, id);
            let program = d["programs"]
                .as_array()
                .unwrap()
                .iter()
                .find(|p| p["id"] == deferred)
                .unwrap_or_else(|| panic!("{id}: no program object for {deferred}: {d}"));
            assert_eq!(program["status"], "deferred", "{id}: {program}");
            assert!(
                d["deferred"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .any(|x| x == deferred),
                "{id}: {deferred} missing from the JSON deferred list"
            );
        }
    }
    // The documented case: capacity building deferred during an emergency.
    let h002 = csv.row("H002");
    assert_eq!(h002["emergency"], "true");
    assert_eq!(h002["deferred"], "capacity_building");
}

#[test]
fn reasons_state_the_poverty_line_of_a_poor_household() {
    let dir = Dir::new();
    dir.run(&[
        "assess",
        &repo("data/sample-households.csv"),
        "-o",
        "out.csv",
    ])
    .assert_code(3);
    let csv = Table::read(&dir.join("out.csv"));
    let h001 = csv.row("H001");
    assert_eq!(h001["income_status"], "poor");
    assert!(
        h001["reasons"]
            .contains("per-capita income 400,000 is below the rural poverty line 580,349"),
        "H001 reasons: {}",
        h001["reasons"]
    );
    // Reasons are joined with ` | ` in CSV and are an array in JSON.
    let decisions = sample_json(&dir);
    let reasons = by_id(&decisions, "H001")["reasons"]
        .as_array()
        .unwrap()
        .clone();
    let joined: Vec<&str> = reasons.iter().map(|r| r.as_str().unwrap()).collect();
    assert_eq!(joined.join(" | "), h001["reasons"]);
}
