//! A sheet row's cell types against what the policy's inputs take: a
//! formula error, a date for a number or a number for a label is a reject.

use super::*;

/// What a policy expects of each column of a sheet, to reject cells whose
/// type their text would hide. Built once per run.
#[derive(Debug, Clone)]
pub struct SheetCheck {
    /// The used columns, in column order.
    columns: Vec<(usize, Expect)>,
    field_count: usize,
    /// For ordering rejects as the row parser does: the inputs' names, the
    /// id input, the id parts' names and the weight column's name.
    inputs: Vec<String>,
    id_input: usize,
    parts: Vec<String>,
    weight: Option<String>,
    enums: Vec<Vec<String>>,
}

#[derive(Debug, Clone)]
struct Expect {
    /// Order of the row parser's checks: 1 + the input's index; the weight last.
    key: usize,
    name: String,
    want: Want,
}

#[derive(Debug, Clone, Copy)]
enum Want {
    Text,
    Number,
    Bool,
    Enum { input: usize, labels: usize },
}

/// What is wrong with a cell.
#[derive(Debug, Clone, Copy)]
enum Problem {
    FormulaError(&'static str),
    DateForNumber,
    NumberForLabel(usize),
}

impl SheetCheck {
    pub fn new(policy: &Policy, layout: &Layout) -> SheetCheck {
        let mut by_column: Vec<Option<Expect>> = vec![None; layout.field_count];
        let mut set = |c: usize, e: Expect| {
            if let Some(slot) = by_column.get_mut(c) {
                *slot = Some(e);
            }
        };
        for (i, (input, column)) in policy.inputs.iter().zip(&layout.columns).enumerate() {
            let Some(c) = *column else { continue };
            let want = match input.ty {
                InputType::Id | InputType::Text | InputType::Date => Want::Text,
                InputType::Integer | InputType::Number | InputType::Money => Want::Number,
                InputType::Bool => Want::Bool,
                InputType::Enum(e) => Want::Enum {
                    input: i,
                    labels: usize::from(e),
                },
            };
            set(
                c,
                Expect {
                    key: i + 1,
                    name: input.name.clone(),
                    want,
                },
            );
        }
        let id_input = policy.fields.id_input;
        for (&c, name) in layout.id_parts.iter().zip(&layout.id_part_names) {
            set(
                c,
                Expect {
                    key: id_input + 1,
                    name: name.clone(),
                    want: Want::Text,
                },
            );
        }
        if let Some(w) = &layout.weight {
            set(
                w.index,
                Expect {
                    key: usize::MAX,
                    name: w.name.clone(),
                    want: Want::Number,
                },
            );
        }
        SheetCheck {
            columns: by_column
                .into_iter()
                .enumerate()
                .filter_map(|(c, e)| Some((c, e?)))
                .collect(),
            field_count: layout.field_count,
            inputs: policy.inputs.iter().map(|i| i.name.clone()).collect(),
            id_input,
            parts: layout.id_part_names.clone(),
            weight: layout.weight.as_ref().map(|w| w.name.clone()),
            enums: policy.enums.iter().map(|e| e.values.clone()).collect(),
        }
    }

