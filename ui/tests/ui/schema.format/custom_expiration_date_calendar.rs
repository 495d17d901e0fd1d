use certcentral::ClientCertificateOrder;

#[derive(ClientCertificateOrder)]
#[order(product = "class1_smime", signature_hash = "sha256", order_validity.custom_expiration_date = "31 FEB 2027")]
struct Order {
    emails: Vec<String>,
}

fn main() {}
