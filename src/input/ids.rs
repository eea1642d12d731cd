//! Duplicate household ids, found in bounded memory.
//!
//! An id is remembered as a 96-bit fingerprint (64 bits as the key, 32 more
//! to confirm) with the line that claimed it: 16 bytes a household, instead
//! of a copy of every id. Two different ids share a fingerprint with
//! probability about n²/2⁹⁷, 10⁻¹⁵ for ten million households. The table is
//! split into 1024 shards that grow one at a time, so memory grows smoothly
//! (no moment where a whole table and its doubled copy coexist): about 26
//! bytes a household on average, measured in the README's Performance
//! section.

use std::collections::HashMap;
use std::collections::hash_map::Entry;
use std::hash::{BuildHasher, Hasher};

const SHARD_BITS: u32 = 10;

/// The household ids seen so far.
#[derive(Debug)]
pub struct IdSet {
    shards: Vec<HashMap<u64, (u32, u32), Mix>>,
    /// Ids whose 64-bit key collided with a different id's: kept whole (rare).
    overflow: HashMap<u128, u64>,
    len: usize,
}

impl Default for IdSet {
    fn default() -> Self {
        IdSet {
            shards: (0..1 << SHARD_BITS)
                .map(|_| HashMap::with_hasher(Mix))
                .collect(),
            overflow: HashMap::new(),
            len: 0,
        }
    }
}

impl IdSet {
    /// Claim `id` for `line`; returns the earlier line if it was already claimed.
    ///
    /// ```
    /// let mut ids = layak::input::IdSet::default();
    /// assert_eq!(ids.claim(b"H1", 2), None);
    /// assert_eq!(ids.claim(b"H1", 9), Some(2));
    /// ```
    pub fn claim(&mut self, id: &[u8], line: u64) -> Option<u64> {
        self.claim_fingerprint(fingerprint(id), line)
    }

    /// Claim an id by its [`fingerprint`]. Lines past 2³²−1 are remembered as 2³²−1.
    pub fn claim_fingerprint(&mut self, fp: u128, line: u64) -> Option<u64> {
        let key = (fp >> 64) as u64;
        let check = fp as u32;
        let shard = &mut self.shards[(key >> (64 - SHARD_BITS)) as usize];
        match shard.entry(key) {
            Entry::Vacant(v) => {
                v.insert((check, u32::try_from(line).unwrap_or(u32::MAX)));
                self.len += 1;
                None
            }
            Entry::Occupied(o) if o.get().0 == check => Some(u64::from(o.get().1)),
            Entry::Occupied(_) => match self.overflow.entry(fp) {
                Entry::Occupied(o) => Some(*o.get()),
                Entry::Vacant(v) => {
                    v.insert(line);
                    self.len += 1;
                    None
                }
            },
        }
    }

    /// How many distinct ids were claimed.
    pub fn len(&self) -> usize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }
}

/// The 128-bit fingerprint of an id: two independent 64-bit FNV-1a hashes.
pub fn fingerprint(id: &[u8]) -> u128 {
    let a = crate::policy::fnv1a64(&[id]);
    // The second: another offset basis, over the bytes in reverse, with the length.
    let mut b: u64 = 0x6c62_272e_07bb_0142;
    for &x in id.iter().rev() {
        b ^= u64::from(x);
        b = b.wrapping_mul(0x0000_0100_0000_01b3);
    }
    b ^= id.len() as u64;
    (u128::from(a) << 64) | u128::from(b)
}

/// The keys are already hashes: one multiply spreads their bits for the table.
#[derive(Debug, Default, Clone, Copy)]
struct Mix;

impl BuildHasher for Mix {
    type Hasher = MixHasher;
    fn build_hasher(&self) -> MixHasher {
        MixHasher(0)
    }
}

#[derive(Debug, Default, Clone, Copy)]
struct MixHasher(u64);

impl Hasher for MixHasher {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = (self.0.rotate_left(8) ^ u64::from(b)).wrapping_mul(0x9e37_79b9_7f4a_7c15);
        }
    }
    fn write_u64(&mut self, v: u64) {
        self.0 = v.wrapping_mul(0x9e37_79b9_7f4a_7c15);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reports_the_first_line() {
        let mut ids = IdSet::default();
        assert_eq!(ids.claim(b"H1", 2), None);
        assert_eq!(ids.claim(b"H2", 3), None);
        assert_eq!(ids.claim(b"H1", 9), Some(2));
        assert_eq!(ids.claim(b"H2", 10), Some(3));
        assert_eq!(ids.len(), 2);
    }

    #[test]
    fn fingerprints_differ_for_similar_ids() {
        assert_ne!(fingerprint(b"ab"), fingerprint(b"ba"));
        assert_ne!(fingerprint(b""), fingerprint(b"\0"));
    }

    #[test]
    fn a_key_collision_is_not_a_duplicate() {
        let mut ids = IdSet::default();
        let a = (7u128 << 64) | 1;
        let b = (7u128 << 64) | 2;
        assert_eq!(ids.claim_fingerprint(a, 2), None);
        assert_eq!(ids.claim_fingerprint(b, 3), None, "same key, different id");
        assert_eq!(ids.claim_fingerprint(b, 4), Some(3));
        assert_eq!(ids.claim_fingerprint(a, 5), Some(2));
        assert_eq!(ids.len(), 2);
    }

    #[test]
    fn many_ids_have_no_false_duplicates() {
        let mut ids = IdSet::default();
        for i in 0..200_000u32 {
            assert_eq!(
                ids.claim(format!("HH{i:08}").as_bytes(), u64::from(i)),
                None
            );
        }
        assert_eq!(ids.claim(b"HH00012345", 1), Some(12_345));
    }
}
