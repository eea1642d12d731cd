//! Unit tests of the household reader.

use super::*;

/// Every error a front end may show, one of each kind and shape.
fn every_error_kind() -> Vec<InputError> {
    let mut errors = reading_errors();
    errors.extend(column_errors());
    errors
}

/// Errors of a file that cannot be read as CSV text or whose records break.
fn reading_errors() -> Vec<InputError> {
    let file = || "in.csv".to_string();
    vec![
        InputError::Io {
            file: file(),
            source: io::Error::other("gone"),
        },
        InputError::reading(
            "in.csv",
            io::Error::new(
                io::ErrorKind::InvalidData,
                RecordTooLong {
                    line: 3,
                    limit: 1 << 20,
                },
            ),
        ),
        InputError::Empty { file: file() },
        InputError::Csv {
            file: file(),
            line: 2,
            message: "bad".into(),
        },
        decode::Binary::Xz.error("in.csv", &[]),
        decode::Binary::Xz.error("<stdin>", &["gzip"]),
        decode::Binary::Zip(decode::ZipKind::Archive(Some("a.csv".into()))).error("<stdin>", &[]),
        InputError::Decode {
            file: file(),
            problem: DecodeError::OddLength { line: 3 },
        },
        InputError::HeaderTooLong {
            file: file(),
            line: 1,
            limit: 1 << 20,
        },
        InputError::RecordTooLong {
            file: file(),
            line: 9,
            limit: 1 << 20,
        },
        InputError::HeaderUnclosedQuote {
            file: file(),
            line: 1,
            column: 2,
            start: "\"abc".into(),
        },
    ]
}

/// Errors of the header's columns: missing, twice, renamed wrong.
fn column_errors() -> Vec<InputError> {
    let file = || "in.csv".to_string();
    let clashing = |renamed_by: Option<(&str, &str)>| ClashingColumn {
        name: "size".into(),
        column: 2,
        renamed_by: renamed_by.map(|(f, t)| (f.to_string(), t.to_string())),
    };
    let missing = |suggestion: Option<&str>, delimiter_hint| InputError::MissingColumn {
        file: file(),
        column: "members".into(),
        found: "`a`, `b`".into(),
        suggestion: suggestion.map(str::to_string),
        delimiter_hint,
    };
    vec![
        missing(None, None),
        missing(Some("membres"), None),
        missing(None, Some(b';')),
        missing(None, Some(b'\t')),
        InputError::DuplicateColumn {
            file: file(),
            line: 1,
            column: "a".into(),
            first: 1,
            second: 2,
        },
        InputError::RenameSyntax { spec: "x".into() },
        InputError::IdColumns {
            file: file(),
            missing: vec![("SERAIL".into(), Some("SERIAL".into())), ("y".into(), None)],
            found: "`SERIAL`".into(),
        },
        InputError::Rename {
            from: "hh".into(),
            to: "membres".into(),
            problem: Box::new(RenameProblem::NoSuchInput {
                suggestion: Some("members".into()),
            }),
        },
        InputError::Rename {
            from: "persons".into(),
            to: "members".into(),
            problem: Box::new(RenameProblem::Clash {
                first: clashing(Some(("size", "members"))),
                second: clashing(Some(("persons", "members"))),
            }),
        },
        InputError::Rename {
            from: "persons".into(),
            to: "members".into(),
            problem: Box::new(RenameProblem::Clash {
                first: clashing(None),
                second: clashing(Some(("persons", "members"))),
            }),
        },
    ]
}

// Library errors serve any front end: the command line adds its flags
// when it shows them (see: issue 13).
#[test]
fn no_input_error_names_a_command_line_flag() {
    for e in every_error_kind() {
        let text = e.to_string();
        assert!(!text.contains("--"), "{e:?} names a flag: {text}");
        assert!(
            !text.contains("layak assess"),
            "{e:?} names a command: {text}"
        );
    }
    let too_long = RecordTooLong { line: 1, limit: 10 }.to_string();
    assert!(!too_long.contains("--"), "{too_long}");
}

