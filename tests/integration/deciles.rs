//! `[ranking]`: households ranked by welfare into deciles (issue 17). The
//! deciles the binary writes are checked against the rule, implemented here
//! again independently: persons- and survey-weighted populations, a
//! population of households, nationally and within regions.

use std::collections::{HashMap, HashSet};

use crate::util::{Dir, Table, repo};

const POLICY: &str = "examples/policies/desil-income.toml";

/// A household of the generated file, as the test reads it.
struct Household {
    id: String,
    region: String,
    members: u64,
    income: u64,
    weight: u64,
}

/// 5,000 households with many ties in per-capita income, one household far
/// heavier than a decile (survey weight), and a few rows that are rejected
/// (a bad member count, a negative income, a repeated id).
fn generate() -> (String, Vec<Household>) {
    let mut state: u64 = 0x2545_f491_4f6c_dd1d;
    let mut next = move |n: u64| {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state % n
    };
    let mut csv = String::from("household_id,region,members,monthly_income,wt\n");
    let mut valid = Vec::new();
    for i in 0..5_000u64 {
        let id = format!("H{i:05}");
        let region = format!("R{}", next(5));
        let members = 1 + next(8);
        // Multiples of 150,000: per-capita incomes tie often, across sizes too.
        let income = 150_000 * next(40);
        let weight = if i == 777 { 2_000_000 } else { 1 + next(300) };
        match i % 997 {
            10 => csv.push_str(&format!("{id},{region},x,{income},{weight}\n")),
            20 => csv.push_str(&format!("{id},{region},{members},-5,{weight}\n")),
            _ => {
                csv.push_str(&format!("{id},{region},{members},{income},{weight}\n"));
                valid.push(Household {
                    id,
                    region,
                    members,
                    income,
                    weight,
                });
            }
        }
    }
    // A repeated id: the second row is a duplicate_id reject.
    csv.push_str("H00001,R0,1,0,1\n");
    (csv, valid)
}

/// The rule: within each group, c_k is the smallest welfare w of the
/// population with G x weight(welfare <= w) >= k x W; a household's decile is
/// the smallest k with welfare <= c_k, else G.
fn reference(
    population: &[(&str, &str, f64, u128)],
    groups: u32,
    within: bool,
) -> HashMap<String, u32> {
    let mut by_group: HashMap<&str, Vec<(f64, u128, &str)>> = HashMap::new();
    for &(id, region, welfare, weight) in population {
        let key = if within { region } else { "" };
        by_group.entry(key).or_default().push((welfare, weight, id));
    }
    let mut out = HashMap::new();
    for members in by_group.values() {
        let total: u128 = members.iter().map(|m| m.1).sum();
        let mut values: Vec<f64> = members.iter().map(|m| m.0).collect();
        values.sort_by(f64::total_cmp);
        values.dedup();
        let at_or_below = |w: f64| -> u128 {
            members
                .iter()
                .filter(|m| m.0.total_cmp(&w).is_le())
                .map(|m| m.1)
                .sum()
        };
        let cum: Vec<u128> = values.iter().map(|&w| at_or_below(w)).collect();
        let cuts: Vec<f64> = (1..groups)
            .map(|k| {
                let i = cum
                    .iter()
                    .position(|&c| u128::from(groups) * c >= u128::from(k) * total)
                    .expect("the largest value reaches every share");
                values[i]
            })
            .collect();
        for &(welfare, _, id) in members {
            let k = (1..groups)
                .find(|&k| welfare.total_cmp(&cuts[k as usize - 1]).is_le())
                .unwrap_or(groups);
            out.insert(id.to_string(), k);
        }
    }
    out
}

fn deciles_written(t: &Table) -> HashMap<String, u32> {
    assert_eq!(t.header.last().map(String::as_str), Some("decile"));
    t.rows
        .iter()
        .map(|r| (r["household_id"].clone(), r["decile"].parse().unwrap()))
        .collect()
}

