//! Stage mode's output (issue 16): exactly one record per input record, in
//! input order — a decision, or a reject — as NDJSON or as an Arrow IPC
//! stream.
//!
//! NDJSON: a decision is the decision object `--format ndjson` writes,
//! opened by `"kind":"decision"` and its `"index"` (the record's place in
//! the input, from 0); a reject is
//! `{"kind":"reject","index":…,"household_id":…,"column":…,"value":…,"code":…,"reason":…}`.
//!
//! Arrow: one table whose columns are `kind`, `index`, the decision's CSV
//! columns, typed as in a Parquet output ([`super::table::column_types`]),
//! then the reject's `column`, `value`, `code` and `reason`; a decision
//! leaves the reject's columns null, a reject the decision's (but its
//! `household_id`). The workers write decisions as CSV of text as read; the
//! columns are filled from those records, so they are the CSV's values by
//! construction.

use std::io::{self, Write};
use std::sync::Arc;

use arrow_array::builder::{
    BooleanBuilder, Decimal128Builder, Float64Builder, Int64Builder, ListBuilder, StringBuilder,
};
use arrow_array::{ArrayRef, RecordBatch};
use arrow_ipc::writer::StreamWriter;
use arrow_schema::{DataType, Field, Schema};

use super::json::write_json_str;
use super::table::{Cell, bad, parse, parse_money};
use crate::input::Reject;

/// The columns of a reject, after the decision's, in the Arrow output.
pub const REJECT_FIELDS: [&str; 4] = ["column", "value", "code", "reason"];

/// Rows of an Arrow record batch written.
pub const ARROW_BATCH: usize = 8192;

/// Write a decided record: `decision` is the NDJSON object the decision
/// writer wrote (`{…}\n`).
#[inline]
pub fn write_decision(index: u64, decision: &[u8], out: &mut Vec<u8>) {
    out.extend_from_slice(b"{\"kind\":\"decision\",\"index\":");
    crate::numfmt::write_u64(index, out);
    match decision.split_first() {
        Some((b'{', rest)) if rest.first() != Some(&b'}') => {
            out.push(b',');
            out.extend_from_slice(rest);
        }
        Some((b'{', rest)) => out.extend_from_slice(rest),
        _ => out.extend_from_slice(b"}\n"),
    }
}

/// Write a rejected record as one NDJSON line.
pub fn write_reject(index: u64, r: &Reject, out: &mut Vec<u8>) {
    out.extend_from_slice(b"{\"kind\":\"reject\",\"index\":");
    crate::numfmt::write_u64(index, out);
    for (key, text) in [
        (&b"household_id"[..], r.household_id.as_bytes()),
        (b"column", r.column.as_bytes()),
        (b"value", r.value.as_bytes()),
        (b"code", r.code.as_str().as_bytes()),
        (b"reason", r.message.as_bytes()),
    ] {
        out.extend_from_slice(b",\"");
        out.extend_from_slice(key);
        out.extend_from_slice(b"\":");
        write_json_str(text, out);
    }
    out.extend_from_slice(b"}\n");
}

enum Builder {
    Text(StringBuilder),
    Money(Decimal128Builder),
    Float(Float64Builder),
    Int(Int64Builder),
    Bool(BooleanBuilder),
    List(ListBuilder<StringBuilder>),
}

fn text(field: &[u8]) -> io::Result<&str> {
    std::str::from_utf8(field).map_err(|_| bad("text", field))
}

impl Builder {
    fn new(cell: Cell) -> io::Result<Builder> {
        Ok(match cell {
            Cell::Id | Cell::Text => Builder::Text(StringBuilder::new()),
            Cell::Money => Builder::Money(
                Decimal128Builder::new()
                    .with_precision_and_scale(18, 2)
                    .map_err(io::Error::other)?,
            ),
            Cell::Float => Builder::Float(Float64Builder::new()),
            Cell::Int => Builder::Int(Int64Builder::new()),
            Cell::Bool => Builder::Bool(BooleanBuilder::new()),
            Cell::List => Builder::List(ListBuilder::new(StringBuilder::new())),
        })
    }

    fn null(&mut self) {
        match self {
            Builder::Text(b) => b.append_null(),
            Builder::Money(b) => b.append_null(),
            Builder::Float(b) => b.append_null(),
            Builder::Int(b) => b.append_null(),
            Builder::Bool(b) => b.append_null(),
            Builder::List(b) => b.append_null(),
        }
    }

