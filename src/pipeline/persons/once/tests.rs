//! The fold on the first pass gives the scan's runs and, for each run, the
//! values the second pass would fold, however the file is cut into chunks.

use super::{Folded, fold_runs, fold_runs_within};
use crate::input::{self, ReadOptions};
use crate::pipeline::persons::scan::person_runs;
use crate::pipeline::persons::{PersonRuns, PersonSetup};
use crate::policy::persons::Reduced;
use crate::policy::{LoadOptions, Policy};

const PERSONS: &str = include_str!("../../../../data/sample-persons.csv");
const HOUSEHOLDS: &str = include_str!("../../../../data/sample-persons-households.csv");

/// The sample persons, with what the fold must leave to the second pass:
/// a bad age (`H004`), a repeated person number (`H006`), a household
/// without its head (`H008`); and a blank row, spaces, and `\r\n` line
/// ends, which it must read as the scan does.
fn persons_text() -> String {
    let mut out = String::new();
    for (i, line) in PERSONS.lines().enumerate() {
        let line = match line {
            l if l.starts_with("H004,2,") => l.replacen(",31,", ",thirty,", 1),
            l if l.starts_with("H006,3,") => l.replacen("H006,3,", "H006,2,", 1),
            l if l.starts_with("H008,1,") => l.replacen(",head,", ",spouse,", 1),
            l => l.to_string(),
        };
        out.push_str(&line);
        out.push_str(if i % 3 == 0 { "\r\n" } else { "\n" });
        if i == 9 {
            out.push_str(" , ,\n");
        }
    }
    out
}

struct Files {
    _dir: tempfile::TempDir,
    policy: Policy,
    setup: PersonSetup,
}

fn files(persons: &str) -> Files {
    let dir = tempfile::tempdir().unwrap();
    let (h, p) = (dir.path().join("h.csv"), dir.path().join("p.csv"));
    std::fs::write(&h, HOUSEHOLDS).unwrap();
    std::fs::write(&p, persons).unwrap();
    let policy = Policy::default_policy(&LoadOptions::default()).unwrap();
    let read = ReadOptions::default();
    let (h, p) = (h.display().to_string(), p.display().to_string());
    let hs = input::open(&h, &read).unwrap();
    let ps = input::open(&p, &read).unwrap();
    let persons = policy.persons.as_ref().unwrap();
    let setup = PersonSetup::new(&policy, persons, Some((&hs, &h)), (&ps, &p), &read).unwrap();
    Files {
        _dir: dir,
        policy,
        setup,
    }
}

fn fold(f: &Files, chunk: usize, threads: usize) -> Option<(PersonRuns, Folded)> {
    let persons = f.policy.persons.as_ref().unwrap();
    fold_runs(&f.policy, persons, &f.setup, chunk, threads).map(|r| r.unwrap())
}

/// A run's values written as a household file's cells.
fn texts(f: &Files, values: &[u8]) -> Vec<String> {
    let persons = f.policy.persons.as_ref().unwrap();
    let mut at = 0;
    let mut out = Vec::new();
    while let Some(v) = Reduced::decode(values, &mut at) {
        let mut text = Vec::new();
        persons.write_reduced(out.len(), v, &mut text);
        out.push(String::from_utf8(text).unwrap());
    }
    out
}

#[test]
fn runs_folded_as_read_are_the_scans_runs_at_every_chunk_size() {
    let f = files(&persons_text());
    let scanned = person_runs(&f.setup, 1 << 20).unwrap();
    let (whole_runs, whole) = fold(&f, 1 << 20, 1).expect("folded");
    let runs = scanned.keys.len();
    assert!(runs > 20);
    for chunk in [1, 7, 40, 100, 333, 4096] {
        for threads in [1, 2, 3] {
            let (got, folded) = fold(&f, chunk, threads).expect("folded");
            assert_eq!(got.keys, scanned.keys, "chunk {chunk}");
            assert_eq!(got.lengths, scanned.lengths, "chunk {chunk}");
            assert_eq!(got.person_blanks, scanned.person_blanks, "chunk {chunk}");
            assert_eq!(got.person_blanks, 1);
            assert!(got.keyless.is_empty());
            assert_eq!(folded.len(), runs);
            for r in 0..runs {
                assert_eq!(folded.run(r), whole.run(r), "chunk {chunk}, run {r}");
                assert_eq!(folded.stored(r), whole.stored(r));
            }
        }
    }
    assert_eq!(whole_runs.keys, scanned.keys);
    // The three households left to the second pass, and only they.
    let unstored: Vec<usize> = (0..runs).filter(|&r| !whole.stored(r)).collect();
    assert_eq!(unstored, vec![3, 5, 7]);
    assert_eq!(whole.run(3), None);
    // H001: five persons, an income of 2,000,000, one child under 7, two
    // at school age (both at school), two adults able to work, a male head
    // with primary education.
    let h001 = texts(&f, whole.run(0).expect("stored"));
    assert_eq!(
        h001,
        [
            "5", "2000000", "1", "2", "0", "0", "0", "2", "false", "primary"
        ]
    );
}

