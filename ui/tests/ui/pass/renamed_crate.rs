// The derive reached through a re-export, as a renamed dependency would be.
mod sdk {
    pub use certcentral as certs;
}

use sdk::certs::ClientCertificateOrder;

#[derive(sdk::certs::ClientCertificateOrder)]
#[order(product = "class1_smime", signature_hash = "sha256", crate = "sdk::certs")]
struct Mailbox {
    emails: Vec<String>,
    #[order(param = "order_validity.years")]
    years: u8,
}

fn main() {
    let order = Mailbox {
        emails: vec!["alice@example.com".into()],
        years: 1,
    };
    let request = order.try_into_request().unwrap();
    assert_eq!(request.certificate.emails, ["alice@example.com"]);
}
