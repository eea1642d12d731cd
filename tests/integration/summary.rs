//! `layak assess --summary`: every figure reconciles with the decisions
//! written beside it, and the summary does not depend on the thread count.
// See: issue 5.

use std::collections::HashMap;

use serde_json::Value;

use crate::snapshot::assert_snapshot;
use crate::util::{Dir, lines, parse_ndjson, repo, repo_text};

/// The sample file repeated `copies` times with fresh ids per copy: every
/// kind of reject (duplicates within a copy), rows split over many chunks.
pub fn generated(copies: usize) -> String {
    let sample = repo_text("data/sample-households.csv");
    let mut rows = sample.lines();
    let header = rows.next().unwrap();
    let body: Vec<&str> = rows.collect();
    let mut out = format!("{header}\n");
    for copy in 0..copies {
        for line in &body {
            // Ids start the row: prefix them so copies do not collide.
            if line.starts_with('H') {
                out.push_str(&format!("C{copy}-{line}\n"));
            } else {
                out.push_str(line);
                out.push('\n');
            }
        }
    }
    out
}

/// `members` of each id's claiming row: the first row with that id and the
/// header's number of fields (a decided id was decided on that row).
pub fn members_by_id(csv_text: &str) -> HashMap<String, u64> {
    let mut reader = csv::ReaderBuilder::new()
        .flexible(true)
        .from_reader(csv_text.as_bytes());
    let header: Vec<String> = reader
        .headers()
        .unwrap()
        .iter()
        .map(str::to_string)
        .collect();
    let id_col = header.iter().position(|h| h == "household_id").unwrap();
    let members_col = header.iter().position(|h| h == "members").unwrap();
    let mut out = HashMap::new();
    for record in reader.records() {
        let record = record.unwrap();
        if record.len() != header.len() {
            continue;
        }
        let id = record[id_col].trim().to_string();
        let members = record[members_col].trim().parse().unwrap_or(0);
        out.entry(id).or_insert(members);
    }
    out
}

fn int(v: &Value) -> u64 {
    v.as_u64()
        .unwrap_or_else(|| panic!("expected a whole number, got {v}"))
}

fn num(v: &Value) -> f64 {
    v.as_f64()
        .unwrap_or_else(|| panic!("expected a number, got {v}"))
}

fn close(what: &str, got: &Value, want: f64) {
    let got = num(got);
    assert!(
        (got - want).abs() < 1e-9,
        "{what}: summary says {got}, the decisions give {want}"
    );
}

/// Figures computed from decisions (NDJSON objects) and persons per id.
#[derive(Default, Debug)]
struct Expected {
    households: u64,
    persons: u64,
    tracks: HashMap<String, (u64, u64)>,
    income: HashMap<String, (u64, u64)>,
    deprivation: HashMap<String, (u64, u64)>,
    /// granted, deferred, capped, monthly, one-off, deferred amount
    programs: HashMap<String, [u64; 6]>,
    monthly: u64,
    one_off: u64,
    capped: u64,
}

