"""`sparkfleet get queues` and `sparkfleet describe app`: the scheduler's view of queues and applications.

Both read what the scheduler controller keeps in the `yunikorn/yunikorn-state` ConfigMap, so they work
from any process. Before the scheduler has run, the queues come from the queues config with zero usage
(the engine reports them from an empty snapshot, so the figures are the same ones the scheduler uses).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from rich.console import Console
from rich.table import Table

from sparkfleet.api.base import ManifestError
from sparkfleet.api.timefmt import format_rfc3339
from sparkfleet.api.wire import (
    ANNOTATION_SCHEDULING_POLICY_PARAMETERS,
    ANNOTATION_TASK_GROUP_NAME,
    ANNOTATION_TASK_GROUPS,
    EMBEDDED_SCHEDULER_NAMES,
    LABEL_APP_NAME,
    LABEL_SPARK_APP_SELECTOR,
    LABEL_SPARK_ROLE,
)
from sparkfleet.api.yunikorn import CONFIGMAP_NAMES, QUEUES_KEY, parse_configmap
from sparkfleet.cli.objects import CommandError
from sparkfleet.cluster import Cluster, NotFound, Obj
from sparkfleet.controllers.support import NAMESPACE, read_state
from sparkfleet.engine.scheduling import (
    AppStatus,
    QueueReport,
    Resources,
    Snapshot,
    TaskGroupError,
    app_id_of,
    format_resources,
    is_placeholder,
    parse_policy_parameters,
    parse_task_groups,
    partition_of,
    schedule,
)

__all__ = ["describe_app", "queue_reports", "render_queues"]


# --- get queues ----------------------------------------------------------------------------------------


def queue_reports(cluster: Cluster, namespace: str = NAMESPACE) -> tuple[list[QueueReport], bool]:
    """The queues in tree order, and whether the figures are the scheduler's (False: the config's)."""
    state = read_state(cluster, namespace)
    if state is not None and state.queues:
        return _tree_order(state.queues), True
    return _tree_order(_configured(cluster, namespace)), False


def _configured(cluster: Cluster, namespace: str) -> Sequence[QueueReport]:
    config = None
    for name in reversed(CONFIGMAP_NAMES):
        try:
            configmap = cluster.get("ConfigMap", namespace, name)
        except NotFound:
            continue
        if QUEUES_KEY in (configmap.get("data") or {}):
            try:
                config = parse_configmap(configmap)
            except ManifestError as exc:
                raise CommandError(f"{namespace}/{name}: {exc}") from None
            break
    return schedule(Snapshot(now=0.0, nodes=(), pods=(), partition=partition_of(config))).queues


def _tree_order(reports: Sequence[QueueReport]) -> list[QueueReport]:
    return sorted(reports, key=lambda q: q.path.split("."))


def _res(res: Resources) -> str:
    return format_resources(res, yunikorn=True) if res else "-"


def render_queues(console: Console, cluster: Cluster) -> None:
    """The queue tree with guaranteed, max, allocated and pending resources and the applications."""
    reports, live = queue_reports(cluster)
    table = Table(box=None, pad_edge=False, header_style="bold")
    for title in ("QUEUE", "GUARANTEED", "MAX", "ALLOCATED", "PENDING", "RUNNING", "APPS"):
        table.add_column(title, overflow="fold")
    for q in reports:
        depth = q.path.count(".")
        name = "  " * depth + q.path.rsplit(".", 1)[-1] + (" (dynamic)" if q.dynamic else "")
        running = f"{q.running_apps}/{q.max_apps}" if q.max_apps else str(q.running_apps)
        table.add_row(
            name,
            _res(q.guaranteed),
            _res(q.max),
            _res(q.allocated),
            _res(q.pending),
            running,
            ", ".join(q.apps) if q.apps else "-",
        )
    console.print(table)
    if not live:
        console.print("The scheduler has not run yet: the queues are shown as configured, with no usage.")


# --- describe app --------------------------------------------------------------------------------------


def _meta(obj: Mapping[str, Any]) -> Mapping[str, Any]:
    meta = obj.get("metadata")
    return meta if isinstance(meta, dict) else {}


def _app_of(pod: Obj) -> str:
    meta = _meta(pod)
    return app_id_of(
        meta.get("labels") or {}, meta.get("annotations") or {}, meta.get("namespace") or "default"
    )


def _resolve(
    cluster: Cluster, ident: str, namespace: str | None, apps: Mapping[str, AppStatus], pods: list[Obj]
) -> str:
    """The scheduler's application id for a YuniKorn app id, a Spark app id or a SparkApplication name."""
    if ident in apps or any(_app_of(p) == ident for p in pods):
        return ident
    for pod in pods:
        if (_meta(pod).get("labels") or {}).get(LABEL_SPARK_APP_SELECTOR) == ident:
            return _app_of(pod)
    ns, _, name = ident.rpartition("/")
    ns = ns or namespace or ""
    for app in cluster.list("SparkApplication", ns or None).items:
        meta = _meta(app)
        if meta.get("name") != name:
            continue
        spark_id = (app.get("status") or {}).get("sparkApplicationId")
        for pod in pods:
            pod_meta = _meta(pod)
            labels = pod_meta.get("labels") or {}
            if pod_meta.get("namespace") != meta.get("namespace"):
                continue
            if labels.get(LABEL_APP_NAME) == name or (
                spark_id and labels.get(LABEL_SPARK_APP_SELECTOR) == spark_id
            ):
                return _app_of(pod)
        raise CommandError(
            f"SparkApplication {meta.get('namespace')}/{name} has no pods: it has not been submitted yet"
        )
    raise CommandError(
        f'no application "{ident}": give a YuniKorn application id, a Spark application id '
        "(spark-app-selector) or a SparkApplication name"
    )


