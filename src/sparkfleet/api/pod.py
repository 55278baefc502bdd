"""Pods and their parts (core/v1): containers, volumes, security contexts, status.

Only the fields the platform uses or that users' manifests carry are modelled, strictly; rarely used
deep structures (probes, lifecycle hooks, projected volumes) are kept as free-form objects.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any, Literal

from pydantic import Field, model_validator

from sparkfleet.api.base import FieldIssue, Model
from sparkfleet.api.meta import Condition, LocalObjectReference, ObjectMeta, Quantity, ResourceList
from sparkfleet.api.names import pod_spec_issues
from sparkfleet.api.placement import Affinity, Toleration, TopologySpreadConstraint


class ObjectFieldSelector(Model):
    apiVersion: str | None = None
    fieldPath: str


class ResourceFieldSelector(Model):
    containerName: str | None = None
    resource: str
    divisor: Quantity | None = None


class KeySelector(Model):
    name: str | None = None
    key: str
    optional: bool | None = None


class EnvVarSource(Model):
    fieldRef: ObjectFieldSelector | None = None
    resourceFieldRef: ResourceFieldSelector | None = None
    configMapKeyRef: KeySelector | None = None
    secretKeyRef: KeySelector | None = None


class EnvVar(Model):
    name: str
    value: str | None = None
    valueFrom: EnvVarSource | None = None


class NameOptional(Model):
    name: str | None = None
    optional: bool | None = None


class EnvFromSource(Model):
    prefix: str | None = None
    configMapRef: NameOptional | None = None
    secretRef: NameOptional | None = None


class ResourceRequirements(Model):
    limits: ResourceList = Field(default_factory=dict)
    requests: ResourceList = Field(default_factory=dict)
    claims: list[dict[str, Any]] = Field(default_factory=list)


class VolumeMount(Model):
    name: str
    mountPath: str
    subPath: str | None = None
    subPathExpr: str | None = None
    readOnly: bool | None = None
    mountPropagation: str | None = None
    recursiveReadOnly: str | None = None


class ContainerPort(Model):
    name: str | None = None
    containerPort: int = Field(ge=1, le=65535)
    protocol: Literal["TCP", "UDP", "SCTP"] | None = None
    hostPort: int | None = None
    hostIP: str | None = None


class Capabilities(Model):
    add: list[str] = Field(default_factory=list)
    drop: list[str] = Field(default_factory=list)


class SeccompProfile(Model):
    type: Literal["RuntimeDefault", "Localhost", "Unconfined"]
    localhostProfile: str | None = None


class SecurityContext(Model):
    capabilities: Capabilities | None = None
    privileged: bool | None = None
    runAsUser: int | None = None
    runAsGroup: int | None = None
    runAsNonRoot: bool | None = None
    readOnlyRootFilesystem: bool | None = None
    allowPrivilegeEscalation: bool | None = None
    procMount: str | None = None
    seccompProfile: SeccompProfile | None = None
    seLinuxOptions: dict[str, str] | None = None
    appArmorProfile: dict[str, str] | None = None
    windowsOptions: dict[str, Any] | None = None


class Sysctl(Model):
    name: str
    value: str


class PodSecurityContext(Model):
    runAsUser: int | None = None
    runAsGroup: int | None = None
    runAsNonRoot: bool | None = None
    fsGroup: int | None = None
    fsGroupChangePolicy: str | None = None
    supplementalGroups: list[int] = Field(default_factory=list)
    supplementalGroupsPolicy: str | None = None
    seccompProfile: SeccompProfile | None = None
    seLinuxOptions: dict[str, str] | None = None
    appArmorProfile: dict[str, str] | None = None
    sysctls: list[Sysctl] = Field(default_factory=list)
    windowsOptions: dict[str, Any] | None = None


class Container(Model):
    name: str
    image: str | None = None
    imagePullPolicy: Literal["Always", "IfNotPresent", "Never"] | None = None
    command: list[str] = Field(default_factory=list)
    args: list[str] = Field(default_factory=list)
    workingDir: str | None = None
    env: list[EnvVar] = Field(default_factory=list)
    envFrom: list[EnvFromSource] = Field(default_factory=list)
    resources: ResourceRequirements | None = None
    volumeMounts: list[VolumeMount] = Field(default_factory=list)
    volumeDevices: list[dict[str, str]] = Field(default_factory=list)
    ports: list[ContainerPort] = Field(default_factory=list)
    securityContext: SecurityContext | None = None
    lifecycle: dict[str, Any] | None = None
    livenessProbe: dict[str, Any] | None = None
    readinessProbe: dict[str, Any] | None = None
    startupProbe: dict[str, Any] | None = None
    restartPolicy: str | None = None
    stdin: bool | None = None
    stdinOnce: bool | None = None
    tty: bool | None = None
    terminationMessagePath: str | None = None
    terminationMessagePolicy: str | None = None
    resizePolicy: list[dict[str, str]] = Field(default_factory=list)


class HostPathVolumeSource(Model):
    path: str
    type: (
        Literal[
            "",
            "DirectoryOrCreate",
            "Directory",
            "FileOrCreate",
            "File",
            "Socket",
            "CharDevice",
            "BlockDevice",
        ]
        | None
    ) = None


class EmptyDirVolumeSource(Model):
    medium: str | None = None
    sizeLimit: Quantity | None = None


class PersistentVolumeClaimVolumeSource(Model):
    claimName: str
    readOnly: bool | None = None


class KeyToPath(Model):
    key: str
    path: str
    mode: int | None = None


class ConfigMapVolumeSource(Model):
    name: str | None = None
    items: list[KeyToPath] = Field(default_factory=list)
    defaultMode: int | None = None
    optional: bool | None = None


class SecretVolumeSource(Model):
    secretName: str | None = None
    items: list[KeyToPath] = Field(default_factory=list)
    defaultMode: int | None = None
    optional: bool | None = None


class NFSVolumeSource(Model):
    server: str
    path: str
    readOnly: bool | None = None


class CSIVolumeSource(Model):
    driver: str
    readOnly: bool | None = None
    fsType: str | None = None
    volumeAttributes: dict[str, str] = Field(default_factory=dict)
    nodePublishSecretRef: LocalObjectReference | None = None


_VOLUME_SOURCES = (
    "hostPath",
    "emptyDir",
    "persistentVolumeClaim",
    "configMap",
    "secret",
    "nfs",
    "csi",
    "projected",
    "downwardAPI",
    "ephemeral",
    "awsElasticBlockStore",
)


class Volume(Model):
    name: str
    hostPath: HostPathVolumeSource | None = None
    emptyDir: EmptyDirVolumeSource | None = None
    persistentVolumeClaim: PersistentVolumeClaimVolumeSource | None = None
    configMap: ConfigMapVolumeSource | None = None
    secret: SecretVolumeSource | None = None
    nfs: NFSVolumeSource | None = None
    csi: CSIVolumeSource | None = None
    projected: dict[str, Any] | None = None
    downwardAPI: dict[str, Any] | None = None
    ephemeral: dict[str, Any] | None = None
    awsElasticBlockStore: dict[str, Any] | None = None

    @model_validator(mode="after")
    def _one_source(self) -> Volume:
        sources = [s for s in _VOLUME_SOURCES if getattr(self, s) is not None]
        if len(sources) > 1:
            raise ValueError(f"a volume has exactly one source; found {', '.join(sources)}: keep one")
        return self

    def source_kind(self) -> str | None:
        return next((s for s in _VOLUME_SOURCES if getattr(self, s) is not None), None)


class HostAlias(Model):
    ip: str
    hostnames: list[str] = Field(default_factory=list)


class PodDNSConfigOption(Model):
    name: str
    value: str | None = None


class PodDNSConfig(Model):
    nameservers: list[str] = Field(default_factory=list)
    searches: list[str] = Field(default_factory=list)
    options: list[PodDNSConfigOption] = Field(default_factory=list)


class RestartPolicy(StrEnum):
    ALWAYS = "Always"
    ON_FAILURE = "OnFailure"
    NEVER = "Never"


class PodSpec(Model):
    # A pod template inside a SparkApplication may omit containers: Spark fills them in.
    containers: list[Container] = Field(default_factory=list)
    initContainers: list[Container] = Field(default_factory=list)
    volumes: list[Volume] = Field(default_factory=list)
    nodeSelector: dict[str, str] = Field(default_factory=dict)
    nodeName: str | None = None
    tolerations: list[Toleration] = Field(default_factory=list)
    affinity: Affinity | None = None
    topologySpreadConstraints: list[TopologySpreadConstraint] = Field(default_factory=list)
    schedulerName: str | None = None
    serviceAccountName: str | None = None
    serviceAccount: str | None = None
    automountServiceAccountToken: bool | None = None
    priorityClassName: str | None = None
    priority: int | None = None
    preemptionPolicy: str | None = None
    restartPolicy: RestartPolicy | None = None
    securityContext: PodSecurityContext | None = None
    hostNetwork: bool | None = None
    hostPID: bool | None = None
    hostIPC: bool | None = None
    hostAliases: list[HostAlias] = Field(default_factory=list)
    hostname: str | None = None
    subdomain: str | None = None
    dnsPolicy: str | None = None
    dnsConfig: PodDNSConfig | None = None
    terminationGracePeriodSeconds: int | None = Field(default=None, ge=0)
    activeDeadlineSeconds: int | None = Field(default=None, ge=1)
    imagePullSecrets: list[LocalObjectReference] = Field(default_factory=list)
    shareProcessNamespace: bool | None = None
    enableServiceLinks: bool | None = None
    runtimeClassName: str | None = None
    overhead: ResourceList | None = None
    readinessGates: list[dict[str, str]] = Field(default_factory=list)


class PodTemplateSpec(Model):
    metadata: ObjectMeta | None = None
    spec: PodSpec | None = None


class ContainerStateWaiting(Model):
    reason: str | None = None
    message: str | None = None


class ContainerStateRunning(Model):
    startedAt: str | None = None


class ContainerStateTerminated(Model):
    exitCode: int
    signal: int | None = None
    reason: str | None = None
    message: str | None = None
    startedAt: str | None = None
    finishedAt: str | None = None
    containerID: str | None = None


class ContainerState(Model):
    waiting: ContainerStateWaiting | None = None
    running: ContainerStateRunning | None = None
    terminated: ContainerStateTerminated | None = None


class ContainerStatus(Model):
    name: str
    state: ContainerState | None = None
    lastState: ContainerState | None = None
    ready: bool = False
    restartCount: int = 0
    image: str | None = None
    imageID: str | None = None
    containerID: str | None = None
    started: bool | None = None


class PodPhase(StrEnum):
    PENDING = "Pending"
    RUNNING = "Running"
    SUCCEEDED = "Succeeded"
    FAILED = "Failed"
    UNKNOWN = "Unknown"


class PodIP(Model):
    ip: str


class PodStatus(Model):
    phase: PodPhase | None = None
    conditions: list[Condition] = Field(default_factory=list)
    message: str | None = None
    reason: str | None = None
    hostIP: str | None = None
    hostIPs: list[PodIP] = Field(default_factory=list)
    podIP: str | None = None
    podIPs: list[PodIP] = Field(default_factory=list)
    startTime: str | None = None
    nominatedNodeName: str | None = None
    qosClass: str | None = None
    containerStatuses: list[ContainerStatus] = Field(default_factory=list)
    initContainerStatuses: list[ContainerStatus] = Field(default_factory=list)
    ephemeralContainerStatuses: list[ContainerStatus] = Field(default_factory=list)
    observedGeneration: int | None = None


class Pod(Model):
    apiVersion: Literal["v1"] = "v1"
    kind: Literal["Pod"] = "Pod"
    metadata: ObjectMeta
    spec: PodSpec
    status: PodStatus | None = None

    @model_validator(mode="after")
    def _has_containers(self) -> Pod:
        if not self.spec.containers:
            raise ValueError("spec.containers: a pod needs at least one container")
        return self


def validate_pod(pod: Pod) -> list[FieldIssue]:
    """The names and paths Kubernetes checks in a pod spec (volumes, containers, ports, mounts)."""
    return pod_spec_issues(pod.spec.to_dict())
