"""`sparkfleet history-server`: Spark's History Server from the PySpark distribution on the event logs."""

from __future__ import annotations

import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from typer.testing import CliRunner

from sparkfleet.cli import history
from sparkfleet.cli.history import HISTORY_SERVER_CLASS, event_log_dirs, history_server_launch, start, stop
from sparkfleet.cli.main import app
from sparkfleet.runtime.local.install import SparkInstall, find_spark

SPARK = SparkInstall(home=Path("/opt/pyspark"), java_home=Path("/opt/jdk"), python="/usr/bin/python3")


def test_the_launch_runs_the_history_server_class_through_spark_class_on_the_directory(
    tmp_path: Path,
) -> None:
    launch = history_server_launch(SPARK, tmp_path / "eventlogs", 18099, base_env={"PATH": "/bin"})
    assert launch.argv == ["/opt/pyspark/bin/spark-class", HISTORY_SERVER_CLASS]
    opts = launch.env["SPARK_HISTORY_OPTS"].split()
    assert f"-Dspark.history.fs.logDirectory=file://{tmp_path}/eventlogs" in opts
    assert "-Dspark.history.ui.port=18099" in opts
    assert launch.env["SPARK_HOME"] == "/opt/pyspark"
    assert launch.env["JAVA_HOME"] == "/opt/jdk"
    assert launch.env["SPARK_LOCAL_IP"] == "127.0.0.1", "loopback only, by default"
    assert launch.url == "http://127.0.0.1:18099"


def test_spark_local_ip_in_the_environment_does_not_move_the_server_off_loopback(tmp_path: Path) -> None:
    launch = history_server_launch(SPARK, tmp_path, 18099, base_env={"SPARK_LOCAL_IP": "0.0.0.0"})
    assert launch.env["SPARK_LOCAL_IP"] == "127.0.0.1"
    assert launch.url == "http://127.0.0.1:18099"


def test_an_address_given_to_the_launch_is_where_the_server_listens(tmp_path: Path) -> None:
    launch = history_server_launch(SPARK, tmp_path, 18099, base_env={}, address="10.0.0.5")
    assert launch.env["SPARK_LOCAL_IP"] == "10.0.0.5"
    assert launch.url == "http://10.0.0.5:18099"


