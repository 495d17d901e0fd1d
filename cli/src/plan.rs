//! What to do with each valid order, for `order` and `bulk` alike, decided before anything is
//! sent: what the ledger knows (an order of an earlier run whose outcome was unknown is looked
//! up by its alternative id first), then what CertCentral knows (a pending or valid order for
//! the same product and mailbox, from any machine, colleague or the web UI). A certificate
//! that expires within the renewal window is renewed; `--again` orders anyway.

use crate::identity::Identity;
use crate::ledger::{Entry, History, Ledger, Sent};
use crate::outcome::Outcome;
use crate::precheck::{self, Known, Standing};
use certcentral::{Client, Error, LOOKUP_CLOCK_SKEW};
use serde_json::Value;
use std::time::{Duration, SystemTime};

/// A valid order to decide about.
pub struct Candidate {
    pub identity: Identity,
    /// Its body (for what differs from an earlier order).
    pub body: Value,
    /// Its own `alternative_order_id`, if it has one.
    pub own_id: Option<String>,
}

/// What to do with a candidate.
#[derive(Debug, Clone)]
pub enum Decision {
    /// Send it with this alternative id (renewing an order, when it says so).
    Send {
        alternative_order_id: String,
        renewal_of: Option<i64>,
    },
    /// Send nothing: this is what became of it.
    Skip(Outcome),
}

/// What `order` and `bulk` take about ordering again, renewing and waiting.
#[derive(Debug, clap::Args)]
pub struct Choices {
    /// Order even for a mailbox that already has a pending or valid order of its product (a
    /// new order, billed, with a new alternative order id).
    #[arg(long)]
    pub again: bool,
    /// Renew a certificate that expires within this (e.g. 30d, 8w) instead of leaving its
    /// mailbox out.
    #[arg(long, value_name = "DURATION", default_value = "30d", value_parser = humantime::parse_duration)]
    pub renew_within: Duration,
    /// How long to wait, in all, when CertCentral asks to (HTTP 503 maintenance or 429 with
    /// a Retry-After longer than the client's own retries): nothing is placed meanwhile, and
    /// past it the order fails with nothing placed.
    #[arg(long, value_name = "DURATION", default_value = "15m", value_parser = humantime::parse_duration)]
    pub max_wait: Duration,
}

impl Choices {
    /// How to decide, on an account that does (or does not) enforce unique alternative ids.
    pub fn options(&self, unique_ids: bool) -> Options {
        Options {
            again: self.again,
            renew_within: self.renew_within,
            unique_ids,
        }
    }
}

/// How to decide.
pub struct Options {
    /// `--again`: order even when an order covers the mailbox.
    pub again: bool,
    /// `--renew-within`: renew a certificate that expires within this.
    pub renew_within: Duration,
    /// `--unique-alternative-order-ids`: an unknown order is sent again with its id.
    pub unique_ids: bool,
}

/// The decisions, in the candidates' order, and what asking CertCentral cost.
pub struct Plan {
    pub decisions: Vec<Decision>,
    /// API calls made to decide.
    pub calls: usize,
    /// What CertCentral said (for `--again`'s cost, the dry run).
    pub known: Known,
}

/// Why nothing can be decided (and so nothing is sent).
pub fn refused(e: &Error) -> String {
    match e {
        Error::Api {
            status: 401 | 403, ..
        } => format!(
            "CertCentral refuses the API key ({e}): nothing was sent; check DIGICERT_API_KEY or \
             --api-key-file, and the target"
        ),
        e => format!("cannot ask CertCentral which orders exist ({e}): nothing was sent"),
    }
}

