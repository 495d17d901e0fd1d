#![deny(deprecated)]

use certcentral::ClientCertificateOrder;

#[derive(ClientCertificateOrder)]
#[order(product = "class1_smime", signature_hash = "sha256", payment_method = "balance")]
struct Order {
    emails: Vec<String>,
    #[order(param = "order_validity.years")]
    years: u8,
    vat_number: String,
}

fn main() {}
