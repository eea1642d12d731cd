//! `layak validate`: read and check every row without deciding.
//!
//! Runs the same parallel pipeline as `assess` with the engine switched off,
//! and reports what a data officer needs before deciding anything: rows read,
//! valid and rejected; rejects by reason and by column with the first line
//! numbers of each; policy inputs missing from the file (defaulted) and file
//! columns the policy does not use.

use std::collections::BTreeMap;
use std::io::{self, Write};
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::AtomicU64;

use anyhow::Context;

use super::common::{
    clean_up_on_signals, describe_default, hint_if_waiting_on_a_terminal, warn_defaulted,
};
use super::config::ValidateConfig;
use super::progress::{Measure, Progress, Setting};
use super::wire;
use super::{ValidateArgs, ValidateFormat};
use crate::ExitStatus;
use crate::input::{Layout, Reject, RejectCode};
use crate::pipeline::{self, RejectSink};
use crate::policy::{Lang, Policy};
use crate::report::{self, atomic::AtomicFile};

pub(super) const EXAMPLES: &str = "\
Examples:
  layak validate survey.csv
  layak validate survey.csv --format json
  layak validate kobo.csv --rename hh/size=members --rejects rejects.csv

Exit codes: 0 every row is valid; 3 some rows would be rejected;
1 fatal error (unreadable file, invalid policy, missing required column); 2 usage error.";

/// Counts and the first line numbers of one kind of reject.
#[derive(Debug, Default)]
struct Tally {
    count: u64,
    lines: Vec<u64>,
    /// The reason given on the first such row, as an example.
    example: String,
}

impl Tally {
    fn add(&mut self, r: &Reject, keep: usize) {
        self.count += 1;
        if self.lines.len() < keep {
            self.lines.push(r.line);
        }
        if self.example.is_empty() {
            self.example = r.message.clone();
        }
    }
}

/// Gathers rejects (in input order) and optionally writes them to a file.
struct Gather {
    /// Problems found: one per rejected row, plus its further bad cells.
    problems: u64,
    by_code: BTreeMap<RejectCode, Tally>,
    by_column: BTreeMap<String, Tally>,
    keep: usize,
    file: Option<(AtomicFile, Vec<u8>)>,
}

impl RejectSink for Gather {
    fn reject(&mut self, r: &Reject) -> io::Result<()> {
        self.problem(r)
    }

    /// A further bad cell of the row just rejected: counted by reason and by
    /// column, and listed in the rejects file (under the same line).
    fn also(&mut self, r: &Reject) -> io::Result<()> {
        self.problem(r)
    }
}

impl Gather {
    fn problem(&mut self, r: &Reject) -> io::Result<()> {
        self.problems += 1;
        self.by_code.entry(r.code).or_default().add(r, self.keep);
        let column = if r.column.is_empty() {
            "(whole row)".to_string()
        } else {
            r.column.clone()
        };
        self.by_column.entry(column).or_default().add(r, self.keep);
        if let Some((file, buf)) = &mut self.file {
            report::write_reject_csv(r, buf);
            if buf.len() >= 1 << 16 {
                file.write_all(buf)?;
                buf.clear();
            }
        }
        Ok(())
    }
}

impl Tally {
    fn wire(&self) -> wire::TallyWire<'_> {
        wire::TallyWire {
            count: self.count,
            example: &self.example,
            first_lines: &self.lines,
        }
    }
}

fn lines_text(t: &Tally) -> String {
    let mut s: Vec<String> = t.lines.iter().map(u64::to_string).collect();
    if t.count > t.lines.len() as u64 {
        s.push("…".into());
    }
    s.join(", ")
}

