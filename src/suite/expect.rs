//! Checking a case's `[case.expect]` table: every key names a field the
//! policy can produce, and every value has that field's kind (and, for
//! texts and lists, is one of the values the policy can give).

use std::ops::Range;

use toml::Spanned;

use super::format::{
    Entries, Expect, Expected, Field, Kind, all_keys_help, allowed_texts, resolve_key, unavailable,
    valid_keys,
};
use super::load::{Builder, a, help_with};
use super::run::show_number;
use crate::expr::{self, Binding, EnumId, Type};
use crate::policy::Policy;

/// One flattened `key = value` of the table, with the spans of both.
type Entry = (String, Range<usize>, Range<usize>, toml::Value);

/// The expressions a numeric expectation may use: literals and the policy's parameters.
struct ParameterScope<'p>(&'p Policy);

impl expr::Scope for ParameterScope<'_> {
    fn resolve(&self, name: &str) -> Option<(Binding, Type)> {
        self.0
            .parameters
            .iter()
            .find(|p| p.name == name)
            .map(|p| (Binding::Const(p.value), Type::Number))
    }
    fn enum_values(&self, _id: EnumId) -> &[String] {
        &[]
    }
    fn enum_label(&self, _id: EnumId) -> &str {
        ""
    }
    fn names(&self) -> Vec<String> {
        self.0.parameters.iter().map(|p| p.name.clone()).collect()
    }
}

/// Where an expected value is checked: its key and field, the value's span, the case.
struct Site<'a> {
    key: &'a str,
    what: &'a Field,
    span: Range<usize>,
    in_case: &'a str,
}

