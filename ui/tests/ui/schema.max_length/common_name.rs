use certcentral::ClientCertificateOrder;

#[derive(ClientCertificateOrder)]
#[order(product = "client_premium", common_name_indicator = "given_name_surname", signature_hash = "sha256", common_name = "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx")]
struct Order {
    emails: Vec<String>,
    #[order(param = "certificate.individual.first_name")]
    first: String,
    #[order(param = "certificate.individual.last_name")]
    last: String,
    #[order(param = "organization.id")]
    org: i64,
    #[order(param = "order_validity.years")]
    years: u8,
}

fn main() {}
