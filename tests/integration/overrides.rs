//! `layak assess --overrides FILE` (issue 20 item 5): community verification.
//! One test per action, the output fields, the ranking after overrides, and
//! each error (all bad lines at once; an override of no decided household).

use crate::snapshot::assert_snapshot;
use crate::util::{Dir, repo};

const HEAD: &str = "household_id,program,action,value,reason,decided_by,date\n";
const AS_OF: &str = "2025-06-01";

/// Assess the sample with `body` as the overrides file, as CSV.
fn assess(dir: &Dir, body: &str, more: &[&str]) -> crate::util::Output {
    dir.write("o.csv", format!("{HEAD}{body}"));
    let sample = repo("data/sample-households.csv");
    let mut args = vec!["assess", &sample, "--as-of", AS_OF, "--overrides", "o.csv"];
    args.extend_from_slice(more);
    dir.run(&args)
}

#[test]
fn grant_gives_the_policy_amount_and_says_so() {
    let dir = Dir::new();
    let out = assess(
        &dir,
        "H007,food_assistance,grant,,harvest failed,musyawarah desa,2025-06-14\n",
        &[],
    );
    out.assert_code(3).no_panic();
    let table = out.csv();
    let h = table.row("H007");
    assert_eq!(h["programs"], "food_assistance");
    assert_eq!(h["monthly_total"], "200000");
    assert_eq!(h["track"], "basic_needs");
    assert_eq!(h["overridden"], "true");
    assert_eq!(h["override_actions"], "grant food_assistance");
    assert_eq!(h["override_original"], "food_assistance denied");
    assert_eq!(h["override_reason"], "harvest failed");
    assert_eq!(h["override_by"], "musyawarah desa");
    assert_eq!(h["override_date"], "2025-06-14");
    // Others are untouched and say so.
    assert_eq!(table.row("H001")["overridden"], "false");
    assert_eq!(table.row("H001")["override_actions"], "");
    out.stderr_has("overrides from o.csv: grant 1 (monthly +200000 IDR, one-off +0 IDR)");
}

#[test]
fn grant_with_a_value_pays_that_amount() {
    let dir = Dir::new();
    let out = assess(
        &dir,
        "H007,food_assistance,grant,120000,partial,rt 03,2025-06-14\n",
        &[],
    );
    assert_eq!(out.csv().row("H007")["monthly_total"], "120000");
}

#[test]
fn deny_all_takes_every_program_and_the_track_follows() {
    let dir = Dir::new();
    let out = assess(
        &dir,
        "H009,*,deny,,moved away,musyawarah desa,2025-06-14\n",
        &[],
    );
    let table = out.csv();
    let h = table.row("H009");
    assert_eq!(h["programs"], "");
    assert_eq!(h["monthly_total"], "0");
    assert_eq!(h["one_off_total"], "0");
    assert_eq!(h["track"], "not_eligible");
    assert_eq!(
        h["override_original"],
        "programs food_assistance;education_support;capacity_building"
    );
    out.stderr_has("deny 1 (monthly -350000 IDR, one-off -2000000 IDR)");
}

#[test]
fn deny_one_program_keeps_the_others() {
    let dir = Dir::new();
    let out = assess(
        &dir,
        "H001,education_support,deny,,scholarship,rt 01,2025-06-14\n",
        &[],
    );
    let table = out.csv();
    let h = table.row("H001");
    assert_eq!(h["programs"], "food_assistance;capacity_building");
    assert_eq!(h["monthly_total"], "200000");
    assert_eq!(h["override_original"], "education_support granted 150000");
}

#[test]
fn set_track_replaces_the_track_only() {
    let dir = Dir::new();
    let out = assess(
        &dir,
        "H020,*,set_track,emergency,house burnt,musyawarah desa,2025-06-14\n",
        &[],
    );
    let table = out.csv();
    let h = table.row("H020");
    assert_eq!(h["track"], "emergency");
    assert_eq!(h["programs"], "food_assistance;social_pension");
    assert_eq!(h["override_original"], "track long_term_support");
}

#[test]
fn set_amount_changes_the_amount_and_the_totals() {
    let dir = Dir::new();
    let out = assess(
        &dir,
        "H017,education_support,set_amount,150000,scholarship,musyawarah desa,2025-06-14\n",
        &[],
    );
    let table = out.csv();
    let h = table.row("H017");
    assert_eq!(h["monthly_total"], "350000");
    assert_eq!(h["override_original"], "education_support granted 225000");
    out.stderr_has("set_amount 1 (monthly -75000 IDR");
}

