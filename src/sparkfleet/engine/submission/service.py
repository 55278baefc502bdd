"""The driver's headless Service (Spark's DriverServiceFeatureStep), the UI Service (the operator's) and
the executors' NetworkPolicy (Spark 4's NetworkPolicyFeatureStep).

The headless service gives executors a stable DNS name for the driver (`spark.driver.host`); it selects
the driver by the labels Spark itself put on it and is owned by the driver pod. The UI service
`<app>-ui-svc` is the operator's: a ClusterIP service on the Spark UI port, owned by the application.
"""

from __future__ import annotations

from collections.abc import Mapping

from sparkfleet.api.sparkapplication import SparkApplication
from sparkfleet.api.wire import (
    LABEL_APP_NAME,
    LABEL_SPARK_APP_SELECTOR,
    LABEL_SPARK_ROLE,
    LABEL_SUBMISSION_ID,
    SparkRole,
)
from sparkfleet.engine.submission.kube import Obj, app_owner_reference
from sparkfleet.engine.submission.kubeconf import RoleConf, conf_int
from sparkfleet.engine.submission.names import ui_service_name
from sparkfleet.engine.submission.ports import (
    BLOCK_MANAGER_PORT_NAME,
    DEFAULT_BLOCK_MANAGER_PORT,
    DEFAULT_DRIVER_PORT,
    DEFAULT_UI_PORT,
    DRIVER_PORT_NAME,
    UI_PORT_NAME,
)

DEFAULT_UI_PORT_NAME = "spark-driver-ui-port"


def driver_service(
    name: str,
    namespace: str,
    conf: Mapping[str, str],
    role: RoleConf,
    selector: Mapping[str, str],
    app_id: str,
) -> Obj:
    """The headless service; its owner reference to the driver pod is added once the pod has a uid."""
    driver_port = conf_int(conf, "spark.driver.port", DEFAULT_DRIVER_PORT)
    block_port = conf_int(conf, "spark.driver.blockManager.port", DEFAULT_BLOCK_MANAGER_PORT)
    ui_port = conf_int(conf, "spark.ui.port", DEFAULT_UI_PORT)
    families = conf.get("spark.kubernetes.driver.service.ipFamilies", "IPv4")
    meta: Obj = {
        "labels": {LABEL_SPARK_APP_SELECTOR: app_id, **role.service_labels},
        "name": name,
        "namespace": namespace,
    }
    if role.service_annotations:
        meta["annotations"] = dict(role.service_annotations)
    return {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": meta,
        "spec": {
            "clusterIP": "None",
            "ipFamilies": [f.strip() for f in families.split(",") if f.strip()],
            "ipFamilyPolicy": conf.get("spark.kubernetes.driver.service.ipFamilyPolicy", "SingleStack"),
            "ports": [
                {"name": DRIVER_PORT_NAME, "port": driver_port, "targetPort": driver_port},
                {"name": BLOCK_MANAGER_PORT_NAME, "port": block_port, "targetPort": block_port},
                {"name": UI_PORT_NAME, "port": ui_port, "targetPort": ui_port},
            ],
            "selector": dict(selector),
        },
    }


def ui_port(app: SparkApplication) -> int:
    """The UI service port: sparkUIOptions.servicePort, else spark.ui.port from sparkConf, else 4040."""
    target = ui_target_port(app)
    options = app.spec.sparkUIOptions
    if options is None:
        return target
    return options.servicePort or DEFAULT_UI_PORT


def ui_target_port(app: SparkApplication) -> int:
    raw = app.spec.sparkConf.get("spark.ui.port")
    try:
        return int(raw) if raw is not None else DEFAULT_UI_PORT
    except ValueError:
        return DEFAULT_UI_PORT


def ui_service(app: SparkApplication, namespace: str, submission_id: str) -> Obj:
    """The operator's web UI service (createWebUIService)."""
    name = app.metadata.name or ""
    options = app.spec.sparkUIOptions
    labels = {LABEL_APP_NAME: name, LABEL_SUBMISSION_ID: submission_id}
    port_name, service_type = DEFAULT_UI_PORT_NAME, "ClusterIP"
    annotations: dict[str, str] = {}
    if options is not None:
        port_name = options.servicePortName
        service_type = options.serviceType.value
        if options.serviceLabels:
            labels = dict(options.serviceLabels)
        annotations = dict(options.serviceAnnotations)
    meta: Obj = {"labels": labels, "name": ui_service_name(name), "namespace": namespace}
    if annotations:
        meta["annotations"] = annotations
    owner = app_owner_reference(app)
    if owner is not None:
        meta["ownerReferences"] = [owner]
    return {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": meta,
        "spec": {
            "ports": [{"name": port_name, "port": ui_port(app), "targetPort": ui_target_port(app)}],
            "selector": {LABEL_APP_NAME: name, LABEL_SPARK_ROLE: SparkRole.DRIVER.value},
            "type": service_type,
        },
    }


def executor_network_policy(prefix: str, namespace: str, app_id: str) -> Obj:
    """`<prefix>-policy`, as Spark 4 creates it: executors accept traffic only from the pods of their own
    application. Owned by the driver pod, like the service."""
    app_pods = {LABEL_SPARK_APP_SELECTOR: app_id}
    return {
        "apiVersion": "networking.k8s.io/v1",
        "kind": "NetworkPolicy",
        "metadata": {"name": f"{prefix}-policy", "namespace": namespace, "labels": dict(app_pods)},
        "spec": {
            "podSelector": {"matchLabels": {LABEL_SPARK_ROLE: SparkRole.EXECUTOR.value, **app_pods}},
            "ingress": [{"from": [{"podSelector": {"matchLabels": dict(app_pods)}}]}],
        },
    }
