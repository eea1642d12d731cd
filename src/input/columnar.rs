//! Parquet household files (issue 14): read column by column, straight into
//! the cells the row parser takes, without CSV text in between.
//!
//! [`sniff`] looks at the first bytes of an input (`PAR1`, confirmed by the
//! footer's `PAR1` at the end). A Parquet file is read in place; standard
//! input (or a pipe, or anything that cannot seek) is first copied to a
//! private (0600) temporary file, since Parquet's footer is at the end. On
//! Unix that file is unlinked as soon as it is open, so nothing is left
//! behind whatever ends the run.
//!
//! The file's top-level columns are the header: names are matched to the
//! policy's inputs exactly as a CSV header's are (after `--rename`, with the
//! same missing-column and default rules). Before any row, [`Rows::new`]
//! checks that every column an input reads has a type that input can take
//! (see [`accepts`]); a timestamp, a list or a struct used as an input is
//! an error there, naming the column (a date column feeds date and text
//! inputs as `YYYY-MM-DD`). Columns of such types that no input
//! reads are not decoded at all.
//!
//! The reader thread decodes the file (every row group in order, in record
//! batches of at most 64 KiB of cells) and hands about `--chunk-bytes` of
//! them at a time to a worker, which, one record batch after the other,
//! renders its columns into text cells
//! ([`Columnar::render`]: strings as they are, integers in decimal,
//! booleans as `true`/`false`, decimals exactly with their scale, floats as
//! the shortest decimal that reads back as the same float, nulls as empty
//! cells) and parses them with the CSV rows' own parser. So a string column
//! reads exactly as the same CSV column, and a typed column as its values
//! written out. One shortcut: an integer, float or boolean column read by
//! one integer, number or yes/no input (see [`Direct`]) goes straight into
//! that input's slots, with no text in between, when every value of the
//! record batch is one the parser would take from its text as it is (whole,
//! within the input's range); otherwise the batch's column is written as
//! text like any other, and its rejects are the CSV's. Another: a
//! dictionary-encoded string column read by one input has each entry of its
//! dictionary parsed once by the row parser (see [`Col::dictionary_values`]);
//! a row takes its entry's value, or reads its text when the entry is
//! blank or rejected.
//!
//! The line of a row is its row number in the file plus one: the header
//! counts as line 1, as in the same table saved as CSV or in a spreadsheet,
//! so the first data row is line 2.

use std::fs::File;
use std::io::{self, Read, Seek, Write};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::Arc;

use arrow_array::cast::AsArray;
use arrow_array::types::{
    BinaryType, Date32Type, Date64Type, Decimal32Type, Decimal64Type, Decimal128Type,
    Decimal256Type, Float16Type, Float32Type, Float64Type, Int8Type, Int16Type, Int32Type,
    Int64Type, LargeBinaryType, LargeUtf8Type, UInt8Type, UInt16Type, UInt32Type, UInt64Type,
    Utf8Type,
};
use arrow_array::{
    Array, ArrowPrimitiveType, BinaryArray, GenericByteArray, Int32Array, RecordBatch,
};
use arrow_schema::{DataType, FieldRef, Schema, SchemaRef};
use parquet::arrow::ProjectionMask;
use parquet::arrow::arrow_reader::{
    ArrowReaderMetadata, ArrowReaderOptions, ParquetRecordBatchReaderBuilder,
};

use super::row::RowParser;
use super::{Chunker, InputError, Layout, Source, excerpt};
use crate::policy::{InputType, Policy};

/// A problem with a Parquet file (carried by [`InputError::Parquet`]).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ParquetProblem {
    /// The file is not readable Parquet: cut short, damaged, or not Parquet
    /// after all.
    #[error(
        "this Parquet file is damaged or cut short ({detail}); check that it was copied whole, e.g. that DuckDB reads it: duckdb -c \"FROM 'FILE' LIMIT 1\""
    )]
    Corrupt { detail: String },
    /// A column an input reads has a type that input cannot take.
    #[error(
        "column `{column}` is a Parquet {found} column, which input `{input}` ({expected}) cannot take; it takes {accepted}"
    )]
    ColumnType {
        column: String,
        /// The column's type, in words (`date`, `floating-point`, `struct` …).
        found: String,
        input: String,
        /// The input's type word (`integer`, `enum` …).
        expected: &'static str,
        /// The column types the input takes, in words.
        accepted: &'static str,
    },
    /// A command that reads the rows as text (`explain`, person files).
    #[error(
        "this is a Parquet file, which `layak explain` and person files (--persons, --rectangular) do not read yet; `assess` and `validate` do, or convert it to CSV first (e.g. with DuckDB: COPY (FROM 'FILE') TO 'out.csv')"
    )]
    TextOnly,
}

