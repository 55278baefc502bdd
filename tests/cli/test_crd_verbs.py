"""`sparkfleet crds`: the generated CRDs as YAML documents (the default) or as one JSON List."""

from __future__ import annotations

import json

import yaml

from sparkfleet.server import custom_resource_definitions
from support.cli import sf, sf_ok

KINDS = [crd["spec"]["names"]["kind"] for crd in custom_resource_definitions()]


def test_yaml_prints_one_crd_document_per_custom_kind() -> None:
    docs = list(yaml.safe_load_all(sf_ok("crds")))
    assert [d["kind"] for d in docs] == ["CustomResourceDefinition"] * len(KINDS)
    assert [d["spec"]["names"]["kind"] for d in docs] == KINDS
    assert "SparkApplication" in KINDS and "EC2NodeClass" in KINDS


def test_json_prints_a_list_of_the_same_crds() -> None:
    listed = json.loads(sf_ok("crds", "-o", "json"))
    assert listed["kind"] == "List"
    assert listed["items"] == list(yaml.safe_load_all(sf_ok("crds")))


def test_an_unknown_format_is_refused_naming_the_choices() -> None:
    code, _, err = sf("crds", "-o", "table")
    assert code == 2
    assert "yaml" in err and "json" in err
