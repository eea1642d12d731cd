//! `--overrides FILE` on the command line: read and check the file against
//! the loaded policy, and after the run, refuse overrides that met no
//! decided household and tell what the applied ones changed.

use std::io::Write;
use std::sync::Arc;

use crate::pipeline::overrides::Overrides;
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
