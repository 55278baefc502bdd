"""The `sparkfleet controller` process of `up --controllers-out-of-process`: the embedded cluster serves
the API and runs the kubelet, and its controllers run beside it as they would on EKS, over the API with
the cluster's kubeconfig, holding the Lease, their log in the home's `controller.log`."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from sparkfleet.cli.controller_verbs import DEFAULT_LEASE
from sparkfleet.cli.home import KUBECONFIG_FILE
from sparkfleet.privatefiles import private_file

__all__ = ["CONTROLLER_LOG", "LEASE_NAMESPACE", "controller_command", "start_controller", "stop_controller"]

CONTROLLER_LOG = "controller.log"
LEASE_NAMESPACE = "default"
_STOP_TIMEOUT = 30.0


def controller_command(home: Path, config_dir: Path | None, *extra: str) -> list[str]:
    """The command line of a controller for the cluster in `home` (more replicas may run it too)."""
    command = [sys.executable, "-m", "sparkfleet.cli.main", "controller"]
    command += ["--kubeconfig", str(home / KUBECONFIG_FILE), "--state-dir", str(home)]
    command += ["--leader-elect", "--leader-election-namespace", LEASE_NAMESPACE]
    command += ["--leader-election-lease", DEFAULT_LEASE, "--listen", "127.0.0.1:0", "--log-format", "text"]
    if config_dir is not None:
        command += ["--config", str(config_dir)]
    return command + list(extra)


def start_controller(home: Path, config_dir: Path | None) -> subprocess.Popen[bytes]:
    with private_file(home / CONTROLLER_LOG).open("ab") as log:
        return subprocess.Popen(
            controller_command(home, config_dir), stdin=subprocess.DEVNULL, stdout=log, stderr=log
        )


def stop_controller(process: subprocess.Popen[bytes]) -> None:
    """SIGTERM: the controllers finish the key they are on and the Lease is released; killed if it hangs."""
    if process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(_STOP_TIMEOUT)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
