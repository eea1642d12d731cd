//! `layak compare`: every row read and checked once, by the base policy's
//! inputs and checks, and decided by both the base and the reform policy on
//! the same worker (the reform's input slots copied from the base's).
//!
//! A row either policy cannot evaluate (an undefined value) is rejected
//! once, as an `evaluation` reject saying which policy failed, and counted
//! in neither summary. Rows whose decisions are the same are written only
//! when every row is asked for; the merger skips rows of no bytes.
//!
//! The change tally (`report::compare::Tally`) is kept by the merger, from a few facts per
//! decided row (`Compared`), so a row that becomes a `duplicate_id` reject
//! is simply not added.

use super::budget::{self, Ranking};
use crate::engine::{Engine, Scratch};
use crate::policy::Policy;
use crate::policy::reform::InputMap;
use crate::report::Format;
use crate::report::compare::{Change, CompareWriter, TallyRow, whole};
use crate::report::summary::{self, NO_GROUP, SummarySpec};

/// What `compare` needs beyond an `assess` run.
#[derive(Clone, Copy)]
pub struct Comparison<'a> {
    /// The reform policy; it reads the base policy's inputs.
    pub reform: &'a Policy,
    /// Where each reform input is among the base's ([`crate::policy::reform::same_inputs`]).
    pub inputs: &'a InputMap,
    /// Write every household, not only those whose decision changed.
    pub all: bool,
    /// The base and reform summaries (`--summary`).
    pub summaries: Option<(&'a SummarySpec, &'a SummarySpec)>,
    /// `--budget`, second pass: the base's and the reform's rankings, to
    /// write both sides' `funded` and `rank` (both or neither).
    pub base_ranking: Option<&'a Ranking>,
    pub reform_ranking: Option<&'a Ranking>,
    /// A reform that ranks households (`[ranking]`): the cut-points of its
    /// own population (the base's are `Options::deciles`).
    pub reform_deciles: Option<&'a super::rank::Deciles>,
}

/// What the merger needs of a compared row.
#[derive(Debug, Clone, Copy)]
pub(super) struct Compared {
    /// Its index in the reform's batch summary (`u32::MAX`: not counted).
    pub(super) fact: u32,
    /// Its group in the reform's batch summary.
    pub(super) group: u32,
    /// What the change tally counts of it.
    pub(super) row: TallyRow,
    /// `--budget`: the reform's side of the row, as a worker row's `eligible`,
    /// `priority` and `monthly` are the base's (ranking pass: what ranking
    /// needs; writing pass: `eligible` says it was written with a rank).
    pub(super) eligible: bool,
    pub(super) priority: i32,
    pub(super) monthly: u64,
}

impl Compared {
    /// A rejected row: only its reform group matters.
    pub(super) fn rejected(group: u32) -> Compared {
        Compared {
            fact: u32::MAX,
            group,
            row: TallyRow::default(),
            eligible: false,
            priority: 0,
            monthly: 0,
        }
    }
}

/// A worker's side of the reform: its compiled policy, scratch and writer.
pub(super) struct ReformWork<'p> {
    pub(super) engine: Engine<'p>,
    pub(super) scratch: Scratch,
    pub(super) inputs: &'p [usize],
    pub(super) writer: CompareWriter<'p>,
    pub(super) all: bool,
    /// The reform's summary spec (the base's is the worker's).
    pub(super) summary: Option<&'p SummarySpec>,
    /// The input counted as a household's persons (the base's slot).
    pub(super) persons: Option<usize>,
    /// `--budget`, second pass: the reform's ranking, and where the current
    /// batch's rows are in it.
    pub(super) ranking: Option<&'p Ranking>,
    pub(super) cursor: usize,
    /// A reform that ranks within groups (`--rank-within`): the base input
    /// its group is read from, and its cut-points.
    pub(super) within: Option<(usize, &'p super::rank::Deciles)>,
}

impl<'p> ReformWork<'p> {
    pub(super) fn new(
        base: &'p Policy,
        cmp: &Comparison<'p>,
        format: Format,
        persons: Option<usize>,
    ) -> ReformWork<'p> {
        let engine = Engine::new(cmp.reform);
        let mut scratch = engine.scratch();
        if let Some(d) = cmp.reform_deciles {
            scratch.cuts = d.cuts.clone();
        }
        // `--rank-within`: the base's input the reform's groups are read from.
        let within = cmp
            .reform_deciles
            .and_then(|d| Some((*cmp.inputs.slots.get(d.within?)?, d)));
        ReformWork {
            scratch,
            engine,
            inputs: &cmp.inputs.slots,
            writer: CompareWriter::new(base, cmp.reform, format),
            all: cmp.all,
            summary: cmp.summaries.map(|(_, r)| r),
            persons,
            ranking: cmp.reform_ranking,
            cursor: 0,
            within,
        }
    }

    /// Copy the base's parsed inputs into the reform's slots.
    #[inline]
    pub(super) fn load_inputs(&mut self, base: &[f64]) {
        for (to, &from) in self.scratch.slots.iter_mut().zip(self.inputs) {
            *to = base[from];
        }
    }

    /// The facts the merger tallies, for a row decided by both.
    #[inline]
    pub(super) fn facts(&self, base: &Scratch, change: Change, weight: u64) -> Compared {
        let r = &self.scratch;
        Compared {
            fact: u32::MAX,
            group: NO_GROUP,
            row: TallyRow {
                base_track: base.track,
                reform_track: r.track,
                change,
                persons: self
                    .persons
                    .map_or(0, |slot| base.slots[slot].max(0.0) as u64),
                weight,
                delta: whole(r.monthly_total) - whole(base.monthly_total),
            },
            eligible: false,
            priority: 0,
            monthly: 0,
        }
    }

    /// Ranking pass: what ranking needs of the reform's decision.
    #[inline]
    pub(super) fn for_ranking(&self) -> Compared {
        let r = &self.scratch;
        let mut c = Compared::rejected(NO_GROUP);
        c.eligible = crate::report::compare::receives(r);
        c.priority = budget::priority_key(r.priority);
        c.monthly = if r.monthly_total > 0.0 {
            r.monthly_total.round() as u64
        } else {
            0
        };
        c
    }
}

/// The reform's group for a row the base's summary put in `group`.
pub(super) fn reform_group(
    spec: Option<&SummarySpec>,
    acc: &mut summary::BatchAcc,
    group: u32,
    key: &[u8],
) -> u32 {
    match spec {
        Some(spec) if group != NO_GROUP => acc.group(spec, key),
        _ => NO_GROUP,
    }
}

/// A row's compared facts (its `compared` index in the batch), if it has some.
pub(super) fn of(index: u32, compared: &[Compared]) -> Option<&Compared> {
    compared.get(index as usize)
}
