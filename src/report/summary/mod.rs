//! Run summaries: counts, costs, poverty measures and budget figures,
//! accumulated while deciding (`layak assess --summary`).
//!
//! Every figure is a sum of integers, so it does not depend on the order in
//! which rows are added: workers accumulate one batch each into a
//! `BatchAcc` (a few counters per group, no allocation per row), the
//! merger folds batches into a [`Summary`], and a row the merger turns into a
//! `duplicate_id` reject is taken out again exactly. Money is in whole
//! currency units; income gaps, the only fractions, are counted in fixed
//! point with 40 fraction bits (an error below 10⁻¹²).
//!
//! The files, by topic:
//!
//! - `groups`: `--by` (which column, key bytes, how a key is shown) and
//!   `--max-groups`;
//! - `accumulate`: the per-batch counters, what one household adds to them,
//!   and the run's merged [`Summary`];
//! - `figures`: counters turned into the figures of the JSON document;
//! - `poverty`: the Alkire–Foster and FGT measures (below);
//! - `wire`: the `#[derive(Serialize)]` structs of the JSON document;
//! - `human`: the short text summary for a person;
//! - `weight`: survey weights (`--weight`): exact 256-bit weighted sums
//!   beside the sample counters, and the numbers of the document.
//!
//! ## Rows per group
//!
//! With `--by`, rejected rows are counted in a group too, so that the groups'
//! `rows` add up to the run's: a rejected row belongs to the group its `--by`
//! cell names when that cell can be read as it would be for a decided row.
//! A row with the wrong number of fields belongs to no group (its cells may
//! have shifted under other columns' names), nor does one whose group cell is
//! itself empty but required, invalid, out of range or over the size limit;
//! those are counted in the summary's `ungrouped_rows`.
//!
//! ## Measures
//!
//! With `n_i` the weight of household `i` (its persons, or 1 with
//! `--unweighted`), `c_i` its deprivation score, `k` the policy's poor
//! cutoff, `w_j` the weight of indicator `j`, `y_i` its per-capita income
//! and `z_i` its poverty line, and `N = Σ n_i` over decided households:
//!
//! - headcount ratio `H = Σ_{c_i ≥ k} n_i / N`;
//! - censored headcount ratio of indicator `j`: `h_j = Σ_{c_i ≥ k, i deprived in j} n_i / N`;
//! - adjusted headcount ratio `M0 = Σ_j w_j h_j` (equal to `Σ_{c_i ≥ k} n_i c_i / N`);
//! - intensity `A = M0 / H`; contribution of `j`: `100 · w_j h_j / M0`;
//! - FGT_α `= Σ_{y_i < z_i} n_i ((z_i − y_i) / z_i)^α / N` for α = 0, 1, 2.
//!
//! Alkire & Foster (2011), J. Public Economics 95(7–8); Foster, Greer &
//! Thorbecke (1984), Econometrica 52(3).

mod accumulate;
mod figures;
mod groups;
mod human;
mod merge;
mod poverty;
mod providers;
#[cfg(test)]
mod testing;
mod weight;
pub(crate) mod wire;

pub(crate) use accumulate::{BatchAcc, BudgetStanding, NO_GROUP};
pub use groups::{DEFAULT_MAX_GROUPS, FileColumns, GroupBy, TooManyGroups, UnknownGroupColumn};
pub(crate) use groups::{GroupKeySource, sortable};
pub use merge::Summary;
pub use wire::Report;

use crate::policy::{DEPRIVATION_STATUSES, InputType, Period, Policy};

/// Counters of one program: granted, deferred, capped, monthly cost,
/// one-off cost, deferred amount.
const PROGRAM_WIDTH: usize = 6;
/// Counters of one indicator: deprived (households, persons), deprived and
/// multidimensionally poor (households, persons).
const INDICATOR_WIDTH: usize = 4;

/// The input asked for as a household's persons cannot be one. The text
/// names no command-line flag: the command line adds `--persons-column`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PersonsInputError {
    /// The input exists but is not an integer.
    #[error("`{input}` is a {ty} input; persons must be an integer input")]
    NotInteger {
        /// The name as asked for.
        name: String,
        /// The input's name as the policy spells it.
        input: String,
        /// The input's type keyword.
        ty: &'static str,
    },
    /// The policy has no input of that name.
    #[error("the policy has no input named `{name}` (integer inputs: {integer_inputs})")]
    Unknown {
        /// The name as asked for.
        name: String,
        /// The policy's integer inputs, comma-separated.
        integer_inputs: String,
    },
}

