//! The order loop's knowledge, in one place: when a request is sent again ([`RetryPolicy`]:
//! backoff and jitter), what a failed attempt says ([`Class`], public, so that callers read
//! the same classification), what to do next ([`decide`], a pure function, so that every row of
//! the README's "Nothing is ordered twice" promise is a row of the table test below), and the
//! state of one call's attempts ([`Attempts`]: where its deadline starts, the 429 pause, the
//! first unknown outcome that later answers cannot undo, and the error it gives up with).
//! `Client::place` only carries the steps out, as smithy-rs's orchestrator carries out what its
//! retry classifiers return.

use crate::error::Error;
use crate::pacing::Pacer;
use std::time::Duration;
use tokio::time::Instant;

/// When and how often a request that certainly created nothing is sent again.
///
/// Three outcomes are retried, since they certainly created nothing: a connection that could
/// not be made, HTTP 429 `request_limit_exceeded`, and a 503 that declined the request. What
/// may have created an order (a timeout, a connection lost after the body was sent, a 5xx) is
/// sent again only with [`ClientBuilder::unique_alternative_order_ids`](crate::ClientBuilder::unique_alternative_order_ids) on; otherwise it is
/// reported as [`Error::OutcomeUnknown`].
///
/// ```
/// use std::time::Duration;
/// let policy = certcentral::RetryPolicy::default()
///     .max_attempts(5)
///     .base_delay(Duration::from_millis(100))
///     .max_delay(Duration::from_secs(2))
///     .jitter(false);
/// assert_eq!(policy.delay(1, None), Duration::from_millis(100));
/// assert_eq!(policy.delay(3, None), Duration::from_millis(400));
/// assert_eq!(policy.delay(9, None), Duration::from_secs(2)); // capped
/// // A server's Retry-After wins over a shorter backoff, within the cap.
/// assert_eq!(policy.delay(1, Some(Duration::from_secs(1))), Duration::from_secs(1));
/// assert_eq!(policy.delay(1, Some(Duration::from_secs(60))), Duration::from_secs(2));
/// assert_eq!(certcentral::RetryPolicy::none().attempts(), 1);
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RetryPolicy {
    /// Attempts in all, the first included (1 = no retry).
    pub(crate) max_attempts: u32,
    /// The delay before the first retry; doubled for each further one.
    pub(crate) base_delay: Duration,
    /// No delay is longer than this (a longer `Retry-After` is cut to it).
    max_delay: Duration,
    /// Spread delays randomly over [delay/2, delay] so that many clients do not retry together.
    jitter: bool,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            max_attempts: 4,
            base_delay: Duration::from_millis(500),
            max_delay: Duration::from_secs(30),
            jitter: true,
        }
    }
}

impl RetryPolicy {
    /// Never retry.
    pub fn none() -> Self {
        Self {
            max_attempts: 1,
            ..Self::default()
        }
    }

    /// Attempts in all, the first included (1 = no retry).
    pub fn attempts(&self) -> u32 {
        self.max_attempts
    }

    /// Sets the number of attempts (at least 1).
    pub fn max_attempts(mut self, n: u32) -> Self {
        self.max_attempts = n.max(1);
        self
    }

    /// Sets the first delay.
    pub fn base_delay(mut self, d: Duration) -> Self {
        self.base_delay = d;
        self
    }

    /// Sets the longest delay.
    pub fn max_delay(mut self, d: Duration) -> Self {
        self.max_delay = d;
        self
    }

    /// Turns jitter on or off.
    pub fn jitter(mut self, on: bool) -> Self {
        self.jitter = on;
        self
    }

    /// The delay before retry number `retry` (1-based), honouring a server's `Retry-After`.
    pub fn delay(&self, retry: u32, retry_after: Option<Duration>) -> Duration {
        let exp = self
            .base_delay
            .saturating_mul(2u32.saturating_pow(retry.saturating_sub(1)));
        let mut delay = exp.min(self.max_delay);
        if self.jitter {
            let half = delay / 2;
            delay = half + half.mul_f64(crate::random::unit());
        }
        match retry_after {
            Some(after) => after.min(self.max_delay).max(delay),
            None => delay,
        }
    }
}

