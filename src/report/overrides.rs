//! The community overrides of a decision (`--overrides`, issue 20): CSV
//! columns and JSON fields appended to each decision, after `policy_hash`
//! and before `weight`, `funded` and `rank`.
//!
//! CSV: `overridden` (`true`/`false`), `override_actions` (`deny
//! food_assistance`, `set_track * emergency`, …), `override_original` (the
//! value the rules gave: `food_assistance granted 200000`, `track
//! capacity_building`, `programs food_assistance;capacity_building`),
//! `override_reason`, `override_by` and `override_date`; several overrides of
//! one household are joined with `; `. JSON and NDJSON: `"overridden"` and
//! `"overrides"`, an array of objects `program`, `action`, `value`,
//! `original`, `reason`, `decided_by`, `date`.

use crate::engine::overrides::{Action, Override, Overrides};
use crate::engine::{Overridden, Scratch, Status};
use crate::policy::Policy;
use crate::report::Format;

/// The CSV columns added with `--overrides`.
pub const OVERRIDE_COLUMNS: [&str; 6] = [
    "overridden",
    "override_actions",
    "override_original",
    "override_reason",
    "override_by",
    "override_date",
];

/// Add the override columns to a CSV header ending with its newline.
pub fn extend_csv_header(head: &mut Vec<u8>) {
    if head.last() == Some(&b'\n') {
        head.pop();
    }
    for c in OVERRIDE_COLUMNS {
        head.push(b',');
        head.extend_from_slice(c.as_bytes());
    }
    head.push(b'\n');
}

/// `action program[ value]`, as the file said.
pub fn action_text(policy: &Policy, o: &Override) -> String {
    let program = o
        .program
        .and_then(|p| policy.programs.get(p))
        .map_or("*", |p| p.id.as_str());
    if o.value.is_empty() {
        format!("{} {program}", o.action.keyword())
    } else {
        format!("{} {program} {}", o.action.keyword(), o.value)
    }
}

/// What the rules had decided, that the override changed.
pub fn original_text(policy: &Policy, o: &Override, before: &Overridden) -> String {
    match (o.action, o.program) {
        (Action::SetTrack, _) => format!(
            "track {}",
            policy
                .tracks
                .get(before.track)
                .map_or("", |t| t.id.as_str())
        ),
        (_, Some(p)) => {
            let id = policy.programs.get(p).map_or("", |b| b.id.as_str());
            match before.programs.get(p) {
                Some(out) if out.status == Status::Denied => format!("{id} denied"),
                Some(out) => format!("{id} {} {}", out.status.as_str(), out.amount),
                None => id.to_string(),
            }
        }
        (_, None) => {
            let granted: Vec<&str> = policy
                .programs
                .iter()
                .zip(&before.programs)
                .filter(|(_, out)| out.status == Status::Granted)
                .map(|(b, _)| b.id.as_str())
                .collect();
            format!("programs {}", granted.join(";"))
        }
    }
}

/// Append the override fields of the decision in `s`, just written to `out`.
pub fn append(
    format: Format,
    out: &mut Vec<u8>,
    s: &Scratch,
    overrides: &Overrides,
    policy: &Policy,
) {
    // Most households have no override: constant fields, nothing built.
    if s.overridden.is_none() {
        match format {
            Format::Csv => {
                if out.last() == Some(&b'\n') {
                    out.pop();
                }
                out.extend_from_slice(b",false,,,,,\n");
            }
            Format::Json | Format::Ndjson => {
                let newline = format == Format::Ndjson;
                if newline && out.last() == Some(&b'\n') {
                    out.pop();
                }
                if out.last() == Some(&b'}') {
                    out.pop();
                }
                out.extend_from_slice(b",\"overridden\":false,\"overrides\":[]}");
                if newline {
                    out.push(b'\n');
                }
            }
        }
        return;
    }
    let items: Vec<&Override> = s
        .overridden
        .as_ref()
        .map(|b| {
            b.lines
                .iter()
                .filter_map(|&i| overrides.items.get(i as usize))
                .collect()
        })
        .unwrap_or_default();
    let before = s.overridden.as_deref();
    let join = |f: &dyn Fn(&Override) -> String| -> String {
        items.iter().map(|o| f(o)).collect::<Vec<_>>().join("; ")
    };
    match format {
        Format::Csv => {
            if out.last() == Some(&b'\n') {
                out.pop();
            }
            out.extend_from_slice(if items.is_empty() {
                b",false"
            } else {
                b",true"
            });
            let original =
                |o: &Override| before.map_or(String::new(), |b| original_text(policy, o, b));
            for text in [
                join(&|o| action_text(policy, o)),
                join(&original),
                join(&|o| o.reason.clone()),
                join(&|o| o.decided_by.clone()),
                join(&|o| o.date.clone()),
            ] {
                out.push(b',');
                super::write_csv_text(text.as_bytes(), out);
            }
            out.push(b'\n');
        }
        Format::Json | Format::Ndjson => {
            let newline = format == Format::Ndjson;
            if newline && out.last() == Some(&b'\n') {
                out.pop();
            }
            if out.last() == Some(&b'}') {
                out.pop();
            }
            out.extend_from_slice(if items.is_empty() {
                b",\"overridden\":false,\"overrides\":["
            } else {
                b",\"overridden\":true,\"overrides\":["
            });
            for (k, o) in items.iter().enumerate() {
                if k > 0 {
                    out.push(b',');
                }
                let program = o
                    .program
                    .and_then(|p| policy.programs.get(p))
                    .map_or("*", |p| p.id.as_str());
                let original = before.map_or(String::new(), |b| original_text(policy, o, b));
                for (key, value) in [
                    ("{\"program\":", program),
                    (",\"action\":", o.action.keyword()),
                    (",\"value\":", o.value.as_str()),
                    (",\"original\":", original.as_str()),
                    (",\"reason\":", o.reason.as_str()),
                    (",\"decided_by\":", o.decided_by.as_str()),
                    (",\"date\":", o.date.as_str()),
                ] {
                    out.extend_from_slice(key.as_bytes());
                    super::write_json_str(value.as_bytes(), out);
                }
                out.push(b'}');
            }
            out.extend_from_slice(b"]}");
            if newline {
                out.push(b'\n');
            }
        }
    }
}
