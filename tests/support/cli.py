"""Running the `sparkfleet` and `sparkctl` commands in-process, as a user types them."""

from __future__ import annotations

from pathlib import Path

import typer
from typer.testing import CliRunner

from sparkfleet.cli.main import app as sparkfleet_app

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples"
PI = EXAMPLES / "pyspark-pi-job.yaml"

runner = CliRunner()


def sf(*args: str, app: typer.Typer = sparkfleet_app) -> tuple[int, str, str]:
    """`sparkfleet ARGS...` (or another command's `app`): its exit code, stdout and stderr."""
    result = runner.invoke(app, list(args))
    return result.exit_code, result.stdout, result.stderr


def sf_output(*args: str) -> tuple[int, str]:
    """`sparkfleet ARGS...`: its exit code and what it printed, stdout then stderr."""
    code, out, err = sf(*args)
    return code, out + err


def sf_ok(*args: str) -> str:
    """`sparkfleet ARGS...`, which must succeed: what it printed."""
    result = runner.invoke(sparkfleet_app, list(args))
    assert result.exit_code == 0, result.output
    return result.output
