//! The maintainer's loop, checked: six API changes DigiCert could make, applied to a scratch
//! copy of the workspace by editing `spec/openapi.yaml` alone (plus, for a new rule, the
//! compile-fail case every rule needs, and for an edited operation, a changed response and a
//! new operation, a test that goes through them). In the copy: regenerate, accept the snapshot and
//! compile-error changes, run every suite again from clean, and fail if any file other than
//! the spec, the generated files, snapshots and `.stderr` files had to change. (That a blessed
//! `.stderr` names its own folder's rule is a test of the suite: `ui/tests/ui.rs`.)
//!
//! `cargo run -p certcentral-tests --bin scenarios` applies every change to one copy (what CI
//! runs); `-- NAME...` applies each named change alone to its own copy, `-- --each` every
//! change alone. The copies build in `target/scenarios` (kept between runs).
//!
//! One file over 400 lines, on purpose: each scenario is its spec edit and its probe, read
//! together; the runner around them is short.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};
use std::time::Instant;

/// One change to the API, as a maintainer would make it.
struct Scenario {
    name: &'static str,
    /// Edits the copy: the spec, and files the change itself calls for.
    apply: fn(&Path) -> Result<(), String>,
    /// Files (relative) the change writes besides the spec.
    writes: &'static [&'static str],
}

fn edit_spec(copy: &Path, edit: impl Fn(&str) -> String) -> Result<(), String> {
    let path = copy.join("spec/openapi.yaml");
    let text = std::fs::read_to_string(&path).map_err(|e| e.to_string())?;
    let edited = edit(&text);
    if edited == text {
        return Err("the edit changed nothing: the spec no longer has what it looks for".into());
    }
    std::fs::write(&path, edited).map_err(|e| e.to_string())
}

/// DigiCert adds a product with the same rules as Email Security Plus.
fn new_product(copy: &Path) -> Result<(), String> {
    edit_spec(copy, |spec| {
        spec.lines()
            .map(|line| {
                if line.trim() == "- client_email_security_plus" {
                    format!(
                        "{line}\n{}",
                        line.replace(
                            "client_email_security_plus",
                            "client_email_security_premium"
                        )
                    )
                } else if line
                    .trim_start()
                    .starts_with("client_email_security_plus: ")
                {
                    format!(
                        "{line}\n{}",
                        line.replace(
                            "client_email_security_plus: Email Security Plus",
                            "client_email_security_premium: Email Security Premium"
                        )
                    )
                } else if line.contains("products: [")
                    && line.contains("client_email_security_plus")
                {
                    line.replace(
                        "client_email_security_plus",
                        "client_email_security_plus, client_email_security_premium",
                    )
                } else {
                    line.to_string()
                }
            })
            .collect::<Vec<_>>()
            .join("\n")
            + "\n"
    })
}

/// DigiCert adds an optional `certificate.locality` of at most 128 characters.
fn new_parameter(copy: &Path) -> Result<(), String> {
    edit_spec(copy, |spec| {
        spec.replacen(
            "        organization_units:\n          type: array\n",
            "        locality:\n          type: string\n          maxLength: 128\n          description: The locality (city) of the certificate holder.\n        organization_units:\n          type: array\n",
            1,
        )
    })
}

const FORBIDDEN_CASE: &str =
    "ui/tests/ui/organization_units.class1_forbidden/organization_units.rs";

/// DigiCert forbids `certificate.organization_units` for Class 1 S/MIME. First as a hurried
/// maintainer would write it (the rule, with Class 1 still in the ignore rule): codegen must
/// refuse the contradiction, naming both rules and the product. Then consistently, with the
/// compile-fail case a new rule needs.
fn new_rule(copy: &Path) -> Result<(), String> {
    let rule = "        - id: organization_units.class1_forbidden\n          when:\n            products: [class1_smime]\n          forbid: [certificate.organization_units]\n          message: Class 1 S/MIME certificates take no organization units.\n";
    edit_spec(copy, |spec| {
        spec.replacen(
            "        - id: organization_units.ignored_for_smime\n",
            &format!("{rule}        - id: organization_units.ignored_for_smime\n"),
            1,
        )
    })?;
    let refused = run(copy, &["run", "--quiet", "-p", "certcentral-codegen"], &[])?;
    let expected = "rules `organization_units.class1_forbidden` and `organization_units.ignored_for_smime` contradict each other for `class1_smime`";
    if refused.0 || !refused.1.contains(expected) {
        return Err(format!(
            "codegen did not refuse the contradiction:\n{}",
            refused.1
        ));
    }
    edit_spec(copy, |spec| {
        spec.replacen(
            "client_email_security_plus, class1_smime]\n          ignore: [certificate.organization_units]",
            "client_email_security_plus]\n          ignore: [certificate.organization_units]",
            1,
        )
    })?;
    let case = copy.join(FORBIDDEN_CASE);
    std::fs::create_dir_all(case.parent().unwrap_or(copy)).map_err(|e| e.to_string())?;
    std::fs::write(
        case,
        "use certcentral::ClientCertificateOrder;\n\n\
         #[derive(ClientCertificateOrder)]\n\
         #[order(product = \"class1_smime\", signature_hash = \"sha256\")]\n\
         struct Order {\n    emails: Vec<String>,\n    #[order(param = \"order_validity.years\")]\n    years: u8,\n    organization_units: Vec<String>,\n}\n\n\
         fn main() {}\n",
    )
    .map_err(|e| e.to_string())
}