def test_the_command_listens_elsewhere_only_with_address_and_warns_then(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SPARKFLEET_HOME", str(tmp_path))
    monkeypatch.setenv("SPARK_LOCAL_IP", "0.0.0.0")
    served: list[history.HistoryServerLaunch] = []
    monkeypatch.setattr("sparkfleet.runtime.local.install.find_spark", lambda: SPARK)
    monkeypatch.setattr("sparkfleet.cli.history.serve", lambda launch: served.append(launch) or 0)
    quiet = CliRunner().invoke(app, ["history-server"])
    assert quiet.exit_code == 0, quiet.output
    assert "warning" not in quiet.stderr
    loud = CliRunner().invoke(app, ["history-server", "--address", "0.0.0.0"])
    assert loud.exit_code == 0, loud.output
    assert "warning: the History Server listens on every interface" in loud.stderr
    assert [launch.env["SPARK_LOCAL_IP"] for launch in served] == ["127.0.0.1", "0.0.0.0"]
    refused = CliRunner().invoke(app, ["history-server", "--address", "localhost:1"])
    assert refused.exit_code == 2
    assert "is not an IPv4 address" in refused.output


def test_options_the_user_set_for_the_server_are_kept(tmp_path: Path) -> None:
    env = {"SPARK_HISTORY_OPTS": "-Dspark.history.retainedApplications=5"}
    launch = history_server_launch(SPARK, tmp_path, base_env=env)
    assert launch.env["SPARK_HISTORY_OPTS"].endswith("-Dspark.history.retainedApplications=5")
    assert "-Dspark.history.ui.port=18080" in launch.env["SPARK_HISTORY_OPTS"]


def test_event_log_dirs_finds_the_cluster_s_own_and_each_run_s(tmp_path: Path) -> None:
    for sub in ("eventlogs", "pi-20260101T000000Z/eventlogs", "pi-20260102T000000Z/eventlogs", "nodes"):
        (tmp_path / sub).mkdir(parents=True)
    assert event_log_dirs(tmp_path) == [
        tmp_path / "eventlogs",
        tmp_path / "pi-20260101T000000Z/eventlogs",
        tmp_path / "pi-20260102T000000Z/eventlogs",
    ]
    assert event_log_dirs(tmp_path / "missing") == []


def test_the_command_serves_the_cluster_s_eventlogs_by_default_and_prints_the_url(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SPARKFLEET_HOME", str(tmp_path))
    (tmp_path / "pi-20260101T000000Z" / "eventlogs").mkdir(parents=True)
    served: list[history.HistoryServerLaunch] = []
    monkeypatch.setattr("sparkfleet.runtime.local.install.find_spark", lambda: SPARK)
    monkeypatch.setattr("sparkfleet.cli.history.serve", lambda launch: served.append(launch) or 0)
    result = CliRunner().invoke(app, ["history-server", "--port", "18111"])
    assert result.exit_code == 0, result.output
    assert served[0].log_dir == tmp_path / "eventlogs"
    assert "http://127.0.0.1:18111" in result.stdout
    assert f"--dir {tmp_path / 'pi-20260101T000000Z' / 'eventlogs'}" in result.stderr


def test_dir_overrides_the_event_log_directory(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    served: list[history.HistoryServerLaunch] = []
    monkeypatch.setattr("sparkfleet.runtime.local.install.find_spark", lambda: SPARK)
    monkeypatch.setattr("sparkfleet.cli.history.serve", lambda launch: served.append(launch) or 0)
    result = CliRunner().invoke(app, ["history-server", "--dir", str(tmp_path / "logs")])
    assert result.exit_code == 0, result.output
    assert served[0].log_dir == tmp_path / "logs"


SERVE_UNTIL_TERMINATED = """
import sys
from pathlib import Path
from sparkfleet.cli.history import HistoryServerLaunch, serve
pid_file = sys.argv[1]
# Stands in for spark-class: a shell that records its pid (the group's) and starts a child of its own.
argv = ["sh", "-c", f"echo $$ > {pid_file}.tmp && mv {pid_file}.tmp {pid_file}; sleep 600 & wait"]
sys.exit(serve(HistoryServerLaunch(argv, {"PATH": "/usr/bin:/bin"}, Path(pid_file).parent, 0)))
"""


def test_sigterm_to_the_command_stops_the_server_s_whole_process_group(tmp_path: Path) -> None:
    pid_file = tmp_path / "server.pid"
    command = subprocess.Popen([sys.executable, "-c", SERVE_UNTIL_TERMINATED, str(pid_file)])
    try:
        for _ in range(200):
            if pid_file.exists() or command.poll() is not None:
                break
            time.sleep(0.05)
        group = int(pid_file.read_text())
        assert _group_running(group)
        command.send_signal(signal.SIGTERM)
        assert command.wait(timeout=30) == 0
        assert not _group_running(group)
    finally:
        if command.poll() is None:
            command.kill()


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _group_alive(pgid: int) -> bool:
    found = subprocess.run(["pgrep", "-g", str(pgid)], capture_output=True, check=False)
    return found.returncode == 0


def _group_running(pgid: int) -> bool:
    """Whether a process of the group still runs (a killed orphan may stay a zombie where nothing reaps)."""
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        if fields[2] == str(pgid) and fields[0] not in ("Z", "X"):
            return True
    return False


@pytest.mark.e2e
def test_the_real_history_server_answers_its_rest_api_and_stops_without_leftovers(tmp_path: Path) -> None:
    launch = history_server_launch(find_spark(), tmp_path / "eventlogs", _free_port())
    process = start(launch)
    try:
        status = None
        for _ in range(120):  # about 60 s: each round waits up to 0.5 s for the process to exit
            try:
                status = httpx.get(f"{launch.url}/api/v1/applications", timeout=2).status_code
            except httpx.TransportError:
                status = None
            if status == 200:
                break
            try:
                process.wait(timeout=0.5)
                break  # the server ended on its own
            except subprocess.TimeoutExpired:
                continue
        assert status == 200
    finally:
        stop(process)
    # Killed processes take a moment to be reaped; none may outlive that.
    for _ in range(50):
        if not _group_alive(process.pid):
            break
        time.sleep(0.1)
    assert not _group_alive(process.pid)
