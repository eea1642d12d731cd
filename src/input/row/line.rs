//! A person record held as its line, read in one pass (issue 18).
//!
//! The person pipeline holds each quote-free record as its line. A line is
//! split into a small reused list of fields and its cells are read in
//! column order; the run of adjacent small cells (an age, a relationship,
//! a sex, flags) is looked up by its text in a memo of the worker's
//! ([`LineMemo`]): a few hundred distinct texts stand for millions of
//! persons. Only rows that [`RowParser::parse`] takes without a reject are
//! read here, with the same values; anything else (a field count or cell
//! length to report, a bad cell, profile settings, text tests) is left to
//! `parse`, which then gives the values or the reject. benches/README.md,
//! "Person files", round 10, has the figures.

use super::steps::Step;
use super::{CellKind, CellPlan, PLAIN, RowParser};
use crate::input::cell;
use crate::input::record::{find_byte, rfind_byte, split_line_into};

/// How one column of a line is read: the input it gives and the kind of
/// its cell (`None`: the column is not read).
pub(super) type LineStep = Option<(Step, CellKind)>;

/// The steps of every column, when every input is plain and read from at
/// most one column (else `None`: [`RowParser::parse_line`] never applies).
pub(super) fn line_steps(
    plan: &[CellPlan],
    field_count: usize,
    composite: bool,
    text_tests: bool,
) -> Option<Vec<LineStep>> {
    if composite || text_tests {
        return None;
    }
    let mut steps: Vec<LineStep> = vec![None; field_count];
    for (input, p) in plan.iter().enumerate() {
        if p.custom != PLAIN {
            return None;
        }
        let Some(column) = p.column else {
            if p.required {
                // Every row fails at it: `parse` says how.
                return None;
            }
            continue;
        };
        let step = steps.get_mut(column)?;
        if step.is_some() {
            return None;
        }
        *step = Some((
            Step {
                column,
                input,
                required: p.required,
                default: p.default,
                min: p.min,
                max: p.max,
            },
            p.kind,
        ));
    }
    Some(steps)
}

/// Parsed runs of cells by their bytes, a worker's own.
///
/// Person files repeat a few combinations of their small cells (an age,
/// a relationship, a sex, flags) millions of times. A cell's value depends
/// on its text alone, so a run of adjacent such columns is read once per
/// distinct text and looked up after that: one hash and one comparison of
/// a few words instead of a trim, a parse and a range check per cell.
#[derive(Debug, Clone)]
pub(crate) struct LineMemo {
    /// The run's first column and its number of columns (`count` 0: none).
    first: usize,
    count: usize,
    /// Direct-mapped: the run's text, zero-padded, and its length (0: empty).
    keys: Vec<([u64; MEMO_WORDS], u8)>,
    /// Per column of the run: the input it gives (`usize::MAX`: none).
    inputs: Vec<usize>,
    /// The first of `inputs` when they are consecutive (the usual case: a
    /// hit's values are then one copy).
    consecutive: Option<usize>,
    /// Per entry, `count` values and `count` trimmed cell bounds relative
    /// to the run's start.
    values: Vec<f64>,
    cells: Vec<(u8, u8)>,
    /// Lookups and hits so far, until [`MEMO_TRIAL`] lookups tell whether
    /// the memo pays (a file whose runs rarely repeat turns it off).
    lookups: u32,
    hits: u32,
    /// Per entry: the number of stores when it was last stored (0: never),
    /// so that what a caller derived from an entry can tell that it still
    /// stands for the same text ([`LineMemo::last_entry`]).
    stored: Vec<u64>,
    stores: u64,
    /// The entry the last line read took its run from (`usize::MAX`: none).
    last: usize,
    /// When that line's run was a hit: where the run starts in the line
    /// and its number of cells. Their bounds are then not written into the
    /// line's cells but read from the entry ([`LineMemo::cell`]).
    hit: Option<(usize, usize)>,
}

/// Lookups after which a memo that found fewer than half of them is
/// turned off.
const MEMO_TRIAL: u32 = 1 << 16;

/// The longest run text a memo entry holds (longer runs are parsed).
const MEMO_WORDS: usize = 6;
const MEMO_BYTES: usize = 8 * MEMO_WORDS;
/// Entries, a power of two.
const MEMO_BITS: u32 = 12;

