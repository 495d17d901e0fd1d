//! Waiting when CertCentral asks to: an order the client gave up on with a `Retry-After`
//! (HTTP 503 maintenance, or 429) placed nothing, so the command may send it again once the
//! wait is over. The client caps its own waits (a call is bounded by its deadline); a run of
//! the command can wait longer, up to `--max-wait`, and says so. One wait holds every row of
//! the run, and is said once.

use certcentral::types::{ClientCertificateId, OrderClientCertificateRequest};
use certcentral::{Class, Error, PlacedOrder};
use std::time::{Duration, Instant, SystemTime};
use tokio::sync::Mutex;

/// The run's patience with a CertCentral that asks it to wait.
pub struct Patience {
    /// The most the run waits in all.
    max_wait: Duration,
    state: Mutex<Waiting>,
}

#[derive(Default)]
struct Waiting {
    /// No row is sent before this.
    until: Option<Instant>,
    /// How long the run has been asked to wait so far.
    waited: Duration,
    /// The run gave up waiting: the rows that meet the same answer fail at once.
    gave_up: bool,
}

impl Patience {
    pub fn new(max_wait: Duration) -> Patience {
        Patience {
            max_wait,
            state: Mutex::new(Waiting::default()),
        }
    }

    /// Places `request`, waiting and sending it again while CertCentral answers with a wait
    /// that placed nothing, as long as the run's patience lasts.
    pub async fn order(
        &self,
        client: &certcentral::Client,
        product: ClientCertificateId,
        request: &OrderClientCertificateRequest,
    ) -> Result<PlacedOrder, Error> {
        loop {
            let until = self.state.lock().await.until;
            if let Some(until) = until {
                tokio::time::sleep_until(until.into()).await;
            }
            let result = client.order(product, request).await;
            let asked = match &result {
                Err(e @ (Error::Unavailable { .. } | Error::RateLimited { .. }))
                    if e.class() == Class::Transient =>
                {
                    e.retry_after()
                }
                _ => None,
            };
            match asked {
                Some(wait) if self.wait(wait, &result).await => continue,
                _ => return result,
            }
        }
    }

    /// Whether to wait `wait` (already set for every row, and said, when this returns true).
    async fn wait(&self, wait: Duration, result: &Result<PlacedOrder, Error>) -> bool {
        let mut state = self.state.lock().await;
        let now = Instant::now();
        if state.until.is_some_and(|until| until > now) {
            return true; // another row set the wait already
        }
        if state.gave_up {
            return false;
        }
        let why = result
            .as_ref()
            .err()
            .map(ToString::to_string)
            .unwrap_or_default();
        if state.waited + wait > self.max_wait {
            state.gave_up = true;
            tell!(
                "certcentral: {why}: CertCentral asks to wait {}, past --max-wait {} \
                 (waited {} already): nothing was placed for the rows it answered so; \
                 rerun after {}",
                humantime::format_duration(wait),
                humantime::format_duration(self.max_wait),
                humantime::format_duration(state.waited),
                humantime::format_rfc3339_seconds(SystemTime::now() + wait)
            );
            return false;
        }
        state.waited += wait;
        state.until = Some(now + wait);
        tell!(
            "certcentral: {why}: nothing was placed; waiting {} as CertCentral asks, until {} \
             (at most --max-wait {} in all; Ctrl-C stops)",
            humantime::format_duration(wait),
            humantime::format_rfc3339_seconds(SystemTime::now() + wait),
            humantime::format_duration(self.max_wait)
        );
        true
    }
}
