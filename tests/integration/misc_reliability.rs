//! Reliability round 2 (issue 12, minor items) and papercuts (issue 21):
//! policy size, bounded messages, `--max-groups`, `explain` agreeing with
//! `assess` on duplicate ids, `--as-of` before the first dated value,
//! plurals and negative zero.

use crate::util::{Dir, Table, repo, repo_text};

const HEAD: &str = r#"[policy]
id = "big"
name = "big"
version = "1"

[[inputs]]
name = "household_id"
type = "id"
required = true

[[inputs]]
name = "x"
type = "number"
default = 0
"#;

/// A policy with an enum input of `n` values (one line), `default`, and a
/// derived value comparing it with `literal`.
fn enum_policy(n: usize, default: &str, literal: &str) -> String {
    let values: Vec<String> = (0..n).map(|i| format!("\"v{i}\"")).collect();
    format!(
        "{HEAD}\n[[inputs]]\nname = \"kind\"\ntype = \"enum\"\nvalues = [{}]\ndefault = \"{default}\"\n\n[[derived]]\nname = \"is_it\"\nexpr = 'kind == {literal}'\n\n[[tracks]]\nid = \"all\"\n",
        values.join(", ")
    )
}

/// A chain of `n` derived values, declared last first.
fn chain_policy(n: usize) -> String {
    let mut out = String::from(HEAD);
    for i in (0..n).rev() {
        let prev = if i == 0 {
            "x".to_string()
        } else {
            format!("c{}", i - 1)
        };
        out.push_str(&format!(
            "\n[[derived]]\nname = \"c{i}\"\nexpr = '{prev} + 1'\n"
        ));
    }
    out + "\n[[tracks]]\nid = \"all\"\n"
}

#[test]
fn a_long_dependency_chain_and_a_huge_enum_load() {
    // Quadratic before (69 s and 13 s in release); the debug binary now
    // loads each in a few seconds. The counts say the whole policy was read.
    let dir = Dir::new();
    let chain = dir.write("chain.toml", chain_policy(40_000));
    dir.run(&["policy", "check", chain])
        .assert_code(0)
        .stdout_has("2 inputs, 0 parameters, 0 checks, 40000 derived values, 0 indicators, 0 programs, 1 track");
    let big = dir.write("enum.toml", enum_policy(100_000, "v99999", "v99999"));
    dir.run(&["policy", "check", big])
        .assert_code(0)
        .stdout_has(
            "3 inputs, 0 parameters, 0 checks, 1 derived value, 0 indicators, 0 programs, 1 track",
        );
}

#[test]
fn errors_about_a_huge_enum_quote_a_few_hundred_bytes() {
    let dir = Dir::new();
    // A default that is not a value, and a misspelt literal: both messages
    // list allowed values, and both point into a line of about 1 MB.
    let policy = dir.write("enum.toml", enum_policy(100_000, "w1", "v99999x"));
    let out = dir.run(&["policy", "check", policy]);
    out.assert_code(1).no_panic();
    out.stderr_has("the default `w1` is not an allowed value of `kind`")
        .stderr_has("allowed values: v0, v1, v2, v3")
        .stderr_has("… and 99,980 more")
        .stderr_has("`v99999x` is not an allowed value of `kind`");
    if out.stderr.len() > 2_000 {
        out.fail(format_args!(
            "{} bytes of errors for two problems",
            out.stderr.len()
        ));
    }
    for line in out.stderr.lines() {
        if line.len() > 600 {
            out.fail(format_args!("a line of {} bytes", line.len()));
        }
    }
}

/// The sample file with the ids replaced by `ids` (one row each, cycling
/// through the sample's rows).
fn sample_with_ids(ids: impl Iterator<Item = String>) -> String {
    let sample = repo_text("data/sample-households.csv");
    let mut lines = sample.lines();
    let header = lines.next().unwrap_or_default();
    // H001 to H039 (lines 2 to 41, with a blank line) are all decided (see
    // sample-households.expected-rejects.csv): every row is a group.
    let rows: Vec<&str> = lines.filter(|l| !l.trim().is_empty()).take(39).collect();
    let mut out = format!("{header}\n");
    for (i, id) in ids.enumerate() {
        let row = rows[i % rows.len()];
        let rest = row.split_once(',').map_or("", |(_, r)| r);
        out.push_str(&format!("{id},{rest}\n"));
    }
    out
}

