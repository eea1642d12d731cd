//! Exact decisions for the rare rows that `f64` cannot settle.
//!
//! Every row is decided in `f64` first. While it runs, each tolerant
//! comparison, each rounding of an amount, each `round`/`floor`/`ceil` and
//! the cap check whether its result landed within a relative 2^-40 of the
//! threshold or tie that decides it ([`crate::expr::exact::mark_close`]);
//! such a row is decided again here on exact rationals, and that decision
//! stands. A row whose decision is safe but one of whose printed numbers
//! (a derived number or a number cell at two decimals, the score at four,
//! the priority at one) lands on a rounding tie gets just that number
//! computed exactly, with what it depends on.
//!
//! The exact values are written back as `f64`s that every writer prints as
//! the exact value rounds ([`faithful_f64`]), so the writers need no second
//! path. Nothing here allocates once the scratch exists: the memo of exact
//! slot values lives in it.

use std::cmp::Ordering;

use super::{Engine, EvalError, ProgramRules, Scratch, Status, Step};
use crate::expr::exact::{
    self as x, ExactSlots, Overflow, Rational, Val, faithful_f64, near_rounding,
};
use crate::expr::{Program, Type};
use crate::policy::{Benefit, InputType, Period, Policy, Segment};

type Res<T> = Result<T, Overflow>;

/// What a slot holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum SlotKind {
    /// An input cell, or a value the exact decision sets itself (program flags).
    Cell,
    Derived(usize),
    Indicator(usize),
    Score,
    Status,
}

pub(super) fn slot_kinds(p: &Policy) -> Vec<SlotKind> {
    let mut kinds = vec![SlotKind::Cell; p.slot_count];
    for (i, d) in p.derived.iter().enumerate() {
        if let Some(k) = kinds.get_mut(d.slot) {
            *k = SlotKind::Derived(i);
        }
    }
    if let Some(dep) = &p.deprivation {
        for (i, ind) in dep.indicators.iter().enumerate() {
            if let Some(k) = kinds.get_mut(ind.slot) {
                *k = SlotKind::Indicator(i);
            }
        }
        if let Some(k) = kinds.get_mut(dep.score_slot) {
            *k = SlotKind::Score;
        }
        if let Some(k) = kinds.get_mut(dep.status_slot) {
            *k = SlotKind::Status;
        }
    }
    kinds
}

/// Decimals a number is printed with in decision fields and template holes.
const TWO: &[u32] = &[2];
const FOUR: &[u32] = &[4];
const SCORE: &[u32] = &[2, 4];
const PRIORITY: &[u32] = &[1];
const AMOUNT: &[u32] = &[0, 2];

/// A number slot that is printed rounded: at which decimals, and the
/// scales 10^decimals (so that the per-row check computes no power).
#[derive(Debug, Clone, Copy)]
pub(super) struct Printed {
    slot: usize,
    decimals: &'static [u32],
    scales: &'static [f64],
}

/// The number slots whose value is printed rounded, and how: the standard
/// fields `per_capita_income` and `poverty_line` (two decimals), the score
/// (four), and every number a template hole prints by name (two; a hole
/// that computes is evaluated again exactly by `Program::eval` itself).
pub(super) fn printed_slots(p: &Policy) -> Vec<Printed> {
    let mut two: Vec<usize> = Vec::new();
    two.extend(p.fields.per_capita_income);
    two.extend(p.fields.poverty_line);
    let templates = p
        .programs
        .iter()
        .filter_map(|prog| prog.reason.as_ref())
        .chain(p.reasons.iter().map(|r| &r.text))
        .chain(p.tracks.iter().filter_map(|t| t.reason.as_ref()));
    for t in templates {
        for seg in &t.segments {
            if let Segment::Slot {
                slot,
                ty: Type::Number,
            } = seg
            {
                // A whole-number cell (a count) is never on a tie.
                let integer = p
                    .inputs
                    .get(*slot)
                    .is_some_and(|i| i.ty == InputType::Integer);
                if !integer {
                    two.push(*slot);
                }
            }
        }
    }
    two.sort_unstable();
    two.dedup();
    let score = p.deprivation.as_ref().map(|d| d.score_slot);
    let mut printed: Vec<Printed> = two
        .iter()
        .filter(|&&slot| Some(slot) != score)
        .map(|&slot| Printed {
            slot,
            decimals: TWO,
            scales: &[100.0],
        })
        .collect();
    if let Some(score) = score {
        printed.push(if two.contains(&score) {
            Printed {
                slot: score,
                decimals: SCORE,
                scales: &[100.0, 10_000.0],
            }
        } else {
            Printed {
                slot: score,
                decimals: FOUR,
                scales: &[10_000.0],
            }
        });
    }
    printed
}

