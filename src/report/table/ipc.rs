//! Arrow IPC record-batch messages written from our own column buffers
//! (stage mode's Arrow output): the bytes arrow's `StreamWriter` writes for
//! the same record batch (arrow-ipc 59, default options: metadata V5,
//! 64-byte alignment, no compression), without building a `RecordBatch`
//! first — no string array checked again, no copy through arrow's encoder.

use std::io;

use arrow_buffer::ToByteSlice;
use arrow_data::ArrayData;
use arrow_schema::DataType;
use flatbuffers::FlatBufferBuilder;

use super::TextColumn;

/// Arrow's alignment of the header and of every body buffer.
const ALIGNMENT: usize = 64;
const PADDING: [u8; ALIGNMENT] = [0; ALIGNMENT];
/// An empty array's offsets: one 0 (as arrow writes them).
const ZERO_OFFSET: [u8; 4] = [0; 4];

fn padding(len: usize) -> usize {
    len.next_multiple_of(ALIGNMENT) - len
}

/// One record-batch message being laid out: its field nodes, its buffers
/// (where each lies in the body) and the bytes of each, written at once by
/// [`IpcMessage::write`].
pub struct IpcMessage<'a> {
    rows: usize,
    nodes: Vec<arrow_ipc::FieldNode>,
    buffers: Vec<arrow_ipc::Buffer>,
    parts: Vec<&'a [u8]>,
    /// The body's length so far (every buffer padded).
    body: usize,
}

