//! The console's pages as askama templates (`templates/console/`), in the user's language.
//! HTML is escaped by the templates; no page ever holds a secret of a connection.

use askama::Template;

use crate::domain::user::{Action, ConsoleUser, LinkPurpose, Role};
use crate::http::pages::views::{LanguageLink, language_links};
use crate::i18n::{self, Arg, t, t_args};

/// A link of the navigation.
pub struct NavItem {
    pub href: &'static str,
    pub label: String,
    pub current: bool,
}

/// Who is signed in, as the header shows it.
pub struct UserView {
    pub email: String,
    pub role: String,
    /// The sign-out form's CSRF token.
    pub csrf: String,
}

/// What every console page has: language, title, the language switcher, and for a signed-in
/// user the navigation and the sign-out form.
pub struct ConsolePage {
    pub lang: &'static str,
    pub title: String,
    pub languages: Vec<LanguageLink>,
    pub user: Option<UserView>,
    pub nav: Vec<NavItem>,
    /// The query of the language links: the page's own, with `lang` set.
    pub lang_query: Vec<(String, String)>,
}

/// The sections of the navigation, and who sees each.
const SECTIONS: [(&str, &str, Option<Action>); 9] = [
    ("/console", "console-nav-home", None),
    ("/console/invitations", "console-nav-invitations", None),
    ("/console/invitations/new", "console-nav-new", None),
    ("/console/connections", "console-nav-connections", None),
    ("/console/events", "console-nav-events", None),
    (
        "/console/webhooks",
        "console-nav-webhooks",
        Some(Action::ManageWebhooks),
    ),
    (
        "/console/api-keys",
        "console-nav-api-keys",
        Some(Action::ManageApiKeys),
    ),
    (
        "/console/branding",
        "console-nav-branding",
        Some(Action::ManageBranding),
    ),
    ("/console/users", "console-nav-users", None),
];

impl ConsolePage {
    pub fn anonymous(lang: &str, title_key: &str) -> ConsolePage {
        let lang = i18n::language(lang);
        ConsolePage {
            lang,
            title: t(lang, title_key),
            languages: language_links(lang),
            user: None,
            nav: Vec::new(),
            lang_query: Vec::new(),
        }
    }

    pub fn signed(lang: &str, title_key: &str, user: &ConsoleUser, csrf: String) -> ConsolePage {
        let mut page = ConsolePage::anonymous(lang, title_key);
        page.user = Some(UserView {
            email: user.email.clone(),
            role: page.t(match user.role {
                Role::Owner => "console-role-owner",
                Role::Member => "console-role-member",
            }),
            csrf,
        });
        page.nav = SECTIONS
            .iter()
            .filter(|(_, _, action)| action.is_none_or(|a| user.role.may(a)))
            .map(|(href, key, _)| NavItem {
                href,
                label: t(page.lang, key),
                current: false,
            })
            .collect();
        page
    }

    /// Marks the navigation's link to `href` as the current page.
    pub fn at(mut self, href: &str) -> ConsolePage {
        for item in &mut self.nav {
            item.current = item.href == href;
        }
        self
    }

    pub fn t(&self, key: &str) -> String {
        t(self.lang, key)
    }

    /// The session's CSRF token, for the page's forms.
    pub fn csrf(&self) -> &str {
        self.user.as_ref().map_or("", |u| u.csrf.as_str())
    }

    pub fn ta(&self, key: &str, name: &'static str, value: &str) -> String {
        t_args(self.lang, key, &[(name, Arg::from(value))])
    }

    /// `?lang=code` with the rest of the page's query kept.
    pub fn lang_href(&self, code: &str) -> String {
        let mut query = url::form_urlencoded::Serializer::new(String::new());
        for (k, v) in &self.lang_query {
            query.append_pair(k, v);
        }
        query.append_pair("lang", code);
        format!("?{}", query.finish())
    }
}

#[derive(Template)]
#[template(path = "console/message.html")]
pub struct MessagePage {
    pub page: ConsolePage,
    pub heading: String,
    pub lines: Vec<String>,
}

impl MessagePage {
    pub fn new(mut page: ConsolePage, title_key: &str, line_keys: &[&str]) -> MessagePage {
        page.title = page.t(title_key);
        MessagePage {
            heading: page.title.clone(),
            lines: line_keys.iter().map(|k| page.t(k)).collect(),
            page,
        }
    }
}

