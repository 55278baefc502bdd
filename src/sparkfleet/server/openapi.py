"""The OpenAPI description of the API: /openapi/v2 (one swagger 2.0 document) and /openapi/v3 (an index
of one document per group-version), with the schema of every served kind.

kubectl reads them for `explain`, for computing apply patches, and to learn that the server validates
fields itself: every PATCH operation takes `fieldValidation`, so kubectl sends `fieldValidation=Strict`
and leaves unknown fields to the server. Core kinds are described by Kubernetes' own schemas
(`coreschemas`), the custom kinds by schemas made from their models (`modelschemas`). Only the core
kinds advertise strategic merge patches, as on a real API server where custom resources take none.
"""

from __future__ import annotations

import hashlib
import json
from functools import cache
from typing import Any

from sparkfleet import __version__
from sparkfleet.api.registry import KINDS, KindInfo
from sparkfleet.cluster import NotFound
from sparkfleet.server.coreschemas import (
    RefForm,
    Schema,
    closure,
    core_definitions,
    definition_for,
    ref_schema,
)
from sparkfleet.server.modelschemas import custom_list_schema, custom_schema, schema_name
from sparkfleet.server.routes import group_versions, has_status

__all__ = ["group_version_document", "openapi_root", "swagger_document"]

_JSON = "application/json"
_MERGE_PATCHES = (
    "application/json-patch+json",
    "application/merge-patch+json",
    "application/apply-patch+yaml",
)
_STRATEGIC = "application/strategic-merge-patch+json"
_WRITE_PARAMETERS = (
    ("dryRun", "Refused by this server."),
    ("fieldManager", "The name of the actor making the change; required for apply patches."),
    ("fieldValidation", "Ignore, Warn (the default) or Strict: what to do with unknown fields."),
)
_FORCE = ("force", "Accepted for apply patches; field ownership is not tracked here, so it changes nothing.")
_READ_PARAMETERS = (
    ("labelSelector", "Only the objects whose labels match."),
    ("fieldSelector", "Only the objects whose fields match."),
    ("watch", "Stream the changes instead of listing."),
    ("resourceVersion", "For a watch, the version to stream changes after."),
    ("allowWatchBookmarks", "Ask for BOOKMARK events on a watch."),
    ("sendInitialEvents", "Start a watch with the current objects as ADDED events."),
    ("timeoutSeconds", "End a watch after this many seconds."),
)
_DELETE_PARAMETERS = (
    ("propagationPolicy", "Orphan, Background (the default) or Foreground: what happens to dependents."),
    ("orphanDependents", "Deprecated: true is propagationPolicy=Orphan."),
)


def _gv_path(group: str, version: str) -> str:
    return f"apis/{group}/{version}" if group else f"api/{version}"


def _core_name(info: KindInfo) -> str | None:
    return definition_for(info.group, info.version, info.kind)


def _names(info: KindInfo) -> tuple[str, str]:
    """The schema names of a kind and of its list."""
    core = _core_name(info)
    if core is not None:
        return core, f"{core}List"
    return schema_name(info), schema_name(info, f"{info.kind}List")


def _kinds(group: str, version: str) -> list[KindInfo]:
    return [info for info in KINDS if info.group == group and info.version == version]


@cache
def _definitions(form: RefForm) -> dict[str, Schema]:
    """Every schema the documents refer to: the kinds, their lists, and what those refer to."""
    core = core_definitions(form)
    found: dict[str, Schema] = {}
    for info in KINDS:
        name, list_name = _names(info)
        if name in core:
            found.update(closure([name, list_name], core))
        else:
            found[name] = custom_schema(info, form)
            found[list_name] = custom_list_schema(info, form)
    found.update(closure(list(found), core))
    return found


# --- operations ------------------------------------------------------------------------------------


def _operation_id(verb: str, info: KindInfo, suffix: str = "") -> str:
    group = "".join(part.capitalize() for part in info.group.replace("-", ".").split(".")) or "Core"
    scope = "Namespaced" if info.namespaced and suffix != "ForAllNamespaces" else ""
    return f"{verb}{group}{info.version.capitalize()}{scope}{info.kind}{suffix}"