impl<'a> IpcMessage<'a> {
    /// A message of `rows` rows with room for `columns` columns.
    pub fn new(rows: usize, columns: usize) -> IpcMessage<'a> {
        IpcMessage {
            rows,
            nodes: Vec::with_capacity(columns + 2),
            buffers: Vec::with_capacity(columns * 3 + 4),
            parts: Vec::with_capacity(columns * 3 + 4),
            body: 0,
        }
    }

    fn node(&mut self, len: usize, nulls: usize) {
        self.nodes
            .push(arrow_ipc::FieldNode::new(len as i64, nulls as i64));
    }

    fn buffer(&mut self, bytes: &'a [u8]) {
        self.buffers
            .push(arrow_ipc::Buffer::new(self.body as i64, bytes.len() as i64));
        self.body += bytes.len() + padding(bytes.len());
        self.parts.push(bytes);
    }

    /// A validity bitmap: none (an empty buffer) without a null.
    fn validity(&mut self, nulls: usize, bitmap: &'a [u8]) {
        self.buffer(if nulls > 0 { bitmap } else { &[] });
    }

    /// A text column, its bitmap packed ([`TextColumn::seal`]).
    pub fn text(&mut self, column: &'a TextColumn) {
        let (nulls, bitmap, offsets, values) = column.parts();
        self.node(column.len(), nulls);
        self.validity(nulls, bitmap);
        self.buffer(offsets.to_byte_slice());
        self.buffer(values);
    }

    /// A column built by an arrow builder (of the types a decision
    /// column has), read where it starts: it must not be a slice.
    pub fn array(&mut self, data: &'a ArrayData) -> io::Result<()> {
        if data.offset() != 0 {
            return Err(unsupported(data));
        }
        let (len, nulls) = (data.len(), data.null_count());
        self.node(len, nulls);
        let bitmap = data.nulls().map_or(&[][..], |n| n.validity());
        self.validity(nulls, &bitmap[..bitmap.len().min(len.div_ceil(8))]);
        let first = |i: usize| data.buffers().get(i).map_or(&[][..], |b| b.as_slice());
        match data.data_type() {
            DataType::Utf8 | DataType::List(_) => {
                let end = self.offsets(data, first(0))?;
                if let DataType::List(_) = data.data_type() {
                    let child = data.child_data().first().ok_or_else(|| unsupported(data))?;
                    if child.len() != end {
                        return Err(unsupported(data));
                    }
                    self.array(child)?;
                } else {
                    self.buffer(first(1).get(..end).ok_or_else(|| unsupported(data))?);
                }
            }
            DataType::Boolean => {
                self.buffer(
                    first(0)
                        .get(..len.div_ceil(8))
                        .ok_or_else(|| unsupported(data))?,
                );
            }
            t => match t.primitive_width() {
                Some(width) => self.buffer(
                    first(0)
                        .get(..len * width)
                        .ok_or_else(|| unsupported(data))?,
                ),
                None => return Err(unsupported(data)),
            },
        }
        Ok(())
    }

    /// The offsets of a text or list column (from 0, as the builders
    /// write them; an empty column's a single 0): the buffer, and where
    /// its last value ends.
    fn offsets(&mut self, data: &ArrayData, offsets: &'a [u8]) -> io::Result<usize> {
        if offsets.get(..4).is_some_and(|o| o != ZERO_OFFSET) {
            return Err(unsupported(data));
        }
        let len = data.len();
        if len == 0 {
            self.buffer(&ZERO_OFFSET);
            return Ok(0);
        }
        let used = offsets
            .get(..(len + 1) * 4)
            .ok_or_else(|| unsupported(data))?;
        self.buffer(used);
        <[u8; 4]>::try_from(&used[len * 4..])
            .ok()
            .map(i32::from_le_bytes)
            .and_then(|e| usize::try_from(e).ok())
            .ok_or_else(|| unsupported(data))
    }

    /// Write the message at the end of `out`: the continuation marker,
    /// the header's length, the flatbuffer `Message` header (built as
    /// arrow's `IpcDataGenerator` builds it, in `fbb`), then the body.
    pub fn write(self, fbb: &mut FlatBufferBuilder<'_>, out: &mut Vec<u8>) {
        fbb.reset();
        let buffers = fbb.create_vector(&self.buffers);
        let nodes = fbb.create_vector(&self.nodes);
        let root = {
            let mut batch = arrow_ipc::RecordBatchBuilder::new(fbb);
            batch.add_length(self.rows as i64);
            batch.add_nodes(nodes);
            batch.add_buffers(buffers);
            batch.finish().as_union_value()
        };
        let mut message = arrow_ipc::MessageBuilder::new(fbb);
        message.add_version(arrow_ipc::MetadataVersion::V5);
        message.add_header_type(arrow_ipc::MessageHeader::RecordBatch);
        message.add_bodyLength(self.body as i64);
        message.add_header(root);
        let root = message.finish();
        fbb.finish(root, None);
        let header = fbb.finished_data();
        // The prefix (marker and length) and header padded together.
        let padded = (header.len() + 8).next_multiple_of(ALIGNMENT) - 8;
        out.reserve(8 + padded + self.body);
        out.extend_from_slice(&[0xff; 4]);
        out.extend_from_slice(&(padded as i32).to_le_bytes());
        out.extend_from_slice(header);
        out.extend_from_slice(&PADDING[..padded - header.len()]);
        for part in self.parts {
            out.extend_from_slice(part);
            out.extend_from_slice(&PADDING[..padding(part.len())]);
        }
    }
}

