"""Event expiry: Events go a while (an hour by default) after they were last recorded.

kube-apiserver stores every Event under an etcd lease of `--event-ttl` (1h), renewed by each write, so
an Event disappears that long after its last occurrence, and watchers see it DELETED. The embedded store
does the same from the Event's own record of its last occurrence (`lastTimestamp`, else `eventTime`, else
its creation), in small transactions, so the cluster's other writes go on between them.
"""

from __future__ import annotations

from datetime import timedelta

from sparkfleet.cluster.embedded.schema import EVENT_INDEX, EVENT_TIME_SQL
from sparkfleet.cluster.embedded.tx import WriteTx

__all__ = ["DEFAULT_EVENT_TTL", "EXPIRY_BATCH", "expire_events"]

DEFAULT_EVENT_TTL = timedelta(hours=1)
"""kube-apiserver's --event-ttl default."""
EXPIRY_BATCH = 500
"""Events deleted per transaction: small enough that other writers wait a few milliseconds at most."""

_EXPIRED = f"kind = 'Event' AND {EVENT_TIME_SQL} < ?"
_INDEX = EVENT_INDEX  # named, as the planner prefers the (kind, ...) indexes, which read every Event


def expire_events(tx: WriteTx, cutoff: str, limit: int = EXPIRY_BATCH) -> int:
    """Delete (with a DELETED change each) at most `limit` Events last recorded before `cutoff` (RFC 3339
    text); returns how many went."""
    expired = tx.matching(_INDEX, _EXPIRED, (cutoff,), limit)
    for stored in expired:
        tx.remove(stored)
    return len(expired)
