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
//! ## Layout
//!
//! Imports flow one way, `cli → (pipeline, suite) → (report, engine) → policy → expr`,
//! with `input` depending only on `policy`, and `text`, `hash`, `numfmt` and `error` as
//! leaves:
//!
//! ```text
//! src/
//!   main.rs          parse arguments, run, map the result to an exit code
//!   cli/             config.rs: arguments → a checked configuration (every
//!                    usage error) before any row is read; one file per
//!                    command; the only place that knows flags and uses anyhow
//!   pipeline/        the parallel streaming pipeline: run (reader thread),
//!                    worker, merger; budget (--budget ranking); group_key
//!                    (each row's --by key); persons/ (person files: order
//!                    scan, spill sort, households fed to the workers)
//!   suite/           `layak policy test`: test files, households, expectations
//!   report/          CSV/JSON/NDJSON writers, chosen columns and reason codes
//!                    (columns.rs, shaped.rs), Parquet/xlsx tables (table.rs),
//!                    compressed outputs, explain's text, the HTML report
//!                    (html/), atomic output files and the checked output
//!                    set; summary/: run summaries,
//!                    one file per topic (groups, accumulate, merge, figures,
//!                    poverty, wire, human)
//!   engine/          deciding one household into reusable scratch memory; its trace
//!   input/           decoding (decode.rs: gzip, zstd, UTF-16, binary kinds),
//!                    spreadsheets (sheet.rs), Parquet (columnar.rs), mapping
//!                    profiles (profile.rs),
//!                    the header (header.rs), chunks of whole records (chunk.rs),
//!                    records and their fields (record.rs), a row's typed values
//!                    (row.rs) from its cells (cell.rs),
//!                    duplicate ids (ids.rs), survey weights (weight.rs),
//!                    rejects (reject.rs)
//!   policy/          the policy: TOML (raw.rs), the loader and its checks
//!                    (check/, one file per section), reason templates and
//!                    their languages (template.rs, lang.rs), person
//!                    reducers (persons.rs)
//!   expr/            the expression language: lexer, Pratt parser, type checker
//!                    (typed tree, folding), the node tree rows run, exact
//!                    rationals for rows near a tie, a plain reference
//!                    interpreter for differential tests
//!   text.rs, hash.rs, numfmt/, error.rs   leaves: message words, FNV-1a,
//!                    number formatting, diagnostics
//! tests/integration/ the real binary on real files (see tests/README.md)
//! benches/           criterion benches and the whole-file throughput scripts
//!                    (see benches/README.md)
//! ```
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