/// What a column holds, as far as inputs care.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    /// Strings or bytes (also dictionary-encoded): parsed as CSV cells.
    Text,
    Integer,
    Float,
    Decimal,
    Bool,
    /// Days (`date32`, or `date64` in milliseconds): read as `YYYY-MM-DD`.
    Date,
    /// A column of nulls only: every cell empty.
    Null,
}

/// The kind of an Arrow type, or `None` for a type layak does not read.
fn kind_of(ty: &DataType) -> Option<Kind> {
    use DataType as T;
    Some(match ty {
        T::Utf8 | T::LargeUtf8 | T::Utf8View | T::Binary | T::LargeBinary | T::BinaryView => {
            Kind::Text
        }
        T::Int8 | T::Int16 | T::Int32 | T::Int64 | T::UInt8 | T::UInt16 | T::UInt32 | T::UInt64 => {
            Kind::Integer
        }
        T::Float16 | T::Float32 | T::Float64 => Kind::Float,
        T::Decimal32(..) | T::Decimal64(..) | T::Decimal128(..) | T::Decimal256(..) => {
            Kind::Decimal
        }
        T::Boolean => Kind::Bool,
        T::Date32 | T::Date64 => Kind::Date,
        T::Null => Kind::Null,
        T::Dictionary(_, values) => return kind_of(values),
        _ => return None,
    })
}

/// A column type in words, for messages.
fn type_words(ty: &DataType) -> String {
    use DataType as T;
    let words = match ty {
        T::Dictionary(_, values) => return type_words(values),
        T::Utf8 | T::LargeUtf8 | T::Utf8View => "string",
        T::Binary | T::LargeBinary | T::BinaryView => "binary",
        T::Boolean => "boolean",
        T::Null => "null",
        T::Float16 | T::Float32 | T::Float64 => "floating-point",
        T::Decimal32(..) | T::Decimal64(..) | T::Decimal128(..) | T::Decimal256(..) => "decimal",
        T::Date32 | T::Date64 => "date",
        T::Timestamp(..) => "timestamp",
        T::Time32(_) | T::Time64(_) => "time-of-day",
        T::Duration(_) => "duration",
        T::Interval(_) => "interval",
        T::FixedSizeBinary(_) => "fixed-size binary",
        T::List(_)
        | T::LargeList(_)
        | T::ListView(_)
        | T::LargeListView(_)
        | T::FixedSizeList(..) => "list",
        T::Struct(_) => "struct",
        T::Map(..) => "map",
        T::Union(..) => "union",
        T::RunEndEncoded(..) => "run-end encoded",
        other if kind_of(other) == Some(Kind::Integer) => return format!("{other}").to_lowercase(),
        other => return excerpt(format!("{other}").as_bytes(), 40),
    };
    words.to_string()
}

/// What an input reads from a column.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Wants {
    Id,
    Text,
    Integer,
    Number,
    Bool,
    Enum,
    Date,
}

impl Wants {
    fn of(ty: InputType) -> Wants {
        match ty {
            InputType::Id => Wants::Id,
            InputType::Text => Wants::Text,
            InputType::Date => Wants::Date,
            InputType::Integer => Wants::Integer,
            InputType::Number | InputType::Money => Wants::Number,
            InputType::Bool => Wants::Bool,
            InputType::Enum(_) => Wants::Enum,
        }
    }

    /// The column types this input takes, in words.
    fn accepted(self) -> &'static str {
        match self {
            Wants::Id => "a string or integer column",
            Wants::Text => "a string, integer or boolean column",
            Wants::Integer => {
                "a string, integer, floating-point or decimal column (whole values; others are rejected)"
            }
            Wants::Number => "a string, integer, floating-point or decimal column",
            Wants::Bool => "a string, boolean or integer (0/1) column",
            Wants::Enum => "a string column",
            Wants::Date => "a date column or a string column (YYYY-MM-DD)",
        }
    }
}

