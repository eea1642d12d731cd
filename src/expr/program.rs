//! A compiled expression: the folded typed tree lowered once to each form
//! that evaluates it (the node tree for rows, exact rationals for rows near
//! a tie), and the [`Arena`] that holds many programs' nodes for the engine.

use std::sync::Arc;

use super::exact::{self, ExactSlots, ExactTree, Overflow, Val};
use super::tree::{self, Node, Tree};
use super::typed::{TypedExpr, TypedKind, fold};

/// A compiled expression, ready to be evaluated on many rows.
///
/// Built by [`compile`](super::compile()); values are `f64` (booleans 0/1, enum values
/// their index), slots are read from the row passed to [`Program::eval`].
#[derive(Debug, Clone)]
pub struct Program {
    /// Slots read, sorted and deduplicated.
    slots: Vec<usize>,
    /// The expression as written, for explanations (set by the policy loader).
    source: String,
    /// The same text unchanged, which the typed tree's spans point into.
    raw: Arc<str>,
    /// The program as a tree of nodes in one array: what [`Program::eval`] runs.
    nodes: Tree,
    /// The same program on exact rationals, for rows where `f64` lands
    /// within rounding error of a threshold or a printed tie.
    exact: ExactTree,
    /// The folded, typed tree both forms were built from (the engine builds
    /// its own node tree from it, knowing which slots hold whole numbers;
    /// the reference interpreter walks it).
    typed: Arc<TypedExpr>,
}

/// Compile a type-checked tree into a program.
pub(crate) fn program(typed: TypedExpr) -> Program {
    let folded = fold(typed);
    let mut slots = Vec::new();
    slots_read(&folded, &mut slots);
    slots.sort_unstable();
    slots.dedup();
    Program {
        slots,
        source: String::new(),
        raw: Arc::from(""),
        nodes: tree::build(&folded),
        exact: exact::build(&folded),
        typed: Arc::new(folded),
    }
}

/// Append every slot `t` reads (branches folded away read nothing).
fn slots_read(t: &TypedExpr, out: &mut Vec<usize>) {
    match &t.kind {
        TypedKind::Const(_) => {}
        TypedKind::Slot(i) => out.push(*i),
        TypedKind::Unary(_, x) => slots_read(x, out),
        TypedKind::Binary(_, a, b) | TypedKind::And(a, b) | TypedKind::Or(a, b) => {
            slots_read(a, out);
            slots_read(b, out);
        }
        TypedKind::If(c, a, b) => {
            slots_read(c, out);
            slots_read(a, out);
            slots_read(b, out);
        }
        TypedKind::In { value, items, .. } => {
            slots_read(value, out);
            items.iter().for_each(|item| slots_read(item, out));
        }
        TypedKind::Extreme(_, args) => args.iter().for_each(|arg| slots_read(arg, out)),
        TypedKind::Lookup(_, index) => slots_read(index, out),
    }
}

/// The span of the innermost node of `t` that is NaN on `slots` while its
/// operands are not; `None` when `t` is not NaN.
fn origin(t: &TypedExpr, slots: &[f64]) -> Option<super::Span> {
    if !super::reference::eval(t, slots).is_nan() {
        return None;
    }
    let children: Vec<&TypedExpr> = match &t.kind {
        TypedKind::Const(_) | TypedKind::Slot(_) => Vec::new(),
        TypedKind::Unary(_, x) | TypedKind::Lookup(_, x) => vec![x],
        TypedKind::Binary(_, a, b) | TypedKind::And(a, b) | TypedKind::Or(a, b) => vec![a, b],
        TypedKind::If(c, a, b) => vec![c, a, b],
        TypedKind::In { value, items, .. } => {
            std::iter::once(&**value).chain(items.iter()).collect()
        }
        TypedKind::Extreme(_, args) => args.iter().collect(),
    };
    children
        .into_iter()
        .find_map(|c| origin(c, slots))
        .or(Some(t.span))
}

impl Program {
    /// Evaluate on one row (with the node tree, see [`Arena`]); never
    /// allocates. A slot index beyond `slots` reads NaN.
    ///
    /// When the `f64` evaluation lands within rounding error of a
    /// comparison's threshold or a rounding tie, the program is evaluated
    /// again exactly, reading each slot as the decimal it was parsed from
    /// ([`exact::from_cell`]): exact for row checks, which read
    /// inputs only. A number comes back as an `f64` that prints with two
    /// decimals (as template holes do) as the exact value rounds.
    #[inline(always)]
    pub fn eval(&self, slots: &[f64]) -> f64 {
        let v = self.nodes.eval(slots);
        if exact::take_close() {
            return self.eval_exact_cells(slots).unwrap_or(v);
        }
        v
    }

