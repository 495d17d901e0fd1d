use certcentral::ClientCertificateOrder;

#[derive(ClientCertificateOrder)]
#[order(product = "client_email_security_plus", signature_hash = "sha256")]
struct Order {
    common_name: String,
    emails: Vec<String>,
    #[order(param = "organization.id")]
    org: i64,
    #[order(param = "order_validity.years")]
    years: u8,
}

fn main() {}
