//! What became of an order: the one vocabulary of the command. Each [`Outcome`] owns its name
//! (reports, JSON events, totals), its journal line, its slot in the progress bar, its wording
//! in the summary and its exit code; nothing else spells them.

use crate::journal::Entry;
use certcentral::{Class, Error, PlacedOrder, Violation};
use serde_json::{Value, json};

/// What became of an order.
#[derive(Debug, Clone)]
pub enum Outcome {
    /// DigiCert created it now.
    Placed {
        order_id: i64,
        certificate_id: Option<i64>,
        status: Option<String>,
    },
    /// An order with its alternative id exists (a duplicate was refused).
    Exists,
    /// Done by an earlier run, per the journal (with the order id it recorded, if any).
    DoneEarlier { order_id: Option<i64> },
    /// Valid, and not sent (`--dry-run`, or other rows are invalid).
    Valid,
    /// Breaks a rule: not sent.
    Invalid(Vec<Violation>),
    /// DigiCert refused it: nothing was created.
    Rejected(String),
    /// It certainly was not created (not sent, rate limited, unavailable).
    Failed(String),
    /// It was sent and no usable answer came: it may exist.
    Unknown(String),
    /// Unknown since an earlier run, not sent again until resolved.
    NotResent,
    /// Not started: the run was interrupted first.
    Interrupted,
}

/// The exit code when every order is done.
pub const EXIT_OK: u8 = 0;
/// Some orders are invalid, rejected or failed: nothing was created for them.
pub const EXIT_FAILED: u8 = 1;
/// Usage: nothing was sent.
pub const EXIT_USAGE: u8 = 2;
/// Some order's outcome is unknown: it may exist.
pub const EXIT_UNKNOWN: u8 = 3;
/// Another run holds the journal: nothing was sent.
pub const EXIT_BUSY: u8 = 4;
/// Interrupted (SIGINT / SIGTERM), as shells report it.
pub const EXIT_INTERRUPTED: u8 = 130;

/// The progress bar's counters, in order.
pub const SLOTS: [&str; 3] = ["done", "failed", "unknown"];

/// What an outcome is, without what it knows: what the summary totals count.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Valid,
    Placed,
    Exists,
    DoneEarlier,
    Invalid,
    Rejected,
    Failed,
    Unknown,
    NotResent,
    Interrupted,
}

impl Kind {
    /// Every kind, in the summary's order.
    pub const ALL: [Kind; 10] = [
        Kind::Valid,
        Kind::Placed,
        Kind::Exists,
        Kind::DoneEarlier,
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
            Kind::Placed => "placed",
            Kind::Exists => "exists",
            Kind::DoneEarlier => "done_earlier",
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
            Kind::DoneEarlier => "done earlier",
            Kind::NotResent => "unknown (not sent again)",
            Kind::Interrupted => "not started (interrupted)",
            other => other.name(),
        }
    }
}

/// What an earlier run's journal line means for this run, the one reading `order` and `bulk`
/// share: an order that exists is done earlier; one that may exist is not sent again (unless
/// the account enforces unique alternative ids, so that a repeat proves it exists); one that
/// was never sent, or certainly not created, is sent (`None`).
pub fn earlier(entry: Option<&Entry>, unique_ids: bool) -> Option<Outcome> {
    match entry {
        Some(e) if e.is_done() => Some(Outcome::DoneEarlier {
            order_id: e.order_id(),
        }),
        Some(e) if e.is_unknown() && !unique_ids => Some(Outcome::NotResent),
        _ => None,
    }
}

impl Outcome {
    /// The outcome of an answer (or of no answer).
    pub fn from_result(result: &Result<PlacedOrder, Error>) -> Outcome {
        match result {
            Ok(placed) => match &placed.response {
                Some(r) => Outcome::Placed {
                    order_id: r.id,
                    certificate_id: r.certificate_id,
                    status: r.requests.first().map(|q| q.status.to_string()),
                },
                None => Outcome::Exists,
            },
            Err(Error::DuplicateOrder { .. }) => Outcome::Exists,
            Err(Error::InvalidOrder(invalid)) => Outcome::Invalid(invalid.violations.clone()),
            Err(e @ Error::Api { .. }) => Outcome::Rejected(e.to_string()),
            Err(e) if e.class() == Class::Unknown => Outcome::Unknown(e.to_string()),
            Err(e) => Outcome::Failed(e.to_string()),
        }
    }

    /// What it is, without what it knows.
    pub fn kind(&self) -> Kind {
        match self {
            Outcome::Placed { .. } => Kind::Placed,
            Outcome::Exists => Kind::Exists,
            Outcome::DoneEarlier { .. } => Kind::DoneEarlier,
            Outcome::Valid => Kind::Valid,
            Outcome::Invalid(_) => Kind::Invalid,
            Outcome::Rejected(_) => Kind::Rejected,
            Outcome::Failed(_) => Kind::Failed,
            Outcome::Unknown(_) => Kind::Unknown,
            Outcome::NotResent => Kind::NotResent,
            Outcome::Interrupted => Kind::Interrupted,
        }
    }

