//! The person side of a policy: person inputs and the reducers that turn a
//! household's persons into household inputs (`from_persons = 'count(age <= 6)'`).
//!
//! INTERFACE (issue 18): the policy checker builds a [`Persons`] when the
//! policy declares `[[person_inputs]]`; the pipeline reads each person row
//! with a [`crate::input::RowParser`] over [`Persons::schema`], folds the
//! parsed persons of one household with [`Persons::add`], checks them with
//! [`Persons::check`] and hands each supplied household cell to the
//! household row parser as if a household file held its text
//! ([`Persons::write_cell`], [`Persons::finish`]): the decision is then
//! exactly the household file's, field for field. Where that text would
//! surely read back to the reduced value, the pipeline hands the value
//! instead and writes the text only if something asks for it.
//!
//! Changes to the lead's stub (all additions, no signature changed):
//! [`Persons::reducers`] (one [`Reducer`] per supplied input, in `supplied`
//! order, with its kind and its text as written, for `explain`),
//! [`ReducerKind`], and the meaning of an empty `number` cell (0: not
//! numbered, see [`Persons::number`]).
//!
//! Exactness: a sum, minimum, maximum or `one` of a plain integer, number or
//! money person input is computed on the persons' cell texts as exact
//! decimals (`i128` scaled integers), never through `f64`, and written
//! without exponent; anything computed goes through `f64` and is written in
//! the shortest form that reads back to the same value.
//! Folding a person allocates nothing once a [`Reduction`] has been used for
//! a household (the matching persons of `one` are kept in a reused buffer).

mod dec;
mod finish;
mod memo;

use std::cmp::Ordering;

pub(crate) use dec::Dec;
pub(crate) use finish::Reduced;
pub(crate) use memo::MemoFolds;

/// A person's cell texts by person input, for the reducers that read a
/// cell's text (exact sums): a closure, or a reader's own type whose
/// method is always inlined (a closure called from deep in the fold may
/// stay a call).
pub(crate) trait PersonCells<'r> {
    fn text(&self, i: usize) -> &'r [u8];
}

impl<'r, F: Fn(usize) -> &'r [u8] + ?Sized> PersonCells<'r> for F {
    #[inline(always)]
    fn text(&self, i: usize) -> &'r [u8] {
        self(i)
    }
}

use super::Policy;
use crate::expr::{Arena, Program, Root};

/// The person inputs of a policy and its reducers.
#[derive(Debug, Clone)]
pub struct Persons {
    /// An inputs-only policy for person rows (inputs, enums, checks), so that
    /// a person file is read, typed and checked like a household file. Its
    /// `fields.id_input` is the household key: the person input with the
    /// household id input's name (implicitly declared when not written).
    pub schema: Box<Policy>,
    /// The input of `schema` that numbers persons within their household
    /// (`[persons] number = "person_no"`), if any: a repeat is a reject.
    /// It is an integer input that may be optional (neither `required` nor
    /// a default): an empty cell then reads 0, "not numbered", and is never
    /// a repeat.
    pub number: Option<usize>,
    /// Household inputs (indices in the household policy's `inputs`) whose
    /// value the persons supply, in declared order; [`Persons::finish`]
    /// writes their cells in this order.
    pub supplied: Vec<usize>,
    /// The reducer of each supplied input, in `supplied` order.
    pub reducers: Vec<Reducer>,
    /// For each person input, its default as an exact decimal (the value of
    /// an empty cell), when it is a number.
    pub(crate) cell_defaults: Vec<Option<Dec>>,
    /// Every reducer's programs, built knowing which person inputs hold
    /// whole numbers (as the engine builds a household's).
    pub(crate) arena: Arena,
    /// The person inputs some [`Table`] reads, with their domains: the
    /// smallest value and the number of values.
    pub(crate) domains: Vec<(usize, f64, u32)>,
    /// The reducers compiled for [`Persons::add`] ([`Plan::new`]).
    pub(crate) plan: Plan,
}

/// Which reducer a `from_persons` expression calls.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReducerKind {
    /// `count()` / `count(COND)`: the number of (matching) persons.
    Count,
    /// `sum(EXPR [where COND])`.
    Sum,
    /// `min(EXPR [where COND])`: the household input's default when no person matches.
    Min,
    /// `max(EXPR [where COND])`: as `min`.
    Max,
    /// `any(COND)`: false for no person.
    Any,
    /// `all(COND)`: true for no person.
    All,
    /// `one(EXPR where COND)`: the value of the one matching person.
    One,
}

