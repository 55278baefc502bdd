"""Small helpers for Kubernetes objects as plain dicts: model dumps, owner references, list appends.

The pods are built as dicts, the form the cluster port stores, without a model round trip: Spark and
the operator patch pods field by field, and so does this code.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from pydantic import BaseModel

from sparkfleet.api.sparkapplication import SparkApplication

Obj = dict[str, Any]

SPARK_APP_API_VERSION = "sparkoperator.k8s.io/v1beta2"


def dump(model: BaseModel) -> Obj:
    """A model as the manifest wrote it: fields that were set, without nulls, enums as their values."""
    return model.model_dump(mode="json", exclude_unset=True, exclude_none=True)


def dump_all(models: Sequence[BaseModel]) -> list[Obj]:
    return [dump(m) for m in models]


def append(obj: Obj, key: str, *items: Any) -> None:
    """Append to the list at obj[key], creating it (a fabric8 builder's addTo...)."""
    if items:
        current = obj.get(key)
        if current is None:
            obj[key] = list(items)
        else:
            current.extend(items)


def merge_map(obj: Obj, key: str, values: Mapping[str, str]) -> None:
    """Merge into the map at obj[key], creating it (a fabric8 builder's addTo... for maps)."""
    if values:
        current = obj.get(key)
        if current is None:
            obj[key] = dict(values)
        else:
            current.update(values)


def env_var(name: str, value: str) -> Obj:
    return {"name": name, "value": value}


def field_env(name: str, field_path: str) -> Obj:
    return {"name": name, "valueFrom": {"fieldRef": {"apiVersion": "v1", "fieldPath": field_path}}}


def app_owner_reference(app: SparkApplication) -> Obj | None:
    """The operator's owner reference to the SparkApplication (util.GetOwnerReference); None without a uid."""
    uid = app.metadata.uid
    if not uid or not app.metadata.name:
        return None
    return {
        "apiVersion": SPARK_APP_API_VERSION,
        "kind": "SparkApplication",
        "name": app.metadata.name,
        "uid": uid,
        "controller": True,
    }


def pod_owner_reference(pod_name: str, pod_uid: str) -> Obj:
    """How Spark makes a pod own objects (KubernetesUtils.addOwnerReference)."""
    return {"apiVersion": "v1", "controller": True, "kind": "Pod", "name": pod_name, "uid": pod_uid}
