"""Containers as the kubelet starts them: real processes with a clean environment (nothing of the
cluster process's own), Secrets mounted as Kubernetes mounts them, and a container whose references are
missing left waiting in CreateContainerConfigError until they exist."""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any

import pytest

from sparkfleet.clock import VirtualClock
from sparkfleet.cluster.embedded import EmbeddedCluster
from sparkfleet.cluster.events import events_for
from sparkfleet.runtime.local import LocalRuntime, SparkInstall

from ..builders import last_submit
from ..harness import DRIVER, NS, Cluster

SHELL_SECRET = "shell-only-7f3a"
DB_PASSWORD = "db-pass-91c2"
DRIVER_SPEC = {"cores": 1, "coreLimit": "1200m", "memory": "512m", "serviceAccount": "spark-team-a"}
PRINT_ENV = "import json, os\nprint(json.dumps(dict(os.environ)))\n"


@pytest.fixture
def cluster(
    store: EmbeddedCluster,
    clock: VirtualClock,
    runtime: LocalRuntime,
    home: Path,
    fake_spark: SparkInstall,
    monkeypatch: pytest.MonkeyPatch,
) -> Cluster:
    monkeypatch.setenv("SECRET_FROM_SHELL", SHELL_SECRET)
    return Cluster(store, clock, runtime, home, fake_spark)


def secret(name: str, **values: str) -> dict[str, Any]:
    data = {k: base64.b64encode(v.encode()).decode() for k, v in values.items()}
    return {"apiVersion": "v1", "kind": "Secret", "metadata": {"name": name, "namespace": NS}, "data": data}


def plain_pod(name: str, command: list[str], **container: Any) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": name, "namespace": NS},
        "spec": {"containers": [{"name": "main", "command": command, **container}]},
    }


def logged_env(cluster: Cluster, pod: str) -> dict[str, str]:
    (line,) = list(cluster.runtime.logs(NS, pod))
    env: dict[str, str] = json.loads(line)
    return env


def everything_shown(cluster: Cluster, pod: str) -> str:
    """The pod's status and events as `describe` and `get -o yaml` would show them."""
    return json.dumps([cluster.pod(pod)["status"], events_for(cluster.store, "Pod", NS, pod)])


def test_a_pod_process_never_sees_the_cluster_process_environment(cluster: Cluster) -> None:
    cluster.store.create(plain_pod("env", ["python", "-c", PRINT_ENV], env=[{"name": "MODE", "value": "x"}]))
    cluster.run("env")
    assert cluster.finish("env")["status"]["phase"] == "Succeeded", "python is the cluster's, on PATH"
    env = logged_env(cluster, "env")
    assert "SECRET_FROM_SHELL" not in env
    assert SHELL_SECRET not in "\n".join(cluster.runtime.logs(NS, "env"))
    assert env["MODE"] == "x"
    assert {"PATH", "HOME", "TMPDIR", "LANG"} <= set(env)
    assert Path(env["HOME"]).is_relative_to(cluster.home), "HOME is in the pod's directory"


def test_a_driver_process_gets_its_spec_env_and_secrets_but_not_the_shells(
    cluster: Cluster, fake_spark: SparkInstall
) -> None:
    cluster.store.create(secret("db", password=DB_PASSWORD))
    driver = {
        **DRIVER_SPEC,
        "env": [{"name": "DB_PASSWORD", "valueFrom": {"secretKeyRef": {"name": "db", "key": "password"}}}],
    }
    cluster.submit(cluster.script("pi.py", "print('done')\n"), driver=driver)
    cluster.run()
    assert cluster.finish()["status"]["phase"] == "Succeeded"
    env = last_submit(fake_spark)["env"]
    assert env["DB_PASSWORD"] == DB_PASSWORD
    assert "SECRET_FROM_SHELL" not in env and SHELL_SECRET not in json.dumps(env)
    assert DB_PASSWORD not in everything_shown(cluster, DRIVER)


def test_a_missing_secret_leaves_the_container_waiting_until_it_exists(cluster: Cluster) -> None:
    ref = {"secretKeyRef": {"name": "db", "key": "password"}}
    cluster.store.create(
        plain_pod("app", ["python", "-c", PRINT_ENV], env=[{"name": "PW", "valueFrom": ref}])
    )
    waiting = cluster.run("app")
    assert waiting["status"]["phase"] == "Pending"
    assert waiting["status"]["containerStatuses"][0]["state"] == {
        "waiting": {"reason": "CreateContainerConfigError", "message": 'secret "db" not found'}
    }
    (event,) = events_for(cluster.store, "Pod", NS, "app")
    assert (event["type"], event["reason"], event["message"]) == (
        "Warning",
        "Failed",
        'Error: secret "db" not found',
    )
    assert cluster.runtime.status(NS, "app") is None, "nothing was started"

    cluster.store.create(secret("db", user="spark"))
    cluster.clock.advance(1)
    cluster.settle()
    assert cluster.pod("app")["status"]["containerStatuses"][0]["state"]["waiting"]["message"] == (
        f"couldn't find key password in Secret {NS}/db"
    )
    cluster.store.update(
        {**secret("db", password=DB_PASSWORD), "metadata": cluster.store.get("Secret", NS, "db")["metadata"]}
    )
    cluster.clock.advance(1)
    cluster.settle()
    assert cluster.finish("app")["status"]["phase"] == "Succeeded"
    assert logged_env(cluster, "app")["PW"] == DB_PASSWORD
    assert DB_PASSWORD not in everything_shown(cluster, "app")


def test_the_operators_secrets_reach_the_driver_as_files_and_env(
    cluster: Cluster, fake_spark: SparkInstall
) -> None:
    cluster.store.create(secret("gcp", **{"key.json": '{"type": "service_account"}'}))
    cluster.store.create(secret("db", password=DB_PASSWORD))
    driver = {
        **DRIVER_SPEC,
        "secrets": [{"name": "gcp", "path": "/mnt/secrets", "secretType": "GCPServiceAccount"}],
        "envSecretKeyRefs": {"DB_PASSWORD": {"name": "db", "key": "password"}},
    }
    check = (
        "import json, os\n"
        "with open(os.environ['GOOGLE_APPLICATION_CREDENTIALS']) as f:\n"
        "    print(json.load(f)['type'])\n"
    )
    cluster.submit(cluster.script("gcp.py", check), driver=driver)
    cluster.run()
    assert cluster.finish()["status"]["phase"] == "Succeeded"
    assert list(cluster.runtime.logs(NS, DRIVER)) == ["service_account"]
    env = last_submit(fake_spark)["env"]
    credentials = Path(env["GOOGLE_APPLICATION_CREDENTIALS"])
    assert credentials.is_relative_to(cluster.home) and credentials.name == "key.json"
    assert credentials.stat().st_mode & 0o777 == 0o644
    assert env["DB_PASSWORD"] == DB_PASSWORD
