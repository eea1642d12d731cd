//! The row parser: a record's cells to typed slots, or a reject saying where and why.

use super::{
    CELL_EXCERPT_BYTES, Fields, ID_SEPARATOR, Layout, Reject, RejectCode, cell, excerpt,
    fingerprint, ids, list_names,
};
use crate::policy::{Check, InputType, Policy};

mod line;
mod rejects;
mod steps;
mod values;

pub(crate) use line::LineMemo;
use steps::{ByKind, Step, fill, fill_one};

/// Parses rows into slots for one policy and layout. Cheap to share across threads.
#[derive(Debug, Clone)]
pub struct RowParser<'p> {
    policy: &'p Policy,
    layout: &'p Layout,
    /// What to do with each input's cell, in input order: the policy's
    /// inputs and the layout boiled down to what the row loop needs.
    plan: Vec<CellPlan>,
    /// Matchers for the policy's enums, by enum id.
    enums: Vec<cell::EnumKeys>,
    /// The inputs grouped by kind, for [`RowParser::parse_by_kind`].
    by_kind: ByKind,
    /// The household id is a composite key ([`Layout::id_parts`]): the id
    /// input is read from its parts, not from a column of its own.
    composite: bool,
    /// The profile's settings of the inputs that have some
    /// ([`Layout::cell_rules`]), compiled; [`CellPlan::custom`] indexes them.
    custom: Vec<CustomCell>,
    /// How each column of a line is read by [`RowParser::parse_line`]
    /// (`None`: some input needs more than a plain cell).
    line: Option<Vec<line::LineStep>>,
}

/// One input's profile settings, compiled for the row loop: matching a cell
/// against the missing-value codes or the value map is a packed-key lookup
/// ([`cell::EnumKeys`]), a number format a rewrite into a stack buffer.
#[derive(Debug, Clone)]
struct CustomCell {
    /// Cells that read as empty.
    missing: Option<cell::EnumKeys>,
    /// The value map's labels, and the value each reads as.
    map: Option<(cell::EnumKeys, Vec<f64>)>,
    number: Option<super::NumberFormat>,
    /// Date cells are `DD/MM/YYYY`.
    date_dmy: bool,
    /// The labels of the map, for messages.
    labels: Vec<String>,
}

/// [`CellPlan::custom`] of an input without profile settings.
const PLAIN: u16 = u16::MAX;

/// How one input is read from a row.
#[derive(Debug, Clone, Copy)]
struct CellPlan {
    column: Option<usize>,
    kind: CellKind,
    required: bool,
    default: f64,
    /// The allowed range (infinite when the policy sets no bound).
    min: f64,
    max: f64,
    /// Index of the input's [`CustomCell`], or [`PLAIN`].
    custom: u16,
}

#[derive(Debug, Clone, Copy)]
enum CellKind {
    Text,
    Integer,
    Number,
    Bool,
    Enum(usize),
    /// `YYYY-MM-DD` (or a profile's `DD/MM/YYYY`), as days since 1970-01-01.
    Date,
}