/// Whether a printed slot's value lands on (or within rounding error of) a
/// rounding tie at one of its decimals.
#[inline(always)]
fn close_slot(p: &Printed, slots: &[f64]) -> bool {
    let v = slots.get(p.slot).copied().unwrap_or(0.0);
    p.scales.iter().any(|&scale| near_rounding(v, scale))
}

/// Exact slot values of the current row (`None`: not computed yet).
#[derive(Debug, Clone)]
pub(super) struct Memo {
    values: Vec<Option<Val>>,
    outcomes: Vec<Outcome>,
    reasons: Vec<bool>,
}

impl Memo {
    pub(super) fn new(slots: usize) -> Memo {
        Memo {
            values: vec![None; slots],
            outcomes: Vec::new(),
            reasons: Vec::new(),
        }
    }

    fn clear(&mut self) {
        self.values.fill(None);
    }

    fn set(&mut self, slot: usize, v: Val) {
        if let Some(m) = self.values.get_mut(slot) {
            *m = Some(v);
        }
    }
}

/// Deepest chain of derived values computed on demand; a longer one is
/// treated as an overflow (the `f64` result stands) rather than risk the stack.
const MAX_CHAIN: u32 = 16;

/// The exact values of one row, computed on demand from the `f64` slots
/// (cells read as the decimals they were parsed from) and memoised.
struct ExactRow<'a> {
    policy: &'a Policy,
    kinds: &'a [SlotKind],
    cells: &'a [f64],
    memo: &'a mut Memo,
    depth: u32,
}

impl ExactSlots for ExactRow<'_> {
    fn slot(&mut self, i: usize) -> Res<Val> {
        if let Some(Some(v)) = self.memo.values.get(i) {
            return Ok(*v);
        }
        if self.depth >= MAX_CHAIN {
            return Err(Overflow);
        }
        self.depth += 1;
        let v = self.compute(i);
        self.depth -= 1;
        let v = v?;
        self.memo.set(i, v);
        Ok(v)
    }
}

fn truth(b: bool) -> Val {
    Some(if b { Rational::ONE } else { Rational::ZERO })
}

