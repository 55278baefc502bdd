"""What one request, and one client, may cost the server: body size, open watches, objects stored.

- A request body over `max_body_bytes` (3 MiB, kube-apiserver's limit per object) is refused with 413
  as soon as its Content-Length says so, or as soon as that many bytes have arrived: it is never read
  whole. A body that does not arrive within `body_timeout` seconds answers 408.
- A client (its user and address) may hold `max_watches_per_client` watches open at once, and the server
  `max_watches` in all; one more is refused with 429 Too Many Requests and a Retry-After header, as the
  API server's priority-and-fairness refuses a request it has no seat for. The default total is what the
  process's open-files limit leaves room for (each watch holds a socket), so a flood of watches is
  refused before it can make unrelated requests fail for want of a file handle.
- A namespace may hold `ObjectQuota.limit` objects of one kind (10,000 by default, the cluster's
  `api.maxObjectsPerNamespace` setting); a create beyond that is refused with 403 Forbidden "exceeded
  quota", as a ResourceQuota's `count/<resource>` refuses it. Events are exempt, as they expire.
"""

from __future__ import annotations

import resource
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from sparkfleet.cluster import KindInfo
from sparkfleet.server.errors import Forbidden, TooManyRequests

__all__ = [
    "MAX_BODY_BYTES",
    "ObjectQuota",
    "RequestLimits",
    "WatchSlots",
    "default_max_watches",
]

MAX_BODY_BYTES = 3 * 1024 * 1024
"""kube-apiserver's limit on a request body that holds one object."""
DEFAULT_WATCHES_PER_CLIENT = 250
# Open files kept back from watches for the store, logs, pod processes and ordinary requests.
_RESERVED_FILES = 256
_QUOTA_EXEMPT = frozenset({"Event"})


def default_max_watches() -> int:
    """Watches the process's open-files limit leaves room for, after what everything else needs: a watch
    holds one socket (the store reads every watch's changes through a few shared connections)."""
    soft, _ = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft == resource.RLIM_INFINITY:
        return 10_000
    return max(16, min(10_000, soft - _RESERVED_FILES))


@dataclass(frozen=True, slots=True)
class RequestLimits:
    max_body_bytes: int = MAX_BODY_BYTES
    body_timeout: float = 60.0
    max_watches_per_client: int = DEFAULT_WATCHES_PER_CLIENT
    max_watches: int | None = None
    """None: `default_max_watches()` when the app is made."""

    def __post_init__(self) -> None:
        if self.max_body_bytes < 1 or self.body_timeout <= 0 or self.max_watches_per_client < 1:
            raise ValueError("request limits must be positive")
        if self.max_watches is not None and self.max_watches < 1:
            raise ValueError("max_watches must be positive")


class WatchSlots:
    """Counts the open watches per client and in all; `acquire` refuses one over either cap."""

    def __init__(self, per_client: int, total: int) -> None:
        self._per_client = per_client
        self._total = total
        self._lock = threading.Lock()
        self._open: dict[str, int] = {}
        self._count = 0

    def acquire(self, client: str) -> Callable[[], None]:
        """Take a slot for `client` (TooManyRequests when none is left); call the result, once, to free it."""
        with self._lock:
            held = self._open.get(client, 0)
            if held >= self._per_client:
                raise TooManyRequests(
                    f"too many open watches: this client ({client}) has {held}, the most one client may "
                    "hold; close some or wait for them to end",
                    retry_after=1,
                )
            if self._count >= self._total:
                raise TooManyRequests(
                    f"too many open watches: the server holds {self._count}, the most it serves at once; "
                    "try again shortly",
                    retry_after=1,
                )
            self._open[client] = held + 1
            self._count += 1
        released = threading.Event()

        def release() -> None:
            with self._lock:
                if released.is_set():
                    return
                released.set()
                self._count -= 1
                left = self._open[client] - 1
                if left:
                    self._open[client] = left
                else:
                    del self._open[client]

        return release

    def held(self, client: str | None = None) -> int:
        with self._lock:
            return self._count if client is None else self._open.get(client, 0)


ObjectCounter = Callable[[str, str], int]
"""(kind, namespace) -> how many objects of that kind the namespace holds."""


@dataclass(frozen=True, slots=True)
class ObjectQuota:
    limit: int
    count: ObjectCounter
    # Held from the count to the create, so two creates at the limit cannot both pass (the store
    # serialises writes anyway, so this costs the API's creates no concurrency they had).
    _admitting: threading.Lock = field(default_factory=threading.Lock, compare=False, repr=False)

    def __post_init__(self) -> None:
        if self.limit < 1:
            raise ValueError("the object quota must be at least 1")

    @contextmanager
    def admitting(self, info: KindInfo, namespace: str | None, name: str) -> Iterator[None]:
        """`check`, then the create inside the block, with no other create admitted in between."""
        with self._admitting:
            self.check(info, namespace, name)
            yield

    def check(self, info: KindInfo, namespace: str | None, name: str) -> None:
        """Forbidden when one more object of `info` would exceed the quota of `namespace`."""
        if not info.namespaced or namespace is None or info.kind in _QUOTA_EXEMPT:
            return
        used = self.count(info.kind, namespace)
        if used >= self.limit:
            resource_name = f"count/{info.plural}.{info.group}" if info.group else f"count/{info.plural}"
            qualified = f"{info.plural}.{info.group}" if info.group else info.plural
            subject = f'{qualified} "{name}"' if name else qualified
            raise Forbidden(
                f"{subject} is forbidden: exceeded quota: objects-per-namespace, requested: "
                f"{resource_name}=1, used: {resource_name}={used}, limited: {resource_name}={self.limit}",
                kind=qualified,
                name=name or None,
            )
