//! `layak assess --stage`: one worker of a distributed engine (issue 16).
//!
//! Reads NDJSON or an Arrow IPC stream, writes one record per input record
//! (`pipeline::stage`). Exit 0 when every record was written, rejects
//! included; 1 for a fatal error (an unreadable stream, an invalid policy,
//! a column type no input takes); 2 for a usage error.

use std::io::{self, Write};
use std::path::Path;

use anyhow::Context;

use super::config::{InputConfig, Threads};
use super::{AssessArgs, FormatArg, InputFormatArg, ReasonsArg, UsageError};
use crate::ExitStatus;
use crate::input::columnar::Rows;
use crate::input::columnar::ipc::IpcStream;
use crate::input::ndjson::{self, Keys, LineChunks};
use crate::input::{self, Layout, Source};
use crate::pipeline::stage::{StageInput, StageOutput, stage};
use crate::pipeline::{self, PipelineError};
use crate::report::atomic::AtomicFile;
use crate::report::columns::ReasonsMode;
use crate::report::stage::{ArrowStage, REJECT_FIELDS};
use crate::report::{self, OutputShape, table};

/// Bytes of NDJSON read at a time for an Arrow output (a few thousand
/// records).
const NDJSON_TO_ARROW_CHUNK: usize = 1 << 20;

/// Options that make no sense for one record out per record in.
fn check_flags(args: &AssessArgs) -> Result<(), UsageError> {
    let refused: [(&str, bool); 13] = [
        (
            "--rejects (rejects are records of the output)",
            args.rejects.is_some(),
        ),
        ("--summary", args.summary.is_some()),
        ("--report", args.report.is_some()),
        ("--budget", args.budget.is_some()),
        ("--by", args.by.is_some()),
        ("--excel", args.excel),
        ("--strict", args.strict),
        ("--persons", args.input.persons.is_some()),
        ("--rectangular", args.input.rectangular),
        ("--sheet", args.input.sheet.is_some()),
        ("--delimiter", args.input.delimiter.is_some()),
        (
            "--overrides (a partition cannot tell an unknown household from one in another partition)",
            args.overrides.is_some(),
        ),
        (
            "--rank-within (ranking needs the whole population)",
            args.rank_within.is_some(),
        ),
    ];
    if let Some((flag, _)) = refused.iter().find(|(_, given)| *given) {
        return Err(UsageError(format!(
            "{flag} does not go with --stage: stage mode writes exactly one record (decision or reject) per input record to one output"
        )));
    }
    match args.format {
        None | Some(FormatArg::Ndjson | FormatArg::Arrow) => Ok(()),
        Some(other) => Err(UsageError(format!(
            "--stage writes ndjson or arrow, not {}",
            format!("{other:?}").to_lowercase()
        ))),
    }
}

/// A source holding a header and no rows, for matching names to inputs.
fn header_source(name: &str, header: Vec<String>) -> Source {
    Source {
        name: name.to_string(),
        delimiter: b',',
        header,
        delimiter_hint: None,
        header_line: 1,
        chunker: input::Chunker::new(Box::new(io::empty()), b',', Vec::new(), 0, 1, true),
        sheet: None,
        table: None,
    }
}

