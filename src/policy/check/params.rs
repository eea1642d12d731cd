//! `[[parameters]]`: constants and dated values, resolved for the run's
//! date.

use super::*;

impl Checker<'_> {
    pub(super) fn parameters(&mut self, raws: &[raw::RawParameter], as_of: &str) -> Vec<Parameter> {
        let mut out = Vec::new();
        for r in raws {
            if !self.declare(&r.name, "a parameter") {
                continue;
            }
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
                continue;
            }
            let chosen = match (chosen, &r.value) {
                (Some(c), _) => c,
                (None, Some(v)) => v,
                (None, None) => {
                    let help = match r.values.first() {
                        Some(first) => format!(
                            "its earliest value starts on {}; choose a later --as-of date or add `value = …`",
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
                    continue;
                }
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
                unit: r.unit.clone(),
                reference: r.reference.clone(),
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
}
