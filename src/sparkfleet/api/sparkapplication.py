"""SparkApplication (`sparkoperator.k8s.io/v1beta2`): the operator's job manifest, field for field.

Every field of kubeflow/spark-operator's v1beta2 SparkApplicationSpec is here with the operator's defaults,
so existing manifests validate unchanged. Three notations meet in this kind and are kept apart by type:
`memory`/`memoryOverhead` are Spark/JVM memory strings ("512m" = 512 MiB), `coreLimit`/`coreRequest`/
`memoryLimit` are Kubernetes quantities ("1200m" = 1.2 cores), and every map value is a string, as the
CRD's OpenAPI schema demands (an unquoted YAML number is rejected with a hint to quote it).

Defaults the operator applies conditionally (retry intervals, shuffle tracking) are not written into the
object; the `effective_*` helpers compute them, so a manifest round-trips exactly as it was written.
"""

from __future__ import annotations

from enum import StrEnum
from fractions import Fraction
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, Field, ValidationError, ValidatorFunctionWrapHandler, field_validator

from sparkfleet.api.base import ManifestError, Model, hinted_issues
from sparkfleet.api.kubeschema import SCHEMALESS, schemaless
from sparkfleet.api.meta import ObjectMeta, ResourceList
from sparkfleet.api.placement import Affinity, Toleration
from sparkfleet.api.pod import (
    Container,
    EnvFromSource,
    EnvVar,
    HostAlias,
    PodDNSConfig,
    PodSecurityContext,
    PodTemplateSpec,
    SecurityContext,
    Volume,
    VolumeMount,
)
from sparkfleet.api.quantity import cpu_millis, memory_bytes, spark_memory_bytes
from sparkfleet.api.sparkstatus import SparkApplicationStatus
from sparkfleet.api.sparktypes import (
    CpuQuantity,
    Int32,
    Int64,
    KubeString,
    MemoryQuantity,
    SparkHeap,
    SparkMemory,
    SparkVersion,
    StringMap,
    overhead_factor,
)

MIB = 2**20
MIN_MEMORY_OVERHEAD_MIB = 384
"""Spark's floor for the computed memory overhead (MEMORY_OVERHEAD_MIN_MIB)."""
DEFAULT_RETRY_INTERVAL_SECONDS = 5


class ApplicationType(StrEnum):
    """The application's language: required by the CRD, whose schema names Scala as the default."""

    JAVA = "Java"
    PYTHON = "Python"
    SCALA = "Scala"
    R = "R"


class DeployMode(StrEnum):
    CLUSTER = "cluster"
    CLIENT = "client"


class PythonVersion(StrEnum):
    PYTHON2 = "2"
    PYTHON3 = "3"


class RestartPolicyType(StrEnum):
    NEVER = "Never"
    ON_FAILURE = "OnFailure"
    ALWAYS = "Always"


class SecretType(StrEnum):
    GCP_SERVICE_ACCOUNT = "GCPServiceAccount"
    GENERIC = "Generic"
    HADOOP_DELEGATION_TOKEN = "HadoopDelegationToken"


class ServiceType(StrEnum):
    CLUSTER_IP = "ClusterIP"
    NODE_PORT = "NodePort"
    LOAD_BALANCER = "LoadBalancer"
    EXTERNAL_NAME = "ExternalName"


class RestartPolicy(Model):
    """When to run the application again. Back-off is linear: the interval times the attempts so far.

    The operator defaults both intervals to 5 seconds unless `type` is Never; `with_defaults()` applies
    that, leaving the written manifest untouched.
    """

    type: RestartPolicyType = RestartPolicyType.NEVER
    onSubmissionFailureRetries: Int32 | None = Field(default=None, ge=0)
    onFailureRetries: Int32 | None = Field(default=None, ge=0)
    onSubmissionFailureRetryInterval: Int64 | None = Field(default=None, ge=1)
    onFailureRetryInterval: Int64 | None = Field(default=None, ge=1)

    def with_defaults(self) -> RestartPolicy:
        if self.type == RestartPolicyType.NEVER:
            return self
        return self.model_copy(
            update={
                "onSubmissionFailureRetryInterval": self.onSubmissionFailureRetryInterval
                or DEFAULT_RETRY_INTERVAL_SECONDS,
                "onFailureRetryInterval": self.onFailureRetryInterval or DEFAULT_RETRY_INTERVAL_SECONDS,
            }
        )

    def backoff_seconds(self, attempts: int, *, submission: bool) -> int:
        """Seconds to wait before the next try after `attempts` tries (interval x attempts)."""
        policy = self.with_defaults()
        interval = policy.onSubmissionFailureRetryInterval if submission else policy.onFailureRetryInterval
        return (interval or 0) * max(attempts, 1)


