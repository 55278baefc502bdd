"""`sparkfleet history-server`: Spark's own History Server, from the PySpark distribution, on the
cluster's event logs.

It runs in the foreground through `bin/spark-class` (the distribution's `sbin/start-history-server.sh`
daemonizes it, which would outlive the command), in its own process group so that stopping it stops the
JVM and anything the launch scripts started: on Ctrl-C and on SIGTERM alike. It listens on loopback only
unless `--address` says otherwise: Spark's web UIs bind to SPARK_LOCAL_IP, else every interface, so the
launch always sets it, over whatever the environment holds (set for Spark's drivers, it is no choice to
expose the server).
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import threading
from dataclasses import dataclass
from pathlib import Path
from types import FrameType
from typing import TYPE_CHECKING

from sparkfleet.cli.exposure import LOOPBACK

if TYPE_CHECKING:
    from sparkfleet.runtime.local import SparkInstall

HISTORY_SERVER_CLASS = "org.apache.spark.deploy.history.HistoryServer"
DEFAULT_PORT = 18080
EVENT_LOG_DIR = "eventlogs"


@dataclass(frozen=True, slots=True)
class HistoryServerLaunch:
    argv: list[str]
    env: dict[str, str]
    log_dir: Path
    port: int
    address: str = LOOPBACK

    @property
    def url(self) -> str:
        return f"http://{self.address}:{self.port}"


def event_log_dirs(home: Path) -> list[Path]:
    """Every event-log directory under a cluster home: its own and one per `sparkfleet run` below it."""
    if not home.is_dir():
        return []
    found = [home / EVENT_LOG_DIR] if (home / EVENT_LOG_DIR).is_dir() else []
    found += sorted(p for p in home.glob(f"*/{EVENT_LOG_DIR}") if p.is_dir())
    return found


def history_server_launch(
    spark: SparkInstall,
    log_dir: Path,
    port: int = DEFAULT_PORT,
    base_env: dict[str, str] | None = None,
    address: str = LOOPBACK,
) -> HistoryServerLaunch:
    """The command line and environment that start the History Server on `log_dir` at `address:port`."""
    directory = log_dir.expanduser().resolve()
    # spark-class reads the daemon's JVM options from SPARK_HISTORY_OPTS.
    opts = [
        f"-Dspark.history.fs.logDirectory={directory.as_uri()}",
        f"-Dspark.history.ui.port={port}",
    ]
    env = dict(os.environ if base_env is None else base_env)
    extra = env.get("SPARK_HISTORY_OPTS", "").strip()
    env["SPARK_HISTORY_OPTS"] = " ".join([*opts, extra] if extra else opts)
    env["SPARK_HOME"] = str(spark.home)
    env["SPARK_LOCAL_IP"] = address
    if spark.java_home is not None:
        env["JAVA_HOME"] = str(spark.java_home)
    argv = [str(spark.home / "bin" / "spark-class"), HISTORY_SERVER_CLASS]
    return HistoryServerLaunch(argv, env, directory, port, address)


def start(launch: HistoryServerLaunch) -> subprocess.Popen[bytes]:
    """Start the server in a new process group (Ctrl-C reaches this command, which then stops the group)."""
    launch.log_dir.mkdir(parents=True, exist_ok=True)  # the server refuses a missing directory
    return subprocess.Popen(launch.argv, env=launch.env, start_new_session=True)


def stop(process: subprocess.Popen[bytes], grace_seconds: float = 10.0) -> int:
    """Stop the server's process group: SIGTERM, then SIGKILL after the grace period; nothing of the group
    is left. Returns the server's exit code."""
    try:
        os.killpg(process.pid, signal.SIGTERM)
        code = process.wait(timeout=grace_seconds)
    except ProcessLookupError:
        code = process.wait()
    except subprocess.TimeoutExpired:
        code = None
    with contextlib.suppress(ProcessLookupError):  # whatever of the group outlived its leader
        os.killpg(process.pid, signal.SIGKILL)
    return process.wait() if code is None else code


class _Terminated(Exception):
    """SIGTERM arrived: stop the server as Ctrl-C would."""


def _terminate(_signum: int, _frame: FrameType | None) -> None:
    raise _Terminated


def serve(launch: HistoryServerLaunch) -> int:
    """Run until the server exits, or Ctrl-C or SIGTERM stops it (exit code 0 then); the server's exit
    code."""
    process = start(launch)
    # The server has a process group of its own, so a SIGTERM to this command alone must be passed on.
    handles_term = threading.current_thread() is threading.main_thread()
    previous = signal.signal(signal.SIGTERM, _terminate) if handles_term else None
    try:
        return process.wait()
    except (KeyboardInterrupt, _Terminated):
        stop(process)
        return 0
    finally:
        if handles_term:
            signal.signal(signal.SIGTERM, previous)
        if process.poll() is None:
            stop(process)
