"""`LocalRuntime`: pods' containers as local processes, each in a process group of its own.

A container is the process group its process starts (start_new_session), so stopping it reaches
everything it spawned: `spark-submit` execs a JVM, which starts Python workers. Stopping sends SIGTERM to
the group, then SIGKILL after the grace period. When the main process exits by itself, what is left of
its group is killed too. A waiter thread per process records the exit at once and tells the listeners
(the kubelet), so a finished driver is noticed without polling.

Nothing is left behind: `stop_all` runs on interpreter exit (atexit), and each process's pid is written
next to its log with a marker in its environment, so `reap_orphans` can end the processes of an earlier
runtime that was killed before it could stop them (and only those: the marker must match).
"""

from __future__ import annotations

import atexit
import contextlib
import json
import logging
import os
import signal
import subprocess
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
from sparkfleet.runtime.port import ContainerResult, ContainerState, PodRef, ProcessPlan, StartError

__all__ = ["POD_MARKER_ENV", "LocalRuntime"]

log = logging.getLogger("sparkfleet.runtime.local")

POD_MARKER_ENV = "SPARKFLEET_POD_UID"
"""Set in every container's environment to the pod's uid; identifies the process as ours later."""
_PID_SUFFIX = ".pid"
_REAP_WAIT = 10.0


@dataclass
class _Process:
    pod: PodRef
    plan: ProcessPlan
    popen: subprocess.Popen[bytes]
    result: ContainerResult
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
            plan.log_path.parent.mkdir(parents=True, exist_ok=True)
            env = {**plan.env, POD_MARKER_ENV: pod.uid}
            try:
                with plan.log_path.open("ab") as out:
                    popen = subprocess.Popen(
                        list(plan.argv),
                        env=env,
                        cwd=plan.cwd,
                        stdin=subprocess.DEVNULL,
                        stdout=out,
                        stderr=subprocess.STDOUT,
                        start_new_session=True,
                        close_fds=True,
                    )
            except OSError as exc:
                raise StartError(
                    f"cannot start {plan.argv[0] if plan.argv else '(no command)'}: {exc}"
                ) from exc
            result = ContainerResult(pod, ContainerState.RUNNING, self.clock.now(), pid=popen.pid)
            process = _Process(pod, plan, popen, result)
            self._processes[key] = process
        self._write_pid_file(process)
        threading.Thread(target=self._wait, args=(process,), daemon=True, name=f"wait-{pod}").start()
        return result

    def stop(self, namespace: str, name: str) -> ContainerResult | None:
        with self._lock:
            process = self._processes.get((namespace, name))
        if process is None:
            return None
        self._terminate([process])
        with self._lock:
            if self._processes.get((namespace, name)) is process:
                del self._processes[(namespace, name)]
        _pid_file(process.plan).unlink(missing_ok=True)
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
            path = process.plan.log_path
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
            _pid_file(process.plan).unlink(missing_ok=True)
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
            return process.plan.log_path
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

    def reap_orphans(self, uid: str | None = None) -> int:
        """Kill the processes an earlier runtime on this home left behind (all pods, or the pod with
        `uid`), found through their pid files and checked by their environment marker. Returns how many
        process groups were ended. Only Linux exposes other processes' environments; elsewhere this finds
        nothing."""
        with self._lock:
            ours = {p.pod.uid for p in self._processes.values()}
        dirs = self.nodes.pod_dirs_by_uid(uid) if uid else list(self.nodes.root.glob("*/pods/*"))
        ended = 0
        for pod_dir in dirs:
            for pid_file in (pod_dir / "logs").glob(f"*{_PID_SUFFIX}"):
                try:
                    info = json.loads(pid_file.read_text())
                    pgid, marker = int(info["pgid"]), str(info["uid"])
                except (OSError, ValueError, KeyError, TypeError):
                    pid_file.unlink(missing_ok=True)
                    continue
                if marker in ours:
                    continue
                if _reap_group(pgid, marker):
                    ended += 1
                pid_file.unlink(missing_ok=True)
        return ended

    # -- internals ----------------------------------------------------------------------------------
    def _write_pid_file(self, process: _Process) -> None:
        body = {"pid": process.popen.pid, "pgid": process.popen.pid, "uid": process.pod.uid}
        with contextlib.suppress(OSError):
            _pid_file(process.plan).write_text(json.dumps(body))

    def _wait(self, process: _Process) -> None:
        returncode = process.popen.wait()
        # Whatever the main process left running in its group (Python workers of a JVM) ends with it,
        # before the exit is reported: a stopped pod has nothing left running.
        if _kill_group(process.popen.pid, signal.SIGKILL):
            _await_group_exit(process.popen.pid, _REAP_WAIT)
        _pid_file(process.plan).unlink(missing_ok=True)
        code = _exit_code(returncode)
        message = tail_message(process.plan.log_path) if code != 0 else None
        process.result = replace(
            process.result,
            state=ContainerState.EXITED,
            exit_code=code,
            reason="Completed" if code == 0 else "Error",
            message=message or None,
            finished_at=self.clock.now(),
        )
        with self._lock:
            listeners = list(self._listeners)
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
            _kill_group(process.popen.pid, signal.SIGTERM)
        # Real seconds: the processes live in real time whatever clock the cluster runs on.
        deadline = time.monotonic() + self.grace_seconds
        for process in running:
            if not process.exited.wait(max(deadline - time.monotonic(), 0.0)):
                _kill_group(process.popen.pid, signal.SIGKILL)
        for process in running:
            if not process.exited.wait(_REAP_WAIT):
                log.error("process %d of %s did not exit after SIGKILL", process.popen.pid, process.pod)


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
        if Path("/proc").is_dir() and not _group_members(pgid, living=True):
            return True
        time.sleep(0.01)
    return False


def _pid_file(plan: ProcessPlan) -> Path:
    return plan.log_path.with_suffix(_PID_SUFFIX)


def _stop_all_of(ref: weakref.ReferenceType[LocalRuntime]) -> None:
    runtime = ref()
    if runtime is not None:
        runtime.stop_all()


def _proc_marker(pid: int) -> str | None:
    """The pod marker in a process's environment (None if unreadable or absent)."""
    try:
        environ = Path(f"/proc/{pid}/environ").read_bytes()
    except OSError:
        return None
    prefix = f"{POD_MARKER_ENV}=".encode()
    for entry in environ.split(b"\0"):
        if entry.startswith(prefix):
            return entry[len(prefix) :].decode(errors="replace")
    return None


def _group_members(pgid: int, *, living: bool = False) -> list[int]:
    """The processes of group `pgid` (only those not yet dead, zombies aside, with `living`)."""
    members: list[int] = []
    proc = Path("/proc")
    if not proc.is_dir():
        return members
    for entry in proc.iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        # The command name may hold spaces and parentheses: fields resume after the last ')'.
        fields = stat[stat.rfind(")") + 2 :].split()
        if len(fields) > 2 and fields[2] == str(pgid) and not (living and fields[0] in ("Z", "X")):
            members.append(int(entry.name))
    return members


def _reap_group(pgid: int, marker: str) -> bool:
    """SIGKILL the members of group `pgid` that carry `marker`; whether any did."""
    victims = [pid for pid in _group_members(pgid) if _proc_marker(pid) == marker]
    for pid in victims:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.kill(pid, signal.SIGKILL)
    return bool(victims)
