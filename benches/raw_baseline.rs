//! The raw CSV limit that `layak assess` is measured against.
//!
//! A minimal single-threaded program that does the least any tool must do
//! with a default-policy household file: read every record with the `csv`
//! crate, parse all 24 columns into typed values (integers, money, booleans,
//! enums, text), and write 12 output fields per row. No rules, no reasons, no
//! validation messages. `benches/throughput.sh` times it next to `layak` on
//! the same file and reports every layak figure as a ratio to it.
//!
//! ```sh
//! cargo run --release --example raw_baseline -- households.csv > /dev/null
//! ```

use std::io::{self, BufWriter, Write};

#[path = "raw_common.rs"]
mod raw_common;
use raw_common::*;

fn main() -> io::Result<()> {
    let path = std::env::args().nth(1).unwrap_or_else(|| "-".into());
    let input: Box<dyn io::Read> = if path == "-" {
        Box::new(io::stdin())
    } else {
        Box::new(std::fs::File::open(&path)?)
    };
    let mut rdr = csv::ReaderBuilder::new()
        .flexible(true)
        .buffer_capacity(1 << 16)
        .from_reader(input);
    let stdout = io::stdout();
    let mut out = BufWriter::with_capacity(1 << 16, stdout.lock());
    out.write_all(OUTPUT_HEADER)?;
    let mut rec = csv::ByteRecord::new();
    let mut line = Vec::with_capacity(256);
    let mut rows = 0u64;
    while rdr.read_byte_record(&mut rec).map_err(io::Error::other)? {
        rows += 1;
        let f = |i: usize| rec.get(i).unwrap_or_default();
        // All 24 columns, typed.
        let household = Household::from_cells(f);
        // 12 output fields.
        household.write(&mut line)?;
        out.write_all(&line)?;
    }
    out.flush()?;
    eprintln!("raw_baseline: {rows} rows");
    Ok(())
}
