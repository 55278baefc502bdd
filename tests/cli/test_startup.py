"""The command line starts as a command-line tool does: importing it loads no part of the platform that
only some verbs run (each verb imports its own when it runs; see cli/options.py)."""

import json
import subprocess
import sys

from sparkfleet.cli.exposure import LOOPBACK
from sparkfleet.cli.options import DEFAULT_CLUSTER
from sparkfleet.platform import DEFAULT_CLUSTER as PLATFORM_DEFAULT_CLUSTER
from sparkfleet.server.serve import LOOPBACK as SERVER_LOOPBACK

NOT_AT_START = (
    "sparkfleet.platform",
    "sparkfleet.server",
    "sparkfleet.controllers",
    "numpy",
    "uvicorn",
    "cryptography",
)

LOADED = """
import json, sys
import {module}
print(json.dumps(sorted(sys.modules)))
"""


def loaded_by(module: str) -> set[str]:
    """The modules a fresh interpreter holds after importing `module`."""
    done = subprocess.run(
        [sys.executable, "-c", LOADED.format(module=module)], capture_output=True, text=True, check=True
    )
    return set(json.loads(done.stdout))


def heavy(modules: set[str]) -> list[str]:
    return sorted(m for m in modules if any(m == h or m.startswith(h + ".") for h in NOT_AT_START))


def test_importing_the_command_line_loads_no_server_controller_or_platform() -> None:
    assert heavy(loaded_by("sparkfleet.cli.main")) == []


def test_importing_sparkctl_loads_none_of_them_either() -> None:
    assert heavy(loaded_by("sparkfleet.cli.sparkctl")) == []


def test_what_validate_runs_loads_none_of_them_either() -> None:
    assert heavy(loaded_by("sparkfleet.cli.validate")) == []


def test_the_option_defaults_are_the_platform_s() -> None:
    assert DEFAULT_CLUSTER == PLATFORM_DEFAULT_CLUSTER
    assert LOOPBACK == SERVER_LOOPBACK
