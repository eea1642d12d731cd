//! The expression language on its own: parse arbitrary text; when it parses,
//! type-check and compile it against a small scope (numbers, booleans, two
//! enums, constants) and evaluate it on a few fixed rows.
//!
//! Checked: nothing panics; compiling with the type found as the expected
//! type succeeds with the same type, and with another plain type fails;
//! evaluation is deterministic, and the node tree (run from an `Arena`, as
//! the engine runs it, before any exact re-evaluation) gives the same bits
//! as the plain reference interpreter (`eval_reference`); booleans are 0/1 and enum values a valid index (or NaN, which the engine
//! rejects); a folded constant or a
//! single-slot program evaluates to that constant or slot; spans make valid
//! diagnostics. The scope also has a text input `region` (slot 8, its text
//! tests' bits) and two tables, `line[area]` and `grid[area][tenure]` (with
//! an undefined cell), so the new syntax is fuzzed too: `^`, `%`, `ln`,
//! `exp`, `sqrt`, `pow`, `starts_with`, text tests and lookups.
#![no_main]

use layak::error::Diagnostic;
use std::cell::RefCell;
use std::sync::Arc;

use layak::expr::{self, Arena, Binding, EnumId, Scope, Table, Type};
use libfuzzer_sys::fuzz_target;

struct FuzzScope {
    enums: Vec<Vec<String>>,
    /// Text tests of `region`, in bit order.
    tests: RefCell<Vec<(String, bool)>>,
}

const NAMES: &[(&str, Binding, Type)] = &[
    ("income", Binding::Slot(0), Type::Number),
    ("members", Binding::Slot(1), Type::Number),
    ("area", Binding::Slot(2), Type::Enum(0)),
    ("employed", Binding::Slot(3), Type::Bool),
    ("children", Binding::Slot(4), Type::Number),
    ("tenure", Binding::Slot(5), Type::Enum(1)),
    ("insured", Binding::Slot(6), Type::Bool),
    ("shock", Binding::Slot(7), Type::Enum(2)),
    ("poverty_line", Binding::Const(1000.0), Type::Number),
    ("half", Binding::Const(0.5), Type::Number),
    ("zero", Binding::Const(0.0), Type::Number),
    ("huge", Binding::Const(1e308), Type::Number),
    ("strict", Binding::Const(1.0), Type::Bool),
];
const SLOTS: usize = 9;
/// The text input's slot.
const REGION: usize = 8;

impl Scope for FuzzScope {
    fn resolve(&self, name: &str) -> Option<(Binding, Type)> {
        NAMES
            .iter()
            .find(|(n, _, _)| *n == name)
            .map(|&(_, b, t)| (b, t))
    }
    fn enum_values(&self, id: EnumId) -> &[String] {
        &self.enums[usize::from(id)]
    }
    fn enum_label(&self, id: EnumId) -> &str {
        ["area", "tenure", "shock"][usize::from(id)]
    }
    fn names(&self) -> Vec<String> {
        NAMES.iter().map(|(n, _, _)| n.to_string()).collect()
    }
    fn is_text(&self, name: &str) -> bool {
        name == "region"
    }
    fn text_test(&self, name: &str, text: &str, prefix: bool) -> Result<(usize, u8), String> {
        if name != "region" {
            return Err("not a text input".into());
        }
        let mut tests = self.tests.borrow_mut();
        let key = (text.to_ascii_lowercase(), prefix);
        let bit = match tests.iter().position(|t| *t == key) {
            Some(b) => b,
            None if tests.len() < expr::MAX_TEXT_TESTS => {
                tests.push(key);
                tests.len() - 1
            }
            None => return Err("too many text tests".into()),
        };
        Ok((REGION, bit as u8))
    }
    fn table(&self, name: &str) -> Option<Table> {
        match name {
            "line" => Some(Table {
                keys: vec![0],
                values: Arc::from(vec![1000.0, 800.0]),
            }),
            "grid" => Some(Table {
                keys: vec![0, 1],
                values: Arc::from(vec![1.0, 2.0, 3.0, 4.0, f64::NAN, 0.5]),
            }),
            _ => None,
        }
    }
}

/// Rows of slot values: income, members, area, employed, children, tenure,
/// insured, shock, region (text-test bits).
const ROWS: &[[f64; SLOTS]] = &[
    [0.0, 1.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0],
    [2_000_000.0, 5.0, 1.0, 1.0, 3.0, 2.0, 1.0, 3.0, 1.0],
    [-0.0, 50.0, 1.0, 0.0, 50.0, 1.0, 1.0, 1.0, 6.0],
    [1e300, 0.0, 0.0, 1.0, 1e-300, 0.0, 0.0, 2.0, 0.0],
    [0.1 + 0.2, 3.0, 0.0, 1.0, 0.3, 1.0, 0.0, 0.0, 2.0],
    [-1e15, 7.0, 1.0, 0.0, -2.5, 2.0, 1.0, 3.0, 4_503_599_627_370_495.0],
];

