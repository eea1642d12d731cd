//! Person inputs and reducers: loading errors (each with its place and
//! help), exact sums, `one`'s problems, enum mapping, `min`/`max` defaults,
//! empty households, and a property test against a direct computation.

use super::*;
use crate::policy::persons::{ReduceProblemKind, Reduction};

fn options() -> LoadOptions {
    LoadOptions {
        as_of: Some("2025-06-30".into()),
    }
}

fn default_policy() -> Policy {
    match Policy::default_policy(&options()) {
        Ok(p) => p,
        Err(e) => panic!("{}", e.render()),
    }
}

/// A small policy: the household inputs and person inputs given (TOML),
/// after a household id.
fn source(household: &str, persons: &str) -> String {
    format!(
        "[policy]\nid = \"p\"\nname = \"p\"\nversion = \"1\"\n\n[[inputs]]\nname = \"household_id\"\ntype = \"id\"\nrequired = true\n\n{household}\n{persons}\n[[tracks]]\nid = \"all\"\n"
    )
}

/// Person inputs used by most small policies.
const PERSONS: &str = r#"
[[person_inputs]]
name = "age"
type = "integer"
min = 0
max = 130
required = true

[[person_inputs]]
name = "role"
type = "enum"
values = ["head", "other"]
default = "other"

[[person_inputs]]
name = "pay"
type = "money"
default = 0

[[person_inputs]]
name = "score"
type = "number"
default = 0.5

[[person_inputs]]
name = "works"
type = "bool"
default = false
"#;

fn load_ok(src: &str) -> Policy {
    match Policy::load("t.toml", src, &options()) {
        Ok(p) => p,
        Err(e) => panic!("{}", e.render()),
    }
}

fn load_err(src: &str) -> Vec<Diagnostic> {
    match Policy::load("t.toml", src, &options()) {
        Ok(_) => panic!("loaded:\n{src}"),
        Err(e) => e.diagnostics,
    }
}

/// The one error of `src`: (line, column, width, message, help).
fn one_error(src: &str) -> (usize, usize, usize, String, String) {
    let d = load_err(src);
    assert_eq!(d.len(), 1, "{d:#?}");
    let d = &d[0];
    (
        d.location.line,
        d.location.column,
        d.width,
        d.message.clone(),
        d.help.clone().unwrap_or_default(),
    )
}

/// Line (1-based) and column of the first occurrence of `needle` in `src`.
fn place(src: &str, needle: &str) -> (usize, usize) {
    let at = src
        .find(needle)
        .unwrap_or_else(|| panic!("{needle} not in source"));
    let line = src[..at].matches('\n').count() + 1;
    let column = at - src[..at].rfind('\n').map_or(0, |n| n + 1) + 1;
    (line, column)
}

/// Slots of a person as the row parser would fill them from `cells` (one
/// per schema input; empty = default).
fn slots(schema: &Policy, cells: &[&str]) -> Vec<f64> {
    schema
        .inputs
        .iter()
        .zip(cells)
        .map(|(input, cell)| {
            if cell.is_empty() {
                return input.default;
            }
            match input.ty {
                InputType::Bool => f64::from(u8::from(*cell == "true")),
                InputType::Enum(e) => schema.enums[usize::from(e)]
                    .values
                    .iter()
                    .position(|v| v == cell)
                    .expect("an enum value") as f64,
                InputType::Id | InputType::Text => 0.0,
                _ => cell.parse().expect("a number"),
            }
        })
        .collect()
}

/// Reduce `people` (cells per schema input) and return each supplied
/// cell's text, or the problem.
fn reduce(p: &Policy, people: &[Vec<&str>]) -> Result<Vec<String>, ReduceProblem> {
    let persons = p.persons.as_ref().expect("person inputs");
    let mut r = persons.start();
    // A reused reduction gives the same result as a fresh one.
    persons.add(
        &mut r,
        &slots(
            &persons.schema,
            &people.first().cloned().unwrap_or_default(),
        ),
        &|_| b"",
    );
    persons.reset(&mut r);
    fold(persons, &mut r, people);
    let mut out = vec![Vec::new(); persons.supplied.len()];
    persons.finish(&r, &mut out)?;
    Ok(out
        .into_iter()
        .map(|c| String::from_utf8(c).expect("UTF-8"))
        .collect())
}

