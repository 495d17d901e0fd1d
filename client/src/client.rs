//! The client and its order loop: validate once, pace, send through the wire layer, retry only
//! what certainly created nothing (or, with unique alternative ids declared, resubmit what may
//! have), within the deadline.

use crate::config::{ClientBuilder, Config};
use crate::error::Error;
use crate::lookup::Settled;
use crate::retry::{Attempts, Next};
use crate::secret::ApiKey;
use crate::transport::{self, Attempt};
use crate::types::{
    ClientCertificateId, OrderClientCertificateRequest, OrderClientCertificateResponse,
};
use crate::validation::ClientCertificateOrder;
use certcentral_table::Violation;
use futures_util::StreamExt;
use std::sync::Arc;

/// A CertCentral client for ordering client certificates.
///
/// Cloning is cheap: a client is one shared, checked configuration (the connection pool and
/// the pacer included), built once by [`ClientBuilder::build`].
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
    pub(crate) inner: Arc<Config>,
}

/// A placed order.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
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
    /// The answer was lost, and the order was found by its alternative id (created by this
    /// call): `response` is what order info says of it.
    pub found_by_lookup: bool,
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
        ClientBuilder::new(api_key)
    }

    pub(crate) fn from_config(config: Config) -> Client {
        Client {
            inner: Arc::new(config),
        }
    }

    /// The base URL requests go to.
    pub fn base_url(&self) -> &str {
        &self.inner.settings.base_url
    }

    /// Submits an order built with `#[derive(ClientCertificateOrder)]`.
    ///
    /// The conversion checks what only run time can know (empty lists, malformed addresses,
    /// values from variables) before anything is sent.
    pub async fn submit<O: ClientCertificateOrder + ?Sized>(
        &self,
        order: &O,
    ) -> Result<PlacedOrder, Error> {
        // Validated once, by `order`, which also logs its warnings.
        let request = order.__request()?;
        self.order(O::PRODUCT, &request).await
    }

    /// Submits many orders, at most `concurrency` at a time and paced under the client's rate
    /// limits; returns one result per order, in input order.
    ///
    /// ```no_run
    /// use certcentral::types::{ClientCertificateId, OrderClientCertificateRequest};
    /// # async fn run() -> Result<(), Box<dyn std::error::Error>> {
    /// let client = certcentral::Client::builder(certcentral::ApiKey::from_env("DIGICERT_API_KEY").ok_or("no key")?).build()?;
    /// let mut batch = Vec::new();
    /// for email in ["ann@example.com", "bob@example.com", "cy@example.com"] {
    ///     let order: OrderClientCertificateRequest = serde_json::from_value(serde_json::json!({
    ///         "certificate": { "emails": [email], "signature_hash": "sha256" },
    ///         "order_validity": { "years": 1 }
    ///     }))?;
    ///     batch.push((ClientCertificateId::Class1Smime, order));
    /// }
    /// for result in client.order_many(batch, 8).await {
    ///     match result {
    ///         Ok(placed) => println!("order {:?}", placed.order_id()),
    ///         Err(e) => eprintln!("{e}"),
    ///     }
    /// }
    /// # Ok(()) }
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
    ///
    /// Each call is one `tracing` span, `order` (target `certcentral::order`, level INFO),
    /// with the fields `product`, `alternative_order_id`, `attempt` (the latest) and `outcome`
    /// (`placed`, `found` (by its alternative id, after a lost answer), `exists`, `invalid`,
    /// `unknown` or `failed`, recorded when the call ends).
    pub async fn order(
        &self,
        product: ClientCertificateId,
        request: &OrderClientCertificateRequest,
    ) -> Result<PlacedOrder, Error> {
        use tracing::Instrument;
        let span = tracing::info_span!(
            target: "certcentral::order",
            "order",
            %product,
            alternative_order_id = tracing::field::Empty,
            attempt = tracing::field::Empty,
            outcome = tracing::field::Empty,
        );
        let result = self.place(product, request).instrument(span.clone()).await;
        let outcome = match &result {
            Ok(placed) if placed.found_by_lookup => "found",
            Ok(placed) if placed.response.is_some() => "placed",
            Ok(_) => "exists",
            Err(Error::InvalidOrder(_)) => "invalid",
            Err(e) if e.may_have_created_order() => "unknown",
            Err(_) => "failed",
        };
        span.record("outcome", outcome);
        result
    }

    async fn place(
        &self,
        product: ClientCertificateId,
        request: &OrderClientCertificateRequest,
    ) -> Result<PlacedOrder, Error> {
        let mut request = request.clone();
        let alternative_order_id = request
            .alternative_order_id
            .get_or_insert_with(crate::random::alternative_order_id)
            .clone();
        let span = tracing::Span::current();
        span.record("alternative_order_id", alternative_order_id.as_str());
        // Every order is validated on its way out: no public path skips it.
        let warnings = crate::validation::validate(product, &request)?;
        for w in &warnings {
            tracing::warn!(rule = w.rule, param = %w.path, "{}", w.message);
        }
        // Holds card data when paid by card: wiped when the call ends.
        let body = zeroize::Zeroizing::new(
            serde_json::to_vec(&request)
                .map_err(|e| Error::Config(format!("the order does not serialize: {e}")))?,
        );
        // Whatever the server echoes back, these never reach an error message.
        let card = request.credit_card.as_ref();
        let cvv = card.map(|c| zeroize::Zeroizing::new(c.cvv.expose().to_string()));
        let secrets: Vec<&str> = [
            Some(self.inner.api_key.expose()),
            card.map(|c| c.number.expose()),
            cvv.as_ref().map(|c| c.as_str()),
        ]
        .into_iter()
        .flatten()
        .collect();
        let order = Order {
            product,
            alternative_order_id: &alternative_order_id,
            body: &body,
            secrets: &secrets,
            warnings: &warnings,
        };
        self.send_order(&order).await
    }

    /// The order loop: attempts until one is answered, the policy or the deadline stops it,
    /// or CertCentral tells what became of the order (a duplicate, or the lookup by its
    /// alternative id after an outcome left unknown).
    async fn send_order(&self, order: &Order<'_>) -> Result<PlacedOrder, Error> {
        let (product, alternative_order_id) = (order.product, order.alternative_order_id);
        let span = tracing::Span::current();
        let settings = &self.inner.settings;
        let began = std::time::SystemTime::now();
        let mut attempts = Attempts::new(
            settings.retry,
            settings.unique_alternative_order_ids,
            settings.deadline,
            Some(alternative_order_id),
        );
        loop {
            let attempt = attempts.number();
            span.record("attempt", attempt);
            let e = match self.attempt(order, &mut attempts).await {
                Ok(response) => {
                    tracing::info!(%product, order_id = response.id, %alternative_order_id, "order placed");
                    return Ok(order.placed(Some(response), attempt, false));
                }
                Err(e) => e,
            };
            if let Error::DuplicateOrder { .. } = &e {
                // An order with this id exists: this call's (an attempt whose answer was lost)
                // or an older one. CertCentral says which.
                let proven = attempts.proves_the_order_exists(&e);
                return match self.settle_duplicate(e, proven, began, &attempts).await? {
                    Some(info) => {
                        tracing::info!(%product, order_id = info.id, %alternative_order_id, attempt, "order placed: an earlier attempt created it (found by its alternative id)");
                        Ok(order.placed(crate::lookup::as_answer(&info), attempt, true))
                    }
                    None => {
                        tracing::info!(%product, %alternative_order_id, attempt, "order placed: an earlier attempt created it (the resubmission was a duplicate)");
                        Ok(order.placed(None, attempt, false))
                    }
                };
            }
            match attempts.after(e, &self.inner.pacer) {
                Next::Retry(delay, e) => {
                    tracing::warn!(%product, %alternative_order_id, attempt, delay_ms = delay.as_millis() as u64, error = %e, "retrying");
                    tokio::time::sleep(delay).await;
                }
                Next::Stop(why, e) if e.may_have_created_order() => {
                    tracing::warn!(%product, %alternative_order_id, attempt, error = %e, "{}; looking it up by its alternative id", why.describe());
                    match self.settle_unknown(e, began, &mut attempts).await {
                        Settled::Found(info) => {
                            tracing::info!(%product, order_id = info.id, %alternative_order_id, attempt, "order placed (found by its alternative id)");
                            return Ok(order.placed(
                                crate::lookup::as_answer(&info),
                                attempt,
                                true,
                            ));
                        }
                        Settled::Resend => {
                            tracing::warn!(%product, %alternative_order_id, attempt, "no order found for the time asked: sent again with the same alternative id");
                        }
                        Settled::Failed(e) => return Err(e),
                    }
                }
                Next::Stop(why, e) => {
                    tracing::warn!(%product, %alternative_order_id, attempt, error = %e, "{}", why.describe());
                    return Err(e);
                }
            }
        }
    }

    /// One attempt: a slot under this process's rate limits (waited for only until the
    /// deadline, once it runs), the call's clock started, the fleet's slot, then the request.
    async fn attempt(
        &self,
        order: &Order<'_>,
        attempts: &mut Attempts<'_>,
    ) -> Result<OrderClientCertificateResponse, Error> {
        let pacer = &self.inner.pacer;
        let slot = pacer.acquire(attempts.deadline()).await?;
        let slot = slot.shared(attempts.start()).await?;
        let outcome = transport::send(Attempt {
            http: &self.inner.http,
            base_url: &self.inner.settings.base_url,
            product: order.product,
            body: order.body,
            alternative_order_id: order.alternative_order_id,
            secrets: order.secrets,
            timeout: attempts.timeout(self.inner.settings.timeout),
        })
        .await;
        slot.finish().await;
        outcome
    }
}

/// An order on its way: checked, serialized, with what its errors must not quote.
struct Order<'a> {
    product: ClientCertificateId,
    alternative_order_id: &'a str,
    body: &'a [u8],
    secrets: &'a [&'a str],
    warnings: &'a [Violation],
}

impl Order<'_> {
    fn placed(
        &self,
        response: Option<OrderClientCertificateResponse>,
        attempts: u32,
        found_by_lookup: bool,
    ) -> PlacedOrder {
        PlacedOrder {
            product: self.product,
            response,
            alternative_order_id: self.alternative_order_id.to_string(),
            warnings: self.warnings.to_vec(),
            attempts,
            found_by_lookup,
        }
    }
}
