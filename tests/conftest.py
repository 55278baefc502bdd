"""What every test package shares: fixtures here, plain helpers in the `support` package.

Builders such as `pod()` are functions a test calls, not fixtures, so they live in an ordinary package,
tests/support, which `pythonpath = ["tests"]` in pyproject.toml puts on the import path: every test
module, package or not, imports them the same way (`from support.objects import pod`). Under
`--import-mode=importlib` a conftest is not importable by name, and `pytest_plugins` suits fixtures,
not functions, so fixtures stay here and functions there.

- support.objects: Kubernetes-shaped objects (pod, configmap, node, spark_app, owner_ref, owned).
- support.cli: running `sparkfleet` in-process (`sf`, `sf_output`, `sf_ok`) and the examples' paths.
- support.kubectl: finding the real kubectl (with the SPARKFLEET_ALLOW_NO_KUBECTL rule) and running it.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import settings

# In CI every property test draws the same examples on every run (a red run is reproducible, never a
# draw of luck); elsewhere each run explores new ones. The fuzz tests fix their own settings.
settings.register_profile("ci", derandomize=True, database=None)
if os.environ.get("CI"):
    settings.load_profile("ci")


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A fresh $SPARKFLEET_HOME (not yet created) under the test's own directory.

    Modules whose every test runs a command ask for it with `pytestmark = pytest.mark.usefixtures("home")`;
    a module that needs more (a seeded home, a running `up`) overrides it with a `home(home)` fixture.
    (The runtime tests' own `home` fixture is the directory a LocalRuntime keeps its nodes in.)
    """
    home = tmp_path / "home"
    monkeypatch.setenv("SPARKFLEET_HOME", str(home))
    return home
