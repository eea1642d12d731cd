//! Person files (issue 18): households decided from one row per person.
//!
//! ```text
//!  scan (one pass)          order                     the household pipeline
//!  ───────────────          ─────                     ──────────────────────
//!  household keys →  ──▶    grouped: read the   ──▶   feed: batches of whole households
//!  index; person runs       file again as is          (household row + its persons, or
//!  (same key in a row),     scattered: spill to       its values folded on the scan);
//!  two files: each run      sorted runs, merge        workers fold the persons with the
//!  folded on the workers    them; every run           policy's reducers, write the
//!  (`once`)                 folded: not read again    supplied cells into the household
//!                                                     record and decide it as usual
//! ```
//!
//! Nothing assumes that a household's rows are together: `scan` reads the
//! person file once and numbers its *runs* (consecutive rows with one key).
//! Each run belongs to a group: in the two-file layout the index of its
//! household in the household file (or none: its persons are rejected), in
//! the rectangular layout the first run of its key. When the groups of the
//! runs are strictly increasing (the usual case), the second pass streams the
//! file again; otherwise the runs that keep increasing (greedily, from the
//! top: a scattered household's late rows, lone persons) are set apart,
//! `spill` sorts those by `(group, line, record)` in bounded runs on 0600
//! temporary files, and the feed merges them with the file's other runs,
//! read again as they stand. Either way the feed hands out batches holding
//! whole households, each person with its original line.
//!
//! In the two-file layout the scan also folds each run into its supplied
//! values as it reads it (`once`, on the workers). A household whose one run
//! was folded (in order, alone, with nothing to reject) takes those values
//! ([`StoredRuns`]) and its persons are passed over on the second pass; when
//! every household's were, the person file is not read again at all. The
//! others (a rejected person, no head, a household split in several runs)
//! are read and folded on the second pass as before, so that their rejects
//! are written as they always were.
//!
//! The scan also counts each run's records, so that a grouped file's second
//! pass counts its runs off without reading any key again.
//!
//! Memory: per household 16 bytes during the scan (its key's fingerprint),
//! and 16 to 32 more for a hash table of the keys when the household file
//! is not in increasing order of its keys (in order, no key can repeat and
//! a run's household is the one after the previous run's: the table is
//! built only if a run needs it); up to 28 bytes per run (its key's
//! fingerprint, read while the household file is indexed, its record
//! count and its group); 12 bytes per run after it (8 when the file is not
//! grouped), and when folded its values (about 17 bytes for the default
//! policy, at most [`once::MOST_VALUES`] in all: the runs past it keep
//! none) and 5 bytes per household (none when each household's persons
//! are one run, in the household file's order: household `g` is run `g`); batches as for households, and with
//! more than two workers three chunks of each file read ahead of the feed.

pub(super) mod feed;
mod once;
mod one;
mod scan;
mod spill;
mod supplied;
pub(super) mod work;

use std::io;

use crate::input::flat::{FlatRecords, HouseholdKey};
use crate::input::record::Fields;
use crate::input::{self, InputError, Layout, ReadOptions, Source};
use crate::policy::Policy;
use crate::policy::persons::Persons;

pub(super) use feed::PersonFeed;
pub(crate) use one::household_of;
pub(super) use work::PersonWork;

/// The group of a run whose persons belong to no household.
pub(crate) const ORPHAN: u64 = u64::MAX;

/// The two person layouts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PersonLayout {
    /// A household file and a person file (`--persons`).
    TwoFiles,
    /// One person file with the household columns repeated (`--rectangular`).
    Rectangular,
}

