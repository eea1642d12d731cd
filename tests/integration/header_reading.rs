//! Reading the header of a household file: CR-only line ends, unclosed
//! quotes, files that are not CSV text, invisible marks, renames that clash,
//! a wrong `-d`; and every message that quotes the file stays short.
// See: issues 12 and 21.

use crate::util::{Dir, Output, Table, repo};

const HEADER: &str = "household_id,region,area,members,monthly_income";

/// A CR-only file of `rows` rows whose region holds more semicolons than a
/// row has commas (so that counting delimiters past the header picks `;`);
/// rows at `bad_lines` (file lines) have a members value that is not a number.
fn cr_only(rows: usize, bad_lines: &[u64]) -> String {
    let mut text = String::with_capacity(rows * 40);
    text.push_str(HEADER);
    text.push('\r');
    for i in 0..rows {
        let line = i as u64 + 2;
        let members = if bad_lines.contains(&line) { "x" } else { "2" };
        text.push_str(&format!("H{i},a;b;c;d;e;f,rural,{members},100\r"));
    }
    text
}

/// `assess FILE -o out.csv --rejects rej.csv` in `dir`.
fn assess(dir: &Dir, file: &str, more: &[&str]) -> Output {
    let mut args = vec!["assess", file, "-o", "out.csv", "--rejects", "rej.csv"];
    args.extend_from_slice(more);
    let out = dir.run(&args);
    out.no_panic();
    out
}

/// A fatal error: exit 1, a short message without NULs or escape bytes, no output file.
#[track_caller]
fn fatal(dir: &Dir, out: &Output) {
    out.assert_code(1);
    if out.stderr.len() > 1000 {
        out.fail(format_args!("{} bytes of standard error", out.stderr.len()));
    }
    out.stderr_lacks("\0")
        .stderr_lacks("\x1b")
        .stderr_lacks("\u{feff}");
    assert!(!dir.exists("out.csv"), "a fatal error left out.csv\n{out}");
}

#[test]
fn a_cr_only_file_of_200_000_rows_decides_every_row_on_its_line() {
    let dir = Dir::new();
    dir.write("cr.csv", cr_only(200_000, &[100_001, 200_001]));
    let out = assess(&dir, "cr.csv", &[]);
    out.assert_code(3).assert_counts(200_000, 199_998, 2);
    let rejects = Table::read(&dir.join("rej.csv"));
    assert_eq!(rejects.column("line"), ["100001", "200001"], "{out}");
    assert_eq!(rejects.column("household_id"), ["H99999", "H199999"]);
    let decisions = Table::read(&dir.join("out.csv"));
    assert_eq!(decisions.rows.len(), 199_998);
    assert_eq!(decisions.rows[0]["region"], "a;b;c;d;e;f");
}

#[test]
fn a_cr_only_file_on_standard_input_is_read_alike() {
    let dir = Dir::new();
    let text = cr_only(20_000, &[7, 20_001]);
    dir.write("cr.csv", &text);
    let from_file = assess(&dir, "cr.csv", &[]);
    from_file.assert_code(3).assert_counts(20_000, 19_998, 2);
    let decisions = dir.read("out.csv");
    let rejects = dir.read("rej.csv");
    let piped = dir.run_stdin(
        &["assess", "-", "-o", "out.csv", "--rejects", "rej.csv"],
        text.as_bytes(),
    );
    piped.assert_code(3).assert_counts(20_000, 19_998, 2);
    assert_eq!(dir.read("out.csv"), decisions);
    assert_eq!(dir.read("rej.csv"), rejects);
}

#[test]
fn an_unclosed_quote_in_the_header_stops_at_the_record_limit() {
    let dir = Dir::new();
    let mut text = String::from("household_id,\"region,area,members,monthly_income\r");
    while text.len() < 4 << 20 {
        text.push_str("H1,r,rural,2,100\r");
    }
    dir.write("runaway.csv", &text);
    let out = assess(&dir, "runaway.csv", &["--max-field-bytes", "1000"]);
    fatal(&dir, &out);
    out.stderr_has(
        "runaway.csv: the header, the record starting on line 1, is longer than 1048576 bytes without ending (an unclosed quote?); raise --max-field-bytes if the data is right",
    );
}

