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
    // Two files: the household file is indexed on a thread of its own while
    // the person file's runs are read here.
    let (index, runs) = std::thread::scope(|scope| {
        let index = std::thread::Builder::new()
            .name("layak-index".into())
            .spawn_scoped(scope, || household_index(setup, chunk_bytes))
            .ok();
        let runs = person_runs(setup, chunk_bytes);
        let index = match index {
            Some(thread) => thread.join().unwrap_or_else(|_| {
                Err(InputError::Io {
                    file: setup.household_name.clone(),
                    source: std::io::Error::other("the indexing thread failed"),
                })
            }),
            // No thread could start: here.
            None => household_index(setup, chunk_bytes),
        };
        (index, runs)
    });
    let index = index?;
    let PersonRuns {
        keys,
        keyless,
        person_blanks,
    } = runs?;
    let mut run_group: Vec<u64> = Vec::with_capacity(keys.len());
    // Rectangular: (key, run) of every keyed run.
    let mut keyed: Vec<(u128, u64)> = Vec::new();
    let mut grouped = true;
    let mut previous: Option<u64> = None;
    let mut keyless = keyless.iter().peekable();
    for (run, &f) in keys.iter().enumerate() {
        let has_key = keyless.next_if_eq(&&run).is_none();
        let group = match setup.kind {
            PersonLayout::TwoFiles if has_key => index.group(f, previous),
            PersonLayout::Rectangular if has_key => {
                keyed.push((f, run as u64));
                run as u64
            }
            _ => ORPHAN,
        };
        if group != ORPHAN {
            if previous.is_some_and(|p| p >= group) {
                grouped = false;
            }
            previous = Some(group);
        }
        run_group.push(group);
    }
    drop(index);
    drop(keys);
    if setup.kind == PersonLayout::Rectangular && join_scattered_runs(keyed, &mut run_group) {
        grouped = false;
    }
    Ok(Scanned {
        run_group,
        grouped,
        person_blanks,
    })
}

/// The person file's runs: each run's key fingerprint (0 for a run without
/// a key), the runs without a key (in order), and the blank rows.
struct PersonRuns {
    keys: Vec<u128>,
    keyless: Vec<usize>,
    person_blanks: u64,
}

fn person_runs(setup: &PersonSetup, chunk_bytes: usize) -> Result<PersonRuns, InputError> {
    let mut persons_file = RecordReader::new(setup.open_persons()?, chunk_bytes);
    let mut runs = Runs::default();
    let mut keys: Vec<u128> = Vec::new();
    let mut keyless: Vec<usize> = Vec::new();
    persons_file.each_key(&setup.person_key, &mut |key| {
        let before = runs.count;
        let run = runs.of(key);
        if runs.count > before {
            match key {
                Some(k) => keys.push(fingerprint(k)),
                None => {
                    keyless.push(run);
                    keys.push(0);
                }
            }
        }
    })?;
    Ok(PersonRuns {
        keys,
        keyless,
        person_blanks: persons_file.skipped,
    })
}

/// Two files: where each household key is first found in the household file.
#[derive(Default)]
struct HouseholdIndex {
    /// Each key's first index, sorted by key.
    sorted: Vec<(u128, u64)>,
    /// By index: the household's key when it is that key's first household,
    /// else [`HouseholdIndex::NONE`]. Grouped persons come in household
    /// order, so a run's household is usually the one after the previous
    /// run's: one look here instead of a binary search through `sorted`
    /// (whose cache misses were the scan's largest cost).
    by_index: Vec<u128>,
}

impl HouseholdIndex {
    const NONE: u128 = u128::MAX;

    /// The group of a run whose key is `f`: its household's index, or
    /// [`ORPHAN`]. `previous` is the group of the last run with a household.
    #[inline]
    fn group(&self, f: u128, previous: Option<u64>) -> u64 {
        let next = previous.map_or(0, |p| p.saturating_add(1));
        if f != Self::NONE && usize::try_from(next).is_ok_and(|n| self.by_index.get(n) == Some(&f))
        {
            return next;
        }
        self.sorted
            .binary_search_by_key(&f, |e| e.0)
            .map_or(ORPHAN, |i| self.sorted[i].1)
    }
}

/// Two files: each household key's first index (empty for a rectangular file).
fn household_index(setup: &PersonSetup, chunk_bytes: usize) -> Result<HouseholdIndex, InputError> {
    let mut sorted: Vec<(u128, u64)> = Vec::new();
    let mut households = 0u64;
    if let Some(source) = setup.open_households()? {
        let mut reader = RecordReader::new(source, chunk_bytes);
        reader.each_key(&setup.household_key, &mut |key| {
            if let Some(key) = key {
                sorted.push((fingerprint(key), households));
            }
            households += 1;
        })?;
        sorted.sort_unstable();
        sorted.dedup_by_key(|e| e.0);
        sorted.shrink_to_fit();
    }
    let mut by_index = vec![HouseholdIndex::NONE; usize::try_from(households).unwrap_or(0)];
    for &(f, i) in &sorted {
        if let Some(slot) = usize::try_from(i).ok().and_then(|i| by_index.get_mut(i)) {
            *slot = f;
        }
    }
    Ok(HouseholdIndex { sorted, by_index })
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