#[test]
fn a_failed_read_of_a_runaway_record_is_record_too_long() {
    let source = io::Error::new(
        io::ErrorKind::InvalidData,
        RecordTooLong { line: 7, limit: 5 },
    );
    assert!(matches!(
        InputError::reading("f", source),
        InputError::RecordTooLong {
            line: 7,
            limit: 5,
            ..
        }
    ));
    assert!(matches!(
        InputError::reading("f", io::Error::other("x")),
        InputError::Io { .. }
    ));
}

#[test]
fn detects_delimiters() {
    assert_eq!(detect_delimiter(b"a,b,c\n"), b',');
    assert_eq!(detect_delimiter(b"a;b;c\n"), b';');
    assert_eq!(detect_delimiter(b"a\tb\tc\n"), b'\t');
    assert_eq!(detect_delimiter(b"a|b|c\n"), b'|');
    assert_eq!(detect_delimiter(b"\"a;x\",b,c\n"), b',');
    assert_eq!(detect_delimiter(b"single\n"), b',');
}

#[test]
fn rename_needs_both_sides() {
    assert!(parse_rename("a=").is_err());
    assert!(parse_rename("=b").is_err());
    assert!(parse_rename("ab").is_err());
}

use crate::policy::{DEFAULT_POLICY_TOML, LoadOptions};

fn default_policy() -> Policy {
    Policy::default_policy(&LoadOptions::default()).unwrap()
}

fn options(delimiter: Option<u8>, renames: &[(&str, &str)]) -> ReadOptions {
    ReadOptions {
        delimiter,
        renames: renames
            .iter()
            .map(|(f, t)| (f.to_string(), t.to_string()))
            .collect(),
        ..ReadOptions::default()
    }
}

fn source(text: impl Into<Vec<u8>>, options: &ReadOptions) -> Source {
    from_reader(
        "in.csv".into(),
        Box::new(io::Cursor::new(text.into())),
        options,
    )
    .unwrap()
}

/// The layout of `text`'s header for the default policy, or the error's message.
fn layout(text: impl Into<Vec<u8>>, options: &ReadOptions) -> Result<Layout, String> {
    let source = source(text, options);
    Layout::new(&default_policy(), &source, options).map_err(|e| e.to_string())
}

#[test]
fn excerpts_are_short_and_show_what_is_invisible() {
    assert_eq!(excerpt(b"", 10), "");
    assert_eq!(excerpt(b"members", 7), "members");
    assert_eq!(excerpt(b"members", 6), "member…");
    let long = excerpt("é".repeat(1 << 20).as_bytes(), 200);
    assert_eq!(long, format!("{}…", "é".repeat(100)));
    assert_eq!(
        excerpt(b"\x1b[2J\0a\r\nb\tc\x7f", 100),
        "\\u{1b}[2J\\0a\\r\\nb\\tc\\u{7f}"
    );
    assert_eq!(
        excerpt("\u{feff}x\u{200b}\u{202e}y".as_bytes(), 100),
        "\\u{feff}x\\u{200b}\\u{202e}y"
    );
    assert_eq!(excerpt(b"a\xff\xfeb", 100), "a\\xff\\xfeb");
    // However long or strange the input, the excerpt stays near its limit.
    for input in [
        vec![0u8; 1 << 20],
        vec![0xFF; 1 << 20],
        "\u{feff}".repeat(1 << 18).into_bytes(),
    ] {
        let e = excerpt(&input, MESSAGE_EXCERPT_BYTES);
        assert!(e.len() <= MESSAGE_EXCERPT_BYTES + 16, "{} bytes", e.len());
        assert!(e.ends_with('…'));
    }
}

