//! Mapping profiles (`--profile`, `layak profile init|check`,
//! `--require-columns`): the guides' commands run as shown, and a file read
//! through a profile decides exactly what the same households written in
//! the policy's own names, labels and plain numbers decide.
// See: issue 14 ("Profiles").

use std::collections::HashMap;
use std::path::Path;
use std::process::Command;

use insta_cmd::assert_cmd_snapshot;

use crate::util::{Dir, LAYAK, Table, assert_same_rows, repo, repo_text, run_at};

const AS_OF: &str = "2026-06-01";
const DESA: &str = "examples/survei-desa.csv";
const DESA_PROFILE: &str = "examples/survei-desa.profile.toml";
const KOBO: &str = "examples/kobo-survey.csv";
const KOBO_PROFILE: &str = "examples/kobo-survey.profile.toml";

/// A folder holding copies of repository files at their repository paths.
fn sandbox(files: &[&str]) -> Dir {
    let dir = Dir::new();
    for file in files {
        let path = dir.join(file);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).expect("cannot create a folder");
        }
        std::fs::copy(repo(file), &path).unwrap_or_else(|e| panic!("cannot copy {file}: {e}"));
    }
    dir
}

/// The commands of a guide: its indented lines that start with `layak `
/// and name a file of `examples/` (lines ending in `\` continue).
fn guide_commands(guide: &str) -> Vec<Vec<String>> {
    let text = repo_text(guide);
    let mut commands = Vec::new();
    let mut lines = text.lines();
    while let Some(line) = lines.next() {
        let Some(start) = line.strip_prefix("    layak ") else {
            continue;
        };
        let mut words: Vec<String> = start.split_whitespace().map(str::to_string).collect();
        let mut continued = line.trim_end().ends_with('\\');
        while continued {
            let Some(next) = lines.next() else { break };
            continued = next.trim_end().ends_with('\\');
            words.extend(next.split_whitespace().map(str::to_string));
        }
        words.retain(|w| w != "\\");
        if words.iter().any(|w| w.starts_with("examples/")) {
            commands.push(words);
        }
    }
    commands
}

/// The Indonesian survey in the policy's own terms, converted here cell by
/// cell with the meanings the profile gives (written out independently).
fn plain_desa(drop: &[&str]) -> String {
    let labels: HashMap<&str, &str> = [
        ("Perkotaan", "urban"),
        ("Perdesaan", "rural"),
        ("Tidak sekolah", "none"),
        ("SD", "primary"),
        ("SMP", "secondary"),
        ("SMA", "secondary"),
        ("Perguruan tinggi", "tertiary"),
        ("Tanah", "earth"),
        ("Bambu", "bamboo"),
        ("Kayu", "wood"),
        ("Semen", "cement"),
        ("Keramik", "tile"),
        ("Ledeng", "piped"),
        ("Sumur terlindung", "protected_well"),
        ("Mata air terlindung", "protected_spring"),
        ("Sumur tak terlindung", "unprotected_well"),
        ("Air permukaan", "surface"),
        ("Air hujan", "rainwater"),
        ("Air kemasan", "bottled"),
        ("Sendiri", "private"),
        ("Bersama", "shared"),
        ("Listrik", "electricity"),
        ("Elpiji", "gas"),
        ("Minyak tanah", "kerosene"),
        ("Kayu bakar", "wood"),
        ("Bencana alam", "disaster"),
        ("Krisis ekonomi", "economic_crisis"),
        ("PHK", "job_loss"),
        ("Sakit", "illness"),
        ("-", ""),
        ("NA", ""),
    ]
    .into_iter()
    .collect();
    let header = "household_id;region;area;members;monthly_income;young_children;school_age_children;children_not_in_school;elderly;disabled;working_age_able;head_female;head_education;meals_per_day;floor_area_m2;floor_material;water_source;sanitation;electricity;cooking_fuel;health_insurance;shock;shock_months_ago;home_damaged";
    let text = repo_text(DESA);
    let mut out = format!("{header}\n");
    for line in text.lines().skip(1) {
        let cells: Vec<&str> = line.split(';').collect();
        if drop.contains(&cells[0]) {
            continue;
        }
        let converted: Vec<String> = cells
            .iter()
            .enumerate()
            .map(|(i, &c)| match (i, c) {
                // "Tidak ada" is `none` for the sanitation and shock questions.
                (_, "Tidak ada") => "none".to_string(),
                // Money and the floor area: `Rp 1.050.000,50` → 1050000.50.
                (4 | 14, c) => c
                    .trim_start_matches("Rp ")
                    .replace('.', "")
                    .replace(',', "."),
                (_, c) => labels.get(c).map_or(c.to_string(), |l| l.to_string()),
            })
            .collect();
        out.push_str(&converted.join(";"));
        out.push('\n');
    }
    out
}

