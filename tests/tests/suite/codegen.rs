//! The generated artifacts: pinned by snapshots, current with the spec, and refused specs.

use certcentral_codegen::{
    CHECKS_PATH, CLIENT_PATH, DRAFT_PATH, RESPONSES_PATH, TABLE_PATH, WIRE_PATH, generate,
    generate_from_str, stale,
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
fn response_types_snapshot() {
    insta::assert_snapshot!("response_types", artifact(RESPONSES_PATH));
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
fn derive_draft_snapshot() {
    insta::assert_snapshot!("derive_draft", artifact(DRAFT_PATH));
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
    assert!(edited != spec_text(), "the edit found what it replaces");
    assert_eq!(stale_paths(&edited), [TABLE_PATH]);
    // ...a description in the generated client's docs...
    let edited = spec_text().replace(
        "description: Certificate details.",
        "description: The certificate's details.",
    );
    assert!(edited != spec_text(), "the edit found what it replaces");
    assert_eq!(stale_paths(&edited), [CLIENT_PATH]);
    // ...and a new parameter in the types, the derive's draft and the table.
    let edited = spec_text().replace(
        "        vat_number:\n",
        "        po_number:\n          type: string\n          description: Purchase order.\n        vat_number:\n",
    );
    // (The compiled checks name the patterns of later parameters by their index in the table.)
    assert_eq!(
        stale_paths(&edited),
        [CLIENT_PATH, DRAFT_PATH, TABLE_PATH, CHECKS_PATH]
    );
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
        message.contains(&format!(
            "at paths.{}.post.responses.default: a `default` response is not allowed",
            certcentral_table::TABLE.order_path
        )),
        "{message}"
    );
}

#[test]
fn the_api_key_header_comes_from_the_security_scheme() {
    let moved = spec_text().replace("      name: X-DC-DEVKEY\n", "      name: X-Api-Key\n");
    let generated = generate_from_str(&moved).expect("a renamed header is a valid spec");
    let table = generated
        .iter()
        .find(|a| a.path.ends_with("table/src/generated.rs"))
        .expect("the table is generated");
    assert!(
        table
            .contents
            .contains("pub const API_KEY_HEADER: &str = \"X-Api-Key\";"),
        "{}",
        table.contents
    );
    let in_query = spec_text().replace(
        "      in: header\n      name: X-DC-DEVKEY",
        "      in: query\n      name: X-DC-DEVKEY",
    );
    let message = refusal(&in_query);
    assert!(
        message
            .contains("components.securitySchemes.api_key: must be `type: apiKey`, `in: header`"),
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

/// The spec with these rules put first in `x-certcentral-rules`.
fn with_rules(rules: &str) -> String {
    let edited = spec_text().replacen(
        "      x-certcentral-rules:\n",
        &format!("      x-certcentral-rules:\n{rules}"),
        1,
    );
    assert!(edited != spec_text(), "the spec has a rules list");
    edited
}

/// Two rules that demand opposite things of one parameter for some product are refused, both
/// named with the product; a rule that applies only when the forbidden object is sent is not
/// a contradiction.
#[test]
fn contradictory_rules_are_refused_naming_both_and_the_product() {
    let rule = |id: &str, effect: &str, param: &str, when: &str| {
        format!(
            "        - id: {id}\n          when:\n            products: [class1_smime]\n{when}          {effect}: [{param}]\n          message: A test rule.\n"
        )
    };
    let units = "certificate.organization_units";
    for (second, clash) in [
        (
            rule("test.units_ignored", "ignore", units, ""),
            "forbidden and ignored",
        ),
        (
            rule("test.units_required", "require", units, ""),
            "forbidden and required",
        ),
    ] {
        let message = refusal(&with_rules(&format!(
            "{}{second}",
            rule("test.units_forbidden", "forbid", units, "")
        )));
        let second_id = second.split_whitespace().nth(2).unwrap_or_default();
        assert!(
            message.contains(&format!(
                "rules `test.units_forbidden` and `{second_id}` contradict each other for \
                 `class1_smime` on `{units}`: {clash}"
            )),
            "{message}"
        );
    }
    // Class 1 S/MIME forbids an organization; requiring a field of one is a contradiction...
    let message = refusal(&with_rules(&rule(
        "test.org_name",
        "require",
        "organization.name",
        "",
    )));
    assert!(
        message.contains("`organization.name`: required inside a forbidden object"),
        "{message}"
    );
    // ...unless the rule applies only when an organization is sent.
    generate_from_str(&with_rules(&rule(
        "test.org_name",
        "require",
        "organization.name",
        "            present: organization\n",
    )))
    .unwrap();
}

/// The operation is found by its `operationId`, wherever its path is: a new path reaches the
/// wire layer and the table.
#[test]
fn the_operation_is_found_by_its_id_wherever_its_path_is() {
    // The path as the spec has it now (the table is generated from it), moved below `/moved`.
    let path = certcentral_table::TABLE.order_path;
    let edited = spec_text().replace(&format!("  {path}:\n"), &format!("  /moved{path}:\n"));
    assert!(edited != spec_text(), "the edit found what it replaces");
    let artifacts = generate_from_str(&edited).unwrap();
    let text = |path: &str| {
        artifacts
            .iter()
            .find(|a| a.path == path)
            .unwrap()
            .contents
            .clone()
    };
    let prefix = path.split('{').next().unwrap_or(path);
    assert!(text(WIRE_PATH).contains(&format!("\"/moved{prefix}\"")));
    assert!(text(TABLE_PATH).contains(&format!("\"/moved{path}\"")));
    let message = refusal(&spec_text().replace(
        "operationId: order_client_certificate",
        "operationId: order_certificate",
    ));
    assert!(
        message.contains("no operation has operationId `order_client_certificate`"),
        "{message}"
    );
}

/// A product without a display name is reported where the names live: the product schema.
#[test]
fn a_missing_display_name_points_at_the_product_schema() {
    let message = refusal(&spec_text().replace("        class1_smime: Class 1 S/MIME\n", ""));
    assert!(
        message.contains(
            "at components.schemas.ClientCertificateId.x-certcentral-product-names: product `class1_smime` has no display name"
        ),
        "{message}"
    );
}

/// DigiCert's rate limits are read from the spec, and a malformed window is refused.
#[test]
fn rate_limits_come_from_the_spec() {
    assert_eq!(
        certcentral_table::TABLE.rate_limits,
        [
            certcentral_table::Window::new(100, std::time::Duration::from_secs(5)),
            certcentral_table::Window::new(1000, std::time::Duration::from_secs(180)),
        ]
    );
    let message =
        refusal(&spec_text().replace("  - requests: 100\n    seconds: 5\n", "  - requests: 100\n"));
    assert!(
        message.contains("at x-certcentral-rate-limits[0]: a window needs positive integers"),
        "{message}"
    );
}
