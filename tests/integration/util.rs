//! The test harness: a fresh temporary directory per test, the real `layak`
//! binary run in it, and outputs that explain themselves when an assertion
//! fails (the command, exit code, stdout and stderr, in full).

use std::collections::HashMap;
use std::fmt;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// The `layak` binary built by cargo for this test run.
pub const LAYAK: &str = env!("CARGO_BIN_EXE_layak");

/// A path inside the repository (`data/…`, `examples/…`), as a string argument.
pub fn repo(rel: &str) -> String {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join(rel)
        .to_string_lossy()
        .into_owned()
}

/// The text of a file inside the repository.
pub fn repo_text(rel: &str) -> String {
    let path = repo(rel);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("cannot read {path}: {e}"))
}

/// A fresh working directory for one test, removed when dropped.
pub struct Dir {
    tmp: tempfile::TempDir,
}

impl Dir {
    pub fn new() -> Dir {
        Dir {
            tmp: tempfile::tempdir().expect("cannot create a temporary directory"),
        }
    }

    pub fn path(&self) -> &Path {
        self.tmp.path()
    }

    /// The absolute path of `name` in this directory.
    pub fn join(&self, name: &str) -> PathBuf {
        self.tmp.path().join(name)
    }

    /// Write `contents` to `name` and return `name` (usable as an argument:
    /// commands run with this directory as their working directory).
    pub fn write<'a>(&self, name: &'a str, contents: impl AsRef<[u8]>) -> &'a str {
        let path = self.join(name);
        std::fs::write(&path, contents)
            .unwrap_or_else(|e| panic!("cannot write {}: {e}", path.display()));
        name
    }

    /// The text of `name`; panics (naming the file) when it does not exist.
    pub fn read(&self, name: &str) -> String {
        let path = self.join(name);
        std::fs::read_to_string(&path)
            .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()))
    }

    pub fn read_bytes(&self, name: &str) -> Vec<u8> {
        let path = self.join(name);
        std::fs::read(&path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()))
    }

    pub fn exists(&self, name: &str) -> bool {
        self.join(name).exists()
    }

    /// Every entry of the directory (hidden ones included), sorted.
    pub fn entries(&self) -> Vec<String> {
        let mut names: Vec<String> = std::fs::read_dir(self.path())
            .expect("cannot list the test directory")
            .map(|e| {
                e.expect("directory entry")
                    .file_name()
                    .to_string_lossy()
                    .into_owned()
            })
            .collect();
        names.sort();
        names
    }

    /// Run `layak ARGS` in this directory with empty standard input.
    pub fn run(&self, args: &[&str]) -> Output {
        run_at(self.path(), args, None)
    }

    /// Run `layak ARGS` in this directory with `stdin` as standard input.
    pub fn run_stdin(&self, args: &[&str], stdin: &[u8]) -> Output {
        run_at(self.path(), args, Some(stdin))
    }
}

/// Run `layak ARGS` in `cwd`, feeding `stdin` (or nothing) to it.
pub fn run_at(cwd: &Path, args: &[&str], stdin: Option<&[u8]>) -> Output {
    let mut child = Command::new(LAYAK)
        .args(args)
        .current_dir(cwd)
        .env_remove("RUST_BACKTRACE")
        // Outputs in the policy's own language, whatever the tester's locale.
        .env_remove("LC_ALL")
        .env_remove("LANG")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot run {LAYAK}: {e}"));
    let mut pipe = child.stdin.take().expect("stdin is piped");
    let input = stdin.unwrap_or_default().to_vec();
    // Feed standard input from another thread so that a child writing a lot
    // of output before it has read all its input cannot deadlock the test.
    let feeder = std::thread::spawn(move || {
        // The child may exit without reading (a usage error): ignore EPIPE.
        let _ = pipe.write_all(&input);
    });
    let out = child.wait_with_output().expect("cannot wait for layak");
    feeder.join().expect("stdin feeder thread");
    Output {
        args: args.iter().map(|a| a.to_string()).collect(),
        cwd: cwd.to_path_buf(),
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// What one run of the binary produced.
pub struct Output {
    pub args: Vec<String>,
    pub cwd: PathBuf,
    /// The exit code (-1 when the process was killed by a signal).
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl fmt::Display for Output {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "command: layak {}", self.args.join(" "))?;
        writeln!(f, "cwd:     {}", self.cwd.display())?;
        writeln!(f, "exit:    {}", self.code)?;
        writeln!(f, "----- stdout -----\n{}", self.stdout)?;
        write!(f, "----- stderr -----\n{}", self.stderr)
    }
}

/// The closing line `layak: N rows read = D decided + R rejected`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Counts {
    pub read: u64,
    pub decided: u64,
    pub rejected: u64,
}

