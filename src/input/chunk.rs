//! Cutting a CSV byte stream into chunks of whole records, so that many
//! threads can parse one file.
//!
//! A cut must never fall inside a record, and a record's quoted field may
//! hold line breaks, so the chunker follows the same state machine as the
//! `csv-core` parser (default dialect: `"` quotes, doubled to escape, `\r`,
//! `\n` or `\r\n` ends a record) — but only its states, not its output. That
//! is a table lookup per byte, several times cheaper than parsing, so one
//! thread can cut chunks for many parsing threads. Any position where the
//! machine is at the start of a record is a valid cut; parsing each chunk on
//! its own then gives exactly the records a sequential parse gives.

use std::io::{self, Read};

const START_RECORD: u8 = 0;
const START_FIELD: u8 = 1;
const IN_FIELD: u8 = 2;
const IN_QUOTED: u8 = 3;
const QUOTE_IN_QUOTED: u8 = 4;
const STATES: usize = 5;

const OTHER: u8 = 0;
const QUOTE: u8 = 1;
const DELIM: u8 = 2;
const TERM: u8 = 3;
const CLASSES: usize = 4;

/// Bytes read past the target size at a time, while looking for the end of
/// a chunk's last record.
const BEYOND_TARGET: usize = 1 << 12;

/// The next-state table for one delimiter.
#[derive(Clone)]
struct Machine {
    class: [u8; 256],
    next: [[u8; CLASSES]; STATES],
}

impl Machine {
    fn new(delimiter: u8) -> Machine {
        let mut class = [OTHER; 256];
        class[usize::from(b'"')] = QUOTE;
        class[usize::from(b'\r')] = TERM;
        class[usize::from(b'\n')] = TERM;
        if !matches!(delimiter, b'"' | b'\r' | b'\n') {
            class[usize::from(delimiter)] = DELIM;
        }
        let mut next = [[0u8; CLASSES]; STATES];
        // Mirrors csv_core's NFA (reader.rs, transition_nfa) for the states that matter.
        next[usize::from(START_RECORD)] = [IN_FIELD, IN_QUOTED, START_FIELD, START_RECORD];
        next[usize::from(START_FIELD)] = [IN_FIELD, IN_QUOTED, START_FIELD, START_RECORD];
        next[usize::from(IN_FIELD)] = [IN_FIELD, IN_FIELD, START_FIELD, START_RECORD];
        next[usize::from(IN_QUOTED)] = [IN_QUOTED, QUOTE_IN_QUOTED, IN_QUOTED, IN_QUOTED];
        next[usize::from(QUOTE_IN_QUOTED)] = [IN_FIELD, IN_QUOTED, START_FIELD, START_RECORD];
        Machine { class, next }
    }
}

/// A record that grew past the limit without ending (an unclosed quote
/// swallowing the rest of a file), carried inside the [`io::Error`] that
/// [`Chunker::next_chunk`] returns; [`super::InputError::reading`] turns it
/// into [`super::InputError::RecordTooLong`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error(
    "the record starting on line {line} is longer than {limit} bytes without ending (an unclosed quote?)"
)]
pub struct RecordTooLong {
    /// 1-based line on which the record starts.
    pub line: u64,
    /// The limit, in bytes.
    pub limit: usize,
}

/// Reads a byte stream and hands out chunks that end on record boundaries.
///
/// Where a chunk ends depends only on the bytes of the input and the target
/// size, never on how many bytes each `read` returned: a chunk ends at the
/// first record boundary at or after `target` bytes (a `\r\n` pair is never
/// split), or at the end of the input. So a file, a pipe fed one byte at a
/// time and `zcat` give the same chunks, and two passes over the same bytes
/// (`--budget`) see the same batches.
pub struct Chunker {
    reader: Box<dyn Read + Send>,
    /// Bytes read but not yet handed out (`buf[..scanned]` already went through the machine).
    buf: Vec<u8>,
    scanned: usize,
    state: u8,
    /// Where the next chunk ends (0: not found yet).
    cut: usize,
    /// The end of the last record seen in `buf` (for the record-length limit).
    last_end: usize,
    /// The byte before `buf[0]`.
    before: u8,
    delimiter: u8,
    /// Longest a record may grow without a boundary (an unclosed quote).
    max_record: usize,
    /// 1-based line of the file at `buf[0]`.
    line: u64,
    /// Lines are counted (else [`ChunkStart::line`] stays where it began:
    /// [`Chunker::without_line_numbers`]).
    count_lines: bool,
    eof: bool,
}

