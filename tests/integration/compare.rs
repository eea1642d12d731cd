//! `layak compare`: the base and reform figures of one pass equal two
//! separate `assess` runs (decisions, rejects and every summary figure);
//! `--set` and `--reform` errors.
// See: issue 15.

use serde_json::Value;

use crate::summary::generated;
use crate::util::{Dir, parse_ndjson, repo_text};

const AS_OF: &str = "2025-06-01";
const SETS: [&str; 4] = [
    "--set",
    "food_assistance_monthly=250_000",
    "--set",
    "near_poor_factor=1.3",
];

/// The default policy with the changes of [`SETS`] written into the file.
fn reform_toml() -> String {
    let text = repo_text("data/policies/default.toml");
    let edited = text
        .replacen(
            "name = \"food_assistance_monthly\"\nvalue = 200000",
            "name = \"food_assistance_monthly\"\nvalue = 250000",
            1,
        )
        .replacen(
            "name = \"near_poor_factor\"\nvalue = 1.2",
            "name = \"near_poor_factor\"\nvalue = 1.3",
            1,
        );
    assert_eq!(edited.matches("250000").count(), 1, "the edit took");
    assert!(edited.contains("value = 1.3"), "the edit took");
    edited
}

/// The generated file of every reject kind, plus a row with a cell too long.
fn input(dir: &Dir) -> &'static str {
    let mut text = generated(4);
    let header_fields = text.lines().next().unwrap().split(',').count();
    let mut long = vec!["X1".to_string(), "x".repeat(300)];
    long.resize(header_fields, "1".into());
    text.push_str(&long.join(","));
    text.push('\n');
    dir.write("households.csv", text)
}

/// The assess decision's fields that `compare` shows, as compare names them.
fn side(d: &Value) -> Vec<(String, Value)> {
    let granted: Vec<Value> = d["programs"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|p| p["status"] == "granted")
        .map(|p| p["id"].clone())
        .collect();
    vec![
        ("track".into(), d["track"].clone()),
        ("programs".into(), Value::Array(granted)),
        ("monthly_total".into(), d["monthly_total"].clone()),
        ("one_off_total".into(), d["one_off_total"].clone()),
        ("priority".into(), d["priority"].clone()),
        ("income_status".into(), d["income_status"].clone()),
        ("deprivation_status".into(), d["deprivation_status"].clone()),
    ]
}

/// A summary without what legitimately differs between the runs.
fn figures(mut v: Value) -> Value {
    v["policy"]["hash"] = Value::Null;
    v
}

