//! Run summaries: counts, costs, poverty measures and budget figures,
//! accumulated while deciding (`layak assess --summary`).
//!
//! Every figure is a sum of integers, so it does not depend on the order in
//! which rows are added: workers accumulate one batch each into a
//! [`BatchAcc`] (a few counters per group, no allocation per row), the
//! merger folds batches into a [`Summary`], and a row the merger turns into a
//! `duplicate_id` reject is taken out again exactly ([`BatchAcc::remove`]).
//! Money is in whole currency units; income gaps, the only fractions, are
//! counted in fixed point with 40 fraction bits (an error below 10⁻¹²).
//!
//! ## Measures
//!
//! With `n_i` the weight of household `i` (its persons, or 1 with
//! `--unweighted`), `c_i` its deprivation score, `k` the policy's poor
//! cutoff, `w_j` the weight of indicator `j`, `y_i` its per-capita income
//! and `z_i` its poverty line, and `N = Σ n_i` over decided households:
//!
//! - headcount ratio `H = Σ_{c_i ≥ k} n_i / N`;
//! - censored headcount ratio of indicator `j`: `h_j = Σ_{c_i ≥ k, i deprived in j} n_i / N`;
//! - adjusted headcount ratio `M0 = Σ_j w_j h_j` (equal to `Σ_{c_i ≥ k} n_i c_i / N`);
//! - intensity `A = M0 / H`; contribution of `j`: `100 · w_j h_j / M0`;
//! - FGT_α `= Σ_{y_i < z_i} n_i ((z_i − y_i) / z_i)^α / N` for α = 0, 1, 2.
//!
//! Alkire & Foster (2011), J. Public Economics 95(7–8); Foster, Greer &
//! Thorbecke (1984), Econometrica 52(3).

use std::collections::HashMap;
use std::fmt::Write as _;

use serde::Serialize;
use serde::ser::{SerializeMap, Serializer};

use crate::engine::{Scratch, Status};
use crate::expr::EPSILON;
use crate::input::{Layout, RowParser, cell};
use crate::numfmt;
use crate::policy::{DEPRIVATION_STATUSES, InputType, Period, Policy, noun};

/// 1.0 in the fixed point of income gaps.
const GAP_ONE: f64 = (1u64 << 40) as f64;
/// "No value" for the small per-row indices.
const NONE8: u8 = u8::MAX;

// Fact flags.
const CAPPED: u8 = 1;
const ELIGIBLE: u8 = 2;
const FUNDED: u8 = 4;
const HAS_LINE: u8 = 8;
const INCOME_POOR: u8 = 16;

/// Counters of one program: granted, deferred, capped, monthly cost,
/// one-off cost, deferred amount.
const PROGRAM_WIDTH: usize = 6;
/// Counters of one indicator: deprived (households, persons), deprived and
/// multidimensionally poor (households, persons).
const INDICATOR_WIDTH: usize = 4;

/// How many groups `--by` makes unless `--max-groups` says otherwise. Each
/// group costs a few kilobytes of counters and a block of the summary: a
/// column of ids would otherwise make a summary larger than the input.
pub const DEFAULT_MAX_GROUPS: usize = 10_000;

/// The column `--by` groups on.
#[derive(Debug, Clone)]
pub struct By {
    /// The name as the user typed it.
    pub name: String,
    kind: ByKind,
    /// The most groups (distinct values) a run may make; one more is an error.
    pub max_groups: usize,
}

/// `--by` met more distinct values than `--max-groups` allows.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "--by {column}: more than {} distinct values of `{column}`, and a summary makes at most {} groups (--max-groups, default {})\n  group by a column with fewer values, or raise the limit with --max-groups N",
    grouped(*.limit as u128),
    grouped(*.limit as u128),
    grouped(DEFAULT_MAX_GROUPS as u128)
)]
pub struct TooManyGroups {
    pub column: String,
    pub limit: usize,
}

#[derive(Debug, Clone, Copy)]
enum ByKind {
    /// A text input of the policy: its trimmed text (or default).
    Text(usize),
    /// An enum, bool or numeric input: its value.
    Value(usize),
    /// A column of the file that the policy does not read.
    Column(usize),
}

impl By {
    /// Find `name` among the policy's inputs, then among the file's columns
    /// (both case-insensitively).
    pub fn resolve(
        policy: &Policy,
        layout: &Layout,
        header: &[String],
        name: &str,
    ) -> Result<By, String> {
        let wanted = name.trim().to_lowercase();
        if let Some(i) = policy
            .inputs
            .iter()
            .position(|i| i.name.to_lowercase() == wanted)
        {
            let kind = if policy.inputs[i].ty.is_text() {
                ByKind::Text(i)
            } else {
                ByKind::Value(i)
            };
            return Ok(By {
                name: policy.inputs[i].name.clone(),
                kind,
                max_groups: DEFAULT_MAX_GROUPS,
            });
        }
        if let Some(c) = header.iter().position(|h| h.to_lowercase() == wanted) {
            if layout.columns.contains(&Some(c)) {
                // A renamed column: group by the input it feeds.
                let i = layout
                    .columns
                    .iter()
                    .position(|x| *x == Some(c))
                    .unwrap_or(0);
                return By::resolve(policy, layout, header, &policy.inputs[i].name);
            }
            return Ok(By {
                name: header[c].clone(),
                kind: ByKind::Column(c),
                max_groups: DEFAULT_MAX_GROUPS,
            });
        }
        let mut names: Vec<&str> = policy.inputs.iter().map(|i| i.name.as_str()).collect();
        names.extend(layout.unused.iter().map(String::as_str));
        let hint = crate::expr::suggest(&wanted, names.iter().copied())
            .map(|s| format!("; did you mean `{s}`?"))
            .unwrap_or_default();
        Err(format!(
            "--by {name}: no policy input or file column of that name{hint}\n  choose one of: {}",
            crate::policy::quote_list(&names)
        ))
    }

    /// The same grouping with at most `limit` groups (`--max-groups`).
    pub fn with_max_groups(self, limit: Option<usize>) -> By {
        By {
            max_groups: limit.unwrap_or(DEFAULT_MAX_GROUPS),
            ..self
        }
    }
}

