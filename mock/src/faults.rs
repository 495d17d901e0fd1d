//! Faults a test can script, one per incoming request of an operation: each fault's behaviour
//! is listed once, here ([`Fault::plan`]: what happens before the operation runs, and what
//! happens to its answer), and the handler only carries the plan out.

use std::time::Duration;

/// What the mock does to the next request of an operation instead of (or on top of) answering
/// it.
///
/// Faults are queued with [`MockServer::inject`](crate::MockServer::inject) (the next order
/// request) or [`MockServer::inject_for`](crate::MockServer::inject_for) (the next request of
/// any operation, by its short name) and consumed in order, one per request. "Records" means
/// the operation takes effect: an order is created, a status is changed; a read has no effect.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Fault {
    /// Wait this long, then handle the request normally (the effect follows the wait).
    Delay(Duration),
    /// Take effect, then wait this long before answering (an answer lost on a slow network: a
    /// client that gives up first cannot know the order exists).
    AnswerAfter(Duration),
    /// Take effect, then hold the answer until
    /// [`MockServer::release_held`](crate::MockServer::release_held): a request in flight for
    /// as long as a test needs, ended by the test rather than by a clock.
    Hold,
    /// Hold the request before it takes effect until
    /// [`MockServer::release_held`](crate::MockServer::release_held), then handle it normally:
    /// an order that lands after its client gave up, and after its client looked for it, at a
    /// moment the test chooses.
    HoldBeforeRecording,
    /// Drop the connection, with no effect.
    CloseBeforeRecording,
    /// Take effect, then drop the connection without answering.
    CloseAfterRecording,
    /// Answer 503 with an HTML maintenance page and a `Retry-After`; no effect.
    Maintenance,
    /// Answer 503 with an HTML maintenance page and this `Retry-After` (whole seconds, at least
    /// one); no effect.
    MaintenanceFor(Duration),
    /// Answer 429 `request_limit_exceeded` regardless of the windows; no effect.
    RateLimited,
    /// Take effect, then answer 500 with an HTML page (a crash after the commit).
    InternalError,
    /// Take effect, send the answer's headers and half of its body, then drop the connection.
    TruncatedBody,
    /// Take effect and answer with a body that is not JSON.
    MalformedJson,
    /// Take effect and answer with this status in place of every `status` of the answer (the
    /// order's request status; an order's or request's own status).
    UnlistedStatus(String),
    /// Take effect and answer with fields the spec does not list, in every object of the answer.
    ExtraFields,
    /// Answer 307 Temporary Redirect to this location, with no effect (a client that followed
    /// it would send the request, and its key, there).
    Redirect(String),
    /// Answer with exactly this, with no effect (for error bodies of any shape).
    Respond {
        /// The HTTP status.
        status: u16,
        /// The `Content-Type`.
        content_type: String,
        /// The body, as sent.
        body: String,
    },
}

/// What a fault does before the operation runs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Before {
    /// Run it (after waiting this long, if at all).
    Run(Duration),
    /// Run it once the test releases it.
    Held,
    /// Answer this instead; the operation has no effect.
    Instead(Instead),
}

/// An answer in place of the operation's.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Instead {
    Drop,
    Maintenance(u64),
    RateLimited,
    Redirect(String),
    Respond {
        status: u16,
        content_type: String,
        body: String,
    },
}

/// What a fault does to the answer of an operation that ran.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum After {
    /// The answer, as it is.
    Answer,
    /// The answer, this much later.
    Late(Duration),
    /// The answer, once the test releases it.
    Held,
    /// No answer: the connection is dropped.
    Drop,
    /// A 500 HTML page.
    InternalError,
    /// Half of the body, then the connection is dropped.
    Truncated,
    /// A body that is not JSON.
    Malformed,
    /// Every `status` of the answer replaced.
    Status(String),
    /// Unlisted fields in every object of the answer.
    ExtraFields,
}

impl Fault {
    /// The fault's behaviour, before and after the operation: the one place that says it.
    pub(crate) fn plan(&self) -> (Before, After) {
        let run = Before::Run(Duration::ZERO);
        let instead = |i| (Before::Instead(i), After::Answer);
        match self {
            Fault::Delay(d) => (Before::Run(*d), After::Answer),
            Fault::AnswerAfter(d) => (run, After::Late(*d)),
            Fault::Hold => (run, After::Held),
            Fault::HoldBeforeRecording => (Before::Held, After::Answer),
            Fault::CloseBeforeRecording => instead(Instead::Drop),
            Fault::CloseAfterRecording => (run, After::Drop),
            Fault::Maintenance => instead(Instead::Maintenance(1)),
            Fault::MaintenanceFor(d) => instead(Instead::Maintenance(d.as_secs().max(1))),
            Fault::RateLimited => instead(Instead::RateLimited),
            Fault::InternalError => (run, After::InternalError),
            Fault::TruncatedBody => (run, After::Truncated),
            Fault::MalformedJson => (run, After::Malformed),
            Fault::UnlistedStatus(s) => (run, After::Status(s.clone())),
            Fault::ExtraFields => (run, After::ExtraFields),
            Fault::Redirect(location) => instead(Instead::Redirect(location.clone())),
            Fault::Respond {
                status,
                content_type,
                body,
            } => instead(Instead::Respond {
                status: *status,
                content_type: content_type.clone(),
                body: body.clone(),
            }),
        }
    }

    /// A short name for logs and test output.
    pub fn name(&self) -> &'static str {
        match self {
            Fault::Delay(_) => "delay",
            Fault::AnswerAfter(_) => "answer_after",
            Fault::Hold => "hold",
            Fault::HoldBeforeRecording => "hold_before_recording",
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

    /// Parses a fault as the binary's `--fault` flag writes it (`delay:250ms` for delays,
    /// `answer_after:60s` to take effect and answer late, `maintenance:3600s` for a long
    /// `Retry-After`, `unlisted_status:needs_approval`; the binary's flags are listed in the
    /// [crate docs](crate#the-binary)).
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

    /// Parses the binary's `--fault` flag: `FAULT` for the next order request, or
    /// `OPERATION:FAULT` for the next request of the operation with that short name (`lookup`,
    /// `info`, `list`, `download`… as `certcentral-mock --help` lists them). Returns the
    /// operation's short name and the fault.
    ///
    /// ```
    /// use certcentral_mock::Fault;
    /// assert_eq!(Fault::parse_targeted("lookup:maintenance"), Some(("lookup", Fault::Maintenance)));
    /// assert_eq!(Fault::parse_targeted("maintenance:60s"), Some(("order", Fault::MaintenanceFor(std::time::Duration::from_secs(60)))));
    /// assert_eq!(Fault::parse_targeted("nowhere:maintenance"), None);
    /// ```
    pub fn parse_targeted(text: &str) -> Option<(&'static str, Fault)> {
        if let Some((operation, rest)) = text.split_once(':')
            && let Some(op) = certcentral_table::OPERATIONS
                .iter()
                .find(|o| o.name == operation)
        {
            return Fault::parse(rest).map(|f| (op.name, f));
        }
        let order = certcentral_table::operation(certcentral_table::ORDER_OPERATION)?;
        Fault::parse(text).map(|f| (order.name, f))
    }
}
