"""Printer columns: each kind's columns as kubectl shows them, and the cells computed from objects."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from sparkfleet.cluster.kinds import KINDS
from sparkfleet.cluster.printcolumns import Column, cells, columns_for, human_duration

NOW = datetime(2026, 1, 2, 12, 0, 0, tzinfo=UTC)
CREATED = "2026-01-02T11:00:00Z"  # an hour before NOW

Obj = dict[str, Any]


def row(kind: str, obj: Obj, wide: bool = False) -> dict[str, Any]:
    """The cells of `obj` by column header, as `get` (or `-o wide`) shows them."""
    columns = [c for c in columns_for(kind) if wide or c.priority == 0]
    return dict(zip((c.name.upper() for c in columns), cells(tuple(columns), obj, NOW), strict=True))


def headers(kind: str, wide: bool = False) -> list[str]:
    return [c.name.upper() for c in columns_for(kind) if wide or c.priority == 0]


# --- pods ------------------------------------------------------------------------------------------


def pod(phase: str, *statuses: Obj, deleting: bool = False, containers: int = 1, **status: Any) -> Obj:
    metadata: Obj = {"name": "driver", "creationTimestamp": CREATED}
    if deleting:
        metadata["deletionTimestamp"] = "2026-01-02T11:59:00Z"
    return {
        "kind": "Pod",
        "metadata": metadata,
        "spec": {"containers": [{"name": f"c{i}"} for i in range(containers)], "nodeName": "node-a"},
        "status": {"phase": phase, "containerStatuses": list(statuses), **status},
    }


def running(ready: bool = True, restarts: int = 0, **last: Any) -> Obj:
    status: Obj = {"ready": ready, "restartCount": restarts, "state": {"running": {}}}
    if last:
        status["lastState"] = {"terminated": last}
    return status


def waiting(reason: str) -> Obj:
    return {"ready": False, "restartCount": 0, "state": {"waiting": {"reason": reason}}}


def terminated(reason: str | None, exit_code: int) -> Obj:
    state: Obj = {"exitCode": exit_code}
    if reason:
        state["reason"] = reason
    return {"ready": False, "restartCount": 0, "state": {"terminated": state}}


@pytest.mark.parametrize(
    ("obj", "ready", "status"),
    [
        (pod("Pending"), "0/1", "Pending"),
        (pod("Pending", waiting("ContainerCreating")), "0/1", "ContainerCreating"),
        (pod("Running", running()), "1/1", "Running"),
        (pod("Running", running(ready=False)), "0/1", "Running"),
        (pod("Succeeded", terminated("Completed", 0)), "0/1", "Completed"),
        (pod("Failed", terminated("Error", 1)), "0/1", "Error"),
        (pod("Failed", terminated(None, 137)), "0/1", "ExitCode:137"),
        (pod("Running", running(), waiting("CrashLoopBackOff"), containers=2), "1/2", "CrashLoopBackOff"),
        (pod("Running", running(), deleting=True), "1/1", "Terminating"),
        (pod("Succeeded", terminated("Completed", 0), deleting=True), "0/1", "Completed"),
        (pod("Failed", reason="Evicted"), "0/1", "Evicted"),
        (pod("Running", running(), deleting=True, reason="NodeLost"), "1/1", "Unknown"),
    ],
)
def test_a_pods_ready_and_status_are_worked_out_as_kubectl_does(obj: Obj, ready: str, status: str) -> None:
    cells_by_name = row("Pod", obj)
    assert (cells_by_name["READY"], cells_by_name["STATUS"]) == (ready, status)


def test_a_pod_row_has_kubectls_columns_and_its_wide_ones() -> None:
    obj = pod("Running", running(), podIP="127.0.3.4")
    assert row("Pod", obj) == {
        "NAME": "driver",
        "READY": "1/1",
        "STATUS": "Running",
        "RESTARTS": "0",
        "AGE": "60m",
    }
    assert row("Pod", obj, wide=True) == {
        **row("Pod", obj),
        "IP": "127.0.3.4",
        "NODE": "node-a",
        "NOMINATED NODE": "<none>",
        "READINESS GATES": "<none>",
    }


def test_restarts_say_when_the_last_one_was() -> None:
    obj = pod("Running", running(restarts=3, finishedAt="2026-01-02T11:55:00Z", exitCode=1))
    assert row("Pod", obj)["RESTARTS"] == "3 (5m ago)"


def test_an_init_container_still_running_shows_init_progress() -> None:
    obj = pod("Pending", initContainerStatuses=[waiting("PodInitializing")])
    obj["spec"]["initContainers"] = [{"name": "fetch-deps"}]
    assert row("Pod", obj)["STATUS"] == "Init:0/1"
    obj["status"]["initContainerStatuses"] = [terminated("Error", 2)]
    assert row("Pod", obj)["STATUS"] == "Init:Error"


# --- nodes -----------------------------------------------------------------------------------------


def node(ready: str | None, unschedulable: bool = False, labels: dict[str, str] | None = None) -> Obj:
    conditions = [] if ready is None else [{"type": "Ready", "status": ready}]
    return {
        "kind": "Node",
        "metadata": {"name": "ip-10-0-0-1", "creationTimestamp": CREATED, "labels": labels or {}},
        "spec": {"unschedulable": unschedulable},
        "status": {
            "conditions": conditions,
            "nodeInfo": {"kubeletVersion": "v1.32.0", "osImage": "Amazon Linux 2023"},
            "addresses": [{"type": "InternalIP", "address": "127.0.1.1"}],
        },
    }


@pytest.mark.parametrize(
    ("obj", "status"),
    [
        (node("True"), "Ready"),
        (node("False"), "NotReady"),
        (node("Unknown"), "NotReady"),
        (node(None), "Unknown"),
        (node("True", unschedulable=True), "Ready,SchedulingDisabled"),
        (node("False", unschedulable=True), "NotReady,SchedulingDisabled"),
    ],
)
def test_a_nodes_status_comes_from_its_ready_condition(obj: Obj, status: str) -> None:
    assert row("Node", obj)["STATUS"] == status


def test_a_node_row_shows_roles_version_and_the_karpenter_labels_when_wide() -> None:
    labels = {
        "node.kubernetes.io/instance-type": "r6i.2xlarge",
        "karpenter.sh/capacity-type": "spot",
        "topology.kubernetes.io/zone": "us-west-2a",
        "karpenter.sh/nodepool": "spark-memory",
    }
    obj = node("True", labels=labels)
    assert row("Node", obj) == {
        "NAME": "ip-10-0-0-1",
        "STATUS": "Ready",
        "ROLES": "<none>",
        "AGE": "60m",
        "VERSION": "v1.32.0",
    }
    wide = row("Node", obj, wide=True)
    assert wide["INTERNAL-IP"] == "127.0.1.1"
    assert wide["EXTERNAL-IP"] == "<none>"
    assert wide["OS-IMAGE"] == "Amazon Linux 2023"
    assert wide["KERNEL-VERSION"] == "<unknown>"
    assert [wide[h] for h in ("INSTANCE-TYPE", "CAPACITY-TYPE", "ZONE", "NODEPOOL")] == list(labels.values())
    roles = node("True", labels={"node-role.kubernetes.io/worker": "", "kubernetes.io/role": "spark"})
    assert row("Node", roles)["ROLES"] == "spark,worker"


# --- the operator's and Karpenter's kinds -----------------------------------------------------------


def test_a_spark_application_shows_the_operators_columns() -> None:
    app: Obj = {
        "kind": "SparkApplication",
        "metadata": {"name": "pi", "creationTimestamp": CREATED},
        "spec": {"suspend": False},
        "status": {
            "applicationState": {"state": "COMPLETED"},
            "executionAttempts": 1,
            "lastSubmissionAttemptTime": "2026-01-02T11:00:05Z",
            "terminationTime": "2026-01-02T11:03:00Z",
        },
    }
    assert row("SparkApplication", app) == {
        "NAME": "pi",
        "SUSPEND": False,
        "STATUS": "COMPLETED",
        "ATTEMPTS": "1",
        "START": "2026-01-02T11:00:05Z",
        "FINISH": "2026-01-02T11:03:00Z",
        "AGE": "60m",
    }
    fresh: Obj = {"kind": "SparkApplication", "metadata": {"name": "new", "creationTimestamp": CREATED}}
    assert row("SparkApplication", fresh) == {
        "NAME": "new",
        "SUSPEND": None,
        "STATUS": None,
        "ATTEMPTS": None,
        "START": None,
        "FINISH": None,
        "AGE": "60m",
    }


def test_a_node_claim_shows_karpenters_columns_from_labels_and_conditions() -> None:
    claim: Obj = {
        "kind": "NodeClaim",
        "metadata": {
            "name": "spot-first-x7k2p",
            "creationTimestamp": CREATED,
            "labels": {
                "node.kubernetes.io/instance-type": "m5.xlarge",
                "karpenter.sh/capacity-type": "spot",
                "topology.kubernetes.io/zone": "us-west-2b",
                "karpenter.sh/nodepool": "spot-first",
            },
            "annotations": {"sparkfleet.io/price-per-hour": "0.0716"},
        },
        "spec": {"nodeClassRef": {"name": "default"}},
        "status": {"nodeName": "ip-10-0-0-9", "conditions": [{"type": "Ready", "status": "True"}]},
    }
    assert row("NodeClaim", claim, wide=True) == {
        "NAME": "spot-first-x7k2p",
        "TYPE": "m5.xlarge",
        "CAPACITY": "spot",
        "ZONE": "us-west-2b",
        "NODE": "ip-10-0-0-9",
        "READY": "True",
        "AGE": "60m",
        "ID": None,
        "NODEPOOL": "spot-first",
        "NODECLASS": "default",
        "PRICE/H": "0.0716",
    }


def test_a_node_pools_weight_is_an_integer_cell_shown_only_wide() -> None:
    pool: Obj = {
        "kind": "NodePool",
        "metadata": {"name": "p", "creationTimestamp": CREATED},
        "spec": {"weight": 50},
    }
    assert "WEIGHT" not in row("NodePool", pool)
    assert row("NodePool", pool, wide=True)["WEIGHT"] == 50


def test_date_columns_are_ages_and_an_empty_date_is_unknown() -> None:
    scheduled: Obj = {
        "kind": "ScheduledSparkApplication",
        "metadata": {"name": "nightly", "creationTimestamp": CREATED},
        "spec": {"schedule": "@daily", "suspend": False},
        "status": {"lastRun": "2026-01-02T11:58:00Z", "lastRunName": "nightly-1"},
    }
    cells_by_name = row("ScheduledSparkApplication", scheduled)
    assert (cells_by_name["LAST RUN"], cells_by_name["SUSPEND"], cells_by_name["AGE"]) == (
        "2m",
        "false",
        "60m",
    )
    scheduled["status"]["lastRun"] = ""
    assert row("ScheduledSparkApplication", scheduled)["LAST RUN"] == "<unknown>"


# The upstream CRDs' additionalPrinterColumns (name, type, jsonPath, priority): kubeflow/spark-operator's
# chart CRDs, kubernetes-sigs/karpenter's and aws/karpenter-provider-aws's pkg/apis/crds.
UPSTREAM = {
    "SparkApplication": [
        ("Suspend", "boolean", ".spec.suspend", 0),
        ("Status", "string", ".status.applicationState.state", 0),
        ("Attempts", "string", ".status.executionAttempts", 0),
        ("Start", "string", ".status.lastSubmissionAttemptTime", 0),
        ("Finish", "string", ".status.terminationTime", 0),
        ("Age", "date", ".metadata.creationTimestamp", 0),
    ],
    "ScheduledSparkApplication": [
        ("Schedule", "string", ".spec.schedule", 0),
        ("TimeZone", "string", ".spec.timeZone", 0),
        ("Suspend", "string", ".spec.suspend", 0),
        ("Last Run", "date", ".status.lastRun", 0),
        ("Last Run Name", "string", ".status.lastRunName", 0),
        ("Age", "date", ".metadata.creationTimestamp", 0),
    ],
    "NodePool": [
        ("NodeClass", "string", ".spec.template.spec.nodeClassRef.name", 0),
        ("Nodes", "string", ".status.nodes", 0),
        ("Ready", "string", '.status.conditions[?(@.type=="Ready")].status', 0),
        ("Age", "date", ".metadata.creationTimestamp", 0),
        ("Weight", "integer", ".spec.weight", 1),
        ("CPU", "string", ".status.resources.cpu", 1),
        ("Memory", "string", ".status.resources.memory", 1),
    ],
    "NodeClaim": [
        ("Type", "string", r".metadata.labels.node\.kubernetes\.io/instance-type", 0),
        ("Capacity", "string", r".metadata.labels.karpenter\.sh/capacity-type", 0),
        ("Zone", "string", r".metadata.labels.topology\.kubernetes\.io/zone", 0),
        ("Node", "string", ".status.nodeName", 0),
        ("Ready", "string", '.status.conditions[?(@.type=="Ready")].status', 0),
        ("Age", "date", ".metadata.creationTimestamp", 0),
        ("ID", "string", ".status.providerID", 1),
        ("NodePool", "string", r".metadata.labels.karpenter\.sh/nodepool", 1),
        ("NodeClass", "string", ".spec.nodeClassRef.name", 1),
    ],
    "EC2NodeClass": [
        ("Ready", "string", '.status.conditions[?(@.type=="Ready")].status', 0),
        ("Age", "date", ".metadata.creationTimestamp", 0),
        ("Role", "string", ".spec.role", 1),
    ],
    "NodeOverlay": [
        ("Ready", "string", '.status.conditions[?(@.type=="Ready")].status', 0),
        ("Age", "date", ".metadata.creationTimestamp", 0),
        ("Weight", "integer", ".spec.weight", 1),
    ],
}


# sparkfleet's own columns, after the upstream ones and only in `-o wide`.
OWN = {"NodeClaim": [("Price/h", "string", r".metadata.annotations.sparkfleet\.io/price-per-hour", 1)]}


@pytest.mark.parametrize("kind", sorted(UPSTREAM))
def test_custom_kinds_have_exactly_their_upstream_crds_printer_columns(kind: str) -> None:
    prefix = "Custom resource definition column (in JSONPath format): "
    name, *rest = columns_for(kind)
    assert (name.name, name.format) == ("Name", "name")
    described = [(c.name, str(c.type), c.description.removeprefix(prefix), c.priority) for c in rest]
    assert described == UPSTREAM[kind] + OWN.get(kind, [])


# --- every kind ------------------------------------------------------------------------------------


def test_every_served_kind_has_columns_that_name_its_objects() -> None:
    for info in KINDS:
        columns: tuple[Column, ...] = columns_for(info.kind)
        assert any(c.format == "name" for c in columns), info.kind
        assert {c.priority for c in columns} <= {0, 1}


def test_a_kind_without_printer_columns_shows_its_name_and_age() -> None:
    obj: Obj = {"kind": "Widget", "metadata": {"name": "w", "creationTimestamp": CREATED}}
    assert row("Widget", obj) == {"NAME": "w", "AGE": "60m"}


@pytest.mark.parametrize(
    ("kind", "expected"),
    [
        ("Service", ["NAME", "TYPE", "CLUSTER-IP", "EXTERNAL-IP", "PORT(S)", "AGE"]),
        ("Event", ["LAST SEEN", "TYPE", "REASON", "OBJECT", "MESSAGE"]),
        (
            "PersistentVolumeClaim",
            [
                "NAME",
                "STATUS",
                "VOLUME",
                "CAPACITY",
                "ACCESS MODES",
                "STORAGECLASS",
                "VOLUMEATTRIBUTESCLASS",
                "AGE",
            ],
        ),
        ("PriorityClass", ["NAME", "VALUE", "GLOBAL-DEFAULT", "AGE", "PREEMPTIONPOLICY"]),
        ("Namespace", ["NAME", "STATUS", "AGE"]),
        ("ConfigMap", ["NAME", "DATA", "AGE"]),
    ],
)
def test_kubernetes_kinds_have_the_api_servers_headers(kind: str, expected: list[str]) -> None:
    assert headers(kind) == expected


def test_a_service_shows_its_address_ports_and_selector() -> None:
    svc: Obj = {
        "kind": "Service",
        "metadata": {"name": "pi-ui-svc", "creationTimestamp": CREATED},
        "spec": {
            "clusterIP": "127.0.9.9",
            "ports": [{"port": 4040, "protocol": "TCP"}, {"port": 7078, "nodePort": 30001}],
            "selector": {"spark-role": "driver", "app": "pi"},
        },
    }
    assert row("Service", svc, wide=True) == {
        "NAME": "pi-ui-svc",
        "TYPE": "ClusterIP",
        "CLUSTER-IP": "127.0.9.9",
        "EXTERNAL-IP": "<none>",
        "PORT(S)": "4040/TCP,7078:30001/TCP",
        "AGE": "60m",
        "SELECTOR": "app=pi,spark-role=driver",
    }
    svc["spec"]["type"] = "LoadBalancer"
    assert row("Service", svc)["EXTERNAL-IP"] == "<pending>"


def test_an_event_row_names_its_object_and_counts_repeats() -> None:
    event: Obj = {
        "kind": "Event",
        "metadata": {"name": "pi.1", "creationTimestamp": CREATED},
        "involvedObject": {"kind": "SparkApplication", "name": "pi"},
        "type": "Normal",
        "reason": "SparkApplicationSubmitted",
        "message": " submitted \n",
        "firstTimestamp": "2026-01-02T11:50:00Z",
        "lastTimestamp": "2026-01-02T11:59:30Z",
        "count": 4,
        "source": {"component": "spark-operator"},
    }
    assert row("Event", event, wide=True) == {
        "LAST SEEN": "30s",
        "TYPE": "Normal",
        "REASON": "SparkApplicationSubmitted",
        "OBJECT": "sparkapplication/pi",
        "SUBOBJECT": "",
        "SOURCE": "spark-operator",
        "MESSAGE": "submitted",
        "FIRST SEEN": "10m",
        "COUNT": 4,
        "NAME": "pi.1",
    }


def test_a_bound_claim_shows_its_volume_capacity_and_modes() -> None:
    claim: Obj = {
        "kind": "PersistentVolumeClaim",
        "metadata": {"name": "spark-local", "creationTimestamp": CREATED},
        "spec": {"volumeName": "pv-1", "storageClassName": "gp3"},
        "status": {
            "phase": "Bound",
            "capacity": {"storage": "100Gi"},
            "accessModes": ["ReadWriteMany", "ReadWriteOnce"],
        },
    }
    cells_by_name = row("PersistentVolumeClaim", claim)
    assert [cells_by_name[h] for h in ("STATUS", "VOLUME", "CAPACITY", "ACCESS MODES", "STORAGECLASS")] == [
        "Bound",
        "pv-1",
        "100Gi",
        "RWO,RWX",
        "gp3",
    ]


@pytest.mark.parametrize(
    ("elapsed", "text"),
    [
        (timedelta(seconds=-5), "<invalid>"),
        (timedelta(seconds=-1), "0s"),
        (timedelta(seconds=119), "119s"),
        (timedelta(minutes=3, seconds=12), "3m12s"),
        (timedelta(minutes=5), "5m"),
        (timedelta(minutes=45, seconds=7), "45m"),
        (timedelta(hours=5, minutes=10), "5h10m"),
        (timedelta(hours=30), "30h"),
        (timedelta(days=3, hours=4), "3d4h"),
        (timedelta(days=40), "40d"),
        (timedelta(days=365 * 2 + 30), "2y30d"),
        (timedelta(days=365 * 9), "9y"),
    ],
)
def test_ages_are_written_as_apimachinery_writes_durations(elapsed: timedelta, text: str) -> None:
    assert human_duration(elapsed) == text