impl ExactRow<'_> {
    fn compute(&mut self, i: usize) -> Res<Val> {
        let p = self.policy;
        match self.kinds.get(i).copied().unwrap_or(SlotKind::Cell) {
            SlotKind::Cell => match self.cells.get(i) {
                Some(v) if v.is_nan() => Ok(None),
                Some(&v) => x::from_cell(v).map(Some),
                None => Ok(None),
            },
            SlotKind::Derived(d) => match p.derived.get(d) {
                Some(d) => d.program.eval_exact(self),
                None => Ok(None),
            },
            SlotKind::Indicator(k) => {
                let when = p.deprivation.as_ref().and_then(|dep| dep.indicators.get(k));
                match when {
                    Some(ind) => Ok(ind.when.eval_exact(self)?.and_then(|v| truth(!v.is_zero()))),
                    None => Ok(None),
                }
            }
            SlotKind::Score => {
                let Some(dep) = &p.deprivation else {
                    return Ok(None);
                };
                let mut score = Rational::ZERO;
                for ind in &dep.indicators {
                    match self.slot(ind.slot)? {
                        Some(v) if !v.is_zero() => {
                            let w = x::from_constant(ind.weight)?.ok_or(Overflow)?;
                            score = score.checked_add(w)?;
                        }
                        Some(_) => {}
                        None => return Ok(None),
                    }
                }
                Ok(Some(score))
            }
            SlotKind::Status => {
                let Some(dep) = &p.deprivation else {
                    return Ok(None);
                };
                let Some(score) = self.slot(dep.score_slot)? else {
                    return Ok(None);
                };
                let at_least = |cutoff: f64| -> Res<bool> {
                    let c = x::from_constant(cutoff)?.ok_or(Overflow)?;
                    x::at_least(score, c)
                };
                let status = if at_least(dep.severe_cutoff)? {
                    3
                } else if at_least(dep.poor_cutoff)? {
                    2
                } else if at_least(dep.vulnerable_cutoff)? {
                    1
                } else {
                    0
                };
                Ok(Some(Rational::int(status)))
            }
        }
    }
}

/// Undefined (`what` as the f64 path words it).
fn undefined(what: String) -> EvalError {
    EvalError {
        what,
        value: f64::NAN,
    }
}

fn undefined_condition(what: String) -> EvalError {
    undefined(format!(
        "{what} (it depends on an undefined value, such as a division by zero)"
    ))
}

/// A program's outcome, exact, before it is written back.
#[derive(Debug, Clone)]
struct Outcome {
    amount: Rational,
    capped_from: Option<Rational>,
    duration: Option<Rational>,
    starts_after: Option<Rational>,
    status: Status,
    excluded_by: Option<u16>,
    reduced_from: Option<Rational>,
}

impl Outcome {
    const DENIED: Outcome = Outcome {
        amount: Rational::ZERO,
        capped_from: None,
        duration: None,
        starts_after: None,
        status: Status::Denied,
        excluded_by: None,
        reduced_from: None,
    };
}

/// The rest of a row's exact decision (the programs' outcomes and the
/// reasons' flags are kept in the memo's reused buffers).
struct Decision {
    /// The household monthly cap, when the policy has one.
    cap: Option<Rational>,
    /// Whether the cap took anything off.
    capped: bool,
    monthly: Rational,
    one_off: Rational,
    track: usize,
    priority: Option<Rational>,
}

/// Why an exact decision stopped before its end.
enum Stop {
    /// A value overflowed `i128`: the `f64` decision stands.
    Overflow,
    /// The policy computed an undefined or negative value: the row's error.
    Error(EvalError),
}

impl From<Overflow> for Stop {
    fn from(_: Overflow) -> Stop {
        Stop::Overflow
    }
}

impl From<EvalError> for Stop {
    fn from(e: EvalError) -> Stop {
        Stop::Error(e)
    }
}

type Exact<T> = Result<T, Stop>;

