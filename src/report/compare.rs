//! `layak compare`: one household's base and reform decisions side by side,
//! and the change between them ([`Change`]).
//!
//! Columns ([`COMPARE_COLUMNS`]): the household id, then a base/reform pair
//! for the track, the granted programs (ids joined with `;`, a JSON array),
//! the monthly total (with `monthly_change`, reform minus base), the one-off
//! total, the priority and the income and deprivation statuses, then
//! `change`. Amounts are whole units and the priority has one decimal, as in
//! `assess`'s decisions; the change is decided on those printed values, so
//! that a row never reads `gains` with two equal amounts.

use super::{Format, write_csv_field, write_csv_text, write_json_str};
use crate::engine::{Scratch, Status};
use crate::numfmt::{self, round_half_up};
use crate::policy::{DEPRIVATION_STATUSES, Policy};

/// The columns of `layak compare`'s output, in order.
pub const COMPARE_COLUMNS: [&str; 17] = [
    "household_id",
    "base_track",
    "reform_track",
    "base_programs",
    "reform_programs",
    "base_monthly_total",
    "reform_monthly_total",
    "monthly_change",
    "base_one_off_total",
    "reform_one_off_total",
    "base_priority",
    "reform_priority",
    "base_income_status",
    "reform_income_status",
    "base_deprivation_status",
    "reform_deprivation_status",
    "change",
];

/// The columns' types, for a table (Parquet, xlsx) written from the CSV.
pub fn column_types() -> Vec<(String, super::table::Cell)> {
    use super::table::Cell;
    let mut types: Vec<(String, Cell)> = COMPARE_COLUMNS
        .iter()
        .map(|&c| {
            let cell = match c {
                "household_id" => Cell::Id,
                "base_programs" | "reform_programs" => Cell::List,
                "base_priority" | "reform_priority" => Cell::Float,
                c if c.ends_with("_total") || c == "monthly_change" => Cell::Int,
                _ => Cell::Text,
            };
            (c.to_string(), cell)
        })
        .collect();
    types.push(("weight".into(), Cell::Float));
    for (c, cell) in BUDGET_COLUMNS
        .iter()
        .zip([Cell::Bool, Cell::Int, Cell::Bool, Cell::Int])
    {
        types.push((c.to_string(), cell));
    }
    types
}

/// The columns `--budget` appends (after `weight`, with `--weight`).
pub const BUDGET_COLUMNS: [&str; 4] = ["base_funded", "base_rank", "reform_funded", "reform_rank"];

/// Add each side's `funded` and `rank` at the end of a row just written
/// (rank: empty in CSV, `null` in JSON, for a household not eligible).
pub fn append_budget(
    format: Format,
    out: &mut Vec<u8>,
    base: (Option<u32>, bool),
    reform: (Option<u32>, bool),
) {
    let json = format != Format::Csv;
    let newline = format != Format::Json;
    if newline {
        debug_assert_eq!(out.last(), Some(&b'\n'));
        out.pop();
    }
    if json {
        debug_assert_eq!(out.last(), Some(&b'}'));
        out.pop();
    }
    let columns = BUDGET_COLUMNS.chunks(2);
    for (names, (rank, funded)) in columns.zip([base, reform]) {
        let word: &[u8] = if funded { b"true" } else { b"false" };
        if json {
            out.extend_from_slice(b",\"");
            out.extend_from_slice(names[0].as_bytes());
            out.extend_from_slice(b"\":");
            out.extend_from_slice(word);
            out.extend_from_slice(b",\"");
            out.extend_from_slice(names[1].as_bytes());
            out.extend_from_slice(b"\":");
            match rank {
                Some(r) => numfmt::write_u64(u64::from(r), out),
                None => out.extend_from_slice(b"null"),
            }
        } else {
            out.push(b',');
            out.extend_from_slice(word);
            out.push(b',');
            if let Some(r) = rank {
                numfmt::write_u64(u64::from(r), out);
            }
        }
    }
    if json {
        out.push(b'}');
    }
    if newline {
        out.push(b'\n');
    }
}