#[test]
fn the_indonesian_survey_decides_as_the_same_households_in_plain_terms() {
    let dir = sandbox(&[DESA, DESA_PROFILE]);
    // RT-09's `Rp 1.50` is rejected by the profile, but reads as 1.5 plainly.
    let without = String::from_utf8(dir.read_bytes(DESA))
        .expect("UTF-8")
        .lines()
        .filter(|l| !l.starts_with("RT-09;"))
        .map(|l| format!("{l}\r\n"))
        .collect::<String>();
    dir.write("desa.csv", without);
    dir.write("plain.csv", plain_desa(&["RT-09"]));
    for format in ["csv", "json", "ndjson"] {
        let profiled = dir.run(&[
            "assess",
            "desa.csv",
            "--profile",
            DESA_PROFILE,
            "--as-of",
            AS_OF,
            "-f",
            format,
        ]);
        profiled.assert_code(0).assert_counts(9, 9, 0);
        let plain = dir.run(&["assess", "plain.csv", "--as-of", AS_OF, "-f", format]);
        plain.assert_code(0).assert_counts(9, 9, 0);
        assert_eq!(profiled.stdout, plain.stdout, "{format}: profile vs plain");
    }
}

#[test]
fn the_profiles_guide_runs_as_shown() {
    let dir = sandbox(&[DESA, DESA_PROFILE, KOBO, KOBO_PROFILE]);
    let commands = guide_commands("examples/profiles.md");
    let names: Vec<String> = commands.iter().map(|c| c[..2].join(" ")).collect();
    assert_eq!(
        names,
        [
            "assess examples/survei-desa.csv",
            "validate examples/survei-desa.csv",
            "explain examples/survei-desa.csv",
            "profile init",
            "profile check",
        ],
        "{commands:?}"
    );
    let guide = repo_text("examples/profiles.md");
    for command in &commands {
        let args: Vec<&str> = command.iter().map(String::as_str).collect();
        let out = dir.run(&args);
        out.no_panic();
        match args[..2] {
            ["assess", _] => {
                out.assert_code(3).assert_counts(10, 9, 1);
                // The reject and the count line, as the guide shows them.
                for line in out.stderr.lines() {
                    if !guide.contains(&format!("    {line}\n")) {
                        out.fail(format_args!("the guide does not show `{line}`"));
                    }
                }
                let expected = Table::read(Path::new(&repo("examples/survei-desa.expected.csv")));
                assert_eq!(expected.rows.len(), 9);
                assert_same_rows(
                    "survei-desa output vs examples/survei-desa.expected.csv",
                    "household_id",
                    &expected,
                    &out.csv(),
                );
                // The guide's table of tracks.
                for (id, track) in out
                    .csv()
                    .column("household_id")
                    .iter()
                    .zip(out.csv().column("track"))
                {
                    let row = format!("| {id} |");
                    let shown = guide
                        .lines()
                        .find(|l| l.starts_with(&row))
                        .unwrap_or_else(|| panic!("the guide's table has no {id}"));
                    assert!(
                        shown.ends_with(&format!("| {track} |")),
                        "{shown} vs {track}"
                    );
                }
            }
            ["validate", _] => {
                out.assert_code(3);
                out.stdout_has("24 of 24 inputs found in the header");
                out.stdout_has("`Rp 1.50` does not fit the profile's number format");
            }
            ["explain", _] => {
                out.assert_code(0);
                out.stdout_has("monthly_income          1,050,000.5");
                out.stdout_has("shock                   job_loss");
            }
            ["profile", "init"] => {
                out.assert_code(0);
                out.stderr_has("matched 24 of 24 inputs");
                // The profile it wrote decides as the shipped one.
                let written = dir.run(&[
                    "assess",
                    DESA,
                    "--profile",
                    "my-survey.profile.toml",
                    "--as-of",
                    AS_OF,
                ]);
                let shipped =
                    dir.run(&["assess", DESA, "--profile", DESA_PROFILE, "--as-of", AS_OF]);
                written.assert_code(3);
                assert_eq!(written.stdout, shipped.stdout);
                // It never overwrites.
                dir.run(&args).assert_code(2).stderr_has("the file exists");
            }
            ["profile", "check"] => {
                out.assert_code(0);
                out.stdout_has("members\tJumlah ART\n");
                out.stderr_has("24 of 24 inputs have a column");
            }
            _ => out.fail("an unexpected command in the guide"),
        }
    }
}

