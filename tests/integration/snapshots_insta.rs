//! Snapshots (insta, insta-cmd) of everything a user reads: every output
//! format, every report, every error message kind. Each snapshot records the
//! exit code, standard output and standard error of one run, so a change of
//! wording is a diff to review (`cargo insta review`, see tests/README.md).
//!
//! Every run happens in a fresh temporary folder holding copies of the
//! repository files it reads, at their repository paths
//! (`data/sample-households.csv`): the snapshots name no absolute path, and
//! written files stay in the folder. Decisions depend on the date (dated
//! parameters), so every run that takes `--as-of` gets the fixed `AS_OF`.
// See: issue 13 (item 7, "Snapshots for what users read").

use std::process::Command;

use insta_cmd::assert_cmd_snapshot;

use crate::util::{Dir, LAYAK, repo, repo_text};

/// The date every run decides on: snapshots must not change with the day.
const AS_OF: &str = "2026-06-01";

const SAMPLE: &str = "data/sample-households.csv";
const DEFAULT_POLICY: &str = "data/policies/default.toml";

/// The sample's header, and a row of it (H001) that is decided.
const HEADER: &str = "household_id,region,area,members,monthly_income,young_children,school_age_children,children_not_in_school,elderly,disabled,working_age_able,head_female,head_education,meals_per_day,floor_area_m2,floor_material,water_source,sanitation,electricity,cooking_fuel,health_insurance,shock,shock_months_ago,home_damaged";
const GOOD_ROW: &str = "H001,3201,rural,5,2000000,1,2,0,0,0,2,false,primary,3,36,cement,protected_well,private,true,gas,true,none,0,false";

/// A temporary folder to run `layak` in.
struct Sandbox {
    dir: Dir,
}

impl Sandbox {
    /// A folder with copies of the repository files `files`, at the same
    /// relative paths.
    fn with(files: &[&str]) -> Sandbox {
        let dir = Dir::new();
        for file in files {
            let path = dir.join(file);
            if let Some(parent) = path.parent() {
                std::fs::create_dir_all(parent).expect("cannot create a folder");
            }
            std::fs::copy(repo(file), &path).unwrap_or_else(|e| panic!("cannot copy {file}: {e}"));
        }
        Sandbox { dir }
    }

    /// A folder with a copy of the sample households.
    fn sample() -> Sandbox {
        Sandbox::with(&[SAMPLE])
    }

    fn write(&self, name: &str, contents: impl AsRef<[u8]>) -> &Sandbox {
        self.dir.write(name, contents);
        self
    }

    /// `layak ARGS` in this folder; nothing of the test's environment that
    /// changes the output (backtraces, terminal width) reaches it.
    fn layak(&self, args: &[&str]) -> Command {
        let mut command = Command::new(LAYAK);
        command
            .args(args)
            .current_dir(self.dir.path())
            .env_remove("RUST_BACKTRACE")
            .env_remove("COLUMNS");
        command
    }

    /// insta's settings for this folder: the folder's path (as given and as
    /// resolved) reads `[TMP]`, layak's version `[VERSION]`.
    fn settings(&self) -> insta::Settings {
        let mut settings = insta::Settings::clone_current();
        settings.set_prepend_module_to_snapshot(false);
        let path = self.dir.path();
        let mut paths = vec![path.to_string_lossy().into_owned()];
        if let Ok(real) = path.canonicalize() {
            paths.push(real.to_string_lossy().into_owned());
        }
        // Longest first, so that a path is not replaced in part.
        paths.sort_by_key(|p| std::cmp::Reverse(p.len()));
        paths.dedup();
        for p in paths {
            settings.add_filter(&regex_escape(&p), "[TMP]");
        }
        settings.add_filter(
            &regex_escape(&format!("layak {}", env!("CARGO_PKG_VERSION"))),
            "layak [VERSION]",
        );
        settings
    }
}

