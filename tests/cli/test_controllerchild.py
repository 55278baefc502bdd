"""The controller child of `up --controllers-out-of-process`: its command line is one `sparkfleet
controller` accepts, aimed at the home's kubeconfig and holding the cluster's Lease, and stopping it ends
the process."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import typer

from sparkfleet.cli.controller_verbs import DEFAULT_LEASE
from sparkfleet.cli.controllerchild import LEASE_NAMESPACE, controller_command, stop_controller
from sparkfleet.cli.home import KUBECONFIG_FILE
from sparkfleet.cli.main import app


def parsed(command: list[str]) -> dict[str, object]:
    """The parameters `sparkfleet controller` reads from the child's command line."""
    assert command[:4] == [sys.executable, "-m", "sparkfleet.cli.main", "controller"]
    verb = typer.main.get_command(app).commands["controller"]  # type: ignore[attr-defined]  # a group
    return dict(verb.make_context("controller", command[4:]).params)


def test_the_child_leads_on_the_clusters_lease_through_the_homes_kubeconfig(tmp_path: Path) -> None:
    params = parsed(controller_command(tmp_path, tmp_path / "conf"))
    assert params["kubeconfig"] == tmp_path / KUBECONFIG_FILE
    assert params["state_dir"] == tmp_path
    assert params["config"] == tmp_path / "conf"
    assert params["leader_elect"] is True
    assert (params["lease_namespace"], params["lease_name"]) == (LEASE_NAMESPACE, DEFAULT_LEASE)
    # Its health port is any free one: a second cluster's child, or a standby, never collides.
    assert params["listen"] == "127.0.0.1:0"


def test_extra_flags_follow_and_without_a_config_the_blueprints_is_used(tmp_path: Path) -> None:
    params = parsed(controller_command(tmp_path, None, "--controllers", "spark"))
    assert params["config"] is None
    assert params["controllers"] == "spark"


def test_stopping_the_child_ends_it_and_an_ended_child_is_left_alone() -> None:
    child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(120)"])
    stop_controller(child)
    assert child.returncode is not None and child.returncode != 0
    stop_controller(child)  # already ended: nothing to do, nothing raised
