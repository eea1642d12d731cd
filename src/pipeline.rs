//! The parallel streaming pipeline that joins the stages:
//!
//! ```text
//!  reader thread          worker threads (N)                 merger (caller's thread)
//!  ─────────────          ──────────────────                 ────────────────────────
//!  Chunker: cut the  ──▶  parse CSV, typed cells,      ──▶   re-sequence by batch index,
//!  input into chunks      decide, write decisions            claim ids (duplicates),
//!  of whole records       into the batch's byte buffer       write output and rejects
//!          ▲                                                          │
//!          └────────────── empty batches return to a fixed pool ◀─────┘
//! ```
//!
//! Memory is bounded by the pool: at most `2 × threads + 2` batches exist,
//! each holding one chunk of input and its output, and their buffers are
//! reused, so a steady-state row allocates nothing. Output is byte-identical
//! for any thread count: chunk boundaries depend only on the input, every
//! batch is written in input order, and everything order-dependent
//! (duplicate ids, JSON separators, `--strict`) happens in the merger.
//!
//! Duplicate detection must see rows in order, so workers only compute each
//! row's id fingerprint and the merger claims it; a row whose id was seen
//! before becomes a `duplicate_id` reject there (unless it already failed at
//! an input declared before the id).
//!
//! A summary (`--summary`) is counted by the workers, one accumulator per
//! batch, and folded in by the merger, which takes a row out again when it
//! turns it into a `duplicate_id` reject. Every figure is an integer sum, so
//! the result does not depend on the thread count. With `--by`, the workers
//! also find each rejected row's group (`pipeline/group_key.rs`) and the
//! merger counts the reject there under the code it finally reports.
//!
//! Budget targeting (`--budget`) runs the pipeline twice: [`rank`] decides
//! every row without writing and collects the eligible households
//! ([`budget::Collector`]); [`assess_with`] given the [`budget::Ranking`]
//! then writes every decision with its `funded` and `rank` fields.

pub mod budget;
mod group_key;

use std::collections::BTreeMap;
use std::io::{self, Write};
use std::sync::mpsc::{Receiver, SyncSender, sync_channel};
use std::sync::{Arc, Mutex};

use crate::engine::{Engine, Scratch};
use crate::input::record::{LineCounter, QuoteFree, chunk_reader, is_blank};
use crate::input::{
    self, ChunkStart, Fields, IdSet, InputError, Layout, Reject, RejectCode, RowParser, Source,
};
use crate::policy::Policy;
use crate::report::summary::{self, BatchAcc, BudgetStanding, NO_GROUP, SummarySpec};
use crate::report::{Decision, DecisionWriter, Format};
use budget::{Collector, Ranking};

/// How to run the pipeline.
#[derive(Debug, Clone)]
pub struct Options {
    /// Worker threads; 1 runs everything on the calling thread.
    pub threads: usize,
    /// Target size of one chunk of input, in bytes.
    pub chunk_bytes: usize,
    /// Stop at the first reject (in input order).
    pub strict: bool,
    /// Validation: report every bad cell of a rejected row, not only the first.
    pub all_errors: bool,
}

impl Default for Options {
    fn default() -> Self {
        let threads = default_threads();
        Options {
            threads,
            chunk_bytes: default_chunk_bytes(threads),
            strict: false,
            all_errors: false,
        }
    }
}

/// The chunk size for a thread count. One thread processes and writes each
/// chunk in turn, so a small chunk keeps the chunk and its output (about
/// 4.5 times the input, for CSV with reasons) in the core's L2 cache: 64 KiB
/// is ~3% faster than 256 KiB there (median of 15 paired runs). With
/// workers, larger chunks mean fewer hand-offs between threads: 64 KiB is
/// ~7% slower than 256 KiB at two threads.
pub fn default_chunk_bytes(threads: usize) -> usize {
    if threads <= 1 { 64 * 1024 } else { 256 * 1024 }
}

/// Every core the process may use.
pub fn default_threads() -> usize {
    std::thread::available_parallelism().map_or(1, usize::from)
}

/// Counts of a finished run: `read == decided + rejected`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Totals {
    /// Data rows read: blank rows are not data and not counted here.
    pub read: u64,
    pub decided: u64,
    pub rejected: u64,
    /// Rejects per code, in [`RejectCode::ALL`] order.
    pub rejects_by_code: [u64; RejectCode::ALL.len()],
    /// Blank rows skipped: only spaces and tabs, or only empty cells (a
    /// spreadsheet's trailing `;;;;;;` rows). Empty lines are not counted.
    pub skipped: u64,
}

