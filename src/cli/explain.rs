//! `layak explain FILE --id ID | --line N`: one household's decision, step by step.

use std::io::{self, Write};

use anyhow::Context;

use super::common::open_input;
use super::config::{ExplainConfig, Household};
use super::wire;
use super::{ExplainArgs, ExplainFormat};
use crate::ExitStatus;
use crate::engine::Engine;
use crate::engine::trace;
use crate::input::record::{LineCounter, chunk_reader};
use crate::input::{self, IdSet, RowParser};
use crate::policy::{Policy, noun};
use crate::report::explain_text::{render_rejected_text_in, render_text};
use crate::report::family::render_family;

pub(super) const EXAMPLES: &str = "\
Examples:
  layak explain data/sample-households.csv --id H002
  layak explain survey.csv --line 17
  layak explain survey.csv --id H002 --format json";

/// How many close ids to suggest when an id is not found.
const SUGGESTIONS: usize = 3;

pub(super) fn run(args: ExplainArgs) -> anyhow::Result<ExitStatus> {
    let reform_args = args.reform.clone();
    let overrides = super::common::parse_overrides(&reform_args)?;
    let community_file = args.overrides_file.clone();
    let config = ExplainConfig::from_args(args)?;
    let policy = config.policy.load_in(config.lang)?;
    super::common::check_profile(&policy, &config.input.read)?;
    if policy.ranking.is_some() && reform_args.given() {
        return Err(super::UsageError(
            "explain with a policy that ranks households ([ranking]) decides under one policy only (not --reform or --set; `layak compare` ranks under both)"
                .into(),
        )
        .into());
    }
    let community = super::assess::community_overrides(community_file.as_deref(), &policy)?;
    if community.is_some() && reform_args.given() {
        return Err(super::UsageError(
            "explain --overrides decides under one policy (not --reform or --set)".into(),
        )
        .into());
    }
    if let Some(files) = &config.input.persons {
        if reform_args.given() {
            return Err(super::UsageError(
                "explain --reform/--set reads household files only (not --persons or --rectangular)"
                    .into(),
            )
            .into());
        }
        return explain_persons(&config, &policy, files, community.as_deref());
    }
    if config.format == ExplainFormat::Html && reform_args.given() {
        return Err(super::UsageError(
            "explain --format html writes the household's letter under one policy: drop --reform/--set"
                .into(),
        )
        .into());
    }
    let reform = match reform_args.given() {
        true => {
            let reform = super::common::load_reform(&policy, &reform_args, &overrides)?;
            let inputs = crate::policy::reform::same_inputs(&policy, &reform)
                .map_err(|e| super::UsageError(e.to_string()))?;
            Some((reform, inputs))
        }
        false => None,
    };
    let mut population = rank::population(
        &policy,
        &config.input.path,
        &config.input.read,
        config.rank_within.as_deref(),
    )?;
    let (source, layout) = open_input(&policy, &config.input.path, &config.input.read)?;
    let parser = RowParser::new(&policy, &layout);
    let name = source.name.clone();
    let Found {
        line,
        record,
        first,
        sheet,
    } = find_row(&config.household, source, &parser, &layout)?;

    let engine = Engine::new(&policy);
    let mut s = engine.scratch();
    let mut weight = None;
    // A spreadsheet's cell of the wrong type, as in `assess`.
    let sheet_reject = sheet.as_ref().and_then(|row| {
        input::sheet::SheetCheck::new(&policy, &layout).reject(&parser, row, &mut s.slots)
    });
    // As in `assess`: the inputs and row checks, the survey weight, then the decision.
    let parsed = match sheet_reject {
        Some(reject) => Err(*reject),
        None => parser
            .parse(&record, line, &mut s.slots)
            .and_then(|()| {
                weight = parser.weight(&record, line)?;
                Ok(())
            })
            .map_err(|r| *r)
            .and_then(|()| {
                if let Some(p) = population.as_mut() {
                    let key = p.within().map_or(&b""[..], |i| parser.text(&record, i));
                    p.place(&policy, &engine, &mut s, key);
                }
                engine
                    .decide(&mut s)
                    .map_err(|e| input::evaluation_reject(&parser, &record, line, e.value, &e))
            }),
    };
    // Community overrides, after the rules (as in `assess`).
    let mut notes = Vec::new();
    let parsed = parsed.and_then(|()| {
        let id = parser.id_string(&record);
        notes = super::assess::explain_overrides(community.as_deref(), &engine, &mut s, &id)
            .map_err(|e| input::evaluation_reject(&parser, &record, line, e.value, &e))?;
        Ok(())
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
    let id_text = parser.id_string(&record);
    let mut out = io::stdout().lock();
    let at = Where {
        file: &name,
        line,
        household_id: &id_text,
    };
    if let Err(reject) = parsed {
        print_reject(&mut out, config.format, policy.lang, &at, &reject)?;
        if reject.code == input::RejectCode::FieldTooLong {
            let limit = config.input.read.max_field_bytes;
            if let Some(hint) = super::error_text::field_too_long_hint(1, limit) {
                writeln!(io::stderr().lock(), "{hint}").ok();
            }
        }
        return Ok(ExitStatus::SomeRejected);
    }

    let (defaulted, texts) = parser.inputs_as_read(&record);
    let weight = layout.weight.as_ref().zip(weight);
    if let Some((reform, inputs)) = &reform {
        let both = Both {
            base: &policy,
            reform,
            inputs,
            defaulted: &defaulted,
            texts: &texts,
        };
        return explain_both(
            &mut out,
            (config.format, config.detail),
            &both,
            &mut s,
            &at,
            weight,
        );
    }
    let mut t = trace::trace(&policy, &mut s, &defaulted, &texts);
    t.overrides = notes;
    let view = View {
        format: config.format,
        detail: config.detail,
        slots: &s.slots,
    };
    print_decision(&mut out, &view, &policy, &at, &t, weight)?;
    if let (Some(p), ExplainFormat::Text) = (&population, config.format) {
        if let Some(line) = p.line(&policy, &s.slots) {
            out.write_all(line.as_bytes())?;
        }
    }
    Ok(ExitStatus::Success)
}

/// The two policies of `explain --reform/--set` and the household's inputs as read.
struct Both<'a> {
    base: &'a Policy,
    reform: &'a Policy,
    inputs: &'a crate::policy::reform::InputMap,
    defaulted: &'a [bool],
    texts: &'a [String],
}

/// Both decisions of a household, and the first rule where they part. A
/// household the reform cannot decide is shown under the base, with the
/// reform's problem (exit status 3, as for a rejected row).
fn explain_both(
    out: &mut impl Write,
    (format, detail): (ExplainFormat, bool),
    both: &Both<'_>,
    s: &mut crate::engine::Scratch,
    at: &Where<'_>,
    weight: Option<(&input::WeightColumn, u64)>,
) -> anyhow::Result<ExitStatus> {
    use crate::report::compare::{CompareWriter, whole};
    let engine = Engine::new(both.reform);
    let mut rs = engine.scratch();
    for (to, &from) in rs.slots.iter_mut().zip(&both.inputs.slots) {
        *to = s.slots[from];
    }
    let pick = |i: usize| both.inputs.slots.get(i).copied().unwrap_or(i);
    let defaulted: Vec<bool> = (0..both.reform.inputs.len())
        .map(|i| both.defaulted.get(pick(i)).copied().unwrap_or(false))
        .collect();
    let texts: Vec<String> = (0..both.reform.inputs.len())
        .map(|i| both.texts.get(pick(i)).cloned().unwrap_or_default())
        .collect();
    let decided = engine.decide(&mut rs);
    let change = decided.as_ref().ok().map(|()| {
        CompareWriter::new(both.base, both.reform, crate::report::Format::Csv).change(s, &rs)
    });
    let totals = (
        (whole(s.monthly_total), whole(s.one_off_total)),
        (whole(rs.monthly_total), whole(rs.one_off_total)),
    );
    let t = trace::trace(both.base, s, both.defaulted, both.texts);
    let rt = decided
        .as_ref()
        .ok()
        .map(|()| trace::trace(both.reform, &mut rs, &defaulted, &texts));
    let parting = rt
        .as_ref()
        .and_then(|rt| crate::engine::parting::first_difference(both.base, &t, rt));
    // The parameters the reform changes (by name), for the reader: rules
    // show the values they read, and parameters are folded into them.
    let changed: Vec<(String, String, String)> = both
        .reform
        .parameters
        .iter()
        .filter_map(|r| {
            let b = both.base.parameters.iter().find(|b| b.name == r.name);
            let shown = |v: f64| trace::show(both.base, crate::expr::Type::Number, v);
            match b {
                Some(b) if b.value == r.value => None,
                Some(b) => Some((r.name.clone(), shown(b.value), shown(r.value))),
                None => Some((r.name.clone(), "(none)".into(), shown(r.value))),
            }
        })
        .collect();
    match format {
        ExplainFormat::Json => {
            let side = |p: &Policy, t: &trace::Trace| -> anyhow::Result<serde_json::Value> {
                Ok(serde_json::to_value(wire::Explained {
                    file: at.file,
                    household_id: at.household_id,
                    line: at.line,
                    policy: wire::PolicyRef::of(p),
                    trace: serde_json::to_value(t)?,
                    weight: weight.map(|(w, units)| wire::WeightWire::of(w, Some(units))),
                })?)
            };
            let doc = serde_json::json!({
                "base": side(both.base, &t)?,
                "reform": match &rt {
                    Some(rt) => side(both.reform, rt)?,
                    None => serde_json::Value::Null,
                },
                "reform_error": decided.as_ref().err().map(|e| e.to_string()),
                "parameters_changed": changed
                    .iter()
                    .map(|(n, b, r)| serde_json::json!({"name": n, "base": b, "reform": r}))
                    .collect::<Vec<_>>(),
                "first_difference": parting,
                "change": change.map(|c| c.as_str()),
            });
            writeln!(out, "{}", serde_json::to_string_pretty(&doc)?)?;
        }
        // Refused before the file is read.
        ExplainFormat::Html => {}
        ExplainFormat::Text => {
            writeln!(out, "=== base policy ===")?;
            let view = View {
                format,
                detail,
                slots: &s.slots,
            };
            print_trace(out, &view, both.base, at, &t, weight)?;
            writeln!(out, "\n=== reform ===")?;
            match &rt {
                Some(rt) => {
                    let view = View {
                        format,
                        detail,
                        slots: &rs.slots,
                    };
                    print_trace(out, &view, both.reform, at, rt, weight)?
                }
                None => {
                    if let Err(e) = &decided {
                        writeln!(out, "the reform cannot decide this household: {e}")?;
                    }
                }
            }
            writeln!(out, "\n=== where they part ===")?;
            for (name, b, r) in &changed {
                writeln!(out, "parameter {name}: {b} -> {r}")?;
            }
            match (&parting, change) {
                (Some(p), _) => {
                    writeln!(out, "first difference: {}", p.step)?;
                    let rule = |r: &Option<trace::Rule>| {
                        r.as_ref()
                            .map_or(String::new(), |r| format!("  <- {}", r.expr))
                    };
                    writeln!(out, "  base:   {}{}", p.base, rule(&p.base_rule))?;
                    writeln!(out, "  reform: {}{}", p.reform, rule(&p.reform_rule))?;
                }
                (None, Some(_)) => writeln!(out, "the two decisions are the same")?,
                (None, None) => {}
            }
            if let Some(c) = change {
                let ((bm, bo), (rm, ro)) = totals;
                writeln!(
                    out,
                    "change: {} (monthly total {bm} -> {rm}, one-off total {bo} -> {ro}; track {} -> {})",
                    c.as_str(),
                    t.track.id,
                    rt.as_ref().map_or("", |r| r.track.id.as_str()),
                )?;
            }
        }
    }
    Ok(if decided.is_ok() {
        ExitStatus::Success
    } else {
        ExitStatus::SomeRejected
    })
}

/// The row of the household to explain.
struct Found {
    /// The line on which the row starts.
    line: u64,
    record: csv::ByteRecord,
    /// With --line: the line of an earlier row with the same id.
    first: Option<u64>,
    /// Of a spreadsheet: the row with its cells' types.
    sheet: Option<input::sheet::SheetRow>,
}

/// Read the file up to the household's row.
fn find_row(
    household: &Household,
    source: input::Source,
    parser: &RowParser<'_>,
    layout: &input::Layout,
) -> anyhow::Result<Found> {
    let name = source.name;
    if let Some(mut rows) = source.sheet {
        return find_sheet_row(household, &mut rows, &name, parser, layout);
    }
    let delimiter = source.delimiter;
    let mut chunker = source.chunker;
    let mut chunk = Vec::new();
    let mut record = csv::ByteRecord::new();
    let mut search = Search::new(household, parser, layout);
    let mut rows = 0u64;
    let found = 'scan: loop {
        let Some(start) = chunker
            .next_chunk(1 << 18, &mut chunk)
            .with_context(|| format!("cannot read {name}"))?
        else {
            break search.fallback.take();
        };
        let mut reader = chunk_reader(&chunk, delimiter);
        let mut lines = LineCounter::new(&chunk, start);
        while reader
            .read_byte_record(&mut record)
            .map_err(|e| input::csv_error(&name, &e))?
        {
            rows += 1;
            let line = lines.line_of(&chunk, record.position());
            if let Some(found) = search.look_at(line, &record) {
                break 'scan Some(found);
            }
        }
    };
    found.ok_or_else(|| not_found(&name, household, rows, &search.close))
}