#[test]
fn a_quote_in_the_header_that_runs_to_the_end_names_its_column() {
    let dir = Dir::new();
    dir.write(
        "q.csv",
        "\n\nhousehold_id,region,\"area,members,monthly_income\nA,r,rural,2,100\n",
    );
    let out = assess(&dir, "q.csv", &[]);
    fatal(&dir, &out);
    out.stderr_has(
        "q.csv, line 3: the quote that opens column 3 of the header never closes: it runs to the end of the file (`\"area,members,monthly_income\\nA,r,rural,…`)",
    );
}

#[test]
fn a_million_column_header_is_listed_in_a_few_hundred_bytes() {
    let dir = Dir::new();
    let mut header = String::from("household_id,area,monthly_income");
    for i in 0..1_000_000 {
        header.push_str(&format!(",c{i}"));
    }
    dir.write("wide.csv", format!("{header}\n"));
    let out = assess(&dir, "wide.csv", &[]);
    fatal(&dir, &out);
    out.stderr_has("required column `members` is missing")
        .stderr_has("the header has: household_id, area, monthly_income, c0, c1, ")
        .stderr_has(", c16, … and 999,983 more");
}

#[test]
fn utf16_files_are_read_as_text() {
    // (Decoded since issue 14: see compressed.rs.)
    let text = "household_id,area,members,monthly_income\r\nA,rural,2,100\r\n";
    let le: Vec<u8> = text.encode_utf16().flat_map(u16::to_le_bytes).collect();
    let be: Vec<u8> = text.encode_utf16().flat_map(u16::to_be_bytes).collect();
    let with_bom = |bom: &[u8], body: &[u8]| [bom, body].concat();
    for (name, bytes) in [
        ("le-bom.csv", with_bom(b"\xFF\xFE", &le)),
        ("be-bom.csv", with_bom(b"\xFE\xFF", &be)),
        ("le.csv", le.clone()),
        ("be.csv", be.clone()),
    ] {
        let dir = Dir::new();
        dir.write(name, bytes);
        let out = assess(&dir, name, &[]);
        out.assert_code(0).assert_counts(1, 1, 0);
    }
}

#[test]
fn compressed_archived_and_office_files_are_named_as_such() {
    let real = |name: &str| {
        std::fs::read(repo(&format!("tests/data/header/{name}")))
            .unwrap_or_else(|e| panic!("cannot read {name}: {e}"))
    };
    // (gzip and zstd are decompressed since issue 14: see compressed.rs.)
    for name in ["households.csv.gz", "households.csv.zst"] {
        let dir = Dir::new();
        dir.write(name, real(name));
        assess(&dir, name, &[])
            .assert_code(0)
            .assert_counts(1, 1, 0);
    }
    let cases: [(&str, Vec<u8>, &str); 5] = [
        (
            "h.xlsx",
            real("households.zip"),
            "h.xlsx is a ZIP archive (its first file: households.csv); unzip the CSV file it holds first (e.g. unzip h.xlsx 'households.csv')",
        ),
        (
            "h.csv.xz",
            b"\xFD7zXZ\x00\x00\x04\xE6\xD6\xB4\x46".to_vec(),
            "h.csv.xz is an xz-compressed file; decompress it first (e.g. xzcat h.csv.xz",
        ),
        (
            "h.csv.bz2",
            b"BZh91AY&SY\x8f\x12\x00\x00".to_vec(),
            "h.csv.bz2 is a bzip2-compressed file; decompress it first (e.g. bzcat h.csv.bz2",
        ),
        (
            "h.xls",
            b"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1\x00\x00\x00\x00".to_vec(),
            "h.xls is an Excel 97-2003 workbook (.xls) or another Office document; save the sheet as CSV UTF-8",
        ),
        (
            "h.parquet",
            b"PAR1\x15\x04\x15\x80\x01\x15\x8c\x01".to_vec(),
            "h.parquet: this Parquet file is damaged or cut short (it has no Parquet footer at its end)",
        ),
    ];
    for (name, bytes, message) in cases {
        let dir = Dir::new();
        dir.write(name, bytes);
        let out = assess(&dir, name, &[]);
        fatal(&dir, &out);
        out.stderr_has(message).stderr_lacks("required column");
    }
    // On standard input there is no file name to put in the example.
    let dir = Dir::new();
    let out = dir.run_stdin(&["assess", "-"], b"\xFD7zXZ\x00\x00\x04\xE6\xD6\xB4\x46");
    out.assert_code(1).stderr_has(
        "<stdin> is an xz-compressed file; decompress it before it reaches layak (e.g. xzcat FILE | layak assess -)",
    );
}