/// Why a run stopped early.
#[derive(Debug, thiserror::Error)]
pub enum PipelineError {
    #[error(transparent)]
    Input(#[from] InputError),
    #[error("cannot write the output: {0}")]
    Output(#[source] io::Error),
    /// A strict run stopped at its first reject.
    #[error("stopped at the first rejected row: {0}")]
    Strict(Box<Reject>),
    /// Budget ranking keeps every eligible row in memory, up to a limit.
    #[error("budget ranking takes at most {limit} rows", limit = budget::MAX_ROWS)]
    TooManyRows,
    /// The writing pass of a ranking found other rows than the ranking pass.
    #[error(
        "the input changed between the ranking pass and the writing pass: batch {batch} starts at row {second}, not {first}"
    )]
    InputChanged { batch: u64, first: u64, second: u64 },
    #[error("cannot start {wanted} worker threads: {source}")]
    Threads {
        wanted: usize,
        #[source]
        source: io::Error,
    },
}

/// Receives rejects in input order.
pub trait RejectSink {
    fn reject(&mut self, reject: &Reject) -> io::Result<()>;
    /// Another problem of the row just rejected (validation with
    /// `all_errors`): not a row of its own, so not in the totals.
    fn also(&mut self, _problem: &Reject) -> io::Result<()> {
        Ok(())
    }
}

/// Rejects kept in memory (tests and small runs).
impl RejectSink for Vec<Reject> {
    fn reject(&mut self, reject: &Reject) -> io::Result<()> {
        self.push(reject.clone());
        Ok(())
    }
}

/// One row's result inside a batch.
#[derive(Debug, Clone, Copy)]
struct Row {
    line: u64,
    /// The id fingerprint the row claims (`None`: it claims nothing).
    fingerprint: Option<u128>,
    /// The id's bytes in `Batch::ids`.
    id: (usize, usize),
    /// Decided: end of its bytes in `Batch::out`. Rejected: `usize::MAX`.
    /// (Offsets are `usize`: one batch's output can pass 4 GiB when a
    /// policy writes long reasons.)
    end: usize,
    /// Rejected: index in `Batch::rejects`; the row's further problems
    /// (validation with `all_errors`) follow it there.
    reject: usize,
    more: usize,
    /// Counted in the batch's summary: its index there (`u32::MAX`: not counted).
    /// A batch holds fewer than 2³¹ rows (each takes at least two bytes of a
    /// chunk, and `--chunk-bytes` is a `u32`).
    fact: u32,
    /// Its group in the batch's summary, where a reject is counted too
    /// (`NO_GROUP`: none, or no summary).
    group: u32,
    /// Ranking pass: the priority key and monthly total of an eligible row.
    /// Writing pass with a ranking: whether the row was written with a rank.
    eligible: bool,
    priority: i32,
    monthly: u64,
}

impl Row {
    fn new(line: u64, fingerprint: Option<u128>, id: (usize, usize)) -> Row {
        Row {
            line,
            fingerprint,
            id,
            end: usize::MAX,
            reject: 0,
            more: 0,
            fact: u32::MAX,
            group: NO_GROUP,
            eligible: false,
            priority: 0,
            monthly: 0,
        }
    }
}

/// A chunk of input and, once processed, its output.
struct Batch {
    index: u64,
    start: ChunkStart,
    data: Vec<u8>,
    out: Vec<u8>,
    rows: Vec<Row>,
    ids: Vec<u8>,
    rejects: Vec<Reject>,
    summary: BatchAcc,
    /// Blank rows skipped in this chunk.
    skipped: u64,
}

impl Default for Batch {
    fn default() -> Self {
        Batch {
            index: 0,
            start: ChunkStart { line: 1, before: 0 },
            data: Vec::new(),
            out: Vec::new(),
            rows: Vec::new(),
            ids: Vec::new(),
            rejects: Vec::new(),
            summary: BatchAcc::default(),
            skipped: 0,
        }
    }
}

/// The reject for a row the policy could not decide.
pub fn evaluation_reject<R: crate::input::Fields + ?Sized>(
    parser: &RowParser<'_>,
    record: &R,
    line: u64,
    e: &crate::engine::EvalError,
) -> Reject {
    Reject {
        line,
        household_id: String::from_utf8_lossy(parser.id_cell(record).unwrap_or_default())
            .into_owned(),
        column: String::new(),
        value: if e.value.is_nan() {
            "NaN".into()
        } else {
            e.value.to_string()
        },
        code: RejectCode::Evaluation,
        message: format!("the policy cannot decide this row: {e}"),
    }
}

/// What the workers do with each valid row.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Job {
    /// Decide it and write the decision in this format.
    Assess(Format),
    /// Only read and check it (`layak validate`): nothing is written.
    Validate,
    /// Decide it without writing, for budget ranking.
    Rank,
}