/// Read a spreadsheet up to the household's row.
fn find_sheet_row(
    household: &Household,
    rows: &mut input::sheet::SheetRows,
    name: &str,
    parser: &RowParser<'_>,
    layout: &input::Layout,
) -> anyhow::Result<Found> {
    let mut record = csv::ByteRecord::new();
    let mut search = Search::new(household, parser, layout);
    let mut read = 0u64;
    while let Some(row) = rows.next_row()? {
        read += 1;
        row.to_record(&mut record);
        if let Some(mut found) = search.look_at(row.line, &record) {
            found.sheet = Some(row.clone());
            return Ok(found);
        }
    }
    search
        .fallback
        .take()
        .ok_or_else(|| not_found(name, household, read, &search.close))
}

/// The search for one household's row, one row at a time.
struct Search<'a> {
    household: &'a Household,
    parser: &'a RowParser<'a>,
    field_count: usize,
    /// With --line, the ids of the rows before it: as in `assess`, a row whose
    /// id an earlier row claimed is a `duplicate_id` reject. (With --id the
    /// first row with that id is shown, which is the one that claims it.)
    claimed: IdSet,
    /// With --id, the few ids closest to it, to suggest when it is not found.
    close: Vec<(usize, String)>,
    /// With --id, its first row with the wrong number of fields.
    fallback: Option<Found>,
    /// The current row's id (reused from row to row).
    id: Vec<u8>,
}

