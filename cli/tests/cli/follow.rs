//! From order to certificate with the command: keys made before the orders leave, approval,
//! `follow --download --pkcs12` (chains that verify against the mock's root, keys and emails
//! that match, bundles that open), idempotent and interruptible; orders that end without a
//! certificate, or wait for their recipient, say so.

use super::*;
use certcentral::CertificateChain;
use std::collections::BTreeMap;

/// A CSV of Premium rows at the mock's validated organization and domain, needing approval.
fn staff(n: usize) -> String {
    let mut csv = String::from(
        "product,certificate.common_name,certificate.common_name_indicator,certificate.emails,\
         certificate.individual.first_name,certificate.individual.last_name,\
         certificate.signature_hash,order_validity.years,organization.id\n",
    );
    for i in 0..n {
        csv.push_str(&format!(
            "client_premium,First{i} Last{i},given_name_surname,staff{i}@example.com,First{i},Last{i},sha256,1,112233\n"
        ));
    }
    csv
}

/// Runs the command with the account's ledger and the mock's key; its output.
async fn cc(server: &MockServer, ledger: &Path, args: &[&str]) -> Output {
    let url = server.base_url();
    let mut all: Vec<&str> = args.to_vec();
    all.extend(["--base-url", &url, "--ledger", s(ledger)]);
    run(&all, Some(server.api_key())).await
}

