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
use crate::policy::{Lang, Policy, Words};

/// The headings and fixed phrases of the trace, in one language (the words
/// around amounts come from the policy's [`Words`]).
struct Texts {
    household: &'static str,
    line: &'static str,
    policy: &'static str,
    hash: &'static str,
    as_of: &'static str,
    inputs: &'static str,
    derived: &'static str,
    from: &'static str,
    deprivation: &'static str,
    when: &'static str,
    /// `score S (sum of the deprived weights): status; cutoffs vulnerable ≥ …`
    score: &'static str,
    sum: &'static str,
    cutoffs: &'static str,
    programs: &'static str,
    eligible_when: &'static str,
    deferred_when: &'static str,
    cap: &'static str,
    cap_is: &'static str,
    capped: &'static str,
    not_capped: &'static str,
    totals: &'static str,
    track: &'static str,
    rule: &'static str,
    no_earlier_rule: &'static str,
    priority: &'static str,
    review: &'static str,
    not_decided: &'static str,
}

const EN: Texts = Texts {
    household: "Household",
    line: "line",
    policy: "policy",
    hash: "hash",
    as_of: "parameters as of",
    inputs: "Inputs (* = empty or missing: the default was used)",
    derived: "Derived values",
    from: "from",
    deprivation: "Deprivation (Alkire-Foster; [x] = deprived)",
    when: "when",
    score: "score",
    sum: "sum of the deprived weights",
    cutoffs: "cutoffs",
    programs: "Programs (in declared order)",
    eligible_when: "eligible when",
    deferred_when: "deferred when",
    cap: "Cap: granted monthly amounts add up to",
    cap_is: "the household cap is",
    capped: "the excess was taken off the last programs first",
    not_capped: "not capped",
    totals: "Totals",
    track: "Track",
    rule: "rule",
    no_earlier_rule: "no earlier rule held",
    priority: "Priority",
    review: "Review after",
    not_decided: "is not decided: the row is rejected.",
};

const ID: Texts = Texts {
    household: "Rumah tangga",
    line: "baris",
    policy: "kebijakan",
    hash: "hash",
    as_of: "parameter per tanggal",
    inputs: "Data masukan (* = kosong atau tidak ada: nilai bawaan dipakai)",
    derived: "Nilai turunan",
    from: "dari",
    deprivation: "Kemiskinan multidimensi (Alkire-Foster; [x] = terdeprivasi)",
    when: "jika",
    score: "skor",
    sum: "jumlah bobot yang terdeprivasi",
    cutoffs: "batas",
    programs: "Program (sesuai urutan dalam kebijakan)",
    eligible_when: "memenuhi syarat jika",
    deferred_when: "ditunda jika",
    cap: "Batas: jumlah bantuan bulanan yang diberikan",
    cap_is: "batas rumah tangga",
    capped: "kelebihannya dipotong dari program terakhir lebih dulu",
    not_capped: "tidak terkena batas",
    totals: "Jumlah",
    track: "Jalur",
    rule: "aturan",
    no_earlier_rule: "tidak ada aturan sebelumnya yang berlaku",
    priority: "Prioritas",
    review: "Ditinjau ulang setelah",
    not_decided: "tidak diputuskan: barisnya ditolak.",
};

impl Texts {
    fn of(lang: Lang) -> &'static Texts {
        match lang {
            Lang::En => &EN,
            Lang::Id => &ID,
        }
    }
}

/// What the text is written with: the headings, the policy's words and the
/// language of numbers.
struct Style<'a> {
    t: &'static Texts,
    w: &'a Words,
    lang: Lang,
}

