"""The runtime port: how a kubelet runs a pod's container as a process (adapters in subpackages)."""

from sparkfleet.runtime.port import (
    ContainerResult,
    ContainerState,
    PodRef,
    ProcessPlan,
    Runtime,
    StartError,
)

__all__ = ["ContainerResult", "ContainerState", "PodRef", "ProcessPlan", "Runtime", "StartError"]
