//! `[[person_inputs]]`, `[persons]` and each household input's
//! `from_persons` reducer (issue 18).
//!
//! Person inputs have their own names (a person's `disabled` and the
//! household's `disabled` are different inputs): their expressions are
//! checked against a scope holding the person inputs and the parameters
//! only, so a household name inside a reducer is an "unknown name" with a
//! hint, like any other misplaced name.

use super::*;
use crate::policy::persons::{
    Dec, Output, Persons, Plan, Reducer, ReducerKind, TABLE_ENTRIES, Table,
};

/// What the checker builds of the person side; the schema policy is
/// completed once the household policy is (it shares its enums).
pub(super) struct PersonParts {
    inputs: Vec<Input>,
    id_input: usize,
    number: Option<usize>,
    supplied: Vec<usize>,
    reducers: Vec<Reducer>,
}

/// The shape of a reducer call: its name and the byte ranges (inside the
/// `from_persons` string) of the expression and the condition.
struct Call {
    kind: ReducerKind,
    name_span: Span,
    /// Between the parentheses, before any `where`.
    arg: Range<usize>,
    /// After `where`, if written; and the span of the word `where`.
    cond: Option<(Range<usize>, Span)>,
}

/// A reducer's argument: its text (trimmed), where it starts in the
/// `from_persons` string, and its span there.
struct Arg<'t> {
    text: &'t str,
    offset: usize,
    span: Span,
}

impl<'t> Arg<'t> {
    /// The argument of `call`, a reducer call in `text`.
    fn of(text: &'t str, call: &Call) -> Arg<'t> {
        let arg_text = text[call.arg.clone()].trim();
        let arg_offset = call.arg.start
            + (text[call.arg.clone()].len() - text[call.arg.clone()].trim_start().len());
        Arg {
            text: arg_text,
            offset: arg_offset,
            span: Span::new(arg_offset, arg_offset + arg_text.len().max(1)),
        }
    }
}

/// What a reducer's value is checked against.
struct Target<'a> {
    s: &'a SpannedStr,
    input: &'a Input,
    call: &'a Call,
    arg: &'a Arg<'a>,
    /// The person inputs.
    persons: &'a [Input],
}

/// A reducer's value, compiled and typed.
struct Typed {
    output: Output,
    value: Option<expr::Program>,
    /// The person input it reads, when it is a plain numeric one.
    plain: Option<usize>,
}

/// The numeric kind of a reducer's value: the type of the plain person
/// input it reads, or `Number` for anything computed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Integer,
    Money,
    Number,
}

impl Kind {
    fn word(self) -> &'static str {
        match self {
            Kind::Integer => "an integer",
            Kind::Money => "money",
            Kind::Number => "a number",
        }
    }
}

const REDUCER_LIST: &str = "count(), count(COND), sum(EXPR [where COND]), min(EXPR [where COND]), max(EXPR [where COND]), any(COND), all(COND), one(EXPR where COND)";

