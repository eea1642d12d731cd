//! The parallel streaming pipeline that joins the stages:
//!
//! ```text
//!  reader thread          worker threads (N)                 merger (caller's thread)
//!  ─────────────          ──────────────────                 ────────────────────────
//!  Chunker: cut the  ──▶  parse CSV, typed cells,      ──▶   re-sequence by batch index,
//!  input into chunks      decide, write decisions            claim ids (duplicates),
//!  of whole records       into the batch's byte buffer       write output and rejects
//!          ▲                                                          │
//!          └────────────── empty batches return to a fixed pool ◀─────┘
//! ```
//!
//! Memory is bounded by the pool: at most `2 × threads + 2` batches exist,
//! each holding one chunk of input and its output, and their buffers are
//! reused, so a steady-state row allocates nothing. Output is byte-identical
//! for any thread count: chunk boundaries depend only on the input, every
//! batch is written in input order, and everything order-dependent
//! (duplicate ids, JSON separators, `--strict`) happens in the merger.
//!
//! Duplicate detection must see rows in order, so workers only compute each
//! row's id fingerprint and the merger claims it; a row whose id was seen
//! before becomes a `duplicate_id` reject there (unless it already failed at
//! an input declared before the id).
//!
//! A summary (`--summary`) is counted by the workers, one accumulator per
//! batch, and folded in by the merger, which takes a row out again when it
//! turns it into a `duplicate_id` reject. Every figure is an integer sum, so
//! the result does not depend on the thread count. With `--by`, the workers
//! also find each rejected row's group (`pipeline/group_key.rs`) and the
//! merger counts the reject there under the code it finally reports.
//!
//! Budget targeting (`--budget`) runs the pipeline twice: [`rank()`] decides
//! every row without writing and collects the eligible households
//! ([`budget::Collector`]); [`assess_with`] given the [`budget::Ranking`]
//! then writes every decision with its `funded` and `rank` fields.

pub mod budget;
pub mod compare;
mod group_key;
mod merger;
pub(crate) mod persons;
pub mod rank;
mod run;
pub(crate) mod stage;
mod weight;
mod worker;

use std::io::{self, Write};
use std::sync::Arc;
use std::sync::atomic::AtomicU64;

use crate::input::{InputError, Layout, Reject, RejectCode, Source};
use crate::policy::Policy;
use crate::report::Format;
use crate::report::summary::{self, SummarySpec};
use budget::Ranking;
use run::run;

/// How to run the pipeline.
#[derive(Debug, Clone)]
pub struct Options {
    /// Worker threads; 1 runs everything on the calling thread.
    pub threads: usize,
    /// Target size of one chunk of input, in bytes.
    pub chunk_bytes: usize,
    /// Stop at the first reject (in input order).
    pub strict: bool,
    /// Validation: report every bad cell of a rejected row, not only the first.
    pub all_errors: bool,
    /// Rows (households) merged so far, stored once per chunk for a
    /// progress display: the only hook the run offers, and it costs one
    /// relaxed store per chunk.
    pub progress: Option<Arc<AtomicU64>>,
    /// `[ranking]`: the cut-points found by the first pass ([`rank_welfare`]);
    /// every decision then has its `decile`.
    pub deciles: Option<Arc<rank::Deciles>>,
    /// Community overrides (`--overrides`), applied to each decided
    /// household after the rules and before the budget ranking.
    pub overrides: Option<Arc<crate::engine::overrides::Overrides>>,
}

impl Default for Options {
    fn default() -> Self {
        let threads = default_threads();
        Options {
            threads,
            chunk_bytes: default_chunk_bytes(threads),
            strict: false,
            all_errors: false,
            progress: None,
            deciles: None,
            overrides: None,
        }
    }
}

/// The chunk size for a thread count. One thread processes and writes each
/// chunk in turn, so a small chunk keeps the chunk and its output (about
/// 4.5 times the input, for CSV with reasons) in the core's L2 cache: 64 KiB
/// is ~3% faster than 256 KiB there (median of 15 paired runs). With
/// workers, larger chunks mean fewer hand-offs between threads: 64 KiB is
/// ~7% slower than 256 KiB at two threads.
pub fn default_chunk_bytes(threads: usize) -> usize {
    if threads <= 1 { 64 * 1024 } else { 256 * 1024 }
}

