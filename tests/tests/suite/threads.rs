//! Thread-safety is promised and checked: `Client` is `Send + Sync + Clone`, and the futures
//! of `order`, `submit` and `order_many` are `Send` (compile-time assertions), and orders run
//! from tasks spawned on a multi-threaded runtime, through clones of one client.

use certcentral::types::{ClientCertificateId, OrderClientCertificateRequest};
use certcentral::{Client, ClientCertificateOrder, RetryPolicy};
use certcentral_mock::MockConfig;
use certcentral_tests::{request, valid_body};

#[derive(ClientCertificateOrder)]
#[order(product = "class1_smime", signature_hash = "sha256")]
struct Class1 {
    emails: Vec<String>,
    #[order(param = "order_validity.years")]
    years: u8,
}

const _: () = {
    fn send_sync_clone<T: Send + Sync + Clone + 'static>() {}
    fn send<T: Send>(_: &T) {}
    #[allow(dead_code)]
    fn promises(client: &Client, order: &OrderClientCertificateRequest, derived: &Class1) {
        send_sync_clone::<Client>();
        send(&client.order(ClientCertificateId::Class1Smime, order));
        send(&client.submit(derived));
        send(&client.order_many(Vec::new(), 4));
    }
};

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn clones_of_one_client_order_from_many_threads() {
    let (server, client) =
        certcentral_tests::mock_and_client(MockConfig::default(), RetryPolicy::none()).await;
    let tasks: Vec<_> = (0..16)
        .map(|i| {
            let client = client.clone();
            tokio::spawn(async move {
                if i % 2 == 0 {
                    let order = request(valid_body("class1_smime"));
                    client.order(ClientCertificateId::Class1Smime, &order).await
                } else {
                    let derived = Class1 {
                        emails: vec![format!("user{i}@example.com")],
                        years: 1,
                    };
                    client.submit(&derived).await
                }
            })
        })
        .collect();
    for task in tasks {
        let placed = task
            .await
            .expect("the task ran")
            .expect("the order was placed");
        assert!(placed.order_id().is_some());
    }
    assert_eq!(server.ledger().len(), 16);
}
