"""`sparkfleet run FILE`: an in-process cluster runs one SparkApplication to its end, shown live."""

from __future__ import annotations

import contextlib
import re
import shutil
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from rich.console import Console, Group
from rich.live import Live
from rich.table import Table

from sparkfleet.api.settings import RuntimeSettings, SparkMode
from sparkfleet.api.timefmt import parse_rfc3339
from sparkfleet.api.wire import (
    ANNOTATION_PRICE_PER_HOUR,
    LABEL_CAPACITY_TYPE,
    LABEL_INSTANCE_TYPE,
    LABEL_NODEPOOL,
    LABEL_ZONE,
)
from sparkfleet.cli.exposure import LOOPBACK
from sparkfleet.cli.objects import CommandError, apply_documents, load_documents
from sparkfleet.clock import SystemClock
from sparkfleet.cluster import Cluster, ClusterError, Obj, event_order
from sparkfleet.config import PlatformConfig
from sparkfleet.platform import Platform
from sparkfleet.runtime.local import ApiAccess

TERMINAL = {"COMPLETED", "FAILED"}
_REFRESH = 0.25


@dataclass
class RunReport:
    state: str = ""
    message: str = ""
    transitions: list[dict[str, Any]] = field(default_factory=list)
    claims: list[Obj] = field(default_factory=list)
    fallbacks: list[str] = field(default_factory=list)
    cost: float = 0.0
    driver_log: list[str] = field(default_factory=list)


def _state(app: Obj) -> tuple[str, str]:
    state = (app.get("status") or {}).get("applicationState") or {}
    return state.get("state") or "NEW", state.get("errorMessage") or ""


def _view(cluster: Cluster, app: Obj, fallbacks: list[str]) -> Group:
    namespace, name = app["metadata"]["namespace"], app["metadata"]["name"]
    state, message = _state(app)
    head = Table.grid(padding=(0, 2))
    head.add_row("application", f"{namespace}/{name}", state + (f" ({message})" if message else ""))
    claims = Table("NODECLAIM", "NODEPOOL", "TYPE", "CAPACITY", "ZONE", "$/H", "READY", box=None)
    for claim in cluster.list("NodeClaim").items:
        labels = claim["metadata"].get("labels") or {}
        ready = any(
            c.get("type") == "Ready" and c.get("status") == "True"
            for c in (claim.get("status") or {}).get("conditions") or []
        )
        claims.add_row(
            claim["metadata"]["name"],
            labels.get(LABEL_NODEPOOL, ""),
            labels.get(LABEL_INSTANCE_TYPE, ""),
            labels.get(LABEL_CAPACITY_TYPE, ""),
            labels.get(LABEL_ZONE, ""),
            (claim["metadata"].get("annotations") or {}).get(ANNOTATION_PRICE_PER_HOUR, ""),
            "yes" if ready else "no",
        )
    pods = Table("POD", "PHASE", "NODE", box=None)
    for pod in cluster.list("Pod", namespace).items:
        pods.add_row(
            pod["metadata"]["name"],
            (pod.get("status") or {}).get("phase", "Pending"),
            pod["spec"].get("nodeName") or "",
        )
    parts: list[Any] = [head, claims, pods]
    parts.extend(f"fallback: {f}" for f in fallbacks)
    return Group(*parts)


def fallbacks(cluster: Cluster) -> list[str]:
    """Insufficient-capacity and fallback events, as the provisioner records them: each once, in the
    order they happened."""
    seen: dict[str, None] = {}
    for event in sorted(cluster.list("Event").items, key=event_order):
        reason = event.get("reason") or ""
        if "InsufficientCapacity" in reason or "Fallback" in reason:
            seen.setdefault(f"{reason}: {event.get('message', '')}")
    return list(seen)


_RUN_DIR = re.compile(r".+-(\d{8}T\d{6}Z)$")
"""A run's home: `<job>-<UTC stamp>` below the run cluster's home."""


def prune_runs(runs_home: Path, keep: int) -> list[Path]:
    """Remove all but the newest `keep` run directories under `runs_home`; the ones removed."""
    runs = [
        (match.group(1), p)
        for p in (runs_home.iterdir() if runs_home.is_dir() else [])
        if (match := _RUN_DIR.fullmatch(p.name)) and p.is_dir()
    ]
    runs.sort()
    doomed = [p for _, p in runs[: max(0, len(runs) - keep)]]
    for path in doomed:
        shutil.rmtree(path, ignore_errors=True)
    return doomed


