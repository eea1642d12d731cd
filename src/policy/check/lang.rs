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
