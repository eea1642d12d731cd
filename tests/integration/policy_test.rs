//! `layak policy test`: the default policy's own test file and the example
//! policies' test files pass; a failing case shows expected and found values
//! and the trace `layak explain` shows for its household; malformed test files are refused with located messages. Also
//! checks that every example policy loads and decides its sample file.

use crate::snapshot::assert_snapshot;
use crate::util::{Dir, Output, repo, repo_text};

/// The closing line must be exactly `N passed, M failed`; returns (N, M).
#[track_caller]
fn summary(out: &Output) -> (usize, usize) {
    let Some(last) = out.stdout.lines().last() else {
        out.fail("no output")
    };
    let parsed = last
        .split_once(" passed, ")
        .and_then(|(p, rest)| Some((p.parse().ok()?, rest.strip_suffix(" failed")?.parse().ok()?)));
    parsed.unwrap_or_else(|| {
        out.fail(format_args!(
            "the last line {last:?} is not `N passed, M failed`"
        ))
    })
}

/// Every shipped test file passes, with one `ok` line per case.
#[track_caller]
fn passes(rel: &str) -> Output {
    let dir = Dir::new();
    let out = dir.run(&["policy", "test", &repo(rel)]);
    out.assert_code(0).no_panic();
    let cases = repo_text(rel).matches("[[case]]").count();
    assert_eq!(summary(&out), (cases, 0), "{out}");
    assert_eq!(
        out.stdout
            .lines()
            .filter(|l| l.starts_with("ok   "))
            .count(),
        cases,
        "{out}"
    );
    assert!(!out.stdout.contains("FAIL"), "{out}");
    out
}

#[test]
fn the_default_policy_passes_its_own_tests() {
    let out = passes("data/policies/default.tests.toml");
    let (passed, _) = summary(&out);
    assert!(passed >= 25, "only {passed} cases");
    out.stdout_has("policy `layak-default` version 1.0.0")
        .stdout_has("as of 2025-06-01");
}

#[test]
fn the_mpi_example_passes_its_tests() {
    passes("examples/policies/mpi.tests.toml").stdout_has("policy `global-mpi`");
}

#[test]
fn the_income_only_example_passes_its_tests() {
    passes("examples/policies/income-only.tests.toml").stdout_has("policy `income-only`");
}

#[test]
fn the_providers_example_passes_its_tests() {
    // Issue 20: `excludes`, `reduced_by` and `[caps]` per provider and in total.
    let out = passes("examples/policies/providers.tests.toml");
    out.stdout_has("policy `providers-example`");
    let (passed, _) = summary(&out);
    assert_eq!(passed, 8, "{out}");
}

#[test]
fn several_files_run_in_one_command() {
    let dir = Dir::new();
    let files = [
        repo("data/policies/default.tests.toml"),
        repo("examples/policies/mpi.tests.toml"),
        repo("examples/policies/income-only.tests.toml"),
    ];
    let mut args = vec!["policy", "test"];
    args.extend(files.iter().map(String::as_str));
    let out = dir.run(&args);
    out.assert_code(0);
    let total: usize = files
        .iter()
        .map(|f| {
            std::fs::read_to_string(f)
                .unwrap()
                .matches("[[case]]")
                .count()
        })
        .sum();
    assert_eq!(summary(&out), (total, 0));
}

#[test]
fn every_example_policy_checks_and_decides_its_sample() {
    let dir = Dir::new();
    for (policy, sample, rows) in [
        ("mpi.toml", "mpi-sample.csv", 12),
        ("income-only.toml", "income-only-sample.csv", 9),
        ("pmt.toml", "pmt-sample.csv", 8),
    ] {
        let policy = repo(&format!("examples/policies/{policy}"));
        dir.run(&["policy", "check", &policy])
            .assert_code(0)
            .stdout_has(": ok");
        let sample = repo(&format!("examples/policies/{sample}"));
        let out = dir.run(&[
            "assess",
            "--policy",
            &policy,
            &sample,
            "--as-of",
            "2025-06-01",
        ]);
        out.assert_code(0).no_panic().assert_counts(rows, rows, 0);
    }
}

const FAILING: &str = r#"
as_of = "2025-06-01"

[[case]]
name = "Right: a poor family of four gets food assistance"
input = { household_id = "T1", members = 4, monthly_income = 1000000 }
[case.expect]
programs = ["food_assistance", "capacity_building"]

[[case]]
name = "Wrong: the same family expected to get more"
input = { household_id = "T2", members = 4, monthly_income = 1000000 }
[case.expect]
monthly_total = 999
track = "basic_needs"
"amount.food_assistance" = 200000
"#;

