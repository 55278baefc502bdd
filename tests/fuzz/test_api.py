"""The API's create endpoint on mutated manifests of every kind, in-process: never a 5xx, a refusal names
each field it is about, and the API accepts exactly what `validate` accepts (a manifest that validates is
created; one that does not is refused before anything is stored)."""

from __future__ import annotations

import copy
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

import pytest
from hypothesis import given, settings

from sparkfleet.api.manifests import check_document
from sparkfleet.api.registry import KindInfo, kind_info

from .mutations import FUZZ, Mutated, mutated

if TYPE_CHECKING:
    from starlette.testclient import TestClient

CASES = 700
LONG_CASES = 10_000
ACCEPTED = (201, 409)
"""Created, or already there under that name (admission passed; the store found the name taken)."""


def collection(info: KindInfo, doc: dict[str, Any]) -> str:
    """The collection a client posts `doc` to: its own namespace's, or `default`'s."""
    meta = doc.get("metadata")
    namespace = meta.get("namespace") if isinstance(meta, dict) else None
    if not isinstance(namespace, str) or not namespace:
        namespace = "default"
    root = f"/apis/{info.group}/{info.version}" if info.group else f"/api/{info.version}"
    where = f"/namespaces/{quote(namespace, safe='')}" if info.namespaced else ""
    return f"{root}{where}/{info.plural}"


def _comparable(info: KindInfo, doc: dict[str, Any]) -> bool:
    """Whether `validate` and the API judge the same thing: the object still says its own kind and
    version (else the API refuses it for the URL), and a cluster-scoped one names no namespace (which the
    API clears while `validate` reports it)."""
    meta = doc.get("metadata")
    scoped = info.namespaced or not (isinstance(meta, dict) and "namespace" in meta)
    return doc.get("kind") == info.kind and doc.get("apiVersion") == info.api_version and scoped


def _validates(doc: dict[str, Any]) -> bool:
    return all(c.ok for c in check_document(copy.deepcopy(doc)))


def check_create(client: TestClient, case: Mutated) -> None:
    info = kind_info(case.kind)
    assert info is not None
    response = client.post(collection(info, case.doc), params={"fieldValidation": "Strict"}, json=case.doc)
    assert response.status_code < 500, response.text
    body = response.json()
    if response.status_code == 422:
        causes = body["details"]["causes"]
        assert causes and all(c.get("field") for c in causes), body
    elif response.status_code >= 400:
        assert body["kind"] == "Status" and body["message"], body
    if _comparable(info, case.doc):
        accepted = response.status_code in ACCEPTED
        assert accepted == _validates(case.doc), (response.status_code, body)
    if response.status_code == 201:  # keep the store small, and the name free for the next case
        meta = body["metadata"]
        client.delete(f"{collection(info, body)}/{quote(meta['name'], safe='')}")


@settings(FUZZ, max_examples=CASES)
@given(case=mutated())
def test_the_api_refuses_what_validate_refuses_with_field_paths_and_never_fails(
    client: TestClient, case: Mutated
) -> None:
    check_create(client, case)


@pytest.mark.fuzz_long
@settings(FUZZ, max_examples=LONG_CASES)
@given(case=mutated())
def test_api_long_fuzz(client: TestClient, case: Mutated) -> None:
    check_create(client, case)
