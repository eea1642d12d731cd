//! Records copied out of their chunk, and a reader that hands out a file's
//! records one at a time (issue 18: the person pipeline).
//!
//! The household pipeline parses each chunk where it lies. Person files need
//! records to be regrouped (a household's persons, and in the two-file
//! layout its household row, go into one batch), so the person pipeline
//! copies each record's fields into a [`FlatRecords`] buffer: one byte
//! buffer and the bounds of every field, reused from batch to batch, so that
//! the steady state allocates nothing.

use super::cell;
use super::record::{Fields, SplitRecord, split_line};

/// Records, each a list of fields, stored flat.
///
/// A record of a quote-free chunk may be held as its whole line
/// ([`FlatRecords::push_line_in_place`]): the thread that reads the file
/// finds only its key, and the worker that reads its fields splits it later
/// ([`FlatRecords::split_lines`], or one at a time with [`FlatRecords::record`]),
/// or reads it as it is ([`FlatRecords::held_line`]).
#[derive(Debug, Default, Clone)]
pub(crate) struct FlatRecords {
    bytes: Vec<u8>,
    /// `(start, end)` of every field in `bytes`; for a record held as its
    /// line, the line and then its key (empty: none).
    bounds: Vec<(usize, usize)>,
    /// Per record: its line, its first field in `bounds`, its field count
    /// ([`LINE`]: held as its line).
    records: Vec<(u64, usize, usize)>,
    /// Records held as their line.
    lines: usize,
    /// Their delimiter.
    delimiter: u8,
    /// [`FlatRecords::split_lines`]'s bounds, reused.
    spare: Vec<(usize, usize)>,
}

/// The field count of a record held as its line.
const LINE: usize = usize::MAX;

/// One record of a [`FlatRecords`].
#[derive(Debug, Clone, Copy)]
pub(crate) struct Flat<'a> {
    bytes: &'a [u8],
    bounds: &'a [(usize, usize)],
}

impl Fields for Flat<'_> {
    #[inline]
    fn len(&self) -> usize {
        self.bounds.len()
    }
    #[inline]
    fn get(&self, i: usize) -> Option<&[u8]> {
        let &(start, end) = self.bounds.get(i)?;
        self.bytes.get(start..end)
    }
    #[inline]
    fn byte_len(&self) -> usize {
        match (self.bounds.first(), self.bounds.last()) {
            (Some(f), Some(l)) => l.1 - f.0,
            _ => 0,
        }
    }
}

impl FlatRecords {
    pub(crate) fn clear(&mut self) {
        self.bytes.clear();
        self.bounds.clear();
        self.records.clear();
        self.lines = 0;
    }

    /// Add a record of a quote-free chunk `data` as its line (a slice of
    /// `data`, no line break) and its key (a slice of the line, or `None`),
    /// by their bounds alone, as [`FlatRecords::push_in_place`] does.
    /// False, with nothing added, when they are not such slices.
    pub(crate) fn push_line_in_place(
        &mut self,
        data: &[u8],
        line: u64,
        text: &[u8],
        key: Option<&[u8]>,
        delimiter: u8,
    ) -> bool {
        let within = |part: &[u8], whole: &[u8]| -> Option<(usize, usize)> {
            let offset = (part.as_ptr() as usize).checked_sub(whole.as_ptr() as usize)?;
            let end = offset.checked_add(part.len())?;
            (end <= whole.len()).then_some((offset, end))
        };
        let Some((start, end)) = within(text, data) else {
            return false;
        };
        let key = match key {
            Some(k) => match within(k, text) {
                Some((a, b)) => (start + a, start + b),
                None => return false,
            },
            None => (end, end),
        };
        let at = self.bounds.len();
        self.bounds.push((start, end));
        self.bounds.push(key);
        self.records.push((line, at, LINE));
        self.lines += 1;
        self.delimiter = delimiter;
        true
    }

