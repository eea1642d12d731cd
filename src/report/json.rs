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
//! | `weight` | number | only with `--weight`: the household's survey weight as used (the cell times `--weight-scale`, exact, at most nine decimal places) |
//! | `funded` | bool | only with `--budget`: the household is eligible and funded within the budget (README, Budget targeting) |
//! | `rank` | number or null | only with `--budget`: place in the priority order of the eligible households (1 = most urgent), null when not eligible |
//!
//! `weight`, then `funded` and `rank`, are appended after `policy_hash` by
//! the pipeline (`pipeline/weight.rs`, `append_budget` in
//! `pipeline/worker.rs`), not by this writer; without `--weight` and
//! `--budget` the object ends at `policy_hash`.
//!
//! Numbers are written as Rust's `Display` writes an `f64` (see
//! [`numfmt::write_shortest`]): the shortest decimal that reads back as the
//! same value, never with an exponent; `-0.0` is written `0` and a
//! non-finite value `null`.
//!
//! `json` writes one array of these objects; `ndjson` one object per line.

use super::{Decision, DecisionWriter, Lead, RowFacts};
use crate::engine::{Scratch, Status};
use crate::numfmt;
use crate::policy::template::render_segments;
use crate::policy::{Benefit, Policy};

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

/// Whether a text must be escaped somewhere in a JSON string.
pub(super) fn needs_any_escape(text: &str) -> bool {
    plain_len(text.as_bytes()) < text.len()
}

/// Append `text` as a JSON string to `buf` (for building a plan).
fn quoted(text: &str, buf: &mut Vec<u8>) {
    write_json_str(text.as_bytes(), buf);
}

/// The constant bytes of this policy's JSON objects, prepared once per
/// writer: each run between two values is copied at once.
pub(super) struct JsonPlan<'p> {
    /// No text that reasons are made of needs a JSON escape (see
    /// [`super::reasons_text_any`]): reasons are then rendered straight into
    /// the output, joined with the `","` separator of the reason plan.
    pub(super) plain_reasons: bool,
    /// With `income_status`: each value of its enum as a JSON string, then `""`
    /// (the value out of range).
    income_status: Option<Vec<Box<[u8]>>>,
    /// Each deprivation status as a JSON string, then `""`.
    deprivation_status: Vec<Box<[u8]>>,
    /// Per indicator: `"id"` (first) and `,"id"` (later ones).
    indicators: Vec<[Box<[u8]>; 2]>,
    /// Per track, then for a track out of range: `],"emergency":` is
    /// written before; this is `,"track":"id","programs":[`.
    tracks: Vec<Box<[u8]>>,
    pub(super) programs: Vec<JsonProgram<'p>>,
    /// `"],"policy_id":"…","policy_version":"…","policy_hash":"…"}`: the end
    /// of an object after the reasons; without its first byte when the
    /// reasons were not written in plain.
    tail: Box<[u8]>,
}

pub(super) struct JsonProgram<'p> {
    /// `{"id":…,"kind":…,"provider":…,"status":"granted","amount":`, then
    /// the same with `"deferred"`.
    pub(super) head: [Box<[u8]>; 2],
    /// `,"period":"month","duration_months":`
    pub(super) period: Box<[u8]>,
    /// `,"review_months":N,"capped_from":`
    pub(super) review: Box<[u8]>,
    /// `,"reason":"` and the template's lead (or `eligible`), then the rest
    /// of the template: used when reasons are plain.
    reason: Lead<'p>,
    /// `"id"` (first) and `,"id"` (later ones) in `deferred`.
    deferred: [Box<[u8]>; 2],
}

impl<'p> JsonPlan<'p> {
    pub(super) fn new(p: &'p Policy, plain_reasons: bool) -> JsonPlan<'p> {
        let income_status = p.fields.income_status.map(|(_, e)| {
            let values = p
                .enums
                .get(usize::from(e))
                .map_or(&[][..], |e| &e.values[..]);
            strings_with_fallback(values.iter().map(String::as_str))
        });
        let deprivation_status =
            strings_with_fallback(crate::policy::DEPRIVATION_STATUSES.iter().copied());
        let indicators = p.deprivation.as_ref().map_or(Vec::new(), |d| {
            d.indicators
                .iter()
                .map(|i| first_and_later(&i.id))
                .collect()
        });
        JsonPlan {
            plain_reasons,
            income_status,
            deprivation_status,
            indicators,
            tracks: track_runs(p),
            programs: p.programs.iter().map(JsonProgram::new).collect(),
            tail: policy_tail(p),
        }
    }
}

/// The bytes that `write` appends to an empty buffer.
fn build(write: impl FnOnce(&mut Vec<u8>)) -> Box<[u8]> {
    let mut buf = Vec::new();
    write(&mut buf);
    buf.into_boxed_slice()
}

/// `"text"` (the first of a list) and `,"text"` (a later one).
fn first_and_later(text: &str) -> [Box<[u8]>; 2] {
    [
        build(|b| quoted(text, b)),
        build(|b| {
            b.push(b',');
            quoted(text, b);
        }),
    ]
}

/// Each value as a JSON string, then `""` for a value out of range.
fn strings_with_fallback<'a>(values: impl Iterator<Item = &'a str>) -> Vec<Box<[u8]>> {
    values
        .chain(std::iter::once(""))
        .map(|v| build(|b| quoted(v, b)))
        .collect()
}

