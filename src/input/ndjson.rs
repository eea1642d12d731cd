//! NDJSON households for stage mode (`layak assess - --stage`, issue 16):
//! one JSON object a line, its keys the column names a CSV header would
//! have (matched to the policy's inputs the same way: after `--rename` and
//! a profile, case-insensitive), its values strings, numbers, booleans or
//! null.
//!
//! Each line becomes a record of cells ([`JsonRecord`], a [`Fields`]) that
//! the CSV rows' own parser reads, so a value reads exactly as the same CSV
//! cell: a string as its text, a number as its JSON text (`12`, `1.5`), a
//! boolean as `true`/`false`, and a null — or a key the line leaves out —
//! as an empty cell.
//!
//! The header is the first line's keys, in order, followed by every input
//! the policy reads that the first line lacks (so a record that leaves a
//! key out, as Spark's `to_json` does with nulls, reads as an empty cell
//! there, not as a fatal missing column). Keys of later lines that are not
//! in the header are ignored, like a CSV column no input reads.
//!
//! A line that is not a flat JSON object (cut short, a nested object or
//! array as a value, a key given twice) is not fatal: [`JsonRecord::parse`]
//! says why, and the stage reports that record as an `invalid_value` reject.

use std::io::{self, Read};

use super::record::Fields;
use super::{InputError, excerpt};
use crate::policy::Policy;

mod keys;
pub use keys::Keys;

/// Why a line is not a record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Malformed {
    /// The key whose value is wrong, or empty for the line as a whole.
    pub column: String,
    pub message: String,
}

fn malformed(column: &[u8], message: impl Into<String>) -> Malformed {
    Malformed {
        column: excerpt(column, 60),
        message: message.into(),
    }
}

/// One line's cells, by header column (reused from line to line).
#[derive(Debug, Default)]
pub struct JsonRecord {
    /// Values that needed unescaping.
    buf: Vec<u8>,
    /// Per column: where its value is, `(start, end)`: in the line, or
    /// past the line's length in `buf` (at `start - line.len()`);
    /// `UNSET` when the line has no value.
    bounds: Vec<(usize, usize)>,
    longest: usize,
    /// The current key, unescaped (when it has escapes).
    key: Vec<u8>,
}

const UNSET: (usize, usize) = (usize::MAX, 0);

/// A line read as a record: its cells, most of them slices of the line.
#[derive(Debug, Clone, Copy)]
pub struct JsonRow<'a> {
    record: &'a JsonRecord,
    line: &'a [u8],
}

impl Fields for JsonRow<'_> {
    #[inline]
    fn len(&self) -> usize {
        self.record.bounds.len()
    }
    #[inline]
    fn get(&self, i: usize) -> Option<&[u8]> {
        let &(a, b) = self.record.bounds.get(i)?;
        if a == usize::MAX {
            return Some(b"");
        }
        match a.checked_sub(self.line.len()) {
            Some(at) => self.record.buf.get(at..b - self.line.len()),
            None => self.line.get(a..b),
        }
    }
    #[inline]
    fn byte_len(&self) -> usize {
        self.record.longest
    }
}

/// Eight copies of byte `b`.
const fn splat(b: u8) -> u64 {
    0x0101_0101_0101_0101 * b as u64
}

/// The high bit of each byte of `w` (little-endian) that is `"`, `\` or
/// a control character; the lowest one set is exact (a borrow can only
/// mark bytes above a true one).
#[inline(always)]
fn specials(w: u64) -> u64 {
    let quote = w ^ splat(b'"');
    let backslash = w ^ splat(b'\\');
    (quote.wrapping_sub(splat(1)) & !quote
        | backslash.wrapping_sub(splat(1)) & !backslash
        | w.wrapping_sub(splat(0x20)) & !w)
        & splat(0x80)
}

/// Where the string starting at `from` (after its opening quote) ends —
/// its closing quote — if it holds no escape and no control character
/// (then its bytes are its text); `None` otherwise. Eight bytes at a time.
#[inline]
fn plain_string_end(s: &[u8], from: usize) -> Option<usize> {
    let mut i = from;
    while let Some(chunk) = s.get(i..i + 8) {
        let mut w = [0u8; 8];
        w.copy_from_slice(chunk);
        let hits = specials(u64::from_le_bytes(w));
        if hits != 0 {
            let at = i + (hits.trailing_zeros() / 8) as usize;
            return (s[at] == b'"').then_some(at);
        }
        i += 8;
    }
    for (k, &b) in s.get(i..)?.iter().enumerate() {
        if b == b'"' {
            return Some(i + k);
        }
        if b == b'\\' || b < 0x20 {
            return None;
        }
    }
    None
}