impl Output {
    /// Fail the test with `why` and everything the run printed.
    #[track_caller]
    pub fn fail(&self, why: impl fmt::Display) -> ! {
        panic!("{why}\n{self}")
    }

    #[track_caller]
    pub fn assert_code(&self, expected: i32) -> &Output {
        if self.code != expected {
            self.fail(format_args!(
                "expected exit code {expected}, got {}",
                self.code
            ));
        }
        self
    }

    #[track_caller]
    pub fn stderr_has(&self, needle: &str) -> &Output {
        if !self.stderr.contains(needle) {
            self.fail(format_args!("stderr does not contain {needle:?}"));
        }
        self
    }

    #[track_caller]
    pub fn stderr_lacks(&self, needle: &str) -> &Output {
        if self.stderr.contains(needle) {
            self.fail(format_args!(
                "stderr contains {needle:?}, which it should not"
            ));
        }
        self
    }

    #[track_caller]
    pub fn stdout_has(&self, needle: &str) -> &Output {
        if !self.stdout.contains(needle) {
            self.fail(format_args!("stdout does not contain {needle:?}"));
        }
        self
    }

    /// No panic message or Rust backtrace leaked to the user.
    #[track_caller]
    pub fn no_panic(&self) -> &Output {
        for bad in ["panicked at", "RUST_BACKTRACE", "stack backtrace"] {
            self.stderr_lacks(bad);
        }
        self
    }

    /// Parse the closing count line from stderr and check that it adds up.
    #[track_caller]
    pub fn counts(&self) -> Counts {
        let Some(line) = self
            .stderr
            .lines()
            .find(|l| l.starts_with("layak: ") && l.contains(" rows read = "))
        else {
            self.fail("stderr has no closing line `layak: N rows read = D decided + R rejected`")
        };
        let words: Vec<&str> = line.split_whitespace().collect();
        // layak: N rows read = D decided + R rejected[: count by reject code, …]
        // 0      1 2    3    4 5 6       7 8 9
        let number = |i: usize| -> u64 {
            words
                .get(i)
                .map(|w| w.trim_end_matches(':').replace(',', ""))
                .and_then(|w| w.parse().ok())
                .unwrap_or_else(|| self.fail(format_args!("cannot parse the count line {line:?}")))
        };
        let shape_ok = words.get(2) == Some(&"rows")
            && words.get(3) == Some(&"read")
            && words.get(6) == Some(&"decided")
            && words.get(9).map(|w| w.trim_end_matches([':', ';'])) == Some("rejected");
        if !shape_ok {
            self.fail(format_args!("unexpected count line {line:?}"));
        }
        let c = Counts {
            read: number(1),
            decided: number(5),
            rejected: number(8),
        };
        if c.read != c.decided + c.rejected {
            self.fail(format_args!(
                "rows read {} != decided {} + rejected {}",
                c.read, c.decided, c.rejected
            ));
        }
        c
    }

    /// The count line says exactly `read = decided + rejected`.
    #[track_caller]
    pub fn assert_counts(&self, read: u64, decided: u64, rejected: u64) -> &Output {
        let c = self.counts();
        let want = Counts {
            read,
            decided,
            rejected,
        };
        if c != want {
            self.fail(format_args!("expected {want:?}, the count line says {c:?}"));
        }
        self
    }

