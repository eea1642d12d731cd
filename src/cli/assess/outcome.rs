//! The closing lines of `assess` on standard error: the counts, the short
//! summary, the outcome of `--budget`.

use super::*;

/// The closing lines on standard error: the counts (unless --quiet), then the
/// short summary, or else the outcome of --budget.
pub(in crate::cli) fn tell_the_outcome(
    config: &AssessConfig,
    policy: &crate::policy::Policy,
    totals: &pipeline::Totals,
    report: Option<&summary::Report>,
    ranking: Option<&(pipeline::Totals, Ranking)>,
    person_mode: bool,
) {
    let mut stderr = io::stderr().lock();
    if !config.quiet {
        let line = if person_mode {
            persons::closing_line(totals)
        } else {
            closing_line(totals)
        };
        writeln!(stderr, "layak: {line}").ok();
        let too_long = super::super::error_text::too_long_rows(totals);
        let limit = config.input.read.max_field_bytes;
        if let Some(hint) = super::super::error_text::field_too_long_hint(too_long, limit) {
            writeln!(stderr, "{hint}").ok();
        }
    }
    match (report, config.summary.human) {
        (Some(report), true) => {
            let lang = super::super::tool_lang(config.lang, policy);
            let full = match lang {
                Lang::En => "the --summary JSON",
                Lang::Id => "JSON --summary",
            };
            write!(stderr, "{}", report.human_in(lang, full)).ok();
        }
        _ => {
            if let (Some((_, r)), false) = (ranking, config.quiet) {
                writeln!(stderr, "layak: {}", budget_line(r, &policy.meta.currency)).ok();
            }
        }
    }
}

/// The closing line: `N rows read = D decided + R rejected`, the rejects by
/// reason, and the blank rows skipped (not data, so not in `rows read`).
pub(in crate::cli) fn closing_line(totals: &pipeline::Totals) -> String {
    use super::super::grouped;
    let mut line = format!(
        "{} rows read = {} decided + {} rejected",
        grouped(totals.read),
        grouped(totals.decided),
        grouped(totals.rejected)
    );
    let mut sep = ": ";
    for (code, n) in RejectCode::ALL.iter().zip(totals.rejects_by_code) {
        if n > 0 {
            line.push_str(&format!("{sep}{code} {}", grouped(n)));
            sep = ", ";
        }
    }
    if totals.skipped > 0 {
        line.push_str(&format!(
            "; {} skipped",
            super::super::counted(totals.skipped, "blank row", "blank rows")
        ));
    }
    line
}

/// One line on the outcome of --budget.
pub(in crate::cli) fn budget_line(r: &pipeline::budget::Ranking, currency: &str) -> String {
    let money = |v: u64| {
        let mut b = Vec::new();
        crate::numfmt::write_grouped(v as f64, &mut b);
        String::from_utf8_lossy(&b).into_owned()
    };
    let mut line = format!(
        "budget {} {currency} a month: {} of {} funded, {} used",
        money(r.budget),
        super::super::grouped(u64::from(r.funded)),
        super::super::counted(r.eligible, "eligible household", "eligible households"),
        money(r.used)
    );
    if let Some(k) = r.last_funded {
        line.push_str(&format!("; cut-off priority {:.1}", f64::from(k) / 10.0));
    }
    line.push_str(&format!(
        "; {} waiting",
        super::super::grouped(r.eligible - u64::from(r.funded))
    ));
    line
}