impl ReducerKind {
    /// Every reducer, in the order the documentation lists them.
    pub const ALL: [ReducerKind; 7] = [
        ReducerKind::Count,
        ReducerKind::Sum,
        ReducerKind::Min,
        ReducerKind::Max,
        ReducerKind::Any,
        ReducerKind::All,
        ReducerKind::One,
    ];

    /// The name written in policy files.
    pub fn keyword(self) -> &'static str {
        match self {
            ReducerKind::Count => "count",
            ReducerKind::Sum => "sum",
            ReducerKind::Min => "min",
            ReducerKind::Max => "max",
            ReducerKind::Any => "any",
            ReducerKind::All => "all",
            ReducerKind::One => "one",
        }
    }

    /// The reducer called `name`, if any.
    pub fn from_keyword(name: &str) -> Option<ReducerKind> {
        ReducerKind::ALL.into_iter().find(|k| k.keyword() == name)
    }
}

/// How a reduced value is written as a household cell.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Output {
    /// Digits, no decimal point.
    Integer,
    /// An exact decimal (money, number), no exponent.
    Decimal,
    /// `true` / `false`.
    Bool,
    /// The name of the person enum's value (checked at load to exist in the
    /// household input's enum), by the value's index.
    Enum(Vec<String>),
}

/// One household input computed from the persons.
#[derive(Debug, Clone)]
pub struct Reducer {
    /// The household input (index in the household policy's `inputs`).
    pub input: usize,
    pub kind: ReducerKind,
    /// The whole `from_persons` text, spaces collapsed (`count(age <= 6)`).
    pub source: String,
    /// The condition as written, spaces collapsed, if any: the `where`
    /// part, or the argument of `count`, `any` and `all`.
    pub condition: Option<String>,
    /// The household input's name, for messages.
    pub(crate) name: String,
    /// EXPR (`sum`, `min`, `max`, `one`) or COND (`any`, `all`).
    pub(crate) value: Option<Program>,
    /// COND of `count(COND)` and of `where COND`.
    pub(crate) when: Option<Program>,
    /// `value` and `when` in [`Persons::arena`].
    pub(crate) value_root: Option<Root>,
    pub(crate) when_root: Option<Root>,
    /// `value` and `when` tabulated, when they read only small whole inputs.
    pub(crate) value_table: Option<Table>,
    pub(crate) when_table: Option<Table>,
    /// EXPR is this plain person input, read exactly from its cell text.
    pub(crate) plain: Option<usize>,
    pub(crate) output: Output,
    /// The cell text when `min`/`max` matches no person: the household
    /// input's default (`None`: the input is required, so it is a problem).
    pub(crate) if_none: Option<Vec<u8>>,
}

/// At most this many matching persons are listed in a `SeveralMatch` problem.
const MATCHES_KEPT: usize = 20;

/// A program that reads only inputs of a few whole values (a bounded
/// integer such as an age, a boolean, an enum), evaluated at load for every
/// combination of them: a person's value is then one lookup.
#[derive(Debug, Clone)]
pub(crate) struct Table {
    /// Per slot read: the slot and its stride in `values`.
    dims: Vec<(usize, usize)>,
    values: Vec<f64>,
}

/// The most entries a [`Table`] may have.
pub(crate) const TABLE_ENTRIES: usize = 4096;

/// Not in its input's domain (see [`Persons::domains`]).
const OUTSIDE: u32 = u32::MAX;

impl Table {
    /// Tabulate `program` when every slot it reads has a domain in
    /// `domains` (smallest value, number of values) and the combinations
    /// are at most [`TABLE_ENTRIES`]; `width` is the row's slot count.
    pub(crate) fn build(
        program: &Program,
        domains: &[Option<(f64, u32)>],
        width: usize,
    ) -> Option<Table> {
        let mut dims = Vec::new();
        let mut ranges = Vec::new();
        let mut entries = 1usize;
        for &slot in program.slots_used() {
            let (lo, n) = domains.get(slot).copied().flatten()?;
            dims.push((slot, entries));
            ranges.push((lo, n as usize));
            entries = entries
                .checked_mul(n as usize)
                .filter(|&e| e <= TABLE_ENTRIES)?;
        }
        let mut row = vec![0.0; width];
        let values = (0..entries)
            .map(|index| {
                for (&(slot, stride), &(lo, n)) in dims.iter().zip(&ranges) {
                    row[slot] = lo + ((index / stride) % n) as f64;
                }
                program.eval(&row)
            })
            .collect();
        Some(Table { dims, values })
    }

