//! The person side of a policy: person inputs and the reducers that turn a
//! household's persons into household inputs (`from_persons = 'count(age <= 6)'`).
//!
//! INTERFACE (issue 18): the policy checker builds a [`Persons`] when the
//! policy declares `[[person_inputs]]`; the pipeline reads each person row
//! with a [`crate::input::RowParser`] over [`Persons::schema`], folds the
//! parsed persons of one household with [`Persons::add`] and asks
//! [`Persons::finish`] for the text of every supplied household cell, which
//! it hands to the household row parser as if a household file held it: the
//! decision is then exactly the household file's, field for field.

use super::Policy;

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
    pub number: Option<usize>,
    /// Household inputs (indices in the household policy's `inputs`) whose
    /// value the persons supply, in declared order; [`Persons::finish`]
    /// writes their cells in this order.
    pub supplied: Vec<usize>,
}

/// One household's running reduction; reused from household to household.
#[derive(Debug, Clone, Default)]
pub struct Reduction {
    /// Persons folded in so far.
    pub persons: u32,
}

/// Why a household's persons give no value for a supplied input.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReduceProblem {
    /// The household input (index in the household policy's `inputs`).
    pub input: usize,
    pub kind: ReduceProblemKind,
    /// The persons concerned (0-based, in the order they were added): the
    /// matching ones for `SeveralMatch`.
    pub persons: Vec<u32>,
    /// A complete sentence for the reject's reason, naming the input and the
    /// condition as written in the policy.
    pub message: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReduceProblemKind {
    /// `one(...)`: no person matches the condition.
    NoMatch,
    /// `one(...)`: more than one person matches the condition.
    SeveralMatch,
    /// The value is not a finite number (e.g. a sum that overflows).
    Undefined,
}

impl Persons {
    /// A fresh reduction for this policy.
    pub fn start(&self) -> Reduction {
        Reduction::default()
    }

    /// Empty `r` for the next household, keeping its buffers.
    pub fn reset(&self, r: &mut Reduction) {
        r.persons = 0;
    }

    /// Fold in one person: `slots` as [`crate::input::RowParser::parse`]
    /// filled them for `schema`, `cell(i)` the trimmed raw text of person
    /// input `i` (for exact money sums and for copying a value verbatim).
    pub fn add<'r>(&self, r: &mut Reduction, slots: &[f64], cell: &dyn Fn(usize) -> &'r [u8]) {
        let _ = (slots, cell);
        r.persons += 1;
    }

    /// Write the cell text of every supplied input, in `supplied` order,
    /// into `out` (cleared first; `out.len() == supplied.len()`), exactly as
    /// a household file would hold the value (integers without a decimal
    /// point, money as an exact decimal, booleans `true`/`false`, enum
    /// values by name).
    pub fn finish(&self, r: &Reduction, out: &mut [Vec<u8>]) -> Result<(), ReduceProblem> {
        let _ = (r, out);
        Ok(())
    }
}
