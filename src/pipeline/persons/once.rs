//! The first pass, folding as it goes: the person file's runs numbered
//! *and* each household's persons folded into its supplied values, on
//! every worker, while the household file is indexed. A household whose
//! persons are one run, in household order, that folded without a problem
//! takes its values from here on the second pass, which does not read its
//! persons again; when every household does, the person file is read once.
//!
//! ```text
//!  reader (this thread)        workers (each a chunk)          here, in chunk order
//!  ────────────────────        ──────────────────────          ────────────────────
//!  chunks of whole records ──▶ lines, keys, runs; every   ──▶  a run cut by a chunk's
//!                              run but the chunk's first        edge joined and folded;
//!                              and last folded                  the runs appended in order
//! ```
//!
//! A household whose persons the fast reading does not take (a line the
//! full parser must read, a repeated person number, persons that give no
//! value) keeps no values: its persons are read again on the second pass,
//! which reports its reject as it always did; so are the persons of a
//! household split into several runs. So are the households after the
//! stored values reach their bound ([`Folded::limit`], [`MOST_VALUES`]):
//! memory stays bounded, and the runs are still numbered. A quote, a row
//! without a key or a read error (a record too long, say) stops the fold:
//! the file is scanned again the usual way (`scan::person_runs`), which
//! reports the error with its line (the fold counts no lines).

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{channel, sync_channel};
use std::sync::{Arc, Mutex};

use super::work::PersonWork;
use super::{PersonLayout, PersonRuns, PersonSetup};
use crate::input::flat::{HouseholdKey, key_of_line, quote_free_lines_of};
use crate::input::{ChunkStart, InputError, fingerprint};
use crate::policy::Policy;
use crate::policy::persons::Persons;

/// The supplied values of every run of the person file, in file order.
#[derive(Debug)]
pub(crate) struct Folded {
    /// The runs' values one after another, each run's in `supplied` order
    /// ([`crate::policy::persons::Reduced::encode`]).
    values: Vec<u8>,
    /// Where each run's values end in `values`.
    ends: Vec<u32>,
    /// Per run: folded (else its persons are read again on the second
    /// pass, which reports what the fold left: a reject, a problem).
    stored: Vec<bool>,
    /// The most bytes of values kept (at most `u32::MAX`).
    limit: usize,
    /// The limit was reached: no run after is folded.
    full: bool,
}

impl Folded {
    fn new(limit: usize) -> Folded {
        Folded {
            values: Vec::new(),
            ends: Vec::new(),
            stored: Vec::new(),
            limit: limit.min(u32::MAX as usize),
            full: false,
        }
    }

    /// The values of run `r`, if it was folded.
    pub(crate) fn run(&self, r: usize) -> Option<&[u8]> {
        if !*self.stored.get(r)? {
            return None;
        }
        let start = match r {
            0 => 0,
            _ => *self.ends.get(r - 1)? as usize,
        };
        self.values.get(start..*self.ends.get(r)? as usize)
    }

    /// Whether run `r` was folded.
    pub(crate) fn stored(&self, r: usize) -> bool {
        self.stored.get(r).copied().unwrap_or(false)
    }

    /// The number of runs.
    pub(crate) fn len(&self) -> usize {
        self.ends.len()
    }

    /// Append runs whose values end at `ends` in `values` (`stored` says
    /// which were folded). Past [`Folded::limit`] bytes of values they are
    /// appended as not folded, and so is every run after them.
    fn append(&mut self, values: &[u8], ends: &[u32], stored: &[bool]) {
        let base = self.values.len();
        if !self.full && base + values.len() <= self.limit {
            self.values.extend_from_slice(values);
            // Within the limit, itself within `u32`.
            self.ends.extend(ends.iter().map(|&e| e + base as u32));
            self.stored.extend_from_slice(stored);
            return;
        }
        self.full = true;
        self.ends.extend(ends.iter().map(|_| base as u32));
        self.stored.extend(ends.iter().map(|_| false));
    }
}

/// The most bytes of values kept (about 17 a household for the default
/// policy: some 7 million households); the households after them are
/// read on the second pass, as when nothing is folded.
pub(crate) const MOST_VALUES: usize = 128 << 20;

