//! `provider`, `excludes`, `reduced_by` and `[caps]` (issue 20): who pays a
//! program, which programs exclude which, and the caps per provider.

use super::*;
use crate::policy::raw::{RawCaps, RawProviders};
use crate::policy::stacking::{Provider, ProviderCap};

const PROVIDERS: &str = "state, local_government, community, private";

impl Checker<'_> {
    /// A program's providers as written in outputs (`state and community`)
    /// and its lead (the first); `state` when omitted.
    pub(super) fn provider(&mut self, raw: Option<&Spanned<RawProviders>>) -> (String, Provider) {
        let Some(raw) = raw else {
            return (Provider::State.keyword().into(), Provider::State);
        };
        let words: Vec<&str> = match raw.get_ref() {
            RawProviders::One(w) => vec![w.as_str()],
            RawProviders::Many(ws) => ws.iter().map(String::as_str).collect(),
        };
        if words.is_empty() {
            self.error(
                raw.span(),
                "`provider` names no provider",
                Some(format!("providers: {PROVIDERS}")),
            );
            return (String::new(), Provider::State);
        }
        let mut found: Vec<Provider> = Vec::new();
        for w in &words {
            match Provider::parse(w) {
                Some(p) if found.contains(&p) => {
                    self.error(raw.span(), format!("provider `{w}` is named twice"), None)
                }
                Some(p) => found.push(p),
                None => {
                    let help = match expr::suggest(w, Provider::ALL.map(Provider::keyword)) {
                        Some(s) => format!("did you mean `{s}`? providers: {PROVIDERS}"),
                        None => format!(
                            "providers: {PROVIDERS}; a joint program lists several, lead first: [\"state\", \"community\"]"
                        ),
                    };
                    self.error(raw.span(), format!("unknown provider `{w}`"), Some(help));
                }
            }
        }
        let shown = found
            .iter()
            .map(|p| p.keyword())
            .collect::<Vec<_>>()
            .join(" and ");
        (shown, found.first().copied().unwrap_or(Provider::State))
    }

    /// Resolve every program's `excludes` into the excluded program's
    /// `excluded_by`. A program can only exclude programs declared after it
    /// (programs are decided in declared order, so the one that takes
    /// precedence is decided first); a cycle is reported as such.
    pub(super) fn exclusions(&mut self, raws: &[raw::RawProgram], programs: &mut [Benefit]) {
        if raws.len() != programs.len() {
            // A program failed to compile: its error is reported already.
            return;
        }
        let index: HashMap<&str, usize> = raws
            .iter()
            .enumerate()
            .map(|(i, r)| (r.id.get_ref().as_str(), i))
            .collect();
        // edges[i]: (target, span) for each `excludes` of program i.
        let mut edges: Vec<Vec<(usize, Range<usize>)>> = vec![Vec::new(); raws.len()];
        for (i, r) in raws.iter().enumerate() {
            for name in &r.excludes {
                let target = name.get_ref().as_str();
                match index.get(target) {
                    None => {
                        let help =
                            expr::suggest(target, raws.iter().map(|r| r.id.get_ref().as_str()))
                                .map(|s| format!("did you mean `{s}`?"))
                                .or_else(|| {
                                    Some("`excludes` lists ids of other [[programs]]".into())
                                });
                        self.error(
                            name.span(),
                            format!("`excludes` names `{target}`, which is not a program"),
                            help,
                        );
                    }
                    Some(&j) if j == i => self.error(
                        name.span(),
                        format!("program `{target}` excludes itself"),
                        None,
                    ),
                    Some(&j) if edges[i].iter().any(|(t, _)| *t == j) => {
                        self.error(name.span(), format!("`{target}` is excluded twice"), None)
                    }
                    Some(&j) => edges[i].push((j, name.span())),
                }
            }
        }
        let mut in_cycle = vec![false; raws.len()];
        for start in 0..raws.len() {
            if in_cycle[start] {
                continue;
            }
            if let Some(cycle) = find_cycle(start, &edges) {
                let names: Vec<&str> = cycle
                    .iter()
                    .map(|&(i, _)| raws[i].id.get_ref().as_str())
                    .collect();
                let mut path = names.join(" excludes ");
                path.push_str(" excludes ");
                path.push_str(names.first().copied().unwrap_or(""));
                for (i, span) in cycle {
                    in_cycle[i] = true;
                    self.error(
                        span,
                        format!("`excludes` forms a cycle: {path}"),
                        Some(
                            "decide which program takes precedence and keep only its `excludes`"
                                .into(),
                        ),
                    );
                }
            }
        }
        for (i, targets) in edges.iter().enumerate() {
            for (j, span) in targets {
                if *j < i && !(in_cycle[i] && in_cycle[*j]) {
                    let (me, other) = (raws[i].id.get_ref(), raws[*j].id.get_ref());
                    self.error(
                        span.clone(),
                        format!("`{me}` excludes `{other}`, which is declared before it"),
                        Some(format!(
                            "programs are decided in declared order, so a program can only exclude programs after it: move `{me}` above `{other}`"
                        )),
                    );
                } else if *j > i
                    && let Some(p) = programs.get_mut(*j)
                {
                    p.excluded_by.push(i);
                }
            }
        }
    }

    /// `[caps]`: the caps per provider, and `total` (which is `[cap]
    /// monthly` by another name: giving both is an error).
    pub(super) fn caps(
        &mut self,
        caps: Option<&RawCaps>,
        cap: Option<&SpannedStr>,
    ) -> (Option<expr::Program>, Vec<ProviderCap>) {
        let mut per_provider = Vec::new();
        let Some(caps) = caps else {
            return (cap.and_then(|c| self.compile_number(c)), per_provider);
        };
        for (provider, expr) in [
            (Provider::State, &caps.state),
            (Provider::LocalGovernment, &caps.local_government),
            (Provider::Community, &caps.community),
            (Provider::Private, &caps.private),
        ] {
            if let Some(e) = expr
                && let Some(monthly) = self.compile_number(e)
            {
                per_provider.push(ProviderCap { provider, monthly });
            }
        }
        let total = match (&caps.total, cap) {
            (Some(t), Some(_)) => {
                self.error(
                    t.span(),
                    "both `[cap] monthly` and `[caps] total` are given",
                    Some("they are the same household cap: keep one".into()),
                );
                None
            }
            (Some(t), None) => self.compile_number(t),
            (None, Some(c)) => self.compile_number(c),
            (None, None) => None,
        };
        (total, per_provider)
    }
}

