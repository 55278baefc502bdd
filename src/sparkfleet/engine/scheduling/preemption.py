"""Queue-based preemption, by YuniKorn's rules.

A pod that found no node may take room from running pods only when:
- the partition has preemption enabled and the pod has waited at least its queue's `preemption.delay`;
- its queue path stays within guaranteed with the pod added (a queue without guarantee cannot preempt),
  and its queue's `preemption.policy` is not `disabled` (`fence` keeps victims inside the fenced queue);
- the victims run in queues that stay at or above their guaranteed resources once the victims are gone,
  have equal or lower priority, and belong to another application;
- pods annotated `yunikorn.apache.org/allow-preemption: "false"` (and then originator pods) are taken only
  when no other set of victims frees enough room.
Victims are chosen on one node: lowest priority first, then youngest first, as few as needed. The pod is
nominated to that node and waits there while the victims terminate.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sparkfleet.api.wire import EventType
from sparkfleet.engine.scheduling.allocate import charge
from sparkfleet.engine.scheduling.asks import AppWork, AskGroup
from sparkfleet.engine.scheduling.cycle import Cycle, ref
from sparkfleet.engine.scheduling.decision import PendingKind, Preemption
from sparkfleet.engine.scheduling.queues import Queue
from sparkfleet.engine.scheduling.resources import Vector, format_resources
from sparkfleet.engine.scheduling.snapshot import PodRecord

MAX_PREEMPTORS_PER_CYCLE = 16
"""Preemption is for pods starved of their guarantee, not bulk moves; the rest waits for the next cycle."""


@dataclass(eq=False, slots=True)
class Victim:
    pod: PodRecord
    app: AppWork
    vec: Vector
    row: int
    tier: int
    """0: ordinary; 1: an application's originator (driver); 2: opted out with allow-preemption false."""


def below_guaranteed(queue: Queue, vec: Vector) -> bool:
    guarded = [q for q in queue.lineage if q.guaranteed_mask.any()]
    if not guarded:
        return False
    for q in guarded:
        m = q.guaranteed_mask
        if ((q.allocated + vec)[m] > q.guaranteed_vec[m]).any():
            return False
    return True


def _fence(queue: Queue) -> str:
    for q in queue.lineage:
        if q.preemption_policy == "fence":
            return q.path
    return ""


def preempt(cycle: Cycle, apps: list[AppWork]) -> None:
    partition = cycle.snap.partition
    if partition.preemption is None or not partition.preemption.enabled:
        return
    candidates: list[tuple[AppWork, AskGroup]] = [
        (app, group)
        for app in apps
        if app.queue is not None
        for group in app.groups
        if group.remaining > 0 and group.block is not None and group.block.kind == PendingKind.CAPACITY
    ]
    if not candidates:
        return
    candidates.sort(key=lambda c: (-c[1].priority, c[0].submitted, c[0].app_id))
    victims = _victims(cycle)
    taken: set[int] = set()
    count = 0
    for app, group in candidates:
        queue = app.queue
        assert queue is not None
        if queue.preemption_policy == "disabled":
            continue
        fence = _fence(queue)
        for pod in group.pods[group.placed :]:
            if count >= MAX_PREEMPTORS_PER_CYCLE:
                return
            if pod.preempt_never or cycle.now - pod.created < queue.preemption_delay:
                break
            if not below_guaranteed(queue, group.vec):
                break
            choice = _choose(cycle, app, pod, group.vec, victims, taken, fence)
            if choice is None:
                break
            row, chosen = choice
            _apply(cycle, app, pod, group.vec, row, chosen, taken)
            count += 1


def _victims(cycle: Cycle) -> dict[int, list[Victim]]:
    by_row: dict[int, list[Victim]] = {}
    for app in cycle.apps.values():
        if app.queue is None:
            continue
        origin = app.pods.originator
        for pod in app.pods.bound:
            row = cycle.table.pos.get(pod.node_name or "")
            if row is None or pod.terminating:
                continue
            tier = 2 if not pod.allow_preemption else 1 if pod is origin else 0
            by_row.setdefault(row, []).append(Victim(pod, app, cycle.index.vector(pod.requests), row, tier))
    return by_row


