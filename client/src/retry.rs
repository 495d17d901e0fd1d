//! The order loop's one decision: what a failed attempt says about the order, and what to do
//! next. Each attempt's error is classified once ([`Class::of`]); [`decide`] turns that, the
//! retry policy, the unique-id setting and the time left into the next [`Step`]. Both are pure,
//! so every row of the README's "Nothing is ordered twice" promise is a row of the table test
//! below; `Client::place` only carries the step out (as smithy-rs's orchestrator carries out
//! what its retry classifiers return).

use crate::error::Error;
use std::time::Duration;

/// What one failed attempt says about the order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Class {
    /// Certainly not created, and the same request may succeed later: no connection, 429
    /// `request_limit_exceeded`, a 503 that declined the request, the shared limiter failing
    /// closed.
    NotCreatedTransient,
    /// Certainly not created, and sending it again would be refused again: an invalid order,
    /// a 4xx rejection, a response that cannot have created an order, a misconfiguration.
    NotCreatedFinal,
    /// May have been created: it was sent and no usable answer came back.
    MayExist,
}

impl Class {
    /// The class of an attempt's error.
    pub(crate) fn of(e: &Error) -> Class {
        if e.may_have_created_order() {
            Class::MayExist
        } else if e.is_retryable() {
            Class::NotCreatedTransient
        } else {
            Class::NotCreatedFinal
        }
    }
}

/// Why the loop stops.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Stop {
    /// Sending again would be refused again.
    Final,
    /// It may exist, and the account does not enforce unique alternative order ids: sending
    /// it again could order it twice.
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

/// Where the order call stands when an attempt failed.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Standing {
    /// The attempt that failed (1-based).
    pub attempt: u32,
    /// The policy's most attempts.
    pub max_attempts: u32,
    /// The account enforces unique alternative order ids (a duplicate then proves the order
    /// exists), so an order that may exist may be sent again.
    pub unique_ids: bool,
    /// The wait before the next attempt (the policy's backoff, or the server's `Retry-After`).
    pub delay: Duration,
    /// The time left until the deadline; `None` before the first send (the deadline starts
    /// with it).
    pub time_left: Option<Duration>,
}

/// The next step after a failed attempt of class `class`.
pub(crate) fn decide(class: Class, s: Standing) -> Step {
    match class {
        Class::NotCreatedFinal => return Step::Stop(Stop::Final),
        Class::MayExist if !s.unique_ids => return Step::Stop(Stop::MayExist),
        Class::MayExist | Class::NotCreatedTransient => {}
    }
    if s.attempt >= s.max_attempts {
        Step::Stop(Stop::Attempts)
    } else if s.time_left.is_some_and(|left| s.delay >= left) {
        Step::Stop(Stop::Deadline)
    } else {
        Step::Retry(s.delay)
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
                unique_ids,
                delay: SECOND,
                time_left,
            };
            assert_eq!(decide(Class::of(&error), standing), expected, "{what}");
        }
    }

    #[test]
    fn every_error_has_its_class() {
        assert_eq!(Class::of(&not_sent()), Class::NotCreatedTransient);
        assert_eq!(Class::of(&rate_limited()), Class::NotCreatedTransient);
        assert_eq!(Class::of(&maintenance()), Class::NotCreatedTransient);
        assert_eq!(Class::of(&unknown()), Class::MayExist);
        assert_eq!(Class::of(&rejected()), Class::NotCreatedFinal);
        assert_eq!(Class::of(&proxy_page()), Class::NotCreatedFinal);
        assert_eq!(
            Class::of(&Error::Config("x".into())),
            Class::NotCreatedFinal
        );
    }
}