impl Expected {
    fn of<'a>(decisions: impl Iterator<Item = &'a Value>, members: &HashMap<String, u64>) -> Self {
        let mut e = Expected::default();
        for d in decisions {
            let id = d["household_id"].as_str().unwrap();
            let p = members[id];
            e.households += 1;
            e.persons += p;
            let bump = |map: &mut HashMap<String, (u64, u64)>, key: &Value| {
                let c = map.entry(key.as_str().unwrap().to_string()).or_default();
                c.0 += 1;
                c.1 += p;
            };
            bump(&mut e.tracks, &d["track"]);
            bump(&mut e.income, &d["income_status"]);
            bump(&mut e.deprivation, &d["deprivation_status"]);
            for prog in d["programs"].as_array().unwrap() {
                let c = e
                    .programs
                    .entry(prog["id"].as_str().unwrap().to_string())
                    .or_default();
                let amount = int(&prog["amount"]);
                match prog["status"].as_str().unwrap() {
                    "granted" => {
                        c[0] += 1;
                        if prog["period"] == "month" {
                            c[3] += amount;
                        } else {
                            c[4] += amount;
                        }
                    }
                    "deferred" => {
                        c[1] += 1;
                        c[5] += amount;
                    }
                    other => panic!("program status {other}"),
                }
                if !prog["capped_from"].is_null() {
                    c[2] += 1;
                }
            }
            e.monthly += int(&d["monthly_total"]);
            e.one_off += int(&d["one_off_total"]);
            e.capped += u64::from(d["capped"] == true);
        }
        e
    }

    /// Check one `Figures` object of the summary against these sums.
    fn check(&self, what: &str, f: &Value) {
        assert_eq!(int(&f["households"]), self.households, "{what}: households");
        assert_eq!(int(&f["persons"]), self.persons, "{what}: persons");
        for (key, map) in [
            ("tracks", &self.tracks),
            ("income_status", &self.income),
            ("deprivation_status", &self.deprivation),
        ] {
            let obj = f[key].as_object().unwrap();
            let (mut h, mut p) = (0, 0);
            for (name, c) in obj {
                let want = map.get(name).copied().unwrap_or_default();
                assert_eq!(
                    (int(&c["households"]), int(&c["persons"])),
                    want,
                    "{what}: {key} {name}"
                );
                h += int(&c["households"]);
                p += int(&c["persons"]);
            }
            // Counts per track (status) add up to the decided households.
            assert_eq!(
                (h, p),
                (self.households, self.persons),
                "{what}: {key} total"
            );
            for name in map.keys() {
                assert!(obj.contains_key(name), "{what}: {key} lacks {name}");
            }
        }
        let (mut monthly, mut one_off) = (0, 0);
        for (id, pf) in f["programs"].as_object().unwrap() {
            let want = self.programs.get(id).copied().unwrap_or_default();
            let got = [
                int(&pf["granted"]),
                int(&pf["deferred"]),
                int(&pf["capped"]),
                int(&pf["monthly_cost"]),
                int(&pf["one_off_cost"]),
                int(&pf["deferred_amount"]),
            ];
            assert_eq!(got, want, "{what}: program {id}");
            monthly += got[3];
            one_off += got[4];
        }
        // Program totals add up to the sum over decisions.
        assert_eq!(monthly, self.monthly, "{what}: programs' monthly cost");
        assert_eq!(one_off, self.one_off, "{what}: programs' one-off cost");
        assert_eq!(
            int(&f["monthly_total"]),
            self.monthly,
            "{what}: monthly_total"
        );
        assert_eq!(
            int(&f["one_off_total"]),
            self.one_off,
            "{what}: one_off_total"
        );
        assert_eq!(int(&f["households_capped"]), self.capped, "{what}: capped");
    }
}

/// Poverty measures recomputed from the decisions (weighted by persons).
fn check_poverty(what: &str, f: &Value, decisions: &[&Value], members: &HashMap<String, u64>) {
    let (mut n, mut poor, mut censored_sum, mut vulnerable, mut severe) = (0.0, 0.0, 0.0, 0.0, 0.0);
    let (mut income_poor, mut gap, mut gap2) = (0.0, 0.0, 0.0);
    for d in decisions {
        let p = members[d["household_id"].as_str().unwrap()] as f64;
        n += p;
        let score = num(&d["deprivation_score"]);
        match d["deprivation_status"].as_str().unwrap() {
            "poor" | "severe" => {
                poor += p;
                censored_sum += p * score;
            }
            "vulnerable" => vulnerable += p,
            _ => {}
        }
        if d["deprivation_status"] == "severe" {
            severe += p;
        }
        // JSON carries per_capita_income rounded to cents: the gap differs by < 1e-8.
        let (y, z) = (num(&d["per_capita_income"]), num(&d["poverty_line"]));
        if d["income_status"] == "poor" {
            income_poor += p;
            let g = (z - y) / z;
            gap += p * g;
            gap2 += p * g * g;
        }
    }
    let pov = &f["poverty"];
    assert_eq!(pov["weight"], "persons", "{what}");
    let m = &pov["multidimensional"];
    close(&format!("{what}: H"), &m["headcount_ratio"], poor / n);
    close(
        &format!("{what}: M0"),
        &m["adjusted_headcount_ratio"],
        censored_sum / n,
    );
    if poor > 0.0 {
        close(&format!("{what}: A"), &m["intensity"], censored_sum / poor);
    }
    close(
        &format!("{what}: vulnerable"),
        &m["vulnerable_share"],
        vulnerable / n,
    );
    close(&format!("{what}: severe"), &m["severe_share"], severe / n);
    let mut contributions = 0.0;
    let mut m0 = 0.0;
    for (_, ind) in m["indicators"].as_object().unwrap() {
        m0 += num(&ind["weight"]) * num(&ind["censored_headcount_ratio"]);
        contributions += ind["contribution_percent"].as_f64().unwrap_or(0.0);
    }
    close(
        &format!("{what}: Σ w_j h_j"),
        &m["adjusted_headcount_ratio"],
        m0,
    );
    if poor > 0.0 {
        assert!(
            (contributions - 100.0).abs() < 1e-9,
            "{what}: contributions {contributions}"
        );
    }
    let i = &pov["income"];
    close(
        &format!("{what}: FGT0"),
        &i["headcount_ratio"],
        income_poor / n,
    );
    let near = |got: &Value, want: f64, name: &str| {
        assert!(
            (num(got) - want).abs() < 1e-7,
            "{what}: {name} {got} vs {want}"
        );
    };
    near(&i["poverty_gap_index"], gap / n, "FGT1");
    near(&i["squared_poverty_gap"], gap2 / n, "FGT2");
}