    /// The `reject: …` lines listed on standard error.
    pub fn reject_lines(&self) -> Vec<&str> {
        self.stderr
            .lines()
            .filter(|l| l.starts_with("reject: "))
            .collect()
    }

    /// Standard output parsed as CSV with a header.
    #[track_caller]
    pub fn csv(&self) -> Table {
        Table::parse(&self.stdout)
            .unwrap_or_else(|e| self.fail(format_args!("stdout is not CSV: {e}")))
    }

    /// Standard output parsed as one JSON array.
    #[track_caller]
    pub fn json_array(&self) -> Vec<serde_json::Value> {
        match serde_json::from_str::<serde_json::Value>(&self.stdout) {
            Ok(serde_json::Value::Array(items)) => items,
            Ok(other) => self.fail(format_args!("stdout is JSON but not an array: {other}")),
            Err(e) => self.fail(format_args!("stdout is not one JSON value: {e}")),
        }
    }

    /// Standard output parsed as one JSON object per line.
    #[track_caller]
    pub fn ndjson(&self) -> Vec<serde_json::Value> {
        parse_ndjson(&self.stdout).unwrap_or_else(|e| self.fail(e))
    }
}

/// Parse NDJSON: every line one JSON object.
pub fn parse_ndjson(text: &str) -> Result<Vec<serde_json::Value>, String> {
    text.lines()
        .enumerate()
        .map(
            |(i, line)| match serde_json::from_str::<serde_json::Value>(line) {
                Ok(v) if v.is_object() => Ok(v),
                Ok(v) => Err(format!("line {} is JSON but not an object: {v}", i + 1)),
                Err(e) => Err(format!("line {} is not JSON ({e}): {line:?}", i + 1)),
            },
        )
        .collect()
}

/// A CSV file with a header, its rows as maps from column name to cell.
#[derive(Debug, Clone)]
pub struct Table {
    pub header: Vec<String>,
    pub rows: Vec<HashMap<String, String>>,
}

impl Table {
    pub fn parse(text: &str) -> Result<Table, csv::Error> {
        let mut reader = csv::ReaderBuilder::new()
            .has_headers(true)
            .from_reader(text.as_bytes());
        let header: Vec<String> = reader.headers()?.iter().map(str::to_string).collect();
        let mut rows = Vec::new();
        for record in reader.records() {
            let record = record?;
            rows.push(
                header
                    .iter()
                    .cloned()
                    .zip(record.iter().map(str::to_string))
                    .collect(),
            );
        }
        Ok(Table { header, rows })
    }

    /// Read a file of the repository or of a test directory.
    #[track_caller]
    pub fn read(path: &Path) -> Table {
        let text = std::fs::read_to_string(path)
            .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
        Table::parse(&text).unwrap_or_else(|e| panic!("{} is not CSV: {e}", path.display()))
    }

    /// The cells of one column, in row order.
    #[track_caller]
    pub fn column(&self, name: &str) -> Vec<&str> {
        assert!(
            self.header.iter().any(|h| h == name),
            "no column {name:?} in {:?}",
            self.header
        );
        self.rows.iter().map(|r| r[name].as_str()).collect()
    }

    /// The row whose `household_id` is `id`.
    #[track_caller]
    pub fn row(&self, id: &str) -> &HashMap<String, String> {
        self.rows
            .iter()
            .find(|r| r.get("household_id").map(String::as_str) == Some(id))
            .unwrap_or_else(|| panic!("no row with household_id {id:?}"))
    }
}

