//! Counting: what one decided household adds to its group's counters, and
//! the per-batch accumulator the workers fill (the merger folds it into the
//! run's `Summary`, in `merge`).
//!
//! A batch keeps each household's [`HouseholdFacts`] so that the merger can
//! take a row out again exactly when it turns it into a `duplicate_id`
//! reject; counting is then the same code run backwards (wrapping
//! arithmetic, so the order of adds and removes does not matter).

use std::collections::HashMap;

use crate::engine::{Scratch, Status};
use crate::expr::EPSILON;
use crate::policy::{DEPRIVATION_STATUSES, Period, Policy};

use super::weight::Wide;
use super::{CounterLayout, INDICATOR_WIDTH, PROGRAM_WIDTH, SummarySpec};

/// 1.0 in the fixed point of income gaps.
pub(super) const GAP_ONE: f64 = (1u64 << 40) as f64;
/// "No value" for the small per-row indices.
const NONE8: u8 = u8::MAX;
/// The group of a row counted in no group: a rejected row whose `--by`
/// cell could not be read.
pub(crate) const NO_GROUP: u32 = u32::MAX;

// HouseholdFacts flags.
const CAPPED: u8 = 1;
const ELIGIBLE: u8 = 2;
const FUNDED: u8 = 4;
const HAS_LINE: u8 = 8;
const INCOME_POOR: u8 = 16;

/// The index of `poor`, the first status at the poor cutoff, in
/// [`DEPRIVATION_STATUSES`] (`poor` and `severe` are multidimensionally poor).
const FIRST_POOR_STATUS: u8 = 2;

/// A non-negative amount rounded to an integer (`as` saturates: negative
/// and NaN give 0, too large gives `u64::MAX`).
#[inline]
fn whole(x: f64) -> u64 {
    (x + 0.5) as u64
}

/// What one decided household adds to its group: enough to take it out again.
#[derive(Debug, Clone, Copy, Default)]
struct HouseholdFacts {
    group: u32,
    track: u16,
    /// Income status value, or [`NONE8`].
    income: u8,
    /// Deprivation status, or [`NONE8`].
    dep: u8,
    flags: u8,
    /// Its survey weight, in billionths (with `--weight`).
    weight: u64,
    persons: u64,
    monthly: u64,
    one_off: u64,
    /// Income gap and its square, in fixed point ([`GAP_ONE`]).
    gap: u64,
    gap2: u64,
}

/// What one household's outcome of one program adds.
#[derive(Debug, Clone, Copy)]
struct ProgramFact {
    status: Status,
    capped: bool,
    amount: u64,
}

/// A decided row's budget standing (pass 2 of `--budget`).
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct BudgetStanding {
    pub(crate) funded: bool,
}

/// One batch's figures, by group; reused from batch to batch.
#[derive(Debug, Default)]
pub(crate) struct BatchAcc {
    index: HashMap<Vec<u8>, u32>,
    pub(super) keys: Vec<Vec<u8>>,
    /// Past `--max-groups`, every new value's rows are counted in this one
    /// extra group (never merged), so that memory stays bounded until the
    /// run ends with [`super::TooManyGroups`].
    pub(super) overflow: Option<u32>,
    pub(super) counters: Vec<u128>,
    /// With survey weights: the weighted sums, in the layout of `counters`.
    pub(super) weighted: Vec<Wide>,
    /// Rejected rows in no group, per reason.
    pub(super) ungrouped_rejects: Vec<u64>,
    facts: Vec<HouseholdFacts>,
    /// Each household's program outcomes, `periods.len()` a household.
    programs: Vec<ProgramFact>,
    /// Each household's deprivation indicators, `words` a household.
    bits: Vec<u64>,
}

impl BatchAcc {
    pub(crate) fn clear(&mut self) {
        self.index.clear();
        self.keys.clear();
        self.overflow = None;
        self.counters.clear();
        self.weighted.clear();
        self.ungrouped_rejects.clear();
        self.facts.clear();
        self.programs.clear();
        self.bits.clear();
    }

    /// The batch-local index of the group with this key.
    pub(crate) fn group(&mut self, spec: &SummarySpec, key: &[u8]) -> u32 {
        let width = spec.layout.width;
        let Some(by) = &spec.by else {
            if self.keys.is_empty() {
                self.keys.push(Vec::new());
                self.counters.resize(width, 0);
                if spec.weight.is_some() {
                    self.weighted.resize(width, Wide::ZERO);
                }
            }
            return 0;
        };
        if let Some(&g) = self.index.get(key) {
            return g;
        }
        let full = self.index.len() >= by.max_groups;
        if let (true, Some(g)) = (full, self.overflow) {
            return g;
        }
        let g = self.keys.len() as u32;
        self.keys.push(if full { Vec::new() } else { key.to_vec() });
        self.counters.resize(self.counters.len() + width, 0);
        if spec.weight.is_some() {
            self.weighted.resize(self.counters.len(), Wide::ZERO);
        }
        if full {
            self.overflow = Some(g);
        } else {
            self.index.insert(key.to_vec(), g);
        }
        g
    }

