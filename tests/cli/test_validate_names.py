"""`sparkfleet validate` refuses the names Kubernetes refuses, naming the field path, as the API would."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from sparkfleet.cli.main import app

runner = CliRunner()

APP = """\
apiVersion: sparkoperator.k8s.io/v1beta2
kind: SparkApplication
metadata:
  name: pi
  namespace: spark-team-a
spec:
  type: Python
  sparkVersion: "3.5.3"
  mainApplicationFile: local:///opt/spark/examples/src/main/python/pi.py
  volumes:
    - name: "../x"
      configMap:
        name: conf
  driver:
    volumeMounts:
      - name: "../x"
        mountPath: /etc/conf
        subPath: ../../y
  executor:
    instances: 1
"""

POD = """\
apiVersion: v1
kind: Pod
metadata:
  name: p
spec:
  containers:
    - name: ../c
      ports:
        - name: web-ui-port-for-spark
          containerPort: 4040
"""

LABEL = "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-'"


def _validate(path: Path) -> tuple[int, list[str]]:
    result = runner.invoke(app, ["validate", "-q", "-f", str(path)])
    return result.exit_code, [line for line in result.stdout.splitlines() if line]


def test_a_spark_application_volume_named_to_climb_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "app.yaml"
    path.write_text(APP)
    code, lines = _validate(path)
    assert code == 1
    prefix = f"{path}: SparkApplication/pi: "
    assert any(
        line.startswith(f'{prefix}spec.volumes[0].name: Invalid value: "../x": {LABEL}') for line in lines
    )
    assert (
        f"{prefix}spec.driver.volumeMounts[0].subPath: Invalid value: \"../../y\": must not contain '..'"
        in lines
    )


def test_a_pod_container_and_port_name_are_checked(tmp_path: Path) -> None:
    path = tmp_path / "pod.yaml"
    path.write_text(POD)
    code, lines = _validate(path)
    assert code == 1
    assert any(
        line.startswith(f'{path}: Pod/p: spec.containers[0].name: Invalid value: "../c": {LABEL}')
        for line in lines
    )
    assert (
        f'{path}: Pod/p: spec.containers[0].ports[0].name: Invalid value: "web-ui-port-for-spark": '
        "must be no more than 15 characters"
    ) in lines