pub(super) fn run(args: AssessArgs) -> anyhow::Result<ExitStatus> {
    check_flags(&args)?;
    let arrow_out = args.format == Some(FormatArg::Arrow);
    let input_format = args.input_format.unwrap_or(InputFormatArg::Ndjson);
    let input = InputConfig::new(args.file.clone(), &args.input)?;
    let threads = Threads::resolve(args.threads);
    let options = pipeline::Options {
        threads: threads.count,
        strict: false,
        chunk_bytes: args.chunk_bytes.map_or_else(
            // A chunk of NDJSON is a record batch of the Arrow output: a
            // larger one makes fewer, larger batches.
            || match (arrow_out, input_format) {
                (true, InputFormatArg::Ndjson) => NDJSON_TO_ARROW_CHUNK,
                _ => pipeline::default_chunk_bytes(threads.count),
            },
            |b| b as usize,
        ),
        all_errors: false,
        progress: None,
        deciles: None,
        overrides: None,
    };
    let policy = args.policy.load_in(args.lang.choice())?;
    if policy.ranking.is_some() {
        // A worker sees one partition; deciles need the whole population.
        return Err(UsageError(
            "--stage does not take a policy with [ranking]: a worker sees one partition, and deciles need the whole population; decide with `layak assess` on the whole file, or rank in the job".into(),
        )
        .into());
    }
    super::common::check_profile(&policy, &input.read)?;
    let columns = args
        .columns
        .as_deref()
        .map(|spec| report::columns::resolve(&policy, spec))
        .transpose()
        .map_err(|e| UsageError(e.to_string()))?;
    let shape = OutputShape {
        columns,
        reasons: match args.reasons {
            None | Some(ReasonsArg::Text) => ReasonsMode::Text,
            Some(ReasonsArg::Codes) => ReasonsMode::Codes,
            Some(ReasonsArg::None) => ReasonsMode::None,
        },
        excel: false,
        raw_text: arrow_out,
    };
    let (name, raw) = input::open_raw(&input.path)?;
    let (stage_input, layout) = match input_format {
        InputFormatArg::Ndjson => {
            let max = input::max_record_bytes(input.read.max_field_bytes);
            let mut chunks = LineChunks::new(raw, max);
            let first = chunks
                .first_line()
                .map_err(|e| input::InputError::reading(&name, e))?;
            let keys = match &first {
                // A first line that is not an object is a reject like any
                // other: the header is then the policy's inputs.
                Some(line) => ndjson::first_keys(&name, line).unwrap_or_default(),
                None => Vec::new(),
            };
            let header = ndjson::header(
                keys,
                &policy,
                &input.read.renames,
                input.read.profile.is_some(),
            );
            let source = header_source(&name, header);
            let layout = super::common::layout_for(&policy, &source, &input.read)?;
            let keys = Keys::new(&source.header);
            (StageInput::Ndjson(Box::new(chunks), keys), layout)
        }
        InputFormatArg::Arrow => {
            let (header, stream) = IpcStream::open(&name, raw)?;
            let source = header_source(&name, header);
            let layout = super::common::layout_for(&policy, &source, &input.read)?;
            let rows = Rows::from_ipc(&name, stream, &policy, &layout)?;
            (StageInput::Arrow(Box::new(rows)), layout)
        }
    };
    threads.warn_if_lowered();
    let mut sink = match args.output.as_deref() {
        // Not locked: the workers write Arrow output in turn (`Send`).
        None | Some("-") => Out::Stdout(io::BufWriter::with_capacity(1 << 16, io::stdout())),
        Some(p) => Out::File(
            AtomicFile::create(Path::new(p))
                .with_context(|| format!("cannot create output file {p}"))?,
        ),
    };
    let result = {
        let w: &mut (dyn Write + Send) = match &mut sink {
            Out::Stdout(s) => s,
            Out::File(f) => f,
        };
        let output = if arrow_out {
            let cols = decision_columns(&shape, &layout);
            if let Some(clash) = cols
                .iter()
                .find(|(n, _)| REJECT_FIELDS.contains(&n.as_str()) || n == "kind" || n == "index")
            {
                return Err(UsageError(format!(
                    "--columns: `{}` is also a column of stage mode's Arrow records; leave it out",
                    clash.0
                ))
                .into());
            }
            StageOutput::Arrow(Box::new(ArrowStage::new(w, &cols)?))
        } else {
            StageOutput::Ndjson(w)
        };
        stage(
            &policy,
            &layout,
            stage_input,
            &name,
            output,
            &shape,
            &options,
        )
    };
    match result {
        Ok(_) => {}
        // Standard output closed early: not an error of the run.
        Err(PipelineError::Output(e)) if e.kind() == io::ErrorKind::BrokenPipe => {
            return Ok(ExitStatus::Success);
        }
        Err(e) => return Err(e.into()),
    }
    // An output file is renamed into place only once complete.
    if let Out::File(f) = sink {
        f.commit()?;
    }
    Ok(ExitStatus::Success)
}

/// Where the records go.
enum Out {
    Stdout(io::BufWriter<io::Stdout>),
    File(AtomicFile),
}

/// The decisions' columns of an Arrow output, typed as in Parquet.
fn decision_columns(shape: &OutputShape, layout: &Layout) -> Vec<(String, table::Cell)> {
    let mut cols = table::column_types(shape);
    // Of the columns the pipeline appends when asked, stage mode writes
    // only `weight`.
    cols.retain(|(name, _)| !table::is_appended(name));
    if layout.weight.is_some() {
        cols.push(("weight".into(), table::Cell::Float));
    }
    cols
}
