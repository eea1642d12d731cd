//! Records as the row parser sees them, and a fast splitter for the common
//! case of a chunk with no quotes at all.
//!
//! Census extracts and registry dumps are rarely quoted. Without a `"`, the
//! CSV grammar (csv-core's default dialect) reduces to: a record ends at `\n`,
//! `\r` or `\r\n`; empty lines are skipped; fields are split at the delimiter.
//! [`QuoteFree`] splits such a chunk in place, with no copy, in one pass over
//! its bytes; a chunk holding any `"` goes through the `csv` crate instead.
//! Both give the same records and line numbers (tested against each other):
//! [`chunk_reader`] and [`LineCounter`] are that slower path.

use std::io;

use super::chunk::{ChunkStart, count_breaks};

/// The fields of one CSV record.
pub trait Fields {
    /// The number of fields.
    fn len(&self) -> usize;
    /// Field `i`, untrimmed.
    fn get(&self, i: usize) -> Option<&[u8]>;
    /// An upper bound on the length of the longest field (the record's size).
    fn byte_len(&self) -> usize;
    /// Field `i`'s value when it is held as a value: the value the input's
    /// parser would read from its text (a typed Parquet column read straight
    /// into its input's slot, whose [`Fields::get`] is an empty field; or a
    /// Parquet dictionary entry parsed once for every row that holds it,
    /// whose text [`Fields::get`] still gives). `None` for a field read as
    /// text, or a null.
    #[inline]
    fn typed(&self, i: usize) -> Option<f64> {
        let _ = i;
        None
    }
    fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// Whether a record is blank: every field empty or only spaces and tabs.
/// Such a row (a line of spaces, or a spreadsheet's trailing row of bare
/// delimiters such as `;;;;;;`) holds no household and is skipped like an
/// empty line. Usually decided by the first byte of the first field.
///
/// ```
/// use layak::input::record::is_blank;
/// let mut r = csv::ByteRecord::new();
/// r.push_field(b" ");
/// r.push_field(b"");
/// assert!(is_blank(&r));
/// r.push_field(b"x");
/// assert!(!is_blank(&r));
/// ```
#[inline]
pub fn is_blank<R: Fields + ?Sized>(record: &R) -> bool {
    (0..record.len()).all(|i| {
        record
            .get(i)
            .is_none_or(|f| f.iter().all(|&b| b == b' ' || b == b'\t'))
            && record.typed(i).is_none()
    })
}

impl Fields for csv::ByteRecord {
    #[inline]
    fn len(&self) -> usize {
        csv::ByteRecord::len(self)
    }
    #[inline]
    fn get(&self, i: usize) -> Option<&[u8]> {
        csv::ByteRecord::get(self, i)
    }
    #[inline]
    fn byte_len(&self) -> usize {
        self.as_slice().len()
    }
}

/// One record of a quote-free chunk: a line and where its fields are.
#[derive(Debug, Clone, Copy)]
pub struct SplitRecord<'a> {
    line: &'a [u8],
    /// `(start, end)` of each field in `line`.
    bounds: &'a [(u32, u32)],
}

impl<'a> SplitRecord<'a> {
    #[cfg(test)]
    pub(crate) fn new(line: &'a [u8], bounds: &'a [(u32, u32)]) -> SplitRecord<'a> {
        SplitRecord { line, bounds }
    }

    /// The record's line, without its line break.
    pub fn line(&self) -> &'a [u8] {
        self.line
    }

    /// `(start, end)` of each field in [`SplitRecord::line`].
    pub fn bounds(&self) -> &'a [(u32, u32)] {
        self.bounds
    }
}

impl Fields for SplitRecord<'_> {
    #[inline]
    fn len(&self) -> usize {
        self.bounds.len()
    }
    #[inline]
    fn get(&self, i: usize) -> Option<&[u8]> {
        let &(start, end) = self.bounds.get(i)?;
        self.line.get(start as usize..end as usize)
    }
    #[inline]
    fn byte_len(&self) -> usize {
        self.line.len()
    }
}

