#![deny(deprecated)]

use certcentral::ClientCertificateOrder;

// A sponsor-validated S/MIME product: the rule's case does not lean on Class 1 S/MIME, whose
// rules are the most likely to change.
#[derive(ClientCertificateOrder)]
#[order(
    product = "client_email_security_plus",
    signature_hash = "sha256",
    common_name_indicator = "given_name_surname"
)]
struct Order {
    common_name: String,
    emails: Vec<String>,
    #[order(param = "certificate.individual.first_name")]
    first: String,
    #[order(param = "certificate.individual.last_name")]
    last: String,
    #[order(param = "organization.id")]
    org: i64,
    #[order(param = "order_validity.years")]
    years: u8,
    organization_units: Vec<String>,
}

fn main() {}