/// `text` as a regular expression that matches exactly `text`.
fn regex_escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if "\\.+*?()|[]{}^$#&-~".contains(c) {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// Snapshot `layak ARGS` run in `sandbox` as `tests/integration/snapshots/NAME.snap`.
macro_rules! snap {
    ($sandbox:expr, $name:expr, $args:expr) => {{
        let sandbox: &Sandbox = &$sandbox;
        sandbox.settings().bind(|| {
            assert_cmd_snapshot!($name, sandbox.layak(&$args));
        });
    }};
}

/// Snapshot the text of file `file` of `sandbox` as `NAME.snap`.
fn snap_file(sandbox: &Sandbox, name: &str, file: &str) {
    let text = sandbox.dir.read(file);
    sandbox.settings().bind(|| {
        insta::assert_snapshot!(name, text);
    });
}

// ---- assess: every output format on the sample ----

#[test]
fn assess_sample_csv() {
    // Without --rejects, the first rejects are listed on standard error.
    snap!(
        Sandbox::sample(),
        "assess_sample_csv",
        ["assess", SAMPLE, "--as-of", AS_OF]
    );
}

#[test]
fn assess_sample_json_and_ndjson() {
    let sandbox = Sandbox::sample();
    for format in ["json", "ndjson"] {
        snap!(
            sandbox,
            format!("assess_sample_{format}"),
            [
                "assess",
                SAMPLE,
                "--as-of",
                AS_OF,
                "--format",
                format,
                "--rejects",
                "rejects.csv",
            ]
        );
    }
}

#[test]
fn assess_sample_rejects_csv() {
    snap!(
        Sandbox::sample(),
        "assess_sample_rejects_csv",
        [
            "assess",
            SAMPLE,
            "--as-of",
            AS_OF,
            "-o",
            "decisions.csv",
            "--rejects",
            "-",
        ]
    );
}

#[test]
fn assess_sample_summary_json_and_human() {
    let sandbox = Sandbox::sample();
    snap!(
        sandbox,
        "assess_sample_summary_json_run",
        [
            "assess",
            SAMPLE,
            "--as-of",
            AS_OF,
            "-o",
            "decisions.csv",
            "--rejects",
            "rejects.csv",
            "--summary",
            "summary.json",
        ]
    );
    snap_file(&sandbox, "assess_sample_summary_json", "summary.json");
    snap!(
        sandbox,
        "assess_sample_summary_human",
        [
            "assess",
            SAMPLE,
            "--as-of",
            AS_OF,
            "-o",
            "decisions.csv",
            "--rejects",
            "rejects.csv",
            "--summary",
            "-",
        ]
    );
    snap!(
        sandbox,
        "assess_sample_summary_human_by_area",
        [
            "assess",
            SAMPLE,
            "--as-of",
            AS_OF,
            "-o",
            "decisions.csv",
            "--rejects",
            "rejects.csv",
            "--summary",
            "-",
            "--by",
            "area",
        ]
    );
}

#[test]
fn assess_sample_budget() {
    // Ranked and funded decisions on standard output, the budget outcome in
    // the short summary on standard error.
    let sandbox = Sandbox::sample();
    snap!(
        sandbox,
        "assess_sample_budget_csv",
        [
            "assess",
            SAMPLE,
            "--as-of",
            AS_OF,
            "--budget",
            "5_000_000",
            "--rejects",
            "rejects.csv",
            "--summary",
            "-",
        ]
    );
    // The budget outcome in the JSON summary.
    let run = sandbox
        .layak(&[
            "assess",
            SAMPLE,
            "--as-of",
            AS_OF,
            "--budget",
            "5_000_000",
            "-o",
            "decisions.csv",
            "--rejects",
            "rejects.csv",
            "--summary",
            "summary.json",
        ])
        .output()
        .expect("cannot run layak");
    assert_eq!(run.status.code(), Some(3), "{run:?}");
    snap_file(
        &sandbox,
        "assess_sample_budget_summary_json",
        "summary.json",
    );
}

// ---- explain ----

#[test]
fn explain_households_text_and_json() {
    let sandbox = Sandbox::sample();
    let cases: [(&str, &[&str]); 4] = [
        ("H001", &["--id", "H001"]),
        ("H004", &["--id", "H004"]),
        // A row rejected for its own cell.
        ("rejected_H048", &["--id", "H048"]),
        // The second row claiming H001: a duplicate_id reject.
        ("duplicate_line_58", &["--line", "58"]),
    ];
    for (name, which) in cases {
        for format in ["text", "json"] {
            let mut args = vec![
                "explain", "--detail", SAMPLE, "--as-of", AS_OF, "--format", format,
            ];
            args.extend_from_slice(which);
            snap!(sandbox, format!("explain_{name}_{format}"), args);
        }
    }
    snap!(
        sandbox,
        "explain_unknown_id",
        [
            "explain", "--detail", SAMPLE, "--as-of", AS_OF, "--id", "H999"
        ]
    );
}

// ---- validate, schema, policy check, policy test ----

#[test]
fn validate_sample_text_and_json() {
    let sandbox = Sandbox::sample();
    for format in ["text", "json"] {
        snap!(
            sandbox,
            format!("validate_sample_{format}"),
            ["validate", SAMPLE, "--as-of", AS_OF, "--format", format]
        );
    }
}

#[test]
fn schema_table_json_and_template() {
    let sandbox = Sandbox::with(&[]);
    snap!(sandbox, "schema_table", ["schema", "--as-of", AS_OF]);
    snap!(
        sandbox,
        "schema_json",
        ["schema", "--as-of", AS_OF, "--format", "json"]
    );
    snap!(sandbox, "schema_template", ["schema", "--template"]);
}

#[test]
fn policy_check_ok() {
    let policies = [
        DEFAULT_POLICY,
        "examples/policies/income-only.toml",
        "examples/policies/mpi.toml",
    ];
    let sandbox = Sandbox::with(&policies);
    for policy in policies {
        let stem = policy.rsplit('/').next().unwrap().trim_end_matches(".toml");
        snap!(
            sandbox,
            format!("policy_check_ok_{}", stem.replace('-', "_")),
            ["policy", "check", policy]
        );
    }
}

#[test]
fn policy_test_passing_files() {
    let sandbox = Sandbox::with(&[
        DEFAULT_POLICY,
        "data/policies/default.tests.toml",
        "examples/policies/income-only.toml",
        "examples/policies/income-only.tests.toml",
        "examples/policies/mpi.toml",
        "examples/policies/mpi.tests.toml",
    ]);
    snap!(
        sandbox,
        "policy_test_default",
        [
            "policy",
            "test",
            "data/policies/default.tests.toml",
            "--as-of",
            AS_OF
        ]
    );
    snap!(
        sandbox,
        "policy_test_examples",
        [
            "policy",
            "test",
            "examples/policies/income-only.tests.toml",
            "examples/policies/mpi.tests.toml",
            "--as-of",
            AS_OF,
        ]
    );
}

#[test]
fn help_of_every_command() {
    let sandbox = Sandbox::with(&[]);
    let commands: [&[&str]; 12] = [
        &[],
        &["assess"],
        &["compare"],
        &["explain"],
        &["letters"],
        &["validate"],
        &["schema"],
        &["policy"],
        &["policy", "check"],
        &["policy", "test"],
        &["completions"],
        &["man"],
    ];
    for command in commands {
        let name = if command.is_empty() {
            "help".to_string()
        } else {
            format!("help_{}", command.join("_"))
        };
        let mut args = command.to_vec();
        args.push("--help");
        snap!(sandbox, name, args);
    }
}

#[test]
fn version() {
    snap!(Sandbox::with(&[]), "version", ["--version"]);
}

// ---- every reject code, one row each ----

/// A file of the sample's header, the decided row H001 and `rows`.
fn households(rows: &[&str]) -> String {
    let mut text = format!("{HEADER}\n{GOOD_ROW}\n");
    for row in rows {
        text.push_str(row);
        text.push('\n');
    }
    text
}

/// H001 with cell `column` (0-based) replaced by `cell`, under id `id`.
fn row_with(id: &str, column: usize, cell: &str) -> String {
    let mut cells: Vec<&str> = GOOD_ROW.split(',').collect();
    cells[0] = id;
    cells[column] = cell;
    cells.join(",")
}

#[test]
fn every_reject_code() {
    let short: String = row_with("R1", 0, "R1")
        .rsplit_once(',')
        .map(|(head, _)| head.to_string())
        .unwrap();
    // (code, the rows after H001, extra arguments)
    let cases: [(&str, Vec<String>, &[&str]); 7] = [
        ("field_count", vec![short], &[]),
        ("missing_required", vec![row_with("R1", 3, "")], &[]),
        ("invalid_value", vec![row_with("R1", 4, "1.500.000")], &[]),
        ("out_of_range", vec![row_with("R1", 3, "51")], &[]),
        ("duplicate_id", vec![row_with("H001", 3, "4")], &[]),
        // children_not_in_school (7) above school_age_children (6).
        ("check_failed", vec![row_with("R1", 7, "3")], &[]),
        (
            "field_too_long",
            vec![row_with("R1", 16, "unprotected_spring_far_away")],
            &["--max-field-bytes", "20"],
        ),
    ];
    for (code, rows, extra) in cases {
        let rows: Vec<&str> = rows.iter().map(String::as_str).collect();
        let sandbox = Sandbox::with(&[]);
        sandbox.write("households.csv", households(&rows));
        let mut args = vec![
            "assess",
            "households.csv",
            "--as-of",
            AS_OF,
            "-o",
            "decisions.csv",
        ];
        args.extend_from_slice(extra);
        snap!(sandbox, format!("reject_{code}"), args);
        // The same reject as a row of the rejects file.
        args.extend_from_slice(&["--rejects", "-"]);
        snap!(sandbox, format!("reject_{code}_csv"), args);
    }
}

#[test]
fn reject_evaluation() {
    // The income-only policy with households of 0 members allowed: 0 / 0
    // per-capita income cannot be decided.
    let policy = repo_text("examples/policies/income-only.toml");
    assert_eq!(policy.matches("\nmin = 1\n").count(), 1);
    let sandbox = Sandbox::with(&[]);
    sandbox
        .write("policy.toml", policy.replace("\nmin = 1\n", "\nmin = 0\n"))
        .write(
            "households.csv",
            "household_id,region,members,earners,monthly_income\nE1,r,2,1,100\nE2,r,0,0,0\n",
        );
    let args = [
        "assess",
        "households.csv",
        "--policy",
        "policy.toml",
        "--as-of",
        AS_OF,
        "-o",
        "decisions.csv",
    ];
    snap!(sandbox, "reject_evaluation", args);
    let mut args = args.to_vec();
    args.extend_from_slice(&["--rejects", "-"]);
    snap!(sandbox, "reject_evaluation_csv", args);
}

#[test]
fn missing_optional_columns_are_warnings() {
    let sandbox = Sandbox::with(&[]);
    sandbox.write(
        "households.csv",
        "household_id,area,members,monthly_income\nA1,rural,2,100\n",
    );
    snap!(
        sandbox,
        "warning_missing_columns",
        [
            "assess",
            "households.csv",
            "--as-of",
            AS_OF,
            "-o",
            "decisions.csv"
        ]
    );
}

#[test]
fn strict_stops_at_the_first_reject() {
    snap!(
        Sandbox::sample(),
        "strict_stop",
        [
            "assess",
            SAMPLE,
            "--as-of",
            AS_OF,
            "--strict",
            "-o",
            "decisions.csv",
        ]
    );
}

// ---- fatal input errors ----

#[test]
fn fatal_input_errors() {
    // gzip and UTF-16 are read since issue 14; damaged, they are fatal.
    let gzip = std::fs::read(repo("tests/data/header/households.csv.gz"))
        .expect("cannot read tests/data/header/households.csv.gz");
    let gzip_cut_short = gzip[..gzip.len() - 4].to_vec();
    let utf16_unpaired: Vec<u8> = [0xFF, 0xFE]
        .into_iter()
        .chain(
            "household_id,area,members,monthly_income\r\nA,rural,2,100\r\n"
                .encode_utf16()
                .chain([0xD800, u16::from(b'x')])
                .flat_map(u16::to_le_bytes),
        )
        .collect();
    // A header that does not end within the record limit (16 times
    // --max-field-bytes, at least 1 MiB), in a file that goes on past it.
    let mut runaway_header = String::from("household_id,\"region,area,members,monthly_income\n");
    while runaway_header.len() < 2 << 20 {
        runaway_header.push_str("H1,r,rural,2,100\n");
    }
    // A data record whose quote never closes, in a file that goes on past
    // the record limit and past a chunk (at most 256 KiB).
    let mut runaway_row = households(&["R1,3201,\"rural,5,2000000"]);
    for i in 0..10_000 {
        runaway_row.push_str(&row_with(&format!("R{}", i + 2), 0, &format!("R{}", i + 2)));
        runaway_row.push('\n');
    }
    let cases: [(&str, &str, Vec<u8>, &[&str]); 10] = [
        ("empty", "households.csv", Vec::new(), &[]),
        (
            "missing_column_suggestion",
            "households.csv",
            b"household_id,area,membres,monthly_income\nA,rural,2,100\n".to_vec(),
            &[],
        ),
        (
            "wrong_delimiter",
            "households.csv",
            b"household_id;area;members;monthly_income\nA;rural;2;100\n".to_vec(),
            &["-d", ","],
        ),
        (
            "duplicate_column",
            "households.csv",
            b"household_id,members,area,Members,monthly_income\n".to_vec(),
            &[],
        ),
        ("utf16_unpaired", "households.csv", utf16_unpaired, &[]),
        ("gzip_cut_short", "households.csv.gz", gzip_cut_short, &[]),
        (
            "unclosed_quote_in_header",
            "households.csv",
            b"\n\nhousehold_id,region,\"area,members,monthly_income\nA,r,rural,2,100\n".to_vec(),
            &[],
        ),
        (
            "header_too_long",
            "households.csv",
            runaway_header.into_bytes(),
            &["--max-field-bytes", "16"],
        ),
        (
            "record_too_long",
            "households.csv",
            runaway_row.into_bytes(),
            &["--max-field-bytes", "16"],
        ),
        ("missing_file", "households.csv", Vec::new(), &[]),
    ];
    for (name, file, bytes, extra) in cases {
        let sandbox = Sandbox::with(&[]);
        let input = if name == "missing_file" {
            "nowhere.csv"
        } else {
            sandbox.write(file, &bytes);
            file
        };
        let mut args = vec!["assess", input, "--as-of", AS_OF, "-o", "decisions.csv"];
        args.extend_from_slice(extra);
        snap!(sandbox, format!("fatal_{name}"), args);
    }
}

#[test]
fn missing_policy_file_or_output_folder() {
    let sandbox = Sandbox::sample();
    snap!(
        sandbox,
        "fatal_output_folder_missing",
        [
            "assess",
            SAMPLE,
            "--as-of",
            AS_OF,
            "-o",
            "missing/decisions.csv"
        ]
    );
    snap!(
        sandbox,
        "fatal_missing_policy_file",
        [
            "assess",
            SAMPLE,
            "--policy",
            "nowhere.toml",
            "-o",
            "decisions.csv"
        ]
    );
}

// ---- usage errors ----

#[test]
fn usage_errors() {
    let sandbox = Sandbox::sample();
    let cases: [(&str, &[&str]); 11] = [
        ("bad_format", &["assess", SAMPLE, "--format", "xml"]),
        ("bad_delimiter", &["assess", SAMPLE, "-d", "ab"]),
        ("bad_rename", &["assess", SAMPLE, "--rename", "hh/size"]),
        ("bad_as_of", &["assess", SAMPLE, "--as-of", "2026-13-01"]),
        (
            "two_outputs_one_file",
            &["assess", SAMPLE, "-o", "out.csv", "--rejects", "./out.csv"],
        ),
        ("output_is_the_input", &["assess", SAMPLE, "-o", SAMPLE]),
        ("output_is_a_folder", &["assess", SAMPLE, "-o", "out/"]),
        ("by_without_summary", &["assess", SAMPLE, "--by", "region"]),
        (
            "rejects_stdout_with_decisions",
            &["assess", SAMPLE, "--rejects", "-"],
        ),
        ("unknown_man_command", &["man", "nope"]),
        ("unknown_command", &["asess", SAMPLE]),
    ];
    for (name, args) in cases {
        snap!(sandbox, format!("usage_{name}"), args);
    }
}

// ---- policy load errors ----

/// The default policy with `old` (which must occur once) replaced by `new`.
#[track_caller]
fn broken(old: &str, new: &str) -> String {
    let policy = repo_text(DEFAULT_POLICY);
    assert_eq!(policy.matches(old).count(), 1, "{old:?}");
    policy.replacen(old, new, 1)
}

#[test]
fn policy_load_errors() {
    let cases = [
        (
            "unknown_name",
            broken(
                "expr = 'monthly_income / members'",
                "expr = 'monthly_income / membres'",
            ),
        ),
        (
            "type_mismatch",
            broken("eligible = 'emergency'", "eligible = 'members + 1'"),
        ),
        (
            "cycle",
            broken(
                "expr = 'monthly_income / members'",
                "expr = 'if income_status == poor then 0 else monthly_income / members'",
            ),
        ),
        (
            "bad_enum_literal",
            broken("if area == urban then", "if area == urbn then"),
        ),
        (
            "bad_date",
            broken(
                "from = \"2025-03-01\", value = 629561",
                "from = \"2025-02-30\", value = 629561",
            ),
        ),
        (
            "unknown_field",
            broken("eligible = 'emergency'", "eligable = 'emergency'"),
        ),
        ("not_toml", "[policy\nid = \"x\"\n".to_string()),
    ];
    for (name, policy) in cases {
        let sandbox = Sandbox::with(&[]);
        sandbox.write("policy.toml", policy);
        snap!(
            sandbox,
            format!("policy_error_{name}"),
            ["policy", "check", "policy.toml"]
        );
    }
    // `assess --policy` reports as `policy check` does.
    let sandbox = Sandbox::sample();
    sandbox.write(
        "policy.toml",
        broken(
            "expr = 'monthly_income / members'",
            "expr = 'monthly_income / membres'",
        ),
    );
    snap!(
        sandbox,
        "policy_error_unknown_name_assess",
        [
            "assess",
            SAMPLE,
            "--policy",
            "policy.toml",
            "--as-of",
            AS_OF,
            "-o",
            "decisions.csv"
        ]
    );
}

// ---- survey weights (--weight, issue 18 item 5) ----

const WEIGHTED: &str = "examples/weighted-survey.csv";

#[test]
fn weights_outputs_and_messages() {
    let sandbox = Sandbox::with(&[WEIGHTED]);
    let weight = [
        "--weight",
        "HHWT",
        "--weight-scale",
        "0.01",
        "--as-of",
        AS_OF,
    ];
    let with = |args: &[&'static str]| -> Vec<&'static str> {
        let mut all = args.to_vec();
        all.extend_from_slice(&weight);
        all
    };
    snap!(sandbox, "weights_assess_csv", with(&["assess", WEIGHTED]));
    snap!(
        sandbox,
        "weights_assess_ndjson_budget",
        with(&["assess", WEIGHTED, "-f", "ndjson", "--budget", "1000000"])
    );
    snap!(
        sandbox,
        "weights_summary_human",
        with(&[
            "assess",
            WEIGHTED,
            "-o",
            "d.csv",
            "--summary",
            "-",
            "--by",
            "area"
        ])
    );
    snap!(
        sandbox,
        "weights_summary_json_run",
        with(&[
            "assess",
            WEIGHTED,
            "-o",
            "d.csv",
            "--summary",
            "summary.json"
        ])
    );
    snap_file(&sandbox, "weights_summary_json", "summary.json");
    snap!(
        sandbox,
        "weights_explain_text",
        with(&["explain", "--detail", WEIGHTED, "--id", "H014"])
    );
    sandbox.write(
        "bad.csv",
        "household_id,area,members,monthly_income,HHWT\nA1,rural,4,1000000,2.5\nA2,rural,4,1000000,\nA3,rural,4,1000000,1e3\nA4,rural,0,1000000,0\nA5,rural,4,1000000,-3\nA6,rural,4,1000000,10000000001\n",
    );
    snap!(
        sandbox,
        "weights_rejects",
        [
            "assess",
            "bad.csv",
            "--weight",
            "HHWT",
            "--as-of",
            AS_OF,
            "-o",
            "d.csv",
            "--rejects",
            "-"
        ]
    );
    snap!(
        sandbox,
        "weights_validate_text",
        ["validate", "bad.csv", "--weight", "hhwt", "--as-of", AS_OF]
    );
    snap!(
        sandbox,
        "usage_weight_no_column",
        ["assess", "bad.csv", "--weight", "HHWTT", "--as-of", AS_OF]
    );
    snap!(
        sandbox,
        "usage_weight_scale",
        [
            "assess",
            "bad.csv",
            "--weight",
            "HHWT",
            "--weight-scale",
            "1e-2"
        ]
    );
}
