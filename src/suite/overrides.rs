//! The policy as a case sees it: loaded once per distinct date and set of
//! parameter overrides, so that a case's what-if is the base policy plus a
//! small change, never a forked copy.

use std::collections::HashMap;
use std::fmt::Write as _;

use crate::error::Diagnostic;
use crate::policy::{LoadOptions, Policy, quote_list};

/// Loads the policy once per distinct (date, overrides).
pub(super) struct Loader<'a> {
    pub policy_file: &'a str,
    pub policy_source: &'a str,
    cache: HashMap<String, usize>,
    /// Every policy loaded, in order: the index is what [`Loader::get`] returns.
    pub policies: Vec<Policy>,
}

impl<'a> Loader<'a> {
    pub(super) fn new(policy_file: &'a str, policy_source: &'a str) -> Self {
        Loader {
            policy_file,
            policy_source,
            cache: HashMap::new(),
            policies: Vec::new(),
        }
    }

    /// The index of the policy in force on `as_of` with `overrides`,
    /// loading it on first use.
    pub(super) fn get(
        &mut self,
        as_of: &str,
        overrides: &[(String, toml::Value)],
    ) -> Result<usize, Vec<Diagnostic>> {
        let mut key = as_of.to_string();
        for (k, v) in overrides {
            let _ = write!(key, "\n{k}={v}");
        }
        if let Some(&i) = self.cache.get(&key) {
            return Ok(i);
        }
        let options = LoadOptions {
            as_of: Some(as_of.to_string()),
        };
        let policy = if overrides.is_empty() {
            Policy::load(self.policy_file, self.policy_source, &options)
                .map_err(|e| e.diagnostics)?
        } else {
            let text = with_parameters(self.policy_source, overrides)
                .map_err(|m| vec![Diagnostic::whole_file(self.policy_file, m, None)])?;
            let name = format!("{} (with {})", self.policy_file, describe(overrides));
            Policy::load(&name, &text, &options).map_err(|e| e.diagnostics)?
        };
        self.policies.push(policy);
        let i = self.policies.len() - 1;
        self.cache.insert(key, i);
        Ok(i)
    }
}

/// `a = 1, b = 2` for a message (bounded: a case may override many parameters).
pub(super) fn describe(overrides: &[(String, toml::Value)]) -> String {
    let list: Vec<String> = overrides
        .iter()
        .map(|(k, v)| format!("{k} = {v}"))
        .collect();
    quote_list(&list)
}

/// The policy text with each named parameter's value replaced (its dated values dropped).
///
/// ```
/// let text = "[[parameters]]\nname = \"cap\"\nvalue = 5\nunit = \"u\"\nreference = \"r\"\n";
/// let out = layak::suite::with_parameters(text, &[("cap".into(), toml::Value::Integer(7))]).unwrap();
/// assert!(out.contains("value = 7"));
/// ```
pub fn with_parameters(
    source: &str,
    overrides: &[(String, toml::Value)],
) -> Result<String, String> {
    let mut table: toml::Table = source
        .parse()
        .map_err(|e: toml::de::Error| format!("invalid policy file: {}", e.message().trim()))?;
    let params = table
        .get_mut("parameters")
        .and_then(toml::Value::as_array_mut)
        .ok_or("the policy has no [[parameters]]")?;
    for (name, value) in overrides {
        let entry = params
            .iter_mut()
            .filter_map(toml::Value::as_table_mut)
            .find(|t| t.get("name").and_then(toml::Value::as_str) == Some(name.as_str()))
            .ok_or_else(|| format!("the policy has no parameter `{name}`"))?;
        entry.insert("value".into(), value.clone());
        entry.remove("values");
    }
    toml::to_string(&table).map_err(|e| format!("cannot rewrite the policy: {e}"))
}
