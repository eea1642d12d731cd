//! The CSV household reader: header mapping, typed cells, validation, rejects.
//!
//! [`open`] reads the header — the header record and nothing more: it
//! recognises files that are not CSV text (UTF-16, compressed, Excel),
//! strips byte-order marks and detects the delimiter — and returns a
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
mod header;
mod ids;
pub mod record;
mod reject;

use std::collections::HashMap;
use std::io::{self, Read};

use crate::policy::{InputType, Policy};
pub use chunk::{ChunkStart, Chunker, RecordTooLong};
pub use header::{CANDIDATE_DELIMITERS, delimiter_flag, detect_delimiter};
pub use ids::{IdSet, fingerprint};
pub use record::Fields;
pub use reject::{Reject, RejectCode, evaluation_reject};

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
        /// What the file is, e.g. "a gzip-compressed file".
        what: &'static str,
        advice: String,
        /// For a compressed file: the tool that decompresses it (e.g. `zcat`),
        /// for a front end to show how.
        decompress_with: Option<&'static str>,
    },
    #[error("{file} looks like UTF-16 text (Excel's \"Unicode text\"); save it as CSV UTF-8")]
    Utf16 { file: String },
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
    /// A rename that is not of the form `FROM=TO`.
    #[error("rename {spec}: expected FROM=TO, e.g. hh/size=members")]
    RenameSyntax { spec: String },
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
    /// record (from [`Chunker::next_chunk`]) is [`InputError::RecordTooLong`].
    pub fn reading(file: &str, source: io::Error) -> InputError {
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
}

