//! `synth`: a deterministic generator of synthetic household survey data for
//! `layak assess` with the default policy.
//!
//! It writes a CSV file with a header of the 24 default-policy input columns
//! (in the order of the policy's input table) and `--rows` households shaped
//! like an Indonesian socio-economic survey extract (Susenas/DTKS-like):
//!
//! - `household_id`: `HH` and a zero-padded sequence number (`HH00000001`),
//!   unique unless broken rows inject duplicates.
//! - `region`: 30 BPS-style kabupaten/kota codes (`3201`, `3273`, `3578`,
//!   `5201`, `5271`, `7371`, `9471`, ...), weighted by size; each region has
//!   its own urban share and income level. `area`: about 57% urban, 43% rural
//!   (a kota is almost all urban).
//! - Household composition first, then `members` as the sum of the age bands
//!   (`young_children` 0-6, `school_age_children` 7-18, `working_age_able`
//!   19-59, `elderly` 60+) plus sometimes an adult who cannot work: 1 to 10
//!   members, mode 3-5, mean about 4. A few single elderly people and
//!   households with no one able to work. `disabled` is mostly 0 (about 7%
//!   have someone, more often with elderly members) and `children_not_in_school`
//!   mostly 0 (a few percent of school-age children, more when poor and
//!   rural).
//! - `monthly_income` = members x a per-capita income drawn from a split
//!   lognormal (tighter below the median than above) scaled by the area's
//!   BPS poverty line (rural 580,349, urban 629,561) and the region's income
//!   level: median about 1.1 million and mean about 1.5 million IDR per
//!   capita, about 10% of households below the poverty line and another 10%
//!   near poor (below 1.2 x the line); 0.5% report no income. Amounts are
//!   rounded like survey answers (to 50,000 or 1,000 rupiah, or exact); a few
//!   end in `.50`.
//! - Living conditions (head's sex and education, meals per day, floor area
//!   and material, water source, sanitation, electricity, cooking fuel) with
//!   plausible urban and rural shares, tilted towards deprivation for poorer
//!   households; about 70% have health insurance.
//! - About 8% of households had a shock (disaster, conflict,
//!   economic_crisis, job_loss, illness, death) 0-24 months ago; the home is
//!   damaged mostly after disasters. With no shock, `shock_months_ago` is empty
//!   or 0.
//! - Messy but valid cells: booleans spelled `true/false`, `yes/no`, `y/n`,
//!   `1/0`, `ya/tidak` in mixed case; enum values sometimes upper or title
//!   case or padded with spaces; about 5% of optional cells left empty where
//!   the policy default keeps the row consistent (the default applies), and
//!   about half of the shock follow-up cells when there was no shock (9% of
//!   all optional cells in all); floor areas of 0 (not recorded) or with
//!   decimals.
//!
//! With `--bad-rate R`, that share of rows (chosen at random) is broken, one
//! defect per row, cycling through every kind of reject the default policy
//! has: too few fields, too many fields (a trailing delimiter), an empty
//! `household_id`, an empty `members`, a duplicate `household_id` (an id of an
//! earlier row), `members` 0 and 51, an empty `monthly_income`, income `-5`,
//! `abc`, `1,5` and `1e6`, `area` `suburban`, `water_source` `river`, a
//! boolean `maybe`, `meals_per_day` 11, `shock_months_ago` 601,
//! `children_not_in_school` above `school_age_children`, age bands summing
//! above `members`, `disabled` above `members`, `3.5` children, and an income
//! of 400 digits that overflows to infinity (the `evaluation` reject). Rows
//! that are not broken are identical to the rows of the same seed with
//! `--bad-rate 0`. Cells holding the delimiter or a quote are quoted.
//!
//! ```text
//! cargo run --release --example synth -- --rows N --seed S [--bad-rate R]
//!     [--delimiter ,|;|tab|'|'] [-o FILE]
//! ```
//!
//! The output goes to standard output unless `-o FILE` is given. The output is
//! deterministic: the same arguments give byte-identical output, on any
//! platform with IEEE double arithmetic (the generator is xoshiro256** seeded through SplitMix64, and
//! uses only exactly rounded floating-point operations: no `ln`, `cos` or
//! libm `exp`). Only `std` is used.

use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::process::ExitCode;

const USAGE: &str = "\
usage: synth --rows N --seed S [--bad-rate R] [--delimiter D] [-o FILE]

Generate N synthetic households (CSV, default-policy columns) for `layak assess`.

  --rows N         number of data rows (0 or more)
  --seed S         seed (an unsigned 64-bit integer); same arguments, same bytes
  --bad-rate R     share of rows to break, 0.0 to 1.0 (default 0): cycles through
                   every kind of reject of the default policy
  --delimiter D    field delimiter: `,` (default), `;`, `|` or `tab`
  -o, --output F   write to file F instead of standard output (`-` = stdout)
  -h, --help       print this help

example: cargo run --release --example synth -- --rows 1000000 --seed 42 --bad-rate 0.01 -o hh.csv";

// ------------------------------------------------------------------ columns

