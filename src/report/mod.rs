//! The report writer: decisions as CSV, JSON or NDJSON, and rejects as CSV.
//!
//! Writers render straight into a byte buffer owned by the caller (one per
//! batch), so a decision costs no allocation. [`DecisionWriter`] knows the
//! policy and the format; [`Decision`] is a borrowed view of one decided row.

pub(crate) mod atomic;
pub mod columns;
pub mod compare;
pub mod compress;
mod csv;
pub mod deciles;
pub mod explain_text;
pub mod family;
pub mod html;
mod json;
pub(crate) mod outputs;
pub mod overrides;
mod shaped;
pub mod stage;
pub mod summary;
pub mod table;

use crate::engine::{Scratch, Status};
use crate::input::Reject;
use crate::numfmt;
use crate::policy::template::render_segments;
use crate::policy::{Benefit, Indicator, Lang, Policy, Segment, Template, Words};

pub use self::columns::{OutputShape, ReasonsMode};
pub use self::csv::{write_csv_field, write_csv_text};
pub use self::json::write_json_str;
pub use self::shaped::Constant;

/// Output format of decisions.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// One row per household; the first columns are the documented contract.
    Csv,
    /// One JSON array of decision objects.
    Json,
    /// One JSON object per line.
    Ndjson,
}

impl Format {
    pub fn keyword(self) -> &'static str {
        match self {
            Format::Csv => "csv",
            Format::Json => "json",
            Format::Ndjson => "ndjson",
        }
    }

    /// The format implied by an output file's extension, if any.
    pub fn from_path(path: &str) -> Option<Format> {
        let ext = std::path::Path::new(path)
            .extension()?
            .to_str()?
            .to_ascii_lowercase();
        match ext.as_str() {
            "csv" => Some(Format::Csv),
            "json" => Some(Format::Json),
            "ndjson" | "jsonl" => Some(Format::Ndjson),
            _ => None,
        }
    }
}

/// The CSV columns, in order. The first ones are the stable contract of
/// `product.md`; scripts may rely on every name here.
pub const CSV_COLUMNS: [&str; 22] = [
    "household_id",
    "region",
    "income_status",
    "per_capita_income",
    "poverty_line",
    "deprivation_score",
    "deprivation_status",
    "deprived",
    "emergency",
    "labour_capacity",
    "track",
    "programs",
    "deferred",
    "monthly_total",
    "one_off_total",
    "capped",
    "review_after_months",
    "priority",
    "reasons",
    "policy_id",
    "policy_version",
    "policy_hash",
];

/// What precedes each decision object in `--format json`; the first
/// decision of a file is written without its leading comma.
pub const JSON_SEPARATOR: &[u8] = b",\n";

/// The header of the rejects file.
pub const REJECT_COLUMNS: [&str; 6] = ["line", "household_id", "column", "value", "code", "reason"];

/// One decided household, borrowed from the input record and the engine's scratch.
pub struct Decision<'a> {
    pub household_id: &'a [u8],
    pub region: &'a [u8],
    pub scratch: &'a mut Scratch,
}

/// Writes decisions of one policy in one format.
pub struct DecisionWriter<'p> {
    policy: &'p Policy,
    format: Format,
    /// Whether a reason can contain `"` at all (only if some constant text of
    /// the policy does): if not, the CSV reasons cell needs no escaping scan.
    reasons_may_quote: bool,
    /// The constant bytes of this policy's rows, prepared once.
    plan: Plan<'p>,
    /// The constant bytes of this policy's JSON objects, prepared once.
    json: json::JsonPlan<'p>,
    /// Reused buffer for a CSV cell built from pieces (reasons).
    cell: Vec<u8>,
    /// A chosen shape (`--columns`, `--reasons`): `None` writes every
    /// documented column on the fixed fast path.
    shaped: Option<shaped::Shaped>,
}

/// Constant text that starts a reason sentence (separator, id, `: ` and the
/// template's leading text, copied at once), then the rest of the template.
struct Lead<'p> {
    /// The separator from the previous sentence, then the sentence's constant start.
    head: Box<[u8]>,
    rest: &'p [Segment],
}