def _cost(cluster: Cluster, started: datetime, now: datetime) -> float:
    """What the run's nodes cost: each NodeClaim's price for the time it existed."""
    total = 0.0
    for claim in cluster.list("NodeClaim").items:
        price = float((claim["metadata"].get("annotations") or {}).get(ANNOTATION_PRICE_PER_HOUR) or 0)
        created = parse_rfc3339(claim["metadata"]["creationTimestamp"], field="metadata.creationTimestamp")
        total += price * max(0.0, (now - max(created, started)).total_seconds()) / 3600
    return total


def spark_mode_settings(runtime: RuntimeSettings, mode: str) -> RuntimeSettings:
    """The runtime settings with `--spark-mode` MODE; CommandError naming the choices otherwise."""
    try:
        return runtime.model_copy(update={"sparkMode": SparkMode(mode)})
    except ValueError:
        choices = ", ".join(m.value for m in SparkMode)
        raise CommandError(f"--spark-mode {mode!r}: choose one of {choices}") from None


@contextlib.contextmanager
def served_api(platform: Platform, home: Path, clock: SystemClock) -> Iterator[None]:
    """The cluster's API on a loopback port for as long as the run lasts, with a token of its own: drivers
    running Spark on Kubernetes ask it for their executors."""
    from sparkfleet.server import create_app, ensure_pki, new_token, start_server

    token = new_token()
    tls = ensure_pki(home / "pki", clock.now())
    app = create_app(platform.store, token, registry=platform.registry, log_reader=platform.log_reader)
    handle = start_server(app, token, host=LOOPBACK, port=0, tls=tls)
    platform.kubelet.connect_api(ApiAccess(handle.url, token, handle.tls.trusted if handle.tls else None))
    try:
        yield
    finally:
        handle.stop()


@contextlib.contextmanager
def running_platform(
    home: Path, config: PlatformConfig, clock: SystemClock, workdir: Path
) -> Iterator[Platform]:
    """The started cluster in `home`; with Spark on Kubernetes, its API served too (Spark creates the
    executors and their claims through it)."""
    with Platform(home, config, clock, workdir=workdir) as platform, contextlib.ExitStack() as api:
        if config.settings.runtime.sparkMode == SparkMode.KUBERNETES:
            api.enter_context(served_api(platform, home, clock))
        yield platform


def run_application(
    file: Path, config: PlatformConfig, home: Path, timeout: float, console: Console
) -> RunReport:
    docs = [d for d in load_documents([file]) if d.get("kind") == "SparkApplication"]
    if len(docs) != 1:
        raise CommandError(f"{file}: `run` takes exactly one SparkApplication, found {len(docs)}")
    clock = SystemClock()
    report = RunReport()
    with running_platform(home, config, clock, Path.cwd()) as platform:
        store = platform.store
        started = clock.now()
        applied = apply_documents(store, docs)[0]
        namespace = applied.namespace or "default"
        deadline = time.monotonic() + timeout
        with Live(console=console, refresh_per_second=4, transient=False) as live:
            while True:
                app = store.get("SparkApplication", namespace, applied.name)
                report.fallbacks = fallbacks(store)
                live.update(_view(store, app, report.fallbacks))
                report.state, report.message = _state(app)
                if report.state in TERMINAL or time.monotonic() > deadline:
                    break
                time.sleep(_REFRESH)
        report.transitions = list((app.get("status") or {}).get("transitions") or [])
        report.claims = store.list("NodeClaim").items
        report.cost = _cost(store, started, clock.now())
        driver = (app.get("status") or {}).get("driverInfo", {}).get("podName")
        if driver:
            # a driver that never started has no log: the application's state says why
            with contextlib.suppress(ClusterError):
                report.driver_log = _tail(platform.log_reader(namespace, driver, None, False, 40))
    if report.state not in TERMINAL:
        report.message = f"timed out after {timeout:.0f} s in state {report.state or 'NEW'}"
    prune_runs(home.parent, config.settings.runs.keep)
    return report


def _tail(chunks: Iterator[bytes]) -> list[str]:
    return b"".join(chunks).decode(errors="replace").splitlines()[-40:]


def _rule(console: Console, title: str) -> None:
    # A line of its own: after the live view's last table row, a rule would otherwise follow on its line.
    console.line()
    console.rule(title)


def print_report(console: Console, report: RunReport) -> None:
    if report.driver_log:
        _rule(console, "driver log (last lines)")
        for line in report.driver_log:
            console.print(line, markup=False, highlight=False)
    _rule(console, "timeline")
    for t in report.transitions:
        console.print(
            f"{t.get('time', '')}  {t.get('state', '') or 'NEW':<18} {t.get('reason', '')}", markup=False
        )
    _rule(console, "cost")
    console.print(f"{len(report.claims)} NodeClaim(s), ${report.cost:.4f} for this run")
    verdict = report.state + (f": {report.message}" if report.message else "")
    console.print(f"[bold]{verdict}[/bold]")
