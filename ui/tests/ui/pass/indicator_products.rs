//! The three products that name their subject with `common_name_indicator` (Premium, Digital
//! Signature Plus, Email Security Plus) have the same rules: the same cases run for each, with
//! the product as the only difference (a `macro_rules!` passes it to `#[order(product = …)]`).
#[path = "../support.rs"]
mod support;

macro_rules! cases {
    ($product:tt) => {
        use super::support::check;
        use certcentral::ClientCertificateOrder;
        use serde_json::json;

        #[derive(ClientCertificateOrder)]
        #[order(product = $product, common_name_indicator = "given_name_surname", signature_hash = "sha256", payment_method = "balance")]
        struct GivenNameSurnameBalance {
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
        }

        #[derive(ClientCertificateOrder)]
        #[order(product = $product, common_name_indicator = "given_name_surname", signature_hash = "sha256", payment_method = "card")]
        struct GivenNameSurnameCard {
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
            #[order(param = "credit_card.number")]
            card_number: String,
            #[order(param = "credit_card.expiration_month")]
            month: u8,
            #[order(param = "credit_card.expiration_year")]
            year: u16,
            #[order(param = "credit_card.cvv")]
            cvv: u16,
            cardholder_name: String,
            #[order(param = "billing_address.address")]
            street: String,
            #[order(param = "billing_address.city")]
            city: String,
            #[order(param = "billing_address.country")]
            country: String,
            #[order(param = "billing_address.zip")]
            zip: Option<String>,
            vat_number: Option<String>,
        }

        #[derive(ClientCertificateOrder)]
        #[order(product = $product, common_name_indicator = "given_name_surname", signature_hash = "sha256", payment_method = "profile")]
        struct GivenNameSurnameProfile {
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
            vat_number: Option<String>,
        }

        #[derive(ClientCertificateOrder)]
        #[order(product = $product, common_name_indicator = "pseudonym", signature_hash = "sha256", payment_method = "balance")]
        struct PseudonymBalance {
            common_name: String,
            emails: Vec<String>,
            pseudonym: String,
            #[order(param = "organization.id")]
            org: i64,
            #[order(param = "order_validity.years")]
            years: u8,
        }

        #[derive(ClientCertificateOrder)]
        #[order(product = $product, common_name_indicator = "pseudonym", signature_hash = "sha256", payment_method = "card")]
        struct PseudonymCard {
            common_name: String,
            emails: Vec<String>,
            pseudonym: String,
            #[order(param = "organization.id")]
            org: i64,
            #[order(param = "order_validity.years")]
            years: u8,
            #[order(param = "credit_card.number")]
            card_number: String,
            #[order(param = "credit_card.expiration_month")]
            month: u8,
            #[order(param = "credit_card.expiration_year")]
            year: u16,
            #[order(param = "credit_card.cvv")]
            cvv: u16,
            cardholder_name: String,
            #[order(param = "billing_address.address")]
            street: String,
            #[order(param = "billing_address.city")]
            city: String,
            #[order(param = "billing_address.country")]
            country: String,
            #[order(param = "billing_address.zip")]
            zip: Option<String>,
            vat_number: Option<String>,
        }

        #[derive(ClientCertificateOrder)]
        #[order(product = $product, common_name_indicator = "pseudonym", signature_hash = "sha256", payment_method = "profile")]
        struct PseudonymProfile {
            common_name: String,
            emails: Vec<String>,
            pseudonym: String,
            #[order(param = "organization.id")]
            org: i64,
            #[order(param = "order_validity.years")]
            years: u8,
            vat_number: Option<String>,
        }

        pub fn run() {
            check(GivenNameSurnameBalance {
                common_name: "Alice Example".into(),
                emails: vec!["alice@example.com".into()],
                first: "Alice".into(),
                last: "Example".into(),
                org: 112233,
                years: 2,
            }, json!({"certificate": {"emails": ["alice@example.com"], "signature_hash": "sha256", "common_name": "Alice Example", "common_name_indicator": "given_name_surname", "individual": {"first_name": "Alice", "last_name": "Example"}}, "order_validity": {"years": 2}, "payment_method": "balance", "organization": {"id": 112233}}));
            check(GivenNameSurnameCard {
                common_name: "Alice Example".into(),
                emails: vec!["alice@example.com".into()],
                first: "Alice".into(),
                last: "Example".into(),
                org: 112233,
                years: 2,
                card_number: "4111111111111111".into(),
                month: 12,
                year: 2030,
                cvv: 333,
                cardholder_name: "Alice Example".into(),
                street: "1 Main St".into(),
                city: "Lehi".into(),
                country: "us".into(),
                zip: None,
                vat_number: Some("GB123".into()),
            }, json!({"certificate": {"emails": ["alice@example.com"], "signature_hash": "sha256", "common_name": "Alice Example", "common_name_indicator": "given_name_surname", "individual": {"first_name": "Alice", "last_name": "Example"}}, "order_validity": {"years": 2}, "payment_method": "card", "organization": {"id": 112233}, "credit_card": {"number": "4111111111111111", "expiration_month": 12, "expiration_year": 2030, "cvv": 333, "cardholder_name": "Alice Example"}, "billing_address": {"address": "1 Main St", "city": "Lehi", "country": "us"}, "vat_number": "GB123"}));
            check(GivenNameSurnameProfile {
                common_name: "Alice Example".into(),
                emails: vec!["alice@example.com".into()],
                first: "Alice".into(),
                last: "Example".into(),
                org: 112233,
                years: 2,
                vat_number: Some("GB123".into()),
            }, json!({"certificate": {"emails": ["alice@example.com"], "signature_hash": "sha256", "common_name": "Alice Example", "common_name_indicator": "given_name_surname", "individual": {"first_name": "Alice", "last_name": "Example"}}, "order_validity": {"years": 2}, "payment_method": "profile", "organization": {"id": 112233}, "vat_number": "GB123"}));
            check(PseudonymBalance {
                common_name: "Alice Example".into(),
                emails: vec!["alice@example.com".into()],
                pseudonym: "ae-42".into(),
                org: 112233,
                years: 2,
            }, json!({"certificate": {"emails": ["alice@example.com"], "signature_hash": "sha256", "common_name": "Alice Example", "common_name_indicator": "pseudonym", "individual": {"pseudonym": "ae-42"}}, "order_validity": {"years": 2}, "payment_method": "balance", "organization": {"id": 112233}}));
            check(PseudonymCard {
                common_name: "Alice Example".into(),
                emails: vec!["alice@example.com".into()],
                pseudonym: "ae-42".into(),
                org: 112233,
                years: 2,
                card_number: "4111111111111111".into(),
                month: 12,
                year: 2030,
                cvv: 333,
                cardholder_name: "Alice Example".into(),
                street: "1 Main St".into(),
                city: "Lehi".into(),
                country: "us".into(),
                zip: None,
                vat_number: Some("GB123".into()),
            }, json!({"certificate": {"emails": ["alice@example.com"], "signature_hash": "sha256", "common_name": "Alice Example", "common_name_indicator": "pseudonym", "individual": {"pseudonym": "ae-42"}}, "order_validity": {"years": 2}, "payment_method": "card", "organization": {"id": 112233}, "credit_card": {"number": "4111111111111111", "expiration_month": 12, "expiration_year": 2030, "cvv": 333, "cardholder_name": "Alice Example"}, "billing_address": {"address": "1 Main St", "city": "Lehi", "country": "us"}, "vat_number": "GB123"}));
            check(PseudonymProfile {
                common_name: "Alice Example".into(),
                emails: vec!["alice@example.com".into()],
                pseudonym: "ae-42".into(),
                org: 112233,
                years: 2,
                vat_number: Some("GB123".into()),
            }, json!({"certificate": {"emails": ["alice@example.com"], "signature_hash": "sha256", "common_name": "Alice Example", "common_name_indicator": "pseudonym", "individual": {"pseudonym": "ae-42"}}, "order_validity": {"years": 2}, "payment_method": "profile", "organization": {"id": 112233}, "vat_number": "GB123"}));
        }
    };
}

mod client_premium {
    cases!("client_premium");
}

mod client_digital_signature_plus {
    cases!("client_digital_signature_plus");
}

mod client_email_security_plus {
    cases!("client_email_security_plus");
}

fn main() {
    client_premium::run();
    client_digital_signature_plus::run();
    client_email_security_plus::run();
}
