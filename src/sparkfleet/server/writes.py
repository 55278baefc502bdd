"""The writing verbs: create, update (and status), the patch types, delete, delete collection, binding."""

from __future__ import annotations

from collections.abc import Mapping
from contextlib import AbstractContextManager, nullcontext
from typing import Any

from starlette.responses import Response

from sparkfleet.cluster import (
    BadRequest,
    ClusterError,
    Conflict,
    KindInfo,
    NotFound,
    Obj,
    PropagationPolicy,
    initial_status,
)
from sparkfleet.server.errors import Cause, CauseType, FieldInvalid, UnsupportedMediaType, success_status
from sparkfleet.server.patch import PatchType, apply_patch
from sparkfleet.server.request import (
    ApiContext,
    ApiRequest,
    decode,
    json_response,
    media_type,
    object_for,
    refuse_dry_run,
)
from sparkfleet.server.routes import ResourcePath, Subresource
from sparkfleet.server.validation import FieldValidation, admit, field_validation

__all__ = ["bind", "create", "delete", "delete_collection", "patch", "update"]

# Groups whose kinds are Kubernetes' own, with strategic-merge keys; the others are custom resources.
_BUILTIN_GROUPS = frozenset({"", "scheduling.k8s.io"})
_PATCH_RETRIES = 8


def _within_quota(ctx: ApiContext, target: ResourcePath, obj: Obj) -> AbstractContextManager[None]:
    """Around a create: refused (403) when it would pass the namespace's object quota."""
    if ctx.quota is None:
        return nullcontext()
    name = str(obj["metadata"].get("name") or obj["metadata"].get("generateName") or "")
    return ctx.quota.admitting(target.info, target.namespace, name)


def create(ctx: ApiContext, target: ResourcePath, req: ApiRequest) -> Response:
    refuse_dry_run(req.query)
    obj = object_for(target, decode(req))
    with _within_quota(ctx, target, obj):
        admitted = admit(target.info, obj, field_validation(req.query.get("fieldValidation")))
        created = ctx.cluster.create(initial_status(target.info, admitted.obj))
    return json_response(created, 201, admitted.warnings)


def _without_status(obj: Obj) -> Obj:
    return {k: v for k, v in obj.items() if k != "status"}


def update(ctx: ApiContext, target: ResourcePath, req: ApiRequest) -> Response:
    refuse_dry_run(req.query)
    info, mode = target.info, field_validation(req.query.get("fieldValidation"))
    obj = object_for(target, decode(req), target.name)
    if target.subresource is Subresource.STATUS:
        current = ctx.cluster.get(info.kind, target.namespace, str(target.name))
        admitted = admit(info, {**current, "status": obj.get("status")}, mode, status_only=True)
        stored = ctx.cluster.update_status({**obj, "status": admitted.obj.get("status")})
    else:
        admitted = admit(info, _without_status(obj), mode)
        stored = ctx.cluster.update(admitted.obj)
    return json_response(stored, 200, admitted.warnings)


def _patch_type(req: ApiRequest) -> PatchType:
    media = media_type(req)
    try:
        return PatchType(media)
    except ValueError:
        raise UnsupportedMediaType(
            f'the body of the request was in an unknown format "{media}": accepted media types include '
            + ", ".join(t.value for t in PatchType)
        ) from None


def _check_identity(info: KindInfo, current: Obj, result: Any, name: str) -> Obj:
    if not isinstance(result, dict):
        raise FieldInvalid(info.kind, info.group, name, [Cause("", "the patched document is not an object")])
    metadata = result.get("metadata")
    if not isinstance(metadata, dict):
        raise FieldInvalid(info.kind, info.group, name, [Cause("metadata", "must be an object")])
    causes = [
        Cause(f"metadata.{field}", "field is immutable")
        for field in ("name", "namespace", "uid")
        if metadata.get(field) != current["metadata"].get(field)
    ]
    causes += [
        Cause(field, f"cannot change from {current.get(field)} to {result.get(field)}")
        for field in ("kind", "apiVersion")
        if result.get(field) != current.get(field)
    ]
    if causes:
        raise FieldInvalid(info.kind, info.group, name, causes)
    return result


def _apply_create(
    ctx: ApiContext, target: ResourcePath, applied: Any, mode: FieldValidation
) -> Response | None:
    """Server-side apply of an absent object creates it (None if it appeared meanwhile)."""
    obj = object_for(target, applied, target.name)
    try:
        with _within_quota(ctx, target, obj):
            admitted = admit(target.info, obj, mode)
            created = ctx.cluster.create(initial_status(target.info, admitted.obj))
    except ClusterError as exc:
        if exc.reason == "AlreadyExists":
            return None
        raise
    return json_response(created, 201, admitted.warnings)