class NamePath(Model):
    name: str
    path: str


class NameKey(Model):
    name: str
    key: str


class SecretInfo(Model):
    name: str
    path: str
    secretType: SecretType


class GPUSpec(Model):
    name: str
    """The extended resource name, e.g. `nvidia.com/gpu`."""
    quantity: Int64 = Field(ge=1)


class Port(Model):
    name: str
    protocol: Literal["TCP", "UDP", "SCTP"]
    containerPort: int = Field(ge=1, le=65535)


class SparkPodSpec(Model):
    """What driver and executor pods share.

    coreRequest, javaOptions, lifecycle, ports and priorityClassName are declared separately on the
    operator's DriverSpec and ExecutorSpec; both have them, so they live here.
    """

    template: PodTemplateSpec | None = Field(default=None, json_schema_extra=SCHEMALESS)
    cores: Int32 = Field(default=1, ge=1)
    coreRequest: CpuQuantity | None = None
    coreLimit: CpuQuantity | None = None
    memory: SparkHeap = "1g"
    memoryLimit: MemoryQuantity | None = None
    memoryOverhead: SparkMemory | None = None
    gpu: GPUSpec | None = None
    image: str | None = None
    configMaps: list[NamePath] = Field(default_factory=list)
    secrets: list[SecretInfo] = Field(default_factory=list)
    env: list[EnvVar] = Field(default_factory=list)
    envVars: StringMap = Field(default_factory=dict)
    """Deprecated in the operator in favour of `env`; still applied."""
    envFrom: list[EnvFromSource] = Field(default_factory=list)
    envSecretKeyRefs: dict[str, NameKey] = Field(default_factory=dict)
    """Deprecated in the operator in favour of `env` with `valueFrom.secretKeyRef`; still applied."""
    labels: StringMap = Field(default_factory=dict)
    annotations: StringMap = Field(default_factory=dict)
    volumeMounts: list[VolumeMount] = Field(default_factory=list)
    affinity: Affinity | None = None
    tolerations: list[Toleration] = Field(default_factory=list)
    podSecurityContext: PodSecurityContext | None = None
    securityContext: SecurityContext | None = None
    schedulerName: str | None = None
    sidecars: list[Container] = Field(default_factory=list)
    initContainers: list[Container] = Field(default_factory=list)
    hostNetwork: bool | None = None
    nodeSelector: StringMap = Field(default_factory=dict)
    dnsConfig: PodDNSConfig | None = None
    terminationGracePeriodSeconds: Int64 | None = Field(default=None, ge=0)
    serviceAccount: str | None = None
    hostAliases: list[HostAlias] = Field(default_factory=list)
    shareProcessNamespace: bool | None = None
    javaOptions: str | None = None
    lifecycle: dict[str, Any] | None = None
    ports: list[Port] = Field(default_factory=list)
    priorityClassName: str | None = None

    @field_validator("template", mode="wrap")
    @classmethod
    def _schemaless(cls, value: Any, handler: ValidatorFunctionWrapHandler) -> Any:
        with schemaless():
            return handler(value)

    def memory_bytes(self) -> int:
        """The JVM heap (`memory`) in bytes."""
        return spark_memory_bytes(self.memory)

    def memory_overhead_bytes(self, factor: Fraction) -> int:
        """Non-heap memory: `memoryOverhead`, else max(factor x memory, 384 MiB), in whole MiB like Spark."""
        if self.memoryOverhead is not None:
            return spark_memory_bytes(self.memoryOverhead)
        heap_mib = self.memory_bytes() // MIB
        return max(int(factor * heap_mib), MIN_MEMORY_OVERHEAD_MIB) * MIB

    def pod_memory_bytes(self, factor: Fraction) -> int:
        """The pod's memory request as Spark computes it: heap plus overhead."""
        return self.memory_bytes() + self.memory_overhead_bytes(factor)

    def core_request_millis(self) -> int:
        """The pod's CPU request: `coreRequest`, else `cores` whole cores."""
        if self.coreRequest is not None:
            return cpu_millis(self.coreRequest)
        return self.cores * 1000

    def core_limit_millis(self) -> int | None:
        return None if self.coreLimit is None else cpu_millis(self.coreLimit)

    def memory_limit_bytes(self) -> int | None:
        return None if self.memoryLimit is None else memory_bytes(self.memoryLimit)