    /// [`Program::eval`] again, exactly, on slots read as cells.
    #[cold]
    #[inline(never)]
    fn eval_exact_cells(&self, slots: &[f64]) -> Option<f64> {
        let mut cells = exact::CellSlots(slots);
        let exact = self.exact.eval(&mut cells).ok()?;
        Some(exact.map_or(f64::NAN, |q| exact::faithful_f64(q, &[2])))
    }

    /// The exact value of the program for the row whose exact values
    /// `slots` gives; `Err` when an intermediate value overflows `i128`.
    pub fn eval_exact(&self, slots: &mut dyn ExactSlots) -> Result<Val, Overflow> {
        self.exact.eval(slots)
    }

    /// Evaluate with the reference interpreter: a plain walk of the typed
    /// tree that [`Program::eval`]'s node tree (before any exact
    /// re-evaluation) is tested and fuzzed against. Slow; not for rows.
    pub fn eval_reference(&self, slots: &[f64]) -> f64 {
        super::reference::eval(&self.typed, slots)
    }

    /// Evaluate a boolean program on one row (see [`Program::eval`]).
    pub fn eval_bool(&self, slots: &[f64]) -> bool {
        self.eval(slots) != 0.0
    }

    /// Slots read by this program, sorted and deduplicated (used for explanations/traces).
    /// Slots only read by branches that constant folding removed are not listed.
    pub fn slots_used(&self) -> &[usize] {
        &self.slots
    }

    /// The expression as written in the policy (empty if not recorded).
    pub fn source(&self) -> &str {
        &self.source
    }

    /// Record the expression's text, shown by explanations.
    pub fn set_source(&mut self, source: &str) {
        self.raw = Arc::from(source);
        self.source = source.split_whitespace().collect::<Vec<_>>().join(" ");
    }

    /// Some(slot) when the program only reads that slot.
    pub fn as_slot(&self) -> Option<usize> {
        match self.typed.kind {
            TypedKind::Slot(i) => Some(i),
            _ => None,
        }
    }

    /// Where an undefined (NaN) value of this program on the row in `slots`
    /// comes from: the innermost part of the expression that is undefined
    /// while all it reads is defined (`ln(income)` with `income` 0, a
    /// division by zero, a missing value), as "`text` at column N" when
    /// the source was recorded, else "columns A–B". `None` when the
    /// value is defined. For error messages only: it walks the tree again
    /// and allocates.
    #[cold]
    #[inline(never)]
    pub fn undefined_at(&self, slots: &[f64]) -> Option<String> {
        let span = origin(&self.typed, slots)?;
        let column = |byte: usize| {
            self.raw
                .get(..byte)
                .map_or(byte, |head| head.chars().count())
                + 1
        };
        Some(match self.raw.get(span.start..span.end) {
            Some(text) if !text.is_empty() => {
                let text = text.split_whitespace().collect::<Vec<_>>().join(" ");
                format!("`{text}` at column {}", column(span.start))
            }
            _ => format!("columns {}-{}", span.start + 1, span.end),
        })
    }

    /// Some(v) when the whole program folded to the constant v.
    pub fn as_const(&self) -> Option<f64> {
        match self.typed.kind {
            TypedKind::Const(v) => Some(v),
            _ => None,
        }
    }

    /// The folded typed tree (for the tests of the sibling passes).
    #[cfg(test)]
    pub(crate) fn typed(&self) -> &TypedExpr {
        &self.typed
    }
}

/// Where a program's root sits in an [`Arena`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Root(u32);

/// The nodes of many programs in one array, so that evaluating them one
/// after the other reads a few contiguous cache lines.
#[derive(Clone, Debug, Default)]
pub struct Arena {
    nodes: Vec<Node>,
    /// Each program added and its root, in order, to explain an undefined
    /// value ([`Arena::undefined_at`]); never read per row.
    owners: Vec<(u32, Program)>,
}

