//! A rendered record batch's rows as the row parser reads them: each
//! column's cells resolved once a batch ([`Cells`]), so that a string
//! column's cell costs two ends and a slice, with no arrow accessor (and
//! its length and validity checks) a cell, and the row's columns are read
//! from one small array instead of each [`Col`]'s fields; and the rows read
//! a [`Block`] of them at a time, from a copy of their string cells.

use arrow_array::{Array, BinaryArray};

use super::{Col, Columnar};
use crate::input::record::Fields;

/// One column's cells in the record batch being read.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Cells<'a> {
    text: Text<'a>,
    /// Values a row (see [`Col::typed`]).
    typed: Option<&'a [f64]>,
}

#[derive(Debug, Clone, Copy)]
enum Text<'a> {
    /// A string or binary column read in place whose null cells span no
    /// text (as every writer writes them): cell `r` is
    /// `text[offsets[r]..offsets[r + 1]]`.
    Offsets { offsets: &'a [i32], text: &'a [u8] },
    /// Any other column, read through [`Col::cell`].
    Col(&'a Col),
}

impl<'a> Cells<'a> {
    fn of(col: &'a Col) -> Cells<'a> {
        let text = match &col.shared {
            Some(a) if nulls_span_nothing(a) => Text::Offsets {
                offsets: a.value_offsets(),
                text: a.value_data(),
            },
            _ => Text::Col(col),
        };
        Cells {
            text,
            typed: col.typed.as_deref(),
        }
    }
}

/// Whether every null cell of `array` spans no text, so that its offsets
/// alone give every cell (a null an empty one).
fn nulls_span_nothing(array: &BinaryArray) -> bool {
    let Some(nulls) = array.nulls().filter(|n| n.null_count() > 0) else {
        return true;
    };
    let offsets = array.value_offsets();
    let empty = |r: usize| match (offsets.get(r), offsets.get(r + 1)) {
        (Some(a), Some(b)) => a == b,
        _ => true,
    };
    // A word of validity bits at a time: most words of a column hold no
    // null (a padding bit past the end reads as a null, beyond the offsets).
    nulls
        .inner()
        .bit_chunks()
        .iter_padded()
        .enumerate()
        .all(|(w, bits)| {
            let mut missing = !bits;
            while missing != 0 {
                if !empty(w * 64 + missing.trailing_zeros() as usize) {
                    return false;
                }
                missing &= missing - 1;
            }
            true
        })
}

/// The rows of a record batch are read a block of this many at a time.
const BLOCK_ROWS: usize = 64;

/// A block of rows' cells of the columns read from their offsets, copied
/// column after column: read in place, each row's cells come from twice as
/// many places far apart as it has columns (each column's offsets and
/// text), and the row parser waited on those loads (benches/README.md
/// "Stage mode"); copied, each column's part is read in one sequential
/// sweep and the rows read their cells from the few KiB just written.
#[derive(Debug, Default)]
pub(crate) struct Block {
    /// Per column, `BLOCK_ROWS + 1` ends of the block's cells in `text`.
    ends: Vec<usize>,
    text: Vec<u8>,
}

impl Block {
    /// Copy rows `first..end`'s cells of the columns of `cells` read from
    /// offsets.
    fn fill(&mut self, cells: &[Cells<'_>], first: usize, end: usize) {
        self.ends.resize(cells.len() * (BLOCK_ROWS + 1), 0);
        self.text.clear();
        let blocks = self.ends.chunks_exact_mut(BLOCK_ROWS + 1);
        for (c, ends) in cells.iter().zip(blocks) {
            let Text::Offsets { offsets, text } = c.text else {
                continue;
            };
            // The array's checks make every offset of the block one within
            // the text and none before the one before it; were one not,
            // its cells would read as empty or wrong, never panic.
            let Some(offsets) = offsets.get(first..=end) else {
                ends.fill(0);
                continue;
            };
            let from = offsets.first().map_or(0, |&o| o as usize);
            let to = offsets.last().map_or(0, |&o| o as usize);
            let start = self.text.len().wrapping_sub(from);
            self.text
                .extend_from_slice(text.get(from..to).unwrap_or_default());
            for (e, &o) in ends.iter_mut().zip(offsets) {
                *e = start.wrapping_add(o as usize);
            }
        }
    }
}

/// The rows of the record batch a [`Columnar`] rendered last.
#[derive(Debug)]
pub(crate) struct BatchRows<'a> {
    cells: Vec<Cells<'a>>,
    block: &'a mut Block,
    rows: usize,
    /// The line of the first row.
    line: u64,
    longest: usize,
}

impl Columnar {
    /// The rows of the record batch rendered last, its columns resolved.
    pub(crate) fn rows(&mut self) -> BatchRows<'_> {
        BatchRows {
            cells: self.cols.iter().map(Cells::of).collect(),
            block: &mut self.block,
            rows: self.rows,
            line: self.first_row + 2,
            longest: self.longest,
        }
    }
}

