//! Following orders to their certificates: one order by polling its order info
//! ([`Client::wait_for_issuance`]), many at once by polling the status-change list, one call per
//! poll for all of them ([`Client::follow`]). Polls go through the client's pacer like every
//! call, wait longer each time ([`Polling`]), and stop at a deadline.

use crate::Client;
use crate::error::Error;
use crate::lifecycle::MAX_STATUS_CHANGE_WINDOW;
use crate::types::{OrderInfo, OrderRef, OrderStatus};
use std::collections::{BTreeMap, VecDeque};
use std::time::{Duration, Instant, SystemTime};

/// How often a followed order is polled: a first wait that doubles after each poll up to a
/// longest wait, each with jitter (so that many followers do not poll together).
///
/// ```
/// use std::time::Duration;
/// let polling = certcentral::Polling::default()
///     .first(Duration::from_secs(5))
///     .max(Duration::from_secs(120))
///     .jitter(false);
/// assert_eq!(polling.delay(1), Duration::from_secs(5));
/// assert_eq!(polling.delay(2), Duration::from_secs(10));
/// assert_eq!(polling.delay(10), Duration::from_secs(120));
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
#[non_exhaustive]
pub struct Polling {
    /// The wait before the second poll (the first is at once).
    pub first: Duration,
    /// The longest wait between two polls.
    pub max: Duration,
    /// Whether each wait is drawn between half and all of it.
    pub jitter: bool,
}

impl Default for Polling {
    /// 2 s, doubling up to 60 s, with jitter.
    fn default() -> Self {
        Polling {
            first: Duration::from_secs(2),
            max: Duration::from_secs(60),
            jitter: true,
        }
    }
}

impl Polling {
    /// Sets [`Polling::first`].
    pub fn first(mut self, first: Duration) -> Self {
        self.first = first;
        self
    }

    /// Sets [`Polling::max`].
    pub fn max(mut self, max: Duration) -> Self {
        self.max = max;
        self
    }

    /// Sets [`Polling::jitter`].
    pub fn jitter(mut self, on: bool) -> Self {
        self.jitter = on;
        self
    }

    /// The wait after poll number `poll` (1-based).
    pub fn delay(&self, poll: u32) -> Duration {
        let wait = self
            .first
            .saturating_mul(2u32.saturating_pow(poll.saturating_sub(1)))
            .min(self.max);
        if self.jitter {
            let half = wait / 2;
            half + half.mul_f64(crate::random::unit())
        } else {
            wait
        }
    }
}

/// Where an order stands for someone waiting for its certificate.
///
/// ```
/// use certcentral::{Stage, types::OrderStatus};
/// assert_eq!(Stage::of(&OrderStatus::Issued), Stage::Issued);
/// assert_eq!(Stage::of(&OrderStatus::Pending), Stage::InProgress);
/// assert_eq!(Stage::of(&OrderStatus::Canceled), Stage::Ended);
/// assert_eq!(Stage::of(&OrderStatus::WaitingPickup), Stage::WaitingForRecipient);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Stage {
    /// Its certificate is issued: download it.
    Issued,
    /// Ordered without a CSR, the certificate waits for its recipient to make the key in
    /// their browser (`waiting_pickup`): only they can move it on.
    WaitingForRecipient,
    /// It will not be issued (`rejected`, `canceled`, `revoked`, `expired`).
    Ended,
    /// Approval, validation or issuance is still to come (`needs_approval`, `pending`,
    /// `reissue_pending`, or a status the SDK does not know).
    InProgress,
}

impl Stage {
    /// The stage of an order in `status`.
    pub fn of(status: &OrderStatus) -> Stage {
        match status {
            OrderStatus::Issued => Stage::Issued,
            OrderStatus::WaitingPickup => Stage::WaitingForRecipient,
            OrderStatus::Rejected
            | OrderStatus::Canceled
            | OrderStatus::Revoked
            | OrderStatus::Expired => Stage::Ended,
            _ => Stage::InProgress,
        }
    }
}

/// Extra time each status-change poll looks back, so that a change made while the previous
/// poll was answered, or read by a clock a little apart from CertCentral's, is not missed.
const OVERLAP: Duration = Duration::from_secs(60);

impl Client {
    /// Waits until an order leaves [`Stage::InProgress`] (issued, waiting for its recipient,
    /// or ended), polling its order info at once and then as the client's [`Polling`] says,
    /// for at most `within`; returns the order as last seen (check its status: past `within`
    /// it is still in progress). An error of a poll is returned as it is (each poll is retried
    /// as the client's retry policy allows).
    ///
    /// ```no_run
    /// # async fn run(client: certcentral::Client) -> Result<(), certcentral::Error> {
    /// use certcentral::Stage;
    /// let order = client.wait_for_issuance(112233, std::time::Duration::from_secs(600)).await?;
    /// match Stage::of(&order.status) {
    ///     Stage::Issued => println!("certificate {:?} is issued", order.certificate.map(|c| c.id)),
    ///     Stage::InProgress => println!("still {} after ten minutes", order.status),
    ///     _ => println!("order {} is {}", order.id, order.status),
    /// }
    /// # Ok(()) }
    /// ```
    pub async fn wait_for_issuance(
        &self,
        order_id: i64,
        within: Duration,
    ) -> Result<OrderInfo, Error> {
        let deadline = Instant::now() + within;
        let mut poll = 0;
        loop {
            let order = self.order_info(order_id).await?;
            poll += 1;
            let wait = self.inner.settings.polling.delay(poll);
            if Stage::of(&order.status) != Stage::InProgress || Instant::now() + wait > deadline {
                return Ok(order);
            }
            tokio::time::sleep(wait).await;
        }
    }