const COLUMNS: [&str; 24] = [
    "household_id",
    "region",
    "area",
    "members",
    "monthly_income",
    "young_children",
    "school_age_children",
    "children_not_in_school",
    "elderly",
    "disabled",
    "working_age_able",
    "head_female",
    "head_education",
    "meals_per_day",
    "floor_area_m2",
    "floor_material",
    "water_source",
    "sanitation",
    "electricity",
    "cooking_fuel",
    "health_insurance",
    "shock",
    "shock_months_ago",
    "home_damaged",
];
const C_ID: usize = 0;
const C_REGION: usize = 1;
const C_AREA: usize = 2;
const C_MEMBERS: usize = 3;
const C_INCOME: usize = 4;
const C_YOUNG: usize = 5;
const C_SCHOOL: usize = 6;
const C_NOT_IN_SCHOOL: usize = 7;
const C_ELDERLY: usize = 8;
const C_DISABLED: usize = 9;
const C_ABLE: usize = 10;
const C_HEAD_FEMALE: usize = 11;
const C_HEAD_EDU: usize = 12;
const C_MEALS: usize = 13;
const C_FLOOR_AREA: usize = 14;
const C_FLOOR: usize = 15;
const C_WATER: usize = 16;
const C_SANITATION: usize = 17;
const C_ELECTRICITY: usize = 18;
const C_FUEL: usize = 19;
const C_INSURANCE: usize = 20;
const C_SHOCK: usize = 21;
const C_SHOCK_MONTHS: usize = 22;
const C_DAMAGED: usize = 23;

// ------------------------------------------------------------ distributions

/// BPS poverty lines, March 2025, IDR per capita per month.
const LINE_URBAN: f64 = 629_561.0;
const LINE_RURAL: f64 = 580_349.0;
/// Median per-capita income as a multiple of the area's poverty line (before
/// the region's factor). With the split lognormal below, about 10% of
/// households fall below the line and 10% between 1 and 1.2 times it.
const MEDIAN_RATIO: f64 = 1.78;
/// Log-scale spread below and above the median.
const SIGMA_LOW: f64 = 0.40;
const SIGMA_HIGH: f64 = 0.75;
/// Share of households reporting no income at all.
const ZERO_INCOME: f64 = 0.005;
/// Share of optional cells left empty (where the default keeps the row valid).
const EMPTY: f64 = 0.05;
/// Share of households with a shock.
const SHOCK_RATE: f64 = 0.08;

struct Region {
    code: &'static str,
    weight: u32,
    urban_share: f64,
    income_factor: f64,
}

const fn region(code: &'static str, weight: u32, urban_share: f64, income_factor: f64) -> Region {
    Region {
        code,
        weight,
        urban_share,
        income_factor,
    }
}

/// BPS-style kabupaten (xx01-xx69) and kota (xx71-xx79) codes.
const REGIONS: [Region; 30] = [
    region("1101", 3, 0.10, 0.80),  // Kab. Simeulue
    region("1171", 2, 0.97, 1.05),  // Kota Banda Aceh
    region("1207", 10, 0.50, 0.95), // Kab. Deli Serdang
    region("1271", 6, 0.97, 1.05),  // Kota Medan
    region("1371", 2, 0.95, 1.05),  // Kota Padang
    region("1671", 4, 0.97, 1.00),  // Kota Palembang
    region("3171", 5, 1.00, 1.35),  // Kota Adm. Jakarta Selatan
    region("3172", 6, 1.00, 1.20),  // Kota Adm. Jakarta Timur
    region("3201", 18, 0.65, 1.00), // Kab. Bogor
    region("3204", 14, 0.50, 0.95), // Kab. Bandung
    region("3216", 10, 0.75, 1.05), // Kab. Bekasi
    region("3273", 5, 1.00, 1.15),  // Kota Bandung
    region("3275", 5, 1.00, 1.15),  // Kota Bekasi
    region("3301", 16, 0.30, 0.88), // Kab. Cilacap
    region("3374", 4, 0.98, 1.10),  // Kota Semarang
    region("3404", 6, 0.60, 1.00),  // Kab. Sleman
    region("3471", 2, 1.00, 1.10),  // Kota Yogyakarta
    region("3507", 16, 0.35, 0.92), // Kab. Malang
    region("3526", 10, 0.15, 0.82), // Kab. Bangkalan
    region("3578", 6, 1.00, 1.20),  // Kota Surabaya
    region("3671", 4, 1.00, 1.15),  // Kota Tangerang
    region("5171", 2, 1.00, 1.20),  // Kota Denpasar
    region("5201", 9, 0.25, 0.85),  // Kab. Lombok Barat
    region("5271", 2, 0.97, 1.00),  // Kota Mataram
    region("5301", 5, 0.10, 0.72),  // Kab. Sumba Barat
    region("6471", 2, 0.97, 1.25),  // Kota Balikpapan
    region("7302", 7, 0.15, 0.88),  // Kab. Bulukumba
    region("7371", 4, 1.00, 1.10),  // Kota Makassar
    region("9403", 4, 0.20, 0.78),  // Kab. Jayapura
    region("9471", 1, 0.95, 1.10),  // Kota Jayapura
];

const fn region_total() -> u32 {
    let mut t = 0;
    let mut i = 0;
    while i < REGIONS.len() {
        t += REGIONS[i].weight;
        i += 1;
    }
    t
}
const REGION_TOTAL: u32 = region_total();

