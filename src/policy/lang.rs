//! The languages of a policy's texts for people, and the fixed words the
//! tool puts around them.
//!
//! A policy declares `languages = ["en", "id"]` and writes each text for
//! people (reasons, program and track reasons, indicator and derived labels,
//! program names) once per language. The language is chosen when the policy
//! is loaded ([`LangChoice`]): the loaded [`Policy`](super::Policy) holds the
//! templates and [`Words`] of that language only, so writers render a row
//! without looking a language up.

pub use crate::numfmt::locale::Lang;

/// How the language of a load is chosen: `requested` (`--lang`) when the
/// policy declares it, else `environment` (`LC_ALL`, else `LANG`: `id_ID.UTF-8`
/// is Indonesian, `en_GB.UTF-8` English) when the policy declares it, else
/// the policy's default `language`, else its first declared language.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct LangChoice {
    pub requested: Option<Lang>,
    /// `None` for a locale that names neither language (`C`, `POSIX`, `fr_FR`, unset).
    pub environment: Option<Lang>,
}

impl LangChoice {
    /// `requested`, and the environment's language from `LC_ALL` (when set
    /// and not empty) or else `LANG`.
    pub fn new(requested: Option<Lang>, lc_all: Option<&str>, lang: Option<&str>) -> LangChoice {
        let locale = lc_all.filter(|v| !v.is_empty()).or(lang);
        LangChoice {
            requested,
            environment: locale.and_then(locale_language),
        }
    }

    /// [`LangChoice::new`] with this process's `LC_ALL` and `LANG`.
    pub fn from_process(requested: Option<Lang>) -> LangChoice {
        let var = |k: &str| std::env::var(k).ok();
        LangChoice::new(requested, var("LC_ALL").as_deref(), var("LANG").as_deref())
    }

    /// The language chosen for a policy that declares `languages` (never
    /// empty) and maybe a default `language`.
    pub fn resolve(self, languages: &[Lang], default: Option<Lang>) -> Lang {
        let declared = |l: &Lang| languages.contains(l);
        self.requested
            .filter(declared)
            .or(self.environment.filter(declared))
            .or(default)
            .or(languages.first().copied())
            .unwrap_or(Lang::En)
    }
}

/// The language a POSIX locale name names: `id`, `id_ID.UTF-8`, `id-ID`,
/// `id@…` are Indonesian, `en…` likewise English; any other is `None`.
pub fn locale_language(name: &str) -> Option<Lang> {
    let b = name.as_bytes();
    let is = |code: &[u8]| {
        b.len() >= 2
            && b[..2].eq_ignore_ascii_case(code)
            && matches!(b.get(2), None | Some(b'_' | b'-' | b'.' | b'@'))
    };
    if is(b"id") {
        Some(Lang::Id)
    } else if is(b"en") {
        Some(Lang::En)
    } else {
        None
    }
}

/// The fixed words around a policy's templates in one language: built in
/// for English and Indonesian ([`Words::builtin`]), each of which a policy
/// may override in `[policy.words.LANG]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Words {
    /// A program's status in `explain`: `GRANTED`, `DENIED`, `DEFERRED`.
    pub granted: String,
    pub denied: String,
    pub deferred: String,
    /// A granted program without a reason template.
    pub eligible: String,
    /// A denied program without a `denied_reason`.
    pub not_eligible: String,
    /// After a monthly amount: `a month`.
    pub a_month: String,
    /// After a one-off amount in `explain`: `once`.
    pub once: String,
    /// The one-off total: `one-off`.
    pub one_off: String,
    /// Singular and plural of a month (`1 month`, `3 months`).
    pub month: String,
    pub months: String,
    /// `for 3 months` (a duration).
    pub for_: String,
    /// `starts after 3 months` (a deferred program).
    pub starts_after: String,
    /// `capped from 1,500,000 to 1,200,000 by the household monthly cap of 1,200,000`.
    pub capped_from: String,
    pub to: String,
    pub by_cap: String,
    /// `reduced from 200,000 to 150,000 by aid already received` (`reduced_by`).
    pub reduced_from: String,
    pub by_aid: String,
    /// `not granted: already receives food_assistance` (`excludes`), in `explain`.
    pub excluded_by: String,
    /// `changed by the community (musyawarah desa, 2025-06-01): reason` (`--overrides`).
    pub overridden_by: String,
    /// The deprivation sentence of the reasons: `deprivation: score`.
    pub deprivation_score: String,
    /// Before a track id in the reasons: `track`.
    pub track: String,
    /// Booleans in template holes.
    pub yes: String,
    pub no: String,
    /// The values of `deprivation_status` (none, vulnerable, poor, severe).
    pub status_none: String,
    pub status_vulnerable: String,
    pub status_poor: String,
    pub status_severe: String,
}

