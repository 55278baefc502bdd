"""The blueprint's pyspark-pi job end to end on the AWS adapter against moto: `cloud: {provider: aws}` is
the only change from the embedded cluster. The provisioner plans, the adapter launches through CreateFleet,
the claim gets its providerID, the node registers (the local runtime stands in for the kubelet), the job
completes, and consolidation terminates the instance in EC2."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from moto import mock_aws

from sparkfleet.api.settings import parse_settings
from sparkfleet.cli.objects import apply_documents, load_documents
from sparkfleet.clock import SystemClock
from sparkfleet.cloud.aws import AwsEC2
from sparkfleet.config import PlatformConfig
from sparkfleet.platform import Platform
from support.awsmoto import CERTIFICATE, CLUSTER, ENDPOINT, MotoWorld

pytestmark = pytest.mark.e2e

EXAMPLES = Path(__file__).resolve().parents[3] / "examples"
SETTINGS = f"""
cloud:
  provider: aws
  region: us-east-1
  clusterName: {CLUSTER}
  clusterEndpoint: {ENDPOINT}
  clusterCertificateAuthority: {CERTIFICATE}
  kubernetesVersion: "1.32"
  livePrices: false
runtime:
  sparkMode: local  # the EC2 adapter is the subject: the driver runs the whole job
"""


def wait_until(what: str, check, timeout: float) -> object:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = check()
        if found:
            return found
        time.sleep(0.25)
    raise AssertionError(f"{what} did not happen in {timeout} s")


def test_the_pi_job_runs_on_a_moto_instance_launched_by_create_fleet_and_consolidation_ends_it(tmp_path):
    with mock_aws():
        world = MotoWorld(("us-east-1a", "us-east-1b", "us-east-1c"))
        config = PlatformConfig(settings=parse_settings(SETTINGS))
        config.nodeclasses = [
            world.node_class().model_copy(update={"metadata": c.metadata}) for c in config.nodeclasses
        ]
        for pool in config.nodepools:  # empty nodes go at once, so the test ends in well under a minute
            pool.spec.disruption.consolidateAfter = "0s"
        docs = load_documents([EXAMPLES / "pyspark-pi-job.yaml"])
        with Platform(tmp_path / "home", config, SystemClock(), workdir=tmp_path) as platform:
            assert isinstance(platform.cloud, AwsEC2)
            apply_documents(platform.store, docs)
            # Consolidation deletes an empty node's claim at once, so claims are looked at while the job runs.
            launched: dict[str, dict] = {}

            def state() -> str | None:
                for claim in platform.store.list("NodeClaim").items:
                    if (claim.get("status") or {}).get("providerID") and claim["status"].get("imageID"):
                        launched[claim["metadata"]["name"]] = claim
                app = platform.store.get("SparkApplication", "spark-team-a", "pyspark-pi-karpenter")
                found = ((app.get("status") or {}).get("applicationState") or {}).get("state")
                return found if found in ("COMPLETED", "FAILED") else None

            assert wait_until("the job's end", state, 150) == "COMPLETED"  # minutes on a busy machine
            log = b"".join(
                platform.log_reader("spark-team-a", "pyspark-pi-karpenter-driver", None, False, None)
            )
            assert b"Pi is roughly 3.1" in log
            fleets = world.session.client("ec2").describe_fleets()["Fleets"]
            assert fleets and all(f["Type"] == "instant" for f in fleets)
            instances = {i["InstanceId"]: i for i in world.instances()}
            assert launched, "a NodeClaim got its providerID"
            for claim in launched.values():
                zone, instance_id = claim["status"]["providerID"].removeprefix("aws:///").split("/")
                assert instances[instance_id]["Placement"]["AvailabilityZone"] == zone
                assert claim["status"]["imageID"] in world.images.values()
            wait_until(
                "consolidation terminating every instance",
                lambda: all(i["State"]["Name"] in ("shutting-down", "terminated") for i in world.instances()),
                30,
            )
            node_class = platform.store.get("EC2NodeClass", None, config.nodeclasses[0].metadata.name or "")
            ready = {c["type"]: c["status"] for c in node_class["status"]["conditions"]}
            reasons = {e.get("reason") for e in platform.store.list("Event").items}
        assert ready["Ready"] == "True"
        assert {s["id"] for s in node_class["status"]["subnets"]} == set(world.subnets.values())
        assert "SparkApplicationCompleted" in reasons
