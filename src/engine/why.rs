//! Why a program was decided as it was: the conditions of its `eligible`
//! expression that decided it, each with the household's value and, for a
//! comparison, the threshold. For a denied program these are the conditions
//! that failed; for a granted one, those that held. The family view of
//! `explain` reads them out; nothing here runs per row of `assess`.
//!
//! The expression is parsed again from its source and each deciding part is
//! compiled against the loaded policy's names and evaluated on the
//! household's slots, so the answer is exactly what the engine computed.

use crate::expr::ast::{BinOp, ExprKind, UnOp};
use crate::expr::{self, Binding, EnumId, Expr, Scope, Type};
use crate::policy::{InputType, Policy};

/// One deciding condition.
#[derive(Debug, Clone, PartialEq)]
pub struct Condition {
    /// What it is about: a label in the policy's language (`someone in the
    /// household is able to work`), a program's name, or the expression text.
    pub text: String,
    /// Whether the condition holds for the household.
    pub holds: bool,
    /// A comparison's left side as the household has it (`0`, `perdesaan`).
    pub value: Option<String>,
    /// What the comparison asks of it (`≥ 1`, `= poor`).
    pub needs: Option<String>,
    /// Inside a labelled yes/no value: the conditions of its own definition
    /// that decided it.
    pub inner: Vec<Condition>,
    /// A yes/no value (no comparison): `value` and `needs` are its words.
    pub yes_no: bool,
}

/// How deep labelled values are opened (`basic_needs_target` → `income_status`).
const DEPTH: usize = 2;

/// The deciding conditions of the boolean expression whose source is
/// `source`, on the household's `slots`. Empty when it cannot be read again
/// (it always can for a loaded policy) or is a constant.
pub fn deciding(policy: &Policy, source: &str, slots: &[f64]) -> Vec<Condition> {
    let Ok(e) = expr::parse(source) else {
        return Vec::new();
    };
    let why = Why {
        policy,
        slots,
        scope: PolicyScope { p: policy },
    };
    why.node(&e, source, DEPTH, false)
}

struct Why<'a> {
    policy: &'a Policy,
    slots: &'a [f64],
    scope: PolicyScope<'a>,
}

