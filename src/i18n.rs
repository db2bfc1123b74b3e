//! Localized text for guest pages and emails: Fluent files under `locales/`, embedded at
//! build time, one folder per language of `domain::LANGUAGES`, English as the fallback.

use fluent_templates::fluent_bundle::FluentValue;
use fluent_templates::{LanguageIdentifier, Loader};
use std::borrow::Cow;
use std::collections::HashMap;
use std::sync::LazyLock;

use crate::domain::LANGUAGES;
use crate::domain::values::Language;

fluent_templates::static_loader! {
    static LOCALES = {
        locales: "./locales",
        fallback_language: "en",
        // Plain text: no Unicode isolation marks around arguments.
        customise: |bundle| bundle.set_use_isolating(false),
    };
}

static IDS: LazyLock<Vec<(&'static str, LanguageIdentifier)>> = LazyLock::new(|| {
    LANGUAGES
        .iter()
        .map(|code| (*code, code.parse().expect("language codes parse")))
        .collect()
});

/// A supported language code, or English.
pub fn language(code: &str) -> &'static str {
    Language::or_default(code).as_str()
}

fn id(lang: &str) -> &'static LanguageIdentifier {
    let lang = language(lang);
    &IDS.iter().find(|(code, _)| *code == lang).expect("known").1
}

/// The message `key` in `lang`.
pub fn t(lang: &str, key: &str) -> String {
    LOCALES.lookup(id(lang), key)
}

/// The message `key` in `lang` with arguments; numbers are passed as numbers so plural
/// selection works.
pub fn t_args(lang: &str, key: &str, args: &[(&'static str, Arg)]) -> String {
    let args: HashMap<Cow<'static, str>, FluentValue> = args
        .iter()
        .map(|(name, value)| {
            let value = match value {
                Arg::Text(s) => FluentValue::from(s.clone()),
                Arg::Number(n) => FluentValue::from(*n),
            };
            (Cow::Borrowed(*name), value)
        })
        .collect();
    LOCALES.lookup_with_args(id(lang), key, &args)
}

/// An argument of a message.
#[derive(Debug, Clone)]
pub enum Arg {
    Text(String),
    Number(i64),
}

impl From<&str> for Arg {
    fn from(s: &str) -> Self {
        Arg::Text(s.to_string())
    }
}

impl From<String> for Arg {
    fn from(s: String) -> Self {
        Arg::Text(s)
    }
}

impl From<i64> for Arg {
    fn from(n: i64) -> Self {
        Arg::Number(n)
    }
}

/// The label (or help) of a connector field in `lang`, falling back to English.
pub fn pick<'a>(texts: &'a std::collections::BTreeMap<String, String>, lang: &str) -> &'a str {
    texts
        .get(language(lang))
        .or_else(|| texts.get("en"))
        .map(String::as_str)
        .unwrap_or("")
}

/// The supported language an `Accept-Language` header prefers most (by `q`, then order), or
/// English. `de-CH` counts as `de`.
pub fn negotiate(accept_language: &str) -> &'static str {
    let mut best: Option<(f32, &'static str)> = None;
    for item in accept_language.split(',') {
        let mut parts = item.split(';');
        let tag = parts.next().unwrap_or("").trim();
        let q = parts
            .find_map(|p| p.trim().strip_prefix("q="))
            .and_then(|q| q.trim().parse::<f32>().ok())
            .unwrap_or(1.0);
        let primary = tag.split('-').next().unwrap_or("").to_ascii_lowercase();
        let Some(code) = LANGUAGES.iter().find(|c| **c == primary) else {
            continue;
        };
        if q > 0.0 && best.is_none_or(|(bq, _)| q > bq) {
            best = Some((q, code));
        }
    }
    best.map_or("en", |(_, code)| code)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accept_language_picks_the_preferred_supported_language() {
        assert_eq!(negotiate("de-CH,de;q=0.9,en;q=0.8"), "de");
        assert_eq!(negotiate("ja, fr;q=0.5, it;q=0.7"), "it");
        assert_eq!(negotiate("ja"), "en");
        assert_eq!(negotiate(""), "en");
        assert_eq!(negotiate("es;q=0"), "en");
    }

    fn keys(ftl: &str) -> Vec<&str> {
        ftl.lines()
            .filter(|l| !l.starts_with('#') && !l.starts_with(' ') && l.contains(" = "))
            .map(|l| l.split(" = ").next().unwrap())
            .collect()
    }

    #[test]
    fn every_language_has_exactly_the_messages_of_english() {
        let english = keys(include_str!("../locales/en/main.ftl"));
        assert!(english.len() > 40);
        for (lang, ftl) in [
            ("de", include_str!("../locales/de/main.ftl")),
            ("fr", include_str!("../locales/fr/main.ftl")),
            ("it", include_str!("../locales/it/main.ftl")),
            ("es", include_str!("../locales/es/main.ftl")),
        ] {
            assert_eq!(keys(ftl), english, "{lang}");
            for key in &english {
                assert_ne!(t(lang, key), "", "{lang} {key}");
            }
        }
    }

    #[test]
    fn plurals_select_by_number() {
        assert_eq!(
            t_args("en", "code-wrong", &[("left", Arg::Number(1))]),
            "This code is not right. One try left."
        );
        assert_eq!(
            t_args("en", "code-wrong", &[("left", Arg::Number(3))]),
            "This code is not right. 3 tries left."
        );
    }

    #[test]
    fn unknown_languages_fall_back_to_english() {
        assert_eq!(language("pt"), "en");
        assert_eq!(t("pt", "email-submit"), t("en", "email-submit"));
    }
}
