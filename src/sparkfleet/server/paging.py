"""Lists in pages: `limit` and `continue`, as the API server serves them.

A list with `limit=N` answers at most N items and, when more match, `metadata.continue`: an opaque
token naming the last item sent and the resourceVersion of the first page. The next request sends it
back (with the same selectors) and gets the items after that one. Every page reports the first page's
resourceVersion, so a watch started from it after the last page replays whatever changed while the pages
were read: nothing is missed. `metadata.remainingItemCount` counts the matches after the page.

A store that reads pages itself (`PagedLists`: the embedded store) reads each page from its index and
stops after it, so a page costs its own size; any other cluster is listed whole and cut here.
`remainingItemCount` is left out when selectors make counting the rest mean reading it, as the API server
leaves it out then.

One deliberate difference: the API server serves every page from the snapshot of the first one; here
each page is read from the current state, so an object created or changed between two pages shows as it
is now (and the watch from the list's resourceVersion reports it again).
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Mapping
from dataclasses import dataclass

from sparkfleet.cluster import BadRequest, Cluster, Obj, PagedLists

__all__ = ["Page", "page_of", "read_page"]

_TOKEN_VERSION = "meta.k8s.io/v1"


@dataclass(frozen=True, slots=True)
class Page:
    items: list[Obj]
    resource_version: str
    continue_token: str | None
    remaining: int | None

    def metadata(self) -> dict[str, object]:
        meta: dict[str, object] = {"resourceVersion": self.resource_version}
        if self.continue_token:
            meta["continue"] = self.continue_token
            if self.remaining is not None:
                meta["remainingItemCount"] = self.remaining
        return meta


def _key(obj: Obj) -> str:
    # NUL sorts before every character a name may hold, so these strings sort as (namespace, name) do.
    metadata = obj.get("metadata") or {}
    return f"{metadata.get('namespace') or ''}\x00{metadata.get('name') or ''}"


def _encode(rv: str, start: str) -> str:
    raw = json.dumps({"v": _TOKEN_VERSION, "rv": int(rv), "start": start}, separators=(",", ":"))
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def _decode(token: str) -> tuple[str, str]:
    refused = BadRequest(f'continue key is not valid: "{token[:64]}": send back the one a list answered')
    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
        data = json.loads(raw)
    except (binascii.Error, ValueError):
        raise refused from None
    if (
        not isinstance(data, dict)
        or data.get("v") != _TOKEN_VERSION
        or not isinstance(data.get("rv"), int)
        or not isinstance(data.get("start"), str)
        or not 0 <= data["rv"] < 2**63
    ):
        raise refused
    return str(data["rv"]), data["start"]


def _limit(query: Mapping[str, str]) -> int | None:
    text = query.get("limit") or ""
    if not text:
        return None
    try:
        value = int(text)
    except ValueError:
        raise BadRequest(f'limit "{text}" must be an integer') from None
    return value if value > 0 else None  # the API server reads 0 and below as no limit


def read_page(
    cluster: Cluster,
    kind: str,
    namespace: str | None,
    label_selector: str | None,
    field_selector: str | None,
    query: Mapping[str, str],
) -> Page:
    """The page of the list that `limit` and `continue` ask for (the whole list without them)."""
    limit = _limit(query)
    token = query.get("continue") or ""
    if limit is None or not isinstance(cluster, PagedLists):
        found = cluster.list(kind, namespace, label_selector, field_selector)
        return page_of(found.items, found.resourceVersion, query)
    after: tuple[str, str] | None = None
    rv = None
    if token:
        rv, start = _decode(token)
        ns, _, name = start.partition("\x00")
        after = (ns, name)
    page = cluster.list_page(kind, namespace, label_selector, field_selector, limit=limit, after=after)
    rv = rv or page.resourceVersion
    if not page.more:
        return Page(page.items, rv, None, None)
    return Page(page.items, rv, _encode(rv, _key(page.items[-1])), page.remaining)


def page_of(items: list[Obj], resource_version: str, query: Mapping[str, str]) -> Page:
    """The page of `items` (in store order: namespace, then name) that `limit` and `continue` ask for."""
    limit = _limit(query)
    token = query.get("continue") or ""
    rv = resource_version
    if token:
        rv, start = _decode(token)
        items = [obj for obj in items if _key(obj) > start]
    if limit is None or len(items) <= limit:
        return Page(items, rv, None, None)
    page = items[:limit]
    return Page(page, rv, _encode(rv, _key(page[-1])), len(items) - limit)