/// Every core the process may use.
pub fn default_threads() -> usize {
    std::thread::available_parallelism().map_or(1, usize::from)
}

/// Counts of a finished run: `read == decided + rejected`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Totals {
    /// Data rows read: blank rows are not data and not counted here.
    pub read: u64,
    pub decided: u64,
    pub rejected: u64,
    /// Rejects per code, in [`RejectCode::ALL`] order.
    pub rejects_by_code: [u64; RejectCode::ALL.len()],
    /// Blank rows skipped: only spaces and tabs, or only empty cells (a
    /// spreadsheet's trailing `;;;;;;` rows). Empty lines are not counted.
    pub skipped: u64,
    /// Person modes: the persons read (`read == used + rejected`). The
    /// household counts above count households; `rejects_by_code` counts
    /// household rejects, and lone persons apart (`without_household`).
    pub persons: PersonTotals,
}

/// The persons of a person-mode run.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PersonTotals {
    pub read: u64,
    /// Persons of decided households (valid ones, when validating).
    pub used: u64,
    /// Persons of rejected households, and persons without a household.
    pub rejected: u64,
    /// Persons rejected as `person_without_household`.
    pub without_household: u64,
}

/// Why a run stopped early.
#[derive(Debug, thiserror::Error)]
pub enum PipelineError {
    #[error(transparent)]
    Input(#[from] InputError),
    #[error("cannot write the output: {0}")]
    Output(#[source] io::Error),
    /// A strict run stopped at its first reject.
    #[error("stopped at the first rejected row: {0}")]
    Strict(Box<Reject>),
    /// Budget ranking keeps every eligible row in memory, up to a limit.
    #[error("budget ranking takes at most {limit} rows", limit = budget::MAX_ROWS)]
    TooManyRows,
    /// The writing pass of a ranking found other rows than the ranking pass.
    #[error(
        "the input changed between the ranking pass and the writing pass: batch {batch} starts at row {second}, not {first}"
    )]
    InputChanged { batch: u64, first: u64, second: u64 },
    /// A later pass of a `[ranking]` read other household ids than the first.
    #[error(
        "the input changed between the ranking pass and the writing pass: its household ids are not the same"
    )]
    IdsChanged,
    /// `[ranking]`: the population could not be spilled to a temporary file.
    #[error("cannot rank the households on a temporary file: {0}")]
    Rank(#[source] io::Error),
    /// Person modes: the persons could not be sorted on a temporary file.
    #[error(transparent)]
    Persons(#[from] persons::PersonError),
    #[error("cannot start {wanted} worker threads: {source}")]
    Threads {
        wanted: usize,
        #[source]
        source: io::Error,
    },
}

/// Receives rejects in input order.
pub trait RejectSink {
    fn reject(&mut self, reject: &Reject) -> io::Result<()>;
    /// Another problem of the row just rejected (validation with
    /// `all_errors`): not a row of its own, so not in the totals.
    fn also(&mut self, _problem: &Reject) -> io::Result<()> {
        Ok(())
    }
}

/// Rejects kept in memory (tests and small runs).
impl RejectSink for Vec<Reject> {
    fn reject(&mut self, reject: &Reject) -> io::Result<()> {
        self.push(reject.clone());
        Ok(())
    }
}

/// What the workers do with each valid row.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Job {
    /// Decide it and write the decision in this format.
    Assess(Format),
    /// Only read and check it (`layak validate`): nothing is written.
    Validate,
    /// Decide it without writing: for budget ranking, and for stage mode's
    /// Arrow output, which takes the decision from the worker's scratch.
    Rank,
    /// Decide it by two policies and write the comparison in this format.
    Compare(Format),
    /// `[ranking]`, first pass: evaluate its welfare only, nothing is written.
    Welfare,
}