fn fold(persons: &Persons, r: &mut Reduction, people: &[Vec<&str>]) {
    for person in people {
        let s = slots(&persons.schema, person);
        let cell = |i: usize| person.get(i).map_or(&b""[..], |c| c.as_bytes());
        persons.add(r, &s, &cell);
    }
}

use crate::policy::persons::{Persons as P, ReduceProblem};
type Persons = P;

#[test]
fn the_default_policy_declares_the_person_columns_and_reducers() {
    let p = default_policy();
    let persons = p.persons.as_ref().expect("the default policy has persons");
    let names: Vec<&str> = persons
        .schema
        .inputs
        .iter()
        .map(|i| i.name.as_str())
        .collect();
    assert_eq!(
        names,
        [
            "household_id",
            "person_no",
            "age",
            "relationship",
            "sex",
            "education",
            "in_school",
            "disabled",
            "able_to_work",
            "income"
        ]
    );
    assert_eq!(persons.schema.fields.id_input, 0);
    assert_eq!(persons.schema.inputs[0].ty, InputType::Id);
    assert_eq!(persons.number, Some(1));
    assert!(!persons.schema.inputs[1].required);
    let supplied: Vec<&str> = persons
        .supplied
        .iter()
        .map(|&i| p.inputs[i].name.as_str())
        .collect();
    assert_eq!(
        supplied,
        [
            "members",
            "monthly_income",
            "young_children",
            "school_age_children",
            "children_not_in_school",
            "elderly",
            "disabled",
            "working_age_able",
            "head_female",
            "head_education"
        ]
    );
    let sources: Vec<&str> = persons.reducers.iter().map(|r| r.source.as_str()).collect();
    assert_eq!(sources[0], "count()");
    assert_eq!(sources[9], "one(education where relationship == head)");
    assert_eq!(persons.schema.slot_count, 10);
}

#[test]
fn the_default_policy_reduces_a_household() {
    let p = default_policy();
    // household_id, person_no, age, relationship, sex, education, in_school, disabled, able_to_work, income
    let people = vec![
        vec![
            "H1",
            "1",
            "41",
            "head",
            "female",
            "tertiary",
            "",
            "",
            "",
            "1500000.50",
        ],
        vec!["H1", "2", "5", "child", "male", "", "", "", "false", ""],
        vec![
            "H1", "3", "10", "child", "female", "primary", "true", "", "", "",
        ],
        vec![
            "H1", "4", "12", "child", "male", "", "false", "", "", "0.25",
        ],
        vec![
            "H1", "5", "65", "parent", "male", "", "", "true", "false", "300000",
        ],
        vec!["H1", "", "30", "", "male", "", "", "", "", "7"],
    ];
    let cells = reduce(&p, &people).expect("no problem");
    assert_eq!(
        cells,
        [
            "6",          // members
            "1800007.75", // monthly_income, exact
            "1",          // young_children
            "2",          // school_age_children
            "1",          // children_not_in_school
            "1",          // elderly
            "1",          // disabled
            "2",          // working_age_able (41 and 30)
            "true",       // head_female
            "tertiary",   // head_education
        ]
    );
}

#[test]
fn one_reports_no_head_and_several_heads() {
    let p = default_policy();
    let none = vec![vec![
        "H1", "1", "41", "spouse", "female", "", "", "", "", "",
    ]];
    let e = reduce(&p, &none).expect_err("no head");
    assert_eq!(e.kind, ReduceProblemKind::NoMatch);
    assert_eq!(
        e.message,
        "head_female: no person matches `relationship == head`"
    );
    assert_eq!(p.inputs[e.input].name, "head_female");
    assert!(e.persons.is_empty());

    let two = vec![
        vec!["H1", "1", "41", "head", "female", "", "", "", "", ""],
        vec!["H1", "2", "40", "spouse", "male", "", "", "", "", ""],
        vec!["H1", "3", "39", "head", "male", "", "", "", "", ""],
    ];
    let e = reduce(&p, &two).expect_err("two heads");
    assert_eq!(e.kind, ReduceProblemKind::SeveralMatch);
    assert_eq!(e.persons, [0, 2]);
    assert_eq!(
        e.message,
        "head_female: 2 persons match `relationship == head`, where exactly one must"
    );
}

