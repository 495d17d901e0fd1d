//! Client-side pacing under DigiCert's rolling rate limits, so that a busy client slows down
//! instead of drawing 429s.

use std::collections::VecDeque;
use std::time::Duration;
use tokio::time::Instant;

/// Rolling request limits per API key: at most `max_requests` within each `window`.
///
/// ```
/// use std::time::Duration;
/// let limits = certcentral::RateLimits::digicert();
/// assert_eq!(limits.windows(), [(100, Duration::from_secs(5)), (1000, Duration::from_secs(180))]);
/// assert!(certcentral::RateLimits::none().windows().is_empty());
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RateLimits {
    windows: Vec<(u32, Duration)>,
}

impl RateLimits {
    /// DigiCert's limits: 100 requests per 5 seconds and 1000 per 3 minutes.
    pub fn digicert() -> Self {
        Self::none()
            .window(100, Duration::from_secs(5))
            .window(1000, Duration::from_secs(180))
    }

    /// No pacing at all.
    pub fn none() -> Self {
        Self {
            windows: Vec::new(),
        }
    }

    /// Adds a window of at most `max_requests` per `window` (a `max_requests` of 0 counts as 1).
    pub fn window(mut self, max_requests: u32, window: Duration) -> Self {
        self.windows.push((max_requests.max(1), window));
        self
    }

    /// The windows, as `(max_requests, window)`.
    pub fn windows(&self) -> &[(u32, Duration)] {
        &self.windows
    }
}

impl Default for RateLimits {
    fn default() -> Self {
        Self::digicert()
    }
}

/// Hands out send times that keep every window under its limit.
#[derive(Debug)]
pub(crate) struct Pacer {
    limits: RateLimits,
    sent: tokio::sync::Mutex<VecDeque<Instant>>,
}

impl Pacer {
    pub(crate) fn new(limits: RateLimits) -> Self {
        Self {
            limits,
            sent: tokio::sync::Mutex::new(VecDeque::new()),
        }
    }

    /// The server counts arrivals, the client counts departures: 2 % of each window (at
    /// least 5 ms) absorbs the difference in latency between two requests.
    fn slack(window: Duration) -> Duration {
        (window / 50).max(Duration::from_millis(5))
    }

    /// Waits until a request may be sent, and counts it as sent.
    pub(crate) async fn acquire(&self) {
        if self.limits.windows.is_empty() {
            return;
        }
        loop {
            let wait = {
                let mut sent = self.sent.lock().await;
                let now = Instant::now();
                let longest = self
                    .limits
                    .windows
                    .iter()
                    .map(|(_, w)| *w + Self::slack(*w))
                    .max()
                    .unwrap_or_default();
                while sent
                    .front()
                    .is_some_and(|t| now.duration_since(*t) >= longest)
                {
                    sent.pop_front();
                }
                let wait = self
                    .limits
                    .windows
                    .iter()
                    .filter_map(|(max, window)| {
                        let span = *window + Self::slack(*window);
                        let recent: Vec<&Instant> = sent
                            .iter()
                            .filter(|t| now.duration_since(**t) < span)
                            .collect();
                        let over = recent.len().checked_sub(*max as usize)?;
                        // The oldest request that must leave the window before one more fits.
                        recent
                            .get(over)
                            .map(|t| span.saturating_sub(now.duration_since(**t)))
                    })
                    .max();
                match wait {
                    Some(w) if !w.is_zero() => w,
                    _ => {
                        sent.push_back(now);
                        return;
                    }
                }
            };
            tokio::time::sleep(wait).await;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn never_more_than_the_window_allows() {
        let pacer = Pacer::new(RateLimits::none().window(3, Duration::from_millis(100)));
        let start = tokio::time::Instant::now();
        let mut times = Vec::new();
        for _ in 0..10 {
            pacer.acquire().await;
            times.push(start.elapsed());
        }
        for (i, t) in times.iter().enumerate().skip(3) {
            assert!(*t - times[i - 3] >= Duration::from_millis(100), "{times:?}");
        }
        // And no slower than the window plus its slack: 10 requests = 3 full windows.
        assert!(times[9] <= Duration::from_millis(3 * 105), "{times:?}");
    }
}
