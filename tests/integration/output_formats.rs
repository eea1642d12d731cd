//! Decisions as Parquet (`-o out.parquet`, `--format parquet`), as an Excel
//! workbook (`-o out.xlsx`) and as CSV for an Indonesian spreadsheet
//! (`--excel`): each read back (the parquet crate's Arrow reader, calamine)
//! holds the CSV's values for the same run, column by column.
// See: issue 14 (output formats).

use std::collections::HashMap;

use arrow_array::{Array, RecordBatch};
use arrow_schema::DataType;
use calamine::{Data, Reader};

use crate::util::{Dir, Output, Table, repo};

const AS_OF: &str = "2026-06-01";

/// Every record batch of a Parquet file, and its schema.
pub(crate) fn read_parquet(path: &std::path::Path) -> (arrow_schema::SchemaRef, Vec<RecordBatch>) {
    let file = std::fs::File::open(path).expect("the Parquet file");
    let builder = parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder::try_new(file)
        .expect("a Parquet file");
    let schema = builder.schema().clone();
    let batches = builder
        .build()
        .expect("a reader")
        .collect::<Result<Vec<_>, _>>()
        .expect("batches");
    (schema, batches)
}

/// A cell of a Parquet column as the CSV writes it (`None`: null).
fn cell_text(col: &dyn Array, row: usize) -> Option<String> {
    use arrow_array::cast::AsArray;
    use arrow_array::types::{Decimal128Type, Float64Type, Int64Type};
    if col.is_null(row) {
        return None;
    }
    Some(match col.data_type() {
        DataType::Utf8 => col.as_string::<i32>().value(row).to_string(),
        DataType::Int64 => col.as_primitive::<Int64Type>().value(row).to_string(),
        DataType::Float64 => col.as_primitive::<Float64Type>().value(row).to_string(),
        DataType::Boolean => col.as_boolean().value(row).to_string(),
        DataType::Decimal128(_, scale) => {
            let v = col.as_primitive::<Decimal128Type>().value(row);
            let unit = 10i128.pow(u32::from(*scale as u8));
            let sign = if v < 0 { "-" } else { "" };
            format!(
                "{sign}{}.{:0width$}",
                (v / unit).abs(),
                (v % unit).abs(),
                width = *scale as usize
            )
        }
        DataType::List(_) => {
            let list = col.as_list::<i32>().value(row);
            let items = list.as_string::<i32>();
            (0..items.len())
                .map(|i| items.value(i).to_string())
                .collect::<Vec<_>>()
                .join(";")
        }
        other => panic!("unexpected Parquet type {other}"),
    })
}

/// Whether a CSV cell and a typed value say the same: numbers compared as
/// numbers, text with the CSV's formula prefix taken off.
fn same(csv: &str, typed: Option<&str>, numeric: bool) -> bool {
    let Some(typed) = typed else {
        return csv.is_empty();
    };
    if numeric {
        return csv.parse::<f64>().ok() == typed.parse::<f64>().ok();
    }
    csv == typed
        || (csv.strip_prefix('\'') == Some(typed)
            && typed.starts_with(['=', '+', '-', '@', '\t', '\r']))
}

/// The Parquet file holds exactly the CSV's rows and values, in order.
fn assert_parquet_equals_csv(parquet: &std::path::Path, csv_text: &str) -> arrow_schema::SchemaRef {
    let csv = Table::parse(csv_text).expect("CSV decisions");
    let (schema, batches) = read_parquet(parquet);
    let names: Vec<&str> = schema.fields().iter().map(|f| f.name().as_str()).collect();
    assert_eq!(names, csv.header, "the columns, in order");
    let mut row = 0;
    for batch in &batches {
        for r in 0..batch.num_rows() {
            let expected = &csv.rows[row];
            for (c, field) in schema.fields().iter().enumerate() {
                let typed = cell_text(batch.column(c).as_ref(), r);
                let numeric = matches!(field.data_type(), DataType::Float64);
                let csv_cell = expected.get(field.name()).map_or("", String::as_str);
                assert!(
                    same(csv_cell, typed.as_deref(), numeric),
                    "row {row}, column {}: CSV {csv_cell:?}, Parquet {typed:?}",
                    field.name()
                );
            }
            row += 1;
        }
    }
    assert_eq!(row, csv.rows.len(), "rows");
    schema
}

