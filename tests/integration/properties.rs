//! Property tests on the library: arbitrary rows never panic and are always
//! counted; decisions survive a JSON round trip; thread count and chunk size
//! never change the output.
// See: issue 6.

use std::io;

use layak::input::{self, Layout, ReadOptions, Reject};
use layak::pipeline::{self, Options, RejectSink, Totals};
use layak::policy::{LoadOptions, Policy};
use layak::report::Format;
use proptest::prelude::*;
use serde::{Deserialize, Serialize};

const HEADER: &str = "household_id,region,area,members,monthly_income,young_children,school_age_children,children_not_in_school,elderly,disabled,working_age_able,head_female,head_education,meals_per_day,floor_area_m2,floor_material,water_source,sanitation,electricity,cooking_fuel,health_insurance,shock,shock_months_ago,home_damaged";

#[derive(Default)]
struct Collect(Vec<u8>);

impl RejectSink for Collect {
    fn reject(&mut self, r: &Reject) -> io::Result<()> {
        layak::report::write_reject_csv(r, &mut self.0);
        Ok(())
    }
}

fn policy() -> Policy {
    Policy::default_policy(&LoadOptions {
        as_of: Some("2025-06-01".into()),
    })
    .unwrap()
}

/// Run the whole pipeline on `data`; Err for a fatal input error.
fn run(
    policy: &Policy,
    data: &[u8],
    format: Format,
    threads: usize,
    chunk: usize,
) -> Result<(Totals, Vec<u8>, Vec<u8>), String> {
    let options = ReadOptions::default();
    let source = input::from_reader(
        "prop".into(),
        Box::new(io::Cursor::new(data.to_vec())),
        &options,
    )
    .map_err(|e| e.to_string())?;
    let layout = Layout::new(policy, &source, &options).map_err(|e| e.to_string())?;
    let mut out = Vec::new();
    let mut rejects = Collect::default();
    let opts = Options {
        threads,
        chunk_bytes: chunk,
        strict: false,
        all_errors: false,
        progress: None,
        deciles: None,
        overrides: None,
    };
    let totals = pipeline::assess(
        policy,
        &layout,
        source,
        format,
        &mut out,
        &mut rejects,
        &opts,
    )
    .map_err(|e| e.to_string())?;
    Ok((totals, out, rejects.0))
}

/// A cell: plausible values, hostile characters, or random text.
fn cell() -> impl Strategy<Value = String> {
    prop_oneof![
        Just(String::new()),
        (0u32..60).prop_map(|n| n.to_string()),
        (0u64..5_000_000).prop_map(|n| n.to_string()),
        Just("1500000.50".to_string()),
        Just("-3".to_string()),
        prop::sample::select(vec![
            "urban", "rural", "Ya", "tidak", "yes", "none", "disaster", "earth", "piped", "shared",
            "wood", "maybe", "1e5", "\"q\"", "a,b", " 7 ", "\u{feff}", "٣"
        ])
        .prop_map(String::from),
        "[a-zA-Z0-9 ,\"\\n\\r\\t;|=@+-]{0,12}",
    ]
}

/// A valid household row (every value in range, the age bands consistent).
fn valid_row() -> impl Strategy<Value = Vec<String>> {
    (
        (
            1u32..10,
            0u64..20_000_000,
            0u32..3,
            0u32..4,
            0u32..3,
            0u32..2,
            0u32..4,
        ),
        (
            prop::sample::select(vec!["urban", "rural"]),
            prop::sample::select(vec!["none", "primary", "secondary", "tertiary"]),
            0u32..5,
            0u32..200,
            prop::sample::select(vec!["earth", "bamboo", "wood", "cement", "tile"]),
            prop::sample::select(vec!["piped", "surface", "rainwater", "bottled"]),
            prop::sample::select(vec!["private", "shared", "none"]),
        ),
        (
            prop::sample::select(vec!["none", "disaster", "conflict", "job_loss", "illness"]),
            0u32..12,
            any::<[bool; 4]>(),
        ),
    )
        .prop_map(
            |(
                (extra, income, young, school, elderly, disabled, able),
                (area, edu, meals, floor, mat, water, san),
                (shock, ago, flags),
            )| {
                let members = young + school + elderly + able + extra;
                let not_in_school = school.min(1);
                vec![
                    String::new(), // id, set by the caller
                    "3201".into(),
                    area.into(),
                    members.to_string(),
                    income.to_string(),
                    young.to_string(),
                    school.to_string(),
                    not_in_school.to_string(),
                    elderly.to_string(),
                    disabled.min(members).to_string(),
                    able.to_string(),
                    flags[0].to_string(),
                    edu.into(),
                    meals.to_string(),
                    floor.to_string(),
                    mat.into(),
                    water.into(),
                    san.into(),
                    flags[1].to_string(),
                    "gas".into(),
                    flags[2].to_string(),
                    shock.into(),
                    ago.to_string(),
                    flags[3].to_string(),
                ]
            },
        )
}

fn csv_line(cells: &[String]) -> String {
    let quoted: Vec<String> = cells
        .iter()
        .map(|c| {
            if c.contains([',', '"', '\n', '\r']) {
                format!("\"{}\"", c.replace('"', "\"\""))
            } else {
                c.clone()
            }
        })
        .collect();
    quoted.join(",")
}

