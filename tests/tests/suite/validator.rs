//! The run-time validator: every rule, every product, all violations at once. And the guard
//! that every rule of the spec has both a compile-fail case and a run-time case.

use certcentral_table::{TABLE, validate};
use certcentral_tests::valid_body;
use serde_json::{Value, json};

/// Sets `path` (dotted) in `body` to `value` (`Value::Null` removes it).
fn with(mut body: Value, path: &str, value: Value) -> Value {
    let mut keys: Vec<&str> = path.split('.').collect();
    let Some(last) = keys.pop() else { return body };
    let mut at = &mut body;
    for k in keys {
        if at.get(k).is_none() {
            at[k] = json!({});
        }
        at = &mut at[k];
    }
    match (value, at.as_object_mut()) {
        (Value::Null, Some(map)) => {
            map.remove(last);
        }
        (value, _) => at[last] = value,
    }
    body
}

fn card(body: Value) -> Value {
    let body = with(
        body,
        "credit_card",
        json!({
            "number": "4111111111111111", "expiration_month": 12, "expiration_year": 2030,
            "cvv": 333, "cardholder_name": "Alice Example"
        }),
    );
    with(
        body,
        "billing_address",
        json!({ "address": "1 Main St", "city": "Lehi", "country": "us" }),
    )
}

/// One body per rule that breaks it (or, for `ignore` rules, triggers its warning).
fn cases() -> Vec<(&'static str, &'static str, Value)> {
    let premium = || valid_body("client_premium");
    let class1 = || valid_body("class1_smime");
    vec![
        (
            "common_name.required",
            "client_authentication_plus",
            with(
                valid_body("client_authentication_plus"),
                "certificate.common_name",
                Value::Null,
            ),
        ),
        (
            "common_name.class1_forbidden",
            "class1_smime",
            with(class1(), "certificate.common_name", json!("Alice")),
        ),
        (
            "organization.required",
            "client_digital_signature_plus",
            with(
                valid_body("client_digital_signature_plus"),
                "organization",
                Value::Null,
            ),
        ),
        (
            "organization.class1_forbidden",
            "class1_smime",
            with(class1(), "organization.id", json!(1)),
        ),
        (
            "organization.id_or_details",
            "client_premium",
            with(premium(), "organization", json!({})),
        ),
        (
            "organization.new_details",
            "client_premium",
            with(premium(), "organization", json!({ "name": "Example Ltd" })),
        ),
        (
            "common_name_indicator.required",
            "client_email_security_plus",
            with(
                with(
                    valid_body("client_email_security_plus"),
                    "certificate.common_name_indicator",
                    Value::Null,
                ),
                "certificate.individual",
                Value::Null,
            ),
        ),
        (
            "individual.given_name_surname",
            "client_premium",
            with(premium(), "certificate.individual.last_name", Value::Null),
        ),
        (
            "individual.given_name_surname_no_pseudonym",
            "client_premium",
            with(premium(), "certificate.individual.pseudonym", json!("ae")),
        ),
        (
            "individual.pseudonym",
            "client_premium",
            with(
                with(
                    premium(),
                    "certificate.common_name_indicator",
                    json!("pseudonym"),
                ),
                "certificate.individual",
                json!({}),
            ),
        ),
        (
            "individual.pseudonym_no_names",
            "client_premium",
            with(
                with(
                    premium(),
                    "certificate.common_name_indicator",
                    json!("pseudonym"),
                ),
                "certificate.individual",
                json!({ "pseudonym": "ae", "first_name": "Alice" }),
            ),
        ),
        (
            "individual.needs_indicator",
            "class1_smime",
            with(
                class1(),
                "certificate.individual.first_name",
                json!("Alice"),
            ),
        ),
        (
            "payment.card_details",
            "class1_smime",
            with(class1(), "payment_method", json!("card")),
        ),
        (
            "payment.card_details_only_for_card",
            "class1_smime",
            card(with(class1(), "payment_method", json!("profile"))),
        ),
        (
            "validity.required",
            "class1_smime",
            with(class1(), "order_validity", json!({})),
        ),
        (
            "validity.days_override_years",
            "class1_smime",
            with(class1(), "order_validity.days", json!(90)),
        ),
        (
            "validity.date_overrides",
            "class1_smime",
            with(
                class1(),
                "order_validity.custom_expiration_date",
                json!("09 JUN 2027"),
            ),
        ),
        (
            "deprecated.validity_years",
            "class1_smime",
            with(class1(), "validity_years", json!(1)),
        ),
        (
            "deprecated.custom_expiration_date",
            "class1_smime",
            with(class1(), "custom_expiration_date", json!("2027-06-09")),
        ),
        (
            "organization_units.ignored_for_smime",
            "client_premium",
            with(premium(), "certificate.organization_units", json!(["IT"])),
        ),
        (
            "vat_number.card_or_profile_only",
            "class1_smime",
            with(class1(), "vat_number", json!("GB1")),
        ),
    ]
}

#[test]
fn every_rule_is_enforced_at_run_time() {
    for (rule, product, body) in cases() {
        let report = validate(product, &body);
        let spec_rule = certcentral_table::TABLE.rule(rule).unwrap();
        let found = if spec_rule.effect == certcentral_table::Effect::Ignore {
            assert!(
                report.is_valid(),
                "{rule}: an ignored parameter is not an error: {report:?}"
            );
            &report.warnings
        } else {
            &report.violations
        };
        assert!(
            found.iter().any(|v| v.rule == rule),
            "{rule} not reported for {body}: {report:?}"
        );
        assert!(
            found.iter().all(|v| v.rule == rule),
            "{rule}: only that rule: {report:?}"
        );
    }
}