/// A run cut by a chunk's edge, kept as its lines until it is whole.
#[derive(Debug, Default)]
struct OpenRun {
    key: Vec<u8>,
    /// Its lines, each followed by `\n`.
    lines: Vec<u8>,
    count: u32,
}

impl OpenRun {
    fn push(&mut self, line: &[u8]) {
        self.lines.extend_from_slice(line);
        self.lines.push(b'\n');
        self.count += 1;
    }
}

/// The runs of one chunk, its first and last kept as lines (they may
/// continue in the chunks beside it), the others folded.
#[derive(Debug, Default)]
struct ChunkRuns {
    blanks: u64,
    head: OpenRun,
    keys: Vec<u128>,
    lengths: Vec<u32>,
    values: Vec<u8>,
    ends: Vec<u32>,
    stored: Vec<bool>,
    /// The chunk's last run, when it is not its first.
    tail: Option<OpenRun>,
    /// Something only the usual reading takes.
    refused: bool,
}

impl ChunkRuns {
    /// Empty, keeping the buffers (a chunk's runs are handed back to be
    /// filled again: fresh ones would be fresh pages every chunk).
    fn clear(&mut self) {
        self.blanks = 0;
        self.head.key.clear();
        self.head.lines.clear();
        self.head.count = 0;
        self.keys.clear();
        self.lengths.clear();
        self.values.clear();
        self.ends.clear();
        self.stored.clear();
        self.tail = None;
        self.refused = false;
    }
}

/// Fold the runs of one chunk (see [`ChunkRuns`]).
fn fold_chunk(
    work: &mut PersonWork<'_>,
    data: &[u8],
    start: ChunkStart,
    delimiter: u8,
    column: usize,
    fold: bool,
    out: &mut ChunkRuns,
) {
    // The current run: its key, records, and its lines' places in `data`
    // (kept in case it is the chunk's last).
    let mut key: Vec<u8> = Vec::new();
    let mut count = 0u32;
    let mut started = false;
    let mut in_head = true;
    // The current run's persons were all folded so far.
    let mut folding = true;
    let mut places: Vec<(usize, usize)> = Vec::new();
    let base = data.as_ptr() as usize;
    let quote_free = quote_free_lines_of(data, start, delimiter, |_, line| {
        if out.refused {
            return;
        }
        // Read first: a line read has its key in its key cell, as
        // `key_of_line` finds it, which then need not look for it again.
        let parsed = fold && work.parse_person(line, delimiter);
        let cell = parsed
            .then(|| work.parsed_field(line, column))
            .flatten()
            .filter(|k| !k.is_empty());
        let k = match cell {
            Some(k) => Some(Some(k)),
            None => key_of_line(line, delimiter, column),
        };
        let k = match k {
            None => {
                out.blanks += 1;
                return;
            }
            Some(None) => {
                out.refused = true;
                return;
            }
            Some(Some(k)) => k,
        };
        if !started || k != key.as_slice() {
            if started && !in_head {
                let stored = folding && work.finish_run(&mut out.values);
                out.keys.push(fingerprint(&key));
                out.lengths.push(count);
                out.ends.push(out.values.len() as u32);
                out.stored.push(stored);
            }
            in_head = !started;
            started = true;
            key.clear();
            key.extend_from_slice(k);
            count = 0;
            folding = fold;
            places.clear();
            work.start_run();
            if in_head {
                out.head.key.extend_from_slice(k);
            }
        }
        count = count.saturating_add(1);
        if in_head {
            out.head.push(line);
            return;
        }
        // A slice of `data` (checked when the tail is copied).
        places.push(((line.as_ptr() as usize).wrapping_sub(base), line.len()));
        // A person the fast reading leaves to the full parser: the run is
        // read again on the second pass.
        folding = folding && parsed && work.add_parsed(line);
    });
    if !quote_free {
        out.refused = true;
    }
    if count == u32::MAX {
        out.refused = true;
    }
    if out.refused || !started || in_head {
        return;
    }
    let mut tail = OpenRun {
        key,
        ..OpenRun::default()
    };
    for &(at, len) in &places {
        match at.checked_add(len).and_then(|end| data.get(at..end)) {
            Some(line) => tail.push(line),
            None => out.refused = true,
        }
    }
    out.tail = Some(tail);
}