/// How a household's decision changes from the base policy to the reform.
/// The first that holds, in this order:
///
/// - `enters`: no program granted under the base, one or more under the reform;
/// - `leaves`: the other way round;
/// - `gains`: a higher monthly total, or the same and a higher one-off total;
/// - `loses`: a lower monthly total, or the same and a lower one-off total;
/// - `changes_track`: the same amounts, another track;
/// - `changes_other`: the same amounts and track, but other programs granted
///   or deferred, another priority, income status or deprivation status;
/// - `same`: every compared value equal.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Change {
    Enters,
    Leaves,
    Gains,
    Loses,
    ChangesTrack,
    ChangesOther,
    Same,
}

impl Change {
    pub const ALL: [Change; 7] = [
        Change::Enters,
        Change::Leaves,
        Change::Gains,
        Change::Loses,
        Change::ChangesTrack,
        Change::ChangesOther,
        Change::Same,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Change::Enters => "enters",
            Change::Leaves => "leaves",
            Change::Gains => "gains",
            Change::Loses => "loses",
            Change::ChangesTrack => "changes_track",
            Change::ChangesOther => "changes_other",
            Change::Same => "same",
        }
    }

    /// Its position in [`Change::ALL`].
    pub fn index(self) -> usize {
        self as usize
    }
}

/// A decision's monthly and one-off totals as printed (whole units).
pub fn whole(x: f64) -> i64 {
    if x.is_finite() {
        round_half_up(x, 0) as i64
    } else {
        0
    }
}

/// Whether any program is granted (what `enters` and `leaves` look at).
pub fn receives(s: &Scratch) -> bool {
    s.programs.iter().any(|o| o.status == Status::Granted)
}

/// Monthly-change bands of winners and losers, in whole currency units:
/// a change of at most `BANDS[i]` (and more than the band before) is in band `i`;
/// beyond the last it is in the last band (open-ended).
pub const BANDS: [i64; 6] = [50_000, 100_000, 250_000, 500_000, 1_000_000, i64::MAX];

/// Households, persons, and (with weights) the weighted households and
/// persons in billionths: the four counts of every tally cell.
pub type Counts = [u128; 4];

/// How households moved between the base and the reform.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Tally {
    pub base_tracks: usize,
    pub reform_tracks: usize,
    /// Per (base track, reform track), row-major.
    pub transitions: Vec<Counts>,
    /// Per change, in [`Change::ALL`] order.
    pub changes: [Counts; 7],
    /// Per band of [`BANDS`]: households whose monthly total rises (winners).
    pub winners: [Counts; BANDS.len()],
    /// Per band: households whose monthly total falls (losers).
    pub losers: [Counts; BANDS.len()],
    /// Σ monthly change (reform − base), unweighted and weighted (billionths).
    pub monthly_change: [i128; 2],
}

impl Tally {
    pub fn new(base: &Policy, reform: &Policy) -> Tally {
        Tally {
            base_tracks: base.tracks.len(),
            reform_tracks: reform.tracks.len(),
            transitions: vec![[0; 4]; base.tracks.len() * reform.tracks.len()],
            ..Tally::default()
        }
    }

    /// Count one decided household.
    pub fn add(&mut self, c: &TallyRow) {
        let persons = u128::from(c.persons);
        let weight = u128::from(c.weight);
        let counts = [1, persons, weight, weight * persons];
        let add = |cell: &mut Counts| {
            for (a, b) in cell.iter_mut().zip(counts) {
                *a += b;
            }
        };
        let at = c.base_track * self.reform_tracks + c.reform_track;
        if let Some(cell) = self.transitions.get_mut(at) {
            add(cell);
        }
        if let Some(cell) = self.changes.get_mut(c.change.index()) {
            add(cell);
        }
        let delta = c.delta;
        if delta != 0 {
            let band = BANDS
                .iter()
                .position(|&b| delta.unsigned_abs() <= b as u64)
                .unwrap_or(BANDS.len() - 1);
            add(if delta > 0 {
                &mut self.winners[band]
            } else {
                &mut self.losers[band]
            });
        }
        self.monthly_change[0] += i128::from(delta);
        self.monthly_change[1] += i128::from(delta) * c.weight as i128;
    }
}

