//! What the mock remembers, bounded: the orders (their ledger entries and lives, indexed by
//! alternative order id), the validated mailboxes, the recent requests, the queued faults, the
//! rate-limit windows, and counters that tests await.

use crate::ca::Ca;
use crate::clock::Clock;
use crate::lifecycle::Life;
use crate::limiter::Windows;
use crate::{Fault, LedgerEntry, MockConfig, RecordedRequest};
use std::collections::{HashMap, VecDeque};
use std::sync::{Mutex, MutexGuard};
use std::time::SystemTime;
use tokio::sync::Notify;

/// Something kept in a [`Log`], with the heap bytes it holds.
pub(crate) trait Weight {
    fn bytes(&self) -> usize;
}

/// An order: what was placed, and what became of it.
#[derive(Debug, Clone)]
pub(crate) struct Order {
    pub(crate) entry: LedgerEntry,
    pub(crate) life: Life,
}

impl Weight for Order {
    fn bytes(&self) -> usize {
        let e = &self.entry;
        let s = &self.life.subject;
        size_of::<Self>()
            + e.body.len()
            + e.product.len()
            + e.status.as_str().len()
            + e.alternative_order_id.as_ref().map_or(0, String::len)
            + s.emails.iter().map(String::len).sum::<usize>()
            + s.common_name.as_ref().map_or(0, String::len)
            + s.csr.as_ref().map_or(0, String::len)
            + self
                .life
                .certificate
                .as_ref()
                .map_or(0, |c| c.der.len() + c.serial.len())
            + self.life.note.as_ref().map_or(0, String::len)
            + self.life.processor_comment.as_ref().map_or(0, String::len)
    }
}

impl Weight for RecordedRequest {
    fn bytes(&self) -> usize {
        size_of::<Self>()
            + self.method.len()
            + self.path.len()
            + self.query.len()
            + self.body.len()
            + self
                .headers
                .iter()
                .map(|(n, v)| n.len() + v.len())
                .sum::<usize>()
    }
}

/// The newest items, at most `max_items` of them holding at most `max_bytes`: the oldest go.
#[derive(Debug)]
pub(crate) struct Log<T> {
    items: VecDeque<T>,
    bytes: usize,
    max_items: usize,
    max_bytes: usize,
}

impl<T: Weight> Log<T> {
    fn new(max_items: usize, max_bytes: usize) -> Self {
        Self {
            items: VecDeque::new(),
            bytes: 0,
            max_items,
            max_bytes,
        }
    }

    /// Adds `item`, and returns what had to go to make room.
    fn push(&mut self, item: T) -> Vec<T> {
        self.bytes += item.bytes();
        self.items.push_back(item);
        let mut evicted = Vec::new();
        while self.items.len() > self.max_items.max(1)
            || (self.bytes > self.max_bytes && self.items.len() > 1)
        {
            let Some(old) = self.items.pop_front() else {
                break;
            };
            self.bytes -= old.bytes();
            evicted.push(old);
        }
        evicted
    }

    pub(crate) fn iter(&self) -> impl DoubleEndedIterator<Item = &T> {
        self.items.iter()
    }

    pub(crate) fn iter_mut(&mut self) -> impl DoubleEndedIterator<Item = &mut T> {
        self.items.iter_mut()
    }

    /// The item whose `key` is `wanted`, in a log kept in increasing order of `key`.
    pub(crate) fn find_mut<K: Ord>(&mut self, wanted: K, key: impl Fn(&T) -> K) -> Option<&mut T> {
        let i = self.items.binary_search_by(|t| key(t).cmp(&wanted)).ok()?;
        self.items.get_mut(i)
    }
}

/// Counters a test can wait on.
#[derive(Debug, Default, Clone, Copy)]
pub(crate) struct Counters {
    pub(crate) orders_created: u64,
    pub(crate) open_connections: usize,
    /// Order requests being handled (received, not yet answered).
    pub(crate) orders_in_progress: usize,
    /// Requests of any operation being handled.
    pub(crate) calls_in_progress: usize,
}

