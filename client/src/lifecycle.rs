//! The order's life after the POST, one typed method per operation of the spec: look an order
//! up, list orders, find the orders of an alternative id, follow status changes, read and
//! decide a request, cancel an order, download its certificate, see its email validation.
//! Each is [`Client::call`] (paced, bounded, retried when safe) plus what the operation needs:
//! every page of a list, a missing alternative id read as "none", a refused status change read
//! against the current status.

use crate::Client;
use crate::error::Error;
use crate::types::{
    CertificateFormat, EmailValidation, NewOrderStatus, NewRequestStatus, OrderInfo, OrderList,
    OrderRef, OrderStatus, OrderSummary, RequestInfo, RequestStatus, UpdateOrderStatus,
    UpdateRequestStatus,
};
use std::time::Duration;

/// The most items DigiCert returns in one page (`limit`'s maximum).
pub const PAGE_LIMIT: i64 = 1000;

/// The longest time frame the status-change list covers (7 days).
pub const MAX_STATUS_CHANGE_WINDOW: Duration = Duration::from_secs(7 * 24 * 3600);

/// A query of the order list: filters, sort and page (DigiCert's `filters[…]`, `sort`,
/// `offset`, `limit`). Every filter is optional; all of them together narrow the list.
///
/// ```
/// use certcentral::{OrderQuery, types::OrderStatus};
/// let query = OrderQuery::default()
///     .email("alice@example.com")
///     .status(OrderStatus::Issued)
///     .product("client_premium")
///     .sort("-date_created");
/// assert_eq!(query.email.as_deref(), Some("alice@example.com"));
/// ```
#[derive(Debug, Clone, Default, PartialEq)]
#[non_exhaustive]
pub struct OrderQuery {
    /// Orders whose certificate secures this email address (`filters[email]`).
    pub email: Option<String>,
    /// Orders in this status (`filters[status]`).
    pub status: Option<OrderStatus>,
    /// Orders of this product, by its id (`filters[product_name_id]`, e.g. `client_premium`).
    pub product: Option<String>,
    /// Orders created on a day or in a range of days (`filters[date_created]`:
    /// `yyyy-MM-dd` or `yyyy-MM-dd...yyyy-MM-dd`).
    pub date_created: Option<String>,
    /// Orders whose email or common name is this (`filters[search]`; a leading `%` matches a
    /// part).
    pub search: Option<String>,
    /// The sort (`sort`: properties, comma-separated; a leading `-` sorts descending).
    pub sort: Option<String>,
    /// The index of the page's first order (`offset`, default 0).
    pub offset: Option<i64>,
    /// The most orders of the page (`limit`, at most [`PAGE_LIMIT`], the default).
    pub limit: Option<i64>,
}

impl OrderQuery {
    /// Sets [`OrderQuery::email`].
    pub fn email(mut self, email: impl Into<String>) -> Self {
        self.email = Some(email.into());
        self
    }

    /// Sets [`OrderQuery::status`].
    pub fn status(mut self, status: OrderStatus) -> Self {
        self.status = Some(status);
        self
    }

    /// Sets [`OrderQuery::product`].
    pub fn product(mut self, product: impl Into<String>) -> Self {
        self.product = Some(product.into());
        self
    }

    /// Sets [`OrderQuery::date_created`].
    pub fn date_created(mut self, days: impl Into<String>) -> Self {
        self.date_created = Some(days.into());
        self
    }

    /// Sets [`OrderQuery::search`].
    pub fn search(mut self, text: impl Into<String>) -> Self {
        self.search = Some(text.into());
        self
    }

    /// Sets [`OrderQuery::sort`].
    pub fn sort(mut self, sort: impl Into<String>) -> Self {
        self.sort = Some(sort.into());
        self
    }

    /// Sets [`OrderQuery::offset`].
    pub fn offset(mut self, offset: i64) -> Self {
        self.offset = Some(offset);
        self
    }

    /// Sets [`OrderQuery::limit`].
    pub fn limit(mut self, limit: i64) -> Self {
        self.limit = Some(limit);
        self
    }
}

