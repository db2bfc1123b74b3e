//! The account's branding in the console (issue 13, point 9), owners only: the display name,
//! the primary colour and the logo that guest pages and emails show ("{display name} asks you
//! to connect {connector}"). The form is a file upload (`multipart/form-data`, no script); its
//! values are parsed by `domain::branding`, as `PATCH /v1/account` parses its JSON, and stored
//! by `Portico::update_branding`, which holds the role rule.

use askama::Template;
use axum::Router;
use axum::extract::{DefaultBodyLimit, FromRequest, Multipart, Request};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use axum::routing::get;

use super::session::Signed;
use super::views::ConsolePage;
use super::{html, see_other, service_failed};
use crate::domain::branding::{
    Branding, BrandingChanges, Colour, DisplayName, Logo, MAX_LOGO_BYTES,
};
use crate::http::AppState;
use crate::http::api::account::ACCOUNT_BODY_LIMIT_BYTES;
use crate::service::ServiceError;

pub fn routes() -> Router<AppState> {
    Router::new().route(
        "/console/branding",
        get(page)
            .post(save)
            .layer(DefaultBodyLimit::max(ACCOUNT_BODY_LIMIT_BYTES)),
    )
}

#[derive(Template)]
#[template(path = "console/branding.html")]
pub struct BrandingPage {
    pub page: ConsolePage,
    pub display_name: String,
    pub primary_color: String,
    /// The stored colour as `#rrggbb`, for the swatch.
    pub swatch: Option<String>,
    pub logo: Option<String>,
    /// "{display name} asks you to connect …", as guests will read it.
    pub preview: String,
    /// (input, message)
    pub errors: Vec<(&'static str, String)>,
    pub notice: Option<String>,
}

impl BrandingPage {
    pub fn error(&self, input: &str) -> Option<&str> {
        self.errors
            .iter()
            .find(|(f, _)| *f == input)
            .map(|(_, m)| m.as_str())
    }

