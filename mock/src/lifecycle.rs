//! An order's life in the mock, as DigiCert describes it, on the mock's clock:
//!
//! - placed: `needs_approval` with its request `pending`; with `skip_approval`, `pending` with
//!   its request `submitted` (or `approved`, on a [`prevalidated`](crate::MockConfig::prevalidated)
//!   account);
//! - approving the request moves the order to `pending`; rejecting it makes the order
//!   `rejected`;
//! - a pending order is issued [`issue_after`](crate::MockConfig::issue_after) after it is both
//!   approved and validated: its organization and domains for sponsor- and
//!   organization-validated products (organization [`VALIDATED_ORGANIZATION`] with mailboxes at
//!   [`VALIDATED_DOMAIN`], or anything on a prevalidated account), its mailboxes for a Class 1
//!   order (an order without an organization: see
//!   [`MockServer::validate_mailbox`](crate::MockServer::validate_mailbox));
//! - an order without a CSR goes to `waiting_pickup` instead: DigiCert emails the recipient to
//!   make the key and certificate in their browser, which
//!   [`MockServer::pick_up`](crate::MockServer::pick_up) stands for (the key is made there and
//!   never leaves it);
//! - an issued certificate is `expired` after its last day;
//! - cancelling (with a note) is allowed from `pending` and `waiting_pickup` only.
//!
//! The changes a request asks for are [`Life::apply`]; the changes time brings are
//! [`Life::progress`]. Both are pure over the order's state, so the table test below walks
//! every (state, action) pair.

use certcentral_table::responses::{OrderStatus, RequestStatus};
use std::time::{Duration, SystemTime};

/// The organization the mock treats as validated (as CertCentral's demo accounts have one).
pub const VALIDATED_ORGANIZATION: i64 = 112233;
/// The domain whose mailboxes (and subdomains') the mock treats as validated for the sponsor-
/// and organization-validated products.
pub const VALIDATED_DOMAIN: &str = "example.com";

/// How long the certificate is valid, as the order asked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Validity {
    Years(u32),
    Days(u32),
    /// Until this day (its end).
    Until(time::Date),
}

/// What the order asked to be certified.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Subject {
    pub(crate) common_name: Option<String>,
    pub(crate) emails: Vec<String>,
    /// The existing organization named (`None` for a Class 1 order, or a new organization).
    pub(crate) organization_id: Option<i64>,
    /// Whether the order names an organization at all (a Class 1 order does not: its mailboxes
    /// are validated instead).
    pub(crate) has_organization: bool,
    pub(crate) csr: Option<String>,
    pub(crate) validity: Validity,
}

impl Subject {
    /// The common name on the certificate: the order's, or its first email (Class 1).
    pub(crate) fn certified_name(&self) -> &str {
        self.common_name
            .as_deref()
            .or(self.emails.first().map(String::as_str))
            .unwrap_or("")
    }

    /// Whether the organization and the mailboxes' domains are the mock's validated ones.
    pub(crate) fn is_organization_validated(&self) -> bool {
        self.organization_id == Some(VALIDATED_ORGANIZATION)
            && self.emails.iter().all(|e| {
                let domain = e
                    .rsplit_once('@')
                    .map_or("", |(_, d)| d)
                    .to_ascii_lowercase();
                domain == VALIDATED_DOMAIN || domain.ends_with(&format!(".{VALIDATED_DOMAIN}"))
            })
    }
}

/// An issued certificate, with its validity.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Certificate {
    pub(crate) der: Vec<u8>,
    pub(crate) serial: String,
    pub(crate) not_before: SystemTime,
    pub(crate) not_after: SystemTime,
}

/// The order's state after it was placed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Life {
    pub(crate) created_at: SystemTime,
    pub(crate) subject: Subject,
    pub(crate) status: OrderStatus,
    /// When `status` last changed.
    pub(crate) status_changed_at: SystemTime,
    pub(crate) request_status: RequestStatus,
    /// When the request was approved or rejected.
    pub(crate) request_processed_at: Option<SystemTime>,
    pub(crate) processor_comment: Option<String>,
    /// When the request was approved (or submitted with `skip_approval`): validation runs
    /// from then.
    pub(crate) approved_at: Option<SystemTime>,
    /// When the subject was validated.
    pub(crate) validated_at: Option<SystemTime>,
    pub(crate) certificate: Option<Certificate>,
    /// The note of a cancellation.
    pub(crate) note: Option<String>,
    /// When the recipient picked the certificate up in their browser (an order without CSR).
    pub(crate) picked_up_at: Option<SystemTime>,
    /// A later order renewed this one (`renewal_of_order_id`).
    pub(crate) renewed: bool,
}