/// A cursor over one line.
struct Cursor<'a> {
    s: &'a [u8],
    i: usize,
}

impl Cursor<'_> {
    #[inline]
    fn ws(&mut self) {
        while let Some(b' ' | b'\t' | b'\r' | b'\n') = self.s.get(self.i) {
            self.i += 1;
        }
    }
    #[inline]
    fn peek(&self) -> Option<u8> {
        self.s.get(self.i).copied()
    }
    #[inline]
    fn eat(&mut self, b: u8) -> bool {
        if self.peek() == Some(b) {
            self.i += 1;
            true
        } else {
            false
        }
    }

    /// A string whose opening quote was eaten, appended to `out` unescaped.
    fn string(&mut self, out: &mut Vec<u8>) -> Result<(), &'static str> {
        loop {
            let rest = self.s.get(self.i..).unwrap_or_default();
            // One pass: the end of the plain run, and no control character
            // in it (a cell is short: a loop beats memchr's set-up).
            let mut end = None;
            for (k, &b) in rest.iter().enumerate() {
                if b == b'"' || b == b'\\' {
                    end = Some(k);
                    break;
                }
                if b < 0x20 {
                    return Err("a control character inside a string");
                }
            }
            let Some(at) = end else {
                return Err("a string that never ends");
            };
            out.extend_from_slice(&rest[..at]);
            self.i += at + 1;
            if rest[at] == b'"' {
                return Ok(());
            }
            let Some(e) = self.peek() else {
                return Err("a string that never ends");
            };
            self.i += 1;
            match e {
                b'"' => out.push(b'"'),
                b'\\' => out.push(b'\\'),
                b'/' => out.push(b'/'),
                b'b' => out.push(8),
                b'f' => out.push(12),
                b'n' => out.push(b'\n'),
                b'r' => out.push(b'\r'),
                b't' => out.push(b'\t'),
                b'u' => {
                    let mut c = u32::from(self.hex4()?);
                    if (0xD800..0xDC00).contains(&c) {
                        if !(self.eat(b'\\') && self.eat(b'u')) {
                            return Err("a lone surrogate in a \\u escape");
                        }
                        let low = u32::from(self.hex4()?);
                        if !(0xDC00..0xE000).contains(&low) {
                            return Err("a lone surrogate in a \\u escape");
                        }
                        c = 0x10000 + ((c - 0xD800) << 10) + (low - 0xDC00);
                    } else if (0xDC00..0xE000).contains(&c) {
                        return Err("a lone surrogate in a \\u escape");
                    }
                    let ch = char::from_u32(c).ok_or("an invalid \\u escape")?;
                    let mut tmp = [0; 4];
                    out.extend_from_slice(ch.encode_utf8(&mut tmp).as_bytes());
                }
                _ => return Err("an unknown escape in a string"),
            }
        }
    }

    fn hex4(&mut self) -> Result<u16, &'static str> {
        let digits = self
            .s
            .get(self.i..self.i + 4)
            .ok_or("a \\u escape cut short")?;
        let text = std::str::from_utf8(digits).map_err(|_| "an invalid \\u escape")?;
        let v = u16::from_str_radix(text, 16).map_err(|_| "an invalid \\u escape")?;
        self.i += 4;
        Ok(v)
    }

    /// A bare word or number: its bytes.
    fn token(&mut self) -> &[u8] {
        let start = self.i;
        while let Some(b) = self.peek() {
            if matches!(b, b',' | b'}' | b']' | b' ' | b'\t' | b'\r' | b'\n') {
                break;
            }
            self.i += 1;
        }
        &self.s[start..self.i]
    }
}

