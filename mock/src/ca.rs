//! The mock's own CA: a root and an intermediate (ECDSA P-256, made with rcgen), and a leaf
//! signed for each issued order: the key of the order's CSR (or, for an order without one, a
//! key made for the recipient's browser step and discarded), the order's common name, its
//! emails as rfc822Name subject alternative names, and its validity. With a folder
//! ([`MockConfig::ca_dir`](crate::MockConfig::ca_dir)) the CA is kept there (`root.pem`,
//! `intermediate.pem` and their keys) and reused on restart, so that
//! `openssl verify -CAfile DIR/root.pem -untrusted DIR/intermediate.pem leaf.pem` passes for
//! every certificate the mock ever issued with it.

use rcgen::{
    BasicConstraints, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa, Issuer, KeyPair,
    KeyUsagePurpose, PublicKeyData, SanType, SignatureAlgorithm,
};
use std::path::Path;
use std::time::SystemTime;
use x509_parser::prelude::FromDer;

/// The CA's certificates, and the intermediate's key to sign with.
pub(crate) struct Ca {
    /// The root's certificate, PEM.
    pub(crate) root_pem: String,
    /// The intermediate's certificate, PEM.
    pub(crate) intermediate_pem: String,
    /// The root's and the intermediate's certificates, DER (for the download formats).
    pub(crate) root_der: Vec<u8>,
    pub(crate) intermediate_der: Vec<u8>,
    issuer: Issuer<'static, KeyPair>,
}

impl std::fmt::Debug for Ca {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Ca").finish_non_exhaustive()
    }
}

/// Where the leaf's key comes from.
pub(crate) enum Key<'a> {
    /// The order's CSR (PEM), whose signature is checked.
    Csr(&'a str),
    /// A key made now (the recipient's browser step, whose private key never leaves it).
    Browser,
}

/// What a leaf certifies.
pub(crate) struct Leaf<'a> {
    pub(crate) key: Key<'a>,
    pub(crate) common_name: &'a str,
    pub(crate) emails: &'a [String],
    pub(crate) not_before: SystemTime,
    pub(crate) not_after: SystemTime,
    /// The serial number's bytes (positive, at most 20).
    pub(crate) serial: Vec<u8>,
}

/// A certificate the CA signed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Issued {
    pub(crate) der: Vec<u8>,
    /// The serial number in upper-case hex, as CertCentral shows it.
    pub(crate) serial: String,
}

const FILES: [&str; 4] = [
    "root.pem",
    "root.key",
    "intermediate.pem",
    "intermediate.key",
];

impl Ca {
    /// The CA kept in `dir` (created there when any of its files is missing), or a new one in
    /// memory.
    pub(crate) fn open(dir: Option<&Path>) -> std::io::Result<Ca> {
        let Some(dir) = dir else {
            return Ca::create();
        };
        let existing: Vec<_> = FILES.iter().map(|f| dir.join(f)).collect();
        if existing.iter().all(|p| p.is_file()) {
            let read = |i: usize| std::fs::read_to_string(&existing[i]);
            return Ca::load(&read(0)?, &read(2)?, &read(3)?).map_err(|e| {
                std::io::Error::new(
                    std::io::ErrorKind::InvalidData,
                    format!(
                        "the CA in {} cannot be read ({e}): remove it to make a new one",
                        dir.display()
                    ),
                )
            });
        }
        std::fs::create_dir_all(dir)?;
        let (ca, root_key, intermediate_key) = Ca::make()?;
        let contents = [
            ca.root_pem.as_str(),
            root_key.as_str(),
            ca.intermediate_pem.as_str(),
            intermediate_key.as_str(),
        ];
        for (path, text) in existing.iter().zip(contents) {
            write_private(path, text, path.extension().is_some_and(|e| e == "key"))?;
        }
        Ok(ca)
    }

    fn create() -> std::io::Result<Ca> {
        Ca::make().map(|(ca, _, _)| ca)
    }

