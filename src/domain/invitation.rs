//! Invitations: the capability a guest holds to create or edit one connection. Their status and
//! whether they may be used are functions of their fields and a clock, never stored.

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Deserializer, Serialize};
use serde_json::{Map, Value};
use utoipa::ToSchema;
use uuid::Uuid;

use super::FieldError;
use super::connector::{ConnectorSpec, Direction};
use super::values::{Email, LANGUAGES, Language};

/// The native default lifetime of an invitation when `expires_in_seconds` is absent.
pub const DEFAULT_LIFETIME_SECONDS: i64 = 7 * 24 * 3600;
pub const MIN_LIFETIME_SECONDS: i64 = 60;
pub const MAX_METADATA_BYTES: usize = 4096;
pub const MAX_ALLOWED_EMAILS: usize = 100;
pub const MAX_NAME_CHARS: usize = 200;
/// At most one renewal request is recorded per invitation in this time.
pub const RENEWAL_REQUEST_INTERVAL: Duration = Duration::hours(1);

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum InvitationKind {
    #[default]
    CreateConnection,
    EditConnection,
}

impl InvitationKind {
    pub fn as_str(self) -> &'static str {
        match self {
            InvitationKind::CreateConnection => "create_connection",
            InvitationKind::EditConnection => "edit_connection",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "create_connection" => Some(InvitationKind::CreateConnection),
            "edit_connection" => Some(InvitationKind::EditConnection),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum InvitationStatus {
    Active,
    Expired,
    Revoked,
    Fulfilled,
}

impl InvitationStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            InvitationStatus::Active => "active",
            InvitationStatus::Expired => "expired",
            InvitationStatus::Revoked => "revoked",
            InvitationStatus::Fulfilled => "fulfilled",
        }
    }
}

/// What a create does when the account already has a connection of the same connector,
/// direction and `end_user.origin_id` (a duplicate): `create` another anyway (the default),
/// `update` it (the invitation becomes a reconnect of that connection), or `reject` the request
/// (409 naming it).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum OnDuplicate {
    #[default]
    Create,
    Update,
    Reject,
}

impl OnDuplicate {
    pub fn parse(s: &str) -> Option<OnDuplicate> {
        match s {
            "create" => Some(OnDuplicate::Create),
            "update" => Some(OnDuplicate::Update),
            "reject" => Some(OnDuplicate::Reject),
            _ => None,
        }
    }
}

/// What identifies a duplicate of the connection a create invitation would make.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DuplicateKey {
    pub connector: String,
    pub direction: Direction,
    pub origin_id: String,
}

/// Who the invitation is for, in the owner's terms; copied onto the connection.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EndUser {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub organization_name: Option<String>,
    /// The owner's own id for that customer.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub origin_id: Option<String>,
}

impl EndUser {
    /// The owner's description of its customer: a well-formed email, texts of bounded length.
    pub fn check(&self, errors: &mut Vec<FieldError>) {
        if self
            .email
            .as_deref()
            .is_some_and(|e| Email::parse(e).is_none())
        {
            errors.push(FieldError::new("end_user.email", "is not an email address"));
        }
        for (field, value) in [
            ("end_user.organization_name", &self.organization_name),
            ("end_user.origin_id", &self.origin_id),
        ] {
            if let Some(value) = value {
                check_text(errors, field, value, MAX_NAME_CHARS);
            }
        }
    }
}

/// The owner's free metadata of an invitation or a connection: at most 4 KiB of JSON.
pub fn check_metadata(errors: &mut Vec<FieldError>, metadata: &Map<String, Value>) {
    if serde_json::to_vec(metadata).map_or(0, |v| v.len()) > MAX_METADATA_BYTES {
        errors.push(FieldError::new("metadata", "must be at most 4096 bytes"));
    }
}

/// An invitation as stored (without its token, of which only the hash is kept).
#[derive(Debug, Clone, PartialEq)]
pub struct Invitation {
    pub id: Uuid,
    pub account_id: Uuid,
    pub kind: InvitationKind,
    /// `None` when the guest picks a tool of `category` on the guest page.
    pub connector: Option<String>,
    pub category: Option<String>,
    pub remote_environment: Option<String>,
    pub direction: Direction,
    pub connection_id: Option<Uuid>,
    pub connection_name: String,
    pub allowed_emails: Vec<String>,
    pub expires_at: Option<DateTime<Utc>>,
    pub max_uses: Option<i64>,
    pub use_count: i64,
    pub language: String,
    pub prefill: Map<String, Value>,
    pub locked_fields: Vec<String>,
    pub end_user: EndUser,
    pub redirect_url: Option<String>,
    pub send_email: bool,
    pub metadata: Map<String, Value>,
    pub created_at: DateTime<Utc>,
    pub revoked_at: Option<DateTime<Utc>>,
    /// When a guest first opened the link (internal: the `invitation.opened` event is written
    /// then, and only then).
    pub opened_at: Option<DateTime<Utc>>,
    /// When the guest of this expired or fulfilled link last asked for a new one: an open
    /// request, until a resend answers it (and clears it).
    pub renewal_requested_at: Option<DateTime<Utc>>,
    /// The invitation this one was resent from.
    pub renewed_from: Option<Uuid>,
}

