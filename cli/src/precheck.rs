//! Asking CertCentral before ordering: which orders of the run's products already cover the
//! run's mailboxes, from any machine, colleague or the web UI. The first call also proves the
//! API key works, before anything is sent.
//!
//! Per product, whichever costs fewer calls: a query per mailbox (`filters[email]`), or the
//! product's whole list a page of 1,000 at a time. The first page of the product's list tells
//! how many pages it has; a run of a few people asks per mailbox, a run of thousands reads the
//! pages. An order listed without its mailboxes cannot be matched from the pages: the product is
//! then asked per mailbox.

use crate::identity::{Identity, mailbox};
use certcentral::types::{OrderStatus, OrderSummary};
use certcentral::{Client, Error, OrderQuery, PAGE_LIMIT};
use std::collections::{BTreeMap, BTreeSet};

/// An order CertCentral has for a mailbox of the run.
#[derive(Debug, Clone, PartialEq)]
pub struct Existing {
    pub order_id: i64,
    pub product: String,
    pub status: OrderStatus,
    pub mailboxes: Vec<String>,
    pub common_name: Option<String>,
    pub date_created: Option<String>,
    /// The certificate's last day (`yyyy-MM-dd`), once issued.
    pub valid_till: Option<String>,
    pub validity_years: Option<i32>,
}

impl Existing {
    fn of(order: OrderSummary, product: &str) -> Existing {
        let certificate = order.certificate.unwrap_or_default();
        Existing {
            order_id: order.id,
            product: order
                .product
                .and_then(|p| p.name_id)
                .unwrap_or_else(|| product.to_string()),
            status: order.status,
            mailboxes: certificate.emails.iter().map(|e| mailbox(e)).collect(),
            common_name: certificate.common_name,
            date_created: order.date_created,
            valid_till: certificate.valid_till,
            validity_years: order.validity_years,
        }
    }

    /// The day it was created (`yyyy-MM-dd`).
    pub fn day_created(&self) -> &str {
        self.date_created
            .as_deref()
            .map_or("an unknown day", |d| &d[..d.len().min(10)])
    }
}

/// What CertCentral said, and what asking cost.
#[derive(Debug, Default)]
pub struct Known {
    /// The orders of the run's products that cover a mailbox of the run.
    pub orders: Vec<Existing>,
    /// API calls made.
    pub calls: usize,
}

/// Where a row stands against CertCentral's orders.
#[derive(Debug, Clone, PartialEq)]
pub enum Standing {
    /// No pending or valid order covers its mailboxes.
    Free,
    /// A pending or valid order covers `mailbox`.
    Ordered { order: Existing, mailbox: String },
    /// Its certificate expires within the renewal window: the row renews it.
    Renew(Existing),
}

/// Whether an order keeps a mailbox from being ordered again: pending (in any of its forms)
/// or issued and not expired. A status the SDK does not know is taken as pending.
fn blocks(order: &Existing, today: &str) -> bool {
    match order.status {
        OrderStatus::Rejected
        | OrderStatus::Canceled
        | OrderStatus::Revoked
        | OrderStatus::Expired => false,
        OrderStatus::Issued => order.valid_till.as_deref().is_none_or(|t| t >= today),
        _ => true,
    }
}

impl Known {
    /// Where `identity` stands: the newest blocking order that covers one of its mailboxes
    /// (renewed instead when it is issued and its last day is at most `renew_by`).
    pub fn standing(&self, identity: &Identity, today: &str, renew_by: &str) -> Standing {
        let covering = self
            .orders
            .iter()
            .filter(|o| o.product == identity.product && blocks(o, today))
            .filter_map(|o| {
                let m = identity
                    .mailboxes
                    .iter()
                    .find(|m| o.mailboxes.contains(m))?;
                Some((o, m))
            })
            .max_by_key(|(o, _)| o.order_id);
        match covering {
            None => Standing::Free,
            Some((order, _))
                if order.status == OrderStatus::Issued
                    && order.valid_till.as_deref().is_some_and(|t| t <= renew_by) =>
            {
                Standing::Renew(order.clone())
            }
            Some((order, mailbox)) => Standing::Ordered {
                order: order.clone(),
                mailbox: mailbox.clone(),
            },
        }
    }
}

