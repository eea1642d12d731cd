//! The rules engine: applies a checked [`Policy`] to one household's slots.
//!
//! [`Engine::decide`] runs the computed values in dependency order, the
//! deprivation count, the programs in declared order (eligibility, deferral,
//! amount), the cap, the track rules and the priority formula, writing every
//! result into a caller-owned [`Scratch`]. Nothing is allocated per row: the
//! scratch is created once per thread and reused.

mod exact;
mod overridden;
pub mod overrides;
pub mod parting;
mod stacking;
pub mod trace;
pub mod why;

use crate::expr::exact::{NEAR, mark_close, near_rounding, take_close};
use crate::expr::{Arena, EPSILON, Root};
use crate::numfmt::round_half_up;
use crate::policy::{Node, Period, Policy};
pub use overridden::Overridden;

/// What happened to one program for one household.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    Denied,
    Granted,
    /// Eligible, but starts later (e.g. capacity building after an emergency).
    Deferred,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Denied => "denied",
            Status::Granted => "granted",
            Status::Deferred => "deferred",
        }
    }
}

/// One program's verdict for the current household.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ProgramOutcome {
    pub status: Status,
    /// Amount in whole currency units, after the cap.
    pub amount: f64,
    /// Amount before the cap, when the cap reduced it.
    pub capped_from: Option<f64>,
    pub duration_months: Option<f64>,
    pub starts_after_months: Option<f64>,
    /// Denied because this program, declared before it, was granted (`excludes`).
    pub excluded_by: Option<u16>,
    /// The amount before `reduced_by` took what the household already
    /// receives off it, when it took anything.
    pub reduced_from: Option<f64>,
}

impl Default for ProgramOutcome {
    fn default() -> Self {
        ProgramOutcome {
            status: Status::Denied,
            amount: 0.0,
            capped_from: None,
            duration_months: None,
            starts_after_months: None,
            excluded_by: None,
            reduced_from: None,
        }
    }
}

/// A value the policy computed that is not a finite number (e.g. a division by zero).
#[derive(Debug, Clone, PartialEq)]
pub struct EvalError {
    /// What produced it: a derived value's name, `program.amount`, `priority`, …
    pub what: String,
    pub value: f64,
}

impl std::fmt::Display for EvalError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.value.is_nan() {
            write!(f, "{} is undefined", self.what)
        } else if self.value.is_finite() {
            write!(f, "{} is negative ({})", self.what, self.value)
        } else {
            write!(f, "{} is not a finite number ({})", self.what, self.value)
        }
    }
}

/// Per-thread working memory for deciding rows; reused for every row.
#[derive(Debug, Clone)]
pub struct Scratch {
    /// Inputs, then derived values, indicators, score, status, program flags.
    pub slots: Vec<f64>,
    pub programs: Vec<ProgramOutcome>,
    /// Index into `policy.tracks`.
    pub track: usize,
    pub priority: f64,
    pub monthly_total: f64,
    pub one_off_total: f64,
    pub capped: bool,
    /// The household monthly cap for this row, when the policy has one.
    pub cap: Option<f64>,
    pub review_after_months: u32,
    /// For each policy reason, whether its condition holds.
    pub reasons: Vec<bool>,
    /// `[ranking]`: every group's cut-points (`groups - 1` each, group after
    /// group), empty before they are known (the first pass: `decile` is 0).
    pub cuts: Vec<f64>,
    /// `[ranking]`: the row's group among `cuts` (`--rank-within`; else 0).
    pub rank_group: usize,
    /// `[ranking]`: the row's persons, as the ranking counts them (1 for households).
    pub rank_persons: f64,
    /// `[ranking]`: a decile given rather than looked up (a test case, `explain`).
    pub decile: Option<u32>,
    /// The decision before community overrides changed it (`--overrides`),
    /// for a household that has some; `None` otherwise.
    pub overridden: Option<Box<Overridden>>,
    /// Exact values of the row's slots, filled only for a row that lands
    /// within rounding error of a threshold or a printed tie.
    exact: exact::Memo,
}

