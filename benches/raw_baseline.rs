//! The raw CSV limit that `layak assess` is measured against.
//!
//! A minimal single-threaded program that does the least any tool must do
//! with a default-policy household file: read every record with the `csv`
//! crate, parse all 24 columns into typed values (integers, money, booleans,
//! enums, text), and write 12 output fields per row. No rules, no reasons, no
//! validation messages. `benches/throughput.sh` times it next to `layak` on
//! the same file and reports every layak figure as a ratio to it.
//!
//! ```sh
//! cargo run --release --example raw_baseline -- households.csv > /dev/null
//! ```

use std::io::{self, BufWriter, Write};

const AREA: [&str; 2] = ["urban", "rural"];
const EDUCATION: [&str; 4] = ["none", "primary", "secondary", "tertiary"];
const FLOOR: [&str; 5] = ["earth", "bamboo", "wood", "cement", "tile"];
const WATER: [&str; 8] = [
    "piped",
    "protected_well",
    "protected_spring",
    "unprotected_well",
    "unprotected_spring",
    "surface",
    "rainwater",
    "bottled",
];
const SANITATION: [&str; 3] = ["private", "shared", "none"];
const FUEL: [&str; 5] = ["electricity", "gas", "kerosene", "charcoal", "wood"];
const SHOCK: [&str; 7] = [
    "none",
    "disaster",
    "conflict",
    "economic_crisis",
    "job_loss",
    "illness",
    "death",
];

fn trim(b: &[u8]) -> &[u8] {
    let s = b
        .iter()
        .position(|&c| c != b' ' && c != b'\t')
        .unwrap_or(b.len());
    let e = b
        .iter()
        .rposition(|&c| c != b' ' && c != b'\t')
        .map_or(s, |p| p + 1);
    &b[s..e]
}

fn int(b: &[u8]) -> Option<i64> {
    let b = trim(b);
    if b.is_empty() {
        return Some(0);
    }
    let mut v: i64 = 0;
    for &c in b {
        if !c.is_ascii_digit() {
            return None;
        }
        v = v.checked_mul(10)?.checked_add(i64::from(c - b'0'))?;
    }
    Some(v)
}

fn money(b: &[u8]) -> Option<f64> {
    let b = trim(b);
    if b.is_empty() {
        return Some(0.0);
    }
    std::str::from_utf8(b).ok()?.parse().ok()
}

fn boolean(b: &[u8]) -> Option<bool> {
    let b = trim(b);
    for t in [&b"true"[..], b"yes", b"y", b"1", b"ya", b""] {
        if t.eq_ignore_ascii_case(b) {
            return Some(true);
        }
    }
    for f in [&b"false"[..], b"no", b"n", b"0", b"tidak"] {
        if f.eq_ignore_ascii_case(b) {
            return Some(false);
        }
    }
    None
}

fn enumeration(b: &[u8], values: &[&str]) -> Option<usize> {
    let b = trim(b);
    if b.is_empty() {
        return Some(0);
    }
    values
        .iter()
        .position(|v| v.as_bytes().eq_ignore_ascii_case(b))
}

fn main() -> io::Result<()> {
    let path = std::env::args().nth(1).unwrap_or_else(|| "-".into());
    let input: Box<dyn io::Read> = if path == "-" {
        Box::new(io::stdin())
    } else {
        Box::new(std::fs::File::open(&path)?)
    };
    let mut rdr = csv::ReaderBuilder::new()
        .flexible(true)
        .buffer_capacity(1 << 16)
        .from_reader(input);
    let stdout = io::stdout();
    let mut out = BufWriter::with_capacity(1 << 16, stdout.lock());
    out.write_all(b"household_id,region,members,monthly_income,per_capita_income,children,elderly,disabled,deprived,shock,emergency,valid\n")?;
    let mut rec = csv::ByteRecord::new();
    let mut line = Vec::with_capacity(256);
    let mut rows = 0u64;
    while rdr.read_byte_record(&mut rec).map_err(io::Error::other)? {
        rows += 1;
        let f = |i: usize| rec.get(i).unwrap_or_default();
        // All 24 columns, typed.
        let id = trim(f(0));
        let region = trim(f(1));
        let area = enumeration(f(2), &AREA);
        let members = int(f(3));
        let income = money(f(4));
        let young = int(f(5));
        let school = int(f(6));
        let not_school = int(f(7));
        let elderly = int(f(8));
        let disabled = int(f(9));
        let able = int(f(10));
        let head_female = boolean(f(11));
        let head_edu = enumeration(f(12), &EDUCATION);
        let meals = int(f(13));
        let floor_area = money(f(14));
        let floor = enumeration(f(15), &FLOOR);
        let water = enumeration(f(16), &WATER);
        let sanitation = enumeration(f(17), &SANITATION);
        let electricity = boolean(f(18));
        let fuel = enumeration(f(19), &FUEL);
        let insured = boolean(f(20));
        let shock = enumeration(f(21), &SHOCK);
        let shock_ago = int(f(22));
        let damaged = boolean(f(23));
        let valid = area.is_some()
            && head_female.is_some()
            && head_edu.is_some()
            && floor_area.is_some()
            && floor.is_some()
            && water.is_some()
            && sanitation.is_some()
            && electricity.is_some()
            && fuel.is_some()
            && insured.is_some()
            && able.is_some()
            && not_school.is_some()
            && young.is_some()
            && damaged.is_some();
        let m = members.unwrap_or(0).max(1) as f64;
        let inc = income.unwrap_or(0.0);
        let deprived = u8::from(meals.unwrap_or(3) < 2) + u8::from(insured == Some(false));
        let emergency = shock.unwrap_or(0) != 0 && shock_ago.unwrap_or(0) <= 6;
        // 12 output fields.
        line.clear();
        line.extend_from_slice(id);
        line.push(b',');
        line.extend_from_slice(region);
        writeln!(
            line,
            ",{},{},{:.2},{},{},{},{},{},{},{}",
            members.unwrap_or(0),
            inc,
            inc / m,
            young.unwrap_or(0) + school.unwrap_or(0),
            elderly.unwrap_or(0),
            disabled.unwrap_or(0),
            deprived,
            shock.map_or("", |s| SHOCK[s]),
            emergency,
            valid
        )?;
        out.write_all(&line)?;
    }
    out.flush()?;
    eprintln!("raw_baseline: {rows} rows");
    Ok(())
}
