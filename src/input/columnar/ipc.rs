//! Arrow IPC streams (stage mode, `--input-format arrow`): the record
//! batches a distributed engine hands a worker (Spark's `mapInArrow`),
//! read exactly as a Parquet file's record batches are: the schema's
//! top-level fields are the header, typed columns are checked against the
//! inputs that read them and rendered (or read straight into slots) by the
//! same code, so a stream and a Parquet file of the same table decide
//! alike.

use std::io::{self, BufReader, Read};

use arrow_array::RecordBatch;
use arrow_ipc::reader::StreamReader;
use arrow_schema::{ArrowError, SchemaRef};

use super::{Kind, Rows, check_columns, direct_columns, kind_of, single_inputs, type_words};
use crate::input::{InputError, Layout};
use crate::policy::Policy;

/// An Arrow IPC stream whose schema was read, its batches not yet.
pub(crate) struct IpcStream {
    schema: SchemaRef,
    reader: StreamReader<BufReader<Box<dyn Read + Send>>>,
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
            StreamReader::try_new(buffered, None).map_err(parquet::errors::ParquetError::from)
        })
        .map_err(|e| unreadable(name, &e))?;
        let schema = reader.schema();
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
        let batches =
            reader.map(move |batch| -> Result<RecordBatch, ArrowError> { batch?.project(&keep) });
        let inputs = single_inputs(policy, layout, kinds.len());
        let direct = direct_columns(policy, layout, &inputs);
        Ok(Rows {
            name: name.to_string(),
            reader: Box::new(batches),
            projected: projected.into(),
            width: kinds.len(),
            direct,
            inputs,
            // The stream's batches are handed over as they come, one at a time.
            handoff_rows: 1,
            pending: None,
            next_row: 0,
            _table: None,
            ipc: true,
        })
    }
}