// Enum values, ordered from most to least deprived where there is an order
// (so that a wealth tilt can shift the draw).
const EDUCATION: [&str; 4] = ["none", "primary", "secondary", "tertiary"];
const EDUCATION_URBAN: [u32; 4] = [3, 30, 48, 19];
const EDUCATION_RURAL: [u32; 4] = [8, 52, 34, 6];
/// Meals per day 1, 2, 3, 4.
const MEALS_W: [u32; 4] = [1, 15, 83, 1];
const FLOOR: [&str; 5] = ["earth", "bamboo", "wood", "cement", "tile"];
const FLOOR_URBAN: [u32; 5] = [3, 2, 6, 39, 50];
const FLOOR_RURAL: [u32; 5] = [10, 5, 15, 45, 25];
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
const WATER_URBAN: [u32; 8] = [22, 24, 3, 3, 1, 1, 2, 44];
const WATER_RURAL: [u32; 8] = [12, 38, 14, 8, 5, 4, 5, 14];
const SANITATION: [&str; 3] = ["none", "shared", "private"];
const SANITATION_URBAN: [u32; 3] = [2, 8, 90];
const SANITATION_RURAL: [u32; 3] = [8, 12, 80];
const FUEL: [&str; 5] = ["wood", "charcoal", "kerosene", "gas", "electricity"];
const FUEL_URBAN: [u32; 5] = [3, 1, 1, 90, 5];
const FUEL_RURAL: [u32; 5] = [22, 2, 2, 73, 1];
const SHOCK: [&str; 7] = [
    "none",
    "disaster",
    "conflict",
    "economic_crisis",
    "job_loss",
    "illness",
    "death",
];
/// Weights of shocks 1.. (disaster .. death) among households with a shock.
const SHOCK_W: [u32; 6] = [25, 6, 10, 22, 25, 12];
/// Working-age able adults 0..=4 in a family household.
const ABLE_W: [u32; 5] = [2, 29, 56, 10, 3];
/// Elderly members 0..=2 in a family household.
const ELDERLY_W: [u32; 3] = [80, 14, 6];
/// Children 0..=6 in a family household.
const CHILDREN_W: [u32; 7] = [17, 24, 28, 17, 8, 4, 2];

/// Boolean spellings (true, false, weight).
const BOOLS: [(&str, &str, u32); 11] = [
    ("true", "false", 40),
    ("yes", "no", 12),
    ("ya", "tidak", 12),
    ("1", "0", 10),
    ("y", "n", 5),
    ("TRUE", "FALSE", 6),
    ("Ya", "Tidak", 5),
    ("Yes", "No", 4),
    ("Y", "N", 2),
    ("YES", "NO", 2),
    ("True", "False", 2),
];
const BOOL_TOTAL: u32 = {
    let mut t = 0;
    let mut i = 0;
    while i < BOOLS.len() {
        t += BOOLS[i].2;
        i += 1;
    }
    t
};

// ------------------------------------------------------------ broken rows

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Bad {
    TooFewFields,
    TooManyFields,
    EmptyId,
    EmptyMembers,
    DuplicateId,
    MembersZero,
    Members51,
    EmptyIncome,
    NegativeIncome,
    IncomeAbc,
    IncomeComma,
    IncomeExponent,
    AreaSuburban,
    WaterRiver,
    BoolMaybe,
    Meals11,
    ShockMonths601,
    NotInSchoolAboveSchoolAge,
    AgeBandsAboveMembers,
    DisabledAboveMembers,
    DecimalChildren,
    IncomeOverflow,
}

/// The cycle of defects. `DuplicateId` comes after a kind that claims its id,
/// so that even with `--bad-rate 1` there is an earlier id to reuse.
const BAD_CYCLE: [Bad; 22] = [
    Bad::TooFewFields,
    Bad::TooManyFields,
    Bad::EmptyId,
    Bad::EmptyMembers,
    Bad::DuplicateId,
    Bad::MembersZero,
    Bad::Members51,
    Bad::EmptyIncome,
    Bad::NegativeIncome,
    Bad::IncomeAbc,
    Bad::IncomeComma,
    Bad::IncomeExponent,
    Bad::AreaSuburban,
    Bad::WaterRiver,
    Bad::BoolMaybe,
    Bad::Meals11,
    Bad::ShockMonths601,
    Bad::NotInSchoolAboveSchoolAge,
    Bad::AgeBandsAboveMembers,
    Bad::DisabledAboveMembers,
    Bad::DecimalChildren,
    Bad::IncomeOverflow,
];

// ------------------------------------------------------------------- random

/// xoshiro256** seeded with SplitMix64.
struct Rng {
    s: [u64; 4],
}

impl Rng {
    fn new(seed: u64) -> Rng {
        let mut x = seed;
        let mut next = || {
            x = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
            let mut z = x;
            z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
            z ^ (z >> 31)
        };
        Rng {
            s: [next(), next(), next(), next()],
        }
    }

    #[inline]
    fn next_u64(&mut self) -> u64 {
        let s = &mut self.s;
        let result = s[1].wrapping_mul(5).rotate_left(7).wrapping_mul(9);
        let t = s[1] << 17;
        s[2] ^= s[0];
        s[3] ^= s[1];
        s[1] ^= s[2];
        s[0] ^= s[3];
        s[2] ^= t;
        s[3] = s[3].rotate_left(45);
        result
    }

    /// Uniform in [0, 1).
    #[inline]
    fn f64(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
    }

    /// Uniform in 0..n (multiply-shift; the bias is below 2^-32 for our n).
    #[inline]
    fn below(&mut self, n: u64) -> u64 {
        ((u128::from(self.next_u64()) * u128::from(n)) >> 64) as u64
    }

    #[inline]
    fn chance(&mut self, p: f64) -> bool {
        self.f64() < p
    }

