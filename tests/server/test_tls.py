"""The cluster's CA and serving certificate: made once, kept private, reused, renewed near their end."""

from __future__ import annotations

import ipaddress
import os
import stat
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from cryptography import x509
from cryptography.x509.oid import ExtendedKeyUsageOID
from starlette.applications import Starlette

from sparkfleet.server import RemoteCluster, start_server
from sparkfleet.server.tls import (
    CA_CERT,
    CA_KEY,
    CA_VALIDITY,
    RENEW_BEFORE,
    SERVER_CERT,
    SERVER_KEY,
    SERVING_VALIDITY,
    ensure_pki,
)
from support.objects import pod

from .builders import TOKEN

NOW = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
FILES = (CA_CERT, CA_KEY, SERVER_CERT, SERVER_KEY)


@pytest.fixture(autouse=True)
def permissive_umask() -> Iterator[None]:
    """With umask 0 every mode checked below is the code's own, not the umask's."""
    previous = os.umask(0)
    yield
    os.umask(previous)


def certificate(path: Path) -> x509.Certificate:
    return x509.load_pem_x509_certificate(path.read_bytes())


def contents(directory: Path) -> dict[str, bytes]:
    return {name: (directory / name).read_bytes() for name in FILES}


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_the_first_call_makes_a_ca_and_a_serving_certificate_it_signs_for_loopback(tmp_path: Path) -> None:
    tls = ensure_pki(tmp_path / "pki", NOW)
    assert (tls.certfile, tls.keyfile, tls.trusted) == (
        tmp_path / "pki" / SERVER_CERT,
        tmp_path / "pki" / SERVER_KEY,
        tmp_path / "pki" / CA_CERT,
    )
    ca, serving = certificate(tls.trusted), certificate(tls.certfile)
    assert ca.issuer == ca.subject
    assert ca.extensions.get_extension_for_class(x509.BasicConstraints).value.ca
    assert ca.extensions.get_extension_for_class(x509.KeyUsage).value.key_cert_sign
    serving.verify_directly_issued_by(ca)
    names = serving.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert names.get_values_for_type(x509.DNSName) == ["localhost"]
    assert names.get_values_for_type(x509.IPAddress) == [ipaddress.ip_address("127.0.0.1")]
    assert not serving.extensions.get_extension_for_class(x509.BasicConstraints).value.ca
    usages = serving.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
    assert list(usages) == [ExtendedKeyUsageOID.SERVER_AUTH]
    for cert, validity in ((ca, CA_VALIDITY), (serving, SERVING_VALIDITY)):
        assert cert.not_valid_before_utc < NOW
        assert cert.not_valid_after_utc == NOW + validity


def test_the_directory_and_every_file_are_private_to_their_owner(tmp_path: Path) -> None:
    ensure_pki(tmp_path / "pki", NOW)
    assert mode(tmp_path / "pki") == 0o700
    assert {name: mode(tmp_path / "pki" / name) for name in FILES} == dict.fromkeys(FILES, 0o600)
    assert sorted(p.name for p in (tmp_path / "pki").iterdir()) == sorted(FILES), "no temporary files left"


def test_loosened_modes_are_tightened_again(tmp_path: Path) -> None:
    ensure_pki(tmp_path / "pki", NOW)
    (tmp_path / "pki").chmod(0o755)
    (tmp_path / "pki" / CA_KEY).chmod(0o644)
    ensure_pki(tmp_path / "pki", NOW)
    assert mode(tmp_path / "pki") == 0o700
    assert mode(tmp_path / "pki" / CA_KEY) == 0o600


def test_a_later_call_reuses_the_ca_and_the_serving_certificate(tmp_path: Path) -> None:
    ensure_pki(tmp_path / "pki", NOW)
    first = contents(tmp_path / "pki")
    ensure_pki(tmp_path / "pki", NOW + timedelta(days=200))
    assert contents(tmp_path / "pki") == first


def test_a_serving_certificate_near_its_end_is_reissued_by_the_same_ca(tmp_path: Path) -> None:
    ensure_pki(tmp_path / "pki", NOW)
    first = contents(tmp_path / "pki")
    later = NOW + SERVING_VALIDITY - RENEW_BEFORE
    tls = ensure_pki(tmp_path / "pki", later)
    again = contents(tmp_path / "pki")
    assert (again[CA_CERT], again[CA_KEY]) == (first[CA_CERT], first[CA_KEY])
    assert again[SERVER_CERT] != first[SERVER_CERT]
    assert again[SERVER_KEY] != first[SERVER_KEY]
    renewed = certificate(tls.certfile)
    renewed.verify_directly_issued_by(certificate(tls.trusted))
    assert renewed.not_valid_after_utc == later + SERVING_VALIDITY


@pytest.mark.parametrize("lost", [SERVER_CERT, SERVER_KEY])
def test_a_lost_serving_file_is_remade_and_the_ca_kept(tmp_path: Path, lost: str) -> None:
    ensure_pki(tmp_path / "pki", NOW)
    first = contents(tmp_path / "pki")
    (tmp_path / "pki" / lost).unlink()
    ensure_pki(tmp_path / "pki", NOW)
    again = contents(tmp_path / "pki")
    assert again[CA_CERT] == first[CA_CERT]
    assert again[SERVER_KEY] != first[SERVER_KEY]


def test_a_serving_key_that_does_not_match_its_certificate_is_remade(tmp_path: Path) -> None:
    ensure_pki(tmp_path / "pki", NOW)
    first = contents(tmp_path / "pki")
    (tmp_path / "pki" / SERVER_KEY).write_bytes(first[CA_KEY])
    tls = ensure_pki(tmp_path / "pki", NOW)
    assert (tmp_path / "pki" / SERVER_KEY).read_bytes() not in (first[CA_KEY], first[SERVER_KEY])
    certificate(tls.certfile).verify_directly_issued_by(certificate(tls.trusted))


def test_a_lost_ca_key_makes_a_new_ca_and_a_serving_certificate_signed_by_it(tmp_path: Path) -> None:
    ensure_pki(tmp_path / "pki", NOW)
    first = contents(tmp_path / "pki")
    (tmp_path / "pki" / CA_KEY).unlink()
    tls = ensure_pki(tmp_path / "pki", NOW + timedelta(seconds=1))
    again = contents(tmp_path / "pki")
    assert again[CA_CERT] != first[CA_CERT]
    assert again[SERVER_CERT] != first[SERVER_CERT]
    certificate(tls.certfile).verify_directly_issued_by(certificate(tls.trusted))


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost"])
def test_a_server_with_the_certificate_is_trusted_through_the_ca_alone(
    app: Starlette, tmp_path: Path, host: str
) -> None:
    # A real handshake checks validity against the real clock.
    tls = ensure_pki(tmp_path / "pki", datetime.now(UTC))
    with start_server(app, TOKEN, tls=tls) as handle:
        url = f"https://{host}:{handle.port}"
        with RemoteCluster(url, TOKEN, ca_file=tls.trusted, timeout=10.0) as remote:
            remote.create(pod("p"))
            assert [p["metadata"]["name"] for p in remote.list("Pod").items] == ["p"]
        with httpx.Client(base_url=url, timeout=5) as untrusting, pytest.raises(httpx.ConnectError):
            untrusting.get("/healthz")