impl Client {
    /// Order info: an order, its status, certificate (id, serial, validity, emails once
    /// issued), product and requests. Safe to repeat; retried on transient failures.
    ///
    /// ```no_run
    /// # async fn run(client: certcentral::Client) -> Result<(), certcentral::Error> {
    /// use certcentral::types::OrderStatus;
    /// let order = client.order_info(112233).await?;
    /// if order.status == OrderStatus::Issued {
    ///     let serial = order.certificate.and_then(|c| c.serial_number);
    ///     println!("issued, serial {serial:?}");
    /// }
    /// # Ok(()) }
    /// ```
    pub async fn order_info(&self, order_id: i64) -> Result<OrderInfo, Error> {
        self.call(|api| async move { api.order_info().id(order_id).send().await })
            .await
    }

    /// List orders: one page of the orders `query` selects, with the `page` that says where it
    /// sits. See [`Client::list_all_orders`] for every page.
    ///
    /// ```no_run
    /// # async fn run(client: certcentral::Client) -> Result<(), certcentral::Error> {
    /// use certcentral::{OrderQuery, types::OrderStatus};
    /// let page = client.list_orders(&OrderQuery::default().status(OrderStatus::Pending)).await?;
    /// for order in &page.orders {
    ///     println!("{} {}", order.id, order.status);
    /// }
    /// # Ok(()) }
    /// ```
    pub async fn list_orders(&self, query: &OrderQuery) -> Result<OrderList, Error> {
        self.call(|api| async move {
            let mut list = api.list_orders();
            if let Some(v) = &query.email {
                list = list.filters_email(v.clone());
            }
            if let Some(v) = &query.status {
                list = list.filters_status(v.clone());
            }
            if let Some(v) = &query.product {
                list = list.filters_product_name_id(v.clone());
            }
            if let Some(v) = &query.date_created {
                list = list.filters_date_created(v.clone());
            }
            if let Some(v) = &query.search {
                list = list.filters_search(v.clone());
            }
            if let Some(v) = &query.sort {
                list = list.sort(v.clone());
            }
            if let Some(v) = query.offset {
                list = list.offset(v);
            }
            if let Some(v) = query.limit {
                list = list.limit(v);
            }
            list.send().await
        })
        .await
    }

    /// Every order `query` selects, page after page of `query.limit` (default and at most
    /// [`PAGE_LIMIT`]) from `query.offset`: one call per thousand orders.
    ///
    /// ```no_run
    /// # async fn run(client: certcentral::Client) -> Result<(), certcentral::Error> {
    /// let mine = client.list_all_orders(&certcentral::OrderQuery::default().email("alice@example.com")).await?;
    /// println!("{} orders for alice", mine.len());
    /// # Ok(()) }
    /// ```
    pub async fn list_all_orders(&self, query: &OrderQuery) -> Result<Vec<OrderSummary>, Error> {
        let limit = query.limit.unwrap_or(PAGE_LIMIT).clamp(1, PAGE_LIMIT);
        let mut query = query.clone().limit(limit);
        let mut offset = query.offset.unwrap_or(0);
        let mut orders = Vec::new();
        loop {
            query.offset = Some(offset);
            let page = self.list_orders(&query).await?;
            let got = i64::try_from(page.orders.len()).unwrap_or(i64::MAX);
            orders.extend(page.orders);
            offset = offset.saturating_add(got);
            let total = page.page.map_or(0, |p| p.total);
            if got == 0 || offset >= total {
                return Ok(orders);
            }
        }
    }

    /// Get orders by alternative order ID: every order placed with `alternative_order_id`
    /// (several can share one unless the account requires unique ids), every page. None is
    /// `Ok` of an empty list, whether CertCentral answers an empty list or 404 `not_found`
    /// (the reference does not say which).
    ///
    /// ```no_run
    /// # async fn run(client: certcentral::Client) -> Result<(), certcentral::Error> {
    /// for order in client.orders_by_alternative_id("hr-2026-0042").await? {
    ///     println!("order {} is {}", order.order_id, order.status);
    /// }
    /// # Ok(()) }
    /// ```
    pub async fn orders_by_alternative_id(
        &self,
        alternative_order_id: &str,
    ) -> Result<Vec<OrderRef>, Error> {
        let mut orders = Vec::new();
        loop {
            let offset = i64::try_from(orders.len()).unwrap_or(i64::MAX);
            let page = self
                .call(|api| async move {
                    api.get_orders_by_alternative_id()
                        .alternative_order_id(alternative_order_id)
                        .offset(offset)
                        .limit(PAGE_LIMIT)
                        .send()
                        .await
                })
                .await;
            let page = match page {
                Ok(page) => page,
                Err(e) if is_not_found(&e) => return Ok(orders),
                Err(e) => return Err(e),
            };
            let got = page.orders.len();
            orders.extend(page.orders);
            let total = page.page.map_or(0, |p| p.total);
            if got == 0 || i64::try_from(orders.len()).unwrap_or(i64::MAX) >= total {
                return Ok(orders);
            }
        }
    }

