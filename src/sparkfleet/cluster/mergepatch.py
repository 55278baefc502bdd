"""JSON merge patch (RFC 7386): the `patch` of the Cluster port, for every adapter and the HTTP API."""

from __future__ import annotations

import copy
from typing import Any

__all__ = ["merge_patch"]


def merge_patch(target: Any, patch: Any) -> Any:
    """Apply `patch` to `target` without modifying either, nor sharing any part of `patch`: objects merge
    key by key, null removes a key, any other value (lists included) replaces."""
    if not isinstance(patch, dict):
        return copy.deepcopy(patch)
    result = dict(target) if isinstance(target, dict) else {}
    for key, value in patch.items():
        if value is None:
            result.pop(key, None)
        else:
            result[key] = merge_patch(result.get(key), value)
    return result
