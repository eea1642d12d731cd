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

/// The header's names, for finding a key's column fast.
#[derive(Debug, Clone)]
pub struct Keys {
    names: Vec<Vec<u8>>,
    /// Trimmed and lower-cased, for a key written otherwise.
    folded: Vec<Vec<u8>>,
}

impl Keys {
    pub fn new(header: &[String]) -> Keys {
        Keys {
            names: header.iter().map(|h| h.as_bytes().to_vec()).collect(),
            folded: header.iter().map(|h| fold(h.as_bytes())).collect(),
        }
    }

    /// The column of `key`, trying `guess` (the column after the previous
    /// key's: lines of a stage usually repeat the header's order) first.
    #[inline]
    fn column(&self, key: &[u8], guess: usize) -> Option<usize> {
        if self.names.get(guess).is_some_and(|n| n == key) {
            return Some(guess);
        }
        if let Some(c) = self.names.iter().position(|n| n == key) {
            return Some(c);
        }
        let k = fold(key);
        self.folded.iter().position(|n| *n == k)
    }
}

fn fold(name: &[u8]) -> Vec<u8> {
    name.trim_ascii().to_ascii_lowercase()
}

/// One line's cells, by header column (reused from line to line).
#[derive(Debug, Default)]
pub struct JsonRecord {
    buf: Vec<u8>,
    /// Per column: `(start, end)` in `buf`; `(u32::MAX, 0)` when the line has no value.
    bounds: Vec<(u32, u32)>,
    longest: usize,
    /// The current key, unescaped.
    key: Vec<u8>,
}

const UNSET: (u32, u32) = (u32::MAX, 0);

impl Fields for JsonRecord {
    #[inline]
    fn len(&self) -> usize {
        self.bounds.len()
    }
    #[inline]
    fn get(&self, i: usize) -> Option<&[u8]> {
        let &(a, b) = self.bounds.get(i)?;
        if a == u32::MAX {
            return Some(b"");
        }
        self.buf.get(a as usize..b as usize)
    }
    #[inline]
    fn byte_len(&self) -> usize {
        self.longest
    }
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
    pub fn parse(&mut self, line: &[u8], keys: &Keys) -> Result<(), Malformed> {
        self.buf.clear();
        self.bounds.clear();
        self.bounds.resize(keys.names.len(), UNSET);
        self.longest = 0;
        let mut key = std::mem::take(&mut self.key);
        let result = self.fill(line, keys, &mut key);
        self.key = key;
        if result.is_err() {
            // No half-read record: every cell empty.
            self.buf.clear();
            self.bounds.fill(UNSET);
        }
        result
    }

    fn fill(&mut self, line: &[u8], keys: &Keys, key: &mut Vec<u8>) -> Result<(), Malformed> {
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
        let mut guess = 0;
        loop {
            c.ws();
            if !c.eat(b'"') {
                return Err(malformed(b"", "expected a key in double quotes"));
            }
            key.clear();
            c.string(key).map_err(|m| malformed(b"", m))?;
            c.ws();
            if !c.eat(b':') {
                return Err(malformed(key, "expected `:` after the key"));
            }
            c.ws();
            let column = keys.column(key, guess);
            let start = self.buf.len();
            let mut null = false;
            match c.peek() {
                Some(b'"') => {
                    c.i += 1;
                    c.string(&mut self.buf).map_err(|m| malformed(key, m))?;
                }
                Some(b'{' | b'[') => {
                    return Err(malformed(
                        key,
                        "a nested object or array is not a value: give a string, number, true, false or null",
                    ));
                }
                Some(_) => {
                    let t = c.token();
                    match t {
                        b"null" => null = true,
                        b"true" | b"false" => self.buf.extend_from_slice(t),
                        t if is_number(t) => self.buf.extend_from_slice(t),
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
                }
                None => return Err(malformed(key, "the line ends before the value")),
            }
            if let Some(col) = column {
                let slot = &mut self.bounds[col];
                if *slot != UNSET {
                    return Err(malformed(key, "the key appears twice in the object"));
                }
                let end = self.buf.len();
                self.longest = self.longest.max(end - start);
                // A null leaves the cell empty but marks the key as seen.
                *slot = if null {
                    (start as u32, start as u32)
                } else {
                    (start as u32, end as u32)
                };
                guess = col + 1;
            } else {
                self.buf.truncate(start);
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

    fn fill(&mut self, at_least: usize) -> io::Result<()> {
        let start = self.carry.len();
        self.carry.resize(start + at_least, 0);
        let mut filled = start;
        while filled < self.carry.len() {
            match self.reader.read(&mut self.carry[filled..]) {
                Ok(0) => {
                    self.eof = true;
                    break;
                }
                Ok(n) => filled += n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => {
                    self.carry.truncate(filled);
                    return Err(e);
                }
            }
        }
        self.carry.truncate(filled);
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

    fn cells(r: &JsonRecord) -> Vec<String> {
        (0..r.len())
            .map(|i| String::from_utf8_lossy(r.get(i).unwrap()).into_owned())
            .collect()
    }

    #[test]
    fn values_read_as_their_csv_text() {
        let k = keys(&["id", "n", "ok", "x", "t"]);
        let mut r = JsonRecord::default();
        r.parse(
            br#"{"id":"H\u00e91","n":12.5,"ok":true,"x":null,"t":"a\"b","other":"z"}"#,
            &k,
        )
        .unwrap();
        assert_eq!(cells(&r), ["Hé1", "12.5", "true", "", "a\"b"]);
    }

    #[test]
    fn keys_in_another_order_or_case_and_missing_keys() {
        let k = keys(&["id", "members"]);
        let mut r = JsonRecord::default();
        r.parse(br#" { "MEMBERS" : -3e2 , "extra": {"a":1}} "#, &k)
            .unwrap_err();
        r.parse(br#" { "MEMBERS" : -3e2 , "extra": "z"} "#, &k)
            .unwrap();
        assert_eq!(cells(&r), ["", "-3e2"]);
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
            assert_eq!(r.get(0), Some(&b""[..]));
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
