//! Finding a key's column: the header's names in a table hashed on their
//! bytes, so that a key read from a line costs one hash and one comparison,
//! not a comparison with every name.

/// The header's names, for finding a key's column fast.
#[derive(Debug, Clone)]
pub struct Keys {
    pub(super) names: Vec<Vec<u8>>,
    /// Trimmed and lower-cased, for a key written otherwise.
    folded: Vec<Vec<u8>>,
    /// Open addressing on [`key_hash`]: `(hash, column + 1)`, 0 for an
    /// empty place; a name given twice keeps its first column.
    table: Vec<(u64, u32)>,
    mask: usize,
    /// Per column, `"name":"` when the name needs no escape: how a line
    /// written in the header's order (Spark's `to_json`) holds the key,
    /// with a string value, so that one comparison reads both.
    patterns: Vec<Option<Box<[u8]>>>,
}

const MULTIPLIER: u64 = 0x9E37_79B9_7F4A_7C15;

/// A hash of a key's bytes, eight at a time.
#[inline]
fn key_hash(key: &[u8]) -> u64 {
    let mix = |h: u64, w: u64| (h.rotate_left(23) ^ w).wrapping_mul(MULTIPLIER);
    let mut h = (key.len() as u64).wrapping_mul(MULTIPLIER);
    let mut words = key.chunks_exact(8);
    for word in &mut words {
        let mut w = [0u8; 8];
        w.copy_from_slice(word);
        h = mix(h, u64::from_le_bytes(w));
    }
    let rest = words.remainder();
    if !rest.is_empty() {
        let mut w = [0u8; 8];
        w[..rest.len()].copy_from_slice(rest);
        h = mix(h, u64::from_le_bytes(w));
    }
    h ^ (h >> 29)
}

/// Eight bytes of `s` from `at` (which has them).
#[inline(always)]
fn word(s: &[u8], at: usize) -> u64 {
    let mut w = [0u8; 8];
    w.copy_from_slice(&s[at..at + 8]);
    u64::from_le_bytes(w)
}

/// Whether `s` starts with `prefix`, compared eight bytes at a time (the
/// last eight overlapping the ones before).
#[inline]
fn has_prefix(s: &[u8], prefix: &[u8]) -> bool {
    let n = prefix.len();
    let Some(s) = s.get(..n) else {
        return false;
    };
    if n < 8 {
        return s == prefix;
    }
    let mut i = 0;
    while i + 8 < n {
        if word(s, i) != word(prefix, i) {
            return false;
        }
        i += 8;
    }
    word(s, n - 8) == word(prefix, n - 8)
}

fn fold(name: &[u8]) -> Vec<u8> {
    name.trim_ascii().to_ascii_lowercase()
}

impl Keys {
    pub fn new(header: &[String]) -> Keys {
        let names: Vec<Vec<u8>> = header.iter().map(|h| h.as_bytes().to_vec()).collect();
        let size = (2 * names.len()).next_power_of_two().max(8);
        let mut table = vec![(0u64, 0u32); size];
        let mask = size - 1;
        for (c, name) in names.iter().enumerate() {
            let h = key_hash(name);
            let mut at = h as usize & mask;
            loop {
                match table[at] {
                    (_, 0) => {
                        table[at] = (h, c as u32 + 1);
                        break;
                    }
                    (eh, k) if eh == h && names[k as usize - 1] == *name => break,
                    _ => at = (at + 1) & mask,
                }
            }
        }
        let patterns = names
            .iter()
            .map(|n| {
                let plain = n.iter().all(|&b| b >= 0x20 && b != b'"' && b != b'\\');
                plain.then(|| [&b"\""[..], n, b"\":\""].concat().into_boxed_slice())
            })
            .collect();
        Keys {
            folded: header.iter().map(|h| fold(h.as_bytes())).collect(),
            names,
            patterns,
            table,
            mask,
        }
    }

