//! Spreadsheets read as household files: Excel (`.xlsx`, `.xlsm`, `.xlsb`,
//! `.xls`) and OpenDocument (`.ods`) workbooks, through `calamine`.
//!
//! `input::decode` tells a workbook by its content (a ZIP holding `xl/…`
//! or an OpenDocument `mimetype`, an OLE compound file) and hands it here.
//! calamine needs to seek, so the file (or standard input) is read into
//! memory first: a workbook is compressed, a tenth or so of its CSV's size.
//! The sheet ([`ReadOptions::sheet`]: a name, or a number counted from 1 in
//! the workbook's order; default the first) is read on a thread of its own.
//! Excel sheets (`.xlsx`, `.xlsb`) are streamed cell by cell; calamine reads
//! an `.ods` or `.xls` sheet whole (about 32 bytes a cell plus the text).
//!
//! The first row with a value is the header; the table's columns run from
//! its first to its last named cell. Every later row with a value is a
//! record whose line is its row number as the spreadsheet shows it (a line
//! break inside a cell changes nothing). Cells become text as the row
//! parser reads CSV cells (`render`), and each remembers its type, so that
//! [`SheetCheck`] can reject what text would hide: a formula error, a date
//! where a number is expected, a number where a label is expected.

use std::io::{Cursor, Read, Seek};
use std::sync::mpsc::{Receiver, SyncSender, sync_channel};

use calamine::{CellErrorType, Data, DataRef, ExcelDateTime, Ods, Reader, Xls, Xlsb, Xlsx};

use super::decode::{Binary, ZipKind};
use super::{Fields, InputError, Layout, ReadOptions, Reject, RejectCode, RowParser, Source};
use crate::policy::{InputType, Policy};

/// Rows handed over at a time (fewer when they hold [`BLOCK_BYTES`]).
const BLOCK_ROWS: usize = 1024;

/// Bytes of cell text handed over at a time, at most (roughly).
const BLOCK_BYTES: usize = 1 << 18;

/// Blocks that may wait for the reader (bounds memory).
const QUEUED_BLOCKS: usize = 4;

/// What a workbook is, for messages.
const XLSX: &str = "an Excel workbook (.xlsx)";
const XLSB: &str = "an Excel binary workbook (.xlsb)";
const XLS: &str = "an Excel 97-2003 workbook (.xls)";
const ODS: &str = "an OpenDocument spreadsheet (.ods)";

/// The kind of cell a field came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CellType {
    Empty,
    Text,
    Number,
    Bool,
    /// A date, a time or a duration.
    Date,
    /// A formula error, by its name (`#DIV/0!`; empty: an OpenDocument
    /// formula whose value is an error or empty text, which calamine does
    /// not tell apart).
    Error(&'static str),
}

/// One row of a sheet: each cell's text, as the row parser reads it, and type.
#[derive(Debug, Clone, Default)]
pub struct SheetRow {
    /// The row's number in the sheet (the header's is usually 1).
    pub line: u64,
    text: Vec<u8>,
    /// End of each cell's text in `text`.
    ends: Vec<usize>,
    types: Vec<CellType>,
}

impl SheetRow {
    fn clear(&mut self, line: u64) {
        self.line = line;
        self.text.clear();
        self.ends.clear();
        self.types.clear();
    }

    fn push(&mut self, text: &[u8], ty: CellType) {
        self.text.extend_from_slice(text);
        self.ends.push(self.text.len());
        self.types.push(ty);
    }

    /// The type of cell `i`.
    pub fn cell_type(&self, i: usize) -> Option<CellType> {
        self.types.get(i).copied()
    }

    /// The row as a CSV record (for readers that take one).
    pub fn to_record(&self, record: &mut csv::ByteRecord) {
        record.clear();
        for i in 0..self.ends.len() {
            record.push_field(self.get(i).unwrap_or_default());
        }
    }
}

impl Fields for SheetRow {
    #[inline]
    fn len(&self) -> usize {
        self.ends.len()
    }
    #[inline]
    fn get(&self, i: usize) -> Option<&[u8]> {
        let end = *self.ends.get(i)?;
        let start = if i == 0 { 0 } else { self.ends[i - 1] };
        self.text.get(start..end)
    }
    #[inline]
    fn byte_len(&self) -> usize {
        self.text.len()
    }
}

