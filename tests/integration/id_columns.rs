//! `--id-columns A,B`: a household id formed from several columns (IPUMS
//! `YEAR,SERIAL`), for `assess`, `validate` and `explain`.
//!
//! The reference is the same file with the parts already joined into one
//! `household_id` column (`H0` + `37` → `H0_37`): every output must be the
//! same, byte for byte, but for the column named by an id reject.
// See: issue 18 (item 4)

use crate::util::{Dir, Output, Table, repo_text};

const AS_OF: &str = "2026-06-01";

/// The sample households twice: with the id split into `YEAR` (its first two
/// characters) and `SERIAL` (the rest), and with those parts joined by `_`
/// into `household_id`. Every other cell, and every line number, is the same.
fn split_sample() -> (String, String) {
    let text = repo_text("data/sample-households.csv");
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(text.as_bytes());
    let mut split = csv::WriterBuilder::new().flexible(true).from_writer(vec![]);
    let mut joined = csv::WriterBuilder::new().flexible(true).from_writer(vec![]);
    for (i, record) in reader.records().enumerate() {
        let record = record.expect("the sample is CSV");
        let id = record.get(0).unwrap_or_default();
        let (year, serial) = if i == 0 {
            ("YEAR".to_string(), "SERIAL".to_string())
        } else {
            let id: Vec<char> = id.trim().chars().collect();
            let at = id.len().min(2);
            (
                id[..at].iter().collect::<String>(),
                id[at..].iter().collect::<String>(),
            )
        };
        let rest: Vec<&str> = record.iter().skip(1).collect();
        let mut a = vec![year.as_str(), serial.as_str()];
        a.extend(&rest);
        split.write_record(&a).expect("write");
        let both = if i == 0 {
            "household_id".to_string()
        } else if year.is_empty() && serial.is_empty() {
            String::new()
        } else {
            format!("{year}_{serial}")
        };
        let mut b = vec![both.as_str()];
        b.extend(&rest);
        joined.write_record(&b).expect("write");
    }
    let text = |w: csv::Writer<Vec<u8>>| String::from_utf8(w.into_inner().expect("flush")).unwrap();
    (text(split), text(joined))
}

fn assess(dir: &Dir, file: &str, extra: &[&str]) -> Output {
    let mut args = vec!["assess", file, "--as-of", AS_OF];
    args.extend_from_slice(extra);
    let out = dir.run(&args);
    out.no_panic();
    out
}

#[test]
fn a_two_part_key_decides_exactly_as_the_joined_id() {
    let dir = Dir::new();
    let (split, joined) = split_sample();
    dir.write("split.csv", split);
    dir.write("joined.csv", joined);
    let key = ["--id-columns", "YEAR,SERIAL"];
    for format in ["csv", "json", "ndjson"] {
        let mut args = vec!["-f", format, "--rejects", "rej.csv", "-o", "out"];
        let reference = assess(&dir, "joined.csv", &args);
        let (want, want_rejects) = (dir.read("out"), Table::parse(&dir.read("rej.csv")).unwrap());
        args.extend_from_slice(&key);
        for threads in [["-j", "1"], ["-j", "2"]] {
            let mut args = args.clone();
            args.extend_from_slice(&threads);
            args.extend_from_slice(&["--chunk-bytes", "700"]);
            let out = assess(&dir, "split.csv", &args);
            out.assert_code(3);
            assert_eq!(out.counts(), reference.counts(), "{out}");
            assert_eq!(dir.read("out"), want, "{format} {threads:?}\n{out}");
            let rejects = Table::parse(&dir.read("rej.csv")).unwrap();
            assert_eq!(rejects.rows.len(), want_rejects.rows.len());
            for (got, want) in rejects.rows.iter().zip(&want_rejects.rows) {
                for field in ["line", "household_id", "code", "value", "reason"] {
                    // At the id, the part's cell and its message stand for the id's.
                    let at_id = ["value", "reason"].contains(&field);
                    if at_id && want["column"] == "household_id" && want["code"] != "duplicate_id" {
                        continue;
                    }
                    // The split file has one field more.
                    if field == "reason" && want["code"] == "field_count" {
                        continue;
                    }
                    assert_eq!(got[field], want[field], "{field} of {want:?}");
                }
                if want["column"] == "household_id" {
                    assert!(["YEAR", "SERIAL", "household_id"].contains(&got["column"].as_str()));
                } else {
                    assert_eq!(got["column"], want["column"]);
                }
            }
        }
    }
    // The sample's duplicates are found on the parts, as on the joined ids.
    let csv = dir.read("rej.csv");
    assert!(
        csv.contains(",H0_01,household_id,H0_01,duplicate_id,`H0_01` already appeared on line 2"),
        "{csv}"
    );
    // And the ranking, whose ties break by id, is the same.
    let budget = ["--budget", "20000000", "-o", "ranked.csv"];
    assess(&dir, "joined.csv", &budget);
    let want = dir.read("ranked.csv");
    let mut args = budget.to_vec();
    args.extend_from_slice(&key);
    assess(&dir, "split.csv", &args);
    assert_eq!(dir.read("ranked.csv"), want);
}