    /// Approximately standard normal: the sum of eight 16-bit uniforms
    /// (Irwin-Hall), centred and scaled; only exactly rounded operations.
    #[inline]
    fn normal(&mut self) -> f64 {
        let mut sum = 0u64;
        for _ in 0..2 {
            let x = self.next_u64();
            sum += (x & 0xFFFF) + ((x >> 16) & 0xFFFF) + ((x >> 32) & 0xFFFF) + (x >> 48);
        }
        // Each uniform is (k + 0.5) / 65536; the sum of 8 has mean 4, variance 8/12.
        let s = (sum as f64 + 4.0) / 65536.0;
        (s - 4.0) * SQRT_3_2
    }

    /// Index drawn with integer weights `w`.
    #[inline]
    fn pick(&mut self, w: &[u32]) -> usize {
        let total: u32 = w.iter().sum();
        let mut x = self.below(u64::from(total)) as u32;
        for (i, &wi) in w.iter().enumerate() {
            if x < wi {
                return i;
            }
            x -= wi;
        }
        w.len() - 1
    }

    /// Like `pick`, with the uniform shifted by `tilt` (weights ordered from
    /// most to least deprived: a positive tilt means better off).
    #[inline]
    fn pick_tilted(&mut self, w: &[u32], tilt: f64) -> usize {
        let u = (self.f64() + tilt).clamp(0.0, 0.999_999_999);
        let total: u32 = w.iter().sum();
        let mut x = (u * f64::from(total)) as u32;
        for (i, &wi) in w.iter().enumerate() {
            if x < wi {
                return i;
            }
            x -= wi;
        }
        w.len() - 1
    }
}

/// sqrt(12 / 8): scales the Irwin-Hall sum of eight uniforms to unit variance.
const SQRT_3_2: f64 = 1.224_744_871_391_589;

/// 1/n! for n = 0..=13, computed at compile time.
const INV_FACT: [f64; 14] = {
    let mut t = [1.0; 14];
    let mut i = 1;
    while i < t.len() {
        t[i] = t[i - 1] / i as f64;
        i += 1;
    }
    t
};

/// `e^x` for |x| < 700 with additions and multiplications only (exactly
/// rounded in IEEE arithmetic, so the result is the same on every platform):
/// 2^k times a degree-13 Taylor polynomial on |r| <= ln 2 / 2 (relative
/// error below 1e-15).
fn exp(x: f64) -> f64 {
    let k = (x * std::f64::consts::LOG2_E).round();
    let r = x - k * std::f64::consts::LN_2;
    let mut sum = INV_FACT[13];
    for c in INV_FACT[..13].iter().rev() {
        sum = sum * r + c;
    }
    sum * f64::from_bits(((1023 + k as i64) as u64) << 52)
}

// ---------------------------------------------------------------- household

/// One household's true values (what the cells mean after defaults apply).
#[derive(Default)]
struct Household {
    region: usize,
    urban: bool,
    members: u32,
    /// Whole rupiah, and whether `.50` is appended.
    income: u64,
    income_half: bool,
    young: u32,
    school: u32,
    not_in_school: u32,
    elderly: u32,
    disabled: u32,
    able: u32,
    head_female: bool,
    head_edu: usize,
    meals: u32,
    /// Tenths of a square metre, and whether to print the decimal.
    floor_area10: u32,
    floor_decimal: bool,
    floor: usize,
    water: usize,
    sanitation: usize,
    electricity: bool,
    fuel: usize,
    insured: bool,
    shock: usize,
    shock_months: u32,
    damaged: bool,
}

struct Generator {
    rng: Rng,
    /// A separate stream for choosing and breaking rows, so that the rows that
    /// are not broken do not depend on `--bad-rate`.
    bad_rng: Rng,
    bad_rate: f64,
    delimiter: u8,
    id_width: usize,
    /// Where each cell of the rendered line ends.
    ends: [usize; COLUMNS.len()],
    /// A broken row's cells, split out of the line to be edited and re-joined.
    cells: Vec<Vec<u8>>,
    n_cells: usize,
    hh: Household,
    bad_count: u64,
    /// The last sequence number whose id was written on a row with the right
    /// number of fields (such a row claims its id in `layak`).
    last_claimed: Option<u64>,
    /// Sequence numbers whose id never claimed (ascending).
    unclaimed: Vec<u64>,
}

impl Generator {
    fn new(args: &Args) -> Generator {
        let digits = decimal_len(args.rows);
        Generator {
            rng: Rng::new(args.seed),
            bad_rng: Rng::new(args.seed ^ 0x5EED_BAD0_0BAD_5EED),
            bad_rate: args.bad_rate,
            delimiter: args.delimiter,
            id_width: digits.max(8),
            cells: (0..COLUMNS.len() + 1)
                .map(|_| Vec::with_capacity(32))
                .collect(),
            ends: [0; COLUMNS.len()],
            n_cells: COLUMNS.len(),
            hh: Household::default(),
            bad_count: 0,
            last_claimed: None,
            unclaimed: Vec::new(),
        }
    }

    fn header(&self, line: &mut Vec<u8>) {
        line.clear();
        for (i, c) in COLUMNS.iter().enumerate() {
            if i > 0 {
                line.push(self.delimiter);
            }
            line.extend_from_slice(c.as_bytes());
        }
        line.push(b'\n');
    }

