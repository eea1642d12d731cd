//! `layak schema`: the inputs a policy expects, as a table for people, as
//! JSON for programs, or as an empty CSV header to start a survey form.

use std::io::Write;

use serde::Serialize;
use serde_json::Value;

use super::{SchemaArgs, SchemaFormat, UsageError};
use crate::ExitStatus;
use crate::policy::{Input, InputType, Policy};

pub(super) fn run(args: SchemaArgs) -> anyhow::Result<ExitStatus> {
    let delimiter = parse_delimiter(&args.delimiter)?;
    let policy = args.policy.load()?;
    let text = if args.output {
        let mut s = serde_json::to_string_pretty(&super::schema_output::output_schema(&policy))?;
        s.push('\n');
        s
    } else if args.template {
        template(&policy, delimiter)
    } else {
        match args.format {
            SchemaFormat::Table => table(&policy),
            SchemaFormat::Json => {
                let mut s = serde_json::to_string_pretty(&to_json(&policy))?;
                s.push('\n');
                s
            }
        }
    };
    let mut out = std::io::stdout().lock();
    out.write_all(text.as_bytes())?;
    out.flush()?;
    Ok(ExitStatus::Success)
}

/// The `--delimiter` of the template, as a character (shared parsing with `assess`).
fn parse_delimiter(s: &str) -> Result<char, UsageError> {
    super::config::parse_delimiter(s).map(char::from)
}

/// One header line with every input name: the columns a survey must fill.
fn template(p: &Policy, delimiter: char) -> String {
    let names: Vec<&str> = p.inputs.iter().map(|i| i.name.as_str()).collect();
    let mut line = names.join(&delimiter.to_string());
    line.push('\n');
    line
}

/// A number as written in a policy: whole numbers without a fraction.
fn number(x: f64) -> String {
    if x.fract() == 0.0 && x.abs() < 1e15 {
        format!("{}", x as i64)
    } else {
        format!("{x}")
    }
}

/// "allowed values / range" of an input.
fn allowed(p: &Policy, i: &Input) -> String {
    match i.ty {
        InputType::Id => "any text, unique in the file".into(),
        InputType::Text => "any text".into(),
        InputType::Bool => "yes / no (*)".into(),
        InputType::Date => "a date, YYYY-MM-DD".into(),
        InputType::Enum(e) => p.enums[usize::from(e)].values.join(", "),
        InputType::Integer | InputType::Number | InputType::Money => match (i.min, i.max) {
            (Some(lo), Some(hi)) => format!("{}..={}", number(lo), number(hi)),
            (Some(lo), None) => format!("≥ {}", number(lo)),
            (None, Some(hi)) => format!("≤ {}", number(hi)),
            (None, None) => "any".into(),
        },
    }
}

/// "default / required" of an input.
fn default_text(p: &Policy, i: &Input) -> String {
    if i.required {
        return "required".into();
    }
    match i.ty {
        InputType::Id | InputType::Text if i.default_text.is_empty() => "(empty)".into(),
        InputType::Id | InputType::Text => i.default_text.clone(),
        InputType::Bool | InputType::Enum(_) | InputType::Date => {
            let slot = p.inputs.iter().position(|x| x.name == i.name).unwrap_or(0);
            p.format_input_value(slot, i.default)
        }
        _ => number(i.default),
    }
}

/// Split `text` into lines of at most `width` characters at spaces (a longer word stays whole).
fn wrap(text: &str, width: usize) -> Vec<String> {
    let mut lines = Vec::new();
    let mut line = String::new();
    for word in text.split(' ') {
        if !line.is_empty() && line.chars().count() + 1 + word.chars().count() > width {
            lines.push(std::mem::take(&mut line));
        }
        if !line.is_empty() {
            line.push(' ');
        }
        line.push_str(word);
    }
    lines.push(line);
    lines
}

/// The table's column headings.
const HEADER: [&str; 5] = [
    "name",
    "type",
    "allowed values / range",
    "default / required",
    "meaning",
];

/// One input's cells, each as its lines (long cells wrapped).
type Row = [Vec<String>; 5];