/// The policy input counted as a household's persons: `name`, or `members`
/// when the policy has an integer input of that name. It must be an integer.
pub fn persons_input(policy: &Policy, name: Option<&str>) -> Result<Option<usize>, String> {
    let find = |n: &str| {
        policy
            .inputs
            .iter()
            .position(|i| i.name.eq_ignore_ascii_case(n.trim()))
    };
    match name {
        Some(n) => match find(n) {
            Some(i) if policy.inputs[i].ty == InputType::Integer => Ok(Some(i)),
            Some(i) => Err(format!(
                "--persons-column {n}: `{}` is a {} input; persons must be an integer input",
                policy.inputs[i].name,
                policy.inputs[i].ty.keyword()
            )),
            None => Err(format!(
                "--persons-column {n}: the policy has no input of that name (integer inputs: {})",
                policy
                    .inputs
                    .iter()
                    .filter(|i| i.ty == InputType::Integer)
                    .map(|i| i.name.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            )),
        },
        None => Ok(find("members").filter(|&i| policy.inputs[i].ty == InputType::Integer)),
    }
}

/// Where each figure lives in a group's counters.
#[derive(Debug, Clone, Copy, Default)]
struct Offsets {
    track: usize,
    income: usize,
    dep: usize,
    program: usize,
    totals: usize,
    indicator: usize,
    fgt: usize,
    budget: usize,
    width: usize,
}

/// What to summarise, for one policy.
#[derive(Debug, Clone)]
pub struct Spec {
    persons: Option<usize>,
    by: Option<By>,
    weighted: bool,
    periods: Vec<Period>,
    income_values: usize,
    indicators: usize,
    words: usize,
    off: Offsets,
}

impl Spec {
    /// `persons`: the input counted as persons (see [`persons_input`]);
    /// `weighted`: poverty measures weighted by persons (households otherwise).
    pub fn new(policy: &Policy, persons: Option<usize>, by: Option<By>, weighted: bool) -> Spec {
        let tracks = policy.tracks.len();
        let income_values = policy
            .fields
            .income_status
            .map_or(0, |(_, e)| policy.enums[usize::from(e)].values.len());
        let deps = if policy.deprivation.is_some() {
            DEPRIVATION_STATUSES.len()
        } else {
            0
        };
        let indicators = policy
            .deprivation
            .as_ref()
            .map_or(0, |d| d.indicators.len());
        let mut off = Offsets {
            track: 2,
            ..Offsets::default()
        };
        off.income = off.track + 2 * tracks;
        off.dep = off.income + 2 * income_values;
        off.program = off.dep + 2 * deps;
        off.totals = off.program + PROGRAM_WIDTH * policy.programs.len();
        off.indicator = off.totals + 3;
        off.fgt = off.indicator + INDICATOR_WIDTH * indicators;
        off.budget = off.fgt + 8;
        off.width = off.budget + 8;
        Spec {
            persons,
            by,
            weighted,
            periods: policy.programs.iter().map(|p| p.period).collect(),
            income_values,
            indicators,
            words: indicators.div_ceil(64),
            off,
        }
    }

    pub fn by(&self) -> Option<&By> {
        self.by.as_ref()
    }

    /// Write the `--by` value of a decided row into `out` (cleared first):
    /// text as read, other values as 8 bytes that sort in numeric order.
    pub fn group_key<R: crate::input::Fields + ?Sized>(
        &self,
        parser: &RowParser<'_>,
        record: &R,
        slots: &[f64],
        out: &mut Vec<u8>,
    ) {
        out.clear();
        match self.by.as_ref().map(|b| b.kind) {
            None => {}
            Some(ByKind::Text(i)) => out.extend_from_slice(parser.text(record, i)),
            Some(ByKind::Column(c)) => {
                out.extend_from_slice(record.get(c).map_or(&b""[..], cell::trim));
            }
            Some(ByKind::Value(i)) => out.extend_from_slice(&sortable(slots[i])),
        }
    }
}

/// An f64 as 8 bytes whose byte order is the numeric order.
fn sortable(v: f64) -> [u8; 8] {
    let bits = v.to_bits();
    let bits = if bits >> 63 == 1 {
        !bits
    } else {
        bits | (1 << 63)
    };
    bits.to_be_bytes()
}

fn from_sortable(b: &[u8]) -> f64 {
    let mut a = [0u8; 8];
    a.copy_from_slice(&b[..8]);
    let bits = u64::from_be_bytes(a);
    f64::from_bits(if bits >> 63 == 1 {
        bits & !(1 << 63)
    } else {
        !bits
    })
}

/// A non-negative amount rounded to an integer (`as` saturates: negative
/// and NaN give 0, too large gives `u64::MAX`).
#[inline]
fn whole(x: f64) -> u64 {
    (x + 0.5) as u64
}

/// What one decided row adds to its group: enough to take it out again.
#[derive(Debug, Clone, Copy, Default)]
struct Fact {
    group: u32,
    track: u16,
    income: u8,
    dep: u8,
    flags: u8,
    persons: u64,
    monthly: u64,
    one_off: u64,
    gap: u64,
    gap2: u64,
}

#[derive(Debug, Clone, Copy)]
struct ProgramFact {
    status: Status,
    capped: bool,
    amount: u64,
}

/// One batch's figures, by group; reused from batch to batch.
#[derive(Debug, Default)]
pub struct BatchAcc {
    index: HashMap<Vec<u8>, u32>,
    keys: Vec<Vec<u8>>,
    /// Past `--max-groups`, every new value's rows are counted in this one
    /// extra group (never merged), so that memory stays bounded until the
    /// run ends with [`TooManyGroups`].
    overflow: Option<u32>,
    counters: Vec<u128>,
    facts: Vec<Fact>,
    programs: Vec<ProgramFact>,
    bits: Vec<u64>,
}

/// A decided row's budget standing (pass 2 of `--budget`).
#[derive(Debug, Clone, Copy, Default)]
pub struct Standing {
    pub funded: bool,
}

impl BatchAcc {
    pub fn clear(&mut self) {
        self.index.clear();
        self.keys.clear();
        self.overflow = None;
        self.counters.clear();
        self.facts.clear();
        self.programs.clear();
        self.bits.clear();
    }

    /// The batch-local index of the group with this key.
    pub fn group(&mut self, spec: &Spec, key: &[u8]) -> u32 {
        if spec.by.is_none() {
            if self.keys.is_empty() {
                self.keys.push(Vec::new());
                self.counters.resize(spec.off.width, 0);
            }
            return 0;
        }
        if let Some(&g) = self.index.get(key) {
            return g;
        }
        let limit = spec.by.as_ref().map_or(usize::MAX, |b| b.max_groups);
        if self.index.len() >= limit {
            if let Some(g) = self.overflow {
                return g;
            }
        }
        let g = self.keys.len() as u32;
        if self.index.len() >= limit {
            self.overflow = Some(g);
            self.keys.push(Vec::new());
            self.counters
                .resize(self.counters.len() + spec.off.width, 0);
            return g;
        }
        self.index.insert(key.to_vec(), g);
        self.keys.push(key.to_vec());
        self.counters
            .resize(self.counters.len() + spec.off.width, 0);
        g
    }

    /// Count a decided row in `group`; returns its index for [`BatchAcc::remove`].
    pub fn add(
        &mut self,
        spec: &Spec,
        policy: &Policy,
        s: &Scratch,
        group: u32,
        standing: Standing,
    ) -> u32 {
        let mut f = Fact {
            group,
            track: s.track as u16,
            income: NONE8,
            dep: NONE8,
            persons: spec.persons.map_or(1, |i| whole(s.slots[i])),
            monthly: whole(s.monthly_total),
            one_off: whole(s.one_off_total),
            ..Fact::default()
        };
        if let Some((slot, _)) = policy.fields.income_status {
            let v = s.slots[slot];
            if v >= 0.0 && (v as usize) < spec.income_values {
                f.income = v as u8;
            }
        }
        let first_bit = self.bits.len();
        for _ in 0..spec.words {
            self.bits.push(0);
        }
        if let Some(dep) = &policy.deprivation {
            let v = s.slots[dep.status_slot];
            if v >= 0.0 && (v as usize) < DEPRIVATION_STATUSES.len() {
                f.dep = v as u8;
            }
            for (j, ind) in dep.indicators.iter().enumerate() {
                if s.slots[ind.slot] != 0.0 {
                    self.bits[first_bit + j / 64] |= 1 << (j % 64);
                }
            }
        }
        if s.capped {
            f.flags |= CAPPED;
        }
        if standing.funded {
            f.flags |= FUNDED;
        }
        if let (Some(pci), Some(line)) =
            (policy.fields.per_capita_income, policy.fields.poverty_line)
        {
            let (y, z) = (s.slots[pci], s.slots[line]);
            if z.is_finite() && z > 0.0 && y.is_finite() {
                f.flags |= HAS_LINE;
                if y < z - EPSILON {
                    f.flags |= INCOME_POOR;
                    let g = ((z - y.max(0.0)) / z).clamp(0.0, 1.0);
                    f.gap = (g * GAP_ONE).round() as u64;
                    f.gap2 = (g * g * GAP_ONE).round() as u64;
                }
            }
        }
        for o in &s.programs {
            if o.status == Status::Granted {
                f.flags |= ELIGIBLE;
            }
            self.programs.push(ProgramFact {
                status: o.status,
                capped: o.capped_from.is_some(),
                amount: whole(o.amount),
            });
        }
        let index = self.facts.len();
        self.facts.push(f);
        self.apply(spec, index, false);
        index as u32
    }

    /// Take a counted row out again (it became a `duplicate_id` reject).
    pub fn remove(&mut self, spec: &Spec, fact: u32) {
        self.apply(spec, fact as usize, true);
    }

    fn apply(&mut self, spec: &Spec, index: usize, neg: bool) {
        let f = self.facts[index];
        let o = spec.off;
        let start = f.group as usize * o.width;
        let c = &mut self.counters[start..start + o.width];
        let mut bump = |i: usize, v: u128| {
            c[i] = if neg {
                c[i].wrapping_sub(v)
            } else {
                c[i].wrapping_add(v)
            };
        };
        let p = u128::from(f.persons);
        let pair = |bump: &mut dyn FnMut(usize, u128), i: usize| {
            bump(i, 1);
            bump(i + 1, p);
        };
        pair(&mut bump, 0);
        pair(&mut bump, o.track + 2 * usize::from(f.track));
        if f.income != NONE8 {
            pair(&mut bump, o.income + 2 * usize::from(f.income));
        }
        if f.dep != NONE8 {
            pair(&mut bump, o.dep + 2 * usize::from(f.dep));
        }
        let programs = &self.programs[index * spec.periods.len()..(index + 1) * spec.periods.len()];
        for (j, (g, period)) in programs.iter().zip(&spec.periods).enumerate() {
            let b = o.program + PROGRAM_WIDTH * j;
            let amount = u128::from(g.amount);
            match g.status {
                Status::Granted => {
                    bump(b, 1);
                    match period {
                        Period::Month => bump(b + 3, amount),
                        Period::OneOff => bump(b + 4, amount),
                    }
                }
                Status::Deferred => {
                    bump(b + 1, 1);
                    bump(b + 5, amount);
                }
                Status::Denied => {}
            }
            if g.capped {
                bump(b + 2, 1);
            }
        }
        bump(o.totals, u128::from(f.monthly));
        bump(o.totals + 1, u128::from(f.one_off));
        if f.flags & CAPPED != 0 {
            bump(o.totals + 2, 1);
        }
        // The poor cutoff: status `poor` (2) or `severe` (3).
        let md_poor = f.dep != NONE8 && f.dep >= 2;
        let bits = &self.bits[index * spec.words..(index + 1) * spec.words];
        for j in 0..spec.indicators {
            if bits[j / 64] & (1 << (j % 64)) != 0 {
                let b = o.indicator + INDICATOR_WIDTH * j;
                pair(&mut bump, b);
                if md_poor {
                    pair(&mut bump, b + 2);
                }
            }
        }
        if f.flags & HAS_LINE != 0 {
            pair(&mut bump, o.fgt);
            if f.flags & INCOME_POOR != 0 {
                pair(&mut bump, o.fgt + 2);
                let (g, g2) = (u128::from(f.gap), u128::from(f.gap2));
                bump(o.fgt + 4, g);
                bump(o.fgt + 5, p * g);
                bump(o.fgt + 6, g2);
                bump(o.fgt + 7, p * g2);
            }
        }
        if f.flags & ELIGIBLE != 0 {
            pair(&mut bump, o.budget);
            bump(o.budget + 2, u128::from(f.monthly));
            bump(o.budget + 3, u128::from(f.one_off));
            if f.flags & FUNDED != 0 {
                pair(&mut bump, o.budget + 4);
                bump(o.budget + 6, u128::from(f.monthly));
                bump(o.budget + 7, u128::from(f.one_off));
            }
        }
    }
}

/// The figures of a whole run, by group.
#[derive(Debug, Clone, Default)]
pub struct Summary {
    index: HashMap<Vec<u8>, usize>,
    keys: Vec<Vec<u8>>,
    counters: Vec<u128>,
    /// More distinct `--by` values than `--max-groups` were met.
    overflowed: bool,
}

impl Summary {
    /// Add a batch's figures.
    pub fn merge(&mut self, spec: &Spec, batch: &BatchAcc) {
        let w = spec.off.width;
        let limit = spec.by.as_ref().map_or(usize::MAX, |b| b.max_groups);
        self.overflowed |= batch.overflow.is_some();
        for (g, key) in batch.keys.iter().enumerate() {
            if batch.overflow == Some(g as u32) {
                continue;
            }
            let at = match self.index.get(key.as_slice()) {
                Some(&i) => i,
                None if self.keys.len() >= limit => {
                    // Counted no further: the run ends with an error.
                    self.overflowed = true;
                    continue;
                }
                None => {
                    let i = self.keys.len();
                    self.index.insert(key.clone(), i);
                    self.keys.push(key.clone());
                    self.counters.resize(self.counters.len() + w, 0);
                    i
                }
            };
            let dst = &mut self.counters[at * w..(at + 1) * w];
            for (d, s) in dst.iter_mut().zip(&batch.counters[g * w..(g + 1) * w]) {
                *d = d.wrapping_add(*s);
            }
        }
    }

    /// An error when `--by` met more distinct values than `--max-groups`.
    pub fn check_groups(&self, spec: &Spec) -> Result<(), TooManyGroups> {
        match &spec.by {
            Some(by) if self.overflowed => Err(TooManyGroups {
                column: by.name.clone(),
                limit: by.max_groups,
            }),
            _ => Ok(()),
        }
    }

    /// The counters of every group added together.
    fn total(&self, spec: &Spec) -> Vec<u128> {
        let w = spec.off.width;
        let mut t = vec![0u128; w];
        for group in self.counters.chunks(w) {
            for (d, s) in t.iter_mut().zip(group) {
                *d = d.wrapping_add(*s);
            }
        }
        t
    }

    /// The report, ready to serialise.
    pub fn report(&self, spec: &Spec, policy: &Policy, ctx: Context) -> Report {
        let total = figures(spec, policy, &self.total(spec));
        let by = spec.by.as_ref().map(|by| {
            let w = spec.off.width;
            let mut order: Vec<usize> = (0..self.keys.len()).collect();
            order.sort_by(|&a, &b| self.keys[a].cmp(&self.keys[b]));
            ByReport {
                column: by.name.clone(),
                groups: order
                    .into_iter()
                    .map(|g| Group {
                        value: display_key(policy, by, &self.keys[g]),
                        figures: figures(spec, policy, &self.counters[g * w..(g + 1) * w]),
                    })
                    .collect(),
            }
        });
        let budget = ctx.budget.map(|b| {
            let f = total
                .budget
                .as_ref()
                .expect("budget figures are counted for every run");
            BudgetReport {
                amount: b.amount,
                households_eligible: f.eligible.households,
                households_funded: f.funded.households,
                households_waiting: f.waiting.households,
                persons_funded: f.funded.persons,
                persons_waiting: f.waiting.persons,
                monthly_used: f.funded.monthly_total,
                remaining: u128::from(b.amount).saturating_sub(f.funded.monthly_total),
                monthly_needed_for_waiting: f.waiting.monthly_total,
                one_off_funded: f.funded.one_off_total,
                last_funded_priority: b.last_funded_priority,
                first_waiting_priority: b.first_waiting_priority,
            }
        });
        let mut total = total;
        if budget.is_none() {
            total.budget = None;
        }
        let by = by.map(|mut b| {
            if budget.is_none() {
                for g in &mut b.groups {
                    g.figures.budget = None;
                }
            }
            b
        });
        Report {
            layak_summary: 1,
            input: InputInfo {
                file: ctx.input_file,
                bytes: ctx.input_bytes,
            },
            policy: PolicyInfo {
                id: policy.meta.id.clone(),
                version: policy.meta.version.clone(),
                hash: policy.hash.clone(),
                as_of: policy.as_of.clone(),
                currency: policy.meta.currency.clone(),
            },
            rows: Rows {
                read: ctx.read,
                decided: ctx.decided,
                rejected: ctx.rejected,
                rejects_by_reason: Ordered(
                    ctx.rejects_by_reason
                        .into_iter()
                        .map(|(k, v)| (k.to_string(), v))
                        .collect(),
                ),
            },
            persons_column: spec.persons.map(|i| policy.inputs[i].name.clone()),
            total,
            by,
            budget,
        }
    }
}

fn display_key(policy: &Policy, by: &By, key: &[u8]) -> String {
    match by.kind {
        ByKind::Text(_) | ByKind::Column(_) => String::from_utf8_lossy(key).into_owned(),
        ByKind::Value(i) if key.len() == 8 => {
            let v = from_sortable(key);
            match policy.inputs[i].ty {
                InputType::Integer | InputType::Number | InputType::Money => {
                    let mut out = Vec::new();
                    numfmt::write_shortest(v, &mut out);
                    String::from_utf8_lossy(&out).into_owned()
                }
                _ => policy.format_input_value(i, v),
            }
        }
        ByKind::Value(_) => String::new(),
    }
}

/// What the summary says about the run besides the decided households.
#[derive(Debug, Clone, Default)]
pub struct Context {
    pub input_file: String,
    pub input_bytes: u64,
    pub read: u64,
    pub decided: u64,
    pub rejected: u64,
    /// Every reject code with its count.
    pub rejects_by_reason: Vec<(&'static str, u64)>,
    pub budget: Option<BudgetContext>,
}

/// The outcome of `--budget` ranking.
#[derive(Debug, Clone, Copy, Default)]
pub struct BudgetContext {
    pub amount: u64,
    pub last_funded_priority: Option<f64>,
    pub first_waiting_priority: Option<f64>,
}

/// A list of named values serialised as a JSON object in this order.
#[derive(Debug, Clone)]
pub struct Ordered<V>(pub Vec<(String, V)>);

impl<V: Serialize> Serialize for Ordered<V> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(Some(self.0.len()))?;
        for (k, v) in &self.0 {
            m.serialize_entry(k, v)?;
        }
        m.end()
    }
}

