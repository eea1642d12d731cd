//! Words for messages people read: counts with their thousands grouped,
//! singular or plural nouns, and lists and quotes cut short. A leaf module:
//! every stage uses it, and it uses none of them.

/// A count with its thousands grouped as money is (`1,234,567`).
///
/// ```
/// assert_eq!(layak::text::grouped(1_234_567u64), "1,234,567");
/// ```
pub fn grouped(n: impl Into<u128>) -> String {
    let digits = n.into().to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// `1 row`, `2,000 rows`: a grouped count and its noun, singular or plural.
pub fn counted(n: u64, one: &str, many: &str) -> String {
    format!("{} {}", grouped(n), noun(u128::from(n), one, many))
}

/// The singular or the plural of a noun for a count: `1 input`, `0 inputs`,
/// `2 inputs`.
///
/// ```
/// assert_eq!(layak::text::noun(1, "row", "rows"), "row");
/// assert_eq!(layak::text::noun(0, "row", "rows"), "rows");
/// ```
pub fn noun<'a>(count: u128, one: &'a str, many: &'a str) -> &'a str {
    if count == 1 { one } else { many }
}

/// How many items of a list a message names before "… and N more".
pub const MESSAGE_LIST_ITEMS: usize = 20;
/// The most bytes of policy text one message quotes (a list, a line).
pub const MESSAGE_QUOTE_BYTES: usize = 300;

/// `text` cut to at most `max` bytes (at a character boundary), with `…`
/// when something was cut.
pub fn shorten(text: &str, max: usize) -> String {
    if text.len() <= max {
        return text.to_string();
    }
    let mut end = max;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}…", &text[..end])
}

/// A list for a message, `a, b, c`: at most [`MESSAGE_LIST_ITEMS`] items and
/// about [`MESSAGE_QUOTE_BYTES`] bytes, then `… and N more`, so that a
/// 100,000-value enum does not fill the terminal.
pub fn quote_list<S: AsRef<str>>(items: &[S]) -> String {
    let mut out = String::new();
    let mut shown = 0;
    for item in items {
        if shown == MESSAGE_LIST_ITEMS || out.len() >= MESSAGE_QUOTE_BYTES {
            break;
        }
        if shown > 0 {
            out.push_str(", ");
        }
        out.push_str(&shorten(item.as_ref(), 60));
        shown += 1;
    }
    let rest = items.len() - shown;
    if rest > 0 {
        out.push_str(&format!(", … and {} more", grouped(rest as u64)));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_group_their_thousands_and_agree_with_their_nouns() {
        assert_eq!(grouped(0u64), "0");
        assert_eq!(grouped(999u64), "999");
        assert_eq!(grouped(1_000u64), "1,000");
        assert_eq!(grouped(434_775u64), "434,775");
        assert_eq!(grouped(u64::MAX), "18,446,744,073,709,551,615");
        assert_eq!(counted(1, "row", "rows"), "1 row");
        assert_eq!(counted(10_988, "row", "rows"), "10,988 rows");
    }

    #[test]
    fn long_lists_are_cut_with_a_grouped_count() {
        let items: Vec<String> = (0..100_000).map(|i| format!("v{i}")).collect();
        let list = quote_list(&items);
        assert!(list.len() < MESSAGE_QUOTE_BYTES + 100, "{}", list.len());
        assert!(list.ends_with(", … and 99,980 more"), "{list}");
    }
}
