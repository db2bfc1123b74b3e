//! Who is signed in to the console: the session cookie (`__Host-` and `Secure` on https,
//! HttpOnly, `SameSite=Lax`; 12 hours idle, kept by hash in the database), the user's language,
//! and the CSRF token every state-changing form carries (derived from the session cookie, or,
//! before sign-in, from a sign-in cookie of its own).

use axum::extract::{FromRequestParts, Query};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::Response;
use serde::Deserialize;

use super::views::ConsolePage;
use super::{forbidden, see_other, service_failed};
use crate::crypto::csrf;
use crate::crypto::token::random_token;
use crate::domain::user::ConsoleUser;
use crate::domain::values::Language;
use crate::http::AppState;
use crate::http::pages::guard::origin_allowed;
use crate::i18n;
use crate::secret::Secret;

/// The session cookie's name.
pub fn session_cookie_name(public_url: &str) -> &'static str {
    if https(public_url) {
        "__Host-portico_console"
    } else {
        "portico_console"
    }
}

/// The sign-in cookie's name: it carries the CSRF token of the sign-in and password forms,
/// before there is a session.
pub fn pre_cookie_name(public_url: &str) -> &'static str {
    if https(public_url) {
        "__Host-portico_console_signin"
    } else {
        "portico_console_signin"
    }
}

fn https(public_url: &str) -> bool {
    public_url.starts_with("https://")
}

/// The value of cookie `name`, if the request has it.
pub fn read_cookie(headers: &HeaderMap, name: &str) -> Option<Secret<String>> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| Secret::new(v.to_string()))
}

/// `Set-Cookie` for `name=value` (or, with `None`, one that deletes it), path `/`, HttpOnly,
/// `SameSite=Lax` (a link from an email opens the console signed in; a cross-site POST carries
/// no cookie), `Secure` on https.
pub fn set_cookie(name: &str, value: Option<&Secret<String>>, public_url: &str) -> HeaderValue {
    let secure = if https(public_url) { "; Secure" } else { "" };
    let (value, max_age) = match value {
        Some(v) => (v.expose().as_str(), String::new()),
        None => ("", "; Max-Age=0".to_string()),
    };
    HeaderValue::from_str(&format!(
        "{name}={value}; Path=/; HttpOnly; SameSite=Lax{secure}{max_age}"
    ))
    .expect("cookie values are base64url")
}

#[derive(Deserialize)]
struct LangQuery {
    lang: Option<String>,
}

/// The language of a page: `?lang=` when it names one of ours, else the user's choice, else
/// the browser's `Accept-Language`.
pub fn page_language(parts: &Parts, chosen: Option<&str>) -> &'static str {
    let asked = Query::<LangQuery>::try_from_uri(&parts.uri)
        .ok()
        .and_then(|q| q.0.lang)
        .and_then(|l| Language::parse(&l));
    if let Some(lang) = asked {
        return lang.as_str();
    }
    if let Some(lang) = chosen.and_then(Language::parse) {
        return lang.as_str();
    }
    let accept = parts
        .headers
        .get(header::ACCEPT_LANGUAGE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    i18n::negotiate(accept)
}

/// A signed-in console user, with the session's cookie and the page language. Extracting it
/// from a request without an open session answers 303 to `/console/login`.
pub struct Signed {
    pub user: ConsoleUser,
    pub cookie: Secret<String>,
    pub lang: &'static str,
    pub state: AppState,
    /// The request's query without `lang`, kept by the language links.
    pub query: Vec<(String, String)>,
}

impl Signed {
    /// The frame of a page titled by `title_key`, with the navigation and the sign-out form.
    pub fn page(&self, title_key: &str) -> ConsolePage {
        let mut page =
            ConsolePage::signed(self.lang, title_key, &self.user, csrf::token(&self.cookie));
        page.lang_query = self.query.clone();
        page
    }