/// The download calls the mock's access log holds.
fn downloads(log: &Path) -> usize {
    std::fs::read_to_string(log)
        .unwrap_or_default()
        .lines()
        .filter(|l| l.contains("\"operation\":\"download\""))
        .count()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn keys_approve_follow_pkcs12_twenty_certificates_each_checked_and_downloaded_once() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("access.jsonl");
    let server = mock(
        MockConfig::default()
            .issue_after(Duration::from_millis(500))
            .access_log(&log),
    )
    .await;
    let ledger = dir.path().join("account.jsonl");
    let keys = dir.path().join("keys");
    let certs = dir.path().join("certs");
    let file = write(dir.path(), "staff.csv", &staff(20));
    let password = write(dir.path(), "password", "correct horse\n");

    let out = cc(
        &server,
        &ledger,
        &["bulk", s(&file), "--generate-keys", s(&keys)],
    )
    .await;
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}{}",
        text(&out.stdout),
        text(&out.stderr)
    );
    // Every key is on disk, readable by its owner only, and its order carries a CSR for it.
    let entries = server.ledger();
    assert_eq!(entries.len(), 20);
    for entry in &entries {
        let id = entry.alternative_order_id.as_deref().unwrap();
        let key = keys.join(format!("{id}.key"));
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&key).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600, "{}", key.display());
        assert!(
            entry.json()["certificate"]["csr"]
                .as_str()
                .unwrap()
                .contains("CERTIFICATE REQUEST")
        );
    }

    let out = cc(&server, &ledger, &["status", s(&file)]).await;
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert_eq!(
        text(&out.stdout).matches("needs_approval").count(),
        20,
        "{}",
        text(&out.stdout)
    );
    let out = cc(&server, &ledger, &["approve", s(&file), "--dry-run"]).await;
    assert!(
        text(&out.stdout).contains("20 of 20 order(s) to approve"),
        "{}",
        text(&out.stdout)
    );
    let out = cc(&server, &ledger, &["approve", s(&file)]).await;
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(text(&out.stdout).contains("20 of 20 order(s) approved"));

    let follow = [
        "follow",
        s(&file),
        "--download",
        s(&certs),
        "--pkcs12",
        "--password-file",
        s(&password),
        "--timeout",
        "2m",
    ];
    let out = cc(&server, &ledger, &follow).await;
    let stdout = text(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{stdout}{}", text(&out.stderr));
    assert!(stdout.contains("20 order(s): 20 issued"), "{stdout}");
    assert_eq!(downloads(&log), 20, "one download per certificate");

    let root = CertificateChain::from_pem(server.root_pem().as_bytes()).unwrap();
    let mut written = BTreeMap::new();
    for entry in &entries {
        let email = entry.json()["certificate"]["emails"][0]
            .as_str()
            .unwrap()
            .to_string();
        let stem = certs.join(format!("{email}.{}", entry.order_id));
        let leaf = std::fs::read_to_string(format!("{}.pem", stem.display())).unwrap();
        let ca = std::fs::read_to_string(format!("{}.chain.pem", stem.display())).unwrap();
        let chain = CertificateChain::from_pem(format!("{leaf}{ca}").as_bytes()).unwrap();
        chain.verify(std::time::SystemTime::now()).unwrap();
        assert_eq!(chain.root().map(|r| r.der()), Some(root.leaf().der()));
        assert_eq!(chain.leaf().emails(), std::slice::from_ref(&email));
        let id = entry.alternative_order_id.as_deref().unwrap();
        let key = rcgen::KeyPair::from_pem_and_sign_algo(
            &std::fs::read_to_string(keys.join(format!("{id}.key"))).unwrap(),
            &rcgen::PKCS_RSA_SHA256,
        )
        .unwrap();
        assert_eq!(
            chain.leaf().public_key_der(),
            rcgen::PublicKeyData::subject_public_key_info(&key),
            "the certificate is for the key made for its order"
        );
        // The bundle opens with the password, in Rust and in openssl, and holds key and chain.
        let p12 = format!("{}.p12", stem.display());
        let bytes = std::fs::read(&p12).unwrap();
        let store = p12_keystore::KeyStore::from_pkcs12(
            &bytes,
            "correct horse",
            p12_keystore::Pkcs12ImportPolicy::Strict,
        )
        .unwrap();
        let (_, held) = store.private_key_chain().expect("a key and its chain");
        assert_eq!(held.certs()[0].as_der(), chain.leaf().der());
        let out = std::process::Command::new("openssl")
            .args(["pkcs12", "-in", &p12, "-passin"])
            .arg(format!("file:{}", password.display()))
            .args(["-nodes", "-info"])
            .output()
            .expect("openssl runs: install it (Debian: apt-get install openssl)");
        let said = text(&out.stdout) + &text(&out.stderr);
        assert!(out.status.success(), "{said}");
        assert!(
            said.contains("AES-256-CBC") && said.contains("BEGIN PRIVATE KEY"),
            "{said}"
        );
        written.insert(p12, bytes);
    }

    // A rerun downloads nothing and leaves the files as they are.
    let out = cc(&server, &ledger, &follow).await;
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert_eq!(downloads(&log), 20, "nothing downloaded twice");
    for (path, bytes) in written {
        assert_eq!(std::fs::read(&path).unwrap(), bytes, "{path} unchanged");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn follow_interrupted_and_rerun_downloads_each_certificate_once() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("access.jsonl");
    let server = mock(
        MockConfig::default()
            .issue_after(Duration::from_millis(200))
            .access_log(&log),
    )
    .await;
    let ledger = dir.path().join("account.jsonl");
    let keys = dir.path().join("keys");
    let certs = dir.path().join("certs");
    let file = write(dir.path(), "staff.csv", &staff(2));
    let out = cc(
        &server,
        &ledger,
        &[
            "bulk",
            s(&file),
            "--generate-keys",
            s(&keys),
            "--key-type",
            "p256",
        ],
    )
    .await;
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    // The first is approved and issued; the second waits for approval while follow runs.
    let first = server.ledger()[0].clone();
    let client = certcentral::Client::builder(certcentral::ApiKey::new(server.api_key()))
        .base_url(server.base_url())
        .build()
        .unwrap();
    client
        .approve_request(first.request_id, None)
        .await
        .unwrap();

    let url = server.base_url();
    let mut child = spawn(
        &[
            "follow",
            s(&file),
            "--download",
            s(&certs),
            "--base-url",
            &url,
            "--ledger",
            s(&ledger),
        ],
        server.api_key(),
    );
    let stdout = child.stdout.as_mut().expect("stdout is piped");
    let mut lines = BufReader::new(stdout).lines();
    loop {
        let line = within(lines.next_line(), "the first certificate")
            .await
            .unwrap()
            .expect("follow says what it downloads");
        if line.contains(&format!("(order {}): issued", first.order_id)) {
            break;
        }
    }
    nix_interrupt(&child);
    let status = within(child.wait(), "follow ends").await.unwrap();
    assert_eq!(status.code(), Some(130));
    assert_eq!(downloads(&log), 1);
    let email = |e: &certcentral_mock::LedgerEntry| {
        e.json()["certificate"]["emails"][0]
            .as_str()
            .unwrap()
            .to_string()
    };
    let first_pem = certs.join(format!("{}.{}.pem", email(&first), first.order_id));
    let before = std::fs::read(&first_pem).unwrap();

    let second = server.ledger()[1].clone();
    client
        .approve_request(second.request_id, None)
        .await
        .unwrap();
    let out = cc(
        &server,
        &ledger,
        &["follow", s(&file), "--download", s(&certs)],
    )
    .await;
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}{}",
        text(&out.stdout),
        text(&out.stderr)
    );
    assert_eq!(downloads(&log), 2, "the first is not downloaded again");
    assert_eq!(std::fs::read(&first_pem).unwrap(), before);
    assert!(
        certs
            .join(format!("{}.{}.pem", email(&second), second.order_id))
            .exists()
    );
}

