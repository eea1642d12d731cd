//! The report writer: decisions as CSV, JSON or NDJSON, and rejects as CSV.
//!
//! Writers render straight into a byte buffer owned by the caller (one per
//! batch), so a decision costs no allocation. [`DecisionWriter`] knows the
//! policy and the format; [`Decision`] is a borrowed view of one decided row.

pub(crate) mod atomic;
pub mod compress;
mod csv;
pub mod explain_text;
mod json;
pub(crate) mod outputs;
pub mod summary;

use crate::engine::{Scratch, Status};
use crate::input::Reject;
use crate::numfmt;
use crate::policy::template::render_segments;
use crate::policy::{Benefit, Indicator, Policy, Segment, Template};

pub use self::csv::{write_csv_field, write_csv_text};
pub use self::json::write_json_str;

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
        let mut deprivation_status: Vec<Box<[u8]>> = crate::policy::DEPRIVATION_STATUSES
            .iter()
            .map(|st| bytes(&[b" (", st.as_bytes(), b")"]))
            .collect();
        deprivation_status.push(bytes(&[b" (?)"]));
        let tracks = p
            .tracks
            .iter()
            .map(|t| match &t.reason {
                Some(r) => lead(&[sep, b"track ", t.id.as_bytes(), b": "], r),
                None => fixed(&[sep, b"track ", t.id.as_bytes()]),
            })
            .collect();
        Plan {
            sep_len: sep.len(),
            reasons,
            deprivation: bytes(&[sep, b"deprivation: score "]),
            deprivation_status,
            indicator_labels: indicator_labels(p),
            programs: p
                .programs
                .iter()
                .map(|prog| ProgramPlan::new(prog, sep))
                .collect(),
            tracks,
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
    fn new(prog: &'p Benefit, sep: &[u8]) -> ProgramPlan<'p> {
        let id = prog.id.as_bytes();
        let (granted, after_deferral) = match &prog.reason {
            Some(t) => (lead(&[sep, id, b": "], t), lead(&[b"; "], t)),
            None => (fixed(&[sep, id, b": eligible"]), fixed(&[b"; eligible"])),
        };
        ProgramPlan {
            granted,
            deferred: bytes(&[sep, id, b": deferred"]),
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
        }
    }

    pub fn format(&self) -> Format {
        self.format
    }

    /// What goes before the first decision.
    pub fn begin(&self, out: &mut Vec<u8>) {
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
            match &facts.score {
                Some(at) => out.extend_from_within(at.clone()),
                None => numfmt::write_fixed(s.slots[dep.score_slot], 4, out),
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
                        out.extend_from_slice(b", starts after ");
                        numfmt::write_grouped(m, out);
                        out.extend_from_slice(b" months");
                    }
                    out.extend_from_slice(&pp.after_deferral.head);
                    &pp.after_deferral
                }
            };
            first = false;
            render_segments(lead.rest, &s.slots, enums, out);
            if let Some(from) = o.capped_from {
                out.extend_from_slice(b"; capped from ");
                numfmt::write_grouped(from, out);
                out.extend_from_slice(b" to ");
                numfmt::write_grouped(o.amount, out);
                if let Some(cap) = s.cap {
                    out.extend_from_slice(b" by the household monthly cap of ");
                    numfmt::write_grouped(cap, out);
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

/// True when `pred` holds for some text of the policy that reasons are made
/// of: ids, labels, template text and enum values. The rest of a reason is
/// numbers, `yes`/`no`, `?` and this module's own constant words.
fn reasons_text_any(p: &Policy, pred: impl Fn(&str) -> bool) -> bool {
    let template = |t: &Template| {
        t.segments
            .iter()
            .any(|s| matches!(s, Segment::Text(text) if pred(text)))
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

/// The header row of a rejects file.
pub fn write_reject_header(out: &mut Vec<u8>) {
    out.extend_from_slice(REJECT_COLUMNS.join(",").as_bytes());
    out.push(b'\n');
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::{Engine, ProgramOutcome};
    use crate::policy::Deprivation;

    /// The reasons as they were written before [`Plan`]: straight from the policy.
    fn reference_reasons(p: &Policy, s: &mut Scratch, sep: &[u8], out: &mut Vec<u8>) {
        let mut first = true;
        let mut next = |out: &mut Vec<u8>| {
            if !first {
                out.extend_from_slice(sep);
            }
            first = false;
        };
        for (r, &holds) in p.reasons.iter().zip(&s.reasons) {
            if holds {
                next(out);
                out.extend_from_slice(r.id.as_bytes());
                out.extend_from_slice(b": ");
                r.text.render(&s.slots, &p.enums, out);
            }
        }
        if let Some(dep) = &p.deprivation {
            next(out);
            reference_deprivation_sentence(dep, s, out);
        }
        for (prog, o) in p.programs.iter().zip(&s.programs) {
            if o.status != Status::Denied {
                next(out);
                reference_program_sentence(p, prog, o, s, out);
            }
        }
        if let Some(t) = p.tracks.get(s.track) {
            next(out);
            out.extend_from_slice(b"track ");
            out.extend_from_slice(t.id.as_bytes());
            if let Some(r) = &t.reason {
                out.extend_from_slice(b": ");
                r.render(&s.slots, &p.enums, out);
            }
        }
    }

    /// `deprivation: score S (status): label; label`.
    fn reference_deprivation_sentence(dep: &Deprivation, s: &Scratch, out: &mut Vec<u8>) {
        out.extend_from_slice(b"deprivation: score ");
        numfmt::write_fixed(s.slots[dep.score_slot], 4, out);
        out.extend_from_slice(b" (");
        let status = crate::policy::DEPRIVATION_STATUSES
            .get(s.slots[dep.status_slot] as usize)
            .copied()
            .unwrap_or("?");
        out.extend_from_slice(status.as_bytes());
        out.extend_from_slice(b")");
        let mut any = false;
        for ind in &dep.indicators {
            if s.slots[ind.slot] != 0.0 {
                out.extend_from_slice(if any { b"; " } else { b": " });
                any = true;
                let label = if ind.label.is_empty() {
                    &ind.id
                } else {
                    &ind.label
                };
                out.extend_from_slice(label.as_bytes());
            }
        }
    }

    /// `id: [deferred[, starts after N months]; ]reason[; capped from …]`.
    fn reference_program_sentence(
        p: &Policy,
        prog: &Benefit,
        o: &ProgramOutcome,
        s: &Scratch,
        out: &mut Vec<u8>,
    ) {
        out.extend_from_slice(prog.id.as_bytes());
        out.extend_from_slice(b": ");
        if o.status == Status::Deferred {
            out.extend_from_slice(b"deferred");
            if let Some(m) = o.starts_after_months {
                out.extend_from_slice(b", starts after ");
                numfmt::write_grouped(m, out);
                out.extend_from_slice(b" months");
            }
            out.extend_from_slice(b"; ");
        }
        match &prog.reason {
            Some(t) => t.render(&s.slots, &p.enums, out),
            None => out.extend_from_slice(b"eligible"),
        }
        if let Some(from) = o.capped_from {
            out.extend_from_slice(b"; capped from ");
            numfmt::write_grouped(from, out);
            out.extend_from_slice(b" to ");
            numfmt::write_grouped(o.amount, out);
            if let Some(cap) = s.cap {
                out.extend_from_slice(b" by the household monthly cap of ");
                numfmt::write_grouped(cap, out);
            }
        }
    }

    /// A decision with every field random (slots, reasons, programs, totals).
    fn random_scratch(rng: &mut Rng, engine: &Engine<'_>, p: &Policy) -> Scratch {
        let statuses = [Status::Denied, Status::Granted, Status::Deferred];
        let mut s = engine.scratch();
        for v in &mut s.slots {
            *v = rng.value();
        }
        s.reasons = (0..p.reasons.len()).map(|_| rng.below(3) == 0).collect();
        for o in &mut s.programs {
            o.status = statuses[rng.below(3) as usize];
            o.amount = rng.value();
            o.capped_from = rng.opt();
            o.starts_after_months = rng.opt();
            o.duration_months = rng.opt();
        }
        s.cap = rng.opt();
        s.track = rng.below(p.tracks.len() as u64 + 1) as usize;
        s.monthly_total = rng.value();
        s.one_off_total = rng.value();
        s.capped = rng.below(2) == 0;
        s.review_after_months = rng.below(40) as u32;
        s.priority = rng.value();
        s
    }

    use crate::numfmt::tests::Rng;

    impl Rng {
        /// Small integers (enum indexes, flags, counts, out of range too), money, fractions, NaN.
        fn value(&mut self) -> f64 {
            match self.below(6) {
                0 => self.below(6) as f64,
                1 => self.below(2) as f64,
                2 => self.below(10_000_000) as f64 / 4.0,
                3 => self.unit(),
                4 => -(self.below(1000) as f64),
                _ => [f64::NAN, f64::INFINITY, 1e300, -0.0][self.below(4) as usize],
            }
        }

        fn opt(&mut self) -> Option<f64> {
            if self.below(2) == 0 {
                None
            } else {
                Some(self.value())
            }
        }
    }

    /// Policies with deprivation or without, programs and tracks with and
    /// without reasons, templates with `"`, slot and expression holes.
    fn policies() -> Vec<Policy> {
        let opts = Default::default();
        let default = crate::policy::DEFAULT_POLICY_TOML;
        let variant = default
            .replace(
                "reason = \"basic needs: income {income_status}, deprivation {deprivation_status}\"\n",
                "",
            )
            .replace(
                "reason = \"help to help themselves: a livelihood grant\"\n",
                "",
            )
            .replace(
                "reason = \"no program's conditions are met\"",
                "reason = \"{members} \\\"members\\\", {members + 1}\"",
            );
        assert_ne!(variant, default);
        let mut all = vec![
            Policy::load("default", default, &opts).unwrap(),
            Policy::load("variant", &variant, &opts).unwrap(),
        ];
        // Texts that JSON must escape: a NUL and a tab in reasons, quotes and
        // backslashes in the policy's id, version, a provider and a label.
        let mut hostile = default.to_owned();
        for (from, to) in [
            (
                "id = \"layak-default\"",
                "id = \"layak \\\"default\\\" \\\\ x\"",
            ),
            ("version = \"1.0.0\"", "version = \"1.0.0\\t\\u0001\""),
            (
                "provider = \"state and community\"",
                "provider = \"state \\\"and\\\" community\"",
            ),
            (
                "label = \"earth or bamboo floor\"",
                "label = \"earth\\tor \\\\bamboo\\\\ floor\"",
            ),
            (
                "reason = \"direct assistance during the emergency, then capacity building\"",
                "reason = \"direct assistance\\u0000during the emergency\\nthen {members}\"",
            ),
        ] {
            assert!(hostile.contains(from), "{from}");
            hostile = hostile.replace(from, to);
        }
        all.push(Policy::load("hostile", &hostile, &opts).unwrap());
        // A label with an escape only: everything else plain.
        let label = default.replace(
            "label = \"earth or bamboo floor\"",
            "label = \"earth \\\"or\\\" bamboo floor\"",
        );
        assert_ne!(label, default);
        all.push(Policy::load("label", &label, &opts).unwrap());
        for (name, text) in [
            (
                "income-only",
                include_str!("../../examples/policies/income-only.toml"),
            ),
            ("mpi", include_str!("../../examples/policies/mpi.toml")),
        ] {
            all.push(Policy::load(name, text, &opts).unwrap());
        }
        all
    }

    #[test]
    fn reasons_match_reference() {
        let mut rng = Rng(0x5eed_1234_abcd_ef01);
        for p in &policies() {
            let engine = Engine::new(p);
            for format in [Format::Csv, Format::Json, Format::Ndjson] {
                let writer = DecisionWriter::new(p, format);
                let sep: &[u8] = match format {
                    Format::Csv => b" | ",
                    _ if writer.json.plain_reasons => b"\",\"",
                    _ => b"\0",
                };
                for _ in 0..3000 {
                    let mut s = random_scratch(&mut rng, &engine, p);
                    let mut expected = Vec::new();
                    reference_reasons(p, &mut s, sep, &mut expected);
                    let expected = String::from_utf8_lossy(&expected).into_owned();
                    // Without facts found up front (the JSON way), after other bytes.
                    let mut plain = b"prefix".to_vec();
                    writer.reasons(&mut s, &RowFacts::default(), &mut plain);
                    assert_eq!(String::from_utf8_lossy(&plain[6..]), expected, "{}", p.file);
                    // With them, as the CSV row does: the score is already in the output.
                    let mut got = b"prefix".to_vec();
                    let mut facts = RowFacts::default();
                    if let Some(dep) = &p.deprivation {
                        let start = got.len();
                        numfmt::write_fixed(s.slots[dep.score_slot], 4, &mut got);
                        facts.score = Some(start..got.len());
                    }
                    let start = got.len();
                    writer.reasons(&mut s, &facts, &mut got);
                    assert_eq!(
                        String::from_utf8_lossy(&got[start..]),
                        expected,
                        "{}",
                        p.file
                    );
                }
            }
        }
    }

    /// A JSON object as it was written before [`json::JsonPlan`]: key by key,
    /// reasons rendered with NUL separators, then split and escaped.
    use crate::report::json::write_json_str as json_str;

    /// `"name":`
    fn json_key(name: &str, out: &mut Vec<u8>) {
        out.push(b'"');
        out.extend_from_slice(name.as_bytes());
        out.extend_from_slice(b"\":");
    }

    fn json_bool_or_null(v: Option<bool>, out: &mut Vec<u8>) {
        out.extend_from_slice(match v {
            Some(true) => b"true",
            Some(false) => b"false",
            None => b"null",
        });
    }

    fn json_opt_num(v: Option<f64>, out: &mut Vec<u8>) {
        match v {
            Some(x) => numfmt::write_shortest(x, out),
            None => out.extend_from_slice(b"null"),
        }
    }

    /// `items` as a JSON array of strings.
    fn json_str_array<'a>(items: impl Iterator<Item = &'a [u8]>, out: &mut Vec<u8>) {
        out.push(b'[');
        for (i, item) in items.enumerate() {
            if i > 0 {
                out.push(b',');
            }
            json_str(item, out);
        }
        out.push(b']');
    }

    /// The wire format written field by field, without plans: what
    /// `json_object` must match.
    fn reference_json_object(p: &Policy, d: &mut Decision<'_>, out: &mut Vec<u8>) {
        let s = &mut *d.scratch;
        out.push(b'{');
        json_key("household_id", out);
        json_str(d.household_id, out);
        out.push(b',');
        json_key("region", out);
        json_str(d.region, out);
        out.push(b',');
        reference_json_measures(p, s, out);
        json_key("track", out);
        let track = p.tracks.get(s.track).map_or("", |t| t.id.as_str());
        json_str(track.as_bytes(), out);
        out.push(b',');
        json_key("programs", out);
        out.push(b'[');
        let granted_or_deferred = p
            .programs
            .iter()
            .zip(&s.programs)
            .filter(|(_, o)| o.status != Status::Denied);
        for (i, (prog, o)) in granted_or_deferred.enumerate() {
            if i > 0 {
                out.push(b',');
            }
            reference_json_program(p, prog, o, s, out);
        }
        out.extend_from_slice(b"],");
        json_key("deferred", out);
        let deferred = p
            .programs
            .iter()
            .zip(&s.programs)
            .filter(|(_, o)| o.status == Status::Deferred)
            .map(|(prog, _)| prog.id.as_bytes());
        json_str_array(deferred, out);
        out.push(b',');
        reference_json_totals(s, out);
        json_key("reasons", out);
        let mut cell = Vec::new();
        reference_reasons(p, s, b"\0", &mut cell);
        json_str_array(cell.split(|&b| b == 0), out);
        out.push(b',');
        json_key("policy_id", out);
        json_str(p.meta.id.as_bytes(), out);
        out.push(b',');
        json_key("policy_version", out);
        json_str(p.meta.version.as_bytes(), out);
        out.push(b',');
        json_key("policy_hash", out);
        json_str(p.hash.as_bytes(), out);
        out.push(b'}');
    }

    /// The fields from `income_status` to `labour_capacity`, each followed
    /// by `,`.
    fn reference_json_measures(p: &Policy, s: &Scratch, out: &mut Vec<u8>) {
        json_key("income_status", out);
        match p.fields.income_status {
            Some((slot, e)) => {
                let name = p
                    .enums
                    .get(usize::from(e))
                    .and_then(|e| e.values.get(s.slots[slot] as usize))
                    .map_or("", String::as_str);
                json_str(name.as_bytes(), out);
            }
            None => out.extend_from_slice(b"null"),
        }
        out.push(b',');
        json_key("per_capita_income", out);
        json_opt_num(
            p.fields
                .per_capita_income
                .map(|slot| numfmt::round_half_up(s.slots[slot], 2)),
            out,
        );
        out.push(b',');
        json_key("poverty_line", out);
        json_opt_num(p.fields.poverty_line.map(|slot| s.slots[slot]), out);
        out.push(b',');
        json_key("deprivation_score", out);
        json_opt_num(
            p.deprivation.as_ref().map(|dep| s.slots[dep.score_slot]),
            out,
        );
        out.push(b',');
        json_key("deprivation_status", out);
        match &p.deprivation {
            Some(dep) => {
                let st = crate::policy::DEPRIVATION_STATUSES
                    .get(s.slots[dep.status_slot] as usize)
                    .copied()
                    .unwrap_or("");
                json_str(st.as_bytes(), out);
            }
            None => out.extend_from_slice(b"null"),
        }
        out.push(b',');
        json_key("deprived", out);
        let deprived = p
            .deprivation
            .iter()
            .flat_map(|dep| &dep.indicators)
            .filter(|ind| s.slots[ind.slot] != 0.0)
            .map(|ind| ind.id.as_bytes());
        json_str_array(deprived, out);
        out.push(b',');
        json_key("emergency", out);
        json_bool_or_null(p.fields.emergency.map(|slot| s.slots[slot] != 0.0), out);
        out.push(b',');
        json_key("labour_capacity", out);
        json_bool_or_null(
            p.fields.labour_capacity.map(|slot| s.slots[slot] != 0.0),
            out,
        );
        out.push(b',');
    }

    /// One object of `programs`.
    fn reference_json_program(
        p: &Policy,
        prog: &Benefit,
        o: &ProgramOutcome,
        s: &Scratch,
        out: &mut Vec<u8>,
    ) {
        out.push(b'{');
        json_key("id", out);
        json_str(prog.id.as_bytes(), out);
        out.push(b',');
        json_key("kind", out);
        json_str(prog.kind.as_bytes(), out);
        out.push(b',');
        json_key("provider", out);
        json_str(prog.provider.as_bytes(), out);
        out.push(b',');
        json_key("status", out);
        json_str(o.status.as_str().as_bytes(), out);
        out.push(b',');
        json_key("amount", out);
        numfmt::write_shortest(o.amount, out);
        out.push(b',');
        json_key("period", out);
        json_str(prog.period.keyword().as_bytes(), out);
        out.push(b',');
        json_key("duration_months", out);
        json_opt_num(o.duration_months, out);
        out.push(b',');
        json_key("starts_after_months", out);
        json_opt_num(o.starts_after_months, out);
        out.push(b',');
        json_key("review_months", out);
        numfmt::write_int(i64::from(prog.review_months), out);
        out.push(b',');
        json_key("capped_from", out);
        json_opt_num(o.capped_from, out);
        out.push(b',');
        json_key("reason", out);
        let mut cell = Vec::new();
        match &prog.reason {
            Some(t) => t.render(&s.slots, &p.enums, &mut cell),
            None => cell.extend_from_slice(b"eligible"),
        }
        json_str(&cell, out);
        out.push(b'}');
    }

    /// The fields from `monthly_total` to `priority`, each followed by `,`.
    fn reference_json_totals(s: &Scratch, out: &mut Vec<u8>) {
        json_key("monthly_total", out);
        numfmt::write_shortest(s.monthly_total, out);
        out.push(b',');
        json_key("one_off_total", out);
        numfmt::write_shortest(s.one_off_total, out);
        out.push(b',');
        json_key("capped", out);
        json_bool_or_null(Some(s.capped), out);
        out.push(b',');
        json_key("review_after_months", out);
        numfmt::write_int(i64::from(s.review_after_months), out);
        out.push(b',');
        json_key("priority", out);
        numfmt::write_shortest(numfmt::round_half_up(s.priority, 1), out);
        out.push(b',');
    }

    #[test]
    fn json_matches_reference() {
        let mut rng = Rng(0x0dd_ba11_cafe_f00d);
        let ids: [&[u8]; 4] = [b"H1", b"a \"quoted\" id", b"tab\there\\", b""];
        let mut plain = 0;
        for p in &policies() {
            let engine = Engine::new(p);
            let mut writer = DecisionWriter::new(p, Format::Ndjson);
            plain += usize::from(writer.json.plain_reasons);
            for _ in 0..3000 {
                let mut s = random_scratch(&mut rng, &engine, p);
                let household_id = ids[rng.below(4) as usize];
                let region = ids[rng.below(4) as usize];
                let mut expected = Vec::new();
                reference_json_object(
                    p,
                    &mut Decision {
                        household_id,
                        region,
                        scratch: &mut s,
                    },
                    &mut expected,
                );
                let mut got = b"prefix".to_vec();
                writer.json_object(
                    &mut Decision {
                        household_id,
                        region,
                        scratch: &mut s,
                    },
                    &mut got,
                );
                assert_eq!(
                    String::from_utf8_lossy(&got[6..]),
                    String::from_utf8_lossy(&expected),
                    "{}",
                    p.file
                );
            }
        }
        // Both ways of writing reasons are compared.
        assert!(plain > 0 && plain < policies().len(), "{plain}");
    }

    #[test]
    fn csv_tail_is_the_policy_columns() {
        let mut p = Policy::default_policy(&Default::default()).unwrap();
        p.meta.id = "a,b".into();
        p.meta.version = "say \"1\"".into();
        let writer = DecisionWriter::new(&p, Format::Csv);
        assert_eq!(
            String::from_utf8_lossy(&writer.plan.csv_tail),
            format!("\",\"a,b\",\"say \"\"1\"\"\",{}\n", p.hash)
        );
    }
}
