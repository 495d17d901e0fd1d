//! The order's life after the POST, through the client's typed methods against the mock on
//! real HTTP: each operation's documented answers and errors, the lifecycle as a table of
//! (state, action) → (state, answer), the downloaded chain verified in Rust (and by openssl),
//! faults per operation, the access log, the CA kept in a folder, and every call paced.

use certcentral::types::{
    CertificateFormat, ClientCertificateId, EmailValidationStatus, OrderStatus, RequestStatus,
};
use certcentral::{Client, Error, OrderQuery, RateLimits, RetryPolicy};
use certcentral_mock::{Fault, MockConfig, MockServer, RateLimit};
use certcentral_tests::{
    RawHttp, issuable_body, key_and_csr, mock_and_client, request, valid_body,
};
use serde_json::{Value, json};
use std::time::Duration;
use x509_parser::prelude::{FromDer, GeneralName, ParsedExtension, X509Certificate};

const PREMIUM: ClientCertificateId = ClientCertificateId::ClientPremium;
const CLASS1: ClientCertificateId = ClientCertificateId::Class1Smime;
const ISSUE_AFTER: Duration = Duration::from_secs(60);

fn fast_retries() -> RetryPolicy {
    RetryPolicy::default()
        .base_delay(Duration::from_millis(10))
        .max_delay(Duration::from_millis(50))
}

/// Places a Premium order for `email` with a CSR; its order id, request id and the CSR.
async fn place(client: &Client, email: &str) -> (i64, i64, String) {
    place_for(client, email, true).await
}

/// The same, for the validated organization or (never issued) another one.
async fn place_for(client: &Client, email: &str, validated: bool) -> (i64, i64, String) {
    let (_, csr) = key_and_csr(email);
    let mut body = issuable_body("client_premium", email, &csr);
    if !validated {
        body["organization"] = json!({ "id": 1 });
    }
    let placed = client.order(PREMIUM, &request(body)).await.unwrap();
    let answer = placed.response.unwrap();
    (answer.id, answer.requests[0].id, csr)
}

/// The certificates of a PEM bundle, as DER.
fn pem_chain(pem: &[u8]) -> Vec<Vec<u8>> {
    x509_parser::pem::Pem::iter_from_buffer(pem)
        .map(|p| p.expect("a PEM block").contents)
        .collect()
}

fn parse(der: &[u8]) -> X509Certificate<'_> {
    X509Certificate::from_der(der).expect("a certificate").1
}

fn emails_of(cert: &X509Certificate<'_>) -> Vec<String> {
    cert.extensions()
        .iter()
        .filter_map(|e| match e.parsed_extension() {
            ParsedExtension::SubjectAlternativeName(san) => Some(san),
            _ => None,
        })
        .flat_map(|san| san.general_names.iter())
        .filter_map(|n| match n {
            GeneralName::RFC822Name(e) => Some(e.to_string()),
            _ => None,
        })
        .collect()
}

/// The CSR's SubjectPublicKeyInfo, DER.
fn csr_key(csr: &str) -> Vec<u8> {
    let (_, pem) = x509_parser::pem::parse_x509_pem(csr.as_bytes()).unwrap();
    let (_, req) =
        x509_parser::certification_request::X509CertificationRequest::from_der(&pem.contents)
            .unwrap();
    req.certification_request_info.subject_pki.raw.to_vec()
}