#[test]
fn a_failing_case_shows_expected_found_and_a_trace() {
    let dir = Dir::new();
    dir.write("cases.toml", FAILING);
    let out = dir.run(&["policy", "test", "cases.toml"]);
    out.assert_code(1).no_panic();
    assert_eq!(summary(&out), (1, 1));
    out.stdout_has("ok   Right: a poor family of four gets food assistance\n")
        .stdout_has("FAIL Wrong: the same family expected to get more\n")
        .stdout_has("monthly_total: expected 999, found 200000")
        .stdout_has("track: expected basic_needs, found capacity_building")
        // The trace is `layak explain`'s, at the case's line in the test file.
        .stdout_has("\n     Household T2 (cases.toml, line 11)\n")
        .stdout_has("per_capita_income       = 250,000")
        .stdout_has("food_assistance            GRANTED   200,000 a month")
        .stdout_has("capacity_building          GRANTED   2,000,000 once")
        .stdout_has("Track: capacity_building (rule 3");
    // The expectation that held is not listed.
    assert!(!out.stdout.contains("amount.food_assistance:"), "{out}");
    assert_snapshot("policy-test-failing.txt", &out.stdout);
}

// See: issue 21 ("`policy test` prints its own trace instead of `explain`'s renderer: one renderer").
#[test]
fn a_failing_case_shows_the_trace_explain_shows_for_its_household() {
    let dir = Dir::new();
    dir.write("cases.toml", FAILING);
    let out = dir.run(&["policy", "test", "cases.toml"]);
    out.assert_code(1);
    // The failing case's trace, without the indent under `FAIL `.
    let from = out
        .stdout
        .find("     Household T2 ")
        .unwrap_or_else(|| out.fail("no trace for T2"));
    let trace: String = out.stdout[from..]
        .lines()
        .take_while(|l| !l.starts_with("1 passed"))
        .map(|l| format!("{}\n", l.strip_prefix("     ").unwrap_or(l)))
        .collect();

    dir.write(
        "t2.csv",
        "household_id,members,monthly_income\nT2,4,1000000\n",
    );
    let explain = dir.run(&[
        "explain",
        "--detail",
        "t2.csv",
        "--id",
        "T2",
        "--as-of",
        "2025-06-01",
    ]);
    explain.assert_code(0);
    // Only the heading's place differs: the test file and line vs the CSV file and line.
    let expected = explain
        .stdout
        .replacen("(t2.csv, line 2)", "(cases.toml, line 11)", 1);
    assert_eq!(trace.trim_end(), expected.trim_end(), "{out}");
}

#[test]
fn a_reject_and_a_decision_are_told_apart() {
    let dir = Dir::new();
    dir.write(
        "cases.toml",
        r#"
[[case]]
name = "expects a reject, is decided"
input = { members = 2, monthly_income = 100 }
[case.expect]
reject = "check_failed"

[[case]]
name = "expects a decision, is rejected"
input = { members = 2, young_children = 5, monthly_income = 100 }
[case.expect]
track = "basic_needs"

[[case]]
name = "expects the wrong reject column"
input = { members = 2, young_children = 5, monthly_income = 100 }
[case.expect]
reject = "check_failed"
reject_column = "disabled_members"
"#,
    );
    let out = dir.run(&["policy", "test", "cases.toml"]);
    out.assert_code(1).no_panic();
    assert_eq!(summary(&out), (0, 3));
    out.stdout_has(
        "expected reject check_failed, but the row was decided (track capacity_building)",
    )
    .stdout_has("expected a decision, but the row was rejected: check_failed at `age_bands`")
    .stdout_has("reject_column: expected disabled_members, found age_bands")
    .stdout_has("     Household case-2 (cases.toml, line 9) is not decided: the row is rejected.\n")
    .stdout_has("       line 9 (household case-2), age_bands: ")
    .stdout_has("[check_failed]\n");
}

#[test]
fn a_malformed_test_file_is_refused() {
    let dir = Dir::new();
    dir.write(
        "bad.toml",
        "[[case]]\nname = \"x\"\ninput = { members = 2\n",
    );
    let out = dir.run(&["policy", "test", "bad.toml"]);
    out.assert_code(1)
        .no_panic()
        .stderr_has("error: invalid test file")
        .stderr_has("--> bad.toml:3:")
        .stderr_has("layak: no case was run");
    assert_eq!(out.stdout, "", "{out}");

    dir.write("empty.toml", "as_of = \"2025-06-01\"\n");
    dir.run(&["policy", "test", "empty.toml"])
        .assert_code(1)
        .stderr_has("the test file has no cases");

    dir.write("keys.toml", "[[cases]]\nname = \"x\"\n");
    dir.run(&["policy", "test", "keys.toml"])
        .assert_code(1)
        .stderr_has(
            "unknown field `cases`, expected one of `policy`, `as_of`, `tolerance`, `case`",
        );

    dir.run(&["policy", "test", "missing.toml"])
        .assert_code(1)
        .no_panic()
        .stderr_has("cannot read the test file missing.toml");
}

