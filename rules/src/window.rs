//! Rolling rate-limit windows, and the one log of request times both sides count with: the
//! client's pacer (answers, so that latency cannot break a limit) and the mock (arrivals, as
//! DigiCert counts them).

use std::collections::VecDeque;
use std::ops::Sub;
use std::time::Duration;

/// At most `max_requests` within any `window` (per API key, at DigiCert).
///
/// ```
/// # use certcentral_rules as certcentral; // as `certcentral` re-exports it
/// let w = certcentral::Window::new(100, std::time::Duration::from_secs(5));
/// assert_eq!(w.max_requests, 100);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Window {
    /// Requests allowed in the window (at least 1).
    pub max_requests: u32,
    /// The window's length.
    pub window: Duration,
}

impl Window {
    /// A window of at most `max_requests` (0 counts as 1) per `window`.
    pub const fn new(max_requests: u32, window: Duration) -> Window {
        Window {
            max_requests: if max_requests == 0 { 1 } else { max_requests },
            window,
        }
    }
}

/// Times of past requests, oldest first, and how long until one more fits under a set of
/// windows. Generic over the clock (`std::time::Instant`, or tokio's for paused-time tests).
///
/// ```
/// use certcentral_rules::{RollingLog, Window};
/// use std::time::{Duration, Instant};
/// let limits = [Window::new(2, Duration::from_millis(100))];
/// let start = Instant::now();
/// let mut log = RollingLog::default();
/// log.push(start);
/// log.push(start);
/// let later = start + Duration::from_millis(40);
/// assert_eq!(log.wait(&limits, later, 0, Duration::ZERO), Some(Duration::from_millis(60)));
/// assert_eq!(log.wait(&limits, start + Duration::from_millis(100), 0, Duration::ZERO), None);
/// ```
#[derive(Debug, Clone)]
pub struct RollingLog<I> {
    times: VecDeque<I>,
}

impl<I> Default for RollingLog<I> {
    fn default() -> Self {
        Self {
            times: VecDeque::new(),
        }
    }
}

impl<I: Copy + Ord + Sub<I, Output = Duration>> RollingLog<I> {
    /// Records a request at `at` (not earlier than the last one recorded).
    pub fn push(&mut self, at: I) {
        self.times.push_back(at);
    }

    /// How long from `now` until one more request fits under every window, or `None` if it
    /// fits now. `pending` requests count as if they had happened just now (requests in
    /// flight, whose time is not known yet); each window is stretched by `slack`.
    /// Times older than every window are forgotten, so the log holds at most about the
    /// largest limit.
    pub fn wait(
        &mut self,
        limits: &[Window],
        now: I,
        pending: usize,
        slack: Duration,
    ) -> Option<Duration> {
        let longest = limits.iter().map(|l| l.window + slack).max()?;
        while self.times.front().is_some_and(|t| now - *t >= longest) {
            self.times.pop_front();
        }
        let mut wait: Option<Duration> = None;
        for limit in limits {
            let span = limit.window + slack;
            let max = limit.max_requests as usize;
            // Times are in order: those inside the span are the newest ones.
            let inside = self
                .times
                .iter()
                .rev()
                .take_while(|t| now - **t < span)
                .count();
            let Some(over) = (inside + pending).checked_sub(max) else {
                continue;
            };
            // The oldest `over + 1` inside must leave; pending ones never do by time alone.
            let free_in = match self
                .times
                .len()
                .checked_sub(inside)
                .map(|first| first + over)
            {
                Some(i) if over < inside => self
                    .times
                    .get(i)
                    .map_or(span, |t| span.saturating_sub(now - *t)),
                _ => Duration::MAX,
            };
            wait = Some(wait.map_or(free_in, |w| w.max(free_in)));
        }
        wait
    }
}
