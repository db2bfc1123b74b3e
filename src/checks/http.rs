//! HTTP checks: a templated request to the connector's service, sent to an address the egress
//! policy vetted, never through a proxy, never following a redirect.

use std::time::Duration;

use super::{
    CheckFailure, Reason, chain, human, innermost, io_failure, is_dns_failure, refusal_cause,
    tls_cause,
};
use crate::domain::connector::{HttpCheck, ValidatedConfig};
use crate::egress::EgressPolicy;

/// The field that decides where the request goes: the first placeholder in the URL template's
/// scheme, host or port (`{export_url}`, `https://{subdomain}.example.com/...`), if any.
fn host_field(template: &str) -> Option<String> {
    let authority_end = match template.find("://") {
        Some(i) => template[i + 3..]
            .find('/')
            .map_or(template.len(), |j| i + 3 + j),
        None => template.len(),
    };
    let open = template[..authority_end].find('{')?;
    let close = template[open..].find('}')? + open;
    Some(template[open + 1..close].to_string())
}

/// `host`, or `host:port` when the URL names a port.
pub(super) fn url_target(url: &url::Url) -> Option<String> {
    let host = url.host_str()?;
    Some(match url.port() {
        Some(port) => format!("{host}:{port}"),
        None => host.to_string(),
    })
}

pub(super) fn target(check: &HttpCheck, config: &ValidatedConfig) -> Option<String> {
    url::Url::parse(&config.render(&check.url))
        .ok()
        .and_then(|url| url_target(&url))
}

/// Whether the request would go to an address the policy refuses. A URL whose host no field
/// decides (the vendor's own) is not looked up.
pub(super) async fn vet(
    policy: &EgressPolicy,
    check: &HttpCheck,
    config: &ValidatedConfig,
) -> Result<(), CheckFailure> {
    if host_field(&check.url).is_none() {
        return Ok(());
    }
    let Ok(url) = url::Url::parse(&config.render(&check.url)) else {
        return Ok(());
    };
    let (Some(host), Some(port)) = (url.host_str(), url.port_or_known_default()) else {
        return Ok(());
    };
    policy
        .resolve(host, port)
        .await
        .map(drop)
        .map_err(|refused| CheckFailure::refused(refused, host_field(&check.url)))
}

/// A client for one request to `url`'s host: connected to the addresses the policy vetted for
/// it, never through a proxy, never following a redirect (a redirect would carry credential
/// headers wherever it points). `field`: the one that names the host, for the guest's error.
pub(super) async fn vetted_client(
    policy: &EgressPolicy,
    url: &url::Url,
    timeout: Duration,
    field: Option<String>,
) -> Result<reqwest::Client, CheckFailure> {
    let host = url.host_str().unwrap_or_default().to_string();
    let port = url.port_or_known_default().unwrap_or(443);
    let vetted = policy
        .resolve(&host, port)
        .await
        .map_err(|refused| CheckFailure::refused(refused, field))?;
    reqwest::Client::builder()
        .timeout(timeout)
        // A proxy from this process's environment would see the credentials, and would
        // reach what the policy refuses.
        .no_proxy()
        .redirect(reqwest::redirect::Policy::none())
        // The vetted addresses, so a second DNS answer cannot differ; any other lookup goes
        // through the policy too.
        .resolve_to_addrs(&host, &vetted)
        .dns_resolver(policy.resolver())
        .user_agent(concat!("portico-check/", env!("CARGO_PKG_VERSION")))
        .build()
        .map_err(|e| {
            CheckFailure::new(
                Reason::Unexpected,
                format!("cannot prepare the HTTP client: {}", innermost(&e)),
            )
        })
}

