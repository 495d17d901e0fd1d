//! The generated artifacts: pinned by snapshots, current with the spec, and refused specs.

use certcentral_codegen::{
    CHECKS_PATH, CLIENT_PATH, TABLE_PATH, WIRE_PATH, generate, generate_from_str, stale,
};
use std::path::Path;

fn root() -> &'static Path {
    Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/.."))
}

fn spec_text() -> String {
    std::fs::read_to_string(root().join("spec/openapi.yaml")).unwrap()
}

fn artifact(path: &str) -> String {
    generate(root())
        .unwrap()
        .into_iter()
        .find(|a| a.path == path)
        .unwrap()
        .contents
}

#[test]
fn generated_client_snapshot() {
    insta::assert_snapshot!("generated_client", artifact(CLIENT_PATH));
}

#[test]
fn rules_table_snapshot() {
    insta::assert_snapshot!("rules_table", artifact(TABLE_PATH));
}

#[test]
fn wire_layer_snapshot() {
    insta::assert_snapshot!("wire_layer", artifact(WIRE_PATH));
}

#[test]
fn compiled_checks_snapshot() {
    insta::assert_snapshot!("compiled_checks", artifact(CHECKS_PATH));
}

#[test]
fn checked_in_artifacts_are_current() {
    let stale = stale(root(), &generate(root()).unwrap()).unwrap();
    assert!(
        stale.is_empty(),
        "run `cargo run -p certcentral-codegen`:\n{}",
        stale.iter().map(|s| s.diff.as_str()).collect::<String>()
    );
}

#[test]
fn generation_is_deterministic() {
    assert_eq!(generate(root()).unwrap(), generate(root()).unwrap());
}

#[test]
fn a_spec_edit_makes_the_checked_in_artifacts_stale() {
    // A constraint lives in the rules table and the compiled checks (the generated types
    // carry the shape only)...
    let edited = spec_text().replace("maxLength: 64", "maxLength: 32");
    let stale_paths = |yaml: &str| -> Vec<&str> {
        stale(root(), &generate_from_str(yaml).unwrap())
            .unwrap()
            .into_iter()
            .map(|s| s.path)
            .collect()
    };
    assert_eq!(stale_paths(&edited), [TABLE_PATH, CHECKS_PATH]);
    // ...a pattern's shape in the table only (the compiled checks run the table's)...
    let edited = spec_text().replace(
        r#"pattern: "^[A-Za-z0-9]+$""#,
        r#"pattern: "^[A-Za-z0-9_]+$""#,
    );
    assert_ne!(edited, spec_text());
    assert_eq!(stale_paths(&edited), [TABLE_PATH]);
    // ...a description in the generated client's docs...
    let edited = spec_text().replace(
        "description: Contact job title.",
        "description: The contact's job title.",
    );
    assert_eq!(stale_paths(&edited), [CLIENT_PATH]);
    // ...and a new parameter in both.
    let edited = spec_text().replace(
        "        vat_number:\n",
        "        po_number:\n          type: string\n          description: Purchase order.\n        vat_number:\n",
    );
    assert_eq!(stale_paths(&edited), [CLIENT_PATH, TABLE_PATH]);
    let rule_edit = spec_text().replace(
        "message: payment_method = card needs credit_card and billing_address.",
        "message: Card payments need credit_card and billing_address.",
    );
    let stale =
        certcentral_codegen::stale(root(), &generate_from_str(&rule_edit).unwrap()).unwrap();
    assert_eq!(stale.len(), 1);
    assert_eq!(stale[0].path, TABLE_PATH);
    assert!(
        stale[0]
            .diff
            .contains("+            message: \"Card payments need"),
        "{}",
        stale[0].diff
    );
}

fn refusal(edited: &str) -> String {
    match generate_from_str(edited) {
        Ok(_) => panic!("the edited spec was accepted"),
        Err(e) => e.to_string(),
    }
}

#[test]
fn unknown_rule_parameter_is_refused_with_its_place() {
    let edited = spec_text().replace(
        "require: [certificate.common_name]",
        "require: [certificate.comon_name]",
    );
    let message = refusal(&edited);
    assert!(
        message.contains("x-certcentral-rules[0].require[0]: unknown parameter path `certificate.comon_name` (did you mean `certificate.common_name`?)"),
        "{message}"
    );
}

#[test]
fn unknown_product_in_a_rule_is_refused_with_its_place() {
    let edited = spec_text().replacen("products: [class1_smime]", "products: [class2_smime]", 1);
    let message = refusal(&edited);
    assert!(
        message.contains("x-certcentral-rules[1].when.products[0]: unknown product `class2_smime` (did you mean `class1_smime`?)"),
        "{message}"
    );
}

#[test]
fn a_default_response_is_refused_with_its_place() {
    let edited = spec_text().replace("        \"4XX\":", "        default:");
    let message = refusal(&edited);
    assert!(
        message.contains("at paths./order/certificate/{client_certificate_id}.post.responses.default: a `default` response is not allowed"),
        "{message}"
    );
}

#[test]
fn other_convention_breaks_are_all_reported_at_once() {
    let edited = spec_text()
        .replace("openapi: 3.0.3", "openapi: 3.1.0")
        .replace(
            "in: [given_name_surname]\n          require:",
            "in: [given_name]\n          require:",
        )
        .replace(
            "  - id: validity.required\n          any_of:",
            "  - id: validity.required\n          all_of:",
        );
    let message = refusal(&edited);
    for expected in [
        "at openapi: must be OpenAPI 3.0.x",
        "`given_name` is not a value of `certificate.common_name_indicator`",
        "unknown rule key `all_of`",
    ] {
        assert!(
            message.contains(expected),
            "missing `{expected}` in:\n{message}"
        );
    }
}