pub(super) fn run(args: ValidateArgs) -> anyhow::Result<ExitStatus> {
    clean_up_on_signals();
    let config = ValidateConfig::from_args(args)?;
    let input_path = &config.input.path;
    let policy = config.policy.load_in(config.lang)?;
    super::common::check_profile(&policy, &config.input.read)?;
    // The rejects file is created before the first row is read: one that
    // cannot be stops the run before any work.
    let file = config
        .rejects
        .as_deref()
        .map(open_rejects_file)
        .transpose()?;
    if let Some(files) = &config.input.persons {
        let opened = super::persons::open(
            &policy,
            (&config.input.path, &config.input.read),
            files,
            config.format == ValidateFormat::Text,
        )?;
        let persons = super::persons::persons_of(&policy)?;
        let setup = &opened.setup;
        let plan = pipeline::persons::PersonPlan::prepare(
            &policy,
            persons,
            setup,
            config.pipeline.chunk_bytes,
            config.pipeline.threads,
        )?;
        let mut gather = Gather {
            problems: 0,
            by_code: BTreeMap::new(),
            by_column: BTreeMap::new(),
            keep: config.examples,
            file,
        };
        config.threads.warn_if_lowered();
        let name = format!("checking {}", setup.household_name);
        let bar = Progress::start(Setting::from_env(false), name, Measure::households());
        let options = bar.options(&config.pipeline);
        let totals = pipeline::validate_persons(&policy, &plan, &mut gather, &options)?;
        drop(bar);
        return report(
            &config,
            &policy,
            &setup.household_name,
            &setup.household_layout,
            &totals,
            gather,
            true,
        );
    }
    hint_if_waiting_on_a_terminal(input_path);
    let bytes = Arc::new(AtomicU64::new(0));
    let (source, layout) =
        super::progress::open_counted(&policy, input_path, &config.input.read, &bytes)?;
    if config.format == ValidateFormat::Text {
        warn_defaulted(&policy, &source, &layout);
    }
    let mut gather = Gather {
        problems: 0,
        by_code: BTreeMap::new(),
        by_column: BTreeMap::new(),
        keep: config.examples,
        file,
    };
    let name = source.name.clone();
    config.threads.warn_if_lowered();
    let label = format!("checking {name}");
    let bar = Progress::start(
        Setting::from_env(false),
        label,
        Measure::file(&bytes, input_path),
    );
    let options = bar.options(&config.pipeline);
    let totals = pipeline::validate(&policy, &layout, source, &mut gather, &options)?;
    drop(bar);
    report(&config, &policy, &name, &layout, &totals, gather, false)
}

/// Commit the rejects file and write the report.
fn report(
    config: &ValidateConfig,
    policy: &Policy,
    name: &str,
    layout: &Layout,
    totals: &pipeline::Totals,
    mut gather: Gather,
    persons: bool,
) -> anyhow::Result<ExitStatus> {
    if let Some((mut f, buf)) = gather.file.take() {
        f.write_all(&buf).context("cannot write the rejects")?;
        f.commit().context("cannot write the rejects")?;
    }

    let defaulted = defaults_taken(policy, layout);
    let findings = Findings {
        name,
        policy,
        layout,
        totals,
        gather: &gather,
        defaulted: &defaulted,
        persons,
    };
    let mut out = io::stdout().lock();
    match config.format {
        ValidateFormat::Json => write_json(&mut out, &findings)?,
        ValidateFormat::Text => write_text(&mut out, &findings)?,
    }
    out.flush()?;
    if config.format == ValidateFormat::Text {
        let too_long = super::error_text::too_long_rows(totals);
        let limit = config.input.read.max_field_bytes;
        if let Some(hint) = super::error_text::field_too_long_hint(too_long, limit) {
            writeln!(io::stderr().lock(), "{hint}").ok();
        }
    }
    Ok(if totals.rejected + totals.persons.without_household > 0 {
        ExitStatus::SomeRejected
    } else {
        ExitStatus::Success
    })
}

/// The rejects file, with its header written, and its buffer.
fn open_rejects_file(path: &str) -> anyhow::Result<(AtomicFile, Vec<u8>)> {
    let mut file = AtomicFile::create(Path::new(path))
        .with_context(|| format!("cannot create rejects file {path}"))?;
    let mut header = Vec::new();
    report::write_reject_header(&mut header);
    file.write_all(&header)
        .with_context(|| format!("cannot write rejects file {path}"))?;
    Ok((file, Vec::new()))
}

