//! Person inputs and `from_persons` reducers in policy files (issue 18,
//! part 1), through the real binary: the default policy declares them and
//! still decides a household file exactly as a policy without them; broken
//! person declarations and reducers are load errors with their place, a
//! caret and a hint.
// See: issue 18

use crate::util::{Dir, repo, repo_text};

const DEFAULT: &str = include_str!("../../data/policies/default.toml");

/// The default policy without its person side: no `from_persons` lines, no
/// `[persons]` table, no `[[person_inputs]]`.
fn without_persons() -> String {
    let start = DEFAULT
        .find("# ---------------------------------------------------------------- persons")
        .expect("a persons section");
    let end = DEFAULT
        .find("# ---------------------------------------------------------------- checks")
        .expect("a checks section");
    let text = format!("{}{}", &DEFAULT[..start], &DEFAULT[end..]);
    let text: Vec<&str> = text
        .lines()
        .filter(|l| !l.starts_with("from_persons = "))
        .collect();
    let text = text.join("\n") + "\n";
    assert!(
        !text.contains("from_persons = ") && !text.contains("[[person_inputs]]"),
        "person lines left"
    );
    text
}

/// `text` with every 16-hex-digit policy hash replaced by `HASH`.
fn without_hashes(text: &str, hashes: &[&str]) -> String {
    hashes
        .iter()
        .fold(text.to_string(), |t, h| t.replace(h, "HASH"))
}

fn policy_hash(dir: &Dir, policy: &str) -> String {
    let out = dir.run(&["policy", "check", policy]);
    out.assert_code(0);
    let stdout = &out.stdout;
    let at = stdout.find("(hash ").expect("a hash") + 6;
    stdout[at..at + 16].to_string()
}

#[test]
fn the_default_policy_with_persons_decides_a_household_file_as_before() {
    let dir = Dir::new();
    dir.write("plain.toml", without_persons());
    dir.write("default.toml", DEFAULT);
    let sample = repo("data/sample-households.csv");
    let hashes = [
        policy_hash(&dir, "plain.toml"),
        policy_hash(&dir, "default.toml"),
    ];
    assert_ne!(hashes[0], hashes[1]);
    let hashes: Vec<&str> = hashes.iter().map(String::as_str).collect();
    for format in ["csv", "json"] {
        let mut outputs = Vec::new();
        for policy in ["plain.toml", "default.toml"] {
            let out = dir.run(&[
                "assess",
                "--policy",
                policy,
                "--as-of",
                "2025-06-01",
                "--format",
                format,
                &sample,
            ]);
            out.assert_code(3).no_panic();
            outputs.push(without_hashes(&out.stdout, &hashes));
        }
        assert_eq!(outputs[0], outputs[1], "{format}");
        assert!(outputs[0].len() > 1000, "{format}: {}", outputs[0]);
    }
}

#[test]
fn policy_show_lists_the_person_inputs_and_reducers() {
    let dir = Dir::new();
    let out = dir.run(&["policy", "show"]);
    out.assert_code(0);
    for needle in [
        "[persons]\nnumber = \"person_no\"",
        "[[person_inputs]]\nname = \"age\"\ntype = \"integer\"",
        "from_persons = 'count()'",
        "from_persons = 'sum(income)'",
        "from_persons = 'one(sex == female where relationship == head)'",
    ] {
        out.stdout_has(needle);
    }
    // The reference documents the syntax with the same reducers.
    let readme = repo_text("data/policies/README.md");
    for needle in ["[[person_inputs]]", "from_persons", "one(EXPR where COND)"] {
        assert!(readme.contains(needle), "README lacks {needle}");
    }
}

/// 1-based line and column of the first `needle` in `text`.
#[track_caller]
fn line_col(text: &str, needle: &str) -> String {
    let at = text
        .find(needle)
        .unwrap_or_else(|| panic!("{needle:?} not found"));
    let line = text[..at].matches('\n').count() + 1;
    let line_start = text[..at].rfind('\n').map_or(0, |i| i + 1);
    format!("{line}:{}", text[line_start..at].chars().count() + 1)
}

