//! What a household file is, told by its first bytes, and the readers that
//! turn it into CSV text.
//!
//! [`decode`] looks at the first kilobyte of the input (a file or standard
//! input: the bytes looked at are handed on, never lost) and, by content
//! rather than by name:
//!
//! - a gzip stream (`1f 8b`; every member of a multi-member file such as
//!   `bgzip` or `pigz -i` output) or a zstd stream (`28 b5 2f fd`, every
//!   frame) is decompressed as it is read, and what it holds is looked at
//!   again (a compressed UTF-16 file is read too);
//! - UTF-16 text (a byte-order mark `ff fe` or `fe ff`, or, without one, a
//!   NUL in nearly every other byte) is transcoded to UTF-8 as it is read,
//!   surrogate pairs included; an unpaired surrogate or an odd last byte is
//!   an error naming the line;
//! - anything else that is not text (xz, bzip2, an Excel or OpenDocument
//!   workbook, Parquet, PDF, an image, a program, or NUL bytes in the first
//!   line) is a one-line [`InputError::NotCsv`] naming what it looks like.
//!
//! Decompression and transcoding run on a thread of their own (like `zcat`
//! in `zcat file | layak assess -`), handing over blocks of text through a
//! small bounded queue, so memory stays bounded and the chunker is never
//! slowed by them. Everything after this module sees CSV text only: line
//! numbers are lines of the decoded text, and chunks are cut from its bytes
//! alone, so a file, its `.gz` and its UTF-16 copy give the same rows.

use std::io::{self, Cursor, Read};
use std::sync::mpsc::{Receiver, SyncSender, sync_channel};

use super::InputError;
use super::chunk::count_breaks;

/// Bytes looked at to tell what the input is (when it has that many).
const SNIFF_BYTES: usize = 1 << 10;

/// Largest read while looking (as the header reader's reads).
const PEEK_READ: usize = 1 << 16;

/// Compression layers undone at most (a `.gz` of a `.zst` is read; deeper is refused).
const MAX_LAYERS: usize = 2;

/// Size of a block of decoded text handed from the decoding thread.
const BLOCK: usize = 1 << 17;

/// Decoded blocks that may wait for the reader (bounds memory).
const QUEUED_BLOCKS: usize = 4;

/// A problem found while decoding, part way into the input. Carried inside
/// the [`io::Error`] that reading returns; [`InputError::reading`] turns it
/// into [`InputError::Decode`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DecodeError {
    /// The compressed data is damaged or cut short.
    #[error(
        "the {format} data is damaged or cut short ({detail}); check the file, e.g. with `{test}`"
    )]
    Corrupt {
        /// `gzip` or `zstd`.
        format: &'static str,
        /// What the decompressor said.
        detail: String,
        /// A command that tests such a file (`gzip -t FILE`).
        test: &'static str,
    },
    /// A UTF-16 surrogate without its partner.
    #[error(
        "line {line}: invalid UTF-16: the surrogate {unit:#06x} (byte {offset} of the text) has no partner; save the file again as CSV UTF-8"
    )]
    UnpairedSurrogate {
        /// Line of the decoded text.
        line: u64,
        unit: u16,
        /// Byte offset of the code unit in the UTF-16 text (after any decompression).
        offset: u64,
    },
    /// UTF-16 text with an odd number of bytes.
    #[error(
        "line {line}: invalid UTF-16: the text ends in the middle of a character (an odd number of bytes); the file may be cut short"
    )]
    OddLength { line: u64 },
}

impl DecodeError {
    fn into_io(self) -> io::Error {
        io::Error::new(io::ErrorKind::InvalidData, self)
    }
}

/// What the first bytes say the input is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Kind {
    /// Text: read as it is (UTF-8, or something else the rows will reject).
    Text,
    Gzip,
    Zstd,
    /// UTF-16; `bom`: the first two bytes are a byte-order mark (skipped).
    Utf16 {
        big_endian: bool,
        bom: bool,
    },
    /// Not something layak reads.
    Other(Binary),
}

/// A kind of file that layak does not read, recognised by its first bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Binary {
    /// Compressed more times over than [`MAX_LAYERS`].
    TooDeep,
    Utf32,
    Xz,
    Bzip2,
    /// A ZIP archive, and what its first entries say it is.
    Zip(ZipKind),
    OldOffice,
    Parquet,
    Arrow,
    Pdf,
    Image(&'static str),
    Program,
    Sqlite,
    SevenZip,
    Rar,
    /// NUL bytes and other control bytes where the header should be.
    Other,
}

/// What a ZIP archive holds, as far as its first entries tell.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum ZipKind {
    Xlsx,
    Ods,
    /// Another Office Open XML or OpenDocument file (Word, PowerPoint, …).
    OfficeDocument,
    /// An archive whose first entry is this file (its name, quoted safely).
    Archive(Option<String>),
}

