"""`RemoteCluster`: the `Cluster` port over the HTTP API, so the command line can use a running cluster
exactly like the embedded store. Failures come back as the same ClusterError classes (from the Status
bodies); watches are plain HTTP streams.

Differences from the embedded store: `create_many` is not one transaction (what was created before a
failure is deleted again, best effort), and `bind` reads the pod back after binding it.
"""

from __future__ import annotations

import builtins
import contextlib
import json
import math
import socket
import ssl
import threading
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx

from sparkfleet.cluster import (
    Closing,
    ClusterError,
    Conflict,
    FieldSelectorArg,
    Gone,
    Invalid,
    KindInfo,
    LabelSelectorArg,
    NotFound,
    Obj,
    ObjectList,
    PropagationPolicy,
    WatchEvent,
    WatchEventType,
    as_field_selector,
    as_label_selector,
    lookup,
)
from sparkfleet.server.errors import ServerError, error_from_status

__all__ = ["RemoteCluster", "RemoteWatch", "resource_path"]

_DEFAULT_NAMESPACE = "default"


# By HTTP code, for answers whose Status has no reason the port knows (or no Status at all: a proxy in
# front of the API server), as apimachinery reads a bare code.
_BY_CODE: dict[int, type[ClusterError]] = {404: NotFound, 409: Conflict, 410: Gone}


def _error(body: object, code: int) -> ClusterError:
    error = error_from_status(body, code)
    fallback = _BY_CODE.get(code)
    if isinstance(error, ServerError) and fallback is not None:
        return fallback(error.message, kind=error.kind, name=error.name)
    return error


def _raise_for(response: httpx.Response) -> None:
    if response.status_code < 400:
        return
    try:
        body: object = response.json()
    except ValueError:
        body = response.text
    raise _error(body, response.status_code)


def _segment(text: str) -> str:
    return quote(text, safe="")


def resource_path(
    info: KindInfo, namespace: str | None, name: str | None = None, sub: str | None = None
) -> str:
    """The REST path of a collection (no name), an object, or an object's subresource."""
    prefix = f"/apis/{info.api_version}" if info.group else f"/api/{info.api_version}"
    parts = [prefix]
    if info.namespaced and namespace:
        parts.append(f"namespaces/{_segment(namespace)}")
    parts.append(info.plural)
    if name is not None:
        parts.append(_segment(name))
    if sub is not None:
        parts.append(sub)
    return "/".join(parts)


_LIST_PAGE = 500
"""Items per page of a list (client-go's pager asks for 500)."""


def _selectors(label_selector: LabelSelectorArg, field_selector: FieldSelectorArg) -> dict[str, str]:
    params: dict[str, str] = {}
    labels = as_label_selector(label_selector)
    if labels is not None:
        params["labelSelector"] = str(labels)
    fields = as_field_selector(field_selector)
    if fields is not None:
        params["fieldSelector"] = str(fields)
    return params


class RemoteWatch(Closing):
    """A watch over one streaming response. BOOKMARK events only move `resource_version`."""

    def __init__(self, response: httpx.Response, resource_version: str) -> None:
        self._response = response
        self._lines = response.iter_lines()
        self._rv = resource_version
        self._closed = False
        self._lock = threading.Lock()

    @property
    def resource_version(self) -> str:
        return self._rv

    def __iter__(self) -> RemoteWatch:
        return self

    def __next__(self) -> WatchEvent:
        while True:
            if self._closed:
                raise StopIteration
            try:
                line = next(self._lines)
            except StopIteration:
                self.close()
                raise
            except (httpx.HTTPError, OSError, RuntimeError) as exc:
                if self._closed:
                    raise StopIteration from None
                self.close()
                raise ServerError(f"the watch stream broke: {exc}") from exc
            if not line.strip():
                continue
            event = json.loads(line)
            kind, obj = event.get("type"), event.get("object") or {}
            if kind == "ERROR":
                self.close()
                raise _error(obj, int(obj.get("code") or 500))
            rv = (obj.get("metadata") or {}).get("resourceVersion")
            if kind == "BOOKMARK":
                if rv:
                    self._rv = str(rv)
                continue
            if rv:
                self._rv = str(rv)
            return WatchEvent(WatchEventType(kind), obj)

    def close(self) -> None:
        """End the stream; a read blocked in another thread returns at once (the socket is shut down)."""
        with self._lock:
            if self._closed:
                return
            self._closed = True
        stream = self._response.extensions.get("network_stream")
        sock = stream.get_extra_info("socket") if stream is not None else None
        if isinstance(sock, socket.socket):
            with contextlib.suppress(OSError):  # already closed by the server
                sock.shutdown(socket.SHUT_RDWR)
        self._response.close()

    @property
    def closed(self) -> bool:
        return self._closed