#[derive(Template)]
#[template(path = "console/login.html")]
pub struct LoginPage {
    pub page: ConsolePage,
    pub csrf: String,
    pub email: String,
    pub error: Option<String>,
    pub notice: Option<String>,
}

#[derive(Template)]
#[template(path = "console/forgot.html")]
pub struct ForgotPage {
    pub page: ConsolePage,
    pub csrf: String,
}

#[derive(Template)]
#[template(path = "console/password.html")]
pub struct PasswordPage {
    pub page: ConsolePage,
    pub heading: String,
    pub intro: String,
    /// The user's address; `None` on a setup link, where it is asked for.
    pub user_email: Option<String>,
    pub csrf: String,
    pub email: String,
    /// (field, message)
    pub errors: Vec<(String, String)>,
}

impl PasswordPage {
    pub fn new(
        lang: &str,
        purpose: LinkPurpose,
        user_email: Option<String>,
        csrf: String,
        email: String,
        errors: Vec<(String, String)>,
    ) -> PasswordPage {
        let (title, intro) = match purpose {
            LinkPurpose::Setup => ("console-setup-title", "console-setup-intro"),
            LinkPurpose::Set => ("console-password-title", "console-password-intro"),
            LinkPurpose::Reset => ("console-reset-title", "console-password-intro"),
        };
        let page = ConsolePage::anonymous(lang, title);
        PasswordPage {
            heading: page.title.clone(),
            intro: page.t(intro),
            page,
            user_email,
            csrf,
            email,
            errors,
        }
    }

    pub fn error(&self, field: &str) -> Option<&str> {
        self.errors
            .iter()
            .find(|(f, _)| f == field)
            .map(|(_, m)| m.as_str())
    }
}

/// An `<option>` or a radio choice.
pub struct ChoiceView {
    pub value: String,
    pub label: String,
    pub selected: bool,
}

#[derive(Template)]
#[template(path = "console/new_direction.html")]
pub struct DirectionPage {
    pub page: ConsolePage,
}

impl DirectionPage {
    pub fn new(page: ConsolePage) -> DirectionPage {
        DirectionPage { page }
    }
}

/// A connector in the picker.
pub struct ConnectorCard {
    pub id: String,
    pub name: String,
    pub categories: String,
}

#[derive(Template)]
#[template(path = "console/new_picker.html")]
pub struct PickerPage {
    pub page: ConsolePage,
    pub direction: &'static str,
    pub heading: String,
    /// (category, its link is the current filter)
    pub categories: Vec<(String, bool)>,
    pub category: String,
    pub q: String,
    pub cards: Vec<ConnectorCard>,
}

impl PickerPage {
    pub fn new(
        mut page: ConsolePage,
        direction: crate::domain::connector::Direction,
        specs: &[&crate::domain::connector::ConnectorSpec],
        category: Option<&str>,
        q: &str,
    ) -> PickerPage {
        let mut categories: Vec<String> = specs
            .iter()
            .flat_map(|s| s.categories.iter().cloned())
            .collect();
        categories.sort();
        categories.dedup();
        let category = category.filter(|c| categories.iter().any(|k| k == c));
        let heading = page.t(match direction {
            crate::domain::connector::Direction::Source => "console-pick-source",
            crate::domain::connector::Direction::Destination => "console-pick-destination",
        });
        page.title = heading.clone();
        page.lang_query = vec![("direction".into(), direction.as_str().into())];
        PickerPage {
            cards: super::invitations::connector_cards(specs, category, q),
            categories: categories
                .into_iter()
                .map(|c| {
                    let current = Some(c.as_str()) == category;
                    (c, current)
                })
                .collect(),
            category: category.unwrap_or_default().to_string(),
            q: q.to_string(),
            direction: direction.as_str(),
            heading,
            page,
        }
    }
}

#[derive(Template)]
#[template(path = "console/new_mode.html")]
pub struct ModePage {
    pub page: ConsolePage,
    pub direction: &'static str,
    pub connector_id: String,
    pub heading: String,
    /// The labels of the fields the guest will fill in.
    pub fields: Vec<String>,
}

impl ModePage {
    pub fn new(
        mut page: ConsolePage,
        direction: crate::domain::connector::Direction,
        spec: &crate::domain::connector::ConnectorSpec,
    ) -> ModePage {
        let heading = page.ta("console-mode-title", "connector", &spec.name);
        page.title = heading.clone();
        page.lang_query = vec![
            ("direction".into(), direction.as_str().into()),
            ("connector".into(), spec.id.clone()),
            ("step".into(), "mode".into()),
        ];
        ModePage {
            fields: spec
                .fields
                .iter()
                .map(|f| i18n::pick(&f.label, page.lang).to_string())
                .collect(),
            direction: direction.as_str(),
            connector_id: spec.id.clone(),
            heading,
            page,
        }
    }
}