/// Every key of `[policy.words.LANG]`, in the order of [`Words`]' fields.
pub const WORD_KEYS: [&str; 27] = [
    "granted",
    "denied",
    "deferred",
    "eligible",
    "not_eligible",
    "a_month",
    "once",
    "one_off",
    "month",
    "months",
    "for",
    "starts_after",
    "capped_from",
    "to",
    "by_cap",
    "reduced_from",
    "by_aid",
    "excluded_by",
    "overridden_by",
    "deprivation_score",
    "track",
    "yes",
    "no",
    "status_none",
    "status_vulnerable",
    "status_poor",
    "status_severe",
];

impl Words {
    /// The built-in words of `lang`. English ones are those the tool has
    /// always printed, so that an English decision keeps its bytes.
    pub fn builtin(lang: Lang) -> Words {
        let w = |s: &str| s.to_string();
        match lang {
            Lang::En => Words {
                granted: w("GRANTED"),
                denied: w("DENIED"),
                deferred: w("DEFERRED"),
                eligible: w("eligible"),
                not_eligible: w("the eligibility condition does not hold"),
                a_month: w("a month"),
                once: w("once"),
                one_off: w("one-off"),
                month: w("month"),
                months: w("months"),
                for_: w("for"),
                starts_after: w("starts after"),
                capped_from: w("capped from"),
                to: w("to"),
                by_cap: w("by the household monthly cap of"),
                reduced_from: w("reduced from"),
                by_aid: w("by aid already received"),
                excluded_by: w("not granted: the household already receives"),
                overridden_by: w("changed by"),
                deprivation_score: w("deprivation: score"),
                track: w("track"),
                yes: w("yes"),
                no: w("no"),
                status_none: w("none"),
                status_vulnerable: w("vulnerable"),
                status_poor: w("poor"),
                status_severe: w("severe"),
            },
            Lang::Id => Words {
                granted: w("DIBERIKAN"),
                denied: w("DITOLAK"),
                deferred: w("DITUNDA"),
                eligible: w("memenuhi syarat"),
                not_eligible: w("syarat kelayakan tidak terpenuhi"),
                a_month: w("per bulan"),
                once: w("sekali"),
                one_off: w("sekali bayar"),
                month: w("bulan"),
                months: w("bulan"),
                for_: w("selama"),
                starts_after: w("mulai setelah"),
                capped_from: w("dipotong dari"),
                to: w("menjadi"),
                by_cap: w("oleh batas bulanan rumah tangga sebesar"),
                reduced_from: w("dikurangi dari"),
                by_aid: w("karena bantuan yang sudah diterima"),
                excluded_by: w("tidak diberikan: rumah tangga sudah menerima"),
                overridden_by: w("diubah oleh"),
                deprivation_score: w("kemiskinan multidimensi: skor"),
                track: w("jalur"),
                yes: w("ya"),
                no: w("tidak"),
                status_none: w("tidak miskin"),
                status_vulnerable: w("rentan"),
                status_poor: w("miskin"),
                status_severe: w("sangat miskin"),
            },
        }
    }