/// One household row of the default policy after the key columns.
const ROW: &str = "3201,rural,5,2000000,1,2,0,0,0,2,false,primary,3,36,cement,protected_well,private,true,gas,true,none,0,false";
const HEADER: &str = "A,B,region,area,members,monthly_income,young_children,school_age_children,children_not_in_school,elderly,disabled,working_age_able,head_female,head_education,meals_per_day,floor_area_m2,floor_material,water_source,sanitation,electricity,cooking_fuel,health_insurance,shock,shock_months_ago,home_damaged";

fn keyed(keys: &[(&str, &str)]) -> String {
    let mut text = format!("{HEADER}\n");
    for (a, b) in keys {
        text.push_str(&format!("{a},{b},{ROW}\n"));
    }
    text
}

fn ids(out: &Output) -> Vec<String> {
    out.csv()
        .rows
        .iter()
        .map(|r| r["household_id"].clone())
        .collect()
}

#[test]
fn parts_that_join_alike_are_still_different_households() {
    let dir = Dir::new();
    dir.write(
        "k.csv",
        keyed(&[
            ("1", "23"),
            ("12", "3"),
            ("a_b", "c"),
            ("a", "b_c"),
            (" 1 ", " 23 "),
            ("12", "3"),
        ]),
    );
    let out = assess(&dir, "k.csv", &["--id-columns", "A,B"]);
    out.assert_code(3).assert_counts(6, 4, 2);
    // Shown joined: a part holding `_` looks like another key, and is not one.
    assert_eq!(ids(&out), ["1_23", "12_3", "a_b_c", "a_b_c"]);
    let rejects = out.reject_lines();
    assert_eq!(
        rejects,
        [
            "reject: k.csv: line 6 (household 1_23), household_id: `1_23` already appeared on line 2 [duplicate_id]",
            "reject: k.csv: line 7 (household 12_3), household_id: `12_3` already appeared on line 3 [duplicate_id]",
        ],
        "{out}"
    );
}

#[test]
fn an_empty_part_is_missing_required_and_names_its_column() {
    let dir = Dir::new();
    dir.write(
        "k.csv",
        keyed(&[("2020", "1"), ("2020", " "), ("", "7"), ("", "")]),
    );
    let out = assess(
        &dir,
        "k.csv",
        &["--id-columns", "A,B", "--rejects", "-", "-o", "d.csv"],
    );
    out.assert_code(3).assert_counts(4, 1, 3);
    assert_eq!(
        out.stdout,
        "line,household_id,column,value,code,reason\n\
         3,2020_,B,,missing_required,\"`B` is part of the household id (`household_id`) and is required, but the cell is empty\"\n\
         4,_7,A,,missing_required,\"`A` is part of the household id (`household_id`) and is required, but the cell is empty\"\n\
         5,,A,,missing_required,\"`A` is part of the household id (`household_id`) and is required, but the cell is empty\"\n",
        "{out}"
    );
    // validate reports both empty parts of the last row, by column.
    let out = dir.run(&["validate", "k.csv", "--id-columns", "A,B", "-f", "json"]);
    out.assert_code(3);
    let doc: serde_json::Value = serde_json::from_str(&out.stdout).unwrap_or_else(|e| out.fail(e));
    assert_eq!(doc["rejected"], 3, "{out}");
    assert_eq!(doc["problems"], 4, "{out}");
    assert_eq!(doc["rejects_by_column"]["A"]["count"], 2, "{out}");
    assert_eq!(doc["rejects_by_column"]["B"]["count"], 2, "{out}");
    assert_eq!(doc["unused_columns"], serde_json::json!([]), "{out}");
}