pub(crate) struct State {
    /// In the order they were placed: order ids and request ids increase.
    pub(crate) orders: Log<Order>,
    /// Alternative order id → the ids of the orders with it still in the ledger, oldest first.
    pub(crate) by_alternative_id: HashMap<String, Vec<i64>>,
    /// Validated mailboxes (lower case) and when, the oldest first out past the ledger's
    /// capacity.
    pub(crate) mailboxes: HashMap<String, SystemTime>,
    mailbox_order: VecDeque<String>,
    pub(crate) requests: Log<RecordedRequest>,
    /// The faults queued per operation (its short name).
    pub(crate) faults: HashMap<&'static str, VecDeque<Fault>>,
    /// Arrivals per accepted API key.
    pub(crate) windows: HashMap<String, Windows>,
    pub(crate) counters: Counters,
    pub(crate) next_order_id: i64,
    pub(crate) next_request_id: i64,
    pub(crate) next_organization_id: i64,
}

impl State {
    /// Adds an order to the ledger; an order that falls out of it leaves the index too.
    pub(crate) fn record_order(&mut self, order: Order) {
        if let Some(id) = &order.entry.alternative_order_id {
            self.by_alternative_id
                .entry(id.clone())
                .or_default()
                .push(order.entry.order_id);
        }
        for old in self.orders.push(order) {
            if let Some(id) = old.entry.alternative_order_id
                && let Some(ids) = self.by_alternative_id.get_mut(&id)
            {
                ids.retain(|o| *o != old.entry.order_id);
                if ids.is_empty() {
                    self.by_alternative_id.remove(&id);
                }
            }
        }
        self.counters.orders_created += 1;
    }

    /// The order with this id, if the ledger still holds it.
    pub(crate) fn order(&mut self, order_id: i64) -> Option<&mut Order> {
        self.orders.find_mut(order_id, |o| o.entry.order_id)
    }

    /// The order whose request has this id.
    pub(crate) fn order_of_request(&mut self, request_id: i64) -> Option<&mut Order> {
        self.orders.find_mut(request_id, |o| o.entry.request_id)
    }

    /// Records a validated mailbox (at most as many as the ledger holds orders).
    pub(crate) fn validate_mailbox(&mut self, email: &str, at: SystemTime, capacity: usize) {
        let email = email.trim().to_lowercase();
        if self.mailboxes.insert(email.clone(), at).is_none() {
            self.mailbox_order.push_back(email);
        }
        while self.mailbox_order.len() > capacity.max(1) {
            if let Some(old) = self.mailbox_order.pop_front() {
                self.mailboxes.remove(&old);
            }
        }
    }

    /// Takes the next fault queued for an operation.
    pub(crate) fn next_fault(&mut self, operation: &str) -> Option<Fault> {
        self.faults.get_mut(operation)?.pop_front()
    }

    pub(crate) fn record_request(&mut self, request: RecordedRequest) {
        self.requests.push(request);
    }
}

pub(crate) struct Shared {
    pub(crate) config: MockConfig,
    /// The mock's clock: every date it writes.
    pub(crate) clock: Clock,
    /// The CA that signs issued certificates.
    pub(crate) ca: Ca,
    state: Mutex<State>,
    /// Woken whenever a counter changes.
    changed: Notify,
    /// [`MockConfig::ledger_file`], open for appending.
    ledger_file: Option<Mutex<std::fs::File>>,
    /// [`MockConfig::access_log`], open for appending.
    access_log: Option<Mutex<std::fs::File>>,
    /// Set by [`MockServer::release_held`](crate::MockServer::release_held): answers held by
    /// [`Fault::Hold`] go out.
    released: tokio::sync::watch::Sender<bool>,
}

