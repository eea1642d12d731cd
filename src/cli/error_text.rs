//! What users read for a library error: the library's text, plus the
//! command-line flag that would help. Library errors name no flag (they
//! serve other front ends too); the flags are this command line's business.

use std::error::Error;
use std::io;

use crate::input::{self, InputError, RecordTooLong};
use crate::pipeline::{PipelineError, budget};
use crate::report::summary::{
    DEFAULT_MAX_GROUPS, PersonsInputError, TooManyGroups, UnknownGroupColumn,
};

/// The hint for a record or header too long to be one.
const RAISE_LIMIT: &str = "; raise --max-field-bytes if the data is right";

/// The line for standard error after a run in which `rows` rows were
/// rejected as `field_too_long` (cells over `limit` bytes): the library's
/// reason names no flag, so the command line says which one helps.
pub(crate) fn field_too_long_hint(rows: u64, limit: usize) -> Option<String> {
    (rows > 0).then(|| {
        format!(
            "layak: {} a cell longer than {} bytes (field_too_long){RAISE_LIMIT}",
            super::counted(rows, "row has", "rows have"),
            super::grouped(limit as u64)
        )
    })
}

/// The `field_too_long` rejects among `totals`, for [`field_too_long_hint`].
pub(crate) fn too_long_rows(totals: &crate::pipeline::Totals) -> u64 {
    input::RejectCode::ALL
        .iter()
        .zip(totals.rejects_by_code)
        .find(|(c, _)| **c == input::RejectCode::FieldTooLong)
        .map_or(0, |(_, n)| n)
}

