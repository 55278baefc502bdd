"""The blueprint's taxi-trip jobs from examples/, with real Spark on generated NYC-taxi data: the NVMe job's
shuffle files on the node's instance-store array, the EBS job's OnDemand volumes made and removed (by the
local runtime in local mode, by Spark itself through the API with Spark on Kubernetes), and the YuniKorn gang
job reserved whole before its executor JVMs run."""

from __future__ import annotations

import contextlib
import time
from pathlib import Path

import pytest

from sparkfleet.api.settings import RuntimeSettings, SparkMode
from sparkfleet.cli.examples import write_taxi_data
from sparkfleet.cli.objects import apply_documents, load_documents
from sparkfleet.cluster import Obj
from sparkfleet.config import load_config
from sparkfleet.platform import Platform
from support.platforms import running_platform

pytestmark = pytest.mark.e2e

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples"
NAMESPACE = "spark-team-a"
ROWS, FILES = 1_000, 2
TERMINAL = {"COMPLETED", "FAILED"}


@pytest.fixture(scope="module")
def taxi_input(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("taxi") / "input"
    write_taxi_data(out, rows=ROWS, files=FILES)
    return out


def local_manifest(example: str, tmp_path: Path, taxi_input: Path, output: Path) -> Path:
    """The example with its input and output directories moved under the test's directories."""
    text = (EXAMPLES / example).read_text()
    assert '"examples/data/taxi/input/"' in text
    text = text.replace('"examples/data/taxi/input/"', f'"{taxi_input}/"')
    text = text.replace(f'"build/taxi-trip/{output.name}/"', f'"{output}/"')
    manifest = tmp_path / example
    manifest.write_text(text)
    return manifest


def state_of(platform: Platform, name: str) -> str | None:
    app_obj = platform.store.get("SparkApplication", NAMESPACE, name)
    return ((app_obj.get("status") or {}).get("applicationState") or {}).get("state")


def driver_log(platform: Platform, app_obj: Obj) -> str:
    return "\n".join(platform.runtime.logs(NAMESPACE, app_obj["status"]["driverInfo"]["podName"]))


@pytest.mark.parametrize("mode", [SparkMode.LOCAL, SparkMode.KUBERNETES])
def test_the_nvme_job_keeps_its_local_dirs_on_the_node_instance_store_and_writes_its_output(
    tmp_path: Path, taxi_input: Path, mode: SparkMode
) -> None:
    output = tmp_path / "output-nvme"
    manifest = local_manifest("nvme-ephemeral-storage.yaml", tmp_path, taxi_input, output)
    home = tmp_path / "home"
    executors: set[str] = set()
    with modal_platform(home, mode) as platform:
        apply_documents(platform.store, load_documents([manifest]))
        deadline = time.monotonic() + 240
        while state_of(platform, "taxi-trip") not in TERMINAL and time.monotonic() < deadline:
            selector = "spark-role=executor"
            executors.update(
                p["metadata"]["name"]
                for p in platform.store.list("Pod", NAMESPACE, label_selector=selector).items
            )
            time.sleep(0.25)
        end = platform.store.get("SparkApplication", NAMESPACE, "taxi-trip")
        log = driver_log(platform, end)
        kubernetes = mode == SparkMode.KUBERNETES
        executor_logs = [pod_log(platform, name) for name in sorted(executors)] if kubernetes else []
    assert end["status"]["applicationState"]["state"] == "COMPLETED", log[-3000:]
    # Shuffle and spill files where the work runs: the driver in local mode, each executor's node with
    # Spark on Kubernetes.
    worked = [e for e in executor_logs if "Running task" in e]
    for where in [log] if mode == SparkMode.LOCAL else worked:
        node = node_of_local_dir(where, home)
        assert node and node.startswith("spark-compute-optimized-"), "local dirs on a c5d node's NVMe array"
    if mode == SparkMode.KUBERNETES:
        assert len(worked) >= 2, "the tasks ran in executor JVMs"
    assert f"Total number of records: {ROWS * FILES}" in log
    assert "current_date" in log, "the schema printed with the added timestamp column"
    assert (output / "_SUCCESS").is_file()
    assert len(list(output.glob("part-*.parquet"))) == 2, "repartitioned to 2 before the write"


def modal_platform(home: Path, mode: SparkMode) -> contextlib.AbstractContextManager[Platform]:
    """The embedded cluster running Spark in `mode`."""
    config = load_config()
    config.settings.runtime = RuntimeSettings(sparkMode=mode)
    return running_platform(home, config, ROOT)


def pod_log(platform: Platform, name: str) -> str:
    """The container log the log archive kept of a pod that is gone (Spark deletes its executors)."""
    archived = platform.kubelet.archive.find(NAMESPACE, name)
    assert archived is not None, f"no archived log of pod {name}"
    return "\n".join(path.read_text(errors="replace") for path in archived.logs())


def node_of_local_dir(log: str, home: Path) -> str | None:
    """The node whose `mnt/k8s-disks/0` holds the directory DiskBlockManager created, if any."""
    marker = "DiskBlockManager: Created local directory at "
    for line in log.splitlines():
        if marker in line:
            path = Path(line.split(marker, 1)[1].strip())
            parts = path.relative_to(home / "nodes").parts if path.is_relative_to(home / "nodes") else ()
            if len(parts) > 3 and parts[1:4] == ("mnt", "k8s-disks", "0"):
                return parts[0]
    return None


def claims_of(pod: Obj) -> list[str]:
    volumes = (pod.get("spec") or {}).get("volumes") or []
    return [v["persistentVolumeClaim"]["claimName"] for v in volumes if v.get("persistentVolumeClaim")]


@pytest.mark.parametrize("mode", [SparkMode.LOCAL, SparkMode.KUBERNETES])
def test_the_ebs_job_gets_an_on_demand_volume_per_executor_that_is_deleted_with_its_claim(
    tmp_path: Path, taxi_input: Path, mode: SparkMode
) -> None:
    output = tmp_path / "output-ebs"
    manifest = local_manifest("ebs-storage-dynamic-pvc.yaml", tmp_path, taxi_input, output)
    bound: dict[str, str] = {}  # executor pod -> the PersistentVolume bound to its claim
    volume_dirs: set[str] = set()
    with modal_platform(tmp_path / "home", mode) as platform:
        apply_documents(platform.store, load_documents([manifest]))
        deadline = time.monotonic() + 240
        while state_of(platform, "taxi-trip") not in TERMINAL and time.monotonic() < deadline:
            volumes = {
                pv["spec"]["claimRef"]["name"]: pv for pv in platform.store.list("PersistentVolume").items
            }
            for pod in platform.store.list("Pod", NAMESPACE, label_selector="spark-role=executor").items:
                for claim in claims_of(pod):
                    if claim in volumes:
                        bound[pod["metadata"]["name"]] = volumes[claim]["metadata"]["name"]
            volume_dirs.update(p.name for p in (tmp_path / "home" / "nodes").glob("*/ebs/vol-*"))
            time.sleep(0.25)
        end = platform.store.get("SparkApplication", NAMESPACE, "taxi-trip")
        # A finished driver pod stays, and its OnDemand claims with it, until the application is deleted
        # (Spark on Kubernetes deletes its executors' claims itself when it stops, as on EKS).
        platform.store.delete("SparkApplication", NAMESPACE, "taxi-trip")
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and (
            platform.store.list("PersistentVolumeClaim", NAMESPACE).items
            or platform.store.list("PersistentVolume").items
        ):
            time.sleep(0.25)
        claims_left = platform.store.list("PersistentVolumeClaim", NAMESPACE).items
        volumes_left = platform.store.list("PersistentVolume").items
    assert end["status"]["applicationState"]["state"] == "COMPLETED"
    assert sorted(b.rsplit("-", 1)[1] for b in bound) == ["1", "2", "3", "4"], "one volume per executor"
    if mode == SparkMode.LOCAL:
        assert sorted(bound) == [f"taxi-trip-exec-{i}" for i in range(1, 5)]
    assert len(set(bound.values())) == 4
    assert len(volume_dirs) == 5, "an EBS-like volume directory for the driver's claim and each executor's"
    assert (output / "_SUCCESS").is_file()
    assert not claims_left and not volumes_left
    assert not list((tmp_path / "home" / "nodes").glob("*/ebs/vol-*")), "volumes deleted with their claims"


def test_the_gang_job_reserves_its_gang_whole_then_runs_on_four_executor_jvms_spark_creates(
    tmp_path: Path, taxi_input: Path
) -> None:
    output = tmp_path / "output-gang"
    manifest = local_manifest("nvme-storage-yunikorn-gang-scheduling.yaml", tmp_path, taxi_input, output)
    home = tmp_path / "home"
    executors: set[str] = set()
    with modal_platform(home, SparkMode.KUBERNETES) as platform:
        apply_documents(platform.store, load_documents([manifest]))
        deadline = time.monotonic() + 300
        while state_of(platform, "taxi-trip") not in TERMINAL and time.monotonic() < deadline:
            pods = platform.store.list("Pod", NAMESPACE, label_selector="spark-role=executor").items
            executors.update(p["metadata"]["name"] for p in pods)
            time.sleep(0.25)
        end = platform.store.get("SparkApplication", NAMESPACE, "taxi-trip")
        log = driver_log(platform, end)
        executor_logs = [pod_log(platform, name) for name in sorted(executors)]
        events = [
            (e.get("reason"), e.get("message", "")) for e in platform.store.list("Event", NAMESPACE).items
        ]
    assert end["status"]["applicationState"]["state"] == "COMPLETED", log[-3000:]
    # The whole gang (driver and four executors) was reserved by placeholders before any of it ran, and
    # the executors Spark created through the API took the placeholders' places.
    reserved = "all 5 placeholders are bound: the application's pods take their places"
    assert ("GangReservationComplete", reserved) in events
    assert len(executors) == 4 and all("KubernetesExecutorBackend" in e for e in executor_logs)
    assert sum("Running task" in e for e in executor_logs) >= 2, "the tasks ran in executor JVMs"
    assert f"Total number of records: {ROWS * FILES}" in log
    assert (output / "_SUCCESS").is_file()
