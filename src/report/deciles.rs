//! Words about a policy's `[ranking]` (issue 17): where one household
//! stands (`explain`), in the policy's language.

use crate::numfmt::locale::Lang;
use crate::policy::ranking::{Population, Ranking};

/// Where a household stands in the ranking: its decile, its welfare and the
/// share of the population at or below it (`below / total`, by weight).
#[derive(Debug, Clone, PartialEq)]
pub struct Standing {
    pub decile: u32,
    pub welfare: f64,
    pub below: u128,
    pub total: u128,
    /// `--rank-within`: the input and its value whose households are the
    /// population (`None`: the whole file).
    pub group: Option<(String, String)>,
}

/// `desil 3 of 10: per-capita income 512,000; 24.1% of the population is at
/// or below it`, in English or Indonesian, ending with a newline.
pub fn explain_line(lang: Lang, ranking: &Ranking, s: &Standing) -> String {
    let mut welfare = Vec::new();
    lang.write_number(s.welfare, &mut welfare);
    let mut share = Vec::new();
    let ratio = if s.total == 0 {
        0.0
    } else {
        s.below as f64 / s.total as f64
    };
    lang.write_percent(ratio, 1, &mut share);
    let (welfare, share) = (
        String::from_utf8_lossy(&welfare),
        String::from_utf8_lossy(&share),
    );
    let name = ranking.welfare_name();
    let (k, g) = (s.decile, ranking.groups);
    // `--rank-within`: the population is the group's, and the line says so.
    let (of, dengan) = match &s.group {
        Some((input, value)) => (
            format!(" with {input} {value}"),
            format!(" dengan {input} {value}"),
        ),
        None => (String::new(), String::new()),
    };
    match (lang, ranking.population) {
        (Lang::En, Population::Persons) => format!(
            "desil {k} of {g}: {name} {welfare}; {share} of the population{of} is at or below it\n"
        ),
        (Lang::En, Population::Households) => format!(
            "desil {k} of {g}: {name} {welfare}; {share} of the households{of} are at or below it\n"
        ),
        (Lang::Id, Population::Persons) => format!(
            "desil {k} dari {g}: {name} {welfare}; {share} penduduk{dengan} berada pada atau di bawahnya\n"
        ),
        (Lang::Id, Population::Households) => format!(
            "desil {k} dari {g}: {name} {welfare}; {share} rumah tangga{dengan} berada pada atau di bawahnya\n"
        ),
    }
}

/// The summary's table per decile, counted by the writing pass: each
/// decile's households, persons and programme grants (households and amounts).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DecileTally {
    /// Per decile (index `k - 1`): households, persons, then per program
    /// (households granted, amount).
    rows: Vec<DecileRow>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
struct DecileRow {
    households: u64,
    persons: u64,
    programs: Vec<(u64, u128)>,
}

/// What [`DecileTally::add`] reads of a decided household: its decile, its
/// persons, then per program its amount plus one when granted, else 0
/// ([`facts`] writes them).
pub fn facts(
    decile: u32,
    persons: f64,
    programs: &[crate::engine::ProgramOutcome],
    out: &mut Vec<u64>,
) {
    out.push(u64::from(decile));
    out.push(persons as u64);
    for p in programs {
        out.push(if p.status == crate::engine::Status::Granted {
            (p.amount as u64).saturating_add(1)
        } else {
            0
        });
    }
}

impl DecileTally {
    /// The number of facts a household takes.
    pub fn width(programs: usize) -> usize {
        2 + programs
    }

    /// A decided household's facts.
    pub fn add(&mut self, facts: &[u64]) {
        let (Some(&decile), Some(&persons)) = (facts.first(), facts.get(1)) else {
            return;
        };
        let Some(k) = (decile as usize).checked_sub(1) else {
            return;
        };
        if self.rows.len() <= k {
            self.rows.resize(k + 1, DecileRow::default());
        }
        let row = &mut self.rows[k];
        row.households += 1;
        row.persons += persons;
        let programs = &facts[2..];
        if row.programs.len() < programs.len() {
            row.programs.resize(programs.len(), (0, 0));
        }
        for (slot, &p) in row.programs.iter_mut().zip(programs) {
            if p > 0 {
                slot.0 += 1;
                slot.1 += u128::from(p - 1);
            }
        }
    }

    /// The table, with the cut-points of the run (national ones only: with
    /// `--rank-within`, each group's are listed apart).
    pub fn report(
        &self,
        policy: &crate::policy::Policy,
        deciles: CutPoints<'_>,
        within: Option<&str>,
    ) -> Option<DecileReport> {
        let r = policy.ranking.as_ref()?;
        let national = deciles.keys.len() == 1 && !deciles.within;
        let cut = |k: usize| -> Option<f64> {
            if !national {
                return None;
            }
            deciles.cuts_of(0).get(k).copied().filter(|c| c.is_finite())
        };
        let rows = (0..r.groups as usize)
            .map(|k| {
                let row = self.rows.get(k).cloned().unwrap_or_default();
                DecileLine {
                    decile: k as u32 + 1,
                    cut_point: cut(k),
                    households: row.households,
                    persons: row.persons,
                    programs: policy
                        .programs
                        .iter()
                        .enumerate()
                        .map(|(i, p)| {
                            let (n, amount) = row.programs.get(i).copied().unwrap_or((0, 0));
                            ProgramLine {
                                id: p.id.clone(),
                                households: n,
                                amount: amount as f64,
                                period: p.period.keyword(),
                            }
                        })
                        .collect(),
                }
            })
            .collect();
        let groups = if national {
            Vec::new()
        } else {
            deciles
                .keys
                .iter()
                .enumerate()
                .map(|(g, key)| GroupCuts {
                    group: String::from_utf8_lossy(key).into_owned(),
                    cut_points: deciles.cuts_of(g).to_vec(),
                })
                .collect()
        };
        Some(DecileReport {
            groups: r.groups,
            welfare: r.welfare_name().to_string(),
            population: r.population.keyword(),
            within: within.map(str::to_string),
            deciles: rows,
            cut_points_within: groups,
        })
    }
}

