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

#[cfg(test)]
mod tests {
    use crate::policy::{LoadOptions, Policy};

    const HEAD: &str = r#"[policy]
id = "r"
name = "r"
version = "1"

[[inputs]]
name = "household_id"
type = "id"
required = true

[[inputs]]
name = "members"
type = "integer"
min = 1
default = 1

[[inputs]]
name = "income"
type = "money"
default = 0

[[derived]]
name = "pc"
expr = 'income / members'
"#;

    fn load(body: &str) -> Result<Policy, String> {
        Policy::load("r.toml", &format!("{HEAD}{body}"), &LoadOptions::default())
            .map_err(|e| e.render())
    }

    #[test]
    fn decile_is_a_value_for_programs_tracks_priority_and_reasons() {
        let p = load(
            "[ranking]\nwelfare = 'pc'\n\n[[programs]]\nid = \"a\"\nkind = \"cash\"\nprovider = \"state\"\neligible = 'decile <= 4'\namount = '10 * decile'\nperiod = \"month\"\n\n[[reasons]]\nid = \"d\"\nwhen = 'decile == 1'\ntext = \"desil {decile}\"\n\n[[tracks]]\nid = \"t\"\nwhen = 'decile > 2'\n\n[[tracks]]\nid = \"u\"\n\n[priority]\nformula = '11 - decile'\n",
        )
        .unwrap();
        let r = p.ranking.as_ref().unwrap();
        assert_eq!((r.groups, r.population.keyword()), (10, "persons"));
        assert!(r.persons.is_some(), "members counts the persons by default");
        assert_eq!(p.slot_name(r.decile_slot), "decile");
        assert_eq!(p.programs[0].granted_slot, r.decile_slot + 1);
    }

    #[test]
    fn mistakes_are_reported_where_they_are() {
        let e = load("[[derived]]\nname = \"d\"\nexpr = 'decile + 1'\n\n[ranking]\nwelfare = 'pc'\n[[tracks]]\nid = \"t\"\n")
            .unwrap_err();
        assert!(e.contains("unknown name `decile`"), "{e}");
        assert!(e.contains("the ranking's group"), "{e}");
        let e =
            load("[ranking]\nwelfare = 'pc'\ngroups = 1\n[[tracks]]\nid = \"t\"\n").unwrap_err();
        assert!(e.contains("between 2 and 1000 groups"), "{e}");
        assert!(e.contains("r.toml:"), "{e}");
        let e =
            load("[ranking]\nwelfare = 'pc'\npopulation = \"person\"\n[[tracks]]\nid = \"t\"\n")
                .unwrap_err();
        assert!(e.contains("did you mean `persons`?"), "{e}");
        let e = load("[ranking]\nwelfare = 'pc > 1'\n[[tracks]]\nid = \"t\"\n").unwrap_err();
        assert!(e.contains("number"), "{e}");
        let e = load("[ranking]\nwelfare = 'pc'\norder = \"descending\"\n[[tracks]]\nid = \"t\"\n")
            .unwrap_err();
        assert!(e.contains("unknown order"), "{e}");
        let e = load("[ranking]\nwelfare = 'pc'\npopulation = \"households\"\npersons = 'members'\n[[tracks]]\nid = \"t\"\n")
            .unwrap_err();
        assert!(e.contains("only used with"), "{e}");
    }

    #[test]
    fn a_policy_without_members_must_say_how_it_counts_persons() {
        let head = HEAD
            .replace("name = \"members\"", "name = \"size\"")
            .replace("income / members", "income / size");
        let load = |body: &str| {
            Policy::load("r.toml", &format!("{head}{body}"), &LoadOptions::default())
                .map_err(|e| e.render())
        };
        let e = load("[ranking]\nwelfare = 'pc'\n[[tracks]]\nid = \"t\"\n").unwrap_err();
        assert!(e.contains("needs each household's persons"), "{e}");
        assert!(
            load("[ranking]\nwelfare = 'pc'\npersons = 'size'\n[[tracks]]\nid = \"t\"\n").is_ok()
        );
        assert!(
            load(
                "[ranking]\nwelfare = 'pc'\npopulation = \"households\"\n[[tracks]]\nid = \"t\"\n"
            )
            .is_ok()
        );
    }

    #[test]
    fn decile_cannot_be_declared_twice() {
        let e = load("[[derived]]\nname = \"decile\"\nexpr = '1'\n\n[ranking]\nwelfare = 'pc'\n[[tracks]]\nid = \"t\"\n")
            .unwrap_err();
        assert!(e.contains("`decile` is already declared"), "{e}");
        // Without a ranking, `decile` is an ordinary name.
        assert!(
            load("[[derived]]\nname = \"decile\"\nexpr = '1'\n[[tracks]]\nid = \"t\"\n").is_ok()
        );
    }
}