    /// The slots it reads.
    pub(crate) fn slots(&self) -> impl Iterator<Item = usize> + '_ {
        self.dims.iter().map(|&(slot, _)| slot)
    }
}

/// The reducers compiled for the per-person loop of [`Persons::add`]: what
/// each reducer reads and how it folds is decided once here, not per person,
/// and every table's dimensions and values sit in two flat arrays.
#[derive(Debug, Clone, Default)]
pub(crate) struct Plan {
    /// One per reducer, in `reducers` order.
    steps: Vec<Step>,
    /// The (slot, stride) of every table, one table after the other.
    dims: Vec<(u32, u32)>,
    /// The values of every table, one table after the other.
    values: Vec<f64>,
    /// The steps [`Persons::add`] folds in loops of their own when every
    /// input a table reads is inside it (the usual person): `count()`,
    /// `count(COND)` of a table of one input (reducer, slot, first value,
    /// program), of two (reducer, slots, stride, first value, program), and
    /// the others.
    counts_all: Vec<usize>,
    counts1: Vec<(usize, u32, u32, Root)>,
    counts2: Vec<Count2>,
    others: Vec<usize>,
    /// `counts1` and `counts2` as one table, when it is small enough.
    fused: Option<FusedCounts>,
    /// No step evaluates a program for a person inside every table: then
    /// nothing can come close to a threshold.
    tabulated: bool,
}

/// The `count(COND)`s of tables of one and two inputs ([`Plan::counts1`],
/// [`Plan::counts2`]) in one table over every input they read: a person
/// inside it takes one lookup for all of them (their conditions mostly
/// read the same inputs: an age, with a flag or not), not one each.
#[derive(Debug, Clone, Default)]
struct FusedCounts {
    /// (slot, stride) of each input read.
    dims: Vec<(u32, u32)>,
    /// Per combination of the inputs' positions: bit `j` set when the
    /// condition of reducer `reducers[j]` holds.
    masks: Vec<u64>,
    reducers: Vec<usize>,
}

/// A count of a table for [`FusedCounts::new`]: reducer, (slot, stride)
/// of each input read, first value in [`Plan::values`], number of values.
type CountTable = (usize, Vec<(u32, u32)>, usize, usize);

impl FusedCounts {
    /// The fused table of `counts`, whose values are in `values`; `None`
    /// when they are more than 64 or their inputs have more than
    /// [`TABLE_ENTRIES`] combinations.
    fn new(counts: &[CountTable], values: &[f64]) -> Option<Self> {
        if counts.is_empty() || counts.len() > 64 {
            return None;
        }
        // Each input's number of values: a table's first input's is its
        // second's stride (or its size), the second's its size over that.
        let mut sizes: Vec<(u32, u32)> = Vec::new();
        for (_, dims, _, len) in counts {
            let n = match dims[..] {
                [(a, _)] => vec![(a, u32::try_from(*len).ok()?)],
                [(a, _), (b, stride)] if stride > 0 => {
                    vec![(a, stride), (b, u32::try_from(len / stride as usize).ok()?)]
                }
                _ => return None,
            };
            for (slot, size) in n {
                match sizes.iter().find(|s| s.0 == slot) {
                    Some(&(_, known)) if known != size => return None,
                    Some(_) => {}
                    None => sizes.push((slot, size)),
                }
            }
        }
        let mut dims = Vec::with_capacity(sizes.len());
        let mut entries = 1usize;
        for &(slot, size) in &sizes {
            dims.push((slot, u32::try_from(entries).ok()?));
            entries = entries
                .checked_mul(size as usize)
                .filter(|&e| e <= TABLE_ENTRIES)?;
        }
        let masks = (0..entries)
            .map(|index| {
                let at = |slot: u32| {
                    let k = sizes.iter().position(|s| s.0 == slot).unwrap_or(0);
                    (index / dims[k].1 as usize) % sizes[k].1 as usize
                };
                counts
                    .iter()
                    .enumerate()
                    .fold(0u64, |mask, (j, (_, table, first, _))| {
                        let i = first
                            + table
                                .iter()
                                .map(|&(slot, stride)| at(slot) * stride as usize)
                                .sum::<usize>();
                        let holds = values.get(i).is_some_and(|&v| v != 0.0);
                        mask | (u64::from(holds) << j)
                    })
            })
            .collect();
        Some(FusedCounts {
            dims,
            masks,
            reducers: counts.iter().map(|c| c.0).collect(),
        })
    }
}

