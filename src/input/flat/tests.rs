use super::reader::key_of_line;
use super::*;
use crate::input::record::{QuoteFree, find_byte, split_line_into};

fn reader(text: &str, chunk: usize) -> RecordReader {
    let source = super::super::from_reader(
        "t".into(),
        Box::new(std::io::Cursor::new(text.as_bytes().to_vec())),
        &super::super::ReadOptions::default(),
    )
    .unwrap();
    RecordReader::new(source, chunk)
}

fn all(text: &str, chunk: usize) -> (Vec<(u64, Vec<String>)>, u64) {
    records_of(reader(text, chunk))
}

fn records_of(mut r: RecordReader) -> (Vec<(u64, Vec<String>)>, u64) {
    let mut out = Vec::new();
    while let Some(i) = r.peek().unwrap() {
        let (line, rec) = r.records().get(i);
        let fields = (0..rec.len())
            .map(|f| String::from_utf8_lossy(rec.get(f).unwrap()).into_owned())
            .collect();
        out.push((line, fields));
        r.advance();
    }
    (out, r.skipped)
}

// The key-only pass gives the keys (and the blank rows) of the full
// reader, quoted or not, whatever the chunk size.
#[test]
fn each_key_agrees_with_the_records() {
    let texts = [
        "id,x\nA,1\n B ,2\n\n ,3\n,\n\t, \nC\n\r\nD,4",
        "id;x\nA;1\n;;\n\"B\";2\nC;3\r\n",
        "a,id\n1,K\n2\n3, \n4,L,extra\n",
    ];
    for text in texts {
        let delimiter = if text.contains(';') { ';' } else { ',' };
        let column = usize::from(text.starts_with("a,"));
        let key = HouseholdKey::One(column);
        for chunk in [1, 3, 8, 64] {
            let mut expected = Vec::new();
            let mut r = reader(text, chunk);
            let mut buf = Vec::new();
            while let Some(i) = r.peek().unwrap() {
                let (_, rec) = r.records().get(i);
                expected.push(key.bytes(&rec, &mut buf).then(|| buf.clone()));
                r.advance();
            }
            let blanks = r.skipped;
            let mut got = Vec::new();
            let mut r = reader(text, chunk);
            r.each_key(&key, &mut |k| got.push(k.map(<[u8]>::to_vec)))
                .unwrap();
            assert_eq!(got, expected, "{text:?} {chunk} {delimiter}");
            assert_eq!(r.skipped, blanks, "{text:?} {chunk}");
        }
    }
}

/// Wants every other record it is shown; keeps the keys and the records taken.
#[derive(Default)]
struct EveryOther {
    keys: Vec<Option<Vec<u8>>>,
    taken: Vec<(u64, Vec<Vec<u8>>)>,
}

impl Wanted for EveryOther {
    fn wants(&mut self, key: Option<&[u8]>) -> bool {
        self.keys.push(key.map(<[u8]>::to_vec));
        self.keys.len() % 2 == 1
    }
    fn take(&mut self, line: u64, record: &dyn Fields) -> bool {
        let fields = (0..record.len())
            .map(|i| record.get(i).unwrap().to_vec())
            .collect();
        self.taken.push((line, fields));
        true
    }
}

// The keys shown and the records taken are the full reader's, quoted
// or not, whatever the chunk size; blank rows are counted, not shown.
#[test]
fn each_wanted_shows_every_key_and_splits_the_records_wanted() {
    for text in [
        "id,x\nA,1\n B ,2\n\n ,3\n,\n\t, \nC\n\r\nD,4\nE,5,6",
        "id,x\nA,1\n,,\n\"B\",2\nC,3\r\nC,4\n",
    ] {
        let key = HouseholdKey::One(0);
        for chunk in [1, 3, 8, 64] {
            let mut expected = EveryOther::default();
            let mut r = reader(text, chunk);
            let mut buf = Vec::new();
            while let Some(i) = r.peek().unwrap() {
                let (line, rec) = r.records().get(i);
                let has = key.bytes(&rec, &mut buf);
                if expected.wants(has.then_some(buf.as_slice())) {
                    expected.take(line, &rec);
                }
                r.advance();
            }
            let blanks = r.skipped;
            let mut got = EveryOther::default();
            let mut r = reader(text, chunk);
            r.each_wanted(&key, &mut got).unwrap();
            assert_eq!(got.keys, expected.keys, "{text:?} {chunk}");
            assert_eq!(got.taken, expected.taken, "{text:?} {chunk}");
            assert_eq!(r.skipped, blanks, "{text:?} {chunk}");
        }
    }
}

