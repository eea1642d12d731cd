//! What-if reforms: a policy with some parameters changed by name
//! ([`Policy::with_overrides`]), and the check that a second policy reads
//! the same inputs as a first ([`same_inputs`]), so that one parsed row can
//! be decided by both (`layak compare`).

use super::{Input, InputType, LoadOptions, Policy, PolicyError};

/// One parameter change: `NAME=VALUE`, or `NAME@YYYY-MM-DD=VALUE` for the
/// dated value starting on that date.
///
/// The value is read as a policy file's: a number (`1.3`, `250_000`) or a
/// constant expression (`1/3`, `1.3 * near_poor_factor`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Override {
    pub name: String,
    /// The dated value's `from` date; `None`: one value for every date.
    pub from: Option<String>,
    pub value: String,
}

/// An override that is not `NAME=VALUE` or `NAME@DATE=VALUE`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{text}`: {problem} (expected NAME=VALUE or NAME@YYYY-MM-DD=VALUE)")]
pub struct OverrideSyntax {
    pub text: String,
    pub problem: &'static str,
}

impl std::str::FromStr for Override {
    type Err = OverrideSyntax;

    fn from_str(text: &str) -> Result<Override, OverrideSyntax> {
        let fail = |problem| OverrideSyntax {
            text: crate::text::shorten(text, 80),
            problem,
        };
        let (left, value) = text.split_once('=').ok_or_else(|| fail("no `=`"))?;
        let (name, from) = match left.split_once('@') {
            Some((n, d)) => (n.trim(), Some(d.trim().to_string())),
            None => (left.trim(), None),
        };
        if name.is_empty() {
            return Err(fail("no parameter name before `=`"));
        }
        let value = value.trim();
        if value.is_empty() {
            return Err(fail("no value after `=`"));
        }
        if text.chars().any(char::is_control) {
            return Err(fail("a control character (a line break?)"));
        }
        if from.as_deref() == Some("") {
            return Err(fail("no date after `@`"));
        }
        Ok(Override {
            name: name.to_string(),
            from,
            value: value.to_string(),
        })
    }
}

impl Policy {
    /// This policy with some parameters changed, checked again as a whole:
    /// each value is checked as if the file said it (a number, the cutoffs'
    /// order …), parameters computed from a changed one follow it, and the
    /// hash changes. Problems are reported as a policy file's; those in an
    /// override point into their own text, named `label` (e.g. `--set`).
    /// A dated override must be the value in force on the policy's date.
    ///
    /// ```
    /// use layak::policy::{Policy, reform::Override};
    /// let base = Policy::default_policy(&Default::default()).unwrap();
    /// let set: Override = "food_assistance_monthly=250000".parse().unwrap();
    /// let reform = base.with_overrides(&[set], "--set").unwrap();
    /// assert_ne!(reform.hash, base.hash);
    /// ```
    pub fn with_overrides(&self, items: &[Override], label: &str) -> Result<Policy, PolicyError> {
        let options = LoadOptions {
            as_of: Some(self.as_of.clone()),
        };
        let mut policy = super::check::load_with(
            &self.file,
            &self.source,
            &options,
            false,
            // The reform speaks the base's language.
            super::LangChoice {
                requested: Some(self.lang),
                environment: None,
            },
            Some((label, items)),
        )?;
        // The base's warnings were shown when it was loaded.
        policy.warnings.clear();
        Ok(policy)
    }
}

/// Where each of a second policy's inputs is among the first's: input `i`
/// of the second is read from slot `slots[i]` of the first.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InputMap {
    pub slots: Vec<usize>,
}

/// Two policies that do not read the same inputs; every difference, as a
/// line each.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "{reform} does not declare the same inputs as {base}, so a row cannot be read once for both:\n{}",
    differences.iter().map(|d| format!("  - {d}")).collect::<Vec<_>>().join("\n")
)]
pub struct InputsDiffer {
    pub base: String,
    pub reform: String,
    pub differences: Vec<String>,
}

/// The most differences [`InputsDiffer`] lists one by one.
const MAX_DIFFERENCES: usize = 20;

