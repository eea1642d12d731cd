//! The second pass: batches of whole households for the workers.

use super::spill::Merge;
use super::{ORPHAN, Order, PersonError, PersonLayout, PersonPlan, Runs};
use crate::input::InputError;
use crate::input::flat::{FlatRecords, HouseholdKey, RecordReader};

/// One entry of a person batch: a household with its persons, or a person
/// without a household.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Entry {
    /// The household's line (its row in the household file, or its first
    /// person's row), or the lone person's line.
    pub(crate) line: u64,
    /// Two files: the household's record in [`PersonBatch::households`].
    pub(crate) household: Option<u32>,
    /// Its persons in [`PersonBatch::persons`].
    pub(crate) persons: (u32, u32),
    /// A person whose household is not in the household file (or who has no key).
    pub(crate) orphan: bool,
    /// The household's persons were folded on the first pass: their values
    /// (no persons are in the batch).
    pub(crate) stored: Option<Stored>,
}

/// A household's persons folded on the first pass (`once`).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Stored {
    /// Its supplied values in [`PersonBatch::values`] ([`crate::policy::persons::Reduced::encode`]).
    pub(crate) values: (u32, u32),
    /// Its number of persons.
    pub(crate) persons: u32,
}

impl Entry {
    /// The household's number of persons.
    pub(crate) fn person_count(&self) -> u32 {
        match self.stored {
            Some(s) => s.persons,
            None => self.persons.1 - self.persons.0,
        }
    }
}

/// A batch of the person pipeline.
#[derive(Debug, Default)]
pub(crate) struct PersonBatch {
    /// Whether the batch holds households of persons (else a chunk of a household file).
    pub(crate) active: bool,
    pub(crate) households: FlatRecords,
    pub(crate) persons: FlatRecords,
    pub(crate) entries: Vec<Entry>,
    /// The values of households folded on the first pass ([`Entry::stored`]).
    pub(crate) values: Vec<u8>,
}

impl PersonBatch {
    fn clear(&mut self) {
        self.active = true;
        self.households.clear();
        self.persons.clear();
        self.entries.clear();
        self.values.clear();
    }

    fn bytes(&self) -> usize {
        self.households.byte_len() + self.persons.byte_len() + self.values.len()
    }

    /// Split the records the feed held as their lines (on the worker); the
    /// persons' too unless their reader reads lines as they are
    /// ([`crate::input::RowParser::parse_line`]).
    pub(crate) fn split_lines(&mut self, persons_too: bool) {
        self.households.split_lines();
        if persons_too {
            self.persons.split_lines();
        }
    }
}

/// The person file read again as it stands, skipping the runs that were
/// set apart (sorted on temporary files).
struct FileStream<'s> {
    reader: Box<RecordReader>,
    runs: Follow<'s>,
    run_group: &'s [u64],
    /// Per run: read here (else it was sorted); `None`: every run.
    keep: Option<&'s [bool]>,
    /// The group of the record under the cursor, once computed.
    pending: Option<u64>,
}

/// How the second pass follows the file's runs.
enum Follow<'s> {
    /// By their keys, found again in each record.
    Keys { runs: Runs, key: HouseholdKey },
    /// Counted off by the scan's record counts ([`Scanned::run_len`](super::scan)):
    /// the run under the cursor and its records not yet taken. The reader
    /// finds no key.
    Counts {
        lengths: &'s [u32],
        run: usize,
        left: u32,
    },
}

impl<'s> Follow<'s> {
    fn counted(lengths: &'s [u32]) -> Self {
        Follow::Counts {
            lengths,
            run: 0,
            left: lengths.first().copied().unwrap_or(1).max(1),
        }
    }

    /// The run of record `at`, the one under the cursor.
    #[inline]
    fn run_at(&mut self, records: &FlatRecords, at: usize) -> usize {
        match self {
            Follow::Keys { runs, key } => runs.of_at(key, records, at),
            Follow::Counts { run, .. } => *run,
        }
    }

    /// The end of the run of record `at` within `records`.
    #[inline]
    fn run_end(&mut self, records: &FlatRecords, at: usize) -> usize {
        match self {
            Follow::Keys { runs, key } => {
                let mut end = at + 1;
                while end < records.len() && runs.continues_at(key, records, end) {
                    end += 1;
                }
                end
            }
            Follow::Counts { left, .. } => at + (*left as usize).clamp(1, records.len() - at),
        }
    }

