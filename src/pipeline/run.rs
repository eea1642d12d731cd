//! One run: the chunks read, processed and merged on one thread or many.

use std::collections::BTreeMap;
use std::io::Write;
use std::sync::mpsc::{Receiver, SyncSender, sync_channel};
use std::sync::{Arc, Mutex};

use super::budget::Collector;
use super::merger::{Merger, ReformMerge};
use super::persons::PersonFeed;
use super::worker::{Batch, Worker};
use super::{Job, Options, PipelineError, Plan, RejectSink, Totals};
use crate::input::{self, IdSet, InputError, Layout, RowParser, Source};
use crate::policy::Policy;
use crate::report::compare::CompareWriter;
use crate::report::summary::{self};
use crate::report::{DecisionWriter, Format};

/// What a run leaves behind.
pub(super) struct Finished {
    pub(super) totals: Totals,
    pub(super) summary: Option<summary::Summary>,
    pub(super) collector: Option<Collector>,
    pub(super) ranked: u64,
    /// Comparing: the reform's summary and the change tally.
    pub(super) reform_summary: Option<summary::Summary>,
    pub(super) tally: Option<crate::report::compare::Tally>,
    /// Comparing with `--budget`: the reform's eligible households (ranking
    /// pass), or how many were written with a rank (writing pass).
    pub(super) reform_collector: Option<Collector>,
    pub(super) reform_ranked: u64,
    /// `[ranking]`, first pass: the population.
    pub(super) welfare: Option<super::rank::Collector>,
    /// `[ranking]` with a summary: the table per decile.
    pub(super) deciles: Option<crate::report::deciles::DecileTally>,
}

pub(super) fn run(
    policy: &Policy,
    layout: &Layout,
    source: Source,
    plan: Plan<'_>,
    out: &mut dyn Write,
    rejects: &mut dyn RejectSink,
    options: &Options,
) -> Result<Finished, PipelineError> {
    let Source {
        name,
        delimiter,
        chunker,
        sheet,
        table,
        ..
    } = source;
    // A Parquet file: record batches, decoded on the reader thread.
    let feed = match (sheet, table) {
        (Some(rows), _) => Feed::Sheet(rows),
        (None, Some(table)) => Feed::Columnar(Box::new(input::columnar::Rows::new(
            &name,
            table,
            policy,
            layout,
            options.chunk_bytes,
        )?)),
        (None, None) => Feed::Chunks(chunker),
    };
    run_feed(
        policy, layout, feed, &name, delimiter, plan, out, rejects, options,
    )
}

/// Where batches come from: chunks of a household file, or whole
/// households of a person file.
pub(super) enum Feed<'s> {
    Chunks(input::Chunker),
    Persons(Box<PersonFeed<'s>>),
    /// Rows of a spreadsheet (`input::sheet`).
    Sheet(Box<input::sheet::SheetRows>),
    /// A Parquet file's record batches (`input::columnar`).
    Columnar(Box<input::columnar::Rows>),
}

impl Feed<'_> {
    /// Fill `batch` with the next chunk; false at the end of the input.
    fn next(&mut self, name: &str, target: usize, batch: &mut Batch) -> Result<bool, InputError> {
        batch.sheet.active = false;
        batch.columnar.active = false;
        match self {
            Feed::Chunks(chunker) => {
                batch.persons.active = false;
                match chunker
                    .next_chunk(target, &mut batch.data)
                    .map_err(|e| InputError::reading(name, e))?
                {
                    Some(start) => {
                        batch.start = start;
                        Ok(true)
                    }
                    None => Ok(false),
                }
            }
            Feed::Columnar(rows) => {
                batch.persons.active = false;
                batch.data.clear();
                rows.next(&mut batch.columnar)
            }
            Feed::Persons(feed) => {
                let mut skipped = 0;
                let more = feed.next(target, &mut batch.persons, &mut skipped)?;
                batch.data.clear();
                batch.feed_skipped = skipped;
                Ok(more)
            }
            Feed::Sheet(rows) => {
                batch.persons.active = false;
                batch.data.clear();
                rows.next_block(&mut batch.sheet)
            }
        }
    }
}

