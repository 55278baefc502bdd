"""`sparkfleet token`: make, list and revoke named API tokens of a cluster."""

import json
import stat
from pathlib import Path

import pytest
from typer.testing import CliRunner

from sparkfleet.cli.main import app
from sparkfleet.server.tokens import digest

runner = CliRunner()


def test_create_prints_the_token_alone_on_stdout_and_keeps_its_digest(home: Path) -> None:
    result = runner.invoke(app, ["token", "create", "--read-only", "--name", "ci"])
    assert result.exit_code == 0, result.output
    token = result.stdout.strip()
    assert len(token) >= 40
    assert result.stderr == 'read-only token "ci" created for cluster default; it is not shown again\n'
    [stored] = json.loads((home / "tokens.json").read_text())["tokens"]
    assert (stored["name"], stored["sha256"], stored["scopes"]) == ("ci", digest(token), ["read"])
    assert stat.S_IMODE((home / "tokens.json").stat().st_mode) == 0o600
    assert stat.S_IMODE(home.stat().st_mode) == 0o700


def test_without_a_name_a_token_gets_one_and_without_read_only_full_access(home: Path) -> None:
    result = runner.invoke(app, ["token", "create"])
    assert result.exit_code == 0, result.output
    assert result.stderr.startswith('full-access token "token-')
    [stored] = json.loads((home / "tokens.json").read_text())["tokens"]
    assert stored["scopes"] == ["read", "write"]


def test_list_shows_names_and_access_but_never_a_token(home: Path) -> None:
    ci = runner.invoke(app, ["token", "create", "--read-only", "--name", "ci"]).stdout.strip()
    runner.invoke(app, ["token", "create", "--name", "deployer"])
    result = runner.invoke(app, ["token", "list"])
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0].split() == ["NAME", "ACCESS", "USER", "CREATED"]
    assert [line.split()[:3] for line in lines[1:]] == [
        ["ci", "read-only", "readonly:ci"],
        ["deployer", "full", "token:deployer"],
    ]
    assert ci not in result.output


def test_list_without_tokens_says_so(home: Path) -> None:
    result = runner.invoke(app, ["token", "list"])
    assert (result.exit_code, result.stdout, result.stderr) == (
        0,
        "",
        "no named tokens for cluster default\n",
    )


def test_delete_revokes_a_token_and_refuses_an_unknown_name(home: Path) -> None:
    runner.invoke(app, ["token", "create", "--read-only", "--name", "ci"])
    result = runner.invoke(app, ["token", "delete", "ci"])
    assert (result.exit_code, result.stdout) == (0, 'token "ci" deleted\n')
    assert json.loads((home / "tokens.json").read_text()) == {"tokens": []}
    again = runner.invoke(app, ["token", "delete", "ci"])
    assert (again.exit_code, again.stderr) == (1, 'error: cluster default has no token named "ci"\n')


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["create", "--name", "Not_A_Name"], 'error: token name "Not_A_Name" is not valid'),
        (["create", "--name", "ci"], 'error: a token named "ci" exists already'),
    ],
)
def test_bad_requests_end_with_a_message_not_a_traceback(home: Path, args: list[str], message: str) -> None:
    runner.invoke(app, ["token", "create", "--name", "ci"])
    result = runner.invoke(app, ["token", *args])
    assert result.exit_code == 1
    assert result.stderr.startswith(message)
    assert result.exception is None or isinstance(result.exception, SystemExit)


def test_a_broken_token_file_is_reported_not_raised(home: Path) -> None:
    home.mkdir()
    (home / "tokens.json").write_text("[]")
    result = runner.invoke(app, ["token", "list"])
    assert result.exit_code == 1
    assert result.stderr.startswith(f"error: {home / 'tokens.json'} is not a token file: ")