/// Whether a column's values are few enough to be worth a memo entry.
fn few_values(step: &LineStep) -> bool {
    match step {
        Some((_, CellKind::Bool | CellKind::Enum(_))) => true,
        Some((step, CellKind::Integer)) => step.max - step.min <= 1000.0,
        _ => false,
    }
}

impl LineMemo {
    /// The entry that gave the run of the line [`RowParser::parse_line`]
    /// last read, with its stamp (the same stamp: the same text, so the
    /// same values); `None` when the run was read cell by cell.
    #[inline]
    pub(crate) fn last_entry(&self) -> Option<(usize, u64)> {
        Some((self.last, *self.stored.get(self.last)?))
    }

    /// How many entries the memo has (0: none, its run is read cell by cell).
    pub(crate) fn entries(&self) -> usize {
        self.keys.len()
    }

    /// A hit of entry `at` for the run of `count` cells starting at
    /// `start` (`count` as before the lookup, which may have turned the
    /// memo off): its values as kept; its cells' bounds are read on demand
    /// ([`LineMemo::cell`]), as few callers need them.
    #[inline]
    fn hit(&mut self, start: usize, at: usize, count: usize, slots: &mut [f64]) {
        let entry = at * count..(at + 1) * count;
        if let Some(values) = self.values.get(entry) {
            let run = self
                .consecutive
                .and_then(|lo| slots.get_mut(lo..lo.checked_add(values.len())?));
            match run {
                Some(run) => run.copy_from_slice(values),
                None => {
                    for (&input, &v) in self.inputs.iter().zip(values) {
                        if let Some(slot) = slots.get_mut(input) {
                            *slot = v;
                        }
                    }
                }
            }
        }
        self.last = at;
        self.hit = Some((start, count));
    }

    /// The trimmed bounds of field `c` of the line [`RowParser::parse_line`]
    /// last read: from the memo entry when its run was a hit, else `cells`.
    #[inline(always)]
    pub(crate) fn cell(&self, c: usize, cells: &[(usize, usize)]) -> Option<(usize, usize)> {
        if let Some((start, count)) = self.hit {
            if let Some(k) = c.checked_sub(self.first).filter(|&k| k < count) {
                let &(a, b) = self.cells.get(self.last * count + k)?;
                return Some((start + usize::from(a), start + usize::from(b)));
            }
        }
        cells.get(c).copied()
    }

    /// Whether entry `at` holds the run text whose words are `words` and
    /// length `len`; counted for the trial ([`MEMO_TRIAL`]), which may turn
    /// the memo off.
    #[inline]
    fn lookup(&mut self, words: &[u64; MEMO_WORDS], at: usize, len: usize) -> bool {
        let hit = self.keys.get(at).is_some_and(|(key, l)| {
            // Word by word (an array comparison calls `memcmp`).
            usize::from(*l) == len && key.iter().zip(words).fold(0, |d, (a, b)| d | (a ^ b)) == 0
        });
        if self.lookups < MEMO_TRIAL {
            self.lookups += 1;
            self.hits += u32::from(hit);
            if self.lookups == MEMO_TRIAL && self.hits < MEMO_TRIAL / 2 {
                // Too many distinct runs: read every cell from now on.
                self.count = 0;
            }
        }
        hit
    }

