"""Gang scheduling: task groups, scheduling policy parameters and placeholder pods, as the YuniKorn shim does.

The originator pod (the Spark driver) carries `yunikorn.apache.org/task-groups`, a JSON list of groups with
`minMember` and `minResource`. Each group gets `minMember` placeholder pods (pause containers whose requests
and limits are `minResource`) that reserve room for the real pods; a real pod of a group later takes a
placeholder's place on its node.
"""

from __future__ import annotations

import functools
import hashlib
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from pydantic import ValidationError

from sparkfleet.api.placement import Affinity, Toleration
from sparkfleet.api.podrequests import resource_amount
from sparkfleet.api.quantity import QuantityError
from sparkfleet.api.settings import DEFAULT_MAX_EXECUTORS
from sparkfleet.api.wire import (
    ANNOTATION_PLACEHOLDER,
    ANNOTATION_SCHEDULING_POLICY_PARAMETERS,
    ANNOTATION_TASK_GROUP_NAME,
    ANNOTATION_TASK_GROUPS,
    LABEL_APPLICATION_ID,
    LABEL_PLACEHOLDER,
    LABEL_QUEUE,
    SCHEDULER_NAME,
)
from sparkfleet.engine.scheduling.resources import PODS, Resources, format_resources
from sparkfleet.engine.scheduling.snapshot import Constraints, PodRecord

DEFAULT_PLACEHOLDER_TIMEOUT = 15 * 60.0
MAX_GANG_MEMBERS = DEFAULT_MAX_EXECUTORS + 1
"""The driver and the most executors any cluster lets an application ask for."""
"""placeholderTimeoutInSeconds when absent or not a positive integer (YuniKorn's default: 15 minutes)."""
TIMEOUT_PARAM = "placeholderTimeoutInSeconds"
STYLE_PARAM = "gangSchedulingStyle"
PLACEHOLDER_CONTAINER = "pause"
PLACEHOLDER_UID = 1000
PLACEHOLDER_GID = 3000


class GangStyle(StrEnum):
    SOFT = "Soft"
    HARD = "Hard"


class TaskGroupError(ValueError):
    """The task-groups annotation cannot be used; the message says what to fix."""


@dataclass(frozen=True, slots=True)
class TaskGroup:
    name: str
    min_member: int
    min_resource: Resources
    """minResource in engine units (cpu millis, bytes); placeholders request this plus one pod."""
    raw_min_resource: Mapping[str, Any]
    constraints: Constraints
    node_selector: Mapping[str, str] = field(default_factory=dict)
    tolerations: tuple[Mapping[str, Any], ...] = ()
    affinity: Mapping[str, Any] | None = None
    topology_spread: tuple[Mapping[str, Any], ...] = ()
    labels: Mapping[str, str] = field(default_factory=dict)
    annotations: Mapping[str, str] = field(default_factory=dict)
    placeholder_requests: Resources = field(default_factory=Resources)
    """What one placeholder requests: minResource and one pod."""


@dataclass(frozen=True, slots=True)
class PolicyParameters:
    timeout: float = DEFAULT_PLACEHOLDER_TIMEOUT
    style: GangStyle = GangStyle.SOFT
    ignored: tuple[str, ...] = ()
    """Parameters that were not understood (misspelt keys, bad values): worth a warning event."""


def parse_policy_parameters(raw: str | None) -> PolicyParameters:
    """`placeholderTimeoutInSeconds=N gangSchedulingStyle=Soft|Hard`, parsed leniently as the shim does.

    Unknown keys and malformed values are ignored (the defaults apply) but reported in `ignored`.
    """
    if not raw:
        return PolicyParameters()
    timeout = DEFAULT_PLACEHOLDER_TIMEOUT
    style = GangStyle.SOFT
    ignored: list[str] = []
    for token in raw.split():
        parts = token.split("=")
        if len(parts) != 2:
            ignored.append(token)
            continue
        key, value = parts
        if key == TIMEOUT_PARAM:
            try:
                seconds = int(value)
            except ValueError:
                ignored.append(token)
                continue
            if seconds > 0:
                timeout = float(seconds)
            else:
                ignored.append(token)
        elif key == STYLE_PARAM:
            if value in (GangStyle.SOFT.value, GangStyle.HARD.value):
                style = GangStyle(value)
            else:
                ignored.append(token)
        else:
            ignored.append(token)
    return PolicyParameters(timeout, style, tuple(ignored))


