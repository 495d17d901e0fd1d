//! Orders a Premium S/MIME certificate for an employee, end to end.
//!
//! ```sh
//! cargo run -p certcentral --example order              # against an embedded mock CertCentral
//! DIGICERT_API_KEY=… DIGICERT_ORGANIZATION_ID=… \
//!   cargo run -p certcentral --example order -- --live [--eu] --email you@yourdomain.example
//! ```
//!
//! Without `--live` nothing leaves this machine: a mock CertCentral is started on 127.0.0.1
//! with organizations and domains pre-validated, so the order is approved at once.
//! With `--live` a real order is placed (and billed) at DigiCert.

use certcentral::{ApiKey, Client, ClientCertificateOrder, Error, PlacedOrder, Region};
use certcentral_mock::{MockConfig, MockServer};
use std::process::ExitCode;

/// The order: a sponsor-validated S/MIME certificate named after the employee.
#[derive(ClientCertificateOrder)]
#[order(
    product = "client_premium",
    common_name_indicator = "given_name_surname",
    signature_hash = "sha256",
    payment_method = "balance",
    skip_approval = true
)]
struct EmployeeCertificate {
    common_name: String,
    emails: Vec<String>,
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
    let order = EmployeeCertificate {
        common_name: "Alice Example".into(),
        emails: vec![options.email],
        first_name: "Alice".into(),
        last_name: "Example".into(),
        organization,
        years: 1,
    };
    match client.submit(&order).await {
        Ok(placed) => {
            report(&placed);
            ExitCode::SUCCESS
        }
        Err(e) => {
            explain(&e);
            ExitCode::FAILURE
        }
    }
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
