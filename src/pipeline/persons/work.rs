//! A worker's person side: a household's persons read, checked and folded
//! into the household record that the household pipeline then decides.

use super::feed::{Entry, PersonBatch};
use super::supplied::Supplied;
use super::{PersonLayout, PersonSetup};
use crate::input::flat::Flat;
use crate::input::record::Fields;
use crate::input::{LineMemo, Reject, RejectCode, RowParser, cell, excerpt};
use crate::policy::Policy;
use crate::policy::persons::{MemoFolds, PersonCells, Persons, ReduceProblemKind, Reduction};

/// Reused from household to household.
pub(crate) struct PersonWork<'p> {
    setup: &'p PersonSetup,
    persons: &'p Persons,
    policy: &'p Policy,
    parser: RowParser<'p>,
    slots: Vec<f64>,
    reduction: Reduction,
    supplied: Supplied,
    numbers: Vec<f64>,
    /// The household's id as shown (its key's text).
    id: Vec<u8>,
    /// Persons held as their lines are read as they are
    /// ([`RowParser::parse_line`]); else split first.
    lines: bool,
    /// A person line's trimmed cells ([`RowParser::parse_line`]).
    cells: Vec<(usize, usize)>,
    /// The fields of a person line read by the full parser.
    split: Vec<(usize, usize)>,
    /// Runs of small cells already read ([`RowParser::line_memo`]).
    memo: LineMemo,
    /// What the reducers take from a person of each memo entry, when they
    /// read only the inputs an entry gives.
    memo_folds: Option<MemoFolds>,
}

impl<'p> PersonWork<'p> {
    pub(crate) fn new(policy: &'p Policy, persons: &'p Persons, setup: &'p PersonSetup) -> Self {
        let schema: &'p Policy = &persons.schema;
        let parser = RowParser::new(schema, &setup.person_layout);
        let mut reduction = persons.start();
        if persons
            .domains
            .iter()
            .all(|&(input, lo, n)| parser.always_within(input, lo, n))
        {
            reduction.trust_domains();
        }
        if persons
            .reducers
            .iter()
            .filter_map(|red| red.plain)
            .all(|i| parser.plain_number(i).is_some())
        {
            reduction.read_plainly();
        }
        // Two files only: a rectangular household's first row is its record.
        let lines = setup.kind == PersonLayout::TwoFiles
            && setup.compare.is_empty()
            && parser.reads_lines();
        let memo = parser.line_memo();
        // Only lines read in one pass go through the memo.
        let memo_folds = lines
            .then(|| persons.memo_folds(&parser.memo_inputs(&memo), memo.entries()))
            .flatten();
        PersonWork {
            setup,
            persons,
            policy,
            lines,
            cells: Vec::new(),
            split: Vec::new(),
            memo,
            memo_folds,
            parser,
            slots: vec![0.0; schema.slot_count.max(schema.inputs.len())],
            reduction,
            supplied: Supplied::new(&RowParser::new(policy, &setup.household_layout), persons),
            numbers: Vec::new(),
            id: Vec::new(),
        }
    }

    /// Whether this worker reads persons held as their lines without
    /// splitting them first ([`crate::pipeline::persons::feed::PersonBatch::split_lines`]).
    pub(crate) fn reads_lines(&self) -> bool {
        self.lines
    }

