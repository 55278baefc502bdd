"""The real kubectl prints the served Tables: the columns it shows for pods and SparkApplications.

Served over HTTPS with a bearer token, as the platform serves it (kubectl sends a token only over TLS).
Without kubectl on the PATH these fail, unless SPARKFLEET_ALLOW_NO_KUBECTL=1 lets them skip.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import yaml

from sparkfleet.clock import VirtualClock
from sparkfleet.cluster.embedded import EmbeddedCluster
from sparkfleet.server import create_app, start_server, streams_of
from sparkfleet.server.tls import ensure_pki
from support.kubectl import Kubectl, kubectl_binary
from support.objects import pod, spark_app

from .builders import TOKEN


@pytest.fixture
def kubectl(cluster: EmbeddedCluster, clock: VirtualClock, tmp_path: Path) -> Iterator[Kubectl]:
    binary = kubectl_binary()
    app = create_app(cluster, TOKEN, clock=clock)
    with start_server(app, TOKEN, tls=ensure_pki(tmp_path / "pki", datetime.now(UTC))) as handle:
        config = tmp_path / "kubeconfig"
        config.write_text(yaml.safe_dump(handle.kubeconfig(namespace="spark-team-a")))
        yield Kubectl(binary, config, tmp_path / "kube-cache")
        streams_of(app).close_all()


def rows(text: str) -> list[dict[str, str]]:
    """kubectl's aligned output as {header: cell} per row, cut where each header starts."""
    header, *lines = text.splitlines()
    starts = [(m.group(), m.start()) for m in re.finditer(r"\S+(?: \S+)*", header)]
    ends = [start for _, start in starts[1:]] + [None]
    return [
        {name: line[start:end].strip() for (name, start), end in zip(starts, ends, strict=True)}
        for line in lines
    ]


def driver() -> dict[str, Any]:
    obj = pod("pi-driver", namespace="spark-team-a", nodeName="ip-10-0-0-1")
    obj["status"] = {
        "phase": "Running",
        "podIP": "127.0.4.2",
        "containerStatuses": [{"name": "main", "ready": True, "restartCount": 0, "state": {"running": {}}}],
    }
    return obj


def test_get_pods_shows_ready_status_restarts_and_age(
    kubectl: Kubectl, cluster: EmbeddedCluster, clock: VirtualClock
) -> None:
    cluster.create(driver())
    clock.advance(300)
    assert rows(kubectl.ok("get", "pods", "-n", "spark-team-a")) == [
        {"NAME": "pi-driver", "READY": "1/1", "STATUS": "Running", "RESTARTS": "0", "AGE": "5m"}
    ]


def test_get_pods_wide_shows_the_pods_address_and_node(kubectl: Kubectl, cluster: EmbeddedCluster) -> None:
    cluster.create(driver())
    assert rows(kubectl.ok("get", "pods", "-o", "wide")) == [
        {
            "NAME": "pi-driver",
            "READY": "1/1",
            "STATUS": "Running",
            "RESTARTS": "0",
            "AGE": "0s",
            "IP": "127.0.4.2",
            "NODE": "ip-10-0-0-1",
            "NOMINATED NODE": "<none>",
            "READINESS GATES": "<none>",
        }
    ]


def test_get_sparkapplications_shows_the_operators_columns(
    kubectl: Kubectl, cluster: EmbeddedCluster, clock: VirtualClock
) -> None:
    app = cluster.create(spark_app("pi", namespace="spark-team-a"))
    app["status"] = {
        "applicationState": {"state": "RUNNING"},
        "executionAttempts": 1,
        "lastSubmissionAttemptTime": "2026-01-02T03:04:06Z",
    }
    cluster.update_status(app)
    clock.advance(120)
    assert rows(kubectl.ok("get", "sparkapplications")) == [
        {
            "NAME": "pi",
            "SUSPEND": "",
            "STATUS": "RUNNING",
            "ATTEMPTS": "1",
            "START": "2026-01-02T03:04:06Z",
            "FINISH": "",
            "AGE": "2m",
        }
    ]
    assert (
        kubectl.ok("get", "sparkapp", "pi", "-o", "name").strip()
        == "sparkapplication.sparkoperator.k8s.io/pi"
    )
