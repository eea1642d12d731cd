//! `[[parameters]]`: constants and dated values, resolved for the run's
//! date, and their provenance (`unit`, `reference`).

use super::*;

impl Checker<'_> {
    pub(super) fn parameters(&mut self, raws: &[raw::RawParameter], as_of: &str) -> Vec<Parameter> {
        let mut out = Vec::new();
        for r in raws {
            if !self.declare(&r.name, "a parameter") {
                continue;
            }
            self.provenance(r);
            let Some((chosen, from)) = self.value_in_force(r, as_of) else {
                continue;
            };
            let what = format!("parameter `{}`", r.name.get_ref());
            let Some(value) = self.constant(chosen, &what) else {
                self.failed.insert(r.name.get_ref().clone());
                continue;
            };
            // Visible to later parameters and to every expression.
            self.map.insert(
                r.name.get_ref().clone(),
                (Binding::Const(value), Type::Number),
            );
            out.push(Parameter {
                name: r.name.get_ref().clone(),
                value,
                unit: r.unit.clone().unwrap_or_default(),
                reference: r.reference.clone().unwrap_or_default(),
                description: r.description.clone(),
                from,
            });
        }
        for r in raws {
            if !self.map.contains_key(r.name.get_ref()) {
                self.failed.insert(r.name.get_ref().clone());
            }
        }
        out
    }

    /// The value in force on `as_of` and the `from` date of the dated value
    /// chosen; `None` after reporting bad dates or no value in force.
    fn value_in_force<'r>(
        &mut self,
        r: &'r raw::RawParameter,
        as_of: &str,
    ) -> Option<(&'r Spanned<RawScalar>, Option<String>)> {
        let mut from = None;
        let mut chosen: Option<&Spanned<RawScalar>> = None;
        let mut ok = true;
        let mut last_from: Option<&str> = None;
        for dv in &r.values {
            let f = dv.from.get_ref().as_str();
            if !is_valid_date(f) {
                self.error(
                    dv.from.span(),
                    format!("`{f}` is not a valid date"),
                    Some("write dates as YYYY-MM-DD".into()),
                );
                ok = false;
                continue;
            }
            if last_from.is_some_and(|l| l >= f) {
                self.error(
                    dv.from.span(),
                    "dated values must be in increasing date order",
                    None,
                );
                ok = false;
            }
            last_from = Some(f);
            if f <= as_of {
                chosen = Some(&dv.value);
                from = Some(f.to_string());
            }
        }
        if !ok {
            return None;
        }
        match (chosen, &r.value) {
            (Some(c), _) => Some((c, from)),
            (None, Some(v)) => Some((v, from)),
            (None, None) => {
                let help = match r.values.first() {
                    Some(first) => format!(
                        "its earliest value starts on {}; choose a later as-of date or add `value = …`",
                        first.from.get_ref()
                    ),
                    None => "add `value = …`".into(),
                };
                self.error(
                    r.name.span(),
                    format!(
                        "parameter `{}` has no value in force on {as_of}",
                        r.name.get_ref()
                    ),
                    Some(help),
                );
                None
            }
        }
    }

    /// A parameter without `unit` or `reference` (absent or blank): an error
    /// when the policy is checked strictly (shipped policies), else one
    /// warning, so that a quick experiment needs neither.
    fn provenance(&mut self, r: &raw::RawParameter) {
        let blank = |v: &Option<String>| v.as_deref().is_none_or(|s| s.trim().is_empty());
        let missing = match (blank(&r.unit), blank(&r.reference)) {
            (false, false) => return,
            (true, true) => "no `unit` and no `reference`",
            (true, false) => "no `unit`",
            (false, true) => "no `reference`",
        };
        let message = format!("parameter `{}` has {missing}", r.name.get_ref());
        let help = Some(
            "say what the number measures (`unit = \"IDR per person per month\"`) and where it comes from (`reference = \"…\"`)"
                .to_string(),
        );
        if self.strict {
            self.error(r.name.span(), message, help);
        } else {
            let d = self
                .lines
                .diagnostic(self.file, self.source, r.name.span(), message, help);
            self.warnings.push(d.warning());
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::policy::{LoadOptions, Policy};

    // The help names no command-line flag: the as-of date comes from a flag
    // in `layak assess`, from a case file in `layak policy test`.
    #[test]
    fn no_value_in_force_asks_for_a_later_as_of_date_without_naming_a_flag() {
        let options = LoadOptions {
            as_of: Some("2024-02-29".into()),
        };
        let err = Policy::default_policy(&options).unwrap_err();
        assert!(!err.diagnostics.is_empty());
        for d in &err.diagnostics {
            assert!(d.message.contains("has no value in force on 2024-02-29"));
            let help = d.help.as_deref().unwrap_or_default();
            assert_eq!(
                help,
                "its earliest value starts on 2024-03-01; choose a later as-of date or add `value = …`"
            );
        }
    }
}
