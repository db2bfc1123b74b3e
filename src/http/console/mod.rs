//! The owner's console: server-rendered pages under `/console` over the same services as the
//! API. `session` says who is signed in (and redirects everyone else to the sign-in page) and
//! checks every form's CSRF token; `auth` is signing in and out and the password links;
//! `invitations` is seed 001's flow (New > direction > connector > "Create with a temporary
//! user" > recipient email and connection name > Save); `invitation_pages` is the list of
//! invitations, one invitation's page, revoke and resend; `views` holds the templates.

mod auth;
mod branding_page;
mod connection_pages;
mod event_pages;
mod funnel;
mod invitation_pages;
mod invitations;
mod key_pages;
mod session;
mod users;
mod views;
mod webhook_pages;

use axum::Router;
use axum::extract::Request;
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::{Next, from_fn};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};

use super::AppState;
use super::pages::guard::private_page_headers;
pub(crate) use super::pages::html;
use session::Signed;
use views::{ConsolePage, MessagePage};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/console/assets/console.css", get(style))
        .route("/console/assets/console.js", get(script))
        .route("/console/login", get(auth::login_page).post(auth::login))
        .route("/console/logout", post(auth::logout))
        .route(
            "/console/password/forgot",
            get(auth::forgot_page).post(auth::forgot),
        )
        .route(
            "/console/password/{token}",
            get(auth::password_page).post(auth::set_password),
        )
        .route(
            "/console/invitations",
            get(invitation_pages::list).post(invitations::create),
        )
        .route("/console/invitations/new", get(invitations::new_page))
        .route("/console/invitations/{id}", get(invitation_pages::detail))
        .route(
            "/console/invitations/{id}/revoke",
            get(invitation_pages::back_to_invitation).post(invitation_pages::revoke),
        )
        .route(
            "/console/invitations/{id}/resend",
            get(invitation_pages::back_to_invitation).post(invitation_pages::resend),
        )
        .route("/console/users", get(users::list).post(users::invite))
        .merge(connection_pages::routes())
        .merge(event_pages::routes())
        .merge(webhook_pages::routes())
        .merge(key_pages::routes())
        .merge(funnel::routes())
        .merge(branding_page::routes())
        .route("/console/{*rest}", get(not_found).post(not_found))
        .layer(from_fn(headers))
}

async fn style() -> impl IntoResponse {
    (
        [(header::CONTENT_TYPE, "text/css; charset=utf-8")],
        include_str!("../../../static/console.css"),
    )
}

async fn script() -> impl IntoResponse {
    (
        [(header::CONTENT_TYPE, "text/javascript; charset=utf-8")],
        include_str!("../../../static/console.js"),
    )
}

/// The console's headers: no framing, no inline script or style, nothing cached (pages show
/// links and secrets once), no referrer (a password link's token is in its path).
async fn headers(request: Request, next: Next) -> Response {
    let mut response = next.run(request).await;
    let headers = response.headers_mut();
    private_page_headers(headers);
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(
            "default-src 'none'; style-src 'self'; script-src 'self'; img-src 'self'; \
             form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
        ),
    );
    response
}

/// A 303 to `to`, with more headers.
fn see_other(to: &str) -> Response {
    (StatusCode::SEE_OTHER, [(header::LOCATION, to.to_string())]).into_response()
}

/// A page of a title and lines from the locale files, for a signed-in user or not.
fn message(status: StatusCode, page: ConsolePage, title_key: &str, line_keys: &[&str]) -> Response {
    html(status, MessagePage::new(page, title_key, line_keys))
}

/// What a failed service call shows: a 403 for a role that may not, 404 for what is not the
/// account's, 500 (logged, the cause hidden) for the rest.
fn service_failed(page: ConsolePage, e: crate::service::ServiceError) -> Response {
    use crate::service::ServiceError;
    match e {
        ServiceError::Forbidden => forbidden(page),
        ServiceError::NotFound(_) => message(
            StatusCode::NOT_FOUND,
            page,
            "console-not-found-title",
            &["console-not-found-body"],
        ),
        other => {
            tracing::error!(error = %other, "a console request failed");
            message(
                StatusCode::INTERNAL_SERVER_ERROR,
                page,
                "error-title",
                &["console-error-body"],
            )
        }
    }
}

fn forbidden(page: ConsolePage) -> Response {
    message(
        StatusCode::FORBIDDEN,
        page,
        "console-forbidden-title",
        &["console-forbidden-body"],
    )
}

/// Any other path under `/console`: sign in first, then a 404 page.
async fn not_found(signed: Signed) -> Response {
    let page = signed.page("console-not-found-title");
    message(
        StatusCode::NOT_FOUND,
        page,
        "console-not-found-title",
        &["console-not-found-body"],
    )
}

#[cfg(test)]
mod tests {
    /// Every block of the stylesheets is closed where it was opened: a rule left inside an
    /// `@media` block (a merge can drop one `}`) would style wide screens like phones.
    #[test]
    fn the_stylesheets_blocks_are_balanced() {
        for css in [
            include_str!("../../../static/console.css"),
            include_str!("../../../static/style.css"),
        ] {
            let mut depth = 0i32;
            let mut at_top = 0;
            for line in css.lines() {
                depth += line.matches('{').count() as i32 - line.matches('}').count() as i32;
                assert!((0..=2).contains(&depth), "{line}");
                if line.starts_with("@media") {
                    assert_eq!(depth, 1, "an @media block inside another block: {line}");
                }
                if depth == 0 {
                    at_top += 1;
                }
            }
            assert_eq!(depth, 0);
            assert!(at_top > 0);
        }
    }
}
