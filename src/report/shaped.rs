//! Decisions in a chosen shape (`--columns`, `--reasons codes|none`, and the
//! CSV read back by the Parquet, xlsx and `--excel` writers): a column plan
//! resolved once, then one `match` per cell. Without these options the
//! writer keeps its fixed fast path (`csv.rs`, `json.rs`), byte for byte.
//!
//! Reason codes (`--reasons codes`), in the order of the sentences:
//! each `[[reasons]]` entry that holds (its code: [`super::columns::reason_codes`]),
//! `deprivation.<status>`, each granted program `program.<id>` (a deferred
//! one `program.<id>.deferred`, one reduced by the cap `program.<id>.capped`),
//! and `track.<id>`. In CSV they are joined by `;`, in JSON an array. A code
//! that only repeats a column written beside it is left out (see [`Shaped`]).

use super::columns::{Column, OutputShape, ReasonsMode, Std, ValueKind};
use super::csv::{write_csv_field, write_csv_text};
use super::json::write_json_str;
use super::table::{Padded, TypedColumn};
use super::{Decision, DecisionWriter, Format, RowFacts};
use crate::engine::{Scratch, Status};
use crate::numfmt;
use crate::policy::Policy;

/// The column plan and the constant bytes of the codes, built once.
pub(super) struct Shaped {
    columns: Vec<Column>,
    reasons: ReasonsMode,
    raw_text: bool,
    /// Per policy reason: its code.
    reason_codes: Vec<Box<[u8]>>,
    /// `deprivation.<status>` per status.
    deprivation_codes: Vec<Box<[u8]>>,
    /// Per program: `program.<id>`, `….deferred`, `….capped`.
    program_codes: Vec<[Box<[u8]>; 3]>,
    /// Per track: `track.<id>`.
    track_codes: Vec<Box<[u8]>>,
    /// JSON: per column, `"name":` (after the first, with a leading comma).
    json_keys: Vec<Box<[u8]>>,
    /// The columns whose value is the same in every decision: each one's
    /// place and what it holds ([`DecisionWriter::typed_constants`]).
    constants: Vec<(usize, Same)>,
    /// The names of each enumerated column ([`Typed::Named`], [`Typed::Track`]).
    names: Vec<Vec<Name>>,
    /// The columns a decision's own values go to (not the constants):
    /// each one's place and [`Typed`], so that a decision's loop walks one
    /// slice and skips the constants.
    steps: Vec<(usize, Typed)>,
    /// Codes that only repeat a column written beside them are left out:
    /// `track.*` (with `track`), `deprivation.*` (with `deprivation_status`),
    /// `program.<id>` (with `programs`), `program.<id>.deferred` (with `deferred`).
    omit_track: bool,
    omit_deprivation: bool,
    omit_granted: bool,
    omit_deferred: bool,
}

/// Where a column's typed value comes from (stage mode's Arrow output),
/// resolved once from the column and the policy, so that a decision's
/// cell costs one `match` (the column's, then the policy's field, cost
/// two and more).
#[derive(Debug, Clone, Copy)]
enum Typed {
    Id,
    Region,
    Reasons,
    /// A slot written with fixed decimals.
    Fixed {
        slot: usize,
        decimals: u32,
    },
    MonthlyTotal,
    OneOffTotal,
    Priority,
    ReviewAfterMonths,
    /// A slot written as a flag.
    Flag(usize),
    Capped,
    /// The ids of the programs of a status (a list column).
    Programs(Status),
    Deprived,
    /// A `[[values]]` slot of a kind.
    Number(usize),
    Integer(usize),
    Bool(usize),
    /// A slot's value names one of `names` (`Shaped::names`; none: null):
    /// the income status, the deprivation status, an enum's value.
    Named {
        slot: usize,
        names: usize,
    },
    /// The track's id, of `Shaped::names`.
    Track(usize),
    /// Its CSV text.
    Text,
    /// The same in every decision ([`DecisionWriter::typed_constants`]):
    /// left to the caller.
    Constant(Same),
}

/// One of the names an enumerated column takes, as its text column copies it.
enum Name {
    Padded(Padded),
    Long(Box<[u8]>),
}

