"""What the scheduler is asked about: a frozen snapshot of nodes, pods, queue configuration and app states.

Records are lightweight (not the api models) so that 50,000 pods cost little to build and compare; the
controller builds them with `convert.snapshot_from_objects`, a benchmark builds them directly.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum

from sparkfleet.api.placement import NodeSelectorTerm, Taint, Toleration
from sparkfleet.api.pod import PodPhase
from sparkfleet.api.yunikorn import Partition
from sparkfleet.engine.scheduling.resources import Resources

ENDED_PHASES = frozenset({PodPhase.SUCCEEDED, PodPhase.FAILED})
"""The phases of a pod that has run to its end."""

PLACEHOLDER_IMAGE = "registry.k8s.io/pause:3.7"
DEFAULT_USER = "nobody"


class AppState(StrEnum):
    """The shim's application states (yunikorn-k8shim pkg/cache/application_state.go)."""

    NEW = "New"
    SUBMITTED = "Submitted"
    ACCEPTED = "Accepted"
    RESERVING = "Reserving"
    RUNNING = "Running"
    COMPLETED = "Completed"
    REJECTED = "Rejected"
    FAILING = "Failing"
    FAILED = "Failed"
    RESUMING = "Resuming"


class Constraints:
    """Where a pod may run: nodeSelector, tolerations, required node affinity terms.

    Equal constraints share one node mask per scheduling cycle, so equality and hashing go through a
    canonical key computed once.
    """

    __slots__ = ("_hash", "key", "node_selector", "required_terms", "tolerations")

    node_selector: tuple[tuple[str, str], ...]
    tolerations: tuple[Toleration, ...]
    required_terms: tuple[NodeSelectorTerm, ...] | None
    key: str
    _hash: int

    def __init__(
        self,
        node_selector: Mapping[str, str] | None = None,
        tolerations: Sequence[Toleration] = (),
        required_terms: Sequence[NodeSelectorTerm] | None = None,
    ) -> None:
        selector = tuple(sorted((node_selector or {}).items()))
        tols = tuple(tolerations)
        terms = None if required_terms is None else tuple(required_terms)
        key = json.dumps(
            [
                selector,
                [t.model_dump(mode="json", exclude_none=True) for t in tols],
                None if terms is None else [t.model_dump(mode="json", exclude_none=True) for t in terms],
            ],
            sort_keys=True,
            separators=(",", ":"),
        )
        object.__setattr__(self, "node_selector", selector)
        object.__setattr__(self, "tolerations", tols)
        object.__setattr__(self, "required_terms", terms)
        object.__setattr__(self, "key", key)
        object.__setattr__(self, "_hash", hash(key))

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError("Constraints is immutable")

    def __hash__(self) -> int:
        return self._hash

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Constraints) and self.key == other.key

    def __repr__(self) -> str:
        return f"Constraints({self.key})"


NO_CONSTRAINTS = Constraints()


@dataclass(frozen=True, slots=True)
class NodeRecord:
    name: str
    allocatable: Resources
    labels: Mapping[str, str] = field(default_factory=dict)
    taints: tuple[Taint, ...] = ()
    unschedulable: bool = False
    """Cordoned (spec.unschedulable)."""
    ready: bool = True
    """The Ready condition is True; a node that is not ready behaves as tainted not-ready:NoSchedule."""


@dataclass(slots=True, eq=False)
class PodRecord:
    """One pod as the scheduler sees it. `app_id` and `queue` are already resolved (see apps.py).

    Treated as immutable (never changed after construction); not frozen because a frozen dataclass of this
    size costs five times as much to build, and snapshots hold tens of thousands of them.
    """

    uid: str
    namespace: str
    name: str
    app_id: str
    requests: Resources
    """Effective requests (containers, init containers, overhead) including `pods: 1`."""
    constraints: Constraints = NO_CONSTRAINTS
    queue: str | None = None
    """The queue the pod asks for (label or annotation), None when it names none."""
    yunikorn: bool = True
    """schedulerName is yunikorn; other pods go to root.default without gang or placement rules."""
    priority: int = 0
    created: float = 0.0
    node_name: str | None = None
    phase: PodPhase = PodPhase.PENDING
    terminating: bool = False
    """deletionTimestamp is set: still holds its resources, never a preemption victim."""
    task_group: str | None = None
    task_groups: str | None = None
    """The raw `yunikorn.apache.org/task-groups` annotation (the originator pod carries it)."""
    policy_params: str | None = None
    """The raw `yunikorn.apache.org/schedulingPolicyParameters` annotation."""
    placeholder: bool = False
    allow_preemption: bool = True
    preempt_never: bool = False
    """preemptionPolicy: Never (the pod never triggers preemption)."""
    user: str = DEFAULT_USER
    groups: tuple[str, ...] = ()
    priority_class: str | None = None
    nominated_node: str | None = None
    owner: str | None = None
    """The uid of the pod that owns this one (ownerReferences of kind Pod): a Spark executor's driver, a
    placeholder's originator. A pod whose owner has ended or is gone is left over from an earlier run."""

    @property
    def bound(self) -> bool:
        return self.node_name is not None

    @property
    def finished(self) -> bool:
        return self.phase in ENDED_PHASES


@dataclass(frozen=True, slots=True)
class AppTransition:
    """One edge taken by an application, with the reason (a short CamelCase word) and a message."""

    app_id: str
    from_state: AppState
    to_state: AppState
    at: float
    reason: str
    message: str


@dataclass(frozen=True, slots=True)
class AppStatus:
    """The scheduler's memory of one application, carried from one decision to the next snapshot."""

    app_id: str
    state: AppState
    submitted_at: float
    state_since: float
    queue: str | None = None
    user: str = DEFAULT_USER
    first_placeholder_at: float | None = None
    """When the first placeholder was allocated: the placeholder timeout counts from here."""
    placeholders_created: bool = False
    originator: str = ""
    """The uid of the pod this life of the application started from (the Spark driver of the run). Another
    originator taking over once this one has ended is a new run under the same application id."""
    message: str = ""
    history: tuple[AppTransition, ...] = ()


@dataclass(frozen=True, slots=True)
class Snapshot:
    now: float
    """Seconds on the injected clock; every timeout is measured against it."""
    nodes: Sequence[NodeRecord]
    pods: Sequence[PodRecord]
    partition: Partition
    apps: Mapping[str, AppStatus] = field(default_factory=dict)
    """The `apps` of the previous decision (empty on the first cycle)."""
    placeholder_image: str = PLACEHOLDER_IMAGE
    foreign: Sequence[tuple[str, Resources]] = ()
    """(node, requests) of the running pods another scheduler bound (a DaemonSet's, say): they hold room
    on their nodes and are otherwise left alone."""
