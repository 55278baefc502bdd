"""The other core/v1 objects the platform stores: nodes, volumes, config maps, services, events."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field

from sparkfleet.api.base import Model
from sparkfleet.api.meta import Condition, ObjectMeta, ObjectReference, Quantity, ResourceList
from sparkfleet.api.placement import LabelSelector, NodeSelector, Taint


class NodeSpec(Model):
    providerID: str | None = None
    podCIDR: str | None = None
    taints: list[Taint] = Field(default_factory=list)
    unschedulable: bool | None = None


class NodeAddress(Model):
    type: str
    address: str


class NodeStatus(Model):
    capacity: ResourceList = Field(default_factory=dict)
    allocatable: ResourceList = Field(default_factory=dict)
    conditions: list[Condition] = Field(default_factory=list)
    addresses: list[NodeAddress] = Field(default_factory=list)
    nodeInfo: dict[str, str] = Field(default_factory=dict)
    phase: str | None = None


class Node(Model):
    apiVersion: Literal["v1"] = "v1"
    kind: Literal["Node"] = "Node"
    metadata: ObjectMeta
    spec: NodeSpec = Field(default_factory=NodeSpec)
    status: NodeStatus | None = None


AccessMode = Literal["ReadWriteOnce", "ReadOnlyMany", "ReadWriteMany", "ReadWriteOncePod"]


class VolumeResourceRequirements(Model):
    requests: ResourceList = Field(default_factory=dict)
    limits: ResourceList = Field(default_factory=dict)


class PersistentVolumeClaimSpec(Model):
    accessModes: list[AccessMode] = Field(default_factory=list)
    resources: VolumeResourceRequirements | None = None
    storageClassName: str | None = None
    volumeName: str | None = None
    volumeMode: Literal["Filesystem", "Block"] | None = None
    selector: LabelSelector | None = None
    dataSource: dict[str, Any] | None = None
    dataSourceRef: dict[str, Any] | None = None
    volumeAttributesClassName: str | None = None


class PersistentVolumeClaimStatus(Model):
    phase: Literal["Pending", "Bound", "Lost"] | None = None
    capacity: ResourceList = Field(default_factory=dict)
    accessModes: list[AccessMode] = Field(default_factory=list)


class PersistentVolumeClaim(Model):
    apiVersion: Literal["v1"] = "v1"
    kind: Literal["PersistentVolumeClaim"] = "PersistentVolumeClaim"
    metadata: ObjectMeta
    spec: PersistentVolumeClaimSpec
    status: PersistentVolumeClaimStatus | None = None


class CSIPersistentVolumeSource(Model):
    driver: str
    volumeHandle: str
    readOnly: bool | None = None
    fsType: str | None = None
    volumeAttributes: dict[str, str] = Field(default_factory=dict)
    nodePublishSecretRef: dict[str, str] | None = None
    controllerPublishSecretRef: dict[str, str] | None = None
    nodeStageSecretRef: dict[str, str] | None = None


class VolumeNodeAffinity(Model):
    required: NodeSelector | None = None


class PersistentVolumeSpec(Model):
    capacity: ResourceList = Field(default_factory=dict)
    accessModes: list[AccessMode] = Field(default_factory=list)
    mountOptions: list[str] = Field(default_factory=list)
    persistentVolumeReclaimPolicy: Literal["Retain", "Delete", "Recycle"] | None = None
    storageClassName: str | None = None
    volumeMode: Literal["Filesystem", "Block"] | None = None
    claimRef: ObjectReference | None = None
    nodeAffinity: VolumeNodeAffinity | None = None
    csi: CSIPersistentVolumeSource | None = None
    hostPath: dict[str, str] | None = None
    local: dict[str, str] | None = None
    nfs: dict[str, Any] | None = None


class PersistentVolume(Model):
    apiVersion: Literal["v1"] = "v1"
    kind: Literal["PersistentVolume"] = "PersistentVolume"
    metadata: ObjectMeta
    spec: PersistentVolumeSpec
    status: dict[str, Any] | None = None


class ConfigMap(Model):
    apiVersion: Literal["v1"] = "v1"
    kind: Literal["ConfigMap"] = "ConfigMap"
    metadata: ObjectMeta
    data: dict[str, str] = Field(default_factory=dict)
    binaryData: dict[str, str] = Field(default_factory=dict)
    immutable: bool | None = None


class ServicePort(Model):
    name: str | None = None
    port: int = Field(ge=1, le=65535)
    targetPort: int | str | None = None
    protocol: Literal["TCP", "UDP", "SCTP"] | None = None
    nodePort: int | None = None
    appProtocol: str | None = None


class ServiceSpec(Model):
    type: Literal["ClusterIP", "NodePort", "LoadBalancer", "ExternalName"] | None = None
    clusterIP: str | None = None
    clusterIPs: list[str] = Field(default_factory=list)
    selector: dict[str, str] = Field(default_factory=dict)
    ports: list[ServicePort] = Field(default_factory=list)
    sessionAffinity: str | None = None
    ipFamilies: list[str] = Field(default_factory=list)
    ipFamilyPolicy: str | None = None
    publishNotReadyAddresses: bool | None = None
    internalTrafficPolicy: str | None = None
    externalName: str | None = None


class Service(Model):
    apiVersion: Literal["v1"] = "v1"
    kind: Literal["Service"] = "Service"
    metadata: ObjectMeta
    spec: ServiceSpec = Field(default_factory=ServiceSpec)
    status: dict[str, Any] | None = None


class EventSource(Model):
    component: str | None = None
    host: str | None = None


class Event(Model):
    apiVersion: Literal["v1"] = "v1"
    kind: Literal["Event"] = "Event"
    metadata: ObjectMeta
    involvedObject: ObjectReference
    reason: str | None = None
    message: str | None = None
    type: Literal["Normal", "Warning"] | None = None
    count: int | None = None
    firstTimestamp: str | None = None
    lastTimestamp: str | None = None
    eventTime: str | None = None
    source: EventSource | None = None
    reportingComponent: str | None = None
    reportingInstance: str | None = None
    action: str | None = None
    related: ObjectReference | None = None
    series: dict[str, Any] | None = None


class NamespaceSpec(Model):
    finalizers: list[str] = Field(default_factory=list)


class Namespace(Model):
    apiVersion: Literal["v1"] = "v1"
    kind: Literal["Namespace"] = "Namespace"
    metadata: ObjectMeta
    spec: NamespaceSpec | None = None
    status: dict[str, str] | None = None


class PriorityClass(Model):
    apiVersion: Literal["scheduling.k8s.io/v1"] = "scheduling.k8s.io/v1"
    kind: Literal["PriorityClass"] = "PriorityClass"
    metadata: ObjectMeta
    value: int
    globalDefault: bool | None = None
    description: str | None = None
    preemptionPolicy: Literal["PreemptLowerPriority", "Never"] | None = None


class Binding(Model):
    """What POST .../pods/{name}/binding (or the legacy `bindings` collection) takes: the pod's node.
    Served, never stored."""

    apiVersion: Literal["v1"] = "v1"
    kind: Literal["Binding"] = "Binding"
    metadata: ObjectMeta
    target: ObjectReference


__all__ = [
    "Binding",
    "ConfigMap",
    "Event",
    "Namespace",
    "Node",
    "PersistentVolume",
    "PersistentVolumeClaim",
    "PriorityClass",
    "Quantity",
    "Service",
]
