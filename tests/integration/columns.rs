//! `--columns LIST` and `--reasons text|codes|none`: the chosen columns, in
//! the chosen order, hold the full decision's values in CSV, JSON and
//! NDJSON; a policy value by name; an unknown name is a usage error with a
//! suggestion; reason codes are the documented stable ids.
// See: issue 14 (output formats: --columns, --reasons).

use crate::util::{Dir, Table, repo};

const AS_OF: &str = "2026-06-01";

fn sample() -> String {
    repo("data/sample-households.csv")
}

/// The sample's decisions with `extra` arguments, as text on standard output.
fn decide(dir: &Dir, extra: &[&str]) -> String {
    let sample = sample();
    let mut args = vec!["assess", sample.as_str(), "--as-of", AS_OF];
    args.extend_from_slice(extra);
    let out = dir.run(&args);
    out.assert_code(3).assert_counts(69, 41, 28);
    out.stdout.clone()
}

#[test]
fn chosen_columns_hold_the_full_decisions_values_in_order() {
    let dir = Dir::new();
    let full = Table::parse(&decide(&dir, &[])).unwrap();
    let chosen = "track,household_id,priority,programs,policy_hash";
    let csv = Table::parse(&decide(&dir, &["--columns", chosen])).unwrap();
    assert_eq!(csv.header, chosen.split(',').collect::<Vec<_>>());
    assert_eq!(csv.rows.len(), full.rows.len());
    for (row, all) in csv.rows.iter().zip(&full.rows) {
        for name in &csv.header {
            assert_eq!(row[name], all[name], "{name}");
        }
    }
    // JSON and NDJSON: the same fields, same values as the full objects.
    let full_json = crate::util::parse_ndjson(&decide(&dir, &["-f", "ndjson"])).unwrap();
    for format in ["json", "ndjson"] {
        let text = decide(&dir, &["-f", format, "--columns", chosen]);
        let objects = if format == "json" {
            serde_json::from_str::<Vec<serde_json::Value>>(&text).unwrap()
        } else {
            crate::util::parse_ndjson(&text).unwrap()
        };
        assert_eq!(objects.len(), full_json.len());
        for (o, all) in objects.iter().zip(&full_json) {
            let keys: Vec<&String> = o.as_object().unwrap().keys().collect();
            assert_eq!(keys.len(), 5, "{o}");
            for name in chosen.split(',') {
                assert_eq!(o[name], all[name], "{format} {name}");
            }
        }
    }
}

#[test]
fn core_and_policy_values_by_name() {
    let dir = Dir::new();
    let csv = Table::parse(&decide(
        &dir,
        &[
            "--columns",
            "core,vulnerable_members,members,recent_shock,area",
        ],
    ))
    .unwrap();
    assert_eq!(csv.header.len(), 19);
    assert_eq!(csv.header[..3], ["household_id", "region", "income_status"]);
    assert_eq!(csv.header[14], "reasons");
    // The sample's rows by id (the first with that id; it has broken rows).
    let mut reader = csv::ReaderBuilder::new()
        .flexible(true)
        .from_path(sample())
        .unwrap();
    let header: Vec<String> = reader
        .headers()
        .unwrap()
        .iter()
        .map(str::to_string)
        .collect();
    let input: Vec<std::collections::HashMap<String, String>> = reader
        .records()
        .filter_map(Result::ok)
        .map(|r| {
            header
                .iter()
                .cloned()
                .zip(r.iter().map(str::to_string))
                .collect()
        })
        .collect();
    for row in &csv.rows {
        let id = &row["household_id"];
        let Some(source) = input.iter().find(|r| r.get("household_id") == Some(id)) else {
            continue;
        };
        let count = |c: &str| source[c].trim().parse::<u64>().unwrap_or(0);
        let expected = count("young_children") + count("elderly") + count("disabled");
        assert_eq!(row["vulnerable_members"], expected.to_string(), "{id}");
        assert_eq!(row["members"], count("members").to_string(), "{id}");
        assert!(["true", "false"].contains(&row["recent_shock"].as_str()));
        assert!(["urban", "rural"].contains(&row["area"].as_str()));
    }
    // JSON: numbers are numbers, booleans booleans.
    let objects = crate::util::parse_ndjson(&decide(
        &dir,
        &[
            "-f",
            "ndjson",
            "--columns",
            "vulnerable_members,recent_shock",
        ],
    ))
    .unwrap();
    assert!(objects[0]["vulnerable_members"].is_number());
    assert!(objects[0]["recent_shock"].is_boolean());
}

