//! Counters turned into the figures of the JSON document: one group's
//! [`Figures`], the rows of a group, and the whole [`Report`].

use crate::policy::{DEPRIVATION_STATUSES, Policy};

use super::poverty::{income_poverty, multidimensional};
use super::weight::Counters;
use super::wire::{
    BudgetCount, BudgetFigures, BudgetReport, ByReport, Count, Figures, Group, InputInfo, Ordered,
    PolicyInfo, Poverty, ProgramFigures, Report, Rows,
};
use super::{BudgetContext, PROGRAM_WIDTH, RunContext, Summary, SummarySpec};

/// Turn one group's counters into figures: `c` the counters the figures
/// read (weighted with `--weight`), `sample` the group's sample counts
/// (`with_budget`: with the `--budget` standing of its households).
pub(super) fn figures(
    spec: &SummarySpec,
    policy: &Policy,
    c: Counters<'_>,
    sample: &[u128],
    with_budget: bool,
) -> Figures {
    let at = spec.layout;
    let has_persons = spec.persons.is_some();
    let count = |i: usize| Count {
        households: c.at(i),
        persons: has_persons.then(|| c.at(i + 1)),
    };
    // Which of each (households, persons) pair the poverty measures use.
    let w = usize::from(spec.weighted && has_persons);
    let population = c.at(w);
    let weighted = spec.weight.is_some();
    let tracks = Ordered(
        policy
            .tracks
            .iter()
            .enumerate()
            .map(|(t, tr)| (tr.id.clone(), count(at.track + 2 * t)))
            .collect(),
    );
    let income_status = policy.fields.income_status.map(|(_, e)| {
        Ordered(
            policy.enums[usize::from(e)]
                .values
                .iter()
                .enumerate()
                .map(|(v, name)| (name.clone(), count(at.income + 2 * v)))
                .collect(),
        )
    });
    let deprivation_status = policy.deprivation.as_ref().map(|_| {
        Ordered(
            DEPRIVATION_STATUSES
                .iter()
                .enumerate()
                .map(|(v, name)| (name.to_string(), count(at.dep + 2 * v)))
                .collect(),
        )
    });
    let programs = program_figures(spec, policy, c);
    Figures {
        households: c.at(0),
        persons: has_persons.then(|| c.at(1)),
        sample_households: weighted.then_some(sample[0]),
        sample_persons: weighted.then(|| has_persons.then_some(sample[1])),
        tracks,
        income_status,
        deprivation_status,
        providers: super::providers::provider_figures(policy, &programs),
        programs,
        monthly_total: c.at(at.totals),
        one_off_total: c.at(at.totals + 1),
        households_capped: c.at(at.totals + 2),
        poverty: Poverty {
            weight: if w == 1 { "persons" } else { "households" },
            population,
            multidimensional: policy
                .deprivation
                .as_ref()
                .map(|dep| multidimensional(spec, dep, c, w, population)),
            income: income_poverty(spec, policy, c, w),
        },
        budget: with_budget.then(|| budget_figures(spec, c)),
    }
}

/// Each program's grants and costs, in the policy's order.
fn program_figures(
    spec: &SummarySpec,
    policy: &Policy,
    c: Counters<'_>,
) -> Ordered<ProgramFigures> {
    let figures = |j: usize, period: &'static str| {
        let b = spec.layout.program + PROGRAM_WIDTH * j;
        ProgramFigures {
            period,
            granted: c.at(b),
            deferred: c.at(b + 1),
            capped: c.at(b + 2),
            monthly_cost: c.at(b + 3),
            one_off_cost: c.at(b + 4),
            deferred_amount: c.at(b + 5),
        }
    };
    Ordered(
        policy
            .programs
            .iter()
            .enumerate()
            .map(|(j, p)| (p.id.clone(), figures(j, p.period.keyword())))
            .collect(),
    )
}

/// Eligible, funded and waiting households (`--budget`).
fn budget_figures(spec: &SummarySpec, c: Counters<'_>) -> BudgetFigures {
    let b = spec.layout.budget;
    let has_persons = spec.persons.is_some();
    let money = |i: usize| BudgetCount {
        households: c.at(i),
        persons: has_persons.then(|| c.at(i + 1)),
        monthly_total: c.at(i + 2),
        one_off_total: c.at(i + 3),
    };
    let (eligible, funded) = (money(b), money(b + 4));
    let waiting = BudgetCount {
        households: eligible.households.saturating_sub(funded.households),
        persons: eligible
            .persons
            .zip(funded.persons)
            .map(|(e, f)| e.saturating_sub(f)),
        monthly_total: eligible.monthly_total.saturating_sub(funded.monthly_total),
        one_off_total: eligible.one_off_total.saturating_sub(funded.one_off_total),
    };
    BudgetFigures {
        eligible,
        funded,
        waiting,
    }
}

