//! The `--summary` JSON document, as `#[derive(Serialize)]` structs: the
//! layout is documented key by key in `examples/summaries.md`. These are
//! wire types only; the counting lives in `accumulate` and `figures`.

use serde::Serialize;
use serde::ser::{SerializeMap, Serializer};

pub(crate) use super::weight::{Num, WeightInfo};

/// A list of named values serialised as a JSON object in this order.
#[derive(Debug, Clone)]
pub(crate) struct Ordered<V>(pub(crate) Vec<(String, V)>);

impl<V: Serialize> Serialize for Ordered<V> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(Some(self.0.len()))?;
        for (k, v) in &self.0 {
            m.serialize_entry(k, v)?;
        }
        m.end()
    }
}

impl<V> Ordered<V> {
    #[cfg(test)]
    pub(crate) fn get(&self, key: &str) -> Option<&V> {
        self.0.iter().find(|(k, _)| k == key).map(|(_, v)| v)
    }
}

/// The `--summary` JSON document: serialise it, or show it with
/// [`Report::human`].
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    /// Version of this document's layout.
    pub(crate) layak_summary: u32,
    pub(crate) input: InputInfo,
    pub(crate) policy: PolicyInfo,
    pub(crate) rows: Rows,
    /// The input counted as persons, or null (persons are then not counted).
    pub(crate) persons_column: Option<String>,
    /// With `--weight`: the column and scale that weighted every figure.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) weight: Option<WeightInfo>,
    pub(crate) total: Figures,
    pub(crate) by: Option<ByReport>,
    pub(crate) budget: Option<BudgetReport>,
    /// A policy that ranks households: the figures of each decile.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) deciles: Option<crate::report::deciles::DecileReport>,
    /// With `--overrides`: what the community's overrides changed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) overrides: Option<crate::engine::overrides::OverrideFigures>,
}

impl Report {
    /// The report with the figures of the run's community overrides.
    pub fn with_overrides(
        mut self,
        figures: Option<crate::engine::overrides::OverrideFigures>,
    ) -> Report {
        self.overrides = figures;
        self
    }
}

#[derive(Debug, Clone, Serialize)]
pub(crate) struct InputInfo {
    pub(crate) file: String,
    pub(crate) bytes: u64,
}

#[derive(Debug, Clone, Serialize)]
pub(crate) struct PolicyInfo {
    pub(crate) id: String,
    pub(crate) version: String,
    pub(crate) hash: String,
    pub(crate) as_of: String,
    pub(crate) currency: String,
}

/// Rows read, of the run or of one group: `read = decided + rejected`.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct Rows {
    pub(crate) read: u64,
    pub(crate) decided: u64,
    pub(crate) rejected: u64,
    /// Every reject code, zeros included.
    pub(crate) rejects_by_reason: Ordered<u64>,
}

#[derive(Debug, Clone, Serialize)]
pub(crate) struct ByReport {
    pub(crate) column: String,
    /// Rejected rows whose `--by` cell could not be read: with the groups'
    /// rows, they add up to the run's.
    pub(crate) ungrouped_rows: Rows,
    pub(crate) groups: Vec<Group>,
}

#[derive(Debug, Clone, Serialize)]
pub(crate) struct Group {
    pub(crate) value: String,
    pub(crate) rows: Rows,
    #[serde(flatten)]
    pub(crate) figures: Figures,
}

/// Households and persons.
#[derive(Debug, Clone, Copy, Serialize)]
pub(crate) struct Count {
    pub(crate) households: Num,
    pub(crate) persons: Option<Num>,
}

#[derive(Debug, Clone, Serialize)]
pub(crate) struct ProgramFigures {
    pub(crate) period: &'static str,
    pub(crate) granted: Num,
    pub(crate) deferred: Num,
    /// Households whose amount of this program the cap reduced.
    pub(crate) capped: Num,
    pub(crate) monthly_cost: Num,
    pub(crate) one_off_cost: Num,
    /// Amounts of deferred grants (not in the costs: they start later).
    pub(crate) deferred_amount: Num,
}

/// One provider's share: the programs it leads, their grants and costs.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct ProviderFigures {
    pub(crate) programs: Vec<String>,
    /// Grants of its programs (a household granted two counts twice).
    pub(crate) granted: Num,
    pub(crate) monthly_cost: Num,
    pub(crate) one_off_cost: Num,
}

