"""Registration where each instance's kubelet registers its own Node (EC2 joining EKS): the NodeClaim is
matched to the Node by providerID, as Karpenter matches them, never by name."""

from __future__ import annotations

from typing import Any

import pytest

from sparkfleet.api.blueprint import blueprint_nodepools
from sparkfleet.api.scenario import Scenario
from sparkfleet.cloud import InstanceState
from sparkfleet.controllers.nodeclaim import REGISTRATION_TIMEOUT

from .karpenter_builders import (
    COMPUTE,
    UNREGISTERED,
    KubeletsJoin,
    Platform,
    Platforms,
    StandInKubelets,
    condition,
    pyspark_pi,
)

Obj = dict[str, Any]
KUBELET_NODE = "ip-10-0-0-1.ec2.internal"


@pytest.fixture
def platform(build: Platforms) -> Platform:
    """Pools with dedicated taints (there are taints to sync), on instances that join by themselves."""
    platform = build(
        scenario=Scenario(launchLatencySeconds=30), pools=blueprint_nodepools(dedicated_taints=True)
    )
    platform.start_controllers(KubeletsJoin(platform.sim))
    return platform


@pytest.fixture
def kubelets(platform: Platform) -> StandInKubelets:
    return StandInKubelets(platform)


def launched_and_running(platform: Platform) -> Obj:
    """One claim whose instance runs (launched at 1 s, running 30 s later), before any kubelet registers."""
    platform.submit(pyspark_pi(selector=COMPUTE))
    platform.settle()
    platform.advance(32)
    (claim,) = platform.claims()
    (instance,) = platform.sim.list_instances()
    assert instance.state is InstanceState.RUNNING
    return claim


def test_until_its_kubelet_registers_a_node_the_claim_stays_launched_and_no_node_is_made(
    platform: Platform,
) -> None:
    claim = launched_and_running(platform)
    platform.advance(60, step=10)
    (claim,) = platform.claims()
    assert condition(claim, "Launched")["status"] == "True"  # type: ignore[index]
    assert condition(claim, "Registered") is None
    assert "nodeName" not in claim["status"]
    assert platform.nodes() == []


def test_the_node_its_kubelet_registered_is_adopted_by_provider_id_keeping_its_own_name(
    platform: Platform, kubelets: StandInKubelets
) -> None:
    name = launched_and_running(platform)["metadata"]["name"]
    kubelets.advance(2)

    (claim,) = platform.claims()
    (node,) = platform.nodes()
    assert node["metadata"]["name"] == KUBELET_NODE != name
    assert claim["status"]["nodeName"] == KUBELET_NODE
    assert node["spec"]["providerID"] == claim["status"]["providerID"]
    assert condition(claim, "Registered")["message"].startswith(f"Node {KUBELET_NODE} registered")  # type: ignore[index]
    assert condition(claim, "Initialized")["status"] == "True"  # type: ignore[index]
    assert platform.reasons("NodeClaim", name) == ["Planned", "Launched", "Registered", "Initialized"]
    assert platform.reasons("Node", KUBELET_NODE) == ["Registered"]


def test_the_claims_labels_owner_and_taints_are_synced_onto_the_node_and_its_kubelets_fields_kept(
    platform: Platform, kubelets: StandInKubelets
) -> None:
    claim = launched_and_running(platform)
    kubelets.advance(2)

    (node,) = platform.nodes()
    labels = node["metadata"]["labels"]
    for key in ("karpenter.sh/nodepool", "node.kubernetes.io/instance-type", "topology.kubernetes.io/zone"):
        assert labels[key] == claim["metadata"]["labels"][key]
    assert labels["kubernetes.io/hostname"] == KUBELET_NODE
    assert [(r["kind"], r["name"]) for r in node["metadata"]["ownerReferences"]] == [
        ("NodeClaim", claim["metadata"]["name"])
    ]
    assert node["spec"]["taints"] == [{"key": "spark-compute-optimized", "effect": "NoSchedule"}]
    assert UNREGISTERED not in node["spec"]["taints"]
    assert node["status"]["addresses"] == [{"type": "InternalIP", "address": "10.0.0.1"}]


def test_a_claim_whose_kubelet_never_registers_is_deleted_after_fifteen_minutes(platform: Platform) -> None:
    name = launched_and_running(platform)["metadata"]["name"]
    (instance,) = platform.sim.list_instances()

    platform.advance(REGISTRATION_TIMEOUT.total_seconds() - 60, step=30)
    assert [c["metadata"]["name"] for c in platform.claims()] == [name]
    platform.advance(60, step=30)
    assert name not in [c["metadata"]["name"] for c in platform.claims()]
    assert platform.sim.describe(instance.instance_id).state is InstanceState.TERMINATED
    assert "RegistrationTimeout" in platform.reasons("NodeClaim", name)


def test_deleting_the_claim_deletes_the_node_its_kubelet_registered(
    platform: Platform, kubelets: StandInKubelets
) -> None:
    name = launched_and_running(platform)["metadata"]["name"]
    kubelets.advance(2)
    (instance,) = platform.sim.list_instances()

    platform.store.delete("NodeClaim", None, name)
    platform.settle()
    assert platform.nodes() == []
    assert platform.sim.describe(instance.instance_id).state is InstanceState.TERMINATED
