"""Which pods a provisioning batch plans: pods the scheduler marked Unschedulable, whole gangs together.

Only pods marked `PodScheduled=False, reason=Unschedulable` count, as in Karpenter. Pods of one YuniKorn
gang (task groups, or their placeholders) share a gang id and are planned all or nothing. While a task
group's placeholders hold (or are being given) room, as many of its real pods are left out: once bound
they take the placeholders' place, so planning for them too would buy the gang's capacity twice.
A batch that holds nothing but whole gangs (`whole_gangs`) gains nothing from waiting: the scheduler
creates a gang's placeholders in one pass, so no more of them are coming.
Pure functions over pod objects (the store's JSON form).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, TypeVar

from sparkfleet.api.wire import (
    ANNOTATION_TASK_GROUP_NAME,
    ANNOTATION_TASK_GROUPS,
    CONDITION_POD_SCHEDULED,
    REASON_UNSCHEDULABLE,
    ConditionStatus,
)
from sparkfleet.engine.scheduling.apps import app_id_of, is_placeholder
from sparkfleet.engine.scheduling.gang import TaskGroupError, parse_task_groups

__all__ = [
    "gang_of",
    "is_daemonset_pod",
    "is_provisionable",
    "is_terminal",
    "task_group_of",
    "whole_gangs",
    "without_reserved",
]

_TERMINAL_PHASES = frozenset({"Succeeded", "Failed"})
_P = TypeVar("_P", bound=Mapping[str, Any])


def _meta(obj: Mapping[str, Any]) -> Mapping[str, Any]:
    meta = obj.get("metadata")
    return meta if isinstance(meta, Mapping) else {}


def is_daemonset_pod(pod: Mapping[str, Any]) -> bool:
    return any(ref.get("kind") == "DaemonSet" for ref in _meta(pod).get("ownerReferences") or [])


def is_terminal(pod: Mapping[str, Any]) -> bool:
    """Finished or going away: it holds no room on its node."""
    phase = (pod.get("status") or {}).get("phase")
    return phase in _TERMINAL_PHASES or bool(_meta(pod).get("deletionTimestamp"))


def is_provisionable(pod: Mapping[str, Any]) -> bool:
    """A pending, unbound pod the scheduler marked PodScheduled=False, reason=Unschedulable."""
    if (pod.get("spec") or {}).get("nodeName") or is_terminal(pod) or is_daemonset_pod(pod):
        return False
    status = pod.get("status") or {}
    if status.get("phase") not in (None, "Pending"):
        return False
    return any(
        c.get("type") == CONDITION_POD_SCHEDULED
        and c.get("status") == ConditionStatus.FALSE
        and c.get("reason") == REASON_UNSCHEDULABLE
        for c in status.get("conditions") or []
    )


def gang_of(pod: Mapping[str, Any]) -> str | None:
    """`<namespace>/<application id>` for a pod of a YuniKorn gang (task groups or a placeholder)."""
    meta = _meta(pod)
    labels = meta.get("labels") or {}
    annotations = meta.get("annotations") or {}
    if not (
        annotations.get(ANNOTATION_TASK_GROUP_NAME)
        or annotations.get(ANNOTATION_TASK_GROUPS)
        or is_placeholder(labels, annotations)
    ):
        return None
    namespace = meta.get("namespace") or "default"
    return f"{namespace}/{app_id_of(labels, annotations, namespace)}"


def task_group_of(pod: Mapping[str, Any]) -> tuple[str, str] | None:
    """(gang, task group) for a pod that names its task group, else None."""
    group = (_meta(pod).get("annotations") or {}).get(ANNOTATION_TASK_GROUP_NAME)
    gang = gang_of(pod)
    return (gang, group) if gang is not None and isinstance(group, str) and group else None


def _placeholder(pod: Mapping[str, Any]) -> bool:
    meta = _meta(pod)
    return is_placeholder(meta.get("labels") or {}, meta.get("annotations") or {})


def without_reserved(pending: Sequence[_P], pods: Iterable[Mapping[str, Any]]) -> list[_P]:
    """`pending` without the real gang pods whose task group's live placeholders (in `pods`) stand for
    them; which of a group's real pods are left out follows their names, so rounds agree."""
    reserved: Counter[tuple[str, str]] = Counter()
    for pod in pods:
        if not is_terminal(pod) and _placeholder(pod):
            key = task_group_of(pod)
            if key is not None:
                reserved[key] += 1
    if not reserved:
        return list(pending)
    out = []
    for pod in sorted(pending, key=lambda p: str(_meta(p).get("name", ""))):
        key = task_group_of(pod)
        if key is not None and reserved[key] > 0 and not _placeholder(pod):
            reserved[key] -= 1
            continue
        out.append(pod)
    return out


def whole_gangs(pending: Iterable[Mapping[str, Any]]) -> bool:
    """Whether `pending` is nothing but whole gangs: every pod belongs to one, and each of those gangs has
    every task group's `minMember` placeholders among them. A gang whose placeholders are not all there
    yet (its driver is pending, the scheduler has not made them) is not whole."""
    wanted: dict[str, dict[str, int]] = {}
    found: Counter[tuple[str, str]] = Counter()
    gangs: set[str] = set()
    for pod in pending:
        gang = gang_of(pod)
        if gang is None:
            return False
        gangs.add(gang)
        if not _placeholder(pod):
            continue
        group = task_group_of(pod)
        if group is None:
            return False
        found[group] += 1
        if gang not in wanted:
            raw = (_meta(pod).get("annotations") or {}).get(ANNOTATION_TASK_GROUPS)
            try:
                groups = parse_task_groups(raw) if isinstance(raw, str) else []
            except TaskGroupError:
                return False
            wanted[gang] = {g.name: g.min_member for g in groups}
    return (
        bool(gangs)
        and gangs <= wanted.keys()
        and all(found[(gang, name)] >= n for gang, groups in wanted.items() for name, n in groups.items())
    )
