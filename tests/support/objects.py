"""Builders of Kubernetes-shaped objects as plain dicts, the way a client sends them to the store or the API.

Each builder makes the smallest valid object of its kind; keyword arguments add what a test needs
(labels, an owner, spec fields) so that a test's object says only what matters to it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

Obj = dict[str, Any]

PI_FILE = "local:///opt/spark/examples/src/main/python/pi.py"


def pod(name: str, namespace: str = "default", labels: dict[str, str] | None = None, **spec: Any) -> Obj:
    """A Pod with one container; `spec` adds or replaces spec fields (nodeName, volumes, ...)."""
    metadata: Obj = {"name": name, "namespace": namespace}
    if labels is not None:
        metadata["labels"] = labels
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": metadata,
        "spec": {"containers": [{"name": "main", "image": "spark:4.0.1"}], **spec},
    }


def configmap(
    name: str,
    namespace: str = "default",
    labels: dict[str, str] | None = None,
    owner: Obj | None = None,
    **data: str,
) -> Obj:
    """A ConfigMap holding `data`; `owner` (a stored object, so it has a uid) makes it owned by that."""
    metadata: Obj = {"name": name, "namespace": namespace}
    if labels is not None:
        metadata["labels"] = labels
    if owner is not None:
        metadata["ownerReferences"] = [owner_ref(owner)]
    return {"apiVersion": "v1", "kind": "ConfigMap", "metadata": metadata, "data": dict(data)}


def node(name: str, **labels: str) -> Obj:
    """A Node with the given labels and an empty spec."""
    return {
        "apiVersion": "v1",
        "kind": "Node",
        "metadata": {"name": name, "labels": dict(labels)},
        "spec": {},
    }


def spark_app(name: str, namespace: str = "default", **spec: Any) -> Obj:
    """A small Python SparkApplication (a 1-core driver, two 1-core executors); `spec` overrides fields."""
    return {
        "apiVersion": "sparkoperator.k8s.io/v1beta2",
        "kind": "SparkApplication",
        "metadata": {"name": name, "namespace": namespace},
        "spec": {
            "type": "Python",
            "mode": "cluster",
            "sparkVersion": "4.0.1",
            "mainApplicationFile": PI_FILE,
            "driver": {"cores": 1, "memory": "512m"},
            "executor": {"cores": 1, "instances": 2, "memory": "512m"},
            **spec,
        },
    }


def owner_ref(owner: Obj) -> Obj:
    """The controller ownerReference to `owner`, a stored object."""
    return {
        "apiVersion": owner["apiVersion"],
        "kind": owner["kind"],
        "name": owner["metadata"]["name"],
        "uid": owner["metadata"]["uid"],
        "controller": True,
    }


def owned(obj: Obj, *owners: Obj) -> Obj:
    """`obj` with ownerReferences to each of `owners` (stored objects, so they have uids)."""
    obj["metadata"]["ownerReferences"] = [owner_ref(o) for o in owners]
    return obj


SPARK_CONNECT_EXAMPLE = (
    Path(__file__).resolve().parents[1] / "data" / "corpus" / "valid" / "sparkconnect.yaml"
)
"""The Spark Operator's examples/sparkconnect/spark-connect.yaml, as published."""


def spark_connect(**spec: Any) -> Obj:
    """The operator's example SparkConnect (`spark-connect` in `default`), with `spec` fields replaced."""
    doc: Obj = yaml.safe_load(SPARK_CONNECT_EXAMPLE.read_text())
    doc["spec"].update(spec)
    return doc
