"""One running `sparkfleet up` for the whole conformance suite: real clients against the embedded API.

The cluster is started once per session in its own SPARKFLEET_HOME (the suite's tests make objects with
names of their own, so they do not see each other's), and stopped with `down` at the end. kubectl is
looked for first, so a machine without it fails before `up`.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from support.cli import sf_ok as sf
from support.kubectl import Kubectl, kubectl_binary


def sf_at(home: Path, *args: str) -> str:
    """`sparkfleet ARGS...` with SPARKFLEET_HOME=home for this call only (the session's cluster must not
    leak into the environment of tests that run after the suite's first)."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("SPARKFLEET_HOME", str(home))
        return sf(*args)


@pytest.fixture(scope="session")
def cluster_home(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """The SPARKFLEET_HOME of the suite's running cluster (`up` done, `down` after the last test)."""
    kubectl_binary()
    home = tmp_path_factory.mktemp("conformance") / "home"
    sf_at(home, "up", "--port", "0")
    try:
        yield home
    finally:
        sf_at(home, "down")


@pytest.fixture(scope="session")
def kubeconfig(cluster_home: Path) -> Path:
    """The kubeconfig `up` wrote."""
    return cluster_home / "kubeconfig"


@pytest.fixture(scope="session")
def kubectl(kubeconfig: Path) -> Kubectl:
    return Kubectl(kubectl_binary(), kubeconfig)


@pytest.fixture(scope="session")
def reader(cluster_home: Path, kubectl: Kubectl, tmp_path_factory: pytest.TempPathFactory) -> Kubectl:
    """kubectl with a read-only token (`sparkfleet token create --read-only`) in a copy of the
    kubeconfig."""
    token = sf_at(cluster_home, "token", "create", "--read-only", "--name", "conformance").splitlines()[0]
    config = yaml.safe_load(kubectl.kubeconfig.read_text())
    config["users"][0]["user"] = {"token": token}
    path = tmp_path_factory.mktemp("reader") / "kubeconfig"
    path.write_text(yaml.safe_dump(config))
    path.chmod(0o600)
    return kubectl.at(path)
