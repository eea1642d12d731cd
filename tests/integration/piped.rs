//! Results do not depend on how the input arrives: a file, a pipe fed in
//! writes of any size, slowly, or all at once.
// See: issue 12 ("`--budget` on piped input gives wrong ranks or a false error").

use std::io::Write;
use std::process::{Command, Stdio};
use std::time::Duration;

use crate::summary::generated;
use crate::util::{Dir, LAYAK};

/// What one run left behind: exit code, decisions, rejects, summary.
#[derive(Debug, PartialEq)]
struct Run {
    code: i32,
    decisions: Vec<u8>,
    rejects: Vec<u8>,
    summary: String,
}

/// Run `layak assess - ARGS -o out --rejects rej.csv --summary sum.json` in
/// `dir`, writing `input` to its standard input in pieces of `sizes` bytes
/// (cycled), pausing now and then so that reads return short counts.
fn run_piped(dir: &Dir, args: &[&str], input: &[u8], sizes: &[usize]) -> Run {
    for f in ["out.csv", "rej.csv", "sum.json"] {
        let _ = std::fs::remove_file(dir.join(f));
    }
    let mut child = Command::new(LAYAK)
        .args(["assess", "-", "-o", "out.csv", "--rejects", "rej.csv"])
        .args(["--summary", "sum.json"])
        .args(args)
        .current_dir(dir.path())
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("cannot run layak");
    let mut pipe = child.stdin.take().expect("stdin is piped");
    let data = input.to_vec();
    let sizes = sizes.to_vec();
    let feeder = std::thread::spawn(move || {
        let mut pos = 0;
        let mut k = 0;
        while pos < data.len() {
            let n = sizes[k % sizes.len()].min(data.len() - pos);
            if pipe.write_all(&data[pos..pos + n]).is_err() {
                return;
            }
            let _ = pipe.flush();
            pos += n;
            k += 1;
            // A slow producer: let the reader drain the pipe every so often.
            if k % 997 == 0 || n > 4096 {
                std::thread::sleep(Duration::from_millis(1));
            }
        }
    });
    let out = child.wait_with_output().expect("cannot wait for layak");
    feeder.join().expect("feeder thread");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!stderr.contains("panicked"), "{stderr}");
    Run {
        code: out.status.code().unwrap_or(-1),
        decisions: std::fs::read(dir.join("out.csv")).unwrap_or_default(),
        rejects: std::fs::read(dir.join("rej.csv")).unwrap_or_default(),
        summary: std::fs::read_to_string(dir.join("sum.json")).unwrap_or_default(),
    }
}

/// A few thousand households with every kind of reject of the sample, some
/// CRLF and lone-CR line ends, quoted fields and blank lines.
fn input() -> Vec<u8> {
    let text = generated(60);
    let mut out = Vec::new();
    for (i, line) in text.lines().enumerate() {
        out.extend_from_slice(line.as_bytes());
        out.extend_from_slice(match i % 13 {
            5 => b"\r\n",
            9 => b"\r",
            11 => b"\n\n",
            _ => b"\n",
        });
    }
    out
}

#[test]
fn any_write_pattern_gives_the_same_decisions_rejects_summary_and_ranks() {
    let dir = Dir::new();
    let data = input();
    // Small chunks: the input spans hundreds of batches.
    let cases: [&[&str]; 3] = [
        &["-j", "2", "--chunk-bytes", "3000"],
        &["-j", "2", "--chunk-bytes", "3000", "--budget", "60_000_000"],
        &["-j", "1", "--chunk-bytes", "777", "--budget", "60_000_000"],
    ];
    for args in cases {
        let reference = run_piped(&dir, args, &data, &[data.len()]);
        assert_eq!(reference.code, 3, "{args:?}: the sample holds rejects");
        assert!(reference.decisions.len() > 100_000, "{args:?}");
        assert!(!reference.rejects.is_empty() && !reference.summary.is_empty());
        if args.contains(&"--budget") {
            let text = String::from_utf8_lossy(&reference.decisions);
            assert!(text.lines().next().unwrap_or("").ends_with(",funded,rank"));
            assert!(text.contains(",true,") && text.contains(",false,"));
        }
        for sizes in [
            &[1][..],
            &[7],
            &[333],
            &[65_536],
            &[1, 4_099, 7, 70_001, 333],
        ] {
            let got = run_piped(&dir, args, &data, sizes);
            assert!(
                got == reference,
                "{args:?}, writes of {sizes:?}: the output differs from one whole write"
            );
        }
    }
}

#[test]
fn a_file_and_a_pipe_give_the_same_output() {
    let dir = Dir::new();
    let data = input();
    dir.write("in.csv", &data);
    for budget in [None, Some("60_000_000")] {
        let mut args = vec!["-j", "2", "--chunk-bytes", "5000"];
        if let Some(b) = budget {
            args.extend(["--budget", b]);
        }
        let piped = run_piped(&dir, &args, &data, &[333, 1, 7]);
        let mut file_args = vec![
            "assess",
            "in.csv",
            "-o",
            "out.csv",
            "--rejects",
            "rej.csv",
            "--summary",
            "sum.json",
        ];
        file_args.extend(&args);
        dir.run(&file_args).assert_code(3);
        assert!(dir.read_bytes("out.csv") == piped.decisions, "{args:?}");
        assert!(dir.read_bytes("rej.csv") == piped.rejects, "{args:?}");
        // The summary names its input; everything else is the same.
        let file_summary = dir.read("sum.json").replace("\"in.csv\"", "\"<stdin>\"");
        assert_eq!(file_summary, piped.summary, "{args:?}");
    }
}