/// Everything fixed before the first row is read: the files, their layouts
/// and where the persons' values go in the household record.
#[derive(Debug)]
pub struct PersonSetup {
    pub kind: PersonLayout,
    /// Two files: the household file (a path; never standard input here).
    pub household_path: Option<String>,
    pub person_path: String,
    /// Names for messages.
    pub household_name: String,
    pub person_name: String,
    pub read: ReadOptions,
    /// The headers as read, to check that a second read sees the same file.
    household_header: Option<Vec<String>>,
    person_header: Vec<String>,
    /// The header of the household records the pipeline decides: the
    /// household file's (two files) or the person file's (rectangular), with
    /// the supplied inputs the file lacks appended.
    pub header: Vec<String>,
    /// The policy's inputs over [`PersonSetup::header`].
    pub household_layout: Layout,
    /// The person schema's inputs over the person file.
    pub person_layout: Layout,
    /// Fields of a record of the file that gives the household cells.
    pub(crate) base_fields: usize,
    /// Per column of [`PersonSetup::header`]: `Some(k)` when it holds the
    /// `k`-th supplied input.
    pub(crate) column_source: Vec<Option<usize>>,
    /// Rectangular: the household-level columns, the same on every row of a household.
    pub(crate) compare: Vec<usize>,
    /// Supplied inputs that the file also has as a column (the persons win).
    pub overridden: Vec<String>,
    /// The household key of each file (one column, or the parts of a composite id).
    pub(crate) household_key: HouseholdKey,
    pub(crate) person_key: HouseholdKey,
}

/// The read options of each file: each --rename applies to the file whose
/// policy has its target; one that names neither reaches the household
/// layout, which reports it. Returns (person options, household options).
fn split_read_options(
    policy: &Policy,
    persons: &Persons,
    read: &ReadOptions,
) -> (ReadOptions, ReadOptions) {
    let schema = &persons.schema;
    let person_read = ReadOptions {
        renames: read
            .renames
            .iter()
            .filter(|(_, to)| schema.input(to).is_some())
            .cloned()
            .collect(),
        // The weight is a household column: the household layout reads it.
        weight: None,
        ..read.clone()
    };
    let household_read = ReadOptions {
        renames: read
            .renames
            .iter()
            .filter(|(_, to)| policy.input(to).is_some() || schema.input(to).is_none())
            .cloned()
            .collect(),
        ..read.clone()
    };
    (person_read, household_read)
}

/// The household header with the supplied inputs placed: in their column
/// when the household file has one, appended otherwise.
struct SuppliedColumns {
    header: Vec<String>,
    column_source: Vec<Option<usize>>,
    overridden: Vec<String>,
}

/// Place each supplied input in the household header `base_header`.
fn supplied_columns(
    policy: &Policy,
    persons: &Persons,
    kind: PersonLayout,
    base_header: &[String],
    household_read: &ReadOptions,
    person_columns: &[usize],
) -> SuppliedColumns {
    let mut header = base_header.to_vec();
    let base_fields = header.len();
    let mut column_source = vec![None; base_fields];
    let mut overridden = Vec::new();
    for (k, &input) in persons.supplied.iter().enumerate() {
        let name = &policy.inputs[input].name;
        match column_of(&header[..base_fields], household_read, name) {
            Some(c) => {
                // In a rectangular file a person column of the same name
                // (`disabled`) is the persons' own, not a household value.
                if kind == PersonLayout::TwoFiles || !person_columns.contains(&c) {
                    overridden.push(name.clone());
                }
                column_source[c] = Some(k);
            }
            None => {
                header.push(name.clone());
                column_source.push(Some(k));
            }
        }
    }
    SuppliedColumns {
        header,
        column_source,
        overridden,
    }
}

/// The household layout of `header`: the household file's header with the
/// supplied inputs appended.
fn shaped_layout(
    policy: &Policy,
    base: &Source,
    header: &[String],
    household_read: &ReadOptions,
) -> Result<Layout, InputError> {
    let shaped = Source {
        name: base.name.clone(),
        delimiter: base.delimiter,
        header: header.to_vec(),
        delimiter_hint: base.delimiter_hint,
        header_line: base.header_line,
        chunker: input::Chunker::new(Box::new(io::empty()), b',', Vec::new(), 0, 1, true),
        sheet: None,
        table: None,
    };
    Layout::new(policy, &shaped, household_read)
}

