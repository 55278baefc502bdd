"""The CRDs generated from the models, against the upstream CRDs (tests/data/crds): the same group,
version, names, scope, printer columns and subresources, and schemas that give the same verdicts on the
same objects (the corpus, the data-on-eks blueprint's manifests and the examples)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

from sparkfleet.server.crds import crds_yaml, custom_kinds, custom_resource_definitions

Obj = dict[str, Any]
DATA = Path(__file__).resolve().parents[1] / "data"
EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
UPSTREAM: dict[str, Obj] = {
    crd["spec"]["names"]["kind"]: crd
    for crd in (yaml.safe_load(p.read_text()) for p in sorted((DATA / "crds").glob("*.yaml")))
}
OURS: dict[str, Obj] = {crd["spec"]["names"]["kind"]: crd for crd in custom_resource_definitions()}
COMPARED = sorted(UPSTREAM)


def version(crd: Obj) -> Obj:
    found: Obj = next(v for v in crd["spec"]["versions"] if v.get("storage"))
    return found


def test_every_custom_kind_has_one_crd_and_kubernetes_kinds_none() -> None:
    assert list(OURS) == [
        "SparkApplication",
        "ScheduledSparkApplication",
        "SparkConnect",
        "NodePool",
        "NodeClaim",
        "NodeOverlay",
        "EC2NodeClass",
    ]
    assert [info.kind for info in custom_kinds()] == list(OURS)
    assert [crd["metadata"]["name"] for crd in OURS.values()] == [
        f"{info.plural}.{info.group}" for info in custom_kinds()
    ]


@pytest.mark.parametrize("kind", COMPARED)
def test_group_version_names_and_scope_are_upstreams(kind: str) -> None:
    ours, upstream = OURS[kind]["spec"], UPSTREAM[kind]["spec"]
    assert ours["group"] == upstream["group"] and ours["scope"] == upstream["scope"]
    assert version(OURS[kind])["name"] == version(UPSTREAM[kind])["name"]
    names = dict(ours["names"])
    # sparkfleet puts the Spark kinds in `all` too, so that `kubectl get all` lists them.
    categories = [c for c in names.pop("categories", []) if c != "all"]
    assert categories == upstream["names"].get("categories", [])
    assert names == {k: v for k, v in upstream["names"].items() if k != "categories"}


@pytest.mark.parametrize("kind", COMPARED)
def test_printer_columns_and_subresources_are_upstreams(kind: str) -> None:
    ours, upstream = version(OURS[kind]), version(UPSTREAM[kind])
    assert ours["subresources"] == upstream["subresources"]
    if "additionalPrinterColumns" in upstream:
        assert ours["additionalPrinterColumns"] == upstream["additionalPrinterColumns"]


def test_a_spark_operator_crd_names_its_api_approval_as_a_k8s_io_group_must() -> None:
    for kind in ("SparkApplication", "ScheduledSparkApplication", "SparkConnect"):
        assert OURS[kind]["metadata"]["annotations"]["api-approved.kubernetes.io"].startswith("https://")
    assert "annotations" not in OURS["NodePool"]["metadata"]


def test_the_yaml_stream_is_every_crd_in_order() -> None:
    assert list(yaml.safe_load_all(crds_yaml())) == list(OURS.values())


# --- same objects, same verdicts ----------------------------------------------------------------------


def strict(node: Obj) -> Obj:
    """A CRD schema as the API server applies it with `fieldValidation=Strict`: a field an object does not
    declare is an error, unless the object keeps unknown fields."""
    out = dict(node)
    if "properties" in out:
        out["properties"] = {name: strict(sub) for name, sub in out["properties"].items()}
        if not out.get("x-kubernetes-preserve-unknown-fields") and "additionalProperties" not in out:
            out["additionalProperties"] = False
    for key in ("items", "additionalProperties"):
        if isinstance(out.get(key), dict):
            out[key] = strict(out[key])
    return out


def problems(crd: Obj, obj: Obj) -> list[str]:
    validator = jsonschema.Draft4Validator(strict(version(crd)["schema"]["openAPIV3Schema"]))
    found = [f"{'.'.join(map(str, e.absolute_path))}: {e.message}" for e in validator.iter_errors(obj)]
    return sorted(found)


def manifests() -> list[tuple[str, Obj]]:
    found: list[tuple[str, Obj]] = []
    paths = [*sorted((DATA / "corpus").rglob("*.yaml")), *sorted((DATA / "data-on-eks").rglob("*.yaml"))]
    for path in [*paths, *sorted(EXAMPLES.glob("*.yaml")), *sorted((EXAMPLES / "config").glob("*.yaml"))]:
        name = str(path.relative_to(path.parents[1]))
        for doc in yaml.safe_load_all(path.read_text()):
            if not isinstance(doc, dict):
                continue
            found.append((name, doc))
            for template in (doc.get("spec") or {}).get("templates") or []:
                manifest = (template.get("resource") or {}).get("manifest")
                if manifest:
                    found.append((f"{name}#{template['name']}", yaml.safe_load(manifest)))
    return [(n, d) for n, d in found if d.get("kind") in UPSTREAM]


MANIFESTS = manifests()


def test_the_objects_cover_every_compared_kind_with_both_verdicts() -> None:
    assert {d["kind"] for _, d in MANIFESTS} == set(COMPARED)
    refused = [n for n, d in MANIFESTS if problems(UPSTREAM[d["kind"]], d)]
    assert len(MANIFESTS) >= 40 and len(refused) >= 6


@pytest.mark.parametrize(
    ("source", "obj"), MANIFESTS, ids=[f"{n}:{d['metadata'].get('name')}" for n, d in MANIFESTS]
)
def test_the_generated_schema_gives_the_upstream_schemas_verdict(source: str, obj: Obj) -> None:
    assert problems(OURS[obj["kind"]], obj) == problems(UPSTREAM[obj["kind"]], obj)