def parse_task_groups(raw: str) -> list[TaskGroup]:
    """The task groups of an originator pod; raises TaskGroupError naming the problem."""
    try:
        data = json.loads(raw)
    except ValueError as exc:
        raise TaskGroupError(f"annotation {ANNOTATION_TASK_GROUPS} is not valid JSON: {exc}") from None
    if not isinstance(data, list):
        raise TaskGroupError(f"annotation {ANNOTATION_TASK_GROUPS} must be a JSON list of task groups")
    groups: list[TaskGroup] = []
    seen: set[str] = set()
    for i, item in enumerate(data):
        where = f"{ANNOTATION_TASK_GROUPS}[{i}]"
        if not isinstance(item, dict):
            raise TaskGroupError(f"{where} must be an object with name, minMember and minResource")
        name = item.get("name")
        if not isinstance(name, str) or not name:
            raise TaskGroupError(f"{where}.name is missing: every task group needs a name")
        if name in seen:
            raise TaskGroupError(f'{where}.name "{name}" is used twice: task group names must be unique')
        seen.add(name)
        min_member = item.get("minMember", 0)
        if not isinstance(min_member, int) or isinstance(min_member, bool) or min_member < 0:
            raise TaskGroupError(f"{where}.minMember must be a non-negative integer, got {min_member!r}")
        raw_res = item.get("minResource") or {}
        if not isinstance(raw_res, dict):
            raise TaskGroupError(f"{where}.minResource must be a map of resource quantities")
        amounts: dict[str, int] = {}
        for res_name, quantity in raw_res.items():
            try:
                amounts[res_name] = resource_amount(res_name, quantity)
            except (QuantityError, TypeError):
                raise TaskGroupError(
                    f"{where}.minResource.{res_name}: {quantity!r} is not a Kubernetes quantity"
                ) from None
        selector = item.get("nodeSelector") or {}
        raw_tols = item.get("tolerations") or []
        raw_affinity = item.get("affinity") or None
        try:
            tolerations = [Toleration.model_validate(t) for t in raw_tols]
            affinity = Affinity.model_validate(raw_affinity) if raw_affinity else None
        except ValidationError as exc:
            first = exc.errors(include_url=False)[0]
            raise TaskGroupError(f"{where}: invalid tolerations or affinity: {first['msg']}") from None
        required = None
        if (
            affinity
            and affinity.nodeAffinity
            and affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution
        ):
            required = affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms
        if not isinstance(selector, dict):
            raise TaskGroupError(f"{where}.nodeSelector must be a map of label keys to values")
        groups.append(
            TaskGroup(
                name=name,
                min_member=min_member,
                min_resource=Resources(amounts),
                raw_min_resource=dict(raw_res),
                constraints=Constraints(selector, tolerations, required),
                placeholder_requests=Resources(amounts) + Resources({PODS: 1}),
                node_selector=dict(selector),
                tolerations=tuple(raw_tols),
                affinity=raw_affinity,
                topology_spread=tuple(item.get("topologySpreadConstraints") or []),
                labels=dict(item.get("labels") or {}),
                annotations=dict(item.get("annotations") or {}),
            )
        )
    members = sum(g.min_member for g in groups)
    if members > MAX_GANG_MEMBERS:
        # Each member becomes a placeholder pod: refuse before making any.
        raise TaskGroupError(
            f"annotation {ANNOTATION_TASK_GROUPS} asks for {members} members, above the {MAX_GANG_MEMBERS} "
            "an application may have (a driver and at most limits.maxExecutors executors): lower minMember"
        )
    return groups


_NOT_DNS = re.compile(r"[^a-z0-9-]+")


def _dns_part(text: str, limit: int) -> str:
    part = _NOT_DNS.sub("-", text.lower())[:limit].strip("-")
    return part or "x"


@functools.lru_cache(maxsize=1024)
def _name_prefix(app_id: str, group: str) -> str:
    return f"tg-{_dns_part(app_id, 28)}-{_dns_part(group, 20)}-"


