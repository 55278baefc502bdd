"""How a Spark driver on the embedded cluster reaches the cluster's API: its URL, and credentials given to
the driver as files in its pod's directory, never on its command line.

On EKS a driver reads its service account's token and the cluster CA from
/var/run/secrets/kubernetes.io/serviceaccount; here the kubelet writes the token (0600, without a final
newline: fabric8 sends the file's bytes as the header value, and refuses a line break) into
`<pod dir>/serviceaccount/token`, and the driver's conf names it and the cluster CA
(spark.kubernetes.authenticate.driver.mounted.oauthTokenFile and .caCertFile, the keys Spark reads in
a driver it submitted in cluster mode).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from sparkfleet.privatefiles import write_private
from sparkfleet.runtime.local.paths import contain

__all__ = ["ApiAccess", "PodCredentials", "write_credentials"]

SERVICE_ACCOUNT_DIR = "serviceaccount"


@dataclass(frozen=True, slots=True)
class ApiAccess:
    """The cluster's API as its pods reach it."""

    url: str
    """https://127.0.0.1:PORT (http:// when the server runs without TLS)."""
    token: str
    ca_file: Path | None
    """The CA the server's certificate is signed by; None without TLS."""


@dataclass(frozen=True, slots=True)
class PodCredentials:
    token_file: Path
    ca_file: Path | None


def write_credentials(access: ApiAccess, pod_dir: Path) -> PodCredentials:
    """The token file (0600) in the pod's directory, and the CA to trust."""
    directory = contain(pod_dir / SERVICE_ACCOUNT_DIR, pod_dir, "the pod's service-account directory")
    directory.mkdir(parents=True, exist_ok=True)
    directory.chmod(0o700)
    token_file = directory / "token"
    write_private(token_file, access.token)
    return PodCredentials(token_file, access.ca_file)
