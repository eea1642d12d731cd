//! A record held as its line, read in one pass (person files, issue 18).
//!
//! The person pipeline holds each quote-free record as its line. Splitting a
//! whole batch's lines into field bounds, then reading the bounds back by
//! kind of input, moved a batch's worth of bounds (megabytes) through the
//! cache twice. Here a line is split into a small reused list and its cells
//! are read in column order at once. Only the cases [`RowParser::parse`]
//! takes without a reject are read here; anything else (a field count or
//! cell length to report, a bad cell, profile settings, text tests) is left
//! to `parse`, which then gives the same values or the reject.

use super::{CellKind, CellPlan, PLAIN, RowParser};
use crate::input::cell;
use crate::input::record::split_line_into;

/// How one column of a line is read: the input it gives (`None`: not read).
#[derive(Debug, Clone, Copy)]
pub(super) struct LineStep {
    input: Option<usize>,
    kind: CellKind,
    required: bool,
    default: f64,
    min: f64,
    max: f64,
}

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
    let mut steps = vec![
        LineStep {
            input: None,
            kind: CellKind::Text,
            required: false,
            default: 0.0,
            min: f64::NEG_INFINITY,
            max: f64::INFINITY,
        };
        field_count
    ];
    for (i, p) in plan.iter().enumerate() {
        if p.custom != PLAIN {
            return None;
        }
        let Some(c) = p.column else { continue };
        let step = steps.get_mut(c)?;
        if step.input.is_some() {
            return None;
        }
        *step = LineStep {
            input: Some(i),
            kind: p.kind,
            required: p.required,
            default: p.default,
            min: p.min,
            max: p.max,
        };
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
    /// Per entry, `count` values and `count` trimmed cell bounds relative
    /// to the run's start.
    values: Vec<f64>,
    cells: Vec<(u8, u8)>,
}

/// The longest run text a memo entry holds (longer runs are parsed).
const MEMO_WORDS: usize = 6;
const MEMO_BYTES: usize = 8 * MEMO_WORDS;
/// Entries, a power of two.
const MEMO_BITS: u32 = 12;

/// Whether a column's values are few enough to be worth a memo entry.
fn few_values(step: &LineStep) -> bool {
    step.input.is_some()
        && match step.kind {
            CellKind::Bool | CellKind::Enum(_) => true,
            CellKind::Integer => step.max - step.min <= 1000.0,
            CellKind::Text | CellKind::Number | CellKind::Date => false,
        }
}