fn assess_summary(dir: &Dir, threads: &str, chunk: &str, extra: &[&str]) -> (Value, String) {
    let mut args = vec![
        "assess",
        "big.csv",
        "-q",
        "--threads",
        threads,
        "--chunk-bytes",
        chunk,
        "-o",
        "out.ndjson",
        "--rejects",
        "rej.csv",
        "--summary",
        "summary.json",
        "--by",
        "region",
    ];
    args.extend_from_slice(extra);
    dir.run(&args).no_panic().assert_code(3);
    let text = dir.read("summary.json");
    let v: Value = serde_json::from_str(&text).unwrap_or_else(|e| panic!("{e}: {text}"));
    (v, text)
}

#[test]
fn every_figure_reconciles_with_the_decisions() {
    let dir = Dir::new();
    let input = generated(40);
    dir.write("big.csv", &input);
    let (s, _) = assess_summary(&dir, "2", "2048", &[]);
    let decisions = parse_ndjson(&dir.read("out.ndjson")).unwrap();
    let members = members_by_id(&input);

    // Rows: read = decided + rejected, rejects by reason as in the rejects file.
    let rejects = csv::Reader::from_path(dir.join("rej.csv"))
        .unwrap()
        .records()
        .map(|r| r.unwrap()[4].to_string())
        .collect::<Vec<_>>();
    let rows = &s["rows"];
    assert_eq!(int(&rows["decided"]), decisions.len() as u64);
    assert_eq!(int(&rows["rejected"]), rejects.len() as u64);
    assert_eq!(
        int(&rows["read"]),
        int(&rows["decided"]) + int(&rows["rejected"])
    );
    for (code, n) in rows["rejects_by_reason"].as_object().unwrap() {
        let want = rejects.iter().filter(|c| *c == code).count() as u64;
        assert_eq!(int(n), want, "rejects of code {code}");
    }
    assert!(int(&rows["rejects_by_reason"]["duplicate_id"]) > 0);

    assert_eq!(s["input"]["file"], "big.csv");
    assert_eq!(int(&s["input"]["bytes"]), input.len() as u64);
    assert_eq!(s["policy"]["id"], "layak-default");
    assert_eq!(s["policy"]["hash"], decisions[0]["policy_hash"]);
    assert_eq!(s["persons_column"], "members");

    Expected::of(decisions.iter(), &members).check("total", &s["total"]);
    let all: Vec<&Value> = decisions.iter().collect();
    check_poverty("total", &s["total"], &all, &members);

    // --by region: each group against its own decisions; groups add up to the total.
    let groups = s["by"]["groups"].as_array().unwrap();
    assert_eq!(s["by"]["column"], "region");
    let mut households = 0;
    let mut values = Vec::new();
    for g in groups {
        let value = g["value"].as_str().unwrap();
        values.push(value.to_string());
        let mine: Vec<&Value> = decisions.iter().filter(|d| d["region"] == value).collect();
        assert!(!mine.is_empty(), "group {value} has no decisions");
        Expected::of(mine.iter().copied(), &members).check(&format!("region {value}"), g);
        check_poverty(&format!("region {value}"), g, &mine, &members);
        households += int(&g["households"]);
    }
    assert_eq!(households, decisions.len() as u64);
    let mut sorted = values.clone();
    sorted.sort();
    assert_eq!(values, sorted, "groups are in byte order of their value");
}

