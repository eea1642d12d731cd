//! Compressed output files, and the rule for output file names.
//!
//! An output file whose name ends in `.gz` is written gzip-compressed, one
//! that ends in `.zst` zstd-compressed (with a checksum in the frame), as
//! the file is written, by the `AtomicFile` (`report::atomic`)
//! that writes it: decisions, rejects and summaries alike, still all or
//! nothing. What the file holds is told by the extension before that one
//! (`out.csv.gz` is CSV).
//!
//! [`check_name`] is the rule for names, checked before any row is read: an
//! extension that names a format layak does not write (`.parquet`, `.xlsx`,
//! `.tsv`, `.zip`, `.bz2`, …) is refused rather than answered with a file
//! whose content does not match its name. Any other extension, or none
//! (`.txt`, `.out`, `decisions`), is not a format: the content is what
//! `--format` (or the default) says.

use std::io::{self, Write};
use std::path::Path;

use super::Format;

/// How an output file is compressed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Compression {
    None,
    Gzip,
    Zstd,
}

impl Compression {
    /// The compression a file name asks for: `.gz` or `.zst`, in any case.
    ///
    /// ```
    /// use layak::report::compress::Compression;
    /// use std::path::Path;
    /// assert_eq!(Compression::of_path(Path::new("out.csv.gz")), Compression::Gzip);
    /// assert_eq!(Compression::of_path(Path::new("out.NDJSON.ZST")), Compression::Zstd);
    /// assert_eq!(Compression::of_path(Path::new("out.csv")), Compression::None);
    /// ```
    pub fn of_path(path: &Path) -> Compression {
        match extension(path).as_deref() {
            Some("gz") => Compression::Gzip,
            Some("zst") => Compression::Zstd,
            _ => Compression::None,
        }
    }
}

/// A file name's last extension, in lower case.
fn extension(path: &Path) -> Option<String> {
    Some(path.extension()?.to_str()?.to_ascii_lowercase())
}

/// What one output holds, for [`check_name`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Holds {
    /// Decisions: CSV, JSON or NDJSON.
    Decisions,
    /// Rejected rows: always CSV.
    Rejects,
    /// A run summary: always JSON.
    Summary,
}

/// A table format of decisions (`.parquet`, `.xlsx`), compressed inside.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TableFormat {
    Parquet,
    Xlsx,
}

/// What an output file's name asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OutputName {
    pub compression: Compression,
    /// The format its (inner) extension names, if it names one.
    pub format: Option<Format>,
    /// `.parquet`/`.pq` (decisions or rejects) or `.xlsx` (decisions), never
    /// compressed again.
    pub table: Option<TableFormat>,
}

/// An output file name that asks for something layak does not write.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NameError {
    #[error(
        "{path}: layak does not write {what} files; it writes CSV (.csv), JSON (.json) and NDJSON (.ndjson, .jsonl), each also compressed with gzip (.gz) or zstd (.zst), and decisions as Parquet (.parquet) or Excel (.xlsx)"
    )]
    Unwritten { path: String, what: &'static str },
    #[error(
        "{path}: {what} files are compressed inside; name the file .{ext}, without .gz or .zst"
    )]
    CompressedTable {
        path: String,
        what: &'static str,
        ext: &'static str,
    },
    #[error(
        "{path}: this output cannot be written as {what}; name the file .{ext} (or .{ext}.gz, .{ext}.zst)"
    )]
    TableNotDecisions {
        path: String,
        what: &'static str,
        ext: &'static str,
    },
    #[error("{path}: {holds} written as {format}; name the file .{ext} (or .{ext}.gz, .{ext}.zst)")]
    WrongFormat {
        path: String,
        holds: &'static str,
        format: &'static str,
        ext: &'static str,
    },
}

/// Extensions of formats layak does not write, and what to call them.
const UNWRITTEN: [(&str, &str); 21] = [
    ("xlsm", "Excel"),
    ("xls", "Excel"),
    ("ods", "OpenDocument spreadsheet"),
    ("tsv", "tab-separated (.tsv)"),
    ("tab", "tab-separated (.tab)"),
    ("arrow", "Arrow"),
    ("feather", "Arrow (Feather)"),
    ("avro", "Avro"),
    ("orc", "ORC"),
    ("sqlite", "SQLite"),
    ("pdf", "PDF"),
    ("zip", "ZIP"),
    ("7z", "7-Zip"),
    ("rar", "RAR"),
    ("tar", "tar"),
    ("tgz", "tar"),
    ("bz2", "bzip2-compressed"),
    ("xz", "xz-compressed"),
    ("lz4", "LZ4-compressed"),
    ("gz", "doubly compressed"),
    ("zst", "doubly compressed"),
];

