//! The output files of one run as a set: checked together before any row is
//! read, committed together or not at all, never left half-written after an
//! error, a closed pipe or a signal, and private while being written.
// See: issue 12 (items 4, 5 and 7; a closed standard output; --threads) and
// issue 21 (`-` for every output flag).

use std::io::Read;
use std::process::{Command, Stdio};

use crate::util::{self, Dir, LAYAK, repo, repo_text};

/// Temporary files (`.NAME.layak-PID-N.tmp`) left in `dir`.
fn temporaries(dir: &Dir) -> Vec<String> {
    dir.entries()
        .into_iter()
        .filter(|e| e.contains(".layak-"))
        .collect()
}

/// Run `script` with bash in `dir` (`$LAYAK` is the binary).
#[cfg(unix)]
fn bash(dir: &Dir, script: &str) -> std::process::Output {
    Command::new("bash")
        .arg("-c")
        .arg(script)
        .env("LAYAK", LAYAK)
        .current_dir(dir.path())
        .stdin(Stdio::null())
        .output()
        .expect("cannot run bash")
}

#[test]
fn two_outputs_naming_one_file_are_a_usage_error_whether_or_not_it_exists() {
    let dir = Dir::new();
    dir.write("in.csv", repo_text("data/sample-households.csv"));
    std::fs::create_dir(dir.join("sub")).unwrap();
    let cases: [&[&str]; 3] = [
        &["-o", "out.csv", "--rejects", "./out.csv"],
        &["-o", "out.csv", "--summary", "sub/../out.csv"],
        &[
            "-o",
            "o.csv",
            "--rejects",
            "r.csv",
            "--summary",
            "./sub/../r.csv",
        ],
    ];
    for exists in [false, true] {
        if exists {
            dir.write("out.csv", "previous output\n");
            dir.write("r.csv", "previous rejects\n");
        }
        for case in cases {
            let mut args = vec!["assess", "in.csv"];
            args.extend_from_slice(case);
            let out = dir.run(&args);
            out.assert_code(2)
                .stderr_has("name the same file")
                .stderr_lacks("rows read")
                .no_panic();
            assert!(temporaries(&dir).is_empty(), "{out}");
            assert!(!dir.exists("o.csv"), "{out}");
            assert_eq!(dir.exists("out.csv"), exists, "{out}");
        }
    }
    assert_eq!(dir.read("out.csv"), "previous output\n");
    assert_eq!(dir.read("r.csv"), "previous rejects\n");
    // A symbolic link to an output names that output.
    #[cfg(unix)]
    {
        std::os::unix::fs::symlink("out.csv", dir.join("link.csv")).unwrap();
        dir.run(&["assess", "in.csv", "-o", "out.csv", "--rejects", "link.csv"])
            .assert_code(2)
            .stderr_has("name the same file");
        assert_eq!(dir.read("out.csv"), "previous output\n");
    }
}

#[cfg(unix)]
#[test]
fn an_output_naming_standard_output_is_a_usage_error_while_it_carries_the_decisions() {
    let dir = Dir::new();
    dir.write("in.csv", repo_text("data/sample-households.csv"));
    for path in ["/dev/stdout", "/proc/self/fd/1"] {
        if !std::path::Path::new(path).exists() {
            continue;
        }
        for flag in ["--rejects", "--summary"] {
            let out = dir.run(&["assess", "in.csv", flag, path]);
            out.assert_code(2)
                .stderr_has("is standard output, which already carries the decisions")
                .no_panic();
            assert!(out.stdout.is_empty(), "{out}");
        }
    }
    // With the decisions in a file, standard output is free for the rejects.
    let out = dir.run(&[
        "assess",
        "in.csv",
        "-o",
        "out.csv",
        "--rejects",
        "/dev/stdout",
    ]);
    out.assert_code(3)
        .stdout_has("line,household_id,column,value,code,reason");
}

#[test]
fn an_output_naming_the_input_is_a_usage_error_by_any_name() {
    let dir = Dir::new();
    let input = repo_text("data/sample-households.csv");
    dir.write("in.csv", &input);
    dir.run(&["assess", "in.csv", "-o", "./in.csv"])
        .assert_code(2)
        .stderr_has("is the input file");
    #[cfg(unix)]
    {
        // A hard link: another name, the same file.
        std::fs::hard_link(dir.join("in.csv"), dir.join("link.csv")).unwrap();
        dir.run(&["assess", "in.csv", "--rejects", "link.csv"])
            .assert_code(2)
            .stderr_has("is the input file");
        // Standard input redirected from the file an output names.
        let out = Command::new(LAYAK)
            .args(["assess", "-", "-o", "in.csv"])
            .current_dir(dir.path())
            .stdin(std::fs::File::open(dir.join("in.csv")).unwrap())
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{stderr}");
        assert!(stderr.contains("is the input file"), "{stderr}");
    }
    assert_eq!(dir.read("in.csv"), input);
    assert!(temporaries(&dir).is_empty());
}

