//! `layak assess`: input → engine → report, with rejects and exit codes.

use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use anyhow::Context;

use super::common::{
    clean_up_on_signals, hint_if_waiting_on_a_terminal, layout_for, warn_defaulted,
};
use super::config::{AssessConfig, Table};
use super::persons::{self, PersonFiles};
use super::progress::{self, Measure, Progress};
use super::{AssessArgs, UsageError};
use crate::ExitStatus;
use crate::input::{self, Layout, ReadOptions, Reject, RejectCode};
use crate::numfmt::locale::Lang;
use crate::pipeline::budget::Ranking;
use crate::pipeline::{self, PipelineError, RejectSink};
use crate::report::atomic::{self, AtomicFile, TempFile};
use crate::report::html::{self, RejectExamples};
use crate::report::outputs::Destination;
use crate::report::table::{self as tables, Cell, TableSink};
use crate::report::{self, OutputShape, summary};

pub(super) const EXAMPLES: &str = "\
Examples:
  layak assess data/sample-households.csv
  layak assess survey.csv -o decisions.csv --rejects rejects.csv
  layak assess survey.csv --format json --policy my-policy.toml
  layak assess kobo.csv --rename hh/hh_id=household_id --rename hh/size=members
  layak assess census.csv -o decisions.csv --summary summary.json --by region
  layak assess census.csv -o decisions.csv --budget 5_000_000_000 --summary -
  layak assess - --stage --input-format arrow --format arrow   (a Spark worker)

Exit codes: 0 every row decided; 3 finished but some rows rejected;
1 fatal error (no output file written); 2 usage error; 130 or 143 interrupted
(SIGINT, SIGTERM: no output file written, temporary files removed).";

/// How many rejects are listed on standard error when there is no --rejects file.
const STDERR_REJECT_LIMIT: u64 = 20;
/// The rejects file is written in chunks of about this size.
const FLUSH_AT: usize = 1 << 16;

/// Where output bytes go: standard output, or a file renamed into place at the end.
pub(super) enum Sink {
    Stdout(io::StdoutLock<'static>),
    File(AtomicFile),
    /// Parquet, xlsx or `--excel`, written from the decisions' CSV.
    Table(Box<TableOut>),
}

/// Where a table's bytes go (Parquet needs a writer it can own and send).
pub(super) enum Plain {
    Stdout(io::BufWriter<io::Stdout>),
    File(AtomicFile),
}

impl Write for Plain {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        match self {
            Plain::Stdout(s) => s.write(buf),
            Plain::File(f) => f.write(buf),
        }
    }
    fn write_all(&mut self, buf: &[u8]) -> io::Result<()> {
        match self {
            Plain::Stdout(s) => s.write_all(buf),
            Plain::File(f) => f.write_all(buf),
        }
    }
    fn flush(&mut self) -> io::Result<()> {
        match self {
            Plain::Stdout(s) => s.flush(),
            Plain::File(f) => f.flush(),
        }
    }
}

/// A table being written.
pub(super) enum TableOut {
    Excel(TableSink<tables::ExcelCsv<Plain>>),
    Parquet(Box<TableSink<tables::ParquetOut<Plain>>>),
    /// The workbook is written to `Plain` when the run is complete.
    Xlsx(TableSink<tables::XlsxOut>, Plain),
}

impl TableOut {
    fn open(table: Table, plain: Plain, known: Vec<(String, Cell)>) -> io::Result<TableOut> {
        Ok(match table {
            Table::Excel => TableOut::Excel(TableSink::new(tables::ExcelCsv::new(plain), known)),
            Table::Parquet => TableOut::Parquet(Box::new(TableSink::new(
                tables::ParquetOut::new(plain),
                known,
            ))),
            Table::Xlsx => {
                let book = tables::Book::new()?;
                TableOut::Xlsx(TableSink::new(tables::XlsxOut { book }, known), plain)
            }
        })
    }

    /// The workbook of an xlsx output (for its rejects and summary sheets).
    fn book(&self) -> Option<tables::SharedBook> {
        match self {
            TableOut::Xlsx(sink, _) => Some(std::rc::Rc::clone(&sink.backend.book)),
            _ => None,
        }
    }

