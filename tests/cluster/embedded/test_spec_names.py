"""The store refuses, on create and update, the names and paths Kubernetes' API server refuses: they would
become files on the node."""

from __future__ import annotations

from typing import Any

import pytest

from sparkfleet.cluster.embedded import EmbeddedCluster
from sparkfleet.cluster.errors import Invalid
from support.objects import spark_app


def pod(volume_name: str = "scratch", container: str = "main") -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": "p", "namespace": "ns"},
        "spec": {
            "containers": [{"name": container, "volumeMounts": [{"name": volume_name, "mountPath": "/d"}]}],
            "volumes": [{"name": volume_name, "emptyDir": {}}],
        },
    }


def test_a_pod_with_a_volume_named_to_climb_is_not_stored(cluster: EmbeddedCluster) -> None:
    with pytest.raises(Invalid) as refused:
        cluster.create(pod("../x"))
    assert str(refused.value).startswith(
        'Pod "p" is invalid: spec.volumes[0].name: Invalid value: "../x": a lowercase RFC 1123 label'
    )
    assert cluster.list("Pod", "ns").items == []


def test_every_problem_is_listed_in_one_refusal(cluster: EmbeddedCluster) -> None:
    with pytest.raises(
        Invalid, match=r"is invalid: \[spec.volumes\[0\].name: .*, spec.containers\[0\].name: "
    ):
        cluster.create(pod("../x", container="../c"))


def test_an_update_or_patch_cannot_bring_a_bad_name_in(cluster: EmbeddedCluster) -> None:
    stored = cluster.create(pod())
    with pytest.raises(Invalid, match=r"spec.containers\[0\].name: Invalid value: \"Main\""):
        cluster.update({**stored, "spec": {**stored["spec"], "containers": [{"name": "Main"}]}})
    with pytest.raises(Invalid, match=r"spec.containers\[0\].name"):
        cluster.patch("Pod", "ns", "p", {"spec": {"containers": [{"name": "../c"}]}})
    assert cluster.get("Pod", "ns", "p")["spec"] == stored["spec"]


def test_a_spark_application_volume_named_to_climb_is_not_stored(cluster: EmbeddedCluster) -> None:
    app = spark_app("pyspark-pi")
    app["spec"]["volumes"] = [{"name": "../../etc", "emptyDir": {}}]
    with pytest.raises(Invalid, match=r'SparkApplication "pyspark-pi" is invalid: spec.volumes\[0\].name'):
        cluster.create(app)


def test_a_namespace_name_is_a_dns_label(cluster: EmbeddedCluster) -> None:
    with pytest.raises(Invalid, match=r'metadata.name: Invalid value: "team.a": a lowercase RFC 1123 label'):
        cluster.create({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "team.a"}})