/// Check that `reform` declares the inputs `base` does (names, types, enum
/// values, required, bounds and defaults: everything that decides how a
/// cell is read), in any order.
pub fn same_inputs(base: &Policy, reform: &Policy) -> Result<InputMap, InputsDiffer> {
    let mut differences = Vec::new();
    let mut slots = Vec::with_capacity(reform.inputs.len());
    for (i, r) in reform.inputs.iter().enumerate() {
        match base.inputs.iter().position(|b| b.name == r.name) {
            Some(j) => {
                slots.push(j);
                describe(base, &base.inputs[j], reform, r, &mut differences);
            }
            None => {
                slots.push(i);
                differences.push(format!(
                    "`{}` ({}) is only in the reform",
                    r.name,
                    type_text(reform, r.ty)
                ));
            }
        }
    }
    for b in &base.inputs {
        if reform.input(&b.name).is_none() {
            differences.push(format!(
                "`{}` ({}) is only in the base policy",
                b.name,
                type_text(base, b.ty)
            ));
        }
    }
    if differences.is_empty() {
        return Ok(InputMap { slots });
    }
    if differences.len() > MAX_DIFFERENCES {
        let more = differences.len() - MAX_DIFFERENCES;
        differences.truncate(MAX_DIFFERENCES);
        differences.push(format!("… and {more} more"));
    }
    Err(InputsDiffer {
        base: base.file.clone(),
        reform: reform.file.clone(),
        differences,
    })
}

/// An input's type as a policy file writes it, with an enum's values.
fn type_text(p: &Policy, ty: InputType) -> String {
    match ty {
        InputType::Enum(e) => format!(
            "enum of {}",
            super::quote_list(
                p.enums
                    .get(usize::from(e))
                    .map_or(&[][..], |d| d.values.as_slice())
            )
        ),
        other => other.keyword().to_string(),
    }
}

/// How two declarations of one input differ.
fn describe(base: &Policy, b: &Input, reform: &Policy, r: &Input, out: &mut Vec<String>) {
    let name = &b.name;
    let (bt, rt) = (type_text(base, b.ty), type_text(reform, r.ty));
    if bt != rt {
        out.push(format!(
            "`{name}`: {bt} in the base policy, {rt} in the reform"
        ));
        return;
    }
    let bound = |v: Option<f64>| v.map_or("none".to_string(), |v| v.to_string());
    let mut field = |what: &str, x: String, y: String| {
        if x != y {
            out.push(format!(
                "`{name}`: {what} {x} in the base policy, {y} in the reform"
            ));
        }
    };
    field("required", b.required.to_string(), r.required.to_string());
    field("min", bound(b.min), bound(r.min));
    field("max", bound(b.max), bound(r.max));
    if b.ty.is_text() {
        field(
            "default",
            format!("{:?}", b.default_text),
            format!("{:?}", r.default_text),
        );
    } else {
        field(
            "default",
            base.format_input_value_of(b, b.default),
            reform.format_input_value_of(r, r.default),
        );
    }
}

