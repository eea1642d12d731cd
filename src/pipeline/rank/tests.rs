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
