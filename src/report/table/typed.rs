//! Decision columns in their Arrow types, built in our own buffers: plain
//! vectors of values, and a validity bitmap only once a null appears. Stage
//! mode's Arrow output writes a batch straight from them
//! ([`super::IpcMessage::column`]) and clears them for the next batch, so
//! their memory is reused; Parquet output turns them into arrays
//! ([`TypedColumn::finish`]). Arrow's builders cost a null-buffer check and
//! a capacity check through several layers a value (benches/README.md,
//! "Stage mode").

use std::io;
use std::sync::Arc;

use arrow_array::{
    ArrayRef, BooleanArray, Decimal128Array, Float64Array, Int64Array, ListArray, StringArray,
};
use arrow_buffer::{BooleanBuffer, Buffer, NullBuffer, OffsetBuffer, ScalarBuffer};
use arrow_schema::{DataType, Field};

use super::{Cell, TextColumn, bad, parse, parse_money};

/// Which rows of a column are not null, as an Arrow validity bitmap, kept
/// only once a null appeared: a column without a null (most of them, most
/// batches) pays one comparison a value.
#[derive(Default)]
pub struct Validity {
    /// Bit `r` set when row `r` is valid; `len.div_ceil(8)` bytes, the
    /// bits past the last row 0 (as arrow's builders leave them). Empty
    /// while `nulls == 0`.
    bitmap: Vec<u8>,
    nulls: usize,
}

/// `rows` null rows added to a column of offsets (a list or text column:
/// `offsets` starts with 0, a row a further end): no bytes, the last end
/// repeated.
#[inline]
pub(super) fn null_rows(offsets: &mut Vec<i32>, validity: &mut Validity, rows: usize) {
    validity.nulls(offsets.len() - 1, rows);
    let end = offsets.last().copied().unwrap_or(0);
    offsets.resize(offsets.len() + rows, end);
}

/// Bit `row` (the next one) of the bit-packed `bits`, `v`: a new byte
/// every eighth row, its other bits 0.
#[inline(always)]
fn push_bit(bits: &mut Vec<u8>, row: usize, v: bool) {
    let bit = u8::from(v) << (row % 8);
    match bits.last_mut() {
        Some(byte) if row % 8 != 0 => *byte |= bit,
        _ => bits.push(bit),
    }
}

impl Validity {
    /// Row `row` (the next one) is valid.
    #[inline(always)]
    pub fn valid(&mut self, row: usize) {
        if self.nulls != 0 {
            self.set(row);
        }
    }

    fn set(&mut self, row: usize) {
        push_bit(&mut self.bitmap, row, true);
    }

    /// Rows `row..row + count` (the next ones) are valid: the bits
    /// [`Validity::valid`] sets one at a time, a byte at a time.
    pub fn valids(&mut self, row: usize, count: usize) {
        if self.nulls == 0 {
            return;
        }
        let end = row + count;
        let mut row = row;
        while row % 8 != 0 && row < end {
            self.set(row);
            row += 1;
        }
        let whole = (end - row) / 8;
        self.bitmap.resize(self.bitmap.len() + whole, 0xff);
        row += whole * 8;
        if row < end {
            self.bitmap.push(((1u16 << (end - row)) - 1) as u8);
        }
    }

    /// Rows `row..row + count` (the next ones) are null.
    #[inline]
    pub fn nulls(&mut self, row: usize, count: usize) {
        if count == 0 {
            return;
        }
        if self.nulls == 0 {
            // The bitmap starts: every row so far valid.
            self.bitmap.clear();
            self.bitmap.resize(row / 8, 0xff);
            if row % 8 != 0 {
                self.bitmap.push((1u8 << (row % 8)) - 1);
            }
        }
        self.nulls += count;
        self.bitmap.resize((row + count).div_ceil(8), 0);
    }

    /// The null rows.
    pub fn null_count(&self) -> usize {
        self.nulls
    }

    /// The bitmap; empty without a null.
    pub fn bitmap(&self) -> &[u8] {
        &self.bitmap
    }

    pub fn clear(&mut self) {
        self.bitmap.clear();
        self.nulls = 0;
    }

    /// The validity of `len` rows as arrow's (none without a null); this
    /// one starts again, empty.
    pub fn finish(&mut self, len: usize) -> Option<NullBuffer> {
        if std::mem::take(&mut self.nulls) == 0 {
            return None;
        }
        let bits = Buffer::from_vec(std::mem::take(&mut self.bitmap));
        Some(NullBuffer::new(BooleanBuffer::new(bits, 0, len)))
    }
}