/// Each policy input missing from the file, and the default every row takes.
fn defaults_taken(policy: &Policy, layout: &Layout) -> Vec<(String, String)> {
    layout
        .defaulted
        .iter()
        .map(|n| {
            let d = policy
                .input(n)
                .map_or(String::new(), |i| describe_default(policy, i));
            (n.clone(), d)
        })
        .collect()
}

/// What `validate` found, for its report.
struct Findings<'a> {
    name: &'a str,
    policy: &'a Policy,
    layout: &'a Layout,
    totals: &'a pipeline::Totals,
    gather: &'a Gather,
    /// Policy inputs missing from the file, and the default each row takes.
    defaulted: &'a [(String, String)],
    /// Person modes: rows are households, and persons are counted too.
    persons: bool,
}

/// The report as JSON (see [`wire::Validation`]).
fn write_json(out: &mut impl Write, f: &Findings<'_>) -> anyhow::Result<()> {
    let unused = unused_columns(f.layout);
    let doc = wire::Validation {
        blank_rows_skipped: f.totals.skipped,
        defaulted_columns: f
            .defaulted
            .iter()
            .map(|(n, d)| wire::Defaulted {
                default: d,
                input: n,
            })
            .collect(),
        file: f.name,
        policy: wire::PolicyRef::of(f.policy),
        problems: f.gather.problems,
        rejected: f.totals.rejected,
        rejects_by_code: f
            .gather
            .by_code
            .iter()
            .map(|(c, t)| (c.as_str(), t.wire()))
            .collect(),
        rejects_by_column: f
            .gather
            .by_column
            .iter()
            .map(|(c, t)| (c.as_str(), t.wire()))
            .collect(),
        rows_read: f.totals.read,
        unused_columns: &unused,
        valid: f.totals.decided,
        weight: f
            .layout
            .weight
            .as_ref()
            .map(|w| wire::WeightWire::of(w, None)),
    };
    writeln!(out, "{}", serde_json::to_string_pretty(&doc)?)?;
    Ok(())
}

/// `en` in English, `id` in Bahasa Indonesia.
fn tr(lang: Lang, en: &'static str, id: &'static str) -> &'static str {
    match lang {
        Lang::En => en,
        Lang::Id => id,
    }
}

/// A count with the language's thousands separator.
fn num(lang: Lang, n: u64) -> String {
    match lang {
        Lang::En => super::grouped(n),
        lang => lang.count(u128::from(n)),
    }
}

