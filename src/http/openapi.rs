//! The OpenAPI 3.1 document: the handlers' annotations, plus what is true of every operation
//! (security schemes, errors as `application/problem+json`, the `x-request-id` header), applied
//! in one place.

use utoipa::OpenApi;
use utoipa::openapi::header::HeaderBuilder;
use utoipa::openapi::security::{ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::openapi::{RefOr, Schema};

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Portico",
        description = "Secure invitations that let an outside person configure one data connection.",
    ),
    tags(
        (name = "invitations", description = "Links a guest uses to create or edit one connection"),
        (name = "connections", description = "Configured connectors with encrypted credentials"),
        (name = "connectors", description = "The catalog"),
        (name = "results", description = "Result codes of completed guest flows, exchanged once"),
        (name = "events", description = "What happened, oldest first"),
        (name = "funnel", description = "Where guests give up: invitations created, opened, verified, failed a check, completed"),
        (name = "webhooks", description = "Events delivered to your URLs, signed per Standard Webhooks"),
        (name = "oauth", description = "The account's OAuth apps, for connectors whose guests sign in at the vendor"),
        (name = "account", description = "The API key's own account and its settings"),
        (name = "health", description = "Liveness, readiness, metrics"),
        (name = "kondado", description = "Compatible with Kondado's collection guests"),
        (name = "kombo", description = "Compatible with Kombo's connect links"),
        (name = "nectar", description = "Compatible with Nectar's invitations"),
    )
)]
pub struct ApiDoc;

/// Completes the generated document.
pub fn finish(mut doc: utoipa::openapi::OpenApi) -> utoipa::openapi::OpenApi {
    let components = doc.components.get_or_insert_with(Default::default);
    components.add_security_scheme(
        "bearer",
        SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
    );
    components.add_security_scheme(
        "api_key",
        SecurityScheme::ApiKey(ApiKey::Header(ApiKeyValue::new("X-API-KEY"))),
    );
    // `HttpCheck` is flattened into `CheckSpec`'s `http` variant next to its `kind` tag, so it
    // cannot forbid other properties in the schema (serde still rejects unknown keys).
    if let Some(RefOr::T(Schema::Object(http))) = components.schemas.get_mut("HttpCheck") {
        http.additional_properties = None;
    }
    let request_id = HeaderBuilder::new()
        .description(Some(
            "This request's id (the client's own, if it sent a short safe one); a 500 shows it too",
        ))
        .build();
    // Problems are RFC 9457 `application/problem+json`, whatever the annotation's default
    // content type (the compatible endpoints' own error envelopes stay `application/json`).
    for item in doc.paths.paths.values_mut() {
        for operation in [
            &mut item.get,
            &mut item.post,
            &mut item.put,
            &mut item.patch,
            &mut item.delete,
        ]
        .into_iter()
        .flatten()
        {
            for response in operation.responses.responses.values_mut() {
                let RefOr::T(response) = response else {
                    continue;
                };
                response
                    .headers
                    .insert("x-request-id".to_string(), RefOr::T(request_id.clone()));
                let is_problem = response.content.get("application/json").is_some_and(|c| {
                    matches!(c, RefOr::T(content)
                        if matches!(&content.schema, Some(RefOr::Ref(r))
                            if r.ref_location.ends_with("/Problem")))
                });
                if is_problem
                    && let Some(content) = response.content.shift_remove("application/json")
                {
                    response
                        .content
                        .insert("application/problem+json".to_string(), content);
                }
            }
        }
    }
    doc
}
