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

use super::{Engine, EvalError, Scratch, Status, Step};
use crate::expr::Type;
use crate::expr::exact::{
    self as x, ExactSlots, Overflow, Rational, Val, faithful_f64, near_rounding,
};
use crate::policy::{InputType, Period, Policy, Segment};

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
}

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
    /// decision (or its evaluation error) replaces it.
    pub(super) fn decide_exact(&self, s: &mut Scratch) -> Res<Result<(), EvalError>> {
        let p = self.policy;
        let r = &self.rules;
        s.exact.clear();
        // Program flags are set below as each program is decided.
        for prog in &p.programs {
            s.exact.set(prog.granted_slot, Some(Rational::ZERO));
        }
        let mut row = self.exact_row(&s.slots, &mut s.exact);

        for step in &r.order {
            match *step {
                Step::Derived { slot, index, .. } => {
                    if row.slot(slot)?.is_none() {
                        let name = p.derived.get(index).map_or("", |d| d.name.as_str());
                        return Ok(Err(undefined(name.to_owned())));
                    }
                }
                Step::Indicator { slot, index, .. } => {
                    if row.slot(slot)?.is_none() {
                        let id = p
                            .deprivation
                            .as_ref()
                            .and_then(|d| d.indicators.get(index))
                            .map_or("", |i| i.id.as_str());
                        return Ok(Err(undefined_condition(format!("the indicator {id}"))));
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

        // Programs in declared order (buffers reused from row to row).
        let mut decided = std::mem::take(&mut row.memo.outcomes);
        decided.clear();
        for (prog, rules) in p.programs.iter().zip(&r.programs) {
            let mut out = Outcome {
                amount: Rational::ZERO,
                capped_from: None,
                duration: None,
                starts_after: None,
                status: Status::Denied,
            };
            let eligible = match prog.eligible.eval_exact(&mut row)? {
                Some(v) => !v.is_zero(),
                None => {
                    return Ok(Err(undefined_condition(format!(
                        "the eligibility of {}",
                        prog.id
                    ))));
                }
            };
            if eligible {
                let deferred = match &prog.deferred_when {
                    Some(d) => match d.eval_exact(&mut row)? {
                        Some(v) => !v.is_zero(),
                        None => {
                            return Ok(Err(undefined_condition(format!(
                                "the deferral of {}",
                                prog.id
                            ))));
                        }
                    },
                    None => false,
                };
                let what = || format!("the amount of {}", prog.id);
                let amount = match prog.amount.eval_exact(&mut row)? {
                    None => return Ok(Err(undefined(what()))),
                    Some(a) if a.is_negative() => {
                        return Ok(Err(EvalError {
                            what: what(),
                            value: a.to_f64(),
                        }));
                    }
                    Some(a) => a,
                };
                out.amount = amount.round_scaled(Rational::ONE)?;
                if let Some(d) = &prog.duration_months {
                    match months(d.eval_exact(&mut row)?, || {
                        format!("the duration of {}", prog.id)
                    }) {
                        Ok(m) => out.duration = Some(m),
                        Err(e) => return Ok(Err(e)),
                    }
                }
                if deferred {
                    out.status = Status::Deferred;
                    if let Some(d) = &prog.starts_after_months {
                        match months(d.eval_exact(&mut row)?, || {
                            format!("the start delay of {}", prog.id)
                        }) {
                            Ok(m) => out.starts_after = Some(m),
                            Err(e) => return Ok(Err(e)),
                        }
                    }
                } else {
                    out.status = Status::Granted;
                }
            }
            let granted = out.status == Status::Granted;
            row.memo.set(
                rules.granted_slot,
                Some(if granted {
                    Rational::ONE
                } else {
                    Rational::ZERO
                }),
            );
            decided.push(out);
        }

        // The cap: the excess off granted monthly programs, last declared first.
        let mut capped = false;
        let mut cap_value = None;
        if let Some(cap) = &p.cap {
            let Some(cap) = cap.eval_exact(&mut row)? else {
                return Ok(Err(undefined("the household monthly cap".into())));
            };
            cap_value = Some(cap);
            let mut total = Rational::ZERO;
            for (rules, out) in r.programs.iter().zip(&decided) {
                if rules.period == Period::Month && out.status == Status::Granted {
                    total = total.checked_add(out.amount)?;
                }
            }
            let mut excess = total.checked_sub(cap)?;
            for (rules, out) in r.programs.iter().zip(decided.iter_mut()).rev() {
                if excess.checked_cmp(Rational::ZERO)? != Ordering::Greater {
                    break;
                }
                if rules.period != Period::Month
                    || out.status != Status::Granted
                    || out.amount.checked_cmp(Rational::ZERO)? != Ordering::Greater
                {
                    continue;
                }
                let take = if out.amount.checked_cmp(excess)? == Ordering::Less {
                    out.amount
                } else {
                    excess
                };
                out.capped_from = Some(out.amount);
                out.amount = out.amount.checked_sub(take)?;
                excess = excess.checked_sub(take)?;
                capped = true;
            }
        }

        let (mut monthly, mut one_off) = (Rational::ZERO, Rational::ZERO);
        for (rules, out) in r.programs.iter().zip(&decided) {
            if out.status == Status::Granted {
                match rules.period {
                    Period::Month => monthly = monthly.checked_add(out.amount)?,
                    Period::OneOff => one_off = one_off.checked_add(out.amount)?,
                }
            }
        }

        let mut track = p.tracks.len().saturating_sub(1);
        for (i, t) in p.tracks.iter().enumerate() {
            let holds = match &t.when {
                Some(w) => match w.eval_exact(&mut row)? {
                    Some(v) => !v.is_zero(),
                    None => {
                        return Ok(Err(undefined_condition(format!("the track rule {}", t.id))));
                    }
                },
                None => true,
            };
            if holds {
                track = i;
                break;
            }
        }

        let mut reasons = std::mem::take(&mut row.memo.reasons);
        reasons.clear();
        for reason in &p.reasons {
            match reason.when.eval_exact(&mut row)? {
                Some(v) => reasons.push(!v.is_zero()),
                None => {
                    return Ok(Err(undefined_condition(format!(
                        "the reason {}",
                        reason.id
                    ))));
                }
            }
        }

        let priority = match &p.priority {
            Some(f) => match f.eval_exact(&mut row)? {
                Some(v) => Some(v),
                None => return Ok(Err(undefined("the priority".into()))),
            },
            None => None,
        };

        // Every value is known exactly: write the decision back.
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
        for (prog, out) in p.programs.iter().zip(&decided) {
            s.slots[prog.granted_slot] = if out.status == Status::Granted {
                1.0
            } else {
                0.0
            };
        }
        for (dst, out) in s.programs.iter_mut().zip(&decided) {
            dst.status = out.status;
            dst.amount = faithful_f64(out.amount, AMOUNT);
            dst.capped_from = out.capped_from.map(|q| faithful_f64(q, AMOUNT));
            dst.duration_months = out.duration.map(Rational::to_f64);
            dst.starts_after_months = out.starts_after.map(Rational::to_f64);
        }
        s.capped = capped;
        s.cap = cap_value.map(|q| faithful_f64(q, TWO));
        s.monthly_total = faithful_f64(monthly, AMOUNT);
        s.one_off_total = faithful_f64(one_off, AMOUNT);
        s.review_after_months = r
            .programs
            .iter()
            .zip(&decided)
            .filter(|(_, out)| out.status == Status::Granted)
            .map(|(rules, _)| rules.review_months)
            .min()
            .unwrap_or(p.default_review_months);
        s.track = track;
        s.reasons.clear();
        s.reasons.extend_from_slice(&reasons);
        s.priority = priority.map_or(0.0, |q| faithful_f64(q, PRIORITY));
        s.exact.outcomes = decided;
        s.exact.reasons = reasons;
        // Number cells printed in reasons may sit on a tie too.
        self.fix_printed(s);
        Ok(Ok(()))
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
