"""Pods and their parts (core/v1): containers, volumes, security contexts, status.

Every core type here is a `CoreModel`: the fields the platform acts on are typed attributes, and every
other field of the Kubernetes schema (kubeschema.KUBERNETES_SCHEMA_VERSION) is checked against that schema
and kept as written, so a manifest using a newer or rarer field (an `image` volume, `restartPolicyRules`,
probes, `schedulingGates`) is accepted and reaches the pod unchanged. Pod status is ours to write and
stays a strict model.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Literal

from pydantic import Field, ValidationError, model_validator
from pydantic_core import InitErrorDetails, PydanticCustomError

from sparkfleet.api.base import FieldIssue, Model
from sparkfleet.api.kubeschema import CORE, CoreModel
from sparkfleet.api.meta import Condition, LocalObjectReference, ObjectMeta, Quantity, ResourceList
from sparkfleet.api.names import pod_spec_issues
from sparkfleet.api.placement import Affinity, Toleration, TopologySpreadConstraint


class ObjectFieldSelector(CoreModel):
    apiVersion: str | None = None
    fieldPath: str


class ResourceFieldSelector(CoreModel):
    containerName: str | None = None
    resource: str
    divisor: Quantity | None = None


class KeySelector(CoreModel):
    k8s_definition = f"{CORE}ConfigMapKeySelector"  # SecretKeySelector has the same fields

    name: str | None = None
    key: str
    optional: bool | None = None


class EnvVarSource(CoreModel):
    fieldRef: ObjectFieldSelector | None = None
    resourceFieldRef: ResourceFieldSelector | None = None
    configMapKeyRef: KeySelector | None = None
    secretKeyRef: KeySelector | None = None


class EnvVar(CoreModel):
    name: str
    value: str | None = None
    valueFrom: EnvVarSource | None = None


class NameOptional(CoreModel):
    k8s_definition = f"{CORE}ConfigMapEnvSource"  # SecretEnvSource has the same fields

    name: str | None = None
    optional: bool | None = None


class EnvFromSource(CoreModel):
    prefix: str | None = None
    configMapRef: NameOptional | None = None
    secretRef: NameOptional | None = None


class ResourceRequirements(CoreModel):
    limits: ResourceList = Field(default_factory=dict)
    requests: ResourceList = Field(default_factory=dict)


class VolumeMount(CoreModel):
    name: str
    mountPath: str
    subPath: str | None = None
    subPathExpr: str | None = None
    readOnly: bool | None = None
    mountPropagation: str | None = None
    recursiveReadOnly: str | None = None


class ContainerPort(CoreModel):
    name: str | None = None
    containerPort: int = Field(ge=1, le=65535)
    protocol: Literal["TCP", "UDP", "SCTP"] | None = None
    hostPort: int | None = None
    hostIP: str | None = None


class Capabilities(CoreModel):
    add: list[str] = Field(default_factory=list)
    drop: list[str] = Field(default_factory=list)


class SeccompProfile(CoreModel):
    type: Literal["RuntimeDefault", "Localhost", "Unconfined"]
    localhostProfile: str | None = None


class SecurityContext(CoreModel):
    capabilities: Capabilities | None = None
    privileged: bool | None = None
    runAsUser: int | None = None
    runAsGroup: int | None = None
    runAsNonRoot: bool | None = None
    readOnlyRootFilesystem: bool | None = None
    allowPrivilegeEscalation: bool | None = None
    procMount: str | None = None
    seccompProfile: SeccompProfile | None = None


class Sysctl(CoreModel):
    name: str
    value: str


class PodSecurityContext(CoreModel):
    runAsUser: int | None = None
    runAsGroup: int | None = None
    runAsNonRoot: bool | None = None
    fsGroup: int | None = None
    fsGroupChangePolicy: str | None = None
    supplementalGroups: list[int] = Field(default_factory=list)
    supplementalGroupsPolicy: str | None = None
    seccompProfile: SeccompProfile | None = None
    sysctls: list[Sysctl] = Field(default_factory=list)


class Container(CoreModel):
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
    ports: list[ContainerPort] = Field(default_factory=list)
    securityContext: SecurityContext | None = None
    restartPolicy: str | None = None
    stdin: bool | None = None
    stdinOnce: bool | None = None
    tty: bool | None = None
    terminationMessagePath: str | None = None
    terminationMessagePolicy: str | None = None


class HostPathVolumeSource(CoreModel):
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


class EmptyDirVolumeSource(CoreModel):
    medium: str | None = None
    sizeLimit: Quantity | None = None


class PersistentVolumeClaimVolumeSource(CoreModel):
    claimName: str
    readOnly: bool | None = None


class KeyToPath(CoreModel):
    key: str
    path: str
    mode: int | None = None


class ConfigMapVolumeSource(CoreModel):
    name: str | None = None
    items: list[KeyToPath] = Field(default_factory=list)
    defaultMode: int | None = None
    optional: bool | None = None


class SecretVolumeSource(CoreModel):
    secretName: str | None = None
    items: list[KeyToPath] = Field(default_factory=list)
    defaultMode: int | None = None
    optional: bool | None = None


class NFSVolumeSource(CoreModel):
    server: str
    path: str
    readOnly: bool | None = None


class CSIVolumeSource(CoreModel):
    driver: str
    readOnly: bool | None = None
    fsType: str | None = None
    volumeAttributes: dict[str, str] = Field(default_factory=dict)
    nodePublishSecretRef: LocalObjectReference | None = None


class Volume(CoreModel):
    name: str
    hostPath: HostPathVolumeSource | None = None
    emptyDir: EmptyDirVolumeSource | None = None
    persistentVolumeClaim: PersistentVolumeClaimVolumeSource | None = None
    configMap: ConfigMapVolumeSource | None = None
    secret: SecretVolumeSource | None = None
    nfs: NFSVolumeSource | None = None
    csi: CSIVolumeSource | None = None

    @model_validator(mode="after")
    def _one_source(self) -> Volume:
        sources = self.sources()
        if len(sources) > 1:
            raise ValueError(f"a volume has exactly one source; found {', '.join(sources)}: keep one")
        return self

    def sources(self) -> list[str]:
        """The volume sources set, typed or not (every field but `name` is a source)."""
        typed = {k: getattr(self, k) for k in type(self).model_fields if k in self.model_fields_set}
        written = {**typed, **(self.model_extra or {})}
        return [k for k, v in written.items() if k != "name" and v is not None]

    def source_kind(self) -> str | None:
        return next(iter(self.sources()), None)


class HostAlias(CoreModel):
    ip: str
    hostnames: list[str] = Field(default_factory=list)


class PodDNSConfigOption(CoreModel):
    name: str
    value: str | None = None


class PodDNSConfig(CoreModel):
    nameservers: list[str] = Field(default_factory=list)
    searches: list[str] = Field(default_factory=list)
    options: list[PodDNSConfigOption] = Field(default_factory=list)


class RestartPolicy(StrEnum):
    ALWAYS = "Always"
    ON_FAILURE = "OnFailure"
    NEVER = "Never"


class PodSpec(CoreModel):
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


class PodTemplateSpec(CoreModel):
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
            # A ValidationError raised here keeps its location: the report names spec.containers.
            error = PydanticCustomError("value_error", "Required value: a pod needs at least one container")
            details = InitErrorDetails(type=error, loc=("spec", "containers"), input=self.spec.containers)
            raise ValidationError.from_exception_data("Pod", [details])
        return self


def pod_warnings(pod: Pod) -> list[FieldIssue]:
    """The YuniKorn scheduling policy parameters the pod carries that YuniKorn skips."""
    from sparkfleet.api.yunikorn import yunikorn_annotation_warnings  # imports pod's types in turn

    return yunikorn_annotation_warnings(pod.metadata.annotations, "metadata.annotations")


def validate_pod(pod: Pod) -> list[FieldIssue]:
    """The names and paths Kubernetes checks in a pod spec (volumes, containers, ports, mounts), and the
    YuniKorn annotations the scheduler will parse."""
    from sparkfleet.api.yunikorn import yunikorn_annotation_issues  # imports pod's types in turn

    issues = pod_spec_issues(pod.spec.to_dict())
    return issues + yunikorn_annotation_issues(pod.metadata.annotations, "metadata.annotations")
