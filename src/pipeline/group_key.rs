//! Reading a row's `--by` key for the summary. The summary (in `report`)
//! only says where the key comes from; reading cells is the input stage's
//! business, so it happens here, where both are at hand.
//!
//! A decided row's key comes from its parsed slots. A rejected row is
//! counted in a group only when its group cell reads as it would for a
//! decided row: the row has the header's number of fields (otherwise its
//! cells may sit under the wrong names: an unquoted delimiter in an address
//! shifts every later cell), and the cell is within `--max-field-bytes`,
//! present or defaulted, valid and in range for its input. Anything else is
//! counted in no group. Rejects are rare, so this path parses the one cell
//! again rather than trust slots that a failed parse left half filled.

use crate::input::{Fields, Layout, Reject, RejectCode, RowParser, cell};
use crate::policy::{Input, InputType, Policy};
use crate::report::summary::{BatchAcc, GroupKeySource, NO_GROUP, SummarySpec, sortable};

/// Write the `--by` key of a decided row into `out` (cleared first; left
/// empty without `--by`): text as read, other values as 8 bytes that sort in
/// numeric order.
#[inline]
pub(super) fn decided_key<R: Fields + ?Sized>(
    spec: &SummarySpec,
    parser: &RowParser<'_>,
    record: &R,
    slots: &[f64],
    out: &mut Vec<u8>,
) {
    out.clear();
    let Some(by) = spec.by() else {
        return;
    };
    match by.source() {
        GroupKeySource::Text(i) => out.extend_from_slice(parser.text(record, i)),
        GroupKeySource::Column(c) => {
            out.extend_from_slice(record.get(c).map_or(&b""[..], cell::trim));
        }
        GroupKeySource::Value(i) => {
            out.extend_from_slice(&sortable(slots.get(i).copied().unwrap_or(f64::NAN)));
        }
    }
}

/// Write the key of a row rejected with `code` into `out` (cleared first),
/// as [`decided_key`] would have; false when the row belongs to no group.
#[cold]
fn rejected_key<R: Fields + ?Sized>(
    source: GroupKeySource,
    policy: &Policy,
    layout: &Layout,
    record: &R,
    code: RejectCode,
    out: &mut Vec<u8>,
) -> bool {
    out.clear();
    if code == RejectCode::FieldCount || record.len() != layout.field_count {
        return false;
    }
    let within_limit = |raw: &[u8]| raw.len() <= layout.max_field_bytes;
    match source {
        GroupKeySource::Column(c) => match record.get(c) {
            Some(raw) if within_limit(raw) => {
                out.extend_from_slice(cell::trim(raw));
                true
            }
            _ => false,
        },
        GroupKeySource::Text(i) | GroupKeySource::Value(i) => {
            let Some(input) = policy.inputs.get(i) else {
                return false;
            };
            let column = layout.columns.get(i).copied().flatten();
            let raw = column.and_then(|c| record.get(c)).unwrap_or_default();
            if !within_limit(raw) {
                return false;
            }
            let raw = cell::trim(raw);
            let Some(value) = input_value(policy, input, raw) else {
                return false;
            };
            match source {
                GroupKeySource::Value(_) => out.extend_from_slice(&sortable(value)),
                _ if raw.is_empty() => out.extend_from_slice(input.default_text.as_bytes()),
                _ => out.extend_from_slice(raw),
            }
            true
        }
    }
}

/// The value `input` takes from its trimmed cell `raw`, as the row parser
/// reads it (its default when empty and optional); `None` when the parser
/// would reject the cell. (The parser's own per-cell reading is private to
/// `input`; this mirrors it with the same public cell functions.)
fn input_value(policy: &Policy, input: &Input, raw: &[u8]) -> Option<f64> {
    if raw.is_empty() {
        return (!input.required).then_some(input.default);
    }
    let parsed = match input.ty {
        InputType::Id | InputType::Text => cell::check_text(raw),
        InputType::Integer => cell::parse_integer(raw),
        InputType::Number | InputType::Money => cell::parse_number(raw),
        InputType::Bool => cell::parse_bool(raw),
        InputType::Enum(e) => {
            let values = policy.enums.get(usize::from(e))?;
            cell::parse_enum(raw, &values.values)
        }
    };
    let v = parsed.ok()?;
    let (min, max) = (
        input.min.unwrap_or(f64::NEG_INFINITY),
        input.max.unwrap_or(f64::INFINITY),
    );
    (v.is_finite() && v >= min && v <= max).then_some(v)
}

/// The group of a row rejected for `reject`, counted in the batch's
/// summary `acc` (its key read into `key`), or [`NO_GROUP`].
#[cold]
pub(super) fn rejected_group<R: Fields + ?Sized>(
    spec: &SummarySpec,
    parser: &RowParser<'_>,
    policy: &Policy,
    record: &R,
    reject: &Reject,
    key: &mut Vec<u8>,
    acc: &mut BatchAcc,
) -> u32 {
    let Some(by) = spec.by() else {
        return NO_GROUP;
    };
    if rejected_key(
        by.source(),
        policy,
        parser.layout(),
        record,
        reject.code,
        key,
    ) {
        acc.group(spec, key)
    } else {
        NO_GROUP
    }
}
