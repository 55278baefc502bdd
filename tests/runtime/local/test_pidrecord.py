"""The wrapper's exit status and the pid record: how a later runtime knows what became of a container."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from sparkfleet.runtime.local.pidrecord import (
    PidRecord,
    boot_id,
    exit_status,
    exit_status_file,
    pid_file,
    same_process,
    start_ticks,
    wrapped,
)

from ..builders import START

LINUX = sys.platform.startswith("linux")


def run_wrapped(
    tmp_path: Path, script: str, *, signal_group: signal.Signals | None = None
) -> tuple[int, int | None]:
    """(the wrapper's own exit code, the exit status it wrote) for a Python `script` run under it."""
    log = tmp_path / "main.log"
    command = wrapped(sys.executable, sys.executable, (sys.executable, "-c", script), exit_status_file(log))
    with log.open("ab") as out:
        process = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
    if signal_group is not None:
        while "up" not in log.read_text():
            time.sleep(0.01)
        os.killpg(process.pid, signal_group)
    return process.wait(timeout=30), exit_status(log)


@pytest.mark.parametrize(
    ("script", "code"),
    [
        ("pass", 0),
        ("raise SystemExit(3)", 3),
        ("import os, signal; os.kill(os.getpid(), signal.SIGKILL)", 137),
    ],
)
def test_the_wrapper_writes_the_programs_exit_status_and_exits_with_it(
    tmp_path: Path, script: str, code: int
) -> None:
    assert run_wrapped(tmp_path, script) == (code, code)


def test_a_sigterm_to_the_group_ends_the_program_and_the_wrapper_still_reports(tmp_path: Path) -> None:
    script = "import time; print('up', flush=True); time.sleep(600)"
    assert run_wrapped(tmp_path, script, signal_group=signal.SIGTERM) == (143, 143)


def test_a_program_that_cannot_be_executed_exits_127_with_the_reason_in_its_log(tmp_path: Path) -> None:
    log = tmp_path / "main.log"
    command = wrapped(sys.executable, "/nonexistent/tool", ("tool",), exit_status_file(log))
    with log.open("ab") as out:
        assert subprocess.run(command, stdout=out, stderr=subprocess.STDOUT, check=False).returncode == 127
    assert "cannot start /nonexistent/tool" in log.read_text()
    assert exit_status(log) == 127


@pytest.mark.skipif(not LINUX, reason="start times are read from /proc")
def test_a_pid_is_the_recorded_process_only_with_the_same_start_time_boot_and_marker(tmp_path: Path) -> None:
    me = os.getpid()
    ticks = start_ticks(me)
    assert ticks is not None
    assert not same_process(PidRecord(me, "u1", START, ticks + 1, boot_id())), "a reused pid"
    assert not same_process(PidRecord(me, "u1", START, ticks, "another-boot"))
    assert not same_process(PidRecord(me, "u1", START, ticks, boot_id())), "no pod marker in its environment"


def test_a_record_reads_back_and_an_unreadable_one_is_none(tmp_path: Path) -> None:
    path = pid_file(tmp_path / "main.log")
    record = PidRecord(42, "u1", START, 7, "boot")
    record.write(path)
    assert PidRecord.read(path) == record
    path.write_text("{not json")
    assert PidRecord.read(path) is None
