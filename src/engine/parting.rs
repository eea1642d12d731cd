//! Where two decisions of one household part (`layak explain --set/--reform`):
//! the first step of the base policy's evaluation order whose result differs
//! under the reform.
//!
//! The steps, in the order the engine takes them: the computed values
//! (derived values, indicators, the deprivation score and status) in the
//! base's dependency order, then each program (its status, then its
//! amount), the household cap, the totals, the track and the priority.
//! Values are compared as `explain` shows them; a step of one policy the
//! other does not have is a difference too.

use serde::Serialize;

use super::trace::{Rule, Trace};
use crate::policy::{Node, Policy};

/// The first step where the decisions differ.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Parting {
    /// What differs, e.g. "derived value `poverty_line`", "program `food_assistance`: amount".
    pub step: String,
    pub base: String,
    pub reform: String,
    /// The rule that gave each value, when it has one.
    pub base_rule: Option<Rule>,
    pub reform_rule: Option<Rule>,
}

fn part(
    step: String,
    base: String,
    reform: String,
    rules: (Option<&Rule>, Option<&Rule>),
) -> Option<Parting> {
    (base != reform).then(|| Parting {
        step,
        base,
        reform,
        base_rule: rules.0.cloned(),
        reform_rule: rules.1.cloned(),
    })
}

const ABSENT: &str = "(not in this policy)";

/// The first step at which `r` (the reform's trace) differs from `b`.
pub fn first_difference(base: &Policy, b: &Trace, r: &Trace) -> Option<Parting> {
    for node in &base.order {
        let found = match *node {
            Node::Derived(i) => b.derived.get(i).and_then(|d| {
                let other = r.derived.iter().find(|x| x.name == d.name);
                part(
                    format!("derived value `{}`", d.name),
                    d.value.clone(),
                    other.map_or(ABSENT.into(), |x| x.value.clone()),
                    (Some(&d.rule), other.map(|x| &x.rule)),
                )
            }),
            Node::Indicator(i) => {
                let bi = b.deprivation.as_ref().and_then(|d| d.indicators.get(i));
                bi.and_then(|ind| {
                    let other = r
                        .deprivation
                        .as_ref()
                        .and_then(|d| d.indicators.iter().find(|x| x.id == ind.id));
                    part(
                        format!("indicator `{}`", ind.id),
                        deprived(ind.deprived),
                        other.map_or(ABSENT.into(), |x| deprived(x.deprived)),
                        (Some(&ind.rule), other.map(|x| &x.rule)),
                    )
                })
            }
            Node::Score => b.deprivation.as_ref().and_then(|d| {
                part(
                    "deprivation score".into(),
                    format!("{:.4}", d.score),
                    r.deprivation
                        .as_ref()
                        .map_or(ABSENT.into(), |x| format!("{:.4}", x.score)),
                    (None, None),
                )
            }),
            Node::Status => b.deprivation.as_ref().and_then(|d| {
                part(
                    "deprivation status".into(),
                    d.status.clone(),
                    r.deprivation
                        .as_ref()
                        .map_or(ABSENT.into(), |x| x.status.clone()),
                    (None, None),
                )
            }),
        };
        if found.is_some() {
            return found;
        }
    }
    if let Some(p) = programs(b, r) {
        return Some(p);
    }
    let cap = |t: &Trace| {
        t.cap.as_ref().map_or("none".into(), |c| {
            format!("{} (capped: {})", c.cap, c.capped)
        })
    };
    let money = |v: f64| format!("{v}");
    let priority = |t: &Trace| {
        t.priority
            .as_ref()
            .map_or("none".into(), |p| p.0.to_string())
    };
    part("household cap".into(), cap(b), cap(r), (None, None))
        .or_else(|| {
            part(
                "monthly total".into(),
                money(b.monthly_total),
                money(r.monthly_total),
                (None, None),
            )
        })
        .or_else(|| {
            part(
                "one-off total".into(),
                money(b.one_off_total),
                money(r.one_off_total),
                (None, None),
            )
        })
        .or_else(|| {
            part(
                "track".into(),
                b.track.id.clone(),
                r.track.id.clone(),
                (b.track.when.as_ref(), r.track.when.as_ref()),
            )
        })
        .or_else(|| {
            part(
                "priority".into(),
                priority(b),
                priority(r),
                (
                    b.priority.as_ref().map(|p| &p.1),
                    r.priority.as_ref().map(|p| &p.1),
                ),
            )
        })
}

fn deprived(d: bool) -> String {
    (if d { "deprived" } else { "not deprived" }).into()
}

/// Each program of the base (then the reform's own): its status, then its amount.
fn programs(b: &Trace, r: &Trace) -> Option<Parting> {
    for p in &b.programs {
        let other = r.programs.iter().find(|x| x.id == p.id);
        let found = part(
            format!("program `{}`", p.id),
            p.status.clone(),
            other.map_or(ABSENT.into(), |x| x.status.clone()),
            (Some(&p.eligible), other.map(|x| &x.eligible)),
        )
        .or_else(|| {
            let amount = |a: Option<f64>| a.map_or("none".into(), |v| v.to_string());
            part(
                format!("program `{}`: amount", p.id),
                amount(p.amount),
                amount(other.and_then(|x| x.amount)),
                (None, None),
            )
        });
        if found.is_some() {
            return found;
        }
    }
    r.programs
        .iter()
        .find(|x| b.programs.iter().all(|p| p.id != x.id))
        .map(|x| Parting {
            step: format!("program `{}`", x.id),
            base: ABSENT.into(),
            reform: x.status.clone(),
            base_rule: None,
            reform_rule: Some(x.eligible.clone()),
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::{Engine, trace};
    use crate::policy::LoadOptions;

    #[test]
    fn the_first_differing_step_in_evaluation_order() {
        let options = LoadOptions {
            as_of: Some("2025-06-01".into()),
        };
        let base = Policy::default_policy(&options).unwrap();
        let set = "poverty_line_rural=2000000".parse().unwrap();
        let reform = base.with_overrides(&[set], "--set").unwrap();
        let decide = |p: &Policy| {
            let e = Engine::new(p);
            let mut s = e.scratch();
            for (i, input) in p.inputs.iter().enumerate() {
                s.slots[i] = input.default;
            }
            let members = p.inputs.iter().position(|i| i.name == "members").unwrap();
            s.slots[members] = 2.0;
            e.decide(&mut s).unwrap();
            let n = p.inputs.len();
            trace::trace(p, &mut s, &vec![false; n], &vec![String::new(); n])
        };
        let (b, r) = (decide(&base), decide(&reform));
        let first = first_difference(&base, &b, &r).expect("they part");
        // The poverty line is computed before anything that reads it.
        assert!(first.step.starts_with("derived value"), "{first:?}");
        assert_eq!(first_difference(&base, &b, &b), None);
    }
}
