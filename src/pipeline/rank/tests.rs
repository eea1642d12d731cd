use super::*;
use proptest::prelude::*;

/// The rule written plainly: for each k, the smallest welfare value w of
/// the population with G × weight(≤ w) ≥ k × W; a household's decile is
/// the smallest k with welfare ≤ c_k, else G.
fn naive(pop: &[(f64, u64)], groups: u32) -> (Vec<f64>, Vec<u32>) {
    let total: u128 = pop.iter().map(|p| u128::from(p.1)).sum();
    let mut values: Vec<f64> = pop.iter().map(|p| p.0).collect();
    values.sort_by(f64::total_cmp);
    let mut cuts = Vec::new();
    for k in 1..groups {
        let c = values.iter().copied().find(|&w| {
            let at_or_below: u128 = pop
                .iter()
                .filter(|p| p.0.total_cmp(&w).is_le())
                .map(|p| u128::from(p.1))
                .sum();
            u128::from(groups) * at_or_below >= u128::from(k) * total
        });
        cuts.push(c.unwrap_or(f64::INFINITY));
    }
    let deciles = pop
        .iter()
        .map(|p| {
            (1..groups)
                .find(|&k| p.0.total_cmp(&cuts[k as usize - 1]).is_le())
                .unwrap_or(groups)
        })
        .collect();
    (cuts, deciles)
}

fn ranked(pop: &[(f64, u64)], groups: u32, limit: usize) -> (Deciles, usize) {
    let mut c = Collector::new(limit);
    for &(w, n) in pop {
        c.push(b"", w, n).unwrap();
    }
    let runs = c.spilled_runs();
    (c.finish(groups, None).unwrap(), runs)
}

#[test]
fn ties_share_a_decile_and_a_heavy_household_empties_deciles() {
    // Ten persons: welfare 1 (1 person), 2 (4 persons: 40% alone, so
    // deciles 3-5 are empty), 3, 3 (a tie across the 60% and 70% cuts),
    // 4 (2 persons), 5 (1 person: the last decile).
    let pop = [(1.0, 1), (2.0, 4), (3.0, 1), (3.0, 1), (4.0, 2), (5.0, 1)];
    let (d, _) = ranked(&pop, 10, 100);
    assert_eq!(d.cuts_of(0), [1.0, 2.0, 2.0, 2.0, 2.0, 3.0, 3.0, 4.0, 4.0]);
    let deciles: Vec<u32> = pop.iter().map(|p| d.decile(0, p.0)).collect();
    assert_eq!(deciles, [1, 2, 6, 6, 8, 10]);
    assert_eq!(d.stats[0].per_decile[1], (1, 4));
    assert_eq!(d.stats[0].per_decile[2], (0, 0));
    assert_eq!(d.stats[0].households, 6);
    assert_eq!(d.stats[0].weight, 10);
    assert_eq!((d.decile(0, 0.5), d.decile(0, 9.0)), (1, 10));
    assert_eq!(d.decile(1, 1.0), 0);
}

#[test]
fn total_order_keys_sort_like_total_cmp() {
    let mut v = [3.5, -0.0, 0.0, -7.25, f64::MIN, f64::MAX, 1e-300, -1e-300];
    let mut by_key = v;
    v.sort_by(f64::total_cmp);
    by_key.sort_by_key(|w| order_key(*w));
    assert_eq!(v.map(f64::to_bits), by_key.map(f64::to_bits));
}

#[test]
fn groups_rank_apart() {
    let mut c = Collector::new(1000);
    for i in 0..10 {
        c.push(b"a", f64::from(i), 1).unwrap();
        c.push(b"b", f64::from(i) * 10.0, 1).unwrap();
    }
    let d = c.finish(2, Some(0)).unwrap();
    assert_eq!(d.cuts_of(d.group_of(b"a")), [4.0]);
    assert_eq!(d.cuts_of(d.group_of(b"b")), [40.0]);
    assert_eq!(d.group_of(b"c"), usize::MAX);
}