/// A column of fixed-width values (a null's value 0, as arrow's builders
/// write it).
pub struct Values<T> {
    values: Vec<T>,
    pub validity: Validity,
}

impl<T> Default for Values<T> {
    fn default() -> Values<T> {
        Values {
            values: Vec::new(),
            validity: Validity::default(),
        }
    }
}

impl<T: Copy + Default> Values<T> {
    #[inline(always)]
    pub fn push(&mut self, v: T) {
        self.validity.valid(self.values.len());
        self.values.push(v);
    }

    pub fn null(&mut self) {
        self.validity.nulls(self.values.len(), 1);
        self.values.push(T::default());
    }

    /// `rows` nulls at once.
    pub fn nulls(&mut self, rows: usize) {
        self.validity.nulls(self.values.len(), rows);
        self.values.resize(self.values.len() + rows, T::default());
    }

    pub fn len(&self) -> usize {
        self.values.len()
    }

    pub fn is_empty(&self) -> bool {
        self.values.is_empty()
    }

    pub fn values(&self) -> &[T] {
        &self.values
    }

    pub fn clear(&mut self) {
        self.values.clear();
        self.validity.clear();
    }

    /// The values and their validity, taken out; room for `rows` left.
    fn take(&mut self, rows: usize) -> (ScalarBuffer<T>, Option<NullBuffer>)
    where
        T: arrow_buffer::ArrowNativeType,
    {
        let nulls = self.validity.finish(self.values.len());
        let values = std::mem::replace(&mut self.values, Vec::with_capacity(rows));
        (ScalarBuffer::from(values), nulls)
    }
}

/// A column of booleans, bit-packed as Arrow lays them out.
#[derive(Default)]
pub struct Flags {
    bits: Vec<u8>,
    len: usize,
    pub validity: Validity,
}

impl Flags {
    #[inline(always)]
    pub fn push(&mut self, v: bool) {
        let row = self.len;
        self.validity.valid(row);
        self.bit(row, v);
    }

    #[inline(always)]
    fn bit(&mut self, row: usize, v: bool) {
        push_bit(&mut self.bits, row, v);
        self.len = row + 1;
    }

    pub fn null(&mut self) {
        self.validity.nulls(self.len, 1);
        self.bit(self.len, false);
    }

    /// `rows` nulls at once (their bits 0).
    pub fn nulls(&mut self, rows: usize) {
        self.validity.nulls(self.len, rows);
        self.len += rows;
        self.bits.resize(self.len.div_ceil(8), 0);
    }

    pub fn len(&self) -> usize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The values' bits (`len.div_ceil(8)` bytes).
    pub fn bits(&self) -> &[u8] {
        &self.bits
    }

    pub fn clear(&mut self) {
        self.bits.clear();
        self.len = 0;
        self.validity.clear();
    }
}

/// A column of lists of strings (ids): each row's items, then
/// [`ListColumn::close`].
pub struct ListColumn {
    /// `offsets[r + 1]` the end of row `r` among the items.
    offsets: Vec<i32>,
    /// The items' text end to end, and where each ends (never null).
    items: Vec<u8>,
    item_offsets: Vec<i32>,
    pub validity: Validity,
}

impl Default for ListColumn {
    fn default() -> ListColumn {
        ListColumn {
            offsets: vec![0],
            items: Vec::new(),
            item_offsets: vec![0],
            validity: Validity::default(),
        }
    }
}

impl ListColumn {
    /// An item of the row being built (checked at [`ListColumn::close`]:
    /// the offsets fit in `i32`).
    #[inline]
    pub fn item(&mut self, text: &str) {
        self.items.extend_from_slice(text.as_bytes());
        self.item_offsets.push(self.items.len() as i32);
    }

    /// End the row whose items were added since the last one ended (none
    /// is an empty list, not a null).
    #[inline(always)]
    pub fn close(&mut self) -> io::Result<()> {
        if self.items.len() > i32::MAX as usize {
            return Err(self.too_long());
        }
        self.validity.valid(self.len());
        self.offsets.push((self.item_offsets.len() - 1) as i32);
        Ok(())
    }