#[test]
fn the_kobo_profile_decides_as_its_22_renames() {
    let commands = guide_commands("examples/kobo-survey.md");
    assert_eq!(commands.len(), 2, "{commands:?}");
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let run = |c: &Vec<String>| {
        let mut args: Vec<&str> = c.iter().map(String::as_str).collect();
        args.extend(["--as-of", AS_OF]);
        run_at(root, &args, None)
    };
    let profiled = run(&commands[0]);
    let renamed = run(&commands[1]);
    assert!(commands[0].contains(&"--profile".to_string()));
    assert_eq!(commands[1].iter().filter(|w| *w == "--rename").count(), 22);
    profiled.assert_code(0).assert_counts(10, 10, 0);
    renamed.assert_code(0);
    assert_eq!(profiled.stdout, renamed.stdout);
    assert_eq!(profiled.stderr, renamed.stderr);
    // `profile init` finds 22 of the 24 inputs (the survey has no
    // `disabled` or `cooking_fuel` question), and what it writes decides
    // the same.
    let dir = sandbox(&[KOBO]);
    dir.run(&["profile", "init", KOBO, "-o", "k.toml"])
        .assert_code(0)
        .stderr_has("matched 22 of 24 inputs")
        .stderr_has("no column found for: disabled, cooking_fuel");
    let init = dir.run(&["assess", KOBO, "--profile", "k.toml", "--as-of", AS_OF]);
    assert_eq!(init.stdout, profiled.stdout);
}

/// A header of the default policy's 24 inputs, and a row (H001 of the sample).
const HEADER: &str = "household_id,region,area,members,monthly_income,young_children,school_age_children,children_not_in_school,elderly,disabled,working_age_able,head_female,head_education,meals_per_day,floor_area_m2,floor_material,water_source,sanitation,electricity,cooking_fuel,health_insurance,shock,shock_months_ago,home_damaged";

/// A file of `rows` of (id, income cell, floor area cell), the rest of H001.
fn money_file(rows: &[(&str, &str, &str)], delimiter: char) -> String {
    let mut out = HEADER.replace(',', &delimiter.to_string());
    out.push('\n');
    for (id, income, floor) in rows {
        let cells = [
            id,
            "3201",
            "rural",
            "5",
            income,
            "1",
            "2",
            "0",
            "0",
            "0",
            "2",
            "false",
            "primary",
            "3",
            floor,
            "cement",
            "protected_well",
            "private",
            "true",
            "gas",
            "true",
            "none",
            "0",
            "false",
        ];
        out.push_str(&cells.join(&delimiter.to_string()));
        out.push('\n');
    }
    out
}

