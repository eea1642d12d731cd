//! Decisions as typed tables: Parquet (`-o out.parquet`), an Excel workbook
//! (`-o out.xlsx`) and CSV for a spreadsheet in an Indonesian locale
//! (`--excel`).
//!
//! The workers write the decisions as CSV of the chosen columns with text as
//! read (no formula prefix); a [`TableSink`] on the writing thread reads
//! that CSV back record by record and writes each cell in its column's type
//! ([`Cell`], fixed once from the header's names). Values are therefore the
//! CSV's, by construction: Parquet, xlsx and `--excel` can never disagree
//! with the CSV of the same run. Memory is bounded: Parquet is written in
//! row groups of [`ROW_GROUP`] rows (batches of [`BATCH`]), the workbook in
//! rust_xlsxwriter's constant-memory mode (rows go to a temporary file as
//! they come).

use std::cell::RefCell;
use std::io::{self, Write};
use std::rc::Rc;
use std::sync::Arc;

mod ipc;
mod text;
mod typed;
use arrow_array::{ArrayRef, RecordBatch};
use arrow_schema::{DataType, Field, Schema};
pub use ipc::{IpcMessage, write_all_vectored};
pub use text::{Padded, TextColumn};
pub use typed::{Flags, ListColumn, TypedColumn, Validity, Values};

use super::columns::{Column, OutputShape, ReasonsMode, Std, ValueKind};

/// Rows of a Parquet record batch.
pub const BATCH: usize = 8192;
/// Rows of a Parquet row group.
pub const ROW_GROUP: usize = 131_072;
/// Rows of an xlsx sheet, the header included (Excel's limit).
pub const XLSX_ROWS: u32 = 1_048_576;

/// The type of one decision column in a typed table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cell {
    /// The household id: text, never empty.
    Id,
    /// Text; empty is null.
    Text,
    /// Money with two decimals, exact (Parquet `DECIMAL(18,2)`).
    Money,
    /// A number (`DOUBLE`).
    Float,
    /// A whole number (`INT64`); empty is null.
    Int,
    Bool,
    /// Ids joined by `;` (a list of strings).
    List,
}

impl Cell {
    fn is_number(self) -> bool {
        matches!(self, Cell::Money | Cell::Float | Cell::Int)
    }
}

/// Whether `name` is a column the pipeline appends only when asked (the
/// `--overrides` columns, `weight`, `funded`, `rank`, `decile`), not one
/// of the chosen columns.
pub fn is_appended(name: &str) -> bool {
    super::overrides::OVERRIDE_COLUMNS.contains(&name)
        || ["weight", "funded", "rank", "decile"].contains(&name)
}

/// The type of each column a run can write, by name: the chosen columns,
/// then the `--overrides` columns, `weight`, `funded`, `rank` and `decile`,
/// which the pipeline appends.
pub fn column_types(shape: &OutputShape) -> Vec<(String, Cell)> {
    let mut types: Vec<(String, Cell)> = shape
        .column_list()
        .iter()
        .map(|c| {
            let cell = match c {
                Column::Std(s) => match s {
                    Std::HouseholdId => Cell::Id,
                    Std::PerCapitaIncome | Std::PovertyLine => Cell::Money,
                    Std::DeprivationScore | Std::Priority => Cell::Float,
                    Std::Emergency | Std::LabourCapacity | Std::Capped => Cell::Bool,
                    Std::MonthlyTotal | Std::OneOffTotal | Std::ReviewAfterMonths => Cell::Int,
                    Std::Deprived | Std::Programs | Std::Deferred => Cell::List,
                    Std::Reasons if shape.reasons == ReasonsMode::Codes => Cell::List,
                    _ => Cell::Text,
                },
                Column::Value { kind, .. } => match kind {
                    ValueKind::Number => Cell::Float,
                    ValueKind::Integer => Cell::Int,
                    // `YYYY-MM-DD` text (ISO 8601 reads the same everywhere).
                    ValueKind::Date => Cell::Text,
                    ValueKind::Bool => Cell::Bool,
                    ValueKind::Enum(_) => Cell::Text,
                },
            };
            (c.name().to_string(), cell)
        })
        .collect();
    // `--overrides` (report/overrides.rs): `overridden` is a boolean.
    for c in super::overrides::OVERRIDE_COLUMNS {
        let cell = if c == "overridden" {
            Cell::Bool
        } else {
            Cell::Text
        };
        types.push((c.into(), cell));
    }
    types.push(("weight".into(), Cell::Float));
    types.push(("funded".into(), Cell::Bool));
    types.push(("rank".into(), Cell::Int));
    // A policy that ranks households (`[ranking]`) appends its `decile` last.
    types.push(("decile".into(), Cell::Int));
    types
}

