//! Decision letters (issue 19, item 3): `layak letters` and `explain
//! --format html` — one printable page per decided household, in both
//! languages, every input text escaped, written whole or not at all.

use crate::languages::ENGLISH;
use crate::util::{Dir, repo, repo_text};

const SAMPLE: &str = "data/sample-households.csv";
const AS_OF: &str = "2025-01-15";

const SCRIPT: &str = "<script>alert(1)</script>";
const IMG: &str = "\"><img src=x onerror=alert(1)>";
const RTL: &str = "\u{202E}1023\u{202C}";
const ZERO_WIDTH: &str = "H\u{200B}01";

fn letters_of(html: &str) -> usize {
    html.matches("<article class=\"letter\">").count()
}

/// The text a reader sees: tags and the style sheet taken out.
fn visible_text(html: &str) -> String {
    let body = html.split("</head>").nth(1).unwrap_or(html);
    let mut out = String::new();
    let mut in_tag = false;
    for c in body.chars() {
        match c {
            '<' => in_tag = true,
            '>' if in_tag => {
                in_tag = false;
                out.push(' ');
            }
            _ if !in_tag => out.push(c),
            _ => {}
        }
    }
    out.replace("&amp;", "&")
        .replace("&#39;", "'")
        .replace("&quot;", "\"")
}

#[test]
fn one_page_per_decided_household_with_page_breaks() {
    let dir = Dir::new();
    let out = dir.run(&["letters", &repo(SAMPLE), "-o", "l.html", "--as-of", AS_OF]);
    out.assert_code(3).no_panic();
    out.stderr_has("41 letters written to l.html");
    // Rejected rows are not letters, and stderr says so.
    out.stderr_has("no letter for household H040 (line 42): rejected");
    out.stderr_has("no letter for 18 more rejected rows");
    let html = dir.read("l.html");
    assert_eq!(letters_of(&html), 41);
    assert!(
        !html.contains("<bdi>H043</bdi>"),
        "a rejected row got a letter"
    );
    assert!(html.contains("<bdi>H001</bdi>") && html.contains("<bdi>H002</bdi>"));
    // A4, a page break after each letter but the last.
    assert!(html.contains("@page { size: A4;"));
    assert!(html.contains("article.letter { break-after: page;"));
    assert!(html.contains("article.letter:last-of-type { break-after: auto;"));
    // No script, and a policy that forbids one.
    assert!(!html.to_lowercase().contains("<script"));
    assert!(
        html.contains("content=\"default-src 'none'; style-src 'unsafe-inline'; img-src data:\"")
    );
    // The parts of a letter: review date, policy, signatures.
    assert!(html.contains("<dt>Review date</dt>"));
    assert!(html.contains("<time datetime=\"2025-01-15\">15 January 2025</time>"));
    assert!(html.contains("Household representative") && html.contains("Officer"));
    assert!(html.contains("layak-default"));
    assert_eq!(html.matches("class=\"signatures\"").count(), 41);
}

#[test]
fn explain_format_html_is_the_same_letter() {
    let dir = Dir::new();
    let one = dir.run(&[
        "explain",
        &repo(SAMPLE),
        "--id",
        "H002",
        "--format",
        "html",
        "--as-of",
        AS_OF,
    ]);
    one.assert_code(0);
    assert_eq!(letters_of(&one.stdout), 1);
    dir.run(&[
        "letters",
        &repo(SAMPLE),
        "-o",
        "l.html",
        "--ids",
        "H002",
        "--as-of",
        AS_OF,
    ])
    .assert_code(0);
    assert_eq!(dir.read("l.html"), one.stdout);
    // The family view's sentences, as HTML.
    let family = dir.run(&["explain", &repo(SAMPLE), "--id", "H002", "--as-of", AS_OF]);
    let text = visible_text(&one.stdout);
    for line in family
        .stdout
        .lines()
        .skip(1)
        .filter(|l| !l.trim().is_empty())
    {
        let line = line.trim().trim_start_matches("- ");
        let first = line.split(':').next().unwrap_or(line);
        assert!(text.contains(first), "`{first}` not in the letter:\n{text}");
    }
    // A review date: the as-of date plus review_after_months.
    assert!(
        one.stdout
            .contains("<dd class=\"review-date\"><time datetime=\"2025-")
    );
}

