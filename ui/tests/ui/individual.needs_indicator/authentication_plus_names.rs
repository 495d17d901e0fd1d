#![deny(deprecated)]

use certcentral::ClientCertificateOrder;

// Authentication Plus requires no indicator: names without one are ignored, a warning.
#[derive(ClientCertificateOrder)]
#[order(product = "client_authentication_plus", signature_hash = "sha256")]
struct Order {
    common_name: String,
    emails: Vec<String>,
    #[order(param = "organization.id")]
    org: i64,
    #[order(param = "order_validity.years")]
    years: u8,
    #[order(param = "certificate.individual.first_name")]
    first: String,
}

fn main() {}
