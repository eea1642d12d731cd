//! Duplicate household ids, found in bounded memory.
//!
//! An id is remembered as a 96-bit fingerprint (64 bits as the key, 32 more
//! to confirm) with the line that claimed it: 16 bytes a household, instead
//! of a copy of every id. Two different ids share a fingerprint with
//! probability about n²/2⁹⁷, 10⁻¹⁵ for ten million households.
//!
//! The table is split by the key's top bits into 1024 shards, open-addressed
//! with linear probing, each entry held whole in its slot, so a claim reads
//! one cache line (a general hash map reads a control byte and then the
//! entry, two). A shard grows by half when three quarters full, one shard
//! at a time: memory grows smoothly (no moment where a whole table and its
//! larger copy coexist) and stays between 21 and 32 bytes a household, plus
//! the shards' small fixed part (measured in the README's Performance
//! section).
//!
//! A table this size is far larger than the caches, so every claim waits
//! for memory. [`IdSet::warm`] lets the caller read the slots of a whole
//! batch of fingerprints first, loads with nothing depending on them that
//! the processor overlaps, before claiming them one by one from cache.

use std::collections::HashMap;
use std::collections::hash_map::Entry;

const SHARD_BITS: u32 = 10;
/// Slots of a new shard (1 MiB for all of them: small next to the streaming
/// buffers, and fewer rebuilds of each shard).
const FIRST_SLOTS: usize = 64;

/// One remembered id: the 64-bit key (0: the slot is empty) and, in the
/// second word, the 32 confirming bits above the claiming line.
type Slot = [u64; 2];

/// The household ids seen so far.
#[derive(Debug)]
pub struct IdSet {
    shards: Vec<Shard>,
    /// Ids whose 64-bit key is 0 (the empty mark) or collided with a
    /// different id's: kept whole (rare).
    overflow: HashMap<u128, u64>,
    /// Claiming lines from 2³²−1 on, which a slot cannot hold (its line
    /// field says [`FAR_LINE`]): past four billion lines, rare enough to
    /// keep in a map.
    far_lines: HashMap<u128, u64>,
    len: usize,
}

/// A slot's line field for a line kept in `IdSet::far_lines`.
const FAR_LINE: u32 = u32::MAX;

#[derive(Debug)]
struct Shard {
    slots: Vec<Slot>,
    used: usize,
}

impl Default for IdSet {
    fn default() -> Self {
        IdSet {
            shards: (0..1 << SHARD_BITS)
                .map(|_| Shard {
                    slots: vec![[0, 0]; FIRST_SLOTS],
                    used: 0,
                })
                .collect(),
            overflow: HashMap::new(),
            far_lines: HashMap::new(),
            len: 0,
        }
    }
}

impl Shard {
    /// Where `key`'s probe starts: its bits below the shard's, scaled to the
    /// shard's size (which need not be a power of two).
    #[inline(always)]
    fn home(&self, key: u64) -> usize {
        ((u128::from(key << SHARD_BITS) * self.slots.len() as u128) >> 64) as usize
    }

    /// The slot that holds `key`, or else the empty slot where it goes:
    /// linear probing from its home, wrapping at the end.
    #[inline(always)]
    fn probe(&self, key: u64) -> usize {
        let mut i = self.home(key);
        while self.slots[i][0] != 0 && self.slots[i][0] != key {
            i = if i + 1 == self.slots.len() { 0 } else { i + 1 };
        }
        i
    }

    /// Rebuild with half as many slots again (one shard is about 300 KB at
    /// ten million households, so this mostly stays in cache).
    #[cold]
    fn grow(&mut self) {
        let size = self.slots.len() + self.slots.len() / 2;
        let old = std::mem::replace(&mut self.slots, vec![[0, 0]; size]);
        // Keys are unique in a shard, so each probe ends at an empty slot.
        for slot in old.into_iter().filter(|s| s[0] != 0) {
            let i = self.probe(slot[0]);
            self.slots[i] = slot;
        }
    }
}

