use certcentral::ClientCertificateOrder;

#[derive(ClientCertificateOrder)]
#[order(product = "class1_smime", signature_hash = "sha256")]
struct Order {
    emails: Vec<String>,
}

fn main() {}
