use certcentral::ClientCertificateOrder;

#[derive(ClientCertificateOrder)]
#[order(product = "client_authentication_plus", signature_hash = "sha256")]
struct Order {
    emails: Vec<String>,
    #[order(param = "organization.id")]
    org: i64,
    #[order(param = "order_validity.years")]
    years: u8,
}

fn main() {}
