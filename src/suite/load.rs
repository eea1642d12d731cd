//! Checking a test file against its policy: the file's settings, the policy
//! it names, each case's date, parameter overrides and name. Every problem is
//! collected, so that one run reports them all.

use std::collections::HashMap;
use std::ops::Range;
use std::path::Path;

use toml::Spanned;

use super::format::{RawCase, RawFile};
use super::overrides::{Loader, describe};
use super::{Case, CaseError, DEFAULT_TOLERANCE, Suite, SuiteOptions};
use crate::error::Diagnostic;
use crate::expr;
use crate::policy::{self, Policy, is_valid_date, quote_list};

/// Parse `source` and check it against its policy: the body of [`Suite::load`].
pub(super) fn load(file: &str, source: &str, options: &SuiteOptions) -> Result<Suite, CaseError> {
    let mut b = Builder {
        file,
        source,
        diags: Vec::new(),
    };
    let suite = b.suite(options);
    match suite {
        Some(s) if b.diags.is_empty() => Ok(s),
        _ => {
            if b.diags.is_empty() {
                b.diags.push(Diagnostic::whole_file(
                    file,
                    "the test file is incomplete",
                    None,
                ));
            }
            Err(CaseError::Invalid {
                file: file.to_string(),
                diagnostics: b.diags,
            })
        }
    }
}

/// The test file being checked, and the problems found so far.
pub(super) struct Builder<'a> {
    pub(super) file: &'a str,
    pub(super) source: &'a str,
    pub(super) diags: Vec<Diagnostic>,
}

/// What a case inherits from its file.
struct FileDefaults<'a> {
    as_of: &'a str,
    tolerance: f64,
    /// The policy as written, on the file's date.
    base: usize,
}

/// `help` listing `candidates` (at most a screenful), with the closest one
/// first when there is one.
pub(super) fn help_with(name: &str, what: &str, candidates: &[String]) -> String {
    let list = quote_list(candidates);
    match expr::suggest(name, candidates.iter().map(String::as_str)) {
        Some(s) => format!("did you mean `{s}`? {what}: {list}"),
        None => format!("{what}: {list}"),
    }
}

/// The TOML type of `v` with its article: "a string", "an integer".
pub(super) fn a(v: &toml::Value) -> String {
    let t = v.type_str();
    let article = if t.starts_with(['a', 'e', 'i', 'o', 'u']) {
        "an"
    } else {
        "a"
    };
    format!("{article} {t}")
}