/// A value the table writers could not take (a bug, never user data: the
/// CSV they read is layak's own).
pub(super) fn bad(what: &str, value: &[u8]) -> io::Error {
    io::Error::other(format!(
        "internal: cannot read {what} {:?} back from the decisions",
        String::from_utf8_lossy(value)
    ))
}

/// The Arrow type of a decision column.
pub fn arrow_type(cell: Cell) -> DataType {
    match cell {
        Cell::Id | Cell::Text => DataType::Utf8,
        Cell::Money => DataType::Decimal128(18, 2),
        Cell::Float => DataType::Float64,
        Cell::Int => DataType::Int64,
        Cell::Bool => DataType::Boolean,
        Cell::List => DataType::List(Arc::new(Field::new("item", DataType::Utf8, true))),
    }
}

/// Where the typed cells go.
pub trait Backend {
    fn header(&mut self, names: &[String], cells: &[Cell]) -> io::Result<()>;
    fn row(&mut self, record: &csv::ByteRecord, cells: &[Cell]) -> io::Result<()>;
}

/// Reads the decisions' CSV as it is written and hands each record to a
/// backend, typed.
pub struct TableSink<B> {
    pub backend: B,
    known: Vec<(String, Cell)>,
    cells: Vec<Cell>,
    /// Bytes not yet read as whole records.
    pending: Vec<u8>,
    /// How far `pending` was scanned, and whether that point is inside quotes.
    scanned: usize,
    in_quotes: bool,
    record: csv::ByteRecord,
    header_seen: bool,
}

impl<B: Backend> TableSink<B> {
    pub fn new(backend: B, known: Vec<(String, Cell)>) -> TableSink<B> {
        TableSink {
            backend,
            known,
            cells: Vec::new(),
            pending: Vec::with_capacity(1 << 16),
            scanned: 0,
            in_quotes: false,
            record: csv::ByteRecord::new(),
            header_seen: false,
        }
    }

    /// Read every whole record of `pending`.
    fn drain(&mut self) -> io::Result<()> {
        let mut end = None;
        let mut i = self.scanned;
        while let Some(at) = memchr::memchr2(b'"', b'\n', &self.pending[i..]) {
            let at = i + at;
            if self.pending[at] == b'"' {
                self.in_quotes = !self.in_quotes;
            } else if !self.in_quotes {
                end = Some(at + 1);
            }
            i = at + 1;
        }
        self.scanned = self.pending.len();
        let Some(end) = end else {
            return Ok(());
        };
        let pending = std::mem::take(&mut self.pending);
        let mut reader = csv::ReaderBuilder::new()
            .has_headers(false)
            .flexible(true)
            .from_reader(&pending[..end]);
        while reader
            .read_byte_record(&mut self.record)
            .map_err(io::Error::other)?
        {
            if self.header_seen {
                if self.record.len() != self.cells.len() {
                    return Err(bad("a row of", self.record.as_slice()));
                }
                self.backend.row(&self.record, &self.cells)?;
            } else {
                self.header_seen = true;
                let names: Vec<String> = self
                    .record
                    .iter()
                    .map(|n| String::from_utf8_lossy(n).into_owned())
                    .collect();
                self.cells = names
                    .iter()
                    .map(|n| {
                        self.known
                            .iter()
                            .find(|(k, _)| k == n)
                            .map_or(Cell::Text, |(_, c)| *c)
                    })
                    .collect();
                self.backend.header(&names, &self.cells)?;
            }
        }
        self.pending = pending;
        self.pending.drain(..end);
        self.scanned -= end;
        Ok(())
    }
}