    /// The form fields of a POST from this session, without its CSRF token: the request must
    /// come from our origin and carry the session's token, else 403 and nothing is done.
    #[allow(
        clippy::result_large_err,
        reason = "the error is the page to answer with, as axum handlers return it"
    )]
    pub fn form(&self, headers: &HeaderMap, body: &[u8]) -> Result<Form, Response> {
        let form = Form::parse(body);
        self.verify(headers, form.csrf())?;
        Ok(form)
    }

    /// The check of [`Signed::form`] for a form read otherwise (a file upload): our origin and
    /// the session's CSRF token `csrf`, else the 403 page.
    #[allow(
        clippy::result_large_err,
        reason = "the error is the page to answer with, as axum handlers return it"
    )]
    pub fn verify(&self, headers: &HeaderMap, csrf: &str) -> Result<(), Response> {
        let public_url = &self.state.portico.settings.public_url;
        if !origin_allowed(headers, public_url) || !csrf::matches(&self.cookie, csrf) {
            return Err(forbidden(self.page("console-forbidden-title")));
        }
        Ok(())
    }
}

impl FromRequestParts<AppState> for Signed {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Response> {
        let portico = &state.portico;
        let name = session_cookie_name(&portico.settings.public_url);
        let Some(cookie) = read_cookie(&parts.headers, name) else {
            return Err(see_other("/console/login"));
        };
        let user = match portico.console_session(&cookie).await {
            Ok(Some(user)) => user,
            Ok(None) => return Err(see_other("/console/login")),
            Err(e) => {
                let lang = page_language(parts, None);
                return Err(service_failed(
                    ConsolePage::anonymous(lang, "error-title"),
                    e,
                ));
            }
        };
        let lang = page_language(parts, user.language.as_deref());
        // `?lang=` is the user's choice from now on.
        if user.language.as_deref() != Some(lang)
            && Query::<LangQuery>::try_from_uri(&parts.uri)
                .ok()
                .and_then(|q| q.0.lang)
                .is_some()
            && let Err(e) = portico.set_user_language(&user, lang).await
        {
            return Err(service_failed(
                ConsolePage::anonymous(lang, "error-title"),
                e,
            ));
        }
        let query = url::form_urlencoded::parse(parts.uri.query().unwrap_or("").as_bytes())
            .filter(|(k, _)| k != "lang")
            .map(|(k, v)| (k.into_owned(), v.into_owned()))
            .collect();
        Ok(Signed {
            user,
            cookie,
            lang,
            state: state.clone(),
            query,
        })
    }
}

/// The sign-in cookie of a request, or a new one (with the `Set-Cookie` to send).
pub fn pre_session(headers: &HeaderMap, public_url: &str) -> (Secret<String>, Option<HeaderValue>) {
    let name = pre_cookie_name(public_url);
    match read_cookie(headers, name) {
        Some(value) if !value.expose().is_empty() => (value, None),
        _ => {
            let value = random_token();
            let set = set_cookie(name, Some(&value), public_url);
            (value, Some(set))
        }
    }
}

/// A POST's fields, as sent (urlencoded).
pub struct Form(Vec<(String, String)>);

impl Form {
    pub fn parse(body: &[u8]) -> Form {
        Form(
            url::form_urlencoded::parse(body)
                .map(|(k, v)| (k.into_owned(), v.into_owned()))
                .collect(),
        )
    }

    pub fn get(&self, name: &str) -> &str {
        self.0
            .iter()
            .find(|(k, _)| k == name)
            .map_or("", |(_, v)| v.as_str())
    }

    /// Every value of `name`, in order (checkboxes sharing a name).
    pub fn values<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a str> + 'a {
        self.0
            .iter()
            .filter(move |(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    pub fn fields(&self) -> &[(String, String)] {
        &self.0
    }

    pub fn csrf(&self) -> &str {
        self.get("csrf")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cookies_are_host_bound_and_secure_on_https_only() {
        let value = Secret::new("abc".to_string());
        let https = set_cookie(
            session_cookie_name("https://p.example"),
            Some(&value),
            "https://p.example",
        );
        assert_eq!(
            https.to_str().unwrap(),
            "__Host-portico_console=abc; Path=/; HttpOnly; SameSite=Lax; Secure"
        );
        let http = set_cookie(
            session_cookie_name("http://127.0.0.1"),
            Some(&value),
            "http://127.0.0.1",
        );
        assert_eq!(
            http.to_str().unwrap(),
            "portico_console=abc; Path=/; HttpOnly; SameSite=Lax"
        );
        let gone = set_cookie("portico_console", None, "http://127.0.0.1");
        assert!(gone.to_str().unwrap().ends_with("Max-Age=0"));
    }
}