#[test]
fn number_formats_read_the_same_decimal_or_reject_naming_the_format() {
    let dir = Dir::new();
    dir.write(
        "p.toml",
        "number = { decimal = \",\", thousands = \".\", currency = \"Rp\" }\n",
    );
    let cells = [
        ("A", "Rp 1.500.000,50", "36,5", "1500000.50", "36.5"),
        ("B", "1.500.000", "36", "1500000", "36"),
        ("C", "1500000,50", "1.036,25", "1500000.50", "1036.25"),
        ("D", "rp750.000", "7,125", "750000", "7.125"),
        (
            "E",
            "Rp 999.999.999.999,99",
            "0,01",
            "999999999999.99",
            "0.01",
        ),
        ("F", "Rp 0,005", "12", "0.005", "12"),
    ];
    let profiled: Vec<(&str, &str, &str)> = cells.iter().map(|c| (c.0, c.1, c.2)).collect();
    let plain: Vec<(&str, &str, &str)> = cells.iter().map(|c| (c.0, c.3, c.4)).collect();
    // Semicolons: the decimal comma would split a comma-separated file.
    dir.write("in.csv", money_file(&profiled, ';'));
    dir.write("plain.csv", money_file(&plain, ';'));
    for format in ["csv", "json"] {
        let a = dir.run(&[
            "assess",
            "in.csv",
            "--profile",
            "p.toml",
            "--as-of",
            AS_OF,
            "-f",
            format,
        ]);
        a.assert_code(0).assert_counts(6, 6, 0);
        let b = dir.run(&["assess", "plain.csv", "--as-of", AS_OF, "-f", format]);
        assert_eq!(a.stdout, b.stdout, "{format}");
    }
    // Cells that do not fit: rejected, the reason naming the format.
    let bad = [
        ("A", "1.50", "36"),
        ("B", "1500000.50", "36"),
        ("C", "Rp 1.5000", "36"),
        ("D", "1,5,0", "36"),
        ("E", "USD 5", "36"),
        ("F", "2000000", "36.5"),
    ];
    dir.write("bad.csv", money_file(&bad, ';'));
    let out = dir.run(&["assess", "bad.csv", "--profile", "p.toml", "--as-of", AS_OF]);
    out.assert_code(3).assert_counts(6, 0, 6);
    for (id, cell, _) in &bad[..5] {
        out.stderr_has(&format!(
            "(household {id}), monthly_income: `{cell}` does not fit the profile's number format (thousands `.`, decimal `,`, currency `Rp`), e.g. Rp 1.500.000,50 [invalid_value]"
        ));
    }
    out.stderr_has("(household F), floor_area_m2: `36.5` does not fit");
    // A per-input format replaces the file's: the floor area plainly.
    dir.write(
        "p2.toml",
        "number = { decimal = \",\", thousands = \".\" }\n[inputs.floor_area_m2]\nnumber = { decimal = \".\" }\n",
    );
    dir.write("mixed.csv", money_file(&[("A", "1.500.000", "36.5")], ';'));
    dir.run(&[
        "assess",
        "mixed.csv",
        "--profile",
        "p2.toml",
        "--as-of",
        AS_OF,
    ])
    .assert_code(0)
    .assert_counts(1, 1, 0);
}

#[test]
fn missing_value_codes_read_as_empty_cells() {
    let dir = Dir::new();
    dir.write(
        "p.toml",
        "missing = [\"-\", \"NA\"]\n[inputs.meals_per_day]\nmissing = [\"99\"]\n",
    );
    let mut text = money_file(
        &[
            ("A", "2000000", "36"),
            ("B", "NA", "36"),
            ("NA", "2000000", "-"),
        ],
        ',',
    );
    // meals_per_day (default 3) answered 99 on A: its default.
    text = text.replacen(
        "A,3201,rural,5,2000000,1,2,0,0,0,2,false,primary,3,",
        "A,-,rural,5,2000000,1,2,0,0,0,2,false,primary,99,",
        1,
    );
    dir.write("in.csv", &text);
    let out = dir.run(&[
        "assess",
        "in.csv",
        "--profile",
        "p.toml",
        "--as-of",
        AS_OF,
        "--rejects",
        "r.csv",
        "-o",
        "d.csv",
    ]);
    out.assert_code(3).assert_counts(3, 2, 1);
    let rejects = Table::read(&dir.join("r.csv"));
    assert_eq!(rejects.column("household_id"), ["B"]);
    assert_eq!(rejects.column("code"), ["missing_required"]);
    assert_eq!(
        rejects.column("reason"),
        [
            "`monthly_income` is required but the cell holds `NA`, a missing-value code of the profile"
        ]
    );
    // The id is not a missing-value code's: `NA` is a household.
    let decided = Table::read(&dir.join("d.csv"));
    assert_eq!(decided.column("household_id"), ["A", "NA"]);
    // A text input's code is its default (region: empty).
    assert_eq!(decided.column("region"), ["", "3201"]);
    // The same as the cells left empty.
    let empty = text
        .replace(",99,", ",,")
        .replacen(",NA,", ",,", 1)
        .replace(",-,", ",,");
    dir.write("empty.csv", &empty);
    dir.run(&[
        "assess",
        "empty.csv",
        "--as-of",
        AS_OF,
        "-o",
        "e.csv",
        "--rejects",
        "re.csv",
    ]);
    assert_eq!(dir.read("d.csv"), dir.read("e.csv"));
    // explain marks a code as a default.
    let out = dir.run(&[
        "explain",
        "in.csv",
        "--id",
        "A",
        "--detail",
        "--profile",
        "p.toml",
        "--as-of",
        AS_OF,
    ]);
    out.assert_code(0)
        .stdout_has("  * meals_per_day           3");
}

