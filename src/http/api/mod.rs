//! The native `/v1` API, one module per resource, and what lists share.

pub mod account;
pub mod connections;
pub mod connectors;
pub mod events;
pub mod funnel;
pub mod health;
pub mod invitations;
pub mod oauth_apps;
pub mod results;
pub mod webhooks;

use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use super::error::ApiError;
use crate::domain::FieldError;
use crate::service::{DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE};
use crate::store::Page;

/// A page of a list; pass `next_cursor` as `cursor` for the next one (`null` at the end).
#[derive(Debug, Serialize, ToSchema)]
pub struct List<T> {
    pub data: Vec<T>,
    pub next_cursor: Option<String>,
}

impl<T> List<T> {
    /// A full page may have more after it; its last id is the cursor.
    pub fn new(data: Vec<T>, page: Page, id: impl Fn(&T) -> Uuid) -> List<T> {
        let next_cursor = match data.last() {
            Some(last) if data.len() as i64 == page.limit => Some(id(last).to_string()),
            _ => None,
        };
        List { data, next_cursor }
    }
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PageQuery {
    /// 1 to 100, default 20.
    pub limit: Option<i64>,
    /// The `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

impl PageQuery {
    pub fn page(&self) -> Result<Page, ApiError> {
        Ok(Page {
            limit: limit(self.limit)?,
            before: cursor("cursor", self.cursor.as_deref())?,
        })
    }
}

pub fn limit(limit: Option<i64>) -> Result<i64, ApiError> {
    match limit {
        None => Ok(DEFAULT_PAGE_SIZE),
        Some(n) if (1..=MAX_PAGE_SIZE).contains(&n) => Ok(n),
        Some(_) => Err(ApiError::Validation(vec![FieldError::new(
            "limit",
            format!("must be between 1 and {MAX_PAGE_SIZE}"),
        )])),
    }
}

pub fn cursor(field: &str, raw: Option<&str>) -> Result<Option<Uuid>, ApiError> {
    raw.filter(|s| !s.is_empty())
        .map(|s| {
            Uuid::parse_str(s).map_err(|_| {
                ApiError::Validation(vec![FieldError::new(field, "is not a valid cursor")])
            })
        })
        .transpose()
}