/// Whether an input that wants `wants` takes a column of kind `kind` (the
/// table of the README's "Parquet" section).
fn accepts(wants: Wants, kind: Option<Kind>) -> bool {
    match kind {
        None => false,
        Some(Kind::Text | Kind::Null) => true,
        Some(Kind::Integer) => !matches!(wants, Wants::Enum | Wants::Date),
        Some(Kind::Float | Kind::Decimal) => matches!(wants, Wants::Integer | Wants::Number),
        Some(Kind::Bool) => matches!(wants, Wants::Bool | Wants::Text),
        // Read as its text, `YYYY-MM-DD`.
        Some(Kind::Date) => matches!(wants, Wants::Date | Wants::Text),
    }
}

/// An open Parquet file, its metadata read, its rows not yet.
pub(crate) struct Table {
    /// Read by one thread at a time (the parquet crate's `File` reader
    /// seeks before every read).
    file: File,
    meta: ArrowReaderMetadata,
    /// Per top-level column: its kind (`None`: a type layak does not read).
    kinds: Vec<Option<Kind>>,
    /// Per top-level column: its type in words.
    types: Vec<String>,
    /// The file's size when it is the input file itself, read in place
    /// (the reader then looked at only its first bytes); `None` for a
    /// private copy of standard input, whose every byte was read.
    pub(super) in_place: Option<u64>,
    /// The file's size in bytes.
    len: u64,
}

/// The first bytes of `raw` say Parquet: open it as a [`Source`]; otherwise
/// hand the input back, nothing lost.
pub(crate) enum Sniffed {
    Parquet(Box<Source>),
    Other(Box<dyn Read + Send>),
}

impl Table {
    fn open(name: &str, file: File) -> Result<Table, InputError> {
        let len = file
            .metadata()
            .map_err(|source| InputError::Io {
                file: name.to_string(),
                source,
            })?
            .len();
        let mut file = file;
        let mut tail = [0; 4];
        let tail_read = len >= 12
            && file.seek(io::SeekFrom::Start(len - 4)).is_ok()
            && file.read_exact(&mut tail).is_ok()
            && &tail == b"PAR1";
        if !tail_read {
            return Err(corrupt(name, "it has no Parquet footer at its end"));
        }
        let meta = guarded(|| ArrowReaderMetadata::load(&file, ArrowReaderOptions::new()))
            .map_err(|e| corrupt(name, &e))?;
        let (kinds, types) = meta
            .schema()
            .fields()
            .iter()
            .map(|f| (kind_of(f.data_type()), type_words(f.data_type())))
            .unzip();
        Ok(Table {
            file,
            meta,
            kinds,
            types,
            len,
            in_place: None,
        })
    }

    /// Check that every column `layout` reads has a type its input takes.
    fn check(&self, name: &str, policy: &Policy, layout: &Layout) -> Result<(), InputError> {
        check_columns(
            name,
            self.meta.schema(),
            (&self.kinds, &self.types),
            policy,
            layout,
        )
    }
}

/// Check that every column of `schema` that `layout` reads has a type its
/// input takes (`kinds` and `types`: each column's kind and type in words).
fn check_columns(
    name: &str,
    schema: &Schema,
    (kinds, types): (&[Option<Kind>], &[String]),
    policy: &Policy,
    layout: &Layout,
) -> Result<(), InputError> {
    let header: Vec<&str> = schema.fields().iter().map(|f| f.name().as_str()).collect();
    let mut uses: Vec<(usize, Wants, &str)> = Vec::new();
    for (input, column) in policy.inputs.iter().zip(&layout.columns) {
        if let Some(c) = *column {
            uses.push((c, Wants::of(input.ty), input.name.as_str()));
        }
    }
    let id_name = policy
        .inputs
        .get(policy.fields.id_input)
        .map_or("household_id", |i| i.name.as_str());
    for &c in &layout.id_parts {
        uses.push((c, Wants::Id, id_name));
    }
    if let Some(w) = &layout.weight {
        uses.push((w.index, Wants::Number, w.name.as_str()));
    }
    for (c, wants, input) in uses {
        if accepts(wants, kinds.get(c).copied().flatten()) {
            continue;
        }
        return Err(InputError::Parquet {
            file: name.to_string(),
            problem: Box::new(ParquetProblem::ColumnType {
                column: excerpt(header.get(c).copied().unwrap_or_default().as_bytes(), 60),
                found: types.get(c).cloned().unwrap_or_default(),
                input: input.to_string(),
                expected: match wants {
                    Wants::Id => "id",
                    Wants::Text => "text",
                    Wants::Integer => "integer",
                    Wants::Number => "number",
                    Wants::Bool => "bool",
                    Wants::Enum => "enum",
                    Wants::Date => "date",
                },
                accepted: wants.accepted(),
            }),
        });
    }
    Ok(())
}

