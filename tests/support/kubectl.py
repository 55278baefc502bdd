"""The real kubectl, run as a user runs it: a kubeconfig in $KUBECONFIG, its cache beside the test's files.

Tests that need kubectl fail where it is not on the PATH, so that a machine missing it is noticed,
unless SPARKFLEET_ALLOW_NO_KUBECTL=1 says to skip them.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

ALLOW_NO_KUBECTL = "SPARKFLEET_ALLOW_NO_KUBECTL"
TIMEOUT = 60.0


def kubectl_binary() -> str:
    """Where kubectl is; without one, the calling test (or module) fails, or skips if that is allowed."""
    found = shutil.which("kubectl")
    if found is None:
        if os.environ.get(ALLOW_NO_KUBECTL) == "1":
            pytest.skip(f"kubectl is not installed ({ALLOW_NO_KUBECTL}=1)", allow_module_level=True)
        pytest.fail(f"kubectl is not installed; install it, or set {ALLOW_NO_KUBECTL}=1 to skip these tests")
    return found


class Kubectl:
    """kubectl with one kubeconfig and nothing else: no flags, no proxy."""

    def __init__(self, binary: str, kubeconfig: Path, cache: Path | None = None) -> None:
        self.binary = binary
        self.kubeconfig = kubeconfig
        self.env = {
            **os.environ,
            "KUBECONFIG": str(kubeconfig),
            "KUBECACHEDIR": str(cache or kubeconfig.parent / "kube-cache"),
        }

    def at(self, kubeconfig: Path) -> Kubectl:
        """The same kubectl with another kubeconfig (and the same cache)."""
        return Kubectl(self.binary, kubeconfig, Path(self.env["KUBECACHEDIR"]))

    def run(self, *args: str, timeout: float = TIMEOUT) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [self.binary, *args], env=self.env, capture_output=True, text=True, timeout=timeout, check=False
        )

    def ok(self, *args: str, timeout: float = TIMEOUT) -> str:
        """`kubectl ARGS...`, which must succeed: its stdout."""
        done = self.run(*args, timeout=timeout)
        assert done.returncode == 0, f"kubectl {' '.join(args)}: {done.stderr}{done.stdout}"
        return done.stdout

    def background(self, *args: str) -> subprocess.Popen[str]:
        """`kubectl ARGS...` left running (a watch), its stderr merged into its stdout."""
        return subprocess.Popen(
            [self.binary, *args], env=self.env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
        )
