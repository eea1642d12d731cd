//! A rendered record batch's rows as the row parser reads them: each
//! column's cells resolved once a batch ([`Cells`]), so that a string
//! column's cell costs two offsets and a slice, with no arrow accessor (and
//! its length and validity checks) a cell, and the row's columns are read
//! from one small array instead of each [`Col`]'s fields.

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

    #[inline(always)]
    fn cell(&self, row: usize) -> &'a [u8] {
        match self.text {
            Text::Offsets { offsets, text } => {
                match (offsets.get(row), offsets.get(row.wrapping_add(1))) {
                    // The array's own checks put each offset within the text
                    // and after the one before; a bad one would be an empty
                    // cell, never a panic.
                    (Some(&a), Some(&b)) => text.get(a as usize..b as usize).unwrap_or_default(),
                    _ => b"",
                }
            }
            Text::Col(col) => col.cell(row),
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

/// The rows of the record batch a [`Columnar`] rendered last.
#[derive(Debug)]
pub(crate) struct BatchRows<'a> {
    cells: Vec<Cells<'a>>,
    rows: usize,
    /// The line of the first row.
    line: u64,
    longest: usize,
}

impl Columnar {
    /// The rows of the record batch rendered last, its columns resolved.
    pub(crate) fn rows(&self) -> BatchRows<'_> {
        BatchRows {
            cells: self.cols.iter().map(Cells::of).collect(),
            rows: self.rows,
            line: self.first_row + 2,
            longest: self.longest,
        }
    }
}

impl BatchRows<'_> {
    /// The number of rows.
    pub(crate) fn len(&self) -> usize {
        self.rows
    }

    /// Row `i` and its line (the header is line 1).
    #[inline]
    pub(crate) fn record(&self, i: usize) -> (u64, CellRow<'_>) {
        (
            self.line + i as u64,
            CellRow {
                cells: &self.cells,
                row: i,
                longest: self.longest,
            },
        )
    }
}

/// One row of a [`Columnar`] batch.
#[derive(Debug, Clone, Copy)]
pub(crate) struct CellRow<'a> {
    cells: &'a [Cells<'a>],
    row: usize,
    longest: usize,
}

impl<'a> CellRow<'a> {
    /// Row `row` of `cols` (tests read a column's cells through it).
    #[cfg(test)]
    pub(super) fn of(cells: &'a [Cells<'a>], row: usize) -> CellRow<'a> {
        CellRow {
            cells,
            row,
            longest: 0,
        }
    }
}

/// `cols`' cells (tests).
#[cfg(test)]
pub(super) fn cells_of(cols: &[Col]) -> Vec<Cells<'_>> {
    cols.iter().map(Cells::of).collect()
}

impl Fields for CellRow<'_> {
    #[inline]
    fn len(&self) -> usize {
        self.cells.len()
    }
    // Inlined into the row parser: a call a cell cost ~10 instructions.
    #[inline(always)]
    fn get(&self, i: usize) -> Option<&[u8]> {
        Some(self.cells.get(i)?.cell(self.row))
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
        let cells = [Cells::of(&col)];
        let by_offsets = matches!(cells[0].text, Text::Offsets { .. });
        let rows = (0..array.len() + 1)
            .map(|r| CellRow::of(&cells, r).get(0).unwrap().to_vec())
            .collect();
        (rows, by_offsets)
    }

    /// A null is an empty cell, a valid cell its bytes; past the last row,
    /// an empty cell.
    fn expected(array: &BinaryArray) -> Vec<Vec<u8>> {
        let mut cells: Vec<Vec<u8>> = (0..array.len())
            .map(|r| match array.is_valid(r) {
                true => array.value(r).to_vec(),
                false => Vec::new(),
            })
            .collect();
        cells.push(Vec::new());
        cells
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
