//! DigiCert's rolling windows, as the server counts them: requests *arriving* per API key.

use crate::RateLimit;
use std::collections::VecDeque;
use std::time::{Duration, Instant};

/// The arrivals of one API key within its longest window.
#[derive(Debug, Default)]
pub(crate) struct Windows {
    arrivals: VecDeque<Instant>,
}

impl Windows {
    /// Counts an arrival at `now` if every window has room; otherwise how long until they do.
    /// Memory: at most the largest `max_requests` arrivals are kept.
    pub(crate) fn admit(&mut self, limits: &[RateLimit], now: Instant) -> Result<(), Duration> {
        let Some(longest) = limits.iter().map(|l| l.window).max() else {
            return Ok(());
        };
        while self
            .arrivals
            .front()
            .is_some_and(|t| now.duration_since(*t) >= longest)
        {
            self.arrivals.pop_front();
        }
        let mut wait: Option<Duration> = None;
        for limit in limits {
            let max = limit.max_requests as usize;
            // Arrivals are in time order: those inside this window are the newest ones.
            let inside = self
                .arrivals
                .iter()
                .rev()
                .take_while(|t| now.duration_since(**t) < limit.window)
                .count();
            if inside >= max {
                // The oldest arrival that must leave before one more fits.
                let leaving = self.arrivals[self.arrivals.len() - inside + (inside - max)];
                let free_in = limit.window.saturating_sub(now.duration_since(leaving));
                wait = Some(wait.map_or(free_in, |w| w.max(free_in)));
            }
        }
        match wait {
            Some(w) => Err(w),
            None => {
                self.arrivals.push_back(now);
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
            RateLimit {
                max_requests: 2,
                window: Duration::from_millis(100),
            },
            RateLimit {
                max_requests: 3,
                window: Duration::from_millis(1000),
            },
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
