//! `layak assess --report FILE --lang id|en` (issue 19, item 4): the HTML
//! report's numbers are the summary JSON's, it is in the chosen language,
//! it is written with the other outputs or not at all, and no text of the
//! input can become markup in it.

use std::path::Path;
use std::process::Command;

use serde_json::Value;

use super::util::{Dir, LAYAK, repo, repo_text};

/// Every number of the page tagged with its JSON path: (path, shown text).
fn tagged_numbers(html: &str) -> Vec<(String, String)> {
    const OPEN: &str = "<span class=\"n\" data-k=\"";
    let mut found = Vec::new();
    let mut rest = html;
    while let Some(at) = rest.find(OPEN) {
        rest = &rest[at + OPEN.len()..];
        let key_end = rest.find('"').expect("a closing quote");
        let key = rest[..key_end].to_string();
        let text_start = rest.find('>').expect("the tag's end") + 1;
        let text_end = rest.find("</span>").expect("the span's end");
        found.push((key, rest[text_start..text_end].to_string()));
        rest = &rest[text_end..];
    }
    found
}

/// The value of the JSON document at a dotted path (array items by index).
fn at_path<'a>(doc: &'a Value, path: &str) -> Option<&'a Value> {
    path.split('.')
        .try_fold(doc, |v, part| match part.parse::<usize>() {
            Ok(i) if v.is_array() => v.get(i),
            _ => v.get(part),
        })
}

/// A number as the page shows it (`Rp 1.500.000`, `20,0%`, `0,0982`) read
/// back: its value and its number of decimals.
fn read_shown(shown: &str, lang: &str) -> (f64, i32) {
    let core = shown
        .trim()
        .trim_start_matches("Rp ")
        .trim_start_matches("IDR ")
        .trim_end_matches('%');
    let (thousands, decimal) = if lang == "id" { ('.', ',') } else { (',', '.') };
    let plain: String = core
        .chars()
        .filter(|&c| c != thousands)
        .map(|c| if c == decimal { '.' } else { c })
        .collect();
    let decimals = plain.find('.').map_or(0, |p| (plain.len() - p - 1) as i32);
    let value = plain
        .parse()
        .unwrap_or_else(|e| panic!("cannot read {shown:?} ({plain:?}) as a number: {e}"));
    (value, decimals)
}

/// Check every tagged number of `html` against `json`: it is the JSON's
/// value rounded to the decimals shown (ratios shown as percentages).
/// Returns the paths checked.
fn check_numbers(html: &str, json: &Value, lang: &str) -> Vec<String> {
    let numbers = tagged_numbers(html);
    for (key, shown) in &numbers {
        let want = at_path(json, key)
            .and_then(Value::as_f64)
            .unwrap_or_else(|| panic!("{key} (shown {shown:?}) is not a number of the JSON"));
        let percent = shown.ends_with('%') && !key.ends_with("_percent");
        let want = if percent { 100.0 * want } else { want };
        let (got, decimals) = read_shown(shown, lang);
        let tolerance = 0.5 * 10f64.powi(-decimals) + 1e-9 * want.abs().max(1.0);
        assert!(
            (got - want).abs() <= tolerance,
            "{key}: shown {shown:?} = {got}, JSON {want}"
        );
    }
    numbers.into_iter().map(|(k, _)| k).collect()
}

/// The page's own visible text: tags removed, and with them `<code>`
/// (policy ids and reject codes) and `<bdi>` (text of the input: ids,
/// regions, column names, cells); entities decoded.
fn visible_text(html: &str) -> String {
    let body = &html[html.find("<body>").expect("a body")..];
    let mut text = String::new();
    let mut rest = body;
    while let Some(lt) = rest.find('<') {
        text.push_str(&rest[..lt]);
        text.push(' ');
        let tag_end = rest[lt..].find('>').expect("a tag's end") + lt;
        let tag = &rest[lt..=tag_end];
        rest = &rest[tag_end + 1..];
        for (open, close) in [("<code>", "</code>"), ("<bdi>", "</bdi>")] {
            if tag == open {
                let end = rest.find(close).expect("the element's end");
                rest = &rest[end..];
            }
        }
    }
    text.push_str(rest);
    text.replace("&amp;", "&")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
}

