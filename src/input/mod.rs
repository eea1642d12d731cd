//! The CSV household reader: header mapping, typed cells, validation, rejects.
//!
//! [`open`] tells from the first bytes what the file is (`decode`:
//! gzip and zstd are decompressed and UTF-16 transcoded as they are read,
//! other files that are not CSV text are named), reads the header — the
//! header record and nothing more: it strips byte-order marks and detects
//! the delimiter — and returns a
//! [`Source`]: the header's fields plus a
//! [`Chunker`] that hands out the data rows in chunks of whole records, so
//! that several threads can parse them. [`Layout::new`] maps the
//! policy's inputs to columns once; [`RowParser::parse`] then fills a row's
//! slots from a record's [`Fields`] (a reused [`csv::ByteRecord`], or a line
//! of a quote-free chunk split in place by [`record::QuoteFree`]) without
//! allocating, or returns a [`Reject`] saying where and why.
//!
//! Messages quote the file through [`excerpt`] and [`list_names`] only, so
//! that none carries more than a few hundred bytes of it, nor a control
//! character that a terminal would obey.

pub mod cell;
pub mod chunk;
pub(crate) mod columnar;
mod decode;
pub(crate) mod flat;
mod header;
mod ids;
pub mod ndjson;
pub mod profile;
pub mod record;
mod reject;
mod row;
pub mod sheet;
mod weight;

use std::collections::HashMap;
use std::io::{self, Read};

use crate::policy::Policy;
pub use chunk::{ChunkStart, Chunker, RecordTooLong};
pub use columnar::ParquetProblem;
pub use decode::DecodeError;
pub use header::{CANDIDATE_DELIMITERS, delimiter_flag, detect_delimiter};
pub use ids::{IdSet, fingerprint, fingerprint_parts};
pub use profile::{CellRules, NumberFormat, Profile, ProfileError};
pub use record::Fields;
pub use reject::{Reject, RejectCode, evaluation_reject};
pub(crate) use row::LineMemo;
pub use row::RowParser;
pub use weight::{
    MAX_WEIGHT, Scale, ScaleError, WEIGHT_UNIT, WeightColumn, WeightSpec, parse_weight,
    write_weight,
};