    /// The key of record `i` when it is held as its line (`Some(None)`:
    /// it has none); `None` for a record held as fields.
    #[inline]
    pub(crate) fn line_key(&self, i: usize) -> Option<Option<&[u8]>> {
        let (_, first, count) = self.records[i];
        if count != LINE {
            return None;
        }
        let (start, end) = self.bounds[first + 1];
        Some((start < end).then(|| &self.bytes[start..end]))
    }

    /// The line of record `i`.
    #[inline]
    pub(crate) fn line(&self, i: usize) -> u64 {
        self.records[i].0
    }

    /// Where record `first`'s text (`bounds` from `first`, `count` fields) lies in `bytes`.
    fn text_of(&self, first: usize, count: usize) -> (usize, usize) {
        if count == LINE {
            return self.bounds[first];
        }
        let bounds = &self.bounds[first..first + count];
        let start = bounds.first().map_or(0, |b| b.0);
        (start, bounds.last().map_or(start, |b| b.1))
    }

    /// Split every record held as its line into its fields (the records,
    /// their order and their text stay; only the bounds change).
    pub(crate) fn split_lines(&mut self) {
        if self.lines == 0 {
            return;
        }
        let mut spare = std::mem::take(&mut self.spare);
        spare.clear();
        for record in &mut self.records {
            let (_, first, count) = *record;
            let at = spare.len();
            if count == LINE {
                let (start, end) = self.bounds[first];
                split_line(&self.bytes[start..end], self.delimiter, start, &mut spare);
                *record = (record.0, at, spare.len() - at);
            } else {
                spare.extend_from_slice(&self.bounds[first..first + count]);
                record.1 = at;
            }
        }
        std::mem::swap(&mut self.bounds, &mut spare);
        self.spare = spare;
        self.lines = 0;
    }

    pub(crate) fn len(&self) -> usize {
        self.records.len()
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.records.is_empty()
    }

    /// Bytes held (the fields' text).
    pub(crate) fn byte_len(&self) -> usize {
        self.bytes.len()
    }

    /// Append a record read on `line`.
    pub(crate) fn push<R: Fields + ?Sized>(&mut self, line: u64, record: &R) {
        let first = self.bounds.len();
        for i in 0..record.len() {
            let field = record.get(i).unwrap_or_default();
            let start = self.bytes.len();
            self.bytes.extend_from_slice(field);
            self.bounds.push((start, self.bytes.len()));
        }
        self.records.push((line, first, record.len()));
    }

    /// Add a record whose fields are slices of `data` in order (a
    /// quote-free record of a chunk), by its fields' bounds in `data` alone:
    /// no byte is copied, for `data` becomes the buffer's text
    /// ([`FlatRecords::adopt`]) once every record is in. False, with nothing
    /// added, for a record that is not such slices.
    pub(crate) fn push_in_place(
        &mut self,
        data: &[u8],
        line: u64,
        record: &SplitRecord<'_>,
    ) -> bool {
        let text = record.line();
        let offset = (text.as_ptr() as usize).wrapping_sub(data.as_ptr() as usize);
        let inside = offset
            .checked_add(text.len())
            .is_some_and(|end| end <= data.len());
        // The fields in order within the line, as the split finds them: their
        // bounds in `data` are then the line's offset plus theirs (checked
        // as they are added, and taken back if they are not).
        let bounds = record.bounds();
        let at = self.bounds.len();
        let mut previous = 0;
        let mut ordered = true;
        self.bounds.extend(bounds.iter().map(|&(start, end)| {
            ordered &= previous <= start && start <= end;
            previous = end;
            (
                offset.wrapping_add(start as usize),
                offset.wrapping_add(end as usize),
            )
        }));
        if !inside || !ordered || previous as usize > text.len() {
            self.bounds.truncate(at);
            return false;
        }
        self.records.push((line, at, bounds.len()));
        true
    }

    /// Take `data` as the text of the records added by
    /// [`FlatRecords::push_in_place`] (the buffer held no text before);
    /// `data` gets the previous text buffer, empty, to be reused.
    pub(crate) fn adopt(&mut self, data: &mut Vec<u8>) {
        self.bytes.clear();
        std::mem::swap(&mut self.bytes, data);
    }