// Read ahead on a thread: the same records, lines and blank rows.
#[test]
fn reading_ahead_changes_nothing() {
    let texts = [
        "a,b\n1,x\n\n , \n2,\"y\nz\"\n3,w\n",
        "a,b\n1,2\r\n\r\n;;\n3,4\n,\n5,6",
        "a\n",
    ];
    for text in texts {
        for chunk in [1, 3, 7, 1000] {
            let ahead = records_of(reader(text, chunk).read_ahead());
            assert_eq!(ahead, all(text, chunk), "{text:?} {chunk}");
        }
    }
    // A reader taken ahead part-way, and twice.
    let mut r = reader(texts[0], 3);
    assert!(r.peek().unwrap().is_some());
    r.advance();
    let (rows, skipped) = records_of(r.read_ahead().read_ahead());
    assert_eq!(rows.iter().map(|r| r.0).collect::<Vec<_>>(), vec![5, 7]);
    assert_eq!(skipped, 1);
}

#[test]
fn records_lines_and_blank_rows_whatever_the_chunk_size() {
    let text = "a,b\n1,x\n\n , \n2,\"y\nz\"\n3,w\n";
    for chunk in [1, 3, 7, 1000] {
        let (rows, skipped) = all(text, chunk);
        assert_eq!(skipped, 1, "chunk {chunk}");
        let lines: Vec<u64> = rows.iter().map(|r| r.0).collect();
        assert_eq!(lines, vec![2, 5, 7], "chunk {chunk}");
        assert_eq!(rows[1].1, vec!["2", "y\nz"]);
    }
}

// A range copied at once equals its records copied one by one.
#[test]
fn copy_range_is_copy_from_repeated() {
    let mut r = reader("a,b,c\n1,2,3\n\n4,,6\n7,8\n9,10,11\n", 1000);
    assert!(r.peek().unwrap().is_some());
    let src = r.records();
    for (from, to) in [(0, 4), (1, 3), (2, 2), (3, 4), (4, 9)] {
        let mut one = FlatRecords::default();
        one.copy_from(src, 0);
        let mut each = one.clone();
        for i in from..to.min(src.len()) {
            each.copy_from(src, i);
        }
        one.copy_range(src, from, to.min(src.len()));
        let show = |f: &FlatRecords| {
            (0..f.len())
                .map(|i| {
                    let (line, rec) = f.get(i);
                    (
                        line,
                        (0..rec.len())
                            .map(|k| rec.get(k).unwrap().to_vec())
                            .collect(),
                    )
                })
                .collect::<Vec<(u64, Vec<Vec<u8>>)>>()
        };
        assert_eq!(show(&one), show(&each), "{from}..{to}");
    }
}

#[test]
fn flat_records_round_trip() {
    let mut f = FlatRecords::default();
    let mut r = csv::ByteRecord::new();
    r.push_field(b"a");
    r.push_field(b"");
    r.push_field(b"ccc");
    f.push(9, &r);
    let first = f.begin_record();
    f.push_field(b"x");
    f.push_field_with(2).copy_from_slice(b"yz");
    f.end_record(11, first);
    let (line, rec) = f.get(0);
    assert_eq!((line, rec.len(), rec.get(2)), (9, 3, Some(&b"ccc"[..])));
    let (line, rec) = f.get(1);
    assert_eq!((line, rec.len(), rec.get(1)), (11, 2, Some(&b"yz"[..])));
    let mut g = FlatRecords::default();
    g.copy_from(&f, 1);
    g.copy_from(&f, 0);
    let (copied_line, copied) = g.get(1);
    assert_eq!(
        (copied_line, copied.len(), copied.get(0), copied.get(1)),
        (9, 3, Some(&b"a"[..]), Some(&b""[..]))
    );
    assert_eq!(g.get(0).1.get(0), Some(&b"x"[..]));
    assert_eq!(key_cell(&rec, Some(0)), Some(&b"x"[..]));
    assert_eq!(key_cell(&rec, Some(5)), None);
}

#[test]
fn composite_keys_are_unambiguous_and_show_joined() {
    let rec = |a: &str, b: &str| {
        let mut r = csv::ByteRecord::new();
        r.push_field(a.as_bytes());
        r.push_field(b.as_bytes());
        r
    };
    let key = HouseholdKey::Parts(vec![0, 1]);
    let (mut x, mut y) = (Vec::new(), Vec::new());
    assert!(key.bytes(&rec("1_2", "3"), &mut x));
    assert!(key.bytes(&rec("1", " 2_3 "), &mut y));
    assert_ne!(x, y);
    let mut text = Vec::new();
    key.text(&rec("1", " 2_3 "), &mut text);
    assert_eq!(text, b"1_2_3");
    assert!(!key.bytes(&rec("1", " "), &mut x));
    assert!(x.is_empty());
    text.clear();
    key.text(&rec("", "3"), &mut text);
    assert!(text.is_empty());
    let one = HouseholdKey::One(1);
    assert!(one.bytes(&rec("x", " H1 "), &mut x));
    assert_eq!(x, b"H1");
    assert!(!HouseholdKey::Absent.bytes(&rec("a", "b"), &mut x));
}