const PROBE: &str = "tests/tests/probe_follows.rs";

/// An order through the edited operation: the client sends, and the mock accepts, the new
/// path, header and query parameter with their documented values, with no hand edit.
const PROBE_TEST: &str = r#"
use certcentral::{ApiKey, Client, RetryPolicy};
use certcentral::types::{ClientCertificateId, OrderClientCertificateRequest};
use certcentral_mock::{MockConfig, MockServer};

#[tokio::test]
async fn the_client_and_the_mock_follow_the_edited_operation() {
    let server = MockServer::start(MockConfig::default()).await.unwrap();
    let client = Client::builder(ApiKey::new(server.api_key()))
        .base_url(server.base_url())
        .retry(RetryPolicy::none())
        .build()
        .unwrap();
    let order: OrderClientCertificateRequest = serde_json::from_value(serde_json::json!({
        "certificate": { "emails": ["alice@example.com"], "signature_hash": "sha256" },
        "order_validity": { "years": 1 }
    }))
    .unwrap();
    let placed = client.order(ClientCertificateId::Class1Smime, &order).await.unwrap();
    let sent = &server.requests()[0];
    assert_eq!(sent.path, "/services/v2/orders/client-certificates/class1_smime/new");
    assert_eq!(sent.header("x-certcentral-channel"), Some("sdk"));
    assert_eq!(sent.query, "locale=en");
    assert_eq!(placed.order_id(), Some(server.ledger()[0].order_id));
}
"#;

/// DigiCert moves the operation and adds a header and a query parameter, each with its
/// documented value: the client and the mock follow from the spec alone.
fn edited_operation(copy: &Path) -> Result<(), String> {
    edit_spec(copy, |spec| {
        spec.replace(
            "  /order/certificate/{id}:\n",
            "  /orders/client-certificates/{id}/new:\n",
        )
        .replace(
            "          schema:\n            $ref: \"#/components/schemas/ClientCertificateId\"\n",
            "          schema:\n            $ref: \"#/components/schemas/ClientCertificateId\"\n\
             \x20       - name: X-CertCentral-Channel\n\
             \x20         in: header\n\
             \x20         description: Which integration sent the order.\n\
             \x20         schema:\n\
             \x20           type: string\n\
             \x20           default: sdk\n\
             \x20       - name: locale\n\
             \x20         in: query\n\
             \x20         description: The language of messages.\n\
             \x20         schema:\n\
             \x20           type: string\n\
             \x20           default: en\n",
        )
    })?;
    std::fs::write(copy.join(PROBE), PROBE_TEST).map_err(|e| e.to_string())
}

const RESPONSE_PROBE: &str = "tests/tests/probe_response.rs";

/// The changed response, end to end: the mock answers the new status and the client reads it
/// as a listed value; the one generated response type (the client's and the mock's) has the
/// new field, which the client reads when DigiCert sends it.
const RESPONSE_PROBE_TEST: &str = r#"
use certcentral::types::{builder, ClientCertificateId, OrderClientCertificateRequest, OrderClientCertificateResponse};
use certcentral::{ApiKey, Client, RequestStatus, RetryPolicy};
use certcentral_mock::{Fault, MockConfig, MockServer};

