"""Which resource a Kubernetes REST path names.

    /api                                          APIVersions
    /api/v1, /apis/{group}/{version}              APIResourceList
    /apis, /apis/{group}                          APIGroupList, APIGroup
    {prefix}/namespaces/{ns}/{plural}[/{name}[/{subresource}]]   namespaced objects
    {prefix}/{plural}[/{name}[/{subresource}]]    cluster-scoped objects; for a namespaced kind only the
                                                  collection (every namespace)
    {prefix}/watch/...                            the legacy watch form of any of the above

`{prefix}` is /api/v1 for the core group and /apis/{group}/{version} otherwise. A kind is reachable only
under its own group and version, as on a real API server.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from sparkfleet.api.registry import BINDING, KINDS, KindInfo
from sparkfleet.cluster import NotFound

__all__ = [
    "BINDING",
    "CORE_VERSION",
    "CRDS",
    "Discovery",
    "DiscoveryDocument",
    "ResourcePath",
    "Subresource",
    "group_versions",
    "has_status",
    "kinds_of",
    "parse_path",
    "served_group_versions",
    "subresources_of",
]

CORE_VERSION = "v1"

CRDS = KindInfo(
    "CustomResourceDefinition",
    "apiextensions.k8s.io/v1",
    "customresourcedefinitions",
    False,
    "base:Model",
    ("crd", "crds"),
    status_subresource=False,
)
"""The CRDs of the custom kinds (server/crds.py): served read-only (get, list), never stored, so no model
of theirs is ever loaded."""


class Subresource(StrEnum):
    STATUS = "status"
    BINDING = "binding"
    LOG = "log"


def has_status(info: KindInfo) -> bool:
    return info.status_subresource


def subresources_of(info: KindInfo) -> tuple[Subresource, ...]:
    found: list[Subresource] = []
    if has_status(info):
        found.append(Subresource.STATUS)
    if info.kind == "Pod":
        found += [Subresource.BINDING, Subresource.LOG]
    return tuple(found)


def group_versions() -> dict[str, list[str]]:
    """Every API group of the table of kinds ("" for core) and its versions, in first-seen order (the
    OpenAPI documents'; discovery adds apiextensions.k8s.io: `served_group_versions`)."""
    groups: dict[str, list[str]] = {}
    for info in KINDS:
        versions = groups.setdefault(info.group, [])
        if info.version not in versions:
            versions.append(info.version)
    return groups


def served_group_versions() -> dict[str, list[str]]:
    """The groups of the table of kinds and apiextensions.k8s.io, whose CRDs describe the custom kinds."""
    groups = group_versions()
    groups.setdefault(CRDS.group, []).append(CRDS.version)
    return groups


def kinds_of(group: str, version: str) -> list[KindInfo]:
    api_version = f"{group}/{version}" if group else version
    found = [info for info in KINDS if info.api_version == api_version]
    if api_version == BINDING.api_version:
        found.append(BINDING)
    if api_version == CRDS.api_version:
        found.append(CRDS)
    return found


class DiscoveryDocument(StrEnum):
    API_VERSIONS = "APIVersions"
    GROUP_LIST = "APIGroupList"
    GROUP = "APIGroup"
    RESOURCE_LIST = "APIResourceList"


@dataclass(frozen=True, slots=True)
class Discovery:
    document: DiscoveryDocument
    group: str = ""
    version: str = ""


@dataclass(frozen=True, slots=True)
class ResourcePath:
    info: KindInfo
    namespace: str | None
    """The namespace of a namespaced request; None for cluster-scoped kinds and for every namespace."""
    name: str | None = None
    subresource: Subresource | None = None
    watch: bool = False
    """The path used the legacy `/watch/` prefix."""

    @property
    def collection(self) -> bool:
        return self.name is None


def _not_found(path: str) -> NotFound:
    return NotFound(f"the server could not find the requested resource (path {path})")


def parse_path(path: str) -> Discovery | ResourcePath:
    """Resolve a request path (already percent-decoded); NotFound for anything not served."""
    segments = path.strip("/").split("/")
    if any(not s for s in segments):
        raise _not_found(path)
    root, rest = segments[0], segments[1:]
    if root == "api":
        if not rest:
            return Discovery(DiscoveryDocument.API_VERSIONS)
        group, version, rest = "", rest[0], rest[1:]
    elif root == "apis":
        if not rest:
            return Discovery(DiscoveryDocument.GROUP_LIST)
        group = rest[0]
        if not group or group not in served_group_versions():
            raise _not_found(path)
        if len(rest) == 1:
            return Discovery(DiscoveryDocument.GROUP, group)
        version, rest = rest[1], rest[2:]
    else:
        raise _not_found(path)
    kinds = kinds_of(group, version)
    if not kinds:
        raise _not_found(path)
    if not rest:
        return Discovery(DiscoveryDocument.RESOURCE_LIST, group, version)
    watch = rest[0] == "watch"
    if watch:
        rest = rest[1:]
    by_plural = {info.plural: info for info in kinds}
    if len(rest) >= 3 and rest[0] == "namespaces" and rest[2] in by_plural and by_plural[rest[2]].namespaced:
        namespace: str | None = rest[1]
        info, tail = by_plural[rest[2]], rest[3:]
    elif rest and rest[0] in by_plural:
        namespace = None
        info, tail = by_plural[rest[0]], rest[1:]
        if info.namespaced and tail:
            raise _not_found(path)  # a namespaced object is addressed through its namespace
    else:
        raise _not_found(path)
    if len(tail) > 2 or (watch and len(tail) > 1) or (info is BINDING and tail):
        raise _not_found(path)
    name = tail[0] if tail else None
    subresource = None
    if len(tail) == 2:
        try:
            subresource = Subresource(tail[1])
        except ValueError:
            raise _not_found(path) from None
        if subresource not in subresources_of(info):
            raise _not_found(path)
    return ResourcePath(info, namespace, name, subresource, watch)