impl BatchRows<'_> {
    /// Each row and its line (the header is line 1) to `each`, in order, up
    /// to the first error.
    pub(crate) fn try_for_each<E>(
        &mut self,
        mut each: impl FnMut(u64, &CellRow<'_>) -> Result<(), E>,
    ) -> Result<(), E> {
        let mut first = 0;
        while first < self.rows {
            let end = self.rows.min(first + BLOCK_ROWS);
            self.block.fill(&self.cells, first, end);
            for row in first..end {
                let record = CellRow {
                    cells: &self.cells,
                    ends: &self.block.ends,
                    text: &self.block.text,
                    row,
                    at: row - first,
                    longest: self.longest,
                };
                each(self.line + row as u64, &record)?;
            }
            first = end;
        }
        Ok(())
    }
}

/// One row of a [`Columnar`] batch.
#[derive(Debug, Clone, Copy)]
pub(crate) struct CellRow<'a> {
    cells: &'a [Cells<'a>],
    /// The block of rows the row is in (see [`Block`]): held as its
    /// slices, one load less a cell.
    ends: &'a [usize],
    text: &'a [u8],
    row: usize,
    /// The row within its block.
    at: usize,
    longest: usize,
}

/// The cells (and values) of every row of `cols`, `rows` rows, as the row
/// parser reads them (tests).
#[cfg(test)]
pub(super) fn read_rows(cols: &[Col], rows: usize) -> Vec<Vec<(Vec<u8>, Option<f64>)>> {
    let mut block = Block::default();
    let mut batch = BatchRows {
        cells: cols.iter().map(Cells::of).collect(),
        block: &mut block,
        rows,
        line: 2,
        longest: 0,
    };
    let mut out = Vec::new();
    let read: Result<(), ()> = batch.try_for_each(|_, row| {
        let cells =
            (0..cols.len()).map(|c| (row.get(c).unwrap_or_default().to_vec(), row.typed(c)));
        out.push(cells.collect());
        Ok(())
    });
    assert!(read.is_ok());
    out
}