    /// Start a record field by field ([`FlatRecords::push_field`], then
    /// [`FlatRecords::end_record`]).
    pub(crate) fn begin_record(&mut self) -> usize {
        self.bounds.len()
    }

    #[cfg(test)]
    pub(crate) fn push_field(&mut self, field: &[u8]) {
        let start = self.bytes.len();
        self.bytes.extend_from_slice(field);
        self.bounds.push((start, self.bytes.len()));
    }

    /// A field of `len` bytes, to be filled by the caller (reading a spill file).
    pub(crate) fn push_field_with(&mut self, len: usize) -> &mut [u8] {
        let start = self.bytes.len();
        self.bytes.resize(start + len, 0);
        self.bounds.push((start, start + len));
        &mut self.bytes[start..]
    }

    pub(crate) fn end_record(&mut self, line: u64, first: usize) {
        self.records
            .push((line, first, self.bounds.len().saturating_sub(first)));
    }

    /// Record `i` and its line. A record held as its line is one field
    /// until [`FlatRecords::split_lines`]; in the two-file person layout
    /// persons may stay held as lines: read their fields with
    /// [`FlatRecords::record`].
    #[inline]
    pub(crate) fn get(&self, i: usize) -> (u64, Flat<'_>) {
        let (line, first, count) = self.records[i];
        let count = if count == LINE { 1 } else { count };
        (
            line,
            Flat {
                bytes: &self.bytes,
                bounds: &self.bounds[first..first + count],
            },
        )
    }

    /// The text of record `i` when it is held as its line (not yet split),
    /// and the line's delimiter.
    #[inline]
    pub(crate) fn held_line(&self, i: usize) -> Option<(&[u8], u8)> {
        let &(_, first, count) = self.records.get(i)?;
        if count != LINE {
            return None;
        }
        let &(start, end) = self.bounds.get(first)?;
        Some((self.bytes.get(start..end)?, self.delimiter))
    }

    /// Record `i` as [`FlatRecords::get`] gives it once split: a record
    /// held as its line is split into `scratch` (for the rare record that
    /// [`FlatRecords::held_line`]'s reader passes on).
    pub(crate) fn record<'a>(
        &'a self,
        i: usize,
        scratch: &'a mut Vec<(usize, usize)>,
    ) -> (u64, Flat<'a>) {
        let (line, first, count) = self.records[i];
        if count != LINE {
            return self.get(i);
        }
        let (start, end) = self.bounds[first];
        scratch.clear();
        split_line(&self.bytes[start..end], self.delimiter, start, scratch);
        (
            line,
            Flat {
                bytes: &self.bytes,
                bounds: scratch,
            },
        )
    }

    /// Append record `i` of `other`: its fields are contiguous there, so
    /// one copy of their bytes and shifted bounds.
    pub(crate) fn copy_from(&mut self, other: &FlatRecords, i: usize) {
        self.copy_range(other, i, i + 1);
    }
}

impl FlatRecords {
    /// Append records `from..to` of `other` (as [`FlatRecords::copy_from`]
    /// each): their text is one run of bytes there, so one copy.
    pub(crate) fn copy_range(&mut self, other: &FlatRecords, from: usize, to: usize) {
        let (Some(&(_, first, first_count)), Some(&(_, last, count))) = (
            other.records.get(from),
            to.checked_sub(1).and_then(|l| other.records.get(l)),
        ) else {
            return;
        };
        let last_end = last + if count == LINE { 2 } else { count };
        let Some(bounds) = other.bounds.get(first..last_end) else {
            return;
        };
        let start = other.text_of(first, first_count).0;
        let end = other.text_of(last, count).1.max(start);
        let base = self.bytes.len();
        self.bytes.extend_from_slice(&other.bytes[start..end]);
        let at = self.bounds.len();
        self.bounds.extend(
            bounds
                .iter()
                .map(|&(a, b)| (a - start + base, b - start + base)),
        );
        let records = &other.records[from..to];
        if other.lines > 0 {
            // A reader's buffer is all lines or all fields (one chunk).
            self.lines += if other.lines == other.len() {
                records.len()
            } else {
                records.iter().filter(|r| r.2 == LINE).count()
            };
            self.delimiter = other.delimiter;
        }
        self.records.extend(
            records
                .iter()
                .map(|&(line, f, n)| (line, f - first + at, n)),
        );
    }
}

