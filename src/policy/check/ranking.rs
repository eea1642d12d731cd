//! `[ranking]`: the welfare measure, the groups and the population, checked
//! after the derived values (which the welfare may use) and before the
//! programs (which may use `decile`).

use super::*;
use crate::policy::ranking::{MAX_GROUPS, Population, Ranking};

impl Checker<'_> {
    /// The ranking, its welfare in `first_slot` and `decile` in the next
    /// slot; `decile` becomes visible to the programs and all after them.
    pub(super) fn ranking(&mut self, r: &raw::RawRanking, first_slot: usize) -> Option<Ranking> {
        let welfare = self.compile_number(&r.welfare);
        let label = self.text(r.label.as_ref(), "this label");
        let groups = match &r.groups {
            None => Some(10),
            Some(g) => match u32::try_from(*g.get_ref()) {
                Ok(n) if (2..=MAX_GROUPS).contains(&n) => Some(n),
                _ => {
                    self.error(
                        g.span(),
                        format!("a ranking has between 2 and {MAX_GROUPS} groups"),
                        Some("10 for deciles, 5 for quintiles, 100 for percentiles".into()),
                    );
                    None
                }
            },
        };
        if let Some(o) = &r.order {
            if o.get_ref() != "ascending" {
                self.error(
                    o.span(),
                    format!("unknown order `{}`", o.get_ref()),
                    Some(
                        "a ranking is ascending (the lowest welfare is group 1); rank by the negated measure for the other way"
                            .into(),
                    ),
                );
            }
        }
        let population = match r.population.as_ref().map(|p| p.get_ref().as_str()) {
            None | Some("persons") => Some(Population::Persons),
            Some("households") => Some(Population::Households),
            Some(other) => {
                let span = r.population.as_ref().map_or(0..0, |p| p.span());
                let help = match expr::suggest(other, ["persons", "households"]) {
                    Some(s) => format!("did you mean `{s}`? populations: persons, households"),
                    None => "populations: persons, households".into(),
                };
                self.error(span, format!("unknown population `{other}`"), Some(help));
                None
            }
        };
        let persons = match (population, &r.persons) {
            (Some(Population::Persons), Some(p)) => Some(self.compile_number(p)),
            (Some(Population::Persons), None) => {
                if matches!(self.map.get("members"), Some((_, Type::Number))) {
                    let members = Spanned::new(r.welfare.span(), "members".to_string());
                    Some(self.compile_number(&members))
                } else {
                    let span = r.population.as_ref().unwrap_or(&r.welfare).span();
                    self.error(
                        span,
                        "a population of persons needs each household's persons",
                        Some(
                            "name them with `persons = \"...\"` (an expression, e.g. an integer input), or rank households with `population = \"households\"`"
                                .into(),
                        ),
                    );
                    Some(None)
                }
            }
            (Some(Population::Households), Some(p)) => {
                self.error(
                    p.span(),
                    "`persons` is only used with `population = \"persons\"`",
                    None,
                );
                Some(None)
            }
            _ => None,
        };
        let decile = Spanned::new(r.welfare.span(), "decile".to_string());
        if self.declare(&decile, "the ranking's group (`[ranking]`)") {
            self.map.insert(
                "decile".into(),
                (Binding::Slot(first_slot + 1), Type::Number),
            );
        }
        let persons = match persons {
            Some(Some(p)) => Some(p),
            Some(None) => return None,
            None => None,
        };
        Some(Ranking {
            welfare: welfare?,
            label,
            groups: groups?,
            population: population?,
            persons,
            welfare_slot: first_slot,
            decile_slot: first_slot + 1,
        })
    }
}
