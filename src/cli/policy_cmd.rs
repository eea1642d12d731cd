//! `layak policy show | check | test`.

use std::io::Write;

use super::{PolicyArgs, PolicyCommand, UsageError, load_policy_file};
use crate::ExitStatus;
use crate::policy::{DEFAULT_POLICY_TOML, LoadOptions, noun};
use crate::suite::{self, Suite, SuiteOptions};

pub(super) fn run(cmd: PolicyCommand) -> anyhow::Result<ExitStatus> {
    match cmd {
        PolicyCommand::Show => {
            std::io::stdout()
                .lock()
                .write_all(DEFAULT_POLICY_TOML.as_bytes())?;
            Ok(ExitStatus::Success)
        }
        PolicyCommand::Check {
            file,
            as_of,
            strict,
        } => {
            if let Some(date) = &as_of {
                if !crate::policy::is_valid_date(date) {
                    return Err(super::UsageError(format!(
                        "--as-of {date}: not a valid date (expected YYYY-MM-DD, e.g. 2025-03-01)"
                    ))
                    .into());
                }
            }
            let policy =
                load_policy_file(&file, &LoadOptions { as_of }, strict, Default::default())?;
            let indicators = policy
                .deprivation
                .as_ref()
                .map_or(0, |d| d.indicators.len());
            let counts = [
                (policy.inputs.len(), "input", "inputs"),
                (policy.parameters.len(), "parameter", "parameters"),
                (policy.checks.len(), "check", "checks"),
                (policy.derived.len(), "derived value", "derived values"),
                (indicators, "indicator", "indicators"),
                (policy.programs.len(), "program", "programs"),
                (policy.tracks.len(), "track", "tracks"),
            ]
            .map(|(n, one, many)| format!("{n} {}", noun(n as u128, one, many)))
            .join(", ");
            writeln!(
                std::io::stdout().lock(),
                "{file}: ok — policy `{}` version {} (hash {}): {counts}",
                policy.meta.id,
                policy.meta.version,
                policy.hash,
            )?;
            Ok(ExitStatus::Success)
        }
        PolicyCommand::Test { files, policy } => test(&files, &policy),
    }
}

/// `layak policy test FILE...`: check every file first (a malformed file
/// runs nothing), then run every case and print `ok`/`FAIL` lines, the
/// mismatches and explain trace of each failure, and `N passed, M failed`.
fn test(files: &[String], args: &PolicyArgs) -> anyhow::Result<ExitStatus> {
    if let Some(date) = &args.as_of {
        if !crate::policy::is_valid_date(date) {
            return Err(UsageError(format!(
                "--as-of {date}: not a valid date (expected YYYY-MM-DD, e.g. 2025-03-01)"
            ))
            .into());
        }
    }
    let options = SuiteOptions {
        policy: args.policy.clone(),
        as_of: args.as_of.clone(),
    };
    let mut suites = Vec::new();
    let mut broken = 0usize;
    for file in files {
        match Suite::read(file, &options) {
            Ok(s) => suites.push(s),
            Err(e) => {
                broken += 1;
                write!(std::io::stderr().lock(), "{}", e.render()).ok();
            }
        }
    }
    if broken > 0 {
        let message = if files.len() == 1 {
            "layak: no case was run".to_string()
        } else {
            format!(
                "layak: {broken} of {} test files {} errors; no case was run",
                files.len(),
                noun(broken as u128, "has", "have")
            )
        };
        writeln!(std::io::stderr().lock(), "{message}").ok();
        return Ok(ExitStatus::Fatal);
    }
    let mut out = std::io::stdout().lock();
    let (mut passed, mut failed) = (0usize, 0usize);
    for suite in &suites {
        out.write_all(suite.heading().as_bytes())?;
        for outcome in suite.run() {
            if outcome.passed() {
                passed += 1;
            } else {
                failed += 1;
            }
            out.write_all(outcome.render().as_bytes())?;
        }
    }
    out.write_all(suite::totals(passed, failed).as_bytes())?;
    out.flush()?;
    Ok(if failed == 0 {
        ExitStatus::Success
    } else {
        ExitStatus::Fatal
    })
}
