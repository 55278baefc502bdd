"""The local HTTP API: the Kubernetes REST conventions over the `Cluster` port, token-protected on loopback.

`create_app` builds the ASGI app, `start_server`/`serve` run it with uvicorn, and `RemoteCluster` is the
`Cluster` port over it for the command line.
"""

from sparkfleet.server.app import create_app, streams_of
from sparkfleet.server.auth import new_token
from sparkfleet.server.client import RemoteCluster, RemoteWatch
from sparkfleet.server.handlers import LogReader
from sparkfleet.server.serve import ServerHandle, TlsFiles, kubeconfig, serve, start_server

__all__ = [
    "LogReader",
    "RemoteCluster",
    "RemoteWatch",
    "ServerHandle",
    "TlsFiles",
    "create_app",
    "kubeconfig",
    "new_token",
    "serve",
    "start_server",
    "streams_of",
]