/// A `count(COND)` of a table of two inputs in a [`Plan`]: reducer, slots,
/// stride, first value, program.
type Count2 = (usize, (u32, u32), u32, u32, Root);

/// One reducer in a [`Plan`].
#[derive(Debug, Clone, Copy)]
struct Step {
    when: Src,
    value: Src,
    fold: Fold,
}

/// A reducer's condition or value in a [`Plan`].
#[derive(Debug, Clone, Copy)]
enum Src {
    /// No program: 1 for a missing condition (every person matches), NaN
    /// for a missing value (never read).
    Const(f64),
    /// A table of one input (the usual condition: an age bound, a flag, an
    /// enum value): the value at `values` + the input's position in
    /// [`Plan::values`]; the program when the input lies outside the table.
    Table1 {
        slot: u32,
        values: u32,
        root: Root,
    },
    /// A table of two inputs, the second's position times `stride`.
    Table2 {
        slots: (u32, u32),
        stride: u32,
        values: u32,
        root: Root,
    },
    /// A table of more inputs: its dimensions `dims[dims.0..dims.1]`.
    Table {
        dims: (u32, u32),
        values: u32,
        root: Root,
    },
    Arena(Root),
}

/// How a person's condition and value change a reducer's [`Acc`].
#[derive(Debug, Clone, Copy)]
enum Fold {
    Count,
    Any,
    All,
    /// `sum`, `min`, `max` or `one` of this plain person input, exactly.
    Exact(ReducerKind, usize),
    /// `sum`, `min`, `max` or `one` of a computed value.
    Float(ReducerKind),
}

impl Plan {
    pub(crate) fn new(reducers: &[Reducer]) -> Plan {
        let mut plan = Plan::default();
        let mut steps = Vec::with_capacity(reducers.len());
        for red in reducers {
            let when = plan.src(&red.when_table, red.when_root, 1.0);
            // An exact fold reads the cell's text, not the value.
            let value = match red.plain {
                Some(_) => Src::Const(f64::NAN),
                None => plan.src(&red.value_table, red.value_root, f64::NAN),
            };
            let fold = match (red.kind, red.plain) {
                (ReducerKind::Count, _) => Fold::Count,
                (ReducerKind::Any, _) => Fold::Any,
                (ReducerKind::All, _) => Fold::All,
                (kind, Some(i)) => Fold::Exact(kind, i),
                (kind, None) => Fold::Float(kind),
            };
            let k = steps.len();
            match (fold, when) {
                (Fold::Count, Src::Const(c)) if c != 0.0 => plan.counts_all.push(k),
                (Fold::Count, Src::Table1 { slot, values, root }) => {
                    plan.counts1.push((k, slot, values, root));
                }
                (
                    Fold::Count,
                    Src::Table2 {
                        slots,
                        stride,
                        values,
                        root,
                    },
                ) => plan.counts2.push((k, slots, stride, values, root)),
                _ => plan.others.push(k),
            }
            steps.push(Step { when, value, fold });
        }
        let size = |k: usize| {
            reducers
                .get(k)
                .and_then(|r| r.when_table.as_ref())
                .map_or(0, |t| t.values.len())
        };
        let counts: Vec<CountTable> = plan
            .counts1
            .iter()
            .map(|&(k, slot, values, _)| (k, vec![(slot, 1)], values as usize, size(k)))
            .chain(plan.counts2.iter().map(|&(k, (a, b), stride, values, _)| {
                (k, vec![(a, 1), (b, stride)], values as usize, size(k))
            }))
            .collect();
        plan.fused = FusedCounts::new(&counts, &plan.values);
        plan.tabulated = steps
            .iter()
            .all(|s| !matches!(s.when, Src::Arena(_)) && !matches!(s.value, Src::Arena(_)));
        plan.steps = steps;
        plan
    }

