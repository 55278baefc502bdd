"""build_submission: from a SparkApplication to the objects spark-submit and the operator would create.

One pure function, no JVM: the conf (operator flags + spark-submit's additions), the driver pod with the
webhook's patches, the spark.properties ConfigMap, the headless driver service and the UI service, the
driver's OnDemand claims, and an executor pod template for the executors. Names and ids derive from the
submission id, so the same (application, submission id) always gives the same objects.

Creation order for a controller: `driver_pod` first; once the store has given it a uid,
`dependents(driver_pod)` (ConfigMap, services, claims, with their owner references).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sparkfleet.api.settings import DEFAULT_MAX_EXECUTORS
from sparkfleet.api.sparkapplication import DeployMode, SparkApplication
from sparkfleet.api.wire import (
    ANNOTATION_SCHEDULING_POLICY_PARAMETERS,
    ANNOTATION_TASK_GROUP_NAME,
    ANNOTATION_TASK_GROUPS,
    LABEL_QUEUE,
    SCHEDULER_NAME,
)
from sparkfleet.engine.submission import yunikorn
from sparkfleet.engine.submission.conf import (
    ConfInputs,
    RoleAdditions,
    main_class,
    resource_type,
    submit_conf,
)
from sparkfleet.engine.submission.driver import DriverInputs, build_driver_pod, driver_labels
from sparkfleet.engine.submission.errors import SubmissionError
from sparkfleet.engine.submission.executor import (
    SPARK_4_EXECUTOR_JAVA_OPTIONS,
    ExecutorInputs,
    ExecutorTemplate,
    build_executor_config_map,
    build_executor_pod,
    build_executor_template,
    build_executor_volume_claims,
)
from sparkfleet.engine.submission.kube import Obj, pod_owner_reference
from sparkfleet.engine.submission.kubeconf import conf_bool, conf_int, read_kube_conf
from sparkfleet.engine.submission.memory import MemoryConfError, driver_memory, executor_memory
from sparkfleet.engine.submission.monitoring import plan_monitoring
from sparkfleet.engine.submission.names import (
    app_name_label,
    driver_service_name,
    resource_name_prefix,
    submission_ids,
)
from sparkfleet.engine.submission.properties import render_properties
from sparkfleet.engine.submission.service import driver_service, executor_network_policy, ui_port, ui_service
from sparkfleet.engine.submission.webhook import RolePatches

DEFAULT_MASTER_URL = "k8s://https://kubernetes.default.svc:443"
LOCAL_IMAGE = "sparkfleet.local/spark"
"""The image the embedded cluster gives an application that names none: its local runtime runs the
installed PySpark, whatever the image. On Kubernetes there is no such default (the submission fails)."""


@dataclass(frozen=True, slots=True)
class SubmissionOptions:
    """Platform settings that are not in the application."""

    default_batch_scheduler: str | None = SCHEDULER_NAME
    """Applied when the application names no batch scheduler and neither role names a scheduler."""
    default_queue: str = "root.default"
    """YuniKorn queue when neither batchSchedulerOptions.queue nor a `queue` label names one."""
    spark_version: str | None = None
    """The spark-version label (the submitting Spark's version); None uses the application's sparkVersion."""
    spark_user: str = "root"
    """SPARK_USER: the user spark-submit runs as."""
    master_url: str = DEFAULT_MASTER_URL
    """spark.master: the Kubernetes API the driver talks to (the embedded cluster's, when local)."""
    default_image: str | None = None
    """Container image for applications that name none (a local runtime needs none of its own)."""
    ui_service: bool = True
    """Create the `<app>-ui-svc` service (the operator's --enable-ui-service)."""
    max_executors: int = DEFAULT_MAX_EXECUTORS
    """The cluster's limit on one application's executors (limits.maxExecutors): a submission asking for
    more fails before any pod, task group or placeholder is made for them."""
    executor_java_options: tuple[str, ...] = SPARK_4_EXECUTOR_JAVA_OPTIONS
    """What the driver's Spark version prepends to executor JVM options."""


@dataclass(frozen=True, slots=True)
class Submission:
    """Everything one submission creates. Objects are plain Kubernetes dicts; do not mutate them."""

    submission_id: str
    spark_app_id: str
    namespace: str
    driver_pod: Obj
    config_map: Obj
    """`spark-drv-<hex>-conf-map` with spark.properties; owned by the driver pod (see `dependents`)."""
    services: list[Obj]
    """The headless driver service (owned by the driver pod) and, when enabled, the UI service."""
    executor_pod_template: Obj
    """A complete executor pod with `{{APP_ID}}`/`{{EXECUTOR_ID}}` left in; see `executor_pod`."""
    conf: dict[str, str]
    """The resolved Spark conf: the entries of spark.properties."""
    volume_claims: list[Obj] = field(default_factory=list)
    """The driver's OnDemand PersistentVolumeClaims (owned by the driver pod)."""
    network_policies: list[Obj] = field(default_factory=list)
    """The executors' NetworkPolicy (owned by the driver pod)."""
    executor_claim_templates: list[Obj] = field(default_factory=list)
    executor_config_map: Obj = field(default_factory=dict)
    """The ConfigMap the driver creates for executors (owned by the driver pod)."""
    extra_objects: list[Obj] = field(default_factory=list)
    """Objects owned by the application (the Prometheus ConfigMap)."""
    task_groups: list[dict[str, Any]] = field(default_factory=list)
    """The YuniKorn task groups on the driver (empty without YuniKorn)."""
    ui_service_name: str | None = None
    ui_port: int | None = None
    scheduler_name: str | None = None

    @property
    def driver_pod_name(self) -> str:
        name: str = self.driver_pod["metadata"]["name"]
        return name

    def dependents(self, driver_pod: Obj) -> list[Obj]:
        """The objects to create after the driver pod, owner references filled from its uid (and name):
        the conf ConfigMap, the services, the driver's claims, then the application-owned objects."""
        meta = driver_pod["metadata"]
        owner = pod_owner_reference(meta["name"], meta["uid"])
        owned: list[Obj] = []
        for obj in [self.config_map, *self.services, *self.network_policies, *self.volume_claims]:
            if obj["metadata"].get("ownerReferences"):
                owned.append(obj)
                continue
            owned.append({**obj, "metadata": {**obj["metadata"], "ownerReferences": [owner]}})
        return owned + list(self.extra_objects)

    def executor_pod(
        self,
        executor_id: int | str,
        *,
        driver_pod: Obj | None = None,
        driver_url: str | None = None,
        app_name: str | None = None,
    ) -> Obj:
        """Executor `executor_id` of this submission (see `build_executor_pod`)."""
        return build_executor_pod(
            self.executor_pod_template,
            self.spark_app_id,
            executor_id,
            driver_pod=driver_pod,
            driver_url=driver_url,
            app_name=app_name,
        )

    def executor_volume_claims(self, executor_id: int | str, *, driver_pod: Obj | None = None) -> list[Obj]:
        return build_executor_volume_claims(
            self.executor_claim_templates, self.spark_app_id, executor_id, owner_pod=driver_pod
        )

    @property
    def executor_template(self) -> ExecutorTemplate:
        """What the driver's executors are made from, to keep with the driver (see ExecutorTemplate)."""
        return ExecutorTemplate(
            self.executor_pod_template,
            tuple(self.executor_claim_templates),
            self.executor_config_map["metadata"]["name"],
        )


def _initial_executors(conf: dict[str, str]) -> int:
    """SchedulerBackendUtils.getInitialTargetExecutorNumber."""
    if conf_bool(conf, "spark.dynamicAllocation.enabled", False):
        minimum = conf_int(conf, "spark.dynamicAllocation.minExecutors", 0)
        initial = conf_int(conf, "spark.dynamicAllocation.initialExecutors", minimum)
        return max(minimum, initial, conf_int(conf, "spark.executor.instances", 0))
    return conf_int(conf, "spark.executor.instances", 2)


def build_submission(
    app: SparkApplication,
    submission_id: str,
    options: SubmissionOptions | None = None,
    *,
    submitted_at: datetime | None = None,
) -> Submission:
    """Build a submission. `submitted_at` (the controller's clock) fills spark.app.submitTime and the
    properties' date line; without it both are left out. Raises SubmissionError for what spark-submit or
    the operator would refuse."""
    opts = options or SubmissionOptions()
    spec, meta = app.spec, app.metadata
    if not meta.name:
        raise SubmissionError("metadata.name is missing: the application needs a name")
    if spec.mode != DeployMode.CLUSTER:
        raise SubmissionError(
            f'spec.mode "{spec.mode.value}" runs the driver inside the submitting process; '
            'sparkfleet submits without one: use mode "cluster"'
        )
    name = meta.name
    namespace = meta.namespace or "default"
    ids = submission_ids(submission_id)

    # The operator's batch scheduler step mutates the spec before spark-submit sees it.
    role_schedulers = spec.driver.schedulerName or spec.executor.schedulerName
    batch = spec.batchScheduler or (None if role_schedulers else opts.default_batch_scheduler)
    gang = batch == SCHEDULER_NAME
    driver_add, executor_add = RoleAdditions(), RoleAdditions()
    if gang:
        bso = spec.batchSchedulerOptions
        queue = (bso.queue if bso else None) or meta.labels.get(LABEL_QUEUE) or opts.default_queue
        driver_add.labels[LABEL_QUEUE] = queue
        executor_add.labels[LABEL_QUEUE] = queue
        driver_add.annotations[ANNOTATION_TASK_GROUP_NAME] = yunikorn.DRIVER_GROUP
        executor_add.annotations[ANNOTATION_TASK_GROUP_NAME] = yunikorn.EXECUTOR_GROUP
        policy = meta.annotations.get(ANNOTATION_SCHEDULING_POLICY_PARAMETERS)
        if policy and ANNOTATION_SCHEDULING_POLICY_PARAMETERS not in spec.driver.annotations:
            driver_add.annotations[ANNOTATION_SCHEDULING_POLICY_PARAMETERS] = policy
    monitoring = plan_monitoring(app, namespace, driver_add, executor_add)

    conf = submit_conf(
        ConfInputs(
            app=app,
            name=name,
            namespace=namespace,
            submission_id=submission_id,
            app_id=ids.app_id,
            driver_unique=ids.driver_unique,
            master_url=opts.master_url,
            driver_image=spec.driver.image or spec.image or opts.default_image,
            executor_image=spec.executor.image or spec.image or opts.default_image,
            driver=driver_add,
            executor=executor_add,
            extra_conf=monitoring.conf,
            submitted_at=submitted_at,
        )
    )
    initial_executors = _initial_executors(conf)
    if initial_executors > opts.max_executors:
        raise SubmissionError(
            f"spec.executor.instances: the application asks for {initial_executors} executors, above the "
            f"cluster's maximum of {opts.max_executors} (limits.maxExecutors): ask for fewer"
        )
    kube = read_kube_conf(conf)
    kind = resource_type(app)
    try:
        d_memory = driver_memory(conf, non_jvm=kind != "java")
        e_memory = executor_memory(conf, python=kind == "python")
    except MemoryConfError as exc:
        raise SubmissionError(str(exc)) from None
    spark_version = opts.spark_version or spec.sparkVersion
    app_name = conf["spark.app.name"]
    d_labels = driver_labels(kube.driver.labels, ids.app_id, app_name_label(app_name), spark_version)
    prefix = resource_name_prefix(app_name, ids.driver_unique)
    bso = spec.batchSchedulerOptions
    priority = bso.priorityClassName if bso else None

    driver_pod, driver_claims = build_driver_pod(
        DriverInputs(
            app=app,
            conf=conf,
            kube=kube,
            namespace=namespace,
            app_id=ids.app_id,
            resource_prefix=prefix,
            config_map=ids.driver_config_map,
            labels=d_labels,
            spark_user=opts.spark_user,
            memory=d_memory,
            main_class=main_class(app),
            default_local_dir=ids.local_dir,
            patches=RolePatches(batch or spec.driver.schedulerName, priority, monitoring.driver),
        )
    )
    executor_prefix = conf.get("spark.kubernetes.executor.podNamePrefix") or resource_name_prefix(
        app_name, ids.executor_unique
    )
    executor_template, executor_claims = build_executor_template(
        ExecutorInputs(
            app=app,
            conf=conf,
            kube=kube,
            namespace=namespace,
            name_prefix=executor_prefix,
            config_map=ids.executor_config_map,
            app_name=app_name,
            spark_version=spark_version,
            spark_user=opts.spark_user,
            driver_url=f"spark://CoarseGrainedScheduler@{conf['spark.driver.host']}:{conf['spark.driver.port']}",
            memory=e_memory,
            java_defaults=opts.executor_java_options,
            default_local_dir=ids.local_dir,
            patches=RolePatches(batch or spec.executor.schedulerName, priority, monitoring.executor),
        )
    )

    groups: list[dict[str, Any]] = []
    if gang:
        groups = yunikorn.task_groups(
            driver_pod,
            executor_template,
            initial_executors,
            {**spec.driver.labels, **driver_add.labels},
            {**spec.executor.labels, **executor_add.labels},
        )
        encoded = yunikorn.task_groups_json(groups)
        driver_pod["metadata"].setdefault("annotations", {})[ANNOTATION_TASK_GROUPS] = encoded
        conf[f"spark.kubernetes.driver.annotation.{ANNOTATION_TASK_GROUPS}"] = encoded

    properties = render_properties(ids.driver_config_map, conf, submitted_at)
    config_map: Obj = {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {"name": ids.driver_config_map, "namespace": namespace},
        "data": {"spark.kubernetes.namespace": namespace, "spark.properties": properties},
        "immutable": True,
    }
    services = [
        driver_service(
            driver_service_name(prefix, ids.driver_unique), namespace, conf, kube.driver, d_labels, ids.app_id
        )
    ]
    ui_name: str | None = None
    if opts.ui_service:
        ui = ui_service(app, namespace, submission_id)
        ui_name = ui["metadata"]["name"]
        services.append(ui)
    return Submission(
        submission_id=submission_id,
        spark_app_id=ids.app_id,
        namespace=namespace,
        driver_pod=driver_pod,
        config_map=config_map,
        services=services,
        executor_pod_template=executor_template,
        conf=conf,
        volume_claims=driver_claims,
        network_policies=[executor_network_policy(prefix, namespace, ids.app_id)],
        executor_claim_templates=executor_claims,
        executor_config_map=build_executor_config_map(
            ids.executor_config_map, namespace, ids.app_id, written_at=submitted_at
        ),
        extra_objects=[monitoring.config_map] if monitoring.config_map is not None else [],
        task_groups=groups,
        ui_service_name=ui_name,
        ui_port=ui_port(app) if ui_name else None,
        scheduler_name=driver_pod["spec"].get("schedulerName"),
    )
