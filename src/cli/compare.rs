//! `layak compare`: the base policy and a reform decide every household in
//! one pass; the households whose decision changes are written side by side.

use std::io::{self, Write};
use std::sync::atomic::Ordering;

use anyhow::Context;

use super::assess::{
    Noted, OpenedInput, Outputs, closing_line, open_household_file, run_context, stopped,
    summary_spec,
};
use super::common::{clean_up_on_signals, load_reform, parse_overrides, warn_defaulted};
use super::config::AssessConfig;
use super::persons;
use super::{AssessArgs, CompareArgs, ReformArgs, UsageError};
use crate::ExitStatus;
use crate::pipeline::{self, compare::Comparison};
use crate::policy::Policy;
use crate::policy::reform::{self, Override};
use crate::report::compare::{self as cmp, Change};
use crate::report::summary;

pub(super) const EXAMPLES: &str = "\
Examples:
  layak compare survey.csv --set near_poor_factor=1.3
  layak compare survey.csv --set food_assistance_monthly=250000 -o changed.csv --summary -
  layak compare survey.csv --reform reform.toml --all -o both.ndjson
  layak compare survey.csv --set poverty_line_urban@2025-03-01=650000 --summary reform.json --by region

Rows are read and checked once, by the base policy's inputs and checks; a
row either policy cannot evaluate is rejected once (code evaluation).
Exit codes as for assess: 0 every row decided; 3 some rows rejected;
1 fatal error (no output file written); 2 usage error.";

pub(super) fn run(args: CompareArgs) -> anyhow::Result<ExitStatus> {
    clean_up_on_signals();
    if !args.reform.given() {
        return Err(UsageError(
            "compare needs a reform: --reform FILE (a second policy) or --set NAME=VALUE (repeatable)"
                .into(),
        )
        .into());
    }
    let overrides = parse_overrides(&args.reform)?;
    let reform_args = args.reform.clone();
    let all = args.all;
    let config = AssessConfig::from_args(as_assess(args))?;
    match compare(&config, &reform_args, &overrides, all) {
        Err(e)
            if e.chain().any(|c| {
                c.downcast_ref::<io::Error>()
                    .is_some_and(|e| e.kind() == io::ErrorKind::BrokenPipe)
            }) =>
        {
            Ok(ExitStatus::Success)
        }
        other => other,
    }
}

/// The arguments `assess` would take for the same run: every check and
/// default of `assess` applies to `compare`.
fn as_assess(args: CompareArgs) -> AssessArgs {
    AssessArgs {
        file: args.file,
        format: args.format,
        output: args.output,
        rejects: args.rejects,
        columns: None,
        reasons: None,
        excel: false,
        policy: args.policy,
        input: args.input,
        strict: args.strict,
        threads: args.threads,
        chunk_bytes: args.chunk_bytes,
        quiet: args.quiet,
        summary: args.summary,
        report: args.report,
        lang: args.lang,
        by: args.by,
        max_groups: args.max_groups,
        unweighted: args.unweighted,
        persons_column: args.persons_column,
        budget: args.budget,
        rank_within: args.rank_within,
        stage: false,
        input_format: None,
        overrides: None,
    }
}

/// The two policies of a run, and what their summaries count.
struct Policies<'a> {
    base: &'a Policy,
    reform: &'a Policy,
    specs: (summary::SummarySpec, summary::SummarySpec),
}