def _when(seconds: float | None) -> str:
    if seconds is None:
        return "<none>"
    return format_rfc3339(datetime.fromtimestamp(seconds, UTC))


def _role(pod: Obj) -> str:
    meta = _meta(pod)
    labels, annotations = meta.get("labels") or {}, meta.get("annotations") or {}
    if is_placeholder(labels, annotations):
        return "placeholder"
    return str(labels.get(LABEL_SPARK_ROLE) or "-")


def _task_group_lines(pods: list[Obj]) -> list[str]:
    originator = next(
        (
            p
            for p in pods
            if ANNOTATION_TASK_GROUPS in (_meta(p).get("annotations") or {}) and _role(p) != "placeholder"
        ),
        None,
    )
    if originator is None:
        return ["Task groups:  <none> (not gang scheduled)"]
    annotations = _meta(originator).get("annotations") or {}
    try:
        groups = parse_task_groups(annotations[ANNOTATION_TASK_GROUPS])
    except TaskGroupError as exc:
        return [f"Task groups:  invalid: {exc}"]
    params = parse_policy_parameters(annotations.get(ANNOTATION_SCHEDULING_POLICY_PARAMETERS))
    placeholders: dict[str, list[bool]] = defaultdict(list)
    members: dict[str, list[bool]] = defaultdict(list)
    for pod in pods:
        group = (_meta(pod).get("annotations") or {}).get(ANNOTATION_TASK_GROUP_NAME)
        if group is None or (pod.get("status") or {}).get("phase") in ("Succeeded", "Failed"):
            continue
        bound = bool((pod.get("spec") or {}).get("nodeName"))
        (placeholders if _role(pod) == "placeholder" else members)[group].append(bound)
    lines = [
        f"Gang:         {params.style} style, placeholder timeout {params.timeout:g}s",
        "Task groups:",
    ]
    rows = [("NAME", "MIN MEMBER", "MIN RESOURCE", "PLACEHOLDERS BOUND/TOTAL", "PODS BOUND/TOTAL")]
    for g in groups:
        ph, real = placeholders.get(g.name, []), members.get(g.name, [])
        rows.append(
            (
                g.name,
                str(g.min_member),
                format_resources(g.min_resource),
                f"{sum(ph)}/{len(ph)}",
                f"{sum(real)}/{len(real)}",
            )
        )
    lines.extend(_columns(rows))
    return lines


def _columns(rows: Sequence[tuple[str, ...]]) -> list[str]:
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    return ["  " + "  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip() for r in rows]


def describe_app(cluster: Cluster, app_id: str, *, namespace: str | None = None) -> str:
    """The application as the scheduler sees it: state, queue, history, task groups and pods.

    `app_id` is the YuniKorn application id, the Spark application id (label spark-app-selector), or a
    SparkApplication's name (`name` in `namespace`, or `namespace/name`)."""
    state = read_state(cluster)
    apps = state.apps if state is not None else {}
    every = cluster.list("Pod").items
    pods = [p for p in every if (p.get("spec") or {}).get("schedulerName") in EMBEDDED_SCHEDULER_NAMES]
    resolved = _resolve(cluster, app_id, namespace, apps, pods)
    mine = sorted(
        (p for p in pods if _app_of(p) == resolved),
        key=lambda p: (_role(p) == "placeholder", _meta(p).get("creationTimestamp") or "", _meta(p)["name"]),
    )
    status = apps.get(resolved)
    labels: dict[str, str] = {}
    for pod in mine:
        labels.update({k: v for k, v in (_meta(pod).get("labels") or {}).items() if k not in labels})
    lines = [f"Application:  {resolved}"]
    if labels.get(LABEL_SPARK_APP_SELECTOR):
        lines.append(f"Spark app id: {labels[LABEL_SPARK_APP_SELECTOR]}")
    if labels.get(LABEL_APP_NAME) and mine:
        lines.append(f"SparkApp:     {_meta(mine[0]).get('namespace')}/{labels[LABEL_APP_NAME]}")
    if status is None:
        lines.append("State:        <unknown> (the scheduler has not seen this application yet)")
    else:
        lines.extend(
            [
                f"State:        {status.state} (since {_when(status.state_since)})",
                f"Queue:        {status.queue or '<none>'}",
                f"User:         {status.user}",
                f"Submitted:    {_when(status.submitted_at)}",
            ]
        )
        if status.first_placeholder_at is not None:
            lines.append(f"Reserving:    first placeholder bound {_when(status.first_placeholder_at)}")
        if status.message:
            lines.append(f"Message:      {status.message}")
        lines.append("State history:")
        if status.history:
            lines.extend(
                _columns(
                    [("AT", "FROM", "TO", "REASON", "MESSAGE")]
                    + [
                        (_when(t.at), t.from_state.value, t.to_state.value, t.reason, t.message)
                        for t in status.history
                    ]
                )
            )
        else:
            lines.append("  <none>")
    lines.extend(_task_group_lines(mine))
    lines.append("Pods:")
    if not mine:
        lines.append("  <none>")
    else:
        rows = [("NAME", "ROLE", "TASK GROUP", "PHASE", "NODE")]
        for pod in mine:
            meta = _meta(pod)
            rows.append(
                (
                    f"{meta.get('namespace')}/{meta['name']}",
                    _role(pod),
                    str((meta.get("annotations") or {}).get(ANNOTATION_TASK_GROUP_NAME) or "-"),
                    str((pod.get("status") or {}).get("phase") or "Pending"),
                    str((pod.get("spec") or {}).get("nodeName") or "<none>"),
                )
            )
        lines.extend(_columns(rows))
    return "\n".join(lines)
