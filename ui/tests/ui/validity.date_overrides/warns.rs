#![deny(deprecated)]

use certcentral::ClientCertificateOrder;

#[derive(ClientCertificateOrder)]
#[order(product = "class1_smime", signature_hash = "sha256", order_validity.custom_expiration_date = "09 JUN 2027")]
struct Order {
    emails: Vec<String>,
    #[order(param = "order_validity.years")]
    years: u8,
}

fn main() {}
