use certcentral::ClientCertificateOrder;
use serde_json::json;

#[path = "../support.rs"]
mod support;
use support::check;

#[derive(ClientCertificateOrder)]
#[order(product = "class1_smime", signature_hash = "sha256", payment_method = "balance")]
struct Class1SmimeNoneBalance {
    emails: Vec<String>,
    #[order(param = "order_validity.years")]
    years: u8,
}

#[derive(ClientCertificateOrder)]
#[order(product = "class1_smime", signature_hash = "sha256", payment_method = "card")]
struct Class1SmimeNoneCard {
    emails: Vec<String>,
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
#[order(product = "class1_smime", signature_hash = "sha256", payment_method = "profile")]
struct Class1SmimeNoneProfile {
    emails: Vec<String>,
    #[order(param = "order_validity.years")]
    years: u8,
    vat_number: Option<String>,
}

fn main() {
    check(Class1SmimeNoneBalance {
        emails: vec!["alice@example.com".into()],
        years: 2,
    }, json!({"certificate": {"emails": ["alice@example.com"], "signature_hash": "sha256"}, "order_validity": {"years": 2}, "payment_method": "balance"}));
    check(Class1SmimeNoneCard {
        emails: vec!["alice@example.com".into()],
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
    }, json!({"certificate": {"emails": ["alice@example.com"], "signature_hash": "sha256"}, "order_validity": {"years": 2}, "payment_method": "card", "credit_card": {"number": "4111111111111111", "expiration_month": 12, "expiration_year": 2030, "cvv": 333, "cardholder_name": "Alice Example"}, "billing_address": {"address": "1 Main St", "city": "Lehi", "country": "us"}, "vat_number": "GB123"}));
    check(Class1SmimeNoneProfile {
        emails: vec!["alice@example.com".into()],
        years: 2,
        vat_number: Some("GB123".into()),
    }, json!({"certificate": {"emails": ["alice@example.com"], "signature_hash": "sha256"}, "order_validity": {"years": 2}, "payment_method": "profile", "vat_number": "GB123"}));
}