fn compare(
    config: &AssessConfig,
    reform_args: &ReformArgs,
    overrides: &[Override],
    all: bool,
) -> anyhow::Result<ExitStatus> {
    let base = config.policy.load_in(config.lang)?;
    super::common::check_profile(&base, &config.input.read)?;
    let reform = load_reform(&base, reform_args, overrides)?;
    let ranks = base.ranking.is_some() || reform.ranking.is_some();
    if ranks && config.input.persons.is_some() {
        return Err(UsageError(
            "compare with a policy that ranks households ([ranking]) reads household files only (not --persons or --rectangular)"
                .into(),
        )
        .into());
    }
    let inputs = reform::same_inputs(&base, &reform).map_err(|e| UsageError(e.to_string()))?;
    let persons_input = |p: &Policy| {
        summary::persons_input(p, config.summary.persons_column.as_deref())
            .map_err(|e| UsageError(super::error_text::persons_input_text(&e)))
    };
    let (base_persons, reform_persons) = (persons_input(&base)?, persons_input(&reform)?);
    let mut outputs = Outputs::open_with(
        config,
        super::tool_lang(config.lang, &base),
        cmp::column_types,
    )?;
    if let Some(files) = &config.input.persons {
        if reform_args.reform.is_some() {
            return Err(UsageError(
                "compare reads person files with --set only (a --reform policy's person inputs are not checked against the base's yet)"
                    .into(),
            )
            .into());
        }
        let opened = persons::open(&base, (&config.input.path, &config.input.read), files, true)?;
        let setup = &opened.setup;
        outputs.rejects.name_input(&setup.household_name);
        let columns = (&setup.header[..], &setup.household_layout);
        let policies = Policies {
            base: &base,
            reform: &reform,
            specs: (
                summary_spec(config, &base, base_persons, columns, true)?,
                summary_spec(config, &reform, reform_persons, columns, true)?,
            ),
        };
        config.threads.warn_if_lowered();
        let name = setup.household_name.clone();
        let plan = pipeline::persons::PersonPlan::prepare(
            &base,
            persons::persons_of(&base)?,
            setup,
            config.pipeline.chunk_bytes,
            config.pipeline.threads,
        )
        .map_err(|e| stopped(&name, e.into()))?;
        let comparison = comparison(config, &policies, &inputs, all);
        let rankings = match config.budget {
            Some(amount) => Some(
                pipeline::rank_compare_persons(&base, &plan, &config.pipeline, &comparison, amount)
                    .map_err(|e| stopped(&name, e))?,
            ),
            None => None,
        };
        let comparison = with_rankings(comparison, rankings.as_ref());
        let outcome = pipeline::compare_persons(
            &base,
            &plan,
            config.format,
            &mut outputs.decisions,
            &mut Noted::new(&mut outputs.rejects, &mut outputs.report),
            &config.pipeline,
            &comparison,
        )
        .map_err(|e| stopped(&name, e))?;
        check_same_input(&name, rankings.as_ref(), &outcome)?;
        return finish(
            config,
            outputs,
            &policies,
            (outcome, rankings.as_ref()),
            (&name, opened.bytes),
            true,
        );
    }
    let OpenedInput {
        source,
        layout,
        bytes,
        spill,
    } = open_household_file(config, &base)?;
    outputs.rejects.name_input(&source.name);
    warn_defaulted(&base, &source, &layout);
    let columns = (&source.header[..], &layout);
    let policies = Policies {
        base: &base,
        reform: &reform,
        specs: (
            summary_spec(config, &base, base_persons, columns, false)?,
            summary_spec(config, &reform, reform_persons, columns, false)?,
        ),
    };
    config.threads.warn_if_lowered();
    let name = source.name.clone();
    // Policies that rank households: each ranks its own population first.
    let (source, options, reform_deciles, first) = super::assess::deciles::rank_both(
        config,
        (&base, &reform),
        &layout,
        source,
        spill.as_ref(),
    )?;
    let comparison = Comparison {
        reform_deciles: reform_deciles.as_ref(),
        ..comparison(config, &policies, &inputs, all)
    };
    let (source, rankings) = match config.budget {
        Some(amount) => {
            let header = source.header.clone();
            let first =
                pipeline::rank_compare(&base, &layout, source, &options, &comparison, amount)
                    .map_err(|e| stopped(&name, e))?;
            let (again, _) = super::assess::reopen(config, &name, &header, spill.as_ref())?;
            (again, Some(first))
        }
        None => (source, None),
    };
    let comparison = with_rankings(comparison, rankings.as_ref());
    let outcome = pipeline::compare(
        &base,
        &layout,
        source,
        config.format,
        &mut outputs.decisions,
        &mut Noted::new(&mut outputs.rejects, &mut outputs.report),
        &options,
        &comparison,
    )
    .map_err(|e| stopped(&name, e))?;
    check_same_input(&name, rankings.as_ref(), &outcome)?;
    super::assess::deciles::check_same_input(&name, first.as_ref(), &outcome.totals)?;
    let read = bytes.load(Ordering::Relaxed);
    finish(
        config,
        outputs,
        &policies,
        (outcome, rankings.as_ref()),
        (&name, read),
        false,
    )
}

