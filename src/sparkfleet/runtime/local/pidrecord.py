"""What a container's process leaves on disk so that a later runtime can take it over, as a kubelet
restarted on its node finds the containers it started still running.

- The wrapper: every container runs under a few lines of Python (no site, stdlib only) that start the
  container's program, wait for it and write its exit status (`<log>.exit`, atomically) before exiting
  with the same code. Signals sent to the container's process group end the program; the wrapper waits
  them out and reports, so an exit is known even when no runtime was there to see it.
- The pid record (`<log>.pid`): the wrapper's pid (the group's leader), the pod's uid, when it started
  (the wall time, and the kernel's start time in clock ticks since boot with the boot's id), so a pid the
  kernel has since given to another process is never taken for the container.
- /proc: whether a pid is still the process recorded, and the members of a process group that carry a
  pod's marker.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

__all__ = [
    "POD_MARKER_ENV",
    "PidRecord",
    "alive",
    "boot_id",
    "exit_status",
    "exit_status_file",
    "group_members",
    "pid_file",
    "proc_marker",
    "reap_group",
    "same_process",
    "start_ticks",
    "wrapped",
]

POD_MARKER_ENV = "SPARKFLEET_POD_UID"
"""Set in every container's environment to the pod's uid; identifies the process as ours later."""

_WRAPPER = """\
import os, signal, sys
status, program, argv = sys.argv[1], sys.argv[2], sys.argv[3:]
for s in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
    signal.signal(s, lambda *_: None)
pid = os.fork()
if pid == 0:
    try:
        os.execv(program, argv)
    except OSError as exc:
        os.write(2, ("cannot start %s: %s\\n" % (program, exc)).encode())
    os._exit(127)
code = os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1])
code = 128 - code if code < 0 else code
with open(status + ".tmp", "w") as out:
    out.write("%d\\n" % code)
    out.flush()
    os.fsync(out.fileno())
os.replace(status + ".tmp", status)
os._exit(code)
"""


def wrapped(python: str, program: str, argv: tuple[str, ...], status: Path) -> list[str]:
    """The command that runs `program` with `argv` under the wrapper, its exit status going to `status`.
    `-I -S`: the container's PYTHON* variables and site-packages are the program's, not the wrapper's."""
    return [python, "-I", "-S", "-c", _WRAPPER, str(status), program, *argv]


def pid_file(log_path: Path) -> Path:
    return log_path.with_suffix(".pid")


def exit_status_file(log_path: Path) -> Path:
    return log_path.with_suffix(".exit")


def exit_status(log_path: Path) -> int | None:
    """The exit code the wrapper wrote for the container logging to `log_path`, if it did."""
    try:
        return int(exit_status_file(log_path).read_text().strip())
    except (OSError, ValueError):
        return None


@dataclass(frozen=True, slots=True)
class PidRecord:
    pid: int
    uid: str
    started_at: datetime
    start_ticks: int | None
    boot_id: str | None

    def write(self, path: Path) -> None:
        body = {
            "pid": self.pid,
            "pgid": self.pid,
            "uid": self.uid,
            "startedAt": self.started_at.isoformat(),
            "startTicks": self.start_ticks,
            "bootId": self.boot_id,
        }
        temporary = path.with_suffix(".pid.tmp")
        with contextlib.suppress(OSError):
            temporary.write_text(json.dumps(body))
            os.replace(temporary, path)

    @classmethod
    def read(cls, path: Path) -> PidRecord | None:
        try:
            body = json.loads(path.read_text())
            ticks = body.get("startTicks")
            return cls(
                int(body["pid"]),
                str(body["uid"]),
                datetime.fromisoformat(str(body["startedAt"])),
                int(ticks) if ticks is not None else None,
                str(body["bootId"]) if body.get("bootId") else None,
            )
        except (OSError, ValueError, KeyError, TypeError, AttributeError):
            return None


def boot_id() -> str | None:
    try:
        return Path("/proc/sys/kernel/random/boot_id").read_text().strip() or None
    except OSError:
        return None


def _stat_fields(pid: int) -> list[str] | None:
    """/proc/<pid>/stat from the state field on (the command name may hold spaces and parentheses)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return stat[stat.rfind(")") + 2 :].split()


def start_ticks(pid: int) -> int | None:
    """When the process started, in clock ticks since boot (field 22 of /proc/<pid>/stat)."""
    fields = _stat_fields(pid)
    try:
        return int(fields[19]) if fields else None
    except (IndexError, ValueError):
        return None


def alive(pid: int) -> bool:
    """Whether `pid` is a process that has not exited (a zombie runs nothing)."""
    fields = _stat_fields(pid)
    return fields is not None and bool(fields) and fields[0] not in ("Z", "X")


def same_process(record: PidRecord) -> bool:
    """Whether the recorded process still runs: the same boot, the same start time, the pod's marker,
    and not a zombie (a zombie runs nothing; its exit status is in the status file)."""
    if not alive(record.pid):
        return False
    if record.boot_id is None or record.start_ticks is None or record.boot_id != boot_id():
        return False
    return start_ticks(record.pid) == record.start_ticks and proc_marker(record.pid) == record.uid


def proc_marker(pid: int) -> str | None:
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


def group_members(pgid: int, *, living: bool = False) -> list[int]:
    """The processes of group `pgid` (only those not yet dead, zombies aside, with `living`)."""
    members: list[int] = []
    proc = Path("/proc")
    if not proc.is_dir():
        return members
    for entry in proc.iterdir():
        if not entry.name.isdigit():
            continue
        fields = _stat_fields(int(entry.name))
        if fields and len(fields) > 2 and fields[2] == str(pgid) and not (living and fields[0] in ("Z", "X")):
            members.append(int(entry.name))
    return members


def reap_group(pgid: int, marker: str) -> bool:
    """SIGKILL the members of group `pgid` that carry `marker`; whether any did."""
    victims = [pid for pid in group_members(pgid, living=True) if proc_marker(pid) == marker]
    for pid in victims:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.kill(pid, signal.SIGKILL)
    return bool(victims)