#[test]
fn base_and_reform_figures_equal_two_assess_runs() {
    let dir = Dir::new();
    let file = input(&dir);
    dir.write("reform.toml", reform_toml());
    let common = [
        "--as-of",
        AS_OF,
        "--max-field-bytes",
        "200",
        "-j",
        "3",
        "--chunk-bytes",
        "900",
        "--by",
        "region",
        "-f",
        "ndjson",
    ];
    let assess = |policy: Option<&str>, out: &str, summary: &str, rejects: &str| {
        let mut args = vec!["assess", file, "-o", out, "--summary", summary];
        args.extend(["--rejects", rejects]);
        args.extend(common);
        if let Some(p) = policy {
            args.extend(["--policy", p]);
        }
        dir.run(&args).assert_code(3).stderr.clone()
    };
    let base_err = assess(None, "base.ndjson", "base.json", "base-rejects.csv");
    assess(
        Some("reform.toml"),
        "reform.ndjson",
        "reform.json",
        "reform-rejects.csv",
    );
    let mut args = vec!["compare", file, "--all", "-o", "cmp.ndjson"];
    args.extend(["--summary", "cmp.json", "--rejects", "cmp-rejects.csv"]);
    args.extend(SETS);
    args.extend(common);
    let out = dir.run(&args);
    out.assert_code(3);
    // The same closing count line, every kind of reject included.
    let closing = |err: &str| {
        err.lines()
            .find(|l| l.contains("rows read"))
            .unwrap()
            .to_string()
    };
    let line = closing(&base_err);
    for code in [
        "field_count",
        "missing_required",
        "invalid_value",
        "out_of_range",
        "duplicate_id",
        "check_failed",
        "field_too_long",
    ] {
        assert!(line.contains(code), "{code} missing from: {line}");
    }
    assert_eq!(closing(&out.stderr), line);
    // The same rejects, once each.
    assert_eq!(dir.read("cmp-rejects.csv"), dir.read("base-rejects.csv"));
    assert_eq!(dir.read("cmp-rejects.csv"), dir.read("reform-rejects.csv"));

    // Decisions: every household, base and reform as the two runs decided.
    let base = parse_ndjson(&dir.read("base.ndjson")).unwrap();
    let reform = parse_ndjson(&dir.read("reform.ndjson")).unwrap();
    let cmp = parse_ndjson(&dir.read("cmp.ndjson")).unwrap();
    assert_eq!(cmp.len(), base.len());
    assert_eq!(cmp.len(), reform.len());
    let mut changed = 0;
    for ((c, b), r) in cmp.iter().zip(&base).zip(&reform) {
        assert_eq!(c["household_id"], b["household_id"]);
        assert_eq!(c["household_id"], r["household_id"]);
        for (name, value) in side(b) {
            assert_eq!(c[format!("base_{name}")], value, "base {name} of {c}");
        }
        for (name, value) in side(r) {
            assert_eq!(c[format!("reform_{name}")], value, "reform {name} of {c}");
        }
        let delta =
            c["reform_monthly_total"].as_i64().unwrap() - c["base_monthly_total"].as_i64().unwrap();
        assert_eq!(c["monthly_change"], delta);
        changed += usize::from(c["change"] != "same");
    }
    assert!(changed > 0, "the reform changes some decisions");

    // Every summary figure: base as the base run's, reform as the reform run's.
    let doc: Value = serde_json::from_str(&dir.read("cmp.json")).unwrap();
    let base_summary: Value = serde_json::from_str(&dir.read("base.json")).unwrap();
    let reform_summary: Value = serde_json::from_str(&dir.read("reform.json")).unwrap();
    assert_eq!(doc["base"], base_summary);
    assert_eq!(figures(doc["reform"].clone()), figures(reform_summary));
    let total = |v: &Value, k: &str| v["total"][k].as_i64().unwrap();
    assert_eq!(
        doc["delta"]["total"]["monthly_total"],
        total(&doc["reform"], "monthly_total") - total(&doc["base"], "monthly_total")
    );
    assert!(doc["delta"]["by"]["groups"].as_array().unwrap().len() > 1);
    // Changes add up to the decided households; the transition matrix too.
    let decided = base_summary["rows"]["decided"].as_u64().unwrap();
    let sum = |v: &Value| -> u64 {
        v.as_object()
            .unwrap()
            .values()
            .map(|x| x["households"].as_u64().unwrap())
            .sum()
    };
    assert_eq!(sum(&doc["changes"]), decided);
    assert_eq!(
        decided - doc["changes"]["same"]["households"].as_u64().unwrap(),
        changed as u64
    );
    let matrix: u64 = doc["transitions"]["households"]
        .as_object()
        .unwrap()
        .values()
        .flat_map(|row| row.as_object().unwrap().values())
        .map(|v| v.as_u64().unwrap())
        .sum();
    assert_eq!(matrix, decided);
    let persons: u64 = doc["transitions"]["persons"]
        .as_object()
        .unwrap()
        .values()
        .flat_map(|row| row.as_object().unwrap().values())
        .map(|v| v.as_u64().unwrap())
        .sum();
    assert_eq!(persons, base_summary["total"]["persons"].as_u64().unwrap());
    // Per track: the matrix's rows are the base's counts, its columns the reform's.
    for (track, row) in doc["transitions"]["households"].as_object().unwrap() {
        let n: u64 = row
            .as_object()
            .unwrap()
            .values()
            .map(|v| v.as_u64().unwrap())
            .sum();
        assert_eq!(
            n, base_summary["total"]["tracks"][track]["households"],
            "{track}"
        );
    }
    let bands = |k: &str| -> i64 {
        doc[k]
            .as_array()
            .unwrap()
            .iter()
            .map(|b| b["households"].as_i64().unwrap())
            .sum()
    };
    let rises = cmp
        .iter()
        .filter(|c| c["monthly_change"].as_i64() > Some(0));
    assert_eq!(bands("winners"), rises.count() as i64);
    let falls = cmp
        .iter()
        .filter(|c| c["monthly_change"].as_i64() < Some(0));
    assert_eq!(bands("losers"), falls.count() as i64);
}