#[tokio::test]
async fn the_client_and_the_mock_follow_the_changed_response() {
    let server = MockServer::start(MockConfig::default()).await.unwrap();
    let client = Client::builder(ApiKey::new(server.api_key()))
        .base_url(server.base_url())
        .retry(RetryPolicy::none())
        .build()
        .unwrap();
    let order: OrderClientCertificateRequest = serde_json::from_value(serde_json::json!({
        "certificate": { "emails": ["alice@example.com"], "signature_hash": "sha256" },
        "order_validity": { "years": 1 }
    }))
    .unwrap();

    server.inject(Fault::UnlistedStatus("in_review".into()));
    let placed = client.order(ClientCertificateId::Class1Smime, &order).await.unwrap();
    let answered = placed.response.unwrap();
    assert_eq!(answered.requests[0].status, RequestStatus::InReview);
    assert!(answered.requests[0].status.is_known());
    assert_eq!(answered.approval_url, None, "the mock has no value for the new field");

    let with_url: OrderClientCertificateResponse = builder::OrderClientCertificateResponse::default()
        .id(7)
        .approval_url(Some("https://www.digicert.com/approve/7".to_string()))
        .try_into()
        .unwrap();
    server.inject(Fault::Respond {
        status: 201,
        content_type: "application/json".into(),
        body: serde_json::to_string(&with_url).unwrap(),
    });
    let placed = client.order(ClientCertificateId::Class1Smime, &order).await.unwrap();
    assert_eq!(placed.response, Some(with_url));
}
"#;

/// DigiCert adds a request status (`in_review`, one no suite uses as an example of an unlisted
/// value) and an optional `approval_url` to the created order: the one generated response
/// type, which the client decodes and the mock answers with, follows from the spec alone.
fn changed_response(copy: &Path) -> Result<(), String> {
    edit_spec(copy, |spec| {
        spec.replacen(
            "      enum: [pending, submitted, approved, rejected]\n",
            "      enum: [pending, submitted, approved, rejected, in_review]\n",
            1,
        )
        .replacen(
            "          description: Certificate ID. Returned if the request status is approved.\n",
            "          description: Certificate ID. Returned if the request status is approved.\n\
             \x20       approval_url:\n\
             \x20         type: string\n\
             \x20         description: Where the approver approves the request, while it needs approval.\n",
            1,
        )
    })?;
    std::fs::write(copy.join(RESPONSE_PROBE), RESPONSE_PROBE_TEST).map_err(|e| e.to_string())
}

const OPERATION_PROBE: &str = "tests/tests/probe_operation.rs";

/// The invented operation, end to end: it is in the generated client (this compiles), sent
/// with the API key (the mock refuses a wrong one), paced like the other operations (a mock
/// enforcing the client's own window never answers 429), and answered by the mock, which has
/// no handler for it yet, with DigiCert's envelope.
const OPERATION_PROBE_TEST: &str = r#"
use certcentral::{ApiKey, Client, Error, RateLimits, RetryPolicy};
use certcentral_mock::{MockConfig, MockServer, RateLimit};
use std::time::Duration;

#[tokio::test]
async fn the_new_operation_is_generated_authenticated_paced_and_mocked() {
    let window = Duration::from_millis(300);
    let server = MockServer::start(MockConfig::default().rate_limits(vec![RateLimit::new(1, window)]))
        .await
        .unwrap();
    let client = Client::builder(ApiKey::new(server.api_key()))
        .base_url(server.base_url())
        .retry(RetryPolicy::none())
        .pacing(RateLimits::none().window(1, window))
        .build()
        .unwrap();
    for _ in 0..3 {
        let answer = client
            .call(|api| async move { api.order_duplicates().order_id(112233).send().await })
            .await;
        match answer {
            Err(Error::Api { status: 404, errors }) => assert_eq!(errors[0].code, "not_found|route"),
            other => panic!("not DigiCert's not_found|route: {other:?}"),
        }
        // The other operations share the pacer: no 429 either.
        let info = client.order_info(1).await;
        assert!(matches!(info, Err(Error::Api { status: 404, .. })), "{info:?}");
    }
    let sent: Vec<_> = server.requests().into_iter().filter(|r| r.path.ends_with("/duplicates")).collect();
    assert_eq!(sent.len(), 3);
    assert!(sent.iter().all(|r| r.header(certcentral::API_KEY_HEADER) == Some(server.api_key())));

    let stranger = Client::builder(ApiKey::new("not-the-key"))
        .base_url(server.base_url())
        .retry(RetryPolicy::none())
        .build()
        .unwrap();
    let refused = stranger
        .call(|api| async move { api.order_duplicates().order_id(1).send().await })
        .await;
    assert!(matches!(refused, Err(Error::Api { status: 401, .. })), "{refused:?}");
}
"#;