impl Checker<'_> {
    /// Names of person inputs, for the "wrong place" hint of household expressions.
    pub(super) fn collect_person_names(&mut self, raw: &RawPolicy) {
        for i in &raw.person_inputs {
            self.all_names
                .entry(i.name.get_ref().clone())
                .or_insert("a person input");
        }
    }

    /// The person side of the policy; called once household inputs and
    /// parameters are known. `None` when the policy has no person inputs
    /// (or they have errors, which are reported).
    pub(super) fn persons(&mut self, raw: &RawPolicy, inputs: &[Input]) -> Option<PersonParts> {
        for r in &raw.person_inputs {
            if let Some(f) = &r.from_persons {
                self.error(
                    f.span(),
                    "`from_persons` is for household inputs",
                    Some("a person input is read from the person file".into()),
                );
            }
        }
        if raw.person_inputs.is_empty() {
            self.no_person_inputs(raw);
            return None;
        }
        let id_name = inputs
            .iter()
            .find(|i| i.ty == InputType::Id)
            .map(|i| i.name.clone())?;

        // The person scope: parameters, then the person inputs.
        let household_map = std::mem::take(&mut self.map);
        // Household text inputs and tables are not visible to person expressions.
        let household_names = self.take_household_extras();
        let household_declared = std::mem::take(&mut self.declared);
        for (name, &(binding, ty)) in &household_map {
            if matches!(binding, Binding::Const(_)) {
                self.map.insert(name.clone(), (binding, ty));
                self.declared.insert(name.clone(), "a parameter");
            }
        }
        let number_name = raw
            .persons
            .as_ref()
            .and_then(|p| p.number.as_ref())
            .map(|n| n.get_ref().as_str());
        let person_inputs = self.person_inputs(&raw.person_inputs, &id_name, number_name);
        let number = raw
            .persons
            .as_ref()
            .and_then(|p| p.number.as_ref())
            .and_then(|n| self.person_number(n, &person_inputs));

        let mut supplied = Vec::new();
        let mut reducers = Vec::new();
        self.in_persons = true;
        for (i, r) in raw.inputs.iter().enumerate() {
            let (Some(f), Some(input)) = (&r.from_persons, inputs.get(i)) else {
                continue;
            };
            if let Some(red) = self.reducer(f, i, input, &person_inputs) {
                supplied.push(i);
                reducers.push(red);
            }
        }
        self.in_persons = false;
        self.map = household_map;
        (self.text_inputs, self.tables) = household_names;
        self.declared = household_declared;
        let (inputs, id_input) = person_inputs;
        Some(PersonParts {
            inputs,
            id_input,
            number,
            supplied,
            reducers,
        })
    }

    /// The errors of a policy without person inputs that uses them.
    fn no_person_inputs(&mut self, raw: &RawPolicy) {
        if let Some(p) = &raw.persons {
            let span = p.number.as_ref().map_or(0..0, |n| n.span());
            self.error(
                span,
                "`[persons]` without `[[person_inputs]]`",
                Some("declare the columns of the person file with [[person_inputs]]".into()),
            );
        }
        for r in &raw.inputs {
            if let Some(f) = &r.from_persons {
                self.error(
                    f.span(),
                    format!(
                        "input `{}` comes from persons, but the policy has no `[[person_inputs]]`",
                        r.name.get_ref()
                    ),
                    Some("declare the columns of the person file with [[person_inputs]], e.g. name = \"age\", type = \"integer\", required = true".into()),
                );
            }
        }
    }

    /// The person inputs, with the household key (the household id input's
    /// name) first when it is not declared; and the key's index.
    fn person_inputs(
        &mut self,
        raws: &[raw::RawInput],
        id_name: &str,
        number: Option<&str>,
    ) -> (Vec<Input>, usize) {
        let declared_key = raws.iter().position(|r| r.name.get_ref() == id_name);
        let mut inputs = Vec::new();
        if declared_key.is_none() {
            self.declared.insert(id_name.to_string(), "a person input");
            inputs.push(Input {
                name: id_name.to_string(),
                ty: InputType::Id,
                min: None,
                max: None,
                required: true,
                default: 0.0,
                default_text: String::new(),
                meaning: "the household this person belongs to".into(),
                label: String::new(),
                warn_if_missing: true,
            });
        }
        for r in raws {
            let is_key = r.name.get_ref() == id_name;
            let ty = r.ty.get_ref().as_str();
            if is_key && ty != "id" {
                self.error(
                    r.ty.span(),
                    format!("the person input `{id_name}` is the household key: its type is `id`"),
                    Some(format!(
                        "write type = \"id\" (each person row names its household by the household file's `{id_name}`)"
                    )),
                );
            } else if !is_key && ty == "id" {
                self.error(
                    r.ty.span(),
                    format!(
                        "person input `{}` has type `id`, but the household key of person rows is `{id_name}`",
                        r.name.get_ref()
                    ),
                    Some(format!(
                        "name the key `{id_name}` (the household id input's name), or leave it out: it is then implied"
                    )),
                );
            }
            self.declare(&r.name, "a person input");
            let slot = inputs.len();
            let optional = number == Some(r.name.get_ref().as_str());
            let input = self.input_with(r, slot, optional);
            inputs.push(input);
        }
        (inputs, declared_key.unwrap_or(0))
    }

    /// `[persons] number`: an integer person input.
    fn person_number(&mut self, n: &SpannedStr, inputs: &(Vec<Input>, usize)) -> Option<usize> {
        let name = n.get_ref();
        match inputs.0.iter().position(|i| &i.name == name) {
            Some(i) if inputs.0[i].ty == InputType::Integer => Some(i),
            Some(i) => {
                self.error(
                    n.span(),
                    format!(
                        "`[persons] number` must name an integer person input; `{name}` is {}",
                        inputs.0[i].ty.keyword()
                    ),
                    None,
                );
                None
            }
            None => {
                let names = inputs.0.iter().map(|i| i.name.as_str());
                let help = match expr::suggest(name, names) {
                    Some(s) => format!("did you mean `{s}`?"),
                    None => "declare it in [[person_inputs]] with type = \"integer\"".into(),
                };
                self.error(
                    n.span(),
                    format!("`[persons] number` names `{name}`, which is not a person input"),
                    Some(help),
                );
                None
            }
        }
    }

    /// Check and compile one `from_persons` reducer for household input `index`.
    fn reducer(
        &mut self,
        s: &SpannedStr,
        index: usize,
        input: &Input,
        persons: &(Vec<Input>, usize),
    ) -> Option<Reducer> {
        let text = s.get_ref().as_str();
        let call = match split_call(text) {
            Ok(c) => c,
            Err((span, message, help)) => {
                let span = self.inner_span(s, 0, span);
                self.error(span, message, help);
                return None;
            }
        };
        if input.ty.is_text() {
            self.error(
                s.span(),
                format!(
                    "input `{}` is text: it cannot come from persons",
                    input.name
                ),
                None,
            );
            return None;
        }
        let arg = Arg::of(text, &call);
        let arg_text = arg.text;
        self.check_call_shape(s, &call, &arg)?;
        let (cond_program, condition) = self.reducer_condition(s, &call, &arg)?;
        let target = Target {
            s,
            input,
            call: &call,
            arg: &arg,
            persons: &persons.0,
        };
        let mut condition = condition;
        let Typed {
            output,
            value,
            plain,
        } = match call.kind {
            ReducerKind::Count => self.count_value(&target)?,
            ReducerKind::Any | ReducerKind::All => {
                let typed = self.any_all_value(&target)?;
                condition = Some(collapse(arg_text));
                typed
            }
            ReducerKind::Sum | ReducerKind::Min | ReducerKind::Max => {
                self.sum_min_max_value(&target)?
            }
            ReducerKind::One => self.one_value(&target)?,
        };
        let if_none = (!input.required).then(|| self.default_text(input));
        Some(Reducer {
            input: index,
            kind: call.kind,
            source: collapse(text),
            condition,
            name: input.name.clone(),
            value,
            when: if call.kind == ReducerKind::Any || call.kind == ReducerKind::All {
                None
            } else {
                cond_program
            },
            plain,
            output,
            if_none,
            value_root: None,
            when_root: None,
            value_table: None,
            when_table: None,
        })
    }

    /// A reducer's condition, compiled, and its text: `count(COND)` or
    /// `where COND`.
    fn reducer_condition(
        &mut self,
        s: &SpannedStr,
        call: &Call,
        arg: &Arg<'_>,
    ) -> Option<(Option<expr::Program>, Option<String>)> {
        let text = s.get_ref().as_str();
        Some(match (&call.cond, call.kind) {
            (Some((range, _)), _) => {
                let (p, _) =
                    self.compile_at(s, &text[range.clone()], range.start, Some(Type::Bool))?;
                (Some(p), Some(collapse(&text[range.clone()])))
            }
            (None, ReducerKind::Count) if !arg.text.is_empty() => {
                let (p, _) = self.compile_at(s, arg.text, arg.offset, Some(Type::Bool))?;
                (Some(p), Some(collapse(arg.text)))
            }
            _ => (None, None),
        })
    }

    /// Check the shape of a reducer call before its parts are compiled: a
    /// `where` only where the reducer takes one, an argument where it needs
    /// one, a misspelt `where`, and `one` with a condition.
    fn check_call_shape(&mut self, s: &SpannedStr, call: &Call, arg: &Arg<'_>) -> Option<()> {
        let text = s.get_ref().as_str();
        let whole = Span::new(0, text.len());
        let arg_text = arg.text;
        let arg_offset = arg.offset;
        let kw = call.kind.keyword();
        // The argument and `where` each reducer takes.
        let (wants_arg, where_ok) = match call.kind {
            ReducerKind::Count => (false, false),
            ReducerKind::Any | ReducerKind::All => (true, false),
            ReducerKind::Sum | ReducerKind::Min | ReducerKind::Max | ReducerKind::One => {
                (true, true)
            }
        };
        if let Some((_, where_span)) = &call.cond {
            if !where_ok {
                let help = match call.kind {
                    ReducerKind::Count => "write the condition alone: `count(COND)`".to_string(),
                    _ => format!("write one condition: `{kw}(A and B)`"),
                };
                let span = self.inner_span(s, 0, *where_span);
                self.error(span, format!("`{kw}` takes no `where`"), Some(help));
                return None;
            }
        }
        if wants_arg && arg_text.is_empty() {
            let span = self.inner_span(s, 0, call.name_span.to(whole));
            self.error(
                span,
                format!("`{kw}` needs an argument"),
                Some(format!("reducers: {REDUCER_LIST}")),
            );
            return None;
        }
        if call.cond.is_none() && where_ok {
            if let Some(word) = misspelt_where(arg_text, &self.map, &self.enum_index) {
                let at = arg_offset + word.0;
                let span = self.inner_span(s, 0, Span::new(at, at + word.1.len()));
                self.error(
                    span,
                    format!("unknown name `{}`", word.1),
                    Some(format!(
                        "did you mean `where`? e.g. `{kw}(income where age >= 18)`"
                    )),
                );
                return None;
            }
        }
        if call.kind == ReducerKind::One && call.cond.is_none() {
            let span = self.inner_span(s, 0, call.name_span.to(whole));
            self.error(
                span,
                "`one` needs a condition: the value of the one person that matches it",
                Some("e.g. one(education where relationship == head)".into()),
            );
            return None;
        }
        Some(())
    }

    /// The error of a reducer whose value (`found`) does not fit its input.
    fn reducer_type_error(
        &mut self,
        t: &Target<'_>,
        span: Span,
        found: &str,
        help: Option<String>,
    ) {
        let span = self.inner_span(t.s, 0, span);
        self.error(
            span,
            format!(
                "`{}` gives {found}, but input `{}` is {}",
                t.call.kind.keyword(),
                t.input.name,
                type_words(t.input.ty)
            ),
            help,
        );
    }

    /// `count`: an integer, for an integer or number input.
    fn count_value(&mut self, t: &Target<'_>) -> Option<Typed> {
        if !matches!(t.input.ty, InputType::Integer | InputType::Number) {
            self.reducer_type_error(t, t.call.name_span, "an integer", None);
            return None;
        }
        Some(Typed {
            output: output_for(t.input.ty),
            value: None,
            plain: None,
        })
    }

    /// `any` and `all`: a boolean, for a boolean input.
    fn any_all_value(&mut self, t: &Target<'_>) -> Option<Typed> {
        let (p, _) = self.compile_at(t.s, t.arg.text, t.arg.offset, Some(Type::Bool))?;
        if t.input.ty != InputType::Bool {
            self.reducer_type_error(t, t.call.name_span, "a boolean", None);
            return None;
        }
        Some(Typed {
            output: Output::Bool,
            value: Some(p),
            plain: None,
        })
    }

    /// `sum`, `min` and `max`: a number, for an input of its numeric kind.
    fn sum_min_max_value(&mut self, t: &Target<'_>) -> Option<Typed> {
        let kw = t.call.kind.keyword();
        let (p, _) = self.compile_at(t.s, t.arg.text, t.arg.offset, Some(Type::Number))?;
        let kind = numeric_kind(&p, t.persons);
        if !accepts(t.input.ty, kind) {
            let help = match t.input.ty {
                InputType::Integer => Some(format!(
                    "an integer input takes `{kw}` of a plain integer person input (e.g. `{kw}(age)`); anything computed is a number"
                )),
                InputType::Money => Some(format!(
                    "a money input takes `{kw}` of a plain money or integer person input (e.g. `{kw}(income)`); anything computed is a number: declare the input as `number` to take it"
                )),
                _ => None,
            };
            self.reducer_type_error(t, t.arg.span, kind.word(), help);
            return None;
        }
        let plain = p.as_slot().filter(|&i| is_numeric(t.persons, i));
        Some(Typed {
            output: output_for(t.input.ty),
            value: Some(p),
            plain,
        })
    }

    /// `one`: the value of the one person that matches, of the input's type.
    fn one_value(&mut self, t: &Target<'_>) -> Option<Typed> {
        let expected = match t.input.ty {
            InputType::Bool => Some(Type::Bool),
            InputType::Integer | InputType::Number | InputType::Money => Some(Type::Number),
            _ => None,
        };
        let (p, ty) = self.compile_at(t.s, t.arg.text, t.arg.offset, expected)?;
        let output = match (t.input.ty, ty) {
            (InputType::Enum(h), Type::Enum(e)) => self.one_enum_output(t, h, e)?,
            (InputType::Enum(_), found) => {
                let found = match found {
                    Type::Bool => "a boolean",
                    _ => "a number",
                };
                self.reducer_type_error(t, t.arg.span, found, None);
                return None;
            }
            (ty, _) => {
                if matches!(ty, InputType::Integer | InputType::Money) {
                    let kind = numeric_kind(&p, t.persons);
                    if !accepts(ty, kind) {
                        self.reducer_type_error(t, t.arg.span, kind.word(), None);
                        return None;
                    }
                }
                output_for(ty)
            }
        };
        let plain = if matches!(output, Output::Integer | Output::Decimal) {
            p.as_slot().filter(|&i| is_numeric(t.persons, i))
        } else {
            None
        };
        Some(Typed {
            output,
            value: Some(p),
            plain,
        })
    }

    /// `one` of a person enum for a household enum input: every value it can
    /// give must be one the input allows.
    fn one_enum_output(&mut self, t: &Target<'_>, h: EnumId, e: EnumId) -> Option<Output> {
        let (s, arg_span, arg_text, name) = (t.s, t.arg.span, t.arg.text, &t.input.name);
        let from = self
            .enums
            .get(usize::from(e))
            .map(|d| d.values.clone())
            .unwrap_or_default();
        let into = self
            .enums
            .get(usize::from(h))
            .map(|d| d.values.clone())
            .unwrap_or_default();
        let missing: Vec<String> = from.iter().filter(|v| !into.contains(v)).cloned().collect();
        if !missing.is_empty() {
            let span = self.inner_span(s, 0, arg_span);
            self.error(
                span,
                format!(
                    "`{arg_text}` can be {}, which input `{name}` does not allow",
                    crate::policy::quote_list(&missing)
                ),
                Some(format!(
                    "`{name}` allows: {}",
                    crate::policy::quote_list(&into)
                )),
            );
            return None;
        }
        Some(Output::Enum(from))
    }

    /// A household input's default as the cell text a household file would hold.
    fn default_text(&self, input: &Input) -> Vec<u8> {
        match input.ty {
            InputType::Bool => (if input.default != 0.0 {
                "true"
            } else {
                "false"
            })
            .into(),
            InputType::Enum(e) => self
                .enums
                .get(usize::from(e))
                .and_then(|d| d.values.get(input.default as usize))
                .map(|v| v.as_bytes().to_vec())
                .unwrap_or_default(),
            InputType::Id | InputType::Text => input.default_text.as_bytes().to_vec(),
            _ => {
                let mut out = Vec::new();
                if let Some(d) = Dec::from_f64(input.default) {
                    d.write(&mut out);
                }
                out
            }
        }
    }

    /// Build [`Persons`] around an inputs-only schema policy.
    pub(super) fn finish_persons(&self, parts: PersonParts, household: &Policy) -> Persons {
        let cell_defaults = cell_defaults(&parts.inputs);
        let schema = schema_policy(parts.inputs, parts.id_input, household);
        let whole = whole_inputs(&schema.inputs);
        let domains = small_domains(&schema);
        let width = schema.inputs.len();
        let mut arena = expr::Arena::default();
        let mut reducers = parts.reducers;
        for red in &mut reducers {
            red.value_root = red.value.as_ref().map(|p| arena.add_whole(p, &whole));
            red.when_root = red.when.as_ref().map(|p| arena.add_whole(p, &whole));
            red.value_table = red
                .value
                .as_ref()
                .and_then(|p| Table::build(p, &domains, width));
            red.when_table = red
                .when
                .as_ref()
                .and_then(|p| Table::build(p, &domains, width));
        }
        let mut used: Vec<usize> = reducers
            .iter()
            .flat_map(|r| [&r.value_table, &r.when_table])
            .flatten()
            .flat_map(|t| t.slots())
            .collect();
        used.sort_unstable();
        used.dedup();
        let domains = used
            .into_iter()
            .filter_map(|slot| domains[slot].map(|(lo, n)| (slot, lo, n)))
            .collect();
        Persons {
            plan: Plan::new(&reducers),
            domains,
            schema: Box::new(schema),
            number: parts.number,
            supplied: parts.supplied,
            reducers,
            cell_defaults,
            arena,
        }
    }
}

