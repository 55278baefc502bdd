"""The blueprint's default config: its NodePools, EC2NodeClasses and queues, valid and as shipped in YAML."""

from pathlib import Path

import pytest

from sparkfleet.api.blueprint import (
    NODEPOOL_NAMES,
    SPARK_VERTICAL_EBS_SCALE,
    blueprint_ec2nodeclass,
    blueprint_ec2nodeclasses,
    blueprint_nodepools,
    blueprint_queues,
    manifests_yaml,
    spark_memory_optimized,
)
from sparkfleet.api.ec2nodeclass import AMIFamily, EC2NodeClass, InstanceStorePolicy, validate_ec2nodeclass
from sparkfleet.api.karpenter import ConsolidationPolicy, NodePool, order_by_weight, validate_nodepool
from sparkfleet.api.placement import TaintEffect, Toleration, TolerationOperator
from sparkfleet.api.resources import yunikorn_resources
from sparkfleet.api.yamlio import load_all
from sparkfleet.api.yunikorn import NodeSortPolicyType, parse_acl, parse_queues_yaml, validate_queues

CONFIG_DIR = Path(__file__).resolve().parents[2] / "examples" / "config"


def pools_by_name() -> dict[str, NodePool]:
    return {pool.name: pool for pool in blueprint_nodepools()}


def requirement_values(pool: NodePool, key: str) -> list[str]:
    return next(r.values for r in pool.spec.template.spec.requirements if r.key == key)


def test_the_four_pools_validate_with_the_blueprints_weights_limits_and_disruption() -> None:
    pools = pools_by_name()
    assert list(pools) == list(NODEPOOL_NAMES)
    assert {name: pool.spec.weight for name, pool in pools.items()} == {
        "spark-compute-optimized": 100,
        "spark-graviton-memory-optimized": 100,
        "spark-memory-optimized": 50,
        "spark-vertical-ebs-scale": 100,
    }
    for pool in pools.values():
        assert validate_nodepool(pool) == []
        assert pool.spec.limits == {"cpu": 1000, "memory": "1000Gi"}
        assert pool.spec.disruption.consolidationPolicy == ConsolidationPolicy.WHEN_EMPTY_OR_UNDERUTILIZED
        assert pool.consolidate_after_seconds() == 60
        assert pool.expire_after_seconds() == 720 * 3600
        assert [b.nodes for b in pool.spec.disruption.budgets] == ["10%"]
        assert requirement_values(pool, "karpenter.sh/capacity-type") == ["spot", "on-demand"]
        assert pool.spec.template.spec.nodeClassRef.name == pool.name


def test_each_pool_selects_the_blueprints_instances() -> None:
    pools = pools_by_name()
    compute = pools["spark-compute-optimized"]
    assert requirement_values(compute, "karpenter.k8s.aws/instance-family") == ["c5d"]
    assert requirement_values(compute, "karpenter.k8s.aws/instance-size") == [
        "4xlarge",
        "9xlarge",
        "12xlarge",
        "18xlarge",
        "24xlarge",
    ]
    assert requirement_values(compute, "karpenter.k8s.aws/instance-generation") == ["2"]
    graviton = pools["spark-graviton-memory-optimized"]
    assert requirement_values(graviton, "kubernetes.io/arch") == ["arm64"]
    assert requirement_values(graviton, "karpenter.k8s.aws/instance-family") == [
        "r6g",
        "r6gd",
        "r7g",
        "r7gd",
        "r8g",
    ]
    memory = pools["spark-memory-optimized"]
    assert requirement_values(memory, "karpenter.k8s.aws/instance-cpu") == ["4", "8", "16", "32"]
    vertical = pools[SPARK_VERTICAL_EBS_SCALE]
    assert len(requirement_values(vertical, "karpenter.k8s.aws/instance-family")) == 16


def test_pools_carry_the_labels_jobs_select_and_the_memory_pool_is_multi_arch() -> None:
    labels = {name: pool.spec.template.metadata.labels for name, pool in pools_by_name().items()}
    assert labels["spark-compute-optimized"]["NodeGroupType"] == "SparkComputeOptimized"
    assert labels["spark-graviton-memory-optimized"]["NodeGroupType"] == "SparkGravitonMemoryOptimized"
    assert labels["spark-memory-optimized"]["NodeGroupType"] == "SparkMemoryOptimized"
    assert labels[SPARK_VERTICAL_EBS_SCALE]["provisioner"] == SPARK_VERTICAL_EBS_SCALE
    multi_arch = sorted(
        name for name, pool_labels in labels.items() if pool_labels.get("multiArch") == "Spark"
    )
    assert multi_arch == [
        "spark-compute-optimized",
        "spark-graviton-memory-optimized",
        "spark-memory-optimized",
    ]
    assert all(pool_labels["NodePool"] == name for name, pool_labels in labels.items())


