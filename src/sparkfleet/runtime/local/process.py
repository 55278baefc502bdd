"""`LocalRuntime`: pods' containers as local processes, each in a process group of its own.

A container is the process group its process starts (start_new_session), so stopping it reaches
everything it spawned: `spark-submit` execs a JVM, which starts Python workers. Stopping sends SIGTERM to
the group, then SIGKILL after the grace period. When the main process exits by itself, what is left of
its group is killed too. A waiter thread per process records the exit at once and tells the listeners
(the kubelet), so a finished driver is noticed without polling.

Each container runs under a small wrapper that writes its exit status next to its log, and its pid is
recorded there too with its start time and a marker in its environment (pidrecord.py). So a runtime
restarted on the same home takes over (`adopt`) the containers an earlier one started, as a restarted
kubelet does: a process still running is watched again (its log goes on in the same file), one that
ended meanwhile is reported with its real exit code. `reap_orphans` ends the processes of an earlier
runtime instead (and only those: the marker must match). `stop_all` runs on interpreter exit (atexit)
unless the runtime was detached (`detach`: the processes are left to the next runtime).
"""

from __future__ import annotations

import atexit
import logging
import os
import select
import shutil
import signal
import subprocess
import sys
import threading
import time
import weakref
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path

from sparkfleet.clock import Clock
from sparkfleet.runtime.local.archive import LogArchive
from sparkfleet.runtime.local.logs import follow_lines, read_lines, tail_message
from sparkfleet.runtime.local.nodes import NodeDirs
from sparkfleet.runtime.local.pidrecord import (
    POD_MARKER_ENV,
    PidRecord,
    alive,
    boot_id,
    exit_status,
    exit_status_file,
    group_members,
    pid_file,
    reap_group,
    same_process,
    start_ticks,
    wrapped,
)
from sparkfleet.runtime.port import ContainerResult, ContainerState, PodRef, ProcessPlan, StartError

__all__ = ["POD_MARKER_ENV", "LocalRuntime"]

log = logging.getLogger("sparkfleet.runtime.local")

_REAP_WAIT = 10.0
LOST_EXIT_CODE = 137
"""An adopted container that ended without a status (the wrapper itself was killed): as a SIGKILL."""


@dataclass
class _Process:
    pod: PodRef
    log_path: Path
    pid: int
    result: ContainerResult
    popen: subprocess.Popen[bytes] | None = None
    """None for a process adopted from an earlier runtime (not our child: its exit is watched, and its
    code read from the wrapper's status file)."""
    exited: threading.Event = field(default_factory=threading.Event)


def _exit_code(returncode: int) -> int:
    """Popen's -n for "killed by signal n" as Kubernetes reports it: 128 + n."""
    return 128 - returncode if returncode < 0 else returncode


def _kill_group(pgid: int, sig: signal.Signals) -> bool:
    """Signal a process group; False when it no longer exists."""
    try:
        os.killpg(pgid, sig)
    except ProcessLookupError:
        return False
    except PermissionError:
        log.warning("not allowed to signal process group %d", pgid)
        return False
    return True


def _program(plan: ProcessPlan) -> str:
    """The program `plan` runs, found as exec would find it (on the plan's PATH); StartError if none."""
    if not plan.argv:
        raise StartError("cannot start (no command): the container has no command to run")
    name = plan.argv[0]
    if "/" in name:
        found = str(name if Path(name).is_absolute() else Path(plan.cwd) / name)
        found = found if os.path.isfile(found) and os.access(found, os.X_OK) else ""
    else:
        found = shutil.which(name, path=plan.env.get("PATH", os.defpath)) or ""
    if not found:
        raise StartError(f"cannot start {name}: no such executable file (on the container's PATH)")
    if not Path(plan.cwd).is_dir():
        raise StartError(f"cannot start {name}: its working directory {plan.cwd} does not exist")
    return found


