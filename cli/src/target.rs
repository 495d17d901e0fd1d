//! Where orders go (`--mock`, `--live`, `--eu`, `--base-url`) and with which key.

use certcentral::{ApiKey, Client, Region};
use certcentral_mock::{MockConfig, MockServer};
use clap::Args;
use std::path::PathBuf;

/// The target and the key.
#[derive(Debug, Args)]
pub struct Connection {
    #[command(flatten)]
    target: Target,

    /// Read the API key from this file (its first line). Without it, the key comes from the
    /// environment variable DIGICERT_API_KEY. Never from the command line: it would show in
    /// `ps` and in shell histories.
    #[arg(long, value_name = "FILE")]
    api_key_file: Option<PathBuf>,

    /// Refused: see --api-key-file.
    #[arg(long, hide = true, num_args = 0..=1, allow_hyphen_values = true)]
    api_key: Option<Option<String>>,

    /// The account enforces unique alternative order IDs (CertCentral: Settings → Preferences):
    /// an order whose outcome is unknown is sent again, and a duplicate means it exists.
    #[arg(long)]
    pub unique_alternative_order_ids: bool,
}

#[derive(Debug, Args)]
#[group(required = false, multiple = false)]
struct Target {
    /// Order from the embedded mock CertCentral on 127.0.0.1 (nothing reaches DigiCert).
    #[arg(long)]
    mock: bool,
    /// Order from DigiCert, US platform (real orders, billed).
    #[arg(long)]
    live: bool,
    /// Order from DigiCert, EU platform (real orders, billed).
    #[arg(long)]
    eu: bool,
    /// Order from this CertCentral (HTTPS; plain HTTP only on loopback).
    #[arg(long, value_name = "URL")]
    base_url: Option<String>,
}

/// A connected target: the client, and the embedded mock it talks to (kept alive with it).
pub struct Connected {
    pub client: Client,
    /// What the target is, for the output: `mock`, `us`, `eu` or the base URL.
    pub name: String,
    _mock: Option<MockServer>,
}

impl Connection {
    /// Whether the orders go to the embedded mock.
    pub fn is_mock(&self) -> bool {
        self.target.mock
    }

    /// Refuses what must never be used, before anything is read or sent.
    pub fn check(&self) -> Result<(), String> {
        if self.api_key.is_some() {
            return Err(
                "--api-key is refused: a key on the command line shows in `ps` and in \
                        shell histories. Set DIGICERT_API_KEY, or pass --api-key-file FILE"
                    .into(),
            );
        }
        Ok(())
    }

    /// Builds the client (starting the embedded mock for `--mock`).
    pub async fn connect(&self) -> Result<Connected, String> {
        self.check()?;
        let builder = |key| {
            Client::builder(key).unique_alternative_order_ids(self.unique_alternative_order_ids)
        };
        if self.target.mock {
            let mock = MockServer::start(
                MockConfig::default()
                    .prevalidated(true)
                    .unique_alternative_order_ids(self.unique_alternative_order_ids),
            )
            .await
            .map_err(|e| format!("cannot start the embedded mock on 127.0.0.1: {e}"))?;
            tell!(
                "certcentral: --mock: ordering from the embedded mock CertCentral at {}; nothing reaches DigiCert",
                mock.base_url()
            );
            let client = builder(ApiKey::new(mock.api_key()))
                .base_url(mock.base_url())
                .build()
                .map_err(|e| e.to_string())?;
            return Ok(Connected {
                client,
                name: "mock".into(),
                _mock: Some(mock),
            });
        }
        let key = self.key()?;
        let (builder, name) = match &self.target {
            Target { live: true, .. } => (builder(key).region(Region::Us), "us".to_string()),
            Target { eu: true, .. } => (builder(key).region(Region::Eu), "eu".to_string()),
            Target {
                base_url: Some(url),
                ..
            } => (builder(key).base_url(url.as_str()), String::new()),
            _ => return Err("choose a target: --mock, --live, --eu or --base-url URL".into()),
        };
        let client = builder.build().map_err(|e| e.to_string())?;
        let name = if name.is_empty() {
            client.base_url().to_string()
        } else {
            name
        };
        Ok(Connected {
            client,
            name,
            _mock: None,
        })
    }

    fn key(&self) -> Result<ApiKey, String> {
        if let Some(path) = &self.api_key_file {
            let text = std::fs::read_to_string(path)
                .map_err(|e| format!("cannot read --api-key-file {}: {e}", path.display()))?;
            let key = text.lines().next().unwrap_or("").trim();
            if key.is_empty() {
                return Err(format!("--api-key-file {} is empty", path.display()));
            }
            return Ok(ApiKey::new(key));
        }
        ApiKey::from_env("DIGICERT_API_KEY").ok_or_else(|| {
            "no API key: set DIGICERT_API_KEY, or pass --api-key-file FILE (or use --mock)".into()
        })
    }
}