    /// `taken` records of the current run were taken.
    #[inline]
    fn taken(&mut self, taken: usize) {
        let Follow::Counts { lengths, run, left } = self else {
            return;
        };
        *left = left.saturating_sub(u32::try_from(taken).unwrap_or(u32::MAX));
        if *left == 0 {
            *run += 1;
            // Past the scan's runs (a file changed since): one record a run.
            *left = lengths.get(*run).copied().unwrap_or(1).max(1);
        }
    }
}

impl FileStream<'_> {
    /// The group of the next record read here, and where it is.
    fn peek(&mut self) -> Result<Option<(u64, usize)>, InputError> {
        loop {
            let Some(at) = self.reader.peek()? else {
                return Ok(None);
            };
            if let Some(g) = self.pending {
                return Ok(Some((g, at)));
            }
            let run = self.runs.run_at(self.reader.records(), at);
            if self
                .keep
                .is_some_and(|k| !k.get(run).copied().unwrap_or(false))
            {
                self.advance();
                continue;
            }
            let g = self.run_group.get(run).copied().unwrap_or(ORPHAN);
            self.pending = Some(g);
            return Ok(Some((g, at)));
        }
    }

    fn advance(&mut self) {
        self.reader.advance();
        self.pending = None;
        self.runs.taken(1);
    }

    /// Take the record [`FileStream::peek`] showed, with the records
    /// after it in the reader's buffer that continue its run, uncopied.
    fn skip_run(&mut self) -> Result<(), InputError> {
        let Some(at) = self.reader.peek()? else {
            return Ok(());
        };
        let end = self.runs.run_end(self.reader.records(), at);
        self.reader.advance_to(end);
        self.pending = None;
        self.runs.taken(end - at);
        Ok(())
    }

    /// Copy the record [`FileStream::peek`] showed into `out`, with the
    /// records after it in the reader's buffer that continue its run (the
    /// same household: one copy for them all), and take them.
    fn take_run(&mut self, out: &mut FlatRecords) -> Result<(), InputError> {
        let Some(at) = self.reader.peek()? else {
            return Ok(());
        };
        let records = self.reader.records();
        let end = self.runs.run_end(records, at);
        out.copy_range(records, at, end);
        self.reader.advance_to(end);
        self.pending = None;
        self.runs.taken(end - at);
        Ok(())
    }
}

/// The persons in group order.
enum Stream<'s> {
    /// Every household's persons folded on the first pass: none is read.
    Folded,
    /// Grouped: the file as it stands.
    File(FileStream<'s>),
    /// Scattered: the file's runs in order, merged by (group, line) with
    /// the sorted others; `from_file` says where the head came from.
    Merged {
        file: FileStream<'s>,
        sorted: Merge,
        from_file: bool,
    },
}

impl Stream<'_> {
    /// The group of the next person, and that person's record (index `.2` of `.1`).
    fn peek(&mut self) -> Result<Option<(u64, &FlatRecords, usize)>, InputError> {
        match self {
            // Never asked: the feed takes folded runs by their group.
            Stream::Folded => Ok(None),
            Stream::File(file) => Ok(file.peek()?.map(|(g, at)| (g, file.reader.records(), at))),
            Stream::Merged {
                file,
                sorted,
                from_file,
            } => {
                let here = file.peek()?;
                let there = sorted.peek().map(|(g, r)| (g, r.line(0)));
                let take_file = match (here, there) {
                    (None, None) => return Ok(None),
                    (Some(_), None) => true,
                    (None, Some(_)) => false,
                    (Some((g, at)), Some(other)) => (g, file.reader.records().line(at)) < other,
                };
                *from_file = take_file;
                if take_file {
                    Ok(here.map(|(g, at)| (g, file.reader.records(), at)))
                } else {
                    Ok(sorted.peek().map(|(g, r)| (g, r, 0)))
                }
            }
        }
    }

    /// Copy the person [`Stream::peek`] showed into `out`, with the
    /// persons after it in the file that continue its run, and take them.
    fn take_run(&mut self, out: &mut FlatRecords, name: &str) -> Result<(), InputError> {
        match self {
            Stream::File(file)
            | Stream::Merged {
                file,
                from_file: true,
                ..
            } => file.take_run(out),
            Stream::Merged { sorted, .. } => {
                if let Some((_, records)) = sorted.peek() {
                    out.copy_from(records, 0);
                }
                self.advance(name)
            }
            Stream::Folded => Ok(()),
        }
    }

    /// [`Stream::take_run`] without copying: the run's persons were
    /// folded on the first pass.
    fn skip_run(&mut self, name: &str) -> Result<(), InputError> {
        match self {
            Stream::File(file)
            | Stream::Merged {
                file,
                from_file: true,
                ..
            } => file.skip_run(),
            Stream::Merged { .. } => self.advance(name),
            Stream::Folded => Ok(()),
        }
    }

    /// Take the person [`Stream::peek`] showed.
    fn advance(&mut self, name: &str) -> Result<(), InputError> {
        match self {
            Stream::File(file)
            | Stream::Merged {
                file,
                from_file: true,
                ..
            } => {
                file.advance();
                Ok(())
            }
            Stream::Merged { sorted, .. } => sorted.advance().map_err(|e| InputError::Io {
                file: format!("the sorted copy of {name}"),
                source: e,
            }),
            Stream::Folded => Ok(()),
        }
    }
}

