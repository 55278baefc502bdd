"""Small builders for Kubernetes-shaped test objects."""

from __future__ import annotations

from typing import Any

Obj = dict[str, Any]


def pod(name: str, namespace: str = "default", labels: dict[str, str] | None = None, **spec: Any) -> Obj:
    metadata: Obj = {"name": name, "namespace": namespace}
    if labels is not None:
        metadata["labels"] = labels
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": metadata,
        "spec": {"containers": [{"name": "main", "image": "spark:4.0.1"}], **spec},
    }


def configmap(name: str, namespace: str = "default", owner: Obj | None = None, **data: str) -> Obj:
    metadata: Obj = {"name": name, "namespace": namespace}
    if owner is not None:
        metadata["ownerReferences"] = [owner_ref(owner)]
    return {"apiVersion": "v1", "kind": "ConfigMap", "metadata": metadata, "data": dict(data)}


def node(name: str, **labels: str) -> Obj:
    return {
        "apiVersion": "v1",
        "kind": "Node",
        "metadata": {"name": name, "labels": dict(labels)},
        "spec": {},
    }


def spark_app(name: str, namespace: str = "default") -> Obj:
    return {
        "apiVersion": "sparkoperator.k8s.io/v1beta2",
        "kind": "SparkApplication",
        "metadata": {"name": name, "namespace": namespace},
        "spec": {"type": "Python", "mode": "cluster", "mainApplicationFile": "local:///opt/app.py"},
    }


def owner_ref(owner: Obj) -> Obj:
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