/// A block of rows of a sheet, as a batch of the pipeline holds it.
#[derive(Debug, Default)]
pub struct SheetBatch {
    /// The batch holds sheet rows (not CSV text nor persons).
    pub active: bool,
    rows: Vec<SheetRow>,
    len: usize,
}

impl SheetBatch {
    /// The rows, in sheet order.
    pub fn rows(&self) -> &[SheetRow] {
        &self.rows[..self.len]
    }

    /// A row to fill, reusing an earlier one's memory.
    fn next_row(&mut self, line: u64) -> &mut SheetRow {
        if self.len == self.rows.len() {
            self.rows.push(SheetRow::default());
        }
        let row = &mut self.rows[self.len];
        self.len += 1;
        row.clear(line);
        row
    }

    fn bytes(&self) -> usize {
        self.rows()
            .iter()
            .map(|r| r.text.len() + 8 * r.ends.len())
            .sum()
    }
}

/// The rows of an open sheet after its header, read on the sheet's thread.
pub struct SheetRows {
    /// The input's name (for messages).
    name: String,
    full: Receiver<Result<Option<SheetBatch>, InputError>>,
    empty: SyncSender<SheetBatch>,
    done: bool,
    /// For [`SheetRows::next_row`]: the current block and the next row in it.
    current: SheetBatch,
    pos: usize,
}

impl std::fmt::Debug for SheetRows {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SheetRows")
    }
}

impl SheetRows {
    /// Put the next block of rows in `batch` (its rows go back to the sheet's
    /// thread to be reused); false at the end of the sheet.
    pub fn next_block(&mut self, batch: &mut SheetBatch) -> Result<bool, InputError> {
        if !self.done {
            match self.full.recv() {
                Ok(Ok(Some(next))) => {
                    let used = std::mem::replace(batch, next);
                    // The thread may have stopped: the block is then freed.
                    let _ = self.empty.try_send(used);
                    return Ok(true);
                }
                Ok(Ok(None)) => self.done = true,
                Ok(Err(e)) => {
                    self.done = true;
                    return Err(e);
                }
                Err(_) => {
                    // The thread stopped without saying the sheet ended.
                    self.done = true;
                    return Err(InputError::Io {
                        file: self.name.clone(),
                        source: std::io::Error::other(
                            "the spreadsheet reader stopped part way through the sheet",
                        ),
                    });
                }
            }
        }
        batch.active = false;
        batch.len = 0;
        Ok(false)
    }

    /// The next row, one at a time (`None` at the end of the sheet).
    pub fn next_row(&mut self) -> Result<Option<&SheetRow>, InputError> {
        while self.pos >= self.current.len {
            let mut block = std::mem::take(&mut self.current);
            let more = self.next_block(&mut block)?;
            self.current = block;
            self.pos = 0;
            if !more {
                return Ok(None);
            }
        }
        self.pos += 1;
        Ok(self.current.rows.get(self.pos - 1))
    }
}

