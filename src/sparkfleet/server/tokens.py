"""Named bearer tokens beside the cluster token: a JSON file (0600) of names, scopes and SHA-256 digests.

A token is shown once, when it is made; the file keeps only its digest, so a copy of the file lets nobody
in. Tokens are 256 random bits, so a plain digest is as good as a slow one here. The server reads the
file through `TokenFile`, which notices a change (a new or revoked token) with one stat per request.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import hmac
import logging
import os
import re
import secrets
from collections.abc import Iterator
from datetime import datetime
from enum import StrEnum
from pathlib import Path

from pydantic import BaseModel, ConfigDict, TypeAdapter, ValidationError

from sparkfleet.api.timefmt import format_rfc3339
from sparkfleet.privatefiles import private_file, write_private

__all__ = [
    "NamedToken",
    "TokenError",
    "TokenFile",
    "TokenScope",
    "add_token",
    "delete_token",
    "digest",
    "list_tokens",
    "new_token",
]

log = logging.getLogger(__name__)

# A DNS-1123 label, as Kubernetes names are: it ends up in user names such as "readonly:ci".
_NAME = re.compile(r"[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?")


class TokenScope(StrEnum):
    READ = "read"
    WRITE = "write"


class NamedToken(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str
    sha256: str
    created: str
    """RFC 3339."""
    scopes: tuple[TokenScope, ...]

    @property
    def read_only(self) -> bool:
        return TokenScope.WRITE not in self.scopes

    @property
    def user(self) -> str:
        """Who the token speaks for, as Kubernetes names users in its messages."""
        return f"{'readonly' if self.read_only else 'token'}:{self.name}"


class _Document(BaseModel):
    model_config = ConfigDict(extra="forbid")

    tokens: list[NamedToken] = []


_DOCUMENT = TypeAdapter(_Document)


class TokenError(ValueError):
    """A token that cannot be made or deleted as asked, or a token file that is not one."""


def new_token() -> str:
    """A fresh random token (256 bits, URL-safe)."""
    return secrets.token_urlsafe(32)


def digest(token: str) -> str:
    """The hex SHA-256 of a token: what the file keeps, and what a presented token is compared by."""
    return hashlib.sha256(token.encode("utf-8", "surrogateescape")).hexdigest()


def _read(path: Path) -> list[NamedToken]:
    try:
        text = path.read_text()
    except FileNotFoundError:
        return []
    try:
        return _DOCUMENT.validate_json(text).tokens
    except ValidationError as exc:
        raise TokenError(f"{path} is not a token file: {exc.errors()[0]['msg']}") from None


def list_tokens(path: Path) -> list[NamedToken]:
    """The named tokens in the file, oldest first (none when there is no file)."""
    return _read(path)


@contextlib.contextmanager
def _locked(path: Path) -> Iterator[None]:
    """Hold the file's lock, so two commands adding tokens at once do not lose one."""
    lock = private_file(path.with_name(f".{path.name}.lock"))
    with lock.open("rb") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _write(path: Path, tokens: list[NamedToken]) -> None:
    write_private(path, _Document(tokens=tokens).model_dump_json(indent=2) + "\n")


def add_token(path: Path, name: str, *, read_only: bool, now: datetime) -> tuple[NamedToken, str]:
    """Make a token named `name`; returns its record and the token itself (never stored)."""
    if not _NAME.fullmatch(name):
        raise TokenError(
            f'token name "{name}" is not valid: use lower-case letters, digits and "-", starting and ending '
            "with a letter or digit (at most 63 characters)"
        )
    token = new_token()
    scopes = (TokenScope.READ,) if read_only else (TokenScope.READ, TokenScope.WRITE)
    record = NamedToken(name=name, sha256=digest(token), created=format_rfc3339(now), scopes=scopes)
    with _locked(path):
        tokens = _read(path)
        if any(t.name == name for t in tokens):
            raise TokenError(f'a token named "{name}" exists already; delete it first or choose another name')
        _write(path, [*tokens, record])
    return record, token


def delete_token(path: Path, name: str) -> bool:
    """Revoke the token named `name`; False when there is none."""
    if not path.exists():
        return False
    with _locked(path):
        tokens = _read(path)
        kept = [t for t in tokens if t.name != name]
        if len(kept) == len(tokens):
            return False
        _write(path, kept)
    return True


class TokenFile:
    """The named tokens of a file as the server sees them: re-read whenever the file changes (its inode,
    size and times, checked with one stat per lookup), so tokens are made and revoked without a restart.
    A file that cannot be read lets no named token in (the cluster token still works)."""

    def __init__(self, path: Path) -> None:
        self._path = path
        self._seen: tuple[int, int, int, int] | None = None
        self._tokens: tuple[NamedToken, ...] = ()

    def _current(self) -> tuple[NamedToken, ...]:
        try:
            stat = os.stat(self._path)
        except FileNotFoundError:
            self._seen, self._tokens = None, ()
            return self._tokens
        # Every write replaces the file (a new inode); the other fields catch edits made in place.
        seen = (stat.st_ino, stat.st_size, stat.st_mtime_ns, stat.st_ctime_ns)
        if seen != self._seen:
            self._seen = seen
            try:
                self._tokens = tuple(_read(self._path))
            except (OSError, TokenError) as exc:
                log.error("no named token is accepted until the token file is fixed: %s", exc)
                self._tokens = ()
        return self._tokens

    def match(self, presented_digest: str) -> NamedToken | None:
        """The token whose digest is `presented_digest`; every stored digest is compared in constant time."""
        found = None
        for token in self._current():
            if hmac.compare_digest(token.sha256, presented_digest):
                found = token
        return found
