//! Unit tests of loading and running a test file.
use super::*;

const CASES: &str = r#"
as_of = "2025-06-01"

[[case]]
name = "poor"
input = { members = 4, monthly_income = 1000000 }
[case.expect]
income_status = "poor"
programs = ["food_assistance", "capacity_building"]
"amount.food_assistance" = 200000
status.capacity_building = "granted"
per_capita_income = "1000000 / 4"
"#;

#[test]
fn a_case_passes_and_dotted_keys_are_flattened() {
    let suite = Suite::load("t.toml", CASES, &SuiteOptions::default()).unwrap();
    let out = suite.run();
    assert_eq!(out.len(), 1);
    assert!(out[0].passed(), "{:?}", out[0]);
}

#[test]
fn a_wrong_expectation_fails_with_expected_and_found() {
    let text = CASES.replace("200000", "210000");
    let suite = Suite::load("t.toml", &text, &SuiteOptions::default()).unwrap();
    let out = suite.run();
    assert_eq!(
        out[0].mismatches,
        ["amount.food_assistance: expected 210000, found 200000 (tolerance 0.000001)"]
    );
    // The trace is explain's, naming the case's line in the test file.
    assert!(
        out[0]
            .trace
            .starts_with("Household case-1 (t.toml, line 5)\n"),
        "{}",
        out[0].trace
    );
    assert!(out[0].trace.contains("\nPrograms (in declared order)\n"));
}

#[test]
fn unknown_names_are_errors_with_suggestions() {
    let text = CASES
        .replace("members = 4", "membrs = 4")
        .replace("income_status =", "income_stauts =");
    let err = Suite::load("t.toml", &text, &SuiteOptions::default()).unwrap_err();
    let rendered = err.render();
    assert!(
        rendered.contains("unknown input `membrs` in case \"poor\""),
        "{rendered}"
    );
    assert!(rendered.contains("did you mean `members`?"), "{rendered}");
    assert!(
        rendered.contains("unknown expectation `income_stauts`"),
        "{rendered}"
    );
    assert!(
        rendered.contains("did you mean `income_status`?"),
        "{rendered}"
    );
}

#[test]
fn a_reject_reason_alone_expects_a_reject() {
    let text = r#"
[[case]]
name = "too many disabled"
input = { members = 1, disabled = 2, monthly_income = 5 }
[case.expect]
reject_reason = "disabled is more than members"
"#;
    let suite = Suite::load("t.toml", text, &SuiteOptions::default()).unwrap();
    let out = suite.run();
    assert!(out[0].passed(), "{:?}", out[0]);
}

#[test]
fn parameter_overrides_reload_the_policy() {
    let text = CASES.replace(
        "[case.expect]",
        "parameters = { food_assistance_monthly = 250000 }\n[case.expect]",
    );
    let suite = Suite::load("t.toml", &text, &SuiteOptions::default()).unwrap();
    let out = suite.run();
    assert_eq!(
        out[0].mismatches,
        ["amount.food_assistance: expected 200000, found 250000 (tolerance 0.000001)"]
    );
}

// See: issue 13 review, H4 (lists in messages are bounded).
#[test]
fn a_long_list_of_names_in_a_hint_is_cut_short() {
    let text = CASES.replace("members = 4", "zzzz = 4, members = 4");
    let err = Suite::load("t.toml", &text, &SuiteOptions::default()).unwrap_err();
    let rendered = err.render();
    let policy = Policy::default_policy(&Default::default()).unwrap();
    let inputs = policy.inputs.len();
    assert!(inputs > crate::policy::MESSAGE_LIST_ITEMS, "{inputs}");
    let more = format!("… and {} more", inputs - crate::policy::MESSAGE_LIST_ITEMS);
    assert!(rendered.contains(&more), "{rendered}");
    let last = &policy.inputs[inputs - 1].name;
    assert!(
        !rendered.contains(&format!(", {last}")),
        "{last} is listed: {rendered}"
    );
}

#[test]
fn a_missing_reason_names_the_reasons_found() {
    // The explain trace lists no reasons, so the mismatch names them.
    let text = CASES.replace(
        "income_status = \"poor\"",
        "reasons_contain = [\"no such reason\"]",
    );
    let suite = Suite::load("t.toml", &text, &SuiteOptions::default()).unwrap();
    let out = suite.run();
    let [line] = &out[0].mismatches[..] else {
        panic!("{:?}", out[0].mismatches)
    };
    assert!(
        line.starts_with("reasons_contain: no reason contains \"no such reason\", found ["),
        "{line}"
    );
    assert!(line.contains("food_assistance"), "{line}");
}
