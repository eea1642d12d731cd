//! `layak explain FILE --id ID | --line N`: one household's decision, step by step.

use std::io::{self, Write};

use anyhow::Context;

use super::assess::{open_input, read_options};
use super::{ExplainArgs, ExplainFormat, UsageError};
use crate::ExitStatus;
use crate::engine::Engine;
use crate::engine::trace;
use crate::input::record::{LineCounter, chunk_reader};
use crate::input::{self, IdSet, RowParser, cell};
use crate::policy::noun;
use crate::report::explain_text::{render_rejected_text, render_text};

pub const EXAMPLES: &str = "\
Examples:
  layak explain data/sample-households.csv --id H002
  layak explain survey.csv --line 17
  layak explain survey.csv --id H002 --format json";

/// How many close ids to suggest when an id is not found.
const SUGGESTIONS: usize = 3;

pub fn run(args: ExplainArgs) -> anyhow::Result<ExitStatus> {
    let options = read_options(&args.input)?;
    if args.id.is_none() && args.line.is_none() {
        return Err(UsageError("give the household with --id ID or --line N".into()).into());
    }
    let policy = args.policy.load()?;
    let (source, layout) = open_input(&policy, &args.file, &options)?;
    let parser = RowParser::new(&policy, &layout);
    let name = source.name.clone();
    let delimiter = source.delimiter;
    let mut chunker = source.chunker;
    let mut chunk = Vec::new();
    let mut record = csv::ByteRecord::new();
    let want_id = args.id.as_deref().map(str::as_bytes);
    let mut close: Vec<(usize, String)> = Vec::new();
    let mut rows = 0u64;
    let mut fallback = None;
    // With --line, the ids of the rows before it: as in `assess`, a row whose
    // id an earlier row claimed is a `duplicate_id` reject. (With --id the
    // first row with that id is shown, which is the one that claims it.)
    let mut claimed = args.line.map(|_| IdSet::default());
    let found = 'scan: loop {
        let Some(start) = chunker
            .next_chunk(1 << 18, &mut chunk)
            .with_context(|| format!("cannot read {name}"))?
        else {
            break fallback.take();
        };
        let mut reader = chunk_reader(&chunk, delimiter);
        let mut lines = LineCounter::new(&chunk, start);
        while reader
            .read_byte_record(&mut record)
            .map_err(|e| input::csv_error(&name, &e))?
        {
            rows += 1;
            let line = lines.line_of(&chunk, record.position());
            let hit = match (want_id, args.line) {
                (_, Some(n)) => {
                    let first = parser
                        .id_fingerprint(&record)
                        .zip(claimed.as_mut())
                        .and_then(|(fp, ids)| ids.claim_fingerprint(fp, line));
                    if line == n {
                        break 'scan Some((line, record.clone(), first));
                    }
                    false
                }
                (Some(id), None) => {
                    let cell = parser.id_cell(&record).unwrap_or_default();
                    if cell != id {
                        remember_close(&mut close, id, cell);
                        false
                    } else if record.len() != layout.field_count {
                        // As in `assess`, a row with the wrong number of fields
                        // claims no id: prefer a later row that does.
                        if fallback.is_none() {
                            fallback = Some((line, record.clone(), None));
                        }
                        false
                    } else {
                        true
                    }
                }
                (None, None) => false,
            };
            if hit {
                break 'scan Some((line, record.clone(), None));
            }
        }
    };
    let Some((line, record, first)) = found else {
        let what = match (&args.id, args.line) {
            (_, Some(n)) => format!("no household starts on line {n}"),
            (Some(id), None) => format!("household `{id}` is not in the file"),
            (None, None) => String::new(),
        };
        let read = noun(u128::from(rows), "row", "rows");
        let mut msg = format!("{name}: {what} ({rows} {read} read)");
        if !close.is_empty() {
            let ids: Vec<&str> = close.iter().map(|(_, s)| s.as_str()).collect();
            msg.push_str(&format!("\n  close ids: {}", ids.join(", ")));
        }
        anyhow::bail!(msg);
    };

    let engine = Engine::new(&policy);
    let mut s = engine.scratch();
    let parsed = parser
        .parse(&record, line, &mut s.slots)
        .map_err(|r| *r)
        .and_then(|()| {
            engine
                .decide(&mut s)
                .map_err(|e| input::evaluation_reject(&parser, &record, line, e.value, &e))
        });
    // The same precedence as `assess`: a duplicate id replaces a decision, and
    // any reject except one at an input read before the id.
    let parsed = match (first, parsed) {
        (Some(first), Ok(())) => Err(duplicate(&parser, &record, line, first)),
        (Some(first), Err(r)) if !parser.failed_before_id(&r) => {
            Err(duplicate(&parser, &record, line, first))
        }
        (_, parsed) => parsed,
    };
    let id_text =
        String::from_utf8_lossy(parser.text(&record, policy.fields.id_input)).into_owned();
    let mut out = io::stdout().lock();
    if let Err(reject) = parsed {
        match args.format {
            ExplainFormat::Json => {
                let doc = serde_json::json!({
                    "file": name, "line": line, "household_id": id_text,
                    "rejected": {"column": reject.column, "value": reject.value,
                                 "code": reject.code.as_str(), "reason": reject.message},
                });
                writeln!(out, "{}", serde_json::to_string_pretty(&doc)?)?;
            }
            ExplainFormat::Text => {
                let text = render_rejected_text(&reject, &id_text, &name, line);
                out.write_all(text.as_bytes())?;
            }
        }
        return Ok(ExitStatus::SomeRejected);
    }

    let defaulted: Vec<bool> = (0..policy.inputs.len())
        .map(|i| {
            layout.columns[i]
                .and_then(|c| record.get(c))
                .is_none_or(|c| cell::trim(c).is_empty())
        })
        .collect();
    let texts: Vec<String> = (0..policy.inputs.len())
        .map(|i| String::from_utf8_lossy(parser.text(&record, i)).into_owned())
        .collect();
    let t = trace::trace(&policy, &mut s, &defaulted, &texts);
    match args.format {
        ExplainFormat::Json => {
            let doc = serde_json::json!({
                "file": name,
                "line": line,
                "household_id": id_text,
                "policy": {"id": policy.meta.id, "version": policy.meta.version, "hash": policy.hash},
                "trace": t,
            });
            writeln!(out, "{}", serde_json::to_string_pretty(&doc)?)?;
        }
        ExplainFormat::Text => {
            let text = render_text(&policy, &t, &id_text, &name, line);
            out.write_all(text.as_bytes())?;
        }
    }
    Ok(ExitStatus::Success)
}

fn duplicate(
    parser: &RowParser<'_>,
    record: &csv::ByteRecord,
    line: u64,
    first: u64,
) -> input::Reject {
    let id = parser.id_cell(record).unwrap_or_default();
    parser.duplicate_reject(line, id, first)
}

/// Keep the few ids closest to `wanted` (bounded memory, whatever the file size).
fn remember_close(close: &mut Vec<(usize, String)>, wanted: &[u8], cell: &[u8]) {
    if cell.is_empty() || cell.len().abs_diff(wanted.len()) > 3 {
        return;
    }
    let (Ok(a), Ok(b)) = (std::str::from_utf8(wanted), std::str::from_utf8(cell)) else {
        return;
    };
    let d = crate::expr::edit_distance(a, b);
    if d > 3 || close.iter().any(|(_, s)| s == b) {
        return;
    }
    close.push((d, b.to_string()));
    close.sort();
    close.truncate(SUGGESTIONS);
}