impl<B: Backend> Write for TableSink<B> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.pending.extend_from_slice(buf);
        self.drain()?;
        Ok(buf.len())
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

// ---------------------------------------------------------------- --excel

/// CSV for a spreadsheet in an Indonesian locale: a UTF-8 byte-order mark,
/// `;` between fields, a decimal comma in numbers (never in ids or text),
/// and text from the input prefixed against formulas as in plain CSV.
pub struct ExcelCsv<W> {
    pub out: W,
    buf: Vec<u8>,
}

impl<W: Write> ExcelCsv<W> {
    pub fn new(out: W) -> ExcelCsv<W> {
        ExcelCsv {
            out,
            buf: Vec::with_capacity(1 << 16),
        }
    }

    /// Write what is held; the writer underneath.
    pub fn finish(mut self) -> io::Result<W> {
        self.out.write_all(&self.buf)?;
        Ok(self.out)
    }
}

/// One field with `;` as the separator: quoted when it holds `;`, `"` or a line break.
fn excel_field(bytes: &[u8], out: &mut Vec<u8>) {
    if !bytes
        .iter()
        .any(|&b| matches!(b, b';' | b'"' | b'\n' | b'\r'))
    {
        out.extend_from_slice(bytes);
        return;
    }
    out.push(b'"');
    for &b in bytes {
        if b == b'"' {
            out.push(b'"');
        }
        out.push(b);
    }
    out.push(b'"');
}

impl<W: Write> Backend for ExcelCsv<W> {
    fn header(&mut self, names: &[String], _: &[Cell]) -> io::Result<()> {
        self.buf.extend_from_slice("\u{feff}".as_bytes());
        for (i, n) in names.iter().enumerate() {
            if i > 0 {
                self.buf.push(b';');
            }
            excel_field(n.as_bytes(), &mut self.buf);
        }
        self.buf.extend_from_slice(b"\r\n");
        Ok(())
    }

    fn row(&mut self, record: &csv::ByteRecord, cells: &[Cell]) -> io::Result<()> {
        let buf = &mut self.buf;
        for (i, (field, cell)) in record.iter().zip(cells).enumerate() {
            if i > 0 {
                buf.push(b';');
            }
            match cell {
                c if c.is_number() => {
                    buf.extend(field.iter().map(|&b| if b == b'.' { b',' } else { b }));
                }
                Cell::Id | Cell::Text
                    if matches!(
                        field.first(),
                        Some(b'=' | b'+' | b'-' | b'@' | b'\t' | b'\r')
                    ) =>
                {
                    let mut prefixed = Vec::with_capacity(field.len() + 1);
                    prefixed.push(b'\'');
                    prefixed.extend_from_slice(field);
                    excel_field(&prefixed, buf);
                }
                _ => excel_field(field, buf),
            }
        }
        buf.extend_from_slice(b"\r\n");
        if buf.len() >= 1 << 16 {
            self.out.write_all(buf)?;
            buf.clear();
        }
        Ok(())
    }
}

// ---------------------------------------------------------------- Parquet

/// Decisions as Parquet: typed columns, zstd, row groups of [`ROW_GROUP`] rows.
pub struct ParquetOut<W: Write + Send> {
    writer: Option<parquet::arrow::ArrowWriter<W>>,
    /// Where the file goes until the header gives the schema.
    out: Option<W>,
    schema: Option<Arc<Schema>>,
    builders: Vec<TypedColumn>,
    rows: usize,
}

impl<W: Write + Send> ParquetOut<W> {
    pub fn new(out: W) -> ParquetOut<W> {
        ParquetOut {
            writer: None,
            out: Some(out),
            schema: None,
            builders: Vec::new(),
            rows: 0,
        }
    }