/// Read a workbook's sheet as a household file: its header now, its rows
/// later from [`Source::sheet`]. `kind` is what its first bytes say it is;
/// a file that is no workbook calamine reads gets that kind's error.
pub(crate) fn open(
    name: String,
    mut reader: Box<dyn Read + Send>,
    kind: Binary,
    layers: Vec<&'static str>,
    options: &ReadOptions,
) -> Result<Source, InputError> {
    let mut bytes = Vec::new();
    reader
        .read_to_end(&mut bytes)
        .map_err(|e| InputError::reading(&name, e))?;
    // `read_to_end` doubles its buffer as it grows: give back the rest.
    bytes.shrink_to_fit();
    drop(reader);
    let (first_tx, first_rx) = sync_channel::<Result<Header, Opening>>(1);
    let (full_tx, full_rx) = sync_channel::<Result<Option<SheetBatch>, InputError>>(QUEUED_BLOCKS);
    let (empty_tx, empty_rx) = sync_channel::<SheetBatch>(QUEUED_BLOCKS + 2);
    let job = Job {
        name: name.clone(),
        wanted: options.sheet.clone(),
        zip: matches!(kind, Binary::Zip(_)),
        ods: matches!(kind, Binary::Zip(ZipKind::Ods)),
        first: first_tx,
        full: full_tx,
        empty: empty_rx,
    };
    std::thread::Builder::new()
        .name("layak-sheet".into())
        .spawn(move || {
            // A panic inside calamine (a hostile file) ends the sheet with
            // an error, never as if the sheet had ended there.
            let ran = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| job.run(&bytes)));
            drop(ran);
        })
        .map_err(|source| InputError::Io {
            file: name.clone(),
            source,
        })?;
    let header = match first_rx.recv() {
        Ok(Ok(header)) => header,
        Ok(Err(Opening::NotAWorkbook(detail))) => {
            return Err(not_a_workbook(&name, kind, &layers, detail));
        }
        Ok(Err(Opening::Failed(e))) => return Err(e),
        Err(_) => {
            return Err(InputError::Io {
                file: name,
                source: std::io::Error::other("the spreadsheet reader stopped"),
            });
        }
    };
    Ok(Source {
        delimiter: b',',
        header: header.names,
        delimiter_hint: None,
        header_line: header.line,
        chunker: super::Chunker::new(
            Box::new(NoText),
            b',',
            Vec::new(),
            0,
            header.line + 1,
            false,
        ),
        sheet: Some(Box::new(SheetRows {
            name: name.clone(),
            full: full_rx,
            empty: empty_tx,
            done: false,
            current: SheetBatch::default(),
            pos: 0,
        })),
        table: None,
        name,
    })
}