    /// The column of `key`, trying `guess` (the column after the previous
    /// key's: lines of a stage usually repeat the header's order) first;
    /// else the first column of that exact name; else the first whose name
    /// trimmed and lower-cased is the key's.
    #[inline]
    pub(super) fn column(&self, key: &[u8], guess: usize) -> Option<usize> {
        if self.names.get(guess).is_some_and(|n| n == key) {
            return Some(guess);
        }
        self.exact(key).or_else(|| self.folded(key))
    }

    /// Whether `s` starts with column `c`'s key and a string value's
    /// opening quote, written plainly (`"name":"`); the length of that.
    #[inline]
    pub(super) fn plain_key_at(&self, s: &[u8], c: usize) -> Option<usize> {
        let pattern = self.patterns.get(c)?.as_deref()?;
        has_prefix(s, pattern).then_some(pattern.len())
    }

    #[inline]
    fn exact(&self, key: &[u8]) -> Option<usize> {
        let h = key_hash(key);
        let mut at = h as usize & self.mask;
        loop {
            let (eh, k) = *self.table.get(at)?;
            if k == 0 {
                return None;
            }
            let c = k as usize - 1;
            if eh == h && self.names.get(c).is_some_and(|n| n == key) {
                return Some(c);
            }
            at = (at + 1) & self.mask;
        }
    }

    #[cold]
    fn folded(&self, key: &[u8]) -> Option<usize> {
        let key = key.trim_ascii();
        self.folded.iter().position(|n| {
            n.len() == key.len() && n.iter().zip(key).all(|(a, b)| *a == b.to_ascii_lowercase())
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_find_the_first_column_of_a_name_exactly_or_folded() {
        let header: Vec<String> = ["id", "Members", "x", "id", "a_long_key_name_of_many_words"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        let k = Keys::new(&header);
        assert_eq!(k.column(b"id", 0), Some(0));
        // The guess wins for a name given twice; else the first column.
        assert_eq!(k.column(b"id", 3), Some(3));
        assert_eq!(k.column(b"id", 2), Some(0));
        assert_eq!(k.column(b"Members", 0), Some(1));
        assert_eq!(k.column(b" MEMBERS ", 0), Some(1));
        assert_eq!(k.column(b"a_long_key_name_of_many_words", 0), Some(4));
        assert_eq!(k.column(b"a_long_key_name_of_many_word", 0), None);
        assert_eq!(k.column(b"", 0), None);
        assert_eq!(k.column(b"y", 0), None);
        // A key and a string value's quote, written plainly.
        assert_eq!(k.plain_key_at(br#""Members":"3""#, 1), Some(11));
        assert_eq!(k.plain_key_at(br#""Members":3"#, 1), None);
        assert_eq!(k.plain_key_at(br#""Members" :"3""#, 1), None);
        assert_eq!(k.plain_key_at(br#""id":""#, 0), Some(6));
        assert_eq!(k.plain_key_at(br#""id":"#, 0), None);
        assert_eq!(k.plain_key_at(br#""id":""#, 9), None);
        let long = br#""a_long_key_name_of_many_words":"x""#;
        assert_eq!(k.plain_key_at(long, 4), Some(long.len() - 2));
        assert_eq!(k.plain_key_at(&long[..long.len() - 3], 4), None);
        let mut other = long.to_vec();
        other[9] = b'K';
        assert_eq!(k.plain_key_at(&other, 4), None);
        let escaped = Keys::new(&["a\"b".to_string()]);
        assert_eq!(escaped.plain_key_at(br#""a\"b":"x""#, 0), None);
        // Every name of many is found by its hash.
        let many: Vec<String> = (0..300).map(|i| format!("column_{i}")).collect();
        let k = Keys::new(&many);
        for (i, n) in many.iter().enumerate() {
            assert_eq!(k.column(n.as_bytes(), 0), Some(i));
        }
    }
}
