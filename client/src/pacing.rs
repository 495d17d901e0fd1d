//! Client-side pacing under DigiCert's rolling rate limits, so that a busy client slows down
//! instead of drawing 429s.

use certcentral_table::{RollingLog, Window};
use std::sync::{Mutex, MutexGuard};
use std::time::Duration;
use tokio::sync::Notify;
use tokio::time::Instant;

/// Rolling request limits per API key: at most `max_requests` within each `window`.
///
/// ```
/// use std::time::Duration;
/// let limits = certcentral::RateLimits::digicert();
/// assert_eq!(limits.windows(), [certcentral::Window::new(100, Duration::from_secs(5)), certcentral::Window::new(1000, Duration::from_secs(180))]);
/// assert!(certcentral::RateLimits::none().windows().is_empty());
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RateLimits {
    windows: Vec<Window>,
}

impl RateLimits {
    /// DigiCert's limits, from the spec (`x-certcentral-rate-limits`): 100 requests per
    /// 5 seconds and 1000 per 3 minutes.
    pub fn digicert() -> Self {
        Self {
            windows: certcentral_table::TABLE.rate_limits.to_vec(),
        }
    }

    /// No pacing at all.
    pub fn none() -> Self {
        Self {
            windows: Vec::new(),
        }
    }

    /// Adds a window of at most `max_requests` per `window` (a `max_requests` of 0 counts as 1).
    pub fn window(mut self, max_requests: u32, window: Duration) -> Self {
        self.windows.push(Window::new(max_requests, window));
        self
    }

    /// The windows.
    pub fn windows(&self) -> &[Window] {
        &self.windows
    }
}

impl Default for RateLimits {
    fn default() -> Self {
        Self::digicert()
    }
}

/// Hands out send times that keep every window under its limit, whatever the latency.
///
/// The server counts a request when it arrives, which the client cannot see: it lies between
/// the request's departure and its answer. So a request counts in every window from the
/// moment it is sent until its answer is back, and then for one window (plus a little slack
/// for the two clocks' rates) after that. A new request leaves only when fewer than the limit
/// are counted, so every request the server could still see in its window is counted here:
/// jitter between the client and the server can slow the pace, never break the limit.
#[derive(Debug)]
pub(crate) struct Pacer {
    limits: RateLimits,
    /// The fleet's log, when the client shares its pacing through Redis.
    #[cfg(feature = "redis")]
    shared: Option<std::sync::Arc<crate::shared::Shared>>,
    /// How long an unanswered request may count in the shared log (the attempt timeout).
    #[cfg(feature = "redis")]
    hold: Duration,
    state: Mutex<State>,
    /// Woken when a request's answer comes back (an in-flight request has no expiry time).
    answered: Notify,
}

#[derive(Debug, Default)]
struct State {
    /// Requests sent and not yet answered.
    in_flight: usize,
    /// When recent requests were answered.
    answered: RollingLog<Instant>,
    /// No request leaves before this (set by a 429's `Retry-After`).
    paused_until: Option<Instant>,
}

/// A request being sent: it counts as in flight until dropped, then as answered.
#[derive(Debug)]
pub(crate) struct Slot<'a> {
    pacer: &'a Pacer,
    /// Counted in this process's windows (which there may be none of).
    counted: bool,
    /// The request's id in the shared log, if it has one.
    #[cfg(feature = "redis")]
    shared: Option<String>,
}

/// The error of a wait for the rate limits that reached the call's deadline.
fn late() -> crate::error::Error {
    crate::error::Error::NotSent {
        reason: "the deadline passed while waiting for the rate limits".into(),
        source: None,
    }
}

impl Slot<'_> {
    /// Takes the request's place in the fleet's shared log (Redis), when the pacing is shared,
    /// waiting at most until `deadline`. Fails when the shared log cannot be reached and the
    /// client fails closed, or when the deadline passes while waiting.
    #[cfg_attr(not(feature = "redis"), allow(unused_mut, unused_variables))]
    pub(crate) async fn shared(mut self, deadline: Instant) -> Result<Self, crate::error::Error> {
        #[cfg(feature = "redis")]
        if let Some(shared) = &self.pacer.shared
            && !self.pacer.limits.windows.is_empty()
        {
            self.shared = tokio::time::timeout_at(deadline, self.pacer.acquire_shared(shared))
                .await
                .map_err(|_| late())??;
        }
        Ok(self)
    }

    /// The request was answered (or failed): it counts from now, here and in the shared log.
    #[cfg_attr(not(feature = "redis"), allow(unused_mut))]
    pub(crate) async fn finish(mut self) {
        #[cfg(feature = "redis")]
        if let Some(id) = self.shared.take()
            && let Some(shared) = &self.pacer.shared
        {
            shared.finish(&id).await;
        }
        drop(self);
    }
}