    /// A CSV field of the decisions, in its column's type (empty: null, but
    /// an empty list).
    fn field(&mut self, field: &[u8]) -> io::Result<()> {
        if field.is_empty() {
            if let Builder::List(b) = self {
                b.append(true);
            } else {
                self.null();
            }
            return Ok(());
        }
        match self {
            Builder::Text(b) => b.append_value(text(field)?),
            Builder::Money(b) => {
                b.append_value(parse_money(field).ok_or_else(|| bad("money", field))?)
            }
            Builder::Float(b) => b.append_value(parse("a number", field)?),
            Builder::Int(b) => b.append_value(parse("a whole number", field)?),
            Builder::Bool(b) => b.append_value(field == b"true"),
            Builder::List(b) => {
                for item in field.split(|&c| c == b';') {
                    b.values().append_value(text(item)?);
                }
                b.append(true);
            }
        }
        Ok(())
    }

    fn finish(&mut self) -> ArrayRef {
        match self {
            Builder::Text(b) => Arc::new(b.finish()),
            Builder::Money(b) => Arc::new(b.finish()),
            Builder::Float(b) => Arc::new(b.finish()),
            Builder::Int(b) => Arc::new(b.finish()),
            Builder::Bool(b) => Arc::new(b.finish()),
            Builder::List(b) => Arc::new(b.finish()),
        }
    }
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

/// The stage's records as an Arrow IPC stream.
pub struct ArrowStage<W: Write> {
    writer: StreamWriter<W>,
    schema: Arc<Schema>,
    kind: StringBuilder,
    index: Int64Builder,
    /// The decision's columns, then the reject's.
    columns: Vec<Builder>,
    /// Where `household_id` is among the decision's columns.
    id: Option<usize>,
    decision_columns: usize,
    rows: usize,
}

/// The Arrow schema of the stage's records, for decisions of `columns`.
pub fn arrow_schema(columns: &[(String, Cell)]) -> Schema {
    let mut fields = vec![
        Field::new("kind", DataType::Utf8, false),
        Field::new("index", DataType::Int64, false),
    ];
    for (name, cell) in columns {
        fields.push(Field::new(name, arrow_type(*cell), true));
    }
    for name in REJECT_FIELDS {
        fields.push(Field::new(name, DataType::Utf8, true));
    }
    Schema::new(fields)
}

impl<W: Write> ArrowStage<W> {
    /// Start the stream (its schema) for decisions of `columns`, in order.
    pub fn new(out: W, columns: &[(String, Cell)]) -> io::Result<ArrowStage<W>> {
        let schema = Arc::new(arrow_schema(columns));
        let writer = StreamWriter::try_new(out, &schema).map_err(io::Error::other)?;
        let mut builders = Vec::new();
        for (_, cell) in columns {
            builders.push(Builder::new(*cell)?);
        }
        for _ in REJECT_FIELDS {
            builders.push(Builder::new(Cell::Text)?);
        }
        Ok(ArrowStage {
            writer,
            schema,
            kind: StringBuilder::new(),
            index: Int64Builder::new(),
            columns: builders,
            id: columns.iter().position(|(n, _)| n == "household_id"),
            decision_columns: columns.len(),
            rows: 0,
        })
    }

    /// A decided record: its CSV record (text as read).
    pub fn decision(&mut self, index: u64, record: &csv::ByteRecord) -> io::Result<()> {
        if record.len() != self.decision_columns {
            return Err(bad("a row of", record.as_slice()));
        }
        self.kind.append_value("decision");
        self.index.append_value(index as i64);
        for (field, b) in record.iter().zip(&mut self.columns) {
            b.field(field)?;
        }
        for b in &mut self.columns[self.decision_columns..] {
            b.null();
        }
        self.row_done()
    }

    /// A rejected record.
    pub fn reject(&mut self, index: u64, r: &Reject) -> io::Result<()> {
        self.kind.append_value("reject");
        self.index.append_value(index as i64);
        for (i, b) in self.columns[..self.decision_columns].iter_mut().enumerate() {
            if Some(i) == self.id && !r.household_id.is_empty() {
                b.field(r.household_id.as_bytes())?;
            } else {
                b.null();
            }
        }
        let texts = [
            r.column.as_str(),
            r.value.as_str(),
            r.code.as_str(),
            r.message.as_str(),
        ];
        for (b, t) in self.columns[self.decision_columns..].iter_mut().zip(texts) {
            match b {
                Builder::Text(b) if t.is_empty() => b.append_null(),
                Builder::Text(b) => b.append_value(t),
                other => other.null(),
            }
        }
        self.row_done()
    }

