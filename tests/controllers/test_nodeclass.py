"""The EC2NodeClass status controller writes what the selector terms select, with Karpenter's conditions."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from sparkfleet.api.blueprint import blueprint_ec2nodeclasses, manifest_dict
from sparkfleet.api.scenario import Scenario
from sparkfleet.clock import VirtualClock
from sparkfleet.cloud import CloudError, NodeClassResolution
from sparkfleet.cloud.catalog import load_catalog
from sparkfleet.cloud.sim import SimulatedEC2
from sparkfleet.cluster.embedded import EmbeddedCluster
from sparkfleet.controllers.nodeclass import REFRESH, RETRY, NodeClassStatusReconciler

from .karpenter_builders import START

CLASS = "spark-memory-optimized"


@pytest.fixture
def clock() -> VirtualClock:
    return VirtualClock(START)


@pytest.fixture
def store(tmp_path: Path, clock: VirtualClock) -> EmbeddedCluster:
    store = EmbeddedCluster(tmp_path / "store.db", clock)
    for node_class in blueprint_ec2nodeclasses():
        store.create(manifest_dict(node_class))
    return store


@pytest.fixture
def sim(clock: VirtualClock) -> SimulatedEC2:
    return SimulatedEC2(load_catalog(), Scenario(), clock)


def conditions(obj: dict[str, Any]) -> dict[str, tuple[str, str]]:
    return {c["type"]: (c["status"], c["reason"]) for c in obj["status"]["conditions"]}


def test_a_blueprint_node_class_gets_its_subnets_groups_amis_profile_and_is_ready(store, clock, sim):
    result = NodeClassStatusReconciler(store, clock, sim).reconcile(CLASS)
    status = store.get("EC2NodeClass", None, CLASS)["status"]
    assert result.requeue_after == REFRESH
    assert [s["zone"] for s in status["subnets"]] == ["us-east-1a", "us-east-1b", "us-east-1c"]
    assert status["subnets"][0]["zoneID"] == "use1-az1"
    assert status["securityGroups"][0]["id"].startswith("sg-")
    assert [a["requirements"] for a in status["amis"]] == [
        [{"key": "kubernetes.io/arch", "operator": "In", "values": ["amd64"]}],
        [{"key": "kubernetes.io/arch", "operator": "In", "values": ["arm64"]}],
    ]
    assert status["instanceProfile"]
    assert conditions(store.get("EC2NodeClass", None, CLASS)) == {
        "SubnetsReady": ("True", "SubnetsReady"),
        "SecurityGroupsReady": ("True", "SecurityGroupsReady"),
        "AMIsReady": ("True", "AMIsReady"),
        "InstanceProfileReady": ("True", "InstanceProfileReady"),
        "Ready": ("True", "Ready"),
    }
    assert all(c["observedGeneration"] == 1 for c in status["conditions"])


def test_the_status_is_written_once_and_transition_times_stay_while_nothing_changes(store, clock, sim):
    reconciler = NodeClassStatusReconciler(store, clock, sim)
    reconciler.reconcile(CLASS)
    first = store.get("EC2NodeClass", None, CLASS)
    clock.advance(REFRESH)
    reconciler.reconcile(CLASS)
    again = store.get("EC2NodeClass", None, CLASS)
    assert again["metadata"]["resourceVersion"] == first["metadata"]["resourceVersion"]


def test_subnets_selecting_nothing_make_the_class_not_ready_naming_the_part(store, clock, sim):
    reconciler = NodeClassStatusReconciler(store, clock, sim)
    reconciler.reconcile(CLASS)
    before = store.get("EC2NodeClass", None, CLASS)
    ready_since = next(c for c in before["status"]["conditions"] if c["type"] == "Ready")[
        "lastTransitionTime"
    ]
    before["spec"]["subnetSelectorTerms"] = [{"id": "subnet-0123456789abcdef0"}]
    store.update(before)
    clock.advance(30)
    result = reconciler.reconcile(CLASS)
    after = store.get("EC2NodeClass", None, CLASS)
    assert result.requeue_after == RETRY
    assert "subnets" not in after["status"]
    assert after["status"]["amis"], "the other parts are still resolved"
    found = conditions(after)
    assert found["SubnetsReady"] == ("False", "SubnetsNotFound")
    assert found["AMIsReady"] == ("True", "AMIsReady")
    ready = next(c for c in after["status"]["conditions"] if c["type"] == "Ready")
    assert (ready["status"], ready["reason"], ready["message"]) == (
        "False",
        "UnhealthyDependents",
        "SubnetsReady=False",
    )
    assert ready["lastTransitionTime"] != ready_since
    assert all(c["observedGeneration"] == 2 for c in after["status"]["conditions"])


class RefusingCloud:
    """A cloud whose resolution fails (throttled, or its credentials refused)."""

    def resolve_node_class(self, node_class: object) -> NodeClassResolution:
        raise CloudError("RequestLimitExceeded: request limit exceeded")


def test_a_failing_resolution_is_retried_later_and_keeps_the_last_status(store, clock, sim, caplog):
    NodeClassStatusReconciler(store, clock, sim).reconcile(CLASS)
    before = store.get("EC2NodeClass", None, CLASS)
    refusing = NodeClassStatusReconciler(store, clock, RefusingCloud())  # type: ignore[arg-type]
    assert refusing.reconcile(CLASS).requeue_after == RETRY
    assert refusing.reconcile(CLASS).requeue_after == RETRY
    assert store.get("EC2NodeClass", None, CLASS) == before
    assert [r.getMessage() for r in caplog.records].count(
        f"EC2NodeClass {CLASS}: resolving its selector terms failed: RequestLimitExceeded: request limit "
        "exceeded"
    ) == 1, "a lasting failure is logged once"


def test_a_deleted_node_class_is_left_alone(store, clock, sim):
    store.delete("EC2NodeClass", None, CLASS)
    assert NodeClassStatusReconciler(store, clock, sim).reconcile(CLASS).requeue_after is None