#[test]
fn only_changed_rows_are_written_and_any_thread_count_writes_the_same() {
    let dir = Dir::new();
    let file = input(&dir);
    let run = |threads: &str, chunk: &str, format: &str, all: bool| {
        let mut args = vec!["compare", file, "--as-of", AS_OF, "-q", "-j", threads];
        args.extend(["--chunk-bytes", chunk, "-f", format]);
        args.extend(SETS);
        if all {
            args.push("--all");
        }
        let out = dir.run(&args);
        out.assert_code(3);
        out.stdout.clone()
    };
    let csv = run("1", "65536", "csv", false);
    assert_eq!(run("3", "300", "csv", false), csv);
    let all = run("2", "500", "csv", true);
    let changed: Vec<&str> = all.lines().filter(|l| !l.ends_with(",same")).collect();
    assert_eq!(csv.lines().collect::<Vec<_>>(), changed);
    assert!(changed.len() > 1 && changed.len() < all.lines().count());
    // JSON stays one valid array when the first households are the same.
    let json = run("3", "300", "json", false);
    let rows: Vec<Value> = serde_json::from_str(&json).unwrap();
    assert_eq!(rows.len(), changed.len() - 1);
    assert_eq!(json, run("1", "65536", "json", false));
}

#[test]
fn a_row_the_reform_cannot_evaluate_is_rejected_once() {
    let dir = Dir::new();
    let file = dir.write("h.csv", repo_text("data/sample-households.csv"));
    let out = dir.run(&[
        "compare",
        file,
        "--as-of",
        AS_OF,
        "--set",
        "poverty_line_urban=0",
        "--rejects",
        "r.csv",
        "-o",
        "c.csv",
    ]);
    out.assert_code(3);
    let rejects = dir.read("r.csv");
    let evaluation: Vec<&str> = rejects
        .lines()
        .filter(|l| l.contains(",evaluation,"))
        .collect();
    assert!(!evaluation.is_empty());
    assert!(
        evaluation[0].contains("under the reform"),
        "{}",
        evaluation[0]
    );
    let line = out.stderr.clone();
    assert!(
        line.contains(&format!("evaluation {}", evaluation.len())),
        "{line}"
    );
    let records = csv::Reader::from_reader(rejects.as_bytes())
        .records()
        .count();
    let rejected = line
        .split(" + ")
        .nth(1)
        .and_then(|s| s.split(' ').next())
        .unwrap();
    assert_eq!(records.to_string(), rejected, "{line}");
}

fn set_error(dir: &Dir, set: &str) -> String {
    let file = dir.write("h.csv", repo_text("data/sample-households.csv"));
    let out = dir.run(&[
        "compare", file, "--as-of", AS_OF, "--set", set, "-o", "out.csv",
    ]);
    out.assert_code(1);
    assert!(!dir.exists("out.csv"), "no output after an error");
    out.stderr.clone()
}

