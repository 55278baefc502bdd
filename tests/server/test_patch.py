"""The PATCH flavours as pure functions: merge, JSON patch (RFC 6902), strategic merge, apply."""

from __future__ import annotations

from typing import Any

import pytest

from sparkfleet.cluster.errors import BadRequest, Invalid
from sparkfleet.cluster.mergepatch import merge_patch
from sparkfleet.server.patch import (
    PatchType,
    apply_json_patch,
    apply_patch,
    strategic_merge_patch,
)

DOC: dict[str, Any] = {"a": {"b": 1, "c": [1, 2]}, "d": "x"}


def test_merge_patch_merges_objects_replaces_lists_and_deletes_nulls() -> None:
    assert merge_patch(DOC, {"a": {"b": None, "c": [3], "e": {"f": 1}}, "d": None}) == {
        "a": {"c": [3], "e": {"f": 1}}
    }
    assert DOC == {"a": {"b": 1, "c": [1, 2]}, "d": "x"}


@pytest.mark.parametrize(
    ("ops", "expected"),
    [
        ([{"op": "add", "path": "/a/e", "value": 5}], {"a": {"b": 1, "c": [1, 2], "e": 5}, "d": "x"}),
        ([{"op": "add", "path": "/a/c/0", "value": 0}], {"a": {"b": 1, "c": [0, 1, 2]}, "d": "x"}),
        ([{"op": "add", "path": "/a/c/-", "value": 3}], {"a": {"b": 1, "c": [1, 2, 3]}, "d": "x"}),
        ([{"op": "remove", "path": "/a/c/0"}], {"a": {"b": 1, "c": [2]}, "d": "x"}),
        ([{"op": "remove", "path": "/d"}], {"a": {"b": 1, "c": [1, 2]}}),
        (
            [{"op": "replace", "path": "/a/b", "value": {"z": 1}}],
            {"a": {"b": {"z": 1}, "c": [1, 2]}, "d": "x"},
        ),
        ([{"op": "replace", "path": "/a/c/1", "value": 9}], {"a": {"b": 1, "c": [1, 9]}, "d": "x"}),
        ([{"op": "move", "from": "/d", "path": "/a/d"}], {"a": {"b": 1, "c": [1, 2], "d": "x"}}),
        ([{"op": "copy", "from": "/a/c", "path": "/e"}], {"a": {"b": 1, "c": [1, 2]}, "d": "x", "e": [1, 2]}),
        ([{"op": "test", "path": "/a/b", "value": 1}], DOC),
        ([{"op": "replace", "path": "", "value": {"new": True}}], {"new": True}),
    ],
)
def test_json_patch_operations(ops: list[dict[str, Any]], expected: Any) -> None:
    assert apply_json_patch(DOC, ops) == expected


def test_json_pointers_unescape_tilde_and_slash() -> None:
    doc = {"metadata": {"labels": {"spark/role": "driver", "a~b": "c"}}}
    patched = apply_json_patch(
        doc,
        [
            {"op": "replace", "path": "/metadata/labels/spark~1role", "value": "executor"},
            {"op": "remove", "path": "/metadata/labels/a~0b"},
        ],
    )
    assert patched == {"metadata": {"labels": {"spark/role": "executor"}}}


def test_a_failed_test_op_fails_the_whole_patch() -> None:
    with pytest.raises(Invalid, match="test failed"):
        apply_json_patch(
            DOC, [{"op": "replace", "path": "/d", "value": "y"}, {"op": "test", "path": "/d", "value": "x"}]
        )


def test_json_patch_test_tells_true_from_one() -> None:
    with pytest.raises(Invalid):
        apply_json_patch({"a": 1}, [{"op": "test", "path": "/a", "value": True}])
    assert apply_json_patch({"a": 1}, [{"op": "test", "path": "/a", "value": 1.0}]) == {"a": 1}


@pytest.mark.parametrize(
    "ops",
    [
        [{"op": "remove", "path": "/missing"}],
        [{"op": "replace", "path": "/missing", "value": 1}],
        [{"op": "add", "path": "/missing/deeper", "value": 1}],
        [{"op": "add", "path": "/a/c/5", "value": 1}],
        [{"op": "add", "path": "/a/c/01", "value": 1}],
        [{"op": "move", "from": "/a", "path": "/a/b/c"}],
    ],
)
def test_json_patch_ops_that_cannot_apply_are_invalid(ops: list[dict[str, Any]]) -> None:
    with pytest.raises(Invalid):
        apply_json_patch(DOC, ops)