#[test]
fn value_maps_and_the_command_line_winning() {
    let dir = Dir::new();
    dir.write(
        "p.toml",
        "delimiter = \",\"\n[columns]\nDaerah = \"area\"\nART = \"members\"\n[inputs.area.values]\nKota = \"urban\"\nDesa = \"rural\"\n[inputs.head_female.values]\nPerempuan = true\n\"Laki-laki\" = \"false\"\n",
    );
    let text = money_file(
        &[
            ("A", "2000000", "36"),
            ("B", "2000000", "36"),
            ("C", "2000000", "36"),
        ],
        ',',
    )
    .replacen("area,members", "Daerah,ART", 1)
    .replacen("A,3201,rural", "A,3201,Kota", 1)
    .replacen("B,3201,rural", "B,3201,DESA", 1)
    .replacen("C,3201,rural", "C,3201,Pinggiran", 1)
    .replacen(",2,false,primary", ",2,perempuan,primary", 1);
    dir.write("in.csv", &text);
    let out = dir.run(&[
        "assess",
        "in.csv",
        "--profile",
        "p.toml",
        "--as-of",
        AS_OF,
        "-f",
        "json",
    ]);
    out.assert_code(3).assert_counts(3, 2, 1);
    out.stderr_has("area: `Pinggiran` is not an allowed value: expected one of urban, rural (or, by the profile, Kota, Desa)");
    let plain = text
        .replacen("Daerah,ART", "area,members", 1)
        .replacen("Kota", "urban", 1)
        .replacen("DESA", "rural", 1)
        .replacen("Pinggiran", "rural", 1)
        .replacen("perempuan", "true", 1);
    dir.write("plain.csv", &plain);
    let p = dir.run(&["assess", "plain.csv", "--as-of", AS_OF, "-f", "json"]);
    let (a, b) = (out.json_array(), p.json_array());
    assert_eq!(a[..], b[..2]);
    // A --rename onto an input wins over the profile's mapping onto it:
    // `area` is read from `Zona`, and `Daerah` (with `Pinggiran`) is unused.
    let zona: String = text
        .lines()
        .enumerate()
        .map(|(i, l)| format!("{l},{}\n", if i == 0 { "Zona" } else { "urban" }))
        .collect();
    dir.write("zona.csv", &zona);
    let out = dir.run(&[
        "assess",
        "zona.csv",
        "--profile",
        "p.toml",
        "--rename",
        "Zona=area",
        "--as-of",
        AS_OF,
    ]);
    out.assert_code(0).assert_counts(3, 3, 0);
    assert_eq!(out.csv().column("poverty_line"), ["629561.00"; 3]);
    // -d wins over the profile's delimiter.
    dir.write("semi.csv", text.replace(',', ";"));
    dir.run(&[
        "assess",
        "semi.csv",
        "--profile",
        "p.toml",
        "--as-of",
        AS_OF,
    ])
    .assert_code(1)
    .stderr_has("did you mean `-d ';'`?");
    dir.run(&[
        "assess",
        "semi.csv",
        "--profile",
        "p.toml",
        "-d",
        ";",
        "--as-of",
        AS_OF,
    ])
    .assert_code(3)
    .assert_counts(3, 2, 1);
}