    /// Generate row `seq` (1-based) into `line`, with its newline.
    fn row(&mut self, seq: u64, line: &mut Vec<u8>) {
        self.household();
        self.render(seq, line);
        let broken = self.bad_rng.f64() < self.bad_rate;
        if broken {
            self.split(line);
            let mut kind = BAD_CYCLE[(self.bad_count % BAD_CYCLE.len() as u64) as usize];
            if kind == Bad::DuplicateId && self.last_claimed.is_none() {
                kind = Bad::MembersZero;
            }
            self.bad_count += 1;
            self.break_row(seq, kind);
            let claims = !matches!(
                kind,
                Bad::TooFewFields | Bad::TooManyFields | Bad::EmptyId | Bad::DuplicateId
            );
            if claims {
                self.last_claimed = Some(seq);
            } else {
                self.unclaimed.push(seq);
            }
            self.join(line);
        } else {
            self.last_claimed = Some(seq);
            line.push(b'\n');
        }
    }

    /// Draw a household's true values.
    fn household(&mut self) {
        let rng = &mut self.rng;
        let hh = &mut self.hh;

        // Where.
        let mut x = rng.below(u64::from(REGION_TOTAL)) as u32;
        hh.region = REGIONS.len() - 1;
        for (i, r) in REGIONS.iter().enumerate() {
            if x < r.weight {
                hh.region = i;
                break;
            }
            x -= r.weight;
        }
        let region = &REGIONS[hh.region];
        hh.urban = rng.chance(region.urban_share);

        // Who: the age bands first, members = their sum + an adult who cannot work.
        let (mut young, mut school, mut able, mut elderly, mut non_able) = (0u32, 0u32, 0, 0, 0);
        let kind = rng.f64();
        if kind < 0.05 {
            // One person living alone.
            if rng.chance(0.45) {
                elderly = 1;
            } else if rng.chance(0.9) {
                able = 1;
            } else {
                non_able = 1;
            }
        } else if kind < 0.09 {
            // Elderly couple, or an elderly person with a dependent adult.
            elderly = 1 + u32::from(rng.chance(0.7));
            if elderly == 1 {
                non_able = 1;
            }
        } else {
            able = rng.pick(&ABLE_W) as u32;
            elderly = rng.pick(&ELDERLY_W) as u32;
            let children = rng.pick(&CHILDREN_W) as u32;
            for _ in 0..children {
                if rng.chance(0.36) {
                    young += 1;
                } else {
                    school += 1;
                }
            }
            non_able = u32::from(rng.chance(0.06));
            if able + elderly + non_able == 0 {
                non_able = 1;
            }
            while young + school + able + elderly + non_able > 10 {
                if school > young {
                    school -= 1;
                } else {
                    young -= 1;
                }
            }
        }
        let members = young + school + able + elderly + non_able;
        hh.members = members;
        hh.young = young;
        hh.school = school;
        hh.able = able;
        hh.elderly = elderly;

        // Income: per capita, split lognormal around a multiple of the area's line.
        let z = rng.normal();
        let wealth = z.clamp(-2.5, 2.5);
        let line = if hh.urban { LINE_URBAN } else { LINE_RURAL };
        let sigma = if z < 0.0 { SIGMA_LOW } else { SIGMA_HIGH };
        let per_capita = line * MEDIAN_RATIO * region.income_factor * exp(sigma * z);
        let total = per_capita * f64::from(members);
        hh.income_half = false;
        hh.income = if rng.chance(ZERO_INCOME) {
            0
        } else {
            let r = rng.f64();
            if r < 0.35 && total >= 250_000.0 {
                (total / 50_000.0).round() as u64 * 50_000
            } else if r < 0.70 {
                (total / 1_000.0).round().max(1.0) as u64 * 1_000
            } else {
                hh.income_half = r >= 0.96;
                total.floor().max(1.0) as u64
            }
        };

        // Disability and schooling.
        let p_disabled = 0.025 + 0.05 * f64::from(elderly) + 0.30 * f64::from(non_able);
        hh.disabled = if rng.chance(p_disabled) {
            1 + u32::from(members >= 2 && rng.chance(0.1))
        } else {
            0
        };
        let p_out = (if hh.urban { 0.025 } else { 0.045 }) + (if z < -1.0 { 0.06 } else { 0.0 });
        hh.not_in_school = 0;
        for _ in 0..school {
            if rng.chance(p_out) {
                hh.not_in_school += 1;
            }
        }

        // Head of household.
        hh.head_female = rng.chance(if members == 1 {
            if elderly == 1 { 0.6 } else { 0.3 }
        } else {
            0.13
        });
        let edu_w = if hh.urban {
            &EDUCATION_URBAN
        } else {
            &EDUCATION_RURAL
        };
        hh.head_edu = rng.pick_tilted(edu_w, 0.12 * wealth);

        // Living conditions.
        hh.meals = 1 + rng.pick_tilted(&MEALS_W, 0.03 * wealth) as u32;
        if rng.chance(0.04) {
            hh.floor_area10 = 0;
            hh.floor_decimal = false;
        } else {
            let per_person = 4.0 + 12.0 * rng.f64() + 1.5 * wealth;
            let area = (12.0 + f64::from(members) * per_person.max(3.0)).clamp(12.0, 240.0);
            hh.floor_decimal = rng.chance(0.15);
            hh.floor_area10 = if hh.floor_decimal {
                (area * 10.0).round() as u32
            } else {
                area.round() as u32 * 10
            };
        }
        let tilt = 0.10 * wealth;
        hh.floor = if hh.urban {
            rng.pick_tilted(&FLOOR_URBAN, tilt)
        } else {
            rng.pick_tilted(&FLOOR_RURAL, tilt)
        };
        hh.water = if hh.urban {
            rng.pick(&WATER_URBAN)
        } else {
            rng.pick(&WATER_RURAL)
        };
        hh.sanitation = if hh.urban {
            rng.pick_tilted(&SANITATION_URBAN, 0.08 * wealth)
        } else {
            rng.pick_tilted(&SANITATION_RURAL, 0.08 * wealth)
        };
        hh.electricity = rng.chance(if hh.urban { 0.995 } else { 0.975 });
        hh.fuel = if hh.urban {
            rng.pick_tilted(&FUEL_URBAN, 0.08 * wealth)
        } else {
            rng.pick_tilted(&FUEL_RURAL, 0.08 * wealth)
        };
        hh.insured = rng.chance(0.70);

        // Shocks.
        if rng.chance(SHOCK_RATE) {
            hh.shock = 1 + rng.pick(&SHOCK_W);
            hh.shock_months = rng.below(25) as u32;
            hh.damaged = rng.chance(match SHOCK[hh.shock] {
                "disaster" => 0.6,
                "conflict" => 0.3,
                _ => 0.02,
            });
        } else {
            hh.shock = 0;
            hh.shock_months = 0;
            hh.damaged = false;
        }
    }

