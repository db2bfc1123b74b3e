//! Seed 001's flow in the console: New > source or destination > a connector (categories,
//! search) > "Create with a temporary user" > recipient email and connection name (more
//! options folded away) > Save, which creates the invitation through the same service as
//! `POST /v1/invitations`, emails the link to the recipient and shows it once.
//!
//! All steps are `GET /console/invitations/new`, told apart by the query: none (the
//! direction), `direction` (the connector picker, with `category` and `q`), `direction`,
//! `connector` and `step=mode` (how to create it), and `direction` with `connector` (the form).

use axum::body::Bytes;
use axum::extract::Query;
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use serde::Deserialize;
use serde_json::{Map, Value};

use super::session::{Form, Signed};
use super::views::{
    ChoiceView, ConnectorCard, CreatedPage, DirectionPage, InvitationFormPage, ModePage,
    OptionField, PickerPage,
};
use super::{html, message, service_failed};
use crate::domain::LANGUAGES;
use crate::domain::connector::{ConnectorSpec, Direction, FieldType};
use crate::domain::invitation::{EndUser, NewInvitation};
use crate::domain::{FieldError, values::Email};
use crate::i18n;
use crate::service::ServiceError;

#[derive(Deserialize, Default)]
pub struct NewQuery {
    direction: Option<String>,
    connector: Option<String>,
    category: Option<String>,
    q: Option<String>,
    step: Option<String>,
}

/// How long a link made in the console lives, as the form offers it.
pub const EXPIRY_CHOICES: [(&str, &str); 4] = [
    ("86400", "console-expiry-day"),
    ("604800", "console-expiry-week"),
    ("2592000", "console-expiry-month"),
    ("never", "console-expiry-never"),
];
const DEFAULT_EXPIRY: &str = "604800";

fn unknown(signed: &Signed) -> Response {
    message(
        StatusCode::NOT_FOUND,
        signed.page("console-not-found-title"),
        "console-not-found-title",
        &["console-not-found-body"],
    )
}

/// `GET /console/invitations/new`: the step the query names.
pub async fn new_page(signed: Signed, Query(query): Query<NewQuery>) -> Response {
    let Some(direction) = query.direction.as_deref() else {
        return html(StatusCode::OK, DirectionPage::new(new_page_frame(&signed)));
    };
    let Some(direction) = Direction::parse(direction) else {
        return unknown(&signed);
    };
    let catalog = &signed.state.portico.catalog;
    let Some(connector) = query.connector.as_deref() else {
        let specs: Vec<&ConnectorSpec> = catalog
            .all()
            .filter(|s| s.directions.contains(&direction))
            .collect();
        let page = PickerPage::new(
            new_page_frame(&signed),
            direction,
            &specs,
            query.category.as_deref(),
            query.q.as_deref().unwrap_or(""),
        );
        return html(StatusCode::OK, page);
    };
    let Some(spec) = catalog
        .get(connector)
        .filter(|s| s.directions.contains(&direction))
    else {
        return unknown(&signed);
    };
    if query.step.as_deref() == Some("mode") {
        return html(
            StatusCode::OK,
            ModePage::new(new_page_frame(&signed), direction, spec),
        );
    }
    let form = InvitationFormPage::new(
        new_page_frame(&signed),
        direction,
        spec,
        &Form::parse(b""),
        Vec::new(),
    );
    html(StatusCode::OK, form)
}

fn new_page_frame(signed: &Signed) -> super::views::ConsolePage {
    signed
        .page("console-new-title")
        .at("/console/invitations/new")
}

