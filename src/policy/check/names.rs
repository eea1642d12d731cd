//! The names an expression can see: the checker's table of declared names
//! and enum values, the clash and "wrong stage" messages, and enum
//! declarations.

use super::*;

/// Names visible to expressions at one stage of the policy. It borrows the
/// checker's table rather than copying it: a copy per expression made loading
/// quadratic in the number of names (20,000 derived values took 17 s).
pub(super) struct Names<'a> {
    map: &'a HashMap<String, (Binding, Type)>,
    enums: &'a [EnumDef],
    enum_index: &'a [HashMap<String, usize>],
    /// "Did you mean" searches left for this load.
    suggestions: &'a std::cell::Cell<usize>,
    text_inputs: &'a HashMap<String, usize>,
    tables: &'a HashMap<String, crate::expr::Table>,
    text_tests: &'a std::cell::RefCell<Vec<crate::policy::TextTest>>,
}

impl Scope for Names<'_> {
    fn resolve(&self, name: &str) -> Option<(Binding, Type)> {
        self.map.get(name).copied()
    }
    fn enum_values(&self, id: EnumId) -> &[String] {
        self.enums
            .get(usize::from(id))
            .map_or(&[], |e| e.values.as_slice())
    }
    fn enum_value_index(&self, id: EnumId, text: &str) -> Option<usize> {
        let index = self.enum_index.get(usize::from(id))?;
        // Values are stored lowercased; a literal matches in any case.
        index
            .get(text)
            .or_else(|| index.get(text.to_lowercase().as_str()))
            .copied()
    }
    fn enum_label(&self, id: EnumId) -> &str {
        self.enums.get(usize::from(id)).map_or("?", |e| &e.label)
    }
    fn may_suggest(&self) -> bool {
        let left = self.suggestions.get();
        self.suggestions.set(left.saturating_sub(1));
        left > 0
    }
    fn names(&self) -> Vec<String> {
        let mut v: Vec<String> = self.map.keys().cloned().collect();
        v.sort();
        v
    }
    fn is_text(&self, name: &str) -> bool {
        self.text_inputs.contains_key(name)
    }
    fn table(&self, name: &str) -> Option<crate::expr::Table> {
        self.tables.get(name).cloned()
    }
    fn text_test(&self, name: &str, text: &str, prefix: bool) -> Result<(usize, u8), String> {
        let Some(&input) = self.text_inputs.get(name) else {
            return Err(format!("`{name}` is not a text input"));
        };
        let mut tests = self.text_tests.borrow_mut();
        let text = text.as_bytes();
        let mine = || tests.iter().filter(|t| t.input == input);
        if let Some(t) = mine().find(|t| t.prefix == prefix && t.text.eq_ignore_ascii_case(text)) {
            return Ok((input, t.bit));
        }
        let bit = mine().count();
        if bit >= crate::expr::MAX_TEXT_TESTS {
            return Err(format!(
                "`{name}` is compared with more than {} different texts",
                crate::expr::MAX_TEXT_TESTS
            ));
        }
        tests.push(crate::policy::TextTest {
            input,
            bit: bit as u8,
            prefix,
            text: text.into(),
        });
        Ok((input, bit as u8))
    }
}

pub(super) fn is_identifier(s: &str) -> bool {
    let mut chars = s.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
        && !matches!(
            s,
            "and" | "or" | "not" | "in" | "if" | "then" | "else" | "true" | "false"
        )
}

/// Whether `s` can be an enum value: ASCII letters, digits and `_`, in any
/// order (`urban`, `5201`, `2b`), and not a keyword. One that starts with a
/// digit is written quoted in expressions (`region == '5201'`).
pub(super) fn is_enum_value(s: &str) -> bool {
    !s.is_empty()
        && s.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
        && !matches!(
            s,
            "and" | "or" | "not" | "in" | "if" | "then" | "else" | "true" | "false"
        )
}

