//! A text column built from bytes and checked as UTF-8 once, when the
//! batch is finished: a `StringBuilder` takes `&str`, so text written as
//! bytes (a CSV field read back, a decision's sentences) had to be
//! checked cell by cell, which cost stage mode's Arrow output more than
//! building the column (benches/README.md, "Stage mode").

use std::io;
use std::sync::Arc;

use arrow_array::{ArrayRef, StringArray};
use arrow_buffer::{Buffer, OffsetBuffer, ScalarBuffer};

use super::bad;
use super::typed::{Validity, null_rows};

/// A short text padded to a fixed length: a text column copies it with
/// one move of that length ([`TextColumn::padded`]) instead of a call of
/// `memcpy` (an enum's value, a status, a track's id).
#[derive(Debug, Clone)]
pub struct Padded {
    bytes: [u8; Padded::MAX],
    len: usize,
}

impl Padded {
    /// The longest text padded.
    pub const MAX: usize = 32;

    /// `text` padded; `None` when it is longer than [`Padded::MAX`].
    pub fn new(text: &[u8]) -> Option<Padded> {
        let mut bytes = [0; Padded::MAX];
        bytes.get_mut(..text.len())?.copy_from_slice(text);
        Some(Padded {
            bytes,
            len: text.len(),
        })
    }
}

/// A Utf8 column being built: its values end to end, where each ends,
/// and which are null.
pub struct TextColumn {
    values: Vec<u8>,
    /// `offsets[0] == 0`, `offsets[r + 1]` the end of row `r`.
    offsets: Vec<i32>,
    validity: Validity,
    /// The most bytes a finished batch held: the next one's room.
    most_bytes: usize,
}

impl Default for TextColumn {
    fn default() -> TextColumn {
        TextColumn {
            values: Vec::new(),
            offsets: vec![0],
            validity: Validity::default(),
            most_bytes: 0,
        }
    }
}

