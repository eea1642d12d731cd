//! The first pass: number the person file's runs and find their groups.

use super::{ORPHAN, PersonLayout, PersonSetup, Runs};
use crate::input::flat::RecordReader;
use crate::input::{InputError, fingerprint};
use crate::policy::Policy;
use crate::policy::persons::Persons;

pub(super) struct Scanned {
    pub(super) run_group: Vec<u64>,
    pub(super) grouped: bool,
    pub(super) person_blanks: u64,
}

pub(super) fn scan(
    policy: &Policy,
    persons: &Persons,
    setup: &PersonSetup,
    chunk_bytes: usize,
) -> Result<Scanned, InputError> {
    let _ = (policy, persons);
    let index = household_index(setup, chunk_bytes)?;
    let mut persons_file = RecordReader::new(setup.open_persons()?, chunk_bytes);
    let mut runs = Runs::default();
    let mut run_group: Vec<u64> = Vec::new();
    // Rectangular: (key, run) of every keyed run.
    let mut keyed: Vec<(u128, u64)> = Vec::new();
    let mut grouped = true;
    let mut previous: Option<u64> = None;
    persons_file.each_key(&setup.person_key, &mut |key| {
        let before = runs.count;
        let run = runs.of(key);
        if runs.count > before {
            let fp = key.map(fingerprint);
            let group = match setup.kind {
                PersonLayout::TwoFiles => fp
                    .and_then(|f| {
                        index
                            .binary_search_by_key(&f, |e| e.0)
                            .ok()
                            .map(|i| index[i].1)
                    })
                    .unwrap_or(ORPHAN),
                PersonLayout::Rectangular => {
                    if let Some(f) = fp {
                        keyed.push((f, run as u64));
                        run as u64
                    } else {
                        ORPHAN
                    }
                }
            };
            if group != ORPHAN {
                if previous.is_some_and(|p| p >= group) {
                    grouped = false;
                }
                previous = Some(group);
            }
            run_group.push(group);
        }
    })?;
    drop(index);
    if setup.kind == PersonLayout::Rectangular && join_scattered_runs(keyed, &mut run_group) {
        grouped = false;
    }
    Ok(Scanned {
        run_group,
        grouped,
        person_blanks: persons_file.skipped,
    })
}

/// Two files: each household key's first index, sorted by key (empty for a
/// rectangular file).
fn household_index(
    setup: &PersonSetup,
    chunk_bytes: usize,
) -> Result<Vec<(u128, u64)>, InputError> {
    let mut index: Vec<(u128, u64)> = Vec::new();
    if let Some(source) = setup.open_households()? {
        let mut households = RecordReader::new(source, chunk_bytes);
        let mut i = 0u64;
        households.each_key(&setup.household_key, &mut |key| {
            if let Some(key) = key {
                index.push((fingerprint(key), i));
            }
            i += 1;
        })?;
        index.sort_unstable();
        index.dedup_by_key(|e| e.0);
        index.shrink_to_fit();
    }
    Ok(index)
}

/// Rectangular: a key in two runs means its household is scattered; every
/// run of it takes the group of its first. `keyed` is (key, run) of every
/// keyed run. Returns whether any household is scattered.
fn join_scattered_runs(mut keyed: Vec<(u128, u64)>, run_group: &mut [u64]) -> bool {
    let mut scattered = false;
    keyed.sort_unstable();
    let mut i = 0;
    while i < keyed.len() {
        let mut j = i + 1;
        while j < keyed.len() && keyed[j].0 == keyed[i].0 {
            scattered = true;
            let run = keyed[j].1 as usize;
            run_group[run] = keyed[i].1;
            j += 1;
        }
        i = j;
    }
    scattered
}
