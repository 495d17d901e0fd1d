//! `cargo run -p certcentral-mock -- [--port 8080] [--api-key KEY]... [--unique-alternative-order-ids]
//! [--prevalidated] [--no-rate-limits] [--ledger-capacity N] [--max-connections N] [--ledger FILE] [--fault NAME]...`
//!
//! Serves a mock CertCentral on 127.0.0.1 until interrupted. With `--ledger FILE`, appends every
//! order placed to FILE as one line of JSON.

use certcentral_mock::{Fault, MockConfig, MockServer};
use std::process::ExitCode;

const USAGE: &str = "usage: certcentral-mock [--port N] [--api-key KEY]... \
[--unique-alternative-order-ids] [--prevalidated] [--no-rate-limits] [--ledger-capacity N] \
[--max-connections N] [--ledger FILE] [--fault NAME]...";

#[tokio::main]
async fn main() -> ExitCode {
    let mut port = 0u16;
    let mut config = MockConfig::default();
    let mut keys = Vec::new();
    let mut faults = Vec::new();
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let mut value = |name: &str| args.next().ok_or_else(|| format!("{name} needs a value"));
        let parsed: Result<(), String> = match arg.as_str() {
            "--port" => value("--port").and_then(|v| {
                v.parse()
                    .map(|p| port = p)
                    .map_err(|e| format!("--port: {e}"))
            }),
            "--api-key" => value("--api-key").map(|k| keys.push(k)),
            "--ledger-capacity" => value("--ledger-capacity").and_then(|v| {
                v.parse()
                    .map(|n| config.ledger_capacity = n)
                    .map_err(|e| format!("--ledger-capacity: {e}"))
            }),
            "--max-connections" => value("--max-connections").and_then(|v| {
                v.parse()
                    .map(|n| config.max_connections = n)
                    .map_err(|e| format!("--max-connections: {e}"))
            }),
            "--ledger" => value("--ledger").map(|f| config.ledger_file = Some(f.into())),
            "--unique-alternative-order-ids" => {
                config.unique_alternative_order_ids = true;
                Ok(())
            }
            "--prevalidated" => {
                config.prevalidated = true;
                Ok(())
            }
            "--no-rate-limits" => {
                config.rate_limits.clear();
                Ok(())
            }
            "--fault" => value("--fault").and_then(|f| {
                Fault::parse(&f)
                    .map(|f| faults.push(f))
                    .ok_or(format!("unknown fault `{f}`"))
            }),
            "-h" | "--help" => {
                println!("{USAGE}");
                return ExitCode::SUCCESS;
            }
            other => Err(format!("unknown argument `{other}`")),
        };
        if let Err(e) = parsed {
            eprintln!("{e}\n{USAGE}");
            return ExitCode::from(2);
        }
    }
    if !keys.is_empty() {
        config.api_keys = keys;
    }
    let server = match MockServer::bind(config, ([127, 0, 0, 1], port).into()).await {
        Ok(s) => s,
        Err(e) => {
            eprintln!("cannot listen on 127.0.0.1:{port}: {e}");
            return ExitCode::FAILURE;
        }
    };
    for fault in faults {
        server.inject(fault);
    }
    println!("mock CertCentral listening: {}", server.base_url());
    if server.api_key() == certcentral_mock::DEFAULT_API_KEY {
        println!("API key: {}", server.api_key());
    }
    let _ = tokio::signal::ctrl_c().await;
    server.shutdown().await;
    ExitCode::SUCCESS
}