@pytest.mark.parametrize(
    "patch",
    [
        {"op": "add"},
        [{"op": "frobnicate", "path": "/a"}],
        [{"op": "add", "path": "/a"}],
        [{"op": "move", "path": "/a"}],
        [{"op": "add", "path": "a", "value": 1}],
        ["add"],
    ],
)
def test_malformed_json_patches_are_bad_requests(patch: Any) -> None:
    with pytest.raises(BadRequest):
        apply_json_patch(DOC, patch)


POD: dict[str, Any] = {
    "metadata": {"name": "p", "finalizers": ["a"]},
    "spec": {
        "containers": [
            {
                "name": "spark",
                "image": "spark:3.5",
                "ports": [{"containerPort": 7078}],
                "env": [{"name": "A", "value": "1"}],
            },
            {"name": "sidecar", "image": "busybox"},
        ],
        "volumes": [{"name": "data", "emptyDir": {}}],
        "tolerations": [{"key": "a"}],
    },
}


def test_strategic_merge_merges_containers_and_env_by_name() -> None:
    patched = strategic_merge_patch(
        POD,
        {
            "spec": {
                "containers": [
                    {"name": "spark", "image": "spark:4.0.1", "env": [{"name": "B", "value": "2"}]}
                ]
            }
        },
    )
    spark, sidecar = patched["spec"]["containers"]
    assert spark["image"] == "spark:4.0.1"
    assert spark["env"] == [{"name": "A", "value": "1"}, {"name": "B", "value": "2"}]
    assert spark["ports"] == [{"containerPort": 7078}]
    assert sidecar == {"name": "sidecar", "image": "busybox"}


def test_strategic_merge_deletes_list_elements_and_replaces_lists_without_a_key() -> None:
    patched = strategic_merge_patch(
        POD,
        {
            "spec": {
                "containers": [{"name": "sidecar", "$patch": "delete"}],
                "tolerations": [{"key": "b"}],
                "volumes": [{"name": "scratch", "emptyDir": {}}],
            },
            "$setElementOrder/containers": [{"name": "spark"}],
        },
    )
    assert [c["name"] for c in patched["spec"]["containers"]] == ["spark"]
    assert patched["spec"]["tolerations"] == [{"key": "b"}]
    assert [v["name"] for v in patched["spec"]["volumes"]] == ["data", "scratch"]
    assert "$setElementOrder/containers" not in patched


def test_strategic_merge_replace_and_delete_directives() -> None:
    patched = strategic_merge_patch(
        POD,
        {
            "metadata": {"finalizers": ["b"], "$deleteFromPrimitiveList/finalizers": ["a"]},
            "spec": {"$patch": "replace", "containers": [{"name": "only", "image": "x"}]},
        },
    )
    assert patched["metadata"]["finalizers"] == ["b"]
    assert patched["spec"] == {"containers": [{"name": "only", "image": "x"}]}


def test_strategic_merge_merges_service_ports_by_port() -> None:
    service = {"spec": {"ports": [{"name": "rpc", "port": 7078}, {"name": "ui", "port": 4040}]}}
    patched = strategic_merge_patch(service, {"spec": {"ports": [{"port": 4040, "name": "spark-ui"}]}})
    assert patched["spec"]["ports"] == [{"name": "rpc", "port": 7078}, {"name": "spark-ui", "port": 4040}]


def test_apply_merges_by_keys_for_core_kinds_and_replaces_lists_for_custom_kinds() -> None:
    applied = {"spec": {"containers": [{"name": "spark", "image": "new"}]}}
    core = apply_patch(POD, applied, PatchType.APPLY, core=True)
    assert len(core["spec"]["containers"]) == 2
    custom = apply_patch(POD, applied, PatchType.STRATEGIC, core=False)
    assert custom["spec"]["containers"] == [{"name": "spark", "image": "new"}]


def test_object_patch_types_refuse_non_objects() -> None:
    for patch_type in (PatchType.MERGE, PatchType.STRATEGIC, PatchType.APPLY):
        with pytest.raises(BadRequest):
            apply_patch(POD, [1], patch_type, core=True)
