//! Where orders go (`--mock`, `--live`, `--eu`, `--base-url`), with which key, paced with which
//! fleet (`--redis`), and the account's ledger.

use certcentral::{ApiKey, Client, Region};
use certcentral_mock::{MockConfig, MockServer};
use clap::Args;
use std::path::{Path, PathBuf};

/// The target, the key and the ledger.
#[derive(Debug, Args)]
pub struct Connection {
    #[command(flatten)]
    target: Target,

    /// Read the API key from this file (its first line that is not blank; a byte-order mark is
    /// skipped). Without it, the key comes from the environment variable DIGICERT_API_KEY.
    /// Never from the command line: it would show in `ps` and in shell histories.
    #[arg(long, value_name = "FILE")]
    api_key_file: Option<PathBuf>,

    /// Refused: see --api-key-file.
    #[arg(long, hide = true, num_args = 0..=1, allow_hyphen_values = true)]
    api_key: Option<Option<String>>,

    /// The account enforces unique alternative order IDs (CertCentral: Settings → Preferences):
    /// an order whose outcome is unknown is sent again, and a duplicate means it exists.
    #[arg(long)]
    pub unique_alternative_order_ids: bool,

    /// The account's ledger (what this command placed at the account, from every input).
    /// Default: one per target and key in the user's state directory ($XDG_STATE_HOME/
    /// certcentral, or ~/.local/state/certcentral); none with --mock.
    #[arg(long, value_name = "FILE")]
    pub ledger: Option<PathBuf>,

    /// Share DigiCert's rate limits with every process on the same key through this Redis
    /// (redis:// or rediss://): an admin's run and the services on the key stay under the
    /// limits together.
    #[arg(long, value_name = "URL")]
    redis: Option<String>,

    /// How long to wait for one answer from CertCentral (e.g. 30s, 2m) before looking the
    /// order up by its alternative id; the whole of one order (its attempts, pauses and
    /// lookups) may take twice this.
    #[arg(long, value_name = "DURATION", default_value = "60s", value_parser = humantime::parse_duration)]
    request_timeout: std::time::Duration,
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

/// A connected target: the client, the embedded mock it talks to (kept alive with it), and
/// the account's ledger path.
pub struct Connected {
    pub client: Client,
    /// What the target is, for the output: `mock`, `us`, `eu` or the base URL.
    pub name: String,
    /// The account's ledger, when there is one.
    pub ledger: Option<PathBuf>,
    /// The embedded mock, for `--mock`.
    pub _mock: Option<MockServer>,
}

impl Connection {
    /// Whether a target was chosen.
    pub fn has_target(&self) -> bool {
        let t = &self.target;
        t.mock || t.live || t.eu || t.base_url.is_some()
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
            let builder = Client::builder(key)
                .timeout(self.request_timeout)
                .deadline(self.request_timeout * 2)
                .unique_alternative_order_ids(self.unique_alternative_order_ids);
            self.fleet(builder)
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
            let client = builder(ApiKey::new(mock.api_key()))?
                .base_url(mock.base_url())
                .build()
                .map_err(|e| e.to_string())?;
            return Ok(Connected {
                client,
                name: "mock".into(),
                ledger: self.ledger.clone(),
                _mock: Some(mock),
            });
        }
        let key = self.key()?;
        let account = account_of(&key);
        let (builder, name) = match &self.target {
            Target { live: true, .. } => (builder(key)?.region(Region::Us), "us".to_string()),
            Target { eu: true, .. } => (builder(key)?.region(Region::Eu), "eu".to_string()),
            Target {
                base_url: Some(url),
                ..
            } => (builder(key)?.base_url(url.as_str()), String::new()),
            _ => return Err("choose a target: --mock, --live, --eu or --base-url URL".into()),
        };
        let client = builder.build().map_err(|e| e.to_string())?;
        let name = if name.is_empty() {
            client.base_url().to_string()
        } else {
            name
        };
        let ledger = self
            .ledger
            .clone()
            .or_else(|| default_ledger(&name, &account));
        Ok(Connected {
            client,
            name,
            ledger,
            _mock: None,
        })
    }

    /// The fleet's shared pacing, when `--redis` names one.
    fn fleet(
        &self,
        builder: certcentral::ClientBuilder,
    ) -> Result<certcentral::ClientBuilder, String> {
        match &self.redis {
            None => Ok(builder),
            Some(url) => {
                let shared =
                    certcentral::SharedPacing::redis(url).map_err(|e| format!("--redis: {e}"))?;
                Ok(builder.shared_pacing(shared))
            }
        }
    }

    fn key(&self) -> Result<ApiKey, String> {
        if let Some(path) = &self.api_key_file {
            return read_key_file(path);
        }
        ApiKey::from_env("DIGICERT_API_KEY").ok_or_else(|| {
            "no API key: set DIGICERT_API_KEY, or pass --api-key-file FILE (or use --mock)".into()
        })
    }
}

/// A key file: its first line that is not blank, without a byte-order mark or surrounding
/// white space; a key file that others can read is warned about, as ssh warns.
fn read_key_file(path: &Path) -> Result<ApiKey, String> {
    let shown = path.display();
    let bytes =
        std::fs::read(path).map_err(|e| format!("cannot read --api-key-file {shown}: {e}"))?;
    let text = std::str::from_utf8(&bytes).map_err(|_| {
        format!("--api-key-file {shown} is not UTF-8 text: a key file holds the key on one line")
    })?;
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let key = text
        .lines()
        .map(str::trim)
        .find(|l| !l.is_empty())
        .unwrap_or("");
    if key.is_empty() {
        return Err(format!("--api-key-file {shown} is empty"));
    }
    if key.chars().any(|c| c.is_control() || c == ' ') {
        return Err(format!(
            "--api-key-file {shown}: its first line is not an API key (it holds spaces or \
             control characters)"
        ));
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        if let Ok(meta) = std::fs::metadata(path)
            && meta.permissions().mode() & 0o077 != 0
        {
            tell!(
                "certcentral: warning: --api-key-file {shown} can be read by other users \
                 (mode {:o}): `chmod 600 {shown}`",
                meta.permissions().mode() & 0o777
            );
        }
    }
    Ok(ApiKey::new(key))
}

/// The account a key orders for, as a ledger's name tells it: a digest of the key (never the
/// key, nor a part of it).
fn account_of(key: &ApiKey) -> String {
    key.fingerprint()[..12].to_string()
}

/// The user's state directory for the command.
pub fn state_dir() -> Option<PathBuf> {
    std::env::var_os("XDG_STATE_HOME")
        .filter(|d| !d.is_empty())
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| Path::new(&h).join(".local/state")))
        .map(|d| d.join("certcentral"))
}

/// The ledger of the account at `target` with the key `account`.
fn default_ledger(target: &str, account: &str) -> Option<PathBuf> {
    let slug: String = target
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
        .collect();
    Some(state_dir()?.join(format!("ledger-{slug}-{account}.jsonl")))
}