impl TextColumn {
    /// The rows held.
    pub fn len(&self) -> usize {
        self.offsets.len() - 1
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// End the row whose bytes were added since the last one ended: null
    /// when there are none.
    #[inline(always)]
    fn end_row(&mut self) -> io::Result<()> {
        let start = self.offsets.last().copied().unwrap_or(0);
        let Ok(end) = i32::try_from(self.values.len()) else {
            return Err(self.too_long(start));
        };
        let row = self.len();
        self.offsets.push(end);
        if end > start {
            self.validity.valid(row);
        } else {
            self.validity.nulls(row, 1);
        }
        Ok(())
    }

    /// The bytes of the row being added dropped (so that the offsets stay
    /// within the values), and the error.
    #[cold]
    fn too_long(&mut self, start: i32) -> io::Error {
        self.values.truncate(start as usize);
        io::Error::other("a text column of more than 2 GiB in one record batch")
    }

    /// A row of `text`; empty is null.
    #[inline(always)]
    pub fn field(&mut self, text: &[u8]) -> io::Result<()> {
        self.values.extend_from_slice(text);
        self.end_row()
    }

    /// A row of a padded text (empty is null): the same row as
    /// [`TextColumn::field`] of its text.
    #[inline(always)]
    pub fn padded(&mut self, text: &Padded) -> io::Result<()> {
        let start = self.values.len();
        self.values.extend_from_slice(&text.bytes);
        self.values.truncate(start + text.len);
        self.end_row()
    }

    #[inline]
    pub fn null(&mut self) {
        null_rows(&mut self.offsets, &mut self.validity, 1);
    }

    /// `rows` null rows at once.
    pub fn nulls(&mut self, rows: usize) {
        null_rows(&mut self.offsets, &mut self.validity, rows);
    }

    /// `rows` rows of the same `text` at once (empty: nulls): its bytes
    /// copied in doubling runs, not a row at a time.
    pub fn repeat(&mut self, text: &[u8], rows: usize) -> io::Result<()> {
        if text.is_empty() {
            self.nulls(rows);
            return Ok(());
        }
        let start = self.values.len();
        let end = text
            .len()
            .checked_mul(rows)
            .and_then(|bytes| bytes.checked_add(start))
            .filter(|&end| i32::try_from(end).is_ok());
        let Some(end) = end else {
            return Err(self.too_long(start as i32));
        };
        if rows == 0 {
            return Ok(());
        }
        self.values.reserve(end - start);
        self.values.extend_from_slice(text);
        while self.values.len() < end {
            let more = (self.values.len() - start).min(end - self.values.len());
            self.values.extend_from_within(start..start + more);
        }
        // Within `i32` (checked above).
        let (first, len) = (start as i32, text.len() as i32);
        let row = self.len();
        self.offsets
            .extend((1..=rows as i32).map(|r| first + r * len));
        self.validity.valids(row, rows);
        Ok(())
    }

    /// A row whose text `write` adds to the column's bytes in place (no
    /// buffer in between); nothing added is null.
    #[inline]
    pub fn write_with(&mut self, write: impl FnOnce(&mut Vec<u8>)) -> io::Result<()> {
        let start = self.offsets.last().copied().unwrap_or(0) as usize;
        write(&mut self.values);
        if self.values.len() < start {
            // `write` took bytes of earlier rows: put the length back so
            // the offsets stay in order, and fail.
            self.values.resize(start, b' ');
            return Err(io::Error::other(
                "internal: a text cell shortened its column",
            ));
        }
        self.end_row()
    }

    /// Ready the rows held to be written as they are ([`TextColumn::parts`]):
    /// the text checked as UTF-8 (in one piece: each cell's own bytes came
    /// whole from text, so no cell ends inside a character).
    pub fn seal(&mut self) -> io::Result<()> {
        if simdutf8::basic::from_utf8(&self.values).is_err() {
            let offsets = OffsetBuffer::new(ScalarBuffer::from(self.offsets.clone()));
            return Err(not_utf8(&offsets, &self.values)
                .unwrap_or_else(|| io::Error::other("internal: text is not UTF-8")));
        }
        Ok(())
    }

    /// The rows held, as Arrow lays them out: the nulls, the validity
    /// bitmap (empty without a null), the offsets and the text.
    pub fn parts(&self) -> (usize, &[u8], &[i32], &[u8]) {
        (
            self.validity.null_count(),
            self.validity.bitmap(),
            &self.offsets,
            &self.values,
        )
    }

    /// Drop the rows held, keeping the memory for the next batch.
    pub fn clear(&mut self) {
        self.values.clear();
        self.offsets.truncate(1);
        self.validity.clear();
    }

    /// The column as a string array, its text checked as UTF-8 once; the
    /// builder starts again with room for `rows` rows (and for the most
    /// bytes a batch held).
    pub fn finish(&mut self, rows: usize) -> io::Result<ArrayRef> {
        self.most_bytes = self.most_bytes.max(self.values.len());
        let values = Buffer::from_vec(std::mem::replace(
            &mut self.values,
            Vec::with_capacity(self.most_bytes),
        ));
        let mut offsets = Vec::with_capacity(rows + 1);
        offsets.push(0);
        let len = self.len();
        let offsets = std::mem::replace(&mut self.offsets, offsets);
        // None without a null, as a `StringBuilder`'s.
        let nulls = self.validity.finish(len);
        // Monotonic from 0 by construction (`end_row`, `null`).
        let offsets = OffsetBuffer::new(ScalarBuffer::from(offsets));
        match StringArray::try_new(offsets.clone(), values.clone(), nulls) {
            Ok(array) => Ok(Arc::new(array)),
            Err(e) => Err(not_utf8(&offsets, &values).unwrap_or_else(|| io::Error::other(e))),
        }
    }
}

/// The error naming the first cell of `values` that is not UTF-8.
fn not_utf8(offsets: &OffsetBuffer<i32>, values: &[u8]) -> Option<io::Error> {
    offsets.windows(2).find_map(|w| {
        let cell = values.get(w[0] as usize..w[1] as usize)?;
        std::str::from_utf8(cell)
            .is_err()
            .then(|| bad("text", cell))
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use arrow_array::Array;
    use arrow_array::builder::{ArrayBuilder, StringBuilder};

    #[test]
    fn the_array_is_a_string_builders() {
        let rows: [Option<&str>; 6] = [Some("a"), None, Some("bé"), None, None, Some("ŝ;x")];
        let mut text = TextColumn::default();
        let mut reference = StringBuilder::new();
        // Twice: the builder starts again after a batch.
        for _ in 0..2 {
            for r in rows {
                match r {
                    Some(t) if t.starts_with('b') => text
                        .write_with(|v| v.extend_from_slice(t.as_bytes()))
                        .unwrap(),
                    Some(t) => text.field(t.as_bytes()).unwrap(),
                    None if reference.len() % 3 == 0 => text.null(),
                    None if reference.len() % 3 == 1 => text.nulls(1),
                    None => text.field(b"").unwrap(),
                }
                reference.append_option(r);
            }
            assert_eq!(text.len(), rows.len());
            let array = text.finish(4).unwrap();
            let expected = reference.finish();
            assert_eq!(array.to_data(), expected.to_data());
            assert!(text.is_empty());
        }
        // No null: no null buffer, as a StringBuilder's.
        text.field(b"x").unwrap();
        reference.append_value("x");
        assert_eq!(
            text.finish(4).unwrap().to_data(),
            reference.finish().to_data()
        );
    }

    #[test]
    fn a_padded_text_is_its_field() {
        let texts: [&[u8]; 6] = [b"", b"a", "é".as_bytes(), &[b'x'; 31], &[b'y'; 32], b"z"];
        let (mut padded, mut fields) = (TextColumn::default(), TextColumn::default());
        for _ in 0..2 {
            for t in texts {
                padded.padded(&Padded::new(t).unwrap()).unwrap();
                fields.field(t).unwrap();
            }
            assert_eq!(padded.parts(), fields.parts());
        }
        assert!(Padded::new(&[b'x'; 33]).is_none());
    }

    #[test]
    fn text_too_long_for_a_batch_is_an_error_and_adds_nothing() {
        let mut text = TextColumn::default();
        text.field(b"ab").unwrap();
        assert!(text.repeat(b"xyz", i32::MAX as usize / 3 + 1).is_err());
        assert!(text.repeat(b"xyz", usize::MAX).is_err());
        text.repeat(b"c", 2).unwrap();
        let array = text.finish(4).unwrap();
        let strings = array.as_any().downcast_ref::<StringArray>().unwrap();
        let got: Vec<_> = strings.iter().collect();
        assert_eq!(got, [Some("ab"), Some("c"), Some("c")]);
    }

    #[test]
    fn text_that_is_not_utf8_names_its_cell() {
        let mut text = TextColumn::default();
        text.field(b"fine").unwrap();
        text.field(b"H\xff1").unwrap();
        text.field(b"after").unwrap();
        let err = text.finish(4).unwrap_err().to_string();
        assert!(err.contains("cannot read text \"H\u{fffd}1\""), "{err}");
        // The builder is empty again, and usable.
        text.field(b"ok").unwrap();
        assert_eq!(text.finish(4).unwrap().len(), 1);
    }

    #[test]
    fn a_writer_that_shortens_the_column_is_an_error() {
        let mut text = TextColumn::default();
        text.field(b"abc").unwrap();
        assert!(text.write_with(|v| v.truncate(1)).is_err());
        text.field(b"d").unwrap();
        let array = text.finish(4).unwrap();
        let strings = array.as_any().downcast_ref::<StringArray>().unwrap();
        assert_eq!(strings.len(), 2);
        assert_eq!(strings.value(0).len(), 3);
        assert_eq!(strings.value(1), "d");
    }
}
