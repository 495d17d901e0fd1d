//! Every operation of the spec but the order, as progenitor generates it ([`Operations`], one
//! builder per operation), sent the SDK's way: paced by the client's pacer (local and fleet),
//! authenticated, each answer read to at most [`MAX_OPERATION_RESPONSE_BYTES`](crate::MAX_OPERATION_RESPONSE_BYTES),
//! retried when that is safe, and read into the one [`Error`] type.
//!
//! progenitor's client calls a hook for every request it sends ([`Exchange`]'s
//! `ClientHooks::exec`): it sends with the attempt's timeout and the operation's `Accept`,
//! reads the bounded body, records the answer, and hands progenitor a response rebuilt from the
//! bytes read (so its decoding reads no further). [`Client::call`] then reads the record to say
//! what happened: progenitor's own error would drop the status of an unreadable answer and
//! could not tell "not sent" from "sent, no answer".

use crate::Client;
use crate::decode::{failure, unreadable};
use crate::error::Error;
use crate::retry::{Attempts, Next};
use crate::transport::{Answer, describe, read};
use reqwest::header::{ACCEPT, CONTENT_TYPE, HeaderValue};
use std::future::Future;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// progenitor's generated client: one method per operation of the spec but the order, each
/// returning its builder. Made only by [`Client::call`], which hands it to your closure.
pub use crate::generated::Client as Operations;
pub use crate::generated::builder;
pub use crate::generated::{ByteStream, ResponseValue};

/// What a generated operation's `send` returns when it fails, before [`Client::call`] reads it
/// into an [`Error`].
pub type OperationError = progenitor_client::Error<crate::types::ErrorResponse>;

/// One attempt's exchange with CertCentral, as the generated operations carry it: its timeout,
/// and where the hook records the answer. Made only by [`Client::call`].
#[derive(Debug, Clone)]
pub struct Exchange {
    timeout: Duration,
    record: Arc<Mutex<Record>>,
}

/// What the hook saw of an attempt.
#[derive(Debug, Default)]
struct Record {
    /// The operation sent (its `operationId`).
    operation: Option<&'static str>,
    /// The answer, as read.
    answer: Option<Answer>,
}

impl Exchange {
    fn record(&self) -> std::sync::MutexGuard<'_, Record> {
        // Each field is set in one assignment: a poisoned lock still holds a usable record.
        self.record.lock().unwrap_or_else(|p| p.into_inner())
    }
}

impl progenitor_client::ClientHooks<Exchange> for Operations {
    async fn exec(
        &self,
        mut request: reqwest::Request,
        info: &progenitor_client::OperationInfo,
    ) -> reqwest::Result<reqwest::Response> {
        let exchange = &self.inner;
        exchange.record().operation = Some(info.operation_id);
        tracing::Span::current().record("operation", info.operation_id);
        *request.timeout_mut() = Some(exchange.timeout);
        let headers = request.headers_mut();
        // progenitor sends the spec's version as `api-version`; CertCentral documents no such
        // header.
        headers.remove("api-version");
        if let Some(accept) = certcentral_table::operation(info.operation_id)
            .and_then(|o| HeaderValue::from_str(o.accept).ok())
        {
            headers.insert(ACCEPT, accept);
        }
        tracing::debug!(target: "certcentral::transport", operation = info.operation_id, method = %request.method(), "sending");
        let response = self.client.execute(request).await?;
        let answer = match read(response, crate::MAX_OPERATION_RESPONSE_BYTES).await {
            Ok(answer) => answer,
            Err((_, e)) => return Err(e),
        };
        let mut rebuilt = http::Response::builder().status(answer.status);
        if let Some(content_type) = &answer.content_type {
            rebuilt = rebuilt.header(CONTENT_TYPE, content_type.clone());
        }
        let rebuilt = rebuilt.body(answer.body.clone());
        exchange.record().answer = Some(answer);
        match rebuilt {
            Ok(response) => Ok(reqwest::Response::from(response)),
            // The status and the content type came from a response: they rebuild one. Should
            // they not, the recorded answer still says what came back (`Client::call` reads it).
            Err(_) => Ok(reqwest::Response::from(http::Response::new(Vec::new()))),
        }
    }
}

