use certcentral::ClientCertificateOrder;

#[derive(ClientCertificateOrder)]
#[order(product = "class1_smime", signature_hash = "sha256", order_validity.days = "ninety")]
struct Order {
    emails: Vec<String>,
}

fn main() {}
