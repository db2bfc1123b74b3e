//! The OAuth 2 protocol against a real authorization server (`oidc-provider`): Portico's
//! authorization request (PKCE S256, state) is one the provider accepts, its code exchange and
//! refresh work with either client authentication, a rotated refresh token cannot be used
//! twice, and refusals are told apart (`invalid_grant` from the rest) without their words.

use portico::checks::{Grant, OAuthClient};
use portico::clock::Clock;
use portico::crypto::pkce;
use portico::crypto::token::random_token;
use portico::domain::connector::{OAuth2Spec, TokenAuth};
use portico::domain::oauth::{OAuthEndpoints, TokenRefusal, Tokens, authorization_url};
use reqwest::StatusCode;
use std::collections::BTreeMap;

use crate::both;
use crate::helpers::TestApp;
use crate::oidc::{Provider, REDIRECT_URI};

fn spec() -> OAuth2Spec {
    OAuth2Spec {
        authorize_url: None,
        token_url: None,
        revoke_url: None,
        scopes: vec![],
        pkce: true,
        token_auth: TokenAuth::ClientSecretBasic,
        authorize_params: BTreeMap::new(),
    }
}

fn endpoints(provider: &Provider, token_auth: TokenAuth) -> OAuthEndpoints {
    OAuthEndpoints {
        authorize_url: provider.authorization_endpoint.clone(),
        token_url: provider.token_endpoint.clone(),
        revoke_url: None,
        scopes: vec!["openid".into(), "offline_access".into(), "api:read".into()],
        token_auth,
    }
}

/// Signs `login` in through Portico's authorization request and returns the code, with the
/// state and verifier the flow used.
async fn authorize(
    app: &TestApp,
    provider: &Provider,
    endpoints: &OAuthEndpoints,
    client_id: &str,
) -> (String, String) {
    let state = random_token().expose().clone();
    let verifier = pkce::verifier(&app.portico.keyring, &state).unwrap();
    let challenge = pkce::challenge(verifier.expose());
    let url = authorization_url(
        endpoints,
        &spec(),
        client_id,
        REDIRECT_URI,
        &state,
        Some(&challenge),
    )
    .unwrap();
    let back = provider.sign_in(url.as_str(), "julia", "allow").await;
    assert_eq!(
        back.get("state"),
        Some(&state),
        "the state comes back: {back:?}"
    );
    let code = back
        .get("code")
        .unwrap_or_else(|| panic!("a code: {back:?}"));
    let found = pkce::verifier_for(&app.portico.keyring, &state, &challenge).unwrap();
    assert_eq!(found.as_ref().map(|v| v.expose()), Some(verifier.expose()));
    (code.clone(), verifier.expose().clone())
}

async fn exchange(
    app: &TestApp,
    endpoints: &OAuthEndpoints,
    client: OAuthClient<'_>,
    code: &str,
    verifier: &str,
) -> Result<Tokens, TokenRefusal> {
    let grant = Grant::AuthorizationCode {
        code,
        redirect_uri: REDIRECT_URI,
        verifier: Some(verifier),
    };
    let now = app.clock.now();
    app.portico
        .checker
        .token(endpoints, client, grant, now)
        .await
}

async fn refresh(
    app: &TestApp,
    endpoints: &OAuthEndpoints,
    client: OAuthClient<'_>,
    refresh_token: &str,
) -> Result<Tokens, TokenRefusal> {
    let grant = Grant::Refresh { refresh_token };
    let now = app.clock.now();
    app.portico
        .checker
        .token(endpoints, client, grant, now)
        .await
}

const BASIC: OAuthClient<'static> = OAuthClient {
    id: "basic",
    secret: "basic-secret",
};

