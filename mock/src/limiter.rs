//! DigiCert's rolling windows, as the server counts them: requests *arriving* per API key.

use crate::RateLimit;
use certcentral_table::RollingLog;
use std::time::{Duration, Instant};

/// The arrivals of one API key within its longest window.
#[derive(Debug, Default)]
pub(crate) struct Windows {
    arrivals: RollingLog<Instant>,
}

impl Windows {
    /// Counts an arrival at `now` if every window has room; otherwise how long until they do.
    /// Memory: about the largest `max_requests` arrivals are kept.
    pub(crate) fn admit(&mut self, limits: &[RateLimit], now: Instant) -> Result<(), Duration> {
        match self.arrivals.wait(limits, now, 0, Duration::ZERO) {
            Some(wait) => Err(wait),
            None => {
                self.arrivals.push(now);
                Ok(())
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_window_holds_its_limit() {
        let limits = [
            RateLimit::new(2, Duration::from_millis(100)),
            RateLimit::new(3, Duration::from_millis(1000)),
        ];
        let start = Instant::now();
        let at = |ms| start + Duration::from_millis(ms);
        let mut w = Windows::default();
        assert!(w.admit(&limits, at(0)).is_ok());
        assert!(w.admit(&limits, at(10)).is_ok());
        assert_eq!(w.admit(&limits, at(50)), Err(Duration::from_millis(50)));
        assert!(w.admit(&limits, at(100)).is_ok());
        // The short window has room, the long one not until the first arrival leaves it.
        assert_eq!(w.admit(&limits, at(300)), Err(Duration::from_millis(700)));
        assert!(w.admit(&limits, at(1000)).is_ok());
    }
}
