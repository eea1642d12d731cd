//! The first pass: number the person file's runs and find their groups.

use std::cell::OnceCell;

use super::once::{self, Folded};
use super::{ORPHAN, PersonLayout, PersonRuns, PersonSetup, Runs};
use crate::input::flat::{HouseholdKey, RecordReader};
use crate::input::{InputError, fingerprint};
use crate::policy::Policy;
use crate::policy::persons::Persons;

pub(super) struct Scanned {
    pub(super) run_group: Vec<u64>,
    /// Each run's number of records (`None`: a run too long to count in
    /// a `u32`), so that a second pass needs no keys to find the runs.
    pub(super) run_len: Option<Vec<u32>>,
    pub(super) grouped: bool,
    pub(super) person_blanks: u64,
    /// Every run's values, when the persons were folded on this pass
    /// ([`once`]).
    pub(super) folded: Option<Folded>,
    /// Two files with a one-column id: no id is in two households.
    pub(super) unique_ids: bool,
}

pub(super) fn scan(
    policy: &Policy,
    persons: &Persons,
    setup: &PersonSetup,
    chunk_bytes: usize,
    threads: usize,
) -> Result<Scanned, InputError> {
    // Two files: the household file is indexed on a thread of its own while
    // the person file's runs are read here.
    let (index, runs) = std::thread::scope(|scope| {
        let index = std::thread::Builder::new()
            .name("layak-index".into())
            .spawn_scoped(scope, || household_index(setup, chunk_bytes))
            .ok();
        // Folded as they are read, when they can be; else keys alone.
        let runs = match once::fold_runs(policy, persons, setup, chunk_bytes, threads) {
            Some(folded) => folded.map(|(runs, folded)| (runs, Some(folded))),
            None => person_runs(setup, chunk_bytes).map(|runs| (runs, None)),
        };
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
    let unique_ids = setup.kind == PersonLayout::TwoFiles
        && matches!(setup.household_key, HouseholdKey::One(_))
        && index.unique;
    let (
        PersonRuns {
            mut keys,
            keyless,
            lengths,
            person_blanks,
        },
        folded,
    ) = runs?;
    let mut run_group: Vec<u64> = Vec::with_capacity(keys.len());
    // Rectangular: the first keyed run whose fingerprint is `NONE` itself.
    let mut none_run: Option<u64> = None;
    let mut grouped = true;
    let mut previous: Option<u64> = None;
    let mut keyless = keyless.iter().peekable();
    for (run, f) in keys.iter_mut().enumerate() {
        let has_key = keyless.next_if_eq(&&run).is_none();
        let group = match setup.kind {
            PersonLayout::TwoFiles if has_key => index.group(*f, previous),
            PersonLayout::Rectangular if has_key => {
                if *f == HouseholdIndex::NONE {
                    // Joined here: `join_scattered_runs` leaves `NONE` out.
                    let first = *none_run.get_or_insert(run as u64);
                    grouped &= first == run as u64;
                    first
                } else {
                    run as u64
                }
            }
            _ => {
                *f = HouseholdIndex::NONE;
                ORPHAN
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
    drop(index);
    if setup.kind == PersonLayout::Rectangular && join_scattered_runs(&keys, &mut run_group) {
        grouped = false;
    }
    drop(keys);
    Ok(Scanned {
        run_group,
        run_len: lengths,
        grouped,
        person_blanks,
        folded,
        unique_ids,
    })
}

pub(super) fn person_runs(
    setup: &PersonSetup,
    chunk_bytes: usize,
) -> Result<PersonRuns, InputError> {
    let mut persons_file = RecordReader::new(setup.open_persons()?, chunk_bytes);
    let mut runs = Runs::default();
    let mut keys: Vec<u128> = Vec::new();
    let mut keyless: Vec<usize> = Vec::new();
    let mut lengths: Option<Vec<u32>> = Some(Vec::new());
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
            if let Some(l) = &mut lengths {
                l.push(1);
            }
        } else if let Some(all) = &mut lengths {
            let counted = all.last_mut().and_then(|l| {
                *l = l.checked_add(1)?;
                Some(())
            });
            if counted.is_none() {
                // Four billion rows of one household: found by their keys.
                lengths = None;
            }
        }
    })?;
    Ok(PersonRuns {
        keys,
        keyless,
        lengths,
        person_blanks: persons_file.skipped,
    })
}

/// Two files: where each household key is first found in the household file.
#[derive(Default)]
struct HouseholdIndex {
    /// By index: the household's key when it is that key's first household,
    /// else [`HouseholdIndex::NONE`]. Grouped persons come in household
    /// order, so a run's household is usually the one after the previous
    /// run's: one look here, before the table.
    by_index: Vec<u128>,
    /// Open addressing on a key's low bits, at most half full: each key's
    /// first household's index plus one (0: empty). Built in one pass over
    /// `by_index` (no sort: sorting the keys was most of the index's cost);
    /// when the keys come in order, only once a run needs it (usually
    /// never: 16 bytes a household not written, nor read at random).
    table: OnceCell<Vec<u64>>,
    /// The first household whose key's fingerprint is [`HouseholdIndex::NONE`]
    /// itself (which `by_index` cannot tell from "not the first").
    none_key: Option<u64>,
    /// No key is in two households (nor is any key's fingerprint `NONE`).
    unique: bool,
}

impl HouseholdIndex {
    const NONE: u128 = u128::MAX;

    /// Index the keys of the households in file order (`NONE`: no key),
    /// `none_key` the first household whose key's fingerprint is `NONE`.
    /// `ascending`: the keys were seen in strictly increasing [`KeyOrder`]
    /// (so none repeats, and the table can wait).
    fn new(mut by_index: Vec<u128>, none_key: Option<u64>, ascending: bool) -> HouseholdIndex {
        let table = OnceCell::new();
        let mut repeated = Vec::new();
        if !ascending {
            let _ = table.set(first_of_each_key(&by_index, |i, _| repeated.push(i)));
        }
        for &i in &repeated {
            by_index[i] = Self::NONE;
        }
        HouseholdIndex {
            by_index,
            table,
            unique: repeated.is_empty() && none_key.is_none(),
            none_key,
        }
    }

    /// Where a key's probe starts (fingerprints are hashes already).
    #[inline]
    fn home(f: u128) -> usize {
        (f as u64 ^ (f >> 64) as u64) as usize
    }

    /// The group of a run whose key is `f`: its household's index, or
    /// [`ORPHAN`]. `previous` is the group of the last run with a household.
    #[inline]
    fn group(&self, f: u128, previous: Option<u64>) -> u64 {
        let next = previous.map_or(0, |p| p.saturating_add(1));
        if f == Self::NONE {
            return self.none_key.unwrap_or(ORPHAN);
        }
        if usize::try_from(next).is_ok_and(|n| self.by_index.get(n) == Some(&f)) {
            return next;
        }
        // No key repeats when the table waited (`new`): nothing is marked.
        let table = self
            .table
            .get_or_init(|| first_of_each_key(&self.by_index, |_, _| {}));
        let mask = table.len().wrapping_sub(1);
        let mut slot = Self::home(f) & mask;
        // At most half full: an empty slot ends every probe.
        for _ in 0..table.len() {
            match table.get(slot).copied() {
                Some(0) | None => return ORPHAN,
                Some(j) if self.by_index.get(j as usize - 1) == Some(&f) => return j - 1,
                Some(_) => slot = (slot + 1) & mask,
            }
        }
        ORPHAN
    }
}

/// An open-addressing table, at most half full, of each key's first place
/// in `keys` plus one (0: empty), probed from [`HouseholdIndex::home`];
/// `NONE` keys are left out. A later place of a key already in is left
/// out and reported to `repeat` (place, first place).
fn first_of_each_key(keys: &[u128], mut repeat: impl FnMut(usize, usize)) -> Vec<u64> {
    let size = keys.len().saturating_mul(2).max(2).next_power_of_two();
    let mut table = vec![0u64; size];
    let mask = size - 1;
    for i in 0..keys.len() {
        let f = keys[i];
        if f == HouseholdIndex::NONE {
            continue;
        }
        let mut slot = HouseholdIndex::home(f) & mask;
        loop {
            match table[slot] {
                0 => {
                    table[slot] = i as u64 + 1;
                    break;
                }
                j if keys.get(j as usize - 1) == Some(&f) => {
                    repeat(i, j as usize - 1);
                    break;
                }
                _ => slot = (slot + 1) & mask,
            }
        }
    }
    table
}

/// Two files: each household key's first index (empty for a rectangular file).
fn household_index(setup: &PersonSetup, chunk_bytes: usize) -> Result<HouseholdIndex, InputError> {
    let mut by_index: Vec<u128> = Vec::new();
    let mut none_key = None;
    let mut order = KeyOrder::default();
    if let Some(source) = setup.open_households()? {
        let mut reader = RecordReader::new(source, chunk_bytes);
        reader.each_key(&setup.household_key, &mut |key| {
            let f = key.map_or(HouseholdIndex::NONE, fingerprint);
            if let Some(key) = key {
                if f == HouseholdIndex::NONE && none_key.is_none() {
                    none_key = Some(by_index.len() as u64);
                }
                order.see(key);
            }
            by_index.push(f);
        })?;
    }
    Ok(HouseholdIndex::new(by_index, none_key, order.ascending))
}

/// Whether keys come in strictly increasing order: shorter first, then
/// byte by byte (so `9` before `10`, and `H01` before `H02`). Census
/// files are usually sorted by their household number; keys in this order
/// cannot repeat, which the index then need not check with its table.
#[derive(Debug)]
struct KeyOrder {
    last: Vec<u8>,
    ascending: bool,
}

impl Default for KeyOrder {
    fn default() -> Self {
        KeyOrder {
            last: Vec::new(),
            ascending: true,
        }
    }
}

impl KeyOrder {
    #[inline]
    fn see(&mut self, key: &[u8]) {
        if !self.ascending {
            return;
        }
        // The first key: after the empty `last`, which no key equals.
        let after = (key.len(), key) > (self.last.len(), self.last.as_slice());
        self.ascending = after;
        self.last.clear();
        self.last.extend_from_slice(key);
    }
}

/// Rectangular: a key in two runs means its household is scattered; every
/// run of it takes the group of its first. `keys` is the fingerprint of
/// every run (`NONE`: no key, left as it is). Returns whether any household
/// is scattered.
fn join_scattered_runs(keys: &[u128], run_group: &mut [u64]) -> bool {
    let mut scattered = false;
    first_of_each_key(keys, |run, first| {
        scattered = true;
        if let Some(g) = run_group.get_mut(run) {
            *g = first as u64;
        }
    });
    scattered
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Keys that share their probe's start (the same low bits), repeated
    /// keys, households without a key and the key whose fingerprint is
    /// `NONE`: each run finds its key's first household, by the look at the
    /// next household or through the table alike.
    #[test]
    fn household_index_finds_each_key_s_first_household() {
        let same_home = |k: u128| (k << 64) | k; // home 0 for every k
        let keys = vec![
            same_home(1),
            HouseholdIndex::NONE, // no key
            same_home(2),
            same_home(1), // repeated: not the first
            7,
            same_home(3),
            HouseholdIndex::NONE, // the key whose fingerprint is NONE
            7,
        ];
        let index = HouseholdIndex::new(keys, Some(6), false);
        assert!(!index.unique);
        for (f, first) in [
            (same_home(1), 0),
            (same_home(2), 2),
            (7, 4),
            (same_home(3), 5),
        ] {
            // Through the table, whatever the previous run was.
            for previous in [None, Some(0), Some(3), Some(6), Some(u64::MAX)] {
                assert_eq!(index.group(f, previous), first, "{f:x} after {previous:?}");
            }
            // By the look at the next household.
            let before = first.checked_sub(1);
            assert_eq!(index.group(f, before), first);
        }
        assert_eq!(index.group(HouseholdIndex::NONE, None), 6);
        for orphan in [same_home(4), 8, 0] {
            assert_eq!(index.group(orphan, None), ORPHAN);
            assert_eq!(index.group(orphan, Some(2)), ORPHAN);
        }
        let empty = HouseholdIndex::new(Vec::new(), None, true);
        assert_eq!(empty.group(7, None), ORPHAN);
        assert_eq!(empty.group(HouseholdIndex::NONE, None), ORPHAN);
    }

    /// Keys in order: no table until a run is not its next household's,
    /// and then the same answers as a table built at once.
    #[test]
    fn keys_in_order_build_their_table_only_when_a_run_needs_it() {
        let same_home = |k: u128| (k << 64) | k;
        let keys = vec![
            same_home(1),
            HouseholdIndex::NONE,
            same_home(2),
            7,
            same_home(3),
        ];
        let index = HouseholdIndex::new(keys.clone(), None, true);
        assert!(index.unique);
        assert_eq!(index.group(same_home(1), None), 0);
        assert_eq!(index.group(same_home(2), Some(1)), 2);
        assert!(index.table.get().is_none(), "not needed yet");
        let at_once = HouseholdIndex::new(keys, None, false);
        assert!(at_once.unique);
        for f in [same_home(1), same_home(2), 7, same_home(3), same_home(4), 8] {
            for previous in [None, Some(0), Some(2), Some(4)] {
                assert_eq!(index.group(f, previous), at_once.group(f, previous));
            }
        }
        assert!(index.table.get().is_some());
        assert_eq!(index.group(7, Some(0)), 3);
        assert_eq!(index.group(8, Some(0)), ORPHAN);
    }

    /// Shorter keys first, then byte order; a repeat or a step back ends it.
    #[test]
    fn key_order_is_strictly_increasing_shortlex() {
        let ascending = |keys: &[&str]| {
            let mut order = KeyOrder::default();
            keys.iter().for_each(|k| order.see(k.as_bytes()));
            order.ascending
        };
        assert!(ascending(&[]));
        assert!(ascending(&["9", "10", "11", "100"]));
        assert!(ascending(&["HH01", "HH02", "HH10"]));
        assert!(!ascending(&["HH01", "HH01"]));
        assert!(!ascending(&["10", "9"]));
        assert!(!ascending(&["a", "b", "a"]));
        assert!(!ascending(&["b", "a", "c", "d"]));
    }

    /// Rectangular: every later run of a key takes its first run's group,
    /// keys sharing their probe's start included; runs without a key stay.
    #[test]
    fn scattered_runs_join_their_first_run() {
        let same_home = |k: u128| (k << 64) | k;
        let none = HouseholdIndex::NONE;
        let keys = vec![
            same_home(1),
            none,
            same_home(2),
            same_home(1),
            5,
            same_home(2),
            5,
        ];
        let mut run_group = vec![0, ORPHAN, 2, 3, 4, 5, 6];
        assert!(join_scattered_runs(&keys, &mut run_group));
        assert_eq!(run_group, vec![0, ORPHAN, 2, 0, 4, 2, 4]);
        let keys = vec![same_home(1), same_home(2), none, 5];
        let mut run_group = vec![0, 1, ORPHAN, 3];
        assert!(!join_scattered_runs(&keys, &mut run_group));
        assert_eq!(run_group, vec![0, 1, ORPHAN, 3]);
    }
}