/// What a run does: the job, and what it adds to the decisions.
#[derive(Clone, Copy)]
struct Plan<'a> {
    job: Job,
    summary: Option<&'a SummarySpec>,
    ranking: Option<&'a Ranking>,
    /// Every bad cell of a rejected row is reported (validation only).
    all_errors: bool,
    /// The decisions' shape (`--columns`, `--reasons`).
    shape: Option<&'a crate::report::OutputShape>,
    /// Person modes: the policy's person side and the files' setup.
    persons: Option<(
        &'a crate::policy::persons::Persons,
        &'a persons::PersonSetup,
    )>,
    /// Comparing: the reform and what to write of it.
    compare: Option<&'a compare::Comparison<'a>>,
    /// `[ranking]`, first pass: the input whose value makes the group
    /// (`--rank-within`), if any.
    within: Option<usize>,
    /// `[ranking]`, later passes: the cut-points (from `Options::deciles`).
    deciles: Option<&'a rank::Deciles>,
    /// Community overrides (set by `run` from the options).
    overrides: Option<&'a crate::engine::overrides::Overrides>,
    /// Person modes: the household file's ids were found all different on
    /// the first pass, so no row's id is claimed again.
    unique_ids: bool,
}

impl Plan<'_> {
    fn format(&self) -> Format {
        match self.job {
            Job::Assess(f) | Job::Compare(f) => f,
            Job::Validate | Job::Rank | Job::Welfare => Format::Ndjson,
        }
    }
}

/// Decide every row of `source`, writing decisions to `out` (including the
/// format's opening and closing) and rejects to `rejects`, in input order.
pub fn assess(
    policy: &Policy,
    layout: &Layout,
    source: Source,
    format: Format,
    out: &mut dyn Write,
    rejects: &mut dyn RejectSink,
    options: &Options,
) -> Result<Totals, PipelineError> {
    let extras = Extras::default();
    let outcome = assess_with(
        policy, layout, source, format, out, rejects, options, extras,
    )?;
    Ok(outcome.totals)
}

/// What [`assess_with`] adds to the decisions.
#[derive(Clone, Copy, Default)]
pub struct Extras<'a> {
    /// Count a summary of the decided households.
    pub summary: Option<&'a SummarySpec>,
    /// Add `funded` and `rank` to every decision (the second pass of `--budget`).
    pub ranking: Option<&'a Ranking>,
    /// The decisions' columns and reasons (`--columns`, `--reasons`); `None`: all, as text.
    pub shape: Option<&'a crate::report::OutputShape>,
}

/// A finished [`assess_with`] run.
#[derive(Debug)]
pub struct Outcome {
    pub totals: Totals,
    pub summary: Option<summary::Summary>,
    /// Decisions written with a rank (with a ranking): the eligible households.
    pub ranked: u64,
    /// A policy that ranks households, with a summary: the table per decile.
    pub deciles: Option<crate::report::deciles::DecileTally>,
}

/// [`assess`], with a summary and budget fields.
#[allow(clippy::too_many_arguments)]
pub fn assess_with(
    policy: &Policy,
    layout: &Layout,
    source: Source,
    format: Format,
    out: &mut dyn Write,
    rejects: &mut dyn RejectSink,
    options: &Options,
    extras: Extras<'_>,
) -> Result<Outcome, PipelineError> {
    let plan = assess_plan(format, extras);
    let done = run(policy, layout, source, plan, out, rejects, options)?;
    Ok(done.into())
}