impl Drop for Slot<'_> {
    fn drop(&mut self) {
        if self.counted {
            let pacer = self.pacer;
            let mut state = pacer.state();
            state.in_flight = state.in_flight.saturating_sub(1);
            state.answered.push(Instant::now());
            drop(state);
            pacer.answered.notify_waiters();
        }
    }
}

/// What a request must wait for before it may leave.
enum Wait {
    Go,
    For(Duration),
    /// Until an in-flight request is answered.
    Answer,
}

impl Pacer {
    pub(crate) fn new(limits: RateLimits) -> Self {
        Self {
            limits,
            #[cfg(feature = "redis")]
            shared: None,
            #[cfg(feature = "redis")]
            hold: Duration::ZERO,
            state: Mutex::new(State::default()),
            answered: Notify::new(),
        }
    }

    fn state(&self) -> MutexGuard<'_, State> {
        // Every update is a counter or a push: a poisoned lock still holds a usable state.
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// 1 % of the shortest window (at least 5 ms) absorbs a difference in the rates of the
    /// client's and the server's clocks.
    fn slack(&self) -> Duration {
        let shortest = self.limits.windows.iter().map(|w| w.window).min();
        (shortest.unwrap_or_default() / 100).max(Duration::from_millis(5))
    }

    /// Stops every request of this pacer from leaving for `delay` (a server's `Retry-After`).
    pub(crate) fn pause(&self, delay: Duration) {
        let until = Instant::now() + delay;
        let mut state = self.state();
        state.paused_until = Some(state.paused_until.map_or(until, |u| u.max(until)));
    }

    fn wait(&self, state: &mut State, now: Instant) -> Wait {
        if let Some(until) = state.paused_until.filter(|u| *u > now) {
            return Wait::For(until - now);
        }
        let in_flight = state.in_flight;
        match state
            .answered
            .wait(&self.limits.windows, now, in_flight, self.slack())
        {
            None => Wait::Go,
            // In-flight requests leave no window by time alone: their answers free them.
            Some(Duration::MAX) => Wait::Answer,
            Some(d) => Wait::For(d),
        }
    }

    /// Paces through the fleet's shared log too, counting an unanswered request for `hold`.
    #[cfg(feature = "redis")]
    pub(crate) fn with_shared(
        mut self,
        shared: std::sync::Arc<crate::shared::Shared>,
        hold: Duration,
    ) -> Self {
        self.shared = Some(shared);
        self.hold = hold;
        self
    }