/// Each person input's default as a decimal, for the optional numeric ones.
fn cell_defaults(inputs: &[Input]) -> Vec<Option<Dec>> {
    inputs
        .iter()
        .map(|i| match i.ty {
            InputType::Integer | InputType::Number | InputType::Money if !i.required => {
                Dec::from_f64(i.default)
            }
            _ => None,
        })
        .collect()
}

/// The inputs-only policy that reads the person file: the person inputs, and
/// the household policy's parameters and enums.
fn schema_policy(inputs: Vec<Input>, id_input: usize, household: &Policy) -> Policy {
    Policy {
        meta: household.meta.clone(),
        file: household.file.clone(),
        source: household.source.clone(),
        as_of: household.as_of.clone(),
        hash: household.hash.clone(),
        slot_count: inputs.len(),
        text_tests: Vec::new(),
        inputs,
        parameters: household.parameters.clone(),
        enums: household.enums.clone(),
        checks: Vec::new(),
        derived: Vec::new(),
        deprivation: None,
        order: Vec::new(),
        programs: Vec::new(),
        cap: None,
        provider_caps: Vec::new(),
        reasons: Vec::new(),
        tracks: Vec::new(),
        priority: None,
        default_review_months: household.default_review_months,
        fields: StandardFields {
            id_input,
            ..StandardFields::default()
        },
        warnings: Vec::new(),
        persons: None,
        lang: household.lang,
        languages: household.languages.clone(),
        words: household.words.clone(),
        ranking: None,
    }
}

