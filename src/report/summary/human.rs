//! The short summary for a person (`--summary -`, or standard error on a
//! terminal): a few lines drawn from the same [`Report`] as the JSON, in
//! English or Bahasa Indonesia (numbers in that language's style).

use std::fmt::Write as _;

use crate::numfmt::locale::Lang;
use crate::report::html::labels::{Kind, known};

use super::wire::{ByReport, Count, Figures, Ordered, Report};

/// Groups listed one per line; the rest are only in the JSON.
const GROUPS_SHOWN: usize = 20;

/// The summary's words in one language.
struct Words {
    lang: Lang,
    household: [&'static str; 2],
    person: [&'static str; 2],
    byte: [&'static str; 2],
    value: [&'static str; 2],
    row: [&'static str; 2],
    summary: &'static str,
    policy: &'static str,
    rows: &'static str,
    read: &'static str,
    decided: &'static str,
    rejected: &'static str,
    a_month: &'static str,
    one_off: &'static str,
    by: &'static str,
    empty: &'static str,
    income_poor: &'static str,
    more: &'static str,
    see: &'static str,
    weighted_by: &'static str,
    estimates: &'static str,
    budget: &'static str,
    used: &'static str,
    left: &'static str,
    cut_off: &'static str,
    waiting: &'static str,
    households: &'static str,
    tracks: &'static str,
    income_status: &'static str,
    deprivation_status: &'static str,
    programs_granted: &'static str,
    deferred: &'static str,
    cost: &'static str,
    cost_by_provider: &'static str,
    capped: &'static str,
    multidimensional: &'static str,
    vulnerable: &'static str,
    severe: &'static str,
    income_poverty: &'static str,
    headcount: &'static str,
    gap: &'static str,
    squared_gap: &'static str,
}

const EN: Words = Words {
    lang: Lang::En,
    household: ["household", "households"],
    person: ["person", "persons"],
    byte: ["byte", "bytes"],
    value: ["value", "values"],
    row: ["row", "rows"],
    summary: "summary",
    policy: "policy",
    rows: "rows",
    read: "read",
    decided: "decided",
    rejected: "rejected",
    a_month: "a month",
    one_off: "one-off",
    by: "by",
    empty: "(empty)",
    income_poor: "income poor",
    more: "and",
    see: "more (see",
    weighted_by: "weighted by",
    estimates: "population estimates from a sample of",
    budget: "budget",
    used: "used",
    left: "left",
    cut_off: "cut-off priority",
    waiting: "waiting",
    households: "households",
    tracks: "tracks",
    income_status: "income status",
    deprivation_status: "deprivation status",
    programs_granted: "programs granted",
    deferred: "deferred",
    cost: "cost",
    cost_by_provider: "cost by provider",
    capped: "capped",
    multidimensional: "multidimensional poverty",
    vulnerable: "vulnerable",
    severe: "severe",
    income_poverty: "income poverty",
    headcount: "headcount",
    gap: "poverty gap",
    squared_gap: "squared gap",
};

const ID: Words = Words {
    lang: Lang::Id,
    household: ["rumah tangga", "rumah tangga"],
    person: ["jiwa", "jiwa"],
    byte: ["bita", "bita"],
    value: ["nilai", "nilai"],
    row: ["baris", "baris"],
    summary: "ringkasan",
    policy: "kebijakan",
    rows: "baris",
    read: "dibaca",
    decided: "diputuskan",
    rejected: "ditolak",
    a_month: "per bulan",
    one_off: "sekali bayar",
    by: "menurut",
    empty: "(kosong)",
    income_poor: "miskin menurut pendapatan",
    more: "dan",
    see: "lainnya (lihat",
    weighted_by: "ditimbang dengan",
    estimates: "perkiraan populasi dari sampel",
    budget: "anggaran",
    used: "terpakai",
    left: "sisa",
    cut_off: "prioritas batas",
    waiting: "menunggu",
    households: "rumah tangga",
    tracks: "jalur",
    income_status: "status pendapatan",
    deprivation_status: "status kemiskinan multidimensi",
    programs_granted: "program diberikan",
    deferred: "ditunda",
    cost: "biaya",
    cost_by_provider: "biaya per pemberi bantuan",
    capped: "terkena batas",
    multidimensional: "kemiskinan multidimensi",
    vulnerable: "rentan",
    severe: "sangat miskin",
    income_poverty: "kemiskinan pendapatan",
    headcount: "persentase penduduk miskin",
    gap: "indeks kedalaman",
    squared_gap: "indeks keparahan",
};

impl Words {
    fn of(lang: Lang) -> &'static Words {
        match lang {
            Lang::En => &EN,
            Lang::Id => &ID,
        }
    }

    fn noun(&self, n: u128, forms: [&'static str; 2]) -> &'static str {
        if n == 1 { forms[0] } else { forms[1] }
    }

    fn grouped(&self, n: impl Into<u128>) -> String {
        self.lang.count(n.into())
    }

    /// A count as the English summary has always printed it (no
    /// separators: row and byte counts), grouped in other languages.
    fn plain(&self, n: u64) -> String {
        match self.lang {
            Lang::En => n.to_string(),
            lang => lang.count(u128::from(n)),
        }
    }

    fn percent(&self, r: Option<f64>) -> String {
        // `+ 0.0`: a negative zero prints as 0.0%.
        r.map_or_else(|| "-".into(), |r| self.lang.percent(r + 0.0, 1))
    }

    /// `1 household`, `12,000 households`.
    fn households(&self, n: u128) -> String {
        format!("{} {}", self.grouped(n), self.noun(n, self.household))
    }

    /// `1 person`, `48,000 persons`.
    fn persons(&self, n: u128) -> String {
        format!("{} {}", self.grouped(n), self.noun(n, self.person))
    }

    /// `12 (48 persons)`, or `12` when persons are not counted.
    fn with_persons(&self, c: &Count) -> String {
        match c.persons {
            Some(p) => format!(
                "{} ({})",
                self.grouped(c.households),
                self.persons(p.whole())
            ),
            None => self.grouped(c.households),
        }
    }

    /// `poor 23 (128 persons), near_poor 7 (24 persons)`; in Indonesian
    /// the default policy's values by their names (`miskin 23 (128 jiwa)`).
    fn list(&self, o: &Ordered<Count>, kind: Kind) -> String {
        o.0.iter()
            .map(|(k, c)| format!("{} {}", self.name(kind, k), self.with_persons(c)))
            .collect::<Vec<_>>()
            .join(", ")
    }

    /// An id as the summary shows it: as it is in English (codes people
    /// grep for), its Indonesian name when the report's table has one.
    fn name<'a>(&self, kind: Kind, id: &'a str) -> &'a str {
        match self.lang {
            Lang::En => id,
            lang => known(kind, id, lang).unwrap_or(id),
        }
    }
}

impl Report {
    /// A short summary for a person, on standard error. `full_report` says
    /// where the groups left out of a long `by` list can be read (e.g. "the
    /// JSON summary"); the front end names its own way of writing it.
    pub fn human(&self, full_report: &str) -> String {
        self.human_in(Lang::En, full_report)
    }

    /// [`Report::human`] in `lang`.
    pub fn human_in(&self, lang: Lang, full_report: &str) -> String {
        let w = Words::of(lang);
        let mut s = String::new();
        let _ = writeln!(
            s,
            "{}: {} ({} {}), {} {} {} ({})",
            w.summary,
            self.input.file,
            w.plain(self.input.bytes),
            w.noun(u128::from(self.input.bytes), w.byte),
            w.policy,
            self.policy.id,
            self.policy.version,
            self.policy.hash
        );
        let _ = writeln!(
            s,
            "  {}: {} {} = {} {} + {} {}",
            w.rows,
            w.plain(self.rows.read),
            w.read,
            w.plain(self.rows.decided),
            w.decided,
            w.plain(self.rows.rejected),
            w.rejected
        );
        self.weight_line(w, &mut s);
        self.counts_lines(w, &mut s, &self.total, "  ");
        self.poverty_lines(w, &mut s, &self.total, "  ");
        if let Some(by) = &self.by {
            self.group_lines(w, &mut s, by, full_report);
        }
        self.budget_line(w, &mut s);
        if let Some(d) = &self.deciles {
            s.push_str(&d.human(lang));
        }
        s
    }

    /// One line per group (the first [`GROUPS_SHOWN`]).
    fn group_lines(&self, w: &Words, s: &mut String, by: &ByReport, full_report: &str) {
        let cur = &self.policy.currency;
        let n = by.groups.len();
        let values = w.noun(n as u128, w.value);
        let _ = writeln!(s, "  {} {} ({n} {values}):", w.by, by.column);
        for g in by.groups.iter().take(GROUPS_SHOWN) {
            // A cell can be megabytes: the JSON has it whole.
            let value = if g.value.is_empty() {
                w.empty.to_string()
            } else {
                crate::policy::shorten(&g.value, 80)
            };
            let f = &g.figures;
            let _ = write!(
                s,
                "    {value}: {}{}, {} {cur} {}, {} {}",
                w.households(f.households.whole()),
                f.persons
                    .map_or(String::new(), |p| format!(" ({})", w.persons(p.whole()))),
                w.grouped(f.monthly_total),
                w.a_month,
                w.grouped(f.one_off_total),
                w.one_off,
            );
            if let Some(m) = &f.poverty.multidimensional {
                let _ = write!(s, "; H {}", w.percent(m.headcount_ratio));
            }
            if let Some(i) = &f.poverty.income {
                let _ = write!(s, "; {} {}", w.income_poor, w.percent(i.headcount_ratio));
            }
            if g.rows.rejected > 0 {
                let rejected = w.grouped(u128::from(g.rows.rejected));
                let _ = write!(s, "; {rejected} {}", w.rejected);
            }
            s.push('\n');
        }
        if n > GROUPS_SHOWN {
            let more = w.grouped((n - GROUPS_SHOWN) as u128);
            let _ = writeln!(s, "    … {} {more} {} {full_report})", w.more, w.see);
        }
        let ungrouped = by.ungrouped_rows.rejected;
        if ungrouped > 0 {
            let n = w.grouped(u128::from(ungrouped));
            let rows = w.noun(u128::from(ungrouped), w.row);
            let col = &by.column;
            let _ = if lang_en(w) {
                writeln!(
                    s,
                    "    {n} rejected {rows} in no group (the {col} cell could not be read)"
                )
            } else {
                writeln!(
                    s,
                    "    {n} {rows} ditolak tanpa kelompok (sel {col} tidak terbaca)"
                )
            };
        }
    }

    /// With survey weights: what the figures are, and the sample behind them.
    fn weight_line(&self, w: &Words, s: &mut String) {
        let Some(weight) = &self.weight else {
            return;
        };
        let scale = serde_json::to_string(&weight.scale).unwrap_or_default();
        let scaled = if scale == "1" {
            String::new()
        } else {
            format!(" × {scale}")
        };
        let sample = self.total.sample_households.unwrap_or_default();
        let sample_persons = match self.total.sample_persons.flatten() {
            Some(p) => format!(" ({})", w.persons(p)),
            None => String::new(),
        };
        let _ = writeln!(
            s,
            "  {} {}{scaled}: {} {}{sample_persons}",
            w.weighted_by,
            weight.column,
            w.estimates,
            w.households(sample),
        );
    }

    /// The `--budget` line.
    fn budget_line(&self, w: &Words, s: &mut String) {
        let Some(b) = &self.budget else {
            return;
        };
        let cur = &self.policy.currency;
        let persons = b
            .persons_funded
            .map_or(String::new(), |p| format!(" ({})", w.persons(p)));
        let funded = if lang_en(w) {
            format!(
                "{} of {} eligible {} funded{persons}",
                w.grouped(b.households_funded),
                w.grouped(b.households_eligible),
                w.noun(b.households_eligible, w.household),
            )
        } else {
            format!(
                "{} dari {} rumah tangga yang memenuhi syarat didanai{persons}",
                w.grouped(b.households_funded),
                w.grouped(b.households_eligible),
            )
        };
        let _ = write!(
            s,
            "  {} {} {cur} {}: {funded}, {} {}, {} {}",
            w.budget,
            w.grouped(u128::from(b.amount)),
            w.a_month,
            w.grouped(b.monthly_used),
            w.used,
            w.grouped(b.remaining),
            w.left,
        );
        if let Some(p) = b.last_funded_priority {
            let _ = write!(s, "; {} {}", w.cut_off, w.lang.fixed(p + 0.0, 1));
        }
        let _ = writeln!(s, "; {} {}", w.grouped(b.households_waiting), w.waiting);
    }

    /// Households, tracks, statuses, programs and cost.
    fn counts_lines(&self, w: &Words, s: &mut String, f: &Figures, indent: &str) {
        let cur = &self.policy.currency;
        let all = Count {
            households: f.households,
            persons: f.persons,
        };
        let _ = writeln!(s, "{indent}{}: {}", w.households, w.with_persons(&all));
        let _ = writeln!(
            s,
            "{indent}{}: {}",
            w.tracks,
            w.list(&f.tracks, Kind::Track)
        );
        if let Some(o) = &f.income_status {
            let _ = writeln!(
                s,
                "{indent}{}: {}",
                w.income_status,
                w.list(o, Kind::IncomeStatus)
            );
        }
        if let Some(o) = &f.deprivation_status {
            let _ = writeln!(
                s,
                "{indent}{}: {}",
                w.deprivation_status,
                w.list(o, Kind::DeprivationStatus)
            );
        }
        let programs: Vec<String> = f
            .programs
            .0
            .iter()
            .filter(|(_, p)| !(p.granted.is_zero() && p.deferred.is_zero()))
            .map(|(id, p)| {
                let mut t = format!("{} {}", w.name(Kind::Program, id), w.grouped(p.granted));
                if !p.deferred.is_zero() {
                    let _ = write!(t, " (+{} {})", w.grouped(p.deferred), w.deferred);
                }
                t
            })
            .collect();
        let _ = writeln!(s, "{indent}{}: {}", w.programs_granted, programs.join(", "));
        let _ = writeln!(
            s,
            "{indent}{}: {} {cur} {}, {} {cur} {}; {} {}",
            w.cost,
            w.grouped(f.monthly_total),
            w.a_month,
            w.grouped(f.one_off_total),
            w.one_off,
            w.households(f.households_capped.whole()),
            w.capped
        );
        // Only when more than one provider pays (issue 20).
        if f.providers.0.len() > 1 {
            let parts: Vec<String> = f
                .providers
                .0
                .iter()
                .map(|(name, p)| {
                    format!(
                        "{name} {} {cur} {}, {} {cur} {}",
                        w.grouped(p.monthly_cost),
                        w.a_month,
                        w.grouped(p.one_off_cost),
                        w.one_off
                    )
                })
                .collect();
            let _ = writeln!(s, "{indent}{}: {}", w.cost_by_provider, parts.join("; "));
        }
    }

    /// The multidimensional and income poverty lines.
    fn poverty_lines(&self, w: &Words, s: &mut String, f: &Figures, indent: &str) {
        let weight = match (w.lang, f.poverty.weight) {
            (Lang::Id, "persons") => "jiwa",
            (Lang::Id, "households") => "rumah tangga",
            (_, other) => other,
        };
        if let Some(m) = &f.poverty.multidimensional {
            let _ = writeln!(
                s,
                "{indent}{} ({} {}): H {}, A {}, M0 {}; {} {}, {} {}",
                w.multidimensional,
                w.by,
                weight,
                w.percent(m.headcount_ratio),
                w.percent(m.intensity),
                m.adjusted_headcount_ratio
                    .map_or_else(|| "-".into(), |v| w.lang.fixed(v + 0.0, 4)),
                w.vulnerable,
                w.percent(m.vulnerable_share),
                w.severe,
                w.percent(m.severe_share)
            );
        }
        if let Some(i) = &f.poverty.income {
            let _ = writeln!(
                s,
                "{indent}{} ({} {}): {} {}, {} {}, {} {}",
                w.income_poverty,
                w.by,
                weight,
                w.headcount,
                w.percent(i.headcount_ratio),
                w.gap,
                w.percent(i.poverty_gap_index),
                w.squared_gap,
                w.percent(i.squared_poverty_gap)
            );
        }
    }
}

/// Whether these are the English words (a few sentences differ in order).
fn lang_en(w: &Words) -> bool {
    w.lang == Lang::En
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn summary_nouns_agree_with_counts() {
        assert_eq!(EN.households(1), "1 household");
        assert_eq!(EN.households(12_000), "12,000 households");
        assert_eq!(EN.persons(1), "1 person");
        assert_eq!(EN.percent(Some(-0.0)), "0.0%");
        assert_eq!(ID.households(12_000), "12.000 rumah tangga");
        assert_eq!(ID.percent(Some(0.125)), "12,5%");
    }
}
