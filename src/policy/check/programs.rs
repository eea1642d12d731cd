//! `[[programs]]`, `[[reasons]]`, `[[tracks]]` and the decision's standard
//! fields.

use super::*;

impl Checker<'_> {
    pub(super) fn programs(&mut self, raws: &[raw::RawProgram], first_slot: usize) -> Vec<Benefit> {
        let mut out = Vec::new();
        for (i, r) in raws.iter().enumerate() {
            if let Some(b) = self.benefit(r, first_slot + i) {
                out.push(b);
            }
        }
        out
    }

    /// One program, granted in `granted_slot`; its id becomes visible to
    /// the programs after it (and to cap, reasons, tracks and priority).
    fn benefit(&mut self, r: &raw::RawProgram, granted_slot: usize) -> Option<Benefit> {
        let declared = self.declare(&r.id, "a program");
        let period = self.period(&r.period);
        if !is_identifier(r.kind.get_ref()) {
            self.error(
                r.kind.span(),
                format!("`{}` is not a valid program kind", r.kind.get_ref()),
                Some("kinds are names such as emergency, basic_needs, long_term, capacity".into()),
            );
        }
        let eligible = self.compile_bool(&r.eligible);
        let amount = self.compile_number(&r.amount);
        let reduced_by = r.reduced_by.as_ref().map(|e| self.compile_number(e));
        let (provider, lead) = self.provider(r.provider.as_ref());
        let duration = r.duration_months.as_ref().map(|d| self.compile_number(d));
        let deferred = r.deferred_when.as_ref().map(|d| self.compile_bool(d));
        let starts = r
            .starts_after_months
            .as_ref()
            .map(|d| self.compile_number(d));
        if let (Some(s), None) = (&r.starts_after_months, &r.deferred_when) {
            self.error(
                s.span(),
                "`starts_after_months` needs `deferred_when`",
                None,
            );
        }
        let reason = r.reason.as_ref().map(|t| self.template(t));
        let denied = r.denied_reason.as_ref().map(|t| self.template(t));
        let review = match &r.review_months {
            Some(m) => self.months(m),
            None => Some(self.default_review),
        };
        if declared {
            self.map.insert(
                r.id.get_ref().clone(),
                (Binding::Slot(granted_slot), Type::Bool),
            );
        }
        Some(Benefit {
            id: r.id.get_ref().clone(),
            name: self.text(r.name.as_ref(), "this name"),
            kind: r.kind.get_ref().clone(),
            provider,
            lead,
            excluded_by: Vec::new(),
            reduced_by: reduced_by.flatten(),
            eligible: eligible?,
            amount: amount?,
            period: period?,
            duration_months: duration.flatten(),
            review_months: review?,
            deferred_when: deferred.flatten(),
            starts_after_months: starts.flatten(),
            reason: reason.flatten(),
            denied_reason: denied.flatten(),
            granted_slot,
        })
    }

    /// `month` or `one-off`.
    fn period(&mut self, period: &SpannedStr) -> Option<Period> {
        match period.get_ref().as_str() {
            "month" => Some(Period::Month),
            "one-off" => Some(Period::OneOff),
            other => {
                let help = match expr::suggest(other, ["month", "one-off"]) {
                    Some(s) => format!("did you mean `{s}`? periods: month, one-off"),
                    None => "periods: month, one-off".into(),
                };
                self.error(
                    period.span(),
                    format!("unknown period `{other}`"),
                    Some(help),
                );
                None
            }
        }
    }

    pub(super) fn reasons(&mut self, raws: &[raw::RawReason]) -> Vec<Reason> {
        let mut out = Vec::new();
        for r in raws {
            let when = self.compile_bool(&r.when);
            let text = self.template(&r.text);
            if let (Some(when), Some(text)) = (when, text) {
                out.push(Reason {
                    id: r.id.get_ref().clone(),
                    when,
                    text,
                });
            }
        }
        out
    }

    pub(super) fn tracks(&mut self, raws: &[raw::RawTrack]) -> Vec<Track> {
        let mut out = Vec::new();
        let mut always: Option<String> = None;
        let mut seen: std::collections::HashSet<&str> = Default::default();
        for r in raws {
            work::count(1);
            if let Some(prev) = &always {
                self.error(
                    r.id.span(),
                    format!("track rule `{}` can never be chosen", r.id.get_ref()),
                    Some(format!(
                        "the rule `{prev}` before it always holds; move it to the end"
                    )),
                );
            }
            if !seen.insert(r.id.get_ref()) {
                self.error(
                    r.id.span(),
                    format!("track `{}` is declared twice", r.id.get_ref()),
                    None,
                );
            }
            if !is_identifier(r.id.get_ref()) {
                self.error(
                    r.id.span(),
                    format!("`{}` is not a valid track id", r.id.get_ref()),
                    None,
                );
            }
            let when = match &r.when {
                Some(w) => match self.compile_bool(w) {
                    Some(p) => Some(p),
                    None => continue,
                },
                None => None,
            };
            let is_always = when.as_ref().is_none_or(|p| p.as_const() == Some(1.0));
            if is_always && always.is_none() {
                always = Some(r.id.get_ref().clone());
            }
            let reason = r.reason.as_ref().and_then(|t| self.template(t));
            out.push(Track {
                id: r.id.get_ref().clone(),
                when,
                reason,
            });
        }
        if always.is_none() {
            let span = raws.last().map_or(0..0, |r| r.id.span());
            self.error(
                span,
                "the last track rule must always hold",
                Some("end the [[tracks]] list with a rule without `when`, e.g. id = \"not_eligible\"".into()),
            );
        }
        out
    }

    pub(super) fn fields(
        &mut self,
        inputs: &[Input],
        derived: &[Derived],
    ) -> Option<StandardFields> {
        let find = |name: &str| -> Option<(usize, Type)> {
            if let Some((i, inp)) = inputs.iter().enumerate().find(|(_, i)| i.name == name) {
                let ty = match inp.ty {
                    InputType::Bool => Type::Bool,
                    InputType::Enum(e) => Type::Enum(e),
                    InputType::Id | InputType::Text => return None,
                    _ => Type::Number,
                };
                return Some((i, ty));
            }
            derived
                .iter()
                .find(|d| d.name == name)
                .map(|d| (d.slot, d.ty))
        };
        let mut fields = StandardFields {
            id_input: inputs.iter().position(|i| i.ty == InputType::Id)?,
            region_input: inputs
                .iter()
                .position(|i| i.name == "region" && i.ty == InputType::Text),
            ..Default::default()
        };
        let want = |this: &mut Self, name: &str, ty: &str| -> Option<(usize, Type)> {
            let (slot, t) = find(name)?;
            let ok = match ty {
                "number" => t == Type::Number,
                "bool" => t == Type::Bool,
                _ => matches!(t, Type::Enum(_)),
            };
            if !ok {
                this.diags.push(Diagnostic::whole_file(
                    this.file,
                    format!("`{name}` must be a {ty}: it is a standard decision field"),
                    Some(
                        "rename the value, or give it the type the decision contract expects"
                            .into(),
                    ),
                ));
                return None;
            }
            Some((slot, t))
        };
        fields.income_status = want(self, "income_status", "enum").and_then(|(s, t)| match t {
            Type::Enum(e) => Some((s, e)),
            _ => None,
        });
        fields.per_capita_income = want(self, "per_capita_income", "number").map(|x| x.0);
        fields.poverty_line = want(self, "poverty_line", "number").map(|x| x.0);
        fields.emergency = want(self, "emergency", "bool").map(|x| x.0);
        fields.labour_capacity = want(self, "labour_capacity", "bool").map(|x| x.0);
        Some(fields)
    }
}
