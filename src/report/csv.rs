//! Flat CSV decisions: one row per household, columns in [`super::CSV_COLUMNS`] order.
//!
//! Lists are joined with `;` (ids) or ` | ` (reasons); booleans are
//! `true`/`false`; `per_capita_income` and `poverty_line` have two decimals,
//! `deprivation_score` four, `priority` one (all rounded half up with a 1e-9
//! nudge); money totals are whole units. Fields a policy does not provide are
//! empty. Text copied from the input is neutralised against spreadsheet
//! formula injection (see [`write_csv_text`]).

use super::{Decision, DecisionWriter, RowFacts};
use crate::engine::{Scratch, Status};
use crate::numfmt;

/// Write `bytes` as one CSV field, quoting when it holds `,` `"` or a line break.
pub fn write_csv_field(bytes: &[u8], out: &mut Vec<u8>) {
    let needs_quotes = bytes
        .iter()
        .any(|&b| matches!(b, b',' | b'"' | b'\n' | b'\r'));
    if !needs_quotes {
        out.extend_from_slice(bytes);
        return;
    }
    out.push(b'"');
    for &b in bytes {
        if b == b'"' {
            out.push(b'"');
        }
        out.push(b);
    }
    out.push(b'"');
}

/// Write text that came from the input: a cell starting with `=`, `+`, `-`,
/// `@`, tab or carriage return is prefixed with `'` so that a spreadsheet
/// shows it as text instead of running it as a formula.
///
/// ```
/// let mut out = Vec::new();
/// layak::report::write_csv_text(b"=HYPERLINK(\"x\")", &mut out);
/// assert_eq!(out, b"\"'=HYPERLINK(\"\"x\"\")\"");
/// ```
pub fn write_csv_text(bytes: &[u8], out: &mut Vec<u8>) {
    if matches!(
        bytes.first(),
        Some(b'=' | b'+' | b'-' | b'@' | b'\t' | b'\r')
    ) {
        let mut prefixed = Vec::with_capacity(bytes.len() + 1);
        prefixed.push(b'\'');
        prefixed.extend_from_slice(bytes);
        write_csv_field(&prefixed, out);
    } else {
        write_csv_field(bytes, out);
    }
}

fn bool_word(v: bool) -> &'static [u8] {
    if v { b"true" } else { b"false" }
}

