"""The printer columns of every kind the platform serves: what `kubectl get` and `sparkfleet get` show.

Kubernetes' own kinds get the columns of the API server's printers (see corecolumns); the custom kinds
get exactly the `additionalPrinterColumns` of their upstream CRDs (Spark Operator, Karpenter), read
through the same JSONPaths. A kind with neither shows NAME and AGE, as the API server's table of a custom
resource without printer columns does.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sparkfleet.api.registry import KINDS
from sparkfleet.cluster.corecolumns import CORE_COLUMNS
from sparkfleet.cluster.port import Obj
from sparkfleet.cluster.tablecells import (
    NAME,
    Cell,
    Column,
    ColumnType,
    age,
    custom_column,
    human_duration,
)

__all__ = [
    "DEFAULT_COLUMNS",
    "Cell",
    "Column",
    "ColumnType",
    "age",
    "cells",
    "columns_for",
    "crd_printer_columns",
    "human_duration",
]

_S, _I, _B, _D = ColumnType.STRING, ColumnType.INTEGER, ColumnType.BOOLEAN, ColumnType.DATE
_CREATED = ".metadata.creationTimestamp"
_READY = '.status.conditions[?(@.type=="Ready")].status'

# (name, type, jsonPath, priority) as in each CRD's additionalPrinterColumns; the API server puts NAME first.
_CRD_COLUMNS: dict[str, tuple[tuple[str, ColumnType, str, int], ...]] = {
    # kubeflow/spark-operator charts/spark-operator-chart/crds/sparkoperator.k8s.io_sparkapplications.yaml
    "SparkApplication": (
        ("Suspend", _B, ".spec.suspend", 0),
        ("Status", _S, ".status.applicationState.state", 0),
        ("Attempts", _S, ".status.executionAttempts", 0),
        ("Start", _S, ".status.lastSubmissionAttemptTime", 0),
        ("Finish", _S, ".status.terminationTime", 0),
        ("Age", _D, _CREATED, 0),
    ),
    # ... sparkoperator.k8s.io_scheduledsparkapplications.yaml
    "ScheduledSparkApplication": (
        ("Schedule", _S, ".spec.schedule", 0),
        ("TimeZone", _S, ".spec.timeZone", 0),
        ("Suspend", _S, ".spec.suspend", 0),
        ("Last Run", _D, ".status.lastRun", 0),
        ("Last Run Name", _S, ".status.lastRunName", 0),
        ("Age", _D, _CREATED, 0),
    ),
    # ... sparkoperator.k8s.io_sparkconnects.yaml
    "SparkConnect": (
        ("Age", _D, _CREATED, 0),
        ("Status", _S, ".status.state", 0),
        ("PodName", _S, ".status.server.podName", 0),
    ),
    # kubernetes-sigs/karpenter pkg/apis/crds/karpenter.sh_nodepools.yaml
    "NodePool": (
        ("NodeClass", _S, ".spec.template.spec.nodeClassRef.name", 0),
        ("Nodes", _S, ".status.nodes", 0),
        ("Ready", _S, _READY, 0),
        ("Age", _D, _CREATED, 0),
        ("Weight", _I, ".spec.weight", 1),
        ("CPU", _S, ".status.resources.cpu", 1),
        ("Memory", _S, ".status.resources.memory", 1),
    ),
    # ... karpenter.sh_nodeclaims.yaml
    "NodeClaim": (
        ("Type", _S, r".metadata.labels.node\.kubernetes\.io/instance-type", 0),
        ("Capacity", _S, r".metadata.labels.karpenter\.sh/capacity-type", 0),
        ("Zone", _S, r".metadata.labels.topology\.kubernetes\.io/zone", 0),
        ("Node", _S, ".status.nodeName", 0),
        ("Ready", _S, _READY, 0),
        ("Age", _D, _CREATED, 0),
        ("ID", _S, ".status.providerID", 1),
        ("NodePool", _S, r".metadata.labels.karpenter\.sh/nodepool", 1),
        ("NodeClass", _S, ".spec.nodeClassRef.name", 1),
        # Not in Karpenter's CRD: what the instance costs, in `-o wide`.
        ("Price/h", _S, r".metadata.annotations.sparkfleet\.io/price-per-hour", 1),
    ),
    # ... karpenter.sh_nodeoverlays.yaml
    "NodeOverlay": (
        ("Ready", _S, _READY, 0),
        ("Age", _D, _CREATED, 0),
        ("Weight", _I, ".spec.weight", 1),
    ),
    # aws/karpenter-provider-aws pkg/apis/crds/karpenter.k8s.aws_ec2nodeclasses.yaml
    "EC2NodeClass": (
        ("Ready", _S, _READY, 0),
        ("Age", _D, _CREATED, 0),
        ("Role", _S, ".spec.role", 1),
    ),
}

DEFAULT_COLUMNS: tuple[Column, ...] = (NAME, custom_column("Age", _D, _CREATED))
"""A custom resource without printer columns: its name and age."""


def _custom(specs: tuple[tuple[str, ColumnType, str, int], ...]) -> tuple[Column, ...]:
    return (NAME, *(custom_column(name, kind, path, priority) for name, kind, path, priority in specs))


def _table() -> dict[str, tuple[Column, ...]]:
    """Every kind of the table of kinds with its columns: the API server's, its CRD's, or the default."""
    table: dict[str, tuple[Column, ...]] = {}
    for info in KINDS:
        specs = _CRD_COLUMNS.get(info.kind)
        table[info.kind] = CORE_COLUMNS.get(info.kind) or (_custom(specs) if specs else DEFAULT_COLUMNS)
    return table


_COLUMNS = _table()


def columns_for(kind: str) -> tuple[Column, ...]:
    """The columns of a kind (by its `kind`, e.g. `Pod`), priority-1 ones included."""
    return _COLUMNS.get(kind, DEFAULT_COLUMNS)


def crd_printer_columns(kind: str) -> list[dict[str, Any]]:
    """A custom kind's columns as its CRD's `additionalPrinterColumns` (none for a kind without)."""
    return [
        {"jsonPath": path, "name": name, "type": str(kind_), **({"priority": priority} if priority else {})}
        for name, kind_, path, priority in _CRD_COLUMNS.get(kind, ())
    ]


def cells(columns: tuple[Column, ...], obj: Obj, now: datetime) -> list[Cell]:
    """One row: every column's cell for `obj`, at `now` (ages are measured to it)."""
    return [column.cell(obj, now) for column in columns]
