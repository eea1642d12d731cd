//! `layak assess`: input → engine → report, with rejects and exit codes.

use std::io::{self, IsTerminal, Read, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use anyhow::Context;

use super::{AssessArgs, FormatArg, UsageError};
use crate::ExitStatus;
use crate::input::{self, Layout, ReadOptions, Reject, RejectCode};
use crate::pipeline::{self, PipelineError, RejectSink};
use crate::report::atomic::{self, AtomicFile, TempFile};
use crate::report::outputs::{self, Destination, Output};
use crate::report::{self, Format, summary};

pub const EXAMPLES: &str = "\
Examples:
  layak assess data/sample-households.csv
  layak assess survey.csv -o decisions.csv --rejects rejects.csv
  layak assess survey.csv --format json --policy my-policy.toml
  layak assess kobo.csv --rename hh/hh_id=household_id --rename hh/size=members
  layak assess census.csv -o decisions.csv --summary summary.json --by region
  layak assess census.csv -o decisions.csv --budget 5_000_000_000 --summary -

Exit codes: 0 every row decided; 3 finished but some rows rejected;
1 fatal error (no output file written); 2 usage error; 130 or 143 interrupted
(SIGINT, SIGTERM: no output file written, temporary files removed).";

/// How many rejects are listed on standard error when there is no --rejects file.
const STDERR_REJECT_LIMIT: u64 = 20;
/// The rejects file is written in chunks of about this size.
const FLUSH_AT: usize = 1 << 16;

/// Where output bytes go: standard output, or a file renamed into place at the end.
enum Sink {
    Stdout(io::StdoutLock<'static>),
    File(AtomicFile),
}

impl Write for Sink {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        match self {
            Sink::Stdout(s) => s.write(buf),
            Sink::File(f) => f.write(buf),
        }
    }
    fn write_all(&mut self, buf: &[u8]) -> io::Result<()> {
        match self {
            Sink::Stdout(s) => s.write_all(buf),
            Sink::File(f) => f.write_all(buf),
        }
    }
    fn flush(&mut self) -> io::Result<()> {
        match self {
            Sink::Stdout(s) => s.flush(),
            Sink::File(f) => f.flush(),
        }
    }
}

impl Sink {
    /// Standard output, or a new temporary file for `path`.
    fn open(destination: Destination<'_>, what: &str) -> anyhow::Result<Sink> {
        match destination {
            Destination::Stdout => Ok(Sink::Stdout(io::stdout().lock())),
            Destination::File(p) => Ok(Sink::File(
                AtomicFile::create(Path::new(p))
                    .with_context(|| format!("cannot create {what} file {p}"))?,
            )),
        }
    }

    /// Flush standard output now, or hand the file over to be committed with the others.
    fn finish_into(self, files: &mut Vec<AtomicFile>) -> io::Result<()> {
        match self {
            Sink::Stdout(mut s) => s.flush(),
            Sink::File(f) => {
                files.push(f);
                Ok(())
            }
        }
    }
}

/// At most this many worker threads per core: more add only memory (a stack
/// and a chunk in flight each) and contention, never speed.
const MAX_THREADS_PER_CORE: usize = 4;

/// The worker threads for `--threads`: every core by default; a request above
/// [`MAX_THREADS_PER_CORE`] per core is lowered with a warning (the output is
/// the same for any count, so only speed and memory could differ).
pub(super) fn thread_count(requested: Option<u16>) -> usize {
    let cores = pipeline::default_threads();
    let most = cores.saturating_mul(MAX_THREADS_PER_CORE);
    match requested.map(usize::from) {
        None => cores,
        Some(n) if n > most => {
            writeln!(
                io::stderr().lock(),
                "warning: --threads {n} is more than {MAX_THREADS_PER_CORE} per core; using {most} ({cores} {} here)",
                if cores == 1 { "core" } else { "cores" }
            )
            .ok();
            most
        }
        Some(n) => n,
    }
}

/// On SIGINT and SIGTERM, remove every temporary file (the outputs being
/// written, the `--budget` copy of standard input) and exit 130 or 143, as a
/// shell reports a process ended by those signals.
///
/// The work is done on a thread of its own (`signal_hook::iterator`): the
/// signal handler proper only wakes it, since removing files and taking the
/// registry's lock are not async-signal-safe. The thread removes the files
/// while holding the registry locked, so a commit under way completes whole
/// or not at all, and ends the process with `_exit` without unlocking.
///
/// SIGXFSZ (a write past `ulimit -f`) is caught too, and nothing more: caught,
/// it no longer kills the process, the write fails with EFBIG ("File too
/// large"), and the ordinary error path removes the temporary files and
/// exits 1.
#[cfg(unix)]
pub(super) fn clean_up_on_signals() {
    use signal_hook::consts::{SIGINT, SIGTERM, SIGXFSZ};
    static INSTALLED: std::sync::Once = std::sync::Once::new();
    INSTALLED.call_once(|| {
        let caught = Arc::new(std::sync::atomic::AtomicBool::new(false));
        let xfsz = signal_hook::flag::register(SIGXFSZ, caught);
        let signals = signal_hook::iterator::Signals::new([SIGINT, SIGTERM]);
        let started = signals.and_then(|mut signals| {
            std::thread::Builder::new()
                .name("signals".into())
                .spawn(move || {
                    if let Some(signal) = signals.forever().next() {
                        let _held = atomic::remove_live_temporaries();
                        signal_hook::low_level::exit(128 + signal);
                    }
                })
        });
        if let Err(e) = xfsz.and(started) {
            writeln!(
                io::stderr().lock(),
                "warning: cannot watch for signals ({e}): an interrupted run may leave temporary files"
            )
            .ok();
        }
    });
}

/// Signals are not watched outside Unix (Ctrl-C on Windows ends the process
/// at once; its temporary files stay, named `.NAME.layak-PID-N.tmp`).
#[cfg(not(unix))]
pub(super) fn clean_up_on_signals() {}

/// Did the run stop on an input/output error of this kind (`BrokenPipe`: an
/// output closed under it, as by `| head`)?
fn stopped_by(err: &anyhow::Error, kind: io::ErrorKind) -> bool {
    err.chain().any(|c| {
        c.downcast_ref::<io::Error>()
            .is_some_and(|e| e.kind() == kind)
    })
}

/// Delimiter and renames as typed, checked before any row is read.
pub(super) fn read_options(args: &super::InputArgs) -> Result<ReadOptions, UsageError> {
    let delimiter = args.delimiter.as_deref().map(parse_delimiter).transpose()?;
    let renames = args
        .rename
        .iter()
        .map(|r| {
            input::parse_rename(r).map_err(|e| UsageError(super::error_text::input_error_text(&e)))
        })
        .collect::<Result<Vec<_>, _>>()?;
    Ok(ReadOptions {
        delimiter,
        renames,
        max_field_bytes: args
            .max_field_bytes
            .map_or(input::DEFAULT_MAX_FIELD_BYTES, |n| {
                usize::try_from(n).unwrap_or(usize::MAX)
            }),
    })
}

/// Open the household file and map its header to the policy's inputs.
pub(super) fn open_input(
    policy: &crate::policy::Policy,
    path: &str,
    options: &ReadOptions,
) -> anyhow::Result<(input::Source, Layout)> {
    let source = input::open(path, options)?;
    let layout = Layout::new(policy, &source, options).map_err(|e| match e {
        // A --rename naming no input is a mistake on the command line.
        input::InputError::Rename { .. } => {
            anyhow::Error::from(UsageError(super::error_text::input_error_text(&e)))
        }
        other => other.into(),
    })?;
    Ok((source, layout))
}

/// One warning per policy input missing from the file.
pub(super) fn warn_defaulted(
    policy: &crate::policy::Policy,
    source: &input::Source,
    layout: &Layout,
) {
    let mut stderr = io::stderr().lock();
    for name in &layout.defaulted {
        let default = policy
            .input(name)
            .map_or(String::new(), |i| describe_default(policy, i));
        writeln!(
            stderr,
            "warning: {}: no column `{name}`; every row uses its default {default}",
            source.name
        )
        .ok();
    }
}

pub(super) fn parse_delimiter(s: &str) -> Result<u8, UsageError> {
    match s {
        "tab" | "\\t" | "\t" => Ok(b'\t'),
        _ if s.len() == 1 && s.is_ascii() && !matches!(s, "\"" | "\n" | "\r") => {
            Ok(s.as_bytes()[0])
        }
        _ => Err(UsageError(format!(
            "--delimiter {s:?}: expected one ASCII character such as `,` `;` `|`, or `tab`"
        ))),
    }
}

/// Where each output of `assess` goes, as typed and checked.
struct Plan<'a> {
    decisions: Destination<'a>,
    /// `None`: the first rejects are listed on standard error.
    rejects: Option<Destination<'a>>,
    /// A JSON summary file (`--summary -` is the human summary on standard error).
    summary: Option<&'a str>,
}

