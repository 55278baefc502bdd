"""The real kubectl against `sparkfleet up`: the generated CRDs are listed and read, the API resources
include them, and `explain` describes a SparkApplication's driver."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from sparkfleet.server import custom_resource_definitions
from support.cli import sf_ok as sf
from support.kubectl import Kubectl, kubectl_binary

pytestmark = pytest.mark.e2e


@pytest.fixture
def kubectl(home: Path) -> Iterator[Kubectl]:
    binary = kubectl_binary()  # looked for first: a machine without kubectl fails before `up`
    sf("up", "--port", "0")
    try:
        yield Kubectl(binary, home / "kubeconfig")
    finally:
        sf("down")


def test_kubectl_gets_and_explains_the_custom_kinds_of_a_running_cluster(kubectl: Kubectl) -> None:
    names = [crd["metadata"]["name"] for crd in custom_resource_definitions()]
    header, *rows = kubectl.ok("get", "crds").splitlines()
    assert header.split() == ["NAME", "CREATED", "AT"]
    assert sorted(row.split()[0] for row in rows) == sorted(names)
    assert all(row.split()[1].endswith("Z") for row in rows), "installed when the cluster was made"
    nodepools = yaml.safe_load(kubectl.ok("get", "crd", "nodepools.karpenter.sh", "-o", "yaml"))
    assert nodepools["spec"]["versions"][0]["subresources"]["scale"]["specReplicasPath"] == ".spec.replicas"
    resources = kubectl.ok("api-resources", "-o", "name")
    assert "customresourcedefinitions.apiextensions.k8s.io" in resources.split()
    explained = kubectl.ok("explain", "sparkapplication.spec.driver")
    assert "KIND:       SparkApplication" in explained
    assert "  memoryOverhead\t<" in explained
