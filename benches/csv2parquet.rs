//! `csv2parquet`: write a household CSV file (e.g. one of `synth`) as
//! Parquet with the parquet crate's `ArrowWriter`, for `benches/parquet.sh`.
//!
//! ```text
//! cargo run --release --example csv2parquet -- IN.csv OUT.parquet [--typed] [--row-group N]
//! ```
//!
//! Without `--typed` every column is a string column (an empty cell is a
//! null). With `--typed`, a column whose every non-empty cell is an integer
//! becomes `int64`, one whose cells are all plain decimal numbers `double`,
//! one whose cells are all booleans (`true/false`, `yes/no`, `y/n`, `1/0`,
//! `ya/tidak`, any case) `boolean`; the rest stay strings. Rows go in row
//! groups of `--row-group` rows (default 1,048,576, the writer's default),
//! snappy-compressed, dictionary-encoded where the writer chooses to.

use std::error::Error;
use std::sync::Arc;

use arrow_array::{ArrayRef, BooleanArray, Float64Array, Int64Array, RecordBatch, StringArray};
use arrow_schema::{DataType, Field, Schema};
use parquet::arrow::ArrowWriter;
use parquet::basic::Compression;
use parquet::file::properties::WriterProperties;

#[derive(Clone, Copy, PartialEq, Debug)]
enum Type {
    Int,
    Float,
    Bool,
    Text,
}

fn is_int(s: &str) -> bool {
    let d = s.strip_prefix('-').unwrap_or(s);
    !d.is_empty() && d.len() < 18 && d.bytes().all(|b| b.is_ascii_digit())
}

fn is_float(s: &str) -> bool {
    let d = s.strip_prefix('-').unwrap_or(s);
    let (i, f) = d.split_once('.').unwrap_or((d, ""));
    !i.is_empty()
        && i.len() < 16
        && i.bytes().all(|b| b.is_ascii_digit())
        && f.bytes().all(|b| b.is_ascii_digit())
}

fn boolean(s: &str) -> Option<bool> {
    match s.to_ascii_lowercase().as_str() {
        "true" | "yes" | "y" | "1" | "ya" => Some(true),
        "false" | "no" | "n" | "0" | "tidak" => Some(false),
        _ => None,
    }
}

fn main() -> Result<(), Box<dyn Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let typed = args.iter().any(|a| a == "--typed");
    let group = args
        .iter()
        .position(|a| a == "--row-group")
        .and_then(|i| args.get(i + 1))
        .map(|n| n.parse::<usize>())
        .transpose()?
        .unwrap_or(1 << 20);
    let files: Vec<&String> = args
        .iter()
        .enumerate()
        .filter(|(i, a)| !a.starts_with("--") && (*i == 0 || args[i - 1] != "--row-group"))
        .map(|(_, a)| a)
        .collect();
    let [input, output] = files[..] else {
        return Err("usage: csv2parquet IN.csv OUT.parquet [--typed] [--row-group N]".into());
    };
    let mut reader = csv::ReaderBuilder::new().flexible(true).from_path(input)?;
    let header: Vec<String> = reader.headers()?.iter().map(str::to_string).collect();
    let width = header.len();
    // First pass: each column's type.
    let mut types = vec![if typed { Type::Int } else { Type::Text }; width];
    if typed {
        let (mut float, mut int, mut boolean_ok) =
            (vec![true; width], vec![true; width], vec![true; width]);
        for record in reader.records() {
            let record = record?;
            for c in 0..width {
                let cell = record.get(c).unwrap_or("").trim();
                if cell.is_empty() {
                    continue;
                }
                int[c] &= is_int(cell);
                float[c] &= is_float(cell);
                boolean_ok[c] &= boolean(cell).is_some();
            }
        }
        for c in 0..width {
            types[c] = if boolean_ok[c] && !int[c] {
                Type::Bool
            } else if int[c] {
                Type::Int
            } else if float[c] {
                Type::Float
            } else {
                Type::Text
            };
        }
        reader = csv::ReaderBuilder::new().flexible(true).from_path(input)?;
    }
    let fields: Vec<Field> = header
        .iter()
        .zip(&types)
        .map(|(name, t)| {
            let ty = match t {
                Type::Int => DataType::Int64,
                Type::Float => DataType::Float64,
                Type::Bool => DataType::Boolean,
                Type::Text => DataType::Utf8,
            };
            Field::new(name, ty, true)
        })
        .collect();
    let schema = Arc::new(Schema::new(fields));
    let props = WriterProperties::builder()
        .set_compression(Compression::SNAPPY)
        .set_max_row_group_row_count(Some(group))
        .build();
    let file = std::fs::File::create(output)?;
    let mut writer = ArrowWriter::try_new(file, Arc::clone(&schema), Some(props))?;
    let mut rows: Vec<csv::StringRecord> = Vec::new();
    let mut flush = |rows: &mut Vec<csv::StringRecord>| -> Result<(), Box<dyn Error>> {
        let columns: Vec<ArrayRef> = (0..width)
            .map(|c| {
                let cells = rows.iter().map(|r| {
                    let cell = r.get(c).unwrap_or("");
                    (!cell.trim().is_empty()).then_some(cell)
                });
                let array: ArrayRef = match types[c] {
                    Type::Int => Arc::new(
                        cells
                            .map(|v| v.and_then(|s| s.trim().parse::<i64>().ok()))
                            .collect::<Int64Array>(),
                    ),
                    Type::Float => Arc::new(
                        cells
                            .map(|v| v.and_then(|s| s.trim().parse::<f64>().ok()))
                            .collect::<Float64Array>(),
                    ),
                    Type::Bool => Arc::new(
                        cells
                            .map(|v| v.and_then(|s| boolean(s.trim())))
                            .collect::<BooleanArray>(),
                    ),
                    Type::Text => Arc::new(cells.collect::<StringArray>()),
                };
                array
            })
            .collect();
        writer.write(&RecordBatch::try_new(Arc::clone(&schema), columns)?)?;
        rows.clear();
        Ok(())
    };
    for record in reader.records() {
        rows.push(record?);
        if rows.len() == 65536 {
            flush(&mut rows)?;
        }
    }
    if !rows.is_empty() {
        flush(&mut rows)?;
    }
    writer.close()?;
    let kinds: Vec<String> = header
        .iter()
        .zip(&types)
        .map(|(h, t)| format!("{h}:{t:?}"))
        .collect();
    eprintln!("csv2parquet: {output}: {}", kinds.join(" "));
    Ok(())
}
