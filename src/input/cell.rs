//! Typed parsing of one cell, straight from bytes into an `f64` slot.
//!
//! The grammar is deliberately narrow (see the default policy's input
//! rules): integers are ASCII digits; numbers and money are digits with an
//! optional `.` and fraction digits; no `+`, exponent, thousands separator or
//! hexadecimal. A leading `-` is read so that the range check can say
//! "must be ≥ 0" instead of "not a number".

use super::reject::RejectCode;

/// Why a cell did not parse; turned into a [`super::Reject`] by the caller.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CellError {
    NotInteger,
    NotNumber,
    NotBool,
    NotEnum,
    /// Not a date `YYYY-MM-DD` (or the profile's date format).
    NotDate,
    /// Not in the number format a profile declares for the input.
    NotFormatted,
    NotUtf8,
    /// Text with a control character other than tab and line breaks.
    Control,
}

impl CellError {
    pub fn code(self) -> RejectCode {
        RejectCode::InvalidValue
    }
}

/// A date cell, `YYYY-MM-DD`, as days since 1970-01-01.
#[inline]
pub fn parse_date(cell: &[u8]) -> Result<f64, CellError> {
    crate::expr::dates::parse_iso(cell)
        .map(|d| d as f64)
        .ok_or(CellError::NotDate)
}

/// Check a text cell: valid UTF-8 with no control characters except tab and
/// line breaks (a NUL in an id is corruption, not a name).
#[inline]
pub fn check_text(cell: &[u8]) -> Result<f64, CellError> {
    // Printable ASCII (ids, codes): nothing more to check.
    if printable_ascii(cell) {
        return Ok(0.0);
    }
    if cell
        .iter()
        .any(|&b| (b < 0x20 && !matches!(b, b'\t' | b'\n' | b'\r')) || b == 0x7f)
    {
        return Err(CellError::Control);
    }
    std::str::from_utf8(cell)
        .map(|_| 0.0)
        .map_err(|_| CellError::NotUtf8)
}

/// Whether every byte is printable ASCII (0x20 to 0x7e): eight bytes at a
/// time, an id being some ten bytes.
#[inline]
fn printable_ascii(cell: &[u8]) -> bool {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    let mut words = cell.chunks_exact(8);
    for word in &mut words {
        let Ok(word) = <[u8; 8]>::try_from(word) else {
            return false;
        };
        let w = u64::from_le_bytes(word);
        // A byte below 0x20 (exact as a yes or no), and one of 0x7f or above
        // (the low seven bits plus one reach the high bit without a carry).
        let control = w.wrapping_sub(ONES * 0x20) & !w & HIGH;
        let high = (((w & !HIGH) + ONES) | w) & HIGH;
        if control | high != 0 {
            return false;
        }
    }
    words.remainder().iter().all(|&b| (0x20..0x7f).contains(&b))
}

/// Trim surrounding spaces and tabs.
#[inline]
pub fn trim(cell: &[u8]) -> &[u8] {
    // Most cells have nothing to trim: check the two ends first.
    match (cell.first(), cell.last()) {
        (Some(&a), Some(&b)) if !matches!(a, b' ' | b'\t') && !matches!(b, b' ' | b'\t') => {
            return cell;
        }
        (None, _) => return cell,
        _ => {}
    }
    let start = cell
        .iter()
        .position(|&b| b != b' ' && b != b'\t')
        .unwrap_or(cell.len());
    let end = cell
        .iter()
        .rposition(|&b| b != b' ' && b != b'\t')
        .map_or(start, |p| p + 1);
    &cell[start..end]
}

