//! # layak — need-based social-assistance eligibility
//!
//! `layak` decides, for every household in a CSV survey, which assistance it
//! is eligible for and why, under a policy written as data (TOML).
//!
//! ```text
//! CSV rows ──> input   (header mapping, typed cells, rejects)
//!          ──> engine  (policy: parameters, derived values, indicators,
//!                       programs, cap, track, priority)
//!          ──> report  (CSV / JSON / NDJSON decisions with reasons)
//! ```
//!
//! The stages are separate modules: [`input`], [`policy`] (with the
//! expression language in [`expr`]), [`engine`] and [`report`]; [`suite`]
//! runs a policy's test cases through them; [`cli`] wires them into the
//! `layak` command.
//!
//! ```
//! use layak::policy::Policy;
//! let policy = Policy::default_policy(&Default::default()).unwrap();
//! assert_eq!(policy.meta.currency, "IDR");
//! ```

#![warn(unreachable_pub)]
pub mod cli;
pub mod engine;
pub mod error;
pub mod expr;
pub mod hash;
pub mod input;
pub mod numfmt;
pub mod pipeline;
pub mod policy;
pub mod report;
pub mod suite;
pub mod text;

/// How a run ended; the process exit code is the discriminant.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExitStatus {
    /// Every row was decided (or the command succeeded).
    Success = 0,
    /// A fatal error: unreadable file, invalid policy, missing required column.
    Fatal = 1,
    /// A command-line usage error.
    Usage = 2,
    /// The run finished, but some rows were rejected.
    SomeRejected = 3,
}

impl From<ExitStatus> for std::process::ExitCode {
    fn from(s: ExitStatus) -> Self {
        std::process::ExitCode::from(s as u8)
    }
}
