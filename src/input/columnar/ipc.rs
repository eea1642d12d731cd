//! Arrow IPC streams (stage mode, `--input-format arrow`): the record
//! batches a distributed engine hands a worker (Spark's `mapInArrow`),
//! read exactly as a Parquet file's record batches are: the schema's
//! top-level fields are the header, typed columns are checked against the
//! inputs that read them and rendered (or read straight into slots) by the
//! same code, so a stream and a Parquet file of the same table decide
//! alike.

use std::collections::HashMap;
use std::io::{self, BufReader, Read};
use std::sync::Arc;

use arrow_array::{ArrayRef, RecordBatch};
use arrow_buffer::Buffer;
use arrow_ipc::MessageHeader;
use arrow_ipc::reader::{read_dictionary, read_record_batch};
use arrow_schema::{ArrowError, SchemaRef};

use super::{Kind, Rows, check_columns, direct_columns, kind_of, single_inputs, type_words};
use crate::input::{InputError, Layout};
use crate::policy::Policy;

mod plain;

/// An Arrow IPC stream whose schema was read, its batches not yet.
pub(crate) struct IpcStream {
    schema: SchemaRef,
    reader: Messages,
    kinds: Vec<Option<Kind>>,
    types: Vec<String>,
}

/// A stream that cannot be read, as an error naming it.
pub(crate) fn unreadable(name: &str, detail: &dyn std::fmt::Display) -> InputError {
    InputError::Io {
        file: name.to_string(),
        source: io::Error::other(format!(
            "this is not a readable Arrow IPC stream ({detail}); stage mode with --input-format arrow reads the IPC streaming format (a schema message, then record batches), as pyarrow's RecordBatchStreamWriter writes it"
        )),
    }
}

impl IpcStream {
    /// Read the stream's schema; the header is its top-level field names.
    pub(crate) fn open(
        name: &str,
        raw: Box<dyn Read + Send>,
    ) -> Result<(Vec<String>, IpcStream), InputError> {
        let buffered = BufReader::with_capacity(1 << 16, raw);
        let reader = super::guarded(|| {
            Messages::open(buffered).map_err(parquet::errors::ParquetError::from)
        })
        .map_err(|e| unreadable(name, &e))?;
        let schema = Arc::clone(&reader.schema);
        let header = schema.fields().iter().map(|f| f.name().clone()).collect();
        let (kinds, types) = schema
            .fields()
            .iter()
            .map(|f| (kind_of(f.data_type()), type_words(f.data_type())))
            .unzip();
        Ok((
            header,
            IpcStream {
                schema,
                reader,
                kinds,
                types,
            },
        ))
    }
}

impl Rows {
    /// Check the columns `layout` reads and read the stream's batches in turn.
    pub(crate) fn from_ipc(
        name: &str,
        stream: IpcStream,
        policy: &Policy,
        layout: &Layout,
    ) -> Result<Rows, InputError> {
        let IpcStream {
            schema,
            reader,
            kinds,
            types,
        } = stream;
        check_columns(name, &schema, (&kinds, &types), policy, layout)?;
        let projected: Vec<usize> = (0..kinds.len()).filter(|&c| kinds[c].is_some()).collect();
        let keep = projected.clone();
        let batches = Slices {
            batches: reader
                .map(move |batch| -> Result<RecordBatch, ArrowError> { batch?.project(&keep) }),
            rest: None,
        };
        let inputs = single_inputs(policy, layout, kinds.len());
        let direct = direct_columns(policy, layout, &inputs);
        Ok(Rows {
            name: name.to_string(),
            reader: Box::new(batches),
            projected: projected.into(),
            width: kinds.len(),
            direct,
            inputs,
            // The stream's batches are handed over as they come, one at a
            // time, a long one in slices (see [`Slices`]).
            handoff_rows: 1,
            pending: None,
            next_row: 0,
            _table: None,
            ipc: true,
        })
    }
}

/// The most rows of an IPC stream's record batch a worker takes at once.
/// Spark hands over 10,000 rows a batch, a writer may put a whole file in
/// one: slices keep both cores busy, and a worker's output for one slice
/// (an Arrow message of 2,048 rows, about 1.2 MB) stays in cache until the
/// merger writes it, as a CSV chunk's does; 10,000 rows' output cycled
/// through more memory than the cache holds (benches/README.md, "Stage
/// mode"). A multiple of the stage's Arrow message length, so that the
/// messages written are the same as without slices.
pub(crate) const IPC_SLICE_ROWS: usize = 2_048;

