//! Records copied out of their chunk, and a reader that hands out a file's
//! records one at a time (issue 18: the person pipeline).
//!
//! The household pipeline parses each chunk where it lies. Person files need
//! records to be regrouped (a household's persons, and in the two-file
//! layout its household row, go into one batch), so the person pipeline
//! copies each record's fields into a [`FlatRecords`] buffer: one byte
//! buffer and the bounds of every field, reused from batch to batch, so that
//! the steady state allocates nothing.

use std::io;
use std::sync::mpsc::{Receiver, SyncSender, sync_channel};
use std::sync::{Arc, Mutex};

use super::chunk::ChunkStart;
use super::record::{
    Fields, LineCounter, QuoteFree, SplitRecord, chunk_reader, find_byte, is_blank, split_line,
};
use super::{Chunker, InputError, Source, cell, csv_error};

/// Records, each a list of fields, stored flat.
///
/// A record of a quote-free chunk may be held as its whole line
/// ([`FlatRecords::push_line_in_place`]): the thread that reads the file
/// finds only its key, and [`FlatRecords::split_lines`] splits it later, on
/// the worker that reads its fields.
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

    /// Record `i` and its line (a record held as its line is one field
    /// until [`FlatRecords::split_lines`]).
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

/// Hands out the data records of a file one at a time, blank rows skipped
/// (and counted), with their lines.
pub(crate) struct RecordReader {
    name: String,
    split: Splitting,
    buf: FlatRecords,
    next: usize,
    done: bool,
    /// Blank rows skipped so far.
    pub skipped: u64,
}

/// Where a [`RecordReader`]'s chunks are read and split.
enum Splitting {
    /// Here, when the next record is wanted.
    Here(Box<Filler>),
    /// On a thread of its own, a chunk or two ahead.
    Ahead(Ahead),
}

/// Reads a file's chunks and splits each into records.
struct Filler {
    name: String,
    delimiter: u8,
    chunker: Chunker,
    chunk_bytes: usize,
    chunk: Vec<u8>,
    record: csv::ByteRecord,
    bounds: Vec<(u32, u32)>,
    /// Hold the records of quote-free chunks as their lines, with the key
    /// found in this column ([`RecordReader::keyed_lines`]; `Some(None)`:
    /// no key is wanted).
    key_column: Option<Option<usize>>,
}

/// The ends of a reading thread's channels.
struct Ahead {
    /// Split chunks, in file order (an error ends them).
    filled: Receiver<Result<Filled, InputError>>,
    /// Buffers handed back to be filled again.
    empty: SyncSender<FlatRecords>,
}

/// One chunk split by a reading thread.
struct Filled {
    buf: FlatRecords,
    skipped: u64,
    /// The file ended (`buf` is empty).
    done: bool,
}

impl RecordReader {
    pub(crate) fn new(source: Source, chunk_bytes: usize) -> RecordReader {
        RecordReader {
            name: source.name.clone(),
            split: Splitting::Here(Box::new(Filler {
                name: source.name,
                delimiter: source.delimiter,
                chunker: source.chunker,
                chunk_bytes: chunk_bytes.max(1),
                chunk: Vec::new(),
                record: csv::ByteRecord::new(),
                bounds: Vec::new(),
                key_column: None,
            })),
            buf: FlatRecords::default(),
            next: 0,
            done: false,
            skipped: 0,
        }
    }

    /// The same reader, holding each record of a quote-free chunk as its
    /// line with only its key found (a one-column `key`, or none wanted;
    /// for a composite key it stays as it is): whoever reads the fields
    /// splits them ([`FlatRecords::split_lines`]), not the thread that
    /// reads the file. Call before [`RecordReader::read_ahead`].
    pub(crate) fn keyed_lines(mut self, key: &HouseholdKey) -> RecordReader {
        if let Splitting::Here(f) = &mut self.split {
            f.key_column = match key {
                HouseholdKey::One(c) => Some(Some(*c)),
                HouseholdKey::Absent => Some(None),
                HouseholdKey::Parts(_) => None,
            };
        }
        self
    }