impl Shared {
    pub(crate) fn new(config: MockConfig) -> std::io::Result<Self> {
        let append = |path: &Option<std::path::PathBuf>| -> std::io::Result<_> {
            match path {
                Some(path) => Ok(Some(Mutex::new(
                    std::fs::OpenOptions::new()
                        .create(true)
                        .append(true)
                        .open(path)?,
                ))),
                None => Ok(None),
            }
        };
        let ledger_file = append(&config.ledger_file)?;
        let access_log = append(&config.access_log)?;
        let ca = Ca::open(config.ca_dir.as_deref())?;
        let clock = Clock::default();
        if let Some(start) = config.start_at {
            clock.set(start);
        }
        let mut state = State {
            orders: Log::new(config.ledger_capacity, config.ledger_bytes),
            by_alternative_id: HashMap::new(),
            mailboxes: HashMap::new(),
            mailbox_order: VecDeque::new(),
            requests: Log::new(config.recent_requests, config.recent_request_bytes),
            faults: HashMap::new(),
            windows: HashMap::new(),
            counters: Counters::default(),
            next_order_id: config.first_order_id,
            next_request_id: config.first_request_id,
            next_organization_id: config.first_organization_id,
        };
        for email in &config.validated_mailboxes {
            state.validate_mailbox(email, clock.now(), config.ledger_capacity);
        }
        Ok(Self {
            config,
            clock,
            ca,
            state: Mutex::new(state),
            changed: Notify::new(),
            ledger_file,
            access_log,
            released: tokio::sync::watch::Sender::new(false),
        })
    }

    /// Appends an order to [`MockConfig::ledger_file`], if one was asked for: one line, in one
    /// write, so that a reader never sees half of it.
    pub(crate) fn append_to_ledger_file(&self, entry: &LedgerEntry) {
        Self::append(self.ledger_file.as_ref(), entry_line(entry));
    }

    /// Appends a line to the access log, if one was asked for.
    pub(crate) fn append_to_access_log(&self, line: serde_json::Value) {
        Self::append(self.access_log.as_ref(), line);
    }

    /// Appends one JSON line, in one write, so that a reader never sees half of it.
    fn append(file: Option<&Mutex<std::fs::File>>, line: serde_json::Value) {
        use std::io::Write;
        let Some(file) = file else {
            return;
        };
        let mut line = line.to_string();
        line.push('\n');
        let mut file = file.lock().unwrap_or_else(|p| p.into_inner());
        if let Err(e) = file.write_all(line.as_bytes()) {
            tracing::warn!(error = %e, "mock: cannot append to a log file");
        }
    }

    pub(crate) fn state(&self) -> MutexGuard<'_, State> {
        // Every update is a push, an insert or a counter bump: a poisoned lock still holds a
        // consistent state.
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Changes the counters and wakes whoever waits on them.
    pub(crate) fn count(&self, change: impl FnOnce(&mut Counters)) {
        change(&mut self.state().counters);
        self.notify();
    }

    /// Wakes whoever waits on the counters (after a change made under [`Shared::state`]).
    pub(crate) fn notify(&self) {
        self.changed.notify_waiters();
    }

    /// Lets every held answer go, now and from now on.
    pub(crate) fn release_held(&self) {
        self.released.send_replace(true);
    }

    /// Waits until held answers are released.
    pub(crate) async fn held(&self) {
        let mut released = self.released.subscribe();
        let _ = released.wait_for(|r| *r).await;
    }

    /// Waits until `done` holds for the counters.
    pub(crate) async fn wait_until(&self, done: impl Fn(&Counters) -> bool) {
        loop {
            let changed = self.changed.notified();
            if done(&self.state().counters) {
                return;
            }
            changed.await;
        }
    }
}

/// An order's line in the ledger file: what identifies it, never the body (which may hold card
/// data).
fn entry_line(entry: &LedgerEntry) -> serde_json::Value {
    serde_json::json!({
        "order_id": entry.order_id,
        "request_id": entry.request_id,
        "alternative_order_id": entry.alternative_order_id,
        "product": entry.product,
        "status": entry.status,
        "certificate_id": entry.certificate_id,
        "created_organization_id": entry.created_organization_id,
        "date_created": crate::dates::iso(entry.created_at),
    })
}