impl Binary {
    /// The error for `file`, which is this kind of file (inside `layers`,
    /// e.g. `["gzip"]`, when it was decompressed first).
    pub(crate) fn error(&self, file: &str, layers: &[&'static str]) -> InputError {
        let stdin = file == "<stdin>";
        let shown = if stdin { "FILE" } else { file };
        let decompress = |tool: &'static str| {
            let advice = if stdin {
                "decompress it before it reaches layak"
            } else {
                "decompress it first"
            };
            (advice.to_string(), Some(tool))
        };
        let save_as_csv = "save the sheet as CSV UTF-8 (in Excel: File > Save As > CSV UTF-8; in LibreOffice: File > Save As > Text CSV, UTF-8)";
        let not_data = || {
            (
                "give layak the household file itself: CSV text (UTF-8 or UTF-16), plain or gzip- or zstd-compressed".to_string(),
                None,
            )
        };
        let (what, (advice, decompress_with)): (String, (String, Option<&'static str>)) =
            match self {
                Binary::TooDeep => (
                    format!("compressed more than {MAX_LAYERS} times over"),
                    ("decompress it first".to_string(), None),
                ),
                Binary::Utf32 => (
                    "UTF-32 text".into(),
                    ("save it as CSV UTF-8 (or UTF-16)".into(), None),
                ),
                Binary::Xz => ("an xz-compressed file".into(), decompress("xzcat")),
                Binary::Bzip2 => ("a bzip2-compressed file".into(), decompress("bzcat")),
                Binary::Zip(ZipKind::Xlsx) => (
                    "an Excel workbook (.xlsx)".into(),
                    (save_as_csv.into(), None),
                ),
                Binary::Zip(ZipKind::Ods) => (
                    "an OpenDocument spreadsheet (.ods)".into(),
                    (save_as_csv.into(), None),
                ),
                Binary::Zip(ZipKind::OfficeDocument) => (
                    "an Office document (Office Open XML or OpenDocument), not a spreadsheet saved as CSV".into(),
                    (save_as_csv.into(), None),
                ),
                Binary::Zip(ZipKind::Archive(Some(first))) => (
                    format!("a ZIP archive (its first file: {first})"),
                    (
                        format!("unzip the CSV file it holds first (e.g. unzip {shown} '{first}')"),
                        None,
                    ),
                ),
                Binary::Zip(ZipKind::Archive(None)) => (
                    "a ZIP archive".into(),
                    ("unzip the CSV file it holds first".into(), None),
                ),
                Binary::OldOffice => (
                    "an Excel 97-2003 workbook (.xls) or another Office document".into(),
                    (save_as_csv.into(), None),
                ),
                Binary::Parquet => (
                    "a Parquet file".into(),
                    (
                        "export it to CSV first (e.g. with DuckDB: COPY (FROM 'FILE') TO 'out.csv')"
                            .into(),
                        None,
                    ),
                ),
                Binary::Arrow => (
                    "an Arrow IPC (Feather) file".into(),
                    (
                        "export it to CSV first (e.g. with DuckDB or pandas)".into(),
                        None,
                    ),
                ),
                Binary::Pdf => ("a PDF document".into(), not_data()),
                Binary::Image(kind) => (format!("{kind} image"), not_data()),
                Binary::Program => ("a program (an executable file)".into(), not_data()),
                Binary::Sqlite => (
                    "an SQLite database".into(),
                    (
                        "export the table to CSV first (e.g. sqlite3 -csv -header FILE 'SELECT * FROM households' > households.csv)".into(),
                        None,
                    ),
                ),
                Binary::SevenZip => ("a 7-Zip archive".into(), ("extract the CSV file it holds first".into(), None)),
                Binary::Rar => ("a RAR archive".into(), ("extract the CSV file it holds first".into(), None)),
                Binary::Other => (
                    "a binary file, not CSV text (it has NUL bytes where the header should be)".into(),
                    not_data(),
                ),
            };
        let what = if layers.is_empty() {
            what
        } else {
            format!("{what}, {}-compressed", layers.join("- and "))
        };
        InputError::NotCsv {
            file: file.to_string(),
            what,
            advice,
            decompress_with,
        }
    }
}

/// What the first bytes `head` of a file say it is (`head` holds the whole
/// file when it is shorter than [`SNIFF_BYTES`]).
pub(crate) fn sniff(head: &[u8]) -> Kind {
    let magic: [(&[u8], Kind); 22] = [
        (b"\xFF\xFE\x00\x00", Kind::Other(Binary::Utf32)),
        (b"\x00\x00\xFE\xFF", Kind::Other(Binary::Utf32)),
        (
            b"\xFF\xFE",
            Kind::Utf16 {
                big_endian: false,
                bom: true,
            },
        ),
        (
            b"\xFE\xFF",
            Kind::Utf16 {
                big_endian: true,
                bom: true,
            },
        ),
        (b"\x1F\x8B", Kind::Gzip),
        (b"\x28\xB5\x2F\xFD", Kind::Zstd),
        (b"\xFD7zXZ\x00", Kind::Other(Binary::Xz)),
        (
            b"PK\x03\x04",
            Kind::Other(Binary::Zip(ZipKind::Archive(None))),
        ),
        (
            b"PK\x05\x06",
            Kind::Other(Binary::Zip(ZipKind::Archive(None))),
        ),
        (
            b"PK\x07\x08",
            Kind::Other(Binary::Zip(ZipKind::Archive(None))),
        ),
        (
            b"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1",
            Kind::Other(Binary::OldOffice),
        ),
        // The block header after "BZh" and the size digit.
        (b"BZh", Kind::Other(Binary::Bzip2)),
        (b"PAR1", Kind::Other(Binary::Parquet)),
        (b"ARROW1\x00\x00", Kind::Other(Binary::Arrow)),
        (b"%PDF-", Kind::Other(Binary::Pdf)),
        (b"\x89PNG\r\n\x1A\n", Kind::Other(Binary::Image("a PNG"))),
        (b"\xFF\xD8\xFF", Kind::Other(Binary::Image("a JPEG"))),
        (b"GIF8", Kind::Other(Binary::Image("a GIF"))),
        (b"\x7FELF", Kind::Other(Binary::Program)),
        (b"SQLite format 3\x00", Kind::Other(Binary::Sqlite)),
        (b"7z\xBC\xAF\x27\x1C", Kind::Other(Binary::SevenZip)),
        (b"Rar!\x1A\x07", Kind::Other(Binary::Rar)),
    ];
    for (prefix, kind) in magic {
        if !head.starts_with(prefix) {
            continue;
        }
        let rest = &head[prefix.len()..];
        let confirmed = match kind {
            // "BZh", "PAR1" and "GIF8" are also a text header's possible
            // first letters: ask for what follows them in the real thing.
            Kind::Other(Binary::Bzip2) => {
                rest.first().is_some_and(|d| (b'1'..=b'9').contains(d))
                    && rest.get(1..7) == Some(b"\x31\x41\x59\x26\x53\x59")
            }
            Kind::Other(Binary::Parquet) => rest
                .first()
                .is_some_and(|&b| b < 0x20 && !matches!(b, b'\t' | b'\r' | b'\n')),
            Kind::Other(Binary::Image("a GIF")) => matches!(rest.get(..2), Some(b"7a" | b"9a")),
            _ => true,
        };
        if confirmed {
            return match kind {
                Kind::Other(Binary::Zip(_)) => Kind::Other(Binary::Zip(zip_kind(head))),
                kind => kind,
            };
        }
    }
    if let Some(big_endian) = utf16_without_bom(head) {
        return Kind::Utf16 {
            big_endian,
            bom: false,
        };
    }
    if binary_first_line(head) {
        return Kind::Other(Binary::Other);
    }
    Kind::Text
}

/// UTF-16 without a byte-order mark: a NUL in nearly every other byte (the
/// high byte of each ASCII character) and nearly none in the others. Some
/// (big-endian) or not.
fn utf16_without_bom(head: &[u8]) -> Option<bool> {
    let pairs = head.len() / 2;
    if pairs < 2 {
        return None;
    }
    let nul_at = |parity: usize| {
        head.iter()
            .skip(parity)
            .step_by(2)
            .take(pairs)
            .filter(|&&b| b == 0)
            .count()
    };
    let (even, odd) = (nul_at(0), nul_at(1));
    let mostly = |n: usize| n * 4 >= pairs * 3;
    let rarely = |n: usize| n * 4 < pairs;
    if mostly(odd) && rarely(even) {
        Some(false)
    } else if mostly(even) && rarely(odd) {
        Some(true)
    } else {
        None
    }
}

/// The header line (or the first kilobyte, when no line ends in it) holds
/// NUL bytes, and control bytes make at least a twentieth of it: not text.
/// A NUL or two in a text header is left to the header and row checks (a
/// NUL in a cell rejects its row, as always).
fn binary_first_line(head: &[u8]) -> bool {
    let line = match memchr::memchr2(b'\n', b'\r', head) {
        Some(end) => &head[..end],
        None => head,
    };
    if memchr::memchr(0, line).is_none() {
        return false;
    }
    let control = line
        .iter()
        .filter(|&&b| b < 0x20 && !matches!(b, b'\t' | b'\x0C' | b'\x1B'))
        .count();
    control >= 2 && control * 20 >= line.len()
}

/// What a ZIP archive is, from the entries whose local headers lie in `head`.
fn zip_kind(head: &[u8]) -> ZipKind {
    let u16_at = |at: usize| {
        head.get(at..at + 2)
            .map(|b| usize::from(u16::from_le_bytes([b[0], b[1]])))
    };
    let u32_at = |at: usize| {
        head.get(at..at + 4)
            .map(|b| u32::from_le_bytes([b[0], b[1], b[2], b[3]]) as usize)
    };
    let mut names: Vec<&[u8]> = Vec::new();
    let mut mimetype: Option<&[u8]> = None;
    let mut at = 0;
    while head.get(at..at + 4) == Some(b"PK\x03\x04") {
        let (Some(flags), Some(size), Some(name_len), Some(extra_len)) = (
            u16_at(at + 6),
            u32_at(at + 18),
            u16_at(at + 26),
            u16_at(at + 28),
        ) else {
            break;
        };
        let name_start = at + 30;
        let Some(name) = head.get(name_start..name_start + name_len) else {
            break;
        };
        names.push(name);
        let data = name_start + name_len + extra_len;
        if name == b"mimetype" {
            mimetype = head.get(data..(data + size).min(head.len()));
        }
        // Sizes known only after the data (bit 3): the next entry cannot be found.
        if flags & 0x08 != 0 {
            break;
        }
        at = data + size;
    }
    if let Some(mime) = mimetype {
        return if mime.starts_with(b"application/vnd.oasis.opendocument.spreadsheet") {
            ZipKind::Ods
        } else {
            ZipKind::OfficeDocument
        };
    }
    if names.iter().any(|n| n.starts_with(b"xl/")) {
        return ZipKind::Xlsx;
    }
    let office = names.iter().any(|n| {
        *n == b"[Content_Types].xml"
            || n.starts_with(b"_rels/")
            || n.starts_with(b"docProps/")
            || n.starts_with(b"word/")
            || n.starts_with(b"ppt/")
    });
    if office {
        // An Office Open XML package: Excel writes `[Content_Types].xml`
        // first, and `xl/` may lie past the bytes looked at.
        let word_or_slides = names
            .iter()
            .any(|n| n.starts_with(b"word/") || n.starts_with(b"ppt/"));
        return if word_or_slides {
            ZipKind::OfficeDocument
        } else {
            ZipKind::Xlsx
        };
    }
    ZipKind::Archive(
        names
            .first()
            .map(|n| super::excerpt(n, super::MESSAGE_EXCERPT_BYTES / 2)),
    )
}

/// Read up to [`SNIFF_BYTES`] (fewer only at the end of the input), in reads
/// of at most [`PEEK_READ`] bytes: never more than one such read in all.
/// True when the input ended: a terminal's end (Ctrl-D) is read only once,
/// so it must not be read for again.
fn peek(reader: &mut dyn Read) -> io::Result<(Vec<u8>, bool)> {
    let mut head = vec![0; PEEK_READ];
    let mut filled = 0;
    let mut ended = false;
    while filled < SNIFF_BYTES {
        match reader.read(&mut head[filled..]) {
            Ok(0) => {
                ended = true;
                break;
            }
            Ok(n) => filled += n.min(PEEK_READ - filled),
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        }
    }
    head.truncate(filled);
    Ok((head, ended))
}

/// The reader of `name`'s CSV text: `raw` as it is, or decompressed and
/// transcoded as its content asks; a file that is not CSV text is an error
/// naming what it looks like. Reads about a kilobyte of `raw` (at most one
/// read of 64 KiB) before returning; nothing read is lost.
pub(crate) fn decode(
    name: &str,
    raw: Box<dyn Read + Send>,
) -> Result<Box<dyn Read + Send>, InputError> {
    let mut reader = raw;
    let mut layers: Vec<&'static str> = Vec::new();
    let mut transformed = false;
    loop {
        let (head, ended) = peek(&mut *reader).map_err(|e| InputError::reading(name, e))?;
        let kind = sniff(&head);
        let rest: Box<dyn Read + Send> = if ended {
            Box::new(Cursor::new(head))
        } else {
            Box::new(Cursor::new(head).chain(reader))
        };
        match kind {
            Kind::Gzip | Kind::Zstd if layers.len() == MAX_LAYERS => {
                return Err(Binary::TooDeep.error(name, &[]));
            }
            Kind::Gzip => {
                reader = Box::new(Layer {
                    inner: flate2::read::MultiGzDecoder::new(Marked(rest)),
                    format: "gzip",
                    test: "gzip -t FILE",
                });
                layers.push("gzip");
            }
            Kind::Zstd => {
                let decoder = zstd::stream::read::Decoder::new(Marked(rest))
                    .map_err(|e| InputError::reading(name, e))?;
                reader = Box::new(Layer {
                    inner: decoder,
                    format: "zstd",
                    test: "zstd -t FILE",
                });
                layers.push("zstd");
            }
            Kind::Utf16 { big_endian, bom } => {
                let mut decoder = Utf16::new(rest, big_endian);
                if bom {
                    decoder.skip = 2;
                }
                reader = Box::new(decoder);
                transformed = true;
                break;
            }
            Kind::Other(binary) => {
                let layers: Vec<&'static str> = layers.iter().rev().copied().collect();
                return Err(binary.error(name, &layers));
            }
            Kind::Text => {
                reader = Box::new(rest);
                break;
            }
        }
        transformed = true;
    }
    Ok(if transformed {
        threaded(reader)
    } else {
        reader
    })
}

/// A decompressor whose errors on damaged data say which format and how to
/// check it. Its input is [`Marked`], so that an error of the input itself
/// (a failing disk, a damaged inner layer) comes out as it was.
struct Layer<R> {
    inner: R,
    format: &'static str,
    test: &'static str,
}

impl<R: Read> Read for Layer<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        self.inner.read(buf).map_err(|e| {
            if !e.get_ref().is_some_and(|inner| inner.is::<Passed>()) {
                return DecodeError::Corrupt {
                    format: self.format,
                    detail: super::excerpt(e.to_string().as_bytes(), 80),
                    test: self.test,
                }
                .into_io();
            }
            let kind = e.kind();
            match e.into_inner().map(|inner| inner.downcast::<Passed>()) {
                Some(Ok(passed)) => passed.0,
                Some(Err(other)) => io::Error::new(kind, other),
                None => io::Error::from(kind),
            }
        })
    }
}