    /// The same reader, its chunks read and split on a thread of their own
    /// ahead of the records taken (when the reading is the slowest stage of
    /// a pipeline); the records, lines and counts are the same. Stays as it
    /// is when no thread can start.
    pub(crate) fn read_ahead(self) -> RecordReader {
        let RecordReader {
            name,
            split,
            buf,
            next,
            done,
            skipped,
        } = self;
        let Splitting::Here(filler) = split else {
            return RecordReader {
                name,
                split,
                buf,
                next,
                done,
                skipped,
            };
        };
        // Three buffers: one being read by the records' taker, up to two
        // split ahead.
        let (filled_tx, filled) = sync_channel::<Result<Filled, InputError>>(2);
        let (empty, empty_rx) = sync_channel::<FlatRecords>(3);
        for _ in 0..2 {
            let _ = empty.send(FlatRecords::default());
        }
        // The filler comes back if the thread cannot start.
        let slot = Arc::new(Mutex::new(Some(filler)));
        let theirs = Arc::clone(&slot);
        let started = std::thread::Builder::new()
            .name("layak-read-ahead".into())
            .spawn(move || {
                let Some(mut filler) = theirs.lock().ok().and_then(|mut f| f.take()) else {
                    return;
                };
                drop(theirs);
                while let Ok(mut buf) = empty_rx.recv() {
                    let result =
                        filler
                            .fill(&mut buf)
                            .map(|(skipped, done)| Filled { buf, skipped, done });
                    let last = !matches!(result, Ok(Filled { done: false, .. }));
                    if filled_tx.send(result).is_err() || last {
                        return;
                    }
                }
            });
        let split = match started {
            Ok(_) => Splitting::Ahead(Ahead { filled, empty }),
            Err(_) => match slot.lock().ok().and_then(|mut f| f.take()) {
                Some(filler) => Splitting::Here(filler),
                // The thread started after all and took it.
                None => Splitting::Ahead(Ahead { filled, empty }),
            },
        };
        RecordReader {
            name,
            split,
            buf,
            next,
            done,
            skipped,
        }
    }

    /// The next record (its index in [`RecordReader::records`]), without
    /// taking it; `None` at the end of the file.
    pub(crate) fn peek(&mut self) -> Result<Option<usize>, InputError> {
        while self.next >= self.buf.len() {
            if self.done {
                return Ok(None);
            }
            self.fill()?;
        }
        Ok(Some(self.next))
    }

    /// Take the record [`RecordReader::peek`] showed.
    pub(crate) fn advance(&mut self) {
        self.next += 1;
    }

    /// Take the records up to `end` (an index in [`RecordReader::records`]
    /// past the one [`RecordReader::peek`] showed).
    pub(crate) fn advance_to(&mut self, end: usize) {
        self.next = end.max(self.next);
    }

    pub(crate) fn records(&self) -> &FlatRecords {
        &self.buf
    }

    /// Read every remaining record, handing `each` its key
    /// ([`HouseholdKey::bytes`]) without copying the record (a first pass
    /// that needs only keys). Blank rows are skipped and counted.
    pub(crate) fn each_key(
        &mut self,
        key: &HouseholdKey,
        each: &mut dyn FnMut(Option<&[u8]>),
    ) -> Result<(), InputError> {
        let mut buf = Vec::new();
        let Splitting::Here(f) = &mut self.split else {
            // Read ahead: record by record.
            while let Some(at) = self.peek()? {
                let (_, record) = self.buf.get(at);
                let has = key.bytes(&record, &mut buf);
                each(has.then_some(buf.as_slice()));
                self.advance();
            }
            return Ok(());
        };
        while let Some(start) = f
            .chunker
            .next_chunk(f.chunk_bytes, &mut f.chunk)
            .map_err(|e| InputError::reading(&f.name, e))?
        {
            if let (HouseholdKey::One(c), Some(rows)) = (
                key,
                QuoteFree::new(&f.chunk, f.delimiter, start.line, start.before),
            ) {
                self.skipped += keys_of_lines(rows, &f.chunk, start, f.delimiter, *c, each);
                continue;
            }
            let skipped = &mut self.skipped;
            split(
                &f.chunk,
                f.delimiter,
                start,
                &f.name,
                &mut f.bounds,
                &mut f.record,
                &mut |_, r| {
                    if is_blank(r) {
                        *skipped += 1;
                    } else {
                        let has = key.bytes(r, &mut buf);
                        each(has.then_some(buf.as_slice()));
                    }
                },
            )?;
        }
        self.done = true;
        Ok(())
    }

