//! Decision letters (`layak explain --format html`, `layak letters`): one
//! printable page per household, drawn from the family view
//! ([`crate::report::family::family`]) — the decision in the family's
//! words, amounts and durations, reasons, the review date, the policy and
//! room for signatures. A4 print style, a page break between households;
//! the same safety as the report: inline CSS only, no script, a
//! Content-Security-Policy that forbids scripts and loads, and every text
//! from the input escaped and isolated.

use std::fmt::Write as _;

use super::escape::{escaped, push_escaped, push_input_text};
use super::labels::L;
use super::{CONTENT_SECURITY_POLICY, STYLE};
use crate::engine::trace::Trace;
use crate::numfmt::locale::Lang;
use crate::policy::Policy;
use crate::report::family::family;

/// The letters' own style, after the report's.
const LETTER_STYLE: &str = "\
article.letter { break-after: page; page-break-after: always; padding-top: 4px; }
article.letter:last-of-type { break-after: auto; page-break-after: auto; }
article.letter h1 { font-size: 20px; }
article.letter ul { margin: 4px 0 8px; padding-left: 20px; }
article.letter li { margin: 0 0 6px; break-inside: avoid; }
article.letter .amount { font-weight: bold; }
article.letter .sub { margin: 0; color: var(--ink); }
article.letter ul.conds { list-style: none; padding-left: 8px; color: var(--muted); }
article.letter .review { border-left: 4px solid var(--accent); background: var(--accent-light); padding: 6px 10px; }
article.letter .policy { color: var(--muted); font-size: 11px; }
.signatures { display: grid; grid-template-columns: 1fr 1fr; gap: 24px; margin-top: 28px; break-inside: avoid; }
.signatures .box { border: 1px solid var(--line); border-radius: 4px; padding: 8px 10px; min-height: 34mm; display: flex; flex-direction: column; justify-content: space-between; }
.signatures .who { font-weight: bold; }
.signatures .rule { border-bottom: 1px solid var(--ink); height: 16mm; }
.signatures .hint { color: var(--muted); font-size: 11px; }
@page { size: A4; margin: 10mm 12mm; }
@media print {
  body { font-size: 8.5pt; line-height: 1.22; }
  article.letter h1 { font-size: 16pt; margin: 0 0 4px; }
  article.letter h2 { font-size: 11pt; margin: 6px 0 3px; }
  article.letter p { margin: 4px 0; }
  article.letter li { margin: 0 0 3px; }
  .signatures { margin-top: 8px; gap: 4px 16px; }
  .signatures .box { min-height: 24mm; padding: 4px 8px; }
  .signatures .rule { height: 10mm; }
}
";

/// The page's head, up to `<body>`: `title` is the policy's id.
pub fn begin(lang: Lang, policy: &Policy) -> String {
    let mut out = String::with_capacity(8 * 1024);
    let title = escaped(L::LetterTitle.text(lang));
    let _ = write!(
        out,
        "<!DOCTYPE html>\n<html lang=\"{code}\">\n<head>\n<meta charset=\"utf-8\">\n\
<meta http-equiv=\"Content-Security-Policy\" content=\"{CONTENT_SECURITY_POLICY}\">\n\
<meta name=\"referrer\" content=\"no-referrer\">\n\
<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
<meta name=\"generator\" content=\"layak {version}\">\n<title>{title} – ",
        code = lang.code(),
        version = env!("CARGO_PKG_VERSION"),
    );
    push_escaped(&mut out, &policy.meta.id);
    let _ = write!(
        out,
        "</title>\n<style>\n{STYLE}{LETTER_STYLE}</style>\n</head>\n<body>\n"
    );
    out
}

/// The end of the page.
pub const END: &str = "</body>\n</html>\n";

/// Which household a letter is for: its id, file and line (as read).
pub struct Addressee<'a> {
    pub id: &'a str,
    pub file: &'a str,
    pub line: u64,
}