impl Chunker {
    /// Continue reading after `consumed` bytes of `buf` (the header), which
    /// end at a record boundary; `line` is the file line at `buf[consumed]`.
    pub(crate) fn new(
        reader: Box<dyn Read + Send>,
        delimiter: u8,
        mut buf: Vec<u8>,
        consumed: usize,
        line: u64,
        eof: bool,
    ) -> Chunker {
        let consumed = consumed.min(buf.len());
        let before = if consumed > 0 { buf[consumed - 1] } else { 0 };
        buf.drain(..consumed);
        Chunker {
            reader,
            buf,
            scanned: 0,
            state: START_RECORD,
            cut: 0,
            last_end: 0,
            before,
            delimiter,
            max_record: usize::MAX,
            line,
            count_lines: true,
            eof,
        }
    }

    /// Stop counting lines, for a reader that never shows one (two scans of
    /// every chunk saved): [`ChunkStart::line`] then stays the first line,
    /// and so does a [`RecordTooLong`] error's, which such a reader must
    /// not report as it stands.
    pub(crate) fn without_line_numbers(&mut self) {
        self.count_lines = false;
    }

    /// Advance the state machine over the bytes read since the last scan,
    /// until the first record boundary at or after `target` (then `cut` is set).
    ///
    /// Rather than a table step per byte, it jumps with `memchr` from one byte
    /// that matters (`"`, `\r`, `\n`) to the next: between them the state can
    /// only be "in a field", and the byte before a quote (a delimiter or not)
    /// tells whether the quote opens a quoted field, as in `csv-core`.
    fn scan(&mut self, target: usize) {
        if self.cut > 0 {
            return;
        }
        // A record's line break at `at` ends a chunk of at least `target` bytes.
        let first_break = target.max(1) - 1;
        let len = self.buf.len();
        let delim = self.delimiter;
        let mut state = self.state;
        let mut i = self.scanned;
        while i < len {
            let buf = &self.buf[..];
            // No quote in the rest (the usual case): the first line break
            // far enough in ends the chunk; the last one ends a record.
            if state != IN_QUOTED && memchr::memchr(b'"', &buf[i..]).is_none() {
                if let Some(p) = memchr::memrchr2(b'\n', b'\r', &buf[i..]) {
                    self.last_end = i + p + 1;
                }
                let from = i.max(first_break);
                if let Some(p) = buf
                    .get(from..)
                    .and_then(|rest| memchr::memchr2(b'\n', b'\r', rest))
                {
                    self.stop_at_break(from + p);
                    return;
                }
                state = match buf[len - 1] {
                    b'\n' | b'\r' => START_RECORD,
                    b if b == delim => START_FIELD,
                    _ => IN_FIELD,
                };
                i = len;
                break;
            }
            if state == IN_QUOTED {
                match memchr::memchr(b'"', &buf[i..]) {
                    Some(p) => {
                        i += p + 1;
                        state = QUOTE_IN_QUOTED;
                    }
                    None => i = len,
                }
                continue;
            }
            match memchr::memchr3(b'"', b'\n', b'\r', &buf[i..]) {
                Some(p) => {
                    let at = i + p;
                    if buf[at] == b'"' {
                        let opens = if at > i {
                            buf[at - 1] == delim
                        } else {
                            matches!(state, START_RECORD | START_FIELD | QUOTE_IN_QUOTED)
                        };
                        state = if opens { IN_QUOTED } else { IN_FIELD };
                    } else if at >= first_break {
                        self.stop_at_break(at);
                        return;
                    } else {
                        state = START_RECORD;
                        self.last_end = at + 1;
                    }
                    i = at + 1;
                }
                None => {
                    if len > i {
                        state = if buf[len - 1] == delim {
                            START_FIELD
                        } else {
                            IN_FIELD
                        };
                    }
                    i = len;
                }
            }
        }
        self.scanned = i;
        self.state = state;
    }