/// The plan of a writing run: decisions in `format`, with `extras`.
fn assess_plan(format: Format, extras: Extras<'_>) -> Plan<'_> {
    Plan {
        job: Job::Assess(format),
        summary: extras.summary,
        ranking: extras.ranking,
        all_errors: false,
        shape: extras.shape,
        persons: None,
        unique_ids: false,
        compare: None,
        within: None,
        deciles: None,
        overrides: None,
    }
}

/// The plan of `layak validate`: check every row, decide none.
fn validate_plan<'a>(options: &Options) -> Plan<'a> {
    Plan {
        job: Job::Validate,
        summary: None,
        ranking: None,
        all_errors: options.all_errors,
        shape: None,
        persons: None,
        unique_ids: false,
        compare: None,
        within: None,
        deciles: None,
        overrides: None,
    }
}

impl From<run::Finished> for Outcome {
    fn from(done: run::Finished) -> Outcome {
        Outcome {
            totals: done.totals,
            summary: done.summary,
            ranked: done.ranked,
            deciles: done.deciles,
        }
    }
}

/// The totals of a ranking pass and the ranking its eligible households give.
fn ranked(done: run::Finished, budget: u64) -> (Totals, Ranking) {
    let collector = done.collector.unwrap_or_default();
    (done.totals, collector.rank(budget))
}

/// The ranking pass reports no reject (the writing pass does).
struct DiscardRejects;

impl RejectSink for DiscardRejects {
    fn reject(&mut self, _: &Reject) -> io::Result<()> {
        Ok(())
    }
}

/// What the ranking pass of `--budget` runs: decide and collect, write nothing.
fn rank_plan<'a>() -> Plan<'a> {
    Plan {
        job: Job::Rank,
        summary: None,
        ranking: None,
        all_errors: false,
        shape: None,
        persons: None,
        unique_ids: false,
        compare: None,
        within: None,
        deciles: None,
        overrides: None,
    }
}

/// The first pass of `--budget`: decide every row without writing anything
/// and rank the eligible households (any program granted) for a monthly
/// `budget`. Rejects are only counted (the second pass reports them).
pub fn rank(
    policy: &Policy,
    layout: &Layout,
    source: Source,
    options: &Options,
    budget: u64,
) -> Result<(Totals, Ranking), PipelineError> {
    let plan = rank_plan();
    let done = run(
        policy,
        layout,
        source,
        plan,
        &mut io::sink(),
        &mut DiscardRejects,
        options,
    )?;
    Ok(ranked(done, budget))
}

/// The first pass of a policy's `[ranking]`: evaluate every household's
/// welfare (deciding nothing, writing nothing) and find each group's
/// cut-points (`rank`). `within`: the input whose value makes the groups
/// (`--rank-within`); `None` ranks all households together. Rejects are only
/// counted (the writing pass reports them).
pub fn rank_welfare(
    policy: &Policy,
    layout: &Layout,
    source: Source,
    options: &Options,
    within: Option<usize>,
) -> Result<(Totals, rank::Deciles), PipelineError> {
    let done = welfare_pass(policy, layout, source, options, within)?;
    welfare_ranked(policy, done, within)
}

/// The first pass of [`rank_welfare`], without finding the cut-points:
/// the population as collected (`explain` asks it where one household stands).
pub fn collect_welfare(
    policy: &Policy,
    layout: &Layout,
    source: Source,
    options: &Options,
    within: Option<usize>,
) -> Result<rank::Collector, PipelineError> {
    Ok(collected(welfare_pass(
        policy, layout, source, options, within,
    )?))
}

/// [`collect_welfare`] for households read from person files.
pub fn collect_welfare_persons(
    policy: &Policy,
    persons: &persons::PersonPlan<'_>,
    options: &Options,
    within: Option<usize>,
) -> Result<rank::Collector, PipelineError> {
    Ok(collected(welfare_pass_persons(
        policy, persons, options, within,
    )?))
}

/// [`rank_welfare`] for households read from person files.
pub fn rank_welfare_persons(
    policy: &Policy,
    persons: &persons::PersonPlan<'_>,
    options: &Options,
    within: Option<usize>,
) -> Result<(Totals, rank::Deciles), PipelineError> {
    let done = welfare_pass_persons(policy, persons, options, within)?;
    welfare_ranked(policy, done, within)
}

/// The first pass itself, on a household file: welfare collected, nothing written.
fn welfare_pass(
    policy: &Policy,
    layout: &Layout,
    source: Source,
    options: &Options,
    within: Option<usize>,
) -> Result<run::Finished, PipelineError> {
    run(
        policy,
        layout,
        source,
        welfare_plan(within),
        &mut io::sink(),
        &mut DiscardRejects,
        options,
    )
}

/// [`welfare_pass`] on person files.
fn welfare_pass_persons(
    policy: &Policy,
    persons: &persons::PersonPlan<'_>,
    options: &Options,
    within: Option<usize>,
) -> Result<run::Finished, PipelineError> {
    run_persons(
        policy,
        persons,
        welfare_plan(within),
        &mut io::sink(),
        &mut DiscardRejects,
        options,
    )
}

/// The population a first pass collected (empty when no row was decided).
fn collected(done: run::Finished) -> rank::Collector {
    done.welfare
        .unwrap_or_else(|| rank::Collector::new(rank::DEFAULT_MEMORY_ENTRIES))
}

fn welfare_plan<'a>(within: Option<usize>) -> Plan<'a> {
    Plan {
        job: Job::Welfare,
        within,
        ..rank_plan()
    }
}

fn welfare_ranked(
    policy: &Policy,
    done: run::Finished,
    within: Option<usize>,
) -> Result<(Totals, rank::Deciles), PipelineError> {
    let groups = policy.ranking.as_ref().map_or(10, |r| r.groups);
    let totals = done.totals.clone();
    let deciles = collected(done)
        .finish(groups, within)
        .map_err(PipelineError::Rank)?;
    Ok((totals, deciles))
}

/// Read and check every row of `source` without deciding (`layak validate`):
/// rejects go to `rejects` in input order; `decided` in the totals counts valid rows.
pub fn validate(
    policy: &Policy,
    layout: &Layout,
    source: Source,
    rejects: &mut dyn RejectSink,
    options: &Options,
) -> Result<Totals, PipelineError> {
    let plan = validate_plan(options);
    Ok(run(
        policy,
        layout,
        source,
        plan,
        &mut io::sink(),
        rejects,
        options,
    )?
    .totals)
}

/// A finished [`compare()`] run.
#[derive(Debug)]
pub struct CompareOutcome {
    pub totals: Totals,
    /// The base and reform summaries (with summary specs).
    pub summaries: Option<(summary::Summary, summary::Summary)>,
    /// How households moved between the two decisions.
    pub tally: crate::report::compare::Tally,
    /// With rankings (`--budget`): rows written with a base rank, with a
    /// reform rank (the eligible households of each).
    pub ranked: (u64, u64),
}

/// The first pass of `compare --budget`: the totals, and the base's and the
/// reform's rankings of their own eligible households.
pub type CompareRankings = (Totals, Ranking, Ranking);

/// The first pass of `compare --budget`: decide every row by both policies
/// without writing anything, and rank each policy's eligible households for
/// the same monthly `budget` (as [`rank()`] does for one).
pub fn rank_compare(
    base: &Policy,
    layout: &Layout,
    source: Source,
    options: &Options,
    cmp: &compare::Comparison<'_>,
    budget: u64,
) -> Result<CompareRankings, PipelineError> {
    let cmp = rank_comparison(cmp);
    let done = run(
        base,
        layout,
        source,
        rank_compare_plan(&cmp),
        &mut io::sink(),
        &mut DiscardRejects,
        options,
    )?;
    Ok(ranked_both(done, budget))
}

/// [`rank_compare`] for households read from person files.
pub fn rank_compare_persons(
    base: &Policy,
    persons: &persons::PersonPlan<'_>,
    options: &Options,
    cmp: &compare::Comparison<'_>,
    budget: u64,
) -> Result<CompareRankings, PipelineError> {
    let cmp = rank_comparison(cmp);
    let plan = rank_compare_plan(&cmp);
    let done = run_persons(
        base,
        persons,
        plan,
        &mut io::sink(),
        &mut DiscardRejects,
        options,
    )?;
    Ok(ranked_both(done, budget))
}

/// What the ranking pass compares: no summary, no ranking yet.
fn rank_comparison<'a>(cmp: &compare::Comparison<'a>) -> compare::Comparison<'a> {
    compare::Comparison {
        summaries: None,
        base_ranking: None,
        reform_ranking: None,
        ..*cmp
    }
}

