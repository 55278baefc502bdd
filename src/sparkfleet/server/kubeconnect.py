"""`connect`: a `RemoteCluster` to any Kubernetes API, found and authenticated the way kubectl does it.

The kubeconfig is read with lightkube's configuration layer (`lightkube.config`): contexts, clusters and
users, the cluster's CA (file or inline data), client certificates, bearer tokens, token files and exec
credential plugins such as EKS's `aws eks get-token`. lightkube and not kr8s: kr8s is async-first and
wraps objects in classes, while the port hands out plain dicts from a sync client that controller threads
share; only lightkube's configuration is used, the REST calls stay RemoteCluster's own.

Where the configuration comes from, as client-go looks (explicit path first):

1. the `kubeconfig` argument;
2. `$KUBECONFIG`, a list of files separated by `os.pathsep`, merged as kubectl merges them (the first file
   to name a cluster, user or context wins, and the first `current-context` set);
3. `~/.kube/config`;
4. in a pod: `KUBERNETES_SERVICE_HOST`/`KUBERNETES_SERVICE_PORT` and the service account's token, CA
   and namespace under `SERVICE_ACCOUNT_DIR` (the token file is re-read when the API answers 401, as
   the kubelet rotates it).
"""

from __future__ import annotations

import dataclasses
import json
import os
from collections.abc import Generator
from pathlib import Path
from typing import Any

import httpx
import yaml
from lightkube.config import client_adapter
from lightkube.config.kubeconfig import KubeConfig, SingleConfig
from lightkube.config.models import NameValue, User, UserExec
from lightkube.core.exceptions import ConfigError

from sparkfleet.cluster import ClusterError
from sparkfleet.server.client import RemoteCluster

__all__ = [
    "DEFAULT_KUBECONFIG",
    "SERVICE_ACCOUNT_DIR",
    "KubeconfigError",
    "connect",
    "load_kubeconfig",
    "select_context",
]

SERVICE_ACCOUNT_DIR = Path("/var/run/secrets/kubernetes.io/serviceaccount")
DEFAULT_KUBECONFIG = Path("~/.kube/config")

# The exec credential versions client-go speaks. lightkube checks for the beta ones only; the token is in
# `status.token` in all of them, so a v1 plugin is run as v1beta1 and told v1 in KUBERNETES_EXEC_INFO.
_EXEC_V1 = "client.authentication.k8s.io/v1"
_EXEC_V1BETA1 = "client.authentication.k8s.io/v1beta1"
# Kubeconfig fields naming files, resolved against the file that holds them before files are merged.
_CLUSTER_FILES = ("certificate-authority",)
_USER_FILES = ("client-certificate", "client-key", "tokenFile")


class KubeconfigError(ClusterError):
    """The kubeconfig cannot be read or used: missing, malformed, an unknown context, a failing exec
    plugin. The message names the file or context and what to change."""

    reason = "InvalidKubeconfig"
    code = 400


def _read_file(path: Path) -> dict[str, Any]:
    try:
        document = yaml.safe_load(path.read_text())
    except OSError as exc:
        raise KubeconfigError(f"cannot read kubeconfig {path}: {exc.strerror or exc}") from exc
    except yaml.YAMLError as exc:
        raise KubeconfigError(f"kubeconfig {path} is not valid YAML: {exc}") from exc
    if document is None:
        return {}
    if not isinstance(document, dict):
        raise KubeconfigError(
            f"kubeconfig {path} must be a mapping (kind: Config), not {type(document).__name__}"
        )
    return _absolute_files(document, path.parent)


def _absolute_files(document: dict[str, Any], base: Path) -> dict[str, Any]:
    """The document with relative file names made absolute against `base`, as kubectl resolves them."""

    def resolve(entry: object, fields: tuple[str, ...]) -> None:
        if isinstance(entry, dict):
            for name in fields:
                value = entry.get(name)
                if isinstance(value, str) and value and not Path(value).expanduser().is_absolute():
                    entry[name] = str(base / value)

    for item in document.get("clusters") or []:
        resolve(item.get("cluster") if isinstance(item, dict) else None, _CLUSTER_FILES)
    for item in document.get("users") or []:
        resolve(item.get("user") if isinstance(item, dict) else None, _USER_FILES)
    return document


def _merge(documents: list[dict[str, Any]]) -> dict[str, Any]:
    """kubectl's merge of several kubeconfigs: the first entry of a name wins, and the first
    current-context set."""
    merged: dict[str, Any] = {"clusters": [], "users": [], "contexts": []}
    for section in ("clusters", "users", "contexts"):
        seen: set[str] = set()
        for document in documents:
            for item in document.get(section) or []:
                name = item.get("name") if isinstance(item, dict) else None
                if isinstance(name, str) and name not in seen:
                    seen.add(name)
                    merged[section].append(item)
    current = next((d["current-context"] for d in documents if d.get("current-context")), None)
    if current is not None:
        merged["current-context"] = current
    return merged


def _from_files(paths: list[Path]) -> KubeConfig:
    documents = [_read_file(path) for path in paths]
    try:
        return KubeConfig.from_dict(_merge(documents), fname=paths[0])
    except (KeyError, TypeError, ValueError) as exc:
        files = ", ".join(str(p) for p in paths)
        raise KubeconfigError(
            f"kubeconfig {files} has a malformed entry ({exc}): every cluster, user and context needs "
            "a name and its cluster/user/context mapping"
        ) from exc


