//! [`Persons::add`]'s compiled plan: tables of one, two and more inputs
//! side by side in one flat store, and programs that are not tabulated.

use super::*;

/// Fold `people` (slot values) into a fresh reduction and return each
/// supplied cell's text; none of these tests expects a problem.
fn supplied_texts<const N: usize>(persons: &Persons, people: &[[f64; N]]) -> Vec<Vec<u8>> {
    let mut r = persons.start();
    for s in people {
        persons.add(&mut r, s, &|_| b"");
    }
    let mut out = vec![Vec::new(); persons.supplied.len()];
    persons.finish(&r, &mut out).expect("no problem");
    out
}

/// Every reducer against a direct computation, for persons inside and
/// outside the tables' domains: a table read at another table's offset,
/// or with another's strides, gives a wrong count.
#[test]
fn tables_of_one_two_and_three_inputs_and_programs_agree_with_a_direct_count() {
    let src = source(
        &[
            COUNTS,
            r#"

[[inputs]]
name = "rich"
type = "integer"
default = 0
from_persons = 'count(pay > 100)'

[[inputs]]
name = "any_head"
type = "bool"
default = false
from_persons = 'any(role == head)'

[[inputs]]
name = "all_work"
type = "bool"
default = false
from_persons = 'all(works)'

[[inputs]]
name = "levels"
type = "number"
default = 0
from_persons = 'sum(level * 3 where role == other)'

[[inputs]]
name = "top"
type = "number"
default = 0
from_persons = 'max(level + pay where works)'
"#,
        ]
        .concat(),
        r#"
[[person_inputs]]
name = "level"
type = "integer"
min = 0
max = 10
required = true

[[person_inputs]]
name = "works"
type = "bool"
default = true

[[person_inputs]]
name = "role"
type = "enum"
values = ["head", "other"]
default = "other"

[[person_inputs]]
name = "pay"
type = "money"
default = 0
"#,
    );
    let p = load_ok(&src);
    let persons = p.persons.as_ref().expect("persons");
    // Slots: household_id, level, works, role, pay. Levels outside 0..=10
    // or not whole are outside the tables: the programs decide them.
    let people: [[f64; 5]; 9] = [
        [0.0, 0.0, 1.0, 0.0, 50.0],
        [0.0, 3.0, 0.0, 1.0, 150.0],
        [0.0, 5.0, 1.0, 0.0, 0.0],
        [0.0, 10.0, 1.0, 1.0, 101.0],
        [0.0, 7.0, 0.0, 0.0, 99.5],
        [0.0, 2.0, 1.0, 0.0, 100.0],
        [0.0, 12.0, 1.0, 1.0, 1.0],
        [0.0, 2.5, 1.0, 0.0, 200.0],
        [0.0, -1.0, 0.0, 1.0, 0.0],
    ];
    for n in 0..=people.len() {
        let some = &people[..n];
        let out = supplied_texts(persons, some);
        let count =
            |f: &dyn Fn(&[f64; 5]) -> bool| some.iter().filter(|s| f(s)).count().to_string();
        let levels: f64 = some
            .iter()
            .filter(|s| s[3] == 1.0)
            .map(|s| s[1] * 3.0)
            .sum();
        let top = some
            .iter()
            .filter(|s| s[2] == 1.0)
            .map(|s| s[1] + s[4])
            .fold(None, |m: Option<f64>, v| Some(m.map_or(v, |m| m.max(v))));
        let mut number = Vec::new();
        let mut shortest = |v: f64| {
            number.clear();
            crate::numfmt::write_shortest(v, &mut number);
            String::from_utf8(number.clone()).expect("UTF-8")
        };
        let expected = [
            count(&|s| s[1] <= 3.0),
            count(&|s| s[1] >= 5.0 && s[2] == 1.0),
            count(&|s| s[1] >= 2.0 && s[2] == 1.0 && s[3] == 0.0),
            count(&|s| s[4] > 100.0),
            some.iter().any(|s| s[3] == 0.0).to_string(),
            some.iter().all(|s| s[2] == 1.0).to_string(),
            shortest(levels),
            top.map_or_else(|| "0".to_string(), &mut shortest),
        ];
        let got: Vec<String> = out
            .iter()
            .map(|c| String::from_utf8(c.clone()).expect("UTF-8"))
            .collect();
        assert_eq!(got, expected, "the first {n} persons");
    }
}

