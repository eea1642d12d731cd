//! Compressed and UTF-16 input, files that are not CSV text, and compressed
//! output: the same households give the same bytes however they are
//! encoded, on a file or on standard input; every kind of binary file is
//! named in one line; `-o out.csv.gz` and friends read back equal; an
//! output extension layak does not write is a usage error.
// See: issue 14 (input formats: gzip, zstd, UTF-16, any other binary input;
// output formats: `.csv.gz`, `.csv.zst`, `.ndjson.gz`).

use std::io::{Read, Write};

use crate::summary::generated;
use crate::util::{Dir, Output, repo};

const AS_OF: &str = "2026-06-01";

fn gzip(data: &[u8]) -> Vec<u8> {
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    e.write_all(data).unwrap();
    e.finish().unwrap()
}

/// Several gzip members, as `bgzip` and `pigz -i` write: cut at `cuts`.
fn gzip_members(data: &[u8], cuts: &[usize]) -> Vec<u8> {
    let mut out = Vec::new();
    let mut from = 0;
    for &cut in cuts.iter().chain([&data.len()]) {
        out.extend(gzip(&data[from..cut]));
        from = cut;
    }
    out
}

fn zstd(data: &[u8]) -> Vec<u8> {
    zstd::encode_all(data, 3).unwrap()
}

fn utf16(text: &str, big_endian: bool, bom: bool) -> Vec<u8> {
    let units = bom.then_some(0xFEFF).into_iter().chain(text.encode_utf16());
    units
        .flat_map(|u| {
            if big_endian {
                u.to_be_bytes()
            } else {
                u.to_le_bytes()
            }
        })
        .collect()
}

fn gunzip(data: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    flate2::read::MultiGzDecoder::new(data)
        .read_to_end(&mut out)
        .unwrap();
    out
}

/// What a run left: exit code, decisions, rejects, standard error.
#[derive(Debug, PartialEq)]
struct Run {
    code: i32,
    decisions: Vec<u8>,
    rejects: Vec<u8>,
    stderr: String,
}

/// `assess INPUT -o out.csv --rejects rej.csv` (INPUT `-`: `stdin`).
fn run(dir: &Dir, input: &str, stdin: Option<&[u8]>, more: &[&str]) -> (Run, Output) {
    for f in ["out.csv", "rej.csv"] {
        let _ = std::fs::remove_file(dir.join(f));
    }
    let mut args = vec![
        "assess",
        input,
        "-o",
        "out.csv",
        "--rejects",
        "rej.csv",
        "--as-of",
        AS_OF,
    ];
    args.extend_from_slice(more);
    let out = match stdin {
        Some(bytes) => dir.run_stdin(&args, bytes),
        None => dir.run(&args),
    };
    out.no_panic();
    let read = |f: &str| std::fs::read(dir.join(f)).unwrap_or_default();
    let run = Run {
        code: out.code,
        decisions: read("out.csv"),
        rejects: read("rej.csv"),
        // The closing line: the input's name differs, the counts must not.
        stderr: out.stderr.replace(input, "INPUT"),
    };
    (run, out)
}