#[test]
fn a_byte_order_mark_before_a_later_column_name_is_ignored() {
    let dir = Dir::new();
    dir.write(
        "bom.csv",
        "\u{feff}household_id,\u{feff}members,area,\u{feff}monthly_income\nA,2,rural,100\n",
    );
    let out = assess(&dir, "bom.csv", &[]);
    out.assert_code(0).assert_counts(1, 1, 0);
    // A misspelt name after a mark is suggested without the (invisible) mark.
    let dir = Dir::new();
    dir.write(
        "typo.csv",
        "household_id,\u{feff}membres,area,monthly_income\nA,2,rural,100\n",
    );
    let out = assess(&dir, "typo.csv", &[]);
    fatal(&dir, &out);
    out.stderr_has("did you mean `membres`? (map a column with --rename membres=members)");
}

#[test]
fn a_rename_onto_a_column_the_file_has_says_which_two_clash() {
    let dir = Dir::new();
    dir.write("in.csv", format!("{HEADER}\nA,r,rural,2,100\n"));
    let out = assess(&dir, "in.csv", &["--rename", "region=household_id"]);
    // (A duplicate in the file itself is named on the header's line.)
    dir.write("dup.csv", "\r\n\r\nhousehold_id,members,Members\r\n");
    assess(&dir, "dup.csv", &[]).assert_code(1).stderr_has(
        "dup.csv, line 3: column `Members` appears twice in the header (columns 2 and 3)",
    );
    out.assert_code(2)
        .stderr_has(
            "--rename region=household_id: two columns would both be input `household_id`: the file's own `household_id` (column 1) and `region` (column 2, renamed)",
        )
        .stderr_lacks("appears twice");
    assert!(!dir.exists("out.csv"));
}

#[test]
fn a_wrong_delimiter_is_named() {
    let dir = Dir::new();
    let comma = "household_id,area,members,monthly_income\nA,rural,2,100\n";
    dir.write("comma.csv", comma);
    dir.write("semicolon.csv", comma.replace(',', ";"));
    dir.write("tab.csv", comma.replace(',', "\t"));
    for (file, given, hint) in [
        ("comma.csv", ";", "did you mean `-d ,`?"),
        ("semicolon.csv", ",", "did you mean `-d ';'`?"),
        ("tab.csv", ";", "did you mean `-d tab`?"),
    ] {
        let out = assess(&dir, file, &["-d", given]);
        fatal(&dir, &out);
        out.stderr_has("required column `household_id` is missing")
            .stderr_has(&format!("the header has one column; {hint}"));
        // Detected, the delimiter is right.
        let detected = Dir::new();
        detected.write(file, dir.read_bytes(file));
        assess(&detected, file, &[]).assert_code(0);
    }
    // Detected on a header that is one quoted name, no delimiter is suggested.
    dir.write("one.csv", "\"household_id,area\"\nA\n");
    let out = assess(&dir, "one.csv", &[]);
    fatal(&dir, &out);
    out.stderr_lacks("did you mean `-d");
}

#[test]
fn reject_messages_quote_long_cells_cut_short_and_escaped() {
    let dir = Dir::new();
    let long = "9".repeat(300_000);
    dir.write(
        "in.csv",
        format!(
            "household_id,area,members,monthly_income\nA,rural,2,{long}x\nB,\x1b[2Jrural,2,100\n{}\n",
            format_args!("{},rural,2,100\n{0},rural,2,100", "I".repeat(300_000))
        ),
    );
    let out = dir.run(&["assess", "in.csv", "-o", "out.csv", "--rejects", "rej.csv"]);
    out.no_panic().assert_code(3).assert_counts(4, 1, 3);
    let rejects = Table::read(&dir.join("rej.csv"));
    for reason in rejects.column("reason") {
        assert!(reason.len() < 400, "{} bytes: {reason:.400}", reason.len());
    }
    assert!(rejects.rows[0]["reason"].contains("9999…` is not a number"));
    assert!(rejects.rows[1]["reason"].contains("`\\u{1b}[2Jrural` is not an allowed value"));
    assert!(rejects.rows[2]["reason"].contains("IIII…` already appeared on line 4"));
    for line in out.reject_lines() {
        assert!(line.len() < 600, "{} bytes: {line:.600}", line.len());
    }
    out.stderr_lacks("\x1b");
}