/// Parse an integer: optional `-`, then ASCII digits (leading zeros allowed).
///
/// ```
/// use layak::input::cell::parse_integer;
/// assert_eq!(parse_integer(b"03"), Ok(3.0));
/// assert_eq!(parse_integer(b"-2"), Ok(-2.0));
/// assert!(parse_integer(b"3.0").is_err());
/// ```
#[inline]
pub fn parse_integer(cell: &[u8]) -> Result<f64, CellError> {
    let (neg, digits) = match cell.split_first() {
        Some((b'-', rest)) => (true, rest),
        _ => (false, cell),
    };
    if digits.is_empty() {
        return Err(CellError::NotInteger);
    }
    let v = if digits.len() <= 15 {
        // Exact in u64 and in f64: no overflow checks needed.
        let mut n: u64 = 0;
        for &b in digits {
            let d = b.wrapping_sub(b'0');
            if d > 9 {
                return Err(CellError::NotInteger);
            }
            n = n * 10 + u64::from(d);
        }
        // Below 10^15, so through i64: one instruction, where u64 to f64
        // takes several on x86-64.
        n as i64 as f64
    } else {
        // Beyond 15 digits the value only matters for the range check.
        let mut v = 0.0f64;
        for &b in digits {
            let d = b.wrapping_sub(b'0');
            if d > 9 {
                return Err(CellError::NotInteger);
            }
            v = v * 10.0 + f64::from(d);
        }
        v
    };
    Ok(if neg { -v } else { v })
}

/// Parse a number or money amount: optional `-`, digits, optionally `.` and
/// at least one fraction digit.
///
/// ```
/// use layak::input::cell::parse_number;
/// assert_eq!(parse_number(b"1500000.50"), Ok(1500000.5));
/// assert!(parse_number(b"1,5").is_err());
/// assert!(parse_number(b"1e3").is_err());
/// ```
// Inlined into the row loop, as `parse_integer` is.
#[inline(always)]
pub fn parse_number(cell: &[u8]) -> Result<f64, CellError> {
    let (neg, digits) = match cell.split_first() {
        Some((b'-', rest)) => (true, rest),
        _ => (false, cell),
    };
    // Most cells are whole numbers of a few digits: the value as
    // `parse_integer` reads it (the general pass below gives the same).
    if !digits.is_empty() && digits.len() <= 15 {
        let mut n: u64 = 0;
        let whole = digits.iter().all(|&b| {
            let d = b.wrapping_sub(b'0');
            n = n * 10 + u64::from(d);
            d <= 9
        });
        if whole {
            let v = n as i64 as f64;
            return Ok(if neg { -v } else { v });
        }
    }
    // One pass: N = all digits as an integer, k = digits after the point.
    let mut n: u64 = 0;
    let mut count = 0usize;
    let mut point: Option<usize> = None;
    for (i, &b) in digits.iter().enumerate() {
        match b {
            b'0'..=b'9' => {
                if count < 19 {
                    n = n * 10 + u64::from(b - b'0');
                }
                count += 1;
            }
            b'.' if point.is_none() && i > 0 => point = Some(i),
            _ => return Err(CellError::NotNumber),
        }
    }
    let int_digits = point.unwrap_or(digits.len());
    let frac_digits = point.map_or(0, |p| digits.len() - p - 1);
    if int_digits == 0 || (point.is_some() && frac_digits == 0) {
        return Err(CellError::NotNumber);
    }
    let v = if count <= 15 {
        // N and 10^k are exact in f64, so one division is correctly rounded
        // (the same value as a full decimal parse).
        const POW10: [f64; 16] = [
            1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15,
        ];
        // Below 10^15: through i64, as in `parse_integer`.
        n as i64 as f64 / POW10[frac_digits]
    } else {
        // Long numbers: the grammar is a subset of Rust's float syntax, and ASCII.
        std::str::from_utf8(digits)
            .ok()
            .and_then(|s| s.parse::<f64>().ok())
            .ok_or(CellError::NotNumber)?
    };
    Ok(if neg { -v } else { v })
}

