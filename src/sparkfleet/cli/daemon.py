"""The background cluster of `sparkfleet up` / `down`: one process serving the API on loopback.

`up` starts `python -m sparkfleet.cli.daemon` detached; that process builds the platform and serves the
Kubernetes-style API over HTTPS, with a certificate of the cluster's own CA (server/tls.py), on loopback
unless `up --address` says otherwise. It lets in the cluster's bearer token and the named tokens of
`tokens.json` (`sparkfleet token`, read-only ones among them), re-read when they change. Once it listens
it writes `kubeconfig` and `server.json` (URL, token, CA, pid) into the cluster's home, readable only by
its owner. The other verbs find the file and talk to the API; `down` stops the process (its state stays
in the store for the next `up`). A server that cannot start (a full or read-only home) tells the waiting
`up` why over a pipe (`--report-fd`), which a full disk cannot refuse as it refuses the log.

`down` asks with a signal: SIGTERM stops the control plane and leaves the pods' processes running, as a
kubelet restart leaves its containers, for the next `up` to take over (the simulated EC2's instances are
kept in the home too, so their nodes are still there); SIGUSR1 (`down --drain`) first stops every pod
gracefully and marks it as a node shutting down marks its pods. A `kill -9` is a restart like the first.

What one `up` keeps for the next, so that a kubeconfig merged into ~/.kube/config keeps working: the CA
(`pki/`), the token (`token`; delete it while the cluster is down to revoke every copy, whereas a named
token is revoked at once by `sparkfleet token delete`) and the port (`api-port`: DEFAULT_API_PORT at
first, then the last one served on, unless `up --port` says otherwise). The address is not kept: every
`up` listens on loopback unless its own `--address` says otherwise.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import httpx

from sparkfleet.api.yamlio import dump_yaml
from sparkfleet.cli.controllerchild import start_controller, stop_controller
from sparkfleet.cli.exposure import ANY_ADDRESS, LOOPBACK, is_loopback
from sparkfleet.cli.home import (
    DEFAULT_API_PORT,
    KUBECONFIG_FILE,
    LOG_FILE,
    PKI_DIR,
    PORT_FILE,
    SERVER_FILE,
    TOKEN_FILE,
    TOKENS_FILE,
    ServerInfo,
    process_alive,
    read_server,
)
from sparkfleet.clock import SystemClock
from sparkfleet.cluster import ClusterError
from sparkfleet.cluster.embedded import os_storage_error
from sparkfleet.config import load_config
from sparkfleet.platform import DEFAULT_CLUSTER, Platform, cluster_home
from sparkfleet.privatefiles import private_dir, private_file, write_private
from sparkfleet.runtime.local import ApiAccess
from sparkfleet.server import (
    ObjectQuota,
    ServerHandle,
    bind_socket,
    create_app,
    ensure_pki,
    kubeconfig,
    new_token,
    start_server,
)

_START_TIMEOUT = 60.0
LEAVE_SIGNAL = signal.SIGTERM
"""Stop the control plane; the pods go on for the next `up` to adopt."""
DRAIN_SIGNAL = signal.SIGUSR1
"""Stop the pods gracefully, then the control plane (`down --drain`)."""
_REASON_BYTES = 4000


def context_name(cluster: str) -> str:
    """The kubeconfig name of a cluster (its cluster, user and context entries), as kind's `kind-<name>`."""
    return f"sparkfleet-{cluster}"


@dataclass(frozen=True)
class Started:
    server: ServerInfo
    passed_over: int | None = None
    """The port this `up` meant to serve on but found busy (it took a free one instead)."""


def _ready(info: ServerInfo) -> bool:
    try:
        return httpx.get(f"{info.url}/readyz", timeout=2.0, verify=info.verify()).status_code == 200
    except (httpx.HTTPError, OSError):
        return False


def remembered_port(home: Path) -> int | None:
    """The port the cluster's last `up` served on."""
    try:
        port = int((home / PORT_FILE).read_text().strip())
    except (OSError, ValueError):
        return None
    return port if 0 < port < 65536 else None


def port_free(port: int, address: str = LOOPBACK) -> bool:
    """Whether the server could listen on `port` of `address` now."""
    try:
        bind_socket(address, port).close()
    except OSError:
        return False
    return True


def choose_port(home: Path, requested: int | None, address: str = LOOPBACK) -> tuple[int, int | None]:
    """(port to serve on, the usual port passed over as busy). `requested` (`up --port`; 0: any free
    port) is taken as it is, or refused when busy; else the last port, or DEFAULT_API_PORT the first
    time, and any free port (0) when that one is busy."""
    if requested is not None:
        if requested and not port_free(requested, address):
            raise RuntimeError(
                f"port {requested} on {address} is in use; choose another with --port (0: any free port)"
            )
        return requested, None
    usual = remembered_port(home) or DEFAULT_API_PORT
    return (usual, None) if port_free(usual, address) else (0, usual)


