//! What became of an order: the one vocabulary of the command. Each [`Outcome`] owns its kind
//! (reports, JSON events, totals), its ledger line, its slot in the progress bar, its wording
//! in the summary and its exit code; nothing else spells them.

use crate::ledger::Entry;
use certcentral::{Class, Error, PlacedOrder, Violation};
use serde_json::{Value, json};

/// What became of an order.
#[derive(Debug, Clone)]
pub enum Outcome {
    /// DigiCert created it now.
    Placed(Order),
    /// Its answer was lost, and it was found by its alternative id.
    Found(Order),
    /// An order with its alternative id exists (an account with unique ids refused a
    /// duplicate), with its id when the lookup found it.
    Exists { order_id: Option<i64> },
    /// An order for the same product and mailbox is pending or valid: not sent (`--again`
    /// sends it). `detail` says which order, since when, and what differs.
    OrderedEarlier {
        order_id: Option<i64>,
        detail: String,
    },
    /// Valid, and not sent (`--dry-run`, or other rows are invalid).
    Valid,
    /// Valid, and would renew this order (`--dry-run`).
    Renews { order_id: i64 },
    /// Breaks a rule: not sent.
    Invalid(Vec<Violation>),
    /// DigiCert refused it: nothing was created.
    Rejected(String),
    /// It certainly was not created (not sent, rate limited, unavailable).
    Failed(String),
    /// It was sent and no usable answer came, and the lookup did not find it: it may exist.
    Unknown(String),
    /// Unknown since an earlier run (and still not found), not sent again until resolved.
    NotResent,
    /// Not started: the run was interrupted first.
    Interrupted,
}

/// What DigiCert said of an order it created.
#[derive(Debug, Clone, PartialEq)]
pub struct Order {
    pub order_id: i64,
    pub request_id: Option<i64>,
    pub certificate_id: Option<i64>,
    pub status: Option<String>,
}

/// The exit code when every order is done.
pub const EXIT_OK: u8 = 0;
/// Some orders are invalid, rejected or failed: nothing was created for them.
pub const EXIT_FAILED: u8 = 1;
/// Usage: nothing was sent.
pub const EXIT_USAGE: u8 = 2;
/// Some order's outcome is unknown: it may exist.
pub const EXIT_UNKNOWN: u8 = 3;
/// Another run holds the ledger: nothing was sent.
pub const EXIT_BUSY: u8 = 4;
/// Interrupted (SIGINT / SIGTERM), as shells report it.
pub const EXIT_INTERRUPTED: u8 = 130;

/// The progress bar's counters, in order.
pub const SLOTS: [&str; 3] = ["done", "failed", "unknown"];

/// What an outcome is, without what it knows: what the summary totals count.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Valid,
    Renews,
    Placed,
    Found,
    Exists,
    OrderedEarlier,
    Invalid,
    Rejected,
    Failed,
    Unknown,
    NotResent,
    Interrupted,
}

impl Kind {
    /// Every kind, in the summary's order.
    pub const ALL: [Kind; 12] = [
        Kind::Valid,
        Kind::Renews,
        Kind::Placed,
        Kind::Found,
        Kind::Exists,
        Kind::OrderedEarlier,
        Kind::Invalid,
        Kind::Rejected,
        Kind::Failed,
        Kind::Unknown,
        Kind::NotResent,
        Kind::Interrupted,
    ];

    /// Its name in reports, events and totals.
    pub fn name(self) -> &'static str {
        match self {
            Kind::Valid => "valid",
            Kind::Renews => "renews",
            Kind::Placed => "placed",
            Kind::Found => "found",
            Kind::Exists => "exists",
            Kind::OrderedEarlier => "ordered_earlier",
            Kind::Invalid => "invalid",
            Kind::Rejected => "rejected",
            Kind::Failed => "failed",
            Kind::Unknown => "unknown",
            Kind::NotResent => "not_resent",
            Kind::Interrupted => "interrupted",
        }
    }

    /// How the summary counts it (`3 placed`, `2 unknown (not sent again)`).
    pub fn wording(self) -> &'static str {
        match self {
            Kind::Valid => "to send",
            Kind::Renews => "to renew",
            Kind::Found => "found by lookup",
            Kind::OrderedEarlier => "ordered earlier",
            Kind::NotResent => "unknown (not sent again)",
            Kind::Interrupted => "not started (interrupted)",
            other => other.name(),
        }
    }
}