/// The cut-points a run found (`pipeline::rank::Deciles`), as the report
/// reads them: each group's key, and `groups - 1` cut-points per group,
/// group after group.
#[derive(Debug, Clone, Copy)]
pub struct CutPoints<'a> {
    pub groups: u32,
    /// Ranked within the values of an input (`--rank-within`).
    pub within: bool,
    pub keys: &'a [Vec<u8>],
    pub cuts: &'a [f64],
}

impl CutPoints<'_> {
    /// Group `g`'s cut-points.
    fn cuts_of(&self, g: usize) -> &[f64] {
        let width = (self.groups as usize).saturating_sub(1);
        self.cuts.get(g * width..(g + 1) * width).unwrap_or(&[])
    }
}

/// The summary's `deciles`: each decile's cut-point and figures.
#[derive(Debug, Clone, serde::Serialize)]
pub struct DecileReport {
    pub groups: u32,
    /// The welfare measure's label (or expression).
    pub welfare: String,
    pub population: &'static str,
    /// `--rank-within`: the input whose values were ranked apart.
    pub within: Option<String>,
    pub deciles: Vec<DecileLine>,
    /// With `--rank-within`: each group's cut-points (k = 1 … groups − 1).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub cut_points_within: Vec<GroupCuts>,
}

#[derive(Debug, Clone, serde::Serialize)]
pub struct DecileLine {
    pub decile: u32,
    /// `c_k`: the largest welfare of the decile's rule (none for the last
    /// decile, or ranked within groups).
    pub cut_point: Option<f64>,
    pub households: u64,
    pub persons: u64,
    pub programs: Vec<ProgramLine>,
}

#[derive(Debug, Clone, serde::Serialize)]
pub struct ProgramLine {
    pub id: String,
    /// Households granted.
    pub households: u64,
    /// Their amounts (a month, or once, by `period`).
    pub amount: f64,
    pub period: &'static str,
}

#[derive(Debug, Clone, serde::Serialize)]
pub struct GroupCuts {
    pub group: String,
    pub cut_points: Vec<f64>,
}

impl DecileReport {
    /// The table for a person (the short summary), in `lang`.
    pub fn human(&self, lang: Lang) -> String {
        use std::fmt::Write;
        let num = |x: f64| {
            let mut v = Vec::new();
            lang.write_number(x, &mut v);
            String::from_utf8_lossy(&v).into_owned()
        };
        let count = |n: u64| {
            let mut v = Vec::new();
            lang.write_count(u128::from(n), &mut v);
            String::from_utf8_lossy(&v).into_owned()
        };
        let (title, up_to) = match lang {
            Lang::Id => ("desil", "sampai"),
            Lang::En => ("deciles", "up to"),
        };
        let words = |n: u64, one: &'static str, many: &'static str| match lang {
            Lang::En if n == 1 => one,
            Lang::En => many,
            Lang::Id if one == "household" => "rumah tangga",
            Lang::Id => "jiwa",
        };
        let mut s = String::new();
        let within = self
            .within
            .as_ref()
            .map(|w| format!(", {w}"))
            .unwrap_or_default();
        let _ = writeln!(s, "{title} ({}{within}):", self.welfare);
        for d in &self.deciles {
            let cut = match d.cut_point {
                Some(c) => format!(" {up_to} {}", num(c)),
                None => String::new(),
            };
            let programs: Vec<String> = d
                .programs
                .iter()
                .filter(|p| p.households > 0)
                .map(|p| format!("{} {} ({})", p.id, count(p.households), num(p.amount)))
                .collect();
            let _ = writeln!(
                s,
                "  {}{cut}: {} {}, {} {}{}{}",
                d.decile,
                count(d.households),
                words(d.households, "household", "households"),
                count(d.persons),
                words(d.persons, "person", "persons"),
                if programs.is_empty() { "" } else { "; " },
                programs.join(", ")
            );
        }
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::{LoadOptions, Policy};

    fn policy() -> Policy {
        let text = include_str!("../../examples/policies/desil-income.toml");
        Policy::load("p.toml", text, &LoadOptions::default()).unwrap()
    }

    #[test]
    fn the_line_in_english_and_indonesian() {
        let p = policy();
        let mut r = p.ranking.clone().unwrap();
        r.label = "pendapatan per kapita".into();
        let s = Standing {
            decile: 3,
            welfare: 512_000.0,
            below: 241,
            total: 1000,
            group: None,
        };
        assert_eq!(
            explain_line(Lang::Id, &r, &s),
            "desil 3 dari 10: pendapatan per kapita 512.000; 24,1% penduduk berada pada atau di bawahnya\n"
        );
        assert_eq!(
            explain_line(Lang::En, p.ranking.as_ref().unwrap(), &s),
            "desil 3 of 10: per-capita income 512,000; 24.1% of the population is at or below it\n"
        );
        // `--rank-within region`: the group is named.
        let s = Standing {
            group: Some(("region".into(), "3201".into())),
            ..s
        };
        assert_eq!(
            explain_line(Lang::Id, &r, &s),
            "desil 3 dari 10: pendapatan per kapita 512.000; 24,1% penduduk dengan region 3201 berada pada atau di bawahnya\n"
        );
        assert_eq!(
            explain_line(Lang::En, p.ranking.as_ref().unwrap(), &s),
            "desil 3 of 10: per-capita income 512,000; 24.1% of the population with region 3201 is at or below it\n"
        );
    }
}