impl<V> Ordered<V> {
    pub fn get(&self, key: &str) -> Option<&V> {
        self.0.iter().find(|(k, _)| k == key).map(|(_, v)| v)
    }
}

/// The `--summary` JSON document.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    /// Version of this document's layout.
    pub layak_summary: u32,
    pub input: InputInfo,
    pub policy: PolicyInfo,
    pub rows: Rows,
    /// The input counted as persons, or null (persons are then not counted).
    pub persons_column: Option<String>,
    pub total: Figures,
    pub by: Option<ByReport>,
    pub budget: Option<BudgetReport>,
}

#[derive(Debug, Clone, Serialize)]
pub struct InputInfo {
    pub file: String,
    pub bytes: u64,
}

#[derive(Debug, Clone, Serialize)]
pub struct PolicyInfo {
    pub id: String,
    pub version: String,
    pub hash: String,
    pub as_of: String,
    pub currency: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct Rows {
    pub read: u64,
    pub decided: u64,
    pub rejected: u64,
    pub rejects_by_reason: Ordered<u64>,
}

#[derive(Debug, Clone, Serialize)]
pub struct ByReport {
    pub column: String,
    pub groups: Vec<Group>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Group {
    pub value: String,
    #[serde(flatten)]
    pub figures: Figures,
}

/// Households and persons.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct Count {
    pub households: u128,
    pub persons: Option<u128>,
}

#[derive(Debug, Clone, Serialize)]
pub struct ProgramFigures {
    pub period: &'static str,
    pub granted: u128,
    pub deferred: u128,
    /// Households whose amount of this program the cap reduced.
    pub capped: u128,
    pub monthly_cost: u128,
    pub one_off_cost: u128,
    /// Amounts of deferred grants (not in the costs: they start later).
    pub deferred_amount: u128,
}

/// The figures of one group of decided households (or of all of them).
#[derive(Debug, Clone, Serialize)]
pub struct Figures {
    pub households: u128,
    pub persons: Option<u128>,
    pub tracks: Ordered<Count>,
    pub income_status: Option<Ordered<Count>>,
    pub deprivation_status: Option<Ordered<Count>>,
    pub programs: Ordered<ProgramFigures>,
    pub monthly_total: u128,
    pub one_off_total: u128,
    pub households_capped: u128,
    pub poverty: Poverty,
    pub budget: Option<BudgetFigures>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Poverty {
    /// `persons` or `households`: what the ratios count.
    pub weight: &'static str,
    pub population: u128,
    pub multidimensional: Option<Multidimensional>,
    pub income: Option<IncomePoverty>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Multidimensional {
    pub poverty_cutoff: f64,
    pub vulnerable_cutoff: f64,
    pub severe_cutoff: f64,
    pub poor: u128,
    pub headcount_ratio: Option<f64>,
    pub intensity: Option<f64>,
    pub adjusted_headcount_ratio: Option<f64>,
    pub vulnerable: u128,
    pub vulnerable_share: Option<f64>,
    pub severe: u128,
    pub severe_share: Option<f64>,
    pub indicators: Ordered<IndicatorFigures>,
}

#[derive(Debug, Clone, Serialize)]
pub struct IndicatorFigures {
    pub weight: f64,
    pub deprived: u128,
    pub uncensored_headcount_ratio: Option<f64>,
    /// Deprived and multidimensionally poor.
    pub censored: u128,
    pub censored_headcount_ratio: Option<f64>,
    pub contribution_percent: Option<f64>,
}

#[derive(Debug, Clone, Serialize)]
pub struct IncomePoverty {
    /// Households (or persons) with a poverty line.
    pub population: u128,
    pub poor: u128,
    /// FGT(0).
    pub headcount_ratio: Option<f64>,
    /// FGT(1).
    pub poverty_gap_index: Option<f64>,
    /// FGT(2).
    pub squared_poverty_gap: Option<f64>,
}

#[derive(Debug, Clone, Copy, Serialize)]
pub struct BudgetCount {
    pub households: u128,
    pub persons: Option<u128>,
    pub monthly_total: u128,
    pub one_off_total: u128,
}

#[derive(Debug, Clone, Serialize)]
pub struct BudgetFigures {
    pub eligible: BudgetCount,
    pub funded: BudgetCount,
    pub waiting: BudgetCount,
}

#[derive(Debug, Clone, Serialize)]
pub struct BudgetReport {
    pub amount: u64,
    pub households_eligible: u128,
    pub households_funded: u128,
    pub households_waiting: u128,
    pub persons_funded: Option<u128>,
    pub persons_waiting: Option<u128>,
    pub monthly_used: u128,
    pub remaining: u128,
    pub monthly_needed_for_waiting: u128,
    pub one_off_funded: u128,
    /// Priority of the last household funded (the cut-off), if any.
    pub last_funded_priority: Option<f64>,
    /// Priority of the first household left waiting, if any.
    pub first_waiting_priority: Option<f64>,
}

fn ratio(a: u128, b: u128) -> Option<f64> {
    (b > 0).then(|| a as f64 / b as f64)
}

/// Turn one group's counters into figures.
fn figures(spec: &Spec, policy: &Policy, c: &[u128]) -> Figures {
    let o = spec.off;
    let has_persons = spec.persons.is_some();
    let count = |i: usize| Count {
        households: c[i],
        persons: has_persons.then_some(c[i + 1]),
    };
    // Which of each (households, persons) pair the poverty measures use.
    let w = usize::from(spec.weighted && has_persons);
    let tracks = Ordered(
        policy
            .tracks
            .iter()
            .enumerate()
            .map(|(t, tr)| (tr.id.clone(), count(o.track + 2 * t)))
            .collect(),
    );
    let income_status = policy.fields.income_status.map(|(_, e)| {
        Ordered(
            policy.enums[usize::from(e)]
                .values
                .iter()
                .enumerate()
                .map(|(v, name)| (name.clone(), count(o.income + 2 * v)))
                .collect(),
        )
    });
    let deprivation_status = policy.deprivation.as_ref().map(|_| {
        Ordered(
            DEPRIVATION_STATUSES
                .iter()
                .enumerate()
                .map(|(v, name)| (name.to_string(), count(o.dep + 2 * v)))
                .collect(),
        )
    });
    let programs = Ordered(
        policy
            .programs
            .iter()
            .enumerate()
            .map(|(j, p)| {
                let b = o.program + PROGRAM_WIDTH * j;
                (
                    p.id.clone(),
                    ProgramFigures {
                        period: p.period.keyword(),
                        granted: c[b],
                        deferred: c[b + 1],
                        capped: c[b + 2],
                        monthly_cost: c[b + 3],
                        one_off_cost: c[b + 4],
                        deferred_amount: c[b + 5],
                    },
                )
            })
            .collect(),
    );
    let population = c[w];
    let multidimensional = policy.deprivation.as_ref().map(|dep| {
        let poor = c[o.dep + 4 + w] + c[o.dep + 6 + w];
        let vulnerable = c[o.dep + 2 + w];
        let severe = c[o.dep + 6 + w];
        // Σ_j w_j · censored_j = Σ over the poor of n_i · c_i.
        let weighted_sum: f64 = dep
            .indicators
            .iter()
            .enumerate()
            .map(|(j, ind)| ind.weight * c[o.indicator + INDICATOR_WIDTH * j + 2 + w] as f64)
            .sum();
        let indicators = Ordered(
            dep.indicators
                .iter()
                .enumerate()
                .map(|(j, ind)| {
                    let b = o.indicator + INDICATOR_WIDTH * j;
                    let censored = c[b + 2 + w];
                    (
                        ind.id.clone(),
                        IndicatorFigures {
                            weight: ind.weight,
                            deprived: c[b + w],
                            uncensored_headcount_ratio: ratio(c[b + w], population),
                            censored,
                            censored_headcount_ratio: ratio(censored, population),
                            contribution_percent: (weighted_sum > 0.0)
                                .then(|| 100.0 * ind.weight * censored as f64 / weighted_sum),
                        },
                    )
                })
                .collect(),
        );
        Multidimensional {
            poverty_cutoff: dep.poor_cutoff,
            vulnerable_cutoff: dep.vulnerable_cutoff,
            severe_cutoff: dep.severe_cutoff,
            poor,
            headcount_ratio: ratio(poor, population),
            intensity: (poor > 0).then(|| weighted_sum / poor as f64),
            adjusted_headcount_ratio: (population > 0).then(|| weighted_sum / population as f64),
            vulnerable,
            vulnerable_share: ratio(vulnerable, population),
            severe,
            severe_share: ratio(severe, population),
            indicators,
        }
    });
    let income = match (policy.fields.per_capita_income, policy.fields.poverty_line) {
        (Some(_), Some(_)) => {
            let pop = c[o.fgt + w];
            let gap = |i: usize| (pop > 0).then(|| c[i] as f64 / GAP_ONE / pop as f64);
            Some(IncomePoverty {
                population: pop,
                poor: c[o.fgt + 2 + w],
                headcount_ratio: ratio(c[o.fgt + 2 + w], pop),
                poverty_gap_index: gap(o.fgt + 4 + w),
                squared_poverty_gap: gap(o.fgt + 6 + w),
            })
        }
        _ => None,
    };
    let b = o.budget;
    let money = |i: usize| BudgetCount {
        households: c[i],
        persons: has_persons.then_some(c[i + 1]),
        monthly_total: c[i + 2],
        one_off_total: c[i + 3],
    };
    let (eligible, funded) = (money(b), money(b + 4));
    let waiting = BudgetCount {
        households: eligible.households.saturating_sub(funded.households),
        persons: eligible
            .persons
            .zip(funded.persons)
            .map(|(e, f)| e.saturating_sub(f)),
        monthly_total: eligible.monthly_total.saturating_sub(funded.monthly_total),
        one_off_total: eligible.one_off_total.saturating_sub(funded.one_off_total),
    };
    Figures {
        households: c[0],
        persons: has_persons.then_some(c[1]),
        tracks,
        income_status,
        deprivation_status,
        programs,
        monthly_total: c[o.totals],
        one_off_total: c[o.totals + 1],
        households_capped: c[o.totals + 2],
        poverty: Poverty {
            weight: if w == 1 { "persons" } else { "households" },
            population,
            multidimensional,
            income,
        },
        budget: Some(BudgetFigures {
            eligible,
            funded,
            waiting,
        }),
    }
}

/// `1,234,567`
fn grouped(v: u128) -> String {
    let mut out = Vec::new();
    numfmt::write_grouped(v as f64, &mut out);
    String::from_utf8_lossy(&out).into_owned()
}

fn percent(r: Option<f64>) -> String {
    // `+ 0.0`: a negative zero prints as 0.0%.
    r.map_or_else(|| "-".into(), |r| format!("{:.1}%", 100.0 * r + 0.0))
}

/// `1 household`, `12,000 households`.
fn households(n: u128) -> String {
    format!("{} {}", grouped(n), noun(n, "household", "households"))
}

/// `1 person`, `48,000 persons`.
fn persons(n: u128) -> String {
    format!("{} {}", grouped(n), noun(n, "person", "persons"))
}

impl Report {
    /// A short summary for a person, on standard error.
    pub fn human(&self) -> String {
        let mut s = String::new();
        let cur = &self.policy.currency;
        let _ = writeln!(
            s,
            "summary: {} ({} {}), policy {} {} ({})",
            self.input.file,
            self.input.bytes,
            noun(u128::from(self.input.bytes), "byte", "bytes"),
            self.policy.id,
            self.policy.version,
            self.policy.hash
        );
        let _ = writeln!(
            s,
            "  rows: {} read = {} decided + {} rejected",
            self.rows.read, self.rows.decided, self.rows.rejected
        );
        let t = &self.total;
        self.figures_lines(&mut s, t, "  ");
        if let Some(by) = &self.by {
            const SHOWN: usize = 20;
            let n = by.groups.len();
            let values = noun(n as u128, "value", "values");
            let _ = writeln!(s, "  by {} ({n} {values}):", by.column);
            for g in by.groups.iter().take(SHOWN) {
                // A cell can be megabytes: the JSON has it whole.
                let value = if g.value.is_empty() {
                    "(empty)".to_string()
                } else {
                    crate::policy::shorten(&g.value, 80)
                };
                let _ = write!(
                    s,
                    "    {value}: {}{}, {} {cur} a month, {} one-off",
                    households(g.figures.households),
                    g.figures
                        .persons
                        .map_or(String::new(), |p| format!(" ({})", persons(p))),
                    grouped(g.figures.monthly_total),
                    grouped(g.figures.one_off_total),
                );
                if let Some(m) = &g.figures.poverty.multidimensional {
                    let _ = write!(s, "; H {}", percent(m.headcount_ratio));
                }
                if let Some(i) = &g.figures.poverty.income {
                    let _ = write!(s, "; income poor {}", percent(i.headcount_ratio));
                }
                s.push('\n');
            }
            if by.groups.len() > SHOWN {
                let _ = writeln!(
                    s,
                    "    … and {} more (see the --summary JSON)",
                    by.groups.len() - SHOWN
                );
            }
        }
        if let Some(b) = &self.budget {
            let persons = b
                .persons_funded
                .map_or(String::new(), |p| format!(" ({})", persons(p)));
            let _ = write!(
                s,
                "  budget {} {cur} a month: {} of {} eligible {} funded{persons}, {} used, {} left",
                grouped(u128::from(b.amount)),
                grouped(b.households_funded),
                grouped(b.households_eligible),
                noun(b.households_eligible, "household", "households"),
                grouped(b.monthly_used),
                grouped(b.remaining),
            );
            if let Some(p) = b.last_funded_priority {
                let _ = write!(s, "; cut-off priority {:.1}", p + 0.0);
            }
            let _ = writeln!(s, "; {} waiting", grouped(b.households_waiting));
        }
        s
    }

    fn figures_lines(&self, s: &mut String, f: &Figures, indent: &str) {
        let cur = &self.policy.currency;
        let with_persons = |c: &Count| match c.persons {
            Some(p) => format!("{} ({})", grouped(c.households), persons(p)),
            None => grouped(c.households),
        };
        let _ = writeln!(
            s,
            "{indent}households: {}",
            with_persons(&Count {
                households: f.households,
                persons: f.persons
            })
        );
        let list = |o: &Ordered<Count>| {
            o.0.iter()
                .map(|(k, c)| format!("{k} {}", with_persons(c)))
                .collect::<Vec<_>>()
                .join(", ")
        };
        let _ = writeln!(s, "{indent}tracks: {}", list(&f.tracks));
        if let Some(o) = &f.income_status {
            let _ = writeln!(s, "{indent}income status: {}", list(o));
        }
        if let Some(o) = &f.deprivation_status {
            let _ = writeln!(s, "{indent}deprivation status: {}", list(o));
        }
        let programs: Vec<String> = f
            .programs
            .0
            .iter()
            .filter(|(_, p)| p.granted + p.deferred > 0)
            .map(|(id, p)| {
                let mut t = format!("{id} {}", grouped(p.granted));
                if p.deferred > 0 {
                    let _ = write!(t, " (+{} deferred)", grouped(p.deferred));
                }
                t
            })
            .collect();
        let _ = writeln!(s, "{indent}programs granted: {}", programs.join(", "));
        let _ = writeln!(
            s,
            "{indent}cost: {} {cur} a month, {} {cur} one-off; {} capped",
            grouped(f.monthly_total),
            grouped(f.one_off_total),
            households(f.households_capped)
        );
        if let Some(m) = &f.poverty.multidimensional {
            let _ = writeln!(
                s,
                "{indent}multidimensional poverty (by {}): H {}, A {}, M0 {}; vulnerable {}, severe {}",
                f.poverty.weight,
                percent(m.headcount_ratio),
                percent(m.intensity),
                m.adjusted_headcount_ratio
                    .map_or_else(|| "-".into(), |v| format!("{:.4}", v + 0.0)),
                percent(m.vulnerable_share),
                percent(m.severe_share)
            );
        }
        if let Some(i) = &f.poverty.income {
            let _ = writeln!(
                s,
                "{indent}income poverty (by {}): headcount {}, poverty gap {}, squared gap {}",
                f.poverty.weight,
                percent(i.headcount_ratio),
                percent(i.poverty_gap_index),
                percent(i.squared_poverty_gap)
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::ProgramOutcome;
    use crate::policy::Policy;

    /// A household of `persons` deprived in `indicators` (by id), with a
    /// per-capita income `y` against a line of 100.
    fn household(policy: &Policy, persons: f64, indicators: &[&str], y: f64) -> Scratch {
        let engine = crate::engine::Engine::new(policy);
        let mut s = engine.scratch();
        let members = policy
            .inputs
            .iter()
            .position(|i| i.name == "members")
            .unwrap();
        s.slots[members] = persons;
        let dep = policy.deprivation.as_ref().unwrap();
        let mut score = 0.0;
        for ind in &dep.indicators {
            let on = indicators.contains(&ind.id.as_str());
            s.slots[ind.slot] = if on { 1.0 } else { 0.0 };
            if on {
                score += ind.weight;
            }
        }
        s.slots[dep.score_slot] = score;
        s.slots[dep.status_slot] = if score >= dep.severe_cutoff - EPSILON {
            3.0
        } else if score >= dep.poor_cutoff - EPSILON {
            2.0
        } else if score >= dep.vulnerable_cutoff - EPSILON {
            1.0
        } else {
            0.0
        };
        s.slots[policy.fields.per_capita_income.unwrap()] = y;
        s.slots[policy.fields.poverty_line.unwrap()] = 100.0;
        s.programs = vec![ProgramOutcome::default(); policy.programs.len()];
        s
    }

    fn run(weighted: bool) -> Figures {
        let policy = Policy::default_policy(&Default::default()).unwrap();
        let persons = persons_input(&policy, None).unwrap();
        let spec = Spec::new(&policy, persons, None, weighted);
        let mut acc = BatchAcc::default();
        let rows = [
            // score 1/4 + 1/4 = 0.5: severe; income gap 0.5
            household(&policy, 4.0, &["food", "health_cover"], 50.0),
            // 1/8 + 3/24 = 0.25: vulnerable; above the line
            household(
                &policy,
                2.0,
                &["schooling", "floor", "water", "sanitation"],
                120.0,
            ),
            // 1/4 + 1/8 = 0.375: poor; income gap 0.25
            household(&policy, 3.0, &["health_cover", "head_education"], 75.0),
            // not deprived; exactly at the line: not poor
            household(&policy, 1.0, &[], 100.0),
        ];
        for s in &rows {
            let g = acc.group(&spec, b"");
            acc.add(&spec, &policy, s, g, Standing::default());
        }
        // A row counted and taken out again leaves no trace.
        let g = acc.group(&spec, b"");
        let extra = acc.add(&spec, &policy, &rows[0], g, Standing::default());
        acc.remove(&spec, extra);
        let mut sum = Summary::default();
        sum.merge(&spec, &acc);
        figures(&spec, &policy, &sum.total(&spec))
    }

    #[test]
    fn groups_past_the_limit_cost_no_memory_and_end_in_an_error() {
        let policy = Policy::default_policy(&Default::default()).unwrap();
        let by = By {
            name: "village".into(),
            kind: ByKind::Column(0),
            max_groups: DEFAULT_MAX_GROUPS,
        }
        .with_max_groups(Some(3));
        let spec = Spec::new(&policy, None, Some(by), true);
        let row = household(&policy, 1.0, &[], 100.0);
        let mut total = Summary::default();
        // Three batches of 1,000 distinct values each.
        let mut acc = BatchAcc::default();
        for batch in 0..3 {
            acc.clear();
            for i in 0..1000 {
                let g = acc.group(&spec, format!("v{batch}-{i}").as_bytes());
                acc.add(&spec, &policy, &row, g, Standing::default());
            }
            // Three groups and the one that holds every value past them.
            assert_eq!(acc.keys.len(), 4);
            assert_eq!(acc.counters.len(), 4 * spec.off.width);
            total.merge(&spec, &acc);
            assert_eq!(total.keys.len(), 3);
        }
        assert_eq!(
            total.check_groups(&spec),
            Err(TooManyGroups {
                column: "village".into(),
                limit: 3
            })
        );
        let message = total.check_groups(&spec).unwrap_err().to_string();
        assert!(
            message.starts_with(
                "--by village: more than 3 distinct values of `village`, and a summary makes at most 3 groups"
            ),
            "{message}"
        );

        // Within the limit, across batches: no error.
        let mut total = Summary::default();
        for batch in 0..3 {
            acc.clear();
            let g = acc.group(&spec, format!("v{batch}").as_bytes());
            acc.add(&spec, &policy, &row, g, Standing::default());
            total.merge(&spec, &acc);
        }
        assert_eq!(total.check_groups(&spec), Ok(()));
    }

    #[test]
    fn summary_nouns_agree_with_counts() {
        assert_eq!(households(1), "1 household");
        assert_eq!(households(12_000), "12,000 households");
        assert_eq!(persons(1), "1 person");
        assert_eq!(percent(Some(-0.0)), "0.0%");
    }

    fn close(a: Option<f64>, b: f64) {
        let a = a.expect("a value");
        assert!((a - b).abs() < 1e-12, "{a} != {b}");
    }

    /// The worked example of the README, by hand:
    /// persons 4, 2, 3, 1 (N = 10); scores 0.5, 0.25, 0.375, 0; the first and
    /// third are poor (k = 1/3).
    #[test]
    fn alkire_foster_and_fgt_weighted_by_persons() {
        let f = run(true);
        assert_eq!(f.poverty.weight, "persons");
        assert_eq!(f.poverty.population, 10);
        let m = f.poverty.multidimensional.unwrap();
        assert_eq!(m.poor, 7);
        close(m.headcount_ratio, 0.7);
        // (4 × 0.5 + 3 × 0.375) / 10
        close(m.adjusted_headcount_ratio, 0.3125);
        close(m.intensity, 3.125 / 7.0);
        close(m.vulnerable_share, 0.2);
        close(m.severe_share, 0.4);
        let ind = |id: &str| m.indicators.get(id).unwrap();
        close(ind("food").censored_headcount_ratio, 0.4);
        close(ind("health_cover").censored_headcount_ratio, 0.7);
        close(ind("head_education").censored_headcount_ratio, 0.3);
        close(ind("schooling").censored_headcount_ratio, 0.0);
        close(ind("schooling").uncensored_headcount_ratio, 0.2);
        close(ind("food").contribution_percent, 32.0);
        close(ind("health_cover").contribution_percent, 56.0);
        close(ind("head_education").contribution_percent, 12.0);
        let total: f64 = m
            .indicators
            .0
            .iter()
            .map(|(_, i)| i.contribution_percent.unwrap())
            .sum();
        assert!((total - 100.0).abs() < 1e-9);
        let i = f.poverty.income.unwrap();
        close(i.headcount_ratio, 0.7);
        // (4 × 0.5 + 3 × 0.25) / 10 and (4 × 0.25 + 3 × 0.0625) / 10
        close(i.poverty_gap_index, 0.275);
        close(i.squared_poverty_gap, 0.11875);
    }

    #[test]
    fn alkire_foster_and_fgt_unweighted() {
        let f = run(false);
        assert_eq!(f.poverty.weight, "households");
        let m = f.poverty.multidimensional.unwrap();
        close(m.headcount_ratio, 0.5);
        close(m.adjusted_headcount_ratio, 0.875 / 4.0);
        close(m.intensity, 0.4375);
        let i = f.poverty.income.unwrap();
        close(i.headcount_ratio, 0.5);
        close(i.poverty_gap_index, 0.75 / 4.0);
        close(i.squared_poverty_gap, 0.3125 / 4.0);
        assert_eq!(f.households, 4);
        assert_eq!(f.persons, Some(10));
    }

    #[test]
    fn sortable_keys_keep_numeric_order() {
        let vals = [-3.5, -1.0, 0.0, 0.5, 2.0, 10.0, 1e9];
        for w in vals.windows(2) {
            assert!(sortable(w[0]) < sortable(w[1]), "{} < {}", w[0], w[1]);
        }
        for v in vals {
            assert_eq!(from_sortable(&sortable(v)), v);
        }
    }
}
