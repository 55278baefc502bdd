"""The verbs that run a cluster or a server: `run`, `up`, `kubeconfig`, `down` and `history-server`
(registered by cli/main.py).

Their options are defined here with typer alone; each command imports what it runs (cli/options.py)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from sparkfleet.cli.exposure import LOOPBACK, address_option, exposure_warning
from sparkfleet.cli.history import DEFAULT_PORT
from sparkfleet.cli.home import DEFAULT_API_PORT, KUBECONFIG_FILE
from sparkfleet.cli.options import DEFAULT_CLUSTER, ClusterOpt, out, user_errors

__all__ = ["down", "history_server", "kubeconfig_command", "run", "up"]

ConfigOpt = Annotated[
    Path | None, typer.Option("--config", help="Config directory (default: the blueprint).")
]


def run(
    file: Path,
    config: ConfigOpt = None,
    timeout: Annotated[float, typer.Option("--timeout", help="Seconds to wait for the end.")] = 600.0,
    cluster: ClusterOpt = "run",
    spark_mode: Annotated[
        str | None,
        typer.Option(
            "--spark-mode",
            help="local: the driver runs the whole job in local mode; kubernetes: Spark creates executor "
            "pods through the cluster's API and each runs as a real JVM (default: settings' "
            "runtime.sparkMode, kubernetes).",
        ),
    ] = None,
) -> None:
    """Start a local cluster, run one SparkApplication to its end, show what happened (exit 0: COMPLETED)."""
    from sparkfleet.cli.run import print_report, run_application, spark_mode_settings
    from sparkfleet.clock import SystemClock
    from sparkfleet.config import load_config
    from sparkfleet.platform import cluster_home

    with user_errors():
        platform_config = load_config(config)
        if spark_mode is not None:
            platform_config.settings.runtime = spark_mode_settings(
                platform_config.settings.runtime, spark_mode
            )
        stamp = SystemClock().now().strftime("%Y%m%dT%H%M%SZ")
        home = cluster_home(cluster) / f"{file.stem}-{stamp}"
        report = run_application(file, platform_config, home, timeout, out())
        print_report(out(), report)
        raise typer.Exit(0 if report.state == "COMPLETED" else 1)


def up(
    config: ConfigOpt = None,
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
    event_ttl: Annotated[
        str | None,
        typer.Option(
            "--event-ttl",
            help="How long Events are kept after they last happen, as kube-apiserver's (default: settings' "
            "history.eventTTL, 1h).",
        ),
    ] = None,
    controllers_out_of_process: Annotated[
        bool,
        typer.Option(
            "--controllers-out-of-process",
            help="Run the controllers as a `sparkfleet controller` process over the API, as on EKS.",
        ),
    ] = False,
    audit_log_path: Annotated[
        Path | None,
        typer.Option(
            "--audit-log-path",
            help="Append an audit.k8s.io/v1 Event per API request to this file, as kube-apiserver's.",
        ),
    ] = None,
) -> None:
    """Start the background cluster: its API on loopback (HTTPS), its controllers, its local runtime."""
    from sparkfleet.api.durations import DurationError
    from sparkfleet.api.settings import positive_duration
    from sparkfleet.cli.daemon import start_background
    from sparkfleet.cli.objects import CommandError
    from sparkfleet.config import load_config
    from sparkfleet.platform import cluster_home

    with user_errors():
        if config is not None:
            load_config(config)  # refuse a bad directory here, not in the background process
        if event_ttl is not None:
            try:
                positive_duration(event_ttl)
            except DurationError as exc:
                raise CommandError(f"--event-ttl: {exc}") from None
        try:
            started = start_background(
                cluster,
                config,
                port=port,
                insecure_http=insecure_http,
                address=address,
                event_ttl=event_ttl,
                controllers_out_of_process=controllers_out_of_process,
                audit_log=audit_log_path,
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
    from sparkfleet.cli.kubeconfig import merge_running_kubeconfig, running_kubeconfig

    with user_errors():
        if merge:
            for line in merge_running_kubeconfig(cluster):
                typer.echo(line)
        else:
            typer.echo(running_kubeconfig(cluster), nl=False)


def down(
    cluster: ClusterOpt = DEFAULT_CLUSTER,
    drain: Annotated[
        bool,
        typer.Option(
            "--drain", help="Stop the running pods gracefully first (else the next up adopts them)."
        ),
    ] = False,
) -> None:
    """Stop the background cluster; its state is kept, and its running pods go on for the next `up` to
    take over (with --drain they are stopped first, as at a node shutdown)."""
    from sparkfleet.cli.daemon import stop_background

    if not stop_background(cluster, drain=drain):
        typer.echo(f"cluster {cluster} was not running")
    elif drain:
        typer.echo(f"cluster {cluster} is down; its pods were stopped (reason Terminated)")
    else:
        typer.echo(f"cluster {cluster} is down; running pods go on and the next up takes them over")


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
    from sparkfleet.cli.history import event_log_dirs, history_server_launch, serve
    from sparkfleet.cli.objects import CommandError
    from sparkfleet.platform import cluster_home
    from sparkfleet.runtime import StartError
    from sparkfleet.runtime.local import find_spark

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
