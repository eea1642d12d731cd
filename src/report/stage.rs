//! Stage mode's output (issue 16): exactly one record per input record, in
//! input order — a decision, or a reject — as NDJSON or as an Arrow IPC
//! stream.
//!
//! NDJSON: a decision is the decision object `--format ndjson` writes,
//! opened by `"kind":"decision"` and its `"index"` (the record's place in
//! the input, from 0); a reject is
//! `{"kind":"reject","index":…,"household_id":…,"column":…,"value":…,"code":…,"reason":…}`.
//! Each worker writes the records of its batch whole; the stage's merger
//! only copies them.
//!
//! Arrow: one table whose columns are `kind`, `index`, the decision's CSV
//! columns, typed as in a Parquet output ([`super::table::column_types`]),
//! then the reject's `column`, `value`, `code` and `reason`; a decision
//! leaves the reject's columns null, a reject the decision's (but its
//! `household_id`). Each worker builds the typed columns of its batch from
//! its decisions ([`ArrowRows`]: each value as the CSV cell of raw text
//! would read back, [`DecisionWriter::typed_decision`]) and encodes them as
//! IPC record-batch messages; the merger writes the schema, then those
//! messages in order ([`ArrowStage`]). A record batch holds the records of
//! one input batch (Arrow) or chunk (NDJSON), at most [`ARROW_BATCH`].

use arrow_ipc::writer::StreamWriter;
use arrow_schema::{DataType, Field, Schema};
use flatbuffers::FlatBufferBuilder;
use std::io::{self, IoSlice, Write};

use super::json::write_json_str;
use super::table::{
    Cell, IpcMessage, TextColumn, TypedColumn, Values, arrow_type, write_all_vectored,
};
use super::{Constant, Decision, DecisionWriter, Format, OutputShape};
use crate::input::Reject;
use crate::policy::Policy;

/// The columns of a reject, after the decision's, in the Arrow output.
pub const REJECT_FIELDS: [&str; 4] = ["column", "value", "code", "reason"];

/// Most rows of an Arrow record batch written. Small batches keep a
/// worker's column builders in cache and their memory reused by the
/// allocator: at 16,384 rows (several MB a batch) every batch faulted fresh
/// pages in and Arrow output took 25% more time (benches/README.md).
pub const ARROW_BATCH: usize = 2_048;

/// Open a decided record: `{"kind":"decision","index":N`, then the
/// decision object (`{…}\n`) is written after it, from the returned
/// offset, and [`close_decision`] joins the two.
#[inline]
pub fn open_decision(index: u64, out: &mut Vec<u8>) -> usize {
    out.extend_from_slice(b"{\"kind\":\"decision\",\"index\":");
    crate::numfmt::write_u64(index, out);
    out.len()
}