impl Invitation {
    /// `revoked` if revoked, else `fulfilled` if every use is taken, else `expired` if now is at
    /// or past `expires_at`, else `active`.
    pub fn status(&self, now: DateTime<Utc>) -> InvitationStatus {
        if self.revoked_at.is_some() {
            InvitationStatus::Revoked
        } else if self.max_uses.is_some_and(|max| self.use_count >= max) {
            InvitationStatus::Fulfilled
        } else if self.expires_at.is_some_and(|at| now >= at) {
            InvitationStatus::Expired
        } else {
            InvitationStatus::Active
        }
    }

    /// Whether a guest may use the invitation at `now`: exactly when it is active (not
    /// revoked, a use left, not expired).
    pub fn can_be_used(&self, now: DateTime<Utc>) -> bool {
        self.status(now) == InvitationStatus::Active
    }

    /// Whether its guest may ask for a new link: the link is expired or used up. A revoked
    /// one is not (its owner ended it on purpose), nor one that still works.
    pub fn may_ask_for_renewal(&self, now: DateTime<Utc>) -> bool {
        matches!(
            self.status(now),
            InvitationStatus::Expired | InvitationStatus::Fulfilled
        )
    }

    /// Whether a renewal request at `now` is recorded: the guest may ask, and no request was
    /// recorded within [`RENEWAL_REQUEST_INTERVAL`].
    pub fn records_renewal_request(&self, now: DateTime<Utc>) -> bool {
        self.may_ask_for_renewal(now)
            && self
                .renewal_requested_at
                .is_none_or(|at| now - at >= RENEWAL_REQUEST_INTERVAL)
    }

    /// The request for its resend: every setting of this invitation, on the same lifetime
    /// (created to expiry; no expiry stays none), capped at `limits` as any new one, and the
    /// link emailed when there is someone to send it to (the allowed addresses, else the end
    /// user). Validated like a create, so the rules are the create's: a reconnect whose
    /// connection was deleted since cannot be resent.
    pub fn resend_request(&self, limits: Limits) -> NewInvitation {
        let lifetime = self.expires_at.map(|at| {
            (at - self.created_at)
                .num_seconds()
                .max(MIN_LIFETIME_SECONDS)
        });
        let lifetime = match (lifetime, limits.max_lifetime_seconds) {
            (Some(seconds), Some(cap)) => Some(seconds.min(cap)),
            (None, Some(cap)) => Some(cap),
            (lifetime, None) => lifetime,
        };
        NewInvitation {
            kind: self.kind,
            connector: self.connector.clone(),
            category: self.category.clone(),
            remote_environment: self.remote_environment.clone(),
            direction: Some(self.direction),
            connection_name: Some(self.connection_name.clone()),
            connection_id: self.connection_id,
            allowed_emails: self.allowed_emails.clone(),
            expires_in_seconds: Some(lifetime),
            max_uses: Some(self.max_uses),
            language: Some(self.language.clone()),
            prefill: self.prefill.clone(),
            locked_fields: self.locked_fields.clone(),
            end_user: Some(self.end_user.clone()),
            redirect_url: self.redirect_url.clone(),
            send_email: !self.allowed_emails.is_empty() || self.end_user.email.is_some(),
            metadata: Some(self.metadata.clone()),
            // Decided when the original was created.
            on_duplicate: None,
            // Its addresses were accepted once (Nectar's lenient ones included).
            lenient_emails: true,
        }
    }

    /// Whether `email` is one of the allowed addresses (case-insensitive on the whole address);
    /// true for anyone when the list is empty.
    pub fn allows_email(&self, email: &Email) -> bool {
        self.allowed_emails.is_empty() || self.allowed_emails.iter().any(|a| email.is(a))
    }
}

