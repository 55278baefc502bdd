"""Allocation: real pods swap into placeholders, nominated pods go first, then the asks in sorted order.

Each pick from the sorter places a whole group of interchangeable pods (or as many as the fairness
limit, the queue's headroom and the user's limits allow) in one vectorised step.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable

import numpy as np

from sparkfleet.api.wire import EventType
from sparkfleet.engine.scheduling.asks import AppWork, AskGroup, Block, ask_order, group_asks
from sparkfleet.engine.scheduling.cycle import Cycle, ref
from sparkfleet.engine.scheduling.decision import Bind, PendingKind
from sparkfleet.engine.scheduling.fit import place
from sparkfleet.engine.scheduling.queues import describe_max
from sparkfleet.engine.scheduling.resources import Resources, Vector, format_amount, format_resources
from sparkfleet.engine.scheduling.snapshot import AppState, PodRecord
from sparkfleet.engine.scheduling.sorting import NO_LIMIT, Picker

S = AppState


def charge(cycle: Cycle, app: AppWork, amount: Vector) -> None:
    """Count an allocation (or, negative, a release) on the application, its queues and its limits."""
    app.allocated += amount
    if app.queue is not None:
        cycle.tree.allocate(app.queue, amount)
    for tracker in app.trackers:
        tracker.usage += amount


def start(cycle: Cycle, app: AppWork) -> None:
    """The application's first allocation: it now counts against maxapplications."""
    if app.started:
        return
    app.started = True
    if app.queue is not None:
        cycle.tree.start_app(app.queue, app.app_id)
    for tracker in app.trackers:
        tracker.apps.add(app.app_id)


def swap(cycle: Cycle, app: AppWork) -> list[PodRecord]:
    """Real pods of a task group take bound placeholders' places on the same node; returns the rest."""
    pods = app.pods
    if not pods.placeholders:
        return list(pods.pending)
    table = cycle.table
    available: dict[str, list[PodRecord]] = defaultdict(list)
    for ph in sorted(pods.placeholders, key=lambda p: p.name):
        if ph.node_name in table.pos and not cycle.released(ph):
            available[ph.task_group or ""].append(ph)
    rest: list[PodRecord] = []
    fits: dict[tuple[Resources, Resources], bool] = {}
    allowed_by: dict[object, list[bool]] = {}
    given: dict[Resources, list[int]] = defaultdict(list)
    taken: dict[Resources, list[int]] = defaultdict(list)
    for pod in sorted(pods.pending, key=ask_order):
        candidates = available.get(pod.task_group) if pod.task_group else None
        if not candidates:
            rest.append(pod)
            continue
        pair = (pod.requests, candidates[0].requests)
        smaller = fits.get(pair)
        if smaller is None:
            smaller = fits[pair] = pod.requests.fits_in(candidates[0].requests)
        if not smaller:
            ph = candidates.pop(0)
            message = (
                f"pod {pod.name} asks {format_resources(pod.requests)} but placeholder {ph.name} of "
                f"task group {pod.task_group} reserved {format_resources(ph.requests)}: the placeholder is "
                "released and the pod is scheduled without it; make minResource cover the pod's requests "
                "(memory overhead included)"
            )
            cycle.release(ph, "PlaceholderTooSmall", message)
            cycle.pod_event(pod, EventType.WARNING, "PlaceholderTooSmall", message)
            rest.append(pod)
            continue
        allowed = allowed_by.get(pod.constraints)
        if allowed is None:
            allowed = allowed_by[pod.constraints] = table.static_fit(pod.constraints).mask.tolist()
        pick = None
        for i, ph in enumerate(candidates):
            if allowed[table.pos[ph.node_name or ""]]:
                pick = i
                break
        if pick is None:
            ph = candidates.pop(0)
            cycle.release(
                ph,
                "PlaceholderReleased",
                f"pod {pod.name} cannot run on node {ph.node_name} (selector, affinity or taints): "
                "the placeholder is released and the pod is scheduled on another node",
            )
            rest.append(pod)
            continue
        ph = candidates.pop(pick)
        row = table.pos[ph.node_name or ""]
        cycle.binds.append(Bind(ref(pod), ph.node_name or "", app.app_id, False, ref(ph)))
        cycle.release(ph, "Replaced", f"replaced by pod {pod.namespace}/{pod.name}")
        given[ph.requests].append(row)
        taken[pod.requests].append(row)
    for requests, rows in given.items():
        vec = cycle.index.vector(requests)
        table.account(np.asarray(rows, dtype=np.intp), vec, sign=-1)
        charge(cycle, app, -vec * len(rows))
    for requests, rows in taken.items():
        vec = cycle.index.vector(requests)
        table.account(np.asarray(rows, dtype=np.intp), vec)
        charge(cycle, app, vec * len(rows))
        start(cycle, app)
    if app.release_leftovers:
        for leftovers in available.values():
            for ph in leftovers:
                cycle.release(
                    ph,
                    "PlaceholderTimeout",
                    f"placeholder of task group {ph.task_group} was not used before the reservation timeout",
                )
    return rest