impl LineMemo {
    #[inline]
    fn key(text: &[u8]) -> Option<([u64; MEMO_WORDS], usize)> {
        if text.is_empty() || text.len() > MEMO_BYTES {
            return None;
        }
        // Whole words as they lie, the last one's bytes beyond the text cleared.
        let mut words = [0u64; MEMO_WORDS];
        let mut chunks = text.chunks_exact(8);
        for (w, chunk) in words.iter_mut().zip(&mut chunks) {
            *w = u64::from_le_bytes(chunk.try_into().ok()?);
        }
        let rest = chunks.remainder();
        if !rest.is_empty() {
            let mut last = [0u8; 8];
            last.get_mut(..rest.len())?.copy_from_slice(rest);
            *words.get_mut(text.len() / 8)? = u64::from_le_bytes(last);
        }
        let mut h: u64 = text.len() as u64;
        for &w in &words[..text.len().div_ceil(8)] {
            h = (h.rotate_left(5) ^ w).wrapping_mul(0x9e37_79b9_7f4a_7c15);
        }
        Some((words, (h >> (64 - MEMO_BITS)) as usize))
    }
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
        LineMemo {
            first,
            count,
            keys: vec![([0; MEMO_WORDS], 0); entries],
            values: vec![0.0; entries * count],
            cells: vec![(0, 0); entries * count],
        }
    }

    /// Whether [`RowParser::parse_line`] can read this parser's rows.
    pub(crate) fn reads_lines(&self) -> bool {
        self.line.is_some() && !self.by_kind.absent_required
    }

    /// Parse `line`, a quote-free record without its line break whose
    /// fields are separated by `delimiter`, into `slots`, leaving in `cells`
    /// the bounds of each field's trimmed text in `line`. True when the row
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
        let Some(steps) = &self.line else {
            return false;
        };
        // `parse` measures every cell of a longer record.
        if line.len() > self.layout.max_field_bytes || self.by_kind.absent_required {
            return false;
        }
        cells.resize(steps.len(), (0, 0));
        if !split_line_into(line, delimiter, cells) {
            return false;
        }
        let mut c = 0;
        while c < steps.len() {
            if c == memo.first && memo.count > 0 {
                if !self.memo_run(line, cells, steps, slots, memo) {
                    return false;
                }
                c += memo.count;
                continue;
            }
            let (Some(bounds), Some(step)) = (cells.get_mut(c), steps.get(c)) else {
                return false;
            };
            if !self.line_cell(line, bounds, step, slots) {
                return false;
            }
            c += 1;
        }
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

    /// The cells of the memo's run: looked up by their text, or read and
    /// kept when every one passes.
    #[inline]
    fn memo_run(
        &self,
        line: &[u8],
        cells: &mut [(usize, usize)],
        steps: &[LineStep],
        slots: &mut [f64],
        memo: &mut LineMemo,
    ) -> bool {
        let (first, count) = (memo.first, memo.count);
        let (Some(run), Some(steps)) = (
            cells.get_mut(first..first + count),
            steps.get(first..first + count),
        ) else {
            return false;
        };
        let (Some(start), Some(end)) = (run.first().map(|b| b.0), run.last().map(|b| b.1)) else {
            return false;
        };
        let text = line.get(start..end).unwrap_or_default();
        let Some((words, at)) = LineMemo::key(text) else {
            // Too long to keep: read cell by cell.
            return run
                .iter_mut()
                .zip(steps)
                .all(|(bounds, step)| self.line_cell(line, bounds, step, slots));
        };
        let entry = at * count..(at + 1) * count;
        let hit = memo.keys.get(at).is_some_and(|(key, len)| {
            // Word by word (an array comparison calls `memcmp`).
            usize::from(*len) == text.len()
                && key.iter().zip(&words).fold(0, |d, (a, b)| d | (a ^ b)) == 0
        });
        if hit {
            let (Some(values), Some(offsets)) =
                (memo.values.get(entry.clone()), memo.cells.get(entry))
            else {
                return false;
            };
            for (((bounds, step), &v), &(a, b)) in run.iter_mut().zip(steps).zip(values).zip(offsets)
            {
                *bounds = (start + usize::from(a), start + usize::from(b));
                if let Some(slot) = step.input.and_then(|i| slots.get_mut(i)) {
                    *slot = v;
                }
            }
            return true;
        }
        if !run
            .iter_mut()
            .zip(steps)
            .all(|(bounds, step)| self.line_cell(line, bounds, step, slots))
        {
            return false;
        }
        let (Some(key), Some(values), Some(offsets)) = (
            memo.keys.get_mut(at),
            memo.values.get_mut(entry.clone()),
            memo.cells.get_mut(entry),
        ) else {
            return true;
        };
        *key = (words, text.len() as u8);
        for (((bounds, step), v), o) in run.iter().zip(steps).zip(values).zip(offsets) {
            *v = step.input.and_then(|i| slots.get(i)).copied().unwrap_or(0.0);
            // Within the run's text, at most `MEMO_BYTES` long.
            *o = ((bounds.0 - start) as u8, (bounds.1 - start) as u8);
        }
        true
    }

    /// Read one cell into its input's slot, trimming its bounds; false when
    /// the cell needs [`RowParser::parse`].
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
        let Some(input) = step.input else {
            return true;
        };
        let Some(slot) = slots.get_mut(input) else {
            return false;
        };
        if trimmed.is_empty() {
            *slot = step.default;
            return !step.required;
        }
        let parsed = match step.kind {
            CellKind::Text => cell::check_text(trimmed),
            CellKind::Integer => cell::parse_integer(trimmed),
            CellKind::Number => cell::parse_number(trimmed),
            CellKind::Bool => cell::parse_bool(trimmed),
            CellKind::Enum(e) => self.find_enum(e, trimmed),
            CellKind::Date => cell::parse_date(trimmed),
        };
        match parsed {
            Ok(v) if v >= step.min && v <= step.max && v.is_finite() => {
                *slot = v;
                true
            }
            _ => false,
        }
    }
}
