//! JSON and NDJSON decisions.
//!
//! ## Wire format
//!
//! Each decision is one object with these fields, in this order:
//!
//! | field | type | meaning |
//! |---|---|---|
//! | `household_id`, `region` | string | as read (trimmed), never neutralised |
//! | `income_status` | string or null | e.g. `poor`, `near_poor`, `not_poor` |
//! | `per_capita_income` | number or null | two decimals |
//! | `poverty_line` | number or null | |
//! | `deprivation_score` | number or null | in [0, 1], full precision |
//! | `deprivation_status` | string or null | `none`, `vulnerable`, `poor`, `severe` |
//! | `deprived` | array of strings | indicator ids in declared order |
//! | `emergency`, `labour_capacity` | bool or null | |
//! | `track` | string | the first track rule that holds |
//! | `programs` | array of objects | granted and deferred programs in declared order: `id`, `kind`, `provider`, `status` (`granted`/`deferred`), `amount` (whole units, after the cap), `period` (`month`/`one-off`), `duration_months` (number or null), `starts_after_months` (number or null), `review_months`, `capped_from` (amount before the cap, or null), `reason` |
//! | `deferred` | array of strings | ids of the deferred programs |
//! | `monthly_total`, `one_off_total` | number | whole units; granted programs only |
//! | `capped` | bool | the cap reduced some program |
//! | `review_after_months` | number | smallest review interval of the granted programs |
//! | `priority` | number | one decimal |
//! | `reasons` | array of strings | sentences for a person |
//! | `policy_id`, `policy_version`, `policy_hash` | string | the policy that decided |
//!
//! `json` writes one array of these objects; `ndjson` one object per line.

use super::{Decision, DecisionWriter, RowFacts};
use crate::engine::Status;
use crate::numfmt;

/// Write `bytes` (UTF-8) as a JSON string with the required escapes.
///
/// ```
/// let mut out = Vec::new();
/// layak::report::write_json_str(b"a\"b\n", &mut out);
/// assert_eq!(out, b"\"a\\\"b\\n\"");
/// ```
#[inline]
pub fn write_json_str(bytes: &[u8], out: &mut Vec<u8>) {
    out.reserve(bytes.len() + 2);
    out.push(b'"');
    let mut start = 0;
    loop {
        let i = start + plain_len(&bytes[start..]);
        out.extend_from_slice(&bytes[start..i]);
        let Some(&b) = bytes.get(i) else { break };
        write_escape(b, out);
        start = i + 1;
    }
    out.push(b'"');
}

/// The escape of a byte that JSON strings cannot hold as is.
#[cold]
fn write_escape(b: u8, out: &mut Vec<u8>) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    match b {
        b'"' => out.extend_from_slice(b"\\\""),
        b'\\' => out.extend_from_slice(b"\\\\"),
        b'\n' => out.extend_from_slice(b"\\n"),
        b'\r' => out.extend_from_slice(b"\\r"),
        b'\t' => out.extend_from_slice(b"\\t"),
        _ => out.extend_from_slice(&[
            b'\\',
            b'u',
            b'0',
            b'0',
            HEX[usize::from(b >> 4)],
            HEX[usize::from(b & 0xf)],
        ]),
    }
}

/// Whether a byte must be escaped in a JSON string.
fn needs_escape(b: u8) -> bool {
    b < 0x20 || b == b'"' || b == b'\\'
}

/// The number of leading bytes of `bytes` that need no escape, found eight
/// at a time.
#[inline]
fn plain_len(bytes: &[u8]) -> usize {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    // The high bit of each byte that is below 0x20, `"` or `\`. A borrow can
    // only set bits above a byte that is flagged rightly, so the lowest one
    // is exact.
    let flags = |w: u64| {
        let quote = w ^ (ONES * u64::from(b'"'));
        let backslash = w ^ (ONES * u64::from(b'\\'));
        ((w.wrapping_sub(ONES * 0x20))
            | (quote.wrapping_sub(ONES) & !quote)
            | (backslash.wrapping_sub(ONES) & !backslash))
            & !w
            & HIGH
    };
    let mut chunks = bytes.chunks_exact(8);
    let mut done = 0;
    for chunk in &mut chunks {
        let w = u64::from_le_bytes(chunk.try_into().expect("eight bytes"));
        let f = flags(w);
        if f != 0 {
            return done + (f.trailing_zeros() / 8) as usize;
        }
        done += 8;
    }
    let rest = chunks.remainder();
    done + rest
        .iter()
        .position(|&b| needs_escape(b))
        .unwrap_or(rest.len())
}

