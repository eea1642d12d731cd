//! Households made by hand for the unit tests of the summary.

use crate::engine::{ProgramOutcome, Scratch};
use crate::expr::EPSILON;
use crate::policy::Policy;

/// A household of `persons` deprived in `indicators` (by id), with a
/// per-capita income `y` against a line of 100 (default policy).
pub(super) fn household(policy: &Policy, persons: f64, indicators: &[&str], y: f64) -> Scratch {
    let engine = crate::engine::Engine::new(policy);
    let mut s = engine.scratch();
    let members = policy
        .inputs
        .iter()
        .position(|i| i.name == "members")
        .unwrap();
    s.slots[members] = persons;
    let dep = policy.deprivation.as_ref().unwrap();
    let mut score = 0.0;
    for ind in &dep.indicators {
        let on = indicators.contains(&ind.id.as_str());
        s.slots[ind.slot] = if on { 1.0 } else { 0.0 };
        if on {
            score += ind.weight;
        }
    }
    s.slots[dep.score_slot] = score;
    s.slots[dep.status_slot] = if score >= dep.severe_cutoff - EPSILON {
        3.0
    } else if score >= dep.poor_cutoff - EPSILON {
        2.0
    } else if score >= dep.vulnerable_cutoff - EPSILON {
        1.0
    } else {
        0.0
    };
    s.slots[policy.fields.per_capita_income.unwrap()] = y;
    s.slots[policy.fields.poverty_line.unwrap()] = 100.0;
    s.programs = vec![ProgramOutcome::default(); policy.programs.len()];
    s
}