/// Per-policy byte strings for the reasons and the constant CSV columns,
/// built once per writer so that a row is written with few, larger copies.
struct Plan<'p> {
    /// Length of the separator every sentence head starts with (skipped for the first).
    sep_len: usize,
    /// Per policy reason.
    reasons: Vec<Lead<'p>>,
    /// `deprivation: score `.
    deprivation: Box<[u8]>,
    /// ` (status)` per value of `DEPRIVATION_STATUSES`, then ` (?)`.
    deprivation_status: Vec<Box<[u8]>>,
    /// Per indicator: `: label` (first) and `; label` (later ones).
    indicator_labels: Vec<[Box<[u8]>; 2]>,
    programs: Vec<ProgramPlan<'p>>,
    /// Per track: `track id`, then `: ` and the reason's lead if it has one.
    tracks: Vec<Lead<'p>>,
    /// `, starts after ` (a deferred program's delay follows).
    starts_after: Box<[u8]>,
    /// ` month` and ` months` after the delay.
    month: [Box<[u8]>; 2],
    /// `; capped from `, ` to `, ` by the household monthly cap of `.
    capped_from: Box<[u8]>,
    to: Box<[u8]>,
    by_cap: Box<[u8]>,
    /// `; reduced from `, ` by aid already received` (`reduced_by`).
    reduced_from: Box<[u8]>,
    by_aid: Box<[u8]>,
    /// The language numbers are written in.
    lang: Lang,
    /// The end of a CSV row after the reasons: closing quote, policy id,
    /// version and hash, newline.
    csv_tail: Box<[u8]>,
}

struct ProgramPlan<'p> {
    /// `id: ` and the reason's lead (or `id: eligible`).
    granted: Lead<'p>,
    /// `id: deferred` (the head of a deferred program's sentence).
    deferred: Box<[u8]>,
    /// `; ` and the reason's lead (or `; eligible`), after the deferral; no separator.
    after_deferral: Lead<'p>,
}

impl<'p> Plan<'p> {
    fn new(p: &'p Policy, sep: &[u8]) -> Plan<'p> {
        let reasons = p
            .reasons
            .iter()
            .map(|r| lead(&[sep, r.id.as_bytes(), b": "], &r.text))
            .collect();
        let w = &p.words;
        let mut deprivation_status: Vec<Box<[u8]>> = w
            .statuses()
            .iter()
            .map(|st| bytes(&[b" (", st.as_bytes(), b")"]))
            .collect();
        deprivation_status.push(bytes(&[b" (?)"]));
        let tracks = p
            .tracks
            .iter()
            .map(|t| match &t.reason {
                Some(r) => lead(&[sep, w.track.as_bytes(), b" ", t.id.as_bytes(), b": "], r),
                None => fixed(&[sep, w.track.as_bytes(), b" ", t.id.as_bytes()]),
            })
            .collect();
        Plan {
            sep_len: sep.len(),
            reasons,
            deprivation: bytes(&[sep, w.deprivation_score.as_bytes(), b" "]),
            deprivation_status,
            indicator_labels: indicator_labels(p),
            programs: p
                .programs
                .iter()
                .map(|prog| ProgramPlan::new(prog, w, sep))
                .collect(),
            tracks,
            starts_after: bytes(&[b", ", w.starts_after.as_bytes(), b" "]),
            month: [
                bytes(&[b" ", w.month.as_bytes()]),
                bytes(&[b" ", w.months.as_bytes()]),
            ],
            capped_from: bytes(&[b"; ", w.capped_from.as_bytes(), b" "]),
            to: bytes(&[b" ", w.to.as_bytes(), b" "]),
            by_cap: bytes(&[b" ", w.by_cap.as_bytes(), b" "]),
            reduced_from: bytes(&[b"; ", w.reduced_from.as_bytes(), b" "]),
            by_aid: bytes(&[b" ", w.by_aid.as_bytes()]),
            lang: p.lang,
            csv_tail: csv_tail(p),
        }
    }

    /// The head of a sentence: without its separator if it is the first.
    #[inline]
    fn head<'a>(&self, head: &'a [u8], first: bool) -> &'a [u8] {
        &head[if first { self.sep_len } else { 0 }..]
    }
}

/// The parts joined, as one constant run.
fn bytes(parts: &[&[u8]]) -> Box<[u8]> {
    parts.concat().into_boxed_slice()
}

/// A sentence whose text is all constant.
fn fixed<'p>(parts: &[&[u8]]) -> Lead<'p> {
    Lead {
        head: bytes(parts),
        rest: &[],
    }
}

