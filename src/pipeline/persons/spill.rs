//! Scattered persons: an external sort by (group, line) on temporary files.
//!
//! Only the runs that break group order are sorted ([`in_order`]: in a file
//! with a few scattered households, a few rows); the feed reads the others
//! from the file again and merges both by (group, line).
//!
//! The person file is read once more; the set-apart records are collected with their
//! group and original line up to [`RUN_BYTES`] of text, sorted, and written
//! to a temporary file (0600, listed for removal on exit and on SIGINT and
//! SIGTERM, see `report::atomic`). The runs are then merged, k-way, by the
//! feed. A record on disk: group (u64), line (u64), field count (u32), then
//! each field as its length (u32) and its bytes.

use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::fs::File;
use std::io::{self, BufReader, BufWriter, Read, Write};

use super::{PersonError, PersonSetup, Runs};
use crate::input::flat::{FlatRecords, RecordReader, Wanted};
use crate::input::record::Fields;
use crate::report::atomic::TempFile;

/// Text held in memory before a run is sorted and written.
const RUN_BYTES: usize = 8 << 20;

/// Sorted runs on disk.
pub(crate) struct SortedRuns {
    files: Vec<TempFile>,
}

/// Which runs stay in the file: greedily from the top, each run whose group
/// is above every kept run's (so that the kept runs are in (group, line)
/// order as they stand). Lone persons (`ORPHAN`) are never kept: they come
/// last.
pub(super) fn in_order(run_group: &[u64]) -> Vec<bool> {
    let mut last: Option<u64> = None;
    run_group
        .iter()
        .map(|&g| {
            let keep = g != super::ORPHAN && last.is_none_or(|l| g > l);
            if keep {
                last = Some(g);
            }
            keep
        })
        .collect()
}

/// Sort the records of the runs that `keep` does not keep.
pub(super) fn sort(
    setup: &PersonSetup,
    run_group: &[u64],
    keep: &[bool],
    chunk_bytes: usize,
) -> Result<SortedRuns, PersonError> {
    let mut reader = RecordReader::new(setup.open_persons()?, chunk_bytes);
    let mut sorter = Sorter {
        runs: Runs::default(),
        keep,
        run_group,
        group: super::ORPHAN,
        held: FlatRecords::default(),
        order: Vec::new(),
        files: Vec::new(),
        error: None,
    };
    // Only the set-apart records are split.
    reader.each_wanted(&setup.person_key, &mut sorter)?;
    if let Some(e) = sorter.error {
        return Err(PersonError::Spill(e));
    }
    let Sorter {
        mut held,
        mut order,
        mut files,
        ..
    } = sorter;
    if !held.is_empty() {
        files.push(write_run(&mut order, &mut held).map_err(PersonError::Spill)?);
    }
    Ok(SortedRuns { files })
}

/// Collects the set-apart records and writes them out in sorted runs.
struct Sorter<'a> {
    runs: Runs,
    keep: &'a [bool],
    run_group: &'a [u64],
    /// The group of the record wanted last.
    group: u64,
    held: FlatRecords,
    order: Vec<(u64, u64, u32)>,
    files: Vec<TempFile>,
    error: Option<io::Error>,
}

impl Wanted for Sorter<'_> {
    fn wants(&mut self, key: Option<&[u8]>) -> bool {
        let run = self.runs.of(key);
        if self.keep.get(run).copied().unwrap_or(false) {
            return false;
        }
        self.group = self.run_group.get(run).copied().unwrap_or(super::ORPHAN);
        true
    }

    fn take(&mut self, line: u64, record: &dyn Fields) -> bool {
        self.order.push((self.group, line, self.held.len() as u32));
        self.held.push(line, record);
        if self.held.byte_len() >= RUN_BYTES || self.held.len() >= u32::MAX as usize / 2 {
            match write_run(&mut self.order, &mut self.held) {
                Ok(file) => self.files.push(file),
                Err(e) => {
                    self.error = Some(e);
                    return false;
                }
            }
        }
        true
    }
}

fn write_run(order: &mut Vec<(u64, u64, u32)>, held: &mut FlatRecords) -> io::Result<TempFile> {
    order.sort_unstable();
    let pid = std::process::id();
    let (temp, file) = TempFile::create_in(&std::env::temp_dir(), |attempt| {
        format!("layak-persons-{pid}-{attempt}.tmp")
    })?;
    let mut w = BufWriter::with_capacity(1 << 16, file);
    for &(group, line, i) in order.iter() {
        let (_, record) = held.get(i as usize);
        w.write_all(&group.to_le_bytes())?;
        w.write_all(&line.to_le_bytes())?;
        w.write_all(&(record.len() as u32).to_le_bytes())?;
        for f in 0..record.len() {
            let field = record.get(f).unwrap_or_default();
            w.write_all(&(field.len() as u32).to_le_bytes())?;
            w.write_all(field)?;
        }
    }
    w.into_inner().map_err(|e| e.into_error())?.sync_all()?;
    order.clear();
    held.clear();
    Ok(temp)
}

/// One run being read back: its next record.
struct RunReader {
    reader: BufReader<File>,
    head: FlatRecords,
    group: u64,
}

