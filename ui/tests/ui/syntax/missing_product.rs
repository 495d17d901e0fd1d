use certcentral::ClientCertificateOrder;

#[derive(ClientCertificateOrder)]
#[order(signature_hash = "sha256")]
struct Order {
    emails: Vec<String>,
}

fn main() {}
