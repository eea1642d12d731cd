//! Poverty measures from a group's counters: Alkire–Foster (headcount
//! ratio, intensity, adjusted headcount ratio, censored headcounts and
//! contributions of the indicators) and Foster–Greer–Thorbecke FGT(0..2).
//! The formulas are in the module documentation of `summary`.
//!
//! `w` picks the member of each (households, persons) counter pair the
//! measures are weighted by: 0 for households, 1 for persons.

use crate::policy::{Deprivation, Policy};

use super::accumulate::GAP_ONE;
use super::weight::{Counters, Num};
use super::wire::{IncomePoverty, IndicatorFigures, Multidimensional, Ordered};
use super::{INDICATOR_WIDTH, SummarySpec};

/// `a / b`, or `None` when `b` is 0.
pub(super) fn ratio(a: Num, b: Num) -> Option<f64> {
    (!b.is_zero()).then(|| a.ratio_part() / b.ratio_part())
}

/// The Alkire–Foster measures of a group of `population` (weighted).
pub(super) fn multidimensional(
    spec: &SummarySpec,
    dep: &Deprivation,
    c: Counters<'_>,
    w: usize,
    population: Num,
) -> Multidimensional {
    let at = spec.layout;
    // Statuses in order: none, vulnerable, poor, severe (a pair each).
    let poor = c.at(at.dep + 4 + w).plus(c.at(at.dep + 6 + w));
    let vulnerable = c.at(at.dep + 2 + w);
    let severe = c.at(at.dep + 6 + w);
    let censored = |j: usize| c.at(at.indicator + INDICATOR_WIDTH * j + 2 + w);
    // Σ_j w_j · censored_j = Σ over the poor of n_i · c_i.
    let weighted_sum: f64 = dep
        .indicators
        .iter()
        .enumerate()
        .map(|(j, ind)| ind.weight * censored(j).ratio_part())
        .sum();
    let indicators = Ordered(
        dep.indicators
            .iter()
            .enumerate()
            .map(|(j, ind)| {
                let deprived = c.at(at.indicator + INDICATOR_WIDTH * j + w);
                let censored = censored(j);
                let figures = IndicatorFigures {
                    weight: ind.weight,
                    deprived,
                    uncensored_headcount_ratio: ratio(deprived, population),
                    censored,
                    censored_headcount_ratio: ratio(censored, population),
                    contribution_percent: (weighted_sum > 0.0)
                        .then(|| 100.0 * ind.weight * censored.ratio_part() / weighted_sum),
                };
                (ind.id.clone(), figures)
            })
            .collect(),
    );
    Multidimensional {
        poverty_cutoff: dep.poor_cutoff,
        vulnerable_cutoff: dep.vulnerable_cutoff,
        severe_cutoff: dep.severe_cutoff,
        poor,
        headcount_ratio: ratio(poor, population),
        intensity: (!poor.is_zero()).then(|| weighted_sum / poor.ratio_part()),
        adjusted_headcount_ratio: (!population.is_zero())
            .then(|| weighted_sum / population.ratio_part()),
        vulnerable,
        vulnerable_share: ratio(vulnerable, population),
        severe,
        severe_share: ratio(severe, population),
        indicators,
    }
}

/// FGT(0), FGT(1) and FGT(2) against the policy's poverty line, over the
/// households with a line; `None` when the policy has no per-capita income
/// or no poverty line.
pub(super) fn income_poverty(
    spec: &SummarySpec,
    policy: &Policy,
    c: Counters<'_>,
    w: usize,
) -> Option<IncomePoverty> {
    policy.fields.per_capita_income?;
    policy.fields.poverty_line?;
    let at = spec.layout;
    let population = c.at(at.fgt + w);
    let gap = |i: usize| {
        (!population.is_zero()).then(|| c.at(i).ratio_part() / GAP_ONE / population.ratio_part())
    };
    Some(IncomePoverty {
        population,
        poor: c.at(at.fgt + 2 + w),
        headcount_ratio: ratio(c.at(at.fgt + 2 + w), population),
        poverty_gap_index: gap(at.fgt + 4 + w),
        squared_poverty_gap: gap(at.fgt + 6 + w),
    })
}

#[cfg(test)]
mod tests {
    use super::super::accumulate::{BatchAcc, BudgetStanding};
    use super::super::figures::figures;
    use super::super::testing::household;
    use super::super::wire::Figures;
    use super::super::{Summary, persons_input};
    use super::*;