/// A policy ready to decide households.
#[derive(Debug, Clone)]
pub struct Engine<'p> {
    pub policy: &'p Policy,
    rules: Rules,
}

/// Every expression a decision runs, copied into one [`Arena`] in the order
/// [`Engine::decide`] runs them: a row then reads a few contiguous cache
/// lines of nodes instead of one or two lines in each of the policy's
/// structures, and the row's own data stays in the first-level cache.
#[derive(Debug, Clone, Default)]
struct Rules {
    arena: Arena,
    /// The computed values in dependency order (`policy.order`), with what
    /// each step needs copied in, so that no policy structure is read per row.
    order: Vec<Step>,
    /// The deprivation count, when the policy has one.
    deprivation: Option<Counting>,
    programs: Vec<ProgramRules>,
    /// Per program, the programs that exclude it (`ProgramRules::excluders`
    /// is its range here).
    excluders: Vec<u16>,
    /// `[caps]` per provider, applied before `cap`.
    provider_caps: Vec<(crate::policy::Provider, Root)>,
    cap: Option<Root>,
    tracks: Vec<Option<Root>>,
    reasons: Vec<Root>,
    priority: Option<Root>,
    /// `[ranking]`: the welfare and persons expressions.
    ranking: Option<RankRules>,
    /// `[ranking]`: the steps of `order` the welfare and persons need (the
    /// first pass computes only these).
    welfare_order: Vec<Step>,
    /// What each slot holds, for the exact evaluation.
    slot_kinds: Vec<exact::SlotKind>,
    /// Number slots that are printed rounded (derived numbers, number and
    /// money inputs, the score) and at how many decimals.
    printed: Vec<exact::Printed>,
}

#[derive(Debug, Clone, Copy)]
enum Step {
    /// A derived value: its program, its slot and its index in `policy.derived`.
    Derived {
        root: Root,
        slot: usize,
        index: usize,
    },
    /// An indicator: its condition, its slot and its index in the indicators.
    Indicator {
        root: Root,
        slot: usize,
        index: usize,
    },
    Score,
    Status,
}

#[derive(Debug, Clone, Default)]
struct Counting {
    /// Each indicator's slot and weight, in declared order.
    weights: Vec<(usize, f64)>,
    score_slot: usize,
    status_slot: usize,
    /// `cutoff - 1e-9` for vulnerable, poor and severe: the score meets a
    /// cutoff when it is at least this.
    thresholds: [f64; 3],
    /// How close to each threshold a score is re-decided exactly.
    bands: [f64; 3],
}

#[derive(Debug, Clone, Copy)]
struct RankRules {
    welfare: Root,
    persons: Option<Root>,
    welfare_slot: usize,
    decile_slot: usize,
    /// Cut-points per group (`groups - 1`).
    width: usize,
}

#[derive(Debug, Clone, Copy)]
struct ProgramRules {
    eligible: Root,
    deferred_when: Option<Root>,
    amount: Root,
    duration_months: Option<Root>,
    starts_after_months: Option<Root>,
    granted_slot: usize,
    period: Period,
    review_months: u32,
    reduced_by: Option<Root>,
    lead: crate::policy::Provider,
    /// The range of `Rules::excluders` naming the programs that exclude it.
    excluders: (u32, u32),
}