/// An error of a decompressor's input, passed through it untouched.
#[derive(Debug)]
struct Passed(io::Error);

impl std::fmt::Display for Passed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

impl std::error::Error for Passed {}

/// The input of a [`Layer`]: its errors are marked as [`Passed`].
struct Marked<R>(R);

impl<R: Read> Read for Marked<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        self.0
            .read(buf)
            .map_err(|e| io::Error::new(e.kind(), Passed(e)))
    }
}

/// UTF-16 to UTF-8, as it is read.
struct Utf16<R> {
    inner: R,
    big_endian: bool,
    /// Bytes still to skip at the start (a byte-order mark).
    skip: usize,
    /// Raw bytes read and not yet transcoded (an odd byte, or a high
    /// surrogate waiting for its partner, stay here between reads).
    raw: Vec<u8>,
    raw_len: usize,
    /// Transcoded bytes not yet handed out: `out[out_pos..]`.
    out: Vec<u8>,
    out_pos: usize,
    /// Bytes of UTF-16 text transcoded so far (for messages).
    offset: u64,
    /// Line breaks in the text handed out so far, and its last byte.
    breaks: u64,
    last: u8,
    eof: bool,
}

impl<R: Read> Utf16<R> {
    fn new(inner: R, big_endian: bool) -> Utf16<R> {
        Utf16 {
            inner,
            big_endian,
            skip: 0,
            raw: vec![0; 1 << 16],
            raw_len: 0,
            out: Vec::with_capacity(3 << 15),
            out_pos: 0,
            offset: 0,
            breaks: 0,
            last: 0,
            eof: false,
        }
    }