/// Compare `actual` with `expected` on every column of `expected`, row by row
/// in order; every difference is listed as `row KEY, field F: expected E, actual A`.
#[track_caller]
pub fn assert_same_rows(what: &str, key: &str, expected: &Table, actual: &Table) {
    let mut problems = Vec::new();
    for col in &expected.header {
        if !actual.header.contains(col) {
            problems.push(format!(
                "column `{col}` is missing (header: {:?})",
                actual.header
            ));
        }
    }
    let expected_keys: Vec<&str> = expected.rows.iter().map(|r| r[key].as_str()).collect();
    let actual_keys: Vec<&str> = actual
        .rows
        .iter()
        .map(|r| r.get(key).map_or("", String::as_str))
        .collect();
    if expected_keys != actual_keys {
        problems.push(format!(
            "the {key}s differ (or are out of order):\n  expected {expected_keys:?}\n  actual   {actual_keys:?}"
        ));
    }
    if problems.is_empty() {
        for (e, a) in expected.rows.iter().zip(&actual.rows) {
            for col in &expected.header {
                if e[col] != a[col] {
                    problems.push(format!(
                        "{key} {}, field {col}: expected {:?}, actual {:?}",
                        e[key], e[col], a[col]
                    ));
                }
            }
        }
    }
    assert!(
        problems.is_empty(),
        "{what}: {} difference(s)\n{}",
        problems.len(),
        problems.join("\n")
    );
}

/// A small household file: a header and rows, one per line, `\n`-terminated.
pub fn lines(rows: &[&str]) -> String {
    let mut s = rows.join("\n");
    s.push('\n');
    s
}

/// The smallest header the default policy accepts (every other input defaults).
pub const MIN_HEADER: &str = "household_id,area,members,monthly_income";

/// A household file of `copies` times the sample's households, every id made
/// unique (`C7-H001`): long enough to be stopped mid-run.
pub fn many_households(copies: usize) -> String {
    let sample = repo_text("data/sample-households.csv");
    let mut lines = sample.lines();
    let header = lines.next().expect("the sample has a header");
    let body: Vec<&str> = lines.filter(|l| l.starts_with('H')).collect();
    let mut out = format!("{header}\n");
    for copy in 0..copies {
        for line in &body {
            out.push_str(&format!("C{copy}-{line}\n"));
        }
    }
    out
}

/// Start `layak ARGS` in `cwd` with `env` added, standard input a pipe for
/// the test to write (or close), standard output and error piped.
#[cfg(unix)]
pub fn spawn_at(cwd: &Path, args: &[&str], env: &[(&str, &Path)]) -> std::process::Child {
    let mut command = Command::new(LAYAK);
    command
        .args(args)
        .current_dir(cwd)
        .env_remove("RUST_BACKTRACE")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    for (name, value) in env {
        command.env(name, value);
    }
    command
        .spawn()
        .unwrap_or_else(|e| panic!("cannot run {LAYAK}: {e}"))
}

/// Wait (20 s at most) until `folder` has an entry whose name starts with
/// `prefix`, and return its path.
#[cfg(unix)]
pub fn wait_for_entry(folder: &Path, prefix: &str) -> Option<PathBuf> {
    let start = std::time::Instant::now();
    while start.elapsed() < std::time::Duration::from_secs(20) {
        let found = std::fs::read_dir(folder)
            .expect("cannot list a test folder")
            .filter_map(Result::ok)
            .find(|e| e.file_name().to_string_lossy().starts_with(prefix));
        if let Some(entry) = found {
            return Some(entry.path());
        }
        std::thread::sleep(std::time::Duration::from_millis(5));
    }
    None
}

/// Send `signal` (`INT`, `TERM`) to process `pid` with kill(1).
#[cfg(unix)]
pub fn send_signal(pid: u32, signal: &str) {
    let status = Command::new("kill")
        .arg(format!("-{signal}"))
        .arg(pid.to_string())
        .status()
        .expect("cannot run kill");
    assert!(status.success(), "kill -{signal} {pid} failed");
}

/// The permission bits of a file (Unix).
#[cfg(unix)]
pub fn mode_of(path: &Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path)
        .unwrap_or_else(|e| panic!("cannot stat {}: {e}", path.display()))
        .permissions()
        .mode()
        & 0o777
}
