//! Cost per provider (issue 20): the programs' figures added up by their
//! lead provider, in the order of [`Provider::ALL`]; a provider that leads
//! no program is left out.

use crate::policy::{Policy, Provider};

use super::wire::{Ordered, ProgramFigures, ProviderFigures};

/// Each provider's grants and costs, from the programs' figures (which are
/// in the policy's order).
pub(super) fn provider_figures(
    policy: &Policy,
    programs: &Ordered<ProgramFigures>,
) -> Ordered<ProviderFigures> {
    let mut out = Vec::new();
    for provider in Provider::ALL {
        let mut acc: Option<ProviderFigures> = None;
        for (b, (_, f)) in policy.programs.iter().zip(&programs.0) {
            if b.lead != provider {
                continue;
            }
            let a = acc.get_or_insert(ProviderFigures {
                programs: Vec::new(),
                granted: f.granted.saturating_sub(f.granted),
                monthly_cost: f.monthly_cost.saturating_sub(f.monthly_cost),
                one_off_cost: f.one_off_cost.saturating_sub(f.one_off_cost),
            });
            a.programs.push(b.id.clone());
            a.granted = a.granted.plus(f.granted);
            a.monthly_cost = a.monthly_cost.plus(f.monthly_cost);
            a.one_off_cost = a.one_off_cost.plus(f.one_off_cost);
        }
        if let Some(a) = acc {
            out.push((provider.keyword().to_string(), a));
        }
    }
    Ordered(out)
}