    /// The line of the decoded text where `out[..at]` ends.
    fn line_at(&self, at: usize) -> u64 {
        1 + self.breaks + count_breaks(&self.out[..at], self.last)
    }

    /// Read more raw bytes and transcode every whole character among them.
    fn refill(&mut self) -> io::Result<()> {
        self.out.clear();
        self.out_pos = 0;
        while self.out.is_empty() {
            if self.eof {
                return Ok(());
            }
            let n = loop {
                match self.inner.read(&mut self.raw[self.raw_len..]) {
                    Ok(n) => break n,
                    Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                    Err(e) => return Err(e),
                }
            };
            self.raw_len += n;
            if n == 0 {
                self.eof = true;
            }
            if self.skip > 0 {
                let skipped = self.skip.min(self.raw_len);
                self.raw.copy_within(skipped..self.raw_len, 0);
                self.raw_len -= skipped;
                self.skip -= skipped;
                self.offset += skipped as u64;
            }
            let used = self.transcode()?;
            self.raw.copy_within(used..self.raw_len, 0);
            self.raw_len -= used;
            self.offset += used as u64;
            if self.eof && self.raw_len > 0 {
                let line = self.line_at(self.out.len());
                if self.raw_len == 1 {
                    return Err(DecodeError::OddLength { line }.into_io());
                }
                // A high surrogate at the very end.
                let unit = self.unit(0);
                return Err(DecodeError::UnpairedSurrogate {
                    line,
                    unit,
                    offset: self.offset,
                }
                .into_io());
            }
        }
        Ok(())
    }

