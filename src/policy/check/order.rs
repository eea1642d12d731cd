//! The dependency order of derived values and indicators: a depth-first
//! sort that reports a cycle as the whole circle.

use super::*;

impl Checker<'_> {
    pub(super) fn deps(&mut self, s: &SpannedStr, names: &HashMap<String, Node>) -> Vec<Node> {
        match expr::parse(s.get_ref()) {
            Ok(e) => e
                .names()
                .into_iter()
                .filter_map(|(n, _)| names.get(n).copied())
                .collect(),
            // The parse error is reported when the expression is compiled.
            Err(_) => Vec::new(),
        }
    }

    pub(super) fn node_name(
        node: Node,
        raws: &[raw::RawDerived],
        dep: Option<&raw::RawDeprivation>,
    ) -> String {
        match node {
            Node::Derived(i) => raws[i].name.get_ref().clone(),
            Node::Indicator(j) => dep.map_or_else(String::new, |d| {
                format!("indicator {}", d.indicators[j].id.get_ref())
            }),
            Node::Score => "deprivation_score".into(),
            Node::Status => "deprivation_status".into(),
        }
    }

    pub(super) fn node_span(
        node: Node,
        raws: &[raw::RawDerived],
        dep: Option<&raw::RawDeprivation>,
    ) -> Range<usize> {
        match node {
            Node::Derived(i) => raws[i].name.span(),
            Node::Indicator(j) => dep.map_or(0..0, |d| d.indicators[j].when.span()),
            Node::Score | Node::Status => 0..0,
        }
    }

    /// Depth-first topological sort; a cycle is reported as the whole circle.
    pub(super) fn topo_sort(
        &mut self,
        nodes: &[(Node, Vec<Node>)],
        raws: &[raw::RawDerived],
        dep: Option<&raw::RawDeprivation>,
    ) -> Option<Vec<Node>> {
        let index: HashMap<Node, usize> = nodes.iter().enumerate().map(|(i, n)| (n.0, i)).collect();
        let mut state = vec![0u8; nodes.len()]; // 0 new, 1 on the path, 2 done
        let mut order = Vec::new();
        let mut path: Vec<usize> = Vec::new();
        for start in 0..nodes.len() {
            if state[start] != 0 {
                continue;
            }
            // Iterative DFS: (node, next dependency to visit).
            let mut stack = vec![(start, 0usize)];
            state[start] = 1;
            path.push(start);
            while let Some(&mut (n, ref mut next)) = stack.last_mut() {
                work::count(1);
                if let Some(&d) = nodes[n].1.get(*next) {
                    *next += 1;
                    let Some(&di) = index.get(&d) else { continue };
                    match state[di] {
                        0 => {
                            state[di] = 1;
                            path.push(di);
                            stack.push((di, 0));
                        }
                        1 => {
                            let from = path.iter().position(|&p| p == di).unwrap_or(0);
                            let mut circle: Vec<String> = path[from..]
                                .iter()
                                .map(|&p| Self::node_name(nodes[p].0, raws, dep))
                                .collect();
                            circle.push(Self::node_name(nodes[di].0, raws, dep));
                            let span = Self::node_span(nodes[di].0, raws, dep);
                            self.error(
                                span,
                                format!(
                                    "derived values depend on each other in a cycle: {}",
                                    circle.join(" -> ")
                                ),
                                Some(
                                    "a value cannot depend, directly or through others, on itself"
                                        .into(),
                                ),
                            );
                            return None;
                        }
                        _ => {}
                    }
                } else {
                    state[n] = 2;
                    order.push(nodes[n].0);
                    stack.pop();
                    path.pop();
                }
            }
        }
        Some(order)
    }
}