/// The inputs whose values are whole numbers below 2^31 (bounded integers,
/// booleans, enum values): they compare exactly in f64, with no closeness
/// check needed.
fn whole_inputs(inputs: &[Input]) -> Vec<bool> {
    const LIMIT: f64 = 2_147_483_648.0;
    inputs
        .iter()
        .map(|i| match i.ty {
            InputType::Integer => {
                matches!((i.min, i.max), (Some(lo), Some(hi)) if lo > -LIMIT && hi < LIMIT)
            }
            InputType::Bool | InputType::Enum(_) => true,
            _ => false,
        })
        .collect()
}

/// Inputs of few whole values, for tabulated programs: the first value and
/// how many there are.
fn small_domains(schema: &Policy) -> Vec<Option<(f64, u32)>> {
    schema
        .inputs
        .iter()
        .map(|i| match i.ty {
            InputType::Integer => match (i.min, i.max) {
                (Some(lo), Some(hi)) if hi - lo < TABLE_ENTRIES as f64 => {
                    Some((lo.ceil(), (hi.floor() - lo.ceil() + 1.0).max(0.0) as u32))
                }
                _ => None,
            },
            InputType::Bool => Some((0.0, 2)),
            InputType::Enum(e) => schema
                .enums
                .get(usize::from(e))
                .and_then(|d| u32::try_from(d.values.len()).ok())
                .map(|n| (0.0, n)),
            _ => None,
        })
        .collect()
}