impl Builder<'_> {
    pub(super) fn error(
        &mut self,
        span: Range<usize>,
        message: impl Into<String>,
        help: Option<String>,
    ) {
        self.diags
            .push(Diagnostic::at(self.file, self.source, span, message, help));
    }

    /// The 1-based line of the test file at byte `offset`.
    fn line_of(&self, offset: usize) -> u64 {
        let before = self.source.get(..offset).unwrap_or(self.source);
        before.matches('\n').count() as u64 + 1
    }

    fn date(&mut self, v: &Spanned<toml::Value>) -> Option<String> {
        let text = match v.get_ref() {
            toml::Value::String(s) => s.clone(),
            toml::Value::Datetime(d) => d.to_string(),
            _ => String::new(),
        };
        if is_valid_date(&text) {
            Some(text)
        } else {
            self.error(
                v.span(),
                "`as_of` must be a date",
                Some("write it as \"YYYY-MM-DD\", e.g. as_of = \"2025-06-01\"".into()),
            );
            None
        }
    }

    fn tolerance(&mut self, v: &Spanned<toml::Value>) -> Option<f64> {
        let t = match v.get_ref() {
            toml::Value::Integer(i) => *i as f64,
            toml::Value::Float(f) => *f,
            _ => f64::NAN,
        };
        if t.is_finite() && t >= 0.0 {
            Some(t)
        } else {
            self.error(
                v.span(),
                "`tolerance` must be a number ≥ 0",
                Some("e.g. tolerance = 0.05 (the default is 0.000001)".into()),
            );
            None
        }
    }

    fn suite(&mut self, options: &SuiteOptions) -> Option<Suite> {
        let raw = self.parse()?;
        let as_of = match &raw.as_of {
            Some(v) => self.date(v)?,
            None => options.as_of.clone().unwrap_or_else(policy::today),
        };
        let tolerance = match &raw.tolerance {
            Some(v) => self.tolerance(v)?,
            None => DEFAULT_TOLERANCE,
        };
        let (policy_file, policy_source) = self.policy_text(&raw, options)?;
        let mut loader = Loader::new(&policy_file, &policy_source);
        let policy_span = raw.policy.as_ref().map(Spanned::span);
        let base = self.base_policy(&mut loader, &as_of, policy_span)?;
        let defaults = FileDefaults {
            as_of: &as_of,
            tolerance,
            base,
        };
        let mut cases = Vec::new();
        let mut names: HashMap<String, Range<usize>> = HashMap::new();
        for (index, rc) in raw.case.iter().enumerate() {
            let name = self.case_name(rc, &mut names);
            if let Some(case) = self.case(index, rc, &name, &defaults, &mut loader) {
                cases.push(case);
            }
        }
        if !self.diags.is_empty() {
            return None;
        }
        let policies = loader.policies;
        Some(Suite {
            file: self.file.to_string(),
            policy_file,
            as_of,
            policies,
            cases,
        })
    }

    /// The file as TOML, with at least one case.
    fn parse(&mut self) -> Option<RawFile> {
        let raw: RawFile = match toml::from_str(self.source) {
            Ok(r) => r,
            Err(e) => {
                let message = format!("invalid test file: {}", e.message().trim());
                match e.span() {
                    Some(span) => self.error(span, message, None),
                    None => self
                        .diags
                        .push(Diagnostic::whole_file(self.file, message, None)),
                }
                return None;
            }
        };
        if raw.case.is_empty() {
            self.diags.push(Diagnostic::whole_file(
                self.file,
                "the test file has no cases",
                Some("add a case: [[case]] with `name`, `input` and [case.expect]".into()),
            ));
            return None;
        }
        Some(raw)
    }

    /// The policy's name and text: named by the file (relative to it), else
    /// by the options, else the embedded default.
    fn policy_text(&mut self, raw: &RawFile, options: &SuiteOptions) -> Option<(String, String)> {
        match (&raw.policy, &options.policy) {
            (Some(name), _) => {
                let base = Path::new(self.file).parent().unwrap_or(Path::new(""));
                let path = base.join(name.get_ref()).to_string_lossy().into_owned();
                match std::fs::read_to_string(&path) {
                    Ok(text) => Some((path, text)),
                    Err(e) => {
                        self.error(
                            name.span(),
                            format!("cannot read the policy file {path}: {e}"),
                            Some("`policy` is a path relative to the test file's folder".into()),
                        );
                        None
                    }
                }
            }
            (None, Some(path)) => match std::fs::read_to_string(path) {
                Ok(text) => Some((path.clone(), text)),
                Err(e) => {
                    self.diags.push(Diagnostic::whole_file(
                        self.file,
                        format!("cannot read the policy file {path} (the policy of every test file without its own): {e}"),
                        None,
                    ));
                    None
                }
            },
            (None, None) => Some((
                policy::DEFAULT_POLICY_NAME.to_string(),
                policy::DEFAULT_POLICY_TOML.to_string(),
            )),
        }
    }

    /// The policy as written on the file's date; its own errors if it does not load.
    fn base_policy(
        &mut self,
        loader: &mut Loader<'_>,
        as_of: &str,
        policy_span: Option<Range<usize>>,
    ) -> Option<usize> {
        match loader.get(as_of, &[]) {
            Ok(i) => Some(i),
            Err(diags) => {
                let message = format!(
                    "the policy {} does not load (its errors follow)",
                    loader.policy_file
                );
                match policy_span {
                    Some(span) => self.error(span, message, None),
                    None => self
                        .diags
                        .push(Diagnostic::whole_file(self.file, message, None)),
                }
                self.diags.extend(diags);
                None
            }
        }
    }

    /// The case's name, trimmed; an empty or repeated name is an error.
    fn case_name(&mut self, rc: &RawCase, names: &mut HashMap<String, Range<usize>>) -> String {
        let name = rc.name.get_ref().trim().to_string();
        if name.is_empty() {
            self.error(
                rc.name.span(),
                "a case's name must not be empty",
                Some("describe the household and what it should get, in a sentence".into()),
            );
        } else if let Some(first) = names.get(&name) {
            let line = self.line_of(first.start);
            self.error(
                rc.name.span(),
                format!("two cases are named {name:?}"),
                Some(format!(
                    "the first is on line {line}; give each case its own name"
                )),
            );
        } else {
            names.insert(name.clone(), rc.name.span());
        }
        name
    }

    fn case(
        &mut self,
        index: usize,
        rc: &RawCase,
        name: &str,
        defaults: &FileDefaults<'_>,
        loader: &mut Loader<'_>,
    ) -> Option<Case> {
        let errors_before = self.diags.len();
        let in_case = format!("in case {name:?}");
        let as_of = match &rc.as_of {
            Some(v) => self.date(v).unwrap_or_else(|| defaults.as_of.to_string()),
            None => defaults.as_of.to_string(),
        };
        let tolerance = match &rc.tolerance {
            Some(v) => self.tolerance(v).unwrap_or(DEFAULT_TOLERANCE),
            None => defaults.tolerance,
        };
        let overrides = self.overrides(&loader.policies[defaults.base], rc, &in_case);
        let policy = if as_of == defaults.as_of && overrides.is_empty() {
            defaults.base
        } else {
            self.case_policy(loader, rc, &as_of, &overrides, &in_case)?
        };
        let p = &loader.policies[policy];
        let (household_id, csv, decile) = self.household(p, rc, index, name, &in_case);
        let expect = match &rc.expect {
            Some(e) => self.expectations(p, e, name),
            None => {
                self.error(
                    rc.name.span(),
                    format!("case {name:?} expects nothing"),
                    Some("add a table [case.expect] after it, e.g. track = \"basic_needs\"".into()),
                );
                Vec::new()
            }
        };
        if self.diags.len() > errors_before {
            return None;
        }
        Some(Case {
            name: name.to_string(),
            line: self.line_of(rc.name.span().start),
            household_id,
            policy,
            csv,
            tolerance,
            expect,
            decile,
        })
    }

    /// The case's parameter overrides, checked against the policy as written.
    fn overrides(&mut self, p: &Policy, rc: &RawCase, in_case: &str) -> Vec<(String, toml::Value)> {
        let params: Vec<String> = p.parameters.iter().map(|x| x.name.clone()).collect();
        let mut overrides = Vec::new();
        for (key, value) in &rc.parameters {
            let pname = key.get_ref();
            if !params.iter().any(|x| x == pname) {
                let help = help_with(pname, "the policy's parameters", &params);
                self.error(
                    key.span(),
                    format!("unknown parameter `{pname}` {in_case}"),
                    Some(help),
                );
                continue;
            }
            match value.get_ref() {
                toml::Value::Integer(_) | toml::Value::Float(_) | toml::Value::String(_) => {
                    overrides.push((pname.clone(), value.get_ref().clone()));
                }
                other => self.error(
                    value.span(),
                    format!(
                        "the value of parameter `{pname}` must be a number or a constant expression, not {}",
                        a(other)
                    ),
                    Some(format!("e.g. {pname} = 500000 or {pname} = \"1/3\"")),
                ),
            }
        }
        overrides
    }

    /// The policy on the case's own date or with its overrides.
    fn case_policy(
        &mut self,
        loader: &mut Loader<'_>,
        rc: &RawCase,
        as_of: &str,
        overrides: &[(String, toml::Value)],
        in_case: &str,
    ) -> Option<usize> {
        match loader.get(as_of, overrides) {
            Ok(i) => Some(i),
            Err(diags) => {
                let what = if overrides.is_empty() {
                    format!("on {as_of}")
                } else {
                    format!("on {as_of} with {}", describe(overrides))
                };
                let span = rc
                    .parameters
                    .keys()
                    .next()
                    .map(Spanned::span)
                    .or_else(|| rc.as_of.as_ref().map(Spanned::span))
                    .unwrap_or(rc.name.span());
                self.error(
                    span,
                    format!("the policy does not load {what} {in_case} (its errors follow)"),
                    None,
                );
                self.diags.extend(diags);
                None
            }
        }
    }
}
