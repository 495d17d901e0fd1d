//! The mock under hostile input: every refusal in DigiCert's envelope with the right status,
//! bounded memory (nothing kept of an unauthenticated request, a capped ledger and request
//! log), and connections that cannot hold it (a header-read timeout, a connection cap).

use certcentral::RetryPolicy;
use certcentral::types::ClientCertificateId;
use certcentral_mock::{MockConfig, MockServer};
use certcentral_tests::{RawHttp, mock_and_client, request, valid_body, within};
use reqwest::Method;
use serde_json::{Value, json};
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// Sends a raw request and returns its status, and the error code of its body, which must be
/// DigiCert's envelope.
async fn refusal(request: reqwest::RequestBuilder) -> (u16, String) {
    let response = request.send().await.unwrap();
    let status = response.status().as_u16();
    let content_type = response
        .headers()
        .get("content-type")
        .map(|v| v.to_str().unwrap().to_string());
    let text = response.text().await.unwrap();
    assert_eq!(
        content_type.as_deref(),
        Some("application/json"),
        "{status}: {text}"
    );
    let body: Value =
        serde_json::from_str(&text).unwrap_or_else(|e| panic!("{status}: {e}: {text}"));
    let error = &body["errors"][0];
    assert!(
        error["message"].as_str().is_some_and(|m| !m.is_empty()),
        "{body}"
    );
    (status, error["code"].as_str().unwrap().to_string())
}

#[tokio::test]
async fn every_refusal_is_digicert_shaped() {
    let server = MockServer::start(MockConfig::default()).await.unwrap();
    let http = RawHttp::new();
    let order_url = server.order_url("class1_smime");
    let keyed = |method: Method, url: &str| {
        http.request(method, url)
            .header(certcentral::API_KEY_HEADER, server.api_key())
    };
    let authed =
        |method: Method, url: &str| keyed(method, url).header("Content-Type", "application/json");
    let valid = valid_body("class1_smime").to_string();

    let too_large = format!("{{\"pad\":\"{}\"}}", "x".repeat(2 << 20));
    assert_eq!(
        refusal(authed(Method::POST, &order_url).body(too_large)).await,
        (413, "request_too_large".into())
    );
    for method in [Method::DELETE, Method::PUT, Method::PATCH] {
        assert_eq!(
            refusal(authed(method.clone(), &order_url)).await,
            (405, "method_not_allowed".into()),
            "{method}"
        );
    }
    // The order's path item is also order info's: a GET looks up an order by this "id".
    assert_eq!(
        refusal(authed(Method::GET, &order_url)).await,
        (404, "not_found|order".into())
    );
    let bad_utf8 = server.order_url("class1_%FF%FE");
    assert_eq!(
        refusal(authed(Method::POST, &bad_utf8).body(valid.clone())).await,
        (400, "invalid_request|path".into())
    );
    for content_type in [
        "text/plain",
        "application/x-www-form-urlencoded",
        "application/jsonx",
    ] {
        let request = keyed(Method::POST, &order_url)
            .header("Content-Type", content_type)
            .body(valid.clone());
        assert_eq!(
            refusal(request).await,
            (415, "unsupported_media_type".into()),
            "{content_type}"
        );
    }
    let no_content_type = keyed(Method::POST, &order_url).body(valid.clone());
    assert_eq!(refusal(no_content_type).await.0, 415);
    assert_eq!(
        refusal(authed(
            Method::POST,
            &format!("{}/nowhere", server.base_url())
        ))
        .await,
        (404, "not_found|route".into())
    );
    assert_eq!(
        refusal(http.post(&order_url).body(valid.clone())).await,
        (401, "invalid_api_key".into())
    );
    assert!(server.ledger().is_empty());

    // And the charset parameter of a JSON content type is fine.
    let request = keyed(Method::POST, &order_url)
        .header("Content-Type", "application/json; charset=utf-8")
        .body(valid);
    assert_eq!(request.send().await.unwrap().status(), 201);
}