/// The request the form describes, as `POST /v1/invitations` would take it.
fn request_of(form: &Form, spec: &ConnectorSpec, direction: Direction) -> NewInvitation {
    let recipient = form.get("recipient_email").trim().to_string();
    let mut allowed_emails: Vec<String> = form
        .get("allowed_emails")
        .split([',', '\n', ';', ' '])
        .map(str::trim)
        .filter(|e| !e.is_empty())
        .map(str::to_string)
        .collect();
    // The link is emailed to the allowed addresses when there are any: the recipient is one.
    if !allowed_emails.is_empty()
        && Email::parse(&recipient).is_some()
        && !allowed_emails
            .iter()
            .any(|e| e.eq_ignore_ascii_case(&recipient))
    {
        allowed_emails.insert(0, recipient.clone());
    }
    let expires_in_seconds = match form.get("expires") {
        "never" => Some(None),
        "" => None,
        seconds => seconds.parse::<i64>().ok().map(Some),
    };
    let max_uses = match form.get("max_uses").trim() {
        "" => Some(None),
        n => Some(Some(n.parse::<i64>().unwrap_or(0))),
    };
    let mut prefill = Map::new();
    let mut locked_fields = Vec::new();
    for field in spec.fields.iter().filter(|f| !f.secret) {
        let raw = form.get(&format!("prefill.{}", field.key)).trim();
        if raw.is_empty() {
            continue;
        }
        let value = match field.kind {
            FieldType::Integer => raw
                .parse::<i64>()
                .map_or_else(|_| Value::String(raw.to_string()), Value::from),
            FieldType::Boolean => Value::Bool(raw == "true"),
            FieldType::String | FieldType::Enum => Value::String(raw.to_string()),
        };
        prefill.insert(field.key.clone(), value);
        if form.get(&format!("locked.{}", field.key)) == "on" {
            locked_fields.push(field.key.clone());
        }
    }
    let text = |name: &str| Some(form.get(name).trim().to_string()).filter(|s| !s.is_empty());
    NewInvitation {
        connector: Some(spec.id.clone()),
        direction: Some(direction),
        connection_name: Some(form.get("connection_name").trim().to_string()),
        allowed_emails,
        expires_in_seconds,
        max_uses,
        language: text("language"),
        prefill,
        locked_fields,
        end_user: Some(EndUser {
            email: Some(recipient),
            ..EndUser::default()
        }),
        redirect_url: text("redirect_url"),
        send_email: true,
        ..NewInvitation::default()
    }
}

/// The form's input an API field error is about.
fn input_of(field: &str) -> String {
    match field {
        "end_user.email" => "recipient_email".to_string(),
        "expires_in_seconds" => "expires".to_string(),
        f if f.starts_with("allowed_emails") => "allowed_emails".to_string(),
        f if f.starts_with("prefill.") || f.starts_with("locked_fields") => f
            .trim_start_matches("locked_fields")
            .trim_start_matches('.')
            .to_string(),
        f => f.to_string(),
    }
}

/// What the form says about an input the service refused, in the user's language: for the
/// form's own inputs a sentence of the locale files, for a connector's field the guest page's
/// message for the same problem (the connector's own rules, `field-error-*`).
fn error_message(
    lang: &str,
    spec: &ConnectorSpec,
    prefill: &Map<String, Value>,
    input: &str,
) -> String {
    const OWN: [&str; 7] = [
        "recipient_email",
        "connection_name",
        "expires",
        "max_uses",
        "allowed_emails",
        "language",
        "redirect_url",
    ];
    if OWN.contains(&input) {
        return i18n::t(lang, &format!("console-form-invalid-{input}"));
    }
    spec.validate_detailed(prefill)
        .err()
        .into_iter()
        .flatten()
        .find(|p| input.strip_prefix("prefill.") == Some(p.field.as_str()))
        .map(|p| crate::service::guest::FormProblem::from(p).message(lang))
        .unwrap_or_else(|| i18n::t(lang, "console-form-invalid-field"))
}