/// The order's whole life through the client: info, request, approval, issuance on the mock's
/// clock, the status-change list, and a download whose chain verifies against the mock's root
/// and certifies the CSR's key, the order's email and common name.
#[tokio::test]
async fn an_order_from_placed_to_downloaded() {
    let (server, client) = mock_and_client(
        MockConfig::default().issue_after(ISSUE_AFTER),
        RetryPolicy::none(),
    )
    .await;
    let (order_id, request_id, csr) = place(&client, "alice@example.com").await;

    let info = client.order_info(order_id).await.unwrap();
    assert_eq!(info.status, OrderStatus::NeedsApproval);
    assert_eq!(
        info.alternative_order_id,
        server.ledger()[0].alternative_order_id
    );
    let product = info.product.unwrap();
    assert_eq!(product.name_id.as_deref(), Some("client_premium"));
    assert_eq!(product.name.as_deref(), Some("Premium"));
    let request = client.request_info(request_id).await.unwrap();
    assert_eq!(
        (request.status, request.date_processed),
        (RequestStatus::Pending, None)
    );
    let early = client
        .download_certificate(order_id, CertificateFormat::PemAll)
        .await;
    assert!(
        matches!(&early, Err(Error::Api { status: 404, errors }) if errors[0].code == "not_found|certificate"),
        "{early:?}"
    );

    client
        .approve_request(request_id, Some("approved by the test"))
        .await
        .unwrap();
    let request = client.request_info(request_id).await.unwrap();
    assert_eq!(request.status, RequestStatus::Approved);
    assert_eq!(
        request.processor_comment.as_deref(),
        Some("approved by the test")
    );
    assert!(request.date_processed.is_some());
    assert_eq!(request.order.unwrap().id, order_id);
    assert_eq!(
        client.order_info(order_id).await.unwrap().status,
        OrderStatus::Pending
    );
    assert!(
        client
            .status_changes(Duration::from_secs(1))
            .await
            .unwrap()
            .iter()
            .all(|o| o.status != OrderStatus::Issued)
    );

    server.advance(ISSUE_AFTER);
    let info = client.order_info(order_id).await.unwrap();
    assert_eq!(info.status, OrderStatus::Issued);
    let certificate = info.certificate.unwrap();
    let serial = certificate.serial_number.unwrap();
    assert_eq!(certificate.emails, ["alice@example.com"]);
    assert!(certificate.valid_from.is_some() && certificate.valid_till.is_some());
    let changed = client
        .status_changes(Duration::from_secs(600))
        .await
        .unwrap();
    assert!(
        changed
            .iter()
            .any(|o| o.order_id == order_id && o.status == OrderStatus::Issued),
        "{changed:?}"
    );

    let pem = client
        .download_certificate(order_id, CertificateFormat::PemAll)
        .await
        .unwrap();
    let chain = pem_chain(&pem);
    assert_eq!(chain.len(), 3, "leaf, intermediate, root");
    let (leaf, intermediate, root) = (parse(&chain[0]), parse(&chain[1]), parse(&chain[2]));
    leaf.verify_signature(Some(intermediate.public_key()))
        .expect("the intermediate signed the leaf");
    intermediate
        .verify_signature(Some(root.public_key()))
        .expect("the root signed the intermediate");
    root.verify_signature(None)
        .expect("the root is self-signed");
    assert_eq!(pem_chain(server.root_pem().as_bytes()), [chain[2].clone()]);
    assert_eq!(
        leaf.public_key().raw,
        csr_key(&csr),
        "the CSR's key is certified"
    );
    assert_eq!(emails_of(&leaf), ["alice@example.com"]);
    assert_eq!(
        leaf.raw_serial_as_string().replace(':', "").to_uppercase(),
        serial
    );
    let cn = leaf.subject().iter_common_name().next().unwrap();
    let ordered = valid_body("client_premium")["certificate"]["common_name"].clone();
    assert_eq!(cn.as_str().unwrap(), ordered.as_str().unwrap());
}

