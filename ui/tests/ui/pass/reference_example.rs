//! The reference's example request, as a derived type: exactly the documented JSON.
use certcentral::ClientCertificateOrder;
use serde_json::json;

#[derive(ClientCertificateOrder)]
#[order(
    product = "client_authentication_plus",
    signature_hash = "sha256",
    skip_approval = true,
    organization.id = 112233,
    order_validity.years = 1,
    payment_method = "balance"
)]
struct ReferenceExample {
    common_name: String,
    emails: Vec<String>,
    csr: String,
}

fn main() {
    let request = ReferenceExample {
        common_name: "john.doe@example.com".into(),
        emails: vec!["john.doe@example.com".into()],
        csr: "{{csr}}".into(),
    }
    .try_into_request()
    .unwrap();
    assert_eq!(
        serde_json::to_value(&request).unwrap(),
        json!({
            "certificate": {
                "common_name": "john.doe@example.com",
                "emails": ["john.doe@example.com"],
                "signature_hash": "sha256",
                "csr": "{{csr}}"
            },
            "skip_approval": true,
            "organization": { "id": 112233 },
            "order_validity": { "years": 1 },
            "payment_method": "balance"
        })
    );
}