    /// Order status changes: the orders whose status changed within the last `within` (at
    /// most [`MAX_STATUS_CHANGE_WINDOW`], 7 days), with their current status; one call for all
    /// of them. A `within` of less than a second, or over 7 days, is refused before anything
    /// is sent ([`Error::InvalidRequest`]).
    ///
    /// ```no_run
    /// # async fn run(client: certcentral::Client) -> Result<(), certcentral::Error> {
    /// let changed = client.status_changes(std::time::Duration::from_secs(600)).await?;
    /// for order in changed {
    ///     println!("order {} is now {}", order.order_id, order.status);
    /// }
    /// # Ok(()) }
    /// ```
    pub async fn status_changes(&self, within: Duration) -> Result<Vec<OrderRef>, Error> {
        let secs = within.as_secs();
        if secs == 0 || within > MAX_STATUS_CHANGE_WINDOW {
            return Err(Error::InvalidRequest(format!(
                "status_changes: the time frame must be from 1 second to 7 days, got {within:?}"
            )));
        }
        // `minutes` and `seconds` add up; both fit an i32 within 7 days.
        let (minutes, seconds) = ((secs / 60) as i32, (secs % 60) as i32);
        let changes = self
            .call(|api| async move {
                let mut changes = api.order_status_changes();
                if minutes > 0 {
                    changes = changes.minutes(minutes);
                }
                if seconds > 0 {
                    changes = changes.seconds(seconds);
                }
                changes.send().await
            })
            .await?;
        Ok(changes.orders)
    }

    /// Email validation status: each email address of a client certificate order, whether the
    /// recipient validated it, and when DigiCert emailed them.
    ///
    /// ```no_run
    /// # async fn run(client: certcentral::Client) -> Result<(), certcentral::Error> {
    /// for email in client.email_validation(112233).await?.emails {
    ///     println!("{}: {}", email.email, email.status);
    /// }
    /// # Ok(()) }
    /// ```
    pub async fn email_validation(&self, order_id: i64) -> Result<EmailValidation, Error> {
        self.call(|api| async move {
            api.email_validation_status()
                .order_id(order_id)
                .send()
                .await
        })
        .await
    }

    /// Request info: a request (an order's approval step), its type and status.
    ///
    /// ```no_run
    /// # async fn run(client: certcentral::Client) -> Result<(), certcentral::Error> {
    /// let request = client.request_info(113).await?;
    /// println!("request {} is {}", request.id, request.status);
    /// # Ok(()) }
    /// ```
    pub async fn request_info(&self, request_id: i64) -> Result<RequestInfo, Error> {
        self.call(|api| async move { api.request_info().request_id(request_id).send().await })
            .await
    }

    /// Approves a pending request (on accounts where orders need an administrator's approval),
    /// with an optional comment. A request that is already approved is what was asked for:
    /// `Ok` (a repeat after a lost answer, or another administrator, approved it). A request
    /// that cannot be approved (rejected) is [`Error::NotAllowed`] with its status.
    ///
    /// ```no_run
    /// # async fn run(client: certcentral::Client) -> Result<(), certcentral::Error> {
    /// client.approve_request(113, Some("approved by the HR import")).await?;
    /// # Ok(()) }
    /// ```
    pub async fn approve_request(
        &self,
        request_id: i64,
        comment: Option<&str>,
    ) -> Result<(), Error> {
        self.decide_request(request_id, NewRequestStatus::Approved, comment)
            .await
    }

    /// Rejects a pending request, with an optional comment; like [`Client::approve_request`],
    /// a request already rejected is `Ok`, one that cannot be rejected is
    /// [`Error::NotAllowed`].
    pub async fn reject_request(
        &self,
        request_id: i64,
        comment: Option<&str>,
    ) -> Result<(), Error> {
        self.decide_request(request_id, NewRequestStatus::Rejected, comment)
            .await
    }

