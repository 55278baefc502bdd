"""Executor pods: the template a submission carries, and each executor made from it.

In Kubernetes, Spark's driver creates its executors itself (ExecutorPodsAllocator) and the operator's
webhook patches them. Here the executor pod is built once per submission as a template with everything
both would put on it, with Spark's own placeholders `{{APP_ID}}` and `{{EXECUTOR_ID}}` where each
executor differs; `build_executor_pod` fills them in, exactly as the driver would (golden objects:
spark-submit-golden/client-mode-executors). Claims for `claimName: OnDemand` volumes get the same
treatment, owned by the driver pod (spark.kubernetes.driver.ownPersistentVolumeClaim, on by default).
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sparkfleet.api.sparkapplication import SparkApplication
from sparkfleet.api.wire import (
    EXECUTOR_CONTAINER,
    LABEL_SPARK_APP_NAME,
    LABEL_SPARK_APP_SELECTOR,
    LABEL_SPARK_EXECUTOR_ID,
    LABEL_SPARK_RESOURCE_PROFILE_ID,
    LABEL_SPARK_ROLE,
    LABEL_SPARK_VERSION,
    SparkRole,
)
from sparkfleet.engine.submission import features as f
from sparkfleet.engine.submission.kube import Obj, pod_owner_reference
from sparkfleet.engine.submission.kubeconf import KubeConf
from sparkfleet.engine.submission.memory import PodMemory
from sparkfleet.engine.submission.names import app_name_label, executor_hostname
from sparkfleet.engine.submission.properties import render_properties
from sparkfleet.engine.submission.volumes import add_local_dirs, mount_conf_volumes
from sparkfleet.engine.submission.webhook import RolePatches, finish_pod

SPARK_4_EXECUTOR_JAVA_OPTIONS: tuple[str, ...] = (
    "-Djava.net.preferIPv6Addresses=false",
    "-XX:+IgnoreUnrecognizedVMOptions",
    "--add-modules=jdk.incubator.vector",
    "--add-opens=java.base/java.lang=ALL-UNNAMED",
    "--add-opens=java.base/java.lang.invoke=ALL-UNNAMED",
    "--add-opens=java.base/java.lang.reflect=ALL-UNNAMED",
    "--add-opens=java.base/java.io=ALL-UNNAMED",
    "--add-opens=java.base/java.net=ALL-UNNAMED",
    "--add-opens=java.base/java.nio=ALL-UNNAMED",
    "--add-opens=java.base/java.util=ALL-UNNAMED",
    "--add-opens=java.base/java.util.concurrent=ALL-UNNAMED",
    "--add-opens=java.base/java.util.concurrent.atomic=ALL-UNNAMED",
    "--add-opens=java.base/jdk.internal.ref=ALL-UNNAMED",
    "--add-opens=java.base/sun.nio.ch=ALL-UNNAMED",
    "--add-opens=java.base/sun.nio.cs=ALL-UNNAMED",
    "--add-opens=java.base/sun.security.action=ALL-UNNAMED",
    "--add-opens=java.base/sun.util.calendar=ALL-UNNAMED",
    "--add-opens=java.security.jgss/sun.security.krb5=ALL-UNNAMED",
    "-Djdk.reflect.useDirectMethodHandle=false",
    "-Dio.netty.tryReflectionSetAccessible=true",
)
"""What a Spark 4.0 driver prepends to spark.executor.extraJavaOptions (SparkContext's IPv6 and
JavaModuleOptions supplements); executors receive them as SPARK_JAVA_OPT_n."""

_DRIVER_URL_PORT = re.compile(r":(\d+)$")


@dataclass(frozen=True, slots=True)
class ExecutorInputs:
    app: SparkApplication
    conf: Mapping[str, str]
    kube: KubeConf
    namespace: str
    name_prefix: str
    config_map: str
    app_name: str
    spark_version: str
    spark_user: str
    driver_url: str
    memory: PodMemory
    java_defaults: tuple[str, ...]
    default_local_dir: str
    patches: RolePatches


def executor_labels(conf_labels: Mapping[str, str], app_name: str, spark_version: str) -> dict[str, str]:
    """KubernetesExecutorConf.labels with the ids left as placeholders."""
    f.check_labels(conf_labels, f.RESERVED_EXECUTOR_LABELS)
    labels = dict(conf_labels)
    labels.update(
        {
            LABEL_SPARK_VERSION: spark_version,
            LABEL_SPARK_EXECUTOR_ID: f.EXECUTOR_ID_PLACEHOLDER,
            LABEL_SPARK_APP_SELECTOR: f.APP_ID_PLACEHOLDER,
            LABEL_SPARK_APP_NAME: app_name_label(app_name),
            LABEL_SPARK_ROLE: SparkRole.EXECUTOR.value,
            LABEL_SPARK_RESOURCE_PROFILE_ID: "0",
        }
    )
    return labels


def build_executor_template(e: ExecutorInputs) -> tuple[Obj, list[Obj]]:
    """The executor pod template and the claim templates of its OnDemand volumes."""
    app, conf, role = e.app, e.conf, e.kube.executor
    sp = f.initial_pod(app.spec.executor.template, EXECUTOR_CONTAINER)
    f.basic_executor(
        sp,
        conf,
        role,
        e.kube.node_selector,
        name_prefix=e.name_prefix,
        labels=executor_labels(role.labels, e.app_name, e.spark_version),
        spark_user=e.spark_user,
        driver_url=e.driver_url,
        memory=e.memory,
        java_options=f.executor_java_options(conf, e.java_defaults),
        config_map=e.config_map,
    )
    f.service_account(sp, conf, "executor")
    f.mount_secrets(sp, role)
    claims = mount_conf_volumes(
        sp.pod,
        sp.container,
        role,
        conf,
        claim_prefix=f"{e.name_prefix}-exec-{f.EXECUTOR_ID_PLACEHOLDER}",
        app_id=f.APP_ID_PLACEHOLDER,
        namespace=e.namespace,
        executor_id=f.EXECUTOR_ID_PLACEHOLDER,
    )
    f.hadoop_conf(sp, conf)
    add_local_dirs(sp.pod, sp.container, conf, e.default_local_dir)
    return finish_pod(sp, app, "executor", e.namespace, e.patches), claims


def _fill(obj: Obj, app_id: str, executor_id: str) -> Any:
    text = json.dumps(obj)
    text = text.replace(f.APP_ID_PLACEHOLDER, app_id).replace(f.EXECUTOR_ID_PLACEHOLDER, executor_id)
    return json.loads(text)


def build_executor_pod(
    template: Obj,
    app_id: str,
    executor_id: int | str,
    *,
    driver_pod: Obj | None = None,
    driver_url: str | None = None,
    app_name: str | None = None,
) -> Obj:
    """Executor `executor_id` of application `app_id`, from a submission's executor pod template.

    `driver_pod` (with its uid) becomes the owner, as Spark sets it. `driver_url` replaces the cluster-mode
    driver address (spark://CoarseGrainedScheduler@<driver service>:<port>) when the driver listens
    elsewhere, with the matching -Dspark.driver.port. `app_name` is the name the running application gave
    itself (a SparkSession appName), which Spark uses for the spark-app-name label.
    """
    pod: Obj = _fill(template, app_id, str(executor_id))
    meta, spec = pod["metadata"], pod["spec"]
    spec["hostname"] = executor_hostname(meta["name"])
    if app_name is not None:
        meta["labels"][LABEL_SPARK_APP_NAME] = app_name_label(app_name)
    if driver_pod is not None:
        dmeta = driver_pod["metadata"]
        meta["ownerReferences"] = [pod_owner_reference(dmeta["name"], dmeta["uid"])]
    if driver_url is not None:
        port = _DRIVER_URL_PORT.search(driver_url)
        for container in spec["containers"]:
            for env in container.get("env") or []:
                if env["name"] == "SPARK_DRIVER_URL":
                    env["value"] = driver_url
                elif (
                    port
                    and env["name"].startswith(f.JAVA_OPT_PREFIX)
                    and env["value"].startswith("-Dspark.driver.port=")
                ):
                    env["value"] = f"-Dspark.driver.port={port.group(1)}"
    return pod


def build_executor_volume_claims(
    claim_templates: list[Obj], app_id: str, executor_id: int | str, *, owner_pod: Obj | None = None
) -> list[Obj]:
    """The PersistentVolumeClaims for one executor's OnDemand volumes, owned by `owner_pod` (the driver)."""
    claims: list[Obj] = _fill({"items": claim_templates}, app_id, str(executor_id))["items"]
    if owner_pod is not None:
        owner_meta = owner_pod["metadata"]
        for claim in claims:
            claim["metadata"]["ownerReferences"] = [
                pod_owner_reference(owner_meta["name"], owner_meta["uid"])
            ]
    return claims


def build_executor_config_map(
    name: str,
    namespace: str,
    app_id: str,
    *,
    driver_pod: Obj | None = None,
    written_at: datetime | None = None,
) -> Obj:
    """The ConfigMap a driver creates for its executors' SPARK_CONF_DIR (setUpExecutorConfigMap)."""
    meta: Obj = {
        "labels": {LABEL_SPARK_APP_SELECTOR: app_id, LABEL_SPARK_ROLE: SparkRole.EXECUTOR.value},
        "name": name,
        "namespace": namespace,
    }
    if driver_pod is not None:
        dmeta = driver_pod["metadata"]
        meta["ownerReferences"] = [pod_owner_reference(dmeta["name"], dmeta["uid"])]
    props = {"spark.kubernetes.namespace": namespace}
    return {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": meta,
        "data": {
            "spark.kubernetes.namespace": namespace,
            "spark.properties": render_properties(name, props, written_at),
        },
        "immutable": True,
    }


EXECUTOR_TEMPLATE_KEY = "sparkfleet.executor-template.json"
"""The key of the driver's conf ConfigMap that holds its `ExecutorTemplate` (not mounted in the driver,
whose conf volume names spark.properties only)."""


@dataclass(frozen=True, slots=True)
class ExecutorTemplate:
    """What a driver's executors are made from, fixed at submission: the executor pod template, the
    claim templates of its OnDemand volumes, and the name of the executors' conf ConfigMap."""

    pod: Obj
    claims: tuple[Obj, ...]
    config_map: str

    def executor_pod(self, app_id: str, executor_id: int | str, *, driver_pod: Obj | None = None) -> Obj:
        return build_executor_pod(self.pod, app_id, executor_id, driver_pod=driver_pod)

    def volume_claims(
        self, app_id: str, executor_id: int | str, *, driver_pod: Obj | None = None
    ) -> list[Obj]:
        return build_executor_volume_claims(list(self.claims), app_id, executor_id, owner_pod=driver_pod)

    def to_json(self) -> str:
        return json.dumps(
            {"pod": self.pod, "claims": list(self.claims), "configMap": self.config_map}, sort_keys=True
        )

    @classmethod
    def from_json(cls, text: str) -> ExecutorTemplate:
        """The template `to_json` wrote; ValueError (or KeyError/TypeError) for any other text."""
        raw = json.loads(text)
        pod, claims, config_map = raw["pod"], raw["claims"], raw["configMap"]
        if not isinstance(pod, dict) or not isinstance(claims, list) or not isinstance(config_map, str):
            raise ValueError("an executor template holds a pod object, a claims list and a ConfigMap name")
        return cls(pod, tuple(claims), config_map)
