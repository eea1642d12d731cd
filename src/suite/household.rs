//! A case's inputs as the household a survey would hold: a one-row CSV file
//! (a header of the inputs the case gives, and one row of their cells), so
//! that running the case reads it through the production input stage.

use super::format::RawCase;
use super::load::{Builder, a, help_with};
use crate::expr;
use crate::policy::Policy;

impl Builder<'_> {
    /// The household id and the one-row CSV file of case number `index`
    /// (0-based); unknown inputs, values that are not cells and missing
    /// required inputs are errors.
    pub(super) fn household(
        &mut self,
        p: &Policy,
        rc: &RawCase,
        index: usize,
        name: &str,
        in_case: &str,
    ) -> (String, Vec<u8>, Option<u32>) {
        let input_names: Vec<String> = p.inputs.iter().map(|i| i.name.clone()).collect();
        let mut cells: Vec<Option<String>> = vec![None; p.inputs.len()];
        // Inputs suggested for a misspelt name: not reported again as missing.
        let mut suggested: Vec<&str> = Vec::new();
        let mut decile = None;
        for (key, value) in &rc.input {
            let iname = key.get_ref();
            if let (Some(r), "decile") = (&p.ranking, iname.as_str()) {
                if p.input("decile").is_none() {
                    decile = self.decile(value, r.groups);
                    continue;
                }
            }
            let Some(slot) = p.inputs.iter().position(|i| &i.name == iname) else {
                suggested.extend(expr::suggest(iname, input_names.iter().map(String::as_str)));
                let help = help_with(iname, "the policy's inputs", &input_names);
                self.error(
                    key.span(),
                    format!("unknown input `{iname}` {in_case}"),
                    Some(help),
                );
                continue;
            };
            cells[slot] = self.cell(iname, value);
        }
        let id = p.fields.id_input;
        let household_id = cells[id]
            .get_or_insert_with(|| format!("case-{}", index + 1))
            .clone();
        for (slot, inp) in p.inputs.iter().enumerate() {
            if inp.required && cells[slot].is_none() && !suggested.contains(&inp.name.as_str()) {
                self.error(
                    rc.name.span(),
                    format!("case {name:?} gives no `{}`, a required input", inp.name),
                    Some(format!(
                        "add `{0} = …` to its input (or `{0} = \"\"` to test the missing_required reject)",
                        inp.name
                    )),
                );
            }
        }
        if let (Some(r), None) = (&p.ranking, decile) {
            self.error(
                rc.name.span(),
                format!("case {name:?} gives no `decile`: the policy ranks households"),
                Some(format!(
                    "a case is one household, not a population: give its group, e.g. `decile = 3` (1 to {})",
                    r.groups
                )),
            );
        }
        (household_id, one_row_csv(p, &cells), decile)
    }

    /// A case's `decile`: a whole number from 1 to the ranking's groups.
    fn decile(&mut self, value: &toml::Spanned<toml::Value>, groups: u32) -> Option<u32> {
        match value.get_ref() {
            toml::Value::Integer(i) if (1..=i64::from(groups)).contains(i) => Some(*i as u32),
            _ => {
                self.error(
                    value.span(),
                    format!("`decile` must be a whole number from 1 to {groups}"),
                    None,
                );
                None
            }
        }
    }

    /// The cell a survey would hold for an input's TOML value.
    fn cell(&mut self, iname: &str, value: &toml::Spanned<toml::Value>) -> Option<String> {
        Some(match value.get_ref() {
            toml::Value::String(s) => s.clone(),
            toml::Value::Integer(i) => i.to_string(),
            toml::Value::Float(f) => f.to_string(),
            toml::Value::Boolean(b) => b.to_string(),
            toml::Value::Datetime(d) => d.to_string(),
            other => {
                self.error(
                    value.span(),
                    format!(
                        "the value of input `{iname}` must be a string, number or boolean, not {}",
                        a(other)
                    ),
                    Some(
                        "write the cell as a survey would hold it, e.g. 3, \"urban\" or true"
                            .into(),
                    ),
                );
                return None;
            }
        })
    }
}

/// A header of the inputs that have a cell, and one row of those cells.
fn one_row_csv(p: &Policy, cells: &[Option<String>]) -> Vec<u8> {
    let mut writer = csv::WriterBuilder::new().from_writer(Vec::new());
    let header: Vec<&str> = p
        .inputs
        .iter()
        .zip(cells)
        .filter(|(_, c)| c.is_some())
        .map(|(i, _)| i.name.as_str())
        .collect();
    let row: Vec<&str> = cells.iter().flatten().map(String::as_str).collect();
    writer
        .write_record(&header)
        .and_then(|()| writer.write_record(&row))
        .ok()
        .and_then(|()| writer.into_inner().ok())
        .unwrap_or_default()
}
