#![deny(deprecated)]

use certcentral::ClientCertificateOrder;

#[derive(ClientCertificateOrder)]
#[order(product = "class1_smime", signature_hash = "sha256", custom_expiration_date = "2027-01-31")]
struct Order {
    emails: Vec<String>,
    #[order(param = "order_validity.years")]
    years: u8,
}

fn main() {}