    /// A new root and intermediate, with the PEM of their keys.
    fn make() -> std::io::Result<(Ca, String, String)> {
        let fail = |e: rcgen::Error| std::io::Error::other(format!("cannot make the mock CA: {e}"));
        let now = time::OffsetDateTime::now_utc();
        let ca_params = |name: &str, constraint| {
            let mut params = CertificateParams::default();
            params.distinguished_name.push(DnType::CommonName, name);
            params
                .distinguished_name
                .push(DnType::OrganizationName, "certcentral-mock");
            params.is_ca = IsCa::Ca(constraint);
            params.key_usages = vec![
                KeyUsagePurpose::KeyCertSign,
                KeyUsagePurpose::CrlSign,
                KeyUsagePurpose::DigitalSignature,
            ];
            params.not_before = now - time::Duration::days(1);
            params.not_after = now + time::Duration::days(365 * 30);
            params
        };
        let root_key = KeyPair::generate().map_err(fail)?;
        let root_params = ca_params("certcentral-mock Root CA", BasicConstraints::Unconstrained);
        let root = root_params.self_signed(&root_key).map_err(fail)?;
        let root_pem_key = root_key.serialize_pem();
        let root_issuer = Issuer::new(root_params, root_key);
        let intermediate_key = KeyPair::generate().map_err(fail)?;
        let mut intermediate_params = ca_params(
            "certcentral-mock Client Issuing CA",
            BasicConstraints::Constrained(0),
        );
        intermediate_params.use_authority_key_identifier_extension = true;
        let intermediate = intermediate_params
            .signed_by(&intermediate_key, &root_issuer)
            .map_err(fail)?;
        let intermediate_pem_key = intermediate_key.serialize_pem();
        let ca = Ca {
            root_pem: root.pem(),
            intermediate_pem: intermediate.pem(),
            root_der: root.der().to_vec(),
            intermediate_der: intermediate.der().to_vec(),
            issuer: Issuer::new(intermediate_params, intermediate_key),
        };
        Ok((ca, root_pem_key, intermediate_pem_key))
    }

    fn load(root_pem: &str, intermediate_pem: &str, key_pem: &str) -> Result<Ca, String> {
        let der = |pem: &str| {
            x509_parser::pem::parse_x509_pem(pem.as_bytes())
                .map(|(_, p)| p.contents)
                .map_err(|e| e.to_string())
        };
        let key = KeyPair::from_pem(key_pem).map_err(|e| e.to_string())?;
        let issuer = Issuer::from_ca_cert_pem(intermediate_pem, key).map_err(|e| e.to_string())?;
        Ok(Ca {
            root_pem: root_pem.to_string(),
            intermediate_pem: intermediate_pem.to_string(),
            root_der: der(root_pem)?,
            intermediate_der: der(intermediate_pem)?,
            issuer,
        })
    }

    /// Signs a leaf.
    pub(crate) fn issue(&self, leaf: &Leaf<'_>) -> Result<Issued, String> {
        let mut params = CertificateParams::default();
        params
            .distinguished_name
            .push(DnType::CommonName, leaf.common_name);
        for email in leaf.emails {
            let name = email
                .as_str()
                .try_into()
                .map_err(|e| format!("{email}: {e}"))?;
            params.subject_alt_names.push(SanType::Rfc822Name(name));
        }
        params.not_before = leaf.not_before.into();
        params.not_after = leaf.not_after.into();
        params.serial_number = Some(leaf.serial.clone().into());
        params.use_authority_key_identifier_extension = true;
        params.is_ca = IsCa::ExplicitNoCa;
        params.key_usages = vec![
            KeyUsagePurpose::DigitalSignature,
            KeyUsagePurpose::KeyEncipherment,
        ];
        params.extended_key_usages = vec![
            ExtendedKeyUsagePurpose::EmailProtection,
            ExtendedKeyUsagePurpose::ClientAuth,
        ];
        let certificate = match leaf.key {
            Key::Csr(pem) => {
                let key = CsrKey::read(pem)?;
                if key.ec {
                    // An EC key agrees on a key to encrypt with; it does not encipher one.
                    params.key_usages = vec![
                        KeyUsagePurpose::DigitalSignature,
                        KeyUsagePurpose::KeyAgreement,
                    ];
                }
                params.signed_by(&key, &self.issuer)
            }
            Key::Browser => {
                let key = KeyPair::generate().map_err(|e| e.to_string())?;
                params.key_usages = vec![
                    KeyUsagePurpose::DigitalSignature,
                    KeyUsagePurpose::KeyAgreement,
                ];
                params.signed_by(&key, &self.issuer)
            }
        }
        .map_err(|e| e.to_string())?;
        Ok(Issued {
            der: certificate.der().to_vec(),
            serial: leaf.serial.iter().map(|b| format!("{b:02X}")).collect(),
        })
    }
}