impl<'a> Search<'a> {
    fn new(
        household: &'a Household,
        parser: &'a RowParser<'a>,
        layout: &input::Layout,
    ) -> Search<'a> {
        Search {
            household,
            parser,
            field_count: layout.field_count,
            claimed: IdSet::default(),
            close: Vec::new(),
            fallback: None,
            id: Vec::new(),
        }
    }

    /// The row starting on `line`: is it the one?
    fn look_at(&mut self, line: u64, record: &csv::ByteRecord) -> Option<Found> {
        let found = |first| Found {
            line,
            record: record.clone(),
            first,
            sheet: None,
        };
        match self.household {
            Household::Line(n) => {
                let first = self
                    .parser
                    .id_fingerprint(record)
                    .and_then(|fp| self.claimed.claim_fingerprint(fp, line));
                (line == *n).then(|| found(first))
            }
            Household::Id(id) => {
                // As outputs show it: a composite id's parts joined.
                let id = id.as_bytes();
                self.id.clear();
                self.parser.id_text(record, &mut self.id);
                let cell = &self.id[..];
                if cell != id {
                    remember_close(&mut self.close, id, cell);
                    None
                } else if record.len() != self.field_count {
                    // As in `assess`, a row with the wrong number of fields
                    // claims no id: prefer a later row that does.
                    if self.fallback.is_none() {
                        self.fallback = Some(found(None));
                    }
                    None
                } else {
                    Some(found(None))
                }
            }
        }
    }
}

