//! The text a person reads from `layak policy test`: a heading per file, a
//! line per case, and for a failing case its mismatches and the trace
//! `layak explain` shows for the household.

use std::fmt::Write as _;

use super::{CaseError, Outcome, Suite};
use crate::policy::noun;

/// Indent of a failing case's details, under its `FAIL ` prefix.
const INDENT: &str = "     ";

impl CaseError {
    /// The error as a person reads it, with source snippets, ending with a count line.
    pub fn render(&self) -> String {
        match self {
            CaseError::Read { .. } => format!("error: {self}\n"),
            CaseError::Invalid { file, diagnostics } => {
                let mut out = String::new();
                for d in diagnostics {
                    out.push_str(&d.render());
                }
                let n = diagnostics.len();
                let errors = noun(n as u128, "error", "errors");
                let _ = writeln!(out, "layak: {file} has {n} {errors}");
                out
            }
        }
    }
}

impl Suite {
    /// `FILE: N cases, policy `ID` version V (POLICY FILE), as of DATE`.
    pub fn heading(&self) -> String {
        let p = self.policy();
        format!(
            "{}: {} {}, policy `{}` version {} ({}), as of {}\n",
            self.file,
            self.len(),
            noun(self.len() as u128, "case", "cases"),
            p.meta.id,
            p.meta.version,
            self.policy_file,
            self.as_of
        )
    }
}

impl Outcome {
    /// `ok   NAME`, or `FAIL NAME` followed by each mismatch and, between blank
    /// lines, the trace (indented under the name; its blank lines stay empty).
    pub fn render(&self) -> String {
        if self.passed() {
            return format!("ok   {}\n", self.name);
        }
        let mut out = format!("FAIL {}\n", self.name);
        for m in &self.mismatches {
            let _ = writeln!(out, "{INDENT}{m}");
        }
        if !self.trace.is_empty() {
            out.push('\n');
        }
        for line in self.trace.lines() {
            if line.is_empty() {
                out.push('\n');
            } else {
                let _ = writeln!(out, "{INDENT}{line}");
            }
        }
        if !self.trace.is_empty() {
            out.push('\n');
        }
        out
    }
}

/// The closing line: `N passed, M failed`.
pub fn totals(passed: usize, failed: usize) -> String {
    format!("{passed} passed, {failed} failed\n")
}