#[test]
fn the_same_households_give_the_same_bytes_however_they_are_encoded() {
    // The sample, with its deliberately broken rows, three times over;
    // and a quoted line break, so that line numbers are put to the test.
    let mut text = generated(3);
    text.push_str("Q1,3201,\"ru\nral\",5,2000000\n");
    let plain = text.as_bytes();
    let bytes = plain.len();
    let dir = Dir::new();
    dir.write("h.csv", plain);
    let (want, out) = run(&dir, "h.csv", None, &[]);
    out.assert_code(3);
    assert!(
        !want.decisions.is_empty() && want.rejects.len() > 200,
        "{out}"
    );

    // A UTF-16 file reads as UTF-8 text: the non-ASCII characters too.
    let first_row = text.lines().nth(1).expect("a row");
    let (_, rest) = first_row.split_once(',').expect("an id");
    let ascii_and_more = format!("{text}\u{1F600}é-1,{rest}\n");
    let cases: Vec<(&str, Vec<u8>)> = vec![
        ("h.csv.gz", gzip(plain)),
        (
            "h-members.csv.gz",
            gzip_members(plain, &[1, 1000, bytes / 2]),
        ),
        ("h.csv.zst", zstd(plain)),
        (
            "h-frames.csv.zst",
            [zstd(&plain[..777]), zstd(&plain[777..])].concat(),
        ),
        ("h-le.csv", utf16(&text, false, true)),
        ("h-be.csv", utf16(&text, true, true)),
        ("h-le-nobom.csv", utf16(&text, false, false)),
        ("h-utf16.csv.gz", gzip(&utf16(&text, false, true))),
        ("h.csv.gz.zst", zstd(&gzip(plain))),
        // Named for what it is not: content decides.
        ("h-named-plain.csv", gzip(plain)),
    ];
    for (name, data) in &cases {
        dir.write(name, data);
        let (got, out) = run(&dir, name, None, &[]);
        assert_eq!(got, want, "{name}\n{out}");
        // Standard input alike, and one thread alike.
        let (got, out) = run(&dir, "-", Some(data), &["-j", "1"]);
        assert_eq!(got.decisions, want.decisions, "{name} on stdin\n{out}");
        assert_eq!(got.rejects, want.rejects, "{name} on stdin\n{out}");
    }
    // The non-ASCII row, from UTF-8 and from UTF-16.
    dir.write("u8.csv", &ascii_and_more);
    dir.write("u16.csv", utf16(&ascii_and_more, true, true));
    let (utf8, _) = run(&dir, "u8.csv", None, &[]);
    let (from16, out) = run(&dir, "u16.csv", None, &[]);
    assert_eq!(from16, utf8, "{out}");
    assert!(
        String::from_utf8_lossy(&from16.decisions).contains("\n\u{1F600}é-1,"),
        "{out}"
    );
}

#[test]
fn excel_unicode_text_is_tab_separated_utf16_and_reads_alike() {
    // The sample without its rows that quote a cell or hold a tab (a comma
    // inside quotes would become a tab below, and a tab a delimiter).
    let text: String = generated(1)
        .lines()
        .filter(|l| !l.contains('"') && !l.contains('\t'))
        .map(|l| format!("{l}\n"))
        .collect();
    let dir = Dir::new();
    dir.write("h.csv", &text);
    let (want, _) = run(&dir, "h.csv", None, &[]);
    // Excel's "Unicode text": UTF-16 LE with a byte-order mark, tabs, CRLF.
    let excel = text.replace(',', "\t").replace('\n', "\r\n");
    dir.write("h.txt", utf16(&excel, false, true));
    let (got, out) = run(&dir, "h.txt", None, &[]);
    assert_eq!(got.decisions, want.decisions, "{out}");
    assert_eq!(got.code, want.code);
    // The rejects' raw values are those of the tab-separated rows; their
    // lines and codes are the same.
    let codes = |r: &[u8]| -> Vec<String> {
        String::from_utf8_lossy(r)
            .lines()
            .map(|l| l.split(',').take(2).collect::<Vec<_>>().join(","))
            .collect()
    };
    assert_eq!(codes(&got.rejects), codes(&want.rejects), "{out}");
}

#[test]
fn damaged_input_is_a_fatal_error_naming_the_problem() {
    let text = generated(2);
    let dir = Dir::new();
    let gz = gzip(text.as_bytes());
    dir.write("cut.csv.gz", &gz[..gz.len() - 100]);
    let mut bad16 = utf16(
        "household_id,area,members,monthly_income\nA,rural,2,100\n",
        false,
        true,
    );
    bad16.extend_from_slice(&0xDC00u16.to_le_bytes());
    bad16.extend(utf16(",x\n", false, false));
    dir.write("bad16.csv", &bad16);
    for (name, message) in [
        (
            "cut.csv.gz",
            "cut.csv.gz: the gzip data is damaged or cut short (",
        ),
        (
            "bad16.csv",
            "bad16.csv: line 3: invalid UTF-16: the surrogate 0xdc00 (byte 112 of the text) has no partner",
        ),
    ] {
        let (got, out) = run(&dir, name, None, &[]);
        out.assert_code(1).stderr_has(message);
        assert!(got.decisions.is_empty() && !dir.exists("out.csv"), "{out}");
    }
}