impl<'p> RowParser<'p> {
    pub fn new(policy: &'p Policy, layout: &'p Layout) -> RowParser<'p> {
        let mut custom = Vec::new();
        let mut plan: Vec<CellPlan> = policy
            .inputs
            .iter()
            .zip(&layout.columns)
            .map(|(inp, &column)| CellPlan {
                column,
                kind: match inp.ty {
                    InputType::Id | InputType::Text => CellKind::Text,
                    InputType::Integer => CellKind::Integer,
                    InputType::Date => CellKind::Date,
                    InputType::Number | InputType::Money => CellKind::Number,
                    InputType::Bool => CellKind::Bool,
                    InputType::Enum(e) => CellKind::Enum(usize::from(e)),
                },
                required: inp.required,
                default: inp.default,
                min: inp.min.unwrap_or(f64::NEG_INFINITY),
                max: inp.max.unwrap_or(f64::INFINITY),
                custom: PLAIN,
            })
            .collect();
        for (p, rules) in plan.iter_mut().zip(&layout.cell_rules) {
            let Some(rules) = rules else { continue };
            if custom.len() >= usize::from(PLAIN) {
                break;
            }
            p.custom = custom.len() as u16;
            let labels: Vec<String> = rules.values.iter().map(|(l, _)| l.clone()).collect();
            custom.push(CustomCell {
                missing: (!rules.missing.is_empty()).then(|| cell::EnumKeys::new(&rules.missing)),
                map: (!rules.values.is_empty()).then(|| {
                    (
                        cell::EnumKeys::new(&labels),
                        rules.values.iter().map(|&(_, v)| v).collect(),
                    )
                }),
                number: rules.number.clone(),
                date_dmy: rules.date_dmy,
                labels,
            });
        }
        let enums = policy
            .enums
            .iter()
            .map(|e| cell::EnumKeys::new(&e.values))
            .collect();
        let mut by_kind = ByKind::default();
        let composite = !layout.id_parts.is_empty();
        for (i, p) in plan.iter().enumerate() {
            if composite && i == policy.fields.id_input {
                // Read from its parts by `RowParser::parts_ok`.
                continue;
            }
            if p.custom != PLAIN {
                by_kind.custom.push(i);
                continue;
            }
            let Some(column) = p.column else {
                // An empty cell, always.
                match p.required {
                    true => by_kind.absent_required = true,
                    false => by_kind.absent.push((i, p.default)),
                }
                continue;
            };
            let step = Step {
                column,
                input: i,
                required: p.required,
                default: p.default,
                min: p.min,
                max: p.max,
            };
            match p.kind {
                CellKind::Text => by_kind.text.push(step),
                CellKind::Integer => by_kind.integer.push(step),
                CellKind::Number => by_kind.number.push(step),
                CellKind::Bool => by_kind.boolean.push(step),
                CellKind::Date => by_kind.dates.push(step),
                CellKind::Enum(e) => by_kind.enums.push((step, e)),
            }
        }
        let line = line::line_steps(
            &plan,
            layout.field_count,
            composite,
            !policy.text_tests.is_empty(),
        );
        RowParser {
            policy,
            layout,
            plan,
            enums,
            by_kind,
            composite,
            custom,
            line,
        }
    }

    pub fn layout(&self) -> &Layout {
        self.layout
    }

    /// The policy input read from file column `c`, else the name of the id
    /// part read from it, else the column's position.
    fn column_name(&self, c: usize) -> String {
        let input = self.layout.columns.iter().position(|&col| col == Some(c));
        let part = || self.layout.id_parts.iter().position(|&col| col == c);
        match (input, part()) {
            (Some(i), _) => self.policy.inputs[i].name.clone(),
            (None, Some(k)) => self.layout.id_part_names[k].clone(),
            (None, None) => format!("column {}", c + 1),
        }
    }

    /// The id's one column (`None` for a composite id).
    #[inline(always)]
    fn id_column(&self) -> Option<usize> {
        self.layout.columns[self.policy.fields.id_input]
    }

    /// Append the household id of `record` to `out`, as outputs, rejects and
    /// `explain --id` show it: the trimmed id cell, or for a composite id
    /// ([`Layout::id_parts`]) the trimmed parts joined by [`ID_SEPARATOR`]
    /// (`2020_000123`). Nothing is appended when the row lacks the id's cell
    /// (or one of its parts' cells), or when every part is empty.
    pub fn id_text<R: Fields + ?Sized>(&self, record: &R, out: &mut Vec<u8>) {
        if let Some(c) = self.id_column() {
            if let Some(cell) = record.get(c) {
                out.extend_from_slice(cell::trim(cell));
            }
            return;
        }
        let parts = &self.layout.id_parts;
        let part = |c: usize| record.get(c).map(cell::trim);
        if parts.iter().any(|&c| part(c).is_none()) || parts.iter().all(|&c| part(c) == Some(b"")) {
            // A short row, or no id at all (no parts, or every part empty).
            return;
        }
        for (k, &c) in parts.iter().enumerate() {
            if k > 0 {
                out.push(ID_SEPARATOR);
            }
            out.extend_from_slice(record.get(c).map_or(&b""[..], cell::trim));
        }
    }

    /// [`RowParser::id_text`] as a string (lossy UTF-8), for cold paths.
    pub fn id_string<R: Fields + ?Sized>(&self, record: &R) -> String {
        let mut out = Vec::new();
        self.id_text(record, &mut out);
        lossy(&out)
    }

    /// The household key of a row, for a stage that groups or matches rows by
    /// household (duplicate ids; persons to their household): when the row
    /// claims an id (the header's number of fields, and a non-empty id, or
    /// every part of a composite id non-empty), append its text as
    /// [`RowParser::id_text`] shows it to `out` and return its fingerprint
    /// ([`RowParser::id_fingerprint`]); otherwise append nothing and return
    /// `None`. Allocates nothing once `out` has grown: the per-row way to
    /// read the key.
    ///
    /// Two rows have the same household exactly when their fingerprints are
    /// equal (up to the 96-bit collision odds of [`super::IdSet`]): compare
    /// fingerprints, never the text, which can look alike for different
    /// composite keys when a part holds [`ID_SEPARATOR`].
    #[inline]
    pub fn id_key<R: Fields + ?Sized>(&self, record: &R, out: &mut Vec<u8>) -> Option<u128> {
        if record.len() != self.layout.field_count {
            return None;
        }
        if let Some(c) = self.id_column() {
            let id = record.get(c).map_or(&b""[..], cell::trim);
            if id.is_empty() {
                return None;
            }
            out.extend_from_slice(id);
            return Some(fingerprint(id));
        }
        // One pass writes the joined parts; the fingerprint reads them again
        // from the record (cheap: they are in cache), length-prefixed.
        let parts = &self.layout.id_parts;
        let start = out.len();
        for (k, &c) in parts.iter().enumerate() {
            let part = record.get(c).map_or(&b""[..], cell::trim);
            if part.is_empty() {
                out.truncate(start);
                return None;
            }
            if k > 0 {
                out.push(ID_SEPARATOR);
            }
            out.extend_from_slice(part);
        }
        if parts.is_empty() {
            return None;
        }
        let part = |k: usize| record.get(parts[k]).map_or(&b""[..], cell::trim);
        Some(ids::fingerprint_with(parts.len(), part))
    }

    /// The trimmed text of a text input (its default when the column is missing).
    pub fn text<'r, R: Fields + ?Sized>(&'r self, record: &'r R, input: usize) -> &'r [u8] {
        match self.layout.columns[input].and_then(|c| record.get(c)) {
            Some(cell) => {
                let t = cell::trim(cell);
                if t.is_empty() || self.is_missing_code(input, t) {
                    self.policy.inputs[input].default_text.as_bytes()
                } else {
                    t
                }
            }
            None => self.policy.inputs[input].default_text.as_bytes(),
        }
    }

    /// The fingerprint by which the row claims its id, or `None` when it
    /// claims nothing (wrong number of fields, or an empty id or id part).
    /// A composite id is fingerprinted from its parts
    /// ([`super::fingerprint_parts`]), so that `1`,`23` and `12`,`3` differ.
    pub fn id_fingerprint<R: Fields + ?Sized>(&self, record: &R) -> Option<u128> {
        if record.len() != self.layout.field_count {
            return None;
        }
        match self.id_column() {
            Some(c) => {
                let id = record.get(c).map_or(&b""[..], cell::trim);
                (!id.is_empty()).then(|| fingerprint(id))
            }
            None => self.parts_fingerprint(record),
        }
    }

    /// The fingerprint of a composite id's parts; `None` when a part is
    /// empty (or there are no parts).
    fn parts_fingerprint<R: Fields + ?Sized>(&self, record: &R) -> Option<u128> {
        let parts = &self.layout.id_parts;
        let part = |k: usize| record.get(parts[k]).map_or(&b""[..], cell::trim);
        if parts.is_empty() || (0..parts.len()).any(|k| part(k).is_empty()) {
            return None;
        }
        Some(ids::fingerprint_with(parts.len(), part))
    }

    /// The reject for a row whose id `id` was claimed on line `first`.
    pub fn duplicate_reject(&self, line: u64, id: &[u8], first: u64) -> Reject {
        Reject {
            line,
            household_id: lossy(id),
            column: self.policy.inputs[self.policy.fields.id_input].name.clone(),
            value: lossy(id),
            code: RejectCode::DuplicateId,
            message: format!(
                "`{}` already appeared on line {first}",
                excerpt(id, CELL_EXCERPT_BYTES)
            ),
        }
    }

    /// True when `reject` happened at an input declared before the id input,
    /// so it takes precedence over a duplicate id.
    pub fn failed_before_id(&self, reject: &Reject) -> bool {
        if reject.code == RejectCode::FieldCount {
            return true;
        }
        let id = self.policy.fields.id_input;
        self.policy.inputs[..id]
            .iter()
            .any(|i| i.name == reject.column)
    }

    /// The longest a cell may be (`--max-field-bytes`).
    pub(crate) fn max_field_bytes(&self) -> usize {
        self.layout.max_field_bytes
    }

    /// Parse every input of `record` into `slots` and run the row checks.
    pub fn parse<R: Fields + ?Sized>(
        &self,
        record: &R,
        line: u64,
        slots: &mut [f64],
    ) -> Result<(), Box<Reject>> {
        if record.len() != self.layout.field_count {
            return Err(self.field_count_reject(record, line));
        }
        if record.byte_len() > self.layout.max_field_bytes {
            self.check_cell_lengths(record, line)?;
        }
        if !self.parse_by_kind(record, slots) {
            self.parse_in_declared_order(record, line, slots)?;
        }
        // Text inputs that expressions test: one bit per test (sorted by
        // input then bit, so an input's bit 0 comes first and clears it).
        for t in &self.policy.text_tests {
            let holds = t.holds(self.text(record, t.input));
            if let Some(slot) = slots.get_mut(t.input) {
                if t.bit == 0 {
                    *slot = 0.0;
                }
                if holds {
                    *slot += (1u64 << t.bit) as f64;
                }
            }
        }
        for check in &self.policy.checks {
            // An undefined check (NaN) fails too: a row is never let through unchecked.
            let v = check.rule.eval(slots);
            if v == 0.0 || v.is_nan() {
                return Err(self.check_reject(record, line, check, slots));
            }
        }
        Ok(())
    }

    /// Something is wrong with the row: parse the inputs one by one, in
    /// declared order, so that the reject names the first one that fails.
    #[cold]
    fn parse_in_declared_order<R: Fields + ?Sized>(
        &self,
        record: &R,
        line: u64,
        slots: &mut [f64],
    ) -> Result<(), Box<Reject>> {
        for (i, (plan, slot)) in self.plan.iter().zip(slots.iter_mut()).enumerate() {
            if self.composite && i == self.policy.fields.id_input {
                if let Some((k, raw, problem)) = self.bad_parts(record).next() {
                    return Err(self.part_reject(record, line, k, raw, problem));
                }
                *slot = 0.0;
                continue;
            }
            if let Some(v) = typed(record, plan) {
                *slot = v;
                continue;
            }
            let raw = self.raw_cell(record, plan);
            match self.cell_value(plan, raw) {
                Ok(v) => *slot = v,
                Err(problem) => return Err(self.cell_reject(record, line, i, raw, problem)),
            }
        }
        Ok(())
    }

    /// For a trace of one row (`explain`, `policy test`): per input, whether
    /// it took its default (no column, or an empty cell), and its text as read.
    pub fn inputs_as_read<R: Fields + ?Sized>(&self, record: &R) -> (Vec<bool>, Vec<String>) {
        let inputs = self.policy.inputs.len();
        let id = self.policy.fields.id_input;
        let composite = |i: usize| self.composite && i == id;
        let defaulted = (0..inputs)
            .map(|i| {
                !composite(i)
                    && self.layout.columns[i]
                        .and_then(|c| record.get(c))
                        .is_none_or(|c| {
                            let t = cell::trim(c);
                            t.is_empty() || self.is_missing_code(i, t)
                        })
            })
            .collect();
        let texts = (0..inputs)
            .map(|i| match composite(i) {
                true => self.id_string(record),
                false => String::from_utf8_lossy(self.text(record, i)).into_owned(),
            })
            .collect();
        (defaulted, texts)
    }

    /// The value input `input` takes from its trimmed cell `raw`, exactly as
    /// [`RowParser::parse`] reads it (its default when empty and optional);
    /// `None` when the parser would reject the cell. For reading one cell of
    /// a row the parser rejected for another (its `--by` group).
    pub fn input_value(&self, input: usize, raw: &[u8]) -> Option<f64> {
        self.plan
            .get(input)
            .and_then(|plan| self.cell_value(plan, raw).ok())
    }

    /// One cell's value (its default when empty), or what is wrong with it
    /// as [`RowParser::cell_reject`] takes it (`None`: empty but required).
    #[allow(clippy::type_complexity)]
    fn cell_value(
        &self,
        plan: &CellPlan,
        raw: &[u8],
    ) -> Result<f64, Option<Result<f64, cell::CellError>>> {
        let custom = self.custom.get(usize::from(plan.custom));
        let missing = || {
            custom
                .and_then(|c| c.missing.as_ref())
                .is_some_and(|m| m.find(raw).is_ok())
        };
        if raw.is_empty() || missing() {
            return if plan.required {
                Err(None)
            } else {
                Ok(plan.default)
            };
        }
        let parsed = match custom {
            Some(c) => self.custom_parse(plan, c, raw),
            None => self.plain_parse(plan.kind, raw),
        };
        match parsed {
            Ok(v) if v >= plan.min && v <= plan.max && v.is_finite() => Ok(v),
            other => Err(Some(other)),
        }
    }

    #[inline(always)]
    fn plain_parse(&self, kind: CellKind, raw: &[u8]) -> Result<f64, cell::CellError> {
        match kind {
            CellKind::Text => cell::check_text(raw),
            CellKind::Integer => cell::parse_integer(raw),
            CellKind::Number => cell::parse_number(raw),
            CellKind::Bool => cell::parse_bool(raw),
            CellKind::Enum(e) => self.find_enum(e, raw),
            CellKind::Date => cell::parse_date(raw),
        }
    }

    /// A non-empty cell of an input with profile settings: a label of the
    /// value map, else a number in the declared format, else as any cell.
    #[inline]
    fn custom_parse(
        &self,
        plan: &CellPlan,
        custom: &CustomCell,
        raw: &[u8],
    ) -> Result<f64, cell::CellError> {
        if let Some((keys, values)) = &custom.map {
            if let Ok(k) = keys.find(raw) {
                return values
                    .get(k as usize)
                    .copied()
                    .ok_or(cell::CellError::NotEnum);
            }
        }
        match (&custom.number, plan.kind) {
            (Some(format), CellKind::Integer | CellKind::Number) => {
                let mut buf = [0u8; super::profile::CANONICAL_BYTES];
                let canonical = format
                    .canonical(raw, &mut buf)
                    .ok_or(cell::CellError::NotFormatted)?;
                match plan.kind {
                    CellKind::Integer => cell::parse_integer(canonical),
                    _ => cell::parse_number(canonical),
                }
            }
            (_, CellKind::Date) if custom.date_dmy => crate::expr::dates::parse_dmy(raw)
                .map(|d| d as f64)
                .ok_or(cell::CellError::NotDate),
            _ => self.plain_parse(plan.kind, raw),
        }
    }

    /// Whether the trimmed cell `raw` of input `input` is one of the
    /// profile's missing-value codes for it.
    #[inline]
    fn is_missing_code(&self, input: usize, raw: &[u8]) -> bool {
        self.plan
            .get(input)
            .and_then(|p| self.custom.get(usize::from(p.custom)))
            .and_then(|c| c.missing.as_ref())
            .is_some_and(|m| m.find(raw).is_ok())
    }

    #[inline(always)]
    fn raw_cell<'r, R: Fields + ?Sized>(&self, record: &'r R, plan: &CellPlan) -> &'r [u8] {
        match plan.column {
            Some(c) => record.get(c).map_or(&b""[..], cell::trim),
            None => &b""[..],
        }
    }

    #[inline]
    fn find_enum(&self, e: usize, raw: &[u8]) -> Result<f64, cell::CellError> {
        match self.enums.get(e) {
            Some(keys) => keys.find(raw),
            None => Err(cell::CellError::NotEnum),
        }
    }

    /// Fill the slots of every input, one kind at a time (a loop per parser
    /// instead of a jump on each cell's kind); false at the first cell that
    /// is missing, invalid or out of range, whose reject the caller then finds.
    #[inline]
    fn parse_by_kind<R: Fields + ?Sized>(&self, record: &R, slots: &mut [f64]) -> bool {
        let k = &self.by_kind;
        !k.absent_required
            && (!self.composite || self.parts_ok(record, slots))
            && fill(record, slots, &k.text, cell::check_text)
            && fill(record, slots, &k.integer, cell::parse_integer)
            && fill(record, slots, &k.number, cell::parse_number)
            && fill(record, slots, &k.boolean, cell::parse_bool)
            && fill(record, slots, &k.dates, cell::parse_date)
            && k.enums
                .iter()
                .all(|(step, e)| fill_one(record, slots, step, |raw| self.find_enum(*e, raw)))
            && k.absent.iter().all(|&(i, default)| match slots.get_mut(i) {
                Some(slot) => {
                    *slot = default;
                    true
                }
                None => false,
            })
            && (k.custom.is_empty() || self.fill_custom(record, slots))
    }

    /// Fill the slots of the inputs with profile settings.
    #[inline(never)]
    fn fill_custom<R: Fields + ?Sized>(&self, record: &R, slots: &mut [f64]) -> bool {
        self.by_kind.custom.iter().all(|&i| {
            let (Some(plan), Some(slot)) = (self.plan.get(i), slots.get_mut(i)) else {
                return false;
            };
            if let Some(v) = typed(record, plan) {
                *slot = v;
                return true;
            }
            match self.cell_value(plan, self.raw_cell(record, plan)) {
                Ok(v) => {
                    *slot = v;
                    true
                }
                Err(_) => false,
            }
        })
    }

    /// Whether every part of a composite id is non-empty valid text; the id
    /// input's slot is then filled (as any text input's: 0).
    #[inline(never)]
    fn parts_ok<R: Fields + ?Sized>(&self, record: &R, slots: &mut [f64]) -> bool {
        let ok = self.bad_parts(record).next().is_none();
        if let Some(slot) = slots.get_mut(self.policy.fields.id_input) {
            *slot = 0.0;
        }
        ok
    }
}

/// The value of an input's cell held as a value ([`Fields::typed`]): the
/// source took it only where the input's parser accepts its text, in range.
#[inline(always)]
fn typed<R: Fields + ?Sized>(record: &R, plan: &CellPlan) -> Option<f64> {
    plan.column.and_then(|c| record.typed(c))
}

fn lossy(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}