/// Parse a boolean: true/false, yes/no, y/n, 1/0, ya/tidak (any case).
///
/// The length picks the one or two spellings a cell can be, compared as one
/// word with the case bit set: for a lower-case ASCII letter `t`, `b | 0x20
/// == t` holds exactly for `t` and its upper case, and every letter of a
/// spelling of two bytes or more is one (the digits are compared as they
/// are). Not the packed words of `benches/README.md` ("Fast paths earn
/// their place"), which compared a cell with every spelling at once.
#[inline]
pub fn parse_bool(cell: &[u8]) -> Result<f64, CellError> {
    const fn w32(s: &[u8; 4]) -> u32 {
        u32::from_le_bytes(*s)
    }
    const CASE4: u32 = 0x2020_2020;
    match *cell {
        [b'1'] => Ok(1.0),
        [b'0'] => Ok(0.0),
        [a] => match a | 0x20 {
            b'y' => Ok(1.0),
            b'n' => Ok(0.0),
            _ => Err(CellError::NotBool),
        },
        [a, b] => match u16::from_le_bytes([a, b]) | 0x2020 {
            w if w == u16::from_le_bytes(*b"ya") => Ok(1.0),
            w if w == u16::from_le_bytes(*b"no") => Ok(0.0),
            _ => Err(CellError::NotBool),
        },
        [a, b, c] if u32::from_le_bytes([a, b, c, b' ']) | CASE4 == w32(b"yes ") => Ok(1.0),
        [a, b, c, d] if u32::from_le_bytes([a, b, c, d]) | CASE4 == w32(b"true") => Ok(1.0),
        [a, b, c, d, e] => match (u32::from_le_bytes([a, b, c, d]) | CASE4, e | 0x20) {
            (w, b'e') if w == w32(b"fals") => Ok(0.0),
            (w, b'k') if w == w32(b"tida") => Ok(0.0),
            _ => Err(CellError::NotBool),
        },
        _ => Err(CellError::NotBool),
    }
}

/// The values of one enum, packed for matching a cell with a few integer
/// operations: a value of up to 15 bytes is two `u64`s, lower case, with its
/// length in the top byte; a perfect hash of those keys, found when the
/// policy is loaded, names the only value a cell can be, so matching is one
/// lookup and one comparison whatever the number of values.
#[derive(Debug, Clone)]
pub struct EnumKeys {
    packed: Vec<(u64, u64)>,
    /// Longer values, compared byte by byte (index, value).
    long: Vec<(usize, String)>,
    /// `slots[hash(key)]` is the index of the value with that key's hash
    /// (`NO_VALUE`: none). Empty when no perfect hash was found (duplicate
    /// values, or more than 254): then every key is compared.
    slots: Vec<u8>,
    multiplier: u64,
    shift: u32,
}

const NO_VALUE: u8 = u8::MAX;

/// The packed key that stands in for a value too long to pack, keeping
/// positions: its length byte is above 15, so no cell's key equals it.
const LONG_VALUE: (u64, u64) = (u64::MAX, u64::MAX);

impl EnumKeys {
    /// Keys for `values` (stored in lower case by the policy).
    pub fn new(values: &[String]) -> EnumKeys {
        let mut packed = Vec::with_capacity(values.len());
        let mut long = Vec::new();
        for (i, v) in values.iter().enumerate() {
            match pack_lower(v.as_bytes()) {
                Some(k) => packed.push(k),
                None => {
                    packed.push(LONG_VALUE);
                    long.push((i, v.to_ascii_lowercase()));
                }
            }
        }
        let (slots, multiplier, shift) = perfect_hash(&packed).unwrap_or((Vec::new(), 0, 0));
        EnumKeys {
            packed,
            long,
            slots,
            multiplier,
            shift,
        }
    }