#[test]
fn set_errors_are_reported_as_policy_errors() {
    let dir = Dir::new();
    let e = set_error(&dir, "near_poor_facter=1.3");
    assert!(
        e.contains("error: the policy has no parameter named `near_poor_facter`"),
        "{e}"
    );
    assert!(e.contains("--> --set:1:1"), "{e}");
    assert!(e.contains("did you mean `near_poor_factor`?"), "{e}");
    let e = set_error(&dir, "near_poor_factor=true");
    assert!(
        e.contains("parameter `near_poor_factor` must be a number"),
        "{e}"
    );
    assert!(e.contains("1 | near_poor_factor=true"), "{e}");
    let e = set_error(&dir, "vulnerable_cutoff=0.9");
    assert!(
        e.contains("cutoffs must satisfy 0 <= vulnerable <= poor <= severe <= 1"),
        "{e}"
    );
    let e = set_error(&dir, "poverty_line_urban@2030-01-01=700000");
    assert!(e.contains("is not in force on 2025-06-01"), "{e}");
    assert!(e.contains("on or after 2030-01-01"), "{e}");
    // A malformed --set is a usage error.
    let file = dir.write("h.csv", repo_text("data/sample-households.csv"));
    let out = dir.run(&["compare", file, "--set", "near_poor_factor"]);
    out.assert_code(2);
    out.stderr_has("expected NAME=VALUE or NAME@YYYY-MM-DD=VALUE");
    // No reform at all.
    dir.run(&["compare", file])
        .assert_code(2)
        .stderr_has("compare needs a reform");
}

#[test]
fn a_reform_with_other_inputs_is_refused_with_every_difference() {
    let dir = Dir::new();
    let file = dir.write("h.csv", repo_text("data/sample-households.csv"));
    dir.write(
        "other.toml",
        repo_text("examples/policies/income-only.toml"),
    );
    let out = dir.run(&[
        "compare",
        file,
        "--as-of",
        AS_OF,
        "--reform",
        "other.toml",
        "-o",
        "out.csv",
    ]);
    out.assert_code(2);
    out.stderr_has("other.toml does not declare the same inputs as <default policy>")
        .stderr_has("is only in the base policy");
    assert!(!dir.exists("out.csv"));
    // A reform file with the same inputs is compared.
    dir.write("reform.toml", reform_toml());
    dir.run(&[
        "compare",
        file,
        "--as-of",
        AS_OF,
        "--reform",
        "reform.toml",
        "-o",
        "out.csv",
        "-q",
    ])
    .assert_code(3);
    assert!(dir.read("out.csv").contains(",gains\n"));
}

#[test]
fn weighted_figures_equal_two_weighted_assess_runs() {
    let dir = Dir::new();
    let file = input(&dir);
    dir.write("reform.toml", reform_toml());
    let common = ["--as-of", AS_OF, "--weight", "members", "-j", "2", "-q"];
    for (policy, summary) in [(None, "base.json"), (Some("reform.toml"), "reform.json")] {
        let mut args = vec!["assess", file, "-o", "d.csv", "--summary", summary];
        args.extend(common);
        if let Some(p) = policy {
            args.extend(["--policy", p]);
        }
        dir.run(&args).assert_code(3);
    }
    let mut args = vec!["compare", file, "-o", "c.csv", "--summary", "cmp.json"];
    args.extend(SETS);
    args.extend(common);
    dir.run(&args).assert_code(3);
    let doc: Value = serde_json::from_str(&dir.read("cmp.json")).unwrap();
    let base: Value = serde_json::from_str(&dir.read("base.json")).unwrap();
    let reform: Value = serde_json::from_str(&dir.read("reform.json")).unwrap();
    assert_eq!(doc["base"], base);
    assert_eq!(figures(doc["reform"].clone()), figures(reform));
    assert_eq!(doc["weighted"], true);
    // Weighted households per change add up to the weighted total.
    let households: f64 = doc["changes"]
        .as_object()
        .unwrap()
        .values()
        .map(|v| v["households"].as_f64().unwrap())
        .sum();
    let total = base["total"]["households"].as_f64().unwrap();
    assert!((households - total).abs() < 1e-6, "{households} vs {total}");
    // The weight column follows `change`, as it follows `policy_hash` in assess.
    let head = dir.read("c.csv");
    assert!(
        head.starts_with("household_id,")
            && head.lines().next().unwrap().ends_with(",change,weight")
    );
}