/// Run the sample with `--summary s.json --report r.html` and `extra`;
/// return the page and the JSON.
fn sample_run(dir: &Dir, extra: &[&str]) -> (String, Value) {
    let input = repo("data/sample-households.csv");
    let mut args = vec![
        "assess",
        input.as_str(),
        "-o",
        "d.csv",
        "--rejects",
        "rej.csv",
        "--summary",
        "s.json",
        "--report",
        "r.html",
        "--as-of",
        "2026-06-01",
    ];
    args.extend_from_slice(extra);
    dir.run(&args)
        .assert_code(3)
        .no_panic()
        .assert_counts(69, 41, 28);
    let json = serde_json::from_str(&dir.read("s.json")).expect("the summary is JSON");
    (dir.read("r.html"), json)
}

#[test]
fn every_number_of_the_report_is_the_summary_jsons() {
    for lang in ["id", "en"] {
        let dir = Dir::new();
        let (html, json) = sample_run(
            &dir,
            &["--by", "region", "--budget", "5_000_000", "--lang", lang],
        );
        let keys = check_numbers(&html, &json, lang);
        for wanted in [
            "rows.read",
            "rows.decided",
            "rows.rejected",
            "rows.rejects_by_reason.invalid_value",
            "total.households",
            "total.persons",
            "total.monthly_total",
            "total.one_off_total",
            "total.programs.food_assistance.monthly_cost",
            "total.programs.capacity_building.one_off_cost",
            "total.tracks.emergency.persons",
            "total.income_status.near_poor.households",
            "total.deprivation_status.severe.persons",
            "total.poverty.multidimensional.headcount_ratio",
            "total.poverty.multidimensional.intensity",
            "total.poverty.multidimensional.adjusted_headcount_ratio",
            "total.poverty.multidimensional.indicators.health_cover.contribution_percent",
            "total.poverty.income.headcount_ratio",
            "total.poverty.income.poverty_gap_index",
            "total.poverty.income.squared_poverty_gap",
            "budget.amount",
            "budget.households_funded",
            "budget.households_waiting",
            "budget.last_funded_priority",
            "total.budget.funded.monthly_total",
            "by.groups.1.households",
            "by.groups.4.monthly_total",
            "by.groups.2.budget.funded.households",
            "by.ungrouped_rows.rejected",
        ] {
            assert!(
                keys.iter().any(|k| k == wanted),
                "{lang}: {wanted} is not shown"
            );
        }
        assert!(keys.len() > 150, "{lang}: only {} numbers", keys.len());
        // The groups' values, the program names and the totals as people read them.
        let (money, count) = match lang {
            "id" => ("Rp 14.373.000", "Rumah tangga"),
            _ => ("Rp 14,373,000", "Households"),
        };
        assert!(html.contains(money) && html.contains(count), "{lang}");
        assert!(html.contains(&format!("<html lang=\"{lang}\">")));
        for region in ["3201", "3273", "5201", "5271"] {
            assert!(html.contains(&format!("<bdi>{region}</bdi>")), "{region}");
        }
    }
}

#[test]
fn weighted_figures_are_estimates_of_the_population() {
    let dir = Dir::new();
    let out = dir.run(&[
        "assess",
        &repo("examples/weighted-survey.csv"),
        "--weight",
        "HHWT",
        "--weight-scale",
        "0.01",
        "--by",
        "area",
        "--summary",
        "s.json",
        "--report",
        "r.html",
        "--lang",
        "en",
        "--as-of",
        "2026-06-01",
        "-o",
        "d.csv",
    ]);
    out.assert_code(0).no_panic();
    let html = dir.read("r.html");
    let json: Value = serde_json::from_str(&dir.read("s.json")).unwrap();
    let keys = check_numbers(&html, &json, "en");
    assert!(html.contains("Estimated population"));
    assert!(keys.iter().any(|k| k == "total.sample_households"));
    // 600.75 households represented: shown rounded, 601.
    assert_eq!(json["total"]["households"], 600.75);
    assert!(
        html.contains("data-k=\"total.households\">601<"),
        "households"
    );
}