#[test]
fn indonesian_letters_have_no_english_word() {
    let dir = Dir::new();
    let file = repo(SAMPLE);
    for (lang, should_be_clean) in [("id", true), ("en", false)] {
        let name = format!("{lang}.html");
        dir.run(&[
            "letters", &file, "-o", &name, "--lang", lang, "--as-of", AS_OF,
        ])
        .assert_code(3);
        let html = dir.read(&name);
        assert!(html.contains(&format!("<html lang=\"{lang}\">")));
        let text = visible_text(&html);
        let english: Vec<String> = text
            .split(|c: char| c.is_whitespace() || ",;:().".contains(c))
            .map(str::to_lowercase)
            // Ids, the file's name, the policy id and its fingerprint.
            .filter(|w| !w.is_empty() && !w.contains('_') && !w.contains('/') && !w.contains('-'))
            .filter(|w| ENGLISH.contains(&w.as_str()))
            .collect();
        if should_be_clean {
            assert!(
                english.is_empty(),
                "English in the Indonesian letters: {english:?}"
            );
            assert!(text.contains("Tanggal tinjauan ulang"));
            assert!(text.contains("Wakil rumah tangga") && text.contains("Petugas"));
            assert!(text.contains("15 Januari 2025"));
            // No placeholder left (`{name}`); a set of values is `{a, b}`.
            for group in text.split('{').skip(1) {
                let inside = group.split('}').next().unwrap_or(group);
                assert!(inside.contains([' ', ',']), "a placeholder: {{{inside}}}");
            }
        } else {
            assert!(
                english.len() > 100,
                "the word list would catch English: {}",
                english.len()
            );
        }
    }
}

/// A CSV cell, quoted when it must be.
fn cell(s: &str) -> String {
    if s.contains([',', '"', '\n']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

/// The first rows of the sample with hostile ids.
fn hostile_file() -> String {
    let text = repo_text(SAMPLE);
    let mut lines = text.lines();
    let header = lines.next().unwrap();
    let mut out = format!("{header}\n");
    let hostile = [SCRIPT, IMG, RTL, ZERO_WIDTH, "مرحبا"];
    for (i, line) in lines.take(5).enumerate() {
        let mut cells: Vec<String> = line.split(',').map(str::to_string).collect();
        cells[0] = hostile[i].to_string();
        let row: Vec<String> = cells.iter().map(|c| cell(c)).collect();
        out.push_str(&row.join(","));
        out.push('\n');
    }
    out
}

#[test]
fn hostile_ids_are_escaped_and_visible() {
    let dir = Dir::new();
    let input = dir.write("hostile.csv", hostile_file());
    dir.run(&["letters", input, "-o", "l.html", "--as-of", AS_OF])
        .assert_code(0);
    let explained = dir.run(&[
        "explain", input, "--id", SCRIPT, "--format", "html", "--as-of", AS_OF,
    ]);
    explained.assert_code(0);
    for html in [dir.read("l.html"), explained.stdout.clone()] {
        let lower = html.to_lowercase();
        assert!(!lower.contains("<script"), "a script element");
        assert!(!lower.contains("<img"), "an img element");
        assert!(html.contains("<bdi>&lt;script&gt;alert(1)&lt;/script&gt;</bdi>"));
    }
    let html = dir.read("l.html");
    assert_eq!(letters_of(&html), 5);
    assert!(html.contains("<bdi>&quot;&gt;&lt;img src=x onerror=alert(1)&gt;</bdi>"));
    assert!(html.contains(
        "<bdi><span class=\"cp\">U+202E</span>1023<span class=\"cp\">U+202C</span></bdi>"
    ));
    assert!(html.contains("<bdi>H<span class=\"cp\">U+200B</span>01</bdi>"));
    assert!(html.contains("<bdi>مرحبا</bdi>"));
}

#[test]
fn an_unknown_id_is_an_error_naming_the_closest_and_nothing_is_written() {
    let dir = Dir::new();
    dir.write("l.html", "earlier");
    let out = dir.run(&[
        "letters",
        &repo(SAMPLE),
        "-o",
        "l.html",
        "--ids",
        "H002,H0x1",
        "--as-of",
        AS_OF,
    ]);
    out.assert_code(1).no_panic();
    out.stderr_has("household not in the file");
    out.stderr_has("`H0x1`: close ids: H001, H011, H021");
    // The earlier file is untouched and no temporary file is left.
    assert_eq!(dir.read("l.html"), "earlier");
    assert_eq!(dir.entries(), vec!["l.html".to_string()]);
}

#[test]
fn rejected_rows_named_get_no_letter_and_the_output_is_whole() {
    let dir = Dir::new();
    let out = dir.run(&[
        "letters",
        &repo(SAMPLE),
        "-o",
        "l.html",
        "--ids",
        "H001,H043",
        "--as-of",
        AS_OF,
    ]);
    out.assert_code(3);
    out.stderr_has("no letter for household H043 (line 46): rejected");
    out.stderr_has("1 letter written to l.html");
    assert_eq!(letters_of(&dir.read("l.html")), 1);
    assert_eq!(dir.entries(), vec!["l.html".to_string()]);
    // explain --format html of a rejected row: nothing on stdout, why on stderr.
    let one = dir.run(&[
        "explain",
        &repo(SAMPLE),
        "--id",
        "H043",
        "--format",
        "html",
        "--as-of",
        AS_OF,
    ]);
    one.assert_code(3);
    assert!(one.stdout.is_empty(), "{}", one.stdout);
    one.stderr_has("no letter: the row is rejected");
    // Not HTML by name: a usage error before anything is read.
    dir.run(&["letters", &repo(SAMPLE), "-o", "l.pdf"])
        .assert_code(2)
        .stderr_has("name the file .html");
}
