"""How a write request turns into the next stored body: the API server's rules, free of storage.

Every function returns a new top-level dict and leaves its arguments alone; nested values may be shared,
which is safe because bodies are encoded to JSON straight after.
"""

from __future__ import annotations

from typing import Any

from sparkfleet.cluster.defaults import missing_status, stored_form
from sparkfleet.cluster.embedded.validation import check_metadata, check_name, check_namespace, check_spec
from sparkfleet.cluster.errors import Conflict, Invalid, NotFound
from sparkfleet.cluster.kinds import KindInfo
from sparkfleet.cluster.mergepatch import merge_patch

Obj = dict[str, Any]

# Fields only the server sets; a request's values for them are ignored on update.
_SERVER_METADATA = ("uid", "creationTimestamp", "generation", "resourceVersion", "name", "namespace")
DEFAULT_NAMESPACE = "default"


def metadata_of(obj: Obj, kind: str) -> dict[str, Any]:
    metadata = obj.get("metadata")
    if not isinstance(metadata, dict):
        raise Invalid(f"{kind} is invalid: metadata: Required value: metadata must be an object", kind=kind)
    return metadata


def check_kind(obj: Obj, info: KindInfo) -> None:
    """The body's kind must be spelled exactly; apiVersion, when given, must be the stored one."""
    if obj.get("kind") != info.kind:
        raise Invalid(f'kind "{obj.get("kind")}" must be written "{info.kind}"', kind=info.kind)
    api_version = obj.get("apiVersion")
    if api_version is not None and api_version != info.api_version:
        raise Invalid(
            f'{info.kind} apiVersion "{api_version}" is not served; use "{info.api_version}"', kind=info.kind
        )


def locate(info: KindInfo, obj: Obj) -> tuple[str, str]:
    """(namespace, name) a request addresses; "" is the namespace of cluster-scoped objects."""
    metadata = metadata_of(obj, info.kind)
    name = metadata.get("name")
    if not isinstance(name, str) or not name:
        raise Invalid(
            f"{info.kind} is invalid: metadata.name: Required value: name is required", kind=info.kind
        )
    return namespace_of(info, metadata.get("namespace"), name), name


def namespace_of(info: KindInfo, namespace: object, name: str) -> str:
    if not info.namespaced:
        return ""
    if namespace is None or namespace == "":
        return DEFAULT_NAMESPACE
    return check_namespace(info, name, namespace)


def new_body(info: KindInfo, obj: Obj, *, name: str, namespace: str, uid: str, now: str) -> Obj:
    """The body of a created object, before its resourceVersion is known."""
    check_kind(obj, info)
    obj = stored_form(info, obj)
    metadata = dict(metadata_of(obj, info.kind))
    if metadata.get("resourceVersion"):
        raise Invalid.field(
            info.kind,
            name,
            "metadata.resourceVersion",
            metadata["resourceVersion"],
            "resourceVersion should not be set on objects to be created",
        )
    check_name(info, name)
    check_metadata(info, name, metadata)
    check_spec(info, name, obj)
    metadata["name"] = name
    if info.namespaced:
        metadata["namespace"] = namespace
    else:
        metadata.pop("namespace", None)
    metadata["uid"] = uid
    metadata["creationTimestamp"] = now
    metadata["generation"] = 1
    body = missing_status(info, {"apiVersion": info.api_version, "kind": info.kind, **obj})
    body["metadata"] = metadata
    return body


def check_precondition(info: KindInfo, current: Obj, request_metadata: dict[str, Any]) -> None:
    """A request carrying resourceVersion (or uid) must match the stored object (optimistic concurrency)."""
    metadata = current["metadata"]
    wanted_rv = request_metadata.get("resourceVersion")
    if wanted_rv and str(wanted_rv) != metadata["resourceVersion"]:
        raise Conflict.stale(info.resource, metadata["name"])
    wanted_uid = request_metadata.get("uid")
    if wanted_uid and wanted_uid != metadata["uid"]:
        raise Conflict(
            f"Precondition failed: UID in precondition: {wanted_uid}, UID in object meta: {metadata['uid']}",
            kind=info.resource,
            name=metadata["name"],
        )


def _keep_identity(current: Obj, new: Obj) -> Obj:
    new["apiVersion"] = current["apiVersion"]
    new["kind"] = current["kind"]
    metadata = dict(new.get("metadata") or {})
    for field in _SERVER_METADATA:
        if field in current["metadata"]:
            metadata[field] = current["metadata"][field]
        else:
            metadata.pop(field, None)
    new["metadata"] = metadata
    return new


def _with_status_of(body: Obj, source: Obj) -> Obj:
    if "status" in source and source["status"] is not None:
        body["status"] = source["status"]
    else:
        body.pop("status", None)
    return body


def updated_body(info: KindInfo, current: Obj, request: Obj) -> Obj:
    """`update`: everything from the request except status (kept) and server-owned metadata."""
    check_kind(request, info)
    metadata = metadata_of(request, info.kind)
    check_precondition(info, current, metadata)
    new = _with_status_of({k: v for k, v in stored_form(info, request).items() if k != "status"}, current)
    check_spec(info, current["metadata"]["name"], new)
    return _keep_identity(current, new)


def status_updated_body(info: KindInfo, current: Obj, request: Obj) -> Obj:
    """`update_status`: only the request's status."""
    check_kind(request, info)
    check_precondition(info, current, metadata_of(request, info.kind))
    return _with_status_of(dict(current), request)


def patched_body(info: KindInfo, current: Obj, patch: Obj, subresource: str | None) -> Obj:
    if not isinstance(patch, dict):
        raise Invalid(f"a merge patch must be a JSON object, got {type(patch).__name__}", kind=info.kind)
    patch_metadata = patch.get("metadata")
    if isinstance(patch_metadata, dict):
        check_precondition(info, current, patch_metadata)
    merged: Obj = merge_patch(current, patch)
    if subresource is None:
        merged = stored_form(info, merged)
        check_spec(info, current["metadata"]["name"], merged)
        return _keep_identity(current, _with_status_of(merged, current))
    if subresource == "status":
        return _with_status_of(dict(current), merged)
    raise NotFound(
        f'{info.resource} "{current["metadata"]["name"]}": no subresource "{subresource}" (only "status")',
        kind=info.resource,
        name=current["metadata"]["name"],
    )


def content_changed(old: Obj, new: Obj) -> bool:
    """Whether anything but metadata and status differs: what bumps metadata.generation."""
    for key in old.keys() | new.keys():
        if key not in ("metadata", "status") and old.get(key) != new.get(key):
            return True
    return False


def owner_uids(obj: Obj) -> list[str]:
    refs = obj.get("metadata", {}).get("ownerReferences") or []
    return [ref["uid"] for ref in refs]


def without_owner(obj: Obj, owner_uid: str) -> Obj:
    """The object with its ownerReferences to `owner_uid` removed (orphaning, or a gone co-owner)."""
    metadata = dict(obj["metadata"])
    refs = [ref for ref in metadata.get("ownerReferences") or [] if ref.get("uid") != owner_uid]
    if refs:
        metadata["ownerReferences"] = refs
    else:
        metadata.pop("ownerReferences", None)
    return {**obj, "metadata": metadata}


def validate_stored(info: KindInfo, body: Obj) -> None:
    """Checks that apply to every write, after the rules above built the body."""
    check_metadata(info, body["metadata"]["name"], body["metadata"])
