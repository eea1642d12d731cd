//! The output does not depend on the thread count or the chunk size.
// See: issue 3.

use crate::util::{Dir, repo_text};

/// The sample file repeated with fresh ids per copy: thousands of rows, every
/// kind of reject (duplicates within a copy), many chunks.
fn generated() -> String {
    let sample = repo_text("data/sample-households.csv");
    let mut lines = sample.lines();
    let header = lines.next().unwrap();
    let body: Vec<&str> = lines.collect();
    let mut out = format!("{header}\n");
    for copy in 0..150 {
        for line in &body {
            // Ids start the row: prefix them so copies do not collide.
            if line.starts_with('H') {
                out.push_str(&format!("C{copy}-{line}\n"));
            } else {
                out.push_str(line);
                out.push('\n');
            }
        }
    }
    out
}

/// `layak assess FILE -f FORMAT --threads T --chunk-bytes C`, which must
/// exit 3 (some rows rejected): the decisions and the rejects file.
fn assess_chunked(
    dir: &Dir,
    file: &str,
    format: &str,
    threads: &str,
    chunk: &str,
) -> (Vec<u8>, String) {
    let out = dir.run(&[
        "assess",
        file,
        "-q",
        "-f",
        format,
        "--threads",
        threads,
        "--chunk-bytes",
        chunk,
        "-o",
        "out",
        "--rejects",
        "rej.csv",
    ]);
    out.assert_code(3);
    (dir.read_bytes("out"), dir.read("rej.csv"))
}

#[test]
fn one_thread_and_many_give_identical_bytes() {
    let dir = Dir::new();
    dir.write("big.csv", generated());
    for format in ["csv", "json", "ndjson"] {
        let mut seen: Option<(Vec<u8>, String)> = None;
        for (threads, chunk) in [("1", "1000000"), ("1", "777"), ("2", "4096"), ("3", "1500")] {
            let got = assess_chunked(&dir, "big.csv", format, threads, chunk);
            match &seen {
                None => seen = Some(got),
                Some(first) => assert!(
                    *first == got,
                    "{format}: --threads {threads} --chunk-bytes {chunk} differs from --threads 1"
                ),
            }
        }
    }
}

#[test]
fn counts_reconcile_on_a_larger_file() {
    let dir = Dir::new();
    dir.write("big.csv", generated());
    let out = dir.run(&[
        "assess",
        "big.csv",
        "--threads",
        "2",
        "--chunk-bytes",
        "2048",
        "-o",
        "o.csv",
        "--rejects",
        "r.csv",
    ]);
    out.assert_code(3);
    // Count records, not lines: some rejected values hold a line break.
    let records = |name: &str| {
        csv::Reader::from_path(dir.join(name))
            .unwrap()
            .byte_records()
            .count() as u64
    };
    let decided = records("o.csv");
    let rejected = records("r.csv");
    let counts = out.counts();
    assert_eq!(counts.read, decided + rejected);
    assert_eq!(counts.decided, decided);
}

// See: fuzz/regressions/csv_row-bom-at-chunk-start.csv (found by the csv_row
// fuzz target): the csv parser drops a byte-order mark at the start of its
// input, so a chunk that began with one lost it and the output depended on
// where chunks were cut.
#[test]
fn a_byte_order_mark_at_a_chunk_start_is_kept() {
    let dir = Dir::new();
    let header = repo_text("data/sample-households.csv")
        .lines()
        .next()
        .unwrap()
        .to_string();
    dir.write("bom.csv", format!("{header}\nt\n\u{feff}re\n"));
    let mut seen = None;
    for (threads, chunk) in [("1", "100000"), ("1", "1"), ("2", "3"), ("2", "7")] {
        let (_, rejects) = assess_chunked(&dir, "bom.csv", "csv", threads, chunk);
        assert!(
            rejects.contains("3,\u{feff}re,"),
            "the BOM is part of the id: {rejects}"
        );
        match &seen {
            None => seen = Some(rejects),
            Some(first) => assert_eq!(first, &rejects, "--threads {threads} --chunk-bytes {chunk}"),
        }
    }
}

/// A chunk with no `"` is split in place; any other goes through the csv
/// crate. Both readings must agree, line numbers of rejects included, with
/// every kind of line ending and blank lines.
#[test]
fn quote_free_chunks_read_like_the_csv_parser() {
    let dir = Dir::new();
    let generated = generated();
    let mut lines = generated.lines();
    let header = lines.next().unwrap();
    // Blank lines come from `ending` only, so that lines can be counted here.
    let rows: Vec<&str> = lines
        .filter(|l| !l.is_empty() && !l.contains('"'))
        .collect();
    let ending = |i: usize| ["\n", "\r\n", "\r", "\n\n", "\r\n\r\n"][i % 5];
    let mut plain = format!("{header}\r\n");
    for (i, row) in rows.iter().enumerate() {
        plain.push_str(row);
        plain.push_str(ending(i));
    }
    // The same file with the first id quoted: the same values, but the one
    // chunk of a whole-file run now holds a quote.
    let (first_id, rest) = rows[0].split_once(',').unwrap();
    let mut quoted = format!("{header}\r\n\"{first_id}\",{rest}{}", ending(0));
    for (i, row) in rows.iter().enumerate().skip(1) {
        quoted.push_str(row);
        quoted.push_str(ending(i));
    }
    dir.write("plain.csv", &plain);
    dir.write("quoted.csv", &quoted);
    let run =
        |file: &str, threads: &str, chunk: &str| assess_chunked(&dir, file, "csv", threads, chunk);
    let reference = run("quoted.csv", "1", "100000000");
    // Rejects carry the right lines: the id on each line is known from `plain`.
    let mut id_on_line = std::collections::HashMap::new();
    let mut line = 2u64;
    for (i, row) in rows.iter().enumerate() {
        id_on_line.insert(line, row.split(',').next().unwrap());
        line += [1, 1, 1, 2, 2][i % 5];
    }
    let mut checked = 0;
    for reject in reference.1.lines().skip(1) {
        let mut cells = reject.split(',');
        let (line, id) = (cells.next().unwrap(), cells.next().unwrap());
        if !id.is_empty() {
            assert_eq!(
                id_on_line.get(&line.parse().unwrap()),
                Some(&id),
                "{reject}"
            );
            checked += 1;
        }
    }
    assert!(checked > 100, "only {checked} rejects checked");
    for (threads, chunk) in [("1", "100000000"), ("1", "700"), ("2", "4096")] {
        assert!(
            run("plain.csv", threads, chunk) == reference,
            "plain.csv at --threads {threads} --chunk-bytes {chunk} differs from the csv parser's reading"
        );
    }
}