#[allow(clippy::too_many_arguments)]
pub(super) fn run_feed(
    policy: &Policy,
    layout: &Layout,
    mut feed: Feed<'_>,
    name: &str,
    delimiter: u8,
    plan: Plan<'_>,
    out: &mut dyn Write,
    rejects: &mut dyn RejectSink,
    options: &Options,
) -> Result<Finished, PipelineError> {
    // Later passes of a `[ranking]` decide with the first pass's cut-points;
    // community overrides apply to the decisions written and to the ranking
    // pass, not to a comparison.
    let plan = Plan {
        deciles: options.deciles.as_deref().or(plan.deciles),
        overrides: match plan.job {
            Job::Assess(_) | Job::Rank if plan.compare.is_none() => options.overrides.as_deref(),
            _ => None,
        },
        ..plan
    };
    let format = plan.format();
    let writer = DecisionWriter::with_shape(policy, format, plan.shape);
    let writes = matches!(plan.job, Job::Assess(_));
    let compared = plan
        .compare
        .map(|cmp| CompareWriter::new(policy, cmp.reform, format));
    let mut head = Vec::new();
    if let Some(w) = &compared {
        w.begin(&mut head);
        if format == Format::Csv {
            super::weight::extend_csv_header(&mut head, layout.weight.is_some(), false);
            if plan.ranking.is_some() {
                head.pop();
                for c in crate::report::compare::BUDGET_COLUMNS {
                    head.push(b',');
                    head.extend_from_slice(c.as_bytes());
                }
                head.push(b'\n');
            }
        }
    }
    if writes {
        writer.begin(&mut head);
        if format == Format::Csv {
            // The weight, then the budget columns, come last (CSV columns are
            // only ever appended).
            let weight = layout.weight.is_some();
            if plan.overrides.is_some() {
                crate::report::overrides::extend_csv_header(&mut head);
            }
            super::weight::extend_csv_header(&mut head, weight, plan.ranking.is_some());
            if plan.deciles.is_some() {
                super::rank::extend_csv_header(&mut head);
            }
        }
    }
    out.write_all(&head).map_err(PipelineError::Output)?;
    let mut merger = Merger {
        parser: RowParser::new(policy, layout),
        format,
        ids: IdSet::default(),
        known: plan.deciles.map(|d| d.known_ids.replay()),
        unique_ids: plan.unique_ids,
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
        reform: plan.compare.map(|cmp| ReformMerge {
            summary: cmp
                .summaries
                .map(|(_, spec)| (spec, summary::Summary::default())),
            tally: crate::report::compare::Tally::new(policy, cmp.reform),
            dropped: Vec::new(),
            collector: (plan.job == Job::Rank).then(Collector::default),
            ranked: 0,
        }),
        written: 0,
        progress: options.progress.clone(),
        welfare: (plan.job == Job::Welfare)
            .then(|| super::rank::Collector::new(super::rank::DEFAULT_MEMORY_ENTRIES)),
        decile_tally: (writes && plan.deciles.is_some() && plan.summary.is_some()).then(|| {
            let width = crate::report::deciles::DecileTally::width(policy.programs.len());
            (crate::report::deciles::DecileTally::default(), width)
        }),
    };
    if options.threads <= 1 {
        let mut worker = Worker::new(policy, layout, plan, delimiter, name);
        let mut batch = Batch::default();
        let mut index = 0;
        while feed.next(name, options.chunk_bytes, &mut batch)? {
            batch.index = index;
            index += 1;
            worker.process(&mut batch)?;
            merger.merge(&mut batch)?;
        }
    } else {
        run_parallel(
            policy,
            layout,
            plan,
            delimiter,
            name,
            feed,
            &mut merger,
            options,
        )?;
    }
    if merger.known.as_ref().is_some_and(|k| !k.same_ids()) {
        return Err(PipelineError::IdsChanged);
    }
    let mut tail = Vec::new();
    if writes {
        writer.end(merger.totals.decided > 0, &mut tail);
    }
    if let Some(w) = &compared {
        w.end(merger.written > 0, &mut tail);
    }
    merger.write(&tail)?;
    merger.out.flush().map_err(PipelineError::Output)?;
    let (reform_summary, tally, reform_collector, reform_ranked) = match merger.reform {
        Some(r) => (
            r.summary.map(|(_, s)| s),
            Some(r.tally),
            r.collector,
            r.ranked,
        ),
        None => (None, None, None, 0),
    };
    Ok(Finished {
        totals: merger.totals,
        summary: merger.summary.map(|(_, s)| s),
        collector: merger.collector,
        ranked: merger.ranked,
        reform_summary,
        tally,
        reform_collector,
        reform_ranked,
        welfare: merger.welfare,
        deciles: merger.decile_tally.map(|(t, _)| t),
    })
}