/// `1 row`, `2 rows` in English; Indonesian nouns do not change.
fn counted(lang: Lang, n: u64, en: [&'static str; 2], id: &'static str) -> String {
    match lang {
        Lang::En => super::counted(n, en[0], en[1]),
        lang => format!("{} {id}", lang.count(u128::from(n))),
    }
}

/// The report for people, in the policy's language.
fn write_text(out: &mut impl Write, f: &Findings<'_>) -> anyhow::Result<()> {
    let lang = f.policy.lang;
    writeln!(
        out,
        "{}: {} {} = {} {} + {} {}{}",
        f.name,
        num(lang, f.totals.read),
        tr(lang, "rows read", "baris dibaca"),
        num(lang, f.totals.decided),
        tr(lang, "valid", "sah"),
        num(lang, f.totals.rejected),
        tr(lang, "rejected", "ditolak"),
        if f.totals.skipped > 0 {
            format!(
                "; {} {}",
                counted(
                    lang,
                    f.totals.skipped,
                    ["blank row", "blank rows"],
                    "baris kosong"
                ),
                tr(lang, "skipped", "dilewati")
            )
        } else {
            String::new()
        }
    )?;
    if f.persons {
        let p = &f.totals.persons;
        writeln!(
            out,
            "{}: {} {} = {} {} + {} {}",
            tr(lang, "persons", "anggota"),
            num(lang, p.read),
            tr(lang, "read", "dibaca"),
            num(lang, p.used),
            tr(lang, "in valid households", "dalam rumah tangga yang sah"),
            num(lang, p.rejected),
            tr(lang, "rejected", "ditolak"),
        )?;
    }
    writeln!(
        out,
        "{}",
        tr(
            lang,
            "policy {id} {version} (hash {hash}): {found} of {all} inputs found in the header",
            "kebijakan {id} {version} (hash {hash}): {found} dari {all} data masukan ada di baris judul",
        )
        .replace("{id}", &f.policy.meta.id)
        .replace("{version}", &f.policy.meta.version)
        .replace("{hash}", &f.policy.hash)
        .replace("{found}", &(f.policy.watched_inputs().saturating_sub(f.layout.defaulted.len())).to_string())
        .replace("{all}", &f.policy.watched_inputs().to_string())
    )?;
    if let Some(w) = &f.layout.weight {
        let scale = if w.scale == crate::input::Scale::ONE {
            String::new()
        } else {
            format!(" × {}", w.scale)
        };
        let line = tr(
            lang,
            "survey weight: column `{}`{scale}, checked on every row (a positive number)",
            "bobot survei: kolom `{}`{scale}, diperiksa di setiap baris (bilangan positif)",
        );
        writeln!(
            out,
            "{}",
            line.replace("{}", &w.name).replace("{scale}", &scale)
        )?;
    }
    if !f.defaulted.is_empty() {
        let heading = tr(
            lang,
            "missing columns (every row takes the default):",
            "kolom yang tidak ada (setiap baris memakai nilai bawaan):",
        );
        writeln!(out, "\n{heading}")?;
        for (n, d) in f.defaulted {
            writeln!(out, "  {n:<28} {d}")?;
        }
    }
    let unused = unused_columns(f.layout);
    if !unused.is_empty() {
        let heading = tr(
            lang,
            "columns the policy does not use:",
            "kolom yang tidak dipakai kebijakan:",
        );
        writeln!(out, "\n{heading}")?;
        writeln!(out, "  {}", crate::input::list_names(&unused))?;
    }
    if !f.gather.by_code.is_empty() {
        write_reject_tables(out, f)?;
    }
    Ok(())
}

/// The file's columns that no input reads, but for the survey weight's.
fn unused_columns(layout: &Layout) -> Vec<String> {
    layout
        .unused
        .iter()
        .filter(|name| (layout.weight.as_ref()).is_none_or(|w| !name.eq_ignore_ascii_case(&w.name)))
        .cloned()
        .collect()
}

/// Rejects by reason and by column, with the first lines of each.
fn write_reject_tables(out: &mut impl Write, f: &Findings<'_>) -> anyhow::Result<()> {
    let lang = f.policy.lang;
    // Persons without a household are rejects too, though not household rows.
    let rejected = f.totals.rejected + f.totals.persons.without_household;
    let by_reason = tr(lang, "rejects by reason", "penolakan menurut alasan");
    if f.gather.problems > rejected {
        writeln!(
            out,
            "\n{by_reason} ({} {} {} {}):",
            tr(lang, "every bad cell of a row:", "setiap sel yang salah:"),
            counted(lang, f.gather.problems, ["problem", "problems"], "masalah"),
            tr(lang, "in", "dalam"),
            counted(lang, rejected, ["row", "rows"], "baris")
        )?;
    } else {
        writeln!(out, "\n{by_reason}:")?;
    }
    let lines = tr(lang, "lines", "baris");
    let eg = tr(lang, "e.g.", "mis.");
    // Person codes are longer than the household file's (at most 18 characters).
    let width = f
        .gather
        .by_code
        .keys()
        .map(|c| c.as_str().len())
        .max()
        .unwrap_or(0)
        .max(18);
    for (code, t) in &f.gather.by_code {
        writeln!(
            out,
            "  {:<width$} {:>8}  {lines} {}",
            code.as_str(),
            t.count,
            lines_text(t)
        )?;
        writeln!(out, "  {:<width$} {:>8}  {eg} {}", "", "", t.example)?;
    }
    let by_column = tr(lang, "rejects by column", "penolakan menurut kolom");
    writeln!(out, "\n{by_column}:")?;
    for (column, t) in &f.gather.by_column {
        writeln!(
            out,
            "  {:<28} {:>8}  {lines} {}",
            column,
            t.count,
            lines_text(t)
        )?;
    }

    Ok(())
}
