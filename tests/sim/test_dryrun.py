"""`plan`: submission, scheduling and provisioning strung together on an empty simulated cluster."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from sparkfleet.api.base import ManifestError
from sparkfleet.api.settings import LimitSettings
from sparkfleet.api.sparkapplication import load_spark_application
from sparkfleet.cli.main import app
from sparkfleet.clock import VirtualClock
from sparkfleet.cloud import load_catalog
from sparkfleet.cloud.sim import SimulatedEC2
from sparkfleet.config import load_config
from sparkfleet.sim import dry_run

ROOT = Path(__file__).resolve().parents[2]
BLUEPRINT_JOBS = sorted((ROOT / "tests" / "engine" / "submission" / "manifests").glob("*.yaml"))
MULTIARCH = ROOT / "examples" / "pyspark-pi-multiarch.yaml"
NO_GRAVITON = ROOT / "examples" / "scenarios" / "graviton-unavailable.yaml"
runner = CliRunner()


def plan_json(*args: str) -> dict[str, object]:
    result = runner.invoke(app, ["plan", *args, "-o", "json"])
    assert result.exit_code == 0, result.stderr
    body = json.loads(result.stdout)
    assert isinstance(body, dict)
    return body


def test_the_plan_has_the_documented_keys() -> None:
    body = plan_json("-f", str(ROOT / "examples" / "pyspark-pi-job.yaml"))
    assert list(body) == [
        "application",
        "queue",
        "taskGroups",
        "nodeClaims",
        "unschedulable",
        "fallbacks",
        "totalPricePerHour",
    ]
    assert body["application"] == "spark-team-a/pyspark-pi-karpenter"
    assert body["queue"] == "root.test"


def test_pyspark_pi_gets_c5d_nodes_sized_with_python_memory_overhead() -> None:
    body = plan_json("-f", str(ROOT / "examples" / "pyspark-pi-job.yaml"))
    groups = {g["name"]: g for g in body["taskGroups"]}  # type: ignore[attr-defined]
    assert groups["spark-driver"] == {
        "name": "spark-driver",
        "minMember": 1,
        "minResource": {"cpu": "1", "memory": "896Mi"},
    }
    assert groups["spark-executor"]["minMember"] == 2
    claims = body["nodeClaims"]
    assert isinstance(claims, list)
    # As the seed document says (and Karpenter does): one new node for the driver and both executors.
    # The driver asks for on-demand capacity by nodeSelector; the executors allow either, so they join
    # the driver's claim, which stays on-demand, rather than opening a spot node of their own.
    assert len(claims) == 1, claims
    (claim,) = claims
    assert claim["nodePool"] == "spark-compute-optimized"
    assert claim["instanceType"] == "c5d.4xlarge"
    assert claim["capacityType"] == "on-demand"
    assert len(claim["pods"]) == 3, "the whole gang: one driver and two executor placeholders"
    assert body["totalPricePerHour"] == pytest.approx(claim["pricePerHour"])
    assert body["unschedulable"] == []


def test_graviton_comes_first_for_multiarch_jobs() -> None:
    claims = plan_json("-f", str(MULTIARCH))["nodeClaims"]
    assert [c["nodePool"] for c in claims] == ["spark-graviton-memory-optimized"]  # type: ignore[index]


def test_without_graviton_capacity_the_plan_falls_back_in_the_same_round() -> None:
    body = plan_json("-f", str(MULTIARCH), "--scenario", str(NO_GRAVITON))
    claims = body["nodeClaims"]
    assert isinstance(claims, list) and claims
    assert all(c["nodePool"] != "spark-graviton-memory-optimized" for c in claims)
    assert {c["nodePool"] for c in claims} == {"spark-memory-optimized"}
    assert all(c["instanceType"].startswith("r5d.") for c in claims)
    fallbacks = body["fallbacks"]
    assert isinstance(fallbacks, list)
    assert fallbacks[-1]["from"] == "spark-graviton-memory-optimized"
    assert fallbacks[-1]["to"] == "spark-memory-optimized"
    assert "InsufficientInstanceCapacity" in fallbacks[-1]["reason"]


def _with_driver_memory(tmp_path: Path, memory: str, queue: str = "root.test") -> Path:
    text = (
        MULTIARCH.read_text()
        .replace("instances: 2", "instances: 4")
        .replace("queue: root.test", f"queue: {queue}")
    )
    head, _, tail = text.partition('memory: "512m"')
    path = tmp_path / "job.yaml"
    path.write_text(f'{head}memory: "{memory}"{tail}')
    return path


def test_a_gang_larger_than_its_queue_max_is_rejected_with_the_numbers(tmp_path: Path) -> None:
    body = plan_json("-f", str(_with_driver_memory(tmp_path, "2000g")))
    assert body["nodeClaims"] == []
    assert body["queue"] == "root.test"
    reasons = [u["reason"] for u in body["unschedulable"]]  # type: ignore[attr-defined]
    assert len(reasons) == 5
    assert all("exceeds the max" in r and "root.test" in r for r in reasons)


def test_a_gang_that_fits_no_instance_type_gets_no_partial_nodes(tmp_path: Path) -> None:
    body = plan_json("-f", str(_with_driver_memory(tmp_path, "600g", queue="root.default")))
    assert body["nodeClaims"] == [], "the executors alone would fit: the gang must get nothing"
    reasons = [u["reason"] for u in body["unschedulable"]]  # type: ignore[attr-defined]
    assert reasons
    assert all("no capacity is planned for any pod of the gang" in r for r in reasons)


@pytest.mark.parametrize("job", BLUEPRINT_JOBS, ids=lambda p: p.name)
def test_every_blueprint_job_can_be_planned(job: Path) -> None:
    result = runner.invoke(app, ["plan", "-f", str(job), "-o", "json"])
    assert result.exit_code == 0, result.stderr
    body = json.loads(result.stdout)
    plans = body if isinstance(body, list) else [body]
    for plan in plans:
        # Every pod either has a NodeClaim or a reason why not.
        assert plan["nodeClaims"] or plan["unschedulable"]


def test_human_output_is_a_table_with_the_total() -> None:
    result = runner.invoke(app, ["plan", "-f", str(MULTIARCH), "--scenario", str(NO_GRAVITON)])
    assert result.exit_code == 0
    assert "NODEPOOL" in result.stdout
    assert "fallback: spark-graviton-memory-optimized ->" in result.stdout
    assert "total $" in result.stdout


def test_a_billion_executors_fail_fast_with_the_field_path_and_no_pod_is_made(tmp_path: Path) -> None:
    path = tmp_path / "huge.yaml"
    path.write_text(MULTIARCH.read_text().replace("instances: 2", "instances: 1000000000"))
    result = runner.invoke(app, ["plan", "-f", str(path), "-o", "json"])
    assert result.exit_code == 1
    assert "spec.executor.instances: 1000000000 executors is above the cluster's maximum of 10000" in (
        result.stdout + result.stderr
    )


def test_the_plan_holds_an_application_to_the_cluster_s_configured_maximum() -> None:
    config = load_config()
    config.settings.limits = LimitSettings(maxExecutors=1)
    job = load_spark_application(next(d for d in yaml.safe_load_all(MULTIARCH.read_text()) if d))
    clock = VirtualClock(datetime(2026, 1, 2, tzinfo=UTC))
    with pytest.raises(ManifestError) as caught:
        dry_run(job, config, SimulatedEC2(load_catalog(), config.scenario, clock), clock.now())
    assert [i.path for i in caught.value.issues] == ["spec.executor.instances"]
