//! Stage mode (issue 16): the pipeline as one worker of a distributed
//! engine. Every input record ends as exactly one output record, in input
//! order — a decision or a reject, in one stream ([`crate::report::stage`]).
//!
//! The records are read, parsed and decided by the same reader, workers and
//! row parser as `assess` (an NDJSON line becomes a record of cells,
//! [`crate::input::ndjson`]; an Arrow IPC batch is read as a Parquet file's
//! record batches are), so a record decides exactly as the same row of a
//! CSV file. What differs is the end: no duplicate-id detection (a worker
//! sees one partition of the data: the job dedupes before the stage), no
//! line numbers (a record's `index`, from 0, instead), and a blank record
//! (every value empty or null), which `assess` skips as a blank line, is a
//! `missing_required` reject of the household id here, so that nothing is
//! lost.

use std::collections::BTreeMap;
use std::io::Write;
use std::sync::mpsc::{Receiver, SyncSender, sync_channel};
use std::sync::{Arc, Mutex};

use super::worker::{Batch, Row, Worker};
use super::{Job, Options, PipelineError, Plan, Totals};
use crate::input::columnar::Rows;
use crate::input::ndjson::{self, JsonRecord, Keys, LineChunks};
use crate::input::{InputError, Layout, Reject, RejectCode};
use crate::policy::Policy;
use crate::report::stage::{self as out, ArrowStage};
use crate::report::{Format, OutputShape};

/// Where a stage's records come from.
pub(crate) enum StageInput {
    /// NDJSON lines, with the header's keys.
    Ndjson(Box<LineChunks>, Keys),
    /// An Arrow IPC stream's record batches.
    Arrow(Box<Rows>),
}

/// Where a stage's records go.
pub(crate) enum StageOutput<'a> {
    Ndjson(&'a mut dyn Write),
    /// The decisions' columns are those of the shape (`table::column_types`).
    Arrow(Box<ArrowStage<&'a mut dyn Write>>),
}

/// Decide every record of `input`, writing one record of `output` each,
/// in order. The shape's text must be raw (as read) for an Arrow output.
pub(crate) fn stage(
    policy: &Policy,
    layout: &Layout,
    input: StageInput,
    name: &str,
    output: StageOutput<'_>,
    shape: &OutputShape,
    options: &Options,
) -> Result<Totals, PipelineError> {
    let format = match output {
        StageOutput::Ndjson(_) => Format::Ndjson,
        StageOutput::Arrow(_) => Format::Csv,
    };
    let plan = Plan {
        job: Job::Assess(format),
        summary: None,
        ranking: None,
        all_errors: false,
        shape: Some(shape),
        persons: None,
        compare: None,
        within: None,
        deciles: None,
        overrides: None,
    };
    let (mut feed, keys) = match input {
        StageInput::Ndjson(chunks, keys) => (Feed::Lines(chunks), Some(keys)),
        StageInput::Arrow(rows) => (Feed::Columnar(rows), None),
    };
    let id_column = policy
        .inputs
        .get(policy.fields.id_input)
        .map_or_else(String::new, |i| i.name.clone());
    let mut merger = StageMerger {
        output,
        buf: Vec::with_capacity(1 << 17),
        record: csv::ByteRecord::new(),
        next: 0,
        totals: Totals::default(),
        id_column,
    };
    if options.threads <= 1 {
        let mut worker = Worker::new(policy, layout, plan, b',', name);
        let mut json = JsonRecord::default();
        let mut batch = Batch::default();
        let mut index = 0;
        while feed.next(name, options.chunk_bytes, &mut batch)? {
            batch.index = index;
            index += 1;
            process(&mut worker, &mut batch, keys.as_ref(), &mut json)?;
            merger.merge(&batch)?;
        }
    } else {
        parallel(
            (policy, layout, plan),
            name,
            feed,
            keys.as_ref(),
            &mut merger,
            options,
        )?;
    }
    merger.finish()
}

/// Batches of NDJSON lines, or of Arrow rows.
enum Feed {
    Lines(Box<LineChunks>),
    Columnar(Box<Rows>),
}

impl Feed {
    fn next(&mut self, name: &str, target: usize, batch: &mut Batch) -> Result<bool, InputError> {
        batch.sheet.active = false;
        batch.persons.active = false;
        batch.columnar.active = false;
        match self {
            Feed::Lines(lines) => match lines
                .next_chunk(target, &mut batch.data)
                .map_err(|e| InputError::reading(name, e))?
            {
                // The header is line 1: record `i` is "line" `i + 2`.
                Some(first) => {
                    batch.start.line = first + 2;
                    Ok(true)
                }
                None => Ok(false),
            },
            Feed::Columnar(rows) => {
                batch.data.clear();
                rows.next(&mut batch.columnar)
            }
        }
    }
}

/// Parse, decide and write a batch's records.
fn process(
    worker: &mut Worker<'_>,
    batch: &mut Batch,
    keys: Option<&Keys>,
    json: &mut JsonRecord,
) -> Result<(), InputError> {
    let Some(keys) = keys.filter(|_| !batch.columnar.active) else {
        return worker.process(batch);
    };
    batch.out.clear();
    batch.rows.clear();
    batch.ids.clear();
    batch.rejects.clear();
    batch.summary.clear();
    batch.skipped = 0;
    let data = std::mem::take(&mut batch.data);
    for (line, text) in (batch.start.line..).zip(ndjson::lines(&data)) {
        match json.parse(text, keys) {
            Ok(()) => worker.row(&*json, line, batch, 0, &mut 0),
            Err(m) => {
                let id = batch.ids.len();
                let mut row = Row::new(line, None, (id, id));
                row.reject = batch.rejects.len();
                batch.rejects.push(Reject {
                    line,
                    household_id: String::new(),
                    column: m.column,
                    value: crate::input::excerpt(text.trim_ascii(), 100),
                    code: RejectCode::InvalidValue,
                    message: m.message,
                });
                batch.rows.push(row);
            }
        }
    }
    batch.data = data;
    Ok(())
}

/// Writes each batch's records in order.
struct StageMerger<'a> {
    output: StageOutput<'a>,
    buf: Vec<u8>,
    record: csv::ByteRecord,
    /// The index of the next record.
    next: u64,
    totals: Totals,
    /// The id input's name (the column of a blank record's reject).
    id_column: String,
}