impl Outcome {
    /// The outcome of an answer (or of no answer).
    pub fn from_result(result: &Result<PlacedOrder, Error>) -> Outcome {
        match result {
            Ok(placed) => match &placed.response {
                Some(r) => {
                    let order = Order {
                        order_id: r.id,
                        request_id: r.requests.first().map(|q| q.id),
                        certificate_id: r.certificate_id,
                        status: r.requests.first().map(|q| q.status.to_string()),
                    };
                    if placed.found_by_lookup {
                        Outcome::Found(order)
                    } else {
                        Outcome::Placed(order)
                    }
                }
                None => Outcome::Exists { order_id: None },
            },
            Err(Error::DuplicateOrder { order_ids, .. }) => Outcome::Exists {
                order_id: order_ids.first().copied(),
            },
            Err(Error::InvalidOrder(invalid)) => Outcome::Invalid(invalid.violations.clone()),
            Err(e @ Error::Api { .. }) => Outcome::Rejected(e.to_string()),
            Err(e) if e.class() == Class::Unknown => Outcome::Unknown(e.to_string()),
            Err(e) => Outcome::Failed(e.to_string()),
        }
    }

    /// What it is, without what it knows.
    pub fn kind(&self) -> Kind {
        match self {
            Outcome::Placed(_) => Kind::Placed,
            Outcome::Found(_) => Kind::Found,
            Outcome::Exists { .. } => Kind::Exists,
            Outcome::OrderedEarlier { .. } => Kind::OrderedEarlier,
            Outcome::Valid => Kind::Valid,
            Outcome::Renews { .. } => Kind::Renews,
            Outcome::Invalid(_) => Kind::Invalid,
            Outcome::Rejected(_) => Kind::Rejected,
            Outcome::Failed(_) => Kind::Failed,
            Outcome::Unknown(_) => Kind::Unknown,
            Outcome::NotResent => Kind::NotResent,
            Outcome::Interrupted => Kind::Interrupted,
        }
    }

    /// The order may exist and nobody knows whether it does.
    pub fn is_unknown(&self) -> bool {
        matches!(self, Outcome::Unknown(_) | Outcome::NotResent)
    }

    /// Whether this run tried to send it (including a row the interrupt kept from starting).
    pub fn was_sent_now(&self) -> bool {
        !matches!(
            self,
            Outcome::OrderedEarlier { .. }
                | Outcome::NotResent
                | Outcome::Invalid(_)
                | Outcome::Valid
                | Outcome::Renews { .. }
        )
    }

    /// The order exists (now or from before).
    pub fn is_done(&self) -> bool {
        matches!(
            self,
            Outcome::Placed(_)
                | Outcome::Found(_)
                | Outcome::Exists { .. }
                | Outcome::OrderedEarlier { .. }
        )
    }

    /// The order id, when known.
    pub fn order_id(&self) -> Option<i64> {
        match self {
            Outcome::Placed(o) | Outcome::Found(o) => Some(o.order_id),
            Outcome::Exists { order_id } | Outcome::OrderedEarlier { order_id, .. } => *order_id,
            Outcome::Renews { order_id } => Some(*order_id),
            _ => None,
        }
    }

    /// Its exit code, on its own.
    pub fn exit_code(&self) -> u8 {
        match self {
            Outcome::Unknown(_) | Outcome::NotResent => EXIT_UNKNOWN,
            Outcome::Invalid(_) | Outcome::Rejected(_) | Outcome::Failed(_) => EXIT_FAILED,
            Outcome::Interrupted => EXIT_INTERRUPTED,
            Outcome::Placed(_)
            | Outcome::Found(_)
            | Outcome::Exists { .. }
            | Outcome::OrderedEarlier { .. }
            | Outcome::Valid
            | Outcome::Renews { .. } => EXIT_OK,
        }
    }

    /// The progress bar's counter it adds to.
    pub fn slot(&self) -> usize {
        if self.is_done() {
            0
        } else if self.is_unknown() {
            2
        } else {
            1
        }
    }

    /// The ledger line recording it, if it is an answer.
    ///
    /// (An order found by lookup records the order's status; a placed one its request's,
    /// read as the order's by [`order_status_of_request`].)
    pub fn entry(&self, id: &str) -> Option<Entry> {
        let alternative_order_id = id.to_string();
        Some(match self {
            Outcome::Placed(o) | Outcome::Found(o) => Entry::Placed {
                alternative_order_id,
                order_id: o.order_id,
                certificate_id: o.certificate_id,
                request_id: o.request_id,
                found: matches!(self, Outcome::Found(_)),
                status: o.status.as_deref().map(order_status_of_request),
            },
            Outcome::Exists { order_id } => Entry::Exists {
                alternative_order_id,
                order_id: *order_id,
            },
            Outcome::Rejected(reason) => Entry::Rejected {
                alternative_order_id,
                reason: reason.clone(),
            },
            Outcome::Failed(reason) => Entry::Failed {
                alternative_order_id,
                reason: reason.clone(),
            },
            Outcome::Unknown(reason) => Entry::Unknown {
                alternative_order_id,
                reason: reason.clone(),
            },
            Outcome::OrderedEarlier { .. }
            | Outcome::Valid
            | Outcome::Renews { .. }
            | Outcome::Invalid(_)
            | Outcome::NotResent
            | Outcome::Interrupted => return None,
        })
    }