    /// Whether the counts are looked up in one fused table.
    #[cfg(test)]
    pub(crate) fn has_fused_counts(&self) -> bool {
        self.fused.is_some()
    }

    fn src(&mut self, table: &Option<Table>, root: Option<Root>, none: f64) -> Src {
        let Some(root) = root else {
            return Src::Const(none);
        };
        let Some(table) = table else {
            return Src::Arena(root);
        };
        let flat = (
            u32::try_from(self.dims.len()).ok(),
            u32::try_from(self.dims.len() + table.dims.len()).ok(),
            u32::try_from(self.values.len()).ok(),
        );
        let dims: Option<Vec<(u32, u32)>> = table
            .dims
            .iter()
            .map(|&(slot, stride)| Some((u32::try_from(slot).ok()?, u32::try_from(stride).ok()?)))
            .collect();
        match (flat, dims) {
            ((Some(first), Some(end), Some(values)), Some(dims)) => {
                self.values.extend_from_slice(&table.values);
                // The first dimension's stride is 1 (see `Table::build`).
                match dims[..] {
                    [(slot, 1)] => Src::Table1 { slot, values, root },
                    [(a, 1), (b, stride)] => Src::Table2 {
                        slots: (a, b),
                        stride,
                        values,
                        root,
                    },
                    _ => {
                        self.dims.extend(dims);
                        Src::Table {
                            dims: (first, end),
                            values,
                            root,
                        }
                    }
                }
            }
            _ => Src::Arena(root),
        }
    }

    /// The value of a table of one input for a person whose inputs'
    /// positions in their domains are `at` (see [`Persons::add`]), or `None`
    /// when it is outside.
    #[inline(always)]
    fn lookup1(&self, slot: u32, values: u32, at: &[u32]) -> Option<f64> {
        let k = *at.get(slot as usize)?;
        if k == OUTSIDE {
            return None;
        }
        self.values.get(values as usize + k as usize).copied()
    }

    /// As [`Plan::lookup1`], for a table of two inputs.
    #[inline(always)]
    fn lookup2(&self, slots: (u32, u32), stride: u32, values: u32, at: &[u32]) -> Option<f64> {
        let (a, b) = (*at.get(slots.0 as usize)?, *at.get(slots.1 as usize)?);
        if a == OUTSIDE || b == OUTSIDE {
            return None;
        }
        let index = values as usize + a as usize + b as usize * stride as usize;
        self.values.get(index).copied()
    }

    /// As [`Plan::lookup1`], for a table of any number of inputs.
    #[inline(always)]
    fn lookup(&self, dims: (u32, u32), values: u32, at: &[u32]) -> Option<f64> {
        let mut index = values as usize;
        for &(slot, stride) in self.dims.get(dims.0 as usize..dims.1 as usize)? {
            let k = *at.get(slot as usize)?;
            if k == OUTSIDE {
                return None;
            }
            index += k as usize * stride as usize;
        }
        self.values.get(index).copied()
    }
}

/// One reducer's running state for one household.
#[derive(Debug, Clone, Default)]
struct Acc {
    /// Matching persons.
    count: u64,
    /// Exact sum / minimum / maximum / value (plain inputs).
    exact: Dec,
    /// The same, computed in `f64`.
    float: f64,
    /// `any` / `all`.
    flag: bool,
    /// An exact value did not fit, or a cell did not read as a decimal.
    overflow: bool,
    /// `one`: the first matching persons (0-based).
    matches: Vec<u32>,
}

/// One household's running reduction; reused from household to household.
#[derive(Debug, Clone, Default)]
pub struct Reduction {
    /// Persons folded in so far.
    pub persons: u32,
    accs: Vec<Acc>,
    /// The current person's condition and value of each reducer.
    values: Vec<f64>,
    /// The current person's inputs' positions in their domains.
    at: Vec<u32>,
    /// The slots come from a parser that keeps every input of
    /// [`Persons::domains`] inside its domain ([`Reduction::trust_domains`]).
    trusted: bool,
    /// Every plain input that an exact fold reads was read from its cell
    /// by the plain cell grammar ([`Reduction::read_plainly`]).
    plain: bool,
}

