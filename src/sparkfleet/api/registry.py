"""Every kind the platform understands: its apiVersion, model and the semantic checks beyond field types."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sparkfleet.api import core, networking, pod
from sparkfleet.api.base import FieldIssue, Model
from sparkfleet.api.ec2nodeclass import EC2NodeClass, validate_ec2nodeclass
from sparkfleet.api.karpenter import NodeClaim, NodePool, validate_nodeclaim, validate_nodepool
from sparkfleet.api.scheduledsparkapplication import ScheduledSparkApplication
from sparkfleet.api.sparkapplication import SparkApplication
from sparkfleet.api.sparkvalidation import (
    validate_scheduled_spark_application,
    validate_spark_application,
)

Validator = Callable[[Any], list[FieldIssue]]


@dataclass(frozen=True)
class KindInfo:
    kind: str
    apiVersion: str
    model: type[Model]
    namespaced: bool
    validate: Validator | None = None


def _no_issues(_: Any) -> list[FieldIssue]:
    return []


KINDS: dict[str, KindInfo] = {
    info.kind: info
    for info in (
        KindInfo(
            "SparkApplication",
            "sparkoperator.k8s.io/v1beta2",
            SparkApplication,
            True,
            validate_spark_application,
        ),
        KindInfo(
            "ScheduledSparkApplication",
            "sparkoperator.k8s.io/v1beta2",
            ScheduledSparkApplication,
            True,
            validate_scheduled_spark_application,
        ),
        KindInfo("NodePool", "karpenter.sh/v1", NodePool, False, validate_nodepool),
        KindInfo("NodeClaim", "karpenter.sh/v1", NodeClaim, False, validate_nodeclaim),
        KindInfo("EC2NodeClass", "karpenter.k8s.aws/v1", EC2NodeClass, False, validate_ec2nodeclass),
        KindInfo("Pod", "v1", pod.Pod, True, pod.validate_pod),
        KindInfo("Node", "v1", core.Node, False),
        KindInfo("PersistentVolumeClaim", "v1", core.PersistentVolumeClaim, True),
        KindInfo("PersistentVolume", "v1", core.PersistentVolume, False),
        KindInfo("ConfigMap", "v1", core.ConfigMap, True),
        KindInfo("Service", "v1", core.Service, True),
        KindInfo("Event", "v1", core.Event, True),
        KindInfo("Namespace", "v1", core.Namespace, False),
        KindInfo("PriorityClass", "scheduling.k8s.io/v1", core.PriorityClass, False),
        KindInfo("NetworkPolicy", "networking.k8s.io/v1", networking.NetworkPolicy, True),
    )
}


def kind_info(kind: str) -> KindInfo | None:
    return KINDS.get(kind)