fn check(
    dir: &Dir,
    policy: &str,
    extra: &[&str],
    valid: &[Household],
    weight: Weight,
    within: bool,
) {
    let mut args = vec!["assess", "--policy", policy, "in.csv", "-o", "-"];
    args.extend_from_slice(extra);
    let out = dir.run(&args);
    out.no_panic();
    out.assert_counts(5_001, valid.len() as u64, 5_001 - valid.len() as u64);
    let written = deciles_written(&out.csv());
    let population: Vec<(&str, &str, f64, u128)> = valid
        .iter()
        .map(|h| {
            let welfare = h.income as f64 / h.members as f64;
            let w = match weight {
                Weight::Persons => u128::from(h.members),
                Weight::PersonsSurvey => u128::from(h.members) * u128::from(h.weight),
                Weight::Households => 1,
            };
            (h.id.as_str(), h.region.as_str(), welfare, w)
        })
        .collect();
    let want = reference(&population, 10, within);
    assert_eq!(written.len(), want.len());
    let mut wrong = 0;
    for (id, k) in &want {
        if written.get(id) != Some(k) {
            wrong += 1;
            if wrong < 5 {
                eprintln!("{id}: written {:?}, rule {k}", written.get(id));
            }
        }
    }
    assert_eq!(wrong, 0, "{wrong} deciles differ from the rule ({extra:?})");
    // Every decile but those a heavy household or a tie empties is used.
    let used: HashSet<u32> = written.values().copied().collect();
    assert!(used.contains(&1) && used.contains(&10), "{used:?}");
}

#[derive(Clone, Copy)]
enum Weight {
    Persons,
    PersonsSurvey,
    Households,
}

#[test]
fn deciles_follow_the_rule_for_every_population_nationally_and_within_regions() {
    let dir = Dir::new();
    let (csv, valid) = generate();
    dir.write("in.csv", &csv);
    let policy = repo(POLICY);
    let households = ranking_households(&policy);
    assert!(households.contains("population = \"households\""));
    dir.write("households.toml", &households);
    let h = dir.join("households.toml");
    let h = h.to_str().unwrap();
    for within in [false, true] {
        let w: &[&str] = if within {
            &["--rank-within", "region"]
        } else {
            &[]
        };
        check(&dir, &policy, w, &valid, Weight::Persons, within);
        let mut survey = vec!["--weight", "wt"];
        survey.extend_from_slice(w);
        check(
            &dir,
            &policy,
            &survey,
            &valid,
            Weight::PersonsSurvey,
            within,
        );
        check(&dir, h, w, &valid, Weight::Households, within);
    }
}

#[test]
fn a_household_heavier_than_a_decile_leaves_deciles_empty() {
    let dir = Dir::new();
    let (csv, _) = generate();
    dir.write("in.csv", &csv);
    let out = dir.run(&[
        "assess",
        "--policy",
        &repo(POLICY),
        "in.csv",
        "-o",
        "-",
        "--weight",
        "wt",
    ]);
    let written = deciles_written(&out.csv());
    // H00777 weighs 2,000,000 x its persons: far above a tenth of the rest.
    let heavy = written["H00777"];
    let mine: HashSet<u32> = written.values().copied().collect();
    let empty: Vec<u32> = (1..=10).filter(|k| !mine.contains(k)).collect();
    assert!(!empty.is_empty(), "no decile is empty");
    assert!(empty.iter().all(|&k| k > heavy), "{heavy} {empty:?}");
}

#[test]
fn the_same_deciles_for_any_thread_count_and_from_standard_input() {
    let dir = Dir::new();
    let (csv, _) = generate();
    dir.write("in.csv", &csv);
    let policy = repo(POLICY);
    let one = dir.run(&[
        "assess",
        "--policy",
        &policy,
        "in.csv",
        "-o",
        "-",
        "--threads",
        "1",
        "--chunk-bytes",
        "4096",
    ]);
    let many = dir.run(&[
        "assess",
        "--policy",
        &policy,
        "in.csv",
        "-o",
        "-",
        "--threads",
        "3",
    ]);
    let piped = dir.run_stdin(
        &["assess", "--policy", &policy, "-", "-o", "-"],
        csv.as_bytes(),
    );
    assert_eq!(one.stdout, many.stdout);
    assert_eq!(one.stdout, piped.stdout);
}