    fn unit(&self, at: usize) -> u16 {
        let pair = [self.raw[at], self.raw[at + 1]];
        if self.big_endian {
            u16::from_be_bytes(pair)
        } else {
            u16::from_le_bytes(pair)
        }
    }

    /// Transcode the whole characters of `raw[..raw_len]` into `out`;
    /// the number of raw bytes used.
    fn transcode(&mut self) -> io::Result<usize> {
        let mut at = 0;
        while at + 2 <= self.raw_len {
            let unit = self.unit(at);
            let c = match unit {
                0xD800..=0xDBFF => {
                    if at + 4 > self.raw_len {
                        if self.eof {
                            return Err(self.unpaired(at, unit));
                        }
                        // Wait for the partner.
                        break;
                    }
                    let low = self.unit(at + 2);
                    if !(0xDC00..=0xDFFF).contains(&low) {
                        return Err(self.unpaired(at, unit));
                    }
                    let c =
                        0x10000 + ((u32::from(unit) - 0xD800) << 10) + (u32::from(low) - 0xDC00);
                    at += 2;
                    char::from_u32(c)
                }
                0xDC00..=0xDFFF => return Err(self.unpaired(at, unit)),
                _ => char::from_u32(u32::from(unit)),
            };
            at += 2;
            // Every value built above is a scalar value.
            let c = c.unwrap_or(char::REPLACEMENT_CHARACTER);
            if c.is_ascii() {
                self.out.push(c as u8);
            } else {
                let mut utf8 = [0; 4];
                self.out
                    .extend_from_slice(c.encode_utf8(&mut utf8).as_bytes());
            }
        }
        Ok(at)
    }