    /// The chunk ends with the record whose line break is at `at`: just after
    /// it, or after the `\n` of a `\r\n` pair. While the byte after a `\r`
    /// is not read yet, scanning waits at the `\r`.
    fn stop_at_break(&mut self, at: usize) {
        let end = match (self.buf[at], self.buf.get(at + 1)) {
            (b'\r', Some(b'\n')) => Some(at + 2),
            (b'\r', None) if !self.eof => None,
            _ => Some(at + 1),
        };
        self.state = START_RECORD;
        match end {
            Some(end) => {
                self.cut = end;
                self.scanned = end;
                self.last_end = end;
            }
            None => {
                self.scanned = at;
                self.last_end = at;
            }
        }
    }

    /// Fail when one record grows past `bytes` without ending.
    pub fn set_max_record(&mut self, bytes: usize) {
        self.max_record = bytes;
    }

    /// Read more, however many `read` calls that takes: up to the target
    /// size and a little more, so that the bytes after the cut, which the
    /// next chunk must copy, stay few.
    fn fill(&mut self, target: usize) -> io::Result<()> {
        // (At most 1 MiB a time: a caller may ask for the whole input.)
        let want = target
            .saturating_sub(self.buf.len())
            .saturating_add(BEYOND_TARGET)
            .min(1 << 20);
        let n = (&mut self.reader)
            .take(want as u64)
            .read_to_end(&mut self.buf)?;
        if n == 0 {
            self.eof = true;
        }
        Ok(())
    }

    /// Fill `out` with the next chunk of whole records: up to the first
    /// record boundary at or after `target` bytes, or to the end of the
    /// input. Returns where the chunk starts, or `None` at the end of the input.
    pub fn next_chunk(
        &mut self,
        target: usize,
        out: &mut Vec<u8>,
    ) -> io::Result<Option<ChunkStart>> {
        loop {
            self.scan(target);
            if self.cut > 0 || self.eof {
                break;
            }
            if self.buf.len() - self.last_end > self.max_record {
                let line = self.line + count_breaks(&self.buf[..self.last_end], self.before);
                return Err(io::Error::new(
                    io::ErrorKind::InvalidData,
                    RecordTooLong {
                        line,
                        limit: self.max_record,
                    },
                ));
            }
            self.fill(target)?;
        }
        let end = if self.cut > 0 {
            self.cut
        } else {
            self.buf.len()
        };
        if end == 0 {
            return Ok(None);
        }
        // Hand out the chunk by swapping buffers; only the carry is copied.
        out.clear();
        out.extend_from_slice(&self.buf[end..]);
        std::mem::swap(out, &mut self.buf);
        out.truncate(end);
        let start = ChunkStart {
            line: self.line,
            before: self.before,
        };
        if self.count_lines {
            self.line += count_breaks(out, self.before);
        }
        self.before = out[end - 1];
        self.scanned = self.scanned.saturating_sub(end);
        self.cut = 0;
        self.last_end = 0;
        Ok(Some(start))
    }
}

/// Where a chunk starts in the file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ChunkStart {
    /// 1-based line of the chunk's first byte.
    pub line: u64,
    /// The byte just before the chunk (0 at the start of the file).
    pub before: u8,
}

/// Line breaks in `data`: each `\n`, `\r\n` or lone `\r` counts once.
/// `before` is the byte preceding `data` (a `\r` there pairs with a leading `\n`).
///
/// ```
/// use layak::input::chunk::count_breaks;
/// assert_eq!(count_breaks(b"a\nb\r\nc\rd", 0), 3);
/// assert_eq!(count_breaks(b"\nx", b'\r'), 0);
/// ```
pub fn count_breaks(data: &[u8], before: u8) -> u64 {
    let lf = memchr::memchr_iter(b'\n', data).count() as u64;
    let paired_at_start = u64::from(before == b'\r' && data.first() == Some(&b'\n'));
    if memchr::memchr(b'\r', data).is_none() {
        return lf - paired_at_start;
    }
    let cr = data.iter().filter(|&&b| b == b'\r').count() as u64;
    let crlf = data.windows(2).filter(|w| w == b"\r\n").count() as u64;
    cr + lf - crlf - paired_at_start
}

