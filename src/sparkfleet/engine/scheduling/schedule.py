"""The entry point: `schedule(snapshot) -> SchedulingDecision`, one cycle, pure and deterministic."""

from __future__ import annotations

from collections import defaultdict

import numpy as np

from sparkfleet.api import yunikorn as yk
from sparkfleet.engine.scheduling import lifecycle
from sparkfleet.engine.scheduling.allocate import build_asks, run
from sparkfleet.engine.scheduling.apps import AppPods, collect
from sparkfleet.engine.scheduling.asks import AppWork, Block, Gang
from sparkfleet.engine.scheduling.cycle import Cycle, ref
from sparkfleet.engine.scheduling.decision import (
    PendingKind,
    QueueReport,
    SchedulingDecision,
    Unschedulable,
)
from sparkfleet.engine.scheduling.fit import NodeSortPolicy
from sparkfleet.engine.scheduling.gang import TaskGroupError, parse_policy_parameters, parse_task_groups
from sparkfleet.engine.scheduling.nodes import NodeTable
from sparkfleet.engine.scheduling.placement import Placer
from sparkfleet.engine.scheduling.preemption import preempt
from sparkfleet.engine.scheduling.queues import QueueTree
from sparkfleet.engine.scheduling.resources import CPU, MEMORY, ResourceIndex, Resources, kubernetes_name
from sparkfleet.engine.scheduling.snapshot import AppState, AppStatus, PodRecord, Snapshot

DEFAULT_WEIGHTS = {CPU: 1.0, MEMORY: 1.0}


def schedule(snapshot: Snapshot) -> SchedulingDecision:
    """Decide one cycle: admissions, placeholders, binds, releases, preemptions, and why pods wait.

    A cycle makes ~10 short-lived objects per pod and no reference cycles: a caller deciding over a large
    snapshot may pause the garbage collector around it (the scheduler controller does)."""
    partition = snapshot.partition
    by_app = collect(snapshot.pods)
    gangs = {app_id: _gang(pods) for app_id, pods in by_app.items()}

    tree = QueueTree(partition)
    names: set[str] = set(tree.resource_names())
    for node in snapshot.nodes:
        names.update(node.allocatable)
    for requests in {p.requests for p in snapshot.pods}:
        names.update(requests)
    for gang, _ in gangs.values():
        for group in gang.groups if gang is not None else ():
            names.update(group.min_resource)
    index = ResourceIndex(names)

    sort_policy = partition.nodesortpolicy
    weights = (
        {kubernetes_name(k): v for k, v in sort_policy.resourceweights.items()}
        if sort_policy is not None and sort_policy.resourceweights
        else DEFAULT_WEIGHTS
    )
    policy = (
        NodeSortPolicy.BINPACKING
        if sort_policy is not None and sort_policy.type == yk.NodeSortPolicyType.BINPACKING
        else NodeSortPolicy.FAIR
    )
    table = NodeTable(snapshot.nodes, index, weights)
    cycle = Cycle(snapshot, index, table, tree, Placer(tree, partition.placementrules), policy)
    _account_nodes(cycle, snapshot.pods)
    tree.bind(index, table.total())

    works: list[AppWork] = []
    for app_id, pods in by_app.items():
        status = snapshot.apps.get(app_id)
        if status is None:
            if not pods.live:
                lifecycle.release_leftovers(cycle, pods)
                continue  # ended before the scheduler ever saw it
            status = _new_status(app_id, pods, snapshot.now)
        work = AppWork(app_id, status, pods, np.zeros(index.size, dtype=np.int64))
        gang, error = gangs[app_id]
        work.gang, work.gang_error = gang, error
        _account_app(cycle, work)
        works.append(work)
    works.sort(key=lambda w: (w.submitted, w.app_id))
    cycle.apps = {w.app_id: w for w in works}

    for work in works:
        lifecycle.prepare(cycle, work)
    for work in works:
        _charge_existing(cycle, work)
    for work in works:
        build_asks(cycle, work)
    run(cycle, [w for w in works if w.groups])
    for work in works:
        lifecycle.finish(cycle, work)
    preempt(cycle, works)

    return SchedulingDecision(
        binds=tuple(cycle.binds),
        placeholders_to_create=tuple(cycle.creates),
        releases=tuple(cycle.releases.values()),
        preemptions=tuple(cycle.preemptions),
        failures=tuple(cycle.failures),
        unschedulable=tuple(_pending(cycle, works)),
        apps={w.app_id: w.status for w in works},
        transitions=tuple(cycle.transitions),
        events=tuple(cycle.events),
        queues=tuple(_reports(cycle, works)),
    )


def _gang(pods: AppPods) -> tuple[Gang | None, str]:
    origin = pods.originator
    if not pods.yunikorn or origin is None or origin.task_groups is None:
        return None, ""
    try:
        groups = parse_task_groups(origin.task_groups)
    except TaskGroupError as exc:
        return None, str(exc)
    gang = Gang(groups, parse_policy_parameters(origin.policy_params), origin.task_groups)
    for ph in pods.placeholders:
        if ph.node_name is not None and ph.task_group is not None:
            gang.bound[ph.task_group] = gang.bound.get(ph.task_group, 0) + 1
    return gang, ""


