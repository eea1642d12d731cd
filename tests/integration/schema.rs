//! `layak schema`: the policy's inputs as a table, as JSON and as an empty
//! CSV header, for the default policy and an example policy; and its errors.

use serde_json::Value;

use crate::util::{Dir, Output, repo, repo_text};

/// The default policy's inputs in declared order: name, type, default (or `required`).
const DEFAULT_INPUTS: [(&str, &str, &str); 27] = [
    ("household_id", "id", "required"),
    ("region", "text", "(empty)"),
    ("area", "enum", "rural"),
    ("members", "integer", "required"),
    ("monthly_income", "money", "required"),
    ("young_children", "integer", "0"),
    ("school_age_children", "integer", "0"),
    ("children_not_in_school", "integer", "0"),
    ("elderly", "integer", "0"),
    ("disabled", "integer", "0"),
    ("working_age_able", "integer", "1"),
    ("head_female", "bool", "false"),
    ("head_education", "enum", "primary"),
    ("meals_per_day", "integer", "3"),
    ("floor_area_m2", "number", "0"),
    ("floor_material", "enum", "cement"),
    ("water_source", "enum", "piped"),
    ("sanitation", "enum", "private"),
    ("electricity", "bool", "true"),
    ("cooking_fuel", "enum", "gas"),
    ("health_insurance", "bool", "true"),
    ("shock", "enum", "none"),
    ("shock_months_ago", "integer", "0"),
    ("home_damaged", "bool", "false"),
    ("receives_pkh", "bool", "false"),
    ("receives_bpnt", "bool", "false"),
    ("other_food_aid_monthly", "money", "0"),
];

fn names() -> Vec<&'static str> {
    DEFAULT_INPUTS.iter().map(|i| i.0).collect()
}

/// The table's rows as cells, cut at the columns of its header line.
#[track_caller]
fn table_rows(out: &Output) -> Vec<[String; 5]> {
    let lines: Vec<&str> = out.stdout.lines().collect();
    let Some(h) = lines.iter().position(|l| l.starts_with("name ")) else {
        out.fail("no header line starting with `name`")
    };
    let header = lines[h];
    let starts: Vec<usize> = [
        "name",
        "type",
        "allowed values / range",
        "default / required",
        "meaning",
    ]
    .iter()
    .map(|c| {
        let at = header
            .find(c)
            .unwrap_or_else(|| out.fail(format_args!("the header has no column {c:?}")));
        header[..at].chars().count()
    })
    .collect();
    let mut rows = Vec::new();
    // Skip the header and the rule under it; stop at the blank line before the notes.
    for line in lines[h + 2..].iter().take_while(|l| !l.is_empty()) {
        let chars: Vec<char> = line.chars().collect();
        let cell = |k: usize| -> String {
            let from = starts[k].min(chars.len());
            let to = starts
                .get(k + 1)
                .copied()
                .unwrap_or(chars.len())
                .min(chars.len());
            chars[from..to]
                .iter()
                .collect::<String>()
                .trim()
                .to_string()
        };
        rows.push([cell(0), cell(1), cell(2), cell(3), cell(4)]);
    }
    rows
}

#[test]
fn table_lists_every_input_with_its_type_and_default() {
    let dir = Dir::new();
    let out = dir.run(&["schema"]);
    out.assert_code(0).no_panic();
    let rows = table_rows(&out);
    // A wrapped cell continues on a line with an empty name.
    let named: Vec<&[String; 5]> = rows.iter().filter(|r| !r[0].is_empty()).collect();
    let found: Vec<&str> = named.iter().map(|r| r[0].as_str()).collect();
    assert_eq!(found, names(), "{out}");
    for ((name, ty, default), row) in DEFAULT_INPUTS.iter().zip(&named) {
        assert_eq!(&row[1], ty, "type of {name}\n{out}");
        assert_eq!(&row[3], default, "default of {name}\n{out}");
    }
    let row = |name: &str| named.iter().find(|r| r[0] == name).unwrap();
    assert_eq!(row("members")[2], "1..=50");
    assert_eq!(row("monthly_income")[2], "≥ 0");
    assert_eq!(row("area")[2], "urban, rural");
    assert_eq!(row("members")[4], "household size");
    out.stdout_has("Policy `layak-default` version 1.0.0")
        .stdout_has("27 inputs")
        .stdout_has("true/false, yes/no, y/n, 1/0 and ya/tidak");
}