/// `Some(None)` for an explicit `null`, `None` when the field is absent (with `#[serde(default)]`).
pub fn explicit_null<'de, D, T>(deserializer: D) -> Result<Option<Option<T>>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    Option::<T>::deserialize(deserializer).map(Some)
}

/// The owner's request for a new invitation, before validation. Adapters (native API, the
/// Kondado, Kombo and Nectar endpoints, the CLI) all build this and call the same service.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewInvitation {
    /// `create_connection` (default) or `edit_connection`.
    #[serde(default)]
    pub kind: InvitationKind,
    /// Connector id, for `create_connection`; or leave it out and give a `category`: the guest
    /// then picks a connector of that category.
    #[serde(default)]
    pub connector: Option<String>,
    /// A connector category (`HRIS`, `ATS`, `ASSESSMENT`, `DATABASE`, ...): with a connector, it
    /// must be one of the connector's; without, the guest picks a connector of it.
    #[serde(default)]
    pub category: Option<String>,
    /// The environment of the connected tool (e.g. `sandbox`), when it has several; only with
    /// a connector.
    #[serde(default)]
    pub remote_environment: Option<String>,
    /// Needed when the connector has both directions.
    #[serde(default)]
    pub direction: Option<Direction>,
    /// Name of the connection the guest will create.
    #[serde(default)]
    pub connection_name: Option<String>,
    /// The connection to edit, for `edit_connection`.
    #[serde(default)]
    pub connection_id: Option<Uuid>,
    /// Empty: anyone holding the link. Otherwise the guest proves one of these addresses.
    #[serde(default)]
    pub allowed_emails: Vec<String>,
    /// At least 60. Absent: 7 days. `null`: never expires.
    #[serde(default, deserialize_with = "explicit_null")]
    #[schema(value_type = Option<i64>, minimum = 60)]
    pub expires_in_seconds: Option<Option<i64>>,
    /// At least 1. Absent: 1. `null`: unlimited.
    #[serde(default, deserialize_with = "explicit_null")]
    #[schema(value_type = Option<i64>, minimum = 1)]
    pub max_uses: Option<Option<i64>>,
    /// `en` (default), `de`, `fr`, `it` or `es`.
    #[serde(default)]
    pub language: Option<String>,
    /// Non-secret field values shown pre-filled.
    #[serde(default)]
    #[schema(value_type = Object)]
    pub prefill: Map<String, Value>,
    /// Prefilled fields the guest cannot change.
    #[serde(default)]
    pub locked_fields: Vec<String>,
    #[serde(default)]
    pub end_user: Option<EndUser>,
    /// https (or http on localhost); gets `connection_id` and `status` added to its query.
    #[serde(default)]
    pub redirect_url: Option<String>,
    /// Send the link to each allowed email (or to `end_user.email`).
    #[serde(default)]
    pub send_email: bool,
    /// Free JSON object, at most 4 KiB, returned as given.
    #[serde(default)]
    #[schema(value_type = Option<Object>)]
    pub metadata: Option<Map<String, Value>>,
    /// `create` (default): always a new connection; `update`: when the account has a
    /// connection of this connector, direction and `end_user.origin_id`, the invitation becomes
    /// a reconnect of it (the newest, if several); `reject`: then the request fails with 409
    /// naming it. `update` and `reject` need `connector` and `end_user.origin_id`.
    #[serde(default)]
    #[schema(value_type = Option<OnDuplicate>)]
    pub on_duplicate: Option<String>,
    /// Keep allowed addresses that are not well-formed instead of refusing them. Only the
    /// Nectar adapter sets it: Nectar's own example sends `"[email protected]"` (an address
    /// mangled by its docs site), and compatible means accepting that request as written.
    /// Such an address can never receive a code, so it opens nothing.
    #[serde(skip)]
    pub lenient_emails: bool,
}

/// What the request resolves to once the connector or the connection to edit is known.
pub enum Target<'a> {
    /// The connector the request names, if it exists, and every category of the catalog.
    Create {
        spec: Option<&'a ConnectorSpec>,
        categories: Vec<String>,
    },
    Edit {
        spec: &'a ConnectorSpec,
        direction: Direction,
        name: String,
    },
}

/// A validated invitation, ready to be stored with a fresh id and token hash.
#[derive(Debug, Clone)]
pub struct InvitationDraft {
    pub kind: InvitationKind,
    pub connector: Option<String>,
    pub category: Option<String>,
    pub remote_environment: Option<String>,
    pub direction: Direction,
    pub connection_id: Option<Uuid>,
    pub connection_name: String,
    pub allowed_emails: Vec<String>,
    pub expires_at: Option<DateTime<Utc>>,
    pub max_uses: Option<i64>,
    pub language: String,
    pub prefill: Map<String, Value>,
    pub locked_fields: Vec<String>,
    pub end_user: EndUser,
    pub redirect_url: Option<String>,
    pub send_email: bool,
    pub metadata: Map<String, Value>,
}