#[test]
fn every_missing_column_is_named_at_once() {
    let dir = Dir::new();
    dir.write(
        "in.csv",
        "ID Ruta;Jumlah ART;Penghasilan Sebulan;area\nA;2;1000000;rural\n",
    );
    // Three required inputs missing: all named, with the header's nearest names.
    let out = dir.run(&["assess", "in.csv", "--as-of", AS_OF]);
    out.assert_code(1);
    out.stderr_has("error: in.csv: 3 of the policy's inputs have no column in the header\n  required column `household_id` is missing; did you mean `ID Ruta`?\n  required column `members` is missing; did you mean `Jumlah ART`?\n  required column `monthly_income` is missing; did you mean `Penghasilan Sebulan`?\n  the header has: ID Ruta, Jumlah ART, Penghasilan Sebulan, area\n");
    // --require-columns: every input, required or not, before any row.
    dir.write(
        "full.csv",
        money_file(&[("A", "2000000", "36")], ',')
            .replacen(",shock,", ",guncangan,", 1)
            .replacen(",elderly,", ",lansia,", 1),
    );
    let out = dir.run(&[
        "assess",
        "full.csv",
        "--require-columns",
        "-o",
        "out.csv",
        "--as-of",
        AS_OF,
    ]);
    out.assert_code(1);
    out.stderr_has("2 of the policy's inputs have no column in the header\n  optional column `elderly` is missing; did you mean `lansia`?\n  optional column `shock` is missing; did you mean `guncangan`?\n");
    assert!(!dir.exists("out.csv"));
    dir.write("req.toml", "require_columns = true\n");
    dir.run(&["validate", "full.csv", "--profile", "req.toml"])
        .assert_code(1)
        .stderr_has("optional column `elderly` is missing");
    // Without it: two warnings and the run goes on.
    dir.run(&["assess", "full.csv", "--as-of", AS_OF])
        .assert_code(0)
        .stderr_lacks("inputs have no column");
    // Most inputs missing: a loud warning (21 of 24).
    dir.write(
        "few.csv",
        "household_id,members,monthly_income\nA,2,100000\n",
    );
    dir.run(&["assess", "few.csv", "--as-of", AS_OF])
        .assert_code(0)
        .stderr_has("warning: few.csv: 21 of the policy's 24 inputs have no column, so every household takes their defaults");
}

#[test]
fn a_profile_that_does_not_fit_is_a_usage_error_with_its_place() {
    let dir = sandbox(&[KOBO]);
    dir.write(
        "bad.toml",
        "strip_groups = true\n[columns]\nsize = \"membrs\"\n[inputs.area.values]\nKota = \"urbn\"\n",
    );
    let out = dir.run(&["assess", KOBO, "--profile", "bad.toml"]);
    out.assert_code(2)
        .stderr_has("error: the policy has no input `membrs`\n --> bad.toml:3:8\n")
        .stderr_has("= help: did you mean `members`?")
        .stderr_has("`area` has no label `urbn` (for the file's `Kota`)")
        .stderr_has("did you mean `urban`?");
    let check = dir.run(&["profile", "check", "bad.toml"]);
    check
        .assert_code(1)
        .stderr_has("bad.toml does not fit the policy");
    dir.write("typo.toml", "strip_group = true\n");
    dir.run(&["validate", KOBO, "--profile", "typo.toml"])
        .assert_code(2)
        .stderr_has("did you mean `strip_groups`?")
        .stderr_has("typo.toml:1:1");
    dir.run(&["explain", KOBO, "--id", "x", "--profile", "none.toml"])
        .assert_code(2)
        .stderr_has("--profile none.toml: cannot read it");
}