/// Whether a CSR can be issued for: PEM, a request whose signature verifies, a key type
/// DigiCert issues for.
pub(crate) fn check_csr(pem: &str) -> Result<(), String> {
    CsrKey::read(pem).map(|_| ())
}

/// The public key of a CSR whose signature was checked: its SubjectPublicKeyInfo as the CSR
/// carries it, and the algorithm rcgen writes it with.
struct CsrKey {
    spki: Vec<u8>,
    key: Vec<u8>,
    algorithm: &'static SignatureAlgorithm,
    ec: bool,
}

impl CsrKey {
    fn read(pem: &str) -> Result<CsrKey, String> {
        let (_, pem) = x509_parser::pem::parse_x509_pem(pem.as_bytes())
            .map_err(|e| format!("the CSR is not PEM: {e}"))?;
        let (_, csr) =
            x509_parser::certification_request::X509CertificationRequest::from_der(&pem.contents)
                .map_err(|e| format!("the CSR does not parse: {e}"))?;
        csr.verify_signature()
            .map_err(|e| format!("the CSR's signature does not verify: {e}"))?;
        let spki = &csr.certification_request_info.subject_pki;
        let oid = spki.algorithm.algorithm.to_id_string();
        let curve = spki
            .algorithm
            .parameters
            .as_ref()
            .and_then(|p| p.as_oid().ok())
            .map(|o| o.to_id_string());
        let (algorithm, ec) = match (oid.as_str(), curve.as_deref()) {
            ("1.2.840.113549.1.1.1", _) => (&rcgen::PKCS_RSA_SHA256, false),
            ("1.2.840.10045.2.1", Some("1.2.840.10045.3.1.7")) => {
                (&rcgen::PKCS_ECDSA_P256_SHA256, true)
            }
            ("1.2.840.10045.2.1", Some("1.3.132.0.34")) => (&rcgen::PKCS_ECDSA_P384_SHA384, true),
            ("1.3.101.112", _) => (&rcgen::PKCS_ED25519, false),
            _ => {
                return Err(format!(
                    "the CSR's key type ({oid}) is not one DigiCert issues for"
                ));
            }
        };
        Ok(CsrKey {
            spki: spki.raw.to_vec(),
            key: spki.subject_public_key.data.to_vec(),
            algorithm,
            ec,
        })
    }
}

impl PublicKeyData for CsrKey {
    fn subject_public_key_info(&self) -> Vec<u8> {
        self.spki.clone()
    }

    fn der_bytes(&self) -> &[u8] {
        &self.key
    }

    fn algorithm(&self) -> &'static SignatureAlgorithm {
        self.algorithm
    }
}

/// Writes a file of the CA; a key readable by its owner only.
fn write_private(path: &Path, text: &str, secret: bool) -> std::io::Result<()> {
    use std::io::Write;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    if secret {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    #[cfg(not(unix))]
    let _ = secret;
    options.open(path)?.write_all(text.as_bytes())
}
