//! A record batch's columns written out as cells: strings as they are,
//! numbers as the shortest exact decimal, decimals with every digit.

use super::*;

/// Append the cells of `array` to `col`; `values` is scratch for a
/// dictionary's values. An array of a type layak does not read is an error
/// (such columns are not decoded).
pub(super) fn render(array: &dyn Array, col: &mut Col, values: &mut Col) -> Result<(), String> {
    use DataType as T;
    match array.data_type() {
        T::Utf8 => bytes_array(array.as_bytes_opt::<Utf8Type>(), col),
        T::LargeUtf8 => bytes_array(array.as_bytes_opt::<LargeUtf8Type>(), col),
        T::Binary => bytes_array(array.as_bytes_opt::<BinaryType>(), col),
        T::LargeBinary => bytes_array(array.as_bytes_opt::<LargeBinaryType>(), col),
        T::Utf8View => {
            let a = array.as_string_view_opt().ok_or("not a string view")?;
            for i in 0..a.len() {
                col.push(if a.is_null(i) {
                    b""
                } else {
                    a.value(i).as_bytes()
                });
            }
        }
        T::BinaryView => {
            let a = array.as_binary_view_opt().ok_or("not a binary view")?;
            for i in 0..a.len() {
                col.push(if a.is_null(i) { b"" } else { a.value(i) });
            }
        }
        T::Int8 => integers::<Int8Type>(array, col)?,
        T::Int16 => integers::<Int16Type>(array, col)?,
        T::Int32 => integers::<Int32Type>(array, col)?,
        T::Int64 => integers::<Int64Type>(array, col)?,
        T::UInt8 => integers::<UInt8Type>(array, col)?,
        T::UInt16 => integers::<UInt16Type>(array, col)?,
        T::UInt32 => integers::<UInt32Type>(array, col)?,
        T::UInt64 => integers::<UInt64Type>(array, col)?,
        T::Float16 => floats::<Float16Type>(array, col, |v| v.to_f32())?,
        T::Float32 => floats::<Float32Type>(array, col, |v| v)?,
        T::Float64 => {
            let a = array
                .as_primitive_opt::<Float64Type>()
                .ok_or("not a float column")?;
            for i in 0..a.len() {
                if a.is_valid(i) {
                    write_f64(a.value(i), &mut col.bytes);
                }
                col.end_cell();
            }
        }
        T::Decimal32(_, scale) => decimals::<Decimal32Type>(array, col, *scale, i128::from)?,
        T::Decimal64(_, scale) => decimals::<Decimal64Type>(array, col, *scale, i128::from)?,
        T::Decimal128(_, scale) => decimals::<Decimal128Type>(array, col, *scale, |v| v)?,
        T::Decimal256(_, scale) => {
            let a = array
                .as_primitive_opt::<Decimal256Type>()
                .ok_or("not a decimal column")?;
            let mut text = String::new();
            for i in 0..a.len() {
                if a.is_valid(i) {
                    use std::fmt::Write as _;
                    text.clear();
                    let _ = write!(text, "{}", a.value(i));
                    let (negative, digits) = match text.strip_prefix('-') {
                        Some(d) => (true, d),
                        None => (false, text.as_str()),
                    };
                    write_scaled(negative, digits.as_bytes(), *scale, &mut col.bytes);
                }
                col.end_cell();
            }
        }
        T::Boolean => {
            let a = array.as_boolean_opt().ok_or("not a boolean column")?;
            for i in 0..a.len() {
                col.push(match (a.is_valid(i), a.value(i)) {
                    (false, _) => b"",
                    (true, true) => b"true",
                    (true, false) => b"false",
                });
            }
        }
        T::Date32 => {
            let a = array
                .as_primitive_opt::<Date32Type>()
                .ok_or("not a date column")?;
            for i in 0..a.len() {
                if a.is_valid(i) {
                    crate::expr::dates::write_iso(f64::from(a.value(i)), &mut col.bytes);
                }
                col.end_cell();
            }
        }
        T::Date64 => {
            let a = array
                .as_primitive_opt::<Date64Type>()
                .ok_or("not a date column")?;
            for i in 0..a.len() {
                if a.is_valid(i) {
                    // Milliseconds since 1970-01-01; a time of day is dropped.
                    let days = a.value(i).div_euclid(86_400_000);
                    crate::expr::dates::write_iso(days as f64, &mut col.bytes);
                }
                col.end_cell();
            }
        }
        T::Null => {
            for _ in 0..array.len() {
                col.end_cell();
            }
        }
        T::Dictionary(..) => {
            let a = array.as_any_dictionary_opt().ok_or("not a dictionary")?;
            let mut scratch = Col::default();
            values.start();
            render(a.values().as_ref(), values, &mut scratch)?;
            let keys = a.normalized_keys();
            for (i, &k) in keys.iter().enumerate() {
                if a.keys().is_valid(i) {
                    col.push(values.cell(k));
                } else {
                    col.end_cell();
                }
            }
        }
        other => return Err(format!("a column of type {other} cannot be read")),
    }
    Ok(())
}

