//! Parquet input: string and typed columns read as the same CSV cells,
//! nulls as empty cells, every reject kind a Parquet file can give, line
//! numbers (the header is line 1, so row N is line N + 1) across row groups
//! and record batches, standard input, column types an input cannot take,
//! and damaged or cut-short files.
// See: issue 14 (Parquet input).

use std::sync::Arc;

use arrow_array::builder::{StringDictionaryBuilder, StructBuilder};
use arrow_array::types::Int32Type;
use arrow_array::{
    ArrayRef, BooleanArray, Date32Array, Decimal128Array, Float32Array, Float64Array, Int32Array,
    Int64Array, LargeStringArray, NullArray, RecordBatch, StringArray, UInt8Array,
};
use arrow_schema::{DataType, Field, Fields, Schema};
use parquet::arrow::ArrowWriter;
use parquet::file::properties::WriterProperties;

use crate::util::{Dir, Output};

const AS_OF: &str = "2026-06-01";

/// A Parquet file of `columns` (all nullable), in row groups of
/// `row_group` rows.
pub fn parquet(columns: Vec<(&str, ArrayRef)>, row_group: usize) -> Vec<u8> {
    let fields: Vec<Field> = columns
        .iter()
        .map(|(name, a)| Field::new(*name, a.data_type().clone(), true))
        .collect();
    let schema = Arc::new(Schema::new(fields));
    let batch = RecordBatch::try_new(
        Arc::clone(&schema),
        columns.into_iter().map(|(_, a)| a).collect(),
    )
    .expect("a record batch");
    let props = WriterProperties::builder()
        .set_max_row_group_row_count(Some(row_group))
        .build();
    let mut out = Vec::new();
    let mut writer = ArrowWriter::try_new(&mut out, schema, Some(props)).expect("a writer");
    writer.write(&batch).expect("rows written");
    writer.close().expect("a footer");
    out
}

fn strings(cells: &[Option<&str>]) -> ArrayRef {
    Arc::new(cells.iter().copied().collect::<StringArray>())
}

/// `assess FILE -o out.csv --rejects rej.csv` and what it wrote.
fn assess(dir: &Dir, file: &str, more: &[&str]) -> (Output, String, String) {
    for f in ["out.csv", "rej.csv"] {
        let _ = std::fs::remove_file(dir.join(f));
    }
    let mut args = vec![
        "assess",
        file,
        "-o",
        "out.csv",
        "--rejects",
        "rej.csv",
        "--as-of",
        AS_OF,
    ];
    args.extend_from_slice(more);
    let out = dir.run(&args);
    out.no_panic();
    let read = |f: &str| std::fs::read_to_string(dir.join(f)).unwrap_or_default();
    let (decisions, rejects) = (read("out.csv"), read("rej.csv"));
    (out, decisions, rejects)
}

/// Households with typed columns, and the CSV text they stand for.
fn typed_households() -> (Vec<u8>, String) {
    let mut area = StringDictionaryBuilder::<Int32Type>::new();
    for a in ["urban", "rural", "Rural", "urban"] {
        area.append_value(a);
    }
    let columns: Vec<(&str, ArrayRef)> = vec![
        (
            "household_id",
            strings(&[Some("P1"), Some("P2"), Some("P3"), Some("P4")]),
        ),
        (
            "region",
            Arc::new(Int64Array::from(vec![
                Some(3201),
                Some(3273),
                None,
                Some(5201),
            ])),
        ),
        ("area", Arc::new(area.finish())),
        (
            "members",
            Arc::new(Int32Array::from(vec![Some(5), Some(4), Some(1), Some(3)])),
        ),
        (
            "monthly_income",
            Arc::new(
                Decimal128Array::from(vec![
                    Some(200_000_000),
                    Some(180_000_050),
                    Some(0),
                    Some(90_000_000),
                ])
                .with_precision_and_scale(14, 2)
                .expect("a decimal type"),
            ),
        ),
        (
            "young_children",
            Arc::new(UInt8Array::from(vec![Some(1), None, Some(0), Some(1)])),
        ),
        (
            "school_age_children",
            Arc::new(Float64Array::from(vec![
                Some(2.0),
                Some(1.0),
                None,
                Some(1.0),
            ])),
        ),
        (
            "floor_area_m2",
            Arc::new(Float32Array::from(vec![
                Some(36.5),
                Some(0.1),
                None,
                Some(12.0),
            ])),
        ),
        (
            "head_female",
            Arc::new(BooleanArray::from(vec![
                Some(true),
                Some(false),
                None,
                Some(true),
            ])),
        ),
        (
            "electricity",
            Arc::new(Int64Array::from(vec![Some(1), Some(0), Some(1), None])),
        ),
        (
            "shock",
            Arc::new(LargeStringArray::from(vec![
                Some("none"),
                Some("disaster"),
                None,
                Some(" NONE "),
            ])),
        ),
        ("comment", Arc::new(NullArray::new(4))),
    ];
    let csv = "household_id,region,area,members,monthly_income,young_children,school_age_children,floor_area_m2,head_female,electricity,shock,comment\n\
P1,3201,urban,5,2000000.00,1,2,36.5,true,1,none,\n\
P2,3273,rural,4,1800000.50,,1,0.1,false,0,disaster,\n\
P3,,Rural,1,0.00,0,,,,1,,\n\
P4,5201,urban,3,900000.00,1,1,12,true,, NONE ,\n";
    (parquet(columns, 1 << 20), csv.to_string())
}