/// Server limits that shape validation.
#[derive(Debug, Clone, Copy, Default)]
pub struct Limits {
    /// `max_invitation_lifetime` in seconds; `None` means no cap.
    pub max_lifetime_seconds: Option<i64>,
}

impl NewInvitation {
    /// The duplicate rule this request asks for and the connection it looks for, when it is
    /// well-formed (`update` or `reject` on a create with a connector whose direction resolves
    /// and an `end_user.origin_id`); `None` otherwise, and [`NewInvitation::validate`] says why.
    pub fn duplicate_key(
        &self,
        spec: Option<&ConnectorSpec>,
    ) -> Option<(OnDuplicate, DuplicateKey)> {
        let rule = OnDuplicate::parse(self.on_duplicate.as_deref()?)?;
        if rule == OnDuplicate::Create || self.kind != InvitationKind::CreateConnection {
            return None;
        }
        let spec = spec.filter(|spec| Some(&spec.id) == self.connector.as_ref())?;
        let origin_id = self.end_user.as_ref()?.origin_id.as_deref()?.trim();
        if origin_id.is_empty() {
            return None;
        }
        Some((
            rule,
            DuplicateKey {
                connector: spec.id.clone(),
                direction: spec.resolve_direction(self.direction).ok()?,
                origin_id: origin_id.to_string(),
            },
        ))
    }

    /// This create request as a reconnect of `connection_id`, its duplicate: the same allowed
    /// emails, lifetime, uses, language, prefill, redirect and email, for that connection.
    pub fn into_reconnect(self, connection_id: Uuid) -> NewInvitation {
        NewInvitation {
            kind: InvitationKind::EditConnection,
            connection_id: Some(connection_id),
            // Decided: a reconnect has no duplicate of its own to look for.
            on_duplicate: None,
            ..self
        }
    }

    /// `on_duplicate`'s own rules: a known value, and what `update` and `reject` need.
    fn check_on_duplicate(&self, errors: &mut Vec<FieldError>) {
        let Some(raw) = self.on_duplicate.as_deref() else {
            return;
        };
        match OnDuplicate::parse(raw) {
            None => errors.push(FieldError::new(
                "on_duplicate",
                "must be create, update or reject",
            )),
            Some(OnDuplicate::Create) => {}
            Some(_) if self.kind != InvitationKind::CreateConnection => {
                errors.push(FieldError::new(
                    "on_duplicate",
                    "applies to create_connection invitations only",
                ))
            }
            Some(_) => {
                if self.connector.is_none() {
                    errors.push(FieldError::new(
                        "connector",
                        "is required when on_duplicate is update or reject",
                    ));
                }
                if self
                    .end_user
                    .as_ref()
                    .and_then(|u| u.origin_id.as_deref())
                    .is_none_or(|id| id.trim().is_empty())
                {
                    errors.push(FieldError::new(
                        "end_user.origin_id",
                        "is required when on_duplicate is update or reject",
                    ));
                }
            }
        }
    }