class RemoteCluster(Closing):
    """The `Cluster` port over a sparkfleet (or Kubernetes) API server at `url`."""

    def __init__(
        self,
        url: str,
        token: str | None = None,
        *,
        timeout: float = 30.0,
        field_validation: str = "Strict",
        ca_file: str | Path | None = None,
        http: httpx.Client | None = None,
        namespace: str = _DEFAULT_NAMESPACE,
        user_agent: str = "sparkfleet",
    ) -> None:
        """`field_validation`: what the server does with unknown fields (Strict refuses them, as the
        embedded models do). `ca_file`: the certificate to trust for an https URL (else the system's).
        `http`: a ready client, its base URL, TLS and auth used as they are (`connect` builds one from a
        kubeconfig). `namespace`: where a namespaced object given without one goes (a kubeconfig
        context's namespace). `user_agent`: how the client names itself (in the server's audit log)."""
        headers = {"Accept": "application/json", "User-Agent": user_agent}
        if token:
            headers["Authorization"] = f"Bearer {token}"
        if http is None:
            verify: ssl.SSLContext | bool = (
                ssl.create_default_context(cafile=str(ca_file)) if ca_file is not None else True
            )
            http = httpx.Client(base_url=url, headers=headers, timeout=timeout, verify=verify)
        else:
            http.headers.update(headers)
        self._http = http
        self._field_validation = field_validation
        self._namespace = namespace or _DEFAULT_NAMESPACE
        self._watches: list[RemoteWatch] = []
        self._lock = threading.Lock()

    # --- plumbing ----------------------------------------------------------------------------------

    def _request(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, str] | None = None,
        body: Any = None,
        content_type: str = "application/json",
    ) -> Any:
        content = None if body is None else json.dumps(body).encode()
        headers = {"Content-Type": content_type} if content is not None else None
        response = self._http.request(method, path, params=params, content=content, headers=headers)
        _raise_for(response)
        return response.json()

    def _write_params(self) -> dict[str, str]:
        return {"fieldValidation": self._field_validation} if self._field_validation else {}

    @property
    def namespace(self) -> str:
        """Where a namespaced object given without a namespace goes."""
        return self._namespace

    def _target(self, obj: Obj) -> tuple[KindInfo, str | None, str]:
        if not isinstance(obj, dict) or not isinstance(obj.get("kind"), str):
            raise Invalid("Object 'Kind' is missing: every object needs a kind")
        info = lookup(obj["kind"])
        metadata = obj.get("metadata") or {}
        namespace = (metadata.get("namespace") or self._namespace) if info.namespaced else None
        return info, namespace, str(metadata.get("name") or "")

    # --- Cluster -----------------------------------------------------------------------------------

    def get(self, kind: str, namespace: str | None, name: str) -> Obj:
        info = lookup(kind)
        scope = (namespace or self._namespace) if info.namespaced else None
        result: Obj = self._request("GET", resource_path(info, scope, name))
        return result

    def list(
        self,
        kind: str,
        namespace: str | None = None,
        label_selector: LabelSelectorArg = None,
        field_selector: FieldSelectorArg = None,
    ) -> ObjectList:
        info = lookup(kind)
        params = {**_selectors(label_selector, field_selector), "limit": str(_LIST_PAGE)}
        items: list[Obj] = []
        while True:  # page by page, as client-go's pager reads a list
            body = self._request("GET", resource_path(info, namespace or None), params=params)
            items.extend(body.get("items") or [])
            token = body["metadata"].get("continue")
            if not token:
                return ObjectList(items=items, resourceVersion=str(body["metadata"]["resourceVersion"]))
            params = {**params, "continue": str(token)}

    def version(self) -> dict[str, str]:
        """The server's `/version` (Kubernetes' version.Info)."""
        found: dict[str, str] = self._request("GET", "/version")
        return found

    def serves_embedded_cluster(self) -> bool:
        """Whether the server is sparkfleet's own (see `discovery.BUILD_MARK`), not a Kubernetes one."""
        from sparkfleet.server.discovery import BUILD_MARK

        return BUILD_MARK in str(self.version().get("gitVersion", ""))

    def create(self, obj: Obj) -> Obj:
        info, namespace, _ = self._target(obj)
        body = {**obj, "kind": info.kind}
        result: Obj = self._request(
            "POST", resource_path(info, namespace), params=self._write_params(), body=body
        )
        return result

    def create_many(self, objs: Sequence[Obj]) -> builtins.list[Obj]:
        created: list[Obj] = []
        try:
            for obj in objs:
                created.append(self.create(obj))
        except ClusterError:
            for done in reversed(created):
                # Best effort: the failure being reported is the one that matters.
                with contextlib.suppress(ClusterError):
                    self.delete(done["kind"], done["metadata"].get("namespace"), done["metadata"]["name"])
            raise
        return created

    def update(self, obj: Obj) -> Obj:
        info, namespace, name = self._target(obj)
        result: Obj = self._request(
            "PUT",
            resource_path(info, namespace, name),
            params=self._write_params(),
            body={**obj, "kind": info.kind},
        )
        return result

    def update_status(self, obj: Obj) -> Obj:
        info, namespace, name = self._target(obj)
        result: Obj = self._request(
            "PUT",
            resource_path(info, namespace, name, "status"),
            params=self._write_params(),
            body={**obj, "kind": info.kind},
        )
        return result

    def patch(
        self, kind: str, namespace: str | None, name: str, patch: Obj, subresource: str | None = None
    ) -> Obj:
        info = lookup(kind)
        scope = (namespace or self._namespace) if info.namespaced else None
        result: Obj = self._request(
            "PATCH",
            resource_path(info, scope, name, subresource),
            params=self._write_params(),
            body=patch,
            content_type="application/merge-patch+json",
        )
        return result

    def apply(self, obj: Obj, field_manager: str, force: bool = False) -> Obj:
        """Server-side apply (`kubectl apply --server-side`): `obj` is the configuration `field_manager`
        wants; the server creates the object if it is absent, else merges it in. `force` takes over
        fields another manager owns instead of answering Conflict."""
        if not field_manager:
            raise Invalid("fieldManager is required for server-side apply: name the applier")
        info, namespace, name = self._target(obj)
        if not name:
            raise Invalid("metadata.name is required for server-side apply")
        params = {**self._write_params(), "fieldManager": field_manager}
        if force:
            params["force"] = "true"
        body = {**obj, "kind": info.kind, "apiVersion": obj.get("apiVersion") or info.api_version}
        result: Obj = self._request(
            "PATCH",
            resource_path(info, namespace, name),
            params=params,
            body=body,  # JSON is YAML, so the apply patch goes as JSON
            content_type="application/apply-patch+yaml",
        )
        return result

    def delete(
        self,
        kind: str,
        namespace: str | None,
        name: str,
        propagation_policy: PropagationPolicy | str = PropagationPolicy.BACKGROUND,
    ) -> Obj:
        info = lookup(kind)
        scope = (namespace or self._namespace) if info.namespaced else None
        policy = (
            propagation_policy.value
            if isinstance(propagation_policy, PropagationPolicy)
            else propagation_policy
        )
        result: Obj = self._request(
            "DELETE", resource_path(info, scope, name), params={"propagationPolicy": str(policy)}
        )
        return result

    def bind(self, namespace: str, pod_name: str, node_name: str) -> Obj:
        self.post_binding(namespace, pod_name, node_name)
        return self.get("Pod", namespace or self._namespace, pod_name)

    def post_binding(self, namespace: str, pod_name: str, node_name: str) -> None:
        """The binding alone (the API server answers it with a Status, not the pod): an informer that
        holds the pod knows how it looks bound without reading it back."""
        scope = namespace or self._namespace
        binding = {
            "apiVersion": "v1",
            "kind": "Binding",
            "metadata": {"name": pod_name, "namespace": scope},
            "target": {"apiVersion": "v1", "kind": "Node", "name": node_name},
        }
        self._request("POST", resource_path(lookup("Pod"), scope, pod_name, "binding"), body=binding)

    def watch(
        self,
        kind: str | None,
        namespace: str | None = None,
        resource_version: str | None = None,
        label_selector: LabelSelectorArg = None,
        timeout_seconds: float | None = None,
        field_selector: FieldSelectorArg = None,
    ) -> RemoteWatch:
        if kind is None:
            raise NotFound("watching every kind at once is not served over HTTP; watch one kind at a time")
        info = lookup(kind)
        params = {
            "watch": "true",
            "allowWatchBookmarks": "true",
            **_selectors(label_selector, field_selector),
        }
        if resource_version:
            params["resourceVersion"] = resource_version
        if timeout_seconds is not None:
            params["timeoutSeconds"] = str(max(0, math.ceil(timeout_seconds)))
        request = self._http.build_request(
            "GET",
            resource_path(info, namespace or None),
            params=params,
            timeout=httpx.Timeout(self._http.timeout.connect, read=None),
        )
        response = self._http.send(request, stream=True)
        if response.status_code >= 400:
            response.read()
            response.close()
            _raise_for(response)
        watch = RemoteWatch(response, resource_version or "")
        with self._lock:
            self._watches = [w for w in self._watches if not w.closed] + [watch]
        return watch

    def pod_log(
        self, namespace: str, name: str, *, follow: bool = False, tail: int | None = None
    ) -> Iterator[str]:
        """The lines of a pod's log (`pods/{name}/log`, as kubectl reads it); an error answer raises the
        port's error before any line."""
        params = {"follow": "true" if follow else "false"}
        if tail is not None:
            params["tailLines"] = str(tail)
        path = f"{resource_path(lookup('Pod'), namespace, name)}/log"
        request = self._http.build_request(
            "GET", path, params=params, timeout=httpx.Timeout(self._http.timeout.connect, read=None)
        )
        response = self._http.send(request, stream=True)
        if response.status_code >= 400:
            response.read()
            response.close()
            _raise_for(response)

        def lines() -> Iterator[str]:
            with contextlib.closing(response):
                yield from response.iter_lines()

        return lines()

    def close(self) -> None:
        with self._lock:
            watches, self._watches = self._watches, []
        for watch in watches:
            watch.close()
        self._http.close()