/// What a failed call says about its effect at CertCentral: the one classification the client's
/// retries and a caller's bookkeeping both read ([`Error::class`]).
///
/// ```
/// use certcentral::{Class, Error};
/// let refused = Error::NotSent { reason: "connection refused".into(), source: None };
/// assert_eq!(refused.class(), Class::Transient);
/// let lost = Error::OutcomeUnknown { alternative_order_id: "order42".into(), reason: "timed out".into(), source: None };
/// assert_eq!(lost.class(), Class::Unknown);
/// let rejected = Error::Config("bad".into());
/// assert_eq!(rejected.class(), Class::Refused);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Class {
    /// Certainly not done, and the same request may succeed later: no connection, 429
    /// `request_limit_exceeded`, a 503 that declined the request, the fleet's limiter failing
    /// closed.
    Transient,
    /// Certainly not done, and sending it again would be refused again: an invalid order, a 4xx
    /// rejection, a response that cannot have created anything, a misconfiguration.
    Refused,
    /// Sent, and no usable answer came back: it may have taken effect (an order may exist, and
    /// be billed).
    Unknown,
}

impl Error {
    /// What this error says about the call's effect at CertCentral (see [`Class`]).
    pub fn class(&self) -> Class {
        match self {
            Error::OutcomeUnknown { .. } | Error::NoAnswer { .. } | Error::SeveralOrders { .. } => {
                Class::Unknown
            }
            Error::NotSent { .. } | Error::RateLimited { .. } | Error::Unavailable { .. } => {
                Class::Transient
            }
            Error::InvalidOrder(_)
            | Error::Api { .. }
            | Error::DuplicateOrder { .. }
            | Error::UnexpectedResponse { .. }
            | Error::NotAllowed { .. }
            | Error::InvalidRequest(_)
            | Error::Config(_) => Class::Refused,
        }
    }
}

/// Why the loop stops.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Stop {
    /// Sending again would be refused again.
    Final,
    /// It may exist, and sending it again could do it twice (an order on an account that does
    /// not enforce unique alternative order ids).
    MayExist,
    /// The retry policy's attempts are spent.
    Attempts,
    /// The next attempt would start after the deadline.
    Deadline,
}

impl Stop {
    /// The log line's words.
    pub(crate) fn describe(self) -> &'static str {
        match self {
            Stop::Final => "order failed",
            Stop::MayExist => "order failed: its outcome is unknown and it is not sent again",
            Stop::Attempts => "order failed: no attempts left",
            Stop::Deadline => "order failed: the next attempt would pass the deadline",
        }
    }
}

/// What the loop does after a failed attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Step {
    /// Wait this long, then send the same request (same alternative order id) again.
    Retry(Duration),
    /// Give up.
    Stop(Stop),
}

/// Where the call stands when an attempt failed.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Standing {
    /// The attempt that failed (1-based).
    pub attempt: u32,
    /// The policy's most attempts.
    pub max_attempts: u32,
    /// Sending the same request again cannot do it twice: the account enforces unique
    /// alternative order ids (a duplicate then proves the order exists).
    pub repeat_safe: bool,
    /// The wait before the next attempt (the policy's backoff, or the server's `Retry-After`).
    pub delay: Duration,
    /// The time left until the deadline; `None` before the first send (the deadline starts
    /// with it).
    pub time_left: Option<Duration>,
}

/// The next step after a failed attempt of class `class`.
pub(crate) fn decide(class: Class, s: Standing) -> Step {
    match class {
        Class::Refused => return Step::Stop(Stop::Final),
        Class::Unknown if !s.repeat_safe => return Step::Stop(Stop::MayExist),
        Class::Unknown | Class::Transient => {}
    }
    if s.attempt >= s.max_attempts {
        Step::Stop(Stop::Attempts)
    } else if s.time_left.is_some_and(|left| s.delay >= left) {
        Step::Stop(Stop::Deadline)
    } else {
        Step::Retry(s.delay)
    }
}

/// What follows a failed attempt.
#[derive(Debug)]
pub(crate) enum Next {
    /// Wait this long, then send the same request again.
    Retry(Duration, Error),
    /// Give up, with this error.
    Stop(Stop, Error),
}