    /// Checks every rule of an invitation request at once and returns all the problems.
    pub fn validate(
        &self,
        target: Target<'_>,
        now: DateTime<Utc>,
        limits: Limits,
    ) -> Result<InvitationDraft, Vec<FieldError>> {
        let mut errors = Vec::new();
        let (spec, direction, connection_name) = match target {
            Target::Create { spec, categories } => {
                let category = self.category.as_deref();
                if let Some(category) = category
                    && !categories.iter().any(|c| c == category)
                {
                    errors.push(FieldError::new("category", "is not a known category"));
                }
                let spec = match (&self.connector, spec, category) {
                    (None, _, None) => {
                        errors.push(FieldError::new(
                            "connector",
                            "is required (or a category for the guest to pick from)",
                        ));
                        None
                    }
                    (None, _, Some(_)) => None,
                    (Some(_), None, _) => {
                        errors.push(FieldError::new("connector", "is not a known connector"));
                        None
                    }
                    (Some(_), Some(spec), Some(category))
                        if !spec.categories.iter().any(|c| c == category) =>
                    {
                        errors.push(FieldError::new(
                            "connector",
                            format!("is not in the category {category}"),
                        ));
                        None
                    }
                    (Some(_), Some(spec), _) => Some(spec),
                };
                let direction = match spec {
                    Some(spec) => spec
                        .resolve_direction(self.direction)
                        .map_err(|e| errors.push(e))
                        .ok(),
                    // The guest picks the connector: a source unless told otherwise.
                    None => Some(self.direction.unwrap_or(Direction::Source)),
                };
                if self.connector.is_none() {
                    if !self.prefill.is_empty() || !self.locked_fields.is_empty() {
                        errors.push(FieldError::new(
                            "prefill",
                            "needs a connector: the fields depend on it",
                        ));
                    }
                    if self.remote_environment.is_some() {
                        errors.push(FieldError::new("remote_environment", "needs a connector"));
                    }
                }
                let name = self.connection_name.as_deref().map(str::trim).unwrap_or("");
                if name.is_empty() {
                    errors.push(FieldError::new("connection_name", "is required"));
                } else {
                    check_text(&mut errors, "connection_name", name, MAX_NAME_CHARS);
                }
                (spec, direction, name.to_string())
            }
            Target::Edit {
                spec,
                direction,
                name,
            } => {
                if self.connection_id.is_none() {
                    errors.push(FieldError::new("connection_id", "is required"));
                }
                (Some(spec), Some(direction), name)
            }
        };

        let mut allowed_emails: Vec<String> = Vec::new();
        if self.allowed_emails.len() > MAX_ALLOWED_EMAILS {
            errors.push(FieldError::new(
                "allowed_emails",
                format!("at most {MAX_ALLOWED_EMAILS} addresses"),
            ));
        }
        for (i, email) in self.allowed_emails.iter().enumerate() {
            let email = email.trim();
            let kept_as_given = self.lenient_emails
                && !email.is_empty()
                && email.len() <= 254
                && !email.chars().any(char::is_control);
            if Email::parse(email).is_none() && !kept_as_given {
                errors.push(FieldError::new(
                    format!("allowed_emails[{i}]"),
                    "is not an email address",
                ));
            } else if !allowed_emails.iter().any(|e| e.eq_ignore_ascii_case(email)) {
                allowed_emails.push(email.to_string());
            }
        }

        let expires_at = match self.expires_in_seconds {
            None => Some(DEFAULT_LIFETIME_SECONDS),
            Some(seconds) => seconds,
        }
        .and_then(|seconds| self.check_lifetime(seconds, limits, &mut errors))
        .map(|seconds| now + Duration::seconds(seconds));
        if matches!(self.expires_in_seconds, Some(None))
            && let Some(cap) = limits.max_lifetime_seconds
        {
            errors.push(FieldError::new(
                "expires_in_seconds",
                format!("must be set: this server caps invitations at {cap} seconds"),
            ));
        }

        let max_uses = match self.max_uses {
            None => Some(1),
            Some(max) => max,
        };
        if max_uses.is_some_and(|max| max < 1) {
            errors.push(FieldError::new("max_uses", "must be at least 1"));
        }

        let language = self
            .language
            .clone()
            .unwrap_or_else(|| Language::DEFAULT.as_str().into());
        if Language::parse(&language).is_none() {
            errors.push(FieldError::new(
                "language",
                format!("must be one of {}", LANGUAGES.join(", ")),
            ));
        }

        if let Some(spec) = spec {
            check_prefill(spec, &self.prefill, &self.locked_fields, &mut errors);
        }

        let end_user = self.end_user.clone().unwrap_or_default();
        end_user.check(&mut errors);

        if let Some(environment) = &self.remote_environment {
            check_text(
                &mut errors,
                "remote_environment",
                environment,
                MAX_NAME_CHARS,
            );
        }
        if let Some(url) = &self.redirect_url
            && let Err(message) = check_redirect_url(url)
        {
            errors.push(FieldError::new("redirect_url", message));
        }

        if self.send_email && allowed_emails.is_empty() && end_user.email.is_none() {
            errors.push(FieldError::new(
                "send_email",
                "needs allowed_emails or end_user.email to send to",
            ));
        }

        let metadata = self.metadata.clone().unwrap_or_default();
        check_metadata(&mut errors, &metadata);
        self.check_on_duplicate(&mut errors);

        match direction {
            Some(direction) if errors.is_empty() => Ok(InvitationDraft {
                kind: self.kind,
                connector: spec.map(|spec| spec.id.clone()),
                category: self.category.clone(),
                remote_environment: self.remote_environment.clone(),
                direction,
                connection_id: self.connection_id,
                connection_name,
                allowed_emails,
                expires_at,
                max_uses,
                language,
                prefill: self.prefill.clone(),
                locked_fields: self.locked_fields.clone(),
                end_user,
                redirect_url: self.redirect_url.clone(),
                send_email: self.send_email,
                metadata,
            }),
            _ => Err(errors),
        }
    }

