//! What the raw limits (`raw_baseline`, `raw_persons`, `raw_stage`) share: the default
//! policy's enum values, the least parsing a typed cell needs, and the
//! output line.

// Each raw limit uses part of this (raw_stage writes no CSV line).
#![allow(dead_code)]

use std::io::{self, Write};

pub const AREA: [&str; 2] = ["urban", "rural"];
pub const EDUCATION: [&str; 4] = ["none", "primary", "secondary", "tertiary"];
pub const FLOOR: [&str; 5] = ["earth", "bamboo", "wood", "cement", "tile"];
pub const WATER: [&str; 8] = [
    "piped",
    "protected_well",
    "protected_spring",
    "unprotected_well",
    "unprotected_spring",
    "surface",
    "rainwater",
    "bottled",
];
pub const SANITATION: [&str; 3] = ["private", "shared", "none"];
pub const FUEL: [&str; 5] = ["electricity", "gas", "kerosene", "charcoal", "wood"];
pub const SHOCK: [&str; 7] = [
    "none",
    "disaster",
    "conflict",
    "economic_crisis",
    "job_loss",
    "illness",
    "death",
];

pub fn trim(b: &[u8]) -> &[u8] {
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

pub fn int(b: &[u8]) -> Option<i64> {
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

pub fn money(b: &[u8]) -> Option<f64> {
    let b = trim(b);
    if b.is_empty() {
        return Some(0.0);
    }
    std::str::from_utf8(b).ok()?.parse().ok()
}

pub fn boolean(b: &[u8]) -> Option<bool> {
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

pub fn enumeration(b: &[u8], values: &[&str]) -> Option<usize> {
    let b = trim(b);
    if b.is_empty() {
        return Some(0);
    }
    values
        .iter()
        .position(|v| v.as_bytes().eq_ignore_ascii_case(b))
}

/// A household's typed values, parsed from its cells (or, for person files,
/// partly folded from its persons), and the 12 output fields both raw limits
/// write.
#[derive(Default)]
pub struct Household<'a> {
    pub id: &'a [u8],
    pub region: &'a [u8],
    pub area: Option<usize>,
    pub members: Option<i64>,
    pub income: Option<f64>,
    pub young: Option<i64>,
    pub school: Option<i64>,
    pub not_school: Option<i64>,
    pub elderly: Option<i64>,
    pub disabled: Option<i64>,
    pub able: Option<i64>,
    pub head_female: Option<bool>,
    pub head_edu: Option<usize>,
    pub meals: Option<i64>,
    pub floor_area: Option<f64>,
    pub floor: Option<usize>,
    pub water: Option<usize>,
    pub sanitation: Option<usize>,
    pub electricity: Option<bool>,
    pub fuel: Option<usize>,
    pub insured: Option<bool>,
    pub shock: Option<usize>,
    pub shock_ago: Option<i64>,
    pub damaged: Option<bool>,
}

impl<'a> Household<'a> {
    /// A household from the 24 cells of the household file, in its order.
    pub fn from_cells(f: impl Fn(usize) -> &'a [u8]) -> Household<'a> {
        Household {
            id: trim(f(0)),
            region: trim(f(1)),
            area: enumeration(f(2), &AREA),
            members: int(f(3)),
            income: money(f(4)),
            young: int(f(5)),
            school: int(f(6)),
            not_school: int(f(7)),
            elderly: int(f(8)),
            disabled: int(f(9)),
            able: int(f(10)),
            head_female: boolean(f(11)),
            head_edu: enumeration(f(12), &EDUCATION),
            meals: int(f(13)),
            floor_area: money(f(14)),
            floor: enumeration(f(15), &FLOOR),
            water: enumeration(f(16), &WATER),
            sanitation: enumeration(f(17), &SANITATION),
            electricity: boolean(f(18)),
            fuel: enumeration(f(19), &FUEL),
            insured: boolean(f(20)),
            shock: enumeration(f(21), &SHOCK),
            shock_ago: int(f(22)),
            damaged: boolean(f(23)),
        }
    }
}

/// The ten figures and flags of the output after id and region.
pub struct Figures<'a> {
    pub members: i64,
    pub income: f64,
    pub per_capita: f64,
    pub children: i64,
    pub elderly: i64,
    pub disabled: i64,
    pub deprived: u8,
    pub shock: Option<&'a str>,
    pub emergency: bool,
    pub valid: bool,
}

impl Household<'_> {
    /// What the output says of the household after its id and region.
    pub fn figures(&self) -> Figures<'static> {
        let valid = self.area.is_some()
            && self.head_female.is_some()
            && self.head_edu.is_some()
            && self.floor_area.is_some()
            && self.floor.is_some()
            && self.water.is_some()
            && self.sanitation.is_some()
            && self.electricity.is_some()
            && self.fuel.is_some()
            && self.insured.is_some()
            && self.able.is_some()
            && self.not_school.is_some()
            && self.young.is_some()
            && self.damaged.is_some();
        let m = self.members.unwrap_or(0).max(1) as f64;
        let inc = self.income.unwrap_or(0.0);
        Figures {
            members: self.members.unwrap_or(0),
            income: inc,
            per_capita: inc / m,
            children: self.young.unwrap_or(0) + self.school.unwrap_or(0),
            elderly: self.elderly.unwrap_or(0),
            disabled: self.disabled.unwrap_or(0),
            deprived: u8::from(self.meals.unwrap_or(3) < 2) + u8::from(self.insured == Some(false)),
            shock: self.shock.map(|s| SHOCK[s]),
            emergency: self.shock.unwrap_or(0) != 0 && self.shock_ago.unwrap_or(0) <= 6,
            valid,
        }
    }

    /// The output line: id, region and ten figures and flags.
    pub fn write(&self, line: &mut Vec<u8>) -> io::Result<()> {
        let f = self.figures();
        line.clear();
        line.extend_from_slice(self.id);
        line.push(b',');
        line.extend_from_slice(self.region);
        writeln!(
            line,
            ",{},{},{:.2},{},{},{},{},{},{},{}",
            f.members,
            f.income,
            f.per_capita,
            f.children,
            f.elderly,
            f.disabled,
            f.deprived,
            f.shock.unwrap_or(""),
            f.emergency,
            f.valid
        )
    }
}

/// The header of the output both raw limits write.
pub const OUTPUT_HEADER: &[u8] = b"household_id,region,members,monthly_income,per_capita_income,children,elderly,disabled,deprived,shock,emergency,valid\n";