    fn row_done(&mut self) -> io::Result<()> {
        self.rows += 1;
        if self.rows >= ARROW_BATCH {
            self.flush_batch()?;
        }
        Ok(())
    }

    /// Write the rows held as one record batch.
    pub fn flush_batch(&mut self) -> io::Result<()> {
        if self.rows == 0 {
            return Ok(());
        }
        let mut arrays: Vec<ArrayRef> =
            vec![Arc::new(self.kind.finish()), Arc::new(self.index.finish())];
        arrays.extend(self.columns.iter_mut().map(Builder::finish));
        let batch =
            RecordBatch::try_new(Arc::clone(&self.schema), arrays).map_err(io::Error::other)?;
        self.rows = 0;
        self.writer.write(&batch).map_err(arrow_io)?;
        self.writer.flush().map_err(io::Error::other)
    }

    /// Write the last rows and the end of the stream; the writer underneath.
    pub fn finish(mut self) -> io::Result<W> {
        self.flush_batch()?;
        self.writer.finish().map_err(arrow_io)?;
        self.writer.into_inner().map_err(arrow_io)
    }
}

fn arrow_io(e: arrow_schema::ArrowError) -> io::Error {
    match e {
        arrow_schema::ArrowError::IoError(_, e) => e,
        e => io::Error::other(e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::input::RejectCode;

    fn reject() -> Reject {
        Reject {
            line: 9,
            household_id: "H\"1".into(),
            column: "members".into(),
            value: "x".into(),
            code: RejectCode::InvalidValue,
            message: "not a number".into(),
        }
    }

    #[test]
    fn ndjson_records_say_their_kind_and_index() {
        let mut out = Vec::new();
        write_decision(7, b"{\"household_id\":\"H1\"}\n", &mut out);
        write_reject(8, &reject(), &mut out);
        let text = String::from_utf8(out).unwrap();
        let lines: Vec<serde_json::Value> = text
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect();
        assert_eq!(lines[0]["kind"], "decision");
        assert_eq!(lines[0]["index"], 7);
        assert_eq!(lines[0]["household_id"], "H1");
        assert_eq!(lines[1]["kind"], "reject");
        assert_eq!(lines[1]["index"], 8);
        assert_eq!(lines[1]["household_id"], "H\"1");
        assert_eq!(lines[1]["code"], "invalid_value");
        assert_eq!(lines[1]["reason"], "not a number");
    }

    #[test]
    fn arrow_records_read_back() {
        let cols = vec![
            ("household_id".to_string(), Cell::Id),
            ("monthly_total".to_string(), Cell::Int),
            ("programs".to_string(), Cell::List),
        ];
        let mut s = ArrowStage::new(Vec::new(), &cols).unwrap();
        let mut rec = csv::ByteRecord::new();
        rec.push_field(b"H0");
        rec.push_field(b"300000");
        rec.push_field(b"a;b");
        s.decision(0, &rec).unwrap();
        s.reject(1, &reject()).unwrap();
        let bytes = s.finish().unwrap();
        let reader =
            arrow_ipc::reader::StreamReader::try_new(std::io::Cursor::new(bytes), None).unwrap();
        let batches: Vec<RecordBatch> = reader.map(Result::unwrap).collect();
        assert_eq!(batches.len(), 1);
        let b = &batches[0];
        assert_eq!(b.num_rows(), 2);
        assert_eq!(b.num_columns(), 2 + 3 + 4);
        use arrow_array::Array;
        use arrow_array::cast::AsArray;
        let kind = b.column(0).as_string::<i32>();
        assert_eq!((kind.value(0), kind.value(1)), ("decision", "reject"));
        let id = b.column(2).as_string::<i32>();
        assert_eq!((id.value(0), id.value(1)), ("H0", "H\"1"));
        let code = b.column_by_name("code").unwrap().as_string::<i32>();
        assert!(code.is_null(0));
        assert_eq!(code.value(1), "invalid_value");
    }
}
