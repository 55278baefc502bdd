"""`sparkfleet get`: the API server's printer columns, `-o wide` and `-o name` as kubectl prints them,
`get all`, and piped output that keeps every name whole."""

from __future__ import annotations

import io
from datetime import UTC, datetime
from typing import Any

import pytest
from rich.console import Console

from sparkfleet.cli.objects import render_table
from sparkfleet.cli.printers import cell_text, print_table
from sparkfleet.clock import SystemClock
from sparkfleet.platform import cluster_home, open_embedded_store
from support.cli import PI, sf

pytestmark = pytest.mark.usefixtures("home")
NOW = datetime(2026, 1, 2, 12, 0, 0, tzinfo=UTC)


def store_objects(*objs: dict[str, Any]) -> None:
    store = open_embedded_store(cluster_home(), SystemClock())
    for obj in objs:
        store.create(obj)
    store.close()


def driver_pod(name: str = "pyspark-pi-driver") -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": name, "namespace": "spark-team-a"},
        "spec": {"containers": [{"name": "spark-kubernetes-driver", "image": "spark"}], "nodeName": "node-a"},
        "status": {
            "phase": "Running",
            "podIP": "127.0.5.1",
            "containerStatuses": [
                {
                    "name": "spark-kubernetes-driver",
                    "ready": True,
                    "restartCount": 0,
                    "state": {"running": {}},
                }
            ],
        },
    }


def test_get_pods_shows_kubectls_columns_and_wide_adds_the_node() -> None:
    store_objects(driver_pod())
    code, out, _ = sf("get", "pods", "-n", "spark-team-a")
    assert code == 0
    header, row = out.splitlines()
    assert header.split() == ["NAME", "READY", "STATUS", "RESTARTS", "AGE"]
    assert row.split()[:4] == ["pyspark-pi-driver", "1/1", "Running", "0"]
    wide = sf("get", "pods", "-n", "spark-team-a", "-o", "wide")[1].splitlines()
    assert wide[0].split()[5:7] == ["IP", "NODE"]
    assert wide[1].split()[5:7] == ["127.0.5.1", "node-a"]


def test_get_nodepools_wide_adds_karpenters_priority_columns() -> None:
    plain = sf("get", "nodepools")[1].splitlines()[0].split()
    wide = sf("get", "nodepools", "-o", "wide")[1].splitlines()[0].split()
    assert plain == ["NAME", "NODECLASS", "NODES", "READY", "AGE"]
    assert wide == [*plain, "WEIGHT", "CPU", "MEMORY"]


def test_output_name_prints_kind_group_and_name_as_kubectl_does() -> None:
    store_objects(driver_pod())
    sf("apply", "-f", str(PI))
    assert sf("get", "pods", "-n", "spark-team-a", "-o", "name")[1] == "pod/pyspark-pi-driver\n"
    assert sf("get", "sparkapp", "pyspark-pi-karpenter", "-n", "spark-team-a", "-o", "name")[1] == (
        "sparkapplication.sparkoperator.k8s.io/pyspark-pi-karpenter\n"
    )


def test_an_unknown_output_format_lists_the_known_ones() -> None:
    code, _, err = sf("get", "pods", "-o", "jsonpath")
    assert code == 1
    assert "wide, name, yaml, json" in err


def test_get_all_shows_a_table_per_kind_with_kind_qualified_names() -> None:
    store_objects(driver_pod())
    sf("apply", "-f", str(PI))
    code, out, _ = sf("get", "all", "-n", "spark-team-a")
    assert code == 0
    pods, apps = out.split("\n\n")
    assert pods.splitlines()[0].split()[:2] == ["NAME", "READY"]
    assert pods.splitlines()[1].split()[0] == "pod/pyspark-pi-driver"
    assert apps.splitlines()[0].split()[:3] == ["NAME", "SUSPEND", "STATUS"]
    assert apps.splitlines()[1].split()[0] == "sparkapplication.sparkoperator.k8s.io/pyspark-pi-karpenter"
    names = sf("get", "all", "-n", "spark-team-a", "-o", "name")[1].split()
    assert names == ["pod/pyspark-pi-driver", "sparkapplication.sparkoperator.k8s.io/pyspark-pi-karpenter"]


def test_get_all_of_an_empty_namespace_and_with_a_name() -> None:
    assert sf("get", "all", "-n", "spark-team-b")[1].strip() == "No resources found."
    code, _, err = sf("get", "all", "something")
    assert code == 1
    assert "drop the name" in err


def test_piped_output_keeps_long_names_whole_on_one_line() -> None:
    long_name = "pyspark-pi-karpenter-driver-with-a-very-long-generated-name-0123456789abcdef"
    store_objects(driver_pod(long_name))
    header, row = sf("get", "pods", "-n", "spark-team-a", "-o", "wide")[1].splitlines()
    assert row.split()[0] == long_name
    assert header.index("READY") == row.index("1/1") == len(long_name) + 3


def test_plain_layout_pads_columns_like_kubectls_tabwriter() -> None:
    out = io.StringIO()
    print_table(Console(file=out, width=40), ["NAME", "A", "MESSAGE"], [["pi", "", "a long message"]])
    assert out.getvalue().splitlines() == ["NAME   A     MESSAGE", "pi           a long message"]


def test_a_terminal_gets_a_rich_table_with_every_cell() -> None:
    out = io.StringIO()
    console = Console(file=out, width=200, force_terminal=True, color_system=None)
    pod = {
        **driver_pod(),
        "metadata": {**driver_pod()["metadata"], "creationTimestamp": "2026-01-02T11:59:00Z"},
    }
    render_table(console, "Pod", [pod], NOW, with_namespace=True)
    header, row = out.getvalue().splitlines()
    assert header.split() == ["NAMESPACE", "NAME", "READY", "STATUS", "RESTARTS", "AGE"]
    assert row.split() == ["spark-team-a", "pyspark-pi-driver", "1/1", "Running", "0", "60s"]


@pytest.mark.parametrize(
    ("cell", "text"), [(None, ""), (True, "true"), (False, "false"), (3, "3"), (2.0, "2"), (2.5, "2.5")]
)
def test_cells_read_as_kubectl_prints_them(cell: Any, text: str) -> None:
    assert cell_text(cell) == text
