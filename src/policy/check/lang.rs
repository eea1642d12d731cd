//! Languages: `[policy] languages`, `language` and `words`, texts for people
//! written once per language, reason templates compiled in the chosen
//! language and checked in every other (present, same placeholders), and
//! the words of enum values (`labels`).

use super::*;
use crate::policy::lang::{LangChoice, WORD_KEYS, Words};
use crate::policy::raw::{RawLabels, RawText, SpannedText};
use crate::policy::template::{Show, Source};

impl Checker<'_> {
    /// Read the declared languages and the default, choose this load's
    /// language and its words.
    pub(super) fn languages(&mut self, m: &raw::RawMeta, choice: LangChoice) {
        let mut languages = Vec::new();
        for l in &m.languages {
            match Lang::parse(l.get_ref()) {
                Some(lang) if languages.contains(&lang) => self.error(
                    l.span(),
                    format!("language `{}` is listed twice", l.get_ref()),
                    None,
                ),
                Some(lang) => languages.push(lang),
                None => self.error(
                    l.span(),
                    format!("`{}` is not a language layak has words for", l.get_ref()),
                    Some("languages: en (English), id (Bahasa Indonesia)".into()),
                ),
            }
        }
        if languages.is_empty() {
            languages.push(Lang::En);
        }
        let default = m
            .language
            .as_ref()
            .and_then(|l| match Lang::parse(l.get_ref()) {
                Some(lang) if languages.contains(&lang) => Some(lang),
                _ => {
                    let declared: Vec<&str> = languages.iter().map(|l| l.code()).collect();
                    self.error(
                        l.span(),
                        format!("the default language `{}` is not declared", l.get_ref()),
                        Some(format!("languages = [{}]", quoted(&declared))),
                    );
                    None
                }
            });
        self.lang = choice.resolve(&languages, default);
        self.languages = languages;
        self.words = Words::builtin(self.lang);
        for (code, table) in &m.words {
            let Some(lang) = Lang::parse(code).filter(|l| self.languages.contains(l)) else {
                self.error(
                    table.span(),
                    format!("words for `{code}`, which is not a declared language"),
                    None,
                );
                continue;
            };
            for (key, word) in table.get_ref() {
                let known = Words::builtin(Lang::En).get_mut(key).is_some();
                if !known {
                    let help = match expr::suggest(key, WORD_KEYS) {
                        Some(s) => format!("did you mean `{s}`?"),
                        None => format!("words: {}", WORD_KEYS.join(", ")),
                    };
                    self.error(word.span(), format!("unknown word `{key}`"), Some(help));
                } else if lang == self.lang {
                    if let Some(slot) = self.words.get_mut(key) {
                        *slot = word.get_ref().clone();
                    }
                }
            }
        }
    }

    /// The text of `t` in every declared language, in declared order;
    /// a missing or undeclared language is an error (reported here).
    fn per_language(&mut self, t: &SpannedText, what: &str) -> Option<Vec<(Lang, SpannedStr)>> {
        match t.get_ref() {
            RawText::One(s) if self.languages.len() == 1 => {
                Some(vec![(self.languages[0], Spanned::new(t.span(), s.clone()))])
            }
            RawText::One(_) => {
                let codes: Vec<&str> = self.languages.iter().map(|l| l.code()).collect();
                let example: Vec<String> = codes.iter().map(|c| format!("{c} = \"…\"")).collect();
                self.error(
                    t.span(),
                    format!(
                        "{what} needs a text in each language ({})",
                        codes.join(", ")
                    ),
                    Some(format!("write {{ {} }}", example.join(", "))),
                );
                None
            }
            RawText::PerLanguage(map) => {
                let mut ok = true;
                for (code, s) in map {
                    if !Lang::parse(code).is_some_and(|l| self.languages.contains(&l)) {
                        let codes: Vec<&str> = self.languages.iter().map(|l| l.code()).collect();
                        self.error(
                            s.span(),
                            format!("`{code}` is not a declared language"),
                            Some(format!(
                                "the policy declares languages = [{}]",
                                quoted(&codes)
                            )),
                        );
                        ok = false;
                    }
                }
                let mut out = Vec::new();
                for lang in self.languages.clone() {
                    match map.iter().find(|(c, _)| Lang::parse(c) == Some(lang)) {
                        Some((_, s)) => out.push((lang, s.clone())),
                        None => {
                            self.error(
                                t.span(),
                                format!("{what} has no `{}` text", lang.code()),
                                Some(format!(
                                    "every text is written in every declared language: add {} = \"…\"",
                                    lang.code()
                                )),
                            );
                            ok = false;
                        }
                    }
                }
                ok.then_some(out)
            }
        }
    }

    /// A label or name in this load's language (checked in every language).
    pub(super) fn text(&mut self, t: Option<&SpannedText>, what: &str) -> String {
        let Some(t) = t else {
            return String::new();
        };
        let lang = self.lang;
        self.per_language(t, what)
            .and_then(|texts| texts.into_iter().find(|(l, _)| *l == lang))
            .map(|(_, s)| s.into_inner())
            .unwrap_or_default()
    }

    /// A reason template in this load's language. Every language's text is
    /// compiled (so an error in any is reported) and must show the same
    /// values: the same placeholders, apart from plural words.
    pub(super) fn template(&mut self, t: &SpannedText) -> Option<Template> {
        let texts = self.per_language(t, "this text")?;
        let mut chosen = None;
        let mut first: Option<(Lang, Vec<String>)> = None;
        let mut ok = true;
        for (lang, s) in &texts {
            let Some((template, keys)) = self.template_in(s, *lang) else {
                ok = false;
                continue;
            };
            match &first {
                None => first = Some((*lang, keys)),
                Some((first_lang, first_keys)) if *first_keys != keys => {
                    let show = |k: &[String]| -> String {
                        if k.is_empty() {
                            "none".into()
                        } else {
                            k.iter()
                                .map(|k| format!("{{{k}}}"))
                                .collect::<Vec<_>>()
                                .join(" ")
                        }
                    };
                    self.error(
                        s.span(),
                        format!(
                            "the `{}` text shows {} but the `{}` text shows {}",
                            lang.code(),
                            show(&keys),
                            first_lang.code(),
                            show(first_keys)
                        ),
                        Some("every language's text shows the same values (placeholders); only plural words {n|one|other} may differ".into()),
                    );
                    ok = false;
                }
                Some(_) => {}
            }
            if *lang == self.lang {
                chosen = Some(template);
            }
        }
        if ok { chosen } else { None }
    }

    /// One language's text compiled: the template and its placeholders
    /// (sorted, white space removed, plural words left out).
    fn template_in(&mut self, s: &SpannedStr, lang: Lang) -> Option<(Template, Vec<String>)> {
        let parts = match template::split(s.get_ref()) {
            Ok(p) => p,
            Err((span, msg)) => {
                let span = self.inner_span(s, 0, span);
                self.error(span, msg, None);
                return None;
            }
        };
        let mut segments = Vec::new();
        let mut keys = Vec::new();
        let mut ok = true;
        for part in parts {
            let hole = match part {
                Ok(text) => {
                    segments.push(Segment::Text(text));
                    continue;
                }
                Err(hole) => hole,
            };
            if let Some((source, one, other)) = hole.plural() {
                match self.compile_at(s, source, hole.start, Some(Type::Number)) {
                    Some((program, _)) => segments.push(Segment::Shown {
                        source: Source::Program(program),
                        show: Show::Plural {
                            one: one.to_string(),
                            other: other.to_string(),
                        },
                    }),
                    None => ok = false,
                }
                continue;
            }
            keys.push(hole.key());
            match self.compile_at(s, hole.source, hole.start, None) {
                // A date input, named alone, prints as a date.
                Some((program, _))
                    if program
                        .as_slot()
                        .is_some_and(|slot| self.date_slots.contains(&slot)) =>
                {
                    segments.push(Segment::Shown {
                        source: Source::Program(program),
                        show: Show::Date,
                    })
                }
                Some((program, ty)) => segments.push(match self.show(ty, lang) {
                    Some(show) => Segment::Shown {
                        source: Source::Program(program),
                        show,
                    },
                    None => Segment::Value { program, ty },
                }),
                None => ok = false,
            }
        }
        keys.sort();
        ok.then(|| (Template::from_parts(segments, &self.enums), keys))
    }

    /// How a hole of type `ty` is shown in `lang`: `None` for the English
    /// way ([`template::write_value`]: grouped with `,`, yes/no, value names).
    fn show(&self, ty: Type, lang: Lang) -> Option<Show> {
        let words = (lang == self.lang).then_some(&self.words);
        match ty {
            Type::Number if lang != Lang::En => Some(Show::Number(lang)),
            Type::Number => None,
            Type::Bool => {
                let builtin = Words::builtin(lang);
                let w = words.unwrap_or(&builtin);
                (w.yes != "yes" || w.no != "no")
                    .then(|| Show::Words(vec![w.no.clone(), w.yes.clone()].into_boxed_slice()))
            }
            Type::Enum(e) => self
                .enum_words
                .get(usize::from(e))
                .and_then(|w| w.iter().find(|(l, _)| *l == lang))
                .map(|(_, w)| Show::Words(w.clone())),
        }
    }

    /// The words of enum `id`'s values per language, from `labels`
    /// (`{ id = { urban = "perkotaan", … } }`): every value, declared languages only.
    pub(super) fn enum_labels(&mut self, id: EnumId, labels: &RawLabels) {
        let values = self
            .enums
            .get(usize::from(id))
            .map(|e| e.values.clone())
            .unwrap_or_default();
        let mut per_lang = Vec::new();
        for (code, table) in labels {
            let Some(lang) = Lang::parse(code).filter(|l| self.languages.contains(l)) else {
                self.error(
                    table.span(),
                    format!("labels for `{code}`, which is not a declared language"),
                    None,
                );
                continue;
            };
            let map = table.get_ref();
            if let Some(extra) = map.keys().find(|k| !values.contains(k)) {
                self.error(
                    table.span(),
                    format!("label for `{extra}`, which is not one of the values"),
                    Some(format!("values: {}", quote_list(&values))),
                );
                continue;
            }
            let missing: Vec<&String> = values.iter().filter(|v| !map.contains_key(*v)).collect();
            if let Some(first) = missing.first() {
                self.error(
                    table.span(),
                    format!("no `{code}` label for `{first}`"),
                    Some("give a label to every value".into()),
                );
                continue;
            }
            let words: Box<[String]> = values.iter().map(|v| map[v].clone()).collect();
            per_lang.push((lang, words));
        }
        self.set_enum_words(id, per_lang);
    }

    /// An input's `labels`: the words of an enum's values; on any other
    /// type an error.
    pub(super) fn labels_of(&mut self, ty: InputType, labels: &RawLabels) {
        match (ty, labels.values().next()) {
            (_, None) => {}
            (InputType::Enum(id), Some(_)) => self.enum_labels(id, labels),
            (_, Some(first)) => self.error(
                first.span(),
                "`labels` is only for enum inputs and values",
                Some("write the words of a yes/no value in [policy.words.LANG] yes and no".into()),
            ),
        }
    }

    /// The words of `deprivation_status`'s values: the policy's words in
    /// this load's language when it is not English (English keeps the names).
    pub(super) fn status_labels(&mut self, id: EnumId) {
        if self.lang == Lang::En && self.words.statuses() == Words::builtin(Lang::En).statuses() {
            return;
        }
        let words: Box<[String]> = self
            .words
            .statuses()
            .iter()
            .map(|s| s.to_string())
            .collect();
        self.set_enum_words(id, vec![(self.lang, words)]);
    }

    fn set_enum_words(&mut self, id: EnumId, words: Vec<(Lang, Box<[String]>)>) {
        let i = usize::from(id);
        if self.enum_words.len() <= i {
            self.enum_words.resize(i + 1, Vec::new());
        }
        self.enum_words[i] = words;
    }
}

