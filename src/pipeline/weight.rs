//! The `weight` field of each decision (`--weight`): the household's survey
//! weight as it was used (scaled, exact, nine decimal places at most).
//!
//! In CSV it is a column after `policy_hash` and before `funded` and `rank`
//! (which stay the last two columns with `--budget`); in JSON and NDJSON a
//! number field in the same place.

use crate::input::write_weight;
use crate::report::Format;

/// The CSV header's columns after the writer's: `weight` (with weights),
/// then `funded` and `rank` (with a ranking). `head` ends with the
/// writer's newline.
pub(super) fn extend_csv_header(head: &mut Vec<u8>, weight: bool, ranking: bool) {
    if !weight && !ranking {
        return;
    }
    debug_assert_eq!(head.last(), Some(&b'\n'));
    head.pop();
    if weight {
        head.extend_from_slice(b",weight");
    }
    if ranking {
        head.extend_from_slice(b",funded,rank");
    }
    head.push(b'\n');
}

/// Add the `weight` field at the end of a decision just written.
pub(super) fn append_weight(format: Format, out: &mut Vec<u8>, units: u64) {
    match format {
        Format::Csv => {
            debug_assert_eq!(out.last(), Some(&b'\n'));
            out.pop();
            out.push(b',');
            write_weight(units, out);
            out.push(b'\n');
        }
        Format::Json | Format::Ndjson => {
            let newline = format == Format::Ndjson;
            if newline {
                debug_assert_eq!(out.last(), Some(&b'\n'));
                out.pop();
            }
            debug_assert_eq!(out.last(), Some(&b'}'));
            out.pop();
            out.extend_from_slice(b",\"weight\":");
            write_weight(units, out);
            out.push(b'}');
            if newline {
                out.push(b'\n');
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_weight_comes_before_the_budget_columns() {
        let mut head = b"household_id,policy_hash\n".to_vec();
        extend_csv_header(&mut head, true, true);
        assert_eq!(head, b"household_id,policy_hash,weight,funded,rank\n");
        let mut head = b"a\n".to_vec();
        extend_csv_header(&mut head, false, false);
        assert_eq!(head, b"a\n");
        let mut row = b"H1,x\n".to_vec();
        append_weight(Format::Csv, &mut row, 123_450_000_000);
        assert_eq!(row, b"H1,x,123.45\n");
        let mut obj = b"{\"a\":1}\n".to_vec();
        append_weight(Format::Ndjson, &mut obj, 2_000_000_000);
        assert_eq!(obj, b"{\"a\":1,\"weight\":2}\n");
    }
}