#[test]
fn parquet_holds_the_csvs_rows_with_typed_columns() {
    use arrow_schema::DataType;
    let dir = Dir::new();
    let file = dir.write("h.csv", repo_text("data/sample-households.csv"));
    let args = ["compare", file, "--set", "near_poor_factor=1.3", "--all"];
    let schema = crate::output_formats::parquet_like_csv(&dir, &args);
    let ty = |name: &str| schema.field_with_name(name).unwrap().data_type().clone();
    assert_eq!(ty("base_monthly_total"), DataType::Int64);
    assert_eq!(ty("monthly_change"), DataType::Int64);
    assert_eq!(ty("reform_priority"), DataType::Float64);
    assert!(matches!(ty("reform_programs"), DataType::List(_)));
    assert_eq!(ty("change"), DataType::Utf8);
}

#[test]
fn explain_shows_both_decisions_and_where_they_part() {
    let dir = Dir::new();
    let file = dir.write("h.csv", repo_text("data/sample-households.csv"));
    let args = [
        "explain",
        file,
        "--id",
        "H003",
        "--as-of",
        AS_OF,
        "--set",
        "near_poor_factor=1.3",
    ];
    let out = dir.run(&args);
    out.assert_code(0)
        .stdout_has("=== base policy ===")
        .stdout_has("=== reform ===")
        .stdout_has("parameter near_poor_factor: 1.2 -> 1.3")
        .stdout_has("first difference: derived value `income_status`")
        .stdout_has("  base:   not_poor")
        .stdout_has("  reform: near_poor")
        .stdout_has("change: gains");
    let mut json = args.to_vec();
    json.extend(["-f", "json"]);
    let out = dir.run(&json);
    out.assert_code(0);
    let doc: Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(
        doc["first_difference"]["step"],
        "derived value `income_status`"
    );
    assert_eq!(doc["change"], "gains");
    assert_ne!(
        doc["base"]["policy"]["hash"],
        doc["reform"]["policy"]["hash"]
    );
    // The same decision and change as `compare` gives this household.
    let cmp = dir.run(&[
        "compare",
        file,
        "--as-of",
        AS_OF,
        "--set",
        "near_poor_factor=1.3",
        "-f",
        "ndjson",
    ]);
    let row = parse_ndjson(&cmp.stdout)
        .unwrap()
        .into_iter()
        .find(|r| r["household_id"] == "H003")
        .unwrap();
    assert_eq!(row["change"], doc["change"]);
    assert_eq!(
        row["reform_monthly_total"].as_f64(),
        doc["reform"]["trace"]["monthly_total"].as_f64()
    );
    // A household the reform leaves alone.
    let mut same = args.to_vec();
    same[3] = "H001";
    dir.run(&same)
        .assert_code(0)
        .stdout_has("the two decisions are the same")
        .stdout_has("change: same");
}

#[test]
fn explain_says_when_the_reform_cannot_decide_the_household() {
    let dir = Dir::new();
    let file = dir.write("h.csv", repo_text("data/sample-households.csv"));
    let out = dir.run(&[
        "explain",
        file,
        "--id",
        "H003",
        "--as-of",
        AS_OF,
        "--set",
        "poverty_line_urban=0",
    ]);
    out.assert_code(3)
        .stdout_has("=== base policy ===")
        .stdout_has("the reform cannot decide this household:");
}

#[test]
fn set_changes_a_reform_file_and_a_dated_value() {
    let dir = Dir::new();
    let file = dir.write("h.csv", repo_text("data/sample-households.csv"));
    dir.write("reform.toml", reform_toml());
    // --set on top of --reform: undoing the file's change leaves only the other.
    let run = |extra: &[&str]| {
        let mut args = vec!["compare", file, "--as-of", AS_OF, "-q", "--all"];
        args.extend(extra);
        let out = dir.run(&args);
        out.assert_code(3);
        out.stdout.clone()
    };
    let both = run(&["--reform", "reform.toml", "--set", "near_poor_factor=1.2"]);
    let food = run(&["--set", "food_assistance_monthly=250000"]);
    assert_eq!(both, food);
    // The dated value in force on the run's date, changed by its date.
    let dated = run(&["--set", "poverty_line_rural@2025-03-01=650000"]);
    let undated = run(&["--set", "poverty_line_rural=650000"]);
    assert_eq!(dated, undated);
    assert!(dated.contains(",enters\n") || dated.contains(",gains\n"));
}