impl Default for ReadOptions {
    fn default() -> Self {
        ReadOptions {
            delimiter: None,
            renames: Vec::new(),
            max_field_bytes: DEFAULT_MAX_FIELD_BYTES,
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
pub fn from_reader(
    name: String,
    mut raw: Box<dyn Read + Send>,
    options: &ReadOptions,
) -> Result<Source, InputError> {
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

/// Where each policy input is found in the file's columns.
#[derive(Debug, Clone)]
pub struct Layout {
    /// For input `i`, the column index, or `None` when the file lacks it (defaults apply).
    pub columns: Vec<Option<usize>>,
    /// Number of fields every row must have.
    pub field_count: usize,
    /// Inputs missing from the file (all optional: a missing required input is an error).
    pub defaulted: Vec<String>,
    /// File columns that no input uses.
    pub unused: Vec<String>,
    /// A cell longer than this is rejected (`field_too_long`).
    pub max_field_bytes: usize,
}

/// Default for `--max-field-bytes`: far above any real survey answer, small
/// enough that a runaway cell cannot exhaust memory.
pub const DEFAULT_MAX_FIELD_BYTES: usize = 1 << 20;

/// How long one record may grow while no record boundary is found (an
/// unclosed quote swallowing the rest of a file), for a given field limit.
pub fn max_record_bytes(max_field_bytes: usize) -> usize {
    max_field_bytes.saturating_mul(16).max(1 << 20)
}

impl Layout {
    /// Match header names to inputs: case-insensitive after trimming, after `--rename`.
    pub fn new(
        policy: &Policy,
        input: &Source,
        options: &ReadOptions,
    ) -> Result<Layout, InputError> {
        // (FROM as typed, TO) by FROM in lower case.
        let mut renames: HashMap<String, (&str, &str)> = HashMap::new();
        for (from, to) in &options.renames {
            if policy.input(to).is_none() {
                let names: Vec<&str> = policy.inputs.iter().map(|i| i.name.as_str()).collect();
                let suggestion =
                    crate::expr::suggest(to, names.iter().copied()).map(str::to_string);
                return Err(InputError::Rename {
                    from: from.clone(),
                    to: to.clone(),
                    problem: Box::new(RenameProblem::NoSuchInput { suggestion }),
                });
            }
            renames.insert(from.to_lowercase(), (from.as_str(), to.as_str()));
        }
        let mut by_name: HashMap<String, usize> = HashMap::new();
        for (i, h) in input.header.iter().enumerate() {
            let key = h.to_lowercase();
            let key = renames.get(&key).map_or(key, |(_, to)| to.to_lowercase());
            if let Some(&first) = by_name.get(&key) {
                return Err(duplicate_column(input, &renames, first, i));
            }
            by_name.insert(key, i);
        }
        let mut columns = Vec::with_capacity(policy.inputs.len());
        let mut defaulted = Vec::new();
        let mut used = vec![false; input.header.len()];
        for inp in &policy.inputs {
            match by_name.get(&inp.name.to_lowercase()) {
                Some(&c) => {
                    used[c] = true;
                    columns.push(Some(c));
                }
                None if inp.required => return Err(missing_column(&inp.name, input)),
                None => {
                    defaulted.push(inp.name.clone());
                    columns.push(None);
                }
            }
        }
        let unused = input
            .header
            .iter()
            .zip(&used)
            .filter(|(_, u)| !**u)
            .map(|(h, _)| h.clone())
            .collect();
        Ok(Layout {
            columns,
            field_count: input.header.len(),
            defaulted,
            unused,
            max_field_bytes: options.max_field_bytes,
        })
    }
}

/// The error for header columns `first` and `second` that map to one input.
fn duplicate_column(
    input: &Source,
    renames: &HashMap<String, (&str, &str)>,
    first: usize,
    second: usize,
) -> InputError {
    let name = |c: usize| excerpt(input.header[c].as_bytes(), 60);
    let renamed = |c: usize| renames.get(&input.header[c].to_lowercase()).copied();
    // Blame the rename that made the clash (the later column's, if both are renamed).
    let Some((from, to)) = renamed(second).or_else(|| renamed(first)) else {
        return InputError::DuplicateColumn {
            file: input.name.clone(),
            line: input.header_line,
            column: name(second),
            first: first + 1,
            second: second + 1,
        };
    };
    let clashing = |c: usize| ClashingColumn {
        name: name(c),
        column: c + 1,
        renamed_by: renamed(c).map(|(f, t)| (f.to_string(), t.to_string())),
    };
    InputError::Rename {
        from: from.to_string(),
        to: to.to_string(),
        problem: Box::new(RenameProblem::Clash {
            first: clashing(first),
            second: clashing(second),
        }),
    }
}

/// The error for a required input `column` that the header of `input` lacks.
fn missing_column(column: &str, input: &Source) -> InputError {
    let suggestion = match input.delimiter_hint {
        Some(_) => None,
        None => suggest_column(column, &input.header).map(|s| excerpt(s.as_bytes(), 60)),
    };
    InputError::MissingColumn {
        file: input.name.clone(),
        column: column.to_string(),
        found: list_names(&input.header),
        suggestion,
        delimiter_hint: input.delimiter_hint,
    }
}

/// The header name nearest to `column`, as [`crate::expr::suggest`] finds it,
/// skipping names too long to be near (so that a header of a million names,
/// or of one huge name, costs no more than reading it).
fn suggest_column<'h>(column: &str, header: &'h [String]) -> Option<&'h str> {
    // `suggest` accepts at most len/3 edits, and a character has at most 4 bytes.
    let longest = 4 * (column.chars().count() + column.chars().count() / 3 + 1);
    crate::expr::suggest(
        column,
        header
            .iter()
            .map(String::as_str)
            .filter(|h| h.len() <= longest),
    )
}

/// Parses rows into slots for one policy and layout. Cheap to share across threads.
#[derive(Debug, Clone)]
pub struct RowParser<'p> {
    policy: &'p Policy,
    layout: &'p Layout,
    /// What to do with each input's cell, in input order: the policy's
    /// inputs and the layout boiled down to what the row loop needs.
    plan: Vec<CellPlan>,
    /// Matchers for the policy's enums, by enum id.
    enums: Vec<cell::EnumKeys>,
    /// The inputs grouped by kind, for [`RowParser::parse_by_kind`].
    by_kind: ByKind,
}

/// Input indices by kind of cell.
#[derive(Debug, Clone, Default)]
struct ByKind {
    text: Vec<usize>,
    integer: Vec<usize>,
    number: Vec<usize>,
    boolean: Vec<usize>,
    /// (input, enum id)
    enums: Vec<(usize, usize)>,
}

/// How one input is read from a row.
#[derive(Debug, Clone, Copy)]
struct CellPlan {
    column: Option<usize>,
    kind: CellKind,
    required: bool,
    default: f64,
    /// The allowed range (infinite when the policy sets no bound).
    min: f64,
    max: f64,
}

#[derive(Debug, Clone, Copy)]
enum CellKind {
    Text,
    Integer,
    Number,
    Bool,
    Enum(usize),
}

impl<'p> RowParser<'p> {
    pub fn new(policy: &'p Policy, layout: &'p Layout) -> RowParser<'p> {
        let plan: Vec<CellPlan> = policy
            .inputs
            .iter()
            .zip(&layout.columns)
            .map(|(inp, &column)| CellPlan {
                column,
                kind: match inp.ty {
                    InputType::Id | InputType::Text => CellKind::Text,
                    InputType::Integer => CellKind::Integer,
                    InputType::Number | InputType::Money => CellKind::Number,
                    InputType::Bool => CellKind::Bool,
                    InputType::Enum(e) => CellKind::Enum(usize::from(e)),
                },
                required: inp.required,
                default: inp.default,
                min: inp.min.unwrap_or(f64::NEG_INFINITY),
                max: inp.max.unwrap_or(f64::INFINITY),
            })
            .collect();
        let enums = policy
            .enums
            .iter()
            .map(|e| cell::EnumKeys::new(&e.values))
            .collect();
        let mut by_kind = ByKind::default();
        for (i, p) in plan.iter().enumerate() {
            match p.kind {
                CellKind::Text => by_kind.text.push(i),
                CellKind::Integer => by_kind.integer.push(i),
                CellKind::Number => by_kind.number.push(i),
                CellKind::Bool => by_kind.boolean.push(i),
                CellKind::Enum(e) => by_kind.enums.push((i, e)),
            }
        }
        RowParser {
            policy,
            layout,
            plan,
            enums,
            by_kind,
        }
    }

