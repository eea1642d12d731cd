//! The checked-in samples: `data/sample-households.csv` and
//! `examples/kobo-survey.csv`, compared with their expected decisions.

use std::path::Path;

use crate::util::{Dir, Output, Table, assert_same_rows, repo, repo_text, run_at};

/// `layak assess data/sample-households.csv -o out.csv --rejects rej.csv`.
fn assess_sample(dir: &Dir) -> Output {
    let out = dir.run(&[
        "assess",
        &repo("data/sample-households.csv"),
        "-o",
        "out.csv",
        "--rejects",
        "rej.csv",
    ]);
    out.assert_code(3).no_panic();
    out
}

#[test]
fn sample_decisions_match_expected_file() {
    let dir = Dir::new();
    assess_sample(&dir);
    let expected = Table::read(Path::new(&repo("data/sample-households.expected.csv")));
    assert!(
        expected.rows.len() >= 20,
        "the expected file holds too few households"
    );
    let actual = Table::read(&dir.join("out.csv"));
    assert_same_rows(
        "out.csv vs data/sample-households.expected.csv",
        "household_id",
        &expected,
        &actual,
    );
}

#[test]
fn sample_rejects_match_expected_file() {
    let dir = Dir::new();
    assess_sample(&dir);
    let expected = Table::read(Path::new(&repo(
        "data/sample-households.expected-rejects.csv",
    )));
    assert_eq!(expected.header, ["line", "household_id", "column", "code"]);
    let actual = Table::read(&dir.join("rej.csv"));
    // Rejects are keyed by line: ids repeat (duplicates) or are empty.
    assert_same_rows(
        "rej.csv vs data/sample-households.expected-rejects.csv",
        "line",
        &expected,
        &actual,
    );
}

#[test]
fn sample_rows_read_equal_decided_plus_rejected() {
    let dir = Dir::new();
    let out = assess_sample(&dir);
    let decided = Table::read(&dir.join("out.csv")).rows.len() as u64;
    let rejected = Table::read(&dir.join("rej.csv")).rows.len() as u64;
    // 71 data lines, one blank and one quoted cell spanning two lines: 69 rows.
    assert_eq!(
        decided + rejected,
        69,
        "decisions {decided} + rejects {rejected}"
    );
    out.assert_counts(69, decided, rejected);
    // Decisions went to out.csv, not to standard output.
    assert_eq!(out.stdout, "", "stdout should be empty with -o");
}

/// The arguments (after `layak`) of the command shown in `examples/kobo-survey.md`.
fn kobo_command_args() -> Vec<String> {
    let md = repo_text("examples/kobo-survey.md");
    let start = md
        .find("layak assess examples/kobo-survey.csv")
        .expect("examples/kobo-survey.md shows no `layak assess` command");
    let mut args = Vec::new();
    for line in md[start..].lines() {
        let continued = line.trim_end().ends_with('\\');
        args.extend(
            line.split_whitespace()
                .filter(|w| *w != "\\")
                .map(str::to_string),
        );
        if !continued {
            break;
        }
    }
    assert_eq!(args[..2], ["layak", "assess"]);
    args.remove(0);
    args
}

#[test]
fn kobo_survey_matches_expected_file() {
    let args = kobo_command_args();
    // See: issue 14 (the 22 `--rename` flags became a profile).
    assert!(
        args.windows(2)
            .any(|w| w == ["--profile", "examples/kobo-survey.profile.toml"]),
        "the documented command should use the example's profile: {args:?}"
    );
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    // Run from the repository root, as the document does (read-only: output goes to stdout).
    let out = run_at(Path::new(env!("CARGO_MANIFEST_DIR")), &args, None);
    out.assert_code(0).no_panic();
    let expected = Table::read(Path::new(&repo("examples/kobo-survey.expected.csv")));
    assert_eq!(expected.rows.len(), 10);
    assert_same_rows(
        "kobo output vs examples/kobo-survey.expected.csv",
        "household_id",
        &expected,
        &out.csv(),
    );
    out.assert_counts(10, 10, 0);
    // The survey has no `disabled` or `cooking_fuel` column: one warning each.
    for column in ["disabled", "cooking_fuel"] {
        let warnings = out
            .stderr
            .lines()
            .filter(|l| l.starts_with("warning:") && l.contains(&format!("no column `{column}`")))
            .count();
        if warnings != 1 {
            out.fail(format_args!(
                "expected one `no column `{column}`` warning, found {warnings}"
            ));
        }
    }
    let warnings = out
        .stderr
        .lines()
        .filter(|l| l.starts_with("warning:"))
        .count();
    if warnings != 2 {
        out.fail(format_args!(
            "expected exactly 2 warnings, found {warnings}"
        ));
    }
}

// See: issue 21 ("examples/kobo-survey.md uses `layak` before any install step").
#[test]
fn the_kobo_walkthrough_installs_layak_before_using_it() {
    let md = repo_text("examples/kobo-survey.md");
    let install = md
        .find("cargo install --path .")
        .expect("examples/kobo-survey.md gives no install command");
    let first_use = md
        .lines()
        .scan(0, |offset, line| {
            let at = *offset;
            *offset += line.len() + 1;
            Some((at, line))
        })
        .find(|(_, line)| line.trim_start().starts_with("layak "))
        .map(|(at, _)| at)
        .expect("no `layak` command in examples/kobo-survey.md");
    assert!(install < first_use, "the install step must come first");
}
