"""The command line starts as a command-line tool does: importing it loads no part of the platform that
only some verbs run (each verb imports its own when it runs; see cli/options.py), `validate` builds only
the models of the kinds it reads, and `get` needs the store or the HTTP client, never the platform."""

import json
import os
import subprocess
import sys
from pathlib import Path

from sparkfleet.cli.exposure import LOOPBACK
from sparkfleet.cli.options import DEFAULT_CLUSTER
from sparkfleet.platform import DEFAULT_CLUSTER as PLATFORM_DEFAULT_CLUSTER
from sparkfleet.server.serve import LOOPBACK as SERVER_LOOPBACK
from support.cli import PI

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


AFTER = """
import json, sys
{code}
print(json.dumps(sorted(sys.modules)))
"""


def loaded_after(code: str, env: dict[str, str] | None = None) -> set[str]:
    """The modules a fresh interpreter holds after running `code`."""
    done = subprocess.run(
        [sys.executable, "-c", AFTER.format(code=code)], capture_output=True, text=True, check=True, env=env
    )
    return set(json.loads(done.stdout.splitlines()[-1]))


def of(modules: set[str], *packages: str) -> list[str]:
    return sorted(m for m in modules if any(m == p or m.startswith(p + ".") for p in packages))


def test_validating_a_spark_application_builds_the_models_of_no_other_kind() -> None:
    code = (
        "from pathlib import Path; from sparkfleet.cli.validate import validate_files; "
        f"assert not validate_files([Path({str(PI)!r})]).problems"
    )
    modules = loaded_after(code)
    assert "sparkfleet.api.sparkapplication" in modules
    other_kinds = ("sparkfleet.api.karpenter", "sparkfleet.api.ec2nodeclass", "sparkfleet.api.networking")
    assert of(modules, *other_kinds, "sparkfleet.api.secret") == []
    assert heavy(modules) == []


def test_get_on_a_cluster_without_a_server_opens_its_store_without_the_platform(tmp_path: Path) -> None:
    code = (
        "import sys; from sparkfleet.cli.main import app; sys.argv[1:] = ['get', 'nodepools']\n"
        "try:\n    app()\nexcept SystemExit as ended:\n    assert ended.code == 0, ended.code"
    )
    env = {**os.environ, "SPARKFLEET_HOME": str(tmp_path / "home")}
    modules = loaded_after(code, env)
    assert "sparkfleet.cluster.embedded" in modules
    assert of(modules, *NOT_AT_START, "sparkfleet.runtime", "sparkfleet.cloud.sim", "prometheus_client") == []


def test_the_client_of_a_running_server_comes_without_the_server_itself() -> None:
    modules = loaded_after("from sparkfleet.server import RemoteCluster")
    assert "sparkfleet.server.client" in modules
    assert of(modules, "sparkfleet.server.app", "sparkfleet.server.serve", "uvicorn", "starlette") == []
    assert of(modules, "cryptography", "sparkfleet.platform", "numpy") == []


def test_the_option_defaults_are_the_platform_s() -> None:
    assert DEFAULT_CLUSTER == PLATFORM_DEFAULT_CLUSTER
    assert LOOPBACK == SERVER_LOOPBACK
