//! Configuration: regions (from the spec's servers), the builder, and the checked
//! configuration it builds once and every clone of a client shares.
//!
//! A setting is one field of [`Settings`] (with its default in `ClientBuilder::new`) and one
//! builder method; `build` checks the settings and keeps them whole in the [`Config`].

use crate::error::Error;
use crate::pacing::{Pacer, RateLimits};
use crate::retry::RetryPolicy;
use crate::secret::ApiKey;
use reqwest::header::{ACCEPT, HeaderMap, HeaderValue};
use std::sync::Arc;
use std::time::Duration;

/// The header DigiCert reads the API key from.
pub const API_KEY_HEADER: &str = certcentral_table::API_KEY_HEADER;

/// A CertCentral region, with the server URL from the spec.
///
/// ```
/// assert_eq!(certcentral::Region::Us.base_url(), "https://www.digicert.com/services/v2");
/// assert_eq!(certcentral::Region::Eu.base_url(), "https://certcentral.digicert.eu/services/v2");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum Region {
    /// `www.digicert.com`.
    #[default]
    Us,
    /// `certcentral.digicert.eu`.
    Eu,
}

impl Region {
    /// The base URL of this region's Services API.
    pub fn base_url(self) -> &'static str {
        let region = match self {
            Region::Us => "us",
            Region::Eu => "eu",
        };
        // codegen refuses a spec without a server for each region.
        certcentral_table::TABLE.server(region).unwrap_or_default()
    }
}

/// Builds a [`Client`](crate::Client).
///
/// ```
/// let client = certcentral::Client::builder(certcentral::ApiKey::new("key"))
///     .region(certcentral::Region::Eu)
///     .build()?;
/// assert_eq!(client.base_url(), "https://certcentral.digicert.eu/services/v2");
///
/// let refused = certcentral::Client::builder(certcentral::ApiKey::new("key"))
///     .base_url("http://certcentral.example.com/services/v2")
///     .build();
/// assert!(matches!(refused, Err(certcentral::Error::Config(_))));
/// # Ok::<(), certcentral::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct ClientBuilder {
    api_key: ApiKey,
    settings: Settings,
}

/// The client's settings, as the builder collects them and the client keeps them.
#[derive(Debug, Clone)]
pub(crate) struct Settings {
    /// The base URL; checked (and normalised) by `build`.
    pub(crate) base_url: String,
    /// Each attempt's timeout.
    pub(crate) timeout: Duration,
    /// The connect timeout.
    pub(crate) connect_timeout: Duration,
    /// When a request that certainly did nothing is sent again.
    pub(crate) retry: RetryPolicy,
    /// The rolling limits the client paces itself under.
    pub(crate) pacing: RateLimits,
    /// The longest one call may take, from its first request's departure.
    pub(crate) deadline: Duration,
    /// The account enforces unique alternative order ids.
    pub(crate) unique_alternative_order_ids: bool,
    /// How an order whose outcome is unknown is looked up by its alternative id.
    pub(crate) lookup: RetryPolicy,
    /// Send again an order the lookup found absent for this long (off by default).
    pub(crate) resend_when_absent: Option<Duration>,
    /// How a followed order is polled.
    pub(crate) polling: crate::Polling,
    /// The fleet's shared pacing.
    #[cfg(feature = "redis")]
    pub(crate) shared_pacing: Option<crate::shared::SharedPacing>,
    /// The user's additions to the HTTP client.
    pub(crate) http: Option<HttpConfig>,
}

/// A user's additions to the SDK's `reqwest::ClientBuilder`.
#[derive(Clone)]
pub(crate) struct HttpConfig(
    Arc<dyn Fn(reqwest::ClientBuilder) -> reqwest::ClientBuilder + Send + Sync>,
);

impl std::fmt::Debug for HttpConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("HttpConfig(<custom>)")
    }
}

/// A checked configuration: built once by [`ClientBuilder::build`], shared by a client and its
/// clones (`Client { inner: Arc<Config> }`).
#[derive(Debug)]
pub(crate) struct Config {
    /// The HTTP client: the key as a sensitive default header, redirects off, the timeouts.
    pub(crate) http: reqwest::Client,
    /// The API key, to keep it out of anything a server echoes.
    pub(crate) api_key: ApiKey,
    /// Every request of the client waits its turn here.
    pub(crate) pacer: Pacer,
    /// The settings, the base URL checked.
    pub(crate) settings: Settings,
}