/// The record batches of `batches`, each longer one in slices of
/// [`IPC_SLICE_ROWS`] rows that share its buffers (nothing is copied).
struct Slices<I> {
    batches: I,
    /// The rows of the last batch not yet handed out.
    rest: Option<RecordBatch>,
}

impl<I: Iterator<Item = Result<RecordBatch, ArrowError>>> Iterator for Slices<I> {
    type Item = Result<RecordBatch, ArrowError>;

    fn next(&mut self) -> Option<Self::Item> {
        let batch = match self.rest.take() {
            Some(rest) => rest,
            None => match self.batches.next()? {
                Ok(batch) => batch,
                Err(e) => return Some(Err(e)),
            },
        };
        let rows = batch.num_rows();
        if rows <= IPC_SLICE_ROWS {
            return Some(Ok(batch));
        }
        self.rest = Some(batch.slice(IPC_SLICE_ROWS, rows - IPC_SLICE_ROWS));
        Some(Ok(batch.slice(0, IPC_SLICE_ROWS)))
    }
}

/// The record batches of an IPC stream, read as arrow's `StreamReader`
/// reads them (the same messages, checks and errors), but each message's
/// body read into a buffer that is not zeroed first: `StreamReader`
/// zeroes every body before reading over it (183 instructions a
/// household, benches/README.md "Stage mode").
pub(crate) struct Messages {
    reader: BufReader<Box<dyn Read + Send>>,
    schema: SchemaRef,
    dictionaries: HashMap<i64, ArrayRef>,
    /// A message's flatbuffer, reused.
    meta: Vec<u8>,
    /// The bodies handed out last (shared with their record batches): one
    /// no batch holds any more is read into again, as a fresh buffer a
    /// body faulted its pages in anew (the allocator gave the freed ones
    /// back to the system), half of Arrow -> Arrow's page faults.
    bodies: Vec<Buffer>,
    /// A stream of string columns only: the schema its record batches are
    /// read as without arrow's reader ([`plain`]).
    plain: Option<SchemaRef>,
    finished: bool,
}

/// The most bodies kept for reuse: more than the batches in flight
/// between the reader, the workers and the merger.
const KEPT_BODIES: usize = 16;

/// The most bytes of a body reserved before reading it: a body is read to
/// its end whatever its length, but a corrupt length must not reserve
/// memory the stream does not hold.
const MOST_RESERVED: usize = 1 << 28;

/// What reading a message found: the end of the stream, or a message
/// (its flatbuffer in `Messages::meta`) and its body.
enum Next {
    End,
    Message(Buffer),
}

/// A message's flatbuffer, checked.
fn message(meta: &[u8]) -> Result<arrow_ipc::Message<'_>, ArrowError> {
    arrow_ipc::root_as_message(meta)
        .map_err(|err| ArrowError::ParseError(format!("Unable to get root as message: {err:?}")))
}

impl Messages {
    /// Read the schema message (`StreamReader::try_new`).
    fn open(reader: BufReader<Box<dyn Read + Send>>) -> Result<Messages, ArrowError> {
        let mut messages = Messages {
            reader,
            schema: Arc::new(arrow_schema::Schema::empty()),
            dictionaries: HashMap::new(),
            meta: Vec::new(),
            bodies: Vec::new(),
            plain: None,
            finished: false,
        };
        let Next::Message(_) = messages.read_message()? else {
            return Err(ArrowError::IpcError(
                "Expected schema message, found empty stream.".to_string(),
            ));
        };
        let message = message(&messages.meta)?;
        if message.header_type() != MessageHeader::Schema {
            return Err(ArrowError::IpcError(format!(
                "Expected a schema as the first message in the stream, got: {:?}",
                message.header_type()
            )));
        }
        let schema = message.header_as_schema().ok_or_else(|| {
            ArrowError::ParseError("Failed to parse schema from message header".to_string())
        })?;
        messages.schema = Arc::new(arrow_ipc::convert::fb_to_schema(schema));
        let native = schema.endianness().equals_to_target_endianness();
        messages.plain = plain::plain_schema(&messages.schema, native);
        Ok(messages)
    }