    /// The items of the row being built dropped (so that the offsets stay
    /// within the items), and the error.
    #[cold]
    fn too_long(&mut self) -> io::Error {
        let start = self.offsets.last().copied().unwrap_or(0) as usize;
        self.item_offsets.truncate(start + 1);
        let end = self.item_offsets.last().copied().unwrap_or(0);
        self.items.truncate(end as usize);
        io::Error::other("a list column of more than 2 GiB in one record batch")
    }

    pub fn null(&mut self) {
        null_rows(&mut self.offsets, &mut self.validity, 1);
    }

    /// `rows` nulls at once.
    pub fn nulls(&mut self, rows: usize) {
        null_rows(&mut self.offsets, &mut self.validity, rows);
    }

    pub fn len(&self) -> usize {
        self.offsets.len() - 1
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The rows' offsets among the items, the items' offsets and text.
    pub fn parts(&self) -> (&[i32], &[i32], &[u8]) {
        (&self.offsets, &self.item_offsets, &self.items)
    }

    pub fn clear(&mut self) {
        self.offsets.truncate(1);
        self.items.clear();
        self.item_offsets.truncate(1);
        self.validity.clear();
    }

    /// The column as a list array; room for `rows` rows left.
    fn finish(&mut self, rows: usize) -> io::Result<ArrayRef> {
        let len = self.len();
        let nulls = self.validity.finish(len);
        let fresh = |v: &mut Vec<i32>, room| {
            let mut next = Vec::with_capacity(room);
            next.push(0);
            OffsetBuffer::new(ScalarBuffer::from(std::mem::replace(v, next)))
        };
        let offsets = fresh(&mut self.offsets, rows + 1);
        let item_offsets = fresh(&mut self.item_offsets, rows + 1);
        let text = Buffer::from_vec(std::mem::replace(
            &mut self.items,
            Vec::with_capacity(rows * 16),
        ));
        let items = StringArray::try_new(item_offsets, text, None).map_err(io::Error::other)?;
        let field = Arc::new(Field::new("item", DataType::Utf8, true));
        ListArray::try_new(field, offsets, Arc::new(items), nulls)
            .map(|a| Arc::new(a) as ArrayRef)
            .map_err(io::Error::other)
    }
}

/// One decision column being built in its Arrow type (Parquet output, and
/// stage mode's Arrow output). A value comes as the decision writer's CSV
/// text ([`TypedColumn::field`]) or, on stage mode's path, as the number
/// or flag that text stands for ([`TypedColumn::fixed`] …), which must
/// read as its text would.
pub enum TypedColumn {
    Text(TextColumn),
    /// Hundredths (`DECIMAL(18,2)`).
    Money(Values<i128>),
    Float(Values<f64>),
    Int(Values<i64>),
    Bool(Flags),
    List(ListColumn),
}

fn utf8<'a>(what: &str, field: &'a [u8]) -> io::Result<&'a str> {
    std::str::from_utf8(field).map_err(|_| bad(what, field))
}

impl TypedColumn {
    pub fn new(cell: Cell) -> TypedColumn {
        match cell {
            Cell::Id | Cell::Text => TypedColumn::Text(TextColumn::default()),
            Cell::Money => TypedColumn::Money(Values::default()),
            Cell::Float => TypedColumn::Float(Values::default()),
            Cell::Int => TypedColumn::Int(Values::default()),
            Cell::Bool => TypedColumn::Bool(Flags::default()),
            Cell::List => TypedColumn::List(ListColumn::default()),
        }
    }

    pub fn null(&mut self) {
        match self {
            TypedColumn::Text(b) => b.null(),
            TypedColumn::Money(b) => b.null(),
            TypedColumn::Float(b) => b.null(),
            TypedColumn::Int(b) => b.null(),
            TypedColumn::Bool(b) => b.null(),
            TypedColumn::List(b) => b.null(),
        }
    }

    /// `rows` nulls at once.
    pub fn nulls(&mut self, rows: usize) {
        match self {
            TypedColumn::Text(b) => b.nulls(rows),
            TypedColumn::Money(b) => b.nulls(rows),
            TypedColumn::Float(b) => b.nulls(rows),
            TypedColumn::Int(b) => b.nulls(rows),
            TypedColumn::Bool(b) => b.nulls(rows),
            TypedColumn::List(b) => b.nulls(rows),
        }
    }