/// One call's attempts: their number, the call's deadline, and the first answer that left the
/// outcome unknown.
#[derive(Debug)]
pub(crate) struct Attempts<'a> {
    policy: RetryPolicy,
    /// See [`Standing::repeat_safe`].
    repeat_safe: bool,
    /// How long the call may take once its clock starts.
    budget: Duration,
    deadline: Option<Instant>,
    number: u32,
    /// Why the first attempt that may have taken effect left its outcome unknown: from then on
    /// only an answer that proves the outcome (a success, or a duplicate) may replace it.
    unknown: Option<String>,
    /// The order's alternative id, for the error that says it may exist; `None` for a call
    /// other than an order, which ends with its last error.
    alternative_order_id: Option<&'a str>,
}

impl<'a> Attempts<'a> {
    pub(crate) fn new(
        policy: RetryPolicy,
        repeat_safe: bool,
        budget: Duration,
        alternative_order_id: Option<&'a str>,
    ) -> Self {
        Attempts {
            policy,
            repeat_safe,
            budget,
            deadline: None,
            number: 1,
            unknown: None,
            alternative_order_id,
        }
    }

    /// The attempt about to be sent, or that just failed (1-based).
    pub(crate) fn number(&self) -> u32 {
        self.number
    }

    /// The call's deadline, once its clock runs.
    pub(crate) fn deadline(&self) -> Option<Instant> {
        self.deadline
    }

    /// Starts the call's clock, once: the deadline runs from when this process's own pacing
    /// first lets the call go (a bulk run queued behind the rate limits is not cut short), and
    /// bounds everything after it, the fleet's limiter included.
    pub(crate) fn start(&mut self) -> Instant {
        let budget = self.budget;
        *self.deadline.get_or_insert_with(|| Instant::now() + budget)
    }

    /// The timeout of the attempt about to be sent: the client's, or what is left of the
    /// deadline when that is less.
    pub(crate) fn timeout(&self, per_attempt: Duration) -> Duration {
        match self.deadline {
            Some(at) => per_attempt.min(at.saturating_duration_since(Instant::now())),
            None => per_attempt,
        }
    }

    /// Counts one more attempt, when the policy has one left: a resend the caller opted into
    /// (`resend_when_absent`). Whether there was one.
    pub(crate) fn resend(&mut self) -> bool {
        if self.number < self.policy.max_attempts {
            self.number += 1;
            self.unknown = None;
            true
        } else {
            false
        }
    }

    /// Whether a failed attempt proves that an earlier one created the order: a repeat after an
    /// unknown outcome refused as a duplicate (on an account that enforces unique alternative
    /// order ids).
    pub(crate) fn proves_the_order_exists(&self, e: &Error) -> bool {
        matches!(e, Error::DuplicateOrder { .. }) && self.unknown.is_some()
    }

    /// After a failed attempt: a 429 pauses every request of the client (DigiCert's window is
    /// per key), the attempt is classified and the next step decided.
    pub(crate) fn after(&mut self, e: Error, pacer: &Pacer) -> Next {
        if let Error::RateLimited { retry_after, .. } = &e {
            pacer.pause(retry_after.unwrap_or(self.policy.base_delay));
        }
        if let Error::OutcomeUnknown { reason, .. } = &e
            && self.unknown.is_none()
        {
            self.unknown = Some(reason.clone());
        }
        let standing = Standing {
            attempt: self.number,
            max_attempts: self.policy.max_attempts,
            repeat_safe: self.repeat_safe,
            delay: self.policy.delay(self.number, e.retry_after()),
            time_left: self
                .deadline
                .map(|at| at.saturating_duration_since(Instant::now())),
        };
        match decide(e.class(), standing) {
            Step::Retry(delay) => {
                self.number += 1;
                Next::Retry(delay, e)
            }
            Step::Stop(why) => Next::Stop(why, self.give_up(e)),
        }
    }