impl Arena {
    /// Build `program`'s nodes in again, knowing which slots hold whole
    /// numbers below 2^31 in magnitude (`whole_slots[i]`): comparisons of
    /// such values are exact in `f64`, and are compiled without the check
    /// for a result close to its threshold.
    pub fn add_whole(&mut self, program: &Program, whole_slots: &[bool]) -> Root {
        let nodes = tree::build_nodes(&program.typed, whole_slots);
        if nodes.is_empty() {
            return self.add(program);
        }
        self.nodes.extend_from_slice(&nodes);
        self.owned(program)
    }

    /// Copy `program`'s nodes in; evaluate them with [`Arena::eval`].
    pub fn add(&mut self, program: &Program) -> Root {
        self.nodes.extend_from_slice(program.nodes.nodes());
        self.owned(program)
    }

    /// The root of the program added last, recorded as `program`'s.
    fn owned(&mut self, program: &Program) -> Root {
        let root = self.last_root();
        self.owners.push((root.0, program.clone()));
        root
    }

    /// Where the undefined value of the program at `root` comes from on the
    /// row in `slots` (see [`Program::undefined_at`]). Cold: for messages.
    #[cold]
    #[inline(never)]
    pub fn undefined_at(&self, root: Root, slots: &[f64]) -> Option<String> {
        let i = self.owners.partition_point(|(r, _)| *r < root.0);
        match self.owners.get(i) {
            Some((r, program)) if *r == root.0 => program.undefined_at(slots),
            _ => None,
        }
    }

    /// The root of the program added last (a tree has at least one node;
    /// an empty arena's root evaluates as NaN).
    fn last_root(&self) -> Root {
        Root(u32::try_from(self.nodes.len().wrapping_sub(1)).unwrap_or(u32::MAX))
    }

    /// The value of the program at `root` for the row in `slots`.
    #[inline(always)]
    pub fn eval(&self, root: Root, slots: &[f64]) -> f64 {
        tree::eval_node(&self.nodes, root.0 as usize, slots)
    }

    /// How many nodes it holds.
    pub fn len(&self) -> usize {
        self.nodes.len()
    }

