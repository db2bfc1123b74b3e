//! The account's console users, and inviting a teammate by email (owners only).

use axum::body::Bytes;
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;

use super::session::Signed;
use super::views::{UserRow, UsersPage};
use super::{forbidden, html, service_failed};
use crate::crypto::csrf;
use crate::domain::user::{Action, Role};
use crate::service::{Conflict, ServiceError};

async fn page(
    signed: &Signed,
    status: StatusCode,
    email: &str,
    role: &str,
    error: Option<String>,
    notice: Option<String>,
) -> Response {
    let frame = signed.page("console-users-title").at("/console/users");
    let users = match signed
        .state
        .portico
        .list_users(signed.user.account_id)
        .await
    {
        Ok(users) => users,
        Err(e) => return service_failed(frame, e),
    };
    let users = users
        .into_iter()
        .map(|u| UserRow {
            email: u.email,
            role: frame.t(match u.role {
                Role::Owner => "console-role-owner",
                Role::Member => "console-role-member",
            }),
            pending: !u.has_password,
        })
        .collect();
    html(
        status,
        UsersPage {
            users,
            can_invite: signed.user.role.may(Action::InviteUsers),
            csrf: csrf::token(&signed.cookie),
            email: email.to_string(),
            role: role.to_string(),
            error,
            notice,
            page: frame,
        },
    )
}

/// `GET /console/users`.
pub async fn list(signed: Signed) -> Response {
    page(&signed, StatusCode::OK, "", "member", None, None).await
}

/// `POST /console/users`: `email`, `role`; the new teammate gets a set-password link by email.
pub async fn invite(signed: Signed, headers: HeaderMap, body: Bytes) -> Response {
    let form = match signed.form(&headers, &body) {
        Ok(form) => form,
        Err(response) => return response,
    };
    if !signed.user.role.may(Action::InviteUsers) {
        return forbidden(signed.page("console-forbidden-title"));
    }
    let email = form.get("email").trim();
    let role = Role::parse(form.get("role")).unwrap_or(Role::Member);
    let t = |key: &str| crate::i18n::t(signed.lang, key);
    match signed
        .state
        .portico
        .invite_user(&signed.user, email, role, signed.lang)
        .await
    {
        Ok(user) => {
            let notice = crate::i18n::t_args(
                signed.lang,
                "console-users-invited",
                &[("email", crate::i18n::Arg::from(user.email.as_str()))],
            );
            page(
                &signed,
                StatusCode::CREATED,
                "",
                "member",
                None,
                Some(notice),
            )
            .await
        }
        Err(ServiceError::Invalid(_)) => {
            let error = Some(t("console-email-invalid"));
            page(
                &signed,
                StatusCode::UNPROCESSABLE_ENTITY,
                email,
                role.as_str(),
                error,
                None,
            )
            .await
        }
        Err(ServiceError::Conflict(Conflict::UserEmailTaken)) => {
            let error = Some(t("console-email-taken"));
            page(
                &signed,
                StatusCode::CONFLICT,
                email,
                role.as_str(),
                error,
                None,
            )
            .await
        }
        Err(e) => service_failed(signed.page("error-title"), e),
    }
}
