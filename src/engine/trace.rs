//! The full trace of one decision, for `layak explain`.
//!
//! A trace is read from the engine's own scratch memory after
//! [`Engine::decide`](super::Engine::decide) ran: every value the rules
//! computed is already in a slot, and every compiled expression knows its
//! source text and the slots it reads. So the explanation shows exactly what
//! the decision used; there is no second implementation of the rules.

use serde::Serialize;

use super::{Scratch, Status};
use crate::expr::{Program, Type};
use crate::policy::{Benefit, InputType, Period, Policy, Template, by_slot};

/// One named value as a person reads it.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Value {
    pub name: String,
    pub value: String,
}

/// An expression with the values it read.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Rule {
    pub expr: String,
    pub uses: Vec<Value>,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct InputValue {
    pub name: String,
    pub value: String,
    /// True when the cell was empty or the column missing, so the default applied.
    pub defaulted: bool,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct DerivedValue {
    pub name: String,
    pub label: String,
    pub value: String,
    pub rule: Rule,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct IndicatorValue {
    pub id: String,
    pub dimension: String,
    pub weight: f64,
    pub deprived: bool,
    pub label: String,
    pub rule: Rule,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct DeprivationTrace {
    pub score: f64,
    pub status: String,
    pub vulnerable_cutoff: f64,
    pub poor_cutoff: f64,
    pub severe_cutoff: f64,
    pub indicators: Vec<IndicatorValue>,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct ProgramTrace {
    pub id: String,
    pub name: String,
    pub kind: String,
    pub provider: String,
    /// `granted`, `deferred` or `denied`.
    pub status: String,
    pub eligible: Rule,
    pub deferred_when: Option<Rule>,
    pub amount: Option<f64>,
    pub period: String,
    pub capped_from: Option<f64>,
    pub duration_months: Option<f64>,
    pub starts_after_months: Option<f64>,
    pub reason: String,
    /// Denied because this program, granted, excludes it (`excludes`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub excluded_by: Option<String>,
    /// The amount before `reduced_by` took what is already received.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reduced_from: Option<f64>,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct CapTrace {
    pub cap: f64,
    pub monthly_before_cap: f64,
    pub capped: bool,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct TrackTrace {
    pub id: String,
    /// 1-based position of the rule that chose it.
    pub rule: usize,
    pub when: Option<Rule>,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Trace {
    pub inputs: Vec<InputValue>,
    pub derived: Vec<DerivedValue>,
    pub deprivation: Option<DeprivationTrace>,
    pub programs: Vec<ProgramTrace>,
    pub cap: Option<CapTrace>,
    pub monthly_total: f64,
    pub one_off_total: f64,
    pub track: TrackTrace,
    pub priority: Option<(f64, Rule)>,
    pub review_after_months: u32,
    /// Community overrides applied to this household (`--overrides`).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub overrides: Vec<OverrideNote>,
}

/// One community override of the household, as `explain` shows it.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct OverrideNote {
    pub action: String,
    pub program: String,
    pub value: String,
    /// What the rules had decided.
    pub original: String,
    pub reason: String,
    pub decided_by: String,
    pub date: String,
}

/// The type of the value in `slot`.
pub fn slot_type(policy: &Policy, slot: usize) -> Type {
    if let Some(i) = policy.inputs.get(slot) {
        return match i.ty {
            InputType::Bool => Type::Bool,
            InputType::Enum(e) => Type::Enum(e),
            _ => Type::Number,
        };
    }
    if let Some(d) = policy.derived_in(slot) {
        return d.ty;
    }
    if let Some(dep) = &policy.deprivation {
        if dep.status_slot == slot {
            return Type::Enum(dep.status_enum);
        }
        if dep.score_slot == slot {
            return Type::Number;
        }
        if by_slot(&dep.indicators, slot, |i| i.slot).is_some() {
            return Type::Bool;
        }
    }
    if by_slot(&policy.programs, slot, |p| p.granted_slot).is_some() {
        return Type::Bool;
    }
    Type::Number
}

/// `x` with a negative zero made positive (other values unchanged). A sum of
/// no weights is `-0.0` in Rust, and rounding a tiny negative number gives
/// one; no output shows `-0`.
#[inline]
pub fn unsigned_zero(x: f64) -> f64 {
    // IEEE 754: -0.0 + 0.0 is +0.0; every other value is unchanged.
    x + 0.0
}

/// A value of the given type as a person reads it (numbers with thousands separators).
pub fn show(policy: &Policy, ty: Type, v: f64) -> String {
    let mut out = Vec::new();
    match ty {
        // Scores and shares need more than two decimals.
        Type::Number if v.abs() < 1.0 && v != 0.0 => {
            let rounded = unsigned_zero((v * 1e4).round() / 1e4);
            out.extend_from_slice(format!("{rounded}").as_bytes())
        }
        _ => crate::policy::template::write_value(v, ty, &policy.enums, &mut out),
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn rule(policy: &Policy, p: &Program, slots: &[f64]) -> Rule {
    Rule {
        expr: p.source().to_string(),
        uses: p
            .slots_used()
            .iter()
            .map(|&s| Value {
                name: policy.slot_name(s),
                value: show(policy, slot_type(policy, s), slots[s]),
            })
            .collect(),
    }
}

fn render(t: &Template, policy: &Policy, s: &Scratch) -> String {
    t.render_string(&s.slots, &policy.enums)
}

/// Build the trace of the decision held in `s`. `defaulted[i]` tells whether
/// input `i` took its default (empty cell or missing column); `texts[i]` is
/// the text of text inputs.
pub fn trace(policy: &Policy, s: &mut Scratch, defaulted: &[bool], texts: &[String]) -> Trace {
    let (programs, monthly_before_cap) = programs(policy, s);
    Trace {
        inputs: inputs(policy, s, defaulted, texts),
        derived: derived(policy, s),
        deprivation: deprivation(policy, s),
        programs,
        cap: s.cap.map(|cap| CapTrace {
            cap: unsigned_zero(cap),
            monthly_before_cap: unsigned_zero(monthly_before_cap),
            capped: s.capped,
        }),
        monthly_total: unsigned_zero(s.monthly_total),
        one_off_total: unsigned_zero(s.one_off_total),
        track: track(policy, s),
        priority: policy.priority.as_ref().map(|p| {
            (
                unsigned_zero(crate::numfmt::round_half_up(s.priority, 1)),
                rule(policy, p, &s.slots),
            )
        }),
        review_after_months: s.review_after_months,
        overrides: Vec::new(),
    }
}

/// Each input's value as read (text inputs as their text), and whether it
/// took its default.
fn inputs(policy: &Policy, s: &Scratch, defaulted: &[bool], texts: &[String]) -> Vec<InputValue> {
    policy
        .inputs
        .iter()
        .enumerate()
        .map(|(i, inp)| InputValue {
            name: inp.name.clone(),
            value: if inp.ty.is_text() {
                texts.get(i).cloned().unwrap_or_default()
            } else {
                show(policy, slot_type(policy, i), s.slots[i])
            },
            defaulted: defaulted.get(i).copied().unwrap_or(false),
        })
        .collect()
}

/// Each derived value with the rule that computed it.
fn derived(policy: &Policy, s: &Scratch) -> Vec<DerivedValue> {
    policy
        .derived
        .iter()
        .map(|d| DerivedValue {
            name: d.name.clone(),
            label: d.label.clone(),
            value: show(policy, d.ty, s.slots[d.slot]),
            rule: rule(policy, &d.program, &s.slots),
        })
        .collect()
}

/// The deprivation score and status, and each indicator, when the policy
/// counts deprivations.
fn deprivation(policy: &Policy, s: &Scratch) -> Option<DeprivationTrace> {
    policy.deprivation.as_ref().map(|dep| DeprivationTrace {
        score: unsigned_zero(s.slots[dep.score_slot]),
        status: show(
            policy,
            Type::Enum(dep.status_enum),
            s.slots[dep.status_slot],
        ),
        vulnerable_cutoff: dep.vulnerable_cutoff,
        poor_cutoff: dep.poor_cutoff,
        severe_cutoff: dep.severe_cutoff,
        indicators: dep
            .indicators
            .iter()
            .map(|i| IndicatorValue {
                id: i.id.clone(),
                dimension: i.dimension.clone(),
                weight: i.weight,
                deprived: s.slots[i.slot] != 0.0,
                label: i.label.clone(),
                rule: rule(policy, &i.when, &s.slots),
            })
            .collect(),
    })
}

/// Each program's verdict, and the monthly total of the granted programs
/// before the cap.
fn programs(policy: &Policy, s: &Scratch) -> (Vec<ProgramTrace>, f64) {
    let mut programs = Vec::new();
    let mut monthly_before_cap = 0.0;
    for (i, p) in policy.programs.iter().enumerate() {
        let o = s.programs[i];
        if o.status == Status::Granted && p.period == Period::Month {
            monthly_before_cap += o.capped_from.unwrap_or(o.amount);
        }
        programs.push(ProgramTrace {
            id: p.id.clone(),
            name: p.name.clone(),
            kind: p.kind.clone(),
            provider: p.provider.clone(),
            status: o.status.as_str().into(),
            eligible: rule(policy, &p.eligible, &s.slots),
            deferred_when: p.deferred_when.as_ref().map(|d| rule(policy, d, &s.slots)),
            amount: (o.status != Status::Denied).then_some(unsigned_zero(o.amount)),
            period: p.period.keyword().into(),
            capped_from: o.capped_from.map(unsigned_zero),
            duration_months: o.duration_months.map(unsigned_zero),
            starts_after_months: o.starts_after_months.map(unsigned_zero),
            reason: match o
                .excluded_by
                .and_then(|j| policy.programs.get(usize::from(j)))
            {
                Some(by) => format!("{} {}", policy.words.excluded_by, by.name_or_id()),
                None => program_reason(policy, p, o.status, s),
            },
            excluded_by: o
                .excluded_by
                .and_then(|j| policy.programs.get(usize::from(j)))
                .map(|by| by.id.clone()),
            reduced_from: o.reduced_from.map(unsigned_zero),
        });
    }
    (programs, monthly_before_cap)
}

/// The sentence a program's verdict gives: its template, or a plain word
/// when it has none.
fn program_reason(policy: &Policy, p: &Benefit, status: Status, s: &Scratch) -> String {
    match (status, &p.reason, &p.denied_reason) {
        (Status::Denied, _, Some(t)) => render(t, policy, s),
        (Status::Denied, _, None) => "the eligibility condition does not hold".into(),
        (_, Some(t), _) => render(t, policy, s),
        (_, None, _) => "eligible".into(),
    }
}

/// The track chosen and the rule that chose it.
fn track(policy: &Policy, s: &Scratch) -> TrackTrace {
    let track_rule = policy.tracks.get(s.track);
    TrackTrace {
        id: track_rule.map_or(String::new(), |t| t.id.clone()),
        rule: s.track + 1,
        when: track_rule
            .and_then(|t| t.when.as_ref())
            .map(|w| rule(policy, w, &s.slots)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_negative_zero_in_a_trace() {
        // A sum of no weights is -0.0 (Rust's float `Sum` starts there).
        let none: f64 = std::iter::empty::<f64>().sum();
        assert!(none.is_sign_negative());
        assert!(unsigned_zero(none).is_sign_positive());
        assert_eq!(unsigned_zero(-1.5), -1.5);
        let policy = Policy::default_policy(&Default::default()).unwrap();
        assert_eq!(show(&policy, Type::Number, -0.0), "0");
        // A tiny negative share rounds to zero, not to -0.
        assert_eq!(show(&policy, Type::Number, -0.00001), "0");
        assert_eq!(show(&policy, Type::Number, -0.25), "-0.25");

        let engine = crate::engine::Engine::new(&policy);
        let mut s = engine.scratch();
        let dep = policy.deprivation.as_ref().unwrap();
        s.slots[dep.score_slot] = none;
        s.priority = -0.01;
        s.programs = vec![Default::default(); policy.programs.len()];
        let t = trace(&policy, &mut s, &[], &[]);
        let json = serde_json::to_string(&t).unwrap();
        assert!(!json.contains("-0.0"), "{json}");
        assert!(t.deprivation.unwrap().score.is_sign_positive());
        assert!(t.priority.unwrap().0.is_sign_positive());
    }
}