    /// Read every remaining record: `sink` is shown each record's key
    /// ([`HouseholdKey::bytes`]) and given the records it wants, split; the
    /// others are not split (a one-column key of a quote-free chunk is
    /// found in the line). Blank rows are skipped and counted. Stops early
    /// when [`Wanted::take`] says so.
    pub(crate) fn each_wanted(
        &mut self,
        key: &HouseholdKey,
        sink: &mut dyn Wanted,
    ) -> Result<(), InputError> {
        let mut buf = Vec::new();
        let Splitting::Here(f) = &mut self.split else {
            while let Some(at) = self.peek()? {
                let (line, record) = self.buf.get(at);
                let has = key.bytes(&record, &mut buf);
                if sink.wants(has.then_some(buf.as_slice())) && !sink.take(line, &record) {
                    return Ok(());
                }
                self.advance();
            }
            return Ok(());
        };
        while let Some(start) = f
            .chunker
            .next_chunk(f.chunk_bytes, &mut f.chunk)
            .map_err(|e| InputError::reading(&f.name, e))?
        {
            if let (HouseholdKey::One(c), Some(mut rows)) = (
                key,
                QuoteFree::new(&f.chunk, f.delimiter, start.line, start.before),
            ) {
                while let Some((at, line)) = rows.next_line() {
                    let Some(k) = key_of_line(line, f.delimiter, *c) else {
                        self.skipped += 1;
                        continue;
                    };
                    if !sink.wants(k) {
                        continue;
                    }
                    // The line alone, split (it holds no quote and no break).
                    let one = QuoteFree::new(line, f.delimiter, at, b'\n')
                        .and_then(|mut r| r.next_record(&mut f.bounds).map(|(_, r)| r));
                    if let Some(record) = one {
                        if !sink.take(at, &record) {
                            return Ok(());
                        }
                    }
                }
                continue;
            }
            let skipped = &mut self.skipped;
            let mut going = true;
            split(
                &f.chunk,
                f.delimiter,
                start,
                &f.name,
                &mut f.bounds,
                &mut f.record,
                &mut |line, r| {
                    if !going {
                    } else if is_blank(r) {
                        *skipped += 1;
                    } else {
                        let has = key.bytes(r, &mut buf);
                        if sink.wants(has.then_some(buf.as_slice())) {
                            going = sink.take(line, r);
                        }
                    }
                },
            )?;
            if !going {
                return Ok(());
            }
        }
        self.done = true;
        Ok(())
    }

    fn fill(&mut self) -> Result<(), InputError> {
        self.next = 0;
        match &mut self.split {
            Splitting::Here(f) => {
                let (skipped, done) = f.fill(&mut self.buf)?;
                self.skipped += skipped;
                self.done = done;
            }
            Splitting::Ahead(a) => {
                // The buffer read goes back to be filled again.
                let _ = a.empty.try_send(std::mem::take(&mut self.buf));
                match a.filled.recv() {
                    Ok(Ok(filled)) => {
                        self.buf = filled.buf;
                        self.skipped += filled.skipped;
                        self.done = filled.done;
                    }
                    Ok(Err(e)) => {
                        self.done = true;
                        return Err(e);
                    }
                    Err(_) => {
                        self.done = true;
                        return Err(InputError::reading(
                            &self.name,
                            io::Error::other("the reading thread stopped"),
                        ));
                    }
                }
            }
        }
        Ok(())
    }
}

impl Filler {
    /// Read the next chunk into `buf`: the blank rows skipped, and whether
    /// the file ended (then `buf` is empty).
    fn fill(&mut self, buf: &mut FlatRecords) -> Result<(u64, bool), InputError> {
        buf.clear();
        let Some(start) = self
            .chunker
            .next_chunk(self.chunk_bytes, &mut self.chunk)
            .map_err(|e| InputError::reading(&self.name, e))?
        else {
            return Ok((0, true));
        };
        let mut skipped = 0;
        if let (Some(column), Some(rows)) = (
            self.key_column,
            QuoteFree::new(&self.chunk, self.delimiter, start.line, start.before),
        ) {
            let delimiter = self.delimiter;
            let mut in_place = true;
            let each = |line: u64, text: &[u8]| {
                let key = match column {
                    Some(c) => key_of_line(text, delimiter, c),
                    None => (!blank_line(text, delimiter)).then_some(None),
                };
                match key {
                    None => skipped += 1,
                    Some(key) => {
                        in_place = in_place
                            && buf.push_line_in_place(&self.chunk, line, text, key, delimiter);
                    }
                }
            };
            lines_of(rows, &self.chunk, start, each);
            if in_place {
                buf.adopt(&mut self.chunk);
                return Ok((skipped, false));
            }
            buf.clear();
            skipped = 0;
        }
        // A quote-free chunk is split where it lies and becomes the
        // buffer's text: its records are not copied.
        if let Some(mut rows) =
            QuoteFree::new(&self.chunk, self.delimiter, start.line, start.before)
        {
            let mut in_place = true;
            while let Some((line, r)) = rows.next_record(&mut self.bounds) {
                if is_blank(&r) {
                    skipped += 1;
                } else if !buf.push_in_place(&self.chunk, line, &r) {
                    in_place = false;
                    break;
                }
            }
            if in_place {
                buf.adopt(&mut self.chunk);
                return Ok((skipped, false));
            }
            // Not expected: split it again, copying.
            buf.clear();
            skipped = 0;
        }
        split(
            &self.chunk,
            self.delimiter,
            start,
            &self.name,
            &mut self.bounds,
            &mut self.record,
            &mut |line, r| {
                if is_blank(r) {
                    skipped += 1;
                } else {
                    buf.push(line, r);
                }
            },
        )?;
        Ok((skipped, false))
    }
}

