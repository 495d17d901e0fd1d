//! Finding an order by its alternative id instead of calling its outcome unknown: when an
//! attempt may have created the order (or a resubmission was refused as a duplicate), the
//! client asks CertCentral, a few times over a short window (creation can lag a lost answer),
//! within the call's deadline, and adopts the one order this call created. An order with the
//! same id created before the call (a reused id) is never adopted; several are never picked
//! from.

use crate::Client;
use crate::error::Error;
use crate::retry::RetryPolicy;
use crate::types::{OrderClientCertificateResponse, OrderInfo, OrderRequest, RequestStatus};
use std::time::{Duration, SystemTime};
use tokio::time::Instant;

/// How much earlier than the call's start an order may be dated and still count as the call's:
/// the client's and CertCentral's clocks differ by a little (NTP keeps them within seconds). An
/// order older than this is a reused id's, never adopted.
pub const LOOKUP_CLOCK_SKEW: Duration = Duration::from_secs(120);

/// What the lookup found of an order a call may have created.
#[derive(Debug)]
pub(crate) enum Found {
    /// One order with the id, created by this call.
    Ours(Box<OrderInfo>),
    /// No order with the id, each time it looked.
    Nothing { looked: Vec<SystemTime> },
    /// Several orders with the id created since the call began.
    Several(Vec<i64>),
    /// Only orders created before the call (or whose creation date cannot be read): a
    /// reused id.
    Older(Vec<(i64, Option<String>)>),
    /// The lookup failed.
    Failed(Error),
}