    /// The index of the value `cell` names (case-insensitive).
    ///
    /// ```
    /// use layak::input::cell::EnumKeys;
    /// let keys = EnumKeys::new(&["urban".into(), "rural".into(), "protected_spring_x".into()]);
    /// assert_eq!(keys.find(b"Rural"), Ok(1.0));
    /// assert_eq!(keys.find(b"PROTECTED_spring_x"), Ok(2.0));
    /// assert!(keys.find(b"rura").is_err());
    /// ```
    // Inlined into the row loop: the call cost a fifth of a lookup.
    #[inline(always)]
    pub fn find(&self, cell: &[u8]) -> Result<f64, CellError> {
        let found = match pack_lower(cell) {
            Some(k) if !self.slots.is_empty() => {
                let slot = self.slots.get(key_hash(k, self.multiplier, self.shift));
                let i = usize::from(slot.copied().unwrap_or(NO_VALUE));
                (self.packed.get(i) == Some(&k)).then_some(i)
            }
            // Every key is compared (the last match from the end is the
            // first): no exit that depends on the cell, which varies by row.
            Some(k) => {
                let i = self
                    .packed
                    .iter()
                    .enumerate()
                    .rev()
                    .fold(usize::MAX, |found, (i, &p)| if p == k { i } else { found });
                (i != usize::MAX).then_some(i)
            }
            None => self
                .long
                .iter()
                .find(|(_, v)| v.as_bytes().eq_ignore_ascii_case(cell))
                .map(|&(i, _)| i),
        };
        // Through u32 (an index of values that came from a policy file):
        // one instruction, where usize to f64 takes several.
        found.map(|i| f64::from(i as u32)).ok_or(CellError::NotEnum)
    }
}

/// The hash of a packed key, `64 − shift` bits. Values often differ only in
/// their last letters, the top bytes of a word, so each half is folded
/// before the multiplies (a multiply carries differences up, never down).
#[inline(always)]
fn key_hash(key: (u64, u64), multiplier: u64, shift: u32) -> usize {
    let mut x = key.0 ^ key.1.rotate_left(29);
    x ^= x >> 32;
    x = x.wrapping_mul(multiplier);
    x ^= x >> 29;
    x = x.wrapping_mul(0xbf58_476d_1ce4_e5b9);
    (x >> shift) as usize
}

/// A table of 4 to 8 slots a key, and a multiplier under which every
/// packed key has a slot of its own; `None` when there are too many values
/// or no multiplier is found (two equal keys never part).
fn perfect_hash(packed: &[(u64, u64)]) -> Option<(Vec<u8>, u64, u32)> {
    if packed.len() >= usize::from(NO_VALUE) {
        return None;
    }
    let mut bits = (packed.len().max(2).next_power_of_two().trailing_zeros() + 2).max(3);
    // Multipliers from a fixed sequence (SplitMix64): the same policy always
    // gets the same table.
    let mut state: u64 = 0x2545_f491_4f6c_dd1d;
    for attempt in 0..512 {
        if attempt > 0 && attempt % 128 == 0 {
            bits += 1;
        }
        state = state.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = state;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        let multiplier = (z ^ (z >> 31)) | 1;
        let shift = 64 - bits;
        let mut slots = vec![NO_VALUE; 1 << bits];
        let placed = packed.iter().enumerate().all(|(i, &key)| {
            if key == LONG_VALUE {
                return true; // matched byte by byte
            }
            match slots.get_mut(key_hash(key, multiplier, shift)) {
                Some(slot) if *slot == NO_VALUE => {
                    *slot = i as u8;
                    true
                }
                _ => false,
            }
        });
        if placed {
            return Some((slots, multiplier, shift));
        }
    }
    None
}

/// `bytes` (at most 15) in two words, ASCII letters in lower case, the length
/// in the top byte (so that trailing NUL bytes cannot pass for a shorter value).
#[inline(always)]
fn pack_lower(bytes: &[u8]) -> Option<(u64, u64)> {
    if bytes.len() > 15 {
        return None;
    }
    Some(match bytes.split_first_chunk::<8>() {
        Some((first, rest)) => (
            lower_ascii(u64::from_le_bytes(*first)),
            lower_ascii(word(rest)) | ((bytes.len() as u64) << 56),
        ),
        None => pack_short(bytes),
    })
}

/// [`pack_lower`] of at most seven bytes: one word and the length.
#[inline(always)]
fn pack_short(bytes: &[u8]) -> (u64, u64) {
    (lower_ascii(word(bytes)), (bytes.len() as u64) << 56)
}