/// What a run does: the job, and what it adds to the decisions.
#[derive(Clone, Copy)]
struct Plan<'a> {
    job: Job,
    summary: Option<&'a SummarySpec>,
    ranking: Option<&'a Ranking>,
    /// Every bad cell of a rejected row is reported (validation only).
    all_errors: bool,
}

impl Plan<'_> {
    fn format(&self) -> Format {
        match self.job {
            Job::Assess(f) => f,
            Job::Validate | Job::Rank => Format::Ndjson,
        }
    }
}

/// Add the `funded` and `rank` fields at the end of a decision just written.
fn append_budget(format: Format, out: &mut Vec<u8>, rank: Option<u32>, funded: bool) {
    let word: &[u8] = if funded { b"true" } else { b"false" };
    match format {
        Format::Csv => {
            debug_assert_eq!(out.last(), Some(&b'\n'));
            out.pop();
            out.push(b',');
            out.extend_from_slice(word);
            out.push(b',');
            if let Some(r) = rank {
                crate::numfmt::write_u64(u64::from(r), out);
            }
            out.push(b'\n');
        }
        Format::Json | Format::Ndjson => {
            let newline = format == Format::Ndjson;
            if newline {
                debug_assert_eq!(out.last(), Some(&b'\n'));
                out.pop();
            }
            debug_assert_eq!(out.last(), Some(&b'}'));
            out.pop();
            out.extend_from_slice(b",\"funded\":");
            out.extend_from_slice(word);
            out.extend_from_slice(b",\"rank\":");
            match rank {
                Some(r) => crate::numfmt::write_u64(u64::from(r), out),
                None => out.extend_from_slice(b"null"),
            }
            out.push(b'}');
            if newline {
                out.push(b'\n');
            }
        }
    }
}

/// A worker's reusable state.
struct Worker<'p> {
    parser: RowParser<'p>,
    engine: Engine<'p>,
    scratch: Scratch,
    writer: DecisionWriter<'p>,
    record: csv::ByteRecord,
    /// Field bounds of the current record of a quote-free chunk.
    bounds: Vec<(u32, u32)>,
    delimiter: u8,
    name: &'p str,
    job: Job,
    summary: Option<&'p SummarySpec>,
    ranking: Option<&'p Ranking>,
    /// The current row's `--by` value.
    key: Vec<u8>,
    /// Report every bad cell of a rejected row (validation).
    all_errors: bool,
}

