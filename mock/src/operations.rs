//! What each operation decides, as a [`Reply`]: the order (validated by the spec's rules and
//! created), and the order's life after it (looked up, listed, followed, approved, canceled,
//! downloaded). Every body is built from the generated response types the client decodes; a
//! refusal is DigiCert's error envelope. An operation of the spec the mock has no handler for
//! answers `not_found|route`, as DigiCert answers a route it does not know.

use crate::LedgerEntry;
use crate::answers::Reply;
use crate::ca::{Key, Leaf};
use crate::dates;
use crate::lifecycle::{self, Action, Certificate, Life, Subject, Validity};
use crate::state::{Order, Shared, State};
use axum::http::StatusCode;
use bytes::Bytes;
use certcentral_table::Operation;
use certcentral_table::responses::{
    ApiError, CertificateFormat, NewOrderStatus, NewRequestStatus, OrderStatus, RequestStatus,
    RequestType, UpdateOrderStatus, UpdateRequestStatus, builder,
};
use serde_json::Value;
use std::collections::HashMap;
use std::time::{Duration, SystemTime};

/// A routed request, read.
pub(crate) struct Call {
    pub(crate) operation: &'static Operation<'static>,
    /// The path parameters, decoded.
    pub(crate) params: Vec<(&'static str, String)>,
    /// The query parameters, decoded.
    pub(crate) query: Vec<(String, String)>,
    pub(crate) body: Bytes,
}

impl Call {
    fn param(&self, name: &str) -> &str {
        self.params
            .iter()
            .find(|(n, _)| *n == name)
            .map_or("", |(_, v)| v.as_str())
    }