#[test]
fn by_with_more_groups_than_max_groups_is_fatal_and_writes_nothing() {
    let dir = Dir::new();
    let file = dir.write("h.csv", sample_with_ids((0..40).map(|i| format!("G{i}"))));
    // Small chunks and two threads: the groups arrive in many batches.
    let common = [
        "assess",
        file,
        "-o",
        "out.csv",
        "--rejects",
        "rej.csv",
        "--summary",
        "s.json",
        "--by",
        "household_id",
        "-j",
        "2",
        "--chunk-bytes",
        "4096",
    ];
    let mut args = common.to_vec();
    args.extend(["--max-groups", "10"]);
    let out = dir.run(&args);
    out.assert_code(1)
        .no_panic()
        .stderr_has("--by household_id: more than 10 distinct values of `household_id`")
        .stderr_has("--max-groups");
    for name in ["out.csv", "rej.csv", "s.json"] {
        if dir.exists(name) {
            out.fail(format_args!("{name} was written"));
        }
    }
    if dir.entries().iter().any(|e| e.contains(".tmp")) {
        out.fail(format_args!(
            "a temporary file is left: {:?}",
            dir.entries()
        ));
    }

    // At the limit, it works: one group per id.
    let mut args = common.to_vec();
    args.extend(["--max-groups", "40"]);
    dir.run(&args).assert_code(0);
    let summary: serde_json::Value =
        serde_json::from_str(&dir.read("s.json")).unwrap_or_else(|e| panic!("s.json: {e}"));
    let groups = summary["by"]["groups"].as_array().map_or(0, Vec::len);
    assert_eq!(groups, 40, "{summary}");
}

#[test]
fn by_stops_at_ten_thousand_groups_by_default() {
    let dir = Dir::new();
    let file = dir.write(
        "h.csv",
        sample_with_ids((0..10_001).map(|i| format!("G{i}"))),
    );
    dir.run(&[
        "assess",
        file,
        "-o",
        "out.csv",
        "--summary",
        "s.json",
        "--by",
        "household_id",
    ])
    .assert_code(1)
    .stderr_has("more than 10,000 distinct values of `household_id`");
    assert!(!dir.exists("out.csv") && !dir.exists("s.json"));
    // --max-groups without --by is a usage error, as is 0.
    dir.run(&["assess", file, "--summary", "s.json", "--max-groups", "5"])
        .assert_code(2);
    dir.run(&[
        "assess",
        file,
        "--summary",
        "s.json",
        "--by",
        "region",
        "--max-groups",
        "0",
    ])
    .assert_code(2);
}

#[test]
fn explain_line_agrees_with_assess_on_every_row() {
    let sample = repo_text("data/sample-households.csv");
    let mut lines = sample.lines();
    let header = lines.next().unwrap_or_default();
    let row = |id: &str| {
        let r = sample
            .lines()
            .find(|l| l.starts_with(&format!("{id},")))
            .unwrap_or_else(|| panic!("no {id} in the sample"));
        r.to_string()
    };
    let with_members = |r: &str, members: &str| {
        // members is the fourth column.
        let mut cells: Vec<&str> = r.split(',').collect();
        cells[3] = members;
        cells.join(",")
    };
    let h1 = row("H001");
    let h2 = row("H002");
    let h3 = row("H003");
    let h5 = row("H005");
    let short = h3
        .rsplit_once(',')
        .map_or(String::new(), |(a, _)| a.to_string());
    let rows = [
        h1.clone(),             // 2: decided
        h2.clone(),             // 3: decided
        h1.clone(),             // 4: duplicate of line 2
        with_members(&h2, "x"), // 5: invalid after the id: duplicate of line 3
        short,                  // 6: field_count (claims no id)
        h3,                     // 7: decided (first claim of H003)
        with_members(&h5, "x"), // 8: invalid_value (claims H005)
        h5,                     // 9: duplicate of line 8
    ];
    let dir = Dir::new();
    let file = dir.write("h.csv", format!("{header}\n{}\n", rows.join("\n")));
    dir.run(&["assess", file, "-o", "out.csv", "--rejects", "rej.csv"])
        .assert_code(3);
    let rejects = Table::read(&dir.join("rej.csv"));
    let code_of = |line: u64| -> Option<String> {
        let lines = rejects.column("line");
        let codes = rejects.column("code");
        let reasons = rejects.column("reason");
        lines
            .iter()
            .position(|l| *l == line.to_string())
            .map(|i| format!("{}|{}", codes[i], reasons[i]))
    };
    assert!(code_of(4).is_some_and(|c| c.starts_with("duplicate_id|")));
    for line in 2..=9u64 {
        let n = line.to_string();
        let out = dir.run(&["explain", "--detail", file, "--line", &n]);
        out.no_panic();
        match code_of(line) {
            Some(code_reason) => {
                let (code, reason) = code_reason.split_once('|').unwrap_or_default();
                out.assert_code(3)
                    .stdout_has("is not decided: the row is rejected")
                    .stdout_has(&format!("[{code}]"))
                    .stdout_has(reason);
            }
            None => {
                out.assert_code(0)
                    .stdout_has("Programs (in declared order)");
            }
        }
    }
    dir.run(&["explain", "--detail", file, "--line", "4"])
        .stdout_has("`H001` already appeared on line 2 [duplicate_id]");
    dir.run(&[
        "explain", "--detail", file, "--line", "9", "--format", "json",
    ])
    .assert_code(3)
    .stdout_has("\"code\": \"duplicate_id\"")
    .stdout_has("already appeared on line 8");
}

