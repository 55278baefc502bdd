"""The CustomResourceDefinitions of the custom kinds sparkfleet serves, generated from the table of kinds
and the models: what `sparkfleet crds` prints, deploy/ applies to a real cluster, and the embedded API
serves read-only under apiextensions.k8s.io/v1.

Each CRD carries its kind's upstream group, version, names, short names and categories (api.registry),
its printer columns (cluster.printcolumns), the status subresource, and the structural schema made from
its model (server.structural). The embedded API serves them as a real API server serves installed CRDs:
with uid, resourceVersion, creationTimestamp and an Established status.
"""

from __future__ import annotations

import uuid
from functools import cache
from typing import Any

import yaml

from sparkfleet.api.registry import KINDS
from sparkfleet.cluster import KindInfo, Obj, crd_printer_columns
from sparkfleet.server.coreschemas import definition_for
from sparkfleet.server.structural import crd_schema

__all__ = [
    "API_VERSION",
    "crd_name",
    "crds_yaml",
    "custom_kinds",
    "custom_resource_definition",
    "custom_resource_definitions",
    "served_definitions",
]

API_VERSION = "apiextensions.k8s.io/v1"
_KIND = "CustomResourceDefinition"
# A CRD in a *.k8s.io group must name where its API was approved, or the API server refuses it; the
# Spark Operator's CRDs name this pull request.
_APPROVED = {"sparkoperator.k8s.io": "https://github.com/kubeflow/spark-operator/pull/1298"}
_APPROVAL = "api-approved.kubernetes.io"
# NodePool's replicas (static capacity) are scalable, as in Karpenter's CRD.
_SCALE = {"NodePool": {"specReplicasPath": ".spec.replicas", "statusReplicasPath": ".status.nodes"}}
_UID_NAMESPACE = uuid.UUID("b0f5a0d2-3c1e-4f0a-9a52-7f2d8e6c1a90")


def custom_kinds() -> tuple[KindInfo, ...]:
    """The kinds of the table that Kubernetes does not serve itself: those a CRD defines."""
    return tuple(info for info in KINDS if definition_for(info.group, info.version, info.kind) is None)


def crd_name(info: KindInfo) -> str:
    return f"{info.plural}.{info.group}"


def _names(info: KindInfo) -> dict[str, Any]:
    names: dict[str, Any] = {
        "kind": info.kind,
        "listKind": f"{info.kind}List",
        "plural": info.plural,
        "singular": info.kind.lower(),
    }
    if info.short_names:
        names["shortNames"] = list(info.short_names)
    if info.categories:
        names["categories"] = list(info.categories)
    return names


def custom_resource_definition(info: KindInfo) -> Obj:
    """The CRD of one custom kind, as it is applied to a cluster."""
    version: dict[str, Any] = {
        "name": info.version,
        "served": True,
        "storage": True,
        "schema": {"openAPIV3Schema": crd_schema(info)},
    }
    subresources: dict[str, Any] = {}
    if info.status_subresource:
        subresources["status"] = {}
    if info.kind in _SCALE:
        subresources["scale"] = dict(_SCALE[info.kind])
    if subresources:
        version["subresources"] = subresources
    columns = crd_printer_columns(info.kind)
    if columns:
        version["additionalPrinterColumns"] = columns
    metadata: dict[str, Any] = {"name": crd_name(info)}
    if info.group in _APPROVED:
        metadata["annotations"] = {_APPROVAL: _APPROVED[info.group]}
    return {
        "apiVersion": API_VERSION,
        "kind": _KIND,
        "metadata": metadata,
        "spec": {
            "group": info.group,
            "names": _names(info),
            "scope": "Namespaced" if info.namespaced else "Cluster",
            "versions": [version],
        },
    }


@cache
def custom_resource_definitions() -> tuple[Obj, ...]:
    """Every custom kind's CRD, in the order of the table of kinds (cached: callers must not change
    them)."""
    return tuple(custom_resource_definition(info) for info in custom_kinds())


def crds_yaml() -> str:
    """Every CRD as one multi-document YAML stream (what `sparkfleet crds` prints)."""
    return yaml.safe_dump_all(custom_resource_definitions(), sort_keys=True, width=120)


def served_definitions(created: str | None) -> list[Obj]:
    """The CRDs as the embedded API serves them: installed with the cluster (`created`, its RFC 3339
    creation time when known), established, their names accepted."""
    served: list[Obj] = []
    for crd in custom_resource_definitions():
        name = crd["metadata"]["name"]
        metadata = {
            **crd["metadata"],
            "uid": str(uuid.uuid5(_UID_NAMESPACE, name)),
            "resourceVersion": "1",
            "generation": 1,
        }
        if created:
            metadata["creationTimestamp"] = created
        since = {"lastTransitionTime": created} if created else {}
        served.append(
            {
                **crd,
                "metadata": metadata,
                "status": {
                    "acceptedNames": crd["spec"]["names"],
                    "conditions": [
                        {
                            "type": "NamesAccepted",
                            "status": "True",
                            "reason": "NoConflicts",
                            **since,
                            "message": "no conflicts found",
                        },
                        {
                            "type": "Established",
                            "status": "True",
                            "reason": "InitialNamesAccepted",
                            **since,
                            "message": "the initial names have been accepted",
                        },
                    ],
                    "storedVersions": [v["name"] for v in crd["spec"]["versions"]],
                },
            }
        )
    return served