/// Up to eight bytes as a little-endian word (zeros above them), without a
/// loop whose length varies: two overlapping four-byte loads, or for one to
/// three bytes the first, middle and last, cover every length.
#[inline]
fn word(bytes: &[u8]) -> u64 {
    debug_assert!(bytes.len() <= 8);
    let n = bytes.len().min(8);
    match (bytes.first_chunk::<4>(), bytes.last_chunk::<4>()) {
        (Some(first), Some(last)) => {
            u64::from(u32::from_le_bytes(*first))
                | (u64::from(u32::from_le_bytes(*last)) << (8 * (n - 4)))
        }
        _ => match (bytes.first(), bytes.get(n / 2), bytes.last()) {
            (Some(&a), Some(&b), Some(&c)) => {
                u64::from(a) | (u64::from(b) << (8 * (n / 2))) | (u64::from(c) << (8 * (n - 1)))
            }
            _ => 0,
        },
    }
}

/// `to_ascii_lowercase` on eight bytes at once; other bytes are unchanged.
#[inline]
fn lower_ascii(x: u64) -> u64 {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    let low7 = x & !HIGH;
    // Per byte, no carries: the high bit says `b >= 'A'`, then `b > 'Z'`.
    let ge_a = low7 + ONES * u64::from(0x80 - b'A');
    let gt_z = low7 + ONES * u64::from(0x80 - b'Z' - 1);
    let upper = ge_a & !gt_z & !x & HIGH;
    x | (upper >> 2)
}

/// Parse an enum value (case-insensitive) into its index among `values`
/// (which the policy stores in lower case).
#[inline]
pub fn parse_enum(cell: &[u8], values: &[String]) -> Result<f64, CellError> {
    let first = cell.first().map(u8::to_ascii_lowercase);
    values
        .iter()
        .position(|v| {
            let v = v.as_bytes();
            // Values are stored in lower case: compare the first byte before the rest.
            v.len() == cell.len() && v.first().copied() == first && v.eq_ignore_ascii_case(cell)
        })
        .map(|i| i as f64)
        .ok_or(CellError::NotEnum)
}

#[cfg(test)]
mod tests {
    #[test]
    fn printable_ascii_is_exact_at_every_place_of_a_word_and_the_tail() {
        for value in 0..=255u8 {
            for len in 1..=17 {
                for place in 0..len {
                    for fill in [b'a', b' ', b'~', b'0'] {
                        let mut cell = vec![fill; len];
                        cell[place] = value;
                        let expected = cell.iter().all(|&b| (0x20..0x7f).contains(&b));
                        assert_eq!(super::printable_ascii(&cell), expected, "{cell:?}");
                    }
                }
            }
        }
        assert!(super::printable_ascii(b""));
    }

    use super::*;

    #[test]
    fn packed_enum_keys_match_like_a_byte_comparison() {
        let values: Vec<String> = [
            "urban",
            "rural",
            "",
            "a",
            "x_1",
            "economic_crisis",
            "unprotected_spring",
            "seven_7",
            "eight_88",
            "fifteen_chars_x",
            "sixteen_chars_xx",
            "ñame",
        ]
        .iter()
        .map(|v| v.to_string())
        .collect();
        let keys = EnumKeys::new(&values);
        let mut cells: Vec<Vec<u8>> = Vec::new();
        for v in &values {
            let b = v.as_bytes().to_vec();
            cells.push(b.to_ascii_uppercase());
            cells.push(b.clone());
            let mut longer = b.clone();
            longer.push(0);
            cells.push(longer);
            if !b.is_empty() {
                cells.push(b[..b.len() - 1].to_vec());
                let mut off = b.clone();
                off[0] ^= 0x20;
                cells.push(off);
                let mut high = b.clone();
                high[0] |= 0x80;
                cells.push(high);
            }
        }
        cells.push(b"\xc3\x91AME".to_vec());
        cells.push(b"@[`{".to_vec());
        for cell in cells {
            assert_eq!(
                keys.find(&cell),
                parse_enum(&cell, &values),
                "{:?}",
                String::from_utf8_lossy(&cell)
            );
        }
    }

