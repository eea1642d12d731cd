//! A household's reduced values: checked ([`Persons::check`]), as values
//! ([`Persons::reduced`]) and as the cell texts a household file would hold
//! ([`Persons::write_cell`], [`Persons::finish`]).

use super::Persons;
use super::{Acc, Dec, Output, ReduceProblem, ReduceProblemKind, Reducer, ReducerKind, Reduction};

/// A supplied input's reduced value, as [`Persons::write_cell`] writes it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Reduced {
    /// `count`: digits.
    Count(u64),
    /// `any` / `all`: `true` / `false`.
    Flag(bool),
    /// An exact decimal of plain person inputs.
    Exact(Dec),
    /// A computed value, written as its reducer's output says.
    Float(f64),
    /// `min` / `max` that matched no person: the input's default text.
    IfNone,
}

impl Persons {
    /// The first problem of the reduction `r`, in `supplied` order: the
    /// problem [`Persons::finish`] returns.
    pub fn check(&self, r: &Reduction) -> Result<(), ReduceProblem> {
        for (red, acc) in self.reducers.iter().zip(&r.accs) {
            problem(red, acc)?;
        }
        Ok(())
    }

    /// The value of the `k`-th supplied input after a [`Persons::check`]
    /// without problem.
    #[inline]
    pub(crate) fn reduced(&self, r: &Reduction, k: usize) -> Option<Reduced> {
        Some(reduced(self.reducers.get(k)?, r.accs.get(k)?))
    }

    /// Every supplied input's value and output, in `supplied` order, after
    /// a [`Persons::check`] without problem.
    #[inline]
    pub(crate) fn each_reduced<'a>(
        &'a self,
        r: &'a Reduction,
    ) -> impl Iterator<Item = (Reduced, &'a Output)> + 'a {
        self.reducers
            .iter()
            .zip(&r.accs)
            .map(|(red, acc)| (reduced(red, acc), &red.output))
    }

    /// The output of the `k`-th supplied input's reducer.
    pub(crate) fn output(&self, k: usize) -> Option<&Output> {
        self.reducers.get(k).map(|red| &red.output)
    }

    /// Write the cell text of the `k`-th supplied input after a
    /// [`Persons::check`] without problem, exactly as a household file would
    /// hold the value (integers without a decimal point, money as an exact
    /// decimal, booleans `true`/`false`, enum values by name).
    pub fn write_cell(&self, r: &Reduction, k: usize, out: &mut Vec<u8>) {
        let (Some(red), Some(value)) = (self.reducers.get(k), self.reduced(r, k)) else {
            return;
        };
        match value {
            Reduced::Count(n) => crate::numfmt::write_u64(n, out),
            Reduced::Flag(b) => write_bool(b, out),
            Reduced::IfNone => out.extend_from_slice(red.if_none.as_deref().unwrap_or_default()),
            Reduced::Exact(d) => {
                d.write(out);
            }
            Reduced::Float(v) => {
                write_value(&red.output, v, out);
            }
        }
    }

    /// Write the cell text of every supplied input, in `supplied` order,
    /// into `out` (cleared first; `out.len() == supplied.len()`), as
    /// [`Persons::write_cell`] does. The first problem, in `supplied` order,
    /// is returned (and nothing written).
    pub fn finish(&self, r: &Reduction, out: &mut [Vec<u8>]) -> Result<(), ReduceProblem> {
        for cell in out.iter_mut() {
            cell.clear();
        }
        self.check(r)?;
        for (k, cell) in out.iter_mut().enumerate().take(self.reducers.len()) {
            self.write_cell(r, k, cell);
        }
        Ok(())
    }
}

#[inline(always)]
fn reduced(red: &Reducer, acc: &Acc) -> Reduced {
    match red.kind {
        ReducerKind::Count => Reduced::Count(acc.count),
        ReducerKind::Any | ReducerKind::All => Reduced::Flag(acc.flag),
        ReducerKind::Min | ReducerKind::Max if acc.count == 0 => Reduced::IfNone,
        _ if red.plain.is_some() => Reduced::Exact(acc.exact),
        _ => Reduced::Float(acc.float),
    }
}

/// Why `red` gives no value for the household whose state is `acc`.
#[inline]
fn problem(red: &Reducer, acc: &Acc) -> Result<(), ReduceProblem> {
    let problem = |kind: ReduceProblemKind, persons: Vec<u32>, message: String| {
        Err(ReduceProblem {
            input: red.input,
            kind,
            persons,
            message,
        })
    };
    let cond = red.condition.as_deref().unwrap_or("");
    match red.kind {
        ReducerKind::Count | ReducerKind::Any | ReducerKind::All => Ok(()),
        ReducerKind::One if acc.count == 0 => problem(
            ReduceProblemKind::NoMatch,
            Vec::new(),
            format!("{}: no person matches `{cond}`", red.name),
        ),
        ReducerKind::One if acc.count > 1 => problem(
            ReduceProblemKind::SeveralMatch,
            acc.matches.clone(),
            format!(
                "{}: {} persons match `{cond}`, where exactly one must",
                red.name, acc.count
            ),
        ),
        ReducerKind::Min | ReducerKind::Max if acc.count == 0 => match &red.if_none {
            Some(_) => Ok(()),
            None => {
                let message = match &red.condition {
                    Some(c) => format!("{}: no person matches `{c}`", red.name),
                    None => format!("{}: the household has no person", red.name),
                };
                problem(ReduceProblemKind::NoMatch, Vec::new(), message)
            }
        },
        _ => {
            let writes = if red.plain.is_some() {
                !acc.overflow
            } else {
                writes_value(&red.output, acc.float)
            };
            if writes {
                return Ok(());
            }
            problem(
                ReduceProblemKind::Undefined,
                Vec::new(),
                format!(
                    "{}: `{}` gives no finite value for this household (too large)",
                    red.name, red.source
                ),
            )
        }
    }
}

fn write_bool(b: bool, out: &mut Vec<u8>) {
    out.extend_from_slice(if b { b"true" } else { b"false" });
}

/// Whether [`write_value`] writes `v`: finite (and a value of its enum).
fn writes_value(output: &Output, v: f64) -> bool {
    v.is_finite()
        && match output {
            Output::Enum(names) => v >= 0.0 && (v as usize) < names.len(),
            Output::Bool | Output::Integer | Output::Decimal => true,
        }
}

/// Write a computed value that [`writes_value`].
fn write_value(output: &Output, v: f64, out: &mut Vec<u8>) {
    if !writes_value(output, v) {
        return;
    }
    match output {
        Output::Bool => write_bool(v != 0.0, out),
        Output::Enum(names) => {
            if let Some(name) = names.get(v as usize) {
                out.extend_from_slice(name.as_bytes());
            }
        }
        Output::Integer | Output::Decimal => crate::numfmt::write_shortest(v, out),
    }
}
