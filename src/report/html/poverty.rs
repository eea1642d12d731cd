//! The poverty measures: Alkire–Foster with each indicator's contribution,
//! and FGT 0, 1 and 2.

use std::fmt::Write as _;

use super::*;

impl Page<'_> {
    pub(super) fn multidimensional(&mut self, f: &Figures) {
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

    pub(super) fn income_poverty(&mut self, f: &Figures) {
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
}