/// Check the name of an output file that holds `holds`: refused when its
/// extension names a format layak does not write, or a format other than
/// the one this output is always written in.
///
/// ```
/// use layak::report::Format;
/// use layak::report::compress::{check_name, Compression, Holds};
/// let name = check_name("out.csv.gz", Holds::Decisions).unwrap();
/// assert_eq!((name.compression, name.format), (Compression::Gzip, Some(Format::Csv)));
/// assert_eq!(check_name("out.txt", Holds::Decisions).unwrap().format, None);
/// assert!(check_name("out.parquet.gz", Holds::Decisions).is_err());
/// assert!(check_name("out.xlsx", Holds::Decisions).unwrap().table.is_some());
/// assert!(check_name("rejects.json", Holds::Rejects).is_err());
/// ```
pub fn check_name(path: &str, holds: Holds) -> Result<OutputName, NameError> {
    let as_path = Path::new(path);
    let compression = Compression::of_path(as_path);
    let inner = match compression {
        Compression::None => as_path,
        _ => Path::new(as_path.file_stem().unwrap_or_default()),
    };
    let table = match extension(inner).as_deref() {
        Some("parquet" | "pq") => Some((TableFormat::Parquet, "Parquet")),
        Some("xlsx") => Some((TableFormat::Xlsx, "Excel (.xlsx)")),
        _ => None,
    };
    if let Some((table, what)) = table {
        let ext = match table {
            TableFormat::Parquet => "parquet",
            TableFormat::Xlsx => "xlsx",
        };
        let path = path.to_string();
        return match (compression, holds) {
            (Compression::Gzip | Compression::Zstd, _) => {
                Err(NameError::CompressedTable { path, what, ext })
            }
            (Compression::None, Holds::Decisions) | (Compression::None, Holds::Rejects)
                if holds == Holds::Decisions || table == TableFormat::Parquet =>
            {
                Ok(OutputName {
                    compression,
                    format: None,
                    table: Some(table),
                })
            }
            (Compression::None, Holds::Decisions | Holds::Rejects) => {
                Err(NameError::TableNotDecisions {
                    path,
                    what,
                    ext: "csv",
                })
            }
            (Compression::None, Holds::Summary) => Err(NameError::TableNotDecisions {
                path,
                what,
                ext: "json",
            }),
        };
    }
    let format = match extension(inner).as_deref() {
        Some("csv") => Some(Format::Csv),
        Some("json") => Some(Format::Json),
        Some("ndjson" | "jsonl") => Some(Format::Ndjson),
        Some(ext) => {
            if let Some((_, what)) = UNWRITTEN.iter().find(|(e, _)| *e == ext) {
                // A single `.gz` or `.zst` is a compression, not a format.
                if compression != Compression::None || !matches!(ext, "gz" | "zst") {
                    return Err(NameError::Unwritten {
                        path: path.to_string(),
                        what,
                    });
                }
            }
            None
        }
        None => None,
    };
    let wrong = |holds: &'static str, format: &'static str, ext: &'static str| {
        Err(NameError::WrongFormat {
            path: path.to_string(),
            holds,
            format,
            ext,
        })
    };
    match (holds, format) {
        (Holds::Rejects, Some(Format::Json | Format::Ndjson)) => {
            wrong("the rejects are", "CSV", "csv")
        }
        (Holds::Summary, Some(Format::Csv | Format::Ndjson)) => {
            wrong("the summary is", "JSON", "json")
        }
        _ => Ok(OutputName {
            compression,
            format,
            table: None,
        }),
    }
}

/// Bytes on their way to `W`, compressed or not.
/// (The encoders are boxed: an output that is not compressed, the usual
/// case, stays small.)
pub(crate) enum Encoder<W: Write> {
    Plain(W),
    Gzip(Box<flate2::write::GzEncoder<Discardable<W>>>),
    Zstd(Box<zstd::stream::write::Encoder<'static, Discardable<W>>>),
}

impl<W: Write> Encoder<W> {
    pub(crate) fn new(inner: W, compression: Compression) -> io::Result<Encoder<W>> {
        Ok(match compression {
            Compression::None => Encoder::Plain(inner),
            Compression::Gzip => Encoder::Gzip(Box::new(flate2::write::GzEncoder::new(
                Discardable(Some(inner)),
                flate2::Compression::default(),
            ))),
            Compression::Zstd => {
                // Level 0: zstd's default (3).
                let mut e = zstd::stream::write::Encoder::new(Discardable(Some(inner)), 0)?;
                e.include_checksum(true)?;
                Encoder::Zstd(Box::new(e))
            }
        })
    }

    /// Write what is still held and the compressed stream's end; the writer
    /// underneath, not flushed.
    pub(crate) fn finish(self) -> io::Result<W> {
        match self {
            Encoder::Plain(w) => Ok(w),
            Encoder::Gzip(e) => e.finish()?.0.take().ok_or_else(gone),
            Encoder::Zstd(e) => e.finish()?.0.take().ok_or_else(gone),
        }
    }