class DriverSpec(SparkPodSpec):
    podName: str | None = None
    kubernetesMaster: str | None = None
    serviceAnnotations: StringMap = Field(default_factory=dict)
    serviceLabels: StringMap = Field(default_factory=dict)


class ExecutorSpec(SparkPodSpec):
    instances: Int32 = Field(default=1, ge=1)
    deleteOnTermination: bool | None = None


class Dependencies(Model):
    jars: list[str] = Field(default_factory=list)
    files: list[str] = Field(default_factory=list)
    pyFiles: list[str] = Field(default_factory=list)
    packages: list[str] = Field(default_factory=list)
    excludePackages: list[str] = Field(default_factory=list)
    repositories: list[str] = Field(default_factory=list)
    archives: list[str] = Field(default_factory=list)


class DynamicAllocation(Model):
    """Spark dynamic allocation; shuffle tracking defaults to on when enabled (effective_shuffle_tracking)."""

    enabled: bool = False
    initialExecutors: Int32 | None = Field(default=None, ge=0)
    minExecutors: Int32 | None = Field(default=None, ge=0)
    maxExecutors: Int32 | None = Field(default=None, ge=0)
    shuffleTrackingEnabled: bool | None = None
    shuffleTrackingTimeout: Int64 | None = Field(default=None, ge=0)
    """Milliseconds."""

    def effective_shuffle_tracking(self) -> bool:
        if self.shuffleTrackingEnabled is not None:
            return self.shuffleTrackingEnabled
        return self.enabled


class PrometheusSpec(Model):
    jmxExporterJar: str
    port: int = Field(default=8090, ge=1024, le=49151)
    portName: str | None = None
    configFile: str | None = None
    configuration: str | None = None


class MonitoringSpec(Model):
    exposeDriverMetrics: bool = False
    exposeExecutorMetrics: bool = False
    metricsProperties: str | None = None
    metricsPropertiesFile: str | None = None
    prometheus: PrometheusSpec | None = None


class IngressTLS(Model):
    hosts: list[str] = Field(default_factory=list)
    secretName: str | None = None


class SparkUIConfiguration(Model):
    servicePort: int | None = Field(default=None, ge=1, le=65535)
    servicePortName: str = "spark-driver-ui-port"
    serviceType: ServiceType = ServiceType.CLUSTER_IP
    serviceAnnotations: StringMap = Field(default_factory=dict)
    serviceLabels: StringMap = Field(default_factory=dict)
    ingressAnnotations: StringMap = Field(default_factory=dict)
    ingressTLS: list[IngressTLS] = Field(default_factory=list)


class DriverIngressConfiguration(Model):
    servicePort: int = Field(ge=1, le=65535)
    servicePortName: str
    serviceType: ServiceType | None = None
    serviceAnnotations: StringMap = Field(default_factory=dict)
    serviceLabels: StringMap = Field(default_factory=dict)
    ingressURLFormat: str
    ingressAnnotations: StringMap = Field(default_factory=dict)
    ingressTLS: list[IngressTLS] = Field(default_factory=list)


class BatchSchedulerConfiguration(Model):
    queue: str | None = None
    priorityClassName: str | None = None
    resources: ResourceList | None = None