    pub fn is_empty(&self) -> bool {
        self.nodes.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::expr::test_scope::TestScope;
    use crate::expr::{Type, compile, parse};

    /// income, members, area (rural), employed (false), children, tenure (renter)
    const ROW: [f64; 6] = [1200.0, 4.0, 1.0, 0.0, 2.0, 1.0];

    fn prog(src: &str) -> Program {
        match compile(&parse(src).unwrap(), &TestScope::new(), None) {
            Ok((p, _)) => p,
            Err(e) => panic!("{src:?}: {e:?}"),
        }
    }

    fn run_on(src: &str, row: &[f64]) -> f64 {
        let p = prog(src);
        p.eval(row)
    }

    fn run(src: &str) -> f64 {
        run_on(src, &ROW)
    }

    /// Row with `income` and `members` replaced.
    fn row2(income: f64, members: f64) -> [f64; 6] {
        let mut row = ROW;
        row[0] = income;
        row[1] = members;
        row
    }

    /// The folded typed tree of `p`, compactly: `s3` is slot 3, operators
    /// in prefix form.
    fn shape(p: &Program) -> String {
        fn walk(t: &TypedExpr) -> String {
            let list = |ts: &[TypedExpr]| ts.iter().map(walk).collect::<Vec<_>>().join(" ");
            match &t.kind {
                TypedKind::Const(v) => format!("{v}"),
                TypedKind::Slot(i) => format!("s{i}"),
                TypedKind::Unary(op, x) => format!("({op:?} {})", walk(x)),
                TypedKind::Binary(op, a, b) => format!("({op:?} {} {})", walk(a), walk(b)),
                TypedKind::And(a, b) => format!("(and {} {})", walk(a), walk(b)),
                TypedKind::Or(a, b) => format!("(or {} {})", walk(a), walk(b)),
                TypedKind::If(c, a, b) => format!("(if {} {} {})", walk(c), walk(a), walk(b)),
                TypedKind::In { value, items, .. } => {
                    format!("(in {} {})", walk(value), list(items))
                }
                TypedKind::Extreme(is_max, args) => format!("({is_max} {})", list(args)),
                TypedKind::Lookup(values, index) => {
                    format!("(lookup {} {})", values.len(), walk(index))
                }
            }
        }
        walk(p.typed())
    }

    #[test]
    fn math_functions_and_their_undefined_results() {
        let close = |a: f64, b: f64| (a - b).abs() < 1e-12;
        assert!(close(run_on("ln(income)", &row2(1.0, 1.0)), 0.0));
        assert!(close(run_on("exp(ln(income))", &row2(7.5, 1.0)), 7.5));
        assert_eq!(run_on("sqrt(income)", &row2(16.0, 1.0)), 4.0);
        assert_eq!(run_on("income ^ 2", &row2(-3.0, 1.0)), 9.0);
        assert_eq!(run_on("pow(income, members)", &row2(2.0, 10.0)), 1024.0);
        assert_eq!(prog("-2 ^ 2").as_const(), Some(-4.0));
        assert_eq!(prog("2 ^ 3 ^ 2").as_const(), Some(512.0));
        assert_eq!(prog("0 ^ 0").as_const(), Some(1.0));
        // `%` is floored: the remainder has the sign of the divisor.
        assert_eq!(prog("7 % 3").as_const(), Some(1.0));
        assert_eq!(prog("-7 % 3").as_const(), Some(2.0));
        assert_eq!(prog("7 % -3").as_const(), Some(-2.0));
        assert_eq!(prog("-7 % -3").as_const(), Some(-1.0));
        assert_eq!(prog("7.5 % 2").as_const(), Some(1.5));
        assert_eq!(run_on("members % 2 == 0", &row2(0.0, 4.0)), 1.0);
        // Undefined: NaN, which rejects the row.
        for (src, income) in [
            ("ln(income)", 0.0),
            ("ln(income)", -1.0),
            ("sqrt(income)", -0.5),
            ("income ^ -1", 0.0),
            ("income ^ 0.5", -4.0),
            ("exp(income)", 1000.0),
            ("income ^ 400", 10.0),
            ("members % income", 0.0),
            ("ln(income) > 0", 0.0),
        ] {
            let v = run_on(src, &row2(income, 3.0));
            assert!(v.is_nan(), "{src} with income {income}: {v}");
        }
        assert!(prog("ln(0)").as_const().is_some_and(f64::is_nan));
    }

    #[test]
    fn exact_power_and_remainder() {
        use crate::expr::exact::{CellSlots, Rational};
        let exact = |src: &str, income: f64| {
            prog(src)
                .eval_exact(&mut CellSlots(&row2(income, 3.0)))
                .map(|v| v.map(Rational::to_f64))
        };
        assert_eq!(exact("income ^ 2", 0.1), Ok(Some(0.01)));
        assert_eq!(exact("income ^ -2", 0.5), Ok(Some(4.0)));
        assert_eq!(exact("income ^ -1", 0.0), Ok(None));
        assert_eq!(exact("income % 0.3", 1.0), Ok(Some(0.1)));
        assert_eq!(exact("-income % 0.3", 1.0), Ok(Some(0.2)));
        assert_eq!(exact("members % income", 0.0), Ok(None));
        assert_eq!(exact("ln(income)", 0.0), Ok(None));
        assert_eq!(exact("sqrt(income)", -1.0), Ok(None));
        // Not rational in general: the f64 value stands.
        assert!(exact("ln(income)", 2.0).is_err());
        assert!(exact("income ^ 0.5", 2.0).is_err());
        assert!(exact("exp(income)", 2.0).is_err());
    }

    #[test]
    fn constant_folding() {
        assert_eq!(prog("1 + 2 * 3").as_const(), Some(7.0));
        assert_eq!(prog("poverty_line_urban * 1.2").as_const(), Some(1200.0));
        assert_eq!(prog("1 / 3").as_const(), Some(1.0 / 3.0));
        assert_eq!(prog("-half").as_const(), Some(-0.5));
        assert_eq!(
            prog("round(2.5) + floor(1.7) + ceil(1.2) + abs(-3)").as_const(),
            Some(9.0)
        );
        assert_eq!(prog("min(3, half, 2)").as_const(), Some(0.5));
        assert_eq!(prog("clamp(5, 0, 1)").as_const(), Some(1.0));
        assert_eq!(prog("half in [1, 0.5]").as_const(), Some(1.0));
        assert_eq!(prog("'rural' == area and false").as_const(), Some(0.0));
        assert_eq!(prog("income > 0 or true").as_const(), Some(1.0));
        assert_eq!(prog("if half > 1 then income else 7").as_const(), Some(7.0));
        // A division by zero is undefined (NaN), and so is everything it decides.
        assert!(prog("1 / 0").as_const().is_some_and(f64::is_nan));
        assert_eq!(shape(&prog("income > 1 / 0")), "(Gt s0 NaN)");
        assert!(
            prog("(1 / 0 > 1) and employed")
                .as_const()
                .is_some_and(f64::is_nan)
        );
        assert!(
            prog("if 1 / 0 > 1 then income else 7")
                .as_const()
                .is_some_and(f64::is_nan)
        );
        // Not constant: reads a slot.
        assert_eq!(prog("income * 1").as_const(), None);
        assert_eq!(shape(&prog("income * (2 + 3)")), "(Mul s0 5)");
        assert_eq!(
            shape(&prog("(income + members) * 2")),
            "(Mul (Add s0 s1) 2)"
        );
        assert_eq!(
            shape(&prog("members in [1, children, 2 + 1]")),
            "(in s1 1 s4 3)"
        );
        // A constant side of `and` that cannot decide the result disappears.
        assert_eq!(shape(&prog("true and employed")), "s3");
        assert_eq!(shape(&prog("employed or false")), "s3");
        let (_, ty) = compile(&parse("area").unwrap(), &TestScope::new(), None).unwrap();
        assert_eq!(ty, Type::Enum(0));
    }

    #[test]
    fn slots_used_sorted_and_deduplicated() {
        assert_eq!(
            prog("children + income * members / income").slots_used(),
            &[0, 1, 4]
        );
        assert_eq!(prog("1 + half").slots_used(), &[] as &[usize]);
        // A folded-away branch reads nothing.
        assert_eq!(
            prog("if half < 1 then income else members").slots_used(),
            &[0]
        );
    }

    #[test]
    fn arithmetic() {
        assert_eq!(run("income / members"), 300.0);
        assert_eq!(run("income - members * children"), 1192.0);
        assert_eq!(run("(income + 1) * 2"), 2402.0);
        assert_eq!(run("-income + 1"), -1199.0);
        assert_eq!(run("- -members"), 4.0);
        assert_eq!(run("income - members - children"), 1194.0);
        assert_eq!(run("income / members / children"), 150.0);
        assert_eq!(run("income * half + poverty_line_urban"), 1600.0);
        assert!(
            run("income / (members - 4)").is_nan(),
            "a division by zero is undefined"
        );
        assert!(run("(members - 4) / (members - 4)").is_nan());
    }

    #[test]
    fn comparisons_and_logic() {
        assert_eq!(run("income > 1000"), 1.0);
        assert_eq!(run("income >= 1200"), 1.0);
        assert_eq!(run("income < 1200"), 0.0);
        assert_eq!(run("income <= 1199"), 0.0);
        assert_eq!(run("members == 4"), 1.0);
        assert_eq!(run("members != 4"), 0.0);
        assert_eq!(run("employed == false"), 1.0);
        assert_eq!(run("employed != true"), 1.0);
        for (employed, expected) in [(0.0, [0.0, 1.0, 1.0]), (1.0, [1.0, 1.0, 0.0])] {
            let mut row = ROW;
            row[3] = employed;
            assert_eq!(run_on("employed and members > 1", &row), expected[0]);
            assert_eq!(run_on("employed or members > 1", &row), expected[1]);
            assert_eq!(run_on("not employed", &row), expected[2]);
        }
        assert_eq!(run("employed or members > 5"), 0.0);
        assert_eq!(run("not employed and not members == 3"), 1.0);
        let p = prog("income < 1000 or children >= 2");
        assert!(p.eval_bool(&ROW));
    }

    #[test]
    fn enums_and_membership() {
        assert_eq!(run("area == rural"), 1.0);
        assert_eq!(run("area == 'urban'"), 0.0);
        assert_eq!(run("'rural' == area"), 1.0);
        assert_eq!(run("area != urban"), 1.0);
        assert_eq!(run("tenure in [owner, 'renter']"), 1.0);
        assert_eq!(run("tenure in [owner, other]"), 0.0);
        assert_eq!(run("tenure not in [owner, other]"), 1.0);
        assert_eq!(run("members in [1, 2, 3]"), 0.0);
        assert_eq!(run("members in [1, children * 2]"), 1.0);
        assert_eq!(run("members not in [children, 4]"), 0.0);
        assert_eq!(run("members / 3 * 3 in [4]"), 1.0);
        let (p, ty) = compile(
            &parse("if employed then urban else area").unwrap(),
            &TestScope::new(),
            Some(Type::Enum(0)),
        )
        .unwrap();
        assert_eq!(ty, Type::Enum(0));
        assert_eq!(p.eval(&ROW), 1.0);
    }

    #[test]
    fn if_then_else() {
        let src = "if income < 500 then 1 else if income < 1000 then 2 else 3";
        assert_eq!(run_on(src, &row2(100.0, 1.0)), 1.0);
        assert_eq!(run_on(src, &row2(700.0, 1.0)), 2.0);
        assert_eq!(run_on(src, &row2(5000.0, 1.0)), 3.0);
        assert_eq!(run("(if employed then 10 else 20) + 1"), 21.0);
        assert_eq!(run("if members > 0 then income / members else 0"), 300.0);
        assert_eq!(
            run_on(
                "if members > 0 then income / members else 0",
                &row2(1.0, 0.0)
            ),
            0.0
        );
    }

    #[test]
    fn builtins() {
        assert_eq!(run("min(income, members, children)"), 2.0);
        assert_eq!(run("max(income, members, children)"), 1200.0);
        assert_eq!(run("min(members, 3)"), 3.0);
        assert_eq!(run("clamp(income, 0, 1000)"), 1000.0);
        assert_eq!(run("clamp(members, 5, 10)"), 5.0);
        assert_eq!(run("clamp(members, 0, 10)"), 4.0);
        assert_eq!(run("floor(income / 7)"), 171.0);
        assert_eq!(run("ceil(income / 7)"), 172.0);
        assert_eq!(run("abs(members - income)"), 1196.0);
        assert_eq!(run("round(income / 7)"), 171.0);
        assert_eq!(run("round(income / 7, 2)"), 171.43);
        assert!(run("min(income / 0 * 0, 5)").is_nan(), "min propagates NaN");
        assert!(
            run("max(5, (members - 4) / 0)").is_nan(),
            "max propagates NaN"
        );
    }

    #[test]
    fn rounding_is_half_away_from_zero_with_nudge() {
        let r = |x: f64, digits: &str| {
            let p = prog(&format!("round(income{digits})"));
            p.eval(&row2(x, 1.0))
        };
        assert_eq!(r(2.5, ""), 3.0);
        assert_eq!(r(-2.5, ""), -3.0);
        assert_eq!(r(2.4999, ""), 2.0);
        assert_eq!(r(0.0, ""), 0.0);
        assert_eq!(r(28.749999999999996, ", 1"), 28.8);
        assert_eq!(r(1.005, ", 2"), 1.01);
        assert_eq!(r(-1.005, ", 2"), -1.01);
        assert_eq!(r(1234.5678, ", 0"), 1235.0);
        assert!(r(f64::NAN, "").is_nan());
        assert_eq!(prog("round(28.749999999999996, 1)").as_const(), Some(28.8));
    }

    #[test]
    fn tolerant_comparisons() {
        // 8 × 1/24 + 1/8 accumulated in floating point is not exactly 11/24.
        let mut sum = 0.0;
        for _ in 0..8 {
            sum += 1.0 / 24.0;
        }
        sum += 1.0 / 8.0;
        let exact = 11.0 / 24.0;
        let cmp = |op: &str, x: f64, rhs: &str| {
            let p = prog(&format!("income {op} {rhs}"));
            p.eval_bool(&row2(x, 1.0))
        };
        assert!(cmp(">=", sum, "11 / 24"));
        assert!(cmp("<=", sum, "11 / 24"));
        assert!(cmp("==", sum, "11 / 24"));
        assert!(!cmp("!=", sum, "11 / 24"));
        assert!(!cmp("<", sum, "11 / 24"));
        assert!(!cmp(">", sum, "11 / 24"));
        let third = 0.33333333333333326;
        assert!(third < 1.0 / 3.0);
        assert!(cmp(">=", third, "1 / 3"));
        assert!(!cmp("<", third, "1 / 3"));
        assert!(cmp("==", third, "1/3"));
        let p = prog("members in [1 / 3]");
        assert!(p.eval_bool(&row2(0.0, third)));
        // Differences well above EPSILON still count.
        assert!(cmp("<", exact - 1e-6, "11 / 24"));
        assert!(cmp(">", exact + 1e-6, "11 / 24"));
        assert!(!cmp("==", exact + 1e-6, "11 / 24"));
        assert!(!cmp(">=", exact - 1e-6, "11 / 24"));
        // Infinities compare equal to themselves.
        assert!(cmp("==", f64::INFINITY, "1 / 0"));
    }

    #[test]
    fn short_circuit_skips_the_other_side() {
        // Only four slots: reading `children` (slot 4) would trip the
        // out-of-range debug assertion, so it must not be evaluated.
        let short = [1200.0, 0.0, 0.0, 0.0];
        assert_eq!(run_on("employed and children > 0", &short), 0.0);
        assert_eq!(run_on("not employed or children > 0", &short), 1.0);
        assert_eq!(
            run_on("if employed then children else income", &short),
            1200.0
        );
        assert_eq!(
            run_on("members > 0 and income / members < 3", &short),
            0.0,
            "no division by zero"
        );
        assert_eq!(run_on("members == 0 or income / members < 3", &short), 1.0);
    }

    #[test]
    fn reference_agrees_on_nested_programs() {
        let sources = [
            "min(income, members, children) + (if employed then 1 else max(1, 2, income))",
            "income > 0 and (members in [1, 2, children] or tenure not in [owner])",
            "clamp(round(income / members, 2), children, income * (1 + members))",
            "if employed then (if members > 1 then 1 else 2) else (if area == urban then 3 else 4)",
            "7",
        ];
        let rows = [ROW, row2(0.0, 0.0), [1.0, 1.0, 0.0, 1.0, 1.0, 0.0]];
        for src in sources {
            let p = prog(src);
            for row in &rows {
                let (tree, reference) = (p.eval(row), p.eval_reference(row));
                assert!(
                    tree.to_bits() == reference.to_bits() || (tree.is_nan() && reference.is_nan()),
                    "{src} on {row:?}: the tree gives {tree}, the reference {reference}"
                );
            }
        }
    }

    #[test]
    fn constant_program() {
        let p = prog("poverty_line_urban * 1.2");
        assert_eq!(p.as_const(), Some(1200.0));
        assert_eq!(p.eval(&[]), 1200.0);
        assert_eq!(p.slots_used(), &[] as &[usize]);
        let p = prog("income * 2 + members");
        assert_eq!(p.as_const(), None);
        assert_eq!(p.slots_used(), &[0, 1]);
    }

    #[test]
    fn folding_agrees_with_evaluation() {
        // The same expression, once over constants (folded) and once over slots.
        let cases = [
            ("A / B - round(A * 3.7, 1)", 7.25, 2.0),
            (
                "clamp(A, B, 10) * floor(B / 3) + ceil(A) - abs(-B)",
                7.25,
                2.0,
            ),
            (
                "if A >= B then min(A, B) else max(A, B, 3)",
                1.0 / 3.0,
                0.33333333333333326,
            ),
            ("A == B or A < B and not A > B", 0.1 + 0.2, 0.3),
            ("A in [1, B, 3] and A not in [4]", 2.0, 2.0 + 1e-12),
        ];
        for (src, a, b) in cases {
            let folded = prog(
                &src.replace('A', &format!("{a:?}"))
                    .replace('B', &format!("{b:?}")),
            );
            let dynamic = prog(&src.replace('A', "income").replace('B', "members"));
            let value = folded.as_const().unwrap();
            assert_eq!(value, run_on_prog(&dynamic, &row2(a, b)), "{src}");
        }
    }

    fn run_on_prog(p: &Program, row: &[f64]) -> f64 {
        p.eval(row)
    }

    #[test]
    fn deep_but_allowed_expressions_work() {
        // Near the nesting limit every pass (parse, check, fold, emit, eval,
        // display, drop) must stay within a 2 MiB thread stack, even unoptimised.
        let n = crate::expr::MAX_DEPTH - 2;
        let sources = [
            format!("{}income{}", "min(1, ".repeat(n), ")".repeat(n)),
            format!("{}income", "if employed then 1 else ".repeat(n)),
            format!("{}employed", "not ".repeat(n)),
            format!("{}income{}", "(".repeat(n), ")".repeat(n)),
            format!("income{}", " + 1".repeat(n)),
        ];
        let handle = std::thread::Builder::new()
            .stack_size(2 << 20)
            .spawn(move || {
                for src in sources {
                    let e = parse(&src).unwrap();
                    assert!(!e.to_string().is_empty());
                    assert!(!e.names().is_empty());
                    let (p, _) = compile(&e, &TestScope::new(), None).unwrap();
                    p.eval(&ROW);
                    p.eval_reference(&ROW);
                }
            })
            .unwrap();
        assert!(handle.join().is_ok());
    }
}
