//! Words about a policy's `[ranking]` (issue 17): where one household
//! stands (`explain`), in the policy's language.

use crate::numfmt::locale::Lang;
use crate::policy::ranking::{Population, Ranking};

/// Where a household stands in the ranking: its decile, its welfare and the
/// share of the population at or below it (`below / total`, by weight).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Standing {
    pub decile: u32,
    pub welfare: f64,
    pub below: u128,
    pub total: u128,
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
    match (lang, ranking.population) {
        (Lang::En, Population::Persons) => format!(
            "desil {k} of {g}: {name} {welfare}; {share} of the population is at or below it\n"
        ),
        (Lang::En, Population::Households) => format!(
            "desil {k} of {g}: {name} {welfare}; {share} of the households are at or below it\n"
        ),
        (Lang::Id, Population::Persons) => format!(
            "desil {k} dari {g}: {name} {welfare}; {share} penduduk berada pada atau di bawahnya\n"
        ),
        (Lang::Id, Population::Households) => format!(
            "desil {k} dari {g}: {name} {welfare}; {share} rumah tangga berada pada atau di bawahnya\n"
        ),
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
        };
        assert_eq!(
            explain_line(Lang::Id, &r, &s),
            "desil 3 dari 10: pendapatan per kapita 512.000; 24,1% penduduk berada pada atau di bawahnya\n"
        );
        assert_eq!(
            explain_line(Lang::En, p.ranking.as_ref().unwrap(), &s),
            "desil 3 of 10: per-capita income 512,000; 24.1% of the population is at or below it\n"
        );
    }
}