impl Builder<'_> {
    pub(super) fn expectations(
        &mut self,
        p: &Policy,
        table: &Spanned<Entries>,
        name: &str,
    ) -> Vec<Expect> {
        let in_case = format!("in case {name:?}");
        let entries = flattened(table);
        if entries.is_empty() {
            self.error(
                table.span(),
                format!("case {name:?} expects nothing"),
                Some("add a field such as track = \"basic_needs\"".into()),
            );
        }
        let valid = valid_keys(p);
        let mut out = Vec::new();
        let mut reject_keys = Vec::new();
        let mut decision_keys = Vec::new();
        for (key, span, value_span, value) in entries {
            let Some((what, kind)) = resolve_key(p, &key) else {
                let help = match expr::suggest(&key, valid.iter().map(String::as_str)) {
                    Some(s) => format!(
                        "did you mean `{s}`? (the fields a case can expect are listed under \"Test cases\" in data/policies/README.md)"
                    ),
                    None => all_keys_help(),
                };
                self.error(
                    span,
                    format!("unknown expectation `{key}` {in_case}"),
                    Some(help),
                );
                continue;
            };
            if let Some(why) = unavailable(p, &key) {
                self.error(
                    span,
                    format!("`{key}` cannot be expected {in_case}: {why}"),
                    None,
                );
                continue;
            }
            if what.is_reject() {
                reject_keys.push(key.clone());
            } else {
                decision_keys.push((key.clone(), span.clone()));
            }
            let site = Site {
                key: &key,
                what: &what,
                span: value_span,
                in_case: &in_case,
            };
            if let Some(value) = self.expected_value(p, &site, kind, &value) {
                out.push(Expect { key, what, value });
            }
        }
        if let (Some(_), Some((key, span))) = (reject_keys.first(), decision_keys.first()) {
            self.error(
                span.clone(),
                format!("case {name:?} expects a reject and the decision field `{key}`"),
                Some("a rejected row has no decision: keep only reject, reject_column and reject_reason".into()),
            );
        }
        out
    }

    fn expected_value(
        &mut self,
        p: &Policy,
        site: &Site<'_>,
        kind: Kind,
        value: &toml::Value,
    ) -> Option<Expected> {
        match (kind, value) {
            (Kind::Bool, toml::Value::Boolean(b)) => Some(Expected::Bool(*b)),
            (Kind::Bool, _) => self.wrong(site, value, "true or false", "true"),
            (Kind::Number, toml::Value::Integer(i)) => {
                Some(Expected::Number(*i as f64, i.to_string()))
            }
            (Kind::Number, toml::Value::Float(f)) => Some(Expected::Number(*f, f.to_string())),
            (Kind::Number, toml::Value::String(s)) => self.constant(p, site, s),
            (Kind::Number, _) => self.wrong(site, value, "a number", "350000, or \"1/3\""),
            (Kind::Text, toml::Value::String(s)) => self.text(p, site, s),
            (Kind::Text, _) => self.wrong(site, value, "a string", "\"…\""),
            (Kind::List, _) => self.list(p, site, value),
        }
    }

    /// A value of the wrong TOML type: an error, and no expectation.
    fn wrong(
        &mut self,
        site: &Site<'_>,
        value: &toml::Value,
        want: &str,
        example: &str,
    ) -> Option<Expected> {
        let key = site.key;
        self.error(
            site.span.clone(),
            format!("`{key}` {} must be {want}, not {}", site.in_case, a(value)),
            Some(format!("e.g. {key} = {example}")),
        );
        None
    }

    /// A number written as a constant expression of numbers and parameters.
    fn constant(&mut self, p: &Policy, site: &Site<'_>, s: &str) -> Option<Expected> {
        let scope = ParameterScope(p);
        let result = expr::parse(s)
            .and_then(|e| expr::compile(&e, &scope, Some(Type::Number)))
            .map_err(|e| (e.message, e.help));
        let constant = match &result {
            Ok((program, _)) => program.as_const().filter(|x| x.is_finite()),
            Err(_) => None,
        };
        let example =
            "a number, or a constant expression of numbers and parameters such as \"1/3\"";
        let (key, in_case) = (site.key, site.in_case);
        match (constant, result) {
            (Some(x), _) => return Some(Expected::Number(x, format!("{s} ({})", show_number(x)))),
            (None, Err((message, help))) => self.error(
                site.span.clone(),
                format!("`{key}` {in_case}: {message} in {s:?}"),
                help.or_else(|| Some(example.into())),
            ),
            (None, Ok(_)) => self.error(
                site.span.clone(),
                format!("`{key}` {in_case}: {s:?} is not a finite constant"),
                Some(example.into()),
            ),
        }
        None
    }

    /// A text, checked against the values the field can take.
    fn text(&mut self, p: &Policy, site: &Site<'_>, s: &str) -> Option<Expected> {
        if let Some((allowed, what_list)) = allowed_texts(p, site.what) {
            if !allowed.iter().any(|a| a == s) {
                let help = help_with(s, what_list, &allowed);
                self.error(
                    site.span.clone(),
                    format!(
                        "`{s}` is not a possible value of `{}` {}",
                        site.key, site.in_case
                    ),
                    Some(help),
                );
                return None;
            }
        }
        Some(Expected::Text(s.to_string()))
    }

    /// A list of strings; programs and indicators must be the policy's.
    fn list(&mut self, p: &Policy, site: &Site<'_>, value: &toml::Value) -> Option<Expected> {
        let items: Option<Vec<String>> = match value {
            toml::Value::Array(a) => a.iter().map(|v| v.as_str().map(str::to_string)).collect(),
            _ => None,
        };
        let Some(items) = items else {
            return self.wrong(site, value, "a list of strings", "[\"a\", \"b\"]");
        };
        let allowed: Option<(Vec<String>, &str)> = match site.key {
            "programs" | "deferred" => Some((
                p.programs.iter().map(|g| g.id.clone()).collect(),
                "the policy's programs",
            )),
            "deprived" => p.deprivation.as_ref().map(|d| {
                (
                    d.indicators.iter().map(|i| i.id.clone()).collect(),
                    "the policy's indicators",
                )
            }),
            _ => None,
        };
        if let Some((allowed, what_list)) = allowed {
            if let Some(item) = items.iter().find(|item| !allowed.contains(item)) {
                let help = help_with(item, what_list, &allowed);
                self.error(
                    site.span.clone(),
                    format!(
                        "`{item}` in `{}` {} is not one of {what_list}",
                        site.key, site.in_case
                    ),
                    Some(help),
                );
                return None;
            }
        }
        Some(Expected::List(items))
    }
}

/// The table's entries in file order, dotted keys flattened (`amount.x = 1`
/// without quotes is a nested table).
fn flattened(table: &Spanned<Entries>) -> Vec<Entry> {
    let mut entries = Vec::new();
    for (key, value) in table.get_ref() {
        match value.get_ref() {
            toml::Value::Table(_) => {
                flatten(key.get_ref(), key.span(), value.get_ref(), &mut entries)
            }
            v => entries.push((key.get_ref().clone(), key.span(), value.span(), v.clone())),
        }
    }
    entries.sort_by_key(|(_, span, _, _)| span.start);
    entries
}

/// Flatten `key = value` into dotted keys when `value` is a table (the
/// nested values have no span of their own: errors point at the key).
fn flatten(key: &str, span: Range<usize>, value: &toml::Value, out: &mut Vec<Entry>) {
    match value {
        toml::Value::Table(t) => {
            for (k, v) in t {
                flatten(&format!("{key}.{k}"), span.clone(), v, out);
            }
        }
        _ => out.push((key.to_string(), span.clone(), span, value.clone())),
    }
}