/// `"en", "id"`.
fn quoted(codes: &[&str]) -> String {
    codes
        .iter()
        .map(|c| format!("\"{c}\""))
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use crate::policy::{DEFAULT_POLICY_TOML, Lang, LangChoice, LoadOptions, Policy, PolicyError};

    fn load(source: &str) -> Result<Policy, PolicyError> {
        Policy::load("p.toml", source, &LoadOptions::default())
    }

    fn load_id(source: &str) -> Result<Policy, PolicyError> {
        let choice = LangChoice {
            requested: Some(Lang::Id),
            environment: None,
        };
        Policy::load_in("p.toml", source, &LoadOptions::default(), false, choice)
    }

    /// The default policy with `from` (which must be there) replaced.
    fn edited(from: &str, to: &str) -> String {
        assert!(DEFAULT_POLICY_TOML.contains(from), "{from}");
        DEFAULT_POLICY_TOML.replacen(from, to, 1)
    }

    /// The one error of loading `source`, rendered, and its line.
    fn error(source: &str) -> (String, usize) {
        match load(source) {
            Ok(_) => panic!("the policy loaded"),
            Err(e) => {
                assert_eq!(e.diagnostics.len(), 1, "{}", e.render());
                (e.render(), e.diagnostics[0].location.line)
            }
        }
    }

    /// The 1-based line of the first occurrence of `text` in `source`.
    fn line_of(source: &str, text: &str) -> usize {
        let at = source.find(text).expect("the text is in the source");
        source[..at].lines().count() + 1
    }

    #[test]
    fn a_text_missing_in_one_language_is_an_error_at_the_text() {
        let id_line = "text.id = \"tidak ada anggota berusia 19-59 tahun yang mampu bekerja\"\n";
        let source = edited(id_line, "");
        let (text, line) = error(&source);
        assert!(text.contains("this text has no `id` text"), "{text}");
        assert!(text.contains("add id = \"…\""), "{text}");
        assert_eq!(
            line,
            line_of(&source, "text.en = \"no member aged 19-59"),
            "{text}"
        );
    }

    #[test]
    fn texts_that_show_different_values_are_an_error() {
        let source = edited(
            "Rp {per_capita_income} di bawah garis kemiskinan {area} Rp {poverty_line}\"",
            "Rp {per_capita_income} di bawah garis kemiskinan Rp {poverty_line}\"",
        );
        let (text, line) = error(&source);
        assert!(
            text.contains(
                "the `id` text shows {per_capita_income} {poverty_line} but the `en` text shows {area} {per_capita_income} {poverty_line}"
            ),
            "{text}"
        );
        assert!(
            text.contains("only plural words {n|one|other} may differ"),
            "{text}"
        );
        assert_eq!(line, line_of(&source, "text.id = \"pendapatan per kapita"));
        // Spacing inside a hole does not matter; plural words may differ.
        let spaced = edited(
            "{elderly + disabled} anggota lansia",
            "{ elderly+disabled } anggota lansia",
        );
        assert!(load(&spaced).is_ok());
    }

    #[test]
    fn one_string_in_a_two_language_policy_is_an_error_with_the_fix() {
        let source = edited(
            "name.en = \"Food assistance\"\nname.id = \"Bantuan pangan\"",
            "name = \"Food assistance\"",
        );
        let (text, _) = error(&source);
        assert!(
            text.contains("this name needs a text in each language (en, id)"),
            "{text}"
        );
        assert!(text.contains("write { en = \"…\", id = \"…\" }"), "{text}");
    }

    #[test]
    fn undeclared_and_unknown_languages_are_errors() {
        let source = edited(
            "denied_reason.id = \"tidak sedang dalam keadaan darurat\"",
            "denied_reason.id = \"tidak sedang dalam keadaan darurat\"\ndenied_reason.fr = \"pas d'urgence\"",
        );
        let (text, line) = error(&source);
        assert!(text.contains("`fr` is not a declared language"), "{text}");
        assert_eq!(line, line_of(&source, "denied_reason.fr"));

        let (text, _) = error(&edited(
            "languages = [\"en\", \"id\"]",
            "languages = [\"en\", \"id\", \"xx\"]",
        ));
        assert!(
            text.contains("`xx` is not a language layak has words for"),
            "{text}"
        );

        let source = edited("language = \"en\"", "language = \"id\"").replacen(
            "languages = [\"en\", \"id\"]",
            "languages = [\"en\"]",
            1,
        );
        let Err(e) = load(&source) else {
            panic!("an undeclared default language was accepted")
        };
        let text = e.render();
        assert!(
            text.contains("the default language `id` is not declared"),
            "{text}"
        );
    }

    #[test]
    fn words_and_labels_are_checked() {
        let source = edited(
            "language = \"en\"",
            "language = \"en\"\nwords.id = { granted = \"DITERIMA\", grnted = \"x\" }",
        );
        let (text, _) = error(&source);
        assert!(text.contains("unknown word `grnted`"), "{text}");
        assert!(text.contains("did you mean `granted`?"), "{text}");

        let (text, _) = error(&edited(
            "labels.id = { urban = \"perkotaan\", rural = \"perdesaan\" }",
            "labels.id = { urban = \"perkotaan\" }",
        ));
        assert!(text.contains("no `id` label for `rural`"), "{text}");

        let (text, _) = error(&edited(
            "labels.id = { urban = \"perkotaan\", rural = \"perdesaan\" }",
            "labels.id = { urban = \"perkotaan\", rural = \"perdesaan\", town = \"kota\" }",
        ));
        assert!(
            text.contains("label for `town`, which is not one of the values"),
            "{text}"
        );

        let (text, _) = error(&edited(
            "meaning = \"household size\"",
            "meaning = \"household size\"\nlabels.id = { one = \"satu\" }",
        ));
        assert!(
            text.contains("`labels` is only for enum inputs and values"),
            "{text}"
        );
    }

    #[test]
    fn the_chosen_language_gives_its_texts_words_and_labels() {
        let en = load(DEFAULT_POLICY_TOML).unwrap();
        let id = load_id(DEFAULT_POLICY_TOML).unwrap();
        assert_eq!((en.lang, id.lang), (Lang::En, Lang::Id));
        assert_eq!(en.languages, [Lang::En, Lang::Id]);
        assert_eq!(id.words.granted, "DIBERIKAN");
        assert_eq!(id.programs[0].name, "Bantuan darurat (tunai)");
        assert_eq!(en.programs[0].name, "Emergency relief (cash)");
        let mut s = crate::engine::Engine::new(&id).scratch();
        let slot = |p: &Policy, name: &str| {
            (0..p.slot_count)
                .find(|&i| p.slot_name(i) == name)
                .expect("a name of the policy")
        };
        // A rural household of 4 with 1,600,000 a month: 400,000 per person.
        for p in [&en, &id] {
            s.slots.iter_mut().for_each(|v| *v = 0.0);
            s.slots[slot(p, "area")] = 1.0;
            s.slots[slot(p, "per_capita_income")] = 400_000.0;
            s.slots[slot(p, "poverty_line")] = 580_349.0;
            s.slots[slot(p, "members")] = 1.0;
        }
        let text = |p: &Policy, i: usize| p.reasons[i].text.render_string(&s.slots, &p.enums);
        assert_eq!(
            text(&id, 0),
            "pendapatan per kapita Rp 400.000 di bawah garis kemiskinan perdesaan Rp 580.349"
        );
        assert_eq!(
            text(&en, 0),
            "per-capita income 400,000 is below the rural poverty line 580,349"
        );
        // Plurals: one member.
        let premium = |p: &Policy| {
            p.programs[2]
                .reason
                .as_ref()
                .map(|t| t.render_string(&s.slots, &p.enums))
        };
        assert_eq!(
            premium(&en).as_deref(),
            Some("not every member is insured: 42,000 x 1 member")
        );
        assert_eq!(
            premium(&id).as_deref(),
            Some("tidak semua anggota memiliki jaminan kesehatan: Rp 42.000 x 1 anggota")
        );
    }

    #[test]
    fn a_policy_in_one_language_needs_no_tables() {
        let source = r#"
[policy]
id = "p"
name = "p"
version = "1"
currency = "IDR"
languages = ["id"]

[[inputs]]
name = "household_id"
type = "id"
required = true

[[inputs]]
name = "members"
type = "integer"
required = true

[[reasons]]
id = "size"
when = 'members > 0'
text = "{members} {members|orang|orang} anggota"

[[tracks]]
id = "all"
reason = "semua"
"#;
        let p = load(source).unwrap();
        assert_eq!((p.lang, p.words.granted.as_str()), (Lang::Id, "DIBERIKAN"));
        let mut slots = vec![0.0; p.slot_count];
        slots[1] = 1500.0;
        assert_eq!(
            p.reasons[0].text.render_string(&slots, &p.enums),
            "1.500 orang anggota"
        );
    }

    /// Words that must not appear in an Indonesian text of the default policy.
    const ENGLISH: &[&str] = &[
        "the",
        "is",
        "a",
        "of",
        "and",
        "or",
        "to",
        "for",
        "by",
        "no",
        "not",
        "below",
        "above",
        "month",
        "months",
        "member",
        "members",
        "income",
        "poverty",
        "line",
        "child",
        "children",
        "grant",
        "eligible",
        "household",
        "emergency",
        "poor",
        "near",
        "none",
        "work",
        "able",
        "insured",
        "needs",
        "basic",
        "once",
        "while",
        "ago",
        "window",
        "yes",
        "already",
        "someone",
        "elderly",
        "disabled",
        "school",
        "relief",
        "first",
        "help",
        "themselves",
    ];

    #[test]
    fn every_text_of_the_default_policy_renders_in_both_languages() {
        for lang in [Lang::En, Lang::Id] {
            let choice = LangChoice {
                requested: Some(lang),
                environment: None,
            };
            let p = Policy::load_in(
                "d",
                DEFAULT_POLICY_TOML,
                &LoadOptions::default(),
                false,
                choice,
            )
            .unwrap();
            let mut templates: Vec<(&str, &crate::policy::Template)> =
                p.reasons.iter().map(|r| (r.id.as_str(), &r.text)).collect();
            for g in &p.programs {
                templates.extend(g.reason.iter().map(|t| (g.id.as_str(), t)));
                templates.extend(g.denied_reason.iter().map(|t| (g.id.as_str(), t)));
            }
            for t in &p.tracks {
                templates.extend(t.reason.iter().map(|r| (t.id.as_str(), r)));
            }
            assert_eq!(templates.len(), 8 + 12 + 5);
            let mut texts: Vec<String> = Vec::new();
            for ones in [0.0, 1.0] {
                let slots = vec![ones; p.slot_count];
                for (_, t) in &templates {
                    texts.push(t.render_string(&slots, &p.enums));
                }
            }
            let labels = p.derived.iter().map(|d| &d.label);
            let labels = labels.chain(
                p.deprivation
                    .iter()
                    .flat_map(|d| d.indicators.iter().map(|i| &i.label)),
            );
            let labels = labels.chain(p.programs.iter().map(|g| &g.name));
            let labels = labels.chain(p.inputs.iter().map(|i| &i.label));
            texts.extend(labels.cloned());
            for text in &texts {
                assert!(
                    !text.contains('{') && !text.contains('}'),
                    "{lang:?}: {text}"
                );
                assert!(
                    !text.contains('?'),
                    "{lang:?}: a value without a word: {text}"
                );
                if lang == Lang::Id {
                    for w in text.split(|c: char| c.is_whitespace() || ",;:()".contains(c)) {
                        let w = w.to_lowercase();
                        assert!(!ENGLISH.contains(&w.as_str()), "English `{w}` in: {text}");
                    }
                }
            }
            if lang == Lang::En {
                // The check would catch English.
                let english = texts
                    .iter()
                    .filter(|t| t.split(' ').any(|w| ENGLISH.contains(&w)))
                    .count();
                assert!(english > 20, "{english}");
            }
        }
    }
}