#[test]
fn a_policy_without_a_ranking_writes_no_decile_and_rejects_rank_within() {
    let dir = Dir::new();
    dir.write(
        "in.csv",
        std::fs::read(repo("data/sample-households.csv")).unwrap(),
    );
    let out = dir.run(&["assess", "in.csv", "-o", "-"]);
    assert!(!out.csv().header.iter().any(|h| h == "decile"));
    dir.run(&["assess", "in.csv", "-o", "-", "--rank-within", "region"])
        .assert_code(2)
        .stderr_has("has no [ranking] section");
}

#[test]
fn welfare_is_a_column_and_an_undefined_welfare_is_an_evaluation_reject() {
    let dir = Dir::new();
    let policy = std::fs::read_to_string(repo(POLICY)).unwrap().replace(
        "welfare = 'per_capita_income'",
        "welfare = 'monthly_income / (members - 1)'",
    );
    dir.write("p.toml", &policy);
    dir.write(
        "in.csv",
        "household_id,region,members,monthly_income\nA,1,1,100\nB,1,2,300\nC,1,3,100\n",
    );
    let out = dir.run(&[
        "assess",
        "--policy",
        "p.toml",
        "in.csv",
        "-o",
        "-",
        "--columns",
        "household_id,welfare",
    ]);
    out.stderr_has("[evaluation]").assert_counts(3, 2, 1);
    let t = out.csv();
    assert_eq!(t.header, ["household_id", "welfare", "decile"]);
    assert_eq!(t.row("B")["welfare"], "300");
    assert_eq!(t.row("C")["welfare"], "50");
    // Two households of 2 and 3 persons: C (3 of 5 persons) fills deciles 1-6.
    assert_eq!(t.row("C")["decile"], "1");
    assert_eq!(t.row("B")["decile"], "7");
}

#[test]
fn explain_says_where_the_household_stands() {
    let dir = Dir::new();
    dir.write(
        "in.csv",
        std::fs::read(repo("examples/policies/desil-income-sample.csv")).unwrap(),
    );
    let out = dir.run(&[
        "explain",
        "--policy",
        &repo(POLICY),
        "in.csv",
        "--id",
        "A04",
    ]);
    out.assert_code(0)
        .stdout_has("Because: decile: 2 (needs ≤ 4).");
    let last = out.stdout.lines().last().unwrap_or_default();
    assert_eq!(
        last,
        "desil 2 of 10: per-capita income 250,000; 25.0% of the population is at or below it"
    );
}