impl Name {
    fn new(text: &str) -> Name {
        Padded::new(text.as_bytes())
            .map_or_else(|| Name::Long(text.as_bytes().into()), Name::Padded)
    }
}

/// What a column holds that is the same in every decision.
#[derive(Debug, Clone, Copy)]
enum Same {
    PolicyId,
    PolicyVersion,
    PolicyHash,
    /// A field the policy does not have.
    Null,
}

/// A column's value in every decision of a run ([`DecisionWriter::typed_constants`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Constant<'p> {
    /// Its CSV text (never empty).
    Text(&'p str),
    Null,
}

impl Typed {
    /// The column's [`Typed`]; the names it takes, if any, added to `names`.
    fn of(col: &Column, p: &Policy, names: &mut Vec<Vec<Name>>) -> Typed {
        let mut named = |texts: &mut dyn Iterator<Item = &str>| {
            names.push(texts.map(Name::new).collect());
            names.len() - 1
        };
        let enum_names = |e: u16| {
            p.enums
                .get(usize::from(e))
                .map_or(&[][..], |e| &e.values[..])
        };
        let fixed = |slot: Option<usize>, decimals| match slot {
            Some(slot) => Typed::Fixed { slot, decimals },
            None => Typed::Constant(Same::Null),
        };
        let flag = |slot: Option<usize>| slot.map_or(Typed::Constant(Same::Null), Typed::Flag);
        match col {
            Column::Std(std) => match std {
                Std::HouseholdId => Typed::Id,
                Std::Region => Typed::Region,
                Std::Reasons => Typed::Reasons,
                Std::PerCapitaIncome => fixed(p.fields.per_capita_income, 2),
                Std::PovertyLine => fixed(p.fields.poverty_line, 2),
                Std::DeprivationScore => fixed(p.deprivation.as_ref().map(|dep| dep.score_slot), 4),
                Std::MonthlyTotal => Typed::MonthlyTotal,
                Std::OneOffTotal => Typed::OneOffTotal,
                Std::Priority => Typed::Priority,
                Std::ReviewAfterMonths => Typed::ReviewAfterMonths,
                Std::Emergency => flag(p.fields.emergency),
                Std::LabourCapacity => flag(p.fields.labour_capacity),
                Std::Capped => Typed::Capped,
                Std::Programs => Typed::Programs(Status::Granted),
                Std::Deferred => Typed::Programs(Status::Deferred),
                Std::Deprived => Typed::Deprived,
                Std::IncomeStatus => match p.fields.income_status {
                    Some((slot, e)) => Typed::Named {
                        slot,
                        names: named(&mut enum_names(e).iter().map(String::as_str)),
                    },
                    None => Typed::Constant(Same::Null),
                },
                Std::DeprivationStatus => match &p.deprivation {
                    Some(dep) => Typed::Named {
                        slot: dep.status_slot,
                        names: named(&mut crate::policy::DEPRIVATION_STATUSES.into_iter()),
                    },
                    None => Typed::Constant(Same::Null),
                },
                Std::Track => Typed::Track(named(&mut p.tracks.iter().map(|t| t.id.as_str()))),
                Std::PolicyId => Typed::Constant(Same::PolicyId),
                Std::PolicyVersion => Typed::Constant(Same::PolicyVersion),
                Std::PolicyHash => Typed::Constant(Same::PolicyHash),
            },
            Column::Value { slot, kind, .. } => match kind {
                ValueKind::Number => Typed::Number(*slot),
                ValueKind::Integer => Typed::Integer(*slot),
                ValueKind::Bool => Typed::Bool(*slot),
                ValueKind::Enum(e) => Typed::Named {
                    slot: *slot,
                    names: named(&mut enum_names(*e).iter().map(String::as_str)),
                },
                // Text: the date's `YYYY-MM-DD`.
                ValueKind::Date => Typed::Text,
            },
        }
    }
}

fn boxed(s: String) -> Box<[u8]> {
    s.into_bytes().into_boxed_slice()
}

