"""The Runtime contract: what every runtime does with a process plan, run against each implementation.

A runtime joins by adding a factory to `RUNTIMES` that builds it over a home directory and a clock.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from sparkfleet.clock import VirtualClock
from sparkfleet.runtime import ContainerState, PodRef, ProcessPlan, Runtime
from sparkfleet.runtime.local import LocalRuntime

from .builders import START

RuntimeFactory = Callable[[Path, VirtualClock], Runtime]
SIGTERM_EXIT = 128 + 15


def local(home: Path, clock: VirtualClock) -> Runtime:
    return LocalRuntime(home, clock, grace_seconds=2.0)


RUNTIMES = [pytest.param(local, id="local")]


@pytest.fixture(params=RUNTIMES)
def runtime(request: pytest.FixtureRequest, home: Path, clock: VirtualClock) -> Iterator[Runtime]:
    factory: RuntimeFactory = request.param
    built = factory(home, clock)
    yield built
    built.stop_all()


def plan(home: Path, pod: PodRef, script: str) -> ProcessPlan:
    log = home / "logs" / f"{pod.namespace}_{pod.name}_{pod.uid}.log"
    return ProcessPlan((sys.executable, "-c", script), dict(os.environ), home, log)


def test_a_started_process_runs_shows_its_output_and_is_gone_once_stopped(
    runtime: Runtime, home: Path
) -> None:
    assert isinstance(runtime, Runtime)
    pod = PodRef("ns", "waiter", "u1")
    started = runtime.start(pod, plan(home, pod, "print('ready', flush=True); import time; time.sleep(60)"))
    assert started.running and started.started_at == START and started.pid is not None

    status = runtime.status("ns", "waiter")
    assert status is not None and status.running and status.pid == started.pid
    assert next(iter(runtime.logs("ns", "waiter", follow=True))) == "ready"

    stopped = runtime.stop("ns", "waiter")
    assert stopped is not None
    assert (stopped.state, stopped.exit_code) == (ContainerState.EXITED, SIGTERM_EXIT)
    assert runtime.status("ns", "waiter") is None
    assert runtime.stop("ns", "waiter") is None


def test_a_process_that_fails_reports_its_exit_code_and_its_last_lines(runtime: Runtime, home: Path) -> None:
    pod = PodRef("ns", "failing", "u2")
    runtime.start(pod, plan(home, pod, "print('one'); print('two'); raise SystemExit(3)"))
    assert list(runtime.logs("ns", "failing", follow=True)) == ["one", "two"]
    ended = runtime.status("ns", "failing")
    assert ended is not None and not ended.running
    assert (ended.state, ended.exit_code, ended.reason) == (ContainerState.EXITED, 3, "Error")
    assert ended.message is not None and "two" in ended.message
    assert list(runtime.logs("ns", "failing", tail=1)) == ["two"]


def test_starting_the_same_pod_again_returns_its_current_state(runtime: Runtime, home: Path) -> None:
    pod = PodRef("ns", "once", "u3")
    script = "import time; time.sleep(60)"
    first = runtime.start(pod, plan(home, pod, script))
    again = runtime.start(pod, plan(home, pod, script))
    assert again.running and again.pid == first.pid


def test_a_pod_the_runtime_never_started_has_no_status(runtime: Runtime) -> None:
    assert runtime.status("ns", "nobody") is None
    assert runtime.stop("ns", "nobody") is None
    assert runtime.stop_all() == []