#[test]
fn person_files_take_a_profile() {
    let dir = sandbox(&[
        "data/sample-persons.csv",
        "data/sample-persons-households.csv",
    ]);
    let persons = dir.read("data/sample-persons.csv");
    let renamed = persons
        .replacen("age,relationship,sex", "p/umur,relationship,p/jk", 1)
        .replace(",female,", ",P,")
        .replace(",male,", ",L,");
    dir.write("persons.csv", renamed);
    dir.write(
        "p.toml",
        "strip_groups = true\n[columns]\numur = \"age\"\njk = \"sex\"\n[inputs.sex.values]\nP = \"female\"\nL = \"male\"\n",
    );
    let args = |file: &'static str, profile: bool| {
        let mut a = vec![
            "assess",
            "data/sample-persons-households.csv",
            "--persons",
            file,
            "--as-of",
            AS_OF,
        ];
        if profile {
            a.extend(["--profile", "p.toml"]);
        }
        a
    };
    let a = dir.run(&args("persons.csv", true));
    let b = dir.run(&args("data/sample-persons.csv", false));
    a.assert_code(0);
    assert_eq!(a.stdout, b.stdout);
    assert!(!a.stdout.is_empty());
    // A household column the profile maps to an input the persons supply is
    // overridden by them, as a `--rename` of it would be.
    let households: String = dir
        .read("data/sample-persons-households.csv")
        .lines()
        .enumerate()
        .map(|(i, l)| format!("{l},{}\n", if i == 0 { "Jumlah ART" } else { "99" }))
        .collect();
    dir.write("households.csv", households);
    dir.write(
        "p2.toml",
        "strip_groups = true\n[columns]\n\"Jumlah ART\" = \"members\"\numur = \"age\"\njk = \"sex\"\n[inputs.sex.values]\nP = \"female\"\nL = \"male\"\n",
    );
    let c = dir.run(&[
        "assess",
        "households.csv",
        "--persons",
        "persons.csv",
        "--profile",
        "p2.toml",
        "--as-of",
        AS_OF,
    ]);
    c.assert_code(0)
        .stderr_has("warning: households.csv: `members` is computed from the persons; the file's column is ignored");
    assert_eq!(c.stdout, b.stdout);
}

/// `layak ARGS` in `dir` for a snapshot: no environment that changes the output.
fn layak(dir: &Dir, args: &[&str]) -> Command {
    let mut command = Command::new(LAYAK);
    command
        .args(args)
        .current_dir(dir.path())
        .env_remove("RUST_BACKTRACE")
        .env_remove("COLUMNS");
    command
}

#[test]
fn snapshots_of_the_profile_commands() {
    let dir = sandbox(&[KOBO, KOBO_PROFILE]);
    let mut settings = insta::Settings::clone_current();
    settings.set_prepend_module_to_snapshot(false);
    settings.bind(|| {
        assert_cmd_snapshot!("profile_help", layak(&dir, &["profile", "--help"]));
        assert_cmd_snapshot!(
            "profile_init_help",
            layak(&dir, &["profile", "init", "--help"])
        );
        assert_cmd_snapshot!(
            "profile_check_help",
            layak(&dir, &["profile", "check", "--help"])
        );
        assert_cmd_snapshot!("profile_init_kobo", layak(&dir, &["profile", "init", KOBO]));
        assert_cmd_snapshot!(
            "profile_check_kobo",
            layak(&dir, &["profile", "check", KOBO_PROFILE, KOBO])
        );
    });
}

#[test]
fn the_profile_gives_the_id_columns_and_the_delimiter() {
    let dir = Dir::new();
    let text = money_file(&[("1", "2000000", "36"), ("2", "1000000", "36")], '|')
        .replacen("household_id|", "YEAR|SERIAL|", 1)
        .replacen("\n1|", "\n2020|1|", 1)
        .replacen("\n2|", "\n2020|2|", 1);
    dir.write("in.csv", &text);
    dir.write(
        "p.toml",
        "delimiter = \"|\"\nid_columns = [\"YEAR\", \"SERIAL\"]\n",
    );
    let out = dir.run(&["assess", "in.csv", "--profile", "p.toml", "--as-of", AS_OF]);
    out.assert_code(0).assert_counts(2, 2, 0);
    assert_eq!(out.csv().column("household_id"), ["2020_1", "2020_2"]);
    // --id-columns wins.
    let out = dir.run(&[
        "assess",
        "in.csv",
        "--profile",
        "p.toml",
        "--id-columns",
        "SERIAL",
        "--as-of",
        AS_OF,
    ]);
    assert_eq!(out.csv().column("household_id"), ["1", "2"]);
}
