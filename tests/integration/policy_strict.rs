//! A parameter's `unit` and `reference`: optional in a policy loaded for a
//! run (one warning per parameter missing them), required by `layak policy
//! check --strict`, which every shipped policy passes.
//!
//! See: issue 21, "Parameters require `unit` and `reference` even in a quick
//! experimental policy".

use crate::util::{Dir, Output, repo, repo_text};

/// The default policy with `near_poor_factor`'s `unit` line and, when
/// `reference` is true, its `reference` line removed too.
fn without_provenance(reference: bool) -> String {
    let mut text = repo_text("data/policies/default.toml");
    let unit = "name = \"near_poor_factor\"\nvalue = 1.2\nunit = \"ratio\"\n";
    assert!(text.contains(unit), "the default policy changed: {unit:?}");
    text = text.replacen(unit, "name = \"near_poor_factor\"\nvalue = 1.2\n", 1);
    if reference {
        let line = "reference = \"BPS \\\"hampir miskin\\\": below 1.2 times the poverty line\"\n";
        assert!(text.contains(line), "the default policy changed: {line:?}");
        text = text.replacen(line, "", 1);
    }
    text
}

/// The `FILE:LINE:COLUMN` of `near_poor_factor`'s name in `text`.
fn name_location(file: &str, text: &str) -> String {
    let needle = "name = \"near_poor_factor\"";
    let at = text.find(needle).unwrap_or(0);
    let line = text[..at].matches('\n').count() + 1;
    format!("{file}:{line}:8")
}

fn warnings(out: &Output) -> usize {
    out.stderr.matches("warning: ").count()
}

#[test]
fn shipped_policies_pass_strict() {
    let mut files = vec![repo("data/policies/default.toml")];
    let examples = repo("examples/policies");
    let mut found = 0;
    for entry in std::fs::read_dir(&examples).expect("examples/policies is readable") {
        let path = entry.expect("a directory entry").path();
        let name = path.to_string_lossy().to_string();
        if name.ends_with(".toml") && !name.ends_with(".tests.toml") {
            files.push(name);
            found += 1;
        }
    }
    assert!(found >= 2, "expected the example policies in {examples}");
    let dir = Dir::new();
    for file in &files {
        let out = dir.run(&["policy", "check", "--strict", file]);
        out.assert_code(0).no_panic().stdout_has(": ok — policy");
        if warnings(&out) > 0 || !out.stderr.is_empty() {
            out.fail(format_args!("{file} printed something under --strict"));
        }
    }
}

#[test]
fn a_run_warns_once_per_parameter_and_keeps_its_exit_code() {
    let dir = Dir::new();
    let sample = repo("data/sample-households.csv");
    let full = dir.run(&["assess", &sample, "-o", "full.csv"]);
    for reference in [false, true] {
        let text = without_provenance(reference);
        dir.write("quick.toml", &text);
        let missing = if reference {
            "no `unit` and no `reference`"
        } else {
            "no `unit`"
        };
        let message = format!("warning: parameter `near_poor_factor` has {missing}\n");

        let out = dir.run(&["assess", "--policy", "quick.toml", &sample, "-o", "out.csv"]);
        out.assert_code(full.code).no_panic().stderr_has(&message);
        out.stderr_has(&format!("--> {}", name_location("quick.toml", &text)));
        out.stderr_has("|        ^^^^^^^^^^^^^^^^^^");
        assert_eq!(warnings(&out), 1, "one warning for one parameter");
        assert_eq!(out.counts(), full.counts(), "the same rows decided");
        assert_eq!(
            dir.read("out.csv").lines().count(),
            dir.read("full.csv").lines().count()
        );

        let out = dir.run(&["policy", "check", "quick.toml"]);
        out.assert_code(0).no_panic().stdout_has("quick.toml: ok");
        out.stderr_has(&message);
        assert_eq!(warnings(&out), 1, "one warning for one parameter");
    }
}

#[test]
fn strict_check_requires_unit_and_reference() {
    let dir = Dir::new();
    let text = without_provenance(true);
    dir.write("quick.toml", &text);
    let out = dir.run(&["policy", "check", "--strict", "quick.toml"]);
    out.assert_code(1).no_panic();
    out.stderr_has("error: parameter `near_poor_factor` has no `unit` and no `reference`\n");
    out.stderr_has(&format!("--> {}", name_location("quick.toml", &text)));
    out.stderr_has("help: say what the number measures");
    if out.stdout.contains("ok") || warnings(&out) > 0 {
        out.fail("a strict check passed or only warned");
    }
}

#[test]
fn a_parameter_with_both_gives_no_warning() {
    let dir = Dir::new();
    let out = dir.run(&["policy", "check", &repo("data/policies/default.toml")]);
    out.assert_code(0).no_panic();
    assert_eq!(warnings(&out), 0, "{}", out.stderr);
}

/// The warning and the strict error, as printed, in one golden file.
#[test]
fn warning_and_strict_error_as_printed() {
    let dir = Dir::new();
    dir.write(
        "quick.toml",
        "[policy]\nid = \"quick\"\nname = \"quick\"\nversion = \"1\"\n\n\
         [[inputs]]\nname = \"household_id\"\ntype = \"id\"\nrequired = true\n\n\
         [[parameters]]\nname = \"gap_share\"\nvalue = \"1/3\"\n\n\
         [[parameters]]\nname = \"rate\"\nvalue = 0.5\nunit = \"share\"\n\n\
         [[tracks]]\nid = \"all\"\n",
    );
    let run = dir.run(&["policy", "check", "quick.toml"]);
    run.assert_code(0).no_panic();
    let strict = dir.run(&["policy", "check", "--strict", "quick.toml"]);
    strict.assert_code(1).no_panic();
    let text = format!(
        "$ layak policy check quick.toml\n{}{}\n$ layak policy check --strict quick.toml\n{}",
        run.stdout, run.stderr, strict.stderr
    );
    crate::snapshot::assert_snapshot("policy-check-strict.txt", &text);
}
