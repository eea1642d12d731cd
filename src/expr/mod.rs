//! The policy expression language: parse once, type-check once, compile to a
//! tree of nodes, evaluate many times without allocating.
//!
//! The passes import one way: `ast` (syntax) → `lexer`, `parser`; `ops`
//! (typed operators and their `f64` semantics) → `typed` (the typed tree and
//! its constant folding) → `typeck` (syntax tree to typed tree) → the forms
//! built from the folded typed tree: `tree` (the node tree rows run),
//! `exact` (exact rationals for rows near a tie) and `reference` (a plain
//! interpreter the tests compare the node tree with) → `program` (a compiled
//! [`Program`] and the engine's [`Arena`]) → this module's API.
//!
//! Values at run time are all `f64`: numbers as themselves, booleans as
//! 0.0 / 1.0, enum values as the index of the value in its declared list.
//! The type checker guarantees that no program mixes them up.

/// Index of an enum type in the policy's enum table (see [`Scope::enum_values`]).
pub type EnumId = u16;

/// The static type of an expression.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Type {
    Number,
    Bool,
    Enum(EnumId),
}

/// Byte range `start..end` inside the expression's source text.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Span {
    pub start: usize,
    pub end: usize,
}

/// What a name in an expression stands for.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Binding {
    /// A per-row value, read from `slots[i]` at evaluation time.
    Slot(usize),
    /// A value fixed for the whole run (a policy parameter); folded into the program.
    Const(f64),
}

/// The names an expression may use, supplied by the policy checker.
pub trait Scope {
    /// Resolve a name to its binding and type, or `None` when it is unknown.
    fn resolve(&self, name: &str) -> Option<(Binding, Type)>;
    /// The allowed values of enum `id`, in declared order (a literal's value is its index).
    fn enum_values(&self, id: EnumId) -> &[String];
    /// The index of the value `text` of enum `id` (exact, else case-insensitive),
    /// or `None`. A scope with large enums overrides this with a hashed lookup:
    /// the default scans the list.
    fn enum_value_index(&self, id: EnumId, text: &str) -> Option<usize> {
        let values = self.enum_values(id);
        let lower = text.to_lowercase();
        values
            .iter()
            .position(|v| v == text)
            .or_else(|| values.iter().position(|v| v.to_lowercase() == lower))
    }
    /// A human name for enum `id` in messages (e.g. the input `area`).
    fn enum_label(&self, id: EnumId) -> &str;
    /// Whether an error may search for a "did you mean" suggestion (a search
    /// reads every name or value). A scope may allow only so many, so that a
    /// policy with thousands of errors is not checked in quadratic time.
    fn may_suggest(&self) -> bool {
        true
    }
    /// Every name in scope, for "did you mean" suggestions.
    fn names(&self) -> Vec<String>;
    /// Whether `name` is a `text` input, usable only in text tests
    /// (`region == '52'`, `region in ['a', 'b']`, `starts_with(region, '52')`).
    fn is_text(&self, _name: &str) -> bool {
        false
    }
    /// The slot and bit of the test "text input `name` is `text`" (or, when
    /// `prefix`, "starts with `text`"), registering it when it is new: the
    /// row parser sets bit `k` of a text input's slot when its test `k`
    /// holds (compared with ASCII case ignored). `Err` holds the reason it
    /// cannot be registered (too many tests on one input).
    fn text_test(&self, name: &str, _text: &str, _prefix: bool) -> Result<(usize, u8), String> {
        Err(format!("`{name}` is not a text input"))
    }
    /// The lookup table called `name`, if there is one.
    fn table(&self, _name: &str) -> Option<Table> {
        None
    }
}

/// A lookup table as the expressions see it: keyed by one or two enum
/// types, its values flattened (the first key's index times the second
/// enum's size, plus the second key's index), NaN where a key has no value
/// and no default.
#[derive(Clone, Debug, PartialEq)]
pub struct Table {
    /// The enum type of each key, in order.
    pub keys: Vec<EnumId>,
    pub values: std::sync::Arc<[f64]>,
}

/// How many different text tests one text input may have (bits of a whole
/// number that an `f64` holds exactly).
pub const MAX_TEXT_TESTS: usize = 52;

pub(crate) mod ast;
pub mod dates;
pub mod exact;
mod lexer;
mod ops;
mod parser;
mod program;
mod reference;
mod text;
mod tree;
mod typeck;
mod typed;

pub use ast::Expr;
pub use program::{Arena, Program, Root};