impl Plan<'_> {
    /// The outputs written as files, as the user typed them (`--rejects r.csv`).
    fn files(&self) -> Vec<String> {
        let mut files = Vec::new();
        if let Destination::File(p) = self.decisions {
            files.push(format!("-o {p}"));
        }
        if let Some(Destination::File(p)) = self.rejects {
            files.push(format!("--rejects {p}"));
        }
        if let Some(p) = self.summary {
            files.push(format!("--summary {p}"));
        }
        files
    }
}

/// Give `-` its meaning for each output flag, and check every output path
/// against the others, the input and standard output before anything is
/// created or read. `-o -` and `--rejects -` are standard output (only one of
/// them may have it); `--summary -` is the short summary on standard error.
fn plan<'a>(args: &'a AssessArgs, input_path: &str) -> Result<Plan<'a>, UsageError> {
    // Options that only shape the summary say so, rather than clap's usage line.
    if args.summary.is_none() {
        let summary_only = [
            ("--by", args.by.is_some()),
            ("--unweighted", args.unweighted),
            ("--persons-column", args.persons_column.is_some()),
        ];
        if let Some((flag, _)) = summary_only.iter().find(|(_, given)| *given) {
            return Err(UsageError(format!(
                "{flag} needs --summary: it shapes the summary (--summary FILE for JSON, --summary - for a short one on standard error)"
            )));
        }
    }
    let decisions = match args.output.as_deref() {
        None | Some("-") => Destination::Stdout,
        Some(p) => Destination::File(p),
    };
    let rejects = match args.rejects.as_deref() {
        None => None,
        Some("-") if decisions == Destination::Stdout => {
            return Err(UsageError(
                "--rejects -: standard output already carries the decisions; give the rejects a file (--rejects rejects.csv) or the decisions one (-o decisions.csv)".into(),
            ));
        }
        Some("-") => Some(Destination::Stdout),
        Some(p) => Some(Destination::File(p)),
    };
    let summary = args.summary.as_deref().filter(|s| *s != "-");
    let mut outputs = vec![Output {
        flag: "-o",
        holds: "the decisions",
        destination: decisions,
    }];
    if let Some(destination) = rejects {
        outputs.push(Output {
            flag: "--rejects",
            holds: "the rejects",
            destination,
        });
    }
    if let Some(p) = summary {
        outputs.push(Output {
            flag: "--summary",
            holds: "the summary",
            destination: Destination::File(p),
        });
    }
    let input = match input_path {
        "-" => outputs::Input::Stdin,
        p => outputs::Input::File(p),
    };
    outputs::check(input, &outputs).map_err(|e| UsageError(e.to_string()))?;
    Ok(Plan {
        decisions,
        rejects,
        summary,
    })
}