/// The error for a file calamine could not read: for what looked like a
/// workbook, calamine's reason; else what the file looks like, as for any
/// other binary file.
fn not_a_workbook(name: &str, kind: Binary, layers: &[&'static str], detail: String) -> InputError {
    let what = match kind {
        Binary::Zip(ZipKind::Xlsx) => XLSX,
        Binary::Zip(ZipKind::Ods) => ODS,
        _ => return kind.error(name, layers),
    };
    InputError::Workbook {
        file: name.to_string(),
        what: what.to_string(),
        detail,
    }
}

/// The rows of a sheet come from [`Source::sheet`]; a reader of the text
/// (a person file's, which cannot be a spreadsheet yet) gets this error.
struct NoText;

impl Read for NoText {
    fn read(&mut self, _: &mut [u8]) -> std::io::Result<usize> {
        Err(std::io::Error::other(
            "a spreadsheet cannot be read here (person files, --persons and --rectangular, are read from CSV only): save the sheet as CSV UTF-8",
        ))
    }
}

/// Why a sheet's header could not be read.
enum Opening {
    /// calamine could not open the file as a workbook (why).
    NotAWorkbook(String),
    Failed(InputError),
}

impl Opening {
    fn into_input_error(self, file: &str) -> InputError {
        match self {
            Opening::Failed(e) => e,
            Opening::NotAWorkbook(detail) => InputError::Workbook {
                file: file.to_string(),
                what: "a workbook".into(),
                detail,
            },
        }
    }
}

/// A sheet's header row.
struct Header {
    names: Vec<String>,
    line: u64,
}

/// The sheet thread's work and its channels.
struct Job {
    name: String,
    wanted: Option<String>,
    zip: bool,
    /// The ZIP's `mimetype` says OpenDocument spreadsheet.
    ods: bool,
    first: SyncSender<Result<Header, Opening>>,
    full: SyncSender<Result<Option<SheetBatch>, InputError>>,
    empty: Receiver<SheetBatch>,
}

impl Job {
    fn run(self, bytes: &[u8]) {
        let mut rows = Rows::new(&self);
        let result = self.read(bytes, &mut rows).and_then(|()| rows.finish());
        let headed = rows.header.is_some();
        let sheet = std::mem::take(&mut rows.sheet);
        drop(rows);
        match result {
            Err(None) | Ok(()) if headed => {}
            Err(None) => {}
            Err(Some(e)) if headed => {
                let _ = self.full.send(Err(e.into_input_error(&self.name)));
            }
            Err(Some(e)) => {
                let _ = self.first.send(Err(e));
            }
            Ok(()) => {
                let _ = self.first.send(Err(Opening::Failed(InputError::EmptySheet {
                    file: self.name.clone(),
                    sheet: super::excerpt(sheet.as_bytes(), 60),
                })));
            }
        }
    }

    /// Open the workbook and stream its sheet into `rows`. `Err(None)`:
    /// the reader went away.
    fn read(&self, bytes: &[u8], rows: &mut Rows<'_>) -> Result<(), Option<Opening>> {
        let data = || Cursor::new(bytes);
        if !self.zip {
            let book = Xls::new(data()).map_err(|e| self.unreadable(e))?;
            return self.read_range(book, rows, false);
        }
        let xlsx_error = match Xlsx::new(data()) {
            Ok(mut book) => {
                let sheet = self.choose(&book.sheet_names())?;
                rows.sheet = sheet.clone();
                let mut cells = book
                    .worksheet_cells_reader(&sheet)
                    .map_err(|e| self.damaged(XLSX, e))?;
                while let Some(cell) = cells.next_cell().map_err(|e| self.damaged(XLSX, e))? {
                    rows.cell(cell.get_position(), value_ref(cell.get_value()))?;
                }
                return Ok(());
            }
            Err(calamine::XlsxError::Password) => {
                return Err(Some(Opening::NotAWorkbook(
                    "it is protected by a password: save a copy without one".into(),
                )));
            }
            Err(e) => e,
        };
        if let Ok(mut book) = Xlsb::new(data()) {
            let sheet = self.choose(&book.sheet_names())?;
            rows.sheet = sheet.clone();
            let mut cells = book
                .worksheet_cells_reader(&sheet)
                .map_err(|e| self.damaged(XLSB, e))?;
            while let Some(cell) = cells.next_cell().map_err(|e| self.damaged(XLSB, e))? {
                rows.cell(cell.get_position(), value_ref(cell.get_value()))?;
            }
            return Ok(());
        }
        // Why it is no .xlsx, unless it says it is an .ods.
        let book = Ods::new(data()).map_err(|e| match self.ods {
            true => self.unreadable(e),
            false => self.unreadable(xlsx_error),
        })?;
        self.read_range(book, rows, true)
    }

    /// Stream a sheet that calamine reads whole (.ods, .xls). In an `ods`
    /// file a formula error reaches calamine as the error's text, or (as
    /// LibreOffice writes it) as an empty text: a formula whose value is
    /// empty text is read as an error that has no name.
    fn read_range<RS: Read + Seek, R: Reader<RS>>(
        &self,
        mut book: R,
        rows: &mut Rows<'_>,
        ods: bool,
    ) -> Result<(), Option<Opening>>
    where
        R::Error: std::fmt::Display,
    {
        let sheet = self.choose(&book.sheet_names())?;
        rows.sheet = sheet.clone();
        let range = book
            .worksheet_range(&sheet)
            .map_err(|e| self.damaged(if ods { ODS } else { XLS }, e))?;
        let formulas = if ods {
            book.worksheet_formula(&sheet).ok()
        } else {
            None
        };
        drop(book);
        let has_formula = |at: (u32, u32)| {
            formulas
                .as_ref()
                .and_then(|f| f.get_value(at))
                .is_some_and(|f| !f.is_empty())
        };
        let (top, left) = range.start().unwrap_or((0, 0));
        for (i, row) in range.rows().enumerate() {
            for (j, cell) in row.iter().enumerate() {
                let at = (top + i as u32, left + j as u32);
                let v = match cell {
                    Data::Empty => continue,
                    Data::String(s) if ods && s.is_empty() && has_formula(at) => Value::Unnamed,
                    Data::String(s) if ods => error_named(s).map_or(value(cell), Value::Error),
                    _ => value(cell),
                };
                rows.cell(at, v)?;
            }
        }
        Ok(())
    }

    /// The sheet `wanted` names among `sheets`: a name (exactly, then in any
    /// case), else a number counted from 1; the first sheet by default.
    fn choose(&self, sheets: &[String]) -> Result<String, Option<Opening>> {
        let unknown = |wanted: &str| {
            Some(Opening::Failed(InputError::UnknownSheet {
                file: self.name.clone(),
                wanted: super::excerpt(wanted.as_bytes(), 60),
                sheets: list_sheets(sheets),
            }))
        };
        let Some(wanted) = self.wanted.as_deref() else {
            return sheets.first().cloned().ok_or_else(|| unknown("1"));
        };
        if let Some(s) = sheets.iter().find(|s| *s == wanted) {
            return Ok(s.clone());
        }
        let folded = wanted.trim().to_lowercase();
        if let Some(s) = sheets.iter().find(|s| s.trim().to_lowercase() == folded) {
            return Ok(s.clone());
        }
        match wanted.trim().parse::<usize>() {
            Ok(n) if (1..=sheets.len()).contains(&n) => Ok(sheets[n - 1].clone()),
            _ => Err(unknown(wanted)),
        }
    }

    /// A workbook calamine could not open: not one, or a damaged one.
    fn unreadable(&self, e: impl std::fmt::Display) -> Option<Opening> {
        let said = e.to_string();
        let why = if said.starts_with("Zip error") {
            "it is damaged or cut short (not a whole ZIP archive)".to_string()
        } else {
            super::excerpt(said.as_bytes(), 160)
        };
        Some(Opening::NotAWorkbook(format!(
            "{why}; open it in Excel or LibreOffice and save it again"
        )))
    }

    /// A sheet of a workbook of kind `what` that could not be read.
    fn damaged(&self, what: &str, e: impl std::fmt::Display) -> Option<Opening> {
        let detail = super::excerpt(e.to_string().as_bytes(), 160);
        Some(Opening::Failed(InputError::Workbook {
            file: self.name.clone(),
            what: what.into(),
            detail: format!("{detail}; open it in Excel or LibreOffice and save it again"),
        }))
    }
}

/// `1 "Households", 2 "Persons"`: a workbook's sheets, numbered as `--sheet` counts them.
fn list_sheets(sheets: &[String]) -> String {
    if sheets.is_empty() {
        return "none".into();
    }
    let named: Vec<String> = sheets
        .iter()
        .enumerate()
        .map(|(i, s)| format!("{} `{}`", i + 1, super::excerpt(s.as_bytes(), 40)))
        .collect();
    super::list_names(&named)
}

/// A cell's value, borrowed from either of calamine's cell types.
#[derive(Debug, Clone, Copy)]
enum Value<'a> {
    Empty,
    Text(&'a str),
    Int(i64),
    Float(f64),
    Bool(bool),
    Date(&'a ExcelDateTime),
    /// An ISO 8601 date, time or duration (OpenDocument).
    Iso(&'a str),
    Error(&'a CellErrorType),
    /// A formula error whose name is lost (OpenDocument).
    Unnamed,
}

fn value(d: &Data) -> Value<'_> {
    match d {
        Data::Empty => Value::Empty,
        Data::String(s) => Value::Text(s),
        Data::Int(i) => Value::Int(*i),
        Data::Float(f) => Value::Float(*f),
        Data::Bool(b) => Value::Bool(*b),
        Data::DateTime(d) => Value::Date(d),
        Data::DateTimeIso(s) | Data::DurationIso(s) => Value::Iso(s),
        Data::Error(e) => Value::Error(e),
    }
}

fn value_ref<'a>(d: &'a DataRef<'_>) -> Value<'a> {
    match d {
        DataRef::Empty => Value::Empty,
        DataRef::String(s) => Value::Text(s),
        DataRef::SharedString(s) => Value::Text(s),
        DataRef::Int(i) => Value::Int(*i),
        DataRef::Float(f) => Value::Float(*f),
        DataRef::Bool(b) => Value::Bool(*b),
        DataRef::DateTime(d) => Value::Date(d),
        DataRef::DateTimeIso(s) | DataRef::DurationIso(s) => Value::Iso(s),
        DataRef::Error(e) => Value::Error(e),
    }
}

/// The formula error whose name is `text`, if any (how an OpenDocument
/// spreadsheet's errors reach calamine).
fn error_named(text: &str) -> Option<&'static CellErrorType> {
    Some(match text {
        "#DIV/0!" => &CellErrorType::Div0,
        "#N/A" => &CellErrorType::NA,
        "#NAME?" => &CellErrorType::Name,
        "#NULL!" => &CellErrorType::Null,
        "#NUM!" => &CellErrorType::Num,
        "#REF!" => &CellErrorType::Ref,
        "#VALUE!" => &CellErrorType::Value,
        _ => return None,
    })
}

fn error_name(e: &CellErrorType) -> &'static str {
    match e {
        CellErrorType::Div0 => "#DIV/0!",
        CellErrorType::NA => "#N/A",
        CellErrorType::Name => "#NAME?",
        CellErrorType::Null => "#NULL!",
        CellErrorType::Num => "#NUM!",
        CellErrorType::Ref => "#REF!",
        CellErrorType::Value => "#VALUE!",
        CellErrorType::GettingData => "#DATA!",
    }
}

/// Append a cell's text to `out` and say what kind of cell it is:
///
/// | cell | text |
/// |---|---|
/// | text | as it is |
/// | number | its shortest exact decimal: `1500000`, `0.1`, `2.5` (never `1.5e6`) |
/// | true/false | `true` / `false` |
/// | date | `2024-03-15`; with a time `2024-03-15 08:30:00`; a time alone `08:30:00` |
/// | duration | `36:00:00` (hours:minutes:seconds) |
/// | formula error | nothing (the type says which error) |
/// | empty | nothing |
///
/// A formula's cached result is its cell's value.
fn render(v: Value<'_>, out: &mut Vec<u8>) -> CellType {
    use std::io::Write;
    match v {
        Value::Empty => CellType::Empty,
        Value::Text("") => CellType::Empty,
        Value::Text(s) => {
            out.extend_from_slice(s.as_bytes());
            CellType::Text
        }
        Value::Int(i) => {
            out.extend_from_slice(itoa::Buffer::new().format(i).as_bytes());
            CellType::Number
        }
        Value::Float(f) => {
            if f == 0.0 {
                out.push(b'0');
            } else {
                // Rust's `Display` of an f64 is the shortest decimal that
                // reads back as the same number, and never uses an exponent.
                let _ = write!(out, "{f}");
            }
            CellType::Number
        }
        Value::Bool(b) => {
            out.extend_from_slice(if b { b"true" } else { b"false" });
            CellType::Bool
        }
        Value::Date(d) => {
            render_date(d, out);
            CellType::Date
        }
        Value::Iso(s) => {
            out.extend_from_slice(s.replacen('T', " ", 1).as_bytes());
            CellType::Date
        }
        Value::Error(e) => CellType::Error(error_name(e)),
        Value::Unnamed => CellType::Error(""),
    }
}

fn render_date(d: &ExcelDateTime, out: &mut Vec<u8>) {
    use std::io::Write;
    if d.is_duration() {
        let seconds = (d.as_f64() * 86_400.0).round();
        let negative = seconds < 0.0;
        let s = seconds.abs() as u64;
        let sign = if negative { "-" } else { "" };
        let _ = write!(out, "{sign}{}:{:02}:{:02}", s / 3600, s / 60 % 60, s % 60);
        return;
    }
    let (y, mo, day, h, mi, s, ms) = d.to_ymd_hms_milli();
    let time_only = (0.0..1.0).contains(&d.as_f64());
    if !time_only {
        let _ = write!(out, "{y:04}-{mo:02}-{day:02}");
        if (h, mi, s, ms) == (0, 0, 0, 0) {
            return;
        }
        out.push(b' ');
    }
    let _ = write!(out, "{h:02}:{mi:02}:{s:02}");
    if ms > 0 {
        let _ = write!(out, ".{ms:03}");
    }
}

/// A header name as it is matched (as a CSV header's): trimmed of white
/// space and invisible marks.
fn header_name(raw: &[u8]) -> String {
    String::from_utf8_lossy(raw)
        .trim_matches(|c: char| {
            c.is_whitespace() || matches!(c, '\u{feff}' | '\u{200b}' | '\u{2060}')
        })
        .to_string()
}

/// Cells to rows: the header first, then blocks of records.
struct Rows<'j> {
    job: &'j Job,
    /// The sheet read (for messages).
    sheet: String,
    /// The current row (0-based) and its cells: (column, end in `text`, type).
    row: Option<u32>,
    cells: Vec<(u32, usize, CellType)>,
    text: Vec<u8>,
    /// The header's first and last columns, once read.
    header: Option<(u32, u32)>,
    block: SheetBatch,
}

