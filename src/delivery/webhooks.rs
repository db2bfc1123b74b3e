//! The webhook worker: leases endpoints with due deliveries, sends each pending event in order
//! (signed per Standard Webhooks, 15 s timeout), records every attempt, retries on the
//! schedule, and disables an endpoint that answers 410. Also emits `invitation.expired`.
//! Several nodes may run it on one PostgreSQL database: an endpoint is leased by one at a time.

use chrono::Utc;
use std::net::IpAddr;
use std::time::Instant;
use tokio::task::JoinHandle;
use uuid::Uuid;

use super::kombo;
use crate::domain::event::Event;
use crate::domain::webhook::{
    AttemptOutcome, WebhookAttempt, WebhookEndpoint, WebhookFormat, retry_after, sign, sign_kombo,
};
use crate::egress::EgressPolicy;
use crate::service::Portico;
use crate::store::PendingDelivery;

/// How often the worker looks for due deliveries and expired invitations.
const POLL: std::time::Duration = std::time::Duration::from_millis(500);
const TIMEOUT: std::time::Duration = std::time::Duration::from_secs(15);

/// The client of every delivery: through the egress policy (a name with any forbidden address
/// fails, and the addresses connected to are the ones vetted), never through a proxy from the
/// environment, never following a redirect.
pub fn client(egress: &EgressPolicy) -> reqwest::Client {
    reqwest::Client::builder()
        .timeout(TIMEOUT)
        .no_proxy()
        .redirect(reqwest::redirect::Policy::none())
        .dns_resolver(egress.resolver())
        .user_agent(concat!("Portico-Webhooks/", env!("CARGO_PKG_VERSION")))
        .build()
        .expect("the webhook client builds")
}

pub fn spawn(portico: Portico) -> JoinHandle<()> {
    let node = Uuid::new_v4().to_string();
    let client = client(&portico.settings.webhook_egress);
    tokio::spawn(async move {
        loop {
            if let Err(e) = portico.expire_invitations().await {
                tracing::warn!(error = %e, "expiring invitations failed");
            }
            if let Err(e) = deliver_due(&portico, &client, &node).await {
                tracing::warn!(error = %e, "webhook delivery failed; will retry");
            }
            if let Ok((hooks, mails)) = portico.store.queue_depths().await {
                metrics::gauge!("portico_webhook_queue_depth").set(hooks as f64);
                metrics::gauge!("portico_email_queue_depth").set(mails as f64);
            }
            tokio::time::sleep(POLL).await;
        }
    })
}

/// Leases endpoints with due deliveries and works through them; returns how many events were
/// delivered.
pub async fn deliver_due(
    portico: &Portico,
    client: &reqwest::Client,
    node: &str,
) -> anyhow::Result<usize> {
    let mut delivered = 0;
    loop {
        let now = portico.now();
        let endpoints = portico
            .store
            .claim_webhook_endpoints(node, now, now + portico.settings.delivery_lease, 10)
            .await?;
        if endpoints.is_empty() {
            return Ok(delivered);
        }
        for endpoint in &endpoints {
            let outcome = work_endpoint(portico, client, node, endpoint).await;
            portico
                .store
                .release_webhook_endpoint(endpoint.id, node)
                .await?;
            match outcome {
                Ok(n) => delivered += n,
                Err(e) => tracing::warn!(endpoint = %endpoint.id, error = %e, "endpoint skipped"),
            }
        }
    }
}

/// Sends the endpoint's due events in order, stopping at the first failure so events arrive
/// in order.
async fn work_endpoint(
    portico: &Portico,
    client: &reqwest::Client,
    node: &str,
    endpoint: &WebhookEndpoint,
) -> anyhow::Result<usize> {
    let secrets = portico.signing_secrets(endpoint)?;
    let mut delivered = 0;
    for pending in portico
        .store
        .pending_webhook_deliveries(endpoint.id, 50)
        .await?
    {
        let now = portico.now();
        if pending.next_attempt_at > now
            || !portico
                .store
                .renew_webhook_lease(endpoint.id, node, now + portico.settings.delivery_lease)
                .await?
        {
            break;
        }
        let (attempt, outcome) = attempt(portico, client, endpoint, &secrets, &pending).await;
        portico
            .store
            .record_webhook_attempt(&attempt, outcome)
            .await?;
        let label = match outcome {
            AttemptOutcome::Delivered => "delivered",
            AttemptOutcome::Retry(_) => "retry",
            AttemptOutcome::GiveUp => "given_up",
            AttemptOutcome::Disable => "disabled",
        };
        metrics::counter!("portico_webhook_attempts_total", "outcome" => label).increment(1);
        if outcome != AttemptOutcome::Delivered {
            metrics::counter!("portico_webhook_failures_total").increment(1);
            break;
        }
        let latency = (Utc::now() - pending.event.timestamp)
            .num_milliseconds()
            .max(0);
        metrics::histogram!("portico_webhook_delivery_latency_seconds")
            .record(latency as f64 / 1000.0);
        delivered += 1;
    }
    Ok(delivered)
}