/// Whether `t` is a JSON number.
fn is_number(t: &[u8]) -> bool {
    let mut i = 0;
    let at = |i: usize| t.get(i).copied();
    if at(i) == Some(b'-') {
        i += 1;
    }
    match at(i) {
        Some(b'0') => i += 1,
        Some(b'1'..=b'9') => {
            while at(i).is_some_and(|b| b.is_ascii_digit()) {
                i += 1;
            }
        }
        _ => return false,
    }
    if at(i) == Some(b'.') {
        i += 1;
        if !at(i).is_some_and(|b| b.is_ascii_digit()) {
            return false;
        }
        while at(i).is_some_and(|b| b.is_ascii_digit()) {
            i += 1;
        }
    }
    if let Some(b'e' | b'E') = at(i) {
        i += 1;
        if let Some(b'+' | b'-') = at(i) {
            i += 1;
        }
        if !at(i).is_some_and(|b| b.is_ascii_digit()) {
            return false;
        }
        while at(i).is_some_and(|b| b.is_ascii_digit()) {
            i += 1;
        }
    }
    i == t.len()
}

impl JsonRecord {
    /// Read `line` (without its newline) into cells by `keys`' columns.
    pub fn parse<'a>(&'a mut self, line: &'a [u8], keys: &Keys) -> Result<JsonRow<'a>, Malformed> {
        self.buf.clear();
        self.bounds.clear();
        self.bounds.resize(keys.names.len(), UNSET);
        self.longest = 0;
        let mut key = std::mem::take(&mut self.key);
        let result = self.fill(line, keys, &mut key);
        self.key = key;
        match result {
            Ok(()) => Ok(JsonRow { record: self, line }),
            Err(e) => {
                // No half-read record: every cell empty.
                self.buf.clear();
                self.bounds.fill(UNSET);
                Err(e)
            }
        }
    }

    fn fill(&mut self, line: &[u8], keys: &Keys, key_buf: &mut Vec<u8>) -> Result<(), Malformed> {
        if line.len() >= u32::MAX as usize {
            return Err(malformed(b"", "the line is longer than 4 GiB"));
        }
        let mut c = Cursor { s: line, i: 0 };
        c.ws();
        if !c.eat(b'{') {
            return Err(malformed(
                b"",
                if line.trim_ascii().is_empty() {
                    "the line is empty: expected a JSON object, one household a line".to_string()
                } else {
                    format!(
                        "the line is not a JSON object: expected `{{`, found `{}`",
                        excerpt(line.trim_ascii(), 40)
                    )
                },
            ));
        }
        c.ws();
        if c.eat(b'}') {
            return self.end(&mut c);
        }
        // Values in `buf` are placed past the line's length.
        let in_buf = line.len();
        let mut guess = 0;
        loop {
            // Lines written without spaces go straight on (`ws` is idempotent).
            if c.peek() != Some(b'"') {
                c.ws();
            }
            let rest = line.get(c.i..).unwrap_or_default();
            let (key, column): (&[u8], _) = match keys.plain_key_at(rest, guess) {
                // The key the header's order puts here, and a string value:
                // read as one (the value from its opening quote, below).
                Some(n) => {
                    c.i += n - 1;
                    (&keys.names[guess], Some(guess))
                }
                None => {
                    if !c.eat(b'"') {
                        return Err(malformed(b"", "expected a key in double quotes"));
                    }
                    // A key without escapes is its bytes in the line.
                    let key: &[u8] = match plain_string_end(line, c.i) {
                        Some(end) => {
                            let k = &line[c.i..end];
                            c.i = end + 1;
                            k
                        }
                        None => {
                            key_buf.clear();
                            c.string(key_buf).map_err(|m| malformed(b"", m))?;
                            key_buf
                        }
                    };
                    c.ws();
                    if !c.eat(b':') {
                        return Err(malformed(key, "expected `:` after the key"));
                    }
                    c.ws();
                    (key, keys.column(key, guess))
                }
            };
            let mut null = false;
            let (start, end) = match c.peek() {
                Some(b'"') => {
                    c.i += 1;
                    match plain_string_end(line, c.i) {
                        // No escape: the value is its bytes in the line.
                        Some(end) => {
                            let value = (c.i, end);
                            c.i = end + 1;
                            value
                        }
                        None => {
                            let start = self.buf.len();
                            c.string(&mut self.buf).map_err(|m| malformed(key, m))?;
                            (in_buf + start, in_buf + self.buf.len())
                        }
                    }
                }
                Some(b'{' | b'[') => {
                    return Err(malformed(
                        key,
                        "a nested object or array is not a value: give a string, number, true, false or null",
                    ));
                }
                Some(_) => {
                    let start = c.i;
                    let t = c.token();
                    match t {
                        b"null" => null = true,
                        b"true" | b"false" => {}
                        t if is_number(t) => {}
                        t => {
                            return Err(malformed(
                                key,
                                format!(
                                    "`{}` is not a JSON value: give a string, number, true, false or null",
                                    excerpt(t, 40)
                                ),
                            ));
                        }
                    }
                    (start, c.i)
                }
                None => return Err(malformed(key, "the line ends before the value")),
            };
            if let Some(col) = column {
                let slot = &mut self.bounds[col];
                if *slot != UNSET {
                    return Err(malformed(key, "the key appears twice in the object"));
                }
                // A null leaves the cell empty but marks the key as seen.
                *slot = if null { (start, start) } else { (start, end) };
                self.longest = self.longest.max(slot.1 - slot.0);
                guess = col + 1;
            } else if let Some(at) = start.checked_sub(in_buf) {
                self.buf.truncate(at);
            }
            if c.eat(b',') {
                continue;
            }
            c.ws();
            if c.eat(b',') {
                continue;
            }
            if c.eat(b'}') {
                return self.end(&mut c);
            }
            return Err(malformed(
                b"",
                "expected `,` or `}` after a value (is the object cut short?)",
            ));
        }
    }