#[test]
fn compare_ranks_each_policys_own_population() {
    let dir = Dir::new();
    let (csv, _) = generate();
    dir.write("in.csv", &csv);
    let policy = repo(POLICY);
    let assess = dir.run(&["assess", "--policy", &policy, "in.csv", "-o", "-"]);
    let deciles = deciles_written(&assess.csv());
    // The same ranking, PKH for deciles 1-3: exactly the households of decile 4 lose it.
    let out = dir.run(&[
        "compare",
        "--policy",
        &policy,
        "in.csv",
        "-o",
        "-",
        "--set",
        "pkh_deciles=3",
    ]);
    out.no_panic();
    let changed = ids_written(&out.csv());
    let fourth = in_decile(&deciles, 4);
    assert!(!fourth.is_empty());
    assert_eq!(changed, fourth);
    // A reform that ranks households instead of persons ranks its own
    // population: its deciles are those of `assess` under it.
    let households = ranking_households(&policy);
    dir.write("h.toml", &households);
    let under = deciles_written(
        &dir.run(&["assess", "--policy", "h.toml", "in.csv", "-o", "-"])
            .csv(),
    );
    let out = dir.run(&[
        "compare", "--policy", &policy, "--reform", "h.toml", "in.csv", "-o", "-", "--all",
    ]);
    let t = out.csv();
    assert_eq!(t.rows.len(), deciles.len());
    for r in &t.rows {
        let id = &r["household_id"];
        let pkh = |k: u32| k <= 4;
        assert_eq!(
            r["base_programs"].contains("pkh_like"),
            pkh(deciles[id]),
            "{id}"
        );
        assert_eq!(
            r["reform_programs"].contains("pkh_like"),
            pkh(under[id]),
            "{id}"
        );
    }
    // From standard input too (the input is copied to read it again).
    let piped = dir.run_stdin(
        &[
            "compare",
            "--policy",
            &policy,
            "-",
            "-o",
            "-",
            "--set",
            "pkh_deciles=3",
        ],
        csv.as_bytes(),
    );
    let first = dir.run(&[
        "compare",
        "--policy",
        &policy,
        "in.csv",
        "-o",
        "-",
        "--set",
        "pkh_deciles=3",
    ]);
    assert_eq!(piped.stdout, first.stdout);
}

#[test]
fn the_summary_gives_each_decile_its_cut_point_households_persons_and_programmes() {
    let dir = Dir::new();
    dir.write(
        "in.csv",
        std::fs::read(repo("examples/policies/desil-income-sample.csv")).unwrap(),
    );
    let out = dir.run(&[
        "assess",
        "--policy",
        &repo(POLICY),
        "in.csv",
        "-o",
        "d.csv",
        "--summary",
        "-",
    ]);
    let text = out.stderr.split("deciles (").nth(1).unwrap_or_default();
    assert_eq!(
        format!("deciles ({text}"),
        "deciles (per-capita income):
  1 up to 200,000: 2 households, 6 persons; pkh_like 2 (500,000), food_support 2 (400,000)
  2 up to 250,000: 2 households, 4 persons; pkh_like 2 (500,000), food_support 2 (400,000)
  3 up to 300,000: 1 household, 5 persons; pkh_like 1 (250,000), food_support 1 (200,000)
  4 up to 350,000: 1 household, 9 persons; pkh_like 1 (250,000), food_support 1 (200,000)
  5 up to 350,000: 0 households, 0 persons
  6 up to 350,000: 0 households, 0 persons
  7 up to 450,000: 2 households, 5 persons
  8 up to 500,000: 1 household, 4 persons
  9 up to 700,000: 2 households, 5 persons
  10: 1 household, 2 persons
"
    );
    dir.run(&[
        "assess",
        "--policy",
        &repo(POLICY),
        "in.csv",
        "-o",
        "d.csv",
        "--summary",
        "s.json",
        "-q",
    ]);
    let doc: serde_json::Value = serde_json::from_str(&dir.read("s.json")).unwrap();
    let d = &doc["deciles"]["deciles"];
    assert_eq!(d[1]["cut_point"], 250000.0);
    assert_eq!(d[3]["persons"], 9);
    assert_eq!(d[3]["programs"][0]["id"], "pkh_like");
    assert_eq!(d[3]["programs"][0]["amount"], 250000.0);
    assert_eq!(d[9]["cut_point"], serde_json::Value::Null);
}

#[test]
fn parquet_holds_the_decile_as_an_integer_column() {
    let dir = Dir::new();
    let sample = repo("examples/policies/desil-income-sample.csv");
    let policy = repo(POLICY);
    let schema = crate::output_formats::parquet_like_csv(
        &dir,
        &[
            "assess",
            "--policy",
            &policy,
            &sample,
            "--columns",
            "household_id,welfare,programs",
        ],
    );
    let ty = |name: &str| schema.field_with_name(name).unwrap().data_type().clone();
    assert_eq!(ty("decile"), arrow_schema::DataType::Int64);
    assert_eq!(ty("welfare"), arrow_schema::DataType::Float64);
}