fn same(a: f64, b: f64) -> bool {
    a.to_bits() == b.to_bits() || (a.is_nan() && b.is_nan())
}

fn check_span(src: &str, start: usize, end: usize, what: &str) {
    let d = Diagnostic::at("fuzz", src, start..end, what.to_string(), None);
    let _ = d.render();
}

fuzz_target!(|data: &[u8]| {
    let Ok(src) = std::str::from_utf8(data) else {
        return;
    };
    let scope = FuzzScope {
        enums: vec![
            vec!["urban".into(), "rural".into()],
            vec!["owner".into(), "renter".into(), "other".into()],
            // `income` as an enum value shadows nothing: values and names are separate.
            vec![
                "none".into(),
                "disaster".into(),
                "income".into(),
                "job_loss".into(),
            ],
        ],
        tests: RefCell::new(Vec::new()),
    };
    let parsed = match expr::parse(src) {
        Ok(e) => e,
        Err(e) => {
            check_span(src, e.span.start, e.span.end, &e.message);
            return;
        }
    };
    let _ = parsed.to_string();
    let sp = parsed.span();
    check_span(src, sp.start, sp.end, "whole");
    for (_, span) in parsed.names() {
        check_span(src, span.start, span.end, "name");
    }
    let (program, ty) = match expr::compile(&parsed, &scope, None) {
        Ok(r) => r,
        Err(e) => {
            check_span(src, e.span.start, e.span.end, &e.message);
            // With an expected type a bare enum value can resolve: try each.
            for want in [
                Type::Number,
                Type::Bool,
                Type::Enum(0),
                Type::Enum(1),
                Type::Enum(2),
            ] {
                if let Ok((p, t)) = expr::compile(&parsed, &scope, Some(want)) {
                    assert_eq!(t, want, "compiled to another type than expected");
                    run(&p, t);
                }
            }
            return;
        }
    };
    // The type found is accepted as the expected type...
    let (again, ty2) = expr::compile(&parsed, &scope, Some(ty))
        .unwrap_or_else(|e| panic!("compiles as {ty:?} without expectation, not with it: {e}"));
    assert_eq!(ty, ty2);
    // ...and another plain type is not.
    for other in [Type::Number, Type::Bool] {
        if other != ty {
            assert!(
                expr::compile(&parsed, &scope, Some(other)).is_err(),
                "{ty:?} expression accepted where {other:?} is expected"
            );
        }
    }
    run(&program, ty);
    for row in ROWS {
        assert!(
            same(program.eval(row), again.eval(row)),
            "recompiled program differs"
        );
    }
});

fn run(program: &expr::Program, ty: Type) {
    for &s in program.slots_used() {
        assert!(s < SLOTS, "program reads slot {s} outside the scope");
    }
    let mut arena = Arena::default();
    let root = arena.add(program);
    for row in ROWS {
        let tree = arena.eval(root, row);
        // The node tree may have marked the row close to a threshold: clear
        // the mark, so that it does not leak into the next `eval`.
        expr::exact::take_close();
        let reference = program.eval_reference(row);
        assert!(
            same(tree, reference),
            "node tree and reference differ: {tree} {reference}"
        );
        let a = program.eval(row);
        assert!(same(a, program.eval(row)), "eval not deterministic");
        assert_eq!(program.eval_bool(row), a != 0.0);
        match ty {
            // NaN (from a division by zero) propagates through comparisons and
            // branches by design; the engine turns it into an evaluation reject.
            Type::Bool => assert!(
                a == 0.0 || a == 1.0 || a.is_nan(),
                "boolean program gave {a}"
            ),
            Type::Enum(e) => {
                let n = [2.0, 3.0, 4.0][usize::from(e)];
                assert!(
                    a.is_nan() || (a >= 0.0 && a < n && a.fract() == 0.0),
                    "enum program gave {a}"
                );
            }
            Type::Number => {}
        }
        if let Some(k) = program.as_const() {
            assert!(same(a, k), "constant program {k} evaluated to {a}");
        }
        if let Some(i) = program.as_slot() {
            assert!(
                same(a, row[i]),
                "slot program evaluated to {a}, slot holds {}",
                row[i]
            );
        }
    }
}
