"""What a cluster's home holds for the command line: the files `sparkfleet up` writes there and the
running server they describe (cli/daemon.py starts and stops that server).

Every verb that talks to a cluster reads `server.json` first, so this module imports only the standard
library: finding out that no server runs costs nothing of the platform.
"""

from __future__ import annotations

import contextlib
import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import ssl

__all__ = [
    "DEFAULT_API_PORT",
    "KUBECONFIG_FILE",
    "LOG_FILE",
    "PKI_DIR",
    "PORT_FILE",
    "SERVER_FILE",
    "TOKENS_FILE",
    "TOKEN_FILE",
    "ServerInfo",
    "process_alive",
    "read_server",
]

SERVER_FILE = "server.json"
KUBECONFIG_FILE = "kubeconfig"
LOG_FILE = "server.log"
TOKEN_FILE = "token"
TOKENS_FILE = "tokens.json"
"""Named tokens (server/tokens.py), made and revoked by `sparkfleet token`."""
PORT_FILE = "api-port"
PKI_DIR = "pki"
DEFAULT_API_PORT = 16443
"""The first `up`'s port: kube-apiserver's 6443 moved up, as a local k3s or kubeadm often holds 6443."""


@dataclass(frozen=True)
class ServerInfo:
    url: str
    token: str
    pid: int
    ca_file: Path | None = None
    """The CA that signed the server's certificate (None: plain HTTP)."""

    def verify(self) -> ssl.SSLContext | bool:
        """What an httpx client should check the server's certificate against."""
        import ssl

        return ssl.create_default_context(cafile=str(self.ca_file)) if self.ca_file else True


def read_server(home: Path) -> ServerInfo | None:
    """The running server of this cluster, or None (no file, or its process is gone)."""
    try:
        data = json.loads((home / SERVER_FILE).read_text())
        ca = data.get("ca")
        info = ServerInfo(
            str(data["url"]), str(data["token"]), int(data["pid"]), Path(ca) if ca is not None else None
        )
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return None
    return info if process_alive(info.pid) else None


def process_alive(pid: int) -> bool:
    with contextlib.suppress(ChildProcessError):
        os.waitpid(pid, os.WNOHANG)  # reap it if it is our child and has exited
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