/// A delivery ready to send: the body and the headers that sign it.
struct Signed {
    body: Vec<u8>,
    headers: Vec<(&'static str, String)>,
}

/// The event in the endpoint's format, signed; `None`: the format has no form of this event.
fn signed(
    portico: &Portico,
    endpoint: &WebhookEndpoint,
    secrets: &crate::service::webhooks::SigningSecrets,
    event: &Event,
) -> Option<Signed> {
    match endpoint.format {
        WebhookFormat::Standard => {
            let body = serde_json::to_vec(event).expect("events serialise");
            // The signed timestamp is the wall clock's: receivers compare it with theirs.
            let timestamp = Utc::now().timestamp();
            let id = event.id.to_string();
            let signatures: Vec<String> = std::iter::once(&secrets.current)
                .chain(secrets.previous.iter())
                .filter_map(|secret| sign(secret.expose(), &id, timestamp, &body))
                .collect();
            Some(Signed {
                headers: vec![
                    ("webhook-id", id),
                    ("webhook-timestamp", timestamp.to_string()),
                    ("webhook-signature", signatures.join(" ")),
                ],
                body,
            })
        }
        WebhookFormat::Kombo => {
            let categories = event
                .data
                .get("connector")
                .and_then(|c| c.as_str())
                .and_then(|c| portico.catalog.get(c))
                .map(|spec| spec.categories.clone())
                .unwrap_or_default();
            let payload = kombo::payload(event, &categories, &portico.settings.public_url)?;
            let body = serde_json::to_vec(&payload).expect("payloads serialise");
            Some(Signed {
                headers: vec![(
                    "x-kombo-signature",
                    sign_kombo(secrets.current.expose(), &body),
                )],
                body,
            })
        }
    }
}

async fn attempt(
    portico: &Portico,
    client: &reqwest::Client,
    endpoint: &WebhookEndpoint,
    secrets: &crate::service::webhooks::SigningSecrets,
    pending: &PendingDelivery,
) -> (WebhookAttempt, AttemptOutcome) {
    let event = &pending.event;
    let attempted_at = portico.now();
    let started = Instant::now();
    let result = match (
        signed(portico, endpoint, secrets, event),
        literal_target_refused(&endpoint.url, &portico.settings.webhook_egress),
    ) {
        (None, _) => Err(NOT_SENT.to_string()),
        (Some(_), Some(refusal)) => Err(refusal),
        (Some(signed), None) => {
            let mut request = client
                .post(&endpoint.url)
                .header("content-type", "application/json");
            for (name, value) in signed.headers {
                request = request.header(name, value);
            }
            request
                .body(signed.body)
                .send()
                .await
                .map(|r| r.status().as_u16())
                .map_err(|e| describe(&e))
        }
    };
    let failures = pending.attempts + 1;
    let outcome = match &result {
        Ok(status) if (200..300).contains(status) => AttemptOutcome::Delivered,
        Ok(410) => AttemptOutcome::Disable,
        Err(e) if e == NOT_SENT => AttemptOutcome::Delivered,
        _ => match retry_after(failures) {
            Some(wait) => AttemptOutcome::Retry(attempted_at + wait),
            None => AttemptOutcome::GiveUp,
        },
    };
    let attempt = WebhookAttempt {
        id: Uuid::now_v7(),
        endpoint_id: endpoint.id,
        event_id: event.id,
        attempted_at,
        status: result.as_ref().ok().copied(),
        error: result.err(),
        duration_ms: started.elapsed().as_millis() as i64,
    };
    (attempt, outcome)
}

/// The attempt's note for an event the endpoint's format has no form of: nothing is sent and
/// the delivery is done.
const NOT_SENT: &str = "not sent: the endpoint's format has no form of this event";

/// A URL naming a forbidden address literally skips the resolver, so it is checked here.
fn literal_target_refused(url: &str, egress: &EgressPolicy) -> Option<String> {
    let host = url::Url::parse(url)
        .ok()?
        .host_str()?
        .trim_matches(['[', ']'])
        .to_string();
    let ip: IpAddr = host.parse().ok()?;
    egress.refusal(ip).map(|class| {
        format!(
            "{ip} is a {} address webhooks may not reach",
            class.as_str()
        )
    })
}

/// What went wrong, without the URL's query (reqwest's own text includes the whole URL).
fn describe(e: &reqwest::Error) -> String {
    if e.is_timeout() {
        "timed out after 15 s".into()
    } else if e.is_connect() {
        let mut source = std::error::Error::source(e);
        let mut detail = String::from("could not connect");
        while let Some(s) = source {
            detail = format!("could not connect: {s}");
            source = s.source();
        }
        detail
    } else {
        "the request failed".into()
    }
}
