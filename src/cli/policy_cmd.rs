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
    }
}
