//! `layak completions SHELL` and `layak man [COMMAND]`: shell completion
//! scripts and man pages, generated from the same clap definitions as
//! `--help`, so they cannot drift from the real options.

use std::io::Write;

use clap::CommandFactory;

use super::{Cli, UsageError};
use crate::ExitStatus;

/// Print the completion script for `shell` on standard output.
pub(super) fn completions(shell: clap_complete::Shell) -> anyhow::Result<ExitStatus> {
    let mut command = Cli::command();
    let mut out = Vec::new();
    clap_complete::generate(shell, &mut command, "layak", &mut out);
    std::io::stdout().lock().write_all(&out)?;
    Ok(ExitStatus::Success)
}

/// Print a man page (roff) on standard output: `layak(1)` without a
/// command, `layak-COMMAND(1)` with one (as git does).
pub(super) fn man(subcommand: Option<&str>) -> anyhow::Result<ExitStatus> {
    let command = Cli::command();
    let page = match subcommand {
        None => command,
        Some(name) => {
            let Some(sub) = command.find_subcommand(name).filter(|s| !s.is_hide_set()) else {
                let names: Vec<&str> = command
                    .get_subcommands()
                    .filter(|s| !s.is_hide_set())
                    .map(clap::Command::get_name)
                    .collect();
                return Err(UsageError(format!(
                    "layak man {name}: no such command; one of: {}",
                    names.join(", ")
                ))
                .into());
            };
            let full = format!("layak-{name}");
            sub.clone()
                .name(full.clone())
                .display_name(full)
                .bin_name(format!("layak {name}"))
                .version(
                    command
                        .get_version()
                        .map(str::to_string)
                        .unwrap_or_default(),
                )
        }
    };
    let mut out = Vec::new();
    clap_mangen::Man::new(page).render(&mut out)?;
    std::io::stdout().lock().write_all(&out)?;
    Ok(ExitStatus::Success)
}