#[test]
fn person_files_compare_as_two_assess_runs() {
    let dir = Dir::new();
    let households = dir.write(
        "households.csv",
        repo_text("data/sample-persons-households.csv"),
    );
    let persons = dir.write("persons.csv", repo_text("data/sample-persons.csv"));
    dir.write("reform.toml", reform_toml());
    let common = ["--persons", persons, "--as-of", AS_OF, "-j", "2"];
    let assess = |policy: Option<&str>, out: &str, summary: &str| {
        let mut args = vec!["assess", households, "-f", "ndjson", "-o", out];
        args.extend(["--summary", summary]);
        args.extend(common);
        if let Some(p) = policy {
            args.extend(["--policy", p]);
        }
        dir.run(&args).stderr.clone()
    };
    let base_err = assess(None, "base.ndjson", "base.json");
    assess(Some("reform.toml"), "reform.ndjson", "reform.json");
    let mut args = vec!["compare", households, "--all", "-f", "ndjson"];
    args.extend(["-o", "cmp.ndjson", "--summary", "cmp.json"]);
    args.extend(SETS);
    args.extend(common);
    let out = dir.run(&args);
    let closing = |err: &str| {
        err.lines()
            .find(|l| l.contains(" read"))
            .map(str::to_string)
    };
    assert_eq!(closing(&out.stderr), closing(&base_err), "{}", out.stderr);
    let base = parse_ndjson(&dir.read("base.ndjson")).unwrap();
    let reform = parse_ndjson(&dir.read("reform.ndjson")).unwrap();
    let cmp = parse_ndjson(&dir.read("cmp.ndjson")).unwrap();
    assert_eq!(cmp.len(), base.len());
    for ((c, b), r) in cmp.iter().zip(&base).zip(&reform) {
        for (name, value) in side(b) {
            assert_eq!(c[format!("base_{name}")], value, "base {name} of {c}");
        }
        for (name, value) in side(r) {
            assert_eq!(c[format!("reform_{name}")], value, "reform {name} of {c}");
        }
    }
    let doc: Value = serde_json::from_str(&dir.read("cmp.json")).unwrap();
    let base_summary: Value = serde_json::from_str(&dir.read("base.json")).unwrap();
    let reform_summary: Value = serde_json::from_str(&dir.read("reform.json")).unwrap();
    assert_eq!(doc["base"], base_summary);
    assert_eq!(figures(doc["reform"].clone()), figures(reform_summary));
    // A reform file with person files is refused for now.
    let out = dir.run(&[
        "compare",
        households,
        "--persons",
        persons,
        "--reform",
        "reform.toml",
    ]);
    out.assert_code(2).stderr_has("--set only");
}