#[test]
fn a_quote_or_a_row_without_a_key_stops_the_fold() {
    let quoted = persons_text().replacen("H010,1,", "\"H010\",1,", 1);
    assert!(fold(&files(&quoted), 1 << 20, 2).is_none());
    let keyless = persons_text().replacen("H010,1,", ",1,", 1);
    assert!(fold(&files(&keyless), 1 << 20, 2).is_none());
    // The same files otherwise fold.
    assert!(fold(&files(&persons_text()), 1 << 20, 2).is_some());
}

/// Past the values' limit the runs are still numbered, and the ones after
/// it keep no values (the second pass reads them): memory stays bounded,
/// and nothing is read again from the start.
#[test]
fn past_the_values_limit_runs_are_numbered_and_left_to_the_second_pass() {
    let f = files(&persons_text());
    let persons = f.policy.persons.as_ref().unwrap();
    let scanned = person_runs(&f.setup, 1 << 20).unwrap();
    let (_, whole) = fold(&f, 1 << 20, 1).expect("folded");
    let runs = scanned.keys.len();
    for chunk in [1, 100, 4096] {
        for threads in [1, 2] {
            let (got, folded) = fold_runs_within(&f.policy, persons, &f.setup, chunk, threads, 100)
                .expect("folded")
                .unwrap();
            assert_eq!(got.keys, scanned.keys);
            assert_eq!(got.lengths, scanned.lengths);
            assert_eq!(folded.len(), runs);
            // Some runs fit, then none.
            let kept = (0..runs).filter(|&r| folded.stored(r)).count();
            assert!(kept > 0 && kept < runs - 3, "chunk {chunk}: {kept} kept");
            let last = (0..runs).rfind(|&r| folded.stored(r)).unwrap_or(0);
            for r in 0..runs {
                if r <= last {
                    assert_eq!(folded.run(r), whole.run(r), "run {r}");
                } else {
                    assert_eq!(folded.run(r), None, "run {r}");
                }
            }
            assert!(folded.values.len() <= 100);
        }
    }
}

/// Households in order, each one run (the usual grouped file), find their
/// values without the table, as the table finds them.
#[test]
fn households_of_one_run_each_in_order_find_their_values_without_a_table() {
    use crate::pipeline::persons::StoredRuns;
    use crate::pipeline::persons::feed::PersonBatch;
    let f = files(&persons_text());
    let (runs, _) = fold(&f, 1 << 20, 1).expect("folded");
    let n = runs.keys.len();
    let lengths = runs.lengths.clone().expect("counted");
    let in_order: Vec<u64> = (0..n as u64).collect();
    let stored = |groups: &[u64], keep: Option<&[bool]>| {
        let (_, folded) = fold(&f, 1 << 20, 1).expect("folded");
        let mut run_len = Some(lengths.clone());
        let stored = StoredRuns::new(folded, groups, &mut run_len, keep).expect("stored");
        assert!(run_len.is_none(), "the lengths move into the stored runs");
        stored
    };
    let direct = stored(&in_order, None);
    // `keep` (every run in order) takes the table's way to the same groups.
    let keep = vec![true; n];
    let table = stored(&in_order, Some(&keep));
    assert!(direct.group_run.is_none());
    assert!(table.group_run.is_some());
    // Three households are left to the second pass.
    assert!(!direct.every && !table.every);
    assert_eq!(direct.run_len(), table.run_len());
    let values = |s: &StoredRuns, g: u64| {
        let mut batch = PersonBatch::default();
        s.take(g, &mut batch).map(|taken| {
            let (a, b) = taken.values;
            (batch.values[a as usize..b as usize].to_vec(), taken.persons)
        })
    };
    for g in 0..n as u64 + 2 {
        assert_eq!(values(&direct, g), values(&table, g), "household {g}");
    }
    assert!(values(&direct, 0).is_some());
    assert!(values(&direct, 3).is_none());
    assert!(values(&direct, n as u64).is_none());
    // A household without persons (the third): groups are no longer the
    // runs' numbers, and the table finds them.
    let gap: Vec<u64> = (0..n as u64).map(|r| r + u64::from(r >= 2)).collect();
    let shifted = stored(&gap, None);
    assert!(shifted.group_run.is_some());
    assert!(values(&shifted, 2).is_none());
    assert_eq!(values(&shifted, 3), values(&direct, 2));
    assert_eq!(values(&shifted, 1), values(&direct, 1));
}
