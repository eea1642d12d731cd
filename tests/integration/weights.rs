//! Survey weights (`--weight COLUMN`, `--weight-scale FACTOR`): the worked
//! example of `examples/summaries.md` against its hand computation, a
//! generated file against an independent computation from the decisions,
//! the same bytes for any thread count, rejects, and the decision files.
// See: issue 18, item 5.

use std::collections::HashMap;

use serde_json::Value;

use crate::summary::{generated, members_by_id};
use crate::util::{Dir, repo};

const AS_OF: &str = "2026-06-01";

fn num(v: &Value) -> f64 {
    v.as_f64()
        .unwrap_or_else(|| panic!("expected a number, got {v}"))
}

/// `got` is `want` to within a relative 1e-12 (ratios of exact sums).
#[track_caller]
fn close(what: &str, got: &Value, want: f64) {
    let got = num(got);
    assert!(
        (got - want).abs() <= 1e-12 * want.abs().max(1.0),
        "{what}: the summary says {got}, the hand computation {want}"
    );
}

/// `got` is exactly the decimal `want` (a whole number is written as one).
#[track_caller]
fn exactly(what: &str, got: &Value, want: &str) {
    let expected: Value = serde_json::from_str(want).unwrap();
    assert_eq!(got, &expected, "{what}");
}

fn summary_of(dir: &Dir, file: &str, extra: &[&str]) -> Value {
    let mut args = vec![
        "assess",
        file,
        "-q",
        "--as-of",
        AS_OF,
        "-o",
        "out.csv",
        "--summary",
        "s.json",
    ];
    args.extend_from_slice(extra);
    dir.run(&args).no_panic().assert_code(0);
    serde_json::from_str(&dir.read("s.json")).unwrap()
}

