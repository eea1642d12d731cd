//! `layak letters FILE -o letters.html [--ids A,B]`: a printable decision
//! letter for every decided household of the file (or the ones named), one
//! page each, in one self-contained HTML file — the letter of `explain
//! --format html`, for many households in one pass.

use std::io::{self, Write};

use anyhow::Context;

use super::common::open_input;
use super::config::InputConfig;
use super::{LettersArgs, UsageError};
use crate::ExitStatus;
use crate::engine::{Engine, trace};
use crate::input::record::{LineCounter, chunk_reader};
use crate::input::{self, IdSet, RowParser};
use crate::policy::{Policy, noun};
use crate::report::atomic::AtomicFile;
use crate::report::explain_text::render_rejected_text_in;
use crate::report::html::letter;

pub(super) const EXAMPLES: &str = "\
Examples:
  layak letters data/sample-households.csv -o letters.html
  layak letters survey.csv -o letters.html --ids H002,H017 --lang id
  (print the page from a browser: one A4 page per household)";

/// How many rejected rows are named on standard error (then a count).
const REJECTS_NAMED: usize = 10;

pub(super) fn run(args: LettersArgs) -> anyhow::Result<ExitStatus> {
    let input = InputConfig::new(Some(args.file), &args.input)?;
    args.policy.check()?;
    if input.persons.is_some() {
        return Err(UsageError(
            "letters reads household files only: with --persons or --rectangular, write one letter with `layak explain --id ID --format html`".into(),
        )
        .into());
    }
    check_name(&args.output)?;
    let wanted = match &args.ids {
        Some(list) => Some(parse_ids(list)?),
        None => None,
    };
    let policy = args.policy.load_in(args.lang.choice())?;
    super::common::check_profile(&policy, &input.read)?;
    let (source, layout) = open_input(&policy, &input.path, &input.read)?;
    let mut letters = Letters {
        policy: &policy,
        parser: RowParser::new(&policy, &layout),
        sheet_check: input::sheet::SheetCheck::new(&policy, &layout),
        file: source.name.clone(),
        wanted,
        claimed: IdSet::default(),
        page: letter::begin(policy.lang, &policy),
        written: 0,
        rejected: 0,
        rows: 0,
        id: Vec::new(),
    };
    letters.read(source)?;
    letters.finish(&args.output)
}

/// The output is HTML: `-` (standard output) or a name ending in `.html`/`.htm`.
fn check_name(path: &str) -> Result<(), UsageError> {
    if path == "-" {
        return Ok(());
    }
    let ext = std::path::Path::new(path)
        .extension()
        .map(|e| e.to_string_lossy().to_ascii_lowercase());
    match ext.as_deref() {
        Some("html" | "htm") => Ok(()),
        _ => Err(UsageError(format!(
            "-o {path}: the letters are written as HTML; name the file .html (a browser prints it to PDF)"
        ))),
    }
}

/// `--ids A,B,C`: the ids, each once, in the order given.
fn parse_ids(list: &str) -> Result<Vec<Wanted>, UsageError> {
    let mut ids: Vec<Wanted> = Vec::new();
    for id in list.split(',') {
        if id.is_empty() {
            return Err(UsageError(format!(
                "--ids {list:?}: an empty id; give ids separated by commas, e.g. --ids H002,H017"
            )));
        }
        if !ids.iter().any(|w| w.id == id) {
            ids.push(Wanted {
                id: id.to_string(),
                found: false,
                close: Vec::new(),
            });
        }
    }
    Ok(ids)
}

/// An id of `--ids`: found in the file, or the ids closest to it.
struct Wanted {
    id: String,
    found: bool,
    close: Vec<(usize, String)>,
}

struct Letters<'a> {
    policy: &'a Policy,
    parser: RowParser<'a>,
    sheet_check: input::sheet::SheetCheck,
    file: String,
    /// `--ids`, if given.
    wanted: Option<Vec<Wanted>>,
    /// The ids met so far (a later row with one is a duplicate, as in `assess`).
    claimed: IdSet,
    page: String,
    written: u64,
    rejected: u64,
    rows: u64,
    /// The current row's id (reused from row to row).
    id: Vec<u8>,
}

