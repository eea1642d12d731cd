//! Person files keyed by several columns (`--id-columns YEAR,SERIAL`, issue
//! 18): households and persons are matched by the composite key, in both
//! layouts, grouped or scattered, and `explain --id` takes the joined id.

use super::persons::person_counts;
use super::util::{Dir, repo, repo_text};

/// `text` (a CSV whose first column is `household_id`) with that column
/// split into `year` (always 2020) and `serial`.
fn split_key(text: &str) -> String {
    let mut out = String::new();
    for (i, line) in text.lines().enumerate() {
        let (id, rest) = line.split_once(',').unwrap_or((line, ""));
        if i == 0 {
            out.push_str(&format!("year,serial,{rest}\n"));
        } else if line.trim().is_empty() {
            out.push('\n');
        } else {
            out.push_str(&format!("2020,{id},{rest}\n"));
        }
    }
    out
}

/// The decisions of the joined-id sample, each id shown as `2020_<id>`.
fn expected() -> String {
    let dir = Dir::new();
    let want = dir.run(&[
        "assess",
        &repo("data/sample-persons-households.csv"),
        "--persons",
        &repo("data/sample-persons.csv"),
    ]);
    want.assert_code(0);
    let text = want.stdout.clone();
    let mut out = String::new();
    for (i, line) in text.lines().enumerate() {
        if i > 0 {
            out.push_str("2020_");
        }
        out.push_str(line);
        out.push('\n');
    }
    out
}

/// The sample as one rectangular file (person columns, then the household
/// columns but the id), with the key split.
fn rectangular() -> String {
    let households = repo_text("data/sample-persons-households.csv");
    let persons = repo_text("data/sample-persons.csv");
    let mut lines = households.lines();
    let header = lines.next().unwrap_or_default();
    let by_id: std::collections::HashMap<&str, &str> = lines
        .map(|l| (l.split(',').next().unwrap_or_default(), l))
        .collect();
    let mut plines = persons.lines();
    let pheader = plines.next().unwrap_or_default();
    let hcols: Vec<&str> = header.split(',').skip(1).collect();
    let mut rect = format!("{pheader},{}\n", hcols.join(","));
    for p in plines {
        let id = p.split(',').next().unwrap_or_default();
        let h = by_id[id];
        let rest = &h[h.find(',').map_or(h.len(), |i| i + 1)..];
        rect.push_str(&format!("{p},{rest}\n"));
    }
    split_key(&rect)
}

/// The data rows of `text` in reverse order (every household scattered
/// in the wrong order: the persons are sorted on temporary files).
fn reversed(text: &str) -> String {
    let mut lines = text.lines();
    let header = lines.next().unwrap_or_default();
    let mut rows: Vec<&str> = lines.collect();
    rows.reverse();
    format!("{header}\n{}\n", rows.join("\n"))
}

#[test]
fn a_split_key_gives_the_joined_key_decisions_in_two_files() {
    let dir = Dir::new();
    dir.write(
        "h.csv",
        split_key(&repo_text("data/sample-persons-households.csv")),
    );
    dir.write("p.csv", split_key(&repo_text("data/sample-persons.csv")));
    dir.write(
        "p-rev.csv",
        reversed(&split_key(&repo_text("data/sample-persons.csv"))),
    );
    let want = expected();
    for persons in ["p.csv", "p-rev.csv"] {
        let got = dir.run(&[
            "assess",
            "h.csv",
            "--persons",
            persons,
            "--id-columns",
            "year,serial",
        ]);
        got.assert_code(0).no_panic();
        assert_eq!(got.stdout.clone(), want, "{persons}");
        let c = person_counts(&got);
        assert_eq!((c.households, c.decided), (41, 41), "{persons}");
    }
}

