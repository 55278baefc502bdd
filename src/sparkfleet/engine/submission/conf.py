"""The Spark conf of a submission: what the operator passes to spark-submit, then what spark-submit adds.

Part one follows the operator's `buildSparkSubmitArgs` option by option and in its order (a later
`--conf` of the same key wins, as in spark-submit): namespace, image, Python version, overhead factor,
waitAppCompletion, the user's sparkConf and hadoopConf, the driver pod name, the driver's and the
executors' settings, labels, annotations, environment, secrets and `spark-local-dir-*` volume mounts, the
app-level node selector and dynamic allocation. Part two is spark-submit's own work in cluster mode:
`--name`, `--deploy-mode`, `--master` and the dependency flags become conf keys, and the driver's feature
steps add the application id, the driver service's host and ports, the resource type and the overhead
factor that executors inherit. The result is exactly the content of spark.properties.

The operator's `sparkoperator.k8s.io/mutated-by-spark-operator` label is not set: it asks the operator's
webhook to patch the pods, and these pods are built complete.

`cores`, `memory` and `instances` carry model defaults; they are passed when written in the manifest, or
when sparkConf does not set the same Spark key (then the default is Spark's own anyway).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from sparkfleet.api.pod import Volume, VolumeMount
from sparkfleet.api.sparkapplication import SecretType, SparkApplication, SparkPodSpec
from sparkfleet.api.wire import (
    LABEL_APP_NAME,
    LABEL_LAUNCHED_BY_OPERATOR,
    LABEL_SUBMISSION_ID,
    LOCAL_DIR_VOLUME_PREFIX,
)
from sparkfleet.engine.submission.errors import SubmissionError
from sparkfleet.engine.submission.memory import default_overhead_factor, java_double
from sparkfleet.engine.submission.names import driver_service_name, resource_name_prefix
from sparkfleet.engine.submission.ports import DEFAULT_BLOCK_MANAGER_PORT, DEFAULT_DRIVER_PORT

PYTHON_RUNNER = "org.apache.spark.deploy.PythonRunner"
R_RUNNER = "org.apache.spark.deploy.RRunner"

_SECRET_ENV = {
    SecretType.GCP_SERVICE_ACCOUNT: ("GOOGLE_APPLICATION_CREDENTIALS", "key.json"),
    SecretType.HADOOP_DELEGATION_TOKEN: ("HADOOP_TOKEN_FILE_LOCATION", "hadoop.token"),
}
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_USER_DENIED = ("spark.driver.host", "spark.driver.bindAddress")


@dataclass(slots=True)
class RoleAdditions:
    """Labels, annotations and JVM options the platform adds to a role before the conf is written
    (YuniKorn queue and task-group name, Prometheus scraping), as the operator mutates the spec."""

    labels: dict[str, str] = field(default_factory=dict)
    annotations: dict[str, str] = field(default_factory=dict)
    java_options: list[str] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class ConfInputs:
    app: SparkApplication
    name: str
    namespace: str
    submission_id: str
    app_id: str
    driver_unique: str
    master_url: str
    driver_image: str | None
    executor_image: str | None
    driver: RoleAdditions
    executor: RoleAdditions
    extra_conf: Mapping[str, str]
    """Keys the platform sets after sparkConf (Prometheus metrics settings)."""
    submitted_at: datetime | None


def _given(pod: SparkPodSpec, field_name: str, conf: Mapping[str, str], key: str) -> bool:
    """Pass a defaulted field when the manifest wrote it, or when sparkConf leaves the key to the default."""
    return field_name in pod.model_fields_set or key not in conf


def _local_dir_mounts(
    conf: dict[str, str], role: str, mounts: list[VolumeMount], volumes: dict[str, Volume]
) -> None:
    """The operator's driver/executorVolumeMountsOption: `spark-local-dir-*` volumes go through the conf."""
    for mount in mounts:
        if not mount.name.startswith(LOCAL_DIR_VOLUME_PREFIX):
            continue
        volume = volumes.get(mount.name)
        if volume is None:
            raise SubmissionError(
                f"spec.{role}.volumeMounts: volume {mount.name} not found; add it to spec.volumes"
            )
        if volume.emptyDir is not None:
            vtype = "emptyDir"
        elif volume.hostPath is not None:
            vtype = "hostPath"
        elif volume.nfs is not None:
            vtype = "nfs"
        elif volume.persistentVolumeClaim is not None:
            vtype = "persistentVolumeClaim"
        else:
            raise SubmissionError(
                f"spec.volumes[{mount.name}]: unsupported volume type for a Spark local directory "
                "(use emptyDir, hostPath, nfs or persistentVolumeClaim)"
            )
        base = f"spark.kubernetes.{role}.volumes.{vtype}.{mount.name}"
        if mount.mountPath:
            conf[f"{base}.mount.path"] = mount.mountPath
        if mount.subPath:
            conf[f"{base}.mount.subPath"] = mount.subPath
        if mount.readOnly:
            conf[f"{base}.mount.readOnly"] = "true"
        opt = f"{base}.options"
        if volume.emptyDir is not None:
            if volume.emptyDir.sizeLimit is not None:
                conf[f"{opt}.sizeLimit"] = str(volume.emptyDir.sizeLimit)
        elif volume.hostPath is not None:
            conf[f"{opt}.path"] = volume.hostPath.path
            if volume.hostPath.type is not None:
                conf[f"{opt}.type"] = volume.hostPath.type
        elif volume.nfs is not None:
            conf[f"{opt}.path"] = volume.nfs.path
            conf[f"{opt}.server"] = volume.nfs.server
            if volume.nfs.readOnly:
                conf[f"{opt}.readOnly"] = "true"
        elif volume.persistentVolumeClaim is not None:
            conf[f"{opt}.claimName"] = volume.persistentVolumeClaim.claimName
            if volume.persistentVolumeClaim.readOnly:
                conf[f"{opt}.readOnly"] = "true"


