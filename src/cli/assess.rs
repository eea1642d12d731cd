//! `layak assess`: input → engine → report, with rejects and exit codes.

use std::io::{self, Write};
use std::path::Path;

use anyhow::Context;

use super::{AssessArgs, FormatArg, UsageError};
use crate::ExitStatus;
use crate::input::{self, Layout, ReadOptions, Reject, RejectCode};
use crate::pipeline::{self, PipelineError, RejectSink};
use crate::report::{self, Format, atomic::AtomicFile};

pub const EXAMPLES: &str = "\
Examples:
  layak assess data/sample-households.csv
  layak assess survey.csv -o decisions.csv --rejects rejects.csv
  layak assess survey.csv --format json --policy my-policy.toml
  layak assess kobo.csv --rename hh/hh_id=household_id --rename hh/size=members

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
pub(super) fn read_options(
    delimiter: Option<&str>,
    renames: &[String],
) -> Result<ReadOptions, UsageError> {
    let delimiter = delimiter.map(parse_delimiter).transpose()?;
    let renames = renames
        .iter()
        .map(|r| input::parse_rename(r).map_err(|e| UsageError(e.to_string())))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(ReadOptions { delimiter, renames })
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

fn parse_delimiter(s: &str) -> Result<u8, UsageError> {
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
    let options = read_options(args.delimiter.as_deref(), &args.rename)?;
    let format = match (args.format, &args.output) {
        (Some(FormatArg::Csv), _) => Format::Csv,
        (Some(FormatArg::Json), _) => Format::Json,
        (Some(FormatArg::Ndjson), _) => Format::Ndjson,
        (None, Some(path)) => Format::from_path(path).unwrap_or(Format::Csv),
        (None, None) => Format::Csv,
    };
    for (flag, out) in [("-o", &args.output), ("--rejects", &args.rejects)] {
        if let Some(out) = out {
            if input_path != "-" && same_file(out, &input_path) {
                return Err(UsageError(format!(
                    "{flag} {out} is the input file: refusing to overwrite it"
                ))
                .into());
            }
        }
    }
    if let (Some(o), Some(r)) = (&args.output, &args.rejects) {
        if o == r || same_file(o, r) {
            return Err(UsageError(format!("-o and --rejects name the same file {o}")).into());
        }
    }
    let policy = args.policy.load()?;
    let (csv_in, layout) = open_input(&policy, &input_path, &options)?;
    let mut stderr = io::stderr().lock();
    warn_defaulted(&policy, &csv_in, &layout);

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
    let options = pipeline::Options {
        threads: args
            .threads
            .map_or_else(pipeline::default_threads, usize::from),
        strict: args.strict,
        chunk_bytes: args
            .chunk_bytes
            .map_or(pipeline::Options::default().chunk_bytes, |b| b as usize),
    };
    let name = csv_in.name.clone();
    let totals = match pipeline::assess(
        &policy,
        &layout,
        csv_in,
        format,
        &mut out,
        &mut rejects,
        &options,
    ) {
        Ok(t) => t,
        // Returning drops the output and rejects files unrenamed: nothing half-written is left.
        Err(PipelineError::Strict(reject)) => anyhow::bail!(
            "{name}: {reject}\n  --strict: stopped at the first rejected row; no output was written"
        ),
        Err(e) => return Err(e.into()),
    };
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
    Ok(if totals.rejected > 0 {
        ExitStatus::SomeRejected
    } else {
        ExitStatus::Success
    })
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