impl Rules {
    fn new(p: &Policy) -> Rules {
        let whole = whole_slots(p);
        let mut arena = WholeArena {
            arena: Arena::default(),
            whole: &whole,
        };
        let order: Vec<Step> = p
            .order
            .iter()
            .filter_map(|node| match *node {
                Node::Derived(index) => p.derived.get(index).map(|d| Step::Derived {
                    root: arena.add(&d.program),
                    slot: d.slot,
                    index,
                }),
                Node::Indicator(index) => p
                    .deprivation
                    .as_ref()
                    .and_then(|dep| dep.indicators.get(index))
                    .map(|ind| Step::Indicator {
                        root: arena.add(&ind.when),
                        slot: ind.slot,
                        index,
                    }),
                Node::Score => Some(Step::Score),
                Node::Status => Some(Step::Status),
            })
            .collect();
        let deprivation = p.deprivation.as_ref().map(|dep| Counting {
            weights: dep.indicators.iter().map(|i| (i.slot, i.weight)).collect(),
            score_slot: dep.score_slot,
            status_slot: dep.status_slot,
            thresholds: [dep.vulnerable_cutoff, dep.poor_cutoff, dep.severe_cutoff]
                .map(|c| c - EPSILON),
            bands: [dep.vulnerable_cutoff, dep.poor_cutoff, dep.severe_cutoff]
                .map(|c| 2.0 * NEAR * (c - EPSILON).abs()),
        });
        let mut excluders: Vec<u16> = Vec::new();
        let programs = p
            .programs
            .iter()
            .map(|prog| ProgramRules {
                excluders: {
                    let start = excluders.len() as u32;
                    excluders.extend(prog.excluded_by.iter().map(|&j| j as u16));
                    (start, excluders.len() as u32)
                },
                reduced_by: prog.reduced_by.as_ref().map(|d| arena.add(d)),
                lead: prog.lead,
                eligible: arena.add(&prog.eligible),
                deferred_when: prog.deferred_when.as_ref().map(|d| arena.add(d)),
                amount: arena.add(&prog.amount),
                duration_months: prog.duration_months.as_ref().map(|d| arena.add(d)),
                starts_after_months: prog.starts_after_months.as_ref().map(|d| arena.add(d)),
                granted_slot: prog.granted_slot,
                period: prog.period,
                review_months: prog.review_months,
            })
            .collect();
        let provider_caps = p
            .provider_caps
            .iter()
            .map(|c| (c.provider, arena.add(&c.monthly)))
            .collect();
        let cap = p.cap.as_ref().map(|c| arena.add(c));
        let tracks = p
            .tracks
            .iter()
            .map(|t| t.when.as_ref().map(|w| arena.add(w)))
            .collect();
        let reasons = p.reasons.iter().map(|r| arena.add(&r.when)).collect();
        let priority = p.priority.as_ref().map(|f| arena.add(f));
        let ranking = p.ranking.as_ref().map(|r| RankRules {
            welfare: arena.add(&r.welfare),
            persons: r.persons.as_ref().map(|f| arena.add(f)),
            welfare_slot: r.welfare_slot,
            decile_slot: r.decile_slot,
            width: r.groups as usize - 1,
        });
        let welfare_order = p
            .ranking
            .as_ref()
            .map_or_else(Vec::new, |r| welfare_steps(p, &order, r));
        Rules {
            arena: arena.arena,
            welfare_order,
            order,
            deprivation,
            programs,
            excluders,
            provider_caps,
            cap,
            tracks,
            reasons,
            priority,
            ranking,
            slot_kinds: exact::slot_kinds(p),
            printed: exact::printed_slots(p),
        }
    }
}

