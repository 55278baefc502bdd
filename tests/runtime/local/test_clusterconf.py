"""The driver's conf for Spark on Kubernetes here: the cluster's API and the pod's own address, the rest
as submitted."""

from __future__ import annotations

from pathlib import Path

from sparkfleet.engine.submission import LOCAL_IMAGE
from sparkfleet.runtime.local.apiaccess import ApiAccess, PodCredentials
from sparkfleet.runtime.local.clusterconf import ClusterConfInputs, cluster_conf

SUBMITTED = {
    "spark.master": "k8s://https://kubernetes.default.svc:443",
    "spark.submit.deployMode": "cluster",
    "spark.kubernetes.submitInDriver": "true",
    "spark.kubernetes.namespace": "spark-team-a",
    "spark.kubernetes.driver.pod.name": "pi-driver",
    "spark.kubernetes.container.image": "spark:3.5.3",
    "spark.driver.host": "pi-svc.spark-team-a.svc",
    "spark.driver.port": "7078",
    "spark.eventLog.enabled": "true",
    "spark.eventLog.dir": "s3a://bucket/logs",
    "spark.sql.shuffle.partitions": "8",
}


def inputs(tmp_path: Path, **changes: object) -> ClusterConfInputs:
    fields: dict[str, object] = {
        "api": ApiAccess("https://127.0.0.1:16443", "t", tmp_path / "ca.crt"),
        "credentials": PodCredentials(tmp_path / "token", tmp_path / "ca.crt"),
        "pod_ip": "127.1.2.3",
        "python": "/venv/bin/python",
        "event_log_dir": tmp_path / "eventlogs",
        "resolve_resource": lambda uri, where: f"/local/{uri.rsplit('/', 1)[-1]}",
        "executor_template": tmp_path / "template.json",
    }
    fields.update(changes)
    return ClusterConfInputs(**fields)  # type: ignore[arg-type]


def test_the_driver_reaches_the_clusters_api_with_its_pods_credentials(tmp_path: Path) -> None:
    conf = cluster_conf(SUBMITTED, inputs(tmp_path))
    assert conf["spark.master"] == "k8s://https://127.0.0.1:16443"
    assert conf["spark.kubernetes.driver.master"] == "https://127.0.0.1:16443"
    assert conf["spark.submit.deployMode"] == "client"  # as the image's entrypoint runs spark-submit
    assert conf["spark.kubernetes.authenticate.driver.mounted.oauthTokenFile"] == str(tmp_path / "token")
    assert conf["spark.kubernetes.authenticate.driver.mounted.caCertFile"] == str(tmp_path / "ca.crt")


def test_the_driver_is_at_its_pods_address_on_its_pods_ports(tmp_path: Path) -> None:
    conf = cluster_conf(SUBMITTED, inputs(tmp_path))
    assert (conf["spark.driver.host"], conf["spark.driver.bindAddress"]) == ("127.1.2.3", "127.1.2.3")
    assert conf["spark.driver.port"] == "7078"


def test_what_the_application_set_is_kept_and_the_kubernetes_keys_stay(tmp_path: Path) -> None:
    conf = cluster_conf(SUBMITTED, inputs(tmp_path))
    assert conf["spark.sql.shuffle.partitions"] == "8"
    assert conf["spark.kubernetes.driver.pod.name"] == "pi-driver"
    assert conf["spark.kubernetes.container.image"] == "spark:3.5.3"
    assert conf["spark.kubernetes.executor.podTemplateFile"] == str(tmp_path / "template.json")
    assert conf["spark.pyspark.python"] == "/venv/bin/python"


def test_event_logs_on_object_storage_go_to_the_clusters_directory(tmp_path: Path) -> None:
    conf = cluster_conf(SUBMITTED, inputs(tmp_path))
    assert conf["spark.eventLog.dir"] == (tmp_path / "eventlogs").resolve().as_uri()


def test_an_application_without_an_image_gets_the_local_one(tmp_path: Path) -> None:
    submitted = {k: v for k, v in SUBMITTED.items() if k != "spark.kubernetes.container.image"}
    assert cluster_conf(submitted, inputs(tmp_path))["spark.kubernetes.container.image"] == LOCAL_IMAGE


def test_resources_are_resolved_and_the_ui_gets_its_port_and_proxy_path(tmp_path: Path) -> None:
    submitted = {**SUBMITTED, "spark.submit.pyFiles": "local:///opt/app/lib.py"}
    conf = cluster_conf(submitted, inputs(tmp_path, ui_port=41234, ui_proxy_base="/api/v1/x/proxy"))
    assert conf["spark.submit.pyFiles"] == "/local/lib.py"
    assert (conf["spark.ui.port"], conf["spark.ui.proxyBase"]) == ("41234", "/api/v1/x/proxy")
