"""`sparkfleet logs` / `sparkctl log`: a Spark application's driver or executor log, or any pod's.

With a background cluster up, logs come through its API (`pods/{name}/log`, as kubectl reads them);
otherwise straight from the pod's log file under the cluster's home.
"""

from __future__ import annotations

from collections.abc import Iterator

import httpx

from sparkfleet.cli.daemon import read_server
from sparkfleet.cli.objects import CommandError
from sparkfleet.clock import SystemClock
from sparkfleet.cluster import Cluster, NotFound
from sparkfleet.platform import cluster_home
from sparkfleet.runtime.local import LocalRuntime
from sparkfleet.runtime.local.logs import read_lines


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
    selector = (
        f"spark-app-selector={status.get('sparkApplicationId')},spark-role=executor,spark-exec-id={executor}"
    )
    pods = cluster.list("Pod", namespace, label_selector=selector).items
    if not pods:
        raise CommandError(f'SparkApplication "{name}" has no executor {executor}')
    return str(pods[0]["metadata"]["name"])


def log_lines(cluster_name: str, namespace: str, pod: str, follow: bool, tail: int | None) -> Iterator[str]:
    home = cluster_home(cluster_name)
    server = read_server(home)
    if server is not None:
        params: dict[str, str] = {"follow": "true" if follow else "false"}
        if tail is not None:
            params["tailLines"] = str(tail)
        url = f"{server.url}/api/v1/namespaces/{namespace}/pods/{pod}/log"
        headers = {"Authorization": f"Bearer {server.token}"}
        with httpx.stream("GET", url, params=params, headers=headers, timeout=None) as response:
            if response.status_code != 200:
                response.read()
                raise CommandError(response.json().get("message", f"HTTP {response.status_code}"))
            yield from response.iter_lines()
        return
    runtime = LocalRuntime(home, SystemClock())
    try:
        path = runtime.log_path(namespace, pod)
    finally:
        runtime.close()
    if path is None:
        raise CommandError(f'no log for pod "{pod}" in namespace "{namespace}" (has it started?)')
    # Without a running cluster nothing writes to the file any more: following is reading to the end.
    yield from read_lines(path, tail)