/// A request without a valid key is answered from its headers alone: its body is not read,
/// and nothing of it is kept.
#[tokio::test]
async fn unauthenticated_requests_are_never_kept() {
    let server = MockServer::start(MockConfig::default()).await.unwrap();
    let http = RawHttp::new();
    let url = server.order_url("class1_smime");
    let big = "x".repeat(1_900_000);
    for key in [None, Some("wrong-key")] {
        let mut request = http
            .post(&url)
            .header("Content-Type", "application/json")
            .body(big.clone());
        if let Some(key) = key {
            request = request.header(certcentral::API_KEY_HEADER, key);
        }
        assert_eq!(refusal(request).await, (401, "invalid_api_key".into()));
    }
    assert!(server.requests().is_empty(), "nothing kept");
}

/// The ledger and the request log keep the newest entries up to their caps; the counters
/// still count everything, and an alternative id is unique among the orders kept.
#[tokio::test]
async fn the_ledger_and_the_request_log_are_capped() {
    let config = MockConfig::default()
        .ledger_capacity(5)
        .recent_requests(3)
        .unique_alternative_order_ids(true);
    let (server, client) = mock_and_client(config, RetryPolicy::none()).await;
    let order = |i: usize| {
        let mut body = valid_body("class1_smime");
        body["alternative_order_id"] = json!(format!("cap{i}"));
        request(body)
    };
    for i in 0..8 {
        client
            .order(ClientCertificateId::Class1Smime, &order(i))
            .await
            .unwrap();
    }
    let kept: Vec<_> = server
        .ledger()
        .iter()
        .map(|e| e.alternative_order_id.clone().unwrap())
        .collect();
    assert_eq!(kept, ["cap3", "cap4", "cap5", "cap6", "cap7"]);
    assert_eq!(server.orders_created(), 8);
    assert_eq!(server.requests().len(), 3);

    let again = client
        .order(ClientCertificateId::Class1Smime, &order(7))
        .await;
    assert!(
        matches!(again, Err(certcentral::Error::DuplicateOrder { .. })),
        "{again:?}"
    );
    // The index forgot cap0 with its order, as documented.
    client
        .order(ClientCertificateId::Class1Smime, &order(0))
        .await
        .unwrap();
    assert_eq!(server.orders_created(), 9);
}

/// Reads until the server closes the connection.
async fn closed_by_server(mut stream: TcpStream) {
    let mut buf = [0u8; 256];
    loop {
        match stream.read(&mut buf).await {
            Ok(0) | Err(_) => return,
            Ok(_) => {}
        }
    }
}

#[tokio::test]
async fn a_connection_that_never_finishes_its_headers_is_closed() {
    let server =
        MockServer::start(MockConfig::default().header_read_timeout(Duration::from_millis(200)))
            .await
            .unwrap();
    let mut slow = TcpStream::connect(server.addr()).await.unwrap();
    let path = reqwest::Url::parse(&server.order_url("class1_smime")).unwrap();
    slow.write_all(format!("POST {} HTTP/1.1\r\nHost: x\r\n", path.path()).as_bytes())
        .await
        .unwrap();
    let silent = TcpStream::connect(server.addr()).await.unwrap();
    within(closed_by_server(slow), "a half-sent request is closed").await;
    within(closed_by_server(silent), "a silent connection is closed").await;
    within(server.wait_for_connections(0), "no connection left open").await;
}

#[tokio::test]
async fn connections_beyond_the_cap_wait_for_a_slot() {
    let (server, client) = mock_and_client(
        MockConfig::default().max_connections(2),
        RetryPolicy::none(),
    )
    .await;
    let mut holders = Vec::new();
    for _ in 0..2 {
        let mut stream = TcpStream::connect(server.addr()).await.unwrap();
        stream.write_all(b"POST /services/v2/order").await.unwrap();
        holders.push(stream);
    }
    within(server.wait_for_connections(2), "both slots taken").await;
    let order = request(valid_body("class1_smime"));
    let mut placing =
        tokio::spawn(async move { client.order(ClientCertificateId::Class1Smime, &order).await });
    // While both slots are held the order cannot be served (a busy machine only makes this
    // more true), and the mock serves no third connection.
    let early = tokio::time::timeout(Duration::from_millis(300), &mut placing).await;
    assert!(early.is_err(), "served beyond the cap: {early:?}");
    assert_eq!(server.open_connections(), 2);
    assert!(server.ledger().is_empty());

    drop(holders.pop());
    let placed = within(placing, "the order once a slot is free")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(placed.order_id(), Some(server.ledger()[0].order_id));
}
