//! The funnel on the console's start page (issue 13, point 7): for a period and a connector,
//! how many invitations were created, opened, email-verified, had a failed check and were
//! completed, as a server-rendered SVG bar chart (with a table for screen readers), and the
//! median time from opening to completion. The numbers are `Portico::funnel`'s, as
//! `GET /v1/funnel` serves them.

use askama::Template;
use axum::Router;
use axum::extract::Query;
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::get;
use chrono::{DateTime, Duration, NaiveDate, Utc};
use serde::Deserialize;

use super::session::Signed;
use super::views::{ChoiceView, ConsolePage};
use super::{html, service_failed};
use crate::domain::funnel::{Funnel, Period, Stage, human_duration};
use crate::http::AppState;
use crate::i18n::{Arg, t_args};

/// This module's routes, merged into the console's router.
pub fn routes() -> Router<AppState> {
    Router::new().route("/console", get(home))
}

/// The periods the form offers, in days; `custom` takes the dates.
const PERIODS: [(&str, &str); 4] = [
    ("7", "console-funnel-last-7"),
    ("30", "console-funnel-last-30"),
    ("90", "console-funnel-last-90"),
    ("custom", "console-funnel-custom"),
];

/// The chart's drawing, in SVG user units (the chart scales to its box).
const CHART_WIDTH: i64 = 600;
const ROW_HEIGHT: i64 = 54;
const BAR_HEIGHT: i64 = 20;

#[derive(Debug, Deserialize, Default)]
pub struct HomeQuery {
    period: Option<String>,
    /// `YYYY-MM-DD`, for a custom period: from the start of that day (UTC).
    from: Option<String>,
    /// `YYYY-MM-DD`, for a custom period: to the end of that day (UTC).
    to: Option<String>,
    connector: Option<String>,
}

/// One stage as the chart draws it.
pub struct BarView {
    pub stage: &'static str,
    pub label: String,
    pub count: i64,
    pub percent: i64,
    /// `count` and `percent` as the bar's end reads them.
    pub figure: String,
    pub y_label: i64,
    pub y_bar: i64,
    pub width: i64,
}

#[derive(Template)]
#[template(path = "console/home.html")]
pub struct HomePage {
    pub page: ConsolePage,
    pub periods: Vec<ChoiceView>,
    pub from: String,
    pub to: String,
    pub connectors: Vec<ChoiceView>,
    /// What is wrong with the custom dates; the form is shown again, the chart not.
    pub error: Option<String>,
    /// "From … to …", the chart's title.
    pub caption: String,
    pub bars: Vec<BarView>,
    pub created: i64,
    pub median: Option<String>,
    pub chart_width: i64,
    pub chart_height: i64,
    pub bar_height: i64,
}

/// The form's period as a `Period`: the last 7, 30 (the default) or 90 days up to `now`, or
/// whole UTC days from `from` to `to` (both included).
fn chosen_period(query: &HomeQuery, now: DateTime<Utc>) -> Result<Period, ()> {
    match query.period.as_deref().unwrap_or("30") {
        "custom" => {
            let day = |raw: Option<&str>| {
                raw.and_then(|s| NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d").ok())
                    .and_then(|d| d.and_hms_opt(0, 0, 0))
                    .map(|t| t.and_utc())
            };
            let from = day(query.from.as_deref()).ok_or(())?;
            let to = day(query.to.as_deref())
                .and_then(|t| t.checked_add_signed(Duration::days(1)))
                .ok_or(())?;
            Period::new(from, to).ok_or(())
        }
        "7" => Ok(Period::last_days(now, 7)),
        "90" => Ok(Period::last_days(now, 90)),
        _ => Ok(Period::last_days(now, 30)),
    }
}

fn date(t: DateTime<Utc>) -> String {
    t.format("%Y-%m-%d").to_string()
}

fn bars(page: &ConsolePage, funnel: &Funnel) -> Vec<BarView> {
    let max = funnel.created.max(1);
    Stage::ALL
        .into_iter()
        .enumerate()
        .map(|(i, stage)| {
            let count = funnel.count(stage);
            let percent = funnel.percent_of_created(stage);
            let top = i as i64 * ROW_HEIGHT;
            BarView {
                stage: stage.as_str(),
                label: page.t(&format!(
                    "console-funnel-{}",
                    stage.as_str().replace('_', "-")
                )),
                count,
                percent,
                figure: t_args(
                    page.lang,
                    "console-funnel-figure",
                    &[("count", Arg::from(count)), ("percent", Arg::from(percent))],
                ),
                y_label: top + 20,
                y_bar: top + 28,
                // A sliver for a stage some invitation reached, so it does not read as none.
                width: if count == 0 {
                    0
                } else {
                    (count * CHART_WIDTH / max).max(4)
                },
            }
        })
        .collect()
}

/// `GET /console`: the start page, with the funnel of the chosen period and connector.
async fn home(signed: Signed, Query(query): Query<HomeQuery>) -> Response {
    let page = signed.page("console-home-title").at("/console");
    let portico = &signed.state.portico;
    let now = portico.now();
    let custom = query.period.as_deref() == Some("custom");
    let selected = query.period.as_deref().unwrap_or("30");
    let periods = PERIODS
        .iter()
        .map(|(value, key)| ChoiceView {
            value: value.to_string(),
            label: page.t(key),
            selected: *value == selected,
        })
        .collect();
    let connector = query
        .connector
        .clone()
        .filter(|c| !c.is_empty() && portico.catalog.get(c).is_some());
    let mut specs: Vec<_> = portico.catalog.all().collect();
    specs.sort_by_key(|s| s.name.to_lowercase());
    let connectors = specs
        .into_iter()
        .map(|s| ChoiceView {
            value: s.id.clone(),
            label: s.name.clone(),
            selected: connector.as_deref() == Some(s.id.as_str()),
        })
        .collect();
    let period = chosen_period(&query, now);
    let (from, to) = match &period {
        // A custom period ends at the end of its last day.
        Ok(p) if custom => (date(p.from), date(p.to - Duration::days(1))),
        Ok(p) => (date(p.from), date(p.to)),
        Err(()) => (
            query.from.clone().unwrap_or_default(),
            query.to.clone().unwrap_or_default(),
        ),
    };
    let mut view = HomePage {
        periods,
        from,
        to,
        connectors,
        error: None,
        caption: String::new(),
        bars: Vec::new(),
        created: 0,
        median: None,
        chart_width: CHART_WIDTH,
        chart_height: Stage::ALL.len() as i64 * ROW_HEIGHT,
        bar_height: BAR_HEIGHT,
        page,
    };
    let Ok(period) = period else {
        view.error = Some(view.page.t("console-funnel-bad-dates"));
        return html(StatusCode::UNPROCESSABLE_ENTITY, view);
    };
    let funnel = match portico
        .funnel(signed.user.account_id, period, connector.as_deref())
        .await
    {
        Ok(funnel) => funnel,
        Err(e) => return service_failed(view.page, e),
    };
    view.caption = t_args(
        view.page.lang,
        "console-funnel-chart",
        &[
            ("from", Arg::from(view.from.as_str())),
            ("to", Arg::from(view.to.as_str())),
        ],
    );
    view.bars = bars(&view.page, &funnel);
    view.created = funnel.created;
    view.median = funnel.median_open_to_complete.map(human_duration);
    html(StatusCode::OK, view)
}
