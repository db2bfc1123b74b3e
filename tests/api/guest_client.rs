//! A guest over HTTP: a client without a cookie store that carries the session cookie and
//! the page's CSRF token by hand, as a browser would.

use reqwest::redirect::Policy;
use reqwest::{Client, Method, RequestBuilder};

use crate::helpers::{Reply, TestApp};

/// The cookie's name on an http public URL.
pub const COOKIE: &str = "portico_guest";

/// One guest: a client that follows no redirects and keeps no cookies of its own.
#[derive(Clone)]
pub struct Guest {
    pub client: Client,
    pub base: String,
    /// The session cookie's value, once a page set it.
    pub cookie: Option<String>,
    /// The CSRF token of the last page that carried one.
    pub csrf: Option<String>,
}

impl Guest {
    pub fn new(app: &TestApp) -> Guest {
        Guest::at(&app.base)
    }

    /// A guest of the Portico at `base` (a server the test started as a process).
    pub fn at(base: &str) -> Guest {
        Guest {
            client: Client::builder()
                .redirect(Policy::none())
                .build()
                .expect("client"),
            base: base.to_string(),
            cookie: None,
            csrf: None,
        }
    }

    pub fn url(&self, path: &str) -> String {
        if path.starts_with("http") {
            path.to_string()
        } else {
            format!("{}{path}", self.base)
        }
    }

    pub fn request(&self, method: Method, path: &str) -> RequestBuilder {
        let request = self.client.request(method, self.url(path));
        match &self.cookie {
            Some(cookie) => request.header("cookie", format!("{COOKIE}={cookie}")),
            None => request,
        }
    }

    /// Sends, reads the reply whole, and keeps a new cookie and the page's CSRF token.
    pub async fn send(&mut self, request: RequestBuilder) -> Reply {
        let reply = Reply::read(request.send().await.expect("guest request")).await;
        if let Some(value) = cookie_value(&reply) {
            self.cookie = Some(value);
        }
        if let Some(csrf) = attr_after(&reply.text, r#"name="csrf" value=""#) {
            self.csrf = Some(csrf);
        }
        reply
    }

    pub async fn get(&mut self, path: &str) -> Reply {
        let request = self.request(Method::GET, path);
        self.send(request).await
    }

    /// A form POST with this session's CSRF token added.
    pub async fn post(&mut self, path: &str, fields: &[(&str, &str)]) -> Reply {
        let csrf = self.csrf.clone().expect("a page with a CSRF token first");
        let mut all = vec![("csrf", csrf.as_str())];
        all.extend_from_slice(fields);
        let request = self.form(path, &all);
        self.send(request).await
    }

    /// A form POST exactly as given (no CSRF token added).
    pub fn form(&self, path: &str, fields: &[(&str, &str)]) -> RequestBuilder {
        self.request(Method::POST, path)
            .header("content-type", "application/x-www-form-urlencoded")
            .body(form_body(fields))
    }
}

pub fn form_body(fields: &[(&str, &str)]) -> String {
    let mut body = url::form_urlencoded::Serializer::new(String::new());
    for (k, v) in fields {
        body.append_pair(k, v);
    }
    body.finish()
}

/// The raw `Set-Cookie` headers of a reply.
pub fn set_cookies(reply: &Reply) -> Vec<String> {
    reply
        .headers
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap().to_string())
        .collect()
}

/// The guest cookie's value set by a reply, if any.
pub fn cookie_value(reply: &Reply) -> Option<String> {
    set_cookies(reply).iter().find_map(|c| {
        let first = c.split(';').next()?;
        let (name, value) = first.split_once('=')?;
        (name.trim() == COOKIE).then(|| value.to_string())
    })
}

/// The text between `prefix` and the next `"`.
pub fn attr_after(html: &str, prefix: &str) -> Option<String> {
    let start = html.find(prefix)? + prefix.len();
    let end = html[start..].find('"')?;
    Some(html[start..start + end].to_string())
}