pub fn run(args: AssessArgs) -> anyhow::Result<ExitStatus> {
    clean_up_on_signals();
    // Validate everything the user typed before reading a row.
    let input_path = args.file.clone().unwrap_or_else(|| "-".into());
    let plan = plan(&args, &input_path)?;
    match assess(&args, &input_path, &plan) {
        // Standard output closed early (`| head`) is not an error, but the
        // files of the run are incomplete: none was committed.
        Err(e) if stopped_by(&e, io::ErrorKind::BrokenPipe) => {
            let files = plan.files();
            if !files.is_empty() {
                writeln!(
                    io::stderr().lock(),
                    "layak: output closed before the end; not written (left as they were): {}",
                    files.join(", ")
                )
                .ok();
            }
            Ok(ExitStatus::Success)
        }
        // EFBIG: past `ulimit -f` (SIGXFSZ is caught, so the write fails
        // instead of killing the run) or the file system's largest file.
        Err(e) if stopped_by(&e, io::ErrorKind::FileTooLarge) => Err(e.context(
            "an output grew past the largest file allowed here (a file size limit such as `ulimit -f`, or the file system's); no output file was written",
        )),
        other => other,
    }
}

/// The run itself, once its outputs are planned.
fn assess(args: &AssessArgs, input_path: &str, plan: &Plan<'_>) -> anyhow::Result<ExitStatus> {
    let options = read_options(&args.input)?;
    let format = match (args.format, &args.output) {
        (Some(FormatArg::Csv), _) => Format::Csv,
        (Some(FormatArg::Json), _) => Format::Json,
        (Some(FormatArg::Ndjson), _) => Format::Ndjson,
        (None, Some(path)) => Format::from_path(path).unwrap_or(Format::Csv),
        (None, None) => Format::Csv,
    };
    let budget = args.budget.as_deref().map(parse_budget).transpose()?;
    let policy = args.policy.load()?;
    let persons =
        summary::persons_input(&policy, args.persons_column.as_deref()).map_err(UsageError)?;
    let human = args.summary.as_deref() == Some("-") || (io::stderr().is_terminal() && !args.quiet);
    let want_summary = human || plan.summary.is_some();

    // Every output file is created before the first row is read: one that
    // cannot be stops the run before any work, and none is committed unless
    // all are complete.
    let mut out = Sink::open(plan.decisions, "output")?;
    let mut rejects = match plan.rejects {
        Some(destination) => {
            let mut sink = Sink::open(destination, "rejects")?;
            let mut header = Vec::new();
            report::write_reject_header(&mut header);
            sink.write_all(&header)
                .context("cannot write the rejects")?;
            Rejects::File {
                sink,
                buf: Vec::with_capacity(4096),
            }
        }
        None => Rejects::Stderr {
            name: String::new(),
            shown: 0,
        },
    };
    let mut summary_out = match plan.summary {
        Some(p) => Some(
            AtomicFile::create(Path::new(p))
                .with_context(|| format!("cannot create summary file {p}"))?,
        ),
        None => None,
    };

    // With --budget the input is read twice: a pipe is copied aside on the first read.
    let regular = input_path != "-" && std::fs::metadata(input_path).is_ok_and(|m| m.is_file());
    let spill = match budget {
        Some(_) if !regular => {
            Some(Spill::create().context("--budget: cannot create a temporary copy of the input")?)
        }
        _ => None,
    };
    let bytes = Arc::new(AtomicU64::new(0));
    hint_if_waiting_on_a_terminal(input_path);
    let csv_in = open_counted(input_path, &options, Arc::clone(&bytes), spill.as_ref())?;
    let layout = layout_for(&policy, &csv_in, &options)?;
    if let Rejects::Stderr { name, .. } = &mut rejects {
        name.clone_from(&csv_in.name);
    }
    let mut stderr = io::stderr().lock();
    warn_defaulted(&policy, &csv_in, &layout);
    let by = match &args.by {
        Some(name) => {
            let columns = summary::FileColumns {
                header: &csv_in.header,
                input_columns: &layout.columns,
                unused: &layout.unused,
            };
            let by = summary::GroupBy::resolve(&policy, columns, name);
            Some(
                by.map_err(UsageError)?
                    .with_max_groups(args.max_groups.map(|n| n as usize)),
            )
        }
        None => None,
    };
    let reject_reasons = RejectCode::ALL.map(RejectCode::as_str);
    let spec = summary::SummarySpec::new(&policy, persons, by, !args.unweighted, &reject_reasons);

    let threads = thread_count(args.threads);
    let options = pipeline::Options {
        threads,
        strict: args.strict,
        chunk_bytes: args
            .chunk_bytes
            .map_or_else(|| pipeline::default_chunk_bytes(threads), |b| b as usize),
        all_errors: false,
    };
    let name = csv_in.name.clone();
    let strict_stop = |reject: Box<Reject>| {
        anyhow::anyhow!(
            "{name}: {reject}\n  --strict: stopped at the first rejected row; no output was written"
        )
    };

    // First pass of --budget: rank, then open the input again.
    let (csv_in, ranking) = match budget {
        None => (csv_in, None),
        Some(amount) => {
            let header = csv_in.header.clone();
            let (first, ranking) = match pipeline::rank(&policy, &layout, csv_in, &options, amount)
            {
                Ok(r) => r,
                Err(PipelineError::Strict(reject)) => return Err(strict_stop(reject)),
                Err(e) => return Err(e.into()),
            };
            let again = match &spill {
                Some(spill) => {
                    let file = std::fs::File::open(spill.path()).with_context(|| {
                        format!(
                            "--budget: cannot read the temporary copy {}",
                            spill.path().display()
                        )
                    })?;
                    input::from_reader(name.clone(), Box::new(file), &options_for_reread(args)?)?
                }
                None => input::open(input_path, &options_for_reread(args)?)?,
            };
            if again.header != header {
                anyhow::bail!("{name} changed while --budget read it twice (the header differs)");
            }
            (again, Some((first, ranking)))
        }
    };
    let extras = pipeline::Extras {
        summary: want_summary.then_some(&spec),
        ranking: ranking.as_ref().map(|(_, r)| r),
    };
    let outcome = match pipeline::assess_with(
        &policy,
        &layout,
        csv_in,
        format,
        &mut out,
        &mut rejects,
        &options,
        extras,
    ) {
        Ok(t) => t,
        // Returning drops the output and rejects files unrenamed: nothing half-written is left.
        Err(PipelineError::Strict(reject)) => return Err(strict_stop(reject)),
        Err(e) => return Err(e.into()),
    };
    // Too many --by groups: fatal, before any output file is committed.
    if let Some(summary) = &outcome.summary {
        summary.check_groups(&spec)?;
    }
    let totals = outcome.totals;
    if let Some((first, ranking)) = &ranking {
        if *first != totals || outcome.ranked != ranking.eligible {
            anyhow::bail!(
                "{name} changed while --budget read it twice: {} the first time, {} the second; nothing was written",
                super::counted(first.read, "row", "rows"),
                super::grouped(totals.read)
            );
        }
    }
    let report = outcome.summary.map(|s| {
        let ctx = summary::RunContext {
            input_file: name.clone(),
            input_bytes: bytes.load(Ordering::Relaxed),
            read: totals.read,
            decided: totals.decided,
            rejected: totals.rejected,
            rejects_by_reason: RejectCode::ALL
                .iter()
                .zip(totals.rejects_by_code)
                .map(|(c, n)| (c.as_str(), n))
                .collect(),
            budget: ranking.as_ref().map(|(_, r)| summary::BudgetContext {
                amount: r.budget,
                last_funded_priority: r.last_funded.map(|k| f64::from(k) / 10.0),
                first_waiting_priority: r.first_waiting.map(|k| f64::from(k) / 10.0),
            }),
        };
        s.report(&spec, &policy, ctx)
    });
    if let (Some(file), Some(report)) = (&mut summary_out, &report) {
        let mut text = serde_json::to_vec_pretty(report).context("cannot write the summary")?;
        text.push(b'\n');
        file.write_all(&text).context("cannot write the summary")?;
    }
    // Standard output is flushed first: closed early, it stops the run
    // before any file is committed. Then every file is committed together.
    let mut files = Vec::with_capacity(3);
    out.finish_into(&mut files)
        .context("cannot write the decisions")?;
    match rejects {
        Rejects::File { mut sink, buf } => {
            sink.write_all(&buf).context("cannot write the rejects")?;
            sink.finish_into(&mut files)
                .context("cannot write the rejects")?;
        }
        Rejects::Stderr { shown, .. } => {
            if totals.rejected > shown {
                writeln!(
                    stderr,
                    "reject: … and {} more rejected {} (use --rejects FILE to keep them all)",
                    super::grouped(totals.rejected - shown),
                    if totals.rejected - shown == 1 {
                        "row"
                    } else {
                        "rows"
                    }
                )
                .ok();
            }
        }
    }
    files.extend(summary_out);
    atomic::commit_all(files)?;
    if !args.quiet {
        writeln!(stderr, "layak: {}", closing_line(&totals)).ok();
    }
    match (&report, human) {
        (Some(report), true) => {
            write!(stderr, "{}", report.human()).ok();
        }
        _ => {
            if let (Some((_, r)), false) = (&ranking, args.quiet) {
                writeln!(stderr, "layak: {}", budget_line(r, &policy.meta.currency)).ok();
            }
        }
    }
    Ok(if totals.rejected > 0 {
        ExitStatus::SomeRejected
    } else {
        ExitStatus::Success
    })
}

