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

use super::worker::{Batch, Row, Worker, region};
use super::{Job, Options, PipelineError, Plan, Totals};
use crate::input::columnar::Rows;
use crate::input::ndjson::{self, JsonRecord, Keys, LineChunks};
use crate::input::{Fields, InputError, Layout, Reject, RejectCode};
use crate::policy::Policy;
use crate::report::stage::{self as out, ARROW_BATCH, ArrowRows, ArrowStage};
use crate::report::table::Cell;
use crate::report::{Decision, Format, OutputShape};

// An IPC stream's long record batches are handed out in slices whose
// lengths are whole Arrow messages: the messages stay those of the batch.
const _: () = assert!(crate::input::columnar::ipc::IPC_SLICE_ROWS % ARROW_BATCH == 0);

/// Where a stage's records come from.
pub(crate) enum StageInput {
    /// NDJSON lines, with the header's keys.
    Ndjson(Box<LineChunks>, Keys),
    /// An Arrow IPC stream's record batches.
    Arrow(Box<Rows>),
}

/// Where a stage's records go.
pub(crate) enum StageOutput<'a> {
    Ndjson(&'a mut (dyn Write + Send)),
    /// The decisions' columns are those of the shape (`table::column_types`).
    /// Workers write to it in turn ([`Turns`]), hence `Send`.
    Arrow(Box<ArrowStage<&'a mut (dyn Write + Send)>>),
}

/// Decide every record of `input`, writing one record of `output` each,
/// in order. The shape's text must be raw (as read) for an Arrow output.
pub(crate) fn stage(
    policy: &Policy,
    layout: &Layout,
    input: StageInput,
    name: &str,
    mut output: StageOutput<'_>,
    shape: &OutputShape,
    options: &Options,
) -> Result<Totals, PipelineError> {
    let arrow = match &output {
        StageOutput::Ndjson(_) => None,
        StageOutput::Arrow(a) => Some(a.columns().to_vec()),
    };
    let plan = Plan {
        // NDJSON: the worker writes each decision object. Arrow: it only
        // decides, and the stage reads the decision from its scratch.
        job: match arrow {
            Some(_) => Job::Rank,
            None => Job::Assess(Format::Ndjson),
        },
        summary: None,
        ranking: None,
        all_errors: false,
        shape: Some(shape),
        persons: None,
        unique_ids: false,
        compare: None,
        within: None,
        deciles: None,
        overrides: None,
    };
    let (mut feed, keys) = match input {
        StageInput::Ndjson(chunks, keys) => (Feed::Lines(chunks), Some(keys)),
        StageInput::Arrow(rows) => (Feed::Columnar(rows), None),
    };
    let blank = Reject {
        line: 0,
        household_id: String::new(),
        column: policy
            .inputs
            .get(policy.fields.id_input)
            .map_or_else(String::new, |i| i.name.clone()),
        value: String::new(),
        code: RejectCode::MissingRequired,
        message: "the record is blank: every value is empty or null".into(),
    };
    let setup = Setup {
        policy,
        layout,
        plan,
        name,
        shape,
        arrow: arrow.as_deref(),
        keys: keys.as_ref(),
        blank: &blank,
    };
    let mut totals = Totals::default();
    {
        // Arrow: the workers write the messages in turn. NDJSON: the
        // merger writes each batch's records, in order.
        let (turns, mut ndjson) = match &mut output {
            StageOutput::Arrow(a) => (Some(Turns::new(a)), None),
            StageOutput::Ndjson(w) => (None, Some(&mut **w)),
        };
        let turns = turns.as_ref();
        let mut merge = |batch: &Batch| -> Result<(), PipelineError> {
            count(&mut totals, batch);
            match &mut ndjson {
                Some(w) => w.write_all(&batch.out).map_err(PipelineError::Output),
                None => Ok(()),
            }
        };
        if options.threads <= 1 {
            let mut work = setup.work()?;
            let mut batch = Batch::default();
            let mut index = 0;
            while feed.next(name, options.chunk_bytes, &mut batch)? {
                batch.index = index;
                index += 1;
                work.process(&mut batch, turns)?;
                merge(&batch)?;
            }
        } else {
            let batches = parallel(&setup, feed, turns, &mut merge, options)?;
            // Every batch handed back ended, so all were written.
            if turns.is_some_and(|t| t.next().ok() != Some(batches)) {
                return Err(PipelineError::Output(std::io::Error::other(
                    "a batch of stage output was not written",
                )));
            }
        }
    }
    finish(output)?;
    Ok(totals)
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

/// What every worker thread of a stage is made from.
struct Setup<'a> {
    policy: &'a Policy,
    layout: &'a Layout,
    plan: Plan<'a>,
    name: &'a str,
    shape: &'a OutputShape,
    /// Arrow output: the decisions' columns.
    arrow: Option<&'a [(String, Cell)]>,
    /// NDJSON input: the header's keys.
    keys: Option<&'a Keys>,
    /// The reject of a blank record (every value empty or null).
    blank: &'a Reject,
}

impl<'a> Setup<'a> {
    fn work(&self) -> Result<StageWork<'a>, PipelineError> {
        let arrow = match self.arrow {
            Some(columns) => Some(Box::new(
                ArrowRows::new(self.policy, self.shape, columns).map_err(PipelineError::Output)?,
            )),
            None => None,
        };
        Ok(StageWork {
            worker: Worker::new(self.policy, self.layout, self.plan, b',', self.name),
            json: JsonRecord::default(),
            keys: self.keys,
            ends: Ends {
                arrow,
                blank: self.blank,
            },
        })
    }
}

