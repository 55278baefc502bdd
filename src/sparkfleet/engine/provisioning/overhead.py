"""What a node of an instance type offers pods, computed the way Karpenter's AWS provider does.

capacity
  cpu       vCPUs
  memory    memory minus the VM overhead (7.5%, rounded up to whole MiB; Graviton also loses 64 MiB of
            CMA reserve)
  pods      the node class's kubelet `maxPods`, else ENIs x (IPv4 per ENI - 1) + 2; capped by
            `podsPerCore` x vCPUs when set
  ephemeral-storage
            with `instanceStorePolicy: RAID0` and an instance store: the NVMe total (AWS's decimal GB),
            otherwise the root volume
allocatable = capacity - kube-reserved - system-reserved - eviction threshold
  kube-reserved cpu     6% of the first core, 1% of the second, 0.5% of cores 3-4, 0.25% of the rest
  kube-reserved memory  11 MiB x maxPods + 255 MiB
  kube-reserved storage 1 GiB
  eviction              memory.available 100 MiB, nodefs.available 10% (or the kubelet's settings)
The kubelet's `kubeReserved` replaces the computed reservation per resource; `systemReserved` adds.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from sparkfleet.api.ec2nodeclass import EC2NodeClass, InstanceStorePolicy, KubeletConfiguration
from sparkfleet.api.instancetypes import MIB, InstanceType
from sparkfleet.api.podrequests import resource_amount
from sparkfleet.api.quantity import memory_bytes
from sparkfleet.engine.provisioning.resources import Resources

GIB = 1024 * MIB
VM_MEMORY_OVERHEAD_PERCENT = 0.075
GRAVITON_CMA_RESERVED_MIB = 64
DEFAULT_MEMORY_EVICTION = 100 * MIB
DEFAULT_NODEFS_EVICTION_PERCENT = 10.0
KUBE_RESERVED_STORAGE = 1 * GIB
# (start, end, fraction) over millicores: Karpenter's kube-reserved cpu steps.
_CPU_STEPS = ((0, 1000, 0.06), (1000, 2000, 0.01), (2000, 4000, 0.005), (4000, 1 << 31, 0.0025))


def max_pods(instance_type: InstanceType, kubelet: KubeletConfiguration | None = None) -> int:
    count = instance_type.maxPods
    if kubelet is not None and kubelet.maxPods is not None:
        count = kubelet.maxPods
    if kubelet is not None and kubelet.podsPerCore:
        count = min(count, kubelet.podsPerCore * instance_type.vcpu)
    return count


def kube_reserved_cpu_millis(vcpu: int) -> int:
    millis = vcpu * 1000
    total = 0
    for start, end, fraction in _CPU_STEPS:
        if millis >= start:
            span = min(millis, end) - start
            total += int(span * fraction)
    return total


def kube_reserved_memory_bytes(pods: int) -> int:
    return (11 * pods + 255) * MIB


def vm_memory_bytes(instance_type: InstanceType) -> int:
    """The memory a node reports: the type's memory less the VM overhead (and Graviton's CMA reserve)."""
    mib = instance_type.memoryMib
    if instance_type.arch == "arm64":
        mib -= GRAVITON_CMA_RESERVED_MIB
    return (mib - math.ceil(mib * VM_MEMORY_OVERHEAD_PERCENT)) * MIB


def uses_raid0(node_class: EC2NodeClass | None, instance_type: InstanceType) -> bool:
    return (
        node_class is not None
        and node_class.spec.instanceStorePolicy == InstanceStorePolicy.RAID0
        and instance_type.localNvmeGb > 0
    )


def ephemeral_storage_bytes(instance_type: InstanceType, node_class: EC2NodeClass | None) -> int:
    """Node ephemeral storage: the RAID0 instance store when the node class asks for it, else the root
    volume (Karpenter's 20Gi default without a node class)."""
    if uses_raid0(node_class, instance_type):
        return instance_type.localNvmeBytes
    if node_class is None:
        return 20 * GIB
    return node_class.spec.root_volume_bytes()


def _threshold(value: str, capacity: int) -> int:
    if value.endswith("%"):
        return math.ceil(capacity * float(value[:-1]) / 100)
    return memory_bytes(value)


@dataclass(frozen=True, slots=True)
class NodeResources:
    capacity: Resources
    allocatable: Resources
    overhead: Resources
    """kube-reserved + system-reserved + eviction thresholds: capacity minus allocatable."""


def node_resources(instance_type: InstanceType, node_class: EC2NodeClass | None) -> NodeResources:
    kubelet = node_class.spec.kubelet if node_class is not None else None
    pods = max_pods(instance_type, kubelet)
    memory = vm_memory_bytes(instance_type)
    storage = ephemeral_storage_bytes(instance_type, node_class)
    capacity = Resources(instance_type.cpuMillis, memory, storage, pods)

    kube = {
        "cpu": kube_reserved_cpu_millis(instance_type.vcpu),
        "memory": kube_reserved_memory_bytes(pods),
        "ephemeral-storage": KUBE_RESERVED_STORAGE,
    }
    system = {"cpu": 0, "memory": 0, "ephemeral-storage": 0}
    memory_eviction = DEFAULT_MEMORY_EVICTION
    storage_eviction = math.ceil(storage * DEFAULT_NODEFS_EVICTION_PERCENT / 100)
    if kubelet is not None:
        for name, value in kubelet.kubeReserved.items():
            if name in kube:
                kube[name] = resource_amount(name, value)
        for name, value in kubelet.systemReserved.items():
            if name in system:
                system[name] = resource_amount(name, value)
        # Karpenter reserves the larger of the hard and soft thresholds.
        signals = [kubelet.evictionHard, kubelet.evictionSoft]
        memory_values = [
            _threshold(s["memory.available"], memory) for s in signals if "memory.available" in s
        ]
        storage_values = [
            _threshold(s["nodefs.available"], storage) for s in signals if "nodefs.available" in s
        ]
        if memory_values:
            memory_eviction = max(memory_values)
        if storage_values:
            storage_eviction = max(storage_values)
    overhead = Resources(
        kube["cpu"] + system["cpu"],
        kube["memory"] + system["memory"] + memory_eviction,
        kube["ephemeral-storage"] + system["ephemeral-storage"] + storage_eviction,
        0,
    )
    left = capacity - overhead
    allocatable = Resources(max(left.cpu, 0), max(left.memory, 0), max(left.ephemeral_storage, 0), pods)
    return NodeResources(capacity, allocatable, overhead)
