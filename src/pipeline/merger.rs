//! The merger: the order-dependent end of the pipeline.

use std::io::Write;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use super::compare::{self, Compared};
use super::worker::{Batch, Row};
use super::{PipelineError, RejectSink, Totals, budget};
use crate::input::{IdSet, Reject, RejectCode, RowParser};
use crate::report::Format;
use crate::report::compare::Tally;
use crate::report::summary::{self, BatchAcc, SummarySpec};
use budget::{Collector, Ranking};

/// The order-dependent end of the pipeline: ids, output, rejects, counts.
pub(super) struct Merger<'a, 'p> {
    pub(super) parser: RowParser<'p>,
    pub(super) format: Format,
    pub(super) ids: IdSet,
    /// A later pass of a `[ranking]`: the rows' claims as the first pass
    /// found them (`ids` is then not used).
    pub(super) known: Option<super::rank::IdReplay<'p>>,
    /// Every row's id is known to differ from the others' (person modes,
    /// from the household index): none is claimed.
    pub(super) unique_ids: bool,
    pub(super) out: &'a mut dyn Write,
    pub(super) rejects: &'a mut dyn RejectSink,
    pub(super) strict: bool,
    pub(super) totals: Totals,
    /// The summary so far, with what it counts.
    pub(super) summary: Option<(&'p SummarySpec, summary::Summary)>,
    /// Ranking pass: the eligible households so far.
    pub(super) collector: Option<Collector>,
    /// Writing pass with a ranking: decisions written with a rank.
    pub(super) ranked: u64,
    /// Writing pass: the ranking whose batches this pass must see again.
    pub(super) ranking: Option<&'p Ranking>,
    /// Report every problem of a rejected row (validation).
    pub(super) all_errors: bool,
    /// Facts of the current batch to take out of its summary (duplicates).
    pub(super) dropped: Vec<u32>,
    /// Comparing: the reform's summary and the change tally.
    pub(super) reform: Option<ReformMerge<'p>>,
    /// Rows written with some bytes (comparing writes only changed rows).
    pub(super) written: u64,
    /// Rows merged so far, for a progress display (`Options::progress`).
    pub(super) progress: Option<Arc<AtomicU64>>,
    /// `[ranking]`, first pass: the population so far.
    pub(super) welfare: Option<super::rank::Collector>,
    /// `[ranking]` with a summary: the table per decile so far, and the
    /// facts a household takes.
    pub(super) decile_tally: Option<(crate::report::deciles::DecileTally, usize)>,
}

/// The merger's side of a comparison.
pub(super) struct ReformMerge<'p> {
    pub(super) summary: Option<(&'p SummarySpec, summary::Summary)>,
    pub(super) tally: Tally,
    /// Facts of the current batch to take out of the reform's summary.
    pub(super) dropped: Vec<u32>,
    /// `--budget` ranking pass: the reform's eligible households so far.
    pub(super) collector: Option<Collector>,
    /// `--budget` writing pass: rows written with a reform rank.
    pub(super) ranked: u64,
}

impl Merger<'_, '_> {
    pub(super) fn reject(&mut self, r: &Reject) -> Result<(), PipelineError> {
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
    pub(super) fn count_in_group(&self, acc: &mut BatchAcc, group: u32, code: RejectCode) {
        let Some((spec, _)) = &self.summary else {
            return;
        };
        if let (Some(_), Some(reason)) =
            (spec.by(), RejectCode::ALL.iter().position(|c| *c == code))
        {
            acc.count_reject(spec, group, reason);
        }
    }

    /// A person rejected on its own (no household): counted as a person,
    /// not as a household row.
    fn lone_person(&mut self, r: &Reject) -> Result<(), PipelineError> {
        if self.strict {
            return Err(PipelineError::Strict(Box::new(r.clone())));
        }
        self.totals.persons.read += 1;
        self.totals.persons.rejected += 1;
        self.totals.persons.without_household += 1;
        self.rejects.reject(r).map_err(PipelineError::Output)
    }

    pub(super) fn also(&mut self, problem: &Reject) -> Result<(), PipelineError> {
        self.rejects.also(problem).map_err(PipelineError::Output)
    }

    pub(super) fn write(&mut self, bytes: &[u8]) -> Result<(), PipelineError> {
        self.out.write_all(bytes).map_err(PipelineError::Output)
    }

    /// Claim the ids of a processed batch's rows in order, write its
    /// decisions and report its rejects.
    pub(super) fn merge(&mut self, batch: &mut Batch) -> Result<(), PipelineError> {
        self.begin_batch(batch)?;
        let mut unwritten = Unwritten::default();
        // The id table is far larger than the caches: read the batch's slots
        // first, all at once, rather than wait for memory on every claim.
        if self.known.is_none() && !self.unique_ids {
            self.ids
                .warm(batch.rows.iter().filter_map(|row| row.fingerprint));
        }
        for row in &batch.rows {
            if row.orphan {
                self.lone_person(&batch.rejects[row.reject])?;
                continue;
            }
            let row_index = self.totals.read;
            self.totals.read += 1;
            self.totals.persons.read += u64::from(row.persons);
            let first = match &mut self.known {
                Some(known) => known.first(row_index, row.fingerprint),
                None if self.unique_ids => None,
                None => row
                    .fingerprint
                    .and_then(|fp| self.ids.claim_fingerprint(fp, row.line)),
            };
            if let Some(w) = &mut self.welfare {
                w.ids.note(row_index, row.fingerprint, first);
            }
            let id = &batch.ids[row.id.0..row.id.1];
            let compared = compare::of(row.compared, &batch.compared);
            if row.end == usize::MAX {
                let code = self.rejected_row(row, first, id, &batch.rejects, &mut batch.summary)?;
                self.count_in_reform(&mut batch.reform_summary, compared, code);
            } else if let Some(first) = first {
                // Decided, but its id was claimed earlier: drop its bytes.
                unwritten.skip(row.end, &batch.out, self.out)?;
                if row.fact != u32::MAX {
                    self.dropped.push(row.fact);
                }
                let dup = self.parser.duplicate_reject(row.line, id, first);
                self.reject(&dup)?;
                self.totals.persons.rejected += u64::from(row.persons);
                self.count_in_group(&mut batch.summary, row.group, RejectCode::DuplicateId);
                if let (Some(r), Some(c)) = (&mut self.reform, compared) {
                    if c.fact != u32::MAX {
                        r.dropped.push(c.fact);
                    }
                }
                self.count_in_reform(&mut batch.reform_summary, compared, RejectCode::DuplicateId);
            } else {
                self.decided_row(row, row_index, id, &mut unwritten, &batch.out)?;
                if let (Some((t, width)), Some(start)) = (
                    &mut self.decile_tally,
                    (row.decile_fact != u32::MAX).then_some(row.decile_fact as usize),
                ) {
                    if let Some(facts) = batch.decile_facts.get(start..start + *width) {
                        t.add(facts);
                    }
                }
                if let Some(w) = &mut self.welfare {
                    let key = &batch.keys[row.key.0 as usize..row.key.1 as usize];
                    w.push(key, row.welfare, row.monthly)
                        .map_err(PipelineError::Rank)?;
                }
                if let (Some(r), Some(c)) = (&mut self.reform, compared) {
                    r.tally.add(&c.row);
                    match &mut r.collector {
                        Some(collector) if c.eligible => {
                            if row_index > budget::MAX_ROWS {
                                return Err(PipelineError::TooManyRows);
                            }
                            collector.push(row_index, c.priority, c.monthly, id);
                        }
                        Some(_) => {}
                        None => r.ranked += u64::from(c.eligible),
                    }
                }
            }
        }
        if let Some(r) = &mut self.reform {
            if let Some((spec, total)) = &mut r.summary {
                for &fact in &r.dropped {
                    batch.reform_summary.remove(spec, fact);
                }
                total.merge(spec, &batch.reform_summary);
            }
            r.dropped.clear();
        }
        if let Some((spec, total)) = &mut self.summary {
            for &fact in &self.dropped {
                batch.summary.remove(spec, fact);
            }
            total.merge(spec, &batch.summary);
        }
        if let Some(progress) = &self.progress {
            progress.store(self.totals.read, Ordering::Relaxed);
        }
        let rest = &batch.out[unwritten.run_start..];
        self.write(rest)
    }

    // The steps of `merge` below run once per row (or batch) and each has
    // that one caller: they are inlined so that naming them costs no call.

    /// Start a batch: the ranking pass notes where it starts; the writing
    /// pass checks that it starts where the ranking pass saw it start.
    #[inline(always)]
    fn begin_batch(&mut self, batch: &Batch) -> Result<(), PipelineError> {
        if let Some(c) = &mut self.collector {
            c.batch(batch.index, self.totals.read);
        }
        if let Some(c) = self.reform.as_mut().and_then(|r| r.collector.as_mut()) {
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
        Ok(())
    }

    /// Count a decided row whose id is its own (its bytes stay in the run
    /// to write), and collect it for ranking.
    #[inline(always)]
    fn decided_row(
        &mut self,
        row: &Row,
        row_index: u64,
        id: &[u8],
        unwritten: &mut Unwritten,
        out: &[u8],
    ) -> Result<(), PipelineError> {
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
        // Comparing writes only the rows that changed: others have no bytes.
        let bytes = row.end > unwritten.row_start;
        if self.format == Format::Json && self.written == 0 && bytes {
            // The very first decision has no comma before it.
            unwritten.flush(out, self.out)?;
            unwritten.run_start = unwritten.row_start + 1;
        }
        self.written += u64::from(bytes);
        self.totals.decided += 1;
        self.totals.persons.used += u64::from(row.persons);
        unwritten.row_start = row.end;
        Ok(())
    }

    /// Report a rejected row: as a duplicate if an earlier row claimed its
    /// id (unless it failed at an input declared before the id).
    #[inline(always)]
    fn rejected_row(
        &mut self,
        row: &Row,
        first: Option<u64>,
        id: &[u8],
        rejects: &[Reject],
        acc: &mut BatchAcc,
    ) -> Result<RejectCode, PipelineError> {
        let original = &rejects[row.reject];
        self.totals.persons.rejected += u64::from(row.persons);
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
        self.count_in_group(acc, row.group, code);
        for problem in &rejects[row.reject + 1..row.reject + 1 + row.more] {
            self.also(problem)?;
        }
        Ok(code)
    }

    /// Comparing: count a reject in its `--by` group of the reform's summary too.
    #[inline(always)]
    fn count_in_reform(&self, acc: &mut BatchAcc, compared: Option<&Compared>, code: RejectCode) {
        let Some((spec, _)) = self.reform.as_ref().and_then(|r| r.summary.as_ref()) else {
            return;
        };
        if let (Some(c), Some(_), Some(reason)) = (
            compared,
            spec.by(),
            RejectCode::ALL.iter().position(|x| *x == code),
        ) {
            acc.count_reject(spec, c.group, reason);
        }
    }
}

/// Where a batch's output stands while the merger walks its rows: decided
/// rows' bytes are written in runs, cut where a row's bytes are dropped.
#[derive(Default)]
struct Unwritten {
    /// Start of the bytes not yet written.
    run_start: usize,
    /// Where the current decided row's bytes start.
    row_start: usize,
}

impl Unwritten {
    /// Write the run before the current row.
    #[inline(always)]
    fn flush(&self, out: &[u8], to: &mut dyn Write) -> Result<(), PipelineError> {
        to.write_all(&out[self.run_start..self.row_start])
            .map_err(PipelineError::Output)
    }

    /// Write the run before the current row and drop the row's bytes, which end at `end`.
    #[inline(always)]
    fn skip(&mut self, end: usize, out: &[u8], to: &mut dyn Write) -> Result<(), PipelineError> {
        self.flush(out, to)?;
        self.run_start = end;
        self.row_start = end;
        Ok(())
    }
}