#[test]
fn valid_orders_for_every_product_pass_and_round_trip() {
    for product in TABLE.products {
        for payment in [None, Some("balance"), Some("card"), Some("profile")] {
            let mut body = valid_body(product.id);
            if let Some(p) = payment {
                body = with(body, "payment_method", json!(p));
            }
            if payment == Some("card") {
                body = card(body);
            }
            let report = validate(product.id, &body);
            assert!(
                report.is_valid() && report.warnings.is_empty(),
                "{} {payment:?}: {report:?}",
                product.id
            );
            let typed = certcentral_tests::request(body.clone());
            assert_eq!(
                serde_json::to_value(&typed).unwrap(),
                body,
                "{} round-trips",
                product.id
            );
        }
    }
}

#[test]
fn all_violations_are_reported_at_once() {
    let body = json!({
        "certificate": {
            "emails": ["alice@example.com", "not-an-address"],
            "signature_hash": "sha384",
            "common_name_indicator": "pseudonym",
            "comon_name": "typo"
        },
        "order_validity": { "years": 9, "custom_expiration_date": "31 APR 2027" },
        "alternative_order_id": "has spaces and is far too long for the sixty-four character limit of it",
        "enable_guest_access": 3,
        "payment_method": "card"
    });
    let report = validate("client_premium", &body);
    let mut got: Vec<(&str, &str)> = report
        .violations
        .iter()
        .map(|v| (v.rule, v.path.as_str()))
        .collect();
    got.sort();
    let mut want = vec![
        ("schema.max_length", "alternative_order_id"),
        ("schema.pattern", "alternative_order_id"),
        ("schema.unknown_parameter", "certificate.comon_name"),
        ("schema.format", "certificate.emails[1]"),
        ("schema.enum", "certificate.signature_hash"),
        ("schema.enum", "enable_guest_access"),
        ("schema.format", "order_validity.custom_expiration_date"),
        ("schema.range", "order_validity.years"),
        ("common_name.required", "certificate.common_name"),
        ("organization.required", "organization"),
        ("individual.pseudonym", "certificate.individual.pseudonym"),
        ("payment.card_details", "credit_card"),
        ("payment.card_details", "billing_address"),
    ];
    want.sort();
    assert_eq!(got, want);
    let typo = report
        .violations
        .iter()
        .find(|v| v.rule == "schema.unknown_parameter")
        .unwrap();
    assert!(
        typo.message.contains("did you mean `common_name`"),
        "{}",
        typo.message
    );
}

#[test]
fn unknown_products_and_non_object_bodies_are_violations_not_panics() {
    let report = validate("client_premum", &json!([]));
    let rules: Vec<&str> = report.violations.iter().map(|v| v.rule).collect();
    assert!(rules.contains(&"product.unknown"));
    assert!(rules.contains(&"schema.type"));
    assert!(
        report.violations[0]
            .message
            .contains("did you mean `client_premium`")
    );
}

#[test]
fn typed_validate_and_json_validate_agree() {
    let body = with(
        valid_body("client_premium"),
        "order_validity.years",
        json!(3),
    );
    let typed = certcentral_tests::request(body.clone());
    let product = certcentral::types::ClientCertificateId::ClientPremium;
    assert_eq!(
        certcentral::validate(product, &typed),
        certcentral::validate_json("client_premium", &body)
    );
}

/// One mistake, one message: an organization given both ways is one violation (not five,
/// four of them about a new organization's details that do not apply).
#[test]
fn an_organization_with_id_and_name_is_one_violation() {
    let mut body = valid_body("client_authentication_plus");
    body["organization"] = json!({ "id": 112233, "name": "Example Ltd" });
    let report = validate("client_authentication_plus", &body);
    let found: Vec<(&str, &str)> = report
        .violations
        .iter()
        .map(|v| (v.rule, v.path.as_str()))
        .collect();
    assert_eq!(found, [("organization.id_or_details", "organization")]);
}

/// The reference requires the indicator only for the sponsor-validated S/MIME products: an
/// Authentication Plus order with names and no indicator is sent, with a warning.
#[test]
fn authentication_plus_names_without_an_indicator_are_a_warning() {
    let mut body = valid_body("client_authentication_plus");
    body["certificate"]["individual"] = json!({ "first_name": "Alice", "last_name": "Example" });
    let report = validate("client_authentication_plus", &body);
    assert!(report.is_valid(), "{report:?}");
    let warned: Vec<&str> = report.warnings.iter().map(|w| w.rule).collect();
    assert_eq!(warned, ["individual.needs_indicator"]);
    // For Premium the indicator is required: the one violation says so.
    let mut body = valid_body("client_premium");
    body["certificate"]
        .as_object_mut()
        .unwrap()
        .remove("common_name_indicator");
    let report = validate("client_premium", &body);
    let rules: Vec<&str> = report.violations.iter().map(|v| v.rule).collect();
    assert_eq!(rules, ["common_name_indicator.required"], "{report:?}");
}
