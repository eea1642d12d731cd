//! The report writer: decisions as CSV, JSON or NDJSON, and rejects as CSV.
//!
//! Writers render straight into a byte buffer owned by the caller (one per
//! batch), so a decision costs no allocation. [`DecisionWriter`] knows the
//! policy and the format; [`Decision`] is a borrowed view of one decided row.

pub mod atomic;
mod csv;
mod json;
pub mod summary;

use crate::engine::{Scratch, Status};
use crate::input::Reject;
use crate::numfmt;
use crate::policy::{Period, Policy};

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
    /// Reused buffer for a CSV cell built from pieces (reasons).
    cell: Vec<u8>,
}

impl<'p> DecisionWriter<'p> {
    pub fn new(policy: &'p Policy, format: Format) -> DecisionWriter<'p> {
        DecisionWriter {
            policy,
            format,
            reasons_may_quote: reasons_may_quote(policy),
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

    /// Render the decision's reasons, each as one sentence, calling `sep` between them.
    fn reasons(&self, s: &mut Scratch, out: &mut Vec<u8>, mut sep: impl FnMut(&mut Vec<u8>, bool)) {
        let p = self.policy;
        let mut first = true;
        let mut next = |out: &mut Vec<u8>| {
            sep(out, first);
            first = false;
        };
        for (r, &holds) in p.reasons.iter().zip(&s.reasons) {
            if holds {
                next(out);
                out.extend_from_slice(r.id.as_bytes());
                out.extend_from_slice(b": ");
                r.text.render(&s.slots, &mut s.stack, &p.enums, out);
            }
        }
        if let Some(dep) = &p.deprivation {
            next(out);
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
        for (prog, o) in p.programs.iter().zip(&s.programs) {
            if o.status == Status::Denied {
                continue;
            }
            next(out);
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
                Some(t) => t.render(&s.slots, &mut s.stack, &p.enums, out),
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
        if let Some(t) = p.tracks.get(s.track) {
            next(out);
            out.extend_from_slice(b"track ");
            out.extend_from_slice(t.id.as_bytes());
            if let Some(r) = &t.reason {
                out.extend_from_slice(b": ");
                r.render(&s.slots, &mut s.stack, &p.enums, out);
            }
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

    fn period_of(&self, i: usize) -> Period {
        self.policy.programs[i].period
    }
}

/// True when some text that reasons are made of contains `"`. Values written
/// into reasons are numbers, enum values and yes/no, which never do.
fn reasons_may_quote(p: &Policy) -> bool {
    use crate::policy::{Segment, Template};
    let template = |t: &Template| {
        t.segments
            .iter()
            .any(|s| matches!(s, Segment::Text(text) if text.contains('"')))
    };
    p.reasons
        .iter()
        .any(|r| r.id.contains('"') || template(&r.text))
        || p.programs
            .iter()
            .any(|g| g.id.contains('"') || g.reason.as_ref().is_some_and(template))
        || p.tracks
            .iter()
            .any(|t| t.id.contains('"') || t.reason.as_ref().is_some_and(template))
        || p.deprivation.as_ref().is_some_and(|d| {
            d.indicators
                .iter()
                .any(|i| i.id.contains('"') || i.label.contains('"'))
        })
        || p.enums
            .iter()
            .any(|e| e.values.iter().any(|v| v.contains('"')))
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
