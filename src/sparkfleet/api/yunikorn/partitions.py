"""Partitions of YuniKorn's `queues.yaml`: placement rules, node sort policy, and the effective queue tree.

A config without a top-level `root` is accepted the way YuniKorn accepts it: the top-level queues become
root's children (`root_queue` gives the effective root).
"""

from __future__ import annotations

from collections.abc import Iterator
from enum import StrEnum
from typing import Annotated, Any

from pydantic import BeforeValidator, Field

from sparkfleet.api.base import Model
from sparkfleet.api.yunikorn.queues import ROOT, Limit, Name, QueueConfig

DEFAULT_PARTITION = "default"


def _lower(value: Any) -> Any:
    return value.lower() if isinstance(value, str) else value


class NodeSortPolicyType(StrEnum):
    FAIR = "fair"
    BINPACKING = "binpacking"


class PlacementRuleName(StrEnum):
    PROVIDED = "provided"
    USER = "user"
    FIXED = "fixed"
    TAG = "tag"


class PlacementFilter(Model):
    type: Annotated[str, BeforeValidator(_lower)] = ""
    users: list[str] = Field(default_factory=list)
    groups: list[str] = Field(default_factory=list)


class PlacementRule(Model):
    name: Annotated[PlacementRuleName, BeforeValidator(_lower)]
    create: bool = False
    filter: PlacementFilter | None = None
    parent: PlacementRule | None = None
    value: str | None = None


class NodeSortPolicy(Model):
    type: Annotated[NodeSortPolicyType, BeforeValidator(_lower)] = NodeSortPolicyType.FAIR
    resourceweights: dict[str, float] = Field(default_factory=dict)


class PartitionPreemption(Model):
    enabled: bool = False
    quotapreemptionenabled: bool | None = None
    """YuniKorn 1.8: preempt when a queue's quota is lowered below its usage (after the queue's
    `quota.preemption.delay`)."""


class UserGroupResolver(Model):
    """YuniKorn 1.8: how a user's groups are found (e.g. `ldap`; the default resolves from the OS)."""

    type: str = ""


class Partition(Model):
    name: Name = DEFAULT_PARTITION
    queues: list[QueueConfig]
    placementrules: list[PlacementRule] = Field(default_factory=list)
    limits: list[Limit] = Field(default_factory=list)
    preemption: PartitionPreemption | None = None
    nodesortpolicy: NodeSortPolicy | None = None
    usergroupresolver: UserGroupResolver | None = None
    # statedumpfilepath was removed in YuniKorn 1.5: strict decoding rejects it, and so does this model.


class SchedulerConfig(Model):
    partitions: list[Partition]
    checksum: str | None = None

    def partition(self, name: str = DEFAULT_PARTITION) -> Partition | None:
        for part in self.partitions:
            if (part.name or DEFAULT_PARTITION).lower() == name.lower():
                return part
        return None


# --- the effective tree --------------------------------------------------------------------------------


def root_queue(partition: Partition) -> QueueConfig:
    """The partition's root: its single top-level `root` queue, or a root YuniKorn inserts above the
    top-level queues when there is none."""
    queues = partition.queues
    if len(queues) == 1 and queues[0].name.lower() == ROOT:
        return queues[0]
    return QueueConfig(name=ROOT, parent=True, queues=list(queues))


def iter_queues(partition: Partition) -> Iterator[tuple[str, QueueConfig]]:
    """Every queue of the partition with its full path (`root`, `root.prod`, ...), parents first."""

    def walk(path: str, queue: QueueConfig) -> Iterator[tuple[str, QueueConfig]]:
        yield path, queue
        for child in queue.queues:
            yield from walk(f"{path}.{child.name}", child)

    yield from walk(ROOT, root_queue(partition))
