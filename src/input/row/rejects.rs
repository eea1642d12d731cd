//! The row parser's rejects: which cell of a row is wrong, and the
//! message that says why (the slow path, once a row fails).

use super::*;

impl RowParser<'_> {
    /// The reject of a row whose number of fields is not the header's.
    #[cold]
    pub(super) fn field_count_reject<R: Fields + ?Sized>(
        &self,
        record: &R,
        line: u64,
    ) -> Box<Reject> {
        self.reject(
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
        )
    }

    /// Rare: the row is longer than the cell limit, so find the first cell
    /// over the limit, if there is one.
    #[cold]
    pub(super) fn check_cell_lengths<R: Fields + ?Sized>(
        &self,
        record: &R,
        line: u64,
    ) -> Result<(), Box<Reject>> {
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
                    "a cell of {} bytes is longer than the limit of {} bytes",
                    cell.len(),
                    self.layout.max_field_bytes
                ),
            ));
        }
        Ok(())
    }

    /// The reject of a row that fails `check`, with the values the check used.
    #[cold]
    pub(super) fn check_reject<R: Fields + ?Sized>(
        &self,
        record: &R,
        line: u64,
        check: &Check,
        slots: &[f64],
    ) -> Box<Reject> {
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
        self.reject(
            record,
            line,
            check.id.clone(),
            values.join(", "),
            RejectCode::CheckFailed,
            format!("{} ({})", check.message, values.join(", ")),
        )
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
        let id = self.policy.fields.id_input;
        // The first problem at a part of a composite id: the later parts, then
        // the inputs after the id.
        let at_part = self
            .layout
            .id_part_names
            .iter()
            .position(|n| *n == first.column);
        let after = match at_part {
            Some(k) => {
                for (j, raw, problem) in self.bad_parts(record).filter(|(j, ..)| *j > k) {
                    out.push(*self.part_reject(record, line, j, raw, problem));
                }
                id
            }
            None => match self
                .policy
                .inputs
                .iter()
                .position(|i| i.name == first.column)
            {
                Some(after) => after,
                None => return,
            },
        };
        for (i, plan) in self.plan.iter().enumerate().skip(after + 1) {
            if self.composite && i == id {
                for (k, raw, problem) in self.bad_parts(record) {
                    out.push(*self.part_reject(record, line, k, raw, problem));
                }
                continue;
            }
            if typed(record, plan).is_some() {
                continue;
            }
            let raw = self.raw_cell(record, plan);
            if let Err(problem) = self.cell_value(plan, raw) {
                out.push(*self.cell_reject(record, line, i, raw, problem));
            }
        }
    }

    /// The parts of a composite id that are empty (`None`) or not valid text,
    /// in order: (part, trimmed cell, problem as [`RowParser::cell_value`]
    /// gives it).
    pub(super) fn bad_parts<'r, R: Fields + ?Sized>(
        &self,
        record: &'r R,
    ) -> impl Iterator<Item = (usize, &'r [u8], Option<Result<f64, cell::CellError>>)> {
        self.layout
            .id_parts
            .iter()
            .enumerate()
            .filter_map(move |(k, &c)| {
                let raw = record.get(c).map_or(&b""[..], cell::trim);
                if raw.is_empty() {
                    return Some((k, raw, None));
                }
                match cell::check_text(raw) {
                    Ok(_) => None,
                    Err(e) => Some((k, raw, Some(Err(e)))),
                }
            })
    }

    /// The reject for part `k` of a composite id: empty, or not valid text.
    #[cold]
    pub(super) fn part_reject<R: Fields + ?Sized>(
        &self,
        record: &R,
        line: u64,
        k: usize,
        raw: &[u8],
        parsed: Option<Result<f64, cell::CellError>>,
    ) -> Box<Reject> {
        let name = &self.layout.id_part_names[k];
        let id = &self.policy.inputs[self.policy.fields.id_input].name;
        let (value, code, message) = match parsed {
            Some(Err(err)) => (
                lossy(raw),
                err.code(),
                self.invalid_message(self.policy.fields.id_input, raw, err),
            ),
            _ => (
                String::new(),
                RejectCode::MissingRequired,
                format!(
                    "`{name}` is part of the household id (`{id}`) and is required, but the cell is empty"
                ),
            ),
        };
        self.reject(record, line, name.clone(), value, code, message)
    }

    /// The reject for input `i`'s cell `raw`: empty (`parsed` is `None`), not
    /// a valid value, not finite, or out of range.
    #[cold]
    pub(super) fn cell_reject<R: Fields + ?Sized>(
        &self,
        record: &R,
        line: u64,
        i: usize,
        raw: &[u8],
        parsed: Option<Result<f64, cell::CellError>>,
    ) -> Box<Reject> {
        let inp = &self.policy.inputs[i];
        let (value, code, message) = match parsed {
            None if raw.is_empty() => (
                String::new(),
                RejectCode::MissingRequired,
                format!("`{}` is required but the cell is empty", inp.name),
            ),
            None => (
                lossy(raw),
                RejectCode::MissingRequired,
                format!(
                    "`{}` is required but the cell holds `{}`, a missing-value code of the profile",
                    inp.name,
                    excerpt(raw, CELL_EXCERPT_BYTES)
                ),
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
            cell::CellError::NotDate => {
                let dmy = self
                    .plan
                    .get(input)
                    .and_then(|p| self.custom.get(usize::from(p.custom)))
                    .is_some_and(|c| c.date_dmy);
                if dmy {
                    format!(
                        "`{v}` is not a date: expected DD/MM/YYYY (the profile's date format), e.g. 31/03/2025"
                    )
                } else {
                    format!("`{v}` is not a date: expected YYYY-MM-DD, e.g. 2025-03-31")
                }
            }
            cell::CellError::NotNumber => format!(
                "`{v}` is not a number: expected digits with an optional `.` and fraction, e.g. 1500000.50 (no thousands separators, signs or exponents)"
            ),
            cell::CellError::NotBool => {
                let mapped = self
                    .plan
                    .get(input)
                    .and_then(|p| self.custom.get(usize::from(p.custom)))
                    .filter(|c| !c.labels.is_empty())
                    .map(|c| format!(" (or, by the profile, {})", list_names(&c.labels)))
                    .unwrap_or_default();
                format!(
                    "`{v}` is not a yes/no value: expected true/false, yes/no, y/n, 1/0 or ya/tidak{mapped}"
                )
            }
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
                let mapped = self
                    .plan
                    .get(input)
                    .and_then(|p| self.custom.get(usize::from(p.custom)))
                    .filter(|c| !c.labels.is_empty())
                    .map(|c| format!(" (or, by the profile, {})", list_names(&c.labels)))
                    .unwrap_or_default();
                format!("`{v}` is not an allowed value: expected one of {values}{mapped}{hint}")
            }
            cell::CellError::NotFormatted => {
                let format = self
                    .plan
                    .get(input)
                    .and_then(|p| self.custom.get(usize::from(p.custom)))
                    .and_then(|c| c.number.as_ref());
                match format {
                    Some(f) => format!(
                        "`{v}` does not fit the profile's number format ({}), e.g. {}",
                        f.describe(),
                        f.example()
                    ),
                    None => format!("`{v}` is not a number"),
                }
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
            household_id: self.id_string(record),
            column,
            value,
            code,
            message,
        })
    }
}

fn range_message(raw: &[u8], min: Option<f64>, max: Option<f64>, v: f64) -> String {
    let raw = excerpt(raw, CELL_EXCERPT_BYTES);
    match (min, max) {
        (Some(lo), _) if v < lo => format!("`{raw}` is out of range: must be ≥ {lo}"),
        (_, Some(hi)) => format!("`{raw}` is out of range: must be ≤ {hi}"),
        _ => format!("`{raw}` is out of range"),
    }
}