/// The rows of a Parquet file, read on the reader thread in record batches.
pub(crate) struct Rows {
    name: String,
    /// A Parquet file's reader, or an Arrow IPC stream's (`ipc`).
    reader: Box<dyn Iterator<Item = Result<RecordBatch, arrow_schema::ArrowError>> + Send>,
    /// Header column of each column of a record batch.
    projected: Arc<[usize]>,
    width: usize,
    /// Per header column: how its typed values may go straight to a slot.
    direct: Arc<[Option<Direct>]>,
    /// Per header column: the one input that reads it (see [`single_inputs`]).
    inputs: Arc<[Option<usize>]>,
    /// Rows handed to a worker at a time (in record batches of the
    /// reader's batch size, at most [`RECORD_BATCH_BYTES`] of cells each).
    handoff_rows: usize,
    /// A decoding error met after some record batches of a hand-off: those
    /// go out first, the error with the next call.
    pending: Option<InputError>,
    /// Rows handed out so far.
    next_row: u64,
    // Keeps the file open (the reader holds its own handle too).
    _table: Option<Box<Table>>,
    /// An Arrow IPC stream, not a Parquet file (for messages).
    ipc: bool,
}

/// The file's schema with each top-level string column that is
/// dictionary-encoded in every row group (every data page; the footer's page
/// encoding statistics say so) as `Dictionary(Int32, Utf8)`; `None` when
/// there is no such column, or the statistics are missing.
fn dictionary_hint(meta: &ArrowReaderMetadata) -> Option<SchemaRef> {
    let schema = meta.schema();
    let file = meta.metadata();
    let descr = file.file_metadata().schema_descr();
    if file.row_groups().is_empty() {
        return None;
    }
    let all_dictionary = |leaf: usize| {
        file.row_groups().iter().all(|g| {
            g.columns().get(leaf).is_some_and(|c| {
                c.dictionary_page_offset().is_some()
                    && c.page_encoding_stats_mask().is_some_and(|m| {
                        m.is_only(parquet::basic::Encoding::RLE_DICTIONARY)
                            || m.is_only(parquet::basic::Encoding::PLAIN_DICTIONARY)
                    })
            })
        })
    };
    let mut changed = false;
    let fields: Vec<FieldRef> = schema
        .fields()
        .iter()
        .enumerate()
        .map(|(root, f)| {
            if *f.data_type() != DataType::Utf8 {
                return Arc::clone(f);
            }
            let mut leaves =
                (0..descr.num_columns()).filter(|&l| descr.get_column_root_idx(l) == root);
            match (leaves.next(), leaves.next()) {
                (Some(leaf), None) if all_dictionary(leaf) => {
                    changed = true;
                    let ty =
                        DataType::Dictionary(Box::new(DataType::Int32), Box::new(DataType::Utf8));
                    Arc::new(f.as_ref().clone().with_data_type(ty))
                }
                _ => Arc::clone(f),
            }
        })
        .collect();
    changed.then(|| Arc::new(Schema::new_with_metadata(fields, schema.metadata().clone())))
}

/// The cells of one record batch at most: a worker reads a batch row by
/// row across all its columns, which stays in a core's cache at this size
/// (a larger `--chunk-bytes` hands several record batches to a worker at
/// once instead).
const RECORD_BATCH_BYTES: usize = 64 * 1024;

/// Rows per record batch: about `chunk_bytes` of cells, as a CSV chunk.
fn batch_rows(chunk_bytes: usize, table: &Table) -> usize {
    let meta = table.meta.metadata();
    let rows: i64 = meta.row_groups().iter().map(|g| g.num_rows().max(0)).sum();
    let bytes: i64 = meta
        .row_groups()
        .iter()
        .map(|g| g.total_byte_size().max(0))
        .sum();
    // Uncompressed bytes per row, at least the delimiters a CSV row would have.
    let per_row = (bytes.max(1) / rows.max(1))
        .max(table.kinds.len() as i64)
        .max(1) as usize;
    (chunk_bytes / per_row).clamp(1, 1 << 16)
}

