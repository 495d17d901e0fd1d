//! The alternative order id of an order that has none: derived from its content, so that the
//! same order gets the same id in every run, from every line, in every journal, and a second
//! attempt at it is recognised (by the journal, and by DigiCert when the account enforces
//! unique alternative order ids).
//!
//! "The same order" is what DigiCert treats as the same, so the content is normalised before
//! it is hashed (the body sent is left as written):
//! - text is trimmed of surrounding white space;
//! - email addresses (every parameter whose format is `email`) are compared without case;
//! - lists are sets (emails, organization units, custom fields, contacts: their order changes
//!   nothing of what is ordered), so their items are sorted and repeats dropped;
//! - object keys are sorted.

use certcentral_table::{Format, Kind, TABLE};
use serde_json::{Map, Value};
use sha2::{Digest, Sha256};

/// `bulk` and 32 hex digits of the SHA-256 of the product and the normalised parameters.
pub fn stable_id(product: &str, body: &Map<String, Value>) -> String {
    let mut bytes = Vec::new();
    canonical(&normalise(None, &Value::Object(body.clone())), &mut bytes);
    hashed(product.trim().as_bytes(), &bytes)
}

/// The id release 0.1.0 derived (no normalisation), to recognise rows in its journals.
pub fn legacy_id(product: &str, body: &Map<String, Value>) -> String {
    let mut bytes = Vec::new();
    canonical(&Value::Object(body.clone()), &mut bytes);
    hashed(product.as_bytes(), &bytes)
}

fn hashed(product: &[u8], body: &[u8]) -> String {
    let mut digest = Sha256::new();
    digest.update(product);
    digest.update([0]);
    digest.update(body);
    let hash = digest.finalize();
    let hex: String = hash[..16].iter().map(|b| format!("{b:02x}")).collect();
    format!("bulk{hex}")
}

/// The value at `path` (`None`: the body) as it is compared.
fn normalise(path: Option<&str>, value: &Value) -> Value {
    let param = path.and_then(|p| TABLE.param(p));
    match value {
        Value::String(s) => {
            let s = s.trim();
            if param.is_some_and(|p| p.constraints.format == Some(Format::Email)) {
                Value::String(s.to_lowercase())
            } else {
                Value::String(s.to_string())
            }
        }
        Value::Object(map) => Value::Object(
            map.iter()
                .map(|(k, v)| {
                    let child = match path {
                        Some(p) => format!("{p}.{k}"),
                        None => k.clone(),
                    };
                    (k.clone(), normalise(Some(&child), v))
                })
                .collect(),
        ),
        Value::Array(items) => {
            // Items are addressed as the list's items are in the table: `list[]`, and a string
            // list's items share its format.
            let item_path = path.map(|p| match param.map(|p| p.kind) {
                Some(Kind::ObjectList) => format!("{p}[]"),
                _ => p.to_string(),
            });
            let mut items: Vec<(Vec<u8>, Value)> = items
                .iter()
                .map(|item| {
                    let item = match (item, param.map(|p| p.kind)) {
                        (Value::String(_), Some(Kind::StringList)) => normalise(path, item),
                        _ => normalise(item_path.as_deref(), item),
                    };
                    let mut key = Vec::new();
                    canonical(&item, &mut key);
                    (key, item)
                })
                .collect();
            items.sort_by(|a, b| a.0.cmp(&b.0));
            items.dedup_by(|a, b| a.0 == b.0);
            Value::Array(items.into_iter().map(|(_, v)| v).collect())
        }
        other => other.clone(),
    }
}

/// JSON with object keys sorted, whatever order the map keeps them in.
fn canonical(value: &Value, out: &mut Vec<u8>) {
    match value {
        Value::Object(map) => {
            let mut keys: Vec<&String> = map.keys().collect();
            keys.sort();
            out.push(b'{');
            for key in keys {
                out.extend(Value::String(key.clone()).to_string().as_bytes());
                out.push(b':');
                canonical(&map[key], out);
                out.push(b',');
            }
            out.push(b'}');
        }
        Value::Array(items) => {
            out.push(b'[');
            for item in items {
                canonical(item, out);
                out.push(b',');
            }
            out.push(b']');
        }
        scalar => out.extend(scalar.to_string().as_bytes()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn id(body: Value) -> String {
        let Value::Object(map) = body else {
            panic!("an object")
        };
        stable_id("class1_smime", &map)
    }

    #[test]
    fn email_case_is_the_same_order() {
        assert_eq!(
            id(json!({"certificate": {"emails": ["User000@Example.com"]}})),
            id(json!({"certificate": {"emails": ["user000@example.com"]}}))
        );
        assert_eq!(
            id(json!({"organization_contact": {"email": "A@B.example"}})),
            id(json!({"organization_contact": {"email": "a@b.example"}}))
        );
        // A name is not an address: its case is the user's.
        assert_ne!(
            id(json!({"certificate": {"common_name": "Ann Lee"}})),
            id(json!({"certificate": {"common_name": "ANN LEE"}}))
        );
    }

    #[test]
    fn surrounding_white_space_is_the_same_order() {
        assert_eq!(
            id(json!({"certificate": {"common_name": "  Ann Lee\t"}})),
            id(json!({"certificate": {"common_name": "Ann Lee"}}))
        );
        assert_ne!(
            id(json!({"certificate": {"common_name": "Ann  Lee"}})),
            id(json!({"certificate": {"common_name": "Ann Lee"}}))
        );
    }

    #[test]
    fn list_order_and_repeats_are_the_same_order() {
        assert_eq!(
            id(json!({"certificate": {"emails": ["b@x.example", "a@x.example", "A@x.example"]}})),
            id(json!({"certificate": {"emails": ["a@x.example", "b@x.example"]}}))
        );
        assert_eq!(
            id(
                json!({"custom_fields": [{"metadata_id": 2, "value": "y"}, {"metadata_id": 1, "value": " x"}]})
            ),
            id(
                json!({"custom_fields": [{"value": "x", "metadata_id": 1}, {"metadata_id": 2, "value": "y"}]})
            )
        );
    }

    #[test]
    fn key_order_is_the_same_order_and_other_values_are_not() {
        assert_eq!(
            id(json!({"order_validity": {"years": 1}, "skip_approval": true})),
            id(json!({"skip_approval": true, "order_validity": {"years": 1}}))
        );
        assert_ne!(
            id(json!({"order_validity": {"years": 1}})),
            id(json!({"order_validity": {"years": 2}}))
        );
        assert_eq!(id(json!({})).len(), 36);
    }

    #[test]
    fn the_legacy_id_is_what_release_0_1_0_derived() {
        // Pinned from 0.1.0's `stable_id` over the same row.
        let Value::Object(body) = json!({"certificate": {"emails": ["a@example.com"]}}) else {
            panic!()
        };
        assert_eq!(
            legacy_id("class1_smime", &body),
            "bulk926455509c7de99cc52e2b61cb1e9244",
        );
    }
}
