//! `[ranking]`: rank-based targeting (issue 17). The households of a run
//! are ranked by a welfare expression, ascending (poorer first), and cut into
//! `groups` groups of equal population; the group number is the value
//! `decile` (whatever the number of groups), which programs, the cap,
//! reasons, tracks and priority can use (`decile <= 4`).
//!
//! The exact rule (`pipeline::rank`): with the households of the population
//! sorted by welfare and `W` the total population weight, the cut-point
//! `c_k` (k = 1 … groups − 1) is the smallest welfare value `w` of the
//! population such that the weight of the households with welfare ≤ `w` is
//! at least `k / groups` of `W`; a household's decile is the smallest `k`
//! with welfare ≤ `c_k`, else `groups`.

use crate::expr;

/// Whose count makes the population share of a household.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Population {
    /// Its persons (`persons`, by default the input `members`).
    Persons,
    /// Each household counts once.
    Households,
}

impl Population {
    pub fn keyword(self) -> &'static str {
        match self {
            Population::Persons => "persons",
            Population::Households => "households",
        }
    }
}

/// The most groups a ranking may have (percentiles are 100).
pub const MAX_GROUPS: u32 = 1_000;

/// A checked `[ranking]` section.
#[derive(Debug, Clone)]
pub struct Ranking {
    /// The welfare measure (a number; ascending = poorer first).
    pub welfare: expr::Program,
    /// Its words for people in the load's language (`label`), or empty:
    /// `explain` then shows the expression.
    pub label: String,
    /// Number of groups: 10 for deciles, 5 for quintiles, 100 for percentiles.
    pub groups: u32,
    pub population: Population,
    /// A household's persons (with [`Population::Persons`]): a whole number.
    pub persons: Option<expr::Program>,
    /// The slot holding the row's welfare, then the one holding `decile`.
    pub welfare_slot: usize,
    pub decile_slot: usize,
}

impl Ranking {
    /// What the welfare is called for people: its label, else its expression.
    pub fn welfare_name(&self) -> &str {
        if self.label.is_empty() {
            self.welfare.source()
        } else {
            &self.label
        }
    }
}