/// The steps of `order` (dependencies first) that the ranking's welfare and
/// persons depend on, directly or not.
fn welfare_steps(p: &Policy, order: &[Step], r: &crate::policy::ranking::Ranking) -> Vec<Step> {
    let mut need = vec![false; p.slot_count];
    let mark = |need: &mut Vec<bool>, slots: &[usize]| {
        for &slot in slots {
            if let Some(n) = need.get_mut(slot) {
                *n = true;
            }
        }
    };
    mark(&mut need, r.welfare.slots_used());
    if let Some(persons) = &r.persons {
        mark(&mut need, persons.slots_used());
    }
    let needed = |need: &[bool], slot: usize| need.get(slot).copied().unwrap_or(false);
    let mut keep = vec![false; order.len()];
    for (i, step) in order.iter().enumerate().rev() {
        let dep = p.deprivation.as_ref();
        match *step {
            Step::Derived { slot, index, .. } if needed(&need, slot) => {
                keep[i] = true;
                if let Some(d) = p.derived.get(index) {
                    mark(&mut need, d.program.slots_used());
                }
            }
            Step::Indicator { slot, index, .. } if needed(&need, slot) => {
                keep[i] = true;
                if let Some(ind) = dep.and_then(|d| d.indicators.get(index)) {
                    mark(&mut need, ind.when.slots_used());
                }
            }
            Step::Score if dep.is_some_and(|d| needed(&need, d.score_slot)) => {
                keep[i] = true;
                if let Some(d) = dep {
                    let slots: Vec<usize> = d.indicators.iter().map(|i| i.slot).collect();
                    mark(&mut need, &slots);
                }
            }
            Step::Status if dep.is_some_and(|d| needed(&need, d.status_slot)) => {
                keep[i] = true;
                if let Some(d) = dep {
                    mark(&mut need, &[d.score_slot]);
                }
            }
            _ => {}
        }
    }
    order
        .iter()
        .zip(keep)
        .filter(|(_, k)| *k)
        .map(|(step, _)| *step)
        .collect()
}

/// The engine's arena, built knowing which slots hold whole numbers.
struct WholeArena<'w> {
    arena: Arena,
    whole: &'w [bool],
}

impl WholeArena<'_> {
    fn add(&mut self, program: &crate::expr::Program) -> Root {
        self.arena.add_whole(program, self.whole)
    }
}

/// Slots that hold whole numbers below 2^31 in magnitude: integer inputs
/// whose declared `min` and `max` are within it (a count, months, meals).
/// Comparisons among such values are exact in `f64` and need no check.
fn whole_slots(p: &Policy) -> Vec<bool> {
    const LIMIT: f64 = 2_147_483_648.0;
    let mut whole = vec![false; p.slot_count];
    for (slot, input) in p.inputs.iter().enumerate() {
        let bounded =
            matches!((input.min, input.max), (Some(lo), Some(hi)) if lo > -LIMIT && hi < LIMIT);
        if input.ty == crate::policy::InputType::Integer
            && bounded
            && let Some(w) = whole.get_mut(slot)
        {
            *w = true;
        }
    }
    // `decile`: a whole number from 0 to the number of groups (≤ 1000).
    if let Some(w) = p
        .ranking
        .as_ref()
        .and_then(|r| whole.get_mut(r.decile_slot))
    {
        *w = true;
    }
    whole
}

