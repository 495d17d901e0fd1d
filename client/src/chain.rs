//! An issued certificate as the user checks it: the chain CertCentral sends (`pem_all`), parsed
//! with `x509-parser` into typed certificates, leaf first, each with what a user reads (serial,
//! validity, subject, emails, public key), and its signatures verified link by link.

use crate::Client;
use crate::error::Error;
use crate::types::CertificateFormat;
use std::time::{Duration, SystemTime};
use x509_parser::prelude::{FromDer, GeneralName, X509Certificate};

/// Why a chain cannot be read or does not hold together.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ChainError {
    /// The text holds no PEM certificate.
    #[error("no PEM certificate in the download")]
    Empty,
    /// Certificate `index` (0-based, in the order sent) cannot be read.
    #[error("certificate {index} of the download cannot be read: {reason}")]
    Unreadable {
        /// Its place in the download.
        index: usize,
        /// What is wrong.
        reason: String,
    },
    /// The certificates do not form one chain from a leaf.
    #[error("the certificates do not form one chain: {0}")]
    NotAChain(String),
    /// A certificate's signature does not verify with its issuer's key.
    #[error("the signature of `{subject}` does not verify with its issuer's key: {reason}")]
    BadSignature {
        /// The subject of the certificate whose signature fails.
        subject: String,
        /// What the check said.
        reason: String,
    },
    /// A certificate is not valid at the time checked.
    #[error("`{subject}` is not valid now (valid from {not_before:?} to {not_after:?})")]
    NotValidNow {
        /// Its subject.
        subject: String,
        /// Its first moment of validity.
        not_before: SystemTime,
        /// Its last.
        not_after: SystemTime,
    },
}

/// One certificate of a chain, parsed.
#[derive(Clone, PartialEq, Eq)]
pub struct Certificate {
    der: Vec<u8>,
    serial: String,
    subject: String,
    issuer: String,
    not_before: SystemTime,
    not_after: SystemTime,
    emails: Vec<String>,
    public_key: Vec<u8>,
    is_ca: bool,
}

impl std::fmt::Debug for Certificate {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Certificate")
            .field("subject", &self.subject)
            .field("serial", &self.serial)
            .field("not_after", &self.not_after)
            .field("emails", &self.emails)
            .finish_non_exhaustive()
    }
}

fn time_of(t: x509_parser::time::ASN1Time) -> SystemTime {
    let secs = t.timestamp();
    match u64::try_from(secs) {
        Ok(after) => SystemTime::UNIX_EPOCH + Duration::from_secs(after),
        Err(_) => SystemTime::UNIX_EPOCH - Duration::from_secs(secs.unsigned_abs()),
    }
}

impl Certificate {
    /// Parses one DER certificate.
    ///
    /// ```
    /// let err = certcentral::Certificate::from_der(b"not DER".to_vec()).unwrap_err();
    /// assert!(err.to_string().contains("cannot be read"));
    /// ```
    pub fn from_der(der: Vec<u8>) -> Result<Certificate, ChainError> {
        Certificate::parse(der, 0)
    }

    fn parse(der: Vec<u8>, index: usize) -> Result<Certificate, ChainError> {
        let unreadable = |reason: String| ChainError::Unreadable { index, reason };
        let (rest, cert) =
            X509Certificate::from_der(&der).map_err(|e| unreadable(e.to_string()))?;
        if !rest.is_empty() {
            return Err(unreadable(format!("{} bytes after it", rest.len())));
        }
        let mut emails: Vec<String> = cert
            .subject()
            .iter_email()
            .filter_map(|e| e.as_str().ok().map(str::to_string))
            .collect();
        if let Ok(Some(san)) = cert.subject_alternative_name() {
            for name in &san.value.general_names {
                if let GeneralName::RFC822Name(email) = name
                    && !emails.iter().any(|e| e.eq_ignore_ascii_case(email))
                {
                    emails.push((*email).to_string());
                }
            }
        }
        let serial = cert
            .tbs_certificate
            .raw_serial()
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        let parsed = Certificate {
            serial,
            subject: cert.subject().to_string(),
            issuer: cert.issuer().to_string(),
            not_before: time_of(cert.validity().not_before),
            not_after: time_of(cert.validity().not_after),
            emails,
            public_key: cert.public_key().raw.to_vec(),
            is_ca: cert.is_ca(),
            der: Vec::new(),
        };
        Ok(Certificate { der, ..parsed })
    }

