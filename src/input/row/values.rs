//! What the parser can give an input, for the person pipeline: values it
//! may be handed as held, and domains its values never leave.

use super::{CellKind, PLAIN, RowParser};

impl RowParser<'_> {
    /// Whether every value the parser gives input `input` (after a row
    /// parsed without reject) is a whole number in `lo .. lo + n`: an
    /// integer, boolean or enum input without profile settings whose range
    /// (or values) and default lie inside.
    pub(crate) fn always_within(&self, input: usize, lo: f64, n: u32) -> bool {
        let Some(plan) = self.plan.get(input) else {
            return false;
        };
        let hi = lo + f64::from(n) - 1.0;
        let inside = |v: f64| v.fract() == 0.0 && v >= lo && v <= hi;
        // Whole numbers far below 2^53, so that `v - lo` is exact.
        let exact = lo.fract() == 0.0 && lo.abs() < 1e15 && n > 0;
        let default_inside = plan.required && plan.column.is_some() || inside(plan.default);
        let values_inside = match plan.kind {
            CellKind::Integer => inside(plan.min.ceil()) && inside(plan.max.floor()),
            CellKind::Bool => inside(plan.min.max(0.0)) && inside(plan.max.min(1.0)),
            CellKind::Enum(e) => self.policy.enums.get(e).is_some_and(|d| {
                inside(plan.min.max(0.0)) && inside(plan.max.min(d.values.len() as f64 - 1.0))
            }),
            CellKind::Text | CellKind::Number | CellKind::Date => false,
        };
        plan.custom == PLAIN && exact && default_inside && values_inside
    }

    /// For an integer or number input read plainly from a column (no
    /// profile settings): whether it is an integer, and its range. A value
    /// of such an input may be handed to the parser as held
    /// ([`crate::input::record::Fields::typed`]) when its text would be digits (an integer) or an
    /// exact decimal (a number) within that range.
    pub(crate) fn plain_number(&self, input: usize) -> Option<(bool, f64, f64)> {
        let plan = self.plan.get(input)?;
        if plan.custom != PLAIN || plan.column.is_none() {
            return None;
        }
        match plan.kind {
            CellKind::Integer => Some((true, plan.min, plan.max)),
            CellKind::Number => Some((false, plan.min, plan.max)),
            _ => None,
        }
    }
}