    fn query(&self, name: &str) -> Option<&str> {
        self.query
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    /// A path parameter that is an id.
    fn id(&self, name: &str) -> Result<i64, Reply> {
        self.param(name).parse().map_err(|_| {
            Reply::error(
                StatusCode::BAD_REQUEST,
                &format!("invalid_request|{name}"),
                &format!("`{name}` must be an integer."),
            )
        })
    }

    /// The JSON body as `T`.
    fn body<T: serde::de::DeserializeOwned>(&self) -> Result<T, Reply> {
        serde_json::from_slice(&self.body).map_err(|e| {
            Reply::error(
                StatusCode::BAD_REQUEST,
                "invalid_json",
                &format!(
                    "The request body is not what {} takes: {e}",
                    self.operation.id
                ),
            )
        })
    }
}

/// Runs the operation.
pub(crate) fn run(shared: &Shared, call: &Call) -> Reply {
    let result = match call.operation.id {
        certcentral_table::ORDER_OPERATION => order(shared, call),
        "order_info" => order_info(shared, call),
        "list_orders" => list_orders(shared, call),
        "get_orders_by_alternative_id" => lookup(shared, call),
        "order_status_changes" => status_changes(shared, call),
        "update_order_status" => update_order_status(shared, call),
        "email_validation_status" => email_validation(shared, call),
        "request_info" => request_info(shared, call),
        "update_request_status" => update_request_status(shared, call),
        "download_certificate_by_order" => download(shared, call),
        other => Err(Reply::error(
            StatusCode::NOT_FOUND,
            "not_found|route",
            &format!("The mock does not implement `{other}` yet."),
        )),
    };
    result.unwrap_or_else(|refusal| refusal)
}

/// The reply of a body the mock could not build (the spec added a required field it does not
/// fill): answered as DigiCert answers a failure of its own.
fn unbuildable(e: impl std::fmt::Display) -> Reply {
    tracing::error!(error = %e, "mock: cannot build the answer");
    Reply::html(
        StatusCode::INTERNAL_SERVER_ERROR,
        "Internal Server Error",
        None,
    )
}

fn not_found(what: &str, id: i64) -> Reply {
    Reply::error(
        StatusCode::NOT_FOUND,
        &format!("not_found|{what}"),
        &format!("The {what} {id} was not found."),
    )
}

fn ok(body: Result<impl serde::Serialize, impl std::fmt::Display>) -> Result<Reply, Reply> {
    body.map(|b| Reply::json(StatusCode::OK, &b))
        .map_err(unbuildable)
}

// --- the order ------------------------------------------------------------------------------

/// Places an order: checked (the product, the JSON, every rule, the CSR), created (the
/// alternative id's uniqueness when the account requires it, then the order and its life),
/// answered.
fn order(shared: &Shared, call: &Call) -> Result<Reply, Reply> {
    let (product, body) = checked_order(call)?;
    let entry = create_order(shared, call, product, &body)?;
    shared.notify();
    tracing::debug!(order_id = entry.order_id, product = %entry.product, "mock: order created");
    order_created(&entry)
}

/// The order's product (the path's one parameter) and body, as DigiCert checks them before
/// anything is created.
fn checked_order(call: &Call) -> Result<(&str, Value), Reply> {
    let product = call.params.first().map_or("", |(_, v)| v.as_str());
    if certcentral_table::product(product).is_none() {
        let nearest = certcentral_table::nearest(
            product,
            certcentral_table::TABLE.products.iter().map(|p| p.id),
        )
        .map_or(String::new(), |n| format!(" Did you mean `{n}`?"));
        return Err(Reply::error(
            StatusCode::NOT_FOUND,
            "not_found|product",
            &format!("Product `{product}` was not found.{nearest}"),
        ));
    }
    let body: Value = call.body()?;
    let report = certcentral_table::validate(product, &body);
    if !report.is_valid() {
        let list = report
            .violations
            .iter()
            .map(|v| ApiError {
                code: format!("invalid_request|{}", v.rule),
                message: format!("{}: {}", v.path, v.message),
            })
            .collect();
        return Err(Reply::errors(StatusCode::BAD_REQUEST, list));
    }
    Ok((product, body))
}

/// Creates the order under the state lock (refusing a second order with an alternative id
/// when the account requires unique ones), records it and appends it to the ledger file.
fn create_order(
    shared: &Shared,
    call: &Call,
    product: &str,
    body: &Value,
) -> Result<LedgerEntry, Reply> {
    let subject = subject(body)?;
    let alternative_order_id = body
        .get("alternative_order_id")
        .and_then(Value::as_str)
        .map(String::from);
    let skip_approval = body
        .get("skip_approval")
        .and_then(Value::as_bool)
        .unwrap_or(false);
    let renewal_of = body.get("renewal_of_order_id").and_then(Value::as_i64);
    let new_org = body
        .get("organization")
        .is_some_and(|o| o.get("id").is_none_or(Value::is_null));
    let config = &shared.config;
    let now = shared.clock.now();
    let mut state = shared.state();
    if let Some(id) = &alternative_order_id
        && config.unique_alternative_order_ids
        && state.by_alternative_id.contains_key(id)
    {
        return Err(Reply::error(
            StatusCode::BAD_REQUEST,
            "duplicate_alternative_order_id",
            &format!("An order with alternative_order_id `{id}` already exists."),
        ));
    }
    let life = Life::new(now, subject, skip_approval, config.prevalidated);
    let created_organization_id = new_org.then(|| {
        state.next_organization_id += 1;
        state.next_organization_id - 1
    });
    let entry = LedgerEntry {
        order_id: state.next_order_id,
        request_id: state.next_request_id,
        product: product.to_string(),
        status: life.request_status.clone(),
        certificate_id: (life.request_status == RequestStatus::Approved)
            .then_some(state.next_request_id),
        created_organization_id,
        alternative_order_id,
        // Valid JSON is valid UTF-8; kept as text, a fraction of a parsed value's size.
        body: String::from_utf8_lossy(&call.body).into(),
        created_at: now,
    };
    state.next_order_id += 1;
    state.next_request_id += 1;
    if let Some(old) = renewal_of.and_then(|id| state.order(id)) {
        old.life.renewed = true;
    }
    state.record_order(Order {
        entry: entry.clone(),
        life,
    });
    // Under the state lock: the file lists orders in the order they were created.
    shared.append_to_ledger_file(&entry);
    Ok(entry)
}

/// The answer to an order created: its id, its request and its status, the new organization's
/// id and the certificate id when it was approved at once.
fn order_created(entry: &LedgerEntry) -> Result<Reply, Reply> {
    let request = builder::OrderRequest::default()
        .id(entry.request_id)
        .status(entry.status.clone());
    let organization = entry
        .created_organization_id
        .map(|id| builder::CreatedOrganization::default().id(id).try_into())
        .transpose()
        .map_err(unbuildable)?;
    let created: Result<certcentral_table::responses::OrderClientCertificateResponse, _> =
        request.try_into().and_then(|request| {
            builder::OrderClientCertificateResponse::default()
                .id(entry.order_id)
                .requests(vec![request])
                .organization(organization)
                .certificate_id(entry.certificate_id)
                .try_into()
        });
    created
        .map(|c| Reply::json(StatusCode::CREATED, &c))
        .map_err(unbuildable)
}

/// What an order body asks to be certified; a CSR that does not parse is refused now, as
/// DigiCert refuses it.
fn subject(body: &Value) -> Result<Subject, Reply> {
    let certificate = &body["certificate"];
    let text = |v: &Value| v.as_str().map(str::to_string);
    let validity = &body["order_validity"];
    let validity = if let Some(day) = validity["custom_expiration_date"]
        .as_str()
        .and_then(dates::parse_custom_expiration)
    {
        Validity::Until(day)
    } else if let Some(days) = validity["days"].as_u64() {
        Validity::Days(u32::try_from(days).unwrap_or(u32::MAX))
    } else {
        Validity::Years(validity["years"].as_u64().map_or(1, |y| y as u32))
    };
    let csr = text(&certificate["csr"]);
    if let Some(pem) = &csr
        && let Err(why) = crate::ca::check_csr(pem)
    {
        return Err(Reply::error(
            StatusCode::BAD_REQUEST,
            "invalid_csr",
            &format!("The CSR cannot be used: {why}."),
        ));
    }
    Ok(Subject {
        common_name: text(&certificate["common_name"]),
        emails: certificate["emails"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
            .map(|e| e.trim().to_string())
            .collect(),
        organization_id: body["organization"]["id"].as_i64(),
        has_organization: body.get("organization").is_some(),
        csr,
        validity,
    })
}

// --- the order's life -----------------------------------------------------------------------

/// Moves every order along what time brought until now.
fn refresh_all(shared: &Shared, state: &mut State) {
    let now = shared.clock.now();
    let State {
        orders, mailboxes, ..
    } = state;
    for order in orders.iter_mut() {
        refresh(shared, mailboxes, order, now);
    }
}

/// Moves one order along what time brought until `now`: validation, issuance (signed by the
/// mock's CA), the browser step, expiry.
pub(crate) fn refresh(
    shared: &Shared,
    mailboxes: &HashMap<String, SystemTime>,
    order: &mut Order,
    now: SystemTime,
) {
    let life = &mut order.life;
    if matches!(
        life.status,
        OrderStatus::Rejected | OrderStatus::Canceled | OrderStatus::Expired
    ) {
        return;
    }
    let validated = validated_at(shared, mailboxes, life);
    let order_id = order.entry.order_id;
    life.progress(now, validated, shared.config.issue_after, |subject, at| {
        issue(shared, order_id, subject, at)
    });
}

/// When an order's subject was validated, if it is: on a prevalidated account, or for the
/// validated organization and domain, when it was placed; for an order without an
/// organization (Class 1), when its last mailbox was validated.
fn validated_at(
    shared: &Shared,
    mailboxes: &HashMap<String, SystemTime>,
    life: &Life,
) -> Option<SystemTime> {
    let subject = &life.subject;
    if shared.config.prevalidated {
        return Some(life.created_at);
    }
    if subject.has_organization {
        return subject
            .is_organization_validated()
            .then_some(life.created_at);
    }
    let times: Option<Vec<SystemTime>> = subject
        .emails
        .iter()
        .map(|e| mailboxes.get(&e.to_lowercase()).copied())
        .collect();
    times?.into_iter().max()
}

/// The order's certificate, signed now by the mock's CA.
fn issue(
    shared: &Shared,
    order_id: i64,
    subject: &Subject,
    at: SystemTime,
) -> Result<Certificate, String> {
    let not_after = lifecycle::not_after(subject.validity, at);
    // A serial of 16 random bytes, positive.
    let mut serial = vec![0u8; 16];
    ring::rand::SecureRandom::fill(&ring::rand::SystemRandom::new(), &mut serial)
        .map_err(|_| "no randomness for a serial number".to_string())?;
    serial[0] &= 0x7f;
    serial[0] |= 0x01;
    let issued = shared.ca.issue(&Leaf {
        key: subject.csr.as_deref().map_or(Key::Browser, Key::Csr),
        common_name: subject.certified_name(),
        emails: &subject.emails,
        not_before: at,
        not_after,
        serial,
    })?;
    tracing::debug!(order_id, serial = %issued.serial, "mock: certificate issued");
    Ok(Certificate {
        der: issued.der,
        serial: issued.serial,
        not_before: at,
        not_after,
    })
}

/// Runs `f` on the order with this id, brought up to date; `not_found|order` when the ledger
/// does not hold it.
fn with_order<T>(
    shared: &Shared,
    order_id: i64,
    f: impl FnOnce(&mut Order, SystemTime) -> T,
) -> Result<T, Reply> {
    with_refreshed(shared, By::Order, order_id, |order, _, now| f(order, now))
}

/// What an order is found by.
#[derive(Clone, Copy)]
enum By {
    Order,
    Request,
}

/// Runs `f` on the order found by `by` with this id, brought up to date on the mock's clock,
/// with the validated mailboxes; `not_found|order` (or `|request`) when the ledger does not
/// hold it.
fn with_refreshed<T>(
    shared: &Shared,
    by: By,
    id: i64,
    f: impl FnOnce(&mut Order, &HashMap<String, SystemTime>, SystemTime) -> T,
) -> Result<T, Reply> {
    let now = shared.clock.now();
    let mut state = shared.state();
    let State {
        orders, mailboxes, ..
    } = &mut *state;
    let found = match by {
        By::Order => orders.find_mut(id, |o| o.entry.order_id),
        By::Request => orders.find_mut(id, |o| o.entry.request_id),
    };
    let order = found.ok_or_else(|| {
        not_found(
            match by {
                By::Order => "order",
                By::Request => "request",
            },
            id,
        )
    })?;
    refresh(shared, mailboxes, order, now);
    Ok(f(order, mailboxes, now))
}

fn order_info(shared: &Shared, call: &Call) -> Result<Reply, Reply> {
    // The path also takes a certificate's serial number or thumbprint, which the mock's
    // orders are never looked up by: not found.
    let Ok(id) = call.param("id").parse::<i64>() else {
        return Err(Reply::error(
            StatusCode::NOT_FOUND,
            "not_found|order",
            "No order has this id, serial number or thumbprint.",
        ));
    };
    ok(with_order(shared, id, |order, now| info(order, now))?)
}

/// An order as order info answers it.
fn info(
    order: &Order,
    now: SystemTime,
) -> Result<
    certcentral_table::responses::OrderInfo,
    certcentral_table::responses::error::ConversionError,
> {
    let (entry, life) = (&order.entry, &order.life);
    let request = builder::OrderInfoRequest::default()
        .id(entry.request_id)
        .date(Some(dates::iso(life.created_at)))
        .type_(Some(RequestType::NewRequest))
        .status(Some(life.request_status.clone()));
    builder::OrderInfo::default()
        .id(entry.order_id)
        .status(life.status.clone())
        .date_created(Some(dates::iso(life.created_at)))
        .alternative_order_id(entry.alternative_order_id.clone())
        .certificate(Some(certificate(order, now).try_into()?))
        .product(Some(product(&entry.product).try_into()?))
        .organization(
            life.subject
                .organization_id
                .or(entry.created_organization_id)
                .map(|id| {
                    builder::OrderOrganization::default()
                        .id(Some(id))
                        .try_into()
                })
                .transpose()?,
        )
        .requests(vec![request.try_into()?])
        .is_renewed(Some(life.renewed))
        .renewed_order_id(entry.json()["renewal_of_order_id"].as_i64())
        .validity_years(match life.subject.validity {
            Validity::Years(y) => i32::try_from(y).ok(),
            _ => None,
        })
        .try_into()
}

/// The order's certificate: what it will certify, and once issued its serial and validity.
fn certificate(order: &Order, now: SystemTime) -> builder::OrderCertificate {
    let (entry, life) = (&order.entry, &order.life);
    let signature_hash = entry.json()["certificate"]["signature_hash"]
        .as_str()
        .map(str::to_string);
    let mut c = builder::OrderCertificate::default()
        .id(Some(entry.request_id))
        .common_name(Some(life.subject.certified_name().to_string()))
        .emails(life.subject.emails.clone())
        .date_created(Some(dates::iso(life.created_at)))
        .signature_hash(signature_hash);
    if let Some(issued) = &life.certificate {
        let remaining = issued
            .not_after
            .duration_since(now)
            .map_or(0, |d| d.as_secs() / 86_400);
        c = c
            .serial_number(Some(issued.serial.clone()))
            .valid_from(Some(dates::day(issued.not_before)))
            .valid_till(Some(dates::day(issued.not_after)))
            .date_issued(Some(dates::iso(issued.not_before)))
            .days_remaining(Some(i32::try_from(remaining).unwrap_or(i32::MAX)));
    }
    c
}

fn product(id: &str) -> builder::OrderProduct {
    builder::OrderProduct::default()
        .name_id(Some(id.to_string()))
        .name(certcentral_table::product(id).map(|p| p.name.to_string()))
        .type_(Some("client_certificate".to_string()))
}

/// List orders: filters (email, status, product, day created, search), sort and page.
fn list_orders(shared: &Shared, call: &Call) -> Result<Reply, Reply> {
    let (offset, limit) = page(call)?;
    let days = match call.query("filters[date_created]") {
        Some(text) => Some(dates::parse_days(text).ok_or_else(|| {
            Reply::error(
                StatusCode::BAD_REQUEST,
                "invalid_request|filters[date_created]",
                "filters[date_created] takes yyyy-MM-dd or yyyy-MM-dd...yyyy-MM-dd.",
            )
        })?),
        None => None,
    };
    let email = call
        .query("filters[email]")
        .map(|e| e.trim().to_lowercase());
    let status = call.query("filters[status]").map(OrderStatus::from);
    let product = call.query("filters[product_name_id]");
    let search = call.query("filters[search]");
    let descending = match call.query("sort").unwrap_or("id") {
        "id" | "date_created" => false,
        "-id" | "-date_created" => true,
        other => {
            return Err(Reply::error(
                StatusCode::BAD_REQUEST,
                "invalid_request|sort",
                &format!("The mock sorts by id or date_created (- for descending), not `{other}`."),
            ));
        }
    };
    let now = shared.clock.now();
    let mut state = shared.state();
    refresh_all(shared, &mut state);
    let matches = |o: &&Order| {
        let s = &o.life.subject;
        let mailbox = |e: &String| e.to_lowercase();
        email
            .as_ref()
            .is_none_or(|want| s.emails.iter().map(mailbox).any(|e| e == *want))
            // `issued` also matches a certificate that has since expired.
            && status.as_ref().is_none_or(|want| {
                *want == o.life.status
                    || (*want == OrderStatus::Issued && o.life.status == OrderStatus::Expired)
            })
            && product.is_none_or(|p| o.entry.product == p)
            && days.is_none_or(|(from, to)| {
                let d = dates::date_of(o.life.created_at);
                from <= d && d <= to
            })
            && search.is_none_or(|text| searched(s, text))
    };
    let mut found: Vec<&Order> = state.orders.iter().filter(matches).collect();
    if descending {
        found.reverse();
    }
    let total = found.len();
    let orders = found
        .into_iter()
        .skip(offset)
        .take(limit)
        .map(|o| summary(o, now))
        .collect::<Result<Vec<_>, _>>();
    let list: Result<certcentral_table::responses::OrderList, _> = orders.and_then(|orders| {
        builder::OrderList::default()
            .orders(orders)
            .page(Some(page_of(total, limit, offset)?))
            .try_into()
    });
    ok(list)
}

/// `filters[search]`: an exact email or common name, or (a leading `%`) a part of one.
fn searched(s: &Subject, text: &str) -> bool {
    let values = s
        .emails
        .iter()
        .map(String::as_str)
        .chain(s.common_name.as_deref());
    match text.strip_prefix('%') {
        Some(part) => {
            let part = part.to_lowercase();
            values.into_iter().any(|v| v.to_lowercase().contains(&part))
        }
        None => values.into_iter().any(|v| v.eq_ignore_ascii_case(text)),
    }
}

fn summary(
    order: &Order,
    now: SystemTime,
) -> Result<
    certcentral_table::responses::OrderSummary,
    certcentral_table::responses::error::ConversionError,
> {
    let (entry, life) = (&order.entry, &order.life);
    builder::OrderSummary::default()
        .id(entry.order_id)
        .status(life.status.clone())
        .date_created(Some(dates::iso(life.created_at)))
        .certificate(Some(certificate(order, now).try_into()?))
        .product(Some(product(&entry.product).try_into()?))
        .is_renewed(Some(life.renewed))
        .try_into()
}

/// `offset` and `limit` (1 to 1000, default 1000).
fn page(call: &Call) -> Result<(usize, usize), Reply> {
    let number = |name: &str, default: usize, range: std::ops::RangeInclusive<usize>| match call
        .query(name)
    {
        None => Ok(default),
        Some(text) => text
            .parse::<usize>()
            .ok()
            .filter(|n| range.contains(n))
            .ok_or_else(|| {
                Reply::error(
                    StatusCode::BAD_REQUEST,
                    &format!("invalid_request|{name}"),
                    &format!(
                        "`{name}` takes an integer from {} to {}.",
                        range.start(),
                        range.end()
                    ),
                )
            }),
    };
    Ok((
        number("offset", 0, 0..=usize::MAX)?,
        number("limit", 1000, 1..=1000)?,
    ))
}

fn page_of(
    total: usize,
    limit: usize,
    offset: usize,
) -> Result<certcentral_table::responses::Page, certcentral_table::responses::error::ConversionError>
{
    let n = |v: usize| i64::try_from(v).unwrap_or(i64::MAX);
    builder::Page::default()
        .total(n(total))
        .limit(n(limit))
        .offset(n(offset))
        .try_into()
}

/// Get orders by alternative order ID: every order with the id (oldest first), a page at a
/// time; none is an empty list (or, with [`MockConfig::lookup_not_found`](crate::MockConfig::lookup_not_found),
/// 404 `not_found`).
fn lookup(shared: &Shared, call: &Call) -> Result<Reply, Reply> {
    let (offset, limit) = page(call)?;
    let id = call.param("alternative_order_id");
    let mut state = shared.state();
    let ids = state.by_alternative_id.get(id).cloned().unwrap_or_default();
    if ids.is_empty() && shared.config.lookup_not_found {
        return Err(Reply::error(
            StatusCode::NOT_FOUND,
            "not_found",
            "No order has this alternative order id.",
        ));
    }
    let now = shared.clock.now();
    let State {
        orders, mailboxes, ..
    } = &mut *state;
    let mut refs = Vec::new();
    for order_id in ids.iter().skip(offset).take(limit) {
        if let Some(order) = orders.find_mut(*order_id, |o| o.entry.order_id) {
            refresh(shared, mailboxes, order, now);
            refs.push(order_ref(order));
        }
    }
    let list: Result<certcentral_table::responses::AlternativeIdOrders, _> = refs
        .into_iter()
        .collect::<Result<Vec<_>, _>>()
        .and_then(|orders| {
            builder::AlternativeIdOrders::default()
                .orders(orders)
                .page(Some(page_of(ids.len(), limit, offset)?))
                .try_into()
        });
    ok(list)
}

fn order_ref(
    order: &Order,
) -> Result<
    certcentral_table::responses::OrderRef,
    certcentral_table::responses::error::ConversionError,
> {
    builder::OrderRef::default()
        .order_id(order.entry.order_id)
        .certificate_id(Some(order.entry.request_id))
        .status(order.life.status.clone())
        .try_into()
}

/// The longest frame of the status-change list: 7 days.
const SEVEN_DAYS: Duration = Duration::from_secs(7 * 24 * 3600);

/// Order status changes: the orders whose status last changed in the frame (`minutes` and
/// `seconds` back from now, added; or `filters[status_last_updated]`, days in UTC), with
/// their current status.
fn status_changes(shared: &Shared, call: &Call) -> Result<Reply, Reply> {
    let refused = |code: &str, message: &str| Reply::error(StatusCode::BAD_REQUEST, code, message);
    let seconds = |name: &str, unit: u64, max: u64| -> Result<Option<u64>, Reply> {
        match call.query(name) {
            None => Ok(None),
            Some(text) => text
                .parse::<u64>()
                .ok()
                .filter(|n| (1..=max).contains(n))
                .map(|n| Some(n * unit))
                .ok_or_else(|| {
                    refused(
                        &format!("invalid_request|{name}"),
                        &format!("`{name}` takes an integer from 1 to {max}."),
                    )
                }),
        }
    };
    let minutes = seconds("minutes", 60, 10_080)?;
    let secs = seconds("seconds", 1, 604_800)?;
    let now = shared.clock.now();
    let (from, to) = match (minutes, secs, call.query("filters[status_last_updated]")) {
        (None, None, None) => {
            return Err(refused(
                "missing_time_frame",
                "Give minutes, seconds or filters[status_last_updated].",
            ));
        }
        (None, None, Some(range)) => {
            let (first, last) = dates::parse_days(range).ok_or_else(|| {
                refused(
                    "invalid_request|filters[status_last_updated]",
                    "filters[status_last_updated] takes yyyy-MM-dd...yyyy-MM-dd.",
                )
            })?;
            let start = SystemTime::from(first.midnight().assume_utc());
            let end = SystemTime::from(last.midnight().assume_utc()) + Duration::from_secs(86_400);
            (start, end)
        }
        (m, s, _) => {
            let back = Duration::from_secs(m.unwrap_or(0) + s.unwrap_or(0));
            (
                now.checked_sub(back).unwrap_or(SystemTime::UNIX_EPOCH),
                now + Duration::from_secs(1),
            )
        }
    };
    if to.duration_since(from).unwrap_or_default() > SEVEN_DAYS + Duration::from_secs(86_400) {
        return Err(refused(
            "time_frame_too_long",
            "The time frame can't exceed seven days (10080 minutes).",
        ));
    }
    let mut state = shared.state();
    refresh_all(shared, &mut state);
    let changed = state
        .orders
        .iter()
        .filter(|o| from <= o.life.status_changed_at && o.life.status_changed_at < to)
        .filter(|o| o.life.status_changed_at > o.life.created_at)
        .map(order_ref)
        .collect::<Result<Vec<_>, _>>();
    let changes: Result<certcentral_table::responses::StatusChanges, _> =
        changed.and_then(|orders| builder::StatusChanges::default().orders(orders).try_into());
    ok(changes)
}

/// Update order status: `canceled` with a note, from `pending` or `waiting_pickup`.
fn update_order_status(shared: &Shared, call: &Call) -> Result<Reply, Reply> {
    let id = call.id("order_id")?;
    let change: UpdateOrderStatus = call.body()?;
    let action = match change.status {
        NewOrderStatus::Canceled => Action::Cancel(change.note.as_deref()),
        NewOrderStatus::Renewed | NewOrderStatus::NotRenewed => Action::MarkRenewal,
    };
    let applied = with_order(shared, id, |order, now| order.life.apply(action, now))?;
    settled(shared, applied)
}

/// Update request status: `approved` or `rejected`, from `pending`.
fn update_request_status(shared: &Shared, call: &Call) -> Result<Reply, Reply> {
    let id = call.id("request_id")?;
    let change: UpdateRequestStatus = call.body()?;
    let comment = change.processor_comment.as_deref();
    let action = match change.status {
        NewRequestStatus::Approved => Action::Approve(comment),
        NewRequestStatus::Rejected => Action::Reject(comment),
        other => {
            return Err(Reply::error(
                StatusCode::BAD_REQUEST,
                "invalid_request|status",
                &format!("A request is approved or rejected, not set to {other}."),
            ));
        }
    };
    let now = shared.clock.now();
    let applied = {
        let mut state = shared.state();
        let order = state
            .order_of_request(id)
            .ok_or_else(|| not_found("request", id))?;
        order.life.apply(action, now)
    };
    settled(shared, applied)
}

/// 204, or the refusal in DigiCert's envelope.
fn settled(shared: &Shared, applied: Result<(), lifecycle::Refused>) -> Result<Reply, Reply> {
    match applied {
        Ok(()) => {
            shared.notify();
            Ok(Reply::empty(StatusCode::NO_CONTENT))
        }
        Err(refused) => {
            let (code, message) = refused.error();
            Err(Reply::error(StatusCode::BAD_REQUEST, code, &message))
        }
    }
}

fn request_info(shared: &Shared, call: &Call) -> Result<Reply, Reply> {
    let id = call.id("request_id")?;
    let request = with_refreshed(shared, By::Request, id, |order, _, _| {
        let life = &order.life;
        let request: Result<certcentral_table::responses::RequestInfo, _> =
            builder::RequestOrder::default()
                .id(order.entry.order_id)
                .try_into()
                .and_then(|o| {
                    builder::RequestInfo::default()
                        .id(id)
                        .date(Some(dates::iso(life.created_at)))
                        .type_(Some(RequestType::NewRequest))
                        .status(life.request_status.clone())
                        .date_processed(life.request_processed_at.map(dates::iso))
                        .processor_comment(life.processor_comment.clone())
                        .order(Some(o))
                        .try_into()
                });
        request
    })?;
    ok(request)
}

fn email_validation(shared: &Shared, call: &Call) -> Result<Reply, Reply> {
    let id = call.id("order_id")?;
    let answer = with_refreshed(shared, By::Order, id, |order, mailboxes, _| {
        let validated_at = validated_at(shared, mailboxes, &order.life);
        let emails = order
            .life
            .subject
            .emails
            .iter()
            .map(|email| {
                let validated =
                    validated_at.is_some() || mailboxes.contains_key(&email.to_lowercase());
                builder::EmailValidationEntry::default()
                    .email(email.clone())
                    .status(if validated {
                        certcentral_table::responses::EmailValidationStatus::Validated
                    } else {
                        certcentral_table::responses::EmailValidationStatus::Unvalidated
                    })
                    .date_emailed(Some(dates::day(order.life.created_at)))
                    .try_into()
            })
            .collect::<Result<Vec<_>, _>>();
        let answer: Result<certcentral_table::responses::EmailValidation, _> =
            emails.and_then(|emails| {
                builder::EmailValidation::default()
                    .delivery_options(vec!["api".to_string(), "browser".to_string()])
                    .emails(emails)
                    .try_into()
            });
        answer
    })?;
    ok(answer)
}

/// Download a certificate by order ID: the issued certificate with the mock CA's chain, in the
/// format asked for.
fn download(shared: &Shared, call: &Call) -> Result<Reply, Reply> {
    let id = call.id("order_id")?;
    let format = call
        .param("format_type")
        .parse::<CertificateFormat>()
        .map_err(|_| {
            Reply::error(
                StatusCode::NOT_FOUND,
                "not_found|format_type",
                &format!(
                    "`{}` is not a certificate format.",
                    call.param("format_type")
                ),
            )
        })?;
    let certificate = with_order(shared, id, |order, _| order.life.certificate.clone())?
        .ok_or_else(|| {
            Reply::error(
                StatusCode::NOT_FOUND,
                "not_found|certificate",
                &format!("Order {id} has no issued certificate."),
            )
        })?;
    let ca = &shared.ca;
    crate::formats::download(format, &certificate.der, &ca.intermediate_der, &ca.root_der)
        .map(|d| Reply::file(d.media_type, d.body))
        .map_err(unbuildable)
}
