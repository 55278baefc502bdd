"""LocalRuntime: containers as process groups, with logs, exit codes and nothing left behind.

Each test runs a tiny Python script, not Spark; waits are for the process's exit, never sleeps.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

import pytest

from sparkfleet.clock import VirtualClock
from sparkfleet.runtime import ContainerState, PodRef, ProcessPlan, StartError
from sparkfleet.runtime.local import LocalRuntime
from sparkfleet.runtime.local.pidrecord import PidRecord, boot_id, exit_status_file, pid_file

from ..builders import START

LINUX = sys.platform.startswith("linux")


def plan(home: Path, pod: PodRef, script: str, node: str = "ip-1") -> ProcessPlan:
    log = home / "nodes" / node / "pods" / f"{pod.namespace}_{pod.name}_{pod.uid}" / "logs" / "main.log"
    return ProcessPlan((sys.executable, "-c", script), dict(os.environ), home, log)


def first_line(runtime: LocalRuntime, pod: PodRef) -> str:
    """The first line the process writes (waits for it by following the log)."""
    return next(iter(runtime.logs(pod.namespace, pod.name, follow=True)))


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return Path(f"/proc/{pid}/stat").exists() and " Z " not in Path(f"/proc/{pid}/stat").read_text()


def test_a_process_that_exits_0_completed_with_its_output_in_the_log(
    runtime: LocalRuntime, home: Path, clock: VirtualClock
) -> None:
    pod = PodRef("ns", "hello", "u1")
    started = runtime.start(pod, plan(home, pod, "print('hello'); import sys; print('err', file=sys.stderr)"))
    assert started.state == ContainerState.RUNNING and started.started_at == START
    clock.advance(3)
    result = runtime.wait("ns", "hello", timeout=30)
    assert result is not None
    assert (result.state, result.exit_code, result.reason, result.message) == (
        ContainerState.EXITED,
        0,
        "Completed",
        None,
    )
    assert (result.finished_at - result.started_at).total_seconds() == 3  # type: ignore[operator]
    assert list(runtime.logs("ns", "hello")) == ["hello", "err"]
    assert list(runtime.logs("ns", "hello", tail=1)) == ["err"]


def test_a_failing_process_reports_its_exit_code_and_last_log_lines(
    runtime: LocalRuntime, home: Path
) -> None:
    pod = PodRef("ns", "fails", "u1")
    runtime.start(pod, plan(home, pod, "print('step 1'); print('boom: no such table'); raise SystemExit(3)"))
    result = runtime.wait("ns", "fails", timeout=30)
    assert result is not None
    assert (result.exit_code, result.reason) == (3, "Error")
    assert result.message == "step 1\nboom: no such table"


def test_stopping_ends_the_whole_process_group(runtime: LocalRuntime, home: Path) -> None:
    pod = PodRef("ns", "parent", "u1")
    script = (
        "import subprocess, sys, time\n"
        "child = subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(600)'])\n"
        "print(child.pid, flush=True)\n"
        "time.sleep(600)\n"
    )
    runtime.start(pod, plan(home, pod, script))
    child = int(first_line(runtime, pod))
    result = runtime.stop("ns", "parent")
    assert result is not None
    assert (result.exit_code, result.reason) == (128 + 15, "Error")
    assert not alive(child)
    assert runtime.status("ns", "parent") is None


def test_a_process_that_ignores_sigterm_is_killed_after_the_grace_period(
    home: Path, clock: VirtualClock
) -> None:
    runtime = LocalRuntime(home, clock, grace_seconds=0.2)
    try:
        pod = PodRef("ns", "stubborn", "u1")
        script = (
            "import signal, time\n"
            "signal.signal(signal.SIGTERM, signal.SIG_IGN)\n"
            "print('ready', flush=True)\n"
            "time.sleep(600)\n"
        )
        runtime.start(pod, plan(home, pod, script))
        assert first_line(runtime, pod) == "ready"
        result = runtime.stop("ns", "stubborn")
        assert result is not None and result.exit_code == 128 + 9
    finally:
        runtime.close()


def test_exit_listeners_hear_of_each_exit(runtime: LocalRuntime, home: Path) -> None:
    heard: list[PodRef] = []
    runtime.add_exit_listener(heard.append)
    pod = PodRef("ns", "quick", "u1")
    runtime.start(pod, plan(home, pod, "pass"))
    runtime.wait("ns", "quick", timeout=30)
    assert heard == [pod]


def test_starting_again_is_idempotent_but_another_incarnation_must_wait(
    runtime: LocalRuntime, home: Path
) -> None:
    pod = PodRef("ns", "p", "u1")
    script = "print('up', flush=True); import time; time.sleep(600)"
    first = runtime.start(pod, plan(home, pod, script))
    assert runtime.start(pod, plan(home, pod, script)) == first
    newer = PodRef("ns", "p", "u2")
    with pytest.raises(StartError, match="still has the process of its incarnation u1"):
        runtime.start(newer, plan(home, newer, script))


def test_a_program_that_does_not_exist_cannot_start(runtime: LocalRuntime, home: Path) -> None:
    pod = PodRef("ns", "p", "u1")
    missing = ProcessPlan(("/nonexistent/bin/tool",), {}, home, home / "p.log")
    with pytest.raises(StartError, match="cannot start /nonexistent/bin/tool"):
        runtime.start(pod, missing)
    assert runtime.status("ns", "p") is None


def test_stop_all_leaves_nothing_running(runtime: LocalRuntime, home: Path) -> None:
    pids = []
    for name in ("a", "b"):
        pod = PodRef("ns", name, "u1")
        pids.append(runtime.start(pod, plan(home, pod, "import time; time.sleep(600)")).pid)
    results = runtime.stop_all()
    assert sorted(r.pod.name for r in results) == ["a", "b"]
    assert all(r.exit_code == 143 for r in results)
    assert not any(alive(pid) for pid in pids if pid is not None)
    assert runtime.status("ns", "a") is None


def test_the_log_of_a_forgotten_process_is_still_found_on_disk(runtime: LocalRuntime, home: Path) -> None:
    pod = PodRef("ns", "done", "u1")
    runtime.start(pod, plan(home, pod, "print('kept')"))
    runtime.wait("ns", "done", timeout=30)
    runtime.stop("ns", "done")
    assert list(runtime.logs("ns", "done")) == ["kept"]
    assert list(runtime.logs("ns", "never")) == []


@pytest.mark.skipif(not LINUX, reason="finding an earlier runtime's processes reads /proc")
def test_processes_left_by_an_earlier_runtime_are_reaped(home: Path, clock: VirtualClock) -> None:
    earlier = LocalRuntime(home, clock)
    try:
        pod = PodRef("ns", "orphan", "u1")
        pid = earlier.start(pod, plan(home, pod, "print('up', flush=True); import time; time.sleep(600)")).pid
        assert first_line(earlier, pod) == "up"
        later = LocalRuntime(home, clock)
        try:
            assert later.reap_orphans() == 1
            result = earlier.wait("ns", "orphan", timeout=30)
            assert result is not None and result.exit_code == 128 + 9
            assert pid is not None and not alive(pid)
            assert later.reap_orphans() == 0
        finally:
            later.close()
    finally:
        earlier.close()


# -- a runtime restarted on the same home takes over what the earlier one started --------------------
WAIT_FOR_GO = (
    "import pathlib, sys, time\n"
    "print('up', flush=True)\n"
    "while not pathlib.Path(sys.argv[1]).exists():\n"
    "    time.sleep(0.02)\n"
    "print('finishing', flush=True)\n"
    "raise SystemExit(int(sys.argv[2]))\n"
)


def waiting(home: Path, pod: PodRef, go: Path, code: int) -> ProcessPlan:
    base = plan(home, pod, WAIT_FOR_GO)
    return ProcessPlan((*base.argv, str(go), str(code)), base.env, base.cwd, base.log_path)


@pytest.mark.skipif(not LINUX, reason="a process is recognised again through /proc")
def test_a_process_left_running_is_adopted_by_the_next_runtime_with_its_log_and_exit_code(
    home: Path, clock: VirtualClock
) -> None:
    earlier = LocalRuntime(home, clock)
    pod, go = PodRef("ns", "driver", "u1"), home / "go"
    started = earlier.start(pod, waiting(home, pod, go, 3))
    assert first_line(earlier, pod) == "up"
    assert [r.pod for r in earlier.detach()] == [pod]
    earlier.close()  # detached: closing stops nothing
    later = LocalRuntime(home, clock)
    try:
        log_path = waiting(home, pod, go, 3).log_path
        adopted = later.adopt(pod, log_path)
        assert adopted is not None and adopted.running
        assert (adopted.pid, adopted.started_at) == (started.pid, started.started_at)
        assert later.adopt(pod, log_path) == adopted, "adopting again is idempotent"
        go.touch()
        ended = later.wait("ns", "driver", timeout=30)
        assert ended is not None and (ended.exit_code, ended.reason) == (3, "Error")
        assert list(later.logs("ns", "driver")) == ["up", "finishing"], "one log, continued"
    finally:
        later.close()


@pytest.mark.skipif(not LINUX, reason="a process is recognised again through /proc")
def test_a_process_that_ended_while_no_runtime_watched_reports_its_real_exit_code(
    home: Path, clock: VirtualClock
) -> None:
    earlier = LocalRuntime(home, clock)
    pod, go = PodRef("ns", "driver", "u1"), home / "go"
    go.touch()
    earlier.start(pod, waiting(home, pod, go, 0))
    earlier.detach()
    log_path = waiting(home, pod, go, 0).log_path
    wait_for_file(exit_status_file(log_path))
    later = LocalRuntime(home, clock)
    try:
        result = later.adopt(pod, log_path)
        assert result is not None and (result.state, result.exit_code) == (ContainerState.EXITED, 0)
        assert later.adopt(PodRef("ns", "driver", "u2"), log_path) is None, "another incarnation's record"
    finally:
        later.close()


def test_a_record_without_a_process_or_an_exit_status_is_not_adopted(
    runtime: LocalRuntime, home: Path
) -> None:
    pod = PodRef("ns", "lost", "u1")
    log_path = plan(home, pod, "").log_path
    log_path.parent.mkdir(parents=True)
    # The pid is this test's own: alive, but started at another time, so never taken for the container.
    PidRecord(os.getpid(), pod.uid, START, 1, boot_id()).write(pid_file(log_path))
    assert runtime.adopt(pod, log_path) is None
    assert runtime.adopt(PodRef("ns", "never", "u9"), home / "none.log") is None


def wait_for_file(path: Path, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not path.exists():
        assert time.monotonic() < deadline, f"{path} did not appear"
        time.sleep(0.02)
