//! The raw limit for stage mode's Arrow in and out (`benches/stage.sh`), as
//! `raw_baseline` is for CSV.
//!
//! A minimal single-threaded program that does the least any tool must do
//! with the bench's Arrow IPC stream (the household file's 24 columns as
//! strings, as Spark's `mapInArrow` hands them over): read every record
//! batch with `arrow-ipc`, parse the 24 string cells of each row into typed
//! values exactly as `raw_baseline` parses CSV cells, and write the same 12
//! output fields as typed Arrow columns (strings, integers, floats,
//! booleans) in an IPC stream, one record batch per input batch. No rules,
//! no reasons.
//!
//! Its instructions over `raw_baseline`'s on the same table as CSV are what
//! Arrow in and out costs against CSV in and out for a tool that only
//! parses and writes.
//!
//! ```sh
//! cargo run --release --example raw_stage -- households.arrow > /dev/null
//! ```

use std::io::{self, BufReader, BufWriter};
use std::sync::Arc;

use arrow_array::builder::{
    BooleanBuilder, Float64Builder, Int64Builder, StringBuilder, UInt8Builder,
};
use arrow_array::cast::AsArray;
use arrow_array::{ArrayRef, RecordBatch, StringArray};
use arrow_ipc::reader::StreamReader;
use arrow_ipc::writer::StreamWriter;
use arrow_schema::{ArrowError, DataType, Field, Schema};

#[path = "raw_common.rs"]
mod raw_common;
use raw_common::*;

fn schema() -> Schema {
    let text = |n: &str, null: bool| Field::new(n, DataType::Utf8, null);
    let int = |n: &str| Field::new(n, DataType::Int64, false);
    let float = |n: &str| Field::new(n, DataType::Float64, false);
    let flag = |n: &str| Field::new(n, DataType::Boolean, false);
    Schema::new(vec![
        text("household_id", false),
        text("region", false),
        int("members"),
        float("monthly_income"),
        float("per_capita_income"),
        int("children"),
        int("elderly"),
        int("disabled"),
        Field::new("deprived", DataType::UInt8, false),
        text("shock", true),
        flag("emergency"),
        flag("valid"),
    ])
}

/// The output columns of one record batch, as they are built.
#[derive(Default)]
struct Columns {
    id: StringBuilder,
    region: StringBuilder,
    members: Int64Builder,
    income: Float64Builder,
    per_capita: Float64Builder,
    children: Int64Builder,
    elderly: Int64Builder,
    disabled: Int64Builder,
    deprived: UInt8Builder,
    shock: StringBuilder,
    emergency: BooleanBuilder,
    valid: BooleanBuilder,
}

impl Columns {
    fn finish(&mut self, schema: &Arc<Schema>) -> Result<RecordBatch, ArrowError> {
        let columns: Vec<ArrayRef> = vec![
            Arc::new(self.id.finish()),
            Arc::new(self.region.finish()),
            Arc::new(self.members.finish()),
            Arc::new(self.income.finish()),
            Arc::new(self.per_capita.finish()),
            Arc::new(self.children.finish()),
            Arc::new(self.elderly.finish()),
            Arc::new(self.disabled.finish()),
            Arc::new(self.deprived.finish()),
            Arc::new(self.shock.finish()),
            Arc::new(self.emergency.finish()),
            Arc::new(self.valid.finish()),
        ];
        RecordBatch::try_new(Arc::clone(schema), columns)
    }
}

fn main() -> Result<(), ArrowError> {
    let Some(path) = std::env::args().nth(1) else {
        return Err(ArrowError::InvalidArgumentError(
            "usage: raw_stage HOUSEHOLDS.arrow".into(),
        ));
    };
    let file = BufReader::with_capacity(1 << 16, std::fs::File::open(path)?);
    let reader = StreamReader::try_new(file, None)?;
    let schema = Arc::new(schema());
    let stdout = io::stdout();
    let out = BufWriter::with_capacity(1 << 16, stdout.lock());
    let mut writer = StreamWriter::try_new(out, &schema)?;
    let mut columns = Columns::default();
    let mut rows = 0u64;
    for batch in reader {
        let batch = batch?;
        let cells: Vec<&StringArray> = batch.columns().iter().map(|c| c.as_string()).collect();
        if cells.len() < 24 {
            return Err(ArrowError::SchemaError("expected 24 columns".into()));
        }
        for row in 0..batch.num_rows() {
            rows += 1;
            let f = |i: usize| cells[i].value(row).as_bytes();
            // All 24 columns, typed.
            let household = Household::from_cells(f);
            // 12 output fields, typed.
            let figures = household.figures();
            columns.id.append_value(cells[0].value(row).trim());
            columns.region.append_value(cells[1].value(row).trim());
            columns.members.append_value(figures.members);
            columns.income.append_value(figures.income);
            columns.per_capita.append_value(figures.per_capita);
            columns.children.append_value(figures.children);
            columns.elderly.append_value(figures.elderly);
            columns.disabled.append_value(figures.disabled);
            columns.deprived.append_value(figures.deprived);
            columns.shock.append_option(figures.shock);
            columns.emergency.append_value(figures.emergency);
            columns.valid.append_value(figures.valid);
        }
        writer.write(&columns.finish(&schema)?)?;
    }
    writer.finish()?;
    eprintln!("raw_stage: {rows} rows");
    Ok(())
}