    /// Write the household's cells into `line` (without the newline), with
    /// survey-like spelling variations, and record where each cell ends.
    /// Generated cells never hold a delimiter or a quote: nothing to quote.
    fn render(&mut self, seq: u64, line: &mut Vec<u8>) {
        let hh = &self.hh;
        let rng = &mut self.rng;
        line.clear();
        let mut row = RowWriter {
            line,
            ends: &mut self.ends,
            col: 0,
            delimiter: self.delimiter,
        };

        push_id(row.line, seq, self.id_width);
        row.end(C_ID);
        if !rng.chance(EMPTY) {
            row.line
                .extend_from_slice(REGIONS[hh.region].code.as_bytes());
        }
        row.end(C_REGION);
        if !rng.chance(EMPTY) {
            let v = if hh.urban { "urban" } else { "rural" };
            push_enum(row.line, v, rng);
        }
        row.end(C_AREA);
        if rng.chance(0.01) {
            row.line.push(b'0');
        }
        push_u64(row.line, u64::from(hh.members));
        row.end(C_MEMBERS);
        push_u64(row.line, hh.income);
        if hh.income_half {
            row.line.extend_from_slice(b".50");
        }
        row.end(C_INCOME);
        // Counts: left empty only when the value is the default, so that the
        // row's meaning and its checks are unchanged.
        for (col, v, default) in [
            (C_YOUNG, hh.young, 0),
            (C_SCHOOL, hh.school, 0),
            (C_NOT_IN_SCHOOL, hh.not_in_school, 0),
            (C_ELDERLY, hh.elderly, 0),
            (C_DISABLED, hh.disabled, 0),
            (C_ABLE, hh.able, 1),
        ] {
            if v != default || !rng.chance(EMPTY) {
                push_u64(row.line, u64::from(v));
            }
            row.end(col);
        }
        // Enums and booleans: an empty cell takes the policy default.
        push_bool_or_empty(row.line, hh.head_female, rng);
        row.end(C_HEAD_FEMALE);
        push_enum_or_empty(row.line, EDUCATION[hh.head_edu], rng);
        row.end(C_HEAD_EDU);
        if !rng.chance(EMPTY) {
            push_u64(row.line, u64::from(hh.meals));
        }
        row.end(C_MEALS);
        if !rng.chance(EMPTY) {
            push_u64(row.line, u64::from(hh.floor_area10 / 10));
            if hh.floor_decimal {
                row.line.push(b'.');
                row.line.push(b'0' + (hh.floor_area10 % 10) as u8);
            }
        }
        row.end(C_FLOOR_AREA);
        push_enum_or_empty(row.line, FLOOR[hh.floor], rng);
        row.end(C_FLOOR);
        push_enum_or_empty(row.line, WATER[hh.water], rng);
        row.end(C_WATER);
        push_enum_or_empty(row.line, SANITATION[hh.sanitation], rng);
        row.end(C_SANITATION);
        push_bool_or_empty(row.line, hh.electricity, rng);
        row.end(C_ELECTRICITY);
        push_enum_or_empty(row.line, FUEL[hh.fuel], rng);
        row.end(C_FUEL);
        push_bool_or_empty(row.line, hh.insured, rng);
        row.end(C_INSURANCE);
        if hh.shock == 0 {
            // Skip logic: no shock, so the follow-up questions are often blank.
            if !rng.chance(EMPTY) {
                push_enum(row.line, SHOCK[0], rng);
            }
            row.end(C_SHOCK);
            if rng.chance(0.4) {
                row.line.push(b'0');
            }
            row.end(C_SHOCK_MONTHS);
            if rng.chance(0.5) {
                push_bool(row.line, false, rng);
            }
            row.end(C_DAMAGED);
        } else {
            push_enum(row.line, SHOCK[hh.shock], rng);
            row.end(C_SHOCK);
            push_u64(row.line, u64::from(hh.shock_months));
            row.end(C_SHOCK_MONTHS);
            push_bool_or_empty(row.line, hh.damaged, rng);
            row.end(C_DAMAGED);
        }
    }

    /// Copy the rendered line's cells into `self.cells` for editing.
    fn split(&mut self, line: &[u8]) {
        let mut start = 0;
        for (cell, &end) in self.cells.iter_mut().zip(&self.ends) {
            cell.clear();
            cell.extend_from_slice(&line[start..end]);
            start = end + 1;
        }
        self.n_cells = COLUMNS.len();
    }

