"""The background cluster of `sparkfleet up` / `down`: one process serving the API on loopback.

`up` starts `python -m sparkfleet.cli.daemon` detached; that process builds the platform, serves the
Kubernetes-style API with a fresh token and writes `server.json` (URL, token, pid) into the cluster's
home, readable only by its owner. The other verbs find the file and talk to the API; `down` stops the
process (its state stays in the store for the next `up`).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import signal
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import httpx

from sparkfleet.api.yamlio import dump_yaml
from sparkfleet.clock import SystemClock
from sparkfleet.config import load_config
from sparkfleet.platform import Platform, cluster_home
from sparkfleet.server import ServerHandle, create_app, kubeconfig, serve
from sparkfleet.server.auth import new_token

SERVER_FILE = "server.json"
KUBECONFIG_FILE = "kubeconfig"
LOG_FILE = "server.log"
_START_TIMEOUT = 60.0


@dataclass(frozen=True)
class ServerInfo:
    url: str
    token: str
    pid: int


def read_server(home: Path) -> ServerInfo | None:
    """The running server of this cluster, or None (no file, or its process is gone)."""
    try:
        data = json.loads((home / SERVER_FILE).read_text())
        info = ServerInfo(str(data["url"]), str(data["token"]), int(data["pid"]))
    except (OSError, ValueError, KeyError, TypeError):
        return None
    return info if _alive(info.pid) else None


def _alive(pid: int) -> bool:
    with contextlib.suppress(ChildProcessError):
        os.waitpid(pid, os.WNOHANG)  # reap it if it is our child and has exited
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _ready(info: ServerInfo) -> bool:
    try:
        return httpx.get(f"{info.url}/readyz", timeout=2.0).status_code == 200
    except httpx.HTTPError:
        return False


def start_background(cluster: str, config_dir: Path | None) -> ServerInfo:
    """Start the cluster's server process unless it runs already; returns once the API answers."""
    home = cluster_home(cluster)
    running = read_server(home)
    if running is not None:
        return running
    home.mkdir(parents=True, exist_ok=True)
    (home / SERVER_FILE).unlink(missing_ok=True)
    command = [sys.executable, "-m", "sparkfleet.cli.daemon", "--home", str(home)]
    if config_dir is not None:
        command += ["--config", str(config_dir.resolve())]
    # Its own session, so it outlives this command and the terminal; no Popen object, as nobody here
    # waits for it (`_alive` reaps it when it is our child).
    with (home / LOG_FILE).open("ab") as log:
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
    while time.monotonic() < deadline and _alive(pid):
        info = read_server(home)
        if info is not None and _ready(info):
            return info
        time.sleep(0.1)
    if _alive(pid):
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
    while time.monotonic() < deadline and _alive(info.pid):
        time.sleep(0.1)
    if _alive(info.pid):
        os.kill(info.pid, signal.SIGKILL)
    (home / SERVER_FILE).unlink(missing_ok=True)
    return True


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m sparkfleet.cli.daemon")
    parser.add_argument("--home", type=Path, required=True)
    parser.add_argument("--config", type=Path, default=None)
    args = parser.parse_args(argv)
    home: Path = args.home
    platform = Platform(home, load_config(args.config), SystemClock())
    token = new_token()
    app = create_app(platform.store, token, registry=platform.registry, log_reader=platform.log_reader)

    def ready(handle: ServerHandle) -> None:
        path = home / SERVER_FILE
        path.touch(mode=0o600)
        path.write_text(json.dumps({"url": handle.url, "token": token, "pid": os.getpid()}))
        (home / KUBECONFIG_FILE).write_text(dump_yaml(kubeconfig(handle.url, token)))

    platform.start()
    try:
        serve(app, token, on_ready=ready)
    finally:
        platform.stop()
        (home / SERVER_FILE).unlink(missing_ok=True)


if __name__ == "__main__":
    main()