    /// The problems of a row's cells, in column order.
    fn problems<'s>(
        &'s self,
        parser: &'s RowParser<'_>,
        row: &'s SheetRow,
    ) -> impl Iterator<Item = (usize, &'s Expect, Problem)> + 's {
        self.columns.iter().filter_map(move |(c, expect)| {
            let problem = match (row.cell_type(*c)?, expect.want) {
                (CellType::Error(e), _) => Problem::FormulaError(e),
                (CellType::Date, Want::Number) => Problem::DateForNumber,
                (CellType::Number, Want::Enum { input, labels }) => {
                    let cell = crate::input::cell::trim(row.get(*c)?);
                    if parser.input_value(input, cell).is_some() {
                        // The number is one of the labels.
                        return None;
                    }
                    Problem::NumberForLabel(labels)
                }
                _ => return None,
            };
            Some((*c, expect, problem))
        })
    }

    /// The reject of a row whose cells' types are wrong for the policy, or
    /// `None` (the row is read as its text is). Of a cell type problem and
    /// the row parser's own reject, the one the parser would have met first
    /// wins (the number of fields, then the inputs in declared order).
    /// `slots` is scratch space.
    pub fn reject(
        &self,
        parser: &RowParser<'_>,
        row: &SheetRow,
        slots: &mut [f64],
    ) -> Option<Box<Reject>> {
        if row.len() != self.field_count {
            return None;
        }
        let (c, expect, problem) = self.first_problem(parser, row)?;
        if let Err(r) = parser.parse(row, row.line, slots) {
            if self.key_of(&r) < expect.key {
                return Some(r);
            }
        }
        Some(Box::new(
            self.problem_reject(parser, row, c, expect, problem),
        ))
    }

    fn first_problem<'s>(
        &'s self,
        parser: &'s RowParser<'_>,
        row: &'s SheetRow,
    ) -> Option<(usize, &'s Expect, Problem)> {
        let mut first: Option<(usize, &Expect, Problem)> = None;
        for p in self.problems(parser, row) {
            if first.is_none_or(|f| p.1.key < f.1.key) {
                first = Some(p);
            }
        }
        first
    }

    /// `layak validate`: after the row's first reject `first`, `more` holds
    /// the parser's further problems; put each cell type problem in place of
    /// what the parser made of its cell, in the parser's order.
    pub fn more_problems(
        &self,
        parser: &RowParser<'_>,
        row: &SheetRow,
        first: &Reject,
        more: &mut Vec<Reject>,
    ) {
        if row.len() != self.field_count {
            return;
        }
        let first_key = self.key_of(first);
        let problems: Vec<_> = self.problems(parser, row).collect();
        if problems.is_empty() {
            return;
        }
        more.retain(|r| !problems.iter().any(|(_, e, _)| e.name == r.column));
        for &(c, expect, problem) in &problems {
            if expect.key >= first_key && expect.name != first.column {
                more.push(self.problem_reject(parser, row, c, expect, problem));
            }
        }
        more.sort_by_key(|r| self.key_of(r));
    }

    /// Where the row parser meets the problem of `reject` (see [`Expect::key`]).
    fn key_of(&self, reject: &Reject) -> usize {
        if matches!(
            reject.code,
            RejectCode::FieldCount | RejectCode::FieldTooLong
        ) {
            return 0;
        }
        if let Some(i) = self.inputs.iter().position(|n| *n == reject.column) {
            return i + 1;
        }
        if self.parts.contains(&reject.column) {
            return self.id_input + 1;
        }
        if self.weight.as_deref() == Some(reject.column.as_str()) {
            return usize::MAX;
        }
        // A row check: after every input.
        self.inputs.len() + 1
    }

    fn problem_reject(
        &self,
        parser: &RowParser<'_>,
        row: &SheetRow,
        c: usize,
        expect: &Expect,
        problem: Problem,
    ) -> Reject {
        let shown = crate::input::excerpt(row.get(c).unwrap_or_default(), 100);
        let (value, message) = match problem {
            Problem::FormulaError("") => (
                String::new(),
                "the cell's formula has no value (an error, or an empty result): fix the formula in the workbook or clear the cell".to_string(),
            ),
            Problem::FormulaError(e) => (
                e.to_string(),
                format!(
                    "the cell holds the formula error {e}, not a value: fix the formula in the workbook or clear the cell"
                ),
            ),
            Problem::DateForNumber => (
                String::from_utf8_lossy(row.get(c).unwrap_or_default()).into_owned(),
                format!(
                    "a date cell where a number is expected (`{shown}`): format the column as numbers in the workbook"
                ),
            ),
            Problem::NumberForLabel(labels) => (
                String::from_utf8_lossy(row.get(c).unwrap_or_default()).into_owned(),
                format!(
                    "a number cell (`{shown}`) where a label is expected: one of {}",
                    crate::input::list_names(self.enums.get(labels).map_or(&[][..], Vec::as_slice))
                ),
            ),
        };
        Reject {
            line: row.line,
            household_id: parser.id_string(row),
            column: expect.name.clone(),
            value,
            code: RejectCode::InvalidValue,
            message,
        }
    }
}