/// Every (state, action) pair through the client: a change DigiCert allows, a change already
/// made (Ok: a repeat, or another administrator), and a refusal (`NotAllowed` with the
/// current status and DigiCert's code), and the state the order is in after each.
#[tokio::test]
async fn every_state_and_action() {
    let (server, client) = mock_and_client(
        MockConfig::default().issue_after(ISSUE_AFTER),
        RetryPolicy::none(),
    )
    .await;
    #[derive(Clone, Copy, Debug)]
    enum Do {
        Approve,
        Reject,
        Cancel,
    }
    use OrderStatus::*;
    /// From, action, the answer (`Err`: the current status and DigiCert's code), after.
    type Row = (
        OrderStatus,
        Do,
        Result<(), (&'static str, &'static str)>,
        OrderStatus,
    );
    #[rustfmt::skip]
    let rows: [Row; 11] = [
        (NeedsApproval, Do::Approve, Ok(()),                                         Pending),
        (NeedsApproval, Do::Reject,  Ok(()),                                         Rejected),
        (NeedsApproval, Do::Cancel,  Err(("needs_approval", "invalid_order_status")), NeedsApproval),
        (Pending,       Do::Approve, Ok(()),                                         Pending),
        (Pending,       Do::Reject,  Err(("approved", "invalid_request_status")),    Pending),
        (Pending,       Do::Cancel,  Ok(()),                                         Canceled),
        (Issued,        Do::Cancel,  Err(("issued", "invalid_order_status")),        Issued),
        (WaitingPickup, Do::Cancel,  Ok(()),                                         Canceled),
        (Rejected,      Do::Approve, Err(("rejected", "invalid_request_status")),    Rejected),
        (Rejected,      Do::Cancel,  Err(("rejected", "invalid_order_status")),      Rejected),
        (Canceled,      Do::Cancel,  Ok(()),                                         Canceled),
    ];
    // Each row's order, brought into its state.
    let mut orders = Vec::new();
    for (i, (from, ..)) in rows.iter().enumerate() {
        let email = format!("row{i}@example.com");
        let (order_id, request_id, _) = if *from == WaitingPickup {
            let mut body = issuable_body("client_premium", &email, "");
            body["certificate"].as_object_mut().unwrap().remove("csr");
            let placed = client.order(PREMIUM, &request(body)).await.unwrap();
            let answer = placed.response.unwrap();
            (answer.id, answer.requests[0].id, String::new())
        } else {
            // Only the issued row's order is for an organization that gets validated.
            place_for(&client, &email, *from == Issued).await
        };
        match from {
            NeedsApproval => {}
            Rejected => client.reject_request(request_id, None).await.unwrap(),
            _ => client.approve_request(request_id, None).await.unwrap(),
        }
        if *from == Canceled {
            client.cancel_order(order_id, "set up").await.unwrap();
        }
        orders.push((order_id, request_id));
    }
    server.advance(ISSUE_AFTER);
    for ((from, action, expected, after), (order_id, request_id)) in rows.iter().zip(&orders) {
        assert_eq!(
            client.order_info(*order_id).await.unwrap().status,
            *from,
            "set up {from}"
        );
        let got = match action {
            Do::Approve => client.approve_request(*request_id, None).await,
            Do::Reject => client.reject_request(*request_id, Some("no")).await,
            Do::Cancel => client.cancel_order(*order_id, "ordered twice").await,
        };
        match (expected, &got) {
            (Ok(()), Ok(())) => {}
            (
                Err((current, code)),
                Err(Error::NotAllowed {
                    current: c, errors, ..
                }),
            ) => {
                assert_eq!(
                    (c.as_str(), errors[0].code.as_str()),
                    (*current, *code),
                    "{from} {action:?}"
                );
            }
            _ => panic!("{from} {action:?}: expected {expected:?}, got {got:?}"),
        }
        assert_eq!(
            client.order_info(*order_id).await.unwrap().status,
            *after,
            "{from} {action:?}"
        );
    }
    // A cancellation without a note is refused before anything is sent.
    let requests = server.requests().len();
    let empty = client.cancel_order(orders[0].0, "  ").await;
    assert!(matches!(empty, Err(Error::InvalidRequest(_))), "{empty:?}");
    assert_eq!(server.requests().len(), requests);
    // An order or request the account does not have is DigiCert's not_found.
    let missing = client.cancel_order(1, "x").await;
    assert!(
        matches!(&missing, Err(Error::Api { status: 404, .. })),
        "{missing:?}"
    );
    let missing = client.request_info(1).await;
    assert!(
        matches!(&missing, Err(Error::Api { status: 404, .. })),
        "{missing:?}"
    );
}

