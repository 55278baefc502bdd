"""The `services/proxy` subresource: `/api/v1/namespaces/{ns}/services/{id}/proxy[/{path}]`, as
kube-apiserver serves it, so `kubectl get --raw`, `kubectl proxy` and the web console's links reach a
pod's server (a driver's Spark UI and REST API) through the API.

`{id}` is `name`, `name:port` or `scheme:name:port` (scheme http or https; port a service port's number
or name), as kube-apiserver splits it. The Service is read, its port found, and one of the Running, Ready
pods its selector picks is the endpoint, on the container port the service port's targetPort names (by
number, or by container port name). The request (method, query, body; not the client's credentials) goes
to where that pod's process listens: on the embedded cluster every pod runs on this machine, at its pod
IP (loopback), on the container port or the loopback port the kubelet recorded for it
(ANNOTATION_LOOPBACK_PORTS: each driver's Spark UI has a port of its own). The answer is streamed back.

Behind the same bearer token as every API path; a read-only token is refused (403, as RBAC words it for
`services/proxy`): even a GET reaches the pod's server, which may act on it, so it is no read of the
cluster, and Kubernetes' `view` role grants no proxy subresource either.

Failures answer a Status as kube-apiserver's: 400 for an id it cannot split, 404 for a missing Service,
503 for a port number the Service does not have ("no service port 8080 found for service ..."), for no
Running pod ("no endpoints available for service ..."), and when the pod does not answer ("error trying
to reach service: ...").

Deviations (docs/api-compatibility.md): endpoints come from the selector at the time of the request (no
Endpoints objects); only pods whose IP is a loopback address are reached; HTML is streamed as it is
(kube-apiserver rewrites root-relative links in text/html; Spark's UI carries its proxy path itself,
`spark.ui.proxyBase`), while redirects to the pod are rewritten under the proxy path as it does; no
protocol upgrades (WebSocket).
"""

from __future__ import annotations

import ipaddress
import random
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import anyio
import httpx
from starlette.background import BackgroundTask
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response, StreamingResponse
from starlette.routing import Route

from sparkfleet.api.wire import ANNOTATION_LOOPBACK_PORTS, parse_loopback_ports
from sparkfleet.cluster import BadRequest, Cluster, ClusterError, Obj
from sparkfleet.server.access import READ_ONLY_SCOPE_KEY
from sparkfleet.server.audit import rbac_verb
from sparkfleet.server.auth import USER_SCOPE_KEY
from sparkfleet.server.console import COOKIE
from sparkfleet.server.errors import Forbidden, RequestEntityTooLarge, RequestTimeout, ServiceUnavailable
from sparkfleet.server.limits import RequestLimits
from sparkfleet.server.request import error_response

__all__ = [
    "PROXY_METHODS",
    "Endpoint",
    "ServiceId",
    "ServiceProxy",
    "forwarded_path",
    "parse_service_id",
    "proxy_forbidden",
    "resolve_endpoint",
]

PROXY_METHODS = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]
_SCHEMES = frozenset({"", "http", "https"})
# Hop-by-hop headers (RFC 9110 7.6.1) are the connection's, never forwarded; nor are the credentials the
# client proved itself with to this server (kube-apiserver drops Authorization once it has authenticated).
_HOP_BY_HOP = frozenset(
    {
        "connection",
        "keep-alive",
        "proxy-authenticate",
        "proxy-authorization",
        "proxy-connection",
        "te",
        "trailer",
        "transfer-encoding",
        "upgrade",
    }
)
_NOT_FORWARDED = _HOP_BY_HOP | {"authorization", "host", "content-length"}
_TIMEOUT = httpx.Timeout(connect=5.0, read=60.0, write=30.0, pool=5.0)
"""A pod that does not accept within 5 s, or goes quiet for a minute mid-answer, is given up on."""


@dataclass(frozen=True, slots=True)
class ServiceId:
    """The `{id}` of a proxy path: `name`, `name:port` or `scheme:name:port`."""

    scheme: str
    name: str
    port: str
    """A service port's number or name; "" for the Service's one unnamed port."""


def parse_service_id(service_id: str) -> ServiceId:
    """Split `{id}` as kube-apiserver does; BadRequest for anything else."""
    parts = service_id.split(":")
    scheme, name, port = "", "", ""
    if len(parts) == 1:
        name = parts[0]
    elif len(parts) == 2:
        name, port = parts
    elif len(parts) == 3:
        scheme, name, port = parts
    if not name or scheme not in _SCHEMES:
        raise BadRequest(
            f'invalid service request "{service_id}": use name, name:port or scheme:name:port '
            "(scheme http or https)"
        )
    return ServiceId(scheme, name, port)


@dataclass(frozen=True, slots=True)
class Endpoint:
    """Where a proxied request goes: the pod chosen and its process's address on this machine."""

    scheme: str
    host: str
    port: int
    pod: str

    @property
    def base_url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{self.scheme}://{host}:{self.port}"


