"""`up` starts a background cluster the other verbs talk to; `down` stops it and keeps its state."""

from pathlib import Path

import pytest
from typer.testing import CliRunner

from sparkfleet.cli.daemon import read_server
from sparkfleet.cli.main import app

PI = Path(__file__).resolve().parents[2] / "examples" / "pyspark-pi-job.yaml"
runner = CliRunner()


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    home = tmp_path / "home"
    monkeypatch.setenv("SPARKFLEET_HOME", str(home))
    return home


def sf(*args: str) -> tuple[int, str]:
    result = runner.invoke(app, list(args))
    return result.exit_code, result.stdout + result.stderr


def test_up_serves_the_api_and_down_keeps_the_state(home: Path) -> None:
    code, out = sf("up")
    try:
        assert code == 0, out
        assert "is up at http://127.0.0.1:" in out
        server = read_server(home)
        assert server is not None
        assert (home / "kubeconfig").exists()
        assert oct((home / "server.json").stat().st_mode & 0o777) == "0o600"
        assert sf("up")[1].startswith("cluster default is up"), "a second up finds the running one"
        code, out = sf("apply", "-f", str(PI))
        assert code == 0, out
        assert "created" in out
    finally:
        assert sf("down")[0] == 0
    assert read_server(home) is None
    code, out = sf("get", "sparkapp", "-n", "spark-team-a")
    assert code == 0
    assert "pyspark-pi-karpenter" in out, "the store outlives the server"
    code, out = sf("up")
    try:
        assert code == 0, out
        assert "pyspark-pi-karpenter" in sf("get", "sparkapp", "-n", "spark-team-a")[1]
    finally:
        sf("down")


def test_down_without_a_cluster_says_so(home: Path) -> None:
    assert sf("down") == (0, "cluster default was not running\n")


def test_up_with_a_bad_config_directory_fails_before_starting(home: Path, tmp_path: Path) -> None:
    bad = tmp_path / "config"
    bad.mkdir()
    (bad / "queues.yaml").write_text("partitions:\n  - name: default\n    queus: []\n")
    code, out = sf("up", "--config", str(bad))
    assert code == 1
    assert "queus" in out
    assert read_server(home) is None
