//! Spreadsheet input (.xlsx, .ods): the sheet chosen with `--sheet`, line
//! numbers that are the sheet's row numbers, and each cell type the policy
//! cannot take as a clear reject.
// See: issue 14 (input formats: Excel and OpenDocument via calamine).

use std::io::Write;

use rust_xlsxwriter::{ExcelDateTime, Format, Formula, Workbook};

use crate::util::{Dir, Output};

pub const AS_OF: &str = "2026-06-01";

/// A cell of a test sheet.
#[derive(Debug, Clone)]
pub enum Cell {
    Text(String),
    Number(f64),
    Bool(bool),
    /// A date cell (year, month, day).
    Date(u16, u8, u8),
    /// A formula whose cached result is this error (`#DIV/0!`).
    Error(&'static str),
}

/// A sheet: its name and its rows as (0-based row, cells from column A).
pub type Sheet = (String, Vec<(u32, Vec<Option<Cell>>)>);

/// The cell a spreadsheet holds for a CSV field: a number, or true/false,
/// when the field is exactly how that value reads back; else text.
pub fn cell_for(field: &str) -> Option<Cell> {
    if field.is_empty() {
        return None;
    }
    if let Ok(b) = field.parse::<bool>() {
        return Some(Cell::Bool(b));
    }
    match field.parse::<f64>() {
        Ok(f) if f.is_finite() && format!("{f}") == field => Some(Cell::Number(f)),
        _ => Some(Cell::Text(field.to_string())),
    }
}

/// The records of a CSV text, each in the sheet row of the line it starts on.
pub fn rows_of_csv(text: &str) -> Vec<(u32, Vec<Option<Cell>>)> {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(text.as_bytes());
    let mut rows = Vec::new();
    let mut record = csv::StringRecord::new();
    while reader.read_record(&mut record).unwrap() {
        let line = record.position().unwrap().line();
        rows.push((line as u32 - 1, record.iter().map(cell_for).collect()));
    }
    rows
}

/// An .xlsx workbook of `sheets`, as Excel writes one.
pub fn xlsx(sheets: &[Sheet]) -> Vec<u8> {
    let mut book = Workbook::new();
    let date = Format::new().set_num_format("yyyy-mm-dd");
    for (name, rows) in sheets {
        let sheet = book.add_worksheet();
        sheet.set_name(name).unwrap();
        for (r, cells) in rows {
            for (c, cell) in cells.iter().enumerate() {
                let c = c as u16;
                let Some(cell) = cell else { continue };
                match cell {
                    Cell::Text(s) => sheet.write_string(*r, c, s).map(|_| ()),
                    Cell::Number(f) => sheet.write_number(*r, c, *f).map(|_| ()),
                    Cell::Bool(b) => sheet.write_boolean(*r, c, *b).map(|_| ()),
                    Cell::Date(y, m, d) => sheet
                        .write_datetime_with_format(
                            *r,
                            c,
                            ExcelDateTime::from_ymd(*y, *m, *d).unwrap(),
                            &date,
                        )
                        .map(|_| ()),
                    Cell::Error(e) => sheet
                        .write_formula(*r, c, Formula::new("=1/0").set_result(*e))
                        .map(|_| ()),
                }
                .unwrap();
            }
        }
    }
    book.save_to_buffer().unwrap()
}

fn xml_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// An .ods spreadsheet of `sheets`, as LibreOffice writes one (a line
/// break in a text cell is a new paragraph).
pub fn ods(sheets: &[Sheet]) -> Vec<u8> {
    let mut content = String::from(
        r#"<?xml version="1.0" encoding="UTF-8"?>
<office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" office:version="1.2"><office:body><office:spreadsheet>"#,
    );
    for (name, rows) in sheets {
        content.push_str(&format!(
            r#"<table:table table:name="{}">"#,
            xml_escape(name)
        ));
        let mut next = 0;
        for (r, cells) in rows {
            while next < *r {
                content.push_str("<table:table-row><table:table-cell/></table:table-row>");
                next += 1;
            }
            next = r + 1;
            content.push_str("<table:table-row>");
            for cell in cells {
                content.push_str(&match cell {
                    None => "<table:table-cell/>".to_string(),
                    Some(Cell::Text(s)) => {
                        let paragraphs: String = s
                            .split('\n')
                            .map(|p| format!("<text:p>{}</text:p>", xml_escape(p)))
                            .collect();
                        format!(r#"<table:table-cell office:value-type="string">{paragraphs}</table:table-cell>"#)
                    }
                    Some(Cell::Number(f)) => format!(
                        r#"<table:table-cell office:value-type="float" office:value="{f}"><text:p>{f}</text:p></table:table-cell>"#
                    ),
                    Some(Cell::Bool(b)) => format!(
                        r#"<table:table-cell office:value-type="boolean" office:boolean-value="{b}"><text:p>{b}</text:p></table:table-cell>"#
                    ),
                    Some(Cell::Date(y, m, d)) => format!(
                        r#"<table:table-cell office:value-type="date" office:date-value="{y:04}-{m:02}-{d:02}"><text:p>{y}</text:p></table:table-cell>"#
                    ),
                    // As LibreOffice writes an error (calamine reads it as
                    // an empty text).
                    Some(Cell::Error(e)) => format!(
                        r#"<table:table-cell table:formula="of:=1/0" office:value-type="string" office:string-value="" calcext:value-type="error"><text:p>{e}</text:p></table:table-cell>"#
                    ),
                });
            }
            content.push_str("</table:table-row>");
        }
        content.push_str("</table:table>");
    }
    content.push_str("</office:spreadsheet></office:body></office:document-content>");
    let manifest = r#"<?xml version="1.0" encoding="UTF-8"?>
<manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.2"><manifest:file-entry manifest:full-path="/" manifest:media-type="application/vnd.oasis.opendocument.spreadsheet"/><manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/></manifest:manifest>"#;
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let stored =
        zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
    for (name, data) in [
        ("mimetype", "application/vnd.oasis.opendocument.spreadsheet"),
        ("META-INF/manifest.xml", manifest),
        ("content.xml", content.as_str()),
    ] {
        zip.start_file(name, stored).unwrap();
        zip.write_all(data.as_bytes()).unwrap();
    }
    zip.finish().unwrap().into_inner()
}

/// A sheet named `name` from a CSV text.
pub fn sheet(name: &str, csv: &str) -> Sheet {
    (name.to_string(), rows_of_csv(csv))
}

const HEADER: &str = "household_id,region,area,members,monthly_income,young_children,school_age_children,children_not_in_school,elderly,disabled,working_age_able,head_female,head_education,meals_per_day,floor_area_m2,floor_material,water_source,sanitation,electricity,cooking_fuel,health_insurance,shock,shock_months_ago,home_damaged";
const ROW: &str = "3201,rural,5,2000000,1,2,0,0,0,2,false,primary,3,36,cement,protected_well,private,true,gas,true,none,0,false";

/// A household row with id `id`, its cells as the sample's first row.
fn household(id: &str) -> Vec<Option<Cell>> {
    let mut cells = vec![Some(Cell::Text(id.to_string()))];
    cells.extend(ROW.split(',').map(cell_for));
    cells
}

fn header() -> (u32, Vec<Option<Cell>>) {
    (0, HEADER.split(',').map(cell_for).collect())
}

/// Column of input `name` in [`HEADER`].
fn col(name: &str) -> usize {
    HEADER.split(',').position(|h| h == name).unwrap()
}

fn assess(dir: &Dir, file: &str, more: &[&str]) -> Output {
    let mut args = vec![
        "assess",
        file,
        "--as-of",
        AS_OF,
        "--rejects",
        "rej.csv",
        "-o",
        "out.csv",
    ];
    args.extend_from_slice(more);
    let out = dir.run(&args);
    out.no_panic();
    out
}

#[test]
fn the_sheet_is_chosen_by_name_or_number_and_an_unknown_one_lists_them() {
    let dir = Dir::new();
    let notes: Sheet = ("Notes".into(), vec![(0, vec![cell_for("read me")])]);
    let households: Sheet = (
        "Rumah Tangga".into(),
        vec![header(), (1, household("A1")), (2, household("A2"))],
    );
    dir.write("book.xlsx", xlsx(&[notes.clone(), households.clone()]));
    dir.write("book.ods", ods(&[notes, households]));
    for file in ["book.xlsx", "book.ods"] {
        for choice in ["Rumah Tangga", "rumah tangga", "2"] {
            assess(&dir, file, &["--sheet", choice])
                .assert_code(0)
                .assert_counts(2, 2, 0);
            let out = dir.read("out.csv");
            assert!(
                out.contains("\nA1,3201,") && out.contains("\nA2,3201,"),
                "{out}"
            );
        }
        // The first sheet by default: here a note, not a household table.
        assess(&dir, file, &[])
            .assert_code(1)
            .stderr_has("required column `household_id` is missing");
        for wrong in ["3", "0", "Households"] {
            let _ = std::fs::remove_file(dir.join("out.csv"));
            let out = assess(&dir, file, &["--sheet", wrong]);
            out.assert_code(1).stderr_has(&format!(
                "--sheet {wrong}: {file} has no sheet `{wrong}`; its sheets: 1 `Notes`, 2 `Rumah Tangga`"
            ));
            assert!(!dir.exists("out.csv"), "{out}");
        }
    }
    // On a CSV file it does nothing, and says so.
    dir.write("h.csv", format!("{HEADER}\nA1,{ROW}\n"));
    assess(&dir, "h.csv", &["--sheet", "2"])
        .assert_code(0)
        .stderr_has("warning: --sheet 2: h.csv is not a spreadsheet; the option does nothing");
    // validate and explain take it too.
    let out = dir.run(&["validate", "book.xlsx", "--sheet", "2", "--as-of", AS_OF]);
    out.assert_code(0).stdout_has("2 rows read");
    let out = dir.run(&[
        "explain",
        "book.xlsx",
        "--sheet",
        "2",
        "--id",
        "A2",
        "--as-of",
        AS_OF,
    ]);
    out.assert_code(0).stdout_has("A2");
}

#[test]
fn each_cell_type_the_policy_cannot_take_is_a_clear_reject() {
    let dir = Dir::new();
    let set = |id: &str, column: &str, cell: Cell| {
        let mut row = household(id);
        row[col(column)] = Some(cell);
        row
    };
    let rows = vec![
        header(),
        (1, set("E1", "monthly_income", Cell::Error("#DIV/0!"))),
        (2, set("E2", "region", Cell::Error("#N/A"))),
        (3, set("E3", "members", Cell::Date(2024, 3, 15))),
        (4, set("E4", "area", Cell::Number(2.0))),
        // What is read as it shows.
        (5, set("OK1", "region", Cell::Date(2024, 3, 15))),
        (6, set("OK2", "health_insurance", Cell::Number(1.0))),
        (7, {
            let mut row = set("X", "region", Cell::Number(3201.0));
            row[0] = Some(Cell::Number(1234567.0));
            row
        }),
        // A failing cell before the problem cell is the reason, as in CSV.
        (8, {
            let mut row = set("E5", "monthly_income", Cell::Error("#REF!"));
            row[col("members")] = Some(Cell::Text("many".into()));
            row
        }),
    ];
    let file = xlsx(&[("Sheet1".into(), rows.clone())]);
    dir.write("cells.xlsx", &file);
    dir.write("cells.ods", ods(&[("Sheet1".into(), rows)]));
    for name in ["cells.xlsx", "cells.ods"] {
        let out = assess(&dir, name, &[]);
        out.assert_code(3).assert_counts(8, 3, 5);
        let rejects = dir.read("rej.csv");
        let errors = if name.ends_with(".ods") {
            // LibreOffice's errors lose their name on the way.
            [
                "2,E1,monthly_income,,invalid_value,\"the cell's formula has no value (an error, or an empty result): fix the formula in the workbook or clear the cell\"",
                "3,E2,region,,invalid_value,\"the cell's formula has no value",
            ]
        } else {
            [
                "2,E1,monthly_income,#DIV/0!,invalid_value,\"the cell holds the formula error #DIV/0!, not a value: fix the formula in the workbook or clear the cell\"",
                "3,E2,region,#N/A,invalid_value,\"the cell holds the formula error #N/A, not a value",
            ]
        };
        for want in errors.into_iter().chain([
            "4,E3,members,2024-03-15,invalid_value,a date cell where a number is expected (`2024-03-15`): format the column as numbers in the workbook",
            "5,E4,area,2,invalid_value,\"a number cell (`2`) where a label is expected: one of urban, rural\"",
            "9,E5,members,many,invalid_value,",
        ]) {
            assert!(rejects.contains(want), "{name}: no `{want}` in\n{rejects}");
        }
        let decided = dir.read("out.csv");
        // A date in a text column reads as an ISO date, a whole number in
        // the id column as its digits.
        assert!(decided.contains("\nOK1,2024-03-15,"), "{decided}");
        assert!(decided.contains("\nOK2,3201,"), "{decided}");
        assert!(decided.contains("\n1234567,3201,"), "{decided}");
        // explain and validate say the same.
        let out = dir.run(&["explain", name, "--line", "4", "--as-of", AS_OF]);
        out.assert_code(3)
            .stdout_has("a date cell where a number is expected");
        let out = dir.run(&["explain", name, "--id", "E1", "--as-of", AS_OF]);
        out.assert_code(3).stdout_has("formula");
        // validate reports every bad cell: line 9's formula error after its
        // first problem.
        let out = dir.run(&["validate", name, "--as-of", AS_OF, "--format", "json"]);
        out.assert_code(3);
        let report: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
        let lines = |column: &str| report["rejects_by_column"][column]["first_lines"].clone();
        assert_eq!(lines("monthly_income"), serde_json::json!([2, 9]), "{out}");
        assert_eq!(lines("members"), serde_json::json!([4, 9]), "{out}");
    }
}

#[test]
fn line_numbers_are_the_sheet_rows_also_after_a_line_break_in_a_cell() {
    let dir = Dir::new();
    let mut multi = household("M1");
    multi[col("region")] = Some(Cell::Text("32\n01".into()));
    let mut bad = household("B1");
    bad[col("members")] = Some(Cell::Text("x".into()));
    let rows = vec![
        // Two empty rows before the header, one after a row with a line
        // break, a row of spaces only (a blank row, skipped and counted).
        (2, HEADER.split(',').map(cell_for).collect()),
        (3, multi),
        (5, household("A1")),
        (6, vec![Some(Cell::Text("  ".into()))]),
        (9, bad),
        (10, household("A1")),
    ];
    for (name, data) in [
        ("lines.xlsx", xlsx(&[("S".into(), rows.clone())])),
        ("lines.ods", ods(&[("S".into(), rows.clone())])),
    ] {
        dir.write(name, &data);
        let out = assess(&dir, name, &[]);
        out.assert_code(3)
            .assert_counts(4, 2, 2)
            .stderr_has("1 blank row skipped");
        let rejects = dir.read("rej.csv");
        assert!(
            rejects.contains("\n10,B1,members,x,invalid_value"),
            "{rejects}"
        );
        assert!(
            rejects
                .contains("\n11,A1,household_id,A1,duplicate_id,`A1` already appeared on line 6"),
            "{rejects}"
        );
        let out = dir.run(&["explain", name, "--line", "6", "--as-of", AS_OF]);
        out.assert_code(0).stdout_has("A1");
        let out = dir.run(&["explain", name, "--line", "11", "--as-of", AS_OF]);
        out.assert_code(3).stdout_has("already appeared on line 6");
        let out = dir.run(&["validate", name, "--as-of", AS_OF]);
        out.assert_code(3).stdout_has("10");
    }
}

#[test]
fn standard_input_reads_a_workbook_as_a_file() {
    let dir = Dir::new();
    let rows = vec![header(), (1, household("A1")), (2, household("A2"))];
    let data = xlsx(&[("S".into(), rows)]);
    dir.write("h.xlsx", &data);
    let file = assess(&dir, "h.xlsx", &[]);
    file.assert_code(0);
    let from_file = dir.read("out.csv");
    let out = dir.run_stdin(&["assess", "-", "--as-of", AS_OF, "-o", "out.csv"], &data);
    out.assert_code(0).assert_counts(2, 2, 0);
    assert_eq!(dir.read("out.csv"), from_file);
}

#[test]
fn other_zip_files_and_damaged_workbooks_are_named() {
    let dir = Dir::new();
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    zip.start_file("data.csv", zip::write::SimpleFileOptions::default())
        .unwrap();
    zip.write_all(b"household_id\n1\n").unwrap();
    dir.write("data.zip", zip.finish().unwrap().into_inner());
    assess(&dir, "data.zip", &[]).assert_code(1).stderr_has(
        "data.zip is a ZIP archive (its first file: data.csv); unzip the CSV file it holds first",
    );
    let good = xlsx(&[("S".into(), vec![header()])]);
    dir.write("cut.xlsx", &good[..good.len() / 2]);
    assess(&dir, "cut.xlsx", &[])
        .assert_code(1)
        .stderr_has("cut.xlsx looks like an Excel workbook (.xlsx) but cannot be read");
    // A header only: no rows; an empty sheet: an error.
    dir.write("head.xlsx", &good);
    assess(&dir, "head.xlsx", &[])
        .assert_code(0)
        .assert_counts(0, 0, 0);
    dir.write("empty.xlsx", xlsx(&[("Leer".into(), vec![])]));
    assess(&dir, "empty.xlsx", &[]).assert_code(1).stderr_has(
        "empty.xlsx: the sheet `Leer` is empty: expected a header row with the column names",
    );
}

#[test]
fn person_files_cannot_be_spreadsheets_yet() {
    let dir = Dir::new();
    let persons = crate::util::repo_text("data/sample-persons.csv");
    let households = crate::util::repo_text("data/sample-persons-households.csv");
    dir.write("p.csv", &persons);
    dir.write("h.csv", &households);
    dir.write("p.xlsx", xlsx(&[sheet("P", &persons)]));
    dir.write("h.xlsx", xlsx(&[sheet("H", &households)]));
    for args in [
        ["h.csv", "--persons", "p.xlsx"],
        ["h.xlsx", "--persons", "p.csv"],
    ] {
        let mut all = vec!["assess"];
        all.extend_from_slice(&args);
        let out = dir.run(&all);
        out.assert_code(1)
            .no_panic()
            .stderr_has("a spreadsheet cannot be read here");
    }
}

#[test]
fn what_users_read_about_spreadsheets() {
    // One file per message kind; the texts are pinned in sheet_messages.snap.
    let dir = Dir::new();
    let set = |id: &str, column: &str, cell: Cell| {
        let mut row = household(id);
        row[col(column)] = Some(cell);
        row
    };
    let rows = vec![
        header(),
        (1, set("E1", "monthly_income", Cell::Error("#DIV/0!"))),
        (2, set("E2", "members", Cell::Date(2024, 3, 15))),
        (3, set("E3", "area", Cell::Number(2.0))),
        (4, {
            let mut row = household("E4");
            row.push(Some(Cell::Text("a note".into())));
            row
        }),
    ];
    dir.write("cells.xlsx", xlsx(&[("Households".into(), rows.clone())]));
    dir.write("cells.ods", ods(&[("Households".into(), rows)]));
    dir.write("empty.xlsx", xlsx(&[("Kosong".into(), vec![])]));
    let good = xlsx(&[("S".into(), vec![header()])]);
    dir.write("cut.xlsx", &good[..good.len() / 2]);
    let mut text = String::new();
    for args in [
        &["assess", "cells.xlsx"][..],
        &["assess", "cells.ods"][..],
        &["assess", "cells.xlsx", "--sheet", "Rumah Tangga"][..],
        &["assess", "empty.xlsx"][..],
        &["assess", "cut.xlsx"][..],
        &["explain", "cells.xlsx", "--line", "3"][..],
    ] {
        let mut all = args.to_vec();
        all.extend_from_slice(&["--as-of", AS_OF]);
        let out = dir.run(&all);
        out.no_panic();
        text.push_str(&format!(
            "$ layak {}\nexit {}\n{}{}\n",
            args.join(" "),
            out.code,
            if args[0] == "explain" {
                &out.stdout
            } else {
                ""
            },
            out.stderr
        ));
    }
    let mut settings = insta::Settings::clone_current();
    settings.set_prepend_module_to_snapshot(false);
    settings.bind(|| insta::assert_snapshot!("sheet_messages", text));
}