def _in_cluster() -> KubeConfig | None:
    host, port = os.environ.get("KUBERNETES_SERVICE_HOST"), os.environ.get("KUBERNETES_SERVICE_PORT")
    if not host or not port:
        return None
    try:
        return KubeConfig.from_service_account(service_account=SERVICE_ACCOUNT_DIR)
    except ConfigError as exc:
        raise KubeconfigError(
            f"in-cluster config: KUBERNETES_SERVICE_HOST is set but the service account under "
            f"{SERVICE_ACCOUNT_DIR} is incomplete ({exc}); mount a service account token"
        ) from exc


def load_kubeconfig(kubeconfig: Path | str | None = None) -> KubeConfig:
    """The configuration `connect` uses (see the module docstring for where it is looked for)."""
    if kubeconfig is not None:
        path = Path(kubeconfig).expanduser()
        if not path.is_file():
            raise KubeconfigError(f"kubeconfig {path} does not exist")
        return _from_files([path])
    listed = [Path(p).expanduser() for p in os.environ.get("KUBECONFIG", "").split(os.pathsep) if p]
    existing = [p for p in listed if p.is_file()]  # kubectl skips the missing ones
    if existing:
        return _from_files(existing)
    default = DEFAULT_KUBECONFIG.expanduser()
    if default.is_file():
        return _from_files([default])
    in_cluster = _in_cluster()
    if in_cluster is not None:
        return in_cluster
    looked = f"$KUBECONFIG ({', '.join(map(str, listed))}), " if listed else ""
    raise KubeconfigError(
        f"no kubeconfig found: looked at {looked}{default} and for an in-cluster service account; "
        "pass a kubeconfig, set KUBECONFIG, or run `sparkfleet kubeconfig --merge`"
    )


def _source(config: KubeConfig) -> str:
    return f"kubeconfig {config.fname}" if config.fname else "the in-cluster config"


def select_context(config: KubeConfig, context: str | None = None) -> SingleConfig:
    """The named context (else the current one) with its cluster and user, or a KubeconfigError naming
    the contexts there are."""
    available = ", ".join(sorted(config.contexts)) or "none"
    name = context or config.current_context
    if not name:
        raise KubeconfigError(f"{_source(config)} sets no current-context: pass a context ({available})")
    chosen = config.contexts.get(name)
    if chosen is None:
        raise KubeconfigError(f'context "{name}" is not in {_source(config)}; its contexts: {available}')
    if chosen.cluster not in config.clusters:
        raise KubeconfigError(
            f'context "{name}" names cluster "{chosen.cluster}", which {_source(config)} lacks'
        )
    if chosen.user and chosen.user not in config.users:
        raise KubeconfigError(f'context "{name}" names user "{chosen.user}", which {_source(config)} lacks')
    selected = config.get(name)
    assert selected is not None  # a named context always selects one
    return selected


def _exec_as_client_go(user: User) -> User:
    """The user with its exec plugin told what client-go tells it (KUBERNETES_EXEC_INFO), v1 included."""
    plugin = user.exec
    if plugin is None:
        return user
    info = {"apiVersion": plugin.apiVersion, "kind": "ExecCredential", "spec": {"interactive": False}}
    env = [*(plugin.env or []), NameValue(name="KUBERNETES_EXEC_INFO", value=json.dumps(info))]
    version = _EXEC_V1BETA1 if plugin.apiVersion == _EXEC_V1 else plugin.apiVersion
    exec_: UserExec = dataclasses.replace(plugin, apiVersion=version, env=env)
    return dataclasses.replace(user, exec=exec_)


class _Explained(httpx.Auth):
    """lightkube's auth, its failures (an exec plugin that is missing or fails, a token file gone)
    raised as KubeconfigError naming the context, not as a traceback from inside httpx."""

    def __init__(self, inner: httpx.Auth, context: str) -> None:
        self._inner = inner
        self._context = context

    def sync_auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        flow = self._inner.sync_auth_flow(request)
        try:
            outgoing = next(flow)
            while True:
                response = yield outgoing
                outgoing = flow.send(response)
        except StopIteration:
            return
        except (ConfigError, OSError, ValueError, KeyError) as exc:
            raise KubeconfigError(
                f'the credentials of context "{self._context}" could not be had: {exc}'
            ) from exc


def _http_client(selected: SingleConfig, timeout: float) -> httpx.Client:
    user = _exec_as_client_go(selected.user) if selected.user else User()
    try:
        verify = client_adapter.verify_cluster(selected.cluster, user, selected.abs_file)
        auth = client_adapter.user_auth(user)
    except (ConfigError, OSError, ValueError) as exc:
        raise KubeconfigError(f'context "{selected.context_name}" cannot be used: {exc}') from exc
    return httpx.Client(
        base_url=selected.cluster.server,
        verify=verify,
        auth=_Explained(auth, selected.context_name) if auth is not None else None,
        timeout=timeout,
    )


def connect(
    kubeconfig: Path | str | None = None,
    context: str | None = None,
    *,
    timeout: float = 30.0,
    user_agent: str = "sparkfleet",
) -> RemoteCluster:
    """The `Cluster` port over the API server of `context` (else the current context) in `kubeconfig`
    (else `$KUBECONFIG`, `~/.kube/config`, then the in-cluster service account). Objects given without a
    namespace go to the context's namespace, as with kubectl."""
    selected = select_context(load_kubeconfig(kubeconfig), context)
    http = _http_client(selected, timeout)
    return RemoteCluster(
        selected.cluster.server, http=http, namespace=selected.namespace, user_agent=user_agent
    )