impl<'p> Worker<'p> {
    fn new(
        policy: &'p Policy,
        layout: &'p Layout,
        plan: Plan<'p>,
        delimiter: u8,
        name: &'p str,
    ) -> Worker<'p> {
        let engine = Engine::new(policy);
        let format = plan.format();
        Worker {
            parser: RowParser::new(policy, layout),
            scratch: engine.scratch(),
            engine,
            writer: DecisionWriter::new(policy, format),
            record: csv::ByteRecord::new(),
            bounds: Vec::new(),
            delimiter,
            name,
            job: plan.job,
            summary: plan.summary,
            ranking: plan.ranking,
            key: Vec::new(),
            all_errors: plan.all_errors,
        }
    }

    /// Parse, decide and write every row of the batch's chunk.
    fn process(&mut self, batch: &mut Batch) -> Result<(), InputError> {
        batch.out.clear();
        batch.rows.clear();
        batch.ids.clear();
        batch.rejects.clear();
        batch.summary.clear();
        batch.skipped = 0;
        // With a ranking: the index of this batch's first row among all rows,
        // and where its eligible rows start in the ranking.
        let base = self
            .ranking
            .map_or(0, |r| r.batch_base(batch.index).unwrap_or(u64::MAX / 2));
        let mut cursor = self.ranking.map_or(0, |r| r.cursor(base));
        // The rows are read from the chunk while the batch's other buffers fill.
        let data = std::mem::take(&mut batch.data);
        let result = self.rows(&data, batch, base, &mut cursor);
        batch.data = data;
        result
    }

    /// Read the chunk's records: split in place when it holds no quote (the
    /// common case, several times cheaper), with the csv crate otherwise.
    fn rows(
        &mut self,
        data: &[u8],
        batch: &mut Batch,
        base: u64,
        cursor: &mut usize,
    ) -> Result<(), InputError> {
        if let Some(mut split) =
            QuoteFree::new(data, self.delimiter, batch.start.line, batch.start.before)
        {
            let mut bounds = std::mem::take(&mut self.bounds);
            while let Some((line, record)) = split.next_record(&mut bounds) {
                self.row(&record, line, batch, base, cursor);
            }
            self.bounds = bounds;
            return Ok(());
        }
        let mut reader = chunk_reader(data, self.delimiter);
        let mut lines = LineCounter::new(data, batch.start);
        let mut record = std::mem::take(&mut self.record);
        let result = loop {
            match reader.read_byte_record(&mut record) {
                Ok(true) => {}
                Ok(false) => break Ok(()),
                Err(e) => break Err(input::csv_error(self.name, &e)),
            }
            let line = lines.line_of(data, record.position());
            self.row(&record, line, batch, base, cursor);
        };
        self.record = record;
        result
    }

    /// Parse, decide and write one record.
    fn row<R: Fields + ?Sized>(
        &mut self,
        record: &R,
        line: u64,
        batch: &mut Batch,
        base: u64,
        cursor: &mut usize,
    ) {
        if is_blank(record) {
            batch.skipped += 1;
            return;
        }
        let policy = self.engine.policy;
        let format = self.writer.format();
        let fingerprint = self.parser.id_fingerprint(record);
        let id_start = batch.ids.len();
        if fingerprint.is_some() {
            batch
                .ids
                .extend_from_slice(self.parser.id_cell(record).unwrap_or_default());
        }
        let id = (id_start, batch.ids.len());
        let s = &mut self.scratch;
        let result = self
            .parser
            .parse(record, line, &mut s.slots)
            .and_then(|()| match self.job {
                Job::Validate => Ok(()),
                Job::Assess(_) | Job::Rank => self
                    .engine
                    .decide(s)
                    .map_err(|e| Box::new(evaluation_reject(&self.parser, record, line, &e))),
            });
        let mut row = Row::new(line, fingerprint, id);
        match result {
            Ok(()) if self.job == Job::Validate => row.end = batch.out.len(),
            Ok(()) if self.job == Job::Rank => {
                row.end = batch.out.len();
                row.eligible = s
                    .programs
                    .iter()
                    .any(|o| o.status == crate::engine::Status::Granted);
                row.priority = budget::priority_key(s.priority);
                row.monthly = if s.monthly_total > 0.0 {
                    s.monthly_total.round() as u64
                } else {
                    0
                };
            }
            Ok(()) => {
                let rank = self
                    .ranking
                    .and_then(|r| r.rank_of(cursor, base + batch.rows.len() as u64));
                let funded = rank.is_some_and(|k| self.ranking.is_some_and(|r| r.is_funded(k)));
                row.eligible = rank.is_some();
                if let Some(spec) = self.summary {
                    group_key::decided_key(spec, &self.parser, record, &s.slots, &mut self.key);
                    row.group = batch.summary.group(spec, &self.key);
                    let standing = BudgetStanding { funded };
                    row.fact = batch.summary.add(spec, policy, s, row.group, standing);
                }
                let mut d = Decision {
                    household_id: self.parser.text(record, policy.fields.id_input),
                    region: policy
                        .fields
                        .region_input
                        .map_or(&b""[..], |r| self.parser.text(record, r)),
                    scratch: s,
                };
                self.writer.decision(&mut d, &mut batch.out);
                if self.ranking.is_some() {
                    append_budget(format, &mut batch.out, rank, funded);
                }
                row.end = batch.out.len();
            }
            Err(reject) => {
                if let Some(spec) = self.summary {
                    let (key, acc) = (&mut self.key, &mut batch.summary);
                    row.group = group_key::rejected_group(
                        spec,
                        &self.parser,
                        policy,
                        record,
                        &reject,
                        key,
                        acc,
                    );
                }
                row.reject = batch.rejects.len();
                if self.all_errors {
                    self.parser
                        .more_bad_cells(record, line, &reject, &mut batch.rejects);
                    // The first problem goes first.
                    batch.rejects.insert(row.reject, *reject);
                    row.more = batch.rejects.len() - row.reject - 1;
                } else {
                    batch.rejects.push(*reject);
                }
            }
        }
        batch.rows.push(row);
    }
}

/// The order-dependent end of the pipeline: ids, output, rejects, counts.
struct Merger<'a, 'p> {
    parser: RowParser<'p>,
    format: Format,
    ids: IdSet,
    out: &'a mut dyn Write,
    rejects: &'a mut dyn RejectSink,
    strict: bool,
    totals: Totals,
    /// The summary so far, with what it counts.
    summary: Option<(&'p SummarySpec, summary::Summary)>,
    /// Ranking pass: the eligible households so far.
    collector: Option<Collector>,
    /// Writing pass with a ranking: decisions written with a rank.
    ranked: u64,
    /// Writing pass: the ranking whose batches this pass must see again.
    ranking: Option<&'p Ranking>,
    /// Report every problem of a rejected row (validation).
    all_errors: bool,
    /// Facts of the current batch to take out of its summary (duplicates).
    dropped: Vec<u32>,
}

impl Merger<'_, '_> {
    fn reject(&mut self, r: &Reject) -> Result<(), PipelineError> {
        if self.strict {
            return Err(PipelineError::Strict(Box::new(r.clone())));
        }
        self.totals.rejected += 1;
        if let Some(i) = RejectCode::ALL.iter().position(|c| *c == r.code) {
            self.totals.rejects_by_code[i] += 1;
        }
        self.rejects.reject(r).map_err(PipelineError::Output)
    }

