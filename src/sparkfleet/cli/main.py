"""The `sparkfleet` command line."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from importlib.metadata import version as package_version
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from sparkfleet.api.base import ManifestError
from sparkfleet.api.registry import ALL_CATEGORY
from sparkfleet.cli.context import close_clusters, open_cluster
from sparkfleet.cli.daemon import DEFAULT_API_PORT, KUBECONFIG_FILE, start_background, stop_background
from sparkfleet.cli.exposure import LOOPBACK, address_option, exposure_warning
from sparkfleet.cli.history import DEFAULT_PORT, event_log_dirs, history_server_launch, serve
from sparkfleet.cli.kubeconfig import merge_running_kubeconfig, running_kubeconfig
from sparkfleet.cli.logs import log_lines, pod_for
from sparkfleet.cli.objects import (
    CommandError,
    apply_documents,
    describe_text,
    event_rows,
    get_all,
    get_objects,
    load_documents,
    render_output,
    render_table,
)
from sparkfleet.cli.plan import plan_application, render_plan
from sparkfleet.cli.run import print_report, run_application
from sparkfleet.cli.validate import validate_files
from sparkfleet.cli.watching import watch_objects
from sparkfleet.cli.yunikorn_views import describe_app, render_queues
from sparkfleet.clock import SystemClock
from sparkfleet.cluster import ClusterError, lookup
from sparkfleet.config import load_config
from sparkfleet.platform import DEFAULT_CLUSTER, cluster_home
from sparkfleet.runtime.local.install import find_spark
from sparkfleet.runtime.port import StartError


def command_line(name: str, help_text: str) -> typer.Typer:
    """A typer app as both commands are built: help when called bare, no completion, plain tracebacks."""
    return typer.Typer(
        name=name, help=help_text, no_args_is_help=True, add_completion=False, pretty_exceptions_enable=False
    )


app = command_line(
    "sparkfleet", "Run Apache Spark batch jobs on a fleet that grows and shrinks with the work."
)
err = Console(stderr=True)
out = Console(soft_wrap=True)


def _print_version(wanted: bool) -> None:
    if wanted:
        typer.echo(f"sparkfleet {package_version('sparkfleet')}")
        raise typer.Exit()


@app.callback()
def _main(
    version: Annotated[
        bool,
        typer.Option("--version", callback=_print_version, is_eager=True, help="Print the version and exit."),
    ] = False,
) -> None:
    """Run Apache Spark batch jobs on a fleet that grows and shrinks with the work."""


FilesOption = Annotated[
    list[Path], typer.Option("-f", "--filename", help="Manifest file or directory (repeatable).")
]


@app.command()
def validate(
    filename: FilesOption,
    quiet: Annotated[bool, typer.Option("-q", "--quiet", help="Print problems only.")] = False,
) -> None:
    """Check manifests (SparkApplication, NodePool, EC2NodeClass, queues.yaml, ...) without applying them."""
    report = validate_files(filename)
    for line in report.problems:
        typer.echo(line)
    for line in report.warnings:
        typer.echo(line, err=True)
    if not quiet:
        for line in report.skipped:
            typer.echo(line, err=True)
        verdict = "invalid" if report.problems else "valid"
        typer.echo(
            f"{report.valid} object(s) valid, {len(report.problems)} problem(s), "
            f"{len(report.skipped)} skipped: {verdict}",
            err=True,
        )
    raise typer.Exit(1 if report.problems else 0)


NamespaceOpt = Annotated[str | None, typer.Option("-n", "--namespace", help="Namespace (default: default).")]
AllNamespaces = Annotated[bool, typer.Option("-A", "--all-namespaces", help="Every namespace.")]
ClusterOpt = Annotated[str, typer.Option("--cluster", envvar="SPARKFLEET_CLUSTER", help="Cluster name.")]


@contextmanager
def user_errors() -> Iterator[None]:
    """Problems a user can fix end the command with their message and exit 1, never a traceback."""
    try:
        yield
    except ManifestError as exc:
        for issue in exc.issues:
            typer.echo(str(issue), err=True)
        raise typer.Exit(1) from None
    except (CommandError, ClusterError) as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(1) from None
    finally:
        close_clusters()


@app.command()
def apply(
    filename: FilesOption, namespace: NamespaceOpt = None, cluster: ClusterOpt = DEFAULT_CLUSTER
) -> None:
    """Create or update the objects in the manifests (all are validated before anything is stored)."""
    with user_errors():
        docs = load_documents(filename)
        store = open_cluster(cluster)
        for applied in apply_documents(store, docs, namespace):
            typer.echo(str(applied))


@app.command()
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
    with user_errors():
        store = open_cluster(cluster)
        if kind.lower() in QUEUE_KINDS:
            render_queues(out, store)
            return
        if kind.lower() == ALL_CATEGORY:
            if name is not None or watch:
                raise CommandError("get all lists every object of its kinds: drop the name and -w")
            text = get_all(out, store, namespace, all_namespaces, selector, output, SystemClock().now())
            if text is not None:
                typer.echo(text.rstrip())
            return
        if watch:
            if output not in (None, "wide"):
                raise CommandError("--watch prints tables; drop -o or use -o wide")
            now = SystemClock().now
            wide = output == "wide"
            watch_objects(
                out, store, kind, name, namespace, all_namespaces, selector, watch_timeout, now, wide
            )
            return
        objs = get_objects(store, kind, name, namespace, all_namespaces, selector)
        if output is None or output == "wide":
            wide = output == "wide"
            render_table(out, kind, objs, SystemClock().now(), with_namespace=all_namespaces, wide=wide)
        else:
            typer.echo(render_output(objs, output, single=name is not None).rstrip())


@app.command()
def describe(
    kind: str, name: str, namespace: NamespaceOpt = None, cluster: ClusterOpt = DEFAULT_CLUSTER
) -> None:
    """Show an object with its state and events."""
    with user_errors():
        store = open_cluster(cluster)
        if kind.lower() in APP_KINDS:
            typer.echo(describe_app(store, name, namespace=namespace))
            return
        obj = get_objects(store, kind, name, namespace, False)[0]
        typer.echo(describe_text(store, obj, SystemClock().now()))


@app.command()
def delete(
    kind: str, name: str, namespace: NamespaceOpt = None, cluster: ClusterOpt = DEFAULT_CLUSTER
) -> None:
    """Delete an object (and what it owns)."""
    with user_errors():
        store = open_cluster(cluster)
        info = lookup(kind)
        store.delete(info.kind, (namespace or "default") if info.namespaced else None, name)
        typer.echo(f'{info.kind.lower()} "{name}" deleted')


@app.command()
def events(
    namespace: NamespaceOpt = None,
    all_namespaces: AllNamespaces = False,
    involved: Annotated[str | None, typer.Option("--for", help="Only events of KIND/NAME.")] = None,
    cluster: ClusterOpt = DEFAULT_CLUSTER,
) -> None:
    """List events, oldest first."""
    with user_errors():
        store = open_cluster(cluster)
        ns = None if all_namespaces else (namespace or "default")
        render_table(out, "Event", event_rows(store, ns, involved), SystemClock().now(), all_namespaces)


@app.command()
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
    with user_errors():
        ns = namespace or "default"
        pod = pod_for(open_cluster(cluster), ns, name, executor)
        for line in log_lines(cluster, ns, pod, follow, tail):
            typer.echo(line)


@app.command()
def run(
    file: Path,
    config: Annotated[
        Path | None, typer.Option("--config", help="Config directory (default: the blueprint).")
    ] = None,
    timeout: Annotated[float, typer.Option("--timeout", help="Seconds to wait for the end.")] = 600.0,
    cluster: ClusterOpt = "run",
) -> None:
    """Start a local cluster, run one SparkApplication to its end, show what happened (exit 0: COMPLETED)."""
    with user_errors():
        platform_config = load_config(config)
        stamp = SystemClock().now().strftime("%Y%m%dT%H%M%SZ")
        home = cluster_home(cluster) / f"{file.stem}-{stamp}"
        report = run_application(file, platform_config, home, timeout, out)
        print_report(out, report)
        raise typer.Exit(0 if report.state == "COMPLETED" else 1)


@app.command()
def up(
    config: Annotated[
        Path | None, typer.Option("--config", help="Config directory (default: the blueprint).")
    ] = None,
    cluster: ClusterOpt = DEFAULT_CLUSTER,
    port: Annotated[
        int | None,
        typer.Option(
            "--port",
            min=0,
            max=65535,
            envvar="SPARKFLEET_API_PORT",
            help=f"API port (default: the last up's, first {DEFAULT_API_PORT}; 0: any free).",
        ),
    ] = None,
    address: Annotated[
        str,
        typer.Option(
            "--address", callback=address_option, help="Where the API listens (0.0.0.0: every interface)."
        ),
    ] = LOOPBACK,
    insecure_http: Annotated[
        bool, typer.Option("--insecure-http", help="Serve plain HTTP (kubectl cannot authenticate over it).")
    ] = False,
) -> None:
    """Start the background cluster: its API on loopback (HTTPS), its controllers, its local runtime."""
    with user_errors():
        if config is not None:
            load_config(config)  # refuse a bad directory here, not in the background process
        try:
            started = start_background(
                cluster, config, port=port, insecure_http=insecure_http, address=address
            )
        except RuntimeError as exc:
            raise CommandError(str(exc)) from None
        info, home = started.server, cluster_home(cluster)
        typer.echo(f"cluster {cluster} is up at {info.url} (pid {info.pid})")
        typer.echo(f"kubeconfig: {home / KUBECONFIG_FILE}")
        exposed = exposure_warning("the API", address)
        if exposed is not None:
            typer.echo(
                f"{exposed}; its certificate names localhost, so kubeconfigs elsewhere need "
                "tls-server-name: localhost",
                err=True,
            )
        if started.passed_over is not None:
            typer.echo(
                f"note: port {started.passed_over} was busy, so the API took a free one; "
                "the next up tries this one again (choose with --port)",
                err=True,
            )
        if info.ca_file is None:
            typer.echo(
                "warning: plain HTTP: kubectl sends no token over it, so kubectl cannot authenticate; "
                "up without --insecure-http serves HTTPS",
                err=True,
            )


@app.command("kubeconfig")
def kubeconfig_command(
    merge: Annotated[
        bool,
        typer.Option(
            "--merge",
            help="Add it to kubectl's config ($KUBECONFIG's first file, else ~/.kube/config) instead.",
        ),
    ] = False,
    cluster: ClusterOpt = DEFAULT_CLUSTER,
) -> None:
    """Print the running cluster's kubeconfig, or merge it into kubectl's as context sparkfleet-<cluster>."""
    with user_errors():
        if merge:
            for line in merge_running_kubeconfig(cluster):
                typer.echo(line)
        else:
            typer.echo(running_kubeconfig(cluster), nl=False)


@app.command()
def down(cluster: ClusterOpt = DEFAULT_CLUSTER) -> None:
    """Stop the background cluster (its state is kept for the next `up`)."""
    if stop_background(cluster):
        typer.echo(f"cluster {cluster} is down")
    else:
        typer.echo(f"cluster {cluster} was not running")


@app.command()
def plan(
    filename: FilesOption,
    nodepools: Annotated[
        Path | None,
        typer.Option("--nodepools", help="NodePools and EC2NodeClasses (default: the blueprint's)."),
    ] = None,
    queues: Annotated[
        Path | None, typer.Option("--queues", help="YuniKorn queues.yaml (default: the blueprint's).")
    ] = None,
    scenario: Annotated[
        Path | None, typer.Option("--scenario", help="Cloud scenario (zones, unavailable offerings).")
    ] = None,
    output: Annotated[
        str | None, typer.Option("-o", "--output", help="json for the machine-readable plan.")
    ] = None,
) -> None:
    """Dry-run submission, scheduling and provisioning for an application on an empty simulated cluster."""
    with user_errors():
        apps = [d for d in load_documents(filename) if d.get("kind") == "SparkApplication"]
        if not apps:
            raise CommandError("no SparkApplication in the given files")
        config = load_config(nodepools=nodepools, queues=queues, scenario=scenario)
        reports = [plan_application(doc, config) for doc in apps]
        if output == "json":
            body = [r.to_json() for r in reports]
            typer.echo(json.dumps(body[0] if len(body) == 1 else body, indent=2))
        elif output is None:
            for report in reports:
                render_plan(out, report)
        else:
            raise CommandError(f'unknown output format "{output}"; use json')


# --- scheduler views: `get queues` and `describe app` (see cli/yunikorn_views.py) ----------------------

QUEUE_KINDS = ("queues", "queue")
"""`get queues` shows the scheduler's queue tree instead of stored objects."""
APP_KINDS = ("app", "apps", "application", "applications")
"""`describe app <id>` shows an application as the scheduler sees it."""