def _java_options(conf: dict[str, str], key: str, pod: SparkPodSpec, extra: RoleAdditions) -> None:
    """`javaOptions` replaces sparkConf's extraJavaOptions; platform options (the Prometheus agent) are
    appended to whichever applies rather than replacing the user's."""
    base = pod.javaOptions if pod.javaOptions is not None else conf.get(key, "")
    java = " ".join(o for o in [base, *extra.java_options] if o)
    if java:
        conf[key] = java


def _role_conf(
    conf: dict[str, str], inputs: ConfInputs, role: str, pod: SparkPodSpec, extra: RoleAdditions
) -> None:
    """driverConfOption / executorConfOption, then the role's env, secrets and local-dir mounts."""
    app, spec = inputs.app, inputs.app.spec
    user = spec.sparkConf
    k8s = f"spark.kubernetes.{role}"
    conf[f"{k8s}.label.{LABEL_APP_NAME}"] = inputs.name
    conf[f"{k8s}.label.{LABEL_LAUNCHED_BY_OPERATOR}"] = "true"
    conf[f"{k8s}.label.{LABEL_SUBMISSION_ID}"] = inputs.submission_id
    if role == "executor":
        instances = spec.executor.instances
        if _given(spec.executor, "instances", user, "spark.executor.instances"):
            conf["spark.executor.instances"] = str(instances)
    image = inputs.driver_image if role == "driver" else inputs.executor_image
    if image:
        conf[f"{k8s}.container.image"] = image
    if _given(pod, "cores", user, f"spark.{role}.cores"):
        conf[f"spark.{role}.cores"] = str(pod.cores)
    if pod.coreRequest is not None:
        conf[f"{k8s}.request.cores"] = str(pod.coreRequest)
    if pod.coreLimit is not None:
        conf[f"{k8s}.limit.cores"] = str(pod.coreLimit)
    if _given(pod, "memory", user, f"spark.{role}.memory"):
        conf[f"spark.{role}.memory"] = pod.memory
    if pod.memoryOverhead is not None:
        conf[f"spark.{role}.memoryOverhead"] = pod.memoryOverhead
    if pod.serviceAccount is not None:
        conf[f"spark.kubernetes.authenticate.{role}.serviceAccountName"] = pod.serviceAccount
    if role == "driver":
        _java_options(conf, "spark.driver.extraJavaOptions", pod, extra)
        if spec.driver.kubernetesMaster is not None:
            conf["spark.kubernetes.driver.master"] = spec.driver.kubernetesMaster
    else:
        if spec.executor.deleteOnTermination is not None:
            conf["spark.kubernetes.executor.deleteOnTermination"] = str(
                spec.executor.deleteOnTermination
            ).lower()
    for key, value in app.metadata.labels.items():
        conf[f"{k8s}.label.{key}"] = value
    for key, value in pod.labels.items():
        conf[f"{k8s}.label.{key}"] = value
    for key, value in extra.labels.items():
        conf[f"{k8s}.label.{key}"] = value
    for key, value in pod.annotations.items():
        conf[f"{k8s}.annotation.{key}"] = value
    for key, value in extra.annotations.items():
        conf[f"{k8s}.annotation.{key}"] = value
    if role == "driver":
        for key, value in spec.driver.serviceLabels.items():
            conf[f"{k8s}.service.label.{key}"] = value
        for key, value in spec.driver.serviceAnnotations.items():
            conf[f"{k8s}.service.annotation.{key}"] = value
    for env_name, ref in pod.envSecretKeyRefs.items():
        conf[f"{k8s}.secretKeyRef.{env_name}"] = f"{ref.name}:{ref.key}"
    if role == "executor":
        _java_options(conf, "spark.executor.extraJavaOptions", pod, extra)
    env_prefix = "spark.kubernetes.driverEnv." if role == "driver" else "spark.executorEnv."
    for key, value in pod.envVars.items():
        conf[env_prefix + key] = value
    for secret in pod.secrets:
        conf[f"{k8s}.secrets.{secret.name}"] = secret.path
        env = _SECRET_ENV.get(secret.secretType)
        if env is not None:
            conf[env_prefix + env[0]] = f"{secret.path.rstrip('/')}/{env[1]}"
    volumes = {v.name: v for v in spec.volumes}
    _local_dir_mounts(conf, role, pod.volumeMounts, volumes)


