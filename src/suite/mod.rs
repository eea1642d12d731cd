//! Policy test cases (`layak policy test`): a TOML file of named households
//! with the decision each should get, run through the real input stage,
//! engine and JSON writer.
//!
//! ```toml
//! policy = "default.toml"     # optional, relative to this file
//! as_of = "2025-06-01"        # optional: which dated parameter values apply
//!
//! [[case]]
//! name = "A poor family of four gets food assistance"
//! input = { household_id = "T1", members = 4, monthly_income = 1000000 }
//! parameters = { household_monthly_cap = 500000 }   # optional override
//! tolerance = 0.05                                   # optional (default 1e-6)
//! [case.expect]
//! track = "capacity_building"
//! programs = ["food_assistance", "capacity_building"]
//! "amount.food_assistance" = 200000
//! ```
//!
//! Each case becomes a one-row CSV file (a header of the inputs it gives, and
//! one row of their values written as a survey would hold them), which is
//! read by [`crate::input`] exactly as `layak assess` reads a file: so a case
//! exercises the production path, rejects included. A decided row is written
//! by the JSON [`DecisionWriter`](crate::report::DecisionWriter) and its
//! fields are compared with the expectations. A failing case carries the
//! trace `layak explain` shows for the same household. The format is
//! documented in `data/policies/README.md`.
//!
//! [`Suite::load`] parses a file and checks it against its policy (every
//! input name, parameter and expectation key, with "did you mean" hints),
//! reporting every problem at once; [`Suite::run`] then decides every case.
//!
//! The topics, one file each: `format` (the file's TOML shape and the
//! expectation keys), `load` and `expect` (checking a file against its
//! policy), `household` (a case's inputs as a one-row CSV file), `overrides`
//! (the policy with a case's date and parameters), `run` (deciding a case and
//! comparing), `report` (the text a person reads).

mod expect;
mod format;
mod household;
mod load;
mod overrides;
mod report;
mod run;
#[cfg(test)]
mod tests;

use crate::error::Diagnostic;
use crate::policy::Policy;

pub use overrides::with_parameters;
pub use report::totals;

/// Numeric tolerance of a case that sets none: `|found - expected| <= 1e-6`.
pub const DEFAULT_TOLERANCE: f64 = 1e-6;

/// The policy and date of a test file that names neither.
#[derive(Debug, Clone, Default)]
pub struct SuiteOptions {
    /// The policy file (relative to the working directory) used by a test
    /// file without `policy = …`. `None`: the embedded default policy.
    pub policy: Option<String>,
    /// The date used by a file and cases without `as_of`. `None`: today.
    pub as_of: Option<String>,
}

/// Why a test file could not be run.
#[derive(Debug, thiserror::Error)]
pub enum CaseError {
    #[error("cannot read the test file {file}: {source}")]
    Read {
        file: String,
        #[source]
        source: std::io::Error,
    },
    /// Every problem found in the file (and in its policy, if that does not load).
    #[error("{file}: {} {}", diagnostics.len(), crate::policy::noun(diagnostics.len() as u128, "error", "errors"))]
    Invalid {
        file: String,
        diagnostics: Vec<Diagnostic>,
    },
}

/// A test file checked against its policy, ready to run.
#[derive(Debug)]
pub struct Suite {
    /// The test file, as named on the command line.
    pub file: String,
    /// The policy's file (or the embedded default's name), for the report.
    pub policy_file: String,
    /// The date that picks dated parameter values (cases may set their own).
    pub as_of: String,
    /// `policies[0]` is the policy as written; the others carry a case's
    /// `as_of` or parameter overrides.
    policies: Vec<Policy>,
    cases: Vec<Case>,
}

/// One checked case.
#[derive(Debug)]
struct Case {
    name: String,
    /// The line of the case's `name` in the test file: where a trace says the household is.
    line: u64,
    /// The household id the case gives (or `case-N`).
    household_id: String,
    /// Index into [`Suite::policies`].
    policy: usize,
    /// The one-row CSV file of the case.
    csv: Vec<u8>,
    tolerance: f64,
    expect: Vec<format::Expect>,
    /// A ranking policy's `decile`, given in the case's input.
    decile: Option<u32>,
}

/// The result of one case.
#[derive(Debug, Clone)]
pub struct Outcome {
    pub name: String,
    /// One line per expected field that did not match: `key: expected X, found Y`.
    pub mismatches: Vec<String>,
    /// What the policy did with a failing case, as `layak explain` shows it
    /// (empty when the case passed).
    pub trace: String,
}

impl Outcome {
    pub fn passed(&self) -> bool {
        self.mismatches.is_empty()
    }
}

impl Suite {
    /// Read the test file at `path` and check it against its policy.
    pub fn read(path: &str, options: &SuiteOptions) -> Result<Suite, CaseError> {
        let source = std::fs::read_to_string(path).map_err(|source| CaseError::Read {
            file: path.to_string(),
            source,
        })?;
        Suite::load(path, &source, options)
    }

    /// Check the test file `source` (named `file` in messages) against its policy.
    pub fn load(file: &str, source: &str, options: &SuiteOptions) -> Result<Suite, CaseError> {
        load::load(file, source, options)
    }

    /// Number of cases.
    pub fn len(&self) -> usize {
        self.cases.len()
    }

    pub fn is_empty(&self) -> bool {
        self.cases.is_empty()
    }

    /// The policy as written (before any case's override).
    pub fn policy(&self) -> &Policy {
        &self.policies[0]
    }

    /// Decide every case, in file order.
    pub fn run(&self) -> Vec<Outcome> {
        self.cases.iter().map(|c| self.run_case(c)).collect()
    }
}
