//! `[[inputs]]`: types, bounds, defaults and the one id column.

use super::*;

impl Checker<'_> {
    pub(super) fn inputs(&mut self, raws: &[raw::RawInput]) -> Vec<Input> {
        let mut inputs = Vec::new();
        for r in raws {
            self.declare(&r.name, "an input");
            let slot = inputs.len();
            let input = self.input(r, slot);
            if input.ty == InputType::Text {
                // Usable in text tests (`region == '5201'`).
                self.text_inputs.insert(input.name.clone(), slot);
            }
            if input.ty == InputType::Date {
                self.date_slots.push(slot);
            }
            inputs.push(input);
        }
        self.one_id(raws, &inputs);
        inputs
    }

    /// One input in `slot`, visible to expressions unless it is text.
    pub(super) fn input(&mut self, r: &raw::RawInput, slot: usize) -> Input {
        self.input_with(r, slot, false)
    }

    /// One input; `optional` allows neither a default nor `required` (the
    /// person number: an empty cell reads 0, "not numbered").
    pub(super) fn input_with(&mut self, r: &raw::RawInput, slot: usize, optional: bool) -> Input {
        let ty = self.input_type(r);
        if !matches!(ty, InputType::Enum(_)) && !r.values.is_empty() {
            self.error(r.values[0].span(), "`values` is only for enum inputs", None);
        }
        self.labels_of(ty, &r.labels);
        let numeric = matches!(
            ty,
            InputType::Integer | InputType::Number | InputType::Money
        );
        let min = self.input_bound(&r.min, "min", numeric);
        let max = self.input_bound(&r.max, "max", numeric);
        if let (Some(lo), Some(hi)) = (min, max) {
            if lo > hi {
                if let Some(m) = &r.max {
                    self.error(m.span(), format!("max {hi} is below min {lo}"), None);
                }
            }
        }
        let (default, default_text) = self.input_default(r, ty, min, max);
        if !(optional && r.default.is_none() && !r.required) {
            self.required_or_default(r, ty);
        }
        if !ty.is_text() {
            let t = match ty {
                InputType::Bool => Type::Bool,
                InputType::Enum(id) => Type::Enum(id),
                _ => Type::Number,
            };
            self.map
                .insert(r.name.get_ref().clone(), (Binding::Slot(slot), t));
        }
        Input {
            name: r.name.get_ref().clone(),
            ty,
            min,
            max,
            required: r.required,
            default,
            default_text,
            meaning: r.meaning.clone(),
            label: self.text(r.label.as_ref(), "this label"),
            warn_if_missing: self.warn_if_missing(r),
        }
    }

    /// The declared type; an enum's values become a new enum.
    fn input_type(&mut self, r: &raw::RawInput) -> InputType {
        match r.ty.get_ref().as_str() {
            "id" => InputType::Id,
            "text" => InputType::Text,
            "integer" => InputType::Integer,
            "number" => InputType::Number,
            "money" => InputType::Money,
            "date" => InputType::Date,
            "bool" => InputType::Bool,
            "enum" => {
                let values = self.enum_values(&r.name, &r.values).unwrap_or_default();
                InputType::Enum(self.new_enum(r.name.get_ref(), values))
            }
            other => {
                const TYPES: [&str; 8] = [
                    "id", "text", "integer", "number", "money", "bool", "enum", "date",
                ];
                let help = match expr::suggest(other, TYPES) {
                    Some(s) => format!("did you mean `{s}`? types: {}", TYPES.join(", ")),
                    None => format!("types: {}", TYPES.join(", ")),
                };
                self.error(
                    r.ty.span(),
                    format!("unknown input type `{other}`"),
                    Some(help),
                );
                self.failed.insert(r.name.get_ref().clone());
                InputType::Number
            }
        }
    }

    /// `min` or `max`: a constant, and only on numeric inputs.
    fn input_bound(
        &mut self,
        v: &Option<Spanned<RawScalar>>,
        what: &str,
        numeric: bool,
    ) -> Option<f64> {
        let v = v.as_ref()?;
        if !numeric {
            self.error(
                v.span(),
                format!("`{what}` is only for integer, number and money inputs"),
                None,
            );
            return None;
        }
        self.constant(v, what)
    }

    /// An input has a default or is required, not both; the id has no default.
    fn required_or_default(&mut self, r: &raw::RawInput, ty: InputType) {
        if let Some(d) = &r.default {
            if ty == InputType::Id {
                self.error(
                    d.span(),
                    "the id input cannot have a default",
                    Some("every household needs its own id: use `required = true`".into()),
                );
            }
            if r.required {
                self.error(
                    d.span(),
                    format!("input `{}` is required and has a default", r.name.get_ref()),
                    Some("keep one: `required = true` or `default = …`".into()),
                );
            }
        }
        if !r.required && r.default.is_none() && ty != InputType::Text {
            self.error(
                r.name.span(),
                format!("input `{}` has no default and is not required", r.name.get_ref()),
                Some("add `default = …` (used for empty cells and a missing column) or `required = true`".into()),
            );
        }
    }

    /// Exactly one input identifies the household.
    fn one_id(&mut self, raws: &[raw::RawInput], inputs: &[Input]) {
        let ids: Vec<usize> = (0..inputs.len())
            .filter(|&i| inputs[i].ty == InputType::Id)
            .collect();
        if ids.len() != 1 {
            let msg = if ids.is_empty() {
                "no input has `type = \"id\"`"
            } else {
                "more than one input has `type = \"id\"`"
            };
            let span = ids.get(1).map_or(0..0, |&i| raws[i].ty.span());
            self.error(
                span,
                msg,
                Some("exactly one input identifies the household, e.g. name = \"household_id\", type = \"id\", required = true".into()),
            );
        }
    }

    pub(super) fn input_default(
        &mut self,
        r: &raw::RawInput,
        ty: InputType,
        min: Option<f64>,
        max: Option<f64>,
    ) -> (f64, String) {
        let Some(d) = &r.default else {
            return (0.0, String::new());
        };
        let name = r.name.get_ref();
        let bad = |this: &mut Self, expected: &str| {
            this.error(
                d.span(),
                format!("the default of `{name}` must be {expected}"),
                None,
            );
            (0.0, String::new())
        };
        match (ty, d.get_ref()) {
            (InputType::Text | InputType::Id, RawScalar::Text(t)) => (0.0, t.clone()),
            (InputType::Text | InputType::Id, _) => bad(self, "a string"),
            (InputType::Bool, RawScalar::Bool(b)) => (f64::from(u8::from(*b)), String::new()),
            (InputType::Bool, _) => bad(self, "true or false"),
            (InputType::Enum(id), RawScalar::Text(t)) => {
                let lower = t.trim().to_ascii_lowercase();
                let found = self
                    .enum_index
                    .get(usize::from(id))
                    .and_then(|index| index.get(&lower).copied());
                match found {
                    Some(i) => (i as f64, String::new()),
                    None => {
                        let values = self
                            .enums
                            .get(usize::from(id))
                            .map_or(&[][..], |e| e.values.as_slice());
                        let help = format!("allowed values: {}", crate::policy::quote_list(values));
                        self.error(
                            d.span(),
                            format!("the default `{t}` is not an allowed value of `{name}`"),
                            Some(help),
                        );
                        (0.0, String::new())
                    }
                }
            }
            (InputType::Enum(_), _) => bad(self, "one of its values, as a string"),
            (InputType::Date, RawScalar::Text(t)) => {
                match crate::expr::dates::parse_iso(t.trim().as_bytes()) {
                    Some(days) => (days as f64, String::new()),
                    None => bad(self, "a date written YYYY-MM-DD"),
                }
            }
            (InputType::Date, _) => bad(self, "a date written YYYY-MM-DD, as a string"),
            (_, RawScalar::Integer(_) | RawScalar::Float(_)) => {
                let v = match d.get_ref() {
                    RawScalar::Integer(i) => *i as f64,
                    RawScalar::Float(f) => *f,
                    _ => 0.0,
                };
                if ty == InputType::Integer && v.fract() != 0.0 {
                    return bad(self, "a whole number");
                }
                if min.is_some_and(|m| v < m) || max.is_some_and(|m| v > m) {
                    self.error(
                        d.span(),
                        format!("the default of `{name}` is out of its range"),
                        None,
                    );
                }
                (v, String::new())
            }
            _ => bad(self, "a number"),
        }
    }
}
