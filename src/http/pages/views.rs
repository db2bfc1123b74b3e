//! The guest pages as askama templates: what each shows, in the session's language. HTML is
//! escaped by the templates; nothing here ever holds a secret value.

use askama::Template;
use serde_json::{Map, Value};

use crate::domain::LANGUAGES;
use crate::domain::branding::Branding;
use crate::domain::connector::{ConnectorSpec, FieldType};
use crate::i18n::{self, Arg, t, t_args};
use crate::service::guest::FormProblem;

pub struct LanguageLink {
    pub code: &'static str,
    pub name: String,
    pub current: bool,
}

/// What every page has: its language, title and the language switcher.
pub struct Page {
    pub lang: &'static str,
    pub title: String,
    pub languages: Vec<LanguageLink>,
    /// Set on a page shown in a frame of an embed origin: what `embed.js` needs.
    pub embed: Option<EmbedView>,
    /// The account's branding, when it has any.
    pub brand: Option<BrandView>,
}

/// What a page shows of the account's branding (`domain::branding`).
#[derive(Clone)]
pub struct BrandView {
    /// The display name: the logo's `alt`.
    pub name: String,
    /// The logo's path (`/g/assets/logos/{hash}`).
    pub logo: Option<String>,
    /// The colour's stylesheet (`/g/assets/brand/{rrggbb}.css`).
    pub stylesheet: Option<String>,
    /// "{display name} asks you to connect {connector}", shown above the page's own heading.
    pub asks: Option<String>,
}

impl BrandView {
    /// `None` for an account without branding. `connector` (its name, and whether the
    /// invitation is a reconnect) makes the "asks you to connect" line, with a display name.
    pub fn new(lang: &str, branding: &Branding, connector: Option<(&str, bool)>) -> Option<Self> {
        if branding == &Branding::default() {
            return None;
        }
        let name = branding
            .display_name
            .as_ref()
            .map(|n| n.as_str().to_string());
        let asks = match (&name, connector) {
            (Some(name), Some((connector, edit))) => Some(t_args(
                lang,
                if edit {
                    "brand-asks-edit"
                } else {
                    "brand-asks"
                },
                &[
                    ("name", Arg::from(name.as_str())),
                    ("connector", Arg::from(connector)),
                ],
            )),
            _ => None,
        };
        Some(BrandView {
            name: name.unwrap_or_default(),
            logo: branding.logo_path(),
            stylesheet: branding.stylesheet_path(),
            asks,
        })
    }
}

/// What a framed page hands `embed.js`, as data attributes of `<body>`.
#[derive(Clone)]
pub struct EmbedView {
    /// The account's embed origins, space-separated: the only targets of a message.
    pub origins: String,
    /// On the done page: the completion's result code, posted as `activation_token`.
    pub activation_token: Option<String>,
}

/// The language switcher's links, `lang` the current one.
pub fn language_links(lang: &str) -> Vec<LanguageLink> {
    LANGUAGES
        .iter()
        .map(|code| LanguageLink {
            code,
            name: t(code, "language-name"),
            current: *code == lang,
        })
        .collect()
}

impl Page {
    pub fn new(lang: &str, title_key: &str) -> Page {
        let lang = i18n::language(lang);
        Page {
            lang,
            title: t(lang, title_key),
            languages: language_links(lang),
            embed: None,
            brand: None,
        }
    }

    pub fn t(&self, key: &str) -> String {
        t(self.lang, key)
    }

    pub fn ta(&self, key: &str, name: &'static str, value: &str) -> String {
        t_args(self.lang, key, &[(name, Arg::from(value))])
    }
}

#[derive(Template)]
#[template(path = "guest/message.html")]
pub struct MessagePage {
    pub page: Page,
    pub heading: String,
    pub lines: Vec<String>,
}

impl MessagePage {
    /// A page of a title and paragraphs, all from the locale files.
    pub fn new(lang: &str, title_key: &str, line_keys: &[&str]) -> MessagePage {
        let page = Page::new(lang, title_key);
        MessagePage {
            heading: page.title.clone(),
            lines: line_keys.iter().map(|k| page.t(k)).collect(),
            page,
        }
    }
}

/// The renewal form of an expired or used-up link.
pub struct RenewalForm {
    /// `/g/{token}/renew`.
    pub action: String,
    pub csrf: String,
}

/// The page of a link that can no longer be used: why, and for an expired or used-up one, a
/// button that asks for a new link.
#[derive(Template)]
#[template(path = "guest/gone.html")]
pub struct GonePage {
    pub page: Page,
    pub heading: String,
    pub lines: Vec<String>,
    pub renewal: Option<RenewalForm>,
}

#[derive(Template)]
#[template(path = "guest/email.html")]
pub struct EmailPage {
    pub page: Page,
    pub connection: String,
    pub connector: String,
    pub csrf: String,
    pub email: String,
    pub error: Option<String>,
}