class LocalRuntime:
    """The `Runtime` port on this machine's processes. Thread-safe; one per cluster home."""

    def __init__(self, home: Path, clock: Clock, *, grace_seconds: float = 5.0) -> None:
        self.nodes = NodeDirs(home)
        self.archive = LogArchive(home)
        self.clock = clock
        self.grace_seconds = grace_seconds
        self._lock = threading.Lock()
        self._processes: dict[tuple[str, str], _Process] = {}
        self._listeners: list[Callable[[PodRef], None]] = []
        self._detached = False
        ref = weakref.ref(self)
        self._atexit = lambda: _stop_all_of(ref)
        atexit.register(self._atexit)

    # -- the port -----------------------------------------------------------------------------------
    def start(self, pod: PodRef, plan: ProcessPlan) -> ContainerResult:
        key = (pod.namespace, pod.name)
        with self._lock:
            current = self._processes.get(key)
            if current is not None:
                if current.pod.uid == pod.uid:
                    return current.result
                raise StartError(f"pod {pod} still has the process of its incarnation {current.pod.uid}")
            # Started before by a runtime that died before the start was reported: the same container.
            adopted = self._adopt_locked(pod, plan.log_path)
            if adopted is not None:
                return adopted.result
            program = _program(plan)
            plan.log_path.parent.mkdir(parents=True, exist_ok=True)
            exit_status_file(plan.log_path).unlink(missing_ok=True)
            env = {**plan.env, POD_MARKER_ENV: pod.uid}
            command = wrapped(sys.executable, program, plan.argv, exit_status_file(plan.log_path))
            try:
                with plan.log_path.open("ab") as out:
                    popen = subprocess.Popen(
                        command,
                        env=env,
                        cwd=plan.cwd,
                        stdin=subprocess.DEVNULL,
                        stdout=out,
                        stderr=subprocess.STDOUT,
                        start_new_session=True,
                        close_fds=True,
                    )
            except OSError as exc:
                raise StartError(f"cannot start {plan.argv[0]}: {exc}") from exc
            now = self.clock.now()
            result = ContainerResult(pod, ContainerState.RUNNING, now, pid=popen.pid)
            process = _Process(pod, plan.log_path, popen.pid, result, popen)
            self._processes[key] = process
        PidRecord(popen.pid, pod.uid, now, start_ticks(popen.pid), boot_id()).write(pid_file(plan.log_path))
        threading.Thread(target=self._wait, args=(process,), daemon=True, name=f"wait-{pod}").start()
        return result

    def adopt(self, pod: PodRef, log_path: Path) -> ContainerResult | None:
        """Take over the container an earlier runtime started for this pod incarnation (logging to
        `log_path`): watched again when it still runs, reported with its exit code when it ended
        meanwhile; None when neither is known (no record, another pod's, or it ended without a status)."""
        with self._lock:
            current = self._processes.get((pod.namespace, pod.name))
            if current is not None:
                return current.result if current.pod.uid == pod.uid else None
            process = self._adopt_locked(pod, log_path)
        return process.result if process is not None else None

    def _adopt_locked(self, pod: PodRef, log_path: Path) -> _Process | None:
        record = PidRecord.read(pid_file(log_path))
        if record is None or record.uid != pod.uid:
            return None
        result = ContainerResult(pod, ContainerState.RUNNING, record.started_at, pid=record.pid)
        process = _Process(pod, log_path, record.pid, result)
        if same_process(record):
            log.info("adopted the running container of %s (pid %d)", pod, record.pid)
            name = f"watch-{pod}"
            threading.Thread(target=self._watch, args=(process,), daemon=True, name=name).start()
        else:
            code = exit_status(log_path)
            if code is None:
                return None
            self._finish(process, code)
            process.exited.set()
        self._processes[(pod.namespace, pod.name)] = process
        return process

    def stop(self, namespace: str, name: str) -> ContainerResult | None:
        with self._lock:
            process = self._processes.get((namespace, name))
        if process is None:
            return None
        self._terminate([process])
        with self._lock:
            if self._processes.get((namespace, name)) is process:
                del self._processes[(namespace, name)]
        _forget_files(process.log_path)
        return process.result

    def status(self, namespace: str, name: str) -> ContainerResult | None:
        with self._lock:
            process = self._processes.get((namespace, name))
        return process.result if process is not None else None

    def logs(
        self, namespace: str, name: str, *, follow: bool = False, tail: int | None = None
    ) -> Iterator[str]:
        with self._lock:
            process = self._processes.get((namespace, name))
        if process is not None:
            path = process.log_path
            if follow:
                exited = process.exited
                return follow_lines(path, finished=exited.is_set, wait=exited.wait, tail=tail)
            return iter(read_lines(path, tail))
        path_found = self.log_path(namespace, name)
        return iter(read_lines(path_found, tail)) if path_found is not None else iter(())

    def stop_all(self) -> list[ContainerResult]:
        with self._lock:
            processes = list(self._processes.values())
        self._terminate(processes)
        with self._lock:
            for process in processes:
                key = (process.pod.namespace, process.pod.name)
                if self._processes.get(key) is process:
                    del self._processes[key]
        for process in processes:
            _forget_files(process.log_path)
        return [process.result for process in processes]

    def add_exit_listener(self, listener: Callable[[PodRef], None]) -> None:
        """Call `listener(pod)` (on the waiter thread) whenever a process exits by itself or is stopped."""
        with self._lock:
            self._listeners.append(listener)

    # -- more than the port -------------------------------------------------------------------------
    def wait(self, namespace: str, name: str, timeout: float | None = None) -> ContainerResult | None:
        """Block until the pod's process has exited (or `timeout` real seconds); its state then."""
        with self._lock:
            process = self._processes.get((namespace, name))
        if process is None:
            return None
        process.exited.wait(timeout)
        return process.result

    def log_path(self, namespace: str, name: str) -> Path | None:
        """The log of the pod's process, or of its most recent incarnation found on a node, or archived
        once its node is gone."""
        with self._lock:
            process = self._processes.get((namespace, name))
        if process is not None:
            return process.log_path
        for pod_dir in self.nodes.pod_dirs(namespace, name):
            logs = sorted((pod_dir / "logs").glob("*.log"))
            if logs:
                return logs[0]
        archived = self.archive.find(namespace, name)
        logs = archived.logs() if archived is not None else []
        return logs[0] if logs else None

    def close(self) -> None:
        """Stop everything and drop the exit hook."""
        self.stop_all()
        atexit.unregister(self._atexit)

    def detach(self) -> list[ContainerResult]:
        """Let go of every process without stopping it, for the next runtime on this home to adopt (their
        pid records stay); exits from now on are not reported. Returns the states of those let go."""
        with self._lock:
            self._detached = True
            processes = list(self._processes.values())
            self._processes.clear()
        atexit.unregister(self._atexit)
        return [process.result for process in processes]

    def reap_orphans(self, uid: str | None = None) -> int:
        """Kill the processes an earlier runtime on this home left behind (all pods, or the pod with
        `uid`), found through their pid records and checked by their environment marker. Returns how
        many process groups were ended. Only Linux exposes other processes' environments; elsewhere this
        finds nothing."""
        with self._lock:
            ours = {p.pod.uid for p in self._processes.values()}
        dirs = self.nodes.pod_dirs_by_uid(uid) if uid else list(self.nodes.root.glob("*/pods/*"))
        ended = 0
        for pod_dir in dirs:
            for record_file in (pod_dir / "logs").glob("*.pid"):
                record = PidRecord.read(record_file)
                if record is not None and record.uid in ours:
                    continue
                if record is not None and reap_group(record.pid, record.uid):
                    ended += 1
                record_file.unlink(missing_ok=True)
        return ended

    # -- internals ----------------------------------------------------------------------------------
    def _wait(self, process: _Process) -> None:
        assert process.popen is not None
        returncode = process.popen.wait()
        # Whatever the main process left running in its group (Python workers of a JVM) ends with it,
        # before the exit is reported: a stopped pod has nothing left running.
        if _kill_group(process.pid, signal.SIGKILL):
            _await_group_exit(process.pid, _REAP_WAIT)
        self._exited(process, _exit_code(returncode))

    def _watch(self, process: _Process) -> None:
        """Wait for an adopted process (not our child) to exit, then read its code off the wrapper."""
        try:
            fd = os.pidfd_open(process.pid)
        except (OSError, AttributeError):
            fd = None
        if fd is not None:
            try:
                select.select([fd], [], [])
            finally:
                os.close(fd)
        else:
            while alive(process.pid):
                time.sleep(0.5)
        reap_group(process.pid, process.pod.uid)
        code = exit_status(process.log_path)
        self._exited(process, LOST_EXIT_CODE if code is None else code)

    def _finish(self, process: _Process, code: int) -> None:
        message = tail_message(process.log_path) if code != 0 else None
        process.result = replace(
            process.result,
            state=ContainerState.EXITED,
            exit_code=code,
            reason="Completed" if code == 0 else "Error",
            message=message or None,
            finished_at=self.clock.now(),
        )

    def _exited(self, process: _Process, code: int) -> None:
        self._finish(process, code)
        with self._lock:
            listeners = [] if self._detached else list(self._listeners)
        for listener in listeners:
            try:
                listener(process.pod)
            except Exception:
                log.exception("exit listener failed for %s", process.pod)
        # Last: whoever waits for the exit finds the listeners told already.
        process.exited.set()

    def _terminate(self, processes: list[_Process]) -> None:
        """SIGTERM to every running group, SIGKILL to those still there after the grace period; returns
        once every process has exited."""
        running = [p for p in processes if not p.exited.is_set()]
        for process in running:
            _kill_group(process.pid, signal.SIGTERM)
        # Real seconds: the processes live in real time whatever clock the cluster runs on.
        deadline = time.monotonic() + self.grace_seconds
        for process in running:
            if not process.exited.wait(max(deadline - time.monotonic(), 0.0)):
                _kill_group(process.pid, signal.SIGKILL)
        for process in running:
            if not process.exited.wait(_REAP_WAIT):
                log.error("process %d of %s did not exit after SIGKILL", process.pid, process.pod)


def _forget_files(log_path: Path) -> None:
    """The records of a container nobody will adopt any more (its log stays)."""
    pid_file(log_path).unlink(missing_ok=True)
    exit_status_file(log_path).unlink(missing_ok=True)


def _await_group_exit(pgid: int, timeout: float) -> bool:
    """Wait (real time) until no process of the group is left; False if some still are at `timeout`."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            os.killpg(pgid, 0)
        except ProcessLookupError:
            return True
        except PermissionError:
            return False
        # Killed members whose parent died wait for init to reap them; as zombies they run nothing.
        if Path("/proc").is_dir() and not group_members(pgid, living=True):
            return True
        time.sleep(0.01)
    return False


def _stop_all_of(ref: weakref.ReferenceType[LocalRuntime]) -> None:
    runtime = ref()
    if runtime is not None:
        runtime.stop_all()