#[test]
fn the_report_alone_computes_the_same_summary() {
    let dir = Dir::new();
    let (with_summary, _) = sample_run(&dir, &["--by", "area", "--lang", "en"]);
    let alone = Dir::new();
    alone
        .run(&[
            "assess",
            &repo("data/sample-households.csv"),
            "-o",
            "d.csv",
            "--report",
            "r.html",
            "--by",
            "area",
            "--lang",
            "en",
            "--as-of",
            "2026-06-01",
            "-q",
        ])
        .assert_code(3)
        .no_panic();
    assert_eq!(alone.read("r.html"), with_summary);
    assert_eq!(alone.read("d.csv"), dir.read("d.csv"));
    assert!(!alone.exists("s.json"));
}

/// English words that have no place on the Indonesian page.
const ENGLISH: &[&str] = &[
    "the",
    "and",
    "of",
    "households",
    "household",
    "persons",
    "person",
    "rows",
    "row",
    "read",
    "decided",
    "rejected",
    "month",
    "monthly",
    "cost",
    "costs",
    "budget",
    "funded",
    "waiting",
    "poor",
    "poverty",
    "income",
    "vulnerable",
    "severe",
    "severely",
    "eligible",
    "track",
    "tracks",
    "report",
    "reason",
    "reasons",
    "group",
    "groups",
    "population",
    "estimated",
    "none",
    "empty",
    "deprived",
    "share",
    "gap",
    "squared",
    "headcount",
    "intensity",
    "contribution",
    "indicator",
    "weight",
    "weighted",
    "policy",
    "version",
    "input",
    "file",
    "one-off",
    "granted",
    "deferred",
    "capped",
    "value",
    "values",
    "line",
    "column",
    "cell",
    "food",
    "health",
    "education",
    "support",
    "assistance",
    "relief",
    "pension",
    "emergency",
    "capacity",
    "building",
    "needs",
    "grant",
    "water",
    "floor",
    "fuel",
    "made",
    "rules",
    "force",
    "figures",
    "first",
    "left",
    "used",
    "needed",
    "priority",
    "cut-off",
    "ratio",
    "ratios",
    "count",
    "counts",
    "every",
    "summary",
    "money",
    "units",
    "invalid",
    "required",
    "range",
    "repeated",
    "check",
    "failed",
    "june",
];

#[test]
fn the_indonesian_page_has_no_english_word() {
    let dir = Dir::new();
    let (html, _) = sample_run(
        &dir,
        &["--by", "region", "--budget", "5000000", "--lang", "id"],
    );
    let text = visible_text(&html);
    // The input's name is the user's, not a word of the page.
    let text = text.replace(&repo("data/sample-households.csv"), " ");
    let words: Vec<String> = text
        .split(|c: char| !(c.is_alphanumeric() || c == '-'))
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
        .collect();
    let english: Vec<&String> = words
        .iter()
        .filter(|w| ENGLISH.contains(&w.as_str()))
        .collect();
    assert!(
        english.is_empty(),
        "English words on the Indonesian page: {english:?}"
    );
    for term in [
        "garis kemiskinan",
        "pendapatan per kapita",
        "Hampir miskin",
        "Rentan",
        "Bantuan darurat",
        "Pemberdayaan",
        "Perlindungan jangka panjang",
        "1 Juni 2026",
        "Baris dibaca",
    ] {
        assert!(text.contains(term), "{term}");
    }
    // The English page, for contrast, says it in English.
    let en = Dir::new();
    let (html, _) = sample_run(&en, &["--lang", "en"]);
    let text = visible_text(&html);
    for term in ["Rows read", "Near poor", "1 June 2026", "Capacity building"] {
        assert!(text.contains(term), "{term}");
    }
}