/// Splits a chunk that holds no `"` into records, tracking line numbers.
///
/// ```
/// use layak::input::record::{Fields, QuoteFree};
/// let data = b"a,b\r\n\nc,,d";
/// let mut rows = QuoteFree::new(data, b',', 2, 0).unwrap();
/// let mut bounds = Vec::new();
/// let (line, r) = rows.next_record(&mut bounds).unwrap();
/// assert_eq!((line, r.len(), r.get(1)), (2, 2, Some(&b"b"[..])));
/// let (line, r) = rows.next_record(&mut bounds).unwrap();
/// assert_eq!((line, r.len(), r.get(2)), (4, 3, Some(&b"d"[..])));
/// assert!(rows.next_record(&mut bounds).is_none());
/// ```
#[derive(Debug)]
pub struct QuoteFree<'a> {
    data: &'a [u8],
    pos: usize,
    delimiter: u8,
    /// The delimiter in every byte, for the eight-at-a-time scan.
    delimiters: u64,
    /// The file line at `pos`, and the byte before `pos`.
    line: u64,
    prev: u8,
}

impl<'a> QuoteFree<'a> {
    /// A splitter for `data`, or `None` when `data` needs the full CSV grammar
    /// (it holds a quote, the delimiter is a quote or line break, or it is too
    /// large for 32-bit offsets). `line` is the file line of `data[0]` and
    /// `before` the byte preceding it (see [`count_breaks`]).
    pub fn new(data: &'a [u8], delimiter: u8, line: u64, before: u8) -> Option<QuoteFree<'a>> {
        if matches!(delimiter, b'"' | b'\r' | b'\n')
            || u32::try_from(data.len()).is_err()
            || memchr::memchr(b'"', data).is_some()
        {
            return None;
        }
        Some(QuoteFree {
            data,
            pos: 0,
            delimiter,
            delimiters: EVERY_BYTE * u64::from(delimiter),
            line,
            prev: before,
        })
    }

    /// The next record and its line, with its field bounds in `bounds`
    /// (reused between calls).
    pub fn next_record<'b>(
        &mut self,
        bounds: &'b mut Vec<(u32, u32)>,
    ) -> Option<(u64, SplitRecord<'b>)>
    where
        'a: 'b,
    {
        let (skip, line) = self.skip_breaks()?;
        bounds.clear();
        let mut field_start = 0u32;
        // Eight bytes at a time: a mask of the delimiters and one of the line
        // breaks in each word, then one step per field rather than per byte.
        let end = 'end: {
            let mut base = 0;
            while let Some(word) = line.get(base..).and_then(|w| w.first_chunk::<8>()) {
                let word = u64::from_le_bytes(*word);
                let mut delimiters = zero_bytes(word ^ self.delimiters);
                // Most words hold no byte below 0x0e, so no `\n` or `\r`: a
                // cheap test (exact as a yes or no) before the exact masks.
                if below_0e(word) {
                    let breaks = zero_bytes(word ^ (EVERY_BYTE * u64::from(b'\n')))
                        | zero_bytes(word ^ (EVERY_BYTE * u64::from(b'\r')));
                    if breaks != 0 {
                        // Only the delimiters before the first line break.
                        delimiters &= (breaks & breaks.wrapping_neg()) - 1;
                        push_fields(bounds, &mut field_start, base, delimiters);
                        break 'end base + (breaks.trailing_zeros() / 8) as usize;
                    }
                }
                push_fields(bounds, &mut field_start, base, delimiters);
                base += 8;
            }
            // The last few bytes of the chunk, one at a time.
            for (i, &b) in line.iter().enumerate().skip(base) {
                if b == self.delimiter {
                    bounds.push((field_start, i as u32));
                    field_start = i as u32 + 1;
                } else if b == b'\n' || b == b'\r' {
                    break 'end i;
                }
            }
            line.len()
        };
        bounds.push((field_start, end as u32));
        let line = &line[..end];
        self.pos += skip + end;
        if let Some(&last) = line.last() {
            self.prev = last;
        }
        Some((self.line, SplitRecord { line, bounds }))
    }

