"""The token file: digests only, private, names checked, re-read by the server when it changes."""

from __future__ import annotations

import json
import stat
from datetime import UTC, datetime
from pathlib import Path

import pytest

from sparkfleet.server.tokens import (
    TokenError,
    TokenFile,
    TokenScope,
    add_token,
    delete_token,
    digest,
    list_tokens,
)

NOW = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)


def test_the_file_keeps_a_digest_never_the_token_and_only_its_owner_may_read_it(tmp_path: Path) -> None:
    path = tmp_path / "tokens.json"
    record, token = add_token(path, "ci", read_only=True, now=NOW)
    assert token not in path.read_text()
    assert json.loads(path.read_text()) == {
        "tokens": [
            {"name": "ci", "sha256": digest(token), "created": "2026-01-02T03:04:05Z", "scopes": ["read"]}
        ]
    }
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert (record.user, record.read_only) == ("readonly:ci", True)


def test_a_full_access_token_may_read_and_write(tmp_path: Path) -> None:
    record, _ = add_token(tmp_path / "tokens.json", "deployer", read_only=False, now=NOW)
    assert record.scopes == (TokenScope.READ, TokenScope.WRITE)
    assert (record.user, record.read_only) == ("token:deployer", False)


@pytest.mark.parametrize("name", ["", "CI", "-ci", "ci-", "c i", "a/b", "x" * 64])
def test_names_are_dns_labels(tmp_path: Path, name: str) -> None:
    with pytest.raises(TokenError, match="is not valid: use lower-case letters, digits and"):
        add_token(tmp_path / "tokens.json", name, read_only=True, now=NOW)
    assert not (tmp_path / "tokens.json").exists()


def test_a_name_is_taken_once(tmp_path: Path) -> None:
    path = tmp_path / "tokens.json"
    add_token(path, "ci", read_only=True, now=NOW)
    with pytest.raises(TokenError, match='a token named "ci" exists already'):
        add_token(path, "ci", read_only=False, now=NOW)
    assert [t.name for t in list_tokens(path)] == ["ci"]


def test_delete_removes_only_the_named_token(tmp_path: Path) -> None:
    path = tmp_path / "tokens.json"
    for name in ("a", "b"):
        add_token(path, name, read_only=True, now=NOW)
    assert delete_token(path, "a")
    assert not delete_token(path, "a")
    assert [t.name for t in list_tokens(path)] == ["b"]
    assert not delete_token(tmp_path / "missing" / "tokens.json", "b"), "no file: nothing to delete"


def test_a_file_that_is_not_a_token_file_is_refused_with_its_path(tmp_path: Path) -> None:
    path = tmp_path / "tokens.json"
    path.write_text('{"tokens": [{"name": "ci"}]}')
    with pytest.raises(TokenError, match=f"{path} is not a token file"):
        list_tokens(path)


def test_the_server_s_view_follows_the_file(tmp_path: Path) -> None:
    path = tmp_path / "tokens.json"
    view = TokenFile(path)
    _, token = add_token(path, "ci", read_only=True, now=NOW)
    matched = view.match(digest(token))
    assert matched is not None
    assert matched.name == "ci"
    assert view.match(digest(token + "x")) is None
    delete_token(path, "ci")
    assert view.match(digest(token)) is None
