"""`sparkfleet controller` refuses bad flags with the flag and the fix, never a traceback, before it
connects to anything."""

from __future__ import annotations

from pathlib import Path

import pytest
import typer

from sparkfleet.cli.controller_verbs import parse_listen
from support.cli import sf_output

pytestmark = pytest.mark.usefixtures("home")


def test_listen_takes_an_ipv4_address_and_a_port() -> None:
    assert parse_listen("0.0.0.0:8080") == ("0.0.0.0", 8080)
    assert parse_listen("127.0.0.1:0") == ("127.0.0.1", 0)
    for bad in ("8080", "localhost:8080", "127.0.0.1:http", "127.0.0.1:70000"):
        with pytest.raises(typer.BadParameter, match="is not HOST:PORT"):
            parse_listen(bad)


def test_an_unknown_controller_is_named_with_the_ones_there_are() -> None:
    code, printed = sf_output("controller", "--controllers", "spark,karpenter")
    assert code == 1
    assert (
        "unknown controller karpenter; the controllers are spark, scheduler, provisioner, disruption"
        in printed
    )
    assert "Traceback" not in printed


def test_a_bad_leader_election_duration_names_its_flag() -> None:
    code, printed = sf_output("controller", "--leader-elect-lease-duration", "soon")
    assert code == 1
    assert "--leader-elect-lease-duration" in printed
    assert "Traceback" not in printed


def test_timings_that_cannot_work_together_are_refused(tmp_path: Path) -> None:
    kubeconfig = tmp_path / "kubeconfig"
    kubeconfig.write_text(
        "apiVersion: v1\nkind: Config\ncurrent-context: c\n"
        "clusters: [{name: c, cluster: {server: 'https://127.0.0.1:1'}}]\n"
        "users: [{name: u, user: {token: t}}]\ncontexts: [{name: c, context: {cluster: c, user: u}}]\n"
    )
    code, printed = sf_output(
        "controller", "--kubeconfig", str(kubeconfig), "--leader-elect-renew-deadline", "20s"
    )
    assert code == 1
    assert "lease duration > renew deadline > retry period" in printed


def test_a_missing_kubeconfig_is_named(tmp_path: Path) -> None:
    code, printed = sf_output("controller", "--kubeconfig", str(tmp_path / "nowhere"))
    assert code == 1
    assert "nowhere" in printed
    assert "Traceback" not in printed


def test_an_unknown_log_format_is_refused() -> None:
    code, printed = sf_output("controller", "--log-format", "xml")
    assert code == 1
    assert '--log-format: "xml" is not one of json, text' in printed


def test_a_console_token_file_others_may_read_is_refused(tmp_path: Path) -> None:
    token = tmp_path / "console-token"
    token.write_text("secret\n")
    token.chmod(0o644)
    code, printed = sf_output("controller", "--console-token-file", str(token))
    assert code == 1
    assert f"may be read by others; chmod 600 {token}" in printed
    token.write_text("")
    token.chmod(0o600)
    code, printed = sf_output("controller", "--console-token-file", str(token))
    assert "is empty" in printed


def test_a_scheduler_name_list_naming_none_is_refused() -> None:
    code, printed = sf_output("controller", "--scheduler-name", " , ")
    assert code == 1
    assert "--scheduler-name names no scheduler: give yunikorn, default-scheduler or both" in printed