/// Errors that stop a run before or while reading (not per-row problems).
#[derive(Debug, thiserror::Error)]
pub enum InputError {
    #[error("cannot read {file}: {source}")]
    Io {
        file: String,
        #[source]
        source: io::Error,
    },
    #[error("{file} is empty: expected a header line with the column names")]
    Empty { file: String },
    #[error("{file}, line {line}: {message}")]
    Csv {
        file: String,
        line: u64,
        message: String,
    },
    #[error("{file} is {what}; {advice}")]
    NotCsv {
        file: String,
        /// What the file is, e.g. "an xz-compressed file".
        what: String,
        advice: String,
        /// For a compressed file: the tool that decompresses it (e.g. `zcat`),
        /// for a front end to show how.
        decompress_with: Option<&'static str>,
    },
    /// The file could not be decompressed or transcoded part way in.
    #[error("{file}: {problem}")]
    Decode { file: String, problem: DecodeError },
    /// A Parquet file that cannot be read, or whose columns do not fit the
    /// policy's inputs.
    #[error("{file}: {problem}")]
    Parquet {
        file: String,
        problem: Box<ParquetProblem>,
    },
    #[error(
        "{file}: the header, the record starting on line {line}, is longer than {limit} bytes without ending (an unclosed quote?)"
    )]
    HeaderTooLong {
        file: String,
        line: u64,
        limit: usize,
    },
    /// A data record grew past `limit` bytes without ending.
    #[error(
        "cannot read {file}: the record starting on line {line} is longer than {limit} bytes without ending (an unclosed quote?)"
    )]
    RecordTooLong {
        file: String,
        line: u64,
        limit: usize,
    },
    #[error(
        "{file}, line {line}: the quote that opens column {column} of the header never closes: it runs to the end of the file (`{start}`)"
    )]
    HeaderUnclosedQuote {
        file: String,
        line: u64,
        column: usize,
        /// The start of the quoted field, cut short.
        start: String,
    },
    #[error(
        "{file}: required column `{column}` is missing\n  the header has: {found}{}",
        missing_column_hint(suggestion.as_deref(), *delimiter_hint)
    )]
    MissingColumn {
        file: String,
        column: String,
        /// The header's names, listed for a message.
        found: String,
        /// The nearest header name to `column` (quoted safely), if one is near.
        suggestion: Option<String>,
        /// The header was read as one column, and this other delimiter appears in it.
        delimiter_hint: Option<u8>,
    },
    #[error(
        "{file}, line {line}: column `{column}` appears twice in the header (columns {first} and {second})"
    )]
    DuplicateColumn {
        file: String,
        line: u64,
        column: String,
        first: usize,
        second: usize,
    },
    /// Inputs without a column: several required ones, or, when every
    /// input must have its column ([`ReadOptions::require_columns`]), any
    /// input that would take its default. Every one of them at once.
    #[error(
        "{file}: {} of the policy's inputs {} no column in the header{}{}\n  the header has: {found}",
        required.len() + optional.len(),
        if required.len() + optional.len() == 1 { "has" } else { "have" },
        missing_list("required", required, 0),
        missing_list("optional", optional, required.len().min(LISTED_NAMES)),
    )]
    MissingColumns {
        file: String,
        /// Required inputs without a column, each with the nearest header
        /// name if one is near (quoted safely).
        required: Vec<(String, Option<String>)>,
        /// Optional inputs without a column (listed when every input must
        /// have its column).
        optional: Vec<(String, Option<String>)>,
        /// The header's names, listed for a message.
        found: String,
    },
    /// Columns named to form the household id ([`ReadOptions::id_columns`])
    /// that the header lacks: every one of them.
    #[error(
        "{file}: the household id's {} {} not in the header\n  the header has: {found}",
        noun_for(missing.len(), "column", "columns"),
        describe_missing(missing)
    )]
    IdColumns {
        file: String,
        /// Each name missing, with the nearest header name if one is near
        /// (both quoted safely).
        missing: Vec<(String, Option<String>)>,
        /// The header's names, listed for a message.
        found: String,
    },
    /// A rename that is not of the form `FROM=TO`.
    #[error("rename {spec}: expected FROM=TO, e.g. hh/size=members")]
    RenameSyntax { spec: String },
    /// The survey weight column is not in the header.
    #[error(
        "{file} has no column `{column}`{}\n  the header has: {found}",
        suggestion.as_deref().map(|s| format!("; did you mean `{s}`?")).unwrap_or_default()
    )]
    NoWeightColumn {
        file: String,
        column: String,
        /// The header's names, listed for a message.
        found: String,
        /// The nearest header name (quoted safely), if one is near.
        suggestion: Option<String>,
    },
    /// The workbook has no sheet by that name or number.
    #[error("{file} has no sheet `{wanted}`; its sheets: {sheets}")]
    UnknownSheet {
        file: String,
        /// The name or number asked for (quoted safely).
        wanted: String,
        /// The workbook's sheets, numbered from 1 (listed for a message).
        sheets: String,
    },
    /// The sheet holds no value at all.
    #[error("{file}: the sheet `{sheet}` is empty: expected a header row with the column names")]
    EmptySheet { file: String, sheet: String },
    /// A workbook (or what looks like one) that cannot be read.
    #[error("{file} looks like {what} but cannot be read: {detail}")]
    Workbook {
        file: String,
        what: String,
        detail: String,
    },
    /// A well-formed rename `from=to` that cannot apply.
    #[error("rename {from}={to}: {}", problem.describe(from, to, &|f, t| format!("{f}={t}")))]
    Rename {
        from: String,
        to: String,
        problem: Box<RenameProblem>,
    },
}

impl InputError {
    /// The error for a failed read of `file`: a record too long to be a
    /// record (from [`Chunker::next_chunk`]) is [`InputError::RecordTooLong`],
    /// damaged compressed data or UTF-16 is [`InputError::Decode`].
    pub fn reading(file: &str, source: io::Error) -> InputError {
        if let Some(problem) = source
            .get_ref()
            .and_then(|inner| inner.downcast_ref::<DecodeError>())
        {
            return InputError::Decode {
                file: file.to_string(),
                problem: problem.clone(),
            };
        }
        if let Some(problem) = source
            .get_ref()
            .and_then(|inner| inner.downcast_ref::<ParquetProblem>())
        {
            return InputError::Parquet {
                file: file.to_string(),
                problem: Box::new(problem.clone()),
            };
        }
        match source
            .get_ref()
            .and_then(|inner| inner.downcast_ref::<chunk::RecordTooLong>())
        {
            Some(&chunk::RecordTooLong { line, limit }) => InputError::RecordTooLong {
                file: file.to_string(),
                line,
                limit,
            },
            None => InputError::Io {
                file: file.to_string(),
                source,
            },
        }
    }
}

/// Why a rename `FROM=TO` cannot apply.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RenameProblem {
    /// The policy has no input TO; the nearest input name, if one is near.
    NoSuchInput { suggestion: Option<String> },
    /// Two columns of the header would both be input TO.
    Clash {
        first: ClashingColumn,
        second: ClashingColumn,
    },
}

