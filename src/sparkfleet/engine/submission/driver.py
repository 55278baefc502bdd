"""The driver pod, as spark-submit builds it from the conf and the operator's webhook completes it.

Spark's driver steps in KubernetesDriverBuilder order (basic, credentials, secrets, env secrets, volumes,
command, Hadoop conf, local dirs), then the submission client's SPARK_CONF_DIR and conf volume, then the
webhook's patches from `spec.driver`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from sparkfleet.api.sparkapplication import SparkApplication
from sparkfleet.api.wire import (
    DRIVER_CONTAINER,
    LABEL_SPARK_APP_NAME,
    LABEL_SPARK_APP_SELECTOR,
    LABEL_SPARK_ROLE,
    LABEL_SPARK_VERSION,
    SparkRole,
)
from sparkfleet.engine.submission import features as f
from sparkfleet.engine.submission.kube import Obj
from sparkfleet.engine.submission.kubeconf import KubeConf
from sparkfleet.engine.submission.memory import PodMemory
from sparkfleet.engine.submission.volumes import add_local_dirs, mount_conf_volumes
from sparkfleet.engine.submission.webhook import RolePatches, finish_pod


@dataclass(frozen=True, slots=True)
class DriverInputs:
    app: SparkApplication
    conf: Mapping[str, str]
    kube: KubeConf
    namespace: str
    app_id: str
    resource_prefix: str
    config_map: str
    labels: Mapping[str, str]
    spark_user: str
    memory: PodMemory
    main_class: str
    default_local_dir: str
    patches: RolePatches


def driver_labels(
    conf_labels: Mapping[str, str], app_id: str, app_name_label: str, spark_version: str
) -> dict[str, str]:
    """KubernetesDriverConf.labels: the conf's driver labels, then Spark's own."""
    f.check_labels(conf_labels, f.RESERVED_DRIVER_LABELS)
    labels = {k: f.substitute_ids(v, app_id, "") for k, v in conf_labels.items()}
    labels.update(
        {
            LABEL_SPARK_VERSION: spark_version,
            LABEL_SPARK_APP_SELECTOR: app_id,
            LABEL_SPARK_APP_NAME: app_name_label,
            LABEL_SPARK_ROLE: SparkRole.DRIVER.value,
        }
    )
    return labels


def build_driver_pod(d: DriverInputs) -> tuple[Obj, list[Obj]]:
    """The driver pod and the PersistentVolumeClaims Spark creates for it (OnDemand claims)."""
    app, conf, role = d.app, d.conf, d.kube.driver
    sp = f.initial_pod(app.spec.driver.template, DRIVER_CONTAINER)
    f.basic_driver(
        sp,
        conf,
        role,
        d.kube.node_selector,
        pod_name=conf["spark.kubernetes.driver.pod.name"],
        labels=d.labels,
        app_id=d.app_id,
        spark_user=d.spark_user,
        memory=d.memory,
    )
    f.service_account(sp, conf, "driver")
    f.mount_secrets(sp, role)
    claims = mount_conf_volumes(
        sp.pod,
        sp.container,
        role,
        conf,
        claim_prefix=f"{d.resource_prefix}-driver",
        app_id=d.app_id,
        namespace=d.namespace,
        executor_id=None,
    )
    f.driver_command(
        sp,
        conf,
        main_class=d.main_class,
        resource=app.spec.mainApplicationFile,
        arguments=list(app.spec.arguments),
        proxy_user=app.spec.proxyUser,
    )
    f.hadoop_conf(sp, conf)
    add_local_dirs(sp.pod, sp.container, conf, d.default_local_dir)
    f.driver_conf_volume(sp, d.config_map)
    return finish_pod(sp, app, "driver", d.namespace, d.patches), claims
