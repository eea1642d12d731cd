//! The workers: parse, decide and write the rows of one batch, in any order.

use super::compare::{self, Compared, ReformWork};
use super::persons::PersonWork;
use super::persons::feed::PersonBatch;
use super::{Job, Plan, budget, group_key, weight};
use crate::engine::{Engine, Scratch};
use crate::input::columnar::CellRow;
use crate::input::record::{LineCounter, QuoteFree, chunk_reader, is_blank};
use crate::input::sheet::{SheetBatch, SheetCheck};
use crate::input::{self, ChunkStart, Fields, InputError, Layout, Reject, RowParser};
use crate::policy::Policy;
use crate::report::summary::{BatchAcc, BudgetStanding, GroupKeySource, NO_GROUP, SummarySpec};
use crate::report::{Decision, DecisionWriter, Format};
use budget::Ranking;

/// One row's result inside a batch.
#[derive(Debug, Clone, Copy)]
pub(super) struct Row {
    pub(super) line: u64,
    /// The id fingerprint the row claims (`None`: it claims nothing).
    pub(super) fingerprint: Option<u128>,
    /// The id's bytes in `Batch::ids`.
    pub(super) id: (usize, usize),
    /// Decided: end of its bytes in `Batch::out`. Rejected: `usize::MAX`.
    /// (Offsets are `usize`: one batch's output can pass 4 GiB when a
    /// policy writes long reasons.)
    pub(super) end: usize,
    /// Rejected: index in `Batch::rejects`; the row's further problems
    /// (validation with `all_errors`) follow it there.
    pub(super) reject: usize,
    pub(super) more: usize,
    /// Counted in the batch's summary: its index there (`u32::MAX`: not counted).
    /// A batch holds fewer than 2³¹ rows (each takes at least two bytes of a
    /// chunk, and `--chunk-bytes` is a `u32`).
    pub(super) fact: u32,
    /// Its group in the batch's summary, where a reject is counted too
    /// (`NO_GROUP`: none, or no summary).
    pub(super) group: u32,
    /// Ranking pass: the priority key and monthly total of an eligible row.
    /// Writing pass with a ranking: whether the row was written with a rank.
    pub(super) eligible: bool,
    pub(super) priority: i32,
    pub(super) monthly: u64,
    /// Person modes: the household's persons.
    pub(super) persons: u32,
    /// Person modes: a rejected person without a household (not a household row).
    pub(super) orphan: bool,
    /// Comparing: its facts in `Batch::compared` (`u32::MAX`: none).
    pub(super) compared: u32,
    /// `[ranking]`, first pass: its welfare (its weight is in `monthly`)
    /// and its group's value in `Batch::keys`.
    pub(super) welfare: f64,
    pub(super) key: (u32, u32),
    /// `[ranking]` with a summary: its facts in `Batch::decile_facts`
    /// (`u32::MAX`: none).
    pub(super) decile_fact: u32,
}

impl Row {
    pub(super) fn new(line: u64, fingerprint: Option<u128>, id: (usize, usize)) -> Row {
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
            persons: 0,
            orphan: false,
            compared: u32::MAX,
            welfare: 0.0,
            key: (0, 0),
            decile_fact: u32::MAX,
        }
    }
}

/// A chunk of input and, once processed, its output.
pub(super) struct Batch {
    pub(super) index: u64,
    pub(super) start: ChunkStart,
    pub(super) data: Vec<u8>,
    pub(super) out: Vec<u8>,
    pub(super) rows: Vec<Row>,
    pub(super) ids: Vec<u8>,
    pub(super) rejects: Vec<Reject>,
    pub(super) summary: BatchAcc,
    /// Blank rows skipped in this chunk.
    pub(super) skipped: u64,
    /// Person modes: whole households and their persons (instead of `data`).
    pub(super) persons: PersonBatch,
    /// Person modes: blank rows the feed skipped.
    pub(super) feed_skipped: u64,
    /// A spreadsheet's rows (instead of `data`).
    pub(super) sheet: SheetBatch,
    /// A Parquet file's rows (instead of `data`).
    pub(super) columnar: input::columnar::Columnar,
    /// Comparing: the reform's summary of the batch, and each row's facts.
    pub(super) reform_summary: BatchAcc,
    pub(super) compared: Vec<Compared>,
    /// `[ranking]`, first pass: the rows' group values (`--rank-within`).
    pub(super) keys: Vec<u8>,
    /// `[ranking]` with a summary: each decided row's decile facts
    /// (`report::deciles::facts`).
    pub(super) decile_facts: Vec<u64>,
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
            persons: PersonBatch::default(),
            feed_skipped: 0,
            sheet: SheetBatch::default(),
            columnar: input::columnar::Columnar::default(),
            reform_summary: BatchAcc::default(),
            compared: Vec::new(),
            keys: Vec::new(),
            decile_facts: Vec::new(),
        }
    }
}

