"""The `Runtime` port: what a kubelet needs from the machine to run a pod's main container.

A pod's container becomes one process (the process group it starts); the runtime starts it from a
`ProcessPlan` (argv, environment, working directory, log file), reports its state as a `ContainerResult`
(running, or exited with the exit code, reason and message Kubernetes would show), reads its log, and
stops it. Processes are known by the pod's namespace and name; the uid tells incarnations of a pod name
apart (a driver pod deleted and created again under the same name is a new container). A runtime may
let its containers outlive it (`detach`) for the next one to take over (`adopt`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from pathlib import Path
from typing import Protocol, runtime_checkable

__all__ = [
    "ContainerResult",
    "ContainerState",
    "PodRef",
    "ProcessPlan",
    "Runtime",
    "StartError",
]


class ContainerState(StrEnum):
    RUNNING = "running"
    EXITED = "exited"


class StartError(Exception):
    """A container could not be started; the message says why and what to change (the pod is then
    reported as terminated with reason StartError, as Kubernetes does)."""


@dataclass(frozen=True, slots=True)
class PodRef:
    namespace: str
    name: str
    uid: str

    def __str__(self) -> str:
        return f"{self.namespace}/{self.name}"


@dataclass(frozen=True, slots=True)
class ProcessPlan:
    """Everything needed to start a container's process; `env` is the whole environment it gets."""

    argv: tuple[str, ...]
    env: Mapping[str, str]
    cwd: Path
    log_path: Path
    """stdout and stderr, interleaved as written, appended to this file (the container log)."""


@dataclass(frozen=True, slots=True)
class ContainerResult:
    """A container's state as the kubelet reports it in `status.containerStatuses`."""

    pod: PodRef
    state: ContainerState
    started_at: datetime
    pid: int | None = None
    exit_code: int | None = None
    """0 on success; 128 + n when ended by signal n (Kubernetes' convention)."""
    reason: str | None = None
    """"Completed" (exit 0) or "Error"."""
    message: str | None = None
    """On error, the last lines of the log (Kubernetes' FallbackToLogsOnError)."""
    finished_at: datetime | None = None

    @property
    def running(self) -> bool:
        return self.state == ContainerState.RUNNING


@runtime_checkable
class Runtime(Protocol):
    def start(self, pod: PodRef, plan: ProcessPlan) -> ContainerResult:
        """Start the pod's process (idempotent for the same uid: returns the current state); raises
        StartError when it cannot be started."""
        ...

    def stop(self, namespace: str, name: str) -> ContainerResult | None:
        """Stop the pod's process (SIGTERM to its group, SIGKILL after the grace period) and forget it;
        returns its final state, or None when the runtime knows no such process."""
        ...

    def status(self, namespace: str, name: str) -> ContainerResult | None:
        """The process's current state, or None when the runtime knows no such process."""
        ...

    def logs(
        self, namespace: str, name: str, *, follow: bool = False, tail: int | None = None
    ) -> Iterator[str]:
        """The container log's lines (without line ends); `tail`: only the last n; `follow`: keep
        yielding new lines until the process has exited and everything written was read."""
        ...

    def stop_all(self) -> list[ContainerResult]:
        """Stop every process this runtime started (all at once, each with the grace period); nothing is
        left running. Returns the final states of the processes it knew."""
        ...

    def adopt(self, pod: PodRef, log_path: Path) -> ContainerResult | None:
        """Take over the container an earlier runtime on the same machine started for this pod
        incarnation (its log at `log_path`), as a restarted kubelet finds its containers: its state if it
        still runs or left its exit code, else None (and None for a runtime whose containers cannot
        outlive it)."""
        ...

    def detach(self) -> list[ContainerResult]:
        """Let go of every process without stopping it, for the next runtime to adopt; returns their
        states. A runtime whose containers cannot outlive it stops them instead."""
        ...

    def reap_orphans(self, uid: str | None = None) -> int:
        """End the containers an earlier runtime on the same machine left running when it died before it
        could stop them: the pod with `uid`'s, or every pod's when None. Returns how many were ended (0
        for a runtime whose containers cannot outlive it)."""
        ...

    def add_exit_listener(self, listener: Callable[[PodRef], None]) -> None:
        """Have `listener(pod)` called (from any thread) when a pod's process exits, so a kubelet hears
        of it at once instead of polling."""
        ...