impl Shaped {
    pub(super) fn new(policy: &Policy, shape: &OutputShape) -> Shaped {
        let columns = shape.column_list();
        let json_keys = columns
            .iter()
            .enumerate()
            .map(|(i, c)| {
                let mut key = if i == 0 { Vec::new() } else { vec![b','] };
                write_json_str(c.name().as_bytes(), &mut key);
                key.push(b':');
                key.into_boxed_slice()
            })
            .collect();
        let has = |std: Std| columns.contains(&Column::Std(std));
        let mut names = Vec::new();
        let typed: Vec<Typed> = columns
            .iter()
            .map(|c| Typed::of(c, policy, &mut names))
            .collect();
        let steps = typed
            .iter()
            .enumerate()
            .filter(|(_, t)| !matches!(t, Typed::Constant(_)))
            .map(|(at, t)| (at, *t))
            .collect();
        let constants = typed
            .iter()
            .enumerate()
            .filter_map(|(at, t)| match *t {
                Typed::Constant(same) => Some((at, same)),
                _ => None,
            })
            .collect();
        Shaped {
            constants,
            names,
            steps,
            omit_track: has(Std::Track),
            omit_deprivation: has(Std::DeprivationStatus),
            omit_granted: has(Std::Programs),
            omit_deferred: has(Std::Deferred),
            columns,
            reasons: shape.reasons,
            raw_text: shape.raw_text,
            reason_codes: super::columns::reason_codes(policy)
                .into_iter()
                .map(boxed)
                .collect(),
            deprivation_codes: crate::policy::DEPRIVATION_STATUSES
                .iter()
                .map(|s| boxed(format!("deprivation.{s}")))
                .collect(),
            program_codes: policy
                .programs
                .iter()
                .map(|p| {
                    [
                        boxed(format!("program.{}", p.id)),
                        boxed(format!("program.{}.deferred", p.id)),
                        boxed(format!("program.{}.capped", p.id)),
                    ]
                })
                .collect(),
            track_codes: policy
                .tracks
                .iter()
                .map(|t| boxed(format!("track.{}", t.id)))
                .collect(),
            json_keys,
        }
    }

    /// The CSV header (names joined by `,`, then a newline).
    pub(super) fn csv_header(&self, out: &mut Vec<u8>) {
        for (i, c) in self.columns.iter().enumerate() {
            if i > 0 {
                out.push(b',');
            }
            write_csv_field(c.name().as_bytes(), out);
        }
        out.push(b'\n');
    }

    /// The name of value `v` of an enumerated column (`names`), as the
    /// decision writer writes it (no name: empty), straight into a text
    /// column; `false` for another column.
    #[inline(always)]
    fn named(&self, out: &mut TypedColumn, names: usize, v: usize) -> std::io::Result<bool> {
        let Some(c) = out.text() else {
            return Ok(false);
        };
        match self.names.get(names).and_then(|n| n.get(v)) {
            Some(Name::Padded(name)) => c.padded(name)?,
            Some(Name::Long(name)) => c.field(name)?,
            None => c.null(),
        }
        Ok(true)
    }

    /// The code of a program's outcome: granted, deferred or capped.
    fn program_code(&self, i: usize, status: Status, capped: bool) -> &[u8] {
        let k = match (status, capped) {
            (Status::Deferred, _) => 1,
            (_, true) => 2,
            _ => 0,
        };
        &self.program_codes[i][k]
    }
}

fn bool_word(v: bool) -> &'static [u8] {
    if v { b"true" } else { b"false" }
}

impl<'p> DecisionWriter<'p> {
    /// One decision as a CSV row of the chosen columns.
    pub(super) fn shaped_csv_row(&mut self, d: &mut Decision<'_>, out: &mut Vec<u8>) {
        let Some(shaped) = self.shaped.take() else {
            return;
        };
        let mut cell = std::mem::take(&mut self.cell);
        for (i, col) in shaped.columns.iter().enumerate() {
            if i > 0 {
                out.push(b',');
            }
            match col {
                Column::Std(Std::HouseholdId) => self.text_cell(&shaped, d.household_id, out),
                Column::Std(Std::Region) => self.text_cell(&shaped, d.region, out),
                Column::Std(Std::Reasons) => {
                    cell.clear();
                    match shaped.reasons {
                        ReasonsMode::Codes => {
                            self.reason_codes(&shaped, d.scratch, b";", &mut cell)
                        }
                        _ => self.reasons(d.scratch, &RowFacts::default(), &mut cell),
                    }
                    write_csv_field(&cell, out);
                }
                col => {
                    cell.clear();
                    self.csv_value(col, d.scratch, &mut cell);
                    write_csv_field(&cell, out);
                }
            }
        }
        out.push(b'\n');
        self.cell = cell;
        self.shaped = Some(shaped);
    }

