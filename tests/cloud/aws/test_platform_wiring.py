"""`cloud: {provider: aws}` in settings.yaml is the only change that puts a cluster on EC2."""

from __future__ import annotations

from pathlib import Path

import pytest

from sparkfleet.api.cloudsettings import CloudProvider
from sparkfleet.api.settings import parse_settings
from sparkfleet.api.wire import CapacityType
from sparkfleet.cloud import CloudError, LaunchRequest
from sparkfleet.cloud.aws import AwsEC2
from sparkfleet.cloud.sim import SimulatedEC2
from sparkfleet.config import PlatformConfig
from sparkfleet.home import open_embedded_store
from sparkfleet.platform import build_cloud

SETTINGS = """
cloud:
  provider: aws
  region: us-east-1
  clusterName: spark-on-eks
  interruptionQueue: spark-on-eks-interruptions
  clusterEndpoint: https://0123456789ABCDEF.gr7.us-east-1.eks.amazonaws.com
  clusterCertificateAuthority: Q0E=
  kubernetesVersion: "1.32"
  livePrices: false
"""


def test_the_default_cloud_is_the_simulator(tmp_path: Path, clock):
    config = PlatformConfig()
    assert config.settings.cloud.provider is CloudProvider.SIM
    store = open_embedded_store(tmp_path / "home", clock, config)
    assert isinstance(build_cloud(tmp_path / "home", config, clock, store), SimulatedEC2)


def test_an_aws_cluster_launches_for_a_claim_of_its_stored_node_pool(tmp_path: Path, clock, world):
    config = PlatformConfig(settings=parse_settings(SETTINGS))
    # The blueprint's pools, each with its node class selecting the moto account's subnets and groups.
    config.nodeclasses = [
        world.node_class().model_copy(update={"metadata": c.metadata}) for c in config.nodeclasses
    ]
    store = open_embedded_store(tmp_path / "home", clock, config)
    cloud = build_cloud(tmp_path / "home", config, clock, store)
    assert isinstance(cloud, AwsEC2)
    assert not cloud.registers_nodes  # no kubelet reaches the embedded store: the controller makes Nodes
    tags = {"karpenter.sh/nodepool": "spark-memory-optimized"}
    instance = cloud.launch(
        LaunchRequest("uid-1", "claim-1", ("r5d.4xlarge",), (CapacityType.ON_DEMAND,), tags=tags)
    ).unwrap()
    assert instance.tags["karpenter.k8s.aws/ec2nodeclass"] == "spark-memory-optimized"
    with pytest.raises(CloudError, match="claim-2"):
        cloud.launch(
            LaunchRequest("uid-2", "claim-2", ("r5d.4xlarge",), tags={"karpenter.sh/nodepool": "gone"})
        )


def test_on_a_kubernetes_api_the_instances_kubelets_register_their_nodes(tmp_path: Path, clock, world):
    config = PlatformConfig(settings=parse_settings(SETTINGS))
    store = open_embedded_store(tmp_path / "home", clock, config)
    cloud = build_cloud(tmp_path / "home", config, clock, store, kubelets_register=True)
    assert isinstance(cloud, AwsEC2) and cloud.registers_nodes
