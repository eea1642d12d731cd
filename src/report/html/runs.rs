//! The `--budget` cut-off, the `--by` groups and the rejected rows.

use std::fmt::Write as _;

use super::*;

impl Page<'_> {
    pub(super) fn budget(&mut self, report: &Report) {
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
        // Funded and waiting households, and their monthly amounts.
        let _ = write!(
            self.out,
            "<div class=\"legend\"><span class=\"key funded\"></span>{} <span class=\"key waiting\"></span>{}</div>",
            escaped(self.t(L::Funded)),
            escaped(self.t(L::Waiting))
        );
        let households = format!(
            "{}: {} {}, {} {}",
            self.t(L::Households),
            self.lang.count(b.households_funded),
            self.t(L::Funded).to_lowercase(),
            self.lang.count(b.households_waiting),
            self.t(L::Waiting).to_lowercase(),
        );
        let _ = write!(
            self.out,
            "<div class=\"caption\">{}</div>",
            escaped(&households)
        );
        svg::stacked(
            &mut self.out,
            &escaped(&households),
            &[
                (b.households_funded as f64, "funded"),
                (b.households_waiting as f64, "waiting"),
            ],
        );
        let money = format!(
            "{}: {} {}, {} {}",
            self.t(L::MonthlyTotal),
            self.money_text(b.monthly_used),
            self.t(L::Funded).to_lowercase(),
            self.money_text(b.monthly_needed_for_waiting),
            self.t(L::Waiting).to_lowercase(),
        );
        let _ = write!(self.out, "<div class=\"caption\">{}</div>", escaped(&money));
        svg::stacked(
            &mut self.out,
            &escaped(&money),
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

    pub(super) fn groups(&mut self, by: &ByReport, with_budget: bool) {
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

    pub(super) fn rejects(&mut self, report: &Report, examples: &RejectExamples) {
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
}
