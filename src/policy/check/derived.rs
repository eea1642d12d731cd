//! `[[derived]]` values and the `[deprivation]` indicators: slots, types
//! and compilation in dependency order.

use super::*;

/// Where the computed values live: derived values from `first_derived`, then
/// indicators, then the score and the status.
struct ComputedSlots {
    /// Computed names → their node, for the dependency graph.
    names: HashMap<String, Node>,
    first_derived: usize,
    indicator_first: usize,
    score_slot: usize,
    status_slot: usize,
    /// The first slot after the computed values (programs start here).
    next_slot: usize,
}

impl Checker<'_> {
    /// Derived values and deprivation: slots, dependency order, compilation.
    pub(super) fn computed(
        &mut self,
        raws: &[raw::RawDerived],
        dep: Option<&raw::RawDeprivation>,
        first_slot: usize,
    ) -> (Vec<Derived>, Option<Deprivation>, Vec<Node>, usize) {
        let layout = self.computed_slots(raws, dep, first_slot);
        let nodes = self.dependency_graph(raws, dep, &layout.names);
        let Some(order) = self.topo_sort(&nodes, raws, dep) else {
            self.cycle = true;
            return (Vec::new(), None, Vec::new(), layout.next_slot);
        };
        let (derived, deprivation) = self.compile_computed(&order, raws, dep, &layout);
        (derived, deprivation, order, layout.next_slot)
    }

    /// Slots and names first, so that dependencies can be found by name.
    fn computed_slots(
        &mut self,
        raws: &[raw::RawDerived],
        dep: Option<&raw::RawDeprivation>,
        first_slot: usize,
    ) -> ComputedSlots {
        let mut names: HashMap<String, Node> = HashMap::new();
        for (i, r) in raws.iter().enumerate() {
            if self.declare(&r.name, "a derived value") {
                names.insert(r.name.get_ref().clone(), Node::Derived(i));
            }
        }
        let indicator_first = first_slot + raws.len();
        let mut next_slot = indicator_first;
        let (score_slot, status_slot) = if let Some(d) = dep {
            next_slot += d.indicators.len();
            let score = Spanned::new(0..0, "deprivation_score".to_string());
            let status = Spanned::new(0..0, "deprivation_status".to_string());
            if self.declare(&score, "the deprivation score") {
                names.insert("deprivation_score".into(), Node::Score);
            }
            if self.declare(&status, "the deprivation status") {
                names.insert("deprivation_status".into(), Node::Status);
            }
            next_slot += 2;
            (next_slot - 2, next_slot - 1)
        } else {
            (0, 0)
        };
        ComputedSlots {
            names,
            first_derived: first_slot,
            indicator_first,
            score_slot,
            status_slot,
            next_slot,
        }
    }

    /// Each computed value and what it depends on, parsing every expression once.
    fn dependency_graph(
        &mut self,
        raws: &[raw::RawDerived],
        dep: Option<&raw::RawDeprivation>,
        names: &HashMap<String, Node>,
    ) -> Vec<(Node, Vec<Node>)> {
        let mut nodes: Vec<(Node, Vec<Node>)> = Vec::new();
        for (i, r) in raws.iter().enumerate() {
            let deps = self.deps(&r.expr, names);
            nodes.push((Node::Derived(i), deps));
        }
        if let Some(d) = dep {
            for (j, ind) in d.indicators.iter().enumerate() {
                let deps = self.deps(&ind.when, names);
                nodes.push((Node::Indicator(j), deps));
            }
            nodes.push((
                Node::Score,
                (0..d.indicators.len()).map(Node::Indicator).collect(),
            ));
            nodes.push((Node::Status, vec![Node::Score]));
        }
        nodes
    }

    /// Compile in dependency order, making each name visible once it is typed.
    fn compile_computed(
        &mut self,
        order: &[Node],
        raws: &[raw::RawDerived],
        dep: Option<&raw::RawDeprivation>,
        layout: &ComputedSlots,
    ) -> (Vec<Derived>, Option<Deprivation>) {
        let mut derived: Vec<Option<Derived>> = (0..raws.len()).map(|_| None).collect();
        let mut indicators: Vec<Option<Indicator>> = dep
            .map(|d| (0..d.indicators.len()).map(|_| None).collect())
            .unwrap_or_default();
        let status_enum = if dep.is_some() {
            let id = self.new_enum(
                "deprivation_status",
                DEPRIVATION_STATUSES.iter().map(|s| s.to_string()).collect(),
            );
            self.status_labels(id);
            id
        } else {
            0
        };
        for node in order {
            match *node {
                Node::Derived(i) => {
                    derived[i] = self.derived_value(&raws[i], layout.first_derived + i);
                }
                Node::Indicator(j) => {
                    let Some(d) = dep else { continue };
                    indicators[j] = self.indicator(&d.indicators[j], layout.indicator_first + j);
                }
                Node::Score => {
                    self.map.insert(
                        "deprivation_score".into(),
                        (Binding::Slot(layout.score_slot), Type::Number),
                    );
                }
                Node::Status => {
                    self.map.insert(
                        "deprivation_status".into(),
                        (Binding::Slot(layout.status_slot), Type::Enum(status_enum)),
                    );
                }
            }
        }
        let deprivation = dep.and_then(|d| {
            self.deprivation(
                d,
                indicators,
                layout.score_slot,
                layout.status_slot,
                status_enum,
            )
        });
        (derived.into_iter().flatten().collect(), deprivation)
    }

    /// One derived value in `slot`; its name becomes visible to later expressions.
    fn derived_value(&mut self, r: &raw::RawDerived, slot: usize) -> Option<Derived> {
        let Some(declared) = self.derived_type(r) else {
            self.failed.insert(r.name.get_ref().clone());
            return None;
        };
        let Some((program, ty)) = self.compile(&r.expr, declared) else {
            match declared {
                // Later expressions can still be checked against the declared type.
                Some(ty) => {
                    self.map
                        .insert(r.name.get_ref().clone(), (Binding::Slot(slot), ty));
                }
                None => {
                    self.failed.insert(r.name.get_ref().clone());
                }
            }
            return None;
        };
        self.map
            .insert(r.name.get_ref().clone(), (Binding::Slot(slot), ty));
        Some(Derived {
            name: r.name.get_ref().clone(),
            label: self.text(r.label.as_ref(), "this label"),
            ty,
            slot,
            program,
        })
    }

    /// One deprivation indicator in `slot`.
    fn indicator(&mut self, r: &raw::RawIndicator, slot: usize) -> Option<Indicator> {
        let weight = self.constant(&r.weight, &format!("the weight of `{}`", r.id.get_ref()));
        let (Some(when), Some(weight)) = (self.compile_bool(&r.when), weight) else {
            return None;
        };
        if !(weight > 0.0 && weight <= 1.0) {
            self.error(r.weight.span(), "a weight must be in (0, 1]", None);
        }
        Some(Indicator {
            id: r.id.get_ref().clone(),
            dimension: r.dimension.clone(),
            weight,
            label: self.text(r.label.as_ref(), "this label"),
            slot,
            when,
        })
    }

    pub(super) fn derived_type(&mut self, r: &raw::RawDerived) -> Option<Option<Type>> {
        if !matches!(r.ty.as_ref().map(|t| t.get_ref().as_str()), Some("enum")) {
            if let Some(first) = r.labels.values().next() {
                self.error(
                    first.span(),
                    "`labels` is only for enum inputs and values",
                    Some("give the value `type = \"enum\"` and its `values`".into()),
                );
            }
        }
        let Some(ty) = &r.ty else {
            return Some(None);
        };
        match ty.get_ref().as_str() {
            "number" => Some(Some(Type::Number)),
            "bool" => Some(Some(Type::Bool)),
            "enum" => {
                let values = self.enum_values(&r.name, &r.values)?;
                let id = self.new_enum(r.name.get_ref(), values);
                self.enum_labels(id, &r.labels);
                Some(Some(Type::Enum(id)))
            }
            other => {
                self.error(
                    ty.span(),
                    format!("unknown derived type `{other}`"),
                    Some("types: number, bool, enum".into()),
                );
                None
            }
        }
    }

    pub(super) fn deprivation(
        &mut self,
        d: &raw::RawDeprivation,
        indicators: Vec<Option<Indicator>>,
        score_slot: usize,
        status_slot: usize,
        status_enum: EnumId,
    ) -> Option<Deprivation> {
        let mut ids: std::collections::HashSet<&str> = Default::default();
        for r in &d.indicators {
            work::count(1);
            // Ids are written unquoted into lists (`food;water`): names only.
            if !is_identifier(r.id.get_ref()) {
                self.error(
                    r.id.span(),
                    format!("`{}` is not a valid indicator id", r.id.get_ref()),
                    Some(
                        "ids are names: ASCII letters, digits and `_`, starting with a letter"
                            .into(),
                    ),
                );
            }
            if !ids.insert(r.id.get_ref()) {
                self.error(
                    r.id.span(),
                    format!("indicator `{}` is declared twice", r.id.get_ref()),
                    None,
                );
            }
        }
        let v = self.constant(&d.vulnerable_cutoff, "the vulnerable cutoff");
        let p = self.constant(&d.poor_cutoff, "the poor cutoff");
        let s = self.constant(&d.severe_cutoff, "the severe cutoff");
        let (v, p, s) = (v?, p?, s?);
        if !((0.0..=1.0).contains(&v) && v <= p && p <= s && s <= 1.0) {
            self.error(
                d.vulnerable_cutoff.span(),
                format!("cutoffs must satisfy 0 <= vulnerable <= poor <= severe <= 1 (found {v}, {p}, {s})"),
                None,
            );
        }
        let indicators: Vec<Indicator> = indicators.into_iter().collect::<Option<_>>()?;
        let total: f64 = indicators.iter().map(|i| i.weight).sum();
        if (total - 1.0).abs() > 1e-9 {
            let span = d.indicators.first().map_or(0..0, |i| i.weight.span());
            self.error(
                span,
                format!("the indicator weights add up to {total}, not 1"),
                Some("a deprivation score must lie in [0, 1]: adjust the weights".into()),
            );
        }
        Some(Deprivation {
            indicators,
            vulnerable_cutoff: v,
            poor_cutoff: p,
            severe_cutoff: s,
            score_slot,
            status_slot,
            status_enum,
        })
    }
}