    /// Give up: the writer underneath (its buffer still unwritten), with
    /// nothing more written into it.
    pub(crate) fn abandon(self) -> Option<W> {
        match self {
            Encoder::Plain(w) => Some(w),
            // The encoder, dropped, ends its stream into the emptied slot.
            Encoder::Gzip(mut e) => e.get_mut().0.take(),
            Encoder::Zstd(mut e) => e.get_mut().0.take(),
        }
    }
}

fn gone() -> io::Error {
    io::Error::other("the output was already closed")
}

impl<W: Write> Write for Encoder<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        match self {
            Encoder::Plain(w) => w.write(buf),
            Encoder::Gzip(e) => e.write(buf),
            Encoder::Zstd(e) => e.write(buf),
        }
    }
    fn write_all(&mut self, buf: &[u8]) -> io::Result<()> {
        match self {
            Encoder::Plain(w) => w.write_all(buf),
            Encoder::Gzip(e) => e.write_all(buf),
            Encoder::Zstd(e) => e.write_all(buf),
        }
    }
    fn write_vectored(&mut self, bufs: &[io::IoSlice<'_>]) -> io::Result<usize> {
        match self {
            Encoder::Plain(w) => w.write_vectored(bufs),
            Encoder::Gzip(e) => e.write_vectored(bufs),
            Encoder::Zstd(e) => e.write_vectored(bufs),
        }
    }
    fn flush(&mut self) -> io::Result<()> {
        match self {
            Encoder::Plain(w) => w.flush(),
            Encoder::Gzip(e) => e.flush(),
            Encoder::Zstd(e) => e.flush(),
        }
    }
}

/// A writer that can be taken out from under an encoder; writes to it
/// afterwards are dropped.
pub(crate) struct Discardable<W>(Option<W>);

impl<W: Write> Write for Discardable<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        match &mut self.0 {
            Some(w) => w.write(buf),
            None => Ok(buf.len()),
        }
    }
    fn flush(&mut self) -> io::Result<()> {
        match &mut self.0 {
            Some(w) => w.flush(),
            None => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Read;

    #[test]
    fn names_choose_the_compression_and_the_format() {
        let ok = |path: &str, holds| check_name(path, holds).map(|n| (n.compression, n.format));
        use Compression::*;
        assert_eq!(ok("a.csv", Holds::Decisions), Ok((None, Some(Format::Csv))));
        assert_eq!(
            ok("a.ndjson.zst", Holds::Decisions),
            Ok((Zstd, Some(Format::Ndjson)))
        );
        assert_eq!(
            ok("a.JSONL.GZ", Holds::Decisions),
            Ok((Gzip, Some(Format::Ndjson)))
        );
        assert_eq!(
            ok("a.json.gz", Holds::Summary),
            Ok((Gzip, Some(Format::Json)))
        );
        assert_eq!(ok("a.gz", Holds::Decisions), Ok((Gzip, Option::None)));
        assert_eq!(ok("dir.v2/out", Holds::Decisions), Ok((None, Option::None)));
        assert_eq!(ok("out.txt", Holds::Rejects), Ok((None, Option::None)));
        assert_eq!(ok("/dev/null", Holds::Decisions), Ok((None, Option::None)));
        for bad in [
            "a.xls",
            "a.tsv.gz",
            "a.zip",
            "a.csv.bz2",
            "a.csv.gz.gz",
            "a.zst.gz",
        ] {
            let err = check_name(bad, Holds::Decisions).expect_err(bad);
            assert!(
                err.to_string()
                    .starts_with(&format!("{bad}: layak does not write ")),
                "{err}"
            );
        }
        assert_eq!(
            check_name("r.json.gz", Holds::Rejects)
                .unwrap_err()
                .to_string(),
            "r.json.gz: the rejects are written as CSV; name the file .csv (or .csv.gz, .csv.zst)"
        );
        assert!(check_name("s.csv", Holds::Summary).is_err());
    }

    fn encoded(compression: Compression, data: &[u8]) -> Vec<u8> {
        let mut e = Encoder::new(Vec::new(), compression).unwrap();
        for piece in data.chunks(1000) {
            e.write_all(piece).unwrap();
        }
        e.finish().unwrap()
    }

    #[test]
    fn what_is_written_reads_back() {
        let data = "household_id,track\nH1,emergency\n".repeat(5000);
        assert_eq!(encoded(Compression::None, data.as_bytes()), data.as_bytes());
        let gz = encoded(Compression::Gzip, data.as_bytes());
        let mut back = String::new();
        flate2::read::GzDecoder::new(&gz[..])
            .read_to_string(&mut back)
            .unwrap();
        assert_eq!(back, data);
        let zst = encoded(Compression::Zstd, data.as_bytes());
        assert_eq!(zstd::decode_all(&zst[..]).unwrap(), data.as_bytes());
        // Nothing in: a valid empty stream out.
        let gz = encoded(Compression::Gzip, b"");
        let mut back = Vec::new();
        flate2::read::GzDecoder::new(&gz[..])
            .read_to_end(&mut back)
            .unwrap();
        assert!(back.is_empty());
    }

    #[test]
    fn an_abandoned_encoder_writes_nothing_more() {
        for compression in [Compression::Gzip, Compression::Zstd] {
            let mut e = Encoder::new(Vec::new(), compression).unwrap();
            e.write_all(b"some data").unwrap();
            let under = e.abandon().unwrap();
            // The header at most (gzip writes it first), never the data or the end.
            assert!(under.len() <= 10, "{compression:?}: {} bytes", under.len());
        }
    }
}
