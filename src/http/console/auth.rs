//! Signing in and out, and the password links (a new user's, a reset, the first owner's
//! setup). Before sign-in the forms' CSRF token comes from the sign-in cookie; the per-IP
//! budget of the guest pages bounds how fast one address can guess.

use axum::Extension;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

use super::session::{
    Form, Signed, pre_cookie_name, pre_session, read_cookie, session_cookie_name, set_cookie,
};
use super::views::{ConsolePage, ForgotPage, LoginPage, PasswordPage};
use super::{forbidden, html, message, see_other, service_failed};
use crate::crypto::csrf;
use crate::domain::user::LinkPurpose;
use crate::http::pages::guard::origin_allowed;
use crate::http::{AppState, ClientIp};
use crate::i18n::{self, Arg, t_args};
use crate::secret::Secret;
use crate::service::ServiceError;
use crate::service::users::SignIn;

#[derive(Deserialize)]
pub struct LoginQuery {
    lang: Option<String>,
    /// `password`: the password was just set; `reset`: a reset link was asked for.
    done: Option<String>,
}

fn language(headers: &HeaderMap, lang: Option<&str>) -> &'static str {
    if let Some(lang) = lang.and_then(crate::domain::values::Language::parse) {
        return lang.as_str();
    }
    i18n::negotiate(
        headers
            .get(header::ACCEPT_LANGUAGE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or(""),
    )
}

/// Adds the sign-in cookie's `Set-Cookie` when it is new.
fn with_pre_cookie(mut response: Response, set: Option<HeaderValue>) -> Response {
    if let Some(set) = set {
        response.headers_mut().append(header::SET_COOKIE, set);
    }
    response
}

/// The fields of a POST made before sign-in: from our origin, with the sign-in cookie's
/// CSRF token; else 403.
#[allow(
    clippy::result_large_err,
    reason = "the error is the page to answer with, as axum handlers return it"
)]
fn anonymous_form(
    state: &AppState,
    headers: &HeaderMap,
    body: &[u8],
    lang: &'static str,
) -> Result<Form, Response> {
    let public_url = &state.portico.settings.public_url;
    let form = Form::parse(body);
    let cookie = read_cookie(headers, pre_cookie_name(public_url));
    let valid = cookie.is_some_and(|c| csrf::matches(&c, form.csrf()));
    if !origin_allowed(headers, public_url) || !valid {
        return Err(forbidden(ConsolePage::anonymous(
            lang,
            "console-forbidden-title",
        )));
    }
    Ok(form)
}

fn too_many(lang: &'static str) -> Response {
    message(
        StatusCode::TOO_MANY_REQUESTS,
        ConsolePage::anonymous(lang, "too-many-title"),
        "too-many-title",
        &["too-many-body"],
    )
}

fn login_form(
    lang: &'static str,
    csrf: String,
    email: &str,
    error: Option<String>,
    notice: Option<String>,
) -> LoginPage {
    LoginPage {
        page: ConsolePage::anonymous(lang, "console-login-title"),
        csrf,
        email: email.to_string(),
        error,
        notice,
    }
}

/// `GET /console/login`.
pub async fn login_page(
    State(state): State<AppState>,
    headers: HeaderMap,
    Query(query): Query<LoginQuery>,
) -> Response {
    let lang = language(&headers, query.lang.as_deref());
    let (cookie, set) = pre_session(&headers, &state.portico.settings.public_url);
    let notice = match query.done.as_deref() {
        Some("password") => Some(i18n::t(lang, "console-password-done")),
        Some("reset") => Some(i18n::t(lang, "console-forgot-sent")),
        _ => None,
    };
    let page = login_form(lang, csrf::token(&cookie), "", None, notice);
    with_pre_cookie(html(StatusCode::OK, page), set)
}

/// `POST /console/login`: `email`, `password`, `csrf`. Success is a 303 into the console
/// with the session cookie; a wrong address or password re-renders the form (422, the same
/// message for both); a locked user gets 429 with `Retry-After`.
pub async fn login(
    State(state): State<AppState>,
    Extension(ClientIp(client)): Extension<ClientIp>,
    headers: HeaderMap,
    Query(query): Query<LoginQuery>,
    body: Bytes,
) -> Response {
    let lang = language(&headers, query.lang.as_deref());
    let form = match anonymous_form(&state, &headers, &body, lang) {
        Ok(form) => form,
        Err(response) => return response,
    };
    if !state.guest_limits.allow_ip(client) {
        return too_many(lang);
    }
    let public_url = &state.portico.settings.public_url;
    let email = form.get("email").trim().to_string();
    let csrf = form.csrf().to_string();
    match state.portico.sign_in(&email, form.get("password")).await {
        Ok(SignIn::Done { cookie, .. }) => {
            let mut response = see_other("/console");
            let headers = response.headers_mut();
            headers.append(
                header::SET_COOKIE,
                set_cookie(session_cookie_name(public_url), Some(&cookie), public_url),
            );
            headers.append(
                header::SET_COOKIE,
                set_cookie(pre_cookie_name(public_url), None, public_url),
            );
            response
        }
        Ok(SignIn::Refused) => {
            let error = i18n::t(lang, "console-login-wrong");
            html(
                StatusCode::UNPROCESSABLE_ENTITY,
                login_form(lang, csrf, &email, Some(error), None),
            )
        }
        Ok(SignIn::Locked { until }) => {
            let seconds = (until - state.portico.now()).num_seconds().max(1);
            let minutes = (seconds + 59) / 60;
            let error = t_args(
                lang,
                "console-login-locked",
                &[("minutes", Arg::Number(minutes))],
            );
            let mut response = html(
                StatusCode::TOO_MANY_REQUESTS,
                login_form(lang, csrf, &email, Some(error), None),
            );
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(seconds));
            response
        }
        Err(e) => service_failed(ConsolePage::anonymous(lang, "error-title"), e),
    }
}

