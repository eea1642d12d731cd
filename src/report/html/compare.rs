//! The HTML report of a comparison (`layak compare --report FILE`): the
//! same page shell, style and number formatting as `assess`'s report, with
//! the policy, the reform and their difference side by side. Every number
//! is a figure of the comparison's summary JSON, tagged with its path there
//! (`data-k="reform.total.programs.food_assistance.monthly_cost"`,
//! `transitions.households.emergency.basic_needs`, `winners.2.households`).

use std::fmt::Write as _;

use serde_json::Value;

use super::*;

/// The comparison's page in `lang`, from its summary document
/// (`report::compare::summary_document`), the base's report (the run's
/// input and policy) and the two policies (program and track names).
pub fn render_compare(
    doc: &Value,
    base_report: &Report,
    (base, reform): (&Policy, &Policy),
    lang: Lang,
) -> String {
    let mut page = Page {
        out: String::with_capacity(32 * 1024),
        lang,
        currency: base_report.policy.currency.clone(),
        policy: base,
    };
    page.head(base_report);
    page.header(base_report);
    page.compare_heading(doc, reform);
    page.compare_costs(doc, reform);
    page.compare_tracks(doc, reform);
    page.transitions(doc, reform);
    page.winners(doc);
    page.compare_budget(doc);
    page.out.push_str("</main>\n<footer><p>");
    let foot = escaped(page.t(L::CompareFootnote));
    page.out.push_str(&foot);
    page.out.push_str("</p></footer>\n</body>\n</html>\n");
    page.out
}

/// The value at a dotted path (array items by index).
fn at<'v>(doc: &'v Value, path: &str) -> &'v Value {
    path.split('.').fold(doc, |v, k| match k.parse::<usize>() {
        Ok(i) if v.is_array() => &v[i],
        _ => &v[k],
    })
}