/// Per track, then for a track out of range: `,"track":"id","programs":[`.
fn track_runs(p: &Policy) -> Vec<Box<[u8]>> {
    p.tracks
        .iter()
        .map(|t| t.id.as_str())
        .chain(std::iter::once(""))
        .map(|id| {
            build(|b| {
                b.extend_from_slice(b",\"track\":");
                quoted(id, b);
                b.extend_from_slice(b",\"programs\":[");
            })
        })
        .collect()
}

/// `"],"policy_id":"…","policy_version":"…","policy_hash":"…"}`.
fn policy_tail(p: &Policy) -> Box<[u8]> {
    build(|b| {
        b.extend_from_slice(b"\"],\"policy_id\":");
        quoted(&p.meta.id, b);
        b.extend_from_slice(b",\"policy_version\":");
        quoted(&p.meta.version, b);
        b.extend_from_slice(b",\"policy_hash\":");
        quoted(&p.hash, b);
        b.push(b'}');
    })
}

impl<'p> JsonProgram<'p> {
    fn new(prog: &'p Benefit) -> JsonProgram<'p> {
        let (lead, rest) = match &prog.reason {
            Some(t) => t.split_lead(),
            None => ("eligible", &[][..]),
        };
        let mut reason = b",\"reason\":\"".to_vec();
        reason.extend_from_slice(lead.as_bytes());
        JsonProgram {
            head: [
                program_head(prog, Status::Granted),
                program_head(prog, Status::Deferred),
            ],
            period: build(|b| {
                b.extend_from_slice(b",\"period\":");
                quoted(prog.period.keyword(), b);
                b.extend_from_slice(b",\"duration_months\":");
            }),
            review: build(|b| {
                b.extend_from_slice(b",\"review_months\":");
                numfmt::write_int(i64::from(prog.review_months), b);
                b.extend_from_slice(b",\"capped_from\":");
            }),
            reason: Lead {
                head: reason.into_boxed_slice(),
                rest,
            },
            deferred: first_and_later(&prog.id),
        }
    }
}

/// `{"id":…,"kind":…,"provider":…,"status":"<status>","amount":`.
fn program_head(prog: &Benefit, status: Status) -> Box<[u8]> {
    build(|b| {
        b.extend_from_slice(b"{\"id\":");
        quoted(&prog.id, b);
        b.extend_from_slice(b",\"kind\":");
        quoted(&prog.kind, b);
        b.extend_from_slice(b",\"provider\":");
        quoted(&prog.provider, b);
        b.extend_from_slice(b",\"status\":");
        quoted(status.as_str(), b);
        b.extend_from_slice(b",\"amount\":");
    })
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
        let s = &mut *d.scratch;
        out.extend_from_slice(b"{\"household_id\":");
        write_json_str(d.household_id, out);
        out.extend_from_slice(b",\"region\":");
        write_json_str(d.region, out);
        self.json_measures(s, out);
        self.json_programs(s, out);
        self.json_totals(s, out);
        self.json_reasons(s, out);
    }