impl StageMerger<'_> {
    fn merge(&mut self, batch: &Batch) -> Result<(), PipelineError> {
        let end = self.next + batch.rows.len() as u64 + batch.skipped;
        // Arrow: the decisions' CSV records, in order.
        let mut csv = match &self.output {
            StageOutput::Arrow(_) => Some(
                csv::ReaderBuilder::new()
                    .has_headers(false)
                    .flexible(true)
                    .from_reader(&batch.out[..]),
            ),
            StageOutput::Ndjson(_) => None,
        };
        let mut start = 0;
        for row in &batch.rows {
            let index = row.line.saturating_sub(2);
            self.blanks_until(index, row.line)?;
            self.totals.read += 1;
            if row.end == usize::MAX {
                let r = &batch.rejects[row.reject];
                self.totals.rejected += 1;
                if let Some(i) = RejectCode::ALL.iter().position(|c| *c == r.code) {
                    self.totals.rejects_by_code[i] += 1;
                }
                match &mut self.output {
                    StageOutput::Ndjson(_) => out::write_reject(index, r, &mut self.buf),
                    StageOutput::Arrow(a) => a.reject(index, r).map_err(PipelineError::Output)?,
                }
            } else {
                self.totals.decided += 1;
                match (&mut self.output, &mut csv) {
                    (StageOutput::Arrow(a), Some(reader)) => {
                        let more = reader
                            .read_byte_record(&mut self.record)
                            .map_err(|e| PipelineError::Output(std::io::Error::other(e)))?;
                        if !more {
                            return Err(PipelineError::Output(std::io::Error::other(
                                "internal: a decision has no CSV record",
                            )));
                        }
                        a.decision(index, &self.record)
                            .map_err(PipelineError::Output)?;
                    }
                    _ => out::write_decision(index, &batch.out[start..row.end], &mut self.buf),
                }
                start = row.end;
            }
            self.next = index + 1;
            self.flush(false)?;
        }
        self.blanks_until(end, end + 2)?;
        self.flush(false)
    }

    /// Report the blank records before record `index` (skipped by the
    /// workers as `assess` skips blank rows).
    fn blanks_until(&mut self, index: u64, line: u64) -> Result<(), PipelineError> {
        while self.next < index {
            let r = Reject {
                line: line - (index - self.next),
                household_id: String::new(),
                column: self.id_column.clone(),
                value: String::new(),
                code: RejectCode::MissingRequired,
                message: "the record is blank: every value is empty or null".into(),
            };
            self.totals.read += 1;
            self.totals.rejected += 1;
            if let Some(i) = RejectCode::ALL.iter().position(|c| *c == r.code) {
                self.totals.rejects_by_code[i] += 1;
            }
            match &mut self.output {
                StageOutput::Ndjson(_) => out::write_reject(self.next, &r, &mut self.buf),
                StageOutput::Arrow(a) => a.reject(self.next, &r).map_err(PipelineError::Output)?,
            }
            self.next += 1;
        }
        Ok(())
    }

    fn flush(&mut self, all: bool) -> Result<(), PipelineError> {
        if let StageOutput::Ndjson(w) = &mut self.output {
            if all || self.buf.len() >= 1 << 16 {
                w.write_all(&self.buf).map_err(PipelineError::Output)?;
                self.buf.clear();
            }
        }
        Ok(())
    }

    fn finish(mut self) -> Result<Totals, PipelineError> {
        self.flush(true)?;
        match self.output {
            StageOutput::Ndjson(w) => w.flush().map_err(PipelineError::Output)?,
            StageOutput::Arrow(a) => {
                a.finish()
                    .and_then(|w| w.flush())
                    .map_err(PipelineError::Output)?;
            }
        }
        Ok(self.totals)
    }
}