/// The worked example of `examples/summaries.md` ("Survey weights"), figure
/// by figure as computed there by hand. Weights (HHWT × 0.01): H001 150,
/// H006 80.5, H007 200, H013 120, H014 50.25; members 5, 3, 4, 4, 6.
#[test]
fn the_worked_example_gives_the_hand_computed_figures() {
    let dir = Dir::new();
    let file = repo("examples/weighted-survey.csv");
    let weight = ["--weight", "HHWT", "--weight-scale", "0.01"];
    let mut args = weight.to_vec();
    args.extend(["--by", "area"]);
    let s = summary_of(&dir, &file, &args);
    assert_eq!(s["weight"]["column"], "HHWT");
    exactly("scale", &s["weight"]["scale"], "0.01");
    let t = &s["total"];
    exactly("households", &t["households"], "600.75");
    exactly("persons", &t["persons"], "2573");
    exactly("sample households", &t["sample_households"], "5");
    exactly("sample persons", &t["sample_persons"], "22");
    let pairs = [
        ("tracks", "emergency", "80.5", "241.5"),
        ("tracks", "long_term_support", "0", "0"),
        ("tracks", "capacity_building", "320.25", "1531.5"),
        ("tracks", "basic_needs", "0", "0"),
        ("tracks", "not_eligible", "200", "800"),
        ("income_status", "poor", "200.25", "1051.5"),
        ("income_status", "near_poor", "80.5", "241.5"),
        ("income_status", "not_poor", "320", "1280"),
        ("deprivation_status", "none", "350", "1550"),
        ("deprivation_status", "vulnerable", "80.5", "241.5"),
        ("deprivation_status", "poor", "120", "480"),
        ("deprivation_status", "severe", "50.25", "301.5"),
    ];
    for (key, value, households, persons) in pairs {
        let c = &t[key][value];
        exactly(&format!("{key} {value}"), &c["households"], households);
        exactly(&format!("{key} {value} persons"), &c["persons"], persons);
    }
    // granted, deferred, monthly cost, one-off cost, deferred amount
    let programs = [
        ("emergency_relief", "80.5", "0", "24150000", "0", "0"),
        ("food_assistance", "320.25", "0", "64050000", "0", "0"),
        (
            "health_insurance_premium",
            "170.25",
            "0",
            "32823000",
            "0",
            "0",
        ),
        ("education_support", "400.75", "0", "45075000", "0", "0"),
        ("social_pension", "0", "0", "0", "0", "0"),
        (
            "capacity_building",
            "320.25",
            "80.5",
            "0",
            "640500000",
            "161000000",
        ),
    ];
    for (id, granted, deferred, monthly, one_off, deferred_amount) in programs {
        let p = &t["programs"][id];
        exactly(&format!("{id} granted"), &p["granted"], granted);
        exactly(&format!("{id} deferred"), &p["deferred"], deferred);
        exactly(&format!("{id} capped"), &p["capped"], "0");
        exactly(&format!("{id} monthly"), &p["monthly_cost"], monthly);
        exactly(&format!("{id} one-off"), &p["one_off_cost"], one_off);
        exactly(
            &format!("{id} deferred"),
            &p["deferred_amount"],
            deferred_amount,
        );
    }
    exactly("monthly total", &t["monthly_total"], "166098000");
    exactly("one-off total", &t["one_off_total"], "640500000");
    exactly("capped", &t["households_capped"], "0");

    // Alkire–Foster by weight × persons: N = 2573; poor H013 (480) and H014
    // (301.5); scores 1/3 and 1/2.
    let p = &t["poverty"];
    assert_eq!(p["weight"], "persons");
    exactly("population", &p["population"], "2573");
    let m = &p["multidimensional"];
    exactly("poor", &m["poor"], "781.5");
    close("H", &m["headcount_ratio"], 781.5 / 2573.0);
    close("M0", &m["adjusted_headcount_ratio"], 310.75 / 2573.0);
    close("A", &m["intensity"], 310.75 / 781.5);
    close("vulnerable", &m["vulnerable_share"], 241.5 / 2573.0);
    close("severe", &m["severe_share"], 301.5 / 2573.0);
    let ind = &m["indicators"];
    close(
        "health cover h",
        &ind["health_cover"]["censored_headcount_ratio"],
        781.5 / 2573.0,
    );
    close(
        "food uncensored",
        &ind["food"]["uncensored_headcount_ratio"],
        241.5 / 2573.0,
    );
    close(
        "food censored",
        &ind["food"]["censored_headcount_ratio"],
        0.0,
    );
    for (id, share) in [
        ("health_cover", 195.375),
        ("floor", 32.5625),
        ("water", 32.5625),
        ("crowding", 12.5625),
        ("sanitation", 12.5625),
        ("electricity", 12.5625),
        ("cooking_fuel", 12.5625),
        ("food", 0.0),
        ("schooling", 0.0),
        ("head_education", 0.0),
    ] {
        close(
            &format!("{id} contribution"),
            &ind[id]["contribution_percent"],
            100.0 * share / 310.75,
        );
    }
    // FGT: H001 and H014 are income-poor, each 400,000 against the rural
    // line 580,349: gap g = 180,349 / 580,349.
    let g = 180_349.0 / 580_349.0;
    let i = &p["income"];
    exactly("income population", &i["population"], "2573");
    exactly("income poor", &i["poor"], "1051.5");
    close("FGT0", &i["headcount_ratio"], 1051.5 / 2573.0);
    close("FGT1", &i["poverty_gap_index"], 1051.5 * g / 2573.0);
    close("FGT2", &i["squared_poverty_gap"], 1051.5 * g * g / 2573.0);

    // By area: rural H001, H013, H014; urban H006, H007.
    let groups = s["by"]["groups"].as_array().unwrap();
    let group = |v: &str| groups.iter().find(|g| g["value"] == v).unwrap();
    exactly("urban", &group("urban")["households"], "280.5");
    exactly("urban persons", &group("urban")["persons"], "1041.5");
    exactly("urban sample", &group("urban")["sample_households"], "2");
    exactly("rural", &group("rural")["households"], "320.25");
    exactly("rural persons", &group("rural")["persons"], "1531.5");
    assert_eq!(group("rural")["rows"]["read"], 3);

    // --unweighted: n_i = w_i, N = 600.75.
    let s = summary_of(&dir, &file, &[&weight[..], &["--unweighted"]].concat());
    let p = &s["total"]["poverty"];
    assert_eq!(p["weight"], "households");
    exactly("population", &p["population"], "600.75");
    let m = &p["multidimensional"];
    close("H", &m["headcount_ratio"], 170.25 / 600.75);
    close("M0", &m["adjusted_headcount_ratio"], 65.125 / 600.75);
    close("A", &m["intensity"], 65.125 / 170.25);
    let i = &p["income"];
    close("FGT0", &i["headcount_ratio"], 200.25 / 600.75);
    close("FGT1", &i["poverty_gap_index"], 200.25 * g / 600.75);
    close("FGT2", &i["squared_poverty_gap"], 200.25 * g * g / 600.75);
}

