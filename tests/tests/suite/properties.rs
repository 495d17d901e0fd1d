//! Property tests: nothing a server or a user can send makes the SDK panic; every valid order
//! passes validation and round-trips through serde.
//!
//! One file over 400 lines, on purpose: the strategies that build orders and hostile bodies
//! are shared by every property.

use certcentral::{Response, decode_response};
use certcentral_table::validate;
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
        certcentral_table::TABLE
            .products
            .iter()
            .map(|p| p.id)
            .collect::<Vec<_>>(),
    )
}

/// A valid order for any product, validity, indicator and payment: the varied parts are set,
/// and the rules table completes the rest (what the product and the choices imply), so a new
/// product or rule in the spec needs no edit here.
fn valid_order() -> impl Strategy<Value = (&'static str, Value)> {
    (
        product(),
        prop::collection::vec("[a-z]{1,8}@[a-z]{1,8}\\.(com|org|eu)", 1..4),
        prop_oneof![
            (1i64..=3).prop_map(|y| json!({ "years": y })),
            (1i64..=825).prop_map(|d| json!({ "days": d })),
            (1u32..=28, 0usize..12, 2027u32..2030).prop_map(|(d, m, y)| {
                let months = [
                    "JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV",
                    "DEC",
                ];
                json!({ "custom_expiration_date": format!("{d:02} {} {y}", months[m]) })
            }),
        ],
        prop::option::of(any::<bool>()),
        prop::option::of(prop::sample::select(vec!["balance", "card", "profile"])),
        prop::option::of("[A-Za-z0-9]{1,64}"),
    )
        .prop_map(|(product, emails, validity, indicator, payment, alt)| {
            let mut body = json!({
                "certificate": { "emails": emails },
                "order_validity": validity,
            });
            // An indicator of either kind, or none (then only where a rule requires one); kept
            // only where the product's rules allow it.
            let indicator = indicator.and_then(|second| {
                TABLE
                    .param("certificate.common_name_indicator")
                    .and_then(|p| p.constraints.enum_values.get(usize::from(second)))
            });
            if let Some(indicator) = indicator {
                body["certificate"]["common_name_indicator"] = json!(indicator);
            }
            if let Some(p) = payment {
                body["payment_method"] = json!(p);
            }
            if let Some(alt) = alt {
                body["alternative_order_id"] = json!(alt);
            }
            let body = TABLE
                .complete(product, body)
                .unwrap_or_else(|| panic!("the table completes no order for {product}"));
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

    /// A body cut at the read limit inside an echoed secret: no part of it of three
    /// characters or more is quoted (as the `decode_response` fuzz target checks too).
    #[test]
    fn a_secret_cut_by_the_read_limit_leaves_no_part(
        status in 100u16..600,
        text in "[ a-z<>{}\":,0-9]{0,300}",
        kept in 3usize..12,
    ) {
        const SECRET: &str = "QZXSECRETKEY";
        let body = format!("{text}{}", &SECRET[..kept]);
        let result = decode_response(Response { status, retry_after: None, body: body.as_bytes(), complete: false }, "alt", &[SECRET]);
        if let Err(e) = result {
            for shown in [e.to_string(), format!("{e:?}")] {
                prop_assert!(!shown.contains(&SECRET[..3]), "{}", shown);
            }
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

// ---------------------------------------------------------------------------------------------
// The compiled checks of typed orders (`client/src/generated/checks.rs`) against the interpreter.
//
// `certcentral::validate` trusts `is_clean` when it says "nothing to report", so it must say so
// exactly when the interpreter finds no violation and no warning. Orders are valid ones with one
// to three parameters set to values drawn from the table's own constraints (each bound, one
// past it, empty, malformed, every enum value) or removed.

use certcentral::types::{ClientCertificateId, OrderClientCertificateRequest};
use certcentral_table::{Format, Kind, Param, TABLE};
use std::collections::BTreeSet;

/// Values for a string parameter: its edge cases and a few random ones.
fn string_for(p: &'static Param<'static>) -> BoxedStrategy<String> {
    let c = &p.constraints;
    let mut edge: Vec<String> = c.enum_values.iter().map(|v| v.to_string()).collect();
    edge.extend(
        [
            "",
            "a",
            "Alice",
            "é".repeat(3).as_str(),
            "order42",
            "order-42",
        ]
        .map(String::from),
    );
    if let Some(max) = c.max_length {
        edge.push("x".repeat(max as usize));
        edge.push("x".repeat(max as usize + 1));
    }
    match c.format {
        Some(Format::Email) => edge.extend(
            [
                "a@example.com",
                "bad@",
                "a b@example.com",
                "a@b..com",
                "x@localhost",
            ]
            .map(String::from),
        ),
        Some(Format::DateYyyyMmDd) => edge.extend(
            [
                "2028-02-29",
                "2027-02-29",
                "2027-6-09",
                "2027-04-31",
                "2027-12-31",
            ]
            .map(String::from),
        ),
        Some(Format::DateDdMmmYyyy) => edge.extend(
            [
                "29 FEB 2028",
                "29 FEB 2027",
                "9 JUN 2027",
                "31 APR 2027",
                "01 jan 2027",
            ]
            .map(String::from),
        ),
        None => {}
    }
    if c.pattern.is_some() {
        edge.extend(["4111111111111111", "41111111111", "4111 1111 1111 1111"].map(String::from));
    }
    prop_oneof![
        3 => prop::sample::select(edge),
        1 => "[A-Za-z0-9@. -]{0,10}",
    ]
    .boxed()
}

fn integer_for(p: &'static Param<'static>) -> BoxedStrategy<i64> {
    let c = &p.constraints;
    let mut edge = vec![0i64, 1, 3, 4, 12, 13, 999, 1000, 9999, 10000, -1];
    for bound in [c.minimum, c.maximum].into_iter().flatten() {
        edge.extend([bound.saturating_sub(1), bound, bound.saturating_add(1)]);
    }
    edge.extend(c.enum_values.iter().filter_map(|v| v.parse::<i64>().ok()));
    prop_oneof![3 => prop::sample::select(edge), 1 => any::<i32>().prop_map(i64::from)].boxed()
}

/// A JSON value of the parameter's kind (objects recursively, list items included).
fn value_for(p: &'static Param<'static>) -> BoxedStrategy<Value> {
    match p.kind {
        Kind::String => string_for(p).prop_map(Value::String).boxed(),
        Kind::Integer => integer_for(p).prop_map(Value::from).boxed(),
        Kind::Boolean => any::<bool>().prop_map(Value::Bool).boxed(),
        Kind::StringList => prop::collection::vec(string_for(p), 0..3)
            .prop_map(|v| json!(v))
            .boxed(),
        Kind::Object => object_for(p.path),
        Kind::ObjectList => prop::collection::vec(object_for(p.path), 0..3)
            .prop_map(Value::Array)
            .boxed(),
        other => panic!("a kind this test does not know: {other:?}"),
    }
}

/// An object with each field of `path` present or not (required ones mostly present).
fn object_for(path: &'static str) -> BoxedStrategy<Value> {
    let fields: Vec<BoxedStrategy<Option<(&'static str, Value)>>> = certcentral_table::TABLE
        .children(path)
        .map(|f| {
            let leaf = f.leaf();
            let weight = if f.required { 9 } else { 1 };
            prop_oneof![
                weight => value_for(f).prop_map(move |v| Some((leaf, v))),
                1 => Just(None),
            ]
            .boxed()
        })
        .collect();
    fields
        .prop_map(|fields| {
            Value::Object(
                fields
                    .into_iter()
                    .flatten()
                    .map(|(k, v)| (k.to_string(), v))
                    .collect(),
            )
        })
        .boxed()
}

/// Sets (creating parent objects) or removes the value at a dotted path without list segments.
fn set_path(body: &mut Value, path: &str, value: Option<Value>) {
    let mut segments: Vec<&str> = path.split('.').collect();
    let Some(last) = segments.pop() else { return };
    let mut at = body;
    for s in segments {
        if !at.get(s).is_some_and(Value::is_object) {
            at[s] = json!({});
        }
        at = &mut at[s];
    }
    if let Some(map) = at.as_object_mut() {
        match value {
            Some(v) => map.insert(last.to_string(), v),
            None => map.remove(last),
        };
    }
}

fn mutation() -> impl Strategy<Value = (&'static str, Option<Value>)> {
    let settable: Vec<&'static Param<'static>> =
        TABLE.params.iter().filter(|p| !p.in_list_item()).collect();
    prop::sample::select(settable).prop_flat_map(|p| {
        prop_oneof![
            4 => value_for(p).prop_map(move |v| (p.path, Some(v))),
            1 => Just((p.path, None)),
        ]
    })
}

/// A typed order (valid or near it) and its product; bodies the types cannot hold are skipped.
fn near_valid_order() -> impl Strategy<Value = (ClientCertificateId, OrderClientCertificateRequest)>
{
    (
        valid_order(),
        prop::collection::vec(mutation(), 0..4),
        product(),
    )
        .prop_filter_map(
            "the generated types cannot hold the body",
            |((product, mut body), mutations, other)| {
                for (path, value) in mutations {
                    set_path(&mut body, path, value);
                }
                // Now and then, the order for another product than it was built for.
                let product = if body.to_string().len() % 7 == 0 {
                    other
                } else {
                    product
                };
                let typed = serde_json::from_value(body).ok()?;
                Some((product.parse().ok()?, typed))
            },
        )
}

/// What the interpreter reports for a typed order: (rule, path) of violations then warnings.
fn interpreted(
    product: ClientCertificateId,
    order: &OrderClientCertificateRequest,
) -> Vec<(&'static str, String)> {
    let body = serde_json::to_value(order).unwrap();
    let report = validate(&product.to_string(), &body);
    report
        .violations
        .iter()
        .chain(&report.warnings)
        .map(|v| (v.rule, v.path.clone()))
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn compiled_checks_agree_with_the_interpreter((product, order) in near_valid_order()) {
        let found = interpreted(product, &order);
        prop_assert_eq!(
            certcentral::__private::is_clean(product, &order),
            found.is_empty(),
            "{} {:?}\n{}", product, found, serde_json::to_string(&order).unwrap()
        );
        // And so `validate` of the typed order says what the interpreter says of its JSON.
        let body = serde_json::to_value(&order).unwrap();
        prop_assert_eq!(
            certcentral::validate(product, &order),
            certcentral::validate_json(&product.to_string(), &body)
        );
    }
}

/// The agreement above means something only if the orders reach every check: every rule and
/// every constraint kind must be, in some order, the one thing the interpreter finds (so the
/// compiled checks had to catch exactly that), and some orders must be clean.
#[test]
fn the_orders_reach_every_rule_and_constraint_alone() {
    use proptest::strategy::ValueTree;
    use proptest::test_runner::TestRunner;

    let mut runner = TestRunner::deterministic();
    let strategy = near_valid_order();
    let mut alone = BTreeSet::new();
    let mut clean = 0;
    let cases = 6000;
    for _ in 0..cases {
        let (product, order) = strategy.new_tree(&mut runner).unwrap().current();
        let found = interpreted(product, &order);
        assert_eq!(
            certcentral::__private::is_clean(product, &order),
            found.is_empty(),
            "{product} {found:?}"
        );
        match found.as_slice() {
            [] => clean += 1,
            [(rule, _)] => {
                alone.insert(*rule);
            }
            _ => {}
        }
    }
    let wanted: BTreeSet<&str> = certcentral_table::TABLE
        .rules
        .iter()
        .map(|r| r.id)
        .chain([
            "schema.range",
            "schema.min_length",
            "schema.max_length",
            "schema.pattern",
            "schema.format",
            "schema.min_items",
        ])
        .collect();
    let missing: Vec<_> = wanted.difference(&alone).collect();
    assert!(missing.is_empty(), "never the only finding: {missing:?}");
    assert!(
        clean * 10 > cases,
        "only {clean} of {cases} orders were clean"
    );
}

/// Texts for a pattern: matching ones (generated from the pattern), each with one character
/// changed, inserted or removed, and arbitrary ones.
fn texts_for(source: &'static str) -> BoxedStrategy<String> {
    // The spec's patterns are anchored (codegen refuses others); the generator wants no anchors.
    let body = source.trim_start_matches('^').trim_end_matches('$');
    let matching = || proptest::string::string_regex(body).unwrap();
    prop_oneof![
        2 => matching(),
        2 => (matching(), any::<prop::sample::Index>(), any::<char>(), 0..3u8).prop_map(|(s, at, c, how)| {
            let mut chars: Vec<char> = s.chars().collect();
            let i = at.index(chars.len() + 1);
            match how {
                0 => chars.insert(i, c),
                1 if i < chars.len() => chars[i] = c,
                _ if i < chars.len() => {
                    chars.remove(i);
                }
                _ => {}
            }
            chars.into_iter().collect()
        }),
        1 => any::<String>(),
    ]
    .boxed()
}

fn pattern_and_text() -> impl Strategy<Value = (certcentral_table::Pattern<'static>, String)> {
    let patterns: Vec<certcentral_table::Pattern> = TABLE
        .params
        .iter()
        .filter_map(|p| p.constraints.pattern)
        .collect();
    prop::sample::select(patterns).prop_flat_map(|p| (Just(p), texts_for(p.source())))
}

proptest! {
    /// The pattern shapes codegen reads match exactly what the regex crate matches.
    #[test]
    fn compiled_patterns_agree_with_the_regex_crate((pattern, text) in pattern_and_text()) {
        let regex = regex::Regex::new(pattern.source()).unwrap();
        prop_assert_eq!(pattern.is_match(&text), regex.is_match(&text), "{} on {:?}", pattern.source(), text);
    }
}

/// The address check as first written (split at `@`, then string searches): the one-pass
/// check in `certcentral_table::checks` must agree with it on every text.
fn is_email_by_definition(s: &str) -> bool {
    let Some((local, domain)) = s.split_once('@') else {
        return false;
    };
    !local.is_empty()
        && s.len() <= 254
        && !domain.contains('@')
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !domain.contains("..")
        && !s.chars().any(|c| c.is_whitespace() || c.is_control())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(5000))]

    #[test]
    fn the_email_check_agrees_with_its_definition(
        s in prop_oneof![
            "[a.@]{0,12}",
            "[a-z.]{0,6}@[a-z.]{0,8}",
            // Across the 16-byte blocks the check reads.
            "[a.@ ]{10,40}",
            "[a-z.]{5,20}@[a-z.]{5,20}",
            "[a-z]{10,20}\\.?[a-z]{0,5}[.@é\t]?[a-z]{0,8}\\.[a-z]{2,3}",
            "[a-z]{1,4}[ \t\u{7f}\u{85}\u{a0}\u{2003}éa.@]{0,3}[a-z]{0,3}@[a-z]{1,4}\\.[a-z.]{0,4}",
            "[a-z]{245,252}@[a-z]{1,3}\\.[a-z]{2}",
            any::<String>(),
        ]
    ) {
        prop_assert_eq!(Format::Email.matches(&s), is_email_by_definition(&s), "{:?}", s);
    }
}