impl ClientBuilder {
    pub(crate) fn new(api_key: ApiKey) -> Self {
        ClientBuilder {
            api_key,
            settings: Settings {
                base_url: Region::Us.base_url().to_string(),
                timeout: Duration::from_secs(60),
                connect_timeout: Duration::from_secs(10),
                retry: RetryPolicy::default(),
                pacing: RateLimits::digicert(),
                deadline: Duration::from_secs(120),
                unique_alternative_order_ids: false,
                lookup: RetryPolicy::default()
                    .max_attempts(3)
                    .base_delay(Duration::from_secs(1))
                    .max_delay(Duration::from_secs(5)),
                resend_when_absent: None,
                polling: crate::Polling::default(),
                #[cfg(feature = "redis")]
                shared_pacing: None,
                http: None,
            },
        }
    }

    /// Uses a region's server (the default is [`Region::Us`]).
    pub fn region(mut self, region: Region) -> Self {
        self.settings.base_url = region.base_url().to_string();
        self
    }

    /// Uses a custom base URL (including the `/services/v2` stem). It must be `https://`,
    /// unless it points at loopback (`127.0.0.0/8`, `[::1]`, `localhost`), as a local mock does.
    pub fn base_url(mut self, url: impl Into<String>) -> Self {
        self.settings.base_url = url.into();
        self
    }

