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

use crate::input::{Fields, Reject, RejectCode, RowParser, cell};
use crate::policy::Policy;
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
    parser: &RowParser<'_>,
    record: &R,
    code: RejectCode,
    out: &mut Vec<u8>,
) -> bool {
    out.clear();
    let layout = parser.layout();
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
            let Some(value) = parser.input_value(i, raw) else {
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
    if rejected_key(by.source(), policy, parser, record, reject.code, key) {
        acc.group(spec, key)
    } else {
        NO_GROUP
    }
}