    /// Give the row one defect of the given kind.
    fn break_row(&mut self, seq: u64, kind: Bad) {
        let round = self.bad_count / BAD_CYCLE.len() as u64;
        let hh = &self.hh;
        let cells = &mut self.cells;
        let mut set = |col: usize, text: &[u8]| {
            cells[col].clear();
            cells[col].extend_from_slice(text);
        };
        match kind {
            Bad::TooFewFields => self.n_cells = COLUMNS.len() - 1,
            Bad::TooManyFields => {
                // A trailing delimiter: one more, empty, field.
                self.n_cells = COLUMNS.len() + 1;
                cells[COLUMNS.len()].clear();
            }
            Bad::EmptyId => set(C_ID, b""),
            Bad::EmptyMembers => set(C_MEMBERS, b""),
            Bad::DuplicateId => {
                let earlier = self.duplicate_source(seq);
                let c = &mut self.cells[C_ID];
                c.clear();
                push_id(c, earlier, self.id_width);
            }
            Bad::MembersZero => set(C_MEMBERS, b"0"),
            Bad::Members51 => set(C_MEMBERS, b"51"),
            Bad::EmptyIncome => set(C_INCOME, b""),
            Bad::NegativeIncome => set(C_INCOME, b"-5"),
            Bad::IncomeAbc => set(C_INCOME, b"abc"),
            Bad::IncomeComma => set(C_INCOME, b"1,5"),
            Bad::IncomeExponent => set(C_INCOME, b"1e6"),
            Bad::AreaSuburban => set(C_AREA, b"suburban"),
            Bad::WaterRiver => set(C_WATER, b"river"),
            Bad::BoolMaybe => {
                let cols = [C_HEAD_FEMALE, C_ELECTRICITY, C_INSURANCE, C_DAMAGED];
                set(cols[(round % 4) as usize], b"maybe");
            }
            Bad::Meals11 => set(C_MEALS, b"11"),
            Bad::ShockMonths601 => set(C_SHOCK_MONTHS, b"601"),
            Bad::NotInSchoolAboveSchoolAge => {
                let mut buf = Vec::new();
                push_u64(&mut buf, u64::from(hh.school + 1));
                set(C_NOT_IN_SCHOOL, &buf);
            }
            Bad::AgeBandsAboveMembers => {
                // One more able adult than there is room for.
                let able = hh.members - (hh.young + hh.school + hh.elderly) + 1;
                let mut buf = Vec::new();
                push_u64(&mut buf, u64::from(able));
                set(C_ABLE, &buf);
            }
            Bad::DisabledAboveMembers => {
                let mut buf = Vec::new();
                push_u64(&mut buf, u64::from(hh.members + 1));
                set(C_DISABLED, &buf);
            }
            Bad::DecimalChildren => {
                let col = if round % 2 == 0 { C_YOUNG } else { C_SCHOOL };
                set(col, b"3.5");
            }
            Bad::IncomeOverflow => set(C_INCOME, &[b'9'; 400]),
        }
    }

    /// The sequence number of an earlier row whose id was claimed.
    fn duplicate_source(&mut self, seq: u64) -> u64 {
        for _ in 0..16 {
            let j = 1 + self.bad_rng.below(seq - 1);
            if self.unclaimed.binary_search(&j).is_err() {
                return j;
            }
        }
        self.last_claimed.unwrap_or(1)
    }

    /// Join a broken row's cells into a CSV line with its newline, quoting
    /// cells that hold the delimiter, a quote or a line break.
    fn join(&self, line: &mut Vec<u8>) {
        line.clear();
        for (i, cell) in self.cells[..self.n_cells].iter().enumerate() {
            if i > 0 {
                line.push(self.delimiter);
            }
            let needs_quotes = cell
                .iter()
                .any(|&b| b == self.delimiter || b == b'"' || b == b'\n' || b == b'\r');
            if needs_quotes {
                line.push(b'"');
                for &b in cell {
                    if b == b'"' {
                        line.push(b'"');
                    }
                    line.push(b);
                }
                line.push(b'"');
            } else {
                line.extend_from_slice(cell);
            }
        }
        line.push(b'\n');
    }
}

// --------------------------------------------------------------- formatting

/// Appends cells to a line, in column order.
struct RowWriter<'a> {
    line: &'a mut Vec<u8>,
    ends: &'a mut [usize; COLUMNS.len()],
    col: usize,
    delimiter: u8,
}

impl RowWriter<'_> {
    /// End cell `col` (which must be the next column) and start the next one.
    #[inline]
    fn end(&mut self, col: usize) {
        debug_assert_eq!(col, self.col, "cells must be written in column order");
        self.ends[self.col] = self.line.len();
        self.col += 1;
        if self.col < COLUMNS.len() {
            self.line.push(self.delimiter);
        }
    }
}

fn decimal_len(mut v: u64) -> usize {
    let mut n = 1;
    while v >= 10 {
        v /= 10;
        n += 1;
    }
    n
}

#[inline]
fn push_u64(out: &mut Vec<u8>, mut v: u64) {
    let mut buf = [0u8; 20];
    let mut i = buf.len();
    loop {
        i -= 1;
        buf[i] = b'0' + (v % 10) as u8;
        v /= 10;
        if v == 0 {
            break;
        }
    }
    out.extend_from_slice(&buf[i..]);
}

fn push_id(out: &mut Vec<u8>, seq: u64, width: usize) {
    out.extend_from_slice(b"HH");
    for _ in decimal_len(seq)..width {
        out.push(b'0');
    }
    push_u64(out, seq);
}

