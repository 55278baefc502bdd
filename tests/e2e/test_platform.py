"""The embedded cluster end to end, with real Spark: what a user meets first."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from sparkfleet.cli.main import app
from sparkfleet.cli.objects import apply_documents, load_documents
from sparkfleet.cluster import Obj
from sparkfleet.config import load_config
from sparkfleet.platform import Platform
from support.fallback import assert_fell_back_to_intel_with_its_gang_reserved
from support.platforms import local_spark, running_platform

pytestmark = pytest.mark.e2e

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples"
TERMINAL = {"COMPLETED", "FAILED"}


def wait_for_end(platform: Platform, namespace: str, name: str, timeout: float = 240.0) -> Obj:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        app_obj = platform.store.get("SparkApplication", namespace, name)
        state = ((app_obj.get("status") or {}).get("applicationState") or {}).get("state")
        if state in TERMINAL:
            return app_obj
        time.sleep(0.25)
    raise AssertionError(f"{namespace}/{name} did not finish in {timeout} s")


def test_sparkfleet_run_takes_the_blueprint_pi_job_to_completed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SPARKFLEET_HOME", str(tmp_path / "home"))
    result = CliRunner().invoke(app, ["run", str(EXAMPLES / "pyspark-pi-job.yaml"), "--timeout", "240"])
    assert result.exit_code == 0, result.stdout[-3000:]
    assert "Pi is roughly 3.1" in result.stdout
    assert "COMPLETED" in result.stdout
    assert "NodeClaim(s), $" in result.stdout


def test_run_of_a_driver_that_cannot_start_shows_why_and_plans_one_node(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SPARKFLEET_HOME", str(tmp_path / "home"))
    missing = "local:///opt/spark/examples/jars/spark-examples-missing.jar"
    job = tmp_path / "missing-jar.yaml"
    text = (EXAMPLES / "pyspark-pi-job.yaml").read_text()
    text = text.replace("local:///opt/spark/examples/src/main/python/pi.py", missing)
    job.write_text(text.replace("    type: OnFailure", "    type: Never"))
    result = CliRunner().invoke(app, ["run", str(job), "--timeout", "120"])
    assert result.exit_code == 1, result.stdout[-3000:]
    assert "Traceback" not in result.stdout + result.stderr
    verdict = result.stdout.strip().splitlines()[-1]
    assert verdict.startswith(
        "FAILED: driver container failed with ExitCode: 128, Reason: StartError, Message: "
        f"spec.mainApplicationFile: {missing} is not in the local runtime's image"
    ), verdict
    # the driver (on-demand) and both executors were planned on one node, as Karpenter plans them
    assert "1 NodeClaim(s), $" in result.stdout


def test_a_failing_driver_is_retried_per_restart_policy_then_failed_with_its_exit_code(
    tmp_path: Path,
) -> None:
    script = tmp_path / "fail.py"
    script.write_text("import sys\nprint('about to fail')\nsys.exit(3)\n")
    manifest = tmp_path / "fail.yaml"
    manifest.write_text(
        (EXAMPLES / "pyspark-pi-job.yaml")
        .read_text()
        .replace("local:///opt/spark/examples/src/main/python/pi.py", str(script))
        .replace("onFailureRetries: 1", "onFailureRetries: 1")
        .replace("onFailureRetryInterval: 10", "onFailureRetryInterval: 1")
    )
    docs = load_documents([manifest])
    config = local_spark(load_config())  # the driver's exit code is the subject: no executors needed
    with running_platform(tmp_path / "home", config, tmp_path) as platform:
        apply_documents(platform.store, docs)
        end = wait_for_end(platform, "spark-team-a", "pyspark-pi-karpenter")
        # The failure's event is recorded right after the status that says FAILED.
        for _ in range(40):
            reasons = {e.get("reason") for e in platform.store.list("Event", "spark-team-a").items}
            if "SparkApplicationFailed" in reasons:
                break
            time.sleep(0.25)
    status = end["status"]
    assert status["applicationState"]["state"] == "FAILED"
    assert "ExitCode: 3" in status["applicationState"]["errorMessage"]
    assert status["executionAttempts"] == 2, "one run and one retry (onFailureRetries: 1)"
    assert "SparkApplicationFailed" in reasons


def test_without_graviton_capacity_the_multiarch_job_runs_on_an_r5d_node_after_a_fallback(
    tmp_path: Path,
) -> None:
    config_dir = tmp_path / "config"
    config_dir.mkdir()
    (config_dir / "scenario.yaml").write_text(
        (EXAMPLES / "scenarios" / "graviton-unavailable.yaml").read_text()
    )
    docs = load_documents([EXAMPLES / "pyspark-pi-multiarch.yaml"])
    with running_platform(tmp_path / "home", load_config(config_dir), tmp_path) as platform:
        apply_documents(platform.store, docs)
        end = wait_for_end(platform, "spark-team-a", "pyspark-pi-multiarch")
        assert end["status"]["applicationState"]["state"] == "COMPLETED"
        assert_fell_back_to_intel_with_its_gang_reserved(platform.store)


OPERATOR_SPARK_PI = ROOT / "tests" / "data" / "operator" / "spark-pi.yaml"
"""The Spark Operator's examples/spark-pi.yaml as published: a Scala application of the image's examples
jar, 5000 slices."""


def test_the_operators_scala_spark_pi_runs_the_images_examples_jar(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SPARKFLEET_HOME", str(tmp_path / "home"))
    result = CliRunner().invoke(app, ["run", str(OPERATOR_SPARK_PI), "--timeout", "300"])
    assert result.exit_code == 0, result.stdout[-3000:]
    assert "Pi is roughly 3.1" in result.stdout
    assert "COMPLETED" in result.stdout
    built = list((tmp_path / "home").rglob("image-cache/*/spark-examples.jar"))
    assert len(built) == 1, "the jar was built once, into the cluster's image cache"
