use super::*;

const HEAD: &str = r#"[policy]
id = "big"
name = "big"
version = "1"

[[inputs]]
name = "household_id"
type = "id"
required = true

[[inputs]]
name = "x"
type = "number"
default = 0
"#;
const TAIL: &str = "\n[[tracks]]\nid = \"all\"\n";

/// `n` independent derived values `d0 = x + 0`, `d1 = x + 1`, ….
pub(crate) fn many_derived(n: usize) -> String {
    let mut out = String::from(HEAD);
    for i in 0..n {
        out.push_str(&format!("[[derived]]\nname = \"d{i}\"\nexpr = 'x + {i}'\n"));
    }
    out + TAIL
}

/// A chain `c0 = x + 1`, `c1 = c0 + 1`, …, declared last first so that
/// the dependency sort has all the work to do.
pub(crate) fn chain(n: usize) -> String {
    let mut out = String::from(HEAD);
    for i in (0..n).rev() {
        let prev = if i == 0 {
            "x".to_string()
        } else {
            format!("c{}", i - 1)
        };
        out.push_str(&format!(
            "[[derived]]\nname = \"c{i}\"\nexpr = '{prev} + 1'\n"
        ));
    }
    out + TAIL
}

/// An enum input of `n` values on one line, its default the last value,
/// and a derived value comparing it with the last value.
pub(crate) fn big_enum(n: usize) -> String {
    let values: Vec<String> = (0..n).map(|i| format!("\"v{i}\"")).collect();
    let last = n - 1;
    format!(
        "{HEAD}[[inputs]]\nname = \"kind\"\ntype = \"enum\"\nvalues = [{}]\ndefault = \"V{last}\"\n\n[[derived]]\nname = \"is_last\"\nexpr = 'kind == v{last} or kind == V{last}'\n{TAIL}",
        values.join(", ")
    )
}

fn load_ok(source: &str) -> Policy {
    let options = LoadOptions {
        as_of: Some("2025-06-30".into()),
    };
    match load("big.toml", source, &options, false, Default::default()) {
        Ok(p) => p,
        Err(e) => panic!("{}", e.render()),
    }
}

/// Steps of loading `make(n)`.
fn steps(make: fn(usize) -> String, n: usize) -> u64 {
    let source = make(n);
    work::take();
    load_ok(&source);
    work::take()
}

#[test]
fn loading_work_grows_linearly() {
    // Four times the policy, about four times the work (a quadratic load
    // would do sixteen times).
    for (what, make) in [
        ("derived values", many_derived as fn(usize) -> String),
        ("a dependency chain", chain),
        ("an enum", big_enum),
    ] {
        let small = steps(make, 500);
        let large = steps(make, 2000);
        assert!(
            large <= small * 5,
            "{what}: {small} steps for 500, {large} for 2000"
        );
    }
}

#[test]
fn large_policies_load_correctly() {
    let p = load_ok(&chain(40_000));
    assert_eq!(p.derived.len(), 40_000);
    // Dependency order: c(i-1) is computed before c(i).
    let position: HashMap<&str, usize> =
        p.derived.iter().map(|d| d.name.as_str()).zip(0..).collect();
    let order: Vec<usize> = p
        .order
        .iter()
        .filter_map(|n| match n {
            Node::Derived(i) => Some(*i),
            _ => None,
        })
        .collect();
    assert_eq!(order.len(), 40_000);
    // raws are declared c39999 … c0: raw index 39999 is c0.
    assert_eq!(order.first(), Some(&39_999));
    assert_eq!(order.last(), Some(&0));
    assert!(position.contains_key("c39999"));

    let p = load_ok(&many_derived(20_000));
    assert_eq!(p.derived.len(), 20_000);
    assert_eq!(p.derived[19_999].name, "d19999");

    let p = load_ok(&big_enum(100_000));
    let kind = p.input("kind").map(|i| (i.ty, i.default));
    let Some((InputType::Enum(id), default)) = kind else {
        panic!("kind is not an enum: {kind:?}");
    };
    assert_eq!(p.enums[usize::from(id)].values.len(), 100_000);
    assert_eq!(default, 99_999.0);
}

#[test]
fn every_slot_has_its_name() {
    let p = load_ok(&chain(500));
    for d in &p.derived {
        assert_eq!(p.slot_name(d.slot), d.name);
        assert!(p.derived_in(d.slot).is_some_and(|x| x.name == d.name));
    }
    assert!(p.derived_in(1).is_none());
    assert!(p.derived_in(p.slot_count).is_none());
    let p = Policy::default_policy(&LoadOptions::default()).unwrap();
    let dep = p.deprivation.as_ref().unwrap();
    for i in &dep.indicators {
        assert_eq!(p.slot_name(i.slot), format!("indicator {}", i.id));
    }
    for prog in &p.programs {
        assert_eq!(p.slot_name(prog.granted_slot), prog.id);
    }
    assert_eq!(p.slot_name(dep.score_slot), "deprivation_score");
}

#[test]
fn duplicate_enum_values_are_found_by_hash() {
    let source = big_enum(3).replace("\"v2\"]", "\"v2\", \"V1\"]");
    let Err(e) = load(
        "d.toml",
        &source,
        &LoadOptions::default(),
        false,
        Default::default(),
    ) else {
        panic!("a value listed twice was accepted");
    };
    assert!(
        e.render().contains("`V1` is listed twice"),
        "{}",
        e.render()
    );
}