/// The shard of a key: its top bits.
#[inline(always)]
fn shard_of(key: u64) -> usize {
    (key >> (64 - SHARD_BITS)) as usize
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

    /// Read the slot where each fingerprint's claim will start, so that the
    /// claims that follow find them in cache. Only a speed-up: claiming
    /// without it gives the same answers.
    pub fn warm(&self, fingerprints: impl Iterator<Item = u128>) {
        let mut any = 0;
        for fp in fingerprints {
            let key = (fp >> 64) as u64;
            let shard = &self.shards[shard_of(key)];
            any ^= shard.slots.get(shard.home(key)).map_or(0, |s| s[0]);
        }
        // Keep the loads: their only purpose is their effect on the cache.
        std::hint::black_box(any);
    }

    /// Claim an id by its [`fingerprint`].
    pub fn claim_fingerprint(&mut self, fp: u128, line: u64) -> Option<u64> {
        let key = (fp >> 64) as u64;
        let check = fp as u32;
        if key == 0 {
            return self.claim_overflow(fp, line);
        }
        let shard = &mut self.shards[shard_of(key)];
        if shard.used * 4 >= shard.slots.len() * 3 {
            shard.grow();
        }
        let i = shard.probe(key);
        let slot = &mut shard.slots[i];
        if slot[0] == 0 {
            let short = u32::try_from(line).ok().filter(|&l| l != FAR_LINE);
            *slot = [
                key,
                (u64::from(check) << 32) | u64::from(short.unwrap_or(FAR_LINE)),
            ];
            shard.used += 1;
            self.len += 1;
            if short.is_none() {
                self.far_lines.insert(fp, line);
            }
            None
        } else if (slot[1] >> 32) as u32 == check {
            let short = slot[1] as u32;
            if short == FAR_LINE {
                self.far_lines.get(&fp).copied()
            } else {
                Some(u64::from(short))
            }
        } else {
            // Same key, another id: rare enough to keep whole.
            self.claim_overflow(fp, line)
        }
    }

    #[cold]
    fn claim_overflow(&mut self, fp: u128, line: u64) -> Option<u64> {
        match self.overflow.entry(fp) {
            Entry::Occupied(o) => Some(*o.get()),
            Entry::Vacant(v) => {
                v.insert(line);
                self.len += 1;
                None
            }
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
    let a = crate::hash::fnv1a64(&[id]);
    // The second: another offset basis, over the bytes in reverse, with the length.
    let mut b: u64 = 0x6c62_272e_07bb_0142;
    for &x in id.iter().rev() {
        b ^= u64::from(x);
        b = b.wrapping_mul(0x0000_0100_0000_01b3);
    }
    b ^= id.len() as u64;
    (u128::from(a) << 64) | u128::from(b)
}

/// The fingerprint of a key made of several parts (`--id-columns`): the
/// [`fingerprint`] of the parts each preceded by its length (8 bytes,
/// little-endian), computed without building that text. Two different lists
/// of parts never share the encoding (`1`,`23` and `12`,`3` differ), so they
/// collide only as two different single ids do.
///
/// ```
/// use layak::input::{fingerprint, fingerprint_parts};
/// let ab: [&[u8]; 2] = [b"1", b"23"];
/// let ba: [&[u8]; 2] = [b"12", b"3"];
/// assert_ne!(fingerprint_parts(&ab), fingerprint_parts(&ba));
/// let mut encoded = 1u64.to_le_bytes().to_vec();
/// encoded.extend_from_slice(b"1");
/// encoded.extend_from_slice(&2u64.to_le_bytes());
/// encoded.extend_from_slice(b"23");
/// assert_eq!(fingerprint_parts(&ab), fingerprint(&encoded));
/// ```
pub fn fingerprint_parts(parts: &[&[u8]]) -> u128 {
    fingerprint_with(parts.len(), |i| parts[i])
}

/// [`fingerprint_parts`] of the `n` parts `part(0)`, … `part(n - 1)`.
#[inline]
pub(crate) fn fingerprint_with<'a>(n: usize, part: impl Fn(usize) -> &'a [u8]) -> u128 {
    const PRIME: u64 = 0x0000_0100_0000_01b3;
    // As `crate::hash::fnv1a64(&[encoded])`: the bytes, then a separator.
    let mut a: u64 = 0xcbf2_9ce4_8422_2325;
    let mut total = 0usize;
    for i in 0..n {
        let p = part(i);
        total += 8 + p.len();
        for &x in (p.len() as u64).to_le_bytes().iter().chain(p) {
            a ^= u64::from(x);
            a = a.wrapping_mul(PRIME);
        }
    }
    a ^= 0xff;
    a = a.wrapping_mul(PRIME);
    // As the second hash of `fingerprint`: the encoding in reverse, then its length.
    let mut b: u64 = 0x6c62_272e_07bb_0142;
    for i in (0..n).rev() {
        let p = part(i);
        for &x in p
            .iter()
            .rev()
            .chain((p.len() as u64).to_le_bytes().iter().rev())
        {
            b ^= u64::from(x);
            b = b.wrapping_mul(PRIME);
        }
    }
    b ^= total as u64;
    (u128::from(a) << 64) | u128::from(b)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parts_fingerprint_as_their_length_prefixed_encoding() {
        let cases: [&[&[u8]]; 5] = [
            &[b"1", b"23"],
            &[b"12", b"3"],
            &[b"", b"x"],
            &[b"2020", b"000123", b"7"],
            &[b"a_b", b"c"],
        ];
        let mut seen = std::collections::HashSet::new();
        for parts in cases {
            let mut encoded = Vec::new();
            for p in parts {
                encoded.extend_from_slice(&(p.len() as u64).to_le_bytes());
                encoded.extend_from_slice(p);
            }
            assert_eq!(fingerprint_parts(parts), fingerprint(&encoded), "{parts:?}");
            assert!(seen.insert(fingerprint_parts(parts)), "{parts:?}");
        }
        // Joined with `_` these two look alike; as parts they differ.
        assert_ne!(
            fingerprint_parts(&[b"a_b", b"c"]),
            fingerprint_parts(&[b"a", b"b_c"])
        );
    }

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
    fn every_id_keeps_its_line_as_the_shards_grow() {
        let mut ids = IdSet::default();
        let fps: Vec<u128> = (0..300_000u32)
            .map(|i| fingerprint(format!("HH{i:08}").as_bytes()))
            .collect();
        for (batch, chunk) in fps.chunks(700).enumerate() {
            ids.warm(chunk.iter().copied());
            for (i, &fp) in chunk.iter().enumerate() {
                assert_eq!(ids.claim_fingerprint(fp, (batch * 700 + i) as u64), None);
            }
        }
        assert_eq!(ids.len(), fps.len());
        assert!(
            ids.shards.iter().all(|s| s.slots.len() > FIRST_SLOTS),
            "every shard grew"
        );
        for (i, &fp) in fps.iter().enumerate() {
            assert_eq!(ids.claim_fingerprint(fp, 1), Some(i as u64));
        }
        assert_eq!(ids.len(), fps.len());
    }

    #[test]
    fn a_zero_key_and_a_huge_line_are_remembered() {
        let mut ids = IdSet::default();
        let zero = 5u128; // key 0 is the empty mark: kept aside
        assert_eq!(ids.claim_fingerprint(zero, 2), None);
        assert_eq!(ids.claim_fingerprint(6, 3), None);
        assert_eq!(ids.claim_fingerprint(zero, 4), Some(2));
        // See: issue 12 (past line 2³²−1 the duplicate message named the wrong line).
        assert_eq!(ids.claim(b"far", 1 << 40), None);
        assert_eq!(ids.claim(b"far", 7), Some(1 << 40));
        assert_eq!(ids.claim(b"edge", u64::from(u32::MAX)), None);
        assert_eq!(ids.claim(b"edge", 8), Some(u64::from(u32::MAX)));
        assert_eq!(ids.claim(b"near", u64::from(u32::MAX) - 1), None);
        assert_eq!(ids.claim(b"near", 9), Some(u64::from(u32::MAX) - 1));
        assert_eq!(ids.len(), 5);
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