#[allow(clippy::too_many_arguments)]
pub(super) fn run_parallel(
    policy: &Policy,
    layout: &Layout,
    plan: Plan<'_>,
    delimiter: u8,
    name: &str,
    mut feed: Feed<'_>,
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
    let read_error: Mutex<Option<InputError>> = Mutex::new(None);

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
                read_batches(&mut feed, name, chunk_bytes, &pool_rx, &work_tx, read_error);
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
                    process_batches(&mut worker, &work_rx, &done_tx);
                })
                .map_err(spawn_failed)?;
        }
        drop(done_tx);
        merge_in_order(done_rx, pool_tx, |batch| merger.merge(batch)).map(drop)
    })?;
    if let Some(e) = read_error.lock().ok().and_then(|mut e| e.take()) {
        return Err(e.into());
    }
    Ok(())
}

/// The reader thread: cut the input into the empty batches of the pool, number
/// them and hand them to the workers, until the input ends, the workers are
/// gone or reading fails (the error is left in `read_error`).
fn read_batches(
    feed: &mut Feed<'_>,
    name: &str,
    chunk_bytes: usize,
    pool_rx: &Receiver<Batch>,
    work_tx: &SyncSender<Batch>,
    read_error: &Mutex<Option<InputError>>,
) {
    hand_out(
        |batch| feed.next(name, chunk_bytes, batch),
        pool_rx,
        work_tx,
        read_error,
    );
}

/// The reader's loop, whatever fills a batch (`fill`: false at the end of
/// the input): number each filled batch and send it to the workers. Stage
/// mode's reader is this loop too.
pub(super) fn hand_out(
    mut fill: impl FnMut(&mut Batch) -> Result<bool, InputError>,
    pool_rx: &Receiver<Batch>,
    work_tx: &SyncSender<Batch>,
    read_error: &Mutex<Option<InputError>>,
) {
    let mut index = 0u64;
    while let Ok(mut batch) = pool_rx.recv() {
        match fill(&mut batch) {
            Ok(true) => {
                batch.index = index;
                index += 1;
                if work_tx.send(batch).is_err() {
                    break;
                }
            }
            Ok(false) => break,
            Err(e) => {
                if let Ok(mut slot) = read_error.lock() {
                    *slot = Some(e);
                }
                break;
            }
        }
    }
}

/// A worker thread: assess the batches the reader cut and pass them (or the
/// first error in one) on to the merger, until either side is gone.
fn process_batches(
    worker: &mut Worker<'_>,
    work_rx: &Mutex<Receiver<Batch>>,
    done_tx: &SyncSender<Result<Batch, InputError>>,
) {
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
}

/// Take processed batches as they come, `merge` them in index order, and
/// return their buffers to the pool; the count of batches merged.
/// Returning (normally or with an error) drops the channels, which stops
/// the reader and the workers.
pub(super) fn merge_in_order<E>(
    done: Receiver<Result<Batch, E>>,
    pool: SyncSender<Batch>,
    mut merge: impl FnMut(&mut Batch) -> Result<(), PipelineError>,
) -> Result<u64, PipelineError>
where
    PipelineError: From<E>,
{
    let mut waiting: BTreeMap<u64, Batch> = BTreeMap::new();
    let mut next = 0u64;
    for result in done {
        let batch = result?;
        waiting.insert(batch.index, batch);
        while let Some(mut batch) = waiting.remove(&next) {
            merge(&mut batch)?;
            next += 1;
            // The reader may already have stopped; then the batch is simply freed.
            let _ = pool.send(batch);
        }
    }
    Ok(next)
}