/// An enum value, mostly lower case, sometimes UPPER, Title or padded with
/// spaces.
#[inline]
fn push_enum(out: &mut Vec<u8>, value: &str, rng: &mut Rng) {
    let style = rng.below(1000);
    let v = value.as_bytes();
    if style < 930 {
        out.extend_from_slice(v);
    } else if style < 960 {
        out.extend(v.iter().map(u8::to_ascii_uppercase));
    } else if style < 985 {
        out.push(v[0].to_ascii_uppercase());
        out.extend_from_slice(&v[1..]);
    } else {
        out.extend_from_slice(if style < 993 { b" " } else { b"  " });
        out.extend_from_slice(v);
        if style < 996 {
            out.push(b' ');
        }
    }
}

#[inline]
fn push_enum_or_empty(out: &mut Vec<u8>, value: &str, rng: &mut Rng) {
    if !rng.chance(EMPTY) {
        push_enum(out, value, rng);
    }
}

#[inline]
fn push_bool(out: &mut Vec<u8>, value: bool, rng: &mut Rng) {
    let mut x = rng.below(u64::from(BOOL_TOTAL)) as u32;
    let mut style = BOOLS[0];
    for s in BOOLS {
        if x < s.2 {
            style = s;
            break;
        }
        x -= s.2;
    }
    out.extend_from_slice(if value { style.0 } else { style.1 }.as_bytes());
}

#[inline]
fn push_bool_or_empty(out: &mut Vec<u8>, value: bool, rng: &mut Rng) {
    if !rng.chance(EMPTY) {
        push_bool(out, value, rng);
    }
}

// ---------------------------------------------------------------- arguments

struct Args {
    rows: u64,
    seed: u64,
    bad_rate: f64,
    delimiter: u8,
    output: Option<String>,
}

/// `Ok(None)` asks for the help text.
fn parse_args(mut argv: impl Iterator<Item = String>) -> Result<Option<Args>, String> {
    let mut rows = None;
    let mut seed = None;
    let mut bad_rate = 0.0;
    let mut delimiter = b',';
    let mut output = None;
    while let Some(arg) = argv.next() {
        let (flag, inline) = match arg.split_once('=') {
            Some((f, v)) if f.starts_with("--") => (f.to_string(), Some(v.to_string())),
            _ => (arg.clone(), None),
        };
        if flag == "-h" || flag == "--help" {
            return Ok(None);
        }
        if !matches!(
            flag.as_str(),
            "--rows" | "--seed" | "--bad-rate" | "--delimiter" | "-o" | "--output"
        ) {
            return Err(format!("unknown argument `{arg}`"));
        }
        let value = match inline {
            Some(v) => v,
            None => argv.next().ok_or_else(|| format!("{flag} needs a value"))?,
        };
        match flag.as_str() {
            "--rows" => {
                rows = Some(value.parse::<u64>().map_err(|_| {
                    format!("--rows {value:?}: expected a whole number of rows, e.g. 1000")
                })?);
            }
            "--seed" => {
                seed = Some(value.parse::<u64>().map_err(|_| {
                    format!("--seed {value:?}: expected an unsigned 64-bit integer, e.g. 42")
                })?);
            }
            "--bad-rate" => {
                bad_rate = value
                    .parse::<f64>()
                    .ok()
                    .filter(|r| (0.0..=1.0).contains(r))
                    .ok_or_else(|| {
                        format!("--bad-rate {value:?}: expected a share from 0.0 to 1.0, e.g. 0.05")
                    })?;
            }
            "--delimiter" => {
                delimiter = match value.as_str() {
                    "," => b',',
                    ";" => b';',
                    "|" => b'|',
                    "tab" | "\\t" | "\t" => b'\t',
                    _ => {
                        return Err(format!(
                            "--delimiter {value:?}: expected `,`, `;`, `|` or `tab`"
                        ));
                    }
                };
            }
            _ => {
                if value.is_empty() {
                    return Err(format!("{flag} needs a file name"));
                }
                output = Some(value);
            }
        }
    }
    let rows = rows.ok_or("--rows is required")?;
    let seed = seed.ok_or("--seed is required")?;
    Ok(Some(Args {
        rows,
        seed,
        bad_rate,
        delimiter,
        output,
    }))
}

// --------------------------------------------------------------------- main

fn generate(args: &Args, sink: impl Write) -> io::Result<()> {
    let mut out = BufWriter::with_capacity(1 << 20, sink);
    let mut generator = Generator::new(args);
    let mut line = Vec::with_capacity(1024);
    generator.header(&mut line);
    out.write_all(&line)?;
    for seq in 1..=args.rows {
        generator.row(seq, &mut line);
        out.write_all(&line)?;
    }
    out.flush()
}

fn main() -> ExitCode {
    let args = match parse_args(std::env::args().skip(1)) {
        Ok(Some(args)) => args,
        Ok(None) => {
            println!("{USAGE}");
            return ExitCode::SUCCESS;
        }
        Err(message) => {
            eprintln!("synth: {message}\n\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    let result = match args.output.as_deref() {
        Some(path) if path != "-" => File::create(path)
            .map_err(|e| io::Error::new(e.kind(), format!("cannot create {path}: {e}")))
            .and_then(|f| generate(&args, f)),
        _ => generate(&args, io::stdout().lock()),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        // `synth ... | head` is fine.
        Err(e) if e.kind() == io::ErrorKind::BrokenPipe => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("synth: {e}");
            ExitCode::FAILURE
        }
    }
}
