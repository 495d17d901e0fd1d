//! The client: configuration, validation before sending, one bounded request, retries only
//! where DigiCert certainly created nothing.

use crate::error::{DUPLICATE_ALTERNATIVE_ORDER_ID, Error, parse_errors_redacted, snippet};
use crate::pacing::{Pacer, RateLimits};
use crate::types::{
    ClientCertificateId, OrderClientCertificateRequest, OrderClientCertificateResponse,
};
use crate::{ApiKey, ClientCertificateOrder, validate};
use certcentral_spec::{ORDER_PATH, SERVERS, Violation};
use futures_util::StreamExt;
use reqwest::header::{ACCEPT, CONTENT_TYPE, HeaderMap, HeaderValue, RETRY_AFTER};
use std::sync::Arc;
use std::time::{Duration, SystemTime};
use tokio::time::Instant;

/// The header DigiCert reads the API key from.
pub const API_KEY_HEADER: &str = "X-DC-DEVKEY";

/// Responses larger than this are not read further (an order response is a few hundred bytes).
pub const MAX_RESPONSE_BYTES: usize = 256 * 1024;

/// A CertCentral region, with the server URL from the spec.
///
/// ```
/// assert_eq!(certcentral::Region::Us.base_url(), "https://www.digicert.com/services/v2");
/// assert_eq!(certcentral::Region::Eu.base_url(), "https://certcentral.digicert.eu/services/v2");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Region {
    /// `www.digicert.com`.
    #[default]
    Us,
    /// `certcentral.digicert.eu`.
    Eu,
}

impl Region {
    /// The base URL of this region's Services API.
    pub fn base_url(self) -> &'static str {
        let region = match self {
            Region::Us => "us",
            Region::Eu => "eu",
        };
        // codegen refuses a spec without a server for each region.
        SERVERS
            .iter()
            .find(|s| s.region == region)
            .map_or("", |s| s.url)
    }
}

/// When and how often a request that certainly created nothing is sent again.
///
/// Only three outcomes are retried: a connection that could not be made, HTTP 429
/// `request_limit_exceeded`, and HTTP 503 maintenance. A timeout or a connection lost after
/// the body was sent is never retried: it is reported as [`Error::OutcomeUnknown`].
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
/// assert_eq!(certcentral::RetryPolicy::none().max_attempts, 1);
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RetryPolicy {
    /// Attempts in all, the first included (1 = no retry).
    pub max_attempts: u32,
    /// The delay before the first retry; doubled for each further one.
    pub base_delay: Duration,
    /// No delay is longer than this (a longer `Retry-After` is cut to it).
    pub max_delay: Duration,
    /// Spread delays randomly over [delay/2, delay] so that many clients do not retry together.
    pub jitter: bool,
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

/// Builds a [`Client`].
///
/// ```
/// let client = certcentral::Client::builder(certcentral::ApiKey::new("key"))
///     .region(certcentral::Region::Eu)
///     .build()?;
/// assert_eq!(client.base_url(), "https://certcentral.digicert.eu/services/v2");
///
/// let refused = certcentral::Client::builder(certcentral::ApiKey::new("key"))
///     .base_url("http://certcentral.example.com/services/v2")
///     .build();
/// assert!(matches!(refused, Err(certcentral::Error::Config(_))));
/// # Ok::<(), certcentral::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct ClientBuilder {
    api_key: ApiKey,
    base_url: String,
    timeout: Duration,
    connect_timeout: Duration,
    validate: bool,
    retry: RetryPolicy,
    pacing: RateLimits,
    deadline: Duration,
    unique_alternative_order_ids: bool,
}

impl ClientBuilder {
    /// Uses a region's server (the default is [`Region::Us`]).
    pub fn region(mut self, region: Region) -> Self {
        self.base_url = region.base_url().to_string();
        self
    }