/// The text of one error of a chain, with the flags that would help.
pub(crate) fn cause_text(cause: &(dyn Error + 'static)) -> String {
    if let Some(e) = cause.downcast_ref::<InputError>() {
        return input_error_text(e);
    }
    if let Some(e) = cause.downcast_ref::<PipelineError>() {
        return pipeline_error_text(e);
    }
    if let Some(e) = cause.downcast_ref::<TooManyGroups>() {
        return too_many_groups_text(e);
    }
    let too_long = cause.downcast_ref::<RecordTooLong>().or_else(|| {
        cause
            .downcast_ref::<io::Error>()
            .and_then(io::Error::get_ref)
            .and_then(|inner| inner.downcast_ref::<RecordTooLong>())
    });
    match too_long {
        Some(e) => format!("{e}{RAISE_LIMIT}"),
        None => cause.to_string(),
    }
}

/// A [`PipelineError`] as the command line tells it.
pub(crate) fn pipeline_error_text(e: &PipelineError) -> String {
    match e {
        PipelineError::Input(e) => input_error_text(e),
        PipelineError::Strict(reject) => {
            format!("--strict: stopped at the first rejected row: {reject}")
        }
        PipelineError::TooManyRows => format!("--budget ranks at most {} rows", budget::MAX_ROWS),
        other => other.to_string(),
    }
}

/// A [`TooManyGroups`] as the command line tells it: with `--by` and the
/// `--max-groups` flag that raises the limit.
pub(crate) fn too_many_groups_text(e: &TooManyGroups) -> String {
    let TooManyGroups { column, limit } = e;
    let limit = super::grouped(*limit as u64);
    format!(
        "--by {column}: more than {limit} distinct values of `{column}`, and a summary makes at most {limit} groups (--max-groups, default {})\n  group by a column with fewer values, or raise the limit with --max-groups N",
        super::grouped(DEFAULT_MAX_GROUPS as u64)
    )
}

/// An [`UnknownGroupColumn`] as the command line tells it.
pub(crate) fn unknown_group_column_text(e: &UnknownGroupColumn) -> String {
    format!("--by {e}")
}

/// A [`PersonsInputError`] as the command line tells it.
pub(crate) fn persons_input_text(e: &PersonsInputError) -> String {
    match e {
        PersonsInputError::NotInteger { name, .. } => format!("--persons-column {name}: {e}"),
        PersonsInputError::Unknown {
            name,
            integer_inputs,
        } => format!(
            "--persons-column {name}: the policy has no input of that name (integer inputs: {integer_inputs})"
        ),
    }
}

/// An [`InputError`] as the command line tells it.
pub(crate) fn input_error_text(e: &InputError) -> String {
    match e {
        InputError::HeaderTooLong { .. } | InputError::RecordTooLong { .. } => {
            format!("{e}{RAISE_LIMIT}")
        }
        InputError::NotCsv {
            file,
            decompress_with: Some(tool),
            ..
        } => {
            let shown = if file == "<stdin>" { "FILE" } else { file };
            format!("{e} (e.g. {tool} {shown} | layak assess -)")
        }
        InputError::MissingColumn {
            file,
            column,
            found,
            suggestion,
            delimiter_hint,
        } => {
            let hint = match (delimiter_hint, suggestion) {
                (Some(d), _) => format!(
                    "\n  the header has one column; did you mean `{}`?",
                    input::delimiter_flag(*d)
                ),
                (None, Some(s)) => {
                    format!("\n  did you mean `{s}`? (map a column with --rename {s}={column})")
                }
                (None, None) => {
                    format!("\n  map a column of yours to it with --rename YOUR_COLUMN={column}")
                }
            };
            format!(
                "{file}: required column `{column}` is missing\n  the header has: {found}{hint}"
            )
        }
        InputError::MissingColumns { .. } => format!(
            "{e}\n  map a column to each with --rename YOUR_COLUMN=INPUT or a profile (`layak profile init FILE` writes one)"
        ),
        InputError::IdColumns {
            file,
            missing,
            found,
        } => format!(
            "--id-columns: {file}: {} not in the header\n  the header has: {found}",
            input::describe_missing(missing)
        ),
        InputError::RenameSyntax { spec } => {
            format!("--rename {spec}: expected FROM=TO, e.g. --rename hh/size=members")
        }
        InputError::Rename { from, to, problem } => {
            let problem = problem.describe(from, to, &|f, t| format!("--rename {f}={t}"));
            format!("--rename {from}={to}: {problem}")
        }
        InputError::NoWeightColumn { column, .. } => format!("--weight {column}: {e}"),
        InputError::UnknownSheet { wanted, .. } => format!("--sheet {wanted}: {e}"),
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // The texts users read (pinned end to end by the integration tests):
    // the flags come back where the library leaves them out.
    #[test]
    fn the_command_line_names_the_flag_that_helps() {
        let too_long = RecordTooLong { line: 4, limit: 9 };
        let read = io::Error::new(io::ErrorKind::InvalidData, too_long);
        assert_eq!(
            cause_text(&read),
            "the record starting on line 4 is longer than 9 bytes without ending (an unclosed quote?); raise --max-field-bytes if the data is right"
        );
        let missing = |suggestion: Option<&str>, delimiter_hint| InputError::MissingColumn {
            file: "f.csv".into(),
            column: "members".into(),
            found: "`a`".into(),
            suggestion: suggestion.map(str::to_string),
            delimiter_hint,
        };
        assert!(
            input_error_text(&missing(Some("membres"), None))
                .ends_with("did you mean `membres`? (map a column with --rename membres=members)")
        );
        assert!(
            input_error_text(&missing(None, None))
                .ends_with("map a column of yours to it with --rename YOUR_COLUMN=members")
        );
        assert!(
            input_error_text(&missing(None, Some(b'\t')))
                .ends_with("the header has one column; did you mean `-d tab`?")
        );
        assert_eq!(
            input_error_text(&InputError::RenameSyntax { spec: "x".into() }),
            "--rename x: expected FROM=TO, e.g. --rename hh/size=members"
        );
        let id_columns = InputError::IdColumns {
            file: "f.csv".into(),
            missing: vec![("SERAIL".into(), Some("SERIAL".into()))],
            found: "`SERIAL`".into(),
        };
        assert_eq!(
            input_error_text(&id_columns),
            "--id-columns: f.csv: `SERAIL` (did you mean `SERIAL`?) is not in the header\n  the header has: `SERIAL`"
        );
        assert_eq!(field_too_long_hint(0, 20), None);
        assert_eq!(
            field_too_long_hint(2, 1 << 20).as_deref(),
            Some(
                "layak: 2 rows have a cell longer than 1,048,576 bytes (field_too_long); raise --max-field-bytes if the data is right"
            )
        );
        let too_many = TooManyGroups {
            column: "village".into(),
            limit: 12_000,
        };
        assert_eq!(
            cause_text(&too_many),
            "--by village: more than 12,000 distinct values of `village`, and a summary makes at most 12,000 groups (--max-groups, default 10,000)\n  group by a column with fewer values, or raise the limit with --max-groups N"
        );
        let unknown = UnknownGroupColumn {
            name: "distrct".into(),
            suggestion: Some("district".into()),
            choices: "`district`".into(),
        };
        assert_eq!(
            unknown_group_column_text(&unknown),
            "--by distrct: no policy input or file column of that name; did you mean `district`?\n  choose one of: `district`"
        );
        let not_integer = PersonsInputError::NotInteger {
            name: "elderly".into(),
            input: "elderly".into(),
            ty: "bool",
        };
        assert_eq!(
            persons_input_text(&not_integer),
            "--persons-column elderly: `elderly` is a bool input; persons must be an integer input"
        );
        let unknown = PersonsInputError::Unknown {
            name: "nobody".into(),
            integer_inputs: "members, age".into(),
        };
        assert_eq!(
            persons_input_text(&unknown),
            "--persons-column nobody: the policy has no input of that name (integer inputs: members, age)"
        );
        assert_eq!(
            pipeline_error_text(&PipelineError::TooManyRows),
            format!("--budget ranks at most {} rows", budget::MAX_ROWS)
        );
    }
}
