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

const DATES: &str = r#"[policy]
id = "dates"
name = "dates"
version = "1"

[[person_inputs]]
name = "birth_date"
type = "date"
required = true

[[inputs]]
name = "household_id"
type = "id"
required = true

[[inputs]]
name = "elderly"
type = "integer"
min = 0
default = 0
from_persons = 'count(years_between(birth_date, as_of) >= 60)'

[[inputs]]
name = "shock_date"
type = "date"
default = "1970-01-01"

[[derived]]
name = "shock_months_ago"
type = "number"
expr = 'months_between(shock_date, as_of)'

[[programs]]
id = "elderly_aid"
name = "elderly aid"
kind = "cash_transfer"
provider = "state"
eligible = 'elderly > 0 and shock_months_ago < 6'
amount = '100 * elderly'
period = "month"
reason = "shock on {shock_date}, {shock_months_ago} months ago"

[[tracks]]
id = "all"
"#;

#[test]
fn dates_in_household_and_person_rows() {
    let dir = Dir::new();
    dir.write("p.toml", DATES);
    dir.write(
        "h.csv",
        "household_id,shock_date\nA,2025-01-01\nB,2024-12-01\nC,2025-02-30\n",
    );
    // On 2025-06-01: born 1965-06-01 is 60, born 1965-06-02 is 59, born on
    // 29 February 1964 is 61.
    dir.write(
        "p.csv",
        "household_id,birth_date\nA,1965-06-01\nA,1965-06-02\nA,1964-02-29\nB,1960-01-01\nC,1960-01-01\n",
    );
    let out = dir.run(&[
        "assess",
        "--policy",
        "p.toml",
        "h.csv",
        "--persons",
        "p.csv",
        "--as-of",
        "2025-06-01",
        "-o",
        "out.csv",
    ]);
    out.assert_code(3).no_panic();
    // A bad date rejects the row like a bad number.
    out.stderr_has("shock_date: `2025-02-30` is not a date: expected YYYY-MM-DD")
        .stderr_has("[invalid_value]");
    let table = crate::util::Table::parse(&dir.read("out.csv")).unwrap();
    // 5 whole months since 2025-01-01: granted, two elderly.
    assert_eq!(table.row("A")["monthly_total"], "200");
    assert!(
        table.row("A")["reasons"].contains("shock on 2025-01-01, 5 months ago"),
        "{}",
        table.row("A")["reasons"]
    );
    // 6 months since 2024-12-01: not granted.
    assert_eq!(table.row("B")["monthly_total"], "0");
    // A profile may declare DD/MM/YYYY.
    dir.write(
        "h2.csv",
        "household_id,shock_date\nA,01/01/2025\nB,01/12/2024\nC,31/12/2024\n",
    );
    dir.write("prof.toml", "[inputs.shock_date]\ndate = \"DD/MM/YYYY\"\n");
    let out = dir.run(&[
        "assess",
        "--policy",
        "p.toml",
        "h2.csv",
        "--profile",
        "prof.toml",
        "--persons",
        "p.csv",
        "--as-of",
        "2025-06-01",
        "-o",
        "out2.csv",
    ]);
    out.assert_code(0).no_panic();
    let table = crate::util::Table::parse(&dir.read("out2.csv")).unwrap();
    assert_eq!(table.row("A")["monthly_total"], "200");
    // A date input as an output column is a date, in CSV, JSON and Parquet.
    let columns = ["--columns", "household_id,shock_date,shock_months_ago"];
    let mut args = vec![
        "assess",
        "--policy",
        "p.toml",
        "h2.csv",
        "--profile",
        "prof.toml",
        "--persons",
        "p.csv",
        "--as-of",
        "2025-06-01",
    ];
    args.extend_from_slice(&columns);
    let csv = dir.run(&[&args[..], &["-o", "-"]].concat()).csv();
    assert_eq!(csv.row("C")["shock_date"], "2024-12-31");
    assert_eq!(csv.row("C")["shock_months_ago"], "5");
    let json = dir.run(&[&args[..], &["-o", "-", "--format", "ndjson"]].concat());
    assert!(
        json.stdout.contains(r#""shock_date":"2025-01-01""#),
        "{}",
        json.stdout
    );
    // Parquet holds the CSV's text (the helper adds its own --as-of).
    let no_date = &args[..args.len() - 4];
    let schema = crate::output_formats::parquet_like_csv(&dir, &[no_date, &columns[..]].concat());
    let field = schema.field_with_name("shock_date").unwrap();
    assert_eq!(field.data_type(), &arrow_schema::DataType::Utf8);
}
