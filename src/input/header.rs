//! Reading the header of a household file's text (decoded first by
//! [`decode`](super::decode)): skipping a byte-order mark and blank lines,
//! detecting the delimiter and finding where the header record ends.
//!
//! Only the header record is read, however the file ends its lines (`\n`,
//! `\r\n` or a lone `\r`), and never more than the record limit that every
//! row obeys ([`max_record_bytes`]): the rest of the file is left to the
//! [`Chunker`](super::Chunker), so a file of any size is read in linear time
//! and bounded memory. Every decision here depends only on the bytes of the
//! file, never on how many of them one `read` returns.

use std::io::{self, Read};

use super::chunk::count_breaks;
use super::{InputError, ReadOptions, cell, excerpt, max_record_bytes};

/// Bytes asked for at each read (as the chunker does).
const READ_SIZE: usize = 1 << 16;

/// Bytes read before looking at the start of the text (a byte-order mark).
const BOM_LOOKAHEAD: usize = 64;

/// The UTF-8 byte-order mark.
const UTF8_BOM: &[u8] = b"\xEF\xBB\xBF";

/// The delimiters that detection chooses from, in tie-break order.
pub const CANDIDATE_DELIMITERS: [u8; 4] = [b',', b';', b'\t', b'|'];

/// The header of a household file, and the bytes read past it.
#[derive(Debug)]
pub(crate) struct Header {
    pub delimiter: u8,
    /// The header's fields, trimmed, without byte-order marks.
    pub names: Vec<String>,
    /// See [`Source::delimiter_hint`](super::Source::delimiter_hint).
    pub delimiter_hint: Option<u8>,
    /// 1-based line on which the header starts.
    pub header_line: u64,
    /// Everything read so far; `buf[consumed..]` starts the data rows.
    pub buf: Vec<u8>,
    pub consumed: usize,
    /// 1-based line of the file at `buf[consumed]`.
    pub line: u64,
    pub eof: bool,
}

/// The start of a file, read as it arrives.
struct Input<'r> {
    reader: &'r mut dyn Read,
    /// Storage: `storage[..filled]` was read, the rest is room for the next read.
    storage: Vec<u8>,
    filled: usize,
    eof: bool,
    /// Line breaks in the bytes dropped from the front of `buf` (blank lines).
    dropped_breaks: u64,
    /// The last byte dropped (0 when none), for [`count_breaks`].
    dropped_last: u8,
}

impl Input<'_> {
    /// What was read (and not dropped).
    fn buf(&self) -> &[u8] {
        &self.storage[..self.filled]
    }

    /// One read of at most [`READ_SIZE`] bytes.
    fn fill(&mut self) -> io::Result<()> {
        // Grow the room geometrically and zero only what is new: a pipe that
        // hands out a byte per read must not cost a 64 KiB memset per byte.
        if self.storage.len() < self.filled + READ_SIZE {
            if self.storage.is_empty() {
                // (Allocated zeroed: cheap, also in a debug build.)
                self.storage = vec![0; READ_SIZE];
            } else {
                let len = (self.filled + READ_SIZE).max(2 * self.storage.len());
                self.storage.resize(len, 0);
            }
        }
        let room = &mut self.storage[self.filled..self.filled + READ_SIZE];
        let n = loop {
            match self.reader.read(room) {
                Ok(n) => break n.min(READ_SIZE),
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(e),
            }
        };
        self.filled += n;
        self.eof = n == 0;
        Ok(())
    }

    /// Drop everything read so far (blank lines), keeping the line count.
    fn drop_all(&mut self) {
        self.dropped_breaks += count_breaks(self.buf(), self.dropped_last);
        if let Some(&last) = self.buf().last() {
            self.dropped_last = last;
        }
        self.filled = 0;
    }

    /// The bytes read, for the chunker to carry on from.
    fn into_buf(mut self) -> Vec<u8> {
        self.storage.truncate(self.filled);
        self.storage
    }

    /// 1-based line of the file at `buf[at]`.
    fn line_at(&self, at: usize) -> u64 {
        1 + self.dropped_breaks + count_breaks(&self.buf()[..at], self.dropped_last)
    }

    /// Read until `scan` finds the end of the record starting at
    /// `buf[start]` (returned relative to `start`, just after its line
    /// break), the input ends, or the record is longer than `limit` bytes
    /// (both: `None`).
    fn record_end(
        &mut self,
        start: usize,
        scan: &mut RecordScan,
        limit: usize,
    ) -> io::Result<Option<usize>> {
        loop {
            if let Some(end) = scan.advance(&self.buf()[start..]) {
                // `end` counts the line break, which is not part of the record.
                return Ok((end - 1 <= limit).then_some(end));
            }
            if self.eof || self.filled - start > limit {
                return Ok(None);
            }
            self.fill()?;
        }
    }
}

