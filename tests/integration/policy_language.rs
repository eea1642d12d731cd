//! The policy language's maths, text tests and tables through the real
//! binary: the PMT and provincial-lines policies pass their tests and decide
//! their samples, an undefined `ln` rejects a row naming its expression, a
//! text input is tested against strings, and a table file that leaves the
//! policy's folder is refused.

use crate::util::{Dir, repo, repo_text};

#[track_caller]
fn passes(rel: &str) {
    let out = Dir::new().run(&["policy", "test", &repo(rel)]);
    out.assert_code(0).no_panic();
    let cases = repo_text(rel).matches("[[case]]").count();
    out.stdout_has(&format!("{cases} passed, 0 failed"));
}

#[test]
fn the_pmt_example_passes_its_tests_and_decides_its_sample() {
    passes("examples/policies/pmt.tests.toml");
    let dir = Dir::new();
    let policy = repo("examples/policies/pmt.toml");
    let sample = repo("examples/policies/pmt-sample.csv");
    let out = dir.run(&[
        "assess",
        "--policy",
        &policy,
        &sample,
        "--as-of",
        "2025-06-01",
        "-o",
        "out.csv",
    ]);
    out.assert_code(0).no_panic().assert_counts(8, 8, 0);
    let table = crate::util::Table::parse(&dir.read("out.csv")).unwrap();
    assert_eq!(table.row("M01")["programs"], "pmt_transfer");
    assert_eq!(table.row("M02")["programs"], "");
}

#[test]
fn the_provincial_lines_policy_passes_its_tests() {
    passes("data/policies/provincial-lines.tests.toml");
    Dir::new()
        .run(&[
            "policy",
            "check",
            "--strict",
            &repo("data/policies/provincial-lines.toml"),
        ])
        .assert_code(0)
        .stdout_has(": ok — policy `provincial-lines`");
}

const POLICY: &str = r#"[policy]
id = "lang"
name = "lang"
version = "1"

[[inputs]]
name = "household_id"
type = "id"
required = true

[[inputs]]
name = "region"
type = "text"
default = ""

[[inputs]]
name = "income"
type = "number"
required = true

[[derived]]
name = "log_income"
type = "number"
expr = 'round(ln(income), 3)'

[[programs]]
id = "papua"
name = "papua"
kind = "cash_transfer"
provider = "state"
eligible = 'starts_with(region, "9") or region in ["Papua", "papua barat"]'
amount = '10 * 2 ^ 2 + 7 % 4'
period = "month"

[[tracks]]
id = "all"
"#;

#[test]
fn text_tests_maths_and_an_undefined_logarithm() {
    let dir = Dir::new();
    dir.write("p.toml", POLICY);
    dir.write(
        "h.csv",
        "household_id,region,income\nA,9101,100\nB, PAPUA ,100\nC,5201,100\nD,,0\n",
    );
    let out = dir.run(&["assess", "--policy", "p.toml", "h.csv", "-o", "out.csv"]);
    // Exit code 3: some rows were rejected.
    out.assert_code(3).no_panic().assert_counts(4, 3, 1);
    out.stderr_has("log_income (from `ln(income)` at column 7) is undefined");
    let table = crate::util::Table::parse(&dir.read("out.csv")).unwrap();
    assert_eq!(table.row("A")["programs"], "papua");
    assert_eq!(table.row("A")["monthly_total"], "43");
    assert_eq!(table.row("B")["programs"], "papua");
    assert_eq!(table.row("C")["programs"], "");
}

#[test]
fn a_text_input_is_only_compared_with_strings() {
    let dir = Dir::new();
    dir.write(
        "p.toml",
        POLICY.replace("region in [\"Papua\", \"papua barat\"]", "region > 3"),
    );
    dir.run(&["policy", "check", "p.toml"])
        .assert_code(1)
        .stderr_has("`region` is a text input: it can only be compared with quoted strings");
}

#[test]
fn a_table_file_outside_the_policy_folder_is_refused() {
    let dir = Dir::new();
    std::fs::create_dir(dir.join("policy")).unwrap();
    dir.write("secret.csv", "district,value\n11,1\n");
    let table = |file: &str| {
        format!(
            "{POLICY}\n[[inputs]]\nname = \"district\"\ntype = \"enum\"\nvalues = [\"11\"]\ndefault = \"11\"\n\n[[tables]]\nname = \"t\"\nkeys = [\"district\"]\nfile = '{file}'\n"
        )
    };
    for (file, message) in [
        ("../secret.csv", "goes up with `..`"),
        (
            &*dir.join("secret.csv").to_string_lossy(),
            "is an absolute path",
        ),
    ] {
        dir.write("policy/p.toml", table(file));
        dir.run(&["policy", "check", "policy/p.toml"])
            .assert_code(1)
            .no_panic()
            .stderr_has(message);
    }
}