#[test]
fn columns_missing_from_the_header_are_one_usage_error() {
    let dir = Dir::new();
    dir.write("k.csv", keyed(&[("2020", "1")]));
    let out = dir.run(&[
        "assess",
        "k.csv",
        "--id-columns",
        "a,SERAIL,zzz",
        "-o",
        "d.csv",
    ]);
    out.assert_code(2).no_panic();
    assert_eq!(
        out.stderr.lines().next(),
        Some("error: --id-columns: k.csv: `SERAIL`, `zzz` are not in the header"),
        "{out}"
    );
    assert!(!dir.exists("d.csv"));
    dir.write(
        "s.csv",
        keyed(&[("2020", "1")]).replacen("A,B,", "YEAR,SERIAL,", 1),
    );
    for command in ["assess", "validate"] {
        let out = dir.run(&[command, "s.csv", "--id-columns", "YAER,SERAIL"]);
        out.assert_code(2);
        out.stderr_has("`SERAIL` (did you mean `SERIAL`?)")
            .stderr_has("the header has: YEAR, SERIAL, region");
    }
    let out = dir.run(&[
        "explain",
        "--detail",
        "s.csv",
        "--id-columns",
        "SERAIL",
        "--id",
        "1",
    ]);
    out.assert_code(2)
        .stderr_has("`SERAIL` (did you mean `SERIAL`?) is not in the header");
    for bad in ["A,,B", "A,b,a", ""] {
        let out = dir.run(&["assess", "k.csv", "--id-columns", bad]);
        out.assert_code(2).stderr_has("--id-columns");
    }
}

#[test]
fn one_column_is_that_column_read_as_the_id() {
    let dir = Dir::new();
    dir.write("k.csv", keyed(&[("x", "S1"), ("y", "S2"), ("z", "S1")]));
    let renamed = assess(&dir, "k.csv", &["--rename", "B=household_id"]);
    let keyed = assess(&dir, "k.csv", &["--id-columns", "b"]);
    keyed.assert_code(3).assert_counts(3, 2, 1);
    assert_eq!(keyed.stdout, renamed.stdout);
    assert_eq!(keyed.stderr, renamed.stderr);
    assert_eq!(ids(&keyed), ["S1", "S2"]);
}

#[test]
fn the_key_columns_win_over_a_household_id_column_with_one_warning() {
    let dir = Dir::new();
    let text = keyed(&[("2020", "1"), ("2020", "2")])
        .replacen("A,B,", "A,B,household_id,", 1)
        .replace("2020,1,", "2020,1,H1,")
        .replace("2020,2,", "2020,2,H1,");
    dir.write("k.csv", text);
    for key in ["A,B", "B"] {
        let out = assess(&dir, "k.csv", &["--id-columns", key]);
        out.assert_code(0).assert_counts(2, 2, 0);
        let warning = "warning: k.csv: the household id comes from --id-columns; the file's column `household_id` is not used";
        assert_eq!(out.stderr.matches(warning).count(), 1, "{out}");
        assert_ne!(ids(&out)[0], "H1");
    }
    // validate lists the displaced column as unused.
    let out = dir.run(&["validate", "k.csv", "--id-columns", "A,B", "-f", "json"]);
    let doc: serde_json::Value = serde_json::from_str(&out.stdout).unwrap_or_else(|e| out.fail(e));
    assert_eq!(
        doc["unused_columns"],
        serde_json::json!(["household_id"]),
        "{out}"
    );
}

#[test]
fn explain_takes_the_joined_id() {
    let dir = Dir::new();
    dir.write(
        "k.csv",
        keyed(&[("1", "23"), ("12", "3"), ("1", "23"), ("2020", "")]),
    );
    let key = ["--id-columns", "A,B", "--as-of", AS_OF];
    let explain = |extra: &[&str]| {
        let mut args = vec!["explain", "--detail", "k.csv"];
        args.extend_from_slice(&key);
        args.extend_from_slice(extra);
        let out = dir.run(&args);
        out.no_panic();
        out
    };
    let out = explain(&["--id", "12_3"]);
    out.assert_code(0)
        .stdout_has("Household 12_3 (k.csv, line 3)")
        .stdout_has("household_id            12_3");
    let out = explain(&["--id", "12_3", "-f", "json"]);
    let doc: serde_json::Value = serde_json::from_str(&out.stdout).unwrap_or_else(|e| out.fail(e));
    assert_eq!(
        (doc["household_id"].as_str(), doc["line"].as_u64()),
        (Some("12_3"), Some(3))
    );
    // The third row repeats the first key: a duplicate, as in assess.
    let out = explain(&["--line", "4"]);
    out.assert_code(3)
        .stdout_has("duplicate_id")
        .stdout_has("`1_23` already appeared on line 2");
    // The second has the first's digits, not its key.
    explain(&["--line", "3"]).assert_code(0);
    let out = explain(&["--line", "5"]);
    out.assert_code(3)
        .stdout_has("missing_required")
        .stdout_has("`B` is part of the household id");
    let out = explain(&["--id", "12_4"]);
    out.assert_code(1)
        .stderr_has("household `12_4` is not in the file")
        .stderr_has("close ids: 12_3");
    // The parts are not the id.
    explain(&["--id", "123"]).assert_code(1);
}