/// `compare --budget`: each policy ranks and funds its own eligible
/// households under the same budget, exactly as `assess --budget` does for
/// it alone (ranks, funding and every summary figure); standard input is
/// read twice through its copy.
#[test]
fn budget_figures_equal_two_assess_budget_runs() {
    let dir = Dir::new();
    let file = input(&dir);
    dir.write("reform.toml", reform_toml());
    let text = dir.read_bytes(file);
    let common = [
        "--as-of",
        AS_OF,
        "--max-field-bytes",
        "200",
        "-j",
        "3",
        "--chunk-bytes",
        "900",
        "--budget",
        "20_000_000",
        "-f",
        "ndjson",
    ];
    let assess = |policy: Option<&str>, out: &str, summary: &str| {
        let mut args = vec!["assess", file, "-o", out, "--summary", summary];
        args.extend(common);
        if let Some(p) = policy {
            args.extend(["--policy", p]);
        }
        dir.run(&args).assert_code(3);
    };
    assess(None, "base.ndjson", "base.json");
    assess(Some("reform.toml"), "reform.ndjson", "reform.json");
    let mut args = vec!["compare", "-", "--all", "-o", "cmp.ndjson"];
    args.extend(["--summary", "cmp.json"]);
    args.extend(SETS);
    args.extend(common);
    dir.run_stdin(&args, &text)
        .assert_code(3)
        .stderr_has("layak: base budget 20,000,000 IDR a month: ")
        .stderr_has("layak: reform budget 20,000,000 IDR a month: ");

    let base = parse_ndjson(&dir.read("base.ndjson")).unwrap();
    let reform = parse_ndjson(&dir.read("reform.ndjson")).unwrap();
    let cmp = parse_ndjson(&dir.read("cmp.ndjson")).unwrap();
    assert_eq!(cmp.len(), base.len());
    let mut funding_changed = 0;
    for ((c, b), r) in cmp.iter().zip(&base).zip(&reform) {
        assert_eq!(c["household_id"], b["household_id"]);
        for (side, d) in [("base", b), ("reform", r)] {
            assert_eq!(c[format!("{side}_funded")], d["funded"], "{side} of {c}");
            assert_eq!(c[format!("{side}_rank")], d["rank"], "{side} of {c}");
        }
        funding_changed += usize::from(c["base_funded"] != c["reform_funded"]);
    }
    assert!(funding_changed > 0, "the reform changes who is funded");

    let doc: Value = serde_json::from_str(&dir.read("cmp.json")).unwrap();
    let base_summary: Value = serde_json::from_str(&dir.read("base.json")).unwrap();
    let reform_summary: Value = serde_json::from_str(&dir.read("reform.json")).unwrap();
    // The input file's name differs (standard input here): nothing else.
    let named = |mut v: Value| {
        v["input"] = Value::Null;
        figures(v)
    };
    assert_eq!(named(doc["base"].clone()), named(base_summary.clone()));
    assert_eq!(named(doc["reform"].clone()), named(reform_summary.clone()));
    for side in [&base_summary, &reform_summary] {
        let (funded, eligible) = (
            side["budget"]["households_funded"].as_u64().unwrap(),
            side["budget"]["households_eligible"].as_u64().unwrap(),
        );
        assert!(
            0 < funded && funded < eligible,
            "the budget funds some, not all"
        );
    }
    // The budget effect: reform minus base.
    for key in ["households_funded", "monthly_used", "households_waiting"] {
        let d = reform_summary["budget"][key].as_i64().unwrap()
            - base_summary["budget"][key].as_i64().unwrap();
        assert_eq!(doc["delta"]["budget"][key], d, "{key}");
    }
    let funded = |v: &Value| {
        v["total"]["budget"]["funded"]["households"]
            .as_i64()
            .unwrap()
    };
    assert_eq!(
        doc["delta"]["total"]["budget"]["funded"]["households"],
        funded(&reform_summary) - funded(&base_summary)
    );

    // Without --all: the changed rows, and those whose funding changed.
    let mut args = vec!["compare", file, "-o", "changed.csv"];
    args.extend(SETS);
    args.extend(common);
    let n = args.len();
    args[n - 1] = "csv";
    dir.run(&args).assert_code(3);
    let t = crate::util::Table::read(&dir.join("changed.csv"));
    let header = &t.header;
    assert_eq!(
        &header[header.len() - 4..],
        ["base_funded", "base_rank", "reform_funded", "reform_rank"]
    );
    let expected = cmp
        .iter()
        .filter(|c| c["change"] != "same" || c["base_funded"] != c["reform_funded"])
        .count();
    assert_eq!(t.rows.len(), expected);
    assert!(
        t.rows
            .iter()
            .any(|r| r["change"] == "same" && r["base_funded"] != r["reform_funded"]),
        "a household whose only change is its funding is written"
    );
}