fn unsupported(data: &ArrayData) -> io::Error {
    io::Error::other(format!(
        "internal: an Arrow column of {} not laid out as stage output writes it",
        data.data_type()
    ))
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use arrow_array::RecordBatch;
    use arrow_ipc::reader::StreamReader;
    use arrow_ipc::writer::StreamWriter;
    use arrow_schema::{Field, Schema};

    use super::super::{Cell, TypedColumn, arrow_type};
    use super::*;

    const CELLS: [Cell; 7] = [
        Cell::Id,
        Cell::Text,
        Cell::Money,
        Cell::Float,
        Cell::Int,
        Cell::Bool,
        Cell::List,
    ];

    /// Row `r`'s field of a column of `cell`, as the decision writer's CSV
    /// has it (empty is null, or an empty list); `all_null` columns hold
    /// none, as a reject's columns for decisions.
    fn field(cell: Cell, r: usize, all_null: bool) -> &'static [u8] {
        if all_null || r % 4 == 3 {
            return b"";
        }
        match (cell, r % 3) {
            (Cell::Id | Cell::Text, 0) => "Désa Ŝ;x".as_bytes(),
            (Cell::Id | Cell::Text, 1) => b"H1",
            (Cell::Id | Cell::Text, _) => "東".as_bytes(),
            (Cell::Money, _) => b"-1500.25",
            (Cell::Float, _) => b"0.125",
            (Cell::Int, _) => b"42",
            (Cell::Bool, 0) => b"false",
            (Cell::Bool, _) => b"true",
            (Cell::List, 0) => "a;bé;c".as_bytes(),
            (Cell::List, _) => b"x",
        }
    }

    /// A batch of `rows` rows of every column type through our writer and
    /// through arrow's: the same bytes, and arrow reads ours back as the
    /// batch (several batches a column, so that a column is reused).
    fn check(batches: &[usize], no_nulls: bool) {
        let mut cells = CELLS.to_vec();
        cells.extend(CELLS);
        let schema = Arc::new(Schema::new(
            cells
                .iter()
                .enumerate()
                .map(|(i, c)| Field::new(format!("c{i}"), arrow_type(*c), true))
                .collect::<Vec<_>>(),
        ));
        let mut ours: Vec<TypedColumn> = cells
            .iter()
            .map(|c| TypedColumn::new(*c).unwrap())
            .collect();
        let mut arrows = StreamWriter::try_new(Vec::new(), &schema).unwrap();
        let mut stream = arrows.get_ref().clone();
        let mut header = FlatBufferBuilder::new();
        let mut expected = Vec::new();
        for &rows in batches {
            let mut theirs: Vec<TypedColumn> = cells
                .iter()
                .map(|c| TypedColumn::new(*c).unwrap())
                .collect();
            for r in 0..rows {
                for (i, (a, b)) in ours.iter_mut().zip(&mut theirs).enumerate() {
                    // The second set of columns all null (but no_nulls).
                    let all_null = i >= CELLS.len() && !no_nulls;
                    let f = field(cells[i], if no_nulls { r % 3 } else { r }, all_null);
                    a.field(f).unwrap();
                    b.field(f).unwrap();
                }
            }
            let arrays = theirs.iter_mut().map(|c| c.finish(4).unwrap()).collect();
            let batch = RecordBatch::try_new(Arc::clone(&schema), arrays).unwrap();
            arrows.get_mut().clear();
            arrows.write(&batch).unwrap();
            let built: Vec<Option<ArrayData>> = ours
                .iter_mut()
                .map(|c| match c.text() {
                    Some(t) => {
                        t.seal().unwrap();
                        None
                    }
                    None => Some(c.finish(4).unwrap().to_data()),
                })
                .collect();
            let mut message = IpcMessage::new(rows, cells.len());
            for (c, b) in ours.iter().zip(&built) {
                match (c, b) {
                    (TypedColumn::Text(t), _) => message.text(t),
                    (_, Some(data)) => message.array(data).unwrap(),
                    _ => unreachable!(),
                }
            }
            let mut written = Vec::new();
            message.write(&mut header, &mut written);
            assert_eq!(
                &written,
                arrows.get_ref(),
                "batches {batches:?}, {rows} rows"
            );
            for c in &mut ours {
                if let Some(t) = c.text() {
                    t.clear();
                }
            }
            stream.extend_from_slice(&written);
            expected.push(batch);
        }
        stream.extend_from_slice(&[0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0]);
        let read: Vec<RecordBatch> = StreamReader::try_new(&stream[..], None)
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap();
        assert_eq!(read, expected);
    }

    #[test]
    fn messages_are_arrows_stream_writers() {
        check(&[0], false);
        check(&[1], false);
        check(&[5, 0, 64, 3], false);
        check(&[2_048, 7, 9], false);
        check(&[9, 8], true);
    }

    #[test]
    fn text_that_is_not_utf8_names_its_cell() {
        let mut text = TextColumn::default();
        text.field(b"fine").unwrap();
        text.field(b"H\xff1").unwrap();
        let err = text.seal().unwrap_err().to_string();
        assert!(err.contains("cannot read text \"H\u{fffd}1\""), "{err}");
    }
}