    /// The columns of the shape whose value is the same in every decision
    /// (the policy's id, version and hash; a field the policy does not
    /// have), each one's place and that value:
    /// [`DecisionWriter::typed_decision`] leaves those columns to the
    /// caller, who fills them in bulk. Empty without a chosen shape.
    pub fn typed_constants(&self) -> Vec<(usize, Constant<'p>)> {
        let p = self.policy;
        let text = |t: &'p str| match t {
            "" => Constant::Null,
            t => Constant::Text(t),
        };
        let Some(shaped) = &self.shaped else {
            return Vec::new();
        };
        let value = |same| match same {
            Same::PolicyId => text(&p.meta.id),
            Same::PolicyVersion => text(&p.meta.version),
            Same::PolicyHash => text(&p.hash),
            Same::Null => Constant::Null,
        };
        shaped
            .constants
            .iter()
            .map(|&(at, same)| (at, value(same)))
            .collect()
    }

    /// One decision into typed columns, one per column of the shape, in
    /// order (stage mode's Arrow output): each value as its CSV cell of
    /// raw text reads back in that column's type ([`TypedColumn::field`]),
    /// numbers and flags without the text. The columns of
    /// [`DecisionWriter::typed_constants`] are left as they are.
    pub fn typed_decision(
        &mut self,
        d: &mut Decision<'_>,
        columns: &mut [TypedColumn],
    ) -> std::io::Result<()> {
        let mut cell = std::mem::take(&mut self.cell);
        // The plan borrowed, not taken out and put back: a move of it
        // cost a copy per decision.
        let result = match &self.shaped {
            Some(shaped) => self.typed_columns(shaped, d, columns, &mut cell),
            None => Err(std::io::Error::other(
                "internal: typed decisions need a writer of a chosen shape",
            )),
        };
        self.cell = cell;
        result
    }

    fn typed_columns(
        &self,
        shaped: &Shaped,
        d: &mut Decision<'_>,
        columns: &mut [TypedColumn],
        cell: &mut Vec<u8>,
    ) -> std::io::Result<()> {
        if columns.len() < shaped.columns.len() {
            return Err(std::io::Error::other(
                "internal: fewer typed columns than the shape's",
            ));
        }
        let p = self.policy;
        let s = &mut *d.scratch;
        // A number written with fixed decimals: added as such; `false`
        // sends the column to its text below.
        let fixed = |out: &mut TypedColumn, v: f64, decimals| {
            numfmt::fixed_units(v, decimals).is_some_and(|n| out.fixed(n, decimals))
        };
        // Text as read (an id, a region): straight into a text column
        // (theirs are), without `TypedColumn::field`'s call.
        let read = |out: &mut TypedColumn, t: &[u8]| match out.text() {
            Some(c) => c.field(t),
            None => out.field(t),
        };
        for &(at, typed) in &shaped.steps {
            // Within the shape's columns (checked above).
            let Some(out) = columns.get_mut(at) else {
                continue;
            };
            let done = match typed {
                Typed::Id => {
                    read(out, d.household_id)?;
                    true
                }
                Typed::Region => {
                    read(out, d.region)?;
                    true
                }
                Typed::Reasons => {
                    match (shaped.reasons, out.text()) {
                        // The sentences straight into the column's bytes.
                        (ReasonsMode::Text, Some(text)) => {
                            text.write_with(|buf| self.reasons(s, &RowFacts::default(), buf))?;
                        }
                        (mode, _) => {
                            cell.clear();
                            match mode {
                                ReasonsMode::Codes => self.reason_codes(shaped, s, b";", cell),
                                _ => self.reasons(s, &RowFacts::default(), cell),
                            }
                            out.field(cell)?;
                        }
                    }
                    true
                }
                // Not among the steps: left to the caller.
                Typed::Constant(_) => true,
                Typed::Fixed { slot, decimals } => fixed(out, s.slots[slot], decimals),
                Typed::MonthlyTotal => fixed(out, s.monthly_total, 0),
                Typed::OneOffTotal => fixed(out, s.one_off_total, 0),
                Typed::Priority => fixed(out, s.priority, 1),
                Typed::ReviewAfterMonths => out.whole(i64::from(s.review_after_months)),
                Typed::Flag(slot) => out.flag(s.slots[slot] != 0.0),
                Typed::Capped => out.flag(s.capped),
                Typed::Programs(status) => match out.list() {
                    Some(list) => {
                        for (prog, o) in p.programs.iter().zip(&s.programs) {
                            if o.status == status {
                                list.item(&prog.id);
                            }
                        }
                        list.close()?;
                        true
                    }
                    None => false,
                },
                // Indicator ids are identifiers: no `;` to split on.
                Typed::Deprived => match out.list() {
                    Some(list) => {
                        self.each_deprived(&s.slots, |_, ind| list.item(&ind.id));
                        list.close()?;
                        true
                    }
                    None => false,
                },
                // `write_number`: four decimals, trailing zeros dropped (the
                // same value); nothing if not finite.
                Typed::Number(slot) => {
                    let v = s.slots[slot];
                    if v.is_finite() {
                        fixed(out, v, 4)
                    } else {
                        out.null();
                        true
                    }
                }
                Typed::Integer(slot) => out.whole(s.slots[slot] as i64),
                Typed::Bool(slot) => out.flag(s.slots[slot] != 0.0),
                Typed::Named { slot, names } => shaped.named(out, names, s.slots[slot] as usize)?,
                Typed::Track(names) => shaped.named(out, names, s.track)?,
                Typed::Text => false,
            };
            if let (false, Some(col)) = (done, shaped.columns.get(at)) {
                match out.text() {
                    // Text straight into the column's bytes.
                    Some(text) => text.write_with(|buf| self.csv_value(col, s, buf))?,
                    None => {
                        cell.clear();
                        self.csv_value(col, s, cell);
                        out.field(cell)?;
                    }
                }
            }
        }
        Ok(())
    }

    fn text_cell(&self, shaped: &Shaped, text: &[u8], out: &mut Vec<u8>) {
        if shaped.raw_text {
            write_csv_field(text, out);
        } else {
            write_csv_text(text, out);
        }
    }

    /// The CSV text of a column other than the id, region and reasons.
    fn csv_value(&self, col: &Column, s: &Scratch, out: &mut Vec<u8>) {
        let p = self.policy;
        let slot = |field: Option<usize>| field.map(|slot| s.slots[slot]);
        match col {
            Column::Std(std) => match std {
                Std::HouseholdId | Std::Region | Std::Reasons => {}
                Std::IncomeStatus => {
                    if let Some(st) = self.income_status(s) {
                        out.extend_from_slice(st.as_bytes());
                    }
                }
                Std::PerCapitaIncome => {
                    if let Some(v) = slot(p.fields.per_capita_income) {
                        numfmt::write_fixed(v, 2, out);
                    }
                }
                Std::PovertyLine => {
                    if let Some(v) = slot(p.fields.poverty_line) {
                        numfmt::write_fixed(v, 2, out);
                    }
                }
                Std::DeprivationScore => {
                    if let Some(dep) = &p.deprivation {
                        numfmt::write_fixed(s.slots[dep.score_slot], 4, out);
                    }
                }
                Std::DeprivationStatus => {
                    if let Some(st) = self.deprivation_status(s) {
                        out.extend_from_slice(st.as_bytes());
                    }
                }
                Std::Deprived => {
                    let mut first = true;
                    self.each_deprived(&s.slots, |_, ind| {
                        if !first {
                            out.push(b';');
                        }
                        first = false;
                        out.extend_from_slice(ind.id.as_bytes());
                    });
                }
                Std::Emergency => {
                    if let Some(v) = slot(p.fields.emergency) {
                        out.extend_from_slice(bool_word(v != 0.0));
                    }
                }
                Std::LabourCapacity => {
                    if let Some(v) = slot(p.fields.labour_capacity) {
                        out.extend_from_slice(bool_word(v != 0.0));
                    }
                }
                Std::Track => {
                    if let Some(t) = p.tracks.get(s.track) {
                        out.extend_from_slice(t.id.as_bytes());
                    }
                }
                Std::Programs => self.program_ids(s, Status::Granted, out),
                Std::Deferred => self.program_ids(s, Status::Deferred, out),
                Std::MonthlyTotal => numfmt::write_whole(s.monthly_total, out),
                Std::OneOffTotal => numfmt::write_whole(s.one_off_total, out),
                Std::Capped => out.extend_from_slice(bool_word(s.capped)),
                Std::ReviewAfterMonths => {
                    numfmt::write_int(i64::from(s.review_after_months), out);
                }
                Std::Priority => numfmt::write_fixed(s.priority, 1, out),
                Std::PolicyId => out.extend_from_slice(p.meta.id.as_bytes()),
                Std::PolicyVersion => out.extend_from_slice(p.meta.version.as_bytes()),
                Std::PolicyHash => out.extend_from_slice(p.hash.as_bytes()),
            },
            Column::Value { slot, kind, .. } => {
                let v = s.slots[*slot];
                match kind {
                    ValueKind::Number => write_number(v, out),
                    ValueKind::Integer => numfmt::write_int(v as i64, out),
                    // An unknown date (no cell, no default) stays empty.
                    ValueKind::Date if v.is_nan() => {}
                    ValueKind::Date => crate::expr::dates::write_iso(v, out),
                    ValueKind::Bool => out.extend_from_slice(bool_word(v != 0.0)),
                    ValueKind::Enum(e) => out.extend_from_slice(self.enum_name(*e, v).as_bytes()),
                }
            }
        }
    }

    /// Ids of the programs with `status`, joined by `;`.
    fn program_ids(&self, s: &Scratch, status: Status, out: &mut Vec<u8>) {
        let mut first = true;
        for (prog, o) in self.policy.programs.iter().zip(&s.programs) {
            if o.status == status {
                if !first {
                    out.push(b';');
                }
                first = false;
                out.extend_from_slice(prog.id.as_bytes());
            }
        }
    }

    /// The row's reason codes joined by `sep` (JSON: `","` inside a string).
    fn reason_codes(&self, shaped: &Shaped, s: &Scratch, sep: &[u8], out: &mut Vec<u8>) {
        let mut first = true;
        let mut put = |code: &[u8], out: &mut Vec<u8>| {
            if !first {
                out.extend_from_slice(sep);
            }
            first = false;
            out.extend_from_slice(code);
        };
        for (code, &holds) in shaped.reason_codes.iter().zip(&s.reasons) {
            if holds {
                put(code, out);
            }
        }
        if let Some(dep) = self
            .policy
            .deprivation
            .as_ref()
            .filter(|_| !shaped.omit_deprivation)
        {
            let status =
                (s.slots[dep.status_slot] as usize).min(shaped.deprivation_codes.len() - 1);
            put(&shaped.deprivation_codes[status], out);
        }
        for (i, o) in s.programs.iter().enumerate() {
            let capped = o.capped_from.is_some();
            let shown = match o.status {
                Status::Denied => true,
                Status::Granted => shaped.omit_granted && !capped,
                Status::Deferred => shaped.omit_deferred,
            };
            if !shown {
                put(shaped.program_code(i, o.status, capped), out);
            }
        }
        if let Some(code) = shaped
            .track_codes
            .get(s.track)
            .filter(|_| !shaped.omit_track)
        {
            put(code, out);
        }
    }

    /// One decision as a JSON object of the chosen fields.
    pub(super) fn shaped_json_object(&mut self, d: &mut Decision<'_>, out: &mut Vec<u8>) {
        let Some(shaped) = self.shaped.take() else {
            return;
        };
        let mut cell = std::mem::take(&mut self.cell);
        out.push(b'{');
        for (col, key) in shaped.columns.iter().zip(&shaped.json_keys) {
            out.extend_from_slice(key);
            let s = &mut *d.scratch;
            match col {
                Column::Std(Std::HouseholdId) => write_json_str(d.household_id, out),
                Column::Std(Std::Region) => write_json_str(d.region, out),
                Column::Std(Std::Reasons) => {
                    out.push(b'[');
                    cell.clear();
                    if shaped.reasons == ReasonsMode::Codes {
                        out.push(b'"');
                        self.reason_codes(&shaped, s, b"\",\"", out);
                        out.push(b'"');
                    } else {
                        self.reasons(s, &RowFacts::default(), &mut cell);
                        self.json_sentences(&cell, out);
                    }
                    out.push(b']');
                }
                Column::Std(Std::Programs) => {
                    self.shaped_json_programs(&shaped, s, &mut cell, out);
                }
                col => self.json_value(col, s, out),
            }
        }
        out.push(b'}');
        self.cell = cell;
        self.shaped = Some(shaped);
    }

    /// Reasons rendered with the writer's JSON separator, as strings.
    fn json_sentences(&self, rendered: &[u8], out: &mut Vec<u8>) {
        if self.json.plain_reasons {
            // Sentences joined by `","`, needing no escape.
            out.push(b'"');
            out.extend_from_slice(rendered);
            out.push(b'"');
        } else {
            for (i, part) in rendered.split(|&b| b == 0).enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                write_json_str(part, out);
            }
        }
    }

    /// The `programs` array: objects as in the full decision; each `reason`
    /// follows `--reasons` (a sentence, a code, or left out).
    fn shaped_json_programs(
        &self,
        shaped: &Shaped,
        s: &Scratch,
        cell: &mut Vec<u8>,
        out: &mut Vec<u8>,
    ) {
        let p = self.policy;
        out.push(b'[');
        let mut first = true;
        for (i, ((prog, o), jprog)) in p
            .programs
            .iter()
            .zip(&s.programs)
            .zip(&self.json.programs)
            .enumerate()
        {
            if o.status == Status::Denied {
                continue;
            }
            if !first {
                out.push(b',');
            }
            first = false;
            out.extend_from_slice(&jprog.head[usize::from(o.status == Status::Deferred)]);
            numfmt::write_shortest(o.amount, out);
            out.extend_from_slice(&jprog.period);
            opt_num(o.duration_months, out);
            out.extend_from_slice(b",\"starts_after_months\":");
            opt_num(o.starts_after_months, out);
            out.extend_from_slice(&jprog.review);
            opt_num(o.capped_from, out);
            match shaped.reasons {
                ReasonsMode::Text => {
                    out.extend_from_slice(b",\"reason\":");
                    cell.clear();
                    match &prog.reason {
                        Some(t) => t.render(&s.slots, &p.enums, cell),
                        None => cell.extend_from_slice(b"eligible"),
                    }
                    write_json_str(cell, out);
                }
                ReasonsMode::Codes => {
                    out.extend_from_slice(b",\"reason\":\"");
                    out.extend_from_slice(shaped.program_code(
                        i,
                        o.status,
                        o.capped_from.is_some(),
                    ));
                    out.push(b'"');
                }
                ReasonsMode::None => {}
            }
            out.push(b'}');
        }
        out.push(b']');
    }

    /// The JSON value of a column other than the id, region, reasons and programs.
    fn json_value(&self, col: &Column, s: &Scratch, out: &mut Vec<u8>) {
        let p = self.policy;
        let slot = |field: Option<usize>| field.map(|slot| s.slots[slot]);
        let string_or_null = |v: Option<&str>, out: &mut Vec<u8>| match v {
            Some(v) => write_json_str(v.as_bytes(), out),
            None => out.extend_from_slice(b"null"),
        };
        let bool_or_null = |v: Option<f64>, out: &mut Vec<u8>| match v {
            Some(v) => out.extend_from_slice(bool_word(v != 0.0)),
            None => out.extend_from_slice(b"null"),
        };
        match col {
            Column::Std(std) => match std {
                Std::HouseholdId | Std::Region | Std::Reasons | Std::Programs => {}
                Std::IncomeStatus => string_or_null(self.income_status(s), out),
                Std::PerCapitaIncome => opt_num(
                    slot(p.fields.per_capita_income).map(|v| numfmt::round_half_up(v, 2)),
                    out,
                ),
                Std::PovertyLine => opt_num(slot(p.fields.poverty_line), out),
                Std::DeprivationScore => opt_num(
                    p.deprivation.as_ref().map(|dep| s.slots[dep.score_slot]),
                    out,
                ),
                Std::DeprivationStatus => string_or_null(self.deprivation_status(s), out),
                Std::Deprived => {
                    out.push(b'[');
                    let mut first = true;
                    self.each_deprived(&s.slots, |_, ind| {
                        if !first {
                            out.push(b',');
                        }
                        first = false;
                        write_json_str(ind.id.as_bytes(), out);
                    });
                    out.push(b']');
                }
                Std::Emergency => bool_or_null(slot(p.fields.emergency), out),
                Std::LabourCapacity => bool_or_null(slot(p.fields.labour_capacity), out),
                Std::Track => string_or_null(p.tracks.get(s.track).map(|t| t.id.as_str()), out),
                Std::Deferred => {
                    out.push(b'[');
                    let mut first = true;
                    for (prog, o) in p.programs.iter().zip(&s.programs) {
                        if o.status == Status::Deferred {
                            if !first {
                                out.push(b',');
                            }
                            first = false;
                            write_json_str(prog.id.as_bytes(), out);
                        }
                    }
                    out.push(b']');
                }
                Std::MonthlyTotal => numfmt::write_shortest(s.monthly_total, out),
                Std::OneOffTotal => numfmt::write_shortest(s.one_off_total, out),
                Std::Capped => out.extend_from_slice(bool_word(s.capped)),
                Std::ReviewAfterMonths => {
                    numfmt::write_int(i64::from(s.review_after_months), out);
                }
                Std::Priority => {
                    numfmt::write_shortest(numfmt::round_half_up(s.priority, 1), out);
                }
                Std::PolicyId => write_json_str(p.meta.id.as_bytes(), out),
                Std::PolicyVersion => write_json_str(p.meta.version.as_bytes(), out),
                Std::PolicyHash => write_json_str(p.hash.as_bytes(), out),
            },
            Column::Value { slot, kind, .. } => {
                let v = s.slots[*slot];
                match kind {
                    ValueKind::Number => opt_num(Some(v), out),
                    ValueKind::Integer => numfmt::write_int(v as i64, out),
                    ValueKind::Date if v.is_nan() => out.extend_from_slice(b"null"),
                    ValueKind::Date => {
                        out.push(b'"');
                        crate::expr::dates::write_iso(v, out);
                        out.push(b'"');
                    }
                    ValueKind::Bool => out.extend_from_slice(bool_word(v != 0.0)),
                    ValueKind::Enum(e) => write_json_str(self.enum_name(*e, v).as_bytes(), out),
                }
            }
        }
    }

    /// Whether this writer writes a chosen shape (not the fixed fast path).
    pub(super) fn is_shaped(&self) -> bool {
        self.shaped.is_some()
    }

    /// The header of a shaped CSV.
    pub(super) fn shaped_begin(&self, out: &mut Vec<u8>) -> bool {
        match (&self.shaped, self.format) {
            (Some(shaped), Format::Csv) => {
                shaped.csv_header(out);
                true
            }
            _ => false,
        }
    }
}

/// A policy number in CSV: rounded half up to four decimals, without
/// trailing zeros (`1452830`, `0.3333`, `2.5`).
pub(super) fn write_number(v: f64, out: &mut Vec<u8>) {
    if !v.is_finite() {
        return;
    }
    let start = out.len();
    numfmt::write_fixed(v, 4, out);
    if let Some(dot) = out[start..].iter().position(|&b| b == b'.') {
        let mut end = out.len();
        while end > start + dot + 1 && out[end - 1] == b'0' {
            end -= 1;
        }
        if end == start + dot + 1 {
            end -= 1;
        }
        out.truncate(end);
    }
}

fn opt_num(v: Option<f64>, out: &mut Vec<u8>) {
    match v {
        Some(x) => numfmt::write_shortest(x, out),
        None => out.extend_from_slice(b"null"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn policy_numbers_lose_trailing_zeros() {
        for (v, text) in [
            (1452830.0, "1452830"),
            (1.0 / 3.0, "0.3333"),
            (2.5, "2.5"),
            (0.0, "0"),
            (-1.25, "-1.25"),
        ] {
            let mut out = Vec::new();
            write_number(v, &mut out);
            assert_eq!(String::from_utf8(out).unwrap(), text);
        }
    }
}