impl<'j> Rows<'j> {
    fn new(job: &'j Job) -> Rows<'j> {
        Rows {
            job,
            sheet: String::new(),
            row: None,
            cells: Vec::new(),
            text: Vec::new(),
            header: None,
            block: SheetBatch::default(),
        }
    }

    fn cell(&mut self, (row, column): (u32, u32), v: Value<'_>) -> Result<(), Option<Opening>> {
        if self.row != Some(row) {
            self.end_row()?;
            self.row = Some(row);
        }
        let ty = render(v, &mut self.text);
        self.cells.push((column, self.text.len(), ty));
        Ok(())
    }

    /// The text of the current row's cell `k`.
    fn text_of(&self, k: usize) -> &[u8] {
        let start = if k == 0 { 0 } else { self.cells[k - 1].1 };
        &self.text[start..self.cells[k].1]
    }

    /// Columns of the current row that hold a value.
    fn filled(&self) -> impl Iterator<Item = u32> + '_ {
        (0..self.cells.len())
            .filter(|&k| self.cells[k].2 != CellType::Empty)
            .map(|k| self.cells[k].0)
    }

    fn end_row(&mut self) -> Result<(), Option<Opening>> {
        let Some(row) = self.row.take() else {
            return Ok(());
        };
        let result = self.emit(row);
        self.cells.clear();
        self.text.clear();
        result
    }