#[test]
fn an_empty_household_counts_zero() {
    let src = source(
        r#"
[[inputs]]
name = "n"
type = "integer"
default = 0
from_persons = 'count()'

[[inputs]]
name = "total"
type = "money"
default = 0
from_persons = 'sum(pay)'

[[inputs]]
name = "some"
type = "bool"
default = false
from_persons = 'any(works)'

[[inputs]]
name = "every"
type = "bool"
default = false
from_persons = 'all(works)'

[[inputs]]
name = "youngest"
type = "integer"
default = 99
from_persons = 'min(age)'
"#,
        PERSONS,
    );
    let p = load_ok(&src);
    assert_eq!(
        reduce(&p, &[]).expect("no problem"),
        ["0", "0", "false", "true", "99"]
    );
    // With `one`, an empty household has no match.
    let src = source(
        "[[inputs]]\nname = \"head_age\"\ntype = \"integer\"\ndefault = 0\nfrom_persons = 'one(age where role == head)'\n",
        PERSONS,
    );
    let e = reduce(&load_ok(&src), &[]).expect_err("no one");
    assert_eq!(e.kind, ReduceProblemKind::NoMatch);
}

/// household_id, age, role, pay, score, works
fn person<'a>(
    age: &'a str,
    role: &'a str,
    pay: &'a str,
    score: &'a str,
    works: &'a str,
) -> Vec<&'a str> {
    vec!["H", age, role, pay, score, works]
}

#[test]
fn sums_of_plain_inputs_are_exact_decimals() {
    let src = source(
        r#"
[[inputs]]
name = "total"
type = "money"
default = 0
from_persons = 'sum(pay)'

[[inputs]]
name = "workers_pay"
type = "number"
default = 0
from_persons = 'sum(pay where works)'

[[inputs]]
name = "scores"
type = "number"
default = 0
from_persons = 'sum(score)'

[[inputs]]
name = "half_pay"
type = "number"
default = 0
from_persons = 'sum(pay / 2)'

[[inputs]]
name = "years"
type = "integer"
default = 0
from_persons = 'sum(age)'
"#,
        PERSONS,
    );
    let p = load_ok(&src);
    let people = vec![
        person("30", "head", "1500000.50", "0.1", "true"),
        person("007", "", "0.25", "0.2", ""),
        person("1", "", "", "", "true"),
    ];
    assert_eq!(
        reduce(&p, &people).expect("no problem"),
        ["1500000.75", "1500000.50", "0.8", "750000.375", "38"]
    );
    // Ten times 0.1 is exactly 1 (f64 gives 0.9999999999999999).
    let tenths: Vec<Vec<&str>> = (0..10).map(|_| person("1", "", "0.1", "0.1", "")).collect();
    assert_eq!(reduce(&p, &tenths).expect("no problem")[0], "1.0");
    assert_eq!(reduce(&p, &tenths).expect("no problem")[2], "1.0");
    // Beyond i128: undefined, not a wrong number.
    let huge = "99999999999999999999999999999999999999";
    let big = vec![person("1", "", huge, "", ""), person("1", "", huge, "", "")];
    let e = reduce(&p, &big).expect_err("overflow");
    assert_eq!(e.kind, ReduceProblemKind::Undefined);
    assert_eq!(p.inputs[e.input].name, "total");
    assert!(e.message.starts_with("total: `sum(pay)`"), "{}", e.message);
}

#[test]
fn min_and_max_without_a_match_take_the_default_or_fail_when_required() {
    let src = source(
        r#"
[[inputs]]
name = "oldest_worker"
type = "integer"
default = -1
from_persons = 'max(age where works)'

[[inputs]]
name = "lowest_pay"
type = "money"
default = 12.5
from_persons = 'min(pay where works)'

[[inputs]]
name = "least_score"
type = "number"
required = true
from_persons = 'min(score where works)'
"#,
        PERSONS,
    );
    let p = load_ok(&src);
    let people = vec![
        person("30", "", "10.5", "0.75", "true"),
        person("50", "", "9.25", "0.125", "true"),
        person("70", "", "1", "0", ""),
    ];
    assert_eq!(
        reduce(&p, &people).expect("no problem"),
        ["50", "9.25", "0.125"]
    );
    let idle = vec![person("30", "", "10", "0.5", "false")];
    let e = reduce(&p, &idle).expect_err("required and no match");
    assert_eq!(e.kind, ReduceProblemKind::NoMatch);
    assert_eq!(e.message, "least_score: no person matches `works`");
    let src = src.replace("required = true\nfrom_persons", "default = 0\nfrom_persons");
    assert_eq!(
        reduce(&load_ok(&src), &idle).expect("no problem"),
        ["-1", "12.5", "0"]
    );
}