    #[test]
    fn enum_keys_hash_every_size_and_fall_back_when_they_cannot() {
        for n in (1..=60).chain([100, 200, 254]) {
            let values: Vec<String> = (0..n).map(|i| format!("value_{i}")).collect();
            let keys = EnumKeys::new(&values);
            assert!(!keys.slots.is_empty(), "a perfect hash for {n} values");
            for (i, v) in values.iter().enumerate() {
                assert_eq!(keys.find(v.to_uppercase().as_bytes()), Ok(i as f64));
            }
            assert!(keys.find(b"value_x").is_err());
            assert!(keys.find(b"").is_err());
        }
        // Too many values, or two the same: every key is compared.
        let many: Vec<String> = (0..300).map(|i| format!("v{i}")).collect();
        let keys = EnumKeys::new(&many);
        assert!(keys.slots.is_empty());
        assert_eq!(keys.find(b"V299"), Ok(299.0));
        let twice: Vec<String> = ["a", "b", "a"].map(String::from).to_vec();
        let keys = EnumKeys::new(&twice);
        assert!(keys.slots.is_empty());
        assert_eq!(keys.find(b"A"), Ok(0.0));
        assert_eq!(keys.find(b"b"), Ok(1.0));
        assert!(keys.find(b"c").is_err());
    }

    #[test]
    fn lowercases_ascii_letters_only() {
        for b in 0..=255u8 {
            let x = u64::from(b) << 24 | 0x5a41;
            let want = u64::from(b.to_ascii_lowercase()) << 24 | 0x7a61;
            assert_eq!(lower_ascii(x), want, "byte {b}");
        }
    }

    #[test]
    fn trims_spaces_and_tabs_only() {
        assert_eq!(trim(b" \t42\t "), b"42");
        assert_eq!(trim(b"   "), b"");
        assert_eq!(trim(b"\xc2\xa042"), b"\xc2\xa042");
    }

    #[test]
    fn integers() {
        assert_eq!(parse_integer(b"0"), Ok(0.0));
        assert_eq!(parse_integer(b"050"), Ok(50.0));
        assert_eq!(parse_integer(b"-0"), Ok(-0.0));
        for bad in [
            &b""[..],
            b"-",
            b"+1",
            b"1.0",
            b"1e2",
            b"0x10",
            b" 1",
            "٣".as_bytes(),
            b"1_000",
        ] {
            assert_eq!(parse_integer(bad), Err(CellError::NotInteger), "{bad:?}");
        }
        let big = parse_integer(b"99999999999999999999").unwrap();
        assert!(big > 9.9e19);
    }

    /// Whole numbers take a shorter path than numbers with a point: the
    /// same value as Rust's parse at every length around its 15-digit
    /// limit, with a sign, leading zeros, and a stray byte at each place.
    #[test]
    fn whole_numbers_read_as_the_general_parse() {
        for len in 1..=17 {
            for lead in [b'0', b'1', b'9'] {
                let digits: Vec<u8> = (0..len)
                    .map(|i| {
                        if i == 0 {
                            lead
                        } else {
                            b'0' + (i * 7 % 10) as u8
                        }
                    })
                    .collect();
                let text = String::from_utf8(digits.clone()).unwrap();
                let want: f64 = text.parse().unwrap();
                assert_eq!(parse_number(&digits), Ok(want), "{text}");
                let negative = [&b"-"[..], &digits].concat();
                assert_eq!(parse_number(&negative), Ok(-want), "-{text}");
                assert_eq!(parse_number(&negative).map(f64::is_sign_negative), Ok(true));
                for i in 0..len {
                    for stray in [b'/', b':', b' ', b'.', b'a', 0xff] {
                        let mut bad = digits.clone();
                        bad[i] = stray;
                        let want = std::str::from_utf8(&bad)
                            .ok()
                            .filter(|t| {
                                // The grammar: digits, one inner point with digits after it.
                                stray == b'.' && i > 0 && i + 1 < len && t.parse::<f64>().is_ok()
                            })
                            .map(|t| t.parse::<f64>().unwrap())
                            .ok_or(CellError::NotNumber);
                        assert_eq!(
                            parse_number(&bad),
                            want,
                            "{:?}",
                            String::from_utf8_lossy(&bad)
                        );
                    }
                }
            }
        }
    }