/// The reader on its own thread, `options.threads` workers, and the merger
/// on this one (as `run::run_parallel`, with the stage's own ends).
fn parallel(
    (policy, layout, plan): (&Policy, &Layout, Plan<'_>),
    name: &str,
    mut feed: Feed,
    keys: Option<&Keys>,
    merger: &mut StageMerger<'_>,
    options: &Options,
) -> Result<(), PipelineError> {
    let threads = options.threads;
    let pool_size = 2 * threads + 2;
    let (pool_tx, pool_rx) = sync_channel::<Batch>(pool_size);
    for _ in 0..pool_size {
        let _ = pool_tx.send(Batch::default());
    }
    let (work_tx, work_rx) = sync_channel::<Batch>(pool_size);
    let work_rx = Arc::new(Mutex::new(work_rx));
    let (done_tx, done_rx) = sync_channel::<Result<Batch, InputError>>(pool_size);
    let read_error: Mutex<Option<InputError>> = Mutex::new(None);
    std::thread::scope(|scope| {
        // Owned here, so that leaving early (an output error) drops the
        // pool's sender and the results' receiver: the reader and the
        // workers then see closed channels and end, instead of waiting.
        let pool_tx = pool_tx;
        let read_error = &read_error;
        let chunk_bytes = options.chunk_bytes;
        let spawn_failed = |source| PipelineError::Threads {
            wanted: threads + 1,
            source,
        };
        std::thread::Builder::new()
            .name("layak-reader".into())
            .spawn_scoped(scope, move || {
                read(&mut feed, name, chunk_bytes, &pool_rx, &work_tx, read_error);
            })
            .map_err(spawn_failed)?;
        for _ in 0..threads {
            let work_rx = Arc::clone(&work_rx);
            let done_tx = done_tx.clone();
            std::thread::Builder::new()
                .name("layak-worker".into())
                .spawn_scoped(scope, move || {
                    let mut worker = Worker::new(policy, layout, plan, b',', name);
                    let mut json = JsonRecord::default();
                    loop {
                        let next = match work_rx.lock() {
                            Ok(rx) => rx.recv(),
                            Err(_) => break,
                        };
                        let Ok(mut batch) = next else { break };
                        let result =
                            process(&mut worker, &mut batch, keys, &mut json).map(|()| batch);
                        if done_tx.send(result).is_err() {
                            break;
                        }
                    }
                })
                .map_err(spawn_failed)?;
        }
        drop(done_tx);
        let mut waiting: BTreeMap<u64, Batch> = BTreeMap::new();
        let mut next = 0u64;
        for result in done_rx {
            let batch = result?;
            waiting.insert(batch.index, batch);
            while let Some(batch) = waiting.remove(&next) {
                merger.merge(&batch)?;
                next += 1;
                let _ = pool_tx.send(batch);
            }
        }
        Ok::<(), PipelineError>(())
    })?;
    if let Some(e) = read_error.lock().ok().and_then(|mut e| e.take()) {
        return Err(e.into());
    }
    Ok(())
}

fn read(
    feed: &mut Feed,
    name: &str,
    chunk_bytes: usize,
    pool_rx: &Receiver<Batch>,
    work_tx: &SyncSender<Batch>,
    read_error: &Mutex<Option<InputError>>,
) {
    super::run::hand_out(
        |batch| feed.next(name, chunk_bytes, batch),
        pool_rx,
        work_tx,
        read_error,
    );
}
