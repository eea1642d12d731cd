//! The row parser's plain inputs, resolved at load ([`Step`]) and read by
//! kind of cell in loops of their own ([`fill`]).

use crate::input::cell;
use crate::input::record::Fields;

/// The inputs by kind of cell, each resolved at load to what the row loop
/// needs ([`Step`]), so that a cell costs its own parse and little else.
#[derive(Debug, Clone, Default)]
pub(super) struct ByKind {
    pub(super) text: Vec<Step>,
    pub(super) integer: Vec<Step>,
    pub(super) number: Vec<Step>,
    pub(super) boolean: Vec<Step>,
    pub(super) dates: Vec<Step>,
    /// (input's step, enum id)
    pub(super) enums: Vec<(Step, usize)>,
    /// Optional inputs without a column: (input, default).
    pub(super) absent: Vec<(usize, f64)>,
    /// A required input has no column: every row fails at it.
    pub(super) absent_required: bool,
    /// Inputs with profile settings (`CustomCell`), whatever their kind.
    pub(super) custom: Vec<usize>,
}

/// A plain input read from a column, as `RowParser::parse_by_kind` reads it.
#[derive(Debug, Clone, Copy)]
pub(super) struct Step {
    pub(super) column: usize,
    pub(super) input: usize,
    pub(super) required: bool,
    pub(super) default: f64,
    pub(super) min: f64,
    pub(super) max: f64,
}

/// Fill the slots of `steps`; false at the first cell that fails.
#[inline(always)]
pub(super) fn fill<R: Fields + ?Sized>(
    record: &R,
    slots: &mut [f64],
    steps: &[Step],
    parse: impl Fn(&[u8]) -> Result<f64, cell::CellError> + Copy,
) -> bool {
    steps
        .iter()
        .all(|step| fill_one(record, slots, step, parse))
}

/// Fill one input's slot from its cell: its value when held as one, its
/// default when empty, else its parse within range; false when it fails.
#[inline(always)]
pub(super) fn fill_one<R: Fields + ?Sized>(
    record: &R,
    slots: &mut [f64],
    step: &Step,
    parse: impl Fn(&[u8]) -> Result<f64, cell::CellError>,
) -> bool {
    let Some(slot) = slots.get_mut(step.input) else {
        return false;
    };
    if let Some(v) = record.typed(step.column) {
        *slot = v;
        return true;
    }
    let raw = record.get(step.column).map_or(&b""[..], cell::trim);
    if raw.is_empty() {
        return step.empty(slot);
    }
    step.take(parse(raw), slot)
}

impl Step {
    // A cell's reading, shared with `RowParser::parse_line`.
    /// An empty cell: the input's default, false when it is required.
    #[inline(always)]
    pub(super) fn empty(&self, slot: &mut f64) -> bool {
        *slot = self.default;
        !self.required
    }

    /// A non-empty cell parsed: its value when within range, else false.
    #[inline(always)]
    pub(super) fn take(&self, parsed: Result<f64, cell::CellError>, slot: &mut f64) -> bool {
        match parsed {
            Ok(v) if v >= self.min && v <= self.max && v.is_finite() => {
                *slot = v;
                true
            }
            _ => false,
        }
    }
}
