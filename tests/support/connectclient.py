"""A PySpark Connect client for the e2e tests, its dependencies kept apart from the test environment.

The `connect` extra of PySpark (pandas, pyarrow, grpcio, ...) is not installed with sparkfleet: with pandas
importable, every PySpark driver and worker of the other tests imports it at start, which slows them all.
So the client's dependencies are installed once, from PyPI, into a directory of their own (keyed by the
extra's requirements, as the installed PySpark's metadata lists them) and put on the client's PYTHONPATH.
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

_CACHE = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "sparkfleet-tests"
_EXTRA = 'extra == "connect"'


def connect_requirements() -> list[str]:
    """The requirements of the installed PySpark's `connect` extra."""
    found = [r.split(";")[0].strip() for r in importlib.metadata.requires("pyspark") or [] if _EXTRA in r]
    assert found, "the installed PySpark lists no connect extra"
    return found


def connect_client_path() -> Path:
    """A directory holding the connect extra's packages (installed on first use, then reused)."""
    requirements = connect_requirements()
    key = hashlib.sha256("\n".join(sorted(requirements)).encode()).hexdigest()[:16]
    target = _CACHE / f"connect-{key}"
    if (target / ".complete").is_file():
        return target
    _CACHE.mkdir(parents=True, exist_ok=True)
    building = Path(tempfile.mkdtemp(dir=_CACHE, prefix="connect-building-"))
    command = [sys.executable, "-m", "pip", "install", "-q", "--disable-pip-version-check", "--target"]
    subprocess.run([*command, str(building), *requirements], check=True, timeout=900)
    (building / ".complete").write_text("\n".join(requirements))
    try:
        building.rename(target)
    except OSError:  # another run finished first: use its directory
        shutil.rmtree(building, ignore_errors=True)
    return target


def client_env() -> dict[str, str]:
    """The environment a PySpark Connect client process runs in."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(connect_client_path()), env.get("PYTHONPATH")) if p)
    return env