#[test]
fn name_lists_stop_after_twenty_names_or_a_few_hundred_bytes() {
    let names: Vec<String> = (0..1_000_001).map(|i| format!("c{i}")).collect();
    let list = list_names(&names);
    assert!(list.starts_with("c0, c1, c2, "), "{list}");
    assert!(list.ends_with(", c19, … and 999,981 more"), "{list}");
    let long: Vec<String> = (0..100)
        .map(|i| format!("{i}{}", "x".repeat(1000)))
        .collect();
    let list = list_names(&long);
    assert!(
        list.len() < 3 * MESSAGE_EXCERPT_BYTES,
        "{} bytes: {list}",
        list.len()
    );
    assert!(list.ends_with("more"), "{list}");
}

#[test]
fn a_byte_order_mark_before_a_later_name_is_ignored() {
    let layout = layout(
        "household_id,\u{feff}members,area,monthly_income\nA,2,rural,100\n",
        &options(None, &[]),
    )
    .unwrap();
    let members = default_policy()
        .inputs
        .iter()
        .position(|i| i.name == "members")
        .unwrap();
    assert_eq!(layout.columns[members], Some(1));
    // A misspelt name after a mark is suggested without the mark.
    let err = layout_err("household_id,\u{feff}membres,area,monthly_income\n");
    assert!(err.contains("did you mean `membres`?"), "{err}");
    assert!(!err.contains('\u{feff}'), "{err:?}");
}

fn layout_err(text: &str) -> String {
    layout(text, &options(None, &[])).expect_err("an error")
}

#[test]
fn a_rename_onto_a_column_the_file_has_says_which_two_clash() {
    let text = "household_id,region,members,monthly_income\n";
    let err = layout(text, &options(None, &[("region", "household_id")])).expect_err("an error");
    assert_eq!(
        err,
        "rename region=household_id: two columns would both be input `household_id`: the file's own `household_id` (column 1) and `region` (column 2, renamed); keep one: drop this rename, or rename or remove the other column in the file"
    );
    let err = layout(
        "hh,size,persons,monthly_income\n",
        &options(
            None,
            &[
                ("hh", "household_id"),
                ("size", "members"),
                ("persons", "members"),
            ],
        ),
    )
    .expect_err("an error");
    assert!(
        err.starts_with("rename persons=members: two columns would both be input `members`: `size` (column 2, renamed by size=members) and `persons` (column 3, renamed)"),
        "{err}"
    );
    // Without a rename, a repeated name is the file's own duplicate.
    let err = layout_err("household_id,members,Members,monthly_income\n");
    assert!(
        err.contains("column `Members` appears twice in the header (columns 2 and 3)"),
        "{err}"
    );
}

#[test]
fn a_wrong_delimiter_is_named() {
    let text = "household_id,area,members,monthly_income\nA,rural,2,100\n";
    let err = layout(text, &options(Some(b';'), &[])).expect_err("an error");
    assert!(
        err.contains("required column `household_id` is missing"),
        "{err}"
    );
    assert!(
        err.ends_with("\n  the header has one column; is the delimiter `,`?"),
        "{err}"
    );
    let err = layout(text.replace(',', ";"), &options(Some(b','), &[])).expect_err("an error");
    assert!(err.ends_with("is the delimiter `;`?"), "{err}");
    let err = layout(text.replace(',', "\t"), &options(Some(b'|'), &[])).expect_err("an error");
    assert!(err.ends_with("is the delimiter a tab?"), "{err}");
}

#[test]
fn a_million_column_header_is_listed_in_a_few_hundred_bytes() {
    let mut text = String::from("household_id,area,monthly_income");
    for i in 0..1_000_000 {
        text.push_str(&format!(",c{i}"));
    }
    text.push('\n');
    let err = layout_err(&text);
    assert!(err.len() < 700, "{} bytes: {err}", err.len());
    assert!(
        err.contains("required column `members` is missing"),
        "{err}"
    );
    assert!(err.contains(", c16, … and 999,983 more"), "{err}");
}

