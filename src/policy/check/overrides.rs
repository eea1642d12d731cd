//! Parameter overrides (`policy::reform`): applied to the parsed file before
//! it is checked, so that an overridden value meets every check a value
//! written in the file meets (a number or a constant expression, the
//! cutoffs' order, …) and the parameters computed from it follow.
//!
//! The overrides are shown in diagnostics as a small file of their own, one
//! `NAME=VALUE` line each, named by the caller (`--set` on the command line).

use super::*;
use crate::policy::reform::Override;

/// Where each applied override's date and value are in the overrides' text,
/// to check afterwards that a dated value is the one in force.
pub(super) struct Applied {
    /// (parameter name, `from` date, span of the date) of each dated override.
    dated: Vec<(String, String, Range<usize>)>,
}

impl Checker<'_> {
    /// Apply `items` to `raw`'s parameters. Problems (an unknown name, a bad
    /// date) are reported like a policy file's; the value itself is checked
    /// with the parameter's when the policy is.
    pub(super) fn apply_overrides(
        &mut self,
        raw: &mut RawPolicy,
        label: &str,
        items: &[Override],
    ) -> Applied {
        let base = self.source.len() + 1;
        let mut text = String::new();
        // (name, date, value) spans of each line, offset by `base`.
        let mut spans = Vec::with_capacity(items.len());
        for o in items {
            if !text.is_empty() {
                text.push('\n');
            }
            let start = base + text.len();
            text.push_str(&o.name);
            let name = start..start + o.name.len();
            let date = o.from.as_ref().map(|d| {
                text.push('@');
                let at = base + text.len();
                text.push_str(d);
                at..at + d.len()
            });
            text.push('=');
            let at = base + text.len();
            text.push_str(&o.value);
            spans.push((name, date, at..at + o.value.len().max(1)));
        }
        self.extra = Some(Extra {
            label: label.to_string(),
            text,
            base,
        });
        let mut applied = Applied { dated: Vec::new() };
        for (o, (name_span, date_span, value_span)) in items.iter().zip(spans) {
            let Some(index) = raw
                .parameters
                .iter()
                .position(|p| p.name.get_ref() == &o.name)
            else {
                self.unknown_parameter(raw, &o.name, name_span);
                continue;
            };
            let value = Spanned::new(value_span, scalar(&o.value));
            let param = &mut raw.parameters[index];
            match (&o.from, date_span) {
                (Some(from), Some(span)) => {
                    if !is_valid_date(from) {
                        self.error(
                            span,
                            format!("`{from}` is not a valid date"),
                            Some("write dates as YYYY-MM-DD".into()),
                        );
                        continue;
                    }
                    match param.values.iter_mut().find(|v| v.from.get_ref() == from) {
                        Some(dv) => dv.value = value,
                        None => {
                            let at = param
                                .values
                                .iter()
                                .position(|v| v.from.get_ref().as_str() > from.as_str())
                                .unwrap_or(param.values.len());
                            param.values.insert(
                                at,
                                raw::RawDatedValue {
                                    from: Spanned::new(span.clone(), from.clone()),
                                    value,
                                    reference: String::new(),
                                },
                            );
                        }
                    }
                    applied.dated.push((o.name.clone(), from.clone(), span));
                }
                _ => {
                    // One value for every date.
                    param.value = Some(value);
                    param.values.clear();
                }
            }
        }
        applied
    }

    /// An override naming no parameter: the nearest parameter's name, or
    /// what the name is when it is not a parameter.
    fn unknown_parameter(&mut self, raw: &RawPolicy, name: &str, span: Range<usize>) {
        let other = raw
            .inputs
            .iter()
            .map(|i| (&i.name, "an input"))
            .chain(raw.derived.iter().map(|d| (&d.name, "a derived value")))
            .chain(raw.programs.iter().map(|p| (&p.id, "a program")))
            .find(|(n, _)| n.get_ref() == name);
        let names = || raw.parameters.iter().map(|p| p.name.get_ref().as_str());
        let help = match other {
            Some(_) => "only parameters can be changed".to_string(),
            None => match expr::suggest(name, names()) {
                Some(s) => format!("did you mean `{s}`?"),
                None => format!(
                    "parameters: {}",
                    quote_list(&names().map(String::from).collect::<Vec<_>>())
                ),
            },
        };
        let message = match other {
            Some((_, what)) => format!("`{name}` is {what}, not a parameter"),
            None => format!("the policy has no parameter named `{name}`"),
        };
        self.error(span, message, Some(help));
    }

    /// Each dated override must be the value in force on the run's date:
    /// otherwise it changes nothing, which is never what was meant.
    pub(super) fn overrides_in_force(&mut self, policy: &Policy, applied: &Applied) -> bool {
        let mut ok = true;
        for (name, from, span) in &applied.dated {
            let Some(p) = policy.parameters.iter().find(|p| &p.name == name) else {
                continue;
            };
            if p.from.as_deref() == Some(from.as_str()) {
                continue;
            }
            ok = false;
            let help = if from.as_str() > policy.as_of.as_str() {
                format!("choose an as-of date on or after {from}")
            } else {
                let in_force = match &p.from {
                    Some(f) => format!("the value from {f}"),
                    None => "the undated value".to_string(),
                };
                format!(
                    "{in_force} is in force then: change that one, or give one value for every date (no `@date`)"
                )
            };
            self.error(
                span.clone(),
                format!(
                    "the value set for parameter `{name}` from {from} is not in force on {}: it would change nothing",
                    policy.as_of
                ),
                Some(help),
            );
        }
        ok
    }
}

/// A value as typed: a TOML number or boolean (`1.3`, `250_000`, `true`),
/// else text, read as a constant expression (`1/3`, `"1/3"`).
fn scalar(value: &str) -> RawScalar {
    #[derive(serde::Deserialize)]
    #[serde(deny_unknown_fields)]
    struct One {
        v: RawScalar,
    }
    match toml::from_str::<One>(&format!("v = {value}")) {
        Ok(One { v }) => v,
        Err(_) => RawScalar::Text(value.trim().to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_are_read_as_toml_scalars_or_expressions() {
        assert!(matches!(scalar("1.3"), RawScalar::Float(f) if f == 1.3));
        assert!(matches!(scalar("250_000"), RawScalar::Integer(250_000)));
        assert!(matches!(scalar("true"), RawScalar::Bool(true)));
        assert!(matches!(scalar("1/3"), RawScalar::Text(t) if t == "1/3"));
        assert!(matches!(scalar("\"1/3\""), RawScalar::Text(t) if t == "1/3"));
        // Not a second TOML key smuggled in.
        assert!(matches!(scalar("1\nw = 2"), RawScalar::Text(_)));
    }
}