/// Absolute tolerance of numeric comparisons (`<`, `<=`, `==`, `in`, ...), so that
/// values computed in floating point still meet an exact threshold: a score summed
/// to 0.33333333333333326 satisfies `score >= 1/3`.
pub const EPSILON: f64 = 1e-9;

/// Deepest nesting an expression may have; deeper input is rejected with an error
/// instead of risking a stack overflow in the recursive passes.
pub(crate) const MAX_DEPTH: usize = 200;

/// Everything that can go wrong while parsing, type-checking or compiling an
/// expression. One type for all stages, so callers render every error the same way.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{message}")]
pub struct ExprError {
    /// Where in the source the problem is.
    pub span: Span,
    /// What is wrong, one line, no trailing period.
    pub message: String,
    /// An optional hint on how to fix it (e.g. "did you mean `members`?").
    pub help: Option<String>,
}

impl ExprError {
    pub(crate) fn new(span: Span, message: impl Into<String>) -> ExprError {
        ExprError {
            span,
            message: message.into(),
            help: None,
        }
    }

    pub(crate) fn with_help(mut self, help: impl Into<String>) -> ExprError {
        self.help = Some(help.into());
        self
    }
}

impl Span {
    /// The span `start..end`.
    pub fn new(start: usize, end: usize) -> Span {
        Span { start, end }
    }

    /// The smallest span covering both `self` and `other`, for spans of compound nodes.
    pub fn to(self, other: Span) -> Span {
        Span {
            start: self.start.min(other.start),
            end: self.end.max(other.end),
        }
    }
}

/// Parse an expression into its syntax tree. Names are not resolved yet, so the
/// tree can be inspected (e.g. with [`Expr::names`]) to order definitions first.
pub fn parse(src: &str) -> Result<Expr, ExprError> {
    parser::parse(src)
}

/// Type-check `expr` against `scope` and compile it. `expected` (if Some) is the type the caller needs;
/// a mismatch is an error. Returns the program and the expression's type.
pub fn compile(
    expr: &Expr,
    scope: &dyn Scope,
    expected: Option<Type>,
) -> Result<(Program, Type), ExprError> {
    let typed = typeck::check(expr, scope, expected)?;
    let ty = typed.ty;
    Ok((program::program(typed), ty))
}

/// Nearest candidate for a misspelt name (hand-written Levenshtein), or None if nothing is close.
///
/// "Close" means at most `max(1, len / 3)` edits, counted case-insensitively, where
/// `len` is the length of `name`, and not a rewrite of the whole word; ties go to
/// the earliest candidate.
pub fn suggest<'a>(name: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let name: Vec<char> = name.chars().flat_map(char::to_lowercase).collect();
    let limit = (name.len() / 3).max(1);
    let mut best: Option<(usize, &'a str)> = None;
    let mut row = Vec::new();
    for cand in candidates {
        if cand.is_empty() {
            continue;
        }
        let cand_chars: Vec<char> = cand.chars().flat_map(char::to_lowercase).collect();
        let d = levenshtein(&name, &cand_chars, &mut row);
        // Replacing the whole word is not a typo ("x" is not "near" "a").
        let whole = name.len().max(cand_chars.len());
        if d <= limit && d < whole && best.is_none_or(|(bd, _)| d < bd) {
            best = Some((d, cand));
        }
    }
    best.map(|(_, c)| c)
}

/// Edit distance (insertions, deletions, substitutions) between `a` and `b`,
/// using `row` as scratch space.
/// Edit distance (Levenshtein) between two strings, by characters.
///
/// ```
/// assert_eq!(layak::expr::edit_distance("H001", "H010"), 2);
/// ```
pub fn edit_distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    levenshtein(&a, &b, &mut Vec::new())
}

fn levenshtein(a: &[char], b: &[char], row: &mut Vec<usize>) -> usize {
    row.clear();
    row.extend(0..=b.len());
    for (i, &ca) in a.iter().enumerate() {
        let mut diag = i; // row[0] of the previous row
        row[0] = i + 1;
        for (j, &cb) in b.iter().enumerate() {
            let above = row[j + 1];
            let cost = usize::from(ca != cb);
            row[j + 1] = (diag + cost).min(above + 1).min(row[j] + 1);
            diag = above;
        }
    }
    row[b.len()]
}

/// A human description of a type for messages: "a number", "a boolean", "a value of `area`".
pub(crate) fn describe_type(ty: Type, scope: &dyn Scope) -> String {
    match ty {
        Type::Number => "a number".to_string(),
        Type::Bool => "a boolean".to_string(),
        Type::Enum(id) => format!("a value of `{}`", scope.enum_label(id)),
    }
}