    /// The next message's flatbuffer into `meta`, and its body; `End` at
    /// the end of the stream (its end marker, or the end of the input
    /// where a message would start).
    fn read_message(&mut self) -> Result<Next, ArrowError> {
        let mut len = [0u8; 4];
        match self.reader.read_exact(&mut len) {
            Ok(()) => {}
            Err(e) if e.kind() == io::ErrorKind::UnexpectedEof => return Ok(Next::End),
            Err(e) => return Err(ArrowError::from(e)),
        }
        // A continuation marker, then the length.
        if len == [0xff; 4] {
            self.reader.read_exact(&mut len)?;
        }
        let len = i32::from_le_bytes(len);
        if len == 0 {
            return Ok(Next::End);
        }
        let len = usize::try_from(len)
            .map_err(|_| ArrowError::ParseError(format!("Invalid metadata length: {len}")))?;
        self.meta.resize(len, 0);
        self.reader.read_exact(&mut self.meta)?;
        let body_len = message(&self.meta)?.bodyLength();
        let body_len = usize::try_from(body_len)
            .map_err(|_| ArrowError::ParseError(format!("Invalid body length: {body_len}")))?;
        // Read into spare capacity: no zeroing (`read_to_end` only
        // initialises what the reader leaves uninitialised).
        let mut body = self.spare_body();
        body.reserve(body_len.min(MOST_RESERVED));
        let read = (&mut self.reader)
            .take(body_len as u64)
            .read_to_end(&mut body)?;
        if read != body_len {
            return Err(ArrowError::from(io::Error::new(
                io::ErrorKind::UnexpectedEof,
                "failed to fill whole buffer",
            )));
        }
        let body = Buffer::from_vec(body);
        if self.bodies.len() >= KEPT_BODIES {
            self.bodies.remove(0);
        }
        self.bodies.push(body.clone());
        Ok(Next::Message(body))
    }

    /// An empty buffer for a body: a kept one no record batch holds any
    /// more, or a new one.
    fn spare_body(&mut self) -> Vec<u8> {
        let free = self.bodies.iter().position(|b| b.strong_count() == 1);
        let reused = free.and_then(|i| self.bodies.remove(i).into_vec::<u8>().ok());
        let mut body = reused.unwrap_or_default();
        body.clear();
        body
    }

    /// The next record batch (`StreamReader::maybe_next`).
    fn next_batch(&mut self) -> Result<Option<RecordBatch>, ArrowError> {
        if self.finished {
            return Ok(None);
        }
        loop {
            let body = match self.read_message()? {
                Next::End => {
                    self.finished = true;
                    return Ok(None);
                }
                Next::Message(body) => body,
            };
            let message = message(&self.meta)?;
            let version = message.version();
            match message.header_type() {
                MessageHeader::Schema => {
                    return Err(ArrowError::IpcError(
                        "Expected a record batch, but found a schema".to_string(),
                    ));
                }
                MessageHeader::RecordBatch => {
                    let batch = message.header_as_record_batch().ok_or_else(|| {
                        ArrowError::IpcError(
                            "Unable to read IPC message as record batch".to_string(),
                        )
                    })?;
                    let plain = self.plain.as_ref();
                    if let Some(b) =
                        plain.and_then(|s| plain::plain_batch(&body, &batch, version, s))
                    {
                        return Ok(Some(b));
                    }
                    let schema = Arc::clone(&self.schema);
                    return read_record_batch(
                        &body,
                        batch,
                        schema,
                        &self.dictionaries,
                        None,
                        &version,
                    )
                    .map(Some);
                }
                MessageHeader::DictionaryBatch => {
                    let dict = message.header_as_dictionary_batch().ok_or_else(|| {
                        ArrowError::ParseError(
                            "Failed to parse dictionary batch from message header".to_string(),
                        )
                    })?;
                    read_dictionary(&body, dict, &self.schema, &mut self.dictionaries, &version)?;
                }
                x => {
                    return Err(ArrowError::ParseError(format!(
                        "Unsupported message header type in IPC stream: '{x:?}'"
                    )));
                }
            }
        }
    }
}