/// The JSON wire format, for reading decisions back.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct DecisionRecord {
    household_id: String,
    region: String,
    income_status: Option<String>,
    per_capita_income: Option<f64>,
    poverty_line: Option<f64>,
    deprivation_score: Option<f64>,
    deprivation_status: Option<String>,
    deprived: Vec<String>,
    emergency: Option<bool>,
    labour_capacity: Option<bool>,
    track: String,
    programs: Vec<ProgramRecord>,
    deferred: Vec<String>,
    monthly_total: f64,
    one_off_total: f64,
    capped: bool,
    review_after_months: u32,
    priority: f64,
    reasons: Vec<String>,
    policy_id: String,
    policy_version: String,
    policy_hash: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct ProgramRecord {
    id: String,
    kind: String,
    provider: String,
    status: String,
    amount: f64,
    period: String,
    duration_months: Option<f64>,
    starts_after_months: Option<f64>,
    review_months: u32,
    capped_from: Option<f64>,
    reason: String,
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, .. ProptestConfig::default() })]

    #[test]
    fn any_row_is_decided_or_rejected_never_lost(rows in prop::collection::vec(prop::collection::vec(cell(), 20..27), 1..6)) {
        let policy = policy();
        let mut data = format!("{HEADER}\n");
        for (i, row) in rows.iter().enumerate() {
            let mut row = row.clone();
            if let Some(first) = row.first_mut() {
                if i % 2 == 0 {
                    *first = format!("P{i}");
                }
            }
            data.push_str(&csv_line(&row));
            data.push('\n');
        }
        if let Ok((totals, _, _)) = run(&policy, data.as_bytes(), Format::Csv, 1, 1 << 16) {
            prop_assert_eq!(totals.read, totals.decided + totals.rejected);
        }
    }

    #[test]
    fn arbitrary_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..400)) {
        let policy = policy();
        let mut data = format!("{HEADER}\n").into_bytes();
        data.extend_from_slice(&bytes);
        if let Ok((totals, _, _)) = run(&policy, &data, Format::Ndjson, 2, 17) {
            prop_assert_eq!(totals.read, totals.decided + totals.rejected);
        }
    }

    #[test]
    fn decisions_survive_a_json_round_trip(rows in prop::collection::vec(valid_row(), 1..8)) {
        let policy = policy();
        let mut data = format!("{HEADER}\n");
        for (i, row) in rows.iter().enumerate() {
            let mut row = row.clone();
            row[0] = format!("V{i}");
            data.push_str(&csv_line(&row));
            data.push('\n');
        }
        let (totals, ndjson, rejects) = run(&policy, data.as_bytes(), Format::Ndjson, 1, 1 << 16).unwrap();
        prop_assert_eq!(totals.rejected, 0, "{}", String::from_utf8_lossy(&rejects));
        let (_, csv_out, _) = run(&policy, data.as_bytes(), Format::Csv, 1, 1 << 16).unwrap();
        let mut csv_rows = csv::Reader::from_reader(&csv_out[..]);
        let csv_rows: Vec<csv::StringRecord> = csv_rows.records().map(Result::unwrap).collect();
        let text = String::from_utf8(ndjson).unwrap();
        for (line, csv_row) in text.lines().zip(&csv_rows) {
            let record: DecisionRecord = serde_json::from_str(line).unwrap();
            let again: DecisionRecord = serde_json::from_str(&serde_json::to_string(&record).unwrap()).unwrap();
            prop_assert_eq!(&again, &record);
            // The JSON and the CSV tell the same decision.
            prop_assert_eq!(&record.household_id, &csv_row[0]);
            prop_assert_eq!(&record.track, &csv_row[10]);
            let granted: Vec<&str> = record.programs.iter().filter(|p| p.status == "granted").map(|p| p.id.as_str()).collect();
            prop_assert_eq!(granted.join(";"), csv_row[11].to_string());
            prop_assert_eq!(record.deferred.join(";"), csv_row[12].to_string());
            prop_assert_eq!(format!("{}", record.monthly_total), csv_row[13].to_string());
            prop_assert_eq!(format!("{:.1}", record.priority), csv_row[17].to_string());
            prop_assert_eq!(record.reasons.join(" | "), csv_row[18].to_string());
        }
        prop_assert_eq!(text.lines().count(), csv_rows.len());
    }

    #[test]
    fn thread_count_and_chunk_size_never_change_the_output(
        rows in prop::collection::vec(prop_oneof![valid_row(), prop::collection::vec(cell(), 22..26)], 1..40),
        chunk in 1usize..300,
        threads in 2usize..5,
    ) {
        let policy = policy();
        let mut data = format!("{HEADER}\n");
        for (i, row) in rows.iter().enumerate() {
            let mut row = row.clone();
            row[0] = format!("T{}", i % 30); // some duplicate ids
            data.push_str(&csv_line(&row));
            data.push('\n');
        }
        for format in [Format::Csv, Format::Json] {
            let one = run(&policy, data.as_bytes(), format, 1, 1 << 16);
            let many = run(&policy, data.as_bytes(), format, threads, chunk);
            match (one, many) {
                (Ok((t1, o1, r1)), Ok((tn, on, rn))) => {
                    prop_assert_eq!(t1, tn);
                    prop_assert_eq!(o1, on);
                    prop_assert_eq!(r1, rn);
                }
                (Err(a), Err(b)) => prop_assert_eq!(a, b),
                (a, b) => prop_assert!(false, "one failed: {:?} vs {:?}", a.err(), b.err()),
            }
        }
    }
}