/// List orders: each filter, the sort, the page and its totals; every page of a query.
#[tokio::test]
async fn list_orders_filters_sorts_and_pages() {
    let (server, client) = mock_and_client(MockConfig::default(), RetryPolicy::none()).await;
    let mut ids = Vec::new();
    for name in ["alice", "bob", "carol"] {
        ids.push(place(&client, &format!("{name}@example.com")).await.0);
    }
    for name in ["dave", "erin"] {
        let mut body = valid_body("class1_smime");
        body["certificate"]["emails"] = json!([format!("{name}@example.net")]);
        ids.push(
            client
                .order(CLASS1, &request(body))
                .await
                .unwrap()
                .order_id()
                .unwrap(),
        );
    }
    let listed = |page: certcentral::types::OrderList| -> Vec<i64> {
        page.orders.iter().map(|o| o.id).collect()
    };
    let all = client.list_orders(&OrderQuery::default()).await.unwrap();
    assert_eq!(listed(all.clone()), ids);
    assert_eq!(all.page.unwrap().total, 5);
    let query = |q: OrderQuery| {
        let client = client.clone();
        async move { listed(client.list_orders(&q).await.unwrap()) }
    };
    assert_eq!(
        query(OrderQuery::default().email("BOB@example.com")).await,
        [ids[1]]
    );
    assert_eq!(
        query(OrderQuery::default().product("class1_smime")).await,
        ids[3..]
    );
    assert_eq!(
        query(OrderQuery::default().status(OrderStatus::NeedsApproval)).await,
        ids
    );
    assert_eq!(query(OrderQuery::default().search("%aro")).await, [ids[2]]);
    assert_eq!(
        query(OrderQuery::default().search("erin@example.net")).await,
        [ids[4]]
    );
    let mut reversed = ids.clone();
    reversed.reverse();
    assert_eq!(query(OrderQuery::default().sort("-id")).await, reversed);
    let today = certcentral_tests::day(server.now());
    assert_eq!(
        query(OrderQuery::default().date_created(today.clone())).await,
        ids
    );
    assert!(
        query(OrderQuery::default().date_created("2001-01-01...2001-12-31"))
            .await
            .is_empty()
    );
    let page = client
        .list_orders(&OrderQuery::default().offset(1).limit(2))
        .await
        .unwrap();
    let p = page.page.clone().unwrap();
    assert_eq!(
        (listed(page), p.total, p.limit, p.offset),
        (ids[1..3].to_vec(), 5, 2, 1)
    );

    // Every page of a query: one call per page.
    let before = server.requests().len();
    let every = client
        .list_all_orders(&OrderQuery::default().limit(2))
        .await
        .unwrap();
    assert_eq!(every.iter().map(|o| o.id).collect::<Vec<_>>(), ids);
    assert_eq!(server.requests().len() - before, 3, "5 orders, 2 a page");

    // Beyond the documented limit: DigiCert's envelope.
    let raw = RawHttp::new()
        .request(
            reqwest::Method::GET,
            format!("{}?limit=1001", server.url("list", &[]).unwrap()),
        )
        .header(certcentral::API_KEY_HEADER, server.api_key())
        .send()
        .await
        .unwrap();
    assert_eq!(raw.status(), 400);
}

/// Get orders by alternative order ID: none (an empty list, or a 404, read alike), one, and
/// several sharing an id (an account that does not enforce unique ids).
#[tokio::test]
async fn orders_by_alternative_id() {
    for not_found in [false, true] {
        let (server, client) = mock_and_client(
            MockConfig::default().lookup_not_found(not_found),
            RetryPolicy::none(),
        )
        .await;
        assert!(
            client
                .orders_by_alternative_id("nobody")
                .await
                .unwrap()
                .is_empty()
        );
        let mut body = valid_body("class1_smime");
        body["alternative_order_id"] = json!("hr2026n42");
        let first = client.order(CLASS1, &request(body.clone())).await.unwrap();
        let second = client.order(CLASS1, &request(body)).await.unwrap();
        let found = client.orders_by_alternative_id("hr2026n42").await.unwrap();
        let ids: Vec<i64> = found.iter().map(|o| o.order_id).collect();
        assert_eq!(ids, [first.order_id().unwrap(), second.order_id().unwrap()]);
        assert!(found.iter().all(|o| o.status == OrderStatus::NeedsApproval));
        assert!(found.iter().all(|o| o.certificate_id.is_some()));
        drop(server);
    }
}

