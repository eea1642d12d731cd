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
use crate::report::{self, Format, atomic::AtomicFile, summary};

pub const EXAMPLES: &str = "\
Examples:
  layak assess data/sample-households.csv
  layak assess survey.csv -o decisions.csv --rejects rejects.csv
  layak assess survey.csv --format json --policy my-policy.toml
  layak assess kobo.csv --rename hh/hh_id=household_id --rename hh/size=members
  layak assess census.csv -o decisions.csv --summary summary.json --by region
  layak assess census.csv -o decisions.csv --budget 5_000_000_000 --summary -

Exit codes: 0 every row decided; 3 finished but some rows rejected;
1 fatal error (nothing written to -o); 2 usage error.";

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
    fn open(path: Option<&str>) -> anyhow::Result<Sink> {
        match path {
            None | Some("-") => Ok(Sink::Stdout(io::stdout().lock())),
            Some(p) => Ok(Sink::File(
                AtomicFile::create(Path::new(p))
                    .with_context(|| format!("cannot create output file {p}"))?,
            )),
        }
    }

    fn finish(self) -> io::Result<()> {
        match self {
            Sink::Stdout(mut s) => s.flush(),
            Sink::File(f) => f.commit(),
        }
    }
}

/// Delimiter and renames as typed, checked before any row is read.
pub(super) fn read_options(args: &super::InputArgs) -> Result<ReadOptions, UsageError> {
    let delimiter = args.delimiter.as_deref().map(parse_delimiter).transpose()?;
    let renames = args
        .rename
        .iter()
        .map(|r| input::parse_rename(r).map_err(|e| UsageError(e.to_string())))
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
        input::InputError::Rename { .. } => anyhow::Error::from(UsageError(e.to_string())),
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

pub(super) fn same_file(a: &str, b: &str) -> bool {
    match (std::fs::canonicalize(a), std::fs::canonicalize(b)) {
        (Ok(x), Ok(y)) => x == y,
        _ => false,
    }
}

pub fn run(args: AssessArgs) -> anyhow::Result<ExitStatus> {
    // Validate everything the user typed before reading a row.
    let input_path = args.file.clone().unwrap_or_else(|| "-".into());
    let options = read_options(&args.input)?;
    let format = match (args.format, &args.output) {
        (Some(FormatArg::Csv), _) => Format::Csv,
        (Some(FormatArg::Json), _) => Format::Json,
        (Some(FormatArg::Ndjson), _) => Format::Ndjson,
        (None, Some(path)) => Format::from_path(path).unwrap_or(Format::Csv),
        (None, None) => Format::Csv,
    };
    let summary_file = args.summary.as_deref().filter(|s| *s != "-");
    let outputs = [
        ("-o", args.output.as_deref()),
        ("--rejects", args.rejects.as_deref()),
        ("--summary", summary_file),
    ];
    for (flag, out) in outputs {
        if let Some(out) = out {
            if input_path != "-" && same_file(out, &input_path) {
                return Err(UsageError(format!(
                    "{flag} {out} is the input file: refusing to overwrite it"
                ))
                .into());
            }
        }
    }
    for (i, (a_flag, a)) in outputs.iter().enumerate() {
        for (b_flag, b) in &outputs[i + 1..] {
            if let (Some(a), Some(b)) = (a, b) {
                if a == b || same_file(a, b) {
                    return Err(UsageError(format!(
                        "{a_flag} and {b_flag} name the same file {a}"
                    ))
                    .into());
                }
            }
        }
    }
    let budget = args.budget.as_deref().map(parse_budget).transpose()?;
    let policy = args.policy.load()?;
    let persons =
        summary::persons_input(&policy, args.persons_column.as_deref()).map_err(UsageError)?;
    let human = args.summary.as_deref() == Some("-") || (io::stderr().is_terminal() && !args.quiet);
    let want_summary = human || summary_file.is_some();

    // With --budget the input is read twice: a pipe is copied aside on the first read.
    let regular = input_path != "-" && std::fs::metadata(&input_path).is_ok_and(|m| m.is_file());
    let spill = match budget {
        Some(_) if !regular => {
            Some(Spill::create().context("--budget: cannot create a temporary copy of the input")?)
        }
        _ => None,
    };
    let bytes = Arc::new(AtomicU64::new(0));
    let csv_in = open_counted(&input_path, &options, Arc::clone(&bytes), spill.as_ref())?;
    let layout = layout_for(&policy, &csv_in, &options)?;
    let mut stderr = io::stderr().lock();
    warn_defaulted(&policy, &csv_in, &layout);
    let by = match &args.by {
        Some(name) => {
            let by = summary::By::resolve(&policy, &layout, &csv_in.header, name);
            Some(
                by.map_err(UsageError)?
                    .with_max_groups(args.max_groups.map(|n| n as usize)),
            )
        }
        None => None,
    };
    let spec = summary::Spec::new(&policy, persons, by, !args.unweighted);

    let mut out = Sink::open(args.output.as_deref())?;
    let mut rejects = match &args.rejects {
        Some(p) => {
            let mut file = AtomicFile::create(Path::new(p))
                .with_context(|| format!("cannot create rejects file {p}"))?;
            let mut header = Vec::new();
            report::write_reject_header(&mut header);
            file.write_all(&header)
                .with_context(|| format!("cannot write rejects file {p}"))?;
            Rejects::File {
                file,
                buf: Vec::with_capacity(4096),
            }
        }
        None => Rejects::Stderr {
            name: csv_in.name.clone(),
            shown: 0,
        },
    };
    let mut summary_out = match summary_file {
        Some(p) => Some(
            AtomicFile::create(Path::new(p))
                .with_context(|| format!("cannot create summary file {p}"))?,
        ),
        None => None,
    };
    let threads = args
        .threads
        .map_or_else(pipeline::default_threads, usize::from);
    let options = pipeline::Options {
        threads,
        strict: args.strict,
        chunk_bytes: args
            .chunk_bytes
            .map_or_else(|| pipeline::default_chunk_bytes(threads), |b| b as usize),
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
                    let file = std::fs::File::open(&spill.path).with_context(|| {
                        format!(
                            "--budget: cannot read the temporary copy {}",
                            spill.path.display()
                        )
                    })?;
                    input::from_reader(name.clone(), Box::new(file), &options_for_reread(&args)?)?
                }
                None => input::open(&input_path, &options_for_reread(&args)?)?,
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
                "{name} changed while --budget read it twice: {} rows the first time, {} the second; nothing was written",
                first.read,
                totals.read
            );
        }
    }
    let report = outcome.summary.map(|s| {
        let ctx = summary::Context {
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
    out.finish().context("cannot write the decisions")?;
    match rejects {
        Rejects::File { mut file, buf } => {
            file.write_all(&buf).context("cannot write the rejects")?;
            file.commit().context("cannot write the rejects")?;
        }
        Rejects::Stderr { shown, .. } => {
            if totals.rejected > shown {
                writeln!(
                    stderr,
                    "reject: … and {} more rejected rows (use --rejects FILE to keep them all)",
                    totals.rejected - shown
                )
                .ok();
            }
        }
    }
    if let Some(file) = summary_out {
        file.commit().context("cannot write the summary")?;
    }
    if !args.quiet {
        let mut by_code = String::new();
        for (code, n) in RejectCode::ALL.iter().zip(totals.rejects_by_code) {
            if n > 0 {
                let sep = if by_code.is_empty() { ": " } else { ", " };
                by_code.push_str(&format!("{sep}{code} {n}"));
            }
        }
        writeln!(
            stderr,
            "layak: {} rows read = {} decided + {} rejected{by_code}",
            totals.read, totals.decided, totals.rejected
        )
        .ok();
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

/// One line on the outcome of --budget.
fn budget_line(r: &pipeline::budget::Ranking, currency: &str) -> String {
    let money = |v: u64| {
        let mut b = Vec::new();
        crate::numfmt::write_grouped(v as f64, &mut b);
        String::from_utf8_lossy(&b).into_owned()
    };
    let mut line = format!(
        "budget {} {currency} a month: {} of {} eligible households funded, {} used",
        money(r.budget),
        r.funded,
        r.eligible,
        money(r.used)
    );
    if let Some(k) = r.last_funded {
        line.push_str(&format!("; cut-off priority {:.1}", f64::from(k) / 10.0));
    }
    line.push_str(&format!("; {} waiting", r.eligible - u64::from(r.funded)));
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
        input::InputError::Rename { .. } => anyhow::Error::from(UsageError(e.to_string())),
        other => other.into(),
    })
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
            s.path.clone(),
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
/// --budget, removed when dropped.
struct Spill {
    path: PathBuf,
    file: std::fs::File,
}

impl Spill {
    fn create() -> io::Result<Spill> {
        let dir = std::env::temp_dir();
        let mut attempt = 0u32;
        loop {
            let path = dir.join(format!("layak-budget-{}-{attempt}.csv", std::process::id()));
            match std::fs::OpenOptions::new()
                .write(true)
                .create_new(true)
                .open(&path)
            {
                Ok(file) => return Ok(Spill { path, file }),
                Err(e) if e.kind() == io::ErrorKind::AlreadyExists && attempt < 100 => {
                    attempt += 1;
                }
                Err(e) => return Err(e),
            }
        }
    }
}

impl Drop for Spill {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.path);
    }
}

/// Where rejects go: a CSV file, or readable lines on standard error (the first few).
enum Rejects {
    File { file: AtomicFile, buf: Vec<u8> },
    Stderr { name: String, shown: u64 },
}

impl RejectSink for Rejects {
    fn reject(&mut self, r: &Reject) -> io::Result<()> {
        match self {
            Rejects::File { file, buf } => {
                report::write_reject_csv(r, buf);
                if buf.len() >= FLUSH_AT {
                    file.write_all(buf)?;
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