/// The figures of one group of decided households (or of all of them).
#[derive(Debug, Clone, Serialize)]
pub(crate) struct Figures {
    pub(crate) households: Num,
    pub(crate) persons: Option<Num>,
    /// With `--weight`: the decided households of the file (unweighted).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) sample_households: Option<u128>,
    /// With `--weight`: their persons (null when persons are not counted).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) sample_persons: Option<Option<u128>>,
    pub(crate) tracks: Ordered<Count>,
    pub(crate) income_status: Option<Ordered<Count>>,
    pub(crate) deprivation_status: Option<Ordered<Count>>,
    pub(crate) programs: Ordered<ProgramFigures>,
    /// Cost per lead provider (issue 20).
    pub(crate) providers: Ordered<ProviderFigures>,
    pub(crate) monthly_total: Num,
    pub(crate) one_off_total: Num,
    pub(crate) households_capped: Num,
    pub(crate) poverty: Poverty,
    pub(crate) budget: Option<BudgetFigures>,
}

#[derive(Debug, Clone, Serialize)]
pub(crate) struct Poverty {
    /// `persons` or `households`: what the ratios count.
    pub(crate) weight: &'static str,
    pub(crate) population: Num,
    pub(crate) multidimensional: Option<Multidimensional>,
    pub(crate) income: Option<IncomePoverty>,
}

#[derive(Debug, Clone, Serialize)]
pub(crate) struct Multidimensional {
    pub(crate) poverty_cutoff: f64,
    pub(crate) vulnerable_cutoff: f64,
    pub(crate) severe_cutoff: f64,
    pub(crate) poor: Num,
    pub(crate) headcount_ratio: Option<f64>,
    pub(crate) intensity: Option<f64>,
    pub(crate) adjusted_headcount_ratio: Option<f64>,
    pub(crate) vulnerable: Num,
    pub(crate) vulnerable_share: Option<f64>,
    pub(crate) severe: Num,
    pub(crate) severe_share: Option<f64>,
    pub(crate) indicators: Ordered<IndicatorFigures>,
}

#[derive(Debug, Clone, Serialize)]
pub(crate) struct IndicatorFigures {
    pub(crate) weight: f64,
    pub(crate) deprived: Num,
    pub(crate) uncensored_headcount_ratio: Option<f64>,
    /// Deprived and multidimensionally poor.
    pub(crate) censored: Num,
    pub(crate) censored_headcount_ratio: Option<f64>,
    pub(crate) contribution_percent: Option<f64>,
}

#[derive(Debug, Clone, Serialize)]
pub(crate) struct IncomePoverty {
    /// Households (or persons) with a poverty line.
    pub(crate) population: Num,
    pub(crate) poor: Num,
    /// FGT(0).
    pub(crate) headcount_ratio: Option<f64>,
    /// FGT(1).
    pub(crate) poverty_gap_index: Option<f64>,
    /// FGT(2).
    pub(crate) squared_poverty_gap: Option<f64>,
}

#[derive(Debug, Clone, Copy, Serialize)]
pub(crate) struct BudgetCount {
    pub(crate) households: Num,
    pub(crate) persons: Option<Num>,
    pub(crate) monthly_total: Num,
    pub(crate) one_off_total: Num,
}

#[derive(Debug, Clone, Serialize)]
pub(crate) struct BudgetFigures {
    pub(crate) eligible: BudgetCount,
    pub(crate) funded: BudgetCount,
    pub(crate) waiting: BudgetCount,
}

#[derive(Debug, Clone, Serialize)]
pub(crate) struct BudgetReport {
    pub(crate) amount: u64,
    pub(crate) households_eligible: u128,
    pub(crate) households_funded: u128,
    pub(crate) households_waiting: u128,
    pub(crate) persons_funded: Option<u128>,
    pub(crate) persons_waiting: Option<u128>,
    pub(crate) monthly_used: u128,
    pub(crate) remaining: u128,
    pub(crate) monthly_needed_for_waiting: u128,
    pub(crate) one_off_funded: u128,
    /// Priority of the last household funded (the cut-off), if any.
    pub(crate) last_funded_priority: Option<f64>,
    /// Priority of the first household left waiting, if any.
    pub(crate) first_waiting_priority: Option<f64>,
}
