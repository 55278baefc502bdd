"""Karpenter's NodeClaim (`karpenter.sh/v1`): one node asked of the cloud, stamped from a NodePool's template,
and the status conditions it moves through."""

from __future__ import annotations

from enum import StrEnum
from typing import Literal

from pydantic import Field

from sparkfleet.api.base import Model
from sparkfleet.api.karpenter.nodepool import (
    API_VERSION,
    DEFAULT_EXPIRE_AFTER,
    Duration,
    NillableDuration,
    NodeClassReference,
    NodeSelectorRequirementWithMinValues,
)
from sparkfleet.api.meta import Condition, ObjectMeta, ResourceList
from sparkfleet.api.placement import Taint


class NodeClaimConditionType(StrEnum):
    """NodeClaim status conditions; Launched -> Registered -> Initialized make it Ready."""

    LAUNCHED = "Launched"
    REGISTERED = "Registered"
    INITIALIZED = "Initialized"
    READY = "Ready"
    CONSOLIDATABLE = "Consolidatable"
    DRIFTED = "Drifted"
    DRAINED = "Drained"
    # Set when disruption has chosen the node; the condition's reason says why (Empty, Drifted, ...).
    DISRUPTED = "Disrupted"
    VOLUMES_DETACHED = "VolumesDetached"
    INSTANCE_TERMINATING = "InstanceTerminating"
    CONSISTENT_STATE_FOUND = "ConsistentStateFound"


class NodeClaimResources(Model):
    requests: ResourceList = Field(default_factory=dict)


class NodeClaimSpec(Model):
    taints: list[Taint] = Field(default_factory=list)
    startupTaints: list[Taint] = Field(default_factory=list)
    requirements: list[NodeSelectorRequirementWithMinValues] = Field(max_length=100)
    resources: NodeClaimResources = Field(default_factory=NodeClaimResources)
    nodeClassRef: NodeClassReference
    terminationGracePeriod: Duration | None = None
    expireAfter: NillableDuration = DEFAULT_EXPIRE_AFTER


class NodeClaimStatus(Model):
    nodeName: str | None = None
    providerID: str | None = None
    imageID: str | None = None
    capacity: ResourceList = Field(default_factory=dict)
    allocatable: ResourceList = Field(default_factory=dict)
    conditions: list[Condition] = Field(default_factory=list)
    lastPodEventTime: str | None = None


class NodeClaim(Model):
    apiVersion: Literal["karpenter.sh/v1"] = API_VERSION
    kind: Literal["NodeClaim"] = "NodeClaim"
    metadata: ObjectMeta
    spec: NodeClaimSpec
    status: NodeClaimStatus | None = None

    def condition(self, kind: NodeClaimConditionType | str) -> Condition | None:
        for cond in self.status.conditions if self.status else []:
            if cond.type == str(kind):
                return cond
        return None

    def is_true(self, kind: NodeClaimConditionType | str) -> bool:
        cond = self.condition(kind)
        return cond is not None and cond.status == "True"
