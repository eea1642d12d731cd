use super::*;
use std::io::Write;

const TEXT: &str =
    "household_id,area,members,monthly_income\r\nA,rural,2,100\nB,\"ur\nban\",3,\u{1F600}é\n";

/// Decode `data` read `step` bytes at a time.
fn decoded(data: &[u8], step: usize) -> Result<Vec<u8>, String> {
    let reader = Stepping {
        data: data.to_vec(),
        at: 0,
        step,
    };
    let mut r = decode("in.csv", Box::new(reader)).map_err(|e| e.to_string())?;
    let mut out = Vec::new();
    match r.read_to_end(&mut out) {
        Ok(_) => Ok(out),
        Err(e) => Err(InputError::reading("in.csv", e).to_string()),
    }
}

struct Stepping {
    data: Vec<u8>,
    at: usize,
    step: usize,
}

impl Read for Stepping {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = buf.len().min(self.step).min(self.data.len() - self.at);
        buf[..n].copy_from_slice(&self.data[self.at..self.at + n]);
        self.at += n;
        Ok(n)
    }
}

fn gzip(data: &[u8]) -> Vec<u8> {
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    e.write_all(data).unwrap();
    e.finish().unwrap()
}

fn utf16(text: &str, big_endian: bool, bom: bool) -> Vec<u8> {
    let units = (bom.then_some(0xFEFF))
        .into_iter()
        .chain(text.encode_utf16());
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

#[test]
fn every_encoding_gives_the_same_text_however_it_arrives() {
    let plain = TEXT.as_bytes().to_vec();
    let long: String = TEXT.repeat(5_000);
    let mut multi = gzip(&long.as_bytes()[..40_000]);
    multi.extend(gzip(&long.as_bytes()[40_000..]));
    let cases: Vec<(Vec<u8>, Vec<u8>)> = vec![
        (plain.clone(), plain.clone()),
        (gzip(&plain), plain.clone()),
        (zstd::encode_all(&plain[..], 3).unwrap(), plain.clone()),
        (utf16(TEXT, false, true), plain.clone()),
        (utf16(TEXT, true, true), plain.clone()),
        (utf16(TEXT, false, false), plain.clone()),
        (utf16(TEXT, true, false), plain.clone()),
        (gzip(&utf16(TEXT, false, true)), plain.clone()),
        (
            zstd::encode_all(&gzip(&plain)[..], 1).unwrap(),
            plain.clone(),
        ),
        (multi, long.as_bytes().to_vec()),
        (utf16(&long, false, true), long.as_bytes().to_vec()),
        (Vec::new(), Vec::new()),
    ];
    for (data, want) in cases {
        // (Byte by byte only for the short ones: this runs in debug builds.)
        let steps: &[usize] = if want.len() < 1000 {
            &[usize::MAX, 1, 7, 333]
        } else {
            &[usize::MAX, 333]
        };
        for &step in steps {
            assert_eq!(
                decoded(&data, step).as_deref(),
                Ok(&want[..]),
                "{:?} in steps of {step}",
                &data[..data.len().min(8)]
            );
        }
    }
}

#[test]
fn bad_utf16_names_its_line() {
    let mut data = utf16("a,b\nc,d\n", false, true);
    // A lone high surrogate on line 3, then text.
    data.extend_from_slice(&0xD83Du16.to_le_bytes());
    data.extend_from_slice(&utf16("x\n", false, false));
    let err = decoded(&data, usize::MAX).unwrap_err();
    assert_eq!(
        err,
        "in.csv: line 3: invalid UTF-16: the surrogate 0xd83d (byte 18 of the text) has no partner; save the file again as CSV UTF-8"
    );
    // A lone low surrogate, at the end of a file read a byte at a time.
    let mut data = utf16("a,b\n", true, true);
    data.extend_from_slice(&0xDE00u16.to_be_bytes());
    assert!(
        decoded(&data, 1)
            .unwrap_err()
            .contains("line 2: invalid UTF-16: the surrogate 0xde00")
    );
    // A high surrogate as the last unit.
    let mut data = utf16("a,b\nc", false, true);
    data.extend_from_slice(&0xD800u16.to_le_bytes());
    assert!(
        decoded(&data, 3)
            .unwrap_err()
            .contains("line 2: invalid UTF-16: the surrogate 0xd800")
    );
    let mut data = utf16("a,b\n\n", false, true);
    data.push(b'x');
    assert_eq!(
        decoded(&data, 5).unwrap_err(),
        "in.csv: line 3: invalid UTF-16: the text ends in the middle of a character (an odd number of bytes); the file may be cut short"
    );
}

#[test]
fn damaged_compressed_data_is_named() {
    let data = gzip(TEXT.repeat(1000).as_bytes());
    let err = decoded(&data[..data.len() / 2], usize::MAX).unwrap_err();
    assert!(
        err.starts_with("in.csv: the gzip data is damaged or cut short (")
            && err.ends_with("check the file, e.g. with `gzip -t FILE`"),
        "{err}"
    );
    // (Without a checksum in the frame, zstd cannot tell damaged bytes; a cut it can.)
    let data = zstd::encode_all(TEXT.repeat(1000).as_bytes(), 3).unwrap();
    let err = decoded(&data[..data.len() - 3], usize::MAX).unwrap_err();
    assert!(
        err.starts_with("in.csv: the zstd data is damaged or cut short ("),
        "{err}"
    );
}

#[test]
fn files_that_are_not_csv_text_are_named() {
    let cases: [(&[u8], Kind); 22] = [
        (b"\x1F\x8B\x08\x00\x00\x00", Kind::Gzip),
        (b"\x28\xB5\x2F\xFD\x24\x00", Kind::Zstd),
        (
            b"h\0o\0u\0s\0e\0,\0m\0\n\0",
            Kind::Utf16 {
                big_endian: false,
                bom: false,
            },
        ),
        (b"\xFF\xFE\0\0h\0\0\0", Kind::Other(Binary::Utf32)),
        (b"\xFD7zXZ\x00\x00\x04", Kind::Other(Binary::Xz)),
        (b"BZh91AY&SY\x00", Kind::Other(Binary::Bzip2)),
        (
            b"PK\x05\x06\x00",
            Kind::Other(Binary::Zip(ZipKind::Archive(None))),
        ),
        (
            b"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1\x00",
            Kind::Other(Binary::OldOffice),
        ),
        (b"PAR1\x15\x04\x15", Kind::Other(Binary::Parquet)),
        (b"%PDF-1.7\n%\xE2\xE3", Kind::Other(Binary::Pdf)),
        (
            b"\x89PNG\r\n\x1A\n\0\0",
            Kind::Other(Binary::Image("a PNG")),
        ),
        (b"GIF89a\x01\0", Kind::Other(Binary::Image("a GIF"))),
        (b"\x7FELF\x02\x01\x01\0\0\0", Kind::Other(Binary::Program)),
        (b"SQLite format 3\0\x10\0", Kind::Other(Binary::Sqlite)),
        (
            b"\x00\x01\x02\x03\x00\x05garbage\n",
            Kind::Other(Binary::Other),
        ),
        // Text headers that start like magic numbers are text.
        (b"BZh_code,PAR1\n", Kind::Text),
        (b"PAR1,b\n", Kind::Text),
        (b"GIF8,b\n", Kind::Text),
        (b"PK,b\n", Kind::Text),
        // A NUL or two in a header, or in the rows, is not binary: the
        // header and row checks deal with them.
        (b"household_id,\0members,area\n", Kind::Text),
        (b"a\0", Kind::Text),
        (b"a,b\n\0\0\0\0\x01\x02\x03\n", Kind::Text),
    ];
    for (head, want) in cases {
        assert_eq!(sniff(head), want, "{head:?}");
    }
    let err = decoded(b"\xFD7zXZ\x00rest", 1).unwrap_err();
    assert_eq!(err, "in.csv is an xz-compressed file; decompress it first");
    let err = decoded(&gzip(b"PAR1\x15\x04\x15\x80\x01"), usize::MAX).unwrap_err();
    assert_eq!(
        err,
        "in.csv is a Parquet file, gzip-compressed; decompress it first: layak reads Parquet files as they are, not compressed again (Parquet compresses its own pages)"
    );
    let thrice = gzip(&gzip(&gzip(b"a,b\n")));
    assert!(
        decoded(&thrice, 1)
            .unwrap_err()
            .contains("compressed more than 2 times over")
    );
    assert_eq!(decoded(&gzip(&gzip(b"a,b\n")), 1).unwrap(), b"a,b\n");
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
fn a_zip_archive_is_told_by_its_entries() {
    let kind = |entries: &[(&str, &[u8])]| {
        let data: Vec<u8> = entries.iter().flat_map(|(n, d)| zip_entry(n, d)).collect();
        match sniff(&data) {
            Kind::Other(Binary::Zip(kind)) => kind,
            other => panic!("{other:?}"),
        }
    };
    assert_eq!(
        kind(&[
            ("[Content_Types].xml", b"<x/>"),
            ("xl/workbook.xml", b"<w/>")
        ]),
        ZipKind::Xlsx
    );
    assert_eq!(kind(&[("[Content_Types].xml", b"<x/>")]), ZipKind::Xlsx);
    assert_eq!(
        kind(&[("[Content_Types].xml", b"<x/>"), ("word/document.xml", b"")]),
        ZipKind::OfficeDocument
    );
    assert_eq!(
        kind(&[(
            "mimetype",
            b"application/vnd.oasis.opendocument.spreadsheet"
        )]),
        ZipKind::Ods
    );
    assert_eq!(
        kind(&[("mimetype", b"application/vnd.oasis.opendocument.text")]),
        ZipKind::OfficeDocument
    );
    assert_eq!(
        kind(&[("survey\u{1b}[31m.csv", b"a,b\n")]),
        ZipKind::Archive(Some("survey\\u{1b}[31m.csv".into()))
    );
}

#[test]
fn looking_reads_no_more_than_one_large_read() {
    // Everything comes back, however large the first read.
    let data: Vec<u8> = TEXT.repeat(10_000).into_bytes();
    for step in [usize::MAX, 100, 1] {
        let mut reader = Stepping {
            data: data.clone(),
            at: 0,
            step,
        };
        let (head, ended) = peek(&mut reader).unwrap();
        assert!(head.len() >= SNIFF_BYTES.min(data.len()) && head.len() <= PEEK_READ);
        assert_eq!(reader.at, head.len());
        assert!(!ended);
    }
}
