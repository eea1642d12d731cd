//! One household of person files, for `layak explain --id`.

use super::feed::{Entry, PersonBatch};
use super::{PersonError, PersonLayout, PersonSetup, PersonWork};
use crate::input::Reject;
use crate::input::flat::{Flat, HouseholdKey, RecordReader};
use crate::input::record::Fields;
use crate::policy::Policy;
use crate::policy::persons::Persons;

/// A household read from person files, before it is decided.
#[derive(Debug)]
pub(crate) struct OneHousehold {
    /// The household's line (its household row, or its first person's row).
    pub line: u64,
    /// The household record as the household pipeline reads it.
    pub record: csv::ByteRecord,
    /// Each person: its line and its person inputs as written (name, text).
    pub persons: Vec<(u64, Vec<(String, String)>)>,
    /// Each supplied household input and the value computed from the persons.
    pub reduced: Vec<(String, String)>,
    /// Why the household is rejected for its persons, if it is.
    pub problem: Option<Reject>,
}

/// Find household `id` in the files of `setup` (every person row with that
/// key, wherever it stands) and fold its persons.
pub(crate) fn household_of(
    policy: &Policy,
    persons: &Persons,
    setup: &PersonSetup,
    id: &[u8],
) -> Result<Option<OneHousehold>, PersonError> {
    let mut batch = PersonBatch::default();
    let mut line = None;
    let mut text = Vec::new();
    let mut matches = |key: &HouseholdKey, record: &Flat<'_>| {
        text.clear();
        key.text(record, &mut text);
        !text.is_empty() && text == id
    };
    // The household's key once found: its persons are matched by it, not by
    // the text, which can look alike for two composite keys (`a_b`+`c`, `a`+`b_c`).
    let mut found: Option<Vec<u8>> = None;
    let mut bytes = Vec::new();
    if let Some(source) = setup.open_households()? {
        let mut households = RecordReader::new(source, 1 << 18);
        while let Some(at) = households.peek()? {
            let (l, record) = households.records().get(at);
            if matches(&setup.household_key, &record) {
                setup.household_key.bytes(&record, &mut bytes);
                found = Some(bytes.clone());
                batch.households.copy_from(households.records(), at);
                line = Some(l);
                break;
            }
            households.advance();
        }
        if line.is_none() {
            return Ok(None);
        }
    }
    let mut reader = RecordReader::new(setup.open_persons()?, 1 << 18);
    while let Some(at) = reader.peek()? {
        let (_, record) = reader.records().get(at);
        let hit = match &found {
            Some(key) => setup.person_key.bytes(&record, &mut bytes) && bytes == *key,
            None if matches(&setup.person_key, &record) => {
                setup.person_key.bytes(&record, &mut bytes);
                found = Some(bytes.clone());
                true
            }
            None => false,
        };
        if hit {
            batch.persons.copy_from(reader.records(), at);
        }
        reader.advance();
    }
    let line = match (setup.kind, line) {
        (PersonLayout::TwoFiles, Some(l)) => l,
        _ if batch.persons.is_empty() => return Ok(None),
        _ => batch.persons.get(0).0,
    };
    let entry = Entry {
        line,
        household: (setup.kind == PersonLayout::TwoFiles).then_some(0),
        persons: (0, batch.persons.len() as u32),
        orphan: false,
        stored: None,
    };
    let mut work = PersonWork::new(policy, persons, setup);
    let problem = work.household(&batch, &entry).err().map(|r| *r);
    let people = person_cells(persons, setup, &batch);
    let record = work.record(&batch, &entry).to_byte_record();
    let reduced = reduced_inputs(policy, persons, setup, &record);
    Ok(Some(OneHousehold {
        line,
        record,
        persons: people,
        reduced,
        problem,
    }))
}

/// Each person of `batch`: its line and its person inputs as written.
fn person_cells(
    persons: &Persons,
    setup: &PersonSetup,
    batch: &PersonBatch,
) -> Vec<(u64, Vec<(String, String)>)> {
    let schema = &persons.schema;
    (0..batch.persons.len())
        .map(|i| {
            let (l, record) = batch.persons.get(i);
            let cells = schema
                .inputs
                .iter()
                .zip(&setup.person_layout.columns)
                .filter_map(|(input, c)| {
                    let text = record.get((*c)?)?;
                    let text = crate::input::cell::trim(text);
                    Some((
                        input.name.clone(),
                        String::from_utf8_lossy(text).into_owned(),
                    ))
                })
                .collect();
            (l, cells)
        })
        .collect()
}

/// Each supplied household input and its value in the folded `record`.
fn reduced_inputs(
    policy: &Policy,
    persons: &Persons,
    setup: &PersonSetup,
    record: &csv::ByteRecord,
) -> Vec<(String, String)> {
    persons
        .supplied
        .iter()
        .enumerate()
        .map(|(k, &input)| {
            let column = setup.column_source.iter().position(|s| *s == Some(k));
            let text = column
                .and_then(|c| record.get(c))
                .map(|t| String::from_utf8_lossy(t).into_owned())
                .unwrap_or_default();
            (policy.inputs[input].name.clone(), text)
        })
        .collect()
}