def operator_conf(inputs: ConfInputs) -> dict[str, str]:
    """The `--conf` pairs of the operator's spark-submit command line, last one winning."""
    app, spec = inputs.app, inputs.app.spec
    conf: dict[str, str] = {"spark.kubernetes.namespace": inputs.namespace}
    if spec.image:
        conf["spark.kubernetes.container.image"] = spec.image
    if spec.imagePullPolicy:
        conf["spark.kubernetes.container.image.pullPolicy"] = spec.imagePullPolicy
    if spec.imagePullSecrets:
        conf["spark.kubernetes.container.image.pullSecrets"] = ",".join(spec.imagePullSecrets)
    if spec.pythonVersion is not None:
        conf["spark.kubernetes.pyspark.pythonVersion"] = spec.pythonVersion.value
    if spec.memoryOverheadFactor:
        conf["spark.kubernetes.memoryOverheadFactor"] = spec.memoryOverheadFactor
    conf["spark.kubernetes.submission.waitAppCompletion"] = "false"
    for key, value in spec.sparkConf.items():
        if key != "spark.kubernetes.driver.pod.name":
            conf[key] = value
    for key, value in spec.hadoopConf.items():
        conf[f"spark.hadoop.{key}"] = value
    conf.update(inputs.extra_conf)
    conf["spark.kubernetes.driver.pod.name"] = app.driver_pod_name()
    _role_conf(conf, inputs, "driver", spec.driver, inputs.driver)
    _role_conf(conf, inputs, "executor", spec.executor, inputs.executor)
    for key, value in spec.nodeSelector.items():
        conf[f"spark.kubernetes.node.selector.{key}"] = value
    da = spec.dynamicAllocation
    if da is not None and da.enabled:
        conf["spark.dynamicAllocation.enabled"] = "true"
        if da.initialExecutors is not None:
            conf["spark.dynamicAllocation.initialExecutors"] = str(da.initialExecutors)
        if da.minExecutors is not None:
            conf["spark.dynamicAllocation.minExecutors"] = str(da.minExecutors)
        if da.maxExecutors is not None:
            conf["spark.dynamicAllocation.maxExecutors"] = str(da.maxExecutors)
        tracking = True if da.shuffleTrackingEnabled is None else da.shuffleTrackingEnabled
        conf["spark.dynamicAllocation.shuffleTracking.enabled"] = str(tracking).lower()
        if da.shuffleTrackingTimeout is not None:
            conf["spark.dynamicAllocation.shuffleTracking.timeout"] = str(da.shuffleTrackingTimeout)
    return conf