/// The household's row was not found: say how many rows were read, and the ids that come close.
fn not_found(
    name: &str,
    household: &Household,
    rows: u64,
    close: &[(usize, String)],
) -> anyhow::Error {
    let what = match household {
        Household::Line(n) => format!("no household starts on line {n}"),
        Household::Id(id) => format!("household `{id}` is not in the file"),
    };
    let read = noun(u128::from(rows), "row", "rows");
    let mut msg = format!("{name}: {what} ({rows} {read} read)");
    if !close.is_empty() {
        let ids: Vec<&str> = close.iter().map(|(_, s)| s.as_str()).collect();
        msg.push_str(&format!("\n  close ids: {}", ids.join(", ")));
    }
    anyhow::anyhow!(msg)
}

/// Which row of which file an explanation is about.
struct Where<'a> {
    file: &'a str,
    line: u64,
    household_id: &'a str,
}

/// A rejected row: why, as text or JSON.
fn print_reject(
    out: &mut impl Write,
    format: ExplainFormat,
    lang: crate::policy::Lang,
    at: &Where<'_>,
    reject: &input::Reject,
) -> anyhow::Result<()> {
    match format {
        ExplainFormat::Json => {
            let doc = wire::ExplainedReject {
                file: at.file,
                household_id: at.household_id,
                line: at.line,
                rejected: wire::RejectWire {
                    code: reject.code.as_str(),
                    column: &reject.column,
                    reason: &reject.message,
                    value: &reject.value,
                },
            };
            writeln!(out, "{}", serde_json::to_string_pretty(&doc)?)?;
        }
        ExplainFormat::Text => {
            let text = render_rejected_text_in(lang, reject, at.household_id, at.file, at.line);
            out.write_all(text.as_bytes())?;
        }
        // A rejected row gets no letter: why, on standard error.
        ExplainFormat::Html => {
            let text = render_rejected_text_in(lang, reject, at.household_id, at.file, at.line);
            let mut err = io::stderr().lock();
            writeln!(err, "no letter: the row is rejected")?;
            err.write_all(text.as_bytes())?;
        }
    }
    Ok(())
}

