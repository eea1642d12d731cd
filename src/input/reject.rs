//! Rejects: rows that could not be decided, with where and why.

use std::fmt;

/// Why a row was rejected. The snake-case code is a stable contract (it is
/// written to the rejects file and used by scripts).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum RejectCode {
    /// The row has more or fewer fields than the header.
    FieldCount,
    /// A required value is empty.
    MissingRequired,
    /// A value does not parse as its input's type.
    InvalidValue,
    /// A value parses but is outside the input's range.
    OutOfRange,
    /// The household id already appeared on an earlier row.
    DuplicateId,
    /// A policy row check failed.
    CheckFailed,
    /// The policy produced a value that is not a finite number for this row.
    Evaluation,
    /// A cell is longer than `--max-field-bytes`.
    FieldTooLong,
    /// Person modes (issue 18): a person whose household id is not in the
    /// household file (a rejected person, not a household).
    PersonWithoutHousehold,
    /// A household of the household file with no person.
    HouseholdWithoutPersons,
    /// No person matches a reducer's condition (e.g. no head).
    NoMatchingPerson,
    /// Several persons match a condition that must match one (e.g. two heads).
    SeveralMatchingPersons,
    /// Two persons of one household have the same person number.
    RepeatedPersonNo,
    /// Rectangular layout: a household-level cell differs between the rows
    /// of one household.
    HouseholdCellsDiffer,
}

impl RejectCode {
    /// Every code, in a fixed order.
    pub const ALL: [RejectCode; 14] = [
        RejectCode::FieldCount,
        RejectCode::MissingRequired,
        RejectCode::InvalidValue,
        RejectCode::OutOfRange,
        RejectCode::DuplicateId,
        RejectCode::CheckFailed,
        RejectCode::Evaluation,
        RejectCode::FieldTooLong,
        RejectCode::PersonWithoutHousehold,
        RejectCode::HouseholdWithoutPersons,
        RejectCode::NoMatchingPerson,
        RejectCode::SeveralMatchingPersons,
        RejectCode::RepeatedPersonNo,
        RejectCode::HouseholdCellsDiffer,
    ];

    /// How many codes of [`RejectCode::ALL`] a household file can give: the
    /// rest come from person files only, and are listed (in summaries) only
    /// when persons are read, so household runs keep their outputs.
    pub const HOUSEHOLD_CODES: usize = 8;

    /// The codes a run can give: all, or those of a household file.
    pub fn possible(persons: bool) -> &'static [RejectCode] {
        if persons {
            &Self::ALL
        } else {
            Self::ALL.split_at(Self::HOUSEHOLD_CODES).0
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            RejectCode::FieldCount => "field_count",
            RejectCode::MissingRequired => "missing_required",
            RejectCode::InvalidValue => "invalid_value",
            RejectCode::OutOfRange => "out_of_range",
            RejectCode::DuplicateId => "duplicate_id",
            RejectCode::CheckFailed => "check_failed",
            RejectCode::Evaluation => "evaluation",
            RejectCode::FieldTooLong => "field_too_long",
            RejectCode::PersonWithoutHousehold => "person_without_household",
            RejectCode::HouseholdWithoutPersons => "household_without_persons",
            RejectCode::NoMatchingPerson => "no_matching_person",
            RejectCode::SeveralMatchingPersons => "several_matching_persons",
            RejectCode::RepeatedPersonNo => "repeated_person_no",
            RejectCode::HouseholdCellsDiffer => "household_cells_differ",
        }
    }
}

impl fmt::Display for RejectCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One rejected row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reject {
    /// 1-based line of the file on which the record starts (the header is line 1).
    pub line: u64,
    /// The household id as read (trimmed), or empty when it could not be read.
    pub household_id: String,
    /// The input column (or check id) that failed; empty for a field-count reject.
    pub column: String,
    /// The offending value as read (trimmed, lossy UTF-8).
    pub value: String,
    pub code: RejectCode,
    /// What was wrong and what would be accepted, for a person.
    pub message: String,
}

impl fmt::Display for Reject {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "line {}", self.line)?;
        if !self.household_id.is_empty() {
            // The id is the file's text: show it cut short and with control characters escaped.
            write!(
                f,
                " (household {})",
                super::excerpt(self.household_id.as_bytes(), 100)
            )?;
        }
        if !self.column.is_empty() {
            write!(f, ", {}", self.column)?;
        }
        write!(f, ": {} [{}]", self.message, self.code)
    }
}

/// The reject for a row the policy could not decide: `problem` says why,
/// and `value` is what the failing expression produced.
pub fn evaluation_reject<R: super::Fields + ?Sized>(
    parser: &super::RowParser<'_>,
    record: &R,
    line: u64,
    value: f64,
    problem: &dyn std::fmt::Display,
) -> Reject {
    Reject {
        line,
        household_id: parser.id_string(record),
        column: String::new(),
        value: if value.is_nan() {
            "NaN".into()
        } else {
            value.to_string()
        },
        code: RejectCode::Evaluation,
        message: format!("the policy cannot decide this row: {problem}"),
    }
}
