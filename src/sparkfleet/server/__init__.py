"""The local HTTP API: the Kubernetes REST conventions over the `Cluster` port, token-protected on loopback.

`create_app` builds the ASGI app, `start_server`/`serve` run it with uvicorn, and `RemoteCluster` is the
`Cluster` port over it for the command line.
"""

from sparkfleet.server.app import create_app, streams_of
from sparkfleet.server.auth import new_token
from sparkfleet.server.client import RemoteCluster, RemoteWatch
from sparkfleet.server.handlers import LogReader
from sparkfleet.server.serve import ServerHandle, TlsFiles, bind_socket, kubeconfig, serve, start_server
from sparkfleet.server.tls import ensure_pki
from sparkfleet.server.tokens import TokenError, add_token, delete_token, list_tokens

__all__ = [
    "LogReader",
    "RemoteCluster",
    "RemoteWatch",
    "ServerHandle",
    "TlsFiles",
    "TokenError",
    "add_token",
    "bind_socket",
    "create_app",
    "delete_token",
    "ensure_pki",
    "kubeconfig",
    "list_tokens",
    "new_token",
    "serve",
    "start_server",
    "streams_of",
]