    #[test]
    fn numbers() {
        assert_eq!(parse_number(b"12"), Ok(12.0));
        assert_eq!(parse_number(b"0.5"), Ok(0.5));
        assert_eq!(parse_number(b"-5"), Ok(-5.0));
        assert_eq!(parse_number(b"0.1"), Ok(0.1));
        assert_eq!(parse_number(b"46.35"), Ok(46.35));
        assert_eq!(parse_number(b"123456789012.345"), Ok(123456789012.345));
        assert_eq!(parse_number(b"00012.50"), Ok(12.5));
        assert_eq!(parse_number(b"99999999999999999999"), Ok(1e20));
        assert_eq!(parse_number(b"1234567890123456.5"), Ok(1234567890123456.5));
        // Every short decimal reads exactly as the standard parser reads it.
        for i in 0..20_000u32 {
            let text = format!("{}.{:03}", i * 7919 % 100_000, i % 1000);
            assert_eq!(
                parse_number(text.as_bytes()),
                Ok(text.parse::<f64>().unwrap()),
                "{text}"
            );
        }
        for bad in [
            &b""[..],
            b".5",
            b"5.",
            b"1.000.000",
            b"1,5",
            b"1e400",
            b"NaN",
            b"inf",
            b"+3",
            b"0x10",
        ] {
            assert_eq!(parse_number(bad), Err(CellError::NotNumber), "{bad:?}");
        }
    }

    #[test]
    fn booleans() {
        for t in ["true", "TRUE", "Yes", "y", "1", "Ya"] {
            assert_eq!(parse_bool(t.as_bytes()), Ok(1.0), "{t}");
        }
        for f in ["false", "No", "N", "0", "TIDAK"] {
            assert_eq!(parse_bool(f.as_bytes()), Ok(0.0), "{f}");
        }
        assert!(parse_bool(b"maybe").is_err());
        assert!(parse_bool(b"2").is_err());
    }

    const BOOL_SPELLINGS: [(&str, f64); 10] = [
        ("true", 1.0),
        ("yes", 1.0),
        ("ya", 1.0),
        ("y", 1.0),
        ("1", 1.0),
        ("false", 0.0),
        ("no", 0.0),
        ("tidak", 0.0),
        ("n", 0.0),
        ("0", 0.0),
    ];

    /// Every spelling in every mixture of upper and lower case, with the
    /// answer written out rather than recomputed.
    #[test]
    fn booleans_every_spelling_in_every_case() {
        let mut count = 0;
        for (word, want) in BOOL_SPELLINGS {
            let w = word.as_bytes();
            // Bit i of `case` upper-cases letter i: lower, upper and every mixture.
            for case in 0..1u32 << w.len() {
                let mixed: Vec<u8> = w
                    .iter()
                    .enumerate()
                    .map(|(i, &b)| {
                        if case >> i & 1 == 1 {
                            b.to_ascii_uppercase()
                        } else {
                            b
                        }
                    })
                    .collect();
                assert_eq!(
                    parse_bool(&mixed),
                    Ok(want),
                    "{:?}",
                    String::from_utf8_lossy(&mixed)
                );
                count += 1;
            }
        }
        // 2^length mixtures a spelling (a digit's two "cases" are the same).
        assert_eq!(count, 16 + 8 + 4 + 2 + 2 + 32 + 4 + 32 + 2 + 2);
    }

    /// Against the plain comparison with each spelling, on every cell of
    /// up to two bytes and on each spelling with any one byte replaced.
    #[test]
    fn booleans_match_the_spellings_compared_one_by_one() {
        let reference = |cell: &[u8]| {
            BOOL_SPELLINGS
                .iter()
                .find(|(s, _)| s.as_bytes().eq_ignore_ascii_case(cell))
                .map(|&(_, v)| v)
                .ok_or(CellError::NotBool)
        };
        for a in 0..=255u8 {
            assert_eq!(parse_bool(&[a]), reference(&[a]), "{a}");
            for b in 0..=255u8 {
                assert_eq!(parse_bool(&[a, b]), reference(&[a, b]), "{a} {b}");
            }
        }
        for (word, _) in BOOL_SPELLINGS {
            for i in 0..word.len() {
                for b in 0..=255u8 {
                    let mut cell = word.as_bytes().to_vec();
                    cell[i] = b;
                    assert_eq!(parse_bool(&cell), reference(&cell), "{cell:?}");
                }
            }
        }
    }

