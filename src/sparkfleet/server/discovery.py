"""Discovery documents: how kubectl, client libraries and fabric8 learn which resources are served."""

from __future__ import annotations

from typing import Any

from sparkfleet import __version__
from sparkfleet.cluster import KindInfo
from sparkfleet.server.routes import (
    BINDING,
    CORE_VERSION,
    CRDS,
    Discovery,
    DiscoveryDocument,
    Subresource,
    kinds_of,
    served_group_versions,
    subresources_of,
)

__all__ = ["BUILD_MARK", "KUBERNETES_VERSION", "discovery_document", "version_info"]

# The Kubernetes API version whose REST conventions the server follows.
KUBERNETES_VERSION = (1, 31)

BUILD_MARK = "+sparkfleet-"
"""What `/version`'s gitVersion carries after the Kubernetes version: how a client tells this server
(whose Nodes no kubelet registers) from a Kubernetes API server."""

_OBJECT_VERBS = ["create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"]
_READ_ONLY_VERBS = ["get", "list"]
_SUBRESOURCE_VERBS = {
    Subresource.STATUS: ["get", "patch", "update"],
    Subresource.BINDING: ["create"],
    Subresource.LOG: ["get"],
}


def _resources(info: KindInfo) -> list[dict[str, Any]]:
    if info is BINDING:
        return [
            {
                "name": "bindings",
                "singularName": "binding",
                "namespaced": True,
                "kind": "Binding",
                "verbs": ["create"],
            }
        ]
    main: dict[str, Any] = {
        "name": info.plural,
        "singularName": info.kind.lower(),
        "namespaced": info.namespaced,
        "kind": info.kind,
        "verbs": list(_READ_ONLY_VERBS if info is CRDS else _OBJECT_VERBS),
    }
    if info.short_names:
        main["shortNames"] = list(info.short_names)
    if info.categories:
        main["categories"] = list(info.categories)
    found = [main]
    for sub in subresources_of(info):
        found.append(
            {
                "name": f"{info.plural}/{sub.value}",
                "singularName": "",
                "namespaced": info.namespaced,
                "kind": "Binding" if sub is Subresource.BINDING else info.kind,
                "verbs": list(_SUBRESOURCE_VERBS[sub]),
            }
        )
    return found


def _group_entry(group: str, versions: list[str]) -> dict[str, Any]:
    listed = [{"groupVersion": f"{group}/{v}", "version": v} for v in versions]
    return {"name": group, "versions": listed, "preferredVersion": listed[0]}


def discovery_document(request: Discovery, server_address: str) -> dict[str, Any]:
    """The document a discovery path serves; `server_address` is host:port as the client reached us."""
    groups = served_group_versions()
    match request.document:
        case DiscoveryDocument.API_VERSIONS:
            return {
                "kind": "APIVersions",
                "versions": [CORE_VERSION],
                "serverAddressByClientCIDRs": [{"clientCIDR": "0.0.0.0/0", "serverAddress": server_address}],
            }
        case DiscoveryDocument.GROUP_LIST:
            return {
                "kind": "APIGroupList",
                "apiVersion": "v1",
                "groups": [_group_entry(g, v) for g, v in groups.items() if g],
            }
        case DiscoveryDocument.GROUP:
            return {
                "kind": "APIGroup",
                "apiVersion": "v1",
                **_group_entry(request.group, groups[request.group]),
            }
        case DiscoveryDocument.RESOURCE_LIST:
            group_version = f"{request.group}/{request.version}" if request.group else request.version
            resources = [r for info in kinds_of(request.group, request.version) for r in _resources(info)]
            return {
                "kind": "APIResourceList",
                "apiVersion": "v1",
                "groupVersion": group_version,
                "resources": resources,
            }
    raise AssertionError(request.document)  # pragma: no cover - the match is exhaustive


def version_info() -> dict[str, str]:
    """What `/version` answers, shaped like Kubernetes' version.Info."""
    major, minor = KUBERNETES_VERSION
    return {
        "major": str(major),
        "minor": str(minor),
        "gitVersion": f"v{major}.{minor}.0{BUILD_MARK}{__version__}",
        "gitCommit": "",
        "gitTreeState": "clean",
        "buildDate": "",
        "goVersion": "",
        "compiler": "",
        "platform": "",
    }
