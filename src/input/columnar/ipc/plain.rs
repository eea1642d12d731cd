//! Record batches whose columns are all plain strings (`Utf8`, not
//! compressed: what Spark's `mapInArrow` hands over of a CSV read as
//! strings) read straight from the message body, without arrow's reader.
//!
//! Arrow's reader checks every cell of a string column on its own (its
//! offsets, then each as UTF-8 or at a character boundary: some 800
//! instructions a household of 24 cells); here each column's offsets are
//! checked in one pass, and its text as UTF-8 once. The columns are binary
//! columns of the same cells (the row parser reads bytes either way), made
//! of slices of the body, so no cell is copied. Whatever is not plainly
//! such a batch, or would not pass arrow's own checks, is left to arrow's
//! reader (`None`), which reads it or says why it cannot: so a stream is
//! refused exactly as before.

use std::sync::Arc;

use arrow_array::{ArrayRef, BinaryArray, RecordBatch, RecordBatchOptions};
use arrow_buffer::{BooleanBuffer, Buffer, NullBuffer, OffsetBuffer, ScalarBuffer};
use arrow_ipc::MetadataVersion;
use arrow_schema::{DataType, Schema, SchemaRef};

/// The schema plain batches of a stream of `schema` are read as: each
/// string column binary. `None` when some column is not a string column
/// (or there is none), or the stream's numbers are not this machine's.
pub(super) fn plain_schema(schema: &Schema, native: bool) -> Option<SchemaRef> {
    if schema.fields().is_empty() || !native {
        return None;
    }
    let fields = schema
        .fields()
        .iter()
        .map(|f| {
            (f.data_type() == &DataType::Utf8)
                .then(|| f.as_ref().clone().with_data_type(DataType::Binary))
        })
        .collect::<Option<Vec<_>>>()?;
    Some(Arc::new(Schema::new_with_metadata(
        fields,
        schema.metadata().clone(),
    )))
}

/// The record batch of `header` and `body`, of `schema` (a
/// [`plain_schema`]), when arrow's reader would read it and every check of
/// its cells passed; `None` leaves the batch to arrow's reader.
pub(super) fn plain_batch(
    body: &Buffer,
    header: &arrow_ipc::RecordBatch<'_>,
    version: MetadataVersion,
    schema: &SchemaRef,
) -> Option<RecordBatch> {
    if version != MetadataVersion::V5
        || header.compression().is_some()
        || header.variadicBufferCounts().is_some()
    {
        return None;
    }
    let rows = usize::try_from(header.length()).ok()?;
    let nodes = header.nodes()?;
    let buffers = header.buffers()?;
    let width = schema.fields().len();
    if nodes.len() != width || buffers.len() != 3 * width {
        return None;
    }
    let piece = |i: usize| -> Option<Buffer> {
        let b = buffers.get(i);
        let start = usize::try_from(b.offset()).ok()?;
        let len = usize::try_from(b.length()).ok()?;
        (start.checked_add(len)? <= body.len()).then(|| body.slice_with_length(start, len))
    };
    let mut columns: Vec<ArrayRef> = Vec::with_capacity(width);
    for (c, node) in nodes.iter().enumerate() {
        if usize::try_from(node.length()).ok()? != rows {
            return None;
        }
        let nulls = usize::try_from(node.null_count()).ok()?;
        let column = plain_column(
            rows,
            nulls,
            piece(3 * c)?,
            piece(3 * c + 1)?,
            piece(3 * c + 2)?,
        )?;
        columns.push(Arc::new(column));
    }
    let options = RecordBatchOptions::new().with_row_count(Some(rows));
    RecordBatch::try_new_with_options(Arc::clone(schema), columns, &options).ok()
}

/// A string column of `rows` cells, `nulls` of them null, from its
/// validity bitmap (read only when `nulls` is not 0, as arrow's reader
/// does), offsets and text.
fn plain_column(
    rows: usize,
    nulls: usize,
    validity: Buffer,
    offsets: Buffer,
    text: Buffer,
) -> Option<BinaryArray> {
    let validity = match nulls {
        0 => None,
        _ if validity.len() < rows.div_ceil(8) => return None,
        _ => {
            let bits = NullBuffer::new(BooleanBuffer::new(validity, 0, rows));
            // Arrow's reader refuses a count its bitmap does not have.
            Some((bits.null_count() == nulls).then_some(bits)?)
        }
    };
    let ends = rows.checked_add(1)?;
    // Misaligned offsets are copied by arrow's reader, and a length not
    // a multiple of 4 makes it fail: left to it.
    if offsets.len() < ends.checked_mul(4)?
        || offsets.len() % 4 != 0
        || !offsets.as_ptr().cast::<i32>().is_aligned()
    {
        return None;
    }
    let offsets = ScalarBuffer::<i32>::new(offsets, 0, ends);
    if !plain_cells(&offsets, &text) {
        return None;
    }
    BinaryArray::try_new(OffsetBuffer::new(offsets), text, validity).ok()
}

/// Whether the cells `offsets` cut of `text` are what arrow's reader takes
/// of a string column: offsets from 0 up, never going back, ending within
/// the text, and each cell UTF-8 — checked as the text they span being
/// UTF-8 and each offset a character boundary (not a continuation byte).
fn plain_cells(offsets: &[i32], text: &[u8]) -> bool {
    let (Some(&first), Some(&last)) = (offsets.first(), offsets.last()) else {
        return false;
    };
    let (Ok(start), Ok(end)) = (usize::try_from(first), usize::try_from(last)) else {
        return false;
    };
    match text.get(start..end) {
        Some(cells) if simdutf8::basic::from_utf8(cells).is_ok() => {}
        _ => return false,
    }
    // A pass each, with no early exit (which cost more here).
    let pairs = offsets.iter().zip(offsets.get(1..).unwrap_or_default());
    let ascending = pairs.fold(true, |ok, (a, b)| ok & (a <= b));
    // Every offset is now within `start..=end`: the end of the text is a
    // boundary.
    ascending
        && offsets.iter().fold(true, |ok, &o| {
            ok & text.get(o as usize).is_none_or(|&b| (b as i8) >= -64)
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cells_are_arrows_utf8_cells() {
        let text = "aé€x".as_bytes();
        // Every cut at character boundaries, in order, is plain.
        assert!(plain_cells(&[0, 1, 3, 3, 6, 7], text));
        assert!(plain_cells(&[1, 3], text));
        assert!(plain_cells(&[0], b""));
        // Inside a character, going back, past the end, below 0.
        assert!(!plain_cells(&[0, 2], text));
        assert!(!plain_cells(&[0, 4, 7], text));
        assert!(!plain_cells(&[0, 3, 1, 7], text));
        assert!(!plain_cells(&[0, 8], text));
        assert!(!plain_cells(&[-1, 1], text));
        assert!(!plain_cells(&[], text));
        // Not UTF-8 within the cells; outside them it does not matter.
        assert!(!plain_cells(&[0, 2], b"a\xff"));
        assert!(plain_cells(&[0, 1], b"a\xff"));
    }
}