/// A change a request asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Action<'a> {
    Approve(Option<&'a str>),
    Reject(Option<&'a str>),
    Cancel(Option<&'a str>),
    /// `renewed` / `not_renewed`: for migrated orders only, which the mock has none of.
    MarkRenewal,
}

/// Why a change was refused (each is DigiCert's error envelope in the answer).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Refused {
    /// Only a pending request is approved or rejected.
    RequestNotPending(RequestStatus),
    /// Only a `pending` or `waiting_pickup` order is canceled.
    NotCancelable(OrderStatus),
    /// A cancellation needs a note.
    NoteRequired,
    /// `renewed` and `not_renewed` are for migrated orders.
    NotMigrated,
}

impl Refused {
    /// The error's code and message.
    pub(crate) fn error(&self) -> (&'static str, String) {
        match self {
            Refused::RequestNotPending(s) => (
                "invalid_request_status",
                format!("The request is {s}: only a pending request can be approved or rejected."),
            ),
            Refused::NotCancelable(s) => (
                "invalid_order_status",
                format!(
                    "The order is {s}: only a pending or waiting_pickup order can be canceled."
                ),
            ),
            Refused::NoteRequired => (
                "invalid_request|note",
                "A cancellation needs a note.".into(),
            ),
            Refused::NotMigrated => (
                "invalid_order_status",
                "renewed and not_renewed apply to migrated orders only.".into(),
            ),
        }
    }
}

impl Life {
    /// A new order's state: its request pending approval, or (`skip_approval`) submitted, or
    /// approved at once on a prevalidated account.
    pub(crate) fn new(
        now: SystemTime,
        subject: Subject,
        skip_approval: bool,
        prevalidated: bool,
    ) -> Life {
        let (status, request_status) = match (skip_approval, prevalidated) {
            (false, _) => (OrderStatus::NeedsApproval, RequestStatus::Pending),
            (true, false) => (OrderStatus::Pending, RequestStatus::Submitted),
            (true, true) => (OrderStatus::Pending, RequestStatus::Approved),
        };
        Life {
            created_at: now,
            subject,
            status,
            status_changed_at: now,
            request_processed_at: skip_approval.then_some(now),
            request_status,
            processor_comment: None,
            approved_at: skip_approval.then_some(now),
            validated_at: None,
            certificate: None,
            note: None,
            picked_up_at: None,
            renewed: false,
        }
    }

    fn set_status(&mut self, status: OrderStatus, at: SystemTime) {
        if self.status != status {
            self.status = status;
            self.status_changed_at = at;
        }
    }

    /// Carries out a change a request asks for, or says why it is refused (nothing changes).
    pub(crate) fn apply(&mut self, action: Action<'_>, now: SystemTime) -> Result<(), Refused> {
        match action {
            Action::Approve(comment) | Action::Reject(comment) => {
                if self.request_status != RequestStatus::Pending {
                    return Err(Refused::RequestNotPending(self.request_status.clone()));
                }
                let approve = matches!(action, Action::Approve(_));
                self.request_status = if approve {
                    RequestStatus::Approved
                } else {
                    RequestStatus::Rejected
                };
                self.request_processed_at = Some(now);
                self.processor_comment = comment.map(str::to_string);
                if approve {
                    self.approved_at = Some(now);
                    self.set_status(OrderStatus::Pending, now);
                } else {
                    self.set_status(OrderStatus::Rejected, now);
                }
                Ok(())
            }
            Action::Cancel(note) => {
                let note = note.map(str::trim).filter(|n| !n.is_empty());
                let Some(note) = note else {
                    return Err(Refused::NoteRequired);
                };
                if !matches!(
                    self.status,
                    OrderStatus::Pending | OrderStatus::WaitingPickup
                ) {
                    return Err(Refused::NotCancelable(self.status.clone()));
                }
                self.note = Some(note.to_string());
                self.set_status(OrderStatus::Canceled, now);
                Ok(())
            }
            Action::MarkRenewal => Err(Refused::NotMigrated),
        }
    }

    /// Carries out what time brings until `now`: validation (`validated`: when the subject
    /// was validated, if it is), issuance `issue_after` after approval and validation (through
    /// `issue`, with the time it is issued at), the browser step of an order without a CSR,
    /// expiry. Each change is dated when it happened, not when it is seen. `issue` signs for the
    /// subject's CSR, or (without one) for a key made in the recipient's browser.
    pub(crate) fn progress(
        &mut self,
        now: SystemTime,
        validated: Option<SystemTime>,
        issue_after: Duration,
        mut issue: impl FnMut(&Subject, SystemTime) -> Result<Certificate, String>,
    ) {
        if self.status == OrderStatus::Pending {
            if self.validated_at.is_none() {
                self.validated_at = validated;
            }
            let ready = match (self.approved_at, self.validated_at) {
                (Some(a), Some(v)) => Some(a.max(v) + issue_after),
                _ => None,
            };
            match ready {
                Some(at) if at <= now && self.subject.csr.is_none() => {
                    self.set_status(OrderStatus::WaitingPickup, at);
                }
                Some(at) if at <= now => self.issue(at, &mut issue),
                _ => {}
            }
        }
        if self.status == OrderStatus::WaitingPickup
            && let Some(at) = self.picked_up_at
            && at <= now
        {
            self.issue(at, &mut issue);
        }
        if self.status == OrderStatus::Issued
            && let Some(c) = &self.certificate
            && c.not_after <= now
        {
            let at = c.not_after;
            self.set_status(OrderStatus::Expired, at);
        }
    }

    fn issue(
        &mut self,
        at: SystemTime,
        issue: &mut impl FnMut(&Subject, SystemTime) -> Result<Certificate, String>,
    ) {
        match issue(&self.subject, at) {
            Ok(certificate) => {
                self.certificate = Some(certificate);
                self.subject.csr = None; // no longer needed
                self.set_status(OrderStatus::Issued, at);
            }
            Err(why) => {
                tracing::warn!(%why, "mock: the certificate cannot be issued; the order is rejected");
                self.set_status(OrderStatus::Rejected, at);
            }
        }
    }
}

/// The end of the certificate's validity when issued at `from`.
pub(crate) fn not_after(validity: Validity, from: SystemTime) -> SystemTime {
    let start = time::OffsetDateTime::from(from);
    let end = match validity {
        Validity::Years(n) => {
            let year = start.year() + i32::try_from(n).unwrap_or(1);
            start
                .replace_year(year)
                .or_else(|_| (start - time::Duration::days(1)).replace_year(year))
                .unwrap_or(start + time::Duration::days(365 * i64::from(n)))
        }
        Validity::Days(n) => start + time::Duration::days(i64::from(n)),
        Validity::Until(day) => day
            .with_hms(23, 59, 59)
            .map(|t| t.assume_utc())
            .unwrap_or(start),
    };
    end.into()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn subject(csr: bool) -> Subject {
        Subject {
            common_name: Some("Alice".into()),
            emails: vec!["alice@example.com".into()],
            organization_id: Some(VALIDATED_ORGANIZATION),
            has_organization: true,
            csr: csr.then(|| "CSR".to_string()),
            validity: Validity::Years(1),
        }
    }

    fn at(s: u64) -> SystemTime {
        SystemTime::UNIX_EPOCH + Duration::from_secs(1_800_000_000 + s)
    }

    fn signed(_: &Subject, from: SystemTime) -> Result<Certificate, String> {
        Ok(Certificate {
            der: vec![1],
            serial: "01".into(),
            not_before: from,
            not_after: from + Duration::from_secs(1000),
        })
    }

    /// An order in `status` (its request as placing and deciding it would leave it).
    fn life(status: OrderStatus) -> Life {
        let mut l = Life::new(at(0), subject(true), false, false);
        match status {
            OrderStatus::NeedsApproval => {}
            OrderStatus::Pending => l.apply(Action::Approve(None), at(1)).unwrap(),
            OrderStatus::Rejected => l.apply(Action::Reject(None), at(1)).unwrap(),
            other => {
                l.apply(Action::Approve(None), at(1)).unwrap();
                l.status = other;
            }
        }
        l
    }

    /// Every (state, action) pair: the state after it, or the refusal.
    #[test]
    fn every_state_and_action() {
        use OrderStatus::*;
        let note = Some("twice");
        #[rustfmt::skip]
        let rows: Vec<(OrderStatus, Action<'_>, Result<OrderStatus, Refused>)> = vec![
            (NeedsApproval,  Action::Approve(None), Ok(Pending)),
            (NeedsApproval,  Action::Reject(None),  Ok(Rejected)),
            (NeedsApproval,  Action::Cancel(note),  Err(Refused::NotCancelable(NeedsApproval))),
            (Pending,        Action::Approve(None), Err(Refused::RequestNotPending(RequestStatus::Approved))),
            (Pending,        Action::Reject(None),  Err(Refused::RequestNotPending(RequestStatus::Approved))),
            (Pending,        Action::Cancel(note),  Ok(Canceled)),
            (Pending,        Action::Cancel(None),  Err(Refused::NoteRequired)),
            (Pending,        Action::Cancel(Some(" ")), Err(Refused::NoteRequired)),
            (WaitingPickup,  Action::Cancel(note),  Ok(Canceled)),
            (Issued,         Action::Cancel(note),  Err(Refused::NotCancelable(Issued))),
            (Rejected,       Action::Approve(None), Err(Refused::RequestNotPending(RequestStatus::Rejected))),
            (Rejected,       Action::Cancel(note),  Err(Refused::NotCancelable(Rejected))),
            (Canceled,       Action::Cancel(note),  Err(Refused::NotCancelable(Canceled))),
            (Expired,        Action::Cancel(note),  Err(Refused::NotCancelable(Expired))),
            (Pending,        Action::MarkRenewal,   Err(Refused::NotMigrated)),
        ];
        for (from, action, expected) in rows {
            let mut l = life(from.clone());
            let before = l.clone();
            let got = l.apply(action, at(5)).map(|()| l.status.clone());
            assert_eq!(got, expected, "{from} + {action:?}");
            if got.is_err() {
                assert_eq!(l, before, "a refused {action:?} changed {from}");
            } else {
                assert_eq!(l.status_changed_at, at(5), "{from} + {action:?}");
            }
        }
    }

    #[test]
    fn time_issues_after_approval_and_validation_then_expires() {
        let issue_after = Duration::from_secs(10);
        let mut l = life(OrderStatus::NeedsApproval);
        l.progress(at(100), Some(at(0)), issue_after, signed);
        assert_eq!(l.status, OrderStatus::NeedsApproval, "not approved: waits");
        l.apply(Action::Approve(None), at(100)).unwrap();
        l.progress(at(105), Some(at(0)), issue_after, signed);
        assert_eq!(l.status, OrderStatus::Pending, "approved 5 s ago: not yet");
        l.progress(at(200), Some(at(0)), issue_after, signed);
        assert_eq!(l.status, OrderStatus::Issued);
        assert_eq!(l.status_changed_at, at(110), "dated when it happened");
        assert_eq!(l.certificate.as_ref().unwrap().not_before, at(110));
        l.progress(at(2000), None, issue_after, signed);
        assert_eq!(
            (l.status.clone(), l.status_changed_at),
            (OrderStatus::Expired, at(1110))
        );

        // Not validated: pending for ever; validated later: issued after that.
        let mut l = life(OrderStatus::Pending);
        l.progress(at(1000), None, issue_after, signed);
        assert_eq!(l.status, OrderStatus::Pending);
        l.progress(at(1000), Some(at(500)), issue_after, signed);
        assert_eq!(
            (l.status.clone(), l.status_changed_at),
            (OrderStatus::Issued, at(510))
        );

        // Without a CSR: waiting for the recipient, then issued when picked up.
        let mut l = Life::new(at(0), subject(false), true, true);
        l.progress(at(50), Some(at(0)), issue_after, signed);
        assert_eq!(
            (l.status.clone(), l.status_changed_at),
            (OrderStatus::WaitingPickup, at(10))
        );
        l.picked_up_at = Some(at(60));
        l.progress(at(70), None, issue_after, signed);
        assert_eq!(
            (l.status.clone(), l.status_changed_at),
            (OrderStatus::Issued, at(60))
        );
    }

    #[test]
    fn validity_in_years_days_or_until_a_day() {
        let from = SystemTime::from(time::macros::datetime!(2024-02-29 12:00 UTC));
        let year = not_after(Validity::Years(1), from);
        assert_eq!(
            time::OffsetDateTime::from(year).date(),
            time::macros::date!(2025 - 02 - 28)
        );
        let days = not_after(Validity::Days(30), from);
        assert_eq!(
            time::OffsetDateTime::from(days).date(),
            time::macros::date!(2024 - 03 - 30)
        );
        let until = not_after(Validity::Until(time::macros::date!(2024 - 06 - 09)), from);
        assert_eq!(
            time::OffsetDateTime::from(until),
            time::macros::datetime!(2024-06-09 23:59:59 UTC)
        );
    }
}
