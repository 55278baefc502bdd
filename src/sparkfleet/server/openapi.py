"""A partial OpenAPI v3 description: the PATCH operation of every kind, with its query parameters.

kubectl reads it to learn that the server validates fields itself (`fieldValidation` on PATCH), and then
leaves validation to the server instead of downloading schemas. Schemas are not described (`kubectl
explain` has nothing to show); sparkfleet's own models do the validating.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from sparkfleet.cluster.errors import NotFound
from sparkfleet.cluster.kinds import KindInfo
from sparkfleet.server.routes import BINDING, group_versions, kinds_of

__all__ = ["group_version_document", "openapi_root"]

_PATCH_TYPES = (
    "application/json-patch+json",
    "application/merge-patch+json",
    "application/strategic-merge-patch+json",
    "application/apply-patch+yaml",
)
_QUERY_PARAMETERS = (
    ("dryRun", "Refused by this server."),
    ("fieldManager", "The name of the actor making the change; required for apply patches."),
    ("fieldValidation", "Ignore, Warn (the default) or Strict: what to do with unknown fields."),
    ("force", "Accepted for apply patches; field ownership is not tracked here, so it changes nothing."),
)


def _gv_path(group: str, version: str) -> str:
    return f"apis/{group}/{version}" if group else f"api/{version}"


def _object_path(info: KindInfo) -> str:
    prefix = f"/{_gv_path(info.group, info.api_version.rpartition('/')[2])}"
    if info.namespaced:
        return f"{prefix}/namespaces/{{namespace}}/{info.plural}/{{name}}"
    return f"{prefix}/{info.plural}/{{name}}"


def _patch_operation(info: KindInfo) -> dict[str, Any]:
    version = info.api_version.rpartition("/")[2]
    parameters = [
        {"name": name, "in": "query", "description": text, "schema": {"type": "string"}}
        for name, text in _QUERY_PARAMETERS
    ]
    return {
        "description": f"partially update the specified {info.kind}",
        "operationId": f"patch{info.kind}",
        "parameters": parameters,
        "requestBody": {
            "content": {t: {"schema": {"type": "object"}} for t in _PATCH_TYPES},
            "required": True,
        },
        "responses": {"200": {"description": "OK"}, "201": {"description": "Created"}},
        "x-kubernetes-action": "patch",
        "x-kubernetes-group-version-kind": {"group": info.group, "version": version, "kind": info.kind},
    }


def group_version_document(path: str) -> dict[str, Any]:
    """The document of one group-version ("api/v1", "apis/karpenter.sh/v1"); NotFound otherwise."""
    for group, versions in group_versions().items():
        for version in versions:
            if _gv_path(group, version) == path:
                kinds = [info for info in kinds_of(group, version) if info is not BINDING]
                return {
                    "openapi": "3.0.0",
                    "info": {"title": "sparkfleet", "version": version},
                    "paths": {
                        _object_path(info): {
                            "parameters": [
                                {"name": "name", "in": "path", "required": True, "schema": {"type": "string"}}
                            ],
                            "patch": _patch_operation(info),
                        }
                        for info in kinds
                    },
                    "components": {"schemas": {}},
                }
    raise NotFound(f"the server could not find the requested resource (path /openapi/v3/{path})")


def _hash(document: dict[str, Any]) -> str:
    return hashlib.sha512(json.dumps(document, sort_keys=True).encode()).hexdigest()[:32].upper()


def openapi_root() -> dict[str, Any]:
    """The index: where each group-version's document is, with a content hash for caching."""
    paths: dict[str, Any] = {}
    for group, versions in group_versions().items():
        for version in versions:
            path = _gv_path(group, version)
            paths[path] = {
                "serverRelativeURL": f"/openapi/v3/{path}?hash={_hash(group_version_document(path))}"
            }
    return {"paths": paths}