#[test]
fn typed_and_string_columns_decide_as_the_same_csv_cells() {
    let dir = Dir::new();
    let (bytes, csv) = typed_households();
    dir.write("h.parquet", bytes);
    dir.write("h.csv", csv);
    let (want, want_out, want_rej) = assess(&dir, "h.csv", &[]);
    want.assert_code(0).assert_counts(4, 4, 0);
    let (got, out, rej) = assess(&dir, "h.parquet", &[]);
    got.assert_code(0).assert_counts(4, 4, 0);
    assert_eq!(out, want_out);
    assert_eq!(rej, want_rej);
    // The decimal's exact text, the id and the integer region as read.
    assert!(out.contains("P2,3273,"), "{out}");
    // The same with every thread count and batch size.
    for more in [&["-j", "1"][..], &["-j", "2", "--chunk-bytes", "100"][..]] {
        let (again, out_again, _) = assess(&dir, "h.parquet", more);
        again.assert_code(0);
        assert_eq!(out_again, want_out, "{more:?}");
    }
    // Renames apply to Parquet column names as to a CSV header.
    let renamed = parquet(
        vec![
            ("hh/id", strings(&[Some("R1")])),
            ("members", Arc::new(Int64Array::from(vec![2]))),
            ("monthly_income", Arc::new(Int64Array::from(vec![100]))),
        ],
        10,
    );
    dir.write("r.parquet", renamed);
    let (out, decisions, _) = assess(&dir, "r.parquet", &["--rename", "hh/id=household_id"]);
    out.assert_code(0);
    assert!(decisions.contains("\nR1,"), "{decisions}");
}

