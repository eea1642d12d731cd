//! `layak assess --budget`: ranking, funding, the added columns, and
//! identical output whatever the thread count or the input's source.
// See: issue 5.

use serde_json::Value;

use crate::summary::{generated, members_by_id};
use crate::util::{Dir, Table, repo, repo_text};

fn tenths(priority: &str) -> i64 {
    (priority.parse::<f64>().unwrap() * 10.0).round() as i64
}

/// Check the `funded` and `rank` columns of CSV decisions against the rule:
/// eligible households (any program granted) ranked by priority, then id;
/// funded in rank order while the running monthly total fits `budget`.
/// Returns (eligible, funded, money used).
fn check_ranking(t: &Table, budget: u64) -> (u64, u64, u64) {
    assert_eq!(
        &t.header[t.header.len() - 2..],
        ["funded", "rank"],
        "the budget columns come last"
    );
    let mut eligible: Vec<&std::collections::HashMap<String, String>> = Vec::new();
    for r in &t.rows {
        if r["programs"].is_empty() {
            assert_eq!(
                r["rank"], "",
                "{}: not eligible, no rank",
                r["household_id"]
            );
            assert_eq!(r["funded"], "false");
        } else {
            eligible.push(r);
        }
    }
    let mut by_rank = eligible.clone();
    by_rank.sort_by_key(|r| r["rank"].parse::<u64>().unwrap());
    let ranks: Vec<u64> = by_rank.iter().map(|r| r["rank"].parse().unwrap()).collect();
    assert_eq!(ranks, (1..=eligible.len() as u64).collect::<Vec<_>>());
    let mut expected = eligible.clone();
    expected.sort_by(|a, b| {
        tenths(&b["priority"])
            .cmp(&tenths(&a["priority"]))
            .then_with(|| {
                a["household_id"]
                    .as_bytes()
                    .cmp(b["household_id"].as_bytes())
            })
    });
    let ids = |v: &[&std::collections::HashMap<String, String>]| -> Vec<String> {
        v.iter().map(|r| r["household_id"].clone()).collect()
    };
    assert_eq!(ids(&by_rank), ids(&expected), "rank order");
    let mut used = 0u64;
    let mut funded = 0u64;
    let mut open = true;
    for r in &by_rank {
        let monthly: u64 = r["monthly_total"].parse().unwrap();
        let fits = open && used + monthly <= budget;
        if fits {
            used += monthly;
            funded += 1;
        } else {
            open = false;
        }
        assert_eq!(
            r["funded"],
            if fits { "true" } else { "false" },
            "rank {}",
            r["rank"]
        );
    }
    (eligible.len() as u64, funded, used)
}

/// The decisions without the two budget columns.
fn without_budget_columns(csv_text: &str) -> String {
    let mut reader = csv::ReaderBuilder::new().from_reader(csv_text.as_bytes());
    let mut w = csv::Writer::from_writer(Vec::new());
    let header = reader.headers().unwrap().clone();
    w.write_record(header.iter().take(header.len() - 2))
        .unwrap();
    for r in reader.records() {
        let r = r.unwrap();
        w.write_record(r.iter().take(r.len() - 2)).unwrap();
    }
    String::from_utf8(w.into_inner().unwrap()).unwrap()
}

fn normalised(csv_text: &str) -> String {
    let mut reader = csv::ReaderBuilder::new().from_reader(csv_text.as_bytes());
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record(reader.headers().unwrap()).unwrap();
    for r in reader.records() {
        w.write_record(&r.unwrap()).unwrap();
    }
    String::from_utf8(w.into_inner().unwrap()).unwrap()
}

#[test]
fn budget_ranks_funds_and_adds_two_columns_at_the_end() {
    let dir = Dir::new();
    let sample = repo("data/sample-households.csv");
    let out = dir.run(&[
        "assess",
        &sample,
        "-o",
        "b.csv",
        "--rejects",
        "r.csv",
        "--budget",
        "3_000_000",
        "--summary",
        "s.json",
    ]);
    out.assert_code(3)
        .stderr_has("budget 3,000,000 IDR a month: ")
        .assert_counts(69, 41, 28);
    let t = Table::read(&dir.join("b.csv"));
    let (eligible, funded, used) = check_ranking(&t, 3_000_000);
    assert!(
        funded > 0 && funded < eligible,
        "the sample budget funds some, not all"
    );

    // Everything else is the same decision as without --budget.
    dir.run(&[
        "assess",
        &sample,
        "-q",
        "-o",
        "plain.csv",
        "--rejects",
        "r2.csv",
    ])
    .assert_code(3);
    assert_eq!(
        without_budget_columns(&dir.read("b.csv")),
        normalised(&dir.read("plain.csv"))
    );
    assert_eq!(dir.read("r.csv"), dir.read("r2.csv"));

    let s: Value = serde_json::from_str(&dir.read("s.json")).unwrap();
    let b = &s["budget"];
    assert_eq!(b["amount"], 3_000_000);
    assert_eq!(b["households_eligible"], eligible);
    assert_eq!(b["households_funded"], funded);
    assert_eq!(b["households_waiting"], eligible - funded);
    assert_eq!(b["monthly_used"], used);
    assert_eq!(b["remaining"], 3_000_000 - used);
    let members = members_by_id(&repo_text("data/sample-households.csv"));
    let funded_rows: Vec<_> = t.rows.iter().filter(|r| r["funded"] == "true").collect();
    let persons: u64 = funded_rows
        .iter()
        .map(|r| members[&r["household_id"]])
        .sum();
    assert_eq!(b["persons_funded"], persons);
    let last = funded_rows
        .iter()
        .max_by_key(|r| r["rank"].parse::<u64>().unwrap())
        .unwrap();
    assert_eq!(
        b["last_funded_priority"].as_f64().unwrap(),
        last["priority"].parse::<f64>().unwrap()
    );
    let first_waiting = t
        .rows
        .iter()
        .find(|r| r["rank"] == (funded + 1).to_string())
        .unwrap();
    assert_eq!(
        b["first_waiting_priority"].as_f64().unwrap(),
        first_waiting["priority"].parse::<f64>().unwrap()
    );
    let f = &s["total"]["budget"];
    assert_eq!(f["funded"]["households"], funded);
    assert_eq!(
        f["eligible"]["monthly_total"].as_u64().unwrap(),
        f["funded"]["monthly_total"].as_u64().unwrap()
            + f["waiting"]["monthly_total"].as_u64().unwrap()
    );
}

