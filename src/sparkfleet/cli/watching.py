"""`get -w`: the table, then one line per change (`TYPE KIND/NAME` and the table's columns), as kubectl does.

The table and the watch share one snapshot: the watch starts at the listing's resourceVersion, so no change
is missed or shown twice. A stream the server ends early is resumed from where it stopped.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from contextlib import closing
from datetime import datetime

from rich.console import Console

from sparkfleet.cli.objects import render_table
from sparkfleet.cli.printers import columns_for
from sparkfleet.cluster import Cluster, WatchEvent, lookup


def change_line(event: WatchEvent, now: datetime, with_namespace: bool, wide: bool = False) -> str:
    """`MODIFIED SparkApplication/pi  RUNNING  1  ...`: the change, the object, its table columns."""
    obj = event.object
    meta = obj.get("metadata") or {}
    kind = str(obj.get("kind", ""))
    cells = [read(obj, now) for title, read in columns_for(lookup(kind).kind, wide) if title != "NAME"]
    if with_namespace:
        cells.insert(0, str(meta.get("namespace", "")))
    return "  ".join([f"{event.type} {kind}/{meta.get('name', '')}", *cells])


def watch_objects(
    console: Console,
    cluster: Cluster,
    kind: str,
    name: str | None,
    namespace: str | None,
    all_namespaces: bool,
    selector: str | None,
    timeout: float | None,
    now: Callable[[], datetime],
    wide: bool = False,
) -> None:
    """Print the table, then every change until Ctrl-C or `timeout` seconds (None: no end); `wide`
    adds the `-o wide` columns."""
    info = lookup(kind)
    ns = None if (all_namespaces or not info.namespaced) else (namespace or "default")
    fields = f"metadata.name={name}" if name else None
    listing = cluster.list(info.kind, ns, label_selector=selector, field_selector=fields)
    render_table(console, info.kind, listing.items, now(), with_namespace=all_namespaces, wide=wide)
    deadline = None if timeout is None else time.monotonic() + timeout
    version = listing.resourceVersion
    try:
        while deadline is None or time.monotonic() < deadline:
            left = None if deadline is None else deadline - time.monotonic()
            stream = cluster.watch(
                info.kind, ns, version, selector, timeout_seconds=left, field_selector=fields
            )
            with closing(stream):
                for event in stream:
                    console.print(
                        change_line(event, now(), all_namespaces, wide), markup=False, highlight=False
                    )
                version = stream.resource_version
    except KeyboardInterrupt:
        return