impl Reduction {
    /// Take each input's position in its domain without checking it: the
    /// caller's parser never gives a value outside (see
    /// `RowParser::always_within`).
    pub(crate) fn trust_domains(&mut self) {
        self.trusted = true;
    }

    /// Every plain input of an exact fold (`sum`, `min`, `max`, `one`) is
    /// read from its cell by the plain cell grammar (no profile setting: no
    /// label, missing code or number format), so that a fold may take a
    /// whole value from its slot rather than read the text again
    /// ([`Dec::whole_as_read`]).
    pub(crate) fn read_plainly(&mut self) {
        self.plain = true;
    }
}

/// Why a household's persons give no value for a supplied input.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReduceProblem {
    /// The household input (index in the household policy's `inputs`).
    pub input: usize,
    pub kind: ReduceProblemKind,
    /// The persons concerned (0-based, in the order they were added): the
    /// matching ones for `SeveralMatch` (at most 20).
    pub persons: Vec<u32>,
    /// A complete sentence for the reject's reason, naming the input and the
    /// condition as written in the policy.
    pub message: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReduceProblemKind {
    /// `one(...)`: no person matches the condition (also `min`/`max` of a
    /// required input when no person matches).
    NoMatch,
    /// `one(...)`: more than one person matches the condition.
    SeveralMatch,
    /// The value is not a finite number (e.g. a sum that overflows).
    Undefined,
}

impl Persons {
    /// A fresh reduction for this policy.
    pub fn start(&self) -> Reduction {
        let mut r = Reduction {
            persons: 0,
            accs: vec![Acc::default(); self.reducers.len()],
            values: vec![0.0; 2 * self.reducers.len()],
            at: vec![OUTSIDE; self.schema.slot_count],
            trusted: false,
            plain: false,
        };
        self.reset(&mut r);
        r
    }

    /// Empty `r` for the next household, keeping its buffers.
    pub fn reset(&self, r: &mut Reduction) {
        r.persons = 0;
        r.accs.resize_with(self.reducers.len(), Acc::default);
        for (acc, red) in r.accs.iter_mut().zip(&self.reducers) {
            acc.count = 0;
            acc.exact = Dec::ZERO;
            acc.float = 0.0;
            acc.flag = red.kind == ReducerKind::All;
            acc.overflow = false;
            acc.matches.clear();
        }
    }