pub(super) async fn check(
    policy: &EgressPolicy,
    check: &HttpCheck,
    config: &ValidatedConfig,
    timeout: Duration,
) -> Result<(), CheckFailure> {
    // The rendered URL may hold secrets: details name only its host.
    let url = url::Url::parse(&config.render(&check.url))
        .ok()
        .filter(|u| matches!(u.scheme(), "http" | "https") && u.host_str().is_some())
        .ok_or_else(|| CheckFailure {
            field: host_field(&check.url),
            ..CheckFailure::new(
                Reason::Unreachable,
                "the check's URL is not a valid http(s) URL; check the fields it is built from",
            )
        })?;
    let target = url_target(&url).unwrap_or_default();
    let client = vetted_client(policy, &url, timeout, host_field(&check.url)).await?;
    let method = reqwest::Method::from_bytes(check.method.as_bytes()).map_err(|_| {
        CheckFailure::new(
            Reason::Unexpected,
            format!("`{}` is not an HTTP method", check.method),
        )
    })?;

    let mut request = client.request(method, url);
    for (name, template) in &check.headers {
        let mut value = reqwest::header::HeaderValue::from_str(&config.render(template))
            .map_err(|_| {
                CheckFailure::new(
                    Reason::WrongCredentials,
                    format!(
                        "the {name} header would contain characters HTTP does not allow; check the fields it is built from"
                    ),
                )
            })?;
        value.set_sensitive(true);
        request = request.header(name.as_str(), value);
    }
    if let Some(auth) = &check.basic_auth {
        request = request.basic_auth(
            config.render(&auth.username),
            Some(config.render(&auth.password)),
        );
    }

    let response = request
        .send()
        .await
        .map_err(|e| failure(e.without_url(), &target, timeout, host_field(&check.url)))?;
    let status = response.status();
    if check.expect_status.contains(&status.as_u16()) {
        return Ok(());
    }
    let (reason, hint) = match status.as_u16() {
        401 | 403 => (
            Reason::WrongCredentials,
            ": the credentials were not accepted",
        ),
        _ => (Reason::Unexpected, ""),
    };
    Err(CheckFailure::new(
        reason,
        format!("unexpected HTTP status {status} from {target}{hint}"),
    ))
}

pub(super) fn failure(
    err: reqwest::Error,
    target: &str,
    timeout: Duration,
    field: Option<String>,
) -> CheckFailure {
    let host = target.rsplit_once(':').map_or(target, |(h, _)| h);
    if let Some(refused) = refusal_cause(&err) {
        return CheckFailure::refused(refused, field);
    }
    let (reason, detail) = if err.is_timeout() {
        (
            Reason::TimedOut,
            format!("timed out after {} waiting for {target}", human(timeout)),
        )
    } else if let Some(tls) = tls_cause(&err) {
        (
            Reason::TlsRequired,
            format!("the TLS handshake with {target} failed: {tls}"),
        )
    } else if chain(&err).any(|e| is_dns_failure(&e.to_string())) {
        (
            Reason::Unreachable,
            format!("could not find the host \"{host}\": its name does not resolve"),
        )
    } else if let Some(io) = chain(&err).find_map(|e| e.downcast_ref::<std::io::Error>()) {
        return io_failure(io, host, target, "web");
    } else if err.is_connect() {
        (
            Reason::Unreachable,
            format!("could not connect to {target}: {}", innermost(&err)),
        )
    } else {
        (
            Reason::Unexpected,
            format!("the request to {target} failed: {}", innermost(&err)),
        )
    };
    CheckFailure::new(reason, detail)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::tests::config;
    use serde_json::json;

    #[test]
    fn templates_substitute_plain_and_secret_values() {
        let c = config(
            json!({"base_url": "https://x.test", "port": 8080}),
            &[("token", "t0k")],
        );
        assert_eq!(
            c.render("{base_url}:{port}/me?k={token}&m={missing}"),
            "https://x.test:8080/me?k=t0k&m="
        );
        assert_eq!(c.render("no placeholders"), "no placeholders");
        assert_eq!(c.render("broken {base_url"), "broken {base_url");
    }

    #[test]
    fn the_host_field_is_the_one_that_names_the_server() {
        assert_eq!(host_field("{export_url}").as_deref(), Some("export_url"));
        assert_eq!(
            host_field("{base_url}/api/v1/me").as_deref(),
            Some("base_url")
        );
        assert_eq!(
            host_field("https://{subdomain}.personio.de/v1/{token}").as_deref(),
            Some("subdomain")
        );
        assert_eq!(host_field("https://api.example.com/v1/{token}"), None);
    }
}