/// Run the sample with `--report r.html` (no `--lang`) under `env`.
fn page_language(env: &[(&str, &str)]) -> String {
    let dir = Dir::new();
    let mut cmd = Command::new(LAYAK);
    cmd.args([
        "assess",
        &repo("data/sample-households.csv"),
        "-o",
        "d.csv",
        "--report",
        "r.html",
        "-q",
    ])
    .current_dir(dir.path())
    .env_remove("LC_ALL")
    .env_remove("LANG");
    for (k, v) in env {
        cmd.env(k, v);
    }
    let status = cmd.status().expect("layak runs");
    assert_eq!(status.code(), Some(3));
    let html = dir.read("r.html");
    let start = html.find("<html lang=\"").expect("a lang") + 12;
    html[start..start + 2].to_string()
}

#[test]
fn the_default_language_comes_from_lc_all_then_lang() {
    assert_eq!(page_language(&[]), "en");
    assert_eq!(page_language(&[("LANG", "id_ID.UTF-8")]), "id");
    assert_eq!(page_language(&[("LANG", "en_GB.UTF-8")]), "en");
    assert_eq!(
        page_language(&[("LANG", "id_ID.UTF-8"), ("LC_ALL", "C.UTF-8")]),
        "en"
    );
    assert_eq!(
        page_language(&[("LANG", "en_US.UTF-8"), ("LC_ALL", "id_ID.UTF-8")]),
        "id"
    );
}

#[test]
fn the_report_is_refused_where_it_would_destroy_or_mislead() {
    let dir = Dir::new();
    let input = dir.write("in.csv", repo_text("data/sample-households.csv"));
    let refused = |args: &[&str], says: &str| {
        let mut all = vec!["assess", input, "-o", "d.csv"];
        all.extend_from_slice(args);
        dir.run(&all).assert_code(2).no_panic().stderr_has(says);
    };
    refused(&["--report", "in.csv"], "--report in.csv is the input file");
    refused(&["--report", "./in.csv"], "is the input file");
    refused(
        &["--report", "s.html", "--summary", "s.html"],
        "name the same file",
    );
    refused(&["--report", "d.csv"], "name the same file");
    refused(&["--report", "r.pdf"], "name the file .html");
    refused(&["--report", "r.html.gz"], "name the file .html");
    refused(&["--report", "-"], "--report -: the report is a file");
    refused(
        &["--report", "r.html", "--lang", "fr"],
        "invalid value 'fr'",
    );
    assert!(!dir.exists("d.csv") && !dir.exists("r.html"));
    // `--by` shapes the report's summary too: it needs no --summary then.
    dir.run(&[
        "assess", input, "-o", "d.csv", "--report", "r.html", "--by", "area", "-q",
    ])
    .assert_code(3);
    assert!(dir.read("r.html").contains("<code><bdi>area</bdi></code>"));
}

#[cfg(unix)]
#[test]
fn the_report_is_written_with_the_other_outputs_or_not_at_all() {
    if !Path::new("/dev/full").exists() {
        return;
    }
    let dir = Dir::new();
    dir.write("r.html", "previous report");
    dir.write("d.csv", "previous decisions");
    dir.run(&[
        "assess",
        &repo("data/sample-households.csv"),
        "-o",
        "d.csv",
        "--report",
        "r.html",
        "--summary",
        "/dev/full",
        "-q",
    ])
    .assert_code(1)
    .no_panic();
    assert_eq!(dir.read("r.html"), "previous report");
    assert_eq!(dir.read("d.csv"), "previous decisions");
    let left: Vec<String> = dir
        .entries()
        .into_iter()
        .filter(|e| e != "r.html" && e != "d.csv")
        .collect();
    assert!(left.is_empty(), "temporary files left: {left:?}");
}

#[test]
fn person_files_make_the_same_report_numbers() {
    let dir = Dir::new();
    dir.run(&[
        "assess",
        &repo("data/sample-persons-households.csv"),
        "--persons",
        &repo("data/sample-persons.csv"),
        "-o",
        "d.csv",
        "--summary",
        "s.json",
        "--report",
        "r.html",
        "--lang",
        "id",
        "--by",
        "area",
    ])
    .assert_code(0)
    .no_panic();
    let json: Value = serde_json::from_str(&dir.read("s.json")).unwrap();
    let keys = check_numbers(&dir.read("r.html"), &json, "id");
    assert!(keys.iter().any(|k| k == "total.monthly_total"));
}