impl Checker<'_> {
    /// `warn_if_missing`: only an optional input may be quiet when missing.
    pub(super) fn warn_if_missing(&mut self, r: &raw::RawInput) -> bool {
        let Some(w) = &r.warn_if_missing else {
            return true;
        };
        if r.required && !*w.get_ref() {
            self.error(
                w.span(),
                "a required input cannot have `warn_if_missing = false`",
                Some("a required input's column must be in the file; give it a `default` instead of `required`".into()),
            );
        }
        *w.get_ref()
    }
}

/// A cycle through `start` in the `excludes` graph: each program on it
/// with the span of its `excludes` entry naming the next.
fn find_cycle(
    start: usize,
    edges: &[Vec<(usize, Range<usize>)>],
) -> Option<Vec<(usize, Range<usize>)>> {
    // Depth-first from `start`, remembering the path; the graph is small
    // (one node per program) and each node is entered once.
    let mut seen = vec![false; edges.len()];
    let mut path: Vec<(usize, usize)> = vec![(start, 0)];
    seen[start] = true;
    while let Some(&(node, next)) = path.last() {
        let Some((target, _)) = edges.get(node).and_then(|e| e.get(next)) else {
            path.pop();
            continue;
        };
        if let Some(last) = path.last_mut() {
            last.1 += 1;
        }
        if *target == start {
            return Some(
                path.iter()
                    .map(|&(n, k)| (n, edges[n][k - 1].1.clone()))
                    .collect(),
            );
        }
        if !seen[*target] {
            seen[*target] = true;
            path.push((*target, 0));
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use crate::policy::{LoadOptions, Policy, Provider};

    const HEAD: &str = "[policy]\nid = \"t\"\nname = \"t\"\nversion = \"1\"\n\n[[inputs]]\nname = \"household_id\"\ntype = \"id\"\nrequired = true\n\n[[inputs]]\nname = \"x\"\ntype = \"number\"\ndefault = 0\n";
    const TAIL: &str = "\n[[tracks]]\nid = \"all\"\n";

    fn program(id: &str, extra: &str) -> String {
        format!(
            "\n[[programs]]\nid = \"{id}\"\nkind = \"k\"\neligible = 'x > 0'\namount = '100'\nperiod = \"month\"\n{extra}\n"
        )
    }

    fn load(programs: &[String], more: &str) -> Result<Policy, String> {
        let src = format!("{HEAD}{}{more}{TAIL}", programs.concat());
        Policy::load("t.toml", &src, &LoadOptions::default()).map_err(|e| e.render())
    }

    #[test]
    fn providers_default_to_state_and_a_list_names_a_lead() {
        let p = load(
            &[
                program("a", ""),
                program("b", "provider = [\"community\", \"private\"]"),
                program("c", "provider = \"local_government\""),
            ],
            "",
        )
        .unwrap();
        assert_eq!(
            (p.programs[0].provider.as_str(), p.programs[0].lead),
            ("state", Provider::State)
        );
        assert_eq!(p.programs[1].provider, "community and private");
        assert_eq!(p.programs[1].lead, Provider::Community);
        assert_eq!(p.programs[2].lead, Provider::LocalGovernment);
    }

    #[test]
    fn an_unknown_provider_is_an_error_with_a_suggestion() {
        let e = load(&[program("a", "provider = \"local_goverment\"")], "").unwrap_err();
        assert!(e.contains("unknown provider `local_goverment`"), "{e}");
        assert!(e.contains("did you mean `local_government`?"), "{e}");
        let e = load(&[program("a", "provider = \"ngo\"")], "").unwrap_err();
        assert!(
            e.contains("providers: state, local_government, community, private"),
            "{e}"
        );
        let e = load(&[program("a", "provider = []")], "").unwrap_err();
        assert!(e.contains("names no provider"), "{e}");
        let e = load(&[program("a", "provider = [\"state\", \"state\"]")], "").unwrap_err();
        assert!(e.contains("named twice"), "{e}");
    }

    #[test]
    fn excludes_are_resolved_onto_the_excluded_program() {
        let p = load(
            &[
                program("a", "excludes = [\"c\"]"),
                program("b", "excludes = [\"c\"]"),
                program("c", ""),
            ],
            "",
        )
        .unwrap();
        assert_eq!(p.programs[2].excluded_by, vec![0, 1]);
        assert!(p.programs[0].excluded_by.is_empty());
    }

    #[test]
    fn exclusion_errors_have_places_and_help() {
        let e = load(&[program("a", "excludes = [\"bb\"]"), program("b", "")], "").unwrap_err();
        assert!(
            e.contains("`excludes` names `bb`, which is not a program"),
            "{e}"
        );
        assert!(e.contains("did you mean `b`?"), "{e}");
        assert!(e.contains("t.toml:"), "{e}");
        let e = load(&[program("a", "excludes = [\"a\"]")], "").unwrap_err();
        assert!(e.contains("program `a` excludes itself"), "{e}");
        let e = load(&[program("a", ""), program("b", "excludes = [\"a\"]")], "").unwrap_err();
        assert!(
            e.contains("`b` excludes `a`, which is declared before it"),
            "{e}"
        );
        assert!(e.contains("move `b` above `a`"), "{e}");
        let e = load(
            &[program("a", "excludes = [\"b\", \"b\"]"), program("b", "")],
            "",
        )
        .unwrap_err();
        assert!(e.contains("`b` is excluded twice"), "{e}");
    }

    #[test]
    fn a_cycle_is_reported_at_each_of_its_entries() {
        let e = load(
            &[
                program("a", "excludes = [\"b\"]"),
                program("b", "excludes = [\"c\"]"),
                program("c", "excludes = [\"a\"]"),
            ],
            "",
        )
        .unwrap_err();
        assert_eq!(e.matches("`excludes` forms a cycle").count(), 3, "{e}");
        assert!(e.contains("a excludes b excludes c excludes a"), "{e}");
        // Not also reported as "declared before".
        assert!(!e.contains("declared before"), "{e}");
        let e = load(
            &[
                program("a", "excludes = [\"b\"]"),
                program("b", "excludes = [\"a\"]"),
            ],
            "",
        )
        .unwrap_err();
        assert_eq!(e.matches("forms a cycle").count(), 2, "{e}");
    }

    #[test]
    fn caps_per_provider_and_in_total() {
        let p = load(
            &[program("a", "")],
            "\n[caps]\nstate = '50'\ncommunity = '10'\ntotal = '90'\n",
        )
        .unwrap();
        assert_eq!(p.provider_caps.len(), 2);
        assert_eq!(p.provider_caps[0].provider, Provider::State);
        assert!(p.cap.is_some());
        let e = load(
            &[program("a", "")],
            "\n[cap]\nmonthly = '1'\n[caps]\ntotal = '2'\n",
        )
        .unwrap_err();
        assert!(e.contains("both `[cap] monthly` and `[caps] total`"), "{e}");
        let e = load(&[program("a", "")], "\n[caps]\nngo = '2'\n").unwrap_err();
        assert!(e.contains("unknown field `ngo`"), "{e}");
        assert!(e.contains("local_government"), "{e}");
        let e = load(&[program("a", "")], "\n[caps]\nstate = 'x >'\n").unwrap_err();
        assert!(e.contains("t.toml:"), "{e}");
    }

    #[test]
    fn reduced_by_is_a_number_expression() {
        let e = load(&[program("a", "reduced_by = 'x > 1'")], "").unwrap_err();
        assert!(e.contains("expected a number"), "{e}");
        let e = load(&[program("a", "reduced_by = 'y'")], "").unwrap_err();
        assert!(e.contains("unknown name `y`"), "{e}");
    }

    #[test]
    fn warn_if_missing_is_for_optional_inputs() {
        let src = format!(
            "{HEAD}\n[[inputs]]\nname = \"r\"\ntype = \"bool\"\nrequired = true\nwarn_if_missing = false\n{TAIL}"
        );
        let e = Policy::load("t.toml", &src, &LoadOptions::default())
            .unwrap_err()
            .render();
        assert!(
            e.contains("a required input cannot have `warn_if_missing = false`"),
            "{e}"
        );
        let src = format!(
            "{HEAD}\n[[inputs]]\nname = \"r\"\ntype = \"bool\"\ndefault = false\nwarn_if_missing = false\n{TAIL}"
        );
        let p = Policy::load("t.toml", &src, &LoadOptions::default()).unwrap();
        assert_eq!(p.watched_inputs(), 2);
    }
}
