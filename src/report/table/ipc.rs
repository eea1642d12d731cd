//! Arrow IPC record-batch messages written from our own column buffers
//! (stage mode's Arrow output): the bytes arrow's `StreamWriter` writes for
//! the same record batch (arrow-ipc 59, default options: metadata V5,
//! 64-byte alignment, no compression), without building a `RecordBatch`
//! first — no string array checked again, no copy through arrow's encoder.

use std::io::{self, IoSlice, Write};

use arrow_buffer::{ArrowNativeType, ToByteSlice};
use flatbuffers::FlatBufferBuilder;

use super::{TextColumn, TypedColumn, Validity, Values};

/// Arrow's alignment of the header and of every body buffer.
const ALIGNMENT: usize = 64;
const PADDING: [u8; ALIGNMENT] = [0; ALIGNMENT];

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

    /// A text column, checked ([`TextColumn::seal`]).
    pub fn text(&mut self, column: &'a TextColumn) {
        let (nulls, bitmap, offsets, values) = column.parts();
        self.node(column.len(), nulls);
        self.validity(nulls, bitmap);
        self.buffer(offsets.to_byte_slice());
        self.buffer(values);
    }

    /// A column's node and validity bitmap.
    fn head(&mut self, len: usize, validity: &'a Validity) {
        self.node(len, validity.null_count());
        self.validity(validity.null_count(), validity.bitmap());
    }

    /// A column of fixed-width values.
    pub fn values<T: ArrowNativeType>(&mut self, column: &'a Values<T>) {
        self.head(column.len(), &column.validity);
        self.buffer(column.values().to_byte_slice());
    }

    /// A decision column, sealed ([`TypedColumn::seal`]).
    pub fn column(&mut self, column: &'a TypedColumn) {
        match column {
            TypedColumn::Text(c) => self.text(c),
            TypedColumn::Money(c) => self.values(c),
            TypedColumn::Float(c) => self.values(c),
            TypedColumn::Int(c) => self.values(c),
            TypedColumn::Bool(c) => {
                self.head(c.len(), &c.validity);
                self.buffer(c.bits());
            }
            TypedColumn::List(c) => {
                let (offsets, item_offsets, items) = c.parts();
                self.head(c.len(), &c.validity);
                self.buffer(offsets.to_byte_slice());
                // The items: a string column without nulls.
                self.node(item_offsets.len() - 1, 0);
                self.buffer(&[]);
                self.buffer(item_offsets.to_byte_slice());
                self.buffer(items);
            }
        }
    }

    /// Write the message's header at the end of `out`: the continuation
    /// marker, the header's length, the flatbuffer `Message` header (built
    /// as arrow's `IpcDataGenerator` builds it, in `fbb`) and its padding.
    /// The body follows it: [`IpcMessage::body`].
    pub fn header(&self, fbb: &mut FlatBufferBuilder<'_>, out: &mut Vec<u8>) {
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
        out.reserve(8 + padded);
        out.extend_from_slice(&[0xff; 4]);
        out.extend_from_slice(&(padded as i32).to_le_bytes());
        out.extend_from_slice(header);
        out.extend_from_slice(&PADDING[..padded - header.len()]);
    }

    /// The message's body, in order, at the end of `out`: each buffer
    /// straight from its column, then its padding (empty pieces left out),
    /// for one vectored write ([`write_all_vectored`]) with no copy.
    pub fn body(&self, out: &mut Vec<IoSlice<'a>>) {
        for part in &self.parts {
            if !part.is_empty() {
                out.push(IoSlice::new(part));
            }
            let pad = padding(part.len());
            if pad > 0 {
                out.push(IoSlice::new(&PADDING[..pad]));
            }
        }
    }

    /// Write the whole message (header and body) at the end of `out`.
    pub fn write(self, fbb: &mut FlatBufferBuilder<'_>, out: &mut Vec<u8>) {
        self.header(fbb, out);
        out.reserve(self.body);
        for part in self.parts {
            out.extend_from_slice(part);
            out.extend_from_slice(&PADDING[..padding(part.len())]);
        }
    }
}