/// One household's letter (an `<article>`), appended to `out`. `slots` are
/// the household's values as the engine left them.
pub fn push_letter(
    out: &mut String,
    policy: &Policy,
    to: &Addressee<'_>,
    t: &Trace,
    slots: &[f64],
) {
    let lang = policy.lang;
    let f = family(policy, t, slots);
    let label = |l: L| escaped(l.text(lang));
    out.push_str("<article class=\"letter\">\n<header><h1>");
    out.push_str(&label(L::LetterTitle));
    let _ = write!(
        out,
        "</h1><dl class=\"meta\"><dt>{}</dt><dd class=\"household\">",
        label(L::LetterHousehold)
    );
    push_input_text(out, to.id);
    out.push_str(" (");
    push_input_text(out, to.file);
    let _ = write!(
        out,
        ", {} {})</dd><dt>{}</dt><dd><time datetime=\"{}\">{}</time></dd>",
        escaped(f.line_word),
        to.line,
        label(L::LetterDate),
        escaped(&policy.as_of),
        escaped(&lang.date(&policy.as_of)),
    );
    let review = add_months(&policy.as_of, t.review_after_months);
    let _ = write!(
        out,
        "<dt>{}</dt><dd class=\"review-date\">",
        label(L::ReviewDate)
    );
    match &review {
        Some(iso) => {
            let _ = write!(
                out,
                "<time datetime=\"{}\">{}</time>",
                escaped(iso),
                escaped(&lang.date(iso))
            );
        }
        None => push_escaped(out, &f.review),
    }
    let _ = write!(out, "</dd><dt>{}</dt><dd>", label(L::Policy));
    push_escaped(out, &policy.meta.id);
    let _ = write!(out, " {} ", label(L::Version));
    push_escaped(out, &policy.meta.version);
    let _ = write!(out, " ({} <code>", label(L::Fingerprint));
    push_escaped(out, &policy.hash);
    out.push_str("</code>)</dd></dl></header>\n<p>");
    out.push_str(&label(L::LetterIntro));
    let _ = write!(out, "</p>\n<h2>{}</h2>\n<p><strong>", label(L::LetterGets));
    push_escaped(out, f.gets);
    out.push_str("</strong></p>\n");
    if !f.given.is_empty() {
        out.push_str("<ul class=\"given\">");
        for g in &f.given {
            out.push_str("<li><strong>");
            push_escaped(out, &g.name);
            push_escaped(out, &g.status);
            out.push_str("</strong>");
            out.push_str(": <span class=\"amount\">");
            push_escaped(out, &g.amount);
            out.push_str("</span>.<p class=\"sub\">");
            push_escaped(out, &g.why);
            out.push_str("</p>");
            if let Some(b) = &g.because {
                out.push_str("<p class=\"sub\">");
                push_escaped(out, b);
                out.push_str("</p>");
            }
            out.push_str("</li>");
        }
        out.push_str("</ul>\n");
    }
    for line in [&f.total, &f.path].into_iter().flatten() {
        out.push_str("<p>");
        push_escaped(out, line);
        out.push_str("</p>\n");
    }
    if !f.denied.is_empty() {
        let _ = write!(out, "<h2>{}</h2>\n<p><strong>", label(L::LetterNotGets));
        push_escaped(out, f.not_gets);
        out.push_str("</strong></p>\n<ul class=\"denied\">");
        for d in &f.denied {
            out.push_str("<li><strong>");
            push_escaped(out, &d.name);
            out.push_str("</strong>: ");
            push_escaped(out, &d.reason);
            out.push('.');
            if !d.not_met.is_empty() {
                out.push_str("<ul class=\"conds\">");
                for (c, lines) in &d.not_met {
                    out.push_str("<li>");
                    push_escaped(out, c);
                    for (indent, text) in lines {
                        let _ = write!(
                            out,
                            "<br><span style=\"padding-left:{}em\">",
                            indent.saturating_sub(4)
                        );
                        push_escaped(out, text);
                        out.push_str("</span>");
                    }
                    out.push_str("</li>");
                }
                out.push_str("</ul>");
            }
            out.push_str("</li>");
        }
        out.push_str("</ul>\n");
    }
    out.push_str("<p class=\"review\">");
    push_escaped(out, &f.review);
    if let Some(iso) = &review {
        let _ = write!(out, " ({})", escaped(&lang.date(iso)));
    }
    out.push_str("</p>\n<p class=\"policy\">");
    push_escaped(out, &f.policy);
    let _ = write!(
        out,
        "</p>\n<section class=\"signatures\"><h2 style=\"grid-column: 1 / -1; margin: 0\">{}</h2>",
        label(L::Signatures)
    );
    for who in [L::SignHousehold, L::SignOfficer] {
        let _ = write!(
            out,
            "<div class=\"box\"><div class=\"who\">{}</div><div class=\"rule\"></div><div class=\"hint\">{}</div></div>",
            label(who),
            label(L::SignNameDate)
        );
    }
    out.push_str("</section>\n</article>\n");
}

/// `iso` (`YYYY-MM-DD`) plus `months`, the day kept or cut to the end of
/// the month (31 January + 1 month = 28 or 29 February); `None` when `iso`
/// is not such a date.
pub fn add_months(iso: &str, months: u32) -> Option<String> {
    let mut parts = iso.split('-');
    let (y, m, d) = (parts.next()?, parts.next()?, parts.next()?);
    if parts.next().is_some() || y.len() != 4 || m.len() != 2 || d.len() != 2 {
        return None;
    }
    let (y, m, d): (u32, u32, u32) = (y.parse().ok()?, m.parse().ok()?, d.parse().ok()?);
    if !(1..=12).contains(&m) || !(1..=31).contains(&d) {
        return None;
    }
    let total = (y * 12 + (m - 1)).checked_add(months)?;
    let (y, m) = (total / 12, total % 12 + 1);
    if y > 9999 {
        return None;
    }
    let leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    let last = match m {
        2 if leap => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    };
    Some(format!("{y:04}-{m:02}-{:02}", d.min(last)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn months_are_added_with_the_day_cut_to_the_month() {
        assert_eq!(add_months("2025-01-15", 6).as_deref(), Some("2025-07-15"));
        assert_eq!(add_months("2025-08-31", 6).as_deref(), Some("2026-02-28"));
        assert_eq!(add_months("2023-08-31", 6).as_deref(), Some("2024-02-29"));
        assert_eq!(add_months("2025-12-01", 1).as_deref(), Some("2026-01-01"));
        assert_eq!(add_months("2025-05-05", 0).as_deref(), Some("2025-05-05"));
        assert_eq!(add_months("2025-13-01", 1), None);
        assert_eq!(add_months("today", 1), None);
        assert_eq!(add_months("9999-12-01", 1), None);
    }
}