    /// Uses a custom base URL (including the `/services/v2` stem). It must be `https://`,
    /// unless it points at loopback (`127.0.0.0/8`, `[::1]`, `localhost`), as a local mock does.
    pub fn base_url(mut self, url: impl Into<String>) -> Self {
        self.base_url = url.into();
        self
    }

    /// The whole-request timeout (default 60 s). A timeout is reported as
    /// [`Error::OutcomeUnknown`] and never retried.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// The connect timeout (default 10 s). A connect failure is retried.
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = timeout;
        self
    }

    /// Whether orders are validated before sending (default `true`). Turning it off sends
    /// orders DigiCert may reject; use it only to test the server's own validation.
    pub fn validate_before_send(mut self, on: bool) -> Self {
        self.validate = on;
        self
    }

    /// The longest one [`Client::order`] call may take from its first request's departure, its
    /// retries and their delays included (default 120 s; each attempt is still bounded by
    /// [`ClientBuilder::timeout`]). A server's `Retry-After` that would end past it is not
    /// waited for: the call returns the answer that asked for the wait.
    ///
    /// The wait for the client's own pacing before the first request is not counted, so that
    /// a bulk run queued behind DigiCert's rate limits is not cut short; bound it with
    /// `tokio::time::timeout` if you need to (dropping the call before it sends is safe).
    pub fn deadline(mut self, deadline: Duration) -> Self {
        self.deadline = deadline;
        self
    }

    /// Declares that the account has *Require unique alternative order IDs* on (default
    /// `false`). Then, and only then, an order whose outcome is unknown (a timeout, a
    /// connection lost after sending, a 5xx that may follow a commit) is sent again with the
    /// same `alternative_order_id`, within the retry policy and the deadline: a
    /// `duplicate_alternative_order_id` answer proves that the earlier attempt created it, and
    /// the call returns a [`PlacedOrder`] whose `response` is `None`.
    ///
    /// Without this setting nothing that may have created an order is ever sent again. Turn it
    /// on only when the account really enforces uniqueness: otherwise a resubmission can be
    /// billed twice.
    pub fn unique_alternative_order_ids(mut self, on: bool) -> Self {
        self.unique_alternative_order_ids = on;
        self
    }

    /// The retry policy (default [`RetryPolicy::default`]; [`RetryPolicy::none`] turns it off).
    pub fn retry(mut self, policy: RetryPolicy) -> Self {
        self.retry = policy;
        self
    }

    /// The rolling limits the client paces itself under (default [`RateLimits::digicert`];
    /// [`RateLimits::none`] turns pacing off). Every request of the client and its clones
    /// counts, so one client shared by many tasks never exceeds them.
    pub fn pacing(mut self, limits: RateLimits) -> Self {
        self.pacing = limits;
        self
    }

    /// Checks the configuration and builds the client.
    pub fn build(self) -> Result<Client, Error> {
        let base_url = check_base_url(&self.base_url)?;
        let mut key = HeaderValue::from_str(self.api_key.expose()).map_err(|_| {
            Error::Config(format!(
                "the API key is not a valid {API_KEY_HEADER} header value"
            ))
        })?;
        key.set_sensitive(true);
        let mut headers = HeaderMap::new();
        headers.insert(API_KEY_HEADER, key);
        headers.insert(ACCEPT, HeaderValue::from_static("application/json"));
        // The platform's roots with the ring provider; an application that installed its own
        // process-wide rustls provider keeps it.
        let _ = rustls::crypto::ring::default_provider().install_default();
        let http = reqwest::Client::builder()
            .default_headers(headers)
            .timeout(self.timeout)
            .connect_timeout(self.connect_timeout)
            .redirect(reqwest::redirect::Policy::none())
            .user_agent(concat!("certcentral-rs/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| Error::Config(format!("could not build the HTTP client: {e}")))?;
        Ok(Client {
            generated: crate::generated::Client::new_with_client(&base_url, http.clone()),
            http,
            base_url,
            api_key: self.api_key,
            validate: self.validate,
            retry: self.retry,
            pacer: Arc::new(Pacer::new(self.pacing)),
            timeout: self.timeout,
            deadline: self.deadline,
            unique_alternative_order_ids: self.unique_alternative_order_ids,
        })
    }
}

/// Checks a base URL and returns it as the client will use it (parsed and re-serialized by a
/// WHATWG URL parser, without a trailing `/`), so that what was checked is what is dialled.
///
/// The rules: `https`, or `http` to a loopback host (`127.0.0.0/8`, `[::1]`, or exactly
/// `localhost`); no user info (a password in a URL ends up in logs, and `user@host` is how a
/// host is disguised); no query or fragment (the order path is appended to it).
fn check_base_url(text: &str) -> Result<String, Error> {
    let refuse = |rule: &str| Err(Error::Config(format!("base_url: {rule}")));
    let url = match reqwest::Url::parse(text.trim()) {
        Ok(url) => url,
        Err(e) => return refuse(&format!("`{text}` is not an absolute URL ({e})")),
    };
    // Only the scheme and host are quoted from here on: user info may hold a secret.
    let shown = format!("{}://{}", url.scheme(), url.host_str().unwrap_or(""));
    if !url.username().is_empty() || url.password().is_some() {
        return refuse(&format!(
            "`{shown}…` carries user info (`user:password@`): credentials do not belong in a \
             base URL, and the API key is sent in its own header"
        ));
    }
    if url.query().is_some() || url.fragment().is_some() {
        return refuse(&format!("`{shown}…` has a query or fragment"));
    }
    let loopback = match url.host() {
        None => return refuse(&format!("`{text}` has no host")),
        Some(url::Host::Domain(name)) => name == "localhost",
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
    };
    match url.scheme() {
        "https" => {}
        "http" if loopback => {}
        "http" => {
            return refuse(&format!(
                "`{shown}` is plain HTTP to a host that is not loopback: use https:// (plain \
                 HTTP is allowed only for 127.0.0.0/8, [::1] and localhost)"
            ));
        }
        other => return refuse(&format!("scheme `{other}` is not https://")),
    }
    Ok(url.as_str().trim_end_matches('/').to_string())
}

/// A CertCentral client for ordering client certificates.
///
/// Cloning is cheap (the connection pool is shared).
///
/// ```no_run
/// use certcentral::{ApiKey, Client, types::ClientCertificateId};
/// # async fn run(order: certcentral::types::OrderClientCertificateRequest) -> Result<(), certcentral::Error> {
/// let client = Client::builder(ApiKey::from_env("DIGICERT_API_KEY").expect("a key")).build()?;
/// let placed = client.order(ClientCertificateId::Class1Smime, &order).await?;
/// println!("order {}", placed.order_id().expect("answered"));
/// # Ok(()) }
/// ```
#[derive(Debug, Clone)]
pub struct Client {
    generated: crate::generated::Client,
    http: reqwest::Client,
    base_url: String,
    api_key: ApiKey,
    validate: bool,
    retry: RetryPolicy,
    pacer: Arc<Pacer>,
    timeout: Duration,
    deadline: Duration,
    unique_alternative_order_ids: bool,
}

/// A placed order.
#[derive(Debug, Clone, PartialEq)]
pub struct PlacedOrder {
    /// The product ordered.
    pub product: ClientCertificateId,
    /// DigiCert's answer: order id, requests and their statuses, certificate id when issued.
    ///
    /// `None` only with [`ClientBuilder::unique_alternative_order_ids`] on, when an attempt's
    /// outcome was unknown and resubmitting it was refused as a duplicate: the order exists
    /// (that attempt created it) but its answer was lost. Find it by `alternative_order_id`.
    pub response: Option<OrderClientCertificateResponse>,
    /// The order's alternative id (the caller's, or the one the client generated).
    pub alternative_order_id: String,
    /// Parameters DigiCert ignores in this order (deprecated or not applicable).
    pub warnings: Vec<Violation>,
    /// How many requests it took (1 unless a retry was needed).
    pub attempts: u32,
}

impl PlacedOrder {
    /// The order's id, when DigiCert's answer was received (see [`PlacedOrder::response`]).
    pub fn order_id(&self) -> Option<i64> {
        self.response.as_ref().map(|r| r.id)
    }
}

impl Client {
    /// Starts building a client that authenticates with `api_key`.
    pub fn builder(api_key: ApiKey) -> ClientBuilder {
        ClientBuilder {
            api_key,
            base_url: Region::Us.base_url().to_string(),
            timeout: Duration::from_secs(60),
            connect_timeout: Duration::from_secs(10),
            validate: true,
            retry: RetryPolicy::default(),
            pacing: RateLimits::digicert(),
            deadline: Duration::from_secs(120),
            unique_alternative_order_ids: false,
        }
    }

    /// The base URL requests go to.
    pub fn base_url(&self) -> &str {
        &self.base_url
    }

    /// The progenitor-generated client, configured with the same key and HTTP client, for
    /// direct use of the raw API (no validation, no retries, no alternative id).
    pub fn generated(&self) -> &crate::generated::Client {
        &self.generated
    }

    /// Submits an order built with `#[derive(ClientCertificateOrder)]`.
    ///
    /// The conversion checks what only run time can know (empty lists, malformed addresses,
    /// values from variables) before anything is sent.
    pub async fn submit<O: ClientCertificateOrder + ?Sized>(
        &self,
        order: &O,
    ) -> Result<PlacedOrder, Error> {
        let request = order.try_into_request()?;
        self.order(O::PRODUCT, &request).await
    }

    /// Submits many orders, at most `concurrency` at a time and paced under the client's rate
    /// limits; returns one result per order, in input order.
    ///
    /// ```no_run
    /// # async fn run(client: certcentral::Client, orders: Vec<certcentral::types::OrderClientCertificateRequest>) {
    /// use certcentral::types::ClientCertificateId;
    /// let batch = orders.into_iter().map(|o| (ClientCertificateId::Class1Smime, o));
    /// for result in client.order_many(batch, 8).await {
    ///     match result {
    ///         Ok(placed) => println!("order {:?}", placed.order_id()),
    ///         Err(e) => eprintln!("{e}"),
    ///     }
    /// }
    /// # }
    /// ```
    pub async fn order_many<I>(
        &self,
        orders: I,
        concurrency: usize,
    ) -> Vec<Result<PlacedOrder, Error>>
    where
        I: IntoIterator<Item = (ClientCertificateId, OrderClientCertificateRequest)>,
    {
        futures_util::stream::iter(orders)
            .map(|(product, request)| async move { self.order(product, &request).await })
            .buffered(concurrency.max(1))
            .collect()
            .await
    }

    /// Validates and sends an order.
    ///
    /// Without an `alternative_order_id`, the client assigns one, so that an order whose
    /// outcome is unknown can be found and reconciled.
    pub async fn order(
        &self,
        product: ClientCertificateId,
        request: &OrderClientCertificateRequest,
    ) -> Result<PlacedOrder, Error> {
        let mut request = request.clone();
        let alternative_order_id = request
            .alternative_order_id
            .get_or_insert_with(crate::random::alternative_order_id)
            .clone();
        let warnings = if self.validate {
            validate(product, &request)?
        } else {
            Vec::new()
        };
        for w in &warnings {
            tracing::warn!(rule = w.rule, param = %w.path, "{}", w.message);
        }
        let body = serde_json::to_vec(&request)
            .map_err(|e| Error::Config(format!("the order does not serialize: {e}")))?;
        // Whatever the server echoes back, these never reach an error message.
        let card = request.credit_card.as_ref();
        let secrets: Vec<String> = [
            Some(self.api_key.expose().to_string()),
            card.map(|c| c.number.expose().to_string()),
            card.map(|c| c.cvv.expose().to_string()),
        ]
        .into_iter()
        .flatten()
        .collect();
        let url = format!(
            "{}{}",
            self.base_url,
            ORDER_PATH.replace("{client_certificate_id}", &product.to_string())
        );
        let placed = |response, attempts| PlacedOrder {
            product,
            response,
            alternative_order_id: alternative_order_id.clone(),
            warnings: warnings.clone(),
            attempts,
        };
        let mut deadline = None;
        // The first answer that left the outcome unknown: from then on, only another answer
        // that proves the outcome (201, or a duplicate) may replace it.
        let mut unknown: Option<String> = None;
        let mut attempt = 1;
        loop {
            let slot = match deadline {
                None => self.pacer.acquire().await,
                Some(at) => match tokio::time::timeout_at(at, self.pacer.acquire()).await {
                    Ok(slot) => slot,
                    Err(_) => {
                        let waiting = Error::NotSent {
                            reason: "the deadline passed while waiting for the rate limits".into(),
                        };
                        return Err(give_up(unknown, waiting, &alternative_order_id));
                    }
                },
            };
            let at = *deadline.get_or_insert_with(|| Instant::now() + self.deadline);
            tracing::debug!(%product, %alternative_order_id, attempt, "sending order");
            let timeout = self
                .timeout
                .min(at.saturating_duration_since(Instant::now()));
            let outcome = self
                .send_once(&url, &body, &alternative_order_id, &secrets, timeout)
                .await;
            drop(slot);
            let e = match outcome {
                Ok(response) => {
                    tracing::info!(%product, order_id = response.id, %alternative_order_id, "order placed");
                    return Ok(placed(Some(response), attempt));
                }
                Err(Error::DuplicateOrder { .. }) if unknown.is_some() => {
                    tracing::info!(%product, %alternative_order_id, attempt, "order placed: an earlier attempt created it (the resubmission was a duplicate)");
                    return Ok(placed(None, attempt));
                }
                Err(e) => e,
            };
            if let Error::RateLimited { retry_after, .. } = &e {
                // DigiCert's window is per key: every request of this client waits.
                self.pacer
                    .pause(retry_after.unwrap_or(self.retry.base_delay));
            }
            let send_again = if matches!(e, Error::OutcomeUnknown { .. }) {
                self.unique_alternative_order_ids
            } else {
                e.is_retryable()
            };
            if let Error::OutcomeUnknown { reason, .. } = &e
                && unknown.is_none()
            {
                unknown = Some(reason.clone());
            }
            if !send_again || attempt >= self.retry.max_attempts {
                tracing::warn!(%product, %alternative_order_id, attempt, error = %e, "order failed");
                return Err(give_up(unknown, e, &alternative_order_id));
            }
            let delay = self.retry.delay(attempt, e.retry_after());
            if Instant::now() + delay >= at {
                tracing::warn!(%product, %alternative_order_id, attempt, delay_ms = delay.as_millis() as u64, error = %e, "order failed: the next attempt would pass the deadline");
                return Err(give_up(unknown, e, &alternative_order_id));
            }
            tracing::warn!(%product, %alternative_order_id, attempt, delay_ms = delay.as_millis() as u64, error = %e, "retrying");
            tokio::time::sleep(delay).await;
            attempt += 1;
        }
    }

    async fn send_once(
        &self,
        url: &str,
        body: &[u8],
        alternative_order_id: &str,
        secrets: &[String],
        timeout: Duration,
    ) -> Result<OrderClientCertificateResponse, Error> {
        let unknown = |reason: String| Error::OutcomeUnknown {
            alternative_order_id: Some(alternative_order_id.to_string()),
            reason,
        };
        let sent = self
            .http
            .post(url)
            .header(CONTENT_TYPE, "application/json")
            .timeout(timeout)
            .body(body.to_vec())
            .send()
            .await;
        let mut response = match sent {
            Ok(r) => r,
            Err(e) if e.is_connect() => {
                return Err(Error::NotSent {
                    reason: describe(&e),
                });
            }
            Err(e) => {
                return Err(unknown(format!(
                    "the request was sent but {}",
                    describe(&e)
                )));
            }
        };
        let status = response.status().as_u16();
        let retry_after = response
            .headers()
            .get(RETRY_AFTER)
            .and_then(|v| v.to_str().ok())
            .and_then(parse_retry_after);
        let mut bytes = Vec::new();
        let mut complete = true;
        loop {
            match response.chunk().await {
                Ok(Some(chunk)) => {
                    let room = MAX_RESPONSE_BYTES - bytes.len();
                    bytes.extend_from_slice(&chunk[..chunk.len().min(room)]);
                    if chunk.len() > room {
                        complete = false;
                        break;
                    }
                }
                Ok(None) => break,
                Err(e) if (200..300).contains(&status) => {
                    return Err(unknown(format!(
                        "HTTP {status}, then the body was cut off: {}",
                        describe(&e)
                    )));
                }
                Err(_) => {
                    complete = false;
                    break;
                }
            }
        }
        decode_response(
            Response {
                status,
                retry_after,
                body: &bytes,
                complete,
            },
            alternative_order_id,
            &secrets.iter().map(String::as_str).collect::<Vec<_>>(),
        )
    }
}

/// The error an order call ends with. Once an attempt may have created the order (`unknown`
/// holds why), a later answer that proves nothing (a refusal, a 429, a connect failure) leaves
/// the outcome unknown: the call says so, with the first reason and the last answer.
fn give_up(unknown: Option<String>, last: Error, alternative_order_id: &str) -> Error {
    match (unknown, last) {
        (_, last @ Error::OutcomeUnknown { .. }) | (None, last) => last,
        (Some(first), last) => Error::OutcomeUnknown {
            alternative_order_id: Some(alternative_order_id.to_string()),
            reason: format!("{first}; sent again with the same alternative_order_id: {last}"),
        },
    }
}

/// `Retry-After` as seconds or as an HTTP date.
fn parse_retry_after(value: &str) -> Option<Duration> {
    let value = value.trim();
    value
        .parse::<u64>()
        .ok()
        .map(Duration::from_secs)
        .or_else(|| {
            httpdate::parse_http_date(value)
                .ok()
                .map(|at| at.duration_since(SystemTime::now()).unwrap_or_default())
        })
}

/// An HTTP answer to an order request, as read (at most [`MAX_RESPONSE_BYTES`] of the body).
#[derive(Debug, Clone, Copy)]
pub struct Response<'a> {
    /// The HTTP status.
    pub status: u16,
    /// The `Retry-After` the server sent, if any.
    pub retry_after: Option<Duration>,
    /// The body, or its first [`MAX_RESPONSE_BYTES`].
    pub body: &'a [u8],
    /// Whether `body` is the whole body.
    pub complete: bool,
}