    /// From `,"income_status":` to the value of `labour_capacity`.
    #[inline(always)]
    fn json_measures(&self, s: &Scratch, out: &mut Vec<u8>) {
        let p = self.policy;
        let jp = &self.json;
        out.extend_from_slice(b",\"income_status\":");
        match (&jp.income_status, p.fields.income_status) {
            (Some(names), Some((slot, _))) => {
                let i = (s.slots[slot] as usize).min(names.len() - 1);
                out.extend_from_slice(&names[i]);
            }
            _ => out.extend_from_slice(b"null"),
        }
        out.extend_from_slice(b",\"per_capita_income\":");
        opt_num(
            p.fields
                .per_capita_income
                .map(|slot| numfmt::round_half_up(s.slots[slot], 2)),
            out,
        );
        out.extend_from_slice(b",\"poverty_line\":");
        opt_num(p.fields.poverty_line.map(|slot| s.slots[slot]), out);
        out.extend_from_slice(b",\"deprivation_score\":");
        opt_num(
            p.deprivation.as_ref().map(|dep| s.slots[dep.score_slot]),
            out,
        );
        out.extend_from_slice(b",\"deprivation_status\":");
        match &p.deprivation {
            Some(dep) => {
                let names = &jp.deprivation_status;
                let i = (s.slots[dep.status_slot] as usize).min(names.len() - 1);
                out.extend_from_slice(&names[i]);
            }
            None => out.extend_from_slice(b"null"),
        }
        out.extend_from_slice(b",\"deprived\":[");
        let mut later = false;
        self.each_deprived(&s.slots, |i, _| {
            out.extend_from_slice(&jp.indicators[i][usize::from(later)]);
            later = true;
        });
        out.extend_from_slice(b"],\"emergency\":");
        bool_or_null(p.fields.emergency.map(|slot| s.slots[slot] != 0.0), out);
        out.extend_from_slice(b",\"labour_capacity\":");
        bool_or_null(
            p.fields.labour_capacity.map(|slot| s.slots[slot] != 0.0),
            out,
        );
    }

    /// `,"track":…,"programs":[…` (the granted and deferred programs), up
    /// to the closing `]`, which [`Self::json_totals`] writes.
    #[inline(always)]
    fn json_programs(&mut self, s: &Scratch, out: &mut Vec<u8>) {
        let p = self.policy;
        let jp = &self.json;
        let track = s.track.min(jp.tracks.len() - 1);
        out.extend_from_slice(&jp.tracks[track]);
        let mut first = true;
        for ((prog, o), jprog) in p.programs.iter().zip(&s.programs).zip(&jp.programs) {
            if o.status == Status::Denied {
                continue;
            }
            if !first {
                out.push(b',');
            }
            first = false;
            out.extend_from_slice(&jprog.head[usize::from(o.status == Status::Deferred)]);
            numfmt::write_shortest(o.amount, out);
            out.extend_from_slice(&jprog.period);
            opt_num(o.duration_months, out);
            out.extend_from_slice(b",\"starts_after_months\":");
            opt_num(o.starts_after_months, out);
            out.extend_from_slice(&jprog.review);
            opt_num(o.capped_from, out);
            if let Some(from) = o.reduced_from {
                // Only when `reduced_by` took something (issue 20).
                out.extend_from_slice(b",\"reduced_from\":");
                numfmt::write_shortest(from, out);
            }
            if jp.plain_reasons {
                out.extend_from_slice(&jprog.reason.head);
                render_segments(jprog.reason.rest, &s.slots, &p.enums, out);
                out.extend_from_slice(b"\"}");
            } else {
                out.extend_from_slice(b",\"reason\":");
                let mut cell = std::mem::take(&mut self.cell);
                cell.clear();
                match &prog.reason {
                    Some(t) => t.render(&s.slots, &p.enums, &mut cell),
                    None => cell.extend_from_slice(b"eligible"),
                }
                write_json_str(&cell, out);
                self.cell = cell;
                out.push(b'}');
            }
        }
    }

    /// From `],"deferred":` to the value of `priority`.
    #[inline(always)]
    fn json_totals(&self, s: &Scratch, out: &mut Vec<u8>) {
        out.extend_from_slice(b"],\"deferred\":[");
        let mut later = false;
        for (o, jprog) in s.programs.iter().zip(&self.json.programs) {
            if o.status == Status::Deferred {
                out.extend_from_slice(&jprog.deferred[usize::from(later)]);
                later = true;
            }
        }
        out.extend_from_slice(b"],\"monthly_total\":");
        numfmt::write_shortest(s.monthly_total, out);
        out.extend_from_slice(b",\"one_off_total\":");
        numfmt::write_shortest(s.one_off_total, out);
        out.extend_from_slice(b",\"capped\":");
        bool_or_null(Some(s.capped), out);
        out.extend_from_slice(b",\"review_after_months\":");
        numfmt::write_int(i64::from(s.review_after_months), out);
        out.extend_from_slice(b",\"priority\":");
        numfmt::write_shortest(numfmt::round_half_up(s.priority, 1), out);
    }

    /// `,"reasons":[…]` and the policy fields that close the object.
    #[inline(always)]
    fn json_reasons(&mut self, s: &mut Scratch, out: &mut Vec<u8>) {
        let facts = RowFacts::default();
        if self.json.plain_reasons {
            // The reason plan joins sentences with `","`.
            out.extend_from_slice(b",\"reasons\":[\"");
            self.reasons(s, &facts, out);
            out.extend_from_slice(&self.json.tail);
        } else {
            out.extend_from_slice(b",\"reasons\":[");
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
            out.extend_from_slice(&self.json.tail[1..]);
        }
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
