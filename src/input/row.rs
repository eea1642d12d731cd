//! The row parser: a record's cells to typed slots, or a reject saying where and why.

use super::{
    CELL_EXCERPT_BYTES, Fields, Layout, Reject, RejectCode, cell, excerpt, fingerprint, list_names,
};
use crate::policy::{InputType, Policy};

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
}

/// Input indices by kind of cell.
#[derive(Debug, Clone, Default)]
struct ByKind {
    text: Vec<usize>,
    integer: Vec<usize>,
    number: Vec<usize>,
    boolean: Vec<usize>,
    /// (input, enum id)
    enums: Vec<(usize, usize)>,
}

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
}

#[derive(Debug, Clone, Copy)]
enum CellKind {
    Text,
    Integer,
    Number,
    Bool,
    Enum(usize),
}

impl<'p> RowParser<'p> {
    pub fn new(policy: &'p Policy, layout: &'p Layout) -> RowParser<'p> {
        let plan: Vec<CellPlan> = policy
            .inputs
            .iter()
            .zip(&layout.columns)
            .map(|(inp, &column)| CellPlan {
                column,
                kind: match inp.ty {
                    InputType::Id | InputType::Text => CellKind::Text,
                    InputType::Integer => CellKind::Integer,
                    InputType::Number | InputType::Money => CellKind::Number,
                    InputType::Bool => CellKind::Bool,
                    InputType::Enum(e) => CellKind::Enum(usize::from(e)),
                },
                required: inp.required,
                default: inp.default,
                min: inp.min.unwrap_or(f64::NEG_INFINITY),
                max: inp.max.unwrap_or(f64::INFINITY),
            })
            .collect();
        let enums = policy
            .enums
            .iter()
            .map(|e| cell::EnumKeys::new(&e.values))
            .collect();
        let mut by_kind = ByKind::default();
        for (i, p) in plan.iter().enumerate() {
            match p.kind {
                CellKind::Text => by_kind.text.push(i),
                CellKind::Integer => by_kind.integer.push(i),
                CellKind::Number => by_kind.number.push(i),
                CellKind::Bool => by_kind.boolean.push(i),
                CellKind::Enum(e) => by_kind.enums.push((i, e)),
            }
        }
        RowParser {
            policy,
            layout,
            plan,
            enums,
            by_kind,
        }
    }

    pub fn layout(&self) -> &Layout {
        self.layout
    }

    /// The policy input read from file column `c`, or the column's position.
    fn column_name(&self, c: usize) -> String {
        self.layout
            .columns
            .iter()
            .position(|&col| col == Some(c))
            .map_or_else(
                || format!("column {}", c + 1),
                |i| self.policy.inputs[i].name.clone(),
            )
    }

    /// The raw id cell of a row (trimmed), when the row has the id column.
    pub fn id_cell<'r, R: Fields + ?Sized>(&self, record: &'r R) -> Option<&'r [u8]> {
        let col = self.layout.columns[self.policy.fields.id_input]?;
        record.get(col).map(cell::trim)
    }

    /// The trimmed text of a text input (its default when the column is missing).
    pub fn text<'r, R: Fields + ?Sized>(&'r self, record: &'r R, input: usize) -> &'r [u8] {
        match self.layout.columns[input].and_then(|c| record.get(c)) {
            Some(cell) => {
                let t = cell::trim(cell);
                if t.is_empty() {
                    self.policy.inputs[input].default_text.as_bytes()
                } else {
                    t
                }
            }
            None => self.policy.inputs[input].default_text.as_bytes(),
        }
    }

    /// The fingerprint by which the row claims its id, or `None` when it
    /// claims nothing (wrong number of fields, or an empty id).
    pub fn id_fingerprint<R: Fields + ?Sized>(&self, record: &R) -> Option<u128> {
        if record.len() != self.layout.field_count {
            return None;
        }
        match self.id_cell(record) {
            Some(id) if !id.is_empty() => Some(fingerprint(id)),
            _ => None,
        }
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

    /// Parse every input of `record` into `slots` and run the row checks.
    pub fn parse<R: Fields + ?Sized>(
        &self,
        record: &R,
        line: u64,
        slots: &mut [f64],
    ) -> Result<(), Box<Reject>> {
        if record.len() != self.layout.field_count {
            return Err(self.reject(
                record,
                line,
                String::new(),
                String::new(),
                RejectCode::FieldCount,
                format!(
                    "the row has {} {} but the header has {}",
                    record.len(),
                    if record.len() == 1 { "field" } else { "fields" },
                    self.layout.field_count
                ),
            ));
        }
        if record.byte_len() > self.layout.max_field_bytes {
            // Rare: find the first cell over the limit.
            if let Some((c, cell)) = (0..record.len())
                .filter_map(|c| Some((c, record.get(c)?)))
                .find(|(_, f)| f.len() > self.layout.max_field_bytes)
            {
                return Err(self.reject(
                    record,
                    line,
                    self.column_name(c),
                    excerpt(cell, 40),
                    RejectCode::FieldTooLong,
                    format!(
                        "a cell of {} bytes is longer than the limit of {} bytes (--max-field-bytes)",
                        cell.len(),
                        self.layout.max_field_bytes
                    ),
                ));
            }
        }
        if !self.parse_by_kind(record, slots) {
            // Something is wrong with the row: find the first input, in
            // declared order, that fails, for the reject.
            for (i, (plan, slot)) in self.plan.iter().zip(slots.iter_mut()).enumerate() {
                let raw = self.raw_cell(record, plan);
                match self.cell_value(plan, raw) {
                    Ok(v) => *slot = v,
                    Err(problem) => return Err(self.cell_reject(record, line, i, raw, problem)),
                }
            }
        }
        for check in &self.policy.checks {
            // An undefined check (NaN) fails too: a row is never let through unchecked.
            let v = check.rule.eval(slots);
            if v == 0.0 || v.is_nan() {
                let values: Vec<String> = check
                    .rule
                    .slots_used()
                    .iter()
                    .map(|&s| {
                        format!(
                            "{} = {}",
                            self.policy.slot_name(s),
                            self.policy.format_input_value(s, slots[s])
                        )
                    })
                    .collect();
                return Err(self.reject(
                    record,
                    line,
                    check.id.clone(),
                    values.join(", "),
                    RejectCode::CheckFailed,
                    format!("{} ({})", check.message, values.join(", ")),
                ));
            }
        }
        Ok(())
    }

    /// Every bad cell of a row that [`RowParser::parse`] rejected for one,
    /// in declared input order, after that first one (`layak validate`, which
    /// shows all of a row's problems so that a survey is fixed in one round).
    /// Nothing is added for a row rejected as a whole (field count, a cell
    /// over the size limit, a failed check).
    pub fn more_bad_cells<R: Fields + ?Sized>(
        &self,
        record: &R,
        line: u64,
        first: &Reject,
        out: &mut Vec<Reject>,
    ) {
        let per_cell = matches!(
            first.code,
            RejectCode::MissingRequired | RejectCode::InvalidValue | RejectCode::OutOfRange
        );
        if !per_cell || record.len() != self.layout.field_count {
            return;
        }
        let Some(after) = self
            .policy
            .inputs
            .iter()
            .position(|i| i.name == first.column)
        else {
            return;
        };
        for (i, plan) in self.plan.iter().enumerate().skip(after + 1) {
            let raw = self.raw_cell(record, plan);
            if let Err(problem) = self.cell_value(plan, raw) {
                out.push(*self.cell_reject(record, line, i, raw, problem));
            }
        }
    }

    /// For a trace of one row (`explain`, `policy test`): per input, whether
    /// it took its default (no column, or an empty cell), and its text as read.
    pub fn inputs_as_read<R: Fields + ?Sized>(&self, record: &R) -> (Vec<bool>, Vec<String>) {
        let inputs = self.policy.inputs.len();
        let defaulted = (0..inputs)
            .map(|i| {
                self.layout.columns[i]
                    .and_then(|c| record.get(c))
                    .is_none_or(|c| cell::trim(c).is_empty())
            })
            .collect();
        let texts = (0..inputs)
            .map(|i| String::from_utf8_lossy(self.text(record, i)).into_owned())
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
        if raw.is_empty() {
            return if plan.required {
                Err(None)
            } else {
                Ok(plan.default)
            };
        }
        let parsed = match plan.kind {
            CellKind::Text => cell::check_text(raw),
            CellKind::Integer => cell::parse_integer(raw),
            CellKind::Number => cell::parse_number(raw),
            CellKind::Bool => cell::parse_bool(raw),
            CellKind::Enum(e) => self.find_enum(e, raw),
        };
        match parsed {
            Ok(v) if v >= plan.min && v <= plan.max && v.is_finite() => Ok(v),
            other => Err(Some(other)),
        }
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
        self.fill(record, slots, &k.text, cell::check_text)
            && self.fill(record, slots, &k.integer, cell::parse_integer)
            && self.fill(record, slots, &k.number, cell::parse_number)
            && self.fill(record, slots, &k.boolean, cell::parse_bool)
            && k.enums
                .iter()
                .all(|&(i, e)| self.fill_one(record, slots, i, |raw| self.find_enum(e, raw)))
    }

    #[inline(always)]
    fn fill<R: Fields + ?Sized>(
        &self,
        record: &R,
        slots: &mut [f64],
        inputs: &[usize],
        parse: impl Fn(&[u8]) -> Result<f64, cell::CellError> + Copy,
    ) -> bool {
        inputs
            .iter()
            .all(|&i| self.fill_one(record, slots, i, parse))
    }

    #[inline(always)]
    fn fill_one<R: Fields + ?Sized>(
        &self,
        record: &R,
        slots: &mut [f64],
        i: usize,
        parse: impl Fn(&[u8]) -> Result<f64, cell::CellError>,
    ) -> bool {
        let (Some(plan), Some(slot)) = (self.plan.get(i), slots.get_mut(i)) else {
            return false;
        };
        let raw = self.raw_cell(record, plan);
        if raw.is_empty() {
            *slot = plan.default;
            return !plan.required;
        }
        match parse(raw) {
            Ok(v) if v >= plan.min && v <= plan.max && v.is_finite() => {
                *slot = v;
                true
            }
            _ => false,
        }
    }

    /// The reject for input `i`'s cell `raw`: empty (`parsed` is `None`), not
    /// a valid value, not finite, or out of range.
    #[cold]
    fn cell_reject<R: Fields + ?Sized>(
        &self,
        record: &R,
        line: u64,
        i: usize,
        raw: &[u8],
        parsed: Option<Result<f64, cell::CellError>>,
    ) -> Box<Reject> {
        let inp = &self.policy.inputs[i];
        let (value, code, message) = match parsed {
            None => (
                String::new(),
                RejectCode::MissingRequired,
                format!("`{}` is required but the cell is empty", inp.name),
            ),
            Some(Err(err)) => (lossy(raw), err.code(), self.invalid_message(i, raw, err)),
            Some(Ok(v)) if !v.is_finite() => (
                lossy(raw),
                RejectCode::OutOfRange,
                format!("`{}` is too large", excerpt(raw, CELL_EXCERPT_BYTES)),
            ),
            Some(Ok(v)) => (
                lossy(raw),
                RejectCode::OutOfRange,
                range_message(raw, inp.min, inp.max, v),
            ),
        };
        self.reject(record, line, inp.name.clone(), value, code, message)
    }

    fn invalid_message(&self, input: usize, raw: &[u8], err: cell::CellError) -> String {
        let v = excerpt(raw, CELL_EXCERPT_BYTES);
        match err {
            cell::CellError::NotInteger => {
                format!("`{v}` is not a whole number: expected ASCII digits only, e.g. 3")
            }
            cell::CellError::NotNumber => format!(
                "`{v}` is not a number: expected digits with an optional `.` and fraction, e.g. 1500000.50 (no thousands separators, signs or exponents)"
            ),
            cell::CellError::NotBool => format!(
                "`{v}` is not a yes/no value: expected true/false, yes/no, y/n, 1/0 or ya/tidak"
            ),
            cell::CellError::NotEnum => {
                let values = match self.policy.inputs[input].ty {
                    InputType::Enum(e) => list_names(&self.policy.enums[usize::from(e)].values),
                    _ => String::new(),
                };
                let hint = match self.policy.inputs[input].ty {
                    // A long cell is no typo of a value (and comparing it costs its length
                    // times each value's).
                    InputType::Enum(e) if raw.len() <= CELL_EXCERPT_BYTES => crate::expr::suggest(
                        &lossy(raw).to_lowercase(),
                        self.policy.enums[usize::from(e)]
                            .values
                            .iter()
                            .map(String::as_str),
                    )
                    .map(|s| format!(" (did you mean `{}`?)", excerpt(s.as_bytes(), 60)))
                    .unwrap_or_default(),
                    _ => String::new(),
                };
                format!("`{v}` is not an allowed value: expected one of {values}{hint}")
            }
            cell::CellError::NotUtf8 => format!("`{v}` is not valid UTF-8 text"),
            cell::CellError::Control => {
                format!("`{v}` holds a control character (such as NUL): expected printable text")
            }
        }
    }

    fn reject<R: Fields + ?Sized>(
        &self,
        record: &R,
        line: u64,
        column: String,
        value: String,
        code: RejectCode,
        message: String,
    ) -> Box<Reject> {
        Box::new(Reject {
            line,
            household_id: self.id_cell(record).map(lossy).unwrap_or_default(),
            column,
            value,
            code,
            message,
        })
    }
}

fn lossy(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

fn range_message(raw: &[u8], min: Option<f64>, max: Option<f64>, v: f64) -> String {
    let raw = excerpt(raw, CELL_EXCERPT_BYTES);
    match (min, max) {
        (Some(lo), _) if v < lo => format!("`{raw}` is out of range: must be ≥ {lo}"),
        (_, Some(hi)) => format!("`{raw}` is out of range: must be ≤ {hi}"),
        _ => format!("`{raw}` is out of range"),
    }
}