/// `POST /console/invitations`: Save.
pub async fn create(signed: Signed, headers: HeaderMap, body: Bytes) -> Response {
    let form = match signed.form(&headers, &body) {
        Ok(form) => form,
        Err(response) => return response,
    };
    let portico = &signed.state.portico;
    let direction = Direction::parse(form.get("direction"));
    let spec = portico.catalog.get(form.get("connector"));
    let (Some(direction), Some(spec)) = (direction, spec) else {
        return unknown(&signed);
    };
    let mut errors = Vec::new();
    if form.get("recipient_email").trim().is_empty() {
        errors.push(FieldError::new("recipient_email", "is required"));
    }
    let request = request_of(&form, spec, direction);
    let prefill = request.prefill.clone();
    if errors.is_empty() {
        match portico
            .create_invitation(signed.user.account_id, request, None)
            .await
        {
            Ok(created) => {
                let invitation = created.invitation;
                let mut frame = new_page_frame(&signed);
                frame.title = frame.t("console-created-title");
                let page = CreatedPage {
                    page: frame,
                    url: invitation.url.clone().unwrap_or_default(),
                    recipient: form.get("recipient_email").trim().to_string(),
                    connection: invitation.connection_name.clone(),
                    connector: spec.name.clone(),
                };
                return html(StatusCode::CREATED, page);
            }
            Err(ServiceError::Invalid(found)) => errors = found,
            Err(e) => return service_failed(new_page_frame(&signed), e),
        }
    }
    let errors = errors
        .into_iter()
        .map(|e| {
            let input = input_of(&e.field);
            let message = error_message(signed.lang, spec, &prefill, &input);
            (input, message)
        })
        .collect();
    let page = InvitationFormPage::new(new_page_frame(&signed), direction, spec, &form, errors);
    html(StatusCode::UNPROCESSABLE_ENTITY, page)
}

/// The form's choices of language, the invitation's default first.
pub fn language_choices(lang: &str, chosen: &str) -> Vec<ChoiceView> {
    LANGUAGES
        .iter()
        .map(|code| ChoiceView {
            value: code.to_string(),
            label: i18n::t(code, "language-name"),
            selected: *code == chosen || (chosen.is_empty() && *code == lang),
        })
        .collect()
}

/// The more-options inputs for the connector's non-secret fields: prefill and lock.
pub fn option_fields(spec: &ConnectorSpec, lang: &str, form: &Form) -> Vec<OptionField> {
    spec.fields
        .iter()
        .filter(|f| !f.secret)
        .map(|f| OptionField {
            key: f.key.clone(),
            label: i18n::pick(&f.label, lang).to_string(),
            value: form.get(&format!("prefill.{}", f.key)).to_string(),
            locked: form.get(&format!("locked.{}", f.key)) == "on",
            boolean: f.kind == FieldType::Boolean,
            options: f.options.clone(),
        })
        .collect()
}

/// The picker's cards: the connectors of the direction in `category` (all when `None`) whose
/// name, id or category contains `q` (any case).
pub fn connector_cards(
    specs: &[&ConnectorSpec],
    category: Option<&str>,
    q: &str,
) -> Vec<ConnectorCard> {
    let q = q.trim().to_lowercase();
    specs
        .iter()
        .filter(|s| category.is_none_or(|c| s.categories.iter().any(|sc| sc == c)))
        .filter(|s| {
            q.is_empty()
                || s.name.to_lowercase().contains(&q)
                || s.id.contains(&q)
                || s.categories.iter().any(|c| c.to_lowercase().contains(&q))
        })
        .map(|s| ConnectorCard {
            id: s.id.clone(),
            name: s.name.clone(),
            categories: s.categories.join(", "),
        })
        .collect()
}

pub fn expiry_choices(lang: &str, chosen: &str) -> Vec<ChoiceView> {
    let chosen = if chosen.is_empty() {
        DEFAULT_EXPIRY
    } else {
        chosen
    };
    EXPIRY_CHOICES
        .iter()
        .map(|(value, key)| ChoiceView {
            value: value.to_string(),
            label: i18n::t(lang, key),
            selected: *value == chosen,
        })
        .collect()
}