/// How a decided row is shown: JSON (the trace), the family view, or the
/// full trace as text (`--detail`); `slots` are the household's values.
struct View<'a> {
    format: ExplainFormat,
    detail: bool,
    slots: &'a [f64],
}

/// [`print_trace`], with the community's overrides (if any) right under
/// the heading in text: what follows is the decision after them.
fn print_decision(
    out: &mut impl Write,
    view: &View<'_>,
    policy: &Policy,
    at: &Where<'_>,
    t: &trace::Trace,
    weight: Option<(&input::WeightColumn, u64)>,
) -> anyhow::Result<()> {
    if view.format != ExplainFormat::Text || t.overrides.is_empty() {
        return print_trace(out, view, policy, at, t, weight);
    }
    let mut text = Vec::new();
    print_trace(&mut text, view, policy, at, t, weight)?;
    let split = text
        .iter()
        .position(|&b| b == b'\n')
        .map_or(text.len(), |i| i + 1);
    out.write_all(&text[..split])?;
    out.write_all(super::assess::overrides_text(policy, &t.overrides).as_bytes())?;
    out.write_all(&text[split..])?;
    Ok(())
}

/// A decided row: the family view or its trace, as text, or JSON.
fn print_trace(
    out: &mut impl Write,
    view: &View<'_>,
    policy: &Policy,
    at: &Where<'_>,
    t: &trace::Trace,
    weight: Option<(&input::WeightColumn, u64)>,
) -> anyhow::Result<()> {
    match view.format {
        ExplainFormat::Json => {
            let doc = wire::Explained {
                file: at.file,
                household_id: at.household_id,
                line: at.line,
                policy: wire::PolicyRef::of(policy),
                trace: serde_json::to_value(t)?,
                weight: weight.map(|(w, units)| wire::WeightWire::of(w, Some(units))),
            };
            writeln!(out, "{}", serde_json::to_string_pretty(&doc)?)?;
        }
        ExplainFormat::Html => {
            use crate::report::html::letter;
            let mut page = letter::begin(policy.lang, policy);
            let to = letter::Addressee {
                id: at.household_id,
                file: at.file,
                line: at.line,
            };
            letter::push_letter(&mut page, policy, &to, t, view.slots);
            page.push_str(letter::END);
            out.write_all(page.as_bytes())?;
        }
        ExplainFormat::Text if !view.detail => {
            let text = render_family(policy, t, view.slots, at.household_id, at.file, at.line);
            out.write_all(text.as_bytes())?;
            if let Some((w, units)) = weight {
                out.write_all(weight_line(w, units).as_bytes())?;
            }
        }
        ExplainFormat::Text => {
            let text = render_text(policy, t, at.household_id, at.file, at.line);
            match weight {
                // After the heading (the household, then the policy).
                Some((w, units)) => {
                    let split = text
                        .match_indices('\n')
                        .nth(1)
                        .map_or(text.len(), |(i, _)| i + 1);
                    out.write_all(&text.as_bytes()[..split])?;
                    out.write_all(weight_line(w, units).as_bytes())?;
                    out.write_all(&text.as_bytes()[split..])?;
                }
                None => out.write_all(text.as_bytes())?,
            }
        }
    }
    Ok(())
}

