//! Providers and stacking (issue 20): who pays a program, which programs
//! exclude which, and the monthly caps per provider.
//!
//! Order of a household's decision (see `engine::stacking`): each program in
//! declared order (eligibility, amount, `reduced_by`; a program excluded by a
//! granted one before it is denied), then the caps per provider, then the
//! total cap (`[cap] monthly` or `[caps] total`), then the totals.

/// Who pays a program.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Provider {
    State,
    LocalGovernment,
    Community,
    Private,
}

impl Provider {
    /// Every provider, in the order summaries list them.
    pub const ALL: [Provider; 4] = [
        Provider::State,
        Provider::LocalGovernment,
        Provider::Community,
        Provider::Private,
    ];

    /// The word used in policy files and outputs.
    pub fn keyword(self) -> &'static str {
        match self {
            Provider::State => "state",
            Provider::LocalGovernment => "local_government",
            Provider::Community => "community",
            Provider::Private => "private",
        }
    }

    /// The provider a policy word names.
    pub fn parse(word: &str) -> Option<Provider> {
        Provider::ALL.into_iter().find(|p| p.keyword() == word)
    }

    /// Position in [`Provider::ALL`].
    pub fn index(self) -> usize {
        self as usize
    }
}

/// A monthly cap on the granted monthly programs of one provider.
#[derive(Debug, Clone)]
pub struct ProviderCap {
    pub provider: Provider,
    pub monthly: crate::expr::Program,
}

impl super::Benefit {
    /// The program's name for people, or its id when it has none.
    pub fn name_or_id(&self) -> &str {
        if self.name.is_empty() {
            &self.id
        } else {
            &self.name
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keywords_round_trip() {
        for p in Provider::ALL {
            assert_eq!(Provider::parse(p.keyword()), Some(p));
            assert_eq!(Provider::ALL[p.index()], p);
        }
        assert_eq!(Provider::parse("State"), None);
        assert_eq!(Provider::parse("goverment"), None);
    }
}
