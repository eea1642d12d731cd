//! `--summary --by`: rejected rows are counted in their group, so that the
//! groups' `rows` (plus `ungrouped_rows`) add up to the run's. Every count is
//! recomputed here from the rejects file and the input.
// See: issue 21 ("Rejected rows are not counted per `--by` group").

use std::collections::HashMap;

use serde_json::Value;

use crate::summary::generated;
use crate::util::{Dir, lines};

const CODES: [&str; 8] = [
    "field_count",
    "missing_required",
    "invalid_value",
    "out_of_range",
    "duplicate_id",
    "check_failed",
    "evaluation",
    "field_too_long",
];

fn int(v: &Value) -> u64 {
    v.as_u64()
        .unwrap_or_else(|| panic!("expected a whole number, got {v}"))
}

/// Trimmed as layak trims a cell: spaces and tabs only.
fn trim(cell: &str) -> &str {
    cell.trim_matches(|c| c == ' ' || c == '\t')
}

/// Rejects per group value (`None`: no group) and per code, recomputed:
/// each reject's row is found in the input by the line it starts on; a row
/// with another number of fields than the header is in no group, any other
/// in the group `key` gives for its record (`None`: the cell is unreadable).
fn expected_rejects(
    input: &str,
    rejects_csv: &str,
    key: impl Fn(&HashMap<&str, &str>) -> Option<String>,
) -> HashMap<Option<String>, HashMap<String, u64>> {
    let mut reader = csv::ReaderBuilder::new()
        .flexible(true)
        .from_reader(input.as_bytes());
    let header: Vec<String> = reader
        .headers()
        .unwrap()
        .iter()
        .map(str::to_string)
        .collect();
    let mut by_line = HashMap::new();
    for record in reader.records() {
        let record = record.unwrap();
        let line = record.position().unwrap().line();
        by_line.insert(line, record);
    }
    let mut out: HashMap<Option<String>, HashMap<String, u64>> = HashMap::new();
    let mut rejects = csv::Reader::from_reader(rejects_csv.as_bytes());
    for reject in rejects.records() {
        let reject = reject.unwrap();
        let line: u64 = reject[0].parse().unwrap();
        let record = by_line
            .get(&line)
            .unwrap_or_else(|| panic!("no record starts on line {line}"));
        let group = if record.len() == header.len() {
            let cells: HashMap<&str, &str> = header
                .iter()
                .map(String::as_str)
                .zip(record.iter())
                .collect();
            key(&cells)
        } else {
            None
        };
        *out.entry(group)
            .or_default()
            .entry(reject[4].to_string())
            .or_default() += 1;
    }
    out
}

/// `rows` of a group: consistent in itself, and its rejects as expected.
fn check_rows(what: &str, rows: &Value, want: Option<&HashMap<String, u64>>) {
    let by_reason = rows["rejects_by_reason"].as_object().unwrap();
    let mut codes: Vec<&str> = by_reason.keys().map(String::as_str).collect();
    let mut every = CODES;
    codes.sort_unstable();
    every.sort_unstable();
    assert_eq!(codes, every, "{what}: every code");
    let mut rejected = 0;
    for (code, n) in by_reason {
        let expected = want.and_then(|w| w.get(code)).copied().unwrap_or(0);
        assert_eq!(int(n), expected, "{what}: {code} rejects");
        rejected += int(n);
    }
    assert_eq!(int(&rows["rejected"]), rejected, "{what}: rejected");
    assert_eq!(
        int(&rows["read"]),
        int(&rows["decided"]) + rejected,
        "{what}: read = decided + rejected"
    );
}