/// Decides every candidate.
pub async fn decide(
    client: &Client,
    ledger: Option<(&Ledger, &mut History)>,
    candidates: &[Candidate],
    options: &Options,
) -> Result<Plan, String> {
    let mut calls = 0;
    let empty = History::default();
    let mut found = Vec::new();
    let history: &History = match ledger {
        Some((ledger, history)) => {
            calls += resolve_unknown(
                client,
                ledger,
                history,
                candidates,
                options.unique_ids,
                &mut found,
            )
            .await?;
            history
        }
        None => &empty,
    };
    let identities: Vec<Identity> = candidates.iter().map(|c| c.identity.clone()).collect();
    let known = precheck::ask(client, &identities)
        .await
        .map_err(|e| refused(&e))?;
    calls += known.calls;
    let today = crate::dates::today();
    let renew_by = crate::dates::days_from_today(options.renew_within);
    let mut decisions = Vec::new();
    for (i, c) in candidates.iter().enumerate() {
        // Orders this run already decided to send for the same identity (duplicate rows are
        // refused before; this keeps ids apart when they are not).
        let same_run = candidates[..i]
            .iter()
            .filter(|o| o.identity.overlaps(&c.identity))
            .count();
        let asked = Asked {
            history,
            found: &found,
            known: &known,
            options,
            today: &today,
            renew_by: &renew_by,
        };
        decisions.push(asked.decide(c, same_run));
    }
    Ok(Plan {
        decisions,
        calls,
        known,
    })
}

/// What a decision reads: the ledger, the orders found by lookup, CertCentral's answer, the
/// options, and the days that bound "valid" and "renew".
struct Asked<'a> {
    history: &'a History,
    found: &'a [String],
    known: &'a Known,
    options: &'a Options,
    today: &'a str,
    renew_by: &'a str,
}

impl Asked<'_> {
    /// One candidate's decision; `same_run` is how many earlier candidates of the run share
    /// its identity.
    fn decide(&self, c: &Candidate, same_run: usize) -> Decision {
        let earlier = self.history.for_identity(&c.identity);
        let new_id = || {
            c.own_id
                .clone()
                .unwrap_or_else(|| c.identity.new_alternative_id(earlier.len() + same_run))
        };
        let resolved = earlier
            .iter()
            .find(|(id, _)| self.found.iter().any(|f| f == id));
        if let Some((_, sent)) = resolved {
            // Unknown since an earlier run, found now by its alternative id.
            Decision::Skip(Outcome::Found(crate::outcome::Order {
                order_id: sent.last.order_id().unwrap_or_default(),
                request_id: match &sent.last {
                    Entry::Placed { request_id, .. } => *request_id,
                    _ => None,
                },
                certificate_id: None,
                status: None,
            }))
        } else if let Some((id, _)) = earlier.iter().find(|(_, s)| s.last.is_unknown()) {
            if self.options.unique_ids {
                // The account refuses a second order with this id: sending it again proves
                // whether the first exists.
                Decision::Send {
                    alternative_order_id: id.to_string(),
                    renewal_of: None,
                }
            } else {
                Decision::Skip(Outcome::NotResent)
            }
        } else {
            match self.known.standing(&c.identity, self.today, self.renew_by) {
                Standing::Ordered { .. } | Standing::Free if self.options.again => Decision::Send {
                    alternative_order_id: new_id(),
                    renewal_of: None,
                },
                Standing::Ordered { order, mailbox } => {
                    let mut detail = format!(
                        "order {} for {mailbox} ({}) is {} since {}",
                        order.order_id,
                        order.product,
                        order.status,
                        order.day_created()
                    );
                    let differences = precheck::differences(&order, &c.body);
                    if !differences.is_empty() {
                        detail.push_str(&format!("; this row differs: {}", differences.join(", ")));
                    }
                    detail.push_str(" (--again orders another)");
                    Decision::Skip(Outcome::OrderedEarlier {
                        order_id: Some(order.order_id),
                        detail,
                    })
                }
                Standing::Renew(order) => Decision::Send {
                    alternative_order_id: new_id(),
                    renewal_of: Some(order.order_id),
                },
                Standing::Free => match placed_but_unlisted(&earlier, self.known) {
                    Some((id, sent)) => Decision::Skip(Outcome::OrderedEarlier {
                        order_id: sent.last.order_id(),
                        detail: format!(
                            "placed by this ledger's run at {} (alternative id {id}), not yet \
                         listed by CertCentral (--again orders another)",
                            sent.at
                        ),
                    }),
                    None => Decision::Send {
                        alternative_order_id: new_id(),
                        renewal_of: None,
                    },
                },
            }
        }
    }
}