/// A Class 1 order waits for its mailbox; an order without a CSR waits for its recipient's
/// browser step; the status-change list's frame is checked before anything is sent, and the
/// mock refuses what DigiCert refuses.
#[tokio::test]
async fn mailboxes_browsers_and_time_frames() {
    let (server, client) = mock_and_client(
        MockConfig::default().issue_after(ISSUE_AFTER),
        RetryPolicy::none(),
    )
    .await;
    let (_, csr) = key_and_csr("dave@example.net");
    let mut body = valid_body("class1_smime");
    body["certificate"]["emails"] = json!(["dave@example.net"]);
    body["certificate"]["csr"] = json!(csr);
    body["skip_approval"] = json!(true);
    let order_id = client
        .order(CLASS1, &request(body))
        .await
        .unwrap()
        .order_id()
        .unwrap();
    server.advance(ISSUE_AFTER);
    let emails = client.email_validation(order_id).await.unwrap();
    assert_eq!(emails.emails[0].status, EmailValidationStatus::Unvalidated);
    assert_eq!(emails.delivery_options, ["api", "browser"]);
    assert_eq!(
        client.order_info(order_id).await.unwrap().status,
        OrderStatus::Pending
    );
    server.validate_mailbox("Dave@Example.net");
    assert_eq!(
        client.email_validation(order_id).await.unwrap().emails[0].status,
        EmailValidationStatus::Validated
    );
    server.advance(ISSUE_AFTER);
    assert_eq!(
        client.order_info(order_id).await.unwrap().status,
        OrderStatus::Issued
    );

    let mut body = issuable_body("client_premium", "frank@example.com", "");
    body["certificate"].as_object_mut().unwrap().remove("csr");
    body["skip_approval"] = json!(true);
    let order_id = client
        .order(PREMIUM, &request(body))
        .await
        .unwrap()
        .order_id()
        .unwrap();
    server.advance(ISSUE_AFTER);
    assert_eq!(
        client.order_info(order_id).await.unwrap().status,
        OrderStatus::WaitingPickup
    );
    assert!(server.pick_up(order_id));
    let issued = client
        .download_certificate(order_id, CertificateFormat::PemNointermediate)
        .await
        .unwrap();
    assert_eq!(
        emails_of(&parse(&pem_chain(&issued)[0])),
        ["frank@example.com"]
    );

    for frame in [Duration::ZERO, Duration::from_secs(8 * 24 * 3600)] {
        let refused = client.status_changes(frame).await;
        assert!(
            matches!(refused, Err(Error::InvalidRequest(_))),
            "{frame:?}: {refused:?}"
        );
    }
    let raw = |query: &str| {
        let url = format!("{}{query}", server.url("changes", &[]).unwrap());
        let key = server.api_key().to_string();
        async move {
            let r = RawHttp::new()
                .request(reqwest::Method::GET, url)
                .header(certcentral::API_KEY_HEADER, key)
                .send()
                .await
                .unwrap();
            let status = r.status().as_u16();
            let body: Value = r.json().await.unwrap();
            (
                status,
                body["errors"][0]["code"].as_str().unwrap_or("").to_string(),
            )
        }
    };
    assert_eq!(raw("").await, (400, "missing_time_frame".into()));
    assert_eq!(
        raw("?minutes=10081").await,
        (400, "invalid_request|minutes".into())
    );
    assert_eq!(
        raw("?filters[status_last_updated]=2026-01-01...2026-01-20").await,
        (400, "time_frame_too_long".into())
    );
    assert_eq!(raw("?minutes=1&seconds=30").await.0, 200);
}

/// Every download format, from one issued certificate: PEM bundles of 3, 2 and 1
/// certificates, PEM-armoured PKCS#7 holding the chain, ZIP archives of PEM files.
#[tokio::test]
async fn every_download_format() {
    let (server, client) = mock_and_client(
        MockConfig::default()
            .prevalidated(true)
            .issue_after(Duration::ZERO),
        RetryPolicy::none(),
    )
    .await;
    let (_, csr) = key_and_csr("grace@example.com");
    let mut body = issuable_body("client_premium", "grace@example.com", &csr);
    body["skip_approval"] = json!(true);
    let order_id = client
        .order(PREMIUM, &request(body))
        .await
        .unwrap()
        .order_id()
        .unwrap();
    let all = pem_chain(
        &client
            .download_certificate(order_id, CertificateFormat::PemAll)
            .await
            .unwrap(),
    );
    for (format, count) in [
        (CertificateFormat::PemAll, 3),
        (CertificateFormat::PemNoroot, 2),
        (CertificateFormat::PemNointermediate, 1),
    ] {
        let chain = pem_chain(&client.download_certificate(order_id, format).await.unwrap());
        assert_eq!(chain[..], all[..count], "{format}");
    }
    for format in [CertificateFormat::P7b, CertificateFormat::Cer] {
        let body = client.download_certificate(order_id, format).await.unwrap();
        let (_, pem) = x509_parser::pem::parse_x509_pem(&body).unwrap();
        assert_eq!(pem.label, "PKCS7", "{format}");
        for cert in &all {
            assert!(
                pem.contents.windows(cert.len()).any(|w| w == cert),
                "{format} holds the chain"
            );
        }
    }
    for (format, files) in [
        (CertificateFormat::Default, 3),
        (CertificateFormat::DefaultPem, 3),
        (CertificateFormat::DefaultCer, 3),
        (CertificateFormat::Apache, 2),
    ] {
        let zip = client.download_certificate(order_id, format).await.unwrap();
        assert!(zip.starts_with(b"PK\x03\x04"), "{format} is a ZIP archive");
        let entries = zip.windows(4).filter(|w| *w == b"PK\x01\x02").count();
        assert_eq!(entries, files, "{format}");
    }
    drop(server);
}

