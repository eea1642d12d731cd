//! Money is decimal: every printed `per_capita_income` and every
//! `income_status` equals an exact-arithmetic reference, ties included.
// See: issue 12, item 8.

use crate::util::{Dir, Table};

/// The default policy's poverty lines (2025) and near-poor factor 1.2.
const RURAL_LINE: i128 = 580_349;
const URBAN_LINE: i128 = 629_561;

/// SplitMix64: a fixed-seed generator, so the file is the same every run.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

/// One household: monthly income in cents, members, urban.
struct Household {
    cents: i128,
    members: i128,
    urban: bool,
}

/// Incomes with cents from 0.01 to ~10^13, members 1–12; a third sit on an
/// exact tie at the third decimal of the per-capita income, a fifth within
/// a few cents (per person) of a poverty line or 1.2 times it.
fn households(n: usize, seed: u64) -> Vec<Household> {
    let mut rng = Rng(seed);
    (0..n)
        .map(|_| {
            let members = 1 + rng.below(12) as i128;
            let urban = rng.below(2) == 0;
            let line = if urban { URBAN_LINE } else { RURAL_LINE };
            let cents = match rng.below(15) {
                // Near a line: per capita = line (or 1.2 × line) ± a few cents.
                0..=2 => {
                    let at = if rng.below(2) == 0 {
                        100 * members * line
                    } else {
                        120 * members * line
                    };
                    at + rng.below(7) as i128 - 3
                }
                // Any magnitude: 10^0 .. 10^15 cents.
                3..=9 => {
                    let digits = 1 + rng.below(15) as u32;
                    1 + (rng.next() as i128).rem_euclid(10i128.pow(digits))
                }
                // A tie: cents / members ends in exactly one half.
                _ => {
                    let members = members + members % 2; // even
                    let digits = 3 + rng.below(13) as u32;
                    let k = (rng.next() as i128).rem_euclid(10i128.pow(digits) / members);
                    let cents = k * members + members / 2;
                    return Household {
                        cents,
                        members,
                        urban,
                    };
                }
            };
            Household {
                cents,
                members,
                urban,
            }
        })
        .collect()
}

fn csv(households: &[Household]) -> String {
    let mut text = String::from("household_id,area,members,monthly_income\n");
    for (i, h) in households.iter().enumerate() {
        let area = if h.urban { "urban" } else { "rural" };
        text.push_str(&format!(
            "H{i},{area},{},{}.{:02}\n",
            h.members,
            h.cents / 100,
            h.cents % 100
        ));
    }
    text
}

/// The per-capita income rounded half up to cents, from integers only.
fn per_capita_reference(h: &Household) -> String {
    // cents × 1000 / members, truncated, then half up at the cent: exact,
    // because a tie (half a cent) is 500 thousandths exactly.
    let thousandths = h.cents * 1000 / h.members;
    let cents = (thousandths + 500) / 1000;
    format!("{}.{:02}", cents / 100, cents % 100)
}

/// `income_status` by the policy's rules, on exact integers: poor below the
/// line, near-poor below 1.2 times it (the 1e-9 tolerance cannot matter:
/// two distinct values here differ by at least 1/1200).
fn status_reference(h: &Household) -> &'static str {
    let line = if h.urban { URBAN_LINE } else { RURAL_LINE };
    if h.cents < 100 * h.members * line {
        "poor"
    } else if h.cents < 120 * h.members * line {
        "near_poor"
    } else {
        "not_poor"
    }
}

#[test]
fn per_capita_income_and_status_match_exact_arithmetic() {
    let households = households(100_000, 12);
    let dir = Dir::new();
    dir.write("households.csv", csv(&households));
    let out = dir.run(&["assess", "households.csv", "-q", "--as-of", "2025-06-01"]);
    out.assert_code(0);
    let table = Table::parse(&out.stdout).unwrap_or_else(|e| out.fail(e));
    let ids = table.column("household_id");
    let per_capita = table.column("per_capita_income");
    let status = table.column("income_status");
    assert_eq!(ids.len(), households.len());
    let mut differences = Vec::new();
    for (i, h) in households.iter().enumerate() {
        assert_eq!(ids[i], format!("H{i}"));
        let (want_pc, want_status) = (per_capita_reference(h), status_reference(h));
        if per_capita[i] != want_pc || status[i] != want_status {
            differences.push(format!(
                "H{i}: {}.{:02} / {}: printed {} {}, exact {want_pc} {want_status}",
                h.cents / 100,
                h.cents % 100,
                h.members,
                per_capita[i],
                status[i]
            ));
        }
    }
    assert!(
        differences.is_empty(),
        "{} of {} households differ from exact arithmetic, e.g.\n{}",
        differences.len(),
        households.len(),
        differences[..differences.len().min(10)].join("\n")
    );
}

#[test]
fn the_reported_tie_rounds_half_up_in_every_format() {
    // 6,202,742.43 / 6 = 1,033,790.405 exactly.
    let dir = Dir::new();
    dir.write(
        "h.csv",
        "household_id,members,monthly_income\nA,6,6202742.43\nB,2,0.01\nC,8,4642787\n",
    );
    let out = dir.run(&["assess", "h.csv", "-q", "--as-of", "2025-06-01"]);
    out.assert_code(0);
    let table = Table::parse(&out.stdout).unwrap_or_else(|e| out.fail(e));
    assert_eq!(
        table.column("per_capita_income"),
        ["1033790.41", "0.01", "580348.38"]
    );
    let out = dir.run(&[
        "assess",
        "h.csv",
        "-q",
        "--as-of",
        "2025-06-01",
        "--format",
        "ndjson",
    ]);
    out.assert_code(0);
    let rows = out.ndjson();
    let pcs: Vec<String> = rows
        .iter()
        .map(|r| r["per_capita_income"].to_string())
        .collect();
    assert_eq!(pcs, ["1033790.41", "0.01", "580348.38"]);
    // The reason text prints the same cents.
    assert!(
        out.stdout.contains("1,033,790.41"),
        "reasons: {}",
        out.stdout
    );
}
