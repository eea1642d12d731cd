//! The progress bar (issue 19, item 5): drawn on a terminal only, never on a
//! pipe, with `-q` or `TERM=dumb`; cleared before the closing line.

use std::process::Command;

use crate::util::{Dir, LAYAK, many_households};

/// A file long enough to be read in many chunks.
fn big(dir: &Dir) {
    dir.write("big.csv", many_households(200));
}

#[test]
fn piped_standard_error_gets_no_progress_bytes() {
    let dir = Dir::new();
    big(&dir);
    for args in [
        &["assess", "big.csv", "-o", "out.csv", "--rejects", "rej.csv"][..],
        &[
            "assess",
            "big.csv",
            "-o",
            "out.csv",
            "--rejects",
            "rej.csv",
            "--budget",
            "1000000000",
        ],
        &["assess", "-", "-o", "out.csv", "--rejects", "rej.csv"],
    ] {
        let input = dir.read_bytes("big.csv");
        let run = dir.run_stdin(args, &input);
        let counts = run.counts();
        let mut expected = format!(
            "layak: {} rows read = {} decided + {} rejected",
            grouped(counts.read),
            grouped(counts.decided),
            grouped(counts.rejected)
        );
        // The reject reasons follow the counts, then (--budget) one more line.
        let first = run.stderr.lines().next().unwrap_or_default();
        assert!(first.starts_with(&expected), "{run}");
        expected = first.to_string();
        let budget = run.stderr.lines().nth(1).unwrap_or_default();
        let lines = if args.contains(&"--budget") {
            assert!(budget.starts_with("layak: budget "), "{run}");
            format!("{expected}\n{budget}\n")
        } else {
            format!("{expected}\n")
        };
        if run.stderr != lines {
            run.fail("standard error is more than the closing lines");
        }
        if run.stderr.contains(['\r', '\x1b']) {
            run.fail("a progress bar on a pipe");
        }
    }
}

#[test]
fn validate_on_a_pipe_draws_nothing() {
    let dir = Dir::new();
    big(&dir);
    let run = dir.run(&["validate", "big.csv"]);
    if !run.stderr.is_empty() {
        run.fail("validate wrote to standard error");
    }
}

fn grouped(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// What a terminal showed of `layak ARGS` run under a pseudo-terminal
/// (`script` of util-linux), with `env` set; None without `script`.
fn on_a_terminal(dir: &Dir, args: &str, env: &[(&str, &str)]) -> Option<String> {
    let mut cmd = Command::new("script");
    cmd.args(["-qec", &format!("{LAYAK} {args}"), "/dev/null"])
        .current_dir(dir.path())
        .env("TERM", "xterm")
        .env_remove("NO_COLOR")
        .env_remove("LC_ALL")
        .env_remove("LANG");
    for (k, v) in env {
        cmd.env(k, v);
    }
    let out = cmd.output().ok()?;
    if !out.status.success() {
        // No pseudo-terminal here (a container without /dev/pts).
        eprintln!(
            "script failed ({}): {}",
            out.status,
            String::from_utf8_lossy(&out.stderr)
        );
        return None;
    }
    Some(String::from_utf8_lossy(&out.stdout).into_owned())
}

/// The text a terminal ends with: escape sequences dropped, each line as
/// last overwritten after a carriage return.
fn screen_lines(raw: &str) -> Vec<String> {
    let mut plain = String::new();
    let mut chars = raw.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '\x1b' {
            if chars.peek() == Some(&'[') {
                chars.next();
                // Parameters, then one final byte in @..~.
                for d in chars.by_ref() {
                    if ('@'..='~').contains(&d) {
                        break;
                    }
                }
            }
            continue;
        }
        plain.push(c);
    }
    plain
        .split('\n')
        .map(|line| {
            line.rsplit('\r')
                .find(|s| !s.is_empty())
                .unwrap_or("")
                .to_string()
        })
        .filter(|l| !l.trim().is_empty())
        .collect()
}