/// Faults aimed at one operation: a read is retried through a declined 503 and a 500, and
/// without retries each is its error; an operation the spec does not have is refused.
#[tokio::test]
async fn faults_per_operation() {
    let (server, client) = mock_and_client(
        MockConfig::default()
            .prevalidated(true)
            .issue_after(Duration::ZERO),
        fast_retries(),
    )
    .await;
    let mut body = issuable_body("client_premium", "heidi@example.com", &key_and_csr("h").1);
    body["skip_approval"] = json!(true);
    body["alternative_order_id"] = json!("heidi1");
    let order_id = client
        .order(PREMIUM, &request(body))
        .await
        .unwrap()
        .order_id()
        .unwrap();
    server.inject_for("lookup", Fault::Maintenance).unwrap();
    assert_eq!(
        client
            .orders_by_alternative_id("heidi1")
            .await
            .unwrap()
            .len(),
        1
    );
    server.inject_for("download", Fault::InternalError).unwrap();
    server.inject_for("download", Fault::TruncatedBody).unwrap();
    let pem = client
        .download_certificate(order_id, CertificateFormat::PemAll)
        .await
        .unwrap();
    assert_eq!(pem_chain(&pem).len(), 3);
    assert_eq!(server.pending_faults(), 0);
    assert!(server.inject_for("nowhere", Fault::Maintenance).is_err());

    let once = certcentral_tests::client_for(&server)
        .retry(RetryPolicy::none())
        .build()
        .unwrap();
    server.inject_for("lookup", Fault::Maintenance).unwrap();
    let down = once.orders_by_alternative_id("heidi1").await;
    assert!(matches!(down, Err(Error::Unavailable { .. })), "{down:?}");
    server.inject_for("info", Fault::MalformedJson).unwrap();
    let garbled = once.order_info(order_id).await;
    assert!(
        matches!(
            &garbled,
            Err(Error::NoAnswer {
                operation: "order_info",
                ..
            })
        ),
        "{garbled:?}"
    );
    server
        .inject_for("info", Fault::UnlistedStatus("in_review".into()))
        .unwrap();
    let unlisted = once.order_info(order_id).await.unwrap();
    assert_eq!(unlisted.status.as_str(), "in_review");
    assert!(!unlisted.status.is_known());
}