    fn end(&mut self, c: &mut Cursor<'_>) -> Result<(), Malformed> {
        c.ws();
        if c.i != c.s.len() {
            return Err(malformed(
                b"",
                "text after the object's closing `}`: one object a line",
            ));
        }
        Ok(())
    }
}

/// The keys of the first object of a stream, in order (for the header).
pub fn first_keys(name: &str, line: &[u8]) -> Result<Vec<String>, InputError> {
    let mut c = Cursor { s: line, i: 0 };
    let bad = |what: &str| InputError::Csv {
        file: name.to_string(),
        line: 1,
        message: format!(
            "the first line is not a JSON object ({what}); stage input is one household object a line"
        ),
    };
    c.ws();
    if !c.eat(b'{') {
        return Err(bad("no `{` at its start"));
    }
    let mut keys = Vec::new();
    let mut scratch = Vec::new();
    loop {
        c.ws();
        if c.eat(b'}') {
            break;
        }
        if !c.eat(b'"') {
            return Err(bad("expected a key in double quotes"));
        }
        let mut key = Vec::new();
        c.string(&mut key).map_err(bad)?;
        keys.push(String::from_utf8_lossy(&key).into_owned());
        c.ws();
        if !c.eat(b':') {
            return Err(bad("expected `:` after a key"));
        }
        c.ws();
        match c.peek() {
            Some(b'"') => {
                c.i += 1;
                scratch.clear();
                c.string(&mut scratch).map_err(bad)?;
            }
            Some(b'{' | b'[') => return Err(bad("a nested object or array as a value")),
            _ => {
                c.token();
            }
        }
        c.ws();
        if !c.eat(b',') {
            c.ws();
            if c.eat(b'}') {
                break;
            }
            return Err(bad("expected `,` or `}` after a value"));
        }
    }
    Ok(keys)
}

/// The header of an NDJSON stream: the first line's keys, then the input
/// names (or, for an input a rename targets, its rename's source) that
/// they lack. With a profile, the first line's keys only (the profile
/// decides which names are inputs).
pub fn header(
    first: Vec<String>,
    policy: &Policy,
    renames: &[(String, String)],
    profile: bool,
) -> Vec<String> {
    let mut header = first;
    if profile {
        return header;
    }
    let has = |h: &[String], n: &str| h.iter().any(|k| k.trim().eq_ignore_ascii_case(n));
    for input in &policy.inputs {
        let name = renames
            .iter()
            .find(|(_, to)| to.eq_ignore_ascii_case(&input.name))
            .map_or(input.name.as_str(), |(from, _)| from.as_str());
        let taken = has(&header, name)
            || (name != input.name && has(&header, &input.name))
            || renames
                .iter()
                .any(|(from, _)| from.eq_ignore_ascii_case(&input.name));
        if !taken {
            header.push(name.to_string());
        }
    }
    header
}

/// Whole lines of a stream, in chunks (cut after a newline), numbered from 0.
pub struct LineChunks {
    reader: Box<dyn Read + Send>,
    /// Bytes read past the last chunk's end.
    carry: Vec<u8>,
    eof: bool,
    /// Lines handed out so far.
    lines: u64,
    max_line: usize,
}

