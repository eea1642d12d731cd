//! The short summary for a person (`--summary -`, or standard error on a
//! terminal): a few lines drawn from the same [`Report`] as the JSON.

use std::fmt::Write as _;

use crate::text::{grouped, noun};

use super::wire::{ByReport, Count, Figures, Ordered, Report};

/// Groups listed one per line; the rest are only in the JSON.
const GROUPS_SHOWN: usize = 20;

fn percent(r: Option<f64>) -> String {
    // `+ 0.0`: a negative zero prints as 0.0%.
    r.map_or_else(|| "-".into(), |r| format!("{:.1}%", 100.0 * r + 0.0))
}

/// `1 household`, `12,000 households`.
fn households(n: u128) -> String {
    format!("{} {}", grouped(n), noun(n, "household", "households"))
}

/// `1 person`, `48,000 persons`.
fn persons(n: u128) -> String {
    format!("{} {}", grouped(n), noun(n, "person", "persons"))
}

/// `12 (48 persons)`, or `12` when persons are not counted.
fn with_persons(c: &Count) -> String {
    match c.persons {
        Some(p) => format!("{} ({})", grouped(c.households), persons(p.whole())),
        None => grouped(c.households),
    }
}

/// `poor 23 (128 persons), near_poor 7 (24 persons)`
fn list(o: &Ordered<Count>) -> String {
    o.0.iter()
        .map(|(k, c)| format!("{k} {}", with_persons(c)))
        .collect::<Vec<_>>()
        .join(", ")
}

impl Report {
    /// A short summary for a person, on standard error. `full_report` says
    /// where the groups left out of a long `by` list can be read (e.g. "the
    /// JSON summary"); the front end names its own way of writing it.
    pub fn human(&self, full_report: &str) -> String {
        let mut s = String::new();
        let _ = writeln!(
            s,
            "summary: {} ({} {}), policy {} {} ({})",
            self.input.file,
            self.input.bytes,
            noun(u128::from(self.input.bytes), "byte", "bytes"),
            self.policy.id,
            self.policy.version,
            self.policy.hash
        );
        let _ = writeln!(
            s,
            "  rows: {} read = {} decided + {} rejected",
            self.rows.read, self.rows.decided, self.rows.rejected
        );
        self.weight_line(&mut s);
        self.counts_lines(&mut s, &self.total, "  ");
        self.poverty_lines(&mut s, &self.total, "  ");
        if let Some(by) = &self.by {
            self.group_lines(&mut s, by, full_report);
        }
        self.budget_line(&mut s);
        s
    }

    /// One line per group (the first [`GROUPS_SHOWN`]).
    fn group_lines(&self, s: &mut String, by: &ByReport, full_report: &str) {
        let cur = &self.policy.currency;
        let n = by.groups.len();
        let values = noun(n as u128, "value", "values");
        let _ = writeln!(s, "  by {} ({n} {values}):", by.column);
        for g in by.groups.iter().take(GROUPS_SHOWN) {
            // A cell can be megabytes: the JSON has it whole.
            let value = if g.value.is_empty() {
                "(empty)".to_string()
            } else {
                crate::policy::shorten(&g.value, 80)
            };
            let f = &g.figures;
            let _ = write!(
                s,
                "    {value}: {}{}, {} {cur} a month, {} one-off",
                households(f.households.whole()),
                f.persons
                    .map_or(String::new(), |p| format!(" ({})", persons(p.whole()))),
                grouped(f.monthly_total),
                grouped(f.one_off_total),
            );
            if let Some(m) = &f.poverty.multidimensional {
                let _ = write!(s, "; H {}", percent(m.headcount_ratio));
            }
            if let Some(i) = &f.poverty.income {
                let _ = write!(s, "; income poor {}", percent(i.headcount_ratio));
            }
            if g.rows.rejected > 0 {
                let _ = write!(s, "; {} rejected", grouped(u128::from(g.rows.rejected)));
            }
            s.push('\n');
        }
        if n > GROUPS_SHOWN {
            let _ = writeln!(s, "    … and {} more (see {full_report})", n - GROUPS_SHOWN);
        }
        let ungrouped = by.ungrouped_rows.rejected;
        if ungrouped > 0 {
            let _ = writeln!(
                s,
                "    {} rejected {} in no group (the {} cell could not be read)",
                grouped(u128::from(ungrouped)),
                noun(u128::from(ungrouped), "row", "rows"),
                by.column
            );
        }
    }

