//! Crash safety and output failures: a killed run leaves no half-written
//! file, a full disk or an unwritable folder is a clear error with exit 1, a
//! closed pipe ends quietly.
// See: issue 6.

use std::io::Read;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::util::{Dir, LAYAK, repo_text};

/// A few hundred thousand rows: long enough to be killed mid-run.
fn big(rows_copies: usize) -> String {
    let sample = repo_text("data/sample-households.csv");
    let mut lines = sample.lines();
    let header = lines.next().unwrap();
    let body: Vec<&str> = lines.filter(|l| l.starts_with('H')).collect();
    let mut out = format!("{header}\n");
    for copy in 0..rows_copies {
        for line in &body {
            out.push_str(&format!("C{copy}-{line}\n"));
        }
    }
    out
}

/// Start `layak ARGS` in `dir`, wait until a temporary output file exists,
/// kill it with SIGKILL, and return whether it was still running when killed.
fn kill_mid_run(dir: &Dir, args: &[&str], temp_prefix: &str) -> bool {
    let mut child = Command::new(LAYAK)
        .args(args)
        .current_dir(dir.path())
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn layak");
    let start = Instant::now();
    let mut running = false;
    while start.elapsed() < Duration::from_secs(20) {
        if dir.entries().iter().any(|e| e.starts_with(temp_prefix)) {
            running = child.try_wait().expect("try_wait").is_none();
            break;
        }
        if child.try_wait().expect("try_wait").is_some() {
            break;
        }
        std::thread::sleep(Duration::from_millis(2));
    }
    let _ = child.kill(); // SIGKILL on Unix
    let _ = child.wait();
    running
}

#[test]
fn sigkill_leaves_no_half_written_output_or_rejects() {
    let dir = Dir::new();
    dir.write("big.csv", big(2000));
    dir.write("out.csv", "previous complete output\n");
    let mut killed_mid_run = 0;
    for _ in 0..3 {
        if kill_mid_run(
            &dir,
            &[
                "assess",
                "big.csv",
                "-o",
                "out.csv",
                "--rejects",
                "rej.csv",
                "--summary",
                "sum.json",
                "--threads",
                "2",
            ],
            ".out.csv.layak-",
        ) {
            killed_mid_run += 1;
        }
        // The previous file is untouched, and no rejects file appeared half-written.
        assert_eq!(dir.read("out.csv"), "previous complete output\n");
        assert!(
            !dir.exists("rej.csv"),
            "a rejects file appeared although the run was killed"
        );
        assert!(
            !dir.exists("sum.json"),
            "a summary appeared although the run was killed"
        );
    }
    assert!(
        killed_mid_run > 0,
        "the run always finished before it could be killed"
    );
}

#[test]
fn a_full_disk_is_a_clear_error_and_leaves_nothing() {
    // `ulimit -f` caps the file size; with SIGXFSZ ignored, writes past it fail
    // with EFBIG, as they would on a full disk.
    let dir = Dir::new();
    dir.write("big.csv", big(200));
    let script = format!("trap '' XFSZ; ulimit -f 64; exec {LAYAK} assess big.csv -q -o out.csv");
    let out = Command::new("bash")
        .arg("-c")
        .arg(&script)
        .current_dir(dir.path())
        .output()
        .expect("bash");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("cannot write"), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    let leftovers: Vec<String> = dir
        .entries()
        .into_iter()
        .filter(|e| e != "big.csv")
        .collect();
    assert!(leftovers.is_empty(), "left behind: {leftovers:?}");
}

#[test]
fn an_unwritable_output_folder_is_a_clear_error() {
    let dir = Dir::new();
    dir.write("h.csv", "household_id,members,monthly_income\nA,1,100\n");
    dir.write("not-a-folder", "x");
    let out = dir.run(&["assess", "h.csv", "-o", "not-a-folder/out.csv"]);
    out.assert_code(1)
        .stderr_has("cannot create output file not-a-folder/out.csv")
        .no_panic();
    let out = dir.run(&["assess", "h.csv", "-o", "missing-folder/out.csv"]);
    out.assert_code(1).stderr_has("cannot create output file");
}

#[test]
fn a_closed_pipe_ends_quietly() {
    let dir = Dir::new();
    dir.write("big.csv", big(300));
    let mut child = Command::new(LAYAK)
        .args(["assess", "big.csv", "-q"])
        .current_dir(dir.path())
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn layak");
    // Read one line, then close our end like `| head -1`.
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
    assert!(!stderr.contains("error"), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
}