#[test]
fn unknown_columns_are_usage_errors_with_a_suggestion() {
    let dir = Dir::new();
    let sample = sample();
    let out = dir.run(&["assess", &sample, "--columns", "household_id,prority"]);
    out.assert_code(2)
        .stderr_has("--columns: unknown column `prority` (did you mean `priority`?)")
        .stderr_has("the choices are: core (the 15 core columns), household_id,")
        .stderr_has("vulnerable_members");
    assert!(out.stdout.is_empty());
    dir.run(&["assess", &sample, "--columns", "track,track"])
        .assert_code(2)
        .stderr_has("`track` is named twice");
    dir.run(&[
        "assess",
        &sample,
        "--columns",
        "household_id,rank",
        "--budget",
        "1000",
    ])
    .assert_code(2)
    .stderr_has("it is added last by --budget");
}

#[test]
fn reason_codes_are_stable_ids() {
    let dir = Dir::new();
    let csv = Table::parse(&decide(
        &dir,
        &["--columns", "household_id,reasons", "--reasons", "codes"],
    ))
    .unwrap();
    let row = |id: &str| csv.row(id)["reasons"].clone();
    // Every code is one of the documented forms.
    let programs = [
        "emergency_relief",
        "food_assistance",
        "health_insurance_premium",
        "education_support",
        "social_pension",
        "capacity_building",
    ];
    for r in &csv.rows {
        for code in r["reasons"].split(';') {
            let known = [
                "income.poor",
                "income.near_poor",
                "income.not_poor",
                "emergency",
                "shock",
                "labour",
            ]
            .contains(&code)
                || code.starts_with("deprivation.")
                || code.starts_with("track.")
                || programs.iter().any(|p| {
                    code == format!("program.{p}")
                        || code == format!("program.{p}.deferred")
                        || code == format!("program.{p}.capped")
                });
            assert!(known, "{code} in {}", r["reasons"]);
        }
        assert!(r["reasons"].starts_with("income."), "{}", r["reasons"]);
        assert!(r["reasons"].contains(";track."), "{}", r["reasons"]);
    }
    let all: String = csv
        .rows
        .iter()
        .map(|r| r["reasons"].clone() + ";")
        .collect();
    for expected in [
        "program.capacity_building.deferred",
        ".capped;",
        "deprivation.severe",
        "emergency;",
    ] {
        assert!(all.contains(expected), "{expected} somewhere in {all}");
    }
    let _ = row;
    // Beside the columns they repeat, those codes are left out.
    let core = Table::parse(&decide(&dir, &["--columns", "core", "--reasons", "codes"])).unwrap();
    for r in &core.rows {
        let codes = &r["reasons"];
        assert!(
            !codes.contains("track.") && !codes.contains("deprivation."),
            "{codes}"
        );
        for code in codes.split(';') {
            if code.starts_with("program.") {
                assert!(code.ends_with(".capped"), "{codes}");
            }
        }
    }
    // JSON: an array of codes; each program's reason is its code.
    let objects =
        crate::util::parse_ndjson(&decide(&dir, &["-f", "ndjson", "--reasons", "codes"])).unwrap();
    for o in &objects {
        assert!(o["reasons"][0].as_str().unwrap().starts_with("income."));
        for p in o["programs"].as_array().unwrap() {
            assert!(p["reason"].as_str().unwrap().starts_with("program."), "{p}");
        }
    }
}

#[test]
fn reasons_none_drops_the_column() {
    let dir = Dir::new();
    let csv = Table::parse(&decide(&dir, &["--reasons", "none"])).unwrap();
    assert!(!csv.header.iter().any(|h| h == "reasons"));
    assert_eq!(csv.header.len(), 21);
    let objects =
        crate::util::parse_ndjson(&decide(&dir, &["-f", "ndjson", "--reasons", "none"])).unwrap();
    assert!(objects[0].get("reasons").is_none());
    assert!(
        objects[0]["programs"]
            .as_array()
            .unwrap()
            .iter()
            .all(|p| p.get("reason").is_none())
    );
    // Text is today's text.
    assert_eq!(decide(&dir, &["--reasons", "text"]), decide(&dir, &[]));
}

#[test]
fn weight_and_budget_columns_follow_the_chosen_ones() {
    let dir = Dir::new();
    let survey = repo("examples/weighted-survey.csv");
    let out = dir.run(&[
        "assess",
        &survey,
        "--as-of",
        AS_OF,
        "--weight",
        "HHWT",
        "--weight-scale",
        "0.01",
        "--budget",
        "5_000_000",
        "--columns",
        "household_id,monthly_total",
        "--reasons",
        "codes",
    ]);
    let csv = out.csv();
    assert_eq!(
        csv.header,
        ["household_id", "monthly_total", "weight", "funded", "rank"]
    );
}