    fn flush_batch(&mut self) -> io::Result<()> {
        let (Some(writer), Some(schema)) = (&mut self.writer, &self.schema) else {
            return Ok(());
        };
        let columns = self
            .builders
            .iter_mut()
            .map(|b| b.finish(BATCH))
            .collect::<io::Result<Vec<ArrayRef>>>()?;
        let batch = RecordBatch::try_new(Arc::clone(schema), columns).map_err(io::Error::other)?;
        writer.write(&batch).map_err(parquet_error)?;
        self.rows = 0;
        Ok(())
    }

    /// Write the last rows and the footer; the writer underneath.
    pub fn finish(mut self) -> io::Result<W> {
        if self.writer.is_none() {
            // No header came (nothing was written): an empty table.
            self.header(&["household_id".to_string()], &[Cell::Id])?;
        }
        self.flush_batch()?;
        match self.writer.take() {
            Some(w) => w.into_inner().map_err(parquet_error),
            None => self.out.take().ok_or_else(|| io::Error::other("no output")),
        }
    }
}

fn parquet_error(e: parquet::errors::ParquetError) -> io::Error {
    match e {
        parquet::errors::ParquetError::External(e) => match e.downcast::<io::Error>() {
            Ok(io) => *io,
            Err(e) => io::Error::other(e),
        },
        e => io::Error::other(e),
    }
}

/// Money text (`-12.5`, `1500000.50`) in hundredths.
#[inline]
pub(super) fn parse_money(field: &[u8]) -> Option<i128> {
    let (neg, digits) = match field.split_first() {
        Some((b'-', rest)) => (true, rest),
        _ => (false, field),
    };
    let (whole, frac) = match digits.iter().position(|&b| b == b'.') {
        Some(dot) => (&digits[..dot], &digits[dot + 1..]),
        None => (digits, &b""[..]),
    };
    if whole.is_empty() || frac.len() > 2 || !whole.iter().chain(frac).all(u8::is_ascii_digit) {
        return None;
    }
    let mut v: i128 = 0;
    for &b in whole.iter().chain(frac) {
        v = v.checked_mul(10)?.checked_add(i128::from(b - b'0'))?;
    }
    for _ in frac.len()..2 {
        v = v.checked_mul(10)?;
    }
    Some(if neg { -v } else { v })
}

/// A number or flag written by the decision writer, read back.
#[inline]
pub(super) fn parse<T: std::str::FromStr>(what: &str, field: &[u8]) -> io::Result<T> {
    std::str::from_utf8(field)
        .ok()
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| bad(what, field))
}

impl<W: Write + Send> Backend for ParquetOut<W> {
    fn header(&mut self, names: &[String], cells: &[Cell]) -> io::Result<()> {
        let fields: Vec<Field> = names
            .iter()
            .zip(cells)
            .map(|(n, c)| Field::new(n, arrow_type(*c), *c != Cell::Id))
            .collect();
        let schema = Arc::new(Schema::new(fields));
        self.builders = cells.iter().map(|c| TypedColumn::new(*c)).collect();
        let props = parquet::file::properties::WriterProperties::builder()
            .set_compression(parquet::basic::Compression::ZSTD(
                parquet::basic::ZstdLevel::try_new(6).map_err(parquet_error)?,
            ))
            .set_max_row_group_row_count(Some(ROW_GROUP))
            .set_created_by(format!("layak {}", env!("CARGO_PKG_VERSION")))
            .build();
        let out = self
            .out
            .take()
            .ok_or_else(|| io::Error::other("internal: a second header"))?;
        self.writer = Some(
            parquet::arrow::ArrowWriter::try_new(out, Arc::clone(&schema), Some(props))
                .map_err(parquet_error)?,
        );
        self.schema = Some(schema);
        Ok(())
    }

    fn row(&mut self, record: &csv::ByteRecord, _: &[Cell]) -> io::Result<()> {
        for (field, b) in record.iter().zip(&mut self.builders) {
            b.field(field)?;
        }
        self.rows += 1;
        if self.rows >= BATCH {
            self.flush_batch()?;
        }
        Ok(())
    }
}