#[test]
fn an_unknown_input_name_is_an_error_with_a_suggestion() {
    let dir = Dir::new();
    dir.write(
        "cases.toml",
        r#"
[[case]]
name = "A typo in an input"
input = { members = 2, monthly_incme = 5 }
[case.expect]
track = "basic_needs"
"#,
    );
    let out = dir.run(&["policy", "test", "cases.toml"]);
    out.assert_code(1)
        .no_panic()
        .stderr_has("error: unknown input `monthly_incme` in case \"A typo in an input\"")
        .stderr_has("--> cases.toml:4:24")
        .stderr_has("did you mean `monthly_income`?")
        .stderr_has("layak: cases.toml has");
    assert_eq!(out.stdout, "");
}

#[test]
fn unknown_expectations_and_parameters_are_errors_with_suggestions() {
    let dir = Dir::new();
    dir.write(
        "cases.toml",
        r#"
[[case]]
name = "typos"
input = { members = 2, monthly_income = 5 }
parameters = { househld_monthly_cap = 1 }
[case.expect]
trak = "basic_needs"
"amount.food_asistance" = 5
deprivation_status = "severe_poor"
capped = "no"
"#,
    );
    let out = dir.run(&["policy", "test", "cases.toml"]);
    out.assert_code(1).no_panic();
    out.stderr_has("unknown parameter `househld_monthly_cap` in case \"typos\"")
        .stderr_has("did you mean `household_monthly_cap`?")
        .stderr_has("unknown expectation `trak`")
        .stderr_has("did you mean `track`?")
        .stderr_has("unknown expectation `amount.food_asistance`")
        .stderr_has("did you mean `amount.food_assistance`?")
        .stderr_has("`severe_poor` is not a possible value of `deprivation_status`")
        .stderr_has("`capped` in case \"typos\" must be true or false, not a string")
        .stderr_has("layak: cases.toml has 5 errors");
}

#[test]
fn the_policy_is_found_beside_the_test_file_or_given_with_policy() {
    let dir = Dir::new();
    std::fs::create_dir(dir.join("sub")).unwrap();
    dir.write(
        "sub/income.toml",
        repo_text("examples/policies/income-only.toml"),
    );
    let case = r#"
[[case]]
name = "no income"
input = { household_id = "A", members = 2, monthly_income = 0 }
as_of = "2025-06-01"
[case.expect]
"amount.income_top_up" = 1160698
"#;
    dir.write(
        "sub/beside.toml",
        format!("policy = \"income.toml\"\n{case}"),
    );
    let out = dir.run(&["policy", "test", "sub/beside.toml"]);
    out.assert_code(0).stdout_has("policy `income-only`");
    assert_eq!(summary(&out), (1, 0));

    // Without `policy = …`, --policy applies (relative to the working directory).
    dir.write("plain.toml", case);
    let out = dir.run(&[
        "policy",
        "test",
        "plain.toml",
        "--policy",
        "sub/income.toml",
    ]);
    out.assert_code(0);
    assert_eq!(summary(&out), (1, 0));

    // And without either, the embedded default policy, which has no such program.
    dir.run(&["policy", "test", "plain.toml"])
        .assert_code(1)
        .stderr_has("unknown expectation `amount.income_top_up`");

    // A policy that does not load is reported with its own errors.
    dir.write("sub/broken.toml", "[policy]\nid = \"x\"\n");
    dir.write(
        "broken-cases.toml",
        format!("policy = \"sub/broken.toml\"\n{case}"),
    );
    dir.run(&["policy", "test", "broken-cases.toml"])
        .assert_code(1)
        .stderr_has("the policy sub/broken.toml does not load")
        .stderr_has("missing field `name`");
}

#[test]
fn a_parameter_override_applies_to_its_case_only() {
    let dir = Dir::new();
    dir.write(
        "cases.toml",
        r#"
as_of = "2025-06-01"

[[case]]
name = "cap lowered"
input = { members = 4, monthly_income = 1000000, school_age_children = 2 }
parameters = { household_monthly_cap = 300000 }
[case.expect]
monthly_total = 300000
capped = true
"amount.education_support" = 100000
"capped_from.education_support" = 150000

[[case]]
name = "cap as written"
input = { members = 4, monthly_income = 1000000, school_age_children = 2 }
[case.expect]
monthly_total = 350000
capped = false
"#,
    );
    let out = dir.run(&["policy", "test", "cases.toml"]);
    out.assert_code(0);
    assert_eq!(summary(&out), (2, 0), "{out}");
}