#[test]
fn nulls_are_empty_cells_and_every_reject_kind_has_its_row_number() {
    let dir = Dir::new();
    let long = "x".repeat(500);
    let huge = "9".repeat(400);
    let ids: Vec<Option<&str>> = vec![
        Some("A1"), // decided
        None,       // line 3: missing_required (household_id)
        Some("A3"), // line 4: members null: missing_required
        Some("A4"), // line 5: members 2.5: invalid_value (not whole)
        Some("A5"), // line 6: members 0: out_of_range
        Some("A1"), // line 7: duplicate_id of line 2
        Some("A7"), // line 8: children_not_in_school > school_age_children: check_failed
        Some("A8"), // line 9: income NaN: invalid_value
        Some("A9"), // line 10: region too long: field_too_long
        Some("B1"), // line 11: income of 400 digits: out_of_range (too large)
        Some("B2"), // line 12: electricity 2: invalid_value
        Some("B3"), // line 13: income -1: out_of_range
        Some("B4"), // line 14: decided
    ];
    let n = ids.len();
    let members: Vec<Option<f64>> = vec![
        Some(4.0),
        Some(4.0),
        None,
        Some(2.5),
        Some(0.0),
        Some(3.0),
        Some(3.0),
        Some(3.0),
        Some(3.0),
        Some(3.0),
        Some(3.0),
        Some(3.0),
        Some(2.0),
    ];
    let mut income: Vec<Option<String>> = vec![Some("1000000".into()); n];
    income[7] = Some("NaN".into());
    income[9] = Some(huge.clone());
    income[11] = Some("-1".into());
    let income_f: Vec<Option<&str>> = income.iter().map(|s| s.as_deref()).collect();
    let mut region: Vec<Option<&str>> = vec![Some("3201"); n];
    region[8] = Some(&long);
    let mut school = vec![Some(1i64); n];
    school[6] = Some(1);
    let mut not_in_school = vec![Some(0i64); n];
    not_in_school[6] = Some(2);
    let mut electricity = vec![None; n];
    electricity[10] = Some(2i32);
    let bytes = parquet(
        vec![
            ("household_id", strings(&ids)),
            ("region", strings(&region)),
            ("members", Arc::new(Float64Array::from(members))),
            ("monthly_income", strings(&income_f)),
            ("school_age_children", Arc::new(Int64Array::from(school))),
            (
                "children_not_in_school",
                Arc::new(Int64Array::from(not_in_school)),
            ),
            ("electricity", Arc::new(Int32Array::from(electricity))),
        ],
        4,
    );
    dir.write("r.parquet", bytes);
    let want = "line,household_id,column,value,code,reason\n\
3,,household_id,,missing_required,`household_id` is required but the cell is empty\n\
4,A3,members,,missing_required,`members` is required but the cell is empty\n\
5,A4,members,2.5,invalid_value,\"`2.5` is not a whole number: expected ASCII digits only, e.g. 3\"\n\
6,A5,members,0,out_of_range,`0` is out of range: must be ≥ 1\n\
7,A1,household_id,A1,duplicate_id,`A1` already appeared on line 2\n";
    for more in [
        &["-j", "1"][..],
        &["-j", "2", "--chunk-bytes", "1"][..],
        &["-j", "3", "--chunk-bytes", "700"][..],
    ] {
        let mut args = vec!["--max-field-bytes", "450"];
        args.extend_from_slice(more);
        let (out, decisions, rejects) = assess(&dir, "r.parquet", &args);
        out.assert_code(3).assert_counts(13, 2, 11);
        assert!(rejects.starts_with(want), "{more:?}\n{rejects}");
        let codes: Vec<(String, String)> = csv::Reader::from_reader(rejects.as_bytes())
            .records()
            .map(|r| {
                let r = r.expect("a rejects row");
                (r[0].to_string(), r[4].to_string())
            })
            .collect();
        for expected in [
            ("8", "check_failed"),
            ("9", "invalid_value"),
            ("10", "field_too_long"),
            ("11", "out_of_range"),
            ("12", "invalid_value"),
            ("13", "out_of_range"),
        ] {
            let expected = (expected.0.to_string(), expected.1.to_string());
            assert!(
                codes.contains(&expected),
                "{expected:?} in {more:?}:\n{rejects}"
            );
        }
        assert!(decisions.contains("\nA1,") && decisions.contains("\nB4,"));
    }
    // validate and explain --line see the same lines.
    let out = dir.run(&["validate", "r.parquet", "--max-field-bytes", "450"]);
    out.assert_code(3);
    assert!(
        out.stdout.contains("duplicate_id              1  lines 7"),
        "{}",
        out.stdout
    );
}

#[test]
fn standard_input_is_read_from_a_private_copy_that_is_gone_after_the_run() {
    let dir = Dir::new();
    let (bytes, _) = typed_households();
    dir.write("h.parquet", &bytes);
    let (want, want_out, _) = assess(&dir, "h.parquet", &[]);
    want.assert_code(0);
    let tmp = Dir::new();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_layak"))
        .args(["assess", "-", "--as-of", AS_OF])
        .env("TMPDIR", tmp.path())
        .stdin(std::fs::File::open(dir.join("h.parquet")).expect("the file"))
        .output()
        .expect("layak runs");
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(String::from_utf8_lossy(&out.stdout), want_out);
    assert!(tmp.entries().is_empty(), "left: {:?}", tmp.entries());
    // Through a pipe too, with --budget (read twice).
    let out = dir.run_stdin(
        &["assess", "-", "--as-of", AS_OF, "--budget", "1000000"],
        &bytes,
    );
    out.assert_code(0).stdout_has("funded,rank");
}