/// Joins the chunks' runs in file order; folds the runs cut by an edge.
struct Collector<'w> {
    work: PersonWork<'w>,
    delimiter: u8,
    runs: PersonRuns,
    folded: Folded,
    /// The last run so far, perhaps not whole.
    open: Option<OpenRun>,
    refused: bool,
    values: Vec<u8>,
}

impl Collector<'_> {
    fn take(&mut self, chunk: &mut ChunkRuns) {
        if chunk.refused {
            self.refused = true;
        }
        if self.refused {
            return;
        }
        self.runs.person_blanks += chunk.blanks;
        if chunk.head.count > 0 {
            match &mut self.open {
                Some(open) if open.key == chunk.head.key => {
                    open.lines.extend_from_slice(&chunk.head.lines);
                    open.count = match open.count.checked_add(chunk.head.count) {
                        Some(c) => c,
                        None => {
                            self.refused = true;
                            return;
                        }
                    };
                }
                _ => {
                    self.close();
                    self.open = Some(std::mem::take(&mut chunk.head));
                }
            }
        }
        let Some(tail) = chunk.tail.take() else {
            return;
        };
        // The head is whole: the runs after it follow.
        self.close();
        self.folded
            .append(&chunk.values, &chunk.ends, &chunk.stored);
        self.runs.keys.extend_from_slice(&chunk.keys);
        if let Some(lengths) = &mut self.runs.lengths {
            lengths.extend_from_slice(&chunk.lengths);
        }
        self.open = Some(tail);
    }

    /// Fold the open run, now whole.
    fn close(&mut self) {
        let Some(run) = self.open.take() else {
            return;
        };
        if self.refused {
            return;
        }
        self.work.start_run();
        let folded = !self.folded.full
            && run
                .lines
                .split(|&b| b == b'\n')
                .take(run.count as usize)
                .all(|line| self.work.fold_line(line, self.delimiter));
        self.values.clear();
        let stored = folded && self.work.finish_run(&mut self.values);
        let end = [self.values.len() as u32];
        self.folded.append(&self.values, &end, &[stored]);
        self.runs.keys.push(fingerprint(&run.key));
        if let Some(lengths) = &mut self.runs.lengths {
            lengths.push(run.count);
        }
    }
}

/// The person file's runs and every run's values, read on `threads`
/// workers; `None` when the fold does not apply (not two files, a
/// composite key, lines the fast reading cannot take) or stopped (see the
/// module's notes): then the file is scanned the usual way.
pub(super) fn fold_runs(
    policy: &Policy,
    persons: &Persons,
    setup: &PersonSetup,
    chunk_bytes: usize,
    threads: usize,
) -> Option<Result<(PersonRuns, Folded), InputError>> {
    fold_runs_within(policy, persons, setup, chunk_bytes, threads, MOST_VALUES)
}