impl Style<'_> {
    fn of(policy: &Policy) -> Style<'_> {
        Style {
            t: Texts::of(policy.lang),
            w: &policy.words,
            lang: policy.lang,
        }
    }

    /// A value of the trace as written in this language: a number with the
    /// language's separators, `yes`/`no` in its words; other values (enum
    /// values, texts) as they are.
    fn value(&self, v: &str) -> String {
        if self.lang == Lang::En {
            return v.to_string();
        }
        match v {
            "yes" => return self.w.yes.clone(),
            "no" => return self.w.no.clone(),
            _ => {}
        }
        let digits = v.strip_prefix('-').unwrap_or(v);
        let numeric = !digits.is_empty()
            && digits.starts_with(|c: char| c.is_ascii_digit())
            && digits
                .bytes()
                .all(|b| b.is_ascii_digit() || b == b',' || b == b'.');
        if !numeric {
            return v.to_string();
        }
        let (thousands, decimal) = (
            char::from(self.lang.thousands_separator()),
            char::from(self.lang.decimal_separator()),
        );
        v.chars()
            .map(|c| match c {
                ',' => thousands,
                '.' => decimal,
                c => c,
            })
            .collect()
    }

    fn money(&self, x: f64) -> String {
        match self.lang {
            Lang::En => money(x),
            lang => lang.number(x),
        }
    }

    fn fixed(&self, x: f64, decimals: u32) -> String {
        match self.lang {
            Lang::En => fixed(x, decimals),
            lang => lang.fixed(trace::unsigned_zero(x), decimals),
        }
    }
}

/// The trace of a decided household: inputs, derived values, deprivation,
/// programs, cap, totals, track, priority and review.
///
/// `id`, `file` and `line` name the household in the heading.
pub fn render_text(policy: &Policy, t: &Trace, id: &str, file: &str, line: u64) -> String {
    let st = Style::of(policy);
    let mut o = String::new();
    heading(&mut o, &st, policy, id, file, line);
    inputs_and_derived(&mut o, &st, policy, t);
    if let Some(dep) = &t.deprivation {
        deprivation(&mut o, &st, dep);
    }
    let _ = writeln!(o, "\n{}", st.t.programs);
    for p in &t.programs {
        program(&mut o, &st, p);
    }
    outcome(&mut o, &st, t);
    o
}

/// A household whose row was rejected: it has no decision to explain.
pub fn render_rejected_text(reject: &Reject, id: &str, file: &str, line: u64) -> String {
    render_rejected_text_in(Lang::En, reject, id, file, line)
}

/// [`render_rejected_text`] with its sentence in `lang` (the reject's own
/// message stays as the reader wrote it).
pub fn render_rejected_text_in(
    lang: Lang,
    reject: &Reject,
    id: &str,
    file: &str,
    line: u64,
) -> String {
    let t = Texts::of(lang);
    format!(
        "{} {id} ({file}, {} {line}) {}\n  {reject}\n",
        t.household, t.line, t.not_decided
    )
}

fn heading(o: &mut String, st: &Style, policy: &Policy, id: &str, file: &str, line: u64) {
    let t = st.t;
    let _ = write!(
        o,
        "{} {id} ({file}, {} {line})\n{} {} {} ({} {}), {} {}\n",
        t.household,
        t.line,
        t.policy,
        policy.meta.id,
        policy.meta.version,
        t.hash,
        policy.hash,
        t.as_of,
        policy.as_of
    );
}

fn inputs_and_derived(o: &mut String, st: &Style, policy: &Policy, t: &Trace) {
    // One column width for both tables: the longest input name, at least 18.
    let w = policy
        .inputs
        .iter()
        .map(|i| i.name.len())
        .max()
        .unwrap_or(10)
        .max(18);
    let _ = writeln!(o, "\n{}", st.t.inputs);
    for i in &t.inputs {
        let mark = if i.defaulted { "*" } else { " " };
        let _ = writeln!(o, "  {mark} {:<w$}  {}", i.name, st.value(&i.value));
    }
    let _ = writeln!(o, "\n{}", st.t.derived);
    for d in &t.derived {
        let _ = writeln!(o, "  {:<w$}  = {}", d.name, st.value(&d.value));
        let from = st.t.from;
        let _ = writeln!(
            o,
            "  {:<w$}    {from} {}{}",
            "",
            d.rule.expr,
            uses(st, &d.rule)
        );
    }
}

fn deprivation(o: &mut String, st: &Style, dep: &DeprivationTrace) {
    let _ = writeln!(o, "\n{}", st.t.deprivation);
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
        let when = st.t.when;
        let _ = writeln!(
            o,
            "      {:<16}        {when} {}{}",
            "",
            i.rule.expr,
            uses(st, &i.rule)
        );
    }
    let statuses = ["none", "vulnerable", "poor", "severe"];
    let status = match statuses.iter().position(|s| *s == dep.status) {
        Some(i) if st.lang != Lang::En => st.w.statuses()[i].to_string(),
        _ => dep.status.clone(),
    };
    let t = st.t;
    let w = st.w;
    let _ = writeln!(
        o,
        "  {} {} ({}): {status}; {} {} ≥ {}, {} ≥ {}, {} ≥ {}",
        t.score,
        st.fixed(dep.score, 4),
        t.sum,
        t.cutoffs,
        w.status_vulnerable,
        st.fixed(dep.vulnerable_cutoff, 4),
        w.status_poor,
        st.fixed(dep.poor_cutoff, 4),
        w.status_severe,
        st.fixed(dep.severe_cutoff, 4)
    );
}