#[test]
fn compressed_outputs_read_back_equal() {
    let text = generated(2);
    let dir = Dir::new();
    dir.write("h.csv", &text);
    let plain = |format: &str| {
        let out = dir.run(&[
            "assess",
            "h.csv",
            "--as-of",
            AS_OF,
            "-f",
            format,
            "-o",
            "plain.out",
            "--rejects",
            "plain-rej.csv",
            "--summary",
            "plain-sum.json",
        ]);
        out.assert_code(3);
        (
            dir.read_bytes("plain.out"),
            dir.read_bytes("plain-rej.csv"),
            dir.read_bytes("plain-sum.json"),
        )
    };
    let (csv, rejects, summary) = plain("csv");
    let (ndjson, ..) = plain("ndjson");
    let (json, ..) = plain("json");
    let zstd_back = |name: &str| zstd::decode_all(&dir.read_bytes(name)[..]).unwrap();
    for (output, want, rejects_file, summary_file) in [
        ("out.csv.gz", &csv, "rej.csv.zst", "sum.json.gz"),
        ("out.csv.zst", &csv, "rej.csv.gz", "sum.json.zst"),
        ("out.ndjson.gz", &ndjson, "rej.csv.gz", "sum.json.gz"),
        ("out.ndjson.zst", &ndjson, "rej.csv.gz", "sum.json.gz"),
        ("out.json.gz", &json, "rej.csv.gz", "sum.json.gz"),
        ("out.JSONL.GZ", &ndjson, "rej.gz", "sum.gz"),
    ] {
        let out = dir.run(&[
            "assess",
            "h.csv",
            "--as-of",
            AS_OF,
            "-o",
            output,
            "--rejects",
            rejects_file,
            "--summary",
            summary_file,
        ]);
        out.assert_code(3);
        let back = |name: &str| {
            if name.to_lowercase().ends_with(".gz") {
                gunzip(&dir.read_bytes(name))
            } else {
                zstd_back(name)
            }
        };
        assert_eq!(&back(output), want, "{output}");
        assert_eq!(back(rejects_file), rejects, "{rejects_file}");
        // The summary names its output files? No: it names the input.
        assert_eq!(back(summary_file), summary, "{summary_file}");
        // No temporary file is left beside them.
        let left: Vec<String> = dir
            .entries()
            .into_iter()
            .filter(|e| e.contains(".layak-"))
            .collect();
        assert!(left.is_empty(), "{left:?}");
    }
    // What `zcat` and `zstdcat` read, where they are installed.
    for (tool, file, want) in [
        ("zcat", "out.csv.gz", &csv),
        ("zstdcat", "out.csv.zst", &csv),
    ] {
        dir.run(&["assess", "h.csv", "--as-of", AS_OF, "-o", file]);
        if let Ok(read) = std::process::Command::new(tool)
            .arg(dir.join(file))
            .output()
        {
            assert!(read.status.success(), "{tool}: {read:?}");
            assert_eq!(&read.stdout, want, "{tool} {file}");
        }
    }
    // A compressed output is read back by layak itself.
    let out = dir.run(&["assess", "h.csv", "--as-of", AS_OF, "-o", "again.csv.gz"]);
    out.assert_code(3);
    let out = dir.run(&[
        "assess",
        "out.csv.gz",
        "-f",
        "csv",
        "-o",
        "x.csv",
        "--as-of",
        AS_OF,
    ]);
    // (Decisions are not households: the header lacks inputs.)
    out.assert_code(1).stderr_has("required column");
}