impl Rows {
    /// Check the columns `layout` reads and start reading every row group.
    pub(crate) fn new(
        name: &str,
        table: Box<Table>,
        policy: &Policy,
        layout: &Layout,
        chunk_bytes: usize,
    ) -> Result<Rows, InputError> {
        table.check(name, policy, layout)?;
        let projected: Vec<usize> = (0..table.kinds.len())
            .filter(|&c| table.kinds[c].is_some())
            .collect();
        let mask = ProjectionMask::roots(table.meta.parquet_schema(), projected.iter().copied());
        let rows = batch_rows(chunk_bytes.min(RECORD_BATCH_BYTES), &table);
        let handoff_rows = batch_rows(chunk_bytes, &table).max(rows);
        // String columns whose every data page is dictionary-encoded are read
        // as dictionaries (keys and the chunk's values), not expanded into a
        // string a cell; any other column as the file's schema says.
        let meta = dictionary_hint(&table.meta)
            .and_then(|schema| {
                let options = ArrowReaderOptions::new().with_schema(schema);
                let metadata = Arc::clone(table.meta.metadata());
                guarded(|| ArrowReaderMetadata::try_new(metadata, options)).ok()
            })
            .unwrap_or_else(|| table.meta.clone());
        let reader = guarded(|| {
            let file = table.file.try_clone()?;
            ParquetRecordBatchReaderBuilder::new_with_metadata(file, meta)
                .with_projection(mask)
                .with_batch_size(rows)
                .build()
        })
        .map_err(|e| corrupt(name, &e))?;
        let inputs = single_inputs(policy, layout, table.kinds.len());
        let direct = direct_columns(policy, layout, &inputs);
        Ok(Rows {
            name: name.to_string(),
            reader: Box::new(reader),
            projected: projected.into(),
            width: table.kinds.len(),
            direct,
            inputs,
            handoff_rows,
            pending: None,
            next_row: 0,
            _table: Some(table),
            ipc: false,
        })
    }

    /// Decode the next record batches, about `--chunk-bytes` of cells, into
    /// `into`; false at the end of the file.
    pub(crate) fn next(&mut self, into: &mut Columnar) -> Result<bool, InputError> {
        into.batches.clear();
        into.next_batch = 0;
        if let Some(e) = self.pending.take() {
            into.active = false;
            return Err(e);
        }
        let mut rows = 0;
        while rows < self.handoff_rows {
            let reader = &mut self.reader;
            let next = guarded(|| reader.next().transpose().map_err(Into::into))
                .map_err(|e| {
                    if self.ipc {
                        ipc::unreadable(&self.name, &e)
                    } else {
                        corrupt(&self.name, &e)
                    }
                })
                .and_then(|batch| match batch {
                    Some(b) if b.num_columns() != self.projected.len() => {
                        Err(corrupt(&self.name, "a record batch has the wrong columns"))
                    }
                    other => Ok(other),
                });
            match next {
                Ok(Some(batch)) => {
                    rows += batch.num_rows();
                    into.batches.push(batch);
                }
                Ok(None) => break,
                Err(e) if into.batches.is_empty() => return Err(e),
                Err(e) => {
                    self.pending = Some(e);
                    break;
                }
            }
        }
        if into.batches.is_empty() {
            into.active = false;
            return Ok(false);
        }
        into.active = true;
        into.first_row = self.next_row;
        into.rows = 0;
        into.projected = Arc::clone(&self.projected);
        into.direct = Arc::clone(&self.direct);
        into.inputs = Arc::clone(&self.inputs);
        into.width = self.width;
        self.next_row += rows as u64;
        Ok(true)
    }
}