    pub fn label_of(&self, input: &str) -> String {
        self.page
            .t(&format!("console-brand-{}", input.replace('_', "-")))
    }
}

/// What the form showed or sent: the text inputs as typed.
#[derive(Default)]
struct Typed {
    display_name: String,
    primary_color: String,
}

fn render(
    signed: &Signed,
    status: StatusCode,
    stored: &Branding,
    typed: Option<Typed>,
    errors: Vec<(&'static str, String)>,
    notice: Option<String>,
) -> Response {
    let frame = signed.page("console-brand-title").at("/console/branding");
    let typed = typed.unwrap_or_else(|| Typed {
        display_name: stored
            .display_name
            .as_ref()
            .map(|n| n.as_str().to_string())
            .unwrap_or_default(),
        primary_color: stored.primary_color.map(|c| c.css()).unwrap_or_default(),
    });
    let name = stored
        .display_name
        .as_ref()
        .map_or("Portico", |n| n.as_str());
    let preview = crate::i18n::t_args(
        frame.lang,
        "brand-asks",
        &[
            ("name", crate::i18n::Arg::from(name)),
            ("connector", crate::i18n::Arg::from("Toggl Track")),
        ],
    );
    html(
        status,
        BrandingPage {
            display_name: typed.display_name,
            primary_color: typed.primary_color,
            swatch: stored.primary_color.map(|c| c.css()),
            logo: stored.logo_path(),
            preview,
            errors,
            notice,
            page: frame,
        },
    )
}

#[derive(serde::Deserialize, Default)]
pub struct PageQuery {
    done: Option<String>,
}

/// `GET /console/branding`.
async fn page(signed: Signed, query: axum::extract::Query<PageQuery>) -> Response {
    let frame = signed.page("console-brand-title");
    let stored = match signed.state.portico.branding(&signed.user).await {
        Ok(branding) => branding,
        Err(e) => return service_failed(frame, e),
    };
    let notice = (query.done.as_deref() == Some("saved"))
        .then(|| crate::i18n::t(signed.lang, "console-brand-saved"));
    render(&signed, StatusCode::OK, &stored, None, Vec::new(), notice)
}

/// The form as sent: its CSRF token, text inputs, the logo file (bytes and declared type) and
/// whether to remove the logo.
#[derive(Default)]
struct Sent {
    csrf: String,
    typed: Typed,
    logo: Option<(Vec<u8>, String)>,
    remove_logo: bool,
}

/// Reads the upload; `Err(())` when the body is not a form this page sends (or too large).
async fn read_sent(mut multipart: Multipart) -> Result<Sent, ()> {
    let mut sent = Sent::default();
    while let Some(field) = multipart.next_field().await.map_err(|_| ())? {
        let name = field.name().unwrap_or("").to_string();
        match name.as_str() {
            "logo" => {
                let declared = field.content_type().unwrap_or("").to_string();
                let has_file = field.file_name().is_some_and(|f| !f.is_empty());
                let bytes = field.bytes().await.map_err(|_| ())?;
                if has_file || !bytes.is_empty() {
                    sent.logo = Some((bytes.to_vec(), declared));
                }
            }
            _ => {
                let text = field.text().await.map_err(|_| ())?;
                match name.as_str() {
                    "csrf" => sent.csrf = text,
                    "display_name" => sent.typed.display_name = text,
                    "primary_color" => sent.typed.primary_color = text,
                    "remove_logo" => sent.remove_logo = !text.is_empty(),
                    _ => {}
                }
            }
        }
    }
    Ok(sent)
}

/// The changes the form asks for, or the inputs' errors in the page's language. An empty text
/// input removes that part; a file replaces the logo; "remove the logo" removes it.
fn changes_of(
    page_lang: &str,
    sent: &Sent,
) -> Result<BrandingChanges, Vec<(&'static str, String)>> {
    let t = |key: &str| crate::i18n::t(page_lang, key);
    let mut errors = Vec::new();
    let name = sent.typed.display_name.trim();
    let display_name = if name.is_empty() {
        Some(None)
    } else {
        match DisplayName::parse(name) {
            Ok(name) => Some(Some(name)),
            Err(_) => {
                errors.push(("display_name", t("console-brand-display-name-invalid")));
                None
            }
        }
    };
    let colour = sent.typed.primary_color.trim();
    let primary_color = if colour.is_empty() {
        Some(None)
    } else {
        match Colour::parse(colour) {
            Ok(colour) => Some(Some(colour)),
            Err(_) => {
                errors.push(("primary_color", t("console-brand-primary-color-invalid")));
                None
            }
        }
    };
    let logo = match (&sent.logo, sent.remove_logo) {
        (Some((bytes, declared)), _) => match Logo::parse(bytes.clone(), declared) {
            Ok(logo) => Some(Some(logo)),
            Err(_) => {
                let message = crate::i18n::t_args(
                    page_lang,
                    "console-brand-logo-invalid",
                    &[(
                        "kib",
                        crate::i18n::Arg::from((MAX_LOGO_BYTES / 1024) as i64),
                    )],
                );
                errors.push(("logo", message));
                None
            }
        },
        (None, true) => Some(None),
        (None, false) => None,
    };
    if errors.is_empty() {
        Ok(BrandingChanges {
            display_name,
            primary_color,
            logo,
        })
    } else {
        Err(errors)
    }
}

/// `POST /console/branding` (`multipart/form-data`): saves and goes back to the page, or
/// shows the errors with what was typed and stores nothing.
async fn save(signed: Signed, headers: HeaderMap, request: Request) -> Response {
    let frame = || signed.page("console-brand-title");
    let sent = match Multipart::from_request(request, &signed.state).await {
        Ok(multipart) => read_sent(multipart).await,
        Err(_) => Err(()),
    };
    let Ok(sent) = sent else {
        // Not our form (or larger than any logo we take): refused, nothing stored. A CSRF
        // token could not be read either, so this is the forbidden page.
        return super::forbidden(frame());
    };
    if let Err(response) = signed.verify(&headers, &sent.csrf) {
        return response;
    }
    let portico = &signed.state.portico;
    match changes_of(signed.lang, &sent) {
        Ok(changes) => match portico.update_branding(&signed.user, changes).await {
            Ok(_) => see_other("/console/branding?done=saved"),
            Err(e) => service_failed(frame(), e),
        },
        Err(errors) => match portico.branding(&signed.user).await {
            Ok(stored) => render(
                &signed,
                StatusCode::UNPROCESSABLE_ENTITY,
                &stored,
                Some(sent.typed),
                errors,
                None,
            ),
            Err(ServiceError::Forbidden) => super::forbidden(frame()),
            Err(e) => service_failed(frame(), e),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sent(name: &str, colour: &str) -> Sent {
        Sent {
            typed: Typed {
                display_name: name.into(),
                primary_color: colour.into(),
            },
            ..Sent::default()
        }
    }

    #[test]
    fn empty_inputs_remove_and_no_file_keeps_the_logo() {
        let changes = changes_of("en", &sent(" ", "")).unwrap();
        assert_eq!(changes.display_name, Some(None));
        assert_eq!(changes.primary_color, Some(None));
        assert_eq!(changes.logo, None);
        let mut remove = sent("Acme", "#abc");
        remove.remove_logo = true;
        let changes = changes_of("en", &remove).unwrap();
        assert_eq!(changes.display_name.unwrap().unwrap().as_str(), "Acme");
        assert_eq!(changes.primary_color.unwrap().unwrap().css(), "#aabbcc");
        assert_eq!(changes.logo, Some(None));
    }

    #[test]
    fn every_bad_input_is_named_in_the_page_language() {
        let mut bad = sent(&"x".repeat(101), "blue");
        bad.logo = Some((b"GIF89a".to_vec(), "image/gif".into()));
        let errors = changes_of("de", &bad).unwrap_err();
        let inputs: Vec<_> = errors.iter().map(|(f, _)| *f).collect();
        assert_eq!(inputs, ["display_name", "primary_color", "logo"]);
        for (input, message) in &errors {
            assert_ne!(
                message,
                &crate::i18n::t(
                    "en",
                    &format!("console-brand-{}-invalid", input.replace('_', "-"))
                ),
                "{input} is in German"
            );
        }
        assert!(errors[2].1.contains("256"), "{}", errors[2].1);
    }
}
