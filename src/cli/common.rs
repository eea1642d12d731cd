//! Helpers shared by the commands that read a household file (`assess`,
//! `validate`, `explain`): signals, terminal hints and warnings about the
//! file's columns. A command module imports these, never another command.

use std::io::{self, IsTerminal, Write};
#[cfg(unix)]
use std::sync::Arc;

use crate::input::{self, Layout};
#[cfg(unix)]
use crate::report::atomic;

/// On SIGINT and SIGTERM, remove every temporary file (the outputs being
/// written, the `--budget` copy of standard input) and exit 130 or 143, as a
/// shell reports a process ended by those signals.
///
/// The work is done on a thread of its own (`signal_hook::iterator`): the
/// signal handler proper only wakes it, since removing files and taking the
/// registry's lock are not async-signal-safe. The thread removes the files
/// while holding the registry locked, so a commit under way completes whole
/// or not at all, and ends the process with `_exit` without unlocking.
///
/// SIGXFSZ (a write past `ulimit -f`) is caught too, and nothing more: caught,
/// it no longer kills the process, the write fails with EFBIG ("File too
/// large"), and the ordinary error path removes the temporary files and
/// exits 1.
#[cfg(unix)]
pub(super) fn clean_up_on_signals() {
    use signal_hook::consts::{SIGINT, SIGTERM, SIGXFSZ};
    static INSTALLED: std::sync::Once = std::sync::Once::new();
    INSTALLED.call_once(|| {
        let caught = Arc::new(std::sync::atomic::AtomicBool::new(false));
        let xfsz = signal_hook::flag::register(SIGXFSZ, caught);
        let signals = signal_hook::iterator::Signals::new([SIGINT, SIGTERM]);
        let started = signals.and_then(|mut signals| {
            std::thread::Builder::new()
                .name("signals".into())
                .spawn(move || {
                    if let Some(signal) = signals.forever().next() {
                        let _held = atomic::remove_live_temporaries();
                        signal_hook::low_level::exit(128 + signal);
                    }
                })
        });
        if let Err(e) = xfsz.and(started) {
            writeln!(
                io::stderr().lock(),
                "warning: cannot watch for signals ({e}): an interrupted run may leave temporary files"
            )
            .ok();
        }
    });
}

/// Signals are not watched outside Unix (Ctrl-C on Windows ends the process
/// at once; its temporary files stay, named `.NAME.layak-PID-N.tmp`).
#[cfg(not(unix))]
pub(super) fn clean_up_on_signals() {}

/// Reading standard input from a terminal looks like a hang: say what is
/// happening and how to end it (nothing is printed when input is piped).
pub(super) fn hint_if_waiting_on_a_terminal(input_path: &str) {
    if input_path == "-" && io::stdin().is_terminal() {
        let end = if cfg!(windows) {
            "Ctrl-Z then Enter"
        } else {
            "Ctrl-D"
        };
        writeln!(
            io::stderr().lock(),
            "layak: reading households from standard input; {end} to end, or give a FILE"
        )
        .ok();
    }
}

/// One warning per policy input missing from the file, and one per column
/// of the file that `--id-columns` displaces as the household id.
pub(super) fn warn_defaulted(
    policy: &crate::policy::Policy,
    source: &input::Source,
    layout: &Layout,
) {
    let mut stderr = io::stderr().lock();
    for name in &layout.id_overridden {
        writeln!(
            stderr,
            "warning: {}: the household id comes from --id-columns; the file's column `{}` is not used",
            source.name,
            input::excerpt(name.as_bytes(), 60)
        )
        .ok();
    }
    for name in &layout.defaulted {
        let default = policy
            .input(name)
            .map_or(String::new(), |i| describe_default(policy, i));
        writeln!(
            stderr,
            "warning: {}: no column `{name}`; every row uses its default {default}",
            source.name
        )
        .ok();
    }
    drop(stderr);
    warn_if_most_missing(policy, &source.name, layout.defaulted.len());
}

/// A policy input's default, as a warning or report shows it.
pub(super) fn describe_default(
    policy: &crate::policy::Policy,
    input: &crate::policy::Input,
) -> String {
    use crate::policy::InputType;
    match input.ty {
        InputType::Id | InputType::Text => format!("{:?}", input.default_text),
        InputType::Bool => (if input.default != 0.0 {
            "true"
        } else {
            "false"
        })
        .into(),
        InputType::Enum(e) => policy.enums[usize::from(e)]
            .values
            .get(input.default as usize)
            .cloned()
            .unwrap_or_default(),
        _ => input.default.to_string(),
    }
}