    fn check_lifetime(
        &self,
        seconds: i64,
        limits: Limits,
        errors: &mut Vec<FieldError>,
    ) -> Option<i64> {
        if seconds < MIN_LIFETIME_SECONDS {
            errors.push(FieldError::new("expires_in_seconds", "must be at least 60"));
            return None;
        }
        if let Some(cap) = limits.max_lifetime_seconds
            && seconds > cap
        {
            errors.push(FieldError::new(
                "expires_in_seconds",
                format!("must be at most {cap}"),
            ));
            return None;
        }
        // Keep far-future values representable as timestamps.
        Some(seconds.min(100 * 365 * 24 * 3600))
    }
}

fn check_prefill(
    spec: &ConnectorSpec,
    prefill: &Map<String, Value>,
    locked: &[String],
    errors: &mut Vec<FieldError>,
) {
    for key in prefill.keys() {
        match spec.field(key) {
            None => errors.push(FieldError::new(
                format!("prefill.{key}"),
                "is not a field of this connector",
            )),
            Some(field) if field.secret => errors.push(FieldError::new(
                format!("prefill.{key}"),
                "is a secret field and cannot be prefilled",
            )),
            Some(_) => {}
        }
    }
    // Type and format of the prefilled values: the connector's own rules, for those keys only.
    if let Err(field_errors) = spec.validate(prefill) {
        errors.extend(
            field_errors
                .into_iter()
                .filter(|e| prefill.contains_key(&e.field) && spec.field(&e.field).is_some())
                .map(|e| FieldError::new(format!("prefill.{}", e.field), e.message)),
        );
    }
    for (i, key) in locked.iter().enumerate() {
        let field = spec.field(key);
        if field.is_none_or(|f| f.secret) {
            errors.push(FieldError::new(
                format!("locked_fields[{i}]"),
                "must name a non-secret field of this connector",
            ));
        } else if !prefill.contains_key(key) && field.is_some_and(|f| f.default.is_none()) {
            errors.push(FieldError::new(
                format!("locked_fields[{i}]"),
                "a locked field needs a prefill value",
            ));
        }
    }
}

/// Rejects text Portico cannot store faithfully everywhere (NUL) or that is unreasonably long.
pub fn check_text(errors: &mut Vec<FieldError>, field: &str, value: &str, max_chars: usize) {
    if value.contains('\0') {
        errors.push(FieldError::new(field, "must not contain NUL characters"));
    } else if value.chars().count() > max_chars {
        errors.push(FieldError::new(
            field,
            format!("must be at most {max_chars} characters"),
        ));
    }
}

