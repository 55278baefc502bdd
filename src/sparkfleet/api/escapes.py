"""Scanning text in which a backslash escapes the character after it (field selectors, properties files)."""

from __future__ import annotations

from collections.abc import Sequence

__all__ = ["find_unescaped"]


def find_unescaped(text: str, tokens: Sequence[str]) -> tuple[int, str] | None:
    """The index and token of the first of `tokens` outside an escape (at one index the earlier token
    wins), or None."""
    i = 0
    while i < len(text):
        if text[i] == "\\":
            i += 2
            continue
        for token in tokens:
            if text.startswith(token, i):
                return i, token
        i += 1
    return None
