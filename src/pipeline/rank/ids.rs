//! What the first pass learns of the rows' ids, so that the later passes
//! need not claim them again.
//!
//! Claiming a million ids in the table of ids seen (far larger than the
//! caches) is most of the merger's work, and the first pass of a ranking
//! already does it on the same rows: whether a row's id was claimed by an
//! earlier row, and that row's line, is the same in every pass. The first
//! pass keeps only its duplicates (a row whose id an earlier row claimed;
//! not in the population, so the population and they take at most 16 bytes
//! a row together); the later passes look each row up there instead, in
//! order. Every id read is folded into a check, so that a pass reading other
//! ids than the first (the file changed in between) stops rather than
//! reporting the first pass's duplicates.

/// The rows whose id an earlier row claimed, found by the first pass.
#[derive(Debug, Clone, Default)]
pub(in crate::pipeline) struct KnownIds {
    /// (row index, line of the row that claimed the id first), in row order.
    duplicates: Vec<(u64, u64)>,
    check: IdCheck,
}

/// The rows read and their id fingerprints, folded in order.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
struct IdCheck {
    rows: u64,
    fold: u64,
}

impl IdCheck {
    fn add(&mut self, fingerprint: Option<u128>) {
        // A row without an id counts as a value no fingerprint's halves
        // make together (their xor is never all ones but by chance).
        let v = fingerprint.map_or(u64::MAX, |fp| (fp as u64) ^ ((fp >> 64) as u64));
        self.rows += 1;
        self.fold = (self.fold.rotate_left(23) ^ v).wrapping_mul(0x9e37_79b9_7f4a_7c15);
    }
}

impl KnownIds {
    /// The first pass: row `index` (of the rows read, households only) with
    /// id `fingerprint`, claimed first at line `first` when not by itself.
    pub(in crate::pipeline) fn note(
        &mut self,
        index: u64,
        fingerprint: Option<u128>,
        first: Option<u64>,
    ) {
        self.check.add(fingerprint);
        if let Some(line) = first {
            self.duplicates.push((index, line));
        }
    }

    /// A later pass's reading, from its first row.
    pub(in crate::pipeline) fn replay(&self) -> IdReplay<'_> {
        IdReplay {
            known: self,
            next: 0,
            check: IdCheck::default(),
        }
    }
}

/// A later pass: each row's first claim, as the first pass found it.
#[derive(Debug)]
pub(in crate::pipeline) struct IdReplay<'a> {
    known: &'a KnownIds,
    next: usize,
    check: IdCheck,
}

impl IdReplay<'_> {
    /// The line that claimed the id of row `index` first, when an earlier
    /// row did (what claiming `fingerprint` among the ids seen returns).
    #[inline]
    pub(in crate::pipeline) fn first(
        &mut self,
        index: u64,
        fingerprint: Option<u128>,
    ) -> Option<u64> {
        self.check.add(fingerprint);
        match self.known.duplicates.get(self.next) {
            Some(&(row, line)) if row == index => {
                self.next += 1;
                Some(line)
            }
            _ => None,
        }
    }

    /// At the end of the pass: false when it read as many rows as the first
    /// pass but not the same ids. (Another number of rows is reported as
    /// such once the pass is done.)
    pub(in crate::pipeline) fn same_ids(&self) -> bool {
        self.check.rows != self.known.check.rows || self.check == self.known.check
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_replay_returns_the_first_pass_claims_and_checks_the_ids() {
        let mut known = KnownIds::default();
        let ids = [Some(1u128), Some(2), None, Some(1), Some(2), Some(3)];
        let firsts = [None, None, None, Some(2), Some(3), None];
        for (i, (&id, &first)) in ids.iter().zip(&firsts).enumerate() {
            known.note(i as u64, id, first);
        }
        let mut replay = known.replay();
        let got: Vec<Option<u64>> = ids
            .iter()
            .enumerate()
            .map(|(i, &id)| replay.first(i as u64, id))
            .collect();
        assert_eq!(got, firsts);
        assert!(replay.same_ids());
        // One id differs: not the same ids.
        let mut replay = known.replay();
        for (i, &id) in ids.iter().enumerate() {
            replay.first(i as u64, if i == 4 { Some(9) } else { id });
        }
        assert!(!replay.same_ids());
        // Two ids swapped: not the same either.
        let mut replay = known.replay();
        for (i, &id) in ids.iter().enumerate() {
            let swapped = match i {
                0 => ids[1],
                1 => ids[0],
                _ => id,
            };
            replay.first(i as u64, swapped);
        }
        assert!(!replay.same_ids());
    }
}