#[test]
fn a_compressed_output_is_all_or_nothing() {
    let dir = Dir::new();
    dir.write("h.csv", generated(1));
    dir.write("out.csv.gz", "previous");
    let out = dir.run(&[
        "assess",
        "h.csv",
        "--as-of",
        AS_OF,
        "-o",
        "out.csv.gz",
        "--strict",
    ]);
    out.assert_code(1);
    assert_eq!(dir.read("out.csv.gz"), "previous");
    let left: Vec<String> = dir
        .entries()
        .into_iter()
        .filter(|e| e.contains(".layak-"))
        .collect();
    assert!(left.is_empty(), "{left:?}");
}

#[test]
fn an_output_extension_layak_does_not_write_is_a_usage_error() {
    let dir = Dir::new();
    // The input does not even exist: the names are checked first.
    for (args, message) in [
        (
            &["-o", "out.xls"][..],
            "-o out.xls: layak does not write Excel files; it writes CSV (.csv), JSON (.json) and NDJSON (.ndjson, .jsonl), each also compressed with gzip (.gz) or zstd (.zst), and decisions as Parquet (.parquet) or Excel (.xlsx)",
        ),
        (
            &["-o", "out.parquet.gz"],
            "-o out.parquet.gz: Parquet files are compressed inside; name the file .parquet, without .gz or .zst",
        ),
        (
            &["-o", "out.csv.bz2"],
            "-o out.csv.bz2: layak does not write bzip2-compressed files",
        ),
        (
            &["-o", "out.zip"],
            "-o out.zip: layak does not write ZIP files",
        ),
        (
            &["-o", "out.tsv"],
            "-o out.tsv: layak does not write tab-separated (.tsv) files",
        ),
        (
            &["-o", "out.csv.gz.gz"],
            "-o out.csv.gz.gz: layak does not write doubly compressed files",
        ),
        (
            &["-o", "out.csv", "--rejects", "rej.ndjson"],
            "--rejects rej.ndjson: the rejects are written as CSV; name the file .csv (or .csv.gz, .csv.zst)",
        ),
        (
            &["--summary", "sum.csv.gz"],
            "--summary sum.csv.gz: the summary is written as JSON; name the file .json (or .json.gz, .json.zst)",
        ),
    ] {
        let mut all = vec!["assess", "missing.csv"];
        all.extend_from_slice(args);
        let out = dir.run(&all);
        out.assert_code(2).stderr_has(message);
        assert!(dir.entries().is_empty(), "{out}");
    }
    let out = dir.run(&["validate", "missing.csv", "--rejects", "rej.parquet"]);
    out.assert_code(2)
        .stderr_has("--rejects rej.parquet: layak validate writes the rejects as CSV");
    // Other extensions, or none, are not formats: --format (or CSV) decides.
    dir.write("h.csv", generated(1));
    for (name, format, first) in [
        ("out.txt", None, b'h'),
        ("decisions", Some("ndjson"), b'{'),
        ("out.gz", Some("json"), b'['),
    ] {
        let mut args = vec!["assess", "h.csv", "--as-of", AS_OF, "-o", name];
        if let Some(f) = format {
            args.extend(["-f", f]);
        }
        dir.run(&args).assert_code(3);
        let mut bytes = dir.read_bytes(name);
        if name.ends_with(".gz") {
            bytes = gunzip(&bytes);
        }
        assert_eq!(bytes.first(), Some(&first), "{name}");
    }
}

/// A ZIP local file header for `name`, with `data` stored.
fn zip_entry(name: &str, data: &[u8]) -> Vec<u8> {
    let mut e = b"PK\x03\x04\x14\x00\x00\x00\x00\x00\0\0\0\0\0\0\0\0".to_vec();
    e.extend_from_slice(&(data.len() as u32).to_le_bytes());
    e.extend_from_slice(&(data.len() as u32).to_le_bytes());
    e.extend_from_slice(&(name.len() as u16).to_le_bytes());
    e.extend_from_slice(&0u16.to_le_bytes());
    e.extend_from_slice(name.as_bytes());
    e.extend_from_slice(data);
    e
}

