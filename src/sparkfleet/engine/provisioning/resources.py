"""The four resources node provisioning reasons about, as exact integers.

cpu in millicores, memory and ephemeral storage in bytes, pods as a count. A pod's requests are the
api's one rule (`sparkfleet.api.podrequests`) narrowed to these four, plus the pod's slot.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from sparkfleet.api.pod import PodSpec
from sparkfleet.api.podrequests import pod_requests as pod_requests_of
from sparkfleet.api.podrequests import resource_amounts
from sparkfleet.api.quantity import format_bytes, format_cpu

CPU = "cpu"
MEMORY = "memory"
EPHEMERAL_STORAGE = "ephemeral-storage"
PODS = "pods"
NAMES = (CPU, MEMORY, EPHEMERAL_STORAGE, PODS)

Vector = npt.NDArray[np.int64]


@dataclass(frozen=True, slots=True)
class Resources:
    """An amount of cpu (millicores), memory (bytes), ephemeral storage (bytes) and pods."""

    cpu: int = 0
    memory: int = 0
    ephemeral_storage: int = 0
    pods: int = 0

    def __add__(self, other: Resources) -> Resources:
        return Resources(
            self.cpu + other.cpu,
            self.memory + other.memory,
            self.ephemeral_storage + other.ephemeral_storage,
            self.pods + other.pods,
        )

    def __sub__(self, other: Resources) -> Resources:
        return Resources(
            self.cpu - other.cpu,
            self.memory - other.memory,
            self.ephemeral_storage - other.ephemeral_storage,
            self.pods - other.pods,
        )

    def times(self, n: int) -> Resources:
        return Resources(self.cpu * n, self.memory * n, self.ephemeral_storage * n, self.pods * n)

    def fits_in(self, other: Resources) -> bool:
        return (
            self.cpu <= other.cpu
            and self.memory <= other.memory
            and self.ephemeral_storage <= other.ephemeral_storage
            and self.pods <= other.pods
        )

    def vector(self) -> Vector:
        return np.array([self.cpu, self.memory, self.ephemeral_storage, self.pods], dtype=np.int64)

    @staticmethod
    def from_vector(v: Vector) -> Resources:
        return Resources(int(v[0]), int(v[1]), int(v[2]), int(v[3]))

    def as_dict(self) -> dict[str, int]:
        return {
            CPU: self.cpu,
            MEMORY: self.memory,
            EPHEMERAL_STORAGE: self.ephemeral_storage,
            PODS: self.pods,
        }

    def as_quantities(self) -> dict[str, str]:
        """Kubernetes quantity strings (`4`, `1500m`, `16Gi`), zero amounts left out."""
        out: dict[str, str] = {}
        if self.cpu:
            out[CPU] = format_cpu(self.cpu)
        if self.memory:
            out[MEMORY] = format_bytes(self.memory)
        if self.ephemeral_storage:
            out[EPHEMERAL_STORAGE] = format_bytes(self.ephemeral_storage)
        if self.pods:
            out[PODS] = str(self.pods)
        return out

    def describe(self) -> str:
        """`cpu=4 memory=16Gi` for messages (pods and zero amounts left out)."""
        parts = [f"{k}={v}" for k, v in self.as_quantities().items() if k != PODS]
        return " ".join(parts) or "nothing"


def resources_from_list(values: Mapping[str, str | int | float]) -> Resources:
    """A Kubernetes resource list (`{cpu: "2", memory: 8Gi}`) as Resources; other names are ignored."""
    return _narrow(resource_amounts({k: v for k, v in values.items() if k in NAMES}))


def pod_requests(spec: PodSpec) -> Resources:
    """What a pod asks a node for: its effective request and one pod slot."""
    return _narrow({**pod_requests_of(spec), PODS: 1})


def _narrow(amounts: Mapping[str, int]) -> Resources:
    return Resources(
        amounts.get(CPU, 0), amounts.get(MEMORY, 0), amounts.get(EPHEMERAL_STORAGE, 0), amounts.get(PODS, 0)
    )