#[derive(Template)]
#[template(path = "guest/code.html")]
pub struct CodePage {
    pub page: Page,
    pub connection: String,
    pub connector: String,
    pub csrf: String,
    pub email: String,
    pub intro: String,
    pub error: Option<String>,
}

#[derive(Template)]
#[template(path = "guest/pick.html")]
pub struct PickPage {
    pub page: Page,
    pub connection: String,
    pub csrf: String,
    /// (connector id, connector name)
    pub choices: Vec<(String, String)>,
    pub error: Option<String>,
}

impl PickPage {
    pub fn new(
        lang: &str,
        category: &str,
        connection: &str,
        csrf: String,
        choices: Vec<(String, String)>,
        error: Option<String>,
    ) -> PickPage {
        let mut page = Page::new(lang, "pick-submit");
        page.title = page.ta("pick-title", "category", category);
        PickPage {
            page,
            connection: connection.to_string(),
            csrf,
            choices,
            error,
        }
    }
}

/// One input of the form.
pub struct FieldView {
    pub key: String,
    pub label: String,
    pub help: String,
    /// `text`, `password`, `number`, `checkbox` or `select`.
    pub input: &'static str,
    pub value: String,
    pub checked: bool,
    pub options: Vec<(String, bool)>,
    pub required: bool,
    pub locked: bool,
    pub described: bool,
    pub error: Option<String>,
}

pub struct ErrorLink {
    pub field: String,
    /// "Label: message", punctuated for the language.
    pub text: String,
}

#[derive(Template)]
#[template(path = "guest/form.html")]
pub struct FormPage {
    pub page: Page,
    pub heading: String,
    pub intro: String,
    pub submit: String,
    pub csrf: String,
    pub fields: Vec<FieldView>,
    pub errors: Vec<ErrorLink>,
    pub general_error: Option<String>,
}

fn shown(value: Option<&Value>) -> String {
    match value {
        None | Some(Value::Null) => String::new(),
        Some(Value::String(s)) => s.clone(),
        Some(other) => other.to_string(),
    }
}

impl FormPage {
    /// The form for `spec`: `values` are the non-secret values to show (prefill, or what the
    /// guest typed); secret inputs always start empty.
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        lang: &str,
        spec: &ConnectorSpec,
        connection: &str,
        edit: bool,
        csrf: String,
        values: &Map<String, Value>,
        locked: &[String],
        problems: &[FormProblem],
        general_error: Option<String>,
    ) -> FormPage {
        let title_key = if edit {
            "form-title-edit"
        } else {
            "form-title-create"
        };
        let mut page = Page::new(lang, title_key);
        // The title takes the connector's name: without it the lookup fails.
        let heading = page.ta(title_key, "connector", &spec.name);
        page.title = heading.clone();
        let (intro, submit) = if edit {
            ("form-intro-edit", "form-submit-edit")
        } else {
            ("form-intro", "form-submit")
        };
        let intro = page.ta(intro, "connection", connection);
        let submit = page.t(submit);
        // After an error the secrets typed were dropped: say so next to each.
        let typed_again = !problems.is_empty() || general_error.is_some();
        let mut errors = Vec::new();
        let fields = spec
            .fields
            .iter()
            .map(|field| {
                let label = i18n::pick(&field.label, page.lang).to_string();
                let error = problems
                    .iter()
                    .find(|p| p.field == field.key)
                    .map(|p| p.message(page.lang));
                if let Some(message) = &error {
                    errors.push(ErrorLink {
                        field: field.key.clone(),
                        text: t_args(
                            page.lang,
                            "form-error-item",
                            &[
                                ("label", Arg::from(label.as_str())),
                                ("message", Arg::from(message.as_str())),
                            ],
                        ),
                    });
                }
                let is_locked = locked.contains(&field.key);
                let mut help = i18n::pick(&field.help, page.lang).to_string();
                for (applies, key) in [
                    (is_locked, "form-locked"),
                    (field.secret, "form-secret"),
                    (field.secret && typed_again, "form-secret-again"),
                ] {
                    if applies {
                        help = format!("{help} {}", page.t(key)).trim().to_string();
                    }
                }
                let value = if field.secret {
                    String::new()
                } else {
                    shown(values.get(&field.key).or(field.default.as_ref()))
                };
                let input = match field.kind {
                    _ if field.secret => "password",
                    FieldType::String => "text",
                    FieldType::Integer => "number",
                    FieldType::Boolean => "checkbox",
                    FieldType::Enum => "select",
                };
                FieldView {
                    key: field.key.clone(),
                    label,
                    described: !help.is_empty() || error.is_some(),
                    help,
                    input,
                    checked: value == "true",
                    options: field
                        .options
                        .iter()
                        .map(|o| (o.clone(), *o == value))
                        .collect(),
                    value,
                    required: field.required,
                    locked: is_locked,
                    error,
                }
            })
            .collect();
        FormPage {
            heading,
            intro,
            submit,
            csrf,
            fields,
            errors,
            general_error,
            page,
        }
    }
}