#[test]
fn every_kind_of_binary_file_is_named_in_one_line() {
    let real = |name: &str| std::fs::read(repo(&format!("tests/data/header/{name}"))).unwrap();
    let xlsx = [
        zip_entry("[Content_Types].xml", b"<Types/>"),
        zip_entry("xl/workbook.xml", b"<workbook/>"),
    ]
    .concat();
    let ods = zip_entry(
        "mimetype",
        b"application/vnd.oasis.opendocument.spreadsheet",
    );
    let mut nul_binary = b"\x00\x01\x02\x03garbage\x00\x00\x05".to_vec();
    nul_binary.extend(std::iter::repeat_n(0u8, 2000));
    let cases: Vec<(&str, Vec<u8>)> = vec![
        ("survey.xlsx", xlsx),
        ("survey.ods", ods),
        ("households.zip", real("households.zip")),
        (
            "survey.xls",
            b"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1\x00\x00\x00\x00".to_vec(),
        ),
        (
            "census.parquet",
            b"PAR1\x15\x04\x15\x80\x01\x15\x8c\x01".to_vec(),
        ),
        (
            "census.parquet.gz",
            gzip(b"PAR1\x15\x04\x15\x80\x01\x15\x8c\x01"),
        ),
        ("h.csv.xz", b"\xFD7zXZ\x00\x00\x04\xE6\xD6\xB4\x46".to_vec()),
        ("h.csv.bz2", b"BZh91AY&SY\x8f\x12\x00\x00".to_vec()),
        ("h.csv.gz.gz.gz", gzip(&gzip(&gzip(b"a,b\n")))),
        (
            "report.pdf",
            b"%PDF-1.7\n%\xE2\xE3\xCF\xD3\n1 0 obj".to_vec(),
        ),
        ("photo.png", b"\x89PNG\r\n\x1A\n\0\0\0\rIHDR".to_vec()),
        ("photo.jpg", b"\xFF\xD8\xFF\xE0\0\x10JFIF\0".to_vec()),
        ("layak", b"\x7FELF\x02\x01\x01\0\0\0\0\0\0\0\0\0".to_vec()),
        ("survey.db", b"SQLite format 3\0\x10\0\x01\x01".to_vec()),
        ("h.csv.7z", b"7z\xBC\xAF\x27\x1C\0\x04".to_vec()),
        ("h.rar", b"Rar!\x1A\x07\x01\0".to_vec()),
        ("h.arrow", b"ARROW1\0\0\xFF\xFF".to_vec()),
        ("h-utf32.csv", b"\xFF\xFE\0\0h\0\0\0o\0\0\0".to_vec()),
        ("blob.bin", nul_binary),
    ];
    let mut text = String::new();
    let dir = Dir::new();
    for (name, bytes) in &cases {
        dir.write(name, bytes);
        let out = dir.run(&["assess", name, "-o", "out.csv"]);
        out.no_panic()
            .assert_code(1)
            .stderr_lacks("required column")
            .stderr_lacks("\0")
            .stderr_lacks("\u{1b}");
        assert_eq!(out.stderr.lines().count(), 1, "{out}");
        assert!(!dir.exists("out.csv"), "{out}");
        text.push_str(&format!("{name}\n  {}", out.stderr));
    }
    // On standard input there is no file name to show.
    let out = dir.run_stdin(&["assess", "-"], &cases[6].1);
    out.assert_code(1);
    text.push_str(&format!("<stdin> (xz)\n  {}", out.stderr));
    let mut settings = insta::Settings::clone_current();
    settings.set_prepend_module_to_snapshot(false);
    settings.bind(|| insta::assert_snapshot!("binary_kinds", text));
}