/// Join the decision object written from `at` to its record's opening:
/// its `{` becomes the `,` after the index (or goes, for `{}`).
#[inline]
pub fn close_decision(out: &mut Vec<u8>, at: usize) {
    match out.get(at..at + 2) {
        Some([b'{', b'}']) => {
            out.remove(at);
        }
        Some([b'{', _]) => out[at] = b',',
        _ => {
            out.truncate(at);
            out.extend_from_slice(b"}\n");
        }
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

/// The stage's records as an Arrow IPC stream: the schema, then the
/// record-batch messages the workers encoded ([`ArrowRows`]), in order.
pub struct ArrowStage<W: Write> {
    writer: StreamWriter<W>,
    columns: Vec<(String, Cell)>,
}

impl<W: Write> ArrowStage<W> {
    /// Start the stream (its schema) for decisions of `columns`, in order.
    pub fn new(out: W, columns: &[(String, Cell)]) -> io::Result<ArrowStage<W>> {
        let schema = arrow_schema(columns);
        let writer = StreamWriter::try_new(out, &schema).map_err(arrow_io)?;
        Ok(ArrowStage {
            writer,
            columns: columns.to_vec(),
        })
    }

    /// The decisions' columns.
    pub fn columns(&self) -> &[(String, Cell)] {
        &self.columns
    }

    /// Record-batch messages of this stream's schema, encoded by
    /// [`ArrowRows::write`] into a buffer.
    pub fn write_encoded(&mut self, messages: &[u8]) -> io::Result<()> {
        self.writer.get_mut().write_all(messages)
    }

    /// The stream's writer, for the next messages written straight to it
    /// ([`ArrowRows::write`]).
    pub fn inner(&mut self) -> &mut W {
        self.writer.get_mut()
    }

    /// Write the end of the stream; the writer underneath.
    pub fn finish(mut self) -> io::Result<W> {
        self.writer.finish().map_err(arrow_io)?;
        self.writer.into_inner().map_err(arrow_io)
    }
}

/// A worker's records as typed columns, encoded as IPC record-batch
/// messages of [`ArrowStage`]'s schema.
pub struct ArrowRows<'p> {
    /// CSV of raw text, in the stage's shape: what the values read as.
    writer: DecisionWriter<'p>,
    /// The records' columns, kept from message to message.
    records: Records,
    /// The decision's columns whose value is the same in every decision
    /// (`DecisionWriter::typed_constants`), and that value.
    constants: Vec<(usize, Constant<'p>)>,
    /// Decisions since the columns a decision adds nothing of its own to
    /// (`kind`, the constants, the reject's) were last brought level: they
    /// are added in bulk, before a reject's values and when the batch is
    /// encoded (four nulls a decision one at a time cost 190 instructions
    /// a record).
    pending: usize,
    /// Where `household_id` and `weight` are among the decision's columns.
    id: Option<usize>,
    weight: Option<usize>,
    /// A reused buffer for a weight's text.
    cell: Vec<u8>,
    /// Builds each message's flatbuffer header (reused).
    header: FlatBufferBuilder<'static>,
    /// The message's header as written: the continuation marker, the
    /// length and the padded flatbuffer (reused).
    header_bytes: Vec<u8>,
}

impl<'p> ArrowRows<'p> {
    /// For decisions of `policy` in `shape` (raw text), whose columns are
    /// `columns`: the shape's, then `weight` if the run has weights.
    pub fn new(
        policy: &'p Policy,
        shape: &OutputShape,
        columns: &[(String, Cell)],
    ) -> io::Result<ArrowRows<'p>> {
        let weight = columns.iter().position(|(n, _)| n == "weight");
        if weight.is_some_and(|w| w + 1 != columns.len()) || !shape.raw_text {
            return Err(io::Error::other(
                "internal: stage columns are the shape's, then the weight, of raw text",
            ));
        }
        let writer = DecisionWriter::with_shape(policy, Format::Csv, Some(shape));
        Ok(ArrowRows {
            records: Records::new(columns),
            constants: writer.typed_constants(),
            writer,
            pending: 0,
            id: columns.iter().position(|(n, _)| n == "household_id"),
            weight,
            cell: Vec::new(),
            header: FlatBufferBuilder::new(),
            header_bytes: Vec::new(),
        })
    }

    /// The records held (not yet encoded).
    pub fn rows(&self) -> usize {
        self.records.index.len()
    }

    /// A decided record, with its survey weight in `WEIGHT_UNIT`s if any.
    pub fn decision(
        &mut self,
        index: u64,
        d: &mut Decision<'_>,
        weight: Option<u64>,
    ) -> io::Result<()> {
        let records = &mut self.records;
        records.index.push(index as i64);
        self.writer.typed_decision(d, &mut records.columns)?;
        if let Some(w) = self.weight.and_then(|w| records.columns.get_mut(w)) {
            self.cell.clear();
            if let Some(units) = weight {
                crate::input::write_weight(units, &mut self.cell);
            }
            w.field(&self.cell)?;
        }
        self.pending += 1;
        Ok(())
    }

    /// A rejected record.
    pub fn reject(&mut self, index: u64, r: &Reject) -> io::Result<()> {
        self.level()?;
        let records = &mut self.records;
        records.kind.field(b"reject")?;
        records.index.push(index as i64);
        for (i, b) in records.columns.iter_mut().enumerate() {
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
        for (b, t) in records.reject_columns.iter_mut().zip(texts) {
            b.field(t.as_bytes())?;
        }
        Ok(())
    }

    /// The decisions since the last call added to the columns a decision
    /// adds nothing of its own to: its `kind`, the constants, the reject's
    /// columns null.
    fn level(&mut self) -> io::Result<()> {
        let rows = std::mem::take(&mut self.pending);
        let records = &mut self.records;
        records.kind.repeat(b"decision", rows)?;
        for &(i, constant) in &self.constants {
            let Some(c) = records.columns.get_mut(i) else {
                continue;
            };
            match constant {
                Constant::Text(text) => c.repeat(text.as_bytes(), rows)?,
                Constant::Null => c.nulls(rows),
            }
        }
        for c in &mut records.reject_columns {
            c.nulls(rows);
        }
        Ok(())
    }

    /// Encode the records held (if any) as one record-batch message, the
    /// bytes arrow's `StreamWriter` writes, and write it to `out`: its
    /// header, then its body straight from the columns' buffers in vectored
    /// writes ([`IpcMessage::body`]). The columns are then emptied for the
    /// next records.
    pub fn write<W: Write + ?Sized>(&mut self, out: &mut W) -> io::Result<()> {
        if self.rows() == 0 {
            return Ok(());
        }
        self.level()?;
        let records = &mut self.records;
        records.kind.seal()?;
        for c in &mut records.reject_columns {
            c.seal()?;
        }
        for c in &mut records.columns {
            c.seal()?;
        }
        let message = records.message();
        self.header_bytes.clear();
        message.header(&mut self.header, &mut self.header_bytes);
        let mut slices = Vec::with_capacity(4 * (records.columns.len() + 8));
        slices.push(IoSlice::new(&self.header_bytes));
        message.body(&mut slices);
        write_all_vectored(out, &mut slices)?;
        self.records.clear();
        Ok(())
    }
}

/// A worker's records as columns: once sealed, the body of their
/// record-batch message stays in the columns' own buffers and is written
/// from them ([`ArrowRows::write`]), not copied into one buffer first.
struct Records {
    kind: TextColumn,
    index: Values<i64>,
    /// The decision's columns.
    columns: Vec<TypedColumn>,
    /// The reject's columns: text. Null for a decision.
    reject_columns: Vec<TextColumn>,
}

impl Records {
    fn new(columns: &[(String, Cell)]) -> Records {
        Records {
            kind: TextColumn::default(),
            index: Values::default(),
            columns: columns.iter().map(|(_, c)| TypedColumn::new(*c)).collect(),
            reject_columns: REJECT_FIELDS.map(|_| TextColumn::default()).into(),
        }
    }

    /// The message's layout over its sealed columns.
    fn message(&self) -> IpcMessage<'_> {
        let mut message = IpcMessage::new(
            self.index.len(),
            self.columns.len() + 2 + REJECT_FIELDS.len(),
        );
        message.text(&self.kind);
        message.values(&self.index);
        for c in &self.columns {
            message.column(c);
        }
        for c in &self.reject_columns {
            message.text(c);
        }
        message
    }

    fn clear(&mut self) {
        self.kind.clear();
        self.index.clear();
        for c in &mut self.columns {
            c.clear();
        }
        for c in &mut self.reject_columns {
            c.clear();
        }
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
        let at = open_decision(7, &mut out);
        out.extend_from_slice(b"{\"household_id\":\"H1\"}\n");
        close_decision(&mut out, at);
        write_reject(8, &reject(), &mut out);
        // An empty object, and nothing written.
        let at = open_decision(9, &mut out);
        out.extend_from_slice(b"{}\n");
        close_decision(&mut out, at);
        let at = open_decision(10, &mut out);
        close_decision(&mut out, at);
        let text = String::from_utf8(out).unwrap();
        let lines: Vec<serde_json::Value> = text
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect();
        assert_eq!(lines.len(), 4);
        assert_eq!(lines[0]["kind"], "decision");
        assert_eq!(lines[0]["index"], 7);
        assert_eq!(lines[0]["household_id"], "H1");
        assert_eq!(lines[1]["kind"], "reject");
        assert_eq!(lines[1]["index"], 8);
        assert_eq!(lines[1]["household_id"], "H\"1");
        assert_eq!(lines[1]["code"], "invalid_value");
        assert_eq!(lines[1]["reason"], "not a number");
        assert_eq!(
            lines[2],
            serde_json::json!({"kind": "decision", "index": 9})
        );
        assert_eq!(
            lines[3],
            serde_json::json!({"kind": "decision", "index": 10})
        );
    }
}