impl Found {
    /// Why the order is still unknown, for the error's reason: when the lookup looked and what
    /// it found.
    pub(crate) fn describe(&self) -> String {
        match self {
            Found::Nothing { looked } => format!(
                "looked it up by its alternative id {} time(s) ({}): no order yet",
                looked.len(),
                looked
                    .iter()
                    .map(|t| rfc3339(*t))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            Found::Older(orders) => format!(
                "the only order(s) with its alternative id were created before this call and \
                 are not adopted (a reused id): {}",
                orders
                    .iter()
                    .map(|(id, at)| format!(
                        "order {id} created {}",
                        at.as_deref().unwrap_or("at an unknown time")
                    ))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            Found::Failed(e) => format!("looking it up by its alternative id failed: {e}"),
            Found::Ours(info) => format!("found by lookup: order {}", info.id),
            Found::Several(ids) => format!("several orders have its alternative id: {ids:?}"),
        }
    }
}

/// A time as RFC 3339, to the second (UTC).
fn rfc3339(t: SystemTime) -> String {
    crate::rfc3339::format(t)
}

/// An order's creation date (ISO 8601 with an offset).
pub(crate) fn created_at(info: &OrderInfo) -> Option<SystemTime> {
    let text = info.date_created.as_deref()?;
    crate::rfc3339::parse(text)
}

/// The answer of an order found by lookup, as the order's own answer would have said it. Built
/// through the generated builders, so that a field a later spec adds to the answer (optional,
/// as every added field must be) needs no edit here; `None` only if a required field were
/// left unset, which the builders below never do.
pub(crate) fn as_answer(info: &OrderInfo) -> Option<OrderClientCertificateResponse> {
    use crate::types::builder;
    let requests = info
        .requests
        .iter()
        .map(|r| {
            builder::OrderRequest::default()
                .id(r.id)
                .status(r.status.clone().unwrap_or(RequestStatus::Pending))
                .try_into()
        })
        .collect::<Result<Vec<OrderRequest>, _>>()
        .ok()?;
    builder::OrderClientCertificateResponse::default()
        .id(info.id)
        .requests(requests)
        .certificate_id(info.certificate.as_ref().and_then(|c| c.id))
        .try_into()
        .ok()
}

impl Client {
    /// Every order with `alternative_order_id` created at or after `since` (by CertCentral's
    /// `date_created`, to the second), with its order info: the orders a run that began at `since` may have
    /// placed with that id. One lookup call, then one order info per order found.
    ///
    /// ```no_run
    /// # async fn run(client: certcentral::Client) -> Result<(), certcentral::Error> {
    /// use std::time::{Duration, SystemTime};
    /// let since = SystemTime::now() - Duration::from_secs(3600);
    /// for order in client.find_orders("hr2026n42", since).await? {
    ///     println!("order {} ({}) since an hour ago", order.id, order.status);
    /// }
    /// # Ok(()) }
    /// ```
    pub async fn find_orders(
        &self,
        alternative_order_id: &str,
        since: SystemTime,
    ) -> Result<Vec<OrderInfo>, Error> {
        let (ours, _) = self.orders_with_dates(alternative_order_id, since).await?;
        Ok(ours)
    }

    /// The orders with the id, split into those created at or after `since` and the others
    /// (with their creation date, when it can be read).
    async fn orders_with_dates(
        &self,
        alternative_order_id: &str,
        since: SystemTime,
    ) -> Result<(Vec<OrderInfo>, Vec<(i64, Option<String>)>), Error> {
        // CertCentral dates an order to the second: `since` is compared to the second too.
        let since = match since.duration_since(SystemTime::UNIX_EPOCH) {
            Ok(d) => SystemTime::UNIX_EPOCH + Duration::from_secs(d.as_secs()),
            Err(_) => since,
        };
        let mut ours = Vec::new();
        let mut older = Vec::new();
        for found in self.orders_by_alternative_id(alternative_order_id).await? {
            let info = self.order_info(found.order_id).await?;
            match created_at(&info) {
                Some(at) if at >= since => ours.push(info),
                _ => older.push((info.id, info.date_created.clone())),
            }
        }
        Ok((ours, older))
    }

    /// Looks for the order a call that began at `began` may have created, as `policy` says
    /// (its attempts are the looks, its delays the waits between them), until one is found,
    /// for at least `absent_for` when it is given, and never past `deadline`.
    pub(crate) async fn look_for(
        &self,
        alternative_order_id: &str,
        began: SystemTime,
        policy: RetryPolicy,
        absent_for: Option<Duration>,
        deadline: Option<Instant>,
    ) -> Found {
        let since = began.checked_sub(LOOKUP_CLOCK_SKEW).unwrap_or(began);
        let first = SystemTime::now();
        let mut looked = Vec::new();
        for look in 1.. {
            let found = self.orders_with_dates(alternative_order_id, since);
            let found = match deadline {
                Some(at) => match tokio::time::timeout_at(at, found).await {
                    Ok(found) => found,
                    Err(_) if !looked.is_empty() => break,
                    Err(_) => Err(Error::NotSent {
                        reason: "the deadline passed while looking the order up".into(),
                        source: None,
                    }),
                },
                None => found.await,
            };
            looked.push(SystemTime::now());
            match found {
                Err(e) => return Found::Failed(e),
                Ok((mut ours, _)) if ours.len() == 1 => {
                    return Found::Ours(Box::new(ours.remove(0)));
                }
                Ok((ours, _)) if ours.len() > 1 => {
                    return Found::Several(ours.iter().map(|o| o.id).collect());
                }
                Ok((_, older)) if !older.is_empty() => return Found::Older(older),
                Ok(_) => {}
            }
            let absent = SystemTime::now().duration_since(first).unwrap_or_default();
            let more = look < policy.attempts() || absent_for.is_some_and(|d| absent < d);
            let delay = policy.delay(look, None);
            let in_time = deadline.is_none_or(|at| Instant::now() + delay < at);
            if !more || !in_time {
                break;
            }
            tokio::time::sleep(delay).await;
        }
        Found::Nothing { looked }
    }
}

/// How an order call's unknown outcome was settled by looking the order up.
pub(crate) enum Settled {
    /// This call's order, found.
    Found(Box<OrderInfo>),
    /// No order, for as long as the caller asked to wait: send it again (same alternative id).
    Resend,
    /// Still unknown (or several orders): the error the call ends with.
    Failed(Error),
}

/// Two errors as one cause: the attempt's and the lookup's.
#[derive(Debug)]
struct BothCauses {
    attempt: Option<crate::error::Cause>,
    lookup: Error,
}

impl std::fmt::Display for BothCauses {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.attempt {
            Some(a) => write!(f, "the attempt: {a}; the lookup: {}", self.lookup),
            None => write!(f, "the lookup: {}", self.lookup),
        }
    }
}

impl std::error::Error for BothCauses {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(&self.lookup)
    }
}