/// Every group's and the ungrouped rows against `expected`, and all of
/// them added up against the run's rows.
fn check_groups(s: &Value, expected: &HashMap<Option<String>, HashMap<String, u64>>) {
    let by = &s["by"];
    let mut sums: HashMap<String, u64> = HashMap::new();
    let mut add = |rows: &Value| {
        for key in ["read", "decided", "rejected"] {
            *sums.entry(key.into()).or_default() += int(&rows[key]);
        }
        for (code, n) in rows["rejects_by_reason"].as_object().unwrap() {
            *sums.entry(code.clone()).or_default() += int(n);
        }
    };
    let mut seen = Vec::new();
    for g in by["groups"].as_array().unwrap() {
        let value = g["value"].as_str().unwrap().to_string();
        let rows = &g["rows"];
        check_rows(
            &format!("group {value:?}"),
            rows,
            expected.get(&Some(value.clone())),
        );
        assert_eq!(int(&rows["decided"]), int(&g["households"]), "{value}");
        add(rows);
        seen.push(Some(value));
    }
    check_rows("ungrouped", &by["ungrouped_rows"], expected.get(&None));
    assert_eq!(int(&by["ungrouped_rows"]["decided"]), 0);
    add(&by["ungrouped_rows"]);
    for group in expected.keys().flatten() {
        assert!(
            seen.contains(&Some(group.clone())),
            "no group {group:?} for its rejects"
        );
    }
    let total = &s["rows"];
    for key in ["read", "decided", "rejected"] {
        assert_eq!(
            sums[key],
            int(&total[key]),
            "groups' {key} add up to the run's"
        );
    }
    for (code, n) in total["rejects_by_reason"].as_object().unwrap() {
        assert_eq!(sums[code], int(n), "groups' {code} add up to the run's");
    }
}

/// `layak assess` with a summary grouped by `by`: the summary and the rejects file.
fn assess_by(dir: &Dir, file: &str, by: &str, extra: &[&str]) -> (Value, String, String) {
    let mut args = vec![
        "assess",
        file,
        "-q",
        "-o",
        "out.csv",
        "--rejects",
        "rej.csv",
        "--summary",
        "s.json",
        "--by",
        by,
    ];
    args.extend_from_slice(extra);
    dir.run(&args).no_panic().assert_code(3);
    let text = dir.read("s.json");
    let s = serde_json::from_str(&text).unwrap_or_else(|e| panic!("{e}: {text}"));
    (s, text, dir.read("rej.csv"))
}

/// The default policy's reading of `area` (an optional enum, default rural).
fn area_key(cells: &HashMap<&str, &str>) -> Option<String> {
    match trim(cells["area"]).to_lowercase().as_str() {
        "" => Some("rural".into()),
        v @ ("urban" | "rural") => Some(v.into()),
        _ => None,
    }
}

/// The default policy's reading of `members` (a required integer, 1 to 50).
fn members_key(cells: &HashMap<&str, &str>) -> Option<String> {
    let cell = trim(cells["members"]);
    if cell.is_empty() || !cell.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let n: u64 = cell.parse().ok()?;
    (1..=50).contains(&n).then(|| n.to_string())
}

#[test]
fn rejects_per_group_match_the_rejects_file_for_text_enum_and_integer_columns() {
    let dir = Dir::new();
    let input = generated(12);
    dir.write("big.csv", &input);
    let region = |cells: &HashMap<&str, &str>| Some(trim(cells["region"]).to_string());
    let (s, _, rejects) = assess_by(&dir, "big.csv", "region", &[]);
    let expected = expected_rejects(&input, &rejects, region);
    // The sample's rejects: every code but two lands in a group.
    assert!(expected.keys().flatten().count() >= 4, "{expected:?}");
    check_groups(&s, &expected);

    let (s, _, rejects) = assess_by(&dir, "big.csv", "area", &[]);
    let expected = expected_rejects(&input, &rejects, area_key);
    // `suburban` and `kota` are in no group; `RURAL` and an empty cell are rural.
    assert!(int(&s["by"]["ungrouped_rows"]["rejects_by_reason"]["invalid_value"]) > 0);
    check_groups(&s, &expected);

    let (s, _, rejects) = assess_by(&dir, "big.csv", "members", &[]);
    check_groups(&s, &expected_rejects(&input, &rejects, members_key));
}

#[test]
fn rejects_per_group_do_not_depend_on_threads_or_chunks() {
    let dir = Dir::new();
    let input = generated(12);
    dir.write("big.csv", &input);
    let (_, first, _) = assess_by(&dir, "big.csv", "area", &["-j", "1"]);
    // The codes of a group's rows come in the order of the run's.
    let ungrouped = &first[first.find("\"ungrouped_rows\"").unwrap()..];
    let at: Vec<usize> = CODES
        .iter()
        .map(|c| ungrouped.find(&format!("\"{c}\"")).unwrap())
        .collect();
    assert!(at.is_sorted(), "{ungrouped}");
    for (threads, chunk) in [("2", "300"), ("3", "1024"), ("1", "97")] {
        let (s, text, rejects) = assess_by(
            &dir,
            "big.csv",
            "area",
            &["-j", threads, "--chunk-bytes", chunk],
        );
        assert!(
            text == first,
            "--threads {threads} --chunk-bytes {chunk} gives another summary"
        );
        check_groups(&s, &expected_rejects(&input, &rejects, area_key));
    }
}

