//! The welfare deciles of a policy that ranks households (`[ranking]`):
//! each decile's cut-point, households, persons and programme grants, and
//! with `--rank-within` each group's cut-points.

use std::fmt::Write as _;

use super::*;
use crate::report::deciles::DecileReport;

impl Page<'_> {
    pub(super) fn deciles(&mut self, d: &DecileReport) {
        self.out.push_str("<section id=\"deciles\">");
        self.h2(L::DecilesTitle);
        let counted = match d.population {
            "households" => L::CountedInHouseholds,
            _ => L::CountedInPersons,
        };
        let _ = write!(
            self.out,
            "<p>{} <em>{}</em>, {} {}.",
            escaped(self.t(L::RankedBy)),
            escaped(&d.welfare),
            escaped(self.t(L::PoorestFirst)),
            escaped(self.t(counted)),
        );
        if let Some(w) = &d.within {
            let _ = write!(self.out, " {} <code>", escaped(self.t(L::RankedWithin)));
            push_input_text(&mut self.out, w);
            self.out.push_str("</code>.");
        }
        self.out.push_str("</p><table class=\"groups\">");
        // One column per programme: households granted, then their amount.
        let programs: Vec<String> = d
            .deciles
            .first()
            .map(|l| l.programs.iter().map(|p| p.id.clone()).collect())
            .unwrap_or_default();
        self.out.push_str("<thead><tr>");
        let mut head = vec![L::Decile, L::Households, L::Persons];
        if d.within.is_none() {
            head.insert(1, L::UpTo);
        }
        for l in head {
            let _ = write!(self.out, "<th>{}</th>", escaped(self.t(l)));
        }
        for id in &programs {
            let name = program_name(self.policy, id, self.lang);
            let _ = write!(self.out, "<th>{}</th>", escaped(&name));
        }
        self.out.push_str("</tr></thead><tbody>");
        for (i, line) in d.deciles.iter().enumerate() {
            let k = format!("deciles.deciles.{i}");
            let _ = write!(self.out, "<tr><th scope=\"row\">{}</th>", line.decile);
            if d.within.is_none() {
                self.td_welfare(&format!("{k}.cut_point"), line.cut_point);
            }
            self.td_count(
                &format!("{k}.households"),
                Some(Num::Count(u128::from(line.households))),
            );
            self.td_count(
                &format!("{k}.persons"),
                Some(Num::Count(u128::from(line.persons))),
            );
            for (j, p) in line.programs.iter().enumerate() {
                let at = format!("{k}.programs.{j}");
                self.out.push_str("<td class=\"num\">");
                let count = self.lang.count(u128::from(p.households));
                self.number(&format!("{at}.households"), &count);
                self.out.push_str("<br>");
                let money = self.money_text(p.amount.round().max(0.0) as u128);
                self.number(&format!("{at}.amount"), &money);
                self.out.push_str("</td>");
            }
            self.out.push_str("</tr>");
        }
        self.out.push_str("</tbody></table>");
        if let Some(w) = &d.within {
            self.cut_points_within(d, w);
        }
        self.out.push_str("</section>\n");
    }

    /// `--rank-within`: each group's cut-points, one row a group.
    fn cut_points_within(&mut self, d: &DecileReport, within: &str) {
        let _ = write!(
            self.out,
            "<h3>{} <code>",
            escaped(self.t(L::CutPointsWithin))
        );
        push_input_text(&mut self.out, within);
        self.out
            .push_str("</code></h3><table class=\"groups\"><thead><tr>");
        let _ = write!(self.out, "<th>{}</th>", escaped(self.t(L::Value)));
        for k in 1..d.groups {
            let _ = write!(self.out, "<th>{k}</th>");
        }
        self.out.push_str("</tr></thead><tbody>");
        for (i, g) in d.cut_points_within.iter().enumerate() {
            self.out.push_str("<tr><th scope=\"row\">");
            if g.group.is_empty() {
                let _ = write!(self.out, "<em>{}</em>", escaped(self.t(L::Empty)));
            } else {
                push_input_text(&mut self.out, &g.group);
            }
            self.out.push_str("</th>");
            for (j, c) in g.cut_points.iter().enumerate() {
                self.td_welfare(
                    &format!("deciles.cut_points_within.{i}.cut_points.{j}"),
                    Some(*c),
                );
            }
            self.out.push_str("</tr>");
        }
        self.out.push_str("</tbody></table>");
    }

    /// A welfare value (a cut-point) as the summary's text writes it.
    fn td_welfare(&mut self, key: &str, value: Option<f64>) {
        self.out.push_str("<td class=\"num\">");
        match value {
            Some(v) => {
                let shown = self.lang.number(v);
                self.number(key, &shown);
            }
            None => self.out.push_str(NONE),
        }
        self.out.push_str("</td>");
    }
}
