//! Shapes a downstream crate may have: generics on skipped fields, doc comments, other derives,
//! a field named like the expansion's locals, unsigned and pointer-sized integers.
use certcentral::ClientCertificateOrder;
use serde_json::json;

/// An order that also carries the caller's own data.
#[derive(Debug, Clone, ClientCertificateOrder)]
#[order(product = "client_authentication_plus")]
#[order(signature_hash = "sha256", skip_approval = false)]
pub struct WithExtras<'a, T: Clone> {
    /// The name on the certificate.
    pub common_name: &'a str,
    pub emails: Vec<&'a str>,
    #[order(param = "organization.id")]
    pub order: u64,
    #[order(param = "order_validity.days")]
    pub days: usize,
    #[order(param = "container.id")]
    pub value: Option<u32>,
    #[order(skip)]
    pub extra: T,
}

fn main() {
    let order = WithExtras {
        common_name: "Build Bot",
        emails: vec!["bot@example.com"],
        order: 7,
        days: 90,
        value: Some(3),
        extra: vec![1u8, 2, 3],
    };
    assert_eq!(WithExtras::<Vec<u8>>::PRODUCT.to_string(), "client_authentication_plus");
    let request = order.clone().try_into_request().unwrap();
    assert_eq!(
        serde_json::to_value(&request).unwrap(),
        json!({
            "certificate": { "common_name": "Build Bot", "emails": ["bot@example.com"], "signature_hash": "sha256" },
            "organization": { "id": 7 },
            "order_validity": { "days": 90 },
            "container": { "id": 3 },
            "skip_approval": false
        })
    );
    assert_eq!(order.extra.len(), 3);
}
