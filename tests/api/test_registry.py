"""The table of kinds, and every view derived from it: a kind that is one entry of the table is served,
discovered, described, looked up and printed, with the same names and scope everywhere."""

from __future__ import annotations

import pytest

from sparkfleet.api.registry import (
    ALL_CATEGORY,
    BINDING,
    KINDS,
    KindInfo,
    find_kind,
    in_category,
    known_kinds,
)
from sparkfleet.cli.objects import ALL_KINDS
from sparkfleet.cli.printers import shown
from sparkfleet.cluster.corecolumns import CORE_COLUMNS
from sparkfleet.cluster.errors import UnknownKind
from sparkfleet.cluster.kinds import lookup
from sparkfleet.server.discovery import discovery_document
from sparkfleet.server.openapi import openapi_root, swagger_document
from sparkfleet.server.routes import (
    Discovery,
    DiscoveryDocument,
    ResourcePath,
    Subresource,
    group_versions,
    parse_path,
)

each_kind = pytest.mark.parametrize("info", KINDS, ids=lambda info: info.kind)


def gv_path(info: KindInfo) -> str:
    return f"apis/{info.group}/{info.version}" if info.group else f"api/{info.version}"


def collection_path(info: KindInfo) -> str:
    scope = "/namespaces/{namespace}" if info.namespaced else ""
    return f"/{gv_path(info)}{scope}/{info.plural}"


def discovered(info: KindInfo) -> dict[str, dict[str, object]]:
    request = Discovery(DiscoveryDocument.RESOURCE_LIST, info.group, info.version)
    return {r["name"]: r for r in discovery_document(request, "testserver")["resources"]}


# --- the table itself -------------------------------------------------------------------------------


def test_the_table_holds_each_kind_once() -> None:
    assert known_kinds() == [info.kind for info in KINDS]
    assert len(set(known_kinds())) == len(KINDS)
    assert len({info.resource for info in KINDS}) == len(KINDS)


@each_kind
def test_each_model_is_of_its_kind_and_api_version(info: KindInfo) -> None:
    fields = info.model_type.model_fields
    assert fields["kind"].default == info.kind
    assert fields["apiVersion"].default == info.api_version


@each_kind
def test_a_kind_has_a_status_subresource_exactly_when_its_model_has_a_status(info: KindInfo) -> None:
    assert info.status_subresource == ("status" in info.model_type.model_fields)


def test_bindings_are_served_but_not_stored() -> None:
    assert BINDING not in KINDS
    assert find_kind("bindings") is None
    assert BINDING.model_type.model_fields["kind"].default == "Binding"
    assert not BINDING.status_subresource


# --- names --------------------------------------------------------------------------------------------


@each_kind
def test_every_name_of_a_kind_finds_its_entry(info: KindInfo) -> None:
    names = [info.kind, info.plural, info.resource, *info.short_names]
    if info.group:
        names.append(f"{info.kind}.{info.group}")
    for name in names:
        assert lookup(name) is info, name
        assert lookup(name.upper()) is info, name


def test_an_unknown_name_is_unknown_kind_naming_every_kind_in_table_order() -> None:
    assert find_kind("deployments") is None
    with pytest.raises(UnknownKind) as caught:
        lookup("deployments")
    assert str(caught.value) == (
        'the server doesn\'t have a resource type "deployments"; known kinds: ' + ", ".join(known_kinds())
    )


# --- the API server ------------------------------------------------------------------------------------


@each_kind
def test_discovery_lists_each_kind_with_its_names_scope_and_categories(info: KindInfo) -> None:
    resources = discovered(info)
    main = resources[info.plural]
    assert main["kind"] == info.kind
    assert main["namespaced"] is info.namespaced
    assert main.get("shortNames", []) == list(info.short_names)
    assert main.get("categories", []) == list(info.categories)
    assert (f"{info.plural}/status" in resources) is info.status_subresource


def test_discovery_serves_every_group_version_of_the_table_and_no_other() -> None:
    served = {(info.group, info.version) for info in KINDS}
    assert {(g, v) for g, vs in group_versions().items() for v in vs} == served
    groups = discovery_document(Discovery(DiscoveryDocument.GROUP_LIST), "testserver")["groups"]
    # and apiextensions.k8s.io, whose read-only CRDs describe the custom kinds (server/crdserving.py)
    assert {g["name"] for g in groups} == {group for group, _ in served if group} | {"apiextensions.k8s.io"}
    assert set(openapi_root()["paths"]) == {gv_path(info) for info in KINDS}


@each_kind
def test_each_kind_is_routed_by_its_plural(info: KindInfo) -> None:
    collection = collection_path(info).replace("{namespace}", "team-a")
    assert parse_path(collection) == ResourcePath(info, "team-a" if info.namespaced else None)
    named = parse_path(f"{collection}/x")
    assert isinstance(named, ResourcePath)
    assert (named.info, named.name) == (info, "x")
    if info.status_subresource:
        status = parse_path(f"{collection}/x/status")
        assert isinstance(status, ResourcePath)
        assert status.subresource is Subresource.STATUS


@each_kind
def test_openapi_describes_each_kind_at_its_paths(info: KindInfo) -> None:
    paths = swagger_document()["paths"]
    collection = collection_path(info)
    assert {collection, f"{collection}/{{name}}"} <= paths.keys()
    assert (f"{collection}/{{name}}/status" in paths) is info.status_subresource


# --- the command line and the printers ----------------------------------------------------------------


@each_kind
def test_each_kind_prints_default_columns_that_name_its_objects(info: KindInfo) -> None:
    columns = shown(info.kind, wide=False)
    assert columns
    assert any(c.format == "name" for c in shown(info.kind, wide=True))


def test_the_core_printer_columns_are_all_for_kinds_of_the_table() -> None:
    assert set(CORE_COLUMNS) <= set(known_kinds())


def test_get_all_lists_the_kinds_of_the_all_category_as_kubectl_does() -> None:
    assert tuple(info.kind for info in in_category(ALL_CATEGORY)) == ALL_KINDS
    assert ALL_KINDS == ("Pod", "Service", "SparkApplication", "ScheduledSparkApplication")
