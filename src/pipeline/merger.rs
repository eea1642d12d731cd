//! The merger: the order-dependent end of the pipeline.

use std::io::Write;

use super::worker::Batch;
use super::{PipelineError, RejectSink, Totals, budget};
use crate::input::{IdSet, Reject, RejectCode, RowParser};
use crate::report::Format;
use crate::report::summary::{self, BatchAcc, SummarySpec};
use budget::{Collector, Ranking};

/// The order-dependent end of the pipeline: ids, output, rejects, counts.
pub(super) struct Merger<'a, 'p> {
    pub(super) parser: RowParser<'p>,
    pub(super) format: Format,
    pub(super) ids: IdSet,
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

    pub(super) fn also(&mut self, problem: &Reject) -> Result<(), PipelineError> {
        self.rejects.also(problem).map_err(PipelineError::Output)
    }

    pub(super) fn write(&mut self, bytes: &[u8]) -> Result<(), PipelineError> {
        self.out.write_all(bytes).map_err(PipelineError::Output)
    }

    pub(super) fn merge(&mut self, batch: &mut Batch) -> Result<(), PipelineError> {
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