#[test]
fn a_split_key_gives_the_joined_key_decisions_in_a_rectangular_file() {
    let dir = Dir::new();
    let rect = rectangular();
    dir.write("rect.csv", &rect);
    dir.write("rect-rev.csv", reversed(&rect));
    let want = expected();
    for file in ["rect.csv", "rect-rev.csv"] {
        let got = dir.run(&[
            "assess",
            file,
            "--rectangular",
            "--id-columns",
            "YEAR,Serial",
        ]);
        got.assert_code(0).no_panic();
        // Reversed, the households come out in the order of their first row.
        let mut got_rows: Vec<String> = got.stdout.clone().lines().map(str::to_string).collect();
        let mut want_rows: Vec<String> = want.lines().map(str::to_string).collect();
        if file == "rect-rev.csv" {
            got_rows.sort();
            want_rows.sort();
        }
        assert_eq!(got_rows, want_rows, "{file}");
    }
}

#[test]
fn explain_takes_the_joined_id_of_person_files() {
    let dir = Dir::new();
    dir.write(
        "h.csv",
        split_key(&repo_text("data/sample-persons-households.csv")),
    );
    dir.write(
        "p.csv",
        reversed(&split_key(&repo_text("data/sample-persons.csv"))),
    );
    dir.write("rect.csv", rectangular());
    let joined = dir.run(&[
        "explain",
        &repo("data/sample-persons-households.csv"),
        "--persons",
        &repo("data/sample-persons.csv"),
        "--id",
        "H003",
        "-f",
        "json",
    ]);
    joined.assert_code(0);
    let want: serde_json::Value = serde_json::from_str(&joined.stdout).unwrap();
    for args in [
        &["h.csv", "--persons", "p.csv"][..],
        &["rect.csv", "--rectangular"][..],
    ] {
        let mut all = vec!["explain"];
        all.extend_from_slice(args);
        all.extend_from_slice(&["--id-columns", "year,serial", "--id", "2020_H003"]);
        let text = dir.run(&all);
        text.assert_code(0).no_panic();
        let out = text.stdout.clone();
        assert!(out.contains("4 persons of household 2020_H003"), "{out}");
        assert!(out.contains("head_female = true"), "{out}");
        all.extend_from_slice(&["-f", "json"]);
        let json = dir.run(&all);
        json.assert_code(0);
        let got: serde_json::Value = serde_json::from_str(&json.stdout).unwrap();
        assert_eq!(got["household_id"], "2020_H003");
        for part in ["programs", "derived", "track"] {
            assert!(got["trace"][part] == want["trace"][part], "{args:?} {part}");
        }
        assert_eq!(got["from_persons"], want["from_persons"], "{args:?}");
        // The unknown id is not found.
        let mut missing = all.clone();
        let at = missing.iter().position(|a| *a == "2020_H003").unwrap();
        missing[at] = "2021_H003";
        dir.run(&missing).assert_code(1).stderr_has("2021_H003");
    }
}

#[test]
fn composite_keys_whose_joined_text_looks_alike_are_different_households() {
    // `1_2`,`3` and `1`,`2_3` both show as `1_2_3`, but are two households:
    // each keeps its own person.
    let dir = Dir::new();
    let households = split_key(&repo_text("data/sample-persons-households.csv"));
    let mut lines = households.lines();
    let header = lines.next().unwrap_or_default();
    let first = lines.next().unwrap_or_default();
    let rest = first.splitn(3, ',').nth(2).unwrap_or_default();
    dir.write("h.csv", format!("{header}\n1_2,3,{rest}\n1,2_3,{rest}\n"));
    let persons = split_key(&repo_text("data/sample-persons.csv"));
    let mut lines = persons.lines();
    let pheader = lines.next().unwrap_or_default();
    let head = lines.next().unwrap_or_default();
    let prest = head.splitn(3, ',').nth(2).unwrap_or_default();
    dir.write(
        "p.csv",
        format!("{pheader}\n1,2_3,{prest}\n1_2,3,{prest}\n"),
    );
    let got = dir.run(&[
        "assess",
        "h.csv",
        "--persons",
        "p.csv",
        "--id-columns",
        "year,serial",
    ]);
    got.assert_code(0).no_panic();
    let c = person_counts(&got);
    assert_eq!((c.persons, c.households, c.decided), (2, 2, 2));
    let table = got.csv();
    assert_eq!(table.column("household_id"), vec!["1_2_3", "1_2_3"]);
    // explain shows the first of them, with its own person only.
    let out = dir.run(&[
        "explain",
        "h.csv",
        "--persons",
        "p.csv",
        "--id-columns",
        "year,serial",
        "--id",
        "1_2_3",
    ]);
    out.assert_code(0)
        .stdout_has("1 person of household 1_2_3")
        .stdout_has("line 3:");
}