    /// With survey weights: what the figures are, and the sample behind them.
    fn weight_line(&self, s: &mut String) {
        let Some(w) = &self.weight else {
            return;
        };
        let scale = serde_json::to_string(&w.scale).unwrap_or_default();
        let scaled = if scale == "1" {
            String::new()
        } else {
            format!(" × {scale}")
        };
        let sample = self.total.sample_households.unwrap_or_default();
        let sample_persons = match self.total.sample_persons.flatten() {
            Some(p) => format!(" ({})", persons(p)),
            None => String::new(),
        };
        let _ = writeln!(
            s,
            "  weighted by {}{scaled}: population estimates from a sample of {}{sample_persons}",
            w.column,
            households(sample),
        );
    }

    /// The `--budget` line.
    fn budget_line(&self, s: &mut String) {
        let Some(b) = &self.budget else {
            return;
        };
        let cur = &self.policy.currency;
        let persons = b
            .persons_funded
            .map_or(String::new(), |p| format!(" ({})", persons(p)));
        let _ = write!(
            s,
            "  budget {} {cur} a month: {} of {} eligible {} funded{persons}, {} used, {} left",
            grouped(u128::from(b.amount)),
            grouped(b.households_funded),
            grouped(b.households_eligible),
            noun(b.households_eligible, "household", "households"),
            grouped(b.monthly_used),
            grouped(b.remaining),
        );
        if let Some(p) = b.last_funded_priority {
            let _ = write!(s, "; cut-off priority {:.1}", p + 0.0);
        }
        let _ = writeln!(s, "; {} waiting", grouped(b.households_waiting));
    }

    /// Households, tracks, statuses, programs and cost.
    fn counts_lines(&self, s: &mut String, f: &Figures, indent: &str) {
        let cur = &self.policy.currency;
        let all = Count {
            households: f.households,
            persons: f.persons,
        };
        let _ = writeln!(s, "{indent}households: {}", with_persons(&all));
        let _ = writeln!(s, "{indent}tracks: {}", list(&f.tracks));
        if let Some(o) = &f.income_status {
            let _ = writeln!(s, "{indent}income status: {}", list(o));
        }
        if let Some(o) = &f.deprivation_status {
            let _ = writeln!(s, "{indent}deprivation status: {}", list(o));
        }
        let programs: Vec<String> = f
            .programs
            .0
            .iter()
            .filter(|(_, p)| !(p.granted.is_zero() && p.deferred.is_zero()))
            .map(|(id, p)| {
                let mut t = format!("{id} {}", grouped(p.granted));
                if !p.deferred.is_zero() {
                    let _ = write!(t, " (+{} deferred)", grouped(p.deferred));
                }
                t
            })
            .collect();
        let _ = writeln!(s, "{indent}programs granted: {}", programs.join(", "));
        let _ = writeln!(
            s,
            "{indent}cost: {} {cur} a month, {} {cur} one-off; {} capped",
            grouped(f.monthly_total),
            grouped(f.one_off_total),
            households(f.households_capped.whole())
        );
    }

    /// The multidimensional and income poverty lines.
    fn poverty_lines(&self, s: &mut String, f: &Figures, indent: &str) {
        if let Some(m) = &f.poverty.multidimensional {
            let _ = writeln!(
                s,
                "{indent}multidimensional poverty (by {}): H {}, A {}, M0 {}; vulnerable {}, severe {}",
                f.poverty.weight,
                percent(m.headcount_ratio),
                percent(m.intensity),
                m.adjusted_headcount_ratio
                    .map_or_else(|| "-".into(), |v| format!("{:.4}", v + 0.0)),
                percent(m.vulnerable_share),
                percent(m.severe_share)
            );
        }
        if let Some(i) = &f.poverty.income {
            let _ = writeln!(
                s,
                "{indent}income poverty (by {}): headcount {}, poverty gap {}, squared gap {}",
                f.poverty.weight,
                percent(i.headcount_ratio),
                percent(i.poverty_gap_index),
                percent(i.squared_poverty_gap)
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn summary_nouns_agree_with_counts() {
        assert_eq!(households(1), "1 household");
        assert_eq!(households(12_000), "12,000 households");
        assert_eq!(persons(1), "1 person");
        assert_eq!(percent(Some(-0.0)), "0.0%");
    }
}
