"""The simple JSONPath of CRD printer columns: the forms the upstream CRDs use, and refusals of the rest."""

from __future__ import annotations

from typing import Any

import pytest

from sparkfleet.cluster.jsonpath import JsonPath

CLAIM: dict[str, Any] = {
    "metadata": {
        "labels": {"karpenter.sh/nodepool": "spot-first", "node.kubernetes.io/instance-type": "m5.xlarge"}
    },
    "spec": {"nodeClassRef": {"name": "default"}},
    "status": {
        "conditions": [
            {"type": "Launched", "status": "True"},
            {"type": "Ready", "status": "False"},
        ],
        "resources": {"cpu": "4"},
    },
}


@pytest.mark.parametrize(
    ("path", "found"),
    [
        (".spec.nodeClassRef.name", ["default"]),
        (r".metadata.labels.karpenter\.sh/nodepool", ["spot-first"]),
        (r".metadata.labels.node\.kubernetes\.io/instance-type", ["m5.xlarge"]),
        ('.status.conditions[?(@.type=="Ready")].status', ["False"]),
        (".status.conditions[?(@.type=='Launched')].status", ["True"]),
        (".status.conditions[0].type", ["Launched"]),
        (".status.conditions[-1].type", ["Ready"]),
        ("{.status.resources.cpu}", ["4"]),
        (".status.resources['cpu']", ["4"]),
        (".status.nodeName", []),
        ('.status.conditions[?(@.type=="Drifted")].status', []),
        (".status.conditions[5].type", []),
        (".spec.nodeClassRef.name.deeper", []),
    ],
)
def test_a_path_finds_what_the_api_server_would(path: str, found: list[Any]) -> None:
    assert JsonPath.compile(path).find(CLAIM) == found


def test_a_filter_compares_booleans_and_numbers_as_their_json_text() -> None:
    items = {"items": [{"on": True, "n": 2, "name": "a"}, {"on": False, "n": 3, "name": "b"}]}
    assert JsonPath.compile('.items[?(@.on=="true")].name').find(items) == ["a"]
    assert JsonPath.compile('.items[?(@.n=="3")].name').find(items) == ["b"]


@pytest.mark.parametrize(
    "path",
    [
        "status.x",  # must start with a dot
        ".status..x",
        ".status.conditions[?(@.type!='Ready')].status",
        ".status.conditions[?(@.type==Ready)].status",
        ".status.conditions[0",
    ],
)
def test_paths_beyond_simple_jsonpath_are_refused_when_compiled(path: str) -> None:
    with pytest.raises(ValueError, match="jsonPath"):
        JsonPath.compile(path)