/// What the tally counts of one decided household.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TallyRow {
    pub base_track: usize,
    pub reform_track: usize,
    pub change: Change,
    /// Its persons (the summary's persons input; 0 without one).
    pub persons: u64,
    /// Survey weight in billionths (0 without weights).
    pub weight: u64,
    /// Monthly total, reform minus base, as printed.
    pub delta: i64,
}

impl Default for TallyRow {
    fn default() -> Self {
        TallyRow {
            base_track: 0,
            reform_track: 0,
            change: Change::Same,
            persons: 0,
            weight: 0,
            delta: 0,
        }
    }
}

/// The summary of a comparison (`compare --summary`): the base's and the
/// reform's summaries as `assess --summary` writes them, `delta` (reform
/// minus base for every number the two have in common: groups of `--by`
/// are matched by value, strings and the run's own figures are left out),
/// then the households per change, winners and losers by band of monthly
/// change, and the track transition matrix.
///
/// With `weighted` (survey weights), `households` and `persons` in the
/// comparison's own tables are population estimates and `sample_households`
/// the rows counted.
pub fn summary_document(
    base: &super::summary::Report,
    reform: &super::summary::Report,
    tally: &Tally,
    (base_policy, reform_policy): (&Policy, &Policy),
    weighted: bool,
) -> Result<serde_json::Value, serde_json::Error> {
    use serde_json::{Map, Value, json};
    let base = serde_json::to_value(base)?;
    let reform = serde_json::to_value(reform)?;
    let mut delta = Map::new();
    for key in ["total", "by", "budget"] {
        if let Some(d) = diff(&base[key], &reform[key]) {
            delta.insert(key.to_string(), d);
        }
    }
    let counts = |c: &Counts| -> Value {
        if weighted {
            json!({
                "households": billionths(c[2]),
                "persons": billionths(c[3]),
                "sample_households": c[0],
            })
        } else {
            json!({ "households": c[0], "persons": c[1] })
        }
    };
    let changes: Map<String, Value> = Change::ALL
        .iter()
        .map(|c| (c.as_str().to_string(), counts(&tally.changes[c.index()])))
        .collect();
    let bands = |cells: &[Counts; BANDS.len()]| -> Vec<Value> {
        let mut from = 1i64;
        cells
            .iter()
            .zip(BANDS)
            .map(|(cell, to)| {
                let mut v = counts(cell);
                v["from"] = json!(from);
                v["to"] = if to == i64::MAX {
                    Value::Null
                } else {
                    json!(to)
                };
                from = to.saturating_add(1);
                v
            })
            .collect()
    };
    let matrix = |which: usize| -> Value {
        let mut rows = Map::new();
        for (i, bt) in base_policy.tracks.iter().enumerate() {
            let mut row = Map::new();
            for (j, rt) in reform_policy.tracks.iter().enumerate() {
                let cell = tally
                    .transitions
                    .get(i * tally.reform_tracks + j)
                    .copied()
                    .unwrap_or_default();
                let v = match (weighted, which) {
                    (false, w) => json!(cell[w]),
                    (true, w) => billionths(cell[w + 2]),
                };
                row.insert(rt.id.clone(), v);
            }
            rows.insert(bt.id.clone(), Value::Object(row));
        }
        Value::Object(rows)
    };
    let monthly_change = if weighted {
        json!(tally.monthly_change[1] as f64 / 1e9)
    } else {
        json!(tally.monthly_change[0])
    };
    Ok(json!({
        "layak_compare_summary": 1,
        "weighted": weighted,
        "changes": changes,
        "monthly_change": monthly_change,
        "winners": bands(&tally.winners),
        "losers": bands(&tally.losers),
        "transitions": {
            "rows_are": "base track",
            "columns_are": "reform track",
            "households": matrix(0),
            "persons": matrix(1),
        },
        "delta": delta,
        "base": base,
        "reform": reform,
    }))
}

/// A weighted count (billionths) as a number.
fn billionths(v: u128) -> serde_json::Value {
    serde_json::json!(v as f64 / 1e9)
}