#[cfg(test)]
pub(crate) mod test_scope {
    //! A small scope shared by the unit tests of the sibling modules.
    use super::{Binding, EnumId, Scope, Type};

    /// Slots: income 0, members 1, area 2 (enum 0), employed 3 (bool),
    /// children 4, tenure 5 (enum 1). Parameters: poverty_line_urban = 1000, half = 0.5.
    pub(crate) struct TestScope {
        pub(crate) enums: Vec<Vec<String>>,
        /// Text tests of the text input `region` (slot 6), in bit order.
        pub(crate) text_tests: std::cell::RefCell<Vec<(String, bool)>>,
    }

    impl TestScope {
        pub(crate) fn new() -> TestScope {
            TestScope {
                enums: vec![
                    vec!["urban".into(), "rural".into()],
                    vec!["owner".into(), "renter".into(), "other".into()],
                ],
                text_tests: Default::default(),
            }
        }
    }

    const NAMES: &[(&str, Binding, Type)] = &[
        ("income", Binding::Slot(0), Type::Number),
        ("members", Binding::Slot(1), Type::Number),
        ("area", Binding::Slot(2), Type::Enum(0)),
        ("employed", Binding::Slot(3), Type::Bool),
        ("children", Binding::Slot(4), Type::Number),
        ("tenure", Binding::Slot(5), Type::Enum(1)),
        ("poverty_line_urban", Binding::Const(1000.0), Type::Number),
        ("half", Binding::Const(0.5), Type::Number),
    ];