#[test]
fn string_columns_read_as_dictionaries_or_not_give_the_same_cells() {
    // `area` and `shock` are dictionary-encoded in every page (read as
    // dictionaries); `household_id` outgrows a tiny dictionary page and falls
    // back to plain pages mid-chunk (read as strings); nulls in each.
    let n = 600;
    let ids: Vec<Option<String>> = (0..n).map(|i| Some(format!("D{i:05}"))).collect();
    let area: Vec<Option<&str>> = (0..n)
        .map(|i| [Some("urban"), Some("rural"), None][i % 3])
        .collect();
    let shock: Vec<Option<&str>> = (0..n)
        .map(|i| [None, Some("none"), Some("disaster"), Some("none")][i % 4])
        .collect();
    let columns: Vec<(&str, ArrayRef)> = vec![
        (
            "household_id",
            Arc::new(ids.iter().map(|s| s.as_deref()).collect::<StringArray>()),
        ),
        ("area", strings(&area)),
        ("members", Arc::new(Int64Array::from(vec![3; n]))),
        (
            "monthly_income",
            Arc::new(Int64Array::from(vec![900_000; n])),
        ),
        ("shock", strings(&shock)),
    ];
    let fields: Vec<Field> = columns
        .iter()
        .map(|(name, a)| Field::new(*name, a.data_type().clone(), true))
        .collect();
    let schema = Arc::new(Schema::new(fields));
    let batch = RecordBatch::try_new(
        Arc::clone(&schema),
        columns.into_iter().map(|(_, a)| a).collect(),
    )
    .expect("a record batch");
    let props = WriterProperties::builder()
        .set_max_row_group_row_count(Some(250))
        .set_data_page_row_count_limit(20)
        .set_write_batch_size(20)
        .set_dictionary_page_size_limit(256)
        .build();
    let mut bytes = Vec::new();
    let mut writer = ArrowWriter::try_new(&mut bytes, schema, Some(props)).expect("a writer");
    writer.write(&batch).expect("rows written");
    writer.close().expect("a footer");
    // The file has what the test means: plain pages in the id's chunks,
    // only dictionary pages in the others'.
    let dir = Dir::new();
    dir.write("d.parquet", &bytes);
    let file = std::fs::File::open(dir.join("d.parquet")).expect("the file");
    let meta = parquet::file::serialized_reader::SerializedFileReader::new(file).expect("a reader");
    use parquet::file::reader::FileReader;
    let id = meta.metadata().row_group(0).column(0);
    assert!(
        id.encodings().any(|e| e == parquet::basic::Encoding::PLAIN)
            && id.dictionary_page_offset().is_some(),
        "{:?}",
        id.encodings().collect::<Vec<_>>()
    );
    let area_chunk = meta.metadata().row_group(0).column(1);
    assert!(
        area_chunk
            .page_encoding_stats_mask()
            .is_some_and(|m| m.is_only(parquet::basic::Encoding::RLE_DICTIONARY)),
        "area: only dictionary pages"
    );
    let mut csv = String::from("household_id,area,members,monthly_income,shock\n");
    for i in 0..n {
        let cell = |c: Option<&str>| c.unwrap_or("").to_string();
        csv.push_str(&format!(
            "{},{},3,900000,{}\n",
            cell(ids[i].as_deref()),
            cell(area[i]),
            cell(shock[i])
        ));
    }
    dir.write("d.csv", csv);
    let (want, want_out, want_rej) = assess(&dir, "d.csv", &[]);
    want.no_panic();
    for more in [&["-j", "1"][..], &["-j", "2", "--chunk-bytes", "300"][..]] {
        let (got, out, rej) = assess(&dir, "d.parquet", more);
        assert_eq!(got.code, want.code, "{more:?}");
        assert_eq!(out, want_out, "{more:?}");
        assert_eq!(rej, want_rej, "{more:?}");
    }
    assert_eq!(want_out.lines().count() + want_rej.lines().count(), n + 2);
}

