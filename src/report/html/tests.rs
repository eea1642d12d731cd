//! The page's frame: its safety header, its language, hostile reject cells.

use super::*;
use crate::report::summary::{RunContext, Summary, SummarySpec};

fn empty_page(lang: Lang, examples: &RejectExamples) -> String {
    let policy = Policy::default_policy(&Default::default()).unwrap();
    let codes: Vec<&'static str> = RejectCode::ALL[..RejectCode::HOUSEHOLD_CODES]
        .iter()
        .map(|c| c.as_str())
        .collect();
    let spec = SummarySpec::new(&policy, None, None, true, &codes);
    let ctx = RunContext {
        input_file: "<script>alert(1)</script>.csv".into(),
        read: 1,
        rejected: 1,
        rejects_by_reason: codes
            .iter()
            .map(|&c| (c, u64::from(c == "invalid_value")))
            .collect(),
        ..RunContext::default()
    };
    let report = Summary::default().report(&spec, &policy, ctx);
    render(&report, &policy, lang, examples)
}

#[test]
fn the_page_forbids_scripts_and_loads() {
    let page = empty_page(Lang::En, &RejectExamples::default());
    assert!(page.starts_with("<!DOCTYPE html>\n<html lang=\"en\">"));
    assert!(page.contains(
        "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; img-src data:\">"
    ));
    let lower = page.to_lowercase();
    for banned in [
        "<script",
        "javascript:",
        "<link",
        "<img",
        "<iframe",
        "@import",
        "url(",
        "http://",
        "https://",
    ] {
        assert!(!lower.contains(banned), "{banned}");
    }
    assert!(page.contains("&lt;script&gt;alert(1)&lt;/script&gt;.csv"));
    let id = empty_page(Lang::Id, &RejectExamples::default());
    assert!(id.starts_with("<!DOCTYPE html>\n<html lang=\"id\">"));
    assert!(id.contains("Baris dibaca"));
}

#[test]
fn reject_cells_are_escaped_and_kept_a_few_per_reason() {
    let mut examples = RejectExamples::default();
    for line in 2..10 {
        examples.note(&Reject {
            line,
            household_id: "\"><img src=x onerror=alert(1)>".into(),
            column: "area".into(),
            value: "\u{202E}lar\u{200B}ur".into(),
            code: RejectCode::InvalidValue,
            message: String::new(),
        });
    }
    assert_eq!(
        examples.of("invalid_value").len(),
        RejectExamples::PER_REASON
    );
    let page = empty_page(Lang::Id, &examples);
    assert!(!page.contains("<img"));
    assert!(page.contains("&quot;&gt;&lt;img src=x onerror=alert(1)&gt;"));
    assert!(page.contains("<span class=\"cp\">U+202E</span>lar<span class=\"cp\">U+200B</span>ur"));
    assert!(!page.contains('\u{202E}') && !page.contains('\u{200B}'));
}
