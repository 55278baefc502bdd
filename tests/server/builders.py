"""Small builders of Kubernetes-shaped objects and paths for the API tests."""

from __future__ import annotations

import json
import warnings
from typing import Any

with warnings.catch_warnings():
    # This starlette warns on import that it would rather use `httpx2`; plain httpx works the same.
    warnings.simplefilter("ignore")
    from starlette.testclient import TestClient

__all__ = [
    "AUTH",
    "PODS",
    "SPARK_APPS",
    "TOKEN",
    "TestClient",
    "configmap",
    "events",
    "node",
    "owner_ref",
    "pod",
    "spark_app",
]

TOKEN = "s3cret-token"
AUTH = {"Authorization": f"Bearer {TOKEN}"}

Obj = dict[str, Any]

PODS = "/api/v1/namespaces/default/pods"
SPARK_APPS = "/apis/sparkoperator.k8s.io/v1beta2/namespaces/default/sparkapplications"


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


def configmap(
    name: str, namespace: str = "default", labels: dict[str, str] | None = None, **data: str
) -> Obj:
    metadata: Obj = {"name": name, "namespace": namespace}
    if labels is not None:
        metadata["labels"] = labels
    return {"apiVersion": "v1", "kind": "ConfigMap", "metadata": metadata, "data": dict(data)}


def node(name: str, **labels: str) -> Obj:
    return {
        "apiVersion": "v1",
        "kind": "Node",
        "metadata": {"name": name, "labels": dict(labels)},
        "spec": {},
    }


def spark_app(name: str, namespace: str = "default", **spec: Any) -> Obj:
    return {
        "apiVersion": "sparkoperator.k8s.io/v1beta2",
        "kind": "SparkApplication",
        "metadata": {"name": name, "namespace": namespace},
        "spec": {
            "type": "Python",
            "mode": "cluster",
            "sparkVersion": "4.0.1",
            "mainApplicationFile": "local:///opt/spark/examples/src/main/python/pi.py",
            "driver": {"cores": 1, "memory": "512m"},
            "executor": {"cores": 1, "instances": 2, "memory": "512m"},
            **spec,
        },
    }


def owner_ref(owner: Obj) -> Obj:
    return {
        "apiVersion": owner["apiVersion"],
        "kind": owner["kind"],
        "name": owner["metadata"]["name"],
        "uid": owner["metadata"]["uid"],
        "controller": True,
    }


def events(lines: list[str]) -> list[tuple[str, str]]:
    """(type, name or resourceVersion for bookmarks) of each watch event line."""
    found = []
    for line in lines:
        if not line.strip():
            continue
        event = json.loads(line)
        metadata = event["object"].get("metadata") or {}
        label = metadata.get("resourceVersion") if event["type"] == "BOOKMARK" else metadata.get("name")
        found.append((event["type"], label or ""))
    return found
