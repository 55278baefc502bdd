"""Allocatable as Karpenter's AWS provider computes it: VM overhead, kube-reserved, eviction, max pods."""

from __future__ import annotations

import pytest

from sparkfleet.api.blueprint import SPARK_MEMORY_OPTIMIZED, SPARK_VERTICAL_EBS_SCALE, blueprint_ec2nodeclass
from sparkfleet.api.ec2nodeclass import KubeletConfiguration
from sparkfleet.engine.provisioning.overhead import (
    ephemeral_storage_bytes,
    kube_reserved_cpu_millis,
    kube_reserved_memory_bytes,
    max_pods,
    node_resources,
    vm_memory_bytes,
)

from .builders import GI, MI, instance_type, node_class


@pytest.mark.parametrize(("vcpu", "millis"), [(1, 60), (2, 70), (4, 80), (16, 110), (96, 310)])
def test_kube_reserved_cpu_steps_down_per_core(vcpu: int, millis: int) -> None:
    assert kube_reserved_cpu_millis(vcpu) == millis


def test_max_pods_is_eni_limited_unless_the_kubelet_says_otherwise() -> None:
    r5d = instance_type("r5d.4xlarge")
    assert max_pods(r5d) == 8 * (30 - 1) + 2 == 234
    assert max_pods(r5d, KubeletConfiguration(maxPods=110)) == 110
    assert max_pods(r5d, KubeletConfiguration(podsPerCore=4)) == 64


def test_r5d_4xlarge_allocatable_after_vm_overhead_kube_reserved_and_eviction() -> None:
    res = node_resources(instance_type("r5d.4xlarge"), blueprint_ec2nodeclass(SPARK_MEMORY_OPTIMIZED))
    vm = (131072 - 9831) * MI  # 7.5% of 128 GiB, rounded up to whole MiB
    assert res.capacity.memory == vm_memory_bytes(instance_type("r5d.4xlarge")) == vm
    assert res.allocatable.memory == vm - kube_reserved_memory_bytes(234) - 100 * MI == 118312 * MI
    assert res.allocatable.cpu == 16000 - 110
    assert res.allocatable.pods == 234


def test_graviton_also_loses_its_cma_reserve() -> None:
    assert vm_memory_bytes(instance_type("r6g.4xlarge")) == (131008 - 9826) * MI


def test_raid0_makes_the_nvme_total_the_ephemeral_storage_in_decimal_gigabytes() -> None:
    r5d = instance_type("r5d.4xlarge")
    assert ephemeral_storage_bytes(r5d, blueprint_ec2nodeclass(SPARK_MEMORY_OPTIMIZED)) == 600 * 10**9
    res = node_resources(r5d, blueprint_ec2nodeclass(SPARK_MEMORY_OPTIMIZED))
    assert res.allocatable.ephemeral_storage == 600 * 10**9 - GI - 60 * 10**9


def test_without_raid0_the_root_volume_is_the_ephemeral_storage() -> None:
    vertical = blueprint_ec2nodeclass(SPARK_VERTICAL_EBS_SCALE)
    assert ephemeral_storage_bytes(instance_type("r5d.4xlarge"), vertical) == 100 * GI
    assert ephemeral_storage_bytes(instance_type("m5.4xlarge"), node_class(raid0=True)) == 20 * GI


def test_kubelet_reservations_replace_and_add() -> None:
    kubelet = KubeletConfiguration(
        kubeReserved={"cpu": "500m", "memory": "1Gi"},
        systemReserved={"memory": "512Mi"},
        evictionHard={"memory.available": "5%"},
    )
    it = instance_type("m5.4xlarge")
    res = node_resources(it, node_class(kubelet=kubelet))
    vm = vm_memory_bytes(it)
    assert res.allocatable.cpu == 16000 - 500
    assert res.allocatable.memory == vm - GI - 512 * MI - -(-vm * 5 // 100)