#[test]
fn header_errors_quote_long_names_cut_short() {
    let name = "x".repeat(1 << 20);
    let err = layout_err(&format!(
        "household_id,{name},{name},members,monthly_income\n"
    ));
    assert!(err.len() < 300, "{} bytes: {err:.300}", err.len());
    assert!(
        err.contains("appears twice in the header (columns 2 and 3)"),
        "{err}"
    );
    let err = layout_err(&format!("household_id,area,{name},monthly_income\n"));
    assert!(err.len() < 700, "{} bytes: {err:.700}", err.len());
}

#[test]
fn reject_messages_quote_cells_cut_short_and_escaped() {
    let policy = default_policy();
    let options = options(None, &[]);
    let src = source(&b"household_id,area,members,monthly_income\n"[..], &options);
    let layout = Layout::new(&policy, &src, &options).unwrap();
    let parser = RowParser::new(&policy, &layout);
    let mut slots = vec![0.0; policy.slot_count];
    let long = "9".repeat(500_000);
    let zeros_then_51 = format!("{}51", "0".repeat(500_000));
    let cases: [(&[&str], RejectCode, &str); 5] = [
        (
            &["A", "rural", &zeros_then_51, "1"],
            RejectCode::OutOfRange,
            "0000…` is out of range: must be ≤ 50",
        ),
        (
            &["A", "rural", "2", &format!("{long}x")],
            RejectCode::InvalidValue,
            "is not a number",
        ),
        (
            &["A", "rural", &long, "1"],
            RejectCode::OutOfRange,
            "9999…` is too large",
        ),
        (
            &["A", "\x1b[2Jrural", "2", "1"],
            RejectCode::InvalidValue,
            "`\\u{1b}[2Jrural` is not an allowed value",
        ),
        (
            &["A", &"u".repeat(500_000), "2", "1"],
            RejectCode::InvalidValue,
            "is not an allowed value",
        ),
    ];
    for (cells, code, says) in cases {
        let record = csv::ByteRecord::from(cells.to_vec());
        let reject = parser.parse(&record, 7, &mut slots).expect_err("a reject");
        assert_eq!(reject.code, code, "{reject}");
        assert!(reject.message.contains(says), "{}", reject.message);
        assert!(reject.message.len() < 400, "{} bytes", reject.message.len());
        assert!(!reject.message.contains('\x1b'), "{:?}", reject.message);
    }
    let id = vec![b'I'; 500_000];
    let reject = parser.duplicate_reject(9, &id, 3);
    assert!(reject.message.len() < 200, "{} bytes", reject.message.len());
    assert!(
        reject.to_string().len() < 400,
        "{} bytes",
        reject.to_string().len()
    );
}

#[test]
fn a_long_list_of_allowed_values_is_cut_short() {
    let values: Vec<String> = (0..10_000).map(|i| format!("\"v{i}\"")).collect();
    let toml = DEFAULT_POLICY_TOML
        .replacen(
            "values = [\"urban\", \"rural\"]",
            &format!("values = [\"urban\", \"rural\", {}]", values.join(", ")),
            1,
        )
        .replacen(
            "labels.id = { urban = \"perkotaan\", rural = \"perdesaan\" }\n",
            "",
            1,
        );
    let policy = Policy::load("big.toml", &toml, &LoadOptions::default()).unwrap();
    let options = options(None, &[]);
    let src = source(&b"household_id,area,members,monthly_income\n"[..], &options);
    let layout = Layout::new(&policy, &src, &options).unwrap();
    let parser = RowParser::new(&policy, &layout);
    let mut slots = vec![0.0; policy.slot_count];
    let record = csv::ByteRecord::from(vec!["A", "urbn", "2", "1"]);
    let reject = parser.parse(&record, 2, &mut slots).expect_err("a reject");
    assert!(
        reject.message.len() < 500,
        "{} bytes: {}",
        reject.message.len(),
        reject.message
    );
    assert!(
        reject.message.contains("urban, rural, v0, "),
        "{}",
        reject.message
    );
    assert!(
        reject
            .message
            .contains("… and 9,982 more (did you mean `urban`?)"),
        "{}",
        reject.message
    );
}