/// Rows of `decided` households and of `rejects` (one count per reason of
/// the spec, in its order).
fn rows<N: Copy + Into<u128>>(spec: &SummarySpec, decided: u128, rejects: &[N]) -> Rows {
    let narrow = |n: u128| u64::try_from(n).unwrap_or(u64::MAX);
    let rejected: u128 = rejects.iter().map(|&n| n.into()).sum();
    Rows {
        read: narrow(decided + rejected),
        decided: narrow(decided),
        rejected: narrow(rejected),
        rejects_by_reason: Ordered(
            spec.reject_reasons
                .iter()
                .zip(rejects)
                .map(|(name, &n)| (name.to_string(), narrow(n.into())))
                .collect(),
        ),
    }
}

/// The `--budget` part of the report, from the run's sample counters: the
/// ranking funds the decided households as listed, whatever their weights.
fn budget_report(spec: &SummarySpec, total: &[u128], b: BudgetContext) -> BudgetReport {
    let f = budget_figures(spec, Counters::Sample(total));
    BudgetReport {
        amount: b.amount,
        households_eligible: f.eligible.households.whole(),
        households_funded: f.funded.households.whole(),
        households_waiting: f.waiting.households.whole(),
        persons_funded: f.funded.persons.map(|p| p.whole()),
        persons_waiting: f.waiting.persons.map(|p| p.whole()),
        monthly_used: f.funded.monthly_total.whole(),
        remaining: u128::from(b.amount).saturating_sub(f.funded.monthly_total.whole()),
        monthly_needed_for_waiting: f.waiting.monthly_total.whole(),
        one_off_funded: f.funded.one_off_total.whole(),
        last_funded_priority: b.last_funded_priority,
        first_waiting_priority: b.first_waiting_priority,
    }
}

impl Summary {
    /// The report, ready to serialise.
    pub fn report(&self, spec: &SummarySpec, policy: &Policy, ctx: RunContext) -> Report {
        let total = self.total(spec);
        let weighted = self.weighted_total(spec);
        let view = match spec.weight {
            Some(_) => Counters::Weighted(&weighted),
            None => Counters::Sample(&total),
        };
        let with_budget = ctx.budget.is_some();
        Report {
            layak_summary: 1,
            input: InputInfo {
                file: ctx.input_file,
                bytes: ctx.input_bytes,
            },
            policy: PolicyInfo {
                id: policy.meta.id.clone(),
                version: policy.meta.version.clone(),
                hash: policy.hash.clone(),
                as_of: policy.as_of.clone(),
                currency: policy.meta.currency.clone(),
            },
            rows: Rows {
                read: ctx.read,
                decided: ctx.decided,
                rejected: ctx.rejected,
                rejects_by_reason: Ordered(
                    ctx.rejects_by_reason
                        .into_iter()
                        .map(|(k, v)| (k.to_string(), v))
                        .collect(),
                ),
            },
            persons_column: spec.persons.map(|i| policy.inputs[i].name.clone()),
            weight: spec.weight.clone(),
            total: figures(spec, policy, view, &total, with_budget),
            by: self.by_report(spec, policy, with_budget),
            budget: ctx.budget.map(|b| budget_report(spec, &total, b)),
            deciles: None,
            overrides: None,
        }
    }

    /// Each group's rows and figures, in byte order of the key.
    fn by_report(
        &self,
        spec: &SummarySpec,
        policy: &Policy,
        with_budget: bool,
    ) -> Option<ByReport> {
        let by = spec.by.as_ref()?;
        let w = spec.layout.width;
        let mut order: Vec<usize> = (0..self.keys.len()).collect();
        order.sort_by(|&a, &b| self.keys[a].cmp(&self.keys[b]));
        let group = |g: usize| {
            let c = &self.counters[g * w..(g + 1) * w];
            let view = match spec.weight {
                Some(_) => Counters::Weighted(&self.weighted[g * w..(g + 1) * w]),
                None => Counters::Sample(c),
            };
            Group {
                value: by.display_key(policy, &self.keys[g]),
                rows: rows(spec, c[0], &c[spec.layout.rejects..]),
                figures: figures(spec, policy, view, c, with_budget),
            }
        };
        let mut ungrouped = self.ungrouped_rejects.clone();
        ungrouped.resize(spec.reject_reasons.len(), 0);
        Some(ByReport {
            column: by.name.clone(),
            ungrouped_rows: rows(spec, 0, &ungrouped),
            groups: order.into_iter().map(group).collect(),
        })
    }
}