    /// Count a reject in its `--by` group of the batch's summary, under the
    /// code it was reported with.
    fn count_in_group(&self, acc: &mut BatchAcc, group: u32, code: RejectCode) {
        let Some((spec, _)) = &self.summary else {
            return;
        };
        if let (Some(_), Some(reason)) =
            (spec.by(), RejectCode::ALL.iter().position(|c| *c == code))
        {
            acc.count_reject(spec, group, reason);
        }
    }

    fn also(&mut self, problem: &Reject) -> Result<(), PipelineError> {
        self.rejects.also(problem).map_err(PipelineError::Output)
    }

    fn write(&mut self, bytes: &[u8]) -> Result<(), PipelineError> {
        self.out.write_all(bytes).map_err(PipelineError::Output)
    }

    fn merge(&mut self, batch: &mut Batch) -> Result<(), PipelineError> {
        let mut row_start = 0usize; // where the current decided row's bytes start
        let mut run_start = 0usize; // start of the bytes not yet written
        if let Some(c) = &mut self.collector {
            c.batch(batch.index, self.totals.read);
        }
        if let Some(r) = self.ranking {
            // Workers looked ranks up by where the ranking pass said this
            // batch starts: it must start there now too, or every rank is wrong.
            let first = r.batch_base(batch.index);
            if first != Some(self.totals.read) {
                return Err(PipelineError::InputChanged {
                    batch: batch.index,
                    first: first.unwrap_or(u64::MAX),
                    second: self.totals.read,
                });
            }
        }
        self.dropped.clear();
        self.totals.skipped += batch.skipped;
        // The id table is far larger than the caches: read the batch's slots
        // first, all at once, rather than wait for memory on every claim.
        self.ids
            .warm(batch.rows.iter().filter_map(|row| row.fingerprint));
        for row in &batch.rows {
            let row_index = self.totals.read;
            self.totals.read += 1;
            let first = row
                .fingerprint
                .and_then(|fp| self.ids.claim_fingerprint(fp, row.line));
            let id = &batch.ids[row.id.0..row.id.1];
            if row.end != usize::MAX {
                let end = row.end;
                if let Some(first) = first {
                    // Decided, but its id was claimed earlier: drop its bytes.
                    let pending = &batch.out[run_start..row_start];
                    self.out.write_all(pending).map_err(PipelineError::Output)?;
                    run_start = end;
                    row_start = end;
                    if row.fact != u32::MAX {
                        self.dropped.push(row.fact);
                    }
                    let dup = self.parser.duplicate_reject(row.line, id, first);
                    self.reject(&dup)?;
                    self.count_in_group(&mut batch.summary, row.group, RejectCode::DuplicateId);
                    continue;
                }
                if let Some(c) = &mut self.collector {
                    if row.eligible {
                        if row_index > budget::MAX_ROWS {
                            return Err(PipelineError::TooManyRows);
                        }
                        c.push(row_index, row.priority, row.monthly, id);
                    }
                } else if row.eligible {
                    self.ranked += 1;
                }
                if self.format == Format::Json && self.totals.decided == 0 {
                    // The very first decision has no comma before it.
                    let pending = &batch.out[run_start..row_start];
                    self.out.write_all(pending).map_err(PipelineError::Output)?;
                    run_start = row_start + 1;
                }
                self.totals.decided += 1;
                row_start = end;
            } else {
                let original = &batch.rejects[row.reject];
                let code = match first {
                    Some(first) if !self.parser.failed_before_id(original) => {
                        let dup = self.parser.duplicate_reject(row.line, id, first);
                        self.reject(&dup)?;
                        if self.all_errors {
                            self.also(original)?;
                        }
                        RejectCode::DuplicateId
                    }
                    _ => {
                        self.reject(original)?;
                        original.code
                    }
                };
                self.count_in_group(&mut batch.summary, row.group, code);
                for problem in &batch.rejects[row.reject + 1..row.reject + 1 + row.more] {
                    self.also(problem)?;
                }
            }
        }
        if let Some((spec, total)) = &mut self.summary {
            for &fact in &self.dropped {
                batch.summary.remove(spec, fact);
            }
            total.merge(spec, &batch.summary);
        }
        let rest = &batch.out[run_start..];
        self.write(rest)
    }
}

/// Decide every row of `source`, writing decisions to `out` (including the
/// format's opening and closing) and rejects to `rejects`, in input order.
pub fn assess(
    policy: &Policy,
    layout: &Layout,
    source: Source,
    format: Format,
    out: &mut dyn Write,
    rejects: &mut dyn RejectSink,
    options: &Options,
) -> Result<Totals, PipelineError> {
    let extras = Extras::default();
    let outcome = assess_with(
        policy, layout, source, format, out, rejects, options, extras,
    )?;
    Ok(outcome.totals)
}

/// What [`assess_with`] adds to the decisions.
#[derive(Clone, Copy, Default)]
pub struct Extras<'a> {
    /// Count a summary of the decided households.
    pub summary: Option<&'a SummarySpec>,
    /// Add `funded` and `rank` to every decision (the second pass of `--budget`).
    pub ranking: Option<&'a Ranking>,
}

