//! A policy that ranks households (`[ranking]`, issue 17) on the command
//! line: `--rank-within`, and the first pass that finds the cut-points
//! before any decision is written (the input is read twice; standard input
//! is copied to a private temporary file on the first read).

use super::*;
use crate::policy::Policy;

/// What ranking a run does: `None` when the policy does not rank; else the
/// input `--rank-within` names (`rank_within`), if any.
pub(in crate::cli) fn within_input(
    rank_within: Option<&str>,
    policy: &Policy,
) -> Result<Option<Option<usize>>, UsageError> {
    let Some(name) = rank_within else {
        return Ok(policy.ranking.as_ref().map(|_| None));
    };
    if policy.ranking.is_none() {
        return Err(UsageError(format!(
            "--rank-within {name}: the policy ranks no households (it has no [ranking] section)"
        )));
    }
    match policy.inputs.iter().position(|i| i.name == name.trim()) {
        Some(i) => Ok(Some(Some(i))),
        None => {
            let names: Vec<&str> = policy.inputs.iter().map(|i| i.name.as_str()).collect();
            let hint = crate::expr::suggest(name, names.iter().copied())
                .map(|s| format!(" (did you mean `{s}`?)"))
                .unwrap_or_default();
            Err(UsageError(format!(
                "--rank-within {name}: the policy has no such input{hint}; its inputs: {}",
                crate::policy::quote_list(&names)
            )))
        }
    }
}

/// The first pass: every household's welfare, the cut-points (handed to
/// the later passes through `config.pipeline`), and the input open again.
pub(super) fn rank_then_reopen(
    config: &mut AssessConfig,
    policy: &Policy,
    layout: &Layout,
    source: input::Source,
    (bytes, spill): (&Arc<AtomicU64>, &Option<Spill>),
    within: Option<usize>,
) -> anyhow::Result<(input::Source, pipeline::Totals)> {
    let name = source.name.clone();
    let header = source.header.clone();
    let bar = Progress::start(
        progress::Setting::from_env(config.quiet),
        format!("ranking the households of {name}"),
        Measure::file(bytes, &config.input.path),
    );
    let (totals, deciles) = pipeline::rank_welfare(
        policy,
        layout,
        source,
        &bar.options(&config.pipeline),
        within,
    )
    .map_err(|e| stopped(&name, e))?;
    drop(bar);
    let (again, _) = reopen(config, &name, &header, spill.as_ref())?;
    config.pipeline.deciles = Some(Arc::new(deciles));
    Ok((again, totals))
}

/// [`rank_then_reopen`] for person files (read again by the plan).
pub(super) fn rank_persons(
    config: &mut AssessConfig,
    policy: &Policy,
    plan: &pipeline::persons::PersonPlan<'_>,
    name: &str,
    within: Option<usize>,
) -> anyhow::Result<pipeline::Totals> {
    let bar = Progress::start(
        progress::Setting::from_env(config.quiet),
        format!("ranking the households of {name}"),
        Measure::households(),
    );
    let (totals, deciles) =
        pipeline::rank_welfare_persons(policy, plan, &bar.options(&config.pipeline), within)
            .map_err(|e| stopped(name, e))?;
    drop(bar);
    config.pipeline.deciles = Some(Arc::new(deciles));
    Ok(totals)
}

/// The writing pass must read the rows the first pass ranked.
pub(in crate::cli) fn check_same_input(
    name: &str,
    first: Option<&pipeline::Totals>,
    second: &pipeline::Totals,
) -> anyhow::Result<()> {
    match first {
        Some(first) if first.read != second.read => anyhow::bail!(
            "{name} changed while it was read twice to rank its households: {} the first time, {} the second; nothing was written",
            super::super::counted(first.read, "row", "rows"),
            super::super::grouped(second.read)
        ),
        _ => Ok(()),
    }
}

/// The summary's table per decile, when the policy ranks households.
pub(super) fn into_report(
    report: &mut Option<summary::Report>,
    tally: Option<crate::report::deciles::DecileTally>,
    policy: &Policy,
    config: &AssessConfig,
) {
    if let (Some(r), Some(t), Some(d)) =
        (report.as_mut(), tally, config.pipeline.deciles.as_deref())
    {
        let cuts = crate::report::deciles::CutPoints {
            groups: d.groups,
            within: d.within.is_some(),
            keys: &d.keys,
            cuts: &d.cuts,
        };
        r.deciles = t.report(policy, cuts, config.rank_within.as_deref());
    }
}

/// `compare`: the first pass of each policy that ranks households, on its
/// own population (the input is read once more for each), then the input
/// open again. Returns the pipeline options with the base's cut-points, the
/// reform's cut-points, and the base's first-pass totals.
#[allow(clippy::type_complexity)]
pub(in crate::cli) fn rank_both(
    config: &AssessConfig,
    (base, reform): (&Policy, &Policy),
    layout: &Layout,
    mut source: input::Source,
    spill: Option<&Spill>,
) -> anyhow::Result<(
    input::Source,
    pipeline::Options,
    Option<pipeline::rank::Deciles>,
    Option<pipeline::Totals>,
)> {
    let mut options = config.pipeline.clone();
    let name = source.name.clone();
    let header = source.header.clone();
    let regular = std::fs::metadata(&config.input.path).is_ok_and(|m| m.is_file());
    if base.ranking.is_none() && reform.ranking.is_some() && spill.is_none() && !regular {
        return Err(UsageError(
            "compare with a reform that ranks households reads its input twice: give a file, not standard input"
                .into(),
        )
        .into());
    }
    // `--rank-within` names an input of each policy that ranks.
    let within = config.rank_within.as_deref();
    if within.is_some() && base.ranking.is_none() && reform.ranking.is_none() {
        within_input(within, base)?;
    }
    let within_of = |p: &Policy| within_input(within, p).map(Option::flatten);
    let mut first = None;
    if base.ranking.is_some() {
        let (totals, deciles) =
            pipeline::rank_welfare(base, layout, source, &config.pipeline, within_of(base)?)
                .map_err(|e| stopped(&name, e))?;
        options.deciles = Some(Arc::new(deciles));
        first = Some(totals);
        source = reopen(config, &name, &header, spill)?.0;
    }
    let mut reform_deciles = None;
    if reform.ranking.is_some() {
        let reform_layout = super::layout_for(reform, &source, &config.input.read)?;
        let (totals, deciles) = pipeline::rank_welfare(
            reform,
            &reform_layout,
            source,
            &config.pipeline,
            within_of(reform)?,
        )
        .map_err(|e| stopped(&name, e))?;
        reform_deciles = Some(deciles);
        first = first.or(Some(totals));
        source = reopen(config, &name, &header, spill)?.0;
    }
    Ok((source, options, reform_deciles, first))
}