    /// Write the end of the table; the writer underneath.
    fn finish(self, summary: Option<&summary::Report>) -> io::Result<Plain> {
        match self {
            TableOut::Excel(sink) => sink.backend.finish(),
            TableOut::Parquet(sink) => sink.backend.finish(),
            TableOut::Xlsx(sink, mut plain) => {
                let mut book = sink.backend.book.borrow_mut();
                if let Some(report) = summary {
                    let value = serde_json::to_value(report).map_err(io::Error::other)?;
                    book.summary(&value)?;
                }
                book.save(&mut plain)?;
                Ok(plain)
            }
        }
    }
}

impl Write for TableOut {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        match self {
            TableOut::Excel(s) => s.write(buf),
            TableOut::Parquet(s) => s.write(buf),
            TableOut::Xlsx(s, _) => s.write(buf),
        }
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

impl Write for Sink {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        match self {
            Sink::Stdout(s) => s.write(buf),
            Sink::File(f) => f.write(buf),
            Sink::Table(t) => t.write(buf),
        }
    }
    fn write_all(&mut self, buf: &[u8]) -> io::Result<()> {
        match self {
            Sink::Stdout(s) => s.write_all(buf),
            Sink::File(f) => f.write_all(buf),
            Sink::Table(t) => t.write_all(buf),
        }
    }
    fn flush(&mut self) -> io::Result<()> {
        match self {
            Sink::Stdout(s) => s.flush(),
            Sink::File(f) => f.flush(),
            Sink::Table(t) => t.flush(),
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

    /// A table written from CSV to `destination`.
    fn table(
        destination: Destination<'_>,
        what: &str,
        table: Table,
        known: Vec<(String, Cell)>,
    ) -> anyhow::Result<Sink> {
        let plain = match destination {
            Destination::Stdout => {
                Plain::Stdout(io::BufWriter::with_capacity(1 << 16, io::stdout()))
            }
            Destination::File(p) => Plain::File(
                AtomicFile::create(Path::new(p))
                    .with_context(|| format!("cannot create {what} file {p}"))?,
            ),
        };
        let out = TableOut::open(table, plain, known)
            .with_context(|| format!("cannot start the {what}"))?;
        Ok(Sink::Table(Box::new(out)))
    }

    /// Flush standard output now, or hand the file over to be committed with the others.
    fn finish_into(
        self,
        files: &mut Vec<AtomicFile>,
        summary: Option<&summary::Report>,
    ) -> io::Result<()> {
        match self {
            Sink::Stdout(mut s) => s.flush(),
            Sink::File(f) => {
                files.push(f);
                Ok(())
            }
            Sink::Table(t) => match t.finish(summary)? {
                Plain::Stdout(mut s) => s.flush(),
                Plain::File(f) => {
                    files.push(f);
                    Ok(())
                }
            },
        }
    }
}

/// Did the run stop on an input/output error of this kind (`BrokenPipe`: an
/// output closed under it, as by `| head`)?
fn stopped_by(err: &anyhow::Error, kind: io::ErrorKind) -> bool {
    err.chain().any(|c| {
        c.downcast_ref::<io::Error>()
            .is_some_and(|e| e.kind() == kind)
    })
}

pub(super) fn run(args: AssessArgs) -> anyhow::Result<ExitStatus> {
    clean_up_on_signals();
    if args.stage {
        return super::stage::run(args);
    }
    // Everything the user typed is checked before the policy or a row is read.
    let mut config = AssessConfig::from_args(args)?;
    match assess(&mut config) {
        // Standard output closed early (`| head`) is not an error, but the
        // files of the run are incomplete: none was committed.
        Err(e) if stopped_by(&e, io::ErrorKind::BrokenPipe) => {
            let files = config.outputs.files();
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

/// The run itself: policy → outputs → input → (ranking) → decisions → report.
fn assess(config: &mut AssessConfig) -> anyhow::Result<ExitStatus> {
    if let Some(files) = config.input.persons.clone() {
        return assess_persons(config, &files);
    }
    let policy = config.policy.load_in(config.lang)?;
    let within = deciles::within_input(config.rank_within.as_deref(), &policy)?;
    config.pipeline.overrides = overrides::load(config.overrides.as_deref(), &policy)?;
    super::common::check_profile(&policy, &config.input.read)?;
    let persons = summary::persons_input(&policy, config.summary.persons_column.as_deref())
        .map_err(|e| UsageError(super::error_text::persons_input_text(&e)))?;
    let shape = output_shape(config, &policy)?;
    let mut outputs = Outputs::open(config, &shape, super::tool_lang(config.lang, &policy))?;
    let input = open_household_file(config, &policy)?;
    outputs.rejects.name_input(&input.source.name);
    warn_defaulted(&policy, &input.source, &input.layout);
    let spec = summary_spec(
        config,
        &policy,
        persons,
        (&input.source.header, &input.layout),
        false,
    )?;
    config.threads.warn_if_lowered();

    let OpenedInput {
        source,
        layout,
        bytes,
        spill,
    } = input;
    let name = source.name.clone();
    // A policy that ranks households reads the input once more first.
    let (source, welfare) = match within {
        Some(within) => {
            let (again, first) = deciles::rank_then_reopen(
                config,
                &policy,
                &layout,
                source,
                (&bytes, &spill),
                within,
            )?;
            (again, Some(first))
        }
        None => (source, None),
    };
    let config = &*config;
    // A Parquet file is read in place, not through the counting reader.
    let in_place = source.bytes_in_place();
    let shown = progress::Setting::from_env(config.quiet);
    let (source, ranking, again) = match config.budget {
        None => (source, None, Measure::file(&bytes, &config.input.path)),
        Some(amount) => {
            let (again, first, measure) =
                rank_then_reopen(config, &policy, &layout, source, (&bytes, &spill), amount)?;
            (again, Some(first), measure)
        }
    };
    let extras = pipeline::Extras {
        summary: config.wants_summary().then_some(&spec),
        ranking: ranking.as_ref().map(|(_, r)| r),
        shape: Some(&shape),
    };
    let label = match ranking {
        Some(_) => format!("pass 2/2, writing {name}"),
        None => format!("reading {name}"),
    };
    let bar = Progress::start(shown, label, again);
    // An error drops the output and rejects files unrenamed: nothing half-written is left.
    let outcome = pipeline::assess_with(
        &policy,
        &layout,
        source,
        config.format,
        &mut outputs.decisions,
        &mut Noted::new(&mut outputs.rejects, &mut outputs.report),
        &bar.options(&config.pipeline),
        extras,
    )
    .map_err(|e| stopped(&name, e))?;
    drop(bar);
    // Too many --by groups: fatal, before any output file is committed.
    if let Some(summary) = &outcome.summary {
        summary.check_groups(&spec)?;
    }
    if let Some((first, ranking)) = &ranking {
        check_same_input(&name, first, ranking, &outcome)?;
    }
    deciles::check_same_input(&name, welfare.as_ref(), &outcome.totals)?;
    // An override that met no decided household: fatal, before any commit.
    overrides::finish(
        config.pipeline.overrides.as_deref(),
        &policy.meta.currency,
        config.quiet,
    )?;
    let totals = outcome.totals;
    let context = run_context(
        &name,
        in_place.unwrap_or_else(|| bytes.load(Ordering::Relaxed)),
        &totals,
        ranking.as_ref().map(|(_, r)| r),
        false,
    );
    let mut report = outcome.summary.map(|s| {
        s.report(&spec, &policy, context)
            .with_overrides(config.pipeline.overrides.as_deref().map(|o| o.figures()))
    });
    deciles::into_report(&mut report, outcome.deciles, &policy, config);
    outputs.write_report(report.as_ref(), &policy)?;
    outputs.commit(report.as_ref(), totals.rejected)?;
    tell_the_outcome(
        config,
        &policy,
        &totals,
        report.as_ref(),
        ranking.as_ref(),
        false,
    );
    Ok(if totals.rejected > 0 {
        ExitStatus::SomeRejected
    } else {
        ExitStatus::Success
    })
}

/// `layak assess` on person files.
fn assess_persons(config: &mut AssessConfig, files: &PersonFiles) -> anyhow::Result<ExitStatus> {
    let policy = config.policy.load_in(config.lang)?;
    let within = deciles::within_input(config.rank_within.as_deref(), &policy)?;
    config.pipeline.overrides = overrides::load(config.overrides.as_deref(), &policy)?;
    super::common::check_profile(&policy, &config.input.read)?;
    let persons_column = summary::persons_input(&policy, config.summary.persons_column.as_deref())
        .map_err(|e| UsageError(super::error_text::persons_input_text(&e)))?;
    let shape = output_shape(config, &policy)?;
    let mut outputs = Outputs::open(config, &shape, super::tool_lang(config.lang, &policy))?;
    let opened = persons::open(
        &policy,
        (&config.input.path, &config.input.read),
        files,
        true,
    )?;
    let setup = &opened.setup;
    outputs.rejects.name_input(&setup.household_name);
    let spec = summary_spec(
        config,
        &policy,
        persons_column,
        (&setup.header, &setup.household_layout),
        true,
    )?;
    config.threads.warn_if_lowered();
    let persons = persons::persons_of(&policy)?;
    let name = setup.household_name.clone();
    let plan = pipeline::persons::PersonPlan::prepare(
        &policy,
        persons,
        setup,
        config.pipeline.chunk_bytes,
        config.pipeline.threads,
    )
    .map_err(|e| stopped(&name, e.into()))?;
    let shown = progress::Setting::from_env(config.quiet);
    let welfare = match within {
        Some(within) => Some(deciles::rank_persons(
            config, &policy, &plan, &name, within,
        )?),
        None => None,
    };
    let config = &*config;
    let ranking = match config.budget {
        None => None,
        Some(amount) => {
            let bar = Progress::start(
                shown,
                format!("pass 1/2, ranking {name}"),
                Measure::households(),
            );
            Some(
                pipeline::rank_persons(&policy, &plan, &bar.options(&config.pipeline), amount)
                    .map_err(|e| stopped(&name, e))?,
            )
        }
    };
    let label = match ranking {
        Some(_) => format!("pass 2/2, writing {name}"),
        None => format!("reading {name}"),
    };
    let bar = Progress::start(shown, label, Measure::households());
    let extras = pipeline::Extras {
        summary: config.wants_summary().then_some(&spec),
        ranking: ranking.as_ref().map(|(_, r)| r),
        shape: Some(&shape),
    };
    let outcome = pipeline::assess_persons(
        &policy,
        &plan,
        config.format,
        &mut outputs.decisions,
        &mut Noted::new(&mut outputs.rejects, &mut outputs.report),
        &bar.options(&config.pipeline),
        extras,
    )
    .map_err(|e| stopped(&name, e))?;
    drop(bar);
    if let Some(summary) = &outcome.summary {
        summary.check_groups(&spec)?;
    }
    if let Some((first, ranking)) = &ranking {
        check_same_input(&name, first, ranking, &outcome)?;
    }
    deciles::check_same_input(&name, welfare.as_ref(), &outcome.totals)?;
    overrides::finish(
        config.pipeline.overrides.as_deref(),
        &policy.meta.currency,
        config.quiet,
    )?;
    let totals = outcome.totals;
    let context = run_context(
        &name,
        opened.bytes,
        &totals,
        ranking.as_ref().map(|(_, r)| r),
        true,
    );
    let mut report = outcome.summary.map(|s| {
        s.report(&spec, &policy, context)
            .with_overrides(config.pipeline.overrides.as_deref().map(|o| o.figures()))
    });
    deciles::into_report(&mut report, outcome.deciles, &policy, config);
    let rejected = totals.rejected + totals.persons.without_household;
    outputs.write_report(report.as_ref(), &policy)?;
    outputs.commit(report.as_ref(), rejected)?;
    tell_the_outcome(
        config,
        &policy,
        &totals,
        report.as_ref(),
        ranking.as_ref(),
        true,
    );
    Ok(if rejected > 0 {
        ExitStatus::SomeRejected
    } else {
        ExitStatus::Success
    })
}

/// A pipeline error as the user reads it: under `--strict`, the reject it stopped at.
pub(super) fn stopped(name: &str, e: PipelineError) -> anyhow::Error {
    match e {
        PipelineError::Strict(reject) => anyhow::anyhow!(
            "{name}: {reject}\n  --strict: stopped at the first rejected row; no output was written"
        ),
        e => e.into(),
    }
}

/// The outputs of a run. Every output file is created before the first row
/// is read: one that cannot be stops the run before any work, and none is
/// committed unless all are complete.
pub(super) struct Outputs {
    pub(super) decisions: Sink,
    pub(super) rejects: Rejects,
    summary: Option<AtomicFile>,
    /// Whether an xlsx output gets a summary sheet (`--summary` was given).
    summary_sheet: bool,
    /// `--report`: its file, language and the first rejects of each reason.
    pub(super) report: Option<ReportFile>,
}

/// The HTML report's file, written when the run's summary is known.
pub(super) struct ReportFile {
    file: AtomicFile,
    lang: Lang,
    examples: RejectExamples,
}

/// The decisions' shape: `--columns` resolved against the policy (an unknown
/// name is a usage error), `--reasons`, and CSV text as read under a table.
pub(super) fn output_shape(
    config: &AssessConfig,
    policy: &crate::policy::Policy,
) -> Result<OutputShape, UsageError> {
    let columns = config
        .columns
        .as_deref()
        .map(|spec| report::columns::resolve(policy, spec))
        .transpose()
        .map_err(|e| UsageError(e.to_string()))?;
    Ok(OutputShape {
        columns,
        reasons: config.reasons,
        excel: config.table == Some(Table::Excel),
        raw_text: config.table.is_some(),
    })
}

impl Outputs {
    pub(super) fn open(
        config: &AssessConfig,
        shape: &OutputShape,
        lang: Lang,
    ) -> anyhow::Result<Outputs> {
        Outputs::open_with(config, lang, || tables::column_types(shape))
    }

    /// [`Outputs::open`] for a table of other columns (`known`: their types).
    pub(super) fn open_with(
        config: &AssessConfig,
        lang: Lang,
        known: impl FnOnce() -> Vec<(String, Cell)>,
    ) -> anyhow::Result<Outputs> {
        let plan = &config.outputs;
        let decisions = match config.table {
            None => Sink::open(plan.decisions.destination(), "output")?,
            Some(table) => Sink::table(plan.decisions.destination(), "output", table, known())?,
        };
        let to = match &plan.rejects {
            Some(target) => {
                let parquet = matches!(target, super::config::Target::File(p)
                    if report::compress::check_name(p, report::compress::Holds::Rejects)
                        .is_ok_and(|n| n.table.is_some()));
                let mut sink = if parquet {
                    let known = vec![("line".to_string(), Cell::Int)];
                    Sink::table(target.destination(), "rejects", Table::Parquet, known)?
                } else {
                    Sink::open(target.destination(), "rejects")?
                };
                let mut header = Vec::new();
                report::write_reject_header(&mut header);
                sink.write_all(&header)
                    .context("cannot write the rejects")?;
                RejectsTo::File {
                    sink,
                    buf: Vec::with_capacity(4096),
                    raw: parquet,
                }
            }
            None => RejectsTo::Stderr {
                name: String::new(),
                shown: 0,
            },
        };
        let book = match &decisions {
            Sink::Table(t) => t.book(),
            _ => None,
        };
        let rejects = Rejects { to, book };
        let summary = match &plan.summary {
            Some(p) => Some(
                AtomicFile::create(Path::new(p))
                    .with_context(|| format!("cannot create summary file {p}"))?,
            ),
            None => None,
        };
        let report = match &plan.report {
            Some(p) => Some(ReportFile {
                file: AtomicFile::create(Path::new(p))
                    .with_context(|| format!("cannot create report file {p}"))?,
                lang,
                examples: RejectExamples::default(),
            }),
            None => None,
        };
        Ok(Outputs {
            decisions,
            rejects,
            summary,
            report,
            summary_sheet: config.summary.asked,
        })
    }

    /// Render the HTML report into its file (committed with the others).
    pub(super) fn write_report(
        &mut self,
        report: Option<&summary::Report>,
        policy: &crate::policy::Policy,
    ) -> anyhow::Result<()> {
        if let (Some(r), Some(summary)) = (&mut self.report, report) {
            let page = html::render(summary, policy, r.lang, &r.examples);
            r.file
                .write_all(page.as_bytes())
                .context("cannot write the report")?;
        }
        Ok(())
    }

    /// Render the HTML report of a comparison into its file.
    pub(super) fn write_compare_report(
        &mut self,
        doc: &serde_json::Value,
        base_report: &summary::Report,
        policies: (&crate::policy::Policy, &crate::policy::Policy),
    ) -> anyhow::Result<()> {
        if let Some(r) = &mut self.report {
            let page = html::render_compare(doc, base_report, policies, r.lang);
            r.file
                .write_all(page.as_bytes())
                .context("cannot write the report")?;
        }
        Ok(())
    }

    /// Write the summary file, then flush standard output first: closed
    /// early, it stops the run before any file is committed. Then every file
    /// is committed together.
    pub(super) fn commit(
        self,
        report: Option<&summary::Report>,
        rejected: u64,
    ) -> anyhow::Result<()> {
        let text = match report {
            Some(report) if self.summary.is_some() => {
                let mut text =
                    serde_json::to_vec_pretty(report).context("cannot write the summary")?;
                text.push(b'\n');
                Some(text)
            }
            _ => None,
        };
        self.commit_text(text, report, rejected)
    }

    /// [`Outputs::commit`] with the summary file's text given (`layak compare`
    /// writes its own document); `report` is the xlsx summary sheet's.
    pub(super) fn commit_text(
        self,
        summary_text: Option<Vec<u8>>,
        report: Option<&summary::Report>,
        rejected: u64,
    ) -> anyhow::Result<()> {
        let Outputs {
            decisions,
            rejects,
            mut summary,
            report: html_report,
            summary_sheet,
        } = self;
        if let (Some(file), Some(text)) = (&mut summary, summary_text) {
            file.write_all(&text).context("cannot write the summary")?;
        }
        let mut files = Vec::with_capacity(3);
        let Rejects { to: rejects, book } = rejects;
        drop(book);
        decisions
            .finish_into(&mut files, report.filter(|_| summary_sheet))
            .context("cannot write the decisions")?;
        match rejects {
            RejectsTo::File { mut sink, buf, .. } => {
                sink.write_all(&buf).context("cannot write the rejects")?;
                sink.finish_into(&mut files, None)
                    .context("cannot write the rejects")?;
            }
            RejectsTo::Stderr { shown, .. } => {
                if rejected > shown {
                    writeln!(
                        io::stderr().lock(),
                        "reject: … and {} more rejected {} (use --rejects FILE to keep them all)",
                        super::grouped(rejected - shown),
                        if rejected - shown == 1 { "row" } else { "rows" }
                    )
                    .ok();
                }
            }
        }
        files.extend(summary);
        files.extend(html_report.map(|r| r.file));
        atomic::commit_all(files)?;
        Ok(())
    }
}

/// The household file, open and mapped to the policy's inputs.
pub(super) struct OpenedInput {
    pub(super) source: input::Source,
    pub(super) layout: Layout,
    /// Bytes read so far, for the summary.
    pub(super) bytes: Arc<AtomicU64>,
    /// With `--budget`, the copy of a piped input for the second read.
    pub(super) spill: Option<Spill>,
}

pub(super) fn open_household_file(
    config: &AssessConfig,
    policy: &crate::policy::Policy,
) -> anyhow::Result<OpenedInput> {
    let path = config.input.path.as_str();
    // With --budget the input is read twice: a pipe is copied aside on the first read.
    let regular = path != "-" && std::fs::metadata(path).is_ok_and(|m| m.is_file());
    let twice = config.budget.is_some() || policy.ranking.is_some();
    let spill = match twice {
        true if !regular => Some(
            Spill::create()
                .context("cannot create a temporary copy of the input (it is read twice)")?,
        ),
        _ => None,
    };
    let bytes = Arc::new(AtomicU64::new(0));
    hint_if_waiting_on_a_terminal(path);
    let source = open_counted(path, &config.input.read, Arc::clone(&bytes), spill.as_ref())?;
    let layout = layout_for(policy, &source, &config.input.read)?;
    Ok(OpenedInput {
        source,
        layout,
        bytes,
        spill,
    })
}

/// What the summary counts: `--by` is resolved against the header here.
pub(super) fn summary_spec(
    config: &AssessConfig,
    policy: &crate::policy::Policy,
    persons: Option<usize>,
    (header, layout): (&[String], &Layout),
    person_mode: bool,
) -> Result<summary::SummarySpec, UsageError> {
    let by = match &config.summary.by {
        Some(name) => {
            let columns = summary::FileColumns {
                header,
                input_columns: &layout.columns,
                unused: &layout.unused,
            };
            let by = summary::GroupBy::resolve(policy, columns, name)
                .map_err(|e| UsageError(super::error_text::unknown_group_column_text(&e)))?;
            Some(by.with_max_groups(config.summary.max_groups))
        }
        None => None,
    };
    let reject_reasons: Vec<&'static str> = RejectCode::possible(person_mode)
        .iter()
        .map(|c| c.as_str())
        .collect();
    let spec = summary::SummarySpec::new(
        policy,
        persons,
        by,
        config.summary.weighted,
        &reject_reasons,
    );
    // --weight: every figure becomes a population estimate.
    Ok(match &layout.weight {
        Some(w) => spec.with_weight(&w.name, w.scale),
        None => spec,
    })
}

/// First pass of --budget: rank the eligible households (counting the bytes
/// read into `bytes`), then open the input again (or its copy `spill`) for
/// the second pass, which writes the decisions; with what its progress measures.
fn rank_then_reopen(
    config: &AssessConfig,
    policy: &crate::policy::Policy,
    layout: &Layout,
    source: input::Source,
    (bytes, spill): (&Arc<AtomicU64>, &Option<Spill>),
    amount: u64,
) -> anyhow::Result<(input::Source, (pipeline::Totals, Ranking), Measure)> {
    let name = source.name.clone();
    let header = source.header.clone();
    let bar = Progress::start(
        progress::Setting::from_env(config.quiet),
        format!("pass 1/2, ranking {name}"),
        Measure::file(bytes, &config.input.path),
    );
    let first = pipeline::rank(
        policy,
        layout,
        source,
        &bar.options(&config.pipeline),
        amount,
    )
    .map_err(|e| stopped(&name, e))?;
    drop(bar);
    let (again, measure) = reopen(config, &name, &header, spill.as_ref())?;
    Ok((again, first, measure))
}

/// The second pass of --budget: the input again (or its copy), with the
/// header the first pass read, and its bytes counted for a progress display.
pub(super) fn reopen(
    config: &AssessConfig,
    name: &str,
    header: &[String],
    spill: Option<&Spill>,
) -> anyhow::Result<(input::Source, Measure)> {
    let again_bytes = Arc::new(AtomicU64::new(0));
    let (again, measure) = match spill {
        Some(spill) => {
            let file = std::fs::File::open(spill.path()).with_context(|| {
                format!(
                    "--budget: cannot read the temporary copy {}",
                    spill.path().display()
                )
            })?;
            let raw = progress::counting(Box::new(file), &again_bytes);
            let measure = Measure::file(&again_bytes, &spill.path().to_string_lossy());
            let again = input::from_reader(name.to_string(), raw, &config.input.read)?;
            (again, measure)
        }
        None => {
            let (_, raw) = input::open_raw(&config.input.path)?;
            let raw = progress::counting(raw, &again_bytes);
            let again = input::from_reader(name.to_string(), raw, &config.input.read)?;
            (again, Measure::file(&again_bytes, &config.input.path))
        }
    };
    if again.header != header {
        anyhow::bail!("{name} changed while --budget read it twice (the header differs)");
    }
    Ok((again, measure))
}

/// The second pass of --budget must read what the first ranked.
pub(super) fn check_same_input(
    name: &str,
    first: &pipeline::Totals,
    ranking: &Ranking,
    outcome: &pipeline::Outcome,
) -> anyhow::Result<()> {
    if *first != outcome.totals || outcome.ranked != ranking.eligible {
        anyhow::bail!(
            "{name} changed while --budget read it twice: {} the first time, {} the second; nothing was written",
            super::counted(first.read, "row", "rows"),
            super::grouped(outcome.totals.read)
        );
    }
    Ok(())
}

/// What the summary says about the run itself.
pub(super) fn run_context(
    name: &str,
    bytes: u64,
    totals: &pipeline::Totals,
    ranking: Option<&Ranking>,
    person_mode: bool,
) -> summary::RunContext {
    summary::RunContext {
        input_file: name.to_string(),
        input_bytes: bytes,
        read: totals.read,
        decided: totals.decided,
        rejected: totals.rejected,
        rejects_by_reason: RejectCode::possible(person_mode)
            .iter()
            .zip(totals.rejects_by_code)
            .map(|(c, n)| (c.as_str(), n))
            .collect(),
        budget: ranking.map(|r| summary::BudgetContext {
            amount: r.budget,
            last_funded_priority: r.last_funded.map(|k| f64::from(k) / 10.0),
            first_waiting_priority: r.first_waiting.map(|k| f64::from(k) / 10.0),
        }),
    }
}

pub(super) mod deciles;
mod files;
mod outcome;
mod overrides;
pub(super) use files::{Noted, Rejects, Spill};
use files::{RejectsTo, open_counted};
pub(super) use outcome::{budget_line, closing_line, tell_the_outcome};
pub(super) use overrides::{
    explain as explain_overrides, load as community_overrides, text as overrides_text,
};
