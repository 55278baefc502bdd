"""`SelfSubjectAccessReview` (`authorization.k8s.io/v1`): what `kubectl auth can-i` asks.

There is no RBAC (docs/api-compatibility.md): the cluster token may do everything, a read-only token may
get, list and watch. The review answers by the same rule the middleware enforces (server/auth.py), so
`can-i` tells a client what a request would get. As in kube-apiserver, every authenticated user may
create a review, read-only tokens included: it reads nothing and changes nothing.
"""

from __future__ import annotations

import json
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from sparkfleet.cluster import BadRequest
from sparkfleet.server.errors import RequestEntityTooLarge, status_of

__all__ = [
    "MAX_REVIEW_BYTES",
    "READ_ONLY_SCOPE_KEY",
    "READ_VERBS",
    "SELF_SUBJECT_ACCESS_REVIEWS",
    "review",
    "self_subject_access_review",
]

SELF_SUBJECT_ACCESS_REVIEWS = "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews"
READ_ONLY_SCOPE_KEY = "sparkfleet.read_only"
"""The ASGI scope key that says the authenticated token is read-only."""
READ_VERBS = frozenset({"get", "list", "watch"})
"""The RBAC verbs a read-only token is allowed (non-resource URLs: `get` and `head`)."""
_API_VERSION = "authorization.k8s.io/v1"
MAX_REVIEW_BYTES = 64 * 1024


def review(body: Any, read_only: bool) -> dict[str, Any]:
    """The SelfSubjectAccessReview `body` answered for a token (read-only or not); BadRequest when it is
    not one."""
    if not isinstance(body, dict) or body.get("kind") != "SelfSubjectAccessReview":
        raise BadRequest("the body must be a SelfSubjectAccessReview (kind: SelfSubjectAccessReview)")
    spec = body.get("spec")
    if not isinstance(spec, dict):
        raise BadRequest("spec: required; set spec.resourceAttributes or spec.nonResourceAttributes")
    resource, non_resource = spec.get("resourceAttributes"), spec.get("nonResourceAttributes")
    if isinstance(resource, dict) == isinstance(non_resource, dict):
        raise BadRequest("spec: exactly one of resourceAttributes and nonResourceAttributes must be set")
    field = "resourceAttributes" if isinstance(resource, dict) else "nonResourceAttributes"
    attributes: dict[str, Any] = spec[field]
    verb = attributes.get("verb")
    if not isinstance(verb, str) or not verb:
        raise BadRequest(f"spec.{field}.verb: required (get, list, watch, create, ...)")
    reads = READ_VERBS if isinstance(resource, dict) else frozenset({"get", "head"})
    allowed = not read_only or verb in reads
    status: dict[str, Any] = {"allowed": allowed}
    if allowed:  # a denial has no reason, as RBAC's: kubectl prints a bare "no"
        status["reason"] = (
            "a read-only token may read" if read_only else "the cluster token may do everything"
        )
    return {
        "kind": "SelfSubjectAccessReview",
        "apiVersion": _API_VERSION,
        "metadata": {"creationTimestamp": None},
        "spec": spec,
        "status": status,
    }


async def self_subject_access_review(request: Request) -> Response:
    """POST /apis/authorization.k8s.io/v1/selfsubjectaccessreviews: 201 with the review's answer."""
    raw = b""
    async for chunk in request.stream():
        raw += chunk
        if len(raw) > MAX_REVIEW_BYTES:  # a review is a few hundred bytes: read no more than this
            too_large = RequestEntityTooLarge(
                f"a SelfSubjectAccessReview may be at most {MAX_REVIEW_BYTES} bytes"
            )
            return JSONResponse(status_of(too_large), status_code=too_large.code)
    try:
        body = json.loads(raw)
    except ValueError:
        return JSONResponse(status_of(BadRequest("the body is not JSON")), status_code=400)
    try:
        answered = review(body, bool(request.scope.get(READ_ONLY_SCOPE_KEY, False)))
    except BadRequest as error:
        return JSONResponse(status_of(error), status_code=error.code)
    return JSONResponse(answered, status_code=201)
