//! The run's totals, the costs per program, and households and persons per
//! track and status.

use std::fmt::Write as _;

use super::*;

impl Page<'_> {
    /// One figure of the totals: a label over a big number.
    pub(super) fn card(&mut self, label: L, key: &str, shown: &str) {
        let _ = write!(
            self.out,
            "<div class=\"card\"><div class=\"label\">{}</div><div class=\"big\">",
            escaped(self.t(label))
        );
        self.number(key, shown);
        self.out.push_str("</div></div>");
    }

    pub(super) fn totals(&mut self, report: &Report) {
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

    pub(super) fn costs(&mut self, f: &Figures, at: &str) {
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
            let name = program_name(self.policy, id, self.lang);
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
    pub(super) fn counts(&mut self, f: &Figures, at: &str) {
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
    pub(super) fn count_table(
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
}