/// A sentence: `prefix`, then the template, whose constant lead joins the
/// prefix.
fn lead<'p>(prefix: &[&[u8]], t: &'p Template) -> Lead<'p> {
    let (text, rest) = t.split_lead();
    let mut head = prefix.concat();
    head.extend_from_slice(text.as_bytes());
    Lead {
        head: head.into_boxed_slice(),
        rest,
    }
}

/// Per indicator: `: label` (the first deprived one) and `; label` (later
/// ones); the id stands in for a missing label.
fn indicator_labels(p: &Policy) -> Vec<[Box<[u8]>; 2]> {
    p.deprivation.as_ref().map_or(Vec::new(), |d| {
        d.indicators
            .iter()
            .map(|ind| {
                let label = if ind.label.is_empty() {
                    &ind.id
                } else {
                    &ind.label
                };
                [
                    bytes(&[b": ", label.as_bytes()]),
                    bytes(&[b"; ", label.as_bytes()]),
                ]
            })
            .collect()
    })
}

/// `",` then the policy id, version and hash as CSV cells, and the newline.
fn csv_tail(p: &Policy) -> Box<[u8]> {
    let mut tail = b"\",".to_vec();
    write_csv_field(p.meta.id.as_bytes(), &mut tail);
    tail.push(b',');
    write_csv_field(p.meta.version.as_bytes(), &mut tail);
    tail.push(b',');
    tail.extend_from_slice(p.hash.as_bytes());
    tail.push(b'\n');
    tail.into_boxed_slice()
}

impl<'p> ProgramPlan<'p> {
    fn new(prog: &'p Benefit, w: &Words, sep: &[u8]) -> ProgramPlan<'p> {
        let id = prog.id.as_bytes();
        let eligible = w.eligible.as_bytes();
        let (granted, after_deferral) = match &prog.reason {
            Some(t) => (lead(&[sep, id, b": "], t), lead(&[b"; "], t)),
            None => (
                fixed(&[sep, id, b": ", eligible]),
                fixed(&[b"; ", eligible]),
            ),
        };
        let deferred = w.deferred.to_lowercase();
        ProgramPlan {
            granted,
            deferred: bytes(&[sep, id, b": ", deferred.as_bytes()]),
            after_deferral,
        }
    }
}

/// What the CSV columns and the reasons of one row both need, found once.
#[derive(Debug, Clone, Default)]
struct RowFacts {
    /// Where in the output the deprivation score already is, written with four decimals.
    score: Option<std::ops::Range<usize>>,
}

impl<'p> DecisionWriter<'p> {
    pub fn new(policy: &'p Policy, format: Format) -> DecisionWriter<'p> {
        DecisionWriter::with_shape(policy, format, None)
    }

    /// A writer of decisions in a chosen shape; `None` (or the default
    /// shape) is [`DecisionWriter::new`]'s output, byte for byte.
    pub fn with_shape(
        policy: &'p Policy,
        format: Format,
        shape: Option<&OutputShape>,
    ) -> DecisionWriter<'p> {
        // Reasons are joined with ` | ` in a CSV cell. JSON renders them
        // straight into the output as strings joined with `","` when no text
        // they are made of needs an escape; else into one buffer with NUL
        // separators, which it splits and escapes.
        let plain_reasons = !reasons_text_any(policy, json::needs_any_escape);
        let sep: &[u8] = match format {
            Format::Csv => b" | ",
            Format::Json | Format::Ndjson if plain_reasons => b"\",\"",
            Format::Json | Format::Ndjson => b"\0",
        };
        DecisionWriter {
            policy,
            format,
            reasons_may_quote: reasons_text_any(policy, |t| t.contains('"')),
            plan: Plan::new(policy, sep),
            json: json::JsonPlan::new(policy, plain_reasons),
            cell: Vec::with_capacity(1024),
            shaped: shape
                .filter(|s| !s.is_default())
                .map(|s| shaped::Shaped::new(policy, s)),
        }
    }

    pub fn format(&self) -> Format {
        self.format
    }

    /// What goes before the first decision.
    pub fn begin(&self, out: &mut Vec<u8>) {
        if self.shaped_begin(out) {
            return;
        }
        match self.format {
            Format::Csv => {
                for (i, c) in CSV_COLUMNS.iter().enumerate() {
                    if i > 0 {
                        out.push(b',');
                    }
                    out.extend_from_slice(c.as_bytes());
                }
                out.push(b'\n');
            }
            Format::Json => out.extend_from_slice(b"["),
            Format::Ndjson => {}
        }
    }