#[test]
fn json_carries_the_overrides_and_the_summary_counts_them() {
    let dir = Dir::new();
    let body = "H007,food_assistance,grant,,harvest failed,musyawarah desa,2025-06-14\n\
                H009,*,deny,,moved away,musyawarah desa,2025-06-14\n";
    let out = assess(&dir, body, &["--format", "json", "--summary", "s.json"]);
    let rows = out.json_array();
    let h = rows.iter().find(|r| r["household_id"] == "H009").unwrap();
    assert_eq!(h["overridden"], true);
    assert_eq!(h["overrides"][0]["action"], "deny");
    assert_eq!(h["overrides"][0]["program"], "*");
    assert_eq!(h["overrides"][0]["decided_by"], "musyawarah desa");
    let other = rows.iter().find(|r| r["household_id"] == "H001").unwrap();
    assert_eq!(other["overridden"], false);
    assert_eq!(other["overrides"].as_array().map(Vec::len), Some(0));
    let s: serde_json::Value = serde_json::from_str(&dir.read("s.json")).unwrap();
    let actions = s["overrides"]["actions"].as_array().unwrap();
    assert_eq!(actions[0]["action"], "grant");
    assert_eq!(actions[0]["applied"], 1);
    assert_eq!(actions[0]["monthly_change"], 200000);
    assert_eq!(actions[1]["monthly_change"], -350000);
    assert_eq!(actions[1]["one_off_change"], -2000000);
}

#[test]
fn the_budget_ranks_the_overridden_list() {
    // Overrides come before ranking: a denied household is not ranked, a
    // granted one is.
    let dir = Dir::new();
    let body = "H007,food_assistance,grant,,harvest failed,musyawarah desa,2025-06-14\n\
                H021,*,deny,,moved away,musyawarah desa,2025-06-14\n";
    let out = assess(&dir, body, &["--budget", "3000000"]);
    let table = out.csv();
    assert_eq!(table.row("H021")["rank"], "");
    assert_eq!(table.row("H021")["funded"], "false");
    assert_ne!(table.row("H007")["rank"], "");
}

#[test]
fn every_bad_line_is_listed_at_once_and_nothing_is_written() {
    let dir = Dir::new();
    let body = "H001,food_asistance,grant,,r,rt,2025-06-14\n\
                H002,*,refuse,,r,rt,2025-06-14\n\
                H003,*,set_track,emergncy,r,rt,2025-06-14\n\
                H004,education_support,set_amount,lots,r,rt,2025-06-14\n\
                H005,*,deny,,,rt,14/06/2025\n";
    let out = assess(&dir, body, &["-o", "d.csv"]);
    out.assert_code(1).no_panic();
    assert!(!dir.exists("d.csv"));
    assert_snapshot("overrides-bad-lines.txt", &out.stderr);
}

#[test]
fn an_override_of_no_decided_household_is_an_error_before_any_output() {
    let dir = Dir::new();
    // H999 is not in the file; H041 is, but its row is rejected.
    let body = "H999,*,deny,,r,rt,2025-06-14\nH001,*,deny,,r,rt,2025-06-14\nH041,*,deny,,r,rt,2025-06-14\n";
    let out = assess(&dir, body, &["-o", "d.csv", "--summary", "s.json"]);
    out.assert_code(1)
        .stderr_has("o.csv: 2 bad lines:")
        .stderr_has("line 2: household `H999` was not decided in this run")
        .stderr_has("line 4: household `H041` was not decided in this run");
    assert!(!dir.exists("d.csv"));
    assert!(!dir.exists("s.json"));
}

#[test]
fn without_overrides_the_columns_are_absent() {
    let dir = Dir::new();
    let sample = repo("data/sample-households.csv");
    let out = dir.run(&["assess", &sample, "--as-of", AS_OF]);
    assert!(!out.stdout.lines().next().unwrap().contains("overridden"));
}

#[test]
fn explain_shows_the_override_under_the_heading_and_in_json() {
    let dir = Dir::new();
    dir.write(
        "o.csv",
        format!("{HEAD}H017,education_support,set_amount,150000,scholarship from the church,musyawarah desa,2025-06-14\n"),
    );
    let sample = repo("data/sample-households.csv");
    let base = [
        "explain",
        &sample,
        "--id",
        "H017",
        "--as-of",
        AS_OF,
        "--overrides",
        "o.csv",
    ];
    let out = dir.run(&base);
    out.assert_code(0).no_panic();
    let second = out.stdout.lines().nth(1).unwrap_or_default();
    assert_eq!(
        second,
        "  ✎ set_amount education_support 150000 — changed by musyawarah desa (2025-06-14): scholarship from the church [education_support granted 225000]"
    );
    out.stdout_has("Education support: Rp 150,000 a month.");
    let mut json = base.to_vec();
    json.extend(["--format", "json"]);
    let out = dir.run(&json);
    let doc: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(
        doc["trace"]["overrides"][0]["original"],
        "education_support granted 225000"
    );
    assert_eq!(doc["trace"]["monthly_total"], 350000.0);
    // Another household: no override, no `overrides` key.
    let other = dir.run(&[
        "explain",
        &sample,
        "--id",
        "H001",
        "--as-of",
        AS_OF,
        "--overrides",
        "o.csv",
        "--format",
        "json",
    ]);
    let doc: serde_json::Value = serde_json::from_str(&other.stdout).unwrap();
    assert!(doc["trace"].get("overrides").is_none());
}
