"""What the fuzz found, kept as plain cases: each is refused at `validate` and at the API with the path of
the field it is about, or (for the decoders) answered with a clear error instead of a traceback or a 500."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import pytest

from sparkfleet.api.manifests import check_document, check_text
from sparkfleet.api.registry import kind_info
from support.objects import configmap, pod, spark_app

from .seeds import Obj, valid_seeds
from .test_api import collection

if TYPE_CHECKING:
    from starlette.testclient import TestClient


def _set(path: str, value: Any) -> Callable[[Obj], None]:
    def change(doc: Obj) -> None:
        *parents, last = path.split(".")
        node = doc
        for part in parents:
            node = node[part]
        node[last] = value

    return change


def _seed(kind: str) -> Obj:
    return copy.deepcopy(next(s for s in valid_seeds() if s["kind"] == kind))


# (object, the field the refusal must name, a part of its message)
REFUSED: dict[str, tuple[Obj, str, str]] = {}


def _case(name: str, doc: Obj, change: Callable[[Obj], None], path: str, text: str) -> None:
    change(doc)
    REFUSED[name] = (doc, path, text)


_case("driver memory 0", spark_app("pi"), _set("spec.driver.memory", "0"), "spec.driver.memory", "positive")
_case(
    "executor memory 0m",
    spark_app("pi"),
    _set("spec.executor.memory", "0m"),
    "spec.executor.memory",
    "positive",
)
_case(
    "1e18 executors", spark_app("pi"), _set("spec.executor.instances", 10**18), "spec.executor.instances", ""
)
_case(
    "a billion executors",
    spark_app("pi"),
    _set("spec.executor.instances", 10**9),
    "spec.executor.instances",
    "above the cluster's maximum of 10000",
)
_case(
    "conf instances",
    spark_app("pi"),
    _set("spec.sparkConf", {"spark.executor.instances": "1000000000"}),
    'spec.sparkConf["spark.executor.instances"]',
    "above the cluster's maximum",
)
_case(
    "negative coreRequest",
    spark_app("pi"),
    _set("spec.executor.coreRequest", "-1"),
    "spec.executor.coreRequest",
    "greater than or equal to 0",
)
_case("ttl past int64", spark_app("pi"), _set("spec.timeToLiveSeconds", 10**30), "spec.timeToLiveSeconds", "")
_case(
    "10,000-character app name",
    spark_app("x" * 10_000),
    lambda d: None,
    "metadata.name",
    "(10000 characters)",
)
_case("non-DNS app name", spark_app("Taxi_Trip"), lambda d: None, "metadata.name", 'such as "taxi-trip"')
_case("10,000-character pod name", pod("p" * 10_000), lambda d: None, "metadata.name", "(10000 characters)")
_case("non-DNS config map name", configmap("Bad Name"), lambda d: None, "metadata.name", "RFC 1123 subdomain")
_case(
    "an app in a namespace the API refuses",
    spark_app("pi", namespace="Spark_Team"),
    lambda d: None,
    "metadata.namespace",
    "RFC 1123 label",
)
_case(
    "a pod in a 100-character namespace",
    pod("p", namespace="n" * 100),
    lambda d: None,
    "metadata.namespace",
    "63",
)
_case(
    "a pod without containers",
    pod("p"),
    _set("spec.containers", []),
    "spec.containers",
    "at least one container",
)
_case(
    "every past Go's durations",
    _seed("ScheduledSparkApplication"),
    _set("spec.schedule", "@every 99999999999999999h"),
    "spec.schedule",
    "at most 2562047h",
)
_case(
    "an exponent of ten million",
    _seed("PersistentVolumeClaim"),
    _set("spec.resources", {"requests": {"storage": "1e9999999"}}),
    "spec.resources.requests",
    "exponent",
)
_case(
    "a 5,000-character access mode",
    _seed("PersistentVolumeClaim"),
    _set("spec.accessModes", ["a" * 5000]),
    "spec.accessModes[0]",
    "(5000 characters)",
)
_case(
    "a 3,000-character NodePool label value", _seed("NodePool"),
    _set("spec.template.metadata.labels", {"type": "é" * 3000}), "spec.template.metadata.labels",
    "(3000 characters)",
)  # fmt: skip


@pytest.mark.parametrize("name", list(REFUSED))
def test_validate_refuses_it_naming_the_field(name: str) -> None:
    doc, path, text = REFUSED[name]
    issues = [i for c in check_document(copy.deepcopy(doc)) for i in c.issues]
    assert any(i.path.startswith(path) and text in i.message for i in issues), issues
    assert all(len(str(i)) < 1000 for i in issues)


@pytest.mark.parametrize("name", list(REFUSED))
def test_the_api_refuses_it_naming_the_field(client: TestClient, name: str) -> None:
    doc, path, _ = REFUSED[name]
    info = kind_info(doc["kind"])
    assert info is not None
    response = client.post(collection(info, doc), json=doc)
    assert response.status_code == 422, response.text
    fields = [c["field"] for c in response.json()["details"]["causes"]]
    assert any(f.startswith(path) for f in fields), fields


def _nodepool_json_with(duration_escape: str) -> str:
    pool = _seed("NodePool")
    pool["spec"]["disruption"]["consolidateAfter"] = "DURATION"
    return json.dumps(pool).replace('"DURATION"', f'"{duration_escape}"')


def test_a_json_surrogate_pair_is_read_as_the_one_character_it_encodes() -> None:
    text = json.dumps(configmap("emoji", key="\U0001f600"))  # json.dumps writes "\ud83d\ude00"
    [checked] = check_text(text).objects
    assert checked.ok and checked.doc is not None
    assert checked.doc["data"]["key"] == "\U0001f600"


def test_validate_answers_a_lone_surrogate_escape_with_a_problem_not_a_traceback() -> None:
    [checked] = check_text(_nodepool_json_with("\\udb45")).objects
    assert [i.path for i in checked.issues] == ["spec.disruption.consolidateAfter"]


def test_the_api_answers_a_lone_surrogate_escape_with_a_client_error(client: TestClient) -> None:
    response = client.post(
        "/apis/karpenter.sh/v1/nodepools",
        content=_nodepool_json_with("\\udb45").encode(),
        headers={"Content-Type": "application/json"},
    )
    assert 400 <= response.status_code < 500, response.text


@pytest.mark.parametrize("namespace", [[], {}, 0, 0.0, False])
def test_the_api_refuses_a_namespace_that_is_not_a_string_as_validate_does(
    client: TestClient, namespace: object
) -> None:
    doc = configmap(f"typed-namespace-{type(namespace).__name__}")
    doc["metadata"]["namespace"] = namespace
    assert not all(c.ok for c in check_document(copy.deepcopy(doc)))
    response = client.post("/api/v1/namespaces/default/configmaps", json=doc)
    assert response.status_code in (400, 422), response.text