class _Builder:
    """Paths and operations in one form (swagger 2.0 or OpenAPI 3.0)."""

    def __init__(self, form: RefForm) -> None:
        self.form = form

    def _parameter(self, name: str, where: str, text: str) -> dict[str, Any]:
        parameter: dict[str, Any] = {"name": name, "in": where, "description": text}
        if where == "path":
            parameter["required"] = True
        if self.form is RefForm.V3:
            parameter["schema"] = {"type": "string"}
        else:
            parameter["type"] = "string"
        return parameter

    def _body(self, schema: Schema, content_types: tuple[str, ...]) -> dict[str, Any]:
        if self.form is RefForm.V3:
            return {
                "requestBody": {"content": {t: {"schema": schema} for t in content_types}, "required": True}
            }
        return {
            "consumes": list(content_types),
            "parameters": [{"name": "body", "in": "body", "required": True, "schema": schema}],
        }

    def _responses(self, schema: Schema, *codes: str) -> dict[str, Any]:
        described = {"200": "OK", "201": "Created", "202": "Accepted"}
        if self.form is RefForm.V3:
            return {c: {"description": described[c], "content": {_JSON: {"schema": schema}}} for c in codes}
        return {c: {"description": described[c], "schema": schema} for c in codes}

    def operation(
        self,
        info: KindInfo,
        action: str,
        verb: str,
        *,
        response: str,
        query: tuple[tuple[str, str], ...] = (),
        body: tuple[str, ...] = (),
        suffix: str = "",
        codes: tuple[str, ...] = ("200",),
    ) -> dict[str, Any]:
        operation: dict[str, Any] = {
            "description": f"{action} {info.kind}",
            "operationId": _operation_id(verb, info, suffix),
            "tags": [_gv_path(info.group, info.version).replace("/", "_")],
            "parameters": [self._parameter(name, "query", text) for name, text in query],
        }
        if body:
            schema = ref_schema(_names(info)[0], self.form) if action != "patch" else {"type": "object"}
            extra = self._body(schema, body)
            operation["parameters"] += extra.pop("parameters", [])
            operation.update(extra)
        if self.form is RefForm.V2:
            operation["produces"] = [_JSON]
        operation["responses"] = self._responses(ref_schema(response, self.form), *codes)
        operation["x-kubernetes-action"] = action
        operation["x-kubernetes-group-version-kind"] = {
            "group": info.group,
            "version": info.version,
            "kind": info.kind,
        }
        return operation

    def _path_item(self, params: list[str], **operations: dict[str, Any]) -> dict[str, Any]:
        texts = {"namespace": "The namespace of the objects.", "name": "The name of the object."}
        return {"parameters": [self._parameter(p, "path", texts[p]) for p in params], **operations}

    def paths(self, info: KindInfo) -> dict[str, Any]:
        name, list_name = _names(info)
        prefix = f"/{_gv_path(info.group, info.version)}"
        collection = (
            f"{prefix}/namespaces/{{namespace}}/{info.plural}"
            if info.namespaced
            else f"{prefix}/{info.plural}"
        )
        scope = ["namespace"] if info.namespaced else []
        patches = (*_MERGE_PATCHES, _STRATEGIC) if _core_name(info) else _MERGE_PATCHES
        write = _WRITE_PARAMETERS
        op = self.operation
        paths = {
            collection: self._path_item(
                scope,
                get=op(info, "list", "list", response=list_name, query=_READ_PARAMETERS),
                post=op(
                    info, "post", "create", response=name, query=write, body=(_JSON,), codes=("200", "201")
                ),
                delete=op(
                    info, "deletecollection", "deleteCollection", response=list_name, query=_DELETE_PARAMETERS
                ),
            ),
            f"{collection}/{{name}}": self._path_item(
                [*scope, "name"],
                get=op(info, "get", "read", response=name),
                put=op(
                    info, "put", "replace", response=name, query=write, body=(_JSON,), codes=("200", "201")
                ),
                patch=op(info, "patch", "patch", response=name, query=(*write, _FORCE), body=patches),
                delete=op(info, "delete", "delete", response=name, query=_DELETE_PARAMETERS),
            ),
        }
        if has_status(info):
            paths[f"{collection}/{{name}}/status"] = self._path_item(
                [*scope, "name"],
                get=op(info, "get", "read", response=name, suffix="Status"),
                put=op(info, "put", "replace", response=name, query=write, body=(_JSON,), suffix="Status"),
                patch=op(
                    info,
                    "patch",
                    "patch",
                    response=name,
                    query=(*write, _FORCE),
                    body=patches,
                    suffix="Status",
                ),
            )
        if info.namespaced:
            paths[f"{prefix}/{info.plural}"] = self._path_item(
                [],
                get=op(
                    info,
                    "list",
                    "list",
                    response=list_name,
                    query=_READ_PARAMETERS,
                    suffix="ForAllNamespaces",
                ),
            )
        return paths


# --- documents -------------------------------------------------------------------------------------


@cache
def swagger_document() -> dict[str, Any]:
    """/openapi/v2: every kind, in swagger 2.0 (cached: callers must not change it)."""
    builder = _Builder(RefForm.V2)
    paths: dict[str, Any] = {}
    for info in KINDS:
        paths.update(builder.paths(info))
    return {
        "swagger": "2.0",
        "info": {"title": "sparkfleet", "version": __version__},
        "paths": paths,
        "definitions": _definitions(RefForm.V2),
    }


@cache
def _v3_documents() -> dict[str, dict[str, Any]]:
    builder = _Builder(RefForm.V3)
    definitions = _definitions(RefForm.V3)
    documents: dict[str, dict[str, Any]] = {}
    for group, versions in group_versions().items():
        for version in versions:
            kinds = _kinds(group, version)
            paths: dict[str, Any] = {}
            for info in kinds:
                paths.update(builder.paths(info))
            roots = [name for info in kinds for name in _names(info)]
            documents[_gv_path(group, version)] = {
                "openapi": "3.0.0",
                "info": {"title": "sparkfleet", "version": __version__},
                "paths": paths,
                "components": {"schemas": closure(roots, definitions)},
            }
    return documents


def group_version_document(path: str) -> dict[str, Any]:
    """The document of one group-version ("api/v1", "apis/karpenter.sh/v1"); NotFound otherwise
    (cached: callers must not change it)."""
    document = _v3_documents().get(path)
    if document is None:
        raise NotFound(f"the server could not find the requested resource (path /openapi/v3/{path})")
    return document


def _hash(document: dict[str, Any]) -> str:
    return hashlib.sha512(json.dumps(document, sort_keys=True).encode()).hexdigest()[:32].upper()


@cache
def openapi_root() -> dict[str, Any]:
    """The index: where each group-version's document is, with a content hash for caching."""
    return {
        "paths": {
            path: {"serverRelativeURL": f"/openapi/v3/{path}?hash={_hash(document)}"}
            for path, document in _v3_documents().items()
        }
    }
