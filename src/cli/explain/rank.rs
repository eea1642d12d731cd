//! `explain` with a policy that ranks households (`[ranking]`, issue 17):
//! the whole file is read first (its population, as `assess` ranks it
//! nationally), then the household is decided with its decile, and a line
//! says where it stands.

use crate::engine::{Engine, Scratch};
use crate::input::ReadOptions;
use crate::pipeline::{self, rank::Collector};
use crate::policy::Policy;
use crate::report::deciles::{Standing, explain_line};

/// The file's population, until the household is placed in it.
pub(super) struct Population {
    collector: Option<Collector>,
    standing: Option<Standing>,
}

/// The population of the file at `path`, when the policy ranks households.
pub(super) fn population(
    policy: &Policy,
    path: &str,
    read: &ReadOptions,
) -> anyhow::Result<Option<Population>> {
    if policy.ranking.is_none() {
        return Ok(None);
    }
    if path == "-" {
        return Err(super::super::UsageError(
            "explain ranks every household of the file first (the policy has a [ranking]): give a file, not standard input"
                .into(),
        )
        .into());
    }
    let (source, layout) = super::open_input(policy, path, read)?;
    let name = source.name.clone();
    let collector =
        pipeline::collect_welfare(policy, &layout, source, &pipeline::Options::default())
            .map_err(|e| super::super::assess::stopped(&name, e))?;
    Ok(Some(Population {
        collector: Some(collector),
        standing: None,
    }))
}

impl Population {
    /// Before the household is decided: its welfare (from its slots in
    /// `s`), its standing, and the cut-points it is decided with.
    pub(super) fn place(&mut self, policy: &Policy, engine: &Engine<'_>, s: &mut Scratch) {
        let (Some(r), Some(c)) = (&policy.ranking, self.collector.take()) else {
            return;
        };
        // A welfare that cannot be evaluated: deciding rejects the household.
        if engine.welfare(s).is_err() {
            return;
        }
        let welfare = s.slots[r.welfare_slot];
        let Ok((below, total)) = c.at_or_below(b"", welfare) else {
            return;
        };
        if let Ok(d) = c.finish(r.groups, None) {
            s.cuts = d.cuts;
            s.rank_group = 0;
            self.standing = Some(Standing {
                decile: 0,
                welfare,
                below,
                total,
            });
        }
    }

    /// `desil 3 of 10: …`, once the household is decided.
    pub(super) fn line(&self, policy: &Policy, slots: &[f64]) -> Option<String> {
        let (r, standing) = (policy.ranking.as_ref()?, self.standing?);
        let decile = slots.get(r.decile_slot).copied().unwrap_or(0.0) as u32;
        Some(explain_line(
            policy.lang,
            r,
            &Standing { decile, ..standing },
        ))
    }
}