impl RunReader {
    /// Read the next record into `head`; false at the end of the run.
    fn next(&mut self) -> io::Result<bool> {
        self.head.clear();
        let mut word = [0u8; 8];
        match self.reader.read_exact(&mut word) {
            Ok(()) => {}
            Err(e) if e.kind() == io::ErrorKind::UnexpectedEof => return Ok(false),
            Err(e) => return Err(e),
        }
        self.group = u64::from_le_bytes(word);
        self.reader.read_exact(&mut word)?;
        let line = u64::from_le_bytes(word);
        let mut half = [0u8; 4];
        self.reader.read_exact(&mut half)?;
        let fields = u32::from_le_bytes(half);
        let first = self.head.begin_record();
        for _ in 0..fields {
            self.reader.read_exact(&mut half)?;
            let len = u32::from_le_bytes(half) as usize;
            self.reader.read_exact(self.head.push_field_with(len))?;
        }
        self.head.end_record(line, first);
        Ok(true)
    }
}

/// The k-way merge of sorted runs.
pub(super) struct Merge {
    runs: Vec<RunReader>,
    heap: BinaryHeap<Reverse<(u64, u64, usize)>>,
}

impl Merge {
    pub(super) fn open(sorted: &SortedRuns) -> io::Result<Merge> {
        let mut runs = Vec::with_capacity(sorted.files.len());
        let mut heap = BinaryHeap::new();
        for (i, temp) in sorted.files.iter().enumerate() {
            let mut run = RunReader {
                reader: BufReader::with_capacity(1 << 16, File::open(temp.path())?),
                head: FlatRecords::default(),
                group: 0,
            };
            if run.next()? {
                heap.push(Reverse((run.group, run.head.get(0).0, i)));
            }
            runs.push(run);
        }
        Ok(Merge { runs, heap })
    }

    /// The group of the next record, and the record (in a one-record buffer).
    pub(super) fn peek(&self) -> Option<(u64, &FlatRecords)> {
        let Reverse((group, _, run)) = *self.heap.peek()?;
        Some((group, &self.runs[run].head))
    }

    pub(super) fn advance(&mut self) -> io::Result<()> {
        let Some(Reverse((_, _, run))) = self.heap.pop() else {
            return Ok(());
        };
        let r = &mut self.runs[run];
        if r.next()? {
            self.heap.push(Reverse((r.group, r.head.get(0).0, run)));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(held: &mut FlatRecords, order: &mut Vec<(u64, u64, u32)>, group: u64, line: u64) {
        let mut r = csv::ByteRecord::new();
        r.push_field(format!("g{group}").as_bytes());
        r.push_field(b"");
        r.push_field(format!("l{line}").as_bytes());
        order.push((group, line, held.len() as u32));
        held.push(line, &r);
    }

    // Runs written apart come back merged by (group, line), each record
    // whole (empty fields kept), and the files are gone when dropped.
    #[test]
    fn runs_merge_by_group_then_line() {
        let mut held = FlatRecords::default();
        let mut order = Vec::new();
        let mut files = Vec::new();
        for (group, line) in [(3, 2), (super::super::ORPHAN, 3), (1, 4)] {
            record(&mut held, &mut order, group, line);
        }
        files.push(write_run(&mut order, &mut held).unwrap());
        for (group, line) in [(1, 5), (3, 6), (0, 7)] {
            record(&mut held, &mut order, group, line);
        }
        files.push(write_run(&mut order, &mut held).unwrap());
        let paths: Vec<_> = files.iter().map(|f| f.path().to_path_buf()).collect();
        let sorted = SortedRuns { files };
        let mut merge = Merge::open(&sorted).unwrap();
        let mut seen = Vec::new();
        while let Some((group, records)) = merge.peek() {
            let (line, r) = records.get(0);
            assert_eq!(r.get(0), Some(format!("g{group}").as_bytes()));
            assert_eq!((r.len(), r.get(1)), (3, Some(&b""[..])));
            assert_eq!(r.get(2), Some(format!("l{line}").as_bytes()));
            seen.push((group, line));
            merge.advance().unwrap();
        }
        assert_eq!(
            seen,
            vec![
                (0, 7),
                (1, 4),
                (1, 5),
                (3, 2),
                (3, 6),
                (super::super::ORPHAN, 3)
            ]
        );
        drop(merge);
        drop(sorted);
        assert!(paths.iter().all(|p| !p.exists()));
    }

    // The kept runs rise strictly; lone persons and runs at or below the
    // last kept group are set apart.
    #[test]
    fn runs_in_order_are_kept_the_others_sorted() {
        let o = super::super::ORPHAN;
        assert_eq!(
            in_order(&[0, 1, o, 3, 2, 3, 4, 1, 9, 5]),
            vec![
                true, true, false, true, false, false, true, false, true, false
            ]
        );
        assert!(in_order(&[]).is_empty());
    }

    #[test]
    fn a_run_is_consecutive_records_with_one_key() {
        let mut runs = Runs::default();
        let got: Vec<usize> = [Some("a"), Some("a"), None, None, Some("b"), Some("a")]
            .iter()
            .map(|k| runs.of(k.map(str::as_bytes)))
            .collect();
        assert_eq!(got, vec![0, 0, 1, 2, 3, 4]);
    }
}