fn rank_compare_plan<'a>(cmp: &'a compare::Comparison<'a>) -> Plan<'a> {
    Plan {
        compare: Some(cmp),
        ..rank_plan()
    }
}

fn ranked_both(mut done: run::Finished, budget: u64) -> CompareRankings {
    let reform = done
        .reform_collector
        .take()
        .unwrap_or_default()
        .rank(budget);
    let (totals, base) = ranked(done, budget);
    (totals, base, reform)
}

/// Decide every row of `source` by the base policy and by `cmp.reform`,
/// writing the compared decisions (`report::compare`) to `out` and rejects
/// to `rejects`, in input order. Each row is read, checked and counted once.
#[allow(clippy::too_many_arguments)]
pub fn compare(
    base: &Policy,
    layout: &Layout,
    source: Source,
    format: Format,
    out: &mut dyn Write,
    rejects: &mut dyn RejectSink,
    options: &Options,
    cmp: &compare::Comparison<'_>,
) -> Result<CompareOutcome, PipelineError> {
    let done = run(
        base,
        layout,
        source,
        compare_plan(format, cmp),
        out,
        rejects,
        options,
    )?;
    Ok(done.into())
}

/// [`compare()`] for households read from person files.
#[allow(clippy::too_many_arguments)]
pub fn compare_persons(
    base: &Policy,
    persons: &persons::PersonPlan<'_>,
    format: Format,
    out: &mut dyn Write,
    rejects: &mut dyn RejectSink,
    options: &Options,
    cmp: &compare::Comparison<'_>,
) -> Result<CompareOutcome, PipelineError> {
    let plan = compare_plan(format, cmp);
    Ok(run_persons(base, persons, plan, out, rejects, options)?.into())
}