def test_graviton_is_tried_before_the_intel_memory_pool() -> None:
    order = [pool.name for pool in order_by_weight(blueprint_nodepools())]
    assert order.index("spark-graviton-memory-optimized") < order.index("spark-memory-optimized")
    assert order[-1] == "spark-memory-optimized"


def test_pools_are_untainted_so_jobs_without_tolerations_still_land() -> None:
    assert all(not pool.spec.template.spec.taints for pool in blueprint_nodepools())


def test_dedicated_taints_are_the_ones_the_blueprints_tolerations_name() -> None:
    pool = spark_memory_optimized(dedicated_taint=True)
    (taint,) = pool.spec.template.spec.taints
    toleration = Toleration(
        key="spark-memory-optimized", operator=TolerationOperator.EXISTS, effect=TaintEffect.NO_SCHEDULE
    )
    assert toleration.tolerates(taint)
    assert all(validate_nodepool(p) == [] for p in blueprint_nodepools(dedicated_taints=True))


def test_node_classes_use_al2023_raid0_and_the_blueprints_root_volumes() -> None:
    classes = {nc.name: nc for nc in blueprint_ec2nodeclasses()}
    assert list(classes) == list(NODEPOOL_NAMES)
    for name, node_class in classes.items():
        spec = node_class.spec
        assert validate_ec2nodeclass(node_class) == []
        assert spec.resolved_ami_family() == AMIFamily.AL2023
        assert [t.alias for t in spec.amiSelectorTerms] == ["al2023@latest"]
        root = spec.root_volume()
        assert root is not None and root.ebs is not None and root.ebs.encrypted
        expected_gib = 200 if name == "spark-graviton-memory-optimized" else 100
        assert spec.root_volume_bytes() == expected_gib * 2**30
        if name == SPARK_VERTICAL_EBS_SCALE:
            assert spec.instanceStorePolicy is None
            assert spec.userData is not None and "/mnt/k8s-disks" in spec.userData
        else:
            assert spec.instanceStorePolicy == InstanceStorePolicy.RAID0
            assert spec.userData is None


def test_node_classes_follow_the_cluster_name() -> None:
    node_class = blueprint_ec2nodeclass("spark-compute-optimized", cluster_name="analytics", role="NodeRole")
    assert node_class.spec.role == "NodeRole"
    assert node_class.spec.subnetSelectorTerms[0].tags == {"Name": "analytics-private-secondary*"}
    assert node_class.spec.securityGroupSelectorTerms[0].tags == {"Name": "analytics-node"}
    with pytest.raises(ValueError, match="not a blueprint NodePool"):
        blueprint_ec2nodeclass("spark-gpu")


def test_the_queues_are_the_blueprints() -> None:
    config = blueprint_queues()
    assert validate_queues(config) == []
    (partition,) = config.partitions
    assert partition.name == "default"
    assert (
        partition.nodesortpolicy is not None
        and partition.nodesortpolicy.type == NodeSortPolicyType.BINPACKING
    )
    assert partition.placementrules == []
    (root,) = partition.queues
    assert root.name == "root" and parse_acl(root.submitacl).allows("anyone")
    table = {
        q.name: (yunikorn_resources(q.resources.guaranteed or {}), yunikorn_resources(q.resources.max or {}))
        for q in root.queues
        if q.resources is not None
    }
    g = 10**9
    assert table == {
        "default": ({"memory": 1000 * g, "vcore": 1_000_000}, {"memory": 1000 * g, "vcore": 1_000_000}),
        "prod": ({"memory": 500 * g, "vcore": 50_000}, {"memory": 800 * g, "vcore": 300_000}),
        "test": ({"memory": 100 * g, "vcore": 10_000}, {"memory": 800 * g, "vcore": 50_000}),
        "dev": ({"memory": 100 * g, "vcore": 10_000}, {"memory": 100 * g, "vcore": 10_000}),
    }


def test_the_shipped_nodepools_yaml_is_what_the_builders_return() -> None:
    docs = load_all((CONFIG_DIR / "nodepools.yaml").read_text())
    assert [NodePool.model_validate(doc) for doc in docs] == blueprint_nodepools()


def test_the_shipped_ec2nodeclasses_yaml_is_what_the_builders_return() -> None:
    docs = load_all((CONFIG_DIR / "ec2nodeclasses.yaml").read_text())
    assert [EC2NodeClass.model_validate(doc) for doc in docs] == blueprint_ec2nodeclasses()


def test_the_shipped_queues_yaml_is_what_the_builder_returns() -> None:
    assert parse_queues_yaml((CONFIG_DIR / "queues.yaml").read_text()) == blueprint_queues()


def test_builders_dump_to_yaml_that_parses_back_to_them() -> None:
    pools = blueprint_nodepools(dedicated_taints=True)
    assert [NodePool.model_validate(doc) for doc in load_all(manifests_yaml(pools))] == pools