#[test]
fn records_split_in_place_take_the_chunk_as_their_text() {
    let data = b"id,a,,bb\nx,y\n";
    let mut rows = super::super::record::QuoteFree::new(data, b',', 1, 0).unwrap();
    let mut bounds = Vec::new();
    let mut f = FlatRecords::default();
    while let Some((line, r)) = rows.next_record(&mut bounds) {
        assert!(f.push_in_place(data, line, &r));
    }
    // A record that is not slices of the chunk is refused, nothing added.
    let other = b"q,\n";
    let mut other_rows = super::super::record::QuoteFree::new(other, b',', 9, 0).unwrap();
    let mut other_bounds = Vec::new();
    let (_, r) = other_rows.next_record(&mut other_bounds).unwrap();
    assert!(!f.push_in_place(data, 9, &r));
    // Nor is a line of the chunk split into fields out of order.
    let mut rows = super::super::record::QuoteFree::new(data, b',', 1, 0).unwrap();
    let (_, r) = rows.next_record(&mut bounds).unwrap();
    let line = r.line();
    let mut bad = vec![(0u32, 2u32), (1, 2)];
    let swapped = super::super::record::SplitRecord::new(line, &bad);
    assert!(!f.push_in_place(data, 9, &swapped));
    bad[1] = (3, 99);
    let past_the_line = super::super::record::SplitRecord::new(line, &bad);
    assert!(!f.push_in_place(data, 9, &past_the_line));
    let mut foreign = csv::ByteRecord::new();
    foreign.push_field(b"q");
    foreign.push_field(b"");
    let mut chunk = data.to_vec();
    f.adopt(&mut chunk);
    assert!(chunk.is_empty());
    f.push(9, &foreign);
    let fields = |i: usize| {
        let (line, r) = f.get(i);
        let cells: Vec<String> = (0..r.len())
            .map(|k| String::from_utf8_lossy(r.get(k).unwrap()).into_owned())
            .collect();
        (line, cells.join("|"))
    };
    assert_eq!(fields(0), (1, "id|a||bb".to_string()));
    assert_eq!(fields(1), (2, "x|y".to_string()));
    assert_eq!(fields(2), (9, "q|".to_string()));
    let mut g = FlatRecords::default();
    g.copy_from(&f, 1);
    g.copy_from(&f, 0);
    assert_eq!(g.get(1).1.get(3), Some(&b"bb"[..]));
    assert_eq!(g.get(0).1.get(1), Some(&b"y"[..]));
}

/// A reader's records taken one at a time, each copied into a buffer
/// (alone or with the next: runs crossing mixed records) and the buffer's
/// lines split: lines, fields and blank rows.
fn records_held_as_lines(mut r: RecordReader) -> (Vec<(u64, Vec<String>)>, u64) {
    let mut out = FlatRecords::default();
    let mut taken = 0;
    while let Some(i) = r.peek().unwrap() {
        let end = (i + 1 + taken % 2).min(r.records().len());
        out.copy_range(r.records(), i, end);
        r.advance_to(end);
        taken += 1;
    }
    // Copied again, lines and fields mixed in one range.
    let mut again = FlatRecords::default();
    again.copy_range(&out, 0, out.len());
    again.split_lines();
    out.split_lines();
    let show = |f: &FlatRecords| {
        (0..f.len())
            .map(|i| {
                let (line, rec) = f.get(i);
                let fields: Vec<&[u8]> = (0..rec.len()).map(|k| rec.get(k).unwrap()).collect();
                format!("{line} {fields:?}")
            })
            .collect::<Vec<_>>()
    };
    assert_eq!(show(&again), show(&out));
    let rows = (0..out.len())
        .map(|i| {
            let (line, rec) = out.get(i);
            let fields = (0..rec.len())
                .map(|f| String::from_utf8_lossy(rec.get(f).unwrap()).into_owned())
                .collect();
            (line, fields)
        })
        .collect();
    (rows, r.skipped)
}