/// Reform minus base for every number both have at the same place; `None`
/// where nothing is comparable.
fn diff(b: &serde_json::Value, r: &serde_json::Value) -> Option<serde_json::Value> {
    use serde_json::Value;
    match (b, r) {
        (Value::Number(x), Value::Number(y)) => {
            if let (Some(x), Some(y)) = (x.as_u64(), y.as_u64()) {
                let d = i128::from(y) - i128::from(x);
                return Some(i64::try_from(d).map_or_else(|_| Value::from(d as f64), Value::from));
            }
            if let (Some(x), Some(y)) = (x.as_i64(), y.as_i64()) {
                let d = i128::from(y) - i128::from(x);
                return Some(i64::try_from(d).map_or_else(|_| Value::from(d as f64), Value::from));
            }
            let (x, y) = (x.as_f64()?, y.as_f64()?);
            serde_json::Number::from_f64(y - x).map(Value::Number)
        }
        (Value::Object(x), Value::Object(y)) => {
            let out: serde_json::Map<String, Value> = x
                .iter()
                .filter_map(|(k, xv)| Some((k.clone(), diff(xv, y.get(k)?)?)))
                .collect();
            (!out.is_empty()).then_some(Value::Object(out))
        }
        (Value::Array(x), Value::Array(y)) => {
            // Groups of `--by`: matched by their value.
            let out: Vec<Value> = x
                .iter()
                .filter_map(|xv| {
                    let key = xv.get("value")?;
                    let yv = y.iter().find(|v| v.get("value") == Some(key))?;
                    let mut d = diff(xv, yv)?;
                    d["value"] = key.clone();
                    Some(d)
                })
                .collect();
            (!out.is_empty()).then_some(Value::Array(out))
        }
        _ => None,
    }
}

/// The short text of a comparison's summary, for a person (`--summary -`).
pub fn human(doc: &serde_json::Value) -> String {
    use std::fmt::Write;
    let mut s = String::new();
    let (b, r, d) = (&doc["base"], &doc["reform"], &doc["delta"]);
    let text = |v: &serde_json::Value| v.as_str().unwrap_or("").to_string();
    let num = |v: &serde_json::Value| {
        let mut out = Vec::new();
        numfmt::write_grouped(v.as_f64().unwrap_or(0.0), &mut out);
        String::from_utf8_lossy(&out).into_owned()
    };
    let signed = |v: &serde_json::Value| {
        let x = v.as_f64().unwrap_or(0.0);
        format!("{}{}", if x > 0.0 { "+" } else { "" }, num(v))
    };
    let _ = writeln!(
        s,
        "compare: {} ({}) vs reform {} ({}), {} rows read = {} decided + {} rejected",
        text(&b["policy"]["id"]),
        text(&b["policy"]["hash"]),
        text(&r["policy"]["id"]),
        text(&r["policy"]["hash"]),
        num(&b["rows"]["read"]),
        num(&b["rows"]["decided"]),
        num(&b["rows"]["rejected"]),
    );
    let mut line = String::from("  households:");
    let mut sep = " ";
    for c in Change::ALL {
        let _ = write!(
            line,
            "{sep}{} {}",
            c.as_str(),
            num(&doc["changes"][c.as_str()]["households"])
        );
        sep = ", ";
    }
    let _ = writeln!(s, "{line}");
    let cur = text(&b["policy"]["currency"]);
    for (what, key) in [
        ("monthly cost", "monthly_total"),
        ("one-off cost", "one_off_total"),
    ] {
        let _ = writeln!(
            s,
            "  {what}: {} -> {} {cur} ({})",
            num(&b["total"][key]),
            num(&r["total"][key]),
            signed(&d["total"][key]),
        );
    }
    let mut line = String::from("  tracks (households):");
    let mut sep = " ";
    if let Some(tracks) = r["total"]["tracks"].as_object() {
        for (id, v) in tracks {
            let before = &b["total"]["tracks"][id]["households"];
            let _ = write!(
                line,
                "{sep}{id} {} -> {}",
                num(before),
                num(&v["households"])
            );
            sep = ", ";
        }
    }
    let _ = writeln!(s, "{line}");
    let (bb, rb) = (&b["budget"], &r["budget"]);
    if bb.is_object() && rb.is_object() {
        let _ = writeln!(
            s,
            "  budget {} {cur} a month: funded {} -> {} households ({}), used {} -> {} {cur} ({})",
            num(&bb["amount"]),
            num(&bb["households_funded"]),
            num(&rb["households_funded"]),
            signed(&d["budget"]["households_funded"]),
            num(&bb["monthly_used"]),
            num(&rb["monthly_used"]),
            signed(&d["budget"]["monthly_used"]),
        );
    }
    let total = |bands: &serde_json::Value| {
        bands.as_array().map_or(0.0, |a| {
            a.iter()
                .filter_map(|v| v["households"].as_f64())
                .sum::<f64>()
        })
    };
    let _ = writeln!(
        s,
        "  winners {}, losers {} (households whose monthly total rises, falls); total monthly change {} {cur}",
        num(&serde_json::json!(total(&doc["winners"]))),
        num(&serde_json::json!(total(&doc["losers"]))),
        signed(&doc["monthly_change"]),
    );
    s
}