/// One of two header columns that would map to the same input.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClashingColumn {
    /// Its name in the header (quoted safely).
    pub name: String,
    /// 1-based.
    pub column: usize,
    /// The rename `(FROM, TO)` that maps it, if any.
    pub renamed_by: Option<(String, String)>,
}

impl RenameProblem {
    /// The problem's text for the rename `from=to`; `rename` writes another
    /// rename `(FROM, TO)` as the caller names it (this library: `FROM=TO`).
    pub fn describe(&self, from: &str, to: &str, rename: &dyn Fn(&str, &str) -> String) -> String {
        match self {
            RenameProblem::NoSuchInput { suggestion } => {
                let hint = suggestion
                    .as_deref()
                    .map(|s| format!("; did you mean `{s}`?"))
                    .unwrap_or_default();
                format!("the policy has no input `{to}`{hint}")
            }
            RenameProblem::Clash { first, second } => {
                let describe = |c: &ClashingColumn| match &c.renamed_by {
                    Some((f, _)) if f == from => {
                        format!("`{}` (column {}, renamed)", c.name, c.column)
                    }
                    Some((f, t)) => {
                        format!(
                            "`{}` (column {}, renamed by {})",
                            c.name,
                            c.column,
                            rename(f, t)
                        )
                    }
                    None => format!("the file's own `{}` (column {})", c.name, c.column),
                };
                format!(
                    "two columns would both be input `{to}`: {} and {}; keep one: drop this rename, or rename or remove the other column in the file",
                    describe(first),
                    describe(second)
                )
            }
        }
    }
}

fn noun_for(n: usize, one: &'static str, many: &'static str) -> &'static str {
    if n == 1 { one } else { many }
}

/// `` `SERAIL` (did you mean `SERIAL`?), `YAER` `` … followed by "is"/"are".
pub fn describe_missing(missing: &[(String, Option<String>)]) -> String {
    let names: Vec<String> = missing
        .iter()
        .map(|(name, suggestion)| match suggestion {
            Some(s) => format!("`{name}` (did you mean `{s}`?)"),
            None => format!("`{name}`"),
        })
        .collect();
    format!(
        "{} {}",
        list_names(&names),
        if missing.len() == 1 { "is" } else { "are" }
    )
}

/// One line per name: `\n  required column `a` is missing; did you mean `b`?`
/// (at most twenty lines in all, then "… and N more").
fn missing_list(what: &str, names: &[(String, Option<String>)], skip: usize) -> String {
    let mut out = String::new();
    for (i, (name, suggestion)) in names.iter().enumerate() {
        if skip + i == LISTED_NAMES {
            out.push_str(&format!(
                "\n  … and {} more {what} columns",
                crate::text::grouped((names.len() - i) as u64)
            ));
            break;
        }
        out.push_str(&format!("\n  {what} column `{name}` is missing"));
        if let Some(s) = suggestion {
            out.push_str(&format!("; did you mean `{s}`?"));
        }
    }
    out
}

/// The end of a missing-column message (the front end may say more).
fn missing_column_hint(suggestion: Option<&str>, delimiter_hint: Option<u8>) -> String {
    match (delimiter_hint, suggestion) {
        (Some(b'\t'), _) => "\n  the header has one column; is the delimiter a tab?".to_string(),
        (Some(d), _) => format!(
            "\n  the header has one column; is the delimiter `{}`?",
            char::from(d).escape_default()
        ),
        (None, Some(s)) => format!("\n  did you mean `{s}`?"),
        (None, None) => String::new(),
    }
}

/// Options for reading a household file.
#[derive(Debug, Clone)]
pub struct ReadOptions {
    /// Field delimiter; `None` detects it from the header line among `,` `;` tab `|`.
    pub delimiter: Option<u8>,
    /// `(FROM, TO)`: the file's column FROM is the policy's input TO.
    pub renames: Vec<(String, String)>,
    /// A cell longer than this rejects its row; a record longer than
    /// [`max_record_bytes`] of it without ending is a fatal error.
    pub max_field_bytes: usize,
    /// The file's columns (header names, matched as inputs are) whose cells
    /// form the household id, in order; empty: the id input's own column.
    /// One column is that column read as the id input; two or more are a
    /// composite key (see [`Layout::id_parts`]). Either way a column of the
    /// file that would otherwise be the id input is not used
    /// ([`Layout::id_overridden`]).
    pub id_columns: Vec<String>,
    /// The survey weight column, if any (see [`WeightSpec`]).
    pub weight: Option<WeightSpec>,
    /// Of a workbook: the sheet to read, by name (exactly, else in any
    /// case) or by number counted from 1; `None`: the first.
    pub sheet: Option<String>,
    /// A mapping profile ([`Profile`]): its column renames and stripped
    /// prefixes apply after `renames` (which win), its cell settings to each
    /// input's cells. Its delimiter and id columns are for the caller to
    /// merge into `delimiter` and `id_columns`.
    pub profile: Option<std::sync::Arc<Profile>>,
    /// Every input of the policy must have its column: one that would take
    /// its default for a missing column is an error (all of them in one).
    pub require_columns: bool,
}

