//! The mock's clock: the system's, moved by an offset that a test
//! ([`MockServer::advance`](crate::MockServer::advance), [`MockServer::set_time`](crate::MockServer::set_time))
//! or the binary's `--start-at` sets, so that "issued a day later" or "an order from last year"
//! is testable without waiting. Every date the mock writes (orders, requests, certificates,
//! status changes) is read from it.

use std::sync::Mutex;
use std::time::{Duration, SystemTime};

/// The system time plus an offset (in nanoseconds, either way).
#[derive(Debug, Default)]
pub(crate) struct Clock {
    offset: Mutex<i128>,
}

impl Clock {
    fn offset(&self) -> std::sync::MutexGuard<'_, i128> {
        // A number: a poisoned lock still holds it.
        self.offset.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The mock's now.
    pub(crate) fn now(&self) -> SystemTime {
        shifted(SystemTime::now(), *self.offset())
    }

    /// Moves the clock forward.
    pub(crate) fn advance(&self, by: Duration) {
        *self.offset() += i128::try_from(by.as_nanos()).unwrap_or(i128::MAX / 2);
    }

    /// Sets the clock to `to`; it runs on from there.
    pub(crate) fn set(&self, to: SystemTime) {
        let now = SystemTime::now();
        *self.offset() = match to.duration_since(now) {
            Ok(ahead) => i128::try_from(ahead.as_nanos()).unwrap_or(0),
            Err(behind) => -i128::try_from(behind.duration().as_nanos()).unwrap_or(0),
        };
    }
}

fn shifted(t: SystemTime, nanos: i128) -> SystemTime {
    let magnitude = Duration::from_nanos(u64::try_from(nanos.unsigned_abs()).unwrap_or(u64::MAX));
    if nanos >= 0 {
        t.checked_add(magnitude).unwrap_or(t)
    } else {
        t.checked_sub(magnitude).unwrap_or(t)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_clock_moves_both_ways_and_runs_on() {
        let clock = Clock::default();
        let year = Duration::from_secs(365 * 24 * 3600);
        let before = SystemTime::now();
        clock.set(before - year);
        let then = clock.now();
        assert!(then >= before - year && then < before - year + Duration::from_secs(60));
        clock.advance(2 * year);
        assert!(clock.now() >= before + year);
    }
}