impl DecisionWriter<'_> {
    pub(super) fn csv_row(&mut self, d: &mut Decision<'_>, out: &mut Vec<u8>) {
        let s = &mut *d.scratch;
        write_csv_text(d.household_id, out);
        out.push(b',');
        write_csv_text(d.region, out);
        out.push(b',');
        let facts = self.csv_measures(s, out);
        self.csv_programs(s, out);
        self.csv_totals(s, out);
        self.csv_reasons(s, &facts, out);
    }

    /// The cells from `income_status` to `track`, each followed by `,`.
    #[inline(always)]
    fn csv_measures(&self, s: &Scratch, out: &mut Vec<u8>) -> RowFacts {
        let p = self.policy;
        if let Some(st) = self.income_status(s) {
            out.extend_from_slice(st.as_bytes());
        }
        out.push(b',');
        if let Some(slot) = p.fields.per_capita_income {
            numfmt::write_fixed(s.slots[slot], 2, out);
        }
        out.push(b',');
        if let Some(slot) = p.fields.poverty_line {
            numfmt::write_fixed(s.slots[slot], 2, out);
        }
        out.push(b',');
        let mut facts = RowFacts::default();
        if let Some(dep) = &p.deprivation {
            // Written once; the deprivation reason copies it.
            let start = out.len();
            numfmt::write_fixed(s.slots[dep.score_slot], 4, out);
            facts.score = Some(start..out.len());
        }
        out.push(b',');
        if let Some(st) = self.deprivation_status(s) {
            out.extend_from_slice(st.as_bytes());
        }
        out.push(b',');
        let mut first = true;
        self.each_deprived(&s.slots, |_, ind| {
            if !first {
                out.push(b';');
            }
            first = false;
            out.extend_from_slice(ind.id.as_bytes());
        });
        out.push(b',');
        if let Some(slot) = p.fields.emergency {
            out.extend_from_slice(bool_word(s.slots[slot] != 0.0));
        }
        out.push(b',');
        if let Some(slot) = p.fields.labour_capacity {
            out.extend_from_slice(bool_word(s.slots[slot] != 0.0));
        }
        out.push(b',');
        if let Some(t) = p.tracks.get(s.track) {
            out.extend_from_slice(t.id.as_bytes());
        }
        out.push(b',');
        facts
    }

    /// The `granted` and `deferred` cells: program ids joined with `;`,
    /// each cell followed by `,`.
    #[inline(always)]
    fn csv_programs(&self, s: &Scratch, out: &mut Vec<u8>) {
        for wanted in [Status::Granted, Status::Deferred] {
            let mut first = true;
            for (prog, o) in self.policy.programs.iter().zip(&s.programs) {
                if o.status == wanted {
                    if !first {
                        out.push(b';');
                    }
                    first = false;
                    out.extend_from_slice(prog.id.as_bytes());
                }
            }
            out.push(b',');
        }
    }

    /// The cells from `monthly_total` to `priority`, each followed by `,`.
    #[inline(always)]
    fn csv_totals(&self, s: &Scratch, out: &mut Vec<u8>) {
        numfmt::write_whole(s.monthly_total, out);
        out.push(b',');
        numfmt::write_whole(s.one_off_total, out);
        out.push(b',');
        out.extend_from_slice(bool_word(s.capped));
        out.push(b',');
        numfmt::write_int(i64::from(s.review_after_months), out);
        out.push(b',');
        numfmt::write_fixed(s.priority, 1, out);
        out.push(b',');
    }

    /// The quoted `reasons` cell and the policy cells that end the row.
    #[inline(always)]
    fn csv_reasons(&mut self, s: &mut Scratch, facts: &RowFacts, out: &mut Vec<u8>) {
        // Reasons almost always hold a comma (thousands separators), so the
        // cell is always quoted and rendered in place; only a `"` inside
        // (rare) needs a second pass.
        out.push(b'"');
        let start = out.len();
        self.reasons(s, facts, out);
        if self.reasons_may_quote && out[start..].contains(&b'"') {
            let mut cell = std::mem::take(&mut self.cell);
            cell.clear();
            cell.extend_from_slice(&out[start..]);
            out.truncate(start);
            for &b in &cell {
                if b == b'"' {
                    out.push(b'"');
                }
                out.push(b);
            }
            self.cell = cell;
        }
        // Closing quote, policy id, version and hash, newline.
        out.extend_from_slice(&self.plan.csv_tail);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn field(b: &[u8]) -> String {
        let mut out = Vec::new();
        write_csv_field(b, &mut out);
        String::from_utf8(out).unwrap()
    }

    fn text(b: &[u8]) -> String {
        let mut out = Vec::new();
        write_csv_text(b, &mut out);
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn quotes_only_when_needed() {
        assert_eq!(field(b"plain"), "plain");
        assert_eq!(field(b"a,b"), "\"a,b\"");
        assert_eq!(field(b"say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(field(b"two\nlines"), "\"two\nlines\"");
    }

    #[test]
    fn neutralises_formulas() {
        assert_eq!(text(b"@SUM(A1)"), "'@SUM(A1)");
        assert_eq!(text(b"+62"), "'+62");
        assert_eq!(text(b"-1"), "'-1");
        assert_eq!(text(b"\tx"), "'\tx");
        assert_eq!(text(b"=1,2"), "\"'=1,2\"");
        assert_eq!(text(b"H001"), "H001");
        assert_eq!(text(b""), "");
    }
}
