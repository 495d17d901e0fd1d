//! `--generate-keys DIR`: a new key pair per order, written (readable by its owner only, synced)
//! before the order is sent, and a CSR for it sent as `certificate.csr`. The key is named by the
//! order's alternative id: an order has one id, so one key; an order sent again with its id (a
//! resume) reuses its key; a key is never made for an order already sent without one.
//!
//! RSA 2048 by default: every mail client reads RSA S/MIME certificates, while ECDSA is
//! refused by Outlook for Mac and by Thunderbird before NSS 3.100 for encryption. ECDSA P-256
//! is offered (`--key-type p256`) for clients that take it.

use clap::ValueEnum;
use rcgen::{CertificateParams, DnType, KeyPair, PublicKeyData, SanType};
use std::io::Write;
use std::path::{Path, PathBuf};

/// The kind of key made for each order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, ValueEnum)]
pub enum KeyType {
    /// RSA 2048 (PKCS#1 v1.5 with SHA-256): read by every mail client.
    #[default]
    Rsa2048,
    /// ECDSA on P-256 with SHA-256: smaller and faster, not read by every mail client.
    P256,
}

/// An order's key: where it is, and a CSR for it (PEM).
pub struct OrderKey {
    pub path: PathBuf,
    pub csr: String,
}

/// The key file of the order with alternative id `id` in `dir`.
pub fn path_of(dir: &Path, id: &str) -> PathBuf {
    dir.join(format!("{id}.key"))
}

/// The key of the order with alternative id `id`, made (and on disk before this returns) or,
/// when a run made it before, read again; and a CSR for it naming `common_name` and `emails`.
pub fn for_order(
    dir: &Path,
    key_type: KeyType,
    id: &str,
    common_name: &str,
    emails: &[String],
) -> Result<OrderKey, String> {
    let path = path_of(dir, id);
    let key = if path.exists() {
        read(&path)?
    } else {
        let key = generate(key_type)?;
        write_private(&path, key.serialize_pem().as_bytes())?;
        key
    };
    let mut params = CertificateParams::default();
    params
        .distinguished_name
        .push(DnType::CommonName, common_name);
    params.subject_alt_names = emails
        .iter()
        .map(|e| {
            e.as_str()
                .try_into()
                .map(SanType::Rfc822Name)
                .map_err(|_| format!("`{e}` cannot be put in a CSR"))
        })
        .collect::<Result<_, _>>()?;
    let csr = params
        .serialize_request(&key)
        .and_then(|csr| csr.pem())
        .map_err(|e| format!("cannot make a CSR: {e}"))?;
    Ok(OrderKey { path, csr })
}

fn generate(key_type: KeyType) -> Result<KeyPair, String> {
    match key_type {
        KeyType::P256 => KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256)
            .map_err(|e| format!("cannot make a key: {e}")),
        KeyType::Rsa2048 => {
            use rsa::pkcs8::EncodePrivateKey;
            let key = rsa::RsaPrivateKey::new(&mut rand_core::OsRng, 2048)
                .map_err(|e| format!("cannot make an RSA key: {e}"))?;
            let der = key
                .to_pkcs8_der()
                .map_err(|e| format!("cannot encode the RSA key: {e}"))?;
            KeyPair::try_from(der.as_bytes()).map_err(|e| format!("cannot use the RSA key: {e}"))
        }
    }
}

/// Reads a key file made by `--generate-keys`: refused when others can read it (a key that
/// may have leaked is not used: remove it, or `chmod 600` it if you know it did not).
pub fn read(path: &Path) -> Result<KeyPair, String> {
    let shown = path.display();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(path)
            .map_err(|e| format!("cannot read the key {shown}: {e}"))?
            .permissions()
            .mode();
        if mode & 0o077 != 0 {
            return Err(format!(
                "the key {shown} can be read by others (mode {:o}): it is not used; if it \
                 did not leak, `chmod 600` it and run again",
                mode & 0o777
            ));
        }
    }
    let pem =
        std::fs::read_to_string(path).map_err(|e| format!("cannot read the key {shown}: {e}"))?;
    KeyPair::from_pem(&pem)
        .or_else(|_| KeyPair::from_pem_and_sign_algo(&pem, &rcgen::PKCS_RSA_SHA256))
        .map_err(|e| format!("the key {shown} cannot be read: {e}"))
}

/// The key's public key, as the DER `SubjectPublicKeyInfo` a certificate carries.
pub fn public_key(key: &KeyPair) -> Vec<u8> {
    key.subject_public_key_info()
}

/// Writes a new file only its owner can read (mode 0600 from its creation, never wider),
/// synced to disk, and refuses to replace one.
pub fn write_private(path: &Path, bytes: &[u8]) -> Result<(), String> {
    let shown = path.display();
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file = options
        .open(path)
        .map_err(|e| format!("cannot create {shown}: {e}"))?;
    file.write_all(bytes)
        .and_then(|()| file.sync_all())
        .map_err(|e| format!("cannot write {shown}: {e}"))
}

/// Makes `dir` (readable by its owner only) if it is missing.
pub fn prepare_dir(dir: &Path) -> Result<(), String> {
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        builder.mode(0o700);
    }
    builder
        .create(dir)
        .map_err(|e| format!("cannot make the folder {}: {e}", dir.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_rsa_key_makes_a_csr_for_it() {
        let dir = tempfile::tempdir().unwrap();
        let emails = vec!["a@example.com".to_string()];
        let made = for_order(dir.path(), KeyType::Rsa2048, "cc2", "A", &emails).unwrap();
        let pem = std::fs::read_to_string(&made.path).unwrap();
        assert!(pem.contains("BEGIN PRIVATE KEY"));
        let key = read(&made.path).unwrap();
        assert!(key.is_compatible(&rcgen::PKCS_RSA_SHA256));
        assert!(made.csr.contains("BEGIN CERTIFICATE REQUEST"));
    }

    #[test]
    fn a_key_is_made_once_per_order_and_reused() {
        let dir = tempfile::tempdir().unwrap();
        let emails = vec!["a@example.com".to_string()];
        let first = for_order(dir.path(), KeyType::P256, "cc1", "A", &emails).unwrap();
        let again = for_order(dir.path(), KeyType::P256, "cc1", "A", &emails).unwrap();
        assert_eq!(first.path, again.path);
        let key = read(&first.path).unwrap();
        assert_eq!(public_key(&key), public_key(&read(&again.path).unwrap()));
        assert!(first.csr.contains("BEGIN CERTIFICATE REQUEST"));
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&first.path).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
            std::fs::set_permissions(&first.path, std::fs::Permissions::from_mode(0o644)).unwrap();
            let refused = read(&first.path).err().unwrap();
            assert!(
                refused.contains("can be read by others (mode 644)"),
                "{refused}"
            );
        }
    }
}
