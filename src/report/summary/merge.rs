//! The run's [`Summary`]: every batch's counters merged by group key, in
//! the order batches arrive (sums, so the order does not matter), and the
//! `--max-groups` check.

use std::collections::HashMap;

use super::accumulate::BatchAcc;
use super::weight::Wide;
use super::{SummarySpec, TooManyGroups};

/// The figures of a whole run, by group.
#[derive(Debug, Clone, Default)]
pub struct Summary {
    index: HashMap<Vec<u8>, usize>,
    pub(super) keys: Vec<Vec<u8>>,
    pub(super) counters: Vec<u128>,
    /// With survey weights: the weighted sums, in the layout of `counters`.
    pub(super) weighted: Vec<Wide>,
    /// Rejected rows in no group, per reason.
    pub(super) ungrouped_rejects: Vec<u64>,
    /// More distinct `--by` values than `--max-groups` were met.
    overflowed: bool,
}

impl Summary {
    /// Add a batch's figures.
    pub(crate) fn merge(&mut self, spec: &SummarySpec, batch: &BatchAcc) {
        let w = spec.layout.width;
        let limit = spec.by.as_ref().map_or(usize::MAX, |b| b.max_groups);
        self.overflowed |= batch.overflow.is_some();
        self.ungrouped_rejects.resize(spec.reject_reasons.len(), 0);
        for (d, s) in self
            .ungrouped_rejects
            .iter_mut()
            .zip(&batch.ungrouped_rejects)
        {
            *d += s;
        }
        for (g, key) in batch.keys.iter().enumerate() {
            if batch.overflow == Some(g as u32) {
                continue;
            }
            let at = match self.index.get(key.as_slice()) {
                Some(&i) => i,
                None if self.keys.len() >= limit => {
                    // Counted no further: the run ends with an error.
                    self.overflowed = true;
                    continue;
                }
                None => {
                    let i = self.keys.len();
                    self.index.insert(key.clone(), i);
                    self.keys.push(key.clone());
                    self.counters.resize(self.counters.len() + w, 0);
                    if spec.weight.is_some() {
                        self.weighted.resize(self.counters.len(), Wide::ZERO);
                    }
                    i
                }
            };
            let dst = &mut self.counters[at * w..(at + 1) * w];
            for (d, s) in dst.iter_mut().zip(&batch.counters[g * w..(g + 1) * w]) {
                *d = d.wrapping_add(*s);
            }
            if let (Some(dst), Some(src)) = (
                self.weighted.get_mut(at * w..(at + 1) * w),
                batch.weighted.get(g * w..(g + 1) * w),
            ) {
                for (d, s) in dst.iter_mut().zip(src) {
                    *d = d.wrapping_add(*s);
                }
            }
        }
    }

    /// An error when `--by` met more distinct values than `--max-groups`.
    pub fn check_groups(&self, spec: &SummarySpec) -> Result<(), TooManyGroups> {
        match &spec.by {
            Some(by) if self.overflowed => Err(TooManyGroups {
                column: by.name.clone(),
                limit: by.max_groups,
            }),
            _ => Ok(()),
        }
    }

    /// The counters of every group added together.
    pub(super) fn total(&self, spec: &SummarySpec) -> Vec<u128> {
        let w = spec.layout.width;
        let mut t = vec![0u128; w];
        for group in self.counters.chunks(w) {
            for (d, s) in t.iter_mut().zip(group) {
                *d = d.wrapping_add(*s);
            }
        }
        t
    }

    /// The weighted sums of every group added together (empty without weights).
    pub(super) fn weighted_total(&self, spec: &SummarySpec) -> Vec<Wide> {
        let w = spec.layout.width;
        let mut t = vec![Wide::ZERO; if spec.weight.is_some() { w } else { 0 }];
        for group in self.weighted.chunks(w) {
            for (d, s) in t.iter_mut().zip(group) {
                *d = d.wrapping_add(*s);
            }
        }
        t
    }
}

#[cfg(test)]
mod tests {
    use super::super::GroupBy;
    use super::super::accumulate::{BudgetStanding, NO_GROUP};
    use super::super::testing::household;
    use super::*;
    use crate::policy::Policy;

    #[test]
    fn groups_past_the_limit_cost_no_memory_and_end_in_an_error() {
        let policy = Policy::default_policy(&Default::default()).unwrap();
        let by = GroupBy::on_column("village", 0).with_max_groups(Some(3));
        let spec = SummarySpec::new(&policy, None, Some(by), true, &[]);
        let row = household(&policy, 1.0, &[], 100.0);
        let mut total = Summary::default();
        // Three batches of 1,000 distinct values each.
        let mut acc = BatchAcc::default();
        for batch in 0..3 {
            acc.clear();
            for i in 0..1000 {
                let g = acc.group(&spec, format!("v{batch}-{i}").as_bytes());
                acc.add(&spec, &policy, &row, g, BudgetStanding::default());
            }
            // Three groups and the one that holds every value past them.
            assert_eq!(acc.keys.len(), 4);
            assert_eq!(acc.counters.len(), 4 * spec.layout.width);
            total.merge(&spec, &acc);
            assert_eq!(total.keys.len(), 3);
        }
        assert_eq!(
            total.check_groups(&spec),
            Err(TooManyGroups {
                column: "village".into(),
                limit: 3
            })
        );
        let message = total.check_groups(&spec).unwrap_err().to_string();
        assert!(
            message.starts_with(
                "village: more than 3 distinct values of `village`, and a summary makes at most 3 groups"
            ),
            "{message}"
        );
        assert!(!message.contains("--"), "{message}");

        // Within the limit, across batches: no error.
        let mut total = Summary::default();
        for batch in 0..3 {
            acc.clear();
            let g = acc.group(&spec, format!("v{batch}").as_bytes());
            acc.add(&spec, &policy, &row, g, BudgetStanding::default());
            total.merge(&spec, &acc);
        }
        assert_eq!(total.check_groups(&spec), Ok(()));
    }

    #[test]
    fn rejects_are_counted_in_their_group_or_in_none() {
        let policy = Policy::default_policy(&Default::default()).unwrap();
        let by = GroupBy::on_column("village", 0);
        let spec = SummarySpec::new(&policy, None, Some(by), true, &["a", "b"]);
        let row = household(&policy, 1.0, &[], 100.0);
        let mut acc = BatchAcc::default();
        let north = acc.group(&spec, b"north");
        let fact = acc.add(&spec, &policy, &row, north, BudgetStanding::default());
        // The decided row becomes a duplicate (reason 1) of its own group.
        acc.remove(&spec, fact);
        acc.count_reject(&spec, north, 1);
        let south = acc.group(&spec, b"south");
        acc.count_reject(&spec, south, 0);
        acc.count_reject(&spec, NO_GROUP, 0);
        acc.count_reject(&spec, NO_GROUP, 0);
        // An unknown reason or group is ignored, not a panic.
        acc.count_reject(&spec, south, 2);
        acc.count_reject(&spec, 99, 0);
        let mut total = Summary::default();
        total.merge(&spec, &acc);
        total.merge(&spec, &acc);
        let w = spec.layout.width;
        let rejects = |g: usize| &total.counters[g * w + spec.layout.rejects..(g + 1) * w];
        assert_eq!(total.keys, [b"north".to_vec(), b"south".to_vec()]);
        assert_eq!(rejects(0), [0, 2]);
        assert_eq!(rejects(1), [2, 0]);
        assert_eq!(total.counters[0], 0, "the duplicate is no household");
        assert_eq!(total.ungrouped_rejects, [4, 0]);
    }
}
