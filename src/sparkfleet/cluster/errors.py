"""Errors of the cluster port, shaped like Kubernetes `Status` failures (reason + HTTP code)."""

from __future__ import annotations

from typing import ClassVar

__all__ = [
    "AlreadyExists",
    "BadRequest",
    "ClusterError",
    "Conflict",
    "Gone",
    "Invalid",
    "NotFound",
    "StorageError",
    "UnknownKind",
]


class ClusterError(Exception):
    """Base of every error the cluster port raises; `reason` and `code` follow Kubernetes' Status (the body
    is `sparkfleet.server.errors.status_of`)."""

    reason: ClassVar[str] = "InternalError"
    code: ClassVar[int] = 500

    def __init__(self, message: str, *, kind: str | None = None, name: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.kind = kind
        self.name = name


class BadRequest(ClusterError):
    reason = "BadRequest"
    code = 400


class NotFound(ClusterError):
    reason = "NotFound"
    code = 404

    @classmethod
    def of(cls, resource: str, name: str) -> NotFound:
        return cls(f'{resource} "{name}" not found', kind=resource, name=name)


class UnknownKind(ClusterError, LookupError):
    """A kind the platform does not store (Kubernetes answers 404 for an unknown resource type)."""

    reason = "NotFound"
    code = 404

    def __init__(self, name: str, known: list[str]) -> None:
        super().__init__(
            f'the server doesn\'t have a resource type "{name}"; known kinds: {", ".join(known)}', kind=name
        )


class AlreadyExists(ClusterError):
    reason = "AlreadyExists"
    code = 409

    @classmethod
    def of(cls, resource: str, name: str) -> AlreadyExists:
        return cls(f'{resource} "{name}" already exists', kind=resource, name=name)


class Conflict(ClusterError):
    """A write based on a stale resourceVersion (optimistic concurrency), or a conflicting state."""

    reason = "Conflict"
    code = 409

    @classmethod
    def stale(cls, resource: str, name: str) -> Conflict:
        return cls(
            f'Operation cannot be fulfilled on {resource} "{name}": the object has been modified; '
            "please apply your changes to the latest version and try again",
            kind=resource,
            name=name,
        )


class Invalid(ClusterError):
    reason = "Invalid"
    code = 422

    @classmethod
    def field(cls, kind: str, name: str, path: str, value: object, detail: str) -> Invalid:
        return cls(
            f'{kind} "{name}" is invalid: {path}: Invalid value: {_quote(value)}: {detail}',
            kind=kind,
            name=name,
        )


class Gone(ClusterError):
    """A watch asked to resume from a resourceVersion older than the kept history, or one whose client
    fell too far behind: either way the client lists again."""

    reason = "Expired"
    code = 410


class StorageError(ClusterError):
    """The store cannot take the write (or be opened): its disk is full, read-only or failing.

    Kubernetes answers an etcd failure with a 500; this is 507 Insufficient Storage instead, so a client
    can tell "the cluster's disk" from a bug, and the message names the store and the cause."""

    reason = "StorageError"
    code = 507


def _quote(value: object) -> str:
    return f'"{value}"' if isinstance(value, str) else repr(value)