/// The policy input counted as a household's persons: `name`, or `members`
/// when the policy has an integer input of that name. It must be an integer.
pub fn persons_input(
    policy: &Policy,
    name: Option<&str>,
) -> Result<Option<usize>, PersonsInputError> {
    let find = |n: &str| {
        policy
            .inputs
            .iter()
            .position(|i| i.name.eq_ignore_ascii_case(n.trim()))
    };
    match name {
        Some(n) => match find(n) {
            Some(i) if policy.inputs[i].ty == InputType::Integer => Ok(Some(i)),
            Some(i) => Err(PersonsInputError::NotInteger {
                name: n.to_string(),
                input: policy.inputs[i].name.clone(),
                ty: policy.inputs[i].ty.keyword(),
            }),
            None => Err(PersonsInputError::Unknown {
                name: n.to_string(),
                integer_inputs: policy
                    .inputs
                    .iter()
                    .filter(|i| i.ty == InputType::Integer)
                    .map(|i| i.name.as_str())
                    .collect::<Vec<_>>()
                    .join(", "),
            }),
        },
        None => Ok(find("members").filter(|&i| policy.inputs[i].ty == InputType::Integer)),
    }
}

/// Where each figure lives in a group's counters (`u128`s, `width` a group).
///
/// Households and persons come in pairs (`i`, `i + 1`): counters 0 and 1
/// are the group's decided households and persons, then a pair per track,
/// per income status value and per deprivation status.
#[derive(Debug, Clone, Copy, Default)]
struct CounterLayout {
    track: usize,
    income: usize,
    dep: usize,
    /// [`PROGRAM_WIDTH`] counters per program.
    program: usize,
    /// Monthly total, one-off total, households capped.
    totals: usize,
    /// [`INDICATOR_WIDTH`] counters per deprivation indicator.
    indicator: usize,
    /// Income poverty: with a line (pair), poor (pair), Σ n·gap (pair),
    /// Σ n·gap² (pair).
    fgt: usize,
    /// Budget: eligible (pair, monthly, one-off), funded (the same).
    budget: usize,
    /// Rejected rows, one counter per reject reason.
    rejects: usize,
    width: usize,
}

/// What to summarise, for one policy.
#[derive(Debug, Clone)]
pub struct SummarySpec {
    persons: Option<usize>,
    /// With `--weight`: the column and scale; every figure is then weighted.
    weight: Option<weight::WeightInfo>,
    by: Option<GroupBy>,
    weighted: bool,
    periods: Vec<Period>,
    income_values: usize,
    indicators: usize,
    /// `u64` words of indicator bits per household.
    words: usize,
    /// Reject reason codes, in the order the pipeline numbers them.
    reject_reasons: Vec<&'static str>,
    layout: CounterLayout,
}