    /// The reject of a person whose household is not in the household file.
    pub(crate) fn orphan(&self, batch: &PersonBatch, entry: &Entry) -> Reject {
        let mut split = Vec::new();
        let (line, record) = batch.persons.record(entry.persons.0 as usize, &mut split);
        let mut text = Vec::new();
        self.setup.person_key.text(&record, &mut text);
        let key = (!text.is_empty()).then_some(text.as_slice());
        let id_name = &self.persons.schema.inputs[self.persons.schema.fields.id_input].name;
        match key {
            Some(key) => Reject {
                line,
                household_id: lossy(key),
                column: id_name.clone(),
                value: lossy(key),
                code: RejectCode::PersonWithoutHousehold,
                message: format!(
                    "{}: household `{}` is not in {}",
                    self.person_at(line),
                    excerpt(key, 100),
                    self.setup.household_name
                ),
            },
            None => {
                // No key: the row's own problem if it has one, else the missing key.
                let mut slots = vec![0.0; self.slots.len()];
                let mut r = match self.parser.parse(&record, line, &mut slots) {
                    Err(r) => *r,
                    Ok(()) => Reject {
                        line,
                        household_id: String::new(),
                        column: id_name.clone(),
                        value: String::new(),
                        code: RejectCode::PersonWithoutHousehold,
                        message: format!("`{id_name}` is empty"),
                    },
                };
                r.message = format!("{}: no household: {}", self.person_at(line), r.message);
                r.code = RejectCode::PersonWithoutHousehold;
                r
            }
        }
    }

    /// "the person on line N of FILE"
    fn person_at(&self, line: u64) -> String {
        format!("person on line {line} of {}", self.setup.person_name)
    }

    /// Read, check and fold a household's persons; then
    /// [`PersonWork::record`] is its household record (with empty supplied
    /// cells when the household is rejected).
    pub(crate) fn household(
        &mut self,
        batch: &PersonBatch,
        entry: &Entry,
    ) -> Result<(), Box<Reject>> {
        self.supplied.clear();
        if let Some(stored) = entry.stored {
            // Folded on the first pass, with no problem (`once`).
            let values = batch
                .values
                .get(stored.values.0 as usize..stored.values.1 as usize)
                .unwrap_or_default();
            self.supplied.set_encoded(values, self.persons);
            return Ok(());
        }
        self.start_run();
        let mut id = std::mem::take(&mut self.id);
        id.clear();
        let result = self.fold(batch, entry, &mut id);
        self.id = id;
        result
    }