/// DigiCert documents a new operation (the duplicates of an order): a maintainer adds it to
/// the spec and nothing else; it is generated, authenticated, paced, and the mock answers it
/// with DigiCert's envelope until someone writes its handler.
fn new_operation(copy: &Path) -> Result<(), String> {
    edit_spec(copy, |spec| {
        spec.replacen(
            "  /order/certificate/{order_id}/email-validation:\n",
            "  /order/certificate/{order_id}/duplicates:\n\
             \x20   get:\n\
             \x20     operationId: order_duplicates\n\
             \x20     summary: List duplicate certificates\n\
             \x20     description: The duplicates of an order's certificate.\n\
             \x20     x-certcentral-short-name: duplicates\n\
             \x20     parameters:\n\
             \x20       - $ref: \"#/components/parameters/OrderId\"\n\
             \x20     responses:\n\
             \x20       \"200\":\n\
             \x20         description: The duplicates.\n\
             \x20         content:\n\
             \x20           application/json:\n\
             \x20             schema:\n\
             \x20               $ref: \"#/components/schemas/StatusChanges\"\n\
             \x20       \"4XX\":\n\
             \x20         $ref: \"#/components/responses/Rejected\"\n\
             \x20 /order/certificate/{order_id}/email-validation:\n",
            1,
        )
    })?;
    std::fs::write(copy.join(OPERATION_PROBE), OPERATION_PROBE_TEST).map_err(|e| e.to_string())
}

// In this order when applied together: the rule's second edit finds the product list as the
// spec has it, before the new product joins it.
const SCENARIOS: [Scenario; 6] = [
    Scenario {
        name: "new-rule",
        apply: new_rule,
        writes: &[FORBIDDEN_CASE],
    },
    Scenario {
        name: "new-parameter",
        apply: new_parameter,
        writes: &[],
    },
    Scenario {
        name: "new-product",
        apply: new_product,
        writes: &[],
    },
    Scenario {
        name: "edited-operation",
        apply: edited_operation,
        writes: &[PROBE],
    },
    Scenario {
        name: "changed-response",
        apply: changed_response,
        writes: &[RESPONSE_PROBE],
    },
    Scenario {
        name: "new-operation",
        apply: new_operation,
        writes: &[OPERATION_PROBE],
    },
];

/// What a spec change may change: the spec, what codegen writes, what the suites pin.
fn may_change(path: &str) -> bool {
    path == "spec/openapi.yaml"
        || path == "table/src/generated.rs"
        || path == "table/src/responses.rs"
        || path.starts_with("client/src/generated/")
        || (path.starts_with("tests/tests/suite/snapshots/") && path.ends_with(".snap"))
        || (path.starts_with("ui/tests/ui/") && path.ends_with(".stderr"))
}

/// Runs cargo in `dir`; whether it succeeded, and what it printed (stderr last).
fn run(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> Result<(bool, String), String> {
    let mut command = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()));
    command
        .args(args)
        .current_dir(dir)
        .env(
            "CARGO_TARGET_DIR",
            certcentral_tests::target_dir().join("scenarios"),
        )
        // One-off builds of copies: incremental state would only fill the disk.
        .env("CARGO_INCREMENTAL", "0")
        .env_remove("INSTA_UPDATE")
        .env_remove("TRYBUILD");
    for (k, v) in env {
        command.env(k, v);
    }
    let output = command.output().map_err(|e| format!("cargo: {e}"))?;
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    Ok((output.status.success(), text))
}

