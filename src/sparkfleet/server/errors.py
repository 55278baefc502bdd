"""Every failure the API answers is a Kubernetes `v1 Status`; the client turns those back into errors.

The cluster port's errors already carry a reason and an HTTP code; this module adds the failures only
HTTP has (401, 405, 408, 413, 415, 429), `Invalid` with per-field causes (422, as the API server reports
a rejected object), and the Status wire shape: `details.kind` is the resource ("pods"), `details.group`
its group.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from sparkfleet.cluster import (
    AlreadyExists,
    BadRequest,
    ClusterError,
    Conflict,
    Gone,
    Invalid,
    NotFound,
    StorageError,
)

__all__ = [
    "Cause",
    "CauseType",
    "FieldInvalid",
    "Forbidden",
    "MethodNotAllowed",
    "NotAcceptable",
    "RequestEntityTooLarge",
    "RequestTimeout",
    "ServerError",
    "ServiceUnavailable",
    "TooManyRequests",
    "Unauthorized",
    "UnsupportedMediaType",
    "error_from_status",
    "status_of",
    "success_status",
]


class Unauthorized(ClusterError):
    reason = "Unauthorized"
    code = 401


class Forbidden(ClusterError):
    reason = "Forbidden"
    code = 403


class MethodNotAllowed(ClusterError):
    reason = "MethodNotAllowed"
    code = 405


class NotAcceptable(ClusterError):
    reason = "NotAcceptable"
    code = 406


class RequestTimeout(ClusterError):
    reason = "Timeout"
    code = 408


class RequestEntityTooLarge(ClusterError):
    reason = "RequestEntityTooLarge"
    code = 413


class UnsupportedMediaType(ClusterError):
    reason = "UnsupportedMediaType"
    code = 415


class TooManyRequests(ClusterError):
    """Refused for now: the client should try again after `retry_after` seconds (a Retry-After header)."""

    reason = "TooManyRequests"
    code = 429

    def __init__(
        self, message: str, *, retry_after: int = 1, kind: str | None = None, name: str | None = None
    ) -> None:
        super().__init__(message, kind=kind, name=name)
        self.retry_after = retry_after


class ServiceUnavailable(ClusterError):
    reason = "ServiceUnavailable"
    code = 503


class ServerError(ClusterError):
    """A failure with a reason this package has no class for (the HTTP code is kept in `http_code`)."""

    reason = "InternalError"
    code = 500

    def __init__(
        self,
        message: str,
        *,
        kind: str | None = None,
        name: str | None = None,
        http_code: int = 500,
        status_reason: str = "InternalError",
    ) -> None:
        super().__init__(message, kind=kind, name=name)
        self.http_code = http_code
        self.status_reason = status_reason


class CauseType(StrEnum):
    REQUIRED = "FieldValueRequired"
    INVALID = "FieldValueInvalid"


@dataclass(frozen=True, slots=True)
class Cause:
    field: str
    message: str
    reason: CauseType = CauseType.INVALID

    def as_dict(self) -> dict[str, str]:
        return {"reason": self.reason.value, "message": self.message, "field": self.field}


class FieldInvalid(Invalid):
    """An object refused by validation, with one cause per offending field path."""

    def __init__(self, kind: str, group: str, name: str, causes: Sequence[Cause]) -> None:
        qualified = f"{kind}.{group}" if group else kind
        parts = [f"{c.field}: {c.message}" if c.field else c.message for c in causes]
        listed = parts[0] if len(parts) == 1 else f"[{', '.join(parts)}]"
        super().__init__(f'{qualified} "{name}" is invalid: {listed}', kind=kind, name=name)
        self.group = group
        self.causes = list(causes)


def _kind_and_group(err: ClusterError) -> tuple[str | None, str | None]:
    if isinstance(err, FieldInvalid):
        return err.kind, err.group
    if err.kind is None or "." not in err.kind:
        return err.kind, None
    # The store names resources group-qualified ("nodepools.karpenter.sh"); Status splits them.
    resource, _, group = err.kind.partition(".")
    return resource, group


def _code(err: ClusterError) -> int:
    return err.http_code if isinstance(err, ServerError) else err.code


def _reason(err: ClusterError) -> str:
    return err.status_reason if isinstance(err, ServerError) else err.reason


def status_of(err: ClusterError) -> dict[str, Any]:
    """The error as the Status body the Kubernetes API server would send."""
    details: dict[str, Any] = {}
    kind, group = _kind_and_group(err)
    if err.name is not None:
        details["name"] = err.name
    if group:
        details["group"] = group
    if kind is not None:
        details["kind"] = kind
    if isinstance(err, FieldInvalid):
        details["causes"] = [c.as_dict() for c in err.causes]
    if isinstance(err, TooManyRequests):
        details["retryAfterSeconds"] = err.retry_after
    return {
        "kind": "Status",
        "apiVersion": "v1",
        "metadata": {},
        "status": "Failure",
        "message": err.message,
        "reason": _reason(err),
        "details": details,
        "code": _code(err),
    }


def success_status(code: int, details: dict[str, Any] | None = None) -> dict[str, Any]:
    body: dict[str, Any] = {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Success"}
    if details:
        body["details"] = details
    body["code"] = code
    return body


_BY_REASON: dict[str, type[ClusterError]] = {
    "NotFound": NotFound,
    "AlreadyExists": AlreadyExists,
    "Conflict": Conflict,
    "Expired": Gone,
    "Gone": Gone,
    "BadRequest": BadRequest,
    "Unauthorized": Unauthorized,
    "Forbidden": Forbidden,
    "MethodNotAllowed": MethodNotAllowed,
    "NotAcceptable": NotAcceptable,
    "UnsupportedMediaType": UnsupportedMediaType,
    "ServiceUnavailable": ServiceUnavailable,
    "StorageError": StorageError,
    "RequestEntityTooLarge": RequestEntityTooLarge,
    "Timeout": RequestTimeout,
    "TooManyRequests": TooManyRequests,
}


def error_from_status(body: object, http_code: int) -> ClusterError:
    """The ClusterError a Status body (or any error response) stands for."""
    if not isinstance(body, dict) or body.get("kind") != "Status":
        return ServerError(
            f"the server answered HTTP {http_code} without a Status: {str(body)[:200]}",
            http_code=http_code,
            status_reason="InternalError",
        )
    message = str(body.get("message") or f"HTTP {http_code}")
    reason = str(body.get("reason") or "")
    details = body.get("details") if isinstance(body.get("details"), dict) else {}
    assert isinstance(details, dict)
    name = details.get("name")
    resource = details.get("kind")
    group = details.get("group")
    if reason == "Invalid":
        causes = [
            Cause(str(c.get("field") or ""), str(c.get("message") or ""), _cause_type(c.get("reason")))
            for c in details.get("causes") or []
            if isinstance(c, dict)
        ]
        if causes:
            invalid = FieldInvalid(str(resource or ""), str(group or ""), str(name or ""), causes)
            invalid.message = message
            invalid.args = (message,)
            return invalid
    qualified = f"{resource}.{group}" if resource and group else resource
    kind = str(qualified) if qualified else None
    name_text = str(name) if name is not None else None
    if reason == "Invalid":
        return Invalid(message, kind=kind, name=name_text)
    cls = _BY_REASON.get(reason)
    if cls is None:
        return ServerError(
            message, kind=kind, name=name_text, http_code=http_code, status_reason=reason or "InternalError"
        )
    return cls(message, kind=kind, name=name_text)


def _cause_type(value: object) -> CauseType:
    try:
        return CauseType(str(value))
    except ValueError:
        return CauseType.INVALID