    /// The error the call ends with. Once an attempt may have taken effect, a later answer that
    /// proves nothing (a refusal, a 429, a connect failure) leaves the outcome unknown: the
    /// call says so, with the first reason and the last answer.
    fn give_up(&mut self, last: Error) -> Error {
        let Some(alternative_order_id) = self.alternative_order_id else {
            return last;
        };
        match (self.unknown.take(), last) {
            (_, last @ Error::OutcomeUnknown { .. }) | (None, last) => last,
            (Some(first), last) => Error::OutcomeUnknown {
                alternative_order_id: alternative_order_id.to_string(),
                reason: format!("{first}; sent again with the same alternative_order_id: {last}"),
                source: Some(Box::new(last)),
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn not_sent() -> Error {
        Error::NotSent {
            reason: "connection refused".into(),
            source: None,
        }
    }
    fn rate_limited() -> Error {
        Error::RateLimited {
            retry_after: Some(Duration::from_secs(2)),
            errors: Vec::new(),
        }
    }
    fn maintenance() -> Error {
        Error::Unavailable {
            retry_after: Some(Duration::from_secs(2)),
            snippet: String::new(),
        }
    }
    fn unknown() -> Error {
        Error::OutcomeUnknown {
            alternative_order_id: "a1".into(),
            reason: "timed out".into(),
            source: None,
        }
    }
    fn rejected() -> Error {
        Error::Api {
            status: 400,
            errors: Vec::new(),
        }
    }
    fn proxy_page() -> Error {
        Error::UnexpectedResponse {
            status: 403,
            snippet: String::new(),
        }
    }

    const SECOND: Duration = Duration::from_secs(1);

    /// What happened, the error, unique ids declared, the attempt, the time left, the step.
    type Row = (&'static str, Error, bool, u32, Option<Duration>, Step);

    /// The README's "Nothing is ordered twice", row by row: what certainly created nothing is
    /// retried; what may have created an order is sent again only when the account enforces
    /// unique ids; nothing is retried past the attempts or the deadline.
    #[test]
    fn every_row_of_the_promise() {
        let retry = Step::Retry(SECOND);
        let (may_exist, fin) = (Step::Stop(Stop::MayExist), Step::Stop(Stop::Final));
        let (spent, late) = (Step::Stop(Stop::Attempts), Step::Stop(Stop::Deadline));
        let (minute, half) = (Some(SECOND * 60), Some(SECOND / 2));
        #[rustfmt::skip]
        let rows: [Row; 16] = [
            // what happened                  error           unique attempt left    step
            ("no connection",                 not_sent(),     false, 1, None,        retry),
            ("no connection, later",          not_sent(),     false, 2, minute,      retry),
            ("429",                           rate_limited(), false, 1, minute,      retry),
            ("declined 503",                  maintenance(),  false, 1, minute,      retry),
            ("timeout or cut or 5xx",         unknown(),      false, 1, minute,      may_exist),
            ("the same, unique ids",          unknown(),      true,  1, minute,      retry),
            ("rejected",                      rejected(),     false, 1, minute,      fin),
            ("rejected, unique ids",          rejected(),     true,  1, minute,      fin),
            ("a proxy's page",                proxy_page(),   false, 1, minute,      fin),
            ("no attempts left",              not_sent(),     false, 3, minute,      spent),
            ("no attempts left, unique",      unknown(),      true,  3, minute,      spent),
            ("past the deadline",             rate_limited(), false, 1, half,        late),
            ("exactly at the deadline",       rate_limited(), false, 1, Some(SECOND), late),
            ("unknown past the deadline",     unknown(),      true,  2, half,        late),
            ("may exist beats the deadline",  unknown(),      false, 1, half,        may_exist),
            ("before the first send",         not_sent(),     false, 2, None,        retry),
        ];
        for (what, error, unique_ids, attempt, time_left, expected) in rows {
            let standing = Standing {
                attempt,
                max_attempts: 3,
                repeat_safe: unique_ids,
                delay: SECOND,
                time_left,
            };
            assert_eq!(decide(error.class(), standing), expected, "{what}");
        }
    }

    #[test]
    fn every_error_has_its_class() {
        assert_eq!(not_sent().class(), Class::Transient);
        assert_eq!(rate_limited().class(), Class::Transient);
        assert_eq!(maintenance().class(), Class::Transient);
        assert_eq!(unknown().class(), Class::Unknown);
        assert_eq!(rejected().class(), Class::Refused);
        assert_eq!(proxy_page().class(), Class::Refused);
        assert_eq!(Error::Config("x".into()).class(), Class::Refused);
    }
}
