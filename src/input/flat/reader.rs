//! A reader that hands out a file's records one at a time, blank rows
//! skipped, optionally with a thread reading ahead (the person pipeline's
//! files, and the key scan's).

use std::io;
use std::sync::mpsc::{Receiver, SyncSender, sync_channel};
use std::sync::{Arc, Mutex};

use super::super::chunk::ChunkStart;
use super::super::record::{Fields, LineCounter, QuoteFree, chunk_reader, find_byte, is_blank};
use super::super::{Chunker, InputError, Source, cell, csv_error};
use super::{FlatRecords, HouseholdKey};

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

    /// Take every record left in the reader's buffer (reading the next
    /// chunk first when none is left) into `out`: handed over whole when
    /// `out` is empty and none was taken, else copied at once. Returns how
    /// many; 0 at the end of the file.
    pub(crate) fn take_buffered(&mut self, out: &mut FlatRecords) -> Result<usize, InputError> {
        let Some(at) = self.peek()? else {
            return Ok(0);
        };
        let end = self.buf.len();
        if at == 0 && out.is_empty() {
            std::mem::swap(out, &mut self.buf);
            self.buf.clear();
        } else {
            out.copy_range(&self.buf, at, end);
        }
        self.next = end;
        Ok(end - at)
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
            if let HouseholdKey::One(c) = key {
                let (delimiter, skipped) = (f.delimiter, &mut self.skipped);
                // A quote-free chunk: each record's key found without
                // splitting the whole record.
                let quote_free = quote_free_lines_of(&f.chunk, start, delimiter, |_, line| {
                    match key_of_line(line, delimiter, *c) {
                        Some(key) => each(key),
                        None => *skipped += 1,
                    }
                });
                if quote_free {
                    continue;
                }
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

/// Each record of the chunk `data` (read from `start`) as its line (no
/// line break) and its line number; false, with nothing shown, when the
/// chunk holds a quote (its records need the full CSV grammar).
pub(crate) fn quote_free_lines_of(
    data: &[u8],
    start: ChunkStart,
    delimiter: u8,
    each: impl FnMut(u64, &[u8]),
) -> bool {
    let Some(rows) = QuoteFree::new(data, delimiter, start.line, start.before) else {
        return false;
    };
    lines_of(rows, data, start, each);
    true
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
pub(crate) fn key_of_line(line: &[u8], delimiter: u8, column: usize) -> Option<Option<&[u8]>> {
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