#[test]
fn broken_reducers_are_load_errors_with_place_and_help() {
    // (replace this in the default policy, with this; the error's place, message and help)
    let cases: &[(&str, &str, &str, &str, &str)] = &[
        (
            "from_persons = 'count(age <= 6)'",
            "from_persons = 'count(agee <= 6)'",
            "agee <= 6",
            "error: unknown name `agee`",
            "did you mean `age`?",
        ),
        (
            "from_persons = 'count(age >= 60)'",
            "from_persons = 'count(age >= 60 and meals_per_day < 2)'",
            "meals_per_day < 2",
            "error: unknown name `meals_per_day`",
            "`meals_per_day` is an input of the household: expressions inside a reducer see only the person inputs and parameters",
        ),
        (
            "from_persons = 'count(disabled)'",
            "from_persons = 'cout(disabled)'",
            "cout",
            "error: unknown reducer `cout`",
            "did you mean `count`?",
        ),
        (
            "from_persons = 'one(education where relationship == head)'",
            "from_persons = 'one(relationship where relationship == head)'",
            "relationship where",
            "error: `relationship` can be head, spouse, child, parent, other, which input `head_education` does not allow",
            "`head_education` allows: none, primary, secondary, tertiary",
        ),
        (
            "from_persons = 'one(sex == female where relationship == head)'",
            "from_persons = 'one(sex == female where relationship == haed)'",
            "haed",
            "error: `haed` is not an allowed value of `relationship`",
            "allowed values: head, spouse, child, parent, other",
        ),
        (
            "from_persons = 'sum(income)'",
            "from_persons = 'sum(income * 2)'",
            "income * 2",
            "error: `sum` gives a number, but input `monthly_income` is money",
            "anything computed is a number",
        ),
        (
            "from_persons = 'count(age >= 7 and age <= 18)'",
            "from_persons = 'any(age >= 7 and age <= 18)'",
            "any",
            "error: `any` gives a boolean, but input `school_age_children` is an integer",
            "",
        ),
        (
            "number = \"person_no\"",
            "number = \"person_nr\"",
            "\"person_nr\"",
            "error: `[persons] number` names `person_nr`, which is not a person input",
            "did you mean `person_no`?",
        ),
    ];
    for &(old, new, at, message, help) in cases {
        assert_eq!(DEFAULT.matches(old).count(), 1, "{old}");
        let policy = DEFAULT.replacen(old, new, 1);
        let dir = Dir::new();
        dir.write("bad.toml", &policy);
        let out = dir.run(&["policy", "check", "bad.toml"]);
        out.assert_code(1).no_panic();
        out.stderr_has(message)
            .stderr_has(&format!("--> bad.toml:{}", line_col(&policy, at)))
            .stderr_has(new)
            .stderr_has(help);
        // The caret underlines the place.
        let caret = out
            .stderr
            .lines()
            .find(|l| l.trim_start().starts_with("|") && l.contains('^'))
            .unwrap_or_else(|| panic!("no caret for {new}:\n{}", out.stderr));
        assert!(caret.contains('^'), "{caret}");
        // `assess` refuses the policy the same way, before reading a row.
        let sample = repo("data/sample-households.csv");
        let out = dir.run(&["assess", "--policy", "bad.toml", &sample, "-o", "out.csv"]);
        out.assert_code(1).stderr_has(message);
        assert!(!dir.exists("out.csv"));
    }
}

#[test]
fn a_household_expression_naming_a_person_input_gets_a_hint() {
    let old = "rule = 'disabled <= members'";
    let policy = DEFAULT.replacen(old, "rule = 'disabled <= members and age < 130'", 1);
    let dir = Dir::new();
    dir.write("bad.toml", &policy);
    let out = dir.run(&["policy", "check", "bad.toml"]);
    out.assert_code(1)
        .stderr_has("error: unknown name `age`")
        .stderr_has(&format!("--> bad.toml:{}", line_col(&policy, "age < 130")))
        .stderr_has(
            "`age` is a person input: household expressions see persons only through a reducer",
        );
}