/// Standard output of a run, as bytes (the run must exit with 3: the sample
/// has rejects).
fn stdout_of(dir: &Dir, args: &[&str]) -> Vec<u8> {
    let out = std::process::Command::new(crate::util::LAYAK)
        .current_dir(dir.path())
        .args(args)
        .output()
        .expect("layak runs");
    assert_eq!(
        out.status.code(),
        Some(3),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    out.stdout
}

/// Run `args` twice, `-o d.csv` and `-o d.parquet`; the Parquet file
/// equals the CSV; both runs say the same on standard error.
pub(crate) fn parquet_like_csv(dir: &Dir, args: &[&str]) -> arrow_schema::SchemaRef {
    let run = |out: &str| -> Output {
        let mut all = args.to_vec();
        all.extend(["-o", out, "--as-of", AS_OF]);
        dir.run(&all)
    };
    let csv = run("d.csv");
    let pq = run("d.parquet");
    assert_eq!(csv.code, pq.code, "{pq}");
    assert_eq!(csv.stderr, pq.stderr, "{pq}");
    assert_parquet_equals_csv(&dir.join("d.parquet"), &dir.read("d.csv"))
}

#[test]
fn parquet_reads_back_equal_to_the_csv() {
    let dir = Dir::new();
    let sample = repo("data/sample-households.csv");
    let schema = parquet_like_csv(&dir, &["assess", &sample]);
    let ty = |name: &str| schema.field_with_name(name).unwrap().data_type().clone();
    assert_eq!(ty("household_id"), DataType::Utf8);
    assert!(
        !schema
            .field_with_name("household_id")
            .unwrap()
            .is_nullable()
    );
    assert_eq!(ty("per_capita_income"), DataType::Decimal128(18, 2));
    assert_eq!(ty("monthly_total"), DataType::Int64);
    assert_eq!(ty("priority"), DataType::Float64);
    assert_eq!(ty("emergency"), DataType::Boolean);
    assert!(matches!(ty("programs"), DataType::List(_)));
    assert_eq!(ty("reasons"), DataType::Utf8);
    // Chosen columns, codes as a list, and a derived value.
    let schema = parquet_like_csv(
        &dir,
        &[
            "assess",
            &sample,
            "--columns",
            "core,vulnerable_members",
            "--reasons",
            "codes",
        ],
    );
    assert_eq!(schema.fields().len(), 16);
    assert!(matches!(
        schema.field_with_name("reasons").unwrap().data_type(),
        DataType::List(_)
    ));
}

#[test]
fn parquet_is_zstd_and_dictionary_encoded() {
    let dir = Dir::new();
    let sample = repo("data/sample-households.csv");
    dir.run(&["assess", &sample, "-o", "d.parquet", "--as-of", AS_OF])
        .assert_code(3);
    let file = std::fs::File::open(dir.join("d.parquet")).unwrap();
    let reader = parquet::file::serialized_reader::SerializedFileReader::new(file).unwrap();
    use parquet::file::reader::FileReader;
    let meta = reader.metadata();
    let group = meta.row_group(0);
    for c in group.columns() {
        assert_eq!(
            c.compression(),
            parquet::basic::Compression::ZSTD(Default::default()),
            "{}",
            c.column_path()
        );
    }
    let track = group
        .columns()
        .iter()
        .find(|c| c.column_path().string() == "track")
        .unwrap();
    assert!(
        track.encodings().any(|e| matches!(
            e,
            parquet::basic::Encoding::RLE_DICTIONARY | parquet::basic::Encoding::PLAIN_DICTIONARY
        )),
        "track is dictionary-encoded"
    );
}

#[test]
fn parquet_with_weights_budget_and_persons() {
    let dir = Dir::new();
    let survey = repo("examples/weighted-survey.csv");
    let schema = parquet_like_csv(
        &dir,
        &[
            "assess",
            &survey,
            "--weight",
            "HHWT",
            "--weight-scale",
            "0.01",
            "--budget",
            "5_000_000",
        ],
    );
    let names: Vec<&str> = schema.fields().iter().map(|f| f.name().as_str()).collect();
    assert_eq!(names[names.len() - 3..], ["weight", "funded", "rank"]);
    assert_eq!(
        schema.field_with_name("rank").unwrap().data_type(),
        &DataType::Int64
    );
    let households = repo("data/sample-persons-households.csv");
    let persons = repo("data/sample-persons.csv");
    parquet_like_csv(
        &dir,
        &[
            "assess",
            &households,
            "--persons",
            &persons,
            "--columns",
            "household_id,members,track,programs",
        ],
    );
}

#[test]
fn parquet_on_standard_output_and_rejects_as_parquet() {
    let dir = Dir::new();
    let sample = repo("data/sample-households.csv");
    let out = stdout_of(
        &dir,
        &[
            "assess",
            &sample,
            "--format",
            "parquet",
            "--as-of",
            AS_OF,
            "--rejects",
            "r.parquet",
        ],
    );
    dir.write("stdout.parquet", out);
    dir.run(&[
        "assess",
        &sample,
        "-o",
        "d.csv",
        "--as-of",
        AS_OF,
        "--rejects",
        "r.csv",
    ])
    .assert_code(3);
    assert_parquet_equals_csv(&dir.join("stdout.parquet"), &dir.read("d.csv"));
    let schema = assert_parquet_equals_csv(&dir.join("r.parquet"), &dir.read("r.csv"));
    assert_eq!(
        schema.field_with_name("line").unwrap().data_type(),
        &DataType::Int64
    );
}

#[test]
fn names_and_formats_that_disagree_are_usage_errors() {
    let dir = Dir::new();
    let sample = repo("data/sample-households.csv");
    for (args, message) in [
        (
            &["-o", "d.parquet.gz"][..],
            "Parquet files are compressed inside",
        ),
        (&["-o", "d.parquet", "-f", "csv"], "disagree"),
        (&["-o", "d.csv", "-f", "xlsx"], "disagree"),
        (&["--excel", "-f", "json"], "--excel writes CSV"),
        (&["--excel", "-o", "d.xlsx"], "--excel writes CSV"),
        (
            &["-o", "d.csv", "--rejects", "r.xlsx"],
            "cannot be written as Excel",
        ),
        (&["--summary", "s.parquet"], "cannot be written as Parquet"),
    ] {
        let mut all = vec!["assess", sample.as_str()];
        all.extend_from_slice(args);
        dir.run(&all).assert_code(2).stderr_has(message);
    }
    assert_eq!(dir.entries(), Vec::<String>::new(), "nothing written");
}

/// Every sheet of a workbook: name → rows of cells.
fn read_xlsx(path: &std::path::Path) -> HashMap<String, Vec<Vec<Data>>> {
    let mut book: calamine::Xlsx<_> = calamine::open_workbook(path).expect("an xlsx workbook");
    let names = book.sheet_names().to_vec();
    names
        .into_iter()
        .map(|name| {
            let range = book.worksheet_range(&name).expect("a sheet");
            let rows = range.rows().map(<[Data]>::to_vec).collect();
            (name, rows)
        })
        .collect()
}

fn data_text(d: &Data) -> String {
    match d {
        Data::Empty => String::new(),
        Data::String(s) => s.clone(),
        Data::Float(f) => f.to_string(),
        Data::Int(i) => i.to_string(),
        Data::Bool(b) => b.to_string(),
        other => panic!("unexpected cell {other:?}"),
    }
}

#[test]
fn xlsx_holds_decisions_rejects_and_summary() {
    let dir = Dir::new();
    let sample = repo("data/sample-households.csv");
    let common = ["assess", sample.as_str(), "--as-of", AS_OF];
    let mut args = common.to_vec();
    args.extend(["-o", "d.xlsx", "--summary", "s.json"]);
    dir.run(&args).assert_code(3);
    let mut args = common.to_vec();
    args.extend(["-o", "d.csv", "--rejects", "r.csv"]);
    dir.run(&args).assert_code(3);
    let book = read_xlsx(&dir.join("d.xlsx"));
    let mut names: Vec<&String> = book.keys().collect();
    names.sort();
    assert_eq!(names, ["decisions", "rejects", "summary"]);
    for (sheet, csv_name) in [("decisions", "d.csv"), ("rejects", "r.csv")] {
        let csv = Table::parse(&dir.read(csv_name)).unwrap();
        let rows = &book[sheet];
        let header: Vec<String> = rows[0].iter().map(data_text).collect();
        assert_eq!(header, csv.header, "{sheet}");
        assert_eq!(rows.len() - 1, csv.rows.len(), "{sheet}: rows");
        for (row, expected) in rows[1..].iter().zip(&csv.rows) {
            for (cell, name) in row.iter().zip(&header) {
                let numeric = matches!(cell, Data::Float(_));
                let text = data_text(cell);
                let typed = (!text.is_empty()).then_some(text.as_str());
                assert!(
                    same(&expected[name], typed, numeric),
                    "{sheet}, column {name}: CSV {:?}, xlsx {cell:?}",
                    expected[name]
                );
            }
        }
    }
    // Numbers are numbers, ids are text (also when they look like numbers).
    let decisions = &book["decisions"];
    let col = |name: &str| {
        decisions[0]
            .iter()
            .position(|c| data_text(c) == name)
            .unwrap()
    };
    assert!(matches!(decisions[1][col("monthly_total")], Data::Float(_)));
    assert!(matches!(decisions[1][col("household_id")], Data::String(_)));
    assert!(matches!(decisions[1][col("emergency")], Data::Bool(_)));
    let summary = &book["summary"];
    assert_eq!(data_text(&summary[0][0]), "figure");
    let rows_read = summary
        .iter()
        .find(|r| data_text(&r[0]) == "rows.read")
        .map(|r| r[1].clone());
    assert_eq!(rows_read, Some(Data::Float(69.0)), "{summary:?}");
    // Without --summary, no summary sheet.
    let mut args = common.to_vec();
    args.extend(["-o", "plain.xlsx"]);
    dir.run(&args).assert_code(3);
    assert!(!read_xlsx(&dir.join("plain.xlsx")).contains_key("summary"));
}

#[test]
fn excel_csv_is_for_an_indonesian_spreadsheet() {
    let dir = Dir::new();
    let sample = repo("data/sample-households.csv");
    let run = |extra: &[&str]| {
        let mut args = vec!["assess", sample.as_str(), "--as-of", AS_OF];
        args.extend_from_slice(extra);
        dir.run(&args)
    };
    run(&["-o", "d.csv"]).assert_code(3);
    let mut args = vec!["assess", sample.as_str(), "--as-of", AS_OF, "--excel"];
    args.truncate(5);
    let bytes = stdout_of(&dir, &args);
    assert!(bytes.starts_with("\u{feff}household_id;region;".as_bytes()));
    let text = String::from_utf8(bytes[3..].to_vec()).unwrap();
    let excel = csv::ReaderBuilder::new()
        .delimiter(b';')
        .from_reader(text.as_bytes())
        .records()
        .collect::<Result<Vec<_>, _>>()
        .unwrap();
    let plain = Table::parse(&dir.read("d.csv")).unwrap();
    assert_eq!(excel.len(), plain.rows.len());
    let numeric = [
        "per_capita_income",
        "poverty_line",
        "deprivation_score",
        "monthly_total",
        "one_off_total",
        "review_after_months",
        "priority",
    ];
    for (row, expected) in excel.iter().zip(&plain.rows) {
        for (cell, name) in row.iter().zip(&plain.header) {
            let want = &expected[name];
            if numeric.contains(&name.as_str()) {
                assert_eq!(cell, want.replace('.', ","), "{name}");
            } else {
                // Ids, text and reasons untouched (the formula prefix kept).
                assert_eq!(cell, want, "{name}");
            }
        }
    }
    assert!(
        text.contains("\r\nH001;3201;poor;400000,00;580349,00;"),
        "a decimal comma"
    );
    // Written to a file too, with chosen columns.
    run(&[
        "--excel",
        "-o",
        "e.csv",
        "--columns",
        "household_id,priority",
    ])
    .assert_code(3);
    let e = dir.read_bytes("e.csv");
    assert!(e.starts_with("\u{feff}household_id;priority\r\n".as_bytes()));
}