/// `survey weight 150 (column HHWT: 15000 × 0.01)`, for the text trace.
fn weight_line(w: &input::WeightColumn, units: u64) -> String {
    let mut value = Vec::new();
    input::write_weight(units, &mut value);
    let value = String::from_utf8_lossy(&value);
    if w.scale == input::Scale::ONE {
        format!("survey weight {value} (column {})\n", w.name)
    } else {
        format!("survey weight {value} (column {} × {})\n", w.name, w.scale)
    }
}

fn duplicate(
    parser: &RowParser<'_>,
    record: &csv::ByteRecord,
    line: u64,
    first: u64,
) -> input::Reject {
    let mut id = Vec::new();
    parser.id_text(record, &mut id);
    parser.duplicate_reject(line, &id, first)
}

/// Keep the few ids closest to `wanted` (bounded memory, whatever the file size).
pub(super) fn remember_close(close: &mut Vec<(usize, String)>, wanted: &[u8], cell: &[u8]) {
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

/// `explain --id` on person files: the household's persons, the values
/// computed from them, then the decision as for a household file.
fn explain_persons(
    config: &ExplainConfig,
    policy: &Policy,
    files: &super::persons::PersonFiles,
    community: Option<&crate::engine::overrides::Overrides>,
) -> anyhow::Result<ExitStatus> {
    let Household::Id(id) = &config.household else {
        return Err(super::UsageError(
            "explain --line: with --persons or --rectangular, name the household with --id".into(),
        )
        .into());
    };
    // Standard input is copied to a temporary file: remove it on a signal.
    super::common::clean_up_on_signals();
    let opened = super::persons::open(
        policy,
        (&config.input.path, &config.input.read),
        files,
        false,
    )?;
    let persons = super::persons::persons_of(policy)?;
    let setup = &opened.setup;
    let name = setup.household_name.clone();
    // A policy that ranks: every household of the files first, as `assess` ranks them.
    let mut population = match rank::within_input(config.rank_within.as_deref(), policy)? {
        None => None,
        Some(within) => {
            let options = crate::pipeline::Options::default();
            let plan = crate::pipeline::persons::PersonPlan::prepare(
                policy,
                persons,
                setup,
                options.chunk_bytes,
                options.threads,
            )
            .map_err(|e| super::assess::stopped(&name, e.into()))?;
            Some(rank::population_persons(policy, &plan, &name, within)?)
        }
    };
    let Some(one) = crate::pipeline::persons::household_of(policy, persons, setup, id.as_bytes())?
    else {
        anyhow::bail!("{name}: household `{id}` is not in the file");
    };
    let parser = RowParser::new(policy, &setup.household_layout);
    let engine = Engine::new(policy);
    let mut s = engine.scratch();
    let record = &one.record;
    let line = one.line;
    let mut weight = None;
    let parsed = match &one.problem {
        Some(r) => Err(r.clone()),
        None => parser
            .parse(record, line, &mut s.slots)
            .and_then(|()| {
                weight = parser.weight(record, line)?;
                Ok(())
            })
            .map_err(|r| *r)
            .and_then(|()| {
                if let Some(p) = population.as_mut() {
                    let key = p.within().map_or(&b""[..], |i| parser.text(record, i));
                    p.place(policy, &engine, &mut s, key);
                }
                engine
                    .decide(&mut s)
                    .map_err(|e| input::evaluation_reject(&parser, record, line, e.value, &e))
            }),
    };
    // Community overrides, after the rules (as in `assess`).
    let mut notes = Vec::new();
    let parsed = parsed.and_then(|()| {
        notes = super::assess::explain_overrides(community, &engine, &mut s, id)
            .map_err(|e| input::evaluation_reject(&parser, record, line, e.value, &e))?;
        Ok(())
    });
    let at = Where {
        file: &name,
        line,
        household_id: id,
    };
    let mut out = io::stdout().lock();
    let mut body = Vec::new();
    let status = match &parsed {
        Err(reject) => {
            print_reject(&mut body, config.format, policy.lang, &at, reject)?;
            ExitStatus::SomeRejected
        }
        Ok(()) => {
            let (defaulted, texts) = parser.inputs_as_read(record);
            let mut t = trace::trace(policy, &mut s, &defaulted, &texts);
            t.overrides = std::mem::take(&mut notes);
            let weight = setup.household_layout.weight.as_ref().zip(weight);
            let view = View {
                format: config.format,
                detail: config.detail,
                slots: &s.slots,
            };
            print_decision(&mut body, &view, policy, &at, &t, weight)?;
            ExitStatus::Success
        }
    };
    let people = PersonsShown {
        person_file: &setup.person_name,
        persons: &one.persons,
        reduced: &one.reduced,
    };
    match config.format {
        ExplainFormat::Json => people.write_json(&mut out, &body)?,
        ExplainFormat::Html => out.write_all(&body)?,
        ExplainFormat::Text => people.write_text(&mut out, &body, id, one.problem.is_some())?,
    }
    if let (Some(p), ExplainFormat::Text, Ok(())) = (&population, config.format, &parsed) {
        if let Some(line) = p.line(policy, &s.slots) {
            out.write_all(line.as_bytes())?;
        }
    }
    Ok(status)
}

/// A household's persons as `explain` shows them before its decision.
struct PersonsShown<'a> {
    /// The person file's name.
    person_file: &'a str,
    /// Each person: its line and its person inputs as written (name, text).
    persons: &'a [(u64, Vec<(String, String)>)],
    /// Each supplied household input and the value computed from the persons.
    reduced: &'a [(String, String)],
}

