//! Providers and stacking (issue 20 item 4) through the binary: the
//! providers example decided (golden CSV), its summary's cost per provider,
//! and what `explain` says of an excluded and a reduced program.

use crate::snapshot::assert_snapshot;
use crate::util::{Dir, repo};

const POLICY: &str = "examples/policies/providers.toml";
const SAMPLE: &str = "examples/policies/providers-sample.csv";

#[test]
fn the_providers_sample_decides_as_reviewed() {
    let dir = Dir::new();
    let out = dir.run(&[
        "assess",
        &repo(SAMPLE),
        "--policy",
        &repo(POLICY),
        "--as-of",
        "2025-06-01",
        "--columns",
        "household_id,track,programs,monthly_total,capped,reasons",
    ]);
    out.assert_code(0).assert_counts(8, 8, 0);
    assert_snapshot("providers-sample.csv", &out.stdout);
    let table = out.csv();
    // State cash excludes the village top-up; the village pays where the state does not.
    assert_eq!(table.row("P01")["programs"], "state_cash;community_rice");
    assert_eq!(
        table.row("P02")["programs"],
        "village_top_up;community_rice"
    );
    assert!(
        table.row("P03")["reasons"]
            .contains("reduced from 150,000 to 90,000 by aid already received")
    );
}

#[test]
fn the_summary_gives_the_cost_per_provider() {
    let dir = Dir::new();
    let out = dir.run(&[
        "assess",
        &repo(SAMPLE),
        "--policy",
        &repo(POLICY),
        "--as-of",
        "2025-06-01",
        "-o",
        "d.csv",
        "--summary",
        "s.json",
    ]);
    out.assert_code(0);
    let s: serde_json::Value = serde_json::from_str(&dir.read("s.json")).unwrap();
    let p = &s["total"]["providers"];
    assert_eq!(p["state"]["monthly_cost"], 1_500_000);
    assert_eq!(p["local_government"]["monthly_cost"], 500_000);
    assert_eq!(p["community"]["programs"][0], "community_rice");
    assert_eq!(p["private"]["granted"], 2);
    let total: u64 = ["state", "local_government", "community", "private"]
        .iter()
        .map(|k| p[k]["monthly_cost"].as_u64().unwrap())
        .sum();
    assert_eq!(serde_json::json!(total), s["total"]["monthly_total"]);
    let human = dir.run(&[
        "assess",
        &repo(SAMPLE),
        "--policy",
        &repo(POLICY),
        "--as-of",
        "2025-06-01",
        "-o",
        "d2.csv",
        "--summary",
        "-",
    ]);
    human.stderr_has("cost by provider: state 1,500,000 IDR a month, 0 IDR one-off; local_government 500,000 IDR a month");
}

#[test]
fn explain_names_the_excluding_program_and_the_reduction() {
    let dir = Dir::new();
    // A copy under a relative name: the heading names the file.
    let sample = dir.write("providers-sample.csv", crate::util::repo_text(SAMPLE));
    let out = dir.run(&[
        "explain",
        sample,
        "--id",
        "P03",
        "--policy",
        &repo(POLICY),
        "--as-of",
        "2025-06-01",
    ]);
    out.assert_code(0).no_panic();
    assert_snapshot("providers-explain-P03.txt", &out.stdout);
    let json = dir.run(&[
        "explain",
        &repo(SAMPLE),
        "--id",
        "P03",
        "--policy",
        &repo(POLICY),
        "--as-of",
        "2025-06-01",
        "--format",
        "json",
    ]);
    let doc: serde_json::Value = serde_json::from_str(&json.stdout).unwrap();
    let programs = doc["trace"]["programs"].as_array().unwrap();
    let village = programs
        .iter()
        .find(|p| p["id"] == "village_top_up")
        .unwrap();
    assert_eq!(village["excluded_by"], "state_cash");
    assert_eq!(village["status"], "denied");
    let rice = programs
        .iter()
        .find(|p| p["id"] == "community_rice")
        .unwrap();
    assert_eq!(rice["reduced_from"], 150000.0);
    assert_eq!(rice["amount"], 90000.0);
}

#[test]
fn a_policy_with_an_exclusion_cycle_is_refused_with_places() {
    let dir = Dir::new();
    let text = std::fs::read_to_string(repo(POLICY)).unwrap().replace(
        "id = \"village_top_up\"\n",
        "id = \"village_top_up\"\nexcludes = [\"state_cash\"]\n",
    );
    dir.write("cycle.toml", text);
    let out = dir.run(&["policy", "check", "cycle.toml"]);
    out.assert_code(1).stderr_has("--> cycle.toml:");
    // Reported at each `excludes` entry on the ring.
    let cycle =
        "error: `excludes` forms a cycle: state_cash excludes village_top_up excludes state_cash";
    assert_eq!(out.stderr.matches(cycle).count(), 2, "{}", out.stderr);
}