/// Read the header of `name` from `reader`.
pub(crate) fn read(
    name: &str,
    reader: &mut dyn Read,
    options: &ReadOptions,
) -> Result<Header, InputError> {
    let limit = max_record_bytes(options.max_field_bytes);
    let mut input = Input {
        reader,
        storage: Vec::new(),
        filled: 0,
        eof: false,
        dropped_breaks: 0,
        dropped_last: 0,
    };
    let start = header_start(&mut input, name)?;
    let delimiter = match options.delimiter {
        Some(d) => d,
        None => detected_delimiter(&mut input, name, start, limit)?,
    };
    let end = header_end(&mut input, name, start, delimiter, limit)?;
    let record = &input.buf()[start..end];
    let names = header_names(&input, name, start, record, delimiter)?;
    let delimiter_hint = match options.delimiter {
        // Only a delimiter the user chose can leave another candidate
        // unused: detection picks the most frequent one.
        Some(_) if names.len() == 1 => other_delimiter(record, delimiter),
        _ => None,
    };
    let line = input.line_at(end);
    let header_line = input.line_at(start);
    let eof = input.eof;
    Ok(Header {
        delimiter,
        names,
        delimiter_hint,
        header_line,
        buf: input.into_buf(),
        consumed: end,
        line,
        eof,
    })
}

/// Where the header starts: after a byte-order mark and blank lines, which
/// are dropped as they are read, so that a file of nothing else cannot fill
/// memory. (A decoding error of a small file shows here, not in the chunker.)
fn header_start(input: &mut Input<'_>, name: &str) -> Result<usize, InputError> {
    let io_err = |source| InputError::reading(name, source);
    // Enough bytes to see a whole byte-order mark, however small the reads.
    while input.filled < BOM_LOOKAHEAD && !input.eof {
        input.fill().map_err(io_err)?;
    }
    let mut pos = if input.buf().starts_with(UTF8_BOM) {
        UTF8_BOM.len()
    } else {
        0
    };
    let start = loop {
        let blank = |b: &u8| matches!(b, b' ' | b'\t' | b'\r' | b'\n');
        match input.buf()[pos..].iter().position(|b| !blank(b)) {
            Some(i) => {
                // The header starts on the line of its first non-blank byte
                // (not at that byte: a tab-separated header may start with
                // an empty name).
                let first = pos + i;
                break input.buf()[pos..first]
                    .iter()
                    .rposition(|&b| matches!(b, b'\r' | b'\n'))
                    .map_or(pos, |j| pos + j + 1);
            }
            None if input.eof => {
                return Err(InputError::Empty {
                    file: name.to_string(),
                });
            }
            None => {
                input.drop_all();
                pos = 0;
                input.fill().map_err(io_err)?;
            }
        }
    };
    Ok(start)
}

/// Detect the delimiter from the header record alone: where it ends is
/// found as if each candidate delimiter were the one (a quote opens a
/// quoted field after any of them).
fn detected_delimiter(
    input: &mut Input<'_>,
    name: &str,
    start: usize,
    limit: usize,
) -> Result<u8, InputError> {
    let mut scan = RecordScan::new(&CANDIDATE_DELIMITERS);
    let end = input
        .record_end(start, &mut scan, limit)
        .map_err(|source| InputError::reading(name, source))?
        .map_or_else(|| input.filled.min(start + limit), |e| start + e);
    Ok(detect_delimiter(&input.buf()[start..end]))
}

