//! Typed columns read straight into the slots of the inputs that read
//! them (no text in between), when the values are certain to be accepted.

use super::*;

/// A bound on the text of a value read straight into a slot (a whole
/// number below 10^15, or a float of at most 17 significant digits at or
/// above 10^-6, written out): layouts whose cell limit is below it read
/// every column as text.
pub(super) const DIRECT_TEXT_BYTES: usize = 32;

/// How a typed column's values go straight into the slot of the one input
/// that reads it, with no text in between: the value the input's parser
/// would read from the text the column is otherwise rendered as
/// ([`render()`]), when that is certain to be accepted (whole, in range). A
/// column of a record batch with any other value (a fraction for an
/// integer input, a value out of range, a 2 for a yes/no input …) is
/// rendered as text instead, and its rows rejected exactly as from CSV.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) struct Direct {
    /// Integer, Number or Bool.
    pub(super) wants: Wants,
    pub(super) min: f64,
    pub(super) max: f64,
}

/// Per header column, the input that reads it when exactly one input
/// does, and that input is not the household id (nor is the column a part
/// of it, or the weight); `None` for every other column. Such a column's
/// cells may be read as values ([`Fields::typed`]) instead of text, since
/// no other reader needs their value.
pub(super) fn single_inputs(
    policy: &Policy,
    layout: &Layout,
    width: usize,
) -> Arc<[Option<usize>]> {
    let mut readers = vec![0usize; width];
    for &c in layout.columns.iter().flatten().chain(&layout.id_parts) {
        if let Some(n) = readers.get_mut(c) {
            *n += 1;
        }
    }
    if let Some(w) = &layout.weight {
        if let Some(n) = readers.get_mut(w.index) {
            *n += 1;
        }
    }
    let mut inputs: Vec<Option<usize>> = vec![None; width];
    for (i, column) in layout.columns.iter().enumerate() {
        let Some(c) = *column else { continue };
        if i == policy.fields.id_input || readers.get(c) != Some(&1) {
            continue;
        }
        if let Some(slot) = inputs.get_mut(c) {
            *slot = Some(i);
        }
    }
    inputs.into()
}

/// Per header column, the [`Direct`] reading of a column read by exactly
/// one integer, number, money or yes/no input without profile settings,
/// which is neither the id (or a part of it) nor the weight; `None` for
/// every other column.
pub(super) fn direct_columns(
    policy: &Policy,
    layout: &Layout,
    inputs: &[Option<usize>],
) -> Arc<[Option<Direct>]> {
    let mut direct: Vec<Option<Direct>> = vec![None; inputs.len()];
    if layout.max_field_bytes < DIRECT_TEXT_BYTES {
        return direct.into();
    }
    for (d, &i) in direct.iter_mut().zip(inputs) {
        let Some(input) = i.and_then(|i| policy.inputs.get(i)) else {
            continue;
        };
        let plain = i
            .and_then(|i| layout.cell_rules.get(i))
            .is_none_or(Option::is_none);
        let wants = Wants::of(input.ty);
        if !plain || !matches!(wants, Wants::Integer | Wants::Number | Wants::Bool) {
            continue;
        }
        *d = Some(Direct {
            wants,
            min: input.min.unwrap_or(f64::NEG_INFINITY),
            max: input.max.unwrap_or(f64::INFINITY),
        });
    }
    direct.into()
}

/// Below this, an integer's text has at most 15 digits, which the
/// parsers read exactly.
pub(super) const EXACT: f64 = 1e15;

impl Direct {
    /// The value of an integer `v` for this input, or `None` when its text
    /// must be parsed instead.
    #[inline]
    pub(super) fn integer(self, v: i128) -> Option<f64> {
        if v.unsigned_abs() >= 1_000_000_000_000_000 {
            return None;
        }
        let x = v as i64 as f64;
        match self.wants {
            Wants::Bool if v != 0 && v != 1 => None,
            _ => self.in_range(x),
        }
    }

    /// The value of a 64-bit float `v` for this input, or `None`.
    #[inline]
    pub(super) fn float(self, v: f64) -> Option<f64> {
        if !v.is_finite() || v.abs() >= EXACT {
            return None;
        }
        match self.wants {
            // The text of a whole float is its integer (`3`, `0` for -0.0).
            Wants::Integer if v == v.trunc() => self.in_range(v as i64 as f64),
            Wants::Number if v == v.trunc() => self.in_range(v as i64 as f64),
            // The shortest text that reads back as `v`, which the number
            // parser reads back as `v`: no longer than DIRECT_TEXT_BYTES
            // from 10^-6 up.
            Wants::Number if v.abs() >= 1e-6 => self.in_range(v),
            _ => None,
        }
    }

    #[inline]
    pub(super) fn boolean(self, v: bool) -> Option<f64> {
        match self.wants {
            Wants::Bool => self.in_range(if v { 1.0 } else { 0.0 }),
            _ => None,
        }
    }

    #[inline]
    pub(super) fn in_range(self, x: f64) -> Option<f64> {
        (x >= self.min && x <= self.max && x.is_finite()).then_some(x)
    }
}

/// The values of a primitive column through `value`, NaN for a null; `None`
/// as soon as one non-null value has no direct reading.
pub(super) fn direct_values<T: ArrowPrimitiveType>(
    array: &dyn Array,
    out: &mut Vec<f64>,
    value: impl Fn(T::Native) -> Option<f64>,
) -> Option<()> {
    let a = array.as_primitive_opt::<T>()?;
    out.clear();
    out.reserve(a.len());
    if a.null_count() == 0 {
        for &v in a.values().iter() {
            out.push(value(v)?);
        }
    } else {
        let nulls = a.nulls()?;
        for (&v, valid) in a.values().iter().zip(nulls.iter()) {
            out.push(if valid { value(v)? } else { f64::NAN });
        }
    }
    Some(())
}
