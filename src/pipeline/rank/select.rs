//! The cut-points of a population held in memory, found without sorting it.
//!
//! Sorting a million entries took most of the time between the two passes,
//! with every core but one idle. Only the households at the cut-points need
//! their exact order: the others only need to be counted on the right side.
//! So the entries are counted in buckets of their welfare's order key (a
//! histogram of weights, a few bits of the key at a time), the bucket where
//! each cut-point falls is found from the running weights, and only those
//! buckets' entries are copied out and sorted (a bucket still too large is
//! split again on the next bits). The rule is exactly `rank::cut`'s: the
//! running weights are the same integer sums, taken in the same welfare
//! order, only not one household at a time.

use super::{Entry, GroupStats, order_key};

/// How the population is split: bits of the key of the first histogram and
/// of the later ones, and the most entries copied out at once to be sorted.
#[derive(Debug, Clone, Copy)]
pub(super) struct Select {
    pub(super) root_bits: u32,
    pub(super) digit_bits: u32,
    pub(super) gather: usize,
}

/// The first histogram has 65,536 buckets (1.5 MiB): on a welfare spread
/// over a few powers of two, those holding a cut-point are then small
/// enough to copy out. Later ones have 4,096 (96 KiB, in the core's cache).
/// Copying out at most 65,536 entries (1 MiB), or a sixteenth of the
/// population.
pub(super) const SELECT: Select = Select {
    root_bits: 16,
    digit_bits: 12,
    gather: 1 << 16,
};

/// [`order_key`] as an unsigned number: the same order.
pub(super) fn key_of(welfare: f64) -> u64 {
    (order_key(welfare) as u64) ^ (1 << 63)
}

/// The welfare whose key is `key` (inverse of [`key_of`]).
fn welfare_of(key: u64) -> f64 {
    let bits = key ^ (1 << 63);
    // Negative values had all bits but the sign flipped.
    let flip = ((bits as i64) >> 63) as u64 >> 1;
    f64::from_bits(bits ^ flip)
}

/// Keys in `[start, start + span]`, relative to the population's smallest
/// key, whose targets (cut-points `k` in `targets`) lie among them; `below`
/// is the (households, weight) of the population under `start`, `inside`
/// theirs.
#[derive(Debug, Clone)]
struct Node {
    start: u64,
    /// Bits of key below the node's fixed prefix: it holds 2^bits keys.
    bits: u32,
    below: (u64, u128),
    inside: (u64, u128),
    targets: std::ops::Range<usize>,
}

impl Node {
    /// The offset of relative key `rel` in the node, if it is in it.
    fn offset(&self, rel: u64) -> Option<u64> {
        let off = rel.wrapping_sub(self.start);
        (rel >= self.start && off <= span(self.bits)).then_some(off)
    }
}

/// Where cut-point `k` is: its key, and the (households, weight) at or below it.
type Found = (u64, u64, u128);

/// The search over one group's entries.
struct Search<'a> {
    blocks: &'a [Vec<Entry>],
    min: u64,
    groups: u128,
    total: u128,
    gather: usize,
    households: u64,
    root_bits: u32,
    digit_bits: u32,
    found: Vec<Found>,
}

/// The most nodes counted in one pass over the entries (their histograms:
/// 64 × 4,096 buckets × 24 bytes at most).
const SPLIT_AT_ONCE: usize = 64;

/// The smallest and the largest key of `blocks`' entries, if any.
#[cfg(test)]
pub(super) fn key_range(blocks: &[Vec<Entry>]) -> Option<(u64, u64)> {
    let keys = || blocks.iter().flatten().map(|e| key_of(e.welfare));
    keys().min().zip(keys().max())
}