/// The read options again, for the second pass of --budget (checked already).
fn options_for_reread(args: &AssessArgs) -> Result<ReadOptions, UsageError> {
    read_options(&args.input)
}

/// `5000000` or `5_000_000`: whole currency units.
fn parse_budget(s: &str) -> Result<u64, UsageError> {
    let digits: String = s.trim().chars().filter(|&c| c != '_').collect();
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err(UsageError(format!(
            "--budget {s:?}: expected a monthly amount in whole currency units, digits only (`_` may group them), e.g. 5000000 or 5_000_000"
        )));
    }
    digits
        .parse()
        .map_err(|_| UsageError(format!("--budget {s}: too large")))
}

/// The closing line: `N rows read = D decided + R rejected`, the rejects by
/// reason, and the blank rows skipped (not data, so not in `rows read`).
fn closing_line(totals: &pipeline::Totals) -> String {
    use super::grouped;
    let mut line = format!(
        "{} rows read = {} decided + {} rejected",
        grouped(totals.read),
        grouped(totals.decided),
        grouped(totals.rejected)
    );
    let mut sep = ": ";
    for (code, n) in RejectCode::ALL.iter().zip(totals.rejects_by_code) {
        if n > 0 {
            line.push_str(&format!("{sep}{code} {}", grouped(n)));
            sep = ", ";
        }
    }
    if totals.skipped > 0 {
        line.push_str(&format!(
            "; {} skipped",
            super::counted(totals.skipped, "blank row", "blank rows")
        ));
    }
    line
}

