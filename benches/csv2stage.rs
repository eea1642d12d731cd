//! `csv2stage`: write a household CSV file (e.g. one of `synth`) as stage
//! mode's input, for `benches/stage.sh`: NDJSON (one object a row, every
//! value a string, an empty cell left out as Spark's `to_json` leaves out
//! nulls) and an Arrow IPC stream (every column a string column, an empty
//! cell a null, batches of 10,000 rows as Spark's `mapInArrow` hands them).
//!
//! ```text
//! cargo run --release --example csv2stage -- IN.csv OUT.ndjson OUT.arrow
//! ```

use std::error::Error;
use std::io::{BufWriter, Write};
use std::sync::Arc;

use arrow_array::{ArrayRef, RecordBatch, StringArray};
use arrow_schema::{DataType, Field, Schema};

const BATCH: usize = 10_000;

fn main() -> Result<(), Box<dyn Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [input, ndjson, arrow] = args.as_slice() else {
        return Err("usage: csv2stage IN.csv OUT.ndjson OUT.arrow".into());
    };
    let mut reader = csv::ReaderBuilder::new().flexible(true).from_path(input)?;
    let header: Vec<String> = reader.headers()?.iter().map(str::to_string).collect();
    let schema = Arc::new(Schema::new(
        header
            .iter()
            .map(|h| Field::new(h, DataType::Utf8, true))
            .collect::<Vec<_>>(),
    ));
    let mut json = BufWriter::new(std::fs::File::create(ndjson)?);
    let mut ipc = arrow_ipc::writer::StreamWriter::try_new(
        BufWriter::new(std::fs::File::create(arrow)?),
        &schema,
    )?;
    let mut rows: Vec<Vec<Option<String>>> = Vec::with_capacity(BATCH);
    let flush = |rows: &mut Vec<Vec<Option<String>>>,
                 ipc: &mut arrow_ipc::writer::StreamWriter<_>|
     -> Result<(), Box<dyn Error>> {
        let cols: Vec<ArrayRef> = (0..header.len())
            .map(|c| {
                Arc::new(StringArray::from(
                    rows.iter()
                        .map(|r| r.get(c).cloned().flatten())
                        .collect::<Vec<_>>(),
                )) as ArrayRef
            })
            .collect();
        ipc.write(&RecordBatch::try_new(Arc::clone(&schema), cols)?)?;
        rows.clear();
        Ok(())
    };
    let mut line = Vec::new();
    for record in reader.records() {
        let record = record?;
        line.clear();
        line.push(b'{');
        let mut first = true;
        let mut row = Vec::with_capacity(header.len());
        for (k, v) in header.iter().zip(record.iter()) {
            row.push((!v.is_empty()).then(|| v.to_string()));
            if v.is_empty() {
                continue;
            }
            if !first {
                line.push(b',');
            }
            first = false;
            serde_json::to_writer(&mut line, k)?;
            line.push(b':');
            serde_json::to_writer(&mut line, v)?;
        }
        line.extend_from_slice(b"}\n");
        json.write_all(&line)?;
        rows.push(row);
        if rows.len() == BATCH {
            flush(&mut rows, &mut ipc)?;
        }
    }
    if !rows.is_empty() {
        flush(&mut rows, &mut ipc)?;
    }
    ipc.finish()?;
    json.flush()?;
    Ok(())
}