/// https anywhere, or http on localhost only.
pub fn check_redirect_url(raw: &str) -> Result<(), &'static str> {
    let url = url::Url::parse(raw).map_err(|_| "is not a valid URL")?;
    let local = matches!(
        url.host_str(),
        Some("localhost") | Some("127.0.0.1") | Some("[::1]")
    );
    match url.scheme() {
        "https" => Ok(()),
        "http" if local => Ok(()),
        _ => Err("must be an https URL (http only on localhost)"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn invitation(now: DateTime<Utc>) -> Invitation {
        Invitation {
            id: Uuid::now_v7(),
            account_id: Uuid::now_v7(),
            kind: InvitationKind::CreateConnection,
            connector: Some("sandbox".into()),
            category: None,
            remote_environment: None,
            direction: Direction::Source,
            connection_id: None,
            connection_name: "x".into(),
            allowed_emails: vec![],
            expires_at: Some(now + Duration::seconds(60)),
            max_uses: Some(1),
            use_count: 0,
            language: "en".into(),
            prefill: Map::new(),
            locked_fields: vec![],
            end_user: EndUser::default(),
            redirect_url: None,
            send_email: false,
            metadata: Map::new(),
            created_at: now,
            revoked_at: None,
            opened_at: None,
            renewal_requested_at: None,
            renewed_from: None,
        }
    }

    #[test]
    fn expiry_is_exact_at_the_boundary() {
        let now = Utc::now();
        let inv = invitation(now);
        let at = inv.expires_at.unwrap();
        assert_eq!(
            inv.status(at - Duration::milliseconds(1)),
            InvitationStatus::Active
        );
        assert_eq!(inv.status(at), InvitationStatus::Expired);
    }

    #[test]
    fn revoked_wins_over_fulfilled_and_expired() {
        let now = Utc::now();
        let mut inv = invitation(now);
        inv.use_count = 1;
        inv.revoked_at = Some(now);
        assert_eq!(
            inv.status(now + Duration::days(1)),
            InvitationStatus::Revoked
        );
        inv.revoked_at = None;
        assert_eq!(
            inv.status(now + Duration::days(1)),
            InvitationStatus::Fulfilled
        );
    }

    #[test]
    fn unlimited_and_never_expiring_stays_active() {
        let now = Utc::now();
        let mut inv = invitation(now);
        inv.max_uses = None;
        inv.expires_at = None;
        inv.use_count = 1_000;
        assert_eq!(
            inv.status(now + Duration::days(10_000)),
            InvitationStatus::Active
        );
    }

    #[test]
    fn only_an_active_invitation_can_be_used() {
        let now = Utc::now();
        let mut inv = invitation(now);
        assert!(inv.can_be_used(now));
        assert!(!inv.can_be_used(inv.expires_at.unwrap()));
        inv.use_count = 1;
        assert!(!inv.can_be_used(now));
        inv.use_count = 0;
        inv.revoked_at = Some(now);
        assert!(!inv.can_be_used(now));
        inv.revoked_at = None;
        inv.max_uses = None;
        inv.expires_at = None;
        inv.use_count = 1_000;
        assert!(inv.can_be_used(now + Duration::days(10_000)));
    }

    #[test]
    fn allowed_emails_compare_case_insensitively() {
        let mut inv = invitation(Utc::now());
        assert!(inv.allows_email(&Email::parse("anyone@example.com").unwrap()));
        inv.allowed_emails = vec!["Julia@Example.com".into()];
        assert!(inv.allows_email(&Email::parse("julia@example.COM").unwrap()));
        assert!(!inv.allows_email(&Email::parse("julia@example.co").unwrap()));
    }

    #[test]
    fn redirect_url_must_be_https_or_local_http() {
        assert!(check_redirect_url("https://app.example.com/done").is_ok());
        assert!(check_redirect_url("http://localhost:3000/done").is_ok());
        assert!(check_redirect_url("http://example.com/done").is_err());
        assert!(check_redirect_url("javascript:alert(1)").is_err());
    }

    fn spec() -> ConnectorSpec {
        ConnectorSpec {
            id: "warehouse".into(),
            number: 9,
            name: "Warehouse".into(),
            categories: vec!["DATABASE".into()],
            directions: vec![Direction::Source, Direction::Destination],
            fields: vec![],
            check: crate::domain::connector::CheckSpec::None,
            oauth2: None,
        }
    }

    fn asking(on_duplicate: &str) -> NewInvitation {
        NewInvitation {
            connector: Some(spec().id),
            direction: Some(Direction::Source),
            connection_name: Some("Acme".into()),
            end_user: Some(EndUser {
                origin_id: Some("cust_1".into()),
                ..EndUser::default()
            }),
            on_duplicate: Some(on_duplicate.into()),
            ..NewInvitation::default()
        }
    }

    fn fields(request: &NewInvitation) -> Vec<String> {
        let spec = spec();
        let target = Target::Create {
            spec: Some(&spec),
            categories: spec.categories.clone(),
        };
        match request.validate(target, Utc::now(), Limits::default()) {
            Ok(_) => Vec::new(),
            Err(errors) => errors.into_iter().map(|e| e.field).collect(),
        }
    }

    #[test]
    fn on_duplicate_looks_for_connector_direction_and_origin_id() {
        let spec = spec();
        let (rule, key) = asking("update").duplicate_key(Some(&spec)).unwrap();
        assert_eq!(rule, OnDuplicate::Update);
        assert_eq!(
            key,
            DuplicateKey {
                connector: spec.id.clone(),
                direction: Direction::Source,
                origin_id: "cust_1".into()
            }
        );
        assert!(asking("create").duplicate_key(Some(&spec)).is_none());
        assert!(asking("reject").duplicate_key(None).is_none());
        let mut no_origin = asking("reject");
        no_origin.end_user = None;
        assert!(no_origin.duplicate_key(Some(&spec)).is_none());
        assert!(fields(&asking("update")).is_empty());
    }

    #[test]
    fn on_duplicate_refuses_unknown_values_and_what_update_and_reject_lack() {
        assert_eq!(fields(&asking("upsert")), ["on_duplicate"]);
        let mut bare = asking("reject");
        bare.end_user = Some(EndUser {
            origin_id: Some("  ".into()),
            ..EndUser::default()
        });
        assert_eq!(fields(&bare), ["end_user.origin_id"]);
        let mut category_only = asking("update");
        category_only.connector = None;
        category_only.category = Some("DATABASE".into());
        assert!(fields(&category_only).contains(&"connector".to_string()));
    }

    #[test]
    fn a_duplicate_becomes_a_reconnect_of_it() {
        let id = Uuid::now_v7();
        let reconnect = asking("update").into_reconnect(id);
        assert_eq!(reconnect.kind, InvitationKind::EditConnection);
        assert_eq!(reconnect.connection_id, Some(id));
        assert_eq!(reconnect.on_duplicate, None);
        assert_eq!(
            reconnect.end_user.and_then(|u| u.origin_id).as_deref(),
            Some("cust_1")
        );
    }

    #[test]
    fn explicit_null_differs_from_absent() {
        let absent: NewInvitation = serde_json::from_str("{}").unwrap();
        let null: NewInvitation =
            serde_json::from_str(r#"{"expires_in_seconds": null, "max_uses": null}"#).unwrap();
        assert_eq!(absent.expires_in_seconds, None);
        assert_eq!(null.expires_in_seconds, Some(None));
        assert_eq!(null.max_uses, Some(None));
    }

    #[test]
    fn only_expired_or_fulfilled_links_may_ask_for_renewal() {
        let now = Utc::now();
        let mut inv = invitation(now);
        assert!(!inv.may_ask_for_renewal(now), "active");
        let later = now + Duration::seconds(60);
        assert!(inv.may_ask_for_renewal(later), "expired");
        inv.use_count = 1;
        assert!(inv.may_ask_for_renewal(now), "fulfilled");
        inv.revoked_at = Some(now);
        assert!(!inv.may_ask_for_renewal(later), "revoked");
    }

    #[test]
    fn one_renewal_request_is_recorded_per_hour() {
        let now = Utc::now();
        let mut inv = invitation(now);
        let expired = now + Duration::seconds(60);
        assert!(inv.records_renewal_request(expired));
        inv.renewal_requested_at = Some(expired);
        let just_before = expired + RENEWAL_REQUEST_INTERVAL - Duration::milliseconds(1);
        assert!(!inv.records_renewal_request(just_before));
        assert!(inv.records_renewal_request(expired + RENEWAL_REQUEST_INTERVAL));
    }

    #[test]
    fn a_resend_keeps_every_setting_and_the_lifetime() {
        let now = Utc::now();
        let mut inv = invitation(now);
        inv.expires_at = Some(now + Duration::seconds(3600));
        inv.allowed_emails = vec!["a@example.com".into()];
        inv.max_uses = Some(3);
        inv.language = "fr".into();
        inv.locked_fields = vec!["api_key".into()];
        inv.redirect_url = Some("https://app.example.com/done".into());
        let request = inv.resend_request(Limits::default());
        assert_eq!(request.expires_in_seconds, Some(Some(3600)));
        assert_eq!(request.max_uses, Some(Some(3)));
        assert_eq!(request.language.as_deref(), Some("fr"));
        assert_eq!(request.allowed_emails, inv.allowed_emails);
        assert_eq!(request.locked_fields, inv.locked_fields);
        assert_eq!(request.redirect_url, inv.redirect_url);
        assert_eq!(request.connector, inv.connector);
        assert_eq!(request.connection_name.as_deref(), Some("x"));
        assert!(request.send_email, "emailed to the allowed address");
        assert!(request.on_duplicate.is_none());
    }

    #[test]
    fn a_resend_lifetime_is_capped_like_any_new_one() {
        let now = Utc::now();
        let mut inv = invitation(now);
        inv.expires_at = Some(now + Duration::days(30));
        let capped = Limits {
            max_lifetime_seconds: Some(86_400),
        };
        assert_eq!(
            inv.resend_request(capped).expires_in_seconds,
            Some(Some(86_400))
        );
        inv.expires_at = None;
        assert_eq!(
            inv.resend_request(Limits::default()).expires_in_seconds,
            Some(None),
            "never expiring stays so"
        );
        assert_eq!(
            inv.resend_request(capped).expires_in_seconds,
            Some(Some(86_400))
        );
        assert!(
            !inv.resend_request(capped).send_email,
            "nobody to send it to"
        );
    }
}