#[test]
fn json_has_the_policy_and_its_27_inputs() {
    let dir = Dir::new();
    let out = dir.run(&["schema", "--format", "json", "--as-of", "2025-06-01"]);
    out.assert_code(0).no_panic();
    let v: Value = serde_json::from_str(&out.stdout)
        .unwrap_or_else(|e| out.fail(format_args!("stdout is not JSON: {e}")));
    assert_eq!(v["policy"]["id"], "layak-default");
    assert_eq!(v["policy"]["version"], "1.0.0");
    assert_eq!(v["policy"]["as_of"], "2025-06-01");
    assert_eq!(v["policy"]["hash"].as_str().map(str::len), Some(16));
    let inputs = v["inputs"].as_array().expect("inputs is an array");
    assert_eq!(inputs.len(), 27);
    let found: Vec<&str> = inputs.iter().map(|i| i["name"].as_str().unwrap()).collect();
    assert_eq!(found, names());
    for ((name, ty, default), i) in DEFAULT_INPUTS.iter().zip(inputs) {
        assert_eq!(i["type"], *ty, "{name}");
        assert_eq!(i["required"], *default == "required", "{name}");
        assert!(i["meaning"].is_string(), "{name}");
        if *default == "required" {
            assert!(i.get("default").is_none(), "{name} has a default");
        }
    }
    let input = |name: &str| inputs.iter().find(|i| i["name"] == name).unwrap();
    assert_eq!(input("members")["min"], 1);
    assert_eq!(input("members")["max"], 50);
    assert_eq!(
        input("area")["values"],
        serde_json::json!(["urban", "rural"])
    );
    assert_eq!(input("area")["default"], "rural");
    assert_eq!(input("electricity")["default"], true);
    assert_eq!(input("working_age_able")["default"], 1);
    assert_eq!(input("region")["default"], "");
    assert!(input("members").get("values").is_none());
}

#[test]
fn template_is_one_header_line_of_the_input_names() {
    let dir = Dir::new();
    let comma = dir.run(&["schema", "--template"]);
    comma.assert_code(0).no_panic();
    assert_eq!(comma.stdout, format!("{}\n", names().join(",")), "{comma}");
    assert_eq!(comma.stderr, "");
    let semicolon = dir.run(&["schema", "--template", "--delimiter", ";"]);
    semicolon.assert_code(0);
    assert_eq!(semicolon.stdout, format!("{}\n", names().join(";")));
    let tab = dir.run(&["schema", "--template", "-d", "tab"]);
    assert_eq!(tab.stdout, format!("{}\n", names().join("\t")));
    let pipe = dir.run(&["schema", "--template", "-d", "|"]);
    assert_eq!(pipe.stdout, format!("{}\n", names().join("|")));
}

#[test]
fn the_template_is_a_file_that_assess_accepts() {
    let dir = Dir::new();
    let out = dir.run(&["schema", "--template", "-d", ";"]);
    let mut survey = out.stdout.clone();
    // One household typed into the empty form: only the required cells filled.
    let mut cells = vec![""; 27];
    cells[0] = "F1";
    cells[3] = "4";
    cells[4] = "1000000";
    survey.push_str(&cells.join(";"));
    survey.push('\n');
    dir.write("survey.csv", survey);
    let assessed = dir.run(&["assess", "survey.csv", "--as-of", "2025-06-01"]);
    assessed.assert_code(0).assert_counts(1, 1, 0);
    assert_eq!(assessed.csv().row("F1")["income_status"], "poor");
}

#[test]
fn an_example_policy_has_its_own_schema() {
    let dir = Dir::new();
    let mpi = repo("examples/policies/mpi.toml");
    let table = dir.run(&["schema", "--policy", &mpi]);
    table.assert_code(0).no_panic();
    table
        .stdout_has("Policy `global-mpi`")
        .stdout_has("max_years_schooling")
        .stdout_has("0..=30");
    let rows = table_rows(&table);
    let row = rows.iter().find(|r| r[0] == "max_years_schooling").unwrap();
    assert_eq!(row[1], "integer");
    assert_eq!(row[3], "required");

    // Each example's sample file starts with exactly its template.
    for (policy, sample) in [
        ("mpi.toml", "mpi-sample.csv"),
        ("income-only.toml", "income-only-sample.csv"),
    ] {
        let policy = repo(&format!("examples/policies/{policy}"));
        let out = dir.run(&["schema", "--policy", &policy, "--template"]);
        out.assert_code(0);
        let header = repo_text(&format!("examples/policies/{sample}"))
            .lines()
            .next()
            .unwrap()
            .to_string();
        assert_eq!(out.stdout, format!("{header}\n"), "{out}");
    }

    let json = dir.run(&["schema", "--policy", &mpi, "-f", "json"]);
    let v: Value = serde_json::from_str(&json.stdout).unwrap();
    assert_eq!(v["inputs"].as_array().unwrap().len(), 17);
    assert_eq!(v["policy"]["id"], "global-mpi");
}

#[test]
fn errors_say_what_is_wrong() {
    let dir = Dir::new();
    let bad_delimiter = dir.run(&["schema", "--template", "-d", ";;"]);
    bad_delimiter
        .assert_code(2)
        .no_panic()
        .stderr_has("--delimiter \";;\": expected one ASCII character");
    let bad_format = dir.run(&["schema", "--format", "yaml"]);
    bad_format.assert_code(2).stderr_has("yaml");
    let bad_date = dir.run(&["schema", "--as-of", "2025-13-01"]);
    bad_date
        .assert_code(2)
        .stderr_has("--as-of 2025-13-01: not a valid date");
    let missing = dir.run(&["schema", "--policy", "nope.toml"]);
    missing
        .assert_code(1)
        .no_panic()
        .stderr_has("cannot read policy file nope.toml");
    assert_eq!(missing.stdout, "");
    dir.write("broken.toml", "[policy]\nid = \"x\"\n");
    let broken = dir.run(&["schema", "--policy", "broken.toml"]);
    broken
        .assert_code(1)
        .stderr_has("broken.toml")
        .stderr_has("missing field `name`");
}