/// One line on the outcome of --budget.
fn budget_line(r: &pipeline::budget::Ranking, currency: &str) -> String {
    let money = |v: u64| {
        let mut b = Vec::new();
        crate::numfmt::write_grouped(v as f64, &mut b);
        String::from_utf8_lossy(&b).into_owned()
    };
    let mut line = format!(
        "budget {} {currency} a month: {} of {} funded, {} used",
        money(r.budget),
        super::grouped(u64::from(r.funded)),
        super::counted(r.eligible, "eligible household", "eligible households"),
        money(r.used)
    );
    if let Some(k) = r.last_funded {
        line.push_str(&format!("; cut-off priority {:.1}", f64::from(k) / 10.0));
    }
    line.push_str(&format!(
        "; {} waiting",
        super::grouped(r.eligible - u64::from(r.funded))
    ));
    line
}

/// Map the file's header to the policy's inputs.
fn layout_for(
    policy: &crate::policy::Policy,
    source: &input::Source,
    options: &ReadOptions,
) -> anyhow::Result<Layout> {
    Layout::new(policy, source, options).map_err(|e| match e {
        // A --rename naming no input is a mistake on the command line.
        input::InputError::Rename { .. } => {
            anyhow::Error::from(UsageError(super::error_text::input_error_text(&e)))
        }
        other => other.into(),
    })
}

