//! What the engine offers community overrides (`engine::overrides`): a
//! program's amount computed on request, and the decision's totals, track,
//! reasons and priority made again after programs were changed by hand.

use super::{Engine, EvalError, ProgramOutcome, Scratch, Status, finite};
use crate::numfmt::round_half_up;

/// A household's decision as the rules made it, before its overrides, and
/// which overrides (indices into the run's list) were applied to it.
#[derive(Debug, Clone, PartialEq)]
pub struct Overridden {
    pub lines: Vec<u32>,
    pub programs: Vec<ProgramOutcome>,
    pub track: usize,
    pub monthly_total: f64,
    pub one_off_total: f64,
}

impl Engine<'_> {
    /// Program `i`'s amount for the household in `s`, as the rules would
    /// pay it if it were eligible: `amount` less `reduced_by`, rounded (no
    /// cap). For a `grant` override without an amount.
    pub fn program_amount(&self, i: usize, s: &Scratch) -> Result<f64, EvalError> {
        let (Some(rules), Some(prog)) = (self.rules.programs.get(i), self.policy.programs.get(i))
        else {
            return Ok(0.0);
        };
        let amount = self.value(rules.amount, s);
        if !amount.is_finite() || amount < 0.0 {
            return Err(EvalError {
                what: format!("the amount of {}", prog.id),
                value: amount,
            });
        }
        let mut out = ProgramOutcome::default();
        let amount = match rules.reduced_by {
            Some(by) => self.reduce(by, amount, s, &mut out, || {
                format!("the reduction of {}", prog.id)
            })?,
            None => amount,
        };
        Ok(round_half_up(amount, 0))
    }

    /// After overrides changed `s.programs`: the programs' flags, totals and
    /// review, the track (`track`, or the first rule that holds), the
    /// reasons and the priority, made again. The caps are not applied again:
    /// the community's amounts stand.
    pub fn after_override(&self, s: &mut Scratch, track: Option<usize>) -> Result<(), EvalError> {
        for (rules, out) in self.rules.programs.iter().zip(&s.programs) {
            s.slots[rules.granted_slot] = if out.status == Status::Granted {
                1.0
            } else {
                0.0
            };
        }
        self.add_up_grants(s);
        s.capped = s
            .programs
            .iter()
            .any(|o| o.status == Status::Granted && o.capped_from.is_some());
        match track {
            Some(t) => s.track = t.min(self.policy.tracks.len().saturating_sub(1)),
            None => self.choose_track(s)?,
        }
        self.decide_reasons(s)?;
        s.priority = match self.rules.priority {
            Some(f) => finite(self.value(f, s), || "the priority".into())?,
            None => 0.0,
        };
        Ok(())
    }
}