/// Add the `funded` and `rank` fields at the end of a decision just written.
pub(super) fn append_budget(format: Format, out: &mut Vec<u8>, rank: Option<u32>, funded: bool) {
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

/// A record's region as a decision shows it (empty without a region input).
#[inline]
pub(super) fn region<'r, R: Fields + ?Sized>(
    policy: &Policy,
    parser: &'r RowParser<'_>,
    record: &'r R,
) -> &'r [u8] {
    policy
        .fields
        .region_input
        .map_or(&b""[..], |r| parser.text(record, r))
}

/// A worker's reusable state.
pub(super) struct Worker<'p> {
    pub(super) parser: RowParser<'p>,
    pub(super) engine: Engine<'p>,
    pub(super) scratch: Scratch,
    pub(super) writer: DecisionWriter<'p>,
    pub(super) record: csv::ByteRecord,
    /// Field bounds of the current record of a quote-free chunk.
    pub(super) bounds: Vec<(u32, u32)>,
    pub(super) delimiter: u8,
    pub(super) name: &'p str,
    pub(super) job: Job,
    pub(super) summary: Option<&'p SummarySpec>,
    pub(super) ranking: Option<&'p Ranking>,
    /// The current row's `--by` value.
    pub(super) key: Vec<u8>,
    /// Report every bad cell of a rejected row (validation).
    pub(super) all_errors: bool,
    /// The current row's survey weight (`--weight`), once read; and whether
    /// the row was rejected for it.
    pub(super) weight: Option<u64>,
    pub(super) weight_failed: bool,
    /// Person modes: reading and folding persons.
    pub(super) person: Option<PersonWork<'p>>,
    /// Person modes: rows of the current batch that are lone persons, not
    /// households (they take no place among the rows a ranking counts).
    pub(super) orphans: u64,
    /// Spreadsheets: the cell types the policy expects (made on first use).
    pub(super) sheet_check: Option<Box<SheetCheck>>,
    /// Comparing: the reform policy's side.
    pub(super) reform: Option<Box<ReformWork<'p>>>,
    /// `[ranking]`: the input making the groups (`--rank-within`), and,
    /// after the first pass, the cut-points.
    pub(super) within: Option<usize>,
    pub(super) deciles: Option<&'p super::rank::Deciles>,
    /// Community overrides (`--overrides`).
    pub(super) overrides: Option<&'p crate::engine::overrides::Overrides>,
}