    fn emit(&mut self, row: u32) -> Result<(), Option<Opening>> {
        let (Some(first), Some(last)) = (self.filled().min(), self.filled().max()) else {
            // An empty row is no record (like an empty line of a CSV file).
            return Ok(());
        };
        // Cells usually come in column order; a row that does not is sorted.
        if self.cells.windows(2).any(|w| w[0].0 >= w[1].0) {
            self.sort_cells();
        }
        let line = u64::from(row) + 1;
        let Some((left, right)) = self.header else {
            let mut names = vec![String::new(); (last - first + 1) as usize];
            for k in 0..self.cells.len() {
                let (c, _, ty) = self.cells[k];
                if (first..=last).contains(&c) {
                    names[(c - first) as usize] = match ty {
                        CellType::Error(e) => e.to_string(),
                        _ => header_name(self.text_of(k)),
                    };
                }
            }
            self.header = Some((first, last));
            return self
                .job
                .first
                .send(Ok(Header { names, line }))
                .map_err(|_| None);
        };
        let (from, to) = (left.min(first), right.max(last));
        let mut record = std::mem::take(&mut self.block);
        let out = record.next_row(line);
        let mut k = 0;
        for c in from..=to {
            while k < self.cells.len() && self.cells[k].0 < c {
                k += 1;
            }
            if k < self.cells.len() && self.cells[k].0 == c {
                out.push(self.text_of(k), self.cells[k].2);
            } else {
                out.push(b"", CellType::Empty);
            }
        }
        self.block = record;
        if self.block.len >= BLOCK_ROWS || self.block.bytes() >= BLOCK_BYTES {
            self.send_block()?;
        }
        Ok(())
    }