/// A worker thread's state.
struct StageWork<'a> {
    worker: Worker<'a>,
    json: JsonRecord,
    keys: Option<&'a Keys>,
    ends: Ends<'a>,
}

/// How a worker thread writes its records.
struct Ends<'a> {
    /// Arrow output: the batch's records as typed columns (NDJSON: `None`).
    arrow: Option<Box<ArrowRows<'a>>>,
    blank: &'a Reject,
}

impl StageWork<'_> {
    /// Parse and decide a batch's records, writing each one's output
    /// record: NDJSON lines to `batch.out`; Arrow record-batch messages
    /// through `turns`, in the batch's turn.
    fn process(
        &mut self,
        batch: &mut Batch,
        turns: Option<&Turns<'_, '_>>,
    ) -> Result<(), PipelineError> {
        batch.out.clear();
        batch.rows.clear();
        batch.ids.clear();
        batch.rejects.clear();
        batch.summary.clear();
        batch.skipped = 0;
        let ends = &mut self.ends;
        if batch.columnar.active {
            self.worker
                .columnar_records(batch, None, |worker, record, line, batch| {
                    ends.record(worker, record, line, batch, turns)
                })?;
        } else if let Some(keys) = self.keys {
            let data = std::mem::take(&mut batch.data);
            let read =
                (batch.start.line..)
                    .zip(ndjson::lines(&data))
                    .try_for_each(|(line, text)| match self.json.parse(text, keys) {
                        Ok(row) => ends.record(&mut self.worker, &row, line, batch, turns),
                        Err(m) => {
                            let id = batch.ids.len();
                            let reject = batch.rejects.len();
                            let mut row = Row::new(line, None, (id, id));
                            row.reject = reject;
                            batch.rejects.push(Reject {
                                line,
                                household_id: String::new(),
                                column: m.column,
                                value: crate::input::excerpt(text.trim_ascii(), 100),
                                code: RejectCode::InvalidValue,
                                message: m.message,
                            });
                            batch.rows.push(row);
                            ends.reject(line, Some(reject), batch, turns)
                        }
                    });
            batch.data = data;
            read?;
        }
        self.ends.encode(turns, batch.index, &mut batch.out)?;
        batch.columnar.release();
        match turns {
            Some(turns) => turns.end(batch.index, &mut batch.out),
            None => Ok(()),
        }
    }
}