#[test]
fn output_names_that_cannot_be_files_fail_before_the_input_is_read() {
    let dir = Dir::new();
    // Reading this file would fail (no household_id column): the output is
    // refused first, so the input was not read.
    dir.write("bad.csv", "not_a_policy_input\n1\n");
    std::fs::create_dir(dir.join("folder")).unwrap();
    let cases: [(&[&str], &str); 7] = [
        (&["-o", ""], "the file name is empty"),
        (&["-o", "out.csv/"], "cannot end with `/`"),
        (&["-o", "folder"], "folder is a folder"),
        (
            &["-o", "out.csv", "--rejects", "folder"],
            "folder is a folder",
        ),
        (
            &["-o", "out.csv", "--summary", "folder"],
            "folder is a folder",
        ),
        (&["--rejects", ""], "the file name is empty"),
        (&["--summary", "folder/"], "cannot end with `/`"),
    ];
    for (extra, says) in cases {
        let mut args = vec!["assess", "bad.csv"];
        args.extend_from_slice(extra);
        let out = dir.run(&args);
        out.assert_code(2)
            .stderr_has(says)
            .stderr_lacks("household_id")
            .no_panic();
        assert_eq!(dir.entries(), ["bad.csv", "folder"], "{out}");
        assert!(
            std::fs::read_dir(dir.join("folder"))
                .unwrap()
                .next()
                .is_none(),
            "{out}"
        );
    }
    // A good input: the earlier decisions are not replaced before the run
    // fails on the rejects folder.
    dir.write("in.csv", repo_text("data/sample-households.csv"));
    dir.write("out.csv", "previous output\n");
    dir.run(&["assess", "in.csv", "-o", "out.csv", "--rejects", "folder"])
        .assert_code(2);
    assert_eq!(dir.read("out.csv"), "previous output\n");
    assert!(temporaries(&dir).is_empty());
    // validate checks its rejects file the same way.
    dir.run(&["validate", "bad.csv", "--rejects", "folder"])
        .assert_code(2)
        .stderr_has("is a folder");
    #[cfg(unix)]
    dir.run(&["validate", "in.csv", "--rejects", "/dev/stdout"])
        .assert_code(2)
        .stderr_has("carries the validation report");
}

#[cfg(target_os = "linux")]
#[test]
fn no_output_is_replaced_when_another_cannot_be_completed() {
    // /dev/full accepts the open and fails the writes (ENOSPC), as a full disk
    // does: the decisions, complete, must still not replace the old file.
    let dir = Dir::new();
    dir.write("in.csv", repo_text("data/sample-households.csv"));
    for flag in ["--rejects", "--summary"] {
        dir.write("out.csv", "previous output\n");
        let out = dir.run(&["assess", "in.csv", "-q", "-o", "out.csv", flag, "/dev/full"]);
        out.assert_code(1).stderr_has("cannot write").no_panic();
        assert_eq!(dir.read("out.csv"), "previous output\n", "{out}");
        assert!(temporaries(&dir).is_empty(), "{out}");
    }
}