#[test]
fn budget_output_is_identical_for_any_thread_count_format_and_source() {
    let dir = Dir::new();
    let input = generated(30);
    dir.write("big.csv", &input);
    let budget = "60000000";
    for format in ["csv", "json", "ndjson"] {
        let mut seen: Option<(Vec<u8>, Vec<u8>, String)> = None;
        for (threads, chunk) in [("1", "1000000"), ("2", "2048"), ("3", "777")] {
            let args = [
                "-q",
                "-f",
                format,
                "--threads",
                threads,
                "--chunk-bytes",
                chunk,
                "-o",
                "out",
                "--rejects",
                "rej.csv",
                "--budget",
                budget,
                "--summary",
                "s.json",
                "--by",
                "region",
            ];
            for from_stdin in [false, true] {
                let mut all = vec!["assess", if from_stdin { "-" } else { "big.csv" }];
                all.extend_from_slice(&args);
                let out = if from_stdin {
                    dir.run_stdin(&all, input.as_bytes())
                } else {
                    dir.run(&all)
                };
                out.no_panic().assert_code(3);
                // The file name differs between a file and standard input.
                let summary = dir.read("s.json").replace("\"<stdin>\"", "\"big.csv\"");
                let got = (dir.read_bytes("out"), dir.read_bytes("rej.csv"), summary);
                match &seen {
                    None => seen = Some(got),
                    Some(first) => assert!(
                        *first == got,
                        "{format}: --threads {threads} --chunk-bytes {chunk} (stdin: {from_stdin}) differs"
                    ),
                }
            }
        }
        if format == "csv" {
            let t = Table::read(&dir.join("out"));
            let (eligible, funded, _) = check_ranking(&t, 60_000_000);
            assert!(funded > 0 && funded < eligible);
        }
    }
    // No temporary copy of standard input is left behind.
    assert_eq!(
        dir.entries(),
        ["big.csv", "out", "rej.csv", "s.json"].map(String::from)
    );
}

#[test]
fn json_decisions_carry_funded_and_rank() {
    let dir = Dir::new();
    let out = dir.run(&[
        "assess",
        &repo("data/sample-households.csv"),
        "-q",
        "-f",
        "json",
        "--rejects",
        "r.csv",
        "--budget",
        "1000000000",
    ]);
    out.assert_code(3);
    let decisions = out.json_array();
    assert_eq!(decisions.len(), 41);
    for d in &decisions {
        let obj = d.as_object().unwrap();
        let keys: Vec<&String> = obj.keys().collect();
        assert!(keys.contains(&&"funded".to_string()) && keys.contains(&&"rank".to_string()));
        let eligible = d["programs"]
            .as_array()
            .unwrap()
            .iter()
            .any(|p| p["status"] == "granted");
        // A budget this large funds every eligible household.
        assert_eq!(d["funded"], eligible, "{}", d["household_id"]);
        assert_eq!(d["rank"].is_null(), !eligible);
    }
}

#[test]
fn a_zero_budget_funds_nobody_with_a_monthly_cost() {
    let dir = Dir::new();
    let out = dir.run(&[
        "assess",
        &repo("data/sample-households.csv"),
        "--rejects",
        "r.csv",
        "--budget",
        "0",
    ]);
    out.assert_code(3);
    let t = out.csv();
    let (_, funded, used) = check_ranking(&t, 0);
    assert_eq!(used, 0);
    assert_eq!(funded, 0, "the top-ranked household has a monthly cost");
}

#[test]
fn budget_usage_errors_and_strict() {
    let dir = Dir::new();
    let sample = repo("data/sample-households.csv");
    for bad in ["-5", "1.5", "5e6", "", "lots", "99999999999999999999999"] {
        let flag = format!("--budget={bad}");
        dir.run(&["assess", &sample, "-o", "o.csv", &flag])
            .assert_code(2)
            .stderr_has("--budget");
    }
    dir.run(&[
        "assess", &sample, "--strict", "-o", "o.csv", "--budget", "100",
    ])
    .assert_code(1)
    .stderr_has("--strict");
    assert_eq!(dir.entries(), Vec::<String>::new());
}