impl<'p> Engine<'p> {
    pub fn new(policy: &'p Policy) -> Engine<'p> {
        Engine {
            policy,
            rules: Rules::new(policy),
        }
    }

    /// Working memory sized for this policy.
    pub fn scratch(&self) -> Scratch {
        Scratch {
            slots: vec![0.0; self.policy.slot_count],
            programs: vec![ProgramOutcome::default(); self.policy.programs.len()],
            track: 0,
            priority: 0.0,
            monthly_total: 0.0,
            one_off_total: 0.0,
            capped: false,
            cap: None,
            review_after_months: self.policy.default_review_months,
            reasons: Vec::with_capacity(self.policy.reasons.len()),
            cuts: Vec::new(),
            rank_group: 0,
            rank_persons: 1.0,
            decile: None,
            overridden: None,
            exact: exact::Memo::new(self.policy.slot_count),
        }
    }

    /// Decide the household whose inputs are in `s.slots` (filled by the input stage).
    ///
    /// The rules run in `f64`. A row where a comparison, a rounding of an
    /// amount or a `round`/`floor`/`ceil` lands within rounding error of its
    /// threshold is decided again with exact arithmetic, and that decision
    /// stands; a row where only a printed value lands on a rounding tie gets
    /// that value computed exactly (see `engine/exact.rs`).
    pub fn decide(&self, s: &mut Scratch) -> Result<(), EvalError> {
        take_close();
        let fast = self.decide_f64(s);
        if take_close() {
            // Overflow of i128 keeps the f64 decision (documented bound).
            if let Ok(decided) = self.decide_exact(s) {
                return decided;
            }
            return fast;
        }
        if fast.is_ok() {
            self.fix_printed(s);
        }
        fast
    }

    /// [`Engine::decide`] in `f64`, marking results close to a threshold.
    fn decide_f64(&self, s: &mut Scratch) -> Result<(), EvalError> {
        self.compute_values(s)?;
        // Programs in declared order; each one's flag is visible to later
        // ones. (This loop stays here: moved into a function of its own, even
        // one inlined always, it cost 27 to 34 more instructions per row
        // under callgrind.)
        let p = self.policy;
        let r = &self.rules;
        for (i, (prog, rules)) in p.programs.iter().zip(&r.programs).enumerate() {
            let mut out = ProgramOutcome::default();
            let eligible = self.condition(rules.eligible, s, || {
                format!("the eligibility of {}", prog.id)
            })?;
            // Excluded by a granted program before it: denied, its amount
            // not computed (engine/stacking.rs).
            out.excluded_by = if eligible { self.excluder(i, s) } else { None };
            if eligible && out.excluded_by.is_none() {
                let deferred = match rules.deferred_when {
                    Some(d) => self.condition(d, s, || format!("the deferral of {}", prog.id))?,
                    None => false,
                };
                let amount = self.value(rules.amount, s);
                // A negative amount may be an exact zero; a half may be a
                // value just below it.
                mark_close(amount < 0.0 || near_rounding(amount, 1.0));
                if !amount.is_finite() || amount < 0.0 {
                    let what = format!("the amount of {}", prog.id);
                    return Err(self.not_finite(rules.amount, s, what, amount));
                }
                let amount = match rules.reduced_by {
                    Some(by) => self.reduce(by, amount, s, &mut out, || {
                        format!("the reduction of {}", prog.id)
                    })?,
                    None => amount,
                };
                out.amount = round_half_up(amount, 0);
                out.duration_months = match rules.duration_months {
                    Some(d) => Some(months(self.value(d, s), || {
                        format!("the duration of {}", prog.id)
                    })?),
                    None => None,
                };
                if deferred {
                    out.status = Status::Deferred;
                    out.starts_after_months = match rules.starts_after_months {
                        Some(d) => Some(months(self.value(d, s), || {
                            format!("the start delay of {}", prog.id)
                        })?),
                        None => None,
                    };
                } else {
                    out.status = Status::Granted;
                }
            }
            s.slots[rules.granted_slot] = if out.status == Status::Granted {
                1.0
            } else {
                0.0
            };
            s.programs[i] = out;
        }
        self.apply_cap(s)?;
        self.add_up_grants(s);
        self.choose_track(s)?;
        self.decide_reasons(s)?;
        s.priority = match self.rules.priority {
            Some(f) => finite(self.value(f, s), || "the priority".into())?,
            None => 0.0,
        };
        Ok(())
    }

    /// The monthly and one-off totals of the granted programs (after the
    /// cap), and the earliest review among them (the policy's default when
    /// none is granted).
    #[inline(always)]
    fn add_up_grants(&self, s: &mut Scratch) {
        s.monthly_total = 0.0;
        s.one_off_total = 0.0;
        s.review_after_months = u32::MAX;
        for (prog, out) in self.rules.programs.iter().zip(&s.programs) {
            if out.status != Status::Granted {
                continue;
            }
            match prog.period {
                Period::Month => s.monthly_total += out.amount,
                Period::OneOff => s.one_off_total += out.amount,
            }
            s.review_after_months = s.review_after_months.min(prog.review_months);
        }
        if s.review_after_months == u32::MAX {
            s.review_after_months = self.policy.default_review_months;
        }
    }

    /// The first track whose rule holds (a track without a rule always
    /// holds); the last track when none does.
    #[inline(always)]
    fn choose_track(&self, s: &mut Scratch) -> Result<(), EvalError> {
        let tracks = &self.policy.tracks;
        s.track = tracks.len().saturating_sub(1);
        for (i, (t, when)) in tracks.iter().zip(&self.rules.tracks).enumerate() {
            let holds = match *when {
                Some(w) => self.condition(w, s, || format!("the track rule {}", t.id))?,
                None => true,
            };
            if holds {
                s.track = i;
                break;
            }
        }
        Ok(())
    }

    /// Whether each reason's condition holds. Reasons are decided here, so
    /// that an undefined condition rejects the row instead of silently
    /// dropping a sentence; the writers read the flags.
    #[inline(always)]
    fn decide_reasons(&self, s: &mut Scratch) -> Result<(), EvalError> {
        s.reasons.clear();
        for (reason, &when) in self.policy.reasons.iter().zip(&self.rules.reasons) {
            let holds = self.condition(when, s, || format!("the reason {}", reason.id))?;
            s.reasons.push(holds);
        }
        Ok(())
    }

    /// The value of one of the policy's expressions for the current row.
    #[inline(always)]
    fn value(&self, root: Root, s: &Scratch) -> f64 {
        self.rules.arena.eval(root, &s.slots)
    }

    /// A boolean expression's verdict; an undefined (NaN) condition is an error.
    #[inline]
    fn condition(
        &self,
        root: Root,
        s: &Scratch,
        what: impl FnOnce() -> String,
    ) -> Result<bool, EvalError> {
        let v = self.value(root, s);
        if v.is_nan() {
            return Err(self.undefined_condition(root, s, what()));
        }
        Ok(v != 0.0)
    }

    /// The error of a condition that is undefined, naming the part of its
    /// expression the undefined value comes from.
    #[cold]
    #[inline(never)]
    fn undefined_condition(&self, root: Root, s: &Scratch, what: String) -> EvalError {
        let what = match self.rules.arena.undefined_at(root, &s.slots) {
            Some(at) => format!("{what} (it depends on an undefined value: {at})"),
            None => {
                format!("{what} (it depends on an undefined value, such as a division by zero)")
            }
        };
        EvalError {
            what,
            value: f64::NAN,
        }
    }

    /// The error of a value that is not a finite number: `what`, and where
    /// in its expression an undefined value comes from.
    #[cold]
    #[inline(never)]
    fn not_finite(&self, root: Root, s: &Scratch, what: String, value: f64) -> EvalError {
        let what = match self.rules.arena.undefined_at(root, &s.slots) {
            Some(at) => format!("{what} (from {at})"),
            None => what,
        };
        EvalError { what, value }
    }

    /// Derived values, indicators, deprivation score and status, in dependency order.
    fn compute_values(&self, s: &mut Scratch) -> Result<(), EvalError> {
        self.compute_steps(&self.rules.order, s)?;
        if let Some(r) = &self.rules.ranking {
            self.rank_values(r, s)?;
        }
        Ok(())
    }

    /// `steps` of the computed values, in order.
    fn compute_steps(&self, steps: &[Step], s: &mut Scratch) -> Result<(), EvalError> {
        let p = self.policy;
        for step in steps {
            match *step {
                Step::Derived { root, slot, index } => {
                    let v = self.value(root, s);
                    if !v.is_finite() {
                        let what = p
                            .derived
                            .get(index)
                            .map_or_else(String::new, |d| d.name.clone());
                        return Err(self.not_finite(root, s, what, v));
                    }
                    s.slots[slot] = v;
                }
                Step::Indicator { root, slot, index } => {
                    let deprived = self.condition(root, s, || {
                        let id = p
                            .deprivation
                            .as_ref()
                            .and_then(|d| d.indicators.get(index))
                            .map_or("", |i| i.id.as_str());
                        format!("the indicator {id}")
                    })?;
                    s.slots[slot] = if deprived { 1.0 } else { 0.0 };
                }
                Step::Score => {
                    if let Some(c) = &self.rules.deprivation {
                        let score: f64 = c
                            .weights
                            .iter()
                            .filter(|(slot, _)| s.slots[*slot] != 0.0)
                            .map(|(_, weight)| weight)
                            .sum();
                        s.slots[c.score_slot] = score;
                    }
                }
                Step::Status => {
                    if let Some(c) = &self.rules.deprivation {
                        let score = s.slots[c.score_slot];
                        let at_least = |i: usize| {
                            let (threshold, band) = (c.thresholds[i], c.bands[i]);
                            mark_close((score - threshold).abs() <= band);
                            score >= threshold
                        };
                        s.slots[c.status_slot] = if at_least(2) {
                            3.0
                        } else if at_least(1) {
                            2.0
                        } else if at_least(0) {
                            1.0
                        } else {
                            0.0
                        };
                    }
                }
            }
        }
        Ok(())
    }

    /// `[ranking]`: the row's welfare, its persons and (once the cut-points
    /// are known) its decile: the smallest `k` with welfare ≤ `c_k` in `f64`
    /// total order, else the last group.
    #[inline]
    fn rank_values(&self, r: &RankRules, s: &mut Scratch) -> Result<(), EvalError> {
        let welfare = self.value(r.welfare, s);
        if !welfare.is_finite() {
            return Err(EvalError {
                what: "the welfare of the ranking".into(),
                value: welfare,
            });
        }
        s.rank_persons = match r.persons {
            Some(p) => {
                let persons = self.value(p, s);
                if !(persons.is_finite() && persons >= 0.0 && persons.fract() == 0.0) {
                    return Err(EvalError {
                        what: "the persons of the ranking (a whole number, not negative)".into(),
                        value: if persons.is_finite() && persons >= 0.0 {
                            f64::NAN
                        } else {
                            persons
                        },
                    });
                }
                persons
            }
            None => 1.0,
        };
        s.slots[r.welfare_slot] = welfare;
        let start = s.rank_group.saturating_mul(r.width);
        let cuts = s.cuts.get(start..start.saturating_add(r.width));
        s.slots[r.decile_slot] = match cuts.filter(|c| c.len() == r.width) {
            _ if s.decile.is_some() => f64::from(s.decile.unwrap_or(0)),
            Some(cuts) => (1 + cuts.partition_point(|c| c.total_cmp(&welfare).is_lt())) as f64,
            None => 0.0,
        };
        Ok(())
    }

    /// `[ranking]`, first pass: the row's derived values and welfare only
    /// (no program is decided); its welfare and persons are then in `s`.
    pub fn welfare(&self, s: &mut Scratch) -> Result<(), EvalError> {
        take_close();
        let done = self
            .compute_steps(&self.rules.welfare_order, s)
            .and_then(|()| match &self.rules.ranking {
                Some(r) => self.rank_values(r, s),
                None => Ok(()),
            });
        take_close();
        done
    }
}

/// A number of months: finite and not negative.
fn months(v: f64, what: impl FnOnce() -> String) -> Result<f64, EvalError> {
    mark_close(v < 0.0);
    if v.is_finite() && v >= 0.0 {
        Ok(v)
    } else {
        Err(EvalError {
            what: what(),
            value: v,
        })
    }
}

fn finite(v: f64, what: impl FnOnce() -> String) -> Result<f64, EvalError> {
    if v.is_finite() {
        Ok(v)
    } else {
        Err(EvalError {
            what: what(),
            value: v,
        })
    }
}

#[cfg(test)]
mod tests;
