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

/// One program the household gets, in the family's words.
pub struct Given {
    pub name: String,
    /// ` (deferred)`, or empty.
    pub status: String,
    /// The amount, its cap, duration and start.
    pub amount: String,
    /// `Why:` and the program's reason.
    pub why: String,
    /// `Because:` and the conditions that held, if any.
    pub because: Option<String>,
}

/// One program the household does not get.
pub struct Denied {
    pub name: String,
    pub reason: String,
    /// Each failed condition (`Not met: …`) and the conditions inside it
    /// (indent, `because …`).
    pub not_met: Vec<(String, Vec<(usize, String)>)>,
}

/// The family view as parts: the text view and the HTML letter
/// (`super::letter`) are both drawn from it.
pub struct Family {
    /// `Household`, `line`, `decision` in the language.
    pub household: &'static str,
    pub line_word: &'static str,
    pub decision: &'static str,
    /// `What the household gets:` or `The household gets no assistance now.`
    pub gets: &'static str,
    pub given: Vec<Given>,
    /// `In all: …` (when something is given).
    pub total: Option<String>,
    /// `Path: …`, the track's reason.
    pub path: Option<String>,
    /// `What it does not get:`
    pub not_gets: &'static str,
    pub denied: Vec<Denied>,
    /// `The decision will be reviewed after N months.`
    pub review: String,
    /// `Policy id version (hash), date.`
    pub policy: String,
}

/// The family view of a decided household as parts. `slots` are the
/// household's values as the engine left them (to find the deciding
/// conditions).
pub fn family(policy: &Policy, t: &Trace, slots: &[f64]) -> Family {
    let x = texts(policy.lang);
    let w = &policy.words;
    let money = |v: f64| policy.lang.money(v, &policy.meta.currency);
    let (given, denied): (Vec<&ProgramTrace>, Vec<&ProgramTrace>) =
        t.programs.iter().partition(|p| p.status != "denied");
    let gets = if given.is_empty() {
        x.gets_nothing
    } else {
        x.gets
    };
    let mut given_parts = Vec::with_capacity(given.len());
    for p in &given {
        let name = if p.name.is_empty() { &p.id } else { &p.name };
        let mut amount = match p.amount {
            Some(a) if p.period == "month" => format!("{} {}", money(a), w.a_month),
            Some(a) => format!("{} {}", money(a), w.once),
            None => String::new(),
        };
        if let Some(from) = p.reduced_from {
            let w = &policy.words;
            let _ = write!(amount, " ({} {} {})", w.reduced_from, money(from), w.by_aid);
        }
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
        let held = why::deciding(policy, &p.eligible.expr, slots);
        let because = (!held.is_empty()).then(|| {
            let list: Vec<String> = held.iter().map(|c| condition(x, c, true)).collect();
            format!("{} {}.", x.because, list.join("; "))
        });
        given_parts.push(Given {
            name: name.clone(),
            status,
            amount,
            why: format!("{} {}.", x.why, p.reason),
            because,
        });
    }
    let total = (!given.is_empty()).then(|| {
        format!(
            "{} {} {} {} {} {}.",
            x.total,
            money(t.monthly_total),
            w.a_month,
            x.and,
            money(t.one_off_total),
            w.one_off
        )
    });
    let path = track_reason(policy, t, slots).map(|r| format!("{} {r}.", x.path));
    let denied = denied
        .iter()
        .map(|p| {
            let name = if p.name.is_empty() { &p.id } else { &p.name };
            // Excluded by another program (`excludes`): its conditions held,
            // so there is no failed condition to show; the reason says why.
            let deciding = match p.excluded_by {
                Some(_) => Vec::new(),
                None => why::deciding(policy, &p.eligible.expr, slots),
            };
            let not_met = deciding
                .iter()
                .map(|c| {
                    let mut lines = Vec::new();
                    inner(&mut lines, x, c, 6);
                    (format!("{} {}", x.not_met, condition(x, c, false)), lines)
                })
                .collect();
            Denied {
                name: name.clone(),
                reason: p.reason.clone(),
                not_met,
            }
        })
        .collect();
    let review = t.review_after_months;
    Family {
        household: x.household,
        line_word: x.line,
        decision: x.decision,
        gets,
        given: given_parts,
        total,
        path,
        not_gets: x.not_gets,
        denied,
        review: format!(
            "{} {} {}.",
            x.review,
            review,
            w.months_for(f64::from(review))
        ),
        policy: format!(
            "{} {} {} ({}), {}.",
            x.policy,
            policy.meta.id,
            policy.meta.version,
            policy.hash,
            policy.lang.date(&policy.as_of)
        ),
    }
}

fn texts(lang: Lang) -> &'static Texts {
    match lang {
        Lang::En => &EN,
        Lang::Id => &ID,
    }
}

/// The family view of a decided household, as text. `slots` are the
/// household's values as the engine left them (to find the deciding
/// conditions).
pub fn render_family(
    policy: &Policy,
    t: &Trace,
    slots: &[f64],
    id: &str,
    file: &str,
    line: u64,
) -> String {
    let f = family(policy, t, slots);
    let mut o = String::new();
    let _ = writeln!(
        o,
        "{} {id} ({file}, {} {line}): {}\n",
        f.household, f.line_word, f.decision
    );
    let _ = writeln!(o, "{}", f.gets);
    for g in &f.given {
        let _ = writeln!(o, "  - {}{}: {}.", g.name, g.status, g.amount);
        let _ = writeln!(o, "    {}", g.why);
        if let Some(b) = &g.because {
            let _ = writeln!(o, "    {b}");
        }
    }
    if let Some(total) = &f.total {
        let _ = writeln!(o, "  {total}");
    }
    if let Some(path) = &f.path {
        let _ = writeln!(o, "  {path}");
    }
    if !f.denied.is_empty() {
        let _ = writeln!(o, "\n{}", f.not_gets);
    }
    for d in &f.denied {
        let _ = writeln!(o, "  - {}: {}.", d.name, d.reason);
        for (c, lines) in &d.not_met {
            let _ = writeln!(o, "    {c}");
            for (indent, text) in lines {
                let _ = writeln!(o, "{:indent$}{text}", "");
            }
        }
    }
    let _ = writeln!(o, "\n{}", f.review);
    let _ = writeln!(o, "{}", f.policy);
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

/// The conditions inside a labelled value, one per line (with its
/// indent). When the value holds (and was needed not to), they say why it
/// holds, without what they would need.
fn inner(o: &mut Vec<(usize, String)>, x: &Texts, parent: &Condition, indent: usize) {
    for c in &parent.inner {
        let text = if parent.holds {
            match &c.value {
                Some(v) => format!("{}: {v}", c.text),
                None => condition(x, c, true),
            }
        } else {
            condition(x, c, false)
        };
        o.push((indent, format!("{} {text}", x.inner)));
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