    /// The household's id as shown (its key's text), written into `id`
    /// when empty: only a reject or a person read by the full parser needs it.
    fn household_id<'i>(
        &self,
        batch: &PersonBatch,
        entry: &Entry,
        id: &'i mut Vec<u8>,
    ) -> &'i [u8] {
        if id.is_empty() {
            let base = base_record(batch, entry);
            match self.setup.kind {
                PersonLayout::TwoFiles => self.setup.household_key.text(&base, id),
                PersonLayout::Rectangular => self.setup.person_key.text(&base, id),
            }
        }
        id
    }

    fn fold(
        &mut self,
        batch: &PersonBatch,
        entry: &Entry,
        id: &mut Vec<u8>,
    ) -> Result<(), Box<Reject>> {
        let (start, end) = entry.persons;
        let mut problem = None;
        if start == end {
            let household_id = self.household_id(batch, entry, id);
            problem = Some(Box::new(Reject {
                line: entry.line,
                household_id: lossy(household_id),
                column: String::new(),
                value: String::new(),
                code: RejectCode::HouseholdWithoutPersons,
                message: format!(
                    "no person of {} belongs to household `{}`",
                    self.setup.person_name,
                    excerpt(household_id, 100)
                ),
            }));
        }
        // A household without persons (the batch's last one, say) has no
        // first person to compare with: `start` may be the batch's end.
        if start < end {
            let mut split = std::mem::take(&mut self.split);
            let mut first_split = Vec::new();
            // The household's first row, for the rectangular layout's
            // comparisons (never needed when lines are read as they are).
            let first = match self.lines {
                true => None,
                false => Some(batch.persons.record(start as usize, &mut first_split)),
            };
            for p in start..end {
                if self.lines && self.person_line(batch, p as usize) {
                    continue;
                }
                let (line, person) = batch.persons.record(p as usize, &mut split);
                let first = first.unwrap_or((line, person));
                let household_id = self.household_id(batch, entry, id);
                if let Err(p) = self.person(person, line, first, household_id, p - start) {
                    problem = Some(p);
                    break;
                }
            }
            self.split = split;
        }
        if problem.is_none() {
            if let Err(p) = self.persons.check(&self.reduction) {
                let household_id = self.household_id(batch, entry, id);
                let lines: Vec<String> = p
                    .persons
                    .iter()
                    .filter_map(|&k| {
                        let i = start as usize + k as usize;
                        (i < end as usize).then(|| batch.persons.get(i).0.to_string())
                    })
                    .collect();
                let mut message = p.message.clone();
                if !lines.is_empty() {
                    message.push_str(&format!(
                        " ({} {} of {})",
                        if lines.len() == 1 { "line" } else { "lines" },
                        lines.join(", "),
                        self.setup.person_name
                    ));
                }
                problem = Some(Box::new(Reject {
                    line: entry.line,
                    household_id: lossy(household_id),
                    column: self.policy.inputs[p.input].name.clone(),
                    value: String::new(),
                    code: match p.kind {
                        ReduceProblemKind::NoMatch => RejectCode::NoMatchingPerson,
                        ReduceProblemKind::SeveralMatch => RejectCode::SeveralMatchingPersons,
                        ReduceProblemKind::Undefined => RejectCode::Evaluation,
                    },
                    message,
                }));
            } else {
                self.supplied.set(self.persons, &self.reduction);
            }
        }
        problem.map_or(Ok(()), Err)
    }

    /// The household record of `entry` after [`PersonWork::household`]: the
    /// base record's cells with the supplied ones in their columns, read
    /// where they lie (nothing is copied).
    pub(crate) fn record<'a>(&'a self, batch: &'a PersonBatch, entry: &Entry) -> Household<'a> {
        let base = base_record(batch, entry);
        Household {
            base,
            // A base record with the wrong field count stands as it is: the
            // household parser rejects it for its field count.
            columns: (base.len() == self.setup.base_fields)
                .then_some(self.setup.column_source.as_slice()),
            supplied: &self.supplied,
            persons: self.persons,
        }
    }

    /// Read and fold person `p` of `batch` when it is held as its line and
    /// passes every check; false, with nothing folded, when
    /// [`PersonWork::person`] must read it (a reject to report, or a line
    /// that [`RowParser::parse_line`] leaves to the full parser).
    #[inline]
    fn person_line(&mut self, batch: &PersonBatch, p: usize) -> bool {
        let Some((line, delimiter)) = batch.persons.held_line(p) else {
            return false;
        };
        self.fold_line(line, delimiter)
    }

    /// [`PersonWork::person_line`] for a person's `line` (no line break).
    #[inline]
    pub(crate) fn fold_line(&mut self, line: &[u8], delimiter: u8) -> bool {
        self.parse_person(line, delimiter) && self.add_parsed(line)
    }

    /// The first half of [`PersonWork::fold_line`]: read `line`'s cells
    /// (nothing is folded yet); false when the full parser must read it.
    #[inline]
    pub(crate) fn parse_person(&mut self, line: &[u8], delimiter: u8) -> bool {
        self.parser.parse_line(
            line,
            delimiter,
            &mut self.slots,
            &mut self.cells,
            &mut self.memo,
        )
    }

    /// The trimmed text of field `field` of the `line` that
    /// [`PersonWork::parse_person`] just read.
    #[inline]
    pub(crate) fn parsed_field<'l>(&self, line: &'l [u8], field: usize) -> Option<&'l [u8]> {
        let (a, b) = self.memo.cell(field, &self.cells)?;
        line.get(a..b)
    }

    /// The second half of [`PersonWork::fold_line`]: fold the person
    /// [`PersonWork::parse_person`] just read; false, with nothing folded,
    /// when its person number repeats.
    #[inline]
    pub(crate) fn add_parsed(&mut self, line: &[u8]) -> bool {
        if self.repeated_person_number().is_some() {
            return false;
        }
        let parsed = ParsedCells {
            columns: &self.setup.person_layout.columns,
            memo: &self.memo,
            cells: &self.cells,
            line,
        };
        match (&mut self.memo_folds, self.memo.last_entry()) {
            (Some(folds), Some(entry)) => {
                self.persons
                    .add_memo(&mut self.reduction, &self.slots, &parsed, folds, entry);
            }
            _ => self
                .persons
                .add(&mut self.reduction, &self.slots, &|i| parsed.text(i)),
        }
        true
    }

    /// Start a household's persons for [`PersonWork::fold_line`].
    pub(crate) fn start_run(&mut self) {
        self.persons.reset(&mut self.reduction);
        self.numbers.clear();
        // A close mark left on this thread by the last household's rules
        // (an override's amount, say) is not this household's persons':
        // without this, their fold would depend on which thread folds them
        // and what it did before (the first pass or the second, `-j`).
        crate::expr::exact::take_close();
    }

    /// After [`PersonWork::fold_line`] took every person of a household:
    /// append its supplied values to `out` ([`Reduced::encode`]); false,
    /// with nothing appended, when the household has a problem to report.
    pub(crate) fn finish_run(&mut self, out: &mut Vec<u8>) -> bool {
        let start = out.len();
        if self.persons.encode_checked(&self.reduction, out) {
            return true;
        }
        out.truncate(start);
        false
    }

    /// Check and fold one person (the `k`-th of its household).
    fn person(
        &mut self,
        person: Flat<'_>,
        line: u64,
        first: (u64, Flat<'_>),
        household_id: &[u8],
        k: u32,
    ) -> Result<(), Box<Reject>> {
        if let Err(mut r) = self.parser.parse(&person, line, &mut self.slots) {
            r.message = format!("{}: {}", self.who(&person, line, k), r.message);
            r.household_id = lossy(household_id);
            return Err(r);
        }
        self.check_person_number(&person, line, household_id, k)?;
        if k > 0 {
            self.check_household_cells(&person, line, first, household_id, k)?;
        }
        let columns = &self.setup.person_layout.columns;
        let cell_of = |i: usize| -> &[u8] {
            columns[i]
                .and_then(|c| person.get(c))
                .map_or(&b""[..], cell::trim)
        };
        self.persons.add(&mut self.reduction, &self.slots, &cell_of);
        Ok(())
    }

    /// The person in messages: its person number when it has one, else its
    /// place `k` in the household; and its line.
    fn who(&self, person: &Flat<'_>, line: u64, k: u32) -> String {
        let no = self
            .persons
            .number
            .and_then(|n| self.setup.person_layout.columns[n])
            .and_then(|c| person.get(c))
            .map(cell::trim)
            .filter(|t| !t.is_empty());
        match no {
            Some(no) => format!(
                "person {} (line {line} of {})",
                excerpt(no, 40),
                self.setup.person_name
            ),
            None => format!(
                "person {} (line {line} of {})",
                k + 1,
                self.setup.person_name
            ),
        }
    }

    /// The person number, when the schema has one, must not repeat within
    /// the household.
    fn check_person_number(
        &mut self,
        person: &Flat<'_>,
        line: u64,
        household_id: &[u8],
        k: u32,
    ) -> Result<(), Box<Reject>> {
        let Some(n) = self.repeated_person_number() else {
            return Ok(());
        };
        let name = self.persons.schema.inputs[n].name.clone();
        let text = self.parser.text(person, n);
        Err(Box::new(Reject {
            line,
            household_id: lossy(household_id),
            column: name.clone(),
            value: lossy(text),
            code: RejectCode::RepeatedPersonNo,
            message: format!(
                "{}: `{name}` {} appears twice in household `{}`",
                self.who(person, line, k),
                excerpt(text, 40),
                excerpt(household_id, 100)
            ),
        }))
    }

    /// The person number input when the person just parsed repeats one of
    /// its household's; otherwise its number (if the schema has one) is
    /// noted and `None` returned.
    #[inline]
    fn repeated_person_number(&mut self) -> Option<usize> {
        let n = self.persons.number?;
        let v = self.slots[n];
        if self.numbers.contains(&v) {
            return Some(n);
        }
        self.numbers.push(v);
        None
    }

    /// Rectangular: the household columns of a later person must match the
    /// household's first row.
    fn check_household_cells(
        &self,
        person: &Flat<'_>,
        line: u64,
        first: (u64, Flat<'_>),
        household_id: &[u8],
        k: u32,
    ) -> Result<(), Box<Reject>> {
        for &c in &self.setup.compare {
            let a = first.1.get(c).map_or(&b""[..], cell::trim);
            let b = person.get(c).map_or(&b""[..], cell::trim);
            if a != b {
                let column = self.setup.header.get(c).cloned().unwrap_or_default();
                return Err(Box::new(Reject {
                    line,
                    household_id: lossy(household_id),
                    column: column.clone(),
                    value: lossy(b),
                    code: RejectCode::HouseholdCellsDiffer,
                    message: format!(
                        "{}: `{column}` is `{}` here but `{}` on line {}, the household's first row: a household column must be the same on every row of the household",
                        self.who(person, line, k),
                        excerpt(b, 60),
                        excerpt(a, 60),
                        first.0
                    ),
                }));
            }
        }
        Ok(())
    }
}

/// The cells of the `line` [`PersonWork::parse_person`] just read, by
/// person input, for the reducers that read a cell's text (its method is
/// always inlined: a closure called from deep in the fold stayed a call).
struct ParsedCells<'a, 'l> {
    /// Each person input's column.
    columns: &'a [Option<usize>],
    memo: &'a LineMemo,
    cells: &'a [(usize, usize)],
    line: &'l [u8],
}

impl<'l> PersonCells<'l> for ParsedCells<'_, 'l> {
    #[inline(always)]
    fn text(&self, i: usize) -> &'l [u8] {
        self.columns
            .get(i)
            .copied()
            .flatten()
            .and_then(|c| self.memo.cell(c, self.cells))
            .and_then(|(a, b)| self.line.get(a..b))
            .unwrap_or_default()
    }
}