impl Default for ReadOptions {
    fn default() -> Self {
        ReadOptions {
            delimiter: None,
            renames: Vec::new(),
            max_field_bytes: DEFAULT_MAX_FIELD_BYTES,
            id_columns: Vec::new(),
            weight: None,
            sheet: None,
            profile: None,
            require_columns: false,
        }
    }
}

/// Parse a `FROM=TO` rename.
///
/// ```
/// assert_eq!(layak::input::parse_rename("hh/size=members").unwrap(), ("hh/size".to_string(), "members".to_string()));
/// ```
pub fn parse_rename(spec: &str) -> Result<(String, String), InputError> {
    match spec.split_once('=') {
        Some((from, to)) if !from.trim().is_empty() && !to.trim().is_empty() => {
            Ok((from.trim().to_string(), to.trim().to_string()))
        }
        _ => Err(InputError::RenameSyntax {
            spec: spec.to_string(),
        }),
    }
}

/// An open household file: its header, and a [`Chunker`] positioned on the first data row.
pub struct Source {
    /// The name used in messages (`-` is shown as `<stdin>`).
    pub name: String,
    pub delimiter: u8,
    /// The header's fields, trimmed and without byte-order marks.
    pub header: Vec<String>,
    /// When the header was read as one column with a delimiter the user
    /// chose, and holds another candidate delimiter outside quotes: that one
    /// (the user most likely chose the wrong delimiter).
    pub delimiter_hint: Option<u8>,
    /// 1-based line on which the header starts (after blank lines).
    pub header_line: u64,
    /// Hands out the data rows in chunks of whole records.
    pub chunker: Chunker,
    /// A spreadsheet's rows, which come from here, not from `chunker`
    /// (whose reading then fails): see [`sheet`].
    pub sheet: Option<Box<sheet::SheetRows>>,
    /// A Parquet file's table, read column by column (see [`columnar`]),
    /// not from `chunker` (whose reading then fails).
    pub(crate) table: Option<Box<columnar::Table>>,
}

impl Source {
    /// The size of the input when it is a file read in place rather than
    /// through its reader (a Parquet file, whose reader saw only its first
    /// bytes): what the summary reports as the bytes read.
    pub fn bytes_in_place(&self) -> Option<u64> {
        self.table.as_ref()?.in_place
    }
}

/// Open `path` (`-` for standard input) and read its header.
pub fn open(path: &str, options: &ReadOptions) -> Result<Source, InputError> {
    let (name, raw) = open_raw(path)?;
    from_reader(name, raw, options)
}

/// Open `path` (`-` for standard input) without reading anything: the name
/// to report it by, and the reader.
pub fn open_raw(path: &str) -> Result<(String, Box<dyn Read + Send>), InputError> {
    if path == "-" {
        return Ok(("<stdin>".to_string(), Box::new(io::stdin())));
    }
    match std::fs::File::open(path) {
        Ok(file) => Ok((path.to_string(), Box::new(file))),
        Err(source) => Err(InputError::Io {
            file: path.to_string(),
            source,
        }),
    }
}

/// Like [`open`], for any reader.
///
/// Reads no more than the header record (and at most one read past it),
/// however the file ends its lines; the rows are left to the returned chunker.
/// A compressed or UTF-16 file is decoded as it is read (on a thread of
/// its own), so the header, the rows and their line numbers are those of
/// its text.
pub fn from_reader(
    name: String,
    raw: Box<dyn Read + Send>,
    options: &ReadOptions,
) -> Result<Source, InputError> {
    // A Parquet file is read column by column (`columnar`), not as text.
    let raw = match columnar::sniff(&name, raw)? {
        columnar::Sniffed::Parquet(source) => return Ok(*source),
        columnar::Sniffed::Other(raw) => raw,
    };
    let mut raw = match decode::decode_any(&name, raw)? {
        decode::Decoded::Text(raw) => raw,
        decode::Decoded::Workbook {
            reader,
            kind,
            layers,
        } => return sheet::open(name, reader, kind, layers, options),
    };
    let header = header::read(&name, &mut *raw, options)?;
    let mut chunker = Chunker::new(
        raw,
        header.delimiter,
        header.buf,
        header.consumed,
        header.line,
        header.eof,
    );
    chunker.set_max_record(max_record_bytes(options.max_field_bytes));
    Ok(Source {
        name,
        delimiter: header.delimiter,
        header: header.names,
        delimiter_hint: header.delimiter_hint,
        header_line: header.header_line,
        chunker,
        sheet: None,
        table: None,
    })
}