    #[inline]
    fn key(text: &[u8]) -> Option<([u64; MEMO_WORDS], usize)> {
        let len = text.len();
        if len == 0 || len > MEMO_BYTES {
            return None;
        }
        // Whole words as they lie, the last one's bytes beyond the text cleared.
        let mut words = [0u64; MEMO_WORDS];
        for (w, chunk) in words.iter_mut().zip(text.chunks_exact(8)) {
            *w = u64::from_le_bytes(chunk.try_into().ok()?);
        }
        let rest = len % 8;
        if rest > 0 {
            let last = match text
                .get(len.wrapping_sub(8)..)
                .and_then(|t| t.first_chunk::<8>())
            {
                // The text's last eight bytes, shifted so that only the
                // rest's remain (a load, not a copy of a few bytes).
                Some(tail) if len >= 8 => u64::from_le_bytes(*tail) >> (8 * (8 - rest)),
                _ => text.iter().rev().fold(0, |w, &b| (w << 8) | u64::from(b)),
            };
            *words.get_mut(len / 8)? = last;
        }
        // Every word, the unused ones zero: products that do not wait for
        // each other, then one mix.
        const MULS: [u64; MEMO_WORDS] = [
            0x9e37_79b9_7f4a_7c15,
            0xc2b2_ae3d_27d4_eb4f,
            0x1656_67b1_9e37_79f9,
            0xd6e8_feb8_6659_fd93,
            0xa076_1d64_78bd_642f,
            0xe703_7ed1_a0b4_28db,
        ];
        let sum = words
            .iter()
            .zip(MULS)
            .fold(len as u64, |h, (&w, m)| h.wrapping_add(w.wrapping_mul(m)));
        let h = (sum ^ (sum >> 29)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        Some((words, (h >> (64 - MEMO_BITS)) as usize))
    }
}

/// Where the memo's run (`count` fields from field `first`) lies in `line`,
/// found from both ends without splitting it: the `first` fields before it
/// and the fields after it (`cells.len()` in all) are split into `cells`.
/// `None` when the line has too few delimiters for that. The run's text
/// may hold any number of delimiters: a memo hit tells that it holds
/// `count - 1`, as the text it matched did.
#[inline]
fn run_between(
    line: &[u8],
    delimiter: u8,
    cells: &mut [(usize, usize)],
    first: usize,
    count: usize,
) -> Option<(usize, usize)> {
    let n = cells.len();
    let after = n.checked_sub(first.checked_add(count)?)?;
    let mut from = 0;
    for cell in cells.get_mut(..first)? {
        let d = from + find_byte(line.get(from..)?, delimiter)?;
        *cell = (from, d);
        from = d + 1;
    }
    let mut to = line.len();
    for cell in cells.get_mut(n - after..)?.iter_mut().rev() {
        let d = from + rfind_byte(line.get(from..to)?, delimiter)?;
        *cell = (d + 1, to);
        to = d;
    }
    (from <= to).then_some((from, to))
}

impl RowParser<'_> {
    /// A memo for [`RowParser::parse_line`]: the longest run of adjacent
    /// columns of booleans, enums and narrow integers (at least two).
    pub(crate) fn line_memo(&self) -> LineMemo {
        let (mut first, mut count) = (0, 0);
        if let Some(steps) = &self.line {
            let mut at = 0;
            while at < steps.len() {
                let run = steps[at..].iter().take_while(|s| few_values(s)).count();
                if run > count {
                    (first, count) = (at, run);
                }
                at += run.max(1);
            }
        }
        if count < 2 {
            count = 0;
        }
        let entries = if count == 0 { 0 } else { 1 << MEMO_BITS };
        let inputs: Vec<usize> = self
            .line
            .iter()
            .flat_map(|steps| steps.iter().skip(first).take(count))
            .map(|step| step.as_ref().map_or(usize::MAX, |(s, _)| s.input))
            .collect();
        let consecutive = inputs.first().copied().filter(|&lo| {
            inputs
                .iter()
                .enumerate()
                .all(|(k, &input)| lo.checked_add(k) == Some(input))
        });
        LineMemo {
            first,
            count,
            inputs,
            consecutive,
            keys: vec![([0; MEMO_WORDS], 0); entries],
            values: vec![0.0; entries * count],
            cells: vec![(0, 0); entries * count],
            lookups: 0,
            hits: 0,
            stored: vec![0; entries],
            stores: 0,
            last: usize::MAX,
            hit: None,
        }
    }

    /// The inputs whose values a memo entry gives: those of the memo's
    /// run and those without a column (their default on every line).
    pub(crate) fn memo_inputs(&self, memo: &LineMemo) -> Vec<usize> {
        let Some(steps) = &self.line else {
            return Vec::new();
        };
        let run = steps.iter().skip(memo.first).take(memo.count).flatten();
        run.map(|(step, _)| step.input)
            .chain(self.by_kind.absent.iter().map(|&(i, _)| i))
            .collect()
    }