/// The summary's `input.bytes` after `assess ARGS --summary s.json`.
fn summary_bytes(dir: &Dir, args: &[&str], stdin: Option<&[u8]>) -> u64 {
    let _ = std::fs::remove_file(dir.join("s.json"));
    let mut all = args.to_vec();
    all.extend_from_slice(&["--summary", "s.json", "--as-of", AS_OF]);
    let out = match stdin {
        Some(bytes) => dir.run_stdin(&all, bytes),
        None => dir.run(&all),
    };
    out.assert_code(0);
    let summary: serde_json::Value =
        serde_json::from_str(&dir.read("s.json")).expect("s.json is JSON");
    summary["input"]["bytes"]
        .as_u64()
        .expect("input.bytes is a number")
}

#[test]
fn the_summary_counts_every_byte_of_a_parquet_file_read_in_place() {
    // The file is read in place, not through the reader that counts bytes
    // (which sees only its first 8): the summary gives its size.
    let dir = Dir::new();
    let (bytes, _) = typed_households();
    assert!(bytes.len() > 100);
    dir.write("h.parquet", &bytes);
    let size = bytes.len() as u64;
    assert_eq!(summary_bytes(&dir, &["assess", "h.parquet"], None), size);
    // Read twice with --budget: still the file's size, once.
    let budget = ["assess", "h.parquet", "--budget", "1000000"];
    assert_eq!(summary_bytes(&dir, &budget, None), size);
    // Standard input is copied aside: the bytes copied.
    assert_eq!(summary_bytes(&dir, &["assess", "-"], Some(&bytes)), size);
}

#[test]
fn a_column_type_an_input_cannot_take_is_an_error_before_any_row() {
    let dir = Dir::new();
    let base = || -> Vec<(&'static str, ArrayRef)> {
        vec![
            ("household_id", strings(&[Some("H1")])),
            ("members", Arc::new(Int64Array::from(vec![2]))),
            ("monthly_income", Arc::new(Int64Array::from(vec![100]))),
        ]
    };
    let mut dated = base();
    dated[1] = ("members", Arc::new(Date32Array::from(vec![19000])));
    let mut enum_int = base();
    enum_int.push(("area", Arc::new(Int64Array::from(vec![1]))));
    let mut bool_income = base();
    bool_income[2] = ("monthly_income", Arc::new(BooleanArray::from(vec![true])));
    let cases = [
        (
            dated,
            "x.parquet: column `members` is a Parquet date column, which input `members` (integer) cannot take; it takes a string, integer, floating-point or decimal column",
        ),
        (
            enum_int,
            "x.parquet: column `area` is a Parquet int64 column, which input `area` (enum) cannot take; it takes a string column",
        ),
        (
            bool_income,
            "column `monthly_income` is a Parquet boolean column, which input `monthly_income` (number) cannot take",
        ),
    ];
    for (columns, message) in cases {
        dir.write("x.parquet", parquet(columns, 10));
        let (out, decisions, _) = assess(&dir, "x.parquet", &[]);
        out.assert_code(1).stderr_has(message);
        assert!(decisions.is_empty() && !dir.exists("out.csv"));
    }
    // A struct column no input reads is not read at all.
    let mut with_struct = base();
    let mut s = StructBuilder::from_fields(
        Fields::from(vec![Field::new("a", DataType::Int32, true)]),
        1,
    );
    s.field_builder::<arrow_array::builder::Int32Builder>(0)
        .expect("a field")
        .append_value(1);
    s.append(true);
    with_struct.push(("extra", Arc::new(s.finish())));
    dir.write("s.parquet", parquet(with_struct, 10));
    let (out, _, _) = assess(&dir, "s.parquet", &[]);
    out.assert_code(0).assert_counts(1, 1, 0);
    // A missing required column: the CSV message, naming the Parquet columns.
    dir.write(
        "m.parquet",
        parquet(vec![("household_id", strings(&[Some("H1")]))], 10),
    );
    let (out, _, _) = assess(&dir, "m.parquet", &[]);
    out.assert_code(1)
        .stderr_has("m.parquet: 2 of the policy's inputs have no column in the header")
        .stderr_has("required column `members` is missing")
        .stderr_has("the header has: household_id");
}