def check_address(address: str, *, insecure_http: bool) -> None:
    """Refuse an address clients could not use safely: over plain HTTP tokens would cross the network in
    clear, so only loopback; over HTTPS the certificate names 127.0.0.1 and localhost (server/tls.py),
    which every interface (0.0.0.0) includes and any other single address does not."""
    if insecure_http:
        if not is_loopback(address):
            raise RuntimeError(
                f"--insecure-http serves loopback only: over plain HTTP to {address} tokens would cross the "
                "network in clear; drop --insecure-http"
            )
    elif address not in (LOOPBACK, ANY_ADDRESS):
        raise RuntimeError(
            f"the API certificate names {LOOPBACK} and localhost only, so clients could not verify it at "
            f"{address}; listen with --address {ANY_ADDRESS} (every interface, {LOOPBACK} included)"
        )


def local_url(url: str, address: str) -> str:
    """Where clients on this machine reach a server listening on `address` (its URL `url`)."""
    return url.replace(f"://{ANY_ADDRESS}:", f"://{LOOPBACK}:", 1) if address == ANY_ADDRESS else url


def start_background(
    cluster: str,
    config_dir: Path | None,
    *,
    port: int | None = None,
    insecure_http: bool = False,
    address: str = LOOPBACK,
    event_ttl: str | None = None,
    controllers_out_of_process: bool = False,
    audit_log: Path | None = None,
) -> Started:
    """Start the cluster's server process unless it runs already; returns once the API answers.
    `port`: see `choose_port`. `insecure_http`: plain HTTP, which kubectl sends no token over.
    `address`: where the API listens (see `check_address`). `controllers_out_of_process`: the
    controllers run in a `sparkfleet controller` process beside it, over the API (cli/controllerchild.py).
    `audit_log`: where the API appends an audit Event per request (server/audit.py)."""
    home = cluster_home(cluster)
    running = read_server(home)
    if running is not None:
        return Started(running)
    check_address(address, insecure_http=insecure_http)
    chosen, passed_over = choose_port(home, port, address)
    try:
        private_dir(home)
        (home / SERVER_FILE).unlink(missing_ok=True)
        log = private_file(home / LOG_FILE).open("ab")
    except OSError as exc:
        failed = os_storage_error(exc, Path(exc.filename or home), "cannot be written", what="the file")
        raise RuntimeError(f"the cluster did not start: {failed.message}") from None
    command = [sys.executable, "-m", "sparkfleet.cli.daemon", "--home", str(home), "--name", cluster]
    command += ["--port", str(chosen), "--address", address]
    if config_dir is not None:
        command += ["--config", str(config_dir.resolve())]
    if insecure_http:
        command.append("--insecure-http")
    if event_ttl is not None:
        command += ["--event-ttl", event_ttl]
    if controllers_out_of_process:
        command.append("--controllers-out-of-process")
    if audit_log is not None:
        command += ["--audit-log-path", str(audit_log.resolve())]
    # Why the server failed to start comes back over a pipe: a full disk can refuse the log, not a pipe.
    reasons, report = os.pipe()
    os.set_inheritable(report, True)
    command += ["--report-fd", str(report)]
    # Its own session, so it outlives this command and the terminal; no Popen object, as nobody here
    # waits for it (`process_alive` reaps it when it is our child).
    with log, os.fdopen(reasons, "rb") as reasons_file:
        try:
            pid = os.posix_spawn(
                sys.executable,
                command,
                os.environ,
                file_actions=[
                    (os.POSIX_SPAWN_OPEN, 0, os.devnull, os.O_RDONLY, 0),
                    (os.POSIX_SPAWN_DUP2, log.fileno(), 1),
                    (os.POSIX_SPAWN_DUP2, log.fileno(), 2),
                ],
                setsid=True,
            )
        finally:
            os.close(report)
        deadline = time.monotonic() + _START_TIMEOUT
        while time.monotonic() < deadline and process_alive(pid):
            info = read_server(home)
            if info is not None and _ready(info):
                return Started(info, passed_over)
            time.sleep(0.1)
        if process_alive(pid):
            os.kill(pid, signal.SIGKILL)
        reason = reasons_file.read().decode(errors="replace").strip()  # the pipe ends with the process
    if reason:
        raise RuntimeError(f"the cluster did not start: {reason} (log: {home / LOG_FILE})")
    tail = (home / LOG_FILE).read_text(errors="replace").splitlines()[-15:]
    raise RuntimeError("the cluster did not start:\n" + "\n".join(tail))


class StartupReport:
    """Tells the waiting `up` why this server did not start, over the pipe it passed (`--report-fd`)."""

    def __init__(self, fd: int | None) -> None:
        self._fd = fd
        self.started = False

    def failed(self, exc: BaseException) -> None:
        if self._fd is not None and not self.started:
            with contextlib.suppress(OSError):  # `up` gave up waiting
                os.write(self._fd, startup_reason(exc).encode()[:_REASON_BYTES])
        self._close()

    def done(self) -> None:
        """Started: the pipe is closed, so `up` reads no reason."""
        self.started = True
        self._close()

    def _close(self) -> None:
        if self._fd is not None:
            with contextlib.suppress(OSError):
                os.close(self._fd)
            self._fd = None