impl PersonsShown<'_> {
    /// The decision's JSON `body` with the persons and the values computed
    /// from them added.
    fn write_json(&self, out: &mut impl Write, body: &[u8]) -> anyhow::Result<()> {
        let PersonsShown {
            person_file,
            persons,
            reduced,
        } = self;
        let mut doc: serde_json::Value = serde_json::from_slice(body)?;
        let people: Vec<serde_json::Value> = persons
            .iter()
            .map(|(l, cells)| {
                let mut m = serde_json::Map::new();
                m.insert("line".into(), (*l).into());
                m.insert("file".into(), person_file.to_string().into());
                for (k, v) in cells {
                    m.insert(k.clone(), v.clone().into());
                }
                serde_json::Value::Object(m)
            })
            .collect();
        let reduced: serde_json::Map<String, serde_json::Value> = reduced
            .iter()
            .map(|(k, v)| (k.clone(), v.clone().into()))
            .collect();
        if let Some(obj) = doc.as_object_mut() {
            obj.insert("persons".into(), people.into());
            obj.insert("from_persons".into(), reduced.into());
        }
        writeln!(out, "{}", serde_json::to_string_pretty(&doc)?)?;
        Ok(())
    }

    /// The persons and the values computed from them (unless the household
    /// is `rejected` for its persons), then the decision's text `body`.
    fn write_text(
        &self,
        out: &mut impl Write,
        body: &[u8],
        id: &str,
        rejected: bool,
    ) -> anyhow::Result<()> {
        let PersonsShown {
            person_file,
            persons,
            reduced,
        } = self;
        let count = persons.len();
        writeln!(
            out,
            "{} of household {id} in {}:",
            super::counted(count as u64, "person", "persons"),
            person_file
        )?;
        for (l, cells) in persons.iter() {
            let cells: Vec<String> = cells.iter().map(|(k, v)| format!("{k} {v}")).collect();
            writeln!(out, "  line {l}: {}", cells.join(", "))?;
        }
        if !rejected {
            writeln!(out, "computed from the persons:")?;
            for (k, v) in reduced.iter() {
                writeln!(out, "  {k} = {v}")?;
            }
        }
        writeln!(out)?;
        out.write_all(body)?;
        Ok(())
    }
}

mod rank;