/// What [`RecordReader::each_wanted`] does with the records.
pub(crate) trait Wanted {
    /// Whether the next record, whose key is `key`, is wanted (asked of
    /// every record but the blank ones, in order).
    fn wants(&mut self, key: Option<&[u8]>) -> bool;
    /// A wanted record and its line; false to stop reading.
    fn take(&mut self, line: u64, record: &dyn Fields) -> bool;
}

/// [`RecordReader::each_key`] for a key in column `column` of a quote-free
/// chunk: each record's key found without splitting the whole record.
/// Returns the blank records skipped.
fn keys_of_lines(
    rows: QuoteFree<'_>,
    data: &[u8],
    start: ChunkStart,
    delimiter: u8,
    column: usize,
    each: &mut dyn FnMut(Option<&[u8]>),
) -> u64 {
    let mut skipped = 0;
    lines_of(rows, data, start, |_, line| {
        match key_of_line(line, delimiter, column) {
            Some(key) => each(key),
            None => skipped += 1,
        }
    });
    skipped
}

/// Each record of the quote-free chunk `data` (split by `rows`) as its
/// line (no line break) and line number: [`QuoteFree::next_line`]'s, found
/// with one vector scan of the chunk for `\n` when it holds no `\r`.
fn lines_of(
    mut rows: QuoteFree<'_>,
    data: &[u8],
    start: ChunkStart,
    mut each: impl FnMut(u64, &[u8]),
) {
    if start.before == b'\r' || memchr::memchr(b'\r', data).is_some() {
        while let Some((line, text)) = rows.next_line() {
            each(line, text);
        }
        return;
    }
    // Every `\n` ends a line; an empty line is no record.
    let ends = memchr::memchr_iter(b'\n', data).chain(std::iter::once(data.len()));
    let mut from = 0;
    for (line, end) in (start.line..).zip(ends) {
        if end > from {
            each(line, &data[from..end]);
        }
        from = end + 1;
    }
}

/// Whether a quote-free record's `line` is blank ([`is_blank`]): every byte
/// a space, a tab or the delimiter (usually decided by its first byte).
#[inline]
fn blank_line(line: &[u8], delimiter: u8) -> bool {
    line.iter()
        .all(|&b| b == b' ' || b == b'\t' || b == delimiter)
}

/// The key in column `column` of a quote-free record's `line`
/// ([`HouseholdKey::bytes`] of a one-column key): `None` when the record
/// is blank ([`is_blank`]), `Some(None)` when it has no key.
#[inline]
fn key_of_line(line: &[u8], delimiter: u8, column: usize) -> Option<Option<&[u8]>> {
    let mut rest = Some(line);
    for _ in 0..column {
        rest = rest.and_then(|r| find_byte(r, delimiter).map(|i| &r[i + 1..]));
    }
    let key = rest
        .map(|r| find_byte(r, delimiter).map_or(r, |i| &r[..i]))
        .map(cell::trim)
        .filter(|k| !k.is_empty());
    if key.is_some() {
        // A key holds a byte other than a space or a tab: not blank.
        Some(key)
    } else if blank_line(line, delimiter) {
        // Every field empty or spaces and tabs.
        None
    } else {
        Some(None)
    }
}

fn split(
    data: &[u8],
    delimiter: u8,
    start: ChunkStart,
    name: &str,
    bounds: &mut Vec<(u32, u32)>,
    record: &mut csv::ByteRecord,
    each: &mut dyn FnMut(u64, &dyn Fields),
) -> Result<(), InputError> {
    if let Some(mut rows) = QuoteFree::new(data, delimiter, start.line, start.before) {
        while let Some((line, r)) = rows.next_record(bounds) {
            each(line, &r);
        }
        return Ok(());
    }
    let mut reader = chunk_reader(data, delimiter);
    let mut lines = LineCounter::new(data, start);
    loop {
        match reader.read_byte_record(record) {
            Ok(true) => {}
            Ok(false) => return Ok(()),
            Err(e) => return Err(csv_error(name, &e)),
        }
        let line = lines.line_of(data, record.position());
        each(line, record);
    }
}

#[cfg(test)]
mod tests;