    /// The certificate, DER.
    pub fn der(&self) -> &[u8] {
        &self.der
    }

    /// The certificate, PEM.
    pub fn pem(&self) -> String {
        let block = pem::Pem::new("CERTIFICATE", self.der.clone());
        pem::encode_config(
            &block,
            pem::EncodeConfig::new().set_line_ending(pem::LineEnding::LF),
        )
    }

    /// The serial number, lower-case hex.
    pub fn serial(&self) -> &str {
        &self.serial
    }

    /// The subject, as RFC 4514 text (`CN=Alice Example, O=…`).
    pub fn subject(&self) -> &str {
        &self.subject
    }

    /// The issuer, as RFC 4514 text.
    pub fn issuer(&self) -> &str {
        &self.issuer
    }

    /// The first moment it is valid.
    pub fn not_before(&self) -> SystemTime {
        self.not_before
    }

    /// The last moment it is valid.
    pub fn not_after(&self) -> SystemTime {
        self.not_after
    }

    /// Its email addresses: the subject's `emailAddress` and the subject alternative name's
    /// RFC 822 names, each once.
    pub fn emails(&self) -> &[String] {
        &self.emails
    }

    /// Its public key, as the DER `SubjectPublicKeyInfo`: equal to a key's (or a CSR's) when
    /// the certificate is for that key.
    pub fn public_key_der(&self) -> &[u8] {
        &self.public_key
    }

    /// Whether it is a CA certificate (basic constraints).
    pub fn is_ca(&self) -> bool {
        self.is_ca
    }

    fn is_self_signed(&self) -> bool {
        self.subject == self.issuer
    }
}

/// A certificate's chain: the leaf, the intermediates that link it to a root, and the root
/// when it was sent.
///
/// ```
/// let err = certcentral::CertificateChain::from_pem(b"no certificate here").unwrap_err();
/// assert_eq!(err, certcentral::ChainError::Empty);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CertificateChain {
    /// Leaf first, each certificate's issuer after it.
    certificates: Vec<Certificate>,
}

impl CertificateChain {
    /// Reads PEM certificates (in any order) into a chain from its leaf: the one certificate
    /// that issued none of the others, then each one's issuer.
    pub fn from_pem(pem: &[u8]) -> Result<CertificateChain, ChainError> {
        let mut certificates = Vec::new();
        for (index, block) in x509_parser::pem::Pem::iter_from_buffer(pem).enumerate() {
            let block = block.map_err(|e| ChainError::Unreadable {
                index,
                reason: e.to_string(),
            })?;
            if block.label == "CERTIFICATE" {
                certificates.push(Certificate::parse(block.contents, index)?);
            }
        }
        CertificateChain::from_certificates(certificates)
    }

    /// Orders `certificates` into a chain from its leaf.
    fn from_certificates(
        mut certificates: Vec<Certificate>,
    ) -> Result<CertificateChain, ChainError> {
        if certificates.is_empty() {
            return Err(ChainError::Empty);
        }
        let issues_another = |c: &Certificate, all: &[Certificate]| {
            all.iter()
                .any(|o| !std::ptr::eq(o, c) && !o.is_self_signed() && o.issuer == c.subject)
        };
        let leaves: Vec<usize> = (0..certificates.len())
            .filter(|&i| !issues_another(&certificates[i], &certificates))
            .collect();
        let [leaf] = leaves[..] else {
            return Err(ChainError::NotAChain(format!(
                "{} certificates issue none of the others (one leaf expected)",
                leaves.len()
            )));
        };
        let mut chain = vec![certificates.swap_remove(leaf)];
        while !certificates.is_empty() {
            let last = &chain[chain.len() - 1];
            if last.is_self_signed() {
                break;
            }
            let Some(next) = certificates.iter().position(|c| c.subject == last.issuer) else {
                break;
            };
            chain.push(certificates.swap_remove(next));
        }
        if let Some(stray) = certificates.first() {
            return Err(ChainError::NotAChain(format!(
                "`{}` is not on the leaf's chain",
                stray.subject
            )));
        }
        Ok(CertificateChain {
            certificates: chain,
        })
    }