impl<'p> Engine<'p> {
    fn exact_row<'a>(&'a self, cells: &'a [f64], memo: &'a mut Memo) -> ExactRow<'a> {
        ExactRow {
            policy: self.policy,
            kinds: &self.rules.slot_kinds,
            cells,
            memo,
            depth: 0,
        }
    }

    /// Replace each printed number of a row decided in `f64` that lands on
    /// a rounding tie by its exact value (as an `f64` that prints right).
    #[inline]
    pub(super) fn fix_printed(&self, s: &mut Scratch) {
        let priority_close = self.rules.priority.is_some() && near_rounding(s.priority, 10.0);
        let any = self.rules.printed.iter().any(|p| close_slot(p, &s.slots));
        if any || priority_close {
            self.fix_printed_exactly(s, priority_close);
        }
    }

    #[cold]
    #[inline(never)]
    fn fix_printed_exactly(&self, s: &mut Scratch, priority_close: bool) {
        s.exact.clear();
        for printed in &self.rules.printed {
            if !close_slot(printed, &s.slots) {
                continue;
            }
            let Printed { slot, decimals, .. } = *printed;
            let mut row = self.exact_row(&s.slots, &mut s.exact);
            let value = row.slot(slot).or_else(|_| {
                self.warm(&mut row);
                row.slot(slot)
            });
            if let Ok(Some(q)) = value {
                s.slots[slot] = faithful_f64(q, decimals);
            }
        }
        if priority_close && let Some(formula) = &self.policy.priority {
            let mut row = self.exact_row(&s.slots, &mut s.exact);
            let value = formula.eval_exact(&mut row).or_else(|_| {
                self.warm(&mut row);
                formula.eval_exact(&mut row)
            });
            if let Ok(Some(q)) = value {
                s.priority = faithful_f64(q, PRIORITY);
            }
        }
    }

    /// Compute every derived value, indicator, score and status exactly in
    /// dependency order, so that later look-ups recurse no deeper than one
    /// step (after a chain longer than [`MAX_CHAIN`] was refused).
    fn warm(&self, row: &mut ExactRow<'_>) {
        for step in &self.rules.order {
            let slot = match *step {
                Step::Derived { slot, .. } | Step::Indicator { slot, .. } => Some(slot),
                Step::Score => self.policy.deprivation.as_ref().map(|d| d.score_slot),
                Step::Status => self.policy.deprivation.as_ref().map(|d| d.status_slot),
            };
            if let Some(slot) = slot {
                // An error here (an overflow) shows again in the look-up.
                let _ = row.slot(slot);
            }
        }
    }

    /// Decide the row in `s.slots` with exact arithmetic. `Err(Overflow)`
    /// leaves `s` as the `f64` decision left it; otherwise the exact
    /// decision (or its evaluation error) replaces it. Rare (a row close
    /// to a threshold), so kept out of [`Engine::decide`]'s hot code.
    #[cold]
    #[inline(never)]
    pub(super) fn decide_exact(&self, s: &mut Scratch) -> Res<Result<(), EvalError>> {
        s.exact.clear();
        // Program flags are set as each program is decided.
        for prog in &self.policy.programs {
            s.exact.set(prog.granted_slot, Some(Rational::ZERO));
        }
        // Buffers reused from row to row.
        let mut outcomes = std::mem::take(&mut s.exact.outcomes);
        let mut reasons = std::mem::take(&mut s.exact.reasons);
        let mut row = self.exact_row(&s.slots, &mut s.exact);
        let decided = self.exact_decision(&mut row, &mut outcomes, &mut reasons);
        let result = match decided {
            Ok(decision) => {
                self.write_exact(s, &decision, &outcomes, &reasons);
                Ok(Ok(()))
            }
            Err(Stop::Overflow) => Err(Overflow),
            Err(Stop::Error(e)) => Ok(Err(e)),
        };
        s.exact.outcomes = outcomes;
        s.exact.reasons = reasons;
        if let Ok(Ok(())) = result {
            // Number cells printed in reasons may sit on a tie too.
            self.fix_printed(s);
        }
        result
    }

    /// The whole decision of `row`, exact, in the order the `f64` path
    /// takes: values, programs, the cap, totals, the track, the reasons and
    /// the priority. `outcomes` and `reasons` are filled in declared order.
    fn exact_decision(
        &self,
        row: &mut ExactRow<'_>,
        outcomes: &mut Vec<Outcome>,
        reasons: &mut Vec<bool>,
    ) -> Exact<Decision> {
        self.exact_values(row)?;
        self.exact_programs(row, outcomes)?;
        let (cap, capped) = self.exact_cap(row, outcomes)?;
        let (monthly, one_off) = self.exact_totals(outcomes)?;
        let track = self.exact_track(row)?;
        self.exact_reasons(row, reasons)?;
        let priority = match &self.policy.priority {
            Some(f) => match f.eval_exact(row)? {
                Some(v) => Some(v),
                None => return Err(undefined("the priority".into()).into()),
            },
            None => None,
        };
        Ok(Decision {
            cap,
            capped,
            monthly,
            one_off,
            track,
            priority,
        })
    }

    /// Every derived value, indicator, score and status, exact, in
    /// dependency order; an undefined one is the row's error.
    fn exact_values(&self, row: &mut ExactRow<'_>) -> Exact<()> {
        let p = self.policy;
        for step in &self.rules.order {
            match *step {
                Step::Derived { slot, index, .. } => {
                    if row.slot(slot)?.is_none() {
                        let name = p.derived.get(index).map_or("", |d| d.name.as_str());
                        return Err(undefined(name.to_owned()).into());
                    }
                }
                Step::Indicator { slot, index, .. } => {
                    if row.slot(slot)?.is_none() {
                        let id = p
                            .deprivation
                            .as_ref()
                            .and_then(|d| d.indicators.get(index))
                            .map_or("", |i| i.id.as_str());
                        return Err(undefined_condition(format!("the indicator {id}")).into());
                    }
                }
                Step::Score | Step::Status => {
                    if let Some(dep) = &p.deprivation {
                        let slot = if matches!(step, Step::Score) {
                            dep.score_slot
                        } else {
                            dep.status_slot
                        };
                        row.slot(slot)?;
                    }
                }
            }
        }
        Ok(())
    }

    /// The programs in declared order into `outcomes`; each one's flag is
    /// visible to later ones.
    fn exact_programs(&self, row: &mut ExactRow<'_>, outcomes: &mut Vec<Outcome>) -> Exact<()> {
        outcomes.clear();
        for (benefit, rules) in self.policy.programs.iter().zip(&self.rules.programs) {
            let excluder = benefit
                .excluded_by
                .iter()
                .find(|&&j| outcomes.get(j).is_some_and(|o| o.status == Status::Granted))
                .map(|&j| j as u16);
            let out = exact_program(benefit, row, excluder)?;
            let granted = out.status == Status::Granted;
            row.memo.set(rules.granted_slot, truth(granted));
            outcomes.push(out);
        }
        Ok(())
    }

    /// Each provider's cap, then the household cap (when the policy has
    /// one), and whether any took anything: the excess over a cap comes off
    /// the granted monthly programs it covers, last declared first.
    fn exact_cap(
        &self,
        row: &mut ExactRow<'_>,
        outcomes: &mut [Outcome],
    ) -> Exact<(Option<Rational>, bool)> {
        let mut capped = false;
        for c in &self.policy.provider_caps {
            let Some(cap) = c.monthly.eval_exact(row)? else {
                return Err(undefined(format!(
                    "the monthly cap of provider {}",
                    c.provider.keyword()
                ))
                .into());
            };
            capped |= self.exact_excess(outcomes, cap, Some(c.provider))?;
        }
        let Some(cap) = &self.policy.cap else {
            return Ok((None, capped));
        };
        let Some(cap) = cap.eval_exact(row)? else {
            return Err(undefined("the household monthly cap".into()).into());
        };
        capped |= self.exact_excess(outcomes, cap, None)?;
        Ok((Some(cap), capped))
    }

    /// Take the excess over `cap` off the granted monthly programs (of
    /// `provider`, or all), last declared first; whether anything was taken.
    fn exact_excess(
        &self,
        outcomes: &mut [Outcome],
        cap: Rational,
        provider: Option<crate::policy::Provider>,
    ) -> Exact<bool> {
        let counts = |rules: &ProgramRules| provider.is_none_or(|p| p == rules.lead);
        let mut total = Rational::ZERO;
        for (rules, out) in self.rules.programs.iter().zip(outcomes.iter()) {
            if rules.period == Period::Month && out.status == Status::Granted && counts(rules) {
                total = total.checked_add(out.amount)?;
            }
        }
        let mut excess = total.checked_sub(cap)?;
        let mut capped = false;
        for (rules, out) in self.rules.programs.iter().zip(outcomes.iter_mut()).rev() {
            if excess.checked_cmp(Rational::ZERO)? != Ordering::Greater {
                break;
            }
            if rules.period != Period::Month
                || out.status != Status::Granted
                || !counts(rules)
                || out.amount.checked_cmp(Rational::ZERO)? != Ordering::Greater
            {
                continue;
            }
            let take = if out.amount.checked_cmp(excess)? == Ordering::Less {
                out.amount
            } else {
                excess
            };
            if out.capped_from.is_none() {
                out.capped_from = Some(out.amount);
            }
            out.amount = out.amount.checked_sub(take)?;
            excess = excess.checked_sub(take)?;
            capped = true;
        }
        Ok(capped)
    }

    /// The monthly and one-off totals of the granted programs.
    fn exact_totals(&self, outcomes: &[Outcome]) -> Res<(Rational, Rational)> {
        let (mut monthly, mut one_off) = (Rational::ZERO, Rational::ZERO);
        for (rules, out) in self.rules.programs.iter().zip(outcomes) {
            if out.status == Status::Granted {
                match rules.period {
                    Period::Month => monthly = monthly.checked_add(out.amount)?,
                    Period::OneOff => one_off = one_off.checked_add(out.amount)?,
                }
            }
        }
        Ok((monthly, one_off))
    }

    /// The first track whose rule holds (a track without a rule always
    /// holds); the last track when none does.
    fn exact_track(&self, row: &mut ExactRow<'_>) -> Exact<usize> {
        let tracks = &self.policy.tracks;
        for (i, t) in tracks.iter().enumerate() {
            let holds = match &t.when {
                Some(w) => holds(w, row, || format!("the track rule {}", t.id))?,
                None => true,
            };
            if holds {
                return Ok(i);
            }
        }
        Ok(tracks.len().saturating_sub(1))
    }

    /// Whether each reason's condition holds, into `reasons`.
    fn exact_reasons(&self, row: &mut ExactRow<'_>, reasons: &mut Vec<bool>) -> Exact<()> {
        reasons.clear();
        for reason in &self.policy.reasons {
            reasons.push(holds(&reason.when, row, || {
                format!("the reason {}", reason.id)
            })?);
        }
        Ok(())
    }

    /// Write an exact decision back into `s`, each value as an `f64` that
    /// prints as the exact value rounds.
    fn write_exact(&self, s: &mut Scratch, d: &Decision, outcomes: &[Outcome], reasons: &[bool]) {
        let r = &self.rules;
        let memo = &s.exact;
        for (slot, kind) in r.slot_kinds.iter().enumerate() {
            if *kind == SlotKind::Cell {
                continue;
            }
            if let Some(Some(Some(q))) = memo.values.get(slot) {
                let decimals = if *kind == SlotKind::Score { SCORE } else { TWO };
                s.slots[slot] = faithful_f64(*q, decimals);
            }
        }
        for (rules, out) in r.programs.iter().zip(outcomes) {
            s.slots[rules.granted_slot] = if out.status == Status::Granted {
                1.0
            } else {
                0.0
            };
        }
        for (dst, out) in s.programs.iter_mut().zip(outcomes) {
            dst.status = out.status;
            dst.amount = faithful_f64(out.amount, AMOUNT);
            dst.capped_from = out.capped_from.map(|q| faithful_f64(q, AMOUNT));
            dst.duration_months = out.duration.map(Rational::to_f64);
            dst.starts_after_months = out.starts_after.map(Rational::to_f64);
            dst.excluded_by = out.excluded_by;
            dst.reduced_from = out.reduced_from.map(|q| faithful_f64(q, AMOUNT));
        }
        s.capped = d.capped;
        s.cap = d.cap.map(|q| faithful_f64(q, TWO));
        s.monthly_total = faithful_f64(d.monthly, AMOUNT);
        s.one_off_total = faithful_f64(d.one_off, AMOUNT);
        s.review_after_months = r
            .programs
            .iter()
            .zip(outcomes)
            .filter(|(_, out)| out.status == Status::Granted)
            .map(|(rules, _)| rules.review_months)
            .min()
            .unwrap_or(self.policy.default_review_months);
        s.track = d.track;
        s.reasons.clear();
        s.reasons.extend_from_slice(reasons);
        s.priority = d.priority.map_or(0.0, |q| faithful_f64(q, PRIORITY));
    }
}

