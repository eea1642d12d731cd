//! Stacking (issue 20): `excludes`, `reduced_by` and the caps per provider
//! and in total, in `f64` (the exact twins are in `exact.rs`).
//!
//! The order, for one household: programs in declared order — eligibility;
//! a program excluded by a granted program before it is denied (its amount
//! is not computed); the amount; `reduced_by` taken off it, never below
//! zero; deferral — then each provider's cap (`[caps] state`, …: the excess
//! comes off that provider's granted monthly programs, last declared
//! first), then the total cap (`[cap] monthly` or `[caps] total`) the same
//! way over all granted monthly programs. `capped_from` keeps the amount
//! before the first cap that took from it.

use super::{Engine, EvalError, ProgramOutcome, Scratch, Status, finite};
use crate::expr::Root;
use crate::expr::exact::{mark_close, near_rounding, near_threshold};
use crate::policy::{Period, Provider};

impl Engine<'_> {
    /// The program declared before `i` that excludes it and was granted.
    #[inline(always)]
    pub(super) fn excluder(&self, i: usize, s: &Scratch) -> Option<u16> {
        let r = self.rules.programs.get(i)?;
        let list = self
            .rules
            .excluders
            .get(r.excluders.0 as usize..r.excluders.1 as usize)?;
        list.iter().copied().find(|&j| {
            s.programs
                .get(usize::from(j))
                .is_some_and(|o| o.status == Status::Granted)
        })
    }

    /// `amount` less what `reduced_by` gives, never below zero; notes the
    /// amount before in `out.reduced_from` when something was taken off.
    #[inline]
    pub(super) fn reduce(
        &self,
        root: Root,
        amount: f64,
        s: &Scratch,
        out: &mut ProgramOutcome,
        what: impl FnOnce() -> String,
    ) -> Result<f64, EvalError> {
        let by = self.value(root, s);
        // An exact zero (nothing received, the usual case) is decided as it
        // is; a value near zero or near the amount may be either side.
        mark_close(
            by != 0.0 && (by < 0.0 || near_threshold(by, 0.0) || near_threshold(amount, by)),
        );
        if !by.is_finite() || by < 0.0 {
            return Err(EvalError {
                what: what(),
                value: by,
            });
        }
        if by <= 0.0 {
            return Ok(amount);
        }
        out.reduced_from = Some(crate::numfmt::round_half_up(amount, 0));
        let left = (amount - by).max(0.0);
        mark_close(near_rounding(left, 1.0));
        Ok(left)
    }

    /// Each provider's cap, then the household cap.
    pub(super) fn apply_cap(&self, s: &mut Scratch) -> Result<(), EvalError> {
        s.capped = false;
        s.cap = None;
        for &(provider, root) in &self.rules.provider_caps {
            let cap = finite(self.value(root, s), || {
                format!("the monthly cap of provider {}", provider.keyword())
            })?;
            self.take_excess(s, cap, Some(provider));
        }
        let Some(cap_root) = self.rules.cap else {
            return Ok(());
        };
        let cap = finite(self.value(cap_root, s), || {
            "the household monthly cap".into()
        })?;
        s.cap = Some(cap);
        self.take_excess(s, cap, None);
        Ok(())
    }

    /// Take the excess over `cap` off the granted monthly programs (of
    /// `provider`, or all), last declared first.
    fn take_excess(&self, s: &mut Scratch, cap: f64, provider: Option<Provider>) {
        // A cap with a fraction makes capped amounts fractional: decided
        // exactly. (Whole below 2^52 when `(|cap| + 2^52) - 2^52` is itself;
        // `f64::trunc` is a library call on x86-64.)
        const TWO_52: f64 = 4_503_599_627_370_496.0;
        mark_close(cap.abs() < TWO_52 && (cap.abs() + TWO_52) - TWO_52 != cap.abs());
        let counts = |lead: Provider| provider.is_none_or(|p| p == lead);
        let total: f64 = self
            .rules
            .programs
            .iter()
            .zip(&s.programs)
            .filter(|(prog, out)| {
                prog.period == Period::Month && out.status == Status::Granted && counts(prog.lead)
            })
            .map(|(_, out)| out.amount)
            .sum();
        let mut excess = total - cap;
        mark_close(near_threshold(total, cap));
        if excess <= 0.0 {
            return;
        }
        for (prog, out) in self.rules.programs.iter().zip(s.programs.iter_mut()).rev() {
            if excess <= 0.0 {
                break;
            }
            if prog.period != Period::Month
                || out.status != Status::Granted
                || out.amount <= 0.0
                || !counts(prog.lead)
            {
                continue;
            }
            let take = out.amount.min(excess);
            if out.capped_from.is_none() {
                out.capped_from = Some(out.amount);
            }
            out.amount -= take;
            excess -= take;
            s.capped = true;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::{Engine, Scratch, Status};
    use crate::policy::{LoadOptions, Policy};

    const EXAMPLE: &str = include_str!("../../examples/policies/providers.toml");

    fn policy(src: &str) -> Policy {
        let options = LoadOptions {
            as_of: Some("2025-06-01".into()),
        };
        Policy::load("providers.toml", src, &options).unwrap_or_else(|e| panic!("{}", e.render()))
    }

    fn fill(p: &Policy, s: &mut Scratch, values: &[(&str, f64)]) {
        for (i, inp) in p.inputs.iter().enumerate() {
            s.slots[i] = inp.default;
        }
        for (name, v) in values {
            let i = p.inputs.iter().position(|x| x.name == *name).unwrap();
            s.slots[i] = *v;
        }
    }

    /// The decision in `f64` and the exact one, each from fresh slots.
    fn both(p: &Policy, values: &[(&str, f64)]) -> (Scratch, Scratch) {
        let e = Engine::new(p);
        let mut fast = e.scratch();
        fill(p, &mut fast, values);
        e.decide_f64(&mut fast).unwrap();
        let mut exact = e.scratch();
        fill(p, &mut exact, values);
        e.decide_exact(&mut exact).unwrap().unwrap();
        (fast, exact)
    }

    fn index(p: &Policy, id: &str) -> usize {
        p.programs.iter().position(|b| b.id == id).unwrap()
    }

    #[test]
    fn f64_and_exact_agree_on_exclusion_reduction_and_caps() {
        let p = policy(EXAMPLE);
        for values in [
            &[("members", 2.0), ("monthly_income", 400_000.0)][..],
            &[
                ("members", 2.0),
                ("monthly_income", 400_000.0),
                ("in_state_register", 0.0),
            ],
            &[
                ("members", 3.0),
                ("monthly_income", 600_000.0),
                ("rice_received_monthly", 60_000.0),
            ],
            &[
                ("members", 2.0),
                ("monthly_income", 400_000.0),
                ("rice_received_monthly", 500_000.0),
            ],
            &[
                ("members", 8.0),
                ("monthly_income", 400_000.0),
                ("students", 4.0),
            ],
        ] {
            let (fast, exact) = both(&p, values);
            assert_eq!(fast.programs, exact.programs, "{values:?}");
            assert_eq!(fast.monthly_total, exact.monthly_total, "{values:?}");
            assert_eq!(fast.capped, exact.capped, "{values:?}");
        }
    }

    #[test]
    fn an_excluded_program_names_its_excluder() {
        let p = policy(EXAMPLE);
        let (s, _) = both(&p, &[("members", 2.0), ("monthly_income", 400_000.0)]);
        let village = s.programs[index(&p, "village_top_up")];
        assert_eq!(village.status, Status::Denied);
        assert_eq!(village.excluded_by, Some(index(&p, "state_cash") as u16));
        assert_eq!(village.amount, 0.0);
        // Not eligible at all: not "excluded".
        let (s, _) = both(&p, &[("members", 1.0), ("monthly_income", 9_000_000.0)]);
        assert_eq!(s.programs[index(&p, "village_top_up")].excluded_by, None);
    }

    #[test]
    fn a_reduction_is_noted_only_when_it_takes_something() {
        let p = policy(EXAMPLE);
        let rice = index(&p, "community_rice");
        let (s, _) = both(
            &p,
            &[
                ("members", 3.0),
                ("monthly_income", 600_000.0),
                ("rice_received_monthly", 60_000.0),
            ],
        );
        assert_eq!(s.programs[rice].reduced_from, Some(150_000.0));
        assert_eq!(s.programs[rice].amount, 90_000.0);
        let (s, _) = both(&p, &[("members", 3.0), ("monthly_income", 600_000.0)]);
        assert_eq!(s.programs[rice].reduced_from, None);
    }

    #[test]
    fn a_negative_or_undefined_reduction_rejects_the_row() {
        let src = EXAMPLE.replace(
            "reduced_by = 'rice_received_monthly'",
            "reduced_by = 'rice_received_monthly - 1'",
        );
        let p = policy(&src);
        let e = Engine::new(&p);
        let mut s = e.scratch();
        fill(
            &p,
            &mut s,
            &[("members", 2.0), ("monthly_income", 400_000.0)],
        );
        let err = e.decide(&mut s).unwrap_err();
        assert_eq!(err.what, "the reduction of community_rice");
        assert_eq!(err.value, -1.0);
        let src = EXAMPLE.replace(
            "reduced_by = 'rice_received_monthly'",
            "reduced_by = 'rice_received_monthly / 0'",
        );
        let p = policy(&src);
        let e = Engine::new(&p);
        let mut s = e.scratch();
        fill(
            &p,
            &mut s,
            &[("members", 2.0), ("monthly_income", 400_000.0)],
        );
        assert!(e.decide(&mut s).is_err());
    }

    #[test]
    fn the_first_cap_keeps_the_amount_before_any_cap() {
        // The community cap takes 300,000 to 200,000; a total cap of 100,000
        // then takes the rest, and capped_from still says 300,000.
        let src = EXAMPLE.replace("value = 800000", "value = 100000");
        let p = policy(&src);
        let (s, exact) = both(
            &p,
            &[
                ("members", 6.0),
                ("monthly_income", 600_000.0),
                ("in_state_register", 0.0),
            ],
        );
        let rice = index(&p, "community_rice");
        assert_eq!(s.programs[rice].capped_from, Some(300_000.0));
        assert_eq!(s.monthly_total, 100_000.0);
        assert_eq!(s.programs, exact.programs);
    }
}
