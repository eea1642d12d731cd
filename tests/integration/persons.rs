//! Person files (issue 18): both layouts decide exactly what the aggregated
//! household file decides, whatever the order of the person rows; every
//! person and household is accounted for; temporary files never outlive a run.

use std::path::Path;
use std::process::{Command, Stdio};

use super::persons_gen::*;
use super::util::{Dir, LAYAK, Output};

/// The person closing line: `P persons read = U used + R rejected; H households = D decided + X rejected`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PersonCounts {
    pub persons: u64,
    pub used: u64,
    pub persons_rejected: u64,
    pub households: u64,
    pub decided: u64,
    pub rejected: u64,
}

#[track_caller]
pub fn person_counts(out: &Output) -> PersonCounts {
    let Some(line) = out
        .stderr
        .lines()
        .find(|l| l.starts_with("layak: ") && l.contains(" persons read = "))
    else {
        out.fail("no closing line `layak: P persons read = …`")
    };
    let words: Vec<String> = line
        .split_whitespace()
        .map(|w| w.trim_end_matches([':', ';']).replace(',', ""))
        .collect();
    // layak: P persons read = U used + R rejected; H households = D decided + X rejected
    // 0      1 2       3    4 5 6    7 8 9         10 11        12 13 14     15 16
    let n = |i: usize| -> u64 {
        words
            .get(i)
            .and_then(|w| w.parse().ok())
            .unwrap_or_else(|| out.fail(format_args!("cannot parse {line:?}")))
    };
    let c = PersonCounts {
        persons: n(1),
        used: n(5),
        persons_rejected: n(8),
        households: n(10),
        decided: n(13),
        rejected: n(16),
    };
    if c.persons != c.used + c.persons_rejected || c.households != c.decided + c.rejected {
        out.fail(format_args!("the closing line does not add up: {c:?}"));
    }
    c
}