    /// Its fields as JSON (`outcome` and what it knows).
    pub fn json(&self) -> Value {
        let mut v = json!({ "outcome": self.kind().name() });
        match self {
            Outcome::Placed(o) | Outcome::Found(o) => {
                v["order_id"] = json!(o.order_id);
                v["request_id"] = json!(o.request_id);
                v["certificate_id"] = json!(o.certificate_id);
                v["status"] = json!(o.status);
            }
            Outcome::Exists { order_id } => v["order_id"] = json!(order_id),
            Outcome::Renews { order_id } => v["renewal_of_order_id"] = json!(order_id),
            Outcome::OrderedEarlier { order_id, detail } => {
                v["order_id"] = json!(order_id);
                v["reason"] = json!(detail);
            }
            Outcome::Invalid(violations) => v["violations"] = json!(violations),
            Outcome::Rejected(reason) | Outcome::Failed(reason) | Outcome::Unknown(reason) => {
                v["reason"] = json!(reason)
            }
            Outcome::NotResent | Outcome::Interrupted => v["reason"] = json!(self.describe()),
            Outcome::Valid => {}
        }
        v
    }

    /// One line for people.
    pub fn describe(&self) -> String {
        let placed = |what: &str, o: &Order| {
            let status = o.status.as_deref().unwrap_or("no status");
            match o.certificate_id {
                Some(c) => format!("{what}: order {} ({status}), certificate {c}", o.order_id),
                None => format!("{what}: order {} ({status})", o.order_id),
            }
        };
        match self {
            Outcome::Placed(o) => placed("placed", o),
            Outcome::Found(o) => placed("placed, its answer lost, found by its alternative id", o),
            Outcome::Exists { order_id: Some(id) } => {
                format!("exists: order {id} has this alternative id")
            }
            Outcome::Exists { order_id: None } => {
                "exists: an order with this alternative id was placed before".into()
            }
            Outcome::OrderedEarlier { detail, .. } => format!("ordered earlier: {detail}"),
            Outcome::Valid => "valid, not sent".into(),
            Outcome::Renews { order_id } => format!("valid, not sent: renews order {order_id}"),
            Outcome::Invalid(v) => format!("invalid: {} rule(s) broken", v.len()),
            Outcome::Rejected(r) => format!("rejected, nothing was created: {r}"),
            Outcome::Failed(r) => format!("failed, nothing was created: {r}"),
            Outcome::Unknown(r) => format!("UNKNOWN, the order may exist: {r}"),
            Outcome::NotResent => {
                "UNKNOWN since an earlier run and still not found, not sent again until resolved"
                    .into()
            }
            Outcome::Interrupted => "not sent: the run was interrupted first".into(),
        }
    }
}

/// The exit code of many outcomes: unknown outweighs interrupted, which outweighs failure.
pub fn exit_code<'a>(outcomes: impl IntoIterator<Item = &'a Outcome>) -> u8 {
    let rank = |c: u8| match c {
        EXIT_UNKNOWN => 3,
        EXIT_INTERRUPTED => 2,
        EXIT_FAILED => 1,
        _ => 0,
    };
    outcomes
        .into_iter()
        .map(Outcome::exit_code)
        .max_by_key(|c| rank(*c))
        .unwrap_or(EXIT_OK)
}

/// The order's status when its answer names only its request's: a request `pending` approval
/// is an order that `needs_approval`; an approved (or submitted) one is an order `pending`
/// validation and issuance. An order status passes through as it is.
pub fn order_status_of_request(status: &str) -> String {
    match status {
        "pending" => "needs_approval".into(),
        "approved" | "submitted" => "pending".into(),
        other => other.into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_has_its_own_name_and_the_worst_outcome_sets_the_exit_code() {
        let names: std::collections::HashSet<_> = Kind::ALL.iter().map(|k| k.name()).collect();
        assert_eq!(names.len(), Kind::ALL.len());
        assert_eq!(Kind::NotResent.wording(), "unknown (not sent again)");
        assert_eq!(Kind::Found.wording(), "found by lookup");
        let placed = Outcome::Placed(Order {
            order_id: 1,
            request_id: None,
            certificate_id: None,
            status: None,
        });
        let failed = Outcome::Failed("x".into());
        assert_eq!(exit_code([&placed]), EXIT_OK);
        assert_eq!(exit_code([&placed, &failed]), EXIT_FAILED);
        assert_eq!(
            exit_code([&failed, &Outcome::Interrupted]),
            EXIT_INTERRUPTED
        );
        assert_eq!(
            exit_code([&Outcome::Interrupted, &Outcome::NotResent, &failed]),
            EXIT_UNKNOWN
        );
        assert_eq!(placed.slot(), 0);
        assert_eq!(failed.slot(), 1);
        assert_eq!(Outcome::NotResent.slot(), 2);
    }
}
