//! The offline HTML report for managers (`layak assess --report FILE`): one
//! self-contained page drawn from the run's summary [`Report`], in English
//! or Bahasa Indonesia.
//!
//! The page is safe to open and to e-mail: inline CSS and inline SVG only,
//! no script at all, and a Content-Security-Policy that forbids scripts and
//! every load, so nothing runs and nothing is fetched even if a text slipped
//! through. Every text from the input is escaped and isolated
//! (`escape::push_input_text`).
//!
//! Every number is a figure of the summary JSON of the same run, written
//! for people ([`crate::numfmt::locale`]) and tagged with its JSON path
//! (`data-k="total.programs.food_assistance.monthly_cost"`, groups by
//! index: `by.groups.3.households`), so a test can read each number back
//! and compare it with the JSON: counts and money exactly (weighted
//! estimates rounded to whole units), ratios as percentages to one decimal.
//!
//! The files: this one holds the entry point and the page's number and
//! table helpers; `frame` the head, heading and footer; `figures` totals,
//! costs, tracks and statuses; `poverty` Alkire–Foster and FGT; `runs` the
//! budget, the `--by` groups and the rejects; `deciles` the welfare
//! deciles of a ranking policy; `labels` every word in both
//! languages; `escape` input text into HTML; `svg` the charts.

mod compare;
mod deciles;
mod escape;
mod figures;
mod frame;
pub(crate) mod labels;
pub mod letter;
mod poverty;
mod runs;
mod svg;

use std::fmt::Write as _;

use crate::input::{Reject, RejectCode};
use crate::numfmt::locale::{Lang, currency_symbol};
use crate::policy::Policy;

use super::summary::Report;
use super::summary::wire::{ByReport, Count, Figures, Num, Ordered};
use escape::{escaped, push_escaped, push_input_text};
use labels::{Kind, L, name_of};

pub use compare::render_compare;

/// The page's style sheet (inline: the page loads nothing).
const STYLE: &str = include_str!("style.css");

/// The Content-Security-Policy of the page: no script, no load of any kind,
/// inline styles and `data:` images only.
pub const CONTENT_SECURITY_POLICY: &str =
    "default-src 'none'; style-src 'unsafe-inline'; img-src data:";

/// The first rejected rows of each reason, as the report lists them.
#[derive(Debug, Clone, Default)]
pub struct RejectExamples {
    /// Per reason code, in the order first met.
    by_code: Vec<(RejectCode, Vec<Example>)>,
}

#[derive(Debug, Clone)]
struct Example {
    line: u64,
    household_id: String,
    column: String,
    value: String,
}

impl RejectExamples {
    /// How many rows of each reason are kept.
    pub const PER_REASON: usize = 3;

    /// Keep `r` if fewer than [`RejectExamples::PER_REASON`] rows of its
    /// reason are kept (cut to a few hundred bytes: a cell can be megabytes).
    pub fn note(&mut self, r: &Reject) {
        let at = match self.by_code.iter().position(|(c, _)| *c == r.code) {
            Some(i) => i,
            None => {
                self.by_code.push((r.code, Vec::new()));
                self.by_code.len() - 1
            }
        };
        let kept = &mut self.by_code[at].1;
        if kept.len() < Self::PER_REASON {
            let cut = |s: &str| crate::text::shorten(s, escape::INPUT_TEXT_BYTES);
            kept.push(Example {
                line: r.line,
                household_id: cut(&r.household_id),
                column: cut(&r.column),
                value: cut(&r.value),
            });
        }
    }

    fn of(&self, code: &str) -> &[Example] {
        self.by_code
            .iter()
            .find(|(c, _)| c.as_str() == code)
            .map_or(&[], |(_, e)| e.as_slice())
    }
}

/// The report as one HTML page in `lang`. `policy` is the policy of the run
/// (its program names and indicator labels); `examples` the first rejected
/// rows of each reason.
pub fn render(report: &Report, policy: &Policy, lang: Lang, examples: &RejectExamples) -> String {
    let mut page = Page {
        out: String::with_capacity(64 * 1024),
        lang,
        currency: report.policy.currency.clone(),
        policy,
    };
    page.head(report);
    page.header(report);
    page.totals(report);
    page.costs(&report.total, "total");
    page.counts(&report.total, "total");
    page.multidimensional(&report.total);
    page.income_poverty(&report.total);
    page.budget(report);
    if let Some(d) = &report.deciles {
        page.deciles(d);
    }
    if let Some(by) = &report.by {
        page.groups(by, report.budget.is_some());
    }
    page.rejects(report, examples);
    page.foot();
    page.out
}

/// Program `id`'s name in `lang`: the policy's own name when the policy is
/// written in that language, else the known name or the id.
fn program_name(policy: &Policy, id: &str, lang: Lang) -> String {
    let own = policy
        .programs
        .iter()
        .find(|p| p.id == id)
        .map(|p| p.name.as_str());
    match own.filter(|n| !n.trim().is_empty()) {
        Some(n) if policy.lang == lang => n.to_string(),
        _ => name_of(Kind::Program, id, own, lang),
    }
}

struct Page<'a> {
    out: String,
    lang: Lang,
    currency: String,
    policy: &'a Policy,
}

/// A figure with no value (a ratio over nothing, persons not counted).
const NONE: &str = "–";

impl Page<'_> {
    fn t(&self, l: L) -> &'static str {
        l.text(self.lang)
    }

    /// `<h2>` with a label.
    fn h2(&mut self, l: L) {
        let _ = write!(self.out, "<h2>{}</h2>", escaped(self.t(l)));
    }

    /// A number tagged with its JSON path.
    fn number(&mut self, key: &str, shown: &str) {
        let _ = write!(
            self.out,
            "<span class=\"n\" data-k=\"{}\">{}</span>",
            escaped(key),
            escaped(shown)
        );
    }

    fn count_text(&self, n: Num) -> String {
        self.lang.count(n.whole())
    }

    fn money_text(&self, n: u128) -> String {
        format!("{} {}", currency_symbol(&self.currency), self.lang.count(n))
    }

    fn ratio_text(&self, r: Option<f64>) -> Option<String> {
        r.map(|r| self.lang.percent(r, 1))
    }

    /// `<td>` cells: a count, money, a ratio as a percentage, or nothing.
    fn td_count(&mut self, key: &str, n: Option<Num>) {
        self.out.push_str("<td class=\"num\">");
        match n {
            Some(n) => {
                let shown = self.count_text(n);
                self.number(key, &shown);
            }
            None => self.out.push_str(NONE),
        }
        self.out.push_str("</td>");
    }

    fn td_money(&mut self, key: &str, n: Num) {
        let shown = self.money_text(n.whole());
        self.out.push_str("<td class=\"num\">");
        self.number(key, &shown);
        self.out.push_str("</td>");
    }

    fn td_ratio(&mut self, key: &str, r: Option<f64>) {
        self.out.push_str("<td class=\"num\">");
        match self.ratio_text(r) {
            Some(shown) => self.number(key, &shown),
            None => self.out.push_str(NONE),
        }
        self.out.push_str("</td>");
    }

    /// `<th>` cells for a table's header row.
    fn header_row(&mut self, cells: &[L]) {
        self.out.push_str("<thead><tr>");
        for &c in cells {
            let _ = write!(self.out, "<th>{}</th>", escaped(self.t(c)));
        }
        self.out.push_str("</tr></thead>");
    }
}

#[cfg(test)]
mod tests;