/// The access log: one line per request, with the operation and its path template, never
/// what the request carried (a query value, an alternative id, a key).
#[tokio::test]
async fn the_access_log_counts_calls_without_personal_values() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("access.jsonl");
    let (server, client) =
        mock_and_client(MockConfig::default().access_log(&log), RetryPolicy::none()).await;
    let mut body = valid_body("class1_smime");
    body["alternative_order_id"] = json!("secretperson42");
    let order_id = client
        .order(CLASS1, &request(body))
        .await
        .unwrap()
        .order_id()
        .unwrap();
    client
        .orders_by_alternative_id("secretperson42")
        .await
        .unwrap();
    client.order_info(order_id).await.unwrap();
    client
        .list_orders(&OrderQuery::default().email("someone@example.com"))
        .await
        .unwrap();
    let _ = RawHttp::new()
        .post(server.order_url("class1_smime"))
        .send()
        .await;
    server.wait_idle().await;
    let text = std::fs::read_to_string(&log).unwrap();
    let lines: Vec<Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let seen: Vec<(&str, &str, u64)> = lines
        .iter()
        .map(|l| {
            (
                l["operation"].as_str().unwrap(),
                l["path"].as_str().unwrap(),
                l["status"].as_u64().unwrap(),
            )
        })
        .collect();
    // The templates as the spec has them (a maintainer may move an operation).
    let path = |name: &str| certcentral_table::operation(name).unwrap().path;
    assert_eq!(
        seen,
        [
            ("order", path("order"), 201),
            ("lookup", path("lookup"), 200),
            ("info", path("info"), 200),
            ("list", path("list"), 200),
            ("order", path("order"), 401),
        ]
    );
    assert!(
        lines
            .iter()
            .all(|l| l["ms"].is_u64() && l["method"].is_string())
    );
    for personal in [
        "secretperson42",
        "someone",
        &order_id.to_string(),
        server.api_key(),
    ] {
        assert!(!text.contains(personal), "{personal} in the access log");
    }
}

/// `--ca-dir`: the CA is made there once (keys readable by their owner only) and reused by the
/// next mock, so that everything either issued verifies against one root; openssl agrees.
#[tokio::test]
async fn the_ca_is_kept_in_its_folder_and_openssl_verifies_its_certificates() {
    let dir = tempfile::tempdir().unwrap();
    let ca = dir.path().join("ca");
    let config = || {
        MockConfig::default()
            .ca_dir(&ca)
            .prevalidated(true)
            .issue_after(Duration::ZERO)
    };
    let first = MockServer::start(config()).await.unwrap();
    let root = first.root_pem().to_string();
    drop(first);
    let (server, client) = mock_and_client(config(), RetryPolicy::none()).await;
    assert_eq!(server.root_pem(), root, "the same root after a restart");
    assert_eq!(std::fs::read_to_string(ca.join("root.pem")).unwrap(), root);
    #[cfg(unix)]
    for key in ["root.key", "intermediate.key"] {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(ca.join(key))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o077, 0, "{key} is private");
    }
    let mut body = issuable_body("client_premium", "ivan@example.com", &key_and_csr("i").1);
    body["skip_approval"] = json!(true);
    let order_id = client
        .order(PREMIUM, &request(body))
        .await
        .unwrap()
        .order_id()
        .unwrap();
    let leaf = client
        .download_certificate(order_id, CertificateFormat::PemNointermediate)
        .await
        .unwrap();
    let leaf_path = dir.path().join("leaf.pem");
    std::fs::write(&leaf_path, leaf).unwrap();
    let out = std::process::Command::new("openssl")
        .arg("verify")
        .arg("-CAfile")
        .arg(ca.join("root.pem"))
        .arg("-untrusted")
        .arg(ca.join("intermediate.pem"))
        .arg(&leaf_path)
        .output()
        .expect("openssl runs: install it (Debian: apt-get install openssl)");
    let said =
        String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success() && said.contains(": OK"), "{said}");
}

/// Every call counts against the key's limits: orders and reads together, through one client,
/// never draw a 429 from a mock that enforces the client's own windows.
#[tokio::test]
async fn every_call_is_paced_with_the_orders() {
    let window = RateLimit::new(4, Duration::from_millis(300));
    let (server, _) = mock_and_client(
        MockConfig::default().rate_limits(vec![window]),
        RetryPolicy::none(),
    )
    .await;
    let client = certcentral_tests::client_for(&server)
        .retry(RetryPolicy::none())
        .pacing(RateLimits::none().window(4, Duration::from_millis(300)))
        .build()
        .unwrap();
    let mut calls = tokio::task::JoinSet::new();
    for i in 0..12 {
        let client = client.clone();
        calls.spawn(async move {
            match i % 3 {
                0 => client
                    .order(CLASS1, &request(valid_body("class1_smime")))
                    .await
                    .map(|_| ()),
                1 => client.orders_by_alternative_id("x").await.map(|_| ()),
                _ => client.list_orders(&OrderQuery::default()).await.map(|_| ()),
            }
        });
    }
    for result in calls.join_all().await {
        result.expect("no call was rate limited");
    }
    assert_eq!(server.requests().len(), 12);
}