impl Policy {
    /// [`Policy::format_input_value`] for an input given by reference.
    fn format_input_value_of(&self, input: &Input, v: f64) -> String {
        match self.inputs.iter().position(|i| std::ptr::eq(i, input)) {
            Some(slot) => self.format_input_value(slot, v),
            None => v.to_string(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn default() -> Policy {
        Policy::default_policy(&LoadOptions {
            as_of: Some("2025-06-01".into()),
        })
        .unwrap()
    }

    fn set(p: &Policy, items: &[&str]) -> Result<Policy, PolicyError> {
        let items: Vec<Override> = items.iter().map(|s| s.parse().unwrap()).collect();
        p.with_overrides(&items, "--set")
    }

    fn value(p: &Policy, name: &str) -> f64 {
        p.parameters.iter().find(|x| x.name == name).unwrap().value
    }

    fn rendered(e: &PolicyError) -> String {
        e.render()
    }

    #[test]
    fn override_syntax() {
        let o: Override = "a@2025-01-01 = 1/3".parse().unwrap();
        assert_eq!(
            o,
            Override {
                name: "a".into(),
                from: Some("2025-01-01".into()),
                value: "1/3".into()
            }
        );
        for bad in ["a", "=1", "a=", "a@=1", "a=1\n"] {
            assert!(bad.parse::<Override>().is_err(), "{bad}");
        }
    }

    #[test]
    fn a_set_value_replaces_the_parameter_and_changes_the_hash() {
        let base = default();
        let reform = set(&base, &["food_assistance_monthly=250_000"]).unwrap();
        assert_eq!(value(&reform, "food_assistance_monthly"), 250_000.0);
        assert_eq!(value(&base, "food_assistance_monthly"), 200_000.0);
        assert_ne!(reform.hash, base.hash);
        // An expression, and a dated parameter given one value for every date.
        let reform = set(
            &base,
            &["near_poor_factor=13/10", "poverty_line_urban=700000"],
        )
        .unwrap();
        assert!((value(&reform, "near_poor_factor") - 1.3).abs() < 1e-12);
        assert_eq!(value(&reform, "poverty_line_urban"), 700_000.0);
        // The same value still marks the policy as changed.
        let same = set(&base, &["near_poor_factor=1.2"]).unwrap();
        assert_ne!(same.hash, base.hash);
    }

    #[test]
    fn a_dated_value_replaces_or_adds_one_date() {
        let base = default();
        let reform = set(&base, &["poverty_line_urban@2025-03-01=650000"]).unwrap();
        assert_eq!(value(&reform, "poverty_line_urban"), 650_000.0);
        let reform = set(&base, &["poverty_line_urban@2025-05-01=660000"]).unwrap();
        assert_eq!(value(&reform, "poverty_line_urban"), 660_000.0);
        let p = reform
            .parameters
            .iter()
            .find(|p| p.name == "poverty_line_urban")
            .unwrap();
        assert_eq!(p.from.as_deref(), Some("2025-05-01"));
    }

    #[test]
    fn errors_are_reported_as_a_policy_files() {
        let base = default();
        let e = set(&base, &["povrty_line_urban=1"]).unwrap_err();
        let text = rendered(&e);
        assert!(
            text.contains("no parameter named `povrty_line_urban`"),
            "{text}"
        );
        assert!(
            text.contains("did you mean `poverty_line_urban`?"),
            "{text}"
        );
        assert!(text.contains("--> --set:1:1"), "{text}");
        let e = set(&base, &["members=3"]).unwrap_err();
        assert!(rendered(&e).contains("`members` is an input, not a parameter"));
        // Wrong type: a boolean, or text that is no constant.
        let e = set(&base, &["a_ok=1", "near_poor_factor=true"]).unwrap_err();
        let text = rendered(&e);
        assert!(
            text.contains("parameter `near_poor_factor` must be a number"),
            "{text}"
        );
        assert!(text.contains("--> --set:2:18"), "{text}");
        let e = set(&base, &["near_poor_factor=members"]).unwrap_err();
        assert!(!e.diagnostics.is_empty());
        // Out of range: the cutoffs must stay ordered within [0, 1].
        let e = set(&base, &["vulnerable_cutoff=0.9"]).unwrap_err();
        let text = rendered(&e);
        assert!(text.contains("cutoffs must satisfy"), "{text}");
        // A dated value not in force on the policy's date changes nothing.
        let e = set(&base, &["poverty_line_urban@2030-01-01=1"]).unwrap_err();
        let text = rendered(&e);
        assert!(text.contains("is not in force on 2025-06-01"), "{text}");
        assert!(text.contains("on or after 2030-01-01"), "{text}");
        let e = set(&base, &["poverty_line_urban@2024-03-01=1"]).unwrap_err();
        assert!(rendered(&e).contains("the value from 2025-03-01 is in force"));
        let e = set(&base, &["poverty_line_urban@2025-02-30=1"]).unwrap_err();
        assert!(rendered(&e).contains("`2025-02-30` is not a valid date"));
    }

    #[test]
    fn reforms_must_read_the_same_inputs() {
        let base = default();
        let reform = set(&base, &["near_poor_factor=1.3"]).unwrap();
        let map = same_inputs(&base, &reform).unwrap();
        assert_eq!(map.slots, (0..base.inputs.len()).collect::<Vec<_>>());
        let load = |text: &str| {
            Policy::load(
                "other.toml",
                text,
                &LoadOptions {
                    as_of: Some("2025-06-01".into()),
                },
            )
            .unwrap()
        };
        let small = include_str!("../../examples/policies/income-only.toml");
        let e = same_inputs(&base, &load(small)).unwrap_err();
        let text = e.to_string();
        assert!(text.contains("only in the base policy"), "{text}");
        assert!(
            text.starts_with("other.toml does not declare the same inputs as <default policy>"),
            "{text}"
        );
        let retyped = small.replacen(
            "name = \"earners\"\ntype = \"integer\"",
            "name = \"earners\"\ntype = \"number\"",
            1,
        );
        assert_ne!(retyped, small);
        let e = same_inputs(&load(small), &load(&retyped)).unwrap_err();
        assert_eq!(
            e.differences,
            vec!["`earners`: integer in the base policy, number in the reform".to_string()]
        );
    }
}