/// Rectangular: the household-level columns, which must be the same on
/// every row of a household (the survey weight among them), sorted.
fn household_columns(
    policy: &Policy,
    household_layout: &Layout,
    base_fields: usize,
    column_source: &[Option<usize>],
    person_columns: &[usize],
) -> Vec<usize> {
    let mut compare = Vec::new();
    for (i, c) in household_layout.columns.iter().enumerate() {
        let Some(c) = *c else { continue };
        if c < base_fields
            && column_source[c].is_none()
            && !person_columns.contains(&c)
            && i != policy.fields.id_input
            && !compare.contains(&c)
        {
            compare.push(c);
        }
    }
    // The survey weight is a household value too.
    if let Some(w) = &household_layout.weight {
        if w.index < base_fields && !compare.contains(&w.index) {
            compare.push(w.index);
        }
    }
    compare.sort_unstable();
    compare
}

impl PersonSetup {
    /// Map both files to their policies. `households` is the open household
    /// file in the two-file layout, `None` for a rectangular file.
    pub fn new(
        policy: &Policy,
        persons: &Persons,
        households: Option<(&Source, &str)>,
        person_file: (&Source, &str),
        read: &ReadOptions,
    ) -> Result<PersonSetup, InputError> {
        let kind = match households {
            Some(_) => PersonLayout::TwoFiles,
            None => PersonLayout::Rectangular,
        };
        let (person_source, person_path) = person_file;
        let schema = &persons.schema;
        let (person_read, household_read) = split_read_options(policy, persons, read);
        let person_layout = Layout::new(schema, person_source, &person_read)?;
        let base = households.map_or(person_source, |(s, _)| s);
        let base_fields = base.header.len();
        let person_columns: Vec<usize> = person_layout.columns.iter().flatten().copied().collect();
        let SuppliedColumns {
            header,
            column_source,
            overridden,
        } = supplied_columns(
            policy,
            persons,
            kind,
            &base.header,
            &household_read,
            &person_columns,
        );
        let mut household_layout = shaped_layout(policy, base, &header, &household_read)?;
        if kind == PersonLayout::Rectangular {
            // The person columns are used, by the persons.
            let person_names: Vec<&String> = person_columns
                .iter()
                .map(|&c| &person_source.header[c])
                .collect();
            household_layout
                .unused
                .retain(|name| !person_names.contains(&name));
        }
        let compare = match kind {
            PersonLayout::Rectangular => household_columns(
                policy,
                &household_layout,
                base_fields,
                &column_source,
                &person_columns,
            ),
            PersonLayout::TwoFiles => Vec::new(),
        };
        let household_key = HouseholdKey::of(&household_layout, policy.fields.id_input);
        let person_key = HouseholdKey::of(&person_layout, schema.fields.id_input);
        Ok(PersonSetup {
            kind,
            household_path: households.map(|(_, p)| p.to_string()),
            person_path: person_path.to_string(),
            household_name: base.name.clone(),
            person_name: person_source.name.clone(),
            read: read.clone(),
            household_header: households.map(|(s, _)| s.header.clone()),
            person_header: person_source.header.clone(),
            header,
            household_layout,
            person_layout,
            base_fields,
            column_source,
            compare,
            overridden,
            household_key,
            person_key,
        })
    }

    /// Open the person file again, checking that it is the same file.
    pub(crate) fn open_persons(&self) -> Result<Source, InputError> {
        let source = input::open(&self.person_path, &self.read)?;
        same_header(&source, &self.person_header)?;
        Ok(source)
    }

    /// Open the household file again (two files).
    pub(crate) fn open_households(&self) -> Result<Option<Source>, InputError> {
        match (&self.household_path, &self.household_header) {
            (Some(path), Some(header)) => {
                let source = input::open(path, &self.read)?;
                same_header(&source, header)?;
                Ok(Some(source))
            }
            _ => Ok(None),
        }
    }
}

