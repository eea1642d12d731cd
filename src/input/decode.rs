//! What a household file is, told by its first bytes, and the readers that
//! turn it into CSV text.
//!
//! [`decode_any`] looks at the first kilobyte of the input (a file or standard
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
//!   line) is a one-line [`InputError::NotCsv`] naming what it looks like;
//!   [`decode_any`] hands a ZIP or OLE file that may be a workbook to
//!   [`super::sheet`] instead, which reads it or gives that same error.
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
        let (what, (advice, decompress_with)) = self
            .compressed_or_encoded(stdin)
            .or_else(|| self.office_or_archive(shown))
            .unwrap_or_else(|| self.other_data());
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

    /// What a compressed file or text in another encoding is and what to do.
    fn compressed_or_encoded(&self, stdin: bool) -> Option<Description> {
        Some(match self {
            Binary::TooDeep => (
                format!("compressed more than {MAX_LAYERS} times over"),
                ("decompress it first".to_string(), None),
            ),
            Binary::Utf32 => (
                "UTF-32 text".into(),
                ("save it as CSV UTF-8 (or UTF-16)".into(), None),
            ),
            Binary::Xz => ("an xz-compressed file".into(), decompress("xzcat", stdin)),
            Binary::Bzip2 => ("a bzip2-compressed file".into(), decompress("bzcat", stdin)),
            _ => return None,
        })
    }

    /// What a spreadsheet, an office document or an archive is and what to do.
    fn office_or_archive(&self, shown: &str) -> Option<Description> {
        Some(match self {
                Binary::Zip(ZipKind::Xlsx) => (
                    "an Excel workbook (.xlsx)".into(),
                    (SAVE_AS_CSV.into(), None),
                ),
                Binary::Zip(ZipKind::Ods) => (
                    "an OpenDocument spreadsheet (.ods)".into(),
                    (SAVE_AS_CSV.into(), None),
                ),
                Binary::Zip(ZipKind::OfficeDocument) => (
                    "an Office document (Office Open XML or OpenDocument), not a spreadsheet saved as CSV".into(),
                    (SAVE_AS_CSV.into(), None),
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
                    (SAVE_AS_CSV.into(), None),
                ),
                Binary::SevenZip => ("a 7-Zip archive".into(), ("extract the CSV file it holds first".into(), None)),
                Binary::Rar => ("a RAR archive".into(), ("extract the CSV file it holds first".into(), None)),
                _ => return None,
        })
    }

    /// What another kind of binary file is and what to do.
    fn other_data(&self) -> Description {
        match self {
                // A Parquet file itself is read (`columnar`); this is one
                // inside a compressed file.
                Binary::Parquet => (
                    "a Parquet file".into(),
                    (
                        "decompress it first: layak reads Parquet files as they are, not compressed again (Parquet compresses its own pages)"
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
                _ => (
                    "a binary file, not CSV text (it has NUL bytes where the header should be)".into(),
                    not_data(),
                ),
        }
    }
}

/// What a binary file is, the advice, and the tool that decompresses it.
type Description = (String, (String, Option<&'static str>));

const SAVE_AS_CSV: &str = "save the sheet as CSV UTF-8 (in Excel: File > Save As > CSV UTF-8; in LibreOffice: File > Save As > Text CSV, UTF-8)";

/// The advice for a compressed file: decompress it with `tool`.
fn decompress(tool: &'static str, stdin: bool) -> (String, Option<&'static str>) {
    let advice = if stdin {
        "decompress it before it reaches layak"
    } else {
        "decompress it first"
    };
    (advice.to_string(), Some(tool))
}

/// The advice for a file that is no data table.
fn not_data() -> (String, Option<&'static str>) {
    (
        "give layak the household file itself: CSV text (UTF-8 or UTF-16), plain or gzip- or zstd-compressed".to_string(),
        None,
    )
}

/// What the first bytes `head` of a file say it is (`head` holds the whole
/// file when it is shorter than [`SNIFF_BYTES`]).
pub(crate) fn sniff(head: &[u8]) -> Kind {
    for (prefix, kind) in magic_numbers() {
        if !head.starts_with(prefix) {
            continue;
        }
        if confirmed(&kind, &head[prefix.len()..]) {
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

/// The first bytes of each kind of file that is not plain UTF-8 text.
fn magic_numbers() -> [(&'static [u8], Kind); 22] {
    [
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
    ]
}

/// Whether `rest`, the bytes after a magic number, confirm `kind`.
fn confirmed(kind: &Kind, rest: &[u8]) -> bool {
    match kind {
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
    }
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
#[cfg(test)]
pub(crate) fn decode(
    name: &str,
    raw: Box<dyn Read + Send>,
) -> Result<Box<dyn Read + Send>, InputError> {
    match decode_any(name, raw)? {
        Decoded::Text(reader) => Ok(reader),
        Decoded::Workbook { kind, layers, .. } => Err(kind.error(name, &layers)),
    }
}

/// What an input turned out to be: CSV text, or a spreadsheet for
/// [`super::sheet`] to read.
pub(crate) enum Decoded {
    Text(Box<dyn Read + Send>),
    /// A ZIP or OLE file that may be a workbook: its bytes from the start
    /// (after any decompression), what its first bytes say it is, and the
    /// compression undone (outermost last), for the error if it is none.
    Workbook {
        reader: Box<dyn Read + Send>,
        kind: Binary,
        layers: Vec<&'static str>,
    },
}

impl Binary {
    /// Whether a file of this kind may be a workbook calamine reads (.xlsx,
    /// .xlsm, .xlsb, .ods, .xls): a ZIP whose first entries say so or say
    /// nothing, or an OLE compound file. A ZIP whose first entry is some
    /// other file (`data.csv`) is an archive, not read.
    pub(crate) fn may_be_workbook(&self) -> bool {
        matches!(
            self,
            Binary::Zip(
                ZipKind::Xlsx | ZipKind::Ods | ZipKind::OfficeDocument | ZipKind::Archive(None)
            ) | Binary::OldOffice
        )
    }
}

/// Like [`decode`], but a file that may be a workbook comes back as one
/// (with nothing of it lost) instead of as an error.
pub(crate) fn decode_any(name: &str, raw: Box<dyn Read + Send>) -> Result<Decoded, InputError> {
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
                if binary.may_be_workbook() {
                    return Ok(Decoded::Workbook {
                        reader: rest,
                        kind: binary,
                        layers,
                    });
                }
                return Err(binary.error(name, &layers));
            }
            Kind::Text => {
                reader = Box::new(rest);
                break;
            }
        }
        transformed = true;
    }
    Ok(Decoded::Text(if transformed {
        threaded(reader)
    } else {
        reader
    }))
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
mod tests;