/// The cut-points of a group held in memory (`blocks`, in any order) into
/// `groups` groups, and its figures: what `rank::cut` finds on the same
/// entries sorted. `total` is the entries' weight, `range` their
/// [`key_range`].
pub(super) fn cut_in_memory(
    blocks: &[Vec<Entry>],
    groups: u32,
    (total, range): (u128, Option<(u64, u64)>),
    select: Select,
) -> (Vec<f64>, GroupStats) {
    let width = groups as usize - 1;
    let households: u64 = blocks.iter().map(|b| b.len() as u64).sum();
    let mut stats = GroupStats {
        households,
        weight: total,
        per_decile: vec![(0, 0); groups as usize],
    };
    let Some((min, max)) = range else {
        // An empty population has no cut-points (as `rank::cut`).
        return (vec![f64::INFINITY; width], stats);
    };
    let mut search = Search {
        blocks,
        min,
        groups: u128::from(groups),
        total,
        gather: select.gather.max(households as usize / 16).max(1),
        households,
        root_bits: select.root_bits.clamp(1, 16),
        digit_bits: select.digit_bits.clamp(1, 16),
        found: vec![(0, 0, 0); width],
    };
    search.run(Node {
        start: 0,
        bits: 64 - (max - min).leading_zeros(),
        below: (0, 0),
        inside: (households, total),
        targets: 1..groups as usize,
    });
    let mut before = (0u64, 0u128);
    for (k, &(_, households, weight)) in search.found.iter().enumerate() {
        stats.per_decile[k] = (households - before.0, weight - before.1);
        before = (households, weight);
    }
    stats.per_decile[width] = (stats.households - before.0, total - before.1);
    let cuts = search.found.iter().map(|f| welfare_of(f.0)).collect();
    (cuts, stats)
}