proptest! {
    #[test]
    fn the_rule_holds_in_memory_and_spilled(
        pop in prop::collection::vec((0i32..40, 0u64..6), 0..120),
        groups in 2u32..12,
        limit in 1usize..50,
    ) {
        // Few distinct values: many ties; zero weights too.
        let pop: Vec<(f64, u64)> = pop.into_iter().map(|(w, n)| (f64::from(w) / 4.0, n)).collect();
        let (want_cuts, want) = naive(&pop, groups);
        for limit in [usize::MAX, limit] {
            let (d, _) = ranked(&pop, groups, limit);
            if !pop.is_empty() {
                prop_assert_eq!(d.cuts_of(0), &want_cuts[..]);
                let got: Vec<u32> = pop.iter().map(|p| d.decile(0, p.0)).collect();
                prop_assert_eq!(&got, &want);
                let per: u64 = d.stats[0].per_decile.iter().map(|x| x.0).sum();
                prop_assert_eq!(per, pop.len() as u64);
                for (k, (h, _)) in d.stats[0].per_decile.iter().enumerate() {
                    let n = want.iter().filter(|&&x| x as usize == k + 1).count() as u64;
                    prop_assert_eq!(*h, n);
                }
            }
        }
    }
}

#[test]
fn spilling_writes_runs_and_finds_the_same_cuts() {
    let pop: Vec<(f64, u64)> = (0..1000)
        .map(|i| (f64::from((i * 37) % 101), 1 + (i % 3) as u64))
        .collect();
    let (a, runs_a) = ranked(&pop, 10, usize::MAX);
    let (b, runs_b) = ranked(&pop, 10, 64);
    assert_eq!(runs_a, 0);
    assert!(runs_b > 10, "{runs_b}");
    assert_eq!(a.cuts, b.cuts);
    assert_eq!(a.stats, b.stats);
}

/// Welfare values of every kind: ties, signed zeros, both signs, tiny and
/// huge magnitudes (keys far apart and keys one apart).
fn welfare_value() -> impl Strategy<Value = f64> {
    prop_oneof![
        (0i32..40).prop_map(|w| f64::from(w) / 4.0),
        prop::sample::select(vec![0.0, -0.0, 1e-310, -1e-310, f64::MAX, f64::MIN]),
        any::<f64>().prop_filter("finite", |w| w.is_finite()),
        (0u64..8).prop_map(|u| f64::from_bits(0x4000_0000_0000_0000 + u)),
    ]
}

proptest! {
    // The selection splits buckets and copies them out in every way the
    // small settings force (one bit at a time, one entry copied out at a
    // time …): its cut-points and figures are the rule's.
    #[test]
    fn selection_in_memory_follows_the_rule(
        pop in prop::collection::vec((welfare_value(), 0u64..6), 0..150),
        groups in 2u32..12,
        digit_bits in 1u32..14,
        root_more in 0u32..3,
        gather in 1usize..40,
        blocks in 1usize..5,
    ) {
        let (want_cuts, want) = naive(&pop, groups);
        let mut split: Vec<Vec<Entry>> = vec![Vec::new(); blocks];
        for (i, &(welfare, weight)) in pop.iter().enumerate() {
            split[i % blocks].push(Entry { welfare, weight });
        }
        let total: u128 = pop.iter().map(|p| u128::from(p.1)).sum();
        let select = select::Select {
            root_bits: digit_bits + root_more,
            digit_bits,
            gather,
        };
        let range = select::key_range(&split);
        let (cuts, stats) = select::cut_in_memory(&split, groups, (total, range), select);
        let bits = |v: &[f64]| v.iter().map(|w| w.to_bits()).collect::<Vec<_>>();
        prop_assert_eq!(bits(&cuts), bits(&want_cuts));
        prop_assert_eq!(stats.households, pop.len() as u64);
        prop_assert_eq!(stats.weight, total);
        for (k, &(h, w)) in stats.per_decile.iter().enumerate() {
            let mine = pop.iter().zip(&want).filter(|(_, d)| **d as usize == k + 1);
            prop_assert_eq!(h, mine.clone().count() as u64);
            prop_assert_eq!(w, mine.map(|(p, _)| u128::from(p.1)).sum::<u128>());
        }
        // The merge of sorted runs (the spilled path) agrees.
        let merged = Merged::new(memory_sources(split)).unwrap();
        let (merge_cuts, merge_stats) = cut(merged, groups, total).unwrap();
        prop_assert_eq!(bits(&merge_cuts), bits(&cuts));
        prop_assert_eq!(merge_stats, stats);
    }
}