/// Where the header record that starts at `start` ends; a header longer than
/// `limit`, or one at the end of the file with a quote left open before a
/// line break, is an error.
fn header_end(
    input: &mut Input<'_>,
    name: &str,
    start: usize,
    delimiter: u8,
    limit: usize,
) -> Result<usize, InputError> {
    let io_err = |source| InputError::reading(name, source);
    let mut scan = RecordScan::new(&[delimiter]);
    let end = match input.record_end(start, &mut scan, limit).map_err(io_err)? {
        Some(e) => {
            // This scan and the chunker's record machine must agree on where
            // the header ends (the chunker cuts the rows after it).
            debug_assert_eq!(
                super::chunk::first_record_end(&input.buf()[start..start + e], delimiter),
                Some(e)
            );
            start + e
        }
        None if input.eof && input.filled - start <= limit => {
            // A header without a line break, at the end of the file.
            if let Some((column, at)) = scan.open_quote() {
                if input.buf()[start + at..]
                    .iter()
                    .any(|&b| matches!(b, b'\r' | b'\n'))
                {
                    return Err(InputError::HeaderUnclosedQuote {
                        file: name.to_string(),
                        line: input.line_at(start),
                        column: column + 1,
                        start: excerpt(&input.buf()[start + at..], 40),
                    });
                }
            }
            input.filled
        }
        None => {
            return Err(InputError::HeaderTooLong {
                file: name.to_string(),
                line: input.line_at(start),
                limit,
            });
        }
    };
    Ok(end)
}

/// The names of the header record `record`, which starts at `start`.
fn header_names(
    input: &Input<'_>,
    name: &str,
    start: usize,
    record: &[u8],
    delimiter: u8,
) -> Result<Vec<String>, InputError> {
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .has_headers(false)
        .flexible(true)
        .from_reader(record);
    let mut fields = csv::ByteRecord::new();
    let got = reader
        .read_byte_record(&mut fields)
        .map_err(|e| InputError::Csv {
            file: name.to_string(),
            line: input.line_at(start),
            message: excerpt(e.to_string().as_bytes(), 300),
        })?;
    if !got {
        return Err(InputError::Empty {
            file: name.to_string(),
        });
    }
    Ok(fields.iter().map(header_name).collect())
}

/// A header name as it is matched: trimmed of white space and of invisible
/// marks. A byte-order mark before a later name (two files pasted together,
/// a spreadsheet's export) or a zero-width space is never part of a column's
/// name, and left in it would make the name not match while looking right.
fn header_name(raw: &[u8]) -> String {
    String::from_utf8_lossy(cell::trim(raw))
        .trim_matches(|c: char| {
            c.is_whitespace() || matches!(c, '\u{feff}' | '\u{200b}' | '\u{2060}')
        })
        .to_string()
}

/// Occurrences of each candidate delimiter outside quotes.
fn count_candidates(line: &[u8]) -> [usize; 4] {
    let mut counts = [0usize; 4];
    let mut quoted = false;
    for &b in line {
        if b == b'"' {
            quoted = !quoted;
        } else if !quoted {
            if let Some(i) = CANDIDATE_DELIMITERS.iter().position(|&c| c == b) {
                counts[i] += 1;
            }
        }
    }
    counts
}

/// The candidate delimiter that occurs most often outside quotes in the header line (`,` on a tie).
pub fn detect_delimiter(header_line: &[u8]) -> u8 {
    let counts = count_candidates(header_line);
    let mut best = 0;
    for i in 1..counts.len() {
        if counts[i] > counts[best] {
            best = i;
        }
    }
    CANDIDATE_DELIMITERS[best]
}

/// The candidate delimiter other than `used` that occurs most often outside
/// quotes in `record`, if any does.
fn other_delimiter(record: &[u8], used: u8) -> Option<u8> {
    let counts = count_candidates(record);
    CANDIDATE_DELIMITERS
        .iter()
        .zip(counts)
        .filter(|&(&d, n)| d != used && n > 0)
        // The first of the most frequent: `max_by_key` keeps the last.
        .rev()
        .max_by_key(|&(_, n)| n)
        .map(|(&d, _)| d)
}

/// How a delimiter is written on the command line.
pub fn delimiter_flag(d: u8) -> String {
    match d {
        b'\t' => "-d tab".to_string(),
        b',' => "-d ,".to_string(),
        _ => format!("-d '{}'", char::from(d).escape_default()),
    }
}