/// An exact decimal as billionths (the test's own reading, not layak's).
fn billionths(text: &str) -> u128 {
    let (int, frac) = text.split_once('.').unwrap_or((text, ""));
    assert!(frac.len() <= 9, "{text}");
    let frac = format!("{frac:0<9}");
    int.parse::<u128>().unwrap() * 1_000_000_000 + frac.parse::<u128>().unwrap()
}

/// Billionths as the nearest f64 to the exact decimal.
fn decimal(units: u128) -> f64 {
    format!("{}.{:09}", units / 1_000_000_000, units % 1_000_000_000)
        .parse()
        .unwrap()
}

/// The generated file with a weight column `wt`: decimal weights, and an
/// empty, non-numeric, zero, negative or too large one now and then.
fn weighted(copies: usize) -> String {
    let text = generated(copies);
    let mut out = String::new();
    for (i, line) in text.lines().enumerate() {
        let cell = match i {
            0 => "wt".to_string(),
            i if i % 97 == 0 => String::new(),
            i if i % 89 == 0 => "abc".into(),
            i if i % 83 == 0 => "0".into(),
            i if i % 79 == 0 => "-1.5".into(),
            i if i % 73 == 0 => "1e400".into(),
            i if i % 71 == 0 => "20000000000".into(),
            i => format!("{}.{:03}", 1 + (i * 7919) % 5000, (i * 31) % 1000),
        };
        out.push_str(line);
        out.push(',');
        out.push_str(&cell);
        out.push('\n');
    }
    out
}

/// Weighted sums recomputed from the decisions, in billionths.
#[derive(Default)]
struct Sums {
    households: u128,
    persons: u128,
    sample: u128,
    by: HashMap<(String, String), (u128, u128)>,
    /// granted, deferred, monthly cost, one-off cost, deferred amount
    programs: HashMap<String, [u128; 5]>,
    monthly: u128,
    one_off: u128,
}

impl Sums {
    fn of(decisions: &[&Value], members: &HashMap<String, u64>) -> Sums {
        let mut s = Sums::default();
        for d in decisions {
            let w = billionths(&d["weight"].to_string());
            let n = u128::from(members[d["household_id"].as_str().unwrap()]);
            s.households += w;
            s.persons += w * n;
            s.sample += 1;
            for key in ["track", "income_status", "deprivation_status"] {
                let c =
                    s.by.entry((key.to_string(), d[key].as_str().unwrap().to_string()))
                        .or_default();
                c.0 += w;
                c.1 += w * n;
            }
            for p in d["programs"].as_array().unwrap() {
                let c = s
                    .programs
                    .entry(p["id"].as_str().unwrap().to_string())
                    .or_default();
                let amount = u128::from(p["amount"].as_u64().unwrap());
                match (p["status"].as_str().unwrap(), p["period"].as_str().unwrap()) {
                    ("granted", "month") => {
                        c[0] += w;
                        c[2] += w * amount;
                    }
                    ("granted", _) => {
                        c[0] += w;
                        c[3] += w * amount;
                    }
                    _ => {
                        c[1] += w;
                        c[4] += w * amount;
                    }
                }
            }
            s.monthly += w * u128::from(d["monthly_total"].as_u64().unwrap());
            s.one_off += w * u128::from(d["one_off_total"].as_u64().unwrap());
        }
        s
    }