/// [`fold_runs`], keeping at most `limit` bytes of values.
fn fold_runs_within(
    policy: &Policy,
    persons: &Persons,
    setup: &PersonSetup,
    chunk_bytes: usize,
    threads: usize,
    limit: usize,
) -> Option<Result<(PersonRuns, Folded), InputError>> {
    let HouseholdKey::One(column) = setup.person_key else {
        return None;
    };
    if setup.kind != PersonLayout::TwoFiles || threads == 0 {
        return None;
    }
    let collector_work = PersonWork::new(policy, persons, setup);
    if !collector_work.reads_lines() {
        return None;
    }
    let source = match setup.open_persons() {
        Ok(s) => s,
        Err(e) => return Some(Err(e)),
    };
    let delimiter = source.delimiter;
    let mut chunker = source.chunker;
    // No line is shown from here: a problem goes to the usual scan, which
    // reads the file again and tells its line.
    chunker.without_line_numbers();
    let mut collector = Collector {
        work: collector_work,
        delimiter,
        runs: PersonRuns {
            keys: Vec::new(),
            keyless: Vec::new(),
            lengths: Some(Vec::new()),
            person_blanks: 0,
        },
        folded: Folded::new(limit),
        open: None,
        refused: false,
        values: Vec::new(),
    };
    let refused = AtomicBool::new(false);
    // The values reached their limit: the workers only number the runs.
    let full = AtomicBool::new(false);
    let (jobs, job_queue) = sync_channel::<(u64, Vec<u8>, ChunkStart, ChunkRuns)>(threads * 2);
    let job_queue = Arc::new(Mutex::new(job_queue));
    let (done_tx, done) = channel::<(u64, Vec<u8>, ChunkRuns)>();
    std::thread::scope(|scope| {
        for _ in 0..threads {
            let queue = Arc::clone(&job_queue);
            let done_tx = done_tx.clone();
            let refused = &refused;
            let full = &full;
            let started = std::thread::Builder::new()
                .name("layak-fold".into())
                .spawn_scoped(scope, move || {
                    let mut work = PersonWork::new(policy, persons, setup);
                    loop {
                        let job = match queue.lock() {
                            Ok(q) => q.recv(),
                            Err(_) => return,
                        };
                        let Ok((seq, data, start, mut out)) = job else {
                            return;
                        };
                        out.clear();
                        if refused.load(Ordering::Relaxed) {
                            out.refused = true;
                        } else {
                            let fold = !full.load(Ordering::Relaxed);
                            fold_chunk(&mut work, &data, start, delimiter, column, fold, &mut out);
                        }
                        if out.refused {
                            refused.store(true, Ordering::Relaxed);
                        }
                        if done_tx.send((seq, data, out)).is_err() {
                            return;
                        }
                    }
                });
            if started.is_err() {
                refused.store(true, Ordering::Relaxed);
            }
        }
        drop(done_tx);
        let mut sent = 0u64;
        let mut waiting: BTreeMap<u64, ChunkRuns> = BTreeMap::new();
        // The next chunk to collect.
        let next = std::cell::Cell::new(0u64);
        let mut spare: Vec<Vec<u8>> = Vec::new();
        let mut spare_runs: Vec<ChunkRuns> = Vec::new();
        let mut collect = |item: (u64, Vec<u8>, ChunkRuns),
                           spare: &mut Vec<Vec<u8>>,
                           spare_runs: &mut Vec<ChunkRuns>,
                           collector: &mut Collector<'_>| {
            let (seq, data, runs) = item;
            spare.push(data);
            waiting.insert(seq, runs);
            while let Some(mut runs) = waiting.remove(&next.get()) {
                collector.take(&mut runs);
                if collector.folded.full {
                    full.store(true, Ordering::Relaxed);
                }
                spare_runs.push(runs);
                next.set(next.get() + 1);
            }
        };
        // At most this many chunks between the reader and the collector, so
        // that a slow chunk does not let the others pile up behind it.
        let in_flight = 4 * threads as u64;
        while !refused.load(Ordering::Relaxed) {
            while sent - next.get() >= in_flight {
                match done.recv() {
                    Ok(item) => collect(item, &mut spare, &mut spare_runs, &mut collector),
                    Err(_) => break,
                }
            }
            let mut data = spare.pop().unwrap_or_default();
            match chunker.next_chunk(chunk_bytes.max(1), &mut data) {
                Ok(Some(start)) => {
                    let runs = spare_runs.pop().unwrap_or_default();
                    if jobs.send((sent, data, start, runs)).is_err() {
                        refused.store(true, Ordering::Relaxed);
                        break;
                    }
                    sent += 1;
                }
                Ok(None) => break,
                Err(_) => {
                    // Read again by the usual scan, which reports it with
                    // its line (this chunker counts none).
                    refused.store(true, Ordering::Relaxed);
                    break;
                }
            }
            while let Ok(item) = done.try_recv() {
                collect(item, &mut spare, &mut spare_runs, &mut collector);
            }
        }
        drop(jobs);
        while let Ok(item) = done.recv() {
            collect(item, &mut spare, &mut spare_runs, &mut collector);
        }
    });
    collector.close();
    if collector.refused || refused.load(Ordering::Relaxed) {
        return None;
    }
    Some(Ok((collector.runs, collector.folded)))
}

#[cfg(test)]
mod tests;
