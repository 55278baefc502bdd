"""The kubelet on the embedded store and a virtual clock, with a stand-in spark-submit that runs the
application file as a small Python script (the real Spark run is in test_spark_e2e.py)."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest

from sparkfleet.clock import VirtualClock
from sparkfleet.cluster.embedded import EmbeddedCluster
from sparkfleet.runtime.local import KubeletKey, LocalRuntime, SparkInstall
from sparkfleet.runtime.local.pidrecord import exit_status_file

from ..builders import last_submit, on_demand_claims
from ..harness import DRIVER, NODE, NS, Cluster


def state(pod: dict[str, Any]) -> dict[str, Any]:
    container_state: dict[str, Any] = pod["status"]["containerStatuses"][0]["state"]
    return container_state


OK = "print('Pi is roughly 3.14')\n"
FAIL = "print('reading input'); print('Error: table taxi not found'); raise SystemExit(2)\n"
HANG = "import time\nprint('up', flush=True)\ntime.sleep(600)\n"


@pytest.fixture
def cluster(
    store: EmbeddedCluster, clock: VirtualClock, runtime: LocalRuntime, home: Path, fake_spark: SparkInstall
) -> Cluster:
    return Cluster(store, clock, runtime, home, fake_spark)


def test_a_bound_driver_runs_as_spark_submit_and_the_application_completes(
    cluster: Cluster, fake_spark: SparkInstall
) -> None:
    cluster.submit(cluster.script("pi.py", OK))
    assert cluster.runtime.status(NS, DRIVER) is None, "not bound: nothing runs"
    running = cluster.run()
    assert running["status"]["phase"] == "Running"
    assert running["status"]["podIP"] == "127.0.0.1"
    assert "running" in state(running)
    assert cluster.app_state()["state"] == "RUNNING"
    done = cluster.finish()
    assert done["status"]["phase"] == "Succeeded"
    assert (state(done)["terminated"]["exitCode"], state(done)["terminated"]["reason"]) == (0, "Completed")
    assert cluster.app_state() == {"state": "COMPLETED"}
    assert list(cluster.runtime.logs(NS, DRIVER)) == ["Pi is roughly 3.14"]
    argv = last_submit(fake_spark)["args"]
    assert argv[:4] == ["--master", "local[2]", "--deploy-mode", "client"]
    assert argv[-2:] == ["pi.py", "2"]
    assert cluster.reasons() == ["Started"]


def test_a_failing_driver_fails_its_pod_with_the_exit_code_and_the_logs_end(cluster: Cluster) -> None:
    cluster.submit(cluster.script("fail.py", FAIL))
    cluster.run()
    failed = cluster.finish()
    assert failed["status"]["phase"] == "Failed"
    terminated = state(failed)["terminated"]
    assert (terminated["exitCode"], terminated["reason"]) == (2, "Error")
    assert terminated["message"] == "reading input\nError: table taxi not found"
    assert cluster.app_state() == {
        "state": "FAILED",
        "errorMessage": "driver container failed with ExitCode: 2, Reason: Error",
    }


def test_executors_are_created_while_the_driver_runs_and_end_with_it(cluster: Cluster, home: Path) -> None:
    cluster.submit(cluster.script("hang.py", HANG))
    cluster.run()
    first, second = cluster.executors()
    driver_uid = cluster.pod()["metadata"]["uid"]
    assert {p["metadata"]["ownerReferences"][0]["uid"] for p in (first, second)} == {driver_uid}
    assert "status" not in first or first["status"].get("phase") in (None, "Pending")
    running = cluster.run(first["metadata"]["name"])
    assert running["status"]["phase"] == "Running"
    assert cluster.runtime.status(NS, first["metadata"]["name"]) is None, "executors run no process"
    note = " ".join(cluster.runtime.logs(NS, first["metadata"]["name"]))
    assert f"inside the driver process {DRIVER}" in note
    cluster.runtime.stop(NS, DRIVER)
    cluster.settle()
    assert cluster.pod()["status"]["phase"] == "Failed"
    (ended,) = cluster.executors()
    assert ended["metadata"]["name"] == first["metadata"]["name"], "the never bound one is deleted"
    assert ended["status"]["phase"] == "Failed"
    assert state(ended)["terminated"]["exitCode"] == 1


def test_executor_claims_get_volumes_that_go_when_the_driver_is_deleted(cluster: Cluster, home: Path) -> None:
    cluster.submit(cluster.script("hang.py", HANG), sparkConf=on_demand_claims("executor"))
    cluster.run()
    first = cluster.executors()[0]["metadata"]["name"]
    cluster.run(first)
    claim = cluster.store.get("PersistentVolumeClaim", NS, f"{first}-pvc-0")
    assert claim["status"]["phase"] == "Bound"
    volume = Path(
        cluster.store.get("PersistentVolume", None, claim["spec"]["volumeName"])["spec"]["local"]["path"]
    )
    assert volume.is_relative_to(home / "nodes" / NODE / "ebs") and volume.is_dir()
    cluster.store.delete("Pod", NS, DRIVER)
    cluster.settle()
    assert not volume.exists()
    assert cluster.store.list("PersistentVolume").items == []
    assert cluster.store.list("PersistentVolumeClaim", NS).items == []


def test_a_deleted_driver_is_stopped_and_its_files_removed(cluster: Cluster, home: Path) -> None:
    cluster.submit(cluster.script("hang.py", HANG))
    cluster.run()
    assert next(iter(cluster.runtime.logs(NS, DRIVER, follow=True))) == "up"
    pid = cluster.runtime.status(NS, DRIVER).pid  # type: ignore[union-attr]
    cluster.store.delete("Pod", NS, DRIVER)
    cluster.settle()
    assert cluster.runtime.status(NS, DRIVER) is None
    assert not Path(f"/proc/{pid}").exists() or "Z" in Path(f"/proc/{pid}/stat").read_text().split()[2]
    assert list((home / "nodes" / NODE / "pods").iterdir()) == []
    assert list((home / "nodes" / NODE / "mnt/k8s-disks/0/kubelet/pods").iterdir()) == []


def test_a_driver_whose_file_is_on_s3_fails_to_start_saying_what_to_change(cluster: Cluster) -> None:
    cluster.submit("s3a://my-bucket/scripts/pyspark-taxi-trip.py")
    failed = cluster.run()
    assert failed["status"]["phase"] == "Failed"
    terminated = state(failed)["terminated"]
    assert (terminated["exitCode"], terminated["reason"]) == (128, "StartError")
    assert terminated["message"].startswith(
        "spec.mainApplicationFile: s3a://my-bucket/scripts/pyspark-taxi-trip.py"
    )
    assert cluster.reasons() == ["Failed"]
    # The application says why, as `run` and `describe` show it: the operator's words, then the cause.
    assert cluster.app_state()["errorMessage"] == (
        f"driver container failed with ExitCode: 128, Reason: StartError, Message: {terminated['message']}"
    )


def test_a_driver_waits_for_its_conf_config_map(cluster: Cluster, fake_spark: SparkInstall) -> None:
    cluster.submit(cluster.script("pi.py", OK))
    config_map = next(
        c for c in cluster.store.list("ConfigMap", NS).items if c["metadata"]["name"].startswith("spark-drv-")
    )
    cluster.store.delete("ConfigMap", NS, config_map["metadata"]["name"])
    pending = cluster.run()
    assert pending["status"].get("phase", "Pending") == "Pending"
    assert cluster.reasons() == ["FailedMount"]
    body = {k: v for k, v in config_map.items() if k != "metadata"}
    meta = {k: config_map["metadata"][k] for k in ("name", "namespace", "labels")}
    cluster.store.create({**body, "metadata": meta})
    cluster.clock.advance(1)
    cluster.settle()
    assert cluster.finish()["status"]["phase"] == "Succeeded"


def test_placeholders_hold_their_place_and_run_nothing(cluster: Cluster) -> None:
    placeholder = {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {
            "name": "tg-spark-1-spark-executor-abc",
            "namespace": NS,
            "annotations": {"yunikorn.apache.org/placeholder": "true"},
        },
        "spec": {"containers": [{"name": "pause", "image": "registry.k8s.io/pause:3.7"}]},
    }
    cluster.store.create(placeholder)
    running = cluster.run("tg-spark-1-spark-executor-abc")
    assert running["status"]["phase"] == "Running"
    assert cluster.runtime.status(NS, "tg-spark-1-spark-executor-abc") is None


def test_a_plain_pod_runs_its_command_and_one_without_a_command_just_runs(cluster: Cluster) -> None:
    def plain(name: str, container: dict[str, Any]) -> dict[str, Any]:
        return {
            "apiVersion": "v1",
            "kind": "Pod",
            "metadata": {"name": name, "namespace": NS},
            "spec": {"containers": [container]},
        }

    cluster.store.create(plain("echo", {"name": "main", "command": ["sh", "-c", "echo hello; exit 3"]}))
    cluster.store.create(plain("idle", {"name": "main", "image": "nginx"}))
    cluster.run("echo")
    ended = cluster.finish("echo")
    assert ended["status"]["phase"] == "Failed"
    assert state(ended)["terminated"]["exitCode"] == 3
    assert list(cluster.runtime.logs(NS, "echo")) == ["hello"]
    assert cluster.run("idle")["status"]["phase"] == "Running"


def test_a_container_an_earlier_kubelet_ran_is_reported_lost(cluster: Cluster) -> None:
    cluster.submit(cluster.script("pi.py", OK))
    cluster.store.bind(NS, DRIVER, NODE)
    pod = cluster.pod()
    started = {"running": {"startedAt": "2026-01-05T08:00:00Z"}}
    cluster.store.update_status(
        {
            **pod,
            "status": {
                "phase": "Running",
                "containerStatuses": [{"name": "spark-kubernetes-driver", "state": started}],
            },
        }
    )
    cluster.settle()
    lost = cluster.pod()
    assert lost["status"]["phase"] == "Failed"
    assert state(lost)["terminated"]["reason"] == "ContainerStatusUnknown"
    assert state(lost)["terminated"]["exitCode"] == 137
    assert cluster.runtime.status(NS, DRIVER) is None, "it is not started again"


def test_a_drained_shutdown_stops_drivers_and_marks_them_as_a_node_shutdown_does(cluster: Cluster) -> None:
    cluster.submit(cluster.script("hang.py", HANG))
    cluster.run()
    cluster.kubelet.shutdown(drain=True)
    stopped = cluster.pod()
    assert (stopped["status"]["phase"], stopped["status"]["reason"]) == ("Failed", "Terminated")
    assert stopped["status"]["message"] == "Pod was terminated in response to imminent node shutdown."
    [target] = [c for c in stopped["status"]["conditions"] if c["type"] == "DisruptionTarget"]
    assert (target["status"], target["reason"]) == ("True", "TerminationByKubelet")
    assert state(stopped)["terminated"]["exitCode"] == 143
    assert cluster.reasons() == ["Started", "Killing"]


def wait_for_go(go: Path, code: int) -> str:
    return (
        "import pathlib, time\n"
        "print('up', flush=True)\n"
        f"while not pathlib.Path({str(go)!r}).exists():\n"
        "    time.sleep(0.02)\n"
        "print('finishing', flush=True)\n"
        f"raise SystemExit({code})\n"
    )


def test_a_driver_still_running_at_a_restart_is_taken_over_and_ends_once(
    cluster: Cluster, home: Path, clock: VirtualClock
) -> None:
    go = home.parent / "go"
    cluster.submit(cluster.script("wait.py", wait_for_go(go, 0)))
    started = cluster.run()
    assert next(iter(cluster.runtime.logs(NS, DRIVER, follow=True))) == "up"
    cluster.kubelet.shutdown(drain=False)
    cluster.runtime.close()
    assert cluster.pod()["status"]["phase"] == "Running", "left running: nothing is reported"
    cluster.restart_kubelet(LocalRuntime(home, clock))
    adopted = cluster.pod()
    assert adopted["status"]["phase"] == "Running"
    assert adopted["status"]["containerStatuses"] == started["status"]["containerStatuses"], "same process"
    go.touch()
    done = cluster.finish()
    assert (done["status"]["phase"], state(done)["terminated"]["exitCode"]) == ("Succeeded", 0)
    assert cluster.app_state() == {"state": "COMPLETED"}
    assert cluster.reasons() == ["Started"], "started once, never lost"
    assert list(cluster.runtime.logs(NS, DRIVER)) == ["up", "finishing"]


def test_a_driver_that_ended_while_no_kubelet_ran_reports_its_real_exit_code(
    cluster: Cluster, home: Path, clock: VirtualClock
) -> None:
    go = home.parent / "go"
    go.touch()
    cluster.submit(cluster.script("fail.py", wait_for_go(go, 2)))
    cluster.run()
    log_path = cluster.runtime.log_path(NS, DRIVER)
    cluster.kubelet.shutdown(drain=False)
    cluster.runtime.close()
    assert log_path is not None
    assert cluster.runtime.wait(NS, DRIVER) is None, "let go of"
    wait_for_exit_status(log_path)
    cluster.restart_kubelet(LocalRuntime(home, clock))
    failed = cluster.pod()
    assert failed["status"]["phase"] == "Failed"
    assert (state(failed)["terminated"]["exitCode"], state(failed)["terminated"]["reason"]) == (2, "Error")
    assert "ContainerStatusUnknown" not in cluster.reasons()


def test_the_exit_of_a_process_queues_its_pod_at_once(cluster: Cluster) -> None:
    queued: list[KubeletKey] = []
    cluster.kubelet.wake_on_exit(queued.append)
    cluster.submit(cluster.script("pi.py", OK))
    cluster.run()
    cluster.runtime.wait(NS, DRIVER, timeout=60)
    assert ("Pod", NS, DRIVER) in queued


def wait_for_exit_status(log_path: Path, timeout: float = 30.0) -> None:
    """Wait (real time) for the container's wrapper to write its exit status."""
    deadline = time.monotonic() + timeout
    while not exit_status_file(log_path).exists():
        assert time.monotonic() < deadline, "the container did not exit"
        time.sleep(0.02)
