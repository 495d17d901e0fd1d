use certcentral::ClientCertificateOrder;

#[derive(ClientCertificateOrder)]
#[order(product = "client_digital_signature_plus", common_name_indicator = "given_name_surname", signature_hash = "sha256")]
struct Order {
    common_name: String,
    emails: Vec<String>,
    #[order(param = "certificate.individual.first_name")]
    first: String,
    #[order(param = "certificate.individual.last_name")]
    last: String,
    #[order(param = "order_validity.years")]
    years: u8,
}

fn main() {}
