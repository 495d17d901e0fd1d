//! What only run time can know: optional fields, values from variables, lists, constants.
use certcentral::ClientCertificateOrder;
use certcentral::types::CustomField;
use serde_json::json;

#[derive(ClientCertificateOrder)]
#[order(product = "client_authentication_plus", signature_hash = "sha256", skip_approval = true, alternative_order_id = "batch7")]
struct NewOrgOrder<'a> {
    common_name: &'a str,
    emails: [&'a str; 2],
    #[order(param = "organization.name")]
    org_name: String,
    #[order(param = "organization.address")]
    org_address: String,
    #[order(param = "organization.city")]
    org_city: String,
    #[order(param = "organization.country")]
    org_country: String,
    #[order(param = "order_validity.years")]
    years: Option<u8>,
    #[order(param = "order_validity.days")]
    days: Option<u32>,
    custom_fields: Vec<CustomField>,
    #[order(skip)]
    #[allow(dead_code)]
    internal_note: String,
}

fn main() {
    let order = NewOrgOrder {
        common_name: "Build Bot",
        emails: ["bot@example.com", "ops@example.com"],
        org_name: "Example Ltd".into(),
        org_address: "1 High St".into(),
        org_city: "London".into(),
        org_country: "gb".into(),
        years: None,
        days: Some(90),
        custom_fields: vec![CustomField { metadata_id: 12, value: "cost-center-9".into() }],
        internal_note: "not sent".into(),
    };
    let request = order.try_into_request().unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        serde_json::to_value(&request).unwrap(),
        json!({
            "certificate": {
                "common_name": "Build Bot",
                "emails": ["bot@example.com", "ops@example.com"],
                "signature_hash": "sha256",
            },
            "organization": {
                "name": "Example Ltd", "address": "1 High St", "city": "London", "country": "gb"
            },
            "order_validity": { "days": 90 },
            "custom_fields": [{ "metadata_id": 12, "value": "cost-center-9" }],
            "skip_approval": true,
            "alternative_order_id": "batch7"
        })
    );

    // Neither validity set: only run time can tell, and the conversion does.
    let invalid = NewOrgOrder { years: None, days: None, ..order }.try_into_request().unwrap_err();
    assert_eq!(invalid.violations.len(), 1);
    assert_eq!(invalid.violations[0].rule, "validity.required");
    assert!(invalid.to_string().contains("order_validity.years"), "{invalid}");
}