#[test]
fn the_summary_is_identical_for_any_thread_count() {
    let dir = Dir::new();
    dir.write("big.csv", generated(40));
    let (_, first) = assess_summary(&dir, "1", "1000000", &[]);
    for (threads, chunk) in [("2", "2048"), ("3", "777"), ("1", "1500")] {
        let (_, text) = assess_summary(&dir, threads, chunk, &[]);
        assert!(
            text == first,
            "--threads {threads} --chunk-bytes {chunk} gives another summary"
        );
    }
    let (_, unweighted) = assess_summary(&dir, "2", "4096", &["--unweighted"]);
    let (_, again) = assess_summary(&dir, "1", "1000000", &["--unweighted"]);
    assert_eq!(unweighted, again);
}

#[test]
fn the_sample_summary_matches_the_expected_decisions() {
    let dir = Dir::new();
    dir.run(&[
        "assess",
        &repo("data/sample-households.csv"),
        "-q",
        "-o",
        "out.csv",
        "--rejects",
        "rej.csv",
        "--summary",
        "s.json",
    ])
    .assert_code(3);
    let s: Value = serde_json::from_str(&dir.read("s.json")).unwrap();
    let expected = crate::util::Table::read(std::path::Path::new(&repo(
        "data/sample-households.expected.csv",
    )));
    assert_eq!(int(&s["rows"]["read"]), 69);
    assert_eq!(int(&s["rows"]["decided"]), expected.rows.len() as u64);
    for (track, c) in s["total"]["tracks"].as_object().unwrap() {
        let want = expected
            .column("track")
            .iter()
            .filter(|t| *t == track)
            .count() as u64;
        assert_eq!(int(&c["households"]), want, "track {track}");
    }
    let monthly: u64 = expected
        .column("monthly_total")
        .iter()
        .map(|v| v.parse::<u64>().unwrap())
        .sum();
    assert_eq!(int(&s["total"]["monthly_total"]), monthly);
    assert!(s["budget"].is_null() && s["by"].is_null());
    assert!(s["total"]["budget"].is_null());
}

#[test]
fn summary_dash_prints_a_short_summary_on_stderr() {
    let dir = Dir::new();
    let out = dir.run(&[
        "assess",
        &repo("data/sample-households.csv"),
        "-o",
        "out.csv",
        "--rejects",
        "rej.csv",
        "--summary",
        "-",
    ]);
    out.assert_code(3)
        .stderr_has("summary: ")
        .stderr_has("rows: 69 read = 41 decided + 28 rejected")
        .stderr_has("tracks: emergency ")
        .stderr_has("multidimensional poverty (by persons): H ")
        .stderr_has("income poverty (by persons): headcount ");
    out.counts();
    assert!(
        !dir.exists("-"),
        "`--summary -` does not write a file named -"
    );
}

#[test]
fn summary_of_standard_input_names_it_and_counts_its_bytes() {
    let dir = Dir::new();
    let input = repo_text("data/sample-households.csv");
    dir.run_stdin(
        &[
            "assess",
            "-",
            "-q",
            "-o",
            "o.csv",
            "--rejects",
            "r.csv",
            "--summary",
            "s.json",
        ],
        input.as_bytes(),
    )
    .assert_code(3);
    let s: Value = serde_json::from_str(&dir.read("s.json")).unwrap();
    assert_eq!(s["input"]["file"], "<stdin>");
    assert_eq!(int(&s["input"]["bytes"]), input.len() as u64);
}

#[test]
fn unweighted_counts_households_and_persons_column_can_be_chosen() {
    let dir = Dir::new();
    let sample = repo("data/sample-households.csv");
    let args = |extra: &[&str]| -> Value {
        let mut a = vec![
            "assess",
            sample.as_str(),
            "-q",
            "-o",
            "o.csv",
            "--rejects",
            "r.csv",
            "--summary",
            "s.json",
        ];
        a.extend_from_slice(extra);
        dir.run(&a).assert_code(3);
        serde_json::from_str(&dir.read("s.json")).unwrap()
    };
    let s = args(&["--unweighted"]);
    let pov = &s["total"]["poverty"];
    assert_eq!(pov["weight"], "households");
    assert_eq!(int(&pov["population"]), 41);
    assert_eq!(s["persons_column"], "members");
    // Counting elderly members as "persons" is allowed (an integer input).
    let s = args(&["--persons-column", "elderly"]);
    assert_eq!(s["persons_column"], "elderly");
    assert_eq!(s["total"]["poverty"]["weight"], "persons");
}