/// Reading standard input from a terminal looks like a hang: say what is
/// happening and how to end it (nothing is printed when input is piped).
pub(super) fn hint_if_waiting_on_a_terminal(input_path: &str) {
    if input_path == "-" && io::stdin().is_terminal() {
        let end = if cfg!(windows) {
            "Ctrl-Z then Enter"
        } else {
            "Ctrl-D"
        };
        writeln!(
            io::stderr().lock(),
            "layak: reading households from standard input; {end} to end, or give a FILE"
        )
        .ok();
    }
}

/// Open `path` (`-`: standard input) counting the bytes read into `bytes`,
/// and copying them to `spill` when given.
fn open_counted(
    path: &str,
    options: &ReadOptions,
    bytes: Arc<AtomicU64>,
    spill: Option<&Spill>,
) -> anyhow::Result<input::Source> {
    let (name, raw) = input::open_raw(path)?;
    let copy = match spill {
        Some(s) => Some((
            s.path().to_path_buf(),
            io::BufWriter::with_capacity(1 << 16, s.file.try_clone()?),
        )),
        None => None,
    };
    let reader = Counted {
        inner: raw,
        bytes,
        copy,
    };
    Ok(input::from_reader(name, Box::new(reader), options)?)
}

/// A reader that counts what it reads and can copy it to a file.
struct Counted {
    inner: Box<dyn Read + Send>,
    bytes: Arc<AtomicU64>,
    copy: Option<(PathBuf, io::BufWriter<std::fs::File>)>,
}