/// Turns an answer to an order request into the order or the right [`Error`]; never panics,
/// whatever the server sent. `secrets` are redacted from any quoted body.
///
/// ```
/// use certcentral::{Error, Response, decode_response};
/// let ok = decode_response(
///     Response { status: 201, retry_after: None, body: br#"{"id":1,"requests":[{"id":2,"status":"pending"}]}"#, complete: true },
///     "alt1",
///     &[],
/// );
/// assert_eq!(ok.unwrap().id, 1);
/// let garbled = decode_response(Response { status: 201, retry_after: None, body: b"{\"id\":", complete: true }, "alt1", &[]);
/// assert!(matches!(garbled, Err(Error::OutcomeUnknown { .. })));
/// ```
pub fn decode_response(
    response: Response<'_>,
    alternative_order_id: &str,
    secrets: &[&str],
) -> Result<OrderClientCertificateResponse, Error> {
    let Response {
        status,
        retry_after,
        body,
        complete,
    } = response;
    let unknown = |reason: String| Error::OutcomeUnknown {
        alternative_order_id: Some(alternative_order_id.to_string()),
        reason,
    };
    let body = if complete {
        body
    } else {
        without_cut_secret(body, secrets)
    };
    match status {
        201 if complete => serde_json::from_slice(body).map_err(|e| {
            // serde_json's own message quotes the offending value: only its kind and place.
            unknown(format!(
                "HTTP 201 (created) with an unreadable body ({:?} error at line {} column {}): {}",
                e.classify(),
                e.line(),
                e.column(),
                snippet(body, secrets)
            ))
        }),
        200..=299 => Err(unknown(format!(
            "HTTP {status} with {}: {}",
            if complete {
                "an undocumented status"
            } else {
                "an oversized body"
            },
            snippet(body, secrets)
        ))),
        429 => Err(Error::RateLimited {
            retry_after,
            errors: parse_errors_redacted(body, secrets),
        }),
        400..=499 if !is_envelope(body) => Err(Error::UnexpectedResponse {
            status,
            snippet: snippet(body, secrets),
        }),
        400..=499 => {
            let errors = parse_errors_redacted(body, secrets);
            if errors
                .iter()
                .any(|e| e.base_code() == DUPLICATE_ALTERNATIVE_ORDER_ID)
            {
                Err(Error::DuplicateOrder {
                    alternative_order_id: alternative_order_id.to_string(),
                    errors,
                })
            } else {
                Err(Error::Api { status, errors })
            }
        }
        // CertCentral declining to process (maintenance) says when to come back, or answers
        // in its own envelope. A bare 503 is what a gateway sends when its upstream reset,
        // possibly after the order was committed: it is not proof that nothing was created.
        503 if retry_after.is_some() || is_envelope(body) => Err(Error::Unavailable {
            retry_after,
            snippet: snippet(body, secrets),
        }),
        500..=599 => Err(unknown(format!(
            "HTTP {status}: {}",
            snippet(body, secrets)
        ))),
        _ => Err(Error::UnexpectedResponse {
            status,
            snippet: snippet(body, secrets),
        }),
    }
}