#[test]
fn households_read_from_person_files_are_ranked_by_the_rule() {
    let dir = Dir::new();
    let policy = std::fs::read_to_string(repo("data/policies/default.toml")).unwrap()
        + "\n[ranking]\nwelfare = 'per_capita_income'\n";
    dir.write("p.toml", &policy);
    let out = dir.run(&[
        "assess",
        "--policy",
        "p.toml",
        &repo("data/sample-persons-households.csv"),
        "--persons",
        &repo("data/sample-persons.csv"),
        "-o",
        "-",
        "--columns",
        "household_id,members,monthly_income",
    ]);
    out.no_panic();
    let t = out.csv();
    assert!(t.rows.len() > 30, "{}", t.rows.len());
    let population: Vec<(String, f64, u128)> = t
        .rows
        .iter()
        .map(|r| {
            let members: u64 = r["members"].parse().unwrap();
            let income: f64 = r["monthly_income"].parse().unwrap();
            (
                r["household_id"].clone(),
                income / members as f64,
                u128::from(members),
            )
        })
        .collect();
    let refs: Vec<(&str, &str, f64, u128)> = population
        .iter()
        .map(|(id, w, n)| (id.as_str(), "", *w, *n))
        .collect();
    let want = reference(&refs, 10, false);
    assert_eq!(deciles_written(&t), want);
}

/// The decile in `explain`'s last line (`desil K of 10: …`).
fn explained_decile(out: &crate::util::Output) -> u32 {
    let last = out.stdout.lines().last().unwrap_or_default();
    let rest = last
        .strip_prefix("desil ")
        .unwrap_or_else(|| panic!("no desil line: {}", out.stdout));
    rest.split(' ').next().unwrap().parse().unwrap()
}

#[test]
fn explain_ranks_within_regions_and_with_weights_as_assess_does() {
    let dir = Dir::new();
    let (csv, valid) = generate();
    dir.write("in.csv", &csv);
    let policy = repo(POLICY);
    let flags = ["--rank-within", "region", "--weight", "wt"];
    let mut args = vec!["assess", "--policy", &policy, "in.csv", "-o", "-"];
    args.extend_from_slice(&flags);
    let written = deciles_written(&dir.run(&args).csv());
    // Households spread over deciles and regions, the heavy one included.
    for h in valid
        .iter()
        .step_by(397)
        .chain(valid.iter().find(|h| h.id == "H00777"))
    {
        let mut args = vec!["explain", "--policy", &policy, "in.csv", "--id", &h.id];
        args.extend_from_slice(&flags);
        let out = dir.run(&args);
        out.assert_code(0).stdout_has(&format!(
            "of the population with region {} is at or below it",
            h.region
        ));
        assert_eq!(explained_decile(&out), written[&h.id], "{}", h.id);
    }
    // Nationally, the same household may stand elsewhere: explain follows the flag.
    let national = deciles_written(
        &dir.run(&[
            "assess", "--policy", &policy, "in.csv", "-o", "-", "--weight", "wt",
        ])
        .csv(),
    );
    let moved = valid
        .iter()
        .find(|h| national[&h.id] != written[&h.id])
        .expect("a household whose decile differs within its region");
    let out = dir.run(&[
        "explain", "--policy", &policy, "in.csv", "--id", &moved.id, "--weight", "wt",
    ]);
    out.stdout_has("of the population is at or below it");
    assert_eq!(explained_decile(&out), national[&moved.id]);
    // --rank-within names an input of the policy.
    dir.run(&[
        "explain",
        "--policy",
        &policy,
        "in.csv",
        "--id",
        "H00001",
        "--rank-within",
        "regoin",
    ])
    .assert_code(2)
    .stderr_has("did you mean `region`?");
}

