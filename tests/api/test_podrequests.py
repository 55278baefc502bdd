"""A pod's effective request follows Kubernetes' resource helpers, read from a dict or a PodSpec alike."""

from __future__ import annotations

from typing import Any

import pytest

from sparkfleet.api.pod import PodSpec
from sparkfleet.api.podrequests import pod_requests, resource_amount

GI = 2**30
MI = 2**20


def _c(
    name: str, requests: dict[str, Any] | None = None, limits: dict[str, Any] | None = None
) -> dict[str, Any]:
    return {"name": name, "resources": {"requests": requests or {}, "limits": limits or {}}}


def _sidecar(name: str, requests: dict[str, Any]) -> dict[str, Any]:
    return {**_c(name, requests), "restartPolicy": "Always"}


CASES: list[tuple[str, dict[str, Any], dict[str, int]]] = [
    ("no containers ask for nothing", {}, {}),
    (
        "containers are summed",
        {"containers": [_c("spark", {"cpu": "2", "memory": "4Gi"}), _c("log", {"cpu": "100m"})]},
        {"cpu": 2100, "memory": 4 * GI},
    ),
    (
        "a limit stands in for a missing request, per resource",
        {
            "containers": [
                _c("a", {"cpu": "500m"}, {"cpu": "1", "memory": "2Gi"}),
                _c("b", None, {"memory": "1Gi"}),
            ]
        },
        {"cpu": 500, "memory": 3 * GI},
    ),
    (
        "the largest init container is a floor under the sum",
        {
            "containers": [_c("spark", {"cpu": "1", "memory": "4Gi"})],
            "initContainers": [_c("small", {"cpu": "3"}), _c("big", {"cpu": "4", "memory": "1Gi"})],
        },
        {"cpu": 4000, "memory": 4 * GI},
    ),
    (
        "a sidecar (restartPolicy Always) adds to the sum",
        {
            "containers": [_c("spark", {"cpu": "1", "memory": "4Gi"})],
            "initContainers": [_sidecar("proxy", {"cpu": "250m", "memory": "128Mi"})],
        },
        {"cpu": 1250, "memory": 4 * GI + 128 * MI},
    ),
    (
        "an init container runs beside the sidecars declared before it",
        {
            "containers": [_c("spark", {"cpu": "1"})],
            "initContainers": [_sidecar("proxy", {"cpu": "500m"}), _c("fetch", {"cpu": "2"})],
        },
        {"cpu": 2500},
    ),
    (
        "an init container does not run beside a sidecar declared after it",
        {
            "containers": [_c("spark", {"cpu": "1"})],
            "initContainers": [_c("fetch", {"cpu": "2"}), _sidecar("proxy", {"cpu": "500m"})],
        },
        {"cpu": 2000},
    ),
    (
        "overhead is added after the init floor",
        {
            "containers": [_c("spark", {"cpu": "1", "memory": "1Gi"})],
            "initContainers": [_c("init", {"cpu": "2"})],
            "overhead": {"cpu": "100m", "memory": "64Mi"},
        },
        {"cpu": 2100, "memory": GI + 64 * MI},
    ),
    (
        "extended resources and storage are counted, rounded up",
        {"containers": [_c("gpu", {"nvidia.com/gpu": "1", "ephemeral-storage": "1.5k"})]},
        {"nvidia.com/gpu": 1, "ephemeral-storage": 1500},
    ),
]


@pytest.mark.parametrize(("spec", "expected"), [(s, e) for _, s, e in CASES], ids=[c[0] for c in CASES])
@pytest.mark.parametrize("form", ["dict", "model"])
def test_pod_requests(spec: dict[str, Any], expected: dict[str, int], form: str) -> None:
    given = PodSpec.model_validate(spec) if form == "model" else spec
    assert pod_requests(given) == expected


@pytest.mark.parametrize(
    ("name", "value", "amount"),
    [
        ("cpu", "1200m", 1200),
        ("cpu", 2, 2000),
        ("cpu", "0.0001", 1),
        ("memory", "15Gi", 15 * GI),
        ("memory", "100G", 100 * 10**9),
        ("nvidia.com/gpu", "1", 1),
    ],
)
def test_a_quantity_is_millicores_for_cpu_and_a_rounded_up_integer_otherwise(
    name: str, value: str | int, amount: int
) -> None:
    assert resource_amount(name, value) == amount