/// Find where the first record of `buf` ends (just after its terminator),
/// using the machine for `delimiter`; `None` if `buf` ends inside it.
pub(crate) fn first_record_end(buf: &[u8], delimiter: u8) -> Option<usize> {
    let m = Machine::new(delimiter);
    let mut state = START_RECORD;
    let mut seen_content = false;
    for (i, &b) in buf.iter().enumerate() {
        state = m.next[usize::from(state)][usize::from(m.class[usize::from(b)])];
        if state == START_RECORD {
            if seen_content {
                return Some(i + 1);
            }
        } else {
            seen_content = true;
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A reader that returns one byte per call, so that chunks end as early as possible.
    struct Trickle(Vec<u8>, usize);

    impl Read for Trickle {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            match (self.0.get(self.1), buf.first_mut()) {
                (Some(&b), Some(slot)) => {
                    *slot = b;
                    self.1 += 1;
                    Ok(1)
                }
                _ => Ok(0),
            }
        }
    }

    fn chunks(data: &[u8], target: usize) -> Vec<(u64, Vec<u8>)> {
        let reader = Box::new(Trickle(data.to_vec(), 0));
        let mut c = Chunker::new(reader, b',', Vec::new(), 0, 2, false);
        let mut out = Vec::new();
        let mut all = Vec::new();
        while let Some(start) = c.next_chunk(target, &mut out).unwrap() {
            all.push((start.line, out.clone()));
        }
        all
    }

    fn records(data: &[u8]) -> Vec<Vec<Vec<u8>>> {
        let mut r = csv::ReaderBuilder::new()
            .has_headers(false)
            .flexible(true)
            .from_reader(data);
        r.byte_records()
            .map(|x| x.unwrap().iter().map(<[u8]>::to_vec).collect())
            .collect()
    }

    #[test]
    fn chunks_hold_whole_records_and_count_lines() {
        let data = b"a,b\n\"x\ny\",2\r\n3,\"q\"\"\"\n\nlast,1";
        for target in 1..data.len() + 2 {
            let parts = chunks(data, target);
            assert!(
                target > 8 || parts.len() > 2,
                "target {target}: {} chunks",
                parts.len()
            );
            let joined: Vec<u8> = parts.iter().flat_map(|p| p.1.clone()).collect();
            assert_eq!(joined, data.to_vec(), "target {target}");
            let mut recs = Vec::new();
            for (_, p) in &parts {
                recs.extend(records(p));
            }
            assert_eq!(recs, records(data), "target {target}");
            // Each chunk's first line is 2 + the line breaks before it.
            let mut offset = 0;
            for (line, p) in &parts {
                let before = count_breaks(&data[..offset], 0);
                assert_eq!(*line, 2 + before);
                offset += p.len();
            }
        }
    }

    /// A reader that returns `sizes[k % sizes.len()]` bytes on its k-th call.
    struct Uneven {
        data: Vec<u8>,
        pos: usize,
        sizes: Vec<usize>,
        calls: usize,
    }

    impl Read for Uneven {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            let want = self.sizes[self.calls % self.sizes.len()];
            self.calls += 1;
            let n = want.min(buf.len()).min(self.data.len() - self.pos);
            buf[..n].copy_from_slice(&self.data[self.pos..self.pos + n]);
            self.pos += n;
            Ok(n)
        }
    }

    fn chunks_read_in(data: &[u8], sizes: &[usize], target: usize) -> Vec<(ChunkStart, Vec<u8>)> {
        let reader = Box::new(Uneven {
            data: data.to_vec(),
            pos: 0,
            sizes: sizes.to_vec(),
            calls: 0,
        });
        let mut c = Chunker::new(reader, b',', Vec::new(), 0, 2, false);
        let mut out = Vec::new();
        let mut all = Vec::new();
        while let Some(start) = c.next_chunk(target, &mut out).unwrap() {
            all.push((start, out.clone()));
        }
        all
    }

    // See: issue 12 (`--budget` on a pipe ranked the wrong rows: chunk
    // boundaries followed the sizes of the reads).
    #[test]
    fn chunks_do_not_depend_on_how_the_input_arrives() {
        let mut data = Vec::new();
        for i in 0..5_000 {
            let ending: &[u8] = match i % 7 {
                0 => b"\r\n",
                3 => b"\r",
                _ => b"\n",
            };
            if i % 11 == 0 {
                data.extend_from_slice(format!("H{i},\"a,\n\"\"b\",{}", i * 37).as_bytes());
            } else {
                data.extend_from_slice(format!("H{i},plain,{}", i * 37).as_bytes());
            }
            data.extend_from_slice(ending);
        }
        for target in [1, 100, 4096, 1 << 16] {
            let reference = chunks_read_in(&data, &[1 << 20], target);
            let joined: Vec<u8> = reference.iter().flat_map(|c| c.1.clone()).collect();
            assert_eq!(joined, data);
            for sizes in [
                &[1][..],
                &[7],
                &[333],
                &[1 << 16],
                &[1, 4095, 2, 65_536, 13],
            ] {
                let got = chunks_read_in(&data, sizes, target);
                assert!(got == reference, "target {target}, reads of {sizes:?}");
            }
            // No chunk starts with the `\n` of a `\r\n` pair.
            assert!(
                reference
                    .iter()
                    .all(|(s, c)| !(s.before == b'\r' && c[0] == b'\n'))
            );
        }
    }

    #[test]
    fn a_target_of_the_whole_input_is_one_chunk() {
        let data = b"a,1\nb,2\r\nc,3";
        let all = chunks_read_in(data, &[7], usize::MAX);
        assert_eq!(all.len(), 1);
        assert_eq!(all[0].1, data.to_vec());
    }

    #[test]
    fn a_quote_inside_an_unquoted_field_is_literal() {
        let data = b"ab\"c,1\nd,2\n";
        let parts = chunks(data, 1);
        assert_eq!(parts.len(), 2);
        assert_eq!(parts[0].1, b"ab\"c,1\n");
    }

    #[test]
    fn random_csv_splits_like_a_sequential_parse() {
        // Byte soup of the characters that matter: every chunking must yield
        // exactly the sequential parser's records.
        let alphabet = b"ab,\"\r\n;";
        let mut state: u64 = 0x9e37_79b9_7f4a_7c15;
        let mut next = |n: usize| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            (state % n as u64) as usize
        };
        for _ in 0..60 {
            let len = next(40);
            let data: Vec<u8> = (0..len).map(|_| alphabet[next(alphabet.len())]).collect();
            let expected = records(&data);
            for target in [1, 2, 5, 17] {
                let parts = chunks(&data, target);
                let got: Vec<_> = parts.iter().flat_map(|(_, p)| records(p)).collect();
                assert_eq!(
                    got,
                    expected,
                    "{:?} target {target}",
                    String::from_utf8_lossy(&data)
                );
            }
        }
    }

    #[test]
    fn counts_every_kind_of_line_break_once() {
        assert_eq!(count_breaks(b"", 0), 0);
        assert_eq!(count_breaks(b"\r\n\r\n", 0), 2);
        assert_eq!(count_breaks(b"\r\r\n\n", 0), 3);
        assert_eq!(count_breaks(b"\n", b'\r'), 0);
        assert_eq!(count_breaks(b"\n", b'x'), 1);
        // Split anywhere, the parts add up to the whole.
        let data = b"a\r\nb\rc\n\r\r\nd";
        for i in 0..=data.len() {
            let before = if i > 0 { data[i - 1] } else { 0 };
            assert_eq!(
                count_breaks(&data[..i], 0) + count_breaks(&data[i..], before),
                5,
                "{i}"
            );
        }
    }

    #[test]
    fn finds_the_end_of_the_header() {
        assert_eq!(first_record_end(b"a,b\nc", b','), Some(4));
        assert_eq!(first_record_end(b"\"a\nb\",c\r\nx", b','), Some(8));
        assert_eq!(first_record_end(b"a,b", b','), None);
    }
}
