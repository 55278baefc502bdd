"""Driver pods as spark-submit command lines; other pods' containers as their commands."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Any

import pytest

from sparkfleet.api.sparkapplication import SparkApplication
from sparkfleet.api.wire import ANNOTATION_LOOPBACK_PORTS, ANNOTATION_POD_IP, format_loopback_ports
from sparkfleet.engine.submission import Submission, build_submission, parse_properties
from sparkfleet.runtime import StartError
from sparkfleet.runtime.local import IMAGE_ROOT, SparkInstall
from sparkfleet.runtime.local.apiaccess import ApiAccess
from sparkfleet.runtime.local.driver import (
    KubernetesLaunch,
    LaunchContext,
    command_plan,
    driver_plan,
    parse_driver_args,
    resolve_resource,
)
from sparkfleet.runtime.local.nodes import NodeDirs, NodeLayout
from sparkfleet.runtime.local.podenv import EnvSources
from sparkfleet.runtime.local.volumes import MountTable, mount_volumes

from ..builders import PI_FILE, RAID0, node, spark_app

SUBMISSION_ID = "0b8e5c2a-1111-2222-3333-444455556666"
GIB = 2**30


def submission(**spec: Any) -> Submission:
    return build_submission(SparkApplication.model_validate(spark_app(**spec)), SUBMISSION_ID)


def bound_driver(sub: Submission) -> dict[str, Any]:
    pod = sub.driver_pod
    return {
        **pod,
        "metadata": {**pod["metadata"], "uid": "d-uid"},
        "spec": {**pod["spec"], "nodeName": "ip-1"},
    }


class Launch:
    """A driver pod of a submission with its volumes mounted on a RAID0 node, ready to plan."""

    def __init__(self, home: Path, spark: SparkInstall, sub: Submission) -> None:
        self.layout: NodeLayout = NodeDirs(home).ensure(node("ip-1", mounts=RAID0))
        self.pod = bound_driver(sub)
        self.container = self.pod["spec"]["containers"][0]
        self.pod_dir = self.layout.pod_dir("spark-team-a", self.pod["metadata"]["name"], "d-uid")
        self.config_maps = {sub.config_map["metadata"]["name"]: sub.config_map}
        self.mounts: MountTable = mount_volumes(
            self.pod,
            self.container,
            self.layout,
            self.pod_dir,
            config_maps=self.config_maps.get,
            secrets=lambda name: None,
            claims=lambda name: pytest.fail(f"no claim expected: {name}"),
        )
        self.ctx = LaunchContext(
            spark=spark,
            event_log_dir=home / "eventlogs",
            workdir=home,
            cpu_count=2,
            memory_bytes=24 * GIB,
        )
        self.sources = EnvSources(self.config_maps.get, lambda name: None)

    def plan(self, ui_proxy_base: str | None = None, kubernetes: KubernetesLaunch | None = None) -> Any:
        log = self.pod_dir / "logs" / "spark-kubernetes-driver.log"
        return driver_plan(
            self.pod,
            self.container,
            self.mounts,
            self.pod_dir,
            log,
            self.ctx,
            self.sources,
            ui_proxy_base=ui_proxy_base,
            kubernetes=kubernetes,
        )


def test_the_entrypoint_arguments_of_a_driver_pod_are_understood() -> None:
    args = parse_driver_args(submission().driver_pod["spec"]["containers"][0]["args"])
    assert args.properties_file == "/opt/spark/conf/spark.properties"
    assert args.main_class == "org.apache.spark.deploy.PythonRunner"
    assert (args.primary, args.arguments) == (PI_FILE, ("2",))


def test_driver_args_may_carry_conf_and_must_start_with_driver() -> None:
    parsed = parse_driver_args(["driver", "--conf", "spark.x=1", "--class", "Main", "app.jar", "a"])
    assert (parsed.extra_conf, parsed.main_class, parsed.primary) == ({"spark.x": "1"}, "Main", "app.jar")
    with pytest.raises(StartError, match="do not start with `driver`"):
        parse_driver_args(["executor"])
    with pytest.raises(StartError, match="no application file"):
        parse_driver_args(["driver", "--properties-file", "/p"])


def test_a_pyspark_driver_becomes_a_local_mode_spark_submit(home: Path, fake_spark: SparkInstall) -> None:
    launch = Launch(home, fake_spark, submission())
    plan = launch.plan()
    properties = launch.pod_dir / "spark-local.properties"
    assert plan.argv == (
        str(fake_spark.home / "bin" / "spark-submit"),
        "--master",
        "local[2]",
        "--deploy-mode",
        "client",
        "--properties-file",
        str(properties),
        str(IMAGE_ROOT / "opt/spark/examples/src/main/python/pi.py"),
        "2",
    )
    assert plan.cwd == home
    assert plan.log_path == launch.pod_dir / "logs" / "spark-kubernetes-driver.log"
    conf = parse_properties(properties.read_text())
    assert conf["spark.submit.deployMode"] == "client"
    assert conf["spark.eventLog.dir"] == (home / "eventlogs").as_uri()
    assert "spark.master" not in conf


def test_a_driver_running_spark_on_kubernetes_asks_the_clusters_api_for_its_executors(
    home: Path, fake_spark: SparkInstall
) -> None:
    sub = submission()
    launch = Launch(home, fake_spark, sub)
    launch.pod["metadata"]["annotations"] = {ANNOTATION_POD_IP: "127.9.8.7"}
    api = ApiAccess("https://127.0.0.1:16443", "s3cret", home / "ca.crt")
    template = sub.executor_template.pod
    plan = launch.plan(kubernetes=KubernetesLaunch(api, template))
    properties = launch.pod_dir / "spark-local.properties"
    assert plan.argv[1:5] == ("--master", "k8s://https://127.0.0.1:16443", "--deploy-mode", "client")
    assert "s3cret" not in " ".join(plan.argv) and "s3cret" not in properties.read_text()
    conf = parse_properties(properties.read_text())
    token = Path(conf["spark.kubernetes.authenticate.driver.mounted.oauthTokenFile"])
    assert token.read_text() == "s3cret" and token.stat().st_mode & 0o777 == 0o600
    assert conf["spark.kubernetes.authenticate.driver.mounted.caCertFile"] == str(home / "ca.crt")
    assert (conf["spark.driver.host"], conf["spark.driver.bindAddress"]) == ("127.9.8.7", "127.9.8.7")
    assert plan.env["SPARK_LOCAL_IP"] == "127.9.8.7"
    assert conf["spark.kubernetes.driver.pod.name"] == launch.pod["metadata"]["name"]
    pod_template = json.loads(Path(conf["spark.kubernetes.executor.podTemplateFile"]).read_text())
    placement = ("nodeSelector", "tolerations", "affinity", "schedulerName", "serviceAccountName")
    assert {k: pod_template["spec"].get(k) for k in placement} == {
        k: template["spec"].get(k) for k in placement
    }
    assert "name" not in pod_template["metadata"]  # Spark names its executors


def test_the_ui_listens_on_the_port_recorded_on_the_pod_under_the_proxy_path(
    home: Path, fake_spark: SparkInstall
) -> None:
    launch = Launch(home, fake_spark, submission())
    launch.pod["metadata"]["annotations"] = {
        **(launch.pod["metadata"].get("annotations") or {}),
        ANNOTATION_LOOPBACK_PORTS: format_loopback_ports({4040: 4047}),
    }
    proxy = "/api/v1/namespaces/spark-team-a/services/pyspark-pi-ui-svc:4040/proxy"
    launch.plan(ui_proxy_base=proxy)
    conf = parse_properties((launch.pod_dir / "spark-local.properties").read_text())
    assert (conf["spark.ui.port"], conf["spark.ui.proxyBase"]) == ("4047", proxy)


def test_without_a_recorded_port_the_ui_keeps_the_applications_conf(
    home: Path, fake_spark: SparkInstall
) -> None:
    launch = Launch(home, fake_spark, submission())
    launch.plan()
    conf = parse_properties((launch.pod_dir / "spark-local.properties").read_text())
    assert "spark.ui.proxyBase" not in conf
    assert conf.get("spark.ui.port", "4040") == "4040"


def test_spark_local_dirs_land_on_the_nodes_nvme_array(home: Path, fake_spark: SparkInstall) -> None:
    launch = Launch(home, fake_spark, submission())
    plan = launch.plan()
    array = launch.layout.root / "mnt/k8s-disks/0"
    local_dir = Path(plan.env["SPARK_LOCAL_DIRS"])
    assert local_dir.is_relative_to(array) and local_dir.is_dir()
    conf = parse_properties((launch.pod_dir / "spark-local.properties").read_text())
    assert "spark.local.dir" not in conf, "SPARK_LOCAL_DIRS says it; Spark warns when both are set"
    nvme = Launch(home, fake_spark, submission(sparkConf={"spark.local.dir": "/data"})).plan()
    assert Path(nvme.env["SPARK_LOCAL_DIRS"]).is_relative_to(array)
    nvme_conf = parse_properties((launch.pod_dir / "spark-local.properties").read_text())
    assert nvme_conf["spark.local.dir"] == nvme.env["SPARK_LOCAL_DIRS"]


def test_the_process_environment_is_the_pods_with_this_machines_python_and_spark(
    home: Path, fake_spark: SparkInstall, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SECRET_FROM_SHELL", "hunter2")
    monkeypatch.setenv("PYSPARK_PYTHON", "/usr/bin/python2")
    launch = Launch(home, fake_spark, submission(driver={"env": [{"name": "SPARK_HOME", "value": "/x"}]}))
    env = launch.plan().env
    assert env["SPARK_USER"] == "root"
    assert env["SPARK_APPLICATION_ID"].startswith("spark-")
    assert env["SPARK_DRIVER_BIND_ADDRESS"] == "127.0.0.1", "status.podIP"
    assert env["PYSPARK_PYTHON"] == env["PYSPARK_DRIVER_PYTHON"] == sys.executable
    assert env["SPARK_HOME"] == str(fake_spark.home), "the pod may not steer spark-submit elsewhere"
    assert env["PATH"].split(os.pathsep)[0] == str(Path(sys.executable).parent)
    assert env["HOME"] == str(launch.pod_dir / "home") and env["TMPDIR"] == str(launch.pod_dir / "tmp")
    assert "JAVA_HOME" not in env
    assert "SECRET_FROM_SHELL" not in env, "nothing of the kubelet's own environment"


def test_the_local_mode_conf_is_readable_by_its_owner_only(home: Path, fake_spark: SparkInstall) -> None:
    launch = Launch(home, fake_spark, submission(sparkConf={"spark.hadoop.fs.s3a.secret.key": "s3cr3t"}))
    launch.plan()
    assert (launch.pod_dir / "spark-local.properties").stat().st_mode & 0o777 == 0o600


def test_a_jvm_application_keeps_its_main_class(home: Path, fake_spark: SparkInstall, tmp_path: Path) -> None:
    jar = tmp_path / "app.jar"
    jar.write_bytes(b"")
    sub = submission(type="Scala", mainClass="org.example.Main", mainApplicationFile=str(jar), arguments=[])
    argv = Launch(home, fake_spark, sub).plan().argv
    assert argv[-3:] == ("--class", "org.example.Main", str(jar))


def test_an_application_file_on_s3_is_refused_with_the_field_and_the_fix(
    home: Path, fake_spark: SparkInstall
) -> None:
    launch = Launch(home, fake_spark, submission(mainApplicationFile="s3a://bucket/scripts/taxi.py"))
    with pytest.raises(StartError) as refused:
        launch.plan()
    message = str(refused.value)
    assert message.startswith("spec.mainApplicationFile: s3a://bucket/scripts/taxi.py is on s3a://")
    assert "use a local path" in message


def test_local_and_plain_paths_resolve_as_spark_on_this_machine_sees_them(tmp_path: Path) -> None:
    table = MountTable()
    shipped = resolve_resource(PI_FILE, "f", table, IMAGE_ROOT)
    assert Path(shipped).is_file() and shipped.endswith("opt/spark/examples/src/main/python/pi.py")
    here = tmp_path / "job.py"
    here.write_text("")
    assert resolve_resource(f"local://{here}", "f", table, IMAGE_ROOT) == str(here)
    for as_is in ("examples/taxi.py", "/abs/job.py", "file:///abs/job.py", "https://host/job.py"):
        assert resolve_resource(as_is, "f", table, IMAGE_ROOT) == as_is
    with pytest.raises(StartError, match="not in the local runtime's image"):
        resolve_resource("local:///opt/app/missing.py", "spec.mainApplicationFile", table, IMAGE_ROOT)


def test_the_shipped_pi_script_estimates_pi_with_spark() -> None:
    text = (IMAGE_ROOT / "opt/spark/examples/src/main/python/pi.py").read_text()
    assert "from pyspark.sql import SparkSession" in text
    assert 'print(f"Pi is roughly' in text


def test_a_plain_container_runs_its_command_and_one_without_runs_nothing(tmp_path: Path) -> None:
    pod = {"metadata": {"name": "p", "namespace": "ns", "uid": "u"}, "spec": {}}
    log = tmp_path / "c.log"
    image = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path)}
    container = {"command": ["sh", "-c"], "args": ["echo hi"], "env": [{"name": "MODE", "value": "x"}]}
    plan = command_plan(pod, container, MountTable(), log, image, tmp_path, EnvSources.empty())
    assert plan is not None and plan.argv == ("sh", "-c", "echo hi") and plan.cwd == tmp_path
    assert plan.env == {**image, "MODE": "x"}, "the image's environment and the spec's, nothing else"
    assert (
        command_plan(pod, {"image": "pause"}, MountTable(), log, image, tmp_path, EnvSources.empty()) is None
    )