/// The weight of the `i`-th household of the sample (varied, with decimals).
fn weight_of(i: usize) -> String {
    format!("{}.{}", 50 + (i * 37) % 250, (i * 7) % 100)
}

/// The sample in three forms with a `wt` column: the aggregated household
/// file (the decided rows of data/sample-households.csv), the two-file
/// household file, and the rectangular file.
fn weighted(dir: &Dir) {
    let households = repo_text("data/sample-persons-households.csv");
    let mut lines = households.lines();
    let header = lines.next().unwrap_or_default();
    let mut order = std::collections::HashMap::new();
    let mut by_id = std::collections::HashMap::new();
    let mut two = format!("{header},wt\n");
    for (i, l) in lines.filter(|l| !l.trim().is_empty()).enumerate() {
        let id = l.split(',').next().unwrap_or_default();
        order.insert(id.to_string(), i);
        let row = format!("{l},{}", weight_of(i));
        by_id.insert(id.to_string(), row.clone());
        two.push_str(&row);
        two.push('\n');
    }
    dir.write("hw.csv", &two);
    // Aggregated: the first well-formed row of each of those households.
    let agg = repo_text("data/sample-households.csv");
    let mut lines = agg.lines();
    let aheader = lines.next().unwrap_or_default();
    let fields = aheader.split(',').count();
    let mut out = format!("{aheader},wt\n");
    let mut seen = std::collections::HashSet::new();
    for l in lines {
        // Some ids there are quoted or padded.
        let id = l.split(',').next().unwrap_or_default();
        let id = id.trim().trim_matches('"').trim();
        if l.split(',').count() != fields || !seen.insert(id) {
            continue;
        }
        if let Some(&i) = order.get(id) {
            out.push_str(&format!("{l},{}\n", weight_of(i)));
        }
    }
    dir.write("aw.csv", &out);
    let persons = repo_text("data/sample-persons.csv");
    let mut plines = persons.lines();
    let pheader = plines.next().unwrap_or_default();
    let hcols: Vec<&str> = header.split(',').skip(1).collect();
    let mut rect = format!("{pheader},{},wt\n", hcols.join(","));
    for p in plines {
        let id = p.split(',').next().unwrap_or_default();
        let h = &by_id[id];
        rect.push_str(&format!(
            "{p},{}\n",
            &h[h.find(',').map_or(h.len(), |i| i + 1)..]
        ));
    }
    dir.write("rw.csv", &rect);
}

/// A summary without what names its input (file and size), checking that
/// the person-only reject counts are there and zero, and taking them out.
fn comparable(dir: &Dir, name: &str, persons: bool) -> serde_json::Value {
    let mut v: serde_json::Value = serde_json::from_str(&dir.read(name)).unwrap();
    let input = v["input"].as_object_mut().unwrap();
    assert!(input.remove("file").is_some() && input.remove("bytes").is_some());
    let reasons = v["rows"]["rejects_by_reason"].as_object_mut().unwrap();
    for code in [
        "person_without_household",
        "household_without_persons",
        "no_matching_person",
        "several_matching_persons",
        "repeated_person_no",
        "household_cells_differ",
    ] {
        match reasons.remove(code) {
            Some(n) => assert!(persons && n == 0, "{name}: {code} {n}"),
            None => assert!(!persons, "{name}: no {code}"),
        }
    }
    v
}

