//! Randomness for jitter and alternative order ids, from std's per-process random hash keys
//! (no extra dependency; neither use needs a cryptographic generator).

use std::hash::{BuildHasher, Hasher, RandomState};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

fn next() -> u64 {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let mut h = RandomState::new().build_hasher();
    h.write_u64(COUNTER.fetch_add(1, Ordering::Relaxed));
    h.write_u128(
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos()),
    );
    h.finish()
}

/// A number in [0, 1).
pub(crate) fn unit() -> f64 {
    (next() >> 11) as f64 / (1u64 << 53) as f64
}

/// A fresh alternative order id: `cc` and 32 hex digits (alphanumeric, 34 characters).
pub(crate) fn alternative_order_id() -> String {
    format!("cc{:016x}{:016x}", next(), next())
}

#[cfg(test)]
mod tests {
    #[test]
    fn ids_are_distinct_and_valid() {
        let ids: std::collections::HashSet<String> =
            (0..1000).map(|_| super::alternative_order_id()).collect();
        assert_eq!(ids.len(), 1000);
        let p = certcentral_table::param("alternative_order_id").unwrap();
        for id in ids.iter().take(10) {
            assert!(
                certcentral_table::TABLE
                    .check_value(p, &serde_json::json!(id))
                    .is_empty(),
                "{id}"
            );
        }
        assert!(
            (0..100)
                .map(|_| super::unit())
                .all(|u| (0.0..1.0).contains(&u))
        );
    }
}
