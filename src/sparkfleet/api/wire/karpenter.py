"""Karpenter's and its AWS provider's labels, annotations, taints and EC2 tags on nodes and claims."""

from __future__ import annotations

from enum import StrEnum

LABEL_NODEPOOL = "karpenter.sh/nodepool"
LABEL_CAPACITY_TYPE = "karpenter.sh/capacity-type"
LABEL_NODECLASS = "karpenter.k8s.aws/ec2nodeclass"
LABEL_INSTANCE_CATEGORY = "karpenter.k8s.aws/instance-category"
LABEL_INSTANCE_FAMILY = "karpenter.k8s.aws/instance-family"
LABEL_INSTANCE_GENERATION = "karpenter.k8s.aws/instance-generation"
LABEL_INSTANCE_SIZE = "karpenter.k8s.aws/instance-size"
LABEL_INSTANCE_CPU = "karpenter.k8s.aws/instance-cpu"
LABEL_INSTANCE_MEMORY = "karpenter.k8s.aws/instance-memory"
LABEL_INSTANCE_LOCAL_NVME = "karpenter.k8s.aws/instance-local-nvme"
LABEL_INSTANCE_HYPERVISOR = "karpenter.k8s.aws/instance-hypervisor"

ANNOTATION_DO_NOT_DISRUPT = "karpenter.sh/do-not-disrupt"
TAINT_DISRUPTED = "karpenter.sh/disrupted"
"""Put on a node chosen for disruption so nothing new lands on it."""
TAINT_UNREGISTERED = "karpenter.sh/unregistered"
"""The NoExecute taint a launched node's kubelet registers with, removed when its NodeClaim adopts it."""

TAG_NODECLAIM = "karpenter.sh/nodeclaim"
"""EC2 tag naming the claim an instance was launched for (with `LABEL_NODEPOOL` and `LABEL_NODECLASS`)."""
TAG_CLUSTER_PREFIX = "kubernetes.io/cluster/"
"""With the cluster's name appended, the EC2 tag (value `owned`) on every instance the cluster launched."""
TAG_LAUNCH_TEMPLATE_CLUSTER = "karpenter.k8s.aws/cluster"
"""EC2 tag naming the cluster on the launch templates the AWS provider made for it."""


class CapacityType(StrEnum):
    """The values of the `karpenter.sh/capacity-type` label."""

    SPOT = "spot"
    ON_DEMAND = "on-demand"