// ---------------------------------------------------------------- xlsx

/// A workbook being written: the sheet of decisions and the sheet of
/// rejects, each in constant-memory mode, and how many rows each holds.
pub struct Book {
    workbook: rust_xlsxwriter::Workbook,
    decisions_row: u32,
    rejects_row: u32,
    columns: u16,
}

/// The workbook, shared by the decisions' writer and the rejects' sink
/// (both on the writing thread).
pub type SharedBook = Rc<RefCell<Book>>;

/// An xlsx sheet is full: 1,048,576 rows, the header included.
#[derive(Debug, thiserror::Error)]
#[error(
    "an .xlsx sheet holds at most 1,048,575 {what} (Excel's limit of 1,048,576 rows); this run has more: write CSV (-o decisions.csv) or Parquet (-o decisions.parquet) instead"
)]
pub struct SheetFull {
    pub what: &'static str,
}

fn xlsx_error(e: rust_xlsxwriter::XlsxError) -> io::Error {
    match e {
        rust_xlsxwriter::XlsxError::IoError(e) => e,
        e => io::Error::other(e),
    }
}

impl Book {
    /// A workbook with its "decisions" and "rejects" sheets.
    pub fn new() -> io::Result<SharedBook> {
        let mut workbook = rust_xlsxwriter::Workbook::new();
        workbook
            .add_worksheet_with_constant_memory()
            .set_name("decisions")
            .map_err(xlsx_error)?;
        let rejects = workbook.add_worksheet_with_constant_memory();
        rejects.set_name("rejects").map_err(xlsx_error)?;
        rejects.set_freeze_panes(1, 0).map_err(xlsx_error)?;
        for (col, name) in super::REJECT_COLUMNS.iter().enumerate() {
            rejects
                .write_string(0, col as u16, *name)
                .map_err(xlsx_error)?;
        }
        Ok(Rc::new(RefCell::new(Book {
            workbook,
            decisions_row: 0,
            rejects_row: 1,
            columns: 0,
        })))
    }

    fn sheet(&mut self, index: usize) -> io::Result<&mut rust_xlsxwriter::Worksheet> {
        self.workbook
            .worksheet_from_index(index)
            .map_err(xlsx_error)
    }

    /// One reject as a row of the "rejects" sheet.
    pub fn reject(&mut self, r: &crate::input::Reject) -> io::Result<()> {
        let row = self.rejects_row;
        if row >= XLSX_ROWS {
            return Err(io::Error::other(SheetFull {
                what: "rejected rows",
            }));
        }
        let sheet = self.sheet(1)?;
        let e = xlsx_error;
        sheet.write_number(row, 0, r.line as f64).map_err(e)?;
        sheet
            .write_string(row, 1, r.household_id.as_str())
            .map_err(e)?;
        sheet.write_string(row, 2, r.column.as_str()).map_err(e)?;
        sheet.write_string(row, 3, r.value.as_str()).map_err(e)?;
        sheet.write_string(row, 4, r.code.as_str()).map_err(e)?;
        sheet.write_string(row, 5, r.message.as_str()).map_err(e)?;
        self.rejects_row += 1;
        Ok(())
    }

    /// A "summary" sheet: each figure of the run summary as a row, its
    /// path (`tracks.emergency.households`) and its value.
    pub fn summary(&mut self, summary: &serde_json::Value) -> io::Result<()> {
        let mut rows = Vec::new();
        flatten("", summary, &mut rows);
        let sheet = self.workbook.add_worksheet();
        sheet.set_name("summary").map_err(xlsx_error)?;
        sheet.set_freeze_panes(1, 0).map_err(xlsx_error)?;
        sheet.write_string(0, 0, "figure").map_err(xlsx_error)?;
        sheet.write_string(0, 1, "value").map_err(xlsx_error)?;
        for (i, (path, value)) in rows.iter().enumerate() {
            let row = i as u32 + 1;
            if row >= XLSX_ROWS {
                break;
            }
            sheet.write_string(row, 0, path).map_err(xlsx_error)?;
            match value {
                serde_json::Value::Number(n) => {
                    sheet.write_number(row, 1, n.as_f64().unwrap_or(f64::NAN))
                }
                serde_json::Value::Bool(b) => sheet.write_boolean(row, 1, *b),
                serde_json::Value::String(s) => sheet.write_string(row, 1, s),
                _ => sheet.write_string(row, 1, ""),
            }
            .map_err(xlsx_error)?;
        }
        Ok(())
    }