/// One column's cells: their text end to end and where each ends, or the
/// decoded string column itself, read in place.
#[derive(Debug, Default)]
struct Col {
    bytes: Vec<u8>,
    /// `ends[0] == 0`, `ends[r + 1]` the end of row `r`; empty: not read.
    ends: Vec<usize>,
    /// A string or binary column of the record batch (its buffers shared,
    /// not copied): its cells are its values, a null an empty cell. When
    /// set, `bytes` and `ends` are not used.
    shared: Option<BinaryArray>,
    /// A dictionary-encoded string column, read in place: its keys and its
    /// values (a null key, or a key out of range, an empty cell).
    dict: Option<(Int32Array, BinaryArray)>,
    /// Values a row, read through [`Fields::typed`]; NaN: the row's cell
    /// is read as text. Either a typed column read straight into its
    /// input's slot ([`Direct`]), which has no text (a null, NaN, is an
    /// empty cell), or beside `dict`, the values its input takes from the
    /// dictionary's entries ([`Col::dictionary_values`]), NaN for a cell
    /// read as text (a null, an empty cell, one its input rejects).
    typed: Option<Vec<f64>>,
    /// `typed`'s buffer while the column is read otherwise.
    spare: Vec<f64>,
    /// Per dictionary entry: the value its input takes, NaN for text.
    table: Vec<f64>,
}

impl Col {
    fn start(&mut self) {
        self.bytes.clear();
        self.ends.clear();
        self.ends.push(0);
        self.shared = None;
        self.dict = None;
        self.unset_typed();
    }

    /// Drop the typed values, keeping their buffer.
    fn unset_typed(&mut self) {
        if let Some(mut t) = self.typed.take() {
            t.clear();
            self.spare = t;
        }
    }

    /// Read `array`'s values straight into slots' values ([`Direct`]):
    /// false (the column untouched) when it is not a plain integer, float
    /// or boolean column, or when one of its values needs its text.
    fn direct(&mut self, array: &dyn Array, d: Direct) -> bool {
        use DataType as T;
        self.unset_typed();
        let mut values = std::mem::take(&mut self.spare);
        let ok = match array.data_type() {
            T::Int8 => direct_values::<Int8Type>(array, &mut values, |v| d.integer(v.into())),
            T::Int16 => direct_values::<Int16Type>(array, &mut values, |v| d.integer(v.into())),
            T::Int32 => direct_values::<Int32Type>(array, &mut values, |v| d.integer(v.into())),
            T::Int64 => direct_values::<Int64Type>(array, &mut values, |v| d.integer(v.into())),
            T::UInt8 => direct_values::<UInt8Type>(array, &mut values, |v| d.integer(v.into())),
            T::UInt16 => direct_values::<UInt16Type>(array, &mut values, |v| d.integer(v.into())),
            T::UInt32 => direct_values::<UInt32Type>(array, &mut values, |v| d.integer(v.into())),
            T::UInt64 => direct_values::<UInt64Type>(array, &mut values, |v| d.integer(v.into())),
            T::Float64 => direct_values::<Float64Type>(array, &mut values, |v| d.float(v)),
            T::Boolean => array.as_boolean_opt().and_then(|a| {
                values.clear();
                values.reserve(a.len());
                for i in 0..a.len() {
                    values.push(if a.is_valid(i) {
                        d.boolean(a.value(i))?
                    } else {
                        f64::NAN
                    });
                }
                Some(())
            }),
            _ => None,
        }
        .is_some();
        self.bytes.clear();
        self.ends.clear();
        self.shared = None;
        self.dict = None;
        if ok {
            self.typed = Some(values);
        } else {
            // Kept for the next batch's values.
            values.clear();
            self.spare = values;
        }
        ok
    }

    /// Beside a dictionary column's keys and entries (`dict`), the value
    /// `parse` gives each row's trimmed cell, found once per dictionary
    /// entry: `parse` must give exactly what the row parser reads from that
    /// cell (`None` when it rejects it). A null, a cell empty once trimmed
    /// or one `parse` rejects stays text (NaN), so its row reads as from
    /// CSV. Nothing is done (false) when the dictionary has more entries
    /// than the batch rows.
    fn dictionary_values(&mut self, mut parse: impl FnMut(&[u8]) -> Option<f64>) -> bool {
        let Some((keys, values)) = &self.dict else {
            return false;
        };
        if values.len() > keys.len() {
            return false;
        }
        let table = &mut self.table;
        table.clear();
        table.extend((0..values.len()).map(|k| {
            let raw = super::cell::trim(values.value(k));
            match raw.is_empty() {
                true => f64::NAN,
                false => parse(raw).filter(|v| v.is_finite()).unwrap_or(f64::NAN),
            }
        }));
        let mut typed = std::mem::take(&mut self.spare);
        typed.clear();
        // A key out of range is an empty cell, read as text.
        let value = |k: i32| *table.get(k as u32 as usize).unwrap_or(&f64::NAN);
        typed.extend(keys.values().iter().map(|&k| value(k)));
        if let Some(nulls) = keys.nulls().filter(|n| n.null_count() > 0) {
            for (t, valid) in typed.iter_mut().zip(nulls.iter()) {
                if !valid {
                    *t = f64::NAN;
                }
            }
        }
        self.typed = Some(typed);
        true
    }