    /// Write one decision. In JSON every object is preceded by `,\n`; the
    /// caller drops the comma of the very first one (see [`JSON_SEPARATOR`]),
    /// so that batches can be written by different threads and joined.
    pub fn decision(&mut self, d: &mut Decision<'_>, out: &mut Vec<u8>) {
        if self.is_shaped() {
            match self.format {
                Format::Csv => self.shaped_csv_row(d, out),
                Format::Json => {
                    out.extend_from_slice(JSON_SEPARATOR);
                    self.shaped_json_object(d, out);
                }
                Format::Ndjson => {
                    self.shaped_json_object(d, out);
                    out.push(b'\n');
                }
            }
            return;
        }
        match self.format {
            Format::Csv => self.csv_row(d, out),
            Format::Json => {
                out.extend_from_slice(JSON_SEPARATOR);
                self.json_object(d, out);
            }
            Format::Ndjson => {
                self.json_object(d, out);
                out.push(b'\n');
            }
        }
    }

    /// What goes after the last decision. `any` says whether there was one.
    pub fn end(&self, any: bool, out: &mut Vec<u8>) {
        if self.format == Format::Json {
            out.extend_from_slice(if any { b"\n]\n" } else { b"]\n" });
        }
    }

    /// Call `f` with the position of each indicator that holds for this row,
    /// in declared order (the `deprived` field and the deprivation reason).
    #[inline]
    fn each_deprived(&self, slots: &[f64], mut f: impl FnMut(usize, &Indicator)) {
        if let Some(dep) = &self.policy.deprivation {
            for (i, ind) in dep.indicators.iter().enumerate() {
                if slots[ind.slot] != 0.0 {
                    f(i, ind);
                }
            }
        }
    }

    /// Render the decision's reasons, each as one sentence, separated by the
    /// format's separator (` | ` in CSV, NUL in JSON).
    fn reasons(&self, s: &mut Scratch, facts: &RowFacts, out: &mut Vec<u8>) {
        let p = self.policy;
        let plan = &self.plan;
        let enums = &p.enums[..];
        let mut first = true;
        for (lead, &holds) in plan.reasons.iter().zip(&s.reasons) {
            if holds {
                out.extend_from_slice(plan.head(&lead.head, first));
                first = false;
                render_segments(lead.rest, &s.slots, enums, out);
            }
        }
        if let Some(dep) = &p.deprivation {
            out.extend_from_slice(plan.head(&plan.deprivation, first));
            first = false;
            match (&facts.score, plan.lang) {
                (Some(at), Lang::En) => out.extend_from_within(at.clone()),
                (_, Lang::En) => numfmt::write_fixed(s.slots[dep.score_slot], 4, out),
                (_, lang) => lang.write_fixed(s.slots[dep.score_slot], 4, out),
            }
            let status = s.slots[dep.status_slot] as usize;
            let status = plan
                .deprivation_status
                .get(status.min(crate::policy::DEPRIVATION_STATUSES.len()))
                .map_or(&b" (?)"[..], |b| &b[..]);
            out.extend_from_slice(status);
            let mut any = false;
            self.each_deprived(&s.slots, |i, _| {
                out.extend_from_slice(&plan.indicator_labels[i][usize::from(any)]);
                any = true;
            });
        }
        for (o, pp) in s.programs.iter().zip(&plan.programs) {
            let lead = match o.status {
                Status::Denied => continue,
                Status::Granted => {
                    out.extend_from_slice(plan.head(&pp.granted.head, first));
                    &pp.granted
                }
                Status::Deferred => {
                    out.extend_from_slice(plan.head(&pp.deferred, first));
                    if let Some(m) = o.starts_after_months {
                        out.extend_from_slice(&plan.starts_after);
                        write_number(plan.lang, m, out);
                        out.extend_from_slice(&plan.month[usize::from(m != 1.0)]);
                    }
                    out.extend_from_slice(&pp.after_deferral.head);
                    &pp.after_deferral
                }
            };
            first = false;
            render_segments(lead.rest, &s.slots, enums, out);
            if let Some(from) = o.reduced_from {
                out.extend_from_slice(&plan.reduced_from);
                write_number(plan.lang, from, out);
                out.extend_from_slice(&plan.to);
                write_number(plan.lang, o.capped_from.unwrap_or(o.amount), out);
                out.extend_from_slice(&plan.by_aid);
            }
            if let Some(from) = o.capped_from {
                out.extend_from_slice(&plan.capped_from);
                write_number(plan.lang, from, out);
                out.extend_from_slice(&plan.to);
                write_number(plan.lang, o.amount, out);
                if let Some(cap) = s.cap {
                    out.extend_from_slice(&plan.by_cap);
                    write_number(plan.lang, cap, out);
                }
            }
        }
        if let Some(lead) = plan.tracks.get(s.track) {
            out.extend_from_slice(plan.head(&lead.head, first));
            render_segments(lead.rest, &s.slots, enums, out);
        }
    }