impl Client {
    /// An order call that may have created the order: settled by the lookup (this call's order
    /// is adopted), sent again (only with `resend_when_absent`, once nothing was found for
    /// that long), or still unknown, saying when it looked and what it found.
    pub(crate) async fn settle_unknown(
        &self,
        e: Error,
        began: SystemTime,
        attempts: &mut crate::retry::Attempts<'_>,
    ) -> Settled {
        let Error::OutcomeUnknown {
            alternative_order_id,
            reason,
            source,
        } = e
        else {
            return Settled::Failed(e);
        };
        let settings = &self.inner.settings;
        let absent_for = settings.resend_when_absent;
        let found = self
            .look_for(
                &alternative_order_id,
                began,
                settings.lookup,
                absent_for,
                attempts.deadline(),
            )
            .await;
        match found {
            Found::Ours(info) => Settled::Found(info),
            Found::Several(order_ids) => Settled::Failed(Error::SeveralOrders {
                alternative_order_id,
                order_ids,
            }),
            Found::Nothing { ref looked }
                if absent_for.is_some_and(|d| {
                    looked.last().and_then(|l| l.duration_since(began).ok()) >= Some(d)
                }) && attempts.resend() =>
            {
                Settled::Resend
            }
            other => {
                let reason = format!("{reason}; {}", other.describe());
                let source = match other {
                    Found::Failed(lookup) => Some(Box::new(BothCauses {
                        attempt: source,
                        lookup,
                    }) as crate::error::Cause),
                    _ => source,
                };
                Settled::Failed(Error::OutcomeUnknown {
                    alternative_order_id,
                    reason,
                    source,
                })
            }
        }
    }

    /// A duplicate's answer. After an attempt of this call that may have created the order
    /// (`proven`: the resubmission was refused as a duplicate), the order is looked up: this
    /// call's is adopted (`Some`); one that cannot be found is still proven to exist (`None`);
    /// only older ones mean the id was reused and this call created nothing (the error names
    /// them), several are never picked from. A duplicate of the first attempt is an older
    /// order's: the error, naming it when the lookup finds it.
    pub(crate) async fn settle_duplicate(
        &self,
        e: Error,
        proven: bool,
        began: SystemTime,
        attempts: &crate::retry::Attempts<'_>,
    ) -> Result<Option<Box<OrderInfo>>, Error> {
        let Error::DuplicateOrder {
            alternative_order_id,
            errors,
            ..
        } = e
        else {
            return Err(e);
        };
        let older = |order_ids| Error::DuplicateOrder {
            alternative_order_id: alternative_order_id.clone(),
            errors: errors.clone(),
            order_ids,
        };
        if !proven {
            let named = self
                .orders_by_alternative_id(&alternative_order_id)
                .await
                .map(|found| found.into_iter().map(|o| o.order_id).collect())
                .unwrap_or_default();
            return Err(older(named));
        }
        let lookup = self.inner.settings.lookup;
        match self
            .look_for(
                &alternative_order_id,
                began,
                lookup,
                None,
                attempts.deadline(),
            )
            .await
        {
            Found::Ours(info) => Ok(Some(info)),
            Found::Several(order_ids) => Err(Error::SeveralOrders {
                alternative_order_id,
                order_ids,
            }),
            Found::Older(orders) => Err(older(orders.into_iter().map(|(id, _)| id).collect())),
            Found::Nothing { .. } | Found::Failed(_) => Ok(None),
        }
    }
}