fn same_header(source: &Source, header: &[String]) -> Result<(), InputError> {
    if source.header == header {
        return Ok(());
    }
    Err(InputError::Io {
        file: source.name.clone(),
        source: io::Error::other("the file changed while it was read (the header differs)"),
    })
}

/// The column of `header` read as input `name` (names compare case-insensitively, after renames).
fn column_of(header: &[String], read: &ReadOptions, name: &str) -> Option<usize> {
    header.iter().position(|h| {
        let h = h.to_lowercase();
        let h = read
            .renames
            .iter()
            .find(|(from, _)| from.to_lowercase() == h)
            .map_or(h, |(_, to)| to.to_lowercase());
        h == name.to_lowercase()
    })
}

/// How the second pass reads the persons.
pub(crate) enum Order {
    /// Runs in increasing group order: the file is read again as it is;
    /// `run_group[r]` is the group of its `r`-th run, `run_len[r]` its
    /// number of records (the runs are counted off, no key is read again).
    Grouped {
        run_group: Vec<u64>,
        /// `None` when `stored` holds them ([`StoredRuns::run_len`]).
        run_len: Option<Vec<u32>>,
        stored: Option<StoredRuns>,
    },
    /// Not grouped: the runs that keep group order (`keep[r]`,
    /// [`spill::in_order`]) are read again from the file as they stand, the
    /// others were sorted by (group, line) on temporary files; the feed
    /// merges the two.
    Sorted {
        run_group: Vec<u64>,
        keep: Vec<bool>,
        runs: spill::SortedRuns,
        stored: Option<StoredRuns>,
    },
}

/// The households whose persons were folded on the first pass ([`once`]),
/// with their values: the second pass skips their persons.
pub(crate) struct StoredRuns {
    folded: once::Folded,
    /// Per household (group): its run, when that one run holds all its
    /// persons, in file order, and was folded (`u32::MAX`: none). `None`:
    /// household `g` is run `g`, the usual grouped file (every household's
    /// persons one run, no orphan), which needs no table.
    group_run: Option<Vec<u32>>,
    /// Per run: its number of persons.
    run_len: Vec<u32>,
    /// Every run's values are used: the person file is not read again.
    pub(crate) every: bool,
}

impl StoredRuns {
    /// `None` when no run's values can be used (`run_len` is then left
    /// where it is; else it is taken). `keep`: the runs read from the file
    /// in order when it is not grouped (the others are sorted apart).
    fn new(
        folded: once::Folded,
        run_group: &[u64],
        run_len: &mut Option<Vec<u32>>,
        keep: Option<&[bool]>,
    ) -> Option<StoredRuns> {
        let runs = run_group.len();
        if folded.len() != runs || run_len.as_ref().is_none_or(|l| l.len() != runs) {
            return None;
        }
        let identity = keep.is_none()
            && u32::try_from(runs).is_ok()
            && run_group.iter().zip(0u64..).all(|(&g, r)| g == r);
        let (group_run, used, every) = if identity {
            // Each household one run, in order: what the table would say.
            let used = (0..runs).filter(|&r| folded.stored(r)).count();
            (None, used, used == runs)
        } else {
            let (group_run, used, every) = run_of_each_group(&folded, run_group, keep)?;
            (Some(group_run), used, every)
        };
        (used > 0).then(|| StoredRuns {
            folded,
            group_run,
            run_len: run_len.take().unwrap_or_default(),
            every,
        })
    }

    /// Each run's number of records.
    pub(crate) fn run_len(&self) -> &[u32] {
        &self.run_len
    }