/// Writes compared decisions of two policies in one format.
pub struct CompareWriter<'p> {
    base: &'p Policy,
    reform: &'p Policy,
    format: Format,
    /// For each reform track, the base track of the same id.
    track_map: Vec<Option<usize>>,
    /// For each reform program, the base program of the same id.
    program_map: Vec<Option<usize>>,
    /// Base programs the reform does not have.
    base_only: Vec<usize>,
}

impl<'p> CompareWriter<'p> {
    pub fn new(base: &'p Policy, reform: &'p Policy, format: Format) -> CompareWriter<'p> {
        let track_map = reform
            .tracks
            .iter()
            .map(|t| base.tracks.iter().position(|b| b.id == t.id))
            .collect();
        let program_map: Vec<Option<usize>> = reform
            .programs
            .iter()
            .map(|p| base.programs.iter().position(|b| b.id == p.id))
            .collect();
        let base_only = (0..base.programs.len())
            .filter(|i| !program_map.contains(&Some(*i)))
            .collect();
        CompareWriter {
            base,
            reform,
            format,
            track_map,
            program_map,
            base_only,
        }
    }

    pub fn format(&self) -> Format {
        self.format
    }

    /// The change from decision `b` (base) to `r` (reform).
    pub fn change(&self, b: &Scratch, r: &Scratch) -> Change {
        match (receives(b), receives(r)) {
            (false, true) => return Change::Enters,
            (true, false) => return Change::Leaves,
            _ => {}
        }
        let amounts = (whole(r.monthly_total), whole(r.one_off_total))
            .cmp(&(whole(b.monthly_total), whole(b.one_off_total)));
        match amounts {
            std::cmp::Ordering::Greater => return Change::Gains,
            std::cmp::Ordering::Less => return Change::Loses,
            std::cmp::Ordering::Equal => {}
        }
        if self.track_map.get(r.track).copied().flatten() != Some(b.track) {
            return Change::ChangesTrack;
        }
        let programs_differ = self
            .program_map
            .iter()
            .zip(&r.programs)
            .any(|(m, o)| m.map_or(Status::Denied, |i| b.programs[i].status) != o.status)
            || self
                .base_only
                .iter()
                .any(|&i| b.programs[i].status != Status::Denied);
        let tenths = |p: f64| {
            if p.is_finite() {
                round_half_up(p * 10.0, 0) as i64
            } else {
                0
            }
        };
        if programs_differ
            || tenths(b.priority) != tenths(r.priority)
            || income_status(self.base, b) != income_status(self.reform, r)
            || deprivation_status(self.base, b) != deprivation_status(self.reform, r)
        {
            return Change::ChangesOther;
        }
        Change::Same
    }

    /// What goes before the first row.
    pub fn begin(&self, out: &mut Vec<u8>) {
        match self.format {
            Format::Csv => {
                out.extend_from_slice(COMPARE_COLUMNS.join(",").as_bytes());
                out.push(b'\n');
            }
            Format::Json => out.push(b'['),
            Format::Ndjson => {}
        }
    }

    /// What goes after the last row; `any`: whether there was one.
    pub fn end(&self, any: bool, out: &mut Vec<u8>) {
        if self.format == Format::Json {
            out.extend_from_slice(if any { b"\n]\n" } else { b"]\n" });
        }
    }

    /// Write one household's row. In JSON every object is preceded by `,\n`
    /// (the first one's comma is dropped by the caller, as for decisions).
    pub fn row(&self, id: &[u8], b: &Scratch, r: &Scratch, change: Change, out: &mut Vec<u8>) {
        let (base, reform) = (self.base, self.reform);
        let json = self.format != Format::Csv;
        if self.format == Format::Json {
            out.extend_from_slice(super::JSON_SEPARATOR);
        }
        let mut cell = Cell {
            out,
            json,
            first: true,
        };
        cell.key(0);
        cell.text(id);
        cell.key(1);
        cell.word(base.tracks.get(b.track).map(|t| t.id.as_bytes()));
        cell.key(2);
        cell.word(reform.tracks.get(r.track).map(|t| t.id.as_bytes()));
        cell.key(3);
        cell.programs(base, b);
        cell.key(4);
        cell.programs(reform, r);
        let (mb, mr) = (whole(b.monthly_total), whole(r.monthly_total));
        for (key, v) in [
            (5, mb),
            (6, mr),
            (7, mr - mb),
            (8, whole(b.one_off_total)),
            (9, whole(r.one_off_total)),
        ] {
            cell.key(key);
            numfmt::write_int(v, cell.out);
        }
        for (key, p) in [(10, b.priority), (11, r.priority)] {
            cell.key(key);
            // As `assess` writes it: one decimal (JSON: the shortest form).
            if json {
                numfmt::write_shortest(round_half_up(p, 1), cell.out);
            } else {
                numfmt::write_fixed(p, 1, cell.out);
            }
        }
        cell.key(12);
        cell.word(income_status(base, b).map(|v| v.as_bytes()));
        cell.key(13);
        cell.word(income_status(reform, r).map(|v| v.as_bytes()));
        cell.key(14);
        cell.word(deprivation_status(base, b).map(str::as_bytes));
        cell.key(15);
        cell.word(deprivation_status(reform, r).map(str::as_bytes));
        cell.key(16);
        cell.word(Some(change.as_str().as_bytes()));
        if json {
            out.push(b'}');
        }
        if self.format != Format::Json {
            out.push(b'\n');
        }
    }
}