impl Fields for CellRow<'_> {
    #[inline]
    fn len(&self) -> usize {
        self.cells.len()
    }
    // Inlined into the row parser: a call a cell cost ~10 instructions.
    #[inline(always)]
    fn get(&self, i: usize) -> Option<&[u8]> {
        Some(match self.cells.get(i)?.text {
            Text::Offsets { .. } => {
                let k = i * (BLOCK_ROWS + 1) + self.at;
                match (self.ends.get(k), self.ends.get(k + 1)) {
                    (Some(&a), Some(&b)) => self.text.get(a..b).unwrap_or_default(),
                    _ => b"",
                }
            }
            Text::Col(col) => col.cell(self.row),
        })
    }
    #[inline]
    fn byte_len(&self) -> usize {
        self.longest
    }
    #[inline]
    fn typed(&self, i: usize) -> Option<f64> {
        let v = *self.cells.get(i)?.typed?.get(self.row)?;
        (!v.is_nan()).then_some(v)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use arrow_buffer::{Buffer, NullBuffer, OffsetBuffer, ScalarBuffer};

    /// A binary column of `rows` cells (`"r<row>"`, every third one
    /// empty), null where `null` says, a null spanning text where `spans`
    /// says (arrow lets a null's offsets span anything).
    fn column(
        rows: usize,
        null: impl Fn(usize) -> bool,
        spans: impl Fn(usize) -> bool,
    ) -> BinaryArray {
        let mut text = Vec::new();
        let mut offsets = vec![0i32];
        for r in 0..rows {
            if (!null(r) && r % 3 != 0) || (null(r) && spans(r)) {
                text.extend_from_slice(format!("r{r}").as_bytes());
            }
            offsets.push(text.len() as i32);
        }
        let valid: Vec<bool> = (0..rows).map(|r| !null(r)).collect();
        BinaryArray::try_new(
            OffsetBuffer::new(ScalarBuffer::from(offsets)),
            Buffer::from_vec(text),
            Some(NullBuffer::from(valid)).filter(|n| n.null_count() > 0),
        )
        .unwrap()
    }

    /// The cells `CellRow` gives of `array`, and whether they were read
    /// from its offsets alone.
    fn read(array: &BinaryArray) -> (Vec<Vec<u8>>, bool) {
        let mut col = Col::default();
        assert!(col.share(array));
        let by_offsets = matches!(Cells::of(&col).text, Text::Offsets { .. });
        let rows = read_rows(std::slice::from_ref(&col), array.len());
        let cells = rows.into_iter().map(|mut r| r.swap_remove(0).0).collect();
        (cells, by_offsets)
    }

    /// A null is an empty cell, a valid cell its bytes.
    fn expected(array: &BinaryArray) -> Vec<Vec<u8>> {
        (0..array.len())
            .map(|r| match array.is_valid(r) {
                true => array.value(r).to_vec(),
                false => Vec::new(),
            })
            .collect()
    }

    #[test]
    fn cells_read_from_offsets_are_the_arrays_whatever_its_nulls() {
        // Around a word of validity bits (64), and a lone row.
        for rows in [1, 2, 63, 64, 65, 127, 128, 129] {
            let at = |r: usize| move |n: usize| n == r;
            let cases: Vec<(String, BinaryArray, bool)> = vec![
                ("no null".into(), column(rows, |_| false, |_| false), true),
                ("all null".into(), column(rows, |_| true, |_| false), true),
                (
                    "every 7th null".into(),
                    column(rows, |r| r % 7 == 3, |_| false),
                    true,
                ),
                ("first null spans".into(), column(rows, at(0), at(0)), false),
                (
                    "last null spans".into(),
                    column(rows, at(rows - 1), at(rows - 1)),
                    false,
                ),
                (
                    "row 63 null, spans".into(),
                    column(rows, at(63), at(63)),
                    rows <= 63,
                ),
                (
                    "row 64 null, spans".into(),
                    column(rows, at(64), at(64)),
                    rows <= 64,
                ),
                ("row 64 null".into(), column(rows, at(64), |_| false), true),
            ];
            for (what, array, by_offsets) in cases {
                let (cells, read_by_offsets) = read(&array);
                assert_eq!(cells, expected(&array), "{rows} rows, {what}");
                assert_eq!(read_by_offsets, by_offsets, "{rows} rows, {what}");
            }
        }
    }

    #[test]
    fn a_sliced_columns_cells_are_its_own() {
        let array = column(130, |r| r % 5 == 1, |r| r == 6);
        for (offset, len) in [(0, 130), (1, 64), (7, 65), (64, 66), (129, 1), (130, 0)] {
            let slice = array.slice(offset, len);
            let (cells, _) = read(&slice);
            assert_eq!(cells, expected(&slice), "{offset}+{len}");
        }
    }
}