    /// The values of household `group` into `batch`, when it has them.
    pub(crate) fn take(&self, group: u64, batch: &mut feed::PersonBatch) -> Option<feed::Stored> {
        let r = match &self.group_run {
            Some(group_run) => *group_run.get(usize::try_from(group).ok()?)?,
            None => u32::try_from(group).ok()?,
        };
        let values = self.folded.run(r as usize)?;
        let start = batch.values.len() as u32;
        batch.values.extend_from_slice(values);
        Some(feed::Stored {
            values: (start, batch.values.len() as u32),
            persons: self.run_len.get(r as usize).copied().unwrap_or(0),
        })
    }
}

/// Per household (group), its run when that one run holds all its persons,
/// is read in order (`keep`) and was folded (`u32::MAX`: none); with the
/// number of such runs, and whether every run is one.
fn run_of_each_group(
    folded: &once::Folded,
    run_group: &[u64],
    keep: Option<&[bool]>,
) -> Option<(Vec<u32>, usize, bool)> {
    let households = run_group
        .iter()
        .filter(|&&g| g != ORPHAN)
        .max()
        .map_or(0, |&g| g.saturating_add(1));
    let households = usize::try_from(households).ok()?;
    let mut runs_of = vec![0u8; households];
    for &g in run_group {
        if let Some(n) = runs_of.get_mut(g as usize) {
            *n = n.saturating_add(1);
        }
    }
    let mut group_run = vec![u32::MAX; households];
    let mut used = 0usize;
    let mut every = true;
    for (r, &g) in run_group.iter().enumerate() {
        let alone = runs_of.get(g as usize) == Some(&1);
        let in_order = keep.is_none_or(|k| k.get(r).copied().unwrap_or(false));
        match (u32::try_from(r), group_run.get_mut(g as usize)) {
            (Ok(run), Some(slot)) if alone && in_order && folded.stored(r) => {
                *slot = run;
                used += 1;
            }
            _ => every = false,
        }
    }
    Some((group_run, used, every))
}

/// The person file's runs as the scan found them (`scan`, `once`): each
/// run's key fingerprint (0 for a run without a key), the runs without a
/// key (in order), each run's number of records (`None`: one too long to
/// count in a `u32`), and the blank rows.
pub(super) struct PersonRuns {
    pub(super) keys: Vec<u128>,
    pub(super) keyless: Vec<usize>,
    pub(super) lengths: Option<Vec<u32>>,
    pub(super) person_blanks: u64,
}

/// Follows the runs of a person file: consecutive records with the same
/// key; a record without a key is a run of its own.
#[derive(Default)]
pub(crate) struct Runs {
    /// The key of the current run (its bytes: comparing them is cheaper
    /// than a fingerprint of every record), if it has one.
    last: Vec<u8>,
    keyed: bool,
    /// Runs started so far.
    pub(crate) count: usize,
    /// A composite key's bytes ([`HouseholdKey::bytes`]).
    scratch: Vec<u8>,
}

impl Runs {
    /// The run of a record with key `key` (0-based).
    #[inline]
    pub(crate) fn of(&mut self, key: Option<&[u8]>) -> usize {
        match key {
            Some(k) if self.keyed && self.last == k => {}
            Some(k) => {
                self.last.clear();
                self.last.extend_from_slice(k);
                self.keyed = true;
                self.count += 1;
            }
            None => {
                self.keyed = false;
                self.count += 1;
            }
        }
        self.count - 1
    }

    /// Whether `record` (whose key is `key`) continues the current run:
    /// [`Runs::of_record`] would give the current run again.
    #[inline]
    pub(crate) fn continues<R: Fields + ?Sized>(&mut self, key: &HouseholdKey, record: &R) -> bool {
        if !self.keyed {
            return false;
        }
        if let HouseholdKey::One(c) = key {
            return record
                .get(*c)
                .map(input::cell::trim)
                .is_some_and(|t| !t.is_empty() && t == self.last.as_slice());
        }
        let mut scratch = std::mem::take(&mut self.scratch);
        let same = key.bytes(record, &mut scratch) && scratch == self.last;
        self.scratch = scratch;
        same
    }