#[test]
fn summary_options_are_checked() {
    let dir = Dir::new();
    let sample = repo("data/sample-households.csv");
    let run = |extra: &[&str]| {
        let mut a = vec!["assess", sample.as_str(), "-o", "o.csv"];
        a.extend_from_slice(extra);
        dir.run(&a)
    };
    // --by without --summary
    run(&["--by", "region"]).assert_code(2);
    run(&["--summary", "s.json", "--by", "regoin"])
        .assert_code(2)
        .stderr_has("did you mean `region`?");
    run(&["--summary", "s.json", "--persons-column", "monthly_income"])
        .assert_code(2)
        .stderr_has("persons must be an integer input");
    run(&["--summary", "s.json", "--persons-column", "nobody"]).assert_code(2);
    run(&["--summary", "o.csv"])
        .assert_code(2)
        .stderr_has("name the same file");
    run(&["--summary", &sample])
        .assert_code(2)
        .stderr_has("is the input file");
    assert!(!dir.exists("s.json") && !dir.exists("o.csv"));
}

#[test]
fn no_summary_file_is_left_after_a_fatal_error_or_strict_stop() {
    let dir = Dir::new();
    dir.run(&[
        "assess",
        &repo("data/sample-households.csv"),
        "--strict",
        "-o",
        "o.csv",
        "--summary",
        "s.json",
    ])
    .assert_code(1);
    assert_eq!(dir.entries(), Vec::<String>::new());
}

#[test]
fn by_groups_on_enum_inputs_and_on_columns_the_policy_does_not_read() {
    let dir = Dir::new();
    dir.write(
        "f.csv",
        lines(&[
            "household_id,area,members,monthly_income,district",
            "A1,urban,2,100000,Kota Baru",
            "A2,rural,3,9000000,Kota Baru",
            "A3,RURAL,1,200000,Ampenan",
            "A4,urban,4,400000,",
        ]),
    );
    let summary = |by: &str| -> Value {
        dir.run(&[
            "assess",
            "f.csv",
            "-q",
            "-o",
            "o.csv",
            "--summary",
            "s.json",
            "--by",
            by,
        ])
        .assert_code(0);
        serde_json::from_str(&dir.read("s.json")).unwrap()
    };
    let s = summary("AREA");
    assert_eq!(s["by"]["column"], "area");
    let groups: Vec<(String, u64, u64)> = s["by"]["groups"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| {
            (
                g["value"].as_str().unwrap().to_string(),
                int(&g["households"]),
                int(&g["persons"]),
            )
        })
        .collect();
    // Enum values in declared order (urban, rural), by their canonical name.
    assert_eq!(
        groups,
        [("urban".to_string(), 2, 6), ("rural".to_string(), 2, 4)]
    );
    let s = summary("district");
    let values: Vec<&str> = s["by"]["groups"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| g["value"].as_str().unwrap())
        .collect();
    assert_eq!(values, ["", "Ampenan", "Kota Baru"]);
    let s = summary("members");
    let values: Vec<&str> = s["by"]["groups"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| g["value"].as_str().unwrap())
        .collect();
    assert_eq!(values, ["1", "2", "3", "4"]);
}

/// The whole summary of the sample, JSON and short text, as reviewed: a
/// change of any figure or word is a diff of `tests/integration/snapshots/`
/// (`LAYAK_UPDATE_SNAPSHOTS=1` rewrites them).
#[test]
fn the_sample_summaries_by_group_are_as_reviewed() {
    let dir = Dir::new();
    dir.write("sample.csv", repo_text("data/sample-households.csv"));
    let run = |summary: &str, by: &str| {
        let out = dir.run(&[
            "assess",
            "sample.csv",
            "-o",
            "out.csv",
            "--rejects",
            "rej.csv",
            "--summary",
            summary,
            "--by",
            by,
            // Not today: the summary names the date the policy is read at.
            "--as-of",
            "2026-06-01",
        ]);
        out.assert_code(3);
        out
    };
    run("s.json", "area");
    assert_snapshot("summary-sample-by-area.json", &dir.read("s.json"));
    let out = run("-", "region");
    assert_snapshot("summary-sample-by-region.txt", &out.stderr);
}