    /// Read the cells of `array` in place when it is a string or binary
    /// column with 32-bit offsets (the Parquet reader's usual output);
    /// false for any other column, whose cells are then rendered as text.
    fn share(&mut self, array: &dyn Array) -> bool {
        self.bytes.clear();
        self.ends.clear();
        self.dict = None;
        self.shared = match array.data_type() {
            DataType::Utf8 => array
                .as_string_opt::<i32>()
                .map(|a| BinaryArray::from(a.clone())),
            DataType::Binary => array.as_binary_opt::<i32>().cloned(),
            DataType::Dictionary(key, value)
                if **key == DataType::Int32 && **value == DataType::Utf8 =>
            {
                let d = array.as_dictionary_opt::<Int32Type>();
                self.dict = d.and_then(|d| {
                    let values = d.values().as_string_opt::<i32>()?.clone();
                    Some((d.keys().clone(), BinaryArray::from(values)))
                });
                None
            }
            _ => None,
        };
        self.shared.is_some() || self.dict.is_some()
    }

    /// How many cells the column holds.
    fn rows(&self) -> usize {
        match (&self.shared, &self.dict, &self.typed) {
            (Some(a), _, _) => a.len(),
            (None, Some((keys, _)), _) => keys.len(),
            (None, None, Some(t)) => t.len(),
            (None, None, None) => self.ends.len().saturating_sub(1),
        }
    }

    /// A bound on the longest cell (a null's bytes, if any, count too):
    /// the column's text end to end when that is at most `enough` (the
    /// longest a cell may be without its length being checked), else the
    /// longest cell itself. The column's text is the bound of most
    /// columns: measuring every cell of each was 1.4% of stage mode's CPU
    /// time once batches came in slices.
    fn longest(&self, enough: usize) -> usize {
        if self.typed.is_some() && self.dict.is_none() {
            return DIRECT_TEXT_BYTES;
        }
        match self.shared.as_ref().or(self.dict.as_ref().map(|(_, v)| v)) {
            Some(a) => {
                let offsets = a.value_offsets();
                let first = offsets.first().copied().unwrap_or(0);
                let last = offsets.last().copied().unwrap_or(0);
                match usize::try_from(last.wrapping_sub(first)) {
                    Ok(all) if all <= enough => all,
                    _ => {
                        let longest = offsets
                            .windows(2)
                            .map(|w| w[1].wrapping_sub(w[0]))
                            .max()
                            .unwrap_or(0);
                        usize::try_from(longest).unwrap_or(0)
                    }
                }
            }
            None if self.bytes.len() <= enough => self.bytes.len(),
            None => self
                .ends
                .windows(2)
                .map(|w| w[1].saturating_sub(w[0]))
                .max()
                .unwrap_or(0),
        }
    }

    #[inline]
    fn end_cell(&mut self) {
        self.ends.push(self.bytes.len());
    }

    #[inline]
    fn push(&mut self, cell: &[u8]) {
        self.bytes.extend_from_slice(cell);
        self.end_cell();
    }

    #[inline(always)]
    fn cell(&self, row: usize) -> &[u8] {
        if let Some(a) = &self.shared {
            return if row < a.len() && a.is_valid(row) {
                a.value(row)
            } else {
                b""
            };
        }
        if let Some((keys, values)) = &self.dict {
            // The reader's dictionary values hold no null; a null key, or a
            // key out of range, is an empty cell.
            let Some(&k) = keys.values().get(row) else {
                return b"";
            };
            if keys.is_null(row) {
                return b"";
            }
            let offsets = values.value_offsets();
            let k = usize::try_from(k).unwrap_or(usize::MAX);
            return match (offsets.get(k), offsets.get(k.wrapping_add(1))) {
                (Some(&a), Some(&b)) => values
                    .value_data()
                    .get(usize::try_from(a).unwrap_or(0)..usize::try_from(b).unwrap_or(0))
                    .unwrap_or_default(),
                _ => b"",
            };
        }
        if self.typed.is_some() {
            // A [`Direct`] column, read through `typed`; a null is an empty
            // cell.
            return b"";
        }
        match (self.ends.get(row), self.ends.get(row + 1)) {
            (Some(&a), Some(&b)) => self.bytes.get(a..b).unwrap_or_default(),
            _ => &[],
        }
    }
}