def _join(items: list[str]) -> str:
    return ",".join(items)


def resource_type(app: SparkApplication) -> str:
    """spark.kubernetes.resource.type: python, r or java (DriverCommandFeatureStep)."""
    kind = app.spec.type.value
    return "python" if kind == "Python" else "r" if kind == "R" else "java"


def main_class(app: SparkApplication) -> str:
    kind = resource_type(app)
    if kind == "python":
        return PYTHON_RUNNER
    if kind == "r":
        return R_RUNNER
    if not app.spec.mainClass:
        raise SubmissionError(
            "spec.mainClass is missing: a Java/Scala application needs its main class "
            "(spark-submit: No main class set in JAR; please specify one with --class)"
        )
    return app.spec.mainClass


def submit_conf(inputs: ConfInputs) -> dict[str, str]:
    """The complete resolved conf: operator flags as spark-submit and the driver's feature steps see them."""
    app, spec = inputs.app, inputs.app.spec
    conf = operator_conf(inputs)
    for key in _USER_DENIED:
        if key in conf:
            raise SubmissionError(
                f"sparkConf {key} is not supported on Kubernetes: Spark sets it to the driver pod's "
                "address and service; remove it"
            )
    kind = resource_type(app)
    # spark-submit's own flags override the same keys from --conf.
    conf["spark.master"] = inputs.master_url
    conf["spark.submit.deployMode"] = "cluster"
    conf["spark.app.name"] = inputs.name
    deps = spec.deps
    if deps is not None:
        if deps.jars:
            conf["spark.jars"] = _join(deps.jars)
        if deps.files:
            conf["spark.files"] = _join(deps.files)
        if deps.archives:
            conf["spark.archives"] = _join(deps.archives)
        if deps.packages:
            conf["spark.jars.packages"] = _join(deps.packages)
        if deps.excludePackages:
            conf["spark.jars.excludes"] = _join(deps.excludePackages)
        if deps.repositories:
            conf["spark.jars.repositories"] = _join(deps.repositories)
        if deps.pyFiles:
            conf["spark.submit.pyFiles"] = _join(deps.pyFiles)
    if kind == "python":
        conf.setdefault("spark.submit.pyFiles", "")
    elif kind == "java":
        # SparkSubmit adds the application jar to spark.jars (the user need not call sc.addJar).
        jars = [j for j in conf.get("spark.jars", "").split(",") if j]
        conf["spark.jars"] = _join([*jars, spec.mainApplicationFile])
    if inputs.submitted_at is not None:
        conf["spark.app.submitTime"] = str((inputs.submitted_at - _EPOCH) // timedelta(milliseconds=1))
    # BasicDriverFeatureStep
    conf["spark.kubernetes.driver.pod.name"] = app.driver_pod_name()
    conf["spark.app.id"] = inputs.app_id
    conf["spark.kubernetes.submitInDriver"] = "true"
    conf["spark.kubernetes.memoryOverheadFactor"] = java_double(
        default_overhead_factor(conf, non_jvm=kind != "java")
    )
    # DriverServiceFeatureStep
    prefix = resource_name_prefix(inputs.name, inputs.driver_unique)
    service = driver_service_name(prefix, inputs.driver_unique)
    conf["spark.driver.host"] = f"{service}.{inputs.namespace}.svc"
    conf["spark.driver.port"] = conf.get("spark.driver.port", str(DEFAULT_DRIVER_PORT))
    conf["spark.driver.blockManager.port"] = conf.get(
        "spark.driver.blockManager.port", conf.get("spark.blockManager.port", str(DEFAULT_BLOCK_MANAGER_PORT))
    )
    # DriverCommandFeatureStep
    conf["spark.kubernetes.resource.type"] = kind
    return conf
