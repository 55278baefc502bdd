"""The wire vocabulary is written once: no label, annotation, taint or tag key of `sparkfleet.api.wire`
appears as a string literal anywhere else in the package."""

from __future__ import annotations

import ast
import json
from collections.abc import Iterator
from pathlib import Path

import pytest

import sparkfleet
from sparkfleet.api import wire
from sparkfleet.api.wire import (
    CLUSTER_SCHEDULER_NAMES,
    EMBEDDED_SCHEDULER_NAMES,
    format_loopback_ports,
    parse_loopback_ports,
    parse_scratch_mounts,
    scheduler_names,
    spark_ui_proxy_path,
)

PACKAGE = Path(sparkfleet.__file__).parent
WIRE = PACKAGE / "api" / "wire"


def known_keys() -> frozenset[str]:
    """Every exported string that is a key (it has a prefix) or one of Spark's bare well-known labels."""
    values = {name: getattr(wire, name) for name in wire.__all__}
    return frozenset(
        value
        for name, value in values.items()
        if isinstance(value, str) and ("/" in value or name.startswith("LABEL_SPARK_"))
    )


def _docstrings(tree: ast.Module) -> set[int]:
    """ids of the Constant nodes that are module, class or function docstrings."""
    found: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
            body = node.body
            if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
                found.add(id(body[0].value))
    return found


def literals(path: Path) -> Iterator[tuple[int, str]]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    docstrings = _docstrings(tree)
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docstrings:
            yield node.lineno, node.value


def copies_outside_wire(keys: frozenset[str]) -> list[str]:
    return [
        f"{path.relative_to(PACKAGE)}:{line}: {value!r}"
        for path in sorted(PACKAGE.rglob("*.py"))
        if not path.is_relative_to(WIRE)
        for line, value in literals(path)
        if value in keys
    ]


def test_the_wire_package_names_the_keys_components_share() -> None:
    keys = known_keys()
    assert {"yunikorn.apache.org/task-groups", "spark-role", "karpenter.sh/nodepool"} <= keys
    assert "sparkfleet.io/scratch-mounts" in keys


def test_every_key_is_written_once_in_the_wire_package() -> None:
    assert copies_outside_wire(known_keys()) == []


def test_docstrings_and_jsonpaths_are_not_copies(tmp_path: Path) -> None:
    source = tmp_path / "sample.py"
    source.write_text(
        '"""Reads "spark-role"."""\n'
        "def f() -> str:\n"
        '    """Also spark-role."""\n'
        "    return '.metadata.labels.karpenter\\\\.sh/nodepool'\n"
        "LABEL = 'spark-role'\n",
        encoding="utf-8",
    )
    assert [value for _, value in literals(source) if value in known_keys()] == ["spark-role"]


def test_the_loopback_ports_annotation_reads_back_what_was_written_and_skips_the_rest() -> None:
    assert parse_loopback_ports(format_loopback_ports({4040: 4043, 8080: 8081})) == {4040: 4043, 8080: 8081}
    assert parse_loopback_ports('{"4040": 4043, "ui": 1, "8080": "x", "0": 5, "9090": 70000}') == {4040: 4043}
    assert parse_loopback_ports("not json") == parse_loopback_ports("[4040]") == {}


def test_the_scratch_mounts_annotation_keeps_sources_it_does_not_know_as_none() -> None:
    raw = json.dumps(
        [{"path": "/mnt/k8s-disks/0", "sizeBytes": 5, "source": "nvme-raid0"}, {"path": "/x", "source": "?"}]
    )
    first, second = parse_scratch_mounts(raw)
    assert (first.path, first.size_bytes, first.source) == (
        "/mnt/k8s-disks/0",
        5,
        wire.MountSource.NVME_RAID0,
    )
    assert (second.path, second.size_bytes, second.source) == ("/x", 0, None)


def test_scheduler_names_read_as_the_flag_gives_them_and_the_default_scheduler_takes_unnamed_pods() -> None:
    assert scheduler_names("yunikorn") == CLUSTER_SCHEDULER_NAMES == {"yunikorn"}
    assert scheduler_names(" yunikorn , default-scheduler ") == EMBEDDED_SCHEDULER_NAMES
    assert None in EMBEDDED_SCHEDULER_NAMES and "" in EMBEDDED_SCHEDULER_NAMES
    assert scheduler_names(" , ") == frozenset()


@pytest.mark.parametrize(
    ("driver_info", "path"),
    [
        (
            {"webUIServiceName": "pi-ui-svc", "webUIPort": 4040},
            "/api/v1/namespaces/spark-team-a/services/pi-ui-svc:4040/proxy/",
        ),
        ({"webUIServiceName": "pi-ui-svc"}, None),
        ({"webUIPort": 4040}, None),
        ({}, None),
    ],
)
def test_the_spark_ui_is_the_ui_services_proxy_path_once_the_operator_made_it(
    driver_info: dict[str, object], path: str | None
) -> None:
    app = {"metadata": {"name": "pi", "namespace": "spark-team-a"}, "status": {"driverInfo": driver_info}}
    assert spark_ui_proxy_path(app) == path