def patch(ctx: ApiContext, target: ResourcePath, req: ApiRequest) -> Response:
    refuse_dry_run(req.query)
    info, name = target.info, str(target.name)
    patch_type = _patch_type(req)
    mode = field_validation(req.query.get("fieldValidation"))
    document = decode(req, yaml_allowed=patch_type is PatchType.APPLY)
    if "force" in req.query and patch_type is not PatchType.APPLY:
        raise BadRequest("force is only allowed for apply patches (application/apply-patch+yaml)")
    if patch_type is PatchType.APPLY and not req.query.get("fieldManager"):
        raise BadRequest("fieldManager is required for apply patches")
    status_only = target.subresource is Subresource.STATUS
    for _ in range(_PATCH_RETRIES):
        try:
            current = ctx.cluster.get(info.kind, target.namespace, name)
        except NotFound:
            if patch_type is not PatchType.APPLY or status_only:
                raise
            created = _apply_create(ctx, target, document, mode)
            if created is None:
                continue
            return created
        result = _check_identity(
            info,
            current,
            apply_patch(current, document, patch_type, core=info.group in _BUILTIN_GROUPS),
            name,
        )
        # A resourceVersion the patch itself sets is the caller's precondition; otherwise the one read
        # here is, and a concurrent write means trying again on the newer object.
        own_precondition = result["metadata"].get("resourceVersion") not in (
            None,
            current["metadata"]["resourceVersion"],
        )
        result["metadata"].setdefault("resourceVersion", current["metadata"]["resourceVersion"])
        try:
            if status_only:
                admitted = admit(info, result, mode, status_only=True)
                stored = ctx.cluster.update_status(admitted.obj)
            else:
                admitted = admit(info, _without_status(result), mode)
                stored = ctx.cluster.update(admitted.obj)
        except Conflict:
            if own_precondition:
                raise
            continue
        return json_response(stored, 200, admitted.warnings)
    raise Conflict.stale(info.resource, name)


def _propagation(req: ApiRequest, options: Mapping[str, Any]) -> str:
    policy = req.query.get("propagationPolicy") or options.get("propagationPolicy")
    if policy:
        if policy not in {p.value for p in PropagationPolicy}:
            raise BadRequest(
                f'propagationPolicy "{policy}" is not one of {", ".join(p.value for p in PropagationPolicy)}'
            )
        return str(policy)
    orphan = req.query.get("orphanDependents") or options.get("orphanDependents")
    if orphan is True or str(orphan).lower() == "true":
        return PropagationPolicy.ORPHAN.value
    return PropagationPolicy.BACKGROUND.value


def _delete_options(req: ApiRequest) -> Mapping[str, Any]:
    if not req.body.strip():
        return {}
    options = decode(req, yaml_allowed=False)
    if not isinstance(options, dict):
        raise BadRequest("the body of a DELETE must be a DeleteOptions object")
    if options.get("dryRun"):
        raise BadRequest("dryRun is not supported by this server")
    return options


def _check_preconditions(ctx: ApiContext, target: ResourcePath, options: Mapping[str, Any]) -> None:
    wanted = options.get("preconditions") or {}
    if not isinstance(wanted, dict) or not wanted:
        return
    current = ctx.cluster.get(target.info.kind, target.namespace, str(target.name))["metadata"]
    for field in ("uid", "resourceVersion"):
        if wanted.get(field) and wanted[field] != current.get(field):
            raise Conflict(
                f"Precondition failed: {field} in precondition: {wanted[field]}, {field} in object meta: "
                f"{current.get(field)}",
                kind=target.info.resource,
                name=target.name,
            )


def delete(ctx: ApiContext, target: ResourcePath, req: ApiRequest) -> Response:
    refuse_dry_run(req.query)
    options = _delete_options(req)
    policy = _propagation(req, options)
    _check_preconditions(ctx, target, options)
    deleted = ctx.cluster.delete(target.info.kind, target.namespace, str(target.name), policy)
    return json_response(deleted)


def delete_collection(ctx: ApiContext, target: ResourcePath, req: ApiRequest) -> Response:
    refuse_dry_run(req.query)
    info = target.info
    policy = _propagation(req, _delete_options(req))
    matching = ctx.cluster.list(
        info.kind,
        target.namespace,
        req.query.get("labelSelector") or None,
        req.query.get("fieldSelector") or None,
    ).items
    deleted: list[Obj] = []
    for obj in matching:
        try:
            deleted.append(
                ctx.cluster.delete(
                    info.kind, obj["metadata"].get("namespace"), obj["metadata"]["name"], policy
                )
            )
        except NotFound:
            continue  # gone meanwhile, e.g. with an owner deleted earlier in this loop
    return json_response(
        {"kind": f"{info.kind}List", "apiVersion": info.api_version, "metadata": {}, "items": deleted}
    )


def bind(ctx: ApiContext, target: ResourcePath, req: ApiRequest) -> Response:
    body = decode(req)
    if not isinstance(body, dict) or body.get("kind", "Binding") != "Binding":
        raise BadRequest("the body must be a v1 Binding object")
    metadata = body.get("metadata") or {}
    named = metadata.get("name") if isinstance(metadata, dict) else None
    pod = target.name or named
    if not pod:
        raise BadRequest("a Binding needs metadata.name: the pod to bind")
    if target.name and named and named != target.name:
        raise BadRequest(
            f"the name of the object ({named}) does not match the name on the URL ({target.name})"
        )
    node_target = body.get("target") or {}
    node = node_target.get("name") if isinstance(node_target, dict) else None
    if not node:
        raise FieldInvalid(
            "Binding", "", str(pod), [Cause("target.name", "Required value", CauseType.REQUIRED)]
        )
    assert target.namespace is not None
    ctx.cluster.bind(target.namespace, str(pod), str(node))
    return json_response(success_status(201), 201)