    #[track_caller]
    fn check(&self, what: &str, f: &Value) {
        let eq = |name: &str, got: &Value, units: u128| {
            assert_eq!(num(got), decimal(units), "{what}: {name}");
        };
        eq("households", &f["households"], self.households);
        eq("persons", &f["persons"], self.persons);
        assert_eq!(f["sample_households"].as_u64(), Some(self.sample as u64));
        for (key, wire) in [
            ("track", "tracks"),
            ("income_status", "income_status"),
            ("deprivation_status", "deprivation_status"),
        ] {
            for (value, c) in f[wire].as_object().unwrap() {
                let want = self
                    .by
                    .get(&(key.to_string(), value.clone()))
                    .copied()
                    .unwrap_or_default();
                eq(&format!("{key} {value}"), &c["households"], want.0);
                eq(&format!("{key} {value} persons"), &c["persons"], want.1);
            }
        }
        for (id, p) in f["programs"].as_object().unwrap() {
            let want = self.programs.get(id).copied().unwrap_or_default();
            eq(&format!("{id} granted"), &p["granted"], want[0]);
            eq(&format!("{id} deferred"), &p["deferred"], want[1]);
            eq(&format!("{id} monthly"), &p["monthly_cost"], want[2]);
            eq(&format!("{id} one-off"), &p["one_off_cost"], want[3]);
            eq(
                &format!("{id} deferred amount"),
                &p["deferred_amount"],
                want[4],
            );
        }
        eq("monthly total", &f["monthly_total"], self.monthly);
        eq("one-off total", &f["one_off_total"], self.one_off);
    }
}

/// Poverty ratios recomputed from the decisions, weighted by weight × persons.
fn check_poverty(what: &str, f: &Value, decisions: &[&Value], members: &HashMap<String, u64>) {
    let (mut n, mut poor, mut sum, mut income_poor, mut gap, mut gap2) =
        (0.0, 0.0, 0.0, 0.0, 0.0, 0.0);
    for d in decisions {
        let p = num(&d["weight"]) * members[d["household_id"].as_str().unwrap()] as f64;
        n += p;
        if matches!(d["deprivation_status"].as_str(), Some("poor" | "severe")) {
            poor += p;
            sum += p * num(&d["deprivation_score"]);
        }
        if d["income_status"] == "poor" {
            let (y, z) = (num(&d["per_capita_income"]), num(&d["poverty_line"]));
            income_poor += p;
            gap += p * (z - y) / z;
            gap2 += p * ((z - y) / z).powi(2);
        }
    }
    let near = |name: &str, got: &Value, want: f64| {
        assert!(
            (num(got) - want).abs() < 1e-7,
            "{what}: {name} {got} vs {want}"
        );
    };
    let m = &f["poverty"]["multidimensional"];
    near("H", &m["headcount_ratio"], poor / n);
    near("M0", &m["adjusted_headcount_ratio"], sum / n);
    let i = &f["poverty"]["income"];
    near("FGT0", &i["headcount_ratio"], income_poor / n);
    near("FGT1", &i["poverty_gap_index"], gap / n);
    near("FGT2", &i["squared_poverty_gap"], gap2 / n);
}

fn run_generated(dir: &Dir, threads: &str, chunk: &str, format: &str) -> (String, String) {
    let out = format!("out.{format}");
    dir.run(&[
        "assess",
        "big.csv",
        "-q",
        "--as-of",
        AS_OF,
        "--threads",
        threads,
        "--chunk-bytes",
        chunk,
        "-o",
        &out,
        "--rejects",
        "rej.csv",
        "--summary",
        "s.json",
        "--by",
        "region",
        "--weight",
        "wt",
    ])
    .no_panic()
    .assert_code(3);
    (dir.read("s.json"), dir.read(&out))
}