/// `count`, `sum`, … : how a household input of type `ty` is written.
fn output_for(ty: InputType) -> Output {
    match ty {
        InputType::Integer => Output::Integer,
        InputType::Bool => Output::Bool,
        _ => Output::Decimal,
    }
}

fn type_words(ty: InputType) -> &'static str {
    match ty {
        InputType::Integer => "an integer",
        InputType::Number => "a number",
        InputType::Money => "money",
        InputType::Bool => "a boolean",
        InputType::Enum(_) => "an enum",
        InputType::Date => "a date",
        InputType::Id | InputType::Text => "text",
    }
}

fn is_numeric(inputs: &[Input], i: usize) -> bool {
    inputs.get(i).is_some_and(|x| {
        matches!(
            x.ty,
            InputType::Integer | InputType::Number | InputType::Money
        )
    })
}

/// The kind of a numeric reducer value: a plain integer or money person
/// input keeps its type; anything else is a number.
fn numeric_kind(p: &expr::Program, inputs: &[Input]) -> Kind {
    match p.as_slot().and_then(|i| inputs.get(i)).map(|i| i.ty) {
        Some(InputType::Integer) => Kind::Integer,
        Some(InputType::Money) => Kind::Money,
        _ => Kind::Number,
    }
}

/// Whether a household input of type `ty` takes values of `kind`.
fn accepts(ty: InputType, kind: Kind) -> bool {
    match ty {
        InputType::Integer => kind == Kind::Integer,
        InputType::Money => kind != Kind::Number,
        InputType::Number => true,
        _ => false,
    }
}

/// A word of `text` (offset, word) that looks like a misspelt `where` and
/// is neither a name in scope nor an enum value.
fn misspelt_where<'t>(
    text: &'t str,
    names: &HashMap<String, (Binding, Type)>,
    enum_values: &[HashMap<String, usize>],
) -> Option<(usize, &'t str)> {
    let mut at = 0;
    for word in text.split(|c: char| !(c.is_ascii_alphanumeric() || c == '_')) {
        let start = at;
        at += word.len() + 1;
        if (4..=6).contains(&word.len())
            && word != "where"
            && expr::edit_distance(&word.to_ascii_lowercase(), "where") <= 2
            && !names.contains_key(word)
            && !enum_values
                .iter()
                .any(|v| v.contains_key(&word.to_ascii_lowercase()))
        {
            return Some((start, word));
        }
    }
    None
}

mod call;
use call::{collapse, split_call};

#[cfg(test)]
mod tests;