// The record machine of `chunk.rs` (and of `csv-core`): states and byte classes.
const START_RECORD: u8 = 0;
const START_FIELD: u8 = 1;
const IN_FIELD: u8 = 2;
const IN_QUOTED: u8 = 3;
const QUOTE_IN_QUOTED: u8 = 4;

const OTHER: u8 = 0;
const QUOTE: u8 = 1;
const DELIM: u8 = 2;
const TERM: u8 = 3;

const NEXT: [[u8; 4]; 5] = [
    // OTHER, QUOTE, DELIM, TERM
    [IN_FIELD, IN_QUOTED, START_FIELD, START_RECORD], // START_RECORD
    [IN_FIELD, IN_QUOTED, START_FIELD, START_RECORD], // START_FIELD
    [IN_FIELD, IN_FIELD, START_FIELD, START_RECORD],  // IN_FIELD
    [IN_QUOTED, QUOTE_IN_QUOTED, IN_QUOTED, IN_QUOTED], // IN_QUOTED
    [IN_FIELD, IN_QUOTED, START_FIELD, START_RECORD], // QUOTE_IN_QUOTED
];

/// Finds where the first record of a growing buffer ends, resuming where it
/// stopped (the chunker's `first_record_end` starts over at each call, which
/// is quadratic while a long header arrives in pieces).
struct RecordScan {
    class: [u8; 256],
    state: u8,
    seen_content: bool,
    scanned: usize,
    end: Option<usize>,
    /// 0-based field being read.
    field: usize,
    /// The field and offset of the last quote that opened a quoted field.
    quote: (usize, usize),
}

impl RecordScan {
    /// A scan where each byte of `delimiters` separates fields.
    fn new(delimiters: &[u8]) -> RecordScan {
        let mut class = [OTHER; 256];
        for &d in delimiters {
            class[usize::from(d)] = DELIM;
        }
        // Quotes and line breaks are never delimiters (as in `chunk.rs`).
        class[usize::from(b'"')] = QUOTE;
        class[usize::from(b'\r')] = TERM;
        class[usize::from(b'\n')] = TERM;
        RecordScan {
            class,
            state: START_RECORD,
            seen_content: false,
            scanned: 0,
            end: None,
            field: 0,
            quote: (0, 0),
        }
    }

    /// Scan the bytes of `record` not scanned yet (it only ever grows);
    /// where the first record ends, just after its line break.
    fn advance(&mut self, record: &[u8]) -> Option<usize> {
        if self.end.is_some() {
            return self.end;
        }
        for (i, &b) in record.iter().enumerate().skip(self.scanned) {
            let class = self.class[usize::from(b)];
            let next = NEXT[usize::from(self.state)][usize::from(class)];
            if next == IN_QUOTED && matches!(self.state, START_RECORD | START_FIELD) {
                self.quote = (self.field, i);
            }
            if next == START_FIELD {
                self.field += 1;
            }
            self.state = next;
            if next == START_RECORD {
                if self.seen_content {
                    self.end = Some(i + 1);
                    self.scanned = i + 1;
                    return self.end;
                }
            } else {
                self.seen_content = true;
            }
        }
        self.scanned = record.len();
        None
    }

    /// The field and offset of the quote left open where the scan stopped.
    fn open_quote(&self) -> Option<(usize, usize)> {
        (self.state == IN_QUOTED).then_some(self.quote)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::input::{ChunkStart, from_reader};
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};

    /// A reader over `data` that counts the bytes it hands out and returns
    /// at most `step` bytes per read.
    struct Counting {
        data: Vec<u8>,
        at: usize,
        step: usize,
        read: Arc<AtomicUsize>,
    }