/// A body cut at [`MAX_RESPONSE_BYTES`] may end in the first characters of a secret whose rest
/// was never read, and redaction cannot recognise a part. Its last bytes go, as many as the
/// longest secret (or card number) has: whatever straddled the cut is then gone whole.
fn without_cut_secret<'a>(body: &'a [u8], secrets: &[&str]) -> &'a [u8] {
    /// The longest card number (ISO/IEC 7812): a digit run redacted only when seen whole.
    const LONGEST_CARD_NUMBER: usize = 19;
    let longest = secrets
        .iter()
        .map(|s| s.len())
        .max()
        .unwrap_or(0)
        .max(LONGEST_CARD_NUMBER);
    &body[..body.len().saturating_sub(longest)]
}

/// Whether a body is DigiCert's error envelope (in any of the shapes `parse_errors` reads),
/// rather than, say, a proxy's HTML page.
fn is_envelope(body: &[u8]) -> bool {
    serde_json::from_slice::<serde_json::Value>(body)
        .is_ok_and(|v| v.get("errors").is_some() || v.get("code").is_some())
}

/// A transport error in words, without the URL (which is ours) or any header.
fn describe(e: &reqwest::Error) -> String {
    let what = if e.is_timeout() {
        "timed out"
    } else if e.is_connect() {
        "could not connect"
    } else if e.is_body() || e.is_decode() {
        "the body failed"
    } else {
        "the connection failed"
    };
    let mut source = std::error::Error::source(e);
    let mut causes = Vec::new();
    while let Some(s) = source {
        causes.push(s.to_string());
        source = s.source();
    }
    if causes.is_empty() {
        what.to_string()
    } else {
        format!("{what} ({})", causes.join(": "))
    }
}