/// The trimmed, non-empty cell of column `column`, if any: a record's key.
#[cfg(test)]
pub(crate) fn key_cell<R: Fields + ?Sized>(record: &R, column: Option<usize>) -> Option<&[u8]> {
    let c = record.get(column?)?;
    let t = cell::trim(c);
    (!t.is_empty()).then_some(t)
}

/// Where a file's household key is: one column, or the parts of a composite
/// id (`--id-columns YEAR,SERIAL`, [`super::Layout::id_parts`]), or nowhere.
///
/// Unlike [`super::RowParser::id_key`] a record of the wrong length still
/// has a key when its key cells are there: the person pipeline groups it
/// with its household, whose parser then rejects it for its field count.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) enum HouseholdKey {
    #[default]
    Absent,
    One(usize),
    Parts(Vec<usize>),
}

impl HouseholdKey {
    /// The key of `layout`, whose id is input `id_input`.
    pub(crate) fn of(layout: &super::Layout, id_input: usize) -> HouseholdKey {
        match layout.columns.get(id_input).copied().flatten() {
            Some(c) => HouseholdKey::One(c),
            None if layout.id_parts.len() >= 2 => HouseholdKey::Parts(layout.id_parts.clone()),
            None => HouseholdKey::Absent,
        }
    }

    /// Write the record's key to `out` (cleared first) as bytes that are
    /// equal exactly when the keys are: the trimmed cell, or each trimmed
    /// part prefixed with its length (so that `1`,`23` and `12`,`3`
    /// differ). False, with `out` empty, when the record has no key (a
    /// missing or empty cell or part). Allocates nothing once `out` has grown.
    #[inline]
    pub(crate) fn bytes<R: Fields + ?Sized>(&self, record: &R, out: &mut Vec<u8>) -> bool {
        out.clear();
        match self {
            HouseholdKey::Absent => false,
            HouseholdKey::One(c) => match record.get(*c).map(cell::trim) {
                Some(t) if !t.is_empty() => {
                    out.extend_from_slice(t);
                    true
                }
                _ => false,
            },
            HouseholdKey::Parts(parts) => {
                for &c in parts {
                    match record.get(c).map(cell::trim) {
                        Some(t) if !t.is_empty() => {
                            out.extend_from_slice(&(t.len() as u64).to_le_bytes());
                            out.extend_from_slice(t);
                        }
                        _ => {
                            out.clear();
                            return false;
                        }
                    }
                }
                true
            }
        }
    }

    /// The key as outputs and `explain --id` show it (the cell, or the parts
    /// joined by [`super::ID_SEPARATOR`]), appended to `out`; nothing when
    /// the record has no key.
    pub(crate) fn text<R: Fields + ?Sized>(&self, record: &R, out: &mut Vec<u8>) {
        let start = out.len();
        match self {
            HouseholdKey::Absent => {}
            HouseholdKey::One(c) => {
                if let Some(t) = record.get(*c).map(cell::trim) {
                    out.extend_from_slice(t);
                }
            }
            HouseholdKey::Parts(parts) => {
                for (k, &c) in parts.iter().enumerate() {
                    match record.get(c).map(cell::trim) {
                        Some(t) if !t.is_empty() => {
                            if k > 0 {
                                out.push(super::ID_SEPARATOR);
                            }
                            out.extend_from_slice(t);
                        }
                        _ => {
                            out.truncate(start);
                            return;
                        }
                    }
                }
            }
        }
    }
}

mod reader;

pub(crate) use reader::{RecordReader, Wanted, key_of_line, quote_free_lines_of};

#[cfg(test)]
mod tests;
