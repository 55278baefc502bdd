"""`sparkfleet controller`: the controllers alone, against a Kubernetes API (registered by cli/main.py).

The flags are the Deployment's in deploy/base/deployment.yaml (docs/deploy-eks.md); the leader election
timings take kube-controller-manager's flag names. The command imports what it runs
(cli/controllerprocess.py) only when it runs."""

from __future__ import annotations

import ipaddress
import tempfile
from pathlib import Path
from typing import Annotated

import typer

from sparkfleet.cli.options import user_errors

__all__ = ["DEFAULT_LEASE", "USER_AGENT", "controller", "parse_listen"]

DEFAULT_LEASE = "sparkfleet-controller"
USER_AGENT = "sparkfleet-controller"
"""How the controller names itself to the API server (its requests in an audit log)."""
_ALL = "spark,scheduler,provisioner,disruption"


def parse_listen(value: str) -> tuple[str, int]:
    """`HOST:PORT` of `--listen` (an IPv4 address; port 0 picks a free one)."""
    host, sep, port = value.strip().rpartition(":")
    try:
        if not sep:
            raise ValueError(value)
        address = str(ipaddress.IPv4Address(host))
        number = int(port)
        if not 0 <= number <= 65535:
            raise ValueError(port)
    except ValueError:
        raise typer.BadParameter(
            f'"{value}" is not HOST:PORT; give one such as 127.0.0.1:8080 (this machine only) or '
            "0.0.0.0:8080 (in a pod, for its probes and Prometheus)"
        ) from None
    return address, number


def controller(
    controllers: Annotated[
        str,
        typer.Option(
            "--controllers", help=f"The controllers to run, comma-separated: some of {_ALL} (default: all)."
        ),
    ] = _ALL,
    config: Annotated[
        Path | None,
        typer.Option("--config", help="The directory holding settings.yaml (default: the blueprint's)."),
    ] = None,
    kubeconfig: Annotated[
        Path | None,
        typer.Option(
            "--kubeconfig",
            help="Kubeconfig file (default: $KUBECONFIG, ~/.kube/config, else the pod's service account).",
        ),
    ] = None,
    context: Annotated[str | None, typer.Option("--context", help="Kubeconfig context.")] = None,
    leader_elect: Annotated[
        bool,
        typer.Option("--leader-elect", help="Run the controllers only while holding the Lease."),
    ] = False,
    lease_namespace: Annotated[
        str | None,
        typer.Option(
            "--leader-election-namespace", help="The Lease's namespace (default: the context's namespace)."
        ),
    ] = None,
    lease_name: Annotated[
        str, typer.Option("--leader-election-lease", help="The Lease's name.")
    ] = DEFAULT_LEASE,
    lease_duration: Annotated[
        str,
        typer.Option("--leader-elect-lease-duration", help="How long an unrenewed Lease keeps others out."),
    ] = "15s",
    renew_deadline: Annotated[
        str,
        typer.Option("--leader-elect-renew-deadline", help="How long the leader may fail to renew."),
    ] = "10s",
    retry_period: Annotated[
        str, typer.Option("--leader-elect-retry-period", help="How often to try to acquire and renew.")
    ] = "2s",
    listen: Annotated[
        str,
        typer.Option("--listen", help="HOST:PORT of /healthz, /readyz and /metrics (no token)."),
    ] = "127.0.0.1:8080",
    log_format: Annotated[
        str,
        typer.Option("--log-format", help="json (one object per line, Karpenter's keys) or text."),
    ] = "json",
    console_token_file: Annotated[
        Path | None,
        typer.Option(
            "--console-token-file",
            help="Serve the web console at /ui too, behind the token in this file (its owner's alone).",
        ),
    ] = None,
    scheduler_name: Annotated[
        str | None,
        typer.Option(
            "--scheduler-name",
            help=(
                "The schedulerName values of the pods the scheduler takes, comma-separated (default: "
                "yunikorn,default-scheduler; default-scheduler includes pods that name none). On a "
                "cluster whose kube-scheduler runs, give yunikorn."
            ),
        ),
    ] = None,
    state_dir: Annotated[
        Path | None,
        typer.Option(
            "--state-dir", help="Where the simulated EC2 keeps its instances (cloud.provider: sim)."
        ),
    ] = None,
) -> None:
    """Run the controllers against a Kubernetes API: one replica leads, the others stand by."""
    from sparkfleet.api.durations import DurationError
    from sparkfleet.api.settings import positive_duration
    from sparkfleet.api.wire import EMBEDDED_SCHEDULER_NAMES, scheduler_names
    from sparkfleet.cli.controllerprocess import (
        LOG_FORMATS,
        ControllerOptions,
        configure_logging,
        default_identity,
        run_until_signalled,
    )
    from sparkfleet.cli.objects import CommandError
    from sparkfleet.config import load_config
    from sparkfleet.platform import parse_groups
    from sparkfleet.reconcile import LeaseConfig
    from sparkfleet.server import connect

    with user_errors():
        if log_format not in LOG_FORMATS:
            raise CommandError(f'--log-format: "{log_format}" is not one of {", ".join(LOG_FORMATS)}')
        host, port = parse_listen(listen)
        try:
            groups = parse_groups(controllers)
        except ValueError as exc:
            raise CommandError(str(exc)) from None
        names = scheduler_names(scheduler_name) if scheduler_name is not None else EMBEDDED_SCHEDULER_NAMES
        if not names:
            raise CommandError(
                "--scheduler-name names no scheduler: give yunikorn, default-scheduler or both"
            )
        timings: list[float] = []
        for flag, text in (
            ("--leader-elect-lease-duration", lease_duration),
            ("--leader-elect-renew-deadline", renew_deadline),
            ("--leader-elect-retry-period", retry_period),
        ):
            try:
                timings.append(positive_duration(text))
            except DurationError as exc:
                raise CommandError(f"{flag}: {exc}") from None
        console_token = _console_token(console_token_file) if console_token_file is not None else None
        platform_config = load_config(config)
        cluster = connect(kubeconfig, context, user_agent=USER_AGENT)
        try:
            lease = LeaseConfig(
                lease_namespace or cluster.namespace, lease_name, default_identity(), *timings
            )
        except ValueError as exc:
            raise CommandError(str(exc)) from None
        options = ControllerOptions(
            groups=groups,
            scheduler_names=names,
            config=platform_config,
            state_dir=state_dir or Path(tempfile.gettempdir()) / "sparkfleet-controller",
            listen_host=host,
            listen_port=port,
            leader_elect=leader_elect,
            lease=lease,
            console_token=console_token,
        )
        configure_logging(log_format)
        code = run_until_signalled(cluster, options)
    raise typer.Exit(code)


def _console_token(path: Path) -> str:
    from sparkfleet.cli.objects import CommandError

    try:
        token = path.read_text().strip()
    except OSError as exc:
        raise CommandError(f"--console-token-file: {path} cannot be read: {exc.strerror}") from None
    if not token:
        raise CommandError(f"--console-token-file: {path} is empty; write the console's token in it")
    if path.stat().st_mode & 0o077:
        raise CommandError(f"--console-token-file: {path} may be read by others; chmod 600 {path}")
    return token
