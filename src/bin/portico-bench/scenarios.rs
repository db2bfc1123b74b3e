//! The scenarios: what each one sends, which baseline it is compared with, and one round of all
//! of them at one database size.

use crate::db::Db;
use crate::driver::{Measured, Outcome, drive};
use crate::requests::{
    GUEST_COOKIE, ReadyGuest, create_invitation, expect, invitation_body, open_as_guest,
};
use crate::rss::{read_peak_rss, read_status_kb, reset_peak_rss};
use axum::http::{HeaderValue, header};
use std::future::Future;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use uuid::Uuid;

/// Invitations read by `GET /v1/invitations/{id}`, drawn at random from the whole table.
const SAMPLED_IDS: i64 = 1000;
/// Invitations (`max_uses: null`) whose first page `GET /g/{token}` opens.
pub const PAGE_INVITATIONS: usize = 64;

/// What every scenario uses: the HTTP client, the server and the baselines, the database.
pub struct Bench {
    pub http: reqwest::Client,
    pub base: String,
    pub baseline: String,
    pub auth: HeaderValue,
    /// The server child's process id, whose RSS is measured.
    pub server_pid: u32,
    pub db: Db,
    /// Whether the baseline child serves `/rows-group` (SQLite only).
    pub group_baseline: bool,
    pub clients: usize,
    pub duration: Duration,
    /// The highest VmHWM seen before any reset (seeding and setup included).
    pub overall_peak_rss: Mutex<u64>,
}

/// Which baseline a scenario is compared with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Baseline {
    NoDatabase,
    Insert,
    /// The one-row insert through the group commit writer at FULL (SQLite only).
    GroupCommit,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scenario {
    BaselineJson,
    BaselineInsert,
    BaselineGroupInsert,
    Create,
    Get,
    List,
    Page,
    Submit,
}

impl Scenario {
    pub const ALL: [Scenario; 8] = [
        Scenario::BaselineJson,
        Scenario::BaselineInsert,
        Scenario::BaselineGroupInsert,
        Scenario::Create,
        Scenario::Get,
        Scenario::List,
        Scenario::Page,
        Scenario::Submit,
    ];

    pub fn label(self) -> &'static str {
        match self {
            Scenario::BaselineJson => "baseline: axum, fixed JSON, no db",
            Scenario::BaselineInsert => "baseline: axum, one-row insert",
            Scenario::BaselineGroupInsert => "baseline: axum, insert, group commit FULL",
            Scenario::Create => "POST /v1/invitations",
            Scenario::Get => "GET /v1/invitations/{id}",
            Scenario::List => "GET /v1/invitations?limit=20",
            Scenario::Page => "GET /g/{token} (first page)",
            Scenario::Submit => "POST /g/s/submit (sandbox)",
        }
    }

    /// The baselines a scenario is compared with, the main one first.
    pub fn baselines(self) -> &'static [Baseline] {
        match self {
            Scenario::BaselineJson | Scenario::BaselineInsert | Scenario::BaselineGroupInsert => {
                &[]
            }
            Scenario::Create | Scenario::Submit => &[Baseline::GroupCommit, Baseline::Insert],
            Scenario::Get | Scenario::List | Scenario::Page => &[Baseline::NoDatabase],
        }
    }
}

/// Every scenario at one database size.
pub struct Round {
    pub target_rows: u64,
    pub rows: u64,
    pub results: Vec<Measured>,
}

impl Round {
    /// The scenario's measurement; `None` for one that does not run on this backend.
    pub fn find(&self, scenario: Scenario) -> Option<&Measured> {
        self.results.iter().find(|m| m.scenario == scenario)
    }

    pub fn get(&self, scenario: Scenario) -> &Measured {
        self.find(scenario).expect("the scenario ran")
    }

    /// requests/s as a fraction of `baseline`'s, when both ran.
    pub fn ratio(&self, scenario: Scenario, baseline: Baseline) -> Option<f64> {
        let base = self.find(match baseline {
            Baseline::NoDatabase => Scenario::BaselineJson,
            Baseline::Insert => Scenario::BaselineInsert,
            Baseline::GroupCommit => Scenario::BaselineGroupInsert,
        })?;
        (base.rps() > 0.0).then(|| self.find(scenario).map_or(0.0, Measured::rps) / base.rps())
    }
}

impl Bench {
    /// Creates an invitation over the API: its id and its link.
    pub async fn create_invitation(&self, unlimited: bool) -> anyhow::Result<(Uuid, String)> {
        create_invitation(&self.http, &self.base, &self.auth, unlimited).await
    }

