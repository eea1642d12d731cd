//! Property: random households expanded into persons decide exactly as the
//! aggregated household file, in both layouts, grouped or scattered, for
//! any chunk size and thread count (issue 18).

use proptest::prelude::*;

use super::persons::person_counts;
use super::persons_gen::*;
use super::util::Dir;

/// A person order: grouped, with `splits` households split in two, or fully shuffled.
fn order(hs: &[Household], how: u8, seed: u64) -> Order {
    let mut o = grouped_order(hs);
    match how % 3 {
        0 => o,
        1 => {
            // Move each of a few households' last person to the end of the file.
            let mut rng = super::persons_gen::Rng::new(seed);
            let mut moved = Vec::new();
            for _ in 0..(1 + hs.len() / 10) {
                let i = rng.below(hs.len() as u64) as usize;
                if hs[i].persons.len() > 1 {
                    let last = hs[i].persons.len() - 1;
                    if let Some(k) = o.iter().position(|&p| p == (i, last)) {
                        moved.push(o.remove(k));
                    }
                }
            }
            o.extend(moved);
            o
        }
        _ => shuffled_order(hs, seed),
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, .. ProptestConfig::default() })]

    #[test]
    fn persons_decide_as_the_aggregated_file(
        seed in any::<u64>(),
        n in 1usize..60,
        how in any::<u8>(),
        chunk in prop_oneof![Just(64u32), Just(300), Just(5000), Just(262_144)],
        threads in 1u8..3,
    ) {
        let dir = Dir::new();
        let hs = households(seed, n);
        let o = order(&hs, how, seed ^ 1);
        dir.write("households.csv", household_csv(&hs));
        dir.write("persons.csv", person_csv(&hs, &o));
        dir.write("rect.csv", rectangular_csv(&hs, &o));
        dir.write("agg.csv", aggregated_csv(&hs));
        dir.write("agg-first.csv", aggregated_in_order(&hs, &o));
        let (chunk, threads) = (chunk.to_string(), threads.to_string());
        let common = ["-j", threads.as_str(), "--chunk-bytes", chunk.as_str(), "-f", "ndjson"];
        let run = |args: &[&str]| {
            let mut all: Vec<&str> = args.to_vec();
            all.extend_from_slice(&common);
            dir.run(&all)
        };
        let want = run(&["assess", "agg.csv"]);
        let got = run(&["assess", "households.csv", "--persons", "persons.csv"]);
        got.no_panic();
        prop_assert_eq!(&got.stdout, &want.stdout);
        let c = person_counts(&got);
        let persons: usize = hs.iter().map(|h| h.persons.len()).sum();
        prop_assert_eq!((c.persons, c.households), (persons as u64, n as u64));
        let want = run(&["assess", "agg-first.csv"]);
        let got = run(&["assess", "rect.csv", "--rectangular"]);
        got.no_panic();
        prop_assert_eq!(&got.stdout, &want.stdout);
    }
}