#[test]
fn selection_finds_the_cuts_of_a_large_population_with_heavy_ties() {
    // 200,000 households: a third at welfare 0 (one bucket too large to
    // copy out, split down to its single key), the rest spread out.
    let pop: Vec<(f64, u64)> = (0..200_000u64)
        .map(|i| {
            let w = if i % 3 == 0 {
                0.0
            } else {
                ((i * 7919) % 100_003) as f64 * 1.5
            };
            (w, 1 + i % 7)
        })
        .collect();
    let (limited, runs) = ranked(&pop, 10, 50_000);
    assert!(runs > 0);
    let (memory, _) = ranked(&pop, 10, usize::MAX);
    assert_eq!(memory.cuts, limited.cuts);
    assert_eq!(memory.stats, limited.stats);
    let small = select::Select {
        root_bits: 5,
        digit_bits: 3,
        gather: 1000,
    };
    let blocks = vec![
        pop.iter()
            .map(|&(welfare, weight)| Entry { welfare, weight })
            .collect(),
    ];
    let total = pop.iter().map(|p| u128::from(p.1)).sum();
    let range = select::key_range(&blocks);
    let (cuts, stats) = select::cut_in_memory(&blocks, 100, (total, range), small);
    let (percentiles, _) = ranked(&pop, 100, 50_000);
    assert_eq!(cuts, percentiles.cuts);
    assert_eq!(stats, percentiles.stats[0]);
}

mod passes {
    use std::io;
    use std::sync::Arc;

    use crate::input::{self, Layout, Reject};
    use crate::pipeline::{self, Options, PipelineError};
    use crate::policy::{LoadOptions, Policy};
    use crate::report::Format;

    const SAMPLE: &str = include_str!("../../../data/sample-households.csv");

    fn policy() -> Policy {
        let text = format!(
            "{}\n[ranking]\nwelfare = 'per_capita_income'\n",
            include_str!("../../../data/policies/default.toml")
        );
        Policy::load("ranked.toml", &text, &LoadOptions::default()).unwrap()
    }

    fn source(text: &str) -> input::Source {
        let reader = Box::new(io::Cursor::new(text.as_bytes().to_vec()));
        input::from_reader("test".into(), reader, &input::ReadOptions::default()).unwrap()
    }

    /// The sample, then its rows again: every repeated id (of a decided or
    /// a rejected row) is a duplicate, across many small batches.
    fn with_repeats() -> String {
        let mut text = SAMPLE.to_string();
        for (i, row) in SAMPLE.lines().skip(1).enumerate() {
            if i % 3 != 1 {
                text.push_str(row);
                text.push('\n');
            }
        }
        text
    }

    fn write(
        policy: &Policy,
        text: &str,
        options: &Options,
    ) -> Result<(Vec<u8>, Vec<Reject>), PipelineError> {
        let src = source(text);
        let layout = Layout::new(policy, &src, &input::ReadOptions::default()).unwrap();
        let (mut out, mut rejects) = (Vec::new(), Vec::new());
        pipeline::assess(
            policy,
            &layout,
            src,
            Format::Csv,
            &mut out,
            &mut rejects,
            options,
        )?;
        Ok((out, rejects))
    }

    fn ranked(policy: &Policy, text: &str, options: &Options) -> Options {
        let src = source(text);
        let layout = Layout::new(policy, &src, &input::ReadOptions::default()).unwrap();
        let (_, deciles) = pipeline::rank_welfare(policy, &layout, src, options, None).unwrap();
        Options {
            deciles: Some(Arc::new(deciles)),
            ..options.clone()
        }
    }

    // The writing pass takes each row's duplicate from the first pass
    // instead of claiming its id again: the same rejects as claiming.
    #[test]
    fn the_writing_pass_reports_the_duplicates_the_first_pass_found() {
        let policy = policy();
        let text = with_repeats();
        for threads in [1, 3] {
            let options = Options {
                threads,
                chunk_bytes: 300,
                ..Options::default()
            };
            let (_, claimed) = write(&policy, &text, &options).unwrap();
            let dups = claimed
                .iter()
                .filter(|r| r.code == input::RejectCode::DuplicateId)
                .count();
            assert!(dups > 30, "{dups}");
            let later = ranked(&policy, &text, &options);
            let (_, replayed) = write(&policy, &text, &later).unwrap();
            assert_eq!(replayed, claimed);
        }
    }

    #[test]
    fn a_writing_pass_over_other_ids_stops() {
        let policy = policy();
        let text = with_repeats();
        let options = Options {
            threads: 1,
            ..Options::default()
        };
        let later = ranked(&policy, &text, &options);
        // As many rows, one id changed.
        let changed = text.replacen("H002,", "H902,", 1);
        assert_ne!(changed, text);
        match write(&policy, &changed, &later) {
            Err(PipelineError::IdsChanged) => {}
            other => panic!("expected IdsChanged, got {:?}", other.map(|_| ())),
        }
        assert!(write(&policy, &text, &later).is_ok());
    }
}