    impl Scope for TestScope {
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
            ["area", "tenure"][usize::from(id)]
        }
        fn names(&self) -> Vec<String> {
            NAMES.iter().map(|(n, _, _)| n.to_string()).collect()
        }
        fn is_text(&self, name: &str) -> bool {
            name == "region"
        }
        fn table(&self, name: &str) -> Option<super::Table> {
            let (keys, values) = match name {
                "line" => (vec![0], vec![1000.0, 800.0]),
                "grid" => (vec![0, 1], vec![1.0, 2.0, 3.0, 4.0, f64::NAN, 0.5]),
                _ => return None,
            };
            Some(super::Table {
                keys,
                values: values.into(),
            })
        }
        fn text_test(&self, name: &str, text: &str, prefix: bool) -> Result<(usize, u8), String> {
            if name != "region" {
                return Err(format!("`{name}` is not a text input"));
            }
            let mut tests = self.text_tests.borrow_mut();
            let key = (text.to_ascii_lowercase(), prefix);
            let bit = match tests.iter().position(|t| *t == key) {
                Some(b) => b,
                None if tests.len() < super::MAX_TEXT_TESTS => {
                    tests.push(key);
                    tests.len() - 1
                }
                None => return Err("too many text tests".into()),
            };
            Ok((6, bit as u8))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggest_finds_nearest() {
        let names = ["members", "income", "area", "children"];
        assert_eq!(suggest("membres", names), Some("members"));
        assert_eq!(suggest("incme", names), Some("income"));
        assert_eq!(suggest("Area", names), Some("area"));
        assert_eq!(suggest("xyz", names), None);
        assert_eq!(suggest("", names), None);
        assert_eq!(suggest("mn", ["min", "max"]), Some("min"));
        assert_eq!(suggest("x", ["a", "y"]), None);
        assert_eq!(suggest("ab", ["a", "b"]), Some("a"));
    }

    #[test]
    fn levenshtein_distances() {
        let d = |a: &str, b: &str| {
            let a: Vec<char> = a.chars().collect();
            let b: Vec<char> = b.chars().collect();
            levenshtein(&a, &b, &mut Vec::new())
        };
        assert_eq!(d("kitten", "sitting"), 3);
        assert_eq!(d("", "abc"), 3);
        assert_eq!(d("abc", ""), 3);
        assert_eq!(d("flaw", "lawn"), 2);
        assert_eq!(d("same", "same"), 0);
    }

    /// One expression (at least) per node function of the node tree.
    const NODE_SHAPES: &[&str] = &[
        "income",
        "2.5",
        "employed",
        "not employed",
        "income < 100 and members >= 2",
        "income <= 100 or not employed",
        "(income + 1 > 2) and (members * 2 < 9)",
        "employed and members > 1",
        "members > 1 or employed",
        "income - members",
        "income / members",
        "100 - income",
        "income * 2 + members / 4",
        "2 * (income + members)",
        "(income + 1) - members",
        "income - (members + 1)",
        "(income + 1) / (members - 1)",
        "-income",
        "abs(income - 3)",
        "floor(income / 2)",
        "ceil(income / 2)",
        "round(income / 3, 2)",
        "if employed then income else members",
        "if income > 1 then 10 else 20",
        "if employed then 10 else 20",
        "if income > members then income * 2 else members + 1",
        "area == 'urban'",
        "area != 'rural'",
        "tenure in ['owner', 'other']",
        "members in [1, 2, 3]",
        "members + 1 in [2, income, 4]",
        "income in [members, children + 1]",
        "min(income, 3)",
        "max(3, income + 1)",
        "min(income, members)",
        "max(income, members, children, 1)",
        "min(1, income + members, children)",
        "clamp(income, 1, 3)",
        "ln(income)",
        "exp(income / 10)",
        "sqrt(income - 1)",
        "income ^ 2",
        "pow(members, income)",
        "2 ^ members",
        "-income ^ half",
        "income % 2",
        "members % income",
        "7 % members",
        "income ^ 2 >= 4",
        "line[area]",
        "grid[area][tenure] * income",
        "months_between(income, members)",
        "years_between(children, income * 400)",
        "line['rural'] + grid[area][owner]",
        "income == members",
        "income != 2",
        "income >= members",
    ];

    #[test]
    fn tree_agrees_with_the_reference_on_every_node_shape() {
        // One expression (at least) per node function of the tree form, and
        // the same programs copied into one arena; values compared bit for bit.
        let scope = test_scope::TestScope::new();
        let rows = [
            [1.0, 2.0, 0.0, 1.0, 3.0, 2.0],
            [2.0, 1.0, 1.0, 0.0, 0.0, 0.0],
            [0.0, 0.0, 0.0, 0.0, 0.0, 1.0],
            [f64::NAN, 3.0, 1.0, f64::NAN, 1.0, 2.0],
            [3.0, 3.0, 0.0, 1.0, 2.0, 1.0],
            [-2.5, 1e300, 1.0, 1.0, -1e-12, 0.0],
        ];
        let mut arena = Arena::default();
        // The engine's form: comparisons of slots declared whole skip the
        // closeness check, and must compute the same values.
        let mut whole_arena = Arena::default();
        let whole = [false, true, false, true, true, false];
        let mut compiled = Vec::new();
        for &src in NODE_SHAPES {
            let expr = parse(src).unwrap();
            let (program, _) = compile(&expr, &scope, None).unwrap();
            let root = arena.add(&program);
            let whole_root = whole_arena.add_whole(&program, &whole);
            compiled.push((src, program, root, whole_root));
        }
        for (src, program, root, whole_root) in &compiled {
            for row in &rows {
                let reference = program.eval_reference(row);
                for (form, v) in [
                    ("tree", program.eval(row)),
                    ("arena", arena.eval(*root, row)),
                    ("whole arena", whole_arena.eval(*whole_root, row)),
                ] {
                    assert!(
                        v.to_bits() == reference.to_bits() || (v.is_nan() && reference.is_nan()),
                        "{src} on {row:?}: the {form} gives {v}, the reference {reference}"
                    );
                }
            }
        }
    }

    #[test]
    fn random_input_never_panics() {
        // Random token soup through every stage; errors are fine, panics are not.
        let vocab = [
            "income",
            "members",
            "area",
            "employed",
            "tenure",
            "half",
            "urban",
            "rural",
            "'owner'",
            "owner",
            "membres",
            "1",
            "0",
            "2.5",
            "true",
            "false",
            "+",
            "-",
            "*",
            "/",
            "<",
            "<=",
            ">",
            ">=",
            "==",
            "!=",
            "and",
            "or",
            "not",
            "in",
            "if",
            "then",
            "else",
            "(",
            ")",
            "[",
            "]",
            ",",
            "min",
            "max",
            "clamp",
            "round",
            "floor",
            "ceil",
            "abs",
            "ln",
            "exp",
            "sqrt",
            "pow",
            "^",
            "%",
            "starts_with",
            "region",
            "'52'",
            "line",
            "grid",
            "[area]",
            "[tenure]",
            "months_between",
            "years_between",
        ];
        let scope = test_scope::TestScope::new();
        let rows = [
            [1.0, 2.0, 1.0, 0.0, 3.0, 2.0],
            [0.0, 5.0, 0.0, 1.0, -2.5, 0.5],
        ];
        let mut state: u64 = 0x2545_f491_4f6c_dd1d;
        let mut next = |n: usize| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            (state % n as u64) as usize
        };
        let mut compiled = 0;
        // Debug builds are ~20x slower; the release run (cargo test --release) goes wider.
        let rounds = if cfg!(debug_assertions) {
            3_000
        } else {
            30_000
        };
        for _ in 0..rounds {
            let len = 1 + next(12);
            let src: Vec<&str> = (0..len).map(|_| vocab[next(vocab.len())]).collect();
            let src = src.join(" ");
            let Ok(expr) = parse(&src) else { continue };
            let _ = expr.to_string();
            for expected in [
                None,
                Some(Type::Bool),
                Some(Type::Number),
                Some(Type::Enum(1)),
            ] {
                if let Ok((program, _)) = compile(&expr, &scope, expected) {
                    compiled += 1;
                    for row in &rows {
                        let fast = program.eval(row);
                        let reference = program.eval_reference(row);
                        assert!(
                            fast.to_bits() == reference.to_bits()
                                || (fast.is_nan() && reference.is_nan()),
                            "{src} on {row:?}: the tree gives {fast}, the reference {reference}"
                        );
                    }
                }
            }
        }
        assert!(compiled > 10, "only {compiled} programs compiled");
    }

