#![deny(deprecated)]

use certcentral::ClientCertificateOrder;

#[derive(ClientCertificateOrder)]
#[order(product = "class1_smime", signature_hash = "sha256")]
struct Order {
    emails: Vec<String>,
    #[order(param = "order_validity.years")]
    years: u8,
    #[order(param = "order_validity.days")]
    days: u32,
}

fn main() {}