impl Client {
    /// Sends an operation of the spec through progenitor's generated builders, the SDK's way:
    /// paced under the client's rate limits (with the fleet's, when shared), with its API key,
    /// its timeouts and deadline, the answer read to at most
    /// [`MAX_OPERATION_RESPONSE_BYTES`](crate::MAX_OPERATION_RESPONSE_BYTES), and retried as the client's
    /// [`RetryPolicy`](crate::RetryPolicy) allows (none of these operations creates anything:
    /// a read is safe to repeat, and a status change asks for a state, which a repeat asks for
    /// again). Errors are the client's [`Error`]s.
    ///
    /// The typed methods ([`Client::order_info`], [`Client::cancel_order`], …) are this plus
    /// what each operation needs; `call` is for an operation the SDK has no method for yet (one
    /// a regenerated spec added). The closure may run more than once (once per attempt).
    ///
    /// ```no_run
    /// # async fn run(client: certcentral::Client) -> Result<(), certcentral::Error> {
    /// let order = client
    ///     .call(|api| async move { api.order_info().id(112233).send().await })
    ///     .await?;
    /// println!("order {} is {}", order.id, order.status);
    /// # Ok(()) }
    /// ```
    pub async fn call<T, F, Fut>(&self, operation: F) -> Result<T, Error>
    where
        F: Fn(Operations) -> Fut,
        Fut: Future<Output = Result<ResponseValue<T>, OperationError>>,
    {
        use tracing::Instrument;
        let span = tracing::info_span!(
            target: "certcentral::call",
            "call",
            operation = tracing::field::Empty,
            attempt = tracing::field::Empty,
            outcome = tracing::field::Empty,
        );
        let result = self
            .attempt_calls(&operation)
            .instrument(span.clone())
            .await;
        span.record(
            "outcome",
            match result.as_ref().map_err(Error::class) {
                Ok(_) => "ok",
                Err(crate::Class::Unknown) => "unknown",
                Err(crate::Class::Transient) => "failed",
                Err(_) => "refused",
            },
        );
        result
    }

    async fn attempt_calls<T, F, Fut>(&self, operation: &F) -> Result<T, Error>
    where
        F: Fn(Operations) -> Fut,
        Fut: Future<Output = Result<ResponseValue<T>, OperationError>>,
    {
        let config = &self.inner;
        let settings = &config.settings;
        // A read is safe to repeat, and so is a status change (it asks for a state).
        let mut attempts = Attempts::new(settings.retry, true, settings.deadline, None);
        loop {
            tracing::Span::current().record("attempt", attempts.number());
            let e = match self.attempt_call(operation, &mut attempts).await {
                Ok(value) => return Ok(value),
                Err(e) => e,
            };
            match attempts.after(e, &config.pacer) {
                Next::Retry(delay, e) => {
                    tracing::warn!(attempt = attempts.number() - 1, delay_ms = delay.as_millis() as u64, error = %e, "retrying");
                    tokio::time::sleep(delay).await;
                }
                Next::Stop(_, e) => return Err(e),
            }
        }
    }

    /// One attempt: a slot under the rate limits, the call's clock started, the fleet's slot,
    /// then the operation through the hooks.
    async fn attempt_call<T, F, Fut>(
        &self,
        operation: &F,
        attempts: &mut Attempts<'_>,
    ) -> Result<T, Error>
    where
        F: Fn(Operations) -> Fut,
        Fut: Future<Output = Result<ResponseValue<T>, OperationError>>,
    {
        let config = &self.inner;
        let slot = config.pacer.acquire(attempts.deadline()).await?;
        let slot = slot.shared(attempts.start()).await?;
        let exchange = Exchange {
            timeout: attempts.timeout(config.settings.timeout),
            record: Arc::default(),
        };
        let api = Operations::new_with_client(
            &config.settings.base_url,
            config.http.clone(),
            exchange.clone(),
        );
        let result = operation(api).await;
        slot.finish().await;
        let record = std::mem::take(&mut *exchange.record());
        let secrets = [config.api_key.expose()];
        read_result(result, record, &secrets)
    }
}

/// What an attempt's result says, read with what the hook recorded.
fn read_result<T>(
    result: Result<ResponseValue<T>, OperationError>,
    record: Record,
    secrets: &[&str],
) -> Result<T, Error> {
    let e = match result {
        Ok(value) => return Ok(value.into_inner()),
        Err(e) => e,
    };
    let operation = record.operation.unwrap_or("an operation");
    let unknown = |reason: String, source: Option<crate::error::Cause>| Error::NoAnswer {
        operation,
        reason,
        source,
    };
    Err(match (e, record.answer) {
        (progenitor_client::Error::CommunicationError(e), _) if e.is_connect() => Error::NotSent {
            reason: format!("could not reach CertCentral: {}", describe(&e)),
            source: Some(Box::new(e)),
        },
        (progenitor_client::Error::CommunicationError(e), _) => unknown(
            format!("the request was sent but {}", describe(&e)),
            Some(Box::new(e)),
        ),
        (progenitor_client::Error::InvalidRequest(why), _) => {
            Error::InvalidRequest(format!("{operation}: {why}"))
        }
        (progenitor_client::Error::InvalidResponsePayload(_, e), Some(answer))
            if answer.complete && (200..300).contains(&answer.status) =>
        {
            unknown(unreadable(answer.status, &e, &answer.body, secrets), None)
        }
        (_, Some(answer)) => failure(answer.as_response(), secrets, |reason| {
            unknown(reason, None)
        }),
        // Nothing was recorded: progenitor failed before the hook sent anything (a request it
        // could not build).
        (other, None) => Error::InvalidRequest(format!("{operation}: {other}")),
    })
}