/// The record that gives a household's own cells: its row in the household
/// file, or its first person's row (rectangular).
fn base_record<'a>(batch: &'a PersonBatch, entry: &Entry) -> Flat<'a> {
    match entry.household {
        Some(h) => batch.households.get(h as usize).1,
        None => batch.persons.get(entry.persons.0 as usize).1,
    }
}

/// A household record as the household pipeline reads it (see
/// [`PersonWork::record`]).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Household<'a> {
    base: Flat<'a>,
    /// Per column: `Some(k)`, the `k`-th supplied input; `None`, the base
    /// record's cell. `None` here: the base record as it stands.
    columns: Option<&'a [Option<usize>]>,
    supplied: &'a Supplied,
    persons: &'a Persons,
}

impl Household<'_> {
    /// The record's cells, copied.
    pub(crate) fn to_byte_record(self) -> csv::ByteRecord {
        (0..self.len())
            .map(|i| self.get(i).unwrap_or_default())
            .collect()
    }
}

impl Fields for Household<'_> {
    #[inline]
    fn len(&self) -> usize {
        self.columns.map_or(self.base.len(), <[_]>::len)
    }

    #[inline]
    fn get(&self, i: usize) -> Option<&[u8]> {
        let Some(columns) = self.columns else {
            return self.base.get(i);
        };
        Some(match *columns.get(i)? {
            Some(k) => self.supplied.text(self.persons, k),
            None => self.base.get(i).unwrap_or_default(),
        })
    }

    #[inline]
    fn byte_len(&self) -> usize {
        self.base.byte_len() + self.supplied.byte_len()
    }

    #[inline]
    fn typed(&self, i: usize) -> Option<f64> {
        match *self.columns?.get(i)? {
            Some(k) => self.supplied.typed(k),
            None => self.base.typed(i),
        }
    }
}

fn lossy(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}