#[test]
fn a_terminal_sees_the_bar_then_the_closing_line_last() {
    let dir = Dir::new();
    big(&dir);
    let Some(raw) = on_a_terminal(&dir, "assess big.csv -o out.csv --rejects rej.csv", &[]) else {
        return;
    };
    assert!(raw.contains("reading big.csv"), "no bar: {raw:?}");
    assert!(raw.contains(" rows"), "no rows counted: {raw:?}");
    let lines = screen_lines(&raw);
    let last = lines.last().map_or("", String::as_str);
    assert!(
        last.starts_with("layak: ") && last.contains(" rows read = "),
        "the last line is not the closing line: {last:?}\n{raw:?}"
    );
    // The bar was cleared: only the closing line is left on the screen.
    assert_eq!(lines.len(), 1, "{lines:?}\n{raw:?}");
}

#[test]
fn both_passes_of_budget_are_labelled() {
    let dir = Dir::new();
    big(&dir);
    let Some(raw) = on_a_terminal(
        &dir,
        "assess big.csv -o out.csv --rejects rej.csv --budget 1000000000",
        &[],
    ) else {
        return;
    };
    assert!(raw.contains("pass 1/2, ranking big.csv"), "{raw:?}");
    assert!(raw.contains("pass 2/2, writing big.csv"), "{raw:?}");
    let lines = screen_lines(&raw);
    assert!(
        lines.iter().all(|l| l.starts_with("layak: ")),
        "a bar left on the screen: {lines:?}"
    );
}

#[test]
fn standard_input_gets_a_spinner_without_the_time_left() {
    let dir = Dir::new();
    big(&dir);
    let Some(raw) = on_a_terminal(&dir, "assess - -o out.csv --rejects rej.csv < big.csv", &[])
    else {
        return;
    };
    assert!(raw.contains("reading <stdin>"), "{raw:?}");
    assert!(
        !raw.contains(" left"),
        "a time left without a size: {raw:?}"
    );
}

#[test]
fn no_bar_with_quiet_or_on_a_dumb_terminal() {
    let dir = Dir::new();
    big(&dir);
    let cases: [(&str, &[(&str, &str)]); 2] = [
        ("assess big.csv -o out.csv --rejects rej.csv -q", &[]),
        (
            "assess big.csv -o out.csv --rejects rej.csv",
            &[("TERM", "dumb")],
        ),
    ];
    for (args, env) in cases {
        let Some(raw) = on_a_terminal(&dir, args, env) else {
            return;
        };
        assert!(!raw.contains("reading big.csv"), "{args} {env:?}: {raw:?}");
    }
}

#[test]
fn no_color_draws_the_bar_without_colour() {
    let dir = Dir::new();
    big(&dir);
    let Some(coloured) = on_a_terminal(&dir, "validate big.csv", &[]) else {
        return;
    };
    assert!(coloured.contains("checking big.csv"), "{coloured:?}");
    let Some(plain) = on_a_terminal(&dir, "validate big.csv", &[("NO_COLOR", "1")]) else {
        return;
    };
    assert!(plain.contains("checking big.csv"), "{plain:?}");
    // SGR colour sequences: ESC [ 3x m (foreground) or 4x (background).
    let colour = |s: &str| s.contains("\x1b[36m") || s.contains("\x1b[34m");
    assert!(colour(&coloured), "{coloured:?}");
    assert!(!colour(&plain), "{plain:?}");
}

#[test]
fn reject_lines_during_the_run_are_not_mixed_with_the_bar() {
    let dir = Dir::new();
    big(&dir);
    // No --rejects: the first rejects are listed on standard error as they come.
    let Some(raw) = on_a_terminal(&dir, "assess big.csv -o out.csv", &[]) else {
        return;
    };
    assert!(raw.contains("reading big.csv"), "no bar: {raw:?}");
    let lines = screen_lines(&raw);
    assert!(
        lines
            .iter()
            .any(|l| l.starts_with("reject: big.csv: line ")),
        "{lines:?}"
    );
    for line in &lines {
        assert!(
            line.starts_with("reject: ") || line.starts_with("layak: "),
            "a line mixed with the bar: {line:?}\n{raw:?}"
        );
    }
    assert!(
        lines.last().is_some_and(|l| l.contains(" rows read = ")),
        "{lines:?}"
    );
}