/// Run `layak` in `dir` with `TMPDIR` pointing at `tmp`.
pub fn run_tmp(dir: &Dir, tmp: &Path, args: &[&str], stdin: &[u8]) -> Output {
    use std::io::Write;
    let mut child = Command::new(LAYAK)
        .args(args)
        .current_dir(dir.path())
        .env("TMPDIR", tmp)
        .env_remove("RUST_BACKTRACE")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("cannot run layak");
    let mut pipe = child.stdin.take().expect("stdin");
    let input = stdin.to_vec();
    let feeder = std::thread::spawn(move || {
        let _ = pipe.write_all(&input);
    });
    let out = child.wait_with_output().expect("wait");
    feeder.join().expect("feeder");
    Output {
        args: args.iter().map(|a| a.to_string()).collect(),
        cwd: dir.path().to_path_buf(),
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// The decisions of the aggregated household file.
/// `n` random households (seed `seed`) in a fresh directory, with the
/// decisions of their aggregated household file.
fn generated(seed: u64, n: usize) -> (Dir, Vec<Household>, Output) {
    let dir = Dir::new();
    let hs = households(seed, n);
    let want = aggregated_decisions(&dir, &aggregated_csv(&hs));
    (dir, hs, want)
}

fn aggregated_decisions(dir: &Dir, text: &str) -> Output {
    dir.write("aggregated.csv", text);
    let out = dir.run(&["assess", "aggregated.csv", "-j", "1"]);
    out.no_panic();
    let c = out.counts();
    if c.rejected > 0 {
        out.fail("the aggregated file should decide every household");
    }
    out
}

#[test]
fn two_files_decide_what_the_aggregated_household_file_decides() {
    let (dir, hs, want) = generated(1, 300);
    dir.write("households.csv", household_csv(&hs));
    dir.write("persons.csv", person_csv(&hs, &grouped_order(&hs)));
    for format in ["csv", "json", "ndjson"] {
        let want = dir.run(&["assess", "aggregated.csv", "-f", format]);
        let got = dir.run(&[
            "assess",
            "households.csv",
            "--persons",
            "persons.csv",
            "-f",
            format,
        ]);
        got.assert_code(0).no_panic();
        assert_eq!(got.stdout, want.stdout, "format {format}");
    }
    let got = dir.run(&["assess", "households.csv", "--persons", "persons.csv"]);
    assert_eq!(got.stdout, want.stdout);
    let persons: usize = hs.iter().map(|h| h.persons.len()).sum();
    let c = person_counts(&got);
    assert_eq!(
        (c.persons, c.used, c.households, c.decided),
        (persons as u64, persons as u64, 300, 300)
    );
}

#[test]
fn a_rectangular_file_decides_what_the_aggregated_household_file_decides() {
    let (dir, hs, want) = generated(2, 250);
    dir.write("rect.csv", rectangular_csv(&hs, &grouped_order(&hs)));
    let got = dir.run(&["assess", "rect.csv", "--rectangular"]);
    got.assert_code(0).no_panic();
    assert_eq!(got.stdout, want.stdout);
    assert_eq!(person_counts(&got).decided, 250);
}

#[test]
fn scattered_persons_give_the_grouped_decisions() {
    let (dir, hs, want) = generated(3, 400);
    let order = shuffled_order(&hs, 7);
    dir.write("households.csv", household_csv(&hs));
    dir.write("persons.csv", person_csv(&hs, &order));
    // Small chunks: many batches, and (scattered) the persons go through the spill.
    for threads in ["1", "2"] {
        let got = dir.run(&[
            "assess",
            "households.csv",
            "--persons",
            "persons.csv",
            "-j",
            threads,
            "--chunk-bytes",
            "500",
        ]);
        got.assert_code(0).no_panic();
        assert_eq!(got.stdout, want.stdout, "two files, {threads} threads");
    }
    // Rectangular: households come out in the order they first appear.
    dir.write("rect.csv", rectangular_csv(&hs, &order));
    let want = aggregated_decisions(&dir, &aggregated_in_order(&hs, &order));
    let got = dir.run(&[
        "assess",
        "rect.csv",
        "--rectangular",
        "--chunk-bytes",
        "700",
    ]);
    got.assert_code(0).no_panic();
    assert_eq!(got.stdout, want.stdout, "rectangular");
}

/// A grouped person file's runs are counted off in the second pass, not
/// found by their keys again: rows that the first pass counts differently
/// would shift every later household's persons. Blank, space-only and
/// delimiter-only rows, quoted cells and `\r\n` and lone `\r` line ends
/// inside and between households, and rows without a key and runs of
/// persons of no household between them, change no decision, at any chunk size and thread count (with
/// read-ahead from three threads up). `TMPDIR` cannot be written to, so
/// only the grouped path (which spills nothing) can succeed.
#[test]
fn noise_inside_grouped_runs_changes_no_decision() {
    let (dir, hs, want) = generated(11, 150);
    dir.write("households.csv", household_csv(&hs));
    let clean = person_csv(&hs, &grouped_order(&hs));
    let mut noisy = String::new();
    let mut strays = 0u64;
    let lines: Vec<&str> = clean.lines().collect();
    let key = |line: &str| line.split(',').next().unwrap_or_default().to_string();
    for (i, line) in lines.iter().enumerate() {
        // The last person of a household, before the next household's.
        let run_ends = lines.get(i + 1).is_none_or(|next| key(next) != key(line));
        let mut line = line.to_string();
        if i > 0 && i % 7 == 0 {
            // A quoted cell: the same value.
            let mut cells: Vec<String> = line.split(',').map(str::to_string).collect();
            cells[3] = format!("\"{}\"", cells[3]);
            line = cells.join(",");
        }
        noisy.push_str(&line);
        noisy.push_str(match i % 5 {
            1 => "\r\n",
            3 => "\r",
            _ => "\n",
        });
        if i == 0 {
            continue;
        }
        match i % 11 {
            2 => noisy.push('\n'),
            4 => noisy.push_str("  \t \n"),
            6 => noisy.push_str(",,,,,,,,,\n"),
            8..=10 if run_ends => {
                // Between households: a row without a key, then a run of
                // three persons of no household.
                noisy.push_str(",1,30,head,male,primary,false,false,true,0\n");
                for k in 1..=3 {
                    noisy.push_str(&format!(
                        "NOBODY{i},{k},30,head,male,primary,false,false,true,0\n"
                    ));
                }
                strays += 4;
            }
            _ => {}
        }
    }
    assert!(strays >= 20, "{strays} strays");
    dir.write("noisy.csv", &noisy);
    let nowhere = dir.path().join("no-such-dir");
    let persons: u64 = hs.iter().map(|h| h.persons.len() as u64).sum();
    for threads in ["1", "2", "4"] {
        for chunk in ["40", "300", "262144"] {
            let args = [
                "assess",
                "households.csv",
                "--persons",
                "noisy.csv",
                "-j",
                threads,
                "--chunk-bytes",
                chunk,
            ];
            let got = run_tmp(&dir, &nowhere, &args, b"");
            got.no_panic();
            if got.stdout != want.stdout {
                got.fail("the decisions differ from the aggregated file's");
            }
            let c = person_counts(&got);
            assert_eq!(
                (c.persons, c.used, c.persons_rejected, c.decided),
                (persons + strays, persons, strays, 150),
                "-j {threads} --chunk-bytes {chunk}"
            );
        }
    }
}

#[test]
fn one_and_two_threads_give_the_same_bytes() {
    let dir = Dir::new();
    let hs = households(4, 200);
    let mut order = grouped_order(&hs);
    // A few households split in two.
    order.swap(3, 400);
    order.swap(50, 600);
    dir.write("households.csv", household_csv(&hs));
    dir.write("persons.csv", person_csv(&hs, &order));
    dir.write("rect.csv", rectangular_csv(&hs, &order));
    let mut outputs = Vec::new();
    for threads in ["1", "2"] {
        for chunk in ["100", "4000", "262144"] {
            let a = dir.run(&[
                "assess",
                "households.csv",
                "--persons",
                "persons.csv",
                "-j",
                threads,
                "--chunk-bytes",
                chunk,
                "--summary",
                "s.json",
            ]);
            a.no_panic();
            let b = dir.run(&[
                "assess",
                "rect.csv",
                "--rectangular",
                "-j",
                threads,
                "--chunk-bytes",
                chunk,
            ]);
            b.no_panic();
            outputs.push((a.stdout, a.stderr, dir.read("s.json"), b.stdout, b.stderr));
        }
    }
    for o in &outputs[1..] {
        assert_eq!(o, &outputs[0]);
    }
}

#[test]
fn standard_input_works_for_either_file() {
    let (dir, hs, want) = generated(5, 120);
    let persons = person_csv(&hs, &shuffled_order(&hs, 1));
    dir.write("households.csv", household_csv(&hs));
    let tmp = Dir::new();
    let got = run_tmp(
        &dir,
        tmp.path(),
        &["assess", "households.csv", "--persons", "-"],
        persons.as_bytes(),
    );
    got.assert_code(0).no_panic();
    assert_eq!(got.stdout, want.stdout);
    let rect = rectangular_csv(&hs, &grouped_order(&hs));
    let got = run_tmp(
        &dir,
        tmp.path(),
        &["assess", "-", "--rectangular"],
        rect.as_bytes(),
    );
    got.assert_code(0).no_panic();
    assert_eq!(got.stdout, want.stdout);
    assert_eq!(tmp.entries(), Vec::<String>::new(), "temporary files left");
}

#[test]
fn temporary_files_are_removed_after_a_run() {
    let dir = Dir::new();
    let tmp = Dir::new();
    let hs = households(6, 200);
    dir.write("households.csv", household_csv(&hs));
    dir.write("persons.csv", person_csv(&hs, &shuffled_order(&hs, 3)));
    let got = run_tmp(
        &dir,
        tmp.path(),
        &[
            "assess",
            "households.csv",
            "--persons",
            "persons.csv",
            "-o",
            "out.csv",
        ],
        b"",
    );
    got.assert_code(0);
    assert_eq!(tmp.entries(), Vec::<String>::new());
}

#[cfg(unix)]
#[test]
fn temporary_files_are_removed_on_sigterm() {
    use std::io::Write;
    use std::time::{Duration, Instant};
    let dir = Dir::new();
    let tmp = Dir::new();
    let hs = households(7, 50);
    dir.write("households.csv", household_csv(&hs));
    let mut child = Command::new(LAYAK)
        .args([
            "assess",
            "households.csv",
            "--persons",
            "-",
            "-o",
            "out.csv",
        ])
        .current_dir(dir.path())
        .env("TMPDIR", tmp.path())
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn");
    let mut stdin = child.stdin.take().expect("stdin");
    // Half the persons, and the pipe held open: layak is copying standard input.
    let persons = person_csv(&hs, &grouped_order(&hs));
    stdin
        .write_all(&persons.as_bytes()[..persons.len() / 2])
        .unwrap();
    stdin.flush().unwrap();
    let start = Instant::now();
    while tmp.entries().is_empty() && start.elapsed() < Duration::from_secs(20) {
        std::thread::sleep(Duration::from_millis(20));
    }
    assert_eq!(
        tmp.entries().len(),
        1,
        "the copy of standard input should exist"
    );
    let pid = child.id().to_string();
    let status = Command::new("kill")
        .args(["-TERM", &pid])
        .status()
        .expect("kill");
    assert!(status.success());
    let out = child.wait_with_output().expect("wait");
    drop(stdin);
    assert_eq!(out.status.code(), Some(143));
    assert_eq!(tmp.entries(), Vec::<String>::new(), "temporary files left");
    assert!(!dir.exists("out.csv"));
}

/// Run a two-file case and return its rejects file.
fn rejects(dir: &Dir, households: &str, persons: &str) -> (Output, String) {
    dir.write("h.csv", households);
    dir.write("p.csv", persons);
    let out = dir.run(&[
        "assess",
        "h.csv",
        "--persons",
        "p.csv",
        "--rejects",
        "rej.csv",
        "-o",
        "out.csv",
    ]);
    out.no_panic();
    (out, dir.read("rej.csv"))
}

const HH: &str = "household_id,region,area,meals_per_day,floor_area_m2,floor_material,water_source,sanitation,electricity,cooking_fuel,health_insurance,shock,shock_months_ago,home_damaged\n";
const HROW: &str = "3201,rural,2,20,earth,surface,none,false,wood,false,none,0,false\n";
const PH: &str = "household_id,person_no,age,relationship,sex,education,in_school,disabled,able_to_work,income\n";

fn hh(ids: &[&str]) -> String {
    let mut s = HH.to_string();
    for id in ids {
        s.push_str(&format!("{id},{HROW}"));
    }
    s
}

#[test]
fn every_person_reject_code() {
    let dir = Dir::new();
    let persons = format!(
        "{PH}\
A,1,40,head,female,primary,false,false,true,100000\n\
Z,1,30,head,male,none,false,false,true,0\n\
C,1,40,spouse,female,primary,false,false,true,0\n\
D,1,40,head,female,primary,false,false,true,0\n\
D,2,41,head,male,primary,false,false,true,0\n\
E,1,40,head,female,primary,false,false,true,0\n\
E,1,12,child,male,primary,true,false,true,0\n\
F,1,200,head,female,primary,false,false,true,0\n"
    );
    let (out, rej) = rejects(&dir, &hh(&["A", "B", "C", "D", "E", "F"]), &persons);
    out.assert_code(3);
    let c = person_counts(&out);
    assert_eq!(
        c,
        PersonCounts {
            persons: 8,
            used: 1,
            persons_rejected: 7,
            households: 6,
            decided: 1,
            rejected: 5
        }
    );
    let line_of = |code: &str| {
        rej.lines()
            .find(|l| l.contains(code))
            .unwrap_or_else(|| out.fail(format_args!("no {code} in rejects:\n{rej}")))
            .to_string()
    };
    assert!(line_of("person_without_household").starts_with("3,Z,household_id,Z,"));
    assert!(line_of("household_without_persons").starts_with("3,B,"));
    assert!(line_of("no_matching_person").starts_with("4,C,head_"));
    let several = line_of("several_matching_persons");
    assert!(several.starts_with("5,D,head_"), "{several}");
    assert!(several.contains("lines 5, 6 of p.csv"), "{several}");
    let repeated = line_of("repeated_person_no");
    assert!(repeated.starts_with("8,E,person_no,1,"), "{repeated}");
    // A person's bad cell rejects its household, naming the person, file, line and column.
    let bad = line_of("out_of_range");
    assert!(bad.starts_with("9,F,age,200,out_of_range"), "{bad}");
    assert!(bad.contains("person 1 (line 9 of p.csv)"), "{bad}");
    out.stderr_has("person_without_household 1");
}

#[test]
fn rectangular_household_cells_must_agree() {
    let dir = Dir::new();
    let header = "household_id,person_no,age,relationship,sex,region,area\n";
    dir.write(
        "r.csv",
        format!(
            "{header}\
A,1,40,head,female,3201,rural\n\
A,2,10,child,male,3201,urban\n\
B,1,40,head,female,3201,rural\n"
        ),
    );
    let out = dir.run(&[
        "assess",
        "r.csv",
        "--rectangular",
        "--rejects",
        "rej.csv",
        "-o",
        "o.csv",
    ]);
    out.assert_code(3).no_panic();
    let rej = dir.read("rej.csv");
    let line = rej.lines().nth(1).unwrap_or_default();
    assert!(
        line.starts_with("3,A,area,urban,household_cells_differ"),
        "{rej}"
    );
    assert!(line.contains("`rural` on line 2"), "{line}");
    let c = person_counts(&out);
    assert_eq!((c.persons, c.used, c.decided, c.rejected), (3, 1, 1, 1));
}

#[test]
fn a_supplied_column_in_the_household_file_is_overridden_with_one_warning() {
    let (dir, hs, want) = generated(8, 30);
    // The aggregated file itself as the household file, with wrong members.
    let wrong = aggregated_csv(&hs);
    let mut lines: Vec<String> = wrong.lines().map(str::to_string).collect();
    for l in lines.iter_mut().skip(1) {
        let mut cells: Vec<&str> = l.split(',').collect();
        let members = HOUSEHOLD_COLUMNS.len() + 1;
        cells[members] = "9";
        *l = cells.join(",");
    }
    dir.write("h.csv", lines.join("\n") + "\n");
    dir.write("p.csv", person_csv(&hs, &grouped_order(&hs)));
    let got = dir.run(&["assess", "h.csv", "--persons", "p.csv"]);
    got.assert_code(0).no_panic();
    assert_eq!(got.stdout, want.stdout);
    assert_eq!(got.stderr.matches("warning").count(), 1, "{}", got.stderr);
    got.stderr_has("`members`");
}

#[test]
fn validate_and_explain_read_persons() {
    let dir = Dir::new();
    let hs = households(9, 40);
    dir.write("households.csv", household_csv(&hs));
    dir.write("persons.csv", person_csv(&hs, &shuffled_order(&hs, 2)));
    let v = dir.run(&["validate", "households.csv", "--persons", "persons.csv"]);
    v.assert_code(0).no_panic();
    v.stdout_has("40 rows read = 40 valid + 0 rejected");
    let id = &hs[3].id;
    let e = dir.run(&[
        "explain",
        "households.csv",
        "--persons",
        "persons.csv",
        "--id",
        id,
    ]);
    e.assert_code(0).no_panic();
    let n = hs[3].persons.len();
    e.stdout_has(&format!("of household {id} in persons.csv"));
    e.stdout_has(&format!("members = {n}"));
    assert!(e.stdout.matches("  line ").count() >= n, "{}", e.stdout);
    // The same decision as the aggregated file's explain.
    dir.write("agg.csv", aggregated_csv(&hs));
    let a = dir.run(&["explain", "agg.csv", "--id", id, "-f", "json"]);
    let p = dir.run(&[
        "explain",
        "households.csv",
        "--persons",
        "persons.csv",
        "--id",
        id,
        "-f",
        "json",
    ]);
    let a: serde_json::Value = serde_json::from_str(&a.stdout).unwrap();
    let p: serde_json::Value = serde_json::from_str(&p.stdout).unwrap();
    assert_eq!(a["trace"]["programs"], p["trace"]["programs"]);
    assert_eq!(p["persons"].as_array().map(Vec::len), Some(n));
}

#[test]
fn budget_and_summary_in_person_mode() {
    let dir = Dir::new();
    let hs = households(10, 150);
    dir.write("agg.csv", aggregated_csv(&hs));
    dir.write("households.csv", household_csv(&hs));
    dir.write("persons.csv", person_csv(&hs, &shuffled_order(&hs, 9)));
    let want = dir.run(&[
        "assess",
        "agg.csv",
        "--budget",
        "50_000_000",
        "--by",
        "region",
        "--summary",
        "a.json",
    ]);
    let got = dir.run(&[
        "assess",
        "households.csv",
        "--persons",
        "persons.csv",
        "--budget",
        "50_000_000",
        "--by",
        "region",
        "--summary",
        "b.json",
    ]);
    got.assert_code(0).no_panic();
    assert_eq!(got.stdout, want.stdout);
    let a: serde_json::Value = serde_json::from_str(&dir.read("a.json")).unwrap();
    let b: serde_json::Value = serde_json::from_str(&dir.read("b.json")).unwrap();
    assert_eq!(a["total"], b["total"]);
    // Groups count rows by reject reason: person runs list the person codes too.
    let groups = |v: &serde_json::Value| -> Vec<serde_json::Value> {
        let mut gs = v["by"]["groups"].as_array().cloned().unwrap_or_default();
        for g in &mut gs {
            if let Some(o) = g.as_object_mut() {
                o.remove("rows");
            }
        }
        gs
    };
    assert_eq!(groups(&a), groups(&b));
    assert_eq!(groups(&a).len(), 4);
    assert_eq!(
        b["rows"]["rejects_by_reason"]["several_matching_persons"],
        serde_json::json!(0)
    );
}

// A lone person takes no place among the households that a --budget ranking
// counts: ranks are those of the aggregated file.
#[test]
fn budget_ranks_ignore_persons_without_a_household() {
    let dir = Dir::new();
    let hs = households(11, 120);
    dir.write("agg.csv", aggregated_csv(&hs));
    dir.write("households.csv", household_csv(&hs));
    // Lone persons between households: the file stays grouped (streamed).
    let persons = person_csv(&hs, &grouped_order(&hs));
    let mut lines: Vec<&str> = persons.lines().collect();
    let lone = "NOBODY,1,40,head,female,primary,false,false,true,0";
    for k in [60usize, 30, 1] {
        let at = 1 + hs[..k].iter().map(|h| h.persons.len()).sum::<usize>();
        lines.insert(at, lone);
    }
    dir.write("persons.csv", lines.join("\n") + "\n");
    let want = dir.run(&["assess", "agg.csv", "--budget", "30_000_000"]);
    for chunk in ["300", "262144"] {
        let got = dir.run(&[
            "assess",
            "households.csv",
            "--persons",
            "persons.csv",
            "--budget",
            "30_000_000",
            "--chunk-bytes",
            chunk,
        ]);
        got.assert_code(3).no_panic();
        assert_eq!(got.stdout, want.stdout, "chunk {chunk}");
        got.stderr_has("person_without_household 3");
    }
}

/// The file's last household has no person (its run would start at the end
/// of the person batch): a `household_without_persons` reject, not a panic,
/// at one thread and at several.
#[test]
fn last_household_without_persons_is_a_reject_not_a_panic() {
    let dir = Dir::new();
    let persons = format!(
        "{PH}\
A,1,40,head,female,primary,false,false,true,100000\n\
B,1,30,head,male,none,false,false,true,0\n"
    );
    dir.write("h.csv", hh(&["A", "B", "C"]));
    dir.write("p.csv", &persons);
    for threads in ["1", "2"] {
        let out = dir.run(&[
            "assess",
            "h.csv",
            "--persons",
            "p.csv",
            "--rejects",
            "rej.csv",
            "-o",
            "out.csv",
            "--threads",
            threads,
        ]);
        out.no_panic().assert_code(3);
        let rej = dir.read("rej.csv");
        assert!(
            rej.lines()
                .any(|l| l.starts_with("4,C,") && l.contains("household_without_persons")),
            "{rej}"
        );
        assert_eq!(dir.read("out.csv").lines().count(), 3, "A and B decided");
    }
}

/// The persons folded on the first pass (a grouped file without quotes)
/// give the bytes of the usual reading, which a single quoted key anywhere
/// in the file brings back: decisions, rejects of every person code,
/// summary, closing line and exit code, grouped and scattered, at several
/// thread counts and chunk sizes.
#[test]
fn persons_folded_on_the_first_pass_give_the_usual_bytes() {
    let (dir, hs, _) = generated(7, 400);
    // A repeated household id: its second row has no persons.
    let mut households: Vec<String> = household_csv(&hs).lines().map(String::from).collect();
    households.insert(60, households[40].clone());
    dir.write("h.csv", households.join("\n") + "\n");
    let mut lines: Vec<String> = person_csv(&hs, &grouped_order(&hs))
        .lines()
        .map(String::from)
        .collect();
    let key = |l: &str| l.split(',').next().unwrap_or_default().to_string();
    // A bad person number, a repeated one, a lone person between
    // households, a household without persons, a blank row.
    lines[30] = lines[30].replacen(
        &format!("{},", key(&lines[30])),
        &format!("{},x", key(&lines[30])),
        1,
    );
    let (k, rest) = lines[51].split_once(',').unwrap();
    let (_, rest) = rest.split_once(',').unwrap();
    if key(&lines[50]) == k {
        let (_, prev) = lines[50].split_once(',').unwrap();
        let no = prev.split(',').next().unwrap().to_string();
        lines[51] = format!("{k},{no},{rest}");
    }
    let lone = lines[70].replacen(&key(&lines[70]), "NOWHERE", 1);
    lines.insert(70, lone);
    let gone = key(&lines[200]);
    lines.retain(|l| key(l) != gone);
    lines.insert(120, " , ,".into());
    let grouped = lines.join("\n") + "\n";
    // The last person moved to the end: scattered.
    let mut moved = lines.clone();
    let at = moved.len() / 2;
    let person = moved.remove(at);
    moved.push(person);
    let scattered = moved.join("\n") + "\n";
    // The same files with the last line's key quoted: the fold stops. (The
    // key is padded with two spaces in the other, so that both have the
    // same bytes to count.)
    let last_key = |text: &str, quote: bool| {
        let mut ls: Vec<String> = text.lines().map(String::from).collect();
        let last = ls.len() - 1;
        let k = key(&ls[last]);
        let with = if quote {
            format!("\"{k}\"")
        } else {
            format!("{k}  ")
        };
        ls[last] = ls[last].replacen(&k, &with, 1);
        ls.join("\n") + "\n"
    };
    for (name, text) in [("grouped", &grouped), ("scattered", &scattered)] {
        for args in [
            &["-j", "1"][..],
            &["-j", "2", "--chunk-bytes", "300"],
            &["-j", "3", "--chunk-bytes", "4000"],
        ] {
            let run = |persons: &str| {
                dir.write("p.csv", persons);
                let mut all = vec![
                    "assess",
                    "h.csv",
                    "--persons",
                    "p.csv",
                    "-o",
                    "out.csv",
                    "--rejects",
                    "rej.csv",
                    "--summary",
                    "sum.json",
                ];
                all.extend_from_slice(args);
                let out = dir.run(&all);
                out.no_panic();
                let files = [
                    dir.read("out.csv"),
                    dir.read("rej.csv"),
                    dir.read("sum.json"),
                ];
                (out.code, out.stderr, files)
            };
            let folded = run(&last_key(text, false));
            let usual = run(&last_key(text, true));

            assert_eq!(folded, usual, "{name} {args:?}");
            assert_eq!(folded.0, 3, "{name}: some rows are rejected");
            for code in [
                "invalid_value",
                "repeated_person_no",
                "person_without_household",
                "household_without_persons",
                "duplicate_id",
            ] {
                assert!(
                    folded.2[1].contains(code),
                    "{name}: no {code}:\n{}",
                    folded.2[1]
                );
            }
        }
    }
}

/// A household's persons are folded the same whatever ran before on the
/// thread: a close mark left by the last household's rules (an override's
/// amount near its threshold) once made the next household's fold exact
/// (through `earners`, whose condition reads the mark) and others' not, so
/// that the same persons gave `0.3` or `0.30000000000000004` by thread
/// count and by whether they were folded on the first pass or the second.
#[test]
fn a_fold_does_not_depend_on_the_last_household() {
    let dir = Dir::new();
    dir.write(
        "pol.toml",
        r#"[policy]
id = "closemark"
name = "close mark probe"
version = "1.0.0"
currency = "IDR"
effective = "2025-01-01"

[[inputs]]
name = "household_id"
type = "id"
required = true

[[inputs]]
name = "monthly_income"
type = "number"
min = 0
required = true
from_persons = 'sum(income * 0.1 + income * 0.2)'

[[inputs]]
name = "members"
type = "integer"
min = 1
max = 50
required = true
from_persons = 'count()'

[[inputs]]
name = "earners"
type = "integer"
min = 0
max = 50
default = 0
from_persons = 'count(income * 0.1 + income * 0.2 > 0.299999999)'

[[inputs]]
name = "x"
type = "number"
default = 0

[persons]

[[person_inputs]]
name = "household_id"
type = "id"
required = true

[[person_inputs]]
name = "income"
type = "number"
min = 0
default = 0

[[derived]]
name = "per_capita_income"
type = "number"
expr = 'monthly_income / members'

[[programs]]
id = "p1"
name = "probe"
kind = "cash_transfer"
provider = "state"
eligible = 'x > 5'
amount = 'if x > 0.3 then 1 else 2'
period = "month"
review_months = 6

[[tracks]]
id = "t1"
when = 'p1'

[[tracks]]
id = "none"
"#,
    );
    let mut households = String::from("household_id,x\n");
    let mut persons = String::from("household_id,income\n");
    let mut overrides = String::from("household_id,program,action,value,reason,decided_by,date\n");
    for i in 0..200 {
        // The override's amount lands near 0.3 and leaves a close mark.
        households.push_str(&format!("A{i},0.300000001\nB{i},0\n"));
        persons.push_str(&format!("A{i},5\nB{i},1\n"));
        overrides.push_str(&format!("A{i},p1,grant,,probe,me,2025-06-14\n"));
    }
    dir.write("h.csv", &households);
    dir.write("ov.csv", &overrides);
    let mut seen = Vec::new();
    // Folded on the first pass, and (a quoted key) on the second; the key
    // padded in the first, so that both files have the same bytes.
    for p in [
        persons.replacen("B7,", "B7  ,", 1),
        persons.replacen("B7,", "\"B7\",", 1),
    ] {
        dir.write("p.csv", &p);
        for args in [&["-j", "1"][..], &["-j", "2", "--chunk-bytes", "64"]] {
            let mut all = vec![
                "assess",
                "h.csv",
                "--persons",
                "p.csv",
                "--policy",
                "pol.toml",
                "--overrides",
                "ov.csv",
                "--summary",
                "s.json",
                "--by",
                "monthly_income",
                "--reasons",
                "none",
                "-o",
                "out.csv",
            ];
            all.extend_from_slice(args);
            dir.run(&all).assert_code(0).no_panic();
            seen.push(dir.read("s.json"));
        }
    }
    // Every B household the same value, in every run.
    assert!(seen[0].contains("\"households\": 200"), "{}", seen[0]);
    assert!(seen.iter().all(|s| *s == seen[0]), "runs differ");
}

/// A person record that never ends (an unclosed quote) far into the file
/// stops the first pass's fold, which counts no lines; the usual scan reads
/// the file again and reports the record's own line, on one worker or several.
#[test]
fn a_runaway_person_record_is_reported_at_its_line() {
    let dir = Dir::new();
    let hs = households(7, 3000);
    dir.write("households.csv", household_csv(&hs));
    let text = person_csv(&hs, &grouped_order(&hs));
    let mut lines: Vec<String> = text.lines().map(String::from).collect();
    assert!(lines.len() > 6000, "{} lines", lines.len());
    // Line 5001 (the header is line 1) opens a quote that never closes.
    lines[5000] = format!("\"{}", lines[5000]);
    let mut persons = lines.join("\n");
    persons.push('\n');
    // Past the limit (1 MiB with `--max-field-bytes 200`).
    persons.push_str(&format!("{}\n", "x".repeat(100)).repeat(12_000));
    dir.write("persons.csv", &persons);
    for j in ["1", "3"] {
        dir.run(&[
            "assess",
            "households.csv",
            "--persons",
            "persons.csv",
            "--max-field-bytes",
            "200",
            "--chunk-bytes",
            "4096",
            "-j",
            j,
            "-o",
            "out.csv",
        ])
        .assert_code(1)
        .stderr_has("the record starting on line 5001 is longer than");
    }
}