#[test]
fn the_deciles_of_a_ranking_policy_are_the_summarys() {
    for (lang, within) in [("en", false), ("id", true)] {
        let dir = Dir::new();
        let policy = repo("examples/policies/desil-income.toml");
        let input = repo("examples/policies/desil-income-sample.csv");
        let mut args = vec![
            "assess",
            "--policy",
            &policy,
            &input,
            "-o",
            "d.csv",
            "--summary",
            "s.json",
            "--report",
            "r.html",
            "--lang",
            lang,
        ];
        if within {
            args.extend_from_slice(&["--rank-within", "region"]);
        }
        dir.run(&args).assert_code(3).no_panic();
        let json: Value = serde_json::from_str(&dir.read("s.json")).unwrap();
        let html = dir.read("r.html");
        let keys = check_numbers(&html, &json, lang);
        let mut wanted = vec![
            "deciles.deciles.0.households",
            "deciles.deciles.3.persons",
            "deciles.deciles.0.programs.0.households",
            "deciles.deciles.1.programs.1.amount",
            "deciles.deciles.9.households",
        ];
        if within {
            wanted.extend(["deciles.cut_points_within.1.cut_points.8"]);
            assert!(html.contains("<bdi>32</bdi>"), "region 32's row");
        } else {
            wanted.extend(["deciles.deciles.0.cut_point", "deciles.deciles.8.cut_point"]);
        }
        for k in wanted {
            assert!(keys.iter().any(|x| x == k), "{lang}: {k} is not shown");
        }
        let title = if lang == "id" {
            "Desil kesejahteraan"
        } else {
            "Welfare deciles"
        };
        assert!(html.contains(title), "{lang}");
    }
}