def _ready(pod: Mapping[str, Any]) -> bool:
    """Running, not being deleted, and not reported unready: an address of the Service's endpoints."""
    status = pod.get("status") or {}
    if status.get("phase") != "Running" or (pod.get("metadata") or {}).get("deletionTimestamp"):
        return False
    ready = [c for c in status.get("conditions") or [] if c.get("type") == "Ready"]
    return all(c.get("status") == "True" for c in ready)


def _container_port(pod: Mapping[str, Any], target: object) -> int | None:
    """The container port a targetPort names: a number is itself, a name is looked up in the pod."""
    if isinstance(target, int):
        return target
    for container in (pod.get("spec") or {}).get("containers") or []:
        for port in container.get("ports") or []:
            if port.get("name") == target and isinstance(port.get("containerPort"), int):
                return int(port["containerPort"])
    return None


def _loopback_port(pod: Mapping[str, Any], container_port: int) -> int:
    raw = ((pod.get("metadata") or {}).get("annotations") or {}).get(ANNOTATION_LOOPBACK_PORTS)
    return parse_loopback_ports(str(raw)).get(container_port, container_port) if raw else container_port


def _pod_address(pod: Mapping[str, Any], name: str) -> str:
    ip = str((pod.get("status") or {}).get("podIP") or "")
    try:
        loopback = ipaddress.ip_address(ip).is_loopback
    except ValueError:
        loopback = False
    if not loopback:
        raise ServiceUnavailable(
            f'error trying to reach service: pod "{name}" has IP "{ip}", not one of this machine\'s '
            "loopback addresses: the proxy reaches only pods the local runtime runs"
        )
    return ip


def resolve_endpoint(cluster: Cluster, namespace: str, service_id: ServiceId) -> Endpoint:
    """The endpoint kube-apiserver's ResourceLocation would pick (NotFound for a missing Service,
    ServiceUnavailable when it has no such port or no ready pod on it)."""
    service: Obj = cluster.get("Service", namespace, service_id.name)
    spec = service.get("spec") or {}
    ports = [p for p in spec.get("ports") or [] if isinstance(p, dict)]
    wanted = service_id.port
    if wanted.isdigit():
        numbered = [p for p in ports if p.get("port") == int(wanted)]
        if not numbered:
            raise ServiceUnavailable(f'no service port {wanted} found for service "{service_id.name}"')
        wanted = str(numbered[0].get("name") or "")
    selector = spec.get("selector") or {}
    pods = cluster.list("Pod", namespace, label_selector=dict(selector)).items if selector else []
    ready = [p for p in pods if _ready(p)]
    if not ready:
        raise ServiceUnavailable(f'no endpoints available for service "{service_id.name}"')
    for port in (p for p in ports if str(p.get("name") or "") == wanted):
        target = port.get("targetPort", port.get("port"))
        reachable = [(p, c) for p in ready if (c := _container_port(p, target)) is not None]
        if reachable:
            pod, container_port = random.choice(reachable)  # as kube-apiserver picks an address
            name = str((pod.get("metadata") or {}).get("name"))
            scheme = service_id.scheme or "http"
            return Endpoint(scheme, _pod_address(pod, name), _loopback_port(pod, container_port), name)
    id_text = ":".join(part for part in (service_id.scheme, service_id.name, service_id.port) if part)
    raise ServiceUnavailable(f'no endpoints available for service "{id_text}"')


def proxy_forbidden(user: str, method: str, namespace: str, name: str) -> Forbidden:
    """The 403 RBAC answers a user whose role grants no `services/proxy` (kube-apiserver's verb of the
    method: get for GET and HEAD, create for POST, ...)."""
    verb = rbac_verb(method, None, watching=False)
    return Forbidden(
        f'services "{name}" is forbidden: User "{user}" cannot {verb} resource "services/proxy" in API '
        f'group "" in the namespace "{namespace}"',
        kind="services",
        name=name,
    )


def forwarded_path(raw_path: str) -> tuple[str, str]:
    """(the proxy prefix `/api/v1/namespaces/{ns}/services/{id}/proxy`, the pod's path after it, "" when
    there is none), from the request's path as sent (percent-encoding kept)."""
    segments = raw_path.split("/")
    prefix = "/".join(segments[:8])
    return prefix, ("/" + "/".join(segments[8:]) if len(segments) > 8 else "")


def _forwarded_headers(request: Request, prefix: str, path: str) -> dict[str, str]:
    headers: dict[str, str] = {}
    for key, value in request.headers.items():
        if key in _NOT_FORWARDED:
            continue
        if key == "cookie":  # the console's session cookie holds a token: it stays here
            kept = (c.strip() for c in value.split(";"))
            value = "; ".join(c for c in kept if c and c.partition("=")[0] != COOKIE)
            if not value:
                continue
        headers[key] = value
    headers["x-forwarded-uri"] = prefix + path
    headers["x-forwarded-host"] = request.headers.get("host", "")
    headers["x-forwarded-proto"] = request.url.scheme
    return headers