/// Write every byte of `slices`, in order, with `write_vectored` (std's
/// `write_all_vectored` is unstable): a partial write goes on from the
/// first byte not written; an interrupted call is retried and a call that
/// writes nothing is an error, as `write_all`'s.
pub fn write_all_vectored<W: Write + ?Sized>(
    out: &mut W,
    mut slices: &mut [IoSlice<'_>],
) -> io::Result<()> {
    IoSlice::advance_slices(&mut slices, 0);
    while !slices.is_empty() {
        match out.write_vectored(slices) {
            Ok(0) => {
                return Err(io::Error::new(
                    io::ErrorKind::WriteZero,
                    "failed to write whole buffer",
                ));
            }
            Ok(n) => IoSlice::advance_slices(&mut slices, n),
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use arrow_array::builder::{
        BooleanBuilder, Decimal128Builder, Float64Builder, Int64Builder, ListBuilder, StringBuilder,
    };
    use arrow_array::{ArrayRef, RecordBatch};
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

    /// Where a batch's nulls are.
    #[derive(Debug, Clone, Copy, PartialEq)]
    enum Nulls {
        No,
        /// Rows 11, 15, 27, 31 … (eleven rows valid when the bitmap
        /// starts) and the last; the second set of columns all
        /// null (as a reject's columns for decisions).
        Some,
        /// The first row and the last.
        Edges,
        /// Every row of every column.
        All,
    }

    /// Row `r` (of `rows`) of a column of `cell`: `None` for a null, else
    /// the decision writer's CSV field (an empty list's is empty).
    fn value(cell: Cell, r: usize, rows: usize, nulls: Nulls) -> Option<&'static [u8]> {
        let null = match nulls {
            Nulls::No => false,
            Nulls::Some => r % 16 == 11 || r % 16 == 15 || r + 1 == rows,
            Nulls::Edges => r == 0 || r + 1 == rows,
            Nulls::All => true,
        };
        if null {
            return None;
        }
        Some(match (cell, r % 3) {
            (Cell::Id | Cell::Text, 0) => "Désa Ŝ;x".as_bytes(),
            (Cell::Id | Cell::Text, 1) => b"H1",
            (Cell::Id | Cell::Text, _) => "東".as_bytes(),
            (Cell::Money, 0) => b"-1500.25",
            (Cell::Money, _) => b"7",
            (Cell::Float, _) => b"0.125",
            (Cell::Int, _) => b"42",
            (Cell::Bool, 0) => b"false",
            (Cell::Bool, _) => b"true",
            (Cell::List, 0) => "a;bé;c".as_bytes(),
            (Cell::List, 1) => b"",
            (Cell::List, _) => b"x",
        })
    }

    /// Add a value to one of our columns: as CSV text, or (`typed`) as
    /// stage mode's path gives it (units, flags, list items).
    fn add(column: &mut TypedColumn, cell: Cell, v: Option<&[u8]>, typed: bool) {
        let Some(f) = v else {
            column.null();
            return;
        };
        let text = std::str::from_utf8(f).unwrap();
        let done = typed
            && match cell {
                Cell::Money if f == b"7" => column.fixed(7, 0),
                Cell::Money => column.fixed(-150_025, 2),
                Cell::Float => column.fixed(125, 3),
                Cell::Int => column.whole(42),
                Cell::Bool => column.flag(f == b"true"),
                Cell::List => {
                    let list = column.list().unwrap();
                    for item in text.split(';').filter(|i| !i.is_empty()) {
                        list.item(item);
                    }
                    list.close().unwrap();
                    true
                }
                _ => false,
            };
        if !done {
            column.field(f).unwrap();
        }
    }

    /// The column of `values` built by arrow's own builders.
    fn reference(cell: Cell, values: &[Option<&[u8]>]) -> ArrayRef {
        let text = |v: &[u8]| std::str::from_utf8(v).unwrap().to_string();
        match cell {
            Cell::Id | Cell::Text => {
                let mut b = StringBuilder::new();
                values.iter().for_each(|v| b.append_option(v.map(text)));
                Arc::new(b.finish())
            }
            Cell::Money => {
                let mut b = Decimal128Builder::new()
                    .with_precision_and_scale(18, 2)
                    .unwrap();
                for v in values {
                    b.append_option(v.map(|v| if v == b"7" { 700 } else { -150025 }));
                }
                Arc::new(b.finish())
            }
            Cell::Float => {
                let mut b = Float64Builder::new();
                values
                    .iter()
                    .for_each(|v| b.append_option(v.map(|_| 0.125)));
                Arc::new(b.finish())
            }
            Cell::Int => {
                let mut b = Int64Builder::new();
                values.iter().for_each(|v| b.append_option(v.map(|_| 42)));
                Arc::new(b.finish())
            }
            Cell::Bool => {
                let mut b = BooleanBuilder::new();
                values
                    .iter()
                    .for_each(|v| b.append_option(v.map(|v| v == b"true")));
                Arc::new(b.finish())
            }
            Cell::List => {
                let mut b = ListBuilder::new(StringBuilder::new());
                for v in values {
                    match v {
                        Some(v) => {
                            let v = text(v);
                            for item in v.split(';').filter(|i| !i.is_empty()) {
                                b.values().append_value(item);
                            }
                            b.append(true);
                        }
                        None => b.append_null(),
                    }
                }
                Arc::new(b.finish())
            }
        }
    }

    /// Batches of every column type through our columns and writer and
    /// through arrow's builders and writer: the same bytes, and arrow reads
    /// ours back as the batches. The same columns serve every batch; a
    /// second set, finished into arrays as Parquet output does, holds
    /// arrow's arrays.
    fn check(batches: &[(usize, Nulls)]) {
        let mut cells = CELLS.to_vec();
        cells.extend(CELLS);
        let schema = Arc::new(Schema::new(
            cells
                .iter()
                .enumerate()
                .map(|(i, c)| Field::new(format!("c{i}"), arrow_type(*c), true))
                .collect::<Vec<_>>(),
        ));
        let mut ours: Vec<TypedColumn> = cells.iter().map(|c| TypedColumn::new(*c)).collect();
        let mut parquet: Vec<TypedColumn> = cells.iter().map(|c| TypedColumn::new(*c)).collect();
        let mut arrows = StreamWriter::try_new(Vec::new(), &schema).unwrap();
        let mut stream = arrows.get_ref().clone();
        let mut header = FlatBufferBuilder::new();
        let mut expected = Vec::new();
        for (b, &(rows, nulls)) in batches.iter().enumerate() {
            let mut arrays = Vec::new();
            let columns = cells.iter().zip(ours.iter_mut().zip(&mut parquet));
            for (i, (&cell, (column, finished))) in columns.enumerate() {
                let nulls = match nulls {
                    Nulls::Some if i >= CELLS.len() => Nulls::All,
                    n => n,
                };
                let values: Vec<_> = (0..rows).map(|r| value(cell, r, rows, nulls)).collect();
                for (r, v) in values.iter().enumerate() {
                    add(column, cell, *v, (r + b + i) % 2 == 1);
                    add(finished, cell, *v, (r + b + i) % 2 == 0);
                }
                let array = reference(cell, &values);
                let built = finished.finish(4).unwrap();
                assert_eq!(built.to_data(), array.to_data(), "batch {b}, column {i}");
                arrays.push(array);
            }
            let batch = RecordBatch::try_new(Arc::clone(&schema), arrays).unwrap();
            arrows.get_mut().clear();
            arrows.write(&batch).unwrap();
            let mut message = IpcMessage::new(rows, cells.len());
            for c in &mut ours {
                c.seal().unwrap();
            }
            for c in &ours {
                message.column(c);
            }
            // The header, then the body in one vectored write to a writer
            // taking a few bytes a call: the bytes of the whole message.
            let mut slices = Vec::new();
            message.body(&mut slices);
            let mut trickle = Trickle::default();
            message.header(&mut header, &mut trickle.out);
            write_all_vectored(&mut trickle, &mut slices).unwrap();
            let written = trickle.out;
            let mut whole = Vec::new();
            message.write(&mut header, &mut whole);
            assert!(whole == written, "batches {batches:?}, batch {b}");
            assert_eq!(&written, arrows.get_ref(), "batches {batches:?}, batch {b}");
            for c in &mut ours {
                c.clear();
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
        use Nulls::*;
        check(&[(0, Some)]);
        check(&[(1, Some)]);
        check(&[(1, No), (1, All)]);
        check(&[(5, Some), (0, Some), (64, Some), (3, Some)]);
        // A batch of the stage's size, then batches reusing its buffers:
        // with and without nulls, nulls at the first and last rows and at
        // a byte's edge (9, 16, 17 rows), all null.
        check(&[
            (2_048, Some),
            (7, No),
            (9, Edges),
            (16, All),
            (17, Some),
            (2_048, No),
            (8, Edges),
            (2_048, Edges),
        ]);
        check(&[(9, No), (8, No), (3, All), (2, No)]);
    }

    /// A writer that takes a few bytes a call (across slices or within
    /// one), and is interrupted every fifth call.
    #[derive(Default)]
    struct Trickle {
        out: Vec<u8>,
        calls: usize,
    }

    impl Write for Trickle {
        fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
            self.write_vectored(&[IoSlice::new(buf)])
        }
        fn write_vectored(&mut self, bufs: &[IoSlice<'_>]) -> io::Result<usize> {
            self.calls += 1;
            if self.calls % 5 == 0 {
                return Err(io::ErrorKind::Interrupted.into());
            }
            let mut room = [1, 7, 64, 3, 1000, 13, 200][self.calls % 7];
            let mut n = 0;
            for b in bufs {
                let take = b.len().min(room);
                self.out.extend_from_slice(&b[..take]);
                (room, n) = (room - take, n + take);
                if room == 0 {
                    break;
                }
            }
            Ok(n)
        }
        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn vectored_writes_write_each_piece_once_in_order() {
        let pieces: Vec<Vec<u8>> = (0..40u8)
            .map(|i| (0..(i as usize * 37) % 101).map(|j| i ^ j as u8).collect())
            .collect();
        let mut slices: Vec<IoSlice<'_>> = pieces.iter().map(|p| IoSlice::new(p)).collect();
        let mut trickle = Trickle::default();
        write_all_vectored(&mut trickle, &mut slices).unwrap();
        assert!(trickle.out == pieces.concat());
        // A writer that takes nothing: an error, as `write_all`'s.
        let mut full: &mut [u8] = &mut [0; 3];
        let mut slices = [IoSlice::new(b"ab"), IoSlice::new(b"cd")];
        let err = write_all_vectored(&mut full, &mut slices).unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::WriteZero);
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