impl Read for Counted {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.bytes.fetch_add(n as u64, Ordering::Relaxed);
        if let Some((path, w)) = &mut self.copy {
            let written = if n == 0 {
                w.flush()
            } else {
                w.write_all(&buf[..n])
            };
            written.map_err(|e| {
                io::Error::new(
                    e.kind(),
                    format!(
                        "cannot write the temporary copy {} for --budget: {e}",
                        path.display()
                    ),
                )
            })?;
        }
        Ok(n)
    }
}

/// A temporary copy of standard input (or a pipe) for the second pass of
/// --budget: readable by its owner only, removed when dropped (or on SIGINT
/// and SIGTERM).
struct Spill {
    temp: TempFile,
    file: std::fs::File,
}

impl Spill {
    fn create() -> io::Result<Spill> {
        let pid = std::process::id();
        let (temp, file) = TempFile::create_in(&std::env::temp_dir(), |attempt| {
            format!("layak-budget-{pid}-{attempt}.csv")
        })?;
        Ok(Spill { temp, file })
    }

    fn path(&self) -> &Path {
        self.temp.path()
    }
}

/// Where rejects go: CSV (to a file or standard output), or readable lines on
/// standard error (the first few).
enum Rejects {
    File { sink: Sink, buf: Vec<u8> },
    Stderr { name: String, shown: u64 },
}

impl RejectSink for Rejects {
    fn reject(&mut self, r: &Reject) -> io::Result<()> {
        match self {
            Rejects::File { sink, buf } => {
                report::write_reject_csv(r, buf);
                if buf.len() >= FLUSH_AT {
                    sink.write_all(buf)?;
                    buf.clear();
                }
            }
            Rejects::Stderr { name, shown } => {
                if *shown < STDERR_REJECT_LIMIT {
                    *shown += 1;
                    writeln!(io::stderr().lock(), "reject: {name}: {r}").ok();
                }
            }
        }
        Ok(())
    }
}

pub(super) fn describe_default(
    policy: &crate::policy::Policy,
    input: &crate::policy::Input,
) -> String {
    use crate::policy::InputType;
    match input.ty {
        InputType::Id | InputType::Text => format!("{:?}", input.default_text),
        InputType::Bool => (if input.default != 0.0 {
            "true"
        } else {
            "false"
        })
        .into(),
        InputType::Enum(e) => policy.enums[usize::from(e)]
            .values
            .get(input.default as usize)
            .cloned()
            .unwrap_or_default(),
        _ => input.default.to_string(),
    }
}