    /// `rows` rows of the same CSV field ([`TypedColumn::field`]), a text
    /// column's in bulk.
    pub fn repeat(&mut self, field: &[u8], rows: usize) -> io::Result<()> {
        match self {
            TypedColumn::Text(b) => b.repeat(field, rows),
            other => (0..rows).try_for_each(|_| other.field(field)),
        }
    }

    /// A CSV field of the decisions, read in this column's type: empty is
    /// null (but an empty list), a list's items are joined by `;`.
    pub fn field(&mut self, field: &[u8]) -> io::Result<()> {
        if field.is_empty() {
            match self {
                TypedColumn::List(b) => b.close()?,
                other => other.null(),
            }
            return Ok(());
        }
        match self {
            // Checked as UTF-8 with the whole batch (`TextColumn::seal`).
            TypedColumn::Text(b) => b.field(field)?,
            TypedColumn::Money(b) => b.push(parse_money(field).ok_or_else(|| bad("money", field))?),
            TypedColumn::Float(b) => b.push(parse("a number", field)?),
            TypedColumn::Int(b) => b.push(parse("a whole number", field)?),
            TypedColumn::Bool(b) => b.push(field == b"true"),
            TypedColumn::List(b) => {
                for item in field.split(|&c| c == b';') {
                    b.item(utf8("an id", item)?);
                }
                b.close()?;
            }
        }
        Ok(())
    }

    /// A number the decision writer writes with `decimals` fraction digits,
    /// as `units` of `10^-decimals` (`numfmt::fixed_units`): the value its
    /// text reads as. False, with nothing added, when this column reads
    /// such text otherwise (the caller then gives the text).
    #[inline(always)]
    pub fn fixed(&mut self, units: i64, decimals: u32) -> bool {
        match self {
            TypedColumn::Money(b) if decimals <= 2 => {
                b.push(i128::from(units) * 10i128.pow(2 - decimals));
            }
            // Both exact below 2^53 (`fixed_units` stays under 9e15), so
            // the quotient is the double nearest the decimal, as parsing
            // its text gives.
            TypedColumn::Float(b) if decimals <= 6 => {
                const SCALE: [f64; 7] = [1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6];
                b.push(units as f64 / SCALE[decimals as usize]);
            }
            TypedColumn::Int(b) if decimals == 0 => b.push(units),
            _ => return false,
        }
        true
    }

    /// A whole number the decision writer writes as an integer.
    #[inline(always)]
    pub fn whole(&mut self, v: i64) -> bool {
        match self {
            TypedColumn::Int(b) => b.push(v),
            TypedColumn::Float(b) => b.push(v as f64),
            _ => return false,
        }
        true
    }

    /// A flag the decision writer writes as `true` or `false`.
    #[inline(always)]
    pub fn flag(&mut self, v: bool) -> bool {
        match self {
            TypedColumn::Bool(b) => b.push(v),
            _ => return false,
        }
        true
    }

    /// A list column, to add items to and then close the list; `None` for
    /// another column.
    #[inline]
    pub fn list(&mut self) -> Option<&mut ListColumn> {
        match self {
            TypedColumn::List(b) => Some(b),
            _ => None,
        }
    }

    /// A text column; `None` for another column.
    #[inline]
    pub fn text(&mut self) -> Option<&mut TextColumn> {
        match self {
            TypedColumn::Text(b) => Some(b),
            _ => None,
        }
    }