def _response_headers(upstream: httpx.Response, endpoint: Endpoint, prefix: str) -> list[tuple[str, str]]:
    kept: list[tuple[str, str]] = []
    for key, value in upstream.headers.multi_items():
        name = key.lower()
        if name in _HOP_BY_HOP:
            continue
        if name == "location":
            value = _rewritten_location(value, endpoint, prefix)
        kept.append((name, value))
    return kept


def _rewritten_location(location: str, endpoint: Endpoint, prefix: str) -> str:
    """A redirect to the pod itself, put under the proxy path on this server (kube-apiserver's proxy
    transport does the same; a path already under the prefix, as Spark's UI makes with its proxyBase, only
    loses the pod's address); a redirect elsewhere is left alone."""
    parts = urlsplit(location)
    same_host = not parts.netloc or parts.netloc == f"{endpoint.host}:{endpoint.port}"
    if not same_host or not parts.path.startswith("/"):
        return location
    path = parts.path if parts.path.startswith(prefix + "/") else prefix + parts.path
    return path + (f"?{parts.query}" if parts.query else "")


async def _read_body(request: Request, limits: RequestLimits) -> bytes:
    declared = request.headers.get("content-length", "")
    too_large = RequestEntityTooLarge(f"Request entity too large: limit is {limits.max_body_bytes}")
    if declared.isdigit() and int(declared) > limits.max_body_bytes:
        raise too_large
    body = bytearray()
    try:
        with anyio.fail_after(limits.body_timeout):
            async for chunk in request.stream():
                body += chunk
                if len(body) > limits.max_body_bytes:
                    raise too_large
    except TimeoutError:
        raise RequestTimeout(
            f"the request body did not arrive within {limits.body_timeout:g} seconds"
        ) from None
    return bytes(body)


class ServiceProxy:
    """The proxy routes of one cluster's API."""

    def __init__(self, cluster: Cluster, limits: RequestLimits) -> None:
        self._cluster = cluster
        self._limits = limits

    def routes(self) -> list[Route]:
        base = "/api/v1/namespaces/{namespace}/services/{service}/proxy"
        return [
            Route(base, self.serve, methods=PROXY_METHODS),
            Route(base + "/{path:path}", self.serve, methods=PROXY_METHODS),
        ]

    async def serve(self, request: Request) -> Response:
        raw = request.scope.get("raw_path")
        prefix, path = forwarded_path(raw.decode("latin-1") if raw else request.url.path)
        if not path:  # kube-apiserver sends `.../proxy` to `.../proxy/`, so relative links resolve
            query = f"?{request.url.query}" if request.url.query else ""
            return Response(status_code=301, headers={"Location": f"{prefix}/{query}"})
        try:
            service_id = parse_service_id(request.path_params["service"])
            namespace = str(request.path_params["namespace"])
            if request.scope.get(READ_ONLY_SCOPE_KEY):
                # Even a GET is not a read of the cluster: it reaches the pod's server, which may act on
                # it (Spark's UI kills a job on one), so as Kubernetes' `view` role, no proxy for readers.
                user = str(request.scope.get(USER_SCOPE_KEY, ""))
                raise proxy_forbidden(user, request.method, namespace, service_id.name)
            body = await _read_body(request, self._limits)
            endpoint = await run_in_threadpool(resolve_endpoint, self._cluster, namespace, service_id)
        except ClusterError as exc:
            return error_response(exc)
        return await self._forward(request, endpoint, prefix, path, body)

    async def _forward(
        self, request: Request, endpoint: Endpoint, prefix: str, path: str, body: bytes
    ) -> Response:
        # The pod's own certificate is not checked (as kube-apiserver does not): it is on this machine.
        client = httpx.AsyncClient(timeout=_TIMEOUT, verify=False, trust_env=False, follow_redirects=False)
        target = endpoint.base_url + path + (f"?{request.url.query}" if request.url.query else "")
        outgoing = client.build_request(
            request.method, target, headers=_forwarded_headers(request, prefix, path), content=body
        )
        try:
            upstream = await client.send(outgoing, stream=True)
        except httpx.HTTPError as exc:
            await client.aclose()
            return error_response(
                ServiceUnavailable(
                    f"error trying to reach service: {endpoint.base_url}: {exc or type(exc).__name__}"
                )
            )

        async def chunks() -> AsyncIterator[bytes]:
            try:
                async for chunk in upstream.aiter_raw():
                    yield chunk
            except httpx.HTTPError:  # the pod went away mid-answer: the client sees the answer cut short
                return

        async def close() -> None:
            await upstream.aclose()
            await client.aclose()

        response = StreamingResponse(
            chunks(), status_code=upstream.status_code, background=BackgroundTask(close)
        )
        response.raw_headers = [
            (k.encode("latin-1"), v.encode("latin-1"))
            for k, v in _response_headers(upstream, endpoint, prefix)
        ]
        return response