    /// The certificate issued for the order.
    pub fn leaf(&self) -> &Certificate {
        &self.certificates[0]
    }

    /// The CA certificates between the leaf and the root.
    pub fn intermediates(&self) -> &[Certificate] {
        let end = self.certificates.len() - usize::from(self.root().is_some());
        &self.certificates[1..end.max(1)]
    }

    /// The self-signed root, when the download holds it.
    pub fn root(&self) -> Option<&Certificate> {
        self.certificates
            .last()
            .filter(|c| self.certificates.len() > 1 && c.is_self_signed())
    }

    /// Every certificate, leaf first.
    pub fn certificates(&self) -> &[Certificate] {
        &self.certificates
    }

    /// The leaf and the intermediates, PEM: what a server or a mail client presents.
    pub fn pem_without_root(&self) -> String {
        let end = self.certificates.len() - usize::from(self.root().is_some());
        self.certificates[..end]
            .iter()
            .map(Certificate::pem)
            .collect()
    }

    /// Checks the chain link by link: each certificate's signature with its issuer's key (the
    /// root's with its own), and each valid at `at`. Whether the root is one you trust is
    /// yours to check (compare [`CertificateChain::root`] with it).
    pub fn verify(&self, at: SystemTime) -> Result<(), ChainError> {
        for (i, cert) in self.certificates.iter().enumerate() {
            if at < cert.not_before || at > cert.not_after {
                return Err(ChainError::NotValidNow {
                    subject: cert.subject.clone(),
                    not_before: cert.not_before,
                    not_after: cert.not_after,
                });
            }
            let issuer = match self.certificates.get(i + 1) {
                Some(issuer) => issuer,
                None if cert.is_self_signed() => cert,
                None => continue, // the root was not sent: nothing to check it with
            };
            verify_signature(cert, issuer)?;
        }
        Ok(())
    }
}

fn verify_signature(cert: &Certificate, issuer: &Certificate) -> Result<(), ChainError> {
    let bad = |reason: String| ChainError::BadSignature {
        subject: cert.subject.clone(),
        reason,
    };
    let (_, parsed) = X509Certificate::from_der(&cert.der).map_err(|e| bad(e.to_string()))?;
    let (_, parent) = X509Certificate::from_der(&issuer.der).map_err(|e| bad(e.to_string()))?;
    parsed
        .verify_signature(Some(parent.public_key()))
        .map_err(|e| bad(e.to_string()))
}

impl Client {
    /// Downloads an issued order's certificate with its chain (`pem_all`) and reads it into a
    /// [`CertificateChain`], leaf first. An order without an issued certificate is an
    /// [`Error::Api`]; a download that is not a chain of certificates is an
    /// [`Error::NoAnswer`] naming what is wrong.
    ///
    /// ```no_run
    /// # async fn run(client: certcentral::Client) -> Result<(), certcentral::Error> {
    /// let chain = client.download_chain(112233).await?;
    /// let leaf = chain.leaf();
    /// println!("{} ({:?}), serial {}, valid until {:?}", leaf.subject(), leaf.emails(), leaf.serial(), leaf.not_after());
    /// chain.verify(std::time::SystemTime::now()).expect("the chain holds together");
    /// # Ok(()) }
    /// ```
    pub async fn download_chain(&self, order_id: i64) -> Result<CertificateChain, Error> {
        let pem = self
            .download_certificate(order_id, CertificateFormat::PemAll)
            .await?;
        CertificateChain::from_pem(&pem).map_err(|e| Error::NoAnswer {
            operation: "download_certificate_by_order",
            reason: format!("the download is not a certificate chain: {e}"),
            source: Some(Box::new(e)),
        })
    }
}