#[test]
fn every_weighted_figure_is_the_exact_sum_over_the_decisions() {
    let dir = Dir::new();
    let input = weighted(30);
    dir.write("big.csv", &input);
    let (summary, out) = run_generated(&dir, "2", "2048", "ndjson");
    let s: Value = serde_json::from_str(&summary).unwrap();
    let decisions = crate::util::parse_ndjson(&out).unwrap();
    let members = members_by_id(&input);
    let all: Vec<&Value> = decisions.iter().collect();
    assert!(all.len() > 1000, "{} decisions", all.len());
    Sums::of(&all, &members).check("total", &s["total"]);
    check_poverty("total", &s["total"], &all, &members);
    assert_eq!(s["rows"]["decided"], decisions.len() as u64);
    for g in s["by"]["groups"].as_array().unwrap() {
        let value = g["value"].as_str().unwrap();
        let mine: Vec<&Value> = all
            .iter()
            .copied()
            .filter(|d| d["region"] == value)
            .collect();
        if mine.is_empty() {
            assert_eq!(g["households"], 0, "region {value}");
            continue;
        }
        Sums::of(&mine, &members).check(&format!("region {value}"), g);
        check_poverty(&format!("region {value}"), g, &mine, &members);
    }
    // Every kind of bad weight is a reject naming the column.
    let rejects = crate::util::Table::read(&dir.join("rej.csv"));
    let mut codes: Vec<&str> = rejects
        .rows
        .iter()
        .filter(|r| r["column"] == "wt")
        .map(|r| r["code"].as_str())
        .collect();
    codes.sort();
    codes.dedup();
    assert_eq!(codes, ["invalid_value", "missing_required", "out_of_range"]);
}

#[test]
fn weighted_summaries_and_decisions_are_the_same_for_any_thread_count() {
    let dir = Dir::new();
    dir.write("big.csv", weighted(30));
    for format in ["csv", "ndjson"] {
        let first = run_generated(&dir, "1", "1000000", format);
        for (threads, chunk) in [("2", "2048"), ("3", "777")] {
            let again = run_generated(&dir, threads, chunk, format);
            assert!(
                again == first,
                "--threads {threads} --chunk-bytes {chunk} gives another summary or decisions ({format})"
            );
        }
    }
}