/// Start `assess -` with `args` in `dir`, feed it part of a big input and
/// keep its standard input open: the run is mid-way, its outputs being
/// written, when `signal` is sent. Returns the exit code and standard error.
#[cfg(unix)]
fn signal_mid_run(
    dir: &Dir,
    args: &[&str],
    env: &[(&str, &std::path::Path)],
    wait_for: &[(&std::path::Path, &str)],
    signal: &str,
) -> (Option<i32>, String) {
    use std::io::Write;
    let mut child = util::spawn_at(dir.path(), args, env);
    let mut stdin = child.stdin.take().unwrap();
    let rows = util::many_households(100);
    stdin.write_all(rows.as_bytes()).unwrap();
    for (folder, prefix) in wait_for {
        let temp = util::wait_for_entry(folder, prefix)
            .unwrap_or_else(|| panic!("no temporary file {prefix}… appeared"));
        assert_eq!(
            util::mode_of(&temp),
            0o600,
            "{} must be readable by its owner only",
            temp.display()
        );
    }
    util::send_signal(child.id(), signal);
    let out = child.wait_with_output().unwrap();
    drop(stdin);
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[cfg(unix)]
#[test]
fn sigint_and_sigterm_remove_every_temporary_file() {
    for (signal, code) in [("INT", 130), ("TERM", 143)] {
        let dir = Dir::new();
        dir.write("out.csv", "previous output\n");
        dir.write("rej.csv", "previous rejects\n");
        let args = [
            "assess",
            "-",
            "-o",
            "out.csv",
            "--rejects",
            "rej.csv",
            "--summary",
            "sum.json",
        ];
        let wait_for = [
            (dir.path(), ".out.csv.layak-"),
            (dir.path(), ".rej.csv.layak-"),
            (dir.path(), ".sum.json.layak-"),
        ];
        let (status, stderr) = signal_mid_run(&dir, &args, &[], &wait_for, signal);
        assert_eq!(status, Some(code), "SIG{signal}: {stderr}");
        assert_eq!(
            dir.entries(),
            ["out.csv", "rej.csv"],
            "SIG{signal} left files behind"
        );
        assert_eq!(dir.read("out.csv"), "previous output\n");
        assert_eq!(dir.read("rej.csv"), "previous rejects\n");
    }
}

#[cfg(unix)]
#[test]
fn sigint_mid_write_of_a_big_file_leaves_the_old_output_and_no_temporary() {
    use std::io::Write;
    let dir = Dir::new();
    dir.write("out.csv", "previous output\n");
    let mut child = util::spawn_at(
        dir.path(),
        &["assess", "-", "-q", "-o", "out.csv", "--threads", "2"],
        &[],
    );
    // The households come through a pipe that stays open until after the
    // signal, so the run cannot finish first however fast the build is.
    let mut stdin = child.stdin.take().unwrap();
    let feeder = std::thread::spawn(move || {
        // After the signal the pipe breaks: that error is expected.
        let _ = stdin.write_all(util::many_households(2000).as_bytes());
        stdin
    });
    let temp = util::wait_for_entry(dir.path(), ".out.csv.layak-");
    let temp = temp.expect("no temporary output appeared");
    // Some decisions written, so the signal strikes mid-write.
    let start = std::time::Instant::now();
    while std::fs::metadata(&temp).map_or(0, |m| m.len()) == 0 {
        assert!(start.elapsed().as_secs() < 20, "no decision was written");
        std::thread::sleep(std::time::Duration::from_millis(5));
    }
    util::send_signal(child.id(), "INT");
    let out = child.wait_with_output().unwrap();
    drop(feeder.join());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(130), "{stderr}");
    assert_eq!(dir.entries(), ["out.csv"]);
    assert_eq!(dir.read("out.csv"), "previous output\n");
}

#[cfg(unix)]
#[test]
fn the_budget_copy_of_standard_input_is_private_and_removed_on_a_signal() {
    let dir = Dir::new();
    std::fs::create_dir(dir.join("tmp")).unwrap();
    let tmp = dir.join("tmp");
    let args = ["assess", "-", "--budget", "5_000_000_000", "-o", "out.csv"];
    let wait_for = [
        (tmp.as_path(), "layak-budget-"),
        (dir.path(), ".out.csv.layak-"),
    ];
    let (status, stderr) =
        signal_mid_run(&dir, &args, &[("TMPDIR", tmp.as_path())], &wait_for, "TERM");
    assert_eq!(status, Some(143), "{stderr}");
    assert_eq!(dir.entries(), ["tmp"]);
    assert!(
        std::fs::read_dir(&tmp).unwrap().next().is_none(),
        "the copy of standard input was left in TMPDIR"
    );
}

