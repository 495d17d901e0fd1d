//! The download formats, each made from an issued certificate and the CA's chain: PEM bundles,
//! PEM-armoured PKCS#7, and ZIP archives of PEM files, with the media type CertCentral sends.

use certcentral_table::responses::CertificateFormat;

/// A download's body and media type.
pub(crate) struct Download {
    pub(crate) media_type: &'static str,
    pub(crate) body: Vec<u8>,
}

/// The certificate `leaf` with the chain `intermediate`, `root` (each DER) in `format`.
pub(crate) fn download(
    format: CertificateFormat,
    leaf: &[u8],
    intermediate: &[u8],
    root: &[u8],
) -> Result<Download, String> {
    let pems = |ders: &[&[u8]]| {
        ders.iter()
            .map(|d| pem("CERTIFICATE", d))
            .collect::<String>()
    };
    let pem_file = |body: String| Download {
        media_type: "application/x-pem-file",
        body: body.into_bytes(),
    };
    let pkcs7 = || Download {
        media_type: "application/x-pkcs7-certificates",
        body: pem("PKCS7", &certs_only(&[leaf, intermediate, root])).into_bytes(),
    };
    Ok(match format {
        CertificateFormat::PemAll => pem_file(pems(&[leaf, intermediate, root])),
        CertificateFormat::PemNoroot => pem_file(pems(&[leaf, intermediate])),
        CertificateFormat::PemNointermediate => pem_file(pems(&[leaf])),
        CertificateFormat::P7b | CertificateFormat::Cer => pkcs7(),
        CertificateFormat::Default | CertificateFormat::DefaultPem => zip(&[
            ("certificate.crt", pems(&[leaf])),
            ("intermediate.crt", pems(&[intermediate])),
            ("root.crt", pems(&[root])),
        ])?,
        CertificateFormat::DefaultCer => zip(&[
            ("certificate.cer", pems(&[leaf])),
            ("intermediate.cer", pems(&[intermediate])),
            ("root.cer", pems(&[root])),
        ])?,
        CertificateFormat::Apache => zip(&[
            ("certificate.crt", pems(&[leaf])),
            ("intermediate.crt", pems(&[intermediate])),
        ])?,
    })
}

/// `der` as PEM with `label` (lines of 64 characters, `\n` endings).
pub(crate) fn pem(label: &str, der: &[u8]) -> String {
    let config = ::pem::EncodeConfig::new().set_line_ending(::pem::LineEnding::LF);
    ::pem::encode_config(&::pem::Pem::new(label, der), config)
}

/// A "certs-only" PKCS#7 (RFC 2315 SignedData with no content and no signers), what `p7b`
/// bundles are. By hand: the envelope is a few fixed DER headers around the certificates; a
/// CMS crate would bring a second ASN.1 stack into the mock for it.
fn certs_only(certificates: &[&[u8]]) -> Vec<u8> {
    const SIGNED_DATA: &[u8] = &[
        0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x07, 0x02,
    ];
    const DATA: &[u8] = &[
        0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x07, 0x01,
    ];
    let certs: Vec<u8> = certificates.concat();
    let signed_data = tlv(
        0x30,
        &[
            &[0x02, 0x01, 0x01][..], // version 1
            &tlv(0x31, &[]),         // digestAlgorithms: none
            &tlv(0x30, &[DATA]),     // contentInfo: data, no content
            &tlv(0xa0, &[&certs]),   // [0] IMPLICIT certificates
            &tlv(0x31, &[]),         // signerInfos: none
        ],
    );
    tlv(0x30, &[SIGNED_DATA, &tlv(0xa0, &[&signed_data])])
}

/// A DER tag, its definite length, and the concatenated `parts`.
fn tlv(tag: u8, parts: &[&[u8]]) -> Vec<u8> {
    let len: usize = parts.iter().map(|p| p.len()).sum();
    let mut out = vec![tag];
    if len < 0x80 {
        out.push(len as u8);
    } else {
        let bytes: Vec<u8> = len
            .to_be_bytes()
            .into_iter()
            .skip_while(|b| *b == 0)
            .collect();
        out.push(0x80 | bytes.len() as u8);
        out.extend(bytes);
    }
    for p in parts {
        out.extend_from_slice(p);
    }
    out
}

/// A ZIP archive of `files` (stored, as PEM compresses little).
fn zip(files: &[(&str, String)]) -> Result<Download, String> {
    use std::io::Write;
    let mut writer = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let options =
        zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
    for (name, text) in files {
        writer
            .start_file(*name, options)
            .and_then(|()| writer.write_all(text.as_bytes()).map_err(Into::into))
            .map_err(|e| e.to_string())?;
    }
    let body = writer.finish().map_err(|e| e.to_string())?.into_inner();
    Ok(Download {
        media_type: "application/zip",
        body,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn der_lengths_and_pem() {
        assert_eq!(
            pem("X", b"foobar"),
            "-----BEGIN X-----\nZm9vYmFy\n-----END X-----\n"
        );
        assert_eq!(tlv(0x04, &[&[1, 2]]), [0x04, 2, 1, 2]);
        let long = vec![0u8; 300];
        assert_eq!(&tlv(0x04, &[&long])[..4], &[0x04, 0x82, 0x01, 0x2c]);
    }
}