impl Ends<'_> {
    /// Decide a record and write its output record.
    #[inline]
    fn record<R: Fields + ?Sized>(
        &mut self,
        worker: &mut Worker<'_>,
        record: &R,
        line: u64,
        batch: &mut Batch,
        turns: Option<&Turns<'_, '_>>,
    ) -> Result<(), PipelineError> {
        let index = line.saturating_sub(2);
        let rows = batch.rows.len();
        let Some(arrow) = &mut self.arrow else {
            // NDJSON: the worker writes the decision object after the
            // record's opening; a reject replaces it.
            let start = batch.out.len();
            let at = out::open_decision(index, &mut batch.out);
            worker.row(record, line, batch, 0, &mut 0);
            return match batch.rows.get(rows) {
                Some(row) if row.end != usize::MAX => {
                    out::close_decision(&mut batch.out, at);
                    Ok(())
                }
                row => {
                    let reject = row.map(|row| row.reject);
                    batch.out.truncate(start);
                    self.reject(line, reject, batch, turns)
                }
            };
        };
        worker.row(record, line, batch, 0, &mut 0);
        match batch.rows.get(rows) {
            Some(row) if row.end != usize::MAX => {
                let policy = worker.engine.policy;
                let mut d = Decision {
                    household_id: &batch.ids[row.id.0..row.id.1],
                    region: region(policy, &worker.parser, record),
                    scratch: &mut worker.scratch,
                };
                arrow
                    .decision(index, &mut d, worker.weight)
                    .map_err(PipelineError::Output)?;
                if arrow.rows() >= ARROW_BATCH {
                    self.encode(turns, batch.index, &mut batch.out)?;
                }
                Ok(())
            }
            row => {
                let reject = row.map(|row| row.reject);
                self.reject(line, reject, batch, turns)
            }
        }
    }

    /// Write the record at `line` as a reject: the batch's reject
    /// `reject`, or (`None`) a blank record's.
    fn reject(
        &mut self,
        line: u64,
        reject: Option<usize>,
        batch: &mut Batch,
        turns: Option<&Turns<'_, '_>>,
    ) -> Result<(), PipelineError> {
        let index = line.saturating_sub(2);
        let r = reject.map_or(self.blank, |i| &batch.rejects[i]);
        match &mut self.arrow {
            None => out::write_reject(index, r, &mut batch.out),
            Some(arrow) => {
                arrow.reject(index, r).map_err(PipelineError::Output)?;
                if arrow.rows() >= ARROW_BATCH {
                    self.encode(turns, batch.index, &mut batch.out)?;
                }
            }
        }
        Ok(())
    }

    /// Arrow output: encode the records held as a message of batch
    /// `index`, written in its turn (`buffer`: the batch's output buffer).
    fn encode(
        &mut self,
        turns: Option<&Turns<'_, '_>>,
        index: u64,
        buffer: &mut Vec<u8>,
    ) -> Result<(), PipelineError> {
        match (&mut self.arrow, turns) {
            (Some(arrow), Some(turns)) => turns.write(index, buffer, |out| arrow.write(out)),
            _ => Ok(()),
        }
    }
}

/// The Arrow output, written by the workers in turn. Each batch's messages
/// go straight to the output once every earlier batch's went (its turn);
/// until then they are copied into its output buffer, and a batch that
/// ends before its turn leaves the buffer here, written by the worker
/// whose batch's end lets its turn come. With two workers on batches one
/// after the other, the older batch's turn has nearly always come when
/// its message is encoded: the copy (3% of the CPU time) is nearly never
/// made; with one, never. Handing each message's columns to the merger
/// instead cost more in cache misses than the copy (benches/README.md,
/// "Stage mode").
struct Turns<'s, 'o> {
    state: Mutex<TurnState<'s, 'o>>,
}

struct TurnState<'s, 'o> {
    output: &'s mut ArrowStage<&'o mut (dyn Write + Send)>,
    /// The index of the batch whose turn it is.
    next: u64,
    /// Output buffers of batches that ended before their turn.
    waiting: BTreeMap<u64, Vec<u8>>,
    /// Buffers written, for the next batches.
    spare: Vec<Vec<u8>>,
}

impl<'s, 'o> Turns<'s, 'o> {
    fn new(output: &'s mut ArrowStage<&'o mut (dyn Write + Send)>) -> Turns<'s, 'o> {
        Turns {
            state: Mutex::new(TurnState {
                output,
                next: 0,
                waiting: BTreeMap::new(),
                spare: Vec::new(),
            }),
        }
    }

