"""`sparkfleet --version` prints the installed package's version."""

from importlib.metadata import version

from typer.testing import CliRunner

from sparkfleet.cli.main import app


def test_version_prints_the_installed_version_and_exits_0() -> None:
    result = CliRunner().invoke(app, ["--version"])
    assert result.exit_code == 0
    assert result.stdout == f"sparkfleet {version('sparkfleet')}\n"
