//! Faults a test can script, one per incoming order request.

use std::time::Duration;

/// What the mock does to the next order request instead of (or on top of) answering it.
///
/// Faults are queued with [`MockServer::inject`](crate::MockServer::inject) and consumed in
/// order, one per request to the order endpoint.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Fault {
    /// Wait this long, then handle the request normally (the order is recorded after the wait).
    Delay(Duration),
    /// Record the order, then wait this long before answering (an answer lost on a slow
    /// network: a client that gives up first cannot know the order exists).
    AnswerAfter(Duration),
    /// Record the order, then hold the answer until
    /// [`MockServer::release_held`](crate::MockServer::release_held): a request in flight for
    /// as long as a test needs, ended by the test rather than by a clock.
    Hold,
    /// Drop the connection without recording anything.
    CloseBeforeRecording,
    /// Record the order, then drop the connection without answering.
    CloseAfterRecording,
    /// Answer 503 with an HTML maintenance page and a `Retry-After`; nothing is recorded.
    Maintenance,
    /// Answer 503 with an HTML maintenance page and this `Retry-After` (whole seconds, at least
    /// one); nothing is recorded.
    MaintenanceFor(Duration),
    /// Answer 429 `request_limit_exceeded` regardless of the windows; nothing is recorded.
    RateLimited,
    /// Record the order, then answer 500 with an HTML page (a crash after the commit).
    InternalError,
    /// Record the order, send the 201 headers and half of the body, then drop the connection.
    TruncatedBody,
    /// Record the order and answer 201 with a body that is not JSON.
    MalformedJson,
    /// Record the order and answer 201 with this request status instead of the real one.
    UnlistedStatus(String),
    /// Record the order and answer 201 with fields the spec does not list.
    ExtraFields,
    /// Answer 307 Temporary Redirect to this location, recording nothing (a client that
    /// followed it would send the order, and its key, there).
    Redirect(String),
    /// Answer with exactly this, recording nothing (for error bodies of any shape).
    Respond {
        /// The HTTP status.
        status: u16,
        /// The `Content-Type`.
        content_type: String,
        /// The body, as sent.
        body: String,
    },
}

impl Fault {
    /// Whether the fault still lets the order be validated and recorded.
    pub(crate) fn records(&self) -> bool {
        !matches!(
            self,
            Fault::CloseBeforeRecording
                | Fault::Maintenance
                | Fault::MaintenanceFor(_)
                | Fault::RateLimited
                | Fault::Respond { .. }
                | Fault::Redirect(_)
        )
    }

    /// A short name for logs and test output.
    pub fn name(&self) -> &'static str {
        match self {
            Fault::Delay(_) => "delay",
            Fault::AnswerAfter(_) => "answer_after",
            Fault::Hold => "hold",
            Fault::CloseBeforeRecording => "close_before_recording",
            Fault::CloseAfterRecording => "close_after_recording",
            Fault::Maintenance | Fault::MaintenanceFor(_) => "maintenance",
            Fault::RateLimited => "rate_limited",
            Fault::InternalError => "internal_error",
            Fault::TruncatedBody => "truncated_body",
            Fault::MalformedJson => "malformed_json",
            Fault::UnlistedStatus(_) => "unlisted_status",
            Fault::ExtraFields => "extra_fields",
            Fault::Respond { .. } => "respond",
            Fault::Redirect(_) => "redirect",
        }
    }

    /// Parses a fault name as used by the binary's `--fault` flag (`delay:250ms` for delays,
    /// `answer_after:60s` to record and answer late, `maintenance:3600s` for a long
    /// `Retry-After`, `unlisted_status:needs_approval`).
    ///
    /// ```
    /// use certcentral_mock::Fault;
    /// assert_eq!(Fault::parse("maintenance"), Some(Fault::Maintenance));
    /// assert_eq!(Fault::parse("delay:250ms"), Some(Fault::Delay(std::time::Duration::from_millis(250))));
    /// assert_eq!(Fault::parse("maintenance:3600s"), Some(Fault::MaintenanceFor(std::time::Duration::from_secs(3600))));
    /// assert_eq!(Fault::parse("answer_after:60s"), Some(Fault::AnswerAfter(std::time::Duration::from_secs(60))));
    /// assert_eq!(Fault::parse("bogus"), None);
    /// ```
    pub fn parse(text: &str) -> Option<Fault> {
        let (name, arg) = text.split_once(':').unwrap_or((text, ""));
        Some(match name {
            "delay" => Fault::Delay(Duration::from_millis(
                arg.strip_suffix("ms").unwrap_or(arg).parse().ok()?,
            )),
            "answer_after" => Fault::AnswerAfter(Duration::from_secs(
                arg.strip_suffix('s').unwrap_or(arg).parse().ok()?,
            )),
            "close_before_recording" => Fault::CloseBeforeRecording,
            "close_after_recording" => Fault::CloseAfterRecording,
            "maintenance" if arg.is_empty() => Fault::Maintenance,
            "maintenance" => Fault::MaintenanceFor(Duration::from_secs(
                arg.strip_suffix('s').unwrap_or(arg).parse().ok()?,
            )),
            "rate_limited" => Fault::RateLimited,
            "internal_error" => Fault::InternalError,
            "truncated_body" => Fault::TruncatedBody,
            "malformed_json" => Fault::MalformedJson,
            "unlisted_status" if !arg.is_empty() => Fault::UnlistedStatus(arg.to_string()),
            "extra_fields" => Fault::ExtraFields,
            _ => return None,
        })
    }
}
