//! Checked configuration: the clap structs of [`super`] (what the user typed)
//! turned into the values a command runs with, every usage error (exit 2)
//! raised here before any row is read. The split follows ripgrep's low-level
//! arguments → high-level arguments.

use std::io::{self, Write};

use super::{InputArgs, UsageError};
use crate::input::{self, ReadOptions};
use crate::pipeline;

/// Delimiter and renames as typed, checked before any row is read.
pub(super) fn read_options(args: &InputArgs) -> Result<ReadOptions, UsageError> {
    let delimiter = args.delimiter.as_deref().map(parse_delimiter).transpose()?;
    let renames = args
        .rename
        .iter()
        .map(|r| input::parse_rename(r).map_err(|e| UsageError(e.to_string())))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(ReadOptions {
        delimiter,
        renames,
        max_field_bytes: args
            .max_field_bytes
            .map_or(input::DEFAULT_MAX_FIELD_BYTES, |n| {
                usize::try_from(n).unwrap_or(usize::MAX)
            }),
    })
}

/// `--delimiter` as typed: one ASCII character, or `tab`.
pub(super) fn parse_delimiter(s: &str) -> Result<u8, UsageError> {
    match s {
        "tab" | "\\t" | "\t" => Ok(b'\t'),
        _ if s.len() == 1 && s.is_ascii() && !matches!(s, "\"" | "\n" | "\r") => {
            Ok(s.as_bytes()[0])
        }
        _ => Err(UsageError(format!(
            "--delimiter {s:?}: expected one ASCII character such as `,` `;` `|`, or `tab`"
        ))),
    }
}

/// At most this many worker threads per core: more add only memory (a stack
/// and a chunk in flight each) and contention, never speed.
const MAX_THREADS_PER_CORE: usize = 4;

/// The worker threads for `--threads`: every core by default; a request above
/// [`MAX_THREADS_PER_CORE`] per core is lowered with a warning (the output is
/// the same for any count, so only speed and memory could differ).
pub(super) fn thread_count(requested: Option<u16>) -> usize {
    let cores = pipeline::default_threads();
    let most = cores.saturating_mul(MAX_THREADS_PER_CORE);
    match requested.map(usize::from) {
        None => cores,
        Some(n) if n > most => {
            writeln!(
                io::stderr().lock(),
                "warning: --threads {n} is more than {MAX_THREADS_PER_CORE} per core; using {most} ({cores} {} here)",
                if cores == 1 { "core" } else { "cores" }
            )
            .ok();
            most
        }
        Some(n) => n,
    }
}
