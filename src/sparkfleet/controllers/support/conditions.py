"""Reading and writing the status conditions and owners of the objects the Karpenter-side controllers
share (NodeClaims, Nodes): one home, so the NodeClaim controller and disruption read them alike."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sparkfleet.api.karpenter import API_VERSION
from sparkfleet.api.timefmt import format_rfc3339

__all__ = ["claim_owner", "condition_true", "conditions_of", "meta_of", "with_condition"]


def meta_of(obj: Mapping[str, Any]) -> dict[str, Any]:
    meta = obj.get("metadata")
    return meta if isinstance(meta, dict) else {}


def conditions_of(obj: Mapping[str, Any]) -> list[dict[str, Any]]:
    status = obj.get("status") or {}
    return [c for c in status.get("conditions") or [] if isinstance(c, dict)]


def condition_true(obj: Mapping[str, Any], kind: str) -> bool:
    """Whether the object's status has condition `kind` with status True."""
    return any(c.get("type") == str(kind) and c.get("status") == "True" for c in conditions_of(obj))


def with_condition(
    conditions: list[dict[str, Any]], kind: str, status: str, reason: str, message: str, now: datetime
) -> list[dict[str, Any]]:
    """The conditions with `kind` set; lastTransitionTime moves only when the status changes."""
    out = []
    found = False
    for cond in conditions:
        if cond.get("type") != kind:
            out.append(cond)
            continue
        found = True
        changed = cond.get("status") != status
        out.append(
            {
                **cond,
                "status": status,
                "reason": reason,
                "message": message,
                "lastTransitionTime": format_rfc3339(now) if changed else cond.get("lastTransitionTime"),
            }
        )
    if not found:
        out.append(
            {
                "type": kind,
                "status": status,
                "reason": reason,
                "message": message,
                "lastTransitionTime": format_rfc3339(now),
            }
        )
    return out


def claim_owner(obj: Mapping[str, Any]) -> str | None:
    """The NodeClaim a Node belongs to (its ownerReference), or None."""
    for ref in meta_of(obj).get("ownerReferences") or []:
        if ref.get("kind") == "NodeClaim" and ref.get("apiVersion", API_VERSION).startswith("karpenter.sh/"):
            name = ref.get("name")
            return name if isinstance(name, str) else None
    return None