class SparkApplicationSpec(Model):
    type: ApplicationType
    sparkVersion: SparkVersion
    mode: DeployMode = DeployMode.CLUSTER
    suspend: bool = False
    proxyUser: str | None = None
    image: str | None = None
    imagePullPolicy: Literal["Always", "IfNotPresent", "Never"] | None = None
    imagePullSecrets: list[str] = Field(default_factory=list)
    mainClass: str | None = None
    mainApplicationFile: str
    arguments: list[KubeString] = Field(default_factory=list)
    sparkConf: StringMap = Field(default_factory=dict)
    hadoopConf: StringMap = Field(default_factory=dict)
    """Hadoop settings; each key is passed to Spark with the `spark.hadoop.` prefix."""
    sparkConfigMap: str | None = None
    """A ConfigMap mounted at /etc/spark/conf (SPARK_CONF_DIR)."""
    hadoopConfigMap: str | None = None
    """A ConfigMap mounted at /etc/hadoop/conf (HADOOP_CONF_DIR)."""
    volumes: list[Volume] = Field(default_factory=list)
    driver: DriverSpec
    executor: ExecutorSpec
    deps: Dependencies | None = None
    restartPolicy: RestartPolicy = Field(default_factory=RestartPolicy)
    nodeSelector: StringMap = Field(default_factory=dict)
    failureRetries: Int32 | None = Field(default=None, ge=0)
    retryInterval: Int64 | None = Field(default=None, ge=1)
    pythonVersion: PythonVersion | None = None
    memoryOverheadFactor: Annotated[KubeString, AfterValidator(overhead_factor)] | None = None
    monitoring: MonitoringSpec | None = None
    batchScheduler: str | None = None
    batchSchedulerOptions: BatchSchedulerConfiguration | None = None
    timeToLiveSeconds: Int64 | None = Field(default=None, ge=0)
    sparkUIOptions: SparkUIConfiguration | None = None
    driverIngressOptions: list[DriverIngressConfiguration] = Field(default_factory=list)
    dynamicAllocation: DynamicAllocation | None = None
    driverPodDisruptionBudget: bool | None = None

    def is_python_like(self) -> bool:
        """Python and R run a non-JVM process beside the JVM, which changes the overhead factor."""
        return self.type in (ApplicationType.PYTHON, ApplicationType.R)

    def memory_overhead_factor(self) -> Fraction:
        """`memoryOverheadFactor`, else Spark's default: 0.4 for Python/R, 0.1 for Java/Scala."""
        if self.memoryOverheadFactor is not None:
            return Fraction(self.memoryOverheadFactor.strip())
        return Fraction(4, 10) if self.is_python_like() else Fraction(1, 10)

    def driver_memory_bytes(self) -> int:
        """The driver pod's memory request (heap + overhead)."""
        return self.driver.pod_memory_bytes(self.memory_overhead_factor())

    def executor_memory_bytes(self) -> int:
        """One executor pod's memory request (heap + overhead)."""
        return self.executor.pod_memory_bytes(self.memory_overhead_factor())

    def effective_restart_policy(self) -> RestartPolicy:
        return self.restartPolicy.with_defaults()

    def dynamic_allocation_enabled(self) -> bool:
        return self.dynamicAllocation is not None and self.dynamicAllocation.enabled

    def initial_executor_count(self) -> int:
        """Executors at start: `instances`, or with dynamic allocation max(instances, initial, min)."""
        if self.dynamicAllocation is None or not self.dynamicAllocation.enabled:
            return self.executor.instances
        da = self.dynamicAllocation
        return max(self.executor.instances, da.initialExecutors or 0, da.minExecutors or 0)

    def image_for(self, role: Literal["driver", "executor"]) -> str | None:
        """The container image of the driver or executors: the role's own image, else `image`."""
        pod: SparkPodSpec = self.driver if role == "driver" else self.executor
        return pod.image or self.image


class SparkApplication(Model):
    apiVersion: Literal["sparkoperator.k8s.io/v1beta2"] = "sparkoperator.k8s.io/v1beta2"
    kind: Literal["SparkApplication"] = "SparkApplication"
    metadata: ObjectMeta
    spec: SparkApplicationSpec
    status: SparkApplicationStatus | None = None

    def _name(self) -> str:
        if not self.metadata.name:
            raise ValueError("the application has no metadata.name yet")
        return self.metadata.name

    def driver_pod_name(self) -> str:
        """`driver.podName`, else `spark.kubernetes.driver.pod.name`, else `<name>-driver`."""
        explicit = self.spec.driver.podName or self.spec.sparkConf.get("spark.kubernetes.driver.pod.name")
        return explicit or f"{self._name()}-driver"

    def ui_service_name(self) -> str:
        return f"{self._name()}-ui-svc"

    def ui_ingress_name(self) -> str:
        return f"{self._name()}-ui-ingress"


def load_spark_application(data: Any) -> SparkApplication:
    """Parse a manifest (a mapping from YAML or JSON); every problem is raised in one ManifestError."""
    try:
        return SparkApplication.model_validate(data)
    except ValidationError as exc:
        raise ManifestError(hinted_issues(exc, SparkApplication)) from None