    pub fn layout(&self) -> &Layout {
        self.layout
    }

    /// The policy input read from file column `c`, or the column's position.
    fn column_name(&self, c: usize) -> String {
        self.layout
            .columns
            .iter()
            .position(|&col| col == Some(c))
            .map_or_else(
                || format!("column {}", c + 1),
                |i| self.policy.inputs[i].name.clone(),
            )
    }

    /// The raw id cell of a row (trimmed), when the row has the id column.
    pub fn id_cell<'r, R: Fields + ?Sized>(&self, record: &'r R) -> Option<&'r [u8]> {
        let col = self.layout.columns[self.policy.fields.id_input]?;
        record.get(col).map(cell::trim)
    }

    /// The trimmed text of a text input (its default when the column is missing).
    pub fn text<'r, R: Fields + ?Sized>(&'r self, record: &'r R, input: usize) -> &'r [u8] {
        match self.layout.columns[input].and_then(|c| record.get(c)) {
            Some(cell) => {
                let t = cell::trim(cell);
                if t.is_empty() {
                    self.policy.inputs[input].default_text.as_bytes()
                } else {
                    t
                }
            }
            None => self.policy.inputs[input].default_text.as_bytes(),
        }
    }

    /// The fingerprint by which the row claims its id, or `None` when it
    /// claims nothing (wrong number of fields, or an empty id).
    pub fn id_fingerprint<R: Fields + ?Sized>(&self, record: &R) -> Option<u128> {
        if record.len() != self.layout.field_count {
            return None;
        }
        match self.id_cell(record) {
            Some(id) if !id.is_empty() => Some(fingerprint(id)),
            _ => None,
        }
    }

    /// The reject for a row whose id `id` was claimed on line `first`.
    pub fn duplicate_reject(&self, line: u64, id: &[u8], first: u64) -> Reject {
        Reject {
            line,
            household_id: lossy(id),
            column: self.policy.inputs[self.policy.fields.id_input].name.clone(),
            value: lossy(id),
            code: RejectCode::DuplicateId,
            message: format!(
                "`{}` already appeared on line {first}",
                excerpt(id, CELL_EXCERPT_BYTES)
            ),
        }
    }

    /// True when `reject` happened at an input declared before the id input,
    /// so it takes precedence over a duplicate id.
    pub fn failed_before_id(&self, reject: &Reject) -> bool {
        if reject.code == RejectCode::FieldCount {
            return true;
        }
        let id = self.policy.fields.id_input;
        self.policy.inputs[..id]
            .iter()
            .any(|i| i.name == reject.column)
    }

    /// Parse every input of `record` into `slots` and run the row checks.
    pub fn parse<R: Fields + ?Sized>(
        &self,
        record: &R,
        line: u64,
        slots: &mut [f64],
    ) -> Result<(), Box<Reject>> {
        if record.len() != self.layout.field_count {
            return Err(self.reject(
                record,
                line,
                String::new(),
                String::new(),
                RejectCode::FieldCount,
                format!(
                    "the row has {} {} but the header has {}",
                    record.len(),
                    if record.len() == 1 { "field" } else { "fields" },
                    self.layout.field_count
                ),
            ));
        }
        if record.byte_len() > self.layout.max_field_bytes {
            // Rare: find the first cell over the limit.
            if let Some((c, cell)) = (0..record.len())
                .filter_map(|c| Some((c, record.get(c)?)))
                .find(|(_, f)| f.len() > self.layout.max_field_bytes)
            {
                return Err(self.reject(
                    record,
                    line,
                    self.column_name(c),
                    excerpt(cell, 40),
                    RejectCode::FieldTooLong,
                    format!(
                        "a cell of {} bytes is longer than the limit of {} bytes (--max-field-bytes)",
                        cell.len(),
                        self.layout.max_field_bytes
                    ),
                ));
            }
        }
        if !self.parse_by_kind(record, slots) {
            // Something is wrong with the row: find the first input, in
            // declared order, that fails, for the reject.
            for (i, (plan, slot)) in self.plan.iter().zip(slots.iter_mut()).enumerate() {
                let raw = self.raw_cell(record, plan);
                match self.cell_value(plan, raw) {
                    Ok(v) => *slot = v,
                    Err(problem) => return Err(self.cell_reject(record, line, i, raw, problem)),
                }
            }
        }
        for check in &self.policy.checks {
            // An undefined check (NaN) fails too: a row is never let through unchecked.
            let v = check.rule.eval(slots);
            if v == 0.0 || v.is_nan() {
                let values: Vec<String> = check
                    .rule
                    .slots_used()
                    .iter()
                    .map(|&s| {
                        format!(
                            "{} = {}",
                            self.policy.slot_name(s),
                            self.policy.format_input_value(s, slots[s])
                        )
                    })
                    .collect();
                return Err(self.reject(
                    record,
                    line,
                    check.id.clone(),
                    values.join(", "),
                    RejectCode::CheckFailed,
                    format!("{} ({})", check.message, values.join(", ")),
                ));
            }
        }
        Ok(())
    }

    /// Every bad cell of a row that [`RowParser::parse`] rejected for one,
    /// in declared input order, after that first one (`layak validate`, which
    /// shows all of a row's problems so that a survey is fixed in one round).
    /// Nothing is added for a row rejected as a whole (field count, a cell
    /// over the size limit, a failed check).
    pub fn more_bad_cells<R: Fields + ?Sized>(
        &self,
        record: &R,
        line: u64,
        first: &Reject,
        out: &mut Vec<Reject>,
    ) {
        let per_cell = matches!(
            first.code,
            RejectCode::MissingRequired | RejectCode::InvalidValue | RejectCode::OutOfRange
        );
        if !per_cell || record.len() != self.layout.field_count {
            return;
        }
        let Some(after) = self
            .policy
            .inputs
            .iter()
            .position(|i| i.name == first.column)
        else {
            return;
        };
        for (i, plan) in self.plan.iter().enumerate().skip(after + 1) {
            let raw = self.raw_cell(record, plan);
            if let Err(problem) = self.cell_value(plan, raw) {
                out.push(*self.cell_reject(record, line, i, raw, problem));
            }
        }
    }

    /// One cell's value (its default when empty), or what is wrong with it
    /// as [`RowParser::cell_reject`] takes it (`None`: empty but required).
    #[allow(clippy::type_complexity)]
    fn cell_value(
        &self,
        plan: &CellPlan,
        raw: &[u8],
    ) -> Result<f64, Option<Result<f64, cell::CellError>>> {
        if raw.is_empty() {
            return if plan.required {
                Err(None)
            } else {
                Ok(plan.default)
            };
        }
        let parsed = match plan.kind {
            CellKind::Text => cell::check_text(raw),
            CellKind::Integer => cell::parse_integer(raw),
            CellKind::Number => cell::parse_number(raw),
            CellKind::Bool => cell::parse_bool(raw),
            CellKind::Enum(e) => self.find_enum(e, raw),
        };
        match parsed {
            Ok(v) if v >= plan.min && v <= plan.max && v.is_finite() => Ok(v),
            other => Err(Some(other)),
        }
    }

    #[inline(always)]
    fn raw_cell<'r, R: Fields + ?Sized>(&self, record: &'r R, plan: &CellPlan) -> &'r [u8] {
        match plan.column {
            Some(c) => record.get(c).map_or(&b""[..], cell::trim),
            None => &b""[..],
        }
    }

    #[inline]
    fn find_enum(&self, e: usize, raw: &[u8]) -> Result<f64, cell::CellError> {
        match self.enums.get(e) {
            Some(keys) => keys.find(raw),
            None => Err(cell::CellError::NotEnum),
        }
    }

    /// Fill the slots of every input, one kind at a time (a loop per parser
    /// instead of a jump on each cell's kind); false at the first cell that
    /// is missing, invalid or out of range, whose reject the caller then finds.
    #[inline]
    fn parse_by_kind<R: Fields + ?Sized>(&self, record: &R, slots: &mut [f64]) -> bool {
        let k = &self.by_kind;
        self.fill(record, slots, &k.text, cell::check_text)
            && self.fill(record, slots, &k.integer, cell::parse_integer)
            && self.fill(record, slots, &k.number, cell::parse_number)
            && self.fill(record, slots, &k.boolean, cell::parse_bool)
            && k.enums
                .iter()
                .all(|&(i, e)| self.fill_one(record, slots, i, |raw| self.find_enum(e, raw)))
    }

    #[inline(always)]
    fn fill<R: Fields + ?Sized>(
        &self,
        record: &R,
        slots: &mut [f64],
        inputs: &[usize],
        parse: impl Fn(&[u8]) -> Result<f64, cell::CellError> + Copy,
    ) -> bool {
        inputs
            .iter()
            .all(|&i| self.fill_one(record, slots, i, parse))
    }

    #[inline(always)]
    fn fill_one<R: Fields + ?Sized>(
        &self,
        record: &R,
        slots: &mut [f64],
        i: usize,
        parse: impl Fn(&[u8]) -> Result<f64, cell::CellError>,
    ) -> bool {
        let (Some(plan), Some(slot)) = (self.plan.get(i), slots.get_mut(i)) else {
            return false;
        };
        let raw = self.raw_cell(record, plan);
        if raw.is_empty() {
            *slot = plan.default;
            return !plan.required;
        }
        match parse(raw) {
            Ok(v) if v >= plan.min && v <= plan.max && v.is_finite() => {
                *slot = v;
                true
            }
            _ => false,
        }
    }

    /// The reject for input `i`'s cell `raw`: empty (`parsed` is `None`), not
    /// a valid value, not finite, or out of range.
    #[cold]
    fn cell_reject<R: Fields + ?Sized>(
        &self,
        record: &R,
        line: u64,
        i: usize,
        raw: &[u8],
        parsed: Option<Result<f64, cell::CellError>>,
    ) -> Box<Reject> {
        let inp = &self.policy.inputs[i];
        let (value, code, message) = match parsed {
            None => (
                String::new(),
                RejectCode::MissingRequired,
                format!("`{}` is required but the cell is empty", inp.name),
            ),
            Some(Err(err)) => (lossy(raw), err.code(), self.invalid_message(i, raw, err)),
            Some(Ok(v)) if !v.is_finite() => (
                lossy(raw),
                RejectCode::OutOfRange,
                format!("`{}` is too large", excerpt(raw, CELL_EXCERPT_BYTES)),
            ),
            Some(Ok(v)) => (
                lossy(raw),
                RejectCode::OutOfRange,
                range_message(raw, inp.min, inp.max, v),
            ),
        };
        self.reject(record, line, inp.name.clone(), value, code, message)
    }

    fn invalid_message(&self, input: usize, raw: &[u8], err: cell::CellError) -> String {
        let v = excerpt(raw, CELL_EXCERPT_BYTES);
        match err {
            cell::CellError::NotInteger => {
                format!("`{v}` is not a whole number: expected ASCII digits only, e.g. 3")
            }
            cell::CellError::NotNumber => format!(
                "`{v}` is not a number: expected digits with an optional `.` and fraction, e.g. 1500000.50 (no thousands separators, signs or exponents)"
            ),
            cell::CellError::NotBool => format!(
                "`{v}` is not a yes/no value: expected true/false, yes/no, y/n, 1/0 or ya/tidak"
            ),
            cell::CellError::NotEnum => {
                let values = match self.policy.inputs[input].ty {
                    InputType::Enum(e) => list_names(&self.policy.enums[usize::from(e)].values),
                    _ => String::new(),
                };
                let hint = match self.policy.inputs[input].ty {
                    // A long cell is no typo of a value (and comparing it costs its length
                    // times each value's).
                    InputType::Enum(e) if raw.len() <= CELL_EXCERPT_BYTES => crate::expr::suggest(
                        &lossy(raw).to_lowercase(),
                        self.policy.enums[usize::from(e)]
                            .values
                            .iter()
                            .map(String::as_str),
                    )
                    .map(|s| format!(" (did you mean `{}`?)", excerpt(s.as_bytes(), 60)))
                    .unwrap_or_default(),
                    _ => String::new(),
                };
                format!("`{v}` is not an allowed value: expected one of {values}{hint}")
            }
            cell::CellError::NotUtf8 => format!("`{v}` is not valid UTF-8 text"),
            cell::CellError::Control => {
                format!("`{v}` holds a control character (such as NUL): expected printable text")
            }
        }
    }

    fn reject<R: Fields + ?Sized>(
        &self,
        record: &R,
        line: u64,
        column: String,
        value: String,
        code: RejectCode,
        message: String,
    ) -> Box<Reject> {
        Box::new(Reject {
            line,
            household_id: self.id_cell(record).map(lossy).unwrap_or_default(),
            column,
            value,
            code,
            message,
        })
    }
}

