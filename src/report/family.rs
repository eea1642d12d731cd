//! The family view of `explain`: one household's decision in short
//! sentences a social worker can read out — what the household gets, how
//! much, for how long and why; what it does not get and the condition that
//! failed (with the household's value and the threshold); when it will be
//! reviewed. In the policy's language; `explain --detail` keeps the full
//! trace ([`super::explain_text`]).

use std::fmt::Write as _;

use crate::engine::trace::{ProgramTrace, Trace};
use crate::engine::why::{self, Condition};
use crate::policy::{Lang, Policy};

/// The family view's own words, in one language.
struct Texts {
    household: &'static str,
    line: &'static str,
    decision: &'static str,
    gets: &'static str,
    gets_nothing: &'static str,
    not_gets: &'static str,
    why: &'static str,
    because: &'static str,
    not_met: &'static str,
    inner: &'static str,
    needs: &'static str,
    total: &'static str,
    and: &'static str,
    path: &'static str,
    review: &'static str,
    policy: &'static str,
    capped_by: &'static str,
    yes: &'static str,
    no: &'static str,
}

const EN: Texts = Texts {
    household: "Household",
    line: "line",
    decision: "decision",
    gets: "What the household gets:",
    gets_nothing: "The household gets no assistance now.",
    not_gets: "What it does not get:",
    why: "Why:",
    because: "Because:",
    not_met: "Not met:",
    inner: "because",
    needs: "needs",
    total: "In all:",
    and: "and",
    path: "Path:",
    review: "The decision will be reviewed after",
    policy: "Policy",
    capped_by: "by the household monthly cap",
    yes: "yes",
    no: "no",
};

const ID: Texts = Texts {
    household: "Rumah tangga",
    line: "baris",
    decision: "keputusan",
    gets: "Yang diterima rumah tangga:",
    gets_nothing: "Rumah tangga belum menerima bantuan saat ini.",
    not_gets: "Yang tidak diterima:",
    why: "Alasan:",
    because: "Karena:",
    not_met: "Syarat tidak terpenuhi:",
    inner: "karena",
    needs: "syarat",
    total: "Seluruhnya:",
    and: "dan",
    path: "Jalur:",
    review: "Keputusan ini ditinjau ulang setelah",
    policy: "Kebijakan",
    capped_by: "karena batas bulanan rumah tangga",
    yes: "ya",
    no: "tidak",
};

/// The family view of a decided household. `slots` are the household's
/// values as the engine left them (to find the deciding conditions).
pub fn render_family(
    policy: &Policy,
    t: &Trace,
    slots: &[f64],
    id: &str,
    file: &str,
    line: u64,
) -> String {
    let x = match policy.lang {
        Lang::En => &EN,
        Lang::Id => &ID,
    };
    let w = &policy.words;
    let money = |v: f64| policy.lang.money(v, &policy.meta.currency);
    let mut o = String::new();
    let _ = writeln!(
        o,
        "{} {id} ({file}, {} {line}): {}\n",
        x.household, x.line, x.decision
    );
    let (given, denied): (Vec<&ProgramTrace>, Vec<&ProgramTrace>) =
        t.programs.iter().partition(|p| p.status != "denied");
    if given.is_empty() {
        let _ = writeln!(o, "{}", x.gets_nothing);
    } else {
        let _ = writeln!(o, "{}", x.gets);
    }
    for p in &given {
        let name = if p.name.is_empty() { &p.id } else { &p.name };
        let mut amount = match p.amount {
            Some(a) if p.period == "month" => format!("{} {}", money(a), w.a_month),
            Some(a) => format!("{} {}", money(a), w.once),
            None => String::new(),
        };
        if let Some(from) = p.capped_from {
            let _ = write!(
                amount,
                " ({} {} {})",
                w.capped_from,
                money(from),
                x.capped_by
            );
        }
        if let Some(d) = p.duration_months {
            let _ = write!(
                amount,
                ", {} {} {}",
                w.for_,
                policy.lang.number(d),
                w.months_for(d)
            );
        }
        if let Some(m) = p.starts_after_months {
            let _ = write!(
                amount,
                ", {} {} {}",
                w.starts_after,
                policy.lang.number(m),
                w.months_for(m)
            );
        }
        let status = if p.status == "deferred" {
            format!(" ({})", w.deferred.to_lowercase())
        } else {
            String::new()
        };
        let _ = writeln!(o, "  - {name}{status}: {amount}.");
        let _ = writeln!(o, "    {} {}.", x.why, p.reason);
        let held = why::deciding(policy, &p.eligible.expr, slots);
        if !held.is_empty() {
            let list: Vec<String> = held.iter().map(|c| condition(x, c, true)).collect();
            let _ = writeln!(o, "    {} {}.", x.because, list.join("; "));
        }
    }
    if !given.is_empty() {
        let _ = writeln!(
            o,
            "  {} {} {} {} {} {}.",
            x.total,
            money(t.monthly_total),
            w.a_month,
            x.and,
            money(t.one_off_total),
            w.one_off
        );
    }
    if let Some(reason) = track_reason(policy, t, slots) {
        let _ = writeln!(o, "  {} {reason}.", x.path);
    }
    if !denied.is_empty() {
        let _ = writeln!(o, "\n{}", x.not_gets);
    }
    for p in &denied {
        let name = if p.name.is_empty() { &p.id } else { &p.name };
        let _ = writeln!(o, "  - {name}: {}.", p.reason);
        for c in why::deciding(policy, &p.eligible.expr, slots) {
            let _ = writeln!(o, "    {} {}", x.not_met, condition(x, &c, false));
            inner(&mut o, x, &c, 6);
        }
    }
    let review = t.review_after_months;
    let _ = writeln!(
        o,
        "\n{} {} {}.",
        x.review,
        review,
        w.months_for(f64::from(review))
    );
    let _ = writeln!(
        o,
        "{} {} {} ({}), {}.",
        x.policy,
        policy.meta.id,
        policy.meta.version,
        policy.hash,
        policy.lang.date(&policy.as_of)
    );
    o
}

/// `label: value (needs ≥ 1)`, `label: no (needs yes)`; for a condition
/// that held (`met`), a yes/no value without what it needs.
fn condition(x: &Texts, c: &Condition, met: bool) -> String {
    match (&c.value, &c.needs) {
        (Some(v), _) if met && c.yes_no => format!("{}: {v}", c.text),
        (Some(v), Some(n)) => format!("{}: {v} ({} {n})", c.text, x.needs),
        _ => format!("{}: {}", c.text, if c.holds { x.yes } else { x.no }),
    }
}

/// The conditions inside a labelled value, one per line, indented. When
/// the value holds (and was needed not to), they say why it holds, without
/// what they would need.
fn inner(o: &mut String, x: &Texts, parent: &Condition, indent: usize) {
    for c in &parent.inner {
        let text = if parent.holds {
            match &c.value {
                Some(v) => format!("{}: {v}", c.text),
                None => condition(x, c, true),
            }
        } else {
            condition(x, c, false)
        };
        let _ = writeln!(o, "{:indent$}{} {text}", "", x.inner);
        inner(o, x, c, indent + 2);
    }
}

/// The chosen track's reason, or its id.
fn track_reason(policy: &Policy, t: &Trace, slots: &[f64]) -> Option<String> {
    let track = policy.tracks.get(t.track.rule.checked_sub(1)?)?;
    Some(match &track.reason {
        Some(r) => r.render_string(slots, &policy.enums),
        None => track.id.clone(),
    })
}