impl SummarySpec {
    /// `persons`: the input counted as persons (see [`persons_input`]);
    /// `by`: the grouping (`--by`); `weighted`: poverty measures weighted by
    /// persons (households otherwise); `reject_reasons`: the reject codes,
    /// in the order of the reason index the pipeline counts rejects by
    /// (`RejectCode::ALL`).
    pub fn new(
        policy: &Policy,
        persons: Option<usize>,
        by: Option<GroupBy>,
        weighted: bool,
        reject_reasons: &[&'static str],
    ) -> SummarySpec {
        let income_values = policy
            .fields
            .income_status
            .map_or(0, |(_, e)| policy.enums[usize::from(e)].values.len());
        let statuses = if policy.deprivation.is_some() {
            DEPRIVATION_STATUSES.len()
        } else {
            0
        };
        let indicators = policy
            .deprivation
            .as_ref()
            .map_or(0, |d| d.indicators.len());
        let mut at = CounterLayout {
            track: 2,
            ..CounterLayout::default()
        };
        at.income = at.track + 2 * policy.tracks.len();
        at.dep = at.income + 2 * income_values;
        at.program = at.dep + 2 * statuses;
        at.totals = at.program + PROGRAM_WIDTH * policy.programs.len();
        at.indicator = at.totals + 3;
        at.fgt = at.indicator + INDICATOR_WIDTH * indicators;
        at.budget = at.fgt + 8;
        at.rejects = at.budget + 8;
        at.width = at.rejects + reject_reasons.len();
        SummarySpec {
            persons,
            weight: None,
            by,
            weighted,
            periods: policy.programs.iter().map(|p| p.period).collect(),
            income_values,
            indicators,
            words: indicators.div_ceil(64),
            reject_reasons: reject_reasons.to_vec(),
            layout: at,
        }
    }

    /// The same spec with survey weights read from `column` and multiplied by
    /// `scale`: every figure becomes a population estimate.
    pub fn with_weight(self, column: &str, scale: crate::input::Scale) -> SummarySpec {
        let scale = match scale.as_whole() {
            Some(n) => weight::ScaleNumber::Whole(n),
            None => weight::ScaleNumber::Fraction(scale.as_f64()),
        };
        SummarySpec {
            weight: Some(weight::WeightInfo {
                column: column.to_string(),
                scale,
            }),
            ..self
        }
    }

    /// Whether every figure is weighted (`--weight`).
    pub fn is_weighted(&self) -> bool {
        self.weight.is_some()
    }

    /// The input slot counted as a household's persons, if any.
    pub(crate) fn persons_slot(&self) -> Option<usize> {
        self.persons
    }

    /// The `--by` grouping, if any.
    pub fn by(&self) -> Option<&GroupBy> {
        self.by.as_ref()
    }
}

/// What the summary says about the run besides the decided households.
#[derive(Debug, Clone, Default)]
pub struct RunContext {
    pub input_file: String,
    pub input_bytes: u64,
    pub read: u64,
    pub decided: u64,
    pub rejected: u64,
    /// Every reject code with its count.
    pub rejects_by_reason: Vec<(&'static str, u64)>,
    pub budget: Option<BudgetContext>,
}

/// The outcome of `--budget` ranking.
#[derive(Debug, Clone, Copy, Default)]
pub struct BudgetContext {
    pub amount: u64,
    pub last_funded_priority: Option<f64>,
    pub first_waiting_priority: Option<f64>,
}

#[cfg(test)]
mod tests {
    use super::*;

    // Library errors serve every front end: none names a command-line flag
    // (the command line adds `--by`, `--max-groups`, `--persons-column`).
    #[test]
    fn no_summary_error_names_a_command_line_flag() {
        let policy = Policy::default_policy(&Default::default()).unwrap();
        let integer = policy
            .inputs
            .iter()
            .find(|i| i.ty == InputType::Integer)
            .unwrap();
        let other = policy
            .inputs
            .iter()
            .find(|i| i.ty != InputType::Integer)
            .unwrap();
        assert_eq!(
            persons_input(&policy, Some(&integer.name.to_uppercase())),
            Ok(Some(
                policy
                    .inputs
                    .iter()
                    .position(|i| i.name == integer.name)
                    .unwrap()
            ))
        );
        let header = ["id".to_string(), "village".to_string()];
        let input_columns = vec![None; policy.inputs.len()];
        let unused = ["village".to_string()];
        let columns = FileColumns {
            header: &header,
            input_columns: &input_columns,
            unused: &unused,
        };
        let errors: Vec<String> = vec![
            persons_input(&policy, Some(&other.name))
                .unwrap_err()
                .to_string(),
            persons_input(&policy, Some("nobody"))
                .unwrap_err()
                .to_string(),
            GroupBy::resolve(&policy, columns, "vilage")
                .unwrap_err()
                .to_string(),
            GroupBy::resolve(&policy, columns, "zzzzzzzz")
                .unwrap_err()
                .to_string(),
            TooManyGroups {
                column: "village".into(),
                limit: 3,
            }
            .to_string(),
        ];
        assert!(errors[0].contains("persons must be an integer input"));
        assert!(errors[1].contains("no input named `nobody`"));
        assert!(errors[2].contains("did you mean `village`?"));
        assert!(errors[4].contains("more than 3 distinct values of `village`"));
        for text in &errors {
            assert!(!text.contains("--"), "{text}");
        }
    }
}