// Records held as their lines (the key found, the fields split later)
// are the records split at once, with the same lines, keys and blank rows:
// quoted or not, `\r` and `\r\n` or not, whatever the chunk size, read
// ahead or not.
#[test]
fn records_held_as_lines_are_the_records_split() {
    let texts = [
        "id,x\nA,1\n B ,2\n\n ,3\n,\n\t, \nC\n\r\nD,4\nE,5,6",
        "id,x\nA,1\n,,\n\"B\",2\nC,3\r\nC,4\n",
        "a,id,c\n1,K,\n2\n3, \n4,L,extra,,\n\n\n5,K,xxxxxxxxxxxxxxxxx,yy\n",
        "id;x\r\nA;1\r\n;;\r\nB;2\rC;3\r\n",
        "id\nA\n\nB\n",
    ];
    for text in texts {
        let column = usize::from(text.starts_with("a,"));
        for key in [HouseholdKey::One(column), HouseholdKey::Absent] {
            for chunk in [1, 3, 8, 13, 64] {
                let expected = all(text, chunk);
                let lines = reader(text, chunk).keyed_lines(&key);
                assert_eq!(records_held_as_lines(lines), expected, "{text:?} {chunk}");
                let ahead = reader(text, chunk).keyed_lines(&key).read_ahead();
                assert_eq!(records_held_as_lines(ahead), expected, "{text:?} {chunk}");
                // Each record's key, as the feed finds it.
                let mut r = reader(text, chunk).keyed_lines(&key);
                let mut plain = reader(text, chunk);
                let (mut a, mut b) = (Vec::new(), Vec::new());
                while let (Some(i), Some(j)) = (r.peek().unwrap(), plain.peek().unwrap()) {
                    let records = r.records();
                    assert_eq!(records.line(i), plain.records().line(j));
                    if let (Some(k), HouseholdKey::One(_)) = (records.line_key(i), &key) {
                        let has = key.bytes(&plain.records().get(j).1, &mut b);
                        assert_eq!(k, has.then_some(b.as_slice()), "{text:?} {chunk}");
                        a.push(());
                    }
                    r.advance();
                    plain.advance();
                }
                if !text.contains('"') && chunk == 64 && key != HouseholdKey::Absent {
                    assert!(!a.is_empty(), "{text:?}: no record held as its line");
                }
            }
        }
    }
}

// A line split alone gives the fields of the chunk's splitter.
#[test]
fn split_line_is_next_record() {
    let lines = [
        "a",
        "",
        ",",
        "a,b",
        "abcdefg,",
        "abcdefgh,",
        ",,,,,,,,,,,,,,,,,",
        "H000123,1,42,head,female,secondary,true,false,true,1250.50",
        "xxxxxxxxxxxxxxxxxxxxxxx,y",
        " a , b ,\t",
    ];
    for line in lines {
        for delimiter in [b',', b';'] {
            let line = line.replace(',', &char::from(delimiter).to_string());
            let data = format!("{line}\n");
            let mut bounds = Vec::new();
            let expected: Vec<(usize, usize)> =
                match QuoteFree::new(data.as_bytes(), delimiter, 1, b'\n')
                    .and_then(|mut r| r.next_record(&mut bounds).map(|(_, r)| r.bounds().to_vec()))
                {
                    Some(b) => b
                        .iter()
                        .map(|&(s, e)| (s as usize + 5, e as usize + 5))
                        .collect(),
                    None => vec![(5, 5)],
                };
            let mut got = vec![(0, 0)];
            split_line(line.as_bytes(), delimiter, 5, &mut got);
            assert_eq!(&got[1..], &expected[..], "{line:?}");
            // Into a list of the right length: the same fields, unshifted;
            // one place more or fewer: refused.
            let unshifted: Vec<(usize, usize)> =
                expected.iter().map(|&(s, e)| (s - 5, e - 5)).collect();
            let mut into = vec![(9, 9); unshifted.len()];
            assert!(split_line_into(line.as_bytes(), delimiter, &mut into));
            assert_eq!(into, unshifted, "{line:?}");
            for wrong in [unshifted.len() - 1, unshifted.len() + 1] {
                let mut into = vec![(9, 9); wrong];
                assert!(
                    !split_line_into(line.as_bytes(), delimiter, &mut into),
                    "{line:?}"
                );
            }
        }
    }
}

// The key of a line is its field `column`, trimmed, as a split finds it.
#[test]
fn key_of_line_is_the_split_field() {
    let lines = [
        "",
        "a",
        ",",
        "a,b",
        " abcdefgh ,x",
        "abcdefghijklmnop,q,r",
        ",,k",
        "x,,",
        " , ,\t",
        "1234567,89",
    ];
    for line in lines {
        for column in 0..4 {
            let field = line
                .split(',')
                .nth(column)
                .map(|f| f.trim_matches([' ', '\t']))
                .filter(|f| !f.is_empty());
            let blank = line.bytes().all(|b| b == b' ' || b == b'\t' || b == b',');
            let expected = if field.is_none() && blank {
                None
            } else {
                Some(field.map(str::as_bytes))
            };
            assert_eq!(
                key_of_line(line.as_bytes(), b',', column),
                expected,
                "{line:?} {column}"
            );
        }
        for at in 0..line.len() + 1 {
            let part = &line.as_bytes()[at..];
            assert_eq!(find_byte(part, b','), part.iter().position(|&b| b == b','));
        }
    }
}
