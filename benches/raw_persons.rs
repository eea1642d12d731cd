//! The raw limit for person files (`benches/persons.sh`), as
//! `raw_baseline` is for household files.
//!
//! A minimal single-threaded program that does the least any tool must do
//! with the two-file layout of the default policy when both files are
//! grouped and in the same household order (the easiest case, assumed, not
//! checked): read every record of both files with the `csv` crate, parse
//! the ten person columns into typed values and fold them into the nine
//! household values the default policy computes from persons (count, sum,
//! the counts of age bands, the head's sex and education), parse the
//! household file's 14 columns, and write the same 12 output fields as
//! `raw_baseline`. No rules, no reasons, no order or duplicate checks.
//!
//! Its time over `raw_baseline`'s on the equivalent household file is what
//! the person layout costs any tool that parses as the `csv` crate does.
//!
//! ```sh
//! cargo run --release --example raw_persons -- households.csv persons.csv > /dev/null
//! ```

use std::io::{self, BufWriter, Write};

#[path = "raw_common.rs"]
mod raw_common;
use raw_common::*;

const RELATIONSHIP: [&str; 5] = ["head", "spouse", "child", "parent", "other"];
const SEX: [&str; 2] = ["female", "male"];

/// The household values folded from its persons so far.
#[derive(Default)]
struct Folded {
    members: i64,
    income: f64,
    young: i64,
    school: i64,
    not_school: i64,
    elderly: i64,
    disabled: i64,
    able: i64,
    head_female: Option<bool>,
    head_edu: Option<usize>,
    bad: bool,
}

impl Folded {
    fn add(&mut self, rec: &csv::ByteRecord) {
        let f = |i: usize| rec.get(i).unwrap_or_default();
        let number = int(f(1));
        let age = int(f(2));
        let relationship = enumeration(f(3), &RELATIONSHIP);
        let sex = enumeration(f(4), &SEX);
        let education = enumeration(f(5), &EDUCATION);
        let in_school = boolean(f(6));
        let disabled = boolean(f(7));
        let able = boolean(f(8));
        let income = money(f(9));
        let (Some(_), Some(age), Some(relationship), Some(sex), Some(education)) =
            (number, age, relationship, sex, education)
        else {
            self.bad = true;
            return;
        };
        let (Some(in_school), Some(disabled), Some(able), Some(income)) =
            (in_school, disabled, able, income)
        else {
            self.bad = true;
            return;
        };
        self.members += 1;
        self.income += income;
        self.young += i64::from(age <= 6);
        let school_age = (7..=18).contains(&age);
        self.school += i64::from(school_age);
        self.not_school += i64::from(school_age && !in_school);
        self.elderly += i64::from(age >= 60);
        self.disabled += i64::from(disabled);
        self.able += i64::from((19..=59).contains(&age) && able);
        if relationship == 0 {
            self.bad |= self.head_female.is_some();
            self.head_female = Some(sex == 0);
            self.head_edu = Some(education);
        }
    }
}

fn main() -> io::Result<()> {
    let mut args = std::env::args().skip(1);
    let (Some(households), Some(persons)) = (args.next(), args.next()) else {
        return Err(io::Error::other(
            "usage: raw_persons HOUSEHOLDS.csv PERSONS.csv",
        ));
    };
    let reader = |path: &str| -> io::Result<csv::Reader<std::fs::File>> {
        Ok(csv::ReaderBuilder::new()
            .flexible(true)
            .buffer_capacity(1 << 16)
            .from_reader(std::fs::File::open(path)?))
    };
    let (mut hrdr, mut prdr) = (reader(&households)?, reader(&persons)?);
    let stdout = io::stdout();
    let mut out = BufWriter::with_capacity(1 << 16, stdout.lock());
    out.write_all(OUTPUT_HEADER)?;
    let (mut hrec, mut prec) = (csv::ByteRecord::new(), csv::ByteRecord::new());
    let mut line = Vec::with_capacity(256);
    let (mut rows, mut people) = (0u64, 0u64);
    let mut pending = prdr.read_byte_record(&mut prec).map_err(io::Error::other)?;
    while hrdr.read_byte_record(&mut hrec).map_err(io::Error::other)? {
        rows += 1;
        let f = |i: usize| hrec.get(i).unwrap_or_default();
        let id = trim(f(0));
        let mut folded = Folded::default();
        while pending && trim(prec.get(0).unwrap_or_default()) == id {
            people += 1;
            folded.add(&prec);
            pending = prdr.read_byte_record(&mut prec).map_err(io::Error::other)?;
        }
        let ok = |v: i64| (!folded.bad && folded.members > 0).then_some(v);
        // The household file's 14 columns, typed, and the folded values.
        let household = Household {
            id,
            region: trim(f(1)),
            area: enumeration(f(2), &AREA),
            members: ok(folded.members),
            income: ok(0).map(|_| folded.income),
            young: ok(folded.young),
            school: ok(folded.school),
            not_school: ok(folded.not_school),
            elderly: ok(folded.elderly),
            disabled: ok(folded.disabled),
            able: ok(folded.able),
            head_female: folded.head_female,
            head_edu: folded.head_edu,
            meals: int(f(3)),
            floor_area: money(f(4)),
            floor: enumeration(f(5), &FLOOR),
            water: enumeration(f(6), &WATER),
            sanitation: enumeration(f(7), &SANITATION),
            electricity: boolean(f(8)),
            fuel: enumeration(f(9), &FUEL),
            insured: boolean(f(10)),
            shock: enumeration(f(11), &SHOCK),
            shock_ago: int(f(12)),
            damaged: boolean(f(13)),
        };
        household.write(&mut line)?;
        out.write_all(&line)?;
    }
    out.flush()?;
    eprintln!("raw_persons: {rows} households, {people} persons");
    Ok(())
}
