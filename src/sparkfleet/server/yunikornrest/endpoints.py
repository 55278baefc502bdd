"""The read side of YuniKorn's REST API (yunikorn-core pkg/webservice routes) over the cluster.

Paths, status codes, error bodies (`{"status_code", "message", "description"}`) and messages are the
core's, so `curl .../ws/v1/partition/default/queues` and tools written for YuniKorn read the same thing.
The token middleware guards these paths like every other.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import unquote

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from sparkfleet.cluster import Cluster
from sparkfleet.server.yunikornrest.dao import (
    ACTIVE_STATUSES,
    COMPLETED_STATES,
    PARTITION,
    REJECTED_STATES,
    application_dao,
    core_state,
    node_dao,
    partition_dao,
    queue_dao,
)
from sparkfleet.server.yunikornrest.health import health_dao
from sparkfleet.server.yunikornrest.source import SchedulerView, gather

__all__ = ["BASE", "DEFAULT_CLUSTER_ID", "yunikorn_routes"]

BASE = "/ws/v1"
DEFAULT_CLUSTER_ID = "mycluster"
"""The k8s shim's default cluster id, which partitions report as `clusterId`."""

_QUEUE_NAME = re.compile(r"^[a-zA-Z0-9_:#/@-]{1,64}$")
_INVALID_QUEUE = (
    "invalid queue name, max 64 characters consisting of alphanumeric characters and "
    "'-', '_', '#', '@', '/', ':' allowed"
)
_STATES = ("active", "rejected", "completed")
_HEADERS = {
    "Access-Control-Allow-Origin": "*",
    "Access-Control-Allow-Methods": "GET, OPTIONS",
    "Access-Control-Allow-Headers": "X-Requested-With,Content-Type,Accept,Origin",
}
_MEDIA = "application/json; charset=UTF-8"


class _ApiError(Exception):
    def __init__(self, code: int, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


def _json(body: Any, code: int = 200) -> Response:
    response = JSONResponse(body, status_code=code, headers=_HEADERS)
    response.headers["content-type"] = _MEDIA
    return response


def _error(code: int, message: str) -> Response:
    return _json({"status_code": code, "message": message, "description": message}, code)


def _partition(request: Request) -> None:
    if request.path_params["partition"].lower() != PARTITION:
        raise _ApiError(404, "Partition not found")


def _queue_path(request: Request, view: SchedulerView) -> str:
    path = unquote(request.path_params["queue"])
    if any(not _QUEUE_NAME.match(part) for part in path.split(".")):
        raise _ApiError(400, _INVALID_QUEUE)
    known = {q.path.lower(): q.path for q in view.queues}
    if path.lower() not in known:
        raise _ApiError(404, "Queue not found")
    return known[path.lower()]


def _apps(view: SchedulerView, queue: str | None, states: frozenset[str] | None, status: str) -> list[Any]:
    found = []
    for app_id, app in sorted(view.apps.items(), key=lambda kv: (kv[1].submitted_at, kv[0])):
        if queue is not None and (app.queue or "").lower() != queue.lower():
            continue
        state = core_state(app, sum(1 for p in view.pods_of(app_id) if p.node))
        if states is not None and state not in states:
            continue
        if states is None and (state in COMPLETED_STATES or state in REJECTED_STATES):
            continue  # active: what the partition still holds
        if status and state.lower() != status:
            continue
        found.append(application_dao(app_id, app, view))
    return found


def _state_filter(request: Request, allowed: tuple[str, ...]) -> tuple[frozenset[str] | None, str]:
    state = request.path_params["state"].lower()
    if state not in allowed:
        raise _ApiError(400, f"Only following application states are allowed: {', '.join(allowed)}")
    status = request.query_params.get("status", "").lower()
    if status and (state != "active" or status not in ACTIVE_STATUSES):
        raise _ApiError(400, f"Only following active statuses are allowed: {','.join(ACTIVE_STATUSES)}")
    if state == "rejected":
        return REJECTED_STATES, status
    if state == "completed":
        return COMPLETED_STATES, status
    return None, status


def yunikorn_routes(cluster: Cluster, cluster_id: str = DEFAULT_CLUSTER_ID) -> list[Route]:
    """The GET routes of YuniKorn's REST API for `cluster`."""

    def endpoint(
        answer: Callable[[Request, SchedulerView], Any],
    ) -> Callable[[Request], Awaitable[Response]]:
        async def run(request: Request) -> Response:
            def read() -> Any:
                if "partition" in request.path_params:
                    _partition(request)
                return answer(request, gather(cluster))

            try:
                return _json(await run_in_threadpool(read))
            except _ApiError as exc:
                return _error(exc.code, exc.message)

        return run

    def partitions(request: Request, view: SchedulerView) -> Any:
        return [partition_dao(view, cluster_id)]

    def queues(request: Request, view: SchedulerView) -> Any:
        root = next(q for q in view.queues if "." not in q.path)
        return queue_dao(root, view)

    def queue(request: Request, view: SchedulerView) -> Any:
        path = _queue_path(request, view)
        report = next(q for q in view.queues if q.path == path)
        return queue_dao(report, view, subtree="subtree" in request.query_params)

    def queue_apps(request: Request, view: SchedulerView) -> Any:
        return _apps(view, _queue_path(request, view), None, "")

    def queue_apps_by_state(request: Request, view: SchedulerView) -> Any:
        path = _queue_path(request, view)
        states, status = _state_filter(request, ("active",))
        return _apps(view, path, states, status)

    def apps_by_state(request: Request, view: SchedulerView) -> Any:
        states, status = _state_filter(request, _STATES)
        return _apps(view, None, states, status)

    def application(request: Request, view: SchedulerView) -> Any:
        queue_path = _queue_path(request, view) if "queue" in request.path_params else None
        app_id = request.path_params["application"]
        app = view.apps.get(app_id)
        if app is None or (queue_path is not None and (app.queue or "").lower() != queue_path.lower()):
            raise _ApiError(404, "Application not found")
        return application_dao(app_id, app, view)

    def nodes(request: Request, view: SchedulerView) -> Any:
        return [node_dao(n, view) for n in view.nodes]

    def node(request: Request, view: SchedulerView) -> Any:
        name = request.path_params["node"]
        found = next((n for n in view.nodes if (n.get("metadata") or {}).get("name") == name), None)
        if found is None:
            raise _ApiError(404, "Node not found")
        return node_dao(found, view)

    def healthcheck(request: Request, view: SchedulerView) -> Any:
        return health_dao(view)

    part = f"{BASE}/partition/{{partition}}"
    table: list[tuple[str, Callable[[Request, SchedulerView], Any]]] = [
        (f"{BASE}/partitions", partitions),
        (f"{part}/queues", queues),
        (f"{part}/queue/{{queue}}", queue),
        (f"{part}/queue/{{queue}}/applications", queue_apps),
        (f"{part}/queue/{{queue}}/applications/{{state}}", queue_apps_by_state),
        (f"{part}/queue/{{queue}}/application/{{application}}", application),
        (f"{part}/application/{{application}}", application),
        (f"{part}/applications/{{state}}", apps_by_state),
        (f"{part}/nodes", nodes),
        (f"{part}/node/{{node}}", node),
        (f"{BASE}/scheduler/healthcheck", healthcheck),
    ]
    return [Route(path, endpoint(answer), methods=["GET"]) for path, answer in table]
