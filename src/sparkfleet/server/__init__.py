"""The local HTTP API: the Kubernetes REST conventions over the `Cluster` port, token-protected on loopback.

`create_app` builds the ASGI app, `start_server`/`serve` run it with uvicorn, and `RemoteCluster` is the
`Cluster` port over it for the command line; `connect` opens one on any Kubernetes API from a kubeconfig.

Each name is imported from its module when first used, so a command that only talks to a running
server (`sparkfleet get`) loads the HTTP client, not the ASGI app, uvicorn or the TLS tooling.
"""

from __future__ import annotations

import sys
from importlib import import_module
from types import ModuleType
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from sparkfleet.server.app import create_app, streams_of
    from sparkfleet.server.auth import Authenticator, BearerAuth, new_token
    from sparkfleet.server.client import RemoteCluster, RemoteWatch
    from sparkfleet.server.console.pages import Console
    from sparkfleet.server.crds import crds_yaml, custom_resource_definitions
    from sparkfleet.server.handlers import LogReader
    from sparkfleet.server.kubeconnect import KubeconfigError, connect
    from sparkfleet.server.limits import ObjectQuota, RequestLimits
    from sparkfleet.server.serve import ServerHandle, TlsFiles, bind_socket, kubeconfig, serve, start_server
    from sparkfleet.server.tls import ensure_pki
    from sparkfleet.server.tokens import TokenError, add_token, delete_token, list_tokens
    from sparkfleet.server.watchstream import StreamRegistry

_MODULE_OF = {
    "create_app": "app",
    "streams_of": "app",
    "Authenticator": "auth",
    "BearerAuth": "auth",
    "new_token": "auth",
    "RemoteCluster": "client",
    "RemoteWatch": "client",
    "Console": "console.pages",
    "crds_yaml": "crds",
    "custom_resource_definitions": "crds",
    "LogReader": "handlers",
    "KubeconfigError": "kubeconnect",
    "connect": "kubeconnect",
    "ObjectQuota": "limits",
    "RequestLimits": "limits",
    "ServerHandle": "serve",
    "TlsFiles": "serve",
    "bind_socket": "serve",
    "kubeconfig": "serve",
    "serve": "serve",
    "start_server": "serve",
    "ensure_pki": "tls",
    "TokenError": "tokens",
    "add_token": "tokens",
    "delete_token": "tokens",
    "list_tokens": "tokens",
    "StreamRegistry": "watchstream",
}
"""Each exported name and the module of this package that defines it."""


class _Face(ModuleType):
    """This package, its exported names read from their modules. A name is looked up on every read, not
    stored here: importing a module of the package binds it on the package under the module's name,
    and `serve` is both a module and the function it defines."""

    def __getattribute__(self, name: str) -> Any:
        module = _MODULE_OF.get(name)
        if module is None:
            return super().__getattribute__(name)
        return getattr(import_module(f"{__name__}.{module}"), name)


sys.modules[__name__].__class__ = _Face

__all__ = [
    "Authenticator",
    "BearerAuth",
    "Console",
    "KubeconfigError",
    "LogReader",
    "ObjectQuota",
    "RemoteCluster",
    "RemoteWatch",
    "RequestLimits",
    "ServerHandle",
    "StreamRegistry",
    "TlsFiles",
    "TokenError",
    "add_token",
    "bind_socket",
    "connect",
    "crds_yaml",
    "create_app",
    "custom_resource_definitions",
    "delete_token",
    "ensure_pki",
    "kubeconfig",
    "list_tokens",
    "new_token",
    "serve",
    "start_server",
    "streams_of",
]
