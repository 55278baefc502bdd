"""A short, stable fingerprint of what a run depends on in a spec.

`suspend` and `timeToLiveSeconds` are left out because changing them must not rerun the application (the
operator's rule), and fields at their defaults are left out so a newer model with one more defaulted
field fingerprints an unchanged manifest the same.
"""

from __future__ import annotations

import hashlib

from sparkfleet.api.sparkapplication import SparkApplicationSpec

_IGNORED = frozenset({"suspend", "timeToLiveSeconds"})


def spec_fingerprint(spec: SparkApplicationSpec) -> str:
    payload = spec.model_dump_json(exclude=set(_IGNORED), exclude_defaults=True)
    return hashlib.sha256(payload.encode()).hexdigest()[:20]
