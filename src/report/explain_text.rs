//! One household's decision as a person reads it on a terminal: the text of
//! `layak explain`, also shown by `layak policy test` for a failing case, so
//! that both commands explain a decision the same way.
//!
//! The input is an [`engine::trace::Trace`](crate::engine::trace::Trace)
//! (what the rules computed) or an [`input::Reject`](crate::input::Reject)
//! (why the row was not decided).

use std::fmt::Write as _;

use crate::engine::trace::{self, DeprivationTrace, ProgramTrace, Rule, Trace};
use crate::input::Reject;
use crate::numfmt;
use crate::policy::{Policy, noun};

/// The trace of a decided household: inputs, derived values, deprivation,
/// programs, cap, totals, track, priority and review.
///
/// `id`, `file` and `line` name the household in the heading.
pub fn render_text(policy: &Policy, t: &Trace, id: &str, file: &str, line: u64) -> String {
    let mut o = String::new();
    heading(&mut o, policy, id, file, line);
    inputs_and_derived(&mut o, policy, t);
    if let Some(dep) = &t.deprivation {
        deprivation(&mut o, dep);
    }
    o.push_str("\nPrograms (in declared order)\n");
    for p in &t.programs {
        program(&mut o, p);
    }
    outcome(&mut o, t);
    o
}

/// A household whose row was rejected: it has no decision to explain.
pub fn render_rejected_text(reject: &Reject, id: &str, file: &str, line: u64) -> String {
    format!(
        "Household {id} ({file}, line {line}) is not decided: the row is rejected.\n  {reject}\n"
    )
}

fn heading(o: &mut String, policy: &Policy, id: &str, file: &str, line: u64) {
    let _ = write!(
        o,
        "Household {id} ({file}, line {line})\npolicy {} {} (hash {}), parameters as of {}\n",
        policy.meta.id, policy.meta.version, policy.hash, policy.as_of
    );
}

fn inputs_and_derived(o: &mut String, policy: &Policy, t: &Trace) {
    // One column width for both tables: the longest input name, at least 18.
    let w = policy
        .inputs
        .iter()
        .map(|i| i.name.len())
        .max()
        .unwrap_or(10)
        .max(18);
    o.push_str("\nInputs (* = empty or missing: the default was used)\n");
    for i in &t.inputs {
        let mark = if i.defaulted { "*" } else { " " };
        let _ = writeln!(o, "  {mark} {:<w$}  {}", i.name, i.value);
    }
    o.push_str("\nDerived values\n");
    for d in &t.derived {
        let _ = writeln!(o, "  {:<w$}  = {}", d.name, d.value);
        let _ = writeln!(o, "  {:<w$}    from {}{}", "", d.rule.expr, uses(&d.rule));
    }
}

fn deprivation(o: &mut String, dep: &DeprivationTrace) {
    o.push_str("\nDeprivation (Alkire-Foster; [x] = deprived)\n");
    for i in &dep.indicators {
        let mark = if i.deprived { "[x]" } else { "[ ]" };
        let _ = writeln!(
            o,
            "  {mark} {:<16} {:>5}  {:<18} {}",
            i.id,
            fraction(i.weight),
            i.dimension,
            i.label
        );
        let _ = writeln!(
            o,
            "      {:<16}        when {}{}",
            "",
            i.rule.expr,
            uses(&i.rule)
        );
    }
    let _ = writeln!(
        o,
        "  score {} (sum of the deprived weights): {}; cutoffs vulnerable ≥ {}, poor ≥ {}, severe ≥ {}",
        fixed(dep.score, 4),
        dep.status,
        fixed(dep.vulnerable_cutoff, 4),
        fixed(dep.poor_cutoff, 4),
        fixed(dep.severe_cutoff, 4)
    );
}

fn program(o: &mut String, p: &ProgramTrace) {
    let amount = match p.amount {
        Some(a) => {
            let per = if p.period == "month" {
                " a month"
            } else {
                " once"
            };
            let mut s = format!("{}{per}", money(a));
            if let Some(from) = p.capped_from {
                let _ = write!(s, " (capped from {})", money(from));
            }
            if let Some(d) = p.duration_months {
                let _ = write!(s, ", for {d} {}", months(d));
            }
            if let Some(m) = p.starts_after_months {
                let _ = write!(s, ", starts after {m} {}", months(m));
            }
            s
        }
        None => String::new(),
    };
    let _ = writeln!(o, "  {:<26} {:<9} {amount}", p.id, p.status.to_uppercase());
    let _ = writeln!(
        o,
        "  {:<26} eligible when {}{}",
        "",
        p.eligible.expr,
        uses(&p.eligible)
    );
    if let Some(d) = &p.deferred_when {
        let _ = writeln!(o, "  {:<26} deferred when {}{}", "", d.expr, uses(d));
    }
    let _ = writeln!(o, "  {:<26} {}", "", p.reason);
}

/// Cap, totals, track, priority and review.
fn outcome(o: &mut String, t: &Trace) {
    if let Some(c) = &t.cap {
        let _ = writeln!(
            o,
            "\nCap: granted monthly amounts add up to {}; the household cap is {}: {}",
            money(c.monthly_before_cap),
            money(c.cap),
            if c.capped {
                "the excess was taken off the last programs first"
            } else {
                "not capped"
            }
        );
    }
    let _ = writeln!(
        o,
        "Totals: {} a month, {} one-off",
        money(t.monthly_total),
        money(t.one_off_total)
    );
    let _ = write!(o, "\nTrack: {} (rule {}", t.track.id, t.track.rule);
    match &t.track.when {
        Some(r) => {
            let _ = writeln!(o, ": {}{})", r.expr, uses(r));
        }
        None => o.push_str(": no earlier rule held)\n"),
    }
    if let Some((p, r)) = &t.priority {
        let _ = writeln!(o, "Priority: {} = {}{}", fixed(*p, 1), r.expr, uses(r));
    }
    let review = t.review_after_months;
    let unit = noun(u128::from(review), "month", "months");
    let _ = writeln!(o, "Review after: {review} {unit}");
}

/// The values a rule read: `  [a = 1, b = yes]`, or nothing.
fn uses(r: &Rule) -> String {
    if r.uses.is_empty() {
        return String::new();
    }
    let parts: Vec<String> = r
        .uses
        .iter()
        .map(|v| format!("{} = {}", v.name, v.value))
        .collect();
    format!("  [{}]", parts.join(", "))
}

fn money(x: f64) -> String {
    let mut out = Vec::new();
    numfmt::write_grouped(x, &mut out);
    String::from_utf8_lossy(&out).into_owned()
}

/// "month" for exactly 1, else "months" (durations may be fractional).
fn months(n: f64) -> &'static str {
    if n == 1.0 { "month" } else { "months" }
}

/// `x` with `decimals` decimals, rounded half up, never `-0.0…`.
fn fixed(x: f64, decimals: u32) -> String {
    let mut out = Vec::new();
    numfmt::write_fixed(trace::unsigned_zero(x), decimals, &mut out);
    String::from_utf8_lossy(&out).into_owned()
}

/// An indicator weight as a fraction when it is a simple one (`1/24`).
fn fraction(w: f64) -> String {
    for d in [1u32, 2, 3, 4, 6, 8, 9, 12, 18, 24, 36, 48] {
        let n = w * f64::from(d);
        if (n - n.round()).abs() < 1e-9 {
            return format!("{}/{d}", n.round());
        }
    }
    format!("{w}")
}