impl<'p> Worker<'p> {
    pub(super) fn new(
        policy: &'p Policy,
        layout: &'p Layout,
        plan: Plan<'p>,
        delimiter: u8,
        name: &'p str,
    ) -> Worker<'p> {
        let engine = Engine::new(policy);
        let format = plan.format();
        let mut scratch = engine.scratch();
        if let Some(d) = plan.deciles {
            scratch.cuts = d.cuts.clone();
        }
        Worker {
            parser: RowParser::new(policy, layout),
            scratch,
            engine,
            writer: DecisionWriter::with_shape(policy, format, plan.shape),
            record: csv::ByteRecord::new(),
            bounds: Vec::new(),
            delimiter,
            name,
            job: plan.job,
            summary: plan.summary,
            ranking: plan.ranking,
            key: Vec::new(),
            all_errors: plan.all_errors,
            weight: None,
            weight_failed: false,
            person: plan
                .persons
                .map(|(persons, setup)| PersonWork::new(policy, persons, setup)),
            orphans: 0,
            sheet_check: None,
            overrides: plan.overrides,
            reform: plan.compare.map(|cmp| {
                let persons = plan.summary.and_then(SummarySpec::persons_slot);
                Box::new(ReformWork::new(policy, cmp, format, persons))
            }),
            within: plan.deciles.map_or(plan.within, |d| d.within),
            deciles: plan.deciles,
        }
    }

    /// Parse, decide and write every row of the batch's chunk.
    pub(super) fn process(&mut self, batch: &mut Batch) -> Result<(), InputError> {
        batch.out.clear();
        batch.rows.clear();
        batch.ids.clear();
        batch.rejects.clear();
        batch.summary.clear();
        if self.reform.is_some() {
            batch.reform_summary.clear();
            batch.compared.clear();
        }
        batch.skipped = 0;
        batch.keys.clear();
        batch.decile_facts.clear();
        self.orphans = 0;
        // With a ranking: the index of this batch's first row among all rows,
        // and where its eligible rows start in the ranking.
        let base = self
            .ranking
            .map_or(0, |r| r.batch_base(batch.index).unwrap_or(u64::MAX / 2));
        let mut cursor = self.ranking.map_or(0, |r| r.cursor(base));
        if let Some(rw) = &mut self.reform {
            rw.cursor = rw.ranking.map_or(0, |r| r.cursor(base));
        }
        if batch.persons.active {
            batch.skipped = batch.feed_skipped;
            self.households(batch, base, &mut cursor);
            return Ok(());
        }
        if batch.sheet.active {
            self.sheet_rows(batch, base, &mut cursor);
            return Ok(());
        }
        if batch.columnar.active {
            return self.columnar_rows(batch, base, &mut cursor);
        }
        // The rows are read from the chunk while the batch's other buffers fill.
        let data = std::mem::take(&mut batch.data);
        let result = self.rows(&data, batch, base, &mut cursor);
        batch.data = data;
        result
    }

    /// Read the chunk's records: split in place when it holds no quote (the
    /// common case, several times cheaper), with the csv crate otherwise.
    pub(super) fn rows(
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

    /// A spreadsheet's rows: a row whose cell types the policy cannot take
    /// (a formula error, a date for a number …) is rejected for that, the
    /// others are read as a CSV file's rows are.
    fn sheet_rows(&mut self, batch: &mut Batch, base: u64, cursor: &mut usize) {
        let policy = self.engine.policy;
        let layout = self.parser.layout();
        let check = self
            .sheet_check
            .take()
            .unwrap_or_else(|| Box::new(SheetCheck::new(policy, layout)));
        let sheet = std::mem::take(&mut batch.sheet);
        for row in sheet.rows() {
            match check.reject(&self.parser, row, &mut self.scratch.slots) {
                None => self.row(row, row.line, batch, base, cursor),
                Some(reject) => {
                    self.rejected(row, row.line, reject, batch);
                    if self.all_errors {
                        let Some(r) = batch.rows.last_mut() else {
                            continue;
                        };
                        let mut more = batch.rejects.split_off(r.reject + 1);
                        check.more_problems(&self.parser, row, &batch.rejects[r.reject], &mut more);
                        r.more = more.len();
                        batch.rejects.append(&mut more);
                    }
                }
            }
        }
        batch.sheet = sheet;
        self.sheet_check = Some(check);
    }

    /// Parquet record batches: each one's columns to cells, then each row
    /// as a CSV record's.
    fn columnar_rows(
        &mut self,
        batch: &mut Batch,
        base: u64,
        cursor: &mut usize,
    ) -> Result<(), InputError> {
        // The `--by` column is read as text (`group_key`).
        let by = self.summary.and_then(|s| s.by()).map(|by| by.source());
        let keep_text = match by {
            Some(GroupKeySource::Column(c)) => Some(c),
            Some(GroupKeySource::Text(i) | GroupKeySource::Value(i)) => {
                self.parser.layout().columns.get(i).copied().flatten()
            }
            None => None,
        };
        self.columnar_records(batch, keep_text, |worker, record, line, batch| {
            worker.row(record, line, batch, base, cursor);
            Ok(())
        })
    }

    /// Each record of a batch of Parquet or Arrow rows, with its line, to
    /// `each` (stage mode reads its records' outcomes one by one). Column
    /// `keep_text` is read as text (see `Columnar::render`).
    pub(super) fn columnar_records<E: From<InputError>>(
        &mut self,
        batch: &mut Batch,
        keep_text: Option<usize>,
        mut each: impl FnMut(&mut Self, &CellRow<'_>, u64, &mut Batch) -> Result<(), E>,
    ) -> Result<(), E> {
        let mut rows = std::mem::take(&mut batch.columnar);
        // One record batch at a time: its columns stay in cache while its
        // rows are read.
        let result = loop {
            match rows.render(self.name, keep_text, &self.parser) {
                Ok(true) => {}
                Ok(false) => break Ok(()),
                Err(e) => break Err(e.into()),
            }
            let read = rows
                .rows()
                .try_for_each(|line, record| each(self, record, line, batch));
            if let Err(e) = read {
                break Err(e);
            }
        };
        batch.columnar = rows;
        result
    }

    /// Person modes: build each household's record from its persons and
    /// decide it like a household file's row.
    fn households(&mut self, batch: &mut Batch, base: u64, cursor: &mut usize) {
        let Some(mut work) = self.person.take() else {
            return;
        };
        let mut persons = std::mem::take(&mut batch.persons);
        persons.split_lines(!work.reads_lines());
        for entry in &persons.entries {
            let count = entry.person_count();
            if entry.orphan {
                let mut row = Row::new(entry.line, None, (0, 0));
                row.orphan = true;
                row.persons = 1;
                row.reject = batch.rejects.len();
                batch.rejects.push(work.orphan(&persons, entry));
                batch.rows.push(row);
                self.orphans += 1;
                continue;
            }
            let outcome = work.household(&persons, entry);
            let record = work.record(&persons, entry);
            let rows = batch.rows.len();
            match outcome {
                Ok(()) => self.row(&record, entry.line, batch, base, cursor),
                Err(reject) => self.rejected(&record, entry.line, reject, batch),
            }
            if batch.rows.len() > rows {
                if let Some(row) = batch.rows.last_mut() {
                    row.persons = count;
                }
            }
        }
        batch.persons = persons;
        self.person = Some(work);
    }

    /// A household rejected before its row is parsed (a problem of its persons).
    fn rejected<R: Fields + ?Sized>(
        &mut self,
        record: &R,
        line: u64,
        reject: Box<Reject>,
        batch: &mut Batch,
    ) {
        let id_start = batch.ids.len();
        let fingerprint = self.parser.id_key(record, &mut batch.ids);
        let mut row = Row::new(line, fingerprint, (id_start, batch.ids.len()));
        self.keep_reject(record, line, reject, &mut row, batch);
        batch.rows.push(row);
    }

    /// Parse, decide and write one record.
    pub(super) fn row<R: Fields + ?Sized>(
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
        let id_start = batch.ids.len();
        let fingerprint = self.parser.id_key(record, &mut batch.ids);
        let mut row = Row::new(line, fingerprint, (id_start, batch.ids.len()));
        if let Some(input) = self.within {
            self.rank_group(record, input, &mut row, batch);
        }
        let decided = self.check_and_decide(record, line).and_then(|()| {
            // Community overrides, after the rules and before ranking.
            match self.overrides {
                Some(ov) if !matches!(self.job, Job::Validate | Job::Welfare) => ov
                    .apply(
                        &self.engine,
                        &mut self.scratch,
                        &batch.ids[id_start..],
                        matches!(self.job, Job::Assess(_)),
                    )
                    .map_err(|e| {
                        Box::new(input::evaluation_reject(
                            &self.parser,
                            record,
                            line,
                            e.value,
                            &e,
                        ))
                    }),
                _ => Ok(()),
            }
        });
        match decided {
            Ok(()) => match self.job {
                Job::Validate => row.end = batch.out.len(),
                Job::Welfare => self.note_welfare(&mut row, batch.out.len()),
                Job::Rank if self.reform.is_some() => {
                    self.rank_both(record, line, &mut row, batch);
                }
                Job::Rank => self.note_for_ranking(&mut row, batch.out.len()),
                Job::Assess(_) => self.write_decision(record, &mut row, batch, base, cursor),
                Job::Compare(_) => {
                    let index = base + batch.rows.len() as u64 - self.orphans;
                    self.compare(record, line, &mut row, batch, (index, cursor));
                }
            },
            Err(reject) => self.keep_reject(record, line, reject, &mut row, batch),
        }
        batch.rows.push(row);
    }

    // The steps of `row` below run once per row and each has that one
    // caller: they are inlined so that naming them costs no call.

    /// Fill the scratch's slots from the record and, unless only validating,
    /// decide the row.
    #[inline(always)]
    fn check_and_decide<R: Fields + ?Sized>(
        &mut self,
        record: &R,
        line: u64,
    ) -> Result<(), Box<Reject>> {
        let s = &mut self.scratch;
        self.weight_failed = false;
        self.parser.parse(record, line, &mut s.slots)?;
        // The survey weight (`--weight`) is read after the inputs and the
        // row checks, before deciding.
        self.weight = self.parser.weight(record, line).inspect_err(|_| {
            self.weight_failed = true;
        })?;
        match self.job {
            Job::Validate => Ok(()),
            Job::Welfare => self.engine.welfare(s).map_err(|e| {
                Box::new(input::evaluation_reject(
                    &self.parser,
                    record,
                    line,
                    e.value,
                    &e,
                ))
            }),
            Job::Assess(_) | Job::Rank | Job::Compare(_) => self.engine.decide(s).map_err(|e| {
                Box::new(input::evaluation_reject(
                    &self.parser,
                    record,
                    line,
                    e.value,
                    &e,
                ))
            }),
        }
    }

    /// `[ranking]` with `--rank-within`: the row's group, kept for the
    /// first pass, looked up among the cut-points' groups after it.
    #[inline(always)]
    fn rank_group<R: Fields + ?Sized>(
        &mut self,
        record: &R,
        input: usize,
        row: &mut Row,
        batch: &mut Batch,
    ) {
        let key = self.parser.text(record, input);
        match self.deciles {
            Some(d) => self.scratch.rank_group = d.group_of(key),
            None => {
                let start = batch.keys.len() as u32;
                batch.keys.extend_from_slice(key);
                row.key = (start, batch.keys.len() as u32);
            }
        }
    }

    /// `[ranking]`, first pass: the row's welfare and population weight.
    #[inline(always)]
    fn note_welfare(&self, row: &mut Row, end: usize) {
        let s = &self.scratch;
        row.end = end;
        if let Some(r) = &self.engine.policy.ranking {
            row.welfare = s.slots[r.welfare_slot];
        }
        row.monthly = super::rank::population_weight(s.rank_persons, self.weight);
    }

    /// Ranking pass: note what ranking needs of a decided row (nothing is written).
    #[inline(always)]
    fn note_for_ranking(&self, row: &mut Row, end: usize) {
        let s = &self.scratch;
        row.end = end;
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

    /// Write a decided row (with its rank, given a ranking) and count it in
    /// the batch's summary.
    #[inline(always)]
    fn write_decision<R: Fields + ?Sized>(
        &mut self,
        record: &R,
        row: &mut Row,
        batch: &mut Batch,
        base: u64,
        cursor: &mut usize,
    ) {
        let policy = self.engine.policy;
        let s = &mut self.scratch;
        let rank = self
            .ranking
            .and_then(|r| r.rank_of(cursor, base + batch.rows.len() as u64 - self.orphans));
        let funded = rank.is_some_and(|k| self.ranking.is_some_and(|r| r.is_funded(k)));
        row.eligible = rank.is_some();
        if let Some(spec) = self.summary {
            group_key::decided_key(spec, &self.parser, record, &s.slots, &mut self.key);
            row.group = batch.summary.group(spec, &self.key);
            let standing = BudgetStanding { funded };
            let weight = self.weight.unwrap_or_default();
            row.fact = batch
                .summary
                .add_weighted(spec, policy, s, row.group, standing, weight);
        }
        let mut d = Decision {
            // The id as `id_key` read it (a decided row always claims one:
            // its id is required), composite or not.
            household_id: &batch.ids[row.id.0..row.id.1],
            region: region(policy, &self.parser, record),
            scratch: s,
        };
        self.writer.decision(&mut d, &mut batch.out);
        if let Some(ov) = self.overrides {
            crate::report::overrides::append(self.writer.format(), &mut batch.out, s, ov, policy);
        }
        if let Some(units) = self.weight {
            weight::append_weight(self.writer.format(), &mut batch.out, units);
        }
        if self.ranking.is_some() {
            append_budget(self.writer.format(), &mut batch.out, rank, funded);
        }
        if let (Some(_), Some(r)) = (self.deciles, &policy.ranking) {
            let decile = s.slots[r.decile_slot] as u32;
            super::rank::append_decile(self.writer.format(), &mut batch.out, decile);
            if self.summary.is_some() {
                row.decile_fact = batch.decile_facts.len() as u32;
                crate::report::deciles::facts(
                    decile,
                    s.rank_persons,
                    &s.programs,
                    &mut batch.decile_facts,
                );
            }
        }
        row.end = batch.out.len();
    }

    /// Comparing: decide the row under the reform too (taking the reform's
    /// side out of the worker); a row the reform cannot evaluate is rejected.
    #[inline(always)]
    fn decide_reform<R: Fields + ?Sized>(
        &mut self,
        record: &R,
        line: u64,
        row: &mut Row,
        batch: &mut Batch,
    ) -> Option<Box<ReformWork<'p>>> {
        let Some(mut rw) = self.reform.take() else {
            row.end = batch.out.len();
            return None;
        };
        rw.load_inputs(&self.scratch.slots);
        if let Some((input, d)) = rw.within {
            rw.scratch.rank_group = d.group_of(self.parser.text(record, input));
        }
        if let Err(e) = rw.engine.decide(&mut rw.scratch) {
            let problem = format_args!("under the reform, {e}");
            let reject = Box::new(input::evaluation_reject(
                &self.parser,
                record,
                line,
                e.value,
                &problem,
            ));
            self.reform = Some(rw);
            self.keep_reject(record, line, reject, row, batch);
            return None;
        }
        Some(rw)
    }

    /// Comparing with `--budget`, ranking pass: note what ranking needs of
    /// both decisions (nothing is written).
    fn rank_both<R: Fields + ?Sized>(
        &mut self,
        record: &R,
        line: u64,
        row: &mut Row,
        batch: &mut Batch,
    ) {
        let Some(rw) = self.decide_reform(record, line, row, batch) else {
            return;
        };
        self.note_for_ranking(row, batch.out.len());
        row.compared = batch.compared.len() as u32;
        batch.compared.push(rw.for_ranking());
        self.reform = Some(rw);
    }

    /// Comparing: decide the row under the reform too, count both
    /// decisions in their summaries and write the row when it changed (or
    /// every row is wanted). `index` is the row's place among the rows
    /// read, for its ranks (`--budget`).
    fn compare<R: Fields + ?Sized>(
        &mut self,
        record: &R,
        line: u64,
        row: &mut Row,
        batch: &mut Batch,
        (index, cursor): (u64, &mut usize),
    ) {
        let Some(mut rw) = self.decide_reform(record, line, row, batch) else {
            return;
        };
        let policy = self.engine.policy;
        let s = &mut self.scratch;
        let change = rw.writer.change(s, &rw.scratch);
        let weight = self.weight.unwrap_or_default();
        let mut facts = rw.facts(s, change, weight);
        let base_rank = self.ranking.and_then(|r| r.rank_of(cursor, index));
        let base_funded = base_rank.is_some_and(|k| self.ranking.is_some_and(|r| r.is_funded(k)));
        row.eligible = base_rank.is_some();
        let reform_rank = match rw.ranking {
            Some(r) => r.rank_of(&mut rw.cursor, index),
            None => None,
        };
        let reform_funded = reform_rank.is_some_and(|k| rw.ranking.is_some_and(|r| r.is_funded(k)));
        facts.eligible = reform_rank.is_some();
        if let Some(spec) = self.summary {
            group_key::decided_key(spec, &self.parser, record, &s.slots, &mut self.key);
            row.group = batch.summary.group(spec, &self.key);
            let standing = BudgetStanding {
                funded: base_funded,
            };
            row.fact = batch
                .summary
                .add_weighted(spec, policy, s, row.group, standing, weight);
            if let Some(spec) = rw.summary {
                facts.group = batch.reform_summary.group(spec, &self.key);
                let standing = BudgetStanding {
                    funded: reform_funded,
                };
                facts.fact = batch.reform_summary.add_weighted(
                    spec,
                    rw.engine.policy,
                    &rw.scratch,
                    facts.group,
                    standing,
                    weight,
                );
            }
        }
        row.compared = batch.compared.len() as u32;
        batch.compared.push(facts);
        // With a budget, a household whose funding changes is a changed row
        // too (its `change` still says how its decision changed).
        let funding_changed = base_funded != reform_funded;
        if rw.all || change != crate::report::compare::Change::Same || funding_changed {
            let id = &batch.ids[row.id.0..row.id.1];
            rw.writer.row(id, s, &rw.scratch, change, &mut batch.out);
            if let Some(units) = self.weight {
                weight::append_weight(rw.writer.format(), &mut batch.out, units);
            }
            if self.ranking.is_some() {
                crate::report::compare::append_budget(
                    rw.writer.format(),
                    &mut batch.out,
                    (base_rank, base_funded),
                    (reform_rank, reform_funded),
                );
            }
        }
        row.end = batch.out.len();
        self.reform = Some(rw);
    }

    /// Keep a rejected row's reject (and, validating with `all_errors`, its
    /// further problems after it), and find its group in the summary.
    #[inline(always)]
    fn keep_reject<R: Fields + ?Sized>(
        &mut self,
        record: &R,
        line: u64,
        reject: Box<Reject>,
        row: &mut Row,
        batch: &mut Batch,
    ) {
        if let Some(spec) = self.summary {
            let (key, acc) = (&mut self.key, &mut batch.summary);
            row.group = group_key::rejected_group(
                spec,
                &self.parser,
                self.engine.policy,
                record,
                &reject,
                key,
                acc,
            );
        }
        if let Some(rw) = &self.reform {
            let group =
                compare::reform_group(rw.summary, &mut batch.reform_summary, row.group, &self.key);
            row.compared = batch.compared.len() as u32;
            batch.compared.push(Compared::rejected(group));
        }
        row.reject = batch.rejects.len();
        if self.all_errors {
            self.parser
                .more_bad_cells(record, line, &reject, &mut batch.rejects);
            self.weight_problem(record, line, &reject, &mut batch.rejects);
            // The first problem goes first.
            batch.rejects.insert(row.reject, *reject);
            row.more = batch.rejects.len() - row.reject - 1;
        } else {
            batch.rejects.push(*reject);
        }
    }

    /// Validation with every error: the weight cell's problem too, when the
    /// row was rejected for another cell or a row check (not as a whole,
    /// nor for the weight itself).
    #[cold]
    fn weight_problem<R: Fields + ?Sized>(
        &self,
        record: &R,
        line: u64,
        first: &Reject,
        out: &mut Vec<Reject>,
    ) {
        let per_cell = matches!(
            first.code,
            input::RejectCode::MissingRequired
                | input::RejectCode::InvalidValue
                | input::RejectCode::OutOfRange
                | input::RejectCode::CheckFailed
        );
        if self.weight_failed || !per_cell || record.len() != self.parser.layout().field_count {
            return;
        }
        if let Err(problem) = self.parser.weight(record, line) {
            out.push(*problem);
        }
    }
}
