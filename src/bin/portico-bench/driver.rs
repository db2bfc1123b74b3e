//! The load driver: a fixed number of clients calling one operation back to back for a fixed
//! time, and the figures of that run.

use crate::scenarios::Scenario;
use std::future::Future;
use std::sync::Arc;
use std::time::{Duration, Instant};

pub enum Outcome {
    Done,
    Failed(String),
    /// Nothing left to send (the ready guests ran out); this client stops.
    Exhausted,
}

/// One scenario's figures. Latencies are gathered as microseconds in plain vectors (a few MB
/// at most for a 10-second run, and no extra dependency), sorted once, and only the quantiles
/// kept.
pub struct Measured {
    pub scenario: Scenario,
    pub count: u64,
    pub errors: u64,
    pub first_error: Option<String>,
    pub elapsed: Duration,
    /// Latency quantiles in microseconds: p50, p99 and max.
    pub latency_us: [u32; 3],
    /// The process's RSS when the scenario started, and its peak during it.
    pub rss_start: Option<u64>,
    pub peak_rss: Option<u64>,
    /// A client ran out of work before the time was up.
    pub exhausted: bool,
    /// Guests made ready before the submit scenario.
    pub prepared: Option<u64>,
}

impl Measured {
    pub fn rps(&self) -> f64 {
        let secs = self.elapsed.as_secs_f64();
        if secs > 0.0 {
            self.count as f64 / secs
        } else {
            0.0
        }
    }

    /// The latency at quantile `q` (0..=1), in milliseconds; nearest rank.
    pub fn quantile_ms(&self, q: f64) -> f64 {
        let i = match q {
            q if q >= 1.0 => 2,
            q if q >= 0.99 => 1,
            _ => 0,
        };
        f64::from(self.latency_us[i]) / 1000.0
    }
}

fn quantile(sorted: &[u32], q: f64) -> u32 {
    if sorted.is_empty() {
        return 0;
    }
    let rank = (q * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

/// `clients` tasks call `op(client, iteration)` back to back until `duration` has passed; only
/// successful calls are timed into the latencies.
pub async fn drive<F, Fut>(clients: usize, duration: Duration, op: F) -> Measured
where
    F: Fn(usize, u64) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Outcome> + Send + 'static,
{
    let op = Arc::new(op);
    let start = Instant::now();
    let deadline = start + duration;
    let tasks: Vec<_> = (0..clients)
        .map(|client| {
            let op = op.clone();
            tokio::spawn(async move {
                let mut latencies = Vec::with_capacity(8192);
                let (mut errors, mut first_error, mut exhausted) = (0u64, None, false);
                let mut i = 0u64;
                while Instant::now() < deadline {
                    let sent = Instant::now();
                    match op(client, i).await {
                        Outcome::Done => {
                            let us = sent.elapsed().as_micros();
                            latencies.push(u32::try_from(us).unwrap_or(u32::MAX));
                        }
                        Outcome::Failed(e) => {
                            errors += 1;
                            first_error.get_or_insert(e);
                        }
                        Outcome::Exhausted => {
                            exhausted = true;
                            break;
                        }
                    }
                    i += 1;
                }
                (latencies, errors, first_error, exhausted, Instant::now())
            })
        })
        .collect();
    let mut measured = Measured {
        scenario: Scenario::BaselineJson,
        count: 0,
        errors: 0,
        first_error: None,
        elapsed: Duration::ZERO,
        latency_us: [0; 3],
        rss_start: None,
        peak_rss: None,
        exhausted: false,
        prepared: None,
    };
    let mut end = start;
    let mut all = Vec::new();
    for task in tasks {
        match task.await {
            Ok((latencies, errors, first_error, exhausted, finished)) => {
                all.extend(latencies);
                measured.errors += errors;
                if measured.first_error.is_none() {
                    measured.first_error = first_error;
                }
                measured.exhausted |= exhausted;
                end = end.max(finished);
            }
            Err(e) => {
                measured.errors += 1;
                measured
                    .first_error
                    .get_or_insert(format!("a client panicked: {e}"));
            }
        }
    }
    all.sort_unstable();
    measured.count = all.len() as u64;
    measured.latency_us = [0.5, 0.99, 1.0].map(|q| quantile(&all, q));
    measured.elapsed = end - start;
    measured
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantiles_are_nearest_rank() {
        let sorted: Vec<u32> = (1..=100).collect();
        assert_eq!(quantile(&sorted, 0.5), 50);
        assert_eq!(quantile(&sorted, 0.99), 99);
        assert_eq!(quantile(&sorted, 1.0), 100);
        assert_eq!(quantile(&sorted, 0.0), 1);
        assert_eq!(quantile(&[], 0.5), 0);
    }
}