    /// The next record as its line's bytes (no line break), unsplit, and its
    /// line: the records and lines of [`QuoteFree::next_record`], for a pass
    /// that needs one field.
    pub fn next_line(&mut self) -> Option<(u64, &'a [u8])> {
        let (skip, line) = self.skip_breaks()?;
        // No field bounds are wanted here, only the line's end: memchr's
        // vector scan takes fewer steps than the eight-byte masks.
        let end = memchr::memchr2(b'\n', b'\r', line).unwrap_or(line.len());
        let line = &line[..end];
        self.pos += skip + end;
        if let Some(&last) = line.last() {
            self.prev = last;
        }
        Some((self.line, line))
    }

    /// Past the line breaks and empty lines before the next record: how
    /// many bytes they took, and the rest of the chunk from the record on
    /// (`None`: no record is left).
    #[inline(always)]
    fn skip_breaks(&mut self) -> Option<(usize, &'a [u8])> {
        let rest = self.data.get(self.pos..)?;
        let (skip, breaks) = match rest {
            // The usual case, one `\n` after a record, without a scan.
            [b'\n', next, ..] if !matches!(next, b'\n' | b'\r') && self.prev != b'\r' => (1, 1),
            _ => {
                let skip = rest
                    .iter()
                    .position(|&b| b != b'\n' && b != b'\r')
                    .unwrap_or(rest.len());
                (skip, count_breaks(&rest[..skip], self.prev))
            }
        };
        if skip > 0 {
            self.line += breaks;
            self.prev = rest[skip - 1];
        }
        let line = rest.get(skip..).filter(|l| !l.is_empty())?;
        Some((skip, line))
    }
}

/// Split `line`, one record of a quote-free chunk without its line break
/// ([`QuoteFree::next_line`]), at `delimiter`: the bounds of its fields,
/// shifted by `offset` (where the line lies in its buffer), appended to
/// `out`. The fields of [`QuoteFree::next_record`] for that record.
#[inline(always)]
pub(crate) fn split_line(line: &[u8], delimiter: u8, offset: usize, out: &mut Vec<(usize, usize)>) {
    // At most one field a byte, and one more.
    out.reserve(line.len() + 1);
    let mut field_start = offset;
    each_delimiter(line, delimiter, |at| {
        out.push((field_start, offset + at));
        field_start = offset + at + 1;
        true
    });
    out.push((field_start, offset + line.len()));
}

/// [`split_line`] into `out`, one field a place, without shifting: true
/// when `line` has exactly `out.len()` fields (else `out` holds no meaning).
/// For a line read at once, field by field, whose count is known.
#[inline(always)]
pub(crate) fn split_line_into(line: &[u8], delimiter: u8, out: &mut [(usize, usize)]) -> bool {
    let mut k = 0;
    let mut field_start = 0;
    let fits = each_delimiter(line, delimiter, |at| {
        let Some(field) = out.get_mut(k) else {
            return false;
        };
        *field = (field_start, at);
        k += 1;
        field_start = at + 1;
        true
    });
    let fields = out.len();
    match out.get_mut(k) {
        Some(field) if fits && k + 1 == fields => {
            *field = (field_start, line.len());
            true
        }
        _ => false,
    }
}

/// Call `each` with the place of every `delimiter` in `line`, in order,
/// eight bytes at a time; false as soon as `each` says stop.
#[inline(always)]
fn each_delimiter(line: &[u8], delimiter: u8, mut each: impl FnMut(usize) -> bool) -> bool {
    let delimiters = EVERY_BYTE * u64::from(delimiter);
    let mut base = 0;
    while let Some(word) = line.get(base..).and_then(|w| w.first_chunk::<8>()) {
        let mut mask = zero_bytes(u64::from_le_bytes(*word) ^ delimiters);
        while mask != 0 {
            if !each(base + (mask.trailing_zeros() / 8) as usize) {
                return false;
            }
            mask &= mask - 1;
        }
        base += 8;
    }
    for (i, &b) in line.iter().enumerate().skip(base) {
        if b == delimiter && !each(i) {
            return false;
        }
    }
    true
}