    /// Set the filters and write the workbook to `out`.
    pub fn save<W: Write + Send>(&mut self, out: W) -> io::Result<()> {
        let (rows, columns) = (self.decisions_row, self.columns);
        if columns > 0 {
            self.sheet(0)?
                .autofilter(0, 0, rows.saturating_sub(1).max(1), columns - 1)
                .map_err(xlsx_error)?;
        }
        let last = self.rejects_row;
        self.sheet(1)?
            .autofilter(0, 0, last.saturating_sub(1).max(1), 5)
            .map_err(xlsx_error)?;
        self.workbook.save_to_writer(out).map_err(xlsx_error)
    }
}

/// Every leaf of a JSON value with its dotted path.
fn flatten(path: &str, v: &serde_json::Value, rows: &mut Vec<(String, serde_json::Value)>) {
    let join = |k: &str| {
        if path.is_empty() {
            k.to_string()
        } else {
            format!("{path}.{k}")
        }
    };
    match v {
        serde_json::Value::Object(map) => {
            for (k, v) in map {
                flatten(&join(k), v, rows);
            }
        }
        serde_json::Value::Array(items) => {
            for (i, v) in items.iter().enumerate() {
                flatten(&join(&i.to_string()), v, rows);
            }
        }
        v => rows.push((path.to_string(), v.clone())),
    }
}

/// The decisions' writer into the "decisions" sheet: ids and text as text,
/// numbers as numbers, booleans as booleans, lists as text joined by `;`.
pub struct XlsxOut {
    pub book: SharedBook,
}

impl Backend for XlsxOut {
    fn header(&mut self, names: &[String], _: &[Cell]) -> io::Result<()> {
        let mut book = self.book.borrow_mut();
        book.columns = u16::try_from(names.len()).unwrap_or(u16::MAX);
        let sheet = book.sheet(0)?;
        sheet.set_freeze_panes(1, 0).map_err(xlsx_error)?;
        for (col, name) in names.iter().enumerate() {
            sheet
                .write_string(0, col as u16, name)
                .map_err(xlsx_error)?;
        }
        book.decisions_row = 1;
        Ok(())
    }

