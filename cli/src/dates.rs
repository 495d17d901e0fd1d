//! Days as CertCentral writes them (`yyyy-MM-dd`, UTC), for comparing a certificate's last
//! day with today and the renewal window.

use std::time::{Duration, SystemTime};

/// `t`'s day.
pub fn day(t: SystemTime) -> String {
    let d = time::OffsetDateTime::from(t).date();
    format!("{:04}-{:02}-{:02}", d.year(), u8::from(d.month()), d.day())
}

/// Today.
pub fn today() -> String {
    day(SystemTime::now())
}

/// The day `ahead` from now.
pub fn days_from_today(ahead: Duration) -> String {
    day(SystemTime::now() + ahead)
}