/// A CSV cell, quoted when it must be.
fn cell(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

/// Hostile texts in ids, regions (the `--by` groups) and a rejected cell.
const SCRIPT: &str = "<script>alert(1)</script>";
const IMG: &str = "\"><img src=x onerror=alert(1)>";
const RTL: &str = "\u{202E}1023\u{202C}";
const ZERO_WIDTH: &str = "32\u{200B}01";

/// The first data rows of the sample with hostile ids and regions, and a
/// row rejected for a hostile `area` cell.
fn hostile_file() -> String {
    let text = repo_text("data/sample-households.csv");
    let mut lines = text.lines();
    let header = lines.next().unwrap();
    let names: Vec<&str> = header.split(',').collect();
    let col = |n: &str| names.iter().position(|c| *c == n).unwrap();
    let (id, region, area) = (col("household_id"), col("region"), col("area"));
    let mut out = format!("{header}\n");
    let hostile = [SCRIPT, IMG, RTL, ZERO_WIDTH, "مرحبا"];
    for (i, line) in lines.take(8).enumerate() {
        let mut cells: Vec<String> = line.split(',').map(str::to_string).collect();
        if let Some(h) = hostile.get(i) {
            cells[region] = h.to_string();
            cells[id] = format!("{h}{i}");
        }
        if i == 6 {
            cells[area] = format!("{SCRIPT}{IMG}{RTL}");
        }
        let row: Vec<String> = cells.iter().map(|c| cell(c)).collect();
        out.push_str(&row.join(","));
        out.push('\n');
    }
    out
}

#[test]
fn input_text_is_inert_and_visible_in_the_report() {
    let dir = Dir::new();
    let input = dir.write("hostile.csv", hostile_file());
    for lang in ["en", "id"] {
        dir.run(&[
            "assess",
            input,
            "-o",
            "d.csv",
            "--summary",
            "s.json",
            "--report",
            "r.html",
            "--by",
            "region",
            "--lang",
            lang,
        ])
        .assert_code(3)
        .no_panic()
        .assert_counts(8, 7, 1);
        let html = dir.read("r.html");
        let lower = html.to_lowercase();
        assert!(!lower.contains("<script"), "{lang}: a script element");
        assert!(!lower.contains("<img"), "{lang}: an image element");
        for raw in ['\u{202E}', '\u{202C}', '\u{200B}'] {
            assert!(!html.contains(raw), "{lang}: raw U+{:04X}", raw as u32);
        }
        // Shown as text, and the invisible characters as marks.
        assert!(html.contains("<bdi>&lt;script&gt;alert(1)&lt;/script&gt;</bdi>"));
        assert!(html.contains("<bdi>&quot;&gt;&lt;img src=x onerror=alert(1)&gt;</bdi>"));
        assert!(html.contains(
            "<bdi><span class=\"cp\">U+202E</span>1023<span class=\"cp\">U+202C</span></bdi>"
        ));
        assert!(html.contains("<bdi>32<span class=\"cp\">U+200B</span>01</bdi>"));
        assert!(html.contains("<bdi>مرحبا</bdi>"));
        // The rejected row's cell, among the first rejects of its reason.
        assert!(html.contains(
            "<bdi>&lt;script&gt;alert(1)&lt;/script&gt;&quot;&gt;&lt;img src=x onerror=alert(1)&gt;<span class=\"cp\">U+202E</span>1023<span class=\"cp\">U+202C</span></bdi>"
        ));
        let json: Value = serde_json::from_str(&dir.read("s.json")).unwrap();
        check_numbers(&html, &json, lang);
    }
}

/// `layak compare --report`: every number of the page is the comparison's
/// summary JSON's (signed differences included), in either language; the
/// page has the policy, reform and difference of costs and tracks, the
/// transition matrix, winners and losers, and the budget.
#[test]
fn the_compare_report_numbers_are_the_compare_summarys() {
    let dir = Dir::new();
    let data = repo("data/sample-households.csv");
    for lang in ["en", "id"] {
        let page = format!("cmp-{lang}.html");
        let summary = format!("cmp-{lang}.json");
        dir.run(&[
            "compare",
            &data,
            "--as-of",
            "2025-06-01",
            "--set",
            "near_poor_factor=1.3",
            "--budget",
            "3_000_000",
            "--report",
            &page,
            "--lang",
            lang,
            "--summary",
            &summary,
            "-o",
            "changed.csv",
            "--rejects",
            "rejects.csv",
        ])
        .assert_code(3);
        let html = dir.read(&page);
        let json: Value = serde_json::from_str(&dir.read(&summary)).unwrap();
        assert!(!html.contains("<script"), "no script");
        assert!(html.contains("Content-Security-Policy"));
        let numbers = tagged_numbers(&html);
        for (key, shown) in &numbers {
            let want = at_path(&json, key)
                .and_then(Value::as_f64)
                .unwrap_or_else(|| panic!("{key} (shown {shown:?}) is not a number of the JSON"));
            let (sign, rest) = match shown.chars().next() {
                Some('+') => (1.0, &shown[1..]),
                Some('−') => (-1.0, &shown['−'.len_utf8()..]),
                _ => (1.0, shown.as_str()),
            };
            let (got, _) = read_shown(rest, lang);
            assert!(
                (sign * got - want).abs() <= 0.5,
                "{key}: shown {shown:?}, JSON {want}"
            );
        }
        let keys: Vec<&str> = numbers.iter().map(|(k, _)| k.as_str()).collect();
        for wanted in [
            "base.total.programs.education_support.monthly_cost",
            "reform.total.programs.education_support.monthly_cost",
            "delta.total.programs.education_support.monthly_cost",
            "delta.total.tracks.not_eligible.households",
            "transitions.households.not_eligible.capacity_building",
            "winners.2.households",
            "losers.0.households",
            "monthly_change",
            "delta.budget.households_eligible",
        ] {
            assert!(keys.contains(&wanted), "{wanted} is on the {lang} page");
        }
        // A difference is signed: the reform moves one household out of not_eligible.
        assert!(
            html.contains("data-k=\"delta.total.tracks.not_eligible.households\">−1<"),
            "signed difference"
        );
    }
}