#[test]
fn errors_about_a_huge_line_quote_a_few_hundred_bytes() {
    // An unknown default of a 100,000-value enum: the list, the line and
    // the message are each cut.
    let source = big_enum(100_000).replace("default = \"V99999\"", "default = \"w1\"");
    let Err(e) = load(
        "e.toml",
        &source,
        &LoadOptions::default(),
        false,
        Default::default(),
    ) else {
        panic!("an unknown default was accepted");
    };
    let text = e.render();
    assert!(
        text.len() < 1200,
        "{} bytes:\n{}",
        text.len(),
        &text[..2000.min(text.len())]
    );
    assert!(text.contains("allowed values: v0, v1, v2"), "{text}");
    assert!(text.contains("… and 99,980 more"), "{text}");

    // A misspelt literal in an expression of the same policy.
    let source = big_enum(5_000).replace("kind == v4999 or", "kind == w5 or");
    let Err(e) = load(
        "e.toml",
        &source,
        &LoadOptions::default(),
        false,
        Default::default(),
    ) else {
        panic!("an unknown enum value was accepted");
    };
    let text = e.render();
    assert!(
        text.len() < 1200,
        "{} bytes:\n{}",
        text.len(),
        &text[..2000.min(text.len())]
    );
    assert!(text.contains("… and 4,980 more"), "{text}");

    // An error inside the long line, far to the right: location only.
    let source = big_enum(5_000).replace("\"v4998\"", "\"v 4998\"");
    let Err(e) = load(
        "e.toml",
        &source,
        &LoadOptions::default(),
        false,
        Default::default(),
    ) else {
        panic!("an invalid enum value was accepted");
    };
    let text = e.render();
    assert!(
        text.len() < 1200,
        "{} bytes:\n{}",
        text.len(),
        &text[..2000.min(text.len())]
    );
    assert!(text.contains("e.toml:18:"), "{text}");
}

#[test]
fn only_the_first_errors_search_for_a_suggestion() {
    // 300 names, and 100 misspellings of them: each search reads all 300.
    let mut source = many_derived(300).replace(TAIL, "");
    for i in 0..100 {
        source.push_str(&format!(
            "[[derived]]\nname = \"e{i}\"\nexpr = 'd{i}x + 1'\n"
        ));
    }
    source.push_str(TAIL);
    let Err(e) = load(
        "s.toml",
        &source,
        &LoadOptions::default(),
        false,
        Default::default(),
    ) else {
        panic!("unknown names were accepted");
    };
    assert_eq!(e.diagnostics.len(), 100);
    let suggested = e
        .diagnostics
        .iter()
        .filter(|d| {
            d.help
                .as_deref()
                .is_some_and(|h| h.starts_with("did you mean"))
        })
        .count();
    assert_eq!(suggested, SUGGESTION_SEARCHES);
    assert_eq!(e.diagnostics[0].help.as_deref(), Some("did you mean `d0`?"));
}

#[test]
fn line_index_agrees_with_diagnostic_at() {
    let source = "a = 1\r\nbé = 'x + y'\n\n\tc = \"ü\"\nlast";
    let mut lines = LineIndex::default();
    for start in 0..=source.len() + 2 {
        for len in [0, 1, 3, 40] {
            let span = start..start + len;
            let ours = lines.diagnostic("f", source, span.clone(), "m", None);
            let theirs = Diagnostic::at("f", source, span.clone(), "m", None);
            assert_eq!(ours, theirs, "span {span:?}");
        }
    }
    let source = "x\n";
    let mut lines = LineIndex::default();
    assert_eq!(
        lines.diagnostic("f", source, 2..2, "m", None),
        Diagnostic::at("f", source, 2..2, "m", None)
    );
}

#[test]
fn enum_values_may_start_with_a_digit() {
    let src = format!(
        "{HEAD}[[inputs]]\nname = \"district\"\ntype = \"enum\"\nvalues = [\"5201\", \"5202\", \"3b\"]\ndefault = \"5201\"\n\n[[derived]]\nname = \"west\"\nexpr = 'district in [\"5201\", \"3B\"]'\n{TAIL}"
    );
    let p = load_ok(&src);
    assert!(p.input("district").is_some());
    // Unquoted, the code is a number: the error says to quote it.
    let bad = src.replace(r#"district in ["5201", "3B"]"#, "district == 5202");
    let options = LoadOptions {
        as_of: Some("2025-06-30".into()),
    };
    let err = load("big.toml", &bad, &options, false, Default::default())
        .err()
        .map(|e| e.render())
        .unwrap_or_default();
    assert!(
        err.contains("`5202` is a number here, not an enum value"),
        "{err}"
    );
    assert!(err.contains("'5202'"), "{err}");
    // Still refused: other characters, and keywords.
    for value in ["52-01", "and", ""] {
        let bad = src.replace("\"3b\"]", &format!("\"3b\", \"{value}\"]"));
        let err = load("big.toml", &bad, &options, false, Default::default())
            .err()
            .map(|e| e.render())
            .unwrap_or_default();
        assert!(err.contains("is not a valid enum value"), "{value}: {err}");
    }
}

#[test]
fn a_text_input_shows_which_of_its_tests_hold() {
    let src = format!(
        "{HEAD}[[inputs]]\nname = \"region\"\ntype = \"text\"\ndefault = \"\"\n\n[[derived]]\nname = \"p\"\nexpr = 'starts_with(region, \"9\") or region == \"Papua\"'\n{TAIL}"
    );
    let p = load_ok(&src);
    let slot = p.input("region").map(|_| 2).unwrap_or(usize::MAX);
    assert_eq!(p.text_tests.len(), 2);
    assert_eq!(p.format_input_value(slot, 1.0), "starts with '9'");
    assert_eq!(p.format_input_value(slot, 3.0), "starts with '9', 'Papua'");
    assert_eq!(p.format_input_value(slot, 0.0), "none of the tested texts");
}