#[test]
fn each_decision_carries_its_weight_exactly() {
    let dir = Dir::new();
    let file = repo("examples/weighted-survey.csv");
    let args = |format: &str| {
        vec![
            "assess".to_string(),
            file.clone(),
            "-q".into(),
            "--as-of".into(),
            AS_OF.into(),
            "--weight".into(),
            "hhwt".into(),
            "--weight-scale".into(),
            "0.01".into(),
            "-f".into(),
            format.into(),
        ]
    };
    let run = |format: &str| {
        let a = args(format);
        let a: Vec<&str> = a.iter().map(String::as_str).collect();
        dir.run(&a).assert_code(0).stdout.clone()
    };
    let csv = run("csv");
    let header = csv.lines().next().unwrap();
    assert!(header.ends_with(",policy_hash,weight"), "{header}");
    let weights: Vec<&str> = csv
        .lines()
        .skip(1)
        .map(|l| l.rsplit(',').next().unwrap())
        .collect();
    assert_eq!(weights, ["150", "80.5", "200", "120", "50.25"]);
    for format in ["json", "ndjson"] {
        let text = run(format);
        assert!(
            text.contains(r#""policy_hash":""#) && text.contains(r#"","weight":50.25}"#),
            "{format}: {text}"
        );
    }
    // With --budget the weight comes before funded and rank, the last two.
    let mut a = args("csv");
    a.extend(["--budget".into(), "1000000".into()]);
    let a: Vec<&str> = a.iter().map(String::as_str).collect();
    let out = dir.run(&a).assert_code(0).stdout.clone();
    assert!(out.lines().next().unwrap().ends_with(",weight,funded,rank"));
    // Without --weight, no weight column.
    let plain = dir
        .run(&["assess", &file, "-q", "--as-of", AS_OF])
        .assert_code(0)
        .stdout
        .clone();
    assert!(plain.lines().next().unwrap().ends_with(",policy_hash"));
}

#[test]
fn budget_figures_are_weighted_and_the_ranking_is_not() {
    let dir = Dir::new();
    let file = repo("examples/weighted-survey.csv");
    let s = summary_of(
        &dir,
        &file,
        &[
            "--weight",
            "HHWT",
            "--weight-scale",
            "0.01",
            "--budget",
            "1000000",
        ],
    );
    // Funded in priority order while the monthly totals of the sample fit:
    // H014 (602,000), then H006 (375,000); 23,000 left.
    let b = &s["budget"];
    assert_eq!(b["households_funded"], 2);
    assert_eq!(b["monthly_used"], 977000);
    assert_eq!(b["remaining"], 23000);
    let f = &s["total"]["budget"];
    exactly("eligible", &f["eligible"]["households"], "400.75");
    exactly("funded", &f["funded"]["households"], "130.75");
    exactly("waiting", &f["waiting"]["households"], "270");
    // 50.25 × 602,000 + 80.5 × 375,000
    exactly("funded cost", &f["funded"]["monthly_total"], "60438000");
}

#[test]
fn bad_weights_are_rejects_and_a_missing_column_a_usage_error() {
    let dir = Dir::new();
    dir.write(
        "w.csv",
        "household_id,area,members,monthly_income,HHWT\n\
         A1,rural,4,1000000,2.5\n\
         A2,rural,4,1000000,\n\
         A3,rural,4,1000000,x\n\
         A4,rural,4,1000000,0\n\
         A5,rural,4,1000000,-3\n\
         A6,rural,4,1000000,NaN\n\
         A7,rural,4,1000000,inf\n\
         A8,rural,4,1000000,10000000001\n",
    );
    let out = dir
        .run(&[
            "assess",
            "w.csv",
            "--weight",
            "HHWT",
            "--rejects",
            "-",
            "-o",
            "d.csv",
        ])
        .assert_code(3)
        .stdout
        .clone();
    let codes: Vec<String> = out
        .lines()
        .skip(1)
        .map(|l| {
            let cells: Vec<&str> = l.split(',').collect();
            format!("{} {} {}", cells[1], cells[2], cells[4])
        })
        .collect();
    assert_eq!(
        codes,
        [
            "A2 HHWT missing_required",
            "A3 HHWT invalid_value",
            "A4 HHWT out_of_range",
            "A5 HHWT out_of_range",
            "A6 HHWT invalid_value",
            "A7 HHWT invalid_value",
            "A8 HHWT out_of_range",
        ]
    );
    // Validate reports the same, and every bad cell of a row.
    dir.write(
        "v.csv",
        "household_id,area,members,monthly_income,wt\nB1,rural,0,1000000,0\n",
    );
    dir.run(&["validate", "v.csv", "--weight", "wt", "-f", "json"])
        .assert_code(3)
        .stdout_has("\"problems\": 2")
        .stdout_has("\"column\": \"wt\"");
    // A column that is not there: exit 2 before any row, with a suggestion.
    dir.run(&["assess", "w.csv", "--weight", "HHWTT", "-o", "d2.csv"])
        .assert_code(2)
        .stderr_has("--weight HHWTT: w.csv has no column `HHWTT`; did you mean `HHWT`?");
    assert!(!dir.exists("d2.csv"));
    dir.run(&["assess", "w.csv", "--weight", "HHWT", "--weight-scale=-1"])
        .assert_code(2)
        .stderr_has("--weight-scale \"-1\": expected a positive decimal number");
    dir.run(&["assess", "w.csv", "--weight-scale", "0.01"])
        .assert_code(2)
        .stderr_has("--weight <COLUMN>");
    // explain shows the weight, and a bad one as the reject it is.
    dir.run(&[
        "explain", "--detail", "w.csv", "--weight", "HHWT", "--id", "A1",
    ])
    .assert_code(0)
    .stdout_has("survey weight 2.5 (column HHWT)");
    dir.run(&[
        "explain", "--detail", "w.csv", "--weight", "HHWT", "--id", "A4",
    ])
    .assert_code(3)
    .stdout_has("a survey weight must be > 0");
}