/// Open the household file and map its header to the policy's inputs.
pub(super) fn open_input(
    policy: &crate::policy::Policy,
    path: &str,
    options: &input::ReadOptions,
) -> anyhow::Result<(input::Source, Layout)> {
    let source = input::open(path, options)?;
    let layout = layout_for(policy, &source, options)?;
    Ok((source, layout))
}

/// Map the file's header to the policy's inputs.
pub(super) fn layout_for(
    policy: &crate::policy::Policy,
    source: &input::Source,
    options: &input::ReadOptions,
) -> anyhow::Result<Layout> {
    if let (Some(sheet), None) = (&options.sheet, &source.sheet) {
        writeln!(
            io::stderr().lock(),
            "warning: --sheet {}: {} is not a spreadsheet; the option does nothing",
            input::excerpt(sheet.as_bytes(), 60),
            source.name
        )
        .ok();
    }
    Layout::new(policy, source, options).map_err(|e| match e {
        // A --rename naming no input, or --id-columns or --weight naming no
        // column, is a mistake on the command line.
        input::InputError::Rename { .. }
        | input::InputError::IdColumns { .. }
        | input::InputError::NoWeightColumn { .. } => {
            anyhow::Error::from(super::UsageError(super::error_text::input_error_text(&e)))
        }
        other => other.into(),
    })
}

/// Rendered profile diagnostics as a usage error's text (the caller adds `error: `).
pub(super) fn profile_usage(rendered: &str) -> super::UsageError {
    let text = rendered.trim_end();
    super::UsageError(text.strip_prefix("error: ").unwrap_or(text).to_string())
}

/// Check the `--profile` of `read` against the loaded policy: its problems
/// are usage errors, as a bad `--rename` is.
pub(super) fn check_profile(
    policy: &crate::policy::Policy,
    read: &input::ReadOptions,
) -> Result<(), super::UsageError> {
    match &read.profile {
        Some(p) => p.check(policy).map_err(|e| profile_usage(&e.render())),
        None => Ok(()),
    }
}

/// More than half of the policy's inputs take their default on every row:
/// the run goes on (a policy may have many optional inputs), but says so
/// loudly, since the decisions then rest on defaults rather than the survey.
pub(super) fn warn_if_most_missing(policy: &crate::policy::Policy, file: &str, defaulted: usize) {
    let inputs = policy.watched_inputs();
    if defaulted * 2 <= inputs {
        return;
    }
    writeln!(
        io::stderr().lock(),
        "warning: {file}: {defaulted} of the policy's {inputs} inputs have no column, so every household takes their defaults and the decisions say little about it\n  check the header's names: `layak profile init {file}` matches them to the inputs; --require-columns stops instead of deciding"
    )
    .ok();
}

/// `--set` values, each checked for its form (its name and value are
/// checked against the policy when it is loaded).
pub(super) fn parse_overrides(
    args: &super::ReformArgs,
) -> Result<Vec<crate::policy::reform::Override>, super::UsageError> {
    args.set
        .iter()
        .map(|s| {
            s.parse::<crate::policy::reform::Override>()
                .map_err(|e| super::UsageError(format!("--set {e}")))
        })
        .collect()
}

/// The reform: the `--reform` policy (or the base) with the `--set` changes.
pub(super) fn load_reform(
    base: &crate::policy::Policy,
    args: &super::ReformArgs,
    overrides: &[crate::policy::reform::Override],
) -> anyhow::Result<crate::policy::Policy> {
    let reform = match &args.reform {
        Some(path) => {
            let options = crate::policy::LoadOptions {
                as_of: Some(base.as_of.clone()),
            };
            // The reform speaks the base's language.
            let choice = crate::policy::LangChoice {
                requested: Some(base.lang),
                environment: None,
            };
            super::load_policy_file(path, &options, false, choice)?
        }
        None => base.clone(),
    };
    if overrides.is_empty() {
        return Ok(reform);
    }
    Ok(reform.with_overrides(overrides, "--set")?)
}