    /// Sort the current row's cells by column (rebuilding their text).
    fn sort_cells(&mut self) {
        let mut cells: Vec<(u32, Vec<u8>, CellType)> = (0..self.cells.len())
            .map(|k| (self.cells[k].0, self.text_of(k).to_vec(), self.cells[k].2))
            .collect();
        cells.sort_by_key(|c| c.0);
        self.cells.clear();
        self.text.clear();
        for (c, text, ty) in cells {
            self.text.extend_from_slice(&text);
            self.cells.push((c, self.text.len(), ty));
        }
    }

    fn send_block(&mut self) -> Result<(), Option<Opening>> {
        let mut next = self.job.empty.try_recv().unwrap_or_default();
        next.len = 0;
        next.active = true;
        let mut full = std::mem::replace(&mut self.block, next);
        full.active = true;
        self.job.full.send(Ok(Some(full))).map_err(|_| None)
    }

    fn finish(&mut self) -> Result<(), Option<Opening>> {
        self.end_row()?;
        if self.header.is_some() {
            if self.block.len > 0 {
                self.send_block()?;
            }
            // The end of the sheet, said: a thread that stops without it failed.
            self.job.full.send(Ok(None)).map_err(|_| None)?;
        }
        Ok(())
    }
}

mod check;
pub use check::SheetCheck;

#[cfg(test)]
mod tests;
