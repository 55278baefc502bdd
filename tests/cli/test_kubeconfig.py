"""`sparkfleet kubeconfig --merge`: the cluster's entries join kubectl's config, everything else stays."""

from __future__ import annotations

import stat
from pathlib import Path
from typing import Any

import pytest
import yaml
from typer.testing import CliRunner

from sparkfleet.cli.kubeconfig import kubectl_config_path, merge_kubeconfig
from sparkfleet.cli.main import app
from sparkfleet.cli.objects import CommandError
from sparkfleet.server import kubeconfig

runner = CliRunner()


def ours(url: str = "https://127.0.0.1:16443", token: str = "t0k3n") -> dict[str, Any]:
    return kubeconfig(url, token, name="sparkfleet-default")


def named(config: dict[str, Any], section: str) -> dict[str, Any]:
    return {entry["name"]: entry for entry in config[section]}


EKS: dict[str, Any] = {
    "apiVersion": "v1",
    "kind": "Config",
    "clusters": [{"name": "eks", "cluster": {"server": "https://eks.example.com"}}],
    "users": [{"name": "eks", "user": {"exec": {"command": "aws", "apiVersion": "v1beta1"}}}],
    "contexts": [{"name": "eks", "context": {"cluster": "eks", "user": "eks"}}],
    "current-context": "eks",
    "preferences": {"colors": True},
}


def test_merging_into_no_file_creates_it_private_and_makes_the_cluster_current(tmp_path: Path) -> None:
    target = tmp_path / ".kube" / "config"
    merge_kubeconfig(ours(), target)
    written = yaml.safe_load(target.read_text())
    assert written == ours()
    assert stat.S_IMODE(target.stat().st_mode) == 0o600


def test_merging_keeps_the_other_entries_and_the_current_context(tmp_path: Path) -> None:
    target = tmp_path / "config"
    target.write_text(yaml.safe_dump(EKS))
    target.chmod(0o644)
    merge_kubeconfig(ours(), target)
    written = yaml.safe_load(target.read_text())
    assert written["current-context"] == "eks"
    assert written["preferences"] == {"colors": True}
    for section in ("clusters", "users", "contexts"):
        assert named(written, section) == {**named(EKS, section), **named(ours(), section)}
    assert stat.S_IMODE(target.stat().st_mode) == 0o600


def test_merging_again_replaces_the_older_entries_of_the_same_name(tmp_path: Path) -> None:
    target = tmp_path / "config"
    target.write_text(yaml.safe_dump(EKS))
    merge_kubeconfig(ours(url="https://127.0.0.1:40000", token="old"), target)
    merge_kubeconfig(ours(), target)
    written = yaml.safe_load(target.read_text())
    assert [c["name"] for c in written["clusters"]] == ["eks", "sparkfleet-default"]
    assert named(written, "clusters")["sparkfleet-default"] == ours()["clusters"][0]
    assert named(written, "users")["sparkfleet-default"]["user"] == {"token": "t0k3n"}


def test_a_symlinked_config_is_written_through_the_link(tmp_path: Path) -> None:
    real = tmp_path / "dotfiles" / "kubeconfig"
    real.parent.mkdir()
    real.write_text(yaml.safe_dump(EKS))
    link = tmp_path / "config"
    link.symlink_to(real)
    merge_kubeconfig(ours(), link)
    assert link.is_symlink()
    assert "sparkfleet-default" in named(yaml.safe_load(real.read_text()), "contexts")


@pytest.mark.parametrize(
    ("text", "problem"),
    [("clusters: [unclosed\n", "is not valid YAML at line 2"), ("- a list\n", "is not a kubeconfig")],
)
def test_a_file_that_is_not_a_kubeconfig_is_left_alone_with_a_clear_error(
    tmp_path: Path, text: str, problem: str
) -> None:
    target = tmp_path / "config"
    target.write_text(text)
    with pytest.raises(CommandError, match=problem) as caught:
        merge_kubeconfig(ours(), target)
    assert "\n" not in str(caught.value)
    assert target.read_text() == text


def test_kubectls_file_is_the_first_of_kubeconfig_else_the_home_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("KUBECONFIG", f":{tmp_path / 'first'}:{tmp_path / 'second'}")
    assert kubectl_config_path() == tmp_path / "first"
    monkeypatch.delenv("KUBECONFIG")
    monkeypatch.setenv("HOME", str(tmp_path))
    assert kubectl_config_path() == tmp_path / ".kube" / "config"


def test_the_command_without_a_running_cluster_says_how_to_start_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SPARKFLEET_HOME", str(tmp_path / "home"))
    result = runner.invoke(app, ["kubeconfig", "--cluster", "dev"])
    assert result.exit_code == 1
    assert result.stderr == "error: cluster dev is not running; start it with `sparkfleet up --cluster dev`\n"
