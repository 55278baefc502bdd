"""A pod's effective request: the one rule submission, scheduling and provisioning all size pods by.

As Kubernetes computes it (component-helpers `resource.PodRequests`, 1.29+), per resource name:
- the regular containers' requests are summed;
- a sidecar (an init container with `restartPolicy: Always`) keeps running, so it adds to that sum;
- any other init container runs alone beside the sidecars declared before it, so the pod needs at least
  its request plus theirs: the sum is raised to the largest of these;
- `spec.overhead` (the RuntimeClass's cost of running the pod) is added last.
A container that sets a limit but no request for a resource requests its limit (the API server defaults
it so). Amounts are integers: cpu in millicores, every other resource (bytes, counts) rounded up. The pod
slot itself is not a request; engines that count pods add it.

The spec may be the `PodSpec` model or the dict the store holds; the hot paths read dicts.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from functools import lru_cache
from typing import Any

from sparkfleet.api.pod import Container, PodSpec
from sparkfleet.api.quantity import cpu_millis, memory_bytes

CPU = "cpu"
SIDECAR = "Always"
"""The restartPolicy that makes an init container a sidecar."""

Amounts = dict[str, int]
"""Resource name -> integer amount (cpu millicores, else bytes or a count)."""

_Quantities = Mapping[str, str | int | float]


@lru_cache(maxsize=4096)
def resource_amount(name: str, value: str | int | float) -> int:
    """One Kubernetes quantity for resource `name` as an integer: cpu in millicores, else rounded up."""
    return cpu_millis(value) if name == CPU else memory_bytes(value)


def resource_amounts(values: _Quantities) -> Amounts:
    """A Kubernetes resource list (`{cpu: 500m, memory: 2Gi}`) as integer amounts."""
    return {name: resource_amount(name, value) for name, value in values.items()}


def container_requests(requests: _Quantities, limits: _Quantities | None) -> Amounts:
    """A container's requests, its limits standing in for the resources it requests nothing of."""
    merged = {**limits, **requests} if limits else requests
    return {name: resource_amount(name, value) for name, value in merged.items()}


def pod_requests(spec: PodSpec | Mapping[str, Any]) -> Amounts:
    """The effective request of a pod with this spec (see the module docstring for the rule)."""
    total: Amounts = {}
    if isinstance(spec, PodSpec):
        for container in spec.containers:
            _add(total, _model_container(container))
        if spec.initContainers or spec.overhead:
            inits = [(_model_container(c), c.restartPolicy == SIDECAR) for c in spec.initContainers]
            _add_init_containers_and_overhead(total, inits, spec.overhead)
        return total
    for container in spec.get("containers") or ():
        for name, amount in _dict_container(container).items():  # _add inlined: the hot path
            total[name] = total.get(name, 0) + amount
    raw_inits, overhead = spec.get("initContainers"), spec.get("overhead")
    if raw_inits or overhead:
        inits = [(_dict_container(c), c.get("restartPolicy") == SIDECAR) for c in raw_inits or ()]
        _add_init_containers_and_overhead(total, inits, overhead)
    return total


def _add_init_containers_and_overhead(
    total: Amounts, init_containers: Iterable[tuple[Amounts, bool]], overhead: _Quantities | None
) -> None:
    """Raise the containers' sum `total` for the init containers (each with whether it is a sidecar),
    then add the overhead."""
    sidecars: Amounts = {}
    floor: Amounts = {}
    for requests, sidecar in init_containers:
        if sidecar:
            _add(total, requests)
            _add(sidecars, requests)
            alongside = sidecars
        else:
            alongside = dict(sidecars)
            _add(alongside, requests)
        for name, amount in alongside.items():
            if amount > floor.get(name, 0):
                floor[name] = amount
    for name, amount in floor.items():
        if amount > total.get(name, 0):
            total[name] = amount
    if overhead:
        _add(total, resource_amounts(overhead))


def _add(into: Amounts, amounts: Mapping[str, int]) -> None:
    for name, amount in amounts.items():
        into[name] = into.get(name, 0) + amount


def _model_container(container: Container) -> Amounts:
    res = container.resources
    return container_requests(res.requests, res.limits) if res is not None else {}


def _dict_container(container: Mapping[str, Any]) -> Amounts:
    res = container.get("resources")
    return container_requests(res.get("requests") or {}, res.get("limits")) if res else {}
