//! FNV-1a, a stable content fingerprint shared by the policy hash and the
//! duplicate-id table. A leaf: it imports nothing from the crate, so both
//! `policy` and `input` can use it without importing each other.

/// FNV-1a, 64 bits, over `parts` with a separator after each part: a stable
/// content fingerprint (not a security hash).
///
/// ```
/// use layak::hash::fnv1a64;
/// assert_ne!(fnv1a64(&[b"ab", b"c"]), fnv1a64(&[b"a", b"bc"]));
/// ```
pub fn fnv1a64(parts: &[&[u8]]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for part in parts {
        for &b in *part {
            h ^= u64::from(b);
            h = h.wrapping_mul(0x0100_0000_01b3);
        }
        // Separate parts so that ("ab","c") and ("a","bc") differ.
        h ^= 0xff;
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    h
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hash_separates_parts() {
        assert_ne!(fnv1a64(&[b"ab", b"c"]), fnv1a64(&[b"a", b"bc"]));
    }

    #[test]
    fn hash_is_stable() {
        // The published FNV-1a 64 offset basis, then one separator byte.
        assert_eq!(fnv1a64(&[]), 0xcbf2_9ce4_8422_2325);
    }
}
