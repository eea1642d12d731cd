//! `explain` with a policy that ranks households (`[ranking]`, issue 17):
//! the whole file is read first (its population, as `assess` ranks it,
//! nationally or within each value of `--rank-within`), then the household
//! is decided with its decile, and a line says where it stands.

pub(super) use super::super::assess::deciles::within_input;
use crate::engine::{Engine, Scratch};
use crate::input::ReadOptions;
use crate::pipeline::{self, persons::PersonPlan, rank::Collector};
use crate::policy::Policy;
use crate::report::deciles::{Standing, explain_line};

/// The file's population, until the household is placed in it.
pub(super) struct Population {
    collector: Option<Collector>,
    /// `--rank-within`: the input whose value makes the household's group.
    within: Option<usize>,
    standing: Option<Standing>,
}

/// The population of the household file at `path`, when the policy ranks
/// households.
pub(super) fn population(
    policy: &Policy,
    path: &str,
    read: &ReadOptions,
    rank_within: Option<&str>,
) -> anyhow::Result<Option<Population>> {
    let Some(within) = within_input(rank_within, policy)? else {
        return Ok(None);
    };
    if path == "-" {
        return Err(super::super::UsageError(
            "explain ranks every household of the file first (the policy has a [ranking]): give a file, not standard input"
                .into(),
        )
        .into());
    }
    let (source, layout) = super::open_input(policy, path, read)?;
    let name = source.name.clone();
    let collector = pipeline::collect_welfare(
        policy,
        &layout,
        source,
        &pipeline::Options::default(),
        within,
    )
    .map_err(|e| super::super::assess::stopped(&name, e))?;
    Ok(Some(Population::of(collector, within)))
}

/// The population of person files (read in full by `plan`), when the
/// policy ranks households.
pub(super) fn population_persons(
    policy: &Policy,
    plan: &PersonPlan<'_>,
    name: &str,
    within: Option<usize>,
) -> anyhow::Result<Population> {
    let collector =
        pipeline::collect_welfare_persons(policy, plan, &pipeline::Options::default(), within)
            .map_err(|e| super::super::assess::stopped(name, e))?;
    Ok(Population::of(collector, within))
}

impl Population {
    fn of(collector: Collector, within: Option<usize>) -> Population {
        Population {
            collector: Some(collector),
            within,
            standing: None,
        }
    }

    /// The input whose value makes the household's group, if any.
    pub(super) fn within(&self) -> Option<usize> {
        self.within
    }

    /// Before the household is decided: its welfare (from its slots in
    /// `s`), its standing in its group (`key`: the value of the
    /// `--rank-within` input as written, empty when ranking nationally), and
    /// the cut-points it is decided with.
    pub(super) fn place(
        &mut self,
        policy: &Policy,
        engine: &Engine<'_>,
        s: &mut Scratch,
        key: &[u8],
    ) {
        let (Some(r), Some(c)) = (&policy.ranking, self.collector.take()) else {
            return;
        };
        // A welfare that cannot be evaluated: deciding rejects the household.
        if engine.welfare(s).is_err() {
            return;
        }
        let welfare = s.slots[r.welfare_slot];
        let Ok((below, total)) = c.at_or_below(key, welfare) else {
            return;
        };
        if let Ok(d) = c.finish(r.groups, self.within) {
            s.rank_group = d.group_of(key);
            s.cuts = d.cuts;
            let group = self.within.map(|i| {
                (
                    policy.inputs[i].name.clone(),
                    String::from_utf8_lossy(key).into_owned(),
                )
            });
            self.standing = Some(Standing {
                decile: 0,
                welfare,
                below,
                total,
                group,
            });
        }
    }

    /// `desil 3 of 10: …`, once the household is decided.
    pub(super) fn line(&self, policy: &Policy, slots: &[f64]) -> Option<String> {
        let (r, standing) = (policy.ranking.as_ref()?, self.standing.as_ref()?);
        let decile = slots.get(r.decile_slot).copied().unwrap_or(0.0) as u32;
        Some(explain_line(
            policy.lang,
            r,
            &Standing {
                decile,
                ..standing.clone()
            },
        ))
    }
}
