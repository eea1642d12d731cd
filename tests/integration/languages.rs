//! Texts for people in Bahasa Indonesia and English (issue 19, item 1):
//! `--lang`, `LC_ALL`/`LANG`, the policy's default, and the Indonesian
//! texts of the default policy.

use std::path::Path;
use std::process::Command;

use crate::snapshot::assert_snapshot;
use crate::util::{LAYAK, Output, Table, repo, run_at};

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// Run `layak ARGS` in the repository with exactly these locale variables.
fn run_env(args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut cmd = Command::new(LAYAK);
    cmd.args(args)
        .current_dir(root())
        .env_remove("LC_ALL")
        .env_remove("LANG")
        .env_remove("RUST_BACKTRACE");
    for (k, v) in env {
        cmd.env(k, v);
    }
    let out = cmd.output().expect("layak runs");
    Output {
        args: args.iter().map(|a| a.to_string()).collect(),
        cwd: root().to_path_buf(),
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

const SAMPLE: &str = "data/sample-households.csv";

fn assess(extra: &[&str], env: &[(&str, &str)]) -> Output {
    let mut args = vec!["assess", SAMPLE, "-q", "--rejects", "/dev/null", "-o", "-"];
    args.extend_from_slice(extra);
    // --rejects /dev/null keeps stdout the decisions alone.
    let out = run_env(&args, env);
    out.assert_code(3);
    out
}

/// Words that must not appear in an Indonesian sentence of the default
/// policy (ids such as `food_assistance` are taken out first).
pub(crate) const ENGLISH: &[&str] = &[
    "the",
    "is",
    "are",
    "a",
    "of",
    "and",
    "or",
    "to",
    "for",
    "by",
    "with",
    "no",
    "not",
    "below",
    "above",
    "month",
    "months",
    "member",
    "members",
    "income",
    "poverty",
    "line",
    "child",
    "children",
    "school-age",
    "grant",
    "eligible",
    "deferred",
    "capped",
    "from",
    "cap",
    "household",
    "track",
    "deprivation",
    "score",
    "emergency",
    "disaster",
    "conflict",
    "illness",
    "death",
    "urban",
    "rural",
    "poor",
    "near",
    "none",
    "vulnerable",
    "severe",
    "starts",
    "after",
    "work",
    "able",
    "insured",
    "needs",
    "basic",
    "once",
    "one-off",
    "while",
    "lasts",
    "ago",
    "window",
    "yes",
];

/// The words of the reasons, without the ids before `:` and after `jalur`.
fn reason_words(reasons: &str) -> Vec<String> {
    let mut words = Vec::new();
    for sentence in reasons.split(" | ") {
        // `id: text`, or `jalur id: text` for the track.
        let text = sentence.split_once(": ").map_or("", |(_, t)| t);
        for w in text.split(|c: char| c.is_whitespace() || ",;:()".contains(c)) {
            if !w.is_empty() {
                words.push(w.to_lowercase());
            }
        }
    }
    words
}

#[test]
fn every_reason_of_the_sample_in_indonesian_has_no_placeholder_and_no_english_word() {
    let out = assess(&["--lang", "id"], &[]);
    let table = Table::parse(&out.stdout).expect("CSV decisions");
    let reasons = table.column("reasons");
    assert_eq!(reasons.len(), 41);
    for r in &reasons {
        assert!(
            !r.contains('{') && !r.contains('}'),
            "a placeholder is left: {r}"
        );
        for w in reason_words(r) {
            assert!(
                !ENGLISH.contains(&w.as_str()),
                "English word `{w}` in an Indonesian reason: {r}"
            );
        }
    }
    // The BPS/Kemensos terms and Indonesian numbers are there.
    let all = reasons.join(" | ");
    for term in [
        "garis kemiskinan perdesaan Rp 580.349",
        "pendapatan per kapita Rp 400.000",
        "hampir miskin",
        "rentan",
        "bencana alam 2 bulan lalu",
        "perlindungan jangka panjang",
        "pemberdayaan",
        "1 anak usia sekolah x Rp 75.000",
        "ditunda, mulai setelah 3 bulan",
        "dipotong dari 600.000 menjadi 412.000 oleh batas bulanan rumah tangga sebesar 1.200.000",
        "skor 0,3333 (miskin)",
    ] {
        assert!(all.contains(term), "no `{term}` in {all}");
    }
    assert_snapshot("assess-sample-id.csv", &out.stdout);
}

#[test]
fn the_words_of_the_english_check_would_catch_english() {
    // The word list is not empty of meaning: the English reasons fail it.
    let out = assess(&[], &[]);
    let table = Table::parse(&out.stdout).expect("CSV decisions");
    let english = table
        .column("reasons")
        .iter()
        .flat_map(|r| reason_words(r))
        .filter(|w| ENGLISH.contains(&w.as_str()))
        .count();
    assert!(english > 100, "{english}");
}

#[test]
fn english_plurals_and_units_are_right() {
    let out = assess(&[], &[]);
    let all = out.stdout;
    for good in [
        "1 school-age child x 75,000",
        "2 school-age children x 75,000",
        "1 member able to work",
        "2 members able to work",
        "death 1 month ago (window 6 months)",
        "1 elderly or disabled member x 200,000",
    ] {
        assert!(all.contains(good), "no `{good}`");
    }
    for bad in [
        "1 school-age children",
        "member(s)",
        " 1 months",
        "1 elderly or disabled members",
    ] {
        assert!(!all.contains(bad), "`{bad}` in the output");
    }
}

#[test]
fn lang_then_lc_all_then_lang_then_the_policy_choose_the_language() {
    let english = assess(&[], &[]).stdout;
    let indonesian = assess(&["--lang", "id"], &[]).stdout;
    assert_ne!(english, indonesian);
    // LANG=id_ID.UTF-8 picks Indonesian.
    assert_eq!(assess(&[], &[("LANG", "id_ID.UTF-8")]).stdout, indonesian);
    // --lang en overrides it.
    assert_eq!(
        assess(&["--lang", "en"], &[("LANG", "id_ID.UTF-8")]).stdout,
        english
    );
    // LC_ALL overrides LANG; a locale of neither language leaves the policy's own (English).
    assert_eq!(
        assess(&[], &[("LC_ALL", "id_ID.UTF-8"), ("LANG", "en_US.UTF-8")]).stdout,
        indonesian
    );
    assert_eq!(
        assess(&[], &[("LC_ALL", "C.UTF-8"), ("LANG", "id_ID.UTF-8")]).stdout,
        english
    );
    assert_eq!(assess(&[], &[("LANG", "fr_FR.UTF-8")]).stdout, english);
    // The decisions are the same; only the texts differ.
    let en = Table::parse(&english).expect("CSV");
    let id = Table::parse(&indonesian).expect("CSV");
    for column in [
        "household_id",
        "track",
        "programs",
        "monthly_total",
        "policy_hash",
    ] {
        assert_eq!(en.column(column), id.column(column), "{column}");
    }
}

#[test]
fn a_policy_whose_default_is_indonesian_speaks_it_unless_asked_otherwise() {
    let dir = crate::util::Dir::new();
    let policy = std::fs::read_to_string(repo("data/policies/default.toml"))
        .expect("the default policy")
        .replacen("language = \"en\"", "language = \"id\"", 1);
    dir.write("id.toml", &policy);
    let path = dir.join("id.toml");
    let path = path.to_str().expect("a UTF-8 path");
    let explain = |extra: &[&str], env: &[(&str, &str)]| {
        let mut args = vec![
            "explain", "--detail", SAMPLE, "--id", "H002", "--policy", path,
        ];
        args.extend_from_slice(extra);
        let out = run_env(&args, env);
        out.assert_code(0);
        out.stdout
    };
    assert!(explain(&[], &[]).contains("DIBERIKAN"));
    assert!(explain(&[], &[("LANG", "C.UTF-8")]).contains("DIBERIKAN"));
    assert!(explain(&[], &[("LANG", "en_GB.UTF-8")]).contains("GRANTED"));
    assert!(explain(&["--lang", "en"], &[]).contains("GRANTED"));
}

#[test]
fn explain_in_indonesian_and_english() {
    // The full trace (--detail) and the family view (the default).
    for (id, lang) in [("H022", "id"), ("H002", "id"), ("H002", "en")] {
        for (view, name) in [("--detail", "explain"), ("--lang", "family")] {
            let mut args = vec!["explain", SAMPLE, "--id", id, "--as-of", "2025-06-01"];
            args.extend(["--lang", lang]);
            if view == "--detail" {
                args.push(view);
            }
            let out = run_at(root(), &args, None);
            out.assert_code(0);
            assert_snapshot(&format!("{name}-{id}-{lang}.txt"), &out.stdout);
        }
    }
}

#[test]
fn the_summary_and_validate_speak_the_language() {
    let out = run_at(
        root(),
        &[
            "assess",
            SAMPLE,
            "-o",
            "/dev/null",
            "--summary",
            "-",
            "--lang",
            "id",
            "--rejects",
            "/dev/null",
        ],
        None,
    );
    out.assert_code(3)
        .stderr_has("ringkasan: data/sample-households.csv (7.679 bita)")
        .stderr_has("biaya: 14.373.000 IDR per bulan, 40.000.000 IDR sekali bayar")
        .stderr_has("H 20,0%");
    let out = run_at(root(), &["validate", SAMPLE, "--lang", "id"], None);
    out.assert_code(3)
        .stdout_has("69 baris dibaca = 41 sah + 28 ditolak")
        .stdout_has("penolakan menurut kolom:");
}

#[test]
fn lang_naming_a_language_the_policy_lacks_is_a_warning() {
    let out = run_at(
        root(),
        &[
            "assess",
            SAMPLE,
            "--policy",
            &repo("examples/policies/income-only.toml"),
            "--lang",
            "id",
            "-q",
            "--rejects",
            "/dev/null",
        ],
        None,
    );
    out.no_panic()
        .stderr_has("warning: --lang id: the policy has no texts in that language (languages = [\"en\"]); its reasons stay in `en`");
}