/// A finished [`assess_with`] run.
#[derive(Debug)]
pub struct Outcome {
    pub totals: Totals,
    pub summary: Option<summary::Summary>,
    /// Decisions written with a rank (with a ranking): the eligible households.
    pub ranked: u64,
}

/// [`assess`], with a summary and budget fields.
#[allow(clippy::too_many_arguments)]
pub fn assess_with(
    policy: &Policy,
    layout: &Layout,
    source: Source,
    format: Format,
    out: &mut dyn Write,
    rejects: &mut dyn RejectSink,
    options: &Options,
    extras: Extras<'_>,
) -> Result<Outcome, PipelineError> {
    let plan = Plan {
        job: Job::Assess(format),
        summary: extras.summary,
        ranking: extras.ranking,
        all_errors: false,
    };
    let done = run(policy, layout, source, plan, out, rejects, options)?;
    Ok(Outcome {
        totals: done.totals,
        summary: done.summary,
        ranked: done.ranked,
    })
}

/// The first pass of `--budget`: decide every row without writing anything
/// and rank the eligible households (any program granted) for a monthly
/// `budget`. Rejects are only counted (the second pass reports them).
pub fn rank(
    policy: &Policy,
    layout: &Layout,
    source: Source,
    options: &Options,
    budget: u64,
) -> Result<(Totals, Ranking), PipelineError> {
    struct Discard;
    impl RejectSink for Discard {
        fn reject(&mut self, _: &Reject) -> io::Result<()> {
            Ok(())
        }
    }
    let plan = Plan {
        job: Job::Rank,
        summary: None,
        ranking: None,
        all_errors: false,
    };
    let done = run(
        policy,
        layout,
        source,
        plan,
        &mut io::sink(),
        &mut Discard,
        options,
    )?;
    let collector = done.collector.unwrap_or_default();
    Ok((done.totals, collector.rank(budget)))
}

/// Read and check every row of `source` without deciding (`layak validate`):
/// rejects go to `rejects` in input order; `decided` in the totals counts valid rows.
pub fn validate(
    policy: &Policy,
    layout: &Layout,
    source: Source,
    rejects: &mut dyn RejectSink,
    options: &Options,
) -> Result<Totals, PipelineError> {
    let plan = Plan {
        job: Job::Validate,
        summary: None,
        ranking: None,
        all_errors: options.all_errors,
    };
    Ok(run(
        policy,
        layout,
        source,
        plan,
        &mut io::sink(),
        rejects,
        options,
    )?
    .totals)
}

/// What a run leaves behind.
struct Finished {
    totals: Totals,
    summary: Option<summary::Summary>,
    collector: Option<Collector>,
    ranked: u64,
}

