"""The background cluster of `sparkfleet up` / `down`: one process serving the API on loopback.

`up` starts `python -m sparkfleet.cli.daemon` detached; that process builds the platform and serves the
Kubernetes-style API over HTTPS, with a certificate of the cluster's own CA (server/tls.py), on loopback
unless `up --address` says otherwise. It lets in the cluster's bearer token and the named tokens of
`tokens.json` (`sparkfleet token`, read-only ones among them), re-read when they change. Once it listens
it writes `kubeconfig` and `server.json` (URL, token, CA, pid) into the cluster's home, readable only by
its owner. The other verbs find the file and talk to the API; `down` stops the process (its state stays
in the store for the next `up`).

What one `up` keeps for the next, so that a kubeconfig merged into ~/.kube/config keeps working: the CA
(`pki/`), the token (`token`; delete it while the cluster is down to revoke every copy, whereas a named
token is revoked at once by `sparkfleet token delete`) and the port (`api-port`: DEFAULT_API_PORT at
first, then the last one served on, unless `up --port` says otherwise). The address is not kept: every
`up` listens on loopback unless its own `--address` says otherwise.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import httpx

from sparkfleet.api.yamlio import dump_yaml
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
from sparkfleet.config import load_config
from sparkfleet.platform import DEFAULT_CLUSTER, Platform, cluster_home
from sparkfleet.privatefiles import private_dir, private_file, write_private
from sparkfleet.server import ServerHandle, bind_socket, create_app, ensure_pki, kubeconfig, new_token, serve

_START_TIMEOUT = 60.0


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
) -> Started:
    """Start the cluster's server process unless it runs already; returns once the API answers.
    `port`: see `choose_port`. `insecure_http`: plain HTTP, which kubectl sends no token over.
    `address`: where the API listens (see `check_address`)."""
    home = cluster_home(cluster)
    running = read_server(home)
    if running is not None:
        return Started(running)
    check_address(address, insecure_http=insecure_http)
    private_dir(home)
    chosen, passed_over = choose_port(home, port, address)
    (home / SERVER_FILE).unlink(missing_ok=True)
    command = [sys.executable, "-m", "sparkfleet.cli.daemon", "--home", str(home), "--name", cluster]
    command += ["--port", str(chosen), "--address", address]
    if config_dir is not None:
        command += ["--config", str(config_dir.resolve())]
    if insecure_http:
        command.append("--insecure-http")
    # Its own session, so it outlives this command and the terminal; no Popen object, as nobody here
    # waits for it (`process_alive` reaps it when it is our child).
    with private_file(home / LOG_FILE).open("ab") as log:
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
    deadline = time.monotonic() + _START_TIMEOUT
    while time.monotonic() < deadline and process_alive(pid):
        info = read_server(home)
        if info is not None and _ready(info):
            return Started(info, passed_over)
        time.sleep(0.1)
    if process_alive(pid):
        os.kill(pid, signal.SIGKILL)
    tail = (home / LOG_FILE).read_text(errors="replace").splitlines()[-15:]
    raise RuntimeError("the cluster did not start:\n" + "\n".join(tail))


def stop_background(cluster: str, timeout: float = 30.0) -> bool:
    """Stop the cluster's server process; False when none was running."""
    home = cluster_home(cluster)
    info = read_server(home)
    if info is None:
        (home / SERVER_FILE).unlink(missing_ok=True)
        return False
    os.kill(info.pid, signal.SIGTERM)
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
    args = parser.parse_args(argv)
    home: Path = args.home
    clock = SystemClock()
    platform = Platform(home, load_config(args.config), clock)
    token = cluster_token(home)
    tls = None if args.insecure_http else ensure_pki(home / PKI_DIR, clock.now())
    app = create_app(
        platform.store,
        token,
        token_file=home / TOKENS_FILE,
        registry=platform.registry,
        log_reader=platform.log_reader,
    )

    def ready(handle: ServerHandle) -> None:
        ca = handle.tls.trusted if handle.tls else None
        url = local_url(handle.url, args.address)
        config = kubeconfig(url, token, context_name(args.name), ca_file=ca)
        write_private(home / KUBECONFIG_FILE, dump_yaml(config))
        write_private(home / PORT_FILE, f"{handle.port}\n")
        # Last: `up` waits for this file, so the kubeconfig is there when it returns.
        server = {"url": url, "token": token, "ca": str(ca) if ca else None, "pid": os.getpid()}
        write_private(home / SERVER_FILE, json.dumps(server))

    platform.start()
    try:
        serve(app, token, host=args.address, port=args.port, tls=tls, on_ready=ready)
    finally:
        platform.stop()
        (home / SERVER_FILE).unlink(missing_ok=True)


if __name__ == "__main__":
    main()