#[test]
fn one_copies_enum_values_by_name() {
    // The person enum's values are a subset of the household's, in another order.
    let src = source(
        r#"
[[inputs]]
name = "head_role"
type = "enum"
values = ["nobody", "other", "head"]
default = "nobody"
from_persons = 'one(role where age >= 18 and works)'

[[inputs]]
name = "head_pay"
type = "money"
default = 0
from_persons = 'one(pay where role == head)'
"#,
        PERSONS,
    );
    let p = load_ok(&src);
    let people = vec![
        person("40", "other", "2.50", "", "true"),
        person("41", "head", "000.5", "", ""),
    ];
    assert_eq!(reduce(&p, &people).expect("no problem"), ["other", "0.5"]);
}

#[test]
fn an_enum_the_household_cannot_hold_is_an_error() {
    let src = source(
        r#"
[[inputs]]
name = "head_role"
type = "enum"
values = ["head"]
default = "head"
from_persons = 'one(role where works)'
"#,
        PERSONS,
    );
    let (line, column, width, message, help) = one_error(&src);
    assert_eq!((line, column), place(&src, "role where"));
    assert_eq!(width, 4);
    assert_eq!(
        message,
        "`role` can be other, which input `head_role` does not allow"
    );
    assert_eq!(help, "`head_role` allows: head");
}

/// The policy of household input `h` of type `ty` from persons as `from`.
fn reducer_source(ty: &str, from: &str) -> String {
    let default = match ty {
        "bool" => "false",
        "enum" => "\"a\"\nvalues = [\"a\"]",
        _ => "0",
    };
    source(
        &format!(
            "[[inputs]]\nname = \"h\"\ntype = \"{ty}\"\ndefault = {default}\nfrom_persons = '{from}'\n\n[[inputs]]\nname = \"members\"\ntype = \"integer\"\ndefault = 1\n\n[[parameters]]\nname = \"adult\"\nvalue = 18\n"
        ),
        PERSONS,
    )
}

/// (type, from_persons, text the error points at, message, help contains)
type ReducerCase<'a> = (&'a str, &'a str, &'a str, &'a str, &'a str);