    pub async fn round(
        &self,
        target_rows: u64,
        rows: u64,
        pages: Arc<Vec<String>>,
    ) -> anyhow::Result<Round> {
        let mut results = Vec::new();
        for scenario in Scenario::ALL {
            let measured = match scenario {
                Scenario::BaselineJson => {
                    let url = format!("{}/json", self.baseline);
                    let http = self.http.clone();
                    self.measure(scenario, move |_, _| {
                        let request = http.get(&url);
                        async move { expect(request.send().await, 200).await }
                    })
                    .await
                }
                Scenario::BaselineInsert | Scenario::BaselineGroupInsert => {
                    if scenario == Scenario::BaselineGroupInsert && !self.group_baseline {
                        continue;
                    }
                    let path = match scenario {
                        Scenario::BaselineGroupInsert => "rows-group",
                        _ => "rows",
                    };
                    let url = format!("{}/{path}", self.baseline);
                    let http = self.http.clone();
                    let body = invitation_body(false).to_string();
                    self.measure(scenario, move |_, _| {
                        let request = http
                            .post(&url)
                            .header(header::CONTENT_TYPE, "application/json")
                            .body(body.clone());
                        async move { expect(request.send().await, 201).await }
                    })
                    .await
                }
                Scenario::Create => {
                    let url = format!("{}/v1/invitations", self.base);
                    let (http, auth) = (self.http.clone(), self.auth.clone());
                    let body = invitation_body(false).to_string();
                    self.measure(scenario, move |_, _| {
                        let request = http
                            .post(&url)
                            .header(header::AUTHORIZATION, auth.clone())
                            .header(header::CONTENT_TYPE, "application/json")
                            .body(body.clone());
                        async move { expect(request.send().await, 201).await }
                    })
                    .await
                }
                Scenario::Get => {
                    let ids = Arc::new(self.db.sample_invitation_ids(SAMPLED_IDS).await?);
                    let (http, auth, base) =
                        (self.http.clone(), self.auth.clone(), self.base.clone());
                    let clients = self.clients as u64;
                    self.measure(scenario, move |client, i| {
                        let id = ids[((i * clients + client as u64) % ids.len() as u64) as usize];
                        let request = http
                            .get(format!("{base}/v1/invitations/{id}"))
                            .header(header::AUTHORIZATION, auth.clone());
                        async move { expect(request.send().await, 200).await }
                    })
                    .await
                }
                Scenario::List => {
                    let url = format!("{}/v1/invitations?limit=20", self.base);
                    let (http, auth) = (self.http.clone(), self.auth.clone());
                    self.measure(scenario, move |_, _| {
                        let request = http.get(&url).header(header::AUTHORIZATION, auth.clone());
                        async move { expect(request.send().await, 200).await }
                    })
                    .await
                }
                Scenario::Page => {
                    let http = self.http.clone();
                    let pages = pages.clone();
                    self.measure(scenario, move |client, i| {
                        let url = &pages[(client + i as usize) % pages.len()];
                        let request = http.get(url);
                        async move { expect(request.send().await, 200).await }
                    })
                    .await
                }
                Scenario::Submit => self.submit().await,
            };
            results.push(measured);
        }
        Ok(Round {
            target_rows,
            rows,
            results,
        })
    }

    /// The guest submission. Guests are made ready first (an invitation over the API, then its
    /// link opened) for twice the scenario's time; then the submissions
    /// alone are measured, until the time is up or the ready guests run out.
    async fn submit(&self) -> Measured {
        let ready = Arc::new(Mutex::new(Vec::<ReadyGuest>::new()));
        let prepare = {
            let (http, base, auth) = (self.http.clone(), self.base.clone(), self.auth.clone());
            let ready = ready.clone();
            move |_, _| {
                let (http, base, auth, ready) =
                    (http.clone(), base.clone(), auth.clone(), ready.clone());
                async move {
                    match open_as_guest(&http, &base, &auth).await {
                        Ok(guest) => {
                            ready.lock().expect("not poisoned").push(guest);
                            Outcome::Done
                        }
                        Err(e) => Outcome::Failed(format!("preparing a guest: {e:#}")),
                    }
                }
            }
        };
        let prepared = drive(self.clients, self.duration * 2, prepare).await;

        let url = format!("{}/g/s/submit", self.base);
        let http = self.http.clone();
        let queue = ready.clone();
        let mut measured = self
            .measure(Scenario::Submit, move |_, _| {
                let guest = queue.lock().expect("not poisoned").pop();
                let request = guest.map(|guest| {
                    let body = url::form_urlencoded::Serializer::new(String::new())
                        .append_pair("csrf", &guest.csrf)
                        .append_pair("api_key", "bench-key")
                        .finish();
                    http.post(&url)
                        .header(header::COOKIE, format!("{GUEST_COOKIE}={}", guest.cookie))
                        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
                        .body(body)
                });
                async move {
                    match request {
                        Some(request) => expect(request.send().await, 200).await,
                        None => Outcome::Exhausted,
                    }
                }
            })
            .await;
        measured.errors += prepared.errors;
        if measured.first_error.is_none() {
            measured.first_error = prepared.first_error;
        }
        measured.prepared = Some(prepared.count);
        measured
    }

    /// Runs one scenario with its own peak-RSS window.
    async fn measure<F, Fut>(&self, scenario: Scenario, op: F) -> Measured
    where
        F: Fn(usize, u64) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Outcome> + Send + 'static,
    {
        let pid = self.server_pid;
        if let Some(before) = read_peak_rss(pid) {
            let mut peak = self.overall_peak_rss.lock().expect("not poisoned");
            *peak = (*peak).max(before);
        }
        let reset = reset_peak_rss(pid);
        let rss_start = read_status_kb(pid, "VmRSS:");
        let mut measured = drive(self.clients, self.duration, op).await;
        measured.scenario = scenario;
        measured.rss_start = rss_start;
        measured.peak_rss = if reset { read_peak_rss(pid) } else { None };
        measured
    }
}