/// Writes the cells of one row: CSV fields, or JSON members.
struct Cell<'o> {
    out: &'o mut Vec<u8>,
    json: bool,
    first: bool,
}

impl Cell<'_> {
    fn key(&mut self, column: usize) {
        if self.json {
            self.out
                .extend_from_slice(if self.first { b"{\"" } else { b",\"" });
            self.out
                .extend_from_slice(COMPARE_COLUMNS[column].as_bytes());
            self.out.extend_from_slice(b"\":");
        } else if !self.first {
            self.out.push(b',');
        }
        self.first = false;
    }

    /// Text from the input.
    fn text(&mut self, bytes: &[u8]) {
        if self.json {
            write_json_str(bytes, self.out);
        } else {
            write_csv_text(bytes, self.out);
        }
    }

    /// A name from the policy (`None`: JSON null, an empty CSV cell).
    fn word(&mut self, bytes: Option<&[u8]>) {
        match (bytes, self.json) {
            (Some(b), true) => write_json_str(b, self.out),
            (Some(b), false) => write_csv_field(b, self.out),
            (None, true) => self.out.extend_from_slice(b"null"),
            (None, false) => {}
        }
    }

    /// The granted programs' ids.
    fn programs(&mut self, p: &Policy, s: &Scratch) {
        if self.json {
            self.out.push(b'[');
        }
        let mut first = true;
        for (prog, o) in p.programs.iter().zip(&s.programs) {
            if o.status != Status::Granted {
                continue;
            }
            if !first {
                self.out.push(if self.json { b',' } else { b';' });
            }
            first = false;
            if self.json {
                write_json_str(prog.id.as_bytes(), self.out);
            } else {
                self.out.extend_from_slice(prog.id.as_bytes());
            }
        }
        if self.json {
            self.out.push(b']');
        }
    }
}