#[test]
fn a_damaged_or_cut_short_file_is_a_clear_error_never_a_panic() {
    let dir = Dir::new();
    let (bytes, _) = typed_households();
    let cases: Vec<(&str, Vec<u8>)> = vec![
        ("cut.parquet", bytes[..bytes.len() / 2].to_vec()),
        ("tail.parquet", bytes[..bytes.len() - 1].to_vec()),
        ("footer.parquet", {
            // The footer's length points before the start of the file.
            let mut b = bytes.clone();
            let n = b.len();
            b[n - 8..n - 4].copy_from_slice(&u32::MAX.to_le_bytes());
            b
        }),
        ("pages.parquet", {
            // Every data byte between the magic numbers overwritten.
            let mut b = bytes.clone();
            let n = b.len();
            let meta_len = u32::from_le_bytes([b[n - 8], b[n - 7], b[n - 6], b[n - 5]]) as usize;
            for x in &mut b[5..n - 8 - meta_len] {
                *x = 0xA5;
            }
            b
        }),
        ("first-page.parquet", {
            // Even the byte after the first `PAR1` (a file is told by the
            // `PAR1` at its end too; standard input cannot be).
            let mut b = bytes.clone();
            b[4] = b'x';
            b
        }),
        ("empty.parquet", b"PAR1\x15\x00PAR1".to_vec()),
    ];
    for (name, data) in &cases {
        dir.write(name, data);
        let (out, _, _) = assess(&dir, name, &[]);
        out.assert_code(1)
            .stderr_has(&format!(
                "{name}: this Parquet file is damaged or cut short"
            ))
            .stderr_lacks("panicked");
        assert!(!dir.exists("out.csv"), "{name}");
        // On standard input too.
        if *name == "first-page.parquet" {
            continue;
        }
        let out = dir.run_stdin(&["assess", "-", "--as-of", AS_OF], data);
        out.assert_code(1)
            .stderr_has("<stdin>: this Parquet file is damaged or cut short")
            .stderr_lacks("panicked");
    }
}

#[test]
fn explain_and_person_files_say_they_do_not_read_parquet_yet() {
    let dir = Dir::new();
    let (bytes, _) = typed_households();
    dir.write("h.parquet", bytes);
    let out = dir.run(&["explain", "h.parquet", "--id", "P1", "--as-of", AS_OF]);
    out.assert_code(1).stderr_has(
        "which `layak explain` and person files (--persons, --rectangular) do not read yet",
    );
}