/// The first `byte` of `data` (a short field: eight bytes at a time, no
/// call as `memchr` needs).
#[inline(always)]
pub(crate) fn find_byte(data: &[u8], byte: u8) -> Option<usize> {
    let pattern = EVERY_BYTE * u64::from(byte);
    let mut base = 0;
    while let Some(word) = data.get(base..).and_then(|w| w.first_chunk::<8>()) {
        let mask = zero_bytes(u64::from_le_bytes(*word) ^ pattern);
        if mask != 0 {
            return Some(base + (mask.trailing_zeros() / 8) as usize);
        }
        base += 8;
    }
    data.iter()
        .skip(base)
        .position(|&b| b == byte)
        .map(|i| base + i)
}

/// The last `byte` of `data`, as [`find_byte`] finds the first: eight
/// bytes at a time from the end.
#[inline(always)]
pub(crate) fn rfind_byte(data: &[u8], byte: u8) -> Option<usize> {
    let pattern = EVERY_BYTE * u64::from(byte);
    let mut end = data.len();
    while let Some(word) = end
        .checked_sub(8)
        .and_then(|start| data.get(start..end))
        .and_then(|w| w.first_chunk::<8>())
    {
        let mask = zero_bytes(u64::from_le_bytes(*word) ^ pattern);
        if mask != 0 {
            // The highest flagged byte is the last one in the text.
            return Some(end - 1 - (mask.leading_zeros() / 8) as usize);
        }
        end -= 8;
    }
    data.get(..end)?.iter().rposition(|&b| b == byte)
}

/// Record a field end at each delimiter of `mask` (see [`zero_bytes`]), a
/// word whose first byte is at `base`.
#[inline(always)]
fn push_fields(bounds: &mut Vec<(u32, u32)>, field_start: &mut u32, base: usize, mut mask: u64) {
    while mask != 0 {
        let end = (base + (mask.trailing_zeros() / 8) as usize) as u32;
        bounds.push((*field_start, end));
        *field_start = end + 1;
        mask &= mask - 1;
    }
}

/// Whether any byte of `word` is below `0x0e` (exact as a yes or no).
#[inline(always)]
fn below_0e(word: u64) -> bool {
    word.wrapping_sub(EVERY_BYTE * 0x0e) & !word & (EVERY_BYTE * 0x80) != 0
}

/// `0x01` in every byte: times a byte value, that value in every byte.
const EVERY_BYTE: u64 = 0x0101_0101_0101_0101;

/// The high bit of each byte of `word` that is zero, and no other bit (exact,
/// unlike the shorter `(w - 0x01..) & !w & 0x80..`, which can flag a byte
/// above a zero one).
#[inline(always)]
fn zero_bytes(word: u64) -> u64 {
    const LOW_SEVEN: u64 = 0x7f7f_7f7f_7f7f_7f7f;
    !(((word & LOW_SEVEN) + LOW_SEVEN) | word | LOW_SEVEN)
}

/// Line numbers of the records of one chunk: line breaks (`\n`, `\r\n`, a
/// lone `\r`) before each record's first byte. The csv reader's own count
/// sees only `\n` and counts blank lines before a record as part of it;
/// without any `\r` in the chunk its count plus those blank lines is exact,
/// and cheaper than counting ourselves.
pub struct LineCounter {
    /// The chunk is read behind one extra `\n` (see [`chunk_reader`]).
    shifted: bool,
    has_cr: bool,
    first_line: u64,
    cursor: usize,
    line: u64,
    prev: u8,
}

/// A csv reader over one chunk. `csv-core` drops a UTF-8 byte-order mark at
/// the start of its input, which is right for a file but wrong for a chunk
/// that happens to start with one (it is data there, and dropping it would
/// make the output depend on where chunks are cut): such a chunk is read
/// behind a blank line, which the reader skips; [`LineCounter`] accounts for it.
pub fn chunk_reader(data: &[u8], delimiter: u8) -> csv::Reader<Box<dyn io::Read + '_>> {
    let input: Box<dyn io::Read + '_> = if data.starts_with(BOM) {
        Box::new(io::Read::chain(&b"\n"[..], data))
    } else {
        Box::new(data)
    };
    csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .has_headers(false)
        .flexible(true)
        .from_reader(input)
}

const BOM: &[u8] = b"\xEF\xBB\xBF";