    fn run(weighted: bool) -> Figures {
        let policy = Policy::default_policy(&Default::default()).unwrap();
        let persons = persons_input(&policy, None).unwrap();
        let spec = SummarySpec::new(&policy, persons, None, weighted, &[]);
        let mut acc = BatchAcc::default();
        let rows = [
            // score 1/4 + 1/4 = 0.5: severe; income gap 0.5
            household(&policy, 4.0, &["food", "health_cover"], 50.0),
            // 1/8 + 3/24 = 0.25: vulnerable; above the line
            household(
                &policy,
                2.0,
                &["schooling", "floor", "water", "sanitation"],
                120.0,
            ),
            // 1/4 + 1/8 = 0.375: poor; income gap 0.25
            household(&policy, 3.0, &["health_cover", "head_education"], 75.0),
            // not deprived; exactly at the line: not poor
            household(&policy, 1.0, &[], 100.0),
        ];
        for s in &rows {
            let g = acc.group(&spec, b"");
            acc.add(&spec, &policy, s, g, BudgetStanding::default());
        }
        // A row counted and taken out again leaves no trace.
        let g = acc.group(&spec, b"");
        let extra = acc.add(&spec, &policy, &rows[0], g, BudgetStanding::default());
        acc.remove(&spec, extra);
        let mut sum = Summary::default();
        sum.merge(&spec, &acc);
        let total = sum.total(&spec);
        figures(&spec, &policy, Counters::Sample(&total), &total, false)
    }

    fn close(a: Option<f64>, b: f64) {
        let a = a.expect("a value");
        assert!((a - b).abs() < 1e-12, "{a} != {b}");
    }

    /// The worked example of `examples/summaries.md`, by hand:
    /// persons 4, 2, 3, 1 (N = 10); scores 0.5, 0.25, 0.375, 0; the first and
    /// third are poor (k = 1/3).
    #[test]
    fn alkire_foster_and_fgt_weighted_by_persons() {
        let f = run(true);
        assert_eq!(f.poverty.weight, "persons");
        assert_eq!(f.poverty.population, Num::Count(10));
        let m = f.poverty.multidimensional.unwrap();
        assert_eq!(m.poor, Num::Count(7));
        close(m.headcount_ratio, 0.7);
        // (4 × 0.5 + 3 × 0.375) / 10
        close(m.adjusted_headcount_ratio, 0.3125);
        close(m.intensity, 3.125 / 7.0);
        close(m.vulnerable_share, 0.2);
        close(m.severe_share, 0.4);
        let ind = |id: &str| m.indicators.get(id).unwrap();
        close(ind("food").censored_headcount_ratio, 0.4);
        close(ind("health_cover").censored_headcount_ratio, 0.7);
        close(ind("head_education").censored_headcount_ratio, 0.3);
        close(ind("schooling").censored_headcount_ratio, 0.0);
        close(ind("schooling").uncensored_headcount_ratio, 0.2);
        close(ind("food").contribution_percent, 32.0);
        close(ind("health_cover").contribution_percent, 56.0);
        close(ind("head_education").contribution_percent, 12.0);
        let total: f64 = m
            .indicators
            .0
            .iter()
            .map(|(_, i)| i.contribution_percent.unwrap())
            .sum();
        assert!((total - 100.0).abs() < 1e-9);
        let i = f.poverty.income.unwrap();
        close(i.headcount_ratio, 0.7);
        // (4 × 0.5 + 3 × 0.25) / 10 and (4 × 0.25 + 3 × 0.0625) / 10
        close(i.poverty_gap_index, 0.275);
        close(i.squared_poverty_gap, 0.11875);
    }

    #[test]
    fn alkire_foster_and_fgt_unweighted() {
        let f = run(false);
        assert_eq!(f.poverty.weight, "households");
        let m = f.poverty.multidimensional.unwrap();
        close(m.headcount_ratio, 0.5);
        close(m.adjusted_headcount_ratio, 0.875 / 4.0);
        close(m.intensity, 0.4375);
        let i = f.poverty.income.unwrap();
        close(i.headcount_ratio, 0.5);
        close(i.poverty_gap_index, 0.75 / 4.0);
        close(i.squared_poverty_gap, 0.3125 / 4.0);
        assert_eq!(f.households, Num::Count(4));
        assert_eq!(f.persons, Some(Num::Count(10)));
    }
}