def startup_reason(exc: BaseException) -> str:
    """One line saying why the server failed to start: a storage failure names the file and the
    cause; anything else (a bug) its type and message, the traceback being in the log."""
    if isinstance(exc, ClusterError):
        return exc.message
    if isinstance(exc, OSError) and exc.filename:
        return os_storage_error(exc, Path(exc.filename), "cannot be written", what="the file").message
    return f"{type(exc).__name__}: {exc}"


def stop_background(cluster: str, timeout: float = 60.0, *, drain: bool = False) -> bool:
    """Stop the cluster's server process, leaving its pods running for the next `up` (or stopping them
    first with `drain`); False when none was running."""
    home = cluster_home(cluster)
    info = read_server(home)
    if info is None:
        (home / SERVER_FILE).unlink(missing_ok=True)
        return False
    os.kill(info.pid, DRAIN_SIGNAL if drain else LEAVE_SIGNAL)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and process_alive(info.pid):
        time.sleep(0.1)
    if process_alive(info.pid):
        os.kill(info.pid, signal.SIGKILL)
    (home / SERVER_FILE).unlink(missing_ok=True)
    return True


def cluster_token(home: Path) -> str:
    """The cluster's bearer token: made by its first `up` and kept, so kubeconfigs outlive a restart."""
    path = home / TOKEN_FILE
    try:
        token = path.read_text().strip()
    except FileNotFoundError:
        token = ""
    if token:
        private_file(path)
        return token
    token = new_token()
    write_private(path, token + "\n")
    return token


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m sparkfleet.cli.daemon")
    parser.add_argument("--home", type=Path, required=True)
    parser.add_argument("--name", default=DEFAULT_CLUSTER, help="the cluster's name, for its kubeconfig")
    parser.add_argument("--config", type=Path, default=None)
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--address", default=LOOPBACK)
    parser.add_argument("--insecure-http", action="store_true")
    parser.add_argument("--event-ttl", default=None, help="how long Events are kept (history.eventTTL)")
    parser.add_argument("--controllers-out-of-process", action="store_true")
    parser.add_argument("--audit-log-path", type=Path, default=None)
    parser.add_argument("--report-fd", type=int, default=None, help="a pipe to write why start failed")
    args = parser.parse_args(argv)
    report = StartupReport(args.report_fd)
    try:
        _serve(args, report)
    except BaseException as exc:
        report.failed(exc)
        if isinstance(exc, ClusterError):  # a known cause (a full or read-only disk): one line
            outcome = "stopped" if report.started else "did not start"
            print(f"the cluster {outcome}: {exc.message}", file=sys.stderr)
            raise SystemExit(1) from None
        raise


def _serve(args: argparse.Namespace, report: StartupReport) -> None:
    home: Path = args.home
    clock = SystemClock()
    config = load_config(args.config)
    if args.event_ttl is not None:
        config.settings.history.eventTTL = args.event_ttl
    separate = bool(args.controllers_out_of_process)
    platform = Platform(home, config, clock, controllers=not separate)
    token = cluster_token(home)
    tls = None if args.insecure_http else ensure_pki(home / PKI_DIR, clock.now())
    app = create_app(
        platform.store,
        token,
        token_file=home / TOKENS_FILE,
        registry=platform.registry,
        log_reader=platform.log_reader,
        quota=ObjectQuota(platform.config.settings.limits.maxObjectsPerNamespace, platform.store.count),
        audit_log=args.audit_log_path,
    )

    drain, stopping = threading.Event(), threading.Event()
    children: list[subprocess.Popen[bytes]] = []

    def on_signal(signum: int, _frame: object) -> None:
        if signum == DRAIN_SIGNAL:
            drain.set()
        stopping.set()

    for signum in (DRAIN_SIGNAL, LEAVE_SIGNAL, signal.SIGINT):
        signal.signal(signum, on_signal)

    def ready(handle: ServerHandle) -> None:
        ca = handle.tls.trusted if handle.tls else None
        url = local_url(handle.url, args.address)
        platform.kubelet.connect_api(ApiAccess(url, token, ca))
        config = kubeconfig(url, token, context_name(args.name), ca_file=ca)
        write_private(home / KUBECONFIG_FILE, dump_yaml(config))
        write_private(home / PORT_FILE, f"{handle.port}\n")
        # Last: `up` waits for this file, so the kubeconfig is there when it returns.
        server = {"url": url, "token": token, "ca": str(ca) if ca else None, "pid": os.getpid()}
        write_private(home / SERVER_FILE, json.dumps(server))
        if separate:  # once the kubeconfig it connects with is there
            children.append(start_controller(home, args.config))
        report.done()

    platform.start()
    handle: ServerHandle | None = None
    try:
        handle = start_server(app, token, host=args.address, port=args.port, tls=tls)
        ready(handle)
        stopping.wait()
    finally:
        # The controllers first, while the API still answers them (they release their Lease over it);
        # then the API, then the pods and the store.
        for child in children:
            stop_controller(child)
        if handle is not None:
            handle.stop()
        platform.stop(drain=drain.is_set())
        (home / SERVER_FILE).unlink(missing_ok=True)


if __name__ == "__main__":
    main()