/// Each case loads with one error: its place (the text it points at), its
/// message and help.
fn assert_reducer_errors(cases: &[ReducerCase<'_>]) {
    for &(ty, from, at, message, help) in cases {
        let src = reducer_source(ty, from);
        let (line, column, _, got, got_help) = one_error(&src);
        let from_at = src.find(from).expect("from_persons")
            + from.find(at).unwrap_or_else(|| panic!("{at} in {from}"));
        let line_of = src[..from_at].matches('\n').count() + 1;
        let col_of = from_at - src[..from_at].rfind('\n').map_or(0, |n| n + 1) + 1;
        assert_eq!(got, message, "{from}");
        assert!(got_help.contains(help), "{from}: help {got_help:?}");
        assert_eq!((line, column), (line_of, col_of), "{from}: {got}");
    }
}

/// Unknown reducers and names, and household inputs inside a reducer.
#[test]
fn reducer_errors_for_unknown_names() {
    assert_reducer_errors(&[
        (
            "integer",
            "cont(age > 3)",
            "cont",
            "unknown reducer `cont`",
            "did you mean `count`?",
        ),
        (
            "integer",
            "count(agee > 3)",
            "agee",
            "unknown name `agee`",
            "did you mean `age`?",
        ),
        (
            "integer",
            "count(members > 3)",
            "members >",
            "unknown name `members`",
            "`members` is an input of the household: expressions inside a reducer see only the person inputs and parameters",
        ),
    ]);
}

/// A reducer's value that does not fit its input, or an argument of the wrong type.
#[test]
fn reducer_errors_for_types() {
    assert_reducer_errors(&[
        (
            "bool",
            "count(age > 3)",
            "count",
            "`count` gives an integer, but input `h` is a boolean",
            "",
        ),
        (
            "integer",
            "any(works)",
            "any",
            "`any` gives a boolean, but input `h` is an integer",
            "",
        ),
        (
            "integer",
            "sum(pay)",
            "pay)",
            "`sum` gives money, but input `h` is an integer",
            "plain integer person input",
        ),
        (
            "money",
            "sum(pay * 2)",
            "pay * 2",
            "`sum` gives a number, but input `h` is money",
            "anything computed is a number",
        ),
        (
            "integer",
            "max(score)",
            "score",
            "`max` gives a number, but input `h` is an integer",
            "",
        ),
        (
            "integer",
            "sum(works)",
            "works",
            "expected a number, found a boolean",
            "",
        ),
        (
            "integer",
            "count(age)",
            "age)",
            "expected a boolean, found a number",
            "",
        ),
        (
            "enum",
            "one(works where age > adult)",
            "works where",
            "`one` gives a boolean, but input `h` is an enum",
            "",
        ),
    ]);
}

/// A `where`, an argument or a condition missing or misplaced, and text around the call.
#[test]
fn reducer_errors_for_the_call_shape() {
    assert_reducer_errors(&[
        (
            "integer",
            "one(age)",
            "one",
            "`one` needs a condition: the value of the one person that matches it",
            "relationship == head",
        ),
        (
            "bool",
            "any(works where age > 3)",
            "where",
            "`any` takes no `where`",
            "any(A and B)",
        ),
        (
            "integer",
            "count(age > 1 where works)",
            "where",
            "`count` takes no `where`",
            "count(COND)",
        ),
        (
            "integer",
            "sum(age where works where works)",
            "where works)",
            "only one `where` is allowed",
            "and",
        ),
        (
            "integer",
            "sum()",
            "sum()",
            "`sum` needs an argument",
            "reducers:",
        ),
        (
            "integer",
            "max(age, 3)",
            ",",
            "`max` takes one expression, not a list",
            "",
        ),
        (
            "integer",
            "count() + 1",
            "+ 1",
            "`from_persons` is exactly one reducer call, with nothing after it",
            "derived value",
        ),
        (
            "integer",
            "age + 1",
            "age + 1",
            "`from_persons` must be a reducer call such as `count(age <= 6)`",
            "one reducer call: count()",
        ),
        (
            "integer",
            "count(age > 1",
            "(age",
            "this `(` is never closed",
            "",
        ),
        (
            "integer",
            "sum(age where )",
            "where",
            "`where` needs a condition",
            "",
        ),
    ]);
}

/// Parameters are visible inside reducers.
#[test]
fn reducers_see_parameters() {
    load_ok(&reducer_source("integer", "count(age >= adult)"));
}

/// A household input that comes from persons, as the person tests' base.
const BASE: &str =
    "[[inputs]]\nname = \"n\"\ntype = \"integer\"\ndefault = 0\nfrom_persons = 'count()'\n";

/// `from_persons` without person inputs.
#[test]
fn from_persons_needs_person_inputs() {
    // from_persons without person inputs.
    let src = source(BASE, "");
    let (line, column, _, message, help) = one_error(&src);
    assert_eq!((line, column), place(&src, "'count()'"));
    assert_eq!(
        message,
        "input `n` comes from persons, but the policy has no `[[person_inputs]]`"
    );
    assert!(help.contains("[[person_inputs]]"), "{help}");
}

/// `[persons] number` must name an integer person input.
#[test]
fn the_person_number_is_an_integer_person_input() {
    // [persons] number must be an integer person input.
    let src = source(BASE, &format!("[persons]\nnumber = \"rol\"\n{PERSONS}"));
    let (_, _, _, message, help) = one_error(&src);
    assert_eq!(
        message,
        "`[persons] number` names `rol`, which is not a person input"
    );
    assert_eq!(help, "did you mean `role`?");
    let src = source(BASE, &format!("[persons]\nnumber = \"role\"\n{PERSONS}"));
    let (line, column, _, message, _) = one_error(&src);
    assert_eq!((line, column), place(&src, "\"role\"\n"));
    assert_eq!(
        message,
        "`[persons] number` must name an integer person input; `role` is enum"
    );
}

/// The household key is the household id's name, of type id.
#[test]
fn the_household_key_is_of_type_id() {
    // The household key is the household id's name, of type id.
    let src = source(
        BASE,
        &format!("{PERSONS}\n[[person_inputs]]\nname = \"household_id\"\ntype = \"text\"\n"),
    );
    let (_, _, _, message, _) = one_error(&src);
    assert_eq!(
        message,
        "the person input `household_id` is the household key: its type is `id`"
    );
    let src = source(
        BASE,
        &format!("{PERSONS}\n[[person_inputs]]\nname = \"hh\"\ntype = \"id\"\nrequired = true\n"),
    );
    let (_, _, _, message, _) = one_error(&src);
    assert!(
        message.starts_with("person input `hh` has type `id`"),
        "{message}"
    );
}

/// Person inputs have their own names, once each, and do not come from persons.
#[test]
fn person_inputs_are_declared_once_and_not_from_persons() {
    // Person inputs have their own names, but not twice the same.
    let src = source(
        BASE,
        &format!("{PERSONS}\n[[person_inputs]]\nname = \"age\"\ntype = \"integer\"\ndefault = 0\n"),
    );
    let (_, _, _, message, _) = one_error(&src);
    assert_eq!(message, "`age` is already declared as a person input");
    // `from_persons` on a person input.
    let src = source(
        BASE,
        &PERSONS.replace(
            "default = false\n",
            "default = false\nfrom_persons = 'count()'\n",
        ),
    );
    let (_, _, _, message, _) = one_error(&src);
    assert_eq!(message, "`from_persons` is for household inputs");
}

/// A household expression using a person input gets a hint.
#[test]
fn household_expressions_cannot_use_person_inputs() {
    // A household expression using a person input gets a hint.
    let src = source(
        &format!("{BASE}\n[[derived]]\nname = \"d\"\nexpr = 'age + 1'\n"),
        PERSONS,
    );
    let (_, _, _, message, help) = one_error(&src);
    assert_eq!(message, "unknown name `age`");
    assert!(help.contains("`age` is a person input"), "{help}");
}

/// The person number may be optional; the implicit key comes first.
#[test]
fn the_person_number_may_be_optional() {
    // The person number may be optional: no default, not required.
    let src = source(
        BASE,
        &format!(
            "[persons]\nnumber = \"no\"\n{PERSONS}\n[[person_inputs]]\nname = \"no\"\ntype = \"integer\"\nmin = 1\n"
        ),
    );
    let p = load_ok(&src);
    let persons = p.persons.as_ref().expect("persons");
    assert_eq!(persons.number, Some(6));
    // The implicit key comes first.
    assert_eq!(persons.schema.inputs[0].name, "household_id");
    assert_eq!(persons.schema.fields.id_input, 0);
}

#[test]
fn tabulated_programs_agree_with_evaluation_inside_and_outside_their_domain() {
    let src = source(
        r#"
[[inputs]]
name = "older"
type = "integer"
default = 0
from_persons = 'count(level >= 5 and works)'

[[inputs]]
name = "levels"
type = "number"
default = 0
from_persons = 'sum(level * 2 where works)'
"#,
        "[[person_inputs]]\nname = \"level\"\ntype = \"integer\"\nmin = 0\nmax = 10\nrequired = true\n\n[[person_inputs]]\nname = \"works\"\ntype = \"bool\"\ndefault = true\n",
    );
    let p = load_ok(&src);
    let persons = p.persons.as_ref().expect("persons");
    assert!(
        persons
            .reducers
            .iter()
            .all(|r| r.when_table.is_some() || r.when.is_none())
    );
    assert!(persons.reducers[1].value_table.is_some());
    // Slots: household_id, level, works. Values outside 0..=10 (which the
    // row parser rejects) or not whole fall back to evaluating the program.
    for (levels, older, sum) in [
        (&[3.0, 7.0, 10.0][..], "2", "40"),
        (&[20.0, -1.0, 2.5][..], "1", "43"),
        (&[][..], "0", "0"),
    ] {
        let mut r = persons.start();
        for &level in levels {
            persons.add(&mut r, &[0.0, level, 1.0], &|_| b"");
        }
        persons.add(&mut r, &[0.0, 9.0, 0.0], &|_| b"");
        let mut out = vec![Vec::new(); 2];
        persons.finish(&r, &mut out).expect("no problem");
        assert_eq!(out, [older.as_bytes(), sum.as_bytes()], "{levels:?}");
    }
}

mod plan;

mod property {
    use super::*;
    use proptest::prelude::*;

    #[derive(Debug, Clone)]
    struct Person {
        age: u32,
        relationship: usize,
        sex: usize,
        education: usize,
        in_school: bool,
        disabled: bool,
        able: bool,
        /// Cents.
        income: u64,
    }

    const RELATIONSHIPS: [&str; 5] = ["head", "spouse", "child", "parent", "other"];
    const SEXES: [&str; 2] = ["female", "male"];
    const EDUCATION: [&str; 4] = ["none", "primary", "secondary", "tertiary"];

    fn person() -> impl Strategy<Value = Person> {
        (
            0u32..=130,
            0usize..5,
            0usize..2,
            0usize..4,
            any::<bool>(),
            any::<bool>(),
            any::<bool>(),
            0u64..10_000_000_000_000,
        )
            .prop_map(
                |(age, relationship, sex, education, in_school, disabled, able, income)| Person {
                    age,
                    relationship,
                    sex,
                    education,
                    in_school,
                    disabled,
                    able,
                    income,
                },
            )
    }

    /// Cents as the decimal a person file holds (`12.05`, `7.5`, `3`), in
    /// varied forms.
    fn cents_text(c: u64) -> String {
        match c % 3 {
            0 => format!("{}.{:02}", c / 100, c % 100),
            1 if c % 100 == 0 => format!("{}", c / 100),
            _ => format!("{}.{:02}0", c / 100, c % 100),
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(300))]
        #[test]
        fn reducers_equal_a_direct_computation(people in proptest::collection::vec(person(), 0..12)) {
            let p = default_policy();
            let texts: Vec<Vec<String>> = people
                .iter()
                .enumerate()
                .map(|(i, x)| {
                    vec![
                        "H".to_string(),
                        (i + 1).to_string(),
                        x.age.to_string(),
                        RELATIONSHIPS[x.relationship].to_string(),
                        SEXES[x.sex].to_string(),
                        EDUCATION[x.education].to_string(),
                        x.in_school.to_string(),
                        x.disabled.to_string(),
                        x.able.to_string(),
                        cents_text(x.income),
                    ]
                })
                .collect();
            let cells: Vec<Vec<&str>> = texts
                .iter()
                .map(|t| t.iter().map(String::as_str).collect())
                .collect();
            let got = reduce(&p, &cells);
            let count = |f: &dyn Fn(&Person) -> bool| people.iter().filter(|x| f(x)).count().to_string();
            let heads: Vec<&Person> = people.iter().filter(|x| x.relationship == 0).collect();
            match heads.len() {
                1 => {
                    let cents: u64 = people.iter().map(|x| x.income).sum();
                    let income = got.as_ref().expect("one head")[1].clone();
                    // Exact: the same number of cents, whatever the written scale.
                    let (int, frac) = income.split_once('.').unwrap_or((&income, ""));
                    let frac2 = format!("{frac:0<2}");
                    prop_assert_eq!(int.parse::<u64>().expect("digits") * 100 + frac2[..2].parse::<u64>().expect("digits"), cents);
                    prop_assert!(frac2[2..].bytes().all(|b| b == b'0'));
                    let expected = vec![
                        people.len().to_string(),
                        income,
                        count(&|x| x.age <= 6),
                        count(&|x| (7..=18).contains(&x.age)),
                        count(&|x| (7..=18).contains(&x.age) && !x.in_school),
                        count(&|x| x.age >= 60),
                        count(&|x| x.disabled),
                        count(&|x| (19..=59).contains(&x.age) && x.able),
                        (heads[0].sex == 0).to_string(),
                        EDUCATION[heads[0].education].to_string(),
                    ];
                    prop_assert_eq!(got.expect("one head"), expected);
                }
                0 => prop_assert_eq!(got.expect_err("no head").kind, ReduceProblemKind::NoMatch),
                _ => {
                    let e = got.expect_err("several heads");
                    prop_assert_eq!(e.kind, ReduceProblemKind::SeveralMatch);
                    let idx: Vec<u32> = people.iter().enumerate().filter(|(_, x)| x.relationship == 0).map(|(i, _)| i as u32).collect();
                    prop_assert_eq!(e.persons, idx);
                }
            }
        }
    }
}
