"""Which `Cloud` adapter a cluster's settings name, and what the AWS adapter reads its EC2NodeClasses from."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from sparkfleet.api.cloudsettings import CloudProvider
from sparkfleet.api.ec2nodeclass import EC2NodeClass
from sparkfleet.api.karpenter import NodePool
from sparkfleet.api.wire import LABEL_NODEPOOL
from sparkfleet.clock import Clock
from sparkfleet.cloud import Cloud, CloudError, LaunchRequest, load_catalog
from sparkfleet.cloud.sim import SimulatedEC2
from sparkfleet.cluster import Cluster, NotFound
from sparkfleet.config import PlatformConfig

__all__ = ["CLOUD_FILE", "StoredNodeClasses", "build_cloud"]

CLOUD_FILE = "ec2.json"
"""The simulated EC2 region's instances, launches and due events, kept so that nodes outlive a restart."""


def build_cloud(
    home: Path, config: PlatformConfig, clock: Clock, store: Cluster, *, kubelets_register: bool = False
) -> Cloud:
    """The cloud `settings.yaml`'s `cloud.provider` names: the simulated EC2 of the scenario (the default,
    its state kept in `home`), or EC2 itself through the AWS adapter (its module and boto3 are imported
    only then). `kubelets_register`: `store` is a Kubernetes API the instances' kubelets join (EKS), so
    their Nodes are adopted rather than created."""
    settings = config.settings.cloud
    if settings.provider is CloudProvider.SIM:
        return SimulatedEC2(
            load_catalog(),
            config.scenario,
            clock,
            state_file=home / CLOUD_FILE,
            orphan_grace=timedelta(minutes=settings.orphanGraceMinutes),
        )
    from sparkfleet.cloud.aws import AwsEC2  # only here: boto3 comes with the aws extra

    return AwsEC2(
        settings, load_catalog(), clock, StoredNodeClasses(store), registers_nodes=kubelets_register
    )


class StoredNodeClasses:
    """The AWS adapter's EC2NodeClasses, read from the store: a launch's through its claim's NodePool."""

    def __init__(self, store: Cluster) -> None:
        self._store = store

    def for_launch(self, request: LaunchRequest) -> EC2NodeClass:
        pool_name = request.tags.get(LABEL_NODEPOOL, "")
        try:
            pool = NodePool.model_validate(self._store.get("NodePool", None, pool_name))
            name = pool.spec.template.spec.nodeClassRef.name
            return EC2NodeClass.model_validate(self._store.get("EC2NodeClass", None, name))
        except NotFound as exc:
            raise CloudError(f"NodeClaim {request.node_claim_name}: {exc}") from None

    def all(self) -> list[EC2NodeClass]:
        return [EC2NodeClass.model_validate(o) for o in self._store.list("EC2NodeClass").items]