#[cfg(unix)]
#[test]
fn a_file_size_limit_is_a_write_error_that_leaves_nothing() {
    // Without `trap '' XFSZ`: SIGXFSZ must not kill the run mid-write.
    let dir = Dir::new();
    dir.write("big.csv", util::many_households(200));
    dir.write("out.csv", "previous output\n");
    let out = bash(
        &dir,
        "ulimit -f 64; exec \"$LAYAK\" assess big.csv -q -o out.csv --rejects rej.csv",
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("cannot write"), "{stderr}");
    assert!(stderr.contains("File too large"), "{stderr}");
    assert!(stderr.contains("no output file was written"), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert_eq!(dir.entries(), ["big.csv", "out.csv"]);
    assert_eq!(dir.read("out.csv"), "previous output\n");
}

#[cfg(unix)]
#[test]
fn a_replaced_output_keeps_its_mode_and_a_new_one_follows_the_umask() {
    use std::os::unix::fs::PermissionsExt;
    let dir = Dir::new();
    dir.write("in.csv", repo_text("data/sample-households.csv"));
    dir.write("out.csv", "previous output\n");
    std::fs::set_permissions(dir.join("out.csv"), std::fs::Permissions::from_mode(0o640)).unwrap();
    for (umask, mode) in [("022", 0o644), ("077", 0o600)] {
        let rejects = format!("rej-{umask}.csv");
        let script = format!(
            "umask {umask}; exec \"$LAYAK\" assess in.csv -q -o out.csv --rejects {rejects} --summary sum-{umask}.json"
        );
        let out = bash(&dir, &script);
        assert_eq!(
            out.status.code(),
            Some(3),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert_eq!(util::mode_of(&dir.join("out.csv")), 0o640, "umask {umask}");
        assert_eq!(util::mode_of(&dir.join(&rejects)), mode, "umask {umask}");
        assert_eq!(
            util::mode_of(&dir.join(&format!("sum-{umask}.json"))),
            mode,
            "umask {umask}"
        );
    }
}

#[test]
fn a_closed_standard_output_leaves_the_other_outputs_untouched_and_says_so() {
    let dir = Dir::new();
    dir.write("big.csv", util::many_households(300));
    dir.write("rej.csv", "previous rejects\n");
    dir.write("sum.json", "previous summary\n");
    let mut child = Command::new(LAYAK)
        .args([
            "assess",
            "big.csv",
            "-q",
            "-o",
            "-",
            "--rejects",
            "rej.csv",
            "--summary",
            "sum.json",
        ])
        .current_dir(dir.path())
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // Read a little, then close our end like `| head -1`.
    let mut stdout = child.stdout.take().unwrap();
    let mut first = [0u8; 64];
    let _ = stdout.read(&mut first).unwrap();
    drop(stdout);
    let mut stderr = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut stderr)
        .unwrap();
    let status = child.wait().unwrap();
    assert_eq!(status.code(), Some(0), "{stderr}");
    assert!(stderr.contains("not written"), "{stderr}");
    assert!(
        stderr.contains("--rejects rej.csv") && stderr.contains("--summary sum.json"),
        "{stderr}"
    );
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert_eq!(dir.read("rej.csv"), "previous rejects\n");
    assert_eq!(dir.read("sum.json"), "previous summary\n");
    assert!(temporaries(&dir).is_empty(), "{:?}", dir.entries());
}

#[test]
fn too_many_threads_are_lowered_with_a_warning() {
    let cores = std::thread::available_parallelism().map_or(1, usize::from);
    if cores * 4 >= 1200 {
        return; // 1200 threads are allowed on this machine
    }
    let dir = Dir::new();
    let sample = repo("data/sample-households.csv");
    let one = dir.run(&["assess", &sample, "-q", "-j", "1"]);
    one.assert_code(3);
    let many = dir.run(&["assess", &sample, "-q", "-j", "1200"]);
    many.assert_code(3)
        .stderr_has(&format!(
            "warning: --threads 1200 is more than 4 per core; using {}",
            cores * 4
        ))
        .no_panic();
    assert_eq!(many.stdout, one.stdout);
    dir.run(&["validate", &sample, "-j", "1200"])
        .assert_code(3)
        .stderr_has("warning: --threads 1200");
    dir.run(&["assess", "--help"])
        .stdout_has("at most 4 per core");
    // Under a memory limit, 1200 threads (2 MiB of stack each) cannot all
    // start while a long input keeps them busy.
    #[cfg(unix)]
    {
        dir.write("big.csv", util::many_households(300));
        let out = bash(
            &dir,
            "ulimit -v 2000000; exec \"$LAYAK\" assess big.csv -q -j 1200 -o out.csv",
        );
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(3), "{stderr}");
        assert!(!stderr.contains("panicked"), "{stderr}");
    }
}

#[test]
fn a_dash_is_standard_output_or_a_usage_error_never_a_file() {
    let dir = Dir::new();
    let sample = repo("data/sample-households.csv");
    // The decisions in a file: `--rejects -` writes the rejects to standard output.
    let out = dir.run(&["assess", &sample, "-o", "out.csv", "--rejects", "-"]);
    out.assert_code(3);
    let rejects = util::Table::parse(&out.stdout).unwrap();
    assert_eq!(
        rejects.header,
        ["line", "household_id", "column", "value", "code", "reason"]
    );
    assert_eq!(rejects.rows.len(), out.counts().rejected as usize);
    // The decisions on standard output: it is taken.
    for args in [
        &["assess", &sample, "--rejects", "-"][..],
        &["assess", &sample, "-o", "-", "--rejects", "-"][..],
        &["validate", &sample, "--rejects", "-"][..],
    ] {
        dir.run(args)
            .assert_code(2)
            .stderr_has("--rejects -: standard output")
            .no_panic();
    }
    // `--summary -` is the short summary on standard error.
    let out = dir.run(&["assess", &sample, "-o", "out.csv", "--summary", "-"]);
    out.assert_code(3);
    assert!(out.stdout.is_empty(), "{out}");
    assert!(!dir.exists("-"), "a file named `-` was created");
    dir.run(&["assess", "--help"])
        .stdout_has("`-` writes them to standard output");
}
