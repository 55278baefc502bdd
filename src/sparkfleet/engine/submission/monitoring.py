"""`spec.monitoring`: Spark metrics through the Prometheus JMX exporter, as the operator configures it.

The operator writes a ConfigMap `<app>-prom-conf` (metrics.properties and the exporter's prometheus.yaml
unless both are given as files in the image), points spark.metrics.conf at it, adds the `-javaagent`
option and the prometheus.io scrape annotations to the roles that expose metrics, and its webhook mounts
the ConfigMap at /etc/metrics/conf and opens the exporter port.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sparkfleet.api.sparkapplication import SparkApplication
from sparkfleet.api.wire import LABEL_CREATED_BY_OPERATOR
from sparkfleet.engine.submission.conf import RoleAdditions
from sparkfleet.engine.submission.kube import Obj, app_owner_reference
from sparkfleet.engine.submission.webhook import Prometheus

MOUNT_PATH = "/etc/metrics/conf"
METRICS_PROPERTIES = "metrics.properties"
PROMETHEUS_CONFIG = "prometheus.yaml"
DEFAULT_PORT = 8090
DEFAULT_PORT_NAME = "jmx-exporter"

DEFAULT_METRICS_PROPERTIES = "\n".join(
    [
        "",
        "*.sink.jmx.class=org.apache.spark.metrics.sink.JmxSink",
        "driver.source.jvm.class=org.apache.spark.metrics.source.JvmSource",
        "executor.source.jvm.class=org.apache.spark.metrics.source.JvmSource",
    ]
)

# JMX exporter rules: (MBean pattern, metric name, type, extra label). The MBean names are
# metrics<name=<namespace>.<app id>.<driver|executor id>.<source>.<metric>>.
_APP = r"metrics<name=(\S+)\.(\S+)\."
_RULES: tuple[tuple[str, str, str, str | None], ...] = (
    (_APP + r"driver\.(BlockManager|DAGScheduler|jvm)\.(\S+)><>Value", "spark_driver_$3_$4", "GAUGE", None),
    (
        _APP + r"driver\.(\S+)\.StreamingMetrics\.streaming\.(\S+)><>Value",
        "spark_streaming_driver_$4",
        "GAUGE",
        None,
    ),
    (
        _APP + r"driver\.spark\.streaming\.(\S+)\.(\S+)><>Value",
        "spark_structured_streaming_driver_$4",
        "GAUGE",
        'query_name: "$3"',
    ),
    (_APP + r"(\S+)\.executor\.(\S+)><>Value", "spark_executor_$4", "GAUGE", 'executor_id: "$3"'),
    (_APP + r"driver\.DAGScheduler\.(.*)><>Count", "spark_driver_DAGScheduler_$3_count", "COUNTER", None),
    (
        _APP + r"driver\.HiveExternalCatalog\.(.*)><>Count",
        "spark_driver_HiveExternalCatalog_$3_count",
        "COUNTER",
        None,
    ),
    (_APP + r"driver\.CodeGenerator\.(.*)><>Count", "spark_driver_CodeGenerator_$3_count", "COUNTER", None),
    (
        _APP + r"driver\.LiveListenerBus\.(.*)><>Count",
        "spark_driver_LiveListenerBus_$3_count",
        "COUNTER",
        None,
    ),
    (_APP + r"driver\.LiveListenerBus\.(.*)><>Value", "spark_driver_LiveListenerBus_$3", "GAUGE", None),
    (_APP + r"(.*)\.executor\.(.*)><>Count", "spark_executor_$4_count", "COUNTER", 'executor_id: "$3"'),
    (
        _APP + r"([0-9]+)\.(jvm|NettyBlockTransfer)\.(.*)><>Value",
        "spark_executor_$4_$5",
        "GAUGE",
        'executor_id: "$3"',
    ),
    (
        _APP + r"([0-9]+)\.HiveExternalCatalog\.(.*)><>Count",
        "spark_executor_HiveExternalCatalog_$4_count",
        "COUNTER",
        'executor_id: "$3"',
    ),
    (
        _APP + r"([0-9]+)\.CodeGenerator\.(.*)><>Count",
        "spark_executor_CodeGenerator_$4_count",
        "COUNTER",
        'executor_id: "$3"',
    ),
)


def _default_prometheus_config() -> str:
    lines = ["", "lowercaseOutputName: true", "attrNameSnakeCase: true", "rules:"]
    for pattern, name, kind, extra in _RULES:
        lines += [f"  - pattern: {pattern}", f"    name: {name}", f"    type: {kind}", "    labels:"]
        lines += ['      app_namespace: "$1"', '      app_id: "$2"']
        if extra:
            lines.append(f"      {extra}")
    return "\n".join(lines) + "\n"


DEFAULT_PROMETHEUS_CONFIG = _default_prometheus_config()


@dataclass(slots=True)
class MonitoringPlan:
    conf: dict[str, str] = field(default_factory=dict)
    config_map: Obj | None = None
    driver: Prometheus | None = None
    executor: Prometheus | None = None


def plan_monitoring(
    app: SparkApplication, namespace: str, driver: RoleAdditions, executor: RoleAdditions
) -> MonitoringPlan:
    """The conf keys, ConfigMap and pod exposure for `spec.monitoring` (configPrometheusMonitoring);
    adds the java agent and annotations to the role additions."""
    monitoring = app.spec.monitoring
    plan = MonitoringPlan()
    if monitoring is None or monitoring.prometheus is None:
        return plan
    prom = monitoring.prometheus
    name = app.metadata.name or ""
    cm_name = f"{name}-prom-conf"
    port = prom.port
    if not (monitoring.metricsPropertiesFile and prom.configFile):
        data: dict[str, str] = {}
        if not monitoring.metricsPropertiesFile:
            data[METRICS_PROPERTIES] = monitoring.metricsProperties or DEFAULT_METRICS_PROPERTIES
        if not prom.configFile:
            data[PROMETHEUS_CONFIG] = prom.configuration or DEFAULT_PROMETHEUS_CONFIG
        meta: Obj = {"labels": {LABEL_CREATED_BY_OPERATOR: "true"}, "name": cm_name, "namespace": namespace}
        owner = app_owner_reference(app)
        if owner is not None:
            meta["ownerReferences"] = [owner]
        plan.config_map = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": meta, "data": data}
    config_file = prom.configFile or f"{MOUNT_PATH}/{PROMETHEUS_CONFIG}"
    agent = f"-javaagent:{prom.jmxExporterJar}={port}:{config_file}"
    plan.conf["spark.metrics.namespace"] = f"{namespace}.{name}"
    plan.conf["spark.metrics.conf"] = monitoring.metricsPropertiesFile or f"{MOUNT_PATH}/{METRICS_PROPERTIES}"
    annotations = {
        "prometheus.io/scrape": "true",
        "prometheus.io/port": str(port),
        "prometheus.io/path": "/metrics",
    }
    exposure = None
    if plan.config_map is not None:
        exposure = Prometheus(cm_name, port, prom.portName or DEFAULT_PORT_NAME, MOUNT_PATH)
    if monitoring.exposeDriverMetrics:
        driver.annotations.update(annotations)
        driver.java_options.append(agent)
        plan.driver = exposure
    if monitoring.exposeExecutorMetrics:
        executor.annotations.update(annotations)
        executor.java_options.append(agent)
        plan.executor = exposure
    return plan