/// The plan of a comparison: both decisions, the compared rows in `format`.
fn compare_plan<'a>(format: Format, cmp: &'a compare::Comparison<'a>) -> Plan<'a> {
    Plan {
        job: Job::Compare(format),
        summary: cmp.summaries.map(|(b, _)| b),
        ranking: cmp.base_ranking,
        all_errors: false,
        shape: None,
        persons: None,
        unique_ids: false,
        compare: Some(cmp),
        within: None,
        deciles: None,
        overrides: None,
    }
}

impl From<run::Finished> for CompareOutcome {
    fn from(done: run::Finished) -> CompareOutcome {
        CompareOutcome {
            totals: done.totals,
            summaries: done.summary.zip(done.reform_summary),
            tally: done.tally.unwrap_or_default(),
            ranked: (done.ranked, done.reform_ranked),
        }
    }
}

/// [`assess_with`] for households read from person files (issue 18),
/// prepared by `persons::PersonPlan::prepare`.
#[allow(clippy::too_many_arguments)]
pub fn assess_persons(
    policy: &Policy,
    persons: &persons::PersonPlan<'_>,
    format: Format,
    out: &mut dyn Write,
    rejects: &mut dyn RejectSink,
    options: &Options,
    extras: Extras<'_>,
) -> Result<Outcome, PipelineError> {
    let plan = assess_plan(format, extras);
    let done = run_persons(policy, persons, plan, out, rejects, options)?;
    Ok(done.into())
}

/// [`rank()`] for households read from person files.
pub fn rank_persons(
    policy: &Policy,
    persons: &persons::PersonPlan<'_>,
    options: &Options,
    budget: u64,
) -> Result<(Totals, Ranking), PipelineError> {
    let plan = rank_plan();
    let done = run_persons(
        policy,
        persons,
        plan,
        &mut io::sink(),
        &mut DiscardRejects,
        options,
    )?;
    Ok(ranked(done, budget))
}

/// [`validate`] for households read from person files.
pub fn validate_persons(
    policy: &Policy,
    persons: &persons::PersonPlan<'_>,
    rejects: &mut dyn RejectSink,
    options: &Options,
) -> Result<Totals, PipelineError> {
    let plan = validate_plan(options);
    Ok(run_persons(policy, persons, plan, &mut io::sink(), rejects, options)?.totals)
}