# --- example data: `sparkfleet examples taxi-data` (see cli/examples.py) ---------------------------------

from sparkfleet.cli.examples import examples_app  # noqa: E402

app.add_typer(examples_app, name="examples")


# --- named API tokens: `sparkfleet token create|list|delete` (see cli/token.py) -------------------------

from sparkfleet.cli.token import token_app  # noqa: E402

app.add_typer(token_app, name="token")


# --- Spark's History Server on the cluster's event logs (see cli/history.py) -------------------------


@app.command("history-server")
def history_server(
    port: Annotated[int, typer.Option("--port", help="HTTP port of the UI and REST API.")] = DEFAULT_PORT,
    address: Annotated[
        str,
        typer.Option(
            "--address", callback=address_option, help="Where it listens (0.0.0.0: every interface)."
        ),
    ] = LOOPBACK,
    directory: Annotated[
        Path | None,
        typer.Option("--dir", help="Event-log directory (default: the cluster's <home>/eventlogs)."),
    ] = None,
    cluster: ClusterOpt = DEFAULT_CLUSTER,
) -> None:
    """Run Spark's History Server (from the installed PySpark) on the cluster's event logs until Ctrl-C.

    The server reads one directory. A background cluster writes all its event logs to <home>/eventlogs;
    each `sparkfleet run` has a home of its own below the run cluster's, so pass its eventlogs with --dir.
    """
    with user_errors():
        home = cluster_home(cluster)
        log_dir = directory if directory is not None else home / "eventlogs"
        try:
            launch = history_server_launch(find_spark(), log_dir, port, address=address)
        except StartError as exc:
            raise CommandError(str(exc)) from None
        if directory is None:
            others = [d for d in event_log_dirs(home) if d != home / "eventlogs"]
            if others:
                typer.echo(
                    f"{len(others)} more event-log directories under {home} (one per run); e.g.", err=True
                )
                typer.echo(f"  sparkfleet history-server --dir {others[-1]}", err=True)
        typer.echo(f"Spark History Server on {launch.log_dir}: {launch.url} (Ctrl-C stops it)")
        exposed = exposure_warning("the History Server", address)
        if exposed is not None:
            typer.echo(f"{exposed}, with no login", err=True)
        code = serve(launch)
    raise typer.Exit(code)