    fn lock(&self) -> Result<std::sync::MutexGuard<'_, TurnState<'s, 'o>>, PipelineError> {
        self.state.lock().map_err(|_| {
            PipelineError::Output(std::io::Error::other("a stage worker thread failed"))
        })
    }

    /// Write a message of batch `index` (`message` writes it): to the
    /// output if its turn has come (after what `buffer` holds of it), else
    /// to `buffer`.
    fn write(
        &self,
        index: u64,
        buffer: &mut Vec<u8>,
        message: impl FnOnce(&mut dyn Write) -> std::io::Result<()>,
    ) -> Result<(), PipelineError> {
        let mut state = self.lock()?;
        if state.next != index {
            if buffer.capacity() == 0
                && let Some(spare) = state.spare.pop()
            {
                *buffer = spare;
            }
            drop(state);
            return message(buffer).map_err(PipelineError::Output);
        }
        state.flush(buffer)?;
        message(state.output.inner()).map_err(PipelineError::Output)
    }

    /// Batch `index` has every message encoded: write what `buffer` holds
    /// of it and pass the turn on (writing the batches that ended waiting
    /// for it) if its turn has come, else leave the buffer for then.
    fn end(&self, index: u64, buffer: &mut Vec<u8>) -> Result<(), PipelineError> {
        let mut guard = self.lock()?;
        let state = &mut *guard;
        if state.next != index {
            state.waiting.insert(index, std::mem::take(buffer));
            return Ok(());
        }
        state.flush(buffer)?;
        state.next += 1;
        while let Some(mut waiting) = state.waiting.remove(&state.next) {
            state.flush(&mut waiting)?;
            state.next += 1;
        }
        Ok(())
    }

    /// The index of the batch whose turn it is: every batch handed out was
    /// written when this is their count.
    fn next(&self) -> Result<u64, PipelineError> {
        Ok(self.lock()?.next)
    }
}

impl TurnState<'_, '_> {
    /// Write `buffer`, a batch's messages held before its turn, and keep
    /// its memory for a batch that writes before its turn (so that a
    /// batch written in its turn holds no buffer).
    fn flush(&mut self, buffer: &mut Vec<u8>) -> Result<(), PipelineError> {
        if buffer.capacity() == 0 {
            return Ok(());
        }
        self.output
            .write_encoded(buffer)
            .map_err(PipelineError::Output)?;
        let mut spent = std::mem::take(buffer);
        spent.clear();
        self.spare.push(spent);
        Ok(())
    }
}

/// Write the end of `output`, and flush it.
fn finish(output: StageOutput<'_>) -> Result<(), PipelineError> {
    match output {
        StageOutput::Ndjson(w) => w.flush(),
        StageOutput::Arrow(a) => a.finish().and_then(|w| w.flush()),
    }
    .map_err(PipelineError::Output)
}

/// Count a batch's records: decisions and rejects, by code.
fn count(t: &mut Totals, batch: &Batch) {
    let code = |c: RejectCode| RejectCode::ALL.iter().position(|k| *k == c);
    // Blank records (the worker skips them, as `assess` skips blank
    // rows) are rejects of the stage.
    t.read += batch.rows.len() as u64 + batch.skipped;
    t.rejected += batch.skipped;
    if let Some(i) = code(RejectCode::MissingRequired) {
        t.rejects_by_code[i] += batch.skipped;
    }
    for row in &batch.rows {
        if row.end == usize::MAX {
            t.rejected += 1;
            if let Some(i) = code(batch.rejects[row.reject].code) {
                t.rejects_by_code[i] += 1;
            }
        } else {
            t.decided += 1;
        }
    }
}

