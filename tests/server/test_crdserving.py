"""The generated CRDs served read-only under apiextensions.k8s.io/v1: discovered, listed and read as JSON
or as a Table, refused for every write; the real kubectl lists them, reads one, and explains a kind."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from sparkfleet.cluster.embedded import EmbeddedCluster
from sparkfleet.server import create_app, custom_resource_definitions, start_server, streams_of
from support.kubectl import Kubectl, kubectl_binary

from .builders import TestClient

CRDS = "/apis/apiextensions.k8s.io/v1/customresourcedefinitions"
SPARK_CRD = "sparkapplications.sparkoperator.k8s.io"
TABLE = "application/json;as=Table;v=v1;g=meta.k8s.io,application/json"
NAMES = [crd["metadata"]["name"] for crd in custom_resource_definitions()]


def test_the_group_is_discovered_with_a_read_only_resource(client: TestClient) -> None:
    groups = {g["name"]: g for g in client.get("/apis").json()["groups"]}
    assert groups["apiextensions.k8s.io"]["preferredVersion"]["groupVersion"] == "apiextensions.k8s.io/v1"
    listed = client.get("/apis/apiextensions.k8s.io/v1").json()
    assert listed["resources"] == [
        {
            "name": "customresourcedefinitions",
            "singularName": "customresourcedefinition",
            "namespaced": False,
            "kind": "CustomResourceDefinition",
            "verbs": ["get", "list"],
            "shortNames": ["crd", "crds"],
        }
    ]


def test_the_list_holds_every_generated_crd_installed_and_established(
    client: TestClient, cluster: EmbeddedCluster
) -> None:
    cluster.create({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "default"}})
    created = cluster.get("Namespace", None, "default")["metadata"]["creationTimestamp"]
    body = client.get(CRDS).json()
    assert body["kind"] == "CustomResourceDefinitionList"
    assert [item["metadata"]["name"] for item in body["items"]] == NAMES
    for item, generated in zip(body["items"], custom_resource_definitions(), strict=True):
        assert item["spec"] == generated["spec"]
        assert item["metadata"]["creationTimestamp"] == created, "installed with the cluster"
        established = {c["type"]: c["status"] for c in item["status"]["conditions"]}
        assert established == {"NamesAccepted": "True", "Established": "True"}
        assert item["status"]["acceptedNames"] == generated["spec"]["names"]


def test_one_crd_is_read_by_name_and_an_unknown_one_is_not_found(client: TestClient) -> None:
    crd = client.get(f"{CRDS}/{SPARK_CRD}").json()
    assert crd["kind"] == "CustomResourceDefinition"
    assert crd["spec"]["names"]["kind"] == "SparkApplication"
    missing = client.get(f"{CRDS}/pods.example.com")
    assert missing.status_code == 404
    assert missing.json()["reason"] == "NotFound"


def test_the_table_has_the_default_convertors_name_and_created_at(client: TestClient) -> None:
    table = client.get(CRDS, headers={"Accept": TABLE}).json()
    assert table["kind"] == "Table"
    assert [c["name"] for c in table["columnDefinitions"]] == ["Name", "Created At"]
    assert [row["cells"][0] for row in table["rows"]] == NAMES
    assert table["rows"][0]["object"]["kind"] == "PartialObjectMetadata"


@pytest.mark.parametrize("method", ["POST", "PUT", "PATCH", "DELETE"])
def test_every_write_is_refused_as_not_allowed(client: TestClient, method: str) -> None:
    path = CRDS if method == "POST" else f"{CRDS}/{SPARK_CRD}"
    answer = client.request(method, path, json={})
    assert answer.status_code == 405
    assert answer.json()["reason"] == "MethodNotAllowed"


def test_a_watch_is_refused_as_not_allowed(client: TestClient) -> None:
    assert client.get(CRDS, params={"watch": "true"}).status_code == 405


# --- the real kubectl ------------------------------------------------------------------------------


@pytest.fixture
def kubectl(cluster: EmbeddedCluster, tmp_path: Path) -> Iterator[Kubectl]:
    binary = kubectl_binary()
    app = create_app(cluster, None)
    with start_server(app, None) as handle:
        config = tmp_path / "kubeconfig"
        config.write_text(yaml.safe_dump(handle.kubeconfig()))
        yield Kubectl(binary, config, tmp_path / "kube-cache")
        streams_of(app).close_all()


def test_kubectl_gets_the_crds_as_a_table_and_one_as_yaml(kubectl: Kubectl) -> None:
    header, *rows = kubectl.ok("get", "crds").splitlines()
    assert header.split() == ["NAME", "CREATED", "AT"]
    assert [row.split()[0] for row in rows] == NAMES
    shown = yaml.safe_load(kubectl.ok("get", "crd", SPARK_CRD, "-o", "yaml"))
    assert shown["spec"]["names"]["shortNames"] == ["sparkapp"]
    assert "customresourcedefinitions" in kubectl.ok("api-resources", "--api-group=apiextensions.k8s.io")


def test_kubectl_explains_the_driver_beside_the_served_crds(kubectl: Kubectl) -> None:
    out = kubectl.ok("explain", "sparkapplication.spec.driver")
    assert "KIND:       SparkApplication" in out
    assert "  coreRequest\t<" in out