#[test]
fn a_duplicate_is_counted_in_its_own_rows_group_and_leaves_no_household() {
    let dir = Dir::new();
    let input = lines(&[
        "household_id,region,members,monthly_income",
        "A1,north,2,100000",
        // Decided in the worker, a duplicate in the merger: out of south's
        // households, into south's rejects.
        "A1,south,3,100000",
        // Rejected (members) after claiming its id...
        "A2,north,x,100000",
        // ...so this valid row is a duplicate, in east.
        "A2,east,2,100000",
        // Too few fields: no group, although its second cell is there.
        "A3,west,2",
        // Too many fields: no group either.
        "A4,west,2,100000,extra",
    ]);
    dir.write("d.csv", &input);
    for chunk in ["1000000", "20"] {
        for threads in ["1", "2"] {
            let (s, _, rejects) = assess_by(
                &dir,
                "d.csv",
                "region",
                &["-j", threads, "--chunk-bytes", chunk],
            );
            let region = |cells: &HashMap<&str, &str>| Some(trim(cells["region"]).to_string());
            check_groups(&s, &expected_rejects(&input, &rejects, region));
            let groups: Vec<(String, u64, u64, u64)> = s["by"]["groups"]
                .as_array()
                .unwrap()
                .iter()
                .map(|g| {
                    (
                        g["value"].as_str().unwrap().to_string(),
                        int(&g["households"]),
                        int(&g["rows"]["rejects_by_reason"]["duplicate_id"]),
                        int(&g["rows"]["rejected"]),
                    )
                })
                .collect();
            let group = |v: &str, h, d, r| (v.to_string(), h, d, r);
            assert_eq!(
                groups,
                [
                    group("east", 0, 1, 1),
                    group("north", 1, 0, 1),
                    group("south", 0, 1, 1),
                ],
                "-j {threads} --chunk-bytes {chunk}"
            );
            let ungrouped = &s["by"]["ungrouped_rows"];
            assert_eq!(int(&ungrouped["rejects_by_reason"]["field_count"]), 2);
        }
    }
}

#[test]
fn an_over_long_group_cell_is_in_no_group_but_another_long_cell_is_not() {
    let dir = Dir::new();
    let long = "x".repeat(40);
    let input = lines(&[
        "household_id,region,members,monthly_income,district",
        "B1,north,2,100000,Ampenan",
        &format!("B2,north,2,100000,{long}"),
        &format!("B3,{long},2,100000,Ampenan"),
    ]);
    dir.write("l.csv", &input);
    let extra = ["--max-field-bytes", "20"];
    let (s, _, rejects) = assess_by(&dir, "l.csv", "region", &extra);
    let region = |cells: &HashMap<&str, &str>| {
        let cell = cells["region"];
        (cell.len() <= 20).then(|| trim(cell).to_string())
    };
    let expected = expected_rejects(&input, &rejects, region);
    check_groups(&s, &expected);
    let north = &s["by"]["groups"][0];
    assert_eq!(north["value"], "north");
    assert_eq!(
        int(&north["rows"]["rejects_by_reason"]["field_too_long"]),
        1
    );
    let ungrouped = &s["by"]["ungrouped_rows"]["rejects_by_reason"];
    assert_eq!(int(&ungrouped["field_too_long"]), 1);

    // A column the policy does not read groups the same way.
    let (s, _, rejects) = assess_by(&dir, "l.csv", "district", &extra);
    let district = |cells: &HashMap<&str, &str>| {
        let cell = cells["district"];
        (cell.len() <= 20).then(|| trim(cell).to_string())
    };
    check_groups(&s, &expected_rejects(&input, &rejects, district));
}

#[test]
fn the_short_summary_shows_rejects_per_group() {
    let dir = Dir::new();
    dir.write(
        "h.csv",
        lines(&[
            "household_id,area,members,monthly_income",
            "C1,urban,2,100000",
            "C2,urban,0,100000",
            "C3,suburban,2,100000",
        ]),
    );
    dir.run(&[
        "assess",
        "h.csv",
        "-o",
        "out.csv",
        "--rejects",
        "rej.csv",
        "--summary",
        "-",
        "--by",
        "area",
    ])
    .assert_code(3)
    .stderr_has("    urban: 1 household (2 persons), ")
    .stderr_has("; 1 rejected\n")
    .stderr_has("    1 rejected row in no group (the area cell could not be read)\n");
}