    #[test]
    fn text_tests_are_bits_of_the_text_slot() {
        let scope = test_scope::TestScope::new();
        let run = |src: &str, bits: f64| {
            let (program, ty) = compile(&parse(src).unwrap(), &scope, None)
                .unwrap_or_else(|e| panic!("{src}: {e:?}"));
            assert_eq!(ty, Type::Bool);
            let mut row = [0.0; 7];
            row[6] = bits;
            let v = program.eval(&row);
            assert_eq!(v.to_bits(), program.eval_reference(&row).to_bits(), "{src}");
            v
        };
        // Bit 0: == '5201'; bit 1: == 'x'; bit 2: starts with '52'.
        assert_eq!(run("region == '5201'", 1.0), 1.0);
        assert_eq!(run("'5201' == region", 0.0), 0.0);
        assert_eq!(run("region != \"5201\"", 1.0), 0.0);
        assert_eq!(run("region in ['X', '5201']", 2.0), 1.0);
        assert_eq!(run("region not in ['x', '5201']", 4.0), 1.0);
        assert_eq!(run("starts_with(region, '52')", 4.0), 1.0);
        assert_eq!(run("starts_with(region, '52')", 3.0), 0.0);
        assert_eq!(
            *scope.text_tests.borrow(),
            [
                ("5201".into(), false),
                ("x".into(), false),
                ("52".into(), true)
            ]
        );
        // starts_with on an enum: its values with the prefix, found at load.
        let (p, _) = compile(&parse("starts_with(tenure, 'o')").unwrap(), &scope, None).unwrap();
        assert_eq!(p.eval(&[0.0, 0.0, 0.0, 0.0, 0.0, 0.0]), 1.0); // owner
        assert_eq!(p.eval(&[0.0, 0.0, 0.0, 0.0, 0.0, 1.0]), 0.0); // renter
        assert_eq!(p.eval(&[0.0, 0.0, 0.0, 0.0, 0.0, 2.0]), 1.0); // other
        // Errors: a text input elsewhere, an unquoted operand, a number.
        for (src, message) in [
            ("region + 1", "`region` is a text input"),
            ("region == urban", "compared with quoted strings only"),
            ("region in ['a', 1]", "compared with quoted strings only"),
            (
                "starts_with(income, '1')",
                "tests a text input or an enum value",
            ),
            (
                "starts_with(region, income)",
                "compared with quoted strings only",
            ),
        ] {
            let e = compile(&parse(src).unwrap(), &scope, None).unwrap_err();
            assert!(e.message.contains(message), "{src}: {}", e.message);
        }
    }

    #[test]
    fn end_to_end() {
        let scope = test_scope::TestScope::new();
        let expr = parse("if area == 'urban' then poverty_line_urban else 800").unwrap();
        let (program, ty) = compile(&expr, &scope, Some(Type::Number)).unwrap();
        assert_eq!(ty, Type::Number);
        assert_eq!(program.eval(&[0.0, 0.0, 0.0]), 1000.0);
        assert_eq!(program.eval(&[0.0, 0.0, 1.0]), 800.0);
        assert_eq!(program.slots_used(), &[2]);
    }
}
