"""JSON encoding of stored bodies: compact, strict (no NaN), one encoder reused."""

from __future__ import annotations

import json
from typing import Any

from sparkfleet.cluster.errors import Invalid

_ENCODER = json.JSONEncoder(ensure_ascii=False, allow_nan=False, separators=(",", ":"))
loads = json.loads


def dumps(obj: Any, kind: str, name: str) -> str:
    try:
        return _ENCODER.encode(obj)
    except (TypeError, ValueError) as exc:
        raise Invalid(
            f'{kind} "{name}" is invalid: not representable as JSON: {exc}', kind=kind, name=name
        ) from exc