impl LineChunks {
    pub fn new(reader: Box<dyn Read + Send>, max_line: usize) -> LineChunks {
        LineChunks {
            reader,
            carry: Vec::new(),
            eof: false,
            lines: 0,
            max_line,
        }
    }

    /// Read until `carry` holds a newline (or the stream ends); the first
    /// line, without its newline, or `None` for an empty stream.
    pub fn first_line(&mut self) -> io::Result<Option<Vec<u8>>> {
        while memchr::memchr(b'\n', &self.carry).is_none() && !self.eof {
            self.fill(1 << 16)?;
            if self.carry.len() > self.max_line {
                return Err(too_long(0, self.max_line));
            }
        }
        if self.carry.is_empty() {
            return Ok(None);
        }
        let end = memchr::memchr(b'\n', &self.carry).unwrap_or(self.carry.len());
        Ok(Some(self.carry[..end].to_vec()))
    }

    /// Read `at_least` more bytes into `carry`, or to the end of the stream.
    fn fill(&mut self, at_least: usize) -> io::Result<()> {
        // `read_to_end` reads into the vector's spare room, which a reader
        // such as a file fills without zeroing it first.
        let want = at_least as u64;
        let read = (&mut self.reader).take(want).read_to_end(&mut self.carry)?;
        if (read as u64) < want {
            self.eof = true;
        }
        Ok(())
    }

    /// Fill `into` with whole lines, about `target` bytes; the index of its
    /// first line, or `None` at the end of the stream. A last line without
    /// a newline is a line.
    pub fn next_chunk(&mut self, target: usize, into: &mut Vec<u8>) -> io::Result<Option<u64>> {
        into.clear();
        std::mem::swap(into, &mut self.carry);
        loop {
            if into.len() >= target || self.eof {
                if let Some(end) = memchr::memrchr(b'\n', into) {
                    self.carry.extend_from_slice(&into[end + 1..]);
                    into.truncate(end + 1);
                    break;
                }
                if self.eof {
                    break;
                }
            }
            if into.len() > self.max_line && memchr::memchr(b'\n', into).is_none() {
                return Err(too_long(self.lines, self.max_line));
            }
            std::mem::swap(into, &mut self.carry);
            let r = self.fill(target.max(1 << 12));
            std::mem::swap(into, &mut self.carry);
            r?;
        }
        if into.is_empty() {
            return Ok(None);
        }
        let first = self.lines;
        let newlines = memchr::memchr_iter(b'\n', into).count() as u64;
        let unterminated = u64::from(into.last() != Some(&b'\n'));
        self.lines += newlines + unterminated;
        Ok(Some(first))
    }
}

fn too_long(line: u64, limit: usize) -> io::Error {
    io::Error::other(super::chunk::RecordTooLong {
        line: line + 1,
        limit,
    })
}

