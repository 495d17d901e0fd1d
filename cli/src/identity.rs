//! What makes two orders the same certificate: the same product and a mailbox in common, its
//! addresses compared as DigiCert compares them (surrounding spaces trimmed, case folded). A
//! name spelt otherwise, other years or another organization do not make a new certificate.
//!
//! The alternative order id stays a value of each order (the lookup by it must find one order):
//! it is made when an order is first sent, from its identity and the time, and kept in the
//! ledger, so that a resumed run finds the order it may have placed, and a later, intentional
//! re-order (`--again`) gets a new one.

use serde_json::Value;
use sha2::{Digest, Sha256};

/// A product and the mailboxes an order covers.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Identity {
    pub product: String,
    /// Normalised (trimmed, lower case), sorted, without repeats.
    pub mailboxes: Vec<String>,
}

/// A mailbox as DigiCert compares it.
pub fn mailbox(email: &str) -> String {
    email.trim().to_lowercase()
}

impl Identity {
    /// The identity of `product` for these addresses.
    pub fn new<S: AsRef<str>>(product: &str, emails: impl IntoIterator<Item = S>) -> Identity {
        let mut mailboxes: Vec<String> = emails
            .into_iter()
            .map(|e| mailbox(e.as_ref()))
            .filter(|m| !m.is_empty())
            .collect();
        mailboxes.sort();
        mailboxes.dedup();
        Identity {
            product: product.trim().to_string(),
            mailboxes,
        }
    }

    /// The identity of an order body (its `certificate.emails`).
    pub fn of(product: &str, body: &Value) -> Identity {
        let emails = body["certificate"]["emails"]
            .as_array()
            .map(|a| a.iter().filter_map(Value::as_str).collect::<Vec<_>>())
            .unwrap_or_default();
        Identity::new(product, emails)
    }

    /// Whether the two share the product and a mailbox.
    pub fn overlaps(&self, other: &Identity) -> bool {
        self.product == other.product && self.mailboxes.iter().any(|m| other.mailboxes.contains(m))
    }

    /// A new alternative order id for an order of this identity: `cc`, a digest of the
    /// identity, the time and the number of orders the ledger already has for it (so that an
    /// intentional re-order, even in the same second, gets another). Alphanumeric, 40
    /// characters at most.
    pub fn new_alternative_id(&self, earlier: usize) -> String {
        let mut digest = Sha256::new();
        digest.update(self.product.as_bytes());
        for m in &self.mailboxes {
            digest.update([0]);
            digest.update(m.as_bytes());
        }
        let hash = digest.finalize();
        let hex: String = hash[..8].iter().map(|b| format!("{b:02x}")).collect();
        let secs = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs());
        format!("cc{hex}{secs:x}n{earlier}")
    }
}

/// The first 20 bytes of the SHA-256 of `bytes`: a PKCS#12 bundle's local key id for a key.
pub fn digest(bytes: &[u8]) -> Vec<u8> {
    Sha256::digest(bytes)[..20].to_vec()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mailboxes_compare_as_digicert_compares_them() {
        let a = Identity::new(
            "class1_smime",
            [" Alice@Example.com", "bob@example.com", "alice@example.com"],
        );
        assert_eq!(a.mailboxes, ["alice@example.com", "bob@example.com"]);
        let b = Identity::new("class1_smime", ["ALICE@example.COM"]);
        assert!(a.overlaps(&b));
        assert!(!a.overlaps(&Identity::new("client_premium", ["alice@example.com"])));
        let id = a.new_alternative_id(0);
        assert!(
            id.len() <= 40 && id.chars().all(|c| c.is_ascii_alphanumeric()),
            "{id}"
        );
        assert_ne!(a.new_alternative_id(0), a.new_alternative_id(1));
        let p = certcentral_table::param("alternative_order_id").unwrap();
        assert!(
            certcentral_table::TABLE
                .check_value(p, &serde_json::json!(id))
                .is_empty()
        );
    }
}