/// The default policy's header with the id split into `YEAR` and `SERIAL`.
const KEYED_HEADER: &[u8] = b"YEAR,area,SERIAL,members,monthly_income\n";

fn keyed(id_columns: &[&str]) -> ReadOptions {
    ReadOptions {
        id_columns: id_columns.iter().map(|c| c.to_string()).collect(),
        ..ReadOptions::default()
    }
}

// See: issue 18 (item 4)
#[test]
fn id_columns_form_a_composite_key() {
    let policy = default_policy();
    let options = keyed(&["year", " serial "]);
    let src = source(KEYED_HEADER, &options);
    let layout = Layout::new(&policy, &src, &options).unwrap();
    assert_eq!(layout.id_parts, [0, 2]);
    assert_eq!(layout.id_part_names, ["YEAR", "SERIAL"]);
    assert_eq!(layout.columns[policy.fields.id_input], None);
    assert!(layout.unused.is_empty() && layout.id_overridden.is_empty());
    let parser = RowParser::new(&policy, &layout);
    let mut slots = vec![0.0; policy.slot_count];
    let mut key = Vec::new();
    let row = |cells: &[&str]| csv::ByteRecord::from(cells.to_vec());
    let a = row(&[" 1 ", "rural", "23", "2", "1"]);
    let b = row(&["12", "rural", "3", "2", "1"]);
    assert!(parser.parse(&a, 2, &mut slots).is_ok());
    let fp_a = parser.id_key(&a, &mut key);
    assert_eq!(key, b"1_23");
    let fp_b = parser.id_key(&b, &mut key);
    assert_eq!(key, b"1_2312_3", "appended");
    assert!(fp_a.is_some() && fp_b.is_some() && fp_a != fp_b);
    assert_eq!(fp_a, parser.id_fingerprint(&a));
    assert_eq!(fp_a, Some(fingerprint_parts(&[b"1", b"23"])));
    // The key's buffer is reused: no allocation once it has grown.
    key.clear();
    let (capacity, at) = (key.capacity(), key.as_ptr());
    parser.id_key(&a, &mut key);
    assert_eq!((key.capacity(), key.as_ptr()), (capacity, at));

    // An empty part claims nothing and is `missing_required`, naming its column.
    let empty = row(&["2020", "rural", " ", "2", "1"]);
    key.clear();
    assert_eq!(parser.id_key(&empty, &mut key), None);
    assert!(key.is_empty());
    let reject = parser.parse(&empty, 4, &mut slots).expect_err("a reject");
    assert_eq!(
        (
            reject.code,
            reject.column.as_str(),
            reject.household_id.as_str()
        ),
        (RejectCode::MissingRequired, "SERIAL", "2020_")
    );
    // A row rejected at an input before the id still names both parts' problems.
    let bad = row(&["", "city", "", "2", "1"]);
    let first = parser.parse(&bad, 5, &mut slots).expect_err("a reject");
    assert_eq!(first.column, "YEAR");
    let mut more = Vec::new();
    parser.more_bad_cells(&bad, 5, &first, &mut more);
    let columns: Vec<&str> = more.iter().map(|r| r.column.as_str()).collect();
    assert_eq!(columns, ["SERIAL", "area"]);
    assert!(
        more[0].household_id.is_empty(),
        "no id when every part is empty"
    );
    // A short row claims nothing; its reject shows the parts it has.
    let short = row(&["2020", "rural", "9", "2"]);
    assert_eq!(parser.id_fingerprint(&short), None);
    let reject = parser.parse(&short, 6, &mut slots).expect_err("a reject");
    assert_eq!(
        (reject.code, reject.household_id.as_str()),
        (RejectCode::FieldCount, "2020_9")
    );
    // explain's inputs as read show the joined id, not a default.
    let (defaulted, texts) = parser.inputs_as_read(&a);
    assert!(!defaulted[policy.fields.id_input]);
    assert_eq!(texts[policy.fields.id_input], "1_23");
}

