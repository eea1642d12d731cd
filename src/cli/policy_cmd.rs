//! `layak policy show | check`.

use std::io::Write;

use super::{PolicyCommand, load_policy_file};
use crate::ExitStatus;
use crate::policy::{DEFAULT_POLICY_TOML, LoadOptions};

pub fn run(cmd: PolicyCommand) -> anyhow::Result<ExitStatus> {
    match cmd {
        PolicyCommand::Show => {
            std::io::stdout()
                .lock()
                .write_all(DEFAULT_POLICY_TOML.as_bytes())?;
            Ok(ExitStatus::Success)
        }
        PolicyCommand::Check { file, as_of } => {
            if let Some(date) = &as_of {
                if !crate::policy::is_valid_date(date) {
                    return Err(super::UsageError(format!(
                        "--as-of {date}: not a valid date (expected YYYY-MM-DD, e.g. 2025-03-01)"
                    ))
                    .into());
                }
            }
            let policy = load_policy_file(&file, &LoadOptions { as_of })?;
            let indicators = policy
                .deprivation
                .as_ref()
                .map_or(0, |d| d.indicators.len());
            writeln!(
                std::io::stdout().lock(),
                "{file}: ok — policy `{}` version {} (hash {}): {} inputs, {} parameters, {} checks, {} derived values, {} indicators, {} programs, {} tracks",
                policy.meta.id,
                policy.meta.version,
                policy.hash,
                policy.inputs.len(),
                policy.parameters.len(),
                policy.checks.len(),
                policy.derived.len(),
                indicators,
                policy.programs.len(),
                policy.tracks.len(),
            )?;
            Ok(ExitStatus::Success)
        }
        PolicyCommand::Test { .. } => anyhow::bail!("`layak policy test` is not implemented yet"),
    }
}
