//! From order to certificate in the client: one order waited for, many followed through the
//! status-change list (one call per poll for all of them), and the chain downloaded as typed
//! certificates that verify against the mock's root, for the key the CSR was made with.

use certcentral::types::{ClientCertificateId, OrderStatus};
use certcentral::{CertificateChain, ChainError, Client, Polling, Stage};
use certcentral_mock::{MockConfig, MockServer};
use certcentral_tests::{client_for, issuable_body, key_and_csr, request, valid_body};
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::time::{Duration, SystemTime};

const PREMIUM: ClientCertificateId = ClientCertificateId::ClientPremium;
const CLASS1: ClientCertificateId = ClientCertificateId::Class1Smime;

/// A mock that issues 300 ms after approval, and a client that polls every 20 to 200 ms.
async fn mock_and_follower() -> (MockServer, Client) {
    let server = MockServer::start(MockConfig::default().issue_after(Duration::from_millis(300)))
        .await
        .unwrap();
    let client = client_for(&server)
        .polling(
            Polling::default()
                .first(Duration::from_millis(20))
                .max(Duration::from_millis(200)),
        )
        .build()
        .unwrap();
    (server, client)
}

async fn place(client: &Client, product: ClientCertificateId, body: Value) -> i64 {
    client
        .order(product, &request(body))
        .await
        .expect("the mock takes the order")
        .order_id()
        .expect("its answer")
}

/// A Class 1 order for a mailbox nobody validated: pending until its owner follows the link.
fn unvalidated_class1(email: &str) -> Value {
    let mut body = valid_body("class1_smime");
    body["certificate"]["emails"] = json!([email]);
    body["skip_approval"] = json!(true);
    body
}

/// How many requests of `operation` (its short name) the mock received.
fn calls_of(server: &MockServer, operation: &str) -> usize {
    let base = reqwest::Url::parse(&server.base_url()).unwrap();
    let prefix = base.path().trim_end_matches('/').to_string();
    server
        .requests()
        .iter()
        .filter_map(|r| {
            r.path
                .strip_prefix(&prefix)
                .and_then(|p| certcentral_table::route(&r.method, p))
        })
        .filter(|(op, _)| op.name == operation)
        .count()
}

#[tokio::test]
async fn one_order_is_waited_for_until_issued_or_the_deadline() {
    let (server, client) = mock_and_follower().await;
    let (_, csr) = key_and_csr("Alice Example");
    let mut body = issuable_body("client_premium", "alice@example.com", &csr);
    body["skip_approval"] = json!(true);
    let issued = place(&client, PREMIUM, body).await;
    let order = client
        .wait_for_issuance(issued, Duration::from_secs(60))
        .await
        .unwrap();
    assert_eq!(order.status, OrderStatus::Issued);
    assert!(order.certificate.and_then(|c| c.id).is_some());
    assert!(calls_of(&server, "info") >= 2, "polled until issued");

    let stuck = place(&client, CLASS1, unvalidated_class1("nobody@example.com")).await;
    let order = client
        .wait_for_issuance(stuck, Duration::from_millis(300))
        .await
        .unwrap();
    assert_eq!(
        Stage::of(&order.status),
        Stage::InProgress,
        "{}",
        order.status
    );
}