def _victim_ok(victim: Victim, preemptor: Queue, gone: dict[str, Vector]) -> bool:
    """The victim's queues (those not shared with the preemptor) stay at or above guaranteed without it."""
    assert victim.app.queue is not None
    shared = {q.path for q in preemptor.lineage}
    for q in victim.app.queue.lineage:
        if q.path in shared or not q.guaranteed_mask.any():
            continue
        remaining = q.allocated - gone.get(q.path, 0) - victim.vec
        m = q.guaranteed_mask
        if (remaining[m] < q.guaranteed_vec[m]).any():
            return False
    return True


def _choose(
    cycle: Cycle,
    app: AppWork,
    pod: PodRecord,
    vec: Vector,
    victims: dict[int, list[Victim]],
    taken: set[int],
    fence: str,
) -> tuple[int, list[Victim]] | None:
    table = cycle.table
    queue = app.queue
    assert queue is not None
    mask = table.static_fit(pod.constraints).mask
    for max_tier in (0, 1, 2):
        best: tuple[tuple[int, int, int, int], int, list[Victim]] | None = None
        for row, on_node in victims.items():
            if not mask[row]:
                continue
            pool = [
                v
                for v in on_node
                if id(v) not in taken
                and v.tier <= max_tier
                and v.app is not app
                and v.pod.priority <= pod.priority
                and (not fence or (v.app.queue is not None and v.app.queue.path.startswith(fence + ".")))
            ]
            if not pool:
                continue
            free = table.free[row].copy()
            if (free + np.sum([v.vec for v in pool], axis=0) < vec).any():
                continue
            pool.sort(key=lambda v: (v.tier, v.pod.priority, -v.pod.created, v.pod.name))
            chosen: list[Victim] = []
            gone: dict[str, Vector] = {}
            for v in pool:
                if not _victim_ok(v, queue, gone):
                    continue
                chosen.append(v)
                free += v.vec
                assert v.app.queue is not None
                for q in v.app.queue.lineage:
                    gone[q.path] = gone.get(q.path, 0) + v.vec
                if (free >= vec).all():
                    break
            if not chosen or (free < vec).any():
                continue
            cost = (max(v.tier for v in chosen), max(v.pod.priority for v in chosen), len(chosen), row)
            if best is None or cost < best[0]:
                best = (cost, row, chosen)
        if best is not None:
            return best[1], best[2]
    return None


def _apply(
    cycle: Cycle, app: AppWork, pod: PodRecord, vec: Vector, row: int, chosen: list[Victim], taken: set[int]
) -> None:
    table = cycle.table
    node = table.names[row]
    queue = app.queue
    assert queue is not None
    for v in chosen:
        taken.add(id(v))
        victim_queue = v.app.queue.path if v.app.queue is not None else "?"
        message = (
            f"preempted to make room for {pod.namespace}/{pod.name} of application {app.app_id}: queue "
            f"{queue.path} is below its guaranteed resources, queue {victim_queue} is above its own"
        )
        cycle.preemptions.append(Preemption(ref(v.pod), ref(pod), node, message))
        cycle.pod_event(v.pod, EventType.WARNING, "Preempted", message)
        charge(cycle, v.app, -v.vec)
        table.release_one(row, v.vec)
    # the freed room is held for the preemptor while the victims terminate
    table.use_one(row, vec)
    charge(cycle, app, vec)
    message = (
        f"preempting {len(chosen)} pod(s) on node {node} to reclaim "
        f"{format_resources(cycle.index.resources(vec))} of queue {queue.path}'s guaranteed resources; "
        "waiting for them to terminate"
    )
    cycle.nominations[(pod.namespace, pod.name)] = (node, message)
    cycle.pod_event(pod, EventType.NORMAL, "Preempting", message)