    /// Follows many orders at once, placed since `placed_since`, until each leaves
    /// [`Stage::InProgress`] or `within` has passed: one status-change call per poll for all
    /// of them (DigiCert's list of the orders whose status changed), not an order-info call
    /// each. Orders placed more than 7 days ago (beyond the list's reach) are read once by
    /// order info at the first poll. [`Follower::next`] gives each order as it settles.
    ///
    /// ```no_run
    /// # async fn run(client: certcentral::Client, placed: Vec<i64>, since: std::time::SystemTime) -> Result<(), certcentral::Error> {
    /// use certcentral::Stage;
    /// let mut follower = client.follow(placed, since, std::time::Duration::from_secs(3600));
    /// while let Some(settled) = follower.next().await {
    ///     let order = settled?;
    ///     if Stage::of(&order.status) == Stage::Issued {
    ///         use certcentral::types::CertificateFormat;
    ///         let pem = client.download_certificate(order.order_id, CertificateFormat::PemAll).await?;
    ///         std::fs::write(format!("{}.pem", order.order_id), pem).expect("written");
    ///     }
    /// }
    /// println!("still in progress: {:?}", follower.in_progress().collect::<Vec<_>>());
    /// # Ok(()) }
    /// ```
    pub fn follow(
        &self,
        orders: impl IntoIterator<Item = i64>,
        placed_since: SystemTime,
        within: Duration,
    ) -> Follower<'_> {
        Follower {
            client: self,
            in_progress: orders.into_iter().map(|id| (id, None)).collect(),
            settled: VecDeque::new(),
            placed_since,
            last_poll: None,
            polls: 0,
            deadline: Instant::now() + within,
        }
    }
}

/// Orders followed together ([`Client::follow`]).
#[derive(Debug)]
pub struct Follower<'c> {
    client: &'c Client,
    /// The orders still in progress, with their last status seen.
    in_progress: BTreeMap<i64, Option<OrderStatus>>,
    /// Settled, not yet given out.
    settled: VecDeque<OrderRef>,
    placed_since: SystemTime,
    /// When the last poll was asked (the next one looks back to it, and [`OVERLAP`]).
    last_poll: Option<SystemTime>,
    polls: u32,
    deadline: Instant,
}

impl Follower<'_> {
    /// The next order to leave [`Stage::InProgress`] (its id, status and certificate id);
    /// `None` once every order has, or when the deadline has passed (see
    /// [`Follower::in_progress`]). An error of a poll is given out as it is; calling `next`
    /// again polls again.
    pub async fn next(&mut self) -> Option<Result<OrderRef, Error>> {
        loop {
            if let Some(order) = self.settled.pop_front() {
                return Some(Ok(order));
            }
            if self.in_progress.is_empty() {
                return None;
            }
            if self.polls > 0 {
                let wait = self.client.inner.settings.polling.delay(self.polls);
                if Instant::now() + wait > self.deadline {
                    return None;
                }
                tokio::time::sleep(wait).await;
            }
            self.polls += 1;
            if let Err(e) = self.poll().await {
                return Some(Err(e));
            }
        }
    }

    /// The orders still in progress, with the last status seen (`None`: not seen changed
    /// since they were placed).
    pub fn in_progress(&self) -> impl Iterator<Item = (i64, Option<&OrderStatus>)> {
        self.in_progress.iter().map(|(id, s)| (*id, s.as_ref()))
    }

    /// One poll: the status changes since the last poll (or since the orders were placed).
    async fn poll(&mut self) -> Result<(), Error> {
        let now = SystemTime::now();
        let from = self.last_poll.unwrap_or(self.placed_since);
        let back = now.duration_since(from).unwrap_or_default() + OVERLAP;
        if back > MAX_STATUS_CHANGE_WINDOW {
            // Beyond the list's reach: each order's info, once.
            let ids: Vec<i64> = self.in_progress.keys().copied().collect();
            for id in ids {
                let info = self.client.order_info(id).await?;
                self.seen(OrderRef {
                    order_id: info.id,
                    certificate_id: info.certificate.and_then(|c| c.id),
                    status: info.status,
                });
            }
        } else {
            for change in self.client.status_changes(back).await? {
                self.seen(change);
            }
        }
        self.last_poll = Some(now);
        Ok(())
    }

    fn seen(&mut self, order: OrderRef) {
        let Some(last) = self.in_progress.get_mut(&order.order_id) else {
            return; // not one of ours
        };
        if Stage::of(&order.status) == Stage::InProgress {
            *last = Some(order.status);
        } else {
            self.in_progress.remove(&order.order_id);
            self.settled.push_back(order);
        }
    }
}