    /// Near misses of each spelling are no booleans.
    #[test]
    fn booleans_near_misses_are_rejected() {
        let near_misses: &[&[u8]] = &[
            b"",
            b" ",
            b"t",
            b"tru",
            b"truee",
            b"true ",
            b" true",
            b"trUe\0",
            b"\0true",
            b"ture",
            b"yess",
            b"ye",
            b"yaa",
            b"yA!",
            b"yy",
            b"nn",
            b"non",
            b"nO.",
            b"fals",
            b"falsee",
            b"FALSE1",
            b"tidak1",
            b"tida",
            b"tidakk",
            b"tid ak",
            b"01",
            b"10",
            b"1.0",
            b"00",
            b"2",
            b"-1",
            b"+1",
            b"o",
            b"on",
            b"off",
            b"maybe",
            // Not ASCII: only ASCII letters fold.
            b"\xf9",
            b"\xee",
            b"tru\xc5",
            "ｔrue".as_bytes(),
        ];
        for &cell in near_misses {
            assert_eq!(
                parse_bool(cell),
                Err(CellError::NotBool),
                "{:?}",
                String::from_utf8_lossy(cell)
            );
        }
    }

    /// A spelling with one bit flipped, a byte dropped or a byte added is no
    /// boolean, unless the result happens to be another spelling.
    #[test]
    fn booleans_one_bit_or_byte_off() {
        // Each letter of each spelling with a bit flipped other than the
        // case bit (0x20), and with one byte dropped or added: no spelling,
        // unless the result happens to be another one.
        for (word, _) in BOOL_SPELLINGS {
            let w = word.as_bytes();
            for i in 0..w.len() {
                for flip in [0x01, 0x02, 0x40, 0x80] {
                    let mut near = w.to_vec();
                    near[i] ^= flip;
                    let other = BOOL_SPELLINGS
                        .iter()
                        .find(|(s, _)| s.as_bytes().eq_ignore_ascii_case(&near));
                    let want = other.map(|&(_, v)| v).ok_or(CellError::NotBool);
                    assert_eq!(parse_bool(&near), want, "{near:?}");
                }
                let dropped = [&w[..i], &w[i + 1..]].concat();
                let want = match dropped.as_slice() {
                    b"y" => Ok(1.0),
                    b"n" => Ok(0.0),
                    _ => Err(CellError::NotBool),
                };
                assert_eq!(parse_bool(&dropped), want, "{dropped:?}");
                let added = [&w[..i], b"a", &w[i..]].concat();
                assert_eq!(parse_bool(&added), Err(CellError::NotBool), "{added:?}");
            }
        }
    }

    #[test]
    fn words_of_every_length_load_like_a_byte_loop() {
        let bytes = [0x01u8, 0x80, 0xff, 0x7f, b'a', b'Z', 0x00, 0x42];
        for n in 0..=8 {
            let expected = bytes[..n]
                .iter()
                .rev()
                .fold(0u64, |w, &b| (w << 8) | u64::from(b));
            assert_eq!(word(&bytes[..n]), expected, "{n} bytes");
        }
    }

    #[test]
    fn text_rejects_control_characters_and_bad_utf8() {
        assert_eq!(check_text("Rumah Ibu Siti".as_bytes()), Ok(0.0));
        assert_eq!(check_text(b"two\nlines\ttab"), Ok(0.0));
        assert_eq!(check_text(b"A\x001"), Err(CellError::Control));
        assert_eq!(check_text(b"A\x7f"), Err(CellError::Control));
        assert_eq!(check_text(b"r\xff"), Err(CellError::NotUtf8));
    }

    #[test]
    fn enums() {
        let v = vec!["urban".to_string(), "rural".to_string()];
        assert_eq!(parse_enum(b"Rural", &v), Ok(1.0));
        assert!(parse_enum(b"suburban", &v).is_err());
    }
}
