"""The node a claim becomes: labels, taints, capacity and the scratch space of the blueprint's pools."""

from __future__ import annotations

from sparkfleet.api.blueprint import (
    SPARK_MEMORY_OPTIMIZED,
    SPARK_VERTICAL_EBS_SCALE,
    blueprint_ec2nodeclass,
    spark_compute_optimized,
    spark_memory_optimized,
    spark_vertical_ebs_scale,
)
from sparkfleet.api.wire import CapacityType, MountSource, ScratchMount
from sparkfleet.engine.provisioning.nodefacts import instance_labels, node_facts

from .builders import GI, instance_type


def test_r5d_4xlarge_in_the_memory_pool_has_600_gb_of_raid0_nvme_as_ephemeral_storage() -> None:
    facts = node_facts(
        spark_memory_optimized(),
        blueprint_ec2nodeclass(SPARK_MEMORY_OPTIMIZED),
        instance_type("r5d.4xlarge"),
        "us-east-1a",
        CapacityType.SPOT,
    )
    assert facts.capacity.ephemeral_storage == 600 * 10**9
    assert facts.mounts == (ScratchMount("/mnt/k8s-disks/0", 600 * 10**9, MountSource.NVME_RAID0),)


def test_vertical_ebs_m5_4xlarge_gets_a_160_gib_volume_at_mnt_k8s_disks() -> None:
    facts = node_facts(
        spark_vertical_ebs_scale(),
        blueprint_ec2nodeclass(SPARK_VERTICAL_EBS_SCALE),
        instance_type("m5.4xlarge"),
        "us-east-1b",
        CapacityType.ON_DEMAND,
    )
    assert facts.mounts == (ScratchMount("/mnt/k8s-disks", 160 * GI, MountSource.EBS),)
    assert facts.capacity.ephemeral_storage == 100 * GI  # kubelet stays on the 100Gi root volume


def test_vertical_ebs_types_with_an_instance_store_use_it_instead_of_a_volume() -> None:
    facts = node_facts(
        spark_vertical_ebs_scale(),
        blueprint_ec2nodeclass(SPARK_VERTICAL_EBS_SCALE),
        instance_type("r5d.4xlarge"),
        "us-east-1b",
        CapacityType.SPOT,
    )
    assert facts.mounts == (ScratchMount("/mnt/k8s-disks", 600 * 10**9, MountSource.INSTANCE_STORE),)


def test_node_labels_carry_pool_template_offering_and_type_labels() -> None:
    facts = node_facts(
        spark_compute_optimized(), None, instance_type("c5d.9xlarge"), "us-east-1c", CapacityType.ON_DEMAND
    )
    labels = facts.labels
    assert labels["karpenter.sh/nodepool"] == "spark-compute-optimized"
    assert labels["NodeGroupType"] == "SparkComputeOptimized"
    assert labels["multiArch"] == "Spark"
    assert labels["karpenter.sh/capacity-type"] == "on-demand"
    assert labels["topology.kubernetes.io/zone"] == "us-east-1c"
    assert labels["topology.kubernetes.io/region"] == "us-east-1"
    assert labels["node.kubernetes.io/instance-type"] == "c5d.9xlarge"
    assert labels["karpenter.k8s.aws/instance-cpu"] == "36"
    assert labels["karpenter.k8s.aws/instance-hypervisor"] == "nitro"


def test_hypervisor_is_xen_for_fourth_generation_and_absent_on_metal() -> None:
    assert instance_labels(instance_type("m4.4xlarge"))["karpenter.k8s.aws/instance-hypervisor"] == "xen"
    assert "karpenter.k8s.aws/instance-hypervisor" not in instance_labels(instance_type("m5.metal"))


def test_dedicated_taints_come_with_the_node() -> None:
    facts = node_facts(
        spark_compute_optimized(dedicated_taint=True),
        None,
        instance_type("c5d.4xlarge"),
        "us-east-1a",
        CapacityType.SPOT,
    )
    assert [(t.key, str(t.effect)) for t in facts.taints] == [("spark-compute-optimized", "NoSchedule")]
