"""The cluster layer's face of the table of kinds (`sparkfleet.api.registry`): `lookup` answers an unknown
name with the port's UnknownKind, a 404 as the API server gives for an unknown resource type."""

from __future__ import annotations

from sparkfleet.api.registry import KINDS, KindInfo, find_kind, known_kinds
from sparkfleet.cluster.errors import UnknownKind

__all__ = ["KINDS", "KindInfo", "known_kinds", "lookup"]


def lookup(name: str) -> KindInfo:
    """Find a kind by its kind, plural, short name or `plural.group`, in any letter case."""
    info = find_kind(name)
    if info is None:
        raise UnknownKind(name, known_kinds())
    return info