/// A policy whose every condition and value is a table takes the folding
/// loops of their own for a person inside every table, and the general
/// path for one outside: both against a direct computation.
#[test]
fn a_policy_of_tables_only_folds_persons_inside_and_outside_alike() {
    let src = source(
        &[
            r#"
[[inputs]]
name = "members"
type = "integer"
default = 0
from_persons = 'count()'
"#,
            COUNTS,
            r#"

[[inputs]]
name = "all_work"
type = "bool"
default = false
from_persons = 'all(works)'

[[inputs]]
name = "levels"
type = "number"
default = 0
from_persons = 'sum(level * 3 where role == other)'

[[inputs]]
name = "old"
type = "integer"
default = 0
from_persons = 'count(level >= 8)'
"#,
        ]
        .concat(),
        "[[person_inputs]]\nname = \"level\"\ntype = \"integer\"\nmin = 0\nmax = 10\nrequired = true\n\n[[person_inputs]]\nname = \"works\"\ntype = \"bool\"\ndefault = true\n\n[[person_inputs]]\nname = \"role\"\ntype = \"enum\"\nvalues = [\"head\", \"other\"]\ndefault = \"other\"\n",
    );
    let p = load_ok(&src);
    let persons = p.persons.as_ref().expect("persons");
    // Slots: household_id, level, works, role.
    let people: [[f64; 4]; 8] = [
        [0.0, 0.0, 1.0, 0.0],
        [0.0, 3.0, 0.0, 1.0],
        [0.0, 5.0, 1.0, 0.0],
        [0.0, 12.0, 1.0, 0.0],
        [0.0, 10.0, 1.0, 1.0],
        [0.0, 2.5, 1.0, 0.0],
        [0.0, 8.0, 0.0, 0.0],
        [0.0, -1.0, 1.0, 1.0],
    ];
    for n in 0..=people.len() {
        let some = &people[..n];
        let out = supplied_texts(persons, some);
        let count =
            |f: &dyn Fn(&[f64; 4]) -> bool| some.iter().filter(|s| f(s)).count().to_string();
        let levels: f64 = some
            .iter()
            .filter(|s| s[3] == 1.0)
            .map(|s| s[1] * 3.0)
            .sum();
        let mut number = Vec::new();
        crate::numfmt::write_shortest(levels, &mut number);
        let expected = [
            some.len().to_string(),
            count(&|s| s[1] <= 3.0),
            count(&|s| s[1] >= 5.0 && s[2] == 1.0),
            count(&|s| s[1] >= 2.0 && s[2] == 1.0 && s[3] == 0.0),
            some.iter().all(|s| s[2] == 1.0).to_string(),
            String::from_utf8(number).expect("UTF-8"),
            count(&|s| s[1] >= 8.0),
        ];
        let got: Vec<String> = out
            .iter()
            .map(|c| String::from_utf8(c.clone()).expect("UTF-8"))
            .collect();
        assert_eq!(got, expected, "the first {n} persons");
    }
}

/// The counts of one- and two-input tables are looked up together in one
/// table over every input they read; when the inputs have too many
/// combinations for it (here 101 × 2 × 101), each is looked up alone. Both
/// against a direct count, and a count whose inputs come in the other
/// order (`works` then `level`) among them.
#[test]
fn counts_fused_into_one_table_or_not_agree_with_a_direct_count() {
    let inputs = r#"
[[inputs]]
name = "young"
type = "integer"
default = 0
from_persons = 'count(level <= 3)'

[[inputs]]
name = "busy"
type = "integer"
default = 0
from_persons = 'count(works and level >= 5)'

[[inputs]]
name = "idle"
type = "integer"
default = 0
from_persons = 'count(not works)'

[[inputs]]
name = "far"
type = "integer"
default = 0
from_persons = 'count(miles > 10)'
"#;
    let persons = |miles_max: u32| {
        format!(
            "[[person_inputs]]\nname = \"level\"\ntype = \"integer\"\nmin = 0\nmax = 100\nrequired = true\n\n\
             [[person_inputs]]\nname = \"works\"\ntype = \"bool\"\ndefault = true\n\n\
             [[person_inputs]]\nname = \"miles\"\ntype = \"integer\"\nmin = 0\nmax = {miles_max}\nrequired = true\n"
        )
    };
    // Slots: household_id, level, works, miles.
    let people: [[f64; 4]; 7] = [
        [0.0, 0.0, 1.0, 0.0],
        [0.0, 3.0, 0.0, 11.0],
        [0.0, 5.0, 1.0, 10.0],
        [0.0, 100.0, 1.0, 7.0],
        [0.0, 4.0, 0.0, 3.0],
        [0.0, 60.0, 1.0, 15.0],
        [0.0, 2.0, 1.0, 12.0],
    ];
    // 101 × 2 × 16 combinations fit one table; 101 × 2 × 101 do not.
    for miles_max in [15, 100] {
        let p = load_ok(&source(inputs, &persons(miles_max)));
        let persons = p.persons.as_ref().expect("persons");
        assert_eq!(persons.plan.has_fused_counts(), miles_max == 15);
        for n in 0..=people.len() {
            let some = &people[..n];
            let out = supplied_texts(persons, some);
            let count =
                |f: &dyn Fn(&[f64; 4]) -> bool| some.iter().filter(|s| f(s)).count().to_string();
            let expected = [
                count(&|s| s[1] <= 3.0),
                count(&|s| s[2] == 1.0 && s[1] >= 5.0),
                count(&|s| s[2] == 0.0),
                count(&|s| s[3] > 10.0),
            ];
            let got: Vec<String> = out
                .iter()
                .map(|c| String::from_utf8(c.clone()).expect("UTF-8"))
                .collect();
            assert_eq!(
                got, expected,
                "miles up to {miles_max}, the first {n} persons"
            );
        }
    }
}

/// Three counts of one-, two- and three-input tables, shared by the tests.
const COUNTS: &str = r#"
[[inputs]]
name = "young"
type = "integer"
default = 0
from_persons = 'count(level <= 3)'

[[inputs]]
name = "busy"
type = "integer"
default = 0
from_persons = 'count(level >= 5 and works)'

[[inputs]]
name = "busy_heads"
type = "integer"
default = 0
from_persons = 'count(level >= 2 and works and role == head)'
"#;