    /// Whether [`RowParser::parse_line`] can read this parser's rows.
    pub(crate) fn reads_lines(&self) -> bool {
        self.line.is_some()
    }

    /// Parse `line`, a quote-free record without its line break whose
    /// fields are separated by `delimiter`, into `slots`, leaving in `cells`
    /// the bounds of each field's trimmed text in `line` (read them through
    /// [`LineMemo::cell`]: a run found in the memo leaves its own there). True when the row
    /// passes [`RowParser::parse`] with the same slots; false when this pass
    /// cannot tell (then `parse` must read the row, and gives its reject or
    /// its values). `memo` is this worker's ([`RowParser::line_memo`]).
    #[inline]
    pub(crate) fn parse_line(
        &self,
        line: &[u8],
        delimiter: u8,
        slots: &mut [f64],
        cells: &mut Vec<(usize, usize)>,
        memo: &mut LineMemo,
    ) -> bool {
        memo.last = usize::MAX;
        memo.hit = None;
        let Some(steps) = &self.line else {
            return false;
        };
        // `parse` measures every cell of a longer record.
        if line.len() > self.layout.max_field_bytes {
            return false;
        }
        cells.resize(steps.len(), (0, 0));
        // The memo's run looked up by its text before the line is split: on
        // a hit its cells need no splitting (the text it matched had them).
        let mut missed = None;
        // The run's length before the lookup, which may turn the memo off.
        let (first, count) = (memo.first, memo.count);
        if count > 0 {
            if let Some((start, end)) = run_between(line, delimiter, cells, first, count) {
                let text = line.get(start..end).unwrap_or_default();
                if let Some((words, at)) = LineMemo::key(text) {
                    if memo.lookup(&words, at, text.len()) {
                        memo.hit(start, at, count, slots);
                        return self.outside_run(line, cells, steps, slots, (first, count))
                            && self.line_checks(slots);
                    }
                    missed = Some((words, at));
                }
            }
        }
        if !split_line_into(line, delimiter, cells) {
            return false;
        }
        // The memo as the lookup left it: it may have turned itself off.
        let count = memo.count;
        (count == 0 || self.memo_run(line, cells, steps, slots, memo, missed))
            && self.outside_run(line, cells, steps, slots, (first, count))
            && self.line_checks(slots)
    }

    /// The defaults of the inputs without a column, then the checks.
    #[inline]
    fn line_checks(&self, slots: &mut [f64]) -> bool {
        for &(i, default) in &self.by_kind.absent {
            match slots.get_mut(i) {
                Some(slot) => *slot = default,
                None => return false,
            }
        }
        self.policy.checks.iter().all(|check| {
            let v = check.rule.eval(slots);
            v != 0.0 && !v.is_nan()
        })
    }

    /// The cells before and after the memo's run of `count` cells from
    /// `first` (all of them when `count` is 0).
    #[inline]
    fn outside_run(
        &self,
        line: &[u8],
        cells: &mut [(usize, usize)],
        steps: &[LineStep],
        slots: &mut [f64],
        (first, count): (usize, usize),
    ) -> bool {
        let after = first + count;
        let (Some(before), Some(rest)) = (cells.get_mut(..first), steps.get(..first)) else {
            return false;
        };
        if !before
            .iter_mut()
            .zip(rest)
            .all(|(bounds, step)| self.line_cell(line, bounds, step, slots))
        {
            return false;
        }
        let (Some(tail), Some(rest)) = (cells.get_mut(after..), steps.get(after..)) else {
            return false;
        };
        tail.iter_mut()
            .zip(rest)
            .all(|(bounds, step)| self.line_cell(line, bounds, step, slots))
    }

