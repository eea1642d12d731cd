//! The offline HTML report for managers (`layak assess --report FILE`): one
//! self-contained page drawn from the run's summary [`Report`], in English
//! or Bahasa Indonesia.
//!
//! The page is safe to open and to e-mail: inline CSS and inline SVG only,
//! no script at all, and a Content-Security-Policy that forbids scripts and
//! every load, so nothing runs and nothing is fetched even if a text slipped
//! through. Every text from the input is escaped and isolated
//! ([`escape::push_input_text`]).
//!
//! Every number is a figure of the summary JSON of the same run, written
//! for people ([`crate::numfmt::locale`]) and tagged with its JSON path
//! (`data-k="total.programs.food_assistance.monthly_cost"`, groups by
//! index: `by.groups.3.households`), so a test can read each number back
//! and compare it with the JSON: counts and money exactly (weighted
//! estimates rounded to whole units), ratios as percentages to one decimal.

mod escape;
mod labels;
mod svg;

use std::fmt::Write as _;

use crate::input::{Reject, RejectCode};
use crate::numfmt::locale::{Lang, currency_symbol};
use crate::policy::Policy;

use super::summary::Report;
use super::summary::wire::{ByReport, Count, Figures, Num, Ordered};
use escape::{escaped, push_escaped, push_input_text};
use labels::{Kind, L, name_of};

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
    if let Some(by) = &report.by {
        page.groups(by, report.budget.is_some());
    }
    page.rejects(report, examples);
    page.foot();
    page.out
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

    fn head(&mut self, report: &Report) {
        let lang = self.lang.code();
        let title = escaped(self.t(L::Title));
        let _ = write!(
            self.out,
            "<!DOCTYPE html>\n<html lang=\"{lang}\">\n<head>\n<meta charset=\"utf-8\">\n\
<meta http-equiv=\"Content-Security-Policy\" content=\"{CONTENT_SECURITY_POLICY}\">\n\
<meta name=\"referrer\" content=\"no-referrer\">\n\
<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
<meta name=\"generator\" content=\"layak {version}\">\n<title>{title} – ",
            version = env!("CARGO_PKG_VERSION"),
        );
        push_escaped(&mut self.out, &report.policy.id);
        let _ = write!(
            self.out,
            "</title>\n<style>\n{STYLE}</style>\n</head>\n<body>\n"
        );
    }

    fn header(&mut self, report: &Report) {
        let p = &report.policy;
        let _ = write!(
            self.out,
            "<header><h1>{}</h1><dl class=\"meta\"><dt>{}</dt><dd class=\"input\">",
            escaped(self.t(L::Title)),
            escaped(self.t(L::InputFile))
        );
        push_input_text(&mut self.out, &report.input.file);
        let _ = write!(self.out, "</dd><dt>{}</dt><dd>", escaped(self.t(L::Policy)));
        push_escaped(&mut self.out, &p.id);
        let _ = write!(self.out, " {} ", escaped(self.t(L::Version)));
        push_escaped(&mut self.out, &p.version);
        let _ = write!(self.out, " ({} <code>", escaped(self.t(L::Fingerprint)));
        push_escaped(&mut self.out, &p.hash);
        let _ = write!(
            self.out,
            "</code>)</dd><dt>{}</dt><dd><time datetime=\"{}\">{}</time></dd>\
<dt>{}</dt><dd>layak {}</dd></dl>",
            escaped(self.t(L::AsOf)),
            escaped(&p.as_of),
            escaped(&self.lang.date(&p.as_of)),
            escaped(self.t(L::MadeBy)),
            env!("CARGO_PKG_VERSION"),
        );
        if let Some(w) = &report.weight {
            let scale = serde_json::to_string(&w.scale).unwrap_or_default();
            let _ = write!(
                self.out,
                "<p class=\"notice\"><strong>{}</strong>: {} <code>",
                escaped(self.t(L::EstimatedPopulation)),
                escaped(self.t(L::WeightedBy)),
            );
            push_input_text(&mut self.out, &w.column);
            self.out.push_str("</code>");
            if scale != "1" {
                let _ = write!(self.out, " × {}", escaped(&scale));
            }
            let _ = write!(self.out, ", {} ", escaped(self.t(L::FromSample)));
            let households = self.lang.count(report.total.sample_households.unwrap_or(0));
            self.number("total.sample_households", &households);
            let _ = write!(
                self.out,
                " {}",
                escaped(&self.t(L::Households).to_lowercase())
            );
            if let Some(p) = report.total.sample_persons.flatten() {
                self.out.push_str(" (");
                let shown = self.lang.count(p);
                self.number("total.sample_persons", &shown);
                let _ = write!(
                    self.out,
                    " {})",
                    escaped(&self.t(L::Persons).to_lowercase())
                );
            }
            let _ = write!(self.out, ". {}</p>", escaped(self.t(L::SampleRows)));
        }
        self.out.push_str("</header>\n<main>\n");
    }

    /// One figure of the totals: a label over a big number.
    fn card(&mut self, label: L, key: &str, shown: &str) {
        let _ = write!(
            self.out,
            "<div class=\"card\"><div class=\"label\">{}</div><div class=\"big\">",
            escaped(self.t(label))
        );
        self.number(key, shown);
        self.out.push_str("</div></div>");
    }

    fn totals(&mut self, report: &Report) {
        self.out.push_str("<section id=\"totals\">");
        self.h2(L::Totals);
        self.out.push_str("<div class=\"cards\">");
        let c = |n: u64| self.lang.count(u128::from(n));
        let (read, decided, rejected) = (
            c(report.rows.read),
            c(report.rows.decided),
            c(report.rows.rejected),
        );
        self.card(L::RowsRead, "rows.read", &read);
        self.card(L::Decided, "rows.decided", &decided);
        self.card(L::Rejected, "rows.rejected", &rejected);
        let f = &report.total;
        let households = self.count_text(f.households);
        self.card(L::Households, "total.households", &households);
        if let Some(p) = f.persons {
            let persons = self.count_text(p);
            self.card(L::Persons, "total.persons", &persons);
        }
        let monthly = self.money_text(f.monthly_total.whole());
        self.card(L::MonthlyTotal, "total.monthly_total", &monthly);
        let one_off = self.money_text(f.one_off_total.whole());
        self.card(L::OneOffTotal, "total.one_off_total", &one_off);
        self.out.push_str("</div></section>\n");
    }

    fn costs(&mut self, f: &Figures, at: &str) {
        self.out.push_str("<section id=\"costs\">");
        self.h2(L::Costs);
        self.out.push_str("<table>");
        self.header_row(&[
            L::Program,
            L::Granted,
            L::Deferred,
            L::Capped,
            L::MonthlyTotal,
            L::OneOffTotal,
            L::DeferredAmount,
        ]);
        self.out.push_str("<tbody>");
        for (id, p) in &f.programs.0 {
            let own = self
                .policy
                .programs
                .iter()
                .find(|b| &b.id == id)
                .map(|b| b.name.as_str());
            let name = name_of(Kind::Program, id, own, self.lang);
            let k = format!("{at}.programs.{id}");
            let _ = write!(self.out, "<tr><th scope=\"row\">{}</th>", escaped(&name));
            self.td_count(&format!("{k}.granted"), Some(p.granted));
            self.td_count(&format!("{k}.deferred"), Some(p.deferred));
            self.td_count(&format!("{k}.capped"), Some(p.capped));
            self.td_money(&format!("{k}.monthly_cost"), p.monthly_cost);
            self.td_money(&format!("{k}.one_off_cost"), p.one_off_cost);
            self.td_money(&format!("{k}.deferred_amount"), p.deferred_amount);
            self.out.push_str("</tr>");
        }
        let _ = write!(
            self.out,
            "</tbody><tfoot><tr><th scope=\"row\">{}</th><td></td><td></td><td></td>",
            escaped(self.t(L::Sum))
        );
        self.td_money(&format!("{at}.monthly_total"), f.monthly_total);
        self.td_money(&format!("{at}.one_off_total"), f.one_off_total);
        self.out.push_str("<td></td></tr></tfoot></table><p>");
        let _ = write!(self.out, "{}: ", escaped(self.t(L::HouseholdsCapped)));
        let capped = self.count_text(f.households_capped);
        self.number(&format!("{at}.households_capped"), &capped);
        self.out.push_str("</p></section>\n");
    }

    /// Households and persons per track, income status and deprivation status.
    fn counts(&mut self, f: &Figures, at: &str) {
        self.out.push_str("<section id=\"tracks\">");
        self.h2(L::TracksTitle);
        let names: Vec<(String, String)> = f
            .tracks
            .0
            .iter()
            .map(|(id, _)| (id.clone(), name_of(Kind::Track, id, None, self.lang)))
            .collect();
        self.count_table(
            &f.tracks,
            &names,
            f.households,
            &format!("{at}.tracks"),
            L::Track,
        );
        self.out.push_str("</section>\n");
        if let Some(o) = &f.income_status {
            self.out.push_str("<section id=\"income-status\">");
            self.h2(L::IncomeTitle);
            let names: Vec<(String, String)> =
                o.0.iter()
                    .map(|(id, _)| (id.clone(), name_of(Kind::IncomeStatus, id, None, self.lang)))
                    .collect();
            self.count_table(
                o,
                &names,
                f.households,
                &format!("{at}.income_status"),
                L::Status,
            );
            self.out.push_str("</section>\n");
        }
        if let Some(o) = &f.deprivation_status {
            self.out.push_str("<section id=\"deprivation-status\">");
            self.h2(L::DeprivationTitle);
            let names: Vec<(String, String)> =
                o.0.iter()
                    .map(|(id, _)| {
                        let name = name_of(Kind::DeprivationStatus, id, None, self.lang);
                        (id.clone(), name)
                    })
                    .collect();
            self.count_table(
                o,
                &names,
                f.households,
                &format!("{at}.deprivation_status"),
                L::Status,
            );
            self.out.push_str("</section>\n");
        }
    }

    /// A table of (households, persons) per value, with each value's share
    /// of the households as a bar.
    fn count_table(
        &mut self,
        o: &Ordered<Count>,
        names: &[(String, String)],
        all: Num,
        at: &str,
        first: L,
    ) {
        self.out.push_str("<table>");
        self.header_row(&[first, L::Households, L::Persons, L::Share]);
        self.out.push_str("<tbody>");
        for ((id, c), (_, name)) in o.0.iter().zip(names) {
            let _ = write!(self.out, "<tr><th scope=\"row\">{}</th>", escaped(name));
            self.td_count(&format!("{at}.{id}.households"), Some(c.households));
            self.td_count(&format!("{at}.{id}.persons"), c.persons);
            let share = if all.is_zero() {
                0.0
            } else {
                c.households.ratio_part() / all.ratio_part()
            };
            self.out.push_str("<td class=\"bar\">");
            svg::cell_bar(&mut self.out, share);
            let _ = write!(
                self.out,
                " {}</td></tr>",
                escaped(&self.lang.percent(share, 1))
            );
        }
        self.out.push_str("</tbody></table>");
    }

    fn multidimensional(&mut self, f: &Figures) {
        let Some(m) = &f.poverty.multidimensional else {
            return;
        };
        let at = "total.poverty.multidimensional";
        self.out.push_str("<section id=\"multidimensional\">");
        self.h2(L::AfTitle);
        let by = if f.poverty.weight == "persons" {
            L::CountedByPersons
        } else {
            L::CountedByHouseholds
        };
        let _ = write!(
            self.out,
            "<p>{} {}: ",
            escaped(self.t(by)),
            escaped(self.t(L::Population))
        );
        let population = self.count_text(f.poverty.population);
        self.number("total.poverty.population", &population);
        let _ = write!(self.out, "; {} ", escaped(self.t(L::Cutoff)));
        let cutoff = self.lang.fixed(m.poverty_cutoff, 3);
        self.number(&format!("{at}.poverty_cutoff"), &cutoff);
        self.out.push_str(".</p><table class=\"figures\"><tbody>");
        let rows = [
            (L::HeadcountH, "headcount_ratio", m.headcount_ratio),
            (L::IntensityA, "intensity", m.intensity),
            (L::VulnerableShare, "vulnerable_share", m.vulnerable_share),
            (L::SevereShare, "severe_share", m.severe_share),
        ];
        for (label, key, value) in rows {
            let _ = write!(
                self.out,
                "<tr><th scope=\"row\">{}</th>",
                escaped(self.t(label))
            );
            self.td_ratio(&format!("{at}.{key}"), value);
            self.out.push_str("</tr>");
        }
        let _ = write!(
            self.out,
            "<tr><th scope=\"row\">{}</th><td class=\"num\">",
            escaped(self.t(L::AdjustedM0))
        );
        match m.adjusted_headcount_ratio {
            Some(v) => {
                let shown = self.lang.fixed(v + 0.0, 4);
                self.number(&format!("{at}.adjusted_headcount_ratio"), &shown);
            }
            None => self.out.push_str(NONE),
        }
        self.out.push_str("</td></tr></tbody></table>");

        let _ = write!(
            self.out,
            "<h3>{}</h3>",
            escaped(self.t(L::ContributionTitle))
        );
        let label_of = |id: &str| {
            let own = self
                .policy
                .deprivation
                .as_ref()
                .and_then(|d| d.indicators.iter().find(|i| i.id == id))
                .map(|i| i.label.as_str());
            // The policy's labels are sentences ("no electricity"): in
            // English the table's short names read better in a chart.
            labels::known(Kind::Indicator, id, self.lang)
                .map(str::to_string)
                .unwrap_or_else(|| name_of(Kind::Indicator, id, own, self.lang))
        };
        let names: Vec<String> = m.indicators.0.iter().map(|(id, _)| label_of(id)).collect();
        let bars: Vec<svg::Bar> = m
            .indicators
            .0
            .iter()
            .zip(&names)
            .map(|((_, i), name)| svg::Bar {
                label: escaped(&crate::text::shorten(name, 40)),
                value: i.contribution_percent.unwrap_or(0.0),
                shown: escaped(
                    &i.contribution_percent
                        .map_or_else(|| NONE.to_string(), |p| self.lang.percent(p / 100.0, 1)),
                ),
            })
            .collect();
        let title = escaped(self.t(L::ContributionTitle));
        svg::bar_chart(&mut self.out, &title, &bars, Some(100.0));
        self.out.push_str("<table>");
        self.header_row(&[
            L::Indicator,
            L::Weight,
            L::Deprived,
            L::CensoredRatio,
            L::Contribution,
        ]);
        self.out.push_str("<tbody>");
        for ((id, i), name) in m.indicators.0.iter().zip(&names) {
            let k = format!("{at}.indicators.{id}");
            let _ = write!(
                self.out,
                "<tr><th scope=\"row\">{}</th><td class=\"num\">",
                escaped(name)
            );
            let weight = self.lang.fixed(i.weight, 3);
            self.number(&format!("{k}.weight"), &weight);
            self.out.push_str("</td>");
            self.td_ratio(
                &format!("{k}.uncensored_headcount_ratio"),
                i.uncensored_headcount_ratio,
            );
            self.td_ratio(
                &format!("{k}.censored_headcount_ratio"),
                i.censored_headcount_ratio,
            );
            self.out.push_str("<td class=\"num\">");
            match i.contribution_percent {
                Some(p) => {
                    let shown = self.lang.fixed(p + 0.0, 1);
                    self.number(&format!("{k}.contribution_percent"), &shown);
                    self.out.push('%');
                }
                None => self.out.push_str(NONE),
            }
            self.out.push_str("</td></tr>");
        }
        self.out.push_str("</tbody></table></section>\n");
    }

    fn income_poverty(&mut self, f: &Figures) {
        let Some(i) = &f.poverty.income else {
            return;
        };
        let at = "total.poverty.income";
        self.out.push_str("<section id=\"income-poverty\">");
        self.h2(L::FgtTitle);
        self.out.push_str("<table class=\"figures\"><tbody>");
        let _ = write!(
            self.out,
            "<tr><th scope=\"row\">{}</th>",
            escaped(self.t(L::WithPovertyLine))
        );
        self.td_count(&format!("{at}.population"), Some(i.population));
        let _ = write!(
            self.out,
            "</tr><tr><th scope=\"row\">{}</th>",
            escaped(self.t(L::IncomePoor))
        );
        self.td_count(&format!("{at}.poor"), Some(i.poor));
        self.out.push_str("</tr>");
        let rows = [
            (L::Fgt0, "headcount_ratio", i.headcount_ratio),
            (L::Fgt1, "poverty_gap_index", i.poverty_gap_index),
            (L::Fgt2, "squared_poverty_gap", i.squared_poverty_gap),
        ];
        for (label, key, value) in rows {
            let _ = write!(
                self.out,
                "<tr><th scope=\"row\">{}</th>",
                escaped(self.t(label))
            );
            self.td_ratio(&format!("{at}.{key}"), value);
            self.out.push_str("</tr>");
        }
        self.out.push_str("</tbody></table></section>\n");
    }

    fn budget(&mut self, report: &Report) {
        let Some(b) = &report.budget else {
            return;
        };
        self.out.push_str("<section id=\"budget\">");
        self.h2(L::BudgetTitle);
        self.out.push_str("<table class=\"figures\"><tbody>");
        let money = |p: &mut Self, label: L, key: &str, v: u128| {
            let _ = write!(p.out, "<tr><th scope=\"row\">{}</th>", escaped(p.t(label)));
            p.td_money(key, Num::Count(v));
            p.out.push_str("</tr>");
        };
        let count = |p: &mut Self, label: L, key: &str, v: Option<u128>| {
            let _ = write!(p.out, "<tr><th scope=\"row\">{}</th>", escaped(p.t(label)));
            p.td_count(key, v.map(Num::Count));
            p.out.push_str("</tr>");
        };
        money(self, L::BudgetAmount, "budget.amount", u128::from(b.amount));
        count(
            self,
            L::Eligible,
            "budget.households_eligible",
            Some(b.households_eligible),
        );
        count(
            self,
            L::Funded,
            "budget.households_funded",
            Some(b.households_funded),
        );
        count(
            self,
            L::Waiting,
            "budget.households_waiting",
            Some(b.households_waiting),
        );
        money(self, L::MonthlyUsed, "budget.monthly_used", b.monthly_used);
        money(self, L::Remaining, "budget.remaining", b.remaining);
        money(
            self,
            L::NeededForWaiting,
            "budget.monthly_needed_for_waiting",
            b.monthly_needed_for_waiting,
        );
        money(
            self,
            L::OneOffFunded,
            "budget.one_off_funded",
            b.one_off_funded,
        );
        let priorities = [
            (
                L::CutOff,
                "budget.last_funded_priority",
                b.last_funded_priority,
            ),
            (
                L::FirstWaiting,
                "budget.first_waiting_priority",
                b.first_waiting_priority,
            ),
        ];
        for (label, key, value) in priorities {
            let _ = write!(
                self.out,
                "<tr><th scope=\"row\">{}</th><td class=\"num\">",
                escaped(self.t(label))
            );
            match value {
                Some(v) => {
                    let shown = self.lang.fixed(v + 0.0, 1);
                    self.number(key, &shown);
                }
                None => self.out.push_str(NONE),
            }
            self.out.push_str("</td></tr>");
        }
        self.out.push_str("</tbody></table>");
        // Funded and waiting households, and the budget used and left.
        let title = format!("{} / {}", self.t(L::Funded), self.t(L::Waiting));
        let _ = write!(
            self.out,
            "<div class=\"legend\"><span class=\"key funded\"></span>{} <span class=\"key waiting\"></span>{}</div>",
            escaped(self.t(L::Funded)),
            escaped(self.t(L::Waiting))
        );
        svg::stacked(
            &mut self.out,
            &escaped(&title),
            &[
                (b.households_funded as f64, "funded"),
                (b.households_waiting as f64, "waiting"),
            ],
        );
        svg::stacked(
            &mut self.out,
            &escaped(&title),
            &[
                (b.monthly_used as f64, "funded"),
                (b.monthly_needed_for_waiting as f64, "waiting"),
            ],
        );
        if let Some(fb) = &report.total.budget {
            self.out.push_str("<table>");
            self.header_row(&[
                L::Status,
                L::Households,
                L::Persons,
                L::MonthlyTotal,
                L::OneOffTotal,
            ]);
            self.out.push_str("<tbody>");
            for (label, key, c) in [
                (L::Eligible, "eligible", &fb.eligible),
                (L::Funded, "funded", &fb.funded),
                (L::Waiting, "waiting", &fb.waiting),
            ] {
                let k = format!("total.budget.{key}");
                let _ = write!(
                    self.out,
                    "<tr><th scope=\"row\">{}</th>",
                    escaped(self.t(label))
                );
                self.td_count(&format!("{k}.households"), Some(c.households));
                self.td_count(&format!("{k}.persons"), c.persons);
                self.td_money(&format!("{k}.monthly_total"), c.monthly_total);
                self.td_money(&format!("{k}.one_off_total"), c.one_off_total);
                self.out.push_str("</tr>");
            }
            self.out.push_str("</tbody></table>");
        }
        self.out.push_str("</section>\n");
    }

    fn groups(&mut self, by: &ByReport, with_budget: bool) {
        self.out.push_str("<section id=\"groups\"><h2>");
        let _ = write!(self.out, "{} <code>", escaped(self.t(L::ByTitle)));
        push_input_text(&mut self.out, &by.column);
        self.out.push_str("</code></h2><table class=\"groups\">");
        let mut head = vec![
            L::Value,
            L::RowsRead,
            L::Rejected,
            L::Households,
            L::Persons,
            L::MonthlyTotal,
            L::OneOffTotal,
            L::HeadcountH,
            L::Fgt0,
        ];
        if with_budget {
            head.push(L::Funded);
        }
        head.push(L::Share);
        self.header_row(&head);
        self.out.push_str("<tbody>");
        let largest = by
            .groups
            .iter()
            .map(|g| g.figures.households.ratio_part())
            .fold(0.0f64, f64::max);
        for (i, g) in by.groups.iter().enumerate() {
            let k = format!("by.groups.{i}");
            let f = &g.figures;
            self.out.push_str("<tr><th scope=\"row\">");
            if g.value.is_empty() {
                let _ = write!(self.out, "<em>{}</em>", escaped(self.t(L::Empty)));
            } else {
                push_input_text(&mut self.out, &g.value);
            }
            self.out.push_str("</th>");
            self.td_count(
                &format!("{k}.rows.read"),
                Some(Num::Count(u128::from(g.rows.read))),
            );
            self.td_count(
                &format!("{k}.rows.rejected"),
                Some(Num::Count(u128::from(g.rows.rejected))),
            );
            self.td_count(&format!("{k}.households"), Some(f.households));
            self.td_count(&format!("{k}.persons"), f.persons);
            self.td_money(&format!("{k}.monthly_total"), f.monthly_total);
            self.td_money(&format!("{k}.one_off_total"), f.one_off_total);
            let h = f
                .poverty
                .multidimensional
                .as_ref()
                .and_then(|m| m.headcount_ratio);
            self.td_ratio(&format!("{k}.poverty.multidimensional.headcount_ratio"), h);
            let p0 = f.poverty.income.as_ref().and_then(|m| m.headcount_ratio);
            self.td_ratio(&format!("{k}.poverty.income.headcount_ratio"), p0);
            if with_budget {
                self.td_count(
                    &format!("{k}.budget.funded.households"),
                    f.budget.as_ref().map(|b| b.funded.households),
                );
            }
            self.out.push_str("<td class=\"bar\">");
            let share = if largest > 0.0 {
                f.households.ratio_part() / largest
            } else {
                0.0
            };
            svg::cell_bar(&mut self.out, share);
            self.out.push_str("</td></tr>");
        }
        self.out.push_str("</tbody></table>");
        let ungrouped = by.ungrouped_rows.rejected;
        if ungrouped > 0 {
            let _ = write!(self.out, "<p>{}: ", escaped(self.t(L::Ungrouped)));
            let shown = self.lang.count(u128::from(ungrouped));
            self.number("by.ungrouped_rows.rejected", &shown);
            self.out.push_str("</p>");
        }
        self.out.push_str("</section>\n");
    }

    fn rejects(&mut self, report: &Report, examples: &RejectExamples) {
        self.out.push_str("<section id=\"rejects\">");
        self.h2(L::RejectsTitle);
        let rejected: Vec<&(String, u64)> = report
            .rows
            .rejects_by_reason
            .0
            .iter()
            .filter(|(_, n)| *n > 0)
            .collect();
        if rejected.is_empty() {
            let _ = writeln!(
                self.out,
                "<p>{}</p></section>",
                escaped(self.t(L::NoRejects))
            );
            return;
        }
        self.out.push_str("<table class=\"rejects\">");
        self.header_row(&[L::Reason, L::Rows, L::Examples]);
        self.out.push_str("<tbody>");
        for (code, n) in rejected {
            let name = name_of(Kind::Reject, code, None, self.lang);
            let _ = write!(
                self.out,
                "<tr><th scope=\"row\">{} <code>{}</code></th>",
                escaped(&name),
                escaped(code)
            );
            self.td_count(
                &format!("rows.rejects_by_reason.{code}"),
                Some(Num::Count(u128::from(*n))),
            );
            self.out.push_str("<td>");
            let shown = examples.of(code);
            if !shown.is_empty() {
                self.out.push_str("<table class=\"examples\">");
                self.header_row(&[L::Line, L::HouseholdId, L::Column, L::Cell]);
                self.out.push_str("<tbody>");
                for e in shown {
                    let line = self.lang.count(u128::from(e.line));
                    let _ = write!(
                        self.out,
                        "<tr><td class=\"num\">{}</td><td>",
                        escaped(&line)
                    );
                    push_input_text(&mut self.out, &e.household_id);
                    self.out.push_str("</td><td>");
                    push_input_text(&mut self.out, &e.column);
                    self.out.push_str("</td><td>");
                    push_input_text(&mut self.out, &e.value);
                    self.out.push_str("</td></tr>");
                }
                self.out.push_str("</tbody></table>");
            }
            self.out.push_str("</td></tr>");
        }
        self.out.push_str("</tbody></table></section>\n");
    }

    fn foot(&mut self) {
        let _ = write!(
            self.out,
            "</main>\n<footer><p>{}</p></footer>\n</body>\n</html>\n",
            escaped(self.t(L::Footnote))
        );
    }
}

#[cfg(test)]
mod tests;
