//! What the mock remembers, bounded: the order ledger (indexed by alternative order id), the
//! recent requests, the queued faults, the rate-limit windows, and counters that tests await.

use crate::limiter::Windows;
use crate::{Fault, LedgerEntry, MockConfig, RecordedRequest};
use std::collections::{HashMap, VecDeque};
use std::sync::{Mutex, MutexGuard};
use tokio::sync::Notify;

/// Something kept in a [`Log`], with the heap bytes it holds.
pub(crate) trait Weight {
    fn bytes(&self) -> usize;
}

impl Weight for LedgerEntry {
    fn bytes(&self) -> usize {
        size_of::<Self>()
            + self.body.len()
            + self.product.len()
            + self.status.as_str().len()
            + self.alternative_order_id.as_ref().map_or(0, String::len)
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
}

/// Counters a test can wait on.
#[derive(Debug, Default, Clone, Copy)]
pub(crate) struct Counters {
    pub(crate) orders_created: u64,
    pub(crate) open_connections: usize,
    pub(crate) orders_in_progress: usize,
}

pub(crate) struct State {
    pub(crate) orders: Log<LedgerEntry>,
    /// Alternative order id → order id, for the orders still in the ledger.
    pub(crate) by_alternative_id: HashMap<String, i64>,
    pub(crate) requests: Log<RecordedRequest>,
    pub(crate) faults: VecDeque<Fault>,
    /// Arrivals per accepted API key.
    pub(crate) windows: HashMap<String, Windows>,
    pub(crate) counters: Counters,
    pub(crate) next_order_id: i64,
    pub(crate) next_request_id: i64,
    pub(crate) next_organization_id: i64,
}

impl State {
    /// Adds an order to the ledger; an order that falls out of it leaves the index too.
    pub(crate) fn record_order(&mut self, entry: LedgerEntry) {
        if let Some(id) = &entry.alternative_order_id {
            self.by_alternative_id.insert(id.clone(), entry.order_id);
        }
        for old in self.orders.push(entry) {
            if let Some(id) = old.alternative_order_id
                && self.by_alternative_id.get(&id) == Some(&old.order_id)
            {
                self.by_alternative_id.remove(&id);
            }
        }
        self.counters.orders_created += 1;
    }

    pub(crate) fn record_request(&mut self, request: RecordedRequest) {
        self.requests.push(request);
    }
}

pub(crate) struct Shared {
    pub(crate) config: MockConfig,
    state: Mutex<State>,
    /// Woken whenever a counter changes.
    changed: Notify,
    /// [`MockConfig::ledger_file`], open for appending.
    ledger_file: Option<Mutex<std::fs::File>>,
    /// Set by [`MockServer::release_held`](crate::MockServer::release_held): answers held by
    /// [`Fault::Hold`] go out.
    released: tokio::sync::watch::Sender<bool>,
}

impl Shared {
    pub(crate) fn new(config: MockConfig) -> std::io::Result<Self> {
        let ledger_file = match &config.ledger_file {
            Some(path) => Some(Mutex::new(
                std::fs::OpenOptions::new()
                    .create(true)
                    .append(true)
                    .open(path)?,
            )),
            None => None,
        };
        let state = State {
            orders: Log::new(config.ledger_capacity, config.ledger_bytes),
            by_alternative_id: HashMap::new(),
            requests: Log::new(config.recent_requests, config.recent_request_bytes),
            faults: VecDeque::new(),
            windows: HashMap::new(),
            counters: Counters::default(),
            next_order_id: config.first_order_id,
            next_request_id: config.first_request_id,
            next_organization_id: config.first_organization_id,
        };
        Ok(Self {
            config,
            state: Mutex::new(state),
            changed: Notify::new(),
            ledger_file,
            released: tokio::sync::watch::Sender::new(false),
        })
    }

    /// Appends an order to [`MockConfig::ledger_file`], if one was asked for: one line, in one
    /// write, so that a reader never sees half of it.
    pub(crate) fn append_to_ledger_file(&self, entry: &LedgerEntry) {
        use std::io::Write;
        let Some(file) = &self.ledger_file else {
            return;
        };
        let mut line = serde_json::json!({
            "order_id": entry.order_id,
            "request_id": entry.request_id,
            "alternative_order_id": entry.alternative_order_id,
            "product": entry.product,
            "status": entry.status,
            "certificate_id": entry.certificate_id,
            "created_organization_id": entry.created_organization_id,
        })
        .to_string();
        line.push('\n');
        let mut file = file.lock().unwrap_or_else(|p| p.into_inner());
        if let Err(e) = file.write_all(line.as_bytes()) {
            tracing::warn!(error = %e, "mock: cannot append to the ledger file");
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
