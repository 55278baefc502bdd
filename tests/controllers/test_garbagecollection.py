"""Garbage collection on a schedule: orphaned instances after the grace period, unused launch templates,
each with its Event."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from moto import mock_aws

from sparkfleet.api.scenario import Scenario
from sparkfleet.api.wire import CapacityType
from sparkfleet.clock import VirtualClock
from sparkfleet.cloud import InstanceState, LaunchRequest
from sparkfleet.cloud.aws import AwsEC2
from sparkfleet.cloud.catalog import load_catalog
from sparkfleet.cloud.sim import SimulatedEC2
from sparkfleet.cluster.embedded import EmbeddedCluster
from sparkfleet.controllers.garbagecollection import INTERVAL, KEY, GarbageCollectionReconciler
from support.awsmoto import MotoWorld, OneNodeClass, aws_settings, fresh_session

from .karpenter_builders import START


def launch(cloud: SimulatedEC2 | AwsEC2, claim: str) -> str:
    request = LaunchRequest(f"uid-{claim}", claim, ("r5d.4xlarge",), (CapacityType.ON_DEMAND,))
    return cloud.launch(request).unwrap().instance_id


def claim(name: str) -> dict[str, object]:
    return {
        "apiVersion": "karpenter.sh/v1",
        "kind": "NodeClaim",
        "metadata": {"name": name},
        "spec": {"nodeClassRef": {"group": "karpenter.k8s.aws", "kind": "EC2NodeClass", "name": "default"}},
    }


def reasons(store: EmbeddedCluster) -> list[tuple[str, str, str]]:
    return [
        (e["reason"], e["involvedObject"]["kind"], e["involvedObject"]["name"])
        for e in store.list("Event").items
    ]


@pytest.fixture
def clock() -> VirtualClock:
    return VirtualClock(START)


def test_orphans_older_than_the_grace_period_are_terminated_on_schedule_with_an_event(tmp_path: Path, clock):
    store = EmbeddedCluster(tmp_path / "store.db", clock)
    sim = SimulatedEC2(load_catalog(), Scenario(), clock, orphan_grace=timedelta(minutes=10))
    store.create(claim("kept"))
    kept, orphan = launch(sim, "kept"), launch(sim, "gone")
    gc = GarbageCollectionReconciler(store, clock, sim)

    assert gc.reconcile(KEY).requeue_after == INTERVAL
    assert gc.last is not None and gc.last.instances == (), "too young: its claim may not be written yet"
    clock.advance(INTERVAL / 2)
    assert gc.reconcile(KEY).requeue_after == INTERVAL / 2, "at most one pass per interval"
    clock.advance(timedelta(minutes=10).total_seconds())
    gc.reconcile(KEY)

    assert [i.instance_id for i in gc.last.instances] == [orphan]
    assert sim.describe(orphan).state is InstanceState.TERMINATED
    assert sim.describe(kept).state is not InstanceState.TERMINATED
    assert reasons(store) == [("OrphanInstanceTerminated", "NodeClaim", "gone")]


def test_launch_templates_of_a_deleted_node_class_are_deleted_with_an_event(tmp_path: Path):
    clock = VirtualClock(datetime.now(UTC).replace(microsecond=0))  # moto stamps launches with the real clock
    with mock_aws():
        world = MotoWorld(("us-east-1a", "us-east-1b"))
        node_class = world.node_class()
        aws = AwsEC2(aws_settings(), load_catalog(), clock, OneNodeClass(node_class), session=fresh_session())
        store = EmbeddedCluster(tmp_path / "store.db", clock)
        store.create(node_class.model_dump(mode="json", exclude_none=True))
        store.create(claim("claim-x"))
        launch(aws, "claim-x")
        gc = GarbageCollectionReconciler(store, clock, aws)
        gc.reconcile(KEY)
        assert gc.last is not None and gc.last.templates == (), "its node class uses them"

        store.delete("EC2NodeClass", None, "spark-nodes")
        clock.advance(INTERVAL)
        gc.reconcile(KEY)
        assert {t.node_class for t in gc.last.templates} == {"spark-nodes"}
        assert len(gc.last.templates) == 2, "one template per architecture"
        assert world.session.client("ec2").describe_launch_templates()["LaunchTemplates"] == []
    assert reasons(store) == [("LaunchTemplateDeleted", "EC2NodeClass", "spark-nodes")] * 2