    /// Fold in one person: `slots` as [`crate::input::RowParser::parse`]
    /// filled them for `schema`, `cell(i)` the trimmed raw text of person
    /// input `i` (for exact money sums and for copying a value verbatim);
    /// an empty cell stands for the input's default.
    pub fn add<'r>(&self, r: &mut Reduction, slots: &[f64], cell: &dyn Fn(usize) -> &'r [u8]) {
        // A mark left by an earlier evaluation on this thread counts as this
        // person's (as it always has): every value again, exactly.
        let stale = crate::expr::exact::take_close();
        self.add_marked(r, slots, cell, stale);
    }

    /// [`Persons::add`] once the close mark was taken (`stale`).
    fn add_marked<'r>(
        &self,
        r: &mut Reduction,
        slots: &[f64],
        cell: &dyn Fn(usize) -> &'r [u8],
        stale: bool,
    ) {
        let steps = &self.plan.steps;
        if r.accs.len() != steps.len() || r.values.len() != 2 * steps.len() {
            self.reset(r);
            r.values.resize(2 * steps.len(), 0.0);
        }
        let person = r.persons;
        r.persons = r.persons.saturating_add(1);
        let inside = self.positions(slots, &mut r.at, r.trusted);
        if inside && self.plan.tabulated && !stale {
            self.add_tabulated(r, person, slots, cell);
            return;
        }
        // Every condition and value first; if one came within rounding
        // error of a threshold, all again, exactly.
        let at = &r.at;
        for (step, v) in steps.iter().zip(r.values.chunks_exact_mut(2)) {
            v[0] = self.value_of(step.when, at, slots);
            v[1] = self.value_of(step.value, at, slots);
        }
        if stale || crate::expr::exact::take_close() {
            for (red, v) in self.reducers.iter().zip(r.values.chunks_exact_mut(2)) {
                v[0] = red.when.as_ref().map_or(1.0, |p| p.eval(slots));
                v[1] = red.value.as_ref().map_or(f64::NAN, |p| p.eval(slots));
            }
        }
        let read = if r.plain { slots } else { &[] };
        for ((acc, step), v) in r.accs.iter_mut().zip(steps).zip(r.values.chunks_exact(2)) {
            self.fold(step.fold, acc, person, (v[0], v[1]), read, cell);
        }
    }

    /// Each input of [`Persons::domains`] as its position in its domain
    /// into `at` (resized to the slots), [`OUTSIDE`] when it is not a whole
    /// position; `trusted`: the parser never gives a value outside
    /// ([`Reduction::trust_domains`]), so none is checked. Whether every
    /// input is inside.
    #[inline(always)]
    fn positions(&self, slots: &[f64], at: &mut Vec<u32>, trusted: bool) -> bool {
        at.resize(slots.len(), OUTSIDE);
        let at = &mut at[..];
        if trusted {
            for &(slot, lo, _) in &self.domains {
                if let (Some(&v), Some(at)) = (slots.get(slot), at.get_mut(slot)) {
                    *at = (v - lo) as u32;
                }
            }
            return true;
        }
        let mut inside = true;
        for &(slot, lo, n) in &self.domains {
            let (Some(&v), Some(at)) = (slots.get(slot), at.get_mut(slot)) else {
                inside = false;
                continue;
            };
            // A whole position below `n`: the cast saturates (NaN gives 0),
            // so that it reads back as `k` exactly when it is one.
            let k = v - lo;
            let i = k as u32;
            *at = if f64::from(i) == k && i < n {
                i
            } else {
                inside = false;
                OUTSIDE
            };
        }
        inside
    }

    /// [`Persons::add`] for a person inside every table of a plan without
    /// programs: no value can come close to a threshold, so each is folded
    /// as it is looked up, the counts in loops of their own.
    fn add_tabulated<'r>(
        &self,
        r: &mut Reduction,
        person: u32,
        slots: &[f64],
        cell: &dyn Fn(usize) -> &'r [u8],
    ) {
        let plan = &self.plan;
        let (at, accs) = (&r.at[..], &mut r.accs[..]);
        let read = if r.plain { slots } else { &[] };
        for &k in &plan.counts_all {
            if let Some(acc) = accs.get_mut(k) {
                acc.count += 1;
            }
        }
        // Every input is inside its table (the caller checked), so the
        // fused table has this person, unless there is none.
        let mask = plan.fused.as_ref().and_then(|fused| {
            let index = fused
                .dims
                .iter()
                .try_fold(0usize, |index, &(slot, stride)| {
                    let k = *at.get(slot as usize)?;
                    Some(index + k as usize * stride as usize)
                })?;
            Some((fused, *fused.masks.get(index)?))
        });
        if let Some((fused, mask)) = mask {
            for (j, &k) in fused.reducers.iter().enumerate() {
                if let Some(acc) = accs.get_mut(k) {
                    acc.count += (mask >> j) & 1;
                }
            }
        }
        for &(k, slot, values, root) in plan.counts1.iter().filter(|_| mask.is_none()) {
            let v = plan
                .lookup1(slot, values, at)
                .unwrap_or_else(|| self.program(root, slots));
            if let Some(acc) = accs.get_mut(k) {
                acc.count += u64::from(v != 0.0);
            }
        }
        for &(k, pair, stride, values, root) in plan.counts2.iter().filter(|_| mask.is_none()) {
            let v = plan
                .lookup2(pair, stride, values, at)
                .unwrap_or_else(|| self.program(root, slots));
            if let Some(acc) = accs.get_mut(k) {
                acc.count += u64::from(v != 0.0);
            }
        }
        for &k in &plan.others {
            let (Some(step), Some(acc)) = (plan.steps.get(k), accs.get_mut(k)) else {
                continue;
            };
            let when = self.value_of(step.when, at, slots);
            let value = self.value_of(step.value, at, slots);
            self.fold(step.fold, acc, person, (when, value), read, cell);
        }
    }

    /// Fold one person's condition `when` and value `value` into `acc`;
    /// `read`: the slots when the plain cell grammar read them
    /// ([`Reduction::read_plainly`]), else empty.
    #[inline(always)]
    fn fold<'r, C: PersonCells<'r> + ?Sized>(
        &self,
        fold: Fold,
        acc: &mut Acc,
        person: u32,
        (when, value): (f64, f64),
        read: &[f64],
        cell: &C,
    ) {
        let matched = when != 0.0;
        // `sum`, `min`, `max` and `one` see only the matching persons.
        let take = |kind: ReducerKind, acc: &mut Acc| {
            acc.count += 1;
            if kind == ReducerKind::One && acc.matches.len() < MATCHES_KEPT {
                acc.matches.push(person);
            }
        };
        match fold {
            Fold::Count => acc.count += u64::from(matched),
            Fold::Any => acc.flag |= value != 0.0,
            Fold::All => acc.flag &= value != 0.0,
            Fold::Exact(kind, i) if matched => {
                take(kind, acc);
                self.fold_exact(kind, acc, i, cell.text(i), read.get(i).copied());
            }
            Fold::Float(kind) if matched => {
                take(kind, acc);
                fold_float(kind, acc, value);
            }
            Fold::Exact(..) | Fold::Float(_) => {}
        }
    }

    /// A condition's or value's value for the person whose positions are
    /// `at` and slots `slots`: small and inlined, the program out of line.
    #[inline(always)]
    fn value_of(&self, src: Src, at: &[u32], slots: &[f64]) -> f64 {
        let (tabulated, root) = match src {
            Src::Const(c) => return c,
            Src::Table1 { slot, values, root } => (self.plan.lookup1(slot, values, at), root),
            Src::Table2 {
                slots: pair,
                stride,
                values,
                root,
            } => (self.plan.lookup2(pair, stride, values, at), root),
            Src::Table { dims, values, root } => (self.plan.lookup(dims, values, at), root),
            Src::Arena(root) => (None, root),
        };
        match tabulated {
            Some(v) => v,
            None => self.program(root, slots),
        }
    }

    #[inline(never)]
    fn program(&self, root: Root, slots: &[f64]) -> f64 {
        self.arena.eval(root, slots)
    }

    /// Fold the exact value of plain person input `i` whose cell is `text`;
    /// `read`: its slot's value when the plain cell grammar read it.
    fn fold_exact(
        &self,
        kind: ReducerKind,
        acc: &mut Acc,
        i: usize,
        text: &[u8],
        read: Option<f64>,
    ) {
        let whole = match read {
            Some(v) if !text.is_empty() => Dec::whole_as_read(v, text.len()),
            _ => None,
        };
        let value = if let Some(d) = whole {
            Some(d)
        } else if text.is_empty() {
            self.cell_defaults.get(i).copied().flatten()
        } else {
            Dec::parse(text)
        };
        let Some(d) = value else {
            acc.overflow = true;
            return;
        };
        let first = acc.count == 1;
        match kind {
            ReducerKind::Sum => match acc.exact.checked_add(d) {
                Some(s) => acc.exact = s,
                None => acc.overflow = true,
            },
            ReducerKind::Min | ReducerKind::Max => {
                let replace = first
                    || match d.checked_cmp(acc.exact) {
                        Some(Ordering::Less) => kind == ReducerKind::Min,
                        Some(Ordering::Greater) => kind == ReducerKind::Max,
                        Some(Ordering::Equal) => false,
                        None => {
                            acc.overflow = true;
                            false
                        }
                    };
                if replace {
                    acc.exact = d;
                }
            }
            ReducerKind::One if first => acc.exact = d,
            _ => {}
        }
    }
}

/// Fold a computed value into `sum`, `min`, `max` or `one`.
fn fold_float(kind: ReducerKind, acc: &mut Acc, v: f64) {
    let first = acc.count == 1;
    match kind {
        ReducerKind::Sum => acc.float += v,
        ReducerKind::Min if first || v < acc.float || v.is_nan() => acc.float = v,
        ReducerKind::Max if first || v > acc.float || v.is_nan() => acc.float = v,
        ReducerKind::One if first => acc.float = v,
        _ => {}
    }
}