#[test]
fn dictionary_entries_parsed_once_decide_and_reject_as_the_csv_cells() {
    // String columns dictionary-encoded in every page, whose dictionaries
    // change from row group to row group, with entries each input takes,
    // rejects (an unknown label, 0 members, a fraction, a yes/no `maybe`),
    // nulls, blanks, spaces and profile missing codes and labels.
    let n = 400;
    let pick = |i: usize, salt: usize, sets: &[&[Option<&'static str>]]| {
        let set = sets[(i / 100) % sets.len()];
        set[(i / salt) % set.len()]
    };
    let area: Vec<Option<&str>> = (0..n)
        .map(|i| {
            pick(
                i,
                1,
                &[
                    &[Some("urban"), Some("rural")],
                    &[Some(" Rural "), Some("city"), None],
                    &[Some("Perkotaan"), Some("NA"), Some("urban")],
                    &[Some(""), Some("rural"), Some("  ")],
                ],
            )
        })
        .collect();
    let members: Vec<Option<&str>> = (0..n)
        .map(|i| {
            pick(
                i,
                2,
                &[
                    &[Some("3"), Some("4")],
                    &[Some("0"), Some("2.5"), Some("5"), Some("5")],
                    &[Some("NA"), Some(" 6 "), Some("2")],
                    &[None, Some("1"), Some("1")],
                ],
            )
        })
        .collect();
    let electricity: Vec<Option<&str>> = (0..n)
        .map(|i| {
            pick(
                i,
                6,
                &[
                    &[Some("ya"), Some("tidak")],
                    &[Some("maybe"), Some("yes"), None],
                    &[Some("1"), Some("NA")],
                ],
            )
        })
        .collect();
    let income: Vec<Option<&str>> = (0..n)
        .map(|i| {
            pick(
                i,
                12,
                &[
                    &[Some("1.500.000,50"), Some("900000")],
                    &[Some("-1"), Some("abc"), Some("250000")],
                    &[Some("Rp 1.000"), Some("1.5")],
                ],
            )
        })
        .collect();
    let ids: Vec<String> = (0..n).map(|i| format!("H{i:04}")).collect();
    let bytes = parquet(
        vec![
            (
                "household_id",
                Arc::new(
                    ids.iter()
                        .map(|s| Some(s.as_str()))
                        .collect::<StringArray>(),
                ),
            ),
            ("area", strings(&area)),
            ("members", strings(&members)),
            ("monthly_income", strings(&income)),
            ("electricity", strings(&electricity)),
        ],
        100,
    );
    let dir = Dir::new();
    dir.write("d.parquet", &bytes);
    let file = std::fs::File::open(dir.join("d.parquet")).expect("the file");
    let meta = parquet::file::serialized_reader::SerializedFileReader::new(file).expect("a reader");
    use parquet::file::reader::FileReader;
    for g in 0..4 {
        for c in 1..5 {
            let chunk = meta.metadata().row_group(g).column(c);
            assert!(
                chunk
                    .page_encoding_stats_mask()
                    .is_some_and(|m| m.is_only(parquet::basic::Encoding::RLE_DICTIONARY)),
                "row group {g}, column {c}: only dictionary pages"
            );
        }
    }
    let mut csv = String::from("household_id,area,members,monthly_income,electricity\n");
    for i in 0..n {
        // Quoted: `1.500.000,50` holds the delimiter.
        let cell = |c: Option<&str>| c.map(|c| format!("\"{c}\"")).unwrap_or_default();
        csv.push_str(&format!(
            "{},{},{},{},{}\n",
            ids[i],
            cell(area[i]),
            cell(members[i]),
            cell(income[i]),
            cell(electricity[i])
        ));
    }
    dir.write("d.csv", csv);
    dir.write(
        "p.toml",
        "missing = [\"NA\"]\n\
         number = { decimal = \",\", thousands = \".\", currency = \"Rp\" }\n\
         [inputs.area.values]\nPerkotaan = \"urban\"\n",
    );
    for profile in [&[][..], &["--profile", "p.toml"][..]] {
        let (want, want_out, want_rej) = assess(&dir, "d.csv", profile);
        want.assert_code(3);
        assert_eq!(want_out.lines().count() + want_rej.lines().count(), n + 2);
        for reject in ["city", "2.5", "abc"] {
            assert!(want_rej.contains(reject), "{profile:?}: {reject}");
        }
        let want_validate = dir.run(&[&["validate", "d.csv"][..], profile].concat());
        for more in [
            &["-j", "1"][..],
            &["-j", "2", "--chunk-bytes", "300"][..],
            &["-j", "2", "--chunk-bytes", "5000"][..],
        ] {
            let args = [profile, more].concat();
            let (got, out, rej) = assess(&dir, "d.parquet", &args);
            assert_eq!(got.code, want.code, "{args:?}");
            assert_eq!(out, want_out, "{args:?}");
            assert_eq!(rej, want_rej, "{args:?}");
            // `validate` takes no --chunk-bytes.
            let validate = dir.run(&[&["validate", "d.parquet"][..], profile, &more[..2]].concat());
            assert_eq!(
                validate.stdout.replace("d.parquet", "d.csv"),
                want_validate.stdout,
                "{args:?}"
            );
        }
    }
}

#[test]
fn a_hand_off_of_several_record_batches_keeps_rows_and_lines_in_order() {
    // Large hand-offs (`--chunk-bytes` of 4 MB) are decoded in record
    // batches of 64 KiB of cells each: rows, rejects and their lines come
    // out as from CSV, from every batch.
    let n = 40_000;
    let ids: Vec<String> = (0..n).map(|i| format!("L{i:06}")).collect();
    let members: Vec<Option<i64>> = (0..n)
        .map(|i| match i % 9_973 {
            0 => None,
            5 => Some(0),
            _ => Some((i % 7 + 1) as i64),
        })
        .collect();
    let area: Vec<Option<&str>> = (0..n)
        .map(|i| match i % 12_007 {
            3 => Some("city"),
            _ => [Some("urban"), Some("rural")][i % 2],
        })
        .collect();
    let bytes = parquet(
        vec![
            (
                "household_id",
                Arc::new(
                    ids.iter()
                        .map(|s| Some(s.as_str()))
                        .collect::<StringArray>(),
                ),
            ),
            ("members", Arc::new(Int64Array::from(members.clone()))),
            ("area", strings(&area)),
            (
                "monthly_income",
                Arc::new(Int64Array::from(vec![700_000; n])),
            ),
        ],
        25_000,
    );
    let dir = Dir::new();
    dir.write("big.parquet", &bytes);
    let mut csv = String::from("household_id,members,area,monthly_income\n");
    for i in 0..n {
        let m = members[i].map(|m| m.to_string()).unwrap_or_default();
        csv.push_str(&format!(
            "{},{m},{},700000\n",
            ids[i],
            area[i].unwrap_or("")
        ));
    }
    dir.write("big.csv", csv);
    let (want, want_out, want_rej) = assess(&dir, "big.csv", &[]);
    want.assert_code(3);
    assert!(want_rej.lines().count() > 10, "{want_rej}");
    for more in [
        &["-j", "1", "--chunk-bytes", "4000000"][..],
        &["-j", "2", "--chunk-bytes", "4000000"][..],
        &["-j", "2"][..],
    ] {
        let (got, out, rej) = assess(&dir, "big.parquet", more);
        assert_eq!(got.code, want.code, "{more:?}");
        assert!(out == want_out, "{more:?}: the decisions differ");
        assert_eq!(rej, want_rej, "{more:?}");
    }
}

#[test]
fn date_columns_feed_date_inputs_as_their_days() {
    let dir = Dir::new();
    dir.write(
        "p.toml",
        r#"[policy]
id = "dated"
name = "dated"
version = "1"

[[inputs]]
name = "household_id"
type = "id"
required = true

[[inputs]]
name = "shock_date"
type = "date"
default = "1970-01-01"

[[derived]]
name = "months_ago"
type = "number"
expr = 'months_between(shock_date, as_of)'

[[programs]]
id = "recovery"
name = "recovery"
kind = "cash_transfer"
provider = "state"
eligible = 'months_ago < 6'
amount = '100'
period = "month"
reason = "shock on {shock_date}, {months_ago} months ago"

[[tracks]]
id = "all"
"#,
    );
    // 2026-01-15, 1969-12-31 (before the epoch), none (the default), 2025-12-01.
    let ids = || strings(&[Some("A"), Some("B"), Some("C"), Some("D")]);
    let days = [Some(20_468), Some(-1), None, Some(20_423)];
    dir.write(
        "d.csv",
        "household_id,shock_date\nA,2026-01-15\nB,1969-12-31\nC,\nD,2025-12-01\n",
    );
    let d32: ArrayRef = Arc::new(Date32Array::from(days.to_vec()));
    let ms: Vec<Option<i64>> = days
        .iter()
        .map(|d| d.map(|d| i64::from(d) * 86_400_000))
        .collect();
    let d64: ArrayRef = Arc::new(arrow_array::Date64Array::from(ms));
    let columns = [
        "--columns",
        "household_id,shock_date,months_ago,monthly_total",
    ];
    let run = |file: &str| {
        let mut args = vec![
            "assess", "--policy", "p.toml", file, "-o", "-", "--as-of", AS_OF,
        ];
        args.extend_from_slice(&columns);
        dir.run(&args)
    };
    let want = run("d.csv");
    want.assert_code(0);
    let t = want.csv();
    assert_eq!(t.row("A")["shock_date"], "2026-01-15");
    assert_eq!(t.row("A")["monthly_total"], "100");
    assert_eq!(t.row("B")["shock_date"], "1969-12-31");
    assert_eq!(t.row("D")["monthly_total"], "0");
    for (name, dates) in [("d32.parquet", d32), ("d64.parquet", d64)] {
        dir.write(
            name,
            parquet(vec![("household_id", ids()), ("shock_date", dates)], 10),
        );
        let got = run(name);
        got.assert_code(0);
        assert_eq!(got.stdout, want.stdout, "{name}");
    }
    // A date column cannot feed a number.
    dir.write(
        "bad.parquet",
        parquet(
            vec![
                ("household_id", strings(&[Some("A")])),
                ("members", Arc::new(Date32Array::from(vec![1]))),
                ("monthly_income", Arc::new(Int64Array::from(vec![1]))),
            ],
            10,
        ),
    );
    assess(&dir, "bad.parquet", &[])
        .0
        .assert_code(1)
        .stderr_has("Parquet date column");
}