#[test]
fn weighted_person_files_give_the_aggregated_files_weighted_summary() {
    let dir = Dir::new();
    weighted(&dir);
    let runs: [(&str, &[&str]); 3] = [
        ("aw", &["aw.csv"]),
        (
            "hw",
            &["hw.csv", "--persons", &repo("data/sample-persons.csv")],
        ),
        ("rw", &["rw.csv", "--rectangular"]),
    ];
    let mut decisions = Vec::new();
    let mut summaries = Vec::new();
    for (name, args) in runs {
        let summary = format!("{name}.json");
        let mut all = vec!["assess"];
        all.extend_from_slice(args);
        all.extend_from_slice(&["--weight", "wt", "--summary", &summary]);
        let out = dir.run(&all);
        out.assert_code(0).no_panic();
        summaries.push(comparable(&dir, &summary, name != "aw"));
        decisions.push(out.stdout.clone());
    }
    assert!(decisions[1] == decisions[0], "two files: other decisions");
    assert!(decisions[2] == decisions[0], "rectangular: other decisions");
    assert_eq!(summaries[1], summaries[0]);
    assert_eq!(summaries[2], summaries[0]);
    // Weighted: the estimate is not the sample.
    let total = &summaries[0]["total"];
    assert_eq!(total["sample_households"], 41);
    assert_eq!(summaries[0]["weight"]["column"], "wt");
    let expected: f64 = (0..41).map(|i| weight_of(i).parse::<f64>().unwrap()).sum();
    let households = total["households"].as_f64().unwrap();
    assert!(
        (households - expected).abs() < 1e-6,
        "{households} {expected}"
    );
    // The decisions' weight column is each household's weight.
    let out = dir.run(&["assess", "rw.csv", "--rectangular", "--weight", "wt"]);
    let table = out.csv();
    let weights = table.column("weight");
    assert_eq!(weights.len(), 41);
    for (i, w) in weights.iter().enumerate() {
        let want: f64 = weight_of(i).parse().unwrap();
        assert_eq!(w.parse::<f64>().unwrap(), want, "household {i}");
    }
}

#[test]
fn a_weight_that_differs_between_rows_of_a_rectangular_household_rejects_it() {
    let dir = Dir::new();
    weighted(&dir);
    let rect = dir.read("rw.csv");
    let mut lines: Vec<String> = rect.lines().map(str::to_string).collect();
    // Line 3 is H001's second person: give it another weight.
    let at = lines[2].rfind(',').unwrap();
    lines[2] = format!("{},999", &lines[2][..at]);
    dir.write("rw2.csv", lines.join("\n") + "\n");
    let out = dir.run(&[
        "assess",
        "rw2.csv",
        "--rectangular",
        "--weight",
        "wt",
        "--rejects",
        "rejects.csv",
    ]);
    out.no_panic();
    let rejects = dir.read("rejects.csv");
    assert!(
        rejects.contains("3,H001,wt,999,household_cells_differ"),
        "{rejects}"
    );
    let c = person_counts(&out);
    assert_eq!((c.households, c.decided, c.rejected), (41, 40, 1));
}

#[test]
fn no_output_may_overwrite_the_person_file() {
    let dir = Dir::new();
    let persons = repo_text("data/sample-persons.csv");
    dir.write("p.csv", &persons);
    std::fs::create_dir(dir.join("sub")).unwrap();
    let households = repo("data/sample-persons-households.csv");
    for (flag, path) in [
        ("-o", "p.csv"),
        ("--rejects", "p.csv"),
        ("--summary", "./p.csv"),
        ("-o", "sub/../p.csv"),
    ] {
        let out = dir.run(&["assess", &households, "--persons", "p.csv", flag, path]);
        out.assert_code(2)
            .stderr_has(&format!("{flag} {path} is the person file (--persons)"));
        assert_eq!(dir.read("p.csv"), persons, "{flag} {path}");
    }
    let out = dir.run(&[
        "validate",
        &households,
        "--persons",
        "p.csv",
        "--rejects",
        "p.csv",
    ]);
    out.assert_code(2).stderr_has("is the person file");
    assert_eq!(dir.read("p.csv"), persons);
    // Another name is fine.
    dir.run(&["assess", &households, "--persons", "p.csv", "-o", "d.csv"])
        .assert_code(0);
    assert!(dir.exists("d.csv"));
}