#[test]
fn as_of_before_the_first_dated_value_is_the_error_the_policy_readme_shows() {
    let dir = Dir::new();
    let out = dir.run(&[
        "assess",
        "--as-of",
        "2024-02-29",
        &repo("data/sample-households.csv"),
    ]);
    out.assert_code(1)
        .no_panic()
        .stderr_has("parameter `poverty_line_urban` has no value in force on 2024-02-29")
        .stderr_has("its earliest value starts on 2024-03-01");
    if !out.stdout.is_empty() {
        out.fail("decisions were written");
    }
    // The README quotes this very output after the command.
    let readme = repo_text("data/policies/README.md");
    let command = "$ layak assess --as-of 2024-02-29 households.csv\n";
    let Some(at) = readme.find(command) else {
        panic!("data/policies/README.md does not show `{}`", command.trim());
    };
    let quoted = &readme[at + command.len()..];
    let quoted = &quoted[..quoted.find("```").unwrap_or(quoted.len())];
    assert_eq!(
        quoted.trim_end(),
        out.stderr.trim_end(),
        "README vs the binary"
    );
    assert!(
        !readme.contains("gets the 2025 line"),
        "the README still promises the 2025 line before 2024-03-01"
    );
}

#[test]
fn counts_in_messages_agree_with_their_nouns() {
    let dir = Dir::new();
    let policy = dir.write(
        "one.toml",
        format!(
            "{HEAD}\n[[parameters]]\nname = \"p\"\nvalue = 1\nunit = \"u\"\nreference = \"r\"\n\n[[tracks]]\nid = \"all\"\n"
        ),
    );
    dir.run(&["policy", "check", policy])
        .assert_code(0)
        .stdout_has(
            "2 inputs, 1 parameter, 0 checks, 0 derived values, 0 indicators, 0 programs, 1 track",
        );
    let out = dir.run(&[
        "explain",
        "--detail",
        &repo("data/sample-households.csv"),
        "--line",
        "999",
    ]);
    out.assert_code(1).stderr_has("rows read)");
    let one = dir.write("one.csv", "household_id,x\nA,1\n");
    dir.run(&[
        "explain", "--detail", one, "--policy", policy, "--line", "9",
    ])
    .assert_code(1)
    .stderr_has("(1 row read)");
}

#[test]
fn explain_shows_no_negative_zero() {
    // H004 is deprived in nothing: its score is a sum of no weights.
    let dir = Dir::new();
    let file = repo("data/sample-households.csv");
    let out = dir.run(&["explain", "--detail", &file, "--id", "H004"]);
    out.assert_code(0)
        .stdout_has("score 0.0000 (sum of the deprived weights)");
    let json = dir.run(&[
        "explain", "--detail", &file, "--id", "H004", "--format", "json",
    ]);
    json.assert_code(0);
    for (what, text) in [("text", &out.stdout), ("json", &json.stdout)] {
        for bad in ["-0.0", "-0 ", "-0,", "-0\n", "= -0"] {
            if text.contains(bad) {
                out.fail(format_args!("the {what} explanation contains {bad:?}"));
            }
        }
    }
}