async fn a_code_is_exchanged_once_and_a_rotated_refresh_token_works_once(app: TestApp) {
    let provider = Provider::start(60).await;
    let endpoints = endpoints(&provider, TokenAuth::ClientSecretBasic);
    let (code, verifier) = authorize(&app, &provider, &endpoints, "basic").await;

    let tokens = exchange(&app, &endpoints, BASIC, &code, &verifier)
        .await
        .expect("the code is exchanged");
    assert_eq!(
        provider.me(tokens.access_token.expose()).await,
        StatusCode::OK
    );
    assert_eq!(
        tokens.expires_at,
        Some(app.clock.now() + chrono::Duration::seconds(60))
    );
    let first_refresh = tokens.refresh_token.clone().expect("a refresh token");
    // A code is good once.
    let replayed = exchange(&app, &endpoints, BASIC, &code, &verifier).await;
    assert_eq!(replayed, Err(TokenRefusal::InvalidGrant));

    // The replay revoked the grant (RFC 6749, 4.1.2): start again.
    let (code, verifier) = authorize(&app, &provider, &endpoints, "basic").await;
    let tokens = exchange(&app, &endpoints, BASIC, &code, &verifier)
        .await
        .unwrap();
    let old = tokens.refresh_token.clone().unwrap();
    assert_ne!(old.expose(), first_refresh.expose());
    let renewed = refresh(&app, &endpoints, BASIC, old.expose())
        .await
        .expect("refreshed");
    let new = renewed.refresh_token.clone().expect("rotated");
    assert_ne!(new.expose(), old.expose(), "the provider rotates");
    assert_eq!(
        provider.me(renewed.access_token.expose()).await,
        StatusCode::OK
    );
    // The old refresh token is spent; using it again is invalid_grant.
    let reused = refresh(&app, &endpoints, BASIC, old.expose()).await;
    assert_eq!(reused, Err(TokenRefusal::InvalidGrant));

    let counters = provider.counters().await;
    assert_eq!(
        counters["token"]["authorization_code"]["success"], 2,
        "{counters}"
    );
    assert_eq!(
        counters["token"]["refresh_token"]["success"], 1,
        "{counters}"
    );
    assert_eq!(
        counters["token"]["refresh_token"]["invalid_grant"], 1,
        "{counters}"
    );
}
both!(a_code_is_exchanged_once_and_a_rotated_refresh_token_works_once);

async fn the_post_client_sends_its_secret_in_the_body_and_a_wrong_one_is_no_grant(app: TestApp) {
    let provider = Provider::start(60).await;
    let post = endpoints(&provider, TokenAuth::ClientSecretPost);
    let client = OAuthClient {
        id: "post",
        secret: "post-secret",
    };
    let (code, verifier) = authorize(&app, &provider, &post, "post").await;
    // Basic for a client registered for the body: refused as the client's, not the grant's.
    let basic = endpoints(&provider, TokenAuth::ClientSecretBasic);
    let refused = exchange(&app, &basic, client, &code, &verifier).await;
    assert!(
        matches!(&refused, Err(TokenRefusal::Failed(detail)) if detail.contains("invalid_client")),
        "{refused:?}"
    );
    let tokens = exchange(&app, &post, client, &code, &verifier)
        .await
        .expect("exchanged");
    assert_eq!(
        provider.me(tokens.access_token.expose()).await,
        StatusCode::OK
    );

    let (code, _) = authorize(&app, &provider, &post, "post").await;
    let wrong_verifier = exchange(&app, &post, client, &code, "x".repeat(43).as_str()).await;
    assert_eq!(wrong_verifier, Err(TokenRefusal::InvalidGrant));
    let wrong_secret = OAuthClient {
        secret: "not-the-secret",
        ..client
    };
    let (code, verifier) = authorize(&app, &provider, &post, "post").await;
    let refused = exchange(&app, &post, wrong_secret, &code, &verifier).await;
    let Err(TokenRefusal::Failed(detail)) = refused else {
        panic!("refused: {refused:?}")
    };
    assert!(
        !detail.contains("not-the-secret") && !detail.contains(&code),
        "{detail}"
    );
}
both!(the_post_client_sends_its_secret_in_the_body_and_a_wrong_one_is_no_grant);

async fn a_denied_consent_and_revoked_grants_are_told_apart(app: TestApp) {
    let provider = Provider::start(60).await;
    let endpoints = endpoints(&provider, TokenAuth::ClientSecretBasic);
    let url = authorization_url(
        &endpoints,
        &spec(),
        "basic",
        REDIRECT_URI,
        "s",
        Some(&pkce::challenge("v".repeat(43).as_str())),
    )
    .unwrap();
    let back = provider.sign_in(url.as_str(), "julia", "deny").await;
    assert_eq!(back.get("error").map(String::as_str), Some("access_denied"));
    assert!(!back.contains_key("code"));

    let (code, verifier) = authorize(&app, &provider, &endpoints, "basic").await;
    let tokens = exchange(&app, &endpoints, BASIC, &code, &verifier)
        .await
        .unwrap();
    provider.revoke_grants().await;
    assert_eq!(
        provider.me(tokens.access_token.expose()).await,
        StatusCode::UNAUTHORIZED
    );
    let refused = refresh(
        &app,
        &endpoints,
        BASIC,
        tokens.refresh_token.unwrap().expose(),
    )
    .await;
    assert_eq!(refused, Err(TokenRefusal::InvalidGrant));
}
both!(a_denied_consent_and_revoked_grants_are_told_apart);