impl Checker<'_> {
    /// The names visible now, borrowed from the checker's tables (never copied).
    pub(super) fn scope(&self) -> Names<'_> {
        Names {
            map: &self.map,
            enums: &self.enums,
            enum_index: &self.enum_index,
            suggestions: &self.suggestions,
            text_inputs: &self.text_inputs,
            tables: &self.tables,
            text_tests: &self.text_tests,
        }
    }

    /// The text tests made, sorted by input then bit, for the policy.
    pub(super) fn take_text_tests(&mut self) -> Vec<crate::policy::TextTest> {
        let mut tests = self.text_tests.take();
        tests.sort_by_key(|t| (t.input, t.bit));
        tests
    }

    /// Declare a name, reporting a clash with an earlier declaration.
    pub(super) fn declare(&mut self, name: &SpannedStr, what: &'static str) -> bool {
        if !is_identifier(name.get_ref()) {
            self.error(
                name.span(),
                format!("`{}` is not a valid name", name.get_ref()),
                Some(
                    "names start with a letter or `_` and contain only ASCII letters, digits and `_` (and are not keywords)"
                        .into(),
                ),
            );
            return false;
        }
        if let Some(prev) = self.declared.get(name.get_ref()) {
            let msg = format!("`{}` is already declared as {prev}", name.get_ref());
            self.error(name.span(), msg, Some("every name must be unique".into()));
            return false;
        }
        self.declared.insert(name.get_ref().clone(), what);
        true
    }

    pub(super) fn stage_hint(&self, message: &str) -> Option<String> {
        let name = message.strip_prefix("unknown name `")?.strip_suffix('`')?;
        let what = self.all_names.get(name)?;
        if self.in_persons {
            return Some(format!(
                "`{name}` is {what} of the household: expressions inside a reducer see only the person inputs and parameters"
            ));
        }
        if *what == "a person input" {
            return Some(format!(
                "`{name}` is a person input: household expressions see persons only through a reducer in an input's `from_persons`, e.g. from_persons = 'count(age >= 60)'"
            ));
        }
        Some(format!(
            "`{name}` is {what}, which is not available at this point of the policy (order: inputs and parameters, checks, derived values and indicators, programs in declared order, then cap, reasons, tracks and priority; a text input is only compared with quoted strings)"
        ))
    }

    pub(super) fn new_enum(&mut self, label: &str, values: Vec<String>) -> EnumId {
        let index = values
            .iter()
            .enumerate()
            .map(|(i, v)| (v.clone(), i))
            .collect();
        self.enum_index.push(index);
        self.enums.push(EnumDef {
            label: label.to_string(),
            values,
            words: Vec::new(),
        });
        (self.enums.len() - 1) as EnumId
    }

    /// Allowed values of an enum declaration: non-empty, unique, valid names; lowercased.
    pub(super) fn enum_values(
        &mut self,
        owner: &SpannedStr,
        values: &[SpannedStr],
    ) -> Option<Vec<String>> {
        if values.is_empty() {
            self.error(
                owner.span(),
                format!("enum `{}` has no `values`", owner.get_ref()),
                Some("list the allowed values, e.g. values = [\"urban\", \"rural\"]".into()),
            );
            return None;
        }
        let mut out: Vec<String> = Vec::new();
        // Hashed: a search of `out` per value made a 100,000-value list quadratic.
        let mut seen: std::collections::HashSet<String> = Default::default();
        let mut ok = true;
        for v in values {
            work::count(1);
            let lower = v.get_ref().trim().to_ascii_lowercase();
            if !is_enum_value(&lower) {
                self.error(
                    v.span(),
                    format!("`{}` is not a valid enum value", v.get_ref()),
                    Some(
                        "enum values are made of ASCII letters, digits and `_` (a value may start with a digit, e.g. `5201`), and are not keywords"
                            .into(),
                    ),
                );
                ok = false;
            } else if !seen.insert(lower.clone()) {
                self.error(v.span(), format!("`{}` is listed twice", v.get_ref()), None);
                ok = false;
            } else {
                out.push(lower);
            }
        }
        // Keep the good values so that later messages can still list them.
        (ok || !out.is_empty()).then_some(out)
    }
}
