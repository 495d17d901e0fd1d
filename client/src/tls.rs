//! TLS for every connection the SDK opens (CertCentral over HTTPS, Redis over `rediss://`):
//! the *ring* provider given to each configuration alone. Nothing process-wide is read or
//! installed, so an application may install its own default provider (aws-lc-rs for FIPS, say)
//! before or after building a client.

use crate::error::Error;
use rustls::RootCertStore;
use std::sync::Arc;

/// A client configuration that trusts `roots` when given, else the platform's trust store (as
/// reqwest's default does).
pub(crate) fn config(roots: Option<&RootCertStore>) -> Result<rustls::ClientConfig, Error> {
    let fail = |e: rustls::Error| Error::Config(format!("could not set up TLS: {e}"));
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let builder = rustls::ClientConfig::builder_with_provider(provider.clone())
        .with_safe_default_protocol_versions()
        .map_err(fail)?;
    Ok(match roots {
        Some(roots) => builder.with_root_certificates(roots.clone()),
        None => {
            let verifier = rustls_platform_verifier::Verifier::new(provider).map_err(fail)?;
            builder
                .dangerous()
                .with_custom_certificate_verifier(Arc::new(verifier))
        }
    }
    .with_no_client_auth())
}

/// The certificates of a PEM bundle as a root store; `what` names the setting in errors.
#[cfg(feature = "redis")]
pub(crate) fn roots_from_pem(pem: &[u8], what: &str) -> Result<RootCertStore, Error> {
    use rustls::pki_types::CertificateDer;
    use rustls::pki_types::pem::PemObject;
    let refuse = |rule: String| Err(Error::Config(format!("{what}: {rule}")));
    let mut roots = RootCertStore::empty();
    for cert in CertificateDer::pem_slice_iter(pem) {
        let cert = match cert {
            Ok(cert) => cert,
            Err(e) => return refuse(format!("not a PEM certificate bundle ({e})")),
        };
        if let Err(e) = roots.add(cert) {
            return refuse(format!("a certificate cannot be a trust root ({e})"));
        }
    }
    if roots.is_empty() {
        return refuse("no `BEGIN CERTIFICATE` block in the PEM bundle".into());
    }
    Ok(roots)
}