/// Hands out batches of whole households, in output order.
pub(crate) struct PersonFeed<'s> {
    kind: PersonLayout,
    person_name: String,
    households: Option<RecordReader>,
    /// Index of the next household record.
    next_household: u64,
    persons: Stream<'s>,
    /// The households folded on the first pass.
    stored: Option<&'s super::StoredRuns>,
    /// Blank rows not yet reported in a batch.
    blanks: u64,
    reported_household_blanks: u64,
}

impl<'s> PersonFeed<'s> {
    /// `ahead`: read both files on threads of their own (the feed is one
    /// thread that every worker waits on). Either way the records of
    /// quote-free chunks are held as their lines, with only the person
    /// key found: the workers split them ([`PersonBatch::split_lines`]),
    /// or read the persons' lines as they are.
    pub(crate) fn open(
        plan: &'s PersonPlan<'_>,
        chunk_bytes: usize,
        ahead: bool,
    ) -> Result<Self, PersonError> {
        let setup = plan.setup;
        let reader = |source, key: &HouseholdKey| {
            let r = RecordReader::new(source, chunk_bytes).keyed_lines(key);
            if ahead { r.read_ahead() } else { r }
        };
        let households = setup
            .open_households()?
            .map(|s| reader(s, &HouseholdKey::Absent));
        let file = |run_group, keep, lengths: Option<&'s [u32]>| {
            let runs = match lengths {
                Some(lengths) => Follow::counted(lengths),
                None => Follow::Keys {
                    runs: Runs::default(),
                    key: setup.person_key.clone(),
                },
            };
            // Runs counted off need no key: the reader finds none.
            let key = match runs {
                Follow::Counts { .. } => &HouseholdKey::Absent,
                Follow::Keys { .. } => &setup.person_key,
            };
            Ok::<_, PersonError>(FileStream {
                reader: Box::new(reader(setup.open_persons()?, key)),
                runs,
                run_group,
                keep,
                pending: None,
            })
        };
        let (persons, stored) = match &plan.order {
            Order::Grouped {
                stored: Some(stored),
                ..
            } if stored.every => (Stream::Folded, Some(stored)),
            Order::Grouped {
                run_group,
                run_len,
                stored,
            } => {
                let lengths = run_len
                    .as_deref()
                    .or_else(|| stored.as_ref().map(super::StoredRuns::run_len));
                (
                    Stream::File(file(run_group, None, lengths)?),
                    stored.as_ref(),
                )
            }
            Order::Sorted {
                run_group,
                keep,
                runs,
                stored,
            } => (
                Stream::Merged {
                    file: file(run_group, Some(keep), None)?,
                    sorted: Merge::open(runs).map_err(PersonError::Spill)?,
                    from_file: false,
                },
                stored.as_ref(),
            ),
        };
        Ok(PersonFeed {
            kind: setup.kind,
            person_name: setup.person_name.clone(),
            households,
            next_household: 0,
            persons,
            stored,
            blanks: plan.person_blanks,
            reported_household_blanks: 0,
        })
    }

    /// Fill `batch` with whole households of about `target` bytes; false at the end.
    pub(crate) fn next(
        &mut self,
        target: usize,
        batch: &mut PersonBatch,
        skipped: &mut u64,
    ) -> Result<bool, InputError> {
        batch.clear();
        while batch.bytes() < target.max(1) {
            let more = match self.kind {
                PersonLayout::Rectangular => self.rectangular(batch)?,
                PersonLayout::TwoFiles => self.two_files(batch)?,
            };
            if !more {
                break;
            }
        }
        if let Some(h) = &self.households {
            self.blanks += h.skipped - self.reported_household_blanks;
            self.reported_household_blanks = h.skipped;
        }
        *skipped = std::mem::take(&mut self.blanks);
        Ok(!batch.entries.is_empty() || *skipped > 0)
    }

    /// Take the persons of group `group` at the head of the stream.
    fn take_group(
        &mut self,
        group: u64,
        batch: &mut PersonBatch,
    ) -> Result<(u32, u32), InputError> {
        let start = batch.persons.len() as u32;
        // A run of the file is taken whole: its persons are one
        // household's and come one after the other (in a merge too, where
        // no set-apart person's line falls inside another run).
        while let Some((g, ..)) = self.persons.peek()? {
            if g != group {
                break;
            }
            self.persons
                .take_run(&mut batch.persons, &self.person_name)?;
        }
        Ok((start, batch.persons.len() as u32))
    }

    /// A lone person at the head of the stream, if its group is `ORPHAN`
    /// (or `always`).
    fn orphan(&mut self, batch: &mut PersonBatch, always: bool) -> Result<bool, InputError> {
        match self.persons.peek()? {
            Some((g, records, at)) if g == ORPHAN || always => {
                let i = batch.persons.len() as u32;
                batch.persons.copy_from(records, at);
                let line = batch.persons.line(i as usize);
                batch.entries.push(Entry {
                    line,
                    household: None,
                    persons: (i, i + 1),
                    orphan: true,
                    stored: None,
                });
            }
            _ => return Ok(false),
        }
        self.persons.advance(&self.person_name)?;
        Ok(true)
    }

    fn rectangular(&mut self, batch: &mut PersonBatch) -> Result<bool, InputError> {
        let group = match self.persons.peek()? {
            None => return Ok(false),
            Some((g, ..)) => g,
        };
        if group == ORPHAN {
            return self.orphan(batch, true);
        }
        let persons = self.take_group(group, batch)?;
        let line = batch.persons.line(persons.0 as usize);
        batch.entries.push(Entry {
            line,
            household: None,
            persons,
            orphan: false,
            stored: None,
        });
        Ok(true)
    }

    /// Folded on the first pass: the household file's records as read, a
    /// chunk at a time, each with its values.
    fn folded(&mut self, batch: &mut PersonBatch) -> Result<bool, InputError> {
        let (Some(households), Some(stored)) = (&mut self.households, self.stored) else {
            return Ok(false);
        };
        let first = batch.households.len();
        let taken = households.take_buffered(&mut batch.households)?;
        let at = batch.persons.len() as u32;
        for h in first..first + taken {
            let index = self.next_household;
            self.next_household += 1;
            let stored = stored.take(index, batch);
            batch.entries.push(Entry {
                line: batch.households.line(h),
                household: Some(h as u32),
                persons: (at, at),
                orphan: false,
                stored,
            });
        }
        Ok(taken > 0)
    }

    fn two_files(&mut self, batch: &mut PersonBatch) -> Result<bool, InputError> {
        if matches!(self.persons, Stream::Folded) {
            return self.folded(batch);
        }
        // Lone persons where they stand (grouped), or at the end (sorted).
        if self.orphan(batch, false)? {
            return Ok(true);
        }
        let Some(households) = &mut self.households else {
            return Ok(false);
        };
        let Some(at) = households.peek()? else {
            // Every household is out: whoever is left has none.
            return self.orphan(batch, true);
        };
        let h = batch.households.len() as u32;
        batch.households.copy_from(households.records(), at);
        households.advance();
        let index = self.next_household;
        self.next_household += 1;
        let (persons, stored) = match self.stored.and_then(|s| s.take(index, batch)) {
            Some(stored) => {
                // Its persons, folded already, are passed over where they
                // stand (a lone person after them is reported after it, as
                // always).
                while let Some((g, ..)) = self.persons.peek()? {
                    if g != index {
                        break;
                    }
                    self.persons.skip_run(&self.person_name)?;
                }
                let at = batch.persons.len() as u32;
                ((at, at), Some(stored))
            }
            None => (self.take_group(index, batch)?, None),
        };
        let line = batch.households.line(h as usize);
        batch.entries.push(Entry {
            line,
            household: Some(h),
            persons,
            orphan: false,
            stored,
        });
        Ok(true)
    }
}