    /// Its name in reports, events and totals.
    pub fn name(&self) -> &'static str {
        self.kind().name()
    }

    /// The order may exist and nobody knows whether it does.
    pub fn is_unknown(&self) -> bool {
        matches!(self, Outcome::Unknown(_) | Outcome::NotResent)
    }

    /// Whether this run tried to send it (including a row the interrupt kept from starting).
    pub fn was_sent_now(&self) -> bool {
        !matches!(
            self,
            Outcome::DoneEarlier { .. } | Outcome::NotResent | Outcome::Invalid(_) | Outcome::Valid
        )
    }

    /// The order exists (now or from before).
    pub fn is_done(&self) -> bool {
        matches!(
            self,
            Outcome::Placed { .. } | Outcome::Exists | Outcome::DoneEarlier { .. }
        )
    }

    /// The order id, when known.
    pub fn order_id(&self) -> Option<i64> {
        match self {
            Outcome::Placed { order_id, .. } => Some(*order_id),
            Outcome::DoneEarlier { order_id } => *order_id,
            _ => None,
        }
    }

    /// Its exit code, on its own.
    pub fn exit_code(&self) -> u8 {
        match self {
            Outcome::Unknown(_) | Outcome::NotResent => EXIT_UNKNOWN,
            Outcome::Invalid(_) | Outcome::Rejected(_) | Outcome::Failed(_) => EXIT_FAILED,
            Outcome::Interrupted => EXIT_INTERRUPTED,
            Outcome::Placed { .. }
            | Outcome::Exists
            | Outcome::DoneEarlier { .. }
            | Outcome::Valid => EXIT_OK,
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

    /// The journal line recording it, if it is an answer.
    pub fn entry(&self, id: &str) -> Option<Entry> {
        let alternative_order_id = id.to_string();
        Some(match self {
            Outcome::Placed {
                order_id,
                certificate_id,
                ..
            } => Entry::Placed {
                alternative_order_id,
                order_id: *order_id,
                certificate_id: *certificate_id,
            },
            Outcome::Exists => Entry::Exists {
                alternative_order_id,
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
            Outcome::DoneEarlier { .. }
            | Outcome::Valid
            | Outcome::Invalid(_)
            | Outcome::NotResent
            | Outcome::Interrupted => return None,
        })
    }

    /// Its fields as JSON (`outcome` and what it knows).
    pub fn json(&self) -> Value {
        let mut v = json!({ "outcome": self.name() });
        match self {
            Outcome::Placed {
                order_id,
                certificate_id,
                status,
            } => {
                v["order_id"] = json!(order_id);
                v["certificate_id"] = json!(certificate_id);
                v["status"] = json!(status);
            }
            Outcome::DoneEarlier { order_id } => v["order_id"] = json!(order_id),
            Outcome::Invalid(violations) => v["violations"] = json!(violations),
            Outcome::Rejected(reason) | Outcome::Failed(reason) | Outcome::Unknown(reason) => {
                v["reason"] = json!(reason)
            }
            Outcome::NotResent | Outcome::Interrupted => v["reason"] = json!(self.describe()),
            Outcome::Exists | Outcome::Valid => {}
        }
        v
    }

    /// One line for people.
    pub fn describe(&self) -> String {
        match self {
            Outcome::Placed {
                order_id,
                certificate_id,
                status,
            } => {
                let status = status.as_deref().unwrap_or("no status");
                match certificate_id {
                    Some(c) => format!("placed: order {order_id} ({status}), certificate {c}"),
                    None => format!("placed: order {order_id} ({status})"),
                }
            }
            Outcome::Exists => "exists: an order with this alternative id was placed before".into(),
            Outcome::DoneEarlier { order_id: Some(id) } => {
                format!("done in an earlier run: order {id}")
            }
            Outcome::DoneEarlier { order_id: None } => "done in an earlier run".into(),
            Outcome::Valid => "valid, not sent".into(),
            Outcome::Invalid(v) => format!("invalid: {} rule(s) broken", v.len()),
            Outcome::Rejected(r) => format!("rejected, nothing was created: {r}"),
            Outcome::Failed(r) => format!("failed, nothing was created: {r}"),
            Outcome::Unknown(r) => format!("UNKNOWN, the order may exist: {r}"),
            Outcome::NotResent => {
                "UNKNOWN since an earlier run, not sent again until resolved".into()
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_has_its_own_name_and_the_worst_outcome_sets_the_exit_code() {
        let names: std::collections::HashSet<_> = Kind::ALL.iter().map(|k| k.name()).collect();
        assert_eq!(names.len(), Kind::ALL.len());
        assert_eq!(Kind::NotResent.wording(), "unknown (not sent again)");
        assert_eq!(Kind::Placed.wording(), "placed");
        let placed = Outcome::Placed {
            order_id: 1,
            certificate_id: None,
            status: None,
        };
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