    /// Count a decided row in `group`; returns its index for [`BatchAcc::remove`].
    #[cfg(test)]
    pub(crate) fn add(
        &mut self,
        spec: &SummarySpec,
        policy: &Policy,
        s: &Scratch,
        group: u32,
        standing: BudgetStanding,
    ) -> u32 {
        self.add_weighted(spec, policy, s, group, standing, 0)
    }

    /// Count a decided row of survey weight `weight` (in billionths; unused
    /// unless the spec has weights) in `group`; returns its index for
    /// [`BatchAcc::remove`].
    pub(crate) fn add_weighted(
        &mut self,
        spec: &SummarySpec,
        policy: &Policy,
        s: &Scratch,
        group: u32,
        standing: BudgetStanding,
        weight: u64,
    ) -> u32 {
        let mut f = HouseholdFacts {
            group,
            weight,
            track: s.track as u16,
            income: NONE8,
            dep: NONE8,
            persons: spec.persons.map_or(1, |i| whole(s.slots[i])),
            monthly: whole(s.monthly_total),
            one_off: whole(s.one_off_total),
            ..HouseholdFacts::default()
        };
        if let Some((slot, _)) = policy.fields.income_status {
            let v = s.slots[slot];
            if v >= 0.0 && (v as usize) < spec.income_values {
                f.income = v as u8;
            }
        }
        self.add_deprivation(spec, policy, s, &mut f);
        add_income_gap(policy, s, &mut f);
        if s.capped {
            f.flags |= CAPPED;
        }
        if standing.funded {
            f.flags |= FUNDED;
        }
        for o in &s.programs {
            if o.status == Status::Granted {
                f.flags |= ELIGIBLE;
            }
            self.programs.push(ProgramFact {
                status: o.status,
                capped: o.capped_from.is_some(),
                amount: whole(o.amount),
            });
        }
        let index = self.facts.len();
        self.facts.push(f);
        self.apply(spec, index, false);
        index as u32
    }

    /// The household's deprivation status and indicator bits.
    fn add_deprivation(
        &mut self,
        spec: &SummarySpec,
        policy: &Policy,
        s: &Scratch,
        f: &mut HouseholdFacts,
    ) {
        let first_bit = self.bits.len();
        self.bits.resize(first_bit + spec.words, 0);
        let Some(dep) = &policy.deprivation else {
            return;
        };
        let v = s.slots[dep.status_slot];
        if v >= 0.0 && (v as usize) < DEPRIVATION_STATUSES.len() {
            f.dep = v as u8;
        }
        for (j, ind) in dep.indicators.iter().enumerate() {
            if s.slots[ind.slot] != 0.0 {
                self.bits[first_bit + j / 64] |= 1 << (j % 64);
            }
        }
    }

    /// Take a counted row out again (it became a `duplicate_id` reject).
    pub(crate) fn remove(&mut self, spec: &SummarySpec, fact: u32) {
        self.apply(spec, fact as usize, true);
    }

    /// Count a rejected row in `group` ([`NO_GROUP`]: in no group) under
    /// reject reason `reason` (an index into the spec's reasons).
    pub(crate) fn count_reject(&mut self, spec: &SummarySpec, group: u32, reason: usize) {
        let reasons = spec.reject_reasons.len();
        if reason >= reasons {
            return;
        }
        if group == NO_GROUP {
            self.ungrouped_rejects.resize(reasons, 0);
            self.ungrouped_rejects[reason] += 1;
            return;
        }
        let i = group as usize * spec.layout.width + spec.layout.rejects + reason;
        if let Some(c) = self.counters.get_mut(i) {
            *c += 1;
        }
    }

    /// Add (or, with `remove`, take out) household `index`'s counts.
    fn apply(&mut self, spec: &SummarySpec, index: usize, remove: bool) {
        let f = self.facts[index];
        let at = spec.layout;
        let start = f.group as usize * at.width;
        let weighted = if spec.weight.is_some() {
            Some((&mut self.weighted[start..start + at.width], f.weight))
        } else {
            None
        };
        let mut t = Tally {
            counters: &mut self.counters[start..start + at.width],
            remove,
            persons: u128::from(f.persons),
            weighted,
        };
        t.pair(0);
        t.pair(at.track + 2 * usize::from(f.track));
        if f.income != NONE8 {
            t.pair(at.income + 2 * usize::from(f.income));
        }
        if f.dep != NONE8 {
            t.pair(at.dep + 2 * usize::from(f.dep));
        }
        let n = spec.periods.len();
        t.programs(
            at,
            &self.programs[index * n..(index + 1) * n],
            &spec.periods,
        );
        t.add(at.totals, u128::from(f.monthly));
        t.add(at.totals + 1, u128::from(f.one_off));
        if f.flags & CAPPED != 0 {
            t.add(at.totals + 2, 1);
        }
        let bits = &self.bits[index * spec.words..(index + 1) * spec.words];
        t.indicators(
            at,
            spec.indicators,
            bits,
            f.dep != NONE8 && f.dep >= FIRST_POOR_STATUS,
        );
        t.income_poverty(at, &f);
        t.budget(at, &f);
    }
}

