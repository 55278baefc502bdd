"""What a created object starts with: a pod is Pending with its QoS class, a claim Pending."""

from __future__ import annotations

import base64
from typing import Any

import pytest

from sparkfleet.cluster.defaults import initial_status, qos_class, stored_form
from sparkfleet.cluster.embedded import EmbeddedCluster
from sparkfleet.cluster.kinds import lookup
from support.objects import configmap, pod


def with_resources(*containers: dict[str, Any]) -> dict[str, Any]:
    return pod(
        "p", containers=[{"name": f"c{i}", "image": "x", "resources": r} for i, r in enumerate(containers)]
    )


@pytest.mark.parametrize(
    ("resources", "expected"),
    [
        ([{}], "BestEffort"),
        ([{"limits": {"cpu": "1", "memory": "1Gi"}}], "Guaranteed"),
        (
            [{"requests": {"cpu": "1000m", "memory": "1Gi"}, "limits": {"cpu": "1", "memory": "1024Mi"}}],
            "Guaranteed",
        ),
        # The golden driver pod: cpu limit 1200m above its request of 1.
        (
            [{"requests": {"cpu": "1", "memory": "896Mi"}, "limits": {"cpu": "1200m", "memory": "896Mi"}}],
            "Burstable",
        ),
        ([{"limits": {"cpu": "1", "memory": "1Gi"}}, {}], "Burstable"),
        ([{"requests": {"memory": "1Gi"}}], "Burstable"),
    ],
)
def test_qos_class_follows_kubernetes_rules(resources: list[dict[str, Any]], expected: str) -> None:
    assert qos_class(with_resources(*resources)) == expected


def test_a_new_pod_is_pending_whatever_status_it_was_sent_with() -> None:
    sent = {**pod("p"), "status": {"phase": "Succeeded"}}
    assert initial_status(lookup("Pod"), sent)["status"] == {"phase": "Pending", "qosClass": "BestEffort"}
    assert sent["status"] == {"phase": "Succeeded"}


def test_claims_start_pending_namespaces_active_and_other_kinds_unchanged() -> None:
    claim = {"apiVersion": "v1", "kind": "PersistentVolumeClaim", "metadata": {"name": "c"}, "spec": {}}
    assert initial_status(lookup("PersistentVolumeClaim"), claim)["status"] == {"phase": "Pending"}
    namespace = {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "n"}}
    assert initial_status(lookup("Namespace"), namespace)["status"] == {"phase": "Active"}
    assert initial_status(lookup("ConfigMap"), configmap("c")) == configmap("c")


def test_the_store_gives_a_pod_created_without_a_phase_the_api_servers_pending(
    cluster: EmbeddedCluster,
) -> None:
    created = cluster.create(pod("fresh"))
    assert created["status"] == {"phase": "Pending", "qosClass": "BestEffort"}
    team = cluster.create({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "team"}})
    assert team["status"] == {"phase": "Active"}


def test_the_store_keeps_the_phase_an_in_process_writer_gives(cluster: EmbeddedCluster) -> None:
    running = cluster.create({**pod("running"), "status": {"phase": "Running"}})
    assert running["status"] == {"phase": "Running"}


def _decoded(secret: dict[str, Any]) -> dict[str, str]:
    return {k: base64.b64decode(v).decode() for k, v in secret["data"].items()}


def test_a_secret_is_stored_with_its_string_data_merged_on_every_write(cluster: EmbeddedCluster) -> None:
    written = {
        "apiVersion": "v1",
        "kind": "Secret",
        "metadata": {"name": "db", "namespace": "default"},
        "data": {"user": base64.b64encode(b"old").decode()},
        "stringData": {"user": "spark", "password": "p1"},
    }
    created = cluster.create(written)
    assert "stringData" not in created and created["type"] == "Opaque"
    assert _decoded(created) == {"user": "spark", "password": "p1"}
    updated = cluster.update({**created, "stringData": {"password": "p2"}})
    assert "stringData" not in updated and _decoded(updated) == {"user": "spark", "password": "p2"}
    patched = cluster.patch("Secret", "default", "db", {"stringData": {"token": "t"}})
    assert "stringData" not in patched and _decoded(patched)["token"] == "t"
    assert stored_form(lookup("ConfigMap"), configmap("c")) == configmap("c"), "other kinds are unchanged"