#[test]
fn id_columns_missing_from_the_header_are_all_named() {
    let err = layout(KEYED_HEADER, &keyed(&["YEAR", "SERAIL", "nope"])).unwrap_err();
    assert_eq!(
        err,
        "in.csv: the household id's columns `SERAIL` (did you mean `SERIAL`?), `nope` are not in the header\n  the header has: YEAR, area, SERIAL, members, monthly_income"
    );
}

#[test]
fn one_id_column_is_the_id_and_displaces_the_files_own() {
    let header = b"household_id,area,SERIAL,members,monthly_income\n";
    let layout = layout(&header[..], &keyed(&["serial"])).unwrap();
    let policy = default_policy();
    assert_eq!(layout.columns[policy.fields.id_input], Some(2));
    assert!(layout.id_parts.is_empty());
    assert_eq!(layout.id_overridden, ["household_id"]);
    assert_eq!(layout.unused, ["household_id"]);
    // Naming the id's own column displaces nothing.
    let same = super::tests::layout(&header[..], &keyed(&["household_id"])).unwrap();
    assert!(same.id_overridden.is_empty());
    assert_eq!(same.unused, ["SERIAL"]);
}

#[test]
fn a_too_long_cell_names_no_flag() {
    let policy = default_policy();
    let options = ReadOptions {
        max_field_bytes: 5,
        ..ReadOptions::default()
    };
    let src = source(&b"household_id,area,members,monthly_income\n"[..], &options);
    let layout = Layout::new(&policy, &src, &options).unwrap();
    let parser = RowParser::new(&policy, &layout);
    let mut slots = vec![0.0; policy.slot_count];
    let record = csv::ByteRecord::from(vec!["A", "rural", "2", "123456"]);
    let reject = parser.parse(&record, 2, &mut slots).expect_err("a reject");
    assert_eq!(reject.code, RejectCode::FieldTooLong);
    assert_eq!(
        reject.message,
        "a cell of 6 bytes is longer than the limit of 5 bytes"
    );
}

/// The person reducers take an input's position in its domain unchecked
/// only where the parser can give no value outside it.
#[test]
fn always_within_holds_only_for_inputs_kept_inside_the_domain() {
    let policy = default_policy();
    let options = options(None, &[]);
    let header = "household_id,members,monthly_income,head_female,head_education\n";
    let src = source(header.as_bytes(), &options);
    let layout = Layout::new(&policy, &src, &options).unwrap();
    let parser = RowParser::new(&policy, &layout);
    let input = |name: &str| policy.inputs.iter().position(|i| i.name == name).unwrap();
    let (members, income) = (input("members"), input("monthly_income"));
    let (female, education) = (input("head_female"), input("head_education"));
    // members: an integer from 1 to 50.
    assert!(parser.always_within(members, 1.0, 50));
    assert!(parser.always_within(members, 0.0, 60));
    assert!(!parser.always_within(members, 2.0, 49));
    assert!(!parser.always_within(members, 1.0, 49));
    assert!(!parser.always_within(members, 0.5, 60));
    assert!(!parser.always_within(income, 0.0, 4096));
    assert!(parser.always_within(female, 0.0, 2));
    assert!(!parser.always_within(female, 0.0, 1));
    assert!(!parser.always_within(female, 1.0, 2));
    assert!(parser.always_within(education, 0.0, 4));
    assert!(!parser.always_within(education, 0.0, 3));
    // The default policy's person inputs in their tables: all inside.
    let persons = policy.persons.as_ref().unwrap();
    let person_header = "household_id,person_no,age,relationship,sex,education,in_school,disabled,able_to_work,income\n";
    let src = source(person_header.as_bytes(), &options);
    let layout = Layout::new(&persons.schema, &src, &options).unwrap();
    let parser = RowParser::new(&persons.schema, &layout);
    assert!(persons.domains.len() >= 5);
    for &(input, lo, n) in &persons.domains {
        assert!(parser.always_within(input, lo, n), "{input}");
        assert!(!parser.always_within(input, lo + 1.0, n), "{input}");
    }
}