fn lossy(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

fn range_message(raw: &[u8], min: Option<f64>, max: Option<f64>, v: f64) -> String {
    let raw = excerpt(raw, CELL_EXCERPT_BYTES);
    match (min, max) {
        (Some(lo), _) if v < lo => format!("`{raw}` is out of range: must be ≥ {lo}"),
        (_, Some(hi)) => format!("`{raw}` is out of range: must be ≤ {hi}"),
        _ => format!("`{raw}` is out of range"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every error a front end may show, one of each kind and shape.
    fn every_error_kind() -> Vec<InputError> {
        let file = || "in.csv".to_string();
        let clashing = |renamed_by: Option<(&str, &str)>| ClashingColumn {
            name: "size".into(),
            column: 2,
            renamed_by: renamed_by.map(|(f, t)| (f.to_string(), t.to_string())),
        };
        let missing = |suggestion: Option<&str>, delimiter_hint| InputError::MissingColumn {
            file: file(),
            column: "members".into(),
            found: "`a`, `b`".into(),
            suggestion: suggestion.map(str::to_string),
            delimiter_hint,
        };
        vec![
            InputError::Io {
                file: file(),
                source: io::Error::other("gone"),
            },
            InputError::reading(
                "in.csv",
                io::Error::new(
                    io::ErrorKind::InvalidData,
                    RecordTooLong {
                        line: 3,
                        limit: 1 << 20,
                    },
                ),
            ),
            InputError::Empty { file: file() },
            InputError::Csv {
                file: file(),
                line: 2,
                message: "bad".into(),
            },
            header::recognise_binary(b"\x1F\x8B\x08\x00")
                .expect("gzip")
                .error("in.csv"),
            header::recognise_binary(b"\x1F\x8B\x08\x00")
                .expect("gzip")
                .error("<stdin>"),
            InputError::Utf16 { file: file() },
            InputError::HeaderTooLong {
                file: file(),
                line: 1,
                limit: 1 << 20,
            },
            InputError::RecordTooLong {
                file: file(),
                line: 9,
                limit: 1 << 20,
            },
            InputError::HeaderUnclosedQuote {
                file: file(),
                line: 1,
                column: 2,
                start: "\"abc".into(),
            },
            missing(None, None),
            missing(Some("membres"), None),
            missing(None, Some(b';')),
            missing(None, Some(b'\t')),
            InputError::DuplicateColumn {
                file: file(),
                line: 1,
                column: "a".into(),
                first: 1,
                second: 2,
            },
            InputError::RenameSyntax { spec: "x".into() },
            InputError::Rename {
                from: "hh".into(),
                to: "membres".into(),
                problem: Box::new(RenameProblem::NoSuchInput {
                    suggestion: Some("members".into()),
                }),
            },
            InputError::Rename {
                from: "persons".into(),
                to: "members".into(),
                problem: Box::new(RenameProblem::Clash {
                    first: clashing(Some(("size", "members"))),
                    second: clashing(Some(("persons", "members"))),
                }),
            },
            InputError::Rename {
                from: "persons".into(),
                to: "members".into(),
                problem: Box::new(RenameProblem::Clash {
                    first: clashing(None),
                    second: clashing(Some(("persons", "members"))),
                }),
            },
        ]
    }

    // Library errors serve any front end: the command line adds its flags
    // when it shows them (see: issue 13).
    #[test]
    fn no_input_error_names_a_command_line_flag() {
        for e in every_error_kind() {
            let text = e.to_string();
            assert!(!text.contains("--"), "{e:?} names a flag: {text}");
            assert!(
                !text.contains("layak assess"),
                "{e:?} names a command: {text}"
            );
        }
        let too_long = RecordTooLong { line: 1, limit: 10 }.to_string();
        assert!(!too_long.contains("--"), "{too_long}");
    }

    #[test]
    fn a_failed_read_of_a_runaway_record_is_record_too_long() {
        let source = io::Error::new(
            io::ErrorKind::InvalidData,
            RecordTooLong { line: 7, limit: 5 },
        );
        assert!(matches!(
            InputError::reading("f", source),
            InputError::RecordTooLong {
                line: 7,
                limit: 5,
                ..
            }
        ));
        assert!(matches!(
            InputError::reading("f", io::Error::other("x")),
            InputError::Io { .. }
        ));
    }

    #[test]
    fn detects_delimiters() {
        assert_eq!(detect_delimiter(b"a,b,c\n"), b',');
        assert_eq!(detect_delimiter(b"a;b;c\n"), b';');
        assert_eq!(detect_delimiter(b"a\tb\tc\n"), b'\t');
        assert_eq!(detect_delimiter(b"a|b|c\n"), b'|');
        assert_eq!(detect_delimiter(b"\"a;x\",b,c\n"), b',');
        assert_eq!(detect_delimiter(b"single\n"), b',');
    }

    #[test]
    fn rename_needs_both_sides() {
        assert!(parse_rename("a=").is_err());
        assert!(parse_rename("=b").is_err());
        assert!(parse_rename("ab").is_err());
    }

    use crate::policy::{DEFAULT_POLICY_TOML, LoadOptions};

    fn default_policy() -> Policy {
        Policy::default_policy(&LoadOptions::default()).unwrap()
    }

    fn options(delimiter: Option<u8>, renames: &[(&str, &str)]) -> ReadOptions {
        ReadOptions {
            delimiter,
            renames: renames
                .iter()
                .map(|(f, t)| (f.to_string(), t.to_string()))
                .collect(),
            ..ReadOptions::default()
        }
    }

    fn source(text: impl Into<Vec<u8>>, options: &ReadOptions) -> Source {
        from_reader(
            "in.csv".into(),
            Box::new(io::Cursor::new(text.into())),
            options,
        )
        .unwrap()
    }

    /// The layout of `text`'s header for the default policy, or the error's message.
    fn layout(text: impl Into<Vec<u8>>, options: &ReadOptions) -> Result<Layout, String> {
        let source = source(text, options);
        Layout::new(&default_policy(), &source, options).map_err(|e| e.to_string())
    }

    #[test]
    fn excerpts_are_short_and_show_what_is_invisible() {
        assert_eq!(excerpt(b"", 10), "");
        assert_eq!(excerpt(b"members", 7), "members");
        assert_eq!(excerpt(b"members", 6), "member…");
        let long = excerpt("é".repeat(1 << 20).as_bytes(), 200);
        assert_eq!(long, format!("{}…", "é".repeat(100)));
        assert_eq!(
            excerpt(b"\x1b[2J\0a\r\nb\tc\x7f", 100),
            "\\u{1b}[2J\\0a\\r\\nb\\tc\\u{7f}"
        );
        assert_eq!(
            excerpt("\u{feff}x\u{200b}\u{202e}y".as_bytes(), 100),
            "\\u{feff}x\\u{200b}\\u{202e}y"
        );
        assert_eq!(excerpt(b"a\xff\xfeb", 100), "a\\xff\\xfeb");
        // However long or strange the input, the excerpt stays near its limit.
        for input in [
            vec![0u8; 1 << 20],
            vec![0xFF; 1 << 20],
            "\u{feff}".repeat(1 << 18).into_bytes(),
        ] {
            let e = excerpt(&input, MESSAGE_EXCERPT_BYTES);
            assert!(e.len() <= MESSAGE_EXCERPT_BYTES + 16, "{} bytes", e.len());
            assert!(e.ends_with('…'));
        }
    }

    #[test]
    fn name_lists_stop_after_twenty_names_or_a_few_hundred_bytes() {
        let names: Vec<String> = (0..1_000_001).map(|i| format!("c{i}")).collect();
        let list = list_names(&names);
        assert!(list.starts_with("c0, c1, c2, "), "{list}");
        assert!(list.ends_with(", c19, … and 999,981 more"), "{list}");
        let long: Vec<String> = (0..100)
            .map(|i| format!("{i}{}", "x".repeat(1000)))
            .collect();
        let list = list_names(&long);
        assert!(
            list.len() < 3 * MESSAGE_EXCERPT_BYTES,
            "{} bytes: {list}",
            list.len()
        );
        assert!(list.ends_with("more"), "{list}");
    }

    #[test]
    fn a_byte_order_mark_before_a_later_name_is_ignored() {
        let layout = layout(
            "household_id,\u{feff}members,area,monthly_income\nA,2,rural,100\n",
            &options(None, &[]),
        )
        .unwrap();
        let members = default_policy()
            .inputs
            .iter()
            .position(|i| i.name == "members")
            .unwrap();
        assert_eq!(layout.columns[members], Some(1));
        // A misspelt name after a mark is suggested without the mark.
        let err = layout_err("household_id,\u{feff}membres,area,monthly_income\n");
        assert!(err.contains("did you mean `membres`?"), "{err}");
        assert!(!err.contains('\u{feff}'), "{err:?}");
    }

    fn layout_err(text: &str) -> String {
        layout(text, &options(None, &[])).expect_err("an error")
    }

    #[test]
    fn a_rename_onto_a_column_the_file_has_says_which_two_clash() {
        let text = "household_id,region,members,monthly_income\n";
        let err =
            layout(text, &options(None, &[("region", "household_id")])).expect_err("an error");
        assert_eq!(
            err,
            "rename region=household_id: two columns would both be input `household_id`: the file's own `household_id` (column 1) and `region` (column 2, renamed); keep one: drop this rename, or rename or remove the other column in the file"
        );
        let err = layout(
            "hh,size,persons,monthly_income\n",
            &options(
                None,
                &[
                    ("hh", "household_id"),
                    ("size", "members"),
                    ("persons", "members"),
                ],
            ),
        )
        .expect_err("an error");
        assert!(
            err.starts_with("rename persons=members: two columns would both be input `members`: `size` (column 2, renamed by size=members) and `persons` (column 3, renamed)"),
            "{err}"
        );
        // Without a rename, a repeated name is the file's own duplicate.
        let err = layout_err("household_id,members,Members,monthly_income\n");
        assert!(
            err.contains("column `Members` appears twice in the header (columns 2 and 3)"),
            "{err}"
        );
    }

    #[test]
    fn a_wrong_delimiter_is_named() {
        let text = "household_id,area,members,monthly_income\nA,rural,2,100\n";
        let err = layout(text, &options(Some(b';'), &[])).expect_err("an error");
        assert!(
            err.contains("required column `household_id` is missing"),
            "{err}"
        );
        assert!(
            err.ends_with("\n  the header has one column; is the delimiter `,`?"),
            "{err}"
        );
        let err = layout(text.replace(',', ";"), &options(Some(b','), &[])).expect_err("an error");
        assert!(err.ends_with("is the delimiter `;`?"), "{err}");
        let err = layout(text.replace(',', "\t"), &options(Some(b'|'), &[])).expect_err("an error");
        assert!(err.ends_with("is the delimiter a tab?"), "{err}");
    }

    #[test]
    fn a_million_column_header_is_listed_in_a_few_hundred_bytes() {
        let mut text = String::from("household_id,area,monthly_income");
        for i in 0..1_000_000 {
            text.push_str(&format!(",c{i}"));
        }
        text.push('\n');
        let err = layout_err(&text);
        assert!(err.len() < 700, "{} bytes: {err}", err.len());
        assert!(
            err.contains("required column `members` is missing"),
            "{err}"
        );
        assert!(err.contains(", c16, … and 999,983 more"), "{err}");
    }

    #[test]
    fn header_errors_quote_long_names_cut_short() {
        let name = "x".repeat(1 << 20);
        let err = layout_err(&format!(
            "household_id,{name},{name},members,monthly_income\n"
        ));
        assert!(err.len() < 300, "{} bytes: {err:.300}", err.len());
        assert!(
            err.contains("appears twice in the header (columns 2 and 3)"),
            "{err}"
        );
        let err = layout_err(&format!("household_id,area,{name},monthly_income\n"));
        assert!(err.len() < 700, "{} bytes: {err:.700}", err.len());
    }

    #[test]
    fn reject_messages_quote_cells_cut_short_and_escaped() {
        let policy = default_policy();
        let options = options(None, &[]);
        let src = source(&b"household_id,area,members,monthly_income\n"[..], &options);
        let layout = Layout::new(&policy, &src, &options).unwrap();
        let parser = RowParser::new(&policy, &layout);
        let mut slots = vec![0.0; policy.slot_count];
        let long = "9".repeat(500_000);
        let zeros_then_51 = format!("{}51", "0".repeat(500_000));
        let cases: [(&[&str], RejectCode, &str); 5] = [
            (
                &["A", "rural", &zeros_then_51, "1"],
                RejectCode::OutOfRange,
                "0000…` is out of range: must be ≤ 50",
            ),
            (
                &["A", "rural", "2", &format!("{long}x")],
                RejectCode::InvalidValue,
                "is not a number",
            ),
            (
                &["A", "rural", &long, "1"],
                RejectCode::OutOfRange,
                "9999…` is too large",
            ),
            (
                &["A", "\x1b[2Jrural", "2", "1"],
                RejectCode::InvalidValue,
                "`\\u{1b}[2Jrural` is not an allowed value",
            ),
            (
                &["A", &"u".repeat(500_000), "2", "1"],
                RejectCode::InvalidValue,
                "is not an allowed value",
            ),
        ];
        for (cells, code, says) in cases {
            let record = csv::ByteRecord::from(cells.to_vec());
            let reject = parser.parse(&record, 7, &mut slots).expect_err("a reject");
            assert_eq!(reject.code, code, "{reject}");
            assert!(reject.message.contains(says), "{}", reject.message);
            assert!(reject.message.len() < 400, "{} bytes", reject.message.len());
            assert!(!reject.message.contains('\x1b'), "{:?}", reject.message);
        }
        let id = vec![b'I'; 500_000];
        let reject = parser.duplicate_reject(9, &id, 3);
        assert!(reject.message.len() < 200, "{} bytes", reject.message.len());
        assert!(
            reject.to_string().len() < 400,
            "{} bytes",
            reject.to_string().len()
        );
    }

    #[test]
    fn a_long_list_of_allowed_values_is_cut_short() {
        let values: Vec<String> = (0..10_000).map(|i| format!("\"v{i}\"")).collect();
        let toml = DEFAULT_POLICY_TOML.replacen(
            "values = [\"urban\", \"rural\"]",
            &format!("values = [\"urban\", \"rural\", {}]", values.join(", ")),
            1,
        );
        let policy = Policy::load("big.toml", &toml, &LoadOptions::default()).unwrap();
        let options = options(None, &[]);
        let src = source(&b"household_id,area,members,monthly_income\n"[..], &options);
        let layout = Layout::new(&policy, &src, &options).unwrap();
        let parser = RowParser::new(&policy, &layout);
        let mut slots = vec![0.0; policy.slot_count];
        let record = csv::ByteRecord::from(vec!["A", "urbn", "2", "1"]);
        let reject = parser.parse(&record, 2, &mut slots).expect_err("a reject");
        assert!(
            reject.message.len() < 500,
            "{} bytes: {}",
            reject.message.len(),
            reject.message
        );
        assert!(
            reject.message.contains("urban, rural, v0, "),
            "{}",
            reject.message
        );
        assert!(
            reject
                .message
                .contains("… and 9,982 more (did you mean `urban`?)"),
            "{}",
            reject.message
        );
    }
}