fn run(
    policy: &Policy,
    layout: &Layout,
    source: Source,
    plan: Plan<'_>,
    out: &mut dyn Write,
    rejects: &mut dyn RejectSink,
    options: &Options,
) -> Result<Finished, PipelineError> {
    let format = plan.format();
    let writer = DecisionWriter::new(policy, format);
    let writes = matches!(plan.job, Job::Assess(_));
    let mut head = Vec::new();
    if writes {
        writer.begin(&mut head);
        if plan.ranking.is_some() && format == Format::Csv {
            // The budget columns come last (CSV columns are only ever appended).
            head.pop();
            head.extend_from_slice(b",funded,rank\n");
        }
    }
    out.write_all(&head).map_err(PipelineError::Output)?;
    let mut merger = Merger {
        parser: RowParser::new(policy, layout),
        format,
        ids: IdSet::default(),
        out,
        rejects,
        strict: options.strict,
        totals: Totals::default(),
        summary: plan.summary.map(|spec| (spec, summary::Summary::default())),
        collector: (plan.job == Job::Rank).then(Collector::default),
        ranked: 0,
        ranking: plan.ranking,
        all_errors: plan.all_errors,
        dropped: Vec::new(),
    };
    let Source {
        name,
        delimiter,
        mut chunker,
        ..
    } = source;
    if options.threads <= 1 {
        let mut worker = Worker::new(policy, layout, plan, delimiter, &name);
        let mut batch = Batch::default();
        let mut index = 0;
        while let Some(start) = chunker
            .next_chunk(options.chunk_bytes, &mut batch.data)
            .map_err(|source| InputError::reading(&name, source))?
        {
            batch.index = index;
            index += 1;
            batch.start = start;
            worker.process(&mut batch)?;
            merger.merge(&mut batch)?;
        }
    } else {
        run_parallel(
            policy,
            layout,
            plan,
            delimiter,
            &name,
            chunker,
            &mut merger,
            options,
        )?;
    }
    let mut tail = Vec::new();
    if writes {
        writer.end(merger.totals.decided > 0, &mut tail);
    }
    merger.write(&tail)?;
    merger.out.flush().map_err(PipelineError::Output)?;
    Ok(Finished {
        totals: merger.totals,
        summary: merger.summary.map(|(_, s)| s),
        collector: merger.collector,
        ranked: merger.ranked,
    })
}

#[allow(clippy::too_many_arguments)]
fn run_parallel(
    policy: &Policy,
    layout: &Layout,
    plan: Plan<'_>,
    delimiter: u8,
    name: &str,
    mut chunker: input::Chunker,
    merger: &mut Merger<'_, '_>,
    options: &Options,
) -> Result<(), PipelineError> {
    let threads = options.threads;
    let pool_size = 2 * threads + 2;
    let (pool_tx, pool_rx) = sync_channel::<Batch>(pool_size);
    for _ in 0..pool_size {
        // Cannot fail: the channel has room for the whole pool.
        let _ = pool_tx.send(Batch::default());
    }
    let (work_tx, work_rx) = sync_channel::<Batch>(pool_size);
    let work_rx = Arc::new(Mutex::new(work_rx));
    let (done_tx, done_rx) = sync_channel::<Result<Batch, InputError>>(pool_size);
    let read_error: Mutex<Option<io::Error>> = Mutex::new(None);

    std::thread::scope(|scope| {
        // Reader: cut chunks while empty batches are available.
        let read_error = &read_error;
        let chunk_bytes = options.chunk_bytes;
        // A thread that cannot start (a memory or process limit) is an
        // error, not a panic. Returning drops this closure's ends of the
        // channels, so the threads already started stop.
        let spawn_failed = |source| PipelineError::Threads {
            wanted: threads + 1,
            source,
        };
        std::thread::Builder::new()
            .name("layak-reader".into())
            .spawn_scoped(scope, move || {
                let mut index = 0u64;
                while let Ok(mut batch) = pool_rx.recv() {
                    match chunker.next_chunk(chunk_bytes, &mut batch.data) {
                        Ok(Some(start)) => {
                            batch.index = index;
                            batch.start = start;
                            index += 1;
                            if work_tx.send(batch).is_err() {
                                break;
                            }
                        }
                        Ok(None) => break,
                        Err(e) => {
                            if let Ok(mut slot) = read_error.lock() {
                                *slot = Some(e);
                            }
                            break;
                        }
                    }
                }
                // Dropping work_tx tells the workers there is no more input.
            })
            .map_err(spawn_failed)?;
        for _ in 0..threads {
            let work_rx = Arc::clone(&work_rx);
            let done_tx = done_tx.clone();
            std::thread::Builder::new()
                .name("layak-worker".into())
                .spawn_scoped(scope, move || {
                    let mut worker = Worker::new(policy, layout, plan, delimiter, name);
                    loop {
                        let next = match work_rx.lock() {
                            Ok(rx) => rx.recv(),
                            Err(_) => break,
                        };
                        let Ok(mut batch) = next else { break };
                        let result = worker.process(&mut batch).map(|()| batch);
                        if done_tx.send(result).is_err() {
                            break;
                        }
                    }
                })
                .map_err(spawn_failed)?;
        }
        drop(done_tx);
        merge_in_order(merger, done_rx, pool_tx)
    })?;
    if let Some(source) = read_error.lock().ok().and_then(|mut e| e.take()) {
        return Err(InputError::reading(name, source).into());
    }
    Ok(())
}