    /// The cells of the memo's run after its lookup missed (`missed`: its
    /// text's words and entry, as [`LineMemo::key`] gives them; `None`: a
    /// text too long to keep): read, and kept when every one passes. (A
    /// line that splits always had its run looked up: `run_between` finds
    /// the same run.)
    #[inline]
    fn memo_run(
        &self,
        line: &[u8],
        cells: &mut [(usize, usize)],
        steps: &[LineStep],
        slots: &mut [f64],
        memo: &mut LineMemo,
        missed: Option<([u64; MEMO_WORDS], usize)>,
    ) -> bool {
        let (first, count) = (memo.first, memo.count);
        let (Some(start), Some(end)) = (
            cells.get(first).map(|b| b.0),
            count
                .checked_sub(1)
                .and_then(|l| cells.get(first + l))
                .map(|b| b.1),
        ) else {
            return false;
        };
        let text = line.get(start..end).unwrap_or_default();
        debug_assert_eq!(
            LineMemo::key(text),
            missed,
            "the run looked up is the run split"
        );
        let (Some(run), Some(steps)) = (
            cells.get_mut(first..first + count),
            steps.get(first..first + count),
        ) else {
            return false;
        };
        let Some((words, at)) = missed else {
            // Too long to keep: read cell by cell.
            return run
                .iter_mut()
                .zip(steps)
                .all(|(bounds, step)| self.line_cell(line, bounds, step, slots));
        };
        let entry = at * count..(at + 1) * count;
        if !run
            .iter_mut()
            .zip(steps)
            .all(|(bounds, step)| self.line_cell(line, bounds, step, slots))
        {
            return false;
        }
        let (Some(key), Some(values), Some(offsets), Some(stamp)) = (
            memo.keys.get_mut(at),
            memo.values.get_mut(entry.clone()),
            memo.cells.get_mut(entry),
            memo.stored.get_mut(at),
        ) else {
            return true;
        };
        *key = (words, text.len() as u8);
        memo.stores += 1;
        *stamp = memo.stores;
        memo.last = at;
        for (((bounds, step), v), o) in run.iter().zip(steps).zip(values).zip(offsets) {
            *v = step
                .as_ref()
                .and_then(|(s, _)| slots.get(s.input))
                .copied()
                .unwrap_or(0.0);
            // Within the run's text, at most `MEMO_BYTES` long.
            *o = ((bounds.0 - start) as u8, (bounds.1 - start) as u8);
        }
        true
    }