    /// [`Runs::continues`] for record `i` of `records`, which may be held
    /// as its line with its key found.
    #[inline]
    pub(crate) fn continues_at(
        &mut self,
        key: &HouseholdKey,
        records: &FlatRecords,
        i: usize,
    ) -> bool {
        match records.line_key(i) {
            Some(k) => self.keyed && k == Some(self.last.as_slice()),
            None => self.continues(key, &records.get(i).1),
        }
    }

    /// [`Runs::of_record`] for record `i` of `records`.
    #[inline]
    pub(crate) fn of_at(&mut self, key: &HouseholdKey, records: &FlatRecords, i: usize) -> usize {
        match records.line_key(i) {
            Some(k) => self.of(k),
            None => self.of_record(key, &records.get(i).1),
        }
    }

    /// The run of `record`, whose key is `key`.
    #[inline]
    pub(crate) fn of_record<R: Fields + ?Sized>(
        &mut self,
        key: &HouseholdKey,
        record: &R,
    ) -> usize {
        if let HouseholdKey::One(c) = key {
            let cell = record
                .get(*c)
                .map(input::cell::trim)
                .filter(|t| !t.is_empty());
            return self.of(cell);
        }
        let mut scratch = std::mem::take(&mut self.scratch);
        let has = key.bytes(record, &mut scratch);
        let run = self.of(has.then_some(scratch.as_slice()));
        self.scratch = scratch;
        run
    }
}

/// A person run ready for its second pass: how the persons are ordered, and
/// their spill files when they had to be sorted.
pub struct PersonPlan<'s> {
    pub(crate) setup: &'s PersonSetup,
    pub(crate) order: Order,
    pub(crate) persons: &'s Persons,
    /// Blank person rows skipped (counted once, by the scan).
    pub(crate) person_blanks: u64,
    /// No two households of the household file have the same id (one id
    /// column; found by the scan's index): the pipeline claims no id.
    pub(crate) unique_ids: bool,
}

impl<'s> PersonPlan<'s> {
    /// Scan the person file (and the household file) and, when the persons
    /// are not grouped in order, sort them on temporary files. With
    /// `threads` above 0 the persons are folded on the scan where they can
    /// be ([`StoredRuns`]).
    pub fn prepare(
        policy: &Policy,
        persons: &'s Persons,
        setup: &'s PersonSetup,
        chunk_bytes: usize,
        threads: usize,
    ) -> Result<PersonPlan<'s>, PersonError> {
        let scan::Scanned {
            run_group,
            mut run_len,
            grouped,
            person_blanks: blanks,
            folded,
            unique_ids,
        } = scan::scan(policy, persons, setup, chunk_bytes, threads)?;
        let order = if grouped {
            // The runs' lengths move into `stored` when it takes them.
            let stored =
                folded.and_then(|folded| StoredRuns::new(folded, &run_group, &mut run_len, None));
            Order::Grouped {
                run_group,
                run_len,
                stored,
            }
        } else {
            let keep = spill::in_order(&run_group);
            let stored = folded
                .and_then(|folded| StoredRuns::new(folded, &run_group, &mut run_len, Some(&keep)));
            let runs = spill::sort(setup, &run_group, &keep, chunk_bytes)?;
            Order::Sorted {
                run_group,
                keep,
                runs,
                stored,
            }
        };
        Ok(PersonPlan {
            setup,
            order,
            persons,
            person_blanks: blanks,
            unique_ids,
        })
    }

    /// Whether the persons were grouped in order (streamed) or sorted.
    pub fn grouped(&self) -> bool {
        matches!(self.order, Order::Grouped { .. })
    }

    pub fn setup(&self) -> &PersonSetup {
        self.setup
    }
}

/// Why the person files could not be prepared.
#[derive(Debug, thiserror::Error)]
pub enum PersonError {
    #[error(transparent)]
    Input(#[from] InputError),
    #[error("cannot sort the persons on a temporary file: {0}")]
    Spill(#[source] io::Error),
}
