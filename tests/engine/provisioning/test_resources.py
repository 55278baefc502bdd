"""Pod requests as Kubernetes computes them: containers summed, init containers, overhead, limits."""

from __future__ import annotations

from sparkfleet.api.pod import Container, PodSpec, ResourceRequirements
from sparkfleet.engine.provisioning.resources import Resources, pod_requests

from .builders import GI, MI


def _container(name: str, requests: dict[str, str], limits: dict[str, str] | None = None) -> Container:
    return Container(name=name, resources=ResourceRequirements(requests=requests, limits=limits or {}))


def test_containers_are_summed_and_the_largest_init_container_is_a_floor() -> None:
    spec = PodSpec(
        containers=[
            _container("spark", {"cpu": "2", "memory": "4Gi"}),
            _container("sidecar", {"cpu": "100m"}),
        ],
        initContainers=[_container("init", {"cpu": "4", "memory": "1Gi"})],
        overhead={"memory": "64Mi"},
    )
    assert pod_requests(spec) == Resources(4000, 4 * GI + 64 * MI, 0, 1)


def test_a_container_with_only_limits_requests_its_limits() -> None:
    spec = PodSpec(
        containers=[_container("spark", {}, {"cpu": "1", "memory": "2Gi", "ephemeral-storage": "10Gi"})]
    )
    assert pod_requests(spec) == Resources(1000, 2 * GI, 10 * GI, 1)


def test_resources_print_as_quantities() -> None:
    assert Resources(1500, 4 * GI, 0, 1).describe() == "cpu=1500m memory=4Gi"
    assert Resources(2000, 0, 0, 0).as_quantities() == {"cpu": "2"}