    async fn decide_request(
        &self,
        request_id: i64,
        status: NewRequestStatus,
        comment: Option<&str>,
    ) -> Result<(), Error> {
        let body = UpdateRequestStatus {
            status,
            processor_comment: comment.map(str::to_string),
        };
        let wanted = match status {
            NewRequestStatus::Rejected => RequestStatus::Rejected,
            _ => RequestStatus::Approved,
        };
        let changed = self
            .call(|api| {
                let body = body.clone();
                async move {
                    api.update_request_status()
                        .request_id(request_id)
                        .body(body)
                        .send()
                        .await
                }
            })
            .await;
        self.settle(changed, format!("{status} request {request_id}"), async {
            let request = self.request_info(request_id).await?;
            Ok((request.status == wanted, request.status.to_string()))
        })
        .await
    }

    /// Cancels an order, with the note DigiCert requires. Only an order that is `pending` or
    /// `waiting_pickup` can be canceled (its certificate not issued); one already canceled is
    /// what was asked for: `Ok`. Any other is [`Error::NotAllowed`] with its status (an issued
    /// order is revoked, not canceled). An empty note is refused before anything is sent.
    ///
    /// ```no_run
    /// # async fn run(client: certcentral::Client) -> Result<(), certcentral::Error> {
    /// client.cancel_order(112234, "ordered twice by mistake").await?;
    /// # Ok(()) }
    /// ```
    pub async fn cancel_order(&self, order_id: i64, note: &str) -> Result<(), Error> {
        if note.trim().is_empty() {
            return Err(Error::InvalidRequest(
                "cancel_order: a cancellation needs a note (why the order is canceled)".into(),
            ));
        }
        let body = UpdateOrderStatus {
            status: NewOrderStatus::Canceled,
            note: Some(note.to_string()),
        };
        let changed = self
            .call(|api| {
                let body = body.clone();
                async move {
                    api.update_order_status()
                        .order_id(order_id)
                        .body(body)
                        .send()
                        .await
                }
            })
            .await;
        self.settle(changed, format!("cancel order {order_id}"), async {
            let order = self.order_info(order_id).await?;
            Ok((
                order.status == OrderStatus::Canceled,
                order.status.to_string(),
            ))
        })
        .await
    }

    /// A status change's result: a refusal (other than "not found") is read against the
    /// current status (`current`: whether it already is what was asked, and what it is), so
    /// that a change already made is `Ok` and any other refusal says why.
    async fn settle(
        &self,
        changed: Result<(), Error>,
        action: String,
        current: impl std::future::Future<Output = Result<(bool, String), Error>>,
    ) -> Result<(), Error> {
        let errors = match changed {
            Err(Error::Api { status, errors }) if status != 404 => errors,
            other => return other,
        };
        let (done, current) = current.await?;
        if done {
            tracing::info!(%action, "already done: the refusal was for a change made before");
            return Ok(());
        }
        Err(Error::NotAllowed {
            action,
            current,
            errors,
        })
    }

    /// Download a certificate by order ID: the order's active certificate in `format`, as
    /// CertCentral sends it (PEM text for `pem_*`, PEM-armoured PKCS#7 for `p7b` and `cer`, a
    /// ZIP archive for the others). An order without an issued certificate is an
    /// [`Error::Api`].
    ///
    /// ```no_run
    /// # async fn run(client: certcentral::Client) -> Result<(), certcentral::Error> {
    /// use certcentral::types::CertificateFormat;
    /// let pem = client.download_certificate(112233, CertificateFormat::PemAll).await?;
    /// std::fs::write("alice.pem", pem).expect("written");
    /// # Ok(()) }
    /// ```
    pub async fn download_certificate(
        &self,
        order_id: i64,
        format: CertificateFormat,
    ) -> Result<Vec<u8>, Error> {
        use futures_util::TryStreamExt;
        let stream = self
            .call(|api| async move {
                api.download_certificate_by_order()
                    .order_id(order_id)
                    .format_type(format)
                    .send()
                    .await
            })
            .await?;
        // The body was read (and bounded) before progenitor saw it: this reads memory.
        let chunks: Vec<bytes::Bytes> =
            stream
                .into_inner()
                .try_collect()
                .await
                .map_err(|e| Error::NoAnswer {
                    operation: "download_certificate_by_order",
                    reason: format!("the body could not be read: {e}"),
                    source: Some(Box::new(e)),
                })?;
        Ok(chunks.concat())
    }
}

/// A 404 `not_found`: what CertCentral may answer for an alternative id no order has.
fn is_not_found(e: &Error) -> bool {
    matches!(e, Error::Api { status: 404, errors } if errors.is_empty() || errors.iter().any(|e| e.base_code() == "not_found"))
}
