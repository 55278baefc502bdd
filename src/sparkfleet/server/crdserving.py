"""apiextensions.k8s.io/v1 CustomResourceDefinitions, served read-only: list and get of the generated CRDs
(server/crds.py), as JSON or as the Table kubectl asks for (`kubectl get crds`).

They are installed with the cluster: their creationTimestamp is the `default` namespace's. The Table has
the columns of the API server's default convertor, which CRDs use: NAME and CREATED AT (a timestamp,
not an age).
"""

from __future__ import annotations

from typing import Any

from starlette.responses import Response

from sparkfleet.cluster import ClusterError, NotFound, Obj
from sparkfleet.server.crds import API_VERSION, served_definitions
from sparkfleet.server.request import ApiContext, ApiRequest, json_response
from sparkfleet.server.routes import CRDS, ResourcePath
from sparkfleet.server.tables import IncludeObject, TableRequest, table_request

__all__ = ["serve_crds"]

_COLUMNS = (
    {
        "name": "Name",
        "type": "string",
        "format": "name",
        "description": "Name must be unique within a namespace.",
        "priority": 0,
    },
    {
        "name": "Created At",
        "type": "date",
        "format": "",
        "description": "CreationTimestamp is a timestamp representing the server time when this object "
        "was created.",
        "priority": 0,
    },
)


def _installed_at(ctx: ApiContext) -> str | None:
    try:
        namespace = ctx.cluster.get("Namespace", None, "default")
    except ClusterError:
        return None
    created = (namespace.get("metadata") or {}).get("creationTimestamp")
    return str(created) if created else None


def _row(request: TableRequest, crd: Obj) -> dict[str, Any]:
    metadata = crd["metadata"]
    row: Obj | None = crd
    if request.include is IncludeObject.NONE:
        row = None
    elif request.include is IncludeObject.METADATA:
        row = {"kind": "PartialObjectMetadata", "apiVersion": request.api_version, "metadata": metadata}
    return {"cells": [metadata["name"], metadata.get("creationTimestamp")], "object": row}


def serve_crds(ctx: ApiContext, target: ResourcePath, req: ApiRequest) -> Response:
    """GET of the collection or of one CRD (the caller has refused every other method)."""
    table = table_request(req.accept, req.query)
    crds = served_definitions(_installed_at(ctx))
    if target.name is not None:
        crds = [c for c in crds if c["metadata"]["name"] == target.name]
        if not crds:
            raise NotFound(f'{CRDS.resource} "{target.name}" not found', kind=CRDS.resource, name=target.name)
    if table is not None:
        return json_response(
            {
                "kind": "Table",
                "apiVersion": table.api_version,
                "metadata": {"resourceVersion": "1"},
                "columnDefinitions": list(_COLUMNS),
                "rows": [_row(table, crd) for crd in crds],
            }
        )
    if target.name is not None:
        return json_response(crds[0])
    return json_response(
        {
            "kind": "CustomResourceDefinitionList",
            "apiVersion": API_VERSION,
            "metadata": {"resourceVersion": "1"},
            "items": crds,
        }
    )