/// Strings or bytes with offsets: copied whole when there is no null.
pub(super) fn bytes_array<T: arrow_array::types::ByteArrayType>(
    array: Option<&GenericByteArray<T>>,
    col: &mut Col,
) where
    T::Offset: Into<i64>,
{
    let Some(a) = array else { return };
    let offsets = a.value_offsets();
    let data = a.value_data();
    let at = |i: usize| {
        offsets
            .get(i)
            .map_or(0, |&o| usize::try_from(o.into()).unwrap_or(0))
    };
    if a.null_count() == 0 {
        let (first, last) = (at(0), at(a.len()));
        let base = col.bytes.len();
        col.bytes
            .extend_from_slice(data.get(first..last).unwrap_or_default());
        for i in 1..=a.len() {
            col.ends.push(base + at(i).saturating_sub(first));
        }
        return;
    }
    for i in 0..a.len() {
        if a.is_valid(i) {
            col.push(data.get(at(i)..at(i + 1)).unwrap_or_default());
        } else {
            col.end_cell();
        }
    }
}

pub(super) fn integers<T: ArrowPrimitiveType>(
    array: &dyn Array,
    col: &mut Col,
) -> Result<(), String>
where
    T::Native: itoa::Integer,
{
    let a = array
        .as_primitive_opt::<T>()
        .ok_or("not an integer column")?;
    let mut text = itoa::Buffer::new();
    for i in 0..a.len() {
        if a.is_valid(i) {
            col.bytes
                .extend_from_slice(text.format(a.value(i)).as_bytes());
        }
        col.end_cell();
    }
    Ok(())
}

pub(super) fn floats<T: ArrowPrimitiveType>(
    array: &dyn Array,
    col: &mut Col,
    to_f32: impl Fn(T::Native) -> f32,
) -> Result<(), String> {
    let a = array.as_primitive_opt::<T>().ok_or("not a float column")?;
    for i in 0..a.len() {
        if a.is_valid(i) {
            write_f32(to_f32(a.value(i)), &mut col.bytes);
        }
        col.end_cell();
    }
    Ok(())
}

pub(super) fn decimals<T: ArrowPrimitiveType>(
    array: &dyn Array,
    col: &mut Col,
    scale: i8,
    to_i128: impl Fn(T::Native) -> i128,
) -> Result<(), String> {
    let a = array
        .as_primitive_opt::<T>()
        .ok_or("not a decimal column")?;
    let mut text = itoa::Buffer::new();
    for i in 0..a.len() {
        if a.is_valid(i) {
            let v = to_i128(a.value(i));
            let digits = text.format(v.unsigned_abs());
            write_scaled(v < 0, digits.as_bytes(), scale, &mut col.bytes);
        }
        col.end_cell();
    }
    Ok(())
}