fn run_persons<'a>(
    policy: &'a Policy,
    persons: &'a persons::PersonPlan<'a>,
    mut plan: Plan<'a>,
    out: &mut dyn Write,
    rejects: &mut dyn RejectSink,
    options: &Options,
) -> Result<run::Finished, PipelineError> {
    let setup = persons.setup;
    plan.persons = Some((persons.persons, setup));
    plan.unique_ids = persons.unique_ids;
    // The feed finds only lines and keys (the workers split them): with two
    // workers it keeps up alone, and threads of its own to read ahead would
    // only add hand-offs on two cores.
    let ahead = options.threads > 2;
    let feed = persons::PersonFeed::open(persons, options.chunk_bytes, ahead)?;
    run::run_feed(
        policy,
        &setup.household_layout,
        run::Feed::Persons(Box::new(feed)),
        &setup.household_name,
        b',',
        plan,
        out,
        rejects,
        options,
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::input;
    use crate::policy::LoadOptions;

    const SAMPLE: &str = include_str!("../../data/sample-households.csv");

    fn source(text: &str) -> Source {
        let reader = Box::new(io::Cursor::new(text.as_bytes().to_vec()));
        input::from_reader("test".into(), reader, &input::ReadOptions::default()).unwrap()
    }

    // A ranking describes one way of cutting the input into batches; a
    // writing pass that cut it otherwise would look up the wrong rows'
    // ranks. It must stop instead (see: issue 12).
    #[test]
    fn a_ranking_is_only_used_on_the_batches_it_was_made_from() {
        let policy = Policy::default_policy(&LoadOptions::default()).unwrap();
        let first = source(SAMPLE);
        let layout = Layout::new(&policy, &first, &input::ReadOptions::default()).unwrap();
        let small = Options {
            threads: 1,
            chunk_bytes: 500,
            strict: false,
            all_errors: false,
            progress: None,
            deciles: None,
            overrides: None,
        };
        let (_, ranking) = rank(&policy, &layout, first, &small, 50_000_000).unwrap();
        assert!(ranking.batches() > 3);
        let write = |options: &Options| {
            assess_with(
                &policy,
                &layout,
                source(SAMPLE),
                Format::Csv,
                &mut io::sink(),
                &mut Vec::<Reject>::new(),
                options,
                Extras {
                    summary: None,
                    ranking: Some(&ranking),
                    shape: None,
                },
            )
        };
        assert!(write(&small).is_ok());
        let large = Options {
            chunk_bytes: 2_000,
            ..small.clone()
        };
        match write(&large) {
            Err(PipelineError::InputChanged { batch: 1, .. }) => {}
            other => panic!("expected InputChanged at batch 1, got {other:?}"),
        }
    }

    // Library errors serve any front end: the command line adds its flags
    // when it shows them (see: issue 13).
    #[test]
    fn no_pipeline_error_names_a_command_line_flag() {
        let reject = Reject {
            line: 2,
            household_id: "H1".into(),
            column: "members".into(),
            value: "x".into(),
            code: RejectCode::InvalidValue,
            message: "not a number".into(),
        };
        let errors = [
            PipelineError::Strict(Box::new(reject)),
            PipelineError::TooManyRows,
            PipelineError::Output(io::Error::other("full")),
            PipelineError::InputChanged {
                batch: 1,
                first: 2,
                second: 3,
            },
            PipelineError::Threads {
                wanted: 3,
                source: io::Error::other("limit"),
            },
            PipelineError::Input(InputError::RecordTooLong {
                file: "f".into(),
                line: 1,
                limit: 10,
            }),
        ];
        for e in errors {
            let text = e.to_string();
            assert!(!text.contains("--"), "{e:?} names a flag: {text}");
        }
    }

    #[test]
    fn blank_rows_are_skipped_and_counted() {
        let policy = Policy::default_policy(&LoadOptions::default()).unwrap();
        let mut lines = SAMPLE.lines();
        let header = lines.next().unwrap();
        let row = lines.next().unwrap();
        let commas = ",".repeat(header.matches(',').count());
        let text = format!("{header}\n{row}\n   \n{commas}\n\t\n{row}\n");
        let src = source(&text);
        let layout = Layout::new(&policy, &src, &input::ReadOptions::default()).unwrap();
        let mut rejects = Vec::<Reject>::new();
        let options = Options {
            threads: 1,
            ..Options::default()
        };
        let totals = assess(
            &policy,
            &layout,
            src,
            Format::Csv,
            &mut io::sink(),
            &mut rejects,
            &options,
        )
        .unwrap();
        assert_eq!((totals.read, totals.decided, totals.skipped), (2, 1, 3));
        // The one reject is the second copy of the row, on line 6: the
        // skipped rows still count as lines.
        assert_eq!(rejects.len(), 1);
        assert_eq!(
            (rejects[0].line, rejects[0].code),
            (6, RejectCode::DuplicateId)
        );
    }

    #[test]
    fn the_progress_hook_ends_at_the_rows_read_for_any_thread_count() {
        let policy = Policy::default_policy(&LoadOptions::default()).unwrap();
        for threads in [1, 3] {
            let rows = Arc::new(AtomicU64::new(0));
            let src = source(SAMPLE);
            let layout = Layout::new(&policy, &src, &input::ReadOptions::default()).unwrap();
            let options = Options {
                threads,
                chunk_bytes: 300,
                progress: Some(Arc::clone(&rows)),
                ..Options::default()
            };
            let totals = assess(
                &policy,
                &layout,
                src,
                Format::Csv,
                &mut io::sink(),
                &mut Vec::<Reject>::new(),
                &options,
            )
            .unwrap();
            assert!(totals.read > 1);
            assert_eq!(rows.load(std::sync::atomic::Ordering::Relaxed), totals.read);
        }
    }
}