impl Page<'_> {
    /// A figure of the document as a whole number (weighted estimates
    /// rounded), signed when `signed`; money with the currency.
    fn figure_text(&self, v: &Value, money: bool, signed: bool) -> Option<String> {
        let x = v.as_f64()?;
        let whole = x.round();
        let mut s = String::new();
        if signed && whole > 0.0 {
            s.push('+');
        } else if whole < 0.0 {
            s.push('−');
        }
        let n = self.lang.count(whole.abs() as u128);
        if money {
            let _ = write!(s, "{} {n}", currency_symbol(&self.currency));
        } else {
            s.push_str(&n);
        }
        Some(s)
    }

    fn td_figure(&mut self, doc: &Value, key: &str, money: bool, signed: bool) {
        self.out.push_str("<td class=\"num\">");
        match self.figure_text(at(doc, key), money, signed) {
            Some(shown) => self.number(key, &shown),
            None => self.out.push_str(NONE),
        }
        self.out.push_str("</td>");
    }

    /// Base, reform and difference cells of one figure.
    fn three(&mut self, doc: &Value, path: &str, money: bool) {
        self.td_figure(doc, &format!("base.{path}"), money, false);
        self.td_figure(doc, &format!("reform.{path}"), money, false);
        self.td_figure(doc, &format!("delta.{path}"), money, true);
    }

    fn three_header(&mut self, first: L) {
        self.header_row(&[first, L::Base, L::Reform, L::Difference]);
    }

    fn compare_heading(&mut self, doc: &Value, reform: &Policy) {
        let _ = write!(
            self.out,
            "<section id=\"reform\"><h2>{}</h2><p>{} ",
            escaped(self.t(L::CompareTitle)),
            escaped(self.t(L::Reform)),
        );
        push_escaped(&mut self.out, &reform.meta.id);
        let _ = write!(self.out, " ({} <code>", escaped(self.t(L::Fingerprint)));
        let hash = at(doc, "reform.policy.hash").as_str().unwrap_or("");
        push_escaped(&mut self.out, hash);
        self.out.push_str("</code>)</p><table>");
        self.three_header(L::Totals);
        self.out.push_str("<tbody>");
        for (label, path, money) in [
            (L::MonthlyTotal, "total.monthly_total", true),
            (L::OneOffTotal, "total.one_off_total", true),
        ] {
            let _ = write!(
                self.out,
                "<tr><th scope=\"row\">{}</th>",
                escaped(self.t(label))
            );
            self.three(doc, path, money);
            self.out.push_str("</tr>");
        }
        self.out.push_str("</tbody></table></section>\n");
    }

    fn compare_costs(&mut self, doc: &Value, reform: &Policy) {
        self.out.push_str("<section id=\"costs\">");
        self.h2(L::Costs);
        self.out.push_str("<table>");
        self.three_header(L::Program);
        self.out.push_str("<tbody>");
        let ids: Vec<String> = at(doc, "reform.total.programs")
            .as_object()
            .map(|m| m.keys().cloned().collect())
            .unwrap_or_default();
        for id in ids {
            let name = program_name(reform, &id, self.lang);
            let _ = write!(self.out, "<tr><th scope=\"row\">{}</th>", escaped(&name));
            self.three(doc, &format!("total.programs.{id}.monthly_cost"), true);
            self.out.push_str("</tr>");
        }
        self.out.push_str("</tbody></table></section>\n");
    }

    fn track_name(&self, id: &str) -> String {
        name_of(Kind::Track, id, None, self.lang)
    }

    fn compare_tracks(&mut self, doc: &Value, reform: &Policy) {
        self.out.push_str("<section id=\"tracks\">");
        self.h2(L::TracksTitle);
        self.out.push_str("<table>");
        self.three_header(L::Track);
        self.out.push_str("<tbody>");
        let ids: Vec<String> = reform.tracks.iter().map(|t| t.id.clone()).collect();
        for id in ids {
            let name = self.track_name(&id);
            let _ = write!(self.out, "<tr><th scope=\"row\">{}</th>", escaped(&name));
            self.three(doc, &format!("total.tracks.{id}.households"), false);
            self.out.push_str("</tr>");
        }
        self.out.push_str("</tbody></table></section>\n");
    }

    fn transitions(&mut self, doc: &Value, reform: &Policy) {
        self.out.push_str("<section id=\"transitions\">");
        self.h2(L::TransitionsTitle);
        self.out.push_str("<table><thead><tr><th></th>");
        let columns: Vec<String> = reform.tracks.iter().map(|t| t.id.clone()).collect();
        for id in &columns {
            let name = self.track_name(id);
            let _ = write!(self.out, "<th>{}</th>", escaped(&name));
        }
        self.out.push_str("</tr></thead><tbody>");
        let rows: Vec<String> = self.policy.tracks.iter().map(|t| t.id.clone()).collect();
        for b in rows {
            let name = self.track_name(&b);
            let _ = write!(self.out, "<tr><th scope=\"row\">{}</th>", escaped(&name));
            for r in &columns {
                self.td_figure(
                    doc,
                    &format!("transitions.households.{b}.{r}"),
                    false,
                    false,
                );
            }
            self.out.push_str("</tr>");
        }
        self.out.push_str("</tbody></table></section>\n");
    }

    fn winners(&mut self, doc: &Value) {
        self.out.push_str("<section id=\"winners\">");
        self.h2(L::WinnersTitle);
        self.out.push_str("<table>");
        self.header_row(&[L::MonthlyChange, L::Winners, L::Losers]);
        self.out.push_str("<tbody>");
        let bands = at(doc, "winners").as_array().map_or(0, Vec::len);
        for i in 0..bands {
            let band = at(doc, &format!("winners.{i}"));
            let from = self
                .figure_text(&band["from"], true, false)
                .unwrap_or_default();
            let range = match self.figure_text(&band["to"], true, false) {
                Some(to) => format!("{from} – {to}"),
                None => format!(
                    "> {}",
                    self.figure_text(
                        &Value::from(band["from"].as_i64().unwrap_or(1) - 1),
                        true,
                        false
                    )
                    .unwrap_or_default()
                ),
            };
            let _ = write!(self.out, "<tr><th scope=\"row\">{}</th>", escaped(&range));
            self.td_figure(doc, &format!("winners.{i}.households"), false, false);
            self.td_figure(doc, &format!("losers.{i}.households"), false, false);
            self.out.push_str("</tr>");
        }
        let _ = write!(
            self.out,
            "</tbody></table><p>{}: ",
            escaped(self.t(L::MonthlyChange))
        );
        let shown = self
            .figure_text(at(doc, "monthly_change"), true, true)
            .unwrap_or_default();
        self.number("monthly_change", &shown);
        self.out.push_str("</p></section>\n");
    }

    fn compare_budget(&mut self, doc: &Value) {
        if !at(doc, "base.budget").is_object() {
            return;
        }
        self.out.push_str("<section id=\"budget\">");
        self.h2(L::BudgetTitle);
        self.out.push_str("<table>");
        self.three_header(L::BudgetTitle);
        self.out.push_str("<tbody>");
        for (label, key, money) in [
            (L::BudgetAmount, "amount", true),
            (L::Eligible, "households_eligible", false),
            (L::Funded, "households_funded", false),
            (L::Waiting, "households_waiting", false),
            (L::MonthlyUsed, "monthly_used", true),
            (L::Remaining, "remaining", true),
        ] {
            let _ = write!(
                self.out,
                "<tr><th scope=\"row\">{}</th>",
                escaped(self.t(label))
            );
            self.three(doc, &format!("budget.{key}"), money);
            self.out.push_str("</tr>");
        }
        self.out.push_str("</tbody></table></section>\n");
    }
}