def placeholder_name(app_id: str, group: str, index: int, originator: str) -> str:
    """`tg-<app>-<group>-<nonce>` as the shim names them (28 + 20 characters at most, 10-character nonce).

    The nonce is a hash of (app, group, index, originator uid), not random, so a decision can be
    recomputed and compared; the originator makes each run's placeholders its own, so a rerun never takes
    a placeholder of the run before it (one still terminating, say) for one of its own.
    """
    key = f"{app_id}\x00{group}\x00{index}\x00{originator}"
    nonce = hashlib.blake2s(key.encode(), digest_size=5).hexdigest()
    return _name_prefix(app_id, group) + nonce


@dataclass(frozen=True, slots=True)
class PlaceholderPod:
    """A placeholder the controller must create (the decision also says where it is bound, if anywhere)."""

    namespace: str
    name: str
    app_id: str
    queue: str
    task_group: TaskGroup
    originator: PodRecord
    task_groups_json: str
    policy_params: str | None
    image: str

    def record(self, created: float) -> PodRecord:
        """The placeholder as a pod the scheduler can place in the same cycle it creates it."""
        return PodRecord(
            uid="",
            namespace=self.namespace,
            name=self.name,
            app_id=self.app_id,
            requests=self.task_group.placeholder_requests,
            constraints=self.task_group.constraints,
            queue=self.queue,
            priority=self.originator.priority,
            created=created,
            task_group=self.task_group.name,
            placeholder=True,
            user=self.originator.user,
            groups=self.originator.groups,
            priority_class=self.originator.priority_class,
            owner=self.originator.uid or None,
        )

    def manifest(self) -> dict[str, Any]:
        """The Pod object, shaped as the shim creates placeholders (labels, annotations, owner, pause)."""
        group = self.task_group
        labels = {
            **group.labels,
            LABEL_APPLICATION_ID: self.app_id,
            LABEL_QUEUE: self.queue,
            LABEL_PLACEHOLDER: "true",
        }
        annotations = {
            **group.annotations,
            ANNOTATION_PLACEHOLDER: "true",
            ANNOTATION_TASK_GROUP_NAME: group.name,
            ANNOTATION_TASK_GROUPS: self.task_groups_json,
        }
        if self.policy_params:
            annotations[ANNOTATION_SCHEDULING_POLICY_PARAMETERS] = self.policy_params
        quantities = {k: v if isinstance(v, str) else str(v) for k, v in group.raw_min_resource.items()}
        spec: dict[str, Any] = {
            "securityContext": {"runAsUser": PLACEHOLDER_UID, "runAsGroup": PLACEHOLDER_GID},
            "containers": [
                {
                    "name": PLACEHOLDER_CONTAINER,
                    "image": self.image,
                    "imagePullPolicy": "IfNotPresent",
                    "resources": {"requests": dict(quantities), "limits": dict(quantities)},
                }
            ],
            "restartPolicy": "Never",
            "schedulerName": SCHEDULER_NAME,
        }
        if group.node_selector:
            spec["nodeSelector"] = dict(group.node_selector)
        if group.tolerations:
            spec["tolerations"] = [dict(t) for t in group.tolerations]
        if group.affinity:
            spec["affinity"] = dict(group.affinity)
        if group.topology_spread:
            spec["topologySpreadConstraints"] = [dict(t) for t in group.topology_spread]
        if self.originator.priority_class:
            spec["priorityClassName"] = self.originator.priority_class
        metadata: dict[str, Any] = {
            "name": self.name,
            "namespace": self.namespace,
            "labels": labels,
            "annotations": annotations,
        }
        if self.originator.uid:
            metadata["ownerReferences"] = [
                {
                    "apiVersion": "v1",
                    "kind": "Pod",
                    "name": self.originator.name,
                    "uid": self.originator.uid,
                    "controller": False,
                }
            ]
        return {"apiVersion": "v1", "kind": "Pod", "metadata": metadata, "spec": spec}


def describe_gang(groups: list[TaskGroup]) -> str:
    return ", ".join(f"{g.name} {g.min_member} x {format_resources(g.min_resource)}" for g in groups)