    /// Waits until a request may be sent by this process (its windows, and any pause a 429
    /// asked for), at most until `deadline`; counts it from now until the slot is finished
    /// (when its answer, or its failure, is back). When the pacing is shared, the slot must
    /// then be taken in the fleet's log too ([`Slot::shared`]).
    pub(crate) async fn acquire(
        &self,
        deadline: Option<Instant>,
    ) -> Result<Slot<'_>, crate::error::Error> {
        match deadline {
            None => Ok(self.acquire_local().await),
            Some(at) => tokio::time::timeout_at(at, self.acquire_local())
                .await
                .map_err(|_| late()),
        }
    }

    /// A slot in the fleet's log (`None`: Redis failed and this process paces alone). The log
    /// gives each waiting request its own turn; the request sleeps until then (with a little
    /// jitter) and asks once more, so Redis hears from it a few times, however many wait.
    #[cfg(feature = "redis")]
    async fn acquire_shared(
        &self,
        shared: &crate::shared::Shared,
    ) -> Result<Option<String>, crate::error::Error> {
        use crate::shared::{Answer, Held};
        let id = shared.request_id();
        let mut waited = false;
        loop {
            let (wait, held) = match shared
                .try_acquire(&id, &self.limits.windows, self.slack(), self.hold)
                .await?
            {
                Answer::Taken => return Ok(Some(id)),
                Answer::Local => return Ok(None),
                Answer::Wait(wait, held) => (wait, held),
            };
            let window = match held {
                Held::Window(i) | Held::InFlight(i) | Held::Queue(i) => self.limits.windows.get(i),
                Held::Barrier => None,
            };
            let reason = match (held, window) {
                (Held::Barrier, _) => "held after a Redis restart".to_string(),
                (Held::Window(_), Some(w)) => {
                    format!("{} per {:?} is full", w.max_requests, w.window)
                }
                (Held::InFlight(_), Some(w)) => format!(
                    "{} per {:?} is full (some still in flight)",
                    w.max_requests, w.window
                ),
                (Held::Queue(_), Some(w)) => format!(
                    "{} per {:?} is full, and more wait than it holds",
                    w.max_requests, w.window
                ),
                (_, None) => "a window is full".to_string(),
            };
            let wait_ms = u64::try_from(wait.as_millis()).unwrap_or(u64::MAX);
            // The first wait of a request at INFO: an operator sees the fleet held.
            if waited {
                tracing::debug!(target: "certcentral::pacing", wait_ms, %reason, "waiting for the fleet's rate limits");
            } else {
                tracing::info!(target: "certcentral::pacing", wait_ms, %reason, "waiting for the fleet's rate limits");
                waited = true;
            }
            // Up to 1 % later (at most 10 ms): requests whose turns are close apart do not come
            // back at the same instant. Little, since each turn is its own already.
            let jitter = (wait / 100)
                .min(Duration::from_millis(10))
                .mul_f64(crate::random::unit());
            tokio::time::sleep(wait + jitter).await;
        }
    }

    fn slot(&self, counted: bool) -> Slot<'_> {
        Slot {
            pacer: self,
            counted,
            #[cfg(feature = "redis")]
            shared: None,
        }
    }

    /// This process's own pacing: its windows and any pause a 429 asked for.
    async fn acquire_local(&self) -> Slot<'_> {
        if self.limits.windows.is_empty() {
            return self.slot(false);
        }
        loop {
            let answered = self.answered.notified();
            let wait = {
                let mut state = self.state();
                match self.wait(&mut state, Instant::now()) {
                    Wait::Go => {
                        state.in_flight += 1;
                        return self.slot(true);
                    }
                    other => other,
                }
            };
            match wait {
                Wait::For(d) if !d.is_zero() => tokio::time::sleep(d).await,
                Wait::For(_) | Wait::Go => {}
                Wait::Answer => answered.await,
            }
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
            drop(pacer.acquire(None).await);
            times.push(start.elapsed());
        }
        for (i, t) in times.iter().enumerate().skip(3) {
            assert!(*t - times[i - 3] >= Duration::from_millis(100), "{times:?}");
        }
        // And no slower than the window plus its slack: 10 requests = 3 full windows.
        assert!(times[9] <= Duration::from_millis(3 * 105), "{times:?}");
    }

    /// A slow answer keeps its request in the window: the server may have seen it as late as
    /// the answer came back.
    #[tokio::test(start_paused = true)]
    async fn a_request_counts_until_its_answer_and_a_window_after() {
        let pacer = Pacer::new(RateLimits::none().window(2, Duration::from_millis(100)));
        let start = tokio::time::Instant::now();
        let first = pacer.acquire(None).await;
        let second = pacer.acquire(None).await;
        // Both in flight: a third waits for an answer, however long that takes.
        let blocked = tokio::time::timeout(Duration::from_millis(400), pacer.acquire(None)).await;
        assert!(blocked.is_err(), "a third request left with two in flight");
        drop(first); // answered at 400 ms: it counts until 400 + 105 ms
        let third = pacer.acquire(None).await;
        assert!(
            start.elapsed() >= Duration::from_millis(505),
            "{:?}",
            start.elapsed()
        );
        assert!(
            start.elapsed() <= Duration::from_millis(510),
            "{:?}",
            start.elapsed()
        );
        drop((second, third));
    }

    #[tokio::test(start_paused = true)]
    async fn a_pause_holds_every_request() {
        let pacer = Pacer::new(RateLimits::digicert());
        let start = tokio::time::Instant::now();
        pacer.pause(Duration::from_secs(2));
        drop(pacer.acquire(None).await);
        assert!(start.elapsed() >= Duration::from_secs(2));
    }
}
