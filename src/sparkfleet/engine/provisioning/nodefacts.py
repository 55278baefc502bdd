"""The node a NodeClaim becomes: its labels, taints, capacity, allocatable and scratch-space mounts.

Labels: the instance type's well-known labels (plus `instance-hypervisor`, derived: `xen` for the 4th
generation families, none for metal, `nitro` otherwise), zone, region and capacity type of the offering,
`karpenter.sh/nodepool`, `karpenter.k8s.aws/ec2nodeclass`, the NodePool's template labels, and every
custom label the requirements pin to one value.

Scratch space (`spark.local.dir`):
- `instanceStorePolicy: RAID0`: the NVMe disks form one array at `/mnt/k8s-disks/0`, which also holds the
  kubelet's state, so the node's ephemeral storage is the NVMe total.
- a node class whose user data mounts `/mnt/k8s-disks` (the blueprint's spark-vertical-ebs-scale boot
  script): the instance store there when the type has one, else a gp3 volume of 10 GiB per vCPU.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from sparkfleet.api.ec2nodeclass import EC2NodeClass
from sparkfleet.api.instancetypes import InstanceType
from sparkfleet.api.karpenter import WELL_KNOWN_LABELS, NodePool
from sparkfleet.api.placement import Taint
from sparkfleet.api.wire import (
    K8S_DISKS,
    LABEL_CAPACITY_TYPE,
    LABEL_INSTANCE_HYPERVISOR,
    LABEL_NODECLASS,
    LABEL_NODEPOOL,
    LABEL_REGION,
    LABEL_ZONE,
    RAID0_MOUNT,
    CapacityType,
    MountSource,
    ScratchMount,
)
from sparkfleet.engine.provisioning.overhead import GIB, node_resources, uses_raid0
from sparkfleet.engine.provisioning.requirements import Requirements
from sparkfleet.engine.provisioning.resources import Resources

EBS_GIB_PER_VCPU = 10


def instance_labels(instance_type: InstanceType) -> dict[str, str]:
    """The type's well-known labels, with the hypervisor label Karpenter also sets."""
    labels = instance_type.labels
    if "metal" not in instance_type.size:
        labels[LABEL_INSTANCE_HYPERVISOR] = "xen" if instance_type.generation <= 4 else "nitro"
    return labels


def region_of(zone: str) -> str:
    """`us-east-1a` -> `us-east-1`."""
    return zone[:-1] if zone and zone[-1].isalpha() else zone


def mounts_scratch_disks(node_class: EC2NodeClass | None) -> bool:
    """Whether the node class's boot script mounts its own scratch space at /mnt/k8s-disks."""
    return (
        node_class is not None
        and node_class.spec.instanceStorePolicy is None
        and (K8S_DISKS in (node_class.spec.userData or ""))
    )


def scratch_mounts(instance_type: InstanceType, node_class: EC2NodeClass | None) -> tuple[ScratchMount, ...]:
    if uses_raid0(node_class, instance_type):
        return (ScratchMount(RAID0_MOUNT, instance_type.localNvmeBytes, MountSource.NVME_RAID0),)
    if mounts_scratch_disks(node_class):
        if instance_type.localNvmeGb > 0:
            return (ScratchMount(K8S_DISKS, instance_type.localNvmeBytes, MountSource.INSTANCE_STORE),)
        return (ScratchMount(K8S_DISKS, EBS_GIB_PER_VCPU * instance_type.vcpu * GIB, MountSource.EBS),)
    return ()


def node_labels(
    pool: NodePool,
    instance_type: InstanceType,
    zone: str,
    capacity_type: CapacityType,
    requirements: Requirements | None = None,
) -> dict[str, str]:
    labels = instance_labels(instance_type)
    labels[LABEL_ZONE] = zone
    labels[LABEL_REGION] = region_of(zone)
    labels[LABEL_CAPACITY_TYPE] = str(capacity_type)
    labels[LABEL_NODEPOOL] = pool.name
    labels[LABEL_NODECLASS] = pool.spec.template.spec.nodeClassRef.name
    # the claim's requirements already hold the pool's; without them, the pool's own
    reqs = requirements or Requirements.from_requirements(pool.spec.template.spec.requirements)
    for key, value_set in reqs:
        value = value_set.single_value()
        if value is not None and key not in WELL_KNOWN_LABELS:
            labels[key] = value
    labels.update(pool.spec.template.metadata.labels)
    return labels


@dataclass(frozen=True)
class NodeFacts:
    node_pool: str
    instance_type: str
    zone: str
    capacity_type: CapacityType
    labels: Mapping[str, str]
    taints: tuple[Taint, ...]
    startup_taints: tuple[Taint, ...]
    capacity: Resources
    allocatable: Resources
    mounts: tuple[ScratchMount, ...] = field(default=())


def node_facts(
    pool: NodePool,
    node_class: EC2NodeClass | None,
    instance_type: InstanceType,
    zone: str,
    capacity_type: CapacityType,
    requirements: Requirements | None = None,
) -> NodeFacts:
    """The node Karpenter would register for this pool, type and offering; `requirements` are the
    claim's (the pool's and its pods'), which can pin further labels."""
    resources = node_resources(instance_type, node_class)
    return NodeFacts(
        node_pool=pool.name,
        instance_type=instance_type.name,
        zone=zone,
        capacity_type=capacity_type,
        labels=node_labels(pool, instance_type, zone, capacity_type, requirements),
        taints=tuple(pool.spec.template.spec.taints),
        startup_taints=tuple(pool.spec.template.spec.startupTaints),
        capacity=resources.capacity,
        allocatable=resources.allocatable,
        mounts=scratch_mounts(instance_type, node_class),
    )