impl Letters<'_> {
    /// Every row of the file, in order.
    fn read(&mut self, source: input::Source) -> anyhow::Result<()> {
        let name = source.name;
        let engine = Engine::new(self.policy);
        let mut s = engine.scratch();
        let mut record = csv::ByteRecord::new();
        if let Some(mut rows) = source.sheet {
            while let Some(row) = rows.next_row()? {
                row.to_record(&mut record);
                self.row(&engine, &mut s, row.line, &record, Some(row))?;
            }
            return Ok(());
        }
        let delimiter = source.delimiter;
        let mut chunker = source.chunker;
        let mut chunk = Vec::new();
        while let Some(start) = chunker
            .next_chunk(1 << 18, &mut chunk)
            .with_context(|| format!("cannot read {name}"))?
        {
            let mut reader = chunk_reader(&chunk, delimiter);
            let mut lines = LineCounter::new(&chunk, start);
            while reader
                .read_byte_record(&mut record)
                .map_err(|e| input::csv_error(&name, &e))?
            {
                let line = lines.line_of(&chunk, record.position());
                self.row(&engine, &mut s, line, &record, None)?;
            }
        }
        Ok(())
    }

    /// One row: its letter, or why it has none.
    fn row(
        &mut self,
        engine: &Engine<'_>,
        s: &mut crate::engine::Scratch,
        line: u64,
        record: &csv::ByteRecord,
        sheet: Option<&input::sheet::SheetRow>,
    ) -> anyhow::Result<()> {
        self.rows += 1;
        let parser = &self.parser;
        // As in `assess`: the first row with an id claims it.
        let first = parser
            .id_fingerprint(record)
            .and_then(|fp| self.claimed.claim_fingerprint(fp, line));
        self.id.clear();
        parser.id_text(record, &mut self.id);
        if let Some(wanted) = &mut self.wanted {
            let mut asked = false;
            for w in wanted.iter_mut() {
                if w.id.as_bytes() == self.id.as_slice() {
                    w.found = true;
                    asked = true;
                } else if !w.found {
                    super::explain::remember_close(&mut w.close, w.id.as_bytes(), &self.id);
                }
            }
            if !asked {
                return Ok(());
            }
        }
        let sheet_reject = sheet.and_then(|row| self.sheet_check.reject(parser, row, &mut s.slots));
        let parsed = match sheet_reject {
            Some(reject) => Err(*reject),
            None => parser
                .parse(record, line, &mut s.slots)
                .and_then(|()| parser.weight(record, line).map(|_| ()))
                .map_err(|r| *r)
                .and_then(|()| {
                    engine
                        .decide(s)
                        .map_err(|e| input::evaluation_reject(parser, record, line, e.value, &e))
                }),
        };
        let parsed = match (first, parsed) {
            (Some(first), Ok(())) => Err(parser.duplicate_reject(line, &self.id, first)),
            (Some(first), Err(r)) if !parser.failed_before_id(&r) => {
                Err(parser.duplicate_reject(line, &self.id, first))
            }
            (_, parsed) => parsed,
        };
        let id = String::from_utf8_lossy(&self.id).into_owned();
        match parsed {
            Err(reject) => {
                self.rejected += 1;
                if self.rejected as usize <= REJECTS_NAMED {
                    let text =
                        render_rejected_text_in(self.policy.lang, &reject, &id, &self.file, line);
                    let mut err = io::stderr().lock();
                    writeln!(err, "no letter for household {id} (line {line}): rejected")?;
                    for l in text.lines() {
                        writeln!(err, "  {l}")?;
                    }
                }
            }
            Ok(()) => {
                let (defaulted, texts) = parser.inputs_as_read(record);
                let t = trace::trace(self.policy, s, &defaulted, &texts);
                let to = letter::Addressee {
                    id: &id,
                    file: &self.file,
                    line,
                };
                letter::push_letter(&mut self.page, self.policy, &to, &t, &s.slots);
                self.written += 1;
            }
        }
        Ok(())
    }

    /// Check `--ids`, then write the page whole (or not at all).
    fn finish(mut self, output: &str) -> anyhow::Result<ExitStatus> {
        if let Some(wanted) = &self.wanted {
            let missing: Vec<&Wanted> = wanted.iter().filter(|w| !w.found).collect();
            if !missing.is_empty() {
                let mut msg = format!(
                    "{}: {} not in the file ({} {} read); no letters written",
                    self.file,
                    noun(missing.len() as u128, "household", "households"),
                    self.rows,
                    noun(u128::from(self.rows), "row", "rows"),
                );
                for w in missing {
                    msg.push_str(&format!("\n  `{}`", w.id));
                    if !w.close.is_empty() {
                        let ids: Vec<&str> = w.close.iter().map(|(_, s)| s.as_str()).collect();
                        msg.push_str(&format!(": close ids: {}", ids.join(", ")));
                    }
                }
                anyhow::bail!(msg);
            }
        }
        if self.rejected as usize > REJECTS_NAMED {
            eprintln!(
                "no letter for {} more rejected rows",
                self.rejected - REJECTS_NAMED as u64
            );
        }
        if self.written == 0 {
            anyhow::bail!(
                "{}: no decided household ({} {} read, {} rejected); no letters written",
                self.file,
                self.rows,
                noun(u128::from(self.rows), "row", "rows"),
                self.rejected
            );
        }
        self.page.push_str(letter::END);
        if output == "-" {
            let mut out = io::stdout().lock();
            out.write_all(self.page.as_bytes())?;
            out.flush()?;
        } else {
            let mut f = AtomicFile::create(std::path::Path::new(output))
                .with_context(|| format!("cannot write {output}"))?;
            f.write_all(self.page.as_bytes())
                .with_context(|| format!("cannot write {output}"))?;
            f.commit()?;
        }
        let shown = if output == "-" {
            "standard output"
        } else {
            output
        };
        eprintln!(
            "{} {} written to {shown}",
            self.written,
            noun(u128::from(self.written), "letter", "letters")
        );
        Ok(if self.rejected > 0 {
            ExitStatus::SomeRejected
        } else {
            ExitStatus::Success
        })
    }
}