    fn unpaired(&self, at: usize, unit: u16) -> io::Error {
        DecodeError::UnpairedSurrogate {
            line: self.line_at(self.out.len()),
            unit,
            offset: self.offset + at as u64,
        }
        .into_io()
    }
}

impl<R: Read> Read for Utf16<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.out_pos == self.out.len() {
            self.refill()?;
        }
        let pending = &self.out[self.out_pos..];
        let n = pending.len().min(buf.len());
        buf[..n].copy_from_slice(&pending[..n]);
        self.breaks += count_breaks(&pending[..n], self.last);
        if n > 0 {
            self.last = pending[n - 1];
        }
        self.out_pos += n;
        Ok(n)
    }
}

/// Run `reader` on a thread of its own, handing its bytes over in blocks.
/// (Where no thread can start, `reader` is read where it is.)
fn threaded(reader: Box<dyn Read + Send>) -> Box<dyn Read + Send> {
    let (full_tx, full_rx) = sync_channel::<io::Result<Vec<u8>>>(QUEUED_BLOCKS);
    let (empty_tx, empty_rx) = sync_channel::<Vec<u8>>(QUEUED_BLOCKS + 2);
    // The thread owns the reader; if it cannot start, the reader comes back
    // through this slot.
    let slot = std::sync::Arc::new(std::sync::Mutex::new(Some(reader)));
    let theirs = std::sync::Arc::clone(&slot);
    let started = std::thread::Builder::new()
        .name("layak-decode".into())
        .spawn(move || {
            let Some(mut reader) = theirs.lock().ok().and_then(|mut r| r.take()) else {
                return;
            };
            drop(theirs);
            decode_blocks(&mut *reader, &full_tx, &empty_rx);
        });
    if started.is_err() {
        if let Some(reader) = slot.lock().ok().and_then(|mut r| r.take()) {
            return reader;
        }
    }
    Box::new(Blocks {
        full: full_rx,
        empty: empty_tx,
        block: Vec::new(),
        pos: 0,
        done: false,
    })
}

/// The decoding thread: fill blocks until the input ends or fails, or the
/// reader is gone.
fn decode_blocks(
    reader: &mut dyn Read,
    full: &SyncSender<io::Result<Vec<u8>>>,
    empty: &Receiver<Vec<u8>>,
) {
    loop {
        let mut block = empty.try_recv().unwrap_or_default();
        block.resize(BLOCK, 0);
        let mut filled = 0;
        let mut failed = None;
        while filled < BLOCK {
            match reader.read(&mut block[filled..]) {
                Ok(0) => break,
                Ok(n) => filled += n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => {
                    failed = Some(e);
                    break;
                }
            }
        }
        block.truncate(filled);
        let last = filled == 0 || failed.is_some();
        if filled > 0 && full.send(Ok(block)).is_err() {
            return;
        }
        if let Some(e) = failed {
            let _ = full.send(Err(e));
            return;
        }
        if last {
            // Dropping `full` ends the input for the reader.
            return;
        }
    }
}

/// The reading end of [`threaded`].
struct Blocks {
    full: Receiver<io::Result<Vec<u8>>>,
    empty: SyncSender<Vec<u8>>,
    block: Vec<u8>,
    pos: usize,
    done: bool,
}

impl Read for Blocks {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        while self.pos == self.block.len() {
            if self.done {
                return Ok(0);
            }
            match self.full.recv() {
                Ok(Ok(next)) => {
                    let used = std::mem::replace(&mut self.block, next);
                    self.pos = 0;
                    // The thread may have stopped: the block is then freed.
                    let _ = self.empty.try_send(used);
                }
                Ok(Err(e)) => {
                    self.done = true;
                    return Err(e);
                }
                Err(_) => {
                    self.done = true;
                    return Ok(0);
                }
            }
        }
        let n = (self.block.len() - self.pos).min(buf.len());
        buf[..n].copy_from_slice(&self.block[self.pos..self.pos + n]);
        self.pos += n;
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    const TEXT: &str =
        "household_id,area,members,monthly_income\r\nA,rural,2,100\nB,\"ur\nban\",3,\u{1F600}é\n";

    /// Decode `data` read `step` bytes at a time.
    fn decoded(data: &[u8], step: usize) -> Result<Vec<u8>, String> {
        let reader = Stepping {
            data: data.to_vec(),
            at: 0,
            step,
        };
        let mut r = decode("in.csv", Box::new(reader)).map_err(|e| e.to_string())?;
        let mut out = Vec::new();
        match r.read_to_end(&mut out) {
            Ok(_) => Ok(out),
            Err(e) => Err(InputError::reading("in.csv", e).to_string()),
        }
    }

    struct Stepping {
        data: Vec<u8>,
        at: usize,
        step: usize,
    }