    fn enum_name(&self, enum_id: u16, v: f64) -> &str {
        self.policy
            .enums
            .get(usize::from(enum_id))
            .and_then(|e| e.values.get(v as usize))
            .map_or("", String::as_str)
    }

    fn income_status(&self, s: &Scratch) -> Option<&str> {
        self.policy
            .fields
            .income_status
            .map(|(slot, e)| self.enum_name(e, s.slots[slot]))
    }

    fn deprivation_status(&self, s: &Scratch) -> Option<&'static str> {
        self.policy.deprivation.as_ref().map(|d| {
            crate::policy::DEPRIVATION_STATUSES
                .get(s.slots[d.status_slot] as usize)
                .copied()
                .unwrap_or("")
        })
    }
}

/// A number in a reason: grouped with `,` in English (as ever), with the
/// language's separators otherwise.
#[inline]
fn write_number(lang: Lang, v: f64, out: &mut Vec<u8>) {
    match lang {
        Lang::En => numfmt::write_grouped(v, out),
        lang => lang.write_number(v, out),
    }
}

/// True when `pred` holds for some text of the policy that reasons are made
/// of: ids, labels, template text and words, enum values and the words
/// around the templates. The rest of a reason is numbers, `yes`/`no` and `?`.
fn reasons_text_any(p: &Policy, pred: impl Fn(&str) -> bool) -> bool {
    let template = |t: &Template| {
        t.segments.iter().any(|s| match s {
            Segment::Text(text) => pred(text),
            Segment::Shown { show, .. } => show.texts().any(&pred),
            _ => false,
        })
    };
    p.reasons.iter().any(|r| pred(&r.id) || template(&r.text))
        || p.programs
            .iter()
            .any(|g| pred(&g.id) || g.reason.as_ref().is_some_and(template))
        || p.tracks
            .iter()
            .any(|t| pred(&t.id) || t.reason.as_ref().is_some_and(template))
        || p.deprivation
            .as_ref()
            .is_some_and(|d| d.indicators.iter().any(|i| pred(&i.id) || pred(&i.label)))
        || p.enums.iter().any(|e| e.values.iter().any(|v| pred(v)))
        || p.words.all().iter().any(|w| pred(w))
}

/// Write one reject as a CSV row of [`REJECT_COLUMNS`].
pub fn write_reject_csv(r: &Reject, out: &mut Vec<u8>) {
    numfmt::write_int(r.line as i64, out);
    out.push(b',');
    write_csv_text(r.household_id.as_bytes(), out);
    out.push(b',');
    write_csv_field(r.column.as_bytes(), out);
    out.push(b',');
    write_csv_text(r.value.as_bytes(), out);
    out.push(b',');
    out.extend_from_slice(r.code.as_str().as_bytes());
    out.push(b',');
    write_csv_text(r.message.as_bytes(), out);
    out.push(b'\n');
}

/// Write one reject as a CSV row with its text as read (no formula prefix):
/// for a table written from it (`--rejects rejects.parquet`).
pub fn write_reject_raw(r: &Reject, out: &mut Vec<u8>) {
    numfmt::write_int(r.line as i64, out);
    for text in [
        r.household_id.as_bytes(),
        r.column.as_bytes(),
        r.value.as_bytes(),
        r.code.as_str().as_bytes(),
        r.message.as_bytes(),
    ] {
        out.push(b',');
        write_csv_field(text, out);
    }
    out.push(b'\n');
}

/// The header row of a rejects file.
pub fn write_reject_header(out: &mut Vec<u8>) {
    out.extend_from_slice(REJECT_COLUMNS.join(",").as_bytes());
    out.push(b'\n');
}

#[cfg(test)]
mod tests;
