//! Enum-valued parameters take their generated enum (or a string).
use certcentral::ClientCertificateOrder;
use certcentral::types::{CommonNameIndicator, PaymentMethod, SignatureHash};
use serde_json::json;

#[derive(ClientCertificateOrder)]
#[order(product = "client_email_security_plus")]
struct Typed {
    common_name: String,
    common_name_indicator: CommonNameIndicator,
    pseudonym: Option<String>,
    #[order(param = "certificate.individual.first_name")]
    first: Option<String>,
    #[order(param = "certificate.individual.last_name")]
    last: Option<String>,
    emails: Vec<String>,
    signature_hash: SignatureHash,
    payment_method: Option<PaymentMethod>,
    #[order(param = "organization.id")]
    org: i64,
    #[order(param = "order_validity.years")]
    years: u8,
}

fn main() {
    let order = Typed {
        common_name: "Alice Example".into(),
        common_name_indicator: CommonNameIndicator::Pseudonym,
        pseudonym: Some("ae".into()),
        first: None,
        last: None,
        emails: vec!["alice@example.com".into()],
        signature_hash: SignatureHash::Sha256,
        payment_method: Some(PaymentMethod::Profile),
        org: 7,
        years: 3,
    };
    let request = order.try_into_request().unwrap();
    assert_eq!(
        serde_json::to_value(&request).unwrap(),
        json!({
            "certificate": {
                "common_name": "Alice Example",
                "common_name_indicator": "pseudonym",
                "individual": { "pseudonym": "ae" },
                "emails": ["alice@example.com"],
                "signature_hash": "sha256"
            },
            "payment_method": "profile",
            "organization": { "id": 7 },
            "order_validity": { "years": 3 }
        })
    );

    // The indicator only run time knows: the rules it triggers are checked on conversion.
    let wrong = Typed { common_name_indicator: CommonNameIndicator::GivenNameSurname, ..order };
    let rules: Vec<_> = wrong.try_into_request().unwrap_err().violations.iter().map(|v| v.rule).collect();
    assert_eq!(rules, ["individual.given_name_surname", "individual.given_name_surname", "individual.given_name_surname_no_pseudonym"]);
}