    /// The word of `key` (one of [`WORD_KEYS`]), to override it.
    pub fn get_mut(&mut self, key: &str) -> Option<&mut String> {
        Some(match key {
            "granted" => &mut self.granted,
            "denied" => &mut self.denied,
            "deferred" => &mut self.deferred,
            "eligible" => &mut self.eligible,
            "not_eligible" => &mut self.not_eligible,
            "a_month" => &mut self.a_month,
            "once" => &mut self.once,
            "one_off" => &mut self.one_off,
            "month" => &mut self.month,
            "months" => &mut self.months,
            "for" => &mut self.for_,
            "starts_after" => &mut self.starts_after,
            "capped_from" => &mut self.capped_from,
            "to" => &mut self.to,
            "by_cap" => &mut self.by_cap,
            "reduced_from" => &mut self.reduced_from,
            "by_aid" => &mut self.by_aid,
            "excluded_by" => &mut self.excluded_by,
            "overridden_by" => &mut self.overridden_by,
            "deprivation_score" => &mut self.deprivation_score,
            "track" => &mut self.track,
            "yes" => &mut self.yes,
            "no" => &mut self.no,
            "status_none" => &mut self.status_none,
            "status_vulnerable" => &mut self.status_vulnerable,
            "status_poor" => &mut self.status_poor,
            "status_severe" => &mut self.status_severe,
            _ => return None,
        })
    }

    /// `month` for exactly 1, else `months` (durations may be fractional).
    pub fn months_for(&self, n: f64) -> &str {
        if n == 1.0 { &self.month } else { &self.months }
    }

    /// Every word, in the order of [`WORD_KEYS`].
    pub fn all(&self) -> [&str; 27] {
        [
            &self.granted,
            &self.denied,
            &self.deferred,
            &self.eligible,
            &self.not_eligible,
            &self.a_month,
            &self.once,
            &self.one_off,
            &self.month,
            &self.months,
            &self.for_,
            &self.starts_after,
            &self.capped_from,
            &self.to,
            &self.by_cap,
            &self.reduced_from,
            &self.by_aid,
            &self.excluded_by,
            &self.overridden_by,
            &self.deprivation_score,
            &self.track,
            &self.yes,
            &self.no,
            &self.status_none,
            &self.status_vulnerable,
            &self.status_poor,
            &self.status_severe,
        ]
    }

    /// The words of `deprivation_status`'s values, in the order of
    /// [`DEPRIVATION_STATUSES`](super::DEPRIVATION_STATUSES).
    pub fn statuses(&self) -> [&str; 4] {
        [
            &self.status_none,
            &self.status_vulnerable,
            &self.status_poor,
            &self.status_severe,
        ]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_key_names_a_word() {
        let mut w = Words::builtin(Lang::Id);
        for k in WORD_KEYS {
            assert!(w.get_mut(k).is_some(), "{k}");
        }
        assert!(w.get_mut("nope").is_none());
    }

    #[test]
    fn the_language_is_chosen_in_order() {
        let both = [Lang::En, Lang::Id];
        let env = |requested, environment| LangChoice {
            requested,
            environment,
        };
        // --lang first, then the environment, then the policy's default.
        assert_eq!(
            env(Some(Lang::En), Some(Lang::Id)).resolve(&both, Some(Lang::Id)),
            Lang::En
        );
        assert_eq!(
            env(None, Some(Lang::Id)).resolve(&both, Some(Lang::En)),
            Lang::Id
        );
        assert_eq!(env(None, None).resolve(&both, Some(Lang::Id)), Lang::Id);
        assert_eq!(env(None, None).resolve(&both, None), Lang::En);
        assert_eq!(
            env(None, None).resolve(&[Lang::Id, Lang::En], None),
            Lang::Id
        );
        // A language the policy does not declare is not chosen.
        assert_eq!(
            env(Some(Lang::Id), Some(Lang::Id)).resolve(&[Lang::En], None),
            Lang::En
        );
    }

    #[test]
    fn locales_name_a_language_or_none() {
        assert_eq!(locale_language("id_ID.UTF-8"), Some(Lang::Id));
        assert_eq!(locale_language("ID"), Some(Lang::Id));
        assert_eq!(locale_language("en_GB.UTF-8"), Some(Lang::En));
        assert_eq!(locale_language("C.UTF-8"), None);
        assert_eq!(locale_language("idx"), None);
        let c = LangChoice::new(None, Some(""), Some("id_ID.UTF-8"));
        assert_eq!(c.environment, Some(Lang::Id));
        let c = LangChoice::new(Some(Lang::En), Some("C"), Some("id_ID.UTF-8"));
        assert_eq!((c.requested, c.environment), (Some(Lang::En), None));
    }
}