impl Iterator for Messages {
    type Item = Result<RecordBatch, ArrowError>;

    fn next(&mut self) -> Option<Self::Item> {
        self.next_batch().transpose()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use arrow_array::{
        BinaryArray, DictionaryArray, Int64Array, RecordBatchOptions, StringArray, types::Int32Type,
    };
    use arrow_ipc::reader::StreamReader;
    use arrow_ipc::writer::StreamWriter;
    use arrow_schema::DataType;

    /// A stream of three batches (a dictionary column included: its
    /// dictionary batches come between them), with its end marker.
    fn stream() -> Vec<u8> {
        write_stream((0..3i64).map(|b| {
            let ids = StringArray::from(vec![Some(format!("H{b}")), None, Some("é".into())]);
            let n = Int64Array::from(vec![b, b + 1, b + 2]);
            let area: DictionaryArray<Int32Type> =
                vec![Some("rural"), None, Some(["urban", "x"][b as usize % 2])]
                    .into_iter()
                    .collect();
            RecordBatch::try_from_iter([
                ("id", Arc::new(ids) as ArrayRef),
                ("n", Arc::new(n) as ArrayRef),
                ("area", Arc::new(area) as ArrayRef),
            ])
            .unwrap()
        }))
    }

    /// `batches` (of one schema) written by arrow's `StreamWriter`, with
    /// its end marker.
    fn write_stream(batches: impl Iterator<Item = RecordBatch>) -> Vec<u8> {
        let mut out = Vec::new();
        let mut writer: Option<StreamWriter<&mut Vec<u8>>> = None;
        for batch in batches {
            if writer.is_none() {
                writer = Some(StreamWriter::try_new(&mut out, batch.schema_ref()).unwrap());
            }
            writer.as_mut().unwrap().write(&batch).unwrap();
        }
        writer.unwrap().finish().unwrap();
        out
    }

    fn ours(bytes: &[u8]) -> Result<Vec<RecordBatch>, ArrowError> {
        let raw: Box<dyn Read + Send> = Box::new(io::Cursor::new(bytes.to_vec()));
        Messages::open(BufReader::with_capacity(16, raw))?.collect()
    }

    fn arrows(bytes: &[u8]) -> Result<Vec<RecordBatch>, ArrowError> {
        StreamReader::try_new(io::Cursor::new(bytes), None)?.collect()
    }

    /// Batches as plain batches read them: string columns binary (a
    /// stream of anything else as it is), whichever way they were read.
    fn as_plain(batches: Vec<RecordBatch>) -> Vec<RecordBatch> {
        use arrow_array::cast::AsArray;
        let plain = |b: RecordBatch| {
            let Some(schema) = plain::plain_schema(b.schema_ref(), true) else {
                return b;
            };
            let binary = |c: &ArrayRef| match c.as_string_opt::<i32>() {
                Some(s) => Arc::new(BinaryArray::from(s.clone())) as ArrayRef,
                None => Arc::clone(c),
            };
            let columns = b.columns().iter().map(binary).collect();
            let rows = RecordBatchOptions::new().with_row_count(Some(b.num_rows()));
            RecordBatch::try_new_with_options(schema, columns, &rows).unwrap()
        };
        batches.into_iter().map(plain).collect()
    }

    /// Our batches (and errors, and panics, which the stage turns into
    /// errors) are those of arrow's `StreamReader`.
    fn same(bytes: &[u8]) {
        alike(bytes, ours, arrows, "");
    }

    type Batches = Result<Vec<RecordBatch>, ArrowError>;

    /// `read` and `reference` read `bytes` alike: the same batches (as
    /// plain batches), the same error, or both a panic (which the stage
    /// turns into an error).
    fn alike(
        bytes: &[u8],
        read: impl Fn(&[u8]) -> Batches,
        reference: impl Fn(&[u8]) -> Batches,
        what: &str,
    ) {
        let run = |read: &dyn Fn(&[u8]) -> Batches| {
            std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| read(bytes)))
                .map_err(|_| "panic")
        };
        match (run(&read), run(&reference)) {
            (Ok(Ok(a)), Ok(Ok(b))) => assert_eq!(as_plain(a), as_plain(b), "{what}"),
            (Ok(Err(a)), Ok(Err(b))) => assert_eq!(a.to_string(), b.to_string(), "{what}"),
            (Err(_), Err(_)) => {}
            (a, b) => panic!("{what}: {a:?} against {b:?}"),
        }
    }

    /// A stream of string columns only (nulls, an empty batch, text of
    /// several bytes a character): plain batches.
    fn plain_stream() -> Vec<u8> {
        write_stream((0..4usize).map(|b| {
            let rows = [3, 0, 5, 2][b];
            let id: StringArray = (0..rows)
                .map(|r| (r != 1).then(|| format!("H{b}é{r}")))
                .collect();
            let area: StringArray = (0..rows).map(|r| Some(["€", "", "rural"][r % 3])).collect();
            RecordBatch::try_from_iter([
                ("id", Arc::new(id) as ArrayRef),
                ("area", Arc::new(area) as ArrayRef),
            ])
            .unwrap()
        }))
    }

    #[test]
    fn plain_batches_are_arrows_whatever_their_bytes() {
        let bytes = plain_stream();
        let batches = ours(&bytes).unwrap();
        assert_eq!(batches.len(), 4);
        assert_eq!(batches[0].column(0).data_type(), &DataType::Binary);
        same(&bytes);
        for end in 0..bytes.len() {
            same(&bytes[..end]);
        }
        // Any byte changed (lengths, counts, offsets, bitmaps, text): as
        // arrow's `read_record_batch` reads it (`StreamReader` itself
        // would allocate a corrupt body length whole).
        let arrows = |bytes: &[u8]| -> Batches {
            let raw: Box<dyn Read + Send> = Box::new(io::Cursor::new(bytes.to_vec()));
            let mut messages = Messages::open(BufReader::new(raw))?;
            messages.plain = None;
            messages.collect::<Result<Vec<_>, _>>()
        };
        for at in 0..bytes.len() {
            let was = bytes[at];
            for byte in [0x00, 0xff, was ^ 1, was.wrapping_add(4)] {
                let mut changed = bytes.clone();
                changed[at] = byte;
                alike(&changed, ours, arrows, &format!("byte {at} = {byte}"));
            }
        }
    }

    #[test]
    fn a_body_no_batch_holds_is_read_into_again() {
        let mut bytes = Vec::new();
        let batch = |b: i64| {
            let n = Int64Array::from(vec![b; 100]);
            RecordBatch::try_from_iter([("n", Arc::new(n) as ArrayRef)]).unwrap()
        };
        let mut writer = StreamWriter::try_new(&mut bytes, batch(0).schema_ref()).unwrap();
        for b in 0..4 {
            writer.write(&batch(b)).unwrap();
        }
        writer.finish().unwrap();
        let raw: Box<dyn Read + Send> = Box::new(io::Cursor::new(bytes));
        let mut messages = Messages::open(BufReader::new(raw)).unwrap();
        let values = |b: &RecordBatch| b.column(0).to_data().buffers()[0].as_ptr();
        let first = messages.next().unwrap().unwrap();
        let at = values(&first);
        let held = messages.next().unwrap().unwrap();
        assert_ne!(values(&held), at);
        drop(first);
        let third = messages.next().unwrap().unwrap();
        assert_eq!(values(&third), at);
        // The values read into a reused body are the batch's own.
        assert_eq!(third, batch(2));
        assert_eq!(messages.next().unwrap().unwrap(), batch(3));
        assert!(messages.next().is_none());
    }

    #[test]
    fn batches_and_errors_are_arrows_stream_readers() {
        let bytes = stream();
        assert_eq!(ours(&bytes).unwrap().len(), 3);
        same(&bytes);
        // Without the end marker; cut anywhere (in a length, a flatbuffer,
        // a body); empty; not a stream.
        for end in 0..bytes.len() {
            same(&bytes[..end]);
        }
        same(b"{}\n");
        // A second schema where a batch should be.
        let mut twice = bytes.clone();
        let first = ours(&bytes).unwrap();
        let mut again = Vec::new();
        StreamWriter::try_new(&mut again, first[0].schema_ref())
            .unwrap()
            .finish()
            .unwrap();
        twice.truncate(bytes.len() - 8);
        twice.extend_from_slice(&again);
        same(&twice);
    }
}
