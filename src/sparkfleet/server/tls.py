"""The cluster's own certificate authority and the API's serving certificate, kept as kind and k3s keep
theirs.

`ensure_pki(directory, now)` creates, on first use, a self-signed CA and a serving certificate it signs
for 127.0.0.1 and localhost (IP and DNS names), ECDSA P-256 keys as k3s makes them:

    ca.crt  ca.key  server.crt  server.key      (the directory 0700, every file 0600)

Later calls reuse them. The CA stays while it is valid, so kubeconfigs that trust it keep working; the
serving certificate is reissued when it is missing, unreadable, near its end, no longer signed by the CA
or no longer for the names above.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from sparkfleet.privatefiles import private_dir, private_file, write_private
from sparkfleet.server.serve import TlsFiles

__all__ = [
    "CA_CERT",
    "CA_KEY",
    "CA_VALIDITY",
    "RENEW_BEFORE",
    "SERVER_CERT",
    "SERVER_KEY",
    "SERVING_DNS_NAMES",
    "SERVING_IPS",
    "SERVING_VALIDITY",
    "ensure_pki",
]

CA_CERT, CA_KEY = "ca.crt", "ca.key"
SERVER_CERT, SERVER_KEY = "server.crt", "server.key"
CA_VALIDITY = timedelta(days=3650)
SERVING_VALIDITY = timedelta(days=365)
RENEW_BEFORE = timedelta(days=90)
"""A certificate this close to its end is replaced at the next start (k3s's rule)."""
SERVING_DNS_NAMES = ("localhost",)
SERVING_IPS = (ipaddress.ip_address("127.0.0.1"),)
# Backdated a little, so a client whose clock runs slightly behind still accepts a fresh certificate.
_BACKDATE = timedelta(minutes=5)
_SERVER_SUBJECT = "sparkfleet-apiserver"


@dataclass(frozen=True)
class _Pair:
    certificate: x509.Certificate
    key: ec.EllipticCurvePrivateKey


def ensure_pki(directory: Path, now: datetime) -> TlsFiles:
    """The CA and serving certificate in `directory`, created or renewed as needed (see the module)."""
    private_dir(directory)
    files = TlsFiles(directory / SERVER_CERT, directory / SERVER_KEY, directory / CA_CERT)
    ca = _load(directory / CA_CERT, directory / CA_KEY)
    if ca is None or _ending(ca.certificate, now):
        ca = _new_ca(now)
        _store(ca, directory / CA_CERT, directory / CA_KEY)
    serving = _load(files.certfile, files.keyfile)
    if serving is None or _ending(serving.certificate, now) or not _fits(serving.certificate, ca):
        _store(_new_serving(ca, now), files.certfile, files.keyfile)
    for path in (files.certfile, files.keyfile, directory / CA_CERT, directory / CA_KEY):
        private_file(path)  # tightens files a user copied in or loosened
    return files


def _load(certfile: Path, keyfile: Path) -> _Pair | None:
    """The certificate and its key, or None when either is missing, unreadable or not the other's."""
    try:
        certificate = x509.load_pem_x509_certificate(certfile.read_bytes())
        key = serialization.load_pem_private_key(keyfile.read_bytes(), password=None)
    except (OSError, ValueError, TypeError):
        return None
    if not isinstance(key, ec.EllipticCurvePrivateKey) or _spki(key.public_key()) != _spki(
        certificate.public_key()
    ):
        return None
    return _Pair(certificate, key)


def _spki(public_key: object) -> bytes:
    if not isinstance(public_key, ec.EllipticCurvePublicKey):
        return b""
    return public_key.public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )


def _ending(certificate: x509.Certificate, now: datetime) -> bool:
    return certificate.not_valid_after_utc - RENEW_BEFORE <= now


def _fits(certificate: x509.Certificate, ca: _Pair) -> bool:
    """Signed by this CA and for exactly the serving names."""
    try:
        certificate.verify_directly_issued_by(ca.certificate)
        names = certificate.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    except (ValueError, TypeError, InvalidSignature, x509.ExtensionNotFound):
        return False
    return set(names.get_values_for_type(x509.DNSName)) == set(SERVING_DNS_NAMES) and set(
        names.get_values_for_type(x509.IPAddress)
    ) == set(SERVING_IPS)


def _store(pair: _Pair, certfile: Path, keyfile: Path) -> None:
    # The key first: a start interrupted in between leaves a pair that `_load` refuses, so it is remade.
    write_private(
        keyfile,
        pair.key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        ),
    )
    write_private(certfile, pair.certificate.public_bytes(serialization.Encoding.PEM))


def _new_ca(now: datetime) -> _Pair:
    key = ec.generate_private_key(ec.SECP256R1())
    # A name unique to this CA (k3s's `k3s-server-ca@<seconds>`), so certificates of an older one are
    # not mistaken for its own.
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, f"sparkfleet-ca@{int(now.timestamp())}")])
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - _BACKDATE)
        .not_valid_after(now + CA_VALIDITY)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(_key_usage(cert_sign=True), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(key, hashes.SHA256())
    )
    return _Pair(certificate, key)


def _new_serving(ca: _Pair, now: datetime) -> _Pair:
    key = ec.generate_private_key(ec.SECP256R1())
    names: list[x509.GeneralName] = [x509.DNSName(n) for n in SERVING_DNS_NAMES]
    names += [x509.IPAddress(ip) for ip in SERVING_IPS]
    certificate = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, _SERVER_SUBJECT)]))
        .issuer_name(ca.certificate.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - _BACKDATE)
        .not_valid_after(min(now + SERVING_VALIDITY, ca.certificate.not_valid_after_utc))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(_key_usage(cert_sign=False), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(x509.SubjectAlternativeName(names), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca.key.public_key()), critical=False
        )
        .sign(ca.key, hashes.SHA256())
    )
    return _Pair(certificate, key)


def _key_usage(*, cert_sign: bool) -> x509.KeyUsage:
    return x509.KeyUsage(
        digital_signature=True,
        content_commitment=False,
        key_encipherment=False,
        data_encipherment=False,
        key_agreement=False,
        key_cert_sign=cert_sign,
        crl_sign=cert_sign,
        encipher_only=False,
        decipher_only=False,
    )