    impl Read for Counting {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            let n = buf.len().min(self.step).min(self.data.len() - self.at);
            buf[..n].copy_from_slice(&self.data[self.at..self.at + n]);
            self.at += n;
            self.read.fetch_add(n, Ordering::Relaxed);
            Ok(n)
        }
    }

    fn counting(data: Vec<u8>, step: usize) -> (Counting, Arc<AtomicUsize>) {
        let read = Arc::new(AtomicUsize::new(0));
        let reader = Counting {
            data,
            at: 0,
            step,
            read: Arc::clone(&read),
        };
        (reader, read)
    }

    fn options(delimiter: Option<u8>) -> ReadOptions {
        ReadOptions {
            delimiter,
            ..ReadOptions::default()
        }
    }

    /// Read the header of `data` delivered `step` bytes per read.
    fn header_of(data: &[u8], step: usize, delimiter: Option<u8>) -> Result<Header, InputError> {
        let (mut reader, _) = counting(data.to_vec(), step);
        read("in.csv", &mut reader, &options(delimiter))
    }

    /// A CR-only file: a comma header and `rows` rows whose text holds semicolons.
    fn cr_only(rows: usize) -> Vec<u8> {
        let mut data = b"household_id,area,members,monthly_income\r".to_vec();
        for i in 0..rows {
            data.extend_from_slice(format!("H{i},rural;a;b;c;d,2,100\r").as_bytes());
        }
        data
    }

    #[test]
    fn a_cr_only_file_is_read_no_further_than_its_header() {
        let rows = 200_000;
        let data = cr_only(rows);
        let total = data.len();
        let (reader, read) = counting(data, usize::MAX);
        let source = from_reader("in.csv".into(), Box::new(reader), &options(None)).unwrap();
        // Today's reader looked for `\n` and so read the whole file first.
        let after_header = read.load(Ordering::Relaxed);
        assert!(
            after_header <= READ_SIZE,
            "{after_header} of {total} bytes read for the header"
        );
        assert_eq!(source.delimiter, b',');
        assert_eq!(
            source.header,
            ["household_id", "area", "members", "monthly_income"]
        );
        // The rows that follow all come out, each on its own line.
        let mut chunker = source.chunker;
        let mut chunk = Vec::new();
        let mut records = 0u64;
        while let Some(ChunkStart { line, .. }) = chunker.next_chunk(1 << 16, &mut chunk).unwrap() {
            assert_eq!(line, 2 + records, "the chunk's first line");
            records += chunk.iter().filter(|&&b| b == b'\r').count() as u64;
        }
        assert_eq!(records, rows as u64);
        assert_eq!(read.load(Ordering::Relaxed), total);
    }

    #[test]
    fn the_delimiter_is_detected_from_the_header_record_only() {
        // The rows hold more `;` than the header holds `,`: counted over
        // the whole CR-only "line" (the file), `;` won.
        let h = header_of(&cr_only(100), usize::MAX, None).unwrap();
        assert_eq!(h.delimiter, b',');
        assert_eq!(h.names.len(), 4);
        // A quoted line break inside the header does not end it early.
        let h = header_of(b"\"house\rhold\";b;c\ra,b,c,d,e,f\r", usize::MAX, None).unwrap();
        assert_eq!(h.delimiter, b';');
        assert_eq!(h.names, ["house\rhold", "b", "c"]);
        assert_eq!(h.line, 3);
    }

    #[test]
    fn the_header_is_the_same_however_the_input_arrives() {
        let files: [&[u8]; 7] = [
            b"a,b,c\nx,y,z\n",
            b"\xEF\xBB\xBF\r\n\r\n a;b;c\r\nx;y;z\r\n",
            b"\r\r\ra|b\rx|y",
            b"a\tb\tc",
            b"\"a\r\nb\",c\r\n1,2\r\n",
            b"\n\n\"a\"\"q\",b\rrest",
            b"\tb\tc\n1\t2\t3\n",
        ];
        // (delimiter, names, line after the header, the bytes after the header)
        let read_in_steps = |data: &[u8], step: usize| {
            let (mut reader, _) = counting(data.to_vec(), step);
            let h = read("in.csv", &mut reader, &options(None)).unwrap();
            let mut rest = h.buf[h.consumed..].to_vec();
            reader.read_to_end(&mut rest).unwrap();
            (h.delimiter, h.names, h.line, rest)
        };
        for data in files {
            let whole = read_in_steps(data, usize::MAX);
            assert!(data.ends_with(&whole.3), "{data:?}");
            for step in [1, 2, 3, 7] {
                assert_eq!(read_in_steps(data, step), whole, "{data:?} step {step}");
            }
        }
        let (_, names, _, rest) = read_in_steps(b"\tb\tc\n1\t2\t3\n", 1);
        assert_eq!(
            (names, rest),
            (
                vec!["".into(), "b".into(), "c".into()],
                b"1\t2\t3\n".to_vec()
            )
        );
        let (_, _, line, rest) = read_in_steps(b"\xEF\xBB\xBF\r\n\r\n a;b;c\r\nx;y;z\r\n", 5);
        // The header ends after its `\r`: the chunker pairs the `\n` with it.
        assert_eq!((line, rest), (4, b"\nx;y;z\r\n".to_vec()));
    }

    #[test]
    fn an_unclosed_quote_in_the_header_stops_at_the_record_limit() {
        let options = ReadOptions {
            max_field_bytes: 1000,
            ..ReadOptions::default()
        };
        let limit = max_record_bytes(1000);
        let mut data = b"household_id,\"area,members\r".to_vec();
        while data.len() < 20 << 20 {
            data.extend_from_slice(b"H1,rural,2,100\r");
        }
        for step in [usize::MAX, 1000] {
            let (mut reader, read) = counting(data.clone(), step);
            let err = super::read("in.csv", &mut reader, &options).expect_err("an error");
            assert!(
                matches!(err, InputError::HeaderTooLong { line: 1, limit: l, .. } if l == limit),
                "{err}"
            );
            // The limit, and at most one read past it; not the 20 MB file.
            let read = read.load(Ordering::Relaxed);
            assert!(read <= limit + 1 + READ_SIZE, "{read} bytes read");
            let message = err.to_string();
            assert!(message.len() < 300, "{message}");
            assert!(
                message
                    .contains("is longer than 1048576 bytes without ending (an unclosed quote?)"),
                "{message}"
            );
        }
    }

    #[test]
    fn a_header_at_the_limit_is_read_and_one_byte_longer_is_not() {
        let options = ReadOptions {
            max_field_bytes: 1,
            ..ReadOptions::default()
        };
        let limit = max_record_bytes(1);
        for (len, ok) in [(limit, true), (limit + 1, false)] {
            let mut data = vec![b'a'; len];
            data.extend_from_slice(b"\r\nx\r\n");
            for step in [usize::MAX, 4093] {
                let (mut reader, _) = counting(data.clone(), step);
                let got = super::read("in.csv", &mut reader, &options);
                assert_eq!(got.is_ok(), ok, "length {len}, step {step}");
            }
        }
    }

    #[test]
    fn a_quote_that_runs_to_the_end_of_a_small_file_is_named() {
        let err =
            header_of(b"household_id,\"area,members\nA,x,2\n", 3, None).expect_err("an error");
        assert!(
            matches!(&err, InputError::HeaderUnclosedQuote { line: 1, column: 2, start, .. } if start.starts_with("\"area,members\\nA,")),
            "{err}"
        );
        // On one line, the quote is the field's (as the csv parser reads it).
        let h = header_of(b"household_id,\"area", 1, None).unwrap();
        assert_eq!(h.names, ["household_id", "area"]);
    }

    #[test]
    fn blank_lines_before_the_header_are_counted_and_not_kept() {
        let mut data = b"\xEF\xBB\xBF".to_vec();
        for _ in 0..200_000 {
            data.extend_from_slice(b"\r \r\n\t\n");
        }
        data.extend_from_slice(b"a,b\rx,y\r");
        for step in [usize::MAX, 1001] {
            let h = header_of(&data, step, None).unwrap();
            assert_eq!(h.names, ["a", "b"]);
            assert_eq!(h.line, 3 * 200_000 + 2);
            assert!(h.buf.len() <= 2 * READ_SIZE, "{} bytes kept", h.buf.len());
        }
        assert!(matches!(
            header_of(b" \r\n\t\r", 1, None),
            Err(InputError::Empty { .. })
        ));
    }

    #[test]
    fn the_scan_resumes_where_it_stopped() {
        let data = b"\"a\r\n\"\"b\",c;\"d\"\r\nnext";
        for delimiters in [&b","[..], &b";"[..], &CANDIDATE_DELIMITERS[..]] {
            let mut scan = RecordScan::new(delimiters);
            let mut found = None;
            for len in 0..=data.len() {
                found = scan.advance(&data[..len]);
                if found.is_some() {
                    break;
                }
                // Every byte was looked at once: the next call starts after it.
                assert_eq!(scan.scanned, len);
            }
            // Just after the `\r` (the chunker pairs the `\n` with it).
            assert_eq!(found, Some(data.len() - 5), "{delimiters:?}");
        }
    }

    #[test]
    fn invisible_marks_are_not_part_of_a_name() {
        let h = header_of(
            "household_id,\u{feff}members, \u{200b}area\u{feff} ,\u{feff}\n".as_bytes(),
            usize::MAX,
            None,
        )
        .unwrap();
        assert_eq!(h.names, ["household_id", "members", "area", ""]);
    }

    #[test]
    fn a_chosen_delimiter_that_leaves_one_column_names_the_likely_one() {
        let hint =
            |data: &[u8], d: Option<u8>| header_of(data, usize::MAX, d).unwrap().delimiter_hint;
        assert_eq!(hint(b"a,b,c\n", Some(b';')), Some(b','));
        assert_eq!(hint(b"a;b;c\n", Some(b',')), Some(b';'));
        assert_eq!(hint(b"a\tb|c|d\n", Some(b',')), Some(b'|'));
        assert_eq!(hint(b"a\tb\tc\n", Some(b',')), Some(b'\t'));
        // Two columns, or no other delimiter, or one only inside quotes: no hint.
        assert_eq!(hint(b"a;b,c\n", Some(b';')), None);
        assert_eq!(hint(b"abc\n", Some(b';')), None);
        assert_eq!(hint(b"\"a,b\"\n", Some(b';')), None);
        assert_eq!(hint(b"a,b,c\n", None), None);
        assert_eq!(delimiter_flag(b','), "-d ,");
        assert_eq!(delimiter_flag(b';'), "-d ';'");
        assert_eq!(delimiter_flag(b'\t'), "-d tab");
    }

    #[test]
    fn a_detected_delimiter_never_leaves_another_unused_in_a_one_column_header() {
        // Byte soup of the characters that matter: when detection reads a
        // header as one column, no other candidate occurs outside quotes
        // (so the `-d` hint is only ever needed for a delimiter the user chose).
        let alphabet = b"ab,;\t|\" ";
        let mut state: u64 = 0x2545_f491_4f6c_dd1d;
        let mut next = |n: usize| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            (state % n as u64) as usize
        };
        for _ in 0..1_500 {
            let len = 1 + next(12);
            let data: Vec<u8> = (0..len)
                .map(|_| alphabet[next(alphabet.len())])
                .chain([b'\n'])
                .collect();
            let Ok(h) = header_of(&data, usize::MAX, None) else {
                continue;
            };
            if h.names.len() == 1 {
                let record = &data[..h.consumed.min(data.len())];
                assert_eq!(
                    other_delimiter(record, h.delimiter),
                    None,
                    "{:?}",
                    String::from_utf8_lossy(&data)
                );
            }
        }
    }

    #[test]
    fn random_files_give_one_answer_however_they_arrive() {
        // Byte soup of what matters to the header reader (quotes, every
        // delimiter, every line break, blanks, a BOM's bytes, NUL): the
        // header, the line after it and the rest of the file — or the error —
        // never depend on the size of the reads.
        let alphabet = b"ab,;\t|\"\r\n \0\xEF\xBB\xBF";
        let mut state: u64 = 0x9e37_79b9_7f4a_7c15;
        let mut next = |n: usize| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            (state % n as u64) as usize
        };
        let outcome = |data: &[u8], step: usize, delimiter: Option<u8>| {
            let (mut reader, _) = counting(data.to_vec(), step);
            match read("in.csv", &mut reader, &options(delimiter)) {
                Ok(h) => {
                    let mut rest = h.buf[h.consumed..].to_vec();
                    reader.read_to_end(&mut rest).unwrap();
                    Ok((
                        h.delimiter,
                        h.names,
                        h.header_line,
                        h.line,
                        h.delimiter_hint,
                        rest,
                    ))
                }
                Err(e) => Err(e.to_string()),
            }
        };
        for _ in 0..500 {
            let len = next(30);
            let data: Vec<u8> = (0..len).map(|_| alphabet[next(alphabet.len())]).collect();
            for delimiter in [None, Some(b';')] {
                let whole = outcome(&data, usize::MAX, delimiter);
                if let Ok((.., rest)) = &whole {
                    assert!(data.ends_with(rest), "{data:?}");
                }
                for step in [1, 3] {
                    assert_eq!(
                        outcome(&data, step, delimiter),
                        whole,
                        "{data:?} step {step}"
                    );
                }
            }
        }
    }
}