    /// Read one cell into its input's slot as `parse` reads it
    /// ([`Step::empty`], [`Step::take`]), trimming its bounds; false when the cell needs
    /// [`RowParser::parse`].
    #[inline(always)]
    fn line_cell(
        &self,
        line: &[u8],
        bounds: &mut (usize, usize),
        step: &LineStep,
        slots: &mut [f64],
    ) -> bool {
        let raw = line.get(bounds.0..bounds.1).unwrap_or_default();
        let trimmed = cell::trim(raw);
        // Where the trimmed text lies: `trim` returns a part of `raw`.
        let start = bounds.0 + (trimmed.as_ptr() as usize - raw.as_ptr() as usize);
        *bounds = (start, start + trimmed.len());
        let Some((step, kind)) = step else {
            return true;
        };
        let Some(slot) = slots.get_mut(step.input) else {
            return false;
        };
        if trimmed.is_empty() {
            return step.empty(slot);
        }
        step.take(self.plain_parse(*kind, trimmed), slot)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::input::{Layout, ReadOptions, from_reader};
    use crate::policy::{LoadOptions, Policy};

    /// Texts each column may hold: good ones first, then empty, padded,
    /// out of range, misspelt, not UTF-8, and cells that shift the field
    /// count. The padded ones make runs of small cells longer than a memo
    /// entry holds.
    const CELLS: [&[&str]; 11] = [
        &["HH1", "HH2", " HH3 ", "", "h\u{e9}", "a\u{7}b", "\u{fffd}x"],
        &["1", "2", "3", "", "0", "-1", " 4", "2.5", "x"],
        &[
            "0",
            "6",
            "30",
            "31",
            "130",
            "131",
            "-1",
            " 7",
            "7 ",
            "",
            "4x",
            "00030",
            "  30\t\t  ",
        ],
        &[
            "head",
            "spouse",
            "child",
            "HEAD",
            " other",
            "",
            "boss",
            "\t spouse \t",
        ],
        &["female", "male", "Male", "", "f", "male "],
        &[
            "none",
            "primary",
            "secondary",
            "tertiary",
            "",
            "college",
            "    secondary        ",
        ],
        &["true", "false", "yes", "0", "", "maybe", " ya"],
        &["false", "true", "1", "", "n", "tidak"],
        &["true", "false", "", "Y", "2", "\ttrue\t"],
        &[
            "0",
            "2905660",
            "1500000.50",
            "",
            "-5",
            "1e3",
            "9999999999999999",
            " 12 ",
        ],
        // A column no input reads.
        &["", "note", "x y", "\u{e9}"],
    ];

    /// The column names of [`CELLS`]: the person inputs of the default
    /// policy in declared order, then a column no input reads.
    fn names(policy: &Policy) -> Vec<String> {
        let schema = &policy.persons.as_ref().unwrap().schema;
        let mut names: Vec<String> = schema.inputs.iter().map(|i| i.name.clone()).collect();
        names.push("note".into());
        assert_eq!(names.len(), CELLS.len());
        assert_eq!(
            (names[0].as_str(), names[9].as_str()),
            ("household_id", "income")
        );
        names
    }

    /// The default policy's person file header.
    fn header(policy: &Policy) -> String {
        names(policy)[..10].join(",")
    }

    fn layout_of(policy: &Policy, header: &str, options: &ReadOptions) -> Layout {
        let source = from_reader(
            "persons.csv".into(),
            Box::new(std::io::Cursor::new(format!("{header}\n").into_bytes())),
            options,
        )
        .unwrap();
        let persons = policy.persons.as_ref().unwrap();
        Layout::new(&persons.schema, &source, options).unwrap()
    }

    /// Lines drawn from [`CELLS`] in the order `columns`, with a field
    /// added or dropped now and then, each read twice (a miss then a hit of
    /// the memo, or two hits): every line `parse_line` reads gives the
    /// slots of `parse` bit for bit and its trimmed cells; every line
    /// `parse` rejects, `parse_line` leaves to it. Returns how many lines
    /// were read, rejected and left, and the memo.
    fn compare_with_parse(
        columns: &[usize],
        delimiter: u8,
        max_field_bytes: usize,
    ) -> ((u32, u32, u32), LineMemo) {
        let policy = Policy::default_policy(&LoadOptions::default()).unwrap();
        let schema = &policy.persons.as_ref().unwrap().schema;
        let sep = char::from(delimiter).to_string();
        let names = names(&policy);
        let header: Vec<&str> = columns.iter().map(|&c| names[c].as_str()).collect();
        let options = ReadOptions {
            delimiter: Some(delimiter),
            max_field_bytes,
            ..ReadOptions::default()
        };
        let layout = layout_of(&policy, &header.join(&sep), &options);
        let parser = RowParser::new(schema, &layout);
        assert!(parser.reads_lines());
        let mut memo = parser.line_memo();
        let n = schema.slot_count.max(schema.inputs.len());
        let mut seed: u64 = 7;
        let mut next = |below: usize| {
            seed = seed
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            (seed >> 33) as usize % below
        };
        let (mut read, mut rejected, mut left) = (0, 0, 0);
        // The values of the inputs each (entry, stamp) gave.
        let given = parser.memo_inputs(&memo);
        let mut stamped: std::collections::HashMap<(usize, u64), Vec<u64>> =
            std::collections::HashMap::new();
        for _ in 0..20_000 {
            // Mostly good cells, so that whole lines pass.
            let mut cells: Vec<&str> = columns
                .iter()
                .map(|&k| {
                    let c = CELLS[k];
                    if next(4) > 0 {
                        c[next(3).min(c.len() - 1)]
                    } else {
                        c[next(c.len())]
                    }
                })
                .collect();
            match next(50) {
                0 => drop(cells.pop()),
                1 => cells.push("extra"),
                _ => {}
            }
            let line = cells.join(&sep);
            let record: csv::ByteRecord = line.split(&sep).collect();
            let mut slow = vec![f64::NAN; n];
            let parsed = parser.parse(&record, 2, &mut slow);
            for _ in 0..2 {
                let mut fast = vec![f64::NAN; n];
                let mut bounds = Vec::new();
                if !parser.parse_line(
                    line.as_bytes(),
                    delimiter,
                    &mut fast,
                    &mut bounds,
                    &mut memo,
                ) {
                    left += 1;
                    continue;
                }
                assert!(
                    parsed.is_ok(),
                    "{line:?}: read, but parse rejects it: {parsed:?}"
                );
                read += 1;
                for (i, (a, b)) in fast.iter().zip(&slow).enumerate() {
                    assert_eq!(a.to_bits(), b.to_bits(), "{line:?}: slot {i}");
                }
                for c in 0..bounds.len() {
                    let (a, b) = memo.cell(c, &bounds).unwrap();
                    let cell = crate::input::cell::trim(record.get(c).unwrap());
                    assert_eq!(&line.as_bytes()[a..b], cell, "{line:?}: cell {c}");
                }
                // One entry and stamp, one set of values (what `MemoFolds` relies on).
                if let Some(entry) = memo.last_entry() {
                    let values: Vec<u64> = given.iter().map(|&i| fast[i].to_bits()).collect();
                    let known = stamped.entry(entry).or_insert_with(|| values.clone());
                    assert_eq!(*known, values, "{line:?}: entry {entry:?}");
                }
            }
            rejected += u32::from(parsed.is_err());
        }
        assert!(
            memo.entries() == 0 || stamped.len() > 100,
            "{}",
            stamped.len()
        );
        ((read, rejected, left), memo)
    }

    #[test]
    fn a_line_read_in_one_pass_is_read_as_parse_reads_it() {
        let file_order: Vec<usize> = (0..10).collect();
        let ((read, rejected, left), memo) =
            compare_with_parse(&file_order, b',', crate::input::DEFAULT_MAX_FIELD_BYTES);
        assert_eq!((memo.first, memo.count), (2, 7), "age to able_to_work");
        // Both ways taken often: neither path is dead here.
        assert!(
            read > 5_000 && rejected > 5_000 && left > 10_000,
            "{read} {rejected} {left}"
        );
        // Hits and misses both: each line is read twice.
        assert!(
            memo.hits > 10_000 && memo.lookups - memo.hits > 10_000,
            "{} of {}",
            memo.hits,
            memo.lookups
        );
    }

    /// Another delimiter, columns in another order with one no input reads
    /// and one input absent (`disabled`, optional), and lines longer than
    /// `--max-field-bytes` (left to `parse`, which measures their cells).
    #[test]
    fn other_delimiters_orders_and_limits_read_as_parse_reads_them() {
        let order = [1, 0, 10, 2, 3, 4, 5, 6, 8, 9];
        let ((read, _, left), memo) = compare_with_parse(&order, b';', 40);
        assert!(read > 1_000 && left > 1_000, "{read} {left}");
        // `age` to `able_to_work`, without `disabled`, which the file lacks.
        assert_eq!((memo.first, memo.count), (3, 6));
        let ((read, _, _), _) =
            compare_with_parse(&order, b'\t', crate::input::DEFAULT_MAX_FIELD_BYTES);
        assert!(read > 5_000, "{read}");
    }

    /// A file whose runs of small cells rarely repeat turns the memo off
    /// after its trial, and its lines are still read.
    #[test]
    fn a_memo_that_rarely_hits_turns_itself_off() {
        let policy = Policy::default_policy(&LoadOptions::default()).unwrap();
        let schema = &policy.persons.as_ref().unwrap().schema;
        let layout = layout_of(&policy, &header(&policy), &ReadOptions::default());
        let parser = RowParser::new(schema, &layout);
        let mut memo = parser.line_memo();
        let mut slots = vec![0.0; schema.slot_count.max(schema.inputs.len())];
        let mut bounds = Vec::new();
        let educations = ["none", "primary", "secondary", "tertiary"];
        for k in 0..u64::from(MEMO_TRIAL) + 10 {
            // 131 ages x 2 x 4 x 8 flags x 5 relationships: 41,920 runs.
            let line = format!(
                "H{k},1,{},{},{},{},{},{},{},0",
                k % 131,
                ["head", "spouse", "child", "parent", "other"][(k / 131 % 5) as usize],
                ["female", "male"][(k / 655 % 2) as usize],
                educations[(k / 1310 % 4) as usize],
                k / 5240 % 2 == 0,
                k / 10480 % 2 == 0,
                k / 20960 % 2 == 0,
            );
            assert!(parser.parse_line(line.as_bytes(), b',', &mut slots, &mut bounds, &mut memo));
            let record: csv::ByteRecord = line.split(',').collect();
            let mut slow = vec![f64::NAN; slots.len()];
            assert!(parser.parse(&record, 2, &mut slow).is_ok());
            assert!(
                slots
                    .iter()
                    .zip(&slow)
                    .all(|(a, b)| a.to_bits() == b.to_bits()),
                "{line}"
            );
            assert_eq!(
                slots[schema.inputs.iter().position(|i| i.name == "age").unwrap()],
                (k % 131) as f64
            );
        }
        assert_eq!(memo.count, 0, "{} hits of {}", memo.hits, memo.lookups);
    }

    /// The lookup that ends the trial and turns the memo off may be a hit:
    /// that line still takes the entry's values, for the run's cells as they
    /// were before the memo was turned off.
    #[test]
    fn a_hit_that_ends_the_trial_still_gives_its_values() {
        let policy = Policy::default_policy(&LoadOptions::default()).unwrap();
        let schema = &policy.persons.as_ref().unwrap().schema;
        let layout = layout_of(&policy, &header(&policy), &ReadOptions::default());
        let parser = RowParser::new(schema, &layout);
        let mut memo = parser.line_memo();
        let n = schema.slot_count.max(schema.inputs.len());
        let relationships = ["head", "spouse", "child", "parent", "other"];
        let educations = ["none", "primary", "secondary", "tertiary"];
        // Runs that rarely repeat (mostly misses) until the last lookup of
        // the trial, which repeats the line before it (a hit).
        let line = |k: u64| {
            format!(
                "H{k},1,{},{},{},{},{},{},{},{k}",
                k % 131,
                relationships[(k / 131 % 5) as usize],
                ["female", "male"][(k / 655 % 2) as usize],
                educations[(k / 1310 % 4) as usize],
                k / 5240 % 2 == 0,
                k / 10480 % 2 == 0,
                k / 20960 % 2 == 0,
            )
        };
        for k in 0..u64::from(MEMO_TRIAL) {
            let text = if k + 1 == u64::from(MEMO_TRIAL) {
                line(k - 1)
            } else {
                line(k)
            };
            let mut fast = vec![f64::NAN; n];
            let mut cells = Vec::new();
            assert!(parser.parse_line(text.as_bytes(), b',', &mut fast, &mut cells, &mut memo));
            let record: csv::ByteRecord = text.split(',').collect();
            let mut slow = vec![f64::NAN; n];
            parser.parse(&record, 2, &mut slow).unwrap();
            for (i, (a, b)) in fast.iter().zip(&slow).enumerate() {
                assert_eq!(a.to_bits(), b.to_bits(), "{text}: slot {i}");
            }
            for c in 0..cells.len() {
                let (a, b) = memo.cell(c, &cells).unwrap();
                assert_eq!(
                    &text.as_bytes()[a..b],
                    record.get(c).unwrap(),
                    "{text}: cell {c}"
                );
            }
        }
        assert_eq!(memo.lookups, MEMO_TRIAL);
        assert_eq!(memo.count, 0, "turned off by the last lookup");
        assert!(memo.last_entry().is_some(), "the last line was a hit");
    }

    /// Profile settings (here missing-value codes) leave every line to `parse`.
    #[test]
    fn lines_with_profile_settings_are_left_to_parse() {
        let policy = Policy::default_policy(&LoadOptions::default()).unwrap();
        let schema = &policy.persons.as_ref().unwrap().schema;
        let profile = crate::input::Profile::load("p.toml", "missing = [\"NA\"]\n").unwrap();
        let options = ReadOptions {
            profile: Some(std::sync::Arc::new(profile)),
            ..ReadOptions::default()
        };
        let layout = layout_of(&policy, &header(&policy), &options);
        let parser = RowParser::new(schema, &layout);
        assert!(!parser.reads_lines());
        let mut memo = parser.line_memo();
        let mut slots = vec![0.0; schema.slot_count.max(schema.inputs.len())];
        let line = b"H1,1,30,head,male,primary,false,false,true,0";
        assert!(!parser.parse_line(line, b',', &mut slots, &mut Vec::new(), &mut memo));
    }
}
