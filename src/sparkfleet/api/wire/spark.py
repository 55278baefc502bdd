"""The labels Spark puts on its driver and executor pods, and the Spark operator's own."""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from typing import Any

LABEL_SPARK_ROLE = "spark-role"
LABEL_SPARK_APP_SELECTOR = "spark-app-selector"
LABEL_SPARK_APP_NAME = "spark-app-name"
LABEL_SPARK_VERSION = "spark-version"
LABEL_SPARK_EXECUTOR_ID = "spark-exec-id"
LABEL_SPARK_RESOURCE_PROFILE_ID = "spark-exec-resourceprofile-id"

LABEL_APP_NAME = "sparkoperator.k8s.io/app-name"
LABEL_SUBMISSION_ID = "sparkoperator.k8s.io/submission-id"
LABEL_LAUNCHED_BY_OPERATOR = "sparkoperator.k8s.io/launched-by-spark-operator"
LABEL_CREATED_BY_OPERATOR = "sparkoperator.k8s.io/created-by-spark-operator"
LABEL_SCHEDULED_APP_NAME = "sparkoperator.k8s.io/scheduled-app-name"
LABEL_SPARK_CONNECT_NAME = "sparkoperator.k8s.io/connect-name"
"""On a SparkConnect's server pod, its executors, ConfigMap and Service: the SparkConnect's name."""

CONNECT_SERVER_PORT = 15002
"""Where a Spark Connect server takes gRPC clients (spark.connect.grpc.binding.port's default)."""
CONNECT_SERVER_CLASS = "org.apache.spark.sql.connect.service.SparkConnectServer"

DRIVER_CONTAINER = "spark-kubernetes-driver"
EXECUTOR_CONTAINER = "spark-kubernetes-executor"
EXECUTOR_CONTAINERS = (EXECUTOR_CONTAINER, "executor")
"""Spark 3+ names the executor container spark-kubernetes-executor; older images used executor."""


class SparkRole(StrEnum):
    """The values of the `spark-role` label."""

    DRIVER = "driver"
    EXECUTOR = "executor"
    CONNECT_SERVER = "connect-server"
    """A SparkConnect's server pod: a driver serving Spark Connect clients."""


LOCAL_DIR_VOLUME_PREFIX = "spark-local-dir-"
"""Volumes named so are Spark's local dirs (`spark.local.dir`), whoever mounted them."""


def spark_ui_proxy_path(app: Mapping[str, Any]) -> str | None:
    """The API server's service-proxy path of a SparkApplication's driver UI service (as `kubectl proxy`
    serves it), from `status.driverInfo`; None before the operator has made the service."""
    info = (app.get("status") or {}).get("driverInfo") or {}
    service, port = info.get("webUIServiceName"), info.get("webUIPort")
    if not service or not port:
        return None
    namespace = (app.get("metadata") or {}).get("namespace")
    return f"/api/v1/namespaces/{namespace}/services/{service}:{port}/proxy/"