/// The income status's value name, when the policy has one.
pub fn income_status<'p>(p: &'p Policy, s: &Scratch) -> Option<&'p String> {
    let (slot, e) = p.fields.income_status?;
    p.enums
        .get(usize::from(e))
        .and_then(|d| d.values.get(s.slots[slot] as usize))
}

/// The deprivation status's name, when the policy has one.
pub fn deprivation_status(p: &Policy, s: &Scratch) -> Option<&'static str> {
    let d = p.deprivation.as_ref()?;
    DEPRIVATION_STATUSES
        .get(s.slots[d.status_slot] as usize)
        .copied()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::Engine;
    use crate::policy::{LoadOptions, reform::Override};

    #[test]
    fn changes_are_classified_in_order() {
        let options = LoadOptions {
            as_of: Some("2025-06-01".into()),
        };
        let base = Policy::default_policy(&options).unwrap();
        let set: Override = "food_assistance_monthly=250000".parse().unwrap();
        let reform = base.with_overrides(&[set], "--set").unwrap();
        let w = CompareWriter::new(&base, &reform, Format::Csv);
        let e = Engine::new(&base);
        let mut b = e.scratch();
        let mut r = e.scratch();
        assert_eq!(w.change(&b, &r), Change::Same);
        r.programs[0].status = Status::Granted;
        assert_eq!(w.change(&b, &r), Change::Enters);
        assert_eq!(w.change(&r, &b), Change::Leaves);
        b.programs[0].status = Status::Granted;
        b.monthly_total = 10.0;
        r.monthly_total = 10.4;
        assert_eq!(
            w.change(&b, &r),
            Change::Same,
            "10.4 prints as 10: no change"
        );
        r.monthly_total = 10.5;
        assert_eq!(w.change(&b, &r), Change::Gains);
        assert_eq!(w.change(&r, &b), Change::Loses);
        r.monthly_total = 10.0;
        r.one_off_total = 1.0;
        assert_eq!(w.change(&b, &r), Change::Gains);
        r.one_off_total = 0.0;
        r.track = 1;
        assert_eq!(w.change(&b, &r), Change::ChangesTrack);
        r.track = 0;
        r.priority = 0.04;
        assert_eq!(w.change(&b, &r), Change::Same);
        r.priority = 0.06;
        assert_eq!(w.change(&b, &r), Change::ChangesOther);
    }

    #[test]
    fn rows_in_csv_and_json() {
        let base = Policy::default_policy(&LoadOptions {
            as_of: Some("2025-06-01".into()),
        })
        .unwrap();
        let e = Engine::new(&base);
        let mut b = e.scratch();
        let mut r = e.scratch();
        r.programs[0].status = Status::Granted;
        r.monthly_total = 250_000.0;
        b.priority = 1.25;
        let mut out = Vec::new();
        let csv = CompareWriter::new(&base, &base, Format::Csv);
        csv.begin(&mut out);
        csv.row(b"=H1", &b, &r, Change::Enters, &mut out);
        let text = String::from_utf8(out).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines[0], COMPARE_COLUMNS.join(","));
        let cells: Vec<&str> = lines[1].split(',').collect();
        assert_eq!(cells.len(), COMPARE_COLUMNS.len());
        assert_eq!(cells[0], "'=H1");
        assert_eq!(cells[4], base.programs[0].id);
        assert_eq!(&cells[5..8], ["0", "250000", "250000"]);
        assert_eq!(cells[10], "1.3");
        assert_eq!(cells[16], "enters");
        let mut out = Vec::new();
        let json = CompareWriter::new(&base, &base, Format::Ndjson);
        json.row(b"H1", &b, &r, Change::Enters, &mut out);
        let v: serde_json::Value = serde_json::from_slice(&out).unwrap();
        assert_eq!(v["reform_programs"][0], base.programs[0].id.as_str());
        assert_eq!(v["base_programs"], serde_json::json!([]));
        assert_eq!(v["monthly_change"], 250_000);
        assert_eq!(v["change"], "enters");
        assert_eq!(v.as_object().unwrap().len(), COMPARE_COLUMNS.len());
    }
}
