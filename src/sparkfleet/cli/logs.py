"""`sparkfleet logs` / `sparkctl log`: a Spark application's driver or executor log, or any pod's.

With a background cluster up, logs come through its API (`pods/{name}/log`, as kubectl reads them);
otherwise straight from the pod's log file under the cluster's home, or from the log archive there once
the pod's node (or the pod) is gone.
"""

from __future__ import annotations

from collections.abc import Iterator

import typer

from sparkfleet.api.wire import LABEL_SPARK_APP_SELECTOR, LABEL_SPARK_EXECUTOR_ID, LABEL_SPARK_ROLE, SparkRole
from sparkfleet.cli.context import open_cluster
from sparkfleet.cli.objects import CommandError
from sparkfleet.clock import SystemClock
from sparkfleet.cluster import Cluster, ClusterError, NotFound
from sparkfleet.platform import cluster_home
from sparkfleet.runtime.local import LocalRuntime, gone_node, read_lines, read_pod_log
from sparkfleet.server import RemoteCluster


def pod_for(cluster: Cluster, namespace: str, name: str, executor: int | None) -> str:
    """The pod to read: a SparkApplication's driver (or executor N), else `name` as a pod name."""
    try:
        app = cluster.get("SparkApplication", namespace, name)
    except NotFound:
        if executor is not None:
            raise CommandError(f'SparkApplication "{name}" not found in namespace "{namespace}"') from None
        return name
    status = app.get("status") or {}
    if executor is None:
        driver = (status.get("driverInfo") or {}).get("podName")
        if not driver:
            raise CommandError(
                f'SparkApplication "{name}" has no driver pod yet (state: '
                f"{(status.get('applicationState') or {}).get('state') or 'NEW'})"
            )
        return str(driver)
    selector = ",".join(
        f"{key}={value}"
        for key, value in (
            (LABEL_SPARK_APP_SELECTOR, status.get("sparkApplicationId")),
            (LABEL_SPARK_ROLE, SparkRole.EXECUTOR.value),
            (LABEL_SPARK_EXECUTOR_ID, executor),
        )
    )
    pods = cluster.list("Pod", namespace, label_selector=selector).items
    if not pods:
        raise CommandError(f'SparkApplication "{name}" has no executor {executor}')
    return str(pods[0]["metadata"]["name"])


def log_lines(cluster_name: str, namespace: str, pod: str, follow: bool, tail: int | None) -> Iterator[str]:
    """The pod's log lines; a log read from the archive (its node or the pod is gone) is announced on
    stderr first. A pod whose container never started is an error, never an empty log."""
    home = cluster_home(cluster_name)
    cluster = open_cluster(cluster_name)
    runtime = LocalRuntime(home, SystemClock())
    try:
        try:
            obj = cluster.get("Pod", namespace, pod)
        except NotFound:
            # The pod was deleted: what the archive kept of its last incarnation, if anything.
            archived = runtime.archive.find(namespace, pod)
            logs = archived.logs() if archived is not None else []
            if archived is None or not logs:
                raise
            _announce(f"pod {pod} no longer exists; node {archived.node} ran it")
            yield from read_lines(logs[0], tail)
            return
        if not isinstance(cluster, RemoteCluster):
            found = read_pod_log(cluster, runtime, namespace, pod, follow=follow, tail=tail)
            if found.gone_node is not None:
                _announce(f"node {found.gone_node} is gone")
            yield from found.lines
            return
    finally:
        runtime.close()
    try:
        lines = cluster.pod_log(namespace, pod, follow=follow, tail=tail)
    except ClusterError as exc:
        raise CommandError(exc.message) from None
    node = gone_node(cluster, obj)
    if node is not None:
        _announce(f"node {node} is gone")
    yield from lines


def _announce(why: str) -> None:
    typer.echo(f"(archived: {why})", err=True)