/// A batch of Parquet rows: the record batches the reader decoded, then the
/// cells of one at a time, column by column (a worker's part of a [`Rows`]
/// run).
#[derive(Debug, Default)]
pub(crate) struct Columnar {
    /// This batch holds Parquet rows (not a CSV chunk).
    pub(crate) active: bool,
    batches: Vec<RecordBatch>,
    /// The next of `batches` to render.
    next_batch: usize,
    /// The row number of the first row of the batch rendered last (of
    /// the first batch, before any).
    first_row: u64,
    projected: Arc<[usize]>,
    /// Per header column (see [`Rows::direct`]).
    direct: Arc<[Option<Direct>]>,
    /// Per header column (see [`Rows::inputs`]).
    inputs: Arc<[Option<usize>]>,
    width: usize,
    /// Per header column.
    cols: Vec<Col>,
    rows: usize,
    /// The longest cell (a bound for [`Fields::byte_len`]).
    longest: usize,
    /// A dictionary's values, rendered.
    values: Col,
    /// The block of rows being read (see [`cells::Block`]).
    block: cells::Block,
}

impl Columnar {
    /// Let go of the record batches and the columns read from them, once
    /// every row was: the reader reads the next batches into their memory
    /// (`ipc::Messages`) instead of fresh memory.
    pub(crate) fn release(&mut self) {
        self.batches.clear();
        for col in &mut self.cols {
            col.shared = None;
            col.dict = None;
        }
    }

    /// Turn the next decoded record batch into cells (on a worker thread);
    /// false when every one has been.
    ///
    /// Column `keep_text` (the `--by` column, read as text) is never read
    /// straight into slots. A dictionary-encoded string column read by one
    /// input has each of its dictionary's entries parsed once, by
    /// `parser` as a cell of that input, and its rows take the entry's
    /// value (see [`Col::dictionary_values`]).
    pub(crate) fn render(
        &mut self,
        name: &str,
        keep_text: Option<usize>,
        parser: &RowParser<'_>,
    ) -> Result<bool, InputError> {
        let Some(batch) = self.batches.get(self.next_batch) else {
            return Ok(false);
        };
        self.next_batch += 1;
        self.first_row += self.rows as u64;
        self.rows = batch.num_rows();
        self.cols.resize_with(self.width, Col::default);
        for col in &mut self.cols {
            col.bytes.clear();
            col.ends.clear();
            col.shared = None;
            col.dict = None;
            col.unset_typed();
        }
        for (array, &c) in batch.columns().iter().zip(self.projected.iter()) {
            let Some(col) = self.cols.get_mut(c) else {
                continue;
            };
            let direct = self.direct.get(c).copied().flatten();
            let direct = direct.filter(|_| keep_text != Some(c));
            // String columns are read in place; typed columns whose every
            // value its input takes as it is go straight to the slots; the
            // others are rendered as text.
            let read_direct = direct.is_some_and(|d| col.direct(array.as_ref(), d));
            if !read_direct && !col.share(array.as_ref()) {
                col.start();
                render(array.as_ref(), col, &mut self.values)
                    .map_err(|what| corrupt(name, &what))?;
            }
            let input = self.inputs.get(c).copied().flatten();
            if let Some(i) = input.filter(|_| col.dict.is_some() && keep_text != Some(c)) {
                col.dictionary_values(|raw| parser.input_value(i, raw));
            }
            if col.rows() != self.rows {
                return Err(corrupt(name, "a column has the wrong number of values"));
            }
        }
        let enough = parser.max_field_bytes();
        self.longest = self
            .cols
            .iter()
            .map(|c| c.longest(enough))
            .max()
            .unwrap_or(0);
        Ok(true)
    }
}

mod cells;
mod direct;
pub(crate) mod ipc;
mod open;
mod render;

pub(crate) use cells::CellRow;
use direct::{DIRECT_TEXT_BYTES, Direct, direct_columns, direct_values, single_inputs};
pub(crate) use open::sniff;
use open::*;
use render::*;

#[cfg(test)]
mod tests;
