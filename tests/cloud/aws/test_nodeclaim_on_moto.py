"""The NodeClaim controller launching through the AWS adapter on moto: the claim gets its providerID,
imageID and capacity, and Graviton without capacity falls back to r5d in the same launch; on EKS the Node
the instance's kubelet registers is adopted by that providerID."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sparkfleet.api.instancetypes import OfferingKey
from sparkfleet.api.scenario import Scenario, UnavailableOffering
from sparkfleet.api.wire import CapacityType
from sparkfleet.cloud.aws import AwsEC2
from sparkfleet.cloud.catalog import load_catalog
from sparkfleet.config import PlatformConfig
from sparkfleet.controllers.nodeclaim import NodeClaimReconciler
from sparkfleet.controllers.support import OfferingCache
from sparkfleet.home import open_embedded_store
from sparkfleet.platform import StoredNodeClasses
from support.awsmoto import IMAGES, CapacityInjector, aws_settings, fresh_session

POOL = "spark-memory-optimized"


def claim(name: str, types: list[str]) -> dict[str, Any]:
    return {
        "apiVersion": "karpenter.sh/v1",
        "kind": "NodeClaim",
        "metadata": {"name": name, "labels": {"karpenter.sh/nodepool": POOL}},
        "spec": {
            "nodeClassRef": {"group": "karpenter.k8s.aws", "kind": "EC2NodeClass", "name": POOL},
            "requirements": [
                {"key": "node.kubernetes.io/instance-type", "operator": "In", "values": types},
                {"key": "karpenter.sh/capacity-type", "operator": "In", "values": ["on-demand"]},
                {"key": "topology.kubernetes.io/zone", "operator": "In", "values": ["us-east-1b"]},
            ],
        },
    }


def test_a_claim_is_launched_with_create_fleet_and_falls_back_from_graviton(tmp_path: Path, world, clock):
    config = PlatformConfig()
    config.nodeclasses = [
        world.node_class().model_copy(update={"metadata": c.metadata}) for c in config.nodeclasses
    ]
    store = open_embedded_store(tmp_path / "home", clock, config)
    session = fresh_session()
    CapacityInjector(
        session, Scenario(unavailableOfferings=[UnavailableOffering(instanceFamily="r6gd")]), load_catalog()
    )
    cloud = AwsEC2(aws_settings(), load_catalog(), clock, StoredNodeClasses(store), session=session)
    offerings = OfferingCache()
    reconciler = NodeClaimReconciler(store, clock, cloud, offerings)

    store.create(claim("spark-memory-optimized-x1", ["r6gd.4xlarge", "r5d.4xlarge"]))
    reconciler.reconcile("spark-memory-optimized-x1")

    launched = store.get("NodeClaim", None, "spark-memory-optimized-x1")
    status = launched["status"]
    [instance] = cloud.list_instances()
    assert status["providerID"] == f"aws:///us-east-1b/{instance.instance_id}"
    assert status["imageID"] == IMAGES["amd64"]
    assert launched["metadata"]["labels"]["node.kubernetes.io/instance-type"] == "r5d.4xlarge"
    assert status["capacity"]["cpu"] == "16"
    assert {c["type"]: c["status"] for c in status["conditions"]}["Launched"] == "True"
    assert offerings.active(clock.now()) == {
        OfferingKey("r6gd.4xlarge", "us-east-1b", CapacityType.ON_DEMAND)
    }


def test_on_eks_the_node_the_instances_kubelet_registered_is_adopted_by_its_provider_id(
    tmp_path: Path, world, clock
):
    config = PlatformConfig()
    config.nodeclasses = [
        world.node_class().model_copy(update={"metadata": c.metadata}) for c in config.nodeclasses
    ]
    store = open_embedded_store(tmp_path / "home", clock, config)
    nodes = StoredNodeClasses(store)
    cloud = AwsEC2(
        aws_settings(), load_catalog(), clock, nodes, session=fresh_session(), registers_nodes=True
    )
    reconciler = NodeClaimReconciler(store, clock, cloud, OfferingCache())
    store.create(claim("spark-memory-optimized-x1", ["r5d.4xlarge"]))
    reconciler.reconcile("spark-memory-optimized-x1")
    reconciler.reconcile("spark-memory-optimized-x1")
    assert store.list("Node").items == [], "no Node is made for an instance whose kubelet joins by itself"

    provider_id = store.get("NodeClaim", None, "spark-memory-optimized-x1")["status"]["providerID"]
    store.create(
        {
            "apiVersion": "v1",
            "kind": "Node",
            "metadata": {"name": "ip-10-0-1-23.ec2.internal"},
            "spec": {
                "providerID": provider_id,
                "taints": [{"key": "karpenter.sh/unregistered", "effect": "NoExecute"}],
            },
            "status": {"conditions": [{"type": "Ready", "status": "True"}]},
        }
    )
    reconciler.reconcile("spark-memory-optimized-x1")

    registered = store.get("NodeClaim", None, "spark-memory-optimized-x1")
    assert registered["status"]["nodeName"] == "ip-10-0-1-23.ec2.internal"
    assert {c["type"]: c["status"] for c in registered["status"]["conditions"]}["Registered"] == "True"
    (node,) = store.list("Node").items
    assert node["metadata"]["labels"]["karpenter.sh/nodepool"] == POOL
    assert node["spec"]["taints"] == []