/// An order this ledger placed for the identity that CertCentral's listing does not show at
/// all (placed moments ago): it still counts.
fn placed_but_unlisted<'a>(
    earlier: &[(&'a str, &'a Sent)],
    known: &Known,
) -> Option<(&'a str, &'a Sent)> {
    earlier.iter().copied().find(|(_, s)| {
        s.last.is_done()
            && s.last
                .order_id()
                .is_none_or(|id| !known.orders.iter().any(|o| o.order_id == id))
    })
}

/// Looks up, by its alternative id, every order of the candidates' identities whose outcome
/// the ledger does not know, and records what CertCentral has: the order this ledger's run
/// placed (created since its `sending` line) is adopted (its id goes to `found`). Returns the
/// calls it made.
async fn resolve_unknown(
    client: &Client,
    ledger: &Ledger,
    history: &mut History,
    candidates: &[Candidate],
    unique_ids: bool,
    found_ids: &mut Vec<String>,
) -> Result<usize, String> {
    let mut ids: Vec<(String, String)> = Vec::new();
    for c in candidates {
        for (id, sent) in history.for_identity(&c.identity) {
            if sent.last.is_unknown() && !ids.iter().any(|(i, _)| i == id) {
                ids.push((id.to_string(), sent.at.clone()));
            }
        }
    }
    let mut calls = 0;
    for (id, at) in ids {
        let (found, cost) = lookup(client, &id, &at).await;
        calls += cost;
        match found {
            Ok(entry) => {
                if let Some(entry) = entry {
                    ledger
                        .append(&entry)
                        .map_err(|e| format!("cannot write the ledger: {e}; nothing was sent"))?;
                    history_record(history, entry);
                    found_ids.push(id);
                }
            }
            Err(Error::SeveralOrders { order_ids, .. }) => {
                warn_several(&id, &order_ids, unique_ids);
            }
            Err(e) => return Err(refused(&e)),
        }
    }
    Ok(calls)
}

/// What CertCentral has of an order sent at `at` with alternative id `id`: the ledger line
/// that records it when it was found (one order created since then), `None` when nothing was,
/// or several; and the calls the lookup cost.
pub async fn lookup(client: &Client, id: &str, at: &str) -> (Result<Option<Entry>, Error>, usize) {
    let since = humantime::parse_rfc3339_weak(at)
        .ok()
        .and_then(|t| t.checked_sub(LOOKUP_CLOCK_SKEW))
        .unwrap_or(SystemTime::UNIX_EPOCH);
    match client.find_orders(id, since).await {
        Ok(found) => {
            let cost = 1 + found.len();
            match found.as_slice() {
                [] => (Ok(None), cost),
                [order] => (
                    Ok(Some(Entry::Placed {
                        alternative_order_id: id.to_string(),
                        order_id: order.id,
                        certificate_id: order.certificate.as_ref().and_then(|c| c.id),
                        request_id: order.requests.first().map(|r| r.id),
                        found: true,
                        status: Some(order.status.to_string()),
                    })),
                    cost,
                ),
                several => (
                    Err(Error::SeveralOrders {
                        alternative_order_id: id.to_string(),
                        order_ids: several.iter().map(|o| o.id).collect(),
                    }),
                    cost,
                ),
            }
        }
        Err(e) => (Err(e), 1),
    }
}

/// Several orders share one alternative id: said once, with what it means for
/// `--unique-alternative-order-ids`.
pub fn warn_several(id: &str, order_ids: &[i64], unique_ids: bool) {
    let orders = order_ids
        .iter()
        .map(i64::to_string)
        .collect::<Vec<_>>()
        .join(", ");
    tell!(
        "certcentral: warning: CertCentral has several orders with alternative id {id} (orders {orders}): see `certcentral duplicates`, and cancel the extra ones before they are issued"
    );
    if unique_ids {
        tell!(
            "certcentral: warning: this account does NOT enforce unique alternative order ids (two orders share one): do not pass --unique-alternative-order-ids, which resends orders whose outcome is unknown"
        );
    }
}

fn history_record(history: &mut History, entry: Entry) {
    if let Some(sent) = entry
        .alternative_order_id()
        .and_then(|id| history.orders.get_mut(id))
    {
        sent.last = entry;
    }
}
