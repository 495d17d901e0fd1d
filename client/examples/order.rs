//! Orders a Premium S/MIME certificate for an employee and follows it to the certificate: makes
//! a key and a CSR, orders, approves the request if the account requires approval, waits for
//! issuance, downloads the chain and prints what a user checks.
//!
//! ```sh
//! cargo run -p certcentral --example order   # against an embedded mock CertCentral
//! DIGICERT_API_KEY=… DIGICERT_ORGANIZATION_ID=… \
//!   cargo run -p certcentral --example order -- --live [--eu] --email you@yourdomain.example
//! ```
//!
//! Without `--live` nothing leaves this machine: a mock CertCentral is started on 127.0.0.1
//! with organizations and domains pre-validated, issuing from its own CA a second after
//! approval. With `--live` a real order is placed (and billed) at DigiCert, and its key is
//! written to the current folder (readable by you alone): keep it.

use certcentral::types::OrderStatus;
use certcentral::{ApiKey, Client, ClientCertificateOrder, Error, PlacedOrder, Region, Stage};
use certcentral_mock::{MockConfig, MockServer};
use std::process::ExitCode;
use std::time::{Duration, SystemTime};

/// The order: a sponsor-validated S/MIME certificate named after the employee.
#[derive(ClientCertificateOrder)]
#[order(
    product = "client_premium",
    common_name_indicator = "given_name_surname",
    signature_hash = "sha256",
    payment_method = "balance"
)]
struct EmployeeCertificate {
    common_name: String,
    emails: Vec<String>,
    #[order(param = "certificate.csr")]
    csr: String,
    #[order(param = "certificate.individual.first_name")]
    first_name: String,
    #[order(param = "certificate.individual.last_name")]
    last_name: String,
    #[order(param = "organization.id")]
    organization: i64,
    #[order(param = "order_validity.years")]
    years: u8,
}

struct Options {
    live: bool,
    region: Region,
    email: String,
}

fn options() -> Result<Options, String> {
    let mut options = Options {
        live: false,
        region: Region::Us,
        email: "alice.example@example.com".into(),
    };
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--live" => options.live = true,
            "--eu" => options.region = Region::Eu,
            "--email" => options.email = args.next().ok_or("--email needs an address")?,
            other => {
                return Err(format!(
                    "unknown argument `{other}` (known: --live, --eu, --email ADDRESS)"
                ));
            }
        }
    }
    Ok(options)
}

#[tokio::main]
async fn main() -> ExitCode {
    let options = match options() {
        Ok(o) => o,
        Err(e) => {
            eprintln!("{e}");
            return ExitCode::from(2);
        }
    };
    // Kept alive until the end of main: the mock stops when dropped.
    let mut _mock = None;
    let (client, organization) = if options.live {
        let Some(key) = ApiKey::from_env("DIGICERT_API_KEY") else {
            eprintln!("--live needs DIGICERT_API_KEY (a CertCentral API key) in the environment");
            return ExitCode::from(2);
        };
        let Some(organization) = std::env::var("DIGICERT_ORGANIZATION_ID")
            .ok()
            .and_then(|v| v.parse().ok())
        else {
            eprintln!("--live needs DIGICERT_ORGANIZATION_ID (a validated organization's id)");
            return ExitCode::from(2);
        };
        println!(
            "ordering at DigiCert ({}): this order is real and billed",
            options.region.base_url()
        );
        (
            Client::builder(key).region(options.region).build(),
            organization,
        )
    } else {
        let mock = match MockServer::start(MockConfig::default().prevalidated(true)).await {
            Ok(m) => m,
            Err(e) => {
                eprintln!("could not start the mock CertCentral on 127.0.0.1: {e}");
                return ExitCode::FAILURE;
            }
        };
        println!(
            "ordering at the embedded mock CertCentral ({}); pass --live to order at DigiCert",
            mock.base_url()
        );
        let client = Client::builder(ApiKey::new(mock.api_key()))
            .base_url(mock.base_url())
            .build();
        _mock = Some(mock);
        (client, 112233)
    };
    let client = match client {
        Ok(c) => c,
        Err(e) => {
            eprintln!("{e}");
            return ExitCode::FAILURE;
        }
    };
    let (key, csr) = match key_and_csr("Alice Example", &options.email) {
        Ok(made) => made,
        Err(e) => {
            eprintln!("could not make a key: {e}");
            return ExitCode::FAILURE;
        }
    };
    let order = EmployeeCertificate {
        common_name: "Alice Example".into(),
        emails: vec![options.email.clone()],
        csr,
        first_name: "Alice".into(),
        last_name: "Example".into(),
        organization,
        years: 1,
    };
    let placed = match client.submit(&order).await {
        Ok(placed) => placed,
        Err(e) => {
            explain(&e);
            return ExitCode::FAILURE;
        }
    };
    report(&placed);
    if options.live {
        let path = format!("{}.key", placed.alternative_order_id);
        match write_private(&path, key.serialize_pem().as_bytes()) {
            Ok(()) => println!("private key:          {path} (readable by you alone; keep it)"),
            Err(e) => eprintln!("could not write the key to {path}: {e}"),
        }
    }
    let Some(order_id) = placed.order_id() else {
        return ExitCode::FAILURE;
    };
    match follow(&client, order_id, options.live).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("{e}");
            ExitCode::FAILURE
        }
    }
}

