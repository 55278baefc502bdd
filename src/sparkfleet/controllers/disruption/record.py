"""A disruption under way, as kept on its nodes, and what each method asks of it.

The action is written as JSON in the annotation `ANNOTATION_DISRUPTION` of every node it disrupts, so that
a restarted controller finds it there and carries on.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from sparkfleet.api.wire import ANNOTATION_DISRUPTION
from sparkfleet.controllers.disruption.fleetstate import FleetState, meta
from sparkfleet.engine.disruption import Method

__all__ = ["CORDONING", "GRACEFUL", "DisruptionRecord", "under_way"]

GRACEFUL = frozenset({Method.EMPTINESS, Method.MULTI_NODE_CONSOLIDATION, Method.SINGLE_NODE_CONSOLIDATION})
"""Methods that never evict a Spark driver or executor."""
CORDONING = frozenset({Method.INTERRUPTION, Method.EXPIRATION})
"""Methods that also mark their nodes unschedulable."""


@dataclass
class DisruptionRecord:
    """A disruption under way, as kept on its nodes."""

    method: Method
    reason: str
    nodes: list[str]
    evict: list[str] = field(default_factory=list)
    waitFor: list[str] = field(default_factory=list)
    replacements: list[str] = field(default_factory=list)
    waitForReplacements: bool = True
    startedAt: str = ""

    def to_json(self) -> str:
        return json.dumps(
            {
                "method": str(self.method),
                "reason": self.reason,
                "nodes": self.nodes,
                "evict": self.evict,
                "waitFor": self.waitFor,
                "replacements": self.replacements,
                "waitForReplacements": self.waitForReplacements,
                "startedAt": self.startedAt,
            },
            sort_keys=True,
        )

    @staticmethod
    def from_json(text: str) -> DisruptionRecord | None:
        try:
            data = json.loads(text)
            return DisruptionRecord(
                method=Method(data["method"]),
                reason=str(data.get("reason", "")),
                nodes=[str(n) for n in data["nodes"]],
                evict=[str(p) for p in data.get("evict", [])],
                waitFor=[str(p) for p in data.get("waitFor", [])],
                replacements=[str(r) for r in data.get("replacements", [])],
                waitForReplacements=bool(data.get("waitForReplacements", True)),
                startedAt=str(data.get("startedAt", "")),
            )
        except (ValueError, KeyError, TypeError):
            return None


def under_way(state: FleetState) -> list[DisruptionRecord]:
    """The disruptions written on the nodes, each once (an action over several nodes is on each)."""
    seen: dict[str, DisruptionRecord] = {}
    for node in state.nodes.values():
        text = (meta(node).get("annotations") or {}).get(ANNOTATION_DISRUPTION)
        if isinstance(text, str) and text not in seen:
            record = DisruptionRecord.from_json(text)
            if record is not None:
                seen[text] = record
    return list(seen.values())
