//! Budget targeting (`layak assess --budget AMOUNT`): rank the eligible
//! households by priority and fund them in order while their monthly totals
//! fit the budget.
//!
//! Ranking needs every row before the first decision can be written, so
//! `--budget` reads the input twice. The first pass keeps, per eligible
//! household only, a 24-byte `Candidate` and a copy of its id (for ties);
//! nothing of the decision itself. [`Collector::rank`] sorts them and keeps
//! an 8-byte [`Entry`] (row, rank) per eligible household, in row order; the
//! second pass decides every row again and looks its rank up there.

use std::cmp::Ordering;

use crate::numfmt::round_half_up;

/// An eligible household in the first pass.
#[derive(Debug, Clone, Copy)]
struct Candidate {
    monthly: u64,
    /// The id's bytes in `Collector::ids`: offset << 24 | length.
    id: u64,
    /// Index of the row among all rows read (0-based).
    row: u32,
    /// Priority in tenths, as printed.
    priority: i32,
}

const ID_LEN_BITS: u32 = 24;

/// The priority as a ranking key: tenths, rounded as the decision prints it.
pub fn priority_key(priority: f64) -> i32 {
    // `as` saturates: an absurd priority still ranks, at the end of the scale.
    (round_half_up(priority, 1) * 10.0).round() as i32
}

/// Gathers the eligible households of the first pass, in input order.
#[derive(Debug, Default)]
pub struct Collector {
    candidates: Vec<Candidate>,
    ids: Vec<u8>,
    /// Rows read before each batch (by batch index).
    batch_base: Vec<u64>,
}

/// Ranking supports row indices up to this.
pub const MAX_ROWS: u64 = u32::MAX as u64;

impl Collector {
    /// Note where batch `index` starts: `rows` rows were read before it.
    pub fn batch(&mut self, index: u64, rows: u64) {
        debug_assert_eq!(self.batch_base.len() as u64, index);
        self.batch_base.push(rows);
    }

    /// An eligible household on row `row` (0-based among rows read).
    pub fn push(&mut self, row: u64, priority: i32, monthly: u64, id: &[u8]) {
        let len = id.len().min((1 << ID_LEN_BITS) - 1);
        let offset = self.ids.len() as u64;
        self.ids.extend_from_slice(&id[..len]);
        self.candidates.push(Candidate {
            monthly,
            id: (offset << ID_LEN_BITS) | len as u64,
            row: u32::try_from(row).unwrap_or(u32::MAX),
            priority,
        });
    }

    fn id(&self, c: &Candidate) -> &[u8] {
        let start = (c.id >> ID_LEN_BITS) as usize;
        let len = (c.id & ((1 << ID_LEN_BITS) - 1)) as usize;
        &self.ids[start..start + len]
    }

    /// Rank by priority (highest first), then household id (byte order),
    /// and fund in that order while the running monthly total fits `budget`:
    /// the first household that does not fit, and every one after it, waits.
    pub fn rank(mut self, budget: u64) -> Ranking {
        let mut order = std::mem::take(&mut self.candidates);
        order.sort_unstable_by(|a, b| {
            b.priority
                .cmp(&a.priority)
                .then_with(|| self.id(a).cmp(self.id(b)))
                .then_with(|| a.row.cmp(&b.row))
        });
        let mut used: u128 = 0;
        let mut funded = 0u32;
        let mut open = true;
        for c in &order {
            if open && used + u128::from(c.monthly) <= u128::from(budget) {
                used += u128::from(c.monthly);
                funded += 1;
            } else {
                open = false;
            }
        }
        let last_funded = funded.checked_sub(1).map(|i| order[i as usize].priority);
        let first_waiting = order.get(funded as usize).map(|c| c.priority);
        let eligible = order.len() as u64;
        drop(std::mem::take(&mut self.ids));
        let mut entries: Vec<Entry> = order
            .iter()
            .enumerate()
            .map(|(i, c)| Entry {
                row: c.row,
                rank: i as u32 + 1,
            })
            .collect();
        drop(order);
        entries.sort_unstable_by_key(|e| e.row);
        Ranking {
            entries,
            batch_base: self.batch_base,
            funded,
            eligible,
            budget,
            used: used as u64,
            last_funded,
            first_waiting,
        }
    }
}

/// One eligible household's place in the ranking.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Entry {
    pub row: u32,
    pub rank: u32,
}

/// The outcome of ranking, used while writing the second pass.
#[derive(Debug, Clone, Default)]
pub struct Ranking {
    /// Eligible households in input order.
    entries: Vec<Entry>,
    batch_base: Vec<u64>,
    /// Ranks 1..=funded are funded.
    pub funded: u32,
    pub eligible: u64,
    pub budget: u64,
    /// Sum of the funded monthly totals.
    pub used: u64,
    /// Priority key (tenths) of the last funded household.
    pub last_funded: Option<i32>,
    /// Priority key (tenths) of the first household left waiting.
    pub first_waiting: Option<i32>,
}

impl Ranking {
    /// Rows read before batch `index` in the first pass.
    pub fn batch_base(&self, index: u64) -> Option<u64> {
        self.batch_base.get(index as usize).copied()
    }

    pub fn batches(&self) -> usize {
        self.batch_base.len()
    }

    /// Position in `entries` of the first entry at or after `row`.
    pub fn cursor(&self, row: u64) -> usize {
        self.entries.partition_point(|e| u64::from(e.row) < row)
    }

    /// The rank of row `row`, advancing `cursor` (rows asked in order).
    pub fn rank_of(&self, cursor: &mut usize, row: u64) -> Option<u32> {
        while let Some(e) = self.entries.get(*cursor) {
            match u64::from(e.row).cmp(&row) {
                Ordering::Less => *cursor += 1,
                Ordering::Equal => {
                    *cursor += 1;
                    return Some(e.rank);
                }
                Ordering::Greater => return None,
            }
        }
        None
    }

    pub fn is_funded(&self, rank: u32) -> bool {
        rank <= self.funded
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranks_by_priority_then_id_and_stops_at_the_first_misfit() {
        let mut c = Collector::default();
        c.batch(0, 0);
        // row, priority (tenths), monthly, id
        c.push(0, 300, 100, b"H3");
        c.push(2, 500, 400, b"H1");
        c.push(3, 300, 100, b"H10"); // ties with H3: "H10" < "H3" in byte order
        c.push(5, 450, 700, b"H2");
        c.push(6, 100, 0, b"H0");
        let r = c.rank(1_100);
        // Order: H1 (50.0), H2 (45.0), H10 (30.0), H3 (30.0), H0 (10.0).
        // 400 + 700 = 1100 fits; H10's 100 does not: it and all after wait.
        assert_eq!(r.funded, 2);
        assert_eq!(r.used, 1_100);
        assert_eq!(r.last_funded, Some(450));
        assert_eq!(r.first_waiting, Some(300));
        let mut cur = r.cursor(0);
        let ranks: Vec<Option<u32>> = (0..7).map(|row| r.rank_of(&mut cur, row)).collect();
        assert_eq!(
            ranks,
            [Some(4), None, Some(1), Some(3), None, Some(2), Some(5)]
        );
        assert!(r.is_funded(2) && !r.is_funded(3));
        assert_eq!(r.cursor(4), 3);
    }

    #[test]
    fn priority_keys_round_like_the_output() {
        assert_eq!(priority_key(28.749999999999996), 288);
        assert_eq!(priority_key(0.0), 0);
        assert_eq!(priority_key(100.0), 1000);
    }
}