/// Turn a csv error into an input error with its line.
pub fn csv_error(file: &str, e: &csv::Error) -> InputError {
    let line = e.position().map_or(0, csv::Position::line);
    match e.kind() {
        csv::ErrorKind::Io(io) => InputError::Io {
            file: file.to_string(),
            source: io::Error::new(io.kind(), io.to_string()),
        },
        _ => InputError::Csv {
            file: file.to_string(),
            line,
            message: excerpt(e.to_string().as_bytes(), MESSAGE_EXCERPT_BYTES),
        },
    }
}

/// Longest piece of input (in bytes, roughly) an error message quotes.
pub const MESSAGE_EXCERPT_BYTES: usize = 200;

/// Longest cell value a reject's message quotes.
const CELL_EXCERPT_BYTES: usize = 100;

/// Names listed in a message before "… and N more".
const LISTED_NAMES: usize = 20;

/// At most about `max` bytes of `bytes`, readable in a message: cut at a
/// character boundary with "…", invalid UTF-8 as `\xNN`, and control
/// characters (NUL, line breaks, terminal escapes) and invisible ones (a
/// byte-order mark, zero-width and direction marks) escaped, so that a
/// message never carries a megabyte of a file, nor bytes that change what a
/// terminal shows.
///
/// ```
/// use layak::input::excerpt;
/// assert_eq!(excerpt(b"members", 100), "members");
/// assert_eq!(excerpt("\u{feff}mémbers\0\r".as_bytes(), 100), "\\u{feff}mémbers\\0\\r");
/// assert_eq!(excerpt("ééé".as_bytes(), 3), "éé…");
/// assert_eq!(excerpt(b"a\xFFb", 100), "a\\xffb");
/// ```
pub fn excerpt(bytes: &[u8], max: usize) -> String {
    use std::fmt::Write;
    let mut out = String::new();
    for chunk in bytes.utf8_chunks() {
        for c in chunk.valid().chars() {
            if out.len() >= max {
                out.push('…');
                return out;
            }
            match c {
                '\0' => out.push_str("\\0"),
                '\n' => out.push_str("\\n"),
                '\r' => out.push_str("\\r"),
                '\t' => out.push_str("\\t"),
                c if c.is_control() || is_invisible(c) => {
                    let _ = write!(out, "\\u{{{:x}}}", u32::from(c));
                }
                c => out.push(c),
            }
        }
        for b in chunk.invalid() {
            if out.len() >= max {
                out.push('…');
                return out;
            }
            let _ = write!(out, "\\x{b:02x}");
        }
    }
    out
}

/// Characters that show as nothing (or reorder what follows) on a terminal.
fn is_invisible(c: char) -> bool {
    matches!(c,
        '\u{00ad}' | '\u{061c}' | '\u{180e}' | '\u{200b}'..='\u{200f}' | '\u{2028}'..='\u{202e}'
        | '\u{2060}'..='\u{206f}' | '\u{feff}' | '\u{fff9}'..='\u{fffb}')
}

/// `names` for a message: each cut short, at most twenty of them and a few
/// hundred bytes in all, then "… and N more".
///
/// ```
/// let names: Vec<String> = (0..1000).map(|i| format!("c{i}")).collect();
/// assert_eq!(layak::input::list_names(&names[..3]), "c0, c1, c2");
/// assert!(layak::input::list_names(&names).ends_with("c19, … and 980 more"));
/// ```
pub fn list_names<S: AsRef<str>>(names: &[S]) -> String {
    let mut out = String::new();
    for (i, name) in names.iter().enumerate() {
        if i == LISTED_NAMES || out.len() > 2 * MESSAGE_EXCERPT_BYTES {
            out.push_str(&format!(
                ", … and {} more",
                crate::text::grouped((names.len() - i) as u64)
            ));
            break;
        }
        if i > 0 {
            out.push_str(", ");
        }
        out.push_str(&excerpt(name.as_ref().as_bytes(), 40));
    }
    out
}

mod layout;
pub use layout::{DEFAULT_MAX_FIELD_BYTES, ID_SEPARATOR, Layout, max_record_bytes};

#[cfg(test)]
mod tests;
