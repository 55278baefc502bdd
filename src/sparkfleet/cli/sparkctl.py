"""`sparkctl`: the Spark Operator's old command line (create, list, status, event, log, delete; -n).

As `sparkfleet`'s verbs, each command imports what it runs (cli/options.py)."""

from __future__ import annotations

import contextlib
from pathlib import Path
from typing import Annotated

import typer

from sparkfleet.cli.options import DEFAULT_CLUSTER, ClusterOpt, command_line, out, user_errors

app = command_line("sparkctl", "Manage SparkApplications (the Spark Operator's sparkctl).")

KIND = "SparkApplication"
Namespace = Annotated[str, typer.Option("-n", "--namespace", help="Namespace of the application.")]


@app.command()
def create(
    file: Path,
    namespace: Namespace = "default",
    delete_first: Annotated[
        bool, typer.Option("-d", "--delete", help="Delete the application first if it exists.")
    ] = False,
    cluster: ClusterOpt = DEFAULT_CLUSTER,
) -> None:
    """Create a SparkApplication from a YAML file."""
    from sparkfleet.cli.context import open_cluster
    from sparkfleet.cli.objects import CommandError, apply_documents, load_documents
    from sparkfleet.cluster import NotFound

    with user_errors():
        docs = [d for d in load_documents([file]) if d.get("kind") == KIND]
        if not docs:
            raise CommandError(f"{file}: no SparkApplication in the file")
        store = open_cluster(cluster)
        for doc in docs:
            doc.setdefault("metadata", {}).setdefault("namespace", namespace)
            name = doc["metadata"].get("name")
            if name and delete_first:
                with contextlib.suppress(NotFound):
                    store.delete(KIND, doc["metadata"]["namespace"], name)
            elif name:
                try:
                    store.get(KIND, doc["metadata"]["namespace"], name)
                except NotFound:
                    pass
                else:
                    raise CommandError(f'SparkApplication "{name}" already exists; use -d to delete it first')
        for applied in apply_documents(store, docs):
            # The manifest's namespace wins over -n (whose default is "default", as the Go sparkctl's):
            # say which one, so the next `list`/`status` can be pointed at it.
            where = f' in namespace "{applied.namespace}"' if applied.namespace else ""
            typer.echo(f'SparkApplication "{applied.name}" {applied.outcome}{where}')


@app.command("list")
def list_apps(namespace: Namespace = "default", cluster: ClusterOpt = DEFAULT_CLUSTER) -> None:
    """List SparkApplications."""
    from sparkfleet.cli.context import open_cluster
    from sparkfleet.cli.objects import render_table
    from sparkfleet.clock import SystemClock

    with user_errors():
        store = open_cluster(cluster)
        render_table(out(), KIND, store.list(KIND, namespace).items, SystemClock().now(), False)


@app.command()
def status(name: str, namespace: Namespace = "default", cluster: ClusterOpt = DEFAULT_CLUSTER) -> None:
    """Show a SparkApplication's status and events."""
    from sparkfleet.cli.context import open_cluster
    from sparkfleet.cli.objects import describe_text
    from sparkfleet.clock import SystemClock

    with user_errors():
        store = open_cluster(cluster)
        typer.echo(describe_text(store, store.get(KIND, namespace, name), SystemClock().now()))


@app.command()
def event(name: str, namespace: Namespace = "default", cluster: ClusterOpt = DEFAULT_CLUSTER) -> None:
    """Show a SparkApplication's events."""
    from sparkfleet.cli.context import open_cluster
    from sparkfleet.cli.objects import event_rows, render_table
    from sparkfleet.clock import SystemClock

    with user_errors():
        store = open_cluster(cluster)
        store.get(KIND, namespace, name)
        render_table(
            out(), "Event", event_rows(store, namespace, f"{KIND}/{name}"), SystemClock().now(), False
        )


@app.command()
def log(
    name: str,
    namespace: Namespace = "default",
    executor: Annotated[int | None, typer.Option("-e", "--executor", help="Executor id.")] = None,
    follow: Annotated[bool, typer.Option("-f", "--follow", help="Follow the log.")] = False,
    cluster: ClusterOpt = DEFAULT_CLUSTER,
) -> None:
    """Print the driver log (or an executor's with -e)."""
    from sparkfleet.cli.context import open_cluster
    from sparkfleet.cli.logs import log_lines, pod_for

    with user_errors():
        pod = pod_for(open_cluster(cluster), namespace, name, executor)
        for line in log_lines(cluster, namespace, pod, follow, None):
            typer.echo(line)


@app.command()
def delete(name: str, namespace: Namespace = "default", cluster: ClusterOpt = DEFAULT_CLUSTER) -> None:
    """Delete a SparkApplication (and its driver, executors, services and config maps)."""
    from sparkfleet.cli.context import open_cluster

    with user_errors():
        open_cluster(cluster).delete(KIND, namespace, name)
        typer.echo(f'SparkApplication "{name}" deleted')
