"""Which application is served next: queues by priority then dominant share, applications fifo or fair.

YuniKorn walks the queue tree from the root each time it allocates: among sibling queues the highest
priority wins, then the lowest dominant share of allocated over guaranteed; inside a leaf, applications
go by priority, then submission time (fifo) or dominant share of their usage (fair, DRF-like).

Allocating pod by pod would re-sort after every pod. Here a pick comes with a limit: how many pods the
chosen application may take before the order can change (its share would pass the runner-up's). So that
ties do not degrade to one pod per pick, a pick may always move a share by SHARE_STEP (1%) or one pod,
whichever is more: shares converge to the fair split within that step.
"""

from __future__ import annotations

import heapq
import math

from sparkfleet.engine.scheduling.asks import AppWork
from sparkfleet.engine.scheduling.queues import FAIR, Queue, QueueTree
from sparkfleet.engine.scheduling.resources import Vector

SHARE_STEP = 0.01
NO_LIMIT = 1 << 62

AppKey = tuple[int, float, float, str]


def app_key(app: AppWork, queue: Queue) -> AppKey:
    priority = -app.priority if queue.sort_by_priority else 0
    if queue.sort_policy == FAIR:
        return (priority, queue.share(app.allocated), app.submitted, app.app_id)
    return (priority, 0.0, app.submitted, app.app_id)


def batch_limit(share: float, runner_share: float, step: float) -> int:
    """Pods until `share` passes `runner_share` moving by `step` per pod, but at least SHARE_STEP's worth."""
    if step <= 0:
        return NO_LIMIT
    exact = math.floor((runner_share - share) / step) + 1
    return max(exact, math.ceil(SHARE_STEP / step), 1)


class Picker:
    def __init__(self, tree: QueueTree, apps: list[AppWork]) -> None:
        self.tree = tree
        self.heaps: dict[str, list[tuple[AppKey, int, int, AppWork]]] = {}
        self.active: dict[str, int] = {}
        self._seq = 0
        for app in apps:
            if app.queue is not None and app.active:
                app.counted_active = True
                for q in app.queue.lineage:
                    self.active[q.path] = self.active.get(q.path, 0) + 1
                self._push(app)

    def _push(self, app: AppWork) -> None:
        assert app.queue is not None
        self._seq += 1
        heap = self.heaps.setdefault(app.queue.path, [])
        heapq.heappush(heap, (app_key(app, app.queue), self._seq, app.version, app))

    def _top(self, leaf: Queue) -> AppWork | None:
        heap = self.heaps.get(leaf.path, [])
        while heap:
            _, _, version, app = heap[0]
            if version == app.version and app.active:
                return app
            heapq.heappop(heap)
        return None

    def _priority(self, queue: Queue) -> int:
        """The queue's priority for sorting among its siblings (fenced queues show only their offset)."""
        if queue.priority_fenced:
            return queue.priority_offset
        return self._raw_priority(queue) + queue.priority_offset

    def _raw_priority(self, queue: Queue) -> int:
        if queue.leaf:
            if queue.sort_by_priority:
                top = self._top(queue)
                return top.priority if top is not None else 0
            heap = self.heaps.get(queue.path, [])
            return max((e[3].priority for e in heap if e[3].active and e[2] == e[3].version), default=0)
        return max(
            (self._priority(c) for c in queue.children.values() if self.active.get(c.path, 0) > 0), default=0
        )

    def next(self) -> tuple[AppWork, int] | None:
        """The application to serve and how many pods it may take before the order is looked at again."""
        node = self.tree.root
        if self.active.get(node.path, 0) <= 0:
            return None
        levels: list[tuple[Queue, Queue | None]] = []
        while not node.leaf:
            ranked = sorted(
                (
                    (-self._priority(c), c.share(c.allocated), c.path, c)
                    for c in node.children.values()
                    if self.active.get(c.path, 0) > 0
                ),
                key=lambda item: item[:3],
            )
            if not ranked:
                return None
            best = ranked[0]
            runner = ranked[1] if len(ranked) > 1 and ranked[1][0] == best[0] else None
            levels.append((best[3], runner[3] if runner is not None else None))
            node = best[3]
        app = self._top(node)
        if app is None:
            return None
        group = app.current()
        assert group is not None
        limit = NO_LIMIT
        for chosen, runner_queue in levels:
            if runner_queue is not None:
                limit = min(
                    limit,
                    batch_limit(
                        chosen.share(chosen.allocated),
                        runner_queue.share(runner_queue.allocated),
                        chosen.share_step(group.vec),
                    ),
                )
        if node.sort_policy == FAIR:
            limit = min(limit, self._leaf_limit(node, app, group.vec))
        return app, limit

    def _leaf_limit(self, leaf: Queue, app: AppWork, vec: Vector) -> int:
        heap = self.heaps[leaf.path]
        best = heapq.heappop(heap)
        runner = self._top(leaf)
        heapq.heappush(heap, best)
        if runner is None or (leaf.sort_by_priority and runner.priority != app.priority):
            return NO_LIMIT
        return batch_limit(leaf.share(app.allocated), leaf.share(runner.allocated), leaf.share_step(vec))

    def update(self, app: AppWork) -> None:
        """Re-rank `app` after it was served (or blocked)."""
        app.version += 1
        if app.active:
            self._push(app)
        elif app.counted_active and app.queue is not None:
            app.counted_active = False
            for q in app.queue.lineage:
                self.active[q.path] -= 1