/// The reader on its own thread, `options.threads` workers writing Arrow
/// output in `turns`, and the merger on this one, which `merge`s each
/// batch in order (as `run::run_parallel`, with the stage's own ends); the
/// count of batches.
fn parallel(
    setup: &Setup<'_>,
    mut feed: Feed,
    turns: Option<&Turns<'_, '_>>,
    merge: &mut dyn FnMut(&Batch) -> Result<(), PipelineError>,
    options: &Options,
) -> Result<u64, PipelineError> {
    let threads = options.threads;
    let name = setup.name;
    let pool_size = 2 * threads + 2;
    let (pool_tx, pool_rx) = sync_channel::<Batch>(pool_size);
    for _ in 0..pool_size {
        let _ = pool_tx.send(Batch::default());
    }
    let (work_tx, work_rx) = sync_channel::<Batch>(pool_size);
    let work_rx = Arc::new(Mutex::new(work_rx));
    let (done_tx, done_rx) = sync_channel::<Result<Batch, PipelineError>>(pool_size);
    let read_error: Mutex<Option<InputError>> = Mutex::new(None);
    // NDJSON output buffers, handed back by the merger once written: only
    // the batches being processed or waiting to be merged hold one, not
    // every batch of the pool (fewer pages touched). Arrow output keeps
    // its own (`TurnState::spare`).
    let spare_out: Mutex<Vec<Vec<u8>>> = Mutex::new(Vec::new());
    let batches = std::thread::scope(|scope| {
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
        let spare_out = &spare_out;
        for _ in 0..threads {
            let work_rx = Arc::clone(&work_rx);
            let done_tx = done_tx.clone();
            std::thread::Builder::new()
                .name("layak-worker".into())
                .spawn_scoped(scope, move || {
                    let mut work = match setup.work() {
                        Ok(work) => work,
                        Err(e) => {
                            let _ = done_tx.send(Err(e));
                            return;
                        }
                    };
                    loop {
                        let next = match work_rx.lock() {
                            Ok(rx) => rx.recv(),
                            Err(_) => break,
                        };
                        let Ok(mut batch) = next else { break };
                        if turns.is_none() && batch.out.capacity() == 0 {
                            let spare = spare_out.lock().ok().and_then(|mut s| s.pop());
                            batch.out = spare.unwrap_or_default();
                        }
                        let result = work.process(&mut batch, turns).map(|()| batch);
                        if done_tx.send(result).is_err() {
                            break;
                        }
                    }
                })
                .map_err(spawn_failed)?;
        }
        drop(done_tx);
        // In order: when a batch is taken back, every batch up to it has
        // ended, so all were written (`Turns::end`), and no more buffers
        // wait for their turn than batches are in flight.
        super::run::merge_in_order(done_rx, pool_tx, |batch| {
            merge(batch)?;
            if turns.is_none()
                && let Ok(mut spare) = spare_out.lock()
            {
                spare.push(std::mem::take(&mut batch.out));
            }
            Ok(())
        })
    })?;
    if let Some(e) = read_error.lock().ok().and_then(|mut e| e.take()) {
        return Err(e.into());
    }
    Ok(batches)
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

#[cfg(test)]
mod tests {
    use super::*;

    /// Batches end in any order and write their messages before or after
    /// their turn: the output holds every message once, in batch order,
    /// each batch's in the order written.
    #[test]
    fn turns_write_every_batch_once_in_order_whatever_order_they_end_in() {
        // (batch, message) steps; message `END` ends the batch.
        const END: u8 = 0;
        let orders: [&[(u8, u8)]; 4] = [
            &[(0, 1), (0, END), (1, 1), (1, 2), (1, END), (2, END)],
            &[(2, 1), (2, END), (1, 1), (1, END), (0, 1), (0, 2), (0, END)],
            &[
                (1, 1),
                (0, 1),
                (1, 2),
                (0, END),
                (1, 3),
                (2, 1),
                (1, END),
                (2, END),
            ],
            &[
                (3, 1),
                (1, 1),
                (3, END),
                (0, END),
                (2, 1),
                (1, END),
                (2, END),
            ],
        ];
        let schema = {
            let mut bytes = Vec::new();
            ArrowStage::new(&mut bytes as &mut (dyn Write + Send), &[]).unwrap();
            bytes
        };
        for steps in orders {
            let batches = steps.iter().map(|s| s.0).max().unwrap_or(0) + 1;
            let mut bytes = Vec::new();
            let mut stage = ArrowStage::new(&mut bytes as &mut (dyn Write + Send), &[]).unwrap();
            let turns = Turns::new(&mut stage);
            let mut buffers = vec![Vec::new(); usize::from(batches)];
            for &(batch, message) in steps {
                let buffer = &mut buffers[usize::from(batch)];
                if message == END {
                    turns.end(u64::from(batch), buffer).unwrap();
                } else {
                    let m = [b'a' + batch, b'0' + message];
                    turns
                        .write(u64::from(batch), buffer, |w| w.write_all(&m))
                        .unwrap();
                }
            }
            assert_eq!(turns.next().unwrap(), u64::from(batches), "{steps:?}");
            drop(turns);
            drop(stage);
            let mut want: Vec<(u8, u8)> = steps.iter().copied().filter(|s| s.1 != END).collect();
            want.sort_by_key(|s| s.0);
            let want: Vec<u8> = want
                .iter()
                .flat_map(|&(b, m)| [b'a' + b, b'0' + m])
                .collect();
            assert_eq!(bytes, [schema.clone(), want].concat(), "{steps:?}");
        }
    }
}