/// One program's outcome, exact, before the cap: its verdict, and for an
/// eligible household its amount and months.
fn exact_program(
    benefit: &Benefit,
    row: &mut ExactRow<'_>,
    excluder: Option<u16>,
) -> Exact<Outcome> {
    let mut out = Outcome::DENIED;
    if !holds(&benefit.eligible, row, || {
        format!("the eligibility of {}", benefit.id)
    })? {
        return Ok(out);
    }
    if excluder.is_some() {
        out.excluded_by = excluder;
        return Ok(out);
    }
    let deferred = match &benefit.deferred_when {
        Some(d) => holds(d, row, || format!("the deferral of {}", benefit.id))?,
        None => false,
    };
    let what = || format!("the amount of {}", benefit.id);
    let amount = match benefit.amount.eval_exact(row)? {
        None => return Err(undefined(what()).into()),
        Some(a) if a.is_negative() => {
            return Err(EvalError {
                what: what(),
                value: a.to_f64(),
            }
            .into());
        }
        Some(a) => a,
    };
    let amount = match &benefit.reduced_by {
        None => amount,
        Some(by) => match by.eval_exact(row)? {
            None => return Err(undefined(format!("the reduction of {}", benefit.id)).into()),
            Some(b) if b.is_negative() => {
                return Err(EvalError {
                    what: format!("the reduction of {}", benefit.id),
                    value: b.to_f64(),
                }
                .into());
            }
            Some(b) if b.is_zero() => amount,
            Some(b) => {
                out.reduced_from = Some(amount.round_scaled(Rational::ONE)?);
                let left = amount.checked_sub(b)?;
                if left.is_negative() {
                    Rational::ZERO
                } else {
                    left
                }
            }
        },
    };
    out.amount = amount.round_scaled(Rational::ONE)?;
    if let Some(d) = &benefit.duration_months {
        out.duration = Some(months(d.eval_exact(row)?, || {
            format!("the duration of {}", benefit.id)
        })?);
    }
    if deferred {
        out.status = Status::Deferred;
        if let Some(d) = &benefit.starts_after_months {
            out.starts_after = Some(months(d.eval_exact(row)?, || {
                format!("the start delay of {}", benefit.id)
            })?);
        }
    } else {
        out.status = Status::Granted;
    }
    Ok(out)
}

/// A condition's exact verdict; an undefined one is the row's error.
fn holds(
    condition: &Program,
    row: &mut ExactRow<'_>,
    what: impl FnOnce() -> String,
) -> Exact<bool> {
    match condition.eval_exact(row)? {
        Some(v) => Ok(!v.is_zero()),
        None => Err(undefined_condition(what()).into()),
    }
}

/// A number of months: defined and not negative.
fn months(v: Val, what: impl FnOnce() -> String) -> Result<Rational, EvalError> {
    match v {
        Some(m) if !m.is_negative() => Ok(m),
        Some(m) => Err(EvalError {
            what: what(),
            value: m.to_f64(),
        }),
        None => Err(undefined(what())),
    }
}