/// A decimal's exact text: `digits` (no sign) times 10^-`scale`, every
/// fraction digit the scale gives kept (`150050` at scale 2 is `1500.50`).
pub(super) fn write_scaled(negative: bool, digits: &[u8], scale: i8, out: &mut Vec<u8>) {
    let zero = digits.iter().all(|&d| d == b'0');
    if negative && !zero {
        out.push(b'-');
    }
    if scale <= 0 {
        out.extend_from_slice(digits);
        if !zero {
            out.extend(std::iter::repeat_n(b'0', usize::from(scale.unsigned_abs())));
        }
        return;
    }
    let scale = usize::from(scale.unsigned_abs());
    if digits.len() > scale {
        let (int, frac) = digits.split_at(digits.len() - scale);
        out.extend_from_slice(int);
        out.push(b'.');
        out.extend_from_slice(frac);
    } else {
        out.extend_from_slice(b"0.");
        out.extend(std::iter::repeat_n(b'0', scale - digits.len()));
        out.extend_from_slice(digits);
    }
}

/// A float as the shortest decimal text that reads back as the same float,
/// without an exponent (`0.1`, `1500000.5`, `2` for 2.0, `1e20` written
/// out); not-a-number and infinities as `NaN`, `inf`, `-inf` (which no
/// input accepts).
pub(super) fn write_f64(v: f64, out: &mut Vec<u8>) {
    if !v.is_finite() {
        out.extend_from_slice(non_finite(v));
    } else if v == v.trunc() && v.abs() < 9_007_199_254_740_992.0 {
        out.extend_from_slice(itoa::Buffer::new().format(v as i64).as_bytes());
    } else {
        write_plain(ryu::Buffer::new().format_finite(v), out);
    }
}

/// [`write_f64`] for a 32-bit float: its own shortest text (`0.1`, not
/// `0.10000000149011612`).
pub(super) fn write_f32(v: f32, out: &mut Vec<u8>) {
    if !v.is_finite() {
        out.extend_from_slice(non_finite(f64::from(v)));
    } else if v == v.trunc() && v.abs() < 16_777_216.0 {
        out.extend_from_slice(itoa::Buffer::new().format(v as i64).as_bytes());
    } else {
        write_plain(ryu::Buffer::new().format_finite(v), out);
    }
}

pub(super) fn non_finite(v: f64) -> &'static [u8] {
    if v.is_nan() {
        b"NaN"
    } else if v > 0.0 {
        b"inf"
    } else {
        b"-inf"
    }
}

/// `ryu`'s text (`1.5`, `1e20`, `1.5e-7`) written out without an exponent.
pub(super) fn write_plain(text: &str, out: &mut Vec<u8>) {
    let (negative, text) = match text.strip_prefix('-') {
        Some(t) => (true, t),
        None => (false, text),
    };
    let (mantissa, exponent) = match text.split_once(['e', 'E']) {
        Some((m, e)) => (m, e.parse::<i64>().unwrap_or(0)),
        None => (text, 0),
    };
    let (int, frac) = mantissa.split_once('.').unwrap_or((mantissa, ""));
    let mut digits: Vec<u8> = int.bytes().chain(frac.bytes()).collect();
    let mut point = int.len() as i64 + exponent;
    while digits.first() == Some(&b'0') && digits.len() > 1 {
        digits.remove(0);
        point -= 1;
    }
    while digits.last() == Some(&b'0') && (digits.len() as i64) > point.max(1) {
        digits.pop();
    }
    if negative {
        out.push(b'-');
    }
    if point <= 0 {
        out.extend_from_slice(b"0.");
        out.extend(std::iter::repeat_n(b'0', point.unsigned_abs() as usize));
        out.extend_from_slice(&digits);
    } else if point as usize >= digits.len() {
        out.extend_from_slice(&digits);
        out.extend(std::iter::repeat_n(b'0', point as usize - digits.len()));
    } else {
        let (a, b) = digits.split_at(point as usize);
        out.extend_from_slice(a);
        out.push(b'.');
        out.extend_from_slice(b);
    }
}
