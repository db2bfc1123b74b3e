//! The funnel (issue 13, point 7): of the invitations created in a period, how many were
//! opened, had their email verified, had a failed check, and were completed, and the median
//! time from opening to completion. It answers "where do my customers give up?".
//!
//! A stage counts invitations, not events: an invitation counts once in a stage however many
//! of its events there are. The cohort is the invitations created in the period, so
//! `completed <= opened <= created` (an invitation is opened before it is completed) and
//! `email_verified <= opened`; `check_failed` is a side count of the same cohort.

use chrono::{DateTime, Duration, Utc};

/// How far back the funnel looks when no period is given.
pub const DEFAULT_PERIOD_DAYS: i64 = 30;

/// At most this many completed invitations' durations are read for the median.
pub const MEDIAN_SAMPLE: i64 = 10_000;

/// The invitations created in a period, stage by stage.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Funnel {
    pub created: i64,
    pub opened: i64,
    pub email_verified: i64,
    pub check_failed: i64,
    pub completed: i64,
    /// Over the completed invitations: first completion minus first opening. `None` when
    /// none completed.
    pub median_open_to_complete: Option<Duration>,
}

/// The stages in the order the chart draws them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stage {
    Created,
    Opened,
    EmailVerified,
    CheckFailed,
    Completed,
}

impl Stage {
    pub const ALL: [Stage; 5] = [
        Stage::Created,
        Stage::Opened,
        Stage::EmailVerified,
        Stage::CheckFailed,
        Stage::Completed,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Stage::Created => "created",
            Stage::Opened => "opened",
            Stage::EmailVerified => "email_verified",
            Stage::CheckFailed => "check_failed",
            Stage::Completed => "completed",
        }
    }
}

impl Funnel {
    pub fn count(&self, stage: Stage) -> i64 {
        match stage {
            Stage::Created => self.created,
            Stage::Opened => self.opened,
            Stage::EmailVerified => self.email_verified,
            Stage::CheckFailed => self.check_failed,
            Stage::Completed => self.completed,
        }
    }

    /// The stage's share of `created`, in whole percent (0 when nothing was created).
    pub fn percent_of_created(&self, stage: Stage) -> i64 {
        if self.created == 0 {
            0
        } else {
            (self.count(stage) * 100 + self.created / 2) / self.created
        }
    }
}

/// A period `[from, to)`: `from` before `to`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Period {
    pub from: DateTime<Utc>,
    pub to: DateTime<Utc>,
}

impl Period {
    /// `None` unless `from` is before `to`.
    pub fn new(from: DateTime<Utc>, to: DateTime<Utc>) -> Option<Period> {
        (from < to).then_some(Period { from, to })
    }

    /// The period a request names: up to `to` (default `now`) from `from` (default
    /// [`DEFAULT_PERIOD_DAYS`] before `to`); `None` unless `from` is before `to`.
    pub fn resolve(
        from: Option<DateTime<Utc>>,
        to: Option<DateTime<Utc>>,
        now: DateTime<Utc>,
    ) -> Option<Period> {
        let to = to.unwrap_or(now);
        let from = match from {
            Some(from) => from,
            None => to.checked_sub_signed(Duration::days(DEFAULT_PERIOD_DAYS))?,
        };
        Period::new(from, to)
    }

    /// The `days` up to `now`.
    pub fn last_days(now: DateTime<Utc>, days: i64) -> Period {
        Period {
            from: now - Duration::days(days),
            to: now,
        }
    }
}

/// The median of the durations (the mean of the middle two for an even count); `None` for
/// none. Sorts `durations`.
pub fn median(durations: &mut [Duration]) -> Option<Duration> {
    if durations.is_empty() {
        return None;
    }
    durations.sort();
    let mid = durations.len() / 2;
    Some(if durations.len() % 2 == 1 {
        durations[mid]
    } else {
        (durations[mid - 1] + durations[mid]) / 2
    })
}

/// A duration as the console shows it: "45 s", "3 min", "2 h 5 min", "3 d 4 h" (whole units,
/// rounded down; the unit names are the same in every console language).
pub fn human_duration(d: Duration) -> String {
    let secs = d.num_seconds().max(0);
    let (days, hours, mins) = (secs / 86_400, secs % 86_400 / 3_600, secs % 3_600 / 60);
    match (days, hours, mins) {
        (0, 0, 0) => format!("{secs} s"),
        (0, 0, m) => format!("{m} min"),
        (0, h, 0) => format!("{h} h"),
        (0, h, m) => format!("{h} h {m} min"),
        (d, 0, _) => format!("{d} d"),
        (d, h, _) => format!("{d} d {h} h"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_median_is_the_middle_or_the_mean_of_the_middle_two() {
        assert_eq!(median(&mut []), None);
        let s = Duration::seconds;
        assert_eq!(median(&mut [s(30), s(10), s(20)]), Some(s(20)));
        assert_eq!(median(&mut [s(40), s(10), s(20), s(30)]), Some(s(25)));
    }

    #[test]
    fn durations_read_in_whole_units() {
        assert_eq!(human_duration(Duration::seconds(45)), "45 s");
        assert_eq!(human_duration(Duration::seconds(3 * 60 + 59)), "3 min");
        assert_eq!(human_duration(Duration::minutes(125)), "2 h 5 min");
        assert_eq!(human_duration(Duration::hours(2)), "2 h");
        assert_eq!(human_duration(Duration::hours(76)), "3 d 4 h");
        assert_eq!(human_duration(Duration::days(2)), "2 d");
    }

    #[test]
    fn percentages_are_of_created_and_zero_without_any() {
        let f = Funnel {
            created: 3,
            opened: 2,
            completed: 1,
            ..Funnel::default()
        };
        assert_eq!(f.percent_of_created(Stage::Created), 100);
        assert_eq!(f.percent_of_created(Stage::Opened), 67);
        assert_eq!(f.percent_of_created(Stage::Completed), 33);
        assert_eq!(Funnel::default().percent_of_created(Stage::Opened), 0);
    }

    #[test]
    fn a_period_runs_forwards() {
        let now = Utc::now();
        assert!(Period::new(now, now).is_none());
        assert!(Period::new(now, now - Duration::seconds(1)).is_none());
        let last = Period::last_days(now, 7);
        assert_eq!(last.to - last.from, Duration::days(7));
        let default = Period::resolve(None, None, now).unwrap();
        assert_eq!((default.from, default.to), (now - Duration::days(30), now));
        let earlier = now - Duration::days(100);
        let to_only = Period::resolve(None, Some(earlier), now).unwrap();
        assert_eq!(to_only.from, earlier - Duration::days(30));
        assert!(Period::resolve(Some(now), Some(earlier), now).is_none());
    }
}