def queue_room(cycle: Cycle, app: AppWork, vec: Vector) -> tuple[int, str]:
    """How many pods of `vec` the queue path and the user/group limits still admit, and what binds first."""
    cols = np.flatnonzero(vec > 0)
    if cols.size == 0 or app.queue is None:
        return NO_LIMIT, ""
    room = cycle.tree.headroom(app.queue)
    n = int(max(0, (room[cols] // vec[cols]).min()))
    reason = ""
    if n == 0:
        blocker = cycle.tree.max_blocker(app.queue, vec)
        if blocker is not None:
            reason = describe_max(blocker[0], blocker[1], vec, cycle.index)
    for tracker in app.trackers:
        left = tracker.max_vec - tracker.usage
        m = int(max(0, (left[cols] // vec[cols]).min()))
        if m < n:
            n = m
            col = int(cols[int(np.argmin(left[cols] // vec[cols]))])
            name = cycle.index.names[col]
            reason = (
                f"{tracker.describe()} maxresources {name} {format_amount(name, int(tracker.max_vec[col]))} "
                f"reached: used {format_amount(name, int(tracker.usage[col]))}, "
                f"ask {format_amount(name, int(vec[col]))}"
            )
    return n, reason


def apps_room(cycle: Cycle, app: AppWork) -> str:
    """Why the application may not start (maxapplications of a queue or of a user/group), else ""."""
    if app.started or app.queue is None:
        return ""
    blocker = cycle.tree.apps_blocker(app.queue, app.app_id)
    if blocker is not None:
        return (
            f"queue {blocker.path} runs {len(blocker.running_apps)} applications, its maxapplications is "
            f"{blocker.max_apps}: the application waits until one finishes"
        )
    for tracker in app.trackers:
        if tracker.max_apps and len(tracker.apps) >= tracker.max_apps:
            return (
                f"{tracker.describe()} runs {len(tracker.apps)} applications, the limit is "
                f"{tracker.max_apps}: the application waits until one finishes"
            )
    return ""


def emit(cycle: Cycle, app: AppWork, group: AskGroup, rows: np.ndarray, counts: np.ndarray) -> int:
    placed = int(counts.sum())
    if placed == 0:
        return 0
    names = cycle.table.names
    nodes = np.repeat(rows, counts).tolist()
    first = group.placed
    app_id = app.app_id
    is_ph = group.placeholder
    cycle.binds.extend(
        Bind(ref(pod), names[row], app_id, is_ph)
        for pod, row in zip(group.pods[first : first + placed], nodes, strict=True)
    )
    group.placed += placed
    charge(cycle, app, group.vec * placed)
    start(cycle, app)
    if is_ph and app.gang is not None:
        key = group.task_group or ""
        app.gang.bound[key] = app.gang.bound.get(key, 0) + placed
    return placed


def place_group(cycle: Cycle, app: AppWork, group: AskGroup, limit: int) -> None:
    """Place as many of the group's pods as the limit, the queues and the nodes allow."""
    waiting = apps_room(cycle, app)
    if waiting:
        app.block_all(Block(PendingKind.QUEUE_LIMIT, waiting))
        return
    wanted = min(group.remaining, limit)
    room, room_reason = queue_room(cycle, app, group.vec)
    allowed = min(wanted, room)
    if allowed <= 0:
        group.block = Block(PendingKind.QUEUE_LIMIT, room_reason)
        return
    table = cycle.table
    fit = table.static_fit(group.constraints)
    memo = (group.constraints, group.request)
    if memo in cycle.capacity_failed:
        placed = 0
    else:
        rows, counts = place(table, fit.eligible, group.vec, allowed, cycle.policy)
        placed = emit(cycle, app, group, rows, counts)
    if placed < allowed:
        # free capacity only shrinks during the loop: the same ask will not fit later in this cycle
        cycle.capacity_failed.add(memo)
        vec = group.vec
        group.block = Block(PendingKind.CAPACITY, explain=lambda: table.explain(fit, vec))
    elif allowed < wanted:
        _, reason = queue_room(cycle, app, group.vec)
        group.block = Block(PendingKind.QUEUE_LIMIT, reason or room_reason)


def nominated_first(cycle: Cycle, app: AppWork, asks: list[PodRecord]) -> list[PodRecord]:
    """Pods that preempted others go to their nominated node first; while victims terminate they wait."""
    if not any(p.nominated_node for p in asks):
        return asks
    table = cycle.table
    rest: list[PodRecord] = []
    for pod in asks:
        row = table.pos.get(pod.nominated_node or "")
        if row is None or not table.static_fit(pod.constraints).mask[row]:
            rest.append(pod)
            continue
        vec = cycle.index.vector(pod.requests)
        room, _ = queue_room(cycle, app, vec)
        if bool((table.free[row] >= vec).all()) and room >= 1 and not apps_room(cycle, app):
            table.use_one(row, vec)
            cycle.binds.append(Bind(ref(pod), table.names[row], app.app_id, pod.placeholder))
            charge(cycle, app, vec)
            start(cycle, app)
            if pod.placeholder and app.gang is not None:
                key = pod.task_group or ""
                app.gang.bound[key] = app.gang.bound.get(key, 0) + 1
        elif row in cycle.terminating_rows:
            table.use_one(row, vec)
            message = f"waiting on node {table.names[row]} for preempted pods to terminate"
            cycle.nominations[(pod.namespace, pod.name)] = (table.names[row], message)
            app.waiting.append(pod)
        else:
            rest.append(pod)
    return rest


def build_asks(cycle: Cycle, app: AppWork) -> None:
    """The application's asks this cycle, by state; pods that are not asks wait with the app's reason."""
    state = app.state
    pods = app.pods
    if state in (S.REJECTED, S.FAILING, S.FAILED, S.COMPLETED):
        return
    if app.queue is None:
        app.waiting.extend(pods.pending)
        return
    if state == S.RESERVING:
        asks = [p for p in pods.placeholders if p.node_name is None and not cycle.released(p)]
        asks.extend(app.new_placeholders)
        app.waiting.extend(pods.pending)
    elif state in (S.ACCEPTED, S.RUNNING):
        asks = swap(cycle, app) if state == S.RUNNING else list(pods.pending)
    else:
        app.waiting.extend(pods.pending)
        return
    asks = nominated_first(cycle, app, asks)
    app.groups = group_asks(asks, cycle.index)


def run(cycle: Cycle, apps: list[AppWork]) -> None:
    """Serve the asks in queue and application order until nothing more can be placed."""
    partial = {
        a.app_id
        for a in apps
        if a.state == S.RESERVING and a.gang is not None and a.gang.bound_total > 0 and not a.gang.complete
    }
    picker = Picker(cycle.tree, apps)
    while True:
        pick = picker.next()
        if pick is None:
            break
        app, limit = pick
        if app.state == S.RESERVING and app.gang is not None:
            ahead = _ahead(cycle, app, partial) if app.gang.bound_total == 0 else None
            short = _gang_room(cycle, app) if app.gang.bound_total == 0 else ""
            if ahead is not None:
                app.block_all(Block(PendingKind.GANG, explain=_waiting_for(ahead)))
            elif short:
                app.block_all(Block(PendingKind.QUEUE_LIMIT, short))
            else:
                # a gang is placed as a whole: all its placeholder groups at once
                group = app.current()
                while group is not None:
                    place_group(cycle, app, group, NO_LIMIT)
                    group = app.current()
                if app.gang.bound_total > 0 and not app.gang.complete:
                    partial.add(app.app_id)
                else:
                    partial.discard(app.app_id)
        else:
            group = app.current()
            assert group is not None
            place_group(cycle, app, group, limit)
        picker.update(app)


def _ahead(cycle: Cycle, app: AppWork, partial: set[str]) -> AppWork | None:
    """A gang holding part of its reservation that this gang would compete with for nodes.

    Only one gang at a time may hold a partial reservation on the same nodes: two gangs that each hold
    part of what they need could wait for each other forever.
    """
    table = cycle.table
    mine = [table.static_fit(g.constraints).mask for g in app.groups if g.open]
    for other_id in sorted(partial - {app.app_id}):
        other = cycle.apps[other_id]
        for group in other.groups:
            if group.remaining > 0:
                theirs = table.static_fit(group.constraints).mask
                if any(bool((m & theirs).any()) for m in mine):
                    return other
    return None


def _gang_room(cycle: Cycle, app: AppWork) -> str:
    """Why the queue cannot take the whole gang's placeholders now ("" when it can).

    A gang starts reserving only when its queue has room for all of it, so that it never holds quota
    it cannot complete.
    """
    need = np.zeros(cycle.index.size, dtype=np.int64)
    for group in app.groups:
        if group.open:
            need += group.vec * group.remaining
    if app.queue is not None:
        blocker = cycle.tree.max_blocker(app.queue, need)
        if blocker is not None:
            return "the gang waits for room in its queue: " + describe_max(
                blocker[0], blocker[1], need, cycle.index
            )
    for tracker in app.trackers:
        over = np.flatnonzero((tracker.usage + need > tracker.max_vec) & (need > 0))
        if over.size:
            name = cycle.index.names[int(over[0])]
            return (
                f"the gang waits for room: {tracker.describe()} maxresources {name} "
                f"{format_amount(name, int(tracker.max_vec[over[0]]))} would be exceeded by the gang's "
                f"{format_amount(name, int(need[over[0]]))}"
            )
    return ""


def _waiting_for(ahead: AppWork) -> Callable[[], str]:
    def explain() -> str:
        return (
            f"waiting for the gang reservation of application {ahead.app_id} to complete "
            f"({_progress(ahead)}) before reserving"
        )

    return explain


def _progress(app: AppWork) -> str:
    assert app.gang is not None
    return f"{app.gang.bound_total}/{app.gang.wanted} placeholders bound"
