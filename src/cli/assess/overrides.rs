//! `--overrides FILE` on the command line: read and check the file against
//! the loaded policy, and after the run, refuse overrides that met no
//! decided household and tell what the applied ones changed.

use std::io::Write;
use std::sync::Arc;

use crate::engine::overrides::Overrides;
use crate::policy::Policy;

/// The overrides of `path`, checked against `policy` (every bad line at once).
pub(crate) fn load(path: Option<&str>, policy: &Policy) -> anyhow::Result<Option<Arc<Overrides>>> {
    let Some(path) = path else {
        return Ok(None);
    };
    let text = std::fs::read(path)
        .map_err(|e| anyhow::anyhow!("cannot read the overrides file {path}: {e}"))?;
    Ok(Some(Arc::new(Overrides::parse(path, &text, policy)?)))
}

/// After the run: every override must have met a decided household (else
/// an error listing each line, before any output is committed); then one
/// line per action applied on standard error.
pub(crate) fn finish(
    overrides: Option<&Overrides>,
    currency: &str,
    quiet: bool,
) -> anyhow::Result<()> {
    let Some(ov) = overrides else {
        return Ok(());
    };
    ov.check_all_applied()?;
    if quiet {
        return Ok(());
    }
    let figures = ov.figures();
    let parts: Vec<String> = figures
        .actions
        .iter()
        .filter(|a| a.applied > 0)
        .map(|a| {
            format!(
                "{} {} (monthly {:+} {currency}, one-off {:+} {currency})",
                a.action, a.applied, a.monthly_change, a.one_off_change
            )
        })
        .collect();
    writeln!(
        std::io::stderr().lock(),
        "layak: overrides from {}: {}",
        ov.file,
        if parts.is_empty() {
            "none applied".to_string()
        } else {
            parts.join("; ")
        }
    )
    .ok();
    Ok(())
}

/// `explain --overrides`: apply the household's overrides to its decision
/// (an error when the file names households none of which is this one is
/// not made: `explain` looks at one household) and note them for the trace.
pub(crate) fn explain(
    overrides: Option<&Overrides>,
    engine: &crate::engine::Engine<'_>,
    s: &mut crate::engine::Scratch,
    id: &str,
) -> Result<Vec<crate::engine::trace::OverrideNote>, crate::engine::EvalError> {
    let Some(ov) = overrides else {
        return Ok(Vec::new());
    };
    ov.apply(engine, s, id.as_bytes(), false)?;
    Ok(notes(ov, engine.policy, s))
}

/// The overrides applied to the decision in `s`, as `explain` shows them.
pub(crate) fn notes(
    ov: &Overrides,
    policy: &Policy,
    s: &crate::engine::Scratch,
) -> Vec<crate::engine::trace::OverrideNote> {
    let Some(before) = s.overridden.as_deref() else {
        return Vec::new();
    };
    before
        .lines
        .iter()
        .filter_map(|&i| ov.items.get(i as usize))
        .map(|o| crate::engine::trace::OverrideNote {
            action: o.action.keyword().into(),
            program: o
                .program
                .and_then(|p| policy.programs.get(p))
                .map_or("*".into(), |p| p.id.clone()),
            value: o.value.clone(),
            original: crate::report::overrides::original_text(policy, o, before),
            reason: o.reason.clone(),
            decided_by: o.decided_by.clone(),
            date: o.date.clone(),
        })
        .collect()
}

/// The overrides' lines of `explain`'s text: what was changed, by whom,
/// when and why, and what the rules had decided.
pub(crate) fn text(policy: &Policy, notes: &[crate::engine::trace::OverrideNote]) -> String {
    let mut out = String::new();
    for n in notes {
        let value = if n.value.is_empty() {
            String::new()
        } else {
            format!(" {}", n.value)
        };
        out.push_str(&format!(
            "  ✎ {} {}{value} — {} {} ({}): {} [{}]\n",
            n.action,
            n.program,
            policy.words.overridden_by,
            n.decided_by,
            n.date,
            n.reason,
            n.original
        ));
    }
    out
}