/// Take processed batches as they come, write them in index order, and
/// return their buffers to the pool. Returning (normally or with an error)
/// drops the channels, which stops the reader and the workers.
fn merge_in_order(
    merger: &mut Merger<'_, '_>,
    done: Receiver<Result<Batch, InputError>>,
    pool: SyncSender<Batch>,
) -> Result<(), PipelineError> {
    let mut waiting: BTreeMap<u64, Batch> = BTreeMap::new();
    let mut next = 0u64;
    for result in done {
        let batch = result?;
        waiting.insert(batch.index, batch);
        while let Some(mut batch) = waiting.remove(&next) {
            merger.merge(&mut batch)?;
            next += 1;
            // The reader may already have stopped; then the batch is simply freed.
            let _ = pool.send(batch);
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::LoadOptions;

    const SAMPLE: &str = include_str!("../data/sample-households.csv");

    fn source(text: &str) -> Source {
        let reader = Box::new(io::Cursor::new(text.as_bytes().to_vec()));
        input::from_reader("test".into(), reader, &input::ReadOptions::default()).unwrap()
    }

    // A ranking describes one way of cutting the input into batches; a
    // writing pass that cut it otherwise would look up the wrong rows'
    // ranks. It must stop instead (see: issue 12).
    #[test]
    fn a_ranking_is_only_used_on_the_batches_it_was_made_from() {
        let policy = Policy::default_policy(&LoadOptions::default()).unwrap();
        let first = source(SAMPLE);
        let layout = Layout::new(&policy, &first, &input::ReadOptions::default()).unwrap();
        let small = Options {
            threads: 1,
            chunk_bytes: 500,
            strict: false,
            all_errors: false,
        };
        let (_, ranking) = rank(&policy, &layout, first, &small, 50_000_000).unwrap();
        assert!(ranking.batches() > 3);
        let write = |options: &Options| {
            assess_with(
                &policy,
                &layout,
                source(SAMPLE),
                Format::Csv,
                &mut io::sink(),
                &mut Vec::<Reject>::new(),
                options,
                Extras {
                    summary: None,
                    ranking: Some(&ranking),
                },
            )
        };
        assert!(write(&small).is_ok());
        let large = Options {
            chunk_bytes: 2_000,
            ..small.clone()
        };
        match write(&large) {
            Err(PipelineError::InputChanged { batch: 1, .. }) => {}
            other => panic!("expected InputChanged at batch 1, got {other:?}"),
        }
    }

    // Library errors serve any front end: the command line adds its flags
    // when it shows them (see: issue 13).
    #[test]
    fn no_pipeline_error_names_a_command_line_flag() {
        let reject = Reject {
            line: 2,
            household_id: "H1".into(),
            column: "members".into(),
            value: "x".into(),
            code: RejectCode::InvalidValue,
            message: "not a number".into(),
        };
        let errors = [
            PipelineError::Strict(Box::new(reject)),
            PipelineError::TooManyRows,
            PipelineError::Output(io::Error::other("full")),
            PipelineError::InputChanged {
                batch: 1,
                first: 2,
                second: 3,
            },
            PipelineError::Threads {
                wanted: 3,
                source: io::Error::other("limit"),
            },
            PipelineError::Input(InputError::RecordTooLong {
                file: "f".into(),
                line: 1,
                limit: 10,
            }),
        ];
        for e in errors {
            let text = e.to_string();
            assert!(!text.contains("--"), "{e:?} names a flag: {text}");
        }
    }

    #[test]
    fn blank_rows_are_skipped_and_counted() {
        let policy = Policy::default_policy(&LoadOptions::default()).unwrap();
        let mut lines = SAMPLE.lines();
        let header = lines.next().unwrap();
        let row = lines.next().unwrap();
        let commas = ",".repeat(header.matches(',').count());
        let text = format!("{header}\n{row}\n   \n{commas}\n\t\n{row}\n");
        let src = source(&text);
        let layout = Layout::new(&policy, &src, &input::ReadOptions::default()).unwrap();
        let mut rejects = Vec::<Reject>::new();
        let options = Options {
            threads: 1,
            ..Options::default()
        };
        let totals = assess(
            &policy,
            &layout,
            src,
            Format::Csv,
            &mut io::sink(),
            &mut rejects,
            &options,
        )
        .unwrap();
        assert_eq!((totals.read, totals.decided, totals.skipped), (2, 1, 3));
        // The one reject is the second copy of the row, on line 6: the
        // skipped rows still count as lines.
        assert_eq!(rejects.len(), 1);
        assert_eq!(
            (rejects[0].line, rejects[0].code),
            (6, RejectCode::DuplicateId)
        );
    }
}
