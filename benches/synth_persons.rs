//! `synth_persons`: expand a household file of `synth` (made with
//! `--bad-rate 0`) into person files for the person pipeline (issue 18).
//!
//! ```text
//! cargo run --release --example synth_persons -- households.csv OUT
//! ```
//!
//! writes `OUT-households.csv` (the household columns: the two-file
//! layout's household file), `OUT-persons.csv` (one row per person,
//! households grouped), `OUT-persons-scattered.csv` (the same rows with the
//! last person of every tenth household of two or more moved to the end of
//! the file: 10% of households split) and `OUT-rectangular.csv` (person
//! columns then the household columns, grouped). The default policy's
//! reducers give back each household's counts, head and income, so the
//! decisions equal those of the household file (the persons of a household
//! are built as `data/make-sample-persons.py` builds them).

use std::fs::File;
use std::io::BufWriter;

const SUPPLIED: [&str; 10] = [
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
];

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    let (Some(input), Some(out)) = (args.get(1), args.get(2)) else {
        return Err("usage: synth_persons HOUSEHOLDS.csv OUT".into());
    };
    let mut reader = csv::ReaderBuilder::new().from_path(input)?;
    let header: Vec<String> = reader
        .headers()?
        .iter()
        .map(|h| h.trim().to_string())
        .collect();
    let col = |name: &str| header.iter().position(|h| h == name);
    let supplied: Vec<Option<usize>> = SUPPLIED.iter().map(|s| col(s)).collect();
    let kept: Vec<usize> = (0..header.len())
        .filter(|&i| !SUPPLIED.contains(&header[i].as_str()))
        .collect();
    let open = |suffix: &str| -> std::io::Result<csv::Writer<BufWriter<File>>> {
        Ok(csv::Writer::from_writer(BufWriter::with_capacity(
            1 << 20,
            File::create(format!("{out}-{suffix}.csv"))?,
        )))
    };
    let mut households = open("households")?;
    let mut persons = open("persons")?;
    let mut rect = open("rectangular")?;
    let mut moved: Vec<Vec<String>> = Vec::new();
    let mut scattered = open("persons-scattered")?;
    let person_header = [
        "household_id",
        "person_no",
        "age",
        "relationship",
        "sex",
        "education",
        "in_school",
        "disabled",
        "able_to_work",
        "income",
    ];
    households.write_record(kept.iter().map(|&i| header[i].as_str()))?;
    persons.write_record(person_header)?;
    scattered.write_record(person_header)?;
    let mut rect_header: Vec<&str> = person_header.to_vec();
    rect_header.extend(kept.iter().skip(1).map(|&i| header[i].as_str()));
    rect.write_record(&rect_header)?;
    let mut record = csv::StringRecord::new();
    let mut index = 0u64;
    while reader.read_record(&mut record)? {
        let cell = |k: usize| supplied[k].and_then(|c| record.get(c)).unwrap_or("").trim();
        let n = |k: usize, default: u32| cell(k).parse::<u32>().unwrap_or(default);
        let (members, young, school, not_in_school) = (n(0, 1), n(2, 0), n(3, 0), n(4, 0));
        let (elderly, disabled, able) = (n(5, 0), n(6, 0), n(7, 1));
        let female = matches!(
            cell(8).to_lowercase().as_str(),
            "true" | "yes" | "y" | "1" | "ya"
        );
        let education = match cell(9).to_lowercase() {
            e if e.is_empty() => "primary".to_string(),
            e => e,
        };
        let income = if cell(1).is_empty() { "0" } else { cell(1) };
        let working = members.saturating_sub(young + school + elderly);
        let mut ages: Vec<(u32, bool, bool)> = Vec::new(); // (age, able, in_school)
        for i in 0..working {
            ages.push((30 + i, i < able, false));
        }
        for i in 0..elderly {
            ages.push((65 + i, true, false));
        }
        for i in 0..school {
            ages.push((17 - (i % 10), true, i >= not_in_school));
        }
        for i in 0..young {
            ages.push((1 + (i % 6), true, false));
        }
        let id = record.get(0).unwrap_or("").trim().to_string();
        let rest: Vec<&str> = kept
            .iter()
            .skip(1)
            .map(|&i| record.get(i).unwrap_or(""))
            .collect();
        households.write_record(kept.iter().map(|&i| record.get(i).unwrap_or("")))?;
        let count = ages.len();
        for (k, &(age, able, in_school)) in ages.iter().enumerate() {
            let relationship = match k {
                0 => "head",
                1 if age >= 19 => "spouse",
                _ if age < 19 => "child",
                _ => "other",
            };
            let sex = match (k, female) {
                (0, true) | (1, false) => "female",
                (0, false) | (1, true) => "male",
                _ if k % 2 == 1 => "female",
                _ => "male",
            };
            let ed = if k == 0 {
                education.as_str()
            } else if age >= 19 {
                "secondary"
            } else if age >= 7 {
                "primary"
            } else {
                "none"
            };
            let row = vec![
                id.clone(),
                (k + 1).to_string(),
                age.to_string(),
                relationship.to_string(),
                sex.to_string(),
                ed.to_string(),
                in_school.to_string(),
                (k as u32 >= count as u32 - disabled.min(count as u32)).to_string(),
                able.to_string(),
                if k == 0 {
                    income.to_string()
                } else {
                    "0".to_string()
                },
            ];
            persons.write_record(&row)?;
            let mut r = row.clone();
            r.extend(rest.iter().map(|s| s.to_string()));
            rect.write_record(&r)?;
            if index % 10 == 0 && count > 1 && k == count - 1 {
                moved.push(row);
            } else {
                scattered.write_record(&row)?;
            }
        }
        index += 1;
    }
    for row in moved {
        scattered.write_record(&row)?;
    }
    for w in [&mut households, &mut persons, &mut scattered, &mut rect] {
        w.flush()?;
    }
    Ok(())
}