fn key(name: &str, out: &mut Vec<u8>) {
    out.push(b'"');
    out.extend_from_slice(name.as_bytes());
    out.extend_from_slice(b"\":");
}

fn bool_or_null(v: Option<bool>, out: &mut Vec<u8>) {
    out.extend_from_slice(match v {
        Some(true) => b"true",
        Some(false) => b"false",
        None => b"null",
    });
}

fn opt_num(v: Option<f64>, out: &mut Vec<u8>) {
    match v {
        Some(x) => numfmt::write_shortest(x, out),
        None => out.extend_from_slice(b"null"),
    }
}

impl DecisionWriter<'_> {
    pub(super) fn json_object(&mut self, d: &mut Decision<'_>, out: &mut Vec<u8>) {
        let p = self.policy;
        let s = &mut *d.scratch;
        out.push(b'{');
        key("household_id", out);
        write_json_str(d.household_id, out);
        out.push(b',');
        key("region", out);
        write_json_str(d.region, out);
        out.push(b',');
        key("income_status", out);
        match self.income_status(s) {
            Some(st) => write_json_str(st.as_bytes(), out),
            None => out.extend_from_slice(b"null"),
        }
        out.push(b',');
        key("per_capita_income", out);
        opt_num(
            p.fields
                .per_capita_income
                .map(|slot| numfmt::round_half_up(s.slots[slot], 2)),
            out,
        );
        out.push(b',');
        key("poverty_line", out);
        opt_num(p.fields.poverty_line.map(|slot| s.slots[slot]), out);
        out.push(b',');
        key("deprivation_score", out);
        opt_num(
            p.deprivation.as_ref().map(|dep| s.slots[dep.score_slot]),
            out,
        );
        out.push(b',');
        key("deprivation_status", out);
        match self.deprivation_status(s) {
            Some(st) => write_json_str(st.as_bytes(), out),
            None => out.extend_from_slice(b"null"),
        }
        out.push(b',');
        key("deprived", out);
        out.push(b'[');
        let facts = RowFacts {
            deprived: self.deprived_mask(&s.slots),
            score: None,
        };
        if let Some(dep) = &p.deprivation {
            let mut first = true;
            let mut id = |out: &mut Vec<u8>, i: usize| {
                if !first {
                    out.push(b',');
                }
                first = false;
                write_json_str(dep.indicators[i].id.as_bytes(), out);
            };
            match facts.deprived {
                Some(mut mask) => {
                    while mask != 0 {
                        id(out, mask.trailing_zeros() as usize);
                        mask &= mask - 1;
                    }
                }
                None => {
                    for (i, ind) in dep.indicators.iter().enumerate() {
                        if s.slots[ind.slot] != 0.0 {
                            id(out, i);
                        }
                    }
                }
            }
        }
        out.extend_from_slice(b"],");
        key("emergency", out);
        bool_or_null(p.fields.emergency.map(|slot| s.slots[slot] != 0.0), out);
        out.push(b',');
        key("labour_capacity", out);
        bool_or_null(
            p.fields.labour_capacity.map(|slot| s.slots[slot] != 0.0),
            out,
        );
        out.push(b',');
        key("track", out);
        write_json_str(
            p.tracks
                .get(s.track)
                .map_or("", |t| t.id.as_str())
                .as_bytes(),
            out,
        );
        out.push(b',');
        key("programs", out);
        out.push(b'[');
        let mut first = true;
        for i in 0..p.programs.len() {
            let o = s.programs[i];
            if o.status == Status::Denied {
                continue;
            }
            let prog = &p.programs[i];
            if !first {
                out.push(b',');
            }
            first = false;
            out.push(b'{');
            key("id", out);
            write_json_str(prog.id.as_bytes(), out);
            out.push(b',');
            key("kind", out);
            write_json_str(prog.kind.as_bytes(), out);
            out.push(b',');
            key("provider", out);
            write_json_str(prog.provider.as_bytes(), out);
            out.push(b',');
            key("status", out);
            write_json_str(o.status.as_str().as_bytes(), out);
            out.push(b',');
            key("amount", out);
            numfmt::write_shortest(o.amount, out);
            out.push(b',');
            key("period", out);
            write_json_str(self.period_of(i).keyword().as_bytes(), out);
            out.push(b',');
            key("duration_months", out);
            opt_num(o.duration_months, out);
            out.push(b',');
            key("starts_after_months", out);
            opt_num(o.starts_after_months, out);
            out.push(b',');
            key("review_months", out);
            numfmt::write_int(i64::from(prog.review_months), out);
            out.push(b',');
            key("capped_from", out);
            opt_num(o.capped_from, out);
            out.push(b',');
            key("reason", out);
            let mut cell = std::mem::take(&mut self.cell);
            cell.clear();
            match &prog.reason {
                Some(t) => t.render(&s.slots, &mut s.stack, &p.enums, &mut cell),
                None => cell.extend_from_slice(b"eligible"),
            }
            write_json_str(&cell, out);
            self.cell = cell;
            out.push(b'}');
        }
        out.extend_from_slice(b"],");
        key("deferred", out);
        out.push(b'[');
        let mut first = true;
        for (prog, o) in p.programs.iter().zip(&s.programs) {
            if o.status == Status::Deferred {
                if !first {
                    out.push(b',');
                }
                first = false;
                write_json_str(prog.id.as_bytes(), out);
            }
        }
        out.extend_from_slice(b"],");
        key("monthly_total", out);
        numfmt::write_shortest(s.monthly_total, out);
        out.push(b',');
        key("one_off_total", out);
        numfmt::write_shortest(s.one_off_total, out);
        out.push(b',');
        key("capped", out);
        bool_or_null(Some(s.capped), out);
        out.push(b',');
        key("review_after_months", out);
        numfmt::write_int(i64::from(s.review_after_months), out);
        out.push(b',');
        key("priority", out);
        numfmt::write_shortest(numfmt::round_half_up(s.priority, 1), out);
        out.push(b',');
        key("reasons", out);
        out.push(b'[');
        let mut cell = std::mem::take(&mut self.cell);
        cell.clear();
        // Reasons are rendered as one buffer with NUL separators, then written as strings.
        self.reasons(s, &facts, &mut cell);
        for (i, part) in cell.split(|&b| b == 0).enumerate() {
            if i > 0 {
                out.push(b',');
            }
            write_json_str(part, out);
        }
        self.cell = cell;
        out.extend_from_slice(b"],");
        key("policy_id", out);
        write_json_str(p.meta.id.as_bytes(), out);
        out.push(b',');
        key("policy_version", out);
        write_json_str(p.meta.version.as_bytes(), out);
        out.push(b',');
        key("policy_hash", out);
        write_json_str(p.hash.as_bytes(), out);
        out.push(b'}');
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The escaping as it was written before the eight-byte scan: byte by byte.
    fn reference(bytes: &[u8], out: &mut Vec<u8>) {
        const HEX: &[u8; 16] = b"0123456789abcdef";
        out.push(b'"');
        for &b in bytes {
            match b {
                b'"' => out.extend_from_slice(b"\\\""),
                b'\\' => out.extend_from_slice(b"\\\\"),
                b'\n' => out.extend_from_slice(b"\\n"),
                b'\r' => out.extend_from_slice(b"\\r"),
                b'\t' => out.extend_from_slice(b"\\t"),
                0..=0x1f => {
                    out.extend_from_slice(b"\\u00");
                    out.push(HEX[usize::from(b >> 4)]);
                    out.push(HEX[usize::from(b & 0xf)]);
                }
                _ => out.push(b),
            }
        }
        out.push(b'"');
    }

    #[test]
    fn escapes_like_the_reference() {
        let mut state = 0x2545_f491_4f6c_dd1d_u64;
        let mut next = move || {
            state ^= state >> 12;
            state ^= state << 25;
            state ^= state >> 27;
            state.wrapping_mul(0x2545_f491_4f6c_dd1d)
        };
        // Every byte alone and between plain bytes at every offset in a word.
        let mut cases: Vec<Vec<u8>> = Vec::new();
        for b in 0..=255u8 {
            for at in 0..17 {
                let mut v = b"abcdefghijklmnopq".to_vec();
                v[at] = b;
                v.truncate(at + 1 + at % 3);
                cases.push(v);
            }
        }
        // Random strings: mostly plain text, with special and high bytes.
        for _ in 0..20_000 {
            let len = (next() % 40) as usize;
            let v = (0..len)
                .map(|_| match next() % 16 {
                    0 => (next() % 0x20) as u8,
                    1 => b'"',
                    2 => b'\\',
                    3 => 0x80 | (next() % 0x80) as u8,
                    4 => [0x1f, 0x20, 0x21, 0x5b, 0x5d, 0x7f, 0xa2, 0xdc][next() as usize % 8],
                    _ => b' ' + (next() % 95) as u8,
                })
                .collect();
            cases.push(v);
        }
        for bytes in cases {
            let mut got = b"x".to_vec();
            write_json_str(&bytes, &mut got);
            let mut expected = b"x".to_vec();
            reference(&bytes, &mut expected);
            assert_eq!(got, expected, "{bytes:?}");
        }
    }
}
