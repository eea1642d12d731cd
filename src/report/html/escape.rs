//! Text into HTML: every character that could start markup is escaped, and
//! text read from the input is isolated and made visible.
//!
//! Escaping `& < > " '` makes any text inert in element content and in
//! quoted attribute values. Text from the input file (ids, regions, `--by`
//! values, cells) is also wrapped in `<bdi>`, so that right-to-left text
//! cannot reorder the words around it, and its invisible characters
//! (controls, bidirectional overrides, zero-width characters, byte-order
//! marks) are shown as `U+XXXX` marks: a reader sees that `3201` and
//! `3201` + ZERO WIDTH SPACE are two different values.

/// The longest input text shown (bytes); longer text is cut with `…`.
pub(crate) const INPUT_TEXT_BYTES: usize = 120;

/// `s` escaped for element content or a double-quoted attribute value.
pub(crate) fn push_escaped(out: &mut String, s: &str) {
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
}

/// `s` escaped, as a new string (for attribute values and small texts).
pub(crate) fn escaped(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    push_escaped(&mut out, s);
    out
}

/// Characters a reader cannot see or that change the order of what follows:
/// controls, format characters (zero-width, bidirectional marks, embeddings,
/// overrides and isolates, byte-order mark, tags) and line separators.
pub(crate) fn is_invisible(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            '\u{00AD}'
                | '\u{034F}'
                | '\u{061C}'
                | '\u{115F}'
                | '\u{1160}'
                | '\u{17B4}'
                | '\u{17B5}'
                | '\u{180B}'..='\u{180F}'
                | '\u{200B}'..='\u{200F}'
                | '\u{2028}'..='\u{202E}'
                | '\u{2060}'..='\u{206F}'
                | '\u{3164}'
                | '\u{FE00}'..='\u{FE0F}'
                | '\u{FEFF}'
                | '\u{FFA0}'
                | '\u{FFF0}'..='\u{FFFB}'
                | '\u{E0000}'..='\u{E0FFF}'
        )
}

/// Text from the input file: cut to [`INPUT_TEXT_BYTES`], escaped, each
/// invisible character shown as a `U+XXXX` mark, all inside `<bdi>`.
pub(crate) fn push_input_text(out: &mut String, s: &str) {
    let cut = crate::text::shorten(s, INPUT_TEXT_BYTES);
    out.push_str("<bdi>");
    for c in cut.chars() {
        if is_invisible(c) {
            out.push_str(&format!("<span class=\"cp\">U+{:04X}</span>", u32::from(c)));
        } else {
            let mut b = [0u8; 4];
            push_escaped(out, c.encode_utf8(&mut b));
        }
    }
    out.push_str("</bdi>");
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input(s: &str) -> String {
        let mut out = String::new();
        push_input_text(&mut out, s);
        out
    }

    #[test]
    fn markup_is_inert() {
        assert_eq!(
            escaped(r#"<script>alert(1)</script>"#),
            "&lt;script&gt;alert(1)&lt;/script&gt;"
        );
        assert_eq!(
            escaped(r#""><img src=x onerror='a'>&"#),
            "&quot;&gt;&lt;img src=x onerror=&#39;a&#39;&gt;&amp;"
        );
        assert_eq!(input("<b>x</b>"), "<bdi>&lt;b&gt;x&lt;/b&gt;</bdi>");
    }

    #[test]
    fn invisible_characters_are_shown() {
        assert_eq!(
            input("32\u{200B}01\u{202E}x\u{0}"),
            "<bdi>32<span class=\"cp\">U+200B</span>01<span class=\"cp\">U+202E</span>x<span class=\"cp\">U+0000</span></bdi>"
        );
        // Right-to-left letters are text, kept as they are (isolated by bdi).
        assert_eq!(input("مرحبا"), "<bdi>مرحبا</bdi>");
        assert!(!is_invisible('a') && !is_invisible('é') && !is_invisible(' '));
    }

    #[test]
    fn long_input_text_is_cut() {
        let long = "x".repeat(10_000);
        let shown = input(&long);
        assert!(shown.len() < INPUT_TEXT_BYTES + 40, "{}", shown.len());
        assert!(shown.contains('…'));
    }
}