#[tokio::test]
async fn many_orders_are_followed_with_one_call_per_poll_to_where_each_ends() {
    let (server, client) = mock_and_follower().await;
    let since = SystemTime::now();
    let mut placed = BTreeMap::new();
    for who in ["ann", "bob"] {
        let (_, csr) = key_and_csr(who);
        let mut body = issuable_body("client_premium", &format!("{who}@example.com"), &csr);
        body["skip_approval"] = json!(true);
        placed.insert(place(&client, PREMIUM, body).await, "issued");
    }
    // Needs approval, and is rejected.
    let (_, csr) = key_and_csr("Carol");
    let rejected = place(
        &client,
        PREMIUM,
        issuable_body("client_premium", "carol@example.com", &csr),
    )
    .await;
    let request_id = client.order_info(rejected).await.unwrap().requests[0].id;
    client
        .reject_request(request_id, Some("not ours"))
        .await
        .unwrap();
    placed.insert(rejected, "rejected");
    // Pending for a mailbox, then canceled.
    let canceled = place(&client, CLASS1, unvalidated_class1("dave@example.com")).await;
    client
        .cancel_order(canceled, "ordered twice")
        .await
        .unwrap();
    placed.insert(canceled, "canceled");
    // Without a CSR: waiting for the recipient's browser.
    let mut body = valid_body("client_premium");
    body["organization"] = json!({ "id": certcentral_mock::VALIDATED_ORGANIZATION });
    body["skip_approval"] = json!(true);
    placed.insert(place(&client, PREMIUM, body).await, "waiting_pickup");
    // Pending for a mailbox until the end.
    let stuck = place(&client, CLASS1, unvalidated_class1("erin@example.com")).await;

    let infos_before = calls_of(&server, "info");
    let mut follower = client.follow(
        placed.keys().copied().chain([stuck]),
        since,
        Duration::from_secs(3),
    );
    let mut settled = BTreeMap::new();
    while let Some(order) = follower.next().await {
        let order = order.unwrap();
        if order.status == OrderStatus::Issued {
            assert!(order.certificate_id.is_some(), "{order:?}");
        }
        settled.insert(order.order_id, order.status.to_string());
    }
    let want: BTreeMap<i64, String> = placed.iter().map(|(k, v)| (*k, v.to_string())).collect();
    assert_eq!(settled, want);
    let left: Vec<i64> = follower.in_progress().map(|(id, _)| id).collect();
    assert_eq!(left, [stuck]);
    assert_eq!(
        calls_of(&server, "info"),
        infos_before,
        "no order info per order: the status-change list only"
    );
    assert!(calls_of(&server, "changes") >= 2);
}

#[tokio::test]
async fn the_chain_is_typed_verified_and_for_the_csrs_key() {
    let (server, client) = mock_and_follower().await;
    let (key, csr) = key_and_csr("Alice Example");
    let mut body = issuable_body("client_premium", "alice@example.com", &csr);
    body["skip_approval"] = json!(true);
    let order_id = place(&client, PREMIUM, body).await;
    let order = client
        .wait_for_issuance(order_id, Duration::from_secs(60))
        .await
        .unwrap();
    assert_eq!(order.status, OrderStatus::Issued);

    let chain = client.download_chain(order_id).await.unwrap();
    chain.verify(SystemTime::now()).unwrap();
    let leaf = chain.leaf();
    assert_eq!(leaf.emails(), ["alice@example.com"]);
    assert!(!leaf.is_ca());
    assert!(!leaf.serial().is_empty());
    assert!(leaf.not_after() > SystemTime::now() + Duration::from_secs(300 * 86_400));
    let key = rcgen::KeyPair::from_pem(&key).unwrap();
    assert_eq!(
        leaf.public_key_der(),
        rcgen::PublicKeyData::subject_public_key_info(&key)
    );
    assert_eq!(chain.intermediates().len(), 1);
    let root = CertificateChain::from_pem(server.root_pem().as_bytes()).unwrap();
    assert_eq!(
        chain.root().map(|r| r.der()),
        Some(root.leaf().der()),
        "the mock's root"
    );
    // PEM round trip, and the chain as a server presents it (no root).
    let again = CertificateChain::from_pem(chain.pem_without_root().as_bytes()).unwrap();
    assert_eq!(again.leaf(), leaf);
    assert!(again.root().is_none());
    again.verify(SystemTime::now()).unwrap();

    // Two unrelated certificates are not a chain; a leaf checked after its end is not valid.
    let stranger = rcgen::CertificateParams::new(vec!["x.example".to_string()])
        .unwrap()
        .self_signed(&rcgen::KeyPair::generate().unwrap())
        .unwrap()
        .pem();
    let mixed = format!("{}{stranger}", leaf.pem());
    assert!(matches!(
        CertificateChain::from_pem(mixed.as_bytes()),
        Err(ChainError::NotAChain(_))
    ));
    let late = leaf.not_after() + Duration::from_secs(1);
    assert!(matches!(
        chain.verify(late),
        Err(ChainError::NotValidNow { .. })
    ));
}