/// CertCentral's orders for the run's identities, asked the cheaper way per product.
pub async fn ask(client: &Client, identities: &[Identity]) -> Result<Known, Error> {
    let mut by_product: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
    for identity in identities {
        by_product
            .entry(identity.product.as_str())
            .or_default()
            .extend(identity.mailboxes.iter().map(String::as_str));
    }
    let mut known = Known::default();
    for (product, mailboxes) in by_product {
        let wanted = |o: &Existing| o.mailboxes.iter().any(|m| mailboxes.contains(m.as_str()));
        // A few mailboxes: asked one by one.
        if mailboxes.len() <= 2 {
            per_mailbox(client, product, &mailboxes, &mut known).await?;
            continue;
        }
        let query = OrderQuery::default().product(product).limit(PAGE_LIMIT);
        let first = client.list_orders(&query).await?;
        known.calls += 1;
        let total = first.page.as_ref().map_or(0, |p| p.total);
        let pages = usize::try_from((total + PAGE_LIMIT - 1) / PAGE_LIMIT).unwrap_or(usize::MAX);
        let listed_without_mailboxes = first
            .orders
            .iter()
            .any(|o| o.certificate.as_ref().is_none_or(|c| c.emails.is_empty()));
        if pages > mailboxes.len() || listed_without_mailboxes {
            per_mailbox(client, product, &mailboxes, &mut known).await?;
            continue;
        }
        let mut orders: Vec<OrderSummary> = first.orders;
        for page in 1..pages {
            let offset = i64::try_from(page).unwrap_or(i64::MAX) * PAGE_LIMIT;
            let next = client.list_orders(&query.clone().offset(offset)).await?;
            known.calls += 1;
            orders.extend(next.orders);
        }
        known.orders.extend(
            orders
                .into_iter()
                .map(|o| Existing::of(o, product))
                .filter(wanted),
        );
    }
    Ok(known)
}

/// The product's orders for each mailbox: one call each (and one per further page).
async fn per_mailbox(
    client: &Client,
    product: &str,
    mailboxes: &BTreeSet<&str>,
    known: &mut Known,
) -> Result<(), Error> {
    for m in mailboxes {
        let query = OrderQuery::default().product(product).email(*m);
        let before = known.orders.len();
        let mut offset = 0;
        loop {
            let page = client.list_orders(&query.clone().offset(offset)).await?;
            known.calls += 1;
            let got = page.orders.len();
            let total = page.page.as_ref().map_or(0, |p| p.total);
            known
                .orders
                .extend(page.orders.into_iter().map(|o| Existing::of(o, product)));
            offset += i64::try_from(got).unwrap_or(i64::MAX);
            if got == 0 || offset >= total {
                break;
            }
        }
        // An order listed by its mailbox without its addresses still covers that mailbox.
        for order in &mut known.orders[before..] {
            if order.mailboxes.is_empty() {
                order.mailboxes.push((*m).to_string());
            }
        }
    }
    known.orders.sort_by_key(|o| o.order_id);
    known.orders.dedup_by_key(|o| o.order_id);
    Ok(())
}

/// What differs between a row and the order that covers it: the common name and the years,
/// as people read them.
pub fn differences(order: &Existing, body: &serde_json::Value) -> Vec<String> {
    let mut out = Vec::new();
    let cn = body["certificate"]["common_name"].as_str();
    if let (Some(now), Some(then)) = (cn, order.common_name.as_deref())
        && now != then
    {
        out.push(format!("common name `{then}` → `{now}`"));
    }
    let years = body["order_validity"]["years"].as_i64();
    if let (Some(now), Some(then)) = (years, order.validity_years)
        && now != i64::from(then)
    {
        out.push(format!("{then} → {now} year(s)"));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn order(id: i64, status: OrderStatus, till: Option<&str>) -> Existing {
        Existing {
            order_id: id,
            product: "class1_smime".into(),
            status,
            mailboxes: vec!["a@example.com".into()],
            common_name: None,
            date_created: Some("2026-01-02T03:04:05+00:00".into()),
            valid_till: till.map(String::from),
            validity_years: Some(1),
        }
    }

    #[test]
    fn pending_and_valid_orders_block_the_others_do_not_and_near_expiry_renews() {
        let identity = Identity::new("class1_smime", ["A@example.com"]);
        let today = "2026-12-06";
        let renew_by = "2027-01-05";
        let standing =
            |orders: Vec<Existing>| Known { orders, calls: 0 }.standing(&identity, today, renew_by);
        for s in [
            OrderStatus::Rejected,
            OrderStatus::Canceled,
            OrderStatus::Revoked,
            OrderStatus::Expired,
        ] {
            assert_eq!(standing(vec![order(1, s, None)]), Standing::Free);
        }
        assert_eq!(
            standing(vec![order(1, OrderStatus::Issued, Some("2026-12-05"))]),
            Standing::Free
        );
        for s in [
            OrderStatus::NeedsApproval,
            OrderStatus::Pending,
            OrderStatus::WaitingPickup,
            OrderStatus::from("in_review"),
        ] {
            assert!(matches!(
                standing(vec![order(1, s, None)]),
                Standing::Ordered { .. }
            ));
        }
        assert!(matches!(
            standing(vec![order(1, OrderStatus::Issued, Some("2027-06-01"))]),
            Standing::Ordered { ref mailbox, .. } if mailbox == "a@example.com"
        ));
        assert!(matches!(
            standing(vec![order(1, OrderStatus::Issued, Some("2026-12-20"))]),
            Standing::Renew(ref o) if o.order_id == 1
        ));
        let other = Identity::new("client_premium", ["a@example.com"]);
        assert_eq!(
            Known {
                orders: vec![order(1, OrderStatus::Pending, None)],
                calls: 0
            }
            .standing(&other, today, renew_by),
            Standing::Free
        );
    }
}