/// `POST /console/logout`: ends the session.
pub async fn logout(signed: Signed, headers: HeaderMap, body: Bytes) -> Response {
    if let Err(response) = signed.form(&headers, &body) {
        return response;
    }
    let portico = &signed.state.portico;
    if let Err(e) = portico.sign_out(&signed.cookie).await {
        return service_failed(signed.page("error-title"), e);
    }
    let public_url = &portico.settings.public_url;
    let mut response = see_other("/console/login");
    response.headers_mut().append(
        header::SET_COOKIE,
        set_cookie(session_cookie_name(public_url), None, public_url),
    );
    response
}

/// `GET /console/password/forgot`.
pub async fn forgot_page(
    State(state): State<AppState>,
    headers: HeaderMap,
    Query(query): Query<LoginQuery>,
) -> Response {
    let lang = language(&headers, query.lang.as_deref());
    let (cookie, set) = pre_session(&headers, &state.portico.settings.public_url);
    let page = ForgotPage {
        page: ConsolePage::anonymous(lang, "console-forgot-title"),
        csrf: csrf::token(&cookie),
    };
    with_pre_cookie(html(StatusCode::OK, page), set)
}

/// `POST /console/password/forgot`: emails a reset link if the address is a user's; the
/// answer is the same either way.
pub async fn forgot(
    State(state): State<AppState>,
    Extension(ClientIp(client)): Extension<ClientIp>,
    headers: HeaderMap,
    Query(query): Query<LoginQuery>,
    body: Bytes,
) -> Response {
    let lang = language(&headers, query.lang.as_deref());
    let form = match anonymous_form(&state, &headers, &body, lang) {
        Ok(form) => form,
        Err(response) => return response,
    };
    if !state.guest_limits.allow_ip(client) {
        return too_many(lang);
    }
    match state
        .portico
        .request_password_reset(form.get("email"), lang)
        .await
    {
        Ok(()) => see_other(&format!("/console/login?done=reset&lang={lang}")),
        Err(e) => service_failed(ConsolePage::anonymous(lang, "error-title"), e),
    }
}

fn link_gone(lang: &'static str) -> Response {
    message(
        StatusCode::GONE,
        ConsolePage::anonymous(lang, "console-link-gone-title"),
        "console-link-gone-title",
        &["console-link-gone-body"],
    )
}

/// `GET /console/password/{token}`: the form that sets the password (and, on a setup link,
/// the first owner's address).
pub async fn password_page(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(token): Path<String>,
    Query(query): Query<LoginQuery>,
) -> Response {
    let lang = language(&headers, query.lang.as_deref());
    let holder = match state.portico.password_link(&token).await {
        Ok(Some(holder)) => holder,
        Ok(None) => return link_gone(lang),
        Err(e) => return service_failed(ConsolePage::anonymous(lang, "error-title"), e),
    };
    let (cookie, set) = pre_session(&headers, &state.portico.settings.public_url);
    let page = PasswordPage::new(
        lang,
        holder.purpose,
        holder.user.map(|u| u.email),
        csrf::token(&cookie),
        String::new(),
        Vec::new(),
    );
    with_pre_cookie(html(StatusCode::OK, page), set)
}

/// `POST /console/password/{token}`: `password`, `confirm` (and `email` on a setup link).
pub async fn set_password(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(token): Path<String>,
    Query(query): Query<LoginQuery>,
    body: Bytes,
) -> Response {
    let lang = language(&headers, query.lang.as_deref());
    let form = match anonymous_form(&state, &headers, &body, lang) {
        Ok(form) => form,
        Err(response) => return response,
    };
    let holder = match state.portico.password_link(&token).await {
        Ok(Some(holder)) => holder,
        Ok(None) => return link_gone(lang),
        Err(e) => return service_failed(ConsolePage::anonymous(lang, "error-title"), e),
    };
    let setup = holder.purpose == LinkPurpose::Setup;
    let email = form.get("email").trim().to_string();
    let invalid = |errors: Vec<(String, String)>| {
        html(
            StatusCode::UNPROCESSABLE_ENTITY,
            PasswordPage::new(
                lang,
                holder.purpose,
                holder.user.as_ref().map(|u| u.email.clone()),
                form.csrf().to_string(),
                email.clone(),
                errors,
            ),
        )
    };
    let password = Secret::new(form.get("password").to_string());
    if password.expose() != form.get("confirm") {
        return invalid(vec![(
            "confirm".into(),
            i18n::t(lang, "console-password-mismatch"),
        )]);
    }
    let asked_email = setup.then_some(email.as_str());
    match state
        .portico
        .set_password(&token, asked_email, password.expose())
        .await
    {
        Ok(_) => see_other(&format!("/console/login?done=password&lang={lang}")),
        Err(ServiceError::Invalid(errors)) => invalid(
            errors
                .into_iter()
                .map(|e| {
                    let key = match e.field.as_str() {
                        "email" => "console-email-invalid",
                        _ => "console-password-short",
                    };
                    (e.field, i18n::t(lang, key))
                })
                .collect(),
        ),
        Err(ServiceError::Conflict(_)) => {
            invalid(vec![("email".into(), i18n::t(lang, "console-email-taken"))])
        }
        Err(ServiceError::NotFound(_)) => link_gone(lang),
        Err(e) => service_failed(ConsolePage::anonymous(lang, "error-title"), e),
    }
    .into_response()
}