    fn row(&mut self, record: &csv::ByteRecord, cells: &[Cell]) -> io::Result<()> {
        let mut book = self.book.borrow_mut();
        let row = book.decisions_row;
        if row >= XLSX_ROWS {
            return Err(io::Error::other(SheetFull { what: "decisions" }));
        }
        let sheet = book.sheet(0)?;
        for (col, (field, cell)) in record.iter().zip(cells).enumerate() {
            if field.is_empty() {
                continue;
            }
            let col = col as u16;
            let text = std::str::from_utf8(field).map_err(|_| bad("text", field))?;
            match cell {
                Cell::Money | Cell::Float | Cell::Int => {
                    sheet.write_number(row, col, parse::<f64>("a number", field)?)
                }
                Cell::Bool => sheet.write_boolean(row, col, field == b"true"),
                _ => sheet.write_string(row, col, text),
            }
            .map_err(xlsx_error)?;
        }
        book.decisions_row += 1;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn money_reads_exactly() {
        assert_eq!(parse_money(b"1500000.50"), Some(150_000_050));
        assert_eq!(parse_money(b"12.5"), Some(1250));
        assert_eq!(parse_money(b"-3"), Some(-300));
        assert_eq!(parse_money(b"1.234"), None);
        assert_eq!(parse_money(b""), None);
        assert_eq!(parse_money(b"x"), None);
    }

    struct Rows(Vec<Vec<Vec<u8>>>);
    impl Backend for Rows {
        fn header(&mut self, names: &[String], _: &[Cell]) -> io::Result<()> {
            self.0
                .push(names.iter().map(|n| n.clone().into_bytes()).collect());
            Ok(())
        }
        fn row(&mut self, r: &csv::ByteRecord, _: &[Cell]) -> io::Result<()> {
            self.0.push(r.iter().map(<[u8]>::to_vec).collect());
            Ok(())
        }
    }

    #[test]
    fn records_are_read_whatever_the_pieces() {
        let text = b"a,b\nH1,\"x\ny,\"\"z\"\"\"\nH2,plain\n";
        for size in 1..text.len() {
            let mut sink = TableSink::new(Rows(Vec::new()), Vec::new());
            for piece in text.chunks(size) {
                sink.write_all(piece).unwrap();
            }
            let rows = &sink.backend.0;
            assert_eq!(rows.len(), 3, "pieces of {size}");
            assert_eq!(rows[1][1], b"x\ny,\"z\"");
            assert_eq!(rows[2][0], b"H2");
        }
    }

    #[test]
    fn a_column_built_again_after_a_batch_holds_what_a_new_one_would() {
        let cells = [
            (Cell::Text, [&b"a"[..], b"", b"bc"]),
            (Cell::Money, [b"1.5", b"", b"-2"]),
            (Cell::Float, [b"0.25", b"3", b""]),
            (Cell::Int, [b"", b"7", b"-1"]),
            (Cell::Bool, [b"true", b"", b"false"]),
            (Cell::List, [b"x;y", b"", b"z"]),
        ];
        for (cell, fields) in cells {
            let mut reused = TypedColumn::new(cell);
            // A first batch of other values, then the same rows.
            reused.field(fields[2]).unwrap();
            reused.finish(1).unwrap();
            let mut fresh = TypedColumn::new(cell);
            for f in fields {
                reused.field(f).unwrap();
                fresh.field(f).unwrap();
            }
            let (a, b) = (reused.finish(2).unwrap(), fresh.finish(2).unwrap());
            assert_eq!(a.to_data(), b.to_data(), "{cell:?}");
            assert_eq!(a.len(), 3);
        }
    }

    #[test]
    fn a_full_sheet_is_an_error_naming_the_limit() {
        let book = Book::new().unwrap();
        let mut sink = TableSink::new(
            XlsxOut {
                book: Rc::clone(&book),
            },
            vec![("monthly_total".into(), Cell::Int)],
        );
        sink.write_all(b"household_id,monthly_total\nH1,5\n")
            .unwrap();
        book.borrow_mut().decisions_row = XLSX_ROWS;
        let err = sink.write_all(b"H2,6\n").unwrap_err().to_string();
        assert!(err.contains("at most 1,048,575 decisions"), "{err}");
        book.borrow_mut().rejects_row = XLSX_ROWS;
        let reject = crate::input::Reject {
            line: 3,
            household_id: "H3".into(),
            column: "members".into(),
            value: "x".into(),
            code: crate::input::RejectCode::InvalidValue,
            message: "not a number".into(),
        };
        let err = book.borrow_mut().reject(&reject).unwrap_err().to_string();
        assert!(err.contains("rejected rows"), "{err}");
    }

    #[test]
    fn excel_csv_has_a_bom_semicolons_and_decimal_commas() {
        let mut sink = TableSink::new(
            ExcelCsv::new(Vec::new()),
            vec![
                ("household_id".into(), Cell::Id),
                ("per_capita_income".into(), Cell::Money),
                ("programs".into(), Cell::List),
            ],
        );
        sink.write_all(b"household_id,per_capita_income,programs\n-1.5,1500.25,a;b\n")
            .unwrap();
        let out = sink.backend.finish().unwrap();
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "\u{feff}household_id;per_capita_income;programs\r\n'-1.5;1500,25;\"a;b\"\r\n"
        );
    }
}