/// The writing pass of `--budget`, given the first pass's rankings.
fn with_rankings<'a>(
    comparison: Comparison<'a>,
    rankings: Option<&'a pipeline::CompareRankings>,
) -> Comparison<'a> {
    Comparison {
        base_ranking: rankings.map(|(_, b, _)| b),
        reform_ranking: rankings.map(|(_, _, r)| r),
        ..comparison
    }
}

/// The second pass of `--budget` must read what the first ranked.
fn check_same_input(
    name: &str,
    rankings: Option<&pipeline::CompareRankings>,
    outcome: &pipeline::CompareOutcome,
) -> anyhow::Result<()> {
    let Some((first, b, r)) = rankings else {
        return Ok(());
    };
    if *first != outcome.totals || outcome.ranked != (b.eligible, r.eligible) {
        anyhow::bail!(
            "{name} changed while --budget read it twice: {} the first time, {} the second; nothing was written",
            super::counted(first.read, "row", "rows"),
            super::grouped(outcome.totals.read)
        );
    }
    Ok(())
}

fn comparison<'a>(
    config: &AssessConfig,
    policies: &'a Policies<'a>,
    inputs: &'a reform::InputMap,
    all: bool,
) -> Comparison<'a> {
    Comparison {
        reform: policies.reform,
        inputs,
        all,
        summaries: config
            .wants_summary()
            .then_some((&policies.specs.0, &policies.specs.1)),
        base_ranking: None,
        reform_ranking: None,
        reform_deciles: None,
    }
}

/// After the pass: the summary, every file committed, the closing lines.
fn finish(
    config: &AssessConfig,
    mut outputs: Outputs,
    policies: &Policies<'_>,
    (outcome, rankings): (pipeline::CompareOutcome, Option<&pipeline::CompareRankings>),
    (name, bytes): (&str, u64),
    person_mode: bool,
) -> anyhow::Result<ExitStatus> {
    let (base_spec, reform_spec) = &policies.specs;
    let totals = &outcome.totals;
    let document = match &outcome.summaries {
        Some((b, r)) => {
            b.check_groups(base_spec)?;
            r.check_groups(reform_spec)?;
            let context = |ranking| run_context(name, bytes, totals, ranking, person_mode);
            let base_report = b.report(
                base_spec,
                policies.base,
                context(rankings.map(|(_, b, _)| b)),
            );
            let reform_report = r.report(
                reform_spec,
                policies.reform,
                context(rankings.map(|(_, _, r)| r)),
            );
            let doc = cmp::summary_document(
                &base_report,
                &reform_report,
                &outcome.tally,
                (policies.base, policies.reform),
                base_spec.is_weighted(),
            )?;
            outputs.write_compare_report(&doc, &base_report, (policies.base, policies.reform))?;
            Some(doc)
        }
        None => None,
    };
    let text = match (&document, config.outputs.summary.is_some()) {
        (Some(doc), true) => {
            let mut text = serde_json::to_vec_pretty(doc).context("cannot write the summary")?;
            text.push(b'\n');
            Some(text)
        }
        _ => None,
    };
    let rejected = totals.rejected + totals.persons.without_household;
    outputs.commit_text(text, None, rejected)?;
    let mut stderr = io::stderr().lock();
    if !config.quiet {
        let line = if person_mode {
            persons::closing_line(totals)
        } else {
            closing_line(totals)
        };
        writeln!(stderr, "layak: {line}").ok();
        writeln!(stderr, "layak: {}", changes_line(&outcome.tally)).ok();
    }
    match (&document, config.summary.human) {
        (Some(doc), true) => {
            write!(stderr, "{}", cmp::human(doc)).ok();
        }
        _ => {
            if let (Some((_, b, r)), false) = (rankings, config.quiet) {
                let currency = &policies.base.meta.currency;
                for (side, ranking) in [("base", b), ("reform", r)] {
                    let line = super::assess::budget_line(ranking, currency);
                    writeln!(stderr, "layak: {side} {line}").ok();
                }
            }
        }
    }
    Ok(if rejected > 0 {
        ExitStatus::SomeRejected
    } else {
        ExitStatus::Success
    })
}

/// `compare: N decided households: enters a, leaves b, …, same s`.
fn changes_line(tally: &cmp::Tally) -> String {
    let mut line = String::from("compare:");
    let mut sep = " ";
    for change in Change::ALL {
        let n = tally.changes[change.index()][0];
        line.push_str(&format!(
            "{sep}{} {}",
            change.as_str(),
            super::grouped(n as u64)
        ));
        sep = ", ";
    }
    line
}
