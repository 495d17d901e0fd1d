//! Property tests: nothing a server or a user can send makes the SDK panic; every valid order
//! passes validation and round-trips through serde.

use certcentral::{Response, decode_response};
use certcentral_spec::validate;
use proptest::prelude::*;
use serde_json::{Value, json};

fn arbitrary_json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<f64>()
            .prop_map(|f| serde_json::Number::from_f64(f).map_or(Value::Null, Value::Number)),
        "[a-z_@. 0-9]{0,12}".prop_map(Value::String),
    ];
    leaf.prop_recursive(4, 48, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::btree_map(
                prop_oneof![
                    "[a-z_]{1,10}",
                    Just("certificate".to_string()),
                    Just("emails".to_string()),
                    Just("order_validity".to_string()),
                    Just("years".to_string()),
                    Just("organization".to_string()),
                    Just("custom_fields".to_string()),
                    Just("payment_method".to_string()),
                    Just("errors".to_string()),
                    Just("requests".to_string()),
                ],
                inner,
                0..6
            )
            .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

fn product() -> impl Strategy<Value = &'static str> {
    prop::sample::select(
        certcentral_spec::PRODUCTS
            .iter()
            .map(|p| p.id)
            .collect::<Vec<_>>(),
    )
}

/// A valid order for any product, indicator, validity and payment.
fn valid_order() -> impl Strategy<Value = (&'static str, Value)> {
    (
        product(),
        prop::collection::vec("[a-z]{1,8}@[a-z]{1,8}\\.(com|org|eu)", 1..4),
        prop_oneof![
            (1i64..=3).prop_map(|y| json!({ "years": y })),
            (1i64..=825).prop_map(|d| json!({ "days": d })),
            (1u32..=28, 0usize..12, 2027u32..2030).prop_map(|(d, m, y)| {
                let months = ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"];
                json!({ "custom_expiration_date": format!("{d:02} {} {y}", months[m]) })
            }),
        ],
        any::<bool>(),
        prop::option::of(prop::sample::select(vec!["balance", "card", "profile"])),
        prop::option::of("[A-Za-z0-9]{1,64}"),
        "[A-Z][a-z]{1,10}",
    )
        .prop_map(|(product, emails, validity, pseudonym, payment, alt, name)| {
            let mut body = json!({
                "certificate": { "emails": emails, "signature_hash": "sha256" },
                "order_validity": validity,
            });
            if product != "class1_smime" {
                body["certificate"]["common_name"] = json!(name);
                body["organization"] = json!({ "id": 42 });
            }
            if matches!(product, "client_premium" | "client_digital_signature_plus" | "client_email_security_plus") {
                if pseudonym {
                    body["certificate"]["common_name_indicator"] = json!("pseudonym");
                    body["certificate"]["individual"] = json!({ "pseudonym": name });
                } else {
                    body["certificate"]["common_name_indicator"] = json!("given_name_surname");
                    body["certificate"]["individual"] = json!({ "first_name": name, "last_name": "Example" });
                }
            }
            if let Some(p) = payment {
                body["payment_method"] = json!(p);
            }
            if payment == Some("card") {
                body["credit_card"] = json!({
                    "number": "4111111111111111", "expiration_month": 7, "expiration_year": 2031,
                    "cvv": 123, "cardholder_name": name
                });
                body["billing_address"] = json!({ "address": "1 Main St", "city": "Lehi", "country": "us" });
            }
            if let Some(alt) = alt {
                body["alternative_order_id"] = json!(alt);
            }
            (product, body)
        })
}

proptest! {
    #[test]
    fn any_bytes_as_a_response_never_panic(status in 100u16..600, body in prop::collection::vec(any::<u8>(), 0..512), complete: bool) {
        let result = decode_response(Response { status, retry_after: None, body: &body, complete }, "alt", &["secretkey"]);
        if let Err(e) = result {
            let text = e.to_string();
            prop_assert!(text.chars().count() < 2_000, "bounded: {}", text.len());
        }
    }

    #[test]
    fn any_json_as_a_response_never_panics_and_never_echoes_a_secret(
        status in prop::sample::select(vec![201u16, 200, 400, 401, 404, 429, 500, 503]),
        value in arbitrary_json(),
    ) {
        let body = serde_json::to_vec(&json!({ "errors": [{ "code": "x", "message": format!("key SECRETKEY123 {value}") }], "id": value })).unwrap();
        if let Err(e) = decode_response(Response { status, retry_after: None, body: &body, complete: true }, "alt", &["SECRETKEY123"]) {
            prop_assert!(!e.to_string().contains("SECRETKEY123"), "{}", e);
            prop_assert!(!format!("{e:?}").contains("SECRETKEY123"), "{:?}", e);
        }
    }

    #[test]
    fn any_json_as_an_order_never_panics(product in product(), body in arbitrary_json()) {
        let report = validate(product, &body);
        for v in &report.violations {
            prop_assert!(!v.rule.is_empty() && !v.message.is_empty());
        }
    }

    #[test]
    fn valid_orders_pass_and_round_trip((product, body) in valid_order()) {
        let report = validate(product, &body);
        prop_assert!(report.is_valid(), "{product}: {:?}\n{body}", report.violations);
        let typed: certcentral::types::OrderClientCertificateRequest = serde_json::from_value(body.clone()).unwrap();
        prop_assert_eq!(serde_json::to_value(&typed).unwrap(), body);
        let id: certcentral::types::ClientCertificateId = product.parse().unwrap();
        prop_assert!(certcentral::validate(id, &typed).is_ok());
    }
}