impl LineCounter {
    pub fn new(data: &[u8], start: ChunkStart) -> LineCounter {
        LineCounter {
            shifted: data.starts_with(BOM),
            has_cr: memchr::memchr(b'\r', data).is_some(),
            first_line: start.line,
            cursor: 0,
            line: start.line,
            prev: start.before,
        }
    }

    /// The line of the record the csv reader just read at `pos` (records in order).
    pub fn line_of(&mut self, data: &[u8], pos: Option<&csv::Position>) -> u64 {
        // Undo the blank line `chunk_reader` put before a chunk starting with a BOM.
        let mut adjusted;
        let pos = match pos {
            Some(p) if self.shifted => {
                adjusted = p.clone();
                adjusted
                    .set_byte(p.byte().saturating_sub(1))
                    .set_line(p.line().saturating_sub(1).max(1));
                Some(&adjusted)
            }
            other => other,
        };
        if self.has_cr {
            let mut start = pos
                .map_or(self.cursor, |p| p.byte() as usize)
                .max(self.cursor);
            while matches!(data.get(start), Some(b'\r' | b'\n')) {
                start += 1;
            }
            let start = start.min(data.len());
            self.line += count_breaks(&data[self.cursor..start], self.prev);
            if start > self.cursor {
                self.prev = data[start - 1];
            }
            self.cursor = start;
        } else if let Some(p) = pos {
            let blank = data
                .get(p.byte() as usize..)
                .map_or(0, |rest| rest.iter().take_while(|&&b| b == b'\n').count());
            // A `\n` opening the chunk right after a `\r` (a CRLF cut in two)
            // belongs to the previous line break: the reader counted it (in
            // `blank` for the first record, in `line()` for the others).
            let paired = u64::from(self.prev == b'\r' && data.first() == Some(&b'\n'));
            self.line = (self.first_line + p.line() - 1 + blank as u64).saturating_sub(paired);
        }
        self.line
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::input::ChunkStart;
    use proptest::prelude::*;

    /// Records (fields and lines) as the csv crate and [`LineCounter`] give them.
    fn by_csv(data: &[u8], delimiter: u8, line: u64, before: u8) -> Vec<(u64, Vec<Vec<u8>>)> {
        let mut reader = chunk_reader(data, delimiter);
        let mut lines = LineCounter::new(data, ChunkStart { line, before });
        let mut record = csv::ByteRecord::new();
        let mut out = Vec::new();
        while reader.read_byte_record(&mut record).unwrap() {
            let l = lines.line_of(data, record.position());
            out.push((l, record.iter().map(<[u8]>::to_vec).collect()));
        }
        out
    }

    fn by_split(data: &[u8], delimiter: u8, line: u64, before: u8) -> Vec<(u64, Vec<Vec<u8>>)> {
        let mut rows = QuoteFree::new(data, delimiter, line, before).unwrap();
        let mut bounds = Vec::new();
        let mut out = Vec::new();
        while let Some((l, r)) = rows.next_record(&mut bounds) {
            out.push((
                l,
                (0..r.len()).map(|i| r.get(i).unwrap().to_vec()).collect(),
            ));
        }
        out
    }

    #[test]
    fn a_quote_or_a_line_break_delimiter_needs_the_full_grammar() {
        assert!(QuoteFree::new(b"a,\"b\"\n", b',', 1, 0).is_none());
        assert!(QuoteFree::new(b"a\rb\n", b'\r', 1, 0).is_none());
        assert!(QuoteFree::new(b"a,b\n", b',', 1, 0).is_some());
    }

    #[test]
    fn agrees_with_the_csv_crate_on_known_shapes() {
        for data in [
            &b""[..],
            b"\n\n\r\n",
            b"a",
            b"a,b,\n,\n,,",
            b"a\r\rb\r\n\r\nc\n",
            b"\nstarts,with,a,break\n",
            b"\xEF\xBB\xBFbom,first\n",
            b"  spaced , cells \t,x\r\n",
            b"no,final,break",
        ] {
            for before in [0, b'\n', b'\r', b'x'] {
                assert_eq!(
                    by_split(data, b',', 7, before),
                    by_csv(data, b',', 7, before),
                    "{:?} after {before}",
                    String::from_utf8_lossy(data)
                );
            }
        }
    }

    #[test]
    fn find_byte_and_rfind_byte_find_what_position_and_rposition_find() {
        // Every length to three words and a bit, the byte anywhere (or
        // twice, or nowhere), next to bytes one off it and high bytes.
        for len in 0..27usize {
            for fill in [b'a', b',' + 1, b',' - 1, 0xAC, 0x80] {
                let base = vec![fill; len];
                let mut cases = vec![base.clone()];
                for i in 0..len {
                    let mut one = base.clone();
                    one[i] = b',';
                    cases.push(one.clone());
                    for j in (i + 1..len).step_by(3) {
                        let mut two = one.clone();
                        two[j] = b',';
                        cases.push(two);
                    }
                }
                for data in &cases {
                    assert_eq!(
                        find_byte(data, b','),
                        data.iter().position(|&b| b == b','),
                        "{data:?}"
                    );
                    assert_eq!(
                        rfind_byte(data, b','),
                        data.iter().rposition(|&b| b == b','),
                        "{data:?}"
                    );
                    // Other delimiters: the same bytes, looked for as such.
                    for d in [b'\t', b';', b'|', fill] {
                        let other: Vec<u8> = data
                            .iter()
                            .map(|&b| if b == b',' { d } else { b })
                            .collect();
                        assert_eq!(
                            rfind_byte(&other, d),
                            other.iter().rposition(|&b| b == d),
                            "{other:?}"
                        );
                    }
                }
            }
        }
    }

    #[test]
    fn zero_bytes_flags_exactly_the_zero_bytes() {
        for value in 0..=255u8 {
            for position in 0..8 {
                for fill in [0u8, 1, 0x80, 0xFF, value.wrapping_add(1)] {
                    let mut bytes = [fill; 8];
                    bytes[position] = value;
                    let expected = bytes
                        .iter()
                        .enumerate()
                        .filter(|(_, b)| **b == 0)
                        .fold(0u64, |m, (i, _)| m | 0x80 << (8 * i));
                    assert_eq!(zero_bytes(u64::from_le_bytes(bytes)), expected, "{bytes:?}");
                }
            }
        }
    }

    #[test]
    fn below_0e_is_exact() {
        for value in 0..=255u8 {
            for position in 0..8 {
                for fill in [0x0e, 0x0f, 0x7f, 0x80, 0xFF, value] {
                    let mut bytes = [fill; 8];
                    bytes[position] = value;
                    let expected = bytes.iter().any(|&b| b < 0x0e);
                    assert_eq!(below_0e(u64::from_le_bytes(bytes)), expected, "{bytes:?}");
                }
            }
        }
    }

    proptest! {
        #[test]
        fn agrees_with_the_csv_crate(
            data in proptest::collection::vec(
                prop::sample::select(vec![b'a', b'7', b' ', b',', b';', b'\t', b'\r', b'\n', 0xEF, 0xBB, 0xBF, 0]),
                0..200,
            ),
            delimiter in prop::sample::select(vec![b',', b';', b'\t', 0xBB, 0]),
            before in prop::sample::select(vec![0u8, b'\n', b'\r', b'a']),
        ) {
            prop_assert_eq!(by_split(&data, delimiter, 2, before), by_csv(&data, delimiter, 2, before));
        }

        // `next_line` gives the records of `next_record`, unsplit.
        #[test]
        fn lines_are_the_split_records_joined(
            data in proptest::collection::vec(
                prop::sample::select(vec![b'a', b'7', b' ', b',', b'\r', b'\n', 0]),
                0..200,
            ),
            before in prop::sample::select(vec![0u8, b'\n', b'\r', b'a']),
        ) {
            let joined: Vec<(u64, Vec<u8>)> = by_split(&data, b',', 2, before)
                .into_iter()
                .map(|(l, fields)| (l, fields.join(&b',')))
                .collect();
            let mut rows = QuoteFree::new(&data, b',', 2, before).unwrap();
            let mut lines = Vec::new();
            while let Some((l, line)) = rows.next_line() {
                lines.push((l, line.to_vec()));
            }
            prop_assert_eq!(lines, joined);
        }
    }
}
