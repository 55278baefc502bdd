"""The audit log: one audit.k8s.io/v1 Event per authenticated request, with the RBAC verb and the object
it named, as kube-apiserver writes at the Metadata level."""

from __future__ import annotations

import stat
from collections.abc import Iterator
from pathlib import Path

import pytest

from sparkfleet.cluster.embedded import EmbeddedCluster
from sparkfleet.server import create_app, streams_of
from sparkfleet.server.audit import read_audit_log
from support.objects import pod

from .builders import AUTH, PODS, SPARK_APPS, TOKEN, TestClient


@pytest.fixture
def audit_log(tmp_path: Path) -> Path:
    return tmp_path / "logs" / "audit.log"


@pytest.fixture
def audited(cluster: EmbeddedCluster, audit_log: Path) -> Iterator[TestClient]:
    app = create_app(cluster, TOKEN, audit_log=audit_log)
    with TestClient(app, headers=AUTH) as client:
        yield client
    streams_of(app).close_all()


def summary(path: Path) -> list[tuple[str, str, int]]:
    found = []
    for event in read_audit_log(path):
        ref = event.get("objectRef") or {}
        what = "/".join(x for x in (ref.get("resource", ""), ref.get("subresource", "")) if x)
        found.append(
            (
                event["verb"],
                f"{ref.get('apiGroup', '-')}:{what}:{ref.get('name', '')}",
                event["responseStatus"]["code"],
            )
        )
    return found


def test_each_request_is_an_event_with_its_rbac_verb_and_object(
    audited: TestClient, cluster: EmbeddedCluster, audit_log: Path
) -> None:
    kubectl = {"User-Agent": "kubectl/v1.32.0"}
    assert audited.post(PODS, json=pod("p"), headers=kubectl).status_code == 201
    audited.get(PODS)
    audited.get(f"{PODS}/p")
    audited.get(f"{PODS}/missing")
    audited.patch(
        f"{PODS}/p/status",
        json={"status": {"phase": "Running"}},
        headers={"Content-Type": "application/merge-patch+json"},
    )
    audited.put(f"{PODS}/p", json=cluster.get("Pod", "default", "p"))
    audited.delete(SPARK_APPS)
    audited.delete(f"{PODS}/p")
    assert summary(audit_log) == [
        ("create", ":pods:", 201),
        ("list", ":pods:", 200),
        ("get", ":pods:p", 200),
        ("get", ":pods:missing", 404),
        ("patch", ":pods/status:p", 200),
        ("update", ":pods:p", 200),
        ("deletecollection", "sparkoperator.k8s.io:sparkapplications:", 200),
        ("delete", ":pods:p", 200),
    ]
    first = read_audit_log(audit_log)[0]
    assert first["apiVersion"] == "audit.k8s.io/v1" and first["kind"] == "Event"
    assert first["level"] == "Metadata" and first["stage"] == "ResponseComplete"
    assert first["user"] == {"username": "admin"}
    assert first["userAgent"] == "kubectl/v1.32.0"
    assert first["objectRef"] == {
        "resource": "pods",
        "apiGroup": "",
        "apiVersion": "v1",
        "namespace": "default",
    }
    assert first["requestURI"].startswith(PODS)


def test_a_watch_is_logged_when_its_stream_starts(audited: TestClient, audit_log: Path) -> None:
    with audited.stream("GET", PODS, params={"watch": "true", "timeoutSeconds": "1"}) as response:
        assert response.status_code == 200
    (event,) = read_audit_log(audit_log)
    assert event["verb"] == "watch"
    assert event["stage"] == "ResponseStarted"


def test_unauthenticated_requests_are_refused_before_they_are_logged(
    cluster: EmbeddedCluster, audit_log: Path
) -> None:
    app = create_app(cluster, TOKEN, audit_log=audit_log)
    with TestClient(app) as anonymous:
        assert anonymous.get(PODS).status_code == 401
    assert read_audit_log(audit_log) == []


def test_the_log_is_readable_by_its_owner_alone(audited: TestClient, audit_log: Path) -> None:
    audited.get("/api")
    assert stat.S_IMODE(audit_log.stat().st_mode) == 0o600
    (event,) = read_audit_log(audit_log)
    assert "objectRef" not in event, "discovery names no object"
    assert event["verb"] == "get"