def _new_status(app_id: str, pods: AppPods, now: float) -> AppStatus:
    times = [p.created for p in (*pods.pending, *pods.bound, *pods.finished, *pods.placeholders) if p.created]
    origin = pods.originator
    return AppStatus(
        app_id=app_id,
        state=AppState.NEW,
        submitted_at=min(times) if times else now,
        state_since=now,
        user=origin.user if origin is not None else "nobody",
        originator=origin.uid if origin is not None else "",
    )


def _account_nodes(cycle: Cycle, pods: object) -> None:
    """Bound pods (placeholders and terminating pods included) hold their requests on their nodes."""
    table = cycle.table
    rows_by_request: dict[Resources, list[int]] = defaultdict(list)
    for pod in cycle.snap.pods:
        if pod.node_name is None or pod.finished:
            continue
        row = table.pos.get(pod.node_name)
        if row is None:
            continue
        rows_by_request[pod.requests].append(row)
        if pod.terminating:
            cycle.terminating_rows.add(row)
    for node, requests in cycle.snap.foreign:
        row = table.pos.get(node)
        if row is not None:
            rows_by_request[requests].append(row)
    for requests, rows in rows_by_request.items():
        table.account(np.asarray(rows, dtype=np.intp), cycle.index.vector(requests))


def _account_app(cycle: Cycle, work: AppWork) -> None:
    counts: dict[Resources, int] = defaultdict(int)
    for pod in (*work.pods.bound, *work.pods.placeholders):
        if pod.node_name is not None:
            counts[pod.requests] += 1
    for requests, n in counts.items():
        work.allocated += cycle.index.vector(requests) * n
    work.started = bool(counts)


def _charge_existing(cycle: Cycle, work: AppWork) -> None:
    """The usage of pods already running, on the application's queues and user/group limits."""
    if work.queue is None:
        return
    cycle.tree.allocate(work.queue, work.allocated)
    for tracker in work.trackers:
        tracker.usage += work.allocated
    if work.started:
        cycle.tree.start_app(work.queue, work.app_id)
        for tracker in work.trackers:
            tracker.apps.add(work.app_id)


def _hold_text(work: AppWork) -> tuple[PendingKind, str]:
    if work.hold is not None:
        return work.hold.kind, work.hold.text()
    return PendingKind.APPLICATION, f"application {work.app_id} is {work.state}"


def _pending(cycle: Cycle, works: list[AppWork]) -> list[Unschedulable]:
    out: list[Unschedulable] = []
    nominations = cycle.nominations
    for work in works:
        queue = work.queue
        for group in work.groups:
            if group.remaining <= 0:
                continue
            block = group.block or Block(PendingKind.CAPACITY, "no node was tried in this cycle")
            text = block.text()
            if queue is not None:
                cycle.tree.add_pending(queue, group.vec * group.remaining)
            for pod in group.pods[group.placed :]:
                nominated = nominations.get((pod.namespace, pod.name))
                if nominated is not None:
                    out.append(_waiting(pod, PendingKind.PREEMPTION, nominated[1], nominated[0]))
                elif not (pod.placeholder and cycle.released(pod)):
                    out.append(_waiting(pod, block.kind, text, None))
        if work.waiting:
            kind, text = _hold_text(work)
            if queue is not None:
                waiting: dict[Resources, int] = defaultdict(int)
                for pod in work.waiting:
                    waiting[pod.requests] += 1
                for requests, n in waiting.items():
                    cycle.tree.add_pending(queue, cycle.index.vector(requests) * n)
            for pod in work.waiting:
                nominated = nominations.get((pod.namespace, pod.name))
                if nominated is not None:
                    out.append(_waiting(pod, PendingKind.PREEMPTION, nominated[1], nominated[0]))
                else:
                    out.append(_waiting(pod, kind, text, None))
    return out


def _waiting(pod: PodRecord, kind: PendingKind, message: str, node: str | None) -> Unschedulable:
    return Unschedulable(ref(pod), pod.app_id, kind, message, pod.task_group, pod.placeholder, node)


def _reports(cycle: Cycle, works: list[AppWork]) -> list[QueueReport]:
    apps_in: dict[str, list[str]] = defaultdict(list)
    for work in works:
        if work.queue is not None and work.state not in (
            AppState.COMPLETED,
            AppState.REJECTED,
            AppState.FAILED,
        ):
            apps_in[work.queue.path].append(work.app_id)
    index = cycle.index
    return [
        QueueReport(
            path=q.path,
            leaf=q.leaf,
            dynamic=q.dynamic,
            guaranteed=Resources(q.guaranteed),
            max=q.max.as_resources(),
            allocated=index.resources(q.allocated),
            pending=index.resources(q.pending),
            running_apps=len(q.running_apps),
            max_apps=q.max_apps,
            apps=tuple(apps_in.get(q.path, ())),
        )
        for q in cycle.tree
    ]