impl Why<'_> {
    /// The value and type of `e`, or `None` if it does not compile.
    fn eval(&self, e: &Expr) -> Option<(f64, Type)> {
        let (p, ty) = expr::compile(e, &self.scope, None).ok()?;
        Some((p.eval(self.slots), ty))
    }

    fn holds(&self, e: &Expr) -> bool {
        self.eval(e).is_some_and(|(v, _)| v != 0.0)
    }

    /// The deciding conditions of `e`; `negated` when it stands under `not`
    /// (a yes/no value is then needed to be no).
    fn node(&self, e: &Expr, source: &str, depth: usize, negated: bool) -> Vec<Condition> {
        match e.kind() {
            ExprKind::Binary(op @ (BinOp::And | BinOp::Or), a, b) => {
                let v = self.holds(e);
                // `and` that holds and `or` that fails: every side decided.
                let all = (*op == BinOp::And) == v;
                if all {
                    let mut out = self.node(a, source, depth, negated);
                    out.extend(self.node(b, source, depth, negated));
                    out
                } else {
                    // The first side with the whole's value decided it.
                    let side = if self.holds(a) == v { a } else { b };
                    self.node(side, source, depth, negated)
                }
            }
            ExprKind::Unary(UnOp::Not, x) => self.node(x, source, depth, !negated),
            ExprKind::Bool(_) | ExprKind::Number(_) => Vec::new(),
            _ => vec![self.atom(e, source, depth, negated)],
        }
    }

    /// The value of `e` where a value of type `ty` is expected: a bare enum
    /// value (`poor`, `none`) is read as one of that enum's values.
    fn eval_as(&self, e: &Expr, ty: Type) -> Option<(f64, Type)> {
        if let (ExprKind::Name(n) | ExprKind::Str(n), Type::Enum(id)) = (e.kind(), ty) {
            if self.scope.resolve(n).is_none() {
                let i = self.scope.enum_value_index(id, n)?;
                return Some((i as f64, ty));
            }
        }
        self.eval(e)
    }

    /// The source text of `e`.
    fn text<'s>(&self, e: &Expr, source: &'s str) -> &'s str {
        let span = e.span();
        source.get(span.start..span.end).unwrap_or(source).trim()
    }

    fn atom(&self, e: &Expr, source: &str, depth: usize, negated: bool) -> Condition {
        let holds = self.holds(e);
        let mut c = Condition {
            text: self.text(e, source).to_string(),
            holds,
            value: None,
            needs: None,
            inner: Vec::new(),
            yes_no: false,
        };
        match e.kind() {
            ExprKind::Name(name) => {
                self.name(&mut c, name, depth);
                c.yes_no = true;
                c.value = Some(self.show(f64::from(u8::from(holds)), Type::Bool));
                c.needs = Some(self.show(f64::from(u8::from(!negated)), Type::Bool));
            }
            ExprKind::Binary(op, a, b) => {
                let sign = match op {
                    BinOp::Lt => "<",
                    BinOp::Le => "≤",
                    BinOp::Gt => ">",
                    BinOp::Ge => "≥",
                    BinOp::Eq => "=",
                    BinOp::Ne => "≠",
                    _ => return c,
                };
                let left = self.eval(a);
                let right = left.and_then(|(_, ty)| self.eval_as(b, ty));
                if let (Some(left), Some(right)) = (left, right) {
                    c.text = self.about(a, source);
                    c.value = Some(self.show(left.0, left.1));
                    c.needs = Some(format!("{sign} {}", self.show(right.0, right.1)));
                }
            }
            ExprKind::In {
                value,
                items,
                negated,
            } => {
                if let Some((v, ty)) = self.eval(value) {
                    c.text = self.about(value, source);
                    c.value = Some(self.show(v, ty));
                    let items: Vec<String> = items
                        .iter()
                        .filter_map(|i| self.eval_as(i, ty).map(|(v, ty)| self.show(v, ty)))
                        .collect();
                    let sign = if *negated { "∉" } else { "∈" };
                    c.needs = Some(format!("{sign} {{{}}}", items.join(", ")));
                }
            }
            _ => {}
        }
        c
    }

    /// A value's name, or its label when it has one.
    fn about(&self, e: &Expr, source: &str) -> String {
        if let ExprKind::Name(n) = e.kind() {
            if let Some(label) = self.label(n) {
                return label.to_string();
            }
        }
        self.text(e, source).to_string()
    }

    /// The label of a derived value or an input, when it has one.
    fn label(&self, name: &str) -> Option<&str> {
        let p = self.policy;
        let derived = p.derived.iter().find(|d| d.name == name).map(|d| &d.label);
        let input = || p.inputs.iter().find(|i| i.name == name).map(|i| &i.label);
        derived
            .or_else(input)
            .filter(|l| !l.is_empty())
            .map(String::as_str)
    }

    /// A yes/no name: a labelled derived value (opened one level more), a
    /// program (by its name), or an input.
    fn name(&self, c: &mut Condition, name: &str, depth: usize) {
        let p = self.policy;
        if let Some(d) = p.derived.iter().find(|d| d.name == name) {
            if !d.label.is_empty() {
                c.text = d.label.clone();
            }
            if depth > 0 {
                if let Ok(e) = expr::parse(d.program.source()) {
                    c.inner = self.node(&e, d.program.source(), depth - 1, false);
                }
            }
        } else if let Some(prog) = p.programs.iter().find(|g| g.id == name) {
            if !prog.name.is_empty() {
                c.text = prog.name.clone();
            }
        } else if let Some(label) = self.label(name) {
            c.text = label.to_string();
        }
    }

    /// A value as a person reads it in the policy's language.
    fn show(&self, v: f64, ty: Type) -> String {
        let p = self.policy;
        match ty {
            Type::Bool => if v != 0.0 { &p.words.yes } else { &p.words.no }.clone(),
            Type::Enum(id) => p
                .enums
                .get(usize::from(id))
                .map_or("?", |e| e.shown(v as usize))
                .to_string(),
            Type::Number if v.fract() != 0.0 && v.abs() < 1.0 => {
                let text = p.lang.fixed(v, 4);
                let dec = char::from(p.lang.decimal_separator());
                text.trim_end_matches('0').trim_end_matches(dec).to_string()
            }
            Type::Number => p.lang.number(v),
        }
    }
}

/// The names of a loaded policy, for compiling parts of its expressions again.
struct PolicyScope<'p> {
    p: &'p Policy,
}

impl Scope for PolicyScope<'_> {
    fn resolve(&self, name: &str) -> Option<(Binding, Type)> {
        let p = self.p;
        if let Some((i, input)) = p.inputs.iter().enumerate().find(|(_, i)| i.name == name) {
            let ty = match input.ty {
                InputType::Id | InputType::Text => return None,
                InputType::Bool => Type::Bool,
                InputType::Enum(e) => Type::Enum(e),
                _ => Type::Number,
            };
            return Some((Binding::Slot(i), ty));
        }
        if let Some(d) = p.derived.iter().find(|d| d.name == name) {
            return Some((Binding::Slot(d.slot), d.ty));
        }
        if let Some(par) = p.parameters.iter().find(|x| x.name == name) {
            return Some((Binding::Const(par.value), Type::Number));
        }
        if let Some(g) = p.programs.iter().find(|g| g.id == name) {
            return Some((Binding::Slot(g.granted_slot), Type::Bool));
        }
        if let (Some(r), "decile") = (&p.ranking, name) {
            return Some((Binding::Slot(r.decile_slot), Type::Number));
        }
        let dep = p.deprivation.as_ref()?;
        match name {
            "deprivation_score" => Some((Binding::Slot(dep.score_slot), Type::Number)),
            "deprivation_status" => {
                Some((Binding::Slot(dep.status_slot), Type::Enum(dep.status_enum)))
            }
            _ => None,
        }
    }

    fn enum_values(&self, id: EnumId) -> &[String] {
        self.p
            .enums
            .get(usize::from(id))
            .map_or(&[], |e| &e.values[..])
    }

    fn enum_label(&self, id: EnumId) -> &str {
        self.p
            .enums
            .get(usize::from(id))
            .map_or("", |e| e.label.as_str())
    }

    fn may_suggest(&self) -> bool {
        false
    }

    fn names(&self) -> Vec<String> {
        Vec::new()
    }
}