    /// The whole-request timeout (default 60 s). A timeout may have created the order: it is
    /// reported as [`Error::OutcomeUnknown`], and sent again only with
    /// [`ClientBuilder::unique_alternative_order_ids`] on.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.settings.timeout = timeout;
        self
    }

    /// The connect timeout (default 10 s). A connect failure is retried.
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.settings.connect_timeout = timeout;
        self
    }

    /// The longest one [`Client::order`](crate::Client::order) call may take from its first request's departure, its
    /// retries and their delays included (default 120 s; each attempt is still bounded by
    /// [`ClientBuilder::timeout`]). A server's `Retry-After` that would end past it is not
    /// waited for: the call returns the answer that asked for the wait.
    ///
    /// The wait for the client's own pacing before the first request is not counted, so that
    /// a bulk run queued behind DigiCert's rate limits is not cut short; bound it with
    /// `tokio::time::timeout` if you need to (dropping the call before it sends is safe).
    pub fn deadline(mut self, deadline: Duration) -> Self {
        self.settings.deadline = deadline;
        self
    }

    /// Declares that the account has *Require unique alternative order IDs* on (default
    /// `false`). Then, and only then, an order whose outcome is unknown (a timeout, a
    /// connection lost after sending, a 5xx that may follow a commit) is sent again with the
    /// same `alternative_order_id`, within the retry policy and the deadline: a
    /// `duplicate_alternative_order_id` answer proves that the earlier attempt created it, and
    /// the call returns a [`PlacedOrder`](crate::PlacedOrder) whose `response` is `None`.
    ///
    /// Without this setting nothing that may have created an order is ever sent again. Turn it
    /// on only when the account really enforces uniqueness: otherwise a resubmission can be
    /// billed twice.
    pub fn unique_alternative_order_ids(mut self, on: bool) -> Self {
        self.settings.unique_alternative_order_ids = on;
        self
    }

    /// How an order whose outcome is unknown (its answer lost) is looked up by its alternative
    /// id before the call gives up: the policy's attempts are the looks, its delays the waits
    /// between them (default: 3 looks, 1 s then 2 s apart, with jitter), all within the
    /// [`deadline`](ClientBuilder::deadline). The one order with the id created since the call
    /// began (less [`LOOKUP_CLOCK_SKEW`](crate::LOOKUP_CLOCK_SKEW)) is adopted: the call
    /// returns it ([`PlacedOrder::found_by_lookup`](crate::PlacedOrder::found_by_lookup)). An
    /// older order with the id is never adopted, and several are never picked from
    /// ([`Error::SeveralOrders`]).
    ///
    /// ```
    /// use std::time::Duration;
    /// let client = certcentral::Client::builder(certcentral::ApiKey::new("key"))
    ///     .lookup(certcentral::RetryPolicy::default().max_attempts(5).base_delay(Duration::from_secs(2)))
    ///     .build()?;
    /// # Ok::<(), certcentral::Error>(())
    /// ```
    pub fn lookup(mut self, policy: RetryPolicy) -> Self {
        self.settings.lookup = policy;
        self
    }

    /// Sends an order whose outcome is unknown again, with the same alternative id, once the
    /// lookup has found no order with its id for at least `absent_for` (off by default: without
    /// it, nothing that may have created an order is sent again unless the account enforces
    /// unique alternative ids). An order CertCentral creates late is then a second order with
    /// the same id: the next lookup (or `certcentral duplicates`) shows both.
    pub fn resend_when_absent(mut self, absent_for: Duration) -> Self {
        self.settings.resend_when_absent = Some(absent_for);
        self
    }

    /// How [`Client::wait_for_issuance`](crate::Client::wait_for_issuance) and
    /// [`Client::follow`](crate::Client::follow) poll (default [`Polling::default`](crate::Polling::default):
    /// 2 s, doubling up to 60 s, with jitter).
    ///
    /// ```
    /// use std::time::Duration;
    /// let client = certcentral::Client::builder(certcentral::ApiKey::new("key"))
    ///     .polling(certcentral::Polling::default().first(Duration::from_secs(10)))
    ///     .build()?;
    /// # Ok::<(), certcentral::Error>(())
    /// ```
    pub fn polling(mut self, polling: crate::Polling) -> Self {
        self.settings.polling = polling;
        self
    }

    /// The retry policy (default [`RetryPolicy::default`]; [`RetryPolicy::none`] turns it off).
    pub fn retry(mut self, policy: RetryPolicy) -> Self {
        self.settings.retry = policy;
        self
    }

    /// The rolling limits the client paces itself under (default [`RateLimits::digicert`];
    /// [`RateLimits::none`] turns pacing off). Every request of the client and its clones
    /// counts, so one client shared by many tasks never exceeds them.
    pub fn pacing(mut self, limits: RateLimits) -> Self {
        self.settings.pacing = limits;
        self
    }

    /// Shares the pacing with every process that orders with the same API key, through Redis
    /// (feature `redis`): together they stay under the client's [`RateLimits`]. Each process
    /// still paces itself too. See [`SharedPacing`](crate::SharedPacing) for what happens when
    /// Redis fails, and the README's "Running a fleet".
    #[cfg(feature = "redis")]
    #[cfg_attr(docsrs, doc(cfg(feature = "redis")))]
    pub fn shared_pacing(mut self, shared: crate::shared::SharedPacing) -> Self {
        self.settings.shared_pacing = Some(shared);
        self
    }

    /// Adds your settings to the HTTP client the SDK builds: a proxy, private roots, a client
    /// certificate, your own TLS (`tls_backend_preconfigured`), for TLS inspection or a
    /// corporate gateway.
    ///
    /// `configure` gets the SDK's `reqwest::ClientBuilder` (TLS with the platform's trust store
    /// and the SDK's own *ring* provider, never a process-wide one) and returns it with your
    /// changes. The SDK then still enforces, over anything you set: redirects off (a redirect
    /// would carry the key elsewhere), its timeouts, its user agent, and the API key as a
    /// sensitive default header. A closure rather than a built `reqwest::Client`: a built client
    /// could follow redirects, and nothing could turn that off.
    ///
    /// ```
    /// // Through the corporate proxy; at most four idle connections kept.
    /// let proxy = reqwest::Proxy::https("http://proxy.corp.example:3128").expect("a proxy URL");
    /// let client = certcentral::Client::builder(certcentral::ApiKey::new("key"))
    ///     .configure_http(move |http| http.proxy(proxy.clone()).pool_max_idle_per_host(4))
    ///     .build()?;
    /// # Ok::<(), certcentral::Error>(())
    /// ```
    pub fn configure_http(
        mut self,
        configure: impl Fn(reqwest::ClientBuilder) -> reqwest::ClientBuilder + Send + Sync + 'static,
    ) -> Self {
        self.settings.http = Some(HttpConfig(Arc::new(configure)));
        self
    }

    /// Checks the configuration and builds the client.
    pub fn build(self) -> Result<crate::Client, Error> {
        Ok(crate::Client::from_config(self.into_config()?))
    }

    /// Checks the settings and builds what every request of the client shares.
    fn into_config(self) -> Result<Config, Error> {
        let ClientBuilder {
            api_key,
            mut settings,
        } = self;
        settings.base_url = check_base_url(&settings.base_url)?;
        let mut key = HeaderValue::from_str(api_key.expose()).map_err(|_| {
            Error::Config(format!(
                "the API key is not a valid {API_KEY_HEADER} header value"
            ))
        })?;
        key.set_sensitive(true);
        let mut headers = HeaderMap::new();
        headers.insert(API_KEY_HEADER, key);
        headers.insert(ACCEPT, HeaderValue::from_static("application/json"));
        let mut http =
            reqwest::Client::builder().tls_backend_preconfigured(crate::tls::config(None)?);
        if let Some(HttpConfig(configure)) = &settings.http {
            http = configure(http);
        }
        let http = http
            .default_headers(headers)
            .timeout(settings.timeout)
            .connect_timeout(settings.connect_timeout)
            .redirect(reqwest::redirect::Policy::none())
            .user_agent(concat!("certcentral-rs/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| Error::Config(format!("could not build the HTTP client: {e}")))?;
        let pacer = pacer(&settings, &api_key)?;
        Ok(Config {
            http,
            api_key,
            pacer,
            settings,
        })
    }
}

/// The client's pacer: its own windows, and the fleet's when the pacing is shared.
#[cfg_attr(not(feature = "redis"), allow(unused_variables))]
fn pacer(settings: &Settings, api_key: &ApiKey) -> Result<Pacer, Error> {
    let pacer = Pacer::new(settings.pacing.clone());
    #[cfg(feature = "redis")]
    if let Some(shared) = &settings.shared_pacing {
        // An unanswered request counts until its attempt times out, at most.
        let hold = settings.timeout + Duration::from_secs(1);
        let shared = crate::shared::Shared::new(shared.clone(), api_key)?;
        return Ok(pacer.with_shared(shared, hold));
    }
    Ok(pacer)
}

/// Checks a base URL and returns it as the client will use it (parsed and re-serialized by a
/// WHATWG URL parser, without a trailing `/`), so that what was checked is what is dialled.
///
/// The rules: `https`, or `http` to a loopback host (`127.0.0.0/8`, `[::1]`, or exactly
/// `localhost`); no user info (a password in a URL ends up in logs, and `user@host` is how a
/// host is disguised); no query or fragment (the order path is appended to it).
fn check_base_url(text: &str) -> Result<String, Error> {
    let refuse = |rule: &str| Err(Error::Config(format!("base_url: {rule}")));
    let url = match reqwest::Url::parse(text.trim()) {
        Ok(url) => url,
        Err(e) => return refuse(&format!("`{text}` is not an absolute URL ({e})")),
    };
    // Only the scheme and host are quoted from here on: user info may hold a secret.
    let shown = format!("{}://{}", url.scheme(), url.host_str().unwrap_or(""));
    if !url.username().is_empty() || url.password().is_some() {
        return refuse(&format!(
            "`{shown}…` carries user info (`user:password@`): credentials do not belong in a \
             base URL, and the API key is sent in its own header"
        ));
    }
    if url.query().is_some() || url.fragment().is_some() {
        return refuse(&format!("`{shown}…` has a query or fragment"));
    }
    let loopback = match url.host() {
        None => return refuse(&format!("`{text}` has no host")),
        Some(url::Host::Domain(name)) => name == "localhost",
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
    };
    match url.scheme() {
        "https" => {}
        "http" if loopback => {}
        "http" => {
            return refuse(&format!(
                "`{shown}` is plain HTTP to a host that is not loopback: use https:// (plain \
                 HTTP is allowed only for 127.0.0.0/8, [::1] and localhost)"
            ));
        }
        other => return refuse(&format!("scheme `{other}` is not https://")),
    }
    Ok(url.as_str().trim_end_matches('/').to_string())
}