    /// The rows held.
    pub fn len(&self) -> usize {
        match self {
            TypedColumn::Text(b) => b.len(),
            TypedColumn::Money(b) => b.len(),
            TypedColumn::Float(b) => b.len(),
            TypedColumn::Int(b) => b.len(),
            TypedColumn::Bool(b) => b.len(),
            TypedColumn::List(b) => b.len(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Ready the rows held to be written as they are (a text column's
    /// text checked as UTF-8).
    pub fn seal(&mut self) -> io::Result<()> {
        match self {
            TypedColumn::Text(b) => b.seal(),
            _ => Ok(()),
        }
    }

    /// Drop the rows held, keeping the memory for the next batch.
    pub fn clear(&mut self) {
        match self {
            TypedColumn::Text(b) => b.clear(),
            TypedColumn::Money(b) => b.clear(),
            TypedColumn::Float(b) => b.clear(),
            TypedColumn::Int(b) => b.clear(),
            TypedColumn::Bool(b) => b.clear(),
            TypedColumn::List(b) => b.clear(),
        }
    }

    /// The column built so far, as an array; the column starts again with
    /// room for `rows` rows (the array keeps the memory).
    pub fn finish(&mut self, rows: usize) -> io::Result<ArrayRef> {
        Ok(match self {
            TypedColumn::Text(b) => b.finish(rows)?,
            TypedColumn::Money(b) => {
                let (values, nulls) = b.take(rows);
                Arc::new(
                    Decimal128Array::try_new(values, nulls)
                        .and_then(|a| a.with_precision_and_scale(18, 2))
                        .map_err(io::Error::other)?,
                )
            }
            TypedColumn::Float(b) => {
                let (values, nulls) = b.take(rows);
                Arc::new(Float64Array::try_new(values, nulls).map_err(io::Error::other)?)
            }
            TypedColumn::Int(b) => {
                let (values, nulls) = b.take(rows);
                Arc::new(Int64Array::try_new(values, nulls).map_err(io::Error::other)?)
            }
            TypedColumn::Bool(b) => {
                let len = std::mem::take(&mut b.len);
                let nulls = b.validity.finish(len);
                let bits = std::mem::replace(&mut b.bits, Vec::with_capacity(rows.div_ceil(8)));
                let values = BooleanBuffer::new(Buffer::from_vec(bits), 0, len);
                Arc::new(BooleanArray::new(values, nulls))
            }
            TypedColumn::List(b) => b.finish(rows)?,
        })
    }
}

#[cfg(test)]
mod tests {
    use flatbuffers::FlatBufferBuilder;

    use super::super::IpcMessage;
    use super::*;

    /// The record-batch message of `columns` (what stage mode writes).
    fn message(columns: &mut [TypedColumn]) -> Vec<u8> {
        for c in columns.iter_mut() {
            c.seal().unwrap();
        }
        let mut m = IpcMessage::new(columns[0].len(), columns.len());
        for c in columns.iter() {
            m.column(c);
        }
        let mut out = Vec::new();
        m.write(&mut FlatBufferBuilder::new(), &mut out);
        out
    }

    #[test]
    fn rows_added_in_bulk_are_rows_added_one_at_a_time() {
        let cells: [(Cell, &[u8]); 7] = [
            (Cell::Id, b"layak-default"),
            (Cell::Text, "é;x".as_bytes()),
            (Cell::Money, b"12.50"),
            (Cell::Float, b"0.25"),
            (Cell::Int, b"7"),
            (Cell::Bool, b"true"),
            (Cell::List, b"a;b"),
        ];
        let new =
            || -> Vec<TypedColumn> { cells.iter().map(|(c, _)| TypedColumn::new(*c)).collect() };
        let (mut bulk, mut single) = (new(), new());
        let mut seed = 7u32;
        let mut next = |n: u32| {
            seed = seed.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
            (seed >> 16) % n
        };
        // Runs of 0 to 19 rows, across the bitmaps' bytes; the first
        // batches without a null, or with one only late, then mixed; the
        // columns reused from batch to batch.
        for batch in 0..60 {
            for run in 0..next(8) {
                let rows = next(20) as usize;
                let null = match batch {
                    0..5 => false,
                    5..10 => run == 3,
                    _ => next(3) == 0,
                };
                for ((_, value), (b, s)) in cells.iter().zip(bulk.iter_mut().zip(&mut single)) {
                    if null {
                        b.nulls(rows);
                        (0..rows).for_each(|_| s.null());
                    } else {
                        b.repeat(value, rows).unwrap();
                        (0..rows).for_each(|_| s.field(value).unwrap());
                    }
                }
            }
            assert_eq!(message(&mut bulk), message(&mut single), "batch {batch}");
            for c in bulk.iter_mut().chain(&mut single) {
                c.clear();
            }
        }
    }

    #[test]
    fn rows_marked_valid_in_bulk_set_the_bits_one_at_a_time_sets() {
        for before in 0..20 {
            for nulls in 0..3 {
                for count in 0..20 {
                    let (mut bulk, mut single) = (Validity::default(), Validity::default());
                    for v in [&mut bulk, &mut single] {
                        (0..before).for_each(|r| v.valid(r));
                        v.nulls(before, nulls);
                    }
                    bulk.valids(before + nulls, count);
                    (0..count).for_each(|r| single.valid(before + nulls + r));
                    assert_eq!(bulk.bitmap(), single.bitmap(), "{before} {nulls} {count}");
                    assert_eq!(bulk.null_count(), single.null_count());
                }
            }
        }
    }
}
