"""The verbs on stored objects: `get`, `describe`, `delete`, `events` and `logs` (registered by
cli/main.py).

Their options are defined here with typer alone; each command imports what it runs (cli/options.py)."""

from __future__ import annotations

from typing import Annotated

import typer

from sparkfleet.cli.options import (
    DEFAULT_CLUSTER,
    AllNamespaces,
    ClusterOpt,
    NamespaceOpt,
    out,
    user_errors,
)

__all__ = ["APP_KINDS", "QUEUE_KINDS", "delete", "describe", "events", "get", "logs"]

QUEUE_KINDS = ("queues", "queue")
"""`get queues` shows the scheduler's queue tree instead of stored objects (see cli/yunikorn_views.py)."""
APP_KINDS = ("app", "apps", "application", "applications")
"""`describe app <id>` shows an application as the scheduler sees it (see cli/yunikorn_views.py)."""


def get(
    kind: str,
    name: Annotated[str | None, typer.Argument()] = None,
    namespace: NamespaceOpt = None,
    all_namespaces: AllNamespaces = False,
    output: Annotated[str | None, typer.Option("-o", "--output", help="wide, name, yaml or json.")] = None,
    selector: Annotated[str | None, typer.Option("-l", "--selector", help="Label selector.")] = None,
    cluster: ClusterOpt = DEFAULT_CLUSTER,
    watch: Annotated[
        bool, typer.Option("-w", "--watch", help="After the table, print changes until Ctrl-C.")
    ] = False,
    watch_timeout: Annotated[
        float | None, typer.Option("--watch-timeout", help="Stop watching after S seconds.")
    ] = None,
) -> None:
    """List objects of a kind, or show one (`-w`: then follow their changes).

    `get all` lists the namespace's pods, services, SparkApplications and ScheduledSparkApplications."""
    from sparkfleet.api.registry import ALL_CATEGORY
    from sparkfleet.cli.context import open_cluster
    from sparkfleet.cli.objects import CommandError, get_all, get_objects, render_output, render_table
    from sparkfleet.clock import SystemClock

    with user_errors():
        store = open_cluster(cluster)
        if kind.lower() in QUEUE_KINDS:
            from sparkfleet.cli.yunikorn_views import render_queues

            render_queues(out(), store)
            return
        if kind.lower() == ALL_CATEGORY:
            if name is not None or watch:
                raise CommandError("get all lists every object of its kinds: drop the name and -w")
            text = get_all(out(), store, namespace, all_namespaces, selector, output, SystemClock().now())
            if text is not None:
                typer.echo(text.rstrip())
            return
        if watch:
            from sparkfleet.cli.watching import watch_objects

            if output not in (None, "wide"):
                raise CommandError("--watch prints tables; drop -o or use -o wide")
            now = SystemClock().now
            wide = output == "wide"
            watch_objects(
                out(), store, kind, name, namespace, all_namespaces, selector, watch_timeout, now, wide
            )
            return
        objs = get_objects(store, kind, name, namespace, all_namespaces, selector)
        if output is None or output == "wide":
            wide = output == "wide"
            render_table(out(), kind, objs, SystemClock().now(), with_namespace=all_namespaces, wide=wide)
        else:
            typer.echo(render_output(objs, output, single=name is not None).rstrip())


def describe(
    kind: str, name: str, namespace: NamespaceOpt = None, cluster: ClusterOpt = DEFAULT_CLUSTER
) -> None:
    """Show an object with its state and events."""
    from sparkfleet.cli.context import open_cluster
    from sparkfleet.cli.objects import describe_text, get_objects
    from sparkfleet.clock import SystemClock

    with user_errors():
        store = open_cluster(cluster)
        if kind.lower() in APP_KINDS:
            from sparkfleet.cli.yunikorn_views import describe_app

            typer.echo(describe_app(store, name, namespace=namespace))
            return
        obj = get_objects(store, kind, name, namespace, False)[0]
        typer.echo(describe_text(store, obj, SystemClock().now()))


def delete(
    kind: str, name: str, namespace: NamespaceOpt = None, cluster: ClusterOpt = DEFAULT_CLUSTER
) -> None:
    """Delete an object (and what it owns)."""
    from sparkfleet.cli.context import open_cluster
    from sparkfleet.cluster import lookup

    with user_errors():
        store = open_cluster(cluster)
        info = lookup(kind)
        store.delete(info.kind, (namespace or "default") if info.namespaced else None, name)
        typer.echo(f'{info.kind.lower()} "{name}" deleted')


def events(
    namespace: NamespaceOpt = None,
    all_namespaces: AllNamespaces = False,
    involved: Annotated[str | None, typer.Option("--for", help="Only events of KIND/NAME.")] = None,
    cluster: ClusterOpt = DEFAULT_CLUSTER,
) -> None:
    """List events, oldest first."""
    from sparkfleet.cli.context import open_cluster
    from sparkfleet.cli.objects import event_rows, render_table
    from sparkfleet.clock import SystemClock

    with user_errors():
        store = open_cluster(cluster)
        ns = None if all_namespaces else (namespace or "default")
        render_table(out(), "Event", event_rows(store, ns, involved), SystemClock().now(), all_namespaces)


def logs(
    name: Annotated[str, typer.Argument(help="A SparkApplication (its driver) or a pod.")],
    namespace: NamespaceOpt = None,
    executor: Annotated[
        int | None, typer.Option("--executor", "-e", help="Executor N of the application.")
    ] = None,
    follow: Annotated[bool, typer.Option("-f", "--follow", help="Keep printing as the log grows.")] = False,
    tail: Annotated[int | None, typer.Option("--tail", help="Only the last N lines.")] = None,
    cluster: ClusterOpt = DEFAULT_CLUSTER,
) -> None:
    """Print a Spark application's driver (or executor) log, or a pod's."""
    from sparkfleet.cli.context import open_cluster
    from sparkfleet.cli.logs import log_lines, pod_for

    with user_errors():
        ns = namespace or "default"
        pod = pod_for(open_cluster(cluster), ns, name, executor)
        for line in log_lines(cluster, ns, pod, follow, tail):
            typer.echo(line)