/// A new key (ECDSA P-256) and a CSR for it naming the employee.
fn key_and_csr(name: &str, email: &str) -> Result<(rcgen::KeyPair, String), rcgen::Error> {
    let key = rcgen::KeyPair::generate()?;
    let mut params = rcgen::CertificateParams::default();
    params
        .distinguished_name
        .push(rcgen::DnType::CommonName, name);
    params.subject_alt_names = vec![rcgen::SanType::Rfc822Name(email.try_into()?)];
    let csr = params.serialize_request(&key)?.pem()?;
    Ok((key, csr))
}

/// Approves the order's request if it waits for approval, waits for the certificate, and
/// prints it with its chain, verified.
async fn follow(client: &Client, order_id: i64, live: bool) -> Result<(), Error> {
    let info = client.order_info(order_id).await?;
    if info.status == OrderStatus::NeedsApproval
        && let Some(request) = info.requests.first()
    {
        client
            .approve_request(request.id, Some("approved by the example"))
            .await?;
        println!("approved:             request {}", request.id);
    }
    let within = if live {
        Duration::from_secs(600)
    } else {
        Duration::from_secs(60)
    };
    let info = client.wait_for_issuance(order_id, within).await?;
    if Stage::of(&info.status) != Stage::Issued {
        println!(
            "status:               {} after {within:?}: follow it later with `certcentral follow` or Client::wait_for_issuance",
            info.status
        );
        return Ok(());
    }
    let chain = client.download_chain(order_id).await?;
    let leaf = chain.leaf();
    println!("subject:              {}", leaf.subject());
    println!("emails:               {}", leaf.emails().join(", "));
    println!("serial:               {}", leaf.serial());
    println!(
        "valid until:          {}",
        httpdate::fmt_http_date(leaf.not_after())
    );
    match chain.verify(SystemTime::now()) {
        Ok(()) => println!(
            "chain:                verified up to {}",
            chain
                .root()
                .map_or("an intermediate (no root sent)", |r| r.subject())
        ),
        Err(e) => println!("chain:                does NOT verify: {e}"),
    }
    print!("{}", leaf.pem());
    Ok(())
}

/// Writes a file only its owner can read.
fn write_private(path: &str, bytes: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    options.open(path)?.write_all(bytes)
}

fn report(placed: &PlacedOrder) {
    let product = certcentral::product_name(placed.product);
    println!("product:              {product} ({})", placed.product);
    println!("alternative order id: {}", placed.alternative_order_id);
    let Some(response) = &placed.response else {
        println!(
            "order id:             not known: an earlier attempt created the order and its answer was lost; find it by its alternative order id"
        );
        return;
    };
    println!("order id:             {}", response.id);
    for request in &response.requests {
        let note = if request.status.is_known() {
            ""
        } else {
            " (a status this SDK does not know yet)"
        };
        println!(
            "request id:           {} ({}{note})",
            request.id, request.status
        );
    }
    match response.certificate_id {
        Some(id) => println!("certificate id:       {id} (issued)"),
        None => {
            println!("certificate id:       not issued yet: DigiCert validates the order first")
        }
    }
    if let Some(org) = &response.organization {
        println!("new organization id:  {}", org.id);
    }
    for w in &placed.warnings {
        println!("warning:              {} ({})", w.message, w.rule);
    }
}

fn explain(e: &Error) {
    match e {
        Error::InvalidOrder(invalid) => {
            eprintln!(
                "the order was not sent: it breaks {} rule(s)",
                invalid.violations.len()
            );
            for v in &invalid.violations {
                eprintln!("  - {}: {} [{}]", v.path, v.message, v.rule);
            }
        }
        Error::Api { status, errors } => {
            eprintln!("DigiCert rejected the order (HTTP {status}); nothing was created:");
            for err in errors {
                eprintln!("  - {}: {}", err.code, err.message);
            }
        }
        Error::OutcomeUnknown {
            alternative_order_id,
            reason,
            ..
        } => {
            eprintln!("the order MAY have been created: {reason}");
            eprintln!(
                "look for alternative order id {alternative_order_id} in CertCentral before ordering again"
            );
        }
        other => eprintln!("{other}"),
    }
}