/// A non-secret field of the connector, under "more options": its prefill and lock.
pub struct OptionField {
    pub key: String,
    pub label: String,
    pub value: String,
    pub locked: bool,
    pub boolean: bool,
    pub options: Vec<String>,
}

#[derive(Template)]
#[template(path = "console/new_form.html")]
pub struct InvitationFormPage {
    pub page: ConsolePage,
    pub heading: String,
    pub direction: &'static str,
    pub connector_id: String,
    pub recipient_email: String,
    pub connection_name: String,
    pub expiry: Vec<ChoiceView>,
    pub max_uses: String,
    pub allowed_emails: String,
    pub languages: Vec<ChoiceView>,
    pub fields: Vec<OptionField>,
    pub redirect_url: String,
    /// (input, message); open the more options when one is theirs.
    pub errors: Vec<(String, String)>,
    pub options_open: bool,
}

impl InvitationFormPage {
    pub fn new(
        mut page: ConsolePage,
        direction: crate::domain::connector::Direction,
        spec: &crate::domain::connector::ConnectorSpec,
        form: &super::session::Form,
        errors: Vec<(String, String)>,
    ) -> InvitationFormPage {
        use super::invitations::{expiry_choices, language_choices, option_fields};
        let heading = page.ta("console-form-title", "connector", &spec.name);
        page.title = heading.clone();
        page.lang_query = vec![
            ("direction".into(), direction.as_str().into()),
            ("connector".into(), spec.id.clone()),
        ];
        let lang = page.lang;
        let posted = !form.fields().is_empty();
        let options_open = errors
            .iter()
            .any(|(f, _)| f != "recipient_email" && f != "connection_name");
        InvitationFormPage {
            direction: direction.as_str(),
            connector_id: spec.id.clone(),
            recipient_email: form.get("recipient_email").to_string(),
            connection_name: form.get("connection_name").to_string(),
            expiry: expiry_choices(lang, form.get("expires")),
            max_uses: if posted {
                form.get("max_uses").to_string()
            } else {
                "1".to_string()
            },
            allowed_emails: form.get("allowed_emails").to_string(),
            languages: language_choices(lang, form.get("language")),
            fields: option_fields(spec, lang, form),
            redirect_url: form.get("redirect_url").to_string(),
            errors,
            options_open,
            heading,
            page,
        }
    }

    pub fn error(&self, input: &str) -> Option<&str> {
        self.errors
            .iter()
            .find(|(f, _)| f == input)
            .map(|(_, m)| m.as_str())
    }

    /// "Label: message" for the error summary.
    pub fn label_of(&self, input: &str) -> String {
        match input {
            "recipient_email" => self.page.t("console-form-recipient"),
            "connection_name" => self.page.t("console-form-name"),
            "expires" => self.page.t("console-form-expiry"),
            "max_uses" => self.page.t("console-form-max-uses"),
            "allowed_emails" => self.page.t("console-form-allowed"),
            "language" => self.page.t("console-form-language"),
            "redirect_url" => self.page.t("console-form-redirect"),
            other => self
                .fields
                .iter()
                .find(|f| other.ends_with(&f.key))
                .map_or_else(|| other.to_string(), |f| f.label.clone()),
        }
    }

    /// Where the summary's link for `input` points.
    pub fn anchor_of(&self, input: &str) -> String {
        match input {
            f if f.starts_with("prefill.") => f.replace('.', "-"),
            f => f.to_string(),
        }
    }
}

#[derive(Template)]
#[template(path = "console/new_created.html")]
pub struct CreatedPage {
    pub page: ConsolePage,
    pub url: String,
    pub recipient: String,
    pub connection: String,
    pub connector: String,
}

/// A teammate in the list.
pub struct UserRow {
    pub email: String,
    pub role: String,
    pub pending: bool,
}

#[derive(Template)]
#[template(path = "console/users.html")]
pub struct UsersPage {
    pub page: ConsolePage,
    pub users: Vec<UserRow>,
    /// The invite form, for owners only.
    pub can_invite: bool,
    pub csrf: String,
    pub email: String,
    pub role: String,
    pub error: Option<String>,
    pub notice: Option<String>,
}