/// The income gap of a household below its poverty line.
fn add_income_gap(policy: &Policy, s: &Scratch, f: &mut HouseholdFacts) {
    let (Some(pci), Some(line)) = (policy.fields.per_capita_income, policy.fields.poverty_line)
    else {
        return;
    };
    let (y, z) = (s.slots[pci], s.slots[line]);
    if !(z.is_finite() && z > 0.0 && y.is_finite()) {
        return;
    }
    f.flags |= HAS_LINE;
    if y < z - EPSILON {
        f.flags |= INCOME_POOR;
        let g = ((z - y.max(0.0)) / z).clamp(0.0, 1.0);
        f.gap = (g * GAP_ONE).round() as u64;
        f.gap2 = (g * g * GAP_ONE).round() as u64;
    }
}

/// One household's counts going into (or out of) one group's counters.
struct Tally<'c> {
    counters: &'c mut [u128],
    remove: bool,
    persons: u128,
    /// With survey weights: the group's weighted sums and the household's
    /// weight, by which each count is multiplied there.
    weighted: Option<(&'c mut [Wide], u64)>,
}

impl Tally<'_> {
    #[inline]
    fn add(&mut self, i: usize, v: u128) {
        let c = &mut self.counters[i];
        *c = if self.remove {
            c.wrapping_sub(v)
        } else {
            c.wrapping_add(v)
        };
        if let Some((sums, w)) = &mut self.weighted {
            let x = Wide::mul(v, *w);
            let c = &mut sums[i];
            *c = if self.remove {
                c.wrapping_sub(x)
            } else {
                c.wrapping_add(x)
            };
        }
    }

    /// One household and its persons.
    #[inline]
    fn pair(&mut self, i: usize) {
        self.add(i, 1);
        self.add(i + 1, self.persons);
    }

    fn programs(&mut self, at: CounterLayout, programs: &[ProgramFact], periods: &[Period]) {
        for (j, (g, period)) in programs.iter().zip(periods).enumerate() {
            let b = at.program + PROGRAM_WIDTH * j;
            let amount = u128::from(g.amount);
            match g.status {
                Status::Granted => {
                    self.add(b, 1);
                    match period {
                        Period::Month => self.add(b + 3, amount),
                        Period::OneOff => self.add(b + 4, amount),
                    }
                }
                Status::Deferred => {
                    self.add(b + 1, 1);
                    self.add(b + 5, amount);
                }
                Status::Denied => {}
            }
            if g.capped {
                self.add(b + 2, 1);
            }
        }
    }

    fn indicators(&mut self, at: CounterLayout, indicators: usize, bits: &[u64], poor: bool) {
        for j in 0..indicators {
            if bits[j / 64] & (1 << (j % 64)) != 0 {
                let b = at.indicator + INDICATOR_WIDTH * j;
                self.pair(b);
                if poor {
                    self.pair(b + 2);
                }
            }
        }
    }

    fn income_poverty(&mut self, at: CounterLayout, f: &HouseholdFacts) {
        if f.flags & HAS_LINE == 0 {
            return;
        }
        self.pair(at.fgt);
        if f.flags & INCOME_POOR != 0 {
            self.pair(at.fgt + 2);
            let (g, g2, p) = (u128::from(f.gap), u128::from(f.gap2), self.persons);
            self.add(at.fgt + 4, g);
            self.add(at.fgt + 5, p * g);
            self.add(at.fgt + 6, g2);
            self.add(at.fgt + 7, p * g2);
        }
    }

    fn budget(&mut self, at: CounterLayout, f: &HouseholdFacts) {
        if f.flags & ELIGIBLE == 0 {
            return;
        }
        self.pair(at.budget);
        self.add(at.budget + 2, u128::from(f.monthly));
        self.add(at.budget + 3, u128::from(f.one_off));
        if f.flags & FUNDED != 0 {
            self.pair(at.budget + 4);
            self.add(at.budget + 6, u128::from(f.monthly));
            self.add(at.budget + 7, u128::from(f.one_off));
        }
    }
}