/// Sends SIGINT, as Ctrl-C does.
fn nix_interrupt(child: &tokio::process::Child) {
    let pid = child.id().expect("running");
    let status = std::process::Command::new("kill")
        .args(["-INT", &pid.to_string()])
        .status()
        .expect("kill runs");
    assert!(status.success());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rejected_canceled_waiting_and_a_widened_key_each_end_as_they_are() {
    let dir = tempfile::tempdir().unwrap();
    // Not prevalidated: the Class 1 mailboxes wait for their owners.
    let server = MockServer::start(MockConfig::default().issue_after(Duration::from_millis(200)))
        .await
        .unwrap();
    let ledger = dir.path().join("account.jsonl");
    let keys = dir.path().join("keys");
    let certs = dir.path().join("certs");
    // Two Premium orders (one rejected, one whose key file gets widened), then Class 1 orders
    // for mailboxes nobody validated: one canceled, one waiting.
    let file = write(dir.path(), "staff.csv", &staff(2));
    let out = cc(
        &server,
        &ledger,
        &[
            "bulk",
            s(&file),
            "--generate-keys",
            s(&keys),
            "--key-type",
            "p256",
        ],
    )
    .await;
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let class1 = write(
        dir.path(),
        "class1.csv",
        "product,certificate.emails,certificate.signature_hash,order_validity.years,skip_approval\n\
         class1_smime,ann@example.org,sha256,1,true\n\
         class1_smime,bob@example.org,sha256,1,true\n",
    );
    let out = cc(&server, &ledger, &["bulk", s(&class1)]).await;
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let orders = server.ledger();
    let (rejected, widened, canceled, waiting) = (&orders[0], &orders[1], &orders[2], &orders[3]);
    let client = certcentral::Client::builder(certcentral::ApiKey::new(server.api_key()))
        .base_url(server.base_url())
        .build()
        .unwrap();
    client
        .reject_request(rejected.request_id, Some("not ours"))
        .await
        .unwrap();
    client
        .approve_request(widened.request_id, None)
        .await
        .unwrap();
    let out = cc(
        &server,
        &ledger,
        &[
            "cancel",
            &canceled.order_id.to_string(),
            "--note",
            "left",
            "--yes",
        ],
    )
    .await;
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    use std::os::unix::fs::PermissionsExt;
    let key = keys.join(format!(
        "{}.key",
        widened.alternative_order_id.as_deref().unwrap()
    ));
    std::fs::set_permissions(&key, std::fs::Permissions::from_mode(0o644)).unwrap();

    let out = cc(
        &server,
        &ledger,
        &[
            "follow",
            "--download",
            s(&certs),
            "--timeout",
            "3s",
            "--format",
            "json",
        ],
    )
    .await;
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    let events: Vec<Value> = text(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let of = |order: &certcentral_mock::LedgerEntry| {
        events
            .iter()
            .find(|e| e["order_id"] == order.order_id)
            .unwrap_or_else(|| panic!("no event for order {}: {events:?}", order.order_id))
            .clone()
    };
    assert_eq!(of(rejected)["outcome"], "ended");
    assert!(
        of(rejected)["detail"]
            .as_str()
            .unwrap()
            .starts_with("rejected")
    );
    assert_eq!(of(canceled)["outcome"], "ended");
    assert!(
        of(canceled)["detail"]
            .as_str()
            .unwrap()
            .starts_with("canceled")
    );
    assert_eq!(of(waiting)["outcome"], "waiting for the recipient");
    assert!(of(waiting)["detail"].as_str().unwrap().contains("mailbox"));
    assert_eq!(of(widened)["outcome"], "failed");
    assert!(
        of(widened)["detail"]
            .as_str()
            .unwrap()
            .contains("can be read by others")
    );
    // Nothing saved for the order whose key may have leaked.
    let saved: Vec<_> = std::fs::read_dir(&certs).unwrap().collect();
    assert!(saved.is_empty(), "{saved:?}");
}
