//! `layak assess`: input → engine → report, with rejects and exit codes.

use std::io::{self, Write};
use std::path::Path;

use anyhow::Context;

use super::{AssessArgs, FormatArg, UsageError};
use crate::ExitStatus;
use crate::engine::Engine;
use crate::input::{self, IdSet, Layout, ReadOptions, Reject, RejectCode, RowParser};
use crate::report::{self, Decision, DecisionWriter, Format, atomic::AtomicFile};

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
/// Output is written in chunks of about this size.
const FLUSH_AT: usize = 1 << 16;

/// Where output bytes go: standard output, or a file renamed into place at the end.
enum Sink {
    Stdout(io::StdoutLock<'static>),
    File(AtomicFile),
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

    fn write_all(&mut self, buf: &[u8]) -> io::Result<()> {
        match self {
            Sink::Stdout(s) => s.write_all(buf),
            Sink::File(f) => f.write_all(buf),
        }
    }

    fn finish(self) -> io::Result<()> {
        match self {
            Sink::Stdout(mut s) => s.flush(),
            Sink::File(f) => f.commit(),
        }
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

fn same_file(a: &str, b: &str) -> bool {
    match (std::fs::canonicalize(a), std::fs::canonicalize(b)) {
        (Ok(x), Ok(y)) => x == y,
        _ => false,
    }
}

pub fn run(args: AssessArgs) -> anyhow::Result<ExitStatus> {
    // Validate everything the user typed before reading a row.
    let input_path = args.file.clone().unwrap_or_else(|| "-".into());
    let delimiter = args.delimiter.as_deref().map(parse_delimiter).transpose()?;
    let renames = args
        .rename
        .iter()
        .map(|r| input::parse_rename(r).map_err(|e| UsageError(e.to_string())))
        .collect::<Result<Vec<_>, _>>()?;
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
    let options = ReadOptions { delimiter, renames };
    let mut csv_in = input::open(&input_path, &options)?;
    let layout = Layout::new(&policy, &csv_in, &options)?;
    let mut stderr = io::stderr().lock();
    for name in &layout.defaulted {
        let input = policy.input(name);
        let default = input.map_or(String::new(), |i| describe_default(&policy, i));
        writeln!(
            stderr,
            "warning: {}: no column `{name}`; every row uses its default {default}",
            csv_in.name
        )
        .ok();
    }

    let parser = RowParser::new(&policy, &layout);
    let engine = Engine::new(&policy);
    let mut scratch = engine.scratch();
    let mut writer = DecisionWriter::new(&policy, format);
    let mut ids = IdSet::default();
    let mut out = Sink::open(args.output.as_deref())?;
    let mut rejects_out = match &args.rejects {
        Some(p) => Some(
            AtomicFile::create(Path::new(p))
                .with_context(|| format!("cannot create rejects file {p}"))?,
        ),
        None => None,
    };
    let mut buf: Vec<u8> = Vec::with_capacity(FLUSH_AT * 2);
    let mut rej_buf: Vec<u8> = Vec::new();
    if rejects_out.is_some() {
        report::write_reject_header(&mut rej_buf);
    }
    writer.begin(&mut buf);

    let mut record = csv::ByteRecord::new();
    let (mut read, mut decided, mut rejected) = (0u64, 0u64, 0u64);
    let mut rejects_by_code = [0u64; RejectCode::ALL.len()];
    loop {
        let more = csv_in
            .reader
            .read_byte_record(&mut record)
            .map_err(|e| input::csv_error(&csv_in.name, &e))?;
        if !more {
            break;
        }
        read += 1;
        let line = record.position().map_or(0, |p| p.line()) + csv_in.line_offset;
        let id_status = parser.claim_id(&record, line, &mut ids);
        let result = parser
            .parse(
                &record,
                line,
                id_status,
                &mut scratch.slots,
                &mut scratch.stack,
            )
            .and_then(|()| {
                engine.decide(&mut scratch).map_err(|e| {
                    Box::new(Reject {
                        line,
                        household_id: String::from_utf8_lossy(
                            parser.id_cell(&record).unwrap_or_default(),
                        )
                        .into_owned(),
                        column: String::new(),
                        value: if e.value.is_nan() {
                            "NaN".into()
                        } else {
                            e.value.to_string()
                        },
                        code: RejectCode::Evaluation,
                        message: format!("the policy cannot decide this row: {e}"),
                    })
                })
            });
        match result {
            Ok(()) => {
                let id_col = policy.fields.id_input;
                let mut d = Decision {
                    household_id: parser.text(&record, id_col),
                    region: policy
                        .fields
                        .region_input
                        .map_or(&b""[..], |r| parser.text(&record, r)),
                    scratch: &mut scratch,
                };
                writer.decision(&mut d, decided == 0, &mut buf);
                decided += 1;
            }
            Err(reject) => {
                rejected += 1;
                if let Some(i) = RejectCode::ALL.iter().position(|c| *c == reject.code) {
                    rejects_by_code[i] += 1;
                }
                if args.strict {
                    // Dropping the sinks removes their temporary files.
                    anyhow::bail!(
                        "{}: {reject}\n  --strict: stopped at the first rejected row; no output was written",
                        csv_in.name
                    );
                }
                if rejects_out.is_some() {
                    report::write_reject_csv(&reject, &mut rej_buf);
                } else if rejected <= STDERR_REJECT_LIMIT {
                    writeln!(stderr, "reject: {}: {reject}", csv_in.name).ok();
                }
            }
        }
        if buf.len() >= FLUSH_AT {
            out.write_all(&buf).context("cannot write the decisions")?;
            buf.clear();
        }
        if let Some(r) = &mut rejects_out {
            if rej_buf.len() >= FLUSH_AT {
                r.write_all(&rej_buf).context("cannot write the rejects")?;
                rej_buf.clear();
            }
        }
    }
    writer.end(decided > 0, &mut buf);
    out.write_all(&buf).context("cannot write the decisions")?;
    out.finish().context("cannot write the decisions")?;
    if let Some(mut r) = rejects_out {
        r.write_all(&rej_buf).context("cannot write the rejects")?;
        r.commit().context("cannot write the rejects")?;
    } else if rejected > STDERR_REJECT_LIMIT {
        writeln!(
            stderr,
            "reject: … and {} more rejected rows (use --rejects FILE to keep them all)",
            rejected - STDERR_REJECT_LIMIT
        )
        .ok();
    }
    if !args.quiet {
        let mut by_code = String::new();
        for (code, n) in RejectCode::ALL.iter().zip(rejects_by_code) {
            if n > 0 {
                by_code.push_str(&format!(
                    "{}{code} {n}",
                    if by_code.is_empty() { ": " } else { ", " }
                ));
            }
        }
        writeln!(
            stderr,
            "layak: {read} rows read = {decided} decided + {rejected} rejected{by_code}"
        )
        .ok();
    }
    Ok(if rejected > 0 {
        ExitStatus::SomeRejected
    } else {
        ExitStatus::Success
    })
}

fn describe_default(policy: &crate::policy::Policy, input: &crate::policy::Input) -> String {
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
