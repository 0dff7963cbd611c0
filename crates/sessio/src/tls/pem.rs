//! Reading certificates from PEM text, files and directories, with typed errors.

use std::fmt;
use std::io;
use std::path::{Path, PathBuf};

use rustls_pki_types::CertificateDer;
use rustls_pki_types::pem::PemObject;
use sessio_core::__private::error;
use sessio_core::{Error, ErrorKind, Result};

/// Parses PEM text into certificates; at least one is required.
pub(crate) fn certificates_from_pem(pem: &[u8]) -> Result<Vec<CertificateDer<'static>>> {
    let certs = CertificateDer::pem_slice_iter(pem)
        .collect::<std::result::Result<Vec<_>, _>>()
        .map_err(|e| tls_setup_error(format!("invalid PEM certificate: {e}")))?;
    if certs.is_empty() {
        return Err(tls_setup_error(
            "no certificate found in the PEM text".to_owned(),
        ));
    }
    Ok(certs)
}

/// The certificates of a CA bundle: a PEM file, or a directory whose files
/// hold PEM certificates (as OpenSSL's `c_rehash` leaves them). In a directory,
/// files without certificates are skipped; a bundle without any is an error.
pub(crate) fn read_ca_bundle(path: &Path) -> Result<Vec<CertificateDer<'static>>> {
    let metadata = std::fs::metadata(path).map_err(|e| file_error("CA bundle", path, e))?;
    if !metadata.is_dir() {
        let pem = read_file("CA bundle", path)?;
        return certificates_from_pem(&pem).map_err(|_| {
            tls_setup_error(format!(
                "the CA bundle {} holds no PEM certificate",
                path.display()
            ))
        });
    }
    let entries = std::fs::read_dir(path).map_err(|e| file_error("CA directory", path, e))?;
    let mut files: Vec<PathBuf> = entries
        .filter_map(|entry| entry.ok().map(|entry| entry.path()))
        .filter(|file| file.is_file())
        .collect();
    files.sort();
    let mut certs = Vec::new();
    for file in files {
        let pem = read_file("CA bundle", &file)?;
        if let Ok(found) = certificates_from_pem(&pem) {
            certs.extend(found);
        }
    }
    if certs.is_empty() {
        return Err(tls_setup_error(format!(
            "the CA directory {} holds no PEM certificate",
            path.display()
        )));
    }
    Ok(certs)
}

/// A file's bytes, or a builder error naming what it was for.
pub(crate) fn read_file(what: &'static str, path: &Path) -> Result<Vec<u8>> {
    std::fs::read(path).map_err(|e| file_error(what, path, e))
}

fn file_error(what: &'static str, path: &Path, source: io::Error) -> Error {
    error(
        ErrorKind::Builder,
        UnreadableFile {
            what,
            path: path.to_owned(),
            source,
        },
    )
}

/// A builder error about the TLS configuration.
pub(crate) fn tls_setup_error(why: String) -> Error {
    error(ErrorKind::Builder, TlsSetup(why))
}

#[derive(Debug)]
struct TlsSetup(String);

impl fmt::Display for TlsSetup {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "TLS configuration: {}", self.0)
    }
}

impl std::error::Error for TlsSetup {}

/// A certificate, key or bundle file that could not be read.
#[derive(Debug)]
struct UnreadableFile {
    what: &'static str,
    path: PathBuf,
    source: io::Error,
}

impl fmt::Display for UnreadableFile {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "could not read the {} {}",
            self.what,
            self.path.display()
        )
    }
}

impl std::error::Error for UnreadableFile {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(&self.source)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ROOT: &str = include_str!("test_root.pem");

    fn temp_dir(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("sessio-pem-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        dir
    }

    #[test]
    fn a_bundle_file_and_a_directory_give_their_certificates() {
        let dir = temp_dir("bundle");
        let file = dir.join("ca.pem");
        std::fs::write(&file, format!("{ROOT}{ROOT}")).unwrap();
        assert_eq!(read_ca_bundle(&file).unwrap().len(), 2);

        std::fs::write(dir.join("README"), "not a certificate").unwrap();
        std::fs::write(dir.join("b1c2d3e4.0"), ROOT).unwrap();
        std::fs::create_dir(dir.join("sub")).unwrap();
        assert_eq!(
            read_ca_bundle(&dir).unwrap().len(),
            3,
            "two in ca.pem, one in b1c2d3e4.0"
        );
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn missing_empty_and_certificate_less_bundles_are_builder_errors() {
        let dir = temp_dir("bad");
        let missing = dir.join("missing.pem");
        let err = read_ca_bundle(&missing).unwrap_err();
        assert!(err.is_builder());
        assert!(err.report().to_string().contains("missing.pem"), "{err}");
        let source = std::error::Error::source(&err).unwrap();
        assert!(source.to_string().contains("missing.pem"), "{source}");

        std::fs::write(dir.join("notes.txt"), "nothing here").unwrap();
        let err = read_ca_bundle(&dir).unwrap_err();
        assert!(
            err.is_builder() && err.report().to_string().contains("no PEM certificate"),
            "{err}"
        );
        let err = read_ca_bundle(&dir.join("notes.txt")).unwrap_err();
        assert!(
            err.is_builder() && err.report().to_string().contains("no PEM certificate"),
            "{err}"
        );
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
