//! The reference's example request and responses, through the generated types.

use certcentral::RequestStatus;
use certcentral::types::{self, ClientCertificateId, OrderClientCertificateResponse};
use certcentral_tests::spec_document;
use serde_json::Value;

/// The order operation in the spec, as a JSON pointer (its path escaped: `~` → `~0`, `/` → `~1`).
fn op() -> String {
    let path = certcentral_table::TABLE.order_path;
    format!("/paths/{}/post", path.replace('~', "~0").replace('/', "~1"))
}

#[test]
fn the_example_request_built_with_generated_types_serializes_to_the_reference_json() {
    let built: types::OrderClientCertificateRequest =
        types::OrderClientCertificateRequest::builder()
            .certificate(
                types::Certificate::builder()
                    .common_name(Some("john.doe@example.com".to_string()))
                    .emails(vec!["john.doe@example.com".to_string()])
                    .signature_hash(types::SignatureHash::Sha256)
                    .csr(Some("{{csr}}".to_string())),
            )
            .skip_approval(Some(true))
            .organization(Some(
                types::Organization::builder()
                    .id(Some(112233))
                    .try_into()
                    .unwrap(),
            ))
            .order_validity(types::OrderValidity::builder().years(Some(1)))
            .payment_method(Some(types::PaymentMethod::Balance))
            .try_into()
            .unwrap();
    let example = spec_document()
        .pointer(&format!(
            "{}/requestBody/content/application~1json/example",
            op()
        ))
        .cloned()
        .unwrap();
    assert_eq!(serde_json::to_value(&built).unwrap(), example);
    // And the example is valid for the products it is written for.
    assert!(certcentral::validate(ClientCertificateId::ClientAuthenticationPlus, &built).is_ok());
}

#[test]
fn the_three_example_responses_deserialize() {
    let doc = spec_document();
    let examples = doc
        .pointer(&format!(
            "{}/responses/201/content/application~1json/examples",
            op()
        ))
        .and_then(Value::as_object)
        .unwrap();
    let mut statuses = Vec::new();
    for (name, example) in examples {
        let value = example.get("value").unwrap().clone();
        let parsed: OrderClientCertificateResponse = serde_json::from_value(value.clone()).unwrap();
        assert_eq!(parsed.id, 112233, "{name}");
        assert_eq!(parsed.requests[0].id, 113, "{name}");
        assert_eq!(
            parsed.certificate_id,
            value.get("certificate_id").and_then(Value::as_i64),
            "{name}"
        );
        assert_eq!(
            serde_json::to_value(&parsed).unwrap(),
            value,
            "{name} round-trips"
        );
        statuses.push(parsed.requests[0].status.clone());
    }
    statuses.sort();
    assert_eq!(
        statuses,
        [
            RequestStatus::Pending,
            RequestStatus::Submitted,
            RequestStatus::Approved
        ]
    );
}

#[test]
fn an_unlisted_request_status_is_kept_with_the_order_id() {
    let parsed: OrderClientCertificateResponse = serde_json::from_value(serde_json::json!({
        "id": 7, "requests": [{ "id": 8, "status": "needs_approval" }], "new_field": true
    }))
    .unwrap();
    assert_eq!(parsed.id, 7);
    assert_eq!(
        parsed.requests[0].status,
        RequestStatus::from("needs_approval")
    );
    assert_eq!(parsed.requests[0].status.as_str(), "needs_approval");
    assert!(!parsed.requests[0].status.is_known());
}

#[test]
fn regions_match_the_spec_servers() {
    let doc = spec_document();
    let urls: Vec<&str> = doc["servers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["url"].as_str().unwrap())
        .collect();
    assert_eq!(
        urls,
        [
            certcentral::Region::Us.base_url(),
            certcentral::Region::Eu.base_url()
        ]
    );
}
