use certcentral::ClientCertificateOrder;
use certcentral::types::SignatureHash;

#[derive(ClientCertificateOrder)]
#[order(product = "class1_smime", signature_hash = "sha256")]
struct Order {
    emails: Vec<String>,
    payment_method: SignatureHash,
    #[order(param = "order_validity.years")]
    years: u8,
}

fn main() {}