fn must(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> Result<(), String> {
    let (ok, text) = run(dir, args, env)?;
    if ok {
        Ok(())
    } else {
        // What failed (compile errors, failed tests and their panics), then the tail.
        let failures: Vec<&str> = text
            .lines()
            .filter(|l| {
                l.starts_with("error")
                    || l.starts_with("---- ")
                    || l.contains("panicked at")
                    || l.contains("FAILED")
            })
            .take(40)
            .collect();
        let tail: Vec<&str> = text.lines().rev().take(30).collect();
        let tail: Vec<&str> = tail.into_iter().rev().collect();
        Err(format!(
            "`cargo {}` failed:\n{}\n…\n{}",
            args.join(" "),
            failures.join("\n"),
            tail.join("\n")
        ))
    }
}

/// Applies `changes` to one copy of the workspace, then checks it as a maintainer would.
fn scenario(changes: &[&Scenario], scratch: &Path) -> Result<(), String> {
    let name = changes.iter().map(|s| s.name).collect::<Vec<_>>().join("+");
    let copy = scratch.join(if changes.len() == 1 { &name } else { "all" });
    let _ = std::fs::remove_dir_all(&copy);
    let files = certcentral_tests::copy_workspace(&copy);
    // What was copied, as it was: the workspace may change while the scenario runs.
    let original: Vec<Option<Vec<u8>>> = files
        .iter()
        .map(|f| std::fs::read(copy.join(f)).ok())
        .collect();
    for s in changes {
        (s.apply)(&copy).map_err(|e| format!("{}: {e}", s.name))?;
    }
    must(&copy, &["run", "--quiet", "-p", "certcentral-codegen"], &[])?;
    // Accept what the change explains: snapshots (generated code, expansions, the public API)
    // and compile errors, reviewed here by the checks below instead of by eye.
    run(
        &copy,
        &[
            "test",
            "--quiet",
            "-p",
            "certcentral-tests",
            "--test",
            "suite",
            "--",
            "codegen::",
            "expansion::",
            "public_api::",
        ],
        &[("INSTA_UPDATE", "always"), ("INSTA_FORCE_PASS", "1")],
    )?;
    run(
        &copy,
        &["test", "--quiet", "-p", "certcentral-ui"],
        &[("TRYBUILD", "overwrite")],
    )?;
    // Every suite, as CI runs it.
    must(
        &copy,
        &["test", "--quiet", "--workspace"],
        &[("INSTA_UPDATE", "no")],
    )?;
    must(
        &copy,
        &[
            "run",
            "--quiet",
            "-p",
            "certcentral-codegen",
            "--",
            "--check",
        ],
        &[],
    )?;
    // Which files differ from the workspace's, or are new.
    let mut changed = BTreeSet::new();
    for (name, before) in files.iter().zip(&original) {
        if std::fs::read(copy.join(name)).ok() != *before {
            changed.insert(name.clone());
        }
    }
    for new in walk(&copy, &copy) {
        if !files.contains(&new) {
            changed.insert(new);
        }
    }
    let unexpected: Vec<&String> = changed
        .iter()
        .filter(|p| !may_change(p) && !changes.iter().any(|s| s.writes.contains(&p.as_str())))
        .collect();
    println!(
        "  changed: {}",
        changed.iter().cloned().collect::<Vec<_>>().join(", ")
    );
    if !unexpected.is_empty() {
        return Err(format!(
            "files outside the spec, generated files, snapshots and .stderr had to change: {unexpected:?}"
        ));
    }
    let _ = std::fs::remove_dir_all(&copy);
    Ok(())
}

/// Every file under `dir`, relative to `root`, without `target/` and `.snap.new` leftovers.
fn walk(root: &Path, dir: &Path) -> Vec<String> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let path: PathBuf = entry.path();
        let relative = path
            .strip_prefix(root)
            .unwrap_or(&path)
            .to_string_lossy()
            .into_owned();
        if relative == "target" || relative.starts_with(".git") {
            continue;
        }
        if path.is_dir() {
            out.extend(walk(root, &path));
        } else {
            out.push(relative);
        }
    }
    out
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let scratch =
        std::env::temp_dir().join(format!("certcentral-scenarios-{}", std::process::id()));
    // Without names, every change in one copy: one regeneration and one run of the suites
    // (each change alone costs a rebuild of the workspace and a run of every suite).
    let runs: Vec<Vec<&Scenario>> = if args.is_empty() {
        vec![SCENARIOS.iter().collect()]
    } else if args == ["--each"] {
        SCENARIOS.iter().map(|s| vec![s]).collect()
    } else {
        let unknown: Vec<&String> = args
            .iter()
            .filter(|a| !SCENARIOS.iter().any(|s| s.name == a.as_str()))
            .collect();
        if !unknown.is_empty() {
            let names: Vec<&str> = SCENARIOS.iter().map(|s| s.name).collect();
            eprintln!("unknown scenario {unknown:?}: the scenarios are {names:?}, or --each");
            return ExitCode::FAILURE;
        }
        SCENARIOS
            .iter()
            .filter(|s| args.iter().any(|a| a == s.name))
            .map(|s| vec![s])
            .collect()
    };
    let mut failed = 0;
    for changes in runs {
        let start = Instant::now();
        let names: Vec<&str> = changes.iter().map(|s| s.name).collect();
        println!("scenario {}:", names.join(" + "));
        match scenario(&changes, &scratch) {
            Ok(()) => println!("  ok ({:.0} s)", start.elapsed().as_secs_f64()),
            Err(e) => {
                failed += 1;
                println!("  FAILED ({:.0} s): {e}", start.elapsed().as_secs_f64());
            }
        }
    }
    let _ = std::fs::remove_dir_all(&scratch);
    if failed == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}
