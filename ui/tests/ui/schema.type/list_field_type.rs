use certcentral::ClientCertificateOrder;

#[derive(ClientCertificateOrder)]
#[order(product = "class1_smime", signature_hash = "sha256")]
struct Order {
    emails: Vec<u32>,
    #[order(param = "order_validity.years")]
    years: u8,
}

fn main() {}