/// The lines of a chunk, without their newlines (and a `\r` before one).
pub fn lines(chunk: &[u8]) -> impl Iterator<Item = &[u8]> {
    let body = chunk.strip_suffix(b"\n").unwrap_or(chunk);
    let mut ends = memchr::memchr_iter(b'\n', body);
    let mut start = 0;
    let mut done = chunk.is_empty();
    std::iter::from_fn(move || {
        if done {
            return None;
        }
        let end = ends.next().unwrap_or_else(|| {
            done = true;
            body.len()
        });
        let line = body.get(start..end).unwrap_or_default();
        start = end + 1;
        Some(line.strip_suffix(b"\r").unwrap_or(line))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys(names: &[&str]) -> Keys {
        Keys::new(&names.iter().map(|s| s.to_string()).collect::<Vec<_>>())
    }

    fn cells(r: &JsonRow<'_>) -> Vec<String> {
        (0..r.len())
            .map(|i| String::from_utf8_lossy(r.get(i).unwrap()).into_owned())
            .collect()
    }

    #[test]
    fn values_read_as_their_csv_text() {
        let k = keys(&["id", "n", "ok", "x", "t"]);
        let mut r = JsonRecord::default();
        let row = r
            .parse(
                br#"{"id":"H\u00e91","n":12.5,"ok":true,"x":null,"t":"a\"b","other":"z"}"#,
                &k,
            )
            .unwrap();
        assert_eq!(cells(&row), ["Hé1", "12.5", "true", "", "a\"b"]);
        assert_eq!(row.byte_len(), 4);
    }

    #[test]
    fn keys_in_another_order_or_case_and_missing_keys() {
        let k = keys(&["id", "members"]);
        let mut r = JsonRecord::default();
        r.parse(br#" { "MEMBERS" : -3e2 , "extra": {"a":1}} "#, &k)
            .unwrap_err();
        let row = r
            .parse(br#" { "MEMBERS" : -3e2 , "extra": "z"} "#, &k)
            .unwrap();
        assert_eq!(cells(&row), ["", "-3e2"]);
    }

    #[test]
    fn escaped_keys_and_values_of_every_length_read_as_plain_ones() {
        // Strings around the eight-byte steps of the scan, with an escape
        // or none, at every place, as keys and as values.
        let k = keys(&["id", "name", "members"]);
        let mut r = JsonRecord::default();
        for len in 0..20 {
            for at in 0..=len {
                let plain: String = (0..len).map(|i| (b'a' + i as u8) as char).collect();
                let mut escaped = plain.clone();
                escaped.insert_str(at, "\\u00e9\\\"");
                let mut want = plain.clone();
                want.insert_str(at, "é\"");
                let line = format!(
                    r#"{{"i\u0064":"{plain}","name":"{escaped}","unknown":"{escaped}","mem\u0062ers":"{plain}"}}"#
                );
                let row = r.parse(line.as_bytes(), &k).unwrap();
                assert_eq!(
                    cells(&row),
                    [plain.clone(), want.clone(), plain.clone()],
                    "{line}"
                );
                assert_eq!(row.byte_len(), want.len().max(plain.len()), "{line}");
                // A control character or a line cut short is caught at any place.
                let cut = format!(r#"{{"id":"{}"#, &plain[..at]);
                r.parse(cut.as_bytes(), &k).unwrap_err();
                let control = format!("{{\"id\":\"{}\t{}\"}}", &plain[..at], &plain[at..]);
                let e = r.parse(control.as_bytes(), &k).unwrap_err();
                assert!(e.message.contains("control character"), "{e:?}");
            }
        }
    }

    #[test]
    fn malformed_lines_say_why() {
        let k = keys(&["id"]);
        let mut r = JsonRecord::default();
        for (line, words) in [
            (&b""[..], "empty"),
            (b"[1]", "not a JSON object"),
            (br#"{"id":"a""#, "cut short"),
            (br#"{"id":1,"id":2}"#, "twice"),
            (br#"{"id":01}"#, "not a JSON value"),
            (br#"{"id":"a"} x"#, "after the object"),
            (br#"{"id":"a\x"}"#, "unknown escape"),
        ] {
            let e = r.parse(line, &k).unwrap_err();
            assert!(e.message.contains(words), "{line:?}: {e:?}");
        }
    }

    #[test]
    fn chunks_hold_whole_lines_and_count_them() {
        let text = b"{\"a\":1}\n{\"a\":2}\r\n{\"a\":3}".to_vec();
        let mut c = LineChunks::new(Box::new(io::Cursor::new(text)), 1 << 20);
        assert_eq!(c.first_line().unwrap().unwrap(), b"{\"a\":1}");
        let mut buf = Vec::new();
        let mut all = Vec::new();
        while let Some(first) = c.next_chunk(5, &mut buf).unwrap() {
            for (i, l) in lines(&buf).enumerate() {
                all.push((first + i as u64, l.to_vec()));
            }
        }
        let got: Vec<(u64, &[u8])> = all.iter().map(|(i, l)| (*i, &l[..])).collect();
        assert_eq!(
            got,
            [(0, &b"{\"a\":1}"[..]), (1, b"{\"a\":2}"), (2, b"{\"a\":3}")]
        );
    }

    #[test]
    fn the_header_adds_the_inputs_the_first_line_lacks() {
        let policy = Policy::default_policy(&Default::default()).unwrap();
        let h = header(vec!["HOUSEHOLD_ID".into(), "x".into()], &policy, &[], false);
        assert_eq!(h[..2], ["HOUSEHOLD_ID", "x"]);
        assert!(h.iter().any(|n| n == "members"));
        assert!(!h.iter().any(|n| n == "household_id"));
        let renamed = header(vec![], &policy, &[("size".into(), "members".into())], false);
        assert!(renamed.iter().any(|n| n == "size"));
        assert!(!renamed.iter().any(|n| n == "members"));
    }
}
