"""/ws/v1/scheduler/healthcheck: the core's checks, failing when an allocation has lost its node."""

from __future__ import annotations

from typing import Any

from support.schedulerworld import NODE, NS

from ..builders import TestClient
from .test_endpoints import get


def test_healthcheck_reports_the_cores_checks(client: TestClient) -> None:
    health = get(client, "/ws/v1/scheduler/healthcheck")
    assert health["Healthy"] is True
    names = [c["Name"] for c in health["HealthChecks"]]
    assert names == [
        "Negative resources",
        "Negative resources",
        "Orphan allocation on node check",
        "Orphan allocation on app check",
    ]
    assert all(c["Succeeded"] for c in health["HealthChecks"])


def test_a_pod_bound_to_a_node_that_is_gone_fails_the_orphan_check(client: TestClient, cluster: Any) -> None:
    cluster.delete("Node", None, NODE)
    health = get(client, "/ws/v1/scheduler/healthcheck")
    assert health["Healthy"] is False
    orphan = next(c for c in health["HealthChecks"] if c["Name"] == "Orphan allocation on node check")
    assert orphan["Succeeded"] is False and f"{NS}/pi-driver" in orphan["DiagnosisMessage"]