fn program(o: &mut String, st: &Style, p: &ProgramTrace) {
    let w = st.w;
    let amount = match p.amount {
        Some(a) => {
            let per = if p.period == "month" {
                &w.a_month
            } else {
                &w.once
            };
            let mut s = format!("{} {per}", st.money(a));
            if let Some(from) = p.reduced_from {
                let _ = write!(s, " ({} {} {})", w.reduced_from, st.money(from), w.by_aid);
            }
            if let Some(from) = p.capped_from {
                let _ = write!(s, " ({} {})", w.capped_from, st.money(from));
            }
            if let Some(d) = p.duration_months {
                let d_text = st.value(&d.to_string());
                let _ = write!(s, ", {} {d_text} {}", w.for_, w.months_for(d));
            }
            if let Some(m) = p.starts_after_months {
                let m_text = st.value(&m.to_string());
                let _ = write!(s, ", {} {m_text} {}", w.starts_after, w.months_for(m));
            }
            s
        }
        None => String::new(),
    };
    let status = match p.status.as_str() {
        "granted" => &w.granted,
        "deferred" => &w.deferred,
        _ => &w.denied,
    };
    let _ = writeln!(o, "  {:<26} {:<9} {amount}", p.id, status);
    let _ = writeln!(
        o,
        "  {:<26} {} {}{}",
        "",
        st.t.eligible_when,
        p.eligible.expr,
        uses(st, &p.eligible)
    );
    if let Some(d) = &p.deferred_when {
        let dw = st.t.deferred_when;
        let _ = writeln!(o, "  {:<26} {dw} {}{}", "", d.expr, uses(st, d));
    }
    let _ = writeln!(o, "  {:<26} {}", "", p.reason);
}

/// Cap, totals, track, priority and review.
fn outcome(o: &mut String, st: &Style, t: &Trace) {
    let (x, w) = (st.t, st.w);
    if let Some(c) = &t.cap {
        let _ = writeln!(
            o,
            "\n{} {}; {} {}: {}",
            x.cap,
            st.money(c.monthly_before_cap),
            x.cap_is,
            st.money(c.cap),
            if c.capped { x.capped } else { x.not_capped }
        );
    }
    let _ = writeln!(
        o,
        "{}: {} {}, {} {}",
        x.totals,
        st.money(t.monthly_total),
        w.a_month,
        st.money(t.one_off_total),
        w.one_off
    );
    let _ = write!(
        o,
        "\n{}: {} ({} {}",
        x.track, t.track.id, x.rule, t.track.rule
    );
    match &t.track.when {
        Some(r) => {
            let _ = writeln!(o, ": {}{})", r.expr, uses(st, r));
        }
        None => {
            let _ = writeln!(o, ": {})", x.no_earlier_rule);
        }
    }
    if let Some((p, r)) = &t.priority {
        let _ = writeln!(
            o,
            "{}: {} = {}{}",
            x.priority,
            st.fixed(*p, 1),
            r.expr,
            uses(st, r)
        );
    }
    let review = t.review_after_months;
    let unit = w.months_for(f64::from(review));
    let _ = writeln!(o, "{}: {review} {unit}", x.review);
}

/// The values a rule read: `  [a = 1, b = yes]`, or nothing.
fn uses(st: &Style, r: &Rule) -> String {
    if r.uses.is_empty() {
        return String::new();
    }
    let parts: Vec<String> = r
        .uses
        .iter()
        .map(|v| format!("{} = {}", v.name, st.value(&v.value)))
        .collect();
    format!("  [{}]", parts.join(", "))
}

fn money(x: f64) -> String {
    let mut out = Vec::new();
    numfmt::write_grouped(x, &mut out);
    String::from_utf8_lossy(&out).into_owned()
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