    impl Read for Stepping {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            let n = buf.len().min(self.step).min(self.data.len() - self.at);
            buf[..n].copy_from_slice(&self.data[self.at..self.at + n]);
            self.at += n;
            Ok(n)
        }
    }

    fn gzip(data: &[u8]) -> Vec<u8> {
        let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        e.write_all(data).unwrap();
        e.finish().unwrap()
    }

    fn utf16(text: &str, big_endian: bool, bom: bool) -> Vec<u8> {
        let units = (bom.then_some(0xFEFF))
            .into_iter()
            .chain(text.encode_utf16());
        units
            .flat_map(|u| {
                if big_endian {
                    u.to_be_bytes()
                } else {
                    u.to_le_bytes()
                }
            })
            .collect()
    }

    #[test]
    fn every_encoding_gives_the_same_text_however_it_arrives() {
        let plain = TEXT.as_bytes().to_vec();
        let long: String = TEXT.repeat(5_000);
        let mut multi = gzip(&long.as_bytes()[..40_000]);
        multi.extend(gzip(&long.as_bytes()[40_000..]));
        let cases: Vec<(Vec<u8>, Vec<u8>)> = vec![
            (plain.clone(), plain.clone()),
            (gzip(&plain), plain.clone()),
            (zstd::encode_all(&plain[..], 3).unwrap(), plain.clone()),
            (utf16(TEXT, false, true), plain.clone()),
            (utf16(TEXT, true, true), plain.clone()),
            (utf16(TEXT, false, false), plain.clone()),
            (utf16(TEXT, true, false), plain.clone()),
            (gzip(&utf16(TEXT, false, true)), plain.clone()),
            (
                zstd::encode_all(&gzip(&plain)[..], 1).unwrap(),
                plain.clone(),
            ),
            (multi, long.as_bytes().to_vec()),
            (utf16(&long, false, true), long.as_bytes().to_vec()),
            (Vec::new(), Vec::new()),
        ];
        for (data, want) in cases {
            // (Byte by byte only for the short ones: this runs in debug builds.)
            let steps: &[usize] = if want.len() < 1000 {
                &[usize::MAX, 1, 7, 333]
            } else {
                &[usize::MAX, 333]
            };
            for &step in steps {
                assert_eq!(
                    decoded(&data, step).as_deref(),
                    Ok(&want[..]),
                    "{:?} in steps of {step}",
                    &data[..data.len().min(8)]
                );
            }
        }
    }

    #[test]
    fn bad_utf16_names_its_line() {
        let mut data = utf16("a,b\nc,d\n", false, true);
        // A lone high surrogate on line 3, then text.
        data.extend_from_slice(&0xD83Du16.to_le_bytes());
        data.extend_from_slice(&utf16("x\n", false, false));
        let err = decoded(&data, usize::MAX).unwrap_err();
        assert_eq!(
            err,
            "in.csv: line 3: invalid UTF-16: the surrogate 0xd83d (byte 18 of the text) has no partner; save the file again as CSV UTF-8"
        );
        // A lone low surrogate, at the end of a file read a byte at a time.
        let mut data = utf16("a,b\n", true, true);
        data.extend_from_slice(&0xDE00u16.to_be_bytes());
        assert!(
            decoded(&data, 1)
                .unwrap_err()
                .contains("line 2: invalid UTF-16: the surrogate 0xde00")
        );
        // A high surrogate as the last unit.
        let mut data = utf16("a,b\nc", false, true);
        data.extend_from_slice(&0xD800u16.to_le_bytes());
        assert!(
            decoded(&data, 3)
                .unwrap_err()
                .contains("line 2: invalid UTF-16: the surrogate 0xd800")
        );
        let mut data = utf16("a,b\n\n", false, true);
        data.push(b'x');
        assert_eq!(
            decoded(&data, 5).unwrap_err(),
            "in.csv: line 3: invalid UTF-16: the text ends in the middle of a character (an odd number of bytes); the file may be cut short"
        );
    }

    #[test]
    fn damaged_compressed_data_is_named() {
        let data = gzip(TEXT.repeat(1000).as_bytes());
        let err = decoded(&data[..data.len() / 2], usize::MAX).unwrap_err();
        assert!(
            err.starts_with("in.csv: the gzip data is damaged or cut short (")
                && err.ends_with("check the file, e.g. with `gzip -t FILE`"),
            "{err}"
        );
        // (Without a checksum in the frame, zstd cannot tell damaged bytes; a cut it can.)
        let data = zstd::encode_all(TEXT.repeat(1000).as_bytes(), 3).unwrap();
        let err = decoded(&data[..data.len() - 3], usize::MAX).unwrap_err();
        assert!(
            err.starts_with("in.csv: the zstd data is damaged or cut short ("),
            "{err}"
        );
    }

    #[test]
    fn files_that_are_not_csv_text_are_named() {
        let cases: [(&[u8], Kind); 22] = [
            (b"\x1F\x8B\x08\x00\x00\x00", Kind::Gzip),
            (b"\x28\xB5\x2F\xFD\x24\x00", Kind::Zstd),
            (
                b"h\0o\0u\0s\0e\0,\0m\0\n\0",
                Kind::Utf16 {
                    big_endian: false,
                    bom: false,
                },
            ),
            (b"\xFF\xFE\0\0h\0\0\0", Kind::Other(Binary::Utf32)),
            (b"\xFD7zXZ\x00\x00\x04", Kind::Other(Binary::Xz)),
            (b"BZh91AY&SY\x00", Kind::Other(Binary::Bzip2)),
            (
                b"PK\x05\x06\x00",
                Kind::Other(Binary::Zip(ZipKind::Archive(None))),
            ),
            (
                b"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1\x00",
                Kind::Other(Binary::OldOffice),
            ),
            (b"PAR1\x15\x04\x15", Kind::Other(Binary::Parquet)),
            (b"%PDF-1.7\n%\xE2\xE3", Kind::Other(Binary::Pdf)),
            (
                b"\x89PNG\r\n\x1A\n\0\0",
                Kind::Other(Binary::Image("a PNG")),
            ),
            (b"GIF89a\x01\0", Kind::Other(Binary::Image("a GIF"))),
            (b"\x7FELF\x02\x01\x01\0\0\0", Kind::Other(Binary::Program)),
            (b"SQLite format 3\0\x10\0", Kind::Other(Binary::Sqlite)),
            (
                b"\x00\x01\x02\x03\x00\x05garbage\n",
                Kind::Other(Binary::Other),
            ),
            // Text headers that start like magic numbers are text.
            (b"BZh_code,PAR1\n", Kind::Text),
            (b"PAR1,b\n", Kind::Text),
            (b"GIF8,b\n", Kind::Text),
            (b"PK,b\n", Kind::Text),
            // A NUL or two in a header, or in the rows, is not binary: the
            // header and row checks deal with them.
            (b"household_id,\0members,area\n", Kind::Text),
            (b"a\0", Kind::Text),
            (b"a,b\n\0\0\0\0\x01\x02\x03\n", Kind::Text),
        ];
        for (head, want) in cases {
            assert_eq!(sniff(head), want, "{head:?}");
        }
        let err = decoded(b"\xFD7zXZ\x00rest", 1).unwrap_err();
        assert_eq!(err, "in.csv is an xz-compressed file; decompress it first");
        let err = decoded(&gzip(b"PAR1\x15\x04\x15\x80\x01"), usize::MAX).unwrap_err();
        assert_eq!(
            err,
            "in.csv is a Parquet file, gzip-compressed; export it to CSV first (e.g. with DuckDB: COPY (FROM 'FILE') TO 'out.csv')"
        );
        let thrice = gzip(&gzip(&gzip(b"a,b\n")));
        assert!(
            decoded(&thrice, 1)
                .unwrap_err()
                .contains("compressed more than 2 times over")
        );
        assert_eq!(decoded(&gzip(&gzip(b"a,b\n")), 1).unwrap(), b"a,b\n");
    }

    /// A ZIP local file header for `name`, with `data` stored.
    fn zip_entry(name: &str, data: &[u8]) -> Vec<u8> {
        let mut e = b"PK\x03\x04\x14\x00\x00\x00\x00\x00\0\0\0\0\0\0\0\0".to_vec();
        e.extend_from_slice(&(data.len() as u32).to_le_bytes());
        e.extend_from_slice(&(data.len() as u32).to_le_bytes());
        e.extend_from_slice(&(name.len() as u16).to_le_bytes());
        e.extend_from_slice(&0u16.to_le_bytes());
        e.extend_from_slice(name.as_bytes());
        e.extend_from_slice(data);
        e
    }

    #[test]
    fn a_zip_archive_is_told_by_its_entries() {
        let kind = |entries: &[(&str, &[u8])]| {
            let data: Vec<u8> = entries.iter().flat_map(|(n, d)| zip_entry(n, d)).collect();
            match sniff(&data) {
                Kind::Other(Binary::Zip(kind)) => kind,
                other => panic!("{other:?}"),
            }
        };
        assert_eq!(
            kind(&[
                ("[Content_Types].xml", b"<x/>"),
                ("xl/workbook.xml", b"<w/>")
            ]),
            ZipKind::Xlsx
        );
        assert_eq!(kind(&[("[Content_Types].xml", b"<x/>")]), ZipKind::Xlsx);
        assert_eq!(
            kind(&[("[Content_Types].xml", b"<x/>"), ("word/document.xml", b"")]),
            ZipKind::OfficeDocument
        );
        assert_eq!(
            kind(&[(
                "mimetype",
                b"application/vnd.oasis.opendocument.spreadsheet"
            )]),
            ZipKind::Ods
        );
        assert_eq!(
            kind(&[("mimetype", b"application/vnd.oasis.opendocument.text")]),
            ZipKind::OfficeDocument
        );
        assert_eq!(
            kind(&[("survey\u{1b}[31m.csv", b"a,b\n")]),
            ZipKind::Archive(Some("survey\\u{1b}[31m.csv".into()))
        );
    }

    #[test]
    fn looking_reads_no_more_than_one_large_read() {
        // Everything comes back, however large the first read.
        let data: Vec<u8> = TEXT.repeat(10_000).into_bytes();
        for step in [usize::MAX, 100, 1] {
            let mut reader = Stepping {
                data: data.clone(),
                at: 0,
                step,
            };
            let (head, ended) = peek(&mut reader).unwrap();
            assert!(head.len() >= SNIFF_BYTES.min(data.len()) && head.len() <= PEEK_READ);
            assert_eq!(reader.at, head.len());
            assert!(!ended);
        }
    }
}