#[test]
fn explain_ranks_households_read_from_person_files() {
    let dir = Dir::new();
    let policy = std::fs::read_to_string(repo("data/policies/default.toml")).unwrap()
        + "\n[ranking]\nwelfare = 'per_capita_income'\n";
    dir.write("p.toml", &policy);
    let households = repo("data/sample-persons-households.csv");
    let persons = repo("data/sample-persons.csv");
    let files = [households.as_str(), "--persons", persons.as_str()];
    let mut args = vec!["assess", "--policy", "p.toml", "-o", "-"];
    args.extend_from_slice(&files);
    let written = deciles_written(&dir.run(&args).csv());
    let mut ids: Vec<&String> = written.keys().collect();
    ids.sort();
    let mut seen = HashSet::new();
    for id in ids.iter().step_by(5) {
        let mut args = vec!["explain", "--policy", "p.toml", "--id", id.as_str()];
        args.extend_from_slice(&files);
        let out = dir.run(&args);
        out.assert_code(0).stdout_has("persons of household");
        assert_eq!(explained_decile(&out), written[*id], "{id}");
        seen.insert(written[*id]);
    }
    assert!(seen.len() >= 3, "{seen:?}");
}

#[test]
fn compare_ranks_within_regions_on_both_sides() {
    let dir = Dir::new();
    let (csv, _) = generate();
    dir.write("in.csv", &csv);
    let policy = repo(POLICY);
    let within = ["--rank-within", "region"];
    let assess = |p: &str| {
        deciles_written(
            &dir.run(&[&["assess", "--policy", p, "in.csv", "-o", "-"][..], &within].concat())
                .csv(),
        )
    };
    let deciles = assess(&policy);
    // PKH for deciles 1-3 within each region: exactly the households of
    // decile 4 of their region lose it.
    let out = dir.run(
        &[
            &[
                "compare",
                "--policy",
                &policy,
                "in.csv",
                "-o",
                "-",
                "--set",
                "pkh_deciles=3",
            ][..],
            &within,
        ]
        .concat(),
    );
    out.no_panic();
    let changed = ids_written(&out.csv());
    let fourth = in_decile(&deciles, 4);
    assert_eq!(changed, fourth);
    // A reform ranking households, within regions too: each side's grants
    // are those of `assess` under it.
    let households = ranking_households(&policy);
    dir.write("h.toml", &households);
    let under = assess("h.toml");
    assert_ne!(under, deciles);
    let out = dir.run(
        &[
            &[
                "compare", "--policy", &policy, "--reform", "h.toml", "in.csv", "-o", "-", "--all",
            ][..],
            &within,
        ]
        .concat(),
    );
    let t = out.csv();
    assert_eq!(t.rows.len(), deciles.len());
    for r in &t.rows {
        let id = &r["household_id"];
        assert_eq!(
            r["base_programs"].contains("pkh_like"),
            deciles[id] <= 4,
            "{id}"
        );
        assert_eq!(
            r["reform_programs"].contains("pkh_like"),
            under[id] <= 4,
            "{id}"
        );
    }
    // An input neither policy has.
    dir.run(&[
        "compare",
        "--policy",
        &policy,
        "in.csv",
        "--set",
        "pkh_deciles=3",
        "--rank-within",
        "regoin",
    ])
    .assert_code(2)
    .stderr_has("did you mean `region`?");
}

/// The household ids of a written table.
fn ids_written(t: &Table) -> HashSet<String> {
    t.column("household_id")
        .iter()
        .map(|s| s.to_string())
        .collect()
}

/// The households of decile `k`.
fn in_decile(deciles: &HashMap<String, u32>, k: u32) -> HashSet<String> {
    deciles
        .iter()
        .filter(|(_, d)| **d == k)
        .map(|(id, _)| id.clone())
        .collect()
}

/// The example policy's text, ranking households instead of persons.
fn ranking_households(policy: &str) -> String {
    std::fs::read_to_string(policy).unwrap().replace(
        "population = \"persons\"\npersons = 'members'",
        "population = \"households\"",
    )
}