impl Search<'_> {
    /// The bits of the key a node is counted by: more for the whole
    /// population (or a node holding all of it).
    fn digit(&self, node: &Node) -> u32 {
        let bits = if node.inside.0 == self.households {
            self.root_bits
        } else {
            self.digit_bits
        };
        bits.min(node.bits)
    }

    /// Cut-point `k` is found once `groups × weight at or below` reaches `k × total`.
    fn reached(&self, k: usize, weight: u128) -> bool {
        self.groups * weight >= k as u128 * self.total
    }

    /// Narrow the nodes where cut-points lie until each is found: in every
    /// pass over the entries, nodes small enough are copied out and sorted,
    /// larger ones counted by their next bits (their buckets holding a
    /// cut-point are the next pass's nodes).
    fn run(&mut self, root: Node) {
        let mut open = vec![root];
        let mut buffer: Vec<(u64, u64)> = Vec::new();
        while !open.is_empty() {
            // The nodes of this pass, in key order: up to SPLIT_AT_ONCE to
            // count, and as many to copy out as fit; the rest wait.
            let mut this = Vec::new();
            let mut rest = Vec::new();
            let (mut splits, mut held) = (0, 0);
            for node in open {
                let n = node.inside.0 as usize;
                if node.bits == 0 {
                    self.one_key(&node);
                } else if n > self.gather && splits < SPLIT_AT_ONCE {
                    splits += 1;
                    this.push(node);
                } else if n <= self.gather && held + n <= self.gather {
                    held += n;
                    this.push(node);
                } else {
                    rest.push(node);
                }
            }
            let counted = self.pass(&this, &mut buffer);
            buffer.sort_unstable_by_key(|&(key, _)| key);
            let mut copied = buffer.as_slice();
            for (node, hist) in this.iter().zip(counted) {
                match hist {
                    Some((counts, weights)) => self.children(node, &counts, &weights, &mut rest),
                    None => {
                        let (mine, after) =
                            copied.split_at((node.inside.0 as usize).min(copied.len()));
                        copied = after;
                        self.walk(node, mine);
                    }
                }
            }
            rest.sort_unstable_by_key(|n| n.start);
            open = rest;
        }
    }

    /// A node of one key: every target in it is that key.
    fn one_key(&mut self, node: &Node) {
        let at = (node.below.0 + node.inside.0, node.below.1 + node.inside.1);
        for k in node.targets.clone() {
            self.found[k - 1] = (self.min + node.start, at.0, at.1);
        }
    }

    /// One pass over the entries: the histogram of each node too large to
    /// copy out (its counts and weights by the next bits of the key), and
    /// the entries of the others, copied into `buffer` as (key, weight).
    #[allow(clippy::type_complexity)]
    fn pass(
        &self,
        nodes: &[Node],
        buffer: &mut Vec<(u64, u64)>,
    ) -> Vec<Option<(Vec<u64>, Vec<u128>)>> {
        buffer.clear();
        let mut hists: Vec<Option<(Vec<u64>, Vec<u128>)>> = nodes
            .iter()
            .map(|node| {
                (node.inside.0 as usize > self.gather).then(|| {
                    let size = 1 << self.digit(node);
                    (vec![0u64; size], vec![0u128; size])
                })
            })
            .collect();
        let shifts: Vec<u32> = nodes
            .iter()
            .map(|node| node.bits - self.digit(node))
            .collect();
        let (Some(first), Some(last)) = (nodes.first(), nodes.last()) else {
            return hists;
        };
        let (low, high) = (first.start, last.start.saturating_add(span(last.bits)));
        let one = nodes.len() == 1;
        for block in self.blocks {
            for e in block {
                let key = key_of(e.welfare);
                let rel = key - self.min;
                if rel < low || rel > high {
                    continue;
                }
                // The node starting at or before `rel`, if `rel` is in it.
                let i = if one {
                    0
                } else {
                    match nodes.partition_point(|n| n.start <= rel).checked_sub(1) {
                        Some(i) if nodes[i].offset(rel).is_some() => i,
                        _ => continue,
                    }
                };
                match &mut hists[i] {
                    Some((counts, weights)) => {
                        let b = ((rel - nodes[i].start) >> shifts[i]) as usize;
                        counts[b] += 1;
                        weights[b] += u128::from(e.weight);
                    }
                    None => buffer.push((key, e.weight)),
                }
            }
        }
        hists
    }

    /// The buckets of a counted node that hold a cut-point: found when of
    /// one key, else nodes for the next pass (into `next`).
    fn children(&mut self, node: &Node, counts: &[u64], weights: &[u128], next: &mut Vec<Node>) {
        let shift = node.bits - self.digit(node);
        let (mut c, mut w) = node.below;
        let mut k = node.targets.start;
        for (b, (&count, &weight)) in counts.iter().zip(weights).enumerate() {
            if k == node.targets.end {
                break;
            }
            if count == 0 {
                continue;
            }
            let first = k;
            while k < node.targets.end && self.reached(k, w + weight) {
                k += 1;
            }
            if k > first {
                let child = Node {
                    start: node.start + ((b as u64) << shift),
                    bits: shift,
                    below: (c, w),
                    inside: (count, weight),
                    targets: first..k,
                };
                if child.bits == 0 {
                    self.one_key(&child);
                } else {
                    next.push(child);
                }
            }
            c += count;
            w += weight;
        }
    }

    /// A copied-out node's entries, sorted: walked in welfare order from
    /// the weight below it, as `rank::cut` walks the whole population.
    fn walk(&mut self, node: &Node, sorted: &[(u64, u64)]) {
        let (mut c, mut w) = node.below;
        let mut k = node.targets.start;
        let mut i = 0;
        while i < sorted.len() && k < node.targets.end {
            // A run of equal welfare: one step of the running weight.
            let key = sorted[i].0;
            while i < sorted.len() && sorted[i].0 == key {
                c += 1;
                w += u128::from(sorted[i].1);
                i += 1;
            }
            while k < node.targets.end && self.reached(k, w) {
                self.found[k - 1] = (key, c, w);
                k += 1;
            }
        }
    }
}

/// The largest offset in a node of `bits` bits.
fn span(bits: u32) -> u64 {
    if bits >= 64 {
        u64::MAX
    } else {
        (1u64 << bits) - 1
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_go_back_to_the_same_welfare() {
        for w in [0.0, -0.0, 1.5, -1.5, f64::MIN, f64::MAX, 1e-310, -1e-310] {
            assert_eq!(welfare_of(key_of(w)).to_bits(), w.to_bits());
        }
        assert!(key_of(-0.0) < key_of(0.0));
        assert!(key_of(-2.0) < key_of(-1.0));
    }
}
