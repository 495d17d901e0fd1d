use certcentral::ClientCertificateOrder;
use serde_json::json;

#[path = "../support.rs"]
mod support;
use support::check;

#[derive(ClientCertificateOrder)]
#[order(product = "client_authentication_plus", signature_hash = "sha256", payment_method = "balance")]
struct ClientAuthenticationPlusNoneBalance {
    common_name: String,
    emails: Vec<String>,
    #[order(param = "organization.id")]
    org: i64,
    #[order(param = "order_validity.years")]
    years: u8,
}

#[derive(ClientCertificateOrder)]
#[order(product = "client_authentication_plus", signature_hash = "sha256", payment_method = "card")]
struct ClientAuthenticationPlusNoneCard {
    common_name: String,
    emails: Vec<String>,
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
#[order(product = "client_authentication_plus", signature_hash = "sha256", payment_method = "profile")]
struct ClientAuthenticationPlusNoneProfile {
    common_name: String,
    emails: Vec<String>,
    #[order(param = "organization.id")]
    org: i64,
    #[order(param = "order_validity.years")]
    years: u8,
    vat_number: Option<String>,
}

fn main() {
    check(ClientAuthenticationPlusNoneBalance {
        common_name: "Alice Example".into(),
        emails: vec!["alice@example.com".into()],
        org: 112233,
        years: 2,
    }, json!({"certificate": {"emails": ["alice@example.com"], "signature_hash": "sha256", "common_name": "Alice Example"}, "order_validity": {"years": 2}, "payment_method": "balance", "organization": {"id": 112233}}));
    check(ClientAuthenticationPlusNoneCard {
        common_name: "Alice Example".into(),
        emails: vec!["alice@example.com".into()],
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
    }, json!({"certificate": {"emails": ["alice@example.com"], "signature_hash": "sha256", "common_name": "Alice Example"}, "order_validity": {"years": 2}, "payment_method": "card", "organization": {"id": 112233}, "credit_card": {"number": "4111111111111111", "expiration_month": 12, "expiration_year": 2030, "cvv": 333, "cardholder_name": "Alice Example"}, "billing_address": {"address": "1 Main St", "city": "Lehi", "country": "us"}, "vat_number": "GB123"}));
    check(ClientAuthenticationPlusNoneProfile {
        common_name: "Alice Example".into(),
        emails: vec!["alice@example.com".into()],
        org: 112233,
        years: 2,
        vat_number: Some("GB123".into()),
    }, json!({"certificate": {"emails": ["alice@example.com"], "signature_hash": "sha256", "common_name": "Alice Example"}, "order_validity": {"years": 2}, "payment_method": "profile", "organization": {"id": 112233}, "vat_number": "GB123"}));
}