/// Aligned plain-text columns, long cells wrapped onto continuation lines.
fn table(p: &Policy) -> String {
    let rows = table_rows(p);
    let widths = column_widths(&rows);
    let mut out = String::new();
    let inputs = if p.inputs.len() == 1 {
        "input"
    } else {
        "inputs"
    };
    out.push_str(&format!(
        "Policy `{}` version {} (hash {}): {} {inputs}, one CSV column each.\n\n",
        p.meta.id,
        p.meta.version,
        p.hash,
        p.inputs.len()
    ));
    push_line(&mut out, &widths, HEADER);
    let rule = widths.map(|w| "-".repeat(w));
    push_line(
        &mut out,
        &widths,
        [&rule[0], &rule[1], &rule[2], &rule[3], &rule[4]],
    );
    for row in &rows {
        let height = row.iter().map(Vec::len).max().unwrap_or(1);
        for k in 0..height {
            let cell = |c: usize| row[c].get(k).map_or("", String::as_str);
            push_line(
                &mut out,
                &widths,
                [cell(0), cell(1), cell(2), cell(3), cell(4)],
            );
        }
    }
    out.push('\n');
    out.push_str(
        "Column names match in any case; columns the policy does not use are ignored.\n\
         An empty cell takes the default; an empty required cell rejects the row.\n\
         Integers are digits only; numbers and money may have a `.` fraction (1500000.50),\n\
         without thousands separators. Enum values match in any case.\n",
    );
    if p.inputs.iter().any(|i| i.ty == InputType::Bool) {
        out.push_str(
            "(*) yes/no cells accept true/false, yes/no, y/n, 1/0 and ya/tidak, in any case.\n",
        );
    }
    out
}

/// Each input's row of the table.
fn table_rows(p: &Policy) -> Vec<Row> {
    // Widest a wrapped column may be.
    const ALLOWED_WIDTH: usize = 32;
    const MEANING_WIDTH: usize = 44;
    p.inputs
        .iter()
        .map(|i| {
            [
                vec![i.name.clone()],
                vec![i.ty.keyword().to_string()],
                wrap(&allowed(p, i), ALLOWED_WIDTH),
                vec![default_text(p, i)],
                wrap(&i.meaning, MEANING_WIDTH),
            ]
        })
        .collect()
}

/// Each column's width in characters: its widest line, heading included.
fn column_widths(rows: &[Row]) -> [usize; 5] {
    let mut widths = HEADER.map(|h| h.chars().count());
    for row in rows {
        for (w, cell) in widths.iter_mut().zip(row) {
            for line in cell {
                *w = (*w).max(line.chars().count());
            }
        }
    }
    widths
}

/// One line of the table: each cell padded to its column's width plus two
/// spaces, the last one not, trailing spaces trimmed.
fn push_line(out: &mut String, widths: &[usize; 5], cells: [&str; 5]) {
    let mut line = String::new();
    for (k, (cell, w)) in cells.iter().zip(widths).enumerate() {
        line.push_str(cell);
        if k + 1 < cells.len() {
            let pad = w - cell.chars().count() + 2;
            line.push_str(&" ".repeat(pad));
        }
    }
    out.push_str(line.trim_end());
    out.push('\n');
}

/// The machine-readable schema: `{policy: {…}, inputs: [{…}]}`, keys in this order.
#[derive(Serialize)]
struct Schema<'a> {
    policy: PolicyInfo<'a>,
    inputs: Vec<InputInfo<'a>>,
}

#[derive(Serialize)]
struct PolicyInfo<'a> {
    id: &'a str,
    name: &'a str,
    version: &'a str,
    hash: &'a str,
    as_of: &'a str,
}

#[derive(Serialize)]
struct InputInfo<'a> {
    name: &'a str,
    #[serde(rename = "type")]
    ty: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    values: Option<&'a [String]>,
    #[serde(skip_serializing_if = "Option::is_none")]
    min: Option<Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    max: Option<Value>,
    required: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    default: Option<Value>,
    meaning: &'a str,
}

/// A whole number as a JSON integer, any other as a float.
fn json_number(x: f64) -> Value {
    if x.fract() == 0.0 && x.abs() < 1e15 {
        Value::from(x as i64)
    } else {
        Value::from(x)
    }
}

fn to_json(p: &Policy) -> Schema<'_> {
    let inputs = p
        .inputs
        .iter()
        .enumerate()
        .map(|(slot, i)| InputInfo {
            name: &i.name,
            ty: i.ty.keyword(),
            values: match i.ty {
                InputType::Enum(e) => Some(&p.enums[usize::from(e)].values),
                _ => None,
            },
            min: i.min.map(json_number),
            max: i.max.map(json_number),
            required: i.required,
            default: (!i.required).then(|| match i.ty {
                InputType::Id | InputType::Text => Value::from(i.default_text.clone()),
                InputType::Bool => Value::from(i.default != 0.0),
                InputType::Enum(_) => Value::from(p.format_input_value(slot, i.default)),
                _ => json_number(i.default),
            }),
            meaning: &i.meaning,
        })
        .collect();
    Schema {
        policy: PolicyInfo {
            id: &p.meta.id,
            name: &p.meta.name,
            version: &p.meta.version,
            hash: &p.hash,
            as_of: &p.as_of,
        },
        inputs,
    }
}
