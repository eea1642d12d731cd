//! Small things a new user hit, each pinned by a test.
// See: issue 21 ("Papercuts a new user hit").

use std::process::Command;

use crate::util::{Dir, LAYAK, repo};

#[test]
fn summary_only_options_say_they_need_summary() {
    let dir = Dir::new();
    let sample = repo("data/sample-households.csv");
    for (args, flag) in [
        (&["--by", "region"][..], "--by"),
        (&["--unweighted"], "--unweighted"),
        (&["--persons-column", "members"], "--persons-column"),
    ] {
        let mut all = vec!["assess", sample.as_str()];
        all.extend(args);
        let out = dir.run(&all);
        out.assert_code(2);
        out.stderr_has(&format!("{flag} needs --summary"));
        // Not clap's usage line listing unrelated options.
        out.stderr_lacks("Usage:");
    }
    // With --summary they are accepted.
    dir.run(&[
        "assess",
        &sample,
        "--by",
        "region",
        "--summary",
        "s.json",
        "-o",
        "o.csv",
    ])
    .assert_code(3);
}

/// Run `layak ARGS` on a pseudo-terminal (python3's `pty`), end its input
/// with Ctrl-D once it printed `wait_for` (or after a second), and return
/// everything it printed there.
fn on_a_terminal(args: &[&str], wait_for: &str) -> String {
    let script = r#"
import os, pty, select, sys, time
wait_for = sys.argv[1].encode()
pid, fd = pty.fork()
if pid == 0:
    os.execv(sys.argv[2], sys.argv[2:])
seen = b""
deadline = time.time() + 10
sent = False
while time.time() < deadline:
    r, _, _ = select.select([fd], [], [], 0.2)
    if r:
        try:
            chunk = os.read(fd, 4096)
        except OSError:
            break
        if not chunk:
            break
        seen += chunk
    if not sent and (wait_for in seen or time.time() > deadline - 9):
        os.write(fd, b"\x04")
        sent = True
os.waitpid(pid, 0)
sys.stdout.write(seen.decode("utf-8", "replace"))
"#;
    let out = Command::new("python3")
        .arg("-c")
        .arg(script)
        .arg(wait_for)
        .arg(LAYAK)
        .args(args)
        .output()
        .expect("python3 runs the pseudo-terminal");
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn reading_a_terminal_says_how_to_end_the_input() {
    let hint = "reading households from standard input; Ctrl-D to end, or give a FILE";
    let seen = on_a_terminal(&["assess"], hint);
    assert!(seen.contains(hint), "no hint on a terminal: {seen:?}");
    let seen = on_a_terminal(&["validate"], hint);
    assert!(seen.contains(hint), "no hint on a terminal: {seen:?}");
    // Piped input gets no hint.
    let dir = Dir::new();
    let out = dir.run_stdin(&["assess"], b"household_id\n");
    out.stderr_lacks("Ctrl-D");
}

#[test]
fn completions_for_every_shell_know_the_commands_and_options() {
    let dir = Dir::new();
    for shell in ["bash", "zsh", "fish", "powershell"] {
        let out = dir.run(&["completions", shell]);
        out.assert_code(0);
        out.stdout_has("assess")
            .stdout_has("budget")
            .stdout_has("explain");
    }
    // The bash script is valid bash.
    let bash = dir.run(&["completions", "bash"]).stdout.clone();
    dir.write("layak.bash", &bash);
    let status = Command::new("bash")
        .args(["-n", "layak.bash"])
        .current_dir(dir.path())
        .status()
        .expect("bash runs");
    assert!(status.success(), "bash -n rejects the completion script");
    dir.run(&["completions", "tcsh-or-so"]).assert_code(2);
}

#[test]
fn man_pages_come_from_the_same_definitions_as_help() {
    let dir = Dir::new();
    let main = dir.run(&["man"]);
    main.assert_code(0);
    main.stdout_has(".TH layak 1");
    for command in [
        "assess", "compare", "explain", "validate", "policy", "schema",
    ] {
        main.stdout_has(&format!("layak\\-{command}(1)"));
        let page = dir.run(&["man", command]);
        page.assert_code(0);
        page.stdout_has(&format!(".TH layak-{command} 1"));
    }
    dir.run(&["man", "assess"])
        .stdout_has("\\-\\-budget")
        .stdout_has("\\-\\-summary");
    let none = dir.run(&["man", "nope"]);
    none.assert_code(2);
    none.stderr_has("no such command; one of: assess, compare, explain");
}

// `cargo doc` builds without warnings: CI runs it with `-D warnings`.
#[test]
fn ci_builds_the_docs_with_warnings_as_errors() {
    let ci = crate::util::repo_text(".ci/run");
    assert!(ci.contains("RUSTDOCFLAGS=\"-D warnings\" cargo doc"));
}

// See: issue 12 (no message quotes more than a few hundred bytes of input).
#[test]
fn validate_lists_a_few_unused_columns_not_thousands() {
    let dir = Dir::new();
    let sample = crate::util::repo_text("data/sample-households.csv");
    let mut lines = sample.lines();
    let header = lines.next().unwrap();
    let row = lines.next().unwrap();
    let extra: Vec<String> = (0..5_000).map(|i| format!("extra_column_{i}")).collect();
    let blanks = ",".repeat(extra.len());
    dir.write(
        "wide.csv",
        format!("{header},{}\n{row}{blanks}\n", extra.join(",")),
    );
    let out = dir.run(&["validate", "wide.csv"]);
    out.assert_code(0);
    let listed = out
        .stdout
        .lines()
        .skip_while(|l| !l.starts_with("columns the policy does not use"))
        .nth(1)
        .unwrap_or_else(|| out.fail("no unused-column list"));
    assert!(listed.len() < 700, "{} bytes", listed.len());
    assert!(listed.contains("… and 4,980 more"), "{listed}");
}

// See: issue 21 ("fix plurals in every message").
#[test]
fn a_count_of_one_takes_the_singular() {
    let dir = Dir::new();
    let sample = crate::util::repo_text("data/sample-households.csv");
    let header = sample.lines().next().unwrap();
    let rows: Vec<&str> = sample
        .lines()
        .skip(1)
        .filter(|l| l.starts_with("H0"))
        .take(21)
        .collect();
    // 21 rows with one field each: 20 listed, then "… and 1 more".
    let text = format!(
        "{header}\n{}\n",
        rows.iter().map(|r| &r[..4]).collect::<Vec<_>>().join("\n")
    );
    dir.write("in.csv", text);
    let out = dir.run(&["assess", "in.csv"]);
    out.assert_code(3);
    out.stderr_has("the row has 1 field but the header has 24");
    out.stderr_has("… and 1 more rejected row (use --rejects FILE to keep them all)");
    out.stderr_lacks("1 fields")
        .stderr_lacks("1 more rejected rows");
}
